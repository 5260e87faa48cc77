/*
 * clip: the line and polygon pipeline that turns a stored geometry into MVT geometry of one tile.
 *
 * It follows PostGIS postgis/mvt.c mvt_geom(): from lon/lat to tile space (y down), clip to the
 * tile grown by TILE_BUFFER units (GEOSClipByRect_r), simplify to the tile's resolution
 * (GEOSTopologyPreserveSimplify_r, CLIP_SIMPLIFY_UNITS), make valid (GEOSMakeValid_r), snap to the
 * integer grid (GEOSGeom_setPrecision_r: for polygons snap-rounding that keeps them valid and
 * removes what collapsed, for lines and points plain rounding), keep only components of the
 * input's dimension, and answer NULL when nothing is left. clip_emit() then writes the result
 * into an mvt feature, which orients rings as the spec wants (geo/mvt.h).
 *
 * GEOS runs in a per-thread context: a clip_geos holds the GEOSContextHandle_t, the handlers
 * that capture GEOS messages (nothing is ever printed) and reusable scratch. Create one per
 * worker thread and use it only from that thread; clip_geos_handle() lends the context to other
 * GEOS work of the same thread, so a thread needs one context only.
 *
 * Input is standard WKB (the server selects ST_AsBinary(geom) from SpatiaLite) or a GEOS
 * geometry, in EPSG:4326 lon/lat. Nothing here touches SQLite or HTTP.
 */
#ifndef RADMAP_CLIP_H
#define RADMAP_CLIP_H

#include <stddef.h>

#include <geos_c.h>

#include "core/error.h"
#include "geo/mvt.h"
#include "geo/tile.h"

#define CLIP_SIMPLIFY_UNITS 1.0 /* simplification tolerance, tile units */

typedef struct clip_geos clip_geos;

/*
 * Create a GEOS context for the calling thread with message handlers that keep the last error
 * and notice. Result: NULL on failure (with err set to 500). Free with clip_geos_destroy().
 */
clip_geos *clip_geos_create(rm_error *err);

/* Finish the context and free everything; NULL is a no-op. */
void clip_geos_destroy(clip_geos *g);

/* The GEOS context, for other GEOS calls on the same thread. Owned by g. */
GEOSContextHandle_t clip_geos_handle(clip_geos *g);

/* The last error message GEOS reported on this context ("" if none). Owned by g. */
const char *clip_geos_last_error(const clip_geos *g);

/*
 * Run the pipeline on a lon/lat geometry for tile t.
 * Result: 0 with *out the tile-space geometry (integer coordinates, y down, valid; free with
 * GEOSGeom_destroy_r(clip_geos_handle(g), *out)), or 0 with *out = NULL when nothing of it
 * falls in the buffered tile, it collapsed at this zoom, or a coordinate is off the map (not a
 * number, |lon| > 360, |lat| >= 90); -1 when GEOS failed, with err set to 500 and GEOS's message.
 */
int clip_geom_to_tile(clip_geos *g, const GEOSGeometry *lonlat, const tile_id *t, GEOSGeometry **out,
                      rm_error *err);

/*
 * As clip_geom_to_tile() for standard WKB (ISO or extended 2D; Z/M ignored) of len bytes.
 * Unreadable WKB fails with 500 (the blobs come from radmap's own database).
 */
int clip_wkb_to_tile(clip_geos *g, const unsigned char *wkb, size_t len, const tile_id *t,
                     GEOSGeometry **out, rm_error *err);

/*
 * Write a tile-space geometry (from clip_geom_to_tile) as the geometry of feature f: points,
 * lines or polygons, rings labelled exterior or interior (mvt orients them). Coordinates are
 * rounded with tile_round(). Result: 0, or -1 with err set to 500 when GEOS failed or the
 * geometry mixes types (a collection of points and polygons cannot be one MVT feature).
 */
int clip_emit(clip_geos *g, const GEOSGeometry *tile_geom, mvt_feature *f, rm_error *err);

#endif
