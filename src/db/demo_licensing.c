/*
 * demo_licensing: the demo city's licensing history; see demo_licensing.h.
 *
 * For every facility of this Department's register it draws when its licence, its declaration
 * confirmation and its safety officer's certificate were last issued. What was issued in the last
 * two years came out of a dossier, which is simulated step by step on the working-day calendar:
 * received at the counter or by the one-stop system (online, post), assigned, reviewed, sometimes
 * sent back for a supplement (the clock pauses), paid for, visited, decided and returned; most are
 * decided on their due day, some before, a few late after an apology letter (form 04), a few are
 * refused or withdrawn, and those received lately are still pending (some already overdue).
 * Renewals and amendments supersede the licence they change. Older documents are written without
 * a dossier; licences run five years from issue (demo data: the real period is the one written on
 * each licence), so some expire within 90 days and some have expired. Facilities of the national
 * regulator get its licences, with their nuclides and possession limits. Inspections go back four
 * years at each practice's interval, with a few failures and their follow-ups, one planned
 * inspection per enterprise a year.
 *
 * The simulation draws every choice from its own xoshiro stream seeded from the demo seed, and
 * counts days back from date_today(), so a seed and a day give the same history.
 */
#include "db/demo_licensing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/date.h"
#include "db/demo_int.h"

#define HISTORY_DAYS 730
#define LICENCE_DAYS 1826
#define VARANS_DAYS 1095
#define MAX_STEPS 24
#define MAX_DEVICES 64

enum { PR_DECL, PR_NEW, PR_RENEW, PR_AMEND, PR_REISSUE, PR_CERT, PR_PLAN, PR_N };
static const char *const proc_keys[PR_N] = {"xray_declaration", "xray_licence_new", "xray_licence_renewal",
                                            "xray_licence_amendment", "xray_licence_reissue", "rso_certificate",
                                            "xray_emergency_plan"};
enum { M_EARLY, M_ON_TIME, M_LATE, M_REFUSED, M_WITHDRAWN, M_STUCK };

typedef struct dproc {
    int64_t id;
    int hours;
    bool restart;
    bool fee;
    char produces[32];
} dproc;

typedef struct dfac {
    int64_t id, org, licence;
    char name[256], applicant[256], status[12], owner[12], licence_expires[11];
    int interval, failed_interval;
    int ndev;
    int64_t dev[MAX_DEVICES];
} dfac;

typedef struct step_rec {
    const char *step, *user, *origin;
    int code;
    cal_minute at, due_before, due_after;
    char data[160];
} step_rec;

typedef struct gen {
    sqlite3 *db;
    demo_rng r;
    cal_calendar *cal;
    int32_t today;
    cal_minute now;
    sqlite3_stmt *st_dossier, *st_step, *st_auth, *st_dev, *st_insp, *st_step_data;
    dproc p[PR_N];
    unsigned short seq[2][HISTORY_DAYS + 64]; /* receipt numbers per day: one-stop, counter */
    long licence_no, decl_no, cert_no, plan_no;
    int64_t *planned;                       /* org * 10000 + year of planned inspections */
    size_t nplanned, capplanned;
} gen;

static void bind_opt(sqlite3_stmt *st, int i, const char *s)
{
    s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

static void bind_at(sqlite3_stmt *st, int i, cal_minute m)
{
    char s[32];
    if (m == INT64_MIN) {
        sqlite3_bind_null(st, i);
        return;
    }
    cal_format_utc(m, s);
    sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

static int run(sqlite3_stmt *st)
{
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    return s == SQLITE_DONE ? 0 : -1;
}

#define NONE INT64_MIN

/* A working time within a working day on or after `day`, away from lunch. */
static cal_minute office_at(gen *g, int32_t day)
{
    while (!cal_is_working(g->cal, day))
        day++;
    int m = rng_chance(&g->r, 0.5) ? rng_range(&g->r, CAL_AM_START, CAL_AM_END - 15)
                                   : rng_range(&g->r, CAL_PM_START, CAL_PM_END - 15);
    return (cal_minute)day * CAL_MINUTES_PER_DAY + m;
}

static cal_minute later(gen *g, cal_minute from, int min_minutes, int max_minutes)
{
    return cal_add_work_minutes(g->cal, from, rng_range(&g->r, min_minutes, max_minutes));
}

static int32_t working_days_back(gen *g, int32_t day, int n)
{
    while (n > 0) {
        day--;
        if (cal_is_working(g->cal, day))
            n--;
    }
    return day;
}

static void fmt_date(int32_t day, char out[11]) { date_format(day, out); }

static void person_name(gen *g, char *out, size_t n)
{
    unsigned total = 0, pick;
    for (unsigned i = 0; i < demo_surname_count; i++)
        total += demo_surnames[i].weight;
    pick = rng_below(&g->r, total);
    const char *surname = demo_surnames[0].s;
    for (unsigned i = 0; i < demo_surname_count; i++) {
        if (pick < demo_surnames[i].weight) {
            surname = demo_surnames[i].s;
            break;
        }
        pick -= demo_surnames[i].weight;
    }
    int female = rng_chance(&g->r, 0.5);
    snprintf(out, n, "%s %s %s", surname, rng_pick(&g->r, female ? &demo_middle_female : &demo_middle_male),
             rng_pick(&g->r, female ? &demo_given_female : &demo_given_male));
}

/* Insert an authorization of facility f; returns its id or 0 on error. */
static int64_t authorization(gen *g, dfac *f, const char *kind, const char *number, int32_t issued, int32_t expires,
                             const char *change, int64_t supersedes, const char *conditions, int64_t dossier,
                             const char *person, const char *status, const char *owner)
{
    sqlite3_stmt *st = g->st_auth;
    char di[11], dx[11];
    fmt_date(issued, di);
    fmt_date(expires, dx);
    bind_opt(st, 1, number);
    bind_opt(st, 2, kind);
    bind_opt(st, 3, person ? "person" : "facility");
    sqlite3_bind_int64(st, 4, f->id);
    bind_opt(st, 5, person);
    bind_opt(st, 6, di);
    bind_opt(st, 7, expires ? dx : NULL);
    bind_opt(st, 8, status);
    bind_opt(st, 9, change);
    supersedes ? sqlite3_bind_int64(st, 10, supersedes) : sqlite3_bind_null(st, 10);
    bind_opt(st, 11, conditions);
    dossier ? sqlite3_bind_int64(st, 12, dossier) : sqlite3_bind_null(st, 12);
    bind_opt(st, 13, owner);
    bind_opt(st, 14, strcmp(owner, "varans") == 0 ? number : NULL);
    bind_opt(st, 15, strcmp(status, "suspended") == 0 ? "vi phạm điều kiện của giấy phép (dữ liệu minh họa)" : NULL);
    if (run(st) < 0)
        return 0;
    int64_t id = sqlite3_last_insert_rowid(g->db);
    if (supersedes) {
        char sql[128];
        snprintf(sql, sizeof sql, "UPDATE authorization SET status = 'superseded' WHERE id = %lld", (long long)supersedes);
        if (sqlite3_exec(g->db, sql, NULL, NULL, NULL) != SQLITE_OK)
            return 0;
    }
    return id;
}

static void devices_json(dfac *f, char *out, size_t n)
{
    size_t k = (size_t)snprintf(out, n, "{\"devices\":[");
    for (int i = 0; i < f->ndev && k + 24 < n; i++)
        k += (size_t)snprintf(out + k, n - k, "%s%lld", i ? "," : "", (long long)f->dev[i]);
    snprintf(out + k, n - k, "]}");
}

static const char *const refusal = "hồ sơ không đáp ứng điều kiện về che chắn phòng đặt thiết bị (dữ liệu minh họa)";

/* Simulate one dossier of procedure pi for facility f received at R; write it, its steps and, when
 * it produced one by now, its authorization. Returns the authorization id, 0 when none, -1 on error. */
static int64_t dossier(gen *g, int pi, dfac *f, cal_minute R, int mode)
{
    demo_rng *r = &g->r;
    dproc *p = &g->p[pi];
    step_rec s[MAX_STEPS];
    int n = 0;
    bool one_stop = rng_chance(r, 0.7);
    double u = rng_unit(r);
    const char *channel = one_stop ? (u < 0.6 ? "online" : u < 0.9 ? "counter" : "postal") : (u < 0.8 ? "counter" : "postal");
    const char *desk = one_stop ? "một cửa" : "demo.counter", *desk_origin = one_stop ? "import" : "user";
#define ADD(name, c, t, who, org)                                                                                     \
    (s[n] = (step_rec){name, who, org, c, t, NONE, NONE, ""}, &s[n++])
    cal_minute C = R;
    if (strcmp(channel, "counter") != 0) {
        ADD("filed", 1, R, desk, desk_origin);
        C = later(g, R, 60, 16 * 60);
    }
    cal_minute due = cal_add_work_minutes(g->cal, C, (int64_t)p->hours * 60);
    ADD("received", 2, C, desk, desk_origin)->due_after = due;
    cal_minute t = later(g, C, 30, 6 * 60);
    ADD("assigned", 4, t, "demo.leader", "user");
    cal_minute D = NONE, RR = NONE, RET = NONE, ext = NONE, ext_new = NONE;
    int64_t left = -1;
    if (mode == M_WITHDRAWN) {
        ADD("withdrawn", 7, later(g, t, 4 * 60, 40 * 60), desk, desk_origin);
        goto write;
    }
    t = later(g, t, 60, 12 * 60);
    ADD("completeness_review", 4, t, "demo.licensing", "user");
    if (rng_chance(r, 0.15)) {
        t = later(g, t, 30, 8 * 60);
        left = cal_work_minutes_between(g->cal, t, due);
        if (left < 0)
            left = 0;
        step_rec *q = ADD("supplement_requested", 5, t, "demo.licensing", "user");
        snprintf(q->data, sizeof q->data, "{\"working_minutes_left\":%lld}", (long long)left);
        cal_minute back = office_at(g, cal_day_of(t) + rng_range(r, 3, 25));
        cal_minute before = due;
        due = cal_add_work_minutes(g->cal, back, p->restart ? (int64_t)p->hours * 60 : left);
        q = ADD("supplement_received", 4, back, desk, desk_origin);
        q->due_before = before;
        q->due_after = due;
        snprintf(q->data, sizeof q->data, "{\"clock_rule\":\"%s\"}", p->restart ? "restart" : "pause");
        t = back;
    }
    if (p->fee && rng_chance(r, 0.4)) {
        t = later(g, t, 30, 4 * 60);
        ADD("payment_requested", 6, t, "demo.licensing", "user");
        t = later(g, t, 4 * 60, 24 * 60);
        ADD("payment_received", 4, t, desk, desk_origin);
    }
    /* The decision, by the outcome this dossier is to have. */
    cal_minute due_day_start = (cal_minute)cal_day_of(due) * CAL_MINUTES_PER_DAY + CAL_AM_START;
    if (mode == M_EARLY) {
        D = office_at(g, working_days_back(g, cal_day_of(due), rng_range(r, 1, 4)));
        if (D <= t + 120)
            mode = M_ON_TIME;
    }
    if (mode == M_ON_TIME || mode == M_REFUSED) {
        D = due - rng_range(r, 0, 120);
        if (D < due_day_start)
            D = due_day_start;
    } else if (mode == M_LATE || mode == M_STUCK) {
        D = cal_add_work_minutes(g->cal, due, mode == M_LATE ? rng_range(r, 8 * 60, 80 * 60)
                                                             : rng_range(r, 15 * 8 * 60, 30 * 8 * 60));
        ext = (cal_minute)working_days_back(g, cal_day_of(due), 1) * CAL_MINUTES_PER_DAY + 10 * 60;
        if (ext <= t)
            ext = t + 30;
    }
    if (D <= t + 60)
        D = later(g, t, 120, 240);
    /* Site visit, expert review and draft spread between the review and the decision. */
    const char *mid[3];
    int nm = 0;
    if ((pi == PR_NEW && rng_chance(r, 0.7)) || (pi == PR_RENEW && rng_chance(r, 0.3)))
        mid[nm++] = "site_visit";
    mid[nm++] = "expert_review";
    mid[nm++] = "draft_result";
    int64_t span = cal_work_minutes_between(g->cal, t, D);
    for (int k = 0; k < nm; k++)
        ADD(mid[k], 4, cal_add_work_minutes(g->cal, t, span * (k + 1) / (nm + 1)), "demo.licensing", "user");
    if (ext != NONE) {
        step_rec *q = ADD("extension_letter", 0, ext, "demo.leader", "user");
        char nd[11];
        int32_t promised = cal_add_working_days(g->cal, cal_day_of(D), rng_range(r, 0, 2));
        ext_new = (cal_minute)promised * CAL_MINUTES_PER_DAY + CAL_PM_END;
        fmt_date(promised, nd);
        snprintf(q->data, sizeof q->data, "{\"reason\":\"cần thêm thời gian thẩm định (dữ liệu minh họa)\","
                 "\"new_due\":\"%sT17:00:00+07:00\"}", nd);
    }
    step_rec *dec = ADD("decision", 9, D, "demo.leader", "user");
    if (mode == M_REFUSED)
        snprintf(dec->data, sizeof dec->data, "{\"decision\":\"refuse\",\"reasons\":\"%s\"}", refusal);
    else
        snprintf(dec->data, sizeof dec->data, "{\"decision\":\"approve\"}");
    if (mode != M_REFUSED) {
        RR = later(g, D, 10, 4 * 60);
        ADD("result_recorded", 9, RR, "demo.leader", "user");
    }
    RET = later(g, mode == M_REFUSED ? D : RR, 4 * 60, 24 * 60);
    ADD("result_returned", 10, RET, desk, desk_origin);
write:;
    /* Steps in time order; what lies after now has not happened yet. */
    for (int i = 1; i < n; i++)
        for (int k = i; k > 0 && s[k].at < s[k - 1].at; k--) {
            step_rec tmp = s[k];
            s[k] = s[k - 1];
            s[k - 1] = tmp;
        }
    while (n > 1 && s[n - 1].at > g->now)
        n--;
    if (s[0].at > g->now)
        return 0;
    const step_rec *last = NULL;
    cal_minute cur_due = NONE, complete = NONE, decided = NONE, returned = NONE, ext_due = NONE, pz = NONE;
    int64_t pleft = -1;
    bool result_recorded = false;
    for (int i = 0; i < n; i++) {
        if (s[i].code)
            last = &s[i];
        if (s[i].due_after != NONE)
            cur_due = s[i].due_after;
        if (strcmp(s[i].step, "received") == 0)
            complete = s[i].at;
        if (strcmp(s[i].step, "supplement_requested") == 0)
            pz = s[i].at, pleft = left;
        if (strcmp(s[i].step, "supplement_received") == 0)
            pz = NONE, pleft = -1;
        if (strcmp(s[i].step, "decision") == 0)
            decided = s[i].at;
        if (strcmp(s[i].step, "result_returned") == 0)
            returned = s[i].at;
        if (strcmp(s[i].step, "result_recorded") == 0)
            result_recorded = true;
        if (strcmp(s[i].step, "extension_letter") == 0)
            ext_due = ext_new;
    }
    /* Receipt number: the one-stop system's or this Department's, numbered per day. */
    int32_t rday = cal_day_of(R);
    int slot = (int)(rday - (g->today - HISTORY_DAYS - 40));
    if (slot < 0 || slot >= HISTORY_DAYS + 64)
        slot = 0;
    char day[11], receipt[64];
    fmt_date(rday, day);
    int seq = ++g->seq[one_stop ? 0 : 1][slot];
    if (one_stop)
        snprintf(receipt, sizeof receipt, "000.00.27.H29-%.2s%.2s%.2s-%04d", day + 2, day + 5, day + 8, seq);
    else
        snprintf(receipt, sizeof receipt, "SKHCN-%.2s%.2s%.2s-%04d", day + 2, day + 5, day + 8, seq);
    /* The one-stop system mostly agrees; now and then its due date or status differs. */
    int official = last->code;
    cal_minute off_due = cur_due;
    if (one_stop && rng_chance(r, 0.03) && cur_due != NONE)
        off_due = cal_add_work_minutes(g->cal, cur_due, 8 * 60);
    if (one_stop && rng_chance(r, 0.02) && official == 10)
        official = 9;
    sqlite3_stmt *st = g->st_dossier;
    bind_opt(st, 1, receipt);
    bind_opt(st, 2, one_stop ? "one_stop" : "counter");
    sqlite3_bind_int64(st, 3, p->id);
    bind_opt(st, 4, proc_keys[pi]);
    bind_opt(st, 5, f->applicant);
    f->org ? sqlite3_bind_int64(st, 6, f->org) : sqlite3_bind_null(st, 6);
    sqlite3_bind_int64(st, 7, f->id);
    bind_opt(st, 8, channel);
    bind_at(st, 9, R);
    bind_at(st, 10, strcmp(channel, "counter") ? cal_add_work_minutes(g->cal, R, 24 * 60) : NONE);
    bind_at(st, 11, complete);
    bind_at(st, 12, cur_due);
    bind_at(st, 13, pz);
    pleft >= 0 ? sqlite3_bind_int64(st, 14, pleft) : sqlite3_bind_null(st, 14);
    bind_at(st, 15, ext_due);
    bind_opt(st, 16, last->step);
    sqlite3_bind_int(st, 17, last->code);
    bind_opt(st, 18, decided == NONE ? NULL : mode == M_REFUSED ? "refused" : "approved");
    bind_at(st, 19, decided);
    bind_at(st, 20, returned);
    one_stop ? sqlite3_bind_int(st, 21, official) : sqlite3_bind_null(st, 21);
    bind_at(st, 22, one_stop ? off_due : NONE);
    bind_at(st, 23, one_stop ? decided : NONE);
    bind_at(st, 24, one_stop && official == 10 ? returned : NONE);
    bind_opt(st, 25, one_stop ? "demo" : NULL);
    bind_opt(st, 26, one_stop ? NULL : "demo.counter");
    if (run(st) < 0)
        return -1;
    int64_t id = sqlite3_last_insert_rowid(g->db);
    for (int i = 0; i < n; i++) {
        st = g->st_step;
        sqlite3_bind_int64(st, 1, id);
        bind_opt(st, 2, s[i].step);
        sqlite3_bind_int(st, 3, s[i].code ? s[i].code : 4);
        bind_at(st, 4, s[i].at);
        bind_opt(st, 5, s[i].user);
        bind_opt(st, 6, s[i].origin);
        bind_opt(st, 7, s[i].data[0] ? s[i].data : NULL);
        bind_at(st, 8, s[i].due_before);
        bind_at(st, 9, s[i].due_after);
        if (run(st) < 0)
            return -1;
    }
    if (pi == PR_NEW || pi == PR_RENEW || pi == PR_DECL)
        for (int i = 0; i < f->ndev; i++) {
            sqlite3_bind_int64(g->st_dev, 1, id);
            sqlite3_bind_int64(g->st_dev, 2, f->dev[i]);
            if (run(g->st_dev) < 0)
                return -1;
        }
    if (!result_recorded)
        return 0;
    /* The signed result. */
    int32_t issued = cal_day_of(D);
    char number[48], cond[1200], person[96];
    int64_t aid = 0;
    int y, m, d;
    date_to_civil(issued, &y, &m, &d);
    if (pi == PR_DECL) {
        snprintf(number, sizeof number, "%ld/XN-SKHCN", ++g->decl_no);
        devices_json(f, cond, sizeof cond);
        aid = authorization(g, f, "declaration_confirmation", number, issued, 0, "new", 0, cond, id, NULL, "issued",
                            "department");
    } else if (pi == PR_CERT) {
        snprintf(number, sizeof number, "%ld/%d/CC-SKHCN", ++g->cert_no, y);
        person_name(g, person, sizeof person);
        aid = authorization(g, f, "worker_certificate", number, issued, 0, "new", 0, NULL, id, person, "issued",
                            "department");
    } else if (pi == PR_PLAN) {
        snprintf(number, sizeof number, "%ld/QĐ-SKHCN", ++g->plan_no);
        aid = authorization(g, f, "emergency_plan_approval", number, issued, 0, "new", 0, NULL, id, NULL, "issued",
                            "department");
    } else {
        static const char *const change[PR_N] = {"new", "new", "renewal", "amendment", "reissue", "new", "new"};
        int32_t expires = issued + LICENCE_DAYS - 1;
        if ((pi == PR_AMEND || pi == PR_REISSUE) && f->licence_expires[0])
            date_parse(f->licence_expires, &expires);
        snprintf(number, sizeof number, "%ld/GP-SKHCN", ++g->licence_no);
        devices_json(f, cond, sizeof cond);
        aid = authorization(g, f, "licence", number, issued, expires, change[pi], pi == PR_NEW ? 0 : f->licence, cond,
                            id, NULL, "issued", "department");
        if (aid) {
            f->licence = aid;
            fmt_date(expires, f->licence_expires);
        }
    }
    if (!aid)
        return -1;
    snprintf(cond, sizeof cond, "{\"authorization_id\":%lld,\"number\":\"%s\"}", (long long)aid, number);
    sqlite3_bind_text(g->st_step_data, 1, cond, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(g->st_step_data, 2, id);
    return run(g->st_step_data) < 0 ? -1 : aid;
#undef ADD
}

static int pick_mode(gen *g)
{
    double u = rng_unit(&g->r);
    return u < 0.22 ? M_EARLY : u < 0.925 ? M_ON_TIME : u < 0.965 ? M_LATE : u < 0.985 ? M_REFUSED : M_WITHDRAWN;
}

/* A dossier received `age` days ago (its result dated about a month later). */
static int event(gen *g, int pi, dfac *f, int age, int mode)
{
    cal_minute R = office_at(g, g->today - age);
    if (R > g->now)
        return 0;
    return dossier(g, pi, f, R, mode) < 0 ? -1 : 0;
}

/* A facility's licence, declaration, certificate and emergency plan, now and over two years. */
static int facility_history(gen *g, dfac *f)
{
    demo_rng *r = &g->r;
    char number[48], cond[1200], person[96];
    bool closed = strcmp(f->status, "closed") == 0;
    int age = closed ? LICENCE_DAYS + rng_range(r, 30, 800) : rng_range(r, 0, LICENCE_DAYS + 95);
    /* The licence: from a dossier of the last two years (renewal or new), or older. */
    if (age > HISTORY_DAYS - 45 || !f->ndev) {
        snprintf(number, sizeof number, "%ld/GP-SKHCN", ++g->licence_no);
        devices_json(f, cond, sizeof cond);
        const char *status = strcmp(f->status, "suspended") == 0 ? "suspended" : closed && rng_chance(r, 0.3) ? "revoked"
                                                                                                            : "issued";
        f->licence = authorization(g, f, "licence", number, g->today - age, g->today - age + LICENCE_DAYS - 1, "new", 0,
                                   cond, 0, NULL, status, "department");
        if (!f->licence)
            return -1;
        fmt_date(g->today - age + LICENCE_DAYS - 1, f->licence_expires);
        /* Expiring or expired: most have applied for the renewal. */
        if (!closed && age > LICENCE_DAYS - 120 && rng_chance(r, 0.6) &&
            event(g, PR_RENEW, f, rng_range(r, 1, 30), pick_mode(g)) < 0)
            return -1;
    } else {
        bool renewal = rng_chance(r, 0.8);
        if (renewal) {
            int old = age + 35 + LICENCE_DAYS - rng_range(r, 0, 60);
            snprintf(number, sizeof number, "%ld/GP-SKHCN", ++g->licence_no);
            devices_json(f, cond, sizeof cond);
            f->licence = authorization(g, f, "licence", number, g->today - old, g->today - old + LICENCE_DAYS - 1, "new",
                                       0, cond, 0, NULL, "issued", "department");
            if (!f->licence)
                return -1;
            fmt_date(g->today - old + LICENCE_DAYS - 1, f->licence_expires);
        }
        if (event(g, renewal ? PR_RENEW : PR_NEW, f, age + 35, pick_mode(g)) < 0)
            return -1;
        if (strcmp(f->status, "suspended") == 0 && f->licence) {
            char sql[160];
            snprintf(sql, sizeof sql, "UPDATE authorization SET status = 'suspended', status_reason = 'dữ liệu minh họa' "
                     "WHERE id = %lld", (long long)f->licence);
            if (sqlite3_exec(g->db, sql, NULL, NULL, NULL) != SQLITE_OK)
                return -1;
        }
    }
    if (closed)
        return 0;
    /* An amendment or a re-issue of a licence a while after it was issued. */
    if (f->licence && rng_chance(r, 0.09) && event(g, rng_chance(r, 0.85) ? PR_AMEND : PR_REISSUE, f,
                                                  rng_range(r, 5, age > 200 ? (age < HISTORY_DAYS ? age - 60 : HISTORY_DAYS) : 5),
                                                  pick_mode(g)) < 0)
        return -1;
    /* Declaration of the X-ray devices. */
    if (f->ndev) {
        int dage = rng_range(r, 0, 2000);
        if (dage <= HISTORY_DAYS - 20) {
            if (event(g, PR_DECL, f, dage + 10, pick_mode(g)) < 0)
                return -1;
        } else {
            snprintf(number, sizeof number, "%ld/XN-SKHCN", ++g->decl_no);
            devices_json(f, cond, sizeof cond);
            if (!authorization(g, f, "declaration_confirmation", number, g->today - dage, 0, "new", 0, cond, 0, NULL,
                               "issued", "department"))
                return -1;
        }
    }
    /* The safety officer's certificate (no expiry). */
    if (rng_chance(r, 0.7)) {
        int cage = rng_range(r, 0, 2500);
        if (cage <= HISTORY_DAYS - 20) {
            if (event(g, PR_CERT, f, cage + 10, pick_mode(g)) < 0)
                return -1;
        } else {
            snprintf(number, sizeof number, "%ld/CC-SKHCN", ++g->cert_no);
            person_name(g, person, sizeof person);
            if (!authorization(g, f, "worker_certificate", number, g->today - cage, 0, "new", 0, NULL, 0, person, "issued",
                               "department"))
                return -1;
        }
    }
    if (rng_chance(r, 0.04) && event(g, PR_PLAN, f, rng_range(r, 1, HISTORY_DAYS), pick_mode(g)) < 0)
        return -1;
    /* Now and then a dossier that is already overdue and still open. */
    if (f->ndev && rng_chance(r, 0.008)) {
        int pi = rng_chance(r, 0.5) ? PR_DECL : PR_AMEND;
        if (event(g, pi, f, g->p[pi].hours / CAL_HOURS_PER_DAY * 7 / 5 + rng_range(r, 4, 20), M_STUCK) < 0)
            return -1;
    }
    return 0;
}

/* The national regulator's licence of one of its facilities, with nuclides and possession limits. */
static int varans_licence(gen *g, dfac *f, const char *number)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(g->db, "SELECT json_group_array(json_object('nuclide', nuclide, 'sources', n, "
                                  "'activity_limit_bq', lim)) FROM (SELECT nuclide, count(*) n, sum(activity_bq) * 1.5 "
                                  "lim FROM source WHERE facility_id = ? GROUP BY nuclide)", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, f->id);
    char cond[2000] = "{}";
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(cond, sizeof cond, "{\"nuclides\":%s}", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    int age = rng_range(&g->r, 0, VARANS_DAYS + 60);
    return authorization(g, f, "licence", number, g->today - age, g->today - age + VARANS_DAYS - 1, "new", 0, cond, 0,
                         NULL, "issued", "varans") ? 0 : -1;
}

static bool planned_taken(gen *g, int64_t org, int year)
{
    int64_t key = org * 10000 + year;
    for (size_t i = 0; i < g->nplanned; i++)
        if (g->planned[i] == key)
            return true;
    if (g->nplanned == g->capplanned) {
        size_t cap = g->capplanned ? g->capplanned * 2 : 1024;
        int64_t *p = realloc(g->planned, cap * sizeof *p);
        if (!p)
            return true;
        g->planned = p;
        g->capplanned = cap;
    }
    g->planned[g->nplanned++] = key;
    return false;
}

static int inspection(gen *g, dfac *f, int32_t day, const char *kind, const char *result, int32_t follow_up)
{
    sqlite3_stmt *st = g->st_insp;
    char d[11], fu[11], who[200], a[96], b[96];
    fmt_date(day, d);
    fmt_date(follow_up, fu);
    person_name(g, a, sizeof a);
    person_name(g, b, sizeof b);
    snprintf(who, sizeof who, "%s, %s", a, b);
    int y, m, dd;
    date_to_civil(day, &y, &m, &dd);
    if (strcmp(kind, "planned") == 0 && planned_taken(g, f->org ? f->org : -f->id, y))
        kind = "unannounced";
    sqlite3_bind_int64(st, 1, f->id);
    bind_opt(st, 2, d);
    bind_opt(st, 3, who);
    bind_opt(st, 4, kind);
    bind_opt(st, 5, strcmp(result, "passed") == 0 ? NULL : strcmp(result, "failed") == 0
        ? "thiếu kết quả kiểm định thiết bị; nhân viên bức xạ chưa được theo dõi liều (dữ liệu minh họa)"
        : "nội quy an toàn bức xạ chưa niêm yết tại phòng chụp (dữ liệu minh họa)");
    bind_opt(st, 6, result);
    bind_opt(st, 7, follow_up ? fu : NULL);
    return run(st);
}

/* Four years of inspections at the facility's interval; the last one may be overdue. */
static int inspections(gen *g, dfac *f)
{
    demo_rng *r = &g->r;
    int interval = f->interval * 30;
    int32_t day = g->today - rng_range(r, 0, interval + interval / 4);
    while (day > g->today - 4 * 365) {
        double u = rng_unit(r);
        const char *result = u < 0.85 ? "passed" : u < 0.95 ? "passed_with_findings" : "failed";
        bool failed = strcmp(result, "failed") == 0;
        int32_t fu = failed || strcmp(result, "passed_with_findings") == 0 ? day + 60 : 0;
        if (inspection(g, f, day, "planned", result, fu) < 0)
            return -1;
        int32_t again = day + rng_range(r, 45, 90);
        if (failed && again <= g->today && again < day + interval &&
            inspection(g, f, again, "follow_up", "passed", 0) < 0)
            return -1;
        day -= interval + rng_range(r, -interval / 10, interval / 10);
    }
    return 0;
}

static int prepare(gen *g)
{
    static const char *const sql[] = {
        "INSERT INTO dossier(receipt_no, origin, procedure_id, procedure_code, applicant, organization_id, facility_id, "
        "channel, received_at, completeness_due_at, complete_at, due_at, paused_at, paused_minutes_left, "
        "extended_due_at, step, national_status, result, decided_at, returned_at, official_status, official_due_at, "
        "official_decided_at, official_returned_at, import_id, received_by, is_demo) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
        "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, 1)",
        "INSERT INTO dossier_step(dossier_id, step, national_status, at, user_name, origin, data, due_before, due_after) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        "INSERT INTO authorization(number, kind, subject_type, facility_id, person_name, issued, expires, status, "
        "change_kind, supersedes_id, conditions, dossier_id, record_owner, external_ref, status_reason, lon, lat, geom, "
        "is_demo) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, lon, lat, "
        "MakePoint(lon, lat, 4326), 1 FROM facility WHERE id = ?4",
        "INSERT OR IGNORE INTO dossier_device(dossier_id, device_id) VALUES (?1, ?2)",
        "INSERT INTO inspection(facility_id, date, inspectors, kind, findings, result, follow_up_due, lon, lat, geom, "
        "is_demo) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, lon, lat, MakePoint(lon, lat, 4326), 1 FROM facility WHERE id = ?1",
        "UPDATE dossier_step SET data = ?1 WHERE dossier_id = ?2 AND step = 'result_recorded'",
    };
    sqlite3_stmt **out[] = {&g->st_dossier, &g->st_step, &g->st_auth, &g->st_dev, &g->st_insp, &g->st_step_data};
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
        if (sqlite3_prepare_v2(g->db, sql[i], -1, out[i], NULL) != SQLITE_OK)
            return -1;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(g->db, "SELECT id, working_hours, supplement_rule, fee_rule, produces FROM procedure WHERE key = ? "
                                  "ORDER BY version DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
        return -1;
    for (int i = 0; i < PR_N; i++) {
        sqlite3_bind_text(st, 1, proc_keys[i], -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_ROW) {
            sqlite3_finalize(st);
            return -1;
        }
        g->p[i].id = sqlite3_column_int64(st, 0);
        g->p[i].hours = sqlite3_column_int(st, 1);
        g->p[i].restart = strcmp((const char *)sqlite3_column_text(st, 2), "restart") == 0;
        g->p[i].fee = !strstr((const char *)sqlite3_column_text(st, 3), "none") &&
                      !strstr((const char *)sqlite3_column_text(st, 3), "unknown");
        snprintf(g->p[i].produces, sizeof g->p[i].produces, "%s", (const char *)sqlite3_column_text(st, 4));
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return 0;
}

/* The 2025 announcements for state offices (Tết 27-31 January; Friday 2 May off for Saturday 26 April). */
static int calendar_demo(gen *g)
{
    static const struct { const char *day, *kind; } ch[] = {
        {"2025-01-27", "tet"}, {"2025-01-28", "tet"}, {"2025-01-29", "tet"}, {"2025-01-30", "tet"},
        {"2025-01-31", "tet"}, {"2025-04-26", "working_day"}, {"2025-05-02", "day_off"}};
    cal_change list[8];
    size_t n = 0;
    for (size_t i = 0; i < sizeof ch / sizeof ch[0]; i++) {
        char sql[256];
        snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO calendar_change(day, kind, note, source) VALUES ('%s', '%s', "
                 "'dữ liệu minh họa', 'demo')", ch[i].day, ch[i].kind);
        if (sqlite3_exec(g->db, sql, NULL, NULL, NULL) != SQLITE_OK)
            return -1;
        date_parse(ch[i].day, &list[n].day);
        list[n++].kind = strcmp(ch[i].kind, "tet") == 0 ? CAL_CHANGE_TET
                         : strcmp(ch[i].kind, "working_day") == 0 ? CAL_CHANGE_WORKING_DAY : CAL_CHANGE_DAY_OFF;
    }
    cal_set_changes(g->cal, 2025, list, n);
    return sqlite3_exec(g->db, "INSERT OR IGNORE INTO calendar_year(year, version, updated_by) VALUES (2025, 1, 'demo')",
                        NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

int demo_licensing_generate(sqlite3 *db, const demo_options *opt, rm_error *err)
{
    if (opt->facilities != 0)
        return 0;
    gen *g = calloc(1, sizeof *g);
    if (!g)
        return rm_error_set(err, 500, "Demo generation failed", "out of memory");
    int rc = -1, triggers = 1;
    /* The caller may have switched triggers off for its bulk load; the licensing tables need theirs
     * (spatial index, layer counts), so they are on while these statements are prepared and run. */
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &triggers);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 1, (int *)NULL);
    g->db = db;
    g->today = date_today();
    g->now = (cal_minute)g->today * CAL_MINUTES_PER_DAY + 10 * 60;
    g->cal = cal_create();
    rng_seed(&g->r, (uint64_t)opt->seed ^ 0x6c6963656e636521ull);
    sqlite3_stmt *fs = NULL, *ds = NULL;
    if (!g->cal || calendar_demo(g) < 0 || prepare(g) < 0)
        goto fail;
    if (sqlite3_prepare_v2(db,
            "SELECT f.id, coalesce(f.organization_id, 0), f.name, coalesce(o.name, f.name), f.status, f.record_owner, "
            "coalesce(f.external_ref, ''), (SELECT min(p.inspection_interval_months) FROM facility_practice fp JOIN "
            "practice p ON p.key = fp.practice WHERE fp.facility_id = f.id) FROM facility f LEFT JOIN organization o "
            "ON o.id = f.organization_id ORDER BY f.id", -1, &fs, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT d.id FROM device d JOIN device_type t ON t.key = d.type WHERE d.facility_id = ? "
                               "AND t.medical = 1 AND d.type IN (SELECT item FROM fee_schedule) AND d.status = 'in_use' "
                               "ORDER BY d.id", -1, &ds, NULL) != SQLITE_OK)
        goto fail;
    while (sqlite3_step(fs) == SQLITE_ROW) {
        dfac f;
        memset(&f, 0, sizeof f);
        f.id = sqlite3_column_int64(fs, 0);
        f.org = sqlite3_column_int64(fs, 1);
        snprintf(f.name, sizeof f.name, "%s", (const char *)sqlite3_column_text(fs, 2));
        snprintf(f.applicant, sizeof f.applicant, "%s", (const char *)sqlite3_column_text(fs, 3));
        snprintf(f.status, sizeof f.status, "%s", (const char *)sqlite3_column_text(fs, 4));
        snprintf(f.owner, sizeof f.owner, "%s", (const char *)sqlite3_column_text(fs, 5));
        f.interval = sqlite3_column_int(fs, 7) > 0 ? sqlite3_column_int(fs, 7) : 24;
        sqlite3_bind_int64(ds, 1, f.id);
        while (sqlite3_step(ds) == SQLITE_ROW && f.ndev < MAX_DEVICES)
            f.dev[f.ndev++] = sqlite3_column_int64(ds, 0);
        sqlite3_reset(ds);
        if (strcmp(f.owner, "varans") == 0) {
            const char *ref = (const char *)sqlite3_column_text(fs, 6);
            if (*ref && varans_licence(g, &f, ref) < 0)
                goto fail;
            continue;
        }
        if (facility_history(g, &f) < 0 || (strcmp(f.status, "closed") != 0 && inspections(g, &f) < 0))
            goto fail;
    }
    /* Receipt numbers issued here continue after the demo's. */
    for (int i = 0; i < HISTORY_DAYS + 64; i++) {
        if (!g->seq[1][i])
            continue;
        char sql[160], day[11];
        fmt_date(g->today - HISTORY_DAYS - 40 + i, day);
        snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO receipt_counter(day, last) VALUES ('%s', %d)", day, g->seq[1][i]);
        if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
            goto fail;
    }
    rc = 0;
    goto cleanup;
fail:
    rm_error_set(err, 500, "Demo generation failed", "licensing history: %s", sqlite3_errmsg(db));
cleanup:
    sqlite3_finalize(fs);
    sqlite3_finalize(ds);
    sqlite3_finalize(g->st_dossier);
    sqlite3_finalize(g->st_step);
    sqlite3_finalize(g->st_auth);
    sqlite3_finalize(g->st_dev);
    sqlite3_finalize(g->st_insp);
    sqlite3_finalize(g->st_step_data);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, triggers, (int *)NULL);
    cal_destroy(g->cal);
    free(g->planned);
    free(g);
    return rc;
}
