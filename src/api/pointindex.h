/*
 * pointindex: an in-memory snapshot of a point layer (id, position, IAEA category, visibility, and
 * the attributes its tiles carry) from which the tile server builds every tile of the layer
 * instead of querying the database.
 *
 * Why: a tile at zoom 6 covers half of Viet Nam; with a million facilities, reading them through
 * SQLite (R*Tree, row decode, the category subquery per row) takes seconds, while scanning 20-byte
 * records sorted by x takes milliseconds. From the cluster zoom on, a tile's features carry
 * attributes derived per row by subqueries (licence status, next inspection, compliance,
 * enforcement ...): computed once per day for the whole layer, in one query, they cost a copy per
 * feature instead of a dozen index look-ups. The snapshot is built on first use and again when the
 * day changes (categories decay, statuses turn with the date: the day is part of its key), and is
 * patched box by box from the tile_change log (api/state.h), so it never disagrees with the
 * database a tile request reads. In the server the attributes are computed by a background thread
 * (a minute for a million facilities, where the positions take a second): until they are there,
 * the snapshot holds positions only and tiles read attributes from the database as they did
 * before; changes that arrive during that build are applied to its result before it is published.
 *
 * Positions are kept as global Web Mercator units of zoom 16 with a 4096 extent (2^28 per world
 * side, about 15 cm at the equator), which decide tile and cell ownership, and as the exact
 * lon/lat, which decide a feature's position and whether it lies in a tile's buffered box exactly as
 * the SQL bbox query of the items API does.
 *
 * Thread-safe: a snapshot is immutable once published; readers take a reference
 * (pointindex_acquire) and read without a lock while builds and patches prepare a new snapshot and
 * publish it; the last reference frees the old one.
 */
#ifndef RADMAP_POINTINDEX_H
#define RADMAP_POINTINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "db/collection.h"
#include "db/db.h"
#include "geo/cluster.h"
#include "geo/mvt.h"
#include "geo/tile.h"

#define POINTINDEX_ZOOM 16     /* global units: 2^(16+12) per world side */
#define POINTINDEX_MAX_ATTRS 32

typedef struct pointindex pointindex;
/* One published version of the snapshot (opaque; see pointindex_acquire). */
typedef struct pointindex_snap pointindex_snap;

/* An index for collection coll (a point layer). category_prop names the property whose value is
 * the point's category (NULL: none). The attributes carried are those the collection's tile layer
 * shows (api/tilebuild.h, tilebuild_attrs_of). NULL on allocation failure. */
pointindex *pointindex_create(const coll_def *coll, const char *category_prop);
/* Stops a background build first (and waits for it). */
void pointindex_destroy(pointindex *p);
/* Tell a background build to stop, without waiting: one build runs at a time in the process, so
 * stop every index before destroying any. */
void pointindex_stop(pointindex *p);
/* Build the attributes in a background thread on its own connection to db_path (kept, not copied)
 * instead of in pointindex_ensure: ensure then reads the positions alone, and snapshots without
 * attributes (pointindex_snap_has_attrs) are published until the attributes are there. For the
 * server, whose requests must not wait a minute for a million rows; call before the first ensure. */
void pointindex_build_in_background(pointindex *p, const char *db_path);

/* Make sure the snapshot exists and is computed for day `today`; builds it from db if not.
 * 0, or -1 with err filled. */
int pointindex_ensure(pointindex *p, db_conn *db, int32_t today, rm_error *err);
/* Re-read the points inside the lon/lat box from db and replace the snapshot's points there
 * (a moved point leaves the box it was in: the change log records both). No-op before the first
 * build. 0 or -1 with err. */
int pointindex_patch(pointindex *p, db_conn *db, double min_lon, double min_lat, double max_lon, double max_lat,
                     rm_error *err);

/* The current snapshot with a reference taken (NULL before the first build); give it back with
 * pointindex_release(). Indices handed out by the functions below are valid for that snapshot. */
pointindex_snap *pointindex_acquire(pointindex *p);
void pointindex_release(pointindex_snap *s);
/* The day the snapshot was computed for. */
int32_t pointindex_snap_day(const pointindex_snap *s);
/* Whether its points carry their attributes (always, unless built in the background and not done). */
bool pointindex_snap_has_attrs(const pointindex_snap *s);
/* Number of points in the snapshot; indices run from 0 to that number - 1. */
size_t pointindex_snap_count(const pointindex_snap *s);
/* A search structure another module derives from one snapshot (the nearest-neighbour tree of
 * api/proximity_snap.c), kept with it and destroyed with it, by destroy(aux), when its last
 * reference goes: the snapshot itself stays immutable, the structure is built once per snapshot.
 * pointindex_snap_aux: NULL until set. pointindex_snap_set_aux: true when aux now belongs to the
 * snapshot; false when one was set already (the caller keeps aux and frees it). */
void *pointindex_snap_aux(pointindex_snap *s);
bool pointindex_snap_set_aux(pointindex_snap *s, void *aux, void (*destroy)(void *aux));

/* The points of tile t (the tile proper, not its buffer) that class vis may see, in tile-local
 * units from the global position (which decides ownership, geo/cluster.h), appended to *pts
 * (realloc'ed; *n and *cap updated); index is the point's index in s. Category set to 0 when vis
 * may not see categories. 0 or -1 (only on allocation failure). */
int pointindex_tile_points(const pointindex_snap *s, const tile_id *t, vis_class vis, cluster_point **pts,
                           size_t *n, size_t *cap);
/* The points that class vis may see whose lon/lat lie in box (min_lon, min_lat, max_lon, max_lat,
 * bounds included: the tile's buffered box, as the SQL bbox test), positions in tile-local units
 * of t from the exact lon/lat, appended as above. t must be the tile the box was made from. */
int pointindex_box_points(const pointindex_snap *s, const tile_id *t, const double box[4], vis_class vis,
                          cluster_point **pts, size_t *n, size_t *cap);
/* The exact lon/lat of point index. */
void pointindex_point_lonlat(const pointindex_snap *s, size_t index, double *lon, double *lat);
/* The row id of point index. */
int64_t pointindex_point_id(const pointindex_snap *s, size_t index);
/* Add the attributes of point index that class vis may see to f, in the order of the layer's list
 * (a NULL value is left out: MVT has no null). */
void pointindex_point_attrs(const pointindex *p, const pointindex_snap *s, size_t index, vis_class vis,
                            mvt_feature *f);

/* The lon/lat extent of the points class vis may see (the snapshot must be built). 1 with box
 * filled (rounded outwards to the snapshot's precision), 0 when there is none. */
int pointindex_extent(pointindex *p, vis_class vis, double box[4]);
/* Number of points in the snapshot (0 before it is built). */
size_t pointindex_size(pointindex *p);
/* Bytes the current snapshot holds (points and attribute records). */
size_t pointindex_bytes(pointindex *p);

#endif
