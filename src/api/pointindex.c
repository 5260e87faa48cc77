/*
 * pointindex: in-memory point snapshots for clustered tiles; see pointindex.h.
 */
#include "api/pointindex.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/query.h"

#define GLOBAL_SHIFT (POINTINDEX_ZOOM + 12) /* log2 of global units per world side */
#define FLAG_PUBLIC 1u

typedef struct pt {
    uint32_t gx, gy;
    uint32_t id;
    uint8_t category;
    uint8_t flags;
} pt;

struct pointindex {
    const coll_def *coll;
    const coll_prop *category;
    pthread_rwlock_t lock;       /* guards pts/n for readers */
    pthread_mutex_t maintain;    /* one builder or patcher at a time */
    pt *pts;                     /* sorted by gx, then id */
    size_t n;
    int32_t day;                 /* day the categories were computed for; -1: not built */
};

pointindex *pointindex_create(const coll_def *coll, const char *category_prop)
{
    pointindex *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->coll = coll;
    p->category = category_prop ? coll_prop_find(coll, category_prop) : NULL;
    p->day = -1;
    pthread_rwlock_init(&p->lock, NULL);
    pthread_mutex_init(&p->maintain, NULL);
    return p;
}

void pointindex_destroy(pointindex *p)
{
    if (!p)
        return;
    free(p->pts);
    pthread_rwlock_destroy(&p->lock);
    pthread_mutex_destroy(&p->maintain);
    free(p);
}

static uint32_t to_global(double v01)
{
    double g = floor(v01 * 268435456.0);
    if (g < 0)
        g = 0;
    if (g > 268435455.0)
        g = 268435455.0;
    return (uint32_t)g;
}

/* Global position of lon/lat: fractions of the Web Mercator square, scaled to 2^28. */
static void global_of(double lon, double lat, uint32_t *gx, uint32_t *gy)
{
    double mx, my;
    tile_lonlat_to_merc(lon, lat, &mx, &my);
    *gx = to_global((mx + TILE_MERC_HALF_M) / (2 * TILE_MERC_HALF_M));
    *gy = to_global((TILE_MERC_HALF_M - my) / (2 * TILE_MERC_HALF_M));
}

static int cmp_pt(const void *a, const void *b)
{
    const pt *x = a, *y = b;
    if (x->gx != y->gx)
        return x->gx < y->gx ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Read the points of the layer (inside the box when box != NULL) into a new sorted array. */
static int read_points(pointindex *p, db_conn *db, int32_t today, const params_bbox *box, pt **out, size_t *nout,
                       rm_error *err)
{
    query q;
    query_init(&q, p->coll, VIS_FULL, today);
    if (box)
        query_bbox(&q, box);
    buf sql = BUF_INIT;
    buf_puts(&sql, "SELECT t.id, t.lon, t.lat, ");
    if (p->category)
        query_append_sql(&q, &sql, p->category->sql);
    else
        buf_puts(&sql, "NULL");
    buf_puts(&sql, ", ");
    /* Public visibility of the row, as the collection defines it. */
    if (p->coll->vis > VIS_PUBLIC)
        buf_puts(&sql, "0");
    else if (p->coll->public_rows)
        query_append_sql(&q, &sql, p->coll->public_rows);
    else
        buf_puts(&sql, "1");
    buf_appendf(&sql, " FROM %s WHERE %s", p->coll->from, q.where.len ? q.where.data : "1");
    int rc = -1;
    size_t n = 0, cap = box ? 64 : 1 << 16;
    pt *a = malloc(cap * sizeof *a);
    sqlite3_stmt *st = a ? query_prepare(&q, db, sql.data, err) : NULL;
    if (!st)
        goto cleanup;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            pt *b = realloc(a, 2 * cap * sizeof *a);
            if (!b)
                break;
            a = b;
            cap *= 2;
        }
        pt *e = &a[n++];
        e->id = (uint32_t)sqlite3_column_int64(st, 0);
        global_of(sqlite3_column_double(st, 1), sqlite3_column_double(st, 2), &e->gx, &e->gy);
        e->category = (uint8_t)(sqlite3_column_type(st, 3) == SQLITE_NULL ? 0 : sqlite3_column_int(st, 3));
        e->flags = sqlite3_column_int(st, 4) ? FLAG_PUBLIC : 0;
    }
    if (s != SQLITE_DONE) {
        db_error(db, err, 500, "reading points for tiles");
        db_stmt_done(st);
        goto cleanup;
    }
    db_stmt_done(st);
    qsort(a, n, sizeof *a, cmp_pt);
    *out = a;
    *nout = n;
    a = NULL;
    rc = 0;
cleanup:
    free(a);
    buf_free(&sql);
    query_cleanup(&q);
    return rc;
}

static void swap_in(pointindex *p, pt *a, size_t n, int32_t day)
{
    pthread_rwlock_wrlock(&p->lock);
    pt *old = p->pts;
    p->pts = a;
    p->n = n;
    if (day >= 0)
        p->day = day;
    pthread_rwlock_unlock(&p->lock);
    free(old);
}

int pointindex_ensure(pointindex *p, db_conn *db, int32_t today, rm_error *err)
{
    pthread_rwlock_rdlock(&p->lock);
    int32_t day = p->day;
    pthread_rwlock_unlock(&p->lock);
    if (day == today)
        return 0;
    pthread_mutex_lock(&p->maintain);
    int rc = 0;
    if (p->day != today) { /* another thread may have built it while we waited */
        pt *a;
        size_t n;
        rc = read_points(p, db, today, NULL, &a, &n, err);
        if (rc == 0)
            swap_in(p, a, n, today);
    }
    pthread_mutex_unlock(&p->maintain);
    return rc;
}

int pointindex_patch(pointindex *p, db_conn *db, double min_lon, double min_lat, double max_lon, double max_lat,
                     rm_error *err)
{
    pthread_mutex_lock(&p->maintain);
    int rc = 0;
    if (p->day < 0)
        goto done;
    /* Re-read a box wider than the one whose old points are dropped below (that one is widened by
     * a global unit for rounding): a point next to the changed box, in the same global unit, is
     * then read back instead of lost. Points read from outside the drop box replace their old
     * copies like any other. Three global units of longitude in degrees; a unit of latitude is
     * never more degrees than one of longitude. */
    const double margin = 3.0 * 360.0 / 268435456.0;
    params_bbox box = {fmax(min_lon - margin, -180.0), fmax(min_lat - margin, -90.0), fmin(max_lon + margin, 180.0),
                       fmin(max_lat + margin, 90.0), false};
    pt *fresh = NULL;
    size_t nfresh = 0;
    rc = read_points(p, db, p->day, &box, &fresh, &nfresh, err);
    if (rc < 0)
        goto done;
    /* Old points in the box go (they were re-read if they are still there); the rest stay. The box
     * test uses the same global units, widened by one unit for rounding. */
    uint32_t gx0, gy0, gx1, gy1;
    global_of(min_lon, max_lat, &gx0, &gy0);
    global_of(max_lon, min_lat, &gx1, &gy1);
    gx0 = gx0 ? gx0 - 1 : 0, gy0 = gy0 ? gy0 - 1 : 0, gx1++, gy1++;
    uint32_t *ids = malloc((nfresh ? nfresh : 1) * sizeof *ids);
    if (!ids) {
        free(fresh);
        rc = rm_error_set(err, 500, "Out of memory", "patching the point snapshot");
        goto done;
    }
    for (size_t j = 0; j < nfresh; j++)
        ids[j] = fresh[j].id;
    qsort(ids, nfresh, sizeof *ids, cmp_u32);
    pthread_rwlock_rdlock(&p->lock);
    size_t cap = p->n + nfresh;
    pt *merged = malloc((cap ? cap : 1) * sizeof *merged);
    size_t m = 0, i = 0, k = 0;
    if (!merged) {
        pthread_rwlock_unlock(&p->lock);
        free(fresh);
        free(ids);
        rc = rm_error_set(err, 500, "Out of memory", "patching the point snapshot");
        goto done;
    }
    /* Merge two sorted runs; ids re-read in fresh replace any old copy anywhere (a point may have
     * moved from outside the box into it). */
    while (i < p->n || k < nfresh) {
        const pt *o = i < p->n ? &p->pts[i] : NULL;
        if (o) {
            bool in_box = o->gx >= gx0 && o->gx <= gx1 && o->gy >= gy0 && o->gy <= gy1;
            if (in_box || (nfresh && bsearch(&o->id, ids, nfresh, sizeof *ids, cmp_u32))) {
                i++;
                continue;
            }
        }
        if (k < nfresh && (!o || cmp_pt(&fresh[k], o) <= 0))
            merged[m++] = fresh[k++];
        else
            merged[m++] = p->pts[i++];
    }
    pthread_rwlock_unlock(&p->lock);
    free(fresh);
    free(ids);
    swap_in(p, merged, m, -1);
done:
    pthread_mutex_unlock(&p->maintain);
    return rc;
}

int pointindex_tile_points(pointindex *p, const tile_id *t, vis_class vis, cluster_point **pts, size_t *n,
                           size_t *cap)
{
    int shift = GLOBAL_SHIFT - (int)t->z;        /* global units per tile, as a power of two */
    uint64_t x0 = (uint64_t)t->x << shift, x1 = ((uint64_t)t->x + 1) << shift;
    uint64_t y0 = (uint64_t)t->y << shift, y1 = ((uint64_t)t->y + 1) << shift;
    double scale = (double)TILE_EXTENT / (double)(1ull << shift);
    pthread_rwlock_rdlock(&p->lock);
    /* First point with gx >= x0. */
    size_t lo = 0, hi = p->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (p->pts[mid].gx < x0)
            lo = mid + 1;
        else
            hi = mid;
    }
    int rc = 0;
    for (size_t i = lo; i < p->n && p->pts[i].gx < x1; i++) {
        const pt *e = &p->pts[i];
        if (e->gy < y0 || e->gy >= y1)
            continue;
        if (vis < VIS_FULL && !(e->flags & FLAG_PUBLIC))
            continue;
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 1024;
            cluster_point *np = realloc(*pts, nc * sizeof *np);
            if (!np) {
                rc = -1;
                break;
            }
            *pts = np;
            *cap = nc;
        }
        cluster_point *c = &(*pts)[(*n)++];
        c->id = e->id;
        c->x = (double)(e->gx - x0) * scale;
        c->y = (double)(e->gy - y0) * scale;
        c->category = vis == VIS_FULL ? e->category : 0;
        c->index = i;
    }
    pthread_rwlock_unlock(&p->lock);
    return rc;
}

size_t pointindex_size(pointindex *p)
{
    pthread_rwlock_rdlock(&p->lock);
    size_t n = p->n;
    pthread_rwlock_unlock(&p->lock);
    return n;
}

int pointindex_extent(pointindex *p, vis_class vis, double box[4])
{
    uint32_t x0 = UINT32_MAX, y0 = UINT32_MAX, x1 = 0, y1 = 0;
    pthread_rwlock_rdlock(&p->lock);
    for (size_t i = 0; i < p->n; i++) {
        const pt *e = &p->pts[i];
        if (vis < VIS_FULL && !(e->flags & FLAG_PUBLIC))
            continue;
        if (e->gx < x0) x0 = e->gx;
        if (e->gx > x1) x1 = e->gx;
        if (e->gy < y0) y0 = e->gy;
        if (e->gy > y1) y1 = e->gy;
    }
    pthread_rwlock_unlock(&p->lock);
    if (x0 > x1)
        return 0;
    double side = 2 * TILE_MERC_HALF_M / 268435456.0;
    tile_merc_to_lonlat(-TILE_MERC_HALF_M + (double)x0 * side, TILE_MERC_HALF_M - (double)(y1 + 1) * side, &box[0],
                        &box[1]);
    tile_merc_to_lonlat(-TILE_MERC_HALF_M + (double)(x1 + 1) * side, TILE_MERC_HALF_M - (double)y0 * side, &box[2],
                        &box[3]);
    return 1;
}
