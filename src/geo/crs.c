/*
 * crs: supported systems, admin-defined TM-3 zones, and PROJ transforms pinned to one VN-2000 to
 * WGS 84 operation; see crs.h.
 *
 * Two levels of caching. Process-wide, under reg_mu: the pinned transformation (its spec and the
 * VN-2000 to WGS 84 part of every pipeline), the admin zones, and the pipeline string of each
 * system, built on first use in a private context (a few milliseconds each). Per thread: a
 * PJ_CONTEXT and the PJ objects made from those strings, so no PROJ object is ever shared between
 * threads. crs_configure() bumps a generation counter when it changes anything; a thread whose
 * transforms belong to an older generation drops them before its next transform.
 *
 * Zone descriptions are never freed: a request may hold a crs_info while an admin removes its zone,
 * and pipeline strings handed out by crs_pipeline() must outlive a reconfiguration too. Both stay
 * reachable from this file's globals (a handful of small strings per change an admin makes).
 * Titles and areas of use of the built-in systems are EPSG's (projinfo), fixed in the table.
 */
#include "geo/crs.h"

#include <math.h>
#include <proj.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"

#define EPSG_URI "http://www.opengis.net/def/crs/EPSG/0/"
#define ZONE_URI "urn:ogc:def:crs:RADMAP::VN2000-TM3-"
#define ZONE_LABEL "RADMAP:VN2000-TM3-"
/* A built-in system: EPSG code, title, geographic, lat_first, wgs84, area, TM-3 meridian (minutes). */
#define SYS(code, title, geo, latf, wgs, w, s, e, n, tm3) \
    {code, EPSG_URI #code, title, geo, latf, wgs, {w, s, e, n}, "EPSG:" #code, tm3, 0, NULL, NULL, 0}
#define TM3(code, title, w, s, e, n, deg, min) SYS(code, title, false, false, false, w, s, e, n, (deg) * 60 + (min))

static const crs_info crs_table[] = {
    {CRS_CRS84, "http://www.opengis.net/def/crs/OGC/1.3/CRS84", "WGS 84 (CRS84, longitude first)", true, false, true,
     {-180, -90, 180, 90}, "CRS84", 0, 0, NULL, NULL, 0},
    SYS(3405, "VN-2000 / UTM zone 48N", false, false, false, 102.14, 8.33, 108, 23.4, 0),
    SYS(3406, "VN-2000 / UTM zone 49N", false, false, false, 108, 10.43, 109.53, 21.56, 0),
    SYS(3857, "WGS 84 / Pseudo-Mercator (web maps)", false, false, false, -180, -85.06, 180, 85.06, 0),
    SYS(4326, "WGS 84", true, true, true, -180, -90, 180, 90, 0),
    SYS(4756, "VN-2000", true, true, false, 102.14, 8.33, 109.53, 23.4, 0),
    TM3(5896, "VN-2000 / TM-3 zone 481", 102.14, 9.2, 103.51, 22.82, 102, 0),
    TM3(5897, "VN-2000 / TM-3 zone 482", 103.5, 8.33, 106.51, 23.4, 105, 0),
    TM3(5898, "VN-2000 / TM-3 zone 491", 106.5, 8.57, 109.53, 22.95, 108, 0),
    TM3(5899, "VN-2000 / TM-3 107-45", 106.43, 8.57, 108.76, 21.67, 107, 45),
    TM3(9205, "VN-2000 / TM-3 103-00", 102.14, 20.89, 103.99, 22.82, 103, 0),
    TM3(9206, "VN-2000 / TM-3 104-00", 103.21, 20.57, 105.03, 22.04, 104, 0),
    TM3(9207, "VN-2000 / TM-3 104-30", 103.4, 8.33, 105.54, 10.55, 104, 30),
    TM3(9208, "VN-2000 / TM-3 104-45", 103.53, 10.18, 105.86, 22.85, 104, 45),
    TM3(9209, "VN-2000 / TM-3 105-30", 104.33, 9.19, 106.69, 23.4, 105, 30),
    TM3(9210, "VN-2000 / TM-3 105-45", 105.26, 9.75, 107.8, 23.12, 105, 45),
    TM3(9211, "VN-2000 / TM-3 106-00", 104.83, 16.92, 107.03, 22.7, 106, 0),
    TM3(9212, "VN-2000 / TM-3 106-15", 106.41, 11.3, 107.43, 17.22, 106, 15),
    TM3(9213, "VN-2000 / TM-3 106-30", 105.43, 21.32, 106.25, 22.75, 106, 30),
    TM3(9214, "VN-2000 / TM-3 107-00", 105.88, 15.99, 108.24, 21.63, 107, 0),
    TM3(9215, "VN-2000 / TM-3 107-15", 106.09, 21.32, 107.37, 22.47, 107, 15),
    TM3(9216, "VN-2000 / TM-3 107-30", 107.33, 13.92, 108.55, 15.42, 107, 30),
    TM3(9217, "VN-2000 / TM-3 108-15", 108.55, 11.25, 109.53, 14.71, 108, 15),
    TM3(9218, "VN-2000 / TM-3 108-30", 107.2, 10.43, 109.52, 14.61, 108, 30),
};
#define CRS_COUNT (sizeof crs_table / sizeof crs_table[0])

/* ---- registry: zones and the pinned transformation (process-wide, under reg_mu) ------------------ */

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static crs_info **zones_all;        /* every zone description ever made (never freed, see above) */
static size_t nzones_all, cap_zones_all;
static const crs_info **zones_cur;  /* the installed zones, by meridian */
static size_t nzones_cur;
static char *trans_spec;            /* canonical spec; NULL: CRS_DEFAULT_TRANSFORMATION */
static char trans_desc[200];
static char *trans_partb;           /* VN-2000 to WGS 84 steps of the installed spec; NULL until built */
static char **pipelines;            /* by slot; NULL until built */
static size_t npipelines;
static char **grave;                /* replaced pipeline strings, kept for crs_pipeline()'s callers */
static size_t ngrave, cap_grave;
static atomic_uint generation;

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q)
        abort(); /* a few hundred bytes: out of memory here is not recoverable */
    return q;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

static int slot_of(const crs_info *c) { return c->zone_id ? c->slot : (int)(c - crs_table); }

const crs_info *crs_supported(size_t *n)
{
    *n = CRS_COUNT;
    return crs_table;
}

size_t crs_all(const crs_info **out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < CRS_COUNT; i++, k++)
        if (k < cap)
            out[k] = &crs_table[i];
    pthread_mutex_lock(&reg_mu);
    for (size_t i = 0; i < nzones_cur; i++, k++)
        if (k < cap)
            out[k] = zones_cur[i];
    pthread_mutex_unlock(&reg_mu);
    return k;
}

const crs_info *crs_find(int code)
{
    if (code < 0) {
        const crs_info *z = NULL;
        pthread_mutex_lock(&reg_mu);
        for (size_t i = 0; i < nzones_cur && !z; i++)
            if (zones_cur[i]->code == code)
                z = zones_cur[i];
        pthread_mutex_unlock(&reg_mu);
        return z;
    }
    for (size_t i = 0; i < CRS_COUNT; i++)
        if (crs_table[i].code == code)
            return &crs_table[i];
    return NULL;
}

const crs_info *crs_find_tm3_builtin(int minutes)
{
    for (size_t i = 0; i < CRS_COUNT; i++)
        if (crs_table[i].tm3_minutes && crs_table[i].tm3_minutes == minutes)
            return &crs_table[i];
    return NULL;
}

const crs_info *crs_find_zone_meridian(int minutes)
{
    const crs_info *z = NULL;
    pthread_mutex_lock(&reg_mu);
    for (size_t i = 0; i < nzones_cur && !z; i++)
        if (zones_cur[i]->tm3_minutes == minutes)
            z = zones_cur[i];
    pthread_mutex_unlock(&reg_mu);
    return z;
}

void crs_format_meridian(int minutes, char *out, size_t cap)
{
    snprintf(out, cap, "%d-%02d", minutes / 60, minutes % 60);
}

int crs_parse_meridian(const char *s, const char *param, rm_error *err)
{
    const char *p = s ? s : "";
    while (*p == ' ')
        p++;
    char *end;
    int minutes = -1;
    long deg = strtol(p, &end, 10);
    if (end == p || deg < 0)
        goto bad;
    if (*end == '.' || *end == 'e' || *end == 'E') {
        /* Decimal degrees: a whole number of arc-minutes (to 1e-4 minute, 0.2 m), as meridians are. */
        double d = strtod(p, &end);
        while (*end == ' ')
            end++;
        if (*end || !isfinite(d))
            goto bad;
        double m = d * 60.0, r = round(m);
        if (!(fabs(r) <= 1000 * 60)) /* before the cast to int: far outside any meridian */
            goto bad;
        if (fabs(m - r) > 1e-4)
            return rm_error_set(err, 400, "Invalid parameter", "%s=%.60s is not a whole number of arc-minutes: "
                                "VN-2000 TM-3 central meridians are (106.25 is 106-15); give degrees and minutes, "
                                "e.g. 106-15", param, s);
        minutes = (int)r;
    } else {
        long min = 0;
        const char *q = end;
        if (*q == '-' || *q == ' ')
            q++;
        else if ((unsigned char)q[0] == 0xC2 && (unsigned char)q[1] == 0xB0) /* ° */
            q += 2;
        if (q != end) {
            min = strtol(q, &end, 10);
            if (end == q || min < 0 || min > 59)
                goto bad;
            if (*end == '\'')
                end++;
            else if ((unsigned char)end[0] == 0xE2 && (unsigned char)end[1] == 0x80 && (unsigned char)end[2] == 0xB2)
                end += 3; /* ′ */
        }
        while (*end == ' ')
            end++;
        if (*end || deg > 1000)
            goto bad;
        minutes = (int)(deg * 60 + min);
    }
    if (minutes < CRS_ZONE_MIN_LON * 60 || minutes > CRS_ZONE_MAX_LON * 60)
        return rm_error_set(err, 400, "Invalid parameter", "%s=%.60s is outside %g..%g degrees east (the central "
                            "meridians of VN-2000 TM-3 zones)", param, s, CRS_ZONE_MIN_LON, CRS_ZONE_MAX_LON);
    return minutes;
bad:
    return rm_error_set(err, 400, "Invalid parameter", "%s='%.60s' is not a central meridian; give decimal degrees "
                        "(106.75) or degrees and minutes (106-45)", param, s ? s : "");
}

/* ---- parsing references ------------------------------------------------------------------------- */

static void list_codes(buf *b)
{
    for (size_t i = 0; i < CRS_COUNT; i++)
        buf_appendf(b, "%s%s", i ? ", " : "", crs_table[i].label);
    pthread_mutex_lock(&reg_mu);
    for (size_t i = 0; i < nzones_cur; i++)
        buf_appendf(b, ", %s", zones_cur[i]->label);
    pthread_mutex_unlock(&reg_mu);
}

/* Digits only, 1-6 of them, to the end of s: the code; else -1. */
static int parse_code(const char *s)
{
    size_t n = strspn(s, "0123456789");
    if (n == 0 || n > 6 || s[n])
        return -1;
    return atoi(s);
}

/* An admin zone reference (see crs.h): 1 with *minutes, 0 when s is not one, -1 when malformed. */
static int parse_zone_ref(const char *s, int *minutes)
{
    static const char *const prefixes[] = {"urn:ogc:def:crs:RADMAP::", "urn:ogc:def:crs:RADMAP:0:", "RADMAP:",
                                           "[RADMAP:", NULL};
    for (const char *const *p = prefixes; *p; p++) {
        size_t n = strlen(*p);
        if (strncasecmp(s, *p, n) != 0)
            continue;
        const char *t = s + n;
        if (strncasecmp(t, "VN2000-TM3-", 11) != 0)
            return -1;
        char tail[40];
        size_t m = strlen(t + 11);
        if (m >= sizeof tail)
            return -1;
        memcpy(tail, t + 11, m + 1);
        if ((*p)[0] == '[') {
            if (m == 0 || tail[m - 1] != ']')
                return -1;
            tail[m - 1] = 0;
        }
        int r = crs_parse_meridian(tail, "crs", NULL);
        if (r < 0)
            return -1;
        *minutes = r;
        return 1;
    }
    return 0;
}

const crs_info *crs_from_uri(const char *s, const char *param, rm_error *err)
{
    static const char *const epsg_prefixes[] = {
        "http://www.opengis.net/def/crs/EPSG/0/", "https://www.opengis.net/def/crs/EPSG/0/",
        "urn:ogc:def:crs:EPSG::", "urn:ogc:def:crs:EPSG:0:", "EPSG:", "[EPSG:", NULL};
    static const char *const crs84[] = {
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84", "https://www.opengis.net/def/crs/OGC/1.3/CRS84",
        "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "CRS84", "OGC:CRS84", "[OGC:CRS84]", NULL};
    int code = -1, zone = 0, minutes = 0;
    if (s) {
        for (const char *const *p = crs84; *p; p++)
            if (strcasecmp(s, *p) == 0)
                return crs_find(CRS_CRS84);
        zone = parse_zone_ref(s, &minutes);
        if (zone > 0) {
            const crs_info *z = crs_find_zone_meridian(minutes);
            if (z)
                return z;
        }
        for (const char *const *p = epsg_prefixes; *p && code < 0 && !zone; p++) {
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
    if (zone > 0) {
        char dm[16];
        crs_format_meridian(minutes, dm, sizeof dm);
        const crs_info *b = crs_find_tm3_builtin(minutes);
        if (b) /* EPSG has it: say which, rather than suggesting a duplicate */
            rm_error_set(err, 400, "Invalid parameter", "%s: central meridian %s is %s (%s); give %s", param, dm,
                         b->label, b->title, b->uri);
        else
            rm_error_set(err, 400, "Invalid parameter", "%s: no VN-2000 TM-3 zone with central meridian %s is "
                         "defined (an administrator defines one with POST /crs/zones); supported: %s", param, dm,
                         l.data);
    } else if (code > 0)
        rm_error_set(err, 400, "Invalid parameter", "%s=EPSG:%d is not supported; supported: %s (as EPSG:XXXX or "
                     "http://www.opengis.net/def/crs/EPSG/0/XXXX)", param, code, l.data);
    else
        rm_error_set(err, 400, "Invalid parameter", "%s='%.100s' is not a CRS reference; give EPSG:XXXX or "
                     "http://www.opengis.net/def/crs/EPSG/0/XXXX with one of: %s", param, s ? s : "", l.data);
    buf_free(&l);
    return NULL;
}

/* ---- building pipelines ------------------------------------------------------------------------- */

static void quiet_log(void *data, int level, const char *msg)
{
    (void)level;
    buf *b = data;
    if (b) {
        buf_reset(b);
        buf_puts(b, msg);
    }
}

static PJ_CONTEXT *private_context(buf *log)
{
    PJ_CONTEXT *ctx = proj_context_create();
    if (ctx)
        proj_log_func(ctx, log, quiet_log);
    return ctx;
}

/* Append the steps of a PROJ string to a pipeline being built: a pipeline's own steps (it has no
 * global options: checked where they come from), or the single operation as one step. */
static void append_steps(buf *b, const char *s)
{
    while (*s == ' ')
        s++;
    if (strncmp(s, "+proj=pipeline", 14) == 0)
        buf_puts(b, s + 14);
    else if (*s)
        buf_appendf(b, " +step %s", s);
}

/* The spec with runs of white space made one space, trimmed; NULL when it holds control characters
 * or is too long. malloc'd. */
static char *squeeze(const char *s)
{
    buf b = BUF_INIT;
    bool space = false;
    for (const char *p = s; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            space = b.len > 0;
            continue;
        }
        if (ch < 0x20 || ch == 0x7f) {
            buf_free(&b);
            return NULL;
        }
        if (space)
            buf_putc(&b, ' ');
        space = false;
        buf_putc(&b, (char)ch);
    }
    if (b.len == 0 || b.len > 900) {
        buf_free(&b);
        return NULL;
    }
    return buf_detach(&b, NULL);
}

/* The VN-2000 to WGS 84 steps (degrees, east first) of a transformation spec, with its canonical
 * form and description; NULL with err (400) when the spec is not usable. */
static char *build_partb(const char *spec, char *canon, size_t canon_cap, char *desc, size_t desc_cap, rm_error *err)
{
    buf log = BUF_INIT;
    char *out = NULL, *sq = NULL;
    PJ *op = NULL, *norm = NULL, *src = NULL, *dst = NULL, *pj = NULL;
    PJ_CONTEXT *ctx = private_context(&log);
    if (!ctx) {
        rm_error_set(err, 500, "PROJ error", "cannot create a PROJ context");
        return NULL;
    }
    if (!spec || !*spec)
        spec = CRS_DEFAULT_TRANSFORMATION;
    const char *tail = NULL;
    if (strncasecmp(spec, "EPSG:", 5) == 0)
        tail = spec + 5;
    else if (strncasecmp(spec, "urn:ogc:def:coordinateOperation:EPSG::", 38) == 0)
        tail = spec + 38;
    if (tail) {
        int code = parse_code(tail);
        if (code <= 0) {
            rm_error_set(err, 400, "Invalid transformation", "'%.60s' is not an EPSG code (EPSG:NNNN)", spec);
            goto done;
        }
        char c[16];
        snprintf(c, sizeof c, "%d", code);
        op = proj_create_from_database(ctx, "EPSG", c, PJ_CATEGORY_COORDINATE_OPERATION, 0, NULL);
        src = op ? proj_get_source_crs(ctx, op) : NULL;
        dst = op ? proj_get_target_crs(ctx, op) : NULL;
        const char *sa = src ? proj_get_id_code(src, 0) : NULL, *da = dst ? proj_get_id_code(dst, 0) : NULL;
        if (!op || !sa || !da || strcmp(sa, "4756") != 0 || strcmp(da, "4326") != 0) {
            rm_error_set(err, 400, "Invalid transformation", "EPSG:%d is not an operation from VN-2000 (EPSG:4756) to "
                         "WGS 84 (EPSG:4326) that PROJ knows; EPSG has 6960 (national, Decision 05/2007/QĐ-BTNMT) "
                         "and 5194 (Mekong delta, up to 11.04°N)", code);
            goto done;
        }
        norm = proj_normalize_for_visualization(ctx, op);
        const char *ps = norm ? proj_as_proj_string(ctx, norm, PJ_PROJ_5, NULL) : NULL;
        if (!ps || strstr(ps, "axisswap")) {
            rm_error_set(err, 400, "Invalid transformation", "PROJ cannot express EPSG:%d as a pipeline: %s", code,
                         log.data ? log.data : "no PROJ string");
            goto done;
        }
        out = xstrdup(ps);
        snprintf(canon, canon_cap, "EPSG:%d", code);
        if (desc)
            snprintf(desc, desc_cap, "EPSG:%d %s", code, proj_get_name(op) ? proj_get_name(op) : "");
    } else {
        sq = squeeze(spec);
        if (!sq) {
            rm_error_set(err, 400, "Invalid transformation", "the transformation must be EPSG:NNNN, a '+proj=helmert "
                         "...' step or a '+proj=pipeline ...' of at most 900 characters without control characters");
            goto done;
        }
        buf b = BUF_INIT;
        if (strncmp(sq, "+proj=helmert ", 14) == 0) {
            if (strstr(sq, "+step") || strstr(sq + 1, "+proj=") != NULL) {
                rm_error_set(err, 400, "Invalid transformation", "a Helmert transformation is one '+proj=helmert' "
                             "step; give a whole chain as '+proj=pipeline ...'");
                goto done;
            }
            /* Geocentric on VN-2000's ellipsoid (WGS 84's), then back: as EPSG's own Helmert operations. */
            buf_appendf(&b, "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step +proj=push +v_3 "
                        "+step +proj=cart +ellps=WGS84 +step %s +step +inv +proj=cart +ellps=WGS84 +step +proj=pop "
                        "+v_3 +step +proj=unitconvert +xy_in=rad +xy_out=deg", sq);
            if (desc)
                snprintf(desc, desc_cap, "Helmert %.180s", sq + 14);
        } else if (strncmp(sq, "+proj=pipeline ", 15) == 0) {
            if (strncmp(sq + 15, "+step ", 6) != 0) {
                rm_error_set(err, 400, "Invalid transformation", "the pipeline must start '+proj=pipeline +step': "
                             "global pipeline options are not accepted");
                goto done;
            }
            buf_puts(&b, sq);
            if (desc)
                snprintf(desc, desc_cap, "PROJ pipeline given by an administrator");
        } else {
            rm_error_set(err, 400, "Invalid transformation", "'%.60s' is not a transformation: give EPSG:NNNN (6960 "
                         "or 5194), '+proj=helmert +x=... +convention=...' or '+proj=pipeline +step ...'", spec);
            goto done;
        }
        out = buf_detach(&b, NULL);
        snprintf(canon, canon_cap, "%s", sq);
    }
    /* Check it: builds, inverts, moves points of Viet Nam (HCMC, Hà Nội) by 50 m to 1 km and back. */
    pj = proj_create(ctx, out);
    if (!pj || !proj_pj_info(pj).has_inverse) {
        rm_error_set(err, 400, "Invalid transformation", "PROJ cannot use it%s: %s", pj ? " in both directions" : "",
                     log.data ? log.data : "no inverse");
        goto fail;
    }
    static const double probes[][2] = {{106.70, 10.776}, {105.85, 21.03}};
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        PJ_COORD a = proj_trans(pj, PJ_FWD, proj_coord(probes[i][0], probes[i][1], 0, 0));
        PJ_COORD b = proj_trans(pj, PJ_INV, a);
        double dx = (a.xy.x - probes[i][0]) * 111320.0 * cos(probes[i][1] * M_PI / 180),
               dy = (a.xy.y - probes[i][1]) * 110574.0;
        if (!isfinite(a.xy.x) || !isfinite(a.xy.y) || a.xy.x == HUGE_VAL || hypot(dx, dy) > 1000 ||
            hypot(dx, dy) < 50 ||
            !isfinite(b.xy.x) || fabs(b.xy.x - probes[i][0]) > 1e-8 || fabs(b.xy.y - probes[i][1]) > 1e-8) {
            rm_error_set(err, 400, "Invalid transformation", "it moves %.2f, %.2f (VN-2000) to %.6f, %.6f (%.0f m "
                         "away) and back to %.6f, %.6f: a VN-2000 to WGS 84 transformation moves points by a few "
                         "hundred metres and returns them exactly", probes[i][0], probes[i][1], a.xy.x, a.xy.y,
                         hypot(dx, dy), b.xy.x, b.xy.y);
            goto fail;
        }
    }
    goto done;
fail:
    free(out);
    out = NULL;
done:
    proj_destroy(pj);
    proj_destroy(src);
    proj_destroy(dst);
    proj_destroy(norm);
    proj_destroy(op);
    proj_context_destroy(ctx);
    buf_free(&log);
    free(sq);
    return out;
}

int crs_transformation_check(const char *spec, char *canon, size_t canon_cap, char *desc, size_t desc_cap,
                             rm_error *err)
{
    char *p = build_partb(spec, canon, canon_cap, desc, desc_cap, err);
    free(p);
    return p ? 0 : -1;
}

/* The installed part B, built on first use. Called with reg_mu held; NULL with err. */
static const char *partb_locked(rm_error *err)
{
    if (!trans_partb) {
        char canon[1024], desc[200];
        trans_partb = build_partb(trans_spec, canon, sizeof canon, desc, sizeof desc, err);
        if (trans_partb)
            snprintf(trans_desc, sizeof trans_desc, "%s", desc);
    }
    return trans_partb;
}

void crs_transformation_current(char *spec, size_t spec_cap, char *desc, size_t desc_cap)
{
    pthread_mutex_lock(&reg_mu);
    if (spec)
        snprintf(spec, spec_cap, "%s", trans_spec ? trans_spec : CRS_DEFAULT_TRANSFORMATION);
    if (desc) {
        partb_locked(NULL);
        snprintf(desc, desc_cap, "%s", trans_desc[0] ? trans_desc : CRS_DEFAULT_TRANSFORMATION);
    }
    pthread_mutex_unlock(&reg_mu);
}

char *crs_transformation_pipeline(rm_error *err)
{
    pthread_mutex_lock(&reg_mu);
    const char *p = partb_locked(err);
    char *out = p ? xstrdup(p) : NULL;
    pthread_mutex_unlock(&reg_mu);
    return out;
}

/* The steps from c (east first) to VN-2000 longitude, latitude in degrees: PROJ's inverse of the
 * system's own conversion (no datum involved), or the zone's projection. NULL with err. */
static char *build_parta(const crs_info *c, rm_error *err)
{
    if (c->geographic) /* EPSG:4756 itself */
        return xstrdup("");
    if (c->zone_id) {
        buf b = BUF_INIT;
        buf_appendf(&b, "+proj=pipeline +step +inv %s +step +proj=unitconvert +xy_in=rad +xy_out=deg", c->proj_def);
        return buf_detach(&b, NULL);
    }
    buf log = BUF_INIT;
    char *out = NULL, def[32];
    PJ_CONTEXT *ctx = private_context(&log);
    PJ *src = NULL, *dst = NULL, *norm = NULL;
    PJ_OPERATION_FACTORY_CONTEXT *fc = NULL;
    PJ_OBJ_LIST *ops = NULL;
    if (!ctx) {
        rm_error_set(err, 500, "PROJ error", "cannot create a PROJ context");
        return NULL;
    }
    snprintf(def, sizeof def, "EPSG:%d", c->code);
    src = proj_create(ctx, def);
    dst = proj_create(ctx, "EPSG:4756");
    fc = proj_create_operation_factory_context(ctx, NULL);
    if (src && dst && fc)
        ops = proj_create_operations(ctx, src, dst, fc);
    PJ *op = ops && proj_list_get_count(ops) > 0 ? proj_list_get(ctx, ops, 0) : NULL;
    norm = op ? proj_normalize_for_visualization(ctx, op) : NULL;
    proj_destroy(op);
    const char *s = norm ? proj_as_proj_string(ctx, norm, PJ_PROJ_5, NULL) : NULL;
    if (s && !strstr(s, "+proj=cart") && !strstr(s, "axisswap"))
        out = xstrdup(s);
    else
        rm_error_set(err, 500, "PROJ error", "cannot build the conversion from EPSG:%d to VN-2000 longitude, latitude: "
                     "%s", c->code, log.data ? log.data : s ? s : "unknown PROJ error");
    proj_destroy(norm);
    proj_list_destroy(ops);
    proj_operation_factory_context_destroy(fc);
    proj_destroy(src);
    proj_destroy(dst);
    proj_context_destroy(ctx);
    buf_free(&log);
    return out;
}

/* Web Mercator to WGS 84: a conversion on the same datum, nothing to choose. */
static char *build_mercator(rm_error *err)
{
    buf log = BUF_INIT;
    char *out = NULL;
    PJ_CONTEXT *ctx = private_context(&log);
    PJ *op = ctx ? proj_create_crs_to_crs(ctx, "EPSG:3857", "EPSG:4326", NULL) : NULL;
    PJ *norm = op ? proj_normalize_for_visualization(ctx, op) : NULL;
    const char *s = norm ? proj_as_proj_string(ctx, norm, PJ_PROJ_5, NULL) : NULL;
    if (s)
        out = xstrdup(s);
    else
        rm_error_set(err, 500, "PROJ error", "cannot build the transform from EPSG:3857 to WGS 84: %s",
                     log.data ? log.data : "unknown PROJ error");
    proj_destroy(norm);
    proj_destroy(op);
    proj_context_destroy(ctx);
    buf_free(&log);
    return out;
}

/* The pipeline of c to WGS 84 lon/lat: its conversion to VN-2000 lon/lat, then the pinned
 * transformation. Called with reg_mu held. NULL with err on failure. */
static char *build_pipeline(const crs_info *c, rm_error *err)
{
    if (c->code == 3857)
        return build_mercator(err);
    const char *b = partb_locked(err);
    if (!b)
        return NULL;
    char *a = build_parta(c, err);
    if (!a)
        return NULL;
    buf p = BUF_INIT;
    buf_puts(&p, "+proj=pipeline");
    append_steps(&p, a);
    append_steps(&p, b);
    free(a);
    return buf_detach(&p, NULL);
}

const char *crs_pipeline(const crs_info *c, rm_error *err)
{
    if (c->wgs84)
        return "";
    size_t i = (size_t)slot_of(c);
    pthread_mutex_lock(&reg_mu);
    if (i >= npipelines) {
        pipelines = xrealloc(pipelines, (i + 1) * sizeof *pipelines);
        memset(pipelines + npipelines, 0, (i + 1 - npipelines) * sizeof *pipelines);
        npipelines = i + 1;
    }
    if (!pipelines[i])
        pipelines[i] = build_pipeline(c, err);
    const char *p = pipelines[i];
    pthread_mutex_unlock(&reg_mu);
    return p;
}

/* ---- configuration ------------------------------------------------------------------------------ */

static bool same_name(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

/* The description of zone d, made once and reused while it is unchanged. Called with reg_mu held. */
static const crs_info *intern_zone(const crs_zone_def *d)
{
    for (size_t i = 0; i < nzones_all; i++) {
        const crs_info *z = zones_all[i];
        if (z->zone_id == d->id && z->tm3_minutes == d->minutes && same_name(z->zone_name, d->name))
            return z;
    }
    crs_info *z = calloc(1, sizeof *z);
    if (!z)
        abort();
    char dm[16], buf1[256];
    crs_format_meridian(d->minutes, dm, sizeof dm);
    double lon0 = d->minutes / 60.0;
    z->code = -(int)d->id;
    snprintf(buf1, sizeof buf1, "%s%s", ZONE_URI, dm);
    z->uri = xstrdup(buf1);
    snprintf(buf1, sizeof buf1, "VN-2000 / TM-3 %s%s%.200s%s", dm, d->name && *d->name ? " (" : "",
             d->name ? d->name : "", d->name && *d->name ? ")" : "");
    z->title = xstrdup(buf1);
    z->area[0] = lon0 - 1.5, z->area[1] = 8.33, z->area[2] = lon0 + 1.5, z->area[3] = 23.4;
    snprintf(buf1, sizeof buf1, "%s%s", ZONE_LABEL, dm);
    z->label = xstrdup(buf1);
    z->tm3_minutes = d->minutes;
    z->zone_id = d->id;
    z->zone_name = d->name ? xstrdup(d->name) : NULL;
    snprintf(buf1, sizeof buf1, "+proj=tmerc +lat_0=0 +lon_0=%.17g +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84", lon0);
    z->proj_def = xstrdup(buf1);
    z->slot = (int)(CRS_COUNT + nzones_all);
    if (nzones_all == cap_zones_all) {
        cap_zones_all = cap_zones_all ? 2 * cap_zones_all : 16;
        zones_all = xrealloc(zones_all, cap_zones_all * sizeof *zones_all);
    }
    zones_all[nzones_all++] = z;
    return z;
}

static int cmp_zone(const void *a, const void *b)
{
    const crs_info *x = *(const crs_info *const *)a, *y = *(const crs_info *const *)b;
    return x->tm3_minutes - y->tm3_minutes;
}

/* Move every built pipeline to the graveyard (called with reg_mu held). */
static void drop_pipelines(void)
{
    for (size_t i = 0; i < npipelines; i++) {
        if (!pipelines[i])
            continue;
        if (ngrave == cap_grave) {
            cap_grave = cap_grave ? 2 * cap_grave : 32;
            grave = xrealloc(grave, cap_grave * sizeof *grave);
        }
        grave[ngrave++] = pipelines[i];
        pipelines[i] = NULL;
    }
}

int crs_configure(const crs_zone_def *zones, size_t n, const char *transformation, rm_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (zones[i].id <= 0 || zones[i].id > 1000000 || zones[i].minutes < CRS_ZONE_MIN_LON * 60 ||
            zones[i].minutes > CRS_ZONE_MAX_LON * 60)
            return rm_error_set(err, 500, "Invalid zone", "zone %lld has central meridian %d arc-minutes: outside "
                                "%g..%g degrees east", (long long)zones[i].id, zones[i].minutes, CRS_ZONE_MIN_LON,
                                CRS_ZONE_MAX_LON);
    char canon[1024], desc[200];
    rm_error e = {0};
    /* Built outside the lock: PROJ takes milliseconds, and a bad spec changes nothing. */
    char *partb = build_partb(transformation, canon, sizeof canon, desc, sizeof desc, &e);
    if (!partb)
        return rm_error_set(err, 500, "Invalid transformation", "the database's VN-2000 transformation '%.80s' cannot "
                            "be used: %s; set another with: radmap crs set-transformation DB EPSG:6960",
                            transformation ? transformation : "", e.detail);
    pthread_mutex_lock(&reg_mu);
    bool changed = strcmp(canon, trans_spec ? trans_spec : CRS_DEFAULT_TRANSFORMATION) != 0 || n != nzones_cur;
    const crs_info **next = calloc(n ? n : 1, sizeof *next);
    if (!next)
        abort();
    for (size_t i = 0; i < n; i++)
        next[i] = intern_zone(&zones[i]);
    qsort(next, n, sizeof *next, cmp_zone);
    for (size_t i = 0; i < n && !changed; i++)
        changed = next[i] != zones_cur[i];
    if (!changed) {
        free(next);
        free(partb);
        pthread_mutex_unlock(&reg_mu);
        return 0;
    }
    free(zones_cur);
    zones_cur = next;
    nzones_cur = n;
    if (strcmp(canon, trans_spec ? trans_spec : CRS_DEFAULT_TRANSFORMATION) != 0 || !trans_partb) {
        free(trans_spec);
        trans_spec = xstrdup(canon);
        free(trans_partb);
        trans_partb = partb;
        partb = NULL;
        snprintf(trans_desc, sizeof trans_desc, "%s", desc);
        drop_pipelines();
        atomic_fetch_add(&generation, 1);
    }
    /* Zone pipelines are keyed by slot, and a changed zone gets a new slot: nothing else to drop. */
    pthread_mutex_unlock(&reg_mu);
    free(partb);
    return 0;
}

/* ---- per-thread transforms ---------------------------------------------------------------------- */

typedef struct crs_thread {
    PJ_CONTEXT *ctx;
    buf log;
    PJ **pj;          /* by slot */
    size_t npj;
    unsigned gen;     /* the generation pj belongs to */
} crs_thread;

static pthread_key_t thread_key;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;

static void thread_drop(crs_thread *t)
{
    for (size_t i = 0; i < t->npj; i++) {
        proj_destroy(t->pj[i]);
        t->pj[i] = NULL;
    }
}

static void thread_destroy(void *p)
{
    crs_thread *t = p;
    thread_drop(t);
    free(t->pj);
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
    t->gen = atomic_load(&generation);
    pthread_setspecific(thread_key, t);
    return t;
}

static PJ *thread_transform(const crs_info *c, rm_error *err)
{
    crs_thread *t = thread_state(err);
    if (!t)
        return NULL;
    unsigned gen = atomic_load(&generation);
    if (t->gen != gen) { /* the transformation changed: every cached transform is stale */
        thread_drop(t);
        t->gen = gen;
    }
    size_t i = (size_t)slot_of(c);
    if (i >= t->npj) {
        size_t n = i + 8;
        t->pj = xrealloc(t->pj, n * sizeof *t->pj);
        memset(t->pj + t->npj, 0, (n - t->npj) * sizeof *t->pj);
        t->npj = n;
    }
    if (t->pj[i])
        return t->pj[i];
    const char *p = crs_pipeline(c, err);
    if (!p)
        return NULL;
    t->pj[i] = proj_create(t->ctx, p);
    if (!t->pj[i])
        rm_error_set(err, 500, "PROJ error", "cannot instantiate the %s transform: %s", c->label,
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
    PJ *pj = thread_transform(c, err);
    if (!pj)
        return -1;
    PJ_DIRECTION dir = to_wgs84 ? PJ_FWD : PJ_INV;
    for (size_t i = 0; i < n; i++) {
        PJ_COORD in = proj_coord(xy[2 * i], xy[2 * i + 1], 0, 0);
        PJ_COORD out = proj_trans(pj, dir, in);
        proj_errno_reset(pj);
        if (!isfinite(out.xy.x) || !isfinite(out.xy.y) || out.xy.x == HUGE_VAL)
            return rm_error_set(err, 400, "Invalid coordinates", "%s: position %zu (%g, %g) cannot be transformed "
                                "%s %s", param, i + 1, xy[2 * i], xy[2 * i + 1], to_wgs84 ? "from" : "to", c->label);
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
