/*
 * compliance_rules: the pure rules of X-ray compliance and occupational dose, with no I/O, so that
 * they are tested on their own (tests/unit/test_compliance.c):
 *
 *   - the status of a checklist item on a day: missing (no record), overdue (the record failed, or
 *     its expiry or due date has passed), due (that date is within the due window), ok; and the
 *     worst of several. db/compliance_sql.h says the same in SQL for the map and the filters.
 *   - default due dates: a certificate valid N months from its date expires the day before the
 *     same calendar day N months later; a check due every N months is next due on that day
 *     (month ends clamp: 31 January + 1 month is 28 or 29 February).
 *   - personal dose flags: a period's Hp(10) above the investigation level of a period of its
 *     length; a calendar year above the single-year limit (50 mSv); five consecutive years above
 *     five times the averaged limit (20 mSv a year). "Above" is strictly greater, compared in whole
 *     microsieverts, so a dose equal to a level is not flagged. A period counts in the year it ends.
 *
 * Days are core/date.h day numbers.
 */
#ifndef RADMAP_COMPLIANCE_RULES_H
#define RADMAP_COMPLIANCE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Item and subject statuses, worst last. */
typedef enum cr_status {
    CR_OK = 0,
    CR_DUE = 1,
    CR_OVERDUE = 2,
    CR_MISSING = 3,
} cr_status;

/* What the record of an item says. */
typedef enum cr_state {
    CR_PRESENT = 0, /* a record that holds */
    CR_FAILED,      /* a record that says fail / unfit / closed */
    CR_ABSENT,      /* no record */
} cr_state;

/* The status of an item on day today. has_due false: the record never lapses. window_days: how
 * long before the due day the item is "due". */
cr_status cr_item_status(cr_state state, bool has_due, int32_t due_day, int32_t today, int window_days);
/* The worse of two statuses. */
cr_status cr_worst(cr_status a, cr_status b);
/* "ok", "due", "overdue", "missing". */
const char *cr_status_key(cr_status s);
/* The state of a view row's "present" / "failed" / "absent" (absent for anything else). */
cr_state cr_state_parse(const char *s);

/* The same calendar day `months` later (clamped to the month's last day); months >= 0. */
int32_t cr_add_months(int32_t day, int months);
/* Last valid day of a certificate valid `months` from `from`: cr_add_months(from, months) - 1. */
int32_t cr_expiry_default(int32_t from, int months);

/* ---- personal dose -------------------------------------------------------------------------- */

/* A monitoring period's length in whole months: days / 30.4375 rounded, at least 1, at most 12. */
int cr_period_months(int32_t start, int32_t end);

/* An investigation level: Hp(10) per period of this many months. */
typedef struct cr_level {
    int period_months;
    double level_msv;
} cr_level;

/* The investigation level of a period of `months`: the level of that exact length, else the level
 * of the longest listed period shorter than it scaled by months / its length, else the shortest
 * listed scaled likewise. levels sorted or not; n may be 0 (then -1: no level). */
double cr_investigation_level(const cr_level *levels, size_t n, int months);

/* Whether dose_msv is above limit_msv, in whole microsieverts (equal is not above). */
bool cr_dose_above(double dose_msv, double limit_msv);

/* One monitoring period's Hp(10). */
typedef struct cr_dose {
    int32_t start, end;
    double hp10_msv;
} cr_dose;

/* Flags of a person's dose history. */
enum {
    CR_FLAG_INVESTIGATION = 1, /* a period above its investigation level */
    CR_FLAG_YEAR_LIMIT = 2,    /* a calendar year above the single-year limit */
    CR_FLAG_FIVE_YEAR = 4,     /* five consecutive years above 5 x the averaged limit */
};

/* Sum of doses by calendar year of the period's end. */
typedef struct cr_year {
    int year;
    double msv;
    unsigned flags;        /* CR_FLAG_YEAR_LIMIT, CR_FLAG_FIVE_YEAR (for the five years ending here) */
    double five_year_msv;  /* sum of this year and the four before it */
} cr_year;

/* Fill years (capacity cap, sorted by year) from doses; returns how many years there are (may
 * exceed cap: then only the first cap are written). Flags use the limits given. */
size_t cr_dose_years(const cr_dose *doses, size_t n, double year_limit_msv, double average_limit_msv,
                     cr_year *years, size_t cap);

#endif
