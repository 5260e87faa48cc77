/*
 * Unit tests of geo/tile: mercator formulas against known values, tile bounds, tile-local
 * coordinates, the seam ownership rule, rounding, and the z/x/y validation messages.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "geo/tile.h"

static void test_merc_known_values(void **state)
{
    (void)state;
    double mx, my, lon, lat;
    tile_lonlat_to_merc(0, 0, &mx, &my);
    assert_true(fabs(mx) < 1e-9 && fabs(my) < 1e-9);
    tile_lonlat_to_merc(180, 0, &mx, &my);
    assert_true(fabs(mx - TILE_MERC_HALF_M) < 1e-6);
    tile_lonlat_to_merc(-180, TILE_MAX_LAT, &mx, &my);
    assert_true(fabs(mx + TILE_MERC_HALF_M) < 1e-6);
    assert_true(fabs(my - TILE_MERC_HALF_M) < 1e-3);
    /* Beyond the square world the latitude is clamped. */
    tile_lonlat_to_merc(0, 89.9, &mx, &my);
    assert_true(fabs(my - TILE_MERC_HALF_M) < 1e-3);
    /* Ho Chi Minh City (Bến Thành); expected values from PROJ:
     * echo 10.7725 106.698 | cs2cs -d 4 EPSG:4326 EPSG:3857 */
    tile_lonlat_to_merc(106.698, 10.7725, &mx, &my);
    assert_true(fabs(mx - 11877567.0287) < 0.001);
    assert_true(fabs(my - 1206317.4972) < 0.001);
    tile_merc_to_lonlat(mx, my, &lon, &lat);
    assert_true(fabs(lon - 106.698) < 1e-12);
    assert_true(fabs(lat - 10.7725) < 1e-12);
}

static void test_bounds(void **state)
{
    (void)state;
    tile_bounds b;
    tile_id world = {0, 0, 0};
    tile_bounds_merc(&world, &b);
    assert_true(b.xmin == -TILE_MERC_HALF_M && b.xmax == TILE_MERC_HALF_M);
    assert_true(b.ymin == -TILE_MERC_HALF_M && b.ymax == TILE_MERC_HALF_M);

    tile_id ne = {1, 1, 0};
    tile_bounds_merc(&ne, &b);
    assert_true(b.xmin == 0 && b.ymin == 0 && b.xmax == TILE_MERC_HALF_M && b.ymax == TILE_MERC_HALF_M);
    tile_bounds_lonlat(&ne, &b);
    assert_true(fabs(b.xmin) < 1e-12 && fabs(b.xmax - 180) < 1e-12);
    assert_true(fabs(b.ymin) < 1e-12 && fabs(b.ymax - TILE_MAX_LAT) < 1e-9);

    /* z=14 tile over District 1 of Ho Chi Minh City. */
    tile_id t;
    tile_of_lonlat(14, 106.698, 10.7725, &t);
    assert_int_equal(t.z, 14);
    assert_int_equal(t.x, 13047); /* floor((lon + 180) / 360 * 2^14) */
    assert_int_equal(t.y, 7698);  /* floor((1 - asinh(tan(lat)) / pi) / 2 * 2^14) */
    tile_bounds_lonlat(&t, &b);
    assert_true(b.xmin <= 106.698 && 106.698 < b.xmax);
    assert_true(b.ymin < 10.7725 && 10.7725 <= b.ymax);
    /* x: 360 / 2^14 degrees per tile */
    assert_true(fabs((b.xmax - b.xmin) - 360.0 / 16384) < 1e-12);
}

static void test_buffered_bounds(void **state)
{
    (void)state;
    tile_id t = {14, 13047, 7698};
    tile_bounds b;
    tile_bounds_lonlat_buffered(&t, TILE_BUFFER, &b);
    double tx, ty;
    tile_lonlat_to_tile(&t, b.xmin, b.ymax, &tx, &ty);
    assert_true(fabs(tx + TILE_BUFFER) < 1e-6 && fabs(ty + TILE_BUFFER) < 1e-6);
    tile_lonlat_to_tile(&t, b.xmax, b.ymin, &tx, &ty);
    assert_true(fabs(tx - (TILE_EXTENT + TILE_BUFFER)) < 1e-6);
    assert_true(fabs(ty - (TILE_EXTENT + TILE_BUFFER)) < 1e-6);

    /* At the world's edge the longitude is clamped. */
    tile_id corner = {3, 0, 0};
    tile_bounds_lonlat_buffered(&corner, TILE_BUFFER, &b);
    assert_true(b.xmin == -180.0);
    assert_true(b.ymax < 90.0 && b.ymax > TILE_MAX_LAT);
}

static void test_tile_coords(void **state)
{
    (void)state;
    tile_id t = {14, 13047, 7698};
    tile_bounds m;
    tile_bounds_merc(&t, &m);
    double tx, ty, mx, my;
    tile_merc_to_tile(&t, m.xmin, m.ymax, &tx, &ty); /* north-west corner */
    assert_true(fabs(tx) < 1e-6 && fabs(ty) < 1e-6);
    tile_merc_to_tile(&t, m.xmax, m.ymin, &tx, &ty); /* south-east corner */
    assert_true(fabs(tx - TILE_EXTENT) < 1e-6 && fabs(ty - TILE_EXTENT) < 1e-6);
    tile_merc_to_tile(&t, (m.xmin + m.xmax) / 2, (m.ymin + m.ymax) / 2, &tx, &ty);
    assert_true(fabs(tx - 2048) < 1e-6 && fabs(ty - 2048) < 1e-6);
    /* y grows downwards: a point a quarter down from the top */
    tile_merc_to_tile(&t, m.xmin, m.ymax - (m.ymax - m.ymin) / 4, &tx, &ty);
    assert_true(fabs(ty - 1024) < 1e-6);

    tile_tile_to_merc(&t, 1234.5, 3000.25, &mx, &my);
    tile_merc_to_tile(&t, mx, my, &tx, &ty);
    assert_true(fabs(tx - 1234.5) < 1e-6 && fabs(ty - 3000.25) < 1e-6);

    tile_lonlat_to_tile(&t, 106.698, 10.7725, &tx, &ty);
    assert_true(tile_contains(tx, ty));
    assert_false(tile_contains(TILE_EXTENT, 10));
    assert_false(tile_contains(10, -0.001));
    assert_true(tile_contains(0, 0));
}

/* Every point near a seam belongs to exactly one of the two tiles. */
static void test_seam_ownership(void **state)
{
    (void)state;
    tile_id west = {1, 0, 0}, east = {1, 1, 0};
    double tx, ty;
    tile_lonlat_to_tile(&east, 0.0, 45.0, &tx, &ty);
    assert_true(tx == 0.0);
    tile_lonlat_to_tile(&west, 0.0, 45.0, &tx, &ty);
    assert_true(tx == TILE_EXTENT);

    /* Walk across a z=15 seam in the smallest steps a double takes. */
    tile_id a, b;
    tile_of_lonlat(15, 106.7, 10.78, &a);
    b = a;
    b.x = a.x + 1;
    tile_bounds lb;
    tile_bounds_lonlat(&b, &lb);
    double lon = lb.xmin;
    for (int i = 0; i < 20; i++)
        lon = nextafter(lon, -1000);
    for (int i = 0; i < 40; i++, lon = nextafter(lon, 1000)) {
        double ax, ay, bx, by;
        tile_lonlat_to_tile(&a, lon, 10.78, &ax, &ay);
        tile_lonlat_to_tile(&b, lon, 10.78, &bx, &by);
        int owners = (ax >= 0 && ax < TILE_EXTENT) + (bx >= 0 && bx < TILE_EXTENT);
        assert_int_equal(owners, 1);
        tile_id owner;
        tile_of_lonlat(15, lon, 10.78, &owner);
        assert_int_equal(owner.x, ax >= 0 && ax < TILE_EXTENT ? a.x : b.x);
    }
}

static void test_round(void **state)
{
    (void)state;
    assert_int_equal(tile_round(0.5), 1);
    assert_int_equal(tile_round(-0.5), 0);
    assert_int_equal(tile_round(1.49), 1);
    assert_int_equal(tile_round(-1.5), -1);
    assert_int_equal(tile_round(-1.51), -2);
    assert_int_equal(tile_round(4095.7), 4096);
    assert_int_equal(tile_round(1e12), TILE_COORD_LIMIT);
    assert_int_equal(tile_round(-1e12), -TILE_COORD_LIMIT);
    assert_int_equal(tile_round(NAN), 0);
}

static void test_validate(void **state)
{
    (void)state;
    rm_error err;
    tile_id t;
    rm_error_clear(&err);
    assert_int_equal(tile_validate(22, (1 << 22) - 1, 0, &t, &err), 0);
    assert_int_equal(t.x, (1u << 22) - 1);
    assert_int_equal(tile_validate(0, 0, 0, &t, &err), 0);

    assert_int_equal(tile_validate(23, 0, 0, &t, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.detail, "z must be an integer from 0 to 22 (got 23)");

    assert_int_equal(tile_validate(-1, 0, 0, NULL, &err), -1);
    assert_non_null(strstr(err.detail, "z must"));

    assert_int_equal(tile_validate(1, 2, 0, NULL, &err), -1);
    assert_string_equal(err.detail, "x must be an integer from 0 to 1 at zoom 1 (got 2)");

    assert_int_equal(tile_validate(3, 0, -4, NULL, &err), -1);
    assert_string_equal(err.detail, "y must be an integer from 0 to 7 at zoom 3 (got -4)");

    assert_int_equal(tile_validate(3, 0, 9, NULL, NULL), -1); /* err may be NULL */
}

static void test_parse(void **state)
{
    (void)state;
    rm_error err;
    tile_id t;
    assert_int_equal(tile_parse("14", "13047", "7698", &t, &err), 0);
    assert_true(t.z == 14 && t.x == 13047 && t.y == 7698);

    assert_int_equal(tile_parse("abc", "0", "0", &t, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.detail, "z must be an integer from 0 to 22 (got 'abc')");

    assert_int_equal(tile_parse("", "0", "0", &t, &err), -1);
    assert_int_equal(tile_parse("-1", "0", "0", &t, &err), -1);
    assert_int_equal(tile_parse("30", "0", "0", &t, &err), -1);
    assert_non_null(strstr(err.detail, "from 0 to 22"));

    assert_int_equal(tile_parse("2", "1x", "0", &t, &err), -1);
    assert_string_equal(err.detail, "x must be an integer from 0 to 3 at zoom 2 (got '1x')");

    assert_int_equal(tile_parse("2", "1", "99999999999", &t, &err), -1);
    assert_non_null(strstr(err.detail, "y must be an integer from 0 to 3 at zoom 2"));

    assert_int_equal(tile_parse("2", "1", "4", &t, &err), -1);
    assert_string_equal(err.detail, "y must be an integer from 0 to 3 at zoom 2 (got 4)");

    assert_int_equal(tile_parse(NULL, "1", "4", &t, &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merc_known_values), cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_buffered_bounds),   cmocka_unit_test(test_tile_coords),
        cmocka_unit_test(test_seam_ownership),    cmocka_unit_test(test_round),
        cmocka_unit_test(test_validate),          cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
