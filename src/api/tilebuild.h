/*
 * tilebuild: one Mapbox Vector Tile of the register for a list of layers, a tile z/x/y, a
 * visibility class and a day, without HTTP: the tiles the server answers (api/tiles.c, which adds
 * the cache, ETags and the read log) and the offline packages of `radmap tiles` (io/offline.h) are
 * built by this same code, so a package holds exactly what the server would serve to that role.
 *
 * Point layers below the cluster zoom come from the point snapshots (api/pointindex.h) as grid
 * clusters (geo/cluster.h): one feature per occupied cell, owned by the tile that owns the cell,
 * so clusters never count a point twice and their counts add up to the points of the tile. A cell
 * holding one point shows the point itself. From the cluster zoom on, points come from SQL through
 * the R*Tree with the tile's 64-unit buffer. Boundaries are clipped and simplified with GEOS
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

typedef struct tilebuild_layer {
    const char *name;
    const char *collection;         /* point layers: the collection; NULL for boundaries */
    const char *const *attrs;
    const char *category_attr;      /* the attribute clusters summarise as max_category */
} tilebuild_layer;

/* The tile layers, terminated by name == NULL. */
extern const tilebuild_layer tilebuild_layers[];

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
    tilebuild_points_fn points; /* may be NULL */
    void *points_arg;
    /* Kept by the builder. */
    long sensitive_rows;        /* source and device features put in tiles (read log, quota); accumulates */
    long features;              /* point features put in the current tile from SQL */
    const tile_id *t;
    struct mvt_tile *mvt;
} tilebuild_ctx;

/* Build tile t with layers[0..nlayers) into out (empty when the tile holds nothing). 0, or -1 with
 * err (503 when a tile would hold too many features). */
int tilebuild_tile(tilebuild_ctx *c, const tilebuild_layer *const *layers, int nlayers, const tile_id *t, buf *out,
                   rm_error *err);

#endif
