/*
 * compliance_settings: the compliance rules kept as data, for admins to set:
 *
 *   GET, PATCH /compliance/settings   the due window, default intervals, dose limits (20 mSv a year
 *                                     averaged over 5 years, 50 mSv in any single year), the
 *                                     investigation level per monitoring period length, and what
 *                                     each device type needs (QC test and its interval, a room)
 *   GET, POST  /document-kinds        kinds of facility documents with their interval, whether
 *   PATCH, DELETE /document-kinds/{k} every operating facility must hold one, and their place on
 *                                     the checklist; the built-in kinds may be changed, not deleted
 *
 * A change is one transaction with its audit row, and it redraws every tile (any status may move).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/compliance_int.h"
#include "db/audit.h"

/* ---- settings --------------------------------------------------------------------------------- */

static int write_settings(json_writer *w, db_conn *db, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT key, value, unit, min_value, max_value, name_en, name_vi, updated_by, "
                                    "updated_at FROM compliance_setting ORDER BY key", err);
    if (!st)
        return -1;
    json_obj_begin(w);
    json_key(w, "settings");
    json_obj_begin(w);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_key(w, (const char *)sqlite3_column_text(st, 0));
        json_obj_begin(w);
        json_kv_num(w, "value", sqlite3_column_double(st, 1));
        json_kv_str(w, "unit", (const char *)sqlite3_column_text(st, 2));
        json_kv_num(w, "min", sqlite3_column_double(st, 3));
        json_kv_num(w, "max", sqlite3_column_double(st, 4));
        json_kv_str(w, "name_en", (const char *)sqlite3_column_text(st, 5));
        json_kv_str(w, "name_vi", (const char *)sqlite3_column_text(st, 6));
        json_kv_str(w, "updated_by", (const char *)sqlite3_column_text(st, 7));
        json_kv_str(w, "updated_at", (const char *)sqlite3_column_text(st, 8));
        json_obj_end(w);
    }
    db_stmt_done(st);
    json_obj_end(w);
    st = db_stmt(db, "SELECT period_months, level_msv FROM dose_investigation_level ORDER BY period_months", err);
    if (!st)
        return -1;
    json_key(w, "investigation_levels");
    json_arr_begin(w);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_obj_begin(w);
        json_kv_int(w, "period_months", sqlite3_column_int(st, 0));
        json_kv_num(w, "level_msv", sqlite3_column_double(st, 1));
        json_obj_end(w);
    }
    db_stmt_done(st);
    json_arr_end(w);
    st = db_stmt(db, "SELECT t.key, t.name_en, coalesce(c.qc_required, 0), c.qc_interval_months, "
                     "coalesce(c.room_required, 0) FROM device_type t LEFT JOIN device_type_compliance c ON c.type = "
                     "t.key ORDER BY t.key", err);
    if (!st)
        return -1;
    json_key(w, "device_types");
    json_arr_begin(w);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_obj_begin(w);
        json_kv_str(w, "type", (const char *)sqlite3_column_text(st, 0));
        json_kv_str(w, "name_en", (const char *)sqlite3_column_text(st, 1));
        json_kv_bool(w, "qc_required", sqlite3_column_int(st, 2) != 0);
        json_key(w, "qc_interval_months");
        sqlite3_column_type(st, 3) == SQLITE_NULL ? json_write_null(w) : json_int(w, sqlite3_column_int(st, 3));
        json_kv_bool(w, "room_required", sqlite3_column_int(st, 4) != 0);
        json_obj_end(w);
    }
    db_stmt_done(st);
    json_arr_end(w);
    json_obj_end(w);
    return 0;
}

static int settings_get(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    json_writer w;
    json_init(&w, &req->out);
    if (write_settings(&w, db, err) < 0)
        return -1;
    http_reply(req, 200, "application/json");
    return 0;
}

static int exec_bind(db_conn *db, const char *sql, rm_error *err, const char *fmt, ...);

/* Apply a PATCH body; adds to e what is wrong. -1 on a database error. */
static int settings_apply(db_conn *db, json_t *body, const char *user, edit_errors *e, rm_error *err)
{
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v) if (strcmp(k, "settings") != 0 && strcmp(k, "investigation_levels") != 0 &&
                                        strcmp(k, "device_types") != 0)
        add_error(e, k, "is not a member; members: settings, investigation_levels, device_types");
    json_t *set = json_object_get(body, "settings");
    if (set && !json_is_object(set))
        add_error(e, "settings", "must be an object of key: value");
    else if (set) {
        json_object_foreach(set, k, v) {
            sqlite3_stmt *st = db_stmt(db, "SELECT min_value, max_value, unit FROM compliance_setting WHERE key = ?",
                                       err);
            if (!st)
                return -1;
            sqlite3_bind_text(st, 1, k, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(st) != SQLITE_ROW) {
                add_error(e, k, "is not a setting");
            } else {
                double lo = sqlite3_column_double(st, 0), hi = sqlite3_column_double(st, 1);
                bool whole = strcmp((const char *)sqlite3_column_text(st, 2), "mSv") != 0;
                double x = json_number_value(v);
                if (!json_is_number(v) || !isfinite(x) || x < lo || x > hi || (whole && floor(x) != x))
                    add_error(e, k, "must be a %s from %g to %g", whole ? "whole number" : "number", lo, hi);
            }
            db_stmt_done(st);
            if (e->n)
                continue;
            sqlite3_stmt *u = db_stmt(db, "UPDATE compliance_setting SET value = ?2, updated_by = ?3, updated_at = "
                                          "strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE key = ?1", err);
            if (!u)
                return -1;
            sqlite3_bind_text(u, 1, k, -1, SQLITE_TRANSIENT);
            sqlite3_bind_double(u, 2, json_number_value(v));
            sqlite3_bind_text(u, 3, user, -1, SQLITE_TRANSIENT);
            int s = sqlite3_step(u);
            db_stmt_done(u);
            if (s != SQLITE_DONE)
                return db_error(db, err, 500, "writing a setting");
        }
    }
    json_t *lv = json_object_get(body, "investigation_levels");
    if (lv && !json_is_array(lv))
        add_error(e, "investigation_levels", "must be an array of {period_months, level_msv}");
    size_t i;
    json_t *x;
    json_array_foreach(lv, i, x) {
        json_t *m = json_object_get(x, "period_months"), *l = json_object_get(x, "level_msv");
        if (!json_is_object(x) || !json_is_integer(m) || json_integer_value(m) < 1 || json_integer_value(m) > 12 ||
            (!json_is_null(l) && (!json_is_number(l) || !(json_number_value(l) > 0) || json_number_value(l) > 1000))) {
            add_error(e, "investigation_levels", "item %zu must be {period_months: 1..12, level_msv: above 0 and at "
                      "most 1000, or null to remove it}", i);
            continue;
        }
        if (e->n)
            continue;
        int rc = json_is_null(l) ? exec_bind(db, "DELETE FROM dose_investigation_level WHERE period_months = ?1", err,
                                             "i", (int64_t)json_integer_value(m))
                                 : exec_bind(db, "INSERT INTO dose_investigation_level(period_months, level_msv, "
                                                 "updated_by, updated_at) VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:"
                                                 "%SZ','now')) ON CONFLICT(period_months) DO UPDATE SET level_msv = "
                                                 "excluded.level_msv, updated_by = excluded.updated_by, updated_at = "
                                                 "excluded.updated_at", err, "ids", (int64_t)json_integer_value(m),
                                             json_number_value(l), user);
        if (rc < 0)
            return -1;
    }
    json_t *dt = json_object_get(body, "device_types");
    if (dt && !json_is_array(dt))
        add_error(e, "device_types", "must be an array of {type, qc_required, qc_interval_months, room_required}");
    json_array_foreach(dt, i, x) {
        const char *type = json_string_value(json_object_get(x, "type"));
        json_t *qr = json_object_get(x, "qc_required"), *qi = json_object_get(x, "qc_interval_months"),
               *rr = json_object_get(x, "room_required");
        bool ok = type && json_is_boolean(qr) && json_is_boolean(rr) &&
                  (!qi || json_is_null(qi) || (json_is_integer(qi) && json_integer_value(qi) >= 1 &&
                                               json_integer_value(qi) <= 120));
        if (ok) {
            sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM device_type WHERE key = ?", err);
            if (!st)
                return -1;
            sqlite3_bind_text(st, 1, type, -1, SQLITE_TRANSIENT);
            ok = sqlite3_step(st) == SQLITE_ROW;
            db_stmt_done(st);
        }
        if (!ok) {
            add_error(e, "device_types", "item %zu must be {type: a device type, qc_required: true|false, "
                      "qc_interval_months: 1..120 or null, room_required: true|false}", i);
            continue;
        }
        if (e->n)
            continue;
        if (exec_bind(db, "INSERT INTO device_type_compliance(type, qc_required, qc_interval_months, room_required) "
                          "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(type) DO UPDATE SET qc_required = excluded.qc_required, "
                          "qc_interval_months = excluded.qc_interval_months, room_required = excluded.room_required",
                      err, "siIi", type, (int64_t)json_is_true(qr),
                      (int64_t)(json_is_integer(qi) ? json_integer_value(qi) : 0), (int64_t)json_is_true(rr)) < 0)
            return -1;
    }
    return 0;
}

/* Run sql binding values by fmt: 'i' int64, 'I' int64 or NULL when 0, 'd' double, 's' text. */
static int exec_bind(db_conn *db, const char *sql, rm_error *err, const char *fmt, ...)
{
    sqlite3_stmt *st = db_stmt(db, sql, err);
    if (!st)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    for (int i = 0; fmt[i]; i++) {
        switch (fmt[i]) {
        case 'i': sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t)); break;
        case 'I': {
            int64_t v = va_arg(ap, int64_t);
            v ? sqlite3_bind_int64(st, i + 1, v) : sqlite3_bind_null(st, i + 1);
            break;
        }
        case 'd': sqlite3_bind_double(st, i + 1, va_arg(ap, double)); break;
        default: {
            const char *s = va_arg(ap, const char *);
            s ? sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i + 1);
        }
        }
    }
    va_end(ap);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    return s == SQLITE_DONE ? 0 : db_error(db, err, 500, "writing compliance settings");
}

static int settings_patch(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    json_t *body = cmp_json_body(req, err);
    if (!body)
        return -1;
    int rc = -1;
    buf before = BUF_INIT, after = BUF_INIT;
    edit_errors *e = calloc(1, sizeof *e);
    db_conn *db = e ? cmp_write_begin(req, err) : NULL;
    if (!db)
        goto cleanup;
    json_writer w;
    json_init(&w, &before);
    if (write_settings(&w, db, err) < 0 || settings_apply(db, body, req->user_name, e, err) < 0)
        goto rollback;
    if (e->n) {
        cmp_write_end(req, db, false, NULL);
        rc = reply_invalid(req, e);
        goto cleanup;
    }
    json_init(&w, &after);
    if (write_settings(&w, db, err) < 0 ||
        audit_append(db, req->user_name, "update", "compliance_settings", 0, NULL, before.data, after.data, err) < 0 ||
        cmp_tile_change_all(db, err) < 0)
        goto rollback;
    if (cmp_write_end(req, db, true, err) < 0)
        goto cleanup;
    buf_append(&req->out, after.data, after.len);
    req->no_etag = true;
    http_reply(req, 200, "application/json");
    rc = 0;
    goto cleanup;
rollback:
    cmp_write_end(req, db, false, NULL);
cleanup:
    json_decref(body);
    buf_free(&before);
    buf_free(&after);
    free(e);
    return rc;
}

int api_compliance_settings(http_request *req, rm_error *err)
{
    return req->method == HTTP_PATCH ? settings_patch(req, err) : settings_get(req, err);
}

/* ---- document kinds ---------------------------------------------------------------------------- */

#define KIND_COLUMNS "key, name_vi, name_en, interval_months, required, practices, seq, builtin, version, updated_by, " \
                     "updated_at"

static void write_kind(json_writer *w, sqlite3_stmt *st)
{
    json_obj_begin(w);
    json_kv_str(w, "key", (const char *)sqlite3_column_text(st, 0));
    json_kv_str(w, "name_vi", (const char *)sqlite3_column_text(st, 1));
    json_kv_str(w, "name_en", (const char *)sqlite3_column_text(st, 2));
    json_key(w, "interval_months");
    sqlite3_column_type(st, 3) == SQLITE_NULL ? json_write_null(w) : json_int(w, sqlite3_column_int(st, 3));
    json_kv_bool(w, "required", sqlite3_column_int(st, 4) != 0);
    json_key(w, "practices");
    json_arr_begin(w);
    const char *p = (const char *)sqlite3_column_text(st, 5);
    while (p && *p) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        json_strn(w, p, n);
        p = c ? c + 1 : NULL;
    }
    json_arr_end(w);
    json_kv_int(w, "seq", sqlite3_column_int(st, 6));
    json_kv_bool(w, "builtin", sqlite3_column_int(st, 7) != 0);
    json_kv_int(w, "version", sqlite3_column_int64(st, 8));
    json_kv_str(w, "updated_by", (const char *)sqlite3_column_text(st, 9));
    json_kv_str(w, "updated_at", (const char *)sqlite3_column_text(st, 10));
    json_obj_end(w);
}

static int render_kind(db_conn *db, const char *key, buf *out, int64_t *version, bool *builtin, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " KIND_COLUMNS " FROM document_kind WHERE key = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    int found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        json_writer w;
        json_init(&w, out);
        write_kind(&w, st);
        if (version)
            *version = sqlite3_column_int64(st, 8);
        if (builtin)
            *builtin = sqlite3_column_int(st, 7) != 0;
    }
    db_stmt_done(st);
    return found;
}

static int kinds_get(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    sqlite3_stmt *st = db_stmt(db, "SELECT " KIND_COLUMNS " FROM document_kind ORDER BY seq, key", err);
    if (!st)
        return -1;
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_key(&w, "document_kinds");
    json_arr_begin(&w);
    while (sqlite3_step(st) == SQLITE_ROW)
        write_kind(&w, st);
    db_stmt_done(st);
    json_arr_end(&w);
    json_obj_end(&w);
    http_reply(req, 200, "application/json");
    return 0;
}

/* Check and normalise the members of a kind's body into vals (practices as "a,b"). */
static void kind_check(db_conn *db, json_t *body, bool create, edit_errors *e, json_t *vals)
{
    static const char *const members[] = {"key", "name_vi", "name_en", "interval_months", "required", "practices",
                                          "seq", NULL};
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v) {
        bool known = false;
        for (const char *const *m = members; *m; m++)
            known |= strcmp(*m, k) == 0;
        if (!known && strcmp(k, "builtin") != 0 && strcmp(k, "version") != 0 && strcmp(k, "updated_by") != 0 &&
            strcmp(k, "updated_at") != 0)
            add_error(e, k, "is not a field of a document kind; fields: key, name_vi, name_en, interval_months, "
                      "required, practices, seq");
    }
    json_t *key = json_object_get(body, "key");
    if (create) {
        const char *s = json_string_value(key);
        bool ok = s && *s >= 'a' && *s <= 'z' && strlen(s) <= 40;
        for (const char *p = s; ok && *p; p++)
            ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
        if (!ok)
            add_error(e, "key", "is required: lower-case letters, digits and _, starting with a letter, at most 40");
        else
            json_object_set(vals, "key", key);
    }
    static const char *const names[] = {"name_vi", "name_en"};
    for (int i = 0; i < 2; i++) {
        json_t *x = json_object_get(body, names[i]);
        if (x || create) {
            if (!json_is_string(x) || !*json_string_value(x) || strlen(json_string_value(x)) > 300)
                add_error(e, names[i], "is required: a name of at most 300 bytes");
            else
                json_object_set(vals, names[i], x);
        }
    }
    json_t *iv = json_object_get(body, "interval_months");
    if (iv && !json_is_null(iv) && (!json_is_integer(iv) || json_integer_value(iv) < 1 || json_integer_value(iv) > 120))
        add_error(e, "interval_months", "must be a whole number from 1 to 120, or null (valid until replaced)");
    else if (iv)
        json_object_set(vals, "interval_months", iv);
    json_t *rq = json_object_get(body, "required");
    if (rq && !json_is_boolean(rq))
        add_error(e, "required", "must be true or false");
    else if (rq)
        json_object_set(vals, "required", rq);
    json_t *sq = json_object_get(body, "seq");
    if (sq && (!json_is_integer(sq) || json_integer_value(sq) < 0 || json_integer_value(sq) > 1000))
        add_error(e, "seq", "must be a whole number from 0 to 1000");
    else if (sq)
        json_object_set(vals, "seq", sq);
    json_t *pr = json_object_get(body, "practices");
    if (pr && !json_is_null(pr)) {
        if (!json_is_array(pr)) {
            add_error(e, "practices", "must be an array of practice keys, or null (every practice)");
        } else {
            buf list = BUF_INIT;
            size_t i;
            json_t *x;
            json_array_foreach(pr, i, x) {
                const char *p = json_string_value(x);
                sqlite3_stmt *st = p ? db_stmt(db, "SELECT 1 FROM practice WHERE key = ?", NULL) : NULL;
                bool ok = false;
                if (st) {
                    sqlite3_bind_text(st, 1, p, -1, SQLITE_TRANSIENT);
                    ok = sqlite3_step(st) == SQLITE_ROW;
                    db_stmt_done(st);
                }
                if (!ok)
                    add_error(e, "practices", "item %zu is not a practice key", i);
                else
                    buf_appendf(&list, "%s%s", list.len ? "," : "", p);
            }
            json_object_set_new(vals, "practices", list.len ? json_string(list.data) : json_null());
            buf_free(&list);
        }
    } else if (pr) {
        json_object_set_new(vals, "practices", json_null());
    }
}

static int kind_write(http_request *req, bool create, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    json_t *body = cmp_json_body(req, err);
    if (!body)
        return -1;
    int rc = -1;
    json_t *vals = json_object();
    buf before = BUF_INIT, after = BUF_INIT;
    edit_errors *e = calloc(1, sizeof *e);
    db_conn *db = e ? cmp_write_begin(req, err) : NULL;
    if (!db)
        goto cleanup;
    const char *key = create ? json_string_value(json_object_get(body, "key")) : req->path_params[0];
    int64_t version = 0, want = 0;
    if (!create) {
        int r = render_kind(db, key, &before, &version, NULL, err);
        if (r <= 0) {
            if (!r)
                rm_error_set(err, 404, "Not Found", "no document kind %.40s", key);
            goto rollback;
        }
        if (if_match_version(req, &want) == 1 && want != version) {
            rm_error_set(err, 412, "Precondition Failed", "the document kind was changed since you read it (now "
                         "version %lld)", (long long)version);
            goto rollback;
        }
    } else if (key && render_kind(db, key, &before, NULL, NULL, err) == 1) {
        rm_error_set(err, 409, "Conflict", "document kind %.40s exists already", key);
        goto rollback;
    }
    kind_check(db, body, create, e, vals);
    if (e->n) {
        cmp_write_end(req, db, false, NULL);
        rc = reply_invalid(req, e);
        goto cleanup;
    }
    json_t *iv = json_object_get(vals, "interval_months"), *rq = json_object_get(vals, "required"),
           *sq = json_object_get(vals, "seq"), *pr = json_object_get(vals, "practices");
    int s;
    if (create)
        s = exec_bind(db, "INSERT INTO document_kind(key, name_vi, name_en, interval_months, required, practices, seq, "
                          "updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, coalesce(?7, 100), ?8)", err, "sssIisIs", key,
                      json_string_value(json_object_get(vals, "name_vi")),
                      json_string_value(json_object_get(vals, "name_en")),
                      (int64_t)(json_is_integer(iv) ? json_integer_value(iv) : 0), (int64_t)json_is_true(rq),
                      json_string_value(pr), (int64_t)(json_is_integer(sq) ? json_integer_value(sq) : 0),
                      req->user_name);
    else
        s = exec_bind(db, "UPDATE document_kind SET name_vi = coalesce(?2, name_vi), name_en = coalesce(?3, name_en), "
                          "interval_months = CASE WHEN ?9 THEN ?4 ELSE interval_months END, required = CASE WHEN ?10 "
                          "THEN ?5 ELSE required END, practices = CASE WHEN ?11 THEN ?6 ELSE practices END, seq = "
                          "coalesce(?7, seq), updated_by = ?8, version = version + 1, updated_at = "
                          "strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE key = ?1", err, "sssIisIsiii", key,
                      json_string_value(json_object_get(vals, "name_vi")),
                      json_string_value(json_object_get(vals, "name_en")),
                      (int64_t)(json_is_integer(iv) ? json_integer_value(iv) : 0), (int64_t)json_is_true(rq),
                      json_string_value(pr), (int64_t)(json_is_integer(sq) ? json_integer_value(sq) : 0),
                      req->user_name, (int64_t)(iv != NULL), (int64_t)(rq != NULL), (int64_t)(pr != NULL));
    if (s < 0 || render_kind(db, key, &after, &version, NULL, err) <= 0 ||
        audit_append(db, req->user_name, create ? "create" : "update", "document_kinds", 0, NULL,
                     before.len ? before.data : NULL, after.data, err) < 0 ||
        cmp_tile_change_all(db, err) < 0)
        goto rollback;
    if (cmp_write_end(req, db, true, err) < 0)
        goto cleanup;
    buf_append(&req->out, after.data, after.len);
    char etag[32];
    snprintf(etag, sizeof etag, "\"v%lld\"", (long long)version);
    http_set_header(req, "ETag", etag);
    req->no_etag = true;
    http_reply(req, create ? 201 : 200, "application/json");
    rc = 0;
    goto cleanup;
rollback:
    cmp_write_end(req, db, false, NULL);
cleanup:
    json_decref(body);
    json_decref(vals);
    buf_free(&before);
    buf_free(&after);
    free(e);
    return rc;
}

static int kind_delete(http_request *req, rm_error *err)
{
    const char *key = req->path_params[0];
    buf before = BUF_INIT;
    bool builtin = false;
    int rc = -1;
    db_conn *db = cmp_write_begin(req, err);
    if (!db)
        return -1;
    int r = render_kind(db, key, &before, NULL, &builtin, err);
    if (r <= 0) {
        if (!r)
            rm_error_set(err, 404, "Not Found", "no document kind %.40s", key);
        goto rollback;
    }
    if (builtin) {
        rm_error_set(err, 409, "Conflict", "%.40s is a built-in kind: it may be changed (required false), not deleted",
                     key);
        goto rollback;
    }
    sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM facility_document WHERE kind = ?", err);
    if (!st)
        goto rollback;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    db_stmt_done(st);
    if (n) {
        rm_error_set(err, 409, "Conflict", "%lld documents are of kind %.40s", (long long)n, key);
        goto rollback;
    }
    if (exec_bind(db, "DELETE FROM document_kind WHERE key = ?1", err, "s", key) < 0 ||
        audit_append(db, req->user_name, "delete", "document_kinds", 0, NULL, before.data, NULL, err) < 0 ||
        cmp_tile_change_all(db, err) < 0)
        goto rollback;
    if (cmp_write_end(req, db, true, err) < 0)
        goto cleanup;
    req->no_etag = true;
    http_reply(req, 204, NULL);
    rc = 0;
    goto cleanup;
rollback:
    cmp_write_end(req, db, false, NULL);
cleanup:
    buf_free(&before);
    return rc;
}

int api_document_kinds(http_request *req, rm_error *err)
{
    return req->method == HTTP_POST ? kind_write(req, true, err) : kinds_get(req, err);
}

int api_document_kind(http_request *req, rm_error *err)
{
    return req->method == HTTP_DELETE ? kind_delete(req, err) : kind_write(req, false, err);
}
