/*
 * calendar: the working-day calendar and working-hour arithmetic; see calendar.h for the rules.
 *
 * Each year is built once into an array of reasons, one per day: weekends, then the holidays of
 * the rules (with the announced Tết and national days when given), then the compensatory days for
 * holidays on weekends, in date order so that two holidays on one weekend give two consecutive
 * days, and last the announced days off and working days. Working-time arithmetic walks the days
 * and the two office periods of each; a statutory time of 25 working days costs a few dozen steps.
 */
#include "core/calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/date.h"
#include "core/lunar.h"

#define CAL_NYEARS (CAL_YEAR_MAX - CAL_YEAR_MIN + 1)

typedef struct cal_year {
    bool built;
    int ndays;
    int32_t first;                 /* day number of 1 January */
    unsigned char reason[366];
    unsigned char on_weekend[366]; /* a holiday that falls on a weekend */
    cal_change *changes;
    size_t nchanges;
} cal_year;

struct cal_calendar {
    cal_year *years[CAL_NYEARS];   /* allocated on first use */
};

cal_calendar *cal_create(void)
{
    return calloc(1, sizeof(cal_calendar));
}

void cal_destroy(cal_calendar *c)
{
    if (!c)
        return;
    for (int i = 0; i < CAL_NYEARS; i++)
        if (c->years[i]) {
            free(c->years[i]->changes);
            free(c->years[i]);
        }
    free(c);
}

static cal_year *year_slot(cal_calendar *c, int year)
{
    if (year < CAL_YEAR_MIN || year > CAL_YEAR_MAX)
        return NULL;
    cal_year **p = &c->years[year - CAL_YEAR_MIN];
    if (!*p)
        *p = calloc(1, sizeof **p);
    return *p;
}

int cal_set_changes(cal_calendar *c, int year, const cal_change *changes, size_t n)
{
    cal_year *y = year_slot(c, year);
    if (!y)
        return -1;
    cal_change *copy = NULL;
    if (n) {
        copy = malloc(n * sizeof *copy);
        if (!copy)
            return -1;
        memcpy(copy, changes, n * sizeof *copy);
    }
    free(y->changes);
    y->changes = copy;
    y->nchanges = n;
    y->built = false;
    return 0;
}

/* 0 Monday ... 6 Sunday (1970-01-01 was a Thursday). */
static int weekday(int32_t day)
{
    int w = (int)((day + 3) % 7);
    return w < 0 ? w + 7 : w;
}

static bool is_weekend(int32_t day) { return weekday(day) >= 5; }

static void build_year(cal_year *y, int year)
{
    y->first = date_from_civil(year, 1, 1);
    y->ndays = (int)(date_from_civil(year + 1, 1, 1) - y->first);
    memset(y->reason, CAL_WORKING, sizeof y->reason);
    memset(y->on_weekend, 0, sizeof y->on_weekend);
    for (int i = 0; i < y->ndays; i++)
        if (is_weekend(y->first + i))
            y->reason[i] = CAL_WEEKEND;

    /* The holidays of the rules, with the announced Tết and national days when the table has them. */
    int32_t hol[16];
    unsigned char why[16];
    int nh = 0, ntet = 0;
    int32_t adjacent = date_from_civil(year, 9, 1);
    for (size_t k = 0; k < y->nchanges; k++) {
        if (y->changes[k].kind == CAL_CHANGE_TET && nh < 10) {
            hol[nh] = y->changes[k].day;
            why[nh++] = CAL_TET;
            ntet++;
        } else if (y->changes[k].kind == CAL_CHANGE_NATIONAL_DAY) {
            adjacent = y->changes[k].day;
        }
    }
    if (!ntet) {
        int32_t tet = lunar_new_year(year, LUNAR_TZ_VIETNAM);
        for (int32_t d = tet - 1; d <= tet + 3; d++) {
            hol[nh] = d;
            why[nh++] = CAL_TET;
        }
    }
    lunar_date hk = {year, 3, 10, false};
    int32_t hung;
    if (lunar_to_day(&hk, LUNAR_TZ_VIETNAM, &hung) == 0) {
        hol[nh] = hung;
        why[nh++] = CAL_HUNG_KINGS;
    }
    const struct { int m, d; unsigned char r; } fixed[] = {
        {1, 1, CAL_NEW_YEAR}, {4, 30, CAL_REUNIFICATION}, {5, 1, CAL_LABOUR_DAY}, {9, 2, CAL_NATIONAL_DAY}};
    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++) {
        hol[nh] = date_from_civil(year, fixed[k].m, fixed[k].d);
        why[nh++] = fixed[k].r;
    }
    hol[nh] = adjacent;
    why[nh++] = CAL_NATIONAL_DAY;
    for (int k = 0; k < nh; k++) {
        int i = (int)(hol[k] - y->first);
        if (i < 0 || i >= y->ndays)
            continue;
        if (is_weekend(hol[k]))
            y->on_weekend[i] = 1;
        y->reason[i] = why[k];
    }
    /* Compensatory days, in date order: each holiday on a weekend gives the next day that is
     * neither a weekend, a holiday nor another compensatory day. */
    for (int i = 0; i < y->ndays; i++) {
        if (!y->on_weekend[i])
            continue;
        int j = i + 1;
        while (j < y->ndays && y->reason[j] != CAL_WORKING)
            j++;
        if (j < y->ndays)
            y->reason[j] = CAL_COMPENSATORY;
    }
    /* Announcements win over the rules. */
    for (size_t k = 0; k < y->nchanges; k++) {
        int i = (int)(y->changes[k].day - y->first);
        if (i < 0 || i >= y->ndays)
            continue;
        if (y->changes[k].kind == CAL_CHANGE_DAY_OFF && y->reason[i] == CAL_WORKING)
            y->reason[i] = CAL_ANNOUNCED_OFF;
        else if (y->changes[k].kind == CAL_CHANGE_WORKING_DAY)
            y->reason[i] = CAL_SWAPPED_WORKING;
    }
    y->built = true;
}

static cal_year *year_of(cal_calendar *c, int32_t day, int *index)
{
    int yy, mm, dd;
    date_to_civil(day, &yy, &mm, &dd);
    cal_year *y = year_slot(c, yy);
    if (!y)
        return NULL;
    if (!y->built)
        build_year(y, yy);
    *index = (int)(day - y->first);
    return y;
}

cal_reason cal_day_reason(cal_calendar *c, int32_t day, bool *holiday_on_weekend)
{
    int i;
    cal_year *y = year_of(c, day, &i);
    if (holiday_on_weekend)
        *holiday_on_weekend = y && y->on_weekend[i];
    if (!y)
        return is_weekend(day) ? CAL_WEEKEND : CAL_WORKING;
    return (cal_reason)y->reason[i];
}

bool cal_is_working(cal_calendar *c, int32_t day)
{
    cal_reason r = cal_day_reason(c, day, NULL);
    return r == CAL_WORKING || r == CAL_SWAPPED_WORKING;
}

static const char *const reason_text[CAL_REASON_COUNT][3] = {
    [CAL_WORKING] = {"working", "Ngày làm việc", "Working day"},
    [CAL_WEEKEND] = {"weekend", "Nghỉ hằng tuần", "Weekend"},
    [CAL_NEW_YEAR] = {"new_year", "Tết Dương lịch", "New Year's Day"},
    [CAL_TET] = {"tet", "Tết Âm lịch", "Lunar New Year (Tết)"},
    [CAL_HUNG_KINGS] = {"hung_kings", "Giỗ Tổ Hùng Vương (10/3 âm lịch)", "Hùng Kings' Commemoration"},
    [CAL_REUNIFICATION] = {"reunification", "Ngày Chiến thắng (30/4)", "Reunification Day"},
    [CAL_LABOUR_DAY] = {"labour_day", "Ngày Quốc tế lao động (1/5)", "International Labour Day"},
    [CAL_NATIONAL_DAY] = {"national_day", "Quốc khánh (2/9)", "National Day"},
    [CAL_COMPENSATORY] = {"compensatory", "Nghỉ bù", "Compensatory day off"},
    [CAL_ANNOUNCED_OFF] = {"announced_day_off", "Nghỉ theo thông báo", "Announced day off"},
    [CAL_SWAPPED_WORKING] = {"swapped_working_day", "Làm việc theo thông báo (làm bù)", "Announced working day"},
};

const char *cal_reason_key(cal_reason r) { return r < CAL_REASON_COUNT ? reason_text[r][0] : "?"; }
const char *cal_reason_name_vi(cal_reason r) { return r < CAL_REASON_COUNT ? reason_text[r][1] : "?"; }
const char *cal_reason_name_en(cal_reason r) { return r < CAL_REASON_COUNT ? reason_text[r][2] : "?"; }

int cal_working_days_in_year(cal_calendar *c, int year)
{
    int32_t a = date_from_civil(year, 1, 1), b = date_from_civil(year + 1, 1, 1);
    int n = 0;
    for (int32_t d = a; d < b; d++)
        n += cal_is_working(c, d);
    return n;
}

static const int office[2][2] = {{CAL_AM_START, CAL_AM_END}, {CAL_PM_START, CAL_PM_END}};

/* floor division for instants before 1970 */
static int32_t day_floor(cal_minute m)
{
    return (int32_t)(m >= 0 ? m / CAL_MINUTES_PER_DAY : -((-m + CAL_MINUTES_PER_DAY - 1) / CAL_MINUTES_PER_DAY));
}

int32_t cal_day_of(cal_minute m) { return day_floor(m); }

int64_t cal_work_minutes_between(cal_calendar *c, cal_minute from, cal_minute to)
{
    if (to < from)
        return -cal_work_minutes_between(c, to, from);
    int64_t total = 0;
    int32_t last = day_floor(to);
    int32_t stop = date_from_civil(CAL_YEAR_MAX, 12, 31);
    for (int32_t d = day_floor(from); d <= last && d <= stop; d++) {
        if (!cal_is_working(c, d))
            continue;
        cal_minute base = (cal_minute)d * CAL_MINUTES_PER_DAY;
        for (int p = 0; p < 2; p++) {
            cal_minute s = base + office[p][0], e = base + office[p][1];
            if (s < from)
                s = from;
            if (e > to)
                e = to;
            if (e > s)
                total += e - s;
        }
    }
    return total;
}

cal_minute cal_add_work_minutes(cal_calendar *c, cal_minute from, int64_t minutes)
{
    if (minutes <= 0)
        return from;
    int32_t stop = date_from_civil(CAL_YEAR_MAX, 12, 31);
    for (int32_t d = day_floor(from); d <= stop; d++) {
        if (!cal_is_working(c, d))
            continue;
        cal_minute base = (cal_minute)d * CAL_MINUTES_PER_DAY;
        for (int p = 0; p < 2; p++) {
            cal_minute s = base + office[p][0], e = base + office[p][1];
            if (s < from)
                s = from;
            if (e <= s)
                continue;
            if (minutes <= e - s)
                return s + minutes;
            minutes -= e - s;
        }
    }
    return (cal_minute)stop * CAL_MINUTES_PER_DAY + CAL_PM_END;
}

int32_t cal_add_working_days(cal_calendar *c, int32_t day, int n)
{
    int32_t stop = date_from_civil(CAL_YEAR_MAX, 12, 31);
    while (!cal_is_working(c, day) && day < stop)
        day++;
    while (n > 0 && day < stop) {
        day++;
        if (cal_is_working(c, day))
            n--;
    }
    return day;
}

/* Read exactly n digits; -1 when one is not a digit. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + s[i] - '0';
    }
    return v;
}

/* "HH:MM[:SS]" at s; the rest in *end. -1 when not a time. */
static int parse_time(const char *s, int *minute, const char **end)
{
    int h = digits(s, 2), m = h >= 0 && s[2] == ':' ? digits(s + 3, 2) : -1;
    if (h < 0 || m < 0 || h > 23 || m > 59)
        return -1;
    s += 5;
    if (*s == ':') {
        int sec = digits(s + 1, 2);
        if (sec < 0 || sec > 60)
            return -1;
        s += 3;
        if (*s == '.') /* fractions of a second are dropped */
            for (s++; *s >= '0' && *s <= '9'; s++)
                ;
    }
    *minute = h * 60 + m;
    *end = s;
    return 0;
}

int cal_parse_instant(const char *s, int date_minute, cal_minute *out)
{
    if (!s)
        return -1;
    while (*s == ' ')
        s++;
    int y, mo, d;
    const char *p;
    if (strlen(s) < 10)
        return -1;
    if (digits(s, 4) >= 0 && (s[4] == '-' || s[4] == '/') && s[7] == s[4]) {
        y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
        p = s + 10;
    } else if (digits(s, 2) >= 0 && s[2] == '/' && s[5] == '/' && digits(s + 6, 4) >= 0) {
        d = digits(s, 2), mo = digits(s + 3, 2), y = digits(s + 6, 4);
        p = s + 10;
    } else {
        return -1;
    }
    char date[32];
    if (mo < 0 || d < 0)
        return -1;
    snprintf(date, sizeof date, "%04d-%02d-%02d", y, mo, d);
    int32_t day;
    if (date_parse(date, &day) < 0)
        return -1;
    int minute = date_minute, offset = 7 * 60;
    if (*p == 'T' || (*p == ' ' && p[1] >= '0' && p[1] <= '9')) {
        if (parse_time(p + 1, &minute, &p) < 0)
            return -1;
        if (*p == 'Z') {
            offset = 0;
            p++;
        } else if (*p == '+' || *p == '-') {
            int oh = digits(p + 1, 2), om = oh >= 0 && p[3] == ':' ? digits(p + 4, 2) : -1;
            if (oh < 0 || om < 0 || oh > 14 || om > 59)
                return -1;
            offset = (oh * 60 + om) * (*p == '-' ? -1 : 1);
            p += 6;
        }
    }
    while (*p == ' ')
        p++;
    if (*p)
        return -1;
    /* To local (UTC+7) minutes. */
    *out = (cal_minute)day * CAL_MINUTES_PER_DAY + minute - offset + 7 * 60;
    return 0;
}

static void format(cal_minute m, char out[32], bool utc)
{
    if (utc)
        m -= 7 * 60;
    int32_t day = day_floor(m);
    unsigned minute = (unsigned)(m - (cal_minute)day * CAL_MINUTES_PER_DAY) % CAL_MINUTES_PER_DAY;
    char date[11];
    date_format(day, date);
    snprintf(out, 32, "%.10sT%02u:%02u:00%s", date, minute / 60 % 24, minute % 60, utc ? "Z" : "+07:00");
}

void cal_format_local(cal_minute m, char out[32]) { format(m, out, false); }
void cal_format_utc(cal_minute m, char out[32]) { format(m, out, true); }

cal_minute cal_now(void)
{
    int32_t today = date_today();
    time_t t = time(NULL);
    int64_t local_s = (int64_t)t + DATE_HCM_UTC_OFFSET_S;
    int64_t sod = local_s % 86400;
    if (sod < 0)
        sod += 86400;
    return (cal_minute)today * CAL_MINUTES_PER_DAY + sod / 60;
}
