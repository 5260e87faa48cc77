/*
 * cluster: server-side grid clustering of points for one vector tile.
 *
 * At low zooms the facilities layer would put thousands of symbols on top of each other; the
 * server instead sends one feature per occupied grid cell with the number of points in it and
 * the most dangerous category among them. The grid is aligned to the tile origin and a cell is
 * cell_units tile units square (default CLUSTER_CELL_DEFAULT = TILE_EXTENT / 8 = 512, so 64
 * cells per tile).
 *
 * The rule that keeps clusters consistent across tiles: a cluster belongs to the tile that owns
 * its grid cell. Cells never straddle tiles (a cell size that does not divide TILE_EXTENT leaves
 * a narrower last row and column), so every point is counted in exactly one cluster of exactly
 * one tile. The caller therefore passes the points of the tile proper, positions from
 * tile_lonlat_to_tile() (geo/tile.h), not the buffer around it; points outside
 * [0, TILE_EXTENT) x [0, TILE_EXTENT) are ignored, so a caller that fetched the buffered bbox
 * still gets the right answer. Cells are half-open: a point on a cell edge belongs to the cell on
 * its right (or below).
 *
 * Categories follow IAEA RS-G-1.9: 1 is the most dangerous, 5 the least, 0 means none known.
 * A cluster's max_category is therefore the smallest non-zero category of its members (0 when
 * none has one).
 *
 * O(n): one pass with a hash of occupied cells, then the clusters sorted by cell (row-major), so
 * the output does not depend on the order of the input rows. No state; safe from any thread.
 */
#ifndef RADMAP_CLUSTER_H
#define RADMAP_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define CLUSTER_CELL_DEFAULT 512.0

/* One input point, in tile units of the tile being built (y down). */
typedef struct cluster_point {
    uint64_t id;     /* feature id, e.g. facility id */
    double x, y;     /* tile-local position */
    int category;    /* 1 (most dangerous) .. 5; 0 = none */
    size_t index;    /* the caller's own index (into its arrays of rows), handed back */
} cluster_point;

/* One occupied cell. */
typedef struct cluster {
    double x, y;            /* mean of the members' positions, tile units */
    uint32_t point_count;   /* members, >= 1 */
    int max_category;       /* smallest non-zero member category; 0 if none has one */
    uint64_t id;            /* smallest member id: the representative (and stable feature id) */
    size_t index;           /* the representative's index: with point_count == 1 the caller
                               may emit that point itself instead of a cluster */
    uint32_t cell;          /* row * cells_per_side + column */
} cluster;

/*
 * Cluster the n points of pts into a grid of cell_units (1 .. TILE_EXTENT; pass
 * CLUSTER_CELL_DEFAULT unless there is a reason). Points outside the tile proper, or with NaN
 * positions, are ignored.
 * Result: 0 with *out a malloc'ed array of *nout clusters sorted by cell (free() it; NULL when
 * *nout is 0); -1 when cell_units is out of range, with err (may be NULL) set to 400 naming it.
 */
int cluster_grid(const cluster_point *pts, size_t n, double cell_units, cluster **out, size_t *nout,
                 rm_error *err);

#endif
