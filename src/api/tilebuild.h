/*
 * tilebuild: one Mapbox Vector Tile of the register for a list of layers, a tile z/x/y, a
 * visibility class and a day, without HTTP: the tiles the server answers (api/tiles.c, which adds
 * the cache, ETags and the read log) and the offline packages of `radmap tiles` (io/offline.h) are
 * built by this same code, so a package holds exactly what the server would serve to that role.
 *
 * Point layers come from the point snapshots (api/pointindex.h), positions and attributes both,
 * without SQL. Below the cluster zoom they are grid clusters (geo/cluster.h): one feature per
 * occupied cell, owned by the tile that owns the cell, so clusters never count a point twice and
 * their counts add up to the points of the tile. A cell holding one point shows the point itself.
 * From the cluster zoom on, a tile shows every point of its buffered box (the tile and 64 units
 * around it), unless its tile proper holds more points than cluster_max_points: such a dense tile
 * (a city centre) is clustered like the lower zooms, with the same cells and ownership, so counts
 * still add up and no neighbour counts its points again. The decision is per tile, layer and
 * visibility class (a class sees fewer points). Layers without a snapshot (receptors, events) come
 * from SQL through the R*Tree with the buffer. Boundaries are clipped and simplified with GEOS
 * (geo/clip.h). Every attribute comes from the collection descriptors (db/collection.h) and
 * respects the visibility class, clusters included.
 */
#ifndef RADMAP_TILEBUILD_H
#define RADMAP_TILEBUILD_H

#include <stdbool.h>
#include <stdint.h>

#include "api/pointindex.h"
#include "core/buf.h"
#include "core/error.h"
#include "db/collection.h"
#include "db/db.h"
#include "geo/tile.h"

#define TILEBUILD_MAX_LAYERS 8
/* Ids of sensitive rows a build keeps for the read log (which lists this many). */
#define TILEBUILD_IDS_KEPT 200
/* Default of tilebuild_ctx.cluster_max_points: from the cluster zoom on, a tile whose tile proper
 * holds more points of a layer than this is clustered too. */
#define TILEBUILD_CLUSTER_MAX_POINTS 4096

typedef struct tilebuild_layer {
    const char *name;
    const char *collection;         /* point layers: the collection; NULL for boundaries */
    const char *const *attrs;
    const char *category_attr;      /* the attribute clusters summarise as max_category */
} tilebuild_layer;

/* The tile layers, terminated by name == NULL. */
extern const tilebuild_layer tilebuild_layers[];

/* The attribute names the tiles of collection c carry (NULL-terminated), or NULL when no tile
 * layer shows c. */
const char *const *tilebuild_attrs_of(const coll_def *c);
/* Whether class vis may see layer l. */
bool tilebuild_layer_visible(const tilebuild_layer *l, vis_class vis);
/* Parse "facilities,sources" into layers (at most TILEBUILD_MAX_LAYERS); 0 or -1 with err (404
 * naming the unknown layer, 400 for a malformed list). */
int tilebuild_parse_layers(const char *s, vis_class vis, const tilebuild_layer **out, int *n, rm_error *err);

/* The snapshot of a point collection, or NULL to read its points from SQL at every zoom. */
typedef pointindex *(*tilebuild_points_fn)(void *arg, const coll_def *c);

typedef struct tilebuild_ctx {
    /* Set by the caller. */
    db_conn *db;                /* read connection */
    vis_class vis;
    int32_t today;              /* day number values are computed for */
    int cluster_maxzoom;        /* point layers are clustered below this zoom */
    double cluster_cell;        /* cluster grid cell, tile units */
    long cluster_max_points;    /* from the cluster zoom on, a tile of a snapshot layer whose tile proper
                                 * holds more points than this is clustered too; 0: the default
                                 * TILEBUILD_CLUSTER_MAX_POINTS, negative: never */
    tilebuild_points_fn points; /* may be NULL */
    void *points_arg;
    /* Kept by the builder. */
    long sensitive_rows;        /* source and device features put in tiles (read log, quota); accumulates */
    long features;              /* point features put in the current tile, unclustered */
    int64_t sensitive_ids[TILEBUILD_IDS_KEPT]; /* the first ids of the current tile's sensitive rows */
    size_t nsensitive_ids;
    const tile_id *t;
    struct mvt_tile *mvt;
} tilebuild_ctx;

/* Build tile t with layers[0..nlayers) into out (empty when the tile holds nothing). 0, or -1 with
 * err (503 when a tile would hold too many features). */
int tilebuild_tile(tilebuild_ctx *c, const tilebuild_layer *const *layers, int nlayers, const tile_id *t, buf *out,
                   rm_error *err);

#endif
