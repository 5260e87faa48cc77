/*
 * Unit tests of core/compliance_rules (and the CSV separator rewrite of db/compliance): the status
 * of an item the day before, on and after the edges of the due window and of its expiry; a failed
 * or absent record; the worst of several; default due dates across month ends and leap years; the
 * length of monitoring periods; investigation levels of listed, unlisted and shorter periods; dose
 * flags exactly at and just above the investigation level, the single-year limit and the five-year
 * limit, with periods counted in the year they end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/compliance_rules.h"
#include "core/date.h"
#include "db/compliance.h"

static int32_t day_of(const char *s)
{
    int32_t d = 0;
    if (date_parse(s, &d) != 0) {
        print_error("bad date %s\n", s);
        fail();
    }
    return d;
}

static void assert_day(int32_t d, const char *want)
{
    char s[11];
    date_format(d, s);
    assert_string_equal(s, want);
}

static void test_status_across_expiry(void **state)
{
    (void)state;
    int32_t expires = day_of("2026-09-30");
    /* 60-day window: ok until 61 days before, due from 60 days before through the expiry day,
     * overdue from the day after. */
    assert_int_equal(cr_item_status(CR_PRESENT, true, expires, day_of("2026-07-31"), 60), CR_OK);
    assert_int_equal(cr_item_status(CR_PRESENT, true, expires, day_of("2026-08-01"), 60), CR_DUE);
    assert_int_equal(cr_item_status(CR_PRESENT, true, expires, day_of("2026-09-30"), 60), CR_DUE);
    assert_int_equal(cr_item_status(CR_PRESENT, true, expires, day_of("2026-10-01"), 60), CR_OVERDUE);
    /* A record that never lapses, a failed one, none at all. */
    assert_int_equal(cr_item_status(CR_PRESENT, false, 0, day_of("2030-01-01"), 60), CR_OK);
    assert_int_equal(cr_item_status(CR_FAILED, true, expires, day_of("2026-01-01"), 60), CR_OVERDUE);
    assert_int_equal(cr_item_status(CR_ABSENT, false, 0, day_of("2026-01-01"), 60), CR_MISSING);
    /* Another window. */
    assert_int_equal(cr_item_status(CR_PRESENT, true, expires, day_of("2026-08-31"), 30), CR_DUE);
    assert_int_equal(cr_item_status(CR_PRESENT, true, expires, day_of("2026-08-30"), 30), CR_OK);
}

static void test_worst_and_keys(void **state)
{
    (void)state;
    assert_int_equal(cr_worst(CR_OK, CR_DUE), CR_DUE);
    assert_int_equal(cr_worst(CR_OVERDUE, CR_DUE), CR_OVERDUE);
    assert_int_equal(cr_worst(CR_OVERDUE, CR_MISSING), CR_MISSING);
    assert_string_equal(cr_status_key(CR_OK), "ok");
    assert_string_equal(cr_status_key(CR_DUE), "due");
    assert_string_equal(cr_status_key(CR_OVERDUE), "overdue");
    assert_string_equal(cr_status_key(CR_MISSING), "missing");
    assert_int_equal(cr_state_parse("present"), CR_PRESENT);
    assert_int_equal(cr_state_parse("failed"), CR_FAILED);
    assert_int_equal(cr_state_parse("absent"), CR_ABSENT);
    assert_int_equal(cr_state_parse(NULL), CR_ABSENT);
}

static void test_default_dates(void **state)
{
    (void)state;
    assert_day(cr_add_months(day_of("2025-03-10"), 12), "2026-03-10");
    assert_day(cr_add_months(day_of("2024-01-31"), 1), "2024-02-29");
    assert_day(cr_add_months(day_of("2025-01-31"), 1), "2025-02-28");
    assert_day(cr_add_months(day_of("2024-02-29"), 12), "2025-02-28");
    assert_day(cr_add_months(day_of("2025-11-15"), 3), "2026-02-15");
    assert_day(cr_add_months(day_of("2026-06-15"), -12), "2025-06-15");
    /* A QC certificate valid a year from 10 March expires on 9 March. */
    assert_day(cr_expiry_default(day_of("2025-03-10"), 12), "2026-03-09");
    assert_day(cr_expiry_default(day_of("2024-03-01"), 12), "2025-02-28");
}

static void test_period_months(void **state)
{
    (void)state;
    assert_int_equal(cr_period_months(day_of("2026-02-01"), day_of("2026-02-28")), 1);
    assert_int_equal(cr_period_months(day_of("2026-01-01"), day_of("2026-01-31")), 1);
    assert_int_equal(cr_period_months(day_of("2026-01-01"), day_of("2026-03-31")), 3);
    assert_int_equal(cr_period_months(day_of("2025-10-01"), day_of("2025-12-31")), 3);
    assert_int_equal(cr_period_months(day_of("2026-01-01"), day_of("2026-06-30")), 6);
    assert_int_equal(cr_period_months(day_of("2025-01-01"), day_of("2025-12-31")), 12);
    assert_int_equal(cr_period_months(day_of("2026-01-01"), day_of("2026-01-05")), 1);
}

static const cr_level levels[] = {{1, 0.5}, {2, 1.0}, {3, 1.5}, {6, 3.0}, {12, 6.0}};

static void test_investigation_levels(void **state)
{
    (void)state;
    assert_true(fabs(cr_investigation_level(levels, 5, 3) - 1.5) < 1e-12);
    assert_true(fabs(cr_investigation_level(levels, 5, 1) - 0.5) < 1e-12);
    /* Four months: the three-month level pro rata. */
    assert_true(fabs(cr_investigation_level(levels, 5, 4) - 2.0) < 1e-12);
    /* Only a yearly level: a quarter gets a quarter of it. */
    const cr_level yearly[] = {{12, 6.0}};
    assert_true(fabs(cr_investigation_level(yearly, 1, 3) - 1.5) < 1e-12);
    assert_true(cr_investigation_level(levels, 0, 3) < 0);
}

static void test_dose_above(void **state)
{
    (void)state;
    assert_false(cr_dose_above(1.5, 1.5));
    assert_true(cr_dose_above(1.501, 1.5));
    assert_false(cr_dose_above(1.4999, 1.5)); /* rounds to 1.500: not above */
    assert_false(cr_dose_above(0.1 + 0.2, 0.3));
    assert_false(cr_dose_above(50.0, 50.0));
    assert_true(cr_dose_above(50.001, 50.0));
}

static cr_dose q(const char *a, const char *b, double msv)
{
    cr_dose d = {day_of(a), day_of(b), msv};
    return d;
}

static void test_year_limits(void **state)
{
    (void)state;
    /* 2024: exactly 50 mSv, not above; 2025: 50.001, above. A period counts in the year it ends. */
    cr_dose doses[] = {
        q("2024-01-01", "2024-03-31", 12.5), q("2024-04-01", "2024-06-30", 12.5),
        q("2024-07-01", "2024-09-30", 12.5), q("2024-10-01", "2024-12-31", 12.5),
        q("2025-01-01", "2025-06-30", 25.0), q("2025-07-01", "2025-12-31", 25.001),
        q("2025-12-15", "2026-01-14", 0.2),
    };
    cr_year years[8];
    size_t n = cr_dose_years(doses, sizeof doses / sizeof doses[0], 50, 20, years, 8);
    assert_int_equal(n, 3);
    assert_int_equal(years[0].year, 2024);
    assert_true(fabs(years[0].msv - 50.0) < 1e-9);
    assert_false(years[0].flags & CR_FLAG_YEAR_LIMIT);
    assert_int_equal(years[1].year, 2025);
    assert_true(years[1].flags & CR_FLAG_YEAR_LIMIT);
    assert_int_equal(years[2].year, 2026);
    assert_true(fabs(years[2].msv - 0.2) < 1e-9);
    /* Five years to 2024: 50, not above 100; to 2025: 100.001, above; to 2026: 100.201. */
    assert_false(years[0].flags & CR_FLAG_FIVE_YEAR);
    assert_true(years[1].flags & CR_FLAG_FIVE_YEAR);
    assert_true(years[2].flags & CR_FLAG_FIVE_YEAR);
}

static void test_five_year_limit(void **state)
{
    (void)state;
    /* 20 mSv in each of five years: exactly 100, not above; a sixth year's window drops the first. */
    cr_dose doses[] = {
        q("2021-01-01", "2021-12-31", 20), q("2022-01-01", "2022-12-31", 20), q("2023-01-01", "2023-12-31", 20),
        q("2024-01-01", "2024-12-31", 20), q("2025-01-01", "2025-12-31", 20), q("2026-01-01", "2026-03-31", 0.001),
    };
    cr_year years[8];
    size_t n = cr_dose_years(doses, 6, 50, 20, years, 8);
    assert_int_equal(n, 6);
    assert_true(fabs(years[4].five_year_msv - 100) < 1e-9);
    assert_false(years[4].flags & CR_FLAG_FIVE_YEAR);
    assert_false(years[4].flags & CR_FLAG_YEAR_LIMIT);
    /* 2022-2026: 80.001 */
    assert_true(fabs(years[5].five_year_msv - 80.001) < 1e-9);
    assert_false(years[5].flags & CR_FLAG_FIVE_YEAR);
    /* One microsievert more in 2025: 100.001 over 2021-2025. */
    doses[4].hp10_msv = 20.001;
    n = cr_dose_years(doses, 6, 50, 20, years, 8);
    assert_true(years[4].flags & CR_FLAG_FIVE_YEAR);
}

static void test_csv_separators(void **state)
{
    (void)state;
    buf out = BUF_INIT;
    const char *comma = "a,b\n1,2\n";
    assert_int_equal(compliance_csv_normalise(comma, strlen(comma), &out), 0);
    assert_int_equal(out.len, 0);
    const char *semi = "\xef\xbb\xbfH\xe1\xbb\x8d t\xc3\xaan;Hp(0,07);\"a;b\"\r\nNguy\xe1\xbb\x85n;0,12;\"x \"\"y\"\"\"\r\n";
    assert_int_equal(compliance_csv_normalise(semi, strlen(semi), &out), 1);
    assert_string_equal(out.data, "\"H\xe1\xbb\x8d t\xc3\xaan\",\"Hp(0,07)\",\"a;b\"\n\"Nguy\xe1\xbb\x85n\",\"0,12\",\"x \"\"y\"\"\"\n");
    buf_free(&out);
    const char *tabs = "a\tb\n1\t2";
    assert_int_equal(compliance_csv_normalise(tabs, strlen(tabs), &out), 1);
    assert_string_equal(out.data, "\"a\",\"b\"\n\"1\",\"2\"");
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_across_expiry),
        cmocka_unit_test(test_worst_and_keys),
        cmocka_unit_test(test_default_dates),
        cmocka_unit_test(test_period_months),
        cmocka_unit_test(test_investigation_levels),
        cmocka_unit_test(test_dose_above),
        cmocka_unit_test(test_year_limits),
        cmocka_unit_test(test_five_year_limit),
        cmocka_unit_test(test_csv_separators),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
