/*
 * Unit tests of core/calendar: the non-working days of known years from the rules alone (Tết,
 * Hùng Kings, 30/4-1/5, 2/9 and its adjacent day, compensatory days for holidays on weekends) and
 * with announced changes (exact Tết days, the day beside 2/9, a swapped Saturday); working-hour
 * arithmetic across a weekend, Tết and a year boundary, outside office hours, at the end of a half
 * day, and the two supplement rules (the clock paused, or restarted); the parsing and formatting
 * of instants.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/calendar.h"
#include "core/date.h"

static int32_t day_of(const char *s)
{
    int32_t d = 0;
    if (date_parse(s, &d) != 0) {
        print_error("bad date %s\n", s);
        fail();
    }
    return d;
}

static cal_minute at(const char *s)
{
    cal_minute m = 0;
    if (cal_parse_instant(s, 0, &m) != 0) {
        print_error("bad instant %s\n", s);
        fail();
    }
    return m;
}

static void assert_instant(cal_minute got, const char *want)
{
    char s[32];
    cal_format_local(got, s);
    if (strcmp(s, want) != 0) {
        print_error("got %s, want %s\n", s, want);
        fail();
    }
}

static void assert_reason(cal_calendar *c, const char *day, cal_reason want)
{
    cal_reason got = cal_day_reason(c, day_of(day), NULL);
    if (got != want) {
        print_error("%s is %s, want %s\n", day, cal_reason_key(got), cal_reason_key(want));
        fail();
    }
}

static void test_rules_2025_2026(void **state)
{
    (void)state;
    cal_calendar *c = cal_create();
    assert_reason(c, "2025-01-01", CAL_NEW_YEAR);
    /* Tết 2025 began on Wednesday 29 January: by default the eve and four days, Tue 28 - Sat 1
     * February; Saturday's holiday gives Monday 3 February. */
    assert_reason(c, "2025-01-27", CAL_WORKING);
    assert_reason(c, "2025-01-28", CAL_TET);
    assert_reason(c, "2025-01-31", CAL_TET);
    assert_reason(c, "2025-02-01", CAL_TET);
    assert_reason(c, "2025-02-02", CAL_WEEKEND);
    assert_reason(c, "2025-02-03", CAL_COMPENSATORY);
    assert_reason(c, "2025-04-07", CAL_HUNG_KINGS);
    assert_reason(c, "2025-04-30", CAL_REUNIFICATION);
    assert_reason(c, "2025-05-01", CAL_LABOUR_DAY);
    assert_reason(c, "2025-09-01", CAL_NATIONAL_DAY);
    assert_reason(c, "2025-09-02", CAL_NATIONAL_DAY);
    assert_reason(c, "2025-09-03", CAL_WORKING);
    /* 2026: Tết on Tuesday 17 February (16-20 off); Hùng Kings on Sunday 26 April, Monday off. */
    assert_reason(c, "2026-02-16", CAL_TET);
    assert_reason(c, "2026-02-20", CAL_TET);
    assert_reason(c, "2026-02-23", CAL_WORKING);
    assert_reason(c, "2026-04-26", CAL_HUNG_KINGS);
    assert_reason(c, "2026-04-27", CAL_COMPENSATORY);
    bool on_weekend = false;
    cal_day_reason(c, day_of("2026-04-26"), &on_weekend);
    assert_true(on_weekend);
    assert_false(cal_is_working(c, day_of("2026-04-27")));
    assert_true(cal_is_working(c, day_of("2026-04-28")));
    int n = cal_working_days_in_year(c, 2026);
    assert_true(n >= 240 && n <= 252);
    cal_destroy(c);
}

/* Two holidays on one weekend give two compensatory days, in order. */
static void test_compensatory_2022_2024(void **state)
{
    (void)state;
    cal_calendar *c = cal_create();
    assert_reason(c, "2022-04-10", CAL_HUNG_KINGS); /* Sunday */
    assert_reason(c, "2022-04-11", CAL_COMPENSATORY);
    assert_reason(c, "2022-04-30", CAL_REUNIFICATION); /* Saturday */
    assert_reason(c, "2022-05-01", CAL_LABOUR_DAY);    /* Sunday */
    assert_reason(c, "2022-05-02", CAL_COMPENSATORY);
    assert_reason(c, "2022-05-03", CAL_COMPENSATORY);
    assert_reason(c, "2022-05-04", CAL_WORKING);
    /* 2024: the default adjacent day, Sunday 1 September, is compensated on Tuesday the 3rd. */
    assert_reason(c, "2024-09-01", CAL_NATIONAL_DAY);
    assert_reason(c, "2024-09-02", CAL_NATIONAL_DAY);
    assert_reason(c, "2024-09-03", CAL_COMPENSATORY);
    cal_destroy(c);
}

static void test_announced_changes(void **state)
{
    (void)state;
    cal_calendar *c = cal_create();
    /* 2025: Tết announced as Monday 27 - Friday 31 January; work on Saturday 26 April for Friday 2 May. */
    cal_change ch2025[] = {
        {day_of("2025-01-27"), CAL_CHANGE_TET}, {day_of("2025-01-28"), CAL_CHANGE_TET},
        {day_of("2025-01-29"), CAL_CHANGE_TET}, {day_of("2025-01-30"), CAL_CHANGE_TET},
        {day_of("2025-01-31"), CAL_CHANGE_TET}, {day_of("2025-04-26"), CAL_CHANGE_WORKING_DAY},
        {day_of("2025-05-02"), CAL_CHANGE_DAY_OFF},
    };
    assert_int_equal(cal_set_changes(c, 2025, ch2025, sizeof ch2025 / sizeof ch2025[0]), 0);
    assert_reason(c, "2025-01-27", CAL_TET);
    assert_reason(c, "2025-02-01", CAL_WEEKEND);
    assert_reason(c, "2025-02-03", CAL_WORKING);
    assert_reason(c, "2025-04-26", CAL_SWAPPED_WORKING);
    assert_true(cal_is_working(c, day_of("2025-04-26")));
    assert_reason(c, "2025-05-02", CAL_ANNOUNCED_OFF);
    /* 2024: the adjacent day announced as Tuesday 3 September: no compensatory day then. */
    cal_change ch2024[] = {{day_of("2024-09-03"), CAL_CHANGE_NATIONAL_DAY}};
    assert_int_equal(cal_set_changes(c, 2024, ch2024, 1), 0);
    assert_reason(c, "2024-09-01", CAL_WEEKEND);
    assert_reason(c, "2024-09-03", CAL_NATIONAL_DAY);
    assert_reason(c, "2024-09-04", CAL_WORKING);
    /* Replacing a year's changes rebuilds it; an empty list restores the rules. */
    assert_int_equal(cal_set_changes(c, 2024, NULL, 0), 0);
    assert_reason(c, "2024-09-03", CAL_COMPENSATORY);
    assert_int_equal(cal_set_changes(c, 1800, NULL, 0), -1);
    cal_destroy(c);
}

static void test_hours_across_weekend_tet_and_new_year(void **state)
{
    (void)state;
    cal_calendar *c = cal_create();
    /* Friday 14:00 + 8 h: 3 h on Friday, 5 h on Monday. */
    assert_instant(cal_add_work_minutes(c, at("2026-06-12T14:00"), 8 * 60), "2026-06-15T14:00:00+07:00");
    /* Friday 13 February 2026 09:00 + 16 h: 6.5 h that day, then the weekend, Tết (16-20), the
     * weekend, 8 h on Monday 23 and 1.5 h on Tuesday 24. */
    assert_instant(cal_add_work_minutes(c, at("2026-02-13T09:00"), 16 * 60), "2026-02-24T09:00:00+07:00");
    assert_int_equal(cal_work_minutes_between(c, at("2026-02-13T09:00"), at("2026-02-24T09:00")), 16 * 60);
    /* Wednesday 31 December 2025 15:00 + 8 h: 2 h, New Year's Day, 6 h on Friday 2 January. */
    assert_instant(cal_add_work_minutes(c, at("2025-12-31T15:00"), 8 * 60), "2026-01-02T15:00:00+07:00");
    /* 25 working days (200 h) from a Monday morning: the same time five weeks later. */
    assert_instant(cal_add_work_minutes(c, at("2026-06-01T07:30"), 200 * 60), "2026-07-03T17:00:00+07:00");
    cal_destroy(c);
}

static void test_hours_edges(void **state)
{
    (void)state;
    cal_calendar *c = cal_create();
    /* Received after office hours: the clock starts the next working morning. */
    assert_instant(cal_add_work_minutes(c, at("2026-06-12T18:00"), 60), "2026-06-15T08:30:00+07:00");
    /* Work that fills a half day ends at its end, not at the next start. */
    assert_instant(cal_add_work_minutes(c, at("2026-06-15T07:30"), 4 * 60), "2026-06-15T11:30:00+07:00");
    assert_instant(cal_add_work_minutes(c, at("2026-06-15T07:30"), 8 * 60), "2026-06-15T17:00:00+07:00");
    assert_instant(cal_add_work_minutes(c, at("2026-06-15T11:30"), 1), "2026-06-15T13:01:00+07:00");
    assert_instant(cal_add_work_minutes(c, at("2026-06-15T12:00"), 0), "2026-06-15T12:00:00+07:00");
    /* Lunch and nights do not count; the sign follows the order. */
    assert_int_equal(cal_work_minutes_between(c, at("2026-06-15T11:00"), at("2026-06-15T14:00")), 90);
    assert_int_equal(cal_work_minutes_between(c, at("2026-06-15T14:00"), at("2026-06-15T11:00")), -90);
    assert_int_equal(cal_work_minutes_between(c, at("2026-06-13T00:00"), at("2026-06-14T23:59")), 0);
    /* Adding and measuring agree wherever one starts. */
    cal_minute start = at("2026-01-29T06:00");
    for (int k = 0; k < 3000; k += 37) {
        cal_minute from = start + k * 29;
        for (int64_t n = 1; n < 40 * 60; n += 173)
            assert_int_equal(cal_work_minutes_between(c, from, cal_add_work_minutes(c, from, n)), n);
    }
    assert_int_equal(cal_add_working_days(c, day_of("2026-02-13"), 1), day_of("2026-02-23"));
    assert_int_equal(cal_add_working_days(c, day_of("2026-02-14"), 0), day_of("2026-02-23"));
    cal_destroy(c);
}

/* A 10-working-day procedure complete on Monday 2 March 2026 08:00 is due on 16 March 08:00. A
 * supplement is requested on Thursday 5 March 10:00 (54 h left) and arrives on Friday 20 March
 * 15:00. Paused, the 54 h run from then: due Tuesday 31 March 11:30. Restarted, the whole 80 h
 * run again: due Friday 3 April 15:00. */
static void test_supplement_rules(void **state)
{
    (void)state;
    cal_calendar *c = cal_create();
    int64_t statutory = 10 * CAL_HOURS_PER_DAY * 60;
    cal_minute due = cal_add_work_minutes(c, at("2026-03-02T08:00"), statutory);
    assert_instant(due, "2026-03-16T08:00:00+07:00");
    int64_t left = cal_work_minutes_between(c, at("2026-03-05T10:00"), due);
    assert_int_equal(left, 54 * 60);
    assert_instant(cal_add_work_minutes(c, at("2026-03-20T15:00"), left), "2026-03-31T11:30:00+07:00");
    assert_instant(cal_add_work_minutes(c, at("2026-03-20T15:00"), statutory), "2026-04-03T15:00:00+07:00");
    cal_destroy(c);
}

static void test_instants(void **state)
{
    (void)state;
    cal_minute m = at("2026-03-02T09:00:00+07:00");
    assert_int_equal(at("2026-03-02T02:00:00Z"), m);
    assert_int_equal(at("2026-03-02T02:00Z"), m);
    assert_int_equal(at("2026-03-02 09:00"), m);
    assert_int_equal(at("02/03/2026 09:00"), m);
    assert_int_equal(at("2026/03/02 09:00:00"), m);
    assert_int_equal(at("2026-03-02T09:00:00.250+07:00"), m);
    assert_int_equal(at("2026-03-02T04:00:00+02:00"), m);
    cal_minute d;
    assert_int_equal(cal_parse_instant("2026-03-02", 17 * 60, &d), 0);
    assert_instant(d, "2026-03-02T17:00:00+07:00");
    assert_int_equal(cal_day_of(m), day_of("2026-03-02"));
    static const char *const bad[] = {"", "2026-03", "2026-13-01", "2026-02-30", "2026-03-02T25:00", "2026-03-02X",
                                      "2026-03-02T09:00+7", "2026-03-02T09", "32/01/2026", "tomorrow"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cal_parse_instant(bad[i], 0, &d), -1);
    char s[32];
    cal_format_utc(m, s);
    assert_string_equal(s, "2026-03-02T02:00:00Z");
    cal_format_local(at("2026-01-01T00:30:00+07:00"), s);
    assert_string_equal(s, "2026-01-01T00:30:00+07:00");
    cal_format_utc(at("2026-01-01T00:30:00+07:00"), s);
    assert_string_equal(s, "2025-12-31T17:30:00Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_2025_2026),
        cmocka_unit_test(test_compensatory_2022_2024),
        cmocka_unit_test(test_announced_changes),
        cmocka_unit_test(test_hours_across_weekend_tet_and_new_year),
        cmocka_unit_test(test_hours_edges),
        cmocka_unit_test(test_supplement_rules),
        cmocka_unit_test(test_instants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
