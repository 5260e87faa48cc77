/*
 * reproject: positions of an imported file to WGS 84 longitude, latitude.
 *
 * VN-2000 systems that radmap supports (geo/crs.h) go through crs_transform, pinned to the one
 * transformation the database names (EPSG:6960, the national one, unless an admin chose another;
 * the command loads it with crs_store_load), so an imported point lands exactly where the API would
 * put the same coordinates sent with Content-Crs. Other EPSG systems based on WGS 84 or another datum without
 * the VN-2000 ambiguity (UTM zones of WGS 84, Web Mercator ...) go through PROJ's own choice. A
 * VN-2000 system that radmap does not pin is refused rather than transformed by a guess.
 * Positions travel east first (easting, northing or longitude, latitude), whatever the EPSG axis
 * order. One reproject belongs to one thread.
 */
#ifndef RADMAP_REPROJECT_H
#define RADMAP_REPROJECT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "geo/crs.h"

typedef struct reproject {
    int code;                 /* EPSG code, or 0/4326/CRS84 for none */
    const crs_info *pinned;   /* a supported system, or NULL */
    void *ctx, *pj;           /* PROJ context and operation for other systems */
    bool identity;
    bool projected;           /* metres, not degrees */
    char desc[160];           /* "EPSG:9210 VN-2000 / TM-3 105-45 (pinned to EPSG:6960)" */
} reproject;

/* Prepare the transform from EPSG code (0 or 4326: WGS 84 itself) to WGS 84. 0, or -1 with err
 * (400: unknown code, or a VN-2000 system that is not pinned). */
int reproject_init(reproject *r, int code, rm_error *err);
/* Transform n positions in place. 0, or -1 with err (422: outside the system's domain). */
int reproject_run(reproject *r, double *xy, size_t n, rm_error *err);
void reproject_cleanup(reproject *r);

#endif
