/*
 * tiles: Mapbox Vector Tiles of the register (/tiles/{layers}/{z}/{x}/{y}.mvt) and their TileJSON
 * (/tiles/{layers}.json).
 *
 * A tile is built by api/tilebuild.h (clusters below the cluster zoom and in dense tiles, points from
 * the in-memory snapshots above it, clipped boundaries, attributes by visibility class), shared with
 * the offline packages of `radmap tiles`. This module adds what HTTP needs: the caller's class, the
 * change follower, the read log and quota of sensitive rows, the cache, ETags and gzip.
 *
 * Tiles are cached (api/tilecache.h) under a key of layers, z/x/y, visibility class and day (values
 * decay with the date); the ETag carries the day, the class and a hash of the bytes.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/tilebuild.h"
#include "api/readlog.h"
#include "api/state.h"
#include "core/date.h"
#include "core/json.h"
#include "http/response.h"

_Static_assert(TILEBUILD_IDS_KEPT >= READLOG_IDS_LISTED, "a tile keeps the ids the read log lists");

/* The server's point snapshots, for the builder. */
static pointindex *app_points_fn(void *arg, const coll_def *c) { return app_points(arg, c); }

/* The reference a response object kept for later requests holds on its cached body (http.h). */
static void body_acquire(void *b) { tilecache_body_ref(b); }

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
    const tilebuild_layer *layers[TILEBUILD_MAX_LAYERS];
    int nlayers;
    if (tilebuild_parse_layers(req->path_params[0], vis, layers, &nlayers, err) < 0)
        return -1;
    char y[24];
    app_state *app = app_state_of(req);
    tile_id t;
    tilebuild_ctx c = {.vis = vis, .today = date_today(), .cluster_maxzoom = req->config->cluster_maxzoom,
                       .cluster_cell = req->config->cluster_cell,
                       .cluster_max_points = req->config->cluster_max_points, .points = app_points_fn,
                       .points_arg = app};
    if (parse_y(req->path_params[3], y, sizeof y, err) < 0 ||
        tile_parse(req->path_params[1], req->path_params[2], y, &t, err) < 0)
        return -1;
    c.db = http_thread_db(req, err);
    if (!c.db)
        return -1;
    bool sensitive = false;
    for (int i = 0; i < nlayers; i++)
        if (layers[i]->collection && coll_find(layers[i]->collection)->vis == VIS_FULL)
            sensitive = true;
    if (sensitive && readlog_check(app_reads(app), req, err) < 0)
        return -1;
    if (app_follow_changes(app, c.db, err) < 0)
        return -1;
    char key[160];
    snprintf(key, sizeof key, "%s/%u/%u/%u/v%d/d%d", req->path_params[0], t.z, t.x, t.y, (int)vis,
             (int)c.today);
    tilecache *cache = app_tiles(app);
    bool want_gzip = response_accepts(http_header(req, "Accept-Encoding"), "gzip");
    req->no_compress = true; /* tiles are gzipped from the cache, not again by the response */
    /* A max-age lets shared caches keep tiles only when anyone may see them; staff tiles stay private,
     * and Vary keeps a cache from handing one caller's tile to another. */
    req->cache_control = vis == VIS_PUBLIC ? req->config->tile_cache_control : req->config->tile_cache_control_private;
    http_set_header(req, "Vary", "Accept-Encoding, Authorization, Cookie");
    tilecache_hit hit;
    uint64_t gen = 0;
    tilecache_body *body = NULL;
    bool cached = tilecache_get(cache, key, want_gzip, &hit, &gen);
    if (cached) {
        /* A hit touches no table: the bytes go out from the cache entry itself (its reference is
         * given back when they are sent), and the read log gets the ids kept with the entry. */
        body = hit.body;
        buf_strcpy(req->etag, sizeof req->etag, hit.etag);
        http_set_header(req, "X-Tile-Cache", "hit");
    } else {
        buf tile = BUF_INIT;
        if (tilebuild_tile(&c, layers, nlayers, &t, &tile, err) < 0) {
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
        tile_bounds_lonlat_buffered(&t, TILE_BUFFER, &b);
        double bounds[4] = {b.xmin, b.ymin, b.xmax, b.ymax};
        /* The gzip form is made once, for the cache (nearly every map client asks for it), or for
         * this answer alone when nothing is cached. */
        body = tilecache_body_create(tile.data ? tile.data : "", tile.len, tilecache_enabled(cache) || want_gzip,
                                     c.sensitive_rows, c.sensitive_ids, c.nsensitive_ids);
        buf_free(&tile);
        tilecache_store_body(cache, key, body, req->etag, bounds, gen);
        hit.data = want_gzip && body->gz ? body->gz : body->raw;
        hit.len = want_gzip && body->gz ? body->gz_len : body->raw_len;
        hit.gzipped = want_gzip && body->gz;
        http_set_header(req, "X-Tile-Cache", "miss");
    }
    /* Says when a layer's attributes are still being built in the background (tiles then read them
     * from the database, slowly): for operators, and for benchmarks that must wait for them. */
    bool building_header = false;
    for (int i = 0; i < nlayers; i++) {
        pointindex *pi = layers[i]->collection ? app_points(app, coll_find(layers[i]->collection)) : NULL;
        pointindex_snap *snap = pi ? pointindex_acquire(pi) : NULL;
        bool building = snap && !pointindex_snap_has_attrs(snap);
        pointindex_release(snap);
        if (building) {
            http_set_header(req, "X-Tile-Attributes", "building");
            building_header = true;
            break;
        }
    }
    if (sensitive) {
        /* The rows shown with their first ids; a tile without any still counts as one read. */
        size_t rows = (size_t)body->sensitive_rows;
        readlog_record(app_reads(app), req, "tiles", rows ? body->ids : NULL, rows ? rows : 1);
    }
    req->body_ref = hit.data;
    req->body_ref_len = hit.len;
    req->body_ref_release = tilecache_body_release;
    req->body_ref_arg = body;
    req->body_gzipped = hit.gzipped;
    /* A hit's answer depends on nothing but its body (the key holds the class, so its
     * Cache-Control; the ETag is the entry's): the response object may be sent again. Not while
     * the attributes are being built, whose header comes and goes. */
    req->body_ref_shared = cached && !building_header;
    req->body_ref_acquire = body_acquire;
    http_reply(req, hit.len ? 200 : 204, "application/vnd.mapbox-vector-tile");
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
    const tilebuild_layer *layers[TILEBUILD_MAX_LAYERS];
    int nlayers;
    if (tilebuild_parse_layers(names, vis, layers, &nlayers, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    double bounds[4] = {180, 90, -180, -90};
    sqlite3_stmt *st = db_stmt(db, "SELECT min_lon, min_lat, max_lon, max_lat FROM layer_stat WHERE layer = ?", err);
    if (!st)
        return -1;
    for (int i = 0; i < nlayers; i++) {
        double v[4];
        bool have = false;
        /* Below the full class, bounds cover only what that class sees (no hidden facility shows). */
        const coll_def *lc = layers[i]->collection ? coll_find(layers[i]->collection) : NULL;
        pointindex *pi = lc && vis < VIS_FULL && lc->public_rows ? app_points(app_state_of(req), lc) : NULL;
        if (pi) {
            have = pointindex_ensure(pi, db, date_today(), NULL) == 0 && pointindex_extent(pi, vis, v);
        } else {
            sqlite3_bind_text(st, 1, layers[i]->name, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
                for (int k = 0; k < 4; k++)
                    v[k] = sqlite3_column_double(st, k);
                have = true;
            }
            db_stmt_done(st);
        }
        if (have) {
            if (v[0] < bounds[0]) bounds[0] = v[0];
            if (v[1] < bounds[1]) bounds[1] = v[1];
            if (v[2] > bounds[2]) bounds[2] = v[2];
            if (v[3] > bounds[3]) bounds[3] = v[3];
        }
    }
    if (bounds[0] > bounds[2]) {
        bounds[0] = -180, bounds[1] = -85.0511, bounds[2] = 180, bounds[3] = 85.0511;
    }
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_str(&w, "tilejson", "3.0.0");
    json_kv_str(&w, "name", names);
    json_kv_str(&w, "description", "radmap vector tiles: point layers are clustered below the cluster zoom, "
                "and from it on in tiles holding more than cluster_max_points points (features with cluster=true, "
                "point_count and max_category)");
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
    /* From the cluster zoom on, tiles denser than this are clustered too (0: never). */
    long max_points = req->config->cluster_max_points;
    if (max_points == 0)
        max_points = TILEBUILD_CLUSTER_MAX_POINTS;
    json_kv_int(&w, "cluster_max_points", max_points < 0 ? 0 : max_points);
    json_key(&w, "vector_layers");
    json_arr_begin(&w);
    for (int i = 0; i < nlayers; i++) {
        const tilebuild_layer *l = layers[i];
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
