/*
 * import_bulk: the statements of an import, prepared once, and its bulk path (triggers off, their
 * work done once at the end: R*Tree packing, counters, search keys, practices); see import.h.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "io/import_int.h"
#include "db/rtreepack.h"

/* --- statements --- */

static bool has_column(db_conn *db, const char *table, const char *column)
{
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT %s FROM %s LIMIT 0", column, table);
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(db_sqlite(db), sql, -1, &st, NULL) == SQLITE_OK;
    sqlite3_finalize(st);
    return ok;
}

/*
 * Bulk path. The insert triggers of the point tables (SpatiaLite's geometry check, its last-insert
 * stamp and its R*Tree insert through RTreeAlign(), and the schema's layer_stat counter) and the
 * last-update stamp that fires on the search-key update cost most of an import: RTreeAlign()
 * formats and runs SQL for every row. When an import only adds rows (no --upsert-by: updates need
 * the triggers that move a facility's sources along) and the triggers on the table are exactly
 * those, with no insert trigger on the other tables it writes (practices, organizations, audit),
 * the importer runs with triggers off (SQLite's switch is per connection) and does their work
 * itself: every geometry it writes is a valid 4326 point (MakePoint of checked numbers), the point
 * goes into the R*Tree with one prepared insert, and the counters and stamps are updated once at
 * the end (import_bulk_finish, triggers on again). Any other trigger keeps the plain path: slower,
 * never wrong. The demo generator (db/demo.c) bulk-loads the same way.
 */
static bool triggers_known(import_ctx *x, const char *table)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db_sqlite(x->db),
                           "SELECT name, instr(upper(substr(sql, 1, instr(upper(sql), ' ON '))), 'INSERT') > 0, "
                           "instr(upper(substr(sql, 1, instr(upper(sql), ' ON '))), 'UPDATE') > 0 AND "
                           "instr(upper(substr(sql, 1, instr(upper(sql), ' ON '))), 'UPDATE OF') = 0 "
                           "FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    char expect[5][80];
    snprintf(expect[0], sizeof expect[0], "ggi_%s_geom", table);
    snprintf(expect[1], sizeof expect[1], "tmi_%s_geom", table);
    snprintf(expect[2], sizeof expect[2], "gii_%s_geom", table);
    snprintf(expect[3], sizeof expect[3], "%s_stat_insert", table);
    snprintf(expect[4], sizeof expect[4], "tmu_%s_geom", table);
    bool known = true;
    int seen = 0;
    while (known && sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        int on_insert = sqlite3_column_int(st, 1), on_any_update = sqlite3_column_int(st, 2);
        if (!on_insert && !on_any_update)
            continue; /* UPDATE OF other columns, DELETE: the bulk statements do not fire them */
        int k = -1;
        for (int i = 0; i < 5; i++)
            if (strcmp(name, expect[i]) == 0)
                k = i;
        if (k < 0 || (k == 4) != (on_any_update != 0))
            known = false;
        else
            seen++;
    }
    sqlite3_finalize(st);
    return known && seen == 5;
}

/* No INSERT trigger on a table the import also writes with triggers off. */
static bool no_insert_triggers(import_ctx *x, const char *table)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db_sqlite(x->db),
                           "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND "
                           "instr(upper(substr(sql, 1, instr(upper(sql), ' ON '))), 'INSERT') > 0",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    bool none = sqlite3_step(st) != SQLITE_ROW;
    sqlite3_finalize(st);
    return none;
}

/* Whether column of table defaults to the time of the insert as import_stamp writes it: then the
 * import binds the time itself, formatted once a second, instead of SQLite's strftime() formatting
 * it twice for every row (a measurable part of an import's time). */
static bool default_is_now(import_ctx *x, const char *table, const char *column)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db_sqlite(x->db), "SELECT dflt_value FROM pragma_table_info(?1) WHERE name = ?2", -1, &st,
                           NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
    const char *d = sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    bool now = d && strcmp(d, "strftime('%Y-%m-%dT%H:%M:%SZ','now')") == 0;
    sqlite3_finalize(st);
    return now;
}

const char *import_stamp(import_ctx *x)
{
    time_t t = time(NULL);
    if (t != x->stamp_time || !x->stamp[0]) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(x->stamp, sizeof x->stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
        x->stamp_time = t;
    }
    return x->stamp;
}

/* The expression of the collection's search-key statement when it has the usual form
 * "UPDATE <table> SET search_key = <expression> WHERE id = ?1": *expr and *len, else *expr NULL. */
static void search_key_expr(const coll_def *c, const char **expr, size_t *len)
{
    *expr = NULL;
    const char *ss = c->search_update_sql;
    if (!ss)
        return;
    char head[160];
    snprintf(head, sizeof head, "UPDATE %s SET search_key = ", c->table);
    static const char tail[] = " WHERE id = ?1";
    size_t hl = strlen(head), tl = sizeof tail - 1, sl = strlen(ss);
    if (sl > hl + tl && strncmp(ss, head, hl) == 0 && strcmp(ss + sl - tl, tail) == 0) {
        *expr = ss + hl;
        *len = sl - hl - tl;
    }
}

void import_triggers(import_ctx *x, bool on)
{
    if (x->bulk)
        sqlite3_db_config(db_sqlite(x->db), SQLITE_DBCONFIG_ENABLE_TRIGGER, on ? 1 : 0, (int *)NULL);
}

void import_release(import_ctx *x)
{
    import_triggers(x, true);
    sqlite3_finalize(x->st_insert);
    sqlite3_finalize(x->st_update);
    sqlite3_finalize(x->st_update_nopos);
    x->st_update_nopos = NULL;
    buf_free(&x->update_nopos_sql);
    buf_free(&x->current_sql);
    sqlite3_finalize(x->st_practice);
    sqlite3_finalize(x->st_batch);
    x->st_batch = NULL;
    buf_free(&x->batch_sql);
    for (int i = 0; i < x->batch_n; i++)
        json_decref(x->batch[i].props);
    x->batch_n = 0;
    sqlite3_finalize(x->st_search);
    x->st_insert = x->st_update = x->st_practice = x->st_search = NULL;
    buf_free(&x->search_all_sql);
    free(x->bulk_pts);
    x->bulk_pts = NULL;
    buf_free(&x->json_before);
    buf_free(&x->json_after);
    buf_free(&x->cell);
    for (int i = 0; i < IMPORT_BATCH; i++)
        buf_free(&x->batch_json[i]);
}

static int cmp_x(const void *a, const void *b)
{
    const rtree_point *p = a, *q = b;
    return p->x < q->x ? -1 : p->x > q->x;
}

static int cmp_y(const void *a, const void *b)
{
    const rtree_point *p = a, *q = b;
    return p->y < q->y ? -1 : p->y > q->y;
}

int import_bulk_finish(import_ctx *x, rm_error *err)
{
    if (!x->bulk || x->bulk_n == 0) {
        import_triggers(x, true);
        return 0;
    }
    /* An empty index is packed at once; otherwise points go in one by one, in spatial order
     * (slices by longitude, each by latitude) so that consecutive inserts touch the same nodes. */
    size_t n = (size_t)x->bulk_n;
    if (rtreepack_possible(x->db, x->coll->rtree)) {
        if (rtreepack_points(x->db, x->coll->rtree, x->bulk_pts, n, err) < 0)
            return -1;
        goto counters;
    }
    size_t slice = (size_t)sqrt((double)n) * 32 + 1;
    qsort(x->bulk_pts, n, sizeof *x->bulk_pts, cmp_x);
    for (size_t i = 0; i < n; i += slice)
        qsort(x->bulk_pts + i, n - i < slice ? n - i : slice, sizeof *x->bulk_pts, cmp_y);
    sqlite3_stmt *rt = db_stmt(x->db, x->rtree_sql, err);
    if (!rt)
        return -1;
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(rt, 1, x->bulk_pts[i].id);
        sqlite3_bind_double(rt, 2, x->bulk_pts[i].x);
        sqlite3_bind_double(rt, 3, x->bulk_pts[i].y);
        int r = sqlite3_step(rt);
        db_stmt_done(rt);
        if (r != SQLITE_DONE)
            return db_error(x->db, err, 500, "indexing the imported rows");
    }
counters:
    if (x->practice_deferred) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db_sqlite(x->db), "INSERT OR IGNORE INTO facility_practice(facility_id, practice) "
                               "SELECT id, practice FROM facility WHERE id > ?1", -1, &st, NULL) != SQLITE_OK)
            return db_error(x->db, err, 500, "listing the practices");
        sqlite3_bind_int64(st, 1, x->max_id_before);
        int r = sqlite3_step(st);
        sqlite3_finalize(st);
        if (r != SQLITE_DONE)
            return db_error(x->db, err, 500, "listing the practices");
    }
    if (x->search_deferred) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db_sqlite(x->db), x->search_all_sql.data, -1, &st, NULL) != SQLITE_OK)
            return db_error(x->db, err, 500, "computing the search keys");
        sqlite3_bind_int64(st, 1, x->max_id_before);
        int r = sqlite3_step(st);
        sqlite3_finalize(st);
        if (r != SQLITE_DONE)
            return db_error(x->db, err, 500, "computing the search keys");
    }
    import_triggers(x, true);
    sqlite3_stmt *st = db_stmt(x->db, "UPDATE layer_stat SET feature_count = feature_count + ?1, "
                                      "min_lon = min(coalesce(min_lon, ?2), ?2), min_lat = min(coalesce(min_lat, ?3), ?3), "
                                      "max_lon = max(coalesce(max_lon, ?4), ?4), max_lat = max(coalesce(max_lat, ?5), ?5) "
                                      "WHERE layer = ?6", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, x->bulk_n);
    for (int k = 0; k < 4; k++)
        sqlite3_bind_double(st, 2 + k, x->bulk_env[k]);
    sqlite3_bind_text(st, 6, x->coll->id, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE)
        return db_error(x->db, err, 500, "updating the layer counters");
    char *sql = sqlite3_mprintf("UPDATE geometry_columns_time SET last_insert = strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', "
                                "'now'), last_update = strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', 'now') WHERE "
                                "Lower(f_table_name) = Lower(%Q) AND Lower(f_geometry_column) = 'geom'", x->coll->table);
    int rc = db_exec(x->db, sql, err);
    sqlite3_free(sql);
    return rc;
}

/* The id the next row of the bulk path gets, as AUTOINCREMENT would give it: above both the largest
 * id and the table's counter in sqlite_sequence (the write lock is held since BEGIN IMMEDIATE, so
 * nobody else takes it). Also sets max_id_before. 0, or -1 when they cannot be read. */
static int next_id(import_ctx *x)
{
    char q[256];
    snprintf(q, sizeof q, "SELECT coalesce(max(id), 0) FROM \"%s\"", x->coll->table);
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(db_sqlite(x->db), q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        x->max_id_before = sqlite3_column_int64(st, 0);
        x->next_id = x->max_id_before + 1;
        rc = 0;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc == 0 && sqlite3_prepare_v2(db_sqlite(x->db), "SELECT seq FROM sqlite_sequence WHERE name = ?", -1, &st,
                                      NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, x->coll->table, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) >= x->next_id)
            x->next_id = sqlite3_column_int64(st, 0) + 1;
    }
    sqlite3_finalize(st);
    return rc;
}

/* The column list of the insert, after "INSERT INTO table (" and the field columns: the columns every
 * insert binds, then ") VALUES ". The bulk path names the id (import_ctx.next_id). */
static void insert_columns(const import_ctx *x, buf *in, bool with_key)
{
    buf_puts(in, "record_owner, lon, lat, geom");
    buf_puts(in, x->has_own_location ? ", own_location" : "");
    buf_puts(in, x->stamp_on_insert ? ", created_at, updated_at" : "");
    buf_puts(in, with_key ? ", search_key" : "");
    buf_puts(in, x->bulk ? ", id) VALUES " : ") VALUES ");
}

/* One row's parenthesised values, its parameters numbered from off + 1 (x->row_params of them, in
 * the order bind_row in import_row.c binds them). */
static void insert_values(const import_ctx *x, buf *in, int off, const char *key_expr, size_t key_len)
{
    const coll_def *c = x->coll;
    int base = x->ninsert_fields + (x->table_has_legacy ? 2 : 0);
    buf_putc(in, '(');
    for (int i = 1; i <= base; i++)
        buf_appendf(in, "?%d, ", off + i);
    buf_appendf(in, "?%d, ?%d, ?%d, MakePoint(?%d, ?%d, 4326)", off + base + 1, off + base + 2, off + base + 3,
                off + base + 2, off + base + 3);
    if (x->has_own_location)
        buf_appendf(in, ", ?%d", off + base + 4);
    if (x->stamp_on_insert)
        buf_appendf(in, ", ?%d, ?%d", off + base + 6, off + base + 6);
    if (key_expr) {
        buf_appendf(in, ", (SELECT %.*s FROM (SELECT ", (int)key_len, key_expr);
        int i = 0;
        for (const coll_field *f = c->fields; f->name; f++)
            if (f->column) {
                i++;
                buf_appendf(in, "?%d AS %s, ", off + i, f->column);
            }
        if (x->table_has_legacy)
            buf_appendf(in, "?%d AS legacy_system, ?%d AS legacy_id, ", off + i + 1, off + i + 2);
        buf_appendf(in, "?%d AS record_owner, ?%d AS lon, ?%d AS lat", off + base + 1, off + base + 2,
                    off + base + 3);
        if (x->has_own_location)
            buf_appendf(in, ", ?%d AS own_location", off + base + 4);
        buf_appendf(in, ") AS \"%s\")", c->table);
    }
    if (x->bulk)
        buf_appendf(in, ", ?%d", off + base + 5);
    buf_putc(in, ')');
}

int import_prepare(import_ctx *x, rm_error *err)
{
    if (!x->coll)
        return 0;
    const coll_def *c = x->coll;
    x->has_own_location = !c->point_required;
    x->table_has_legacy = !coll_field_find(c, "legacy_id") && has_column(x->db, c->table, "legacy_id") &&
                          has_column(x->db, c->table, "legacy_system");
    buf *in = &x->insert_sql, *up = &x->update_sql;
    buf_reset(in);
    buf_reset(up);
    buf_appendf(in, "INSERT INTO %s (", c->table);
    buf_appendf(up, "UPDATE %s SET ", c->table);
    int n = 0;
    for (const coll_field *f = c->fields; f->name; f++)
        if (f->column) {
            n++;
            buf_appendf(in, "%s, ", f->column);
            buf_appendf(up, "%s = ?%d, ", f->column, n);
        }
    x->ninsert_fields = n;
    int k = n;
    if (x->table_has_legacy) {
        buf_puts(in, "legacy_system, legacy_id, ");
        buf_appendf(up, "legacy_system = ?%d, legacy_id = ?%d, ", k + 1, k + 2);
    }
    int base = k + (x->table_has_legacy ? 2 : 0);
    x->row_params = base + 6;
    /* ?base+1 owner, +2 lon, +3 lat, +4 own_location, +5 id, +6 the time stamp (import_stamp) */
    x->bulk = !x->upsert_by && c->rtree && triggers_known(x, c->table) && no_insert_triggers(x, "facility_practice") &&
              no_insert_triggers(x, "organization") && no_insert_triggers(x, "audit");
    x->stamp_on_insert = default_is_now(x, c->table, "created_at") && default_is_now(x, c->table, "updated_at");
    if (x->bulk && next_id(x) < 0)
        x->bulk = false;
    /* In the bulk path the search key is part of the insert: the collection's own expression over a
     * one-row subquery that names the row's values like the table's columns (and is named like the
     * table), so the key is what the collection's UPDATE would compute from the stored row, without
     * writing every row a second time. Other paths, or an expression that does not prepare so,
     * update the key after the insert as the API does. */
    const char *key_expr = NULL;
    size_t key_len = 0;
    if (x->bulk)
        search_key_expr(c, &key_expr, &key_len);
    size_t in_head = in->len;
    for (;;) {
        insert_columns(x, in, key_expr != NULL);
        insert_values(x, in, 0, key_expr, key_len);
        if (!key_expr || sqlite3_prepare_v3(db_sqlite(x->db), in->data, -1, SQLITE_PREPARE_PERSISTENT, &x->st_insert,
                                            NULL) == SQLITE_OK)
            break;
        key_expr = NULL;
        buf_truncate(in, in_head);
    }
    x->search_at_insert = key_expr != NULL;
    buf_appendf(up, "lon = ?%d, lat = ?%d, geom = MakePoint(?%d, ?%d, 4326), ", base + 2, base + 3, base + 2,
                base + 3);
    if (x->has_own_location)
        buf_appendf(up, "own_location = ?%d, ", base + 4);
    buf_appendf(up, "version = version + 1, updated_at = ?%d WHERE id = ?%d", base + 6, base + 5);
    /* The same update for a row that stays where it is: no geometry triggers (R*Tree, holdings). */
    buf_reset(&x->update_nopos_sql);
    buf_appendf(&x->update_nopos_sql, "UPDATE %s SET ", c->table);
    int m = 0;
    for (const coll_field *f = c->fields; f->name; f++)
        if (f->column)
            buf_appendf(&x->update_nopos_sql, "%s = ?%d, ", f->column, ++m);
    if (x->table_has_legacy)
        buf_appendf(&x->update_nopos_sql, "legacy_system = ?%d, legacy_id = ?%d, ", m + 1, m + 2);
    buf_appendf(&x->update_nopos_sql, "version = version + 1, updated_at = ?%d WHERE id = ?%d", base + 6, base + 5);
    /* The statements of every row, prepared once (a schema problem shows before the first row). */
    sqlite3 *db = db_sqlite(x->db);
    if ((!x->st_insert &&
         sqlite3_prepare_v3(db, in->data, -1, SQLITE_PREPARE_PERSISTENT, &x->st_insert, NULL) != SQLITE_OK) ||
        sqlite3_prepare_v3(db, up->data, -1, SQLITE_PREPARE_PERSISTENT, &x->st_update, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(db, x->update_nopos_sql.data, -1, SQLITE_PREPARE_PERSISTENT, &x->st_update_nopos, NULL) !=
            SQLITE_OK ||
        (strcmp(c->table, "facility") == 0 &&
         sqlite3_prepare_v3(db, "INSERT OR IGNORE INTO facility_practice(facility_id, practice) VALUES (?, ?)", -1,
                            SQLITE_PREPARE_PERSISTENT, &x->st_practice, NULL) != SQLITE_OK) ||
        (c->search_update_sql &&
         sqlite3_prepare_v3(db, c->search_update_sql, -1, SQLITE_PREPARE_PERSISTENT, &x->st_search, NULL) != SQLITE_OK))
        return db_error(x->db, err, 500, "preparing the import");
    if (x->bulk) {
        /* The rows added are those above the largest id before the import (AUTOINCREMENT, and the
         * write lock held since BEGIN IMMEDIATE): their primary practices are listed at the end, at
         * once, and so are their search keys when the insert does not compute them and the
         * collection's statement is the usual "... WHERE id = ?1". */
        x->practice_deferred = strcmp(c->table, "facility") == 0;
        const char *ss = c->search_update_sql;
        size_t sl = ss ? strlen(ss) : 0;
        if (!x->search_at_insert && sl > 13 && strcmp(ss + sl - 13, "WHERE id = ?1") == 0) {
            buf_reset(&x->search_all_sql);
            buf_append(&x->search_all_sql, ss, sl - 13);
            buf_puts(&x->search_all_sql, "WHERE id > ?1");
            x->search_deferred = true;
        }
        snprintf(x->rtree_sql, sizeof x->rtree_sql,
                 "INSERT OR REPLACE INTO \"%s\"(pkid, xmin, xmax, ymin, ymax) VALUES (?1, ?2, ?2, ?3, ?3)", c->rtree);
        x->bulk_env[0] = x->bulk_env[1] = 1e9;
        x->bulk_env[2] = x->bulk_env[3] = -1e9;
        /* Rows are written IMPORT_BATCH at a time: one statement for many rows costs a third less than
         * a statement each (cursors opened once, the AUTOINCREMENT counter written once). */
        buf_reset(&x->batch_sql);
        buf_append(&x->batch_sql, in->data, (size_t)(strstr(in->data, ") VALUES ") - in->data) + 9);
        for (int r = 0; r < IMPORT_BATCH; r++) {
            if (r)
                buf_puts(&x->batch_sql, ", ");
            insert_values(x, &x->batch_sql, r * x->row_params, x->search_at_insert ? key_expr : NULL, key_len);
        }
        if (sqlite3_prepare_v3(db, x->batch_sql.data, -1, SQLITE_PREPARE_PERSISTENT, &x->st_batch, NULL) != SQLITE_OK)
            return db_error(x->db, err, 500, "preparing the import");
        import_triggers(x, false);
    }
    return 0;
}
