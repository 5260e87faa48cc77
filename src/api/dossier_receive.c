/*
 * dossier_receive: POST /dossiers, the counter's receipt of a dossier when the one-stop system is
 * not connected. radmap issues the receipt number (PREFIX-YYMMDD-NNNN, one counter per day of
 * receipt; the prefix is meta.receipt_prefix, "SKHCN" by default), takes the procedure version in
 * force on the day of receipt, and computes the due instant (counter filings) or the completeness
 * check's due instant (postal and online filings). Every field is checked before anything is
 * written (422 listing the bad ones); the dossier, its first step, its devices and the audit row
 * are one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/edit_int.h"
#include "api/licensing_int.h"
#include "core/date.h"
#include "db/licensing.h"

#define MAX_DEVICES 200

static const char *text_field(json_t *body, const char *key, int max, bool required, edit_errors *e)
{
    json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v)) {
        if (required)
            add_error(e, key, "is required");
        return NULL;
    }
    if (!json_is_string(v) || (required && !*json_string_value(v))) {
        add_error(e, key, required ? "must be a non-empty string" : "must be a string");
        return NULL;
    }
    if ((int)strlen(json_string_value(v)) > max) {
        add_error(e, key, "is longer than %d bytes", max);
        return NULL;
    }
    return json_string_value(v);
}

static int64_t id_field(db_conn *db, json_t *body, const char *key, const char *table, edit_errors *e)
{
    json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 1) {
        add_error(e, key, "must be a positive whole number");
        return 0;
    }
    char sql[80];
    snprintf(sql, sizeof sql, "SELECT 1 FROM %s WHERE id = ?", table);
    sqlite3_stmt *st = db_stmt(db, sql, NULL);
    int found = 0;
    if (st) {
        sqlite3_bind_int64(st, 1, json_integer_value(v));
        found = sqlite3_step(st) == SQLITE_ROW;
        db_stmt_done(st);
    }
    if (!found)
        add_error(e, key, "%lld does not exist", (long long)json_integer_value(v));
    return json_integer_value(v);
}

/* The next receipt number of the day of `received`. */
static int issue_receipt_no(db_conn *db, cal_minute received, char out[80], rm_error *err)
{
    char day[11];
    date_format(cal_day_of(received), day);
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO receipt_counter(day, last) VALUES (?1, 1) "
                                    "ON CONFLICT(day) DO UPDATE SET last = last + 1 RETURNING last", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, day, -1, SQLITE_TRANSIENT);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    db_stmt_done(st);
    if (!n)
        return db_error(db, err, 500, "issuing a receipt number");
    char prefix[32] = "SKHCN";
    st = db_stmt(db, "SELECT value FROM meta WHERE key = 'receipt_prefix'", err);
    if (!st)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(prefix, sizeof prefix, "%s", (const char *)sqlite3_column_text(st, 0));
    db_stmt_done(st);
    /* day is YYYY-MM-DD: the receipt carries YYMMDD. */
    snprintf(out, 80, "%s-%.2s%.2s%.2s-%04lld", prefix, day + 2, day + 5, day + 8, (long long)n);
    return 0;
}

int api_dossier_create(http_request *req, rm_error *err)
{
    json_t *body = lic_json_body(req, err);
    if (!body)
        return -1;
    int rc = -1;
    db_conn *db = NULL;
    cal_calendar *cal = NULL;
    edit_errors *e = calloc(1, sizeof *e);
    if (!e) {
        json_decref(body);
        return rm_error_set(err, 500, "Out of memory", "receiving a dossier");
    }
    static const char *const keys[] = {"procedure", "applicant", "organization_id", "facility_id", "channel",
                                       "received_at", "devices", "persons", "note", NULL};
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v) {
        bool known = false;
        for (const char *const *p = keys; *p; p++)
            known |= strcmp(*p, k) == 0;
        if (!known)
            add_error(e, k, "is not a field of a dossier received here; fields: procedure, applicant, "
                      "organization_id, facility_id, channel, received_at, devices, persons, note (the receipt "
                      "number is issued)");
    }
    if (!(db = lic_write_begin(req, err)))
        goto cleanup;
    const char *proc_key = text_field(body, "procedure", 64, true, e);
    const char *applicant = text_field(body, "applicant", 300, true, e);
    const char *note = text_field(body, "note", 4000, false, e);
    const char *channel = text_field(body, "channel", 10, false, e);
    if (!channel)
        channel = "counter";
    else if (strcmp(channel, "counter") != 0 && strcmp(channel, "postal") != 0 && strcmp(channel, "online") != 0)
        add_error(e, "channel", "must be counter, postal or online");
    int64_t org = id_field(db, body, "organization_id", "organization", e);
    int64_t fac = id_field(db, body, "facility_id", "facility", e);
    int persons = 1;
    json_t *pv = json_object_get(body, "persons");
    if (pv && !json_is_null(pv)) {
        if (!json_is_integer(pv) || json_integer_value(pv) < 0 || json_integer_value(pv) > 10000)
            add_error(e, "persons", "must be a whole number from 0 to 10000");
        else
            persons = (int)json_integer_value(pv);
    }
    cal_minute now = cal_now(), received = now;
    json_t *rv = json_object_get(body, "received_at");
    if (rv && !json_is_null(rv)) {
        if (!json_is_string(rv) || cal_parse_instant(json_string_value(rv), 0, &received) < 0)
            add_error(e, "received_at", "must be a date and time, e.g. 2026-03-02T09:00:00+07:00");
        else if (received > now + 5)
            add_error(e, "received_at", "must not be in the future");
    }
    lic_proc p;
    if (proc_key) {
        int found = lic_proc_in_force(db, proc_key, cal_day_of(received), &p, err);
        if (found < 0)
            goto rollback;
        if (!found)
            add_error(e, "procedure", "'%.60s' is not a procedure key or code; GET /procedures lists them", proc_key);
    }
    json_t *devs = json_object_get(body, "devices");
    int64_t dev_ids[MAX_DEVICES];
    int ndev = 0;
    if (devs && !json_is_null(devs)) {
        if (!json_is_array(devs) || json_array_size(devs) > MAX_DEVICES) {
            add_error(e, "devices", "must be an array of at most %d device ids", MAX_DEVICES);
        } else {
            size_t i;
            json_t *x;
            json_array_foreach(devs, i, x) {
                if (!json_is_integer(x) || json_integer_value(x) < 1) {
                    add_error(e, "devices", "item %zu must be a device id", i);
                    continue;
                }
                sqlite3_stmt *st = db_stmt(db, "SELECT facility_id FROM device WHERE id = ?", err);
                if (!st)
                    goto rollback;
                sqlite3_bind_int64(st, 1, json_integer_value(x));
                int found = sqlite3_step(st) == SQLITE_ROW;
                int64_t at = found ? sqlite3_column_int64(st, 0) : 0;
                db_stmt_done(st);
                if (!found)
                    add_error(e, "devices", "device %lld does not exist", (long long)json_integer_value(x));
                else if (fac && at != fac)
                    add_error(e, "devices", "device %lld is held by facility %lld, not by facility %lld",
                              (long long)json_integer_value(x), (long long)at, (long long)fac);
                else
                    dev_ids[ndev++] = json_integer_value(x);
            }
        }
    }
    if (e->n) {
        lic_write_end(req, db, false, NULL);
        db = NULL;
        rc = reply_invalid(req, e);
        goto cleanup;
    }
    if (!(cal = licensing_calendar(db, err)))
        goto rollback;
    bool counter = strcmp(channel, "counter") == 0;
    cal_minute due = counter ? cal_add_work_minutes(cal, received, (int64_t)p.working_hours * 60) : LIC_NONE;
    cal_minute cdue = counter ? LIC_NONE : cal_add_work_minutes(cal, received, (int64_t)p.completeness_hours * 60);
    char receipt[80];
    if (issue_receipt_no(db, received, receipt, err) < 0)
        goto rollback;
    const char *step = counter ? "received" : "filed";
    int code = counter ? 2 : 1;
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO dossier(receipt_no, origin, procedure_id, procedure_code, applicant, organization_id, facility_id, "
        "persons, channel, received_at, completeness_due_at, complete_at, due_at, step, national_status, note, "
        "received_by) VALUES (?1, 'counter', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)", err);
    if (!st)
        goto rollback;
    sqlite3_bind_text(st, 1, receipt, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, p.id);
    sqlite3_bind_text(st, 3, p.key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, applicant, -1, SQLITE_TRANSIENT);
    org ? sqlite3_bind_int64(st, 5, org) : sqlite3_bind_null(st, 5);
    fac ? sqlite3_bind_int64(st, 6, fac) : sqlite3_bind_null(st, 6);
    sqlite3_bind_int(st, 7, persons);
    sqlite3_bind_text(st, 8, channel, -1, SQLITE_TRANSIENT);
    lic_bind_instant(st, 9, received);
    lic_bind_instant(st, 10, cdue);
    lic_bind_instant(st, 11, counter ? received : LIC_NONE);
    lic_bind_instant(st, 12, due);
    sqlite3_bind_text(st, 13, step, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 14, code);
    note ? sqlite3_bind_text(st, 15, note, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 15);
    sqlite3_bind_text(st, 16, req->user_name, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 422, "writing the dossier");
        goto rollback;
    }
    int64_t id = sqlite3_last_insert_rowid(db_sqlite(db));
    st = db_stmt(db, "INSERT INTO dossier_step(dossier_id, step, national_status, at, user_name, origin, due_after) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, 'user', ?6)", err);
    if (!st)
        goto rollback;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, step, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, code);
    lic_bind_instant(st, 4, received);
    sqlite3_bind_text(st, 5, req->user_name, -1, SQLITE_TRANSIENT);
    lic_bind_instant(st, 6, due);
    s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 500, "recording the first step");
        goto rollback;
    }
    for (int i = 0; i < ndev; i++) {
        st = db_stmt(db, "INSERT OR IGNORE INTO dossier_device(dossier_id, device_id) VALUES (?, ?)", err);
        if (!st)
            goto rollback;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, dev_ids[i]);
        s = sqlite3_step(st);
        db_stmt_done(st);
        if (s != SQLITE_DONE) {
            db_error(db, err, 500, "listing the dossier's devices");
            goto rollback;
        }
    }
    if (lic_audit_dossier(db, req, "create", id, NULL, err) < 0)
        goto rollback;
    if (lic_write_end(req, db, true, err) < 0) {
        db = NULL;
        goto cleanup;
    }
    db = NULL;
    db_conn *rdb = http_thread_db(req, err);
    if (!rdb)
        goto cleanup;
    json_writer w;
    json_init(&w, &req->out);
    if (lic_dossier_write(&w, rdb, cal, id, LIC_DOSSIER_DETAIL_FOR(req), cal_now(), err) <= 0)
        goto cleanup;
    buf loc = BUF_INIT;
    http_base_url(req, &loc);
    buf_appendf(&loc, "/dossiers/%lld", (long long)id);
    http_set_header(req, "Location", loc.data);
    buf_free(&loc);
    http_set_header(req, "ETag", "\"v1\"");
    req->no_etag = true;
    http_reply(req, 201, "application/json");
    rc = 0;
    goto cleanup;
rollback:
    lic_write_end(req, db, false, NULL);
    db = NULL;
cleanup:
    cal_destroy(cal);
    json_decref(body);
    free(e);
    return rc;
}
