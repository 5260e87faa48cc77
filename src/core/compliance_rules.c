/*
 * compliance_rules: statuses, default due dates and dose flags; see compliance_rules.h.
 */
#include "core/compliance_rules.h"

#include <math.h>
#include <string.h>

#include "core/date.h"

cr_status cr_item_status(cr_state state, bool has_due, int32_t due_day, int32_t today, int window_days)
{
    if (state == CR_ABSENT)
        return CR_MISSING;
    if (state == CR_FAILED)
        return CR_OVERDUE;
    if (!has_due)
        return CR_OK;
    if (due_day < today)
        return CR_OVERDUE;
    if (due_day <= today + window_days)
        return CR_DUE;
    return CR_OK;
}

cr_status cr_worst(cr_status a, cr_status b) { return a > b ? a : b; }

const char *cr_status_key(cr_status s)
{
    switch (s) {
    case CR_OK: return "ok";
    case CR_DUE: return "due";
    case CR_OVERDUE: return "overdue";
    case CR_MISSING: return "missing";
    }
    return "ok";
}

cr_state cr_state_parse(const char *s)
{
    if (s && strcmp(s, "present") == 0)
        return CR_PRESENT;
    if (s && strcmp(s, "failed") == 0)
        return CR_FAILED;
    return CR_ABSENT;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

int32_t cr_add_months(int32_t day, int months)
{
    int y, m, d;
    date_to_civil(day, &y, &m, &d);
    int total = y * 12 + (m - 1) + months;
    y = total / 12;
    m = total % 12 + 1;
    int last = days_in_month(y, m);
    return date_from_civil(y, m, d > last ? last : d);
}

int32_t cr_expiry_default(int32_t from, int months) { return cr_add_months(from, months) - 1; }

int cr_period_months(int32_t start, int32_t end)
{
    double days = (double)(end - start + 1);
    int m = (int)lround(days / 30.4375);
    return m < 1 ? 1 : m > 12 ? 12 : m;
}

double cr_investigation_level(const cr_level *levels, size_t n, int months)
{
    const cr_level *below = NULL, *shortest = NULL;
    for (size_t i = 0; i < n; i++) {
        const cr_level *l = &levels[i];
        if (l->period_months <= 0 || !(l->level_msv > 0))
            continue;
        if (l->period_months == months)
            return l->level_msv;
        if (l->period_months < months && (!below || l->period_months > below->period_months))
            below = l;
        if (!shortest || l->period_months < shortest->period_months)
            shortest = l;
    }
    const cr_level *base = below ? below : shortest;
    if (!base)
        return -1;
    return base->level_msv * (double)months / (double)base->period_months;
}

bool cr_dose_above(double dose_msv, double limit_msv) { return llround(dose_msv * 1000.0) > llround(limit_msv * 1000.0); }

size_t cr_dose_years(const cr_dose *doses, size_t n, double year_limit_msv, double average_limit_msv,
                     cr_year *years, size_t cap)
{
    /* Years are few (a working life); a sorted array with insertion is plenty. */
    size_t ny = 0;
    int ys[128];
    double sums[128];
    for (size_t i = 0; i < n; i++) {
        int y, m, d;
        date_to_civil(doses[i].end, &y, &m, &d);
        size_t k = 0;
        while (k < ny && ys[k] < y)
            k++;
        if (k == ny || ys[k] != y) {
            if (ny == sizeof ys / sizeof ys[0])
                continue; /* beyond 128 distinct years: not a working life */
            memmove(&ys[k + 1], &ys[k], (ny - k) * sizeof ys[0]);
            memmove(&sums[k + 1], &sums[k], (ny - k) * sizeof sums[0]);
            ys[k] = y;
            sums[k] = 0;
            ny++;
        }
        sums[k] += doses[i].hp10_msv;
    }
    for (size_t k = 0; k < ny && k < cap; k++) {
        cr_year *out = &years[k];
        out->year = ys[k];
        out->msv = sums[k];
        out->flags = 0;
        double five = 0;
        for (size_t j = 0; j <= k; j++)
            if (ys[j] > ys[k] - 5)
                five += sums[j];
        out->five_year_msv = five;
        if (cr_dose_above(sums[k], year_limit_msv))
            out->flags |= CR_FLAG_YEAR_LIMIT;
        if (cr_dose_above(five, 5.0 * average_limit_msv))
            out->flags |= CR_FLAG_FIVE_YEAR;
    }
    return ny;
}
