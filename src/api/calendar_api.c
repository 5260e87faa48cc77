/*
 * calendar_api: the working-day calendar of a year (GET /calendar/{year}) and the table of that
 * year's announcements that admins keep (PUT /calendar/{year}): the exact Tết days, the day beside
 * 2 September, other days off and Saturdays that are worked (core/calendar.h).
 *
 * A PUT replaces the year's announcements as a whole (If-Match with the ETag of the GET) and is
 * audited. Due instants already given to applicants are stored on their dossiers, so a change here
 * moves none of them; dossiers received or resumed afterwards use the new calendar.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/edit_int.h"
#include "api/licensing_int.h"
#include "core/date.h"
#include "core/lunar.h"
#include "db/audit.h"
#include "db/licensing.h"

#define MAX_CHANGES 120

static int path_year(http_request *req, rm_error *err)
{
    char *end;
    long y = strtol(req->path_params[0], &end, 10);
    if (*end || y < CAL_YEAR_MIN + 1 || y > CAL_YEAR_MAX - 1) {
        rm_error_set(err, 404, "Not Found", "year must be a whole number from %d to %d", CAL_YEAR_MIN + 1,
                     CAL_YEAR_MAX - 1);
        return 0;
    }
    return (int)y;
}

static int year_version(db_conn *db, int year, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT version FROM calendar_year WHERE year = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int(st, 1, year);
    int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    db_stmt_done(st);
    return v;
}

/* The announcements of a year as a JSON array. */
static int write_changes(json_writer *w, db_conn *db, int year, rm_error *err)
{
    char a[11], b[11];
    date_format(date_from_civil(year, 1, 1), a);
    date_format(date_from_civil(year, 12, 31), b);
    sqlite3_stmt *st = db_stmt(db, "SELECT day, kind, note, source FROM calendar_change WHERE day BETWEEN ? AND ? "
                                    "ORDER BY day", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
    json_arr_begin(w);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_obj_begin(w);
        json_kv_str(w, "date", (const char *)sqlite3_column_text(st, 0));
        json_kv_str(w, "kind", (const char *)sqlite3_column_text(st, 1));
        json_kv_str(w, "note", (const char *)sqlite3_column_text(st, 2));
        json_kv_str(w, "source", (const char *)sqlite3_column_text(st, 3));
        json_obj_end(w);
    }
    db_stmt_done(st);
    json_arr_end(w);
    return 0;
}

static int write_year(json_writer *w, db_conn *db, int year, int version, rm_error *err)
{
    cal_calendar *cal = licensing_calendar(db, err);
    if (!cal)
        return -1;
    static const char *const wd[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
    char s[11];
    json_obj_begin(w);
    json_kv_int(w, "year", year);
    date_format(lunar_new_year(year, LUNAR_TZ_VIETNAM), s);
    json_kv_str(w, "lunar_new_year", s);
    json_kv_int(w, "lunar_leap_month", lunar_leap_month(year, LUNAR_TZ_VIETNAM));
    lunar_date hk = {year, 3, 10, false};
    int32_t hung;
    if (lunar_to_day(&hk, LUNAR_TZ_VIETNAM, &hung) == 0) {
        date_format(hung, s);
        json_kv_str(w, "hung_kings", s);
    }
    json_kv_int(w, "hours_per_working_day", CAL_HOURS_PER_DAY);
    json_key(w, "office_hours");
    json_arr_begin(w);
    json_str(w, "07:30-11:30");
    json_str(w, "13:00-17:00");
    json_arr_end(w);
    json_kv_int(w, "working_days", cal_working_days_in_year(cal, year));
    json_key(w, "days");
    json_arr_begin(w);
    int32_t first = date_from_civil(year, 1, 1), end = date_from_civil(year + 1, 1, 1);
    for (int32_t d = first; d < end; d++) {
        bool on_weekend = false;
        cal_reason r = cal_day_reason(cal, d, &on_weekend);
        if (r == CAL_WORKING || r == CAL_WEEKEND)
            continue;
        date_format(d, s);
        json_obj_begin(w);
        json_kv_str(w, "date", s);
        json_kv_str(w, "weekday", wd[((d + 3) % 7 + 7) % 7]);
        json_kv_bool(w, "working", r == CAL_SWAPPED_WORKING);
        json_kv_str(w, "reason", cal_reason_key(r));
        json_kv_str(w, "name_vi", cal_reason_name_vi(r));
        json_kv_str(w, "name_en", cal_reason_name_en(r));
        json_kv_bool(w, "holiday_on_weekend", on_weekend);
        json_obj_end(w);
    }
    json_arr_end(w);
    json_key(w, "changes");
    int rc = write_changes(w, db, year, err);
    json_kv_int(w, "version", version);
    json_obj_end(w);
    cal_destroy(cal);
    return rc;
}

int api_calendar(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int year = path_year(req, err);
    if (!year)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    int version = year_version(db, year, err);
    if (version < 0)
        return -1;
    json_writer w;
    json_init(&w, &req->out);
    if (write_year(&w, db, year, version, err) < 0)
        return -1;
    snprintf(req->etag, sizeof req->etag, "\"v%d\"", version);
    http_reply(req, 200, "application/json");
    return 0;
}

int api_calendar_put(http_request *req, rm_error *err)
{
    int year = path_year(req, err);
    if (!year)
        return -1;
    if (!http_header(req, "If-Match"))
        return rm_error_set(err, 428, "Precondition Required", "send If-Match with the ETag of GET /calendar/%d", year);
    json_t *body = lic_json_body(req, err);
    if (!body)
        return -1;
    int rc = -1;
    db_conn *db = NULL;
    cal_calendar *rules = NULL;
    buf before = BUF_INIT, after = BUF_INIT;
    edit_errors *e = calloc(1, sizeof *e);
    cal_change *list = calloc(MAX_CHANGES, sizeof *list);
    const char *notes[MAX_CHANGES][2];
    bool ok[MAX_CHANGES];
    if (!e || !list || !(rules = cal_create())) {
        rm_error_set(err, 500, "Out of memory", "editing the calendar");
        goto cleanup;
    }
    json_t *changes = json_object_get(body, "changes");
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v) if (strcmp(k, "changes") != 0) add_error(e, k, "is not a field; send {\"changes\": [...]}");
    if (!json_is_array(changes) || json_array_size(changes) > MAX_CHANGES) {
        add_error(e, "changes", "must be an array of at most %d announcements {date, kind, note, source}", MAX_CHANGES);
        rc = reply_invalid(req, e);
        goto cleanup;
    }
    size_t n = json_array_size(changes);
    int ntet = 0, nnat = 0;
    int32_t tet = lunar_new_year(year, LUNAR_TZ_VIETNAM);
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_array_get(changes, i);
        int before_errors = e->n;
        ok[i] = false;
        char f[32];
        snprintf(f, sizeof f, "changes[%zu]", i);
        const char *date = json_string_value(json_object_get(c, "date"));
        const char *kind = json_string_value(json_object_get(c, "kind"));
        notes[i][0] = json_string_value(json_object_get(c, "note"));
        notes[i][1] = json_string_value(json_object_get(c, "source"));
        int32_t day;
        int yy, mm, dd;
        if (!json_is_object(c)) {
            add_error(e, f, "must be an object {date, kind, note, source}");
            continue;
        }
        if (!date || date_parse(date, &day) < 0) {
            add_error(e, f, "date must be YYYY-MM-DD");
            continue;
        }
        date_to_civil(day, &yy, &mm, &dd);
        if (yy != year)
            add_error(e, f, "%s is not in %d", date, year);
        list[i].day = day;
        list[i].kind = licensing_change_kind(kind);
        if (!list[i].kind)
            add_error(e, f, "kind must be tet, national_day, day_off or working_day");
        else if (list[i].kind == CAL_CHANGE_TET && (day < tet - 10 || day > tet + 10)) {
            char t[11];
            date_format(tet, t);
            add_error(e, f, "a Tết day must be within 10 days of the lunar new year (%s)", t);
        } else if (list[i].kind == CAL_CHANGE_NATIONAL_DAY && !(mm == 9 && (dd == 1 || dd == 3)))
            add_error(e, f, "the day beside National Day is 1 or 3 September");
        ntet += list[i].kind == CAL_CHANGE_TET;
        nnat += list[i].kind == CAL_CHANGE_NATIONAL_DAY;
        for (size_t j = 0; j < i; j++)
            if (list[j].day == day)
                add_error(e, f, "%s is listed twice", date);
        for (int t = 0; t < 2; t++) {
            json_t *x = json_object_get(c, t ? "source" : "note");
            if (x && !json_is_null(x) && (!json_is_string(x) || strlen(json_string_value(x)) > 500))
                add_error(e, f, "%s must be a string of at most 500 bytes", t ? "source" : "note");
        }
        ok[i] = e->n == before_errors;
    }
    if (ntet > 9)
        add_error(e, "changes", "at most 9 Tết days");
    if (nnat > 1)
        add_error(e, "changes", "one day beside National Day at most");
    /* Days off and worked days are checked against the rules with this year's Tết and national day
     * (entries already refused above are left out). */
    cal_change base[12];
    size_t nb = 0;
    for (size_t i = 0; i < n && nb < 12; i++)
        if (ok[i] && (list[i].kind == CAL_CHANGE_TET || list[i].kind == CAL_CHANGE_NATIONAL_DAY))
            base[nb++] = list[i];
    cal_set_changes(rules, year, base, nb);
    for (size_t i = 0; i < n; i++) {
        char f[32];
        snprintf(f, sizeof f, "changes[%zu]", i);
        cal_reason r = ok[i] ? cal_day_reason(rules, list[i].day, NULL) : CAL_WORKING;
        if (ok[i] && list[i].kind == CAL_CHANGE_DAY_OFF && r != CAL_WORKING)
            add_error(e, f, "is already a day off (%s)", cal_reason_key(r));
        else if (ok[i] && list[i].kind == CAL_CHANGE_WORKING_DAY && r == CAL_WORKING)
            add_error(e, f, "is already a working day");
    }
    if (e->n) {
        rc = reply_invalid(req, e);
        goto cleanup;
    }
    if (!(db = lic_write_begin(req, err)))
        goto cleanup;
    int version = year_version(db, year, err);
    if (version < 0 || lic_if_match(req, version, err) < 0)
        goto rollback;
    json_writer bw;
    json_init(&bw, &before);
    if (write_changes(&bw, db, year, err) < 0)
        goto rollback;
    char a[11], b[11];
    date_format(date_from_civil(year, 1, 1), a);
    date_format(date_from_civil(year, 12, 31), b);
    sqlite3_stmt *st = db_stmt(db, "DELETE FROM calendar_change WHERE day BETWEEN ? AND ?", err);
    if (!st)
        goto rollback;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 500, "replacing the calendar");
        goto rollback;
    }
    static const char *const kind_names[] = {NULL, "tet", "national_day", "day_off", "working_day"};
    for (size_t i = 0; i < n; i++) {
        st = db_stmt(db, "INSERT INTO calendar_change(day, kind, note, source) VALUES (?, ?, ?, ?)", err);
        if (!st)
            goto rollback;
        char d[11];
        date_format(list[i].day, d);
        sqlite3_bind_text(st, 1, d, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, kind_names[list[i].kind], -1, SQLITE_STATIC);
        notes[i][0] ? sqlite3_bind_text(st, 3, notes[i][0], -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 3);
        notes[i][1] ? sqlite3_bind_text(st, 4, notes[i][1], -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 4);
        s = sqlite3_step(st);
        db_stmt_done(st);
        if (s != SQLITE_DONE) {
            db_error(db, err, 500, "writing the calendar");
            goto rollback;
        }
    }
    st = db_stmt(db, "INSERT INTO calendar_year(year, version, updated_by) VALUES (?1, 1, ?2) ON CONFLICT(year) DO "
                     "UPDATE SET version = version + 1, updated_by = ?2, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')",
                 err);
    if (!st)
        goto rollback;
    sqlite3_bind_int(st, 1, year);
    sqlite3_bind_text(st, 2, req->user_name, -1, SQLITE_TRANSIENT);
    s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 500, "writing the calendar");
        goto rollback;
    }
    json_writer aw;
    json_init(&aw, &after);
    if (write_changes(&aw, db, year, err) < 0 ||
        audit_append(db, req->user_name, "replace", "calendar", year, NULL, before.data, after.data, err) < 0)
        goto rollback;
    if (lic_write_end(req, db, true, err) < 0) {
        db = NULL;
        goto cleanup;
    }
    db = NULL;
    db_conn *rdb = http_thread_db(req, err);
    json_writer w;
    json_init(&w, &req->out);
    if (!rdb || write_year(&w, rdb, year, version + 1, err) < 0)
        goto cleanup;
    char etag[32];
    snprintf(etag, sizeof etag, "\"v%d\"", version + 1);
    http_set_header(req, "ETag", etag);
    req->no_etag = true;
    http_reply(req, 200, "application/json");
    rc = 0;
    goto cleanup;
rollback:
    lic_write_end(req, db, false, NULL);
    db = NULL;
cleanup:
    cal_destroy(rules);
    json_decref(body);
    buf_free(&before);
    buf_free(&after);
    free(list);
    free(e);
    return rc;
}
