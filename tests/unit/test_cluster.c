/*
 * Unit tests of geo/cluster: counts add up, cell edges, category aggregation, representatives,
 * independence from input order, and the rule that a point is clustered in exactly one tile.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "geo/cluster.h"
#include "geo/tile.h"

/* A small deterministic generator (xorshift64*), so runs are reproducible. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static double uniform(uint64_t *s, double lo, double hi)
{
    return lo + (hi - lo) * (double)(next_random(s) >> 11) / 9007199254740992.0;
}

static void test_counts_sum_to_inputs(void **state)
{
    (void)state;
    enum { N = 10000 };
    cluster_point *pts = calloc(N, sizeof *pts);
    uint64_t seed = 42;
    for (size_t i = 0; i < N; i++) {
        pts[i].id = 1000 + i;
        pts[i].x = uniform(&seed, 0, TILE_EXTENT);
        pts[i].y = uniform(&seed, 0, TILE_EXTENT / 3.0); /* leave some cells empty */
        pts[i].category = (int)(next_random(&seed) % 6);
        pts[i].index = i;
    }
    cluster *cl;
    size_t n;
    assert_int_equal(cluster_grid(pts, N, CLUSTER_CELL_DEFAULT, &cl, &n, NULL), 0);
    assert_true(n > 0 && n <= 64);
    assert_int_equal(n, 8 * 3); /* three of eight rows are occupied */
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        total += cl[i].point_count;
        if (i)
            assert_true(cl[i - 1].cell < cl[i].cell); /* sorted, one per cell */
        uint32_t col = cl[i].cell % 8, row = cl[i].cell / 8;
        /* the mean lies in its own cell */
        assert_true(cl[i].x >= col * 512.0 && cl[i].x < (col + 1) * 512.0);
        assert_true(cl[i].y >= row * 512.0 && cl[i].y < (row + 1) * 512.0);
        assert_true(cl[i].max_category >= 0 && cl[i].max_category <= 5);
        assert_int_equal(cl[i].id, pts[cl[i].index].id);
    }
    assert_int_equal(total, N);
    free(cl);
    free(pts);
}

static void test_cell_edges(void **state)
{
    (void)state;
    const cluster_point pts[] = {
        {1, 0.0, 0.0, 0, 0},          /* origin: cell 0 */
        {2, 511.999, 100, 0, 1},      /* just left of the edge: cell 0 */
        {3, 512.0, 100, 0, 2},        /* on the edge: the cell to the right */
        {4, 100, 512.0, 0, 3},        /* on the edge: the cell below */
        {5, 4095.999, 4095.999, 0, 4}, /* last cell */
        {6, 4096.0, 10, 0, 5},        /* the next tile's: ignored */
        {7, 10, -0.001, 0, 6},        /* the tile above's: ignored */
        {8, NAN, 10, 0, 7},           /* garbage: ignored */
        {9, -0.0, 3.0, 0, 8},         /* negative zero is zero: cell 0 */
    };
    cluster *cl;
    size_t n;
    assert_int_equal(cluster_grid(pts, sizeof pts / sizeof pts[0], 512, &cl, &n, NULL), 0);
    assert_int_equal(n, 4);
    assert_int_equal(cl[0].cell, 0);
    assert_int_equal(cl[0].point_count, 3);
    assert_int_equal(cl[1].cell, 1);
    assert_int_equal(cl[1].point_count, 1);
    assert_int_equal(cl[1].id, 3);
    assert_int_equal(cl[1].index, 2);
    assert_int_equal(cl[2].cell, 8);
    assert_int_equal(cl[2].id, 4);
    assert_int_equal(cl[3].cell, 63);
    assert_int_equal(cl[3].id, 5);
    free(cl);
}

static void test_category_and_representative(void **state)
{
    (void)state;
    const cluster_point pts[] = {
        /* cell 0: categories 0, 3, 2, 0 -> 2 (smaller is more dangerous), smallest id 5 */
        {9, 10, 10, 0, 0}, {5, 20, 30, 3, 1}, {7, 30, 20, 2, 2}, {11, 40, 40, 0, 3},
        /* cell 1: no category known -> 0 */
        {20, 600, 10, 0, 4}, {21, 700, 10, 0, 5},
        /* cell 2: 5 and 1 -> 1 */
        {30, 1100, 10, 5, 6}, {31, 1200, 10, 1, 7},
    };
    cluster *cl;
    size_t n;
    assert_int_equal(cluster_grid(pts, 8, CLUSTER_CELL_DEFAULT, &cl, &n, NULL), 0);
    assert_int_equal(n, 3);
    assert_int_equal(cl[0].max_category, 2);
    assert_int_equal(cl[0].point_count, 4);
    assert_int_equal(cl[0].id, 5);
    assert_int_equal(cl[0].index, 1);
    assert_true(fabs(cl[0].x - 25.0) < 1e-12 && fabs(cl[0].y - 25.0) < 1e-12);
    assert_int_equal(cl[1].max_category, 0);
    assert_true(fabs(cl[1].x - 650.0) < 1e-12);
    assert_int_equal(cl[2].max_category, 1);
    free(cl);
}

/* Two clusterings of the same points agree cluster by cluster (centres within eps). */
static void assert_same_clusters(const cluster *ca, size_t na, const cluster *cb, size_t nb, double eps)
{
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_int_equal(ca[i].cell, cb[i].cell);
        assert_int_equal(ca[i].point_count, cb[i].point_count);
        assert_int_equal(ca[i].id, cb[i].id);
        assert_int_equal(ca[i].max_category, cb[i].max_category);
        assert_true(fabs(ca[i].x - cb[i].x) < eps && fabs(ca[i].y - cb[i].y) < eps);
    }
}

static void test_input_order_does_not_matter(void **state)
{
    (void)state;
    enum { N = 2000 };
    cluster_point *a = calloc(N, sizeof *a), *b = calloc(N, sizeof *b);
    uint64_t seed = 7;
    for (size_t i = 0; i < N; i++) {
        a[i] = (cluster_point){i + 1, uniform(&seed, 0, 4096), uniform(&seed, 0, 4096),
                               (int)(i % 6), i};
        b[N - 1 - i] = a[i];
    }
    cluster *ca, *cb;
    size_t na, nb;
    assert_int_equal(cluster_grid(a, N, 300, &ca, &na, NULL), 0); /* 300 does not divide 4096 */
    assert_int_equal(cluster_grid(b, N, 300, &cb, &nb, NULL), 0);
    assert_same_clusters(ca, na, cb, nb, 1e-9);
    for (size_t i = 0; i < na; i++)
        assert_true(ca[i].cell < 14 * 14); /* ceil(4096 / 300) = 14 cells a side */
    free(ca);
    free(cb);
    free(a);
    free(b);
}

static int by_y_then_x(const void *a, const void *b)
{
    const cluster_point *p = a, *q = b;
    if (p->y != q->y)
        return p->y < q->y ? -1 : 1;
    return (p->x > q->x) - (p->x < q->x);
}

/* Points in runs of one cell (as the Z-ordered snapshots give them) and the same points shuffled
 * cluster alike, for a cell size that is a power of two and one that is not. */
static void test_runs_of_one_cell(void **state)
{
    (void)state;
    enum { N = 20000 };
    static const double cells[] = {512, 300, 64};
    for (size_t k = 0; k < sizeof cells / sizeof cells[0]; k++) {
        cluster_point *a = calloc(N, sizeof *a), *b = calloc(N, sizeof *b);
        uint64_t seed = 99 + k;
        for (size_t i = 0; i < N; i++) {
            a[i] = (cluster_point){(uint64_t)(i * 7919 % N) + 1, uniform(&seed, 0, 4096),
                                   floor(uniform(&seed, 0, 16)) * 256, (int)(i % 6), i};
            b[i] = a[i];
        }
        qsort(a, N, sizeof *a, by_y_then_x); /* long runs in one row of cells */
        for (size_t i = N - 1; i > 0; i--) { /* then shuffle b */
            size_t j = (size_t)(next_random(&seed) % (i + 1));
            cluster_point t = b[i];
            b[i] = b[j];
            b[j] = t;
        }
        for (size_t i = 0; i < N; i++)
            a[i].index = i, b[i].index = i;
        cluster *ca, *cb;
        size_t na, nb;
        assert_int_equal(cluster_grid(a, N, cells[k], &ca, &na, NULL), 0);
        assert_int_equal(cluster_grid(b, N, cells[k], &cb, &nb, NULL), 0);
        assert_same_clusters(ca, na, cb, nb, 1e-6);
        size_t total = 0;
        for (size_t i = 0; i < na; i++) {
            assert_int_equal(a[ca[i].index].id, ca[i].id);
            assert_int_equal(b[cb[i].index].id, cb[i].id);
            total += ca[i].point_count;
        }
        assert_int_equal(total, N);
        /* each point's cell, computed by division, has a cluster */
        for (size_t i = 0; i < N; i++) {
            uint32_t side = (uint32_t)ceil(4096 / cells[k]);
            uint32_t col = (uint32_t)(a[i].x / cells[k]), row = (uint32_t)(a[i].y / cells[k]);
            if (col >= side) col = side - 1;
            if (row >= side) row = side - 1;
            bool found = false;
            for (size_t j = 0; j < na && !found; j++)
                found = ca[j].cell == row * side + col;
            assert_true(found);
        }
        free(ca);
        free(cb);
        free(a);
        free(b);
    }
}

static void test_cell_size_range(void **state)
{
    (void)state;
    cluster_point p = {1, 5, 5, 0, 0};
    cluster sentinel;
    cluster *cl = &sentinel;
    size_t n = 99;
    rm_error err;
    assert_int_equal(cluster_grid(&p, 1, 0, &cl, &n, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.detail, "cluster cell size must be from 1 to 4096 tile units (got 0)");
    assert_null(cl);
    assert_int_equal(n, 0);
    assert_int_equal(cluster_grid(&p, 1, 4097, &cl, &n, &err), -1);
    assert_int_equal(cluster_grid(&p, 1, NAN, &cl, &n, &err), -1);

    /* One cell for the whole tile; and the smallest cells, far more cells than points. */
    assert_int_equal(cluster_grid(&p, 1, 4096, &cl, &n, &err), 0);
    assert_int_equal(n, 1);
    free(cl);
    assert_int_equal(cluster_grid(&p, 1, 1, &cl, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(cl[0].cell, 5 * 4096 + 5);
    free(cl);
    assert_int_equal(cluster_grid(NULL, 0, 512, &cl, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_null(cl);
}

/*
 * The ownership rule end to end: points scattered over four neighbouring tiles, each tile
 * clustering everything its buffered bbox query would return. Every point is counted once.
 */
static void test_each_point_in_one_tile(void **state)
{
    (void)state;
    enum { N = 5000 };
    tile_id base;
    tile_of_lonlat(12, 106.70, 10.78, &base);
    tile_bounds nw, se;
    tile_id far = {base.z, base.x + 1, base.y + 1};
    tile_bounds_lonlat(&base, &nw);
    tile_bounds_lonlat(&far, &se);
    double lons[N], lats[N];
    uint64_t seed = 99;
    for (size_t i = 0; i < N; i++) {
        lons[i] = uniform(&seed, nw.xmin, se.xmax);
        lats[i] = uniform(&seed, se.ymin, nw.ymax);
    }
    /* Points exactly on the seams and the shared corner. */
    lons[0] = se.xmin, lats[0] = nw.ymin;
    lons[1] = se.xmin, lats[1] = (nw.ymin + nw.ymax) / 2;
    lons[2] = (nw.xmin + nw.xmax) / 2, lats[2] = nw.ymin;

    size_t total = 0;
    cluster_point *pts = calloc(N, sizeof *pts);
    for (uint32_t dx = 0; dx < 2; dx++) {
        for (uint32_t dy = 0; dy < 2; dy++) {
            tile_id t = {base.z, base.x + dx, base.y + dy};
            tile_bounds q;
            tile_bounds_lonlat_buffered(&t, TILE_BUFFER, &q);
            size_t n = 0;
            for (size_t i = 0; i < N; i++) {
                if (lons[i] < q.xmin || lons[i] > q.xmax || lats[i] < q.ymin || lats[i] > q.ymax)
                    continue;
                tile_lonlat_to_tile(&t, lons[i], lats[i], &pts[n].x, &pts[n].y);
                pts[n].id = i + 1;
                pts[n].index = i;
                n++;
            }
            cluster *cl;
            size_t nc;
            assert_int_equal(cluster_grid(pts, n, CLUSTER_CELL_DEFAULT, &cl, &nc, NULL), 0);
            for (size_t k = 0; k < nc; k++)
                total += cl[k].point_count;
            free(cl);
        }
    }
    assert_int_equal(total, N);
    free(pts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_sum_to_inputs),
        cmocka_unit_test(test_cell_edges),
        cmocka_unit_test(test_category_and_representative),
        cmocka_unit_test(test_input_order_does_not_matter),
        cmocka_unit_test(test_runs_of_one_cell),
        cmocka_unit_test(test_cell_size_range),
        cmocka_unit_test(test_each_point_in_one_tile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
