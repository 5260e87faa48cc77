/*
 * tiles: Mapbox Vector Tiles of the register (/tiles/{layers}/{z}/{x}/{y}.mvt) and their TileJSON
 * (/tiles/{layers}.json).
 *
 * Point layers below the cluster zoom come from the point snapshots (api/pointindex.h) as grid
 * clusters (geo/cluster.h): one feature per occupied cell, owned by the tile that owns the cell,
 * so clusters never count a point twice and their counts add up to the points of the tile. A cell
 * holding one point shows the point itself. From the cluster zoom on, points come from SQL through
 * the R*Tree with the tile's 64-unit buffer. Boundaries are clipped and simplified with GEOS
 * (geo/clip.h). Every attribute comes from the collection descriptors (db/collection.h) and
 * respects the caller's visibility class, clusters included.
 *
 * Tiles are cached (api/tilecache.h) under a key of layers, z/x/y, visibility class and day (values
 * decay with the date); the ETag carries the day, the class and a hash of the bytes.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/query.h"
#include "api/readlog.h"
#include "api/state.h"
#include "core/date.h"
#include "core/json.h"
#include "geo/clip.h"
#include "geo/mvt.h"
#include "http/response.h"

#define TILE_MAX_LAYERS 5

/* The attributes of each point layer in its tiles: adding a field is one line. */
static const char *const facility_attrs[] = {"code", "name", "practice", "status", "max_category",
                                             "aggregate_category", "source_count", "device_count", NULL};
static const char *const source_attrs[] = {"facility_id", "nuclide", "activity_bq_now", "iaea_category", "status",
                                           "alert", NULL};
static const char *const device_attrs[] = {"facility_id", "type", "status", NULL};
static const char *const receptor_attrs[] = {"name", "kind", "capacity", NULL};

typedef struct tile_layer {
    const char *name;
    const char *collection;         /* point layers: the collection; NULL for boundaries */
    const char *const *attrs;
    const char *category_attr;      /* the attribute clusters summarise as max_category */
} tile_layer;

static const tile_layer tile_layers[] = {
    {"facilities", "facilities", facility_attrs, "max_category"},
    {"sources", "sources", source_attrs, "iaea_category"},
    {"devices", "devices", device_attrs, NULL},
    {"receptors", "receptors", receptor_attrs, NULL},
    {"boundaries", NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL},
};

static pthread_key_t geos_key;
static pthread_once_t geos_once = PTHREAD_ONCE_INIT;
static void geos_destroy(void *p) { clip_geos_destroy(p); }
static void geos_key_create(void) { pthread_key_create(&geos_key, geos_destroy); }

/* The thread's GEOS context (one per pool thread, DESIGN §2). */
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

static const tile_layer *find_layer(const char *name, size_t n)
{
    for (const tile_layer *l = tile_layers; l->name; l++)
        if (strlen(l->name) == n && strncmp(l->name, name, n) == 0)
            return l;
    return NULL;
}

static bool layer_visible(const tile_layer *l, vis_class vis)
{
    if (!l->collection)
        return true;
    const coll_def *c = coll_find(l->collection);
    return c && c->vis <= vis;
}

/* Parse "facilities,sources" into layers; 0 or -1 with err (400 naming the unknown layer). */
static int parse_layers(const char *s, vis_class vis, const tile_layer **out, int *n, rm_error *err)
{
    *n = 0;
    const char *p = s;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const tile_layer *l = find_layer(p, len);
        if (!l || !layer_visible(l, vis)) {
            buf names = BUF_INIT;
            for (const tile_layer *k = tile_layers; k->name; k++)
                if (layer_visible(k, vis))
                    buf_appendf(&names, "%s%s", names.len ? ", " : "", k->name);
            rm_error_set(err, 404, "Not Found", "unknown tile layer '%.*s'; layers: %s (or a comma list)",
                         (int)(len > 60 ? 60 : len), p, names.data);
            buf_free(&names);
            return -1;
        }
        for (int i = 0; i < *n; i++)
            if (out[i] == l)
                return rm_error_set(err, 400, "Invalid layers", "layer %s is listed twice", l->name);
        if (*n == TILE_MAX_LAYERS)
            return rm_error_set(err, 400, "Invalid layers", "at most %d layers per tile", TILE_MAX_LAYERS);
        out[(*n)++] = l;
        if (!e)
            break;
        p = e + 1;
        if (!*p)
            return rm_error_set(err, 400, "Invalid layers", "the layer list ends with a comma");
    }
    if (*n == 0)
        return rm_error_set(err, 400, "Invalid layers", "no layer named");
    return 0;
}

/* Append "t.id, t.lon, t.lat, attr..." for the attributes of l visible to vis; *props receives
 * the descriptors of the selected attributes, in column order from 3. */
static int select_attrs(query *q, const tile_layer *l, buf *sql, const coll_prop **props)
{
    int n = 0;
    buf_puts(sql, "t.id, t.lon, t.lat");
    for (const char *const *a = l->attrs; *a; a++) {
        const coll_prop *p = coll_prop_find(q->coll, *a);
        if (!p || !p->sql || p->vis > q->vis)
            continue;
        buf_puts(sql, ", ");
        query_append_sql(q, sql, p->sql);
        props[n++] = p;
    }
    return n;
}

/* Add the attribute columns of the current row to f. */
static void add_attrs(mvt_feature *f, sqlite3_stmt *st, const coll_prop *const *props, int nprops)
{
    for (int i = 0; i < nprops; i++) {
        int col = 3 + i;
        if (sqlite3_column_type(st, col) == SQLITE_NULL)
            continue; /* MVT has no null: the attribute is left out */
        switch (props[i]->type) {
        case PROP_INT: mvt_feature_add_int(f, props[i]->name, sqlite3_column_int64(st, col)); break;
        case PROP_REAL: mvt_feature_add_double(f, props[i]->name, sqlite3_column_double(st, col)); break;
        case PROP_BOOL: mvt_feature_add_bool(f, props[i]->name, sqlite3_column_int(st, col) != 0); break;
        default: mvt_feature_add_string(f, props[i]->name, (const char *)sqlite3_column_text(st, col)); break;
        }
    }
}

typedef struct tile_ctx {
    http_request *req;
    db_conn *db;
    app_state *app;
    vis_class vis;
    int32_t today;
    tile_id t;
    mvt_tile *mvt;
    long sensitive_rows;  /* source and device features put in the tile (read log, quota) */
} tile_ctx;

/* Points of l from SQL in the buffered tile, every one as a feature. */
static int points_from_sql(tile_ctx *c, const tile_layer *l, const coll_def *coll, rm_error *err)
{
    query q;
    query_init(&q, coll, c->vis, c->today);
    tile_bounds b;
    tile_bounds_lonlat_buffered(&c->t, TILE_BUFFER, &b);
    params_bbox box = {b.xmin, b.ymin, b.xmax, b.ymax, false};
    query_bbox(&q, &box);
    buf sql = BUF_INIT;
    const coll_prop *props[32];
    buf_puts(&sql, "SELECT ");
    int nprops = select_attrs(&q, l, &sql, props);
    buf_appendf(&sql, " FROM %s WHERE %s", coll->from, q.where.data);
    int rc = -1;
    sqlite3_stmt *st = query_prepare(&q, c->db, sql.data, err);
    if (!st)
        goto cleanup;
    mvt_layer *ml = mvt_layer_begin(c->mvt, l->name, TILE_EXTENT);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        double tx, ty;
        tile_lonlat_to_tile(&c->t, sqlite3_column_double(st, 1), sqlite3_column_double(st, 2), &tx, &ty);
        mvt_feature *f = mvt_feature_begin(ml, (uint64_t)sqlite3_column_int64(st, 0));
        add_attrs(f, st, props, nprops);
        mvt_feature_add_point(f, tile_round(tx), tile_round(ty));
        if (coll->vis == VIS_FULL)
            c->sensitive_rows++;
    }
    if (s != SQLITE_DONE)
        db_error(c->db, err, 500, "reading tile features");
    else
        rc = 0;
    db_stmt_done(st);
cleanup:
    buf_free(&sql);
    query_cleanup(&q);
    return rc;
}

/* Points of l as grid clusters from the snapshot; single points with their attributes. */
static int points_clustered(tile_ctx *c, const tile_layer *l, const coll_def *coll, rm_error *err)
{
    pointindex *pi = app_points(c->app, coll);
    if (!pi)
        return points_from_sql(c, l, coll, err);
    if (pointindex_ensure(pi, c->db, c->today, err) < 0)
        return -1;
    cluster_point *pts = NULL;
    size_t n = 0, cap = 0, nc = 0;
    cluster *cl = NULL;
    int rc = -1;
    query q;
    query_init(&q, coll, c->vis, c->today);
    buf sql = BUF_INIT;
    if (pointindex_tile_points(pi, &c->t, c->vis, &pts, &n, &cap) < 0) {
        rm_error_set(err, 500, "Out of memory", "collecting tile points");
        goto cleanup;
    }
    if (cluster_grid(pts, n, c->req->config->cluster_cell, &cl, &nc, err) < 0)
        goto cleanup;
    if (coll->vis == VIS_FULL)
        c->sensitive_rows += (long)n;
    mvt_layer *ml = mvt_layer_begin(c->mvt, l->name, TILE_EXTENT);
    bool show_category = l->category_attr && c->vis == VIS_FULL;
    /* Single points: their attributes by id, with the tile's select list. */
    const coll_prop *props[32];
    buf_puts(&sql, "SELECT ");
    int nprops = select_attrs(&q, l, &sql, props);
    query_and(&q, "t.id = ?");
    query_add_int(&q, 0);
    buf_appendf(&sql, " FROM %s WHERE %s", coll->from, q.where.data);
    for (size_t i = 0; i < nc; i++) {
        if (cl[i].point_count == 1) {
            q.binds[q.nbinds - 1].i = (int64_t)cl[i].id;
            sqlite3_stmt *st = query_prepare(&q, c->db, sql.data, err);
            if (!st)
                goto cleanup;
            int s = sqlite3_step(st);
            if (s == SQLITE_ROW) {
                double tx, ty;
                tile_lonlat_to_tile(&c->t, sqlite3_column_double(st, 1), sqlite3_column_double(st, 2), &tx, &ty);
                mvt_feature *f = mvt_feature_begin(ml, cl[i].id);
                add_attrs(f, st, props, nprops);
                mvt_feature_add_point(f, tile_round(tx), tile_round(ty));
            }
            db_stmt_done(st);
            if (s != SQLITE_ROW && s != SQLITE_DONE) {
                db_error(c->db, err, 500, "reading a tile feature");
                goto cleanup;
            }
            continue;
        }
        /* Clusters have no feature id: ids are database ids, and a cluster is none of them. */
        mvt_feature *f = mvt_feature_begin(ml, 0);
        mvt_feature_add_bool(f, "cluster", true);
        mvt_feature_add_int(f, "point_count", cl[i].point_count);
        if (show_category && cl[i].max_category > 0)
            mvt_feature_add_int(f, "max_category", cl[i].max_category);
        mvt_feature_add_point(f, tile_round(cl[i].x), tile_round(cl[i].y));
    }
    rc = 0;
cleanup:
    free(pts);
    free(cl);
    buf_free(&sql);
    query_cleanup(&q);
    return rc;
}

static int boundaries(tile_ctx *c, const tile_layer *l, rm_error *err)
{
    clip_geos *g = thread_geos(err);
    if (!g)
        return -1;
    tile_bounds b;
    tile_bounds_lonlat_buffered(&c->t, TILE_BUFFER, &b);
    sqlite3_stmt *st = db_stmt(c->db,
        "SELECT id, name, level, AsBinary(geom) FROM boundary WHERE id IN (SELECT pkid FROM idx_boundary_geom "
        "WHERE xmin <= ?3 AND xmax >= ?1 AND ymin <= ?4 AND ymax >= ?2) AND max_lon >= ?1 AND min_lon <= ?3 "
        "AND max_lat >= ?2 AND min_lat <= ?4", err);
    if (!st)
        return -1;
    sqlite3_bind_double(st, 1, b.xmin);
    sqlite3_bind_double(st, 2, b.ymin);
    sqlite3_bind_double(st, 3, b.xmax);
    sqlite3_bind_double(st, 4, b.ymax);
    mvt_layer *ml = mvt_layer_begin(c->mvt, l->name, TILE_EXTENT);
    int s, rc = 0;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        GEOSGeometry *tg = NULL;
        const unsigned char *wkb = sqlite3_column_blob(st, 3);
        size_t len = (size_t)sqlite3_column_bytes(st, 3);
        if (!wkb || clip_wkb_to_tile(g, wkb, len, &c->t, &tg, err) < 0) {
            if (!wkb)
                continue;
            rc = -1;
            break;
        }
        if (!tg)
            continue;
        mvt_feature *f = mvt_feature_begin(ml, (uint64_t)sqlite3_column_int64(st, 0));
        mvt_feature_add_string(f, "name", (const char *)sqlite3_column_text(st, 1));
        mvt_feature_add_string(f, "level", (const char *)sqlite3_column_text(st, 2));
        int e = clip_emit(g, tg, f, err);
        GEOSGeom_destroy_r(clip_geos_handle(g), tg);
        if (e < 0) {
            rc = -1;
            break;
        }
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = db_error(c->db, err, 500, "reading boundaries");
    db_stmt_done(st);
    return rc;
}

static int build_tile(tile_ctx *c, const tile_layer *const *layers, int nlayers, buf *out, rm_error *err)
{
    c->mvt = mvt_tile_create();
    int rc = 0;
    for (int i = 0; i < nlayers && rc == 0; i++) {
        const tile_layer *l = layers[i];
        if (!l->collection) {
            rc = boundaries(c, l, err);
            continue;
        }
        const coll_def *coll = coll_find(l->collection);
        if ((int)c->t.z < c->req->config->cluster_maxzoom)
            rc = points_clustered(c, l, coll, err);
        else
            rc = points_from_sql(c, l, coll, err);
    }
    if (rc == 0)
        mvt_tile_finish(c->mvt, out);
    mvt_tile_destroy(c->mvt);
    c->mvt = NULL;
    return rc;
}

/* Strip ".mvt" (or ".pbf") from the last path segment. */
static int parse_y(const char *seg, char *y, size_t cap, rm_error *err)
{
    const char *dot = strrchr(seg, '.');
    if (!dot || (strcmp(dot, ".mvt") != 0 && strcmp(dot, ".pbf") != 0) || (size_t)(dot - seg) >= cap)
        return rm_error_set(err, 404, "Not Found", "tile paths end in {y}.mvt");
    memcpy(y, seg, (size_t)(dot - seg));
    y[dot - seg] = 0;
    return 0;
}

int api_tile(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    vis_class vis = api_caller_class(req);
    const tile_layer *layers[TILE_MAX_LAYERS];
    int nlayers;
    if (parse_layers(req->path_params[0], vis, layers, &nlayers, err) < 0)
        return -1;
    char y[24];
    tile_ctx c = {.req = req, .vis = vis, .today = date_today(), .app = app_state_of(req)};
    if (parse_y(req->path_params[3], y, sizeof y, err) < 0 ||
        tile_parse(req->path_params[1], req->path_params[2], y, &c.t, err) < 0)
        return -1;
    c.db = http_thread_db(req, err);
    if (!c.db)
        return -1;
    bool sensitive = false;
    for (int i = 0; i < nlayers; i++)
        if (layers[i]->collection && coll_find(layers[i]->collection)->vis == VIS_FULL)
            sensitive = true;
    if (sensitive && readlog_check(app_reads(c.app), req, err) < 0)
        return -1;
    if (app_follow_changes(c.app, c.db, err) < 0)
        return -1;
    char key[160];
    snprintf(key, sizeof key, "%s/%u/%u/%u/v%d/d%d", req->path_params[0], c.t.z, c.t.x, c.t.y, (int)vis,
             (int)c.today);
    tilecache *cache = app_tiles(c.app);
    const char *ae = http_header(req, "Accept-Encoding");
    bool want_gzip = ae && strstr(ae, "gzip");
    req->no_compress = true; /* tiles are gzipped from the cache, not again by the response */
    req->cache_control = req->config->tile_cache_control;
    tilecache_hit hit;
    uint64_t gen = 0;
    if (tilecache_get(cache, key, want_gzip, &hit, &gen)) {
        buf_append(&req->out, hit.data, hit.len);
        req->body_gzipped = hit.gzipped;
        snprintf(req->etag, sizeof req->etag, "%s", hit.etag);
        tilecache_hit_free(&hit);
        if (sensitive)
            readlog_record(app_reads(c.app), req, "tiles", NULL, 1);
        http_set_header(req, "X-Tile-Cache", "hit");
        http_reply(req, req->out.len ? 200 : 204, "application/vnd.mapbox-vector-tile");
        return 0;
    }
    buf tile = BUF_INIT;
    if (build_tile(&c, layers, nlayers, &tile, err) < 0) {
        tilecache_abandon(cache, key);
        buf_free(&tile);
        return -1;
    }
    unsigned char h[12];
    char hex[25];
    crypto_generichash(h, sizeof h, (const unsigned char *)(tile.data ? tile.data : ""), tile.len, NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(req->etag, sizeof req->etag, "\"d%d-v%d-%s\"", (int)c.today, (int)vis, hex);
    tile_bounds b;
    tile_bounds_lonlat_buffered(&c.t, TILE_BUFFER, &b);
    double bounds[4] = {b.xmin, b.ymin, b.xmax, b.ymax};
    tilecache_store(cache, key, tile.data ? tile.data : "", tile.len, req->etag, bounds, gen);
    if (want_gzip && tile.len > 0) {
        buf gz = BUF_INIT;
        if (response_gzip(tile.data, tile.len, &gz) == 0 && gz.len < tile.len) {
            buf_free(&tile);
            tile = gz;
            req->body_gzipped = true;
        } else {
            buf_free(&gz);
        }
    }
    buf_free(&req->out);
    req->out = tile;
    if (sensitive)
        readlog_record(app_reads(c.app), req, "tiles", NULL, c.sensitive_rows ? (size_t)c.sensitive_rows : 1);
    http_set_header(req, "X-Tile-Cache", "miss");
    http_reply(req, req->out.len ? 200 : 204, "application/vnd.mapbox-vector-tile");
    return 0;
}

int api_tilejson(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    const char *seg = req->path_params[0];
    size_t n = strlen(seg);
    if (n < 6 || strcmp(seg + n - 5, ".json") != 0)
        return rm_error_set(err, 404, "Not Found", "no resource at %s; TileJSON is at /tiles/{layers}.json",
                            req->path);
    char names[256];
    if (n - 5 >= sizeof names)
        return rm_error_set(err, 400, "Invalid layers", "the layer list is too long");
    memcpy(names, seg, n - 5);
    names[n - 5] = 0;
    vis_class vis = api_caller_class(req);
    const tile_layer *layers[TILE_MAX_LAYERS];
    int nlayers;
    if (parse_layers(names, vis, layers, &nlayers, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    double bounds[4] = {180, 90, -180, -90};
    sqlite3_stmt *st = db_stmt(db, "SELECT min_lon, min_lat, max_lon, max_lat FROM layer_stat WHERE layer = ?", err);
    if (!st)
        return -1;
    for (int i = 0; i < nlayers; i++) {
        sqlite3_bind_text(st, 1, layers[i]->name, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
            double v[4];
            for (int k = 0; k < 4; k++)
                v[k] = sqlite3_column_double(st, k);
            if (v[0] < bounds[0]) bounds[0] = v[0];
            if (v[1] < bounds[1]) bounds[1] = v[1];
            if (v[2] > bounds[2]) bounds[2] = v[2];
            if (v[3] > bounds[3]) bounds[3] = v[3];
        }
        db_stmt_done(st);
    }
    if (bounds[0] > bounds[2]) {
        bounds[0] = -180, bounds[1] = -85.0511, bounds[2] = 180, bounds[3] = 85.0511;
    }
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_str(&w, "tilejson", "3.0.0");
    json_kv_str(&w, "name", names);
    json_kv_str(&w, "description", "radmap vector tiles: point layers are clustered below the cluster zoom "
                "(features with cluster=true, point_count and max_category)");
    json_key(&w, "tiles");
    json_arr_begin(&w);
    buf url = BUF_INIT;
    http_base_url(req, &url);
    buf_appendf(&url, "/tiles/%s/{z}/{x}/{y}.mvt", names);
    json_str(&w, url.data);
    buf_free(&url);
    json_arr_end(&w);
    json_kv_int(&w, "minzoom", 0);
    json_kv_int(&w, "maxzoom", TILE_MAX_ZOOM);
    json_key(&w, "bounds");
    json_arr_begin(&w);
    for (int k = 0; k < 4; k++)
        json_num(&w, bounds[k]);
    json_arr_end(&w);
    json_key(&w, "center");
    json_arr_begin(&w);
    json_num(&w, (bounds[0] + bounds[2]) / 2);
    json_num(&w, (bounds[1] + bounds[3]) / 2);
    json_int(&w, 8);
    json_arr_end(&w);
    json_kv_int(&w, "cluster_maxzoom", req->config->cluster_maxzoom);
    json_key(&w, "vector_layers");
    json_arr_begin(&w);
    for (int i = 0; i < nlayers; i++) {
        const tile_layer *l = layers[i];
        json_obj_begin(&w);
        json_kv_str(&w, "id", l->name);
        json_kv_int(&w, "minzoom", 0);
        json_kv_int(&w, "maxzoom", TILE_MAX_ZOOM);
        json_key(&w, "fields");
        json_obj_begin(&w);
        if (l->collection) {
            const coll_def *coll = coll_find(l->collection);
            for (const char *const *a = l->attrs; *a; a++) {
                const coll_prop *p = coll_prop_find(coll, *a);
                if (!p || p->vis > vis)
                    continue;
                json_kv_str(&w, p->name, p->type == PROP_TEXT ? "String" : p->type == PROP_BOOL ? "Boolean"
                                                                                                 : "Number");
            }
            json_kv_str(&w, "cluster", "Boolean");
            json_kv_str(&w, "point_count", "Number");
            /* Clusters summarise the category as max_category (facilities already have it). */
            if (l->category_attr && vis == VIS_FULL && strcmp(l->category_attr, "max_category") != 0)
                json_kv_str(&w, "max_category", "Number");
        } else {
            json_kv_str(&w, "name", "String");
            json_kv_str(&w, "level", "String");
        }
        json_obj_end(&w);
        json_obj_end(&w);
    }
    json_arr_end(&w);
    json_obj_end(&w);
    http_reply(req, 200, "application/json");
    return 0;
}
