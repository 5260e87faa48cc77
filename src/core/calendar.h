/*
 * calendar: the working-day calendar of a Vietnamese state office and working-hour arithmetic on
 * it, for the statutory times of licensing procedures (counted in working hours, 8 per working
 * day, as the one-stop systems count them).
 *
 * A day is not a working day when it is a Saturday or Sunday, a public holiday of Labour Code
 * 2019 Art. 112 (1 January; Tết Nguyên đán, 5 days; the Hùng Kings' day, 10th day of the 3rd
 * lunar month; 30 April; 1 May; 2 September and one adjacent day), or a compensatory day for a
 * holiday that fell on a weekend (Art. 111: the next working day). Tết and the Hùng Kings' day come
 * from core/lunar. Each year the Government announces the exact Tết days, compensatory days and
 * working Saturdays; those announcements are handed in as a list of changes per year (the
 * database keeps them, admins edit them) and win over the rules:
 *   - CAL_CHANGE_TET: the announced Tết days of that year replace the default (the last day of the
 *     lunar year and the first four days of the new one);
 *   - CAL_CHANGE_NATIONAL_DAY: the day adjacent to 2 September (1 or 3 September; default 1);
 *   - CAL_CHANGE_DAY_OFF: any other announced day off (compensatory, swapped);
 *   - CAL_CHANGE_WORKING_DAY: a day that is worked although the rules say it is not (a swapped
 *     Saturday, or a compensatory day the announcement does not give).
 *
 * Working time: office hours are 07:30-11:30 and 13:00-17:00 on working days (8 hours). Instants
 * are local minutes: minutes since 1970-01-01 00:00 in Asia/Ho_Chi_Minh (UTC+7 all year), so a day
 * number d begins at minute d * 1440.
 *
 * A cal_calendar builds the years it is asked about once and keeps them; it is not thread-safe
 * (use one per request or per thread). Pure logic: no I/O.
 */
#ifndef RADMAP_CALENDAR_H
#define RADMAP_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAL_HOURS_PER_DAY 8
#define CAL_MINUTES_PER_DAY 1440
#define CAL_YEAR_MIN 1900
#define CAL_YEAR_MAX 2199
/* Office hours, minutes after local midnight: [start, end) of the morning and the afternoon. */
#define CAL_AM_START (7 * 60 + 30)
#define CAL_AM_END (11 * 60 + 30)
#define CAL_PM_START (13 * 60)
#define CAL_PM_END (17 * 60)

typedef enum cal_change_kind {
    CAL_CHANGE_TET = 1,
    CAL_CHANGE_NATIONAL_DAY,
    CAL_CHANGE_DAY_OFF,
    CAL_CHANGE_WORKING_DAY,
} cal_change_kind;

typedef struct cal_change {
    int32_t day;          /* day number (core/date.h) */
    cal_change_kind kind;
} cal_change;

/* Why a day is, or is not, a working day. */
typedef enum cal_reason {
    CAL_WORKING = 0,      /* an ordinary working day */
    CAL_WEEKEND,
    CAL_NEW_YEAR,         /* 1 January */
    CAL_TET,              /* Tết Nguyên đán */
    CAL_HUNG_KINGS,       /* 10th day of the 3rd lunar month */
    CAL_REUNIFICATION,    /* 30 April */
    CAL_LABOUR_DAY,       /* 1 May */
    CAL_NATIONAL_DAY,     /* 2 September and its adjacent day */
    CAL_COMPENSATORY,     /* the next working day after a holiday on a weekend */
    CAL_ANNOUNCED_OFF,    /* a day off from the yearly table */
    CAL_SWAPPED_WORKING,  /* worked by the yearly table although the rules give it off */
    CAL_REASON_COUNT
} cal_reason;

typedef int64_t cal_minute; /* local minutes since 1970-01-01 00:00 (UTC+7) */

typedef struct cal_calendar cal_calendar;

/* A calendar with no announced changes. NULL on allocation failure; free with cal_destroy. */
cal_calendar *cal_create(void);
void cal_destroy(cal_calendar *c);
/* Set the announced changes of `year` (replacing earlier ones; n may be 0). Changes outside the
 * year are ignored. 0, or -1 when year is outside CAL_YEAR_MIN..CAL_YEAR_MAX or memory fails. */
int cal_set_changes(cal_calendar *c, int year, const cal_change *changes, size_t n);

/* Is `day` a working day? Days outside the supported years follow the weekend rule only. */
bool cal_is_working(cal_calendar *c, int32_t day);
/* Why: CAL_WORKING or CAL_SWAPPED_WORKING for working days, another reason otherwise. *holiday_
 * on_weekend (may be NULL) is set when a holiday falls on a Saturday or Sunday (the reason is then
 * the holiday's). */
cal_reason cal_day_reason(cal_calendar *c, int32_t day, bool *holiday_on_weekend);
/* Stable key ("tet", "compensatory" ...), Vietnamese and English names of a reason. */
const char *cal_reason_key(cal_reason r);
const char *cal_reason_name_vi(cal_reason r);
const char *cal_reason_name_en(cal_reason r);
/* Working days in `year`. */
int cal_working_days_in_year(cal_calendar *c, int year);

/* Working minutes between two instants: the office time in [from, to), negative when to < from. */
int64_t cal_work_minutes_between(cal_calendar *c, cal_minute from, cal_minute to);
/* The instant at which `minutes` (>= 0) working minutes after `from` have passed. Work that ends
 * exactly at the end of a morning or afternoon ends there (11:30, 17:00), not at the next start.
 * Never more than CAL_YEAR_MAX: the result is clamped. */
cal_minute cal_add_work_minutes(cal_calendar *c, cal_minute from, int64_t minutes);
/* The day `n` (>= 0) working days after `day` (n = 0: day itself when working, else the next). */
int32_t cal_add_working_days(cal_calendar *c, int32_t day, int n);

/* Instants as text. Parse "YYYY-MM-DDTHH:MM[:SS]" with "Z" or a "+hh:mm"/"-hh:mm" offset (no
 * offset: local time), the same with a space for the T, or a date alone "YYYY-MM-DD" (then
 * date_minute is the minute of that day). Also "DD/MM/YYYY[ HH:MM[:SS]]" and "YYYY/MM/DD[ ...]"
 * as spreadsheets write them (local time). 0, or -1 when s is none of these. */
int cal_parse_instant(const char *s, int date_minute, cal_minute *out);
/* "YYYY-MM-DDTHH:MM:SS+07:00" (local), 26 bytes with the NUL. */
void cal_format_local(cal_minute m, char out[32]);
/* "YYYY-MM-DDTHH:MM:SSZ" (UTC, for storage), 21 bytes with the NUL. */
void cal_format_utc(cal_minute m, char out[32]);
/* The day number of an instant. */
int32_t cal_day_of(cal_minute m);
/* Now as local minutes: today's day number from core/date (RADMAP_TODAY pins it) with the clock's
 * time of day. */
cal_minute cal_now(void);

#endif
