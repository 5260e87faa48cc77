/*
 * Unit tests of geo/mvt, the hand-written vector tile encoder.
 *
 * Three kinds of check: bytes worked out by hand from the spec for a tiny tile; a small protobuf
 * walker below (test-only) for structure (dedup tables, geometry commands, winding); and GDAL's
 * MVT driver as an independent decoder, reading a tile written to a temporary file and compared
 * feature by feature (ids, attributes with Vietnamese text, coordinates in EPSG:3857).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <gdal.h>
#include <ogr_api.h>

#include "geo/mvt.h"
#include "geo/tile.h"

/* ---- a minimal protobuf reader, enough for the tile schema --------------------------------- */

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

/* Next field of r: its number, and either a varint/fixed64 value (*v) or a sub-message (*sub). */
static int pb_next(pb *r, unsigned *field, uint64_t *v, pb *sub)
{
    if (r->p >= r->end)
        return 0;
    uint64_t key = pb_varint(r);
    *field = (unsigned)(key >> 3);
    switch (key & 7) {
    case 0:
        *v = pb_varint(r);
        break;
    case 1:
        assert_true(r->end - r->p >= 8);
        memcpy(v, r->p, 8); /* test hosts are little-endian */
        r->p += 8;
        break;
    case 2: {
        uint64_t n = pb_varint(r);
        assert_true((uint64_t)(r->end - r->p) >= n);
        sub->p = r->p;
        sub->end = r->p + n;
        r->p += n;
        break;
    }
    default:
        fail_msg("unexpected wire type %u", (unsigned)(key & 7));
    }
    return 1;
}

#define MAX_ITEMS 20000

/* What the walker gathers about one layer. */
typedef struct layer_info {
    char name[64];
    unsigned nfeatures, nkeys, nvalues, extent, version;
    pb keys[64], values[64];                /* the first 64 of each */
    uint64_t ids[MAX_ITEMS];
    unsigned types[MAX_ITEMS];
    unsigned ntags[MAX_ITEMS];
    uint32_t geom0[512];                    /* geometry of feature 0 */
    unsigned ngeom0;
    uint32_t tags0[64];
    unsigned ntags0;
} layer_info;

static void walk_layer(pb layer, layer_info *li)
{
    unsigned field;
    uint64_t v;
    pb sub;
    memset(li, 0, sizeof *li);
    li->extent = 4096; /* proto default */
    while (pb_next(&layer, &field, &v, &sub)) {
        if (field == 1) {
            size_t n = (size_t)(sub.end - sub.p);
            assert_true(n < sizeof li->name);
            memcpy(li->name, sub.p, n);
        } else if (field == 2) {
            unsigned f2;
            uint64_t v2;
            pb s2;
            unsigned i = li->nfeatures++;
            assert_true(i < MAX_ITEMS);
            while (pb_next(&sub, &f2, &v2, &s2)) {
                if (f2 == 1)
                    li->ids[i] = v2;
                else if (f2 == 3)
                    li->types[i] = (unsigned)v2;
                else if (f2 == 2 || f2 == 4) {
                    while (s2.p < s2.end) {
                        uint32_t x = (uint32_t)pb_varint(&s2);
                        if (f2 == 2) {
                            li->ntags[i]++;
                            if (i == 0 && li->ntags0 < 64)
                                li->tags0[li->ntags0++] = x;
                        } else if (i == 0) {
                            assert_true(li->ngeom0 < 512);
                            li->geom0[li->ngeom0++] = x;
                        }
                    }
                }
            }
        } else if (field == 3) {
            if (li->nkeys < 64)
                li->keys[li->nkeys] = sub;
            li->nkeys++;
        } else if (field == 4) {
            if (li->nvalues < 64)
                li->values[li->nvalues] = sub;
            li->nvalues++;
        } else if (field == 5) {
            li->extent = (unsigned)v;
        } else if (field == 15) {
            li->version = (unsigned)v;
        }
    }
}

/* Walk a whole tile; returns the number of layers, fills up to max of them. */
static unsigned walk_tile(const buf *b, layer_info *layers, unsigned max)
{
    pb r = {(const uint8_t *)b->data, (const uint8_t *)b->data + b->len};
    unsigned field, n = 0;
    uint64_t v;
    pb sub;
    while (pb_next(&r, &field, &v, &sub)) {
        assert_int_equal(field, 3);
        if (n < max)
            walk_layer(sub, &layers[n]);
        n++;
    }
    return n;
}

static int32_t unzigzag(uint32_t v) { return (int32_t)((v >> 1) ^ (~(v & 1) + 1)); }

/*
 * Decode polygon geometry commands into ring areas (twice the signed area by the spec's
 * surveyor formula). Returns the number of rings.
 */
static unsigned ring_areas(const uint32_t *g, unsigned n, double *areas, unsigned max)
{
    int64_t cx = 0, cy = 0;
    int64_t px[256], py[256];
    unsigned np = 0, nrings = 0;
    for (unsigned i = 0; i < n;) {
        unsigned id = g[i] & 7, count = g[i] >> 3;
        i++;
        if (id == 1 || id == 2) {
            for (unsigned k = 0; k < count; k++) {
                cx += unzigzag(g[i++]);
                cy += unzigzag(g[i++]);
                if (id == 1)
                    np = 0;
                assert_true(np < 256);
                px[np] = cx;
                py[np] = cy;
                np++;
            }
        } else if (id == 7) {
            double a = 0;
            for (unsigned k = 0; k < np; k++) {
                unsigned j = (k + 1) % np;
                a += (double)(px[k] * py[j] - px[j] * py[k]);
            }
            assert_true(nrings < max);
            areas[nrings++] = a;
        } else {
            fail_msg("bad command %u", id);
        }
    }
    return nrings;
}

static layer_info *new_info(unsigned n) { return calloc(n, sizeof(layer_info)); }

/* ---- byte-level check ---------------------------------------------------------------------- */

/*
 * One layer "p", extent 4096, one point feature id 1 at (25, 17) with attribute a = 1 (sint).
 * Worked out by hand from vector_tile.proto 2.1 and the geometry encoding rules:
 *   Feature: 08 01           id = 1                  (field 1, varint)
 *            12 02 00 00     tags = [0, 0]           (field 2, packed: key 0, value 0)
 *            18 01           type = POINT            (field 3, varint)
 *            22 03 09 32 22  geometry = [9, 50, 34]  (field 4, packed: MoveTo count 1 = 1|1<<3,
 *                                                     zigzag(25) = 50, zigzag(17) = 34)
 *            -> 13 bytes, written as 12 0d ... in the layer (field 2)
 *   Layer:   0a 01 70        name "p"
 *            12 0d <feature>
 *            1a 01 61        keys "a"
 *            22 02 30 02     values { sint_value (field 6) = zigzag(1) = 2 }
 *            28 80 20        extent 4096 (varint 0x80 0x20)
 *            78 02           version 2 (field 15: 15<<3 = 0x78)
 *            -> 30 bytes
 *   Tile:    1a 1e <layer>   layers (field 3)
 */
static void test_bytes_single_point(void **state)
{
    (void)state;
    static const unsigned char expected[] = {
        0x1a, 0x1e,                                     /* Tile.layers, 30 bytes */
        0x0a, 0x01, 'p',                                /* Layer.name */
        0x12, 0x0d,                                     /* Layer.features, 13 bytes */
        0x08, 0x01,                                     /*   id */
        0x12, 0x02, 0x00, 0x00,                         /*   tags */
        0x18, 0x01,                                     /*   type POINT */
        0x22, 0x03, 0x09, 0x32, 0x22,                   /*   geometry */
        0x1a, 0x01, 'a',                                /* Layer.keys */
        0x22, 0x02, 0x30, 0x02,                         /* Layer.values: sint 1 */
        0x28, 0x80, 0x20,                               /* Layer.extent 4096 */
        0x78, 0x02,                                     /* Layer.version 2 */
    };
    mvt_tile *t = mvt_tile_create();
    mvt_layer *l = mvt_layer_begin(t, "p", 4096);
    mvt_feature *f = mvt_feature_begin(l, 1);
    mvt_feature_add_int(f, "a", 1);
    assert_int_equal(mvt_feature_add_point(f, 25, 17), 0);
    buf out = BUF_INIT;
    assert_int_equal(mvt_tile_finish(t, &out), 1);
    assert_int_equal(out.len, sizeof expected);
    assert_memory_equal(out.data, expected, sizeof expected);
    buf_free(&out);
    mvt_tile_destroy(t);
}

/* ---- empties and rollback ------------------------------------------------------------------ */

static void test_empty_tiles(void **state)
{
    (void)state;
    buf out = BUF_INIT;
    mvt_tile *t = mvt_tile_create();
    assert_int_equal(mvt_tile_finish(t, &out), 0);
    assert_int_equal(out.len, 0);

    mvt_layer *l = mvt_layer_begin(t, "facilities", 4096);
    assert_int_equal(mvt_tile_finish(t, &out), 0);
    assert_int_equal(out.len, 0);

    mvt_feature *f = mvt_feature_begin(l, 5);       /* attributes, no geometry */
    mvt_feature_add_string(f, "name", "x");
    f = mvt_feature_begin(l, 6);
    int32_t one[] = {3, 3, 3, 3};
    mvt_feature_add_line(f, one, 2);                 /* a line of one distinct point */
    f = mvt_feature_begin(l, 7);
    int32_t flat[] = {0, 0, 10, 0, 20, 0};
    mvt_feature_add_ring(f, flat, 3, true);          /* zero-area ring */
    assert_int_equal(mvt_tile_finish(t, &out), 0);
    assert_int_equal(out.len, 0);
    mvt_tile_destroy(t);
    mvt_tile_destroy(NULL);
    buf_free(&out);
}

/* A feature that ends up empty leaves no trace: not even its keys and values. */
static void test_dropped_feature_rolls_back(void **state)
{
    (void)state;
    buf a = BUF_INIT, b = BUF_INIT;
    for (int pass = 0; pass < 2; pass++) {
        mvt_tile *t = mvt_tile_create();
        mvt_layer *l = mvt_layer_begin(t, "facilities", 4096);
        mvt_feature *f = mvt_feature_begin(l, 1);
        mvt_feature_add_string(f, "name", "Bệnh viện Nhi Đồng 1");
        mvt_feature_add_point(f, 10, 10);
        if (pass == 1) {
            f = mvt_feature_begin(l, 2);
            mvt_feature_add_string(f, "name", "dropped");       /* new value */
            mvt_feature_add_int(f, "only_here", 42);             /* new key and value */
            mvt_feature_add_string(f, "name", "Bệnh viện Nhi Đồng 1"); /* old value */
        }
        f = mvt_feature_begin(l, 3);
        mvt_feature_add_double(f, "activity_bq", 3.7e10);
        mvt_feature_add_point(f, 20, 20);
        mvt_tile_finish(t, pass ? &b : &a);
        mvt_tile_destroy(t);
    }
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    buf_free(&a);
    buf_free(&b);
}

static void test_finish_twice_same_bytes(void **state)
{
    (void)state;
    buf a = BUF_INIT, b = BUF_INIT;
    mvt_tile *t = mvt_tile_create();
    mvt_layer *l = mvt_layer_begin(t, "x", 4096);
    mvt_feature *f = mvt_feature_begin(l, 1);
    mvt_feature_add_point(f, 1, 2);
    assert_int_equal(mvt_tile_finish(t, &a), 1);
    assert_int_equal(mvt_tile_finish(t, &b), 1);
    assert_true(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    assert_ptr_equal(mvt_layer_begin(t, "x", 512), l); /* names are unique */
    mvt_tile_destroy(t);
    buf_free(&a);
    buf_free(&b);
}

/* ---- geometry encoding --------------------------------------------------------------------- */

/* Finish and destroy t, and walk its only layer into li (geometry and counts only: the bytes
 * that li->keys and li->values point into are gone afterwards). */
static void finish_one(mvt_tile *t, layer_info *li)
{
    buf out = BUF_INIT;
    mvt_tile_finish(t, &out);
    assert_int_equal(walk_tile(&out, li, 1), 1);
    buf_free(&out);
    mvt_tile_destroy(t);
}

static void test_line_commands(void **state)
{
    (void)state;
    layer_info *li = new_info(1);
    mvt_tile *t = mvt_tile_create();
    mvt_feature *f = mvt_feature_begin(mvt_layer_begin(t, "l", 4096), 1);
    int32_t a[] = {0, 0, 0, 0, 10, 0, 10, 0, 10, 5}; /* repeated points */
    int32_t b[] = {10, 5, 12, 7};
    assert_int_equal(mvt_feature_add_line(f, a, 5), 0);
    assert_int_equal(mvt_feature_add_line(f, b, 2), 0);
    int32_t p[] = {1, 1};
    assert_int_equal(mvt_feature_add_points(f, p, 1), -1); /* one type per feature */
    finish_one(t, li);
    /* MoveTo(1) 0,0  LineTo(2) +10,0 0,+5  MoveTo(1) 0,0  LineTo(1) +2,+2 (cursor carries over) */
    const uint32_t expected[] = {9, 0, 0, 18, 20, 0, 0, 10, 9, 0, 0, 10, 4, 4};
    assert_int_equal(li->types[0], 2);
    assert_int_equal(li->ngeom0, sizeof expected / sizeof expected[0]);
    assert_memory_equal(li->geom0, expected, sizeof expected);
    free(li);
}

static void test_multipoint_one_moveto(void **state)
{
    (void)state;
    layer_info *li = new_info(1);
    mvt_tile *t = mvt_tile_create();
    mvt_feature *f = mvt_feature_begin(mvt_layer_begin(t, "p", 4096), 1);
    mvt_feature_add_point(f, 5, 7);
    mvt_feature_add_point(f, 3, 2);
    finish_one(t, li);
    const uint32_t expected[] = {17, 10, 14, 3, 9}; /* MoveTo(2) +5,+7 -2,-5 */
    assert_int_equal(li->types[0], 1);
    assert_int_equal(li->ngeom0, 5);
    assert_memory_equal(li->geom0, expected, sizeof expected);
    free(li);
}

static void test_ring_winding(void **state)
{
    (void)state;
    for (int flip = 0; flip < 2; flip++) {
        layer_info *li = new_info(1);
        mvt_tile *t = mvt_tile_create();
        mvt_feature *f = mvt_feature_begin(mvt_layer_begin(t, "z", 4096), 1);
        /* Exterior counter-clockwise on screen (negative area), closed; hole clockwise: both
         * the wrong way round, so both must be reversed. With flip, given the right way. */
        int32_t ext[] = {0, 0, 0, 100, 100, 100, 100, 0, 0, 0};
        int32_t hole[] = {20, 20, 80, 20, 80, 80, 20, 80};
        if (flip) {
            int32_t e2[] = {0, 0, 100, 0, 100, 100, 0, 100, 0, 0};
            int32_t h2[] = {20, 20, 20, 80, 80, 80, 80, 20};
            memcpy(ext, e2, sizeof ext);
            memcpy(hole, h2, sizeof hole);
        }
        mvt_feature_add_ring(f, ext, 5, true);
        mvt_feature_add_ring(f, hole, 4, false);
        int32_t tiny[] = {200, 200, 200, 200, 201, 200}; /* degenerate exterior ... */
        mvt_feature_add_ring(f, tiny, 3, true);
        mvt_feature_add_ring(f, hole, 4, false);         /* ... so its hole is dropped too */
        int32_t second[] = {300, 300, 400, 300, 400, 400};
        mvt_feature_add_ring(f, second, 3, true);
        finish_one(t, li);
        double areas[8];
        assert_int_equal(li->types[0], 3);
        unsigned n = ring_areas(li->geom0, li->ngeom0, areas, 8);
        assert_int_equal(n, 3);
        assert_true(areas[0] == 2 * 10000.0);  /* exterior: positive */
        assert_true(areas[1] == -2 * 3600.0);  /* interior: negative */
        assert_true(areas[2] == 2 * 5000.0);   /* second polygon's exterior */
        /* The closing point is not repeated: MoveTo(1) + LineTo(3) + ClosePath per square. */
        assert_int_equal(li->geom0[3], (3u << 3) | 2);
        assert_int_equal(li->geom0[10], (1u << 3) | 7);
        free(li);
    }
}

static void test_coordinate_clamp(void **state)
{
    (void)state;
    layer_info *li = new_info(1);
    mvt_tile *t = mvt_tile_create();
    mvt_feature *f = mvt_feature_begin(mvt_layer_begin(t, "p", 4096), 1);
    int32_t line[] = {INT32_MIN, INT32_MIN, INT32_MAX, INT32_MAX};
    mvt_feature_add_line(f, line, 2);
    finish_one(t, li);
    assert_int_equal(unzigzag(li->geom0[1]), -TILE_COORD_LIMIT);
    assert_int_equal(unzigzag(li->geom0[4]), 2 * TILE_COORD_LIMIT);
    free(li);
}

/* ---- attributes ---------------------------------------------------------------------------- */

static void test_value_types_and_dedup(void **state)
{
    (void)state;
    layer_info *li = new_info(1);
    mvt_tile *t = mvt_tile_create();
    mvt_layer *l = mvt_layer_begin(t, "facilities", 4096);
    for (int i = 0; i < 10000; i++) {
        mvt_feature *f = mvt_feature_begin(l, (uint64_t)i + 1);
        static const char *const kinds[] = {"medical_xray", "nuclear_medicine", "radiotherapy"};
        mvt_feature_add_string(f, "practice", kinds[i % 3]);
        mvt_feature_add_int(f, "category", 5 - i % 5);
        mvt_feature_add_bool(f, "operating", i % 2);
        mvt_feature_add_point(f, i % 4096, i / 4096);
    }
    mvt_feature *f = mvt_feature_begin(l, 20000);
    mvt_feature_add_int(f, "a", 1);
    mvt_feature_add_double(f, "b", 1.0);
    mvt_feature_add_string(f, "c", "1");
    mvt_feature_add_bool(f, "d", true);
    mvt_feature_add_string(f, "e", NULL);           /* no null in MVT: skipped */
    mvt_feature_add_int(f, "a", 2);                  /* same key again: last value wins */
    mvt_feature_add_point(f, 0, 0);
    finish_one(t, li);
    assert_int_equal(li->nfeatures, 10001);
    assert_int_equal(li->ids[0], 1);
    assert_int_equal(li->ids[10000], 20000);
    /* keys: practice category operating a b c d */
    assert_int_equal(li->nkeys, 7);
    /* values: 3 practices, ints 5..1, false/true, then double 1.0 and "1" (ints 1 and 2 are
     * categories already, bool true is operating = true) */
    assert_int_equal(li->nvalues, 3 + 5 + 2 + 2);
    assert_int_equal(li->ntags[10000], 8); /* a b c d: four pairs */
    assert_int_equal(li->version, 2);
    assert_int_equal(li->extent, 4096);
    free(li);
}

static void test_invalid_utf8_replaced(void **state)
{
    (void)state;
    layer_info *li = new_info(1);
    mvt_tile *t = mvt_tile_create();
    mvt_feature *f = mvt_feature_begin(mvt_layer_begin(t, "l\xff", 4096), 1);
    mvt_feature_add_string(f, "k\xc3", "a\xffz\xe1\xba"); /* stray byte, truncated sequences */
    mvt_feature_add_point(f, 0, 0);
    buf out = BUF_INIT; /* li->keys and li->values point into it: keep it until the end */
    mvt_tile_finish(t, &out);
    mvt_tile_destroy(t);
    assert_int_equal(walk_tile(&out, li, 1), 1);
    assert_string_equal(li->name, "l\xef\xbf\xbd");
    assert_int_equal(li->keys[0].end - li->keys[0].p, 4);
    assert_memory_equal(li->keys[0].p, "k\xef\xbf\xbd", 4);
    const char want[] = "\x0a\x0b" "a\xef\xbf\xbdz\xef\xbf\xbd\xef\xbf\xbd";
    assert_int_equal(li->values[0].end - li->values[0].p, sizeof want - 1);
    assert_memory_equal(li->values[0].p, want, sizeof want - 1);
    buf_free(&out);
    free(li);
}

/* ---- GDAL's MVT driver as an independent decoder ------------------------------------------- */

typedef struct site {
    uint64_t id;
    const char *name;
    int category;
    double activity_bq;
    int operating;
    double lon, lat;
} site;

static const site sites[] = {
    {101, "Bệnh viện Chợ Rẫy", 3, 3.7e10, 1, 106.6598, 10.7578},
    {102, "Trung tâm Ung bướu – Khoa Y học hạt nhân", 1, 2.2e14, 1, 106.6852, 10.7850},
    {103, "Công ty TNHH Kiểm định Xây dựng Sài Gòn", 2, 1.85e12, 0, 106.7004, 10.7769},
    {104, "Phòng khám Đa khoa Quận 1 (X-quang nha khoa)", 0, 0.0, 1, 106.6951, 10.7741},
};

/* The z=10 tile holding all sites (zooms 11-13 have a seam at lon 106.699 through them). */
static void sites_tile(tile_id *t) { tile_of_lonlat(10, 106.68, 10.77, t); }

enum { TEMP_PATH_SIZE = 64 };

/* Write b to a fresh file named *.pbf in the working directory and open it with GDAL. */
static GDALDatasetH open_with_gdal(const buf *b, const tile_id *t, char *path, size_t path_size)
{
    snprintf(path, path_size, "test_mvt_XXXXXX.pbf");
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b->data, b->len), (ssize_t)b->len);
    close(fd);
    char ox[32], oy[32], oz[32];
    snprintf(ox, sizeof ox, "X=%u", t->x);
    snprintf(oy, sizeof oy, "Y=%u", t->y);
    snprintf(oz, sizeof oz, "Z=%u", t->z);
    const char *const options[] = {ox, oy, oz, NULL};
    const char *const drivers[] = {"MVT", NULL};
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, options, NULL);
    assert_non_null(ds);
    return ds;
}

static double tile_unit_m(const tile_id *t)
{
    tile_bounds m;
    tile_bounds_merc(t, &m);
    return (m.xmax - m.xmin) / TILE_EXTENT;
}

static void test_gdal_points(void **state)
{
    char *path = *state; /* removed by teardown_file, even when an assertion fails */
    tile_id t;
    sites_tile(&t);
    mvt_tile *mt = mvt_tile_create();
    mvt_layer *l = mvt_layer_begin(mt, "facilities", TILE_EXTENT);
    size_t n = sizeof sites / sizeof sites[0];
    for (size_t i = 0; i < n; i++) {
        const site *s = &sites[i];
        double tx, ty;
        tile_lonlat_to_tile(&t, s->lon, s->lat, &tx, &ty);
        assert_true(tile_contains(tx, ty));
        mvt_feature *f = mvt_feature_begin(l, s->id);
        mvt_feature_add_string(f, "name", s->name);
        mvt_feature_add_int(f, "category", s->category);
        mvt_feature_add_double(f, "activity_bq", s->activity_bq);
        mvt_feature_add_bool(f, "operating", s->operating);
        mvt_feature_add_string(f, "phường", "Bến Thành");
        mvt_feature_add_point(f, tile_round(tx), tile_round(ty));
    }
    buf out = BUF_INIT;
    assert_int_equal(mvt_tile_finish(mt, &out), n);
    mvt_tile_destroy(mt);

    GDALDatasetH ds = open_with_gdal(&out, &t, path, TEMP_PATH_SIZE);
    assert_int_equal(GDALDatasetGetLayerCount(ds), 1);
    OGRLayerH gl = GDALDatasetGetLayerByName(ds, "facilities");
    assert_non_null(gl);
    assert_int_equal(OGR_L_GetFeatureCount(gl, 1), n);
    OGR_L_ResetReading(gl);
    double unit = tile_unit_m(&t);
    for (size_t i = 0; i < n; i++) {
        const site *s = &sites[i];
        OGRFeatureH f = OGR_L_GetNextFeature(gl);
        assert_non_null(f);
        assert_int_equal(OGR_F_GetFieldAsInteger64(f, OGR_F_GetFieldIndex(f, "mvt_id")), s->id);
        assert_string_equal(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "name")), s->name);
        assert_string_equal(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "phường")),
                            "Bến Thành");
        assert_int_equal(OGR_F_GetFieldAsInteger64(f, OGR_F_GetFieldIndex(f, "category")),
                         s->category);
        assert_true(OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "activity_bq")) ==
                    s->activity_bq);
        assert_int_equal(OGR_F_GetFieldAsInteger(f, OGR_F_GetFieldIndex(f, "operating")),
                         s->operating);
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        assert_non_null(g);
        assert_int_equal(wkbFlatten(OGR_G_GetGeometryType(g)), wkbPoint);
        double mx, my;
        tile_lonlat_to_merc(s->lon, s->lat, &mx, &my);
        assert_true(fabs(OGR_G_GetX(g, 0) - mx) <= unit);
        assert_true(fabs(OGR_G_GetY(g, 0) - my) <= unit);
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    buf_free(&out);
}

/* A polygon with a hole and a line, in lon/lat, through the same tile maths. */
static void test_gdal_polygon_and_line(void **state)
{
    char *path = *state; /* removed by teardown_file, even when an assertion fails */
    tile_id t;
    sites_tile(&t);
    /* counter-clockwise on the map (lon/lat, y up): becomes clockwise on screen, as MVT wants */
    const double ext[][2] = {{106.66, 10.75}, {106.70, 10.75}, {106.70, 10.79}, {106.66, 10.79}};
    const double hole[][2] = {{106.67, 10.76}, {106.67, 10.78}, {106.69, 10.78}, {106.69, 10.76}};
    const double line[][2] = {{106.661, 10.751}, {106.68, 10.77}, {106.699, 10.752}};
    int32_t e[8], h[8], ln[6];
    for (int i = 0; i < 4; i++) {
        double x, y;
        tile_lonlat_to_tile(&t, ext[i][0], ext[i][1], &x, &y);
        e[2 * i] = tile_round(x), e[2 * i + 1] = tile_round(y);
        tile_lonlat_to_tile(&t, hole[i][0], hole[i][1], &x, &y);
        h[2 * i] = tile_round(x), h[2 * i + 1] = tile_round(y);
        if (i < 3) {
            tile_lonlat_to_tile(&t, line[i][0], line[i][1], &x, &y);
            ln[2 * i] = tile_round(x), ln[2 * i + 1] = tile_round(y);
        }
    }
    mvt_tile *mt = mvt_tile_create();
    mvt_feature *f = mvt_feature_begin(mvt_layer_begin(mt, "vùng", TILE_EXTENT), 7);
    mvt_feature_add_string(f, "tên", "Vùng kiểm soát");
    mvt_feature_add_ring(f, e, 4, true);
    mvt_feature_add_ring(f, h, 4, false);
    f = mvt_feature_begin(mvt_layer_begin(mt, "tuyến", TILE_EXTENT), 8);
    mvt_feature_add_line(f, ln, 3);
    mvt_layer_begin(mt, "empty", TILE_EXTENT);
    buf out = BUF_INIT;
    assert_int_equal(mvt_tile_finish(mt, &out), 2);
    mvt_tile_destroy(mt);

    GDALDatasetH ds = open_with_gdal(&out, &t, path, TEMP_PATH_SIZE);
    assert_int_equal(GDALDatasetGetLayerCount(ds), 2); /* the empty layer is omitted */
    double unit = tile_unit_m(&t);

    OGRLayerH gl = GDALDatasetGetLayerByName(ds, "vùng");
    assert_non_null(gl);
    OGR_L_ResetReading(gl);
    OGRFeatureH gf = OGR_L_GetNextFeature(gl);
    assert_non_null(gf);
    assert_int_equal(OGR_F_GetFieldAsInteger64(gf, OGR_F_GetFieldIndex(gf, "mvt_id")), 7);
    assert_string_equal(OGR_F_GetFieldAsString(gf, OGR_F_GetFieldIndex(gf, "tên")),
                        "Vùng kiểm soát");
    OGRGeometryH g = OGR_F_GetGeometryRef(gf);
    if (wkbFlatten(OGR_G_GetGeometryType(g)) == wkbMultiPolygon) {
        assert_int_equal(OGR_G_GetGeometryCount(g), 1); /* one polygon: winding read right */
        g = OGR_G_GetGeometryRef(g, 0);
    }
    assert_int_equal(wkbFlatten(OGR_G_GetGeometryType(g)), wkbPolygon);
    assert_int_equal(OGR_G_GetGeometryCount(g), 2); /* exterior + one hole */
    for (int r = 0; r < 2; r++) {
        OGRGeometryH ring = OGR_G_GetGeometryRef(g, r);
        const double(*want)[2] = r ? hole : ext;
        assert_int_equal(OGR_G_GetPointCount(ring), 5);
        /* every expected corner is a vertex of the ring, within one tile unit */
        for (int k = 0; k < 4; k++) {
            double mx, my;
            int found = 0;
            tile_lonlat_to_merc(want[k][0], want[k][1], &mx, &my);
            for (int p = 0; p < 5; p++)
                if (fabs(OGR_G_GetX(ring, p) - mx) <= unit && fabs(OGR_G_GetY(ring, p) - my) <= unit)
                    found = 1;
            assert_true(found);
        }
    }
    OGR_F_Destroy(gf);
    assert_null(OGR_L_GetNextFeature(gl));

    gl = GDALDatasetGetLayerByName(ds, "tuyến");
    assert_non_null(gl);
    OGR_L_ResetReading(gl);
    gf = OGR_L_GetNextFeature(gl);
    g = OGR_F_GetGeometryRef(gf);
    assert_int_equal(wkbFlatten(OGR_G_GetGeometryType(g)), wkbLineString);
    assert_int_equal(OGR_G_GetPointCount(g), 3);
    for (int p = 0; p < 3; p++) {
        double mx, my;
        tile_lonlat_to_merc(line[p][0], line[p][1], &mx, &my);
        assert_true(fabs(OGR_G_GetX(g, p) - mx) <= unit && fabs(OGR_G_GetY(g, p) - my) <= unit);
    }
    OGR_F_Destroy(gf);
    GDALClose(ds);
    buf_free(&out);
}

/* Many features through GDAL: the dedup tables must still index the right values. */
static void test_gdal_many_features(void **state)
{
    char *path = *state; /* removed by teardown_file, even when an assertion fails */
    tile_id t = {14, 13047, 7698};
    mvt_tile *mt = mvt_tile_create();
    mvt_layer *l = mvt_layer_begin(mt, "sources", TILE_EXTENT);
    static const char *const nuclides[] = {"Cs-137", "Co-60", "Ir-192", "Am-241/Be", "Tc-99m"};
    enum { N = 12000 };
    for (int i = 0; i < N; i++) {
        mvt_feature *f = mvt_feature_begin(l, (uint64_t)i * 3 + 1);
        mvt_feature_add_string(f, "nuclide", nuclides[i % 5]);
        mvt_feature_add_int(f, "serial", i);
        mvt_feature_add_point(f, (i * 7) % 4096, (i * 13) % 4096);
    }
    buf out = BUF_INIT;
    assert_int_equal(mvt_tile_finish(mt, &out), N);
    mvt_tile_destroy(mt);
    GDALDatasetH ds = open_with_gdal(&out, &t, path, TEMP_PATH_SIZE);
    OGRLayerH gl = GDALDatasetGetLayerByName(ds, "sources");
    assert_int_equal(OGR_L_GetFeatureCount(gl, 1), N);
    OGR_L_ResetReading(gl);
    OGRFeatureH f;
    int i = 0;
    double unit = tile_unit_m(&t);
    while ((f = OGR_L_GetNextFeature(gl)) != NULL) {
        assert_int_equal(OGR_F_GetFieldAsInteger64(f, OGR_F_GetFieldIndex(f, "mvt_id")),
                         (int64_t)i * 3 + 1);
        assert_string_equal(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "nuclide")),
                            nuclides[i % 5]);
        assert_int_equal(OGR_F_GetFieldAsInteger64(f, OGR_F_GetFieldIndex(f, "serial")), i);
        double mx, my;
        tile_tile_to_merc(&t, (i * 7) % 4096, (i * 13) % 4096, &mx, &my);
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        assert_true(fabs(OGR_G_GetX(g, 0) - mx) <= unit && fabs(OGR_G_GetY(g, 0) - my) <= unit);
        OGR_F_Destroy(f);
        i++;
    }
    assert_int_equal(i, N);
    GDALClose(ds);
    buf_free(&out);
}

static int setup_file(void **state)
{
    *state = calloc(1, TEMP_PATH_SIZE);
    return *state ? 0 : -1;
}

static int teardown_file(void **state)
{
    char *path = *state;
    if (path[0])
        unlink(path);
    free(path);
    return 0;
}

static int setup_gdal(void **state)
{
    (void)state;
    GDALAllRegister();
    return 0;
}

static int teardown_gdal(void **state)
{
    (void)state;
    GDALDestroyDriverManager();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes_single_point),
        cmocka_unit_test(test_empty_tiles),
        cmocka_unit_test(test_dropped_feature_rolls_back),
        cmocka_unit_test(test_finish_twice_same_bytes),
        cmocka_unit_test(test_line_commands),
        cmocka_unit_test(test_multipoint_one_moveto),
        cmocka_unit_test(test_ring_winding),
        cmocka_unit_test(test_coordinate_clamp),
        cmocka_unit_test(test_value_types_and_dedup),
        cmocka_unit_test(test_invalid_utf8_replaced),
        cmocka_unit_test_setup_teardown(test_gdal_points, setup_file, teardown_file),
        cmocka_unit_test_setup_teardown(test_gdal_polygon_and_line, setup_file, teardown_file),
        cmocka_unit_test_setup_teardown(test_gdal_many_features, setup_file, teardown_file),
    };
    return cmocka_run_group_tests(tests, setup_gdal, teardown_gdal);
}
