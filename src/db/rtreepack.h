/*
 * rtreepack: filling an empty SpatiaLite R*Tree with many points at once. Inserting points one by
 * one rewrites R*Tree nodes again and again; packing them Sort-Tile-Recursive straight into the
 * tree's shadow tables (%_node, %_parent, %_rowid, in the on-disk format documented at the top of
 * SQLite's ext/rtree/rtree.c) writes each node once. This is the loader of a large import into an
 * empty layer; db/demo.c packs the demo city the same way.
 */
#ifndef RADMAP_DB_RTREEPACK_H
#define RADMAP_DB_RTREEPACK_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "db/db.h"

typedef struct rtree_point {
    int64_t id;
    double x, y;
} rtree_point;

/* Whether the R*Tree named rtree (a virtual table of c) is empty and its shadow tables writable
 * (not in defensive mode): 1 yes, 0 no. */
int rtreepack_possible(db_conn *c, const char *rtree);
/* Pack pts[0..n) (reordered) into the empty R*Tree rtree, inside the caller's transaction.
 * 0, or -1 with err. */
int rtreepack_points(db_conn *c, const char *rtree, rtree_point *pts, size_t n, rm_error *err);

#endif
