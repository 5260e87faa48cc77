/*
 * Unit tests of geo/crs: parsing CRS references, VN-2000 transforms pinned to EPSG:6960 (expected
 * values computed with `cct` on the pipeline `projinfo -s EPSG:XXXX -t EPSG:4326 -o PROJ` lists for
 * "VN-2000 to WGS 84 (2)"), including a point north of 11.04°N where PROJ left to itself switches
 * transformation, the round trip to a millimetre, and transforms from several threads at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "geo/crs.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

typedef struct vn_case {
    int code;
    double lon, lat;   /* WGS 84 */
    double x, y;       /* in the VN-2000 system, east first */
} vn_case;

static const vn_case cases[] = {
    {9210, 106.70, 10.776, 603699.134687378, 1191842.445021078},
    {9210, 106.65, 11.10, 598123.714812842, 1227665.463506761}, /* north of 11.04°N */
    {3405, 106.70, 10.776, 685682.894131413, 1191839.100866616},
    {5899, 107.08, 10.35, 426432.371542306, 1144643.908170227},
    {9218, 109.19, 12.24, 574875.137673121, 1353708.372329103},
    {4756, 106.70, 10.776, 106.698213767, 10.777018494},
};

static void test_parse(void **state)
{
    (void)state;
    rm_error err = {0};
    const char *ok[] = {"EPSG:9210", "epsg:9210", "http://www.opengis.net/def/crs/EPSG/0/9210",
                        "https://www.opengis.net/def/crs/EPSG/0/9210", "[EPSG:9210]", "urn:ogc:def:crs:EPSG::9210"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        const crs_info *c = crs_from_uri(ok[i], "crs", &err);
        assert_non_null(c);
        assert_int_equal(c->code, 9210);
        assert_false(c->geographic);
    }
    const crs_info *c = crs_from_uri("http://www.opengis.net/def/crs/OGC/1.3/CRS84", "crs", &err);
    assert_non_null(c);
    assert_int_equal(c->code, CRS_CRS84);
    assert_true(c->wgs84 && !c->lat_first);
    c = crs_from_uri("EPSG:4326", "crs", &err);
    assert_true(c && c->wgs84 && c->lat_first);
    assert_true(crs_from_uri("EPSG:4756", "crs", &err)->lat_first);
    const char *bad[] = {"EPSG:3395", "EPSG:", "EPSG:92x0", "http://www.opengis.net/def/crs/EPSG/0/", "[EPSG:9210",
                         "", "WGS84", "EPSG:1234567"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rm_error e = {0};
        assert_null(crs_from_uri(bad[i], "bbox-crs", &e));
        assert_int_equal(e.status, 400);
        assert_non_null(strstr(e.detail, "bbox-crs"));
        assert_non_null(strstr(e.detail, "EPSG:9210"));
    }
    size_t n;
    const crs_info *all = crs_supported(&n);
    assert_int_equal(n, 24);
    for (size_t i = 0; i < n; i++)
        assert_ptr_equal(crs_find(all[i].code), &all[i]);
}

static void test_pinned(void **state)
{
    (void)state;
    rm_error err = {0};
    const char *p = crs_pipeline(crs_find(9210), &err);
    assert_non_null(p);
    /* The Helmert parameters of EPSG:6960, not those of 5194 (x=-192.873). */
    assert_non_null(strstr(p, "+x=-191.90441429"));
    assert_null(strstr(p, "-192.873"));
    assert_null(strstr(p, "axisswap"));
    assert_string_equal(crs_pipeline(crs_find(4326), &err), "");
}

static void test_transforms(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const vn_case *k = &cases[i];
        const crs_info *c = crs_find(k->code);
        rm_error err = {0};
        double lon, lat, x, y;
        assert_int_equal(crs_to_wgs84(c, k->x, k->y, &lon, &lat, "point", &err), 0);
        if (fabs(lon - k->lon) > 1e-8 || fabs(lat - k->lat) > 1e-8) {
            print_error("EPSG:%d (%.9f, %.9f) -> (%.12f, %.12f), want (%g, %g)\n", k->code, k->x, k->y, lon, lat,
                        k->lon, k->lat);
            fail();
        }
        assert_int_equal(crs_from_wgs84(c, k->lon, k->lat, &x, &y, "point", &err), 0);
        double tol = c->geographic ? 1e-8 : 0.001;
        if (fabs(x - k->x) > tol || fabs(y - k->y) > tol) {
            print_error("EPSG:%d from (%g, %g) -> (%.9f, %.9f), want (%.9f, %.9f)\n", k->code, k->lon, k->lat, x, y,
                        k->x, k->y);
            fail();
        }
    }
    /* Web Mercator: the spherical formulas on the WGS 84 radius. */
    {
        rm_error e = {0};
        double x, y, lon, lat;
        assert_int_equal(crs_from_wgs84(crs_find(3857), 106.7, 10.77, &x, &y, "p", &e), 0);
        assert_true(fabs(x - 106.7 * M_PI / 180 * 6378137.0) < 1e-6);
        assert_true(fabs(y - log(tan(M_PI / 4 + 10.77 * M_PI / 360)) * 6378137.0) < 1e-6);
        assert_int_equal(crs_to_wgs84(crs_find(3857), x, y, &lon, &lat, "p", &e), 0);
        assert_true(fabs(lon - 106.7) < 1e-10 && fabs(lat - 10.77) < 1e-10);
    }
    /* Identity for WGS 84, with a range check. */
    rm_error err = {0};
    double xy[4] = {106.7, 10.7, 200, 10};
    assert_int_equal(crs_transform(crs_find(CRS_CRS84), true, xy, 1, "point", &err), 0);
    assert_true(xy[0] == 106.7 && xy[1] == 10.7);
    assert_int_equal(crs_transform(crs_find(4326), true, xy, 2, "geometry", &err), -1);
    assert_int_equal(err.status, 400);
    assert_non_null(strstr(err.detail, "geometry"));
}

static void *worker(void *arg)
{
    (void)arg;
    for (int rep = 0; rep < 200; rep++)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            rm_error err = {0};
            double lon, lat;
            if (crs_to_wgs84(crs_find(cases[i].code), cases[i].x, cases[i].y, &lon, &lat, "p", &err) < 0 ||
                fabs(lon - cases[i].lon) > 1e-8 || fabs(lat - cases[i].lat) > 1e-8)
                return (void *)1;
        }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, NULL), 0);
    for (int i = 0; i < 4; i++) {
        void *r = NULL;
        pthread_join(t[i], &r);
        assert_null(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_pinned),
        cmocka_unit_test(test_transforms),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
