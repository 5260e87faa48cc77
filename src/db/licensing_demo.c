/*
 * licensing_demo: the dossiers of the demo city's last two years, simulated step by step on the
 * working-day calendar (db/demo_licensing.c says what the demo holds; db/licensing_demo.h has the
 * shared state).
 *
 * A dossier is received at the counter or by the one-stop system (online or by post: filed first,
 * then accepted), assigned, reviewed, sometimes sent back for a supplement (the clock pauses, or
 * restarts under that rule), paid for, visited, decided and returned. Its decision is placed by the
 * outcome drawn for it: a few working days before its due day (early), on its due day by the due
 * time (on time), after it with an apology letter beforehand (late), or far after (still open and
 * overdue now). What lies after now is cut off, so recent dossiers are pending at the step they
 * have reached. The one-stop system's copy agrees but for a few due dates and statuses, which the
 * reconciliation of /stats/one-stop lists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "db/licensing_demo.h"

const char *const ldemo_proc_keys[PR_N] = {"xray_declaration", "xray_licence_new", "xray_licence_renewal",
                                           "xray_licence_amendment", "xray_licence_reissue", "rso_certificate",
                                           "xray_emergency_plan"};

/* A working time within a working day on or after `day`, away from lunch. */
cal_minute ldemo_office_at(gen *g, int32_t day)
{
    while (!cal_is_working(g->cal, day))
        day++;
    int m = rng_chance(&g->r, 0.5) ? rng_range(&g->r, CAL_AM_START, CAL_AM_END - 15)
                                   : rng_range(&g->r, CAL_PM_START, CAL_PM_END - 15);
    return (cal_minute)day * CAL_MINUTES_PER_DAY + m;
}

static cal_minute ldemo_later(gen *g, cal_minute from, int min_minutes, int max_minutes)
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

static const char *const refusal = "hồ sơ không đáp ứng điều kiện về che chắn phòng đặt thiết bị (dữ liệu minh họa)";

/* Simulate one dossier of procedure pi for facility f received at R; write it, its steps and, when
 * it produced one by now, its authorization. Returns the authorization id, 0 when none, -1 on error. */
int64_t ldemo_dossier(gen *g, int pi, dfac *f, cal_minute R, int mode)
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
        C = ldemo_later(g, R, 60, 16 * 60);
    }
    cal_minute due = cal_add_work_minutes(g->cal, C, (int64_t)p->hours * 60);
    ADD("received", 2, C, desk, desk_origin)->due_after = due;
    cal_minute t = ldemo_later(g, C, 30, 6 * 60);
    ADD("assigned", 4, t, "demo.leader", "user");
    cal_minute D = NONE, RR = NONE, RET = NONE, ext = NONE, ext_new = NONE;
    int64_t left = -1;
    if (mode == M_WITHDRAWN) {
        ADD("withdrawn", 7, ldemo_later(g, t, 4 * 60, 40 * 60), desk, desk_origin);
        goto write;
    }
    t = ldemo_later(g, t, 60, 12 * 60);
    ADD("completeness_review", 4, t, "demo.licensing", "user");
    if (rng_chance(r, 0.15)) {
        t = ldemo_later(g, t, 30, 8 * 60);
        left = cal_work_minutes_between(g->cal, t, due);
        if (left < 0)
            left = 0;
        step_rec *q = ADD("supplement_requested", 5, t, "demo.licensing", "user");
        snprintf(q->data, sizeof q->data, "{\"working_minutes_left\":%lld}", (long long)left);
        cal_minute back = ldemo_office_at(g, cal_day_of(t) + rng_range(r, 3, 25));
        cal_minute before = due;
        due = cal_add_work_minutes(g->cal, back, p->restart ? (int64_t)p->hours * 60 : left);
        q = ADD("supplement_received", 4, back, desk, desk_origin);
        q->due_before = before;
        q->due_after = due;
        snprintf(q->data, sizeof q->data, "{\"clock_rule\":\"%s\"}", p->restart ? "restart" : "pause");
        t = back;
    }
    if (p->fee && rng_chance(r, 0.4)) {
        t = ldemo_later(g, t, 30, 4 * 60);
        ADD("payment_requested", 6, t, "demo.licensing", "user");
        t = ldemo_later(g, t, 4 * 60, 24 * 60);
        ADD("payment_received", 4, t, desk, desk_origin);
    }
    /* The decision, by the outcome this dossier is to have. */
    cal_minute due_day_start = (cal_minute)cal_day_of(due) * CAL_MINUTES_PER_DAY + CAL_AM_START;
    if (mode == M_EARLY) {
        D = ldemo_office_at(g, working_days_back(g, cal_day_of(due), rng_range(r, 1, 4)));
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
        D = ldemo_later(g, t, 120, 240);
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
        RR = ldemo_later(g, D, 10, 4 * 60);
        ADD("result_recorded", 9, RR, "demo.leader", "user");
    }
    RET = ldemo_later(g, mode == M_REFUSED ? D : RR, 4 * 60, 24 * 60);
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
    ldemo_bind_opt(st, 1, receipt);
    ldemo_bind_opt(st, 2, one_stop ? "one_stop" : "counter");
    sqlite3_bind_int64(st, 3, p->id);
    ldemo_bind_opt(st, 4, ldemo_proc_keys[pi]);
    ldemo_bind_opt(st, 5, f->applicant);
    f->org ? sqlite3_bind_int64(st, 6, f->org) : sqlite3_bind_null(st, 6);
    sqlite3_bind_int64(st, 7, f->id);
    ldemo_bind_opt(st, 8, channel);
    ldemo_bind_at(st, 9, R);
    ldemo_bind_at(st, 10, strcmp(channel, "counter") ? cal_add_work_minutes(g->cal, R, 24 * 60) : NONE);
    ldemo_bind_at(st, 11, complete);
    ldemo_bind_at(st, 12, cur_due);
    ldemo_bind_at(st, 13, pz);
    pleft >= 0 ? sqlite3_bind_int64(st, 14, pleft) : sqlite3_bind_null(st, 14);
    ldemo_bind_at(st, 15, ext_due);
    ldemo_bind_opt(st, 16, last->step);
    sqlite3_bind_int(st, 17, last->code);
    ldemo_bind_opt(st, 18, decided == NONE ? NULL : mode == M_REFUSED ? "refused" : "approved");
    ldemo_bind_at(st, 19, decided);
    ldemo_bind_at(st, 20, returned);
    one_stop ? sqlite3_bind_int(st, 21, official) : sqlite3_bind_null(st, 21);
    ldemo_bind_at(st, 22, one_stop ? off_due : NONE);
    ldemo_bind_at(st, 23, one_stop ? decided : NONE);
    ldemo_bind_at(st, 24, one_stop && official == 10 ? returned : NONE);
    ldemo_bind_opt(st, 25, one_stop ? "demo" : NULL);
    ldemo_bind_opt(st, 26, one_stop ? NULL : "demo.counter");
    if (ldemo_run(st) < 0)
        return -1;
    int64_t id = sqlite3_last_insert_rowid(g->db);
    for (int i = 0; i < n; i++) {
        st = g->st_step;
        sqlite3_bind_int64(st, 1, id);
        ldemo_bind_opt(st, 2, s[i].step);
        sqlite3_bind_int(st, 3, s[i].code ? s[i].code : 4);
        ldemo_bind_at(st, 4, s[i].at);
        ldemo_bind_opt(st, 5, s[i].user);
        ldemo_bind_opt(st, 6, s[i].origin);
        ldemo_bind_opt(st, 7, s[i].data[0] ? s[i].data : NULL);
        ldemo_bind_at(st, 8, s[i].due_before);
        ldemo_bind_at(st, 9, s[i].due_after);
        if (ldemo_run(st) < 0)
            return -1;
    }
    if (pi == PR_NEW || pi == PR_RENEW || pi == PR_DECL)
        for (int i = 0; i < f->ndev; i++) {
            sqlite3_bind_int64(g->st_dev, 1, id);
            sqlite3_bind_int64(g->st_dev, 2, f->dev[i]);
            if (ldemo_run(g->st_dev) < 0)
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
        ldemo_devices_json(f, cond, sizeof cond);
        aid = ldemo_authorization(g, f, "declaration_confirmation", number, issued, 0, "new", 0, cond, id, NULL, "issued",
                            "department");
    } else if (pi == PR_CERT) {
        snprintf(number, sizeof number, "%ld/%d/CC-SKHCN", ++g->cert_no, y);
        ldemo_person(g, person, sizeof person);
        aid = ldemo_authorization(g, f, "worker_certificate", number, issued, 0, "new", 0, NULL, id, person, "issued",
                            "department");
    } else if (pi == PR_PLAN) {
        snprintf(number, sizeof number, "%ld/QĐ-SKHCN", ++g->plan_no);
        aid = ldemo_authorization(g, f, "emergency_plan_approval", number, issued, 0, "new", 0, NULL, id, NULL, "issued",
                            "department");
    } else {
        static const char *const change[PR_N] = {"new", "new", "renewal", "amendment", "reissue", "new", "new"};
        int32_t expires = issued + LICENCE_DAYS - 1;
        if ((pi == PR_AMEND || pi == PR_REISSUE) && f->licence_expires[0])
            date_parse(f->licence_expires, &expires);
        snprintf(number, sizeof number, "%ld/GP-SKHCN", ++g->licence_no);
        ldemo_devices_json(f, cond, sizeof cond);
        aid = ldemo_authorization(g, f, "licence", number, issued, expires, change[pi], pi == PR_NEW ? 0 : f->licence, cond,
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
    return ldemo_run(g->st_step_data) < 0 ? -1 : aid;
#undef ADD
}

int ldemo_pick_mode(gen *g)
{
    double u = rng_unit(&g->r);
    return u < 0.22 ? M_EARLY : u < 0.925 ? M_ON_TIME : u < 0.965 ? M_LATE : u < 0.985 ? M_REFUSED : M_WITHDRAWN;
}

