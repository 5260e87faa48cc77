/*
 * licensing_common: the procedure and dossier rows, deadlines, outcomes and small helpers the
 * licensing resources share; see licensing_int.h.
 *
 * Outcomes follow the one-stop scoring: a dossier decided on a day before its due day is early,
 * on its due day by the due time on time, after the due time late; a form 04 extension letter
 * does not change that. Withdrawn, stopped and refused-at-reception dossiers are not scored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/body.h"
#include "api/licensing_int.h"
#include "api/state.h"
#include "core/date.h"
#include "db/audit.h"

#define PROC_COLUMNS "id, key, version, valid_from, kind, produces, supplement_rule, working_hours, " \
                     "completeness_hours, fee_rule, name_vi, name_en"

static void copy_col(char *out, size_t n, sqlite3_stmt *st, int col)
{
    const char *s = (const char *)sqlite3_column_text(st, col);
    snprintf(out, n, "%s", s ? s : "");
}

static void proc_from_row(sqlite3_stmt *st, lic_proc *p)
{
    memset(p, 0, sizeof *p);
    p->id = sqlite3_column_int64(st, 0);
    copy_col(p->key, sizeof p->key, st, 1);
    p->version = sqlite3_column_int(st, 2);
    copy_col(p->valid_from, sizeof p->valid_from, st, 3);
    copy_col(p->kind, sizeof p->kind, st, 4);
    copy_col(p->produces, sizeof p->produces, st, 5);
    copy_col(p->supplement_rule, sizeof p->supplement_rule, st, 6);
    p->working_hours = sqlite3_column_int(st, 7);
    p->completeness_hours = sqlite3_column_int(st, 8);
    copy_col(p->fee_rule, sizeof p->fee_rule, st, 9);
    copy_col(p->name_vi, sizeof p->name_vi, st, 10);
    copy_col(p->name_en, sizeof p->name_en, st, 11);
}

int lic_proc_by_id(db_conn *db, int64_t id, lic_proc *p, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " PROC_COLUMNS " FROM procedure WHERE id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int s = sqlite3_step(st), rc = 0;
    if (s == SQLITE_ROW) {
        proc_from_row(st, p);
        rc = 1;
    } else if (s != SQLITE_DONE) {
        rc = db_error(db, err, 500, "reading a procedure");
    }
    db_stmt_done(st);
    return rc;
}

int lic_proc_in_force(db_conn *db, const char *code, int32_t day, lic_proc *p, rm_error *err)
{
    char date[11];
    date_format(day, date);
    /* The key first; a national or example code names its key. */
    sqlite3_stmt *st = db_stmt(db,
        "SELECT " PROC_COLUMNS " FROM procedure WHERE key = (SELECT key FROM procedure WHERE key = ?1 "
        "UNION ALL SELECT key FROM procedure WHERE national_code = ?1 UNION ALL SELECT key FROM procedure "
        "WHERE example_code = ?1 LIMIT 1) ORDER BY valid_from <= ?2 DESC, "
        "CASE WHEN valid_from <= ?2 THEN valid_from END DESC, valid_from ASC, version DESC LIMIT 1", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st), rc = 0;
    if (s == SQLITE_ROW) {
        proc_from_row(st, p);
        rc = 1;
    } else if (s != SQLITE_DONE) {
        rc = db_error(db, err, 500, "reading a procedure");
    }
    db_stmt_done(st);
    return rc;
}

cal_minute lic_instant(const unsigned char *text)
{
    cal_minute m;
    if (!text || cal_parse_instant((const char *)text, 0, &m) < 0)
        return LIC_NONE;
    return m;
}

void lic_bind_instant(sqlite3_stmt *st, int idx, cal_minute m)
{
    if (m == LIC_NONE) {
        sqlite3_bind_null(st, idx);
        return;
    }
    char s[32];
    cal_format_utc(m, s);
    sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
}

void lic_json_instant(json_writer *w, const char *key, cal_minute m)
{
    json_key(w, key);
    if (m == LIC_NONE) {
        json_write_null(w);
        return;
    }
    char s[32];
    cal_format_local(m, s);
    json_str(w, s);
}

#define DOSSIER_COLUMNS                                                                                  \
    "id, procedure_id, facility_id, organization_id, version, receipt_no, origin, channel, step, result, " \
    "national_status, official_status, persons, received_at, completeness_due_at, complete_at, due_at, "  \
    "paused_at, extended_due_at, decided_at, returned_at, official_due_at, official_decided_at, "          \
    "official_returned_at, paused_minutes_left, "                                                        \
    "(SELECT count(*) FROM dossier_step s WHERE s.dossier_id = dossier.id AND s.origin = 'user')"

int lic_dossier_load(db_conn *db, int64_t id, lic_dossier *d, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " DOSSIER_COLUMNS " FROM dossier WHERE id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int s = sqlite3_step(st), rc = 0;
    if (s == SQLITE_ROW) {
        memset(d, 0, sizeof *d);
        d->id = sqlite3_column_int64(st, 0);
        d->procedure_id = sqlite3_column_int64(st, 1);
        d->facility_id = sqlite3_column_int64(st, 2);
        d->organization_id = sqlite3_column_int64(st, 3);
        d->version = sqlite3_column_int64(st, 4);
        copy_col(d->receipt_no, sizeof d->receipt_no, st, 5);
        copy_col(d->origin, sizeof d->origin, st, 6);
        copy_col(d->channel, sizeof d->channel, st, 7);
        copy_col(d->step, sizeof d->step, st, 8);
        copy_col(d->result, sizeof d->result, st, 9);
        d->national_status = sqlite3_column_int(st, 10);
        d->official_status = sqlite3_column_int(st, 11);
        d->persons = sqlite3_column_int(st, 12);
        cal_minute *m[] = {&d->received, &d->completeness_due, &d->complete, &d->due, &d->paused, &d->extended_due,
                           &d->decided, &d->returned, &d->official_due, &d->official_decided,
                           &d->official_returned};
        for (int i = 0; i < 11; i++)
            *m[i] = lic_instant(sqlite3_column_text(st, 13 + i));
        d->paused_left = sqlite3_column_type(st, 24) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 24);
        d->user_steps = sqlite3_column_int(st, 25);
        rc = 1;
    } else if (s != SQLITE_DONE) {
        rc = db_error(db, err, 500, "reading a dossier");
    }
    db_stmt_done(st);
    return rc;
}

const char *lic_outcome_key(lic_outcome o)
{
    static const char *const keys[] = {"pending", "early", "on_time", "late", "closed"};
    return o <= LIC_CLOSED ? keys[o] : "pending";
}

lic_outcome lic_outcome_of(cal_minute finished, cal_minute due, bool closed)
{
    if (closed)
        return LIC_CLOSED;
    if (finished == LIC_NONE)
        return LIC_PENDING;
    if (due == LIC_NONE)
        return LIC_ON_TIME; /* no due date known: nothing to be late against */
    if (finished > due)
        return LIC_LATE;
    return cal_day_of(finished) < cal_day_of(due) ? LIC_EARLY : LIC_ON_TIME;
}

bool lic_step_closes(const char *step)
{
    return strcmp(step, "withdrawn") == 0 || strcmp(step, "stopped") == 0 ||
           strcmp(step, "refused_at_reception") == 0;
}

bool lic_status_closes(int code) { return code == 3 || code == 7 || code == 8; }

void lic_view_of(cal_calendar *cal, const lic_dossier *d, cal_minute now, lic_view *v)
{
    memset(v, 0, sizeof *v);
    cal_minute finished = d->decided != LIC_NONE ? d->decided : d->returned;
    v->outcome = lic_outcome_of(finished, d->due, lic_step_closes(d->step));
    v->open = v->outcome == LIC_PENDING;
    if (!v->open)
        return;
    v->paused = d->paused != LIC_NONE;
    if (v->paused) {
        v->left_valid = d->paused_left >= 0;
        v->left_minutes = d->paused_left;
    } else if (d->due != LIC_NONE && now != LIC_NONE) {
        v->left_valid = true;
        v->left_minutes = cal_work_minutes_between(cal, now, d->due);
        v->overdue = now > d->due;
    }
}

void lic_official_view_of(const lic_dossier *d, cal_minute now, lic_view *v)
{
    memset(v, 0, sizeof *v);
    cal_minute finished = d->official_decided != LIC_NONE ? d->official_decided : d->official_returned;
    if (finished == LIC_NONE && (d->official_status == 9 || d->official_status == 10))
        finished = d->official_due; /* decided, date not exported: counted on its due date */
    v->outcome = lic_outcome_of(finished, d->official_due, lic_status_closes(d->official_status));
    v->open = v->outcome == LIC_PENDING;
    v->paused = v->open && d->official_status == 5;
    v->overdue = v->open && !v->paused && d->official_due != LIC_NONE && now > d->official_due;
}

int64_t lic_path_id(http_request *req, int i)
{
    char *end;
    long long id = strtoll(req->path_params[i], &end, 10);
    return *end || id < 1 ? 0 : id;
}

json_t *lic_json_body(http_request *req, rm_error *err) { return api_json_body(req, false, err); }

db_conn *lic_write_begin(http_request *req, rm_error *err)
{
    app_state *app = app_state_of(req);
    db_conn *db = app_writer_lock(app, err);
    if (!db)
        return NULL;
    if (db_exec(db, "BEGIN IMMEDIATE", err) < 0) {
        app_writer_unlock(app);
        return NULL;
    }
    return db;
}

int lic_write_end(http_request *req, db_conn *db, bool commit, rm_error *err)
{
    int rc = 0;
    if (commit) {
        if (db_exec(db, "COMMIT", err) < 0) {
            db_exec(db, "ROLLBACK", NULL);
            rc = -1;
        }
    } else {
        db_exec(db, "ROLLBACK", NULL);
    }
    app_writer_unlock(app_state_of(req));
    return rc;
}

int lic_tile_change_facility(db_conn *db, const char *layer, int64_t facility_id, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO tile_change(layer, min_lon, min_lat, max_lon, max_lat) "
                                    "SELECT ?1, lon, lat, lon, lat FROM facility WHERE id = ?2", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, layer, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, facility_id);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    return s == SQLITE_DONE ? 0 : db_error(db, err, 500, "recording the change for the tile cache");
}

int lic_audit_dossier(db_conn *db, http_request *req, const char *action, int64_t id, const char *before,
                      rm_error *err)
{
    buf after = BUF_INIT;
    json_writer w;
    json_init(&w, &after);
    cal_calendar *cal = cal_create();
    int rc = -1;
    if (!cal) {
        rm_error_set(err, 500, "Out of memory", "auditing a dossier");
        goto cleanup;
    }
    /* The audit keeps what the dossier says, not values that move with the clock. */
    if (lic_dossier_write(&w, db, cal, id, LIC_DOSSIER_SUMMARY, LIC_NONE, err) < 0)
        goto cleanup;
    rc = audit_append(db, req->user_name, action, "dossiers", id, NULL, before, after.data, err);
cleanup:
    cal_destroy(cal);
    buf_free(&after);
    return rc;
}

void lic_html_escape(buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '&': buf_puts(b, "&amp;"); break;
        case '"': buf_puts(b, "&quot;"); break;
        case '\'': buf_puts(b, "&#39;"); break;
        default: buf_putc(b, *s);
        }
    }
}

int lic_if_match(http_request *req, int64_t version, rm_error *err)
{
    const char *h = http_header(req, "If-Match");
    if (!h || strcmp(h, "*") == 0)
        return 0;
    const char *v = strstr(h, "\"v");
    long long n = v ? strtoll(v + 2, NULL, 10) : 0;
    if (n != version)
        return rm_error_set(err, 412, "Precondition Failed", "If-Match: the resource is at version %lld; reload it "
                            "and send the change again", (long long)version);
    return 0;
}
