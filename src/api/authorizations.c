/*
 * authorizations: results recorded by the leader from the signed document (POST and GET
 * /dossiers/{id}/result) and their later suspension, revocation or reinstatement (POST
 * /authorizations/{id}/status). The authorizations collection itself is read-only through the OGC
 * API: it changes only here and through imports of the national regulator's register.
 *
 * A result needs the leader's approval first (step decision, approve). Its kind is what the
 * procedure produces; a renewal, amendment or re-issue names the authorization it changes, which
 * becomes superseded. Number, issue and expiry dates are taken as written on the document: the
 * expiry is never computed. Authorization, superseded one, dossier step, audit rows and the
 * change record of the facility's tiles are one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/edit_int.h"
#include "api/licensing_int.h"
#include "core/date.h"
#include "db/audit.h"

static int render(db_conn *db, int64_t id, buf *out, int64_t *version, rm_error *err)
{
    const coll_def *c = coll_find("authorizations");
    if (!c)
        return rm_error_set(err, 500, "Internal Server Error", "the authorizations collection is not defined");
    return features_render_one(db, c, id, VIS_FULL, date_today(), NULL, out, version, err);
}

static const char *str(json_t *body, const char *key, int max, bool required, edit_errors *e)
{
    json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v)) {
        if (required)
            add_error(e, key, "is required");
        return NULL;
    }
    if (!json_is_string(v) || (required && !*json_string_value(v)) || (int)strlen(json_string_value(v)) > max) {
        add_error(e, key, "must be a%s string of at most %d bytes", required ? " non-empty" : "", max);
        return NULL;
    }
    return json_string_value(v);
}

static int64_t id_of(json_t *body, const char *key, edit_errors *e)
{
    json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 1) {
        add_error(e, key, "must be a positive whole number");
        return 0;
    }
    return json_integer_value(v);
}

static int exec_id(db_conn *db, const char *sql, int64_t id, const char *what, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    return s == SQLITE_DONE ? 0 : db_error(db, err, 500, what);
}

int api_dossier_result(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t id = lic_path_id(req, 0);
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    sqlite3_stmt *st = db_stmt(db, "SELECT id FROM authorization WHERE dossier_id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int64_t aid = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    db_stmt_done(st);
    if (!aid)
        return rm_error_set(err, 404, "Not Found", "dossier %.40s has no recorded result", req->path_params[0]);
    int64_t version = 0;
    if (render(db, aid, &req->out, &version, err) <= 0)
        return -1;
    req->no_etag = true;
    http_reply(req, 200, "application/geo+json");
    return 0;
}

int api_dossier_result_record(http_request *req, rm_error *err)
{
    int64_t id = lic_path_id(req, 0);
    if (!id)
        return rm_error_set(err, 404, "Not Found", "no dossier %.40s", req->path_params[0]);
    json_t *body = lic_json_body(req, err);
    if (!body)
        return -1;
    int rc = -1;
    db_conn *db = NULL;
    buf before = BUF_INIT, after = BUF_INIT, old = BUF_INIT, cond = BUF_INIT;
    edit_errors *e = calloc(1, sizeof *e);
    if (!e) {
        rm_error_set(err, 500, "Out of memory", "recording a result");
        goto cleanup;
    }
    static const char *const keys[] = {"number", "kind", "subject_type", "facility_id", "device_id", "person_name",
                                       "person_ref", "issued", "expires", "conditions", "changes", "signed_by",
                                       "at", "note", NULL};
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v) {
        bool known = false;
        for (const char *const *p = keys; *p; p++)
            known |= strcmp(*p, k) == 0;
        if (!known)
            add_error(e, k, "is not a field of a result; fields: number, kind, subject_type, facility_id, device_id, "
                      "person_name, person_ref, issued, expires, conditions, changes, signed_by, at, note");
    }
    if (!(db = lic_write_begin(req, err)))
        goto cleanup;
    lic_dossier d;
    int found = lic_dossier_load(db, id, &d, err);
    if (found <= 0) {
        if (!found)
            rm_error_set(err, 404, "Not Found", "no dossier %lld", (long long)id);
        goto rollback;
    }
    if (lic_if_match(req, d.version, err) < 0)
        goto rollback;
    if (!lic_step_allowed(d.step, d.result, "result_recorded")) {
        rm_error_set(err, 409, "Step not allowed", "dossier %s is at step %s%s%s: a result is recorded after the "
                     "leader's approval (step decision, approve)", d.receipt_no, d.step,
                     d.result[0] ? " with result " : "", d.result);
        goto rollback;
    }
    lic_proc p;
    bool have_proc = d.procedure_id && lic_proc_by_id(db, d.procedure_id, &p, err) == 1;
    const char *number = str(body, "number", 60, true, e);
    const char *kind = have_proc ? p.produces : str(body, "kind", 40, true, e);
    if (have_proc && json_object_get(body, "kind") &&
        !(json_is_string(json_object_get(body, "kind")) && strcmp(json_string_value(json_object_get(body, "kind")),
                                                                  p.produces) == 0))
        add_error(e, "kind", "procedure %s produces a %s", p.key, p.produces);
    const char *change = "new";
    if (have_proc && strcmp(p.kind, "renewal") == 0)
        change = "renewal";
    else if (have_proc && strcmp(p.kind, "amendment") == 0)
        change = "amendment";
    else if (have_proc && strcmp(p.kind, "reissue") == 0)
        change = "reissue";
    const char *subject = str(body, "subject_type", 10, false, e);
    if (!subject)
        subject = kind && strcmp(kind, "worker_certificate") == 0 ? "person" : "facility";
    if (strcmp(subject, "facility") != 0 && strcmp(subject, "device") != 0 && strcmp(subject, "person") != 0)
        add_error(e, "subject_type", "must be facility, device or person");
    int64_t fac = id_of(body, "facility_id", e), dev = id_of(body, "device_id", e), changes = id_of(body, "changes", e);
    if (!fac)
        fac = d.facility_id;
    if (!fac)
        add_error(e, "facility_id", "is required: the dossier names no facility");
    double lon = 0, lat = 0;
    if (fac) {
        sqlite3_stmt *st = db_stmt(db, "SELECT lon, lat FROM facility WHERE id = ?", err);
        if (!st)
            goto rollback;
        sqlite3_bind_int64(st, 1, fac);
        if (sqlite3_step(st) == SQLITE_ROW) {
            lon = sqlite3_column_double(st, 0);
            lat = sqlite3_column_double(st, 1);
        } else {
            add_error(e, "facility_id", "%lld does not exist", (long long)fac);
        }
        db_stmt_done(st);
    }
    if (strcmp(subject, "device") == 0) {
        sqlite3_stmt *st = db_stmt(db, "SELECT facility_id FROM device WHERE id = ?", err);
        if (!st)
            goto rollback;
        sqlite3_bind_int64(st, 1, dev);
        int64_t at = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        db_stmt_done(st);
        if (!dev || !at)
            add_error(e, "device_id", "is required for a device subject and must exist");
        else if (at != fac)
            add_error(e, "device_id", "device %lld is held by facility %lld, not %lld", (long long)dev, (long long)at,
                      (long long)fac);
    } else if (dev) {
        add_error(e, "device_id", "only a device subject names a device");
    }
    const char *person = str(body, "person_name", 200, strcmp(subject, "person") == 0, e);
    const char *person_ref = str(body, "person_ref", 100, false, e);
    const char *signed_by = str(body, "signed_by", 200, false, e);
    const char *note = str(body, "note", 4000, false, e);
    const char *issued = str(body, "issued", 10, true, e), *expires = str(body, "expires", 10, false, e);
    int32_t di = 0, dx = 0;
    if (issued && date_parse(issued, &di) < 0)
        add_error(e, "issued", "must be a date YYYY-MM-DD");
    else if (issued && di > date_today())
        add_error(e, "issued", "must not be in the future");
    else if (issued && d.received != LIC_NONE && di < cal_day_of(d.received))
        add_error(e, "issued", "is before the dossier was received");
    if (expires && date_parse(expires, &dx) < 0)
        add_error(e, "expires", "must be a date YYYY-MM-DD (as written on the document) or null");
    else if (expires && issued && dx <= di)
        add_error(e, "expires", "must be after issued");
    json_t *cj = json_object_get(body, "conditions");
    if (cj && !json_is_null(cj)) {
        if (!json_is_object(cj) && !json_is_array(cj)) {
            add_error(e, "conditions", "must be a JSON object or array (practices, devices, rooms ...)");
        } else {
            char *s = json_dumps(cj, JSON_COMPACT);
            buf_puts(&cond, s ? s : "");
            free(s);
            if (cond.len > 20000)
                add_error(e, "conditions", "is longer than 20000 bytes");
        }
    }
    cal_minute now = cal_now(), at = now;
    json_t *atv = json_object_get(body, "at");
    if (atv && (!json_is_string(atv) || cal_parse_instant(json_string_value(atv), 0, &at) < 0 || at > now + 5))
        add_error(e, "at", "must be a date and time not in the future");
    else if (d.decided != LIC_NONE && at < d.decided)
        add_error(e, "at", "must not be before the decision");
    /* What a renewal, amendment or re-issue changes. */
    if (strcmp(change, "new") == 0 && changes)
        add_error(e, "changes", "a new %s changes no earlier authorization (procedure %s)", kind ? kind : "result",
                  have_proc ? p.key : "unknown");
    if (strcmp(change, "new") != 0 && !changes)
        add_error(e, "changes", "a %s names the authorization it changes (its id)", change);
    if (changes) {
        sqlite3_stmt *st = db_stmt(db, "SELECT kind, facility_id, status, record_owner FROM authorization WHERE id = ?",
                                   err);
        if (!st)
            goto rollback;
        sqlite3_bind_int64(st, 1, changes);
        if (sqlite3_step(st) != SQLITE_ROW) {
            add_error(e, "changes", "authorization %lld does not exist", (long long)changes);
        } else {
            const char *ck = (const char *)sqlite3_column_text(st, 0), *cs = (const char *)sqlite3_column_text(st, 2);
            if (strcmp((const char *)sqlite3_column_text(st, 3), "department") != 0)
                add_error(e, "changes", "authorization %lld belongs to the national regulator's register",
                          (long long)changes);
            else if (kind && strcmp(ck, kind) != 0)
                add_error(e, "changes", "authorization %lld is a %s, not a %s", (long long)changes, ck, kind);
            else if (sqlite3_column_int64(st, 1) != fac)
                add_error(e, "changes", "authorization %lld is of facility %lld", (long long)changes,
                          (long long)sqlite3_column_int64(st, 1));
            else if (strcmp(cs, "revoked") == 0 || strcmp(cs, "superseded") == 0)
                add_error(e, "changes", "authorization %lld is %s", (long long)changes, cs);
        }
        db_stmt_done(st);
    }
    if (e->n) {
        lic_write_end(req, db, false, NULL);
        db = NULL;
        rc = reply_invalid(req, e);
        goto cleanup;
    }
    cal_calendar *cal = cal_create();
    json_writer bw;
    json_init(&bw, &before);
    int wr = cal ? lic_dossier_write(&bw, db, cal, id, LIC_DOSSIER_SUMMARY, LIC_NONE, err) : -1;
    cal_destroy(cal);
    if (wr < 0)
        goto rollback;
    if (changes && render(db, changes, &old, NULL, err) < 0)
        goto rollback;
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO authorization(number, kind, subject_type, facility_id, device_id, person_name, person_ref, issued, "
        "expires, change_kind, supersedes_id, conditions, dossier_id, signed_by, lon, lat, geom) VALUES (?1, ?2, ?3, ?4, "
        "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, MakePoint(?15, ?16, 4326))", err);
    if (!st)
        goto rollback;
    const char *texts[] = {number, kind, subject};
    for (int i = 0; i < 3; i++)
        sqlite3_bind_text(st, i + 1, texts[i], -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, fac);
    dev ? sqlite3_bind_int64(st, 5, dev) : sqlite3_bind_null(st, 5);
    person ? sqlite3_bind_text(st, 6, person, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 6);
    person_ref ? sqlite3_bind_text(st, 7, person_ref, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 7);
    sqlite3_bind_text(st, 8, issued, -1, SQLITE_TRANSIENT);
    expires ? sqlite3_bind_text(st, 9, expires, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 9);
    sqlite3_bind_text(st, 10, change, -1, SQLITE_STATIC);
    changes ? sqlite3_bind_int64(st, 11, changes) : sqlite3_bind_null(st, 11);
    cond.len ? sqlite3_bind_text(st, 12, cond.data, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 12);
    sqlite3_bind_int64(st, 13, id);
    signed_by ? sqlite3_bind_text(st, 14, signed_by, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 14);
    sqlite3_bind_double(st, 15, lon);
    sqlite3_bind_double(st, 16, lat);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        if (sqlite3_extended_errcode(db_sqlite(db)) == SQLITE_CONSTRAINT_UNIQUE)
            rm_error_set(err, 409, "Conflict", "an authorization numbered %s exists already", number);
        else
            db_error(db, err, 422, "writing the authorization");
        goto rollback;
    }
    int64_t aid = sqlite3_last_insert_rowid(db_sqlite(db));
    if (changes) {
        if (exec_id(db, "UPDATE authorization SET status = 'superseded', version = version + 1, updated_at = "
                        "strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?", changes, "superseding", err) < 0)
            goto rollback;
        buf now_json = BUF_INIT;
        int r = render(db, changes, &now_json, NULL, err);
        if (r >= 0)
            r = audit_append(db, req->user_name, "supersede", "authorizations", changes, NULL, old.data, now_json.data,
                             err);
        buf_free(&now_json);
        if (r < 0)
            goto rollback;
    }
    st = db_stmt(db, "UPDATE dossier SET step = 'result_recorded', national_status = 9, version = version + 1, "
                     "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?", err);
    if (!st)
        goto rollback;
    sqlite3_bind_int64(st, 1, id);
    s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 500, "updating the dossier");
        goto rollback;
    }
    st = db_stmt(db, "INSERT INTO dossier_step(dossier_id, step, national_status, at, user_name, origin, note, data) "
                     "VALUES (?1, 'result_recorded', 9, ?2, ?3, 'user', ?4, json_object('authorization_id', ?5, "
                     "'number', ?6))", err);
    if (!st)
        goto rollback;
    sqlite3_bind_int64(st, 1, id);
    lic_bind_instant(st, 2, at);
    sqlite3_bind_text(st, 3, req->user_name, -1, SQLITE_TRANSIENT);
    note ? sqlite3_bind_text(st, 4, note, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 4);
    sqlite3_bind_int64(st, 5, aid);
    sqlite3_bind_text(st, 6, number, -1, SQLITE_TRANSIENT);
    s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 500, "recording the step");
        goto rollback;
    }
    if (render(db, aid, &after, NULL, err) <= 0 ||
        audit_append(db, req->user_name, "create", "authorizations", aid, NULL, NULL, after.data, err) < 0 ||
        lic_audit_dossier(db, req, "step:result_recorded", id, before.data, err) < 0 ||
        lic_tile_change_facility(db, "authorizations", fac, err) < 0)
        goto rollback;
    if (lic_write_end(req, db, true, err) < 0) {
        db = NULL;
        goto cleanup;
    }
    db = NULL;
    buf_append(&req->out, after.data, after.len);
    buf loc = BUF_INIT;
    http_base_url(req, &loc);
    buf_appendf(&loc, "/collections/authorizations/items/%lld", (long long)aid);
    http_set_header(req, "Location", loc.data);
    buf_free(&loc);
    req->no_etag = true;
    http_reply(req, 201, "application/geo+json");
    rc = 0;
    goto cleanup;
rollback:
    lic_write_end(req, db, false, NULL);
    db = NULL;
cleanup:
    json_decref(body);
    buf_free(&before);
    buf_free(&after);
    buf_free(&old);
    buf_free(&cond);
    free(e);
    return rc;
}

int api_authorization_status(http_request *req, rm_error *err)
{
    int64_t id = lic_path_id(req, 0);
    if (!id)
        return rm_error_set(err, 404, "Not Found", "no authorization %.40s", req->path_params[0]);
    json_t *body = lic_json_body(req, err);
    if (!body)
        return -1;
    int rc = -1;
    db_conn *db = NULL;
    buf before = BUF_INIT, after = BUF_INIT;
    edit_errors *e = calloc(1, sizeof *e);
    if (!e) {
        rm_error_set(err, 500, "Out of memory", "changing a status");
        goto cleanup;
    }
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v) if (strcmp(k, "status") != 0 && strcmp(k, "reason") != 0)
        add_error(e, k, "is not a field; fields: status, reason");
    const char *status = str(body, "status", 20, true, e), *reason = str(body, "reason", 4000, true, e);
    if (status && strcmp(status, "suspended") != 0 && strcmp(status, "revoked") != 0 && strcmp(status, "issued") != 0)
        add_error(e, "status", "must be suspended, revoked or issued (reinstated)");
    if (e->n) {
        rc = reply_invalid(req, e);
        goto cleanup;
    }
    if (!(db = lic_write_begin(req, err)))
        goto cleanup;
    sqlite3_stmt *st = db_stmt(db, "SELECT status, record_owner, version, facility_id FROM authorization WHERE id = ?",
                               err);
    if (!st)
        goto rollback;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        db_stmt_done(st);
        rm_error_set(err, 404, "Not Found", "no authorization %lld", (long long)id);
        goto rollback;
    }
    char cur[16], owner[16];
    snprintf(cur, sizeof cur, "%s", (const char *)sqlite3_column_text(st, 0));
    snprintf(owner, sizeof owner, "%s", (const char *)sqlite3_column_text(st, 1));
    int64_t version = sqlite3_column_int64(st, 2), fac = sqlite3_column_int64(st, 3);
    db_stmt_done(st);
    if (strcmp(owner, "department") != 0) {
        rm_error_set(err, 403, "Forbidden", "authorization %lld belongs to the national regulator's register and is "
                     "read-only here", (long long)id);
        goto rollback;
    }
    if (lic_if_match(req, version, err) < 0)
        goto rollback;
    bool ok = (strcmp(cur, "issued") == 0 && strcmp(status, "issued") != 0) ||
              (strcmp(cur, "suspended") == 0 && strcmp(status, "suspended") != 0);
    if (!ok) {
        rm_error_set(err, 409, "Conflict", "authorization %lld is %s; it cannot become %s", (long long)id, cur, status);
        goto rollback;
    }
    if (render(db, id, &before, NULL, err) < 0)
        goto rollback;
    st = db_stmt(db, "UPDATE authorization SET status = ?2, status_reason = ?3, version = version + 1, updated_at = "
                     "strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1", err);
    if (!st)
        goto rollback;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, reason, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 500, "changing the status");
        goto rollback;
    }
    int64_t nv = 0;
    if (render(db, id, &after, &nv, err) <= 0 ||
        audit_append(db, req->user_name, strcmp(status, "issued") == 0 ? "reinstate" : status, "authorizations", id,
                     NULL, before.data, after.data, err) < 0 ||
        lic_tile_change_facility(db, "authorizations", fac, err) < 0)
        goto rollback;
    if (lic_write_end(req, db, true, err) < 0) {
        db = NULL;
        goto cleanup;
    }
    db = NULL;
    buf_append(&req->out, after.data, after.len);
    req->no_etag = true;
    http_reply(req, 200, "application/geo+json");
    rc = 0;
    goto cleanup;
rollback:
    lic_write_end(req, db, false, NULL);
    db = NULL;
cleanup:
    json_decref(body);
    buf_free(&before);
    buf_free(&after);
    free(e);
    return rc;
}
