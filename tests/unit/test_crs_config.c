/*
 * Unit tests of geo/crs's configuration: central meridians, admin-defined VN-2000 TM-3 zones and
 * their URIs, the pinned transformation switched from EPSG:6960 to EPSG:5194 (and explicit Helmert
 * parameters), and reconfiguration while other threads transform. Expected values come from PROJ's
 * cct on the pipeline "+inv +proj=tmerc (the zone) + the steps of `projinfo -k operation EPSG:NNNN`",
 * and for EPSG:9210 from the pipeline projinfo lists for "VN-2000 to WGS 84 (1)".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "geo/crs.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#define ZONE_URI "urn:ogc:def:crs:RADMAP::VN2000-TM3-106-45"

static void near(double got, double want, double tol, const char *what)
{
    if (fabs(got - want) > tol) {
        print_error("%s: %.12f, want %.12f (tolerance %g)\n", what, got, want, tol);
        fail();
    }
}

static void test_meridian(void **state)
{
    (void)state;
    rm_error err = {0};
    const char *ok[] = {"106.75", "106-45", "106°45'", "106 45", "106°45′", " 106-45 ", "106.7500000"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_int_equal(crs_parse_meridian(ok[i], "--lon0", &err), 106 * 60 + 45);
    assert_int_equal(crs_parse_meridian("105", "--lon0", &err), 6300);
    assert_int_equal(crs_parse_meridian("104.583333333", "--lon0", &err), 104 * 60 + 35);
    const char *bad[] = {"106.7512", "99", "121", "abc", "106-60", "", "106-", "106.75x", "-106", "1e400"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rm_error e = {0};
        if (crs_parse_meridian(bad[i], "--lon0", &e) != -1) {
            print_error("accepted '%s'\n", bad[i]);
            fail();
        }
        assert_int_equal(e.status, 400);
        assert_non_null(strstr(e.detail, "--lon0"));
    }
    assert_int_equal(crs_parse_meridian(NULL, "p", NULL), -1);
    char dm[16];
    crs_format_meridian(6405, dm, sizeof dm);
    assert_string_equal(dm, "106-45");
    crs_format_meridian(6300, dm, sizeof dm);
    assert_string_equal(dm, "105-00");
    /* The built-in TM-3 systems carry their meridians (as PROJ defines them). */
    assert_int_equal(crs_find_tm3_builtin(105 * 60 + 45)->code, 9210);
    assert_int_equal(crs_find_tm3_builtin(106 * 60 + 15)->code, 9212);
    assert_int_equal(crs_find_tm3_builtin(107 * 60 + 45)->code, 5899);
    assert_null(crs_find_tm3_builtin(106 * 60 + 45));
    assert_int_equal(crs_find(3405)->tm3_minutes, 0); /* UTM, not TM-3 */
}

static void test_zones(void **state)
{
    (void)state;
    rm_error err = {0};
    size_t nbuiltin;
    crs_supported(&nbuiltin);
    assert_null(crs_from_uri(ZONE_URI, "crs", &err));
    assert_int_equal(err.status, 400);
    assert_non_null(strstr(err.detail, "106-45"));
    crs_zone_def z[] = {{7, 6405, "Vùng thử"}, {3, 104 * 60 + 15, NULL}};
    assert_int_equal(crs_configure(z, 2, NULL, &err), 0);
    const crs_info *all[64];
    assert_int_equal(crs_all(all, 64), nbuiltin + 2);
    assert_int_equal(all[nbuiltin]->tm3_minutes, 104 * 60 + 15); /* zones by meridian */
    const char *spell[] = {ZONE_URI, "urn:ogc:def:crs:radmap::vn2000-tm3-106-45", "RADMAP:VN2000-TM3-106-45",
                           "[RADMAP:VN2000-TM3-106-45]", "RADMAP:VN2000-TM3-106.75"};
    const crs_info *c = NULL;
    for (size_t i = 0; i < sizeof spell / sizeof spell[0]; i++) {
        c = crs_from_uri(spell[i], "crs", &err);
        assert_non_null(c);
        assert_int_equal(c->zone_id, 7);
    }
    assert_ptr_equal(crs_find(-7), c);
    assert_ptr_equal(crs_find_zone_meridian(6405), c);
    assert_string_equal(c->uri, ZONE_URI);
    assert_string_equal(c->label, "RADMAP:VN2000-TM3-106-45");
    assert_non_null(strstr(c->title, "Vùng thử"));
    assert_false(c->geographic || c->lat_first || c->wgs84);
    assert_null(crs_from_uri("[RADMAP:VN2000-TM3-106-45", "crs", &err));
    assert_null(crs_from_uri("RADMAP:VN2000-TM3-106-40", "bbox-crs", &err));
    assert_non_null(strstr(err.detail, "bbox-crs"));
    assert_non_null(strstr(err.detail, "RADMAP:VN2000-TM3-106-45")); /* the list names the zones */
    /* A meridian EPSG has is pointed to its EPSG system. */
    assert_null(crs_from_uri("RADMAP:VN2000-TM3-106-30", "crs", &err));
    assert_non_null(strstr(err.detail, "EPSG:9213"));
    /* Its pipeline: the zone's projection and EPSG:6960's Helmert parameters. */
    const char *p = crs_pipeline(c, &err);
    assert_non_null(p);
    assert_non_null(strstr(p, "+proj=tmerc +lat_0=0 +lon_0=106.75 +k=0.9999 +x_0=500000"));
    assert_non_null(strstr(p, "+x=-191.90441429"));
    double lon, lat, x, y;
    assert_int_equal(crs_to_wgs84(c, 512345.678, 1191234.567, &lon, &lat, "p", &err), 0);
    near(lon, 106.8646765403, 2e-10, "zone lon");
    near(lat, 10.7719331932, 2e-10, "zone lat");
    assert_int_equal(crs_from_wgs84(c, lon, lat, &x, &y, "p", &err), 0);
    near(x, 512345.678, 1e-4, "zone x back");
    near(y, 1191234.567, 1e-4, "zone y back");
    /* Removed: no longer found, but a description already handed out stays usable. */
    assert_int_equal(crs_configure(NULL, 0, NULL, &err), 0);
    assert_null(crs_from_uri(ZONE_URI, "crs", &err));
    assert_null(crs_find(-7));
    assert_int_equal(crs_all(all, 64), nbuiltin);
    assert_int_equal(crs_to_wgs84(c, 512345.678, 1191234.567, &lon, &lat, "p", &err), 0);
    near(lon, 106.8646765403, 2e-10, "removed zone lon");
    /* A bad zone is refused and changes nothing. */
    crs_zone_def badz = {1, 50 * 60, "x"};
    assert_int_equal(crs_configure(&badz, 1, NULL, &err), -1);
    assert_int_equal(crs_all(all, 64), nbuiltin);
}

static void test_transformation_specs(void **state)
{
    (void)state;
    char canon[1024], desc[200];
    rm_error err = {0};
    assert_int_equal(crs_transformation_check("epsg:5194", canon, sizeof canon, desc, sizeof desc, &err), 0);
    assert_string_equal(canon, "EPSG:5194");
    assert_non_null(strstr(desc, "VN-2000 to WGS 84 (1)"));
    assert_int_equal(crs_transformation_check("EPSG:6960", canon, sizeof canon, desc, sizeof desc, &err), 0);
    assert_int_equal(crs_transformation_check("+proj=helmert  +x=-191.9 +y=-39.3 +z=-111.45", canon, sizeof canon,
                                              NULL, 0, &err), 0);
    assert_string_equal(canon, "+proj=helmert +x=-191.9 +y=-39.3 +z=-111.45");
    const char *bad[] = {"EPSG:4326", "EPSG:1234567", "EPSG:", "+proj=noop", "+proj=helmert +x=5",
                         "+proj=helmert +x=-191 +step +proj=noop", "+proj=pipeline +ellps=GRS80 +step +proj=noop",
                         "+proj=pipeline +step +proj=nonsense", "+proj=helmert +x=1e7 +y=0 +z=0", "towgs84=1,2,3",
                         "+proj=helmert +x=-191\n\x01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rm_error e = {0};
        if (crs_transformation_check(bad[i], canon, sizeof canon, desc, sizeof desc, &e) != -1) {
            print_error("accepted '%s'\n", bad[i]);
            fail();
        }
        assert_int_equal(e.status, 400);
    }
    /* A stored spec that cannot be used is refused by crs_configure and leaves the installed one. */
    assert_int_equal(crs_configure(NULL, 0, "EPSG:4326", &err), -1);
    assert_int_equal(err.status, 500);
    crs_transformation_current(canon, sizeof canon, NULL, 0);
    assert_string_equal(canon, "EPSG:6960");
}

/* EPSG:9210 cases: (x, y) and WGS 84 (lon, lat) through EPSG:6960 and through EPSG:5194. */
static const struct { double x, y, lon6960, lat6960, lon5194, lat5194; } tm[] = {
    {603699.134687378, 1191842.445021078, 106.70, 10.776, 106.7000072944, 10.7760003894},
    {598123.714812842, 1227665.463506761, 106.65, 11.10, 106.6500072708, 11.1000003733}, /* north of 11.04°N */
};

static void check_9210(bool use5194)
{
    const crs_info *c = crs_find(9210);
    for (size_t i = 0; i < sizeof tm / sizeof tm[0]; i++) {
        rm_error err = {0};
        double lon, lat;
        assert_int_equal(crs_to_wgs84(c, tm[i].x, tm[i].y, &lon, &lat, "p", &err), 0);
        near(lon, use5194 ? tm[i].lon5194 : tm[i].lon6960, 1e-8, "9210 lon");
        near(lat, use5194 ? tm[i].lat5194 : tm[i].lat6960, 1e-8, "9210 lat");
    }
}

static void test_switch_transformation(void **state)
{
    (void)state;
    rm_error err = {0};
    check_9210(false);
    const char *before = crs_pipeline(crs_find(9210), &err);
    assert_int_equal(crs_configure(NULL, 0, "EPSG:5194", &err), 0);
    check_9210(true); /* on both sides of 11.04°N: one operation, no switching */
    const char *after = crs_pipeline(crs_find(9210), &err);
    assert_non_null(strstr(after, "+x=-192.873"));
    assert_non_null(strstr(before, "+x=-191.90441429")); /* the old string stays valid */
    char spec[64], desc[200];
    crs_transformation_current(spec, sizeof spec, desc, sizeof desc);
    assert_string_equal(spec, "EPSG:5194");
    /* EPSG:6960's parameters given by hand, in EPSG's coordinate-frame convention: EPSG:6960's answers. */
    assert_int_equal(crs_configure(NULL, 0, "+proj=helmert +x=-191.90441429 +y=-39.30318279 +z=-111.45032835 "
                                   "+rx=-0.00928836 +ry=0.01975479 +rz=-0.00427372 +s=0.252906278 "
                                   "+convention=coordinate_frame", &err), 0);
    check_9210(false);
    assert_int_equal(crs_configure(NULL, 0, NULL, &err), 0);
    check_9210(false);
    crs_transformation_current(spec, sizeof spec, NULL, 0);
    assert_string_equal(spec, "EPSG:6960");
}

static atomic_int stop_flag, bad_results;

static void *transformer(void *arg)
{
    (void)arg;
    const crs_info *c = crs_find(9210);
    while (!atomic_load(&stop_flag)) {
        rm_error err = {0};
        double lon, lat;
        if (crs_to_wgs84(c, tm[0].x, tm[0].y, &lon, &lat, "p", &err) < 0) {
            atomic_fetch_add(&bad_results, 1);
            continue;
        }
        bool a = fabs(lon - tm[0].lon6960) < 1e-8 && fabs(lat - tm[0].lat6960) < 1e-8;
        bool b = fabs(lon - tm[0].lon5194) < 1e-8 && fabs(lat - tm[0].lat5194) < 1e-8;
        if (!a && !b)
            atomic_fetch_add(&bad_results, 1);
    }
    /* After the last reconfiguration (the default), this thread's transforms are the default's. */
    double lon, lat;
    rm_error err = {0};
    if (crs_to_wgs84(c, tm[0].x, tm[0].y, &lon, &lat, "p", &err) < 0 || fabs(lon - tm[0].lon6960) > 1e-8)
        atomic_fetch_add(&bad_results, 1);
    return NULL;
}

static void test_reconfigure_while_transforming(void **state)
{
    (void)state;
    pthread_t t[4];
    atomic_store(&stop_flag, 0);
    atomic_store(&bad_results, 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, transformer, NULL), 0);
    rm_error err = {0};
    crs_zone_def z = {11, 6405, "z"};
    for (int k = 0; k < 20; k++)
        assert_int_equal(crs_configure(&z, k % 3 == 0, k % 2 ? "EPSG:5194" : "EPSG:6960", &err), 0);
    assert_int_equal(crs_configure(NULL, 0, NULL, &err), 0);
    atomic_store(&stop_flag, 1);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&bad_results), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meridian),
        cmocka_unit_test(test_zones),
        cmocka_unit_test(test_transformation_specs),
        cmocka_unit_test(test_switch_transformation),
        cmocka_unit_test(test_reconfigure_while_transforming),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
