/*
 * licensing_steps: the Department's appraisal steps on a dossier (POST and GET
 * /dossiers/{id}/steps), the moves allowed between them and the national status code each maps to.
 *
 * A step is recorded by the roles that do that work (the counter receives and returns, licensing
 * officers appraise, the leader decides); any other move answers 409 with the moves that are
 * allowed. Steps that touch the clock:
 *   received              the dossier is complete: the clock starts, due = receipt + statutory hours;
 *   supplement_requested  the clock stops (form 02); the working time left is kept;
 *   supplement_received   the clock runs again: with the procedure's rule "pause" for the time that
 *                         was left, with "restart" for the whole statutory time;
 *   decision              the leader approves or refuses (reasons required): the work is done;
 *   extension_letter      form 04: an apology with a reason and a new date; a side step that leaves
 *                         the dossier where it is (and late: the due date does not move).
 * Each step row keeps the due instant before and after it, so the control slip shows how the
 * deadline moved. Every step is one transaction with its audit row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/edit_int.h"
#include "api/licensing_int.h"
#include "db/audit.h"
#include "db/licensing.h"

static const lic_step_def steps[] = {
    {"filed", 1, R_COUNTER | R_LICENSING, "Mới đăng ký (nộp qua bưu chính hoặc trực tuyến)",
     "Filed by post or online, not yet accepted"},
    {"received", 2, R_COUNTER | R_LICENSING, "Tiếp nhận hồ sơ đầy đủ, hợp lệ", "Accepted as complete"},
    {"refused_at_reception", 3, R_COUNTER | R_LICENSING, "Không tiếp nhận", "Refused at reception"},
    {"assigned", 4, R_LICENSING | R_LEADER, "Phân công thụ lý", "Assigned to an officer"},
    {"completeness_review", 4, R_LICENSING, "Thẩm định tính đầy đủ, hợp lệ", "Completeness review"},
    {"supplement_requested", 5, R_LICENSING | R_LEADER, "Yêu cầu bổ sung hồ sơ (mẫu 02)",
     "Supplement requested (form 02)"},
    {"supplement_received", 4, R_COUNTER | R_LICENSING, "Nhận hồ sơ bổ sung", "Supplement received"},
    {"payment_requested", 6, R_LICENSING, "Yêu cầu nộp phí thẩm định", "Appraisal fee requested"},
    {"payment_received", 4, R_COUNTER | R_LICENSING, "Đã nộp phí thẩm định", "Appraisal fee paid"},
    {"site_visit", 4, R_LICENSING, "Kiểm tra thực tế tại cơ sở", "Site visit"},
    {"expert_review", 4, R_LICENSING, "Thẩm định chuyên môn", "Expert review"},
    {"draft_result", 4, R_LICENSING, "Dự thảo kết quả trình lãnh đạo", "Draft result for the leader"},
    {"decision", 9, R_LEADER, "Lãnh đạo quyết định (phê duyệt hoặc từ chối)", "Leader's decision"},
    {"result_recorded", 9, R_LEADER, "Ghi nhận kết quả (văn bản đã ký)", "Signed result recorded"},
    {"result_returned", 10, R_COUNTER | R_LICENSING, "Trả kết quả", "Result returned"},
    {"withdrawn", 7, R_COUNTER | R_LICENSING, "Công dân rút hồ sơ", "Withdrawn by the applicant"},
    {"stopped", 8, R_LICENSING | R_LEADER, "Dừng xử lý (mẫu 05)", "Processing stopped (form 05)"},
    {"extension_letter", 0, R_LICENSING | R_LEADER, "Văn bản xin lỗi và hẹn lại ngày trả (mẫu 04)",
     "Apology and extension letter (form 04)"},
};

/* Allowed moves: from a step, the steps that may follow. The decision's moves depend on its result. */
static const struct { const char *from, *to; } moves[] = {
    {"filed", "received,refused_at_reception,withdrawn"},
    {"received", "assigned,withdrawn,stopped,extension_letter"},
    {"assigned", "completeness_review,withdrawn,stopped,extension_letter"},
    {"completeness_review", "supplement_requested,payment_requested,site_visit,expert_review,draft_result,withdrawn,"
                            "stopped,extension_letter"},
    {"supplement_requested", "supplement_received,withdrawn,stopped,extension_letter"},
    {"supplement_received", "completeness_review,payment_requested,site_visit,expert_review,draft_result,withdrawn,"
                            "stopped,extension_letter"},
    {"payment_requested", "payment_received,withdrawn,stopped,extension_letter"},
    {"payment_received", "site_visit,expert_review,draft_result,withdrawn,stopped,extension_letter"},
    {"site_visit", "expert_review,draft_result,supplement_requested,withdrawn,stopped,extension_letter"},
    {"expert_review", "site_visit,draft_result,supplement_requested,withdrawn,stopped,extension_letter"},
    {"draft_result", "decision,expert_review,withdrawn,stopped,extension_letter"},
    {"result_recorded", "result_returned"},
};

const lic_step_def *lic_step_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof steps / sizeof steps[0]; i++)
        if (strcmp(steps[i].name, name) == 0)
            return &steps[i];
    return NULL;
}

static const char *next_of(const char *from, const char *result)
{
    if (strcmp(from, "decision") == 0)
        return result && strcmp(result, "approved") == 0 ? "result_recorded"
               : result && strcmp(result, "refused") == 0 ? "result_returned" : "";
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
        if (strcmp(moves[i].from, from) == 0)
            return moves[i].to;
    return "";
}

bool lic_step_allowed(const char *from, const char *result, const char *to)
{
    const char *list = next_of(from, result);
    size_t n = strlen(to);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, to, n) == 0)
            return true;
        p += len + (e ? 1 : 0);
    }
    return false;
}

void lic_step_next_list(const char *from, const char *result, buf *b)
{
    const char *list = next_of(from, result);
    for (const char *p = list; *p; p++)
        buf_puts(b, *p == ',' ? ", " : (char[]){*p, 0});
}

const char *lic_step_of_status(int code)
{
    static const char *const of[] = {NULL, "filed", "received", "refused_at_reception", "received",
                                     "supplement_requested", "payment_requested", "withdrawn", "stopped",
                                     "decision", "result_returned"};
    return code >= 1 && code <= 10 ? of[code] : NULL;
}

const char *lic_status_name_vi(int code)
{
    static const char *const names[] = {NULL, "Mới đăng ký", "Được tiếp nhận", "Không được tiếp nhận", "Đang xử lý",
                                        "Yêu cầu bổ sung giấy tờ", "Yêu cầu thực hiện nghĩa vụ tài chính",
                                        "Công dân yêu cầu rút hồ sơ", "Dừng xử lý", "Đã xử lý xong",
                                        "Đã trả kết quả"};
    return code >= 1 && code <= 10 ? names[code] : NULL;
}

/* The role names that may record a step, for messages. */
static void role_names(unsigned roles, buf *b)
{
    for (int r = ROLE_VIEWER; r <= ROLE_ADMIN; r++)
        if (roles & (1u << r))
            buf_appendf(b, "%s%s", b->len ? ", " : "", users_role_name((user_role)r));
}

int api_dossier_steps(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t id = lic_path_id(req, 0);
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    lic_dossier d;
    int r = id ? lic_dossier_load(db, id, &d, err) : 0;
    if (r < 0)
        return -1;
    if (!r)
        return rm_error_set(err, 404, "Not Found", "no dossier %.40s", req->path_params[0]);
    sqlite3_stmt *st = db_stmt(db, "SELECT id, step, national_status, at, user_name, origin, note, data, due_before, "
                                    "due_after FROM dossier_step WHERE dossier_id = ? ORDER BY id", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_int(&w, "dossier_id", id);
    json_kv_str(&w, "receipt_no", d.receipt_no);
    json_kv_str(&w, "step", d.step);
    json_key(&w, "steps");
    json_arr_begin(&w);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 1);
        const lic_step_def *def = lic_step_find(name);
        int code = sqlite3_column_int(st, 2);
        json_obj_begin(&w);
        json_kv_int(&w, "id", sqlite3_column_int64(st, 0));
        json_kv_str(&w, "step", name);
        json_kv_str(&w, "name_vi", def ? def->name_vi : NULL);
        json_kv_str(&w, "name_en", def ? def->name_en : NULL);
        json_kv_int(&w, "national_status", code);
        json_kv_str(&w, "national_status_name", lic_status_name_vi(code));
        lic_json_instant(&w, "at", lic_instant(sqlite3_column_text(st, 3)));
        json_kv_str(&w, "user", (const char *)sqlite3_column_text(st, 4));
        json_kv_str(&w, "origin", (const char *)sqlite3_column_text(st, 5));
        json_kv_str(&w, "note", (const char *)sqlite3_column_text(st, 6));
        json_key(&w, "data");
        const char *data = (const char *)sqlite3_column_text(st, 7);
        if (data)
            json_raw(&w, data, strlen(data));
        else
            json_write_null(&w);
        lic_json_instant(&w, "due_before", lic_instant(sqlite3_column_text(st, 8)));
        lic_json_instant(&w, "due_after", lic_instant(sqlite3_column_text(st, 9)));
        json_obj_end(&w);
    }
    db_stmt_done(st);
    json_arr_end(&w);
    json_key(&w, "next_steps");
    json_arr_begin(&w);
    const char *list = next_of(d.step, d.result);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        json_strn(&w, p, len);
        p += len + (e ? 1 : 0);
    }
    json_arr_end(&w);
    json_obj_end(&w);
    req->no_etag = true;
    http_reply(req, 200, "application/json");
    return 0;
}

/* The time a step happened: the body's "at" or now. */
static void step_time(json_t *body, cal_minute now, cal_minute *at, edit_errors *e)
{
    json_t *v = json_object_get(body, "at");
    *at = now;
    if (!v || json_is_null(v))
        return;
    if (!json_is_string(v) || cal_parse_instant(json_string_value(v), 0, at) < 0)
        add_error(e, "at", "must be a date and time, e.g. 2026-03-02T09:00:00+07:00");
    else if (*at > now + 5)
        add_error(e, "at", "must not be in the future");
}

static const char *opt_text(json_t *body, const char *key, int max, bool required, edit_errors *e)
{
    json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v)) {
        if (required)
            add_error(e, key, "is required");
        return NULL;
    }
    if (!json_is_string(v)) {
        add_error(e, key, "must be a string");
        return NULL;
    }
    const char *s = json_string_value(v);
    if (required && !*s)
        add_error(e, key, "must not be empty");
    else if ((int)strlen(s) > max)
        add_error(e, key, "is longer than %d bytes", max);
    return s;
}

int api_dossier_step_add(http_request *req, rm_error *err)
{
    int64_t id = lic_path_id(req, 0);
    if (!id)
        return rm_error_set(err, 404, "Not Found", "no dossier %.40s", req->path_params[0]);
    json_t *body = lic_json_body(req, err);
    if (!body)
        return -1;
    int rc = -1;
    db_conn *db = NULL;
    cal_calendar *cal = NULL;
    buf before = BUF_INIT, data = BUF_INIT;
    edit_errors *e = calloc(1, sizeof *e);
    if (!e) {
        rm_error_set(err, 500, "Out of memory", "recording a step");
        goto cleanup;
    }
    static const char *const keys[] = {"step", "note", "at", "decision", "reasons", "new_due", "reason", NULL};
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v) {
        bool known = false;
        for (const char *const *p = keys; *p; p++)
            known |= strcmp(*p, k) == 0;
        if (!known)
            add_error(e, k, "is not a field of a step; fields: step, note, at, decision, reasons, new_due, reason");
    }
    const char *name = opt_text(body, "step", 40, true, e);
    const lic_step_def *def = name ? lic_step_find(name) : NULL;
    if (name && !def) {
        buf l = BUF_INIT;
        for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
            buf_appendf(&l, "%s%s", i ? ", " : "", steps[i].name);
        add_error(e, "step", "'%.40s' is not a step; steps: %s", name, l.data);
        buf_free(&l);
    }
    if (e->n) {
        rc = reply_invalid(req, e);
        goto cleanup;
    }
    if (!(def->roles & (1u << req->role))) {
        buf who = BUF_INIT;
        role_names(def->roles, &who);
        rm_error_set(err, 403, "Forbidden", "the %s role may not record step %s; it is recorded by: %s",
                     users_role_name((user_role)req->role), def->name, who.data);
        buf_free(&who);
        goto cleanup;
    }
    if (strcmp(def->name, "result_recorded") == 0) {
        rm_error_set(err, 409, "Conflict", "step result_recorded is recorded with the signed document: POST "
                     "/dossiers/%lld/result", (long long)id);
        goto cleanup;
    }
    const char *note = opt_text(body, "note", 4000, false, e);
    cal_minute now = cal_now(), at;
    step_time(body, now, &at, e);

    if (!(db = lic_write_begin(req, err)))
        goto cleanup;
    lic_dossier d;
    int found = lic_dossier_load(db, id, &d, err);
    if (found <= 0) {
        if (found == 0)
            rm_error_set(err, 404, "Not Found", "no dossier %lld", (long long)id);
        goto rollback;
    }
    if (lic_if_match(req, d.version, err) < 0)
        goto rollback;
    if (!lic_step_allowed(d.step, d.result, def->name)) {
        buf next = BUF_INIT;
        lic_step_next_list(d.step, d.result, &next);
        rm_error_set(err, 409, "Step not allowed", "dossier %s is at step %s%s%s; %s cannot follow it; allowed next: %s",
                     d.receipt_no, d.step, d.result[0] ? " with result " : "", d.result, def->name,
                     next.len ? next.data : "none (the dossier is closed)");
        buf_free(&next);
        goto rollback;
    }
    /* Steps follow one another in time. */
    sqlite3_stmt *st = db_stmt(db, "SELECT max(at) FROM dossier_step WHERE dossier_id = ?", err);
    if (!st)
        goto rollback;
    sqlite3_bind_int64(st, 1, id);
    cal_minute last = sqlite3_step(st) == SQLITE_ROW ? lic_instant(sqlite3_column_text(st, 0)) : LIC_NONE;
    db_stmt_done(st);
    if (last != LIC_NONE && at < last && !e->n) {
        char s[32];
        cal_format_local(last, s);
        add_error(e, "at", "must not be before the dossier's last step (%s)", s);
    }
    lic_proc p;
    bool have_proc = d.procedure_id && lic_proc_by_id(db, d.procedure_id, &p, err) == 1;
    if (!(cal = licensing_calendar(db, err)))
        goto rollback;

    const char *result = d.result[0] ? d.result : NULL;
    cal_minute due_before = d.due;
    json_writer dw;
    json_init(&dw, &data);
    json_obj_begin(&dw);
    if (strcmp(def->name, "received") == 0) {
        d.complete = at;
        if (have_proc)
            d.due = cal_add_work_minutes(cal, at, (int64_t)p.working_hours * 60);
    } else if (strcmp(def->name, "supplement_requested") == 0) {
        d.paused = at;
        d.paused_left = d.due != LIC_NONE ? cal_work_minutes_between(cal, at, d.due) : -1;
        if (d.paused_left < -1)
            d.paused_left = 0;
        json_kv_int(&dw, "working_minutes_left", d.paused_left);
    } else if (strcmp(def->name, "supplement_received") == 0) {
        const char *rule = have_proc ? p.supplement_rule : "pause";
        if (strcmp(rule, "restart") == 0 && have_proc)
            d.due = cal_add_work_minutes(cal, at, (int64_t)p.working_hours * 60);
        else if (d.paused_left >= 0)
            d.due = cal_add_work_minutes(cal, at, d.paused_left);
        json_kv_str(&dw, "clock_rule", rule);
        d.paused = LIC_NONE;
        d.paused_left = -1;
    } else if (strcmp(def->name, "decision") == 0) {
        const char *dec = opt_text(body, "decision", 10, true, e);
        const char *reasons = opt_text(body, "reasons", 4000, false, e);
        if (dec && strcmp(dec, "approve") != 0 && strcmp(dec, "refuse") != 0)
            add_error(e, "decision", "must be approve or refuse");
        else if (dec && strcmp(dec, "refuse") == 0 && (!reasons || !*reasons))
            add_error(e, "reasons", "a refusal needs its reasons (they go to the applicant)");
        if (dec) {
            result = strcmp(dec, "approve") == 0 ? "approved" : "refused";
            json_kv_str(&dw, "decision", dec);
        }
        if (reasons)
            json_kv_str(&dw, "reasons", reasons);
        d.decided = at;
    } else if (strcmp(def->name, "result_returned") == 0) {
        d.returned = at;
    } else if (strcmp(def->name, "extension_letter") == 0) {
        const char *reason = opt_text(body, "reason", 4000, true, e);
        json_t *nd = json_object_get(body, "new_due");
        cal_minute nd_at = LIC_NONE;
        if (!nd || !json_is_string(nd) || cal_parse_instant(json_string_value(nd), CAL_PM_END, &nd_at) < 0)
            add_error(e, "new_due", "is required: the new date promised, YYYY-MM-DD or a date and time");
        else if (nd_at <= (d.due != LIC_NONE ? d.due : at))
            add_error(e, "new_due", "must be after the current due date (an extension letter promises a later one)");
        if (reason)
            json_kv_str(&dw, "reason", reason);
        if (nd_at != LIC_NONE) {
            char s[32];
            cal_format_local(nd_at, s);
            json_kv_str(&dw, "new_due", s);
        }
        d.extended_due = nd_at;
    }
    json_obj_end(&dw);
    if (e->n) {
        lic_write_end(req, db, false, NULL);
        db = NULL;
        rc = reply_invalid(req, e);
        goto cleanup;
    }
    json_writer bw;
    json_init(&bw, &before);
    if (lic_dossier_write(&bw, db, cal, id, LIC_DOSSIER_SUMMARY, LIC_NONE, err) < 0)
        goto rollback;
    bool side = def->national_status == 0;
    int code = side ? d.national_status : def->national_status;
    st = db_stmt(db, "UPDATE dossier SET step = ?2, national_status = ?3, complete_at = ?4, due_at = ?5, paused_at = ?6, "
                     "paused_minutes_left = ?7, extended_due_at = ?8, decided_at = ?9, returned_at = ?10, result = ?11, "
                     "version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1", err);
    if (!st)
        goto rollback;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, side ? d.step : def->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, code);
    lic_bind_instant(st, 4, d.complete);
    lic_bind_instant(st, 5, d.due);
    lic_bind_instant(st, 6, d.paused);
    if (d.paused_left >= 0)
        sqlite3_bind_int64(st, 7, d.paused_left);
    else
        sqlite3_bind_null(st, 7);
    lic_bind_instant(st, 8, d.extended_due);
    lic_bind_instant(st, 9, d.decided);
    lic_bind_instant(st, 10, d.returned);
    if (result)
        sqlite3_bind_text(st, 11, result, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 11);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 500, "updating the dossier");
        goto rollback;
    }
    st = db_stmt(db, "INSERT INTO dossier_step(dossier_id, step, national_status, at, user_name, origin, note, data, "
                     "due_before, due_after) VALUES (?1, ?2, ?3, ?4, ?5, 'user', ?6, ?7, ?8, ?9)", err);
    if (!st)
        goto rollback;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, def->name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, code);
    lic_bind_instant(st, 4, at);
    sqlite3_bind_text(st, 5, req->user_name, -1, SQLITE_TRANSIENT);
    if (note && *note)
        sqlite3_bind_text(st, 6, note, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 6);
    if (data.len > 2)
        sqlite3_bind_text(st, 7, data.data, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 7);
    lic_bind_instant(st, 8, due_before != d.due ? due_before : LIC_NONE);
    lic_bind_instant(st, 9, due_before != d.due ? d.due : LIC_NONE);
    s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 500, "recording the step");
        goto rollback;
    }
    char action[48];
    snprintf(action, sizeof action, "step:%s", def->name);
    if (lic_audit_dossier(db, req, action, id, before.data, err) < 0)
        goto rollback;
    if (lic_write_end(req, db, true, err) < 0) {
        db = NULL;
        goto cleanup;
    }
    db = NULL;
    /* The answer: the dossier as it is now, read back on this thread's connection. */
    db_conn *rdb = http_thread_db(req, err);
    if (!rdb)
        goto cleanup;
    json_writer w;
    json_init(&w, &req->out);
    if (lic_dossier_write(&w, rdb, cal, id, LIC_DOSSIER_DETAIL_FOR(req), cal_now(), err) <= 0)
        goto cleanup;
    req->no_etag = true;
    char etag[32];
    snprintf(etag, sizeof etag, "\"v%lld\"", (long long)d.version + 1);
    http_set_header(req, "ETag", etag);
    http_reply(req, 201, "application/json");
    rc = 0;
    goto cleanup;
rollback:
    lic_write_end(req, db, false, NULL);
    db = NULL;
cleanup:
    cal_destroy(cal);
    json_decref(body);
    buf_free(&before);
    buf_free(&data);
    free(e);
    return rc;
}
