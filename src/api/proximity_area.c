/*
 * proximity_area: POST /proximity, everything inside an area (an evacuation zone, a flooded
 * district) given as a GeoJSON Polygon or MultiPolygon, optionally grown by a buffer in metres.
 *
 * Inside is decided by GEOS on the lon/lat polygon (edges are straight in lon/lat, as GeoJSON and
 * GEOS read them; a point on the boundary is inside). The buffer is geodesic: a point outside the
 * polygon belongs to the answer when its geodesic distance to the nearest edge is at most
 * buffer_m (geo_segment_distance: the exact minimum over the edge). This was chosen over buffering
 * a projected copy of the polygon (local azimuthal equidistant or UTM) because a projection is exact
 * only along lines through its centre: an area a few tens of kilometres across would be off by
 * centimetres to metres at its far edges, and results here are checked against a brute-force
 * geodesic computation. The cost stays small because an edge is only measured for points inside
 * its own box grown by the buffer (found through a grid), and most candidates are either inside the
 * polygon or outside every such box.
 *
 * Limits: the body at most PROX_MAX_BODY_BYTES (413), at most PROX_MAX_VERTICES positions (413),
 * buffer_m from 0 to 100 km, an area spanning at most PROX_MAX_SPAN_DEG degrees either way.
 */
#include <geos_c.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/crs_api.h"
#include "api/proximity.h"
#include "core/json.h"
#include "core/params.h"
#include "geo/clip.h"
#include "geo/crs.h"

#define PROX_MAX_BODY_BYTES (2u << 20)
#define PROX_MAX_VERTICES 20000
#define PROX_MAX_BUFFER_M 100000.0
#define PROX_MAX_SPAN_DEG 20.0
#define AREA_DEFAULT_LIMIT 1000
#define AREA_MAX_LIMIT 10000

/* ---- the thread's GEOS context ------------------------------------------------------------------ */

static pthread_key_t geos_key;
static pthread_once_t geos_once = PTHREAD_ONCE_INIT;
static void geos_destroy(void *p) { clip_geos_destroy(p); }
static void geos_key_create(void) { pthread_key_create(&geos_key, geos_destroy); }

static clip_geos *thread_geos(rm_error *err)
{
    pthread_once(&geos_once, geos_key_create);
    clip_geos *g = pthread_getspecific(geos_key);
    if (!g) {
        g = clip_geos_create(err);
        if (g)
            pthread_setspecific(geos_key, g);
    }
    return g;
}

/* ---- the area as parsed ------------------------------------------------------------------------- */

typedef struct area {
    double *xy;        /* every position, lon/lat after the CRS transform */
    size_t npos, cap;
    int *ring_start;   /* position index of each ring */
    int *ring_len;
    int *ring_poly;    /* polygon of each ring; its first ring is the shell */
    int nrings, ring_cap, npolys;
    double buffer_m;
    const char *type;  /* "Polygon" or "MultiPolygon" (static) */
} area;

static void area_free(area *a)
{
    free(a->xy);
    free(a->ring_start);
    free(a->ring_len);
    free(a->ring_poly);
}

static int add_ring(area *a, json_t *ring, int poly, const char *where, rm_error *err)
{
    if (!json_is_array(ring))
        return rm_error_set(err, 400, "Invalid geometry", "%s: a ring must be an array of positions", where);
    size_t n = json_array_size(ring);
    if (n < 4)
        return rm_error_set(err, 400, "Invalid geometry", "%s: a ring needs at least 4 positions (closed), it has "
                            "%zu", where, n);
    if (a->npos + n > PROX_MAX_VERTICES)
        return rm_error_set(err, 413, "Geometry too large", "geometry: more than %d positions; simplify the area",
                            PROX_MAX_VERTICES);
    if (a->nrings == a->ring_cap) {
        a->ring_cap = a->ring_cap ? a->ring_cap * 2 : 16;
        a->ring_start = realloc(a->ring_start, (size_t)a->ring_cap * sizeof(int));
        a->ring_len = realloc(a->ring_len, (size_t)a->ring_cap * sizeof(int));
        a->ring_poly = realloc(a->ring_poly, (size_t)a->ring_cap * sizeof(int));
        if (!a->ring_start || !a->ring_len || !a->ring_poly)
            abort();
    }
    if (a->npos + n > a->cap) {
        while (a->npos + n > a->cap)
            a->cap = a->cap ? a->cap * 2 : 256;
        a->xy = realloc(a->xy, a->cap * 2 * sizeof(double));
        if (!a->xy)
            abort();
    }
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_array_get(ring, i);
        if (!json_is_array(p) || json_array_size(p) < 2 || json_array_size(p) > 3 ||
            !json_is_number(json_array_get(p, 0)) || !json_is_number(json_array_get(p, 1)))
            return rm_error_set(err, 400, "Invalid geometry", "%s, position %zu: a position is [x, y] (numbers)",
                                where, i + 1);
        a->xy[2 * (a->npos + i)] = json_number_value(json_array_get(p, 0));
        a->xy[2 * (a->npos + i) + 1] = json_number_value(json_array_get(p, 1));
    }
    const double *f = &a->xy[2 * a->npos], *l = &a->xy[2 * (a->npos + n - 1)];
    if (f[0] != l[0] || f[1] != l[1])
        return rm_error_set(err, 400, "Invalid geometry", "%s is not closed: its last position must repeat the first",
                            where);
    a->ring_start[a->nrings] = (int)a->npos;
    a->ring_len[a->nrings] = (int)n;
    a->ring_poly[a->nrings] = poly;
    a->nrings++;
    a->npos += n;
    return 0;
}

static int add_polygon(area *a, json_t *rings, const char *where, rm_error *err)
{
    if (!json_is_array(rings) || json_array_size(rings) == 0)
        return rm_error_set(err, 400, "Invalid geometry", "%s: a polygon is a non-empty array of rings", where);
    int poly = a->npolys++;
    for (size_t i = 0; i < json_array_size(rings); i++) {
        char w[96];
        snprintf(w, sizeof w, "%s ring %zu", where, i + 1);
        if (add_ring(a, json_array_get(rings, i), poly, w, err) < 0)
            return -1;
    }
    return 0;
}

static bool only_keys(json_t *o, const char *const *keys, const char **bad)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        bool ok = false;
        for (const char *const *p = keys; *p; p++)
            ok |= strcmp(*p, k) == 0;
        if (!ok) {
            *bad = k;
            return false;
        }
    }
    return true;
}

/* Parse the body into a (untransformed coordinates). 0 or -1 with err. */
static int parse_body(http_request *req, area *a, rm_error *err)
{
    static const char usage[] = "the body is {\"geometry\": a GeoJSON Polygon or MultiPolygon, \"buffer_m\": "
                                "metres (optional)} or a GeoJSON Feature with such a geometry";
    if (req->body_too_large || req->body.len > PROX_MAX_BODY_BYTES)
        return rm_error_set(err, 413, "Payload Too Large", "the body is larger than %u bytes; simplify the area",
                            PROX_MAX_BODY_BYTES);
    if (req->body.len == 0)
        return rm_error_set(err, 400, "Missing body", "%s", usage);
    json_error_t je;
    json_t *root = json_loadb(req->body.data, req->body.len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return rm_error_set(err, 400, "Invalid JSON", "the body is not valid JSON (line %d, column %d: %s); %s",
                            je.line, je.column, je.text, usage);
    int rc = -1;
    json_t *geom = NULL, *buffer = NULL;
    const char *bad = NULL;
    const char *type = json_is_object(root) ? json_string_value(json_object_get(root, "type")) : NULL;
    if (!json_is_object(root)) {
        rm_error_set(err, 400, "Invalid body", "%s", usage);
        goto done;
    }
    if (type && strcmp(type, "Feature") == 0) {
        static const char *const keys[] = {"type", "id", "geometry", "properties", "bbox", "buffer_m", NULL};
        if (!only_keys(root, keys, &bad)) {
            rm_error_set(err, 400, "Invalid body", "unknown member '%.60s'; %s", bad, usage);
            goto done;
        }
        geom = json_object_get(root, "geometry");
        buffer = json_object_get(root, "buffer_m");
    } else if (type) {
        geom = root; /* a bare geometry */
    } else {
        static const char *const keys[] = {"geometry", "buffer_m", NULL};
        if (!only_keys(root, keys, &bad)) {
            rm_error_set(err, 400, "Invalid body", "unknown member '%.60s'; %s", bad, usage);
            goto done;
        }
        geom = json_object_get(root, "geometry");
        buffer = json_object_get(root, "buffer_m");
    }
    if (!json_is_object(geom)) {
        rm_error_set(err, 400, "Invalid body", "geometry is missing; %s", usage);
        goto done;
    }
    const char *gt = json_string_value(json_object_get(geom, "type"));
    json_t *coords = json_object_get(geom, "coordinates");
    a->buffer_m = 0;
    if (buffer) {
        double b = json_is_number(buffer) ? json_number_value(buffer) : -1;
        if (!json_is_number(buffer) || !(b >= 0 && b <= PROX_MAX_BUFFER_M)) {
            rm_error_set(err, 400, "Invalid body", "buffer_m must be a number of metres from 0 to %g",
                         PROX_MAX_BUFFER_M);
            goto done;
        }
        a->buffer_m = b;
    }
    if (gt && strcmp(gt, "Polygon") == 0) {
        a->type = "Polygon";
        if (add_polygon(a, coords, "geometry", err) < 0)
            goto done;
    } else if (gt && strcmp(gt, "MultiPolygon") == 0) {
        a->type = "MultiPolygon";
        if (!json_is_array(coords) || json_array_size(coords) == 0) {
            rm_error_set(err, 400, "Invalid geometry", "geometry: a MultiPolygon is a non-empty array of polygons");
            goto done;
        }
        for (size_t i = 0; i < json_array_size(coords); i++) {
            char w[64];
            snprintf(w, sizeof w, "geometry polygon %zu", i + 1);
            if (add_polygon(a, json_array_get(coords, i), w, err) < 0)
                goto done;
        }
    } else {
        rm_error_set(err, 400, "Invalid geometry", "geometry type '%.40s' is not accepted; give a Polygon or a "
                     "MultiPolygon", gt ? gt : "(none)");
        goto done;
    }
    rc = 0;
done:
    json_decref(root);
    return rc;
}

/* ---- GEOS ------------------------------------------------------------------------------------- */

static GEOSGeometry *ring_geom(GEOSContextHandle_t h, const area *a, int r)
{
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, (unsigned)a->ring_len[r], 2);
    if (!cs)
        return NULL;
    for (int i = 0; i < a->ring_len[r]; i++) {
        const double *p = &a->xy[2 * (a->ring_start[r] + i)];
        GEOSCoordSeq_setXY_r(h, cs, (unsigned)i, p[0], p[1]);
    }
    return GEOSGeom_createLinearRing_r(h, cs);
}

/* The area as one GEOS (Multi)Polygon; NULL with err. */
static GEOSGeometry *area_geom(GEOSContextHandle_t h, const area *a, clip_geos *g, rm_error *err)
{
    GEOSGeometry **polys = calloc((size_t)a->npolys, sizeof *polys);
    GEOSGeometry *out = NULL;
    int r = 0, built = 0;
    for (int p = 0; p < a->npolys; p++) {
        int first = r;
        while (r < a->nrings && a->ring_poly[r] == p)
            r++;
        GEOSGeometry *shell = ring_geom(h, a, first);
        int nholes = r - first > 1 ? r - first - 1 : 0; /* every polygon has its shell (add_polygon) */
        GEOSGeometry **holes = nholes ? calloc((size_t)nholes, sizeof *holes) : NULL;
        bool ok = shell != NULL;
        for (int k = 0; k < nholes; k++) {
            holes[k] = ring_geom(h, a, first + 1 + k);
            ok &= holes[k] != NULL;
        }
        if (ok)
            polys[p] = GEOSGeom_createPolygon_r(h, shell, holes, (unsigned)nholes);
        if (!ok || !polys[p]) {
            if (shell)
                GEOSGeom_destroy_r(h, shell);
            for (int k = 0; k < nholes; k++)
                if (holes[k])
                    GEOSGeom_destroy_r(h, holes[k]);
            free(holes);
            rm_error_set(err, 400, "Invalid geometry", "geometry polygon %d: %s", p + 1, clip_geos_last_error(g));
            goto fail;
        }
        free(holes);
        built++;
    }
    out = a->npolys == 1 ? polys[0] : GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, (unsigned)a->npolys);
    if (!out) {
        rm_error_set(err, 500, "GEOS error", "building the area: %s", clip_geos_last_error(g));
        goto fail;
    }
    free(polys);
    char v = GEOSisValid_r(h, out);
    if (v != 1) {
        char *why = GEOSisValidReason_r(h, out);
        rm_error_set(err, 400, "Invalid geometry", "geometry is not a valid polygon: %s (fix the rings: no "
                     "self-intersection, holes inside their shell)", why ? why : "unknown reason");
        if (why)
            GEOSFree_r(h, why);
        GEOSGeom_destroy_r(h, out);
        return NULL;
    }
    return out;
fail:
    for (int p = 0; p < built; p++)
        GEOSGeom_destroy_r(h, polys[p]);
    free(polys);
    return NULL;
}

/* ---- edges for the buffer ----------------------------------------------------------------------- */

typedef struct edge {
    double ax, ay, bx, by;
    geo_box grown; /* the edge's box grown by the buffer: no point outside it is within the buffer */
} edge;

typedef struct edge_grid {
    edge *edges;
    int nedges;
    geo_box box;
    int nx, ny;
    double cw, ch;
    int *start; /* nx*ny + 1 offsets into items */
    int *items;
} edge_grid;

/* Degrees that certainly hold buffer_m metres: along a meridian at least 110 574 m per degree (its
 * equatorial value, the smallest); along a parallel at least a·cos φ per radian, with φ bounded by
 * the highest latitude a path of that length can reach. */
static void grow_box(geo_box *b, double buffer_m)
{
    double dlat = buffer_m / 110574.0 * 1.001 + 1e-7;
    double phi = fmin(89.0, fmax(fabs(b->min_lat), fabs(b->max_lat)) + dlat + 0.05);
    double dlon = buffer_m / (GEO_WGS84_A * M_PI / 180.0 * cos(phi * M_PI / 180.0)) * 1.001 + 1e-7;
    b->min_lon -= dlon;
    b->max_lon += dlon;
    b->min_lat -= dlat;
    b->max_lat += dlat;
}

static void grid_free(edge_grid *g)
{
    free(g->edges);
    free(g->start);
    free(g->items);
}

static void cell_range(const edge_grid *g, const geo_box *b, int *x0, int *y0, int *x1, int *y1)
{
    *x0 = (int)floor((b->min_lon - g->box.min_lon) / g->cw);
    *x1 = (int)floor((b->max_lon - g->box.min_lon) / g->cw);
    *y0 = (int)floor((b->min_lat - g->box.min_lat) / g->ch);
    *y1 = (int)floor((b->max_lat - g->box.min_lat) / g->ch);
    *x0 = *x0 < 0 ? 0 : *x0 >= g->nx ? g->nx - 1 : *x0;
    *x1 = *x1 < 0 ? 0 : *x1 >= g->nx ? g->nx - 1 : *x1;
    *y0 = *y0 < 0 ? 0 : *y0 >= g->ny ? g->ny - 1 : *y0;
    *y1 = *y1 < 0 ? 0 : *y1 >= g->ny ? g->ny - 1 : *y1;
}

static void grid_build(edge_grid *g, const area *a, const geo_box *outer)
{
    memset(g, 0, sizeof *g);
    g->edges = malloc(a->npos * sizeof *g->edges);
    if (!g->edges)
        abort();
    for (int r = 0; r < a->nrings; r++)
        for (int i = 0; i + 1 < a->ring_len[r]; i++) {
            const double *p = &a->xy[2 * (a->ring_start[r] + i)];
            edge *e = &g->edges[g->nedges++];
            e->ax = p[0], e->ay = p[1], e->bx = p[2], e->by = p[3];
            e->grown = (geo_box){fmin(e->ax, e->bx), fmin(e->ay, e->by), fmax(e->ax, e->bx), fmax(e->ay, e->by)};
            grow_box(&e->grown, a->buffer_m);
        }
    g->box = *outer;
    int n = (int)ceil(sqrt((double)g->nedges));
    g->nx = g->ny = n < 1 ? 1 : n > 256 ? 256 : n;
    g->cw = fmax((outer->max_lon - outer->min_lon) / g->nx, 1e-9);
    g->ch = fmax((outer->max_lat - outer->min_lat) / g->ny, 1e-9);
    size_t cells = (size_t)g->nx * (size_t)g->ny;
    g->start = calloc(cells + 1, sizeof *g->start);
    if (!g->start)
        abort();
    size_t total = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < g->nedges; k++) {
            int x0, y0, x1, y1;
            cell_range(g, &g->edges[k].grown, &x0, &y0, &x1, &y1);
            for (int y = y0; y <= y1; y++)
                for (int x = x0; x <= x1; x++) {
                    size_t c = (size_t)y * (size_t)g->nx + (size_t)x;
                    if (pass == 0)
                        g->start[c + 1]++;
                    else
                        g->items[g->start[c]++] = k;
                }
        }
        if (pass == 0) {
            for (size_t c = 0; c < cells; c++)
                g->start[c + 1] += g->start[c];
            total = (size_t)g->start[cells];
            g->items = malloc((total ? total : 1) * sizeof *g->items);
            if (!g->items)
                abort();
        } else {
            /* The fill advanced each start to the next cell's: shift back. */
            for (size_t c = cells; c > 0; c--)
                g->start[c] = g->start[c - 1];
            g->start[0] = 0;
        }
    }
}

typedef struct area_ctx {
    GEOSContextHandle_t h;
    const GEOSPreparedGeometry *prep;
    edge_grid grid;
    double buffer_m;
    bool geos_failed;
} area_ctx;

static bool accept_area(void *ctx, double lon, double lat, prox_dist *out)
{
    area_ctx *c = ctx;
    double *d = &out->d;
    bool *inside = &out->inside;
    out->exact = true;
    out->bearing_deg = 0;
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(c->h, lon, lat);
    char in = pt ? GEOSPreparedIntersects_r(c->h, c->prep, pt) : 2;
    if (pt)
        GEOSGeom_destroy_r(c->h, pt);
    if (in == 2) {
        c->geos_failed = true;
        return false;
    }
    if (in) {
        *d = out->lo = out->hi = 0;
        *inside = true;
        return true;
    }
    *inside = false;
    if (c->buffer_m <= 0)
        return false;
    const edge_grid *g = &c->grid;
    if (lon < g->box.min_lon || lon > g->box.max_lon || lat < g->box.min_lat || lat > g->box.max_lat)
        return false;
    geo_box p = {lon, lat, lon, lat};
    int x0, y0, x1, y1;
    cell_range(g, &p, &x0, &y0, &x1, &y1);
    size_t cell = (size_t)y0 * (size_t)g->nx + (size_t)x0;
    double best = HUGE_VAL;
    for (int i = g->start[cell]; i < g->start[cell + 1]; i++) {
        const edge *e = &g->edges[g->items[i]];
        if (lon < e->grown.min_lon || lon > e->grown.max_lon || lat < e->grown.min_lat || lat > e->grown.max_lat)
            continue;
        double dist = geo_segment_distance(lon, lat, e->ax, e->ay, e->bx, e->by);
        if (dist < best)
            best = dist;
    }
    if (best > c->buffer_m)
        return false;
    *d = out->lo = out->hi = best;
    return true;
}

/* ---- the resource ------------------------------------------------------------------------------- */

int api_proximity_area(http_request *req, rm_error *err)
{
    static const char *const own[] = {"crs", "layers", "limit", "summary", "properties", "at", "f", NULL};
    int rc = -1;
    area a;
    memset(&a, 0, sizeof a);
    prox_search s;
    memset(&s, 0, sizeof s);
    area_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    GEOSGeometry *geom = NULL;
    int64_t limit;
    int32_t today;
    if (prox_check_f(req, err) < 0 ||
        params_parse_int("limit", http_query(req, "limit"), 0, AREA_MAX_LIMIT, AREA_DEFAULT_LIMIT, true, &limit,
                         err) < 0 ||
        prox_parse_today(req, &today, err) < 0)
        return -1;
    bool summary;
    if (prox_parse_summary(req, &summary, err) < 0)
        return -1;
    const char *crs_s = http_query(req, "crs");
    const crs_info *crs = crs_s ? api_crs_from_uri(req, crs_s, "crs", err) : crs_find(CRS_CRS84);
    if (!crs)
        return -1;
    if (parse_body(req, &a, err) < 0)
        goto cleanup;
    if (crs_transform(crs, true, a.xy, a.npos, "geometry", err) < 0)
        goto cleanup;
    geo_box env = {180, 90, -180, -90};
    for (size_t i = 0; i < a.npos; i++) {
        double x = a.xy[2 * i], y = a.xy[2 * i + 1];
        if (!(x >= -180 && x <= 180 && y >= -90 && y <= 90)) {
            rm_error_set(err, 400, "Invalid geometry", "geometry position %zu is not a longitude and latitude "
                         "(-180..180, -90..90)%s", i + 1, crs->wgs84 ? "; give crs= for projected coordinates" : "");
            goto cleanup;
        }
        env.min_lon = fmin(env.min_lon, x), env.max_lon = fmax(env.max_lon, x);
        env.min_lat = fmin(env.min_lat, y), env.max_lat = fmax(env.max_lat, y);
    }
    if (env.max_lon - env.min_lon > PROX_MAX_SPAN_DEG || env.max_lat - env.min_lat > PROX_MAX_SPAN_DEG) {
        rm_error_set(err, 400, "Invalid geometry", "geometry spans %.1f by %.1f degrees; at most %g either way",
                     env.max_lon - env.min_lon, env.max_lat - env.min_lat, PROX_MAX_SPAN_DEG);
        goto cleanup;
    }
    clip_geos *g = thread_geos(err);
    if (!g)
        goto cleanup;
    ctx.h = clip_geos_handle(g);
    geom = area_geom(ctx.h, &a, g, err);
    if (!geom)
        goto cleanup;
    ctx.prep = GEOSPrepare_r(ctx.h, geom);
    if (!ctx.prep) {
        rm_error_set(err, 500, "GEOS error", "preparing the area: %s", clip_geos_last_error(g));
        goto cleanup;
    }
    ctx.buffer_m = a.buffer_m;
    geo_box box = env;
    grow_box(&box, a.buffer_m);
    if (a.buffer_m > 0)
        grid_build(&ctx.grid, &a, &box);
    db_conn *db = http_thread_db(req, err);
    if (!db)
        goto cleanup;
    if (prox_search_init(&s, db, api_caller_class(req), today, req, http_query(req, "layers"), own, err) < 0)
        goto cleanup;
    s.attrs = summary;
    if (prox_parse_properties(&s, req, err) < 0 || prox_read_check(&s, err) < 0)
        goto cleanup;
    if (prox_collect(&s, &box, accept_area, &ctx, err) < 0)
        goto cleanup;
    if (ctx.geos_failed) {
        rm_error_set(err, 500, "GEOS error", "testing points against the area: %s", clip_geos_last_error(g));
        goto cleanup;
    }
    if (prox_top(&s, (size_t)limit, err) < 0)
        goto cleanup;
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_str(&w, "type", "FeatureCollection");
    json_key(&w, "query");
    json_obj_begin(&w);
    json_kv_str(&w, "crs", crs->uri);
    json_kv_str(&w, "geometry_type", a.type);
    json_kv_int(&w, "polygons", a.npolys);
    json_kv_int(&w, "positions", (int64_t)a.npos);
    json_key(&w, "buffer_m");
    json_num(&w, a.buffer_m);
    json_key(&w, "bbox");
    json_arr_begin(&w);
    json_num(&w, env.min_lon);
    json_num(&w, env.min_lat);
    json_num(&w, env.max_lon);
    json_num(&w, env.max_lat);
    json_arr_end(&w);
    prox_write_layer_names(&w, &s);
    json_obj_end(&w);
    if (prox_finish_collection(&s, limit, false, true, summary, &w, err) < 0) {
        buf_reset(&req->out);
        goto cleanup;
    }
    http_reply(req, 200, "application/geo+json");
    rc = 0;
cleanup:
    if (ctx.prep)
        GEOSPreparedGeom_destroy_r(ctx.h, ctx.prep);
    if (geom)
        GEOSGeom_destroy_r(ctx.h, geom);
    grid_free(&ctx.grid);
    prox_search_cleanup(&s);
    area_free(&a);
    return rc;
}
