/*
 * Unit tests of core/iaea: decay over whole and fractional half-lives (with the half-lives of
 * geodata/nuclides.csv), A/D unit handling (A in Bq, D in TBq), and the category bands at and just
 * below every edge.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/iaea.h"

#include <math.h>

/* Half-lives in seconds and D-values in TBq, as in geodata/nuclides.csv. */
#define CO60_HALF_LIFE_S 1.66344e+08
#define CO60_D_TBQ 0.03
#define IR192_HALF_LIFE_S 6.37883e+06
#define IR192_D_TBQ 0.08
#define CS137_HALF_LIFE_S 9.49232e+08
#define CS137_D_TBQ 0.1
#define AM241_D_TBQ 0.06

/* Fail unless got is within rel (relative) of want, printing both. */
static void assert_close(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want))) {
        print_error("got %.17g, want %.17g (relative tolerance %g)\n", got, want, rel);
        fail();
    }
}

/* Fail unless got == want exactly. */
static void assert_exact(double got, double want)
{
    if (!(got == want)) {
        print_error("got %.17g, want exactly %.17g\n", got, want);
        fail();
    }
}

static void test_decay_whole_half_lives_are_exact(void **state)
{
    (void)state;
    /* Co-60 after exactly one half-life (1.66344e+08 s, 1925.28 d) is exactly half. */
    assert_exact(iaea_decay_bq(1e12, CO60_HALF_LIFE_S, CO60_HALF_LIFE_S), 5e11);
    assert_exact(iaea_decay_bq(3.7e10, 2 * CO60_HALF_LIFE_S, CO60_HALF_LIFE_S), 3.7e10 / 4);
    assert_exact(iaea_decay_bq(8e12, 3 * IR192_HALF_LIFE_S, IR192_HALF_LIFE_S), 1e12);
    assert_exact(iaea_decay_bq(1e12, 0, CS137_HALF_LIFE_S), 1e12);
    assert_exact(iaea_decay_bq(0, 1e9, CS137_HALF_LIFE_S), 0);
}

static void test_decay_in_days(void **state)
{
    (void)state;
    /* Ir-192 after 73.829 d (its evaluated half-life; the csv rounds seconds to 6 figures). */
    assert_close(iaea_decay_bq(3.7e12, 73.829 * 86400.0, IR192_HALF_LIFE_S), 1.85e12, 1e-6);
    /* Co-60 after 1925.28 d. */
    assert_close(iaea_decay_bq(2e14, 1925.28 * 86400.0, CO60_HALF_LIFE_S), 1e14, 1e-6);
    /* Cs-137 after 10 years of 365.25 d: 2^(-10 * 365.25 * 86400 / 9.49232e8) = 0.79420... */
    double factor = exp(-log(2.0) * 10 * 365.25 * 86400.0 / CS137_HALF_LIFE_S);
    assert_close(iaea_decay_bq(1e11, 10 * 365.25 * 86400.0, CS137_HALF_LIFE_S), 1e11 * factor,
                 1e-12);
    assert_close(factor, 0.79420, 1e-4);
    /* Half a half-life gives 1/sqrt(2). */
    assert_close(iaea_decay_bq(1.0, IR192_HALF_LIFE_S / 2, IR192_HALF_LIFE_S), sqrt(0.5), 1e-15);
}

static void test_decay_negative_elapsed_grows(void **state)
{
    (void)state;
    /* A reference date in the future: one half-life before it the activity was twice as large. */
    assert_exact(iaea_decay_bq(1e12, -CO60_HALF_LIFE_S, CO60_HALF_LIFE_S), 2e12);
    assert_true(iaea_decay_bq(1e12, -1.0, IR192_HALF_LIFE_S) > 1e12);
}

static void test_decay_unknown_half_life_is_nan(void **state)
{
    (void)state;
    assert_true(isnan(iaea_decay_bq(1e12, 100, 0)));
    assert_true(isnan(iaea_decay_bq(1e12, 100, -5)));
    assert_true(isnan(iaea_decay_bq(1e12, 100, NAN)));
    assert_int_equal(iaea_category(iaea_a_over_d(iaea_decay_bq(1e15, 1, 0), CO60_D_TBQ)), 0);
}

static void test_a_over_d_units(void **state)
{
    (void)state;
    /* D in TBq, A in Bq: 30 TBq of Co-60 (D = 0.03 TBq) is A/D = 1000. */
    assert_exact(iaea_a_over_d(30e12, CO60_D_TBQ), 1000);
    assert_exact(iaea_a_over_d(0.3e12, CO60_D_TBQ), 10);
    assert_close(iaea_a_over_d(3.7e12, IR192_D_TBQ), 46.25, 1e-15);
    assert_exact(iaea_a_over_d(0, IR192_D_TBQ), 0);
    /* Unknown D-value: negative. */
    assert_true(iaea_a_over_d(1e12, 0) < 0);
    assert_true(iaea_a_over_d(1e12, -1) < 0);
    assert_true(iaea_a_over_d(1e12, NAN) < 0);
}

static void test_category_band_edges(void **state)
{
    (void)state;
    assert_int_equal(iaea_category(INFINITY), 1);
    assert_int_equal(iaea_category(1e6), 1);
    assert_int_equal(iaea_category(1000.0), 1);
    assert_int_equal(iaea_category(nextafter(1000.0, 0)), 2);
    assert_int_equal(iaea_category(999.999), 2);
    assert_int_equal(iaea_category(10.0), 2);
    assert_int_equal(iaea_category(nextafter(10.0, 0)), 3);
    assert_int_equal(iaea_category(9.999), 3);
    assert_int_equal(iaea_category(1.0), 3);
    assert_int_equal(iaea_category(nextafter(1.0, 0)), 4);
    assert_int_equal(iaea_category(0.999), 4);
    assert_int_equal(iaea_category(0.01), 4);
    assert_int_equal(iaea_category(nextafter(0.01, 0)), 5);
    assert_int_equal(iaea_category(0.00999), 5);
    assert_int_equal(iaea_category(0.0), 5);
}

static void test_category_unknown(void **state)
{
    (void)state;
    assert_int_equal(iaea_category(-1.0), 0);
    assert_int_equal(iaea_category(-1e-300), 0);
    assert_int_equal(iaea_category(-INFINITY), 0);
    assert_int_equal(iaea_category(NAN), 0);
    assert_int_equal(iaea_category(iaea_a_over_d(1e15, 0)), 0);
}

/* Every nuclide with a D-value in geodata/nuclides.csv: a source of exactly 1000 D, 10 D, 1 D and
 * 0.01 D lands in the higher band despite D-values that binary floating point cannot hold. */
static void test_category_at_thresholds_of_real_d_values(void **state)
{
    (void)state;
    static const double d_tbq[] = {0.03, 0.1, 0.08, 0.2, 0.3, 20, 0.06, 0.02, 0.04, 1, 40, 0.05};
    static const double edge[] = {1000, 10, 1, 0.01};
    for (size_t i = 0; i < sizeof d_tbq / sizeof d_tbq[0]; i++) {
        for (size_t j = 0; j < 4; j++) {
            double activity_bq = edge[j] * d_tbq[i] * 1e12;
            assert_int_equal(iaea_category(iaea_a_over_d(activity_bq, d_tbq[i])), (int)j + 1);
            assert_int_equal(iaea_category(iaea_a_over_d(activity_bq * 0.999, d_tbq[i])),
                             (int)j + 2);
        }
    }
}

static void test_realistic_sources(void **state)
{
    (void)state;
    /* Co-60 teletherapy head, 200 TBq: Category 1. */
    assert_int_equal(iaea_category(iaea_a_over_d(200e12, CO60_D_TBQ)), 1);
    /* Ir-192 radiography camera, 3.7 TBq (100 Ci): A/D = 46.25, Category 2 ... */
    double a_bq = 3.7e12;
    assert_int_equal(iaea_category(iaea_a_over_d(a_bq, IR192_D_TBQ)), 2);
    /* ... five half-lives later 0.115625 TBq, A/D = 1.445: Category 3 ... */
    a_bq = iaea_decay_bq(a_bq, 5 * IR192_HALF_LIFE_S, IR192_HALF_LIFE_S);
    assert_exact(a_bq, 3.7e12 / 32);
    assert_int_equal(iaea_category(iaea_a_over_d(a_bq, IR192_D_TBQ)), 3);
    /* ... and after two more (A/D = 0.36): Category 4. */
    a_bq = iaea_decay_bq(a_bq, 2 * IR192_HALF_LIFE_S, IR192_HALF_LIFE_S);
    assert_int_equal(iaea_category(iaea_a_over_d(a_bq, IR192_D_TBQ)), 4);
    /* Am-241 level gauge, 1.85 GBq (50 mCi): A/D = 0.0308, Category 4. */
    assert_int_equal(iaea_category(iaea_a_over_d(1.85e9, AM241_D_TBQ)), 4);
    /* Cs-137 check source, 370 kBq (10 uCi): Category 5. */
    assert_int_equal(iaea_category(iaea_a_over_d(3.7e5, CS137_D_TBQ)), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decay_whole_half_lives_are_exact),
        cmocka_unit_test(test_decay_in_days),
        cmocka_unit_test(test_decay_negative_elapsed_grows),
        cmocka_unit_test(test_decay_unknown_half_life_is_nan),
        cmocka_unit_test(test_a_over_d_units),
        cmocka_unit_test(test_category_band_edges),
        cmocka_unit_test(test_category_unknown),
        cmocka_unit_test(test_category_at_thresholds_of_real_d_values),
        cmocka_unit_test(test_realistic_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
