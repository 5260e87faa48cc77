/*
 * dossiers: the dossiers of the one-stop shop as a JSON resource: GET /dossiers (filters by status,
 * procedure, due date, overdue, with the working hours left), GET /dossiers/{id}, and POST
 * /dossiers, by which the counter receives a dossier when the one-stop system is not connected:
 * radmap issues the receipt number and computes the due instant in working hours from the
 * procedure version in force. A counter filing is complete on receipt and its clock starts at
 * once; a postal or online filing waits for the completeness check (due within the procedure's
 * completeness hours, 3 working days by default), and its clock starts with the step "received".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/edit_int.h"
#include "api/licensing_int.h"
#include "core/date.h"
#include "core/fold.h"
#include "core/params.h"
#include "db/licensing.h"

int lic_dossier_write(json_writer *w, db_conn *db, cal_calendar *cal, int64_t id, int detail, cal_minute now,
                      rm_error *err)
{
    lic_dossier d;
    int r = lic_dossier_load(db, id, &d, err);
    if (r <= 0)
        return r;
    sqlite3_stmt *st = db_stmt(db,
        "SELECT d.applicant, d.procedure_code, d.note, d.received_by, d.import_id, d.updated_at, "
        "p.key, p.version, p.name_vi, p.name_en, p.working_hours, p.supplement_rule, f.name, o.name "
        "FROM dossier d LEFT JOIN procedure p ON p.id = d.procedure_id LEFT JOIN facility f ON f.id = d.facility_id "
        "LEFT JOIN organization o ON o.id = d.organization_id WHERE d.id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        db_stmt_done(st);
        return db_error(db, err, 500, "reading a dossier");
    }
#define TXT(i) ((const char *)sqlite3_column_text(st, (i)))
    json_obj_begin(w);
    json_kv_int(w, "id", d.id);
    json_kv_str(w, "receipt_no", d.receipt_no);
    json_kv_str(w, "origin", d.origin);
    json_kv_str(w, "channel", d.channel);
    json_key(w, "procedure");
    if (TXT(6)) {
        json_obj_begin(w);
        json_kv_str(w, "key", TXT(6));
        json_kv_int(w, "version", sqlite3_column_int(st, 7));
        json_kv_str(w, "name_vi", TXT(8));
        json_kv_str(w, "name_en", TXT(9));
        json_kv_int(w, "working_hours", sqlite3_column_int(st, 10));
        json_kv_str(w, "supplement_rule", TXT(11));
        json_obj_end(w);
    } else {
        json_write_null(w);
    }
    json_kv_str(w, "procedure_code", TXT(1));
    json_kv_str(w, "applicant", TXT(0));
    json_key(w, "organization_id");
    d.organization_id ? json_int(w, d.organization_id) : json_write_null(w);
    json_kv_str(w, "organization", TXT(13));
    json_key(w, "facility_id");
    d.facility_id ? json_int(w, d.facility_id) : json_write_null(w);
    json_kv_str(w, "facility", TXT(12));
    json_kv_int(w, "persons", d.persons);
    lic_json_instant(w, "received_at", d.received);
    lic_json_instant(w, "completeness_due_at", d.completeness_due);
    lic_json_instant(w, "complete_at", d.complete);
    lic_json_instant(w, "due_at", d.due);
    lic_json_instant(w, "paused_at", d.paused);
    lic_json_instant(w, "extended_due_at", d.extended_due);
    json_kv_str(w, "step", d.step);
    const lic_step_def *def = lic_step_find(d.step);
    json_kv_str(w, "step_name_vi", def ? def->name_vi : NULL);
    json_kv_int(w, "national_status", d.national_status);
    json_kv_str(w, "national_status_name", lic_status_name_vi(d.national_status));
    json_kv_str(w, "result", d.result[0] ? d.result : NULL);
    lic_json_instant(w, "decided_at", d.decided);
    lic_json_instant(w, "returned_at", d.returned);
    lic_view v;
    lic_view_of(cal, &d, now, &v);
    json_kv_str(w, "outcome", lic_outcome_key(v.outcome));
    json_kv_bool(w, "paused", v.paused);
    if (now != LIC_NONE) {
        json_kv_bool(w, "overdue", v.overdue);
        json_key(w, "working_hours_left");
        if (v.left_valid)
            json_numf(w, (double)v.left_minutes / 60.0, 2);
        else
            json_write_null(w);
    }
    json_key(w, "official");
    if (d.official_status) {
        json_obj_begin(w);
        json_kv_int(w, "status", d.official_status);
        json_kv_str(w, "status_name", lic_status_name_vi(d.official_status));
        lic_json_instant(w, "due_at", d.official_due);
        lic_json_instant(w, "decided_at", d.official_decided);
        lic_json_instant(w, "returned_at", d.official_returned);
        lic_view ov;
        lic_official_view_of(&d, now == LIC_NONE ? 0 : now, &ov);
        json_kv_str(w, "outcome", lic_outcome_key(ov.outcome));
        json_kv_str(w, "import_id", TXT(4));
        json_obj_end(w);
    } else {
        json_write_null(w);
    }
    json_kv_str(w, "note", TXT(2));
    json_kv_str(w, "received_by", TXT(3));
    json_kv_int(w, "version", d.version);
    json_kv_str(w, "updated_at", TXT(5));
    db_stmt_done(st);
#undef TXT
    if (!detail) {
        json_obj_end(w);
        return 1;
    }
    json_key(w, "links");
    json_obj_begin(w);
    char path[64];
    static const char *const rel[][2] = {{"self", ""}, {"steps", "/steps"}, {"attachments", "/attachments"},
                                         {"control_slip", "/control-slip"}, {"receipt", "/receipt"},
                                         {"extension_letter", "/extension-letter"}, {"result", "/result"}};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        if ((i == 4 && strcmp(d.origin, "counter") != 0) || (i == 5 && d.extended_due == LIC_NONE) ||
            (i == 6 && strcmp(d.step, "result_recorded") != 0 && !(strcmp(d.step, "result_returned") == 0 &&
                                                                 strcmp(d.result, "approved") == 0)))
            continue;
        snprintf(path, sizeof path, "/dossiers/%lld%s", (long long)d.id, rel[i][1]);
        json_kv_str(w, rel[i][0], path);
    }
    json_obj_end(w);
    json_key(w, "next_steps");
    json_arr_begin(w);
    buf next = BUF_INIT;
    lic_step_next_list(d.step, d.result, &next);
    for (char *p = next.data; p && *p;) {
        char *e = strstr(p, ", ");
        size_t len = e ? (size_t)(e - p) : strlen(p);
        json_strn(w, p, len);
        p += len + (e ? 2 : 0);
    }
    buf_free(&next);
    json_arr_end(w);
    json_key(w, "devices");
    json_arr_begin(w);
    st = db_stmt(db, "SELECT dv.id, dv.type, dv.manufacturer, dv.model, dv.serial_no FROM dossier_device dd JOIN device "
                     "dv ON dv.id = dd.device_id WHERE dd.dossier_id = ? ORDER BY dv.id", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_obj_begin(w);
        json_kv_int(w, "id", sqlite3_column_int64(st, 0));
        json_kv_str(w, "type", (const char *)sqlite3_column_text(st, 1));
        json_kv_str(w, "manufacturer", (const char *)sqlite3_column_text(st, 2));
        json_kv_str(w, "model", (const char *)sqlite3_column_text(st, 3));
        json_kv_str(w, "serial_no", (const char *)sqlite3_column_text(st, 4));
        json_obj_end(w);
    }
    db_stmt_done(st);
    json_arr_end(w);
    if (lic_fee_write(w, db, &d, err) < 0)
        return -1;
    /* The attachments (file names, who uploaded them) only for the roles that may open them. */
    st = !(detail & LIC_DOSSIER_ATTACHMENTS) ? NULL :
         db_stmt(db, "SELECT id, file_name, media_type, size_bytes, sha256, uploaded_by, uploaded_at, note FROM "
                     "dossier_attachment WHERE dossier_id = ? ORDER BY id", err);
    if (!st && (detail & LIC_DOSSIER_ATTACHMENTS))
        return -1;
    if (st) {
        json_key(w, "attachments");
        json_arr_begin(w);
        sqlite3_bind_int64(st, 1, id);
        while (sqlite3_step(st) == SQLITE_ROW) {
            json_obj_begin(w);
            json_kv_int(w, "id", sqlite3_column_int64(st, 0));
            json_kv_str(w, "file_name", (const char *)sqlite3_column_text(st, 1));
            json_kv_str(w, "media_type", (const char *)sqlite3_column_text(st, 2));
            json_kv_int(w, "size_bytes", sqlite3_column_int64(st, 3));
            json_kv_str(w, "sha256", (const char *)sqlite3_column_text(st, 4));
            json_kv_str(w, "uploaded_by", (const char *)sqlite3_column_text(st, 5));
            json_kv_str(w, "uploaded_at", (const char *)sqlite3_column_text(st, 6));
            json_kv_str(w, "note", (const char *)sqlite3_column_text(st, 7));
            json_obj_end(w);
        }
        db_stmt_done(st);
        json_arr_end(w);
    }
    json_key(w, "authorization");
    st = db_stmt(db, "SELECT id, number, kind, change_kind, issued, expires, status FROM authorization WHERE "
                     "dossier_id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        json_obj_begin(w);
        json_kv_int(w, "id", sqlite3_column_int64(st, 0));
        static const char *const names[] = {NULL, "number", "kind", "change_kind", "issued", "expires", "status"};
        for (int i = 1; i < 7; i++)
            json_kv_str(w, names[i], (const char *)sqlite3_column_text(st, i));
        json_obj_end(w);
    } else {
        json_write_null(w);
    }
    db_stmt_done(st);
    json_obj_end(w);
    return 1;
}

/* ---- GET /dossiers -------------------------------------------------------------------------- */

#define OPEN_SQL "d.step NOT IN ('decision','result_recorded','result_returned','withdrawn','stopped'," \
                 "'refused_at_reception')"

int api_dossiers(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"status", "procedure", "due_before", "overdue", "facility_id",
                                          "receipt_no", "origin", "q", "received_from", "received_to", "sort",
                                          "limit", "offset", NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t limit, offset, facility = 0;
    if (params_parse_int("limit", http_query(req, "limit"), 1, 1000, 100, true, &limit, err) < 0 ||
        params_parse_int("offset", http_query(req, "offset"), 0, INT32_MAX, 0, false, &offset, err) < 0 ||
        params_parse_int("facility_id", http_query(req, "facility_id"), 1, INT64_MAX / 2, 0, false, &facility, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    cal_minute now = cal_now();
    buf where = BUF_INIT, sql = BUF_INIT, pat = BUF_INIT;
    const char *binds[12];
    char proc_key[64];
    int nb = 0, rc = -1;
    cal_calendar *cal = NULL;
    buf_puts(&where, "1");
    const char *status = http_query(req, "status");
    if (status) {
        char *end;
        long code = strtol(status, &end, 10);
        if (!*end && code >= 1 && code <= 10) {
            buf_appendf(&where, " AND d.national_status = ?%d", nb + 1);
            binds[nb++] = status; /* a code 1-10; the column's integer affinity compares it as a number */
        } else if (strcmp(status, "open") == 0) {
            buf_puts(&where, " AND " OPEN_SQL);
        } else if (lic_step_find(status)) {
            buf_appendf(&where, " AND d.step = ?%d", nb + 1);
            binds[nb++] = status;
        } else {
            rm_error_set(err, 400, "Invalid parameter", "status='%.40s' is neither a national status code 1-10, "
                         "open, nor a step name (received, assigned, supplement_requested, decision ...)", status);
            goto cleanup;
        }
    }
    const char *proc = http_query(req, "procedure");
    if (proc) {
        lic_proc p;
        int found = lic_proc_in_force(db, proc, 0, &p, err);
        if (found < 0)
            goto cleanup;
        if (!found) {
            rm_error_set(err, 400, "Invalid parameter", "procedure='%.60s' is not a procedure key or code; "
                         "GET /procedures lists them", proc);
            goto cleanup;
        }
        snprintf(proc_key, sizeof proc_key, "%s", p.key);
        buf_appendf(&where, " AND d.procedure_id IN (SELECT id FROM procedure WHERE key = ?%d)", nb + 1);
        binds[nb++] = proc_key;
    }
    char due_before[32] = "", from_s[32] = "", to_s[32] = "", now_s[32];
    cal_format_utc(now, now_s);
    const char *dates[3][2] = {{"due_before", NULL}, {"received_from", NULL}, {"received_to", NULL}};
    char *outs[3] = {due_before, from_s, to_s};
    for (int i = 0; i < 3; i++) {
        const char *s = http_query(req, dates[i][0]);
        int32_t day;
        if (!s)
            continue;
        if (date_parse(s, &day) < 0) {
            rm_error_set(err, 400, "Invalid parameter", "%s must be a date YYYY-MM-DD", dates[i][0]);
            goto cleanup;
        }
        cal_format_utc((cal_minute)(day + (i == 2)) * CAL_MINUTES_PER_DAY, outs[i]);
    }
    if (due_before[0]) {
        buf_appendf(&where, " AND d.due_at < ?%d", nb + 1);
        binds[nb++] = due_before;
    }
    if (from_s[0]) {
        buf_appendf(&where, " AND d.received_at >= ?%d", nb + 1);
        binds[nb++] = from_s;
    }
    if (to_s[0]) {
        buf_appendf(&where, " AND d.received_at < ?%d", nb + 1);
        binds[nb++] = to_s;
    }
    const char *overdue = http_query(req, "overdue");
    if (overdue) {
        if (strcmp(overdue, "true") != 0 && strcmp(overdue, "false") != 0) {
            rm_error_set(err, 400, "Invalid parameter", "overdue must be true or false");
            goto cleanup;
        }
        buf_appendf(&where, " AND " OPEN_SQL " AND d.paused_at IS NULL AND %s(d.due_at IS NOT NULL AND d.due_at < ?%d)",
                    overdue[0] == 't' ? "" : "NOT ", nb + 1);
        binds[nb++] = now_s;
    }
    if (facility) {
        buf_appendf(&where, " AND d.facility_id = ?%d", nb + 1);
        binds[nb++] = http_query(req, "facility_id");
    }
    const char *receipt = http_query(req, "receipt_no");
    if (receipt) {
        buf_appendf(&where, " AND d.receipt_no = ?%d", nb + 1);
        binds[nb++] = receipt;
    }
    const char *origin = http_query(req, "origin");
    if (origin) {
        if (strcmp(origin, "one_stop") != 0 && strcmp(origin, "counter") != 0) {
            rm_error_set(err, 400, "Invalid parameter", "origin must be one_stop or counter");
            goto cleanup;
        }
        buf_appendf(&where, " AND d.origin = ?%d", nb + 1);
        binds[nb++] = origin;
    }
    const char *q = http_query(req, "q");
    if (q && *q) {
        buf_putc(&pat, '%');
        fold_append(&pat, q);
        buf_putc(&pat, '%');
        buf_appendf(&where, " AND (rm_fold(d.applicant) LIKE ?%d OR d.receipt_no LIKE ?%d)", nb + 1, nb + 1);
        binds[nb++] = pat.data;
    }
    const char *sort = http_query(req, "sort");
    const char *order = "d.received_at DESC, d.id DESC";
    if (sort && strcmp(sort, "due") == 0)
        order = "d.due_at IS NULL, d.due_at, d.id";
    else if (sort && strcmp(sort, "received") == 0)
        order = "d.received_at, d.id";
    else if (sort && strcmp(sort, "-received") != 0) {
        rm_error_set(err, 400, "Invalid parameter", "sort must be due, received or -received");
        goto cleanup;
    }
    buf_appendf(&sql, "SELECT d.id, count(*) OVER () FROM dossier d WHERE %s ORDER BY %s LIMIT %lld OFFSET %lld",
                where.data, order, (long long)limit, (long long)offset);
    sqlite3_stmt *st = db_stmt(db, sql.data, err);
    if (!st)
        goto cleanup;
    for (int i = 0; i < nb; i++)
        sqlite3_bind_text(st, i + 1, binds[i], -1, SQLITE_TRANSIENT);
    int64_t ids[1000], total = 0;
    int n = 0;
    while (n < 1000 && sqlite3_step(st) == SQLITE_ROW) {
        ids[n++] = sqlite3_column_int64(st, 0);
        total = sqlite3_column_int64(st, 1);
    }
    db_stmt_done(st);
    if (!(cal = licensing_calendar(db, err)))
        goto cleanup;
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    lic_json_instant(&w, "now", now);
    json_key(&w, "dossiers");
    json_arr_begin(&w);
    for (int i = 0; i < n; i++)
        if (lic_dossier_write(&w, db, cal, ids[i], LIC_DOSSIER_SUMMARY, now, err) < 0)
            goto cleanup;
    json_arr_end(&w);
    json_kv_int(&w, "numberReturned", n);
    json_kv_int(&w, "numberMatched", n ? total : 0);
    json_obj_end(&w);
    req->no_etag = true;
    req->cache_control = "no-store";
    http_reply(req, 200, "application/json");
    rc = 0;
cleanup:
    cal_destroy(cal);
    buf_free(&where);
    buf_free(&sql);
    buf_free(&pat);
    return rc;
}

int api_dossier(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t id = lic_path_id(req, 0);
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    cal_calendar *cal = licensing_calendar(db, err);
    if (!cal)
        return -1;
    json_writer w;
    json_init(&w, &req->out);
    int r = id ? lic_dossier_write(&w, db, cal, id, LIC_DOSSIER_DETAIL_FOR(req), cal_now(), err) : 0;
    cal_destroy(cal);
    if (r < 0)
        return -1;
    if (!r)
        return rm_error_set(err, 404, "Not Found", "no dossier %.40s", req->path_params[0]);
    /* The ETag names the version: If-Match on a step checks it. */
    sqlite3_stmt *st = db_stmt(db, "SELECT version FROM dossier WHERE id = ?", err);
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW) {
            char etag[32];
            snprintf(etag, sizeof etag, "\"v%lld\"", (long long)sqlite3_column_int64(st, 0));
            http_set_header(req, "ETag", etag);
        }
        db_stmt_done(st);
    }
    req->no_etag = true;
    req->cache_control = "no-store";
    http_reply(req, 200, "application/json");
    return 0;
}
