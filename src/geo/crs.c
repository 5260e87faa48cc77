/*
 * crs: supported systems and PROJ transforms pinned to EPSG:6960; see crs.h.
 *
 * Two levels of caching. Process-wide, under a mutex: the pipeline string of each system, found
 * once with proj_create_operations in a private context (a few milliseconds each, on first use).
 * Per thread: a PJ_CONTEXT and the PJ objects made from those strings, so no PROJ object is ever
 * shared between threads. Titles and areas of use are EPSG's (projinfo), fixed in the table.
 */
#include "geo/crs.h"

#include <math.h>
#include <proj.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"

#define CRS_PINNED_OPERATION "6960" /* VN-2000 to WGS 84 (2), national */

static const crs_info crs_table[] = {
    {CRS_CRS84, "http://www.opengis.net/def/crs/OGC/1.3/CRS84", "WGS 84 (CRS84, longitude first)", true, false,
     true, {-180, -90, 180, 90}},
    {3405, "http://www.opengis.net/def/crs/EPSG/0/3405", "VN-2000 / UTM zone 48N", false, false, false,
     {102.14, 8.33, 108, 23.4}},
    {3406, "http://www.opengis.net/def/crs/EPSG/0/3406", "VN-2000 / UTM zone 49N", false, false, false,
     {108, 10.43, 109.53, 21.56}},
    {3857, "http://www.opengis.net/def/crs/EPSG/0/3857", "WGS 84 / Pseudo-Mercator (web maps)", false, false, false,
     {-180, -85.06, 180, 85.06}},
    {4326, "http://www.opengis.net/def/crs/EPSG/0/4326", "WGS 84", true, true, true, {-180, -90, 180, 90}},
    {4756, "http://www.opengis.net/def/crs/EPSG/0/4756", "VN-2000", true, true, false, {102.14, 8.33, 109.53, 23.4}},
    {5896, "http://www.opengis.net/def/crs/EPSG/0/5896", "VN-2000 / TM-3 zone 481", false, false, false,
     {102.14, 9.2, 103.51, 22.82}},
    {5897, "http://www.opengis.net/def/crs/EPSG/0/5897", "VN-2000 / TM-3 zone 482", false, false, false,
     {103.5, 8.33, 106.51, 23.4}},
    {5898, "http://www.opengis.net/def/crs/EPSG/0/5898", "VN-2000 / TM-3 zone 491", false, false, false,
     {106.5, 8.57, 109.53, 22.95}},
    {5899, "http://www.opengis.net/def/crs/EPSG/0/5899", "VN-2000 / TM-3 107-45", false, false, false,
     {106.43, 8.57, 108.76, 21.67}},
    {9205, "http://www.opengis.net/def/crs/EPSG/0/9205", "VN-2000 / TM-3 103-00", false, false, false,
     {102.14, 20.89, 103.99, 22.82}},
    {9206, "http://www.opengis.net/def/crs/EPSG/0/9206", "VN-2000 / TM-3 104-00", false, false, false,
     {103.21, 20.57, 105.03, 22.04}},
    {9207, "http://www.opengis.net/def/crs/EPSG/0/9207", "VN-2000 / TM-3 104-30", false, false, false,
     {103.4, 8.33, 105.54, 10.55}},
    {9208, "http://www.opengis.net/def/crs/EPSG/0/9208", "VN-2000 / TM-3 104-45", false, false, false,
     {103.53, 10.18, 105.86, 22.85}},
    {9209, "http://www.opengis.net/def/crs/EPSG/0/9209", "VN-2000 / TM-3 105-30", false, false, false,
     {104.33, 9.19, 106.69, 23.4}},
    {9210, "http://www.opengis.net/def/crs/EPSG/0/9210", "VN-2000 / TM-3 105-45", false, false, false,
     {105.26, 9.75, 107.8, 23.12}},
    {9211, "http://www.opengis.net/def/crs/EPSG/0/9211", "VN-2000 / TM-3 106-00", false, false, false,
     {104.83, 16.92, 107.03, 22.7}},
    {9212, "http://www.opengis.net/def/crs/EPSG/0/9212", "VN-2000 / TM-3 106-15", false, false, false,
     {106.41, 11.3, 107.43, 17.22}},
    {9213, "http://www.opengis.net/def/crs/EPSG/0/9213", "VN-2000 / TM-3 106-30", false, false, false,
     {105.43, 21.32, 106.25, 22.75}},
    {9214, "http://www.opengis.net/def/crs/EPSG/0/9214", "VN-2000 / TM-3 107-00", false, false, false,
     {105.88, 15.99, 108.24, 21.63}},
    {9215, "http://www.opengis.net/def/crs/EPSG/0/9215", "VN-2000 / TM-3 107-15", false, false, false,
     {106.09, 21.32, 107.37, 22.47}},
    {9216, "http://www.opengis.net/def/crs/EPSG/0/9216", "VN-2000 / TM-3 107-30", false, false, false,
     {107.33, 13.92, 108.55, 15.42}},
    {9217, "http://www.opengis.net/def/crs/EPSG/0/9217", "VN-2000 / TM-3 108-15", false, false, false,
     {108.55, 11.25, 109.53, 14.71}},
    {9218, "http://www.opengis.net/def/crs/EPSG/0/9218", "VN-2000 / TM-3 108-30", false, false, false,
     {107.2, 10.43, 109.52, 14.61}},
};
#define CRS_COUNT (sizeof crs_table / sizeof crs_table[0])

const crs_info *crs_supported(size_t *n)
{
    *n = CRS_COUNT;
    return crs_table;
}

const crs_info *crs_find(int code)
{
    for (size_t i = 0; i < CRS_COUNT; i++)
        if (crs_table[i].code == code)
            return &crs_table[i];
    return NULL;
}

static void list_codes(buf *b)
{
    for (size_t i = 0; i < CRS_COUNT; i++) {
        if (crs_table[i].code == CRS_CRS84)
            buf_puts(b, "CRS84");
        else
            buf_appendf(b, ", EPSG:%d", crs_table[i].code);
    }
}

/* Digits only, 1-6 of them, to the end of s: the code; else -1. */
static int parse_code(const char *s)
{
    size_t n = strspn(s, "0123456789");
    if (n == 0 || n > 6 || s[n])
        return -1;
    return atoi(s);
}

const crs_info *crs_from_uri(const char *s, const char *param, rm_error *err)
{
    static const char *const epsg_prefixes[] = {
        "http://www.opengis.net/def/crs/EPSG/0/", "https://www.opengis.net/def/crs/EPSG/0/",
        "urn:ogc:def:crs:EPSG::", "urn:ogc:def:crs:EPSG:0:", "EPSG:", "[EPSG:", NULL};
    static const char *const crs84[] = {
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84", "https://www.opengis.net/def/crs/OGC/1.3/CRS84",
        "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "CRS84", "OGC:CRS84", "[OGC:CRS84]", NULL};
    int code = -1;
    if (s) {
        for (const char *const *p = crs84; *p; p++)
            if (strcasecmp(s, *p) == 0)
                return crs_find(CRS_CRS84);
        for (const char *const *p = epsg_prefixes; *p && code < 0; p++) {
            size_t n = strlen(*p);
            if (strncasecmp(s, *p, n) != 0)
                continue;
            char tail[16];
            size_t m = strlen(s + n);
            if (m >= sizeof tail)
                break;
            memcpy(tail, s + n, m + 1);
            if ((*p)[0] == '[') { /* safe CURIE: closing bracket */
                if (m == 0 || tail[m - 1] != ']')
                    break;
                tail[m - 1] = 0;
            }
            code = parse_code(tail);
        }
    }
    const crs_info *c = code > 0 ? crs_find(code) : NULL;
    if (c)
        return c;
    buf l = BUF_INIT;
    list_codes(&l);
    if (code > 0)
        rm_error_set(err, 400, "Invalid parameter", "%s=EPSG:%d is not supported; supported: %s (as EPSG:XXXX or "
                     "http://www.opengis.net/def/crs/EPSG/0/XXXX)", param, code, l.data);
    else
        rm_error_set(err, 400, "Invalid parameter", "%s='%.100s' is not a CRS reference; give EPSG:XXXX or "
                     "http://www.opengis.net/def/crs/EPSG/0/XXXX with one of: %s", param, s ? s : "", l.data);
    buf_free(&l);
    return NULL;
}

/* ---- pipelines (process-wide) ------------------------------------------------------------------- */

static pthread_mutex_t pipeline_mu = PTHREAD_MUTEX_INITIALIZER;
static char *pipelines[CRS_COUNT];

static void quiet_log(void *data, int level, const char *msg)
{
    (void)level;
    buf *b = data;
    if (b) {
        buf_reset(b);
        buf_puts(b, msg);
    }
}

/* Is op EPSG:6960 or a concatenation with EPSG:6960 as a step? */
static bool uses_pinned(PJ_CONTEXT *ctx, const PJ *op)
{
    const char *auth = proj_get_id_auth_name(op, 0), *code = proj_get_id_code(op, 0);
    if (auth && code && strcmp(auth, "EPSG") == 0 && strcmp(code, CRS_PINNED_OPERATION) == 0)
        return true;
    int n = proj_concatoperation_get_step_count(ctx, op);
    bool found = false;
    for (int i = 0; i < n && !found; i++) {
        PJ *step = proj_concatoperation_get_step(ctx, op, i);
        if (!step)
            continue;
        auth = proj_get_id_auth_name(step, 0);
        code = proj_get_id_code(step, 0);
        found = auth && code && strcmp(auth, "EPSG") == 0 && strcmp(code, CRS_PINNED_OPERATION) == 0;
        proj_destroy(step);
    }
    return found;
}

/* Build the pipeline string of c to WGS 84 lon/lat: the candidate operation that uses EPSG:6960,
 * normalised to east-first axes. Called with pipeline_mu held. NULL with err on failure. */
static char *build_pipeline(const crs_info *c, rm_error *err)
{
    buf log = BUF_INIT;
    char *out = NULL;
    PJ_CONTEXT *ctx = proj_context_create();
    PJ *src = NULL, *dst = NULL, *chosen = NULL, *norm = NULL;
    PJ_OPERATION_FACTORY_CONTEXT *fc = NULL;
    PJ_OBJ_LIST *ops = NULL;
    if (!ctx) {
        rm_error_set(err, 500, "PROJ error", "cannot create a PROJ context");
        return NULL;
    }
    proj_log_func(ctx, &log, quiet_log);
    char def[32];
    snprintf(def, sizeof def, "EPSG:%d", c->code);
    src = proj_create(ctx, def);
    dst = proj_create(ctx, "EPSG:4326");
    fc = proj_create_operation_factory_context(ctx, NULL);
    if (!src || !dst || !fc)
        goto fail;
    proj_operation_factory_context_set_spatial_criterion(ctx, fc, PROJ_SPATIAL_CRITERION_PARTIAL_INTERSECTION);
    proj_operation_factory_context_set_grid_availability_use(ctx, fc, PROJ_GRID_AVAILABILITY_IGNORED);
    ops = proj_create_operations(ctx, src, dst, fc);
    if (!ops)
        goto fail;
    int n = proj_list_get_count(ops);
    for (int i = 0; i < n && !chosen; i++) {
        PJ *op = proj_list_get(ctx, ops, i);
        if (op && uses_pinned(ctx, op))
            chosen = op;
        else
            proj_destroy(op);
    }
    if (!chosen && c->code == 3857 && n > 0) /* WGS 84 itself: a conversion, no datum to choose */
        chosen = proj_list_get(ctx, ops, 0);
    if (!chosen) {
        rm_error_set(err, 500, "PROJ error", "PROJ offers no EPSG:%s operation from EPSG:%d to WGS 84 "
                     "(is proj.db complete?)", CRS_PINNED_OPERATION, c->code);
        goto done;
    }
    norm = proj_normalize_for_visualization(ctx, chosen);
    const char *s = norm ? proj_as_proj_string(ctx, norm, PJ_PROJ_5, NULL) : NULL;
    if (!s)
        goto fail;
    out = strdup(s);
    goto done;
fail:
    rm_error_set(err, 500, "PROJ error", "cannot build the transform from EPSG:%d to WGS 84: %s", c->code,
                 log.data ? log.data : "unknown PROJ error");
done:
    proj_destroy(norm);
    proj_destroy(chosen);
    proj_list_destroy(ops);
    proj_operation_factory_context_destroy(fc);
    proj_destroy(src);
    proj_destroy(dst);
    proj_context_destroy(ctx);
    buf_free(&log);
    return out;
}

const char *crs_pipeline(const crs_info *c, rm_error *err)
{
    if (c->wgs84)
        return "";
    size_t i = (size_t)(c - crs_table);
    pthread_mutex_lock(&pipeline_mu);
    if (!pipelines[i])
        pipelines[i] = build_pipeline(c, err);
    const char *p = pipelines[i];
    pthread_mutex_unlock(&pipeline_mu);
    return p;
}

/* ---- per-thread transforms ---------------------------------------------------------------------- */

typedef struct crs_thread {
    PJ_CONTEXT *ctx;
    buf log;
    PJ *pj[CRS_COUNT];
} crs_thread;

static pthread_key_t thread_key;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;

static void thread_destroy(void *p)
{
    crs_thread *t = p;
    for (size_t i = 0; i < CRS_COUNT; i++)
        proj_destroy(t->pj[i]);
    proj_context_destroy(t->ctx);
    buf_free(&t->log);
    free(t);
}

static void thread_key_create(void) { pthread_key_create(&thread_key, thread_destroy); }

static crs_thread *thread_state(rm_error *err)
{
    pthread_once(&thread_once, thread_key_create);
    crs_thread *t = pthread_getspecific(thread_key);
    if (t)
        return t;
    t = calloc(1, sizeof *t);
    if (t)
        t->ctx = proj_context_create();
    if (!t || !t->ctx) {
        free(t);
        rm_error_set(err, 500, "PROJ error", "cannot create a PROJ context");
        return NULL;
    }
    proj_log_func(t->ctx, &t->log, quiet_log);
    pthread_setspecific(thread_key, t);
    return t;
}

static PJ *thread_transform(const crs_info *c, crs_thread **tp, rm_error *err)
{
    crs_thread *t = thread_state(err);
    if (!t)
        return NULL;
    *tp = t;
    size_t i = (size_t)(c - crs_table);
    if (t->pj[i])
        return t->pj[i];
    const char *p = crs_pipeline(c, err);
    if (!p)
        return NULL;
    t->pj[i] = proj_create(t->ctx, p);
    if (!t->pj[i])
        rm_error_set(err, 500, "PROJ error", "cannot instantiate the EPSG:%d transform: %s", c->code,
                     t->log.data ? t->log.data : "unknown PROJ error");
    return t->pj[i];
}

int crs_transform(const crs_info *c, bool to_wgs84, double *xy, size_t n, const char *param, rm_error *err)
{
    if (c->wgs84) {
        for (size_t i = 0; i < n; i++)
            if (!isfinite(xy[2 * i]) || !isfinite(xy[2 * i + 1]) || fabs(xy[2 * i]) > 180 ||
                fabs(xy[2 * i + 1]) > 90)
                return rm_error_set(err, 400, "Invalid coordinates", "%s: longitude must be within -180..180 "
                                    "and latitude within -90..90", param);
        return 0;
    }
    crs_thread *t = NULL;
    PJ *pj = thread_transform(c, &t, err);
    if (!pj)
        return -1;
    PJ_DIRECTION dir = to_wgs84 ? PJ_FWD : PJ_INV;
    for (size_t i = 0; i < n; i++) {
        PJ_COORD in = proj_coord(xy[2 * i], xy[2 * i + 1], 0, 0);
        PJ_COORD out = proj_trans(pj, dir, in);
        proj_errno_reset(pj);
        if (!isfinite(out.xy.x) || !isfinite(out.xy.y) || out.xy.x == HUGE_VAL)
            return rm_error_set(err, 400, "Invalid coordinates", "%s: position %zu (%g, %g) cannot be transformed "
                                "%s EPSG:%d", param, i + 1, xy[2 * i], xy[2 * i + 1], to_wgs84 ? "from" : "to",
                                c->code);
        xy[2 * i] = out.xy.x;
        xy[2 * i + 1] = out.xy.y;
    }
    return 0;
}

int crs_to_wgs84(const crs_info *c, double x, double y, double *lon, double *lat, const char *param,
                 rm_error *err)
{
    double xy[2] = {x, y};
    if (crs_transform(c, true, xy, 1, param, err) < 0)
        return -1;
    *lon = xy[0];
    *lat = xy[1];
    return 0;
}

int crs_from_wgs84(const crs_info *c, double lon, double lat, double *x, double *y, const char *param,
                   rm_error *err)
{
    double xy[2] = {lon, lat};
    if (crs_transform(c, false, xy, 1, param, err) < 0)
        return -1;
    *x = xy[0];
    *y = xy[1];
    return 0;
}
