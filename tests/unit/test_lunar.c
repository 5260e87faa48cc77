/*
 * Unit tests of core/lunar: the worked examples of Meeus for the new moon and the Sun's longitude,
 * known Tết days (2019-2026, 2033, 2034), the years where the Vietnamese calendar (UTC+7) and the
 * Chinese one (UTC+8) part (Tết 1985 and 2007), leap months (2020, 2023, 2025 and the leap 11th
 * month of 2033), the Hùng Kings' day, dates that do not exist, and a round trip of every day from
 * 1950 to 2100 with the shape of the months and years it walks through.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>

#include "core/date.h"
#include "core/lunar.h"

static int32_t day_of(const char *s)
{
    int32_t d = 0;
    if (date_parse(s, &d) != 0) {
        print_error("bad date %s\n", s);
        fail();
    }
    return d;
}

static void assert_day(int32_t got, const char *want)
{
    char s[11];
    date_format(got, s);
    if (got != day_of(want)) {
        print_error("got %s, want %s\n", s, want);
        fail();
    }
}

static void test_meeus_examples(void **state)
{
    (void)state;
    /* Example 49.a: the new moon of 1977 February, k = -283, JDE 2443192.65118. */
    assert_true(fabs(lunar_new_moon_jde(-283) - 2443192.65118) < 2e-4);
    /* Example 25.a: 1992 October 13.0 TD, apparent longitude 199.90895 degrees (low accuracy). */
    assert_true(fabs(lunar_sun_longitude(2448908.5) - 199.90895) < 2e-3);
    /* The December solstice of 2025 (Dec 21, 15:03 UT): the Sun crosses 270 that day. */
    double jd0 = 2440587.5 + day_of("2025-12-21"), dt = 69.0 / 86400;
    assert_true(lunar_sun_longitude(jd0 + dt) < 270.0);
    assert_true(lunar_sun_longitude(jd0 + 1 + dt) > 270.0);
}

static void test_tet(void **state)
{
    (void)state;
    static const struct { int year; const char *day; } tet[] = {
        {2019, "2019-02-05"}, {2020, "2020-01-25"}, {2021, "2021-02-12"}, {2022, "2022-02-01"},
        {2023, "2023-01-22"}, {2024, "2024-02-10"}, {2025, "2025-01-29"}, {2026, "2026-02-17"},
        {2033, "2033-01-31"}, {2034, "2034-02-19"},
    };
    for (size_t i = 0; i < sizeof tet / sizeof tet[0]; i++)
        assert_day(lunar_new_year(tet[i].year, LUNAR_TZ_VIETNAM), tet[i].day);
}

/* Where the time zone moves a new moon across midnight, Vietnam (UTC+7) and China (UTC+8) part:
 * in 2007 the new moon of February 17 came before midnight in UTC+7 and after it in UTC+8, so Tết
 * was a day apart; in 1985 the months around the 1984 solstice were numbered differently, so
 * Vietnam's Tết came a whole month before China's. */
static void test_time_zone_matters(void **state)
{
    (void)state;
    assert_day(lunar_new_year(1985, LUNAR_TZ_VIETNAM), "1985-01-21");
    assert_day(lunar_new_year(1985, 8 * 60), "1985-02-20");
    assert_day(lunar_new_year(2007, LUNAR_TZ_VIETNAM), "2007-02-17");
    assert_day(lunar_new_year(2007, 8 * 60), "2007-02-18");
}

static void test_leap_months(void **state)
{
    (void)state;
    assert_int_equal(lunar_leap_month(2020, LUNAR_TZ_VIETNAM), 4);
    assert_int_equal(lunar_leap_month(2023, LUNAR_TZ_VIETNAM), 2);
    assert_int_equal(lunar_leap_month(2025, LUNAR_TZ_VIETNAM), 6);
    assert_int_equal(lunar_leap_month(2024, LUNAR_TZ_VIETNAM), 0);
    assert_int_equal(lunar_leap_month(2026, LUNAR_TZ_VIETNAM), 0);
    /* 2033: the first month without a major term after the solstice month is a leap 11th month. */
    assert_int_equal(lunar_leap_month(2033, LUNAR_TZ_VIETNAM), 11);
    assert_int_equal(lunar_leap_month(2034, LUNAR_TZ_VIETNAM), 0);

    lunar_date d;
    lunar_from_day(day_of("2033-12-22"), LUNAR_TZ_VIETNAM, &d);
    assert_int_equal(d.year, 2033);
    assert_int_equal(d.month, 11);
    assert_int_equal(d.day, 1);
    assert_true(d.leap);
    lunar_from_day(day_of("2033-11-22"), LUNAR_TZ_VIETNAM, &d);
    assert_int_equal(d.month, 11);
    assert_int_equal(d.day, 1);
    assert_false(d.leap);
    lunar_from_day(day_of("2034-02-18"), LUNAR_TZ_VIETNAM, &d);
    assert_int_equal(d.year, 2033);
    assert_int_equal(d.month, 12);
    assert_false(d.leap);

    lunar_date leap6 = {2025, 6, 1, true};
    int32_t day;
    assert_int_equal(lunar_to_day(&leap6, LUNAR_TZ_VIETNAM, &day), 0);
    assert_day(day, "2025-07-25");
    lunar_date leap11 = {2033, 11, 1, true};
    assert_int_equal(lunar_to_day(&leap11, LUNAR_TZ_VIETNAM, &day), 0);
    assert_day(day, "2033-12-22");
}

static void test_hung_kings(void **state)
{
    (void)state;
    static const struct { int year; const char *day; } hk[] = {
        {2023, "2023-04-29"}, {2024, "2024-04-18"}, {2025, "2025-04-07"}, {2026, "2026-04-26"},
    };
    for (size_t i = 0; i < sizeof hk / sizeof hk[0]; i++) {
        lunar_date d = {hk[i].year, 3, 10, false};
        int32_t day;
        assert_int_equal(lunar_to_day(&d, LUNAR_TZ_VIETNAM, &day), 0);
        assert_day(day, hk[i].day);
    }
}

static void test_dates_that_do_not_exist(void **state)
{
    (void)state;
    int32_t day;
    lunar_date no_leap = {2024, 5, 1, true};
    assert_int_equal(lunar_to_day(&no_leap, LUNAR_TZ_VIETNAM, &day), -1);
    lunar_date month13 = {2024, 13, 1, false};
    assert_int_equal(lunar_to_day(&month13, LUNAR_TZ_VIETNAM, &day), -1);
    lunar_date day0 = {2024, 1, 0, false};
    assert_int_equal(lunar_to_day(&day0, LUNAR_TZ_VIETNAM, &day), -1);
    /* Month 12 of lunar year 2024 has 29 days (Tết 2025 follows its 29th day). */
    lunar_date d30 = {2024, 12, 30, false};
    assert_int_equal(lunar_to_day(&d30, LUNAR_TZ_VIETNAM, &day), -1);
    assert_int_equal(lunar_month_length(day_of("2025-01-28"), LUNAR_TZ_VIETNAM), 29);
}

/* Every day from 1950 to 2100: back to the same civil day, one lunar day after the day before,
 * months of 29 or 30 days, years of 12 or 13 months with at most one leap month. */
static void test_round_trip(void **state)
{
    (void)state;
    int32_t first = day_of("1950-01-01"), last = day_of("2100-12-31");
    lunar_date prev;
    lunar_from_day(first - 1, LUNAR_TZ_VIETNAM, &prev);
    int months_in_year = 0, leaps_in_year = 0;
    for (int32_t day = first; day <= last; day++) {
        lunar_date d;
        lunar_from_day(day, LUNAR_TZ_VIETNAM, &d);
        int32_t back = 0;
        if (lunar_to_day(&d, LUNAR_TZ_VIETNAM, &back) != 0 || back != day) {
            char s[11];
            date_format(day, s);
            print_error("%s -> %d/%d%s/%d does not come back\n", s, d.day, d.month, d.leap ? "L" : "", d.year);
            fail();
        }
        if (d.day == 1) {
            assert_true(prev.day == 29 || prev.day == 30);
            bool same_number = d.month == prev.month;
            assert_true(same_number ? d.leap && !prev.leap : d.month == prev.month % 12 + 1 && !d.leap);
            if (d.month == 1 && !d.leap) {
                assert_int_equal(d.year, prev.year + 1);
                if (day > first + 400) {
                    assert_true(months_in_year == 12 || months_in_year == 13);
                    assert_int_equal(months_in_year - 12, leaps_in_year);
                }
                months_in_year = 0;
                leaps_in_year = 0;
            }
            months_in_year++;
            leaps_in_year += d.leap;
        } else {
            assert_int_equal(d.day, prev.day + 1);
            assert_int_equal(d.month, prev.month);
            assert_int_equal(d.year, prev.year);
        }
        prev = d;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meeus_examples),
        cmocka_unit_test(test_tet),
        cmocka_unit_test(test_time_zone_matters),
        cmocka_unit_test(test_leap_months),
        cmocka_unit_test(test_hung_kings),
        cmocka_unit_test(test_dates_that_do_not_exist),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
