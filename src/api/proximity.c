/*
 * proximity: the search engine of proximity.h, and GET /proximity and GET /nearest.
 * POST /proximity (areas) is in proximity_area.c, the writing of answers in proximity_write.c, the
 * R*Tree walks in proximity_index.c and the attribute snapshots in proximity_cache.c.
 *
 * Every search goes through each layer's R*Tree and decides each candidate exactly (geodesic
 * distance on the WGS 84 ellipsoid), so answers equal a brute-force computation over every row.
 * How depends on the layer:
 * - a layer the caller sees without any condition (no filter, no row hidden from the class) is
 *   walked best first through its R*Tree (proximity_index.c): the nearest rows come out in order,
 *   the rest of a circle is counted from the tree's nodes, and a summary takes its attributes from
 *   an in-memory snapshot (proximity_cache.c);
 * - a layer with conditions is read through SQL: the layer's query (api/query.h) restricted to the
 *   circle's box by the R*Tree, rows certainly inside or outside decided by the distance estimate
 *   of geo/geod.h, the few near the edge by geo_distance.
 * Distances stay estimates with bounds until prox_top makes the ones written exact.
 *
 * /nearest on a layer without conditions is answered from memory when it can: the layer's point
 * snapshot (api/pointindex.h, the tile server's, brought up to date with the change log first)
 * and a search tree kept with it (proximity_snap.c) give the same answer as the R*Tree walk
 * without reading the database; the walk remains for layers without a snapshot (receptors) and
 * while a snapshot's tree is not built. The X-Nearest-Index header says which path answered each
 * layer (memory, rtree, sql).
 *
 * /nearest with conditions searches circles of growing radius around the point, each through the
 * index: once at least k rows lie within the circle's radius, the k nearest of them are the true k
 * nearest (anything closer would be inside that circle, hence inside its box, hence found). The
 * radius grows by the observed density, at least doubling, and stops growing once the box covers
 * the extent of every layer searched (layer_stat), as nothing more can be found.
 */
#include "api/crs_api.h"
#include "api/proximity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/state.h"
#include "core/date.h"
#include "core/json.h"
#include "core/params.h"
#include "geo/crs.h"

#define PROX_MAX_RADIUS_M 100000.0
#define PROX_DEFAULT_LIMIT 1000
#define PROX_MAX_LIMIT 10000
#define NEAREST_MAX_K 100
#define NEAREST_DEFAULT_K 10

/* Point layers in answer order (ties in distance keep this order). */
static const char *const point_layers[] = {"sources", "facilities", "devices", "receptors", NULL};

/* ---- layers and filters ------------------------------------------------------------------------ */

typedef struct param_names {
    const char *const *own;
    const char *names[64];
    int n;
} param_names;

static enum MHD_Result collect_name(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    param_names *p = cls;
    for (const char *const *o = p->own; o && *o; o++)
        if (strcmp(*o, key) == 0)
            return MHD_YES;
    if (p->n < 64)
        p->names[p->n++] = key;
    return MHD_YES;
}

/* Is name a filter that class vis may use on c? */
static bool is_filter(const coll_def *c, vis_class vis, const char *name)
{
    if (strcmp(name, "q") == 0)
        return c->search_sql != NULL;
    for (const coll_prop *p = c->props; p->name; p++) {
        if (p->filter == FILTER_NONE || p->vis > vis)
            continue;
        if (strcmp(name, "category") == 0 ? p->filter == FILTER_CATEGORY
                                          : (strcmp(p->name, name) == 0 && p->filter != FILTER_CATEGORY))
            return true;
    }
    return false;
}

static void list_layers(vis_class vis, buf *b)
{
    for (const char *const *l = point_layers; *l; l++) {
        const coll_def *c = coll_find(*l);
        if (c && c->vis <= vis)
            buf_appendf(b, "%s%s", b->len ? ", " : "", *l);
    }
}

/* Parse the layer list into cs; 0 or -1 with err. */
static int parse_layers(const char *s, vis_class vis, const coll_def **cs, int *n, rm_error *err)
{
    *n = 0;
    if (!s) {
        for (const char *const *l = point_layers; *l; l++) {
            const coll_def *c = coll_find(*l);
            if (c && c->vis <= vis)
                cs[(*n)++] = c;
        }
        return 0;
    }
    const char *p = s;
    while (1) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const coll_def *c = NULL;
        for (const char *const *l = point_layers; *l; l++)
            if (strlen(*l) == len && strncmp(*l, p, len) == 0)
                c = coll_find(*l);
        if (!c || c->vis > vis) {
            buf names = BUF_INIT;
            list_layers(vis, &names);
            rm_error_set(err, 400, "Invalid parameter", "layers: '%.*s' is not a layer; allowed: %s (a comma list)",
                         (int)(len > 60 ? 60 : len), p, names.data ? names.data : "none");
            buf_free(&names);
            return -1;
        }
        for (int i = 0; i < *n; i++)
            if (cs[i] == c)
                return rm_error_set(err, 400, "Invalid parameter", "layers: %s is listed twice", c->id);
        cs[(*n)++] = c;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

int prox_search_init(prox_search *s, db_conn *db, vis_class vis, int32_t today, http_request *req,
                     const char *layers_param, const char *const *own, rm_error *err)
{
    memset(s, 0, sizeof *s);
    s->db = db;
    s->req = req;
    s->vis = vis;
    s->today = today;
    s->attrs = true;
    s->keep = SIZE_MAX;
    const coll_def *cs[PROX_MAX_LAYERS];
    int n = 0;
    if (parse_layers(layers_param, vis, cs, &n, err) < 0)
        return -1;
    param_names names = {.own = own};
    if (req)
        MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, collect_name, &names);
    for (int i = 0; i < n; i++) {
        const char *missing = NULL;
        for (int k = 0; k < names.n && !missing; k++)
            if (!is_filter(cs[i], vis, names.names[k]))
                missing = names.names[k];
        if (missing && layers_param) {
            buf l = BUF_INIT;
            for (const coll_prop *p = cs[i]->props; p->name; p++)
                if (p->filter != FILTER_NONE && p->filter != FILTER_CATEGORY && p->vis <= vis)
                    buf_appendf(&l, "%s%s", l.len ? ", " : "", p->name);
            rm_error_set(err, 400, "Unknown parameter", "'%.100s' is not a filter of layer %s; its filters: "
                         "%s%scategory, q", missing, cs[i]->id, l.data ? l.data : "", l.len ? ", " : "");
            buf_free(&l);
            return -1;
        }
        if (missing)
            continue; /* default layers: a filter the layer lacks leaves the layer out */
        prox_layer *L = &s->layers[s->nlayers++];
        L->coll = cs[i];
        query_init(&L->q, cs[i], vis, today);
        if (req && query_from_request(&L->q, db, req, own, err) < 0)
            return -1;
        const char *cat = strcmp(cs[i]->id, "sources") == 0 ? "iaea_category"
                          : strcmp(cs[i]->id, "facilities") == 0 ? "max_category" : NULL;
        const coll_prop *p = cat ? coll_prop_find(cs[i], cat) : NULL;
        L->category = p && p->vis <= vis ? p : NULL;
        if (strcmp(cs[i]->id, "sources") == 0) {
            p = coll_prop_find(cs[i], "nuclide");
            L->nuclide = p && p->vis <= vis ? p : NULL;
            p = coll_prop_find(cs[i], "activity_bq_now");
            L->activity = p && p->vis <= vis ? p : NULL;
        }
        L->receptor = strcmp(cs[i]->id, "receptors") == 0;
    }
    if (s->nlayers == 0) {
        buf l = BUF_INIT;
        for (int k = 0; k < names.n; k++)
            buf_appendf(&l, "%s%s", l.len ? ", " : "", names.names[k]);
        rm_error_set(err, 400, "Unknown parameter", "no layer has every filter given (%s); layers: sources, "
                     "facilities, devices, receptors, each with the filters of its collection", l.data ? l.data : "");
        buf_free(&l);
        return -1;
    }
    return 0;
}

void prox_clear_hits(prox_search *s)
{
    s->nuncollected = 0;
    for (size_t i = 0; i < s->nhits; i++) {
        free(s->hits[i].name);
        free(s->hits[i].kind);
    }
    s->nhits = 0;
}

void prox_search_cleanup(prox_search *s)
{
    prox_clear_hits(s);
    free(s->hits);
    for (int i = 0; i < s->nlayers; i++)
        query_cleanup(&s->layers[i].q);
    for (int i = 0; i < s->nnuclides; i++)
        free(s->nuclides[i]);
    free(s->select);
    free(s->select_text);
    memset(s, 0, sizeof *s);
}

static int nuclide_index(prox_search *s, const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < s->nnuclides; i++)
        if (strcmp(s->nuclides[i], name) == 0)
            return i;
    if (s->nnuclides == (int)(sizeof s->nuclides / sizeof s->nuclides[0]))
        return -1;
    s->nuclides[s->nnuclides] = strdup(name);
    return s->nnuclides++;
}

/* ---- collecting --------------------------------------------------------------------------------- */

prox_hit *prox_new_hit(prox_search *s, int li, int64_t id, const prox_dist *pd, rm_error *err)
{
    if (s->nhits == PROX_MAX_HITS) {
        rm_error_set(err, 400, "Too many matches", "more than %d features match; narrow the area, the layers or "
                     "the filters", PROX_MAX_HITS);
        return NULL;
    }
    if (s->nhits == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        prox_hit *nh = realloc(s->hits, s->cap * sizeof *nh);
        if (!nh)
            abort();
        s->hits = nh;
    }
    prox_hit *h = &s->hits[s->nhits++];
    memset(h, 0, sizeof *h);
    h->layer = li;
    h->id = id;
    h->distance_m = pd->d;
    h->lo = pd->lo;
    h->hi = pd->hi;
    h->bearing_deg = pd->bearing_deg;
    h->exact = pd->exact;
    h->inside = pd->inside;
    h->nuclide = -1;
    h->activity_bq = NAN;
    h->capacity = -1;
    return h;
}

/* Candidates of layer li through SQL: the layer's query (visibility, filters) and the box. */
static int collect_layer(prox_search *s, int li, const geo_box *box, prox_accept_fn accept, void *ctx,
                         rm_error *err)
{
    prox_layer *L = &s->layers[li];
    query *q = &L->q;
    buf sql = BUF_INIT;
    buf_puts(&sql, "SELECT t.id, t.lon, t.lat");
    int col = 3, c_cat = -1, c_nuc = -1, c_act = -1, c_rec = -1;
    const coll_prop *props[3] = {L->category, L->nuclide, L->activity};
    int *cols[3] = {&c_cat, &c_nuc, &c_act};
    for (int i = 0; i < 3 && s->attrs; i++)
        if (props[i]) {
            buf_puts(&sql, ", ");
            query_append_sql(q, &sql, props[i]->sql);
            *cols[i] = col++;
        }
    if (L->receptor && s->attrs) {
        buf_puts(&sql, ", t.name, t.kind, t.capacity");
        c_rec = col;
    }
    buf_appendf(&sql, " FROM %s WHERE %s", L->coll->from, q->where.len ? q->where.data : "1");
    int nb = q->nbinds;
    if (box)
        buf_appendf(&sql, " AND t.id IN (SELECT pkid FROM %s WHERE xmin <= ?%d AND xmax >= ?%d AND ymin <= ?%d "
                    "AND ymax >= ?%d) AND t.lon BETWEEN ?%d AND ?%d AND t.lat BETWEEN ?%d AND ?%d",
                    L->coll->rtree, nb + 3, nb + 2, nb + 5, nb + 4, nb + 2, nb + 3, nb + 4, nb + 5);
    int rc = -1;
    sqlite3_stmt *st = query_prepare(q, s->db, sql.data, err);
    if (!st)
        goto cleanup;
    if (box) {
        sqlite3_bind_double(st, nb + 2, box->min_lon);
        sqlite3_bind_double(st, nb + 3, box->max_lon);
        sqlite3_bind_double(st, nb + 4, box->min_lat);
        sqlite3_bind_double(st, nb + 5, box->max_lat);
    }
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        double lon = sqlite3_column_double(st, 1), lat = sqlite3_column_double(st, 2);
        prox_dist pd = {0};
        if (!accept(ctx, lon, lat, &pd))
            continue;
        prox_hit *h = prox_new_hit(s, li, sqlite3_column_int64(st, 0), &pd, err);
        if (!h) {
            db_stmt_done(st);
            goto cleanup;
        }
        h->lon = lon;
        h->lat = lat;
        h->pos_known = true;
        if (c_cat >= 0 && sqlite3_column_type(st, c_cat) != SQLITE_NULL)
            h->category = sqlite3_column_int(st, c_cat);
        if (c_nuc >= 0)
            h->nuclide = nuclide_index(s, (const char *)sqlite3_column_text(st, c_nuc));
        if (c_act >= 0 && sqlite3_column_type(st, c_act) != SQLITE_NULL)
            h->activity_bq = sqlite3_column_double(st, c_act);
        if (c_rec >= 0) {
            const char *nm = (const char *)sqlite3_column_text(st, c_rec);
            const char *kd = (const char *)sqlite3_column_text(st, c_rec + 1);
            h->name = strdup(nm ? nm : "");
            h->kind = strdup(kd ? kd : "");
            if (sqlite3_column_type(st, c_rec + 2) != SQLITE_NULL)
                h->capacity = sqlite3_column_int64(st, c_rec + 2);
        }
    }
    if (r != SQLITE_DONE)
        db_error(s->db, err, 500, "reading proximity candidates");
    else
        rc = 0;
    db_stmt_done(st);
cleanup:
    buf_free(&sql);
    return rc;
}

int prox_collect(prox_search *s, const geo_box *box, prox_accept_fn accept, void *ctx, rm_error *err)
{
    for (int i = 0; i < s->nlayers; i++)
        if (collect_layer(s, i, box, accept, ctx, err) < 0)
            return -1;
    return 0;
}

typedef struct circle_ctx {
    double lon, lat, radius_m;
    bool estimate; /* the distance estimate is valid for every candidate of the box */
} circle_ctx;

static void circle_init(circle_ctx *c, double lon, double lat, double radius_m, bool boxed)
{
    c->lon = lon;
    c->lat = lat;
    c->radius_m = radius_m;
    /* Candidates lie in the circle's box: at most sqrt(2) r from the centre. */
    c->estimate = boxed && radius_m <= GEO_ESTIMATE_MAX_M / 1.5 && fabs(lat) <= GEO_ESTIMATE_MAX_LAT - 10;
}

/* Decide a candidate whose true position lies within half_m metres of (lon, lat). 1 inside, 0
 * outside, -1 undecided (too near the edge: the exact position is needed). */
static int circle_decide(const circle_ctx *c, double lon, double lat, double half_m, prox_dist *out)
{
    double d, e;
    if (c->estimate) {
        d = geo_distance_estimate(c->lon, c->lat, lon, lat);
        e = geo_estimate_error_m(d + half_m) + half_m;
    } else {
        d = geo_distance(c->lon, c->lat, lon, lat);
        e = half_m + 1e-9 * d;
    }
    if (d - e > c->radius_m)
        return 0;
    if (d + e <= c->radius_m && e > 0) {
        out->d = d;
        out->lo = d - e;
        out->hi = d + e;
        out->exact = false;
        return 1;
    }
    if (half_m > 0)
        return -1;
    geo_inverse(c->lon, c->lat, lon, lat, &out->d, &out->bearing_deg);
    out->lo = out->hi = out->d;
    out->exact = true;
    return out->d <= c->radius_m;
}

static bool accept_circle(void *ctx, double lon, double lat, prox_dist *out)
{
    return circle_decide(ctx, lon, lat, 0, out) == 1;
}

/* The row position of a hit seen only in the index. */
static int read_position(prox_search *s, prox_hit *h, rm_error *err)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT lon, lat FROM %s WHERE id = ?", s->layers[h->layer].coll->table);
    sqlite3_stmt *st = db_stmt(s->db, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, h->id);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        h->lon = sqlite3_column_double(st, 0);
        h->lat = sqlite3_column_double(st, 1);
        h->pos_known = true;
    }
    db_stmt_done(st);
    if (r == SQLITE_ROW)
        return 0;
    if (r == SQLITE_DONE)
        return rm_error_set(err, 503, "Service Unavailable", "the register changed during the query; retry");
    return db_error(s->db, err, 500, "reading a position");
}

/* Whether layer i is searched by walking its R*Tree: no per-row attribute is needed and every row
 * is visible without a condition. */
static bool needs_attrs(const prox_layer *L) { return L->category || L->nuclide || L->activity || L->receptor; }
static bool walkable(const prox_search *s, int i)
{
    return s->layers[i].q.where.len == 0 && (!s->attrs || !needs_attrs(&s->layers[i]));
}

/* Give the hits of layer li from `first` on their attributes from snapshot a. */
static void fill_attrs(prox_search *s, int li, size_t first, const prox_attrs *a)
{
    const prox_layer *L = &s->layers[li];
    const char *seen[8] = {0};
    int seen_idx[8];
    int nseen = 0;
    for (size_t i = first; i < s->nhits; i++) {
        prox_hit *h = &s->hits[i];
        int cat;
        const char *nuc;
        double act;
        if (!prox_attrs_find(a, h->id, &cat, &nuc, &act))
            continue;
        if (L->category)
            h->category = cat;
        if (L->activity)
            h->activity_bq = act;
        if (L->nuclide && nuc) {
            int k = 0;
            while (k < nseen && seen[k] != nuc)
                k++;
            if (k == nseen) {
                k = nseen < 8 ? nseen++ : 7;
                seen[k] = nuc;
                seen_idx[k] = nuclide_index(s, nuc);
            }
            h->nuclide = seen_idx[k];
        }
    }
}

static int collect_circle(prox_search *s, const geo_box *box, circle_ctx *c, rm_error *err)
{
    for (int i = 0; i < s->nlayers; i++) {
        prox_layer *L = &s->layers[i];
        int rc;
        if (walkable(s, i)) {
            rc = prox_index_search(s, i, c->lon, c->lat, c->radius_m, s->keep, false, err);
        } else if (L->q.where.len == 0 && !L->receptor && isfinite(c->radius_m)) {
            /* Summaries of an unconditioned layer: every row in the circle from the R*Tree, its
             * attributes from the in-memory snapshot. */
            prox_attrs *a = prox_attrs_get(s->db, L->coll, s->today, err);
            if (!a && err && err->status)
                return -1;
            if (a) {
                size_t first = s->nhits;
                rc = prox_index_search(s, i, c->lon, c->lat, c->radius_m, 1, true, err);
                if (rc == 0)
                    fill_attrs(s, i, first, a);
                prox_attrs_release(a);
            } else {
                rc = collect_layer(s, i, box, accept_circle, c, err);
            }
        } else {
            rc = collect_layer(s, i, box, accept_circle, c, err);
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

int prox_collect_circle(prox_search *s, double lon, double lat, double radius_m, rm_error *err)
{
    s->center_lon = lon;
    s->center_lat = lat;
    geo_box box;
    bool have = geo_circle_box(lon, lat, radius_m, &box);
    circle_ctx c;
    circle_init(&c, lon, lat, radius_m, have);
    return collect_circle(s, have ? &box : NULL, &c, err);
}

int prox_hit_cmp(const void *a, const void *b)
{
    const prox_hit *x = a, *y = b;
    if (x->distance_m != y->distance_m)
        return x->distance_m < y->distance_m ? -1 : 1;
    if (x->layer != y->layer)
        return x->layer < y->layer ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* The k-th smallest (0-based) of v[0..n) by quickselect; v is reordered. */
static double kth_smallest(double *v, size_t n, size_t k)
{
    ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
    while (lo < hi) {
        double pivot = v[lo + (hi - lo) / 2];
        ptrdiff_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                j--;
            }
        }
        if (kk <= j)
            hi = j;
        else if (kk >= i)
            lo = i;
        else
            return v[kk];
    }
    return v[kk];
}

int prox_exact(prox_search *s, prox_hit *h, rm_error *err)
{
    if (h->exact)
        return 0;
    if (!h->pos_known && read_position(s, h, err) < 0)
        return -1;
    /* Only circle searches leave estimates; their centre is the origin of the bounds. */
    geo_inverse(s->center_lon, s->center_lat, h->lon, h->lat, &h->distance_m, &h->bearing_deg);
    h->lo = h->hi = h->distance_m;
    h->exact = true;
    return 0;
}

int prox_top(prox_search *s, size_t limit, rm_error *err)
{
    size_t n = s->nhits;
    if (limit > n)
        limit = n;
    if (limit == 0)
        return 0;
    /* At least `limit` hits lie within T of the centre; none beyond it can be among the first. */
    double t = HUGE_VAL;
    if (limit < n) {
        double *his = malloc(n * sizeof *his);
        if (!his)
            abort();
        for (size_t i = 0; i < n; i++)
            his[i] = s->hits[i].hi;
        t = kth_smallest(his, n, limit - 1);
        free(his);
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (s->hits[i].lo <= t) {
            prox_hit tmp = s->hits[m];
            s->hits[m] = s->hits[i];
            s->hits[i] = tmp;
            m++;
        }
    for (size_t i = 0; i < m; i++)
        if (prox_exact(s, &s->hits[i], err) < 0)
            return -1;
    qsort(s->hits, m, sizeof *s->hits, prox_hit_cmp);
    return 0;
}

/* ---- the point of a request --------------------------------------------------------------------- */

/* The query point: lon=/lat= in a geographic CRS, easting=/northing= in a projected one, with
 * crs= (default CRS84). *c receives the CRS, in[] the numbers as given. */
static int parse_point(http_request *req, double *lon, double *lat, const crs_info **c, double in[2], rm_error *err)
{
    const char *crs_s = http_query(req, "crs");
    *c = crs_s ? api_crs_from_uri(req, crs_s, "crs", err) : crs_find(CRS_CRS84);
    if (!*c)
        return -1;
    const char *x = http_query(req, "lon"), *y = http_query(req, "lat");
    const char *e = http_query(req, "easting"), *n = http_query(req, "northing");
    if ((*c)->geographic) {
        if (e || n)
            return rm_error_set(err, 400, "Invalid parameter", "%s is geographic: give lon= and lat= in degrees, "
                                "not easting/northing", crs_s ? crs_s : "CRS84");
        if (!x || !y)
            return rm_error_set(err, 400, "Missing parameter", "%s is required (decimal degrees)", !x ? "lon" : "lat");
        if (params_parse_double("lon", x, -180, 180, &in[0], err) < 0 ||
            params_parse_double("lat", y, -90, 90, &in[1], err) < 0)
            return -1;
    } else {
        if (x || y)
            return rm_error_set(err, 400, "Invalid parameter", "%s (%s) is projected: give easting= and northing= "
                                "in metres, not lon/lat", crs_s, (*c)->title);
        if (!e || !n)
            return rm_error_set(err, 400, "Missing parameter", "%s is required in metres with crs=%s",
                                !e ? "easting" : "northing", crs_s);
        if (params_parse_double("easting", e, -1e7, 1e7, &in[0], err) < 0 ||
            params_parse_double("northing", n, -1e7, 2e7, &in[1], err) < 0)
            return -1;
    }
    if (crs_to_wgs84(*c, in[0], in[1], lon, lat, "point", err) < 0)
        return -1;
    if (!(*c)->wgs84) {
        const double *a = (*c)->area, margin = 1.0;
        if (*lon < a[0] - margin || *lon > a[2] + margin || *lat < a[1] - margin || *lat > a[3] + margin)
            return rm_error_set(err, 400, "Invalid parameter", "the point falls at lon %.5f, lat %.5f, outside the "
                                "area of use of %s (%s: lon %g..%g, lat %g..%g)%s", *lon, *lat, (*c)->label,
                                (*c)->title, a[0], a[2], a[1], a[3],
                                (*c)->geographic ? "" : "; are easting and northing swapped?");
    }
    return 0;
}

static void write_query_point(json_writer *w, const crs_info *c, const double in[2], double lon, double lat)
{
    json_kv_str(w, "crs", c->uri);
    json_key(w, "input");
    json_arr_begin(w);
    json_num(w, in[0]);
    json_num(w, in[1]);
    json_arr_end(w);
    json_key(w, "lon");
    json_num(w, lon);
    json_key(w, "lat");
    json_num(w, lat);
}

int api_proximity(http_request *req, rm_error *err)
{
    static const char *const own[] = {"lon", "lat", "easting", "northing", "crs", "radius", "layers", "limit",
                                      "summary", "properties", "at", "f", NULL};
    int rc = -1;
    bool began = false;
    db_conn *db = NULL;
    prox_search s;
    memset(&s, 0, sizeof s);
    if (prox_check_f(req, err) < 0)
        return -1;
    double lon, lat, in[2], radius;
    const crs_info *crs;
    int64_t limit;
    int32_t today;
    const char *r = http_query(req, "radius");
    if (!r)
        return rm_error_set(err, 400, "Missing parameter", "radius is required: metres, from 0 to %g",
                            PROX_MAX_RADIUS_M);
    if (parse_point(req, &lon, &lat, &crs, in, err) < 0 ||
        params_parse_double("radius", r, 0, PROX_MAX_RADIUS_M, &radius, err) < 0 ||
        params_parse_int("limit", http_query(req, "limit"), 0, PROX_MAX_LIMIT, PROX_DEFAULT_LIMIT, true, &limit,
                         err) < 0 ||
        prox_parse_today(req, &today, err) < 0)
        return -1;
    bool summary;
    if (prox_parse_summary(req, &summary, err) < 0)
        return -1;
    db = http_thread_db(req, err);
    if (!db)
        return -1;
    if (prox_search_init(&s, db, api_caller_class(req), today, req, http_query(req, "layers"), own, err) < 0)
        goto cleanup;
    s.attrs = summary;
    s.keep = summary ? SIZE_MAX : (size_t)limit;
    if (prox_parse_properties(&s, req, err) < 0 || prox_read_check(&s, err) < 0)
        goto cleanup;
    began = prox_begin(db);
    if (prox_collect_circle(&s, lon, lat, radius, err) < 0 || prox_top(&s, (size_t)limit, err) < 0)
        goto cleanup;
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_str(&w, "type", "FeatureCollection");
    json_key(&w, "query");
    json_obj_begin(&w);
    write_query_point(&w, crs, in, lon, lat);
    json_key(&w, "radius_m");
    json_num(&w, radius);
    prox_write_layer_names(&w, &s);
    json_obj_end(&w);
    if (prox_finish_collection(&s, limit, true, false, summary, &w, err) < 0) {
        buf_reset(&req->out);
        goto cleanup;
    }
    http_reply(req, 200, "application/geo+json");
    rc = 0;
cleanup:
    prox_search_cleanup(&s);
    prox_end(db, began);
    return rc;
}

/* ---- nearest ------------------------------------------------------------------------------------ */

/* The union of the extents of the searched layers (layer_stat); false when every layer is empty. */
static bool layers_extent(prox_search *s, geo_box *ext, rm_error *err)
{
    bool have = false;
    sqlite3_stmt *st = db_stmt(s->db, "SELECT min_lon, min_lat, max_lon, max_lat FROM layer_stat WHERE layer = ? "
                                      "AND feature_count > 0", err);
    if (!st)
        return false;
    for (int i = 0; i < s->nlayers; i++) {
        sqlite3_bind_text(st, 1, s->layers[i].coll->id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
            geo_box b = {sqlite3_column_double(st, 0), sqlite3_column_double(st, 1), sqlite3_column_double(st, 2),
                         sqlite3_column_double(st, 3)};
            if (!have)
                *ext = b;
            else {
                ext->min_lon = fmin(ext->min_lon, b.min_lon);
                ext->min_lat = fmin(ext->min_lat, b.min_lat);
                ext->max_lon = fmax(ext->max_lon, b.max_lon);
                ext->max_lat = fmax(ext->max_lat, b.max_lat);
            }
            have = true;
        }
        db_stmt_done(st);
    }
    return have;
}

static bool box_covers(const geo_box *a, const geo_box *b)
{
    return a->min_lon <= b->min_lon && a->min_lat <= b->min_lat && a->max_lon >= b->max_lon && a->max_lat >= b->max_lat;
}

typedef struct nearest_stats {
    double radius_m;  /* radius of the last circle searched; HUGE_VAL: the whole extent */
    int probes;       /* index searches made */
    const char *how[PROX_MAX_LAYERS]; /* per layer: "memory", "rtree" or "sql" */
} nearest_stats;

/* Give the layers searched without conditions their point snapshot (api/pointindex.h), up to date
 * with every change committed before now: the change log is applied first, as tiles do, and a
 * layer that has none yet gets its snapshot built (positions only: a second for a million rows,
 * once; tiles build the same one). Positions do not depend on the day, so a snapshot of another
 * day serves as well. 0, or -1 with err. */
static int nearest_snapshots(prox_search *s, rm_error *err)
{
    app_state *app = s->req && s->req->config ? s->req->config->app : NULL;
    if (!app)
        return 0;
    bool any = false;
    for (int i = 0; i < s->nlayers; i++)
        any |= walkable(s, i) && app_points(app, s->layers[i].coll) != NULL;
    if (!any || app_follow_changes(app, s->db, err) < 0)
        return any ? -1 : 0;
    for (int i = 0; i < s->nlayers; i++) {
        pointindex *p = walkable(s, i) ? app_points(app, s->layers[i].coll) : NULL;
        if (!p)
            continue;
        pointindex_snap *snap = pointindex_acquire(p);
        bool have = snap != NULL;
        pointindex_release(snap);
        if (!have && pointindex_ensure(p, s->db, date_today(), err) < 0)
            return -1;
        s->layers[i].points = p;
    }
    return 0;
}

/* Fill s with the k nearest hits of (lon, lat) (all hits when fewer exist), sorted. */
static int prox_nearest(prox_search *s, double lon, double lat, int k, nearest_stats *stats, rm_error *err)
{
    geo_box ext = {-180, -90, 180, 90};
    stats->probes = 0;
    stats->radius_m = 0;
    bool any_filtered = false;
    for (int i = 0; i < s->nlayers; i++)
        any_filtered |= !walkable(s, i);
    if (any_filtered) {
        bool have_ext = layers_extent(s, &ext, err);
        if (err && err->status)
            return -1;
        if (!have_ext)
            return 0; /* every layer is empty */
    }
    s->center_lon = lon;
    s->center_lat = lat;
    /* Layers without conditions: best first through the snapshot's tree, or the R*Tree. */
    bool filtered = false;
    for (int i = 0; i < s->nlayers; i++) {
        if (!walkable(s, i)) {
            filtered = true;
            stats->how[i] = "sql";
            continue;
        }
        int done = s->layers[i].points ? prox_snap_nearest(s, i, s->layers[i].points, lon, lat, (size_t)k, err) : 0;
        if (done < 0 || (!done && prox_index_search(s, i, lon, lat, HUGE_VAL, (size_t)k, false, err) < 0))
            return -1;
        stats->how[i] = done ? "memory" : "rtree";
        stats->probes++;
    }
    stats->radius_m = HUGE_VAL;
    /* Layers with conditions (filters, rows hidden from the class): growing circles through SQL,
     * until k of their rows lie within one, or the box covers every layer's extent. */
    size_t first = s->nhits;
    double r = 200.0 * sqrt((double)k);
    while (filtered) {
        geo_box box;
        bool have_box = geo_circle_box(lon, lat, r, &box);
        for (size_t i = first; i < s->nhits; i++) {
            free(s->hits[i].name);
            free(s->hits[i].kind);
        }
        s->nhits = first;
        stats->probes++;
        circle_ctx c;
        bool last = !have_box || box_covers(&box, &ext);
        circle_init(&c, lon, lat, last ? HUGE_VAL : r, !last);
        for (int i = 0; i < s->nlayers; i++)
            if (!walkable(s, i) && collect_layer(s, i, last ? &ext : &box, accept_circle, &c, err) < 0)
                return -1;
        if (last)
            break;
        stats->radius_m = r;
        size_t got = s->nhits - first;
        if (got >= (size_t)k)
            break;
        /* Grow by the density seen: aim at twice k in the next circle, at least doubling. */
        double grow = got ? sqrt(2.0 * k / (double)got) : 4.0;
        r *= fmin(fmax(grow, 2.0), 8.0);
    }
    if (prox_top(s, (size_t)k, err) < 0)
        return -1;
    while (s->nhits > (size_t)k) {
        s->nhits--;
        free(s->hits[s->nhits].name);
        free(s->hits[s->nhits].kind);
    }
    return 0;
}

int api_nearest(http_request *req, rm_error *err)
{
    static const char *const own[] = {"lon", "lat", "easting", "northing", "crs", "k", "layers", "properties", "at",
                                      "f", NULL};
    int rc = -1;
    bool began = false;
    db_conn *db = NULL;
    prox_search s;
    memset(&s, 0, sizeof s);
    if (prox_check_f(req, err) < 0)
        return -1;
    double lon, lat, in[2];
    const crs_info *crs;
    int64_t k;
    int32_t today;
    if (parse_point(req, &lon, &lat, &crs, in, err) < 0 ||
        params_parse_int("k", http_query(req, "k"), 1, NEAREST_MAX_K, NEAREST_DEFAULT_K, false, &k, err) < 0 ||
        prox_parse_today(req, &today, err) < 0)
        return -1;
    db = http_thread_db(req, err);
    if (!db)
        return -1;
    if (prox_search_init(&s, db, api_caller_class(req), today, req, http_query(req, "layers"), own, err) < 0)
        goto cleanup;
    s.attrs = false;
    if (prox_parse_properties(&s, req, err) < 0 || prox_read_check(&s, err) < 0 || nearest_snapshots(&s, err) < 0)
        goto cleanup;
    began = prox_begin(db);
    nearest_stats stats = {0};
    if (prox_nearest(&s, lon, lat, (int)k, &stats, err) < 0)
        goto cleanup;
    /* How each layer was searched, for operators and for the tests of each path. */
    char how[96] = "";
    for (int i = 0; i < s.nlayers; i++) {
        size_t used = strlen(how);
        snprintf(how + used, sizeof how - used, "%s%s=%s", i ? ", " : "", s.layers[i].coll->id,
                 stats.how[i] ? stats.how[i] : "none");
    }
    http_set_header(req, "X-Nearest-Index", how);
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_str(&w, "type", "FeatureCollection");
    json_key(&w, "query");
    json_obj_begin(&w);
    write_query_point(&w, crs, in, lon, lat);
    json_kv_int(&w, "k", k);
    prox_write_layer_names(&w, &s);
    json_key(&w, "searched_radius_m");
    if (isinf(stats.radius_m))
        json_write_null(&w); /* the whole extent of the layers */
    else
        json_num(&w, stats.radius_m);
    json_kv_int(&w, "index_probes", stats.probes);
    json_obj_end(&w);
    if (prox_finish_collection(&s, k, true, false, false, &w, err) < 0) {
        buf_reset(&req->out);
        goto cleanup;
    }
    http_reply(req, 200, "application/geo+json");
    rc = 0;
cleanup:
    prox_search_cleanup(&s);
    prox_end(db, began);
    return rc;
}
