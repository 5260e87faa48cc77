/*
 * features: OGC API - Features Part 1 (Core, GeoJSON) over the register: /collections,
 * /collections/{c}, /collections/{c}/items and /collections/{c}/items/{id}.
 *
 * Paging: `limit` (default 100, clamped to 10 000) with keyset cursors. The `next` link continues
 * after the last id seen (`after=`), `prev` before the first (`before=`), so the thousandth page
 * costs what the first does; `offset` is accepted for clients that build their own links.
 * numberMatched is exact while at most 100 000 features match, and omitted beyond.
 */
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/crs_api.h"
#include "api/exports.h"
#include "api/query.h"
#include "api/readlog.h"
#include "api/state.h"
#include "core/date.h"
#include "core/json.h"
#include "core/params.h"
#include "geo/crs.h"

#define ITEMS_DEFAULT_LIMIT 100
#define ITEMS_MAX_LIMIT 10000
#define ITEMS_MAX_COUNT 100000

static const char *const geojson = "application/geo+json";

static void write_link(json_writer *w, http_request *req, const char *rel, const char *type,
                       const char *title, const char *path_fmt, ...) __attribute__((format(printf, 6, 7)));

static void write_link(json_writer *w, http_request *req, const char *rel, const char *type,
                       const char *title, const char *path_fmt, ...)
{
    buf href = BUF_INIT;
    http_base_url(req, &href);
    va_list ap;
    va_start(ap, path_fmt);
    buf_vappendf(&href, path_fmt, ap);
    va_end(ap);
    json_obj_begin(w);
    json_kv_str(w, "href", href.data);
    json_kv_str(w, "rel", rel);
    if (type)
        json_kv_str(w, "type", type);
    if (title)
        json_kv_str(w, "title", title);
    json_obj_end(w);
    buf_free(&href);
}

/* The collection named in the path, visible to the caller; else 404. */
static const coll_def *path_collection(http_request *req, rm_error *err)
{
    const coll_def *c = coll_find(req->path_params[0]);
    if (!c || c->vis > api_caller_class(req)) {
        rm_error_set(err, 404, "Not Found", "no collection '%.100s'; /collections lists them", req->path_params[0]);
        return NULL;
    }
    return c;
}

/* Today, or ?at=YYYY-MM-DD for values that depend on the date. */
int features_parse_at(http_request *req, int32_t *today, rm_error *err)
{
    const char *at = http_query(req, "at");
    if (!at) {
        *today = date_today();
        return 0;
    }
    if (date_parse(at, today) < 0)
        return rm_error_set(err, 400, "Invalid parameter", "at must be a date YYYY-MM-DD (years 1900-2200)");
    return 0;
}

static void write_collection(json_writer *w, http_request *req, db_conn *db, const coll_def *c)
{
    vis_class vis = api_caller_class(req);
    json_obj_begin(w);
    json_kv_str(w, "id", c->id);
    json_kv_str(w, "title", c->title);
    json_kv_str(w, "description", c->description);
    json_kv_str(w, "itemType", "feature");
    json_key(w, "links");
    json_arr_begin(w);
    write_link(w, req, "self", "application/json", c->title, "/collections/%s", c->id);
    write_link(w, req, "items", geojson, c->title, "/collections/%s/items", c->id);
    json_arr_end(w);
    json_key(w, "extent");
    json_obj_begin(w);
    json_key(w, "spatial");
    json_obj_begin(w);
    json_key(w, "bbox");
    json_arr_begin(w);
    json_arr_begin(w);
    int have = 0;
    pointindex *pi = vis < VIS_FULL && c->public_rows ? app_points(app_state_of(req), c) : NULL;
    double box[4];
    /* Below the full class the extent covers only the rows that class sees: an outlying hidden
     * facility must not show through the box. */
    if (pi && pointindex_ensure(pi, db, date_today(), NULL) == 0 && pointindex_extent(pi, vis, box)) {
        for (int i = 0; i < 4; i++)
            json_num(w, box[i]);
        have = 1;
    }
    sqlite3_stmt *st = pi ? NULL : db_stmt(db, "SELECT min_lon, min_lat, max_lon, max_lat FROM layer_stat "
                                               "WHERE layer = ?", NULL);
    if (st) {
        sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
            for (int i = 0; i < 4; i++)
                json_num(w, sqlite3_column_double(st, i));
            have = 1;
        }
        db_stmt_done(st);
    }
    if (!have) /* an empty layer: the whole world, as the spec's default */
        json_int(w, -180), json_int(w, -90), json_int(w, 180), json_int(w, 90);
    json_arr_end(w);
    json_arr_end(w);
    json_kv_str(w, "crs", "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
    json_obj_end(w);
    json_obj_end(w);
    json_key(w, "crs");
    json_arr_begin(w);
    /* The built-in systems and the admin-defined zones (installed by the caller's api_crs_sync). */
    const crs_info *all[256];
    size_t ncrs = crs_all(all, sizeof all / sizeof all[0]);
    for (size_t i = 0; i < ncrs && i < sizeof all / sizeof all[0]; i++)
        json_str(w, all[i]->uri);
    json_arr_end(w);
    json_kv_str(w, "storageCrs", "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
    json_obj_end(w);
}

int api_collections(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"f", NULL};
    if (http_query_check(req, allowed, err) < 0 || api_check_f_json(req, false, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db || api_crs_sync(req, err) < 0)
        return -1;
    vis_class vis = api_caller_class(req);
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_key(&w, "links");
    json_arr_begin(&w);
    write_link(&w, req, "self", "application/json", "Collections", "/collections");
    json_arr_end(&w);
    json_key(&w, "collections");
    json_arr_begin(&w);
    for (const coll_def *c = coll_all; c->id; c++)
        if (c->vis <= vis)
            write_collection(&w, req, db, c);
    json_arr_end(&w);
    json_obj_end(&w);
    http_reply(req, 200, "application/json");
    return 0;
}

int api_collection(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"f", NULL};
    if (http_query_check(req, allowed, err) < 0 || api_check_f_json(req, false, err) < 0)
        return -1;
    const coll_def *c = path_collection(req, err);
    if (!c)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db || api_crs_sync(req, err) < 0)
        return -1;
    json_writer w;
    json_init(&w, &req->out);
    write_collection(&w, req, db, c);
    http_reply(req, 200, "application/json");
    return 0;
}

static int check_f(http_request *req, rm_error *err)
{
    const char *f = http_query(req, "f");
    if (f && strcmp(f, "json") != 0 && strcmp(f, "geojson") != 0)
        return rm_error_set(err, 400, "Invalid parameter", "f='%.40s' is not offered; allowed: json, geojson", f);
    return 0;
}

/* The output CRS of a request (crs=), CRS84 by default; NULL with err when not supported. */
const crs_info *features_output_crs(http_request *req, rm_error *err)
{
    const char *s = http_query(req, "crs");
    if (!s)
        return crs_find(CRS_CRS84);
    return api_crs_from_uri(req, s, "crs", err);
}

/* Write a position in crs c, in the axis order its definition says (OGC API - Features Part 2). */
static int write_position(json_writer *w, const crs_info *c, double lon, double lat)
{
    double x = lon, y = lat;
    if (c && !c->wgs84 && crs_from_wgs84(c, lon, lat, &x, &y, "crs", NULL) < 0)
        return -1;
    if (c && c->lat_first) {
        double t = x;
        x = y;
        y = t;
    }
    json_arr_begin(w);
    if (c && !c->geographic) {
        json_numf(w, x, 3); /* millimetres */
        json_numf(w, y, 3);
    } else {
        json_num(w, x);
        json_num(w, y);
    }
    json_arr_end(w);
    return 0;
}

/* bbox in bbox-crs (default CRS84), as a WGS 84 lon/lat box: the corners and edge midpoints are
 * transformed and enveloped (a projected box is not a lon/lat box). */
int features_parse_bbox(http_request *req, const char *s, params_bbox *out, rm_error *err)
{
    const char *cs = http_query(req, "bbox-crs");
    if (!cs)
        return params_parse_bbox(s, out, err);
    const crs_info *c = api_crs_from_uri(req, cs, "bbox-crs", err);
    if (!c)
        return -1;
    double v[6];
    int n = 0;
    const char *p = s;
    while (n < 6) {
        char *end;
        v[n] = strtod(p, &end);
        if (end == p || !isfinite(v[n]))
            return rm_error_set(err, 400, "Invalid parameter", "bbox value %d is not a number", n + 1);
        n++;
        if (*end == 0)
            break;
        if (*end != ',')
            return rm_error_set(err, 400, "Invalid parameter", "bbox must be numbers separated by commas");
        p = end + 1;
    }
    if (n != 4 && n != 6)
        return rm_error_set(err, 400, "Invalid parameter", "bbox has %d numbers; expected 4 or 6", n);
    double a0 = v[0], a1 = v[1], b0 = n == 4 ? v[2] : v[3], b1 = n == 4 ? v[3] : v[4];
    if (c->lat_first) {
        double t = a0; a0 = a1; a1 = t;
        t = b0; b0 = b1; b1 = t;
    }
    if (a0 > b0 || a1 > b1)
        return rm_error_set(err, 400, "Invalid parameter", "bbox minimum is above its maximum");
    if (c->wgs84) {
        char tmp[160];
        snprintf(tmp, sizeof tmp, "%.17g,%.17g,%.17g,%.17g", a0, a1, b0, b1);
        return params_parse_bbox(tmp, out, err);
    }
    double xy[16] = {a0, a1, b0, a1, a0, b1, b0, b1, (a0 + b0) / 2, a1, (a0 + b0) / 2, b1,
                     a0, (a1 + b1) / 2, b0, (a1 + b1) / 2};
    if (crs_transform(c, true, xy, 8, "bbox", err) < 0)
        return -1;
    out->min_lon = out->max_lon = xy[0];
    out->min_lat = out->max_lat = xy[1];
    for (int i = 1; i < 8; i++) {
        if (xy[2 * i] < out->min_lon) out->min_lon = xy[2 * i];
        if (xy[2 * i] > out->max_lon) out->max_lon = xy[2 * i];
        if (xy[2 * i + 1] < out->min_lat) out->min_lat = xy[2 * i + 1];
        if (xy[2 * i + 1] > out->max_lat) out->max_lat = xy[2 * i + 1];
    }
    out->crosses_antimeridian = false;
    return 0;
}

static void write_feature_row_crs(json_writer *w, query *q, sqlite3_stmt *st, const crs_info *crs)
{
    json_obj_begin(w);
    json_kv_str(w, "type", "Feature");
    json_kv_int(w, "id", sqlite3_column_int64(st, 0));
    json_key(w, "geometry");
    json_obj_begin(w);
    json_kv_str(w, "type", "Point");
    json_key(w, "coordinates");
    if (write_position(w, crs, sqlite3_column_double(st, 1), sqlite3_column_double(st, 2)) < 0)
        json_write_null(w);
    json_obj_end(w);
    json_key(w, "properties");
    query_write_properties(q, st, w);
}


/* numberMatched: exact up to ITEMS_MAX_COUNT, else -1 (omitted). */
static int64_t count_matched(query *q, db_conn *db, rm_error *err)
{
    if (!q->where.len) {
        sqlite3_stmt *st = db_stmt(db, "SELECT feature_count FROM layer_stat WHERE layer = ?", err);
        if (!st)
            return -2;
        sqlite3_bind_text(st, 1, q->coll->id, -1, SQLITE_STATIC);
        int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
        db_stmt_done(st);
        return n;
    }
    buf sql = BUF_INIT;
    buf_appendf(&sql, "SELECT count(*) FROM (SELECT 1 FROM %s WHERE %s LIMIT %d)", q->coll->from, q->where.data,
                ITEMS_MAX_COUNT + 1);
    sqlite3_stmt *st = query_prepare(q, db, sql.data, err);
    buf_free(&sql);
    if (!st)
        return -2;
    int64_t n = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    db_stmt_done(st);
    return n > ITEMS_MAX_COUNT ? -1 : n;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Select the page out of the sorted ids of all matches. */
static int page_of(const int64_t *all, size_t n, int64_t after, int64_t before, int64_t offset, int64_t limit,
                   int64_t **page, size_t *npage, bool *more)
{
    size_t lo = 0, hi = n;
    if (before) {
        /* The last `limit` ids below before. */
        size_t end = 0;
        while (end < n && all[end] < before)
            end++;
        hi = end;
        lo = end > (size_t)limit ? end - (size_t)limit : 0;
        *more = lo > 0;
    } else {
        if (after) {
            size_t a = 0, b = n;
            while (a < b) {
                size_t m = (a + b) / 2;
                if (all[m] <= after)
                    a = m + 1;
                else
                    b = m;
            }
            lo = a;
        } else {
            lo = (size_t)offset < n ? (size_t)offset : n;
        }
        hi = lo + (size_t)limit < n ? lo + (size_t)limit : n;
        *more = hi < n;
    }
    *npage = hi - lo;
    *page = malloc((*npage ? *npage : 1) * sizeof **page);
    if (!*page)
        return -1;
    memcpy(*page, all + lo, *npage * sizeof **page);
    return 0;
}

/* A query whose only condition is a bbox: the R*Tree gives the candidates, and its boxes (float32,
 * rounded outwards) settle all but those on the edge of the bbox, which are checked on the exact
 * lon/lat. Reading the index and sorting ids in C costs a few milliseconds where the SQL plan
 * (materialise, sort, look every row up) costs tens on a big box: this is the map's hot path. */
static int page_from_rtree(query *q, db_conn *db, int64_t after, int64_t before, int64_t offset, int64_t limit,
                           int64_t **page, size_t *npage, bool *more, int64_t *matched, rm_error *err)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT pkid, xmin, xmax, ymin, ymax FROM %s WHERE xmin <= ?1 AND xmax >= ?2 "
             "AND ymin <= ?3 AND ymax >= ?4", q->coll->rtree);
    sqlite3_stmt *st = db_stmt(db, sql, err);
    if (!st)
        return -1;
    const params_bbox *b = &q->bbox;
    sqlite3_bind_double(st, 1, b->max_lon);
    sqlite3_bind_double(st, 2, b->min_lon);
    sqlite3_bind_double(st, 3, b->max_lat);
    sqlite3_bind_double(st, 4, b->min_lat);
    size_t n = 0, cap = 1024;
    int64_t *all = malloc(cap * sizeof *all);
    int64_t *edge = NULL;
    size_t nedge = 0, edge_cap = 0;
    int s;
    while (all && (s = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        bool inside = sqlite3_column_double(st, 1) >= b->min_lon && sqlite3_column_double(st, 2) <= b->max_lon &&
                      sqlite3_column_double(st, 3) >= b->min_lat && sqlite3_column_double(st, 4) <= b->max_lat;
        if (inside) {
            if (n == cap) {
                int64_t *x = realloc(all, 2 * cap * sizeof *all);
                if (!x)
                    break;
                all = x;
                cap *= 2;
            }
            all[n++] = id;
        } else {
            if (nedge == edge_cap) {
                edge_cap = edge_cap ? 2 * edge_cap : 64;
                int64_t *x = realloc(edge, edge_cap * sizeof *edge);
                if (!x)
                    break;
                edge = x;
            }
            edge[nedge++] = id;
        }
    }
    db_stmt_done(st);
    int rc = -1;
    if (!all) {
        rm_error_set(err, 500, "Out of memory", "reading the spatial index");
        goto cleanup;
    }
    snprintf(sql, sizeof sql, "SELECT 1 FROM %s WHERE id = ?1 AND lon BETWEEN ?2 AND ?3 AND lat BETWEEN ?4 AND ?5",
             q->coll->table);
    for (size_t i = 0; i < nedge; i++) {
        st = db_stmt(db, sql, err);
        if (!st)
            goto cleanup;
        sqlite3_bind_int64(st, 1, edge[i]);
        sqlite3_bind_double(st, 2, b->min_lon);
        sqlite3_bind_double(st, 3, b->max_lon);
        sqlite3_bind_double(st, 4, b->min_lat);
        sqlite3_bind_double(st, 5, b->max_lat);
        int hit = sqlite3_step(st) == SQLITE_ROW;
        db_stmt_done(st);
        if (hit) {
            if (n == cap) {
                int64_t *x = realloc(all, 2 * cap * sizeof *all);
                if (!x)
                    goto cleanup;
                all = x;
                cap *= 2;
            }
            all[n++] = edge[i];
        }
    }
    qsort(all, n, sizeof *all, cmp_i64);
    *matched = (int64_t)n;
    if (page_of(all, n, after, before, offset, limit, page, npage, more) < 0) {
        rm_error_set(err, 500, "Out of memory", "paging");
        goto cleanup;
    }
    rc = 0;
cleanup:
    free(all);
    free(edge);
    return rc;
}

/* Any other query: the ids of the page from SQL (ordered by id, one more than asked). */
static int page_from_sql(query *q, db_conn *db, int64_t after, int64_t before, int64_t offset, int64_t limit,
                         int64_t **page, size_t *npage, bool *more, rm_error *err)
{
    buf sql = BUF_INIT;
    buf_appendf(&sql, "SELECT t.id FROM %s WHERE %s", q->coll->from, q->where.len ? q->where.data : "1");
    int nb = q->nbinds;
    if (after)
        buf_appendf(&sql, " AND t.id > ?%d ORDER BY t.id LIMIT ?%d", nb + 2, nb + 3);
    else if (before)
        buf_appendf(&sql, " AND t.id < ?%d ORDER BY t.id DESC LIMIT ?%d", nb + 2, nb + 3);
    else
        buf_appendf(&sql, " ORDER BY t.id LIMIT ?%d OFFSET ?%d", nb + 3, nb + 2);
    sqlite3_stmt *st = query_prepare(q, db, sql.data, err);
    buf_free(&sql);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, nb + 2, after ? after : before ? before : offset);
    sqlite3_bind_int64(st, nb + 3, limit + 1);
    int64_t *ids = malloc(sizeof *ids * (size_t)(limit + 1));
    size_t n = 0;
    int s;
    while (ids && (s = sqlite3_step(st)) == SQLITE_ROW)
        ids[n++] = sqlite3_column_int64(st, 0);
    db_stmt_done(st);
    if (!ids)
        return rm_error_set(err, 500, "Out of memory", "paging");
    if (s != SQLITE_DONE) {
        free(ids);
        return db_error(db, err, 500, "reading features");
    }
    *more = n > (size_t)limit;
    if (*more)
        n = (size_t)limit;
    if (before) /* newest first from SQL: the page reads in ascending order */
        for (size_t i = 0; i < n / 2; i++) {
            int64_t t = ids[i];
            ids[i] = ids[n - 1 - i];
            ids[n - 1 - i] = t;
        }
    *page = ids;
    *npage = n;
    return 0;
}

static void timestamp_now(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int api_items(http_request *req, rm_error *err)
{
    static const char *const own[] = {"limit", "offset", "bbox", "bbox-crs", "crs", "f", "at", "after", "before",
                                      NULL};
    int rc = -1;
    query q;
    buf sql = BUF_INIT;
    const coll_def *c = path_collection(req, err);
    if (!c)
        return -1;
    export_format ef; /* f=csv, xlsx, gpkg, kml, shp: the features as a file (api/exports.h) */
    if (export_format_parse(http_query(req, "f"), &ef) == 0 && ef != EXPORT_GEOJSON)
        return api_items_export(req, ef, err);
    if (check_f(req, err) < 0)
        return -1;
    int32_t today;
    if (features_parse_at(req, &today, err) < 0)
        return -1;
    int64_t limit, offset = 0, after = 0, before = 0;
    if (params_parse_int("limit", http_query(req, "limit"), 1, ITEMS_MAX_LIMIT, ITEMS_DEFAULT_LIMIT, true, &limit,
                         err) < 0 ||
        params_parse_int("offset", http_query(req, "offset"), 0, INT32_MAX, 0, false, &offset, err) < 0 ||
        params_parse_int("after", http_query(req, "after"), 0, INT64_MAX / 2, 0, false, &after, err) < 0 ||
        params_parse_int("before", http_query(req, "before"), 1, INT64_MAX / 2, 0, false, &before, err) < 0)
        return -1;
    if ((after || before) && offset)
        return rm_error_set(err, 400, "Invalid parameter", "offset cannot be combined with after or before");
    if (after && before)
        return rm_error_set(err, 400, "Invalid parameter", "after and before cannot be combined");
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    vis_class vis = api_caller_class(req);
    /* Collections only the full class sees (sources, devices) are sensitive: quota and read log. */
    bool sensitive = c->vis == VIS_FULL;
    if (sensitive && readlog_check(app_reads(app_state_of(req)), req, err) < 0)
        return -1;
    query_init(&q, c, vis, today);
    const crs_info *out_crs = features_output_crs(req, err);
    if (!out_crs)
        goto cleanup;
    const char *bbox_s = http_query(req, "bbox");
    if (bbox_s) {
        params_bbox bb;
        if (features_parse_bbox(req, bbox_s, &bb, err) < 0)
            goto cleanup;
        query_bbox(&q, &bb);
    } else if (http_query(req, "bbox-crs")) {
        rm_error_set(err, 400, "Invalid parameter", "bbox-crs needs a bbox");
        goto cleanup;
    }
    if (query_from_request(&q, db, req, own, err) < 0)
        goto cleanup;

    /* The page's ids first (one more than asked tells whether another page exists), then each row
     * rendered by id: the derived properties are computed for the rows shown only. */
    int64_t *page = NULL;
    size_t npage = 0;
    bool more = false;
    int64_t matched = -1;
    if (q.has_bbox && q.nconds == 1 && !q.bbox.crosses_antimeridian) {
        if (page_from_rtree(&q, db, after, before, offset, limit, &page, &npage, &more, &matched, err) < 0)
            goto cleanup;
    } else {
        matched = count_matched(&q, db, err);
        if (matched == -2)
            goto cleanup;
        if (page_from_sql(&q, db, after, before, offset, limit, &page, &npage, &more, err) < 0)
            goto cleanup;
    }

    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_str(&w, "type", "FeatureCollection");
    json_key(&w, "features");
    json_arr_begin(&w);
    query qr;
    query_init(&qr, c, vis, today);
    query_and(&qr, "t.id = ?");
    query_add_int(&qr, 0);
    buf_puts(&sql, "SELECT ");
    query_select_list(&qr, &sql);
    buf_appendf(&sql, " FROM %s WHERE %s", c->from, qr.where.data);
    int64_t n = 0;
    for (size_t i = 0; i < npage; i++) {
        qr.binds[qr.nbinds - 1].i = page[i];
        sqlite3_stmt *st = query_prepare(&qr, db, sql.data, err);
        if (!st) {
            query_cleanup(&qr);
            free(page);
            goto cleanup;
        }
        int s = sqlite3_step(st);
        if (s == SQLITE_ROW) {
            write_feature_row_crs(&w, &qr, st, out_crs);
            json_obj_end(&w);
            n++;
        }
        db_stmt_done(st);
        if (s != SQLITE_ROW && s != SQLITE_DONE) {
            db_error(db, err, 500, "reading features");
            query_cleanup(&qr);
            free(page);
            goto cleanup;
        }
    }
    query_cleanup(&qr);
    int64_t first_id = npage ? page[0] : 0, last_id = npage ? page[npage - 1] : 0;
    if (sensitive)
        readlog_record(app_reads(app_state_of(req)), req, c->id, page, npage);
    free(page);
    json_arr_end(&w);

    json_key(&w, "links");
    json_arr_begin(&w);
    static const char *const cursor[] = {"after", "before", "offset", NULL};
    buf qs = BUF_INIT;
    http_query_rebuild(req, &qs, NULL);
    write_link(&w, req, "self", geojson, "this page", "/collections/%s/items%s", c->id, qs.data ? qs.data : "");
    buf_reset(&qs);
    int nq = http_query_rebuild(req, &qs, cursor);
    const char *sep = nq ? "&" : "?";
    const char *rest = qs.data ? qs.data : "";
    bool has_next = before ? n > 0 : more;
    bool has_prev = before ? more : (after > 0 || offset > 0) && n > 0;
    if (has_next)
        write_link(&w, req, "next", geojson, "next page", "/collections/%s/items%s%safter=%lld", c->id, rest, sep,
                   (long long)last_id);
    if (has_prev)
        write_link(&w, req, "prev", geojson, "previous page", "/collections/%s/items%s%sbefore=%lld", c->id, rest,
                   sep, (long long)first_id);
    write_link(&w, req, "collection", "application/json", c->title, "/collections/%s", c->id);
    buf_free(&qs);
    json_arr_end(&w);
    json_kv_int(&w, "numberReturned", n);
    if (matched >= 0)
        json_kv_int(&w, "numberMatched", matched);
    char ts[32];
    timestamp_now(ts);
    json_kv_str(&w, "timeStamp", ts);
    json_obj_end(&w);
    char content_crs[160];
    snprintf(content_crs, sizeof content_crs, "<%s>", out_crs->uri);
    http_set_header(req, "Content-Crs", content_crs);
    http_reply(req, 200, geojson);
    rc = 0;
cleanup:
    query_cleanup(&q);
    buf_free(&sql);
    return rc;
}

int features_render_one(db_conn *db, const coll_def *c, int64_t id, vis_class vis, int32_t today,
                        const crs_info *crs, buf *out, int64_t *version, rm_error *err)
{
    query q;
    query_init(&q, c, vis, today);
    query_and(&q, "t.id = ?");
    query_add_int(&q, id);
    buf sql = BUF_INIT;
    buf_puts(&sql, "SELECT ");
    query_select_list(&q, &sql);
    buf_appendf(&sql, ", t.version FROM %s WHERE %s", c->from, q.where.data);
    int rc = -1;
    sqlite3_stmt *st = query_prepare(&q, db, sql.data, err);
    if (!st)
        goto cleanup;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        json_writer w;
        json_init(&w, out);
        write_feature_row_crs(&w, &q, st, crs ? crs : crs_find(CRS_CRS84));
        json_obj_end(&w);
        if (version)
            *version = sqlite3_column_int64(st, sqlite3_column_count(st) - 1);
        rc = 1;
    } else if (s == SQLITE_DONE) {
        rc = 0;
    } else {
        db_error(db, err, 500, "reading a feature");
    }
    db_stmt_done(st);
cleanup:
    query_cleanup(&q);
    buf_free(&sql);
    return rc;
}

void features_etag(int64_t version, const char *body, size_t len, char out[64])
{
    /* The version for If-Match; a hash of the representation for If-None-Match, since derived values
     * (counts, categories, decay, the facility's name) change without the row's version. */
    unsigned char h[10];
    char hex[21];
    crypto_generichash(h, sizeof h, (const unsigned char *)body, len, NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(out, 64, "\"v%lld-%s\"", (long long)version, hex);
}

int api_item(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"f", "at", "crs", NULL};
    if (http_query_check(req, allowed, err) < 0 || check_f(req, err) < 0)
        return -1;
    const crs_info *out_crs = features_output_crs(req, err);
    if (!out_crs)
        return -1;
    const coll_def *c = path_collection(req, err);
    if (!c)
        return -1;
    int64_t id;
    if (params_parse_int("feature id", req->path_params[1], 1, INT64_MAX / 2, 0, false, &id, err) < 0) {
        err->status = 404;
        snprintf(err->title, sizeof err->title, "Not Found");
        return -1;
    }
    int32_t today;
    if (features_parse_at(req, &today, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    vis_class vis = api_caller_class(req);
    bool sensitive = c->vis == VIS_FULL;
    if (sensitive && readlog_check(app_reads(app_state_of(req)), req, err) < 0)
        return -1;
    int64_t version = 0;
    int found = features_render_one(db, c, id, vis, today, out_crs, &req->out, &version, err);
    if (found < 0)
        return -1;
    if (found && sensitive)
        readlog_record(app_reads(app_state_of(req)), req, c->id, &id, 1);
    if (found == 0)
        return rm_error_set(err, 404, "Not Found", "no feature %lld in %s", (long long)id, c->id);
    features_etag(version, req->out.data, req->out.len, req->etag);
    /* Reopen the Feature written above to add its links. */
    buf_truncate(&req->out, req->out.len - 1);
    json_writer w;
    json_init(&w, &req->out);
    w.need_comma[1] = true;
    w.depth = 1;
    json_key(&w, "links");
    json_arr_begin(&w);
    write_link(&w, req, "self", geojson, "this feature", "/collections/%s/items/%lld", c->id, (long long)id);
    write_link(&w, req, "alternate", "text/html", "on the map", "/map/#%s/%lld", c->id, (long long)id);
    write_link(&w, req, "collection", "application/json", c->title, "/collections/%s", c->id);
    json_arr_end(&w);
    json_obj_end(&w);
    char content_crs[160];
    snprintf(content_crs, sizeof content_crs, "<%s>", out_crs->uri);
    http_set_header(req, "Content-Crs", content_crs);
    http_reply(req, 200, geojson);
    return 0;
}
