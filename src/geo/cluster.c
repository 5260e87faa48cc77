/*
 * cluster: grid clustering of the points of one tile; see cluster.h for the ownership rule.
 *
 * One pass: each kept point finds its cell's cluster through an open-addressing hash keyed by
 * cell number (sized for the number of points or of cells, whichever is smaller), then the clusters are sorted by cell and the sums turned into means.
 */
#include "geo/cluster.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "geo/tile.h"

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fputs("radmap: out of memory\n", stderr);
        abort();
    }
    return p;
}

static int by_cell(const void *a, const void *b)
{
    uint32_t ca = ((const cluster *)a)->cell, cb = ((const cluster *)b)->cell;
    return ca < cb ? -1 : ca > cb;
}

static uint32_t hash_cell(uint32_t c)
{
    c ^= c >> 16;
    c *= 0x7feb352dU;
    c ^= c >> 15;
    c *= 0x846ca68bU;
    c ^= c >> 16;
    return c;
}

/* The cluster of cell, found through the hash or added (with p as its representative). */
static cluster *find_cell(uint32_t *slots, size_t nslots, cluster *cl, size_t *count, uint32_t cell,
                          const cluster_point *p)
{
    size_t s = hash_cell(cell) & (nslots - 1);
    while (slots[s] && cl[slots[s] - 1].cell != cell)
        s = (s + 1) & (nslots - 1);
    if (slots[s])
        return &cl[slots[s] - 1];
    cluster *c = &cl[(*count)++];
    slots[s] = (uint32_t)*count;
    c->cell = cell;
    c->id = p->id;
    c->index = p->index;
    return c;
}

int cluster_grid(const cluster_point *pts, size_t n, double cell_units, cluster **out, size_t *nout,
                 rm_error *err)
{
    *out = NULL;
    *nout = 0;
    if (!(cell_units >= 1.0 && cell_units <= TILE_EXTENT))
        return rm_error_set(err, 400, "Invalid parameter",
                            "cluster cell size must be from 1 to %d tile units (got %g)",
                            TILE_EXTENT, cell_units);
    if (n == 0)
        return 0;

    uint32_t per_side = (uint32_t)ceil(TILE_EXTENT / cell_units);
    /* No more clusters than points, nor than cells: a low-zoom tile of a million points has 64
     * cells, and tables sized by its points would be megabytes to clear for nothing. */
    size_t most = (uint64_t)per_side * per_side < n ? (size_t)per_side * per_side : n;
    size_t nslots = 16;
    while (nslots < 2 * most)
        nslots *= 2;
    uint32_t *slots = xcalloc(nslots, sizeof *slots); /* 0 = empty, else cluster index + 1 */
    cluster *cl = xcalloc(most, sizeof *cl);
    size_t count = 0;
    /* A cell size that is a power of two has an exact reciprocal: a product instead of a division
     * per point, with the same result. */
    int exp2;
    bool pow2 = frexp(cell_units, &exp2) == 0.5;
    double inv = 1.0 / cell_units;
    /* Points often come in runs of one cell (the point snapshots are in Z order): the last cell's
     * cluster is kept at hand instead of hashing again. */
    uint32_t last_cell = UINT32_MAX;
    cluster *last = NULL;

    for (size_t i = 0; i < n; i++) {
        const cluster_point *p = &pts[i];
        if (!tile_contains(p->x, p->y)) /* also false for NaN */
            continue;
        uint32_t col = (uint32_t)(pow2 ? p->x * inv : p->x / cell_units);
        uint32_t row = (uint32_t)(pow2 ? p->y * inv : p->y / cell_units);
        if (col >= per_side)
            col = per_side - 1;
        if (row >= per_side)
            row = per_side - 1;
        uint32_t cell = row * per_side + col;
        cluster *c = cell == last_cell ? last : find_cell(slots, nslots, cl, &count, cell, p);
        last_cell = cell;
        last = c;
        if (p->id < c->id) {
            c->id = p->id;
            c->index = p->index;
        }
        c->x += p->x; /* sums until the end */
        c->y += p->y;
        c->point_count++;
        if (p->category > 0 && (c->max_category == 0 || p->category < c->max_category))
            c->max_category = p->category;
    }
    free(slots);

    if (count == 0) {
        free(cl);
        return 0;
    }
    qsort(cl, count, sizeof *cl, by_cell);
    for (size_t i = 0; i < count; i++) {
        cl[i].x /= cl[i].point_count;
        cl[i].y /= cl[i].point_count;
    }
    *out = cl;
    *nout = count;
    return 0;
}
