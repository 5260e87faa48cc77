/*
 * Unit tests of geo/clip, the mvt_geom()-like pipeline: clipping to the buffered tile, repair of
 * invalid input, winding of the emitted rings (signed area in tile coordinates, decoded from the
 * encoded tile), NULL for what falls outside or collapses, WKB input and GEOS errors.
 *
 * Test geometries are written in tile units of one z=14 tile over Ho Chi Minh City and turned
 * into lon/lat first, so the expectations read in the units the pipeline produces.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "geo/clip.h"

static const tile_id T = {14, 13047, 7698};

typedef struct fixture {
    clip_geos *g;
    GEOSContextHandle_t h;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    fx->g = clip_geos_create(NULL);
    if (!fx->g)
        return -1;
    fx->h = clip_geos_handle(fx->g);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    clip_geos_destroy(fx->g);
    free(fx);
    return 0;
}

static int tile_to_lonlat(double *x, double *y, void *userdata)
{
    const tile_id *t = userdata;
    double mx, my;
    tile_tile_to_merc(t, *x, *y, &mx, &my);
    tile_merc_to_lonlat(mx, my, x, y);
    return 1;
}

/* A lon/lat geometry from WKT written in tile units of T. Free with GEOSGeom_destroy_r. */
static GEOSGeometry *lonlat_from_tile_wkt(fixture *fx, const char *wkt)
{
    GEOSWKTReader *r = GEOSWKTReader_create_r(fx->h);
    GEOSGeometry *g = GEOSWKTReader_read_r(fx->h, r, wkt);
    GEOSWKTReader_destroy_r(fx->h, r);
    assert_non_null(g);
    tile_id t = T;
    GEOSGeometry *ll = GEOSGeom_transformXY_r(fx->h, g, tile_to_lonlat, &t);
    GEOSGeom_destroy_r(fx->h, g);
    assert_non_null(ll);
    return ll;
}

/* Run the pipeline on WKT in tile units; NULL when the pipeline answered NULL. */
static GEOSGeometry *clip_tile_wkt(fixture *fx, const char *wkt)
{
    GEOSGeometry *in = lonlat_from_tile_wkt(fx, wkt);
    GEOSGeometry *out = NULL;
    rm_error err;
    rm_error_clear(&err);
    int rc = clip_geom_to_tile(fx->g, in, &T, &out, &err);
    if (rc != 0)
        fail_msg("clip failed: %s", err.detail);
    GEOSGeom_destroy_r(fx->h, in);
    return out;
}

static void envelope(fixture *fx, const GEOSGeometry *g, double *xmin, double *ymin, double *xmax,
                     double *ymax)
{
    assert_true(GEOSGeom_getXMin_r(fx->h, g, xmin) && GEOSGeom_getYMin_r(fx->h, g, ymin));
    assert_true(GEOSGeom_getXMax_r(fx->h, g, xmax) && GEOSGeom_getYMax_r(fx->h, g, ymax));
}

static double area(fixture *fx, const GEOSGeometry *g)
{
    double a;
    assert_true(GEOSArea_r(fx->h, g, &a));
    return a;
}

static int is_valid(fixture *fx, const GEOSGeometry *g) { return GEOSisValid_r(fx->h, g) == 1; }

/* ---- decoding what clip_emit wrote, for the winding checks --------------------------------- */

typedef struct pb {
    const uint8_t *p, *end;
} pb;

static uint64_t pb_varint(pb *r)
{
    uint64_t v = 0;
    for (int shift = 0; r->p < r->end && shift < 64; shift += 7) {
        uint8_t c = *r->p++;
        v |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80))
            return v;
    }
    fail_msg("truncated varint");
    return 0;
}

/* The length-delimited field number want inside r (first one), as a sub-reader. */
static pb pb_find(pb r, unsigned want)
{
    while (r.p < r.end) {
        uint64_t key = pb_varint(&r);
        unsigned wire = key & 7;
        if (wire == 0) {
            pb_varint(&r);
        } else if (wire == 2) {
            uint64_t n = pb_varint(&r);
            pb sub = {r.p, r.p + n};
            r.p += n;
            if ((key >> 3) == want)
                return sub;
        } else {
            fail_msg("unexpected wire type");
        }
    }
    fail_msg("field %u not found", want);
    return r;
}

/*
 * Encode geometry g as the only feature of a tile, decode the first feature's geometry and
 * return its rings' doubled signed areas (surveyor formula, tile coordinates, y down).
 */
static unsigned emitted_ring_areas(fixture *fx, const GEOSGeometry *g, double *areas, unsigned max)
{
    mvt_tile *t = mvt_tile_create();
    mvt_feature *f = mvt_feature_begin(mvt_layer_begin(t, "zones", TILE_EXTENT), 1);
    rm_error err;
    assert_int_equal(clip_emit(fx->g, g, f, &err), 0);
    buf out = BUF_INIT;
    assert_int_equal(mvt_tile_finish(t, &out), 1);
    mvt_tile_destroy(t);

    pb tile = {(const uint8_t *)out.data, (const uint8_t *)out.data + out.len};
    pb geom = pb_find(pb_find(pb_find(tile, 3), 2), 4);
    int64_t cx = 0, cy = 0, px[1024], py[1024];
    unsigned np = 0, nrings = 0;
    while (geom.p < geom.end) {
        uint32_t c = (uint32_t)pb_varint(&geom);
        unsigned id = c & 7, count = c >> 3;
        if (id == 7) {
            double a = 0;
            for (unsigned k = 0; k < np; k++) {
                unsigned j = (k + 1) % np;
                a += (double)(px[k] * py[j] - px[j] * py[k]);
            }
            assert_true(nrings < max);
            areas[nrings++] = a;
            continue;
        }
        assert_true(id == 1 || id == 2);
        for (unsigned k = 0; k < count; k++) {
            uint32_t zx = (uint32_t)pb_varint(&geom), zy = (uint32_t)pb_varint(&geom);
            cx += (int32_t)((zx >> 1) ^ (~(zx & 1) + 1));
            cy += (int32_t)((zy >> 1) ^ (~(zy & 1) + 1));
            if (id == 1)
                np = 0;
            assert_true(np < 1024);
            px[np] = cx;
            py[np] = cy;
            np++;
        }
    }
    buf_free(&out);
    return nrings;
}

/* ---- tests --------------------------------------------------------------------------------- */

static void test_polygon_bigger_than_tile(void **state)
{
    fixture *fx = *state;
    GEOSGeometry *g =
        clip_tile_wkt(fx, "POLYGON((-1000 -1000, 5000 -1000, 5000 5000, -1000 5000, -1000 -1000))");
    assert_non_null(g);
    assert_int_equal(GEOSGeomTypeId_r(fx->h, g), GEOS_POLYGON);
    double xmin, ymin, xmax, ymax;
    envelope(fx, g, &xmin, &ymin, &xmax, &ymax);
    assert_true(xmin == -TILE_BUFFER && ymin == -TILE_BUFFER);
    assert_true(xmax == TILE_EXTENT + TILE_BUFFER && ymax == TILE_EXTENT + TILE_BUFFER);
    assert_true(area(fx, g) == (double)(TILE_EXTENT + 2 * TILE_BUFFER) * (TILE_EXTENT + 2 * TILE_BUFFER));
    assert_true(is_valid(fx, g));
    GEOSGeom_destroy_r(fx->h, g);

    /* A province-sized polygon with a hole over part of the tile: clipped and still valid. */
    g = clip_tile_wkt(fx, "POLYGON((-90000 -90000, 90000 -90000, 90000 90000, -90000 90000, "
                          "-90000 -90000), (1000 1000, 1000 9000, 3000 9000, 3000 1000, 1000 1000))");
    assert_non_null(g);
    assert_true(is_valid(fx, g));
    double full = (double)(TILE_EXTENT + 2 * TILE_BUFFER) * (TILE_EXTENT + 2 * TILE_BUFFER);
    double hole = 2000.0 * (TILE_EXTENT + TILE_BUFFER - 1000);
    assert_true(fabs(area(fx, g) - (full - hole)) < 1.0);
    GEOSGeom_destroy_r(fx->h, g);
}

static void test_self_intersecting_made_valid(void **state)
{
    fixture *fx = *state;
    /* A bow-tie: the ring crosses itself at (550, 550). */
    GEOSGeometry *in = lonlat_from_tile_wkt(fx, "POLYGON((100 100, 1000 1000, 1000 100, 100 1000, 100 100))");
    assert_int_equal(GEOSisValid_r(fx->h, in), 0);
    GEOSGeometry *out = NULL;
    assert_int_equal(clip_geom_to_tile(fx->g, in, &T, &out, NULL), 0);
    assert_non_null(out);
    assert_true(is_valid(fx, out));
    assert_int_equal(GEOSGeomTypeId_r(fx->h, out), GEOS_MULTIPOLYGON);
    assert_int_equal(GEOSGetNumGeometries_r(fx->h, out), 2);
    assert_true(fabs(area(fx, out) - 2 * (900.0 * 450.0 / 2)) < 1e-6);

    /* Its emitted rings both come out as exteriors. */
    double areas[4];
    assert_int_equal(emitted_ring_areas(fx, out, areas, 4), 2);
    assert_true(areas[0] > 0 && areas[1] > 0);
    GEOSGeom_destroy_r(fx->h, in);
    GEOSGeom_destroy_r(fx->h, out);
}

static void test_winding(void **state)
{
    fixture *fx = *state;
    /* The same polygon with a hole given both ways round; and a multipolygon. */
    static const char *const wkts[] = {
        "POLYGON((0 0, 2000 0, 2000 2000, 0 2000, 0 0), (500 500, 500 1500, 1500 1500, 1500 500, 500 500))",
        "POLYGON((0 0, 0 2000, 2000 2000, 2000 0, 0 0), (500 500, 1500 500, 1500 1500, 500 1500, 500 500))",
        "MULTIPOLYGON(((0 0, 0 100, 100 100, 100 0, 0 0)), ((200 0, 300 0, 300 100, 200 100, 200 0), "
        "(220 20, 280 20, 280 80, 220 80, 220 20)))",
    };
    static const int nrings[] = {2, 2, 3};
    static const int exterior[][3] = {{1, 0, 0}, {1, 0, 0}, {1, 1, 0}};
    for (int i = 0; i < 3; i++) {
        GEOSGeometry *g = clip_tile_wkt(fx, wkts[i]);
        assert_non_null(g);
        double areas[8];
        assert_int_equal(emitted_ring_areas(fx, g, areas, 8), nrings[i]);
        for (int r = 0; r < nrings[i]; r++) {
            if (exterior[i][r])
                assert_true(areas[r] > 0);
            else
                assert_true(areas[r] < 0);
        }
        GEOSGeom_destroy_r(fx->h, g);
    }
}

static void test_outside_tile_is_null(void **state)
{
    fixture *fx = *state;
    /* Far away (rejected on the envelope), and just beyond the 64-unit buffer. */
    assert_null(clip_tile_wkt(fx, "POLYGON((-90000 0, -80000 0, -80000 100, -90000 100, -90000 0))"));
    assert_null(clip_tile_wkt(fx, "POLYGON((4170 100, 4300 100, 4300 200, 4170 200, 4170 100))"));
    assert_null(clip_tile_wkt(fx, "LINESTRING(100 -200, 3000 -100)"));
    assert_null(clip_tile_wkt(fx, "POINT(-100 50)"));
    /* Inside the buffer: kept, for the neighbour's seam. */
    GEOSGeometry *g = clip_tile_wkt(fx, "POLYGON((4100 100, 4150 100, 4150 200, 4100 200, 4100 100))");
    assert_non_null(g);
    GEOSGeom_destroy_r(fx->h, g);
    /* Empty input. */
    GEOSGeometry *empty = lonlat_from_tile_wkt(fx, "POLYGON EMPTY");
    GEOSGeometry *out = (GEOSGeometry *)1;
    assert_int_equal(clip_geom_to_tile(fx->g, empty, &T, &out, NULL), 0);
    assert_null(out);
    GEOSGeom_destroy_r(fx->h, empty);
}

static void test_collapse_and_simplify(void **state)
{
    fixture *fx = *state;
    /* Smaller than a tile unit: nothing left on the integer grid. */
    assert_null(clip_tile_wkt(fx, "POLYGON((10.1 10.1, 10.3 10.1, 10.3 10.3, 10.1 10.3, 10.1 10.1))"));

    /* A wiggly edge (0.2 units) on a square collapses to the square's four corners. */
    char wkt[8192];
    size_t n = (size_t)snprintf(wkt, sizeof wkt, "POLYGON((0 0");
    for (int i = 1; i < 200; i++)
        n += (size_t)snprintf(wkt + n, sizeof wkt - n, ", %d %.1f", i * 10, (i % 2) * 0.2);
    snprintf(wkt + n, sizeof wkt - n, ", 2000 0, 2000 2000, 0 2000, 0 0))");
    GEOSGeometry *g = clip_tile_wkt(fx, wkt);
    assert_non_null(g);
    assert_int_equal(GEOSGetNumCoordinates_r(fx->h, g), 5);
    assert_true(area(fx, g) == 2000.0 * 2000.0);
    GEOSGeom_destroy_r(fx->h, g);
}

static void test_lines_and_points(void **state)
{
    fixture *fx = *state;
    GEOSGeometry *g = clip_tile_wkt(fx, "LINESTRING(-500 2000.3, 4600 2000.3)");
    assert_non_null(g);
    assert_int_equal(GEOSGeomTypeId_r(fx->h, g), GEOS_LINESTRING);
    double xmin, ymin, xmax, ymax;
    envelope(fx, g, &xmin, &ymin, &xmax, &ymax);
    assert_true(xmin == -TILE_BUFFER && xmax == TILE_EXTENT + TILE_BUFFER);
    assert_true(ymin == 2000 && ymax == 2000);
    GEOSGeom_destroy_r(fx->h, g);

    g = clip_tile_wkt(fx, "MULTIPOINT((10.4 20.6), (5000 5000), (4095.5 0.2))");
    assert_non_null(g);
    assert_int_equal(GEOSGetNumGeometries_r(fx->h, g), 2);
    envelope(fx, g, &xmin, &ymin, &xmax, &ymax);
    assert_true(xmin == 10 && ymin == 0 && xmax == 4096 && ymax == 21);
    GEOSGeom_destroy_r(fx->h, g);

    /* A line shorter than half a unit snaps to one point: nothing left. */
    assert_null(clip_tile_wkt(fx, "LINESTRING(100.1 100.1, 100.3 100.2)"));
    g = clip_tile_wkt(fx, "MULTILINESTRING((100.1 100.1, 100.3 100.2), (0 0, 10 0))");
    assert_non_null(g);
    assert_int_equal(GEOSGeomTypeId_r(fx->h, g), GEOS_LINESTRING);
    GEOSGeom_destroy_r(fx->h, g);

    /* A line that leaves and re-enters comes back as two parts. */
    g = clip_tile_wkt(fx, "LINESTRING(100 100, 100 -500, 300 -500, 300 100)");
    assert_non_null(g);
    assert_int_equal(GEOSGeomTypeId_r(fx->h, g), GEOS_MULTILINESTRING);
    assert_int_equal(GEOSGetNumGeometries_r(fx->h, g), 2);
    GEOSGeom_destroy_r(fx->h, g);
}

static void test_wkb_input_and_errors(void **state)
{
    fixture *fx = *state;
    GEOSGeometry *in = lonlat_from_tile_wkt(fx, "POLYGON((0 0, 5000 0, 5000 5000, 0 5000, 0 0))");
    GEOSWKBWriter *w = GEOSWKBWriter_create_r(fx->h);
    size_t len;
    unsigned char *wkb = GEOSWKBWriter_write_r(fx->h, w, in, &len);
    GEOSWKBWriter_destroy_r(fx->h, w);
    GEOSGeometry *out = NULL;
    rm_error err;
    assert_int_equal(clip_wkb_to_tile(fx->g, wkb, len, &T, &out, &err), 0);
    assert_non_null(out);
    assert_true(area(fx, out) == (double)(TILE_EXTENT + TILE_BUFFER) * (TILE_EXTENT + TILE_BUFFER));
    GEOSGeom_destroy_r(fx->h, out);

    /* Truncated WKB: an error with GEOS's own message, nothing printed. */
    rm_error_clear(&err);
    out = (GEOSGeometry *)1;
    assert_int_equal(clip_wkb_to_tile(fx->g, wkb, len / 2, &T, &out, &err), -1);
    assert_null(out);
    assert_int_equal(err.status, 500);
    assert_non_null(strstr(err.detail, "WKB"));
    assert_true(strlen(clip_geos_last_error(fx->g)) > 0);
    assert_non_null(strstr(err.detail, clip_geos_last_error(fx->g)));
    GEOSFree_r(fx->h, wkb);
    GEOSGeom_destroy_r(fx->h, in);
}

static void test_emit_refuses_mixed_types(void **state)
{
    fixture *fx = *state;
    GEOSWKTReader *r = GEOSWKTReader_create_r(fx->h);
    GEOSGeometry *g = GEOSWKTReader_read_r(
        fx->h, r, "GEOMETRYCOLLECTION(POLYGON((0 0, 10 0, 10 10, 0 0)), POINT(5 5))");
    GEOSWKTReader_destroy_r(fx->h, r);
    mvt_tile *t = mvt_tile_create();
    mvt_feature *f = mvt_feature_begin(mvt_layer_begin(t, "x", TILE_EXTENT), 1);
    rm_error err;
    assert_int_equal(clip_emit(fx->g, g, f, &err), -1);
    assert_int_equal(err.status, 500);
    mvt_tile_destroy(t);
    GEOSGeom_destroy_r(fx->h, g);

    /* A pipeline result of a mixed collection keeps its highest dimension only. */
    GEOSGeometry *out = clip_tile_wkt(
        fx, "GEOMETRYCOLLECTION(POLYGON((0 0, 100 0, 100 100, 0 100, 0 0)), POINT(500 500), "
            "LINESTRING(0 0, 900 900))");
    assert_non_null(out);
    assert_int_equal(GEOSGeomTypeId_r(fx->h, out), GEOS_POLYGON);
    GEOSGeom_destroy_r(fx->h, out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_polygon_bigger_than_tile),
        cmocka_unit_test(test_self_intersecting_made_valid),
        cmocka_unit_test(test_winding),
        cmocka_unit_test(test_outside_tile_is_null),
        cmocka_unit_test(test_collapse_and_simplify),
        cmocka_unit_test(test_lines_and_points),
        cmocka_unit_test(test_wkb_input_and_errors),
        cmocka_unit_test(test_emit_refuses_mixed_types),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
