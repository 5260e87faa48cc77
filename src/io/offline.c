/*
 * offline: MBTiles packages of the register's vector tiles; see offline.h.
 *
 * Several builder threads share one stack of tiles to visit (a tile with features pushes its
 * children), each with its own read connection and GEOS context; the point snapshots are shared
 * (they are thread-safe). Tiles are gzipped by the builder and written under a lock.
 */
#include "io/offline.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "api/tilebuild.h"
#include "core/date.h"
#include "core/json.h"
#include "io/mbtiles.h"

void offline_options_default(offline_options *o)
{
    memset(o, 0, sizeof *o);
    o->minzoom = 8;
    o->maxzoom = 16;
    o->vis = VIS_VIEWER;
    o->role = "viewer";
    o->cluster_maxzoom = 12;
    o->cluster_cell = 512;
    o->threads = 0;
    o->progress = PROGRESS_OFF;
}

typedef struct range {
    uint32_t x0, x1, y0, y1; /* inclusive */
} range;

typedef struct shared {
    const char *db_path;
    const offline_options *o;
    const tilebuild_layer *layers[TILEBUILD_MAX_LAYERS];
    int nlayers;
    range ranges[TILE_MAX_ZOOM + 1];
    int32_t today;
    pointindex *points[3];
    const coll_def *point_colls[3];
    /* The stack of tiles to visit. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    tile_id *stack;
    size_t n, cap;
    int busy;                  /* builders working on a tile */
    int failed;
    rm_error err;
    /* Output. */
    pthread_mutex_t out_mu;
    mbtiles *mb;
    atomic_long written, visited, skipped, done_units, sensitive, bytes;
} shared;

static pointindex *points_of(void *arg, const coll_def *c)
{
    shared *s = arg;
    for (int i = 0; i < 3; i++)
        if (s->point_colls[i] == c)
            return s->points[i];
    return NULL;
}

/* Tiles of zoom z inside the box. */
static void box_range(const double b[4], uint32_t z, range *r)
{
    tile_id a, c;
    double north = b[3] > TILE_MAX_LAT ? TILE_MAX_LAT : b[3], south = b[1] < -TILE_MAX_LAT ? -TILE_MAX_LAT : b[1];
    tile_of_lonlat(z, b[0], north, &a);
    tile_of_lonlat(z, b[2] >= 180 ? 179.9999999 : b[2], south, &c);
    r->x0 = a.x, r->x1 = c.x, r->y0 = a.y, r->y1 = c.y;
}

/* Tiles of the subtree below t (itself excluded) that lie in the ranges, down to maxzoom. */
static long subtree_units(const shared *s, const tile_id *t)
{
    long n = 0;
    for (uint32_t z = t->z + 1; z <= (uint32_t)s->o->maxzoom; z++) {
        uint32_t d = z - t->z;
        uint64_t x0 = (uint64_t)t->x << d, x1 = (((uint64_t)t->x + 1) << d) - 1;
        uint64_t y0 = (uint64_t)t->y << d, y1 = (((uint64_t)t->y + 1) << d) - 1;
        const range *r = &s->ranges[z];
        uint64_t a = x0 > r->x0 ? x0 : r->x0, b = x1 < r->x1 ? x1 : r->x1;
        uint64_t c = y0 > r->y0 ? y0 : r->y0, e = y1 < r->y1 ? y1 : r->y1;
        if (a <= b && c <= e)
            n += (long)((b - a + 1) * (e - c + 1));
    }
    return n;
}

static void push(shared *s, const tile_id *t)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        tile_id *x = realloc(s->stack, s->cap * sizeof *x);
        if (!x)
            abort();
        s->stack = x;
    }
    s->stack[s->n++] = *t;
}

static int gzip_tile(const buf *in, buf *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    buf_reset(out);
    buf_grow(out, deflateBound(&zs, (uLong)in->len));
    zs.next_in = (Bytef *)in->data;
    zs.avail_in = (uInt)in->len;
    zs.next_out = (Bytef *)out->data;
    zs.avail_out = (uInt)(out->cap - 1);
    int r = deflate(&zs, Z_FINISH);
    out->len = zs.total_out;
    deflateEnd(&zs);
    return r == Z_STREAM_END ? 0 : -1;
}

static void *builder(void *arg)
{
    shared *s = arg;
    db_conn *db = NULL;
    rm_error err = {0};
    buf tile = BUF_INIT, gz = BUF_INIT;
    if (db_open(s->db_path, DB_READONLY, &db, &err) < 0) {
        pthread_mutex_lock(&s->mu);
        if (!s->failed)
            s->failed = 1, s->err = err;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        return NULL;
    }
    tilebuild_ctx c = {.db = db, .vis = s->o->vis, .today = s->today, .cluster_maxzoom = s->o->cluster_maxzoom,
                       .cluster_cell = s->o->cluster_cell, .points = points_of, .points_arg = s};
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->n && s->busy && !s->failed)
            pthread_cond_wait(&s->cv, &s->mu);
        if (s->failed || (!s->n && !s->busy))
            break;
        tile_id t = s->stack[--s->n];
        s->busy++;
        pthread_mutex_unlock(&s->mu);
        buf_reset(&tile);
        long before = c.sensitive_rows;
        int r = tilebuild_tile(&c, s->layers, s->nlayers, &t, &tile, &err);
        atomic_fetch_add(&s->visited, 1);
        atomic_fetch_add(&s->done_units, 1);
        if (r == 0 && tile.len) {
            if (gzip_tile(&tile, &gz) < 0) {
                rm_error_set(&err, 500, "Compression failed", "tile %u/%u/%u", t.z, t.x, t.y);
                r = -1;
            } else {
                pthread_mutex_lock(&s->out_mu);
                r = mbtiles_put(s->mb, (int)t.z, t.x, t.y, gz.data, gz.len, &err);
                pthread_mutex_unlock(&s->out_mu);
                atomic_fetch_add(&s->written, 1);
                atomic_fetch_add(&s->bytes, (long)gz.len);
                atomic_fetch_add(&s->sensitive, c.sensitive_rows - before);
            }
        }
        pthread_mutex_lock(&s->mu);
        s->busy--;
        if (r < 0) {
            if (!s->failed)
                s->failed = 1, s->err = err;
        } else if (tile.len && t.z < (uint32_t)s->o->maxzoom) {
            /* Children inside the box. */
            const range *rg = &s->ranges[t.z + 1];
            for (uint32_t dy = 0; dy < 2; dy++)
                for (uint32_t dx = 0; dx < 2; dx++) {
                    tile_id ch = {t.z + 1, 2 * t.x + dx, 2 * t.y + dy};
                    if (ch.x >= rg->x0 && ch.x <= rg->x1 && ch.y >= rg->y0 && ch.y <= rg->y1)
                        push(s, &ch);
                }
        } else if (!tile.len) {
            long skip = subtree_units(s, &t);
            atomic_fetch_add(&s->skipped, skip);
            atomic_fetch_add(&s->done_units, skip);
        }
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    buf_free(&tile);
    buf_free(&gz);
    db_close(db);
    return NULL;
}

/* The json metadata row: the vector layers and their fields, as the server's TileJSON says. */
static void vector_layers_json(const shared *s, buf *out)
{
    json_writer w;
    json_init(&w, out);
    json_obj_begin(&w);
    json_key(&w, "vector_layers");
    json_arr_begin(&w);
    for (int i = 0; i < s->nlayers; i++) {
        const tilebuild_layer *l = s->layers[i];
        json_obj_begin(&w);
        json_kv_str(&w, "id", l->name);
        json_kv_int(&w, "minzoom", s->o->minzoom);
        json_kv_int(&w, "maxzoom", s->o->maxzoom);
        json_key(&w, "fields");
        json_obj_begin(&w);
        if (l->collection) {
            const coll_def *coll = coll_find(l->collection);
            for (const char *const *a = l->attrs; *a; a++) {
                const coll_prop *p = coll_prop_find(coll, *a);
                if (!p || p->vis > s->o->vis)
                    continue;
                json_kv_str(&w, p->name, p->type == PROP_TEXT ? "String" : p->type == PROP_BOOL ? "Boolean" : "Number");
            }
            json_kv_str(&w, "cluster", "Boolean");
            json_kv_str(&w, "point_count", "Number");
            if (l->category_attr && s->o->vis == VIS_FULL && strcmp(l->category_attr, "max_category") != 0)
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
}

static int default_bbox(shared *s, db_conn *db, double b[4], rm_error *err)
{
    b[0] = b[1] = 1e9;
    b[2] = b[3] = -1e9;
    for (int i = 0; i < s->nlayers; i++) {
        const tilebuild_layer *l = s->layers[i];
        if (!l->collection)
            continue;
        double box[4];
        int have = 0;
        pointindex *pi = points_of(s, coll_find(l->collection));
        if (pi) {
            if (pointindex_ensure(pi, db, s->today, err) < 0)
                return -1;
            have = pointindex_extent(pi, s->o->vis, box);
        } else {
            sqlite3_stmt *st = db_stmt(db, "SELECT min_lon, min_lat, max_lon, max_lat FROM layer_stat WHERE layer = ?", err);
            if (!st)
                return -1;
            sqlite3_bind_text(st, 1, l->name, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
                for (int k = 0; k < 4; k++)
                    box[k] = sqlite3_column_double(st, k);
                have = 1;
            }
            db_stmt_done(st);
        }
        if (!have)
            continue;
        if (box[0] < b[0]) b[0] = box[0];
        if (box[1] < b[1]) b[1] = box[1];
        if (box[2] > b[2]) b[2] = box[2];
        if (box[3] > b[3]) b[3] = box[3];
    }
    if (b[0] > b[2])
        return rm_error_set(err, 422, "Nothing to package", "the chosen layers hold no point this role may see; give "
                            "the area with --bbox west,south,east,north");
    return 0;
}

int offline_build(const char *db_path, const char *out_path, const offline_options *o, offline_report *rep,
                  rm_error *err)
{
    memset(rep, 0, sizeof *rep);
    if (o->minzoom < 0 || o->maxzoom > TILE_MAX_ZOOM || o->minzoom > o->maxzoom)
        return rm_error_set(err, 400, "Invalid zoom", "zooms must satisfy 0 <= minzoom <= maxzoom <= %d", TILE_MAX_ZOOM);
    shared *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->db_path = db_path;
    s->o = o;
    s->today = date_today();
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_mutex_init(&s->out_mu, NULL);
    db_conn *db = NULL;
    int rc = -1, nthreads = 0;
    pthread_t th[8];
    static const struct { const char *coll, *category; } pl[] = {
        {"facilities", "max_category"}, {"sources", "iaea_category"}, {"devices", NULL}};
    for (int i = 0; i < 3; i++) {
        s->point_colls[i] = coll_find(pl[i].coll);
        s->points[i] = s->point_colls[i] ? pointindex_create(s->point_colls[i], pl[i].category) : NULL;
    }
    if (o->layers) {
        if (tilebuild_parse_layers(o->layers, o->vis, s->layers, &s->nlayers, err) < 0)
            goto done;
    } else {
        for (const tilebuild_layer *l = tilebuild_layers; l->name && s->nlayers < TILEBUILD_MAX_LAYERS; l++)
            if (tilebuild_layer_visible(l, o->vis))
                s->layers[s->nlayers++] = l;
    }
    if (db_open(db_path, DB_READONLY, &db, err) < 0)
        goto done;
    double b[4];
    if (o->have_bbox)
        memcpy(b, o->bbox, sizeof b);
    else if (default_bbox(s, db, b, err) < 0)
        goto done;
    memcpy(rep->bbox, b, sizeof b);
    long total = 0;
    for (int z = o->minzoom; z <= o->maxzoom; z++) {
        box_range(b, (uint32_t)z, &s->ranges[z]);
        const range *r = &s->ranges[z];
        total += (long)(r->x1 - r->x0 + 1) * (long)(r->y1 - r->y0 + 1);
    }
    /* Build the snapshots once, before the builders share them. */
    for (int i = 0; i < 3; i++)
        if (s->points[i] && pointindex_ensure(s->points[i], db, s->today, err) < 0)
            goto done;
    s->mb = mbtiles_create(out_path, err);
    if (!s->mb)
        goto done;
    const range *r0 = &s->ranges[o->minzoom];
    for (uint32_t y = r0->y1 + 1; y-- > r0->y0;)
        for (uint32_t x = r0->x1 + 1; x-- > r0->x0;) {
            tile_id t = {(uint32_t)o->minzoom, x, y};
            push(s, &t);
        }
    int want = o->threads;
    if (want <= 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        want = cores > 0 ? (int)cores : 2;
    }
    if (want > 8)
        want = 8;
    progress pr;
    progress_start(&pr, o->progress, "tiles", "tiles");
    for (int i = 0; i < want; i++)
        if (pthread_create(&th[nthreads], NULL, builder, s) == 0)
            nthreads++;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        bool finished = s->failed || (!s->n && !s->busy);
        pthread_mutex_unlock(&s->mu);
        if (finished)
            break;
        progress_update(&pr, atomic_load(&s->done_units), total);
        usleep(50000);
    }
    for (int i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
    nthreads = 0;
    if (s->failed) {
        *err = s->err;
        goto done;
    }
    progress_end(&pr, atomic_load(&s->visited));
    rep->tiles_written = atomic_load(&s->written);
    rep->tiles_visited = atomic_load(&s->visited);
    rep->tiles_skipped = atomic_load(&s->skipped);
    rep->sensitive_rows = atomic_load(&s->sensitive);
    rep->bytes = atomic_load(&s->bytes);
    rep->seconds = progress_elapsed_s(&pr);
    /* MBTiles 1.3 metadata. */
    buf json = BUF_INIT, names = BUF_INIT;
    for (int i = 0; i < s->nlayers; i++)
        buf_appendf(&names, "%s%s", i ? "," : "", s->layers[i]->name);
    vector_layers_json(s, &json);
    struct { const char *k; char v[300]; } meta[12];
    int nm = 0;
    snprintf(meta[nm].v, sizeof meta[nm].v, "radmap %s", names.data);
    meta[nm++].k = "name";
    snprintf(meta[nm].v, sizeof meta[nm].v, "pbf");
    meta[nm++].k = "format";
    snprintf(meta[nm].v, sizeof meta[nm].v, "%.6f,%.6f,%.6f,%.6f", b[0], b[1], b[2], b[3]);
    meta[nm++].k = "bounds";
    int cz = o->minzoom + 2 > o->maxzoom ? o->maxzoom : o->minzoom + 2;
    snprintf(meta[nm].v, sizeof meta[nm].v, "%.6f,%.6f,%d", (b[0] + b[2]) / 2, (b[1] + b[3]) / 2, cz);
    meta[nm++].k = "center";
    snprintf(meta[nm].v, sizeof meta[nm].v, "%d", o->minzoom);
    meta[nm++].k = "minzoom";
    snprintf(meta[nm].v, sizeof meta[nm].v, "%d", o->maxzoom);
    meta[nm++].k = "maxzoom";
    snprintf(meta[nm].v, sizeof meta[nm].v, "overlay");
    meta[nm++].k = "type";
    snprintf(meta[nm].v, sizeof meta[nm].v, "1");
    meta[nm++].k = "version";
    char day[11];
    date_format(s->today, day);
    snprintf(meta[nm].v, sizeof meta[nm].v, "Radiation-safety register: %s as the role %s sees them on %s; point "
             "layers are clustered below zoom %d", names.data, o->role ? o->role : "?", day, o->cluster_maxzoom);
    meta[nm++].k = "description";
    snprintf(meta[nm].v, sizeof meta[nm].v, "radmap");
    meta[nm++].k = "generator";
    int mrc = 0;
    for (int i = 0; i < nm && mrc == 0; i++)
        mrc = mbtiles_set_meta(s->mb, meta[i].k, meta[i].v, err);
    if (mrc == 0)
        mrc = mbtiles_set_meta(s->mb, "json", json.data, err);
    buf_free(&json);
    buf_free(&names);
    if (mrc < 0)
        goto done;
    mbtiles *mb = s->mb;
    s->mb = NULL;
    if (mbtiles_close(mb, err) < 0)
        goto done;
    rc = 0;
done:
    if (s->mb) {
        mbtiles_close(s->mb, NULL);
        unlink(out_path);
    }
    for (int i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 3; i++)
        pointindex_destroy(s->points[i]);
    db_close(db);
    free(s->stack);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->out_mu);
    free(s);
    return rc;
}
