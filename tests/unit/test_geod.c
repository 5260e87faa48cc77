/*
 * Unit tests of geo/geod: geodesics on WGS 84 against published values (Vincenty's Flinders Peak to
 * Buninyong line of the Geoscience Australia examples, GeographicLib's JFK to LHR example, Ho Chi
 * Minh City to Hanoi), the direct/inverse round trip to a millimetre, the circle ring (vertex count,
 * radius, closure, orientation), the circle box (it holds every point of the circle and is tight),
 * and the distance to a lon/lat segment against dense sampling.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "geo/geod.h"

#include <math.h>
#include <stdlib.h>

static void assert_near(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol)) {
        print_error("%s: got %.12f, want %.12f (tolerance %g)\n", what, got, want, tol);
        fail();
    }
}

/* Degrees, minutes, seconds to degrees. */
static double dms(int d, int m, double s)
{
    double v = abs(d) + m / 60.0 + s / 3600.0;
    return d < 0 ? -v : v;
}

static void test_known_distances(void **state)
{
    (void)state;
    double d, b;
    /* Vincenty (1975) / Geoscience Australia: Flinders Peak to Buninyong, GRS80 (WGS 84 differs by
     * far less than a millimetre over 55 km): 54 972.271 m, azimuth 306°52'05.37". */
    geo_inverse(dms(144, 25, 29.52440), -dms(37, 57, 3.72030), dms(143, 55, 35.38390), -dms(37, 39, 10.15610), &d,
                &b);
    assert_near(d, 54972.271, 0.001, "Flinders Peak - Buninyong distance");
    assert_near(b, dms(306, 52, 5.37), 0.5 / 3600, "Flinders Peak - Buninyong azimuth");
    /* GeographicLib's example: JFK (40.6, -73.8) to LHR (51.6, -0.5): 5 551 759.400 m. */
    geo_inverse(-73.8, 40.6, -0.5, 51.6, &d, &b);
    assert_near(d, 5551759.400, 0.001, "JFK - LHR distance");
    assert_near(b, 51.198882846, 1e-6, "JFK - LHR azimuth");
    /* Ho Chi Minh City (Nhà hát Thành phố) to Hanoi (Hồ Hoàn Kiếm): 1 138 049.892 m, a little west
     * of north. */
    geo_inverse(106.7009, 10.7769, 105.8542, 21.0285, &d, &b);
    assert_near(d, 1138049.892, 0.001, "HCMC - Hanoi distance");
    assert_near(b, 360.0 - 4.459239800, 1e-6, "HCMC - Hanoi bearing");
    assert_near(geo_distance(106.7009, 10.7769, 105.8542, 21.0285), d, 0, "geo_distance = geo_inverse");
    /* Symmetric, zero at one point, bearing 0 there. */
    assert_near(geo_distance(105.8542, 21.0285, 106.7009, 10.7769), d, 1e-6, "symmetric");
    geo_inverse(106.7, 10.7, 106.7, 10.7, &d, &b);
    assert_near(d, 0, 0, "zero distance");
    assert_near(b, 0, 0, "zero bearing");
    /* Meridian arcs: the integral of the meridional radius of curvature M(φ) = a(1-e²)/(1-e² sin²φ)^1.5
     * by Simpson's rule, independent of the geodesic code. */
    const double pairs[][2] = {{-0.5, 0.5}, {10.0, 11.0}, {8.5, 23.4}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        double e2 = GEO_WGS84_F * (2 - GEO_WGS84_F), p0 = pairs[i][0] * M_PI / 180, p1 = pairs[i][1] * M_PI / 180;
        int n = 20000;
        double h = (p1 - p0) / n, sum = 0;
        for (int k = 0; k <= n; k++) {
            double phi = p0 + k * h, m = GEO_WGS84_A * (1 - e2) / pow(1 - e2 * sin(phi) * sin(phi), 1.5);
            sum += m * (k == 0 || k == n ? 1 : k % 2 ? 4 : 2);
        }
        assert_near(geo_distance(106.7, pairs[i][0], 106.7, pairs[i][1]), sum * h / 3, 0.001, "meridian arc");
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    const double pts[][2] = {{106.7009, 10.7769}, {105.8542, 21.0285}, {107.0843, 10.3460}, {109.2, 12.25},
                             {102.2, 8.6}, {0, 0}, {-73.8, 40.6}};
    const double dists[] = {0.001, 1, 30, 437.25, 5000, 99999.9, 1.2e6};
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++)
        for (size_t k = 0; k < sizeof dists / sizeof dists[0]; k++)
            for (double az = 0; az < 360; az += 22.5) {
                double lon2, lat2, d, b;
                geo_direct(pts[i][0], pts[i][1], az, dists[k], &lon2, &lat2);
                geo_inverse(pts[i][0], pts[i][1], lon2, lat2, &d, &b);
                assert_near(d, dists[k], 0.001, "direct then inverse distance");
                if (dists[k] >= 1)
                    assert_near(fmod(b - az + 540, 360) - 180, 0, 1e-6, "direct then inverse bearing");
            }
}

static void test_circle_ring(void **state)
{
    (void)state;
    double xy[2 * 201];
    for (int n = 10; n <= 200; n += 95) {
        int m = geo_circle_ring(106.66, 10.76, 400, n, xy);
        int want = (n < GEO_CIRCLE_MIN_VERTICES ? GEO_CIRCLE_MIN_VERTICES : n) + 1;
        assert_int_equal(m, want);
        assert_true(xy[0] == xy[2 * (m - 1)] && xy[1] == xy[2 * (m - 1) + 1]);
        double area2 = 0;
        for (int i = 0; i < m; i++) {
            assert_near(geo_distance(106.66, 10.76, xy[2 * i], xy[2 * i + 1]), 400, 1e-6, "ring vertex radius");
            if (i + 1 < m)
                area2 += xy[2 * i] * xy[2 * i + 3] - xy[2 * i + 2] * xy[2 * i + 1];
        }
        assert_true(area2 > 0); /* counter-clockwise */
    }
}

static void check_box(double lon, double lat, double r)
{
    geo_box box;
    assert_true(geo_circle_box(lon, lat, r, &box));
    double max_lon = -180, min_lon = 180, max_lat = -90, min_lat = 90;
    for (int i = 0; i < 36000; i++) {
        double x, y;
        geo_direct(lon, lat, i * 0.01, r, &x, &y);
        if (x < box.min_lon || x > box.max_lon || y < box.min_lat || y > box.max_lat) {
            print_error("circle (%g, %g, %g m) point at azimuth %g: (%.12f, %.12f) outside box %.12f %.12f %.12f "
                        "%.12f\n", lon, lat, r, i * 0.01, x, y, box.min_lon, box.min_lat, box.max_lon, box.max_lat);
            fail();
        }
        max_lon = fmax(max_lon, x), min_lon = fmin(min_lon, x);
        max_lat = fmax(max_lat, y), min_lat = fmin(min_lat, y);
    }
    /* Tight: the sampled extremes are within a hair (sampling step) of the box. */
    double slack = 1e-7 + r * 1e-11;
    assert_near(box.max_lon, max_lon, slack, "east edge tight");
    assert_near(box.min_lon, min_lon, slack, "west edge tight");
    assert_near(box.max_lat, max_lat, 1e-8, "north edge tight");
    assert_near(box.min_lat, min_lat, 1e-8, "south edge tight");
}

static void test_circle_box(void **state)
{
    (void)state;
    check_box(106.7, 10.77, 5000);
    check_box(106.7, 10.77, 100000);
    check_box(105.85, 21.03, 30);
    check_box(109.46, 23.39, 100000); /* the north-east corner of the service area */
    check_box(102.14, 8.33, 2.5e6);
    check_box(10, 60, 500000);
    check_box(10, -60, 500000);
    geo_box b;
    assert_false(geo_circle_box(0, 89.9, 20000, &b));      /* holds the pole */
    assert_false(geo_circle_box(179.99, 10, 5000, &b));    /* crosses the antimeridian */
    assert_false(geo_circle_box(106, 10, 6e6, &b));        /* beyond GEO_BOX_MAX_RADIUS_M */
    assert_true(geo_circle_box(106, 10, 0, &b));
    assert_true(b.min_lon <= 106 && b.max_lon >= 106 && b.max_lon - b.min_lon < 1e-8);
}

/* Minimum over n + 1 evenly spaced points of the segment. */
static double sampled(double px, double py, double ax, double ay, double bx, double by, int n)
{
    double best = HUGE_VAL;
    for (int i = 0; i <= n; i++) {
        double t = (double)i / n;
        best = fmin(best, geo_distance(px, py, ax + t * (bx - ax), ay + t * (by - ay)));
    }
    return best;
}

static void test_segment_distance(void **state)
{
    (void)state;
    const double cases[][6] = {
        {106.70, 10.78, 106.69, 10.77, 106.71, 10.77},     /* above the middle of an east-west edge */
        {106.72, 10.78, 106.69, 10.77, 106.71, 10.77},     /* beyond its east end */
        {106.70, 10.77, 106.69, 10.77, 106.71, 10.77},     /* on it */
        {106.653, 10.981, 106.60, 10.90, 106.75, 11.05},   /* beside a long diagonal edge */
        {106.0, 11.5, 105.0, 10.0, 107.5, 12.8},           /* a 400 km edge */
        {106.70, 10.78, 106.70, 10.78, 106.70, 10.78},     /* a degenerate edge */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const double *c = cases[i];
        double d = geo_segment_distance(c[0], c[1], c[2], c[3], c[4], c[5]);
        double s = sampled(c[0], c[1], c[2], c[3], c[4], c[5], 200000);
        /* Never above the sampled minimum (beyond rounding), and not below it by more than the
         * sampling can miss. */
        assert_true(d <= s + 1e-6);
        assert_true(d >= s - 0.01);
    }
    /* A point due north of an east-west edge's middle, 1 113 m up: the edge's latitude line is
     * not a geodesic, but near the middle the distance is the meridian arc. */
    double d = geo_segment_distance(106.70, 10.78, 106.69, 10.77, 106.71, 10.77);
    assert_near(d, geo_distance(106.70, 10.78, 106.70, 10.77), 0.01, "meridian arc to the edge");
}

/* The estimate stays within its stated bound over its domain (random pairs, fixed seed). */
static void test_estimate(void **state)
{
    (void)state;
    unsigned long x = 88172645463325252ull;
    double worst = 0;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double lat = -60 + 120.0 * (double)(x % 1000003) / 1000003;
        double lon = 100 + 10.0 * (double)((x >> 20) % 1000003) / 1000003;
        double az = 360.0 * (double)((x >> 40) % 1000003) / 1000003;
        double d = pow(10, 6.0 * (double)((x >> 11) % 1000003) / 1000003) * 0.2; /* 0.2 m to 200 km */
        double lon2, lat2;
        geo_direct(lon, lat, az, d, &lon2, &lat2);
        double est = geo_distance_estimate(lon, lat, lon2, lat2), exact = geo_distance(lon, lat, lon2, lat2);
        double ratio = fabs(est - exact) / geo_estimate_error_m(est);
        if (ratio > worst)
            worst = ratio;
    }
    if (!(worst <= 1.0)) {
        print_error("estimate error reached %.3f of its bound\n", worst);
        fail();
    }
    /* Within Viet Nam at 5 km the estimate is good to a few millimetres. */
    assert_true(geo_estimate_error_m(5000) < 0.005);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_distances), cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_circle_ring),     cmocka_unit_test(test_circle_box),
        cmocka_unit_test(test_segment_distance), cmocka_unit_test(test_estimate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
