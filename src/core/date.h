/*
 * date: civil dates as day numbers, and "today" in Asia/Ho_Chi_Minh.
 *
 * A day number is the count of days since 1970-01-01 (proleptic Gregorian), so differences are
 * plain subtraction. Vietnam keeps UTC+7 all year (no daylight saving), so "today" is the UTC
 * clock plus seven hours; RADMAP_TODAY=YYYY-MM-DD fixes it for tests and demos.
 */
#ifndef RADMAP_DATE_H
#define RADMAP_DATE_H

#include <stdint.h>
#include <time.h>

#define DATE_HCM_UTC_OFFSET_S (7 * 3600)

/* Day number of year-month-day; no range check. */
int32_t date_from_civil(int year, int month, int day);
/* Inverse of date_from_civil. */
void date_to_civil(int32_t days, int *year, int *month, int *day);
/* Parse exactly "YYYY-MM-DD" (a real calendar date, years 1900-2200) into *days.
 * Returns 0, or -1 when s is anything else (nothing written). */
int date_parse(const char *s, int32_t *days);
/* Write "YYYY-MM-DD" into out (11 bytes with the NUL). */
void date_format(int32_t days, char out[11]);
/* Today's day number in Asia/Ho_Chi_Minh, or RADMAP_TODAY when set and valid (RADMAP_TODAY=@FILE:
 * the date written in FILE, read on every call). */
int32_t date_today(void);
/* Day number in Asia/Ho_Chi_Minh of a UTC instant. */
int32_t date_of_time_hcm(time_t t);
/* Seconds in a day, for decay arithmetic. */
#define DATE_SECONDS_PER_DAY 86400.0

#endif
