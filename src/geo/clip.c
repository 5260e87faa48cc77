/*
 * clip: lon/lat geometry -> clipped, simplified, valid, integer tile-space geometry -> MVT.
 * See clip.h for the pipeline; each step below names the mvt_geom() step it mirrors.
 *
 * Every GEOS object made here is owned by one local variable that starts NULL and is destroyed
 * at cleanup; a step that produces a new geometry hands it over by swapping pointers.
 */
#include "geo/clip.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

struct clip_geos {
    GEOSContextHandle_t handle;
    GEOSWKBReader *wkb;       /* made on first use */
    char error[512];          /* last GEOS error message */
    char notice[512];         /* last GEOS notice (isValid reasons and the like) */
    int32_t *xy;              /* scratch for clip_emit */
    size_t cap_xy;
};

static void on_error(const char *message, void *userdata)
{
    clip_geos *g = userdata;
    snprintf(g->error, sizeof g->error, "%s", message ? message : "");
}

static void on_notice(const char *message, void *userdata)
{
    clip_geos *g = userdata;
    snprintf(g->notice, sizeof g->notice, "%s", message ? message : "");
}

clip_geos *clip_geos_create(rm_error *err)
{
    clip_geos *g = calloc(1, sizeof *g);
    if (!g)
        goto fail;
    g->handle = GEOS_init_r();
    if (!g->handle)
        goto fail;
    GEOSContext_setErrorMessageHandler_r(g->handle, on_error, g);
    GEOSContext_setNoticeMessageHandler_r(g->handle, on_notice, g);
    return g;
fail:
    free(g);
    rm_error_set(err, 500, "Internal Server Error", "could not create a GEOS context");
    return NULL;
}

void clip_geos_destroy(clip_geos *g)
{
    if (!g)
        return;
    if (g->wkb)
        GEOSWKBReader_destroy_r(g->handle, g->wkb);
    GEOS_finish_r(g->handle);
    free(g->xy);
    free(g);
}

GEOSContextHandle_t clip_geos_handle(clip_geos *g) { return g->handle; }

const char *clip_geos_last_error(const clip_geos *g) { return g->error; }

/* Fill err with a GEOS failure of the step named by what, and return -1. */
static int geos_fail(clip_geos *g, rm_error *err, const char *what)
{
    return rm_error_set(err, 500, "Internal Server Error", "tile geometry: GEOS %s failed: %s", what,
                        g->error[0] ? g->error : "no message");
}

/* GEOSGeom_transformXY_r callback: lon/lat to tile units of the tile_id in userdata. */
typedef struct to_tile_ctx {
    const tile_id *t;
    bool nonfinite;   /* a coordinate was not a number or off the map */
} to_tile_ctx;

/* Refuses coordinates that are not on the map (NaN, |lon| > 360, |lat| > 90): far-off ones make
 * ClipByRect compute NaN, and GEOS's quadtree (TopologyPreserveSimplify) loops forever on NaN. */
static int to_tile(double *x, double *y, void *userdata)
{
    to_tile_ctx *c = userdata;
    if (fabs(*x) <= 360 && fabs(*y) <= 90) {
        tile_lonlat_to_tile(c->t, *x, *y, x, y);
        if (isfinite(*x) && isfinite(*y))
            return 1;
    }
    c->nonfinite = true;
    return 0;
}

/* Replace *g with next (which may be NULL after a failure); the old one is destroyed. */
static void swap_geom(GEOSContextHandle_t h, GEOSGeometry **g, GEOSGeometry *next)
{
    GEOSGeom_destroy_r(h, *g);
    *g = next;
}

/* Replace *geom by a valid version when it is not valid. Result: 0, or -1 with err set. */
static int make_valid(clip_geos *g, GEOSGeometry **geom, rm_error *err)
{
    char valid = GEOSisValid_r(g->handle, *geom);
    if (valid == 2)
        return geos_fail(g, err, "isValid");
    if (!valid) {
        swap_geom(g->handle, geom, GEOSMakeValid_r(g->handle, *geom));
        if (!*geom)
            return geos_fail(g, err, "MakeValid");
    }
    return 0;
}

/* Dimension of a simple geometry type: 0 points, 1 lines, 2 polygons, -1 collections. */
static int simple_dimension(int type)
{
    switch (type) {
    case GEOS_POINT:
        return 0;
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
        return 1;
    case GEOS_POLYGON:
        return 2;
    default:
        return -1;
    }
}

/* Clone the non-empty simple parts of g with dimension dim into parts (count *n, cap *cap). */
static int collect_parts(GEOSContextHandle_t h, const GEOSGeometry *g, int dim, GEOSGeometry ***parts,
                         size_t *n, size_t *cap)
{
    int type = GEOSGeomTypeId_r(h, g);
    if (type < 0)
        return -1;
    if (simple_dimension(type) < 0) {
        int k = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; i < k; i++) {
            const GEOSGeometry *part = GEOSGetGeometryN_r(h, g, i);
            if (!part || collect_parts(h, part, dim, parts, n, cap) < 0)
                return -1;
        }
        return 0;
    }
    if (simple_dimension(type) != dim || GEOSisEmpty_r(h, g))
        return 0;
    if (dim > 0) { /* pointwise snapping can collapse a line to one point; polygons to nothing */
        double size;
        if (!(dim == 1 ? GEOSLength_r(h, g, &size) : GEOSArea_r(h, g, &size)))
            return -1;
        if (size == 0.0)
            return 0;
    }
    GEOSGeometry *c = GEOSGeom_clone_r(h, g);
    if (!c)
        return -1;
    if (type == GEOS_LINEARRING) { /* a bare ring is a line here */
        const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, c);
        GEOSCoordSequence *copy = seq ? GEOSCoordSeq_clone_r(h, seq) : NULL;
        GEOSGeom_destroy_r(h, c);
        c = copy ? GEOSGeom_createLineString_r(h, copy) : NULL;
        if (!c)
            return -1;
    }
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        GEOSGeometry **p = realloc(*parts, ncap * sizeof *p);
        if (!p) {
            GEOSGeom_destroy_r(h, c);
            return -1;
        }
        *parts = p;
        *cap = ncap;
    }
    (*parts)[(*n)++] = c;
    return 0;
}

/*
 * Keep only the parts of g of dimension dim, as a single geometry or a multi geometry.
 * Result: 0 with *out (NULL when no part is left), -1 on GEOS failure.
 */
static int keep_dimension(GEOSContextHandle_t h, const GEOSGeometry *g, int dim, GEOSGeometry **out)
{
    static const int multi[] = {GEOS_MULTIPOINT, GEOS_MULTILINESTRING, GEOS_MULTIPOLYGON};
    GEOSGeometry **parts = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;
    *out = NULL;
    if (collect_parts(h, g, dim, &parts, &n, &cap) < 0)
        goto cleanup;
    if (n == 1) {
        *out = parts[0];
        n = 0;
    } else if (n > 1) {
        *out = GEOSGeom_createCollection_r(h, multi[dim], parts, (unsigned)n);
        if (!*out)
            goto cleanup;
        n = 0; /* the collection owns the parts now */
    }
    rc = 0;
cleanup:
    for (size_t i = 0; i < n; i++)
        GEOSGeom_destroy_r(h, parts[i]);
    free(parts);
    return rc;
}

int clip_geom_to_tile(clip_geos *g, const GEOSGeometry *lonlat, const tile_id *t, GEOSGeometry **out,
                      rm_error *err)
{
    GEOSContextHandle_t h = g->handle;
    GEOSGeometry *geom = NULL;
    tile_id tile = *t;
    const double lo = -TILE_BUFFER, hi = TILE_EXTENT + TILE_BUFFER;
    int rc = -1;
    *out = NULL;
    g->error[0] = 0;

    char empty = GEOSisEmpty_r(h, lonlat);
    if (empty == 2)
        return geos_fail(g, err, "isEmpty");
    if (empty)
        return 0;

    /* Cheap rejection on the envelope, one unit wider than the buffered tile to be safe. */
    double xmin, ymin, xmax, ymax;
    if (!GEOSGeom_getXMin_r(h, lonlat, &xmin) || !GEOSGeom_getYMin_r(h, lonlat, &ymin) ||
        !GEOSGeom_getXMax_r(h, lonlat, &xmax) || !GEOSGeom_getYMax_r(h, lonlat, &ymax))
        return geos_fail(g, err, "envelope");
    double txmin, tymin, txmax, tymax;
    tile_lonlat_to_tile(&tile, xmin, ymax, &txmin, &tymin);
    tile_lonlat_to_tile(&tile, xmax, ymin, &txmax, &tymax);
    if (txmax < lo - 1 || txmin > hi + 1 || tymax < lo - 1 || tymin > hi + 1)
        return 0;

    int dim = GEOSGeom_getDimensions_r(h, lonlat);
    if (dim < 0 || dim > 2)
        return geos_fail(g, err, "getDimensions");

    /* mvt_geom: affine transform to tile space (here straight from lon/lat, y down). */
    to_tile_ctx tc = {&tile, false};
    geom = GEOSGeom_transformXY_r(h, lonlat, to_tile, &tc);
    if (!geom) {
        if (tc.nonfinite)
            rc = 0; /* nothing that can be drawn */
        else
            geos_fail(g, err, "transformXY");
        goto cleanup;
    }

    /* mvt_geom: clip to the buffered tile. Clipping comes before simplifying (mvt_geom does it the
     * other way round): ClipByRect is linear and leaves only the tile's share of a province-sized
     * polygon to simplify, and simplifying only drops vertices, so what was inside the (convex)
     * rectangle stays inside. */
    swap_geom(h, &geom, GEOSClipByRect_r(h, geom, lo, lo, hi, hi));
    if (!geom) {
        geos_fail(g, err, "ClipByRect");
        goto cleanup;
    }
    if (GEOSisEmpty_r(h, geom)) {
        rc = 0;
        goto cleanup;
    }

    /* mvt_geom: simplify at the output resolution. */
    if (dim > 0) {
        swap_geom(h, &geom, GEOSTopologyPreserveSimplify_r(h, geom, CLIP_SIMPLIFY_UNITS));
        if (!geom) {
            geos_fail(g, err, "TopologyPreserveSimplify");
            goto cleanup;
        }
    }

    /* mvt_geom: validate (polygons: clipping an invalid input leaves it invalid). */
    if (dim == 2 && make_valid(g, &geom, err) < 0)
        goto cleanup;

    /* mvt_geom: snap to the integer grid. Polygons by snap-rounding, which keeps them valid and
     * drops what collapsed; lines and points pointwise, as lwgeom_grid does. */
    swap_geom(h, &geom,
              GEOSGeom_setPrecision_r(h, geom, 1.0, dim == 2 ? 0 : GEOS_PREC_NO_TOPO));
    if (!geom) {
        geos_fail(g, err, "setPrecision");
        goto cleanup;
    }
    if (dim == 2 && make_valid(g, &geom, err) < 0)
        goto cleanup;

    /* mvt_geom: keep the input's dimension (MakeValid may add lines and points); NULL if empty. */
    if (keep_dimension(h, geom, dim, out) < 0) {
        geos_fail(g, err, "collection rebuild");
        goto cleanup;
    }
    rc = 0;
cleanup:
    GEOSGeom_destroy_r(h, geom);
    return rc;
}

int clip_wkb_to_tile(clip_geos *g, const unsigned char *wkb, size_t len, const tile_id *t,
                     GEOSGeometry **out, rm_error *err)
{
    GEOSGeometry *geom = NULL;
    int rc = -1;
    *out = NULL;
    g->error[0] = 0;
    if (!g->wkb) {
        g->wkb = GEOSWKBReader_create_r(g->handle);
        if (!g->wkb)
            return geos_fail(g, err, "WKBReader_create");
    }
    geom = GEOSWKBReader_read_r(g->handle, g->wkb, wkb, len);
    if (!geom) {
        geos_fail(g, err, "WKB read");
        goto cleanup;
    }
    rc = clip_geom_to_tile(g, geom, t, out, err);
cleanup:
    GEOSGeom_destroy_r(g->handle, geom);
    return rc;
}

/* Copy the coordinates of a simple geometry into g->xy, rounded. Result: points, or -1. */
static long read_coords(clip_geos *g, const GEOSGeometry *geom)
{
    const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(g->handle, geom);
    unsigned int n;
    if (!seq || !GEOSCoordSeq_getSize_r(g->handle, seq, &n))
        return -1;
    if (2 * (size_t)n > g->cap_xy) {
        size_t cap = g->cap_xy ? g->cap_xy : 256;
        while (cap < 2 * (size_t)n)
            cap *= 2;
        int32_t *p = realloc(g->xy, cap * sizeof *p);
        if (!p)
            return -1;
        g->xy = p;
        g->cap_xy = cap;
    }
    for (unsigned int i = 0; i < n; i++) {
        double x, y;
        if (!GEOSCoordSeq_getXY_r(g->handle, seq, i, &x, &y))
            return -1;
        g->xy[2 * i] = tile_round(x);
        g->xy[2 * i + 1] = tile_round(y);
    }
    return (long)n;
}

static int emit_simple(clip_geos *g, const GEOSGeometry *geom, mvt_feature *f, rm_error *err)
{
    GEOSContextHandle_t h = g->handle;
    int type = GEOSGeomTypeId_r(h, geom);
    long n;
    if (type < 0)
        return geos_fail(g, err, "GeomTypeId");
    if (simple_dimension(type) < 0) {
        int k = GEOSGetNumGeometries_r(h, geom);
        for (int i = 0; i < k; i++)
            if (emit_simple(g, GEOSGetGeometryN_r(h, geom, i), f, err) < 0)
                return -1;
        return 0;
    }
    if (GEOSisEmpty_r(h, geom))
        return 0;
    int rc = 0;
    switch (type) {
    case GEOS_POINT:
        if ((n = read_coords(g, geom)) < 0)
            return geos_fail(g, err, "coordinates");
        rc = mvt_feature_add_points(f, g->xy, (size_t)n);
        break;
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
        if ((n = read_coords(g, geom)) < 0)
            return geos_fail(g, err, "coordinates");
        rc = mvt_feature_add_line(f, g->xy, (size_t)n);
        break;
    case GEOS_POLYGON: {
        /* GEOSGeom_getCoordSeq_r is NULL for polygons: walk the rings. */
        const GEOSGeometry *ring = GEOSGetExteriorRing_r(h, geom);
        if (!ring || (n = read_coords(g, ring)) < 0)
            return geos_fail(g, err, "exterior ring");
        rc = mvt_feature_add_ring(f, g->xy, (size_t)n, true);
        int holes = GEOSGetNumInteriorRings_r(h, geom);
        for (int i = 0; rc == 0 && i < holes; i++) {
            ring = GEOSGetInteriorRingN_r(h, geom, i);
            if (!ring || (n = read_coords(g, ring)) < 0)
                return geos_fail(g, err, "interior ring");
            rc = mvt_feature_add_ring(f, g->xy, (size_t)n, false);
        }
        break;
    }
    default:
        break;
    }
    if (rc < 0)
        return rm_error_set(err, 500, "Internal Server Error",
                            "tile geometry: a feature cannot mix points, lines and polygons");
    return 0;
}

int clip_emit(clip_geos *g, const GEOSGeometry *tile_geom, mvt_feature *f, rm_error *err)
{
    g->error[0] = 0;
    return emit_simple(g, tile_geom, f, err);
}
