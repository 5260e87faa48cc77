/*
 * procedures: the versioned procedure catalogue (GET /procedures, GET /procedures/{key}; admins
 * POST a new procedure and PUT a new version of one).
 *
 * A version is never changed once written: an edit adds version n+1 with the date from which it
 * applies (valid_from, today by default, not before the current version's). A dossier keeps the
 * version in force on the day it was received, so its statutory time, clock rule and fee stay
 * what they were when the applicant filed. PUT needs If-Match with the procedure's ETag ("v" and
 * its latest version); fields left out of the body are carried over from the latest version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/edit_int.h"
#include "api/licensing_int.h"
#include "core/date.h"
#include "db/audit.h"

#define COLS "id, key, version, valid_from, name_vi, name_en, kind, produces, working_hours, supplement_rule, " \
             "completeness_hours, fee_rule, fee_note, online_level, legal_basis, national_code, example_code, "   \
             "status_of_facts, created_by, created_at"

static const char *const kinds[] = {"declaration", "new_licence", "renewal", "amendment", "reissue", "certificate",
                                    "emergency_plan", NULL};
static const char *const produces[] = {"licence", "declaration_confirmation", "worker_certificate",
                                       "emergency_plan_approval", NULL};

/* Open an object and write the procedure row of st (COLS) into it; valid_to is the next version's
 * valid_from. The caller may add members, then closes the object. */
static void write_proc(json_writer *w, sqlite3_stmt *st, const char *valid_to)
{
#define T(i) ((const char *)sqlite3_column_text(st, (i)))
    json_obj_begin(w);
    json_kv_str(w, "key", T(1));
    json_kv_int(w, "version", sqlite3_column_int(st, 2));
    json_kv_str(w, "valid_from", T(3));
    json_kv_str(w, "valid_to", valid_to);
    json_kv_str(w, "name_vi", T(4));
    json_kv_str(w, "name_en", T(5));
    json_kv_str(w, "kind", T(6));
    json_kv_str(w, "produces", T(7));
    int hours = sqlite3_column_int(st, 8);
    json_kv_int(w, "working_hours", hours);
    json_key(w, "working_days");
    json_numf(w, hours / (double)CAL_HOURS_PER_DAY, 3);
    json_kv_str(w, "supplement_rule", T(9));
    json_kv_int(w, "completeness_hours", sqlite3_column_int(st, 10));
    json_key(w, "fee_rule");
    json_raw(w, T(11), (size_t)sqlite3_column_bytes(st, 11));
    json_kv_str(w, "fee_note", T(12));
    json_kv_str(w, "online_level", T(13));
    json_kv_str(w, "legal_basis", T(14));
    json_kv_str(w, "national_code", T(15));
    json_kv_str(w, "example_code", T(16));
    json_kv_str(w, "status_of_facts", T(17));
    json_kv_str(w, "created_by", T(18));
    json_kv_str(w, "created_at", T(19));
#undef T
}

/* The day of ?at= (default today). */
static int at_day(http_request *req, int32_t *day, rm_error *err)
{
    const char *at = http_query(req, "at");
    *day = date_today();
    if (at && date_parse(at, day) < 0)
        return rm_error_set(err, 400, "Invalid parameter", "at must be a date YYYY-MM-DD");
    return 0;
}

int api_procedures(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"at", NULL};
    int32_t day;
    if (http_query_check(req, allowed, err) < 0 || at_day(req, &day, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    char date[11];
    date_format(day, date);
    /* For each key the version in force on that day (the first version when none is yet). */
    sqlite3_stmt *st = db_stmt(db,
        "SELECT " COLS ", (SELECT min(n.valid_from) FROM procedure n WHERE n.key = p.key AND n.valid_from > ?1), "
        "(SELECT count(*) FROM procedure n WHERE n.key = p.key) FROM procedure p WHERE p.id = (SELECT q.id FROM "
        "procedure q WHERE q.key = p.key ORDER BY q.valid_from <= ?1 DESC, CASE WHEN q.valid_from <= ?1 THEN "
        "q.valid_from END DESC, q.valid_from, q.version DESC LIMIT 1) ORDER BY p.key", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, date, -1, SQLITE_TRANSIENT);
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_str(&w, "at", date);
    json_key(&w, "procedures");
    json_arr_begin(&w);
    while (sqlite3_step(st) == SQLITE_ROW) {
        write_proc(&w, st, (const char *)sqlite3_column_text(st, 20));
        json_kv_int(&w, "versions", sqlite3_column_int(st, 21));
        json_obj_end(&w);
    }
    db_stmt_done(st);
    json_arr_end(&w);
    json_obj_end(&w);
    http_reply(req, 200, "application/json");
    return 0;
}

int api_procedure(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"at", "version", NULL};
    int32_t day;
    if (http_query_check(req, allowed, err) < 0 || at_day(req, &day, err) < 0)
        return -1;
    const char *key = req->path_params[0];
    const char *vs = http_query(req, "version");
    long want = 0;
    if (vs) {
        char *end;
        want = strtol(vs, &end, 10);
        if (*end || want < 1)
            return rm_error_set(err, 400, "Invalid parameter", "version must be a whole number >= 1");
    }
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    char date[11];
    date_format(day, date);
    sqlite3_stmt *st = db_stmt(db,
        "SELECT " COLS ", (SELECT min(n.valid_from) FROM procedure n WHERE n.key = p.key AND n.valid_from > "
        "p.valid_from), (SELECT max(version) FROM procedure n WHERE n.key = p.key) FROM procedure p WHERE p.key = ?1 "
        "AND (?3 > 0 AND p.version = ?3 OR ?3 = 0) ORDER BY p.valid_from <= ?2 DESC, CASE WHEN p.valid_from <= ?2 "
        "THEN p.valid_from END DESC, p.valid_from, p.version DESC LIMIT 1", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, want);
    if (sqlite3_step(st) != SQLITE_ROW) {
        db_stmt_done(st);
        return rm_error_set(err, 404, "Not Found", "no procedure %.60s%s; GET /procedures lists them", key,
                            want ? " of that version" : "");
    }
    json_writer w;
    json_init(&w, &req->out);
    write_proc(&w, st, (const char *)sqlite3_column_text(st, 20));
    int latest = sqlite3_column_int(st, 21);
    db_stmt_done(st);
    json_key(&w, "versions");
    json_arr_begin(&w);
    st = db_stmt(db, "SELECT version, valid_from, created_by, created_at FROM procedure WHERE key = ? ORDER BY version",
                 err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_obj_begin(&w);
        json_kv_int(&w, "version", sqlite3_column_int(st, 0));
        json_kv_str(&w, "valid_from", (const char *)sqlite3_column_text(st, 1));
        json_kv_str(&w, "created_by", (const char *)sqlite3_column_text(st, 2));
        json_kv_str(&w, "created_at", (const char *)sqlite3_column_text(st, 3));
        json_obj_end(&w);
    }
    db_stmt_done(st);
    json_arr_end(&w);
    json_obj_end(&w);
    snprintf(req->etag, sizeof req->etag, "\"v%d\"", latest);
    http_reply(req, 200, "application/json");
    return 0;
}

/* The value of field `name`: the body's, else the latest version's (prev, may be NULL). */
static json_t *value(json_t *body, json_t *prev, const char *name)
{
    json_t *v = json_object_get(body, name);
    return v ? v : prev ? json_object_get(prev, name) : NULL;
}

static const char *check_text(json_t *v, const char *name, int max, bool required, edit_errors *e)
{
    if (!v || json_is_null(v)) {
        if (required)
            add_error(e, name, "is required");
        return NULL;
    }
    if (!json_is_string(v) || (required && !*json_string_value(v))) {
        add_error(e, name, "must be a%s string", required ? " non-empty" : "");
        return NULL;
    }
    if ((int)strlen(json_string_value(v)) > max) {
        add_error(e, name, "is longer than %d bytes", max);
        return NULL;
    }
    return json_string_value(v);
}

static const char *check_enum(json_t *v, const char *name, const char *const *values, bool required, edit_errors *e)
{
    const char *s = check_text(v, name, 40, required, e);
    if (!s)
        return NULL;
    for (const char *const *p = values; *p; p++)
        if (strcmp(*p, s) == 0)
            return s;
    buf l = BUF_INIT;
    for (const char *const *p = values; *p; p++)
        buf_appendf(&l, "%s%s", l.len ? ", " : "", *p);
    add_error(e, name, "'%.40s' is not allowed; values: %s", s, l.data);
    buf_free(&l);
    return NULL;
}

static int proc_write(http_request *req, bool create, rm_error *err)
{
    json_t *body = lic_json_body(req, err), *prev = NULL;
    if (!body)
        return -1;
    int rc = -1;
    db_conn *db = NULL;
    buf before = BUF_INIT, after = BUF_INIT, fee = BUF_INIT;
    edit_errors *e = calloc(1, sizeof *e);
    char key[65] = "";
    if (!e) {
        rm_error_set(err, 500, "Out of memory", "editing a procedure");
        goto cleanup;
    }
    if (!create) {
        snprintf(key, sizeof key, "%s", req->path_params[0]);
        if (!http_header(req, "If-Match")) {
            rm_error_set(err, 428, "Precondition Required", "send If-Match with the procedure's ETag (from GET "
                         "/procedures/%s)", key);
            goto cleanup;
        }
    }
    static const char *const fields[] = {"key", "name_vi", "name_en", "kind", "produces", "working_hours",
                                         "working_days", "supplement_rule", "completeness_hours", "fee_rule",
                                         "fee_note", "online_level", "legal_basis", "national_code", "example_code",
                                         "status_of_facts", "valid_from", NULL};
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v) {
        bool known = false;
        for (const char *const *p = fields; *p; p++)
            known |= strcmp(*p, k) == 0;
        if (!known && strcmp(k, "version") != 0 && strcmp(k, "valid_to") != 0 && strcmp(k, "versions") != 0 &&
            strcmp(k, "created_by") != 0 && strcmp(k, "created_at") != 0)
            add_error(e, k, "is not a field of a procedure");
    }
    if (!(db = lic_write_begin(req, err)))
        goto cleanup;
    int latest = 0;
    char latest_from[11] = "";
    if (create) {
        const char *kv = check_text(json_object_get(body, "key"), "key", 64, true, e);
        if (kv) {
            for (const char *p = kv; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) {
                    add_error(e, "key", "may hold only lower-case letters, digits and _");
                    break;
                }
            snprintf(key, sizeof key, "%s", kv);
        }
    } else if (json_object_get(body, "key") && !(json_is_string(json_object_get(body, "key")) &&
                                                 strcmp(json_string_value(json_object_get(body, "key")), key) == 0)) {
        add_error(e, "key", "differs from the key in the path");
    }
    /* The latest version: its number, its date, and its fields for a PUT. */
    sqlite3_stmt *st = db_stmt(db, "SELECT " COLS " FROM procedure WHERE key = ? ORDER BY version DESC LIMIT 1", err);
    if (!st)
        goto rollback;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        latest = sqlite3_column_int(st, 2);
        snprintf(latest_from, sizeof latest_from, "%s", (const char *)sqlite3_column_text(st, 3));
        json_writer bw;
        json_init(&bw, &before);
        write_proc(&bw, st, NULL);
        json_obj_end(&bw);
    }
    db_stmt_done(st);
    if (create && latest) {
        rm_error_set(err, 409, "Conflict", "procedure %s exists already; PUT /procedures/%s adds a version", key, key);
        goto rollback;
    }
    if (!create && !latest) {
        rm_error_set(err, 404, "Not Found", "no procedure %s", key);
        goto rollback;
    }
    if (!create && lic_if_match(req, latest, err) < 0)
        goto rollback;
    if (!create)
        prev = json_loads(before.data, 0, NULL);
    const char *name_vi = check_text(value(body, prev, "name_vi"), "name_vi", 1000, true, e);
    const char *name_en = check_text(value(body, prev, "name_en"), "name_en", 1000, true, e);
    const char *kind = check_enum(value(body, prev, "kind"), "kind", kinds, true, e);
    const char *prod = check_enum(value(body, prev, "produces"), "produces", produces, true, e);
    static const char *const rules[] = {"pause", "restart", NULL};
    json_t *sr = value(body, prev, "supplement_rule");
    const char *rule = sr ? check_enum(sr, "supplement_rule", rules, true, e) : "pause";
    static const char *const levels[] = {"toan_trinh", "mot_phan", NULL};
    const char *level = check_enum(value(body, prev, "online_level"), "online_level", levels, false, e);
    const char *texts[6];
    static const char *const tnames[] = {"fee_note", "legal_basis", "national_code", "example_code", "status_of_facts"};
    for (int i = 0; i < 5; i++)
        texts[i] = check_text(value(body, prev, tnames[i]), tnames[i], 2000, false, e);
    /* Working time: hours, or days of 8 hours. */
    json_t *wh = json_object_get(body, "working_hours"), *wd = json_object_get(body, "working_days");
    int64_t hours = 0;
    if (wh && wd)
        add_error(e, "working_days", "give working_hours or working_days, not both");
    else if (wd) {
        if (!json_is_integer(wd) || json_integer_value(wd) < 1 || json_integer_value(wd) > 365)
            add_error(e, "working_days", "must be a whole number from 1 to 365");
        else
            hours = json_integer_value(wd) * CAL_HOURS_PER_DAY;
    } else {
        json_t *h = value(body, prev, "working_hours");
        if (!h)
            add_error(e, "working_hours", "is required (or working_days)");
        else if (!json_is_integer(h) || json_integer_value(h) < 1 || json_integer_value(h) > 365 * CAL_HOURS_PER_DAY)
            add_error(e, "working_hours", "must be a whole number from 1 to %d", 365 * CAL_HOURS_PER_DAY);
        else
            hours = json_integer_value(h);
    }
    json_t *ch = value(body, prev, "completeness_hours");
    int64_t chours = 3 * CAL_HOURS_PER_DAY;
    if (ch && (!json_is_integer(ch) || json_integer_value(ch) < 0 || json_integer_value(ch) > 30 * CAL_HOURS_PER_DAY))
        add_error(e, "completeness_hours", "must be a whole number from 0 to %d", 30 * CAL_HOURS_PER_DAY);
    else if (ch)
        chours = json_integer_value(ch);
    json_t *fr = value(body, prev, "fee_rule");
    char why[200];
    if (!fr)
        buf_puts(&fee, "{\"kind\":\"unknown\"}");
    else if (lic_fee_rule_check(db, fr, why, sizeof why) < 0)
        add_error(e, "fee_rule", "%s", why);
    else {
        char *s = json_dumps(fr, JSON_COMPACT | JSON_SORT_KEYS);
        buf_puts(&fee, s ? s : "{\"kind\":\"unknown\"}");
        free(s);
    }
    char valid_from[11];
    date_format(date_today(), valid_from);
    json_t *vf = json_object_get(body, "valid_from");
    int32_t vday;
    if (vf && (!json_is_string(vf) || date_parse(json_string_value(vf), &vday) < 0))
        add_error(e, "valid_from", "must be a date YYYY-MM-DD");
    else if (vf)
        snprintf(valid_from, sizeof valid_from, "%s", json_string_value(vf));
    if (latest && strcmp(valid_from, latest_from) < 0)
        add_error(e, "valid_from", "must not be before %s, when version %d applies from", latest_from, latest);
    if (e->n) {
        lic_write_end(req, db, false, NULL);
        db = NULL;
        rc = reply_invalid(req, e);
        goto cleanup;
    }
    st = db_stmt(db,
        "INSERT INTO procedure(key, version, valid_from, name_vi, name_en, kind, produces, working_hours, "
        "supplement_rule, completeness_hours, fee_rule, fee_note, online_level, legal_basis, national_code, "
        "example_code, status_of_facts, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
        "?14, ?15, ?16, ?17, ?18)", err);
    if (!st)
        goto rollback;
    const char *tb[] = {key, NULL, valid_from, name_vi, name_en, kind, prod};
    for (int i = 0; i < 7; i++)
        if (tb[i])
            sqlite3_bind_text(st, i + 1, tb[i], -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, latest + 1);
    sqlite3_bind_int64(st, 8, hours);
    sqlite3_bind_text(st, 9, rule, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 10, chours);
    sqlite3_bind_text(st, 11, fee.data, -1, SQLITE_TRANSIENT);
    const char *tail[] = {texts[0], level, texts[1], texts[2], texts[3], texts[4], req->user_name};
    for (int i = 0; i < 7; i++)
        tail[i] ? sqlite3_bind_text(st, 12 + i, tail[i], -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 12 + i);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 422, "writing the procedure");
        goto rollback;
    }
    int64_t id = sqlite3_last_insert_rowid(db_sqlite(db));
    st = db_stmt(db, "SELECT " COLS " FROM procedure WHERE id = ?", err);
    if (!st)
        goto rollback;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        json_writer aw;
        json_init(&aw, &after);
        write_proc(&aw, st, NULL);
        json_obj_end(&aw);
    }
    db_stmt_done(st);
    if (audit_append(db, req->user_name, create ? "create" : "new_version", "procedures", id, NULL,
                     before.len ? before.data : NULL, after.data, err) < 0)
        goto rollback;
    if (lic_write_end(req, db, true, err) < 0) {
        db = NULL;
        goto cleanup;
    }
    db = NULL;
    buf_append(&req->out, after.data, after.len);
    char etag[32];
    snprintf(etag, sizeof etag, "\"v%d\"", latest + 1);
    http_set_header(req, "ETag", etag);
    buf loc = BUF_INIT;
    http_base_url(req, &loc);
    buf_appendf(&loc, "/procedures/%s?version=%d", key, latest + 1);
    http_set_header(req, "Location", loc.data);
    buf_free(&loc);
    req->no_etag = true;
    http_reply(req, 201, "application/json");
    rc = 0;
    goto cleanup;
rollback:
    lic_write_end(req, db, false, NULL);
    db = NULL;
cleanup:
    json_decref(body);
    json_decref(prev);
    buf_free(&before);
    buf_free(&after);
    buf_free(&fee);
    free(e);
    return rc;
}

int api_procedure_create(http_request *req, rm_error *err) { return proc_write(req, true, err); }
int api_procedure_version(http_request *req, rm_error *err) { return proc_write(req, false, err); }
