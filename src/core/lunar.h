/*
 * lunar: the Vietnamese lunisolar calendar (âm lịch), computed from the positions of the Sun and
 * the Moon for any year, so that Tết and the Hùng Kings' day never need a table.
 *
 * The rules are the astronomical ones the Vietnamese calendar follows (the same rules as the
 * Chinese calendar, applied to the civil day of UTC+7):
 *   - a month begins on the civil day that holds the instant of the new moon;
 *   - month 11 is the month that holds the December solstice (the Sun at 270°);
 *   - when 13 new moons begin between one month 11 and the next, the first of those months in
 *     which the Sun enters no new 30° sector (no major solar term) is a leap month and repeats
 *     the number of the month before it.
 * The day of a new moon is found with the series of Meeus, "Astronomical Algorithms", ch. 49
 * (dynamical time), moved to universal time with the Espenak-Meeus polynomials for ΔT; the solar
 * term test uses the Sun's apparent longitude of ch. 25 (low accuracy, about 0.01°). Vietnam has
 * used UTC+7 for its calendar since 1968; before that the official calendar followed UTC+8, which
 * callers can ask for through tz_minutes.
 *
 * Pure computation: no I/O, no allocation, thread-safe. Days are day numbers of core/date.h.
 */
#ifndef RADMAP_LUNAR_H
#define RADMAP_LUNAR_H

#include <stdbool.h>
#include <stdint.h>

/* The time zone of the Vietnamese calendar, minutes east of UTC. */
#define LUNAR_TZ_VIETNAM (7 * 60)
/* Years for which the results are meant (ΔT is extrapolated outside them). */
#define LUNAR_YEAR_MIN 1800
#define LUNAR_YEAR_MAX 2199

typedef struct lunar_date {
    int year;   /* lunar year: the Gregorian year in which its month 1 begins */
    int month;  /* 1-12 */
    int day;    /* 1-30 */
    bool leap;  /* a leap month (tháng nhuận), repeating the number of the month before it */
} lunar_date;

/* The lunar date of civil day `day` in the time zone tz_minutes east of UTC. */
void lunar_from_day(int32_t day, int tz_minutes, lunar_date *out);
/* The civil day of a lunar date. 0 with *day, or -1 when the date does not exist (a leap month
 * the year does not have, day 30 of a 29-day month, a month outside 1-12). */
int lunar_to_day(const lunar_date *d, int tz_minutes, int32_t *day);
/* The day of lunar new year (Tết Nguyên đán, 1/1) of lunar year `year`. */
int32_t lunar_new_year(int year, int tz_minutes);
/* The number of the leap month of lunar year `year`, or 0 when it has none. */
int lunar_leap_month(int year, int tz_minutes);
/* Days in the lunar month that holds civil day `day` (29 or 30). */
int lunar_month_length(int32_t day, int tz_minutes);

/* Internals exposed for the unit tests: the Julian Ephemeris Day of mean-phase-corrected new moon
 * number k (k = 0 is the new moon of 2000-01-06), and the Sun's apparent ecliptic longitude in
 * degrees [0, 360) at Julian Ephemeris Day jde. */
double lunar_new_moon_jde(long k);
double lunar_sun_longitude(double jde);

#endif
