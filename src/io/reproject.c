/*
 * reproject: file positions to WGS 84; see reproject.h.
 */
#include "io/reproject.h"

#include <math.h>
#include <proj.h>
#include <stdio.h>
#include <string.h>

int reproject_init(reproject *r, int code, rm_error *err)
{
    memset(r, 0, sizeof *r);
    r->code = code;
    if (code == 0 || code == 4326) {
        r->identity = true;
        snprintf(r->desc, sizeof r->desc, "EPSG:4326 WGS 84 (no transformation)");
        return 0;
    }
    r->pinned = crs_find(code);
    if (r->pinned) {
        r->projected = !r->pinned->geographic;
        char pinned[64] = "";
        if (!r->pinned->wgs84 && code != 3857) /* the transformation the database pins (geo/crs.h) */
            crs_transformation_current(pinned, sizeof pinned, NULL, 0);
        snprintf(r->desc, sizeof r->desc, "%s %s%s%.64s%s", r->pinned->label, r->pinned->title,
                 pinned[0] ? " (to WGS 84 pinned to " : "", pinned, pinned[0] ? ")" : "");
        r->identity = r->pinned->wgs84;
        return 0;
    }
    PJ_CONTEXT *ctx = proj_context_create();
    proj_log_level(ctx, PJ_LOG_NONE);
    char src[32];
    snprintf(src, sizeof src, "EPSG:%d", code);
    PJ *crs = proj_create(ctx, src);
    if (!crs) {
        proj_context_destroy(ctx);
        return rm_error_set(err, 400, "Unknown CRS", "EPSG:%d is not a coordinate reference system PROJ knows", code);
    }
    const char *crs_name = proj_get_name(crs);
    PJ *datum = proj_crs_get_datum(ctx, crs);
    const char *dname = datum ? proj_get_name(datum) : NULL;
    bool vn = dname && (strstr(dname, "Vietnam") || strstr(dname, "VN-2000"));
    PJ_TYPE t = proj_get_type(crs);
    r->projected = t == PJ_TYPE_PROJECTED_CRS;
    snprintf(r->desc, sizeof r->desc, "EPSG:%d %s", code, crs_name ? crs_name : "");
    if (datum)
        proj_destroy(datum);
    proj_destroy(crs);
    if (vn) {
        proj_context_destroy(ctx);
        return rm_error_set(err, 400, "Unsupported CRS", "EPSG:%d is a VN-2000 system that radmap does not pin to "
                            "the national transformation; give the data in one of the supported VN-2000 systems "
                            "(EPSG:4756, 3405, 3406, 5896-5899, 9205-9218)", code);
    }
    PJ *op = proj_create_crs_to_crs(ctx, src, "EPSG:4326", NULL);
    PJ *norm = op ? proj_normalize_for_visualization(ctx, op) : NULL;
    if (op)
        proj_destroy(op);
    if (!norm) {
        proj_context_destroy(ctx);
        return rm_error_set(err, 422, "Cannot reproject", "no transformation from EPSG:%d to WGS 84", code);
    }
    r->ctx = ctx;
    r->pj = norm;
    return 0;
}

int reproject_run(reproject *r, double *xy, size_t n, rm_error *err)
{
    if (r->identity || n == 0)
        return 0;
    if (r->pinned)
        return crs_transform(r->pinned, true, xy, n, "geometry", err);
    size_t k = proj_trans_generic(r->pj, PJ_FWD, xy, 2 * sizeof(double), n, xy + 1, 2 * sizeof(double), n, NULL, 0,
                                  0, NULL, 0, 0);
    for (size_t i = 0; i < n; i++)
        if (k != n || !isfinite(xy[2 * i]) || !isfinite(xy[2 * i + 1]) || xy[2 * i] == HUGE_VAL)
            return rm_error_set(err, 422, "Cannot reproject", "a position cannot be transformed from %s to WGS 84",
                                r->desc);
    return 0;
}

void reproject_cleanup(reproject *r)
{
    if (r->pj)
        proj_destroy(r->pj);
    if (r->ctx)
        proj_context_destroy(r->ctx);
    r->pj = r->ctx = NULL;
}
