/*
 * pointindex: an in-memory snapshot of a point layer (id, position, IAEA category, visibility)
 * that the clustered zooms of the tile server scan instead of the database.
 *
 * Why: a tile at zoom 6 covers half of Viet Nam; with a million facilities, reading them through
 * SQLite (R*Tree, row decode, the category subquery per row) takes seconds, while scanning 16-byte
 * records sorted by x takes milliseconds. The snapshot is built on first use and again when the
 * day changes (categories decay), and is patched in place, box by box, from the tile_change log
 * (api/changes.c), so it never disagrees with the database a tile request reads.
 *
 * Positions are kept as global Web Mercator units of zoom 16 with a 4096 extent (2^28 per world
 * side, about 15 cm at the equator): exact enough for any clustered zoom.
 * Thread-safe: readers share a read lock; builds and patches prepare the new array outside it and
 * swap under the write lock.
 */
#ifndef RADMAP_POINTINDEX_H
#define RADMAP_POINTINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "db/collection.h"
#include "db/db.h"
#include "geo/cluster.h"
#include "geo/tile.h"

#define POINTINDEX_ZOOM 16 /* global units: 2^(16+12) per world side */

typedef struct pointindex pointindex;

/* An index for collection coll (a point layer). category_prop names the property whose value is
 * the point's category (NULL: none); public_sql is the condition a point must meet to be shown to
 * the public class (NULL: never shown to it). NULL on allocation failure. */
pointindex *pointindex_create(const coll_def *coll, const char *category_prop);
void pointindex_destroy(pointindex *p);

/* Make sure the snapshot exists and is computed for day `today`; builds it from db if not.
 * 0, or -1 with err filled. */
int pointindex_ensure(pointindex *p, db_conn *db, int32_t today, rm_error *err);
/* Re-read the points inside the lon/lat box from db and replace the snapshot's points there
 * (a moved point leaves the box it was in: the change log records both). No-op before the first
 * build. 0 or -1 with err. */
int pointindex_patch(pointindex *p, db_conn *db, double min_lon, double min_lat, double max_lon, double max_lat,
                     rm_error *err);
/* The points of tile t (the tile proper, not its buffer) that class vis may see, in tile-local
 * units, appended to *pts (realloc'ed; *n and *cap updated). Category set to 0 when vis may not
 * see categories. 0 or -1 (only on allocation failure). */
int pointindex_tile_points(pointindex *p, const tile_id *t, vis_class vis, cluster_point **pts, size_t *n,
                           size_t *cap);
/* The lon/lat extent of the points class vis may see (the snapshot must be built). 1 with box
 * filled (rounded outwards to the snapshot's precision), 0 when there is none. */
int pointindex_extent(pointindex *p, vis_class vis, double box[4]);
/* Number of points in the snapshot (0 before it is built). */
size_t pointindex_size(pointindex *p);

#endif
