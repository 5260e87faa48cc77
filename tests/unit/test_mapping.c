/*
 * Unit tests of io/mapping: column guesses from Vietnamese and English headers (with and without
 * diacritics, with a unit), value aliases, and the readers of dates, numbers, activities and
 * coordinates as legacy registers write them; mapping file lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "io/mapping.h"

static void guess(const char *header, unsigned layer, const char *want, const char *want_unit)
{
    const char *unit = NULL;
    const char *got = mapping_guess_target(header, layer, &unit);
    if ((got == NULL) != (want == NULL) || (got && strcmp(got, want) != 0)) {
        print_error("header \"%s\": got %s, want %s\n", header, got ? got : "(none)", want ? want : "(none)");
        fail();
    }
    if (want_unit)
        assert_string_equal(unit, want_unit);
    else
        assert_null(unit);
}

static void test_headers(void **state)
{
    (void)state;
    guess("Tên cơ sở", MAP_FACILITIES, "name", NULL);
    guess("TEN CO SO", MAP_FACILITIES, "name", NULL);
    guess("Mã cơ sở", MAP_FACILITIES, "code", NULL);
    guess("Mã cơ sở", MAP_SOURCES, "facility_code", NULL);
    guess("Quận/Huyện", MAP_FACILITIES, "legacy_district", NULL);
    guess("Phường/Xã", MAP_FACILITIES, "ward", NULL);
    guess("Kinh độ", MAP_FACILITIES, "lon", NULL);
    guess("Vĩ độ", MAP_RECEPTORS, "lat", NULL);
    guess("Tọa độ X", MAP_FACILITIES, "x", NULL);
    guess("Mã số thuế", MAP_FACILITIES, "tax_code", NULL);
    guess("MST", MAP_FACILITIES, "tax_code", NULL);
    guess("Hoạt độ (mCi)", MAP_SOURCES, "activity_bq", "mCi");
    guess("Activity GBq", MAP_SOURCES, "activity_bq", "GBq");
    guess("Hoạt độ", MAP_SOURCES, "activity_bq", NULL);
    guess("Số seri", MAP_DEVICES, "serial_no", NULL);
    guess("Điện áp (kV)", MAP_DEVICES, "max_kv", NULL);
    guess("contact_email", MAP_FACILITIES, "contact_email", NULL);
    guess("legacy_id", MAP_SOURCES, "legacy_id", NULL);
    guess("Ghi chú", MAP_FACILITIES, NULL, NULL);
    /* A field of another layer is not guessed. */
    guess("Đồng vị", MAP_FACILITIES, NULL, NULL);
    assert_true(mapping_same_name("Địa chỉ", "dia chi"));
    assert_false(mapping_same_name("Địa chỉ", "địa chỉ cũ"));
}

static void test_values(void **state)
{
    (void)state;
    assert_string_equal(mapping_value_alias(MAP_FACILITIES, "status", "Đang hoạt động"), "operating");
    assert_string_equal(mapping_value_alias(MAP_FACILITIES, "status", "TẠM DỪNG"), "suspended");
    assert_string_equal(mapping_value_alias(MAP_SOURCES, "status", "Lưu kho"), "stored");
    assert_string_equal(mapping_value_alias(MAP_SOURCES, "status", "in use"), "in_use");
    assert_string_equal(mapping_value_alias(MAP_SOURCES, "form", "Nguồn kín"), "sealed");
    assert_string_equal(mapping_value_alias(MAP_FACILITIES, "practice", "Y học hạt nhân"), "nuclear_medicine");
    assert_string_equal(mapping_value_alias(MAP_DEVICES, "type", "Máy CT"), "ct");
    assert_string_equal(mapping_value_alias(MAP_RECEPTORS, "kind", "Trường Mầm non"), "kindergarten");
    assert_null(mapping_value_alias(MAP_FACILITIES, "status", "bí ẩn"));
    /* Status words of sources are not facility statuses. */
    assert_null(mapping_value_alias(MAP_FACILITIES, "status", "Lưu kho"));
}

static void date_is(const char *in, const char *want)
{
    char out[11];
    int r = mapping_parse_date(in, out);
    if (!want) {
        assert_int_equal(r, -1);
        return;
    }
    assert_int_equal(r, 0);
    assert_string_equal(out, want);
}

static void test_dates(void **state)
{
    (void)state;
    date_is("2024-03-05", "2024-03-05");
    date_is("2024/03/05", "2024-03-05");
    date_is("05/03/2024", "2024-03-05");
    date_is("5-3-2024", "2024-03-05");
    date_is("05.03.2024", "2024-03-05");
    date_is("2024-03-05T08:30:00", "2024-03-05");
    date_is(" 29/02/2024 ", "2024-02-29");
    date_is("30/02/2024", NULL);
    date_is("2024-13-01", NULL);
    date_is("March 5", NULL);
    date_is("05/03/24", NULL);
    date_is("", NULL);
}

static void number_is(const char *in, double want)
{
    double v;
    assert_int_equal(mapping_parse_number(in, &v), 0);
    assert_true(fabs(v - want) <= fabs(want) * 1e-15);
}

static void test_numbers(void **state)
{
    (void)state;
    number_is("12.5", 12.5);
    number_is("12,5", 12.5);
    number_is("1 234,5", 1234.5);
    number_is("1.234.567", 1234567);
    number_is("1,234,567", 1234567);
    number_is("1.234,5", 1234.5);
    number_is("1,234.5", 1234.5);
    number_is("3.7E+10", 3.7e10);
    number_is("-0.001", -0.001);
    double v;
    assert_int_equal(mapping_parse_number("", &v), -1);
    assert_int_equal(mapping_parse_number("abc", &v), -1);
    assert_int_equal(mapping_parse_number("12.5.6,7,8", &v), -1);
    assert_int_equal(mapping_parse_number("inf", &v), -1);
    assert_int_equal(mapping_parse_number("nan", &v), -1);
}

static void test_activities(void **state)
{
    (void)state;
    double bq;
    assert_int_equal(mapping_parse_activity("5 mCi", NULL, &bq), 0);
    assert_true(fabs(bq - 1.85e8) < 1);
    assert_int_equal(mapping_parse_activity("1,85 GBq", NULL, &bq), 0);
    assert_true(fabs(bq - 1.85e9) < 1);
    assert_int_equal(mapping_parse_activity("2.96 TBq", NULL, &bq), 0);
    assert_true(fabs(bq - 2.96e12) < 1e3);
    assert_int_equal(mapping_parse_activity("50", "mCi", &bq), 0);
    assert_true(fabs(bq - 1.85e9) < 1);
    assert_int_equal(mapping_parse_activity("3.7E10", NULL, &bq), 0);
    assert_true(fabs(bq - 3.7e10) < 1);
    assert_int_equal(mapping_parse_activity("10 µCi", NULL, &bq), 0);
    assert_true(fabs(bq - 3.7e5) < 1e-6);
    assert_int_equal(mapping_parse_activity("10 Sv", NULL, &bq), -1);
    assert_int_equal(mapping_parse_activity("mCi", NULL, &bq), -1);
    assert_true(mapping_unit_bq("kBq") == 1e3 && mapping_unit_bq("furlong") == 0);
}

static void test_coordinates(void **state)
{
    (void)state;
    double d;
    assert_int_equal(mapping_parse_coord("106.7", &d), 0);
    assert_true(fabs(d - 106.7) < 1e-12);
    assert_int_equal(mapping_parse_coord("106,7", &d), 0);
    assert_true(fabs(d - 106.7) < 1e-12);
    assert_int_equal(mapping_parse_coord("10°45'30\"N", &d), 0);
    assert_true(fabs(d - (10 + 45 / 60.0 + 30 / 3600.0)) < 1e-12);
    assert_int_equal(mapping_parse_coord("106 42 30.5 E", &d), 0);
    assert_true(fabs(d - (106 + 42 / 60.0 + 30.5 / 3600.0)) < 1e-12);
    assert_int_equal(mapping_parse_coord("33°52'S", &d), 0);
    assert_true(fabs(d + (33 + 52 / 60.0)) < 1e-12);
    assert_int_equal(mapping_parse_coord("10°75'N", &d), -1);
    assert_int_equal(mapping_parse_coord("north", &d), -1);
}

static void test_mapping_lines(void **state)
{
    (void)state;
    char l1[] = "  name = Tên cơ sở  \n", l2[] = "# comment\n", l3[] = "\n", l4[] = "no equals\n",
         l5[] = "\xEF\xBB\xBF" "code=MA_CS\r\n", l6[] = " = x\n";
    char *k, *v;
    assert_int_equal(mapping_split_line(l1, &k, &v), 1);
    assert_string_equal(k, "name");
    assert_string_equal(v, "Tên cơ sở");
    assert_int_equal(mapping_split_line(l2, &k, &v), 0);
    assert_int_equal(mapping_split_line(l3, &k, &v), 0);
    assert_int_equal(mapping_split_line(l4, &k, &v), -1);
    assert_int_equal(mapping_split_line(l5, &k, &v), 1);
    assert_string_equal(k, "code");
    assert_string_equal(v, "MA_CS");
    assert_int_equal(mapping_split_line(l6, &k, &v), -1);
    assert_int_equal(mapping_layer_bit("sources"), MAP_SOURCES);
    assert_int_equal(mapping_layer_bit("nope"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers),     cmocka_unit_test(test_values),      cmocka_unit_test(test_dates),
        cmocka_unit_test(test_numbers),     cmocka_unit_test(test_activities),  cmocka_unit_test(test_coordinates),
        cmocka_unit_test(test_mapping_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
