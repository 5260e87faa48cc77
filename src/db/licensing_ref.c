/*
 * licensing_ref: the licensing module's reference data and calendar; see licensing.h.
 *
 * The CSV files are embedded in the binary (core/embed.h) and read with the small trusted reader
 * of core/csv.h. Procedures load as version 1 valid from 2000-01-01 ("since before any dossier in
 * the register"): statutory working days become working hours (8 per day), the fee text becomes a
 * fee rule, the supplement rule is the one-stop default (the clock pauses) and the completeness
 * check of postal and online filings 3 working days; an admin changes any of it with a new version.
 */
#include "db/licensing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/date.h"
#include "core/embed.h"

#define LIC_FIRST_VALID_FROM "2000-01-01"
#define LIC_COMPLETENESS_HOURS (3 * CAL_HOURS_PER_DAY)

/* Open an embedded CSV and read its header. 0, or -1 with err. */
static int open_csv(const char *name, csv_reader *r, rm_error *err)
{
    const embed_file *f = embed_find(name);
    if (!f)
        return rm_error_set(err, 500, "Missing reference data", "%s is not embedded", name);
    csv_init(r, f->data, f->len);
    if (!csv_next(r)) {
        csv_cleanup(r);
        return rm_error_set(err, 500, "Bad reference data", "%s is empty", name);
    }
    return 0;
}

static const char *field(const csv_reader *r, int i)
{
    return i >= 0 && i < r->nfields && r->field[i][0] ? r->field[i] : NULL;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static int step_done(db_conn *c, sqlite3_stmt *st, const char *what, rm_error *err)
{
    int s = sqlite3_step(st);
    db_stmt_done(st);
    return s == SQLITE_DONE ? 0 : db_error(c, err, 500, what);
}

static int load_statuses(db_conn *c, rm_error *err)
{
    csv_reader r;
    if (open_csv("geodata/dossier_status.csv", &r, err) < 0)
        return -1;
    int rc = -1;
    int ic = csv_column(&r, "code"), ivi = csv_column(&r, "name_vi"), ien = csv_column(&r, "name_en");
    if (ic < 0 || ivi < 0 || ien < 0) {
        rm_error_set(err, 500, "Bad reference data", "geodata/dossier_status.csv lacks code, name_vi or name_en");
        goto cleanup;
    }
    while (csv_next(&r)) {
        if (!field(&r, ic))
            continue;
        sqlite3_stmt *st = db_stmt(c, "INSERT OR IGNORE INTO dossier_status(code, name_vi, name_en) VALUES (?,?,?)", err);
        if (!st)
            goto cleanup;
        sqlite3_bind_int(st, 1, atoi(field(&r, ic)));
        bind_opt(st, 2, field(&r, ivi));
        bind_opt(st, 3, field(&r, ien));
        if (step_done(c, st, "loading geodata/dossier_status.csv", err) < 0)
            goto cleanup;
    }
    rc = 0;
cleanup:
    csv_cleanup(&r);
    return rc;
}

static int load_fees(db_conn *c, rm_error *err)
{
    csv_reader r;
    if (open_csv("geodata/xray_fees.csv", &r, err) < 0)
        return -1;
    int rc = -1;
    int it = csv_column(&r, "device_type"), iv = csv_column(&r, "appraisal_fee_vnd"), in = csv_column(&r, "note");
    if (it < 0 || iv < 0) {
        rm_error_set(err, 500, "Bad reference data", "geodata/xray_fees.csv lacks device_type or appraisal_fee_vnd");
        goto cleanup;
    }
    while (csv_next(&r)) {
        if (!field(&r, it) || !field(&r, iv))
            continue;
        sqlite3_stmt *st = db_stmt(c, "INSERT OR IGNORE INTO fee_schedule(schedule, item, fee_vnd, note) "
                                      "VALUES ('xray', ?, ?, ?)", err);
        if (!st)
            goto cleanup;
        bind_opt(st, 1, field(&r, it));
        sqlite3_bind_int64(st, 2, strtoll(field(&r, iv), NULL, 10));
        bind_opt(st, 3, field(&r, in));
        if (step_done(c, st, "loading geodata/xray_fees.csv", err) < 0)
            goto cleanup;
    }
    rc = 0;
cleanup:
    csv_cleanup(&r);
    return rc;
}

void licensing_fee_rule_from_text(const char *text, const char *new_licence_key, buf *out)
{
    const char *t = text ? text : "";
    char *end;
    long long n = strtoll(t, &end, 10);
    if (strncmp(t, "none", 4) == 0) {
        buf_puts(out, "{\"kind\":\"none\"}");
    } else if (strstr(t, "per device")) {
        buf_puts(out, "{\"kind\":\"per_device\",\"schedule\":\"xray\"}");
    } else if (end != t && *end == '%' && new_licence_key) {
        buf_appendf(out, "{\"kind\":\"percent_of\",\"procedure\":\"%s\",\"percent\":%lld}", new_licence_key, n);
    } else if (end != t && n >= 0 && strstr(end, "VND")) {
        if (strstr(end, "per certificate"))
            buf_appendf(out, "{\"kind\":\"fixed\",\"vnd\":%lld,\"per\":\"person\"}", n);
        else
            buf_appendf(out, "{\"kind\":\"fixed\",\"vnd\":%lld}", n);
    } else {
        buf_puts(out, "{\"kind\":\"unknown\"}");
    }
}

static const char *produces_of(const char *kind)
{
    if (strcmp(kind, "declaration") == 0)
        return "declaration_confirmation";
    if (strcmp(kind, "certificate") == 0)
        return "worker_certificate";
    if (strcmp(kind, "emergency_plan") == 0)
        return "emergency_plan_approval";
    return "licence";
}

static int load_procedures(db_conn *c, rm_error *err)
{
    csv_reader r;
    if (open_csv("geodata/procedures.csv", &r, err) < 0)
        return -1;
    int rc = -1;
    buf rule = BUF_INIT;
    int ik = csv_column(&r, "key"), ivi = csv_column(&r, "name_vi"), ien = csv_column(&r, "name_en"),
        ikind = csv_column(&r, "kind"), idays = csv_column(&r, "working_days"), ifee = csv_column(&r, "fee_rule"),
        ifacts = csv_column(&r, "status_of_facts"), ibasis = csv_column(&r, "basis"),
        icode = csv_column(&r, "example_code");
    if (ik < 0 || ivi < 0 || ien < 0 || ikind < 0 || idays < 0) {
        rm_error_set(err, 500, "Bad reference data", "geodata/procedures.csv lacks key, names, kind or working_days");
        goto cleanup;
    }
    /* A percentage refers to the new-licence procedure of the file. */
    char new_key[64] = "";
    {
        csv_reader scan;
        if (open_csv("geodata/procedures.csv", &scan, err) < 0)
            goto cleanup;
        while (csv_next(&scan))
            if (field(&scan, ikind) && strcmp(field(&scan, ikind), "new_licence") == 0 && field(&scan, ik))
                snprintf(new_key, sizeof new_key, "%s", field(&scan, ik));
        csv_cleanup(&scan);
    }
    while (csv_next(&r)) {
        const char *key = field(&r, ik), *kind = field(&r, ikind), *days = field(&r, idays);
        if (!key || !kind || !days || atoi(days) <= 0)
            continue;
        buf_reset(&rule);
        licensing_fee_rule_from_text(field(&r, ifee), new_key[0] ? new_key : NULL, &rule);
        sqlite3_stmt *st = db_stmt(c,
            "INSERT INTO procedure(key, version, valid_from, name_vi, name_en, kind, produces, working_hours, "
            "supplement_rule, completeness_hours, fee_rule, fee_note, legal_basis, example_code, status_of_facts, "
            "created_by) SELECT ?1, 1, '" LIC_FIRST_VALID_FROM "', ?2, ?3, ?4, ?5, ?6, 'pause', ?7, ?8, ?9, ?10, "
            "?11, ?12, 'geodata/procedures.csv' WHERE NOT EXISTS (SELECT 1 FROM procedure WHERE key = ?1)", err);
        if (!st)
            goto cleanup;
        bind_opt(st, 1, key);
        bind_opt(st, 2, field(&r, ivi));
        bind_opt(st, 3, field(&r, ien));
        bind_opt(st, 4, kind);
        bind_opt(st, 5, produces_of(kind));
        sqlite3_bind_int(st, 6, atoi(days) * CAL_HOURS_PER_DAY);
        sqlite3_bind_int(st, 7, LIC_COMPLETENESS_HOURS);
        bind_opt(st, 8, rule.data);
        bind_opt(st, 9, field(&r, ifee));
        bind_opt(st, 10, field(&r, ibasis));
        bind_opt(st, 11, field(&r, icode));
        bind_opt(st, 12, field(&r, ifacts));
        if (step_done(c, st, "loading geodata/procedures.csv", err) < 0)
            goto cleanup;
    }
    rc = 0;
cleanup:
    buf_free(&rule);
    csv_cleanup(&r);
    return rc;
}

int licensing_load_reference(db_conn *c, rm_error *err)
{
    /* A database migrated only up to an older schema has none of these tables. */
    sqlite3_stmt *st = db_stmt(c, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'procedure'", err);
    if (!st)
        return -1;
    int present = sqlite3_step(st) == SQLITE_ROW;
    db_stmt_done(st);
    if (!present)
        return 0;
    if (load_statuses(c, err) < 0 || load_fees(c, err) < 0 || load_procedures(c, err) < 0)
        return -1;
    return 0;
}

cal_change_kind licensing_change_kind(const char *kind)
{
    if (!kind)
        return 0;
    if (strcmp(kind, "tet") == 0)
        return CAL_CHANGE_TET;
    if (strcmp(kind, "national_day") == 0)
        return CAL_CHANGE_NATIONAL_DAY;
    if (strcmp(kind, "day_off") == 0)
        return CAL_CHANGE_DAY_OFF;
    if (strcmp(kind, "working_day") == 0)
        return CAL_CHANGE_WORKING_DAY;
    return 0;
}

cal_calendar *licensing_calendar(db_conn *c, rm_error *err)
{
    cal_calendar *cal = cal_create();
    cal_change *list = NULL;
    size_t n = 0, cap = 0;
    int year = 0;
    if (!cal) {
        rm_error_set(err, 500, "Out of memory", "building the working-day calendar");
        return NULL;
    }
    sqlite3_stmt *st = db_stmt(c, "SELECT day, kind FROM calendar_change ORDER BY day", err);
    if (!st)
        goto fail;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        int32_t day;
        cal_change_kind k = licensing_change_kind((const char *)sqlite3_column_text(st, 1));
        if (date_parse((const char *)sqlite3_column_text(st, 0), &day) < 0 || !k)
            continue;
        int y, m, d;
        date_to_civil(day, &y, &m, &d);
        if (y != year && n) {
            cal_set_changes(cal, year, list, n);
            n = 0;
        }
        year = y;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            cal_change *grown = realloc(list, cap * sizeof *list);
            if (!grown) {
                db_stmt_done(st);
                rm_error_set(err, 500, "Out of memory", "building the working-day calendar");
                goto fail;
            }
            list = grown;
        }
        list[n].day = day;
        list[n].kind = k;
        n++;
    }
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(c, err, 500, "reading calendar_change");
        goto fail;
    }
    if (n)
        cal_set_changes(cal, year, list, n);
    free(list);
    return cal;
fail:
    free(list);
    cal_destroy(cal);
    return NULL;
}
