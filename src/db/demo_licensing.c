/*
 * demo_licensing: the demo city's licensing history; see demo_licensing.h.
 *
 * For every facility of this Department's register it draws when its licence, its declaration
 * confirmation and its safety officer's certificate were last issued. What was issued in the last
 * two years came out of a dossier, simulated step by step on the working-day calendar
 * (db/licensing_demo.c): most are decided on their due day, some before, a few late after an
 * apology letter (form 04), a few are refused or withdrawn, and those received lately are still
 * pending (some already overdue).
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
#include "db/licensing_demo.h"

static void fmt_date(int32_t day, char out[11]) { date_format(day, out); }

/* Run one statement with ?1 and ?2 bound as text (NULL: null) and ?3 as an integer, as far as it
 * has them. 0, or -1 with the error left on the connection. */
static int exec_bound(sqlite3 *db, const char *sql, const char *a, const char *b, int64_t n)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int np = sqlite3_bind_parameter_count(st);
    if (np >= 1)
        ldemo_bind_opt(st, 1, a);
    if (np >= 2)
        ldemo_bind_opt(st, 2, b);
    if (np >= 3)
        sqlite3_bind_int64(st, 3, n);
    int s = sqlite3_step(st);
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? 0 : -1;
}


void ldemo_person(gen *g, char *out, size_t n)
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

int64_t ldemo_authorization(gen *g, dfac *f, const char *kind, const char *number, int32_t issued, int32_t expires,
                            const char *change, int64_t supersedes, const char *conditions, int64_t dossier,
                            const char *person, const char *status, const char *owner)
{
    sqlite3_stmt *st = g->st_auth;
    char di[11], dx[11];
    fmt_date(issued, di);
    fmt_date(expires, dx);
    ldemo_bind_opt(st, 1, number);
    ldemo_bind_opt(st, 2, kind);
    ldemo_bind_opt(st, 3, person ? "person" : "facility");
    sqlite3_bind_int64(st, 4, f->id);
    ldemo_bind_opt(st, 5, person);
    ldemo_bind_opt(st, 6, di);
    ldemo_bind_opt(st, 7, expires ? dx : NULL);
    ldemo_bind_opt(st, 8, status);
    ldemo_bind_opt(st, 9, change);
    supersedes ? sqlite3_bind_int64(st, 10, supersedes) : sqlite3_bind_null(st, 10);
    ldemo_bind_opt(st, 11, conditions);
    dossier ? sqlite3_bind_int64(st, 12, dossier) : sqlite3_bind_null(st, 12);
    ldemo_bind_opt(st, 13, owner);
    ldemo_bind_opt(st, 14, strcmp(owner, "varans") == 0 ? number : NULL);
    ldemo_bind_opt(st, 15, strcmp(status, "suspended") == 0 ? "vi phạm điều kiện của giấy phép (dữ liệu minh họa)" : NULL);
    if (ldemo_run(st) < 0)
        return 0;
    int64_t id = sqlite3_last_insert_rowid(g->db);
    if (supersedes && exec_bound(g->db, "UPDATE authorization SET status = 'superseded' WHERE id = ?3", NULL, NULL,
                                 supersedes) < 0)
        return 0;
    return id;
}

void ldemo_devices_json(dfac *f, char *out, size_t n)
{
    size_t k = (size_t)snprintf(out, n, "{\"devices\":[");
    for (int i = 0; i < f->ndev && k + 24 < n; i++)
        k += (size_t)snprintf(out + k, n - k, "%s%lld", i ? "," : "", (long long)f->dev[i]);
    snprintf(out + k, n - k, "]}");
}

/* A dossier received `age` days ago (its result dated about a month later). */
static int event(gen *g, int pi, dfac *f, int age, int mode)
{
    cal_minute R = ldemo_office_at(g, g->today - age);
    if (R > g->now)
        return 0;
    return ldemo_dossier(g, pi, f, R, mode) < 0 ? -1 : 0;
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
        ldemo_devices_json(f, cond, sizeof cond);
        const char *status = strcmp(f->status, "suspended") == 0 ? "suspended" : closed && rng_chance(r, 0.3) ? "revoked"
                                                                                                            : "issued";
        f->licence = ldemo_authorization(g, f, "licence", number, g->today - age, g->today - age + LICENCE_DAYS - 1, "new", 0,
                                   cond, 0, NULL, status, "department");
        if (!f->licence)
            return -1;
        fmt_date(g->today - age + LICENCE_DAYS - 1, f->licence_expires);
        /* Expiring or expired: most have applied for the renewal. */
        if (!closed && age > LICENCE_DAYS - 120 && rng_chance(r, 0.6) &&
            event(g, PR_RENEW, f, rng_range(r, 1, 30), ldemo_pick_mode(g)) < 0)
            return -1;
    } else {
        bool renewal = rng_chance(r, 0.8);
        if (renewal) {
            int old = age + 35 + LICENCE_DAYS - rng_range(r, 0, 60);
            snprintf(number, sizeof number, "%ld/GP-SKHCN", ++g->licence_no);
            ldemo_devices_json(f, cond, sizeof cond);
            f->licence = ldemo_authorization(g, f, "licence", number, g->today - old, g->today - old + LICENCE_DAYS - 1, "new",
                                       0, cond, 0, NULL, "issued", "department");
            if (!f->licence)
                return -1;
            fmt_date(g->today - old + LICENCE_DAYS - 1, f->licence_expires);
        }
        if (event(g, renewal ? PR_RENEW : PR_NEW, f, age + 35, ldemo_pick_mode(g)) < 0)
            return -1;
        if (strcmp(f->status, "suspended") == 0 && f->licence &&
            exec_bound(g->db, "UPDATE authorization SET status = 'suspended', status_reason = ?1 WHERE id = ?3",
                       "dữ liệu minh họa", NULL, f->licence) < 0)
            return -1;
    }
    if (closed)
        return 0;
    /* An amendment or a re-issue of a licence a while after it was issued. */
    if (f->licence && rng_chance(r, 0.09) && event(g, rng_chance(r, 0.85) ? PR_AMEND : PR_REISSUE, f,
                                                  rng_range(r, 5, age > 200 ? (age < HISTORY_DAYS ? age - 60 : HISTORY_DAYS) : 5),
                                                  ldemo_pick_mode(g)) < 0)
        return -1;
    /* Declaration of the X-ray devices. */
    if (f->ndev) {
        int dage = rng_range(r, 0, 2000);
        if (dage <= HISTORY_DAYS - 20) {
            if (event(g, PR_DECL, f, dage + 10, ldemo_pick_mode(g)) < 0)
                return -1;
        } else {
            snprintf(number, sizeof number, "%ld/XN-SKHCN", ++g->decl_no);
            ldemo_devices_json(f, cond, sizeof cond);
            if (!ldemo_authorization(g, f, "declaration_confirmation", number, g->today - dage, 0, "new", 0, cond, 0, NULL,
                               "issued", "department"))
                return -1;
        }
    }
    /* The safety officer's certificate (no expiry). */
    if (rng_chance(r, 0.7)) {
        int cage = rng_range(r, 0, 2500);
        if (cage <= HISTORY_DAYS - 20) {
            if (event(g, PR_CERT, f, cage + 10, ldemo_pick_mode(g)) < 0)
                return -1;
        } else {
            snprintf(number, sizeof number, "%ld/CC-SKHCN", ++g->cert_no);
            ldemo_person(g, person, sizeof person);
            if (!ldemo_authorization(g, f, "worker_certificate", number, g->today - cage, 0, "new", 0, NULL, 0, person, "issued",
                               "department"))
                return -1;
        }
    }
    if (rng_chance(r, 0.04) && event(g, PR_PLAN, f, rng_range(r, 1, HISTORY_DAYS), ldemo_pick_mode(g)) < 0)
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
    return ldemo_authorization(g, f, "licence", number, g->today - age, g->today - age + VARANS_DAYS - 1, "new", 0, cond, 0,
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
    ldemo_person(g, a, sizeof a);
    ldemo_person(g, b, sizeof b);
    snprintf(who, sizeof who, "%s, %s", a, b);
    int y, m, dd;
    date_to_civil(day, &y, &m, &dd);
    if (strcmp(kind, "planned") == 0 && planned_taken(g, f->org ? f->org : -f->id, y))
        kind = "unannounced";
    sqlite3_bind_int64(st, 1, f->id);
    ldemo_bind_opt(st, 2, d);
    ldemo_bind_opt(st, 3, who);
    ldemo_bind_opt(st, 4, kind);
    ldemo_bind_opt(st, 5, strcmp(result, "passed") == 0 ? NULL : strcmp(result, "failed") == 0
        ? "thiếu kết quả kiểm định thiết bị; nhân viên bức xạ chưa được theo dõi liều (dữ liệu minh họa)"
        : "nội quy an toàn bức xạ chưa niêm yết tại phòng chụp (dữ liệu minh họa)");
    ldemo_bind_opt(st, 6, result);
    ldemo_bind_opt(st, 7, follow_up ? fu : NULL);
    return ldemo_run(st);
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
        sqlite3_bind_text(st, 1, ldemo_proc_keys[i], -1, SQLITE_STATIC);
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
        if (exec_bound(g->db, "INSERT OR IGNORE INTO calendar_change(day, kind, note, source) VALUES (?1, ?2, "
                              "'dữ liệu minh họa', 'demo')", ch[i].day, ch[i].kind, 0) < 0)
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
        char day[11];
        fmt_date(g->today - HISTORY_DAYS - 40 + i, day);
        if (exec_bound(db, "INSERT OR REPLACE INTO receipt_counter(day, last) VALUES (?1, ?3)", day, NULL,
                       g->seq[1][i]) < 0)
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
