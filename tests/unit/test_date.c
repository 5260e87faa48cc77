/*
 * Unit tests of core/date: day numbers against known anchors and against the C library's timegm,
 * strict YYYY-MM-DD parsing (leap years, impossible dates, wrong shapes, trailing junk), formatting,
 * the Asia/Ho_Chi_Minh day of a UTC instant, and the RADMAP_TODAY override.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int32_t parse_ok(const char *s)
{
    int32_t days = INT32_MIN;
    if (date_parse(s, &days) != 0) {
        print_error("date_parse(\"%s\") failed\n", s);
        fail();
    }
    return days;
}

static void test_anchors(void **state)
{
    (void)state;
    assert_int_equal(date_from_civil(1970, 1, 1), 0);
    assert_int_equal(date_from_civil(1969, 12, 31), -1);
    assert_int_equal(date_from_civil(1900, 1, 1), -25567);
    assert_int_equal(date_from_civil(2000, 1, 1), 10957);
    assert_int_equal(date_from_civil(2024, 2, 29), 19782);
    assert_int_equal(date_from_civil(2025, 1, 1), 20089);
    assert_int_equal(date_from_civil(2200, 12, 31), 84370);
    assert_int_equal(date_from_civil(1600, 3, 1), -135080);
    /* Differences are plain subtraction. */
    assert_int_equal(date_from_civil(2025, 3, 1) - date_from_civil(2025, 2, 28), 1);
    assert_int_equal(date_from_civil(2024, 3, 1) - date_from_civil(2024, 2, 28), 2);
    assert_int_equal(date_from_civil(2026, 1, 1) - date_from_civil(2025, 1, 1), 365);
    assert_int_equal(date_from_civil(2025, 1, 1) - date_from_civil(2024, 1, 1), 366);
}

/* Every day of 1900-2200 against timegm, and back through date_to_civil, format and parse. */
static void test_round_trip_against_timegm(void **state)
{
    (void)state;
    int32_t first = date_from_civil(1900, 1, 1), last = date_from_civil(2200, 12, 31);
    for (int32_t days = first; days <= last; days++) {
        int y, m, d;
        date_to_civil(days, &y, &m, &d);
        assert_int_equal(date_from_civil(y, m, d), days);

        struct tm tm;
        memset(&tm, 0, sizeof tm);
        tm.tm_year = y - 1900;
        tm.tm_mon = m - 1;
        tm.tm_mday = d;
        tm.tm_hour = 12;
        time_t t = timegm(&tm);
        assert_int_equal((int64_t)(t - 12 * 3600) / 86400, days);
        assert_int_equal(tm.tm_mday, d); /* timegm did not have to normalise: a real date */

        char text[11];
        date_format(days, text);
        char want[16];
        snprintf(want, sizeof want, "%04d-%02d-%02d", y, m, d);
        assert_string_equal(text, want);
        assert_int_equal(parse_ok(text), days);
    }
}

static void test_leap_years(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2024-02-29"), date_from_civil(2024, 2, 29));
    assert_int_equal(parse_ok("2000-02-29"), date_from_civil(2000, 2, 29));
    assert_int_equal(parse_ok("2028-02-29") + 1, parse_ok("2028-03-01"));
    int32_t days = 42;
    assert_int_equal(date_parse("2025-02-29", &days), -1);
    assert_int_equal(date_parse("1900-02-29", &days), -1); /* divisible by 100, not by 400 */
    assert_int_equal(date_parse("2100-02-29", &days), -1);
    assert_int_equal(date_parse("2024-02-30", &days), -1);
    assert_int_equal(days, 42);
}

static void test_invalid_strings(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "2025-13-01", "2025-00-10", "2025-01-00", "2025-01-32", "2025-04-31", "2025-06-31",
        "2025-09-31", "2025-11-31",
        "2025-1-01", "2025-01-1", "25-01-01", "02025-01-01", "2025-001-01",
        "2025-01-01x", "2025-01-01 ", " 2025-01-01", "2025-01-01T00:00", "2025-01-01\n",
        "2025/01/01", "2025.01.01", "20250101", "2025-01", "2025", "", "-",
        "+025-01-01", "-025-01-01", "2025-+1-01", "2025-01--1", "2O25-01-01",
        "1899-12-31", "2201-01-01", "0000-01-01", "9999-12-31",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int32_t days = 42;
        if (date_parse(bad[i], &days) != -1 || days != 42) {
            print_error("date_parse accepted or touched the output for \"%s\"\n", bad[i]);
            fail();
        }
    }
    int32_t days = 42;
    assert_int_equal(date_parse(NULL, &days), -1);
    assert_int_equal(days, 42);
}

static void test_year_range(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("1900-01-01"), -25567);
    assert_int_equal(parse_ok("2200-12-31"), 84370);
    assert_int_equal(parse_ok("1970-01-01"), 0);
}

static void test_format(void **state)
{
    (void)state;
    char out[11];
    memset(out, 'x', sizeof out);
    date_format(0, out);
    assert_string_equal(out, "1970-01-01");
    date_format(-1, out);
    assert_string_equal(out, "1969-12-31");
    date_format(19782, out);
    assert_string_equal(out, "2024-02-29");
    date_format(date_from_civil(2025, 12, 31) + 1, out);
    assert_string_equal(out, "2026-01-01");
    date_format(date_from_civil(789, 7, 4), out);
    assert_string_equal(out, "0789-07-04");
}

static void test_time_hcm(void **state)
{
    (void)state;
    int32_t jan1 = date_from_civil(2025, 1, 1);
    time_t midnight_utc = (time_t)jan1 * 86400;
    /* 00:00 UTC is 07:00 in Ho Chi Minh City: the same day. */
    assert_int_equal(date_of_time_hcm(midnight_utc), jan1);
    /* 16:59:59 UTC is 23:59:59 local, 17:00:00 UTC is already the next day. */
    assert_int_equal(date_of_time_hcm(midnight_utc + 17 * 3600 - 1), jan1);
    assert_int_equal(date_of_time_hcm(midnight_utc + 17 * 3600), jan1 + 1);
    /* 16:59:59 UTC the day before is still the day before locally; 17:00 is already jan1. */
    assert_int_equal(date_of_time_hcm(midnight_utc - 7 * 3600 - 1), jan1 - 1);
    assert_int_equal(date_of_time_hcm(midnight_utc - 7 * 3600), jan1);
    /* Before 1970: floor, not truncation toward zero. */
    assert_int_equal(date_of_time_hcm(0), 0);
    assert_int_equal(date_of_time_hcm(-7 * 3600), 0);
    assert_int_equal(date_of_time_hcm(-7 * 3600 - 1), -1);
    assert_int_equal(date_of_time_hcm(-86400 - 7 * 3600), -1);
    assert_int_equal(date_of_time_hcm(-86400 - 7 * 3600 - 1), -2);
}

static void test_today_override(void **state)
{
    (void)state;
    assert_int_equal(setenv("RADMAP_TODAY", "2025-07-01", 1), 0);
    assert_int_equal(date_today(), date_from_civil(2025, 7, 1));
    assert_int_equal(setenv("RADMAP_TODAY", "2024-02-29", 1), 0);
    assert_int_equal(date_today(), date_from_civil(2024, 2, 29));
    assert_int_equal(unsetenv("RADMAP_TODAY"), 0);
}

/* The local day of now computed through the C library (gmtime_r of the clock plus seven hours),
 * an oracle independent of date_of_time_hcm. */
static int32_t libc_today_hcm(void)
{
    time_t shifted = time(NULL) + DATE_HCM_UTC_OFFSET_S;
    struct tm tm;
    assert_non_null(gmtime_r(&shifted, &tm));
    return date_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* Without a valid override, today is the clock's day in UTC+7. */
static void test_today_clock(void **state)
{
    (void)state;
    static const char *const settings[] = {NULL, "", "2025-02-29", "tomorrow", "2025-07-01 "};
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        if (settings[i])
            assert_int_equal(setenv("RADMAP_TODAY", settings[i], 1), 0);
        else
            assert_int_equal(unsetenv("RADMAP_TODAY"), 0);
        int32_t before = libc_today_hcm();
        int32_t today = date_today();
        int32_t after = libc_today_hcm();
        assert_true(before <= today && today <= after);
        assert_true(today > date_from_civil(2025, 1, 1)); /* a real clock, not a fixed date */
    }
    assert_int_equal(unsetenv("RADMAP_TODAY"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_anchors),
        cmocka_unit_test(test_round_trip_against_timegm),
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_invalid_strings),
        cmocka_unit_test(test_year_range),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_time_hcm),
        cmocka_unit_test(test_today_override),
        cmocka_unit_test(test_today_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
