/*
 * lunar: the Vietnamese lunisolar calendar from the Sun and the Moon; see lunar.h for the rules.
 *
 * Months are counted by their new-moon number k (k = 0: 2000-01-06). A "cycle" runs from one
 * month 11 to the next and holds 12 or 13 months; months 11 and 12 of the cycle that starts in
 * Gregorian year G belong to lunar year G, its months 1-10 to lunar year G + 1. Everything else is
 * derived from three questions: on which civil day does month k begin, which month k is month 11
 * of a year, and which month of a 13-month cycle holds no major solar term.
 */
#include "core/lunar.h"

#include <math.h>

#include "core/date.h"

#define LUNAR_SYNODIC_DAYS 29.530588861
#define LUNAR_JD_UNIX_EPOCH 2440587.5 /* Julian Day of 1970-01-01 00:00 UTC, day number 0 */
#define LUNAR_J2000 2451545.0

static double rad(double degrees) { return degrees * (M_PI / 180.0); }

static double norm360(double a)
{
    a = fmod(a, 360.0);
    return a < 0 ? a + 360.0 : a;
}

/* ΔT = TT - UT in seconds for a decimal year (Espenak and Meeus, NASA Five Millennium Canon;
 * measured values up to 2005, their extrapolation after). */
static double delta_t_s(double y)
{
    double t;
    if (y < 1860) {
        double u = (y - 1820) / 100;
        return -20 + 32 * u * u;
    }
    if (y < 1900) {
        t = y - 1860;
        return 7.62 + 0.5737 * t - 0.251754 * t * t + 0.01680668 * t * t * t - 0.0004473624 * pow(t, 4) +
               pow(t, 5) / 233174;
    }
    if (y < 1920) {
        t = y - 1900;
        return -2.79 + 1.494119 * t - 0.0598939 * t * t + 0.0061966 * t * t * t - 0.000197 * pow(t, 4);
    }
    if (y < 1941) {
        t = y - 1920;
        return 21.20 + 0.84493 * t - 0.076100 * t * t + 0.0020936 * t * t * t;
    }
    if (y < 1961) {
        t = y - 1950;
        return 29.07 + 0.407 * t - t * t / 233 + t * t * t / 2547;
    }
    if (y < 1986) {
        t = y - 1975;
        return 45.45 + 1.067 * t - t * t / 260 - t * t * t / 718;
    }
    if (y < 2005) {
        t = y - 2000;
        return 63.86 + 0.3345 * t - 0.060374 * t * t + 0.0017275 * t * t * t + 0.000651814 * pow(t, 4) +
               0.00002373599 * pow(t, 5);
    }
    if (y < 2050) {
        t = y - 2000;
        return 62.92 + 0.32217 * t + 0.005589 * t * t;
    }
    double u = (y - 1820) / 100;
    if (y < 2150)
        return -20 + 32 * u * u - 0.5628 * (2150 - y);
    return -20 + 32 * u * u;
}

static double delta_t_days(double jd)
{
    return delta_t_s(2000.0 + (jd - LUNAR_J2000) / 365.25) / 86400.0;
}

double lunar_new_moon_jde(long k)
{
    double kk = (double)k;
    double T = kk / 1236.85, T2 = T * T, T3 = T2 * T, T4 = T3 * T;
    double jde = 2451550.09766 + LUNAR_SYNODIC_DAYS * kk + 0.00015437 * T2 - 0.000000150 * T3 + 0.00000000073 * T4;
    double E = 1 - 0.002516 * T - 0.0000074 * T2;
    double M = rad(2.5534 + 29.10535670 * kk - 0.0000014 * T2 - 0.00000011 * T3);           /* Sun's anomaly */
    double Mp = rad(201.5643 + 385.81693528 * kk + 0.0107582 * T2 + 0.00001238 * T3 - 0.000000058 * T4);
    double F = rad(160.7108 + 390.67050284 * kk - 0.0016118 * T2 - 0.00000227 * T3 + 0.000000011 * T4);
    double Om = rad(124.7746 - 1.56375588 * kk + 0.0020672 * T2 + 0.00000215 * T3);
    /* Periodic terms of the new moon (Meeus table 49.A). */
    double c = -0.40720 * sin(Mp) + 0.17241 * E * sin(M) + 0.01608 * sin(2 * Mp) + 0.01039 * sin(2 * F) +
               0.00739 * E * sin(Mp - M) - 0.00514 * E * sin(Mp + M) + 0.00208 * E * E * sin(2 * M) -
               0.00111 * sin(Mp - 2 * F) - 0.00057 * sin(Mp + 2 * F) + 0.00056 * E * sin(2 * Mp + M) -
               0.00042 * sin(3 * Mp) + 0.00042 * E * sin(M + 2 * F) + 0.00038 * E * sin(M - 2 * F) -
               0.00024 * E * sin(2 * Mp - M) - 0.00017 * sin(Om) - 0.00007 * sin(Mp + 2 * M) +
               0.00004 * sin(2 * Mp - 2 * F) + 0.00004 * sin(3 * M) + 0.00003 * sin(Mp + M - 2 * F) +
               0.00003 * sin(2 * Mp + 2 * F) - 0.00003 * sin(Mp + M + 2 * F) + 0.00003 * sin(Mp - M + 2 * F) -
               0.00002 * sin(Mp - M - 2 * F) - 0.00002 * sin(3 * Mp + M) + 0.00002 * sin(4 * Mp);
    /* Planetary arguments (Meeus table 49.B). */
    static const double arg[14][3] = {
        {299.77, 0.107408, -0.009173}, {251.88, 0.016321, 0}, {251.83, 26.651886, 0}, {349.42, 36.412478, 0},
        {84.66, 18.206239, 0},         {141.74, 53.303771, 0}, {207.14, 2.453732, 0}, {154.84, 7.306860, 0},
        {34.52, 27.261239, 0},         {207.19, 0.121824, 0}, {291.34, 1.844379, 0},  {161.72, 24.198154, 0},
        {239.56, 25.513099, 0},        {331.55, 3.592518, 0},
    };
    static const double amp[14] = {0.000325, 0.000165, 0.000164, 0.000126, 0.000110, 0.000062, 0.000060,
                                   0.000056, 0.000047, 0.000042, 0.000040, 0.000037, 0.000035, 0.000023};
    double p = 0;
    for (int i = 0; i < 14; i++)
        p += amp[i] * sin(rad(arg[i][0] + arg[i][1] * kk + arg[i][2] * T2));
    return jde + c + p;
}

double lunar_sun_longitude(double jde)
{
    double T = (jde - LUNAR_J2000) / 36525.0, T2 = T * T;
    double L0 = 280.46646 + 36000.76983 * T + 0.0003032 * T2;
    double M = rad(357.52911 + 35999.05029 * T - 0.0001537 * T2);
    double C = (1.914602 - 0.004817 * T - 0.000014 * T2) * sin(M) + (0.019993 - 0.000101 * T) * sin(2 * M) +
               0.000289 * sin(3 * M);
    double omega = rad(125.04 - 1934.136 * T);
    /* Apparent longitude: true longitude less aberration, plus nutation in longitude. */
    return norm360(L0 + C - 0.00569 - 0.00478 * sin(omega));
}

/* The civil day (in tz) that holds new moon k. */
static int32_t new_moon_day(long k, int tz_minutes)
{
    double jde = lunar_new_moon_jde(k);
    double jd_ut = jde - delta_t_days(jde);
    return (int32_t)floor(jd_ut + tz_minutes / 1440.0 - LUNAR_JD_UNIX_EPOCH);
}

/* The 30° sector the Sun is in at the start (local midnight) of civil day `day`: 0-11. */
static int sun_sector(int32_t day, int tz_minutes)
{
    double jd_ut = (double)day + LUNAR_JD_UNIX_EPOCH - tz_minutes / 1440.0;
    double lon = lunar_sun_longitude(jd_ut + delta_t_days(jd_ut));
    int s = (int)floor(lon / 30.0);
    return s > 11 ? 11 : s;
}

/* The number k of the month that holds civil day `day`. */
static long month_of_day(int32_t day, int tz_minutes)
{
    double jd = (double)day + LUNAR_JD_UNIX_EPOCH;
    long k = (long)floor((jd - 2451550.09766) / LUNAR_SYNODIC_DAYS);
    while (new_moon_day(k + 1, tz_minutes) <= day)
        k++;
    while (new_moon_day(k, tz_minutes) > day)
        k--;
    return k;
}

/* The number k of month 11 of Gregorian year `year`: the month that holds its December solstice. */
static long month11(int year, int tz_minutes)
{
    long k = month_of_day(date_from_civil(year, 12, 31), tz_minutes);
    /* Already past 270° when this month began: the solstice was in the month before. */
    if (sun_sector(new_moon_day(k, tz_minutes), tz_minutes) >= 9)
        k--;
    return k;
}

/* In the cycle starting at month11 k11: the offset (1-12) of its leap month, 0 when it has 12 months
 * or (never expected) no month without a major term. */
static int leap_offset(long k11, int tz_minutes, long next_k11)
{
    if (next_k11 - k11 != 13)
        return 0;
    int prev = sun_sector(new_moon_day(k11 + 1, tz_minutes), tz_minutes);
    for (int i = 1; i <= 12; i++) {
        int next = sun_sector(new_moon_day(k11 + i + 1, tz_minutes), tz_minutes);
        if (next == prev)
            return i;
        prev = next;
    }
    return 0;
}

void lunar_from_day(int32_t day, int tz_minutes, lunar_date *out)
{
    long k = month_of_day(day, tz_minutes);
    int32_t start = new_moon_day(k, tz_minutes);
    int y, m, d;
    date_to_civil(day, &y, &m, &d);
    long a = month11(y, tz_minutes), base, next;
    int g;
    if (k >= a) {
        base = a;
        next = month11(y + 1, tz_minutes);
        g = y;
    } else {
        base = month11(y - 1, tz_minutes);
        next = a;
        g = y - 1;
    }
    int i = (int)(k - base);
    int leap = leap_offset(base, tz_minutes, next);
    int num = 11 + i;
    out->leap = false;
    if (leap && i >= leap) {
        num--;
        out->leap = i == leap;
    }
    out->month = (num - 1) % 12 + 1;
    out->year = num <= 12 ? g : g + 1;
    out->day = (int)(day - start) + 1;
}

int lunar_to_day(const lunar_date *d, int tz_minutes, int32_t *day)
{
    if (d->month < 1 || d->month > 12 || d->day < 1 || d->day > 30)
        return -1;
    int g = d->month >= 11 ? d->year : d->year - 1;
    long base = month11(g, tz_minutes), next = month11(g + 1, tz_minutes);
    int leap = leap_offset(base, tz_minutes, next);
    int num = d->month >= 11 ? d->month : d->month + 12;
    int i;
    if (d->leap) {
        if (!leap || 11 + leap - 1 != num)
            return -1;
        i = leap;
    } else {
        i = num - 11;
        if (leap && i >= leap)
            i++;
    }
    int32_t start = new_moon_day(base + i, tz_minutes), end = new_moon_day(base + i + 1, tz_minutes);
    if (d->day > end - start)
        return -1;
    *day = start + d->day - 1;
    return 0;
}

int32_t lunar_new_year(int year, int tz_minutes)
{
    lunar_date d = {year, 1, 1, false};
    int32_t day = 0;
    lunar_to_day(&d, tz_minutes, &day); /* month 1 day 1 always exists */
    return day;
}

int lunar_leap_month(int year, int tz_minutes)
{
    /* Months 1-10 of lunar year `year` are in the cycle that starts in year - 1, months 11 and 12
     * in the one that starts in `year`. */
    long a = month11(year - 1, tz_minutes), b = month11(year, tz_minutes), c = month11(year + 1, tz_minutes);
    int l1 = leap_offset(a, tz_minutes, b);
    if (l1 >= 3)
        return 11 + l1 - 1 - 12;
    int l2 = leap_offset(b, tz_minutes, c);
    if (l2 == 1 || l2 == 2)
        return 11 + l2 - 1;
    return 0;
}

int lunar_month_length(int32_t day, int tz_minutes)
{
    long k = month_of_day(day, tz_minutes);
    return (int)(new_moon_day(k + 1, tz_minutes) - new_moon_day(k, tz_minutes));
}
