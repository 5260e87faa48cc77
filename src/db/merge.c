/*
 * merge: duplicate candidates and record merges; see merge.h.
 */
#include "db/merge.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/fold.h"
#include "db/audit.h"
#include "db/collection.h"
#include "geo/geod.h"

#define NEAR_M 50.0
#define NEAR_DEG 0.0006 /* a little more than 50 m in latitude, and in longitude up to ~25° N */

static void side_text(sqlite3_stmt *st, int col, char *out, size_t n)
{
    const char *s = (const char *)sqlite3_column_text(st, col);
    snprintf(out, n, "%s", s ? s : "");
}

/* Fill a facility side from "SELECT id, code, name, legacy_system, legacy_id, lon, lat". */
static int facility_side(db_conn *c, int64_t id, dup_side *s, double pos[2], rm_error *err)
{
    sqlite3_stmt *st = db_stmt(c, "SELECT id, code, name, legacy_system, legacy_id, lon, lat FROM facility WHERE id = ?",
                               err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        memset(s, 0, sizeof *s);
        s->id = id;
        side_text(st, 1, s->code, sizeof s->code);
        side_text(st, 2, s->name, sizeof s->name);
        side_text(st, 3, s->legacy_system, sizeof s->legacy_system);
        side_text(st, 4, s->legacy_id, sizeof s->legacy_id);
        pos[0] = sqlite3_column_double(st, 5);
        pos[1] = sqlite3_column_double(st, 6);
    }
    db_stmt_done(st);
    return found;
}

static int tax_code_pairs(db_conn *c, int (*cb)(void *, const dup_pair *), void *arg, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(c,
        "SELECT a.id, b.id, oa.tax_code FROM facility a JOIN organization oa ON oa.id = a.organization_id "
        "JOIN organization ob ON ob.tax_code = oa.tax_code JOIN facility b ON b.organization_id = ob.id "
        "WHERE a.id < b.id AND oa.tax_code IS NOT NULL AND oa.tax_code <> '' "
        "AND a.legacy_system IS NOT b.legacy_system ORDER BY a.id, b.id", err);
    if (!st)
        return -1;
    /* Collect first: the callback may use the connection. */
    int64_t (*ids)[2] = NULL;
    char (*keys)[64] = NULL;
    size_t n = 0, cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            ids = realloc(ids, cap * sizeof *ids);
            keys = realloc(keys, cap * sizeof *keys);
            if (!ids || !keys)
                abort();
        }
        ids[n][0] = sqlite3_column_int64(st, 0);
        ids[n][1] = sqlite3_column_int64(st, 1);
        side_text(st, 2, keys[n], sizeof keys[n]);
        n++;
    }
    db_stmt_done(st);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        dup_pair p = {"facilities", "tax_code", "", {0}, {0}, 0};
        snprintf(p.key, sizeof p.key, "%s", keys[i]);
        double pa[2], pb[2];
        if (facility_side(c, ids[i][0], &p.a, pa, err) < 0 || facility_side(c, ids[i][1], &p.b, pb, err) < 0) {
            rc = -1;
            break;
        }
        p.distance_m = geo_distance(pa[0], pa[1], pb[0], pb[1]);
        if (cb(arg, &p) < 0)
            rc = 1;
    }
    free(ids);
    free(keys);
    return rc < 0 ? -1 : 0;
}

static int name_pairs(db_conn *c, int (*cb)(void *, const dup_pair *), void *arg, rm_error *err)
{
    /* Every facility with its folded name, then its neighbours through the R*Tree. */
    sqlite3_stmt *st = db_stmt(c, "SELECT id, lon, lat, rm_fold(name) FROM facility ORDER BY id", err);
    if (!st)
        return -1;
    typedef struct { int64_t id; double lon, lat; char *key; } fac;
    fac *v = NULL;
    size_t n = 0, cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            v = realloc(v, cap * sizeof *v);
            if (!v)
                abort();
        }
        v[n].id = sqlite3_column_int64(st, 0);
        v[n].lon = sqlite3_column_double(st, 1);
        v[n].lat = sqlite3_column_double(st, 2);
        v[n].key = strdup(sqlite3_column_text(st, 3) ? (const char *)sqlite3_column_text(st, 3) : "");
        n++;
    }
    db_stmt_done(st);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!v[i].key[0])
            continue;
        st = db_stmt(c, "SELECT f.id, f.lon, f.lat FROM facility f WHERE f.id IN (SELECT pkid FROM idx_facility_geom "
                        "WHERE xmin <= ?1 AND xmax >= ?2 AND ymin <= ?3 AND ymax >= ?4) AND f.id > ?5 "
                        "AND rm_fold(f.name) = ?6 ORDER BY f.id", err);
        if (!st) {
            rc = -1;
            break;
        }
        sqlite3_bind_double(st, 1, v[i].lon + NEAR_DEG);
        sqlite3_bind_double(st, 2, v[i].lon - NEAR_DEG);
        sqlite3_bind_double(st, 3, v[i].lat + NEAR_DEG);
        sqlite3_bind_double(st, 4, v[i].lat - NEAR_DEG);
        sqlite3_bind_int64(st, 5, v[i].id);
        sqlite3_bind_text(st, 6, v[i].key, -1, SQLITE_STATIC);
        int64_t other[32];
        double dist[32];
        int k = 0;
        while (k < 32 && sqlite3_step(st) == SQLITE_ROW) {
            double d = geo_distance(v[i].lon, v[i].lat, sqlite3_column_double(st, 1), sqlite3_column_double(st, 2));
            if (d <= NEAR_M) {
                other[k] = sqlite3_column_int64(st, 0);
                dist[k++] = d;
            }
        }
        db_stmt_done(st);
        for (int j = 0; j < k && rc == 0; j++) {
            dup_pair p = {"facilities", "name_50m", "", {0}, {0}, dist[j]};
            snprintf(p.key, sizeof p.key, "%s", v[i].key);
            double pa[2], pb[2];
            if (facility_side(c, v[i].id, &p.a, pa, err) < 0 || facility_side(c, other[j], &p.b, pb, err) < 0) {
                rc = -1;
                break;
            }
            if (cb(arg, &p) < 0)
                rc = 1;
        }
    }
    for (size_t i = 0; i < n; i++)
        free(v[i].key);
    free(v);
    return rc < 0 ? -1 : 0;
}

/* The comparison key of a serial number: letters and digits, upper case. */
static void serial_key(const char *s, buf *out)
{
    for (; s && *s; s++)
        if (isalnum((unsigned char)*s))
            buf_putc(out, (char)toupper((unsigned char)*s));
        else if ((unsigned char)*s >= 0x80)
            buf_putc(out, *s);
}

typedef struct serial_row {
    int64_t id, facility_id;
    char *key;
    double lon, lat;
    char serial[64], label[64], legacy_system[64], legacy_id[64];
} serial_row;

static int cmp_serial(const void *a, const void *b)
{
    const serial_row *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->id < y->id ? -1 : x->id > y->id);
}

static int serial_pairs(db_conn *c, const char *collection, const char *table, const char *label_col,
                        int (*cb)(void *, const dup_pair *), void *arg, rm_error *err)
{
    char sql[400];
    snprintf(sql, sizeof sql, "SELECT id, facility_id, manufacturer, model, serial_no, lon, lat, %s, legacy_system, "
             "legacy_id FROM %s WHERE serial_no IS NOT NULL AND serial_no <> '' AND manufacturer IS NOT NULL AND "
             "model IS NOT NULL", label_col, table);
    sqlite3_stmt *st = db_stmt(c, sql, err);
    if (!st)
        return -1;
    serial_row *v = NULL;
    size_t n = 0, cap = 0;
    buf k = BUF_INIT;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            v = realloc(v, cap * sizeof *v);
            if (!v)
                abort();
        }
        serial_row *r = &v[n++];
        memset(r, 0, sizeof *r);
        r->id = sqlite3_column_int64(st, 0);
        r->facility_id = sqlite3_column_int64(st, 1);
        buf_reset(&k);
        fold_append(&k, (const char *)sqlite3_column_text(st, 2));
        buf_putc(&k, '|');
        fold_append(&k, (const char *)sqlite3_column_text(st, 3));
        buf_putc(&k, '|');
        serial_key((const char *)sqlite3_column_text(st, 4), &k);
        r->key = strdup(k.data);
        r->lon = sqlite3_column_double(st, 5);
        r->lat = sqlite3_column_double(st, 6);
        side_text(st, 4, r->serial, sizeof r->serial);
        side_text(st, 7, r->label, sizeof r->label);
        side_text(st, 8, r->legacy_system, sizeof r->legacy_system);
        side_text(st, 9, r->legacy_id, sizeof r->legacy_id);
    }
    db_stmt_done(st);
    buf_free(&k);
    if (n)
        qsort(v, n, sizeof *v, cmp_serial);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        for (size_t j = i + 1; j < n && strcmp(v[i].key, v[j].key) == 0 && rc == 0; j++) {
            dup_pair p = {collection, "serial", "", {0}, {0}, 0};
            snprintf(p.key, sizeof p.key, "%s", v[i].key);
            serial_row *rs[2] = {&v[i], &v[j]};
            dup_side *ss[2] = {&p.a, &p.b};
            for (int s = 0; s < 2; s++) {
                ss[s]->id = rs[s]->id;
                ss[s]->facility_id = rs[s]->facility_id;
                snprintf(ss[s]->code, sizeof ss[s]->code, "%s", rs[s]->serial);
                snprintf(ss[s]->name, sizeof ss[s]->name, "%s", rs[s]->label);
                snprintf(ss[s]->legacy_system, sizeof ss[s]->legacy_system, "%s", rs[s]->legacy_system);
                snprintf(ss[s]->legacy_id, sizeof ss[s]->legacy_id, "%s", rs[s]->legacy_id);
            }
            p.distance_m = geo_distance(v[i].lon, v[i].lat, v[j].lon, v[j].lat);
            if (cb(arg, &p) < 0)
                rc = 1;
        }
    for (size_t i = 0; i < n; i++)
        free(v[i].key);
    free(v);
    return 0;
}

int merge_find_duplicates(db_conn *c, int (*cb)(void *arg, const dup_pair *p), void *arg, rm_error *err)
{
    if (tax_code_pairs(c, cb, arg, err) < 0 || name_pairs(c, cb, arg, err) < 0 ||
        serial_pairs(c, "sources", "source", "nuclide", cb, arg, err) < 0 ||
        serial_pairs(c, "devices", "device", "type", cb, arg, err) < 0)
        return -1;
    return 0;
}

/* --- merging --- */

/* Whether table t has column col. */
static int has_column(db_conn *c, const char *t, const char *col)
{
    char *sql = sqlite3_mprintf("SELECT 1 FROM pragma_table_info(%Q) WHERE name = %Q", t, col);
    sqlite3_stmt *st = NULL;
    int has = sqlite3_prepare_v2(db_sqlite(c), sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return has;
}

/* Row id of table t as a JSON object of its columns (geometry blobs left out); a new string or NULL. */
static char *row_json(db_conn *c, const char *t, int64_t id)
{
    char *q = sqlite3_mprintf("SELECT name, type FROM pragma_table_info(%Q) ORDER BY cid", t);
    sqlite3_stmt *st = NULL;
    buf sql = BUF_INIT;
    buf_puts(&sql, "SELECT json_object(");
    int n = 0;
    if (sqlite3_prepare_v2(db_sqlite(c), q, -1, &st, NULL) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(st, 0);
            const char *type = (const char *)sqlite3_column_text(st, 1);
            if (!name || (type && (strcasecmp(type, "POINT") == 0 || strcasecmp(type, "BLOB") == 0 ||
                                   strcasecmp(type, "MULTIPOLYGON") == 0 || strcasecmp(type, "GEOMETRY") == 0)) ||
                strcmp(name, "geom") == 0)
                continue;
            char *item = sqlite3_mprintf("%s%Q, \"%w\"", n++ ? ", " : "", name, name);
            buf_puts(&sql, item);
            sqlite3_free(item);
        }
    sqlite3_finalize(st);
    sqlite3_free(q);
    char *where = sqlite3_mprintf(") FROM \"%w\" WHERE id = ?", t);
    buf_puts(&sql, where);
    sqlite3_free(where);
    char *out = NULL;
    if (sqlite3_prepare_v2(db_sqlite(c), sql.data, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            out = strdup((const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    buf_free(&sql);
    return out;
}

/* The collection id whose table is t, or NULL. */
static const char *collection_of_table(const char *t)
{
    for (const coll_def *d = coll_all; d->id; d++)
        if (strcmp(d->table, t) == 0)
            return d->id;
    return NULL;
}

static int exec_int(db_conn *c, const char *sql, int64_t a, int64_t b, long *changes, rm_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db_sqlite(c), sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(c, err, 500, "merging");
    sqlite3_bind_int64(st, 1, a);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, b);
    int s = sqlite3_step(st);
    sqlite3_finalize(st);
    if (s != SQLITE_DONE)
        return db_error(c, err, 409, "merging");
    if (changes)
        *changes = sqlite3_changes(db_sqlite(c));
    return 0;
}

static int tile_change_at(db_conn *c, const char *layer, double lon, double lat, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(c, "INSERT INTO tile_change(layer, min_lon, min_lat, max_lon, max_lat) "
                                  "VALUES (?1, ?2, ?3, ?2, ?3)", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, layer, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 2, lon);
    sqlite3_bind_double(st, 3, lat);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    return s == SQLITE_DONE ? 0 : db_error(c, err, 500, "recording the change for the tile cache");
}

/* Move the rows of table t whose column col references drop to keep (and to keep's position). */
static int move_references(db_conn *c, const char *t, const char *col, const coll_def *target, int64_t keep,
                           int64_t drop, const double keep_pos[2], const char *user, merge_report *rep, rm_error *err)
{
    const char *coll = collection_of_table(t);
    bool positioned = strcmp(target->table, "facility") == 0 && has_column(c, t, "lon") && has_column(c, t, "lat") &&
                      has_column(c, t, "geom");
    bool own = has_column(c, t, "own_location");
    bool versioned = has_column(c, t, "version") && has_column(c, t, "updated_at");
    /* The rows, for their audit rows. */
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    /* Only collections get audit rows (and only they need their row ids: link tables such as
     * facility_practice may have none). */
    char *q = sqlite3_mprintf("SELECT id FROM \"%w\" WHERE \"%w\" = ?", t, col);
    sqlite3_stmt *st = NULL;
    if (coll && sqlite3_prepare_v2(db_sqlite(c), q, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_free(q);
        return db_error(c, err, 500, "merging");
    }
    sqlite3_free(q);
    if (st)
        sqlite3_bind_int64(st, 1, drop);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            ids = realloc(ids, cap * sizeof *ids);
            if (!ids)
                abort();
        }
        ids[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    int rc = -1;
    char **before = calloc(n ? n : 1, sizeof *before);
    if (!before)
        abort();
    for (size_t i = 0; coll && i < n; i++)
        before[i] = row_json(c, t, ids[i]);
    if (positioned) {
        char *u = sqlite3_mprintf("UPDATE \"%w\" SET lon = %.17g, lat = %.17g, geom = MakePoint(%.17g, %.17g, 4326) "
                                  "WHERE \"%w\" = ?1%s", t, keep_pos[0], keep_pos[1], keep_pos[0], keep_pos[1], col,
                                  own ? " AND own_location = 0" : "");
        int r = exec_int(c, u, drop, 0, NULL, err);
        sqlite3_free(u);
        if (r < 0)
            goto done;
    }
    char *u = sqlite3_mprintf("UPDATE OR IGNORE \"%w\" SET \"%w\" = ?1%s WHERE \"%w\" = ?2", t, col,
                              versioned ? ", version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')" : "",
                              col);
    long moved = 0, left = 0;
    int r = exec_int(c, u, keep, drop, &moved, err);
    sqlite3_free(u);
    if (r < 0)
        goto done;
    /* Rows the kept record already had (UNIQUE): the dropped record's copy goes. */
    char *d = sqlite3_mprintf("DELETE FROM \"%w\" WHERE \"%w\" = ?1", t, col);
    r = exec_int(c, d, drop, 0, &left, err);
    sqlite3_free(d);
    if (r < 0)
        goto done;
    rep->moved += moved;
    rep->dropped_conflicts += left;
    for (size_t i = 0; coll && i < n; i++) {
        char *after = row_json(c, t, ids[i]);
        if (!after)
            continue; /* removed as a conflict: its delete is part of the merge row */
        int a = audit_append(c, user, "update", coll, ids[i], NULL, before[i], after, err);
        free(after);
        if (a < 0)
            goto done;
    }
    rc = 0;
done:
    for (size_t i = 0; i < n; i++)
        free(before[i]);
    free(before);
    free(ids);
    return rc;
}

int merge_records(db_conn *c, const char *collection, int64_t keep, int64_t drop, const char *user,
                  merge_report *rep, rm_error *err)
{
    memset(rep, 0, sizeof *rep);
    const coll_def *d = coll_find(collection);
    if (!d || !d->fields)
        return rm_error_set(err, 400, "Invalid collection", "%s records cannot be merged", collection);
    if (keep == drop)
        return rm_error_set(err, 409, "Conflict", "a record cannot be merged into itself");
    if (db_exec(c, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    int rc = -1;
    char *keep_before = NULL, *drop_json = NULL, *keep_after = NULL, *merged = NULL;
    double pos[2][2];
    int64_t ids[2] = {keep, drop};
    for (int k = 0; k < 2; k++) {
        char *q = sqlite3_mprintf("SELECT record_owner, lon, lat FROM \"%w\" WHERE id = ?", d->table);
        sqlite3_stmt *st = NULL;
        int ok = sqlite3_prepare_v2(db_sqlite(c), q, -1, &st, NULL) == SQLITE_OK;
        sqlite3_free(q);
        if (!ok) {
            db_error(c, err, 500, "merging");
            goto rollback;
        }
        sqlite3_bind_int64(st, 1, ids[k]);
        int found = sqlite3_step(st) == SQLITE_ROW;
        char owner[16] = "";
        if (found) {
            snprintf(owner, sizeof owner, "%s", (const char *)sqlite3_column_text(st, 0));
            pos[k][0] = sqlite3_column_double(st, 1);
            pos[k][1] = sqlite3_column_double(st, 2);
        }
        sqlite3_finalize(st);
        if (!found) {
            rm_error_set(err, 404, "Not Found", "no %s %lld", collection, (long long)ids[k]);
            goto rollback;
        }
        if (strcmp(owner, "department") != 0) {
            rm_error_set(err, 403, "Forbidden", "%s %lld belongs to the national regulator (%s) and is read-only here",
                         collection, (long long)ids[k], owner);
            goto rollback;
        }
    }
    keep_before = row_json(c, d->table, keep);
    drop_json = row_json(c, d->table, drop);
    /* Every table whose foreign key names the collection's table. */
    sqlite3_stmt *fk = NULL;
    if (sqlite3_prepare_v2(db_sqlite(c),
                           "SELECT m.name, f.\"from\" FROM sqlite_master m, pragma_foreign_key_list(m.name) f "
                           "WHERE m.type = 'table' AND f.\"table\" = ? ORDER BY m.name",
                           -1, &fk, NULL) != SQLITE_OK) {
        db_error(c, err, 500, "merging");
        goto rollback;
    }
    sqlite3_bind_text(fk, 1, d->table, -1, SQLITE_STATIC);
    char refs[64][2][64];
    int nrefs = 0;
    while (nrefs < 64 && sqlite3_step(fk) == SQLITE_ROW) {
        snprintf(refs[nrefs][0], 64, "%s", (const char *)sqlite3_column_text(fk, 0));
        snprintf(refs[nrefs][1], 64, "%s", (const char *)sqlite3_column_text(fk, 1));
        nrefs++;
    }
    sqlite3_finalize(fk);
    for (int i = 0; i < nrefs; i++)
        if (move_references(c, refs[i][0], refs[i][1], d, keep, drop, pos[0], user, rep, err) < 0)
            goto rollback;
    /* The kept record's empty fields take the dropped record's values. */
    for (const coll_field *f = d->fields; f->name; f++) {
        if (!f->column)
            continue;
        char *u = sqlite3_mprintf("UPDATE \"%w\" SET \"%w\" = (SELECT \"%w\" FROM \"%w\" WHERE id = ?2) "
                                  "WHERE id = ?1 AND \"%w\" IS NULL", d->table, f->column, f->column, d->table, f->column);
        long ch = 0;
        int r = exec_int(c, u, keep, drop, &ch, err);
        sqlite3_free(u);
        if (r < 0)
            goto rollback;
        rep->fields_filled += ch;
    }
    char *v = sqlite3_mprintf("UPDATE \"%w\" SET version = version + 1, updated_at = "
                              "strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ','now') WHERE id = ?1", d->table);
    int r = exec_int(c, v, keep, 0, NULL, err);
    sqlite3_free(v);
    if (r < 0)
        goto rollback;
    char *del = sqlite3_mprintf("DELETE FROM \"%w\" WHERE id = ?1", d->table);
    r = exec_int(c, del, drop, 0, NULL, err);
    sqlite3_free(del);
    if (r < 0)
        goto rollback;
    if (d->search_update_sql && exec_int(c, d->search_update_sql, keep, 0, NULL, err) < 0)
        goto rollback;
    sqlite3_stmt *st = db_stmt(c, "INSERT INTO record_merge(collection, kept_id, dropped_id, dropped_json, user_name) "
                                  "VALUES (?, ?, ?, ?, ?)", err);
    if (!st)
        goto rollback;
    sqlite3_bind_text(st, 1, collection, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, keep);
    sqlite3_bind_int64(st, 3, drop);
    sqlite3_bind_text(st, 4, drop_json ? drop_json : "{}", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, user, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(c, err, 500, "recording the merge");
        goto rollback;
    }
    keep_after = row_json(c, d->table, keep);
    buf m = BUF_INIT;
    buf_appendf(&m, "{\"record\":%s,\"merged_from\":{\"id\":%lld,\"record\":%s},\"moved\":%ld}",
                keep_after ? keep_after : "null", (long long)drop, drop_json ? drop_json : "null", rep->moved);
    merged = buf_detach(&m, NULL);
    char gone[96];
    snprintf(gone, sizeof gone, "{\"merged_into\":%lld}", (long long)keep);
    if (audit_append(c, user, "merge", collection, keep, NULL, keep_before, merged, err) < 0 ||
        audit_append(c, user, "delete", collection, drop, NULL, drop_json, gone, err) < 0)
        goto rollback;
    if (tile_change_at(c, collection, pos[0][0], pos[0][1], err) < 0 ||
        tile_change_at(c, collection, pos[1][0], pos[1][1], err) < 0)
        goto rollback;
    if (db_exec(c, "COMMIT", err) < 0)
        goto rollback;
    rc = 0;
    goto done;
rollback:
    db_exec(c, "ROLLBACK", NULL);
done:
    free(keep_before);
    free(drop_json);
    free(keep_after);
    free(merged);
    return rc;
}
