/*
 * enforcement: inspection findings become violations (with their legal basis), sanction decisions
 * and corrective actions with deadlines and their verification (/violations, /corrective-actions).
 * A violation closes when every corrective action on it is verified. A facility's
 * enforcement_status (db/collection.c: overdue, sanctioned, open) follows in GeoJSON and tiles; every
 * write records a tile change at the facility so cached tiles follow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/lifecycle_int.h"
#include "core/date.h"
#include "db/audit.h"
#include "db/lifecycle.h"

static const char *const sanction_kinds[] = {"warning", "fine", "suspension", "revocation", "other", NULL};

static const coll_field violation_fields[] = {
    {"facility_id", NULL, PROP_INT, true, 0, 1, 9e15, NULL, NULL, "SELECT 1 FROM facility WHERE id = ?", RULE_NONE},
    {"inspection_id", NULL, PROP_INT, false, 0, 1, 9e15, NULL, NULL, "SELECT 1 FROM inspection WHERE id = ?", RULE_NONE},
    {"finding", NULL, PROP_TEXT, true, 4000, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"legal_basis", NULL, PROP_TEXT, true, 1000, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"found_on", NULL, PROP_TEXT, true, 10, 0, 0, NULL, NULL, NULL, RULE_DATE_NOT_FUTURE},
    {NULL, NULL, 0, false, 0, 0, 0, NULL, NULL, NULL, RULE_NONE},
};
static const coll_field sanction_fields[] = {
    {"decision_no", NULL, PROP_TEXT, true, 100, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"decided_on", NULL, PROP_TEXT, true, 10, 0, 0, NULL, NULL, NULL, RULE_DATE_NOT_FUTURE},
    {"kind", NULL, PROP_TEXT, true, 20, 0, 0, sanction_kinds, NULL, NULL, RULE_NONE},
    {"fine_vnd", NULL, PROP_INT, false, 0, 0, 1e13, NULL, NULL, NULL, RULE_NONE},
    {"note", NULL, PROP_TEXT, false, 4000, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {NULL, NULL, 0, false, 0, 0, 0, NULL, NULL, NULL, RULE_NONE},
};
static const coll_field action_fields[] = {
    {"action", NULL, PROP_TEXT, true, 4000, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"due", NULL, PROP_TEXT, true, 10, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {NULL, NULL, 0, false, 0, 0, 0, NULL, NULL, NULL, RULE_NONE},
};
static const coll_field action_patch_fields[] = {
    {"done_on", NULL, PROP_TEXT, false, 10, 0, 0, NULL, NULL, NULL, RULE_DATE_NOT_FUTURE},
    {"verified_on", NULL, PROP_TEXT, false, 10, 0, 0, NULL, NULL, NULL, RULE_DATE_NOT_FUTURE},
    {"due", NULL, PROP_TEXT, false, 10, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {NULL, NULL, 0, false, 0, 0, 0, NULL, NULL, NULL, RULE_NONE},
};

#define VIOLATION_JSON                                                                                          \
    "SELECT json_object('id', v.id, 'facility_id', v.facility_id, 'inspection_id', v.inspection_id, 'finding', "  \
    "v.finding, 'legal_basis', v.legal_basis, 'found_on', v.found_on, 'closed_on', v.closed_on, 'status', "        \
    "CASE WHEN v.closed_on IS NOT NULL THEN 'closed' WHEN EXISTS (SELECT 1 FROM corrective_action c WHERE "        \
    "c.violation_id = v.id AND c.verified_on IS NULL AND c.due < date(2440587.5 + ?2)) THEN 'overdue' ELSE 'open' " \
    "END, 'sanctions', (SELECT json_group_array(json_object('id', s.id, 'decision_no', s.decision_no, "           \
    "'decided_on', s.decided_on, 'kind', s.kind, 'fine_vnd', s.fine_vnd, 'signed_by', s.signed_by, 'note', "      \
    "s.note)) FROM sanction s WHERE s.violation_id = v.id), 'corrective_actions', (SELECT json_group_array("      \
    "json_object('id', c.id, 'action', c.action, 'due', c.due, 'done_on', c.done_on, 'verified_on', "            \
    "c.verified_on, 'verified_by', c.verified_by, 'overdue', json(CASE WHEN c.verified_on IS NULL AND c.due < "  \
    "date(2440587.5 + ?2) THEN 'true' ELSE 'false' END))) FROM corrective_action c WHERE c.violation_id = v.id), " \
    "'created_by', v.created_by) AS j FROM violation v"

static int render_violation(db_conn *db, int64_t id, buf *out, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, VIOLATION_JSON " WHERE v.id = ?1", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, date_today());
    int rc = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        buf_puts(out, (const char *)sqlite3_column_text(st, 0));
        rc = 1;
    }
    db_stmt_done(st);
    return rc;
}

int api_violations(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"facility_id", "overdue", NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    const char *fac = http_query(req, "facility_id"), *od = http_query(req, "overdue");
    if (od && strcmp(od, "true") != 0 && strcmp(od, "false") != 0)
        return rm_error_set(err, 400, "Invalid parameter", "overdue must be true or false");
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    sqlite3_stmt *st = db_stmt(db, "SELECT json_group_array(json(j)) FROM (" VIOLATION_JSON
                                    " WHERE (?1 IS NULL OR v.facility_id = ?1) ORDER BY v.id) "
                                    "WHERE ?3 IS NULL OR (json_extract(j, '$.status') = 'overdue') = (?3 = 'true')", err);
    if (!st)
        return -1;
    if (fac)
        sqlite3_bind_int64(st, 1, strtoll(fac, NULL, 10));
    sqlite3_bind_int64(st, 2, date_today());
    if (od)
        sqlite3_bind_text(st, 3, od, -1, SQLITE_TRANSIENT);
    buf_puts(&req->out, "{\"violations\":");
    buf_puts(&req->out, sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : "[]");
    buf_putc(&req->out, '}');
    db_stmt_done(st);
    http_reply(req, 200, "application/json");
    return 0;
}

int api_violation(http_request *req, rm_error *err)
{
    db_conn *db = http_thread_db(req, err);
    int64_t id = lc_path_id(req, 0);
    if (!db)
        return -1;
    int r = id ? render_violation(db, id, &req->out, err) : 0;
    if (r < 0)
        return -1;
    if (!r)
        return rm_error_set(err, 404, "Not Found", "no violation %.40s", req->path_params[0]);
    http_reply(req, 200, "application/json");
    return 0;
}

/* The facility of violation id (0: none), with a tile change at its position. */
static int64_t touch_facility(db_conn *db, int64_t violation_id, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT f.id, f.lon, f.lat FROM violation v JOIN facility f ON f.id = v.facility_id "
                                    "WHERE v.id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, violation_id);
    int64_t fid = 0;
    double lon = 0, lat = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        fid = sqlite3_column_int64(st, 0);
        lon = sqlite3_column_double(st, 1);
        lat = sqlite3_column_double(st, 2);
    }
    db_stmt_done(st);
    if (fid && lifecycle_tile_change(db, "facilities", lon, lat, err) < 0)
        return -1;
    return fid;
}

typedef enum enf_op { ENF_VIOLATION, ENF_SANCTION, ENF_ACTION, ENF_ACTION_PATCH } enf_op;

static int enf_write(http_request *req, enf_op op, rm_error *err)
{
    static const char *const dates[] = {"due", NULL};
    const coll_field *fields = op == ENF_VIOLATION ? violation_fields : op == ENF_SANCTION ? sanction_fields
                               : op == ENF_ACTION ? action_fields : action_patch_fields;
    int64_t pid = op == ENF_VIOLATION ? 0 : lc_path_id(req, 0);
    if (op != ENF_VIOLATION && !pid)
        return rm_error_set(err, 404, "Not Found", "no such record: %.40s", req->path_params[0]);
    json_t *b;
    if (lc_body(req, &b, err) < 0)
        return -1;
    int rc = -1;
    edit_errors *e = calloc(1, sizeof *e);
    db_conn *db = e ? lc_begin(req, err) : NULL;
    buf before = BUF_INIT, after = BUF_INIT;
    if (!db)
        goto done;
    lc_check_fields(db, fields, b, dates, date_today(), e);
    if (e->n) {
        lc_end(req, db, false, NULL);
        rc = reply_invalid(req, e);
        goto done;
    }
    int64_t vid = pid;
    if (op == ENF_ACTION_PATCH) {
        sqlite3_stmt *q = db_stmt(db, "SELECT violation_id FROM corrective_action WHERE id = ?", err);
        if (!q)
            goto fail;
        sqlite3_bind_int64(q, 1, pid);
        vid = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
        db_stmt_done(q);
    }
    if (op != ENF_VIOLATION) {
        int r = render_violation(db, vid, &before, err);
        if (r <= 0) {
            if (r == 0)
                rm_error_set(err, 404, "Not Found", "no %s %lld", op == ENF_ACTION_PATCH ? "corrective action" : "violation",
                             (long long)pid);
            goto fail;
        }
    }
    static const char *const sql[] = {
        "INSERT INTO violation(facility_id, inspection_id, finding, legal_basis, found_on, created_by) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?9)",
        "INSERT INTO sanction(violation_id, decision_no, decided_on, kind, fine_vnd, note, signed_by) "
        "VALUES (?8, ?1, ?2, ?3, ?4, ?5, ?9)",
        "INSERT INTO corrective_action(violation_id, action, due) VALUES (?8, ?1, ?2)",
        "UPDATE corrective_action SET done_on = coalesce(?1, done_on), verified_on = coalesce(?2, verified_on), "
        "verified_by = CASE WHEN ?2 IS NOT NULL THEN ?9 ELSE verified_by END, due = coalesce(?3, due) WHERE id = ?7",
    };
    sqlite3_stmt *st = db_stmt(db, sql[op], err);
    if (!st)
        goto fail;
    int i = 1;
    for (const coll_field *f = fields; f->name; f++, i++) {
        json_t *v = json_object_get(b, f->name);
        if (json_is_integer(v))
            sqlite3_bind_int64(st, i, json_integer_value(v));
        else if (json_is_string(v))
            sqlite3_bind_text(st, i, json_string_value(v), -1, SQLITE_TRANSIENT);
    }
    sqlite3_bind_int64(st, 7, pid);
    sqlite3_bind_int64(st, 8, vid);
    sqlite3_bind_text(st, 9, req->user_name, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 422, "writing the enforcement record");
        goto fail;
    }
    if (op == ENF_VIOLATION)
        vid = sqlite3_last_insert_rowid(db_sqlite(db));
    /* A violation closes once every corrective action on it is verified. */
    st = db_stmt(db, "UPDATE violation SET closed_on = (SELECT max(verified_on) FROM corrective_action WHERE "
                     "violation_id = ?1) WHERE id = ?1 AND closed_on IS NULL AND EXISTS (SELECT 1 FROM corrective_action "
                     "WHERE violation_id = ?1) AND NOT EXISTS (SELECT 1 FROM corrective_action WHERE violation_id = ?1 "
                     "AND verified_on IS NULL)", err);
    if (!st)
        goto fail;
    sqlite3_bind_int64(st, 1, vid);
    s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE || touch_facility(db, vid, err) < 0 || render_violation(db, vid, &after, err) <= 0 ||
        audit_append(db, req->user_name, op == ENF_VIOLATION ? "create" : "update", "violations", vid, NULL,
                     before.len ? before.data : NULL, after.data, err) < 0)
        goto fail;
    if (lc_end(req, db, true, err) < 0)
        goto done;
    buf_append(&req->out, after.data, after.len);
    req->no_etag = true;
    http_reply(req, op == ENF_ACTION_PATCH ? 200 : 201, "application/json");
    rc = 0;
    goto done;
fail:
    lc_end(req, db, false, NULL);
done:
    json_decref(b);
    buf_free(&before);
    buf_free(&after);
    free(e);
    return rc;
}

int api_violation_create(http_request *req, rm_error *err) { return enf_write(req, ENF_VIOLATION, err); }
int api_sanction_create(http_request *req, rm_error *err) { return enf_write(req, ENF_SANCTION, err); }
int api_corrective_action_create(http_request *req, rm_error *err) { return enf_write(req, ENF_ACTION, err); }
int api_corrective_action_update(http_request *req, rm_error *err) { return enf_write(req, ENF_ACTION_PATCH, err); }
