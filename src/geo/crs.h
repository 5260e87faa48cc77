/*
 * crs: the coordinate reference systems radmap accepts besides its storage CRS (WGS 84 lon/lat),
 * and the transforms between them, through PROJ.
 *
 * Supported: OGC CRS84 and EPSG:4326 (WGS 84), EPSG:3857 (WGS 84 / Pseudo-Mercator, web maps),
 * and the VN-2000 systems that Vietnamese survey maps and cadastral files use: EPSG:4756
 * (geographic), 3405/3406 (UTM 48N/49N), 5896-5899 (national TM-3 zones) and 9205-9218 (provincial
 * TM-3; 9210 is central meridian 105°45', Ho Chi Minh City and the former Bình Dương).
 *
 * Besides those, an administrator may define further VN-2000 TM-3 zones by their central meridian
 * (scale factor 0.9999, false easting 500 000 m, the VN-2000 TM-3 convention), kept as data in the
 * database (db table crs_zone) and installed here with crs_configure(). Their URI is
 * urn:ogc:def:crs:RADMAP::VN2000-TM3-DDD-MM (DDD-MM the meridian in degrees and minutes, as EPSG
 * titles write it: 106-45 is 106°45'); "RADMAP:VN2000-TM3-106-45" and the CURIE
 * "[RADMAP:VN2000-TM3-106-45]" are accepted too, and so is the meridian in decimal degrees.
 *
 * The datum trap: EPSG knows two VN-2000 to WGS 84 transformations, 5194 (valid up to 11.04°N) and
 * 6960 (national, Decision 05/2007/QĐ-BTNMT). Left to itself PROJ picks per point, and results jump
 * by 0.8 m at 11.04°N, inside the city. Every VN-2000 transform here is pinned to ONE operation,
 * EPSG:6960 unless the database says otherwise (crs_configure: another EPSG operation from VN-2000
 * to WGS 84, explicit Helmert parameters, or a PROJ pipeline): the transform of a system is the
 * system's own conversion to VN-2000 longitude, latitude followed by that operation, frozen as a
 * PROJ pipeline string, and each thread instantiates the string in its own PJ_CONTEXT (one context
 * per thread, transforms cached per thread). crs_configure() drops every cached pipeline and
 * transform when what it installs differs from what is in use.
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

#include <stdint.h>

#define CRS_CRS84 0 /* code of OGC CRS84; positive codes are EPSG codes, negative ones admin zones */
#define CRS_DEFAULT_TRANSFORMATION "EPSG:6960" /* VN-2000 to WGS 84 (2), national */
#define CRS_ZONE_MIN_LON 100.0 /* central meridians an admin zone may have (degrees east) */
#define CRS_ZONE_MAX_LON 120.0

typedef struct crs_info {
    int code;            /* EPSG code, CRS_CRS84, or -(zone id) for an admin-defined zone */
    const char *uri;     /* http://www.opengis.net/def/crs/..., urn:ogc:def:crs:RADMAP::... */
    const char *title;   /* "VN-2000 / TM-3 105-45" */
    bool geographic;     /* degrees (else metres, easting/northing) */
    bool lat_first;      /* the official axis order is latitude (northing) first: EPSG:4326, 4756 */
    bool wgs84;          /* no transform needed (CRS84, EPSG:4326) */
    double area[4];      /* area of use, WGS 84 lon/lat: west, south, east, north */
    const char *label;   /* short name for messages: "EPSG:9210", "CRS84", "RADMAP:VN2000-TM3-106-45" */
    int tm3_minutes;     /* VN-2000 TM-3 system (k 0.9999, x0 500 km): central meridian in arc-minutes east
                          * (105°45' = 6345); 0 for any other system */
    int64_t zone_id;     /* admin-defined zone: its id in the database; 0 for built-in systems */
    const char *zone_name; /* admin-defined zone: the name the admin gave it; else NULL */
    const char *proj_def;  /* admin-defined zone: its PROJ string (the projection, for GDAL); else NULL */
    int slot;            /* private to crs.c: index of the cached pipeline and per-thread transform */
} crs_info;

/* The built-in systems (CRS84 first, then EPSG codes ascending); *n receives the count. */
const crs_info *crs_supported(size_t *n);
/* Every system supported now: the built-in ones, then the admin-defined zones by meridian. Writes
 * up to cap pointers to out and returns the total count (call again with a larger out when it is
 * above cap). The pointers stay valid for the life of the process, even after a zone is removed. */
size_t crs_all(const crs_info **out, size_t cap);
/* The system of that code (an admin zone by -id), or NULL when it is not supported. */
const crs_info *crs_find(int code);
/* The built-in VN-2000 TM-3 system with that central meridian (arc-minutes east), or NULL. */
const crs_info *crs_find_tm3_builtin(int minutes);
/* The installed admin zone with that central meridian, or NULL. */
const crs_info *crs_find_zone_meridian(int minutes);

/* Parse a central meridian: decimal degrees ("106.75") or degrees and minutes ("106-45", "106°45'",
 * "106 45"), which must be a whole number of arc-minutes within CRS_ZONE_MIN_LON..CRS_ZONE_MAX_LON.
 * The arc-minutes, or -1 with err (400 naming param). */
int crs_parse_meridian(const char *s, const char *param, rm_error *err);
/* The meridian in the "DDD-MM" form of EPSG titles and zone URIs; out holds at least 12 bytes. */
void crs_format_meridian(int minutes, char *out, size_t cap);

/* ---- configuration (what the database says, installed process-wide) ---------------------------- */

typedef struct crs_zone_def {
    int64_t id;          /* > 0 */
    int minutes;         /* central meridian, arc-minutes east */
    const char *name;    /* what the admin calls it ("Tây Ninh (cũ)"), may be NULL */
} crs_zone_def;

/*
 * Install the admin-defined zones (replacing the previous set) and the pinned VN-2000 to WGS 84
 * transformation (NULL or "": CRS_DEFAULT_TRANSFORMATION; else a spec crs_transformation_check
 * accepts). When either differs from what is installed, every cached pipeline and every thread's
 * cached transform is dropped (each thread rebuilds on its next transform). Thread-safe. 0, or -1
 * with err (500 naming the transformation) when the transformation cannot be built; then nothing
 * changes.
 */
int crs_configure(const crs_zone_def *zones, size_t n, const char *transformation, rm_error *err);

/*
 * Check a transformation spec and give its canonical form (canon, at least 1024 bytes) and a
 * description (desc, 200 bytes; may be NULL). Specs:
 *   "EPSG:NNNN"         an EPSG operation from VN-2000 (EPSG:4756) to WGS 84 (EPSG:4326): 6960, 5194
 *   "+proj=helmert ..." a Helmert step PROJ understands, on geocentric coordinates of the WGS 84
 *                       ellipsoid (VN-2000's), with +convention= when it has rotations
 *   "+proj=pipeline ..."a whole pipeline from VN-2000 to WGS 84 longitude, latitude in degrees,
 *                       east first, without global options
 * The operation must build, be invertible, move a point of Viet Nam by 50 m to 1 km (VN-2000 and
 * WGS 84 differ by about 230 m there) and return it to a millimetre. 0, or -1 with err (400 saying what is wrong).
 */
int crs_transformation_check(const char *spec, char *canon, size_t canon_cap, char *desc, size_t desc_cap,
                             rm_error *err);
/* The installed transformation spec (canonical) and its description; either may be NULL. */
void crs_transformation_current(char *spec, size_t spec_cap, char *desc, size_t desc_cap);
/* The VN-2000 to WGS 84 part of every pipeline (degrees, east first) for the installed
 * transformation, as a malloc'd string (free it), or NULL with err. For documentation and tests. */
char *crs_transformation_pipeline(rm_error *err);

/*
 * Parse a CRS reference: an OGC URI ("http://www.opengis.net/def/crs/EPSG/0/9210",
 * ".../OGC/1.3/CRS84", https too), a safe CURIE ("[EPSG:9210]"), "EPSG:9210", "urn:ogc:def:crs:EPSG::9210",
 * "CRS84" or "OGC:CRS84", or an admin zone's URI (see above). Returns the system, or NULL with err
 * (400 naming `param` and listing the supported codes) when s is malformed or not supported.
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

/* The PROJ pipeline used for c to WGS 84 ("" for WGS 84 itself), or NULL with err when PROJ cannot
 * build it. The string stays valid for the life of the process. For documentation and tests. */
const char *crs_pipeline(const crs_info *c, rm_error *err);

#endif
