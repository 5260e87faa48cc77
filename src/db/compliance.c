/*
 * compliance: dose rules and personal dose histories from the register; see compliance.h.
 */
#include "db/compliance.h"

#include <stdlib.h>
#include <string.h>

#include "core/date.h"

int compliance_dose_rules_load(db_conn *db, compliance_dose_rules *r, rm_error *err)
{
    memset(r, 0, sizeof *r);
    r->year_limit_msv = 50;
    r->average_limit_msv = 20;
    sqlite3_stmt *st = db_stmt(db, "SELECT key, value FROM compliance_setting WHERE key IN ('dose_limit_year_msv', "
                                    "'dose_limit_average_msv')", err);
    if (!st)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        if (strcmp(k, "dose_limit_year_msv") == 0)
            r->year_limit_msv = sqlite3_column_double(st, 1);
        else
            r->average_limit_msv = sqlite3_column_double(st, 1);
    }
    db_stmt_done(st);
    st = db_stmt(db, "SELECT period_months, level_msv FROM dose_investigation_level ORDER BY period_months", err);
    if (!st)
        return -1;
    while (r->nlevels < sizeof r->levels / sizeof r->levels[0] && sqlite3_step(st) == SQLITE_ROW) {
        r->levels[r->nlevels].period_months = sqlite3_column_int(st, 0);
        r->levels[r->nlevels].level_msv = sqlite3_column_double(st, 1);
        r->nlevels++;
    }
    db_stmt_done(st);
    return 0;
}

int compliance_history_load(db_conn *db, int64_t person_id, const compliance_dose_rules *r, compliance_history *h,
                            rm_error *err)
{
    memset(h, 0, sizeof *h);
    sqlite3_stmt *st = db_stmt(db, "SELECT id, facility_id, period_start, period_end, hp10_msv, hp007_msv, "
                                    "below_detection FROM dose_record WHERE person_id = ? ORDER BY period_end, "
                                    "period_start, id", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, person_id);
    size_t cap = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (h->n == cap) {
            cap = cap ? 2 * cap : 32;
            compliance_dose *x = realloc(h->doses, cap * sizeof *x);
            if (!x)
                abort();
            h->doses = x;
        }
        compliance_dose *d = &h->doses[h->n];
        memset(d, 0, sizeof *d);
        d->id = sqlite3_column_int64(st, 0);
        d->facility_id = sqlite3_column_int64(st, 1);
        if (date_parse((const char *)sqlite3_column_text(st, 2), &d->start) < 0 ||
            date_parse((const char *)sqlite3_column_text(st, 3), &d->end) < 0)
            continue; /* the schema's CHECK makes this impossible */
        d->hp10_msv = sqlite3_column_double(st, 4);
        d->has_hp007 = sqlite3_column_type(st, 5) != SQLITE_NULL;
        d->hp007_msv = sqlite3_column_double(st, 5);
        d->below_detection = sqlite3_column_int(st, 6) != 0;
        d->months = cr_period_months(d->start, d->end);
        d->level_msv = cr_investigation_level(r->levels, r->nlevels, d->months);
        d->above_level = d->level_msv > 0 && cr_dose_above(d->hp10_msv, d->level_msv);
        if (d->above_level)
            h->flags |= CR_FLAG_INVESTIGATION;
        h->n++;
    }
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        compliance_history_free(h);
        return db_error(db, err, 500, "reading dose records");
    }
    cr_dose *plain = malloc((h->n ? h->n : 1) * sizeof *plain);
    if (!plain)
        abort();
    for (size_t i = 0; i < h->n; i++) {
        plain[i].start = h->doses[i].start;
        plain[i].end = h->doses[i].end;
        plain[i].hp10_msv = h->doses[i].hp10_msv;
    }
    size_t ny = cr_dose_years(plain, h->n, r->year_limit_msv, r->average_limit_msv, h->years,
                              sizeof h->years / sizeof h->years[0]);
    free(plain);
    h->nyears = ny < sizeof h->years / sizeof h->years[0] ? ny : sizeof h->years / sizeof h->years[0];
    for (size_t i = 0; i < h->nyears; i++)
        h->flags |= h->years[i].flags;
    return 0;
}

void compliance_history_free(compliance_history *h)
{
    free(h->doses);
    h->doses = NULL;
    h->n = 0;
}
