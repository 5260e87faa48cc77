/*
 * tilebuild: vector tiles of the register without HTTP; see tilebuild.h.
 */
#include "api/tilebuild.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/query.h"
#include "geo/clip.h"
#include "geo/cluster.h"
#include "geo/mvt.h"

/* Point features one tile may hold (from the cluster zoom on, where every point is a feature): a
 * bound on the time and memory of one request; about 4 MB of MVT. */
#define TILE_MAX_FEATURES 200000

/* The attributes of each point layer in its tiles: adding a field is one line. */
static const char *const facility_attrs[] = {"code", "name", "practice", "status", "max_category",
                                             "aggregate_category", "source_count", "device_count", "licence_status",
                                             "licence_expires", "declaration_status", "next_inspection_due",
                                             "inspection_overdue", "compliance_status", "enforcement_status", NULL};
/* compliance_reason stays out of tiles: it costs half a millisecond a feature, and the map styles
 * by the status; the reason is in GeoJSON and the facility panel. */
static const char *const source_attrs[] = {"facility_id", "nuclide", "activity_bq_now", "iaea_category", "status",
                                           "alert", NULL};
static const char *const device_attrs[] = {"facility_id", "type", "status", "compliance_status", "qc_status", NULL};
static const char *const receptor_attrs[] = {"name", "kind", "capacity", NULL};
static const char *const event_attrs[] = {"kind", "severity", "status", "alert", "occurred_at", NULL};

const tilebuild_layer tilebuild_layers[] = {
    {"facilities", "facilities", facility_attrs, "max_category"},
    {"sources", "sources", source_attrs, "iaea_category"},
    {"devices", "devices", device_attrs, NULL},
    {"receptors", "receptors", receptor_attrs, NULL},
    {"events", "events", event_attrs, NULL},
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

static const tilebuild_layer *find_layer(const char *name, size_t n)
{
    for (const tilebuild_layer *l = tilebuild_layers; l->name; l++)
        if (strlen(l->name) == n && strncmp(l->name, name, n) == 0)
            return l;
    return NULL;
}

const char *const *tilebuild_attrs_of(const coll_def *c)
{
    for (const tilebuild_layer *l = tilebuild_layers; l->name; l++)
        if (l->collection && strcmp(l->collection, c->id) == 0)
            return l->attrs;
    return NULL;
}

bool tilebuild_layer_visible(const tilebuild_layer *l, vis_class vis)
{
    if (!l->collection)
        return true;
    const coll_def *c = coll_find(l->collection);
    return c && c->vis <= vis;
}

int tilebuild_parse_layers(const char *s, vis_class vis, const tilebuild_layer **out, int *n, rm_error *err)
{
    *n = 0;
    const char *p = s;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const tilebuild_layer *l = find_layer(p, len);
        if (!l || !tilebuild_layer_visible(l, vis)) {
            buf names = BUF_INIT;
            for (const tilebuild_layer *k = tilebuild_layers; k->name; k++)
                if (tilebuild_layer_visible(k, vis))
                    buf_appendf(&names, "%s%s", names.len ? ", " : "", k->name);
            rm_error_set(err, 404, "Not Found", "unknown tile layer '%.*s'; layers: %s (or a comma list)",
                         (int)(len > 60 ? 60 : len), p, names.data);
            buf_free(&names);
            return -1;
        }
        for (int i = 0; i < *n; i++)
            if (out[i] == l)
                return rm_error_set(err, 400, "Invalid layers", "layer %s is listed twice", l->name);
        if (*n == TILEBUILD_MAX_LAYERS)
            return rm_error_set(err, 400, "Invalid layers", "at most %d layers per tile", TILEBUILD_MAX_LAYERS);
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
static int select_attrs(query *q, const tilebuild_layer *l, buf *sql, const coll_prop **props)
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


/* Note a sensitive row put in the tile (read log and quota): counted, and its id kept while there
 * is room. */
static void note_sensitive(tilebuild_ctx *c, uint64_t id)
{
    c->sensitive_rows++;
    if (c->nsensitive_ids < TILEBUILD_IDS_KEPT)
        c->sensitive_ids[c->nsensitive_ids++] = (int64_t)id;
}

/* Points of l from SQL in the buffered tile, every one as a feature. */
static int points_from_sql(tilebuild_ctx *c, const tilebuild_layer *l, const coll_def *coll, rm_error *err)
{
    query q;
    query_init(&q, coll, c->vis, c->today);
    tile_bounds b;
    tile_bounds_lonlat_buffered(c->t, TILE_BUFFER, &b);
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
        if (++c->features > TILE_MAX_FEATURES) {
            rm_error_set(err, 503, "Tile too large", "tile %u/%u/%u holds more than %d features; zoom in, or "
                         "start the server with a higher --cluster-maxzoom so this zoom is clustered",
                         c->t->z, c->t->x, c->t->y, TILE_MAX_FEATURES);
            break;
        }
        double tx, ty;
        tile_lonlat_to_tile(c->t, sqlite3_column_double(st, 1), sqlite3_column_double(st, 2), &tx, &ty);
        mvt_feature *f = mvt_feature_begin(ml, (uint64_t)sqlite3_column_int64(st, 0));
        add_attrs(f, st, props, nprops);
        mvt_feature_add_point(f, tile_round(tx), tile_round(ty));
        if (coll->vis == VIS_FULL)
            note_sensitive(c, (uint64_t)sqlite3_column_int64(st, 0));
    }
    if (s == SQLITE_DONE)
        rc = 0;
    else if (s != SQLITE_ROW) /* SQLITE_ROW: stopped at TILE_MAX_FEATURES, err is filled */
        db_error(c->db, err, 500, "reading tile features");
    db_stmt_done(st);
cleanup:
    buf_free(&sql);
    query_cleanup(&q);
    return rc;
}

/* Attributes from SQL, point by point, for a snapshot whose attributes are still being built in the
 * background: the tile is otherwise made as from a complete snapshot (same points, same order, so
 * the same bytes), only slower. */
typedef struct sql_attrs {
    query q;
    buf sql;
    const coll_prop *props[32];
    int nprops;
} sql_attrs;

static void sql_attrs_init(sql_attrs *a, tilebuild_ctx *c, const tilebuild_layer *l, const coll_def *coll)
{
    query_init(&a->q, coll, c->vis, c->today);
    buf_init(&a->sql);
    buf_puts(&a->sql, "SELECT ");
    a->nprops = select_attrs(&a->q, l, &a->sql, a->props);
    query_and(&a->q, "t.id = ?");
    query_add_int(&a->q, 0);
    buf_appendf(&a->sql, " FROM %s WHERE %s", coll->from, a->q.where.data);
}

static void sql_attrs_cleanup(sql_attrs *a)
{
    buf_free(&a->sql);
    query_cleanup(&a->q);
}

/* The attributes of point id into f. 0 or -1 with err. */
static int sql_attrs_add(sql_attrs *a, tilebuild_ctx *c, uint64_t id, mvt_feature *f, rm_error *err)
{
    a->q.binds[a->q.nbinds - 1].i = (int64_t)id;
    sqlite3_stmt *st = query_prepare(&a->q, c->db, a->sql.data, err);
    if (!st)
        return -1;
    int s = sqlite3_step(st), rc = 0;
    if (s == SQLITE_ROW)
        add_attrs(f, st, a->props, a->nprops);
    else if (s != SQLITE_DONE)
        rc = db_error(c->db, err, 500, "reading a tile feature");
    db_stmt_done(st);
    return rc;
}

/* Points of l from its snapshot: grid clusters below the cluster zoom, and from it on too when the
 * tile proper holds more points than c->cluster_max_points (a city centre at a million
 * facilities); otherwise every point of the buffered tile. Attributes and positions come from the
 * snapshot, so no SQL runs (once its attributes are built). */
static int points_snapshot(tilebuild_ctx *c, const tilebuild_layer *l, const coll_def *coll, pointindex *pi,
                           rm_error *err)
{
    if (pointindex_ensure(pi, c->db, c->today, err) < 0)
        return -1;
    pointindex_snap *s = pointindex_acquire(pi);
    bool attrs = pointindex_snap_has_attrs(s);
    sql_attrs fallback;
    if (!attrs)
        sql_attrs_init(&fallback, c, l, coll);
    cluster_point *pts = NULL;
    size_t n = 0, cap = 0, nc = 0;
    cluster *cl = NULL;
    int rc = -1;
    bool sensitive = coll->vis == VIS_FULL;
    if (pointindex_tile_points(s, c->t, c->vis, &pts, &n, &cap) < 0) {
        rm_error_set(err, 500, "Out of memory", "collecting tile points");
        goto cleanup;
    }
    long max_points = c->cluster_max_points == 0 ? TILEBUILD_CLUSTER_MAX_POINTS : c->cluster_max_points;
    bool clustered = (int)c->t->z < c->cluster_maxzoom || (max_points > 0 && n > (size_t)max_points);
    mvt_layer *ml = mvt_layer_begin(c->mvt, l->name, TILE_EXTENT);
    if (!clustered) {
        /* Every point of the buffered tile, as the SQL bbox query of the items API selects them. */
        tile_bounds b;
        tile_bounds_lonlat_buffered(c->t, TILE_BUFFER, &b);
        double box[4] = {b.xmin, b.ymin, b.xmax, b.ymax};
        n = 0;
        if (pointindex_box_points(s, c->t, box, c->vis, &pts, &n, &cap) < 0) {
            rm_error_set(err, 500, "Out of memory", "collecting tile points");
            goto cleanup;
        }
        if (c->features + (long)n > TILE_MAX_FEATURES) {
            rm_error_set(err, 503, "Tile too large", "tile %u/%u/%u holds more than %d features; zoom in, or start "
                         "the server with a lower --cluster-max-points so that dense tiles are clustered",
                         c->t->z, c->t->x, c->t->y, TILE_MAX_FEATURES);
            goto cleanup;
        }
        c->features += (long)n;
        for (size_t i = 0; i < n; i++) {
            mvt_feature *f = mvt_feature_begin(ml, pts[i].id);
            if (attrs)
                pointindex_point_attrs(pi, s, pts[i].index, c->vis, f);
            else if (sql_attrs_add(&fallback, c, pts[i].id, f, err) < 0)
                goto cleanup;
            mvt_feature_add_point(f, tile_round(pts[i].x), tile_round(pts[i].y));
            if (sensitive)
                note_sensitive(c, pts[i].id);
        }
        rc = 0;
        goto cleanup;
    }
    if (cluster_grid(pts, n, c->cluster_cell, &cl, &nc, err) < 0)
        goto cleanup;
    if (sensitive)
        for (size_t i = 0; i < n; i++)
            note_sensitive(c, pts[i].id);
    bool show_category = l->category_attr && c->vis == VIS_FULL;
    for (size_t i = 0; i < nc; i++) {
        if (cl[i].point_count == 1) {
            /* A cell of one point shows the point itself, at its exact position. */
            double lon, lat, tx, ty;
            pointindex_point_lonlat(s, cl[i].index, &lon, &lat);
            tile_lonlat_to_tile(c->t, lon, lat, &tx, &ty);
            mvt_feature *f = mvt_feature_begin(ml, cl[i].id);
            if (attrs)
                pointindex_point_attrs(pi, s, cl[i].index, c->vis, f);
            else if (sql_attrs_add(&fallback, c, cl[i].id, f, err) < 0)
                goto cleanup;
            mvt_feature_add_point(f, tile_round(tx), tile_round(ty));
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
    if (!attrs)
        sql_attrs_cleanup(&fallback);
    pointindex_release(s);
    free(pts);
    free(cl);
    return rc;
}

static int boundaries(tilebuild_ctx *c, const tilebuild_layer *l, rm_error *err)
{
    clip_geos *g = thread_geos(err);
    if (!g)
        return -1;
    tile_bounds b;
    tile_bounds_lonlat_buffered(c->t, TILE_BUFFER, &b);
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
        if (!wkb || clip_wkb_to_tile(g, wkb, len, c->t, &tg, err) < 0) {
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

int tilebuild_tile(tilebuild_ctx *c, const tilebuild_layer *const *layers, int nlayers, const tile_id *t, buf *out,
                   rm_error *err)
{
    c->t = t;
    c->features = 0;
    c->nsensitive_ids = 0;
    c->mvt = mvt_tile_create();
    int rc = 0;
    for (int i = 0; i < nlayers && rc == 0; i++) {
        const tilebuild_layer *l = layers[i];
        if (!l->collection) {
            rc = boundaries(c, l, err);
            continue;
        }
        const coll_def *coll = coll_find(l->collection);
        pointindex *pi = c->points ? c->points(c->points_arg, coll) : NULL;
        rc = pi ? points_snapshot(c, l, coll, pi, err) : points_from_sql(c, l, coll, err);
    }
    if (rc == 0)
        mvt_tile_finish(c->mvt, out);
    mvt_tile_destroy(c->mvt);
    c->mvt = NULL;
    return rc;
}
