/*
 * Unit tests of core/json's number writers: the hand-written fast paths of json_int, json_num and
 * json_numf must print exactly what the printf-based definitions print ("%lld"; the shorter of
 * "%.15g" and "%.17g" that reads back; "%.*f" with trailing zeros trimmed and "-0" as "0"), over
 * values people store (coordinates, distances, activities), ties, powers of ten, negatives,
 * tiny and huge magnitudes, and a few million random doubles.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/json.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The definitions the fast paths must match. */
static void ref_num(double v, char *out, size_t n)
{
    if (!isfinite(v)) {
        snprintf(out, n, "null");
        return;
    }
    snprintf(out, n, "%.15g", v);
    if (strtod(out, NULL) != v)
        snprintf(out, n, "%.17g", v);
}

static void ref_numf(double v, int decimals, char *out, size_t n)
{
    if (!isfinite(v)) {
        snprintf(out, n, "null");
        return;
    }
    snprintf(out, n, "%.*f", decimals, v);
    if (strchr(out, '.')) {
        size_t len = strlen(out);
        while (len > 0 && out[len - 1] == '0')
            out[--len] = 0;
        if (len > 0 && out[len - 1] == '.')
            out[--len] = 0;
    }
    if (strcmp(out, "-0") == 0)
        strcpy(out, "0");
}

/* What the writer prints for one value (as the sole element of an array, brackets stripped). */
static void got(int kind, double v, int decimals, int64_t i, char *out, size_t n)
{
    buf b = BUF_INIT;
    json_writer w;
    json_init(&w, &b);
    json_arr_begin(&w);
    if (kind == 0)
        json_num(&w, v);
    else if (kind == 1)
        json_numf(&w, v, decimals);
    else
        json_int(&w, i);
    json_arr_end(&w);
    assert_true(b.len >= 2 && b.len - 2 < n);
    memcpy(out, b.data + 1, b.len - 2);
    out[b.len - 2] = 0;
    buf_free(&b);
}

static int mismatches;

static void check_num(double v)
{
    char want[64], have[64];
    ref_num(v, want, sizeof want);
    got(0, v, 0, 0, have, sizeof have);
    if (strcmp(want, have) != 0 && mismatches++ < 10)
        print_error("json_num(%.17g): \"%s\", expected \"%s\"\n", v, have, want);
}

static void check_numf(double v, int d)
{
    char want[400], have[400];
    ref_numf(v, d, want, sizeof want);
    got(1, v, d, 0, have, sizeof have);
    if (strcmp(want, have) != 0 && mismatches++ < 10)
        print_error("json_numf(%.17g, %d): \"%s\", expected \"%s\"\n", v, d, have, want);
}

/* A deterministic generator (xorshift64*), so a failure names a reproducible value. */
static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ULL;
}
static double uniform(void) { return (double)(next() >> 11) / 9007199254740992.0; }

/* Random values per test: fewer under valgrind (scripts/valgrind-unit.sh), where the point is the
 * memory checks, not the coverage of values. */
static int rounds(int n) { return getenv("RADMAP_UNDER_VALGRIND") ? n / 40 : n; }

static const double special[] = {0.0, -0.0, 1, -1, 0.5, -0.5, 1.5, 2.5, 0.125, 0.375, 1e-4, 9.9999e-5,
                                 1e-5, 1e9, 999999999.99999, 1e15, 1e16, 1e21, 1e300, -1e300, DBL_MIN,
                                 DBL_MAX, 5e-324, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 106.699849, 10.776889,
                                 106.7, 10.8, 123456789.123456789, 0.000123456789, 99.99999999999999,
                                 999.9999999999999, 100, 1000, 3.7e10, 1.85e14, 0.05, 0.005, 0.0005,
                                 1.0005, 2.675, 1.005, 1.115, 8.345, -8.345, 4.35, 7.85e-1};

static void test_num_special(void **state)
{
    (void)state;
    mismatches = 0;
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++) {
        check_num(special[i]);
        check_num(-special[i]);
        check_num(nextafter(special[i], 0));
        check_num(nextafter(special[i], INFINITY));
    }
    check_num(NAN);
    check_num(INFINITY);
    for (int e = -320; e <= 308; e++) {
        check_num(pow(10, e));
        check_num(nextafter(pow(10, e), 0));
    }
    assert_int_equal(mismatches, 0);
}

static void test_num_random(void **state)
{
    (void)state;
    mismatches = 0;
    for (int i = 0; i < rounds(400000); i++) {
        /* Coordinates with 4-8 decimals, as stored. */
        double lon = 100 + uniform() * 10, lat = 8 + uniform() * 16;
        int d = 4 + (int)(next() % 5);
        check_num(round(lon * pow(10, d)) / pow(10, d));
        check_num(-round(lat * pow(10, d)) / pow(10, d));
        /* Any double of any magnitude, and computed values (activities, distances). */
        double any;
        uint64_t bits = next();
        memcpy(&any, &bits, sizeof any);
        check_num(any);
        check_num(uniform() * pow(10, (int)(next() % 30) - 10));
    }
    assert_int_equal(mismatches, 0);
}

static void test_numf(void **state)
{
    (void)state;
    mismatches = 0;
    for (int d = 0; d <= 12; d++) {
        for (size_t i = 0; i < sizeof special / sizeof special[0]; i++) {
            check_numf(special[i], d);
            check_numf(-special[i], d);
            check_numf(nextafter(special[i], 0), d);
            check_numf(nextafter(special[i], INFINITY), d);
        }
        check_numf(NAN, d);
        /* Ties at this number of decimals, exact in binary or not. */
        for (int k = 0; k < 2000; k++) {
            double tie = (k + 0.5) / pow(10, d);
            check_numf(tie, d);
            check_numf(-tie, d);
        }
    }
    for (int i = 0; i < rounds(400000); i++) {
        int d = (int)(next() % 10);
        check_numf(uniform() * 40000000, d);              /* distances in metres, up to 40 000 km */
        check_numf(uniform() * 360, d);                   /* bearings */
        check_numf(-uniform() * pow(10, (int)(next() % 20) - 6), d);
        double any;
        uint64_t bits = next();
        memcpy(&any, &bits, sizeof any);
        if (fabs(any) < 1e30)
            check_numf(any, d);
    }
    assert_int_equal(mismatches, 0);
}

static void test_int(void **state)
{
    (void)state;
    const int64_t v[] = {0, 1, -1, 9, 10, -10, 123456789, INT64_MAX, INT64_MIN, INT64_MIN + 1, 1000000000000LL};
    char have[32], want[32];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        got(2, 0, 0, v[i], have, sizeof have);
        snprintf(want, sizeof want, "%lld", (long long)v[i]);
        assert_string_equal(have, want);
    }
    for (int i = 0; i < rounds(100000); i++) {
        int64_t x = (int64_t)next() >> (next() % 64);
        got(2, 0, 0, x, have, sizeof have);
        snprintf(want, sizeof want, "%lld", (long long)x);
        assert_string_equal(have, want);
    }
}

static void test_commas(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    json_writer w;
    json_init(&w, &b);
    json_arr_begin(&w);
    json_int(&w, -7);
    json_num(&w, 106.699849);
    json_numf(&w, 1234.56789, 2);
    json_numf(&w, -0.00001, 3);
    json_arr_end(&w);
    assert_string_equal(b.data, "[-7,106.699849,1234.57,0]");
    buf_free(&b);
    /* Keys: plain names copied as they are, others escaped like any string. */
    json_init(&w, &b);
    json_obj_begin(&w);
    json_kv_int(&w, "id", 1);
    json_kv_int(&w, "tên \"cũ\"\n", 2);
    json_kv_str(&w, "", "x");
    json_obj_end(&w);
    assert_string_equal(b.data, "{\"id\":1,\"tên \\\"cũ\\\"\\n\":2,\"\":\"x\"}");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_num_special), cmocka_unit_test(test_num_random), cmocka_unit_test(test_numf),
        cmocka_unit_test(test_int), cmocka_unit_test(test_commas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
