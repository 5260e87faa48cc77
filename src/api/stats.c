/*
 * stats: the figures the Department is judged by and reports (GET /stats/one-stop, GET
 * /stats/register).
 *
 * One-stop: the dossiers received from `from` to `to` (local dates, inclusive), each classified
 * once: resolved early, on time or late (decided against its due instant; an extension letter does
 * not make a late dossier on time), pending (with those overdue now), or closed without a
 * decision (withdrawn, stopped, refused at reception: not scored). on_time_rate = (early + on
 * time) / resolved. Imported dossiers are classified from the one-stop system's official dates
 * and status, those received here from radmap's. Totals, per procedure, and per month of receipt.
 * The reconciliation list names the imported dossiers where radmap's own view (its status, its
 * due date from the working-day calendar, its outcome) and the official one disagree.
 *
 * Register: facilities, devices and sources by practice, IAEA category and ward, authorizations
 * by kind and status, each part only for the visibility classes that may see it: the public class
 * gets facilities (without those it may not see) and nothing else; viewers add devices and
 * authorizations; source counts and categories are for the full class only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/licensing_int.h"
#include "core/date.h"
#include "db/licensing.h"
#include "db/licensing_sql.h"

#define MAX_GROUPS 64
#define MAX_MONTHS 240
#define MAX_RECONCILE 500

typedef struct counters {
    long received, resolved, early, on_time, late, pending, overdue, closed;
} counters;

typedef struct group {
    char key[64];
    char name[400];
    counters all;
    counters month[MAX_MONTHS];
} group;

static void count(counters *c, const lic_view *v)
{
    c->received++;
    switch (v->outcome) {
    case LIC_EARLY: c->early++, c->resolved++; break;
    case LIC_ON_TIME: c->on_time++, c->resolved++; break;
    case LIC_LATE: c->late++, c->resolved++; break;
    case LIC_CLOSED: c->closed++; break;
    default: c->pending++, c->overdue += v->overdue; break;
    }
}

static void write_counters(json_writer *w, const counters *c)
{
    json_kv_int(w, "received", c->received);
    json_kv_int(w, "resolved", c->resolved);
    json_kv_int(w, "early", c->early);
    json_kv_int(w, "on_time", c->on_time);
    json_kv_int(w, "late", c->late);
    json_kv_int(w, "pending", c->pending);
    json_kv_int(w, "overdue_now", c->overdue);
    json_kv_int(w, "closed_without_decision", c->closed);
    json_key(w, "on_time_rate");
    if (c->resolved)
        json_numf(w, (double)(c->early + c->on_time) / (double)c->resolved, 4);
    else
        json_write_null(w);
}

static void write_group(json_writer *w, const group *g, int y0, int m0, int nmonths)
{
    write_counters(w, &g->all);
    json_key(w, "by_month");
    json_arr_begin(w);
    for (int i = 0; i < nmonths; i++) {
        char month[16];
        int k = m0 - 1 + i;
        snprintf(month, sizeof month, "%04d-%02d", y0 + k / 12, k % 12 + 1);
        json_obj_begin(w);
        json_kv_str(w, "month", month);
        write_counters(w, &g->month[i]);
        json_obj_end(w);
    }
    json_arr_end(w);
}

static void write_view(json_writer *w, const char *key, int status, cal_minute due, const lic_view *v)
{
    json_key(w, key);
    json_obj_begin(w);
    json_kv_int(w, "status", status);
    json_kv_str(w, "status_name", lic_status_name_vi(status));
    lic_json_instant(w, "due_at", due);
    json_kv_str(w, "outcome", lic_outcome_key(v->outcome));
    json_obj_end(w);
}

int api_stats_one_stop(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"from", "to", "procedure", NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int32_t today = date_today(), from, to;
    int ty, tm, td;
    date_to_civil(today, &ty, &tm, &td);
    from = date_from_civil(ty, 1, 1);
    to = today;
    const char *fs = http_query(req, "from"), *ts = http_query(req, "to"), *proc = http_query(req, "procedure");
    if (fs && date_parse(fs, &from) < 0)
        return rm_error_set(err, 400, "Invalid parameter", "from must be a date YYYY-MM-DD");
    if (ts && date_parse(ts, &to) < 0)
        return rm_error_set(err, 400, "Invalid parameter", "to must be a date YYYY-MM-DD");
    if (to < from)
        return rm_error_set(err, 400, "Invalid parameter", "to is before from");
    int y0, m0, d0, y1, m1, d1;
    date_to_civil(from, &y0, &m0, &d0);
    date_to_civil(to, &y1, &m1, &d1);
    int nmonths = (y1 - y0) * 12 + m1 - m0 + 1;
    if (nmonths > MAX_MONTHS)
        return rm_error_set(err, 400, "Invalid parameter", "from and to may be at most %d months apart", MAX_MONTHS);
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    char key[64] = "";
    if (proc) {
        lic_proc p;
        int found = lic_proc_in_force(db, proc, today, &p, err);
        if (found < 0)
            return -1;
        if (!found)
            return rm_error_set(err, 400, "Invalid parameter", "procedure='%.60s' is not a procedure key or code; GET "
                                "/procedures lists them", proc);
        snprintf(key, sizeof key, "%s", p.key);
    }
    group *groups = calloc(MAX_GROUPS + 1, sizeof *groups); /* [0]: the total */
    cal_calendar *cal = licensing_calendar(db, err);
    buf rec = BUF_INIT;
    int rc = -1, ngroups = 0, nrec = 0;
    if (!groups || !cal) {
        if (!groups)
            rm_error_set(err, 500, "Out of memory", "computing statistics");
        goto cleanup;
    }
    char a[32], b[32];
    cal_format_utc((cal_minute)from * CAL_MINUTES_PER_DAY, a);
    cal_format_utc((cal_minute)(to + 1) * CAL_MINUTES_PER_DAY, b);
    sqlite3_stmt *st = db_stmt(db, "SELECT d.id, coalesce(p.key, ''), coalesce(p.name_vi, d.procedure_code, '') FROM "
                                    "dossier d LEFT JOIN procedure p ON p.id = d.procedure_id WHERE d.received_at >= ?1 "
                                    "AND d.received_at < ?2 AND (?3 = '' OR p.key = ?3) ORDER BY d.id", err);
    if (!st)
        goto cleanup;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, key, -1, SQLITE_TRANSIENT);
    cal_minute now = cal_now();
    json_writer rw;
    json_init(&rw, &rec);
    json_arr_begin(&rw);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        lic_dossier d;
        if (lic_dossier_load(db, sqlite3_column_int64(st, 0), &d, err) <= 0) {
            db_stmt_done(st);
            goto cleanup;
        }
        const char *pk = (const char *)sqlite3_column_text(st, 1);
        lic_view mine, official = {0}, *v = &mine;
        lic_view_of(cal, &d, now, &mine);
        bool imported = d.official_status != 0;
        if (imported) {
            lic_official_view_of(&d, now, &official);
            v = &official;
        }
        int32_t rday = cal_day_of(d.received);
        int ry, rm, rd;
        date_to_civil(rday, &ry, &rm, &rd);
        int mi = (ry - y0) * 12 + rm - m0;
        int gi = 0;
        for (int g = 1; g <= ngroups && !gi; g++)
            if (strcmp(groups[g].key, pk) == 0)
                gi = g;
        if (!gi && ngroups < MAX_GROUPS) {
            gi = ++ngroups;
            snprintf(groups[gi].key, sizeof groups[gi].key, "%s", pk);
            snprintf(groups[gi].name, sizeof groups[gi].name, "%s", (const char *)sqlite3_column_text(st, 2));
        }
        count(&groups[0].all, v);
        if (mi >= 0 && mi < nmonths)
            count(&groups[0].month[mi], v);
        if (gi) {
            count(&groups[gi].all, v);
            if (mi >= 0 && mi < nmonths)
                count(&groups[gi].month[mi], v);
        }
        /* Where the two views part. */
        if (!imported || nrec >= MAX_RECONCILE)
            continue;
        bool status_differs = d.national_status != d.official_status;
        bool closed = mine.outcome == LIC_CLOSED || official.outcome == LIC_CLOSED;
        bool due_differs = !closed && d.due != LIC_NONE && d.official_due != LIC_NONE &&
                           cal_day_of(d.due) != cal_day_of(d.official_due);
        bool outcome_differs = mine.outcome != official.outcome;
        if (!status_differs && !due_differs && !outcome_differs)
            continue;
        nrec++;
        json_obj_begin(&rw);
        json_kv_int(&rw, "id", d.id);
        json_kv_str(&rw, "receipt_no", d.receipt_no);
        json_kv_str(&rw, "procedure", pk[0] ? pk : NULL);
        json_key(&rw, "disagreements");
        json_arr_begin(&rw);
        if (status_differs)
            json_str(&rw, "status");
        if (due_differs)
            json_str(&rw, "due_date");
        if (outcome_differs)
            json_str(&rw, "outcome");
        json_arr_end(&rw);
        write_view(&rw, "radmap", d.national_status, d.due, &mine);
        write_view(&rw, "official", d.official_status, d.official_due, &official);
        json_obj_end(&rw);
    }
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 500, "reading dossiers");
        goto cleanup;
    }
    json_arr_end(&rw);
    char df[11], dt[11];
    date_format(from, df);
    date_format(to, dt);
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_str(&w, "from", df);
    json_kv_str(&w, "to", dt);
    json_kv_str(&w, "procedure", key[0] ? key : NULL);
    lic_json_instant(&w, "now", now);
    json_kv_str(&w, "rule", "dossiers received from..to, each counted once; resolved = early + on_time + late; "
                            "on_time_rate = (early + on_time) / resolved; imported dossiers from the official dates");
    json_key(&w, "total");
    json_obj_begin(&w);
    write_group(&w, &groups[0], y0, m0, nmonths);
    json_obj_end(&w);
    json_key(&w, "by_procedure");
    json_arr_begin(&w);
    for (int g = 1; g <= ngroups; g++) {
        json_obj_begin(&w);
        json_kv_str(&w, "procedure", groups[g].key[0] ? groups[g].key : NULL);
        json_kv_str(&w, "name_vi", groups[g].name);
        write_group(&w, &groups[g], y0, m0, nmonths);
        json_obj_end(&w);
    }
    json_arr_end(&w);
    json_kv_int(&w, "reconciliation_count", nrec);
    json_key(&w, "reconciliation");
    json_raw(&w, rec.data, rec.len);
    json_obj_end(&w);
    req->no_etag = true;
    req->cache_control = "no-store";
    http_reply(req, 200, "application/json");
    rc = 0;
cleanup:
    cal_destroy(cal);
    free(groups);
    buf_free(&rec);
    return rc;
}

/* ---- register ------------------------------------------------------------------------------ */

/* Write {value: count} for "SELECT value, count(*) ... GROUP BY 1" (NULL values as "none"). */
static int counts_object(json_writer *w, db_conn *db, const char *sql, int32_t today, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, sql, err);
    if (!st)
        return -1;
    int idx = sqlite3_bind_parameter_index(st, ":today");
    if (idx)
        sqlite3_bind_int64(st, idx, today);
    json_obj_begin(w);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        json_kv_int(w, k ? k : "none", sqlite3_column_int64(st, 1));
    }
    db_stmt_done(st);
    json_obj_end(w);
    return s == SQLITE_DONE ? 0 : db_error(db, err, 500, "counting the register");
}

static int total(json_writer *w, db_conn *db, const char *sql, int32_t today, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, sql, err);
    if (!st)
        return -1;
    int idx = sqlite3_bind_parameter_index(st, ":today");
    if (idx)
        sqlite3_bind_int64(st, idx, today);
    json_kv_int(w, "total", sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0);
    db_stmt_done(st);
    return 0;
}

int api_stats_register(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    vis_class vis = api_caller_class(req);
    int32_t today = date_today();
    const coll_def *fc = coll_find("facilities"), *sc = coll_find("sources");
    const coll_prop *fcat = fc ? coll_prop_find(fc, "max_category") : NULL;
    const coll_prop *scat = sc ? coll_prop_find(sc, "iaea_category") : NULL;
    if (!fc || !sc || !fcat || !scat)
        return rm_error_set(err, 500, "Internal Server Error", "the register's collections are not defined");
    /* Facilities the class may see. */
    buf fwhere = BUF_INIT, sql = BUF_INIT;
    buf_puts(&fwhere, vis == VIS_PUBLIC && fc->public_rows ? fc->public_rows : "1");
    static const char *const classes[] = {"public", "viewer", "full"};
    char date[11];
    date_format(today, date);
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_str(&w, "visibility", classes[vis]);
    json_kv_str(&w, "today", date);
    int rc = -1;
#define Q(...) (buf_reset(&sql), buf_appendf(&sql, __VA_ARGS__), sql.data)
    json_key(&w, "facilities");
    json_obj_begin(&w);
    if (total(&w, db, Q("SELECT count(*) FROM facility t WHERE %s", fwhere.data), today, err) < 0)
        goto cleanup;
    static const char *const fgroups[][2] = {{"by_practice", "t.practice"}, {"by_status", "t.status"},
                                             {"by_ward", "t.ward"}};
    for (int i = 0; i < 3; i++) {
        json_key(&w, fgroups[i][0]);
        if (counts_object(&w, db, Q("SELECT %s, count(*) FROM facility t WHERE %s GROUP BY 1 ORDER BY 1", fgroups[i][1],
                                    fwhere.data), today, err) < 0)
            goto cleanup;
    }
    if (vis >= VIS_FULL) {
        json_key(&w, "by_category");
        if (counts_object(&w, db, Q("SELECT CAST(%s AS TEXT), count(*) FROM facility t GROUP BY 1 ORDER BY 1", fcat->sql),
                          today, err) < 0)
            goto cleanup;
    }
    if (vis >= VIS_VIEWER) {
        json_key(&w, "by_licence_status");
        if (counts_object(&w, db, "SELECT " LIC_FAC_LICENCE_STATUS ", count(*) FROM facility t GROUP BY 1 ORDER BY 1",
                          today, err) < 0)
            goto cleanup;
    }
    json_obj_end(&w);
    if (vis >= VIS_VIEWER) {
        json_key(&w, "devices");
        json_obj_begin(&w);
        const char *held = "d.status IN ('in_use','stored','disused')";
        if (total(&w, db, Q("SELECT count(*) FROM device d WHERE %s", held), today, err) < 0)
            goto cleanup;
        static const char *const dgroups[][2] = {{"by_type", "d.type"}, {"by_practice", "f.practice"},
                                                 {"by_ward", "f.ward"}};
        for (int i = 0; i < 3; i++) {
            json_key(&w, dgroups[i][0]);
            if (counts_object(&w, db, Q("SELECT %s, count(*) FROM device d JOIN facility f ON f.id = d.facility_id "
                                        "WHERE %s GROUP BY 1 ORDER BY 1", dgroups[i][1], held), today, err) < 0)
                goto cleanup;
        }
        json_obj_end(&w);
    }
    if (vis >= VIS_FULL) {
        json_key(&w, "sources");
        json_obj_begin(&w);
        const char *held = "t.status IN " COLL_HELD_SOURCE;
        if (total(&w, db, Q("SELECT count(*) FROM source t WHERE %s", held), today, err) < 0)
            goto cleanup;
        static const char *const sgroups[][2] = {{"by_practice", "f.practice"}, {"by_ward", "f.ward"},
                                                 {"by_nuclide", "t.nuclide"}};
        for (int i = 0; i < 3; i++) {
            json_key(&w, sgroups[i][0]);
            if (counts_object(&w, db, Q("SELECT %s, count(*) FROM %s WHERE %s GROUP BY 1 ORDER BY 1", sgroups[i][1],
                                        sc->from, held), today, err) < 0)
                goto cleanup;
        }
        json_key(&w, "by_category");
        if (counts_object(&w, db, Q("SELECT CAST(%s AS TEXT), count(*) FROM %s WHERE %s GROUP BY 1 ORDER BY 1",
                                    scat->sql, sc->from, held), today, err) < 0)
            goto cleanup;
        json_obj_end(&w);
    }
    if (vis >= VIS_VIEWER) {
        json_key(&w, "authorizations");
        json_obj_begin(&w);
        if (total(&w, db, "SELECT count(*) FROM authorization", today, err) < 0)
            goto cleanup;
        json_key(&w, "by_status");
        if (counts_object(&w, db, "SELECT " LIC_AUTH_STATUS("a") ", count(*) FROM authorization a GROUP BY 1 ORDER BY 1",
                          today, err) < 0)
            goto cleanup;
        json_key(&w, "by_record_owner");
        if (counts_object(&w, db, "SELECT record_owner, count(*) FROM authorization GROUP BY 1 ORDER BY 1", today,
                          err) < 0)
            goto cleanup;
        json_key(&w, "by_kind");
        json_obj_begin(&w);
        static const char *const kinds[] = {"licence", "declaration_confirmation", "worker_certificate",
                                            "emergency_plan_approval"};
        for (int i = 0; i < 4; i++) {
            json_key(&w, kinds[i]);
            if (counts_object(&w, db, Q("SELECT " LIC_AUTH_STATUS("a") ", count(*) FROM authorization a WHERE a.kind = "
                                        "'%s' GROUP BY 1 ORDER BY 1", kinds[i]), today, err) < 0)
                goto cleanup;
        }
        json_obj_end(&w);
        json_obj_end(&w);
    }
#undef Q
    json_obj_end(&w);
    req->no_etag = true;
    req->cache_control = "no-store";
    http_reply(req, 200, "application/json");
    rc = 0;
cleanup:
    buf_free(&fwhere);
    buf_free(&sql);
    return rc;
}
