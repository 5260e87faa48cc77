/*
 * Unit tests of api/zones: the IAEA first-responder cordons read from the embedded
 * geodata/cordons.csv, dose-rate distances r = sqrt(Γ·A/Ḣ) with their unreliable and capped flags,
 * the thresholds parameter, and which categories make cordons advisory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "api/zones.h"

#include <math.h>
#include <string.h>

static void test_cordons(void **state)
{
    (void)state;
    rm_error err = {0};
    int n = 0;
    const zones_cordon *c = zones_cordons(&n, &err);
    assert_non_null(c);
    assert_int_equal(n, 4);
    const char *keys[] = {"unshielded_or_damaged", "major_spill", "fire_explosion", "suspected_bomb"};
    const double radii[] = {30, 100, 300, 400};
    for (int i = 0; i < 4; i++) {
        assert_string_equal(c[i].key, keys[i]);
        assert_true(c[i].radius_m == radii[i]);
        assert_string_equal(c[i].applies_to, "outside");
        assert_non_null(strstr(c[i].source, "EPR-First Responders 2006"));
        assert_ptr_equal(zones_cordon_find(keys[i]), &c[i]);
    }
    assert_null(zones_cordon_find("flood"));
}

static void test_dose(void **state)
{
    (void)state;
    zones_dose d;
    /* Co-60, Γ = 0.309 µGy·m²/(h·MBq), 1 TBq: Γ·A = 309 000 µGy·m²/h. */
    zones_dose_radius(0.309, 1e12, 100, ZONES_DEFAULT_CAP_M, &d);
    assert_true(fabs(d.estimated_m - sqrt(3090.0)) < 1e-9);
    assert_true(d.radius_m == d.estimated_m && !d.unreliable && !d.capped);
    zones_dose_radius(0.309, 1e12, 1, ZONES_DEFAULT_CAP_M, &d);
    assert_true(fabs(d.estimated_m - sqrt(309000.0)) < 1e-9);
    assert_false(d.unreliable);
    /* 10 TBq at 1 µSv/h: 1 758 m, unreliable, under the cap. */
    zones_dose_radius(0.309, 1e13, 1, ZONES_DEFAULT_CAP_M, &d);
    assert_true(d.unreliable && !d.capped && d.radius_m == d.estimated_m);
    /* 100 TBq at 1 µSv/h: 5 559 m, drawn at the cap. */
    zones_dose_radius(0.309, 1e14, 1, ZONES_DEFAULT_CAP_M, &d);
    assert_true(d.unreliable && d.capped);
    assert_true(d.radius_m == ZONES_DEFAULT_CAP_M);
    assert_true(fabs(d.estimated_m - sqrt(0.309e8)) < 1e-6);
    /* The dose rate at the distance found is the threshold: Γ·A/r² = Ḣ. */
    zones_dose_radius(0.1091, 1.648e12, 20, ZONES_DEFAULT_CAP_M, &d);
    assert_true(fabs(0.1091 * 1.648e6 / (d.estimated_m * d.estimated_m) - 20) < 1e-9);
}

static void test_thresholds(void **state)
{
    (void)state;
    double t[ZONES_MAX_THRESHOLDS];
    rm_error err = {0};
    assert_int_equal(zones_parse_thresholds(NULL, t, &err), 3);
    assert_true(t[0] == 100 && t[1] == 20 && t[2] == 1);
    assert_int_equal(zones_parse_thresholds("2.5", t, &err), 1);
    assert_true(t[0] == 2.5);
    assert_int_equal(zones_parse_thresholds("1000,0.5,1e6", t, &err), 3);
    const char *bad[] = {"", "0", "-1", "abc", "1,,2", "1,2,", "1e7", "5,5", "1,2,3,4,5,6,7,8,9", "nan"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rm_error e = {0};
        assert_int_equal(zones_parse_thresholds(bad[i], t, &e), -1);
        assert_int_equal(e.status, 400);
        assert_non_null(strstr(e.detail, "thresholds"));
    }
}

static void test_advisory(void **state)
{
    (void)state;
    assert_true(zones_advisory(0));
    assert_false(zones_advisory(1));
    assert_false(zones_advisory(2));
    assert_false(zones_advisory(3));
    assert_true(zones_advisory(4));
    assert_true(zones_advisory(5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cordons),
        cmocka_unit_test(test_dose),
        cmocka_unit_test(test_thresholds),
        cmocka_unit_test(test_advisory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
