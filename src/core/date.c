/*
 * date: civil day numbers and "today" in Asia/Ho_Chi_Minh; see date.h for the contract.
 *
 * The conversions are Howard Hinnant's days_from_civil / civil_from_days ("chrono-compatible
 * low-level date algorithms"): exact for the whole proleptic Gregorian calendar, no tables, no
 * time zone database and no locale, so they give the same answer on every machine. Arithmetic is
 * done in 64 bits so that no intermediate overflows for any int32 day number.
 */
#include "core/date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATE_YEAR_MIN 1900
#define DATE_YEAR_MAX 2200

int32_t date_from_civil(int year, int month, int day)
{
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                         /* [0, 399] */
    int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                 /* [0, 146096] */
    return (int32_t)(era * 146097 + doe - 719468);
}

void date_to_civil(int32_t days, int *year, int *month, int *day)
{
    int64_t z = (int64_t)days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11], from March */
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (m <= 2));
    *month = m;
    *day = d;
}

static int date_is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int date_days_in_month(int year, int month)
{
    static const unsigned char len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && date_is_leap(year) ? 29 : len[month - 1];
}

/* Read n ASCII digits at s into *value; 0, or -1 when one of them is not a digit. */
static int date_digits(const char *s, int n, int *value)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *value = v;
    return 0;
}

int date_parse(const char *s, int32_t *days)
{
    int year, month, day;
    if (!s)
        return -1;
    /* The digit checks stop at a NUL before the fixed offsets are passed, so a short string is
     * never read past its end. */
    if (date_digits(s, 4, &year) < 0 || s[4] != '-' || date_digits(s + 5, 2, &month) < 0 ||
        s[7] != '-' || date_digits(s + 8, 2, &day) < 0 || s[10] != '\0')
        return -1;
    if (year < DATE_YEAR_MIN || year > DATE_YEAR_MAX || month < 1 || month > 12 || day < 1 ||
        day > date_days_in_month(year, month))
        return -1;
    *days = date_from_civil(year, month, day);
    return 0;
}

void date_format(int32_t days, char out[11])
{
    int year, month, day;
    date_to_civil(days, &year, &month, &day);
    /* Four digits only: a year outside 0000-9999 is clamped rather than overflowing out. */
    if (year < 0)
        year = 0;
    if (year > 9999)
        year = 9999;
    out[0] = (char)('0' + year / 1000);
    out[1] = (char)('0' + year / 100 % 10);
    out[2] = (char)('0' + year / 10 % 10);
    out[3] = (char)('0' + year % 10);
    out[4] = '-';
    out[5] = (char)('0' + month / 10);
    out[6] = (char)('0' + month % 10);
    out[7] = '-';
    out[8] = (char)('0' + day / 10);
    out[9] = (char)('0' + day % 10);
    out[10] = '\0';
}

int32_t date_of_time_hcm(time_t t)
{
    int64_t local_s = (int64_t)t + DATE_HCM_UTC_OFFSET_S;
    int64_t day = local_s / 86400;
    if (local_s % 86400 < 0) /* floor, not truncation, before 1970 */
        day--;
    return (int32_t)day;
}

int32_t date_today(void)
{
    /* getenv is safe from any thread as long as none modifies the environment; the server never
     * does (only single-threaded tests call setenv). */
    const char *fixed = getenv("RADMAP_TODAY");
    int32_t days;
    if (fixed && fixed[0] == '@') {
        /* RADMAP_TODAY=@FILE: the date is read from FILE on every call, so a demo or a test can move
         * a running server across midnight. */
        char line[32] = "";
        FILE *f = fopen(fixed + 1, "r");
        if (f) {
            if (!fgets(line, sizeof line, f))
                line[0] = 0;
            fclose(f);
        }
        line[strcspn(line, "\r\n ")] = 0;
        if (date_parse(line, &days) == 0)
            return days;
    } else if (fixed && date_parse(fixed, &days) == 0) {
        return days;
    }
    return date_of_time_hcm(time(NULL));
}
