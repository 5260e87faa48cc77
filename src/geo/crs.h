/*
 * crs: the coordinate reference systems radmap accepts besides its storage CRS (WGS 84 lon/lat),
 * and the transforms between them, through PROJ.
 *
 * Supported: OGC CRS84 and EPSG:4326 (WGS 84), EPSG:3857 (WGS 84 / Pseudo-Mercator, web maps),
 * and the VN-2000 systems that Vietnamese survey maps and cadastral files use: EPSG:4756
 * (geographic), 3405/3406 (UTM 48N/49N), 5896-5899 (national TM-3 zones) and 9205-9218 (provincial
 * TM-3; 9210 is central meridian 105°45', Ho Chi Minh City and the former Bình Dương).
 *
 * The datum trap: EPSG knows two VN-2000 to WGS 84 transformations, 5194 (valid up to 11.04°N) and
 * 6960 (national, Decision 05/2007/QĐ-BTNMT). Left to itself PROJ picks per point, and results jump
 * by 0.8 m at 11.04°N, inside the city. Every VN-2000 transform here is pinned to EPSG:6960: the
 * operation is chosen once per process from proj_create_operations (the one that is or contains
 * EPSG:6960), frozen as a PROJ pipeline string, and each thread instantiates that string in its
 * own PJ_CONTEXT (one context per thread, transforms cached per thread, freed when it ends).
 *
 * Coordinates always travel east first: longitude, latitude for geographic systems and easting,
 * northing (metres) for projected ones, whatever the official axis order of the EPSG definition
 * (crs_info.lat_first says it, for OGC API - Features Part 2 callers that must honour it).
 * PROJ messages are captured per context, never printed.
 */
#ifndef RADMAP_CRS_H
#define RADMAP_CRS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define CRS_CRS84 0 /* code of OGC CRS84; every other code is an EPSG code */

typedef struct crs_info {
    int code;            /* EPSG code, or CRS_CRS84 */
    const char *uri;     /* http://www.opengis.net/def/crs/... */
    const char *title;   /* "VN-2000 / TM-3 105-45" */
    bool geographic;     /* degrees (else metres, easting/northing) */
    bool lat_first;      /* the official axis order is latitude (northing) first: EPSG:4326, 4756 */
    bool wgs84;          /* no transform needed (CRS84, EPSG:4326) */
    double area[4];      /* area of use, WGS 84 lon/lat: west, south, east, north */
} crs_info;

/* The supported systems (CRS84 first, then EPSG codes ascending); *n receives the count. */
const crs_info *crs_supported(size_t *n);
/* The system of that code, or NULL when it is not supported. */
const crs_info *crs_find(int code);

/*
 * Parse a CRS reference: an OGC URI ("http://www.opengis.net/def/crs/EPSG/0/9210",
 * ".../OGC/1.3/CRS84", https too), a safe CURIE ("[EPSG:9210]"), "EPSG:9210", "urn:ogc:def:crs:EPSG::9210",
 * "CRS84" or "OGC:CRS84". Returns the system, or NULL with err (400 naming `param` and listing
 * the supported codes) when s is malformed or not supported.
 */
const crs_info *crs_from_uri(const char *s, const char *param, rm_error *err);

/*
 * Transform n positions in place, xy holding x0, y0, x1, y1 ... east first (see above).
 * to_wgs84: from c to WGS 84 lon/lat; otherwise from WGS 84 lon/lat to c.
 * Returns 0, or -1 with err: 400 when a position cannot be transformed (outside the projection's
 * domain) naming `param`, 500 when PROJ cannot build the transform.
 */
int crs_transform(const crs_info *c, bool to_wgs84, double *xy, size_t n, const char *param, rm_error *err);

/* One position from c to WGS 84 lon/lat; as crs_transform. */
int crs_to_wgs84(const crs_info *c, double x, double y, double *lon, double *lat, const char *param,
                 rm_error *err);
/* One position from WGS 84 lon/lat to c; as crs_transform. */
int crs_from_wgs84(const crs_info *c, double lon, double lat, double *x, double *y, const char *param,
                   rm_error *err);

/* The PROJ pipeline used for c to WGS 84 (static string, "" for WGS 84 itself), or NULL with err
 * when PROJ cannot build it. For documentation and tests. */
const char *crs_pipeline(const crs_info *c, rm_error *err);

#endif
