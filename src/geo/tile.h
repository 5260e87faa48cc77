/*
 * tile: Web Mercator (EPSG:3857) tile maths for the XYZ scheme served at /tiles/{layer}/{z}/{x}/{y}.mvt.
 *
 * Three coordinate spaces meet here: lon/lat in degrees (storage, EPSG:4326), mercator metres
 * (EPSG:3857, x east, y north) and tile-local units (0..TILE_EXTENT across one tile, x east,
 * y DOWN, as MVT wants). Zoom levels 0..TILE_MAX_ZOOM; tile (0,0) is the north-west corner.
 *
 * Tile ownership is decided once, in "global" units (tile units counted from the north-west
 * corner of the world at zoom z): a position belongs to the tile whose half-open square
 * [x*E, (x+1)*E) x [y*E, (y+1)*E) holds it. tile_lonlat_to_tile() computes the global position
 * with the same arithmetic whichever tile asks, and subtracts an exact integer, so a point on a
 * seam lands in exactly one tile (0 <= local < E there, local == E or < 0 in the others). The
 * clustering code relies on that (geo/cluster.h).
 *
 * Everything here is pure arithmetic on values: no allocation, no state, safe from any thread.
 * Latitudes are clamped to +-TILE_MAX_LAT (the square world of Web Mercator).
 */
#ifndef RADMAP_TILE_H
#define RADMAP_TILE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

#define TILE_MAX_ZOOM 22
#define TILE_EXTENT 4096      /* tile units across one tile: the MVT layer extent radmap writes */
#define TILE_BUFFER 64        /* tile units around a tile that geometry keeps (SQL bbox, clipping) */
#define TILE_EARTH_RADIUS_M 6378137.0
#define TILE_MERC_HALF_M 20037508.342789244 /* pi * radius: mercator x of lon 180 */
#define TILE_MAX_LAT 85.0511287798066      /* latitude whose mercator y is TILE_MERC_HALF_M */

/* One tile of the XYZ pyramid; valid when tile_validate() accepted it. */
typedef struct tile_id {
    uint32_t z;
    uint32_t x; /* column, 0 at lon -180 */
    uint32_t y; /* row, 0 at the north edge */
} tile_id;

/* An axis-aligned box; in lon/lat, x = lon and y = lat; in mercator, metres. */
typedef struct tile_bounds {
    double xmin, ymin, xmax, ymax;
} tile_bounds;

/*
 * Check z/x/y as numbers from a request: 0 <= z <= 22, 0 <= x, y < 2^z.
 * Result: 0 when valid (and *out filled if out is non-NULL); -1 otherwise with err (may be NULL)
 * set to status 400 and a detail naming the parameter and its allowed range for that zoom.
 */
int tile_validate(long long z, long long x, long long y, tile_id *out, rm_error *err);

/*
 * Parse decimal z, x, y strings (as cut from the URL path; no sign, no spaces, no suffix) and
 * validate them as tile_validate() does. Result: 0 and *out filled, or -1 with err set to 400.
 */
int tile_parse(const char *z, const char *x, const char *y, tile_id *out, rm_error *err);

/* lon/lat in degrees to mercator metres. Latitude is clamped to +-TILE_MAX_LAT. */
void tile_lonlat_to_merc(double lon, double lat, double *mx, double *my);

/* Mercator metres to lon/lat in degrees (exact inverse of tile_lonlat_to_merc within the clamp). */
void tile_merc_to_lonlat(double mx, double my, double *lon, double *lat);

/* Bounds of tile t in mercator metres. */
void tile_bounds_merc(const tile_id *t, tile_bounds *out);

/* Bounds of tile t in lon/lat degrees. */
void tile_bounds_lonlat(const tile_id *t, tile_bounds *out);

/*
 * Bounds of tile t grown by buffer_units tile units on each side (TILE_BUFFER for the SQL bbox
 * query that fetches candidate features), in lon/lat degrees. Longitude is clamped to
 * [-180, 180] (radmap's data never crosses the antimeridian) and latitude to [-90, 90].
 */
void tile_bounds_lonlat_buffered(const tile_id *t, double buffer_units, tile_bounds *out);

/* Mercator metres to tile-local units of t (y down; 0..TILE_EXTENT inside the tile). */
void tile_merc_to_tile(const tile_id *t, double mx, double my, double *tx, double *ty);

/* Tile-local units of t back to mercator metres (inverse of tile_merc_to_tile). */
void tile_tile_to_merc(const tile_id *t, double tx, double ty, double *mx, double *my);

/* lon/lat in degrees to tile-local units of t (y down); see the ownership note above. */
void tile_lonlat_to_tile(const tile_id *t, double lon, double lat, double *tx, double *ty);

/* True when tile-local (tx, ty) lies in the tile proper: 0 <= tx, ty < TILE_EXTENT. */
bool tile_contains(double tx, double ty);

/* The tile of zoom z that owns lon/lat (half-open squares, see above); z must be valid. */
void tile_of_lonlat(uint32_t z, double lon, double lat, tile_id *out);

/*
 * Round a tile-local coordinate to the MVT integer grid: nearest integer, halves towards +inf
 * (the same rule on both sides of a seam). Saturates at +-TILE_COORD_LIMIT, far outside any
 * buffered tile, so absurd input cannot overflow the encoder.
 */
#define TILE_COORD_LIMIT ((1 << 30) - 1)
int32_t tile_round(double v);

#endif
