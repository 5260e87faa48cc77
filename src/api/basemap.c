/*
 * basemap: MBTiles basemaps (raster or vector) dropped in the --tiles directory, served at
 *   GET /tiles/basemap                          the list, with links
 *   GET /tiles/basemap/{name}.json              TileJSON 3.0.0 from the file's metadata
 *   GET /tiles/basemap/{name}/{z}/{x}/{y}[.ext] a tile (png, jpg, webp or vector pbf)
 * so a department can serve a basemap extract (or an offline package of `radmap tiles`) itself.
 *
 * Names are file names without ".mbtiles": letters, digits, '-', '_' and '.', so a request can
 * never name a file outside the directory. Files are opened on first use and kept open (read-only,
 * shared by the connection threads); a file replaced on disk is seen after a restart. Vector tiles
 * are stored gzipped (MBTiles 1.3): they are sent as they are to clients that accept gzip, and
 * inflated for the others.
 */
#include <pthread.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

#include "api/api.h"
#include "core/json.h"
#include "geo/tile.h"
#include "io/mbtiles.h"

#define BASEMAP_MAX 64

static pthread_mutex_t open_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char name[128];
    mbtiles *m;
} opened[BASEMAP_MAX];
static int nopened;

static bool valid_name(const char *s, size_t n)
{
    if (n == 0 || n > 100 || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.'))
            return false;
    }
    return true;
}

/* The open basemap called name (opened now if needed), or NULL with err (404). */
static mbtiles *basemap_get(http_request *req, const char *name, size_t n, rm_error *err)
{
    if (!req->config->tiles_dir) {
        rm_error_set(err, 404, "Not Found", "no basemaps: the server runs without --tiles DIR");
        return NULL;
    }
    if (!valid_name(name, n)) {
        rm_error_set(err, 404, "Not Found", "no basemap '%.*s' (names are letters, digits, - _ .)", (int)(n > 60 ? 60 : n),
                     name);
        return NULL;
    }
    pthread_mutex_lock(&open_mu);
    for (int i = 0; i < nopened; i++)
        if (strlen(opened[i].name) == n && strncmp(opened[i].name, name, n) == 0) {
            mbtiles *m = opened[i].m;
            pthread_mutex_unlock(&open_mu);
            return m;
        }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%.*s.mbtiles", req->config->tiles_dir, (int)n, name);
    struct stat st;
    mbtiles *m = NULL;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && nopened < BASEMAP_MAX) {
        m = mbtiles_open(path, err);
        if (m) {
            snprintf(opened[nopened].name, sizeof opened[nopened].name, "%.*s", (int)n, name);
            opened[nopened++].m = m;
        }
    } else {
        rm_error_set(err, 404, "Not Found", "no basemap '%.*s'; GET /tiles/basemap lists them", (int)n, name);
    }
    pthread_mutex_unlock(&open_mu);
    return m;
}

static const char *mime_of(const char *format)
{
    if (!format)
        return "application/octet-stream";
    if (strcmp(format, "png") == 0)
        return "image/png";
    if (strcmp(format, "jpg") == 0 || strcmp(format, "jpeg") == 0)
        return "image/jpeg";
    if (strcmp(format, "webp") == 0)
        return "image/webp";
    if (strcmp(format, "pbf") == 0 || strcmp(format, "mvt") == 0)
        return "application/vnd.mapbox-vector-tile";
    return "application/octet-stream";
}

static int gunzip(const buf *in, buf *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 31) != Z_OK)
        return -1;
    zs.next_in = (Bytef *)in->data;
    zs.avail_in = (uInt)in->len;
    int r;
    do {
        buf_grow(out, 65536);
        zs.next_out = (Bytef *)out->data + out->len;
        zs.avail_out = (uInt)(out->cap - out->len - 1);
        r = inflate(&zs, Z_NO_FLUSH);
        out->len = zs.total_out;
        if (out->len > (size_t)64 << 20)
            r = Z_DATA_ERROR; /* no tile is that large */
    } while (r == Z_OK);
    inflateEnd(&zs);
    if (out->data)
        out->data[out->len] = 0;
    return r == Z_STREAM_END ? 0 : -1;
}

int api_basemap_tile(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    const char *name = req->path_params[0];
    mbtiles *m = basemap_get(req, name, strlen(name), err);
    if (!m)
        return -1;
    /* y may carry the format's extension. */
    char y[24];
    const char *ys = req->path_params[3], *dot = strchr(ys, '.');
    size_t yn = dot ? (size_t)(dot - ys) : strlen(ys);
    if (yn >= sizeof y)
        return rm_error_set(err, 400, "Invalid tile", "y is not a tile row");
    memcpy(y, ys, yn);
    y[yn] = 0;
    tile_id t;
    if (tile_parse(req->path_params[1], req->path_params[2], y, &t, err) < 0)
        return -1;
    char *format = mbtiles_meta(m, "format");
    buf tile = BUF_INIT;
    bool gz = false;
    int found = mbtiles_get(m, (int)t.z, t.x, t.y, &tile, &gz, err);
    if (found < 0) {
        free(format);
        buf_free(&tile);
        return -1;
    }
    const char *mime = mime_of(format);
    free(format);
    req->cache_control = req->config->tile_cache_control ? req->config->tile_cache_control : "public, max-age=3600";
    req->no_compress = true;
    if (!found || !tile.len) {
        buf_free(&tile);
        http_reply(req, 204, NULL);
        return 0;
    }
    const char *ae = http_header(req, "Accept-Encoding");
    if (gz && !(ae && strstr(ae, "gzip"))) {
        buf plain = BUF_INIT;
        if (gunzip(&tile, &plain) < 0) {
            buf_free(&plain);
            buf_free(&tile);
            return rm_error_set(err, 500, "Bad tile", "tile %u/%u/%u of basemap %s is not valid gzip", t.z, t.x, t.y,
                                name);
        }
        buf_free(&tile);
        tile = plain;
        gz = false;
    }
    buf_free(&req->out);
    req->out = tile;
    req->body_gzipped = gz;
    http_reply(req, 200, mime);
    return 0;
}

static void write_tilejson(http_request *req, json_writer *w, const char *name, mbtiles *m)
{
    char *meta[8];
    static const char *const keys[] = {"name", "description", "attribution", "format", "minzoom", "maxzoom", "bounds",
                                       "center"};
    for (int i = 0; i < 8; i++)
        meta[i] = mbtiles_meta(m, keys[i]);
    json_obj_begin(w);
    json_kv_str(w, "tilejson", "3.0.0");
    json_kv_str(w, "name", meta[0] ? meta[0] : name);
    if (meta[1])
        json_kv_str(w, "description", meta[1]);
    if (meta[2])
        json_kv_str(w, "attribution", meta[2]);
    json_kv_str(w, "format", meta[3] ? meta[3] : "png");
    json_key(w, "tiles");
    json_arr_begin(w);
    buf url = BUF_INIT;
    http_base_url(req, &url);
    bool vector = meta[3] && (strcmp(meta[3], "pbf") == 0 || strcmp(meta[3], "mvt") == 0);
    buf_appendf(&url, "/tiles/basemap/%s/{z}/{x}/{y}.%s", name, vector ? "pbf" : meta[3] ? meta[3] : "png");
    json_str(w, url.data);
    buf_free(&url);
    json_arr_end(w);
    json_kv_int(w, "minzoom", meta[4] ? atoi(meta[4]) : 0);
    json_kv_int(w, "maxzoom", meta[5] ? atoi(meta[5]) : 22);
    double b[4];
    if (meta[6] && sscanf(meta[6], "%lf,%lf,%lf,%lf", &b[0], &b[1], &b[2], &b[3]) == 4) {
        json_key(w, "bounds");
        json_arr_begin(w);
        for (int k = 0; k < 4; k++)
            json_num(w, b[k]);
        json_arr_end(w);
    }
    double c[3];
    if (meta[7] && sscanf(meta[7], "%lf,%lf,%lf", &c[0], &c[1], &c[2]) == 3) {
        json_key(w, "center");
        json_arr_begin(w);
        json_num(w, c[0]);
        json_num(w, c[1]);
        json_int(w, (int64_t)c[2]);
        json_arr_end(w);
    }
    if (vector) {
        /* MBTiles keeps the vector layers in its json row. */
        char *j = mbtiles_meta(m, "json");
        const char *vl = j ? strstr(j, "\"vector_layers\"") : NULL;
        if (vl) {
            const char *arr = strchr(vl, '[');
            int depth = 0;
            const char *e = arr;
            for (; e && *e; e++) {
                if (*e == '[')
                    depth++;
                else if (*e == ']' && --depth == 0)
                    break;
            }
            if (arr && e && *e == ']') {
                json_key(w, "vector_layers");
                json_raw(w, arr, (size_t)(e - arr + 1));
            }
        }
        free(j);
    }
    json_obj_end(w);
    for (int i = 0; i < 8; i++)
        free(meta[i]);
}

int api_basemap_tilejson(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    const char *seg = req->path_params[0];
    size_t n = strlen(seg);
    if (n < 6 || strcmp(seg + n - 5, ".json") != 0)
        return rm_error_set(err, 404, "Not Found", "the TileJSON of a basemap is at /tiles/basemap/{name}.json");
    mbtiles *m = basemap_get(req, seg, n - 5, err);
    if (!m)
        return -1;
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(n - 5), seg);
    json_writer w;
    json_init(&w, &req->out);
    write_tilejson(req, &w, name, m);
    http_reply(req, 200, "application/json");
    return 0;
}

static int cmp_name(const void *a, const void *b) { return strcmp(a, b); }

int api_basemaps(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_key(&w, "basemaps");
    json_arr_begin(&w);
    DIR *d = req->config->tiles_dir ? opendir(req->config->tiles_dir) : NULL;
    if (d) {
        struct dirent *e;
        char names[BASEMAP_MAX][128];
        int n = 0;
        while ((e = readdir(d)) != NULL && n < BASEMAP_MAX) {
            size_t l = strlen(e->d_name);
            if (l > 8 && strcmp(e->d_name + l - 8, ".mbtiles") == 0 && valid_name(e->d_name, l - 8))
                snprintf(names[n++], sizeof names[0], "%.*s", (int)(l - 8), e->d_name);
        }
        closedir(d);
        qsort(names, (size_t)n, sizeof names[0], cmp_name);
        for (int i = 0; i < n; i++) {
            json_obj_begin(&w);
            json_kv_str(&w, "name", names[i]);
            buf u = BUF_INIT;
            http_base_url(req, &u);
            buf_appendf(&u, "/tiles/basemap/%s.json", names[i]);
            json_kv_str(&w, "tilejson", u.data);
            buf_free(&u);
            json_obj_end(&w);
        }
    }
    json_arr_end(&w);
    json_obj_end(&w);
    http_reply(req, 200, "application/json");
    return 0;
}
