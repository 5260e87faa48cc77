/*
 * tile: Web Mercator tile maths; see tile.h for the coordinate spaces and the ownership rule.
 *
 * Global tile units (position * TILE_EXTENT * 2^z across the world) are the pivot: every
 * conversion to a tile goes mercator -> global -> minus an exact integer offset, so two tiles
 * never disagree about a shared point.
 */
#include "geo/tile.h"

#include <math.h>

#define TILE_PI 3.14159265358979323846
#define TILE_MERC_PER_DEG (TILE_MERC_HALF_M / 180.0)

/* Tile units across the whole world at zoom z: TILE_EXTENT * 2^z, exact in a double. */
static double world_units(uint32_t z) { return ldexp((double)TILE_EXTENT, (int)z); }

static double clamp(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

int tile_validate(long long z, long long x, long long y, tile_id *out, rm_error *err)
{
    if (z < 0 || z > TILE_MAX_ZOOM)
        return rm_error_set(err, 400, "Invalid parameter",
                            "z must be an integer from 0 to %d (got %lld)", TILE_MAX_ZOOM, z);
    long long n = 1LL << z;
    if (x < 0 || x >= n)
        return rm_error_set(err, 400, "Invalid parameter",
                            "x must be an integer from 0 to %lld at zoom %lld (got %lld)", n - 1,
                            z, x);
    if (y < 0 || y >= n)
        return rm_error_set(err, 400, "Invalid parameter",
                            "y must be an integer from 0 to %lld at zoom %lld (got %lld)", n - 1,
                            z, y);
    if (out) {
        out->z = (uint32_t)z;
        out->x = (uint32_t)x;
        out->y = (uint32_t)y;
    }
    return 0;
}

/* Parse a decimal without sign; -1 when s is not one. Values past 10 digits are refused. */
static long long parse_decimal(const char *s)
{
    if (!s || !*s)
        return -1;
    long long v = 0;
    int digits = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || ++digits > 10)
            return -1;
        v = v * 10 + (*p - '0');
    }
    return v;
}

int tile_parse(const char *z, const char *x, const char *y, tile_id *out, rm_error *err)
{
    long long zv = parse_decimal(z);
    if (zv < 0)
        return rm_error_set(err, 400, "Invalid parameter",
                            "z must be an integer from 0 to %d (got '%.32s')", TILE_MAX_ZOOM,
                            z ? z : "");
    if (zv > TILE_MAX_ZOOM)
        return tile_validate(zv, 0, 0, out, err);
    long long n = 1LL << zv;
    long long xv = parse_decimal(x);
    if (xv < 0)
        return rm_error_set(err, 400, "Invalid parameter",
                            "x must be an integer from 0 to %lld at zoom %lld (got '%.32s')", n - 1,
                            zv, x ? x : "");
    long long yv = parse_decimal(y);
    if (yv < 0)
        return rm_error_set(err, 400, "Invalid parameter",
                            "y must be an integer from 0 to %lld at zoom %lld (got '%.32s')", n - 1,
                            zv, y ? y : "");
    return tile_validate(zv, xv, yv, out, err);
}

void tile_lonlat_to_merc(double lon, double lat, double *mx, double *my)
{
    lat = clamp(lat, -TILE_MAX_LAT, TILE_MAX_LAT);
    *mx = lon * TILE_MERC_PER_DEG;
    *my = TILE_EARTH_RADIUS_M * log(tan(TILE_PI / 4.0 + lat * (TILE_PI / 360.0)));
}

void tile_merc_to_lonlat(double mx, double my, double *lon, double *lat)
{
    *lon = mx / TILE_MERC_PER_DEG;
    *lat = (2.0 * atan(exp(my / TILE_EARTH_RADIUS_M)) - TILE_PI / 2.0) * (180.0 / TILE_PI);
}

void tile_bounds_merc(const tile_id *t, tile_bounds *out)
{
    double size = 2.0 * TILE_MERC_HALF_M / ldexp(1.0, (int)t->z);
    out->xmin = -TILE_MERC_HALF_M + t->x * size;
    out->xmax = -TILE_MERC_HALF_M + (t->x + 1.0) * size;
    out->ymax = TILE_MERC_HALF_M - t->y * size;
    out->ymin = TILE_MERC_HALF_M - (t->y + 1.0) * size;
}

void tile_bounds_lonlat(const tile_id *t, tile_bounds *out)
{
    tile_bounds_lonlat_buffered(t, 0.0, out);
}

void tile_bounds_lonlat_buffered(const tile_id *t, double buffer_units, tile_bounds *out)
{
    tile_bounds m;
    tile_bounds_merc(t, &m);
    double pad = (m.xmax - m.xmin) / TILE_EXTENT * buffer_units;
    tile_merc_to_lonlat(m.xmin - pad, m.ymin - pad, &out->xmin, &out->ymin);
    tile_merc_to_lonlat(m.xmax + pad, m.ymax + pad, &out->xmax, &out->ymax);
    out->xmin = clamp(out->xmin, -180.0, 180.0);
    out->xmax = clamp(out->xmax, -180.0, 180.0);
    out->ymin = clamp(out->ymin, -90.0, 90.0);
    out->ymax = clamp(out->ymax, -90.0, 90.0);
}

void tile_merc_to_tile(const tile_id *t, double mx, double my, double *tx, double *ty)
{
    double w = world_units(t->z);
    double gx = (mx + TILE_MERC_HALF_M) / (2.0 * TILE_MERC_HALF_M) * w;
    double gy = (TILE_MERC_HALF_M - my) / (2.0 * TILE_MERC_HALF_M) * w;
    *tx = gx - (double)t->x * TILE_EXTENT;
    *ty = gy - (double)t->y * TILE_EXTENT;
}

void tile_tile_to_merc(const tile_id *t, double tx, double ty, double *mx, double *my)
{
    double w = world_units(t->z);
    *mx = (tx + (double)t->x * TILE_EXTENT) / w * (2.0 * TILE_MERC_HALF_M) - TILE_MERC_HALF_M;
    *my = TILE_MERC_HALF_M - (ty + (double)t->y * TILE_EXTENT) / w * (2.0 * TILE_MERC_HALF_M);
}

void tile_lonlat_to_tile(const tile_id *t, double lon, double lat, double *tx, double *ty)
{
    double mx, my;
    tile_lonlat_to_merc(lon, lat, &mx, &my);
    tile_merc_to_tile(t, mx, my, tx, ty);
}

bool tile_contains(double tx, double ty)
{
    return tx >= 0.0 && tx < TILE_EXTENT && ty >= 0.0 && ty < TILE_EXTENT;
}

void tile_of_lonlat(uint32_t z, double lon, double lat, tile_id *out)
{
    tile_id world = {z, 0, 0};
    double gx, gy;
    tile_lonlat_to_tile(&world, lon, lat, &gx, &gy);
    double n = ldexp(1.0, (int)z);
    double col = clamp(floor(gx / TILE_EXTENT), 0.0, n - 1.0);
    double row = clamp(floor(gy / TILE_EXTENT), 0.0, n - 1.0);
    out->z = z;
    out->x = (uint32_t)col;
    out->y = (uint32_t)row;
}

int32_t tile_round(double v)
{
    if (isnan(v))
        return 0;
    double r = floor(v + 0.5);
    if (r > TILE_COORD_LIMIT)
        return TILE_COORD_LIMIT;
    if (r < -TILE_COORD_LIMIT)
        return -TILE_COORD_LIMIT;
    return (int32_t)r;
}
