/*
 * edit: OGC API - Features Part 4 (create, replace, update, delete) for the register's
 * collections, driven by the writable fields of each collection (db/collection.h).
 *
 * Every write is one transaction on the single writer connection (DESIGN §2) that also appends the
 * audit row (the feature before and after) and tile_change rows for the old and new positions, so
 * the tile cache and the point snapshots follow. Validation happens before anything is written and
 * reports every bad field at once (422 with an "errors" list); a rejected request writes nothing.
 * Optimistic locking: PUT, PATCH and DELETE need If-Match with the feature's current ETag (428
 * without, 412 when another edit came first); the version check runs inside the write transaction,
 * so of two concurrent edits exactly one wins.
 *
 * Properties the server derives (activity_bq_now, counts, categories ...) may be sent back as they
 * were read and are ignored; a property the collection does not have is an error.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/auth.h"
#include "api/state.h"
#include "core/date.h"
#include "core/json.h"
#include "db/audit.h"
#include "db/lifecycle.h"
#include "geo/crs.h"

#include "api/crs_api.h"
#include "api/edit_int.h"

void add_error(edit_errors *e, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    validate_vadd(e, field, fmt, ap);
    va_end(ap);
}

int reply_invalid(http_request *req, const edit_errors *e)
{
    buf_reset(&req->out);
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_str(&w, "type", "about:blank");
    json_kv_str(&w, "title", "Invalid feature");
    json_kv_int(&w, "status", 422);
    buf d = BUF_INIT;
    for (int i = 0; i < e->n; i++)
        buf_appendf(&d, "%s%s: %s", i ? "; " : "", e->field[i], e->reason[i]);
    json_kv_str(&w, "detail", d.data);
    buf_free(&d);
    json_kv_str(&w, "instance", req->path);
    json_key(&w, "errors");
    json_arr_begin(&w);
    for (int i = 0; i < e->n; i++) {
        json_obj_begin(&w);
        json_kv_str(&w, "field", e->field[i]);
        json_kv_str(&w, "reason", e->reason[i]);
        json_obj_end(&w);
    }
    json_arr_end(&w);
    json_obj_end(&w);
    req->no_etag = true;
    http_reply(req, 422, "application/problem+json");
    return 0;
}

void check_field(db_conn *db, const coll_field *f, json_t *v, int32_t today, edit_errors *e)
{
    validate_field(db, f, v, today, NULL, e);
}

void check_geometry(json_t *g, const crs_info *crs, const double area[4], point_in *pt, edit_errors *e)
{
    pt->given = false;
    if (!g || json_is_null(g))
        return;
    const char *type = json_string_value(json_object_get(g, "type"));
    json_t *c = json_object_get(g, "coordinates");
    if (!json_is_object(g) || !type) {
        add_error(e, "geometry", "must be a GeoJSON geometry object");
        return;
    }
    if (strcmp(type, "Point") != 0) {
        add_error(e, "geometry", "must be a Point, not %.40s", type);
        return;
    }
    if (!json_is_array(c) || json_array_size(c) < 2 || json_array_size(c) > 3 ||
        !json_is_number(json_array_get(c, 0)) || !json_is_number(json_array_get(c, 1))) {
        add_error(e, "geometry", "Point coordinates must be [lon, lat]");
        return;
    }
    double lon = json_number_value(json_array_get(c, 0)), lat = json_number_value(json_array_get(c, 1));
    if (crs && !(crs->wgs84 && !crs->lat_first)) {
        /* Content-Crs: coordinates in that system and its axis order (OGC API - Features Part 2). */
        double x = crs->lat_first ? lat : lon, y = crs->lat_first ? lon : lat;
        rm_error cerr = {0};
        if (!crs->wgs84 && crs_to_wgs84(crs, x, y, &x, &y, "geometry", &cerr) < 0) {
            add_error(e, "geometry", "%s", cerr.detail);
            return;
        }
        lon = x;
        lat = y;
    }
    if (validate_point(lon, lat, area, e) < 0)
        return;
    pt->given = true;
    pt->lon = lon;
    pt->lat = lat;
}

int if_match_version(http_request *req, int64_t *version)
{
    const char *h = http_header(req, "If-Match");
    if (!h)
        return -1;
    if (strcmp(h, "*") == 0)
        return 0;
    const char *v = strstr(h, "\"v");
    if (!v)
        return -2;
    char *end;
    long long n = strtoll(v + 2, &end, 10);
    if (end == v + 2 || n < 1)
        return -2;
    *version = n;
    return 1;
}

/* Parse the request body as a GeoJSON Feature (or, for PATCH, a merge patch of one). */
static json_t *parse_body(http_request *req, bool patch, rm_error *err)
{
    const char *ct = http_header(req, "Content-Type");
    bool ok_type = ct && (strncasecmp(ct, "application/geo+json", 20) == 0 ||
                          strncasecmp(ct, "application/json", 16) == 0 ||
                          (patch && strncasecmp(ct, "application/merge-patch+json", 28) == 0));
    if (!ok_type) {
        rm_error_set(err, 415, "Unsupported Media Type", "send the feature as application/geo+json%s",
                     patch ? " or application/merge-patch+json" : "");
        return NULL;
    }
    if (!req->body.len) {
        rm_error_set(err, 400, "Empty body", "the request has no body; send a GeoJSON Feature");
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb(req->body.data, req->body.len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        rm_error_set(err, 400, "Malformed JSON", "line %d, column %d: %s", je.line, je.column, je.text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        rm_error_set(err, 400, "Not a feature", "the body must be a JSON object (a GeoJSON Feature)");
        return NULL;
    }
    return j;
}

/* Current writable values of row id as a JSON object (for PATCH), with record_owner and version. */
static json_t *current_values(db_conn *db, const coll_def *c, int64_t id, char owner[16], int64_t *version,
                              double pos[2], bool *own_location)
{
    buf sql = BUF_INIT;
    buf_appendf(&sql, "SELECT record_owner, version, lon, lat, %s", c->point_required ? "1" : "own_location");
    for (const coll_field *f = c->fields; f->name; f++) {
        if (f->column)
            buf_appendf(&sql, ", %s", f->column);
        else if (f->type == PROP_TEXT_LIST && strcmp(f->name, "practices") == 0)
            buf_puts(&sql, ", (SELECT group_concat(practice) FROM facility_practice WHERE facility_id = t.id)");
    }
    buf_appendf(&sql, " FROM %s t WHERE t.id = ?", c->table);
    sqlite3_stmt *st = db_stmt(db, sql.data, NULL);
    buf_free(&sql);
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    json_t *o = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        o = json_object();
        snprintf(owner, 16, "%s", (const char *)sqlite3_column_text(st, 0));
        *version = sqlite3_column_int64(st, 1);
        pos[0] = sqlite3_column_double(st, 2);
        pos[1] = sqlite3_column_double(st, 3);
        *own_location = sqlite3_column_int(st, 4) != 0;
        int col = 5;
        for (const coll_field *f = c->fields; f->name; f++, col++) {
            if (sqlite3_column_type(st, col) == SQLITE_NULL) {
                json_object_set_new(o, f->name, json_null());
                continue;
            }
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

static void bind_value(sqlite3_stmt *st, int idx, const coll_field *f, json_t *v)
{
    if (!v || json_is_null(v))
        sqlite3_bind_null(st, idx);
    else if (f->type == PROP_INT)
        sqlite3_bind_int64(st, idx, json_is_integer(v) ? json_integer_value(v) : (int64_t)json_number_value(v));
    else if (f->type == PROP_REAL)
        sqlite3_bind_double(st, idx, json_number_value(v));
    else
        sqlite3_bind_text(st, idx, json_string_value(v), -1, SQLITE_TRANSIENT);
}

static int tile_change(db_conn *db, const char *layer, double lon, double lat, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO tile_change(layer, min_lon, min_lat, max_lon, max_lat) VALUES (?1, ?2, ?3, ?2, ?3)",
                 err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, layer, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 2, lon);
    sqlite3_bind_double(st, 3, lat);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    return s == SQLITE_DONE ? 0 : db_error(db, err, 500, "recording the change for the tile cache");
}

typedef enum edit_op { OP_CREATE, OP_REPLACE, OP_PATCH, OP_DELETE } edit_op;

/* Shared body of every write. */
static int edit(http_request *req, edit_op op, rm_error *err)
{
    const coll_def *c = coll_find(req->path_params[0]);
    vis_class vis = api_caller_class(req);
    if (!c || c->vis > vis)
        return rm_error_set(err, 404, "Not Found", "no collection '%.100s'; /collections lists them",
                            req->path_params[0]);
    if (!c->fields)
        return rm_error_set(err, 405, "Method Not Allowed", "%s is read-only here", c->id);
    int64_t id = 0, want_version = 0;
    if (op != OP_CREATE) {
        char *end;
        id = strtoll(req->path_params[1], &end, 10);
        if (*end || id < 1)
            return rm_error_set(err, 404, "Not Found", "no feature %.40s in %s", req->path_params[1], c->id);
        int m = if_match_version(req, &want_version);
        if (m == -1)
            return rm_error_set(err, 428, "Precondition Required", "send If-Match with the feature's ETag (from "
                                "GET) so that a colleague's change is not overwritten unseen");
        if (m == -2)
            return rm_error_set(err, 412, "Precondition Failed", "If-Match does not hold an ETag of this feature");
    }
    const crs_info *in_crs = NULL;
    const char *cch = http_header(req, "Content-Crs");
    if (cch) {
        char tmp[200];
        size_t n = strlen(cch);
        if (n >= sizeof tmp)
            return rm_error_set(err, 400, "Invalid Content-Crs", "the Content-Crs header is too long");
        /* The header holds the URI in angle brackets. */
        if (n >= 2 && cch[0] == '<' && cch[n - 1] == '>')
            snprintf(tmp, sizeof tmp, "%.*s", (int)(n - 2), cch + 1);
        else
            snprintf(tmp, sizeof tmp, "%s", cch);
        if (!(in_crs = api_crs_from_uri(req, tmp, "Content-Crs", err)))
            return -1;
    }
    json_t *body = NULL, *props = NULL;
    int rc = -1;
    int32_t today = date_today();
    app_state *app = app_state_of(req);
    db_conn *db = NULL;
    buf before = BUF_INIT, after = BUF_INIT;
    edit_errors *e = calloc(1, sizeof *e);
    if (!e)
        return rm_error_set(err, 500, "Out of memory", "editing");
    if (op != OP_DELETE && !(body = parse_body(req, op == OP_PATCH, err)))
        goto cleanup;
    if (body && op != OP_PATCH) {
        const char *type = json_string_value(json_object_get(body, "type"));
        if (!type || strcmp(type, "Feature") != 0) {
            rm_error_set(err, 400, "Not a feature", "the body must be a GeoJSON Feature (\"type\": \"Feature\")");
            goto cleanup;
        }
        json_t *jid = json_object_get(body, "id");
        if (op == OP_REPLACE && jid && !(json_is_integer(jid) && json_integer_value(jid) == id)) {
            rm_error_set(err, 400, "Id mismatch", "the feature's id differs from the id in the path");
            goto cleanup;
        }
    }
    db = app_writer_lock(app, err);
    if (!db)
        goto cleanup;
    if (db_exec(db, "BEGIN IMMEDIATE", err) < 0) {
        app_writer_unlock(app);
        db = NULL;
        goto cleanup;
    }
    char owner[16] = "department";
    int64_t version = 0;
    double old_pos[2] = {0, 0};
    bool old_own = false;
    json_t *current = NULL;
    if (op != OP_CREATE) {
        current = current_values(db, c, id, owner, &version, old_pos, &old_own);
        if (!current) {
            rm_error_set(err, 404, "Not Found", "no feature %lld in %s", (long long)id, c->id);
            goto rollback;
        }
        if (strcmp(owner, "department") != 0) {
            json_decref(current);
            rm_error_set(err, 403, "Forbidden", "this record belongs to the national regulator (%s) and is read-only "
                         "here; changes come from its register", owner);
            goto rollback;
        }
        if (want_version && want_version != version) {
            json_decref(current);
            rm_error_set(err, 412, "Precondition Failed", "the feature was changed since you read it (now version "
                         "%lld, you sent %lld): reload it, reapply your change and send it again",
                         (long long)version, (long long)want_version);
            goto rollback;
        }
        if (features_render_one(db, c, id, VIS_FULL, today, NULL, &before, NULL, err) < 0) {
            json_decref(current);
            goto rollback;
        }
    }
    double area[4];
    validate_service_area(db, area);
    point_in pt = {0};
    if (op == OP_DELETE) {
        json_decref(current);
        if (strcmp(c->id, "facilities") == 0) {
            sqlite3_stmt *st = db_stmt(db, "SELECT (SELECT count(*) FROM source WHERE facility_id = ?1) + "
                                            "(SELECT count(*) FROM device WHERE facility_id = ?1)", err);
            if (!st)
                goto rollback;
            sqlite3_bind_int64(st, 1, id);
            int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
            db_stmt_done(st);
            if (n) {
                rm_error_set(err, 409, "Conflict", "facility %lld still holds %lld sources and devices; transfer or "
                             "delete them first", (long long)id, (long long)n);
                goto rollback;
            }
        }
        char sql[128];
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE id = ?", c->table);
        sqlite3_stmt *st = db_stmt(db, sql, err);
        if (!st)
            goto rollback;
        sqlite3_bind_int64(st, 1, id);
        int s = sqlite3_step(st);
        db_stmt_done(st);
        if (s != SQLITE_DONE) {
            db_error(db, err, 409, "deleting");
            goto rollback;
        }
    } else {
        /* The properties and geometry the row will have. */
        json_t *bprops = json_object_get(body, "properties");
        if (bprops && !json_is_object(bprops) && !(op == OP_PATCH && json_is_null(bprops))) {
            json_decref(current);
            rm_error_set(err, 400, "Not a feature", "properties must be an object");
            goto rollback;
        }
        json_t *geom = json_object_get(body, "geometry");
        if (op == OP_PATCH) {
            props = current;
            current = NULL;
            if (json_is_object(bprops)) {
                const char *k;
                json_t *v;
                json_object_foreach(bprops, k, v) json_object_set(props, k, v);
            }
            if (!geom && (c->point_required || old_own)) {
                /* Geometry not in the patch: the position stays. */
                pt.given = true;
                pt.lon = old_pos[0];
                pt.lat = old_pos[1];
            }
        } else {
            json_decref(current);
            props = bprops ? json_incref(bprops) : json_object();
        }
        if (op != OP_PATCH || geom)
            check_geometry(geom, in_crs, area, &pt, e);
        if (!pt.given && c->point_required && !e->n)
            add_error(e, "geometry", "a Point is required");
        validate_properties(db, c, props, today, NULL, e);
        /* The same manufacturer, model and serial number on another active record. */
        if (!e->n) {
            int64_t other = validate_serial_conflict(db, c, props, id, err);
            if (other < 0)
                goto rollback;
            if (other) {
                rm_error_set(err, 409, "Duplicate serial number", "serial number %s of %s %s is already used by "
                             "%s %lld", json_string_value(json_object_get(props, "serial_no")),
                             json_string_value(json_object_get(props, "manufacturer")),
                             json_string_value(json_object_get(props, "model")), c->id, (long long)other);
                goto rollback;
            }
        }
        if (e->n) {
            db_exec(db, "ROLLBACK", NULL);
            app_writer_unlock(app);
            db = NULL;
            rc = reply_invalid(req, e);
            goto cleanup;
        }
        /* Without its own point, a source or device sits at its parent facility. */
        bool own = pt.given && !c->point_required;
        /* Once a source has transactions, its facility, status and position are theirs (issue 11). */
        if (op != OP_CREATE && strcmp(c->id, "sources") == 0) {
            char why[200];
            int locked = lifecycle_locked_change(db, id, json_integer_value(json_object_get(props, "facility_id")),
                                                 json_string_value(json_object_get(props, "status")), own, pt.lon,
                                                 pt.lat, why, sizeof why, err);
            if (locked < 0)
                goto rollback;
            if (locked) {
                rm_error_set(err, 409, "Conflict", "%s", why);
                goto rollback;
            }
        }
        if (!pt.given && c->parent_sql) {
            sqlite3_stmt *st = db_stmt(db, c->parent_sql, err);
            if (!st)
                goto rollback;
            sqlite3_bind_int64(st, 1, json_integer_value(json_object_get(props, c->parent_field)));
            if (sqlite3_step(st) == SQLITE_ROW) {
                pt.lon = sqlite3_column_double(st, 0);
                pt.lat = sqlite3_column_double(st, 1);
            }
            db_stmt_done(st);
        }
        buf sql = BUF_INIT;
        int nf = 0;
        if (op == OP_CREATE) {
            buf_appendf(&sql, "INSERT INTO %s (", c->table);
            for (const coll_field *f = c->fields; f->name; f++)
                if (f->column)
                    buf_appendf(&sql, "%s, ", f->column), nf++;
            buf_appendf(&sql, "lon, lat, geom%s) VALUES (", c->point_required ? "" : ", own_location");
            for (int i = 0; i < nf; i++)
                buf_appendf(&sql, "?%d, ", i + 1);
            buf_appendf(&sql, "?%d, ?%d, MakePoint(?%d, ?%d, 4326)%s)", nf + 1, nf + 2, nf + 1, nf + 2,
                        c->point_required ? "" : own ? ", 1" : ", 0");
        } else {
            buf_appendf(&sql, "UPDATE %s SET ", c->table);
            for (const coll_field *f = c->fields; f->name; f++)
                if (f->column)
                    buf_appendf(&sql, "%s = ?%d, ", f->column, ++nf);
            buf_appendf(&sql, "lon = ?%d, lat = ?%d, geom = MakePoint(?%d, ?%d, 4326), %sversion = version + 1, "
                        "updated_at = strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ','now') WHERE id = ?%d", nf + 1, nf + 2,
                        nf + 1, nf + 2, c->point_required ? "" : own ? "own_location = 1, " : "own_location = 0, ",
                        nf + 3);
        }
        sqlite3_stmt *st = db_stmt(db, sql.data, err);
        buf_free(&sql);
        if (!st)
            goto rollback;
        int k = 0;
        for (const coll_field *f = c->fields; f->name; f++)
            if (f->column) {
                json_t *v = json_object_get(props, f->name);
                /* An optional status or form left out takes the table's default (create, replace). */
                if ((!v || json_is_null(v)) && strcmp(f->name, "status") == 0)
                    sqlite3_bind_text(st, ++k, strcmp(c->id, "facilities") == 0 ? "operating" : "in_use", -1,
                                      SQLITE_STATIC);
                else if ((!v || json_is_null(v)) && strcmp(f->name, "form") == 0)
                    sqlite3_bind_text(st, ++k, "sealed", -1, SQLITE_STATIC);
                else
                    bind_value(st, ++k, f, v);
            }
        sqlite3_bind_double(st, nf + 1, pt.lon);
        sqlite3_bind_double(st, nf + 2, pt.lat);
        if (op != OP_CREATE)
            sqlite3_bind_int64(st, nf + 3, id);
        int s = sqlite3_step(st);
        db_stmt_done(st);
        if (s != SQLITE_DONE) {
            int code = sqlite3_extended_errcode(db_sqlite(db));
            if (code == SQLITE_CONSTRAINT_UNIQUE)
                rm_error_set(err, 409, "Conflict", "a %s with this code exists already: %s", c->id,
                             sqlite3_errmsg(db_sqlite(db)));
            else
                db_error(db, err, 422, "writing the feature");
            goto rollback;
        }
        if (op == OP_CREATE)
            id = sqlite3_last_insert_rowid(db_sqlite(db));
        /* A facility's practices: the primary one and the listed ones. */
        if (strcmp(c->id, "facilities") == 0) {
            st = db_stmt(db, "DELETE FROM facility_practice WHERE facility_id = ?", err);
            if (!st)
                goto rollback;
            sqlite3_bind_int64(st, 1, id);
            sqlite3_step(st);
            db_stmt_done(st);
            st = db_stmt(db, "INSERT OR IGNORE INTO facility_practice(facility_id, practice) VALUES (?, ?)", err);
            if (!st)
                goto rollback;
            json_t *list = json_object_get(props, "practices");
            json_t *all = json_array();
            json_array_append(all, json_object_get(props, "practice"));
            if (json_is_array(list))
                json_array_extend(all, list);
            size_t i;
            json_t *x;
            json_array_foreach(all, i, x) {
                sqlite3_bind_int64(st, 1, id);
                sqlite3_bind_text(st, 2, json_string_value(x), -1, SQLITE_TRANSIENT);
                sqlite3_step(st);
                db_stmt_done(st);
            }
            json_decref(all);
        }
        if (c->search_update_sql) {
            st = db_stmt(db, c->search_update_sql, err);
            if (!st)
                goto rollback;
            sqlite3_bind_int64(st, 1, id);
            s = sqlite3_step(st);
            db_stmt_done(st);
            if (s != SQLITE_DONE) {
                db_error(db, err, 500, "updating the search key");
                goto rollback;
            }
        }
        int64_t new_version = 0;
        if (features_render_one(db, c, id, VIS_FULL, today, NULL, &after, &new_version, err) < 0)
            goto rollback;
        if (tile_change(db, c->id, pt.lon, pt.lat, err) < 0)
            goto rollback;
    }
    if (op != OP_CREATE && tile_change(db, c->id, old_pos[0], old_pos[1], err) < 0)
        goto rollback;
    static const char *const actions[] = {"create", "replace", "update", "delete"};
    if (audit_append(db, req->user_name, actions[op], c->id, id, NULL, before.len ? before.data : NULL,
                     after.len ? after.data : NULL, err) < 0)
        goto rollback;
    if (db_exec(db, "COMMIT", err) < 0)
        goto rollback;
    /* The answer: the feature as the caller may see it, with its new ETag. */
    if (op == OP_DELETE) {
        req->no_etag = true;
        http_reply(req, 204, NULL);
    } else {
        int64_t v = 0;
        if (features_render_one(db, c, id, vis, today, NULL, &req->out, &v, err) <= 0)
            goto unlock;
        char etag[64];
        features_etag(v, req->out.data, req->out.len, etag);
        http_set_header(req, "ETag", etag);
        req->no_etag = true;
        if (op == OP_CREATE) {
            buf loc = BUF_INIT;
            http_base_url(req, &loc);
            buf_appendf(&loc, "/collections/%s/items/%lld", c->id, (long long)id);
            http_set_header(req, "Location", loc.data);
            buf_free(&loc);
        }
        http_reply(req, op == OP_CREATE ? 201 : 200, "application/geo+json");
    }
    rc = 0;
    goto unlock;
rollback:
    db_exec(db, "ROLLBACK", NULL);
unlock:
    app_writer_unlock(app);
    db = NULL;
cleanup:
    json_decref(body);
    json_decref(props);
    buf_free(&before);
    buf_free(&after);
    free(e);
    return rc;
}

int api_item_create(http_request *req, rm_error *err) { return edit(req, OP_CREATE, err); }
int api_item_replace(http_request *req, rm_error *err) { return edit(req, OP_REPLACE, err); }
int api_item_patch(http_request *req, rm_error *err) { return edit(req, OP_PATCH, err); }
int api_item_delete(http_request *req, rm_error *err) { return edit(req, OP_DELETE, err); }

int api_item_history(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"limit", NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    const coll_def *c = coll_find(req->path_params[0]);
    if (!c || c->vis > api_caller_class(req))
        return rm_error_set(err, 404, "Not Found", "no collection '%.100s'", req->path_params[0]);
    char *end;
    long long id = strtoll(req->path_params[1], &end, 10);
    if (*end || id < 1)
        return rm_error_set(err, 404, "Not Found", "no feature %.40s in %s", req->path_params[1], c->id);
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    sqlite3_stmt *st = db_stmt(db, "SELECT id, at, user_name, action, import_id, before_json, after_json FROM audit "
                                    "WHERE collection = ? AND feature_id = ? ORDER BY id DESC", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, id);
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_str(&w, "collection", c->id);
    json_kv_int(&w, "id", id);
    json_key(&w, "changes");
    json_arr_begin(&w);
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_obj_begin(&w);
        json_kv_int(&w, "audit_id", sqlite3_column_int64(st, 0));
        json_kv_str(&w, "at", (const char *)sqlite3_column_text(st, 1));
        json_kv_str(&w, "user", (const char *)sqlite3_column_text(st, 2));
        json_kv_str(&w, "action", (const char *)sqlite3_column_text(st, 3));
        json_kv_str(&w, "import_id", (const char *)sqlite3_column_text(st, 4));
        for (int k = 0; k < 2; k++) {
            json_key(&w, k ? "after" : "before");
            const char *j = (const char *)sqlite3_column_text(st, 5 + k);
            if (j)
                json_raw(&w, j, strlen(j));
            else
                json_write_null(&w);
        }
        json_obj_end(&w);
        n++;
    }
    db_stmt_done(st);
    json_arr_end(&w);
    json_obj_end(&w);
    if (n == 0) {
        buf_reset(&req->out);
        return rm_error_set(err, 404, "Not Found", "no recorded change of %s %lld", c->id, id);
    }
    req->no_etag = true;
    req->cache_control = "no-store";
    http_reply(req, 200, "application/json");
    return 0;
}
