/*
 * import_row: one row of an import: its columns read into the values the API would receive, its
 * position reprojected, the API's validation, and the write with its audit row; see import.h.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/fold.h"
#include "core/json.h"
#include "db/audit.h"
#include "io/crosswalk.h"
#include "io/import_int.h"
#include "io/mapping.h"
#include "db/rtreepack.h"
#include "io/wkb.h"

/* The organization fields' rules, as api/organizations.c states them for POST /organizations. */
static const coll_field org_name_field = {"organization", "name", PROP_TEXT, true, 300, 0, 0, NULL, NULL, NULL,
                                          RULE_NONE};
static const coll_field org_tax_field = {"tax_code", "tax_code", PROP_TEXT, false, 20, 0, 0, NULL, NULL, NULL,
                                         RULE_CODE};
/* Provenance columns of tables whose descriptors do not list them as writable (sources, devices):
 * the same limits as the collections that do. */
static const coll_field legacy_system_field = {"legacy_system", "legacy_system", PROP_TEXT, false, 60, 0, 0, NULL,
                                               NULL, NULL, RULE_NONE};
static const coll_field legacy_id_field = {"legacy_id", "legacy_id", PROP_TEXT, false, 60, 0, 0, NULL, NULL, NULL,
                                           RULE_NONE};

static void bind_json(sqlite3_stmt *st, int idx, const coll_field *f, json_t *v)
{
    if (!v || json_is_null(v))
        sqlite3_bind_null(st, idx);
    else if (f->type == PROP_INT)
        sqlite3_bind_int64(st, idx, json_is_integer(v) ? json_integer_value(v) : (int64_t)json_number_value(v));
    else if (f->type == PROP_REAL)
        sqlite3_bind_double(st, idx, json_number_value(v));
    else
        sqlite3_bind_text(st, idx, json_string_value(v), -1, SQLITE_STATIC); /* see bind_row */
}

/* The writable values of row id (and its owner, position, own_location), as the API's PATCH sees
 * them. NULL when the row does not exist. */
static json_t *current_values(import_ctx *x, int64_t id, char owner[16], double pos[2], int *own)
{
    const coll_def *c = x->coll;
    buf *sql = &x->current_sql;
    if (!sql->len) {
        buf_appendf(sql, "SELECT record_owner, lon, lat, %s", x->has_own_location ? "own_location" : "0");
        if (x->table_has_legacy)
            buf_puts(sql, ", legacy_system, legacy_id");
        else
            buf_puts(sql, ", NULL, NULL");
        for (const coll_field *f = c->fields; f->name; f++) {
            if (f->column)
                buf_appendf(sql, ", %s", f->column);
            else if (f->type == PROP_TEXT_LIST && strcmp(f->name, "practices") == 0)
                buf_puts(sql, ", (SELECT group_concat(practice) FROM facility_practice WHERE facility_id = t.id)");
            else
                buf_puts(sql, ", NULL");
        }
        buf_appendf(sql, " FROM %s t WHERE t.id = ?", c->table);
    }
    sqlite3_stmt *st = db_stmt(x->db, sql->data, NULL);
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    json_t *o = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        o = json_object();
        snprintf(owner, 16, "%s", (const char *)sqlite3_column_text(st, 0));
        pos[0] = sqlite3_column_double(st, 1);
        pos[1] = sqlite3_column_double(st, 2);
        *own = sqlite3_column_int(st, 3);
        if (x->table_has_legacy) {
            for (int k = 0; k < 2; k++)
                if (sqlite3_column_type(st, 4 + k) != SQLITE_NULL)
                    json_object_set_new(o, k ? "legacy_id" : "legacy_system",
                                        json_string((const char *)sqlite3_column_text(st, 4 + k)));
        }
        int col = 6;
        for (const coll_field *f = c->fields; f->name; f++, col++) {
            if (sqlite3_column_type(st, col) == SQLITE_NULL)
                continue;
            switch (f->type) {
            case PROP_INT: json_object_set_new(o, f->name, json_integer(sqlite3_column_int64(st, col))); break;
            case PROP_REAL: json_object_set_new(o, f->name, json_real(sqlite3_column_double(st, col))); break;
            case PROP_TEXT_LIST: {
                json_t *a = json_array();
                const char *s = (const char *)sqlite3_column_text(st, col);
                while (s && *s) {
                    const char *e = strchr(s, ',');
                    size_t n = e ? (size_t)(e - s) : strlen(s);
                    json_array_append_new(a, json_stringn(s, n));
                    s = e ? e + 1 : s + n;
                }
                json_object_set_new(o, f->name, a);
                break;
            }
            default: json_object_set_new(o, f->name, json_string((const char *)sqlite3_column_text(st, col)));
            }
        }
    }
    db_stmt_done(st);
    return o;
}

/* The row an upsert key names: its id, 0 when none, -1 with err. */
static int64_t find_existing(import_ctx *x, json_t *props, rm_error *err)
{
    const char *key = x->upsert_by;
    const char *v = json_string_value(json_object_get(props, key));
    if (!v || !*v)
        return 0;
    char sql[200];
    if (strcmp(key, "legacy_id") == 0)
        snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE legacy_id = ?1 AND legacy_system IS ?2 ORDER BY id LIMIT 1",
                 x->coll->table);
    else
        snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE %s = ?1 ORDER BY id LIMIT 1", x->coll->table, key);
    sqlite3_stmt *st = db_stmt(x->db, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, v, -1, SQLITE_TRANSIENT);
    if (strcmp(key, "legacy_id") == 0) {
        const char *ls = json_string_value(json_object_get(props, "legacy_system"));
        if (ls)
            sqlite3_bind_text(st, 2, ls, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, 2);
    }
    int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    db_stmt_done(st);
    return id;
}

/* The feature as JSON for the audit trail, with where it came from. */
/* A jansson value written with the server's JSON writer (numbers as the API writes them). */
static void write_value(json_writer *w, json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        json_obj_begin(w);
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) {
            json_key(w, k);
            write_value(w, x);
        }
        json_obj_end(w);
        break;
    }
    case JSON_ARRAY: {
        json_arr_begin(w);
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) write_value(w, x);
        json_arr_end(w);
        break;
    }
    case JSON_STRING: json_strn(w, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: json_int(w, json_integer_value(v)); break;
    case JSON_REAL: json_num(w, json_real_value(v)); break;
    case JSON_TRUE: json_bool(w, true); break;
    case JSON_FALSE: json_bool(w, false); break;
    default: json_write_null(w); break;
    }
}

/* The feature as JSON for the audit trail, with where it came from (the file's row `row`; 0: none,
 * for the state before an update), written over out (a buffer the run keeps, so that a row
 * allocates nothing for it); returns out's text. */
static const char *feature_json(import_ctx *x, buf *out, int64_t id, json_t *props, double lon, double lat,
                                long row)
{
    buf_reset(out);
    json_writer w;
    json_init(&w, out);
    json_obj_begin(&w);
    json_kv_str(&w, "type", "Feature");
    json_kv_int(&w, "id", id);
    json_key(&w, "geometry");
    json_obj_begin(&w);
    json_kv_str(&w, "type", "Point");
    json_key(&w, "coordinates");
    json_arr_begin(&w);
    json_num(&w, lon);
    json_num(&w, lat);
    json_arr_end(&w);
    json_obj_end(&w);
    json_key(&w, "properties");
    write_value(&w, props);
    if (row > 0) {
        json_key(&w, "import");
        json_obj_begin(&w);
        json_kv_str(&w, "id", x->rep->import_id);
        json_kv_str(&w, "file", x->file_label);
        json_kv_int(&w, "row", row);
        json_obj_end(&w);
    }
    json_obj_end(&w);
    return out->data;
}

static void grow_env(import_ctx *x, double lon, double lat)
{
    if (lon < x->env[0]) x->env[0] = lon;
    if (lat < x->env[1]) x->env[1] = lat;
    if (lon > x->env[2]) x->env[2] = lon;
    if (lat > x->env[3]) x->env[3] = lat;
}

/* --- boundaries --- */

static int boundary_row(import_ctx *x, const rowpipe_feature *f, validate_errors *e, rm_error *err)
{
    const char *vals[6] = {0};
    static const char *const names[] = {"name", "name_en", "level", "code", "valid_from", "valid_to"};
    buf cells[6] = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT};
    for (int i = 0; i < x->nplan; i++)
        for (int k = 0; k < 6; k++)
            if (strcmp(x->plan[i].target, names[k]) == 0 && (uint32_t)x->plan[i].col < f->nvalues)
                vals[k] = import_cell(&f->values[x->plan[i].col], &cells[k]);
    for (int k = 0; k < 6; k++)
        if (!vals[k])
            for (int i = 0; i < x->ndefaults; i++) {
                size_t n = strlen(names[k]);
                if (strncmp(x->defaults[i], names[k], n) == 0 && x->defaults[i][n] == '=')
                    vals[k] = x->defaults[i] + n + 1;
            }
    const char *level = vals[2] ? vals[2] : "country";
    const char *alias = mapping_value_alias(MAP_BOUNDARIES, "level", level);
    if (alias)
        level = alias;
    static const char *const levels[] = {"country", "province", "ward", "other", NULL};
    static const coll_field name_f = {"name", "name", PROP_TEXT, true, 200, 0, 0, NULL, NULL, NULL, RULE_NONE};
    static const coll_field en_f = {"name_en", "name_en", PROP_TEXT, false, 200, 0, 0, NULL, NULL, NULL, RULE_NONE};
    static const coll_field level_f = {"level", "level", PROP_TEXT, true, 20, 0, 0, levels, NULL, NULL, RULE_NONE};
    static const coll_field code_f = {"code", "code", PROP_TEXT, false, 40, 0, 0, NULL, NULL, NULL, RULE_NONE};
    char dates[2][11];
    for (int k = 4; k < 6; k++)
        if (vals[k]) {
            if (mapping_parse_date(vals[k], dates[k - 4]) == 0)
                vals[k] = dates[k - 4];
            else
                validate_add(e, names[k], "must be a date YYYY-MM-DD");
        }
    if (!vals[0])
        validate_add(e, "name", "is required");
    const coll_field *fs[4] = {&name_f, &en_f, &level_f, &code_f};
    const char *vs[4] = {vals[0], vals[1], level, vals[3]};
    for (int k = 0; k < 4; k++)
        if (vs[k]) {
            json_t *j = json_string(vs[k]);
            if (!j)
                validate_add(e, fs[k]->name, "is not valid UTF-8 text (save the file as UTF-8)");
            else
                validate_field(x->db, fs[k], j, x->today, NULL, e);
            json_decref(j);
        }
    unsigned char *wkb = NULL;
    double env[4];
    int t = f->wkb ? wkb_type(f->wkb, f->wkb_len) : 0;
    if (!f->wkb)
        validate_add(e, "geometry", "a Polygon or MultiPolygon is required");
    else if (t != WKB_POLYGON && t != WKB_MULTIPOLYGON)
        validate_add(e, "geometry", "must be a Polygon or MultiPolygon");
    else {
        wkb = malloc(f->wkb_len);
        if (!wkb)
            abort();
        memcpy(wkb, f->wkb, f->wkb_len);
        if (wkb_transform(wkb, f->wkb_len, import_transform_xy, x) < 0)
            validate_add(e, "geometry", "cannot be transformed from %s to WGS 84", x->rp.desc);
        else if (wkb_envelope(wkb, f->wkb_len, env) < 0 || env[0] < -180.0000001 || env[2] > 180.0000001 ||
                 env[1] < -90.0000001 || env[3] > 90.0000001)
            validate_add(e, "geometry", "coordinates must be longitude -180..180 and latitude -90..90 once in WGS 84");
    }
    int rc = 0;
    if (e->n) {
        free(wkb);
        rc = 1;
        goto done;
    }
    sqlite3_stmt *st = db_stmt(x->db,
        "INSERT INTO boundary(name, name_en, level, code, valid_from, valid_to, source, search_key, "
        "min_lon, min_lat, max_lon, max_lat, geom) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, rm_fold(?1 || ' ' || coalesce(?2, '')), ?8, ?9, ?10, ?11, "
        "CastToMultiPolygon(GeomFromWKB(?12, 4326)))", err);
    if (!st) {
        free(wkb);
        rc = -1;
        goto done;
    }
    const char *bind[6] = {vals[0], vals[1], level, vals[3], vals[4], vals[5]};
    for (int k = 0; k < 6; k++)
        if (bind[k])
            sqlite3_bind_text(st, k + 1, bind[k], -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, k + 1);
    sqlite3_bind_text(st, 7, x->o->source_label ? x->o->source_label : x->file_label, -1, SQLITE_TRANSIENT);
    for (int k = 0; k < 4; k++)
        sqlite3_bind_double(st, 8 + k, env[k]);
    sqlite3_bind_blob(st, 12, wkb, (int)f->wkb_len, free);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        validate_add(e, "geometry", "the database refused the row: %s", sqlite3_errmsg(db_sqlite(x->db)));
        rc = 1;
        goto done;
    }
    int64_t id = sqlite3_last_insert_rowid(db_sqlite(x->db));
    json_t *p = json_object();
    for (int k = 0; k < 6; k++)
        if (bind[k])
            json_object_set_new(p, names[k], json_string(bind[k]));
    json_t *bbox = json_array();
    for (int k = 0; k < 4; k++)
        json_array_append_new(bbox, json_real(env[k]));
    json_object_set_new(p, "bbox", bbox);
    json_t *im = json_object();
    json_object_set_new(im, "id", json_string(x->rep->import_id));
    json_object_set_new(im, "file", json_string(x->file_label));
    json_object_set_new(im, "row", json_integer(x->row));
    json_t *feat = json_pack("{s:s, s:I, s:o, s:o}", "type", "Feature", "id", (json_int_t)id, "properties", p,
                             "import", im);
    char *after = json_dumps(feat, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(feat);
    rc = audit_append(x->db, x->user, "create", "boundaries", id, x->rep->import_id, NULL, after, err);
    free(after);
    if (rc == 0) {
        grow_env(x, env[0], env[1]);
        grow_env(x, env[2], env[3]);
        x->rep->rows_created++;
    }
done:
    for (int k = 0; k < 6; k++)
        buf_free(&cells[k]);
    return rc;
}

/* --- register rows --- */

static const char *find_default(const import_ctx *x, const char *field)
{
    size_t n = strlen(field);
    for (int i = 0; i < x->ndefaults; i++)
        if (strncmp(x->defaults[i], field, n) == 0 && x->defaults[i][n] == '=')
            return x->defaults[i] + n + 1;
    return NULL;
}

/* A facility named by code or legacy id: its id, 0 when none (reason added), -1 with err. */
static int64_t facility_by(import_ctx *x, const char *code, const char *legacy_id, const char *legacy_system,
                           validate_errors *e, rm_error *err)
{
    sqlite3_stmt *st;
    if (code)
        st = db_stmt(x->db, "SELECT id FROM facility WHERE code = ?1", err);
    else
        st = db_stmt(x->db, "SELECT id FROM facility WHERE legacy_id = ?1 AND (?2 IS NULL OR legacy_system = ?2) "
                            "ORDER BY id LIMIT 2", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, code ? code : legacy_id, -1, SQLITE_TRANSIENT);
    if (!code && legacy_system)
        sqlite3_bind_text(st, 2, legacy_system, -1, SQLITE_TRANSIENT);
    int64_t id = 0;
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        n++;
    }
    db_stmt_done(st);
    if (n == 0)
        validate_add(e, code ? "facility_code" : "facility_legacy_id", "no facility has %s %.60s%s%.60s",
                     code ? "code" : "legacy id", code ? code : legacy_id,
                     !code && legacy_system ? " in register " : "", !code && legacy_system ? legacy_system : "");
    else if (n > 1) {
        validate_add(e, "facility_legacy_id", "several facilities have legacy id %.60s; name the register with "
                     "legacy_system", legacy_id);
        id = 0;
    }
    return id;
}

/* Bind a row's values to the insert or an update, its parameters numbered from off + 1 (the layout
 * of import_bulk.c's insert_values: fields, legacy columns, then owner, lon, lat, own_location, id,
 * time stamp). Texts are bound without a copy: props outlives the step, and db_stmt_done() clears
 * the bindings after it. The time stamp is the run's buffer (import_stamp): the rows of one batch
 * share the value it holds at the step. */
static void bind_row(import_ctx *x, sqlite3_stmt *st, int off, json_t *props, bool insert, int64_t id, bool moved,
                     double lon, double lat, int own)
{
    const coll_def *c = x->coll;
    int k = 0;
    for (const coll_field *fd = c->fields; fd->name; fd++)
        if (fd->column) {
            json_t *v = json_object_get(props, fd->name);
            k++;
            if ((!v || json_is_null(v)) && strcmp(fd->name, "status") == 0)
                sqlite3_bind_text(st, off + k, strcmp(c->id, "facilities") == 0 ? "operating" : "in_use", -1,
                                  SQLITE_STATIC);
            else if ((!v || json_is_null(v)) && strcmp(fd->name, "form") == 0)
                sqlite3_bind_text(st, off + k, "sealed", -1, SQLITE_STATIC);
            else
                bind_json(st, off + k, fd, v);
        }
    if (x->table_has_legacy) {
        bind_json(st, off + ++k, &legacy_system_field, json_object_get(props, "legacy_system"));
        bind_json(st, off + ++k, &legacy_id_field, json_object_get(props, "legacy_id"));
    }
    if (insert)
        sqlite3_bind_text(st, off + k + 1, x->record_owner, -1, SQLITE_STATIC);
    if (moved) {
        sqlite3_bind_double(st, off + k + 2, lon);
        sqlite3_bind_double(st, off + k + 3, lat);
        if (x->has_own_location)
            sqlite3_bind_int(st, off + k + 4, own);
    }
    if (!insert || x->bulk)
        sqlite3_bind_int64(st, off + k + 5, id);
    if (!insert || x->stamp_on_insert)
        sqlite3_bind_text(st, off + k + 6, import_stamp(x), -1, SQLITE_STATIC);
}

/* A write the register refused: a constraint names the row's problem in e (1); anything else ends
 * the import (-1 with err). code: SQLite's extended result code. */
static int write_refused(import_ctx *x, int code, validate_errors *e, rm_error *err)
{
    if ((code & 0xff) != SQLITE_CONSTRAINT) {
        db_error(x->db, err, 500, "writing a row");
        return -1;
    }
    const char *msg = sqlite3_errmsg(db_sqlite(x->db));
    if (code == SQLITE_CONSTRAINT_UNIQUE && strstr(msg, ".code"))
        validate_add(e, "code", "a %s with this code exists already", x->coll->id);
    else
        validate_add(e, "row", "the register refused it: %s", msg);
    return 1;
}

/* What follows the write of row id (file row `row`) at lon/lat: its place in the bulk R*Tree, its
 * practices and search key when the insert did not set them, its audit row (unless with_audit is
 * false: the caller appends the rows of a batch at once), the extent and the counters.
 * before/old_pos: the row before an update (NULL for a new row). 0 or -1 with err. */
static int row_written(import_ctx *x, int64_t id, json_t *props, double lon, double lat, const double *old_pos,
                       const char *before, bool ward_from_crosswalk, long row, bool with_audit, rm_error *err)
{
    const coll_def *c = x->coll;
    bool bulk = x->bulk && !before;
    if (bulk) {
        /* Indexed at the end, in spatial order (import_bulk_finish). */
        if (x->bulk_n == x->bulk_cap) {
            x->bulk_cap = x->bulk_cap ? 2 * x->bulk_cap : 4096;
            rtree_point *bp = realloc(x->bulk_pts, x->bulk_cap * sizeof *bp);
            if (!bp)
                abort();
            x->bulk_pts = bp;
        }
        x->bulk_pts[x->bulk_n++] = (rtree_point){id, lon, lat};
        if (lon < x->bulk_env[0]) x->bulk_env[0] = lon;
        if (lat < x->bulk_env[1]) x->bulk_env[1] = lat;
        if (lon > x->bulk_env[2]) x->bulk_env[2] = lon;
        if (lat > x->bulk_env[3]) x->bulk_env[3] = lat;
    }
    sqlite3_stmt *st;
    int s;
    if (strcmp(c->id, "facilities") == 0) {
        if (x->upsert_by) {
            st = db_stmt(x->db, "DELETE FROM facility_practice WHERE facility_id = ?", err);
            if (!st)
                return -1;
            sqlite3_bind_int64(st, 1, id);
            sqlite3_step(st);
            db_stmt_done(st);
        }
        st = x->st_practice;
        json_t *list = json_object_get(props, "practices");
        /* In the bulk path the primary practices of the new rows are listed at the end, at once. */
        for (size_t i = bulk && x->practice_deferred ? 1 : 0; i <= (json_is_array(list) ? json_array_size(list) : 0);
             i++) {
            json_t *p = i == 0 ? json_object_get(props, "practice") : json_array_get(list, i - 1);
            if (!json_is_string(p))
                continue;
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_text(st, 2, json_string_value(p), -1, SQLITE_STATIC);
            sqlite3_step(st);
            db_stmt_done(st);
        }
    }
    if (c->search_update_sql && !(bulk && (x->search_at_insert || x->search_deferred))) {
        st = x->st_search;
        sqlite3_bind_int64(st, 1, id);
        s = sqlite3_step(st);
        db_stmt_done(st);
        if (s != SQLITE_DONE)
            return db_error(x->db, err, 500, "updating the search key");
    }
    if (with_audit && audit_append(x->db, x->user, before ? "update" : "create", c->id, id, x->rep->import_id,
                                   before, feature_json(x, &x->json_after, id, props, lon, lat, row), err) < 0)
        return -1;
    grow_env(x, lon, lat);
    if (ward_from_crosswalk)
        x->rep->wards_from_crosswalk++;
    if (before) {
        grow_env(x, old_pos[0], old_pos[1]);
        x->rep->rows_updated++;
    } else {
        x->rep->rows_created++;
    }
    return 0;
}

static int register_row(import_ctx *x, const rowpipe_feature *f, validate_errors *e, rm_error *err)
{
    const coll_def *c = x->coll;
    json_t *props = json_object(), *current = NULL;
    buf *tmp = &x->cell;
    int rc = -1;
    const char *before = NULL;
    char org_name[400] = "", tax[32] = "", fac_code[100] = "", fac_legacy[100] = "";
    bool have_org = false, have_tax = false, ward_from_crosswalk = false;
    /* Columns to values. */
    for (int i = 0; i < x->nplan; i++) {
        const plan_col *pc = &x->plan[i];
        if ((uint32_t)pc->col >= f->nvalues)
            continue;
        const char *text = import_cell(&f->values[pc->col], tmp);
        if (!text)
            continue;
        if (!import_utf8_valid(text, strlen(text))) {
            validate_add(e, pc->target, "is not valid UTF-8 text (save the file as UTF-8)");
            continue;
        }
        const char *t = pc->target;
        if (pc->field) {
            json_t *v = import_field_value(x, pc, pc->field, text);
            if (!v)
                validate_add(e, t, "is not valid UTF-8 text (save the file as UTF-8)");
            else
                json_object_set_new(props, pc->field->name, v);
        } else if (strcmp(t, "organization") == 0) {
            snprintf(org_name, sizeof org_name, "%s", text);
            have_org = true;
        } else if (strcmp(t, "tax_code") == 0) {
            import_tax_code(text, tax);
            have_tax = tax[0] != 0;
        } else if (strcmp(t, "facility_code") == 0) {
            snprintf(fac_code, sizeof fac_code, "%s", text);
        } else if (strcmp(t, "facility_legacy_id") == 0) {
            snprintf(fac_legacy, sizeof fac_legacy, "%s", text);
        } else if (strcmp(t, "legacy_system") == 0 || strcmp(t, "legacy_id") == 0) {
            json_object_set_new(props, t, json_string(text));
        }
    }
    /* --set defaults for what the row lacks. */
    for (const coll_field *fd = c->fields; fd->name; fd++)
        if (!json_object_get(props, fd->name)) {
            const char *d = find_default(x, fd->name);
            if (d) {
                json_t *v = import_field_value(x, NULL, fd, d);
                if (v)
                    json_object_set_new(props, fd->name, v);
            }
        }
    if (!json_object_get(props, "legacy_system") && x->legacy_system)
        json_object_set_new(props, "legacy_system", json_string(x->legacy_system));
    if (!have_org && find_default(x, "organization")) {
        snprintf(org_name, sizeof org_name, "%s", find_default(x, "organization"));
        have_org = true;
    }
    /* Provenance columns outside the descriptor (sources, devices): their limits. */
    if (x->table_has_legacy)
        for (int k = 0; k < 2; k++) {
            json_t *v = json_object_get(props, k ? "legacy_id" : "legacy_system");
            if (v)
                validate_field(x->db, k ? &legacy_id_field : &legacy_system_field, v, x->today, NULL, e);
        }
    /* The holding facility, by code or legacy id. */
    if (c->parent_field && !json_object_get(props, c->parent_field) && (fac_code[0] || fac_legacy[0])) {
        int64_t fid = facility_by(x, fac_code[0] ? fac_code : NULL, fac_legacy,
                                  json_string_value(json_object_get(props, "legacy_system")), e, err);
        if (fid < 0)
            goto done;
        if (fid)
            json_object_set_new(props, c->parent_field, json_integer(fid));
    }
    /* The licensee: checked like POST /organizations; found now, created once the row is valid. */
    int64_t org_id = 0;
    if ((have_org || have_tax) && coll_field_find(c, "organization_id") && !json_object_get(props, "organization_id")) {
        if (import_load_orgs(x, err) < 0)
            goto done;
        if (have_tax) {
            json_t *j = json_string(tax);
            validate_field(x->db, &org_tax_field, j, x->today, NULL, e);
            json_decref(j);
            org_id = strmap_get(&x->orgs_by_tax, tax);
        }
        if (!org_id && have_org) {
            json_t *j = json_string(org_name);
            validate_field(x->db, &org_name_field, j, x->today, NULL, e);
            json_decref(j);
            /* The same name; or, for a name typed without diacritics ("Cong ty CP Benh vien Tam Duc"),
             * the name it folds like. Names with different diacritics are different licensees
             * ("Thiên Hiền", "Thiện Hiền"). */
            org_id = strmap_get(&x->orgs_by_name, org_name);
            bool ascii = true;
            for (const char *q = org_name; *q; q++)
                ascii &= (unsigned char)*q < 0x80;
            if (!org_id && ascii) {
                char *k = fold_dup(org_name);
                org_id = strmap_get(&x->orgs_by_fold, k);
                free(k);
            }
        }
        if (!org_id && !have_org)
            validate_add(e, "organization", "is required to register a licensee with tax code %s", tax);
        if (org_id)
            json_object_set_new(props, "organization_id", json_integer(org_id));
    }
    /* The 2025 ward from the old district and ward. */
    if (x->layer_bit == MAP_FACILITIES && !json_object_get(props, "ward")) {
        const char *d = json_string_value(json_object_get(props, "legacy_district"));
        const char *w = json_string_value(json_object_get(props, "legacy_ward"));
        const char *p = json_string_value(json_object_get(props, "legacy_province"));
        char ward[200];
        int r = crosswalk_lookup(x->db, p, d, w, ward, sizeof ward, err);
        if (r < 0)
            goto done;
        if (r == 1) {
            json_object_set_new(props, "ward", json_string(ward));
            ward_from_crosswalk = true;
        }
    }
    double lon = 0, lat = 0;
    int pos = import_position(x, f, &lon, &lat, e);
    if (pos == 1)
        validate_point(lon, lat, x->area, e);
    /* Upsert: the row with the same key. */
    int64_t id = 0;
    char owner[16] = "department";
    double old_pos[2] = {0, 0};
    int old_own = 0;
    if (x->upsert_by) {
        id = find_existing(x, props, err);
        if (id < 0)
            goto done;
        if (id) {
            current = current_values(x, id, owner, old_pos, &old_own);
            if (!current) {
                rm_error_set(err, 500, "Database error", "reading %s %lld", c->id, (long long)id);
                goto done;
            }
            if (strcmp(owner, x->record_owner) != 0)
                validate_add(e, x->upsert_by, "matches %s %lld, a record of %s, which this import (owner %s) may "
                             "not change", c->id, (long long)id, owner, x->record_owner);
            before = feature_json(x, &x->json_before, id, current, old_pos[0], old_pos[1], 0);
            const char *k;
            json_t *v;
            json_object_foreach(props, k, v) json_object_set(current, k, v);
            json_decref(props);
            props = current;
            current = NULL;
        }
    }
    /* The API's validation, on exactly what will be written. */
    json_t *checked = props;
    json_t *without = NULL;
    if (x->table_has_legacy) {
        without = json_copy(props);
        json_object_del(without, "legacy_system");
        json_object_del(without, "legacy_id");
        checked = without;
    }
    validate_properties(x->db, c, checked, x->today, x->vc, e);
    json_decref(without);
    if (pos == 0 && c->point_required && !(id && x->upsert_by))
        validate_add(e, "geometry", "a Point is required (a geometry, or lon/lat or x/y columns)");
    if (!e->n) {
        /* Earlier rows of the file count: the waiting ones are written first. */
        if (c->serial_check_sql && x->batch_n && import_batch_flush(x, err) < 0)
            goto done;
        int64_t other = validate_serial_conflict(x->db, c, props, id, err);
        if (other < 0)
            goto done;
        if (other)
            validate_add(e, "serial_no", "serial number %s of %s %s is already used by %s %lld",
                         json_string_value(json_object_get(props, "serial_no")),
                         json_string_value(json_object_get(props, "manufacturer")),
                         json_string_value(json_object_get(props, "model")), c->id, (long long)other);
    }
    if (e->n) {
        rc = 1;
        goto done;
    }
    /* Where it stands: its own point, else (sources, devices) its facility's, else where it was. */
    int own = 0;
    if (pos == 1 && c->parent_sql) {
        own = 1;
        sqlite3_stmt *st = db_stmt(x->db, c->parent_sql, err);
        if (!st)
            goto done;
        sqlite3_bind_int64(st, 1, json_integer_value(json_object_get(props, c->parent_field)));
        if (sqlite3_step(st) == SQLITE_ROW && fabs(sqlite3_column_double(st, 0) - lon) < 1e-5 &&
            fabs(sqlite3_column_double(st, 1) - lat) < 1e-5)
            own = 0; /* the file repeats the facility's position */
        db_stmt_done(st);
    } else if (pos == 0 && id) {
        lon = old_pos[0], lat = old_pos[1], own = old_own;
    } else if (pos == 0 && c->parent_sql) {
        sqlite3_stmt *st = db_stmt(x->db, c->parent_sql, err);
        if (!st)
            goto done;
        sqlite3_bind_int64(st, 1, json_integer_value(json_object_get(props, c->parent_field)));
        if (sqlite3_step(st) == SQLITE_ROW) {
            lon = sqlite3_column_double(st, 0);
            lat = sqlite3_column_double(st, 1);
        }
        db_stmt_done(st);
    }
    /* A licensee the register does not know yet. */
    if ((have_org || have_tax) && !json_object_get(props, "organization_id") && have_org &&
        coll_field_find(c, "organization_id")) {
        /* The waiting rows first, so that the audit trail keeps the file's order. */
        if (x->batch_n && import_batch_flush(x, err) < 0)
            goto done;
        sqlite3_stmt *st = db_stmt(x->db, "INSERT INTO organization(name, tax_code, record_owner, legacy_system) "
                                          "VALUES (?, ?, ?, ?)", err);
        if (!st)
            goto done;
        sqlite3_bind_text(st, 1, org_name, -1, SQLITE_TRANSIENT);
        if (have_tax)
            sqlite3_bind_text(st, 2, tax, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, x->record_owner, -1, SQLITE_STATIC);
        const char *ls = json_string_value(json_object_get(props, "legacy_system"));
        if (ls)
            sqlite3_bind_text(st, 4, ls, -1, SQLITE_TRANSIENT);
        int s = sqlite3_step(st);
        db_stmt_done(st);
        if (s != SQLITE_DONE) {
            db_error(x->db, err, 500, "creating an organization");
            goto done;
        }
        org_id = sqlite3_last_insert_rowid(db_sqlite(x->db));
        json_t *oj = json_pack("{s:I, s:s, s:s?, s:s}", "id", (json_int_t)org_id, "name", org_name, "tax_code",
                               have_tax ? tax : NULL, "import", x->rep->import_id);
        char *oa = json_dumps(oj, JSON_COMPACT);
        json_decref(oj);
        int a = audit_append(x->db, x->user, "create", "organizations", org_id, x->rep->import_id, NULL, oa, err);
        free(oa);
        if (a < 0)
            goto done;
        if (have_tax)
            strmap_put(&x->orgs_by_tax, tax, org_id);
        char *k = fold_dup(org_name);
        strmap_put(&x->orgs_by_fold, k, org_id);
        free(k);
        strmap_put(&x->orgs_by_name, org_name, org_id);
        x->rep->organizations_created++;
        json_object_set_new(props, "organization_id", json_integer(org_id));
    }
    /* The write: in the bulk path the row waits for its batch; else now. */
    if (x->bulk && !id) {
        import_pending *p = &x->batch[x->batch_n++];
        *p = (import_pending){props, lon, lat, own, x->row, ward_from_crosswalk};
        props = NULL;
        rc = x->batch_n == IMPORT_BATCH ? import_batch_flush(x, err) : 0;
        goto done;
    }
    bool moved = !id || lon != old_pos[0] || lat != old_pos[1] || (x->has_own_location && own != old_own);
    sqlite3_stmt *st = !id ? x->st_insert : moved ? x->st_update : x->st_update_nopos;
    if (!st)
        goto done;
    bind_row(x, st, 0, props, !id, id, moved, lon, lat, own);
    int s = sqlite3_step(st);
    int code = sqlite3_extended_errcode(db_sqlite(x->db));
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        rc = write_refused(x, code, e, err);
        goto done;
    }
    if (!id)
        id = sqlite3_last_insert_rowid(db_sqlite(x->db));
    rc = row_written(x, id, props, lon, lat, before ? old_pos : NULL, before, ward_from_crosswalk, x->row, true,
                     err);
done:
    json_decref(props);
    json_decref(current);
    return rc;
}

_Static_assert(IMPORT_BATCH <= AUDIT_ROWS_MAX, "a batch's audit rows go in one statement");

int import_batch_flush(import_ctx *x, rm_error *err)
{
    int n = x->batch_n, rc = 0;
    if (!n)
        return 0;
    x->batch_n = 0;
    bool together = false;
    if (n == IMPORT_BATCH) {
        sqlite3_stmt *st = x->st_batch;
        for (int r = 0; r < n; r++) {
            const import_pending *p = &x->batch[r];
            bind_row(x, st, r * x->row_params, p->props, true, x->next_id + r, true, p->lon, p->lat, p->own);
        }
        int s = sqlite3_step(st);
        int code = sqlite3_extended_errcode(db_sqlite(x->db));
        db_stmt_done(st);
        if (s == SQLITE_DONE) {
            together = true;
        } else if ((code & 0xff) != SQLITE_CONSTRAINT) {
            rc = db_error(x->db, err, 500, "writing rows");
            goto done;
        }
        /* Else a constraint refused one of them (the statement wrote none): each on its own, to know
         * which. */
    }
    if (together) {
        /* Their audit rows in one statement too. */
        int64_t ids[IMPORT_BATCH];
        const char *after[IMPORT_BATCH];
        for (int r = 0; r < n; r++) {
            const import_pending *p = &x->batch[r];
            ids[r] = x->next_id + r;
            if (row_written(x, ids[r], p->props, p->lon, p->lat, NULL, NULL, p->ward_from_crosswalk, p->row, false,
                            err) < 0) {
                rc = -1;
                goto done;
            }
            after[r] = feature_json(x, &x->batch_json[r], ids[r], p->props, p->lon, p->lat, p->row);
        }
        if (audit_append_rows(x->db, x->user, "create", x->coll->id, x->rep->import_id, n, ids, NULL, after,
                              err) < 0) {
            rc = -1;
            goto done;
        }
        x->next_id += n;
        goto done;
    }
    /* One by one (a short batch, or a constraint refused one of them). */
    for (int r = 0; r < n; r++) {
        const import_pending *p = &x->batch[r];
        bind_row(x, x->st_insert, 0, p->props, true, x->next_id, true, p->lon, p->lat, p->own);
        int s = sqlite3_step(x->st_insert);
        int code = sqlite3_extended_errcode(db_sqlite(x->db));
        db_stmt_done(x->st_insert);
        if (s != SQLITE_DONE) {
            validate_errors *e = x->batch_errs;
            e->n = 0;
            if (write_refused(x, code, e, err) < 0) {
                rc = -1;
                goto done;
            }
            for (int i = 0; i < e->n; i++)
                import_add_issue(x->rep, p->row, e->field[i], e->reason[i]);
            x->rep->rows_invalid++;
            continue;
        }
        int64_t id = x->next_id++;
        if (row_written(x, id, p->props, p->lon, p->lat, NULL, NULL, p->ward_from_crosswalk, p->row, true, err) < 0) {
            rc = -1;
            goto done;
        }
    }
done:
    for (int r = 0; r < n; r++)
        json_decref(x->batch[r].props);
    return rc;
}

int import_row(import_ctx *x, const rowpipe_feature *f, rm_error *err)
{
    validate_errors *e = x->errs;
    e->n = 0;
    int r = x->coll ? register_row(x, f, e, err) : boundary_row(x, f, e, err);
    if (r > 0 || (r == 0 && e->n)) {
        for (int i = 0; i < e->n; i++)
            import_add_issue(x->rep, x->row, e->field[i], e->reason[i]);
        x->rep->rows_invalid++;
        r = 0;
    }
    return r;
}
