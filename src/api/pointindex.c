/*
 * pointindex: in-memory point snapshots for tiles; see pointindex.h.
 *
 * A snapshot is two arrays: the points in Z order of their global position (Morton order: the bits
 * of x and y interleaved; then by id), 20 bytes each, so that the points of any tile are one
 * contiguous run found by two binary searches (a tile is a cell of the quadtree that Z order
 * walks), which a low-zoom tile of a million points reads without visiting anything outside it;
 * and one arena of attribute records, one per point, read only for the points a tile
 * shows. A record is hand-encoded (this is the hot path of tile building): the exact lon and lat as
 * two native doubles, then for each non-NULL attribute its index in the layer's list (one byte) and
 * its value: text NUL-terminated, integers as zigzag varints, reals as a native double, booleans as
 * one byte; 0xFF ends the record.
 */
#include "api/pointindex.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "api/query.h"
#include "api/tilebuild.h"

#define GLOBAL_SHIFT (POINTINDEX_ZOOM + 12) /* log2 of global units per world side */
#define FLAG_PUBLIC 1u
#define REC_END 0xFF
#define REC_HEAD (2 * sizeof(double))

typedef struct pt {
    uint32_t gx, gy;
    uint32_t id;
    uint32_t rec;                /* offset of its record in the arena */
    uint8_t category;
    uint8_t flags;
} pt;

struct pointindex_snap {
    atomic_int refs;             /* the index's own reference while published, and readers' */
    pt *pts;                     /* in Z order of (gx, gy), then by id */
    size_t n;
    unsigned char *recs;         /* attribute records */
    size_t recs_len;
    int32_t day;                 /* day the values were computed for */
    bool attrs;                  /* records hold the attributes (else only lon/lat) */
    _Atomic(void *) aux;         /* a structure derived by another module (pointindex_snap_set_aux) */
    void (*aux_destroy)(void *aux);
};

struct pointindex {
    const coll_def *coll;
    const coll_prop *category;
    const coll_prop *attrs[POINTINDEX_MAX_ATTRS];
    int nattrs;
    pthread_mutex_t lock;        /* guards cur (the pointer, not the snapshot) */
    pthread_mutex_t maintain;    /* one builder or patcher at a time; guards the bg_ fields */
    pointindex_snap *cur;        /* NULL until built */
    /* Attributes built in the background (pointindex_build_in_background). */
    const char *bg_path;         /* NULL: ensure builds them itself */
    bool bg_started, bg_running;
    atomic_bool bg_stopping;     /* read by a running build without the lock */
    pthread_t bg_thread;
    int32_t bg_want_day, bg_done_day;
    double (*bg_boxes)[4];       /* boxes patched while the current build runs */
    size_t bg_nboxes, bg_cap;
};

pointindex *pointindex_create(const coll_def *coll, const char *category_prop)
{
    pointindex *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->coll = coll;
    p->category = category_prop ? coll_prop_find(coll, category_prop) : NULL;
    const char *const *names = tilebuild_attrs_of(coll);
    for (; names && *names && p->nattrs < POINTINDEX_MAX_ATTRS; names++) {
        const coll_prop *a = coll_prop_find(coll, *names);
        if (a && a->sql)
            p->attrs[p->nattrs++] = a;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_mutex_init(&p->maintain, NULL);
    p->bg_want_day = p->bg_done_day = -1;
    return p;
}

void pointindex_build_in_background(pointindex *p, const char *db_path) { p->bg_path = db_path; }

static void snap_free(pointindex_snap *s)
{
    if (!s)
        return;
    void *aux = atomic_load(&s->aux);
    if (aux)
        s->aux_destroy(aux);
    free(s->pts);
    free(s->recs);
    free(s);
}

void pointindex_release(pointindex_snap *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1)
        snap_free(s);
}

void pointindex_stop(pointindex *p)
{
    if (p)
        atomic_store(&p->bg_stopping, true);
}

void pointindex_destroy(pointindex *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->maintain);
    atomic_store(&p->bg_stopping, true);
    bool join = p->bg_started;
    pthread_mutex_unlock(&p->maintain);
    if (join) /* a running build is abandoned at its next row */
        pthread_join(p->bg_thread, NULL);
    free(p->bg_boxes);
    pointindex_release(p->cur);
    pthread_mutex_destroy(&p->lock);
    pthread_mutex_destroy(&p->maintain);
    free(p);
}

/* Serialises pointindex_snap_set_aux (rare: once per snapshot that a search uses). */
static pthread_mutex_t aux_mu = PTHREAD_MUTEX_INITIALIZER;

pointindex_snap *pointindex_acquire(pointindex *p)
{
    pthread_mutex_lock(&p->lock);
    pointindex_snap *s = p->cur;
    if (s)
        atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&p->lock);
    return s;
}

int32_t pointindex_snap_day(const pointindex_snap *s) { return s->day; }
bool pointindex_snap_has_attrs(const pointindex_snap *s) { return s->attrs; }
size_t pointindex_snap_count(const pointindex_snap *s) { return s->n; }

void *pointindex_snap_aux(pointindex_snap *s) { return atomic_load(&s->aux); }

bool pointindex_snap_set_aux(pointindex_snap *s, void *aux, void (*destroy)(void *aux))
{
    /* aux_destroy is read only by snap_free, after the last reference, so storing it before aux
     * (whose store publishes it) is enough. */
    pthread_mutex_lock(&aux_mu);
    bool set = atomic_load(&s->aux) == NULL;
    if (set) {
        s->aux_destroy = destroy;
        atomic_store(&s->aux, aux);
    }
    pthread_mutex_unlock(&aux_mu);
    return set;
}

/* Make s the current snapshot; the previous one goes when its last reader is done. */
static void publish(pointindex *p, pointindex_snap *s)
{
    atomic_init(&s->refs, 1);
    pthread_mutex_lock(&p->lock);
    pointindex_snap *old = p->cur;
    p->cur = s;
    pthread_mutex_unlock(&p->lock);
    pointindex_release(old);
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

/* v's 32 bits spread to the even bits of a 64-bit word. */
static uint64_t spread(uint32_t v)
{
    uint64_t x = v;
    x = (x | x << 16) & 0x0000FFFF0000FFFFull;
    x = (x | x << 8) & 0x00FF00FF00FF00FFull;
    x = (x | x << 4) & 0x0F0F0F0F0F0F0F0Full;
    x = (x | x << 2) & 0x3333333333333333ull;
    x = (x | x << 1) & 0x5555555555555555ull;
    return x;
}

/* Z-order (Morton) key of a global position. */
static uint64_t zkey(uint32_t gx, uint32_t gy) { return spread(gx) | spread(gy) << 1; }

static int cmp_pt(const void *a, const void *b)
{
    const pt *x = a, *y = b;
    uint64_t kx = zkey(x->gx, x->gy), ky = zkey(y->gx, y->gy);
    if (kx != ky)
        return kx < ky ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* ---- records -------------------------------------------------------------------------------- */

static const unsigned char *get_varint(const unsigned char *r, uint64_t *v)
{
    uint64_t x = 0;
    int shift = 0;
    while (*r & 0x80) {
        x |= (uint64_t)(*r++ & 0x7F) << shift;
        shift += 7;
    }
    x |= (uint64_t)*r++ << shift;
    *v = x;
    return r;
}

/* Append the record of the current row (lon, lat in columns 1-2, attributes from column 5). */
static void put_record(const pointindex *p, sqlite3_stmt *st, bool attrs, buf *recs)
{
    double ll[2] = {sqlite3_column_double(st, 1), sqlite3_column_double(st, 2)};
    buf_append(recs, ll, sizeof ll);
    for (int k = 0; attrs && k < p->nattrs; k++) {
        int col = 5 + k;
        if (sqlite3_column_type(st, col) == SQLITE_NULL)
            continue;
        unsigned char idx = (unsigned char)k;
        buf_append(recs, &idx, 1);
        switch (p->attrs[k]->type) {
        case PROP_INT: {
            int64_t v = sqlite3_column_int64(st, col);
            buf_put_varint(recs, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
            break;
        }
        case PROP_REAL: {
            double d = sqlite3_column_double(st, col);
            buf_append(recs, &d, sizeof d);
            break;
        }
        case PROP_BOOL: {
            unsigned char v = sqlite3_column_int(st, col) != 0;
            buf_append(recs, &v, 1);
            break;
        }
        default: {
            const char *s = (const char *)sqlite3_column_text(st, col);
            buf_append(recs, s ? s : "", (s ? strlen(s) : 0) + 1);
            break;
        }
        }
    }
    unsigned char end = REC_END;
    buf_append(recs, &end, 1);
}

/* Length of the record at r. */
static size_t record_len(const pointindex *p, const unsigned char *r)
{
    const unsigned char *q = r + REC_HEAD;
    uint64_t v;
    while (*q != REC_END) {
        int k = *q++;
        switch (p->attrs[k]->type) {
        case PROP_INT: q = get_varint(q, &v); break;
        case PROP_REAL: q += sizeof(double); break;
        case PROP_BOOL: q++; break;
        default: q += strlen((const char *)q) + 1; break;
        }
    }
    return (size_t)(q + 1 - r);
}

void pointindex_point_lonlat(const pointindex_snap *s, size_t index, double *lon, double *lat)
{
    double ll[2];
    memcpy(ll, s->recs + s->pts[index].rec, sizeof ll);
    *lon = ll[0];
    *lat = ll[1];
}

int64_t pointindex_point_id(const pointindex_snap *s, size_t index) { return s->pts[index].id; }

void pointindex_point_attrs(const pointindex *p, const pointindex_snap *s, size_t index, vis_class vis,
                            mvt_feature *f)
{
    const unsigned char *q = s->recs + s->pts[index].rec + REC_HEAD;
    while (*q != REC_END) {
        const coll_prop *a = p->attrs[*q++];
        bool show = a->vis <= vis;
        switch (a->type) {
        case PROP_INT: {
            uint64_t v;
            q = get_varint(q, &v);
            if (show)
                mvt_feature_add_int(f, a->name, (int64_t)(v >> 1) ^ -(int64_t)(v & 1));
            break;
        }
        case PROP_REAL: {
            double d;
            memcpy(&d, q, sizeof d);
            q += sizeof d;
            if (show)
                mvt_feature_add_double(f, a->name, d);
            break;
        }
        case PROP_BOOL:
            if (show)
                mvt_feature_add_bool(f, a->name, *q != 0);
            q++;
            break;
        default:
            if (show)
                mvt_feature_add_string(f, a->name, (const char *)q);
            q += strlen((const char *)q) + 1;
            break;
        }
    }
}

/* ---- building --------------------------------------------------------------------------------- */

/* Read the points of the layer (inside the box when box != NULL) into a new snapshot (points
 * sorted, records in the arena, with the attributes when attrs), computed for day today. */
static int read_points(pointindex *p, db_conn *db, int32_t today, const params_bbox *box, bool attrs,
                       pointindex_snap **out, rm_error *err)
{
    query q;
    query_init(&q, p->coll, VIS_FULL, today);
    if (box)
        query_bbox(&q, box);
    buf sql = BUF_INIT, recs = BUF_INIT;
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
    /* The attributes its tiles carry, all of them: each tile picks those its caller may see. */
    for (int k = 0; attrs && k < p->nattrs; k++) {
        buf_puts(&sql, ", ");
        query_append_sql(&q, &sql, p->attrs[k]->sql);
    }
    buf_appendf(&sql, " FROM %s WHERE %s", p->coll->from, q.where.len ? q.where.data : "1");
    int rc = -1;
    size_t n = 0, cap = box ? 64 : 1 << 16;
    pt *a = malloc(cap * sizeof *a);
    pointindex_snap *s = calloc(1, sizeof *s);
    sqlite3_stmt *st = a && s ? query_prepare(&q, db, sql.data, err) : NULL;
    if (!st) {
        if (!a || !s)
            rm_error_set(err, 500, "Out of memory", "reading points for tiles");
        goto cleanup;
    }
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            pt *b = realloc(a, 2 * cap * sizeof *a);
            if (!b)
                break;
            a = b;
            cap *= 2;
        }
        if (recs.len > UINT32_MAX - 4096)
            break; /* 4 GiB of attributes: far beyond any register */
        pt *e = &a[n++];
        e->id = (uint32_t)sqlite3_column_int64(st, 0);
        global_of(sqlite3_column_double(st, 1), sqlite3_column_double(st, 2), &e->gx, &e->gy);
        e->category = (uint8_t)(sqlite3_column_type(st, 3) == SQLITE_NULL ? 0 : sqlite3_column_int(st, 3));
        e->flags = sqlite3_column_int(st, 4) ? FLAG_PUBLIC : 0;
        e->rec = (uint32_t)recs.len;
        put_record(p, st, attrs, &recs);
        if (!box && atomic_load(&p->bg_stopping)) {
            r = SQLITE_INTERRUPT; /* the server stops: the build is abandoned */
            break;
        }
    }
    if (r != SQLITE_DONE) {
        if (r == SQLITE_INTERRUPT)
            rm_error_set(err, 503, "Service Unavailable", "the server is stopping");
        else if (r == SQLITE_ROW)
            rm_error_set(err, 500, "Out of memory", "reading points for tiles");
        else
            db_error(db, err, 500, "reading points for tiles");
        db_stmt_done(st);
        goto cleanup;
    }
    db_stmt_done(st);
    qsort(a, n, sizeof *a, cmp_pt);
    /* The arrays grew by doubling: give the slack back, they live a day. */
    pt *fit = realloc(a, (n ? n : 1) * sizeof *a);
    s->pts = fit ? fit : a;
    s->n = n;
    s->recs = (unsigned char *)buf_detach(&recs, &s->recs_len);
    unsigned char *rfit = realloc(s->recs, s->recs_len + 1);
    if (rfit)
        s->recs = rfit;
    s->day = today;
    s->attrs = attrs;
    *out = s;
    a = NULL;
    s = NULL;
    rc = 0;
cleanup:
    free(a);
    free(s);
    buf_free(&recs);
    buf_free(&sql);
    query_cleanup(&q);
    return rc;
}

/* A whole-layer read goes through every page of the table once a day: without the connection's
 * memory map and with a small page cache for its duration, so that it does not leave a quarter of a
 * gigabyte of the file mapped and its cache full in the process (the OS page cache keeps the file
 * either way). The settings are put back after (values read from SQLite, never from a client). */
typedef struct scan_settings {
    int64_t mmap_size, cache_size;
} scan_settings;

static int64_t pragma_int(db_conn *db, const char *sql)
{
    sqlite3_stmt *st = db_stmt(db, sql, NULL);
    int64_t v = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    db_stmt_done(st);
    return v;
}

static void scan_begin(db_conn *db, scan_settings *saved)
{
    saved->mmap_size = pragma_int(db, "PRAGMA mmap_size");
    saved->cache_size = pragma_int(db, "PRAGMA cache_size");
    db_exec(db, "PRAGMA mmap_size=0; PRAGMA cache_size=-2048", NULL);
}

static void scan_end(db_conn *db, const scan_settings *saved)
{
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA mmap_size=%lld; PRAGMA cache_size=%lld", (long long)saved->mmap_size,
             (long long)saved->cache_size);
    db_exec(db, sql, NULL);
}

/* A new snapshot: base with the points in the lon/lat box re-read from db (with attributes when base
 * has them). 0 with *out, or -1 with err. */
static int patch_snap(pointindex *p, db_conn *db, const pointindex_snap *base, const double b[4],
                      pointindex_snap **out, rm_error *err)
{
    pointindex_snap *fresh = NULL, *merged = NULL;
    uint32_t *ids = NULL;
    int rc = -1;
    /* Re-read a box wider than the one whose old points are dropped below (that one is widened by
     * a global unit for rounding): a point next to the changed box, in the same global unit, is
     * then read back instead of lost. Points read from outside the drop box replace their old
     * copies like any other. Three global units of longitude in degrees; a unit of latitude is
     * never more degrees than one of longitude. */
    const double margin = 3.0 * 360.0 / 268435456.0;
    params_bbox box = {fmax(b[0] - margin, -180.0), fmax(b[1] - margin, -90.0), fmin(b[2] + margin, 180.0),
                       fmin(b[3] + margin, 90.0), false};
    if (read_points(p, db, base->day, &box, base->attrs, &fresh, err) < 0)
        goto done;
    /* Old points in the box go (they were re-read if they are still there); the rest stay. The box
     * test uses the same global units, widened by one unit for rounding. */
    uint32_t gx0, gy0, gx1, gy1;
    global_of(b[0], b[3], &gx0, &gy0);
    global_of(b[2], b[1], &gx1, &gy1);
    gx0 = gx0 ? gx0 - 1 : 0, gy0 = gy0 ? gy0 - 1 : 0, gx1++, gy1++;
    ids = malloc((fresh->n ? fresh->n : 1) * sizeof *ids);
    merged = calloc(1, sizeof *merged);
    size_t cap = base->n + fresh->n;
    if (merged)
        merged->pts = malloc((cap ? cap : 1) * sizeof *merged->pts);
    if (!ids || !merged || !merged->pts) {
        rm_error_set(err, 500, "Out of memory", "patching the point snapshot");
        goto done;
    }
    for (size_t j = 0; j < fresh->n; j++)
        ids[j] = fresh->pts[j].id;
    qsort(ids, fresh->n, sizeof *ids, cmp_u32);
    /* Merge two sorted runs into the new snapshot, copying each kept record into its arena; ids
     * re-read in fresh replace any old copy anywhere (a point may have moved from outside the box
     * into it). */
    buf recs = BUF_INIT;
    buf_grow(&recs, base->recs_len + fresh->recs_len);
    size_t m = 0, i = 0, k = 0;
    while (i < base->n || k < fresh->n) {
        const pt *o = i < base->n ? &base->pts[i] : NULL;
        if (o) {
            bool in_box = o->gx >= gx0 && o->gx <= gx1 && o->gy >= gy0 && o->gy <= gy1;
            if (in_box || (fresh->n && bsearch(&o->id, ids, fresh->n, sizeof *ids, cmp_u32))) {
                i++;
                continue;
            }
        }
        const pointindex_snap *from;
        const pt *src;
        if (k < fresh->n && (!o || cmp_pt(&fresh->pts[k], o) <= 0))
            from = fresh, src = &fresh->pts[k++];
        else
            from = base, src = &base->pts[i++];
        pt *d = &merged->pts[m++];
        *d = *src;
        d->rec = (uint32_t)recs.len;
        buf_append(&recs, from->recs + src->rec, record_len(p, from->recs + src->rec));
    }
    merged->n = m;
    merged->recs = (unsigned char *)buf_detach(&recs, &merged->recs_len);
    merged->day = base->day;
    merged->attrs = base->attrs;
    *out = merged;
    merged = NULL;
    rc = 0;
done:
    free(ids);
    snap_free(fresh);
    snap_free(merged);
    return rc;
}

/* The background builder: the attributes of the whole layer for the day asked last, on its own
 * connection and without a query budget; then, under the maintenance lock, the boxes patched
 * meanwhile are patched again into it (its read may predate them) and it is published. Loops
 * while a newer day is asked for. */
/* One background build at a time in the process, at a low priority: they are catching up, and the
 * requests (served meanwhile from the database) should not have to share the cores with three. */
static pthread_mutex_t background_mu = PTHREAD_MUTEX_INITIALIZER;

static void *background(void *arg)
{
    pointindex *p = arg;
    rm_error err = {0};
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10); /* Linux: per thread; best effort */
    pthread_mutex_lock(&background_mu);
    db_conn *db = NULL;
    int opened = db_open(p->bg_path, DB_READONLY, &db, &err);
    scan_settings unused;
    if (opened == 0)
        scan_begin(db, &unused); /* this connection only scans */
    pthread_mutex_lock(&p->maintain);
    while (opened == 0 && !atomic_load(&p->bg_stopping) && p->bg_want_day != p->bg_done_day) {
        int32_t day = p->bg_want_day;
        p->bg_nboxes = 0;
        pthread_mutex_unlock(&p->maintain);
        pointindex_snap *s = NULL;
        int rc = read_points(p, db, day, NULL, true, &s, &err);
        pthread_mutex_lock(&p->maintain);
        for (size_t i = 0; rc == 0 && i < p->bg_nboxes; i++) {
            pointindex_snap *next;
            rc = patch_snap(p, db, s, p->bg_boxes[i], &next, &err);
            if (rc == 0) {
                snap_free(s);
                s = next;
            }
        }
        if (rc == 0 && p->cur && p->cur->day == day && !atomic_load(&p->bg_stopping))
            publish(p, s);
        else
            snap_free(s);
        if (rc < 0 && !atomic_load(&p->bg_stopping))
            fprintf(stderr, "radmap: tile attributes of %s not built (tiles read them from the database): %s\n",
                    p->coll->id, err.detail);
        p->bg_done_day = day;
    }
    if (opened < 0)
        fprintf(stderr, "radmap: tile attributes of %s not built: %s\n", p->coll->id, err.detail);
    p->bg_running = false;
    pthread_mutex_unlock(&p->maintain);
    db_close(db);
    pthread_mutex_unlock(&background_mu);
    return NULL;
}

/* Ask the background builder for day's attributes (maintenance lock held). */
static void want_background(pointindex *p, int32_t day)
{
    p->bg_want_day = day;
    if (p->bg_running)
        return; /* it looks at bg_want_day when its build is done */
    if (p->bg_started)
        pthread_join(p->bg_thread, NULL); /* finished: reap it */
    p->bg_started = p->bg_running = pthread_create(&p->bg_thread, NULL, background, p) == 0;
}

int pointindex_ensure(pointindex *p, db_conn *db, int32_t today, rm_error *err)
{
    pthread_mutex_lock(&p->lock);
    bool ready = p->cur && p->cur->day == today;
    pthread_mutex_unlock(&p->lock);
    if (ready)
        return 0;
    pthread_mutex_lock(&p->maintain);
    int rc = 0;
    /* Another thread may have built it while we waited (cur changes only under maintain). */
    if (!p->cur || p->cur->day != today) {
        /* Every tile of the layer waits for this build: the request that runs it is not held to its
         * query budget, which would interrupt it, fail the request and leave the next one to start
         * again. The rest of that request runs without a budget too (tiles come from memory). With
         * a background builder, this is the positions alone (a second or so for a million
         * points); the attributes follow, and tiles read them from the database until then. */
        db_deadline_set(0);
        bool bg = p->bg_path != NULL;
        pointindex_snap *s;
        scan_settings saved;
        scan_begin(db, &saved);
        rc = read_points(p, db, today, NULL, !bg, &s, err);
        scan_end(db, &saved);
        if (rc == 0) {
            publish(p, s);
            if (bg)
                want_background(p, today);
        }
    }
    pthread_mutex_unlock(&p->maintain);
    return rc;
}

int pointindex_patch(pointindex *p, db_conn *db, double min_lon, double min_lat, double max_lon, double max_lat,
                     rm_error *err)
{
    pthread_mutex_lock(&p->maintain);
    int rc = 0;
    double b[4] = {min_lon, min_lat, max_lon, max_lat};
    if (p->bg_running) { /* the build under way may have read the box before the change: redo it after */
        if (p->bg_nboxes == p->bg_cap) {
            size_t nc = p->bg_cap ? 2 * p->bg_cap : 16;
            double(*nb)[4] = realloc(p->bg_boxes, nc * sizeof *nb);
            if (!nb)
                abort();
            p->bg_boxes = nb;
            p->bg_cap = nc;
        }
        memcpy(p->bg_boxes[p->bg_nboxes++], b, sizeof b);
    }
    pointindex_snap *next;
    if (p->cur && (rc = patch_snap(p, db, p->cur, b, &next, err)) == 0)
        publish(p, next);
    pthread_mutex_unlock(&p->maintain);
    return rc;
}

/* ---- reading ---------------------------------------------------------------------------------- */

/* First point whose Z-order key is at least key. */
static size_t first_at(const pointindex_snap *s, uint64_t key)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (zkey(s->pts[mid].gx, s->pts[mid].gy) < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The run of points inside the zoom-z cell (x, y) of the global grid (a tile): [*from, *to). */
static void cell_run(const pointindex_snap *s, unsigned z, uint64_t x, uint64_t y, size_t *from, size_t *to)
{
    int shift = GLOBAL_SHIFT - (int)z;
    uint64_t k0 = zkey((uint32_t)(x << shift), (uint32_t)(y << shift));
    *from = first_at(s, k0);
    *to = first_at(s, k0 + (1ull << (2 * shift)));
}

static cluster_point *next_slot(cluster_point **pts, size_t *n, size_t *cap)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 1024;
        cluster_point *np = realloc(*pts, nc * sizeof *np);
        if (!np)
            return NULL;
        *pts = np;
        *cap = nc;
    }
    return &(*pts)[(*n)++];
}

int pointindex_tile_points(const pointindex_snap *s, const tile_id *t, vis_class vis, cluster_point **pts,
                           size_t *n, size_t *cap)
{
    int shift = GLOBAL_SHIFT - (int)t->z;        /* global units per tile, as a power of two */
    uint64_t x0 = (uint64_t)t->x << shift, y0 = (uint64_t)t->y << shift;
    double scale = (double)TILE_EXTENT / (double)(1ull << shift);
    size_t from, to;
    cell_run(s, t->z, t->x, t->y, &from, &to);
    /* room for the whole run at once: no copies while a low-zoom tile's array grows */
    if (*cap < *n + (to - from)) {
        cluster_point *np = realloc(*pts, (*n + (to - from)) * sizeof *np);
        if (!np)
            return -1;
        *pts = np;
        *cap = *n + (to - from);
    }
    for (size_t i = from; i < to; i++) {
        const pt *e = &s->pts[i];
        if (vis < VIS_FULL && !(e->flags & FLAG_PUBLIC))
            continue;
        cluster_point *c = next_slot(pts, n, cap);
        if (!c)
            return -1;
        c->id = e->id;
        c->x = (double)(e->gx - x0) * scale;
        c->y = (double)(e->gy - y0) * scale;
        c->category = vis == VIS_FULL ? e->category : 0;
        c->index = i;
    }
    return 0;
}

/* Append the points of run [from, to) within global box g (inclusive) and lon/lat box to *pts. */
static int box_run(const pointindex_snap *s, size_t from, size_t to, const uint32_t g[4], const tile_id *t,
                   const double box[4], vis_class vis, cluster_point **pts, size_t *n, size_t *cap)
{
    for (size_t i = from; i < to; i++) {
        const pt *e = &s->pts[i];
        if (e->gx < g[0] || e->gx > g[2] || e->gy < g[1] || e->gy > g[3])
            continue;
        if (vis < VIS_FULL && !(e->flags & FLAG_PUBLIC))
            continue;
        double lon, lat;
        pointindex_point_lonlat(s, i, &lon, &lat);
        if (!(lon >= box[0] && lon <= box[2] && lat >= box[1] && lat <= box[3]))
            continue;
        cluster_point *c = next_slot(pts, n, cap);
        if (!c)
            return -1;
        c->id = e->id;
        tile_lonlat_to_tile(t, lon, lat, &c->x, &c->y);
        c->category = vis == VIS_FULL ? e->category : 0;
        c->index = i;
    }
    return 0;
}

int pointindex_box_points(const pointindex_snap *s, const tile_id *t, const double box[4], vis_class vis,
                          cluster_point **pts, size_t *n, size_t *cap)
{
    /* Candidates by global units (one unit wider for rounding), then the exact lon/lat decide. */
    uint32_t g[4];
    global_of(box[0], box[3], &g[0], &g[1]);
    global_of(box[2], box[1], &g[2], &g[3]);
    g[0] = g[0] ? g[0] - 1 : 0, g[1] = g[1] ? g[1] - 1 : 0, g[2]++, g[3]++;
    /* The runs of the zoom-z cells the box touches: the tile and, for its buffer, its neighbours. */
    int shift = GLOBAL_SHIFT - (int)t->z;
    uint64_t last = (1ull << t->z) - 1;
    uint64_t cx0 = g[0] >> shift, cx1 = g[2] >> shift, cy0 = g[1] >> shift, cy1 = g[3] >> shift;
    if (cx1 > last)
        cx1 = last;
    if (cy1 > last)
        cy1 = last;
    for (uint64_t cy = cy0; cy <= cy1; cy++)
        for (uint64_t cx = cx0; cx <= cx1; cx++) {
            size_t from, to;
            cell_run(s, t->z, cx, cy, &from, &to);
            if (box_run(s, from, to, g, t, box, vis, pts, n, cap) < 0)
                return -1;
        }
    return 0;
}

size_t pointindex_size(pointindex *p)
{
    pointindex_snap *s = pointindex_acquire(p);
    size_t n = s ? s->n : 0;
    pointindex_release(s);
    return n;
}

size_t pointindex_bytes(pointindex *p)
{
    pointindex_snap *s = pointindex_acquire(p);
    size_t n = s ? s->n * sizeof *s->pts + s->recs_len : 0;
    pointindex_release(s);
    return n;
}

int pointindex_extent(pointindex *p, vis_class vis, double box[4])
{
    uint32_t x0 = UINT32_MAX, y0 = UINT32_MAX, x1 = 0, y1 = 0;
    pointindex_snap *s = pointindex_acquire(p);
    for (size_t i = 0; s && i < s->n; i++) {
        const pt *e = &s->pts[i];
        if (vis < VIS_FULL && !(e->flags & FLAG_PUBLIC))
            continue;
        if (e->gx < x0) x0 = e->gx;
        if (e->gx > x1) x1 = e->gx;
        if (e->gy < y0) y0 = e->gy;
        if (e->gy > y1) y1 = e->gy;
    }
    pointindex_release(s);
    if (x0 > x1)
        return 0;
    double side = 2 * TILE_MERC_HALF_M / 268435456.0;
    tile_merc_to_lonlat(-TILE_MERC_HALF_M + (double)x0 * side, TILE_MERC_HALF_M - (double)(y1 + 1) * side, &box[0],
                        &box[1]);
    tile_merc_to_lonlat(-TILE_MERC_HALF_M + (double)(x1 + 1) * side, TILE_MERC_HALF_M - (double)y0 * side, &box[2],
                        &box[3]);
    return 1;
}
