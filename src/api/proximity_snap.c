/*
 * proximity_snap: the k nearest rows of a point layer answered from memory, from the layer's point
 * snapshot (api/pointindex.h), instead of walking its R*Tree and reading its rows through SQLite.
 *
 * Why: GET /nearest through the R*Tree (proximity_index.c) reads half a dozen index nodes and a
 * dozen row positions through SQLite, three fifths of the request's cost with a million sources.
 * The tile server's snapshot of the layer already holds the exact lon/lat of every row, kept
 * current with the register from the tile_change log; a search tree over it answers in a few
 * microseconds plus the geodesic measurements themselves.
 *
 * The tree: a k-d tree built once per snapshot and kept with it (pointindex_snap_set_aux, freed
 * with the snapshot). The points' exact lon/lat are copied into one array, ordered so that every
 * node (numbered as a binary heap, root 1) holds a contiguous range of it: a node's range is split
 * in two halves (left: the first half, rounded down) at the median of its longitude or latitude,
 * whichever spans more metres, down to leaves of at most KNN_LEAF points; each node keeps the
 * lon/lat box of its points. A million points take about a tenth of a second.
 *
 * The search is the R*Tree walk's, best first on a lower bound of the distance: node boxes by
 * prox_box_lb (proximity_index.c), points by the fast estimate minus its error bound (geo/geod.h);
 * a point popped with an estimate is measured exactly (geo_inverse) and pushed back, and exact
 * points come out in order: the k nearest, then whatever ties the k-th. The answers are those of
 * the walk, hence of a brute-force computation.
 *
 * When: the caller (proximity.c) uses this only for layers the class sees without any condition
 * (every row of the snapshot is in the answer's domain, as for the R*Tree walk) and only after
 * bringing the snapshot up to date with the change log (app_follow_changes). A snapshot without
 * its tree gets one from the request that finds it, unless another request is building one or the
 * last build ended too recently: a register being edited publishes a new snapshot per change, and
 * rebuilding for each would cost more than it saves, so builds take at most about a tenth of one
 * core's time. Until the tree is there the caller walks the R*Tree, which gives the same answer.
 */
#include "api/proximity.h"

#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/pointindex.h"

#define KNN_LEAF 8
#define KNN_HEAP_INLINE 256   /* heap items kept on the stack; k = 10 needs about 60 */
#define KNN_BUILD_SHARE 10    /* a build may start once 10 times its last duration has passed */

typedef struct knn_point {
    double lon, lat;
    uint32_t index;            /* in the snapshot */
} knn_point;

typedef struct knn_box {
    double x0, x1, y0, y1;     /* min lon, max lon, min lat, max lat */
} knn_box;

typedef struct knn_tree {
    size_t n;
    int levels;                /* depth of the leaves (the root is at depth 0) */
    knn_point *pts;            /* in tree order */
    knn_box *box;              /* by node number, from 1 */
} knn_tree;

/* ---- building ---------------------------------------------------------------------------------- */

static double key_of(const knn_point *p, int axis) { return axis ? p->lat : p->lon; }

/* Reorder a[0..n) so that a[m] holds the value of rank m on the axis, smaller-or-equal ones before
 * it and greater-or-equal ones after (quickselect, median of three, as kth_smallest in proximity.c). */
static void select_rank(knn_point *a, size_t n, size_t m, int axis)
{
    ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, mm = (ptrdiff_t)m;
    while (lo < hi) {
        double x = key_of(&a[lo], axis), y = key_of(&a[lo + (hi - lo) / 2], axis), z = key_of(&a[hi], axis);
        double pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        ptrdiff_t i = lo, j = hi;
        while (i <= j) {
            while (key_of(&a[i], axis) < pivot)
                i++;
            while (key_of(&a[j], axis) > pivot)
                j--;
            if (i <= j) {
                knn_point t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        }
        if (mm <= j)
            hi = j;
        else if (mm >= i)
            lo = i;
        else
            return;
    }
}

static void build_node(knn_tree *t, size_t node, size_t lo, size_t hi, int depth)
{
    knn_box b = {HUGE_VAL, -HUGE_VAL, HUGE_VAL, -HUGE_VAL};
    for (size_t i = lo; i < hi; i++) {
        const knn_point *p = &t->pts[i];
        b.x0 = fmin(b.x0, p->lon);
        b.x1 = fmax(b.x1, p->lon);
        b.y0 = fmin(b.y0, p->lat);
        b.y1 = fmax(b.y1, p->lat);
    }
    t->box[node] = b;
    if (depth == t->levels || hi - lo < 2)
        return;
    /* Split across the wider side in metres (a degree of longitude shrinks with the latitude). */
    double mid_lat = (b.y0 + b.y1) * 0.5;
    int axis = (b.y1 - b.y0) > (b.x1 - b.x0) * cos(mid_lat * M_PI / 180.0);
    size_t mid = lo + (hi - lo) / 2;
    select_rank(t->pts + lo, hi - lo, mid - lo, axis);
    build_node(t, 2 * node, lo, mid, depth + 1);
    build_node(t, 2 * node + 1, mid, hi, depth + 1);
}

static void tree_destroy(void *arg)
{
    knn_tree *t = arg;
    if (!t)
        return;
    free(t->pts);
    free(t->box);
    free(t);
}

/* The tree of snapshot snap; NULL when memory is short (the caller walks the R*Tree). */
static knn_tree *tree_build(const pointindex_snap *snap)
{
    knn_tree *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->n = pointindex_snap_count(snap);
    while (((t->n + ((size_t)1 << t->levels) - 1) >> t->levels) > KNN_LEAF)
        t->levels++;
    t->pts = malloc((t->n ? t->n : 1) * sizeof *t->pts);
    t->box = malloc(((size_t)2 << t->levels) * sizeof *t->box);
    if (!t->pts || !t->box) {
        tree_destroy(t);
        return NULL;
    }
    for (size_t i = 0; i < t->n; i++) {
        pointindex_point_lonlat(snap, i, &t->pts[i].lon, &t->pts[i].lat);
        t->pts[i].index = (uint32_t)i;
    }
    if (t->n)
        build_node(t, 1, 0, t->n, 0);
    return t;
}

/* ---- when to build ------------------------------------------------------------------------------ */

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Per layer: whether a build runs, and when the next may start. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static struct gate {
    const coll_def *coll;
    bool busy;
    int64_t next_us;
} gates[8];

static struct gate *gate_of(const coll_def *c)
{
    for (size_t i = 0; i < sizeof gates / sizeof gates[0]; i++) {
        if (gates[i].coll == c)
            return &gates[i];
        if (!gates[i].coll) {
            gates[i].coll = c;
            return &gates[i];
        }
    }
    return NULL;
}

/* The tree of snap, built here when allowed (see the top of the file); NULL when there is none. */
static const knn_tree *tree_of(const coll_def *c, pointindex_snap *snap)
{
    knn_tree *t = pointindex_snap_aux(snap);
    if (t)
        return t;
    pthread_mutex_lock(&gate_mu);
    struct gate *g = gate_of(c);
    int64_t now = mono_us();
    bool go = g && !g->busy && now >= g->next_us;
    if (go)
        g->busy = true;
    pthread_mutex_unlock(&gate_mu);
    if (!go)
        return NULL;
    t = tree_build(snap);
    int64_t end = mono_us();
    pthread_mutex_lock(&gate_mu);
    g->busy = false;
    g->next_us = end + (KNN_BUILD_SHARE - 1) * (end - now);
    pthread_mutex_unlock(&gate_mu);
    if (t && !pointindex_snap_set_aux(snap, t, tree_destroy)) {
        tree_destroy(t); /* another request's tree came first */
        t = pointindex_snap_aux(snap);
    }
    return t;
}

/* ---- the search --------------------------------------------------------------------------------- */

enum { ITEM_NODE, ITEM_ESTIMATE, ITEM_EXACT };

typedef struct knn_item {
    double lb;                 /* lower bound of the distance (exact items: the distance) */
    double bearing;            /* exact items */
    uint32_t ref;              /* node number, or point position in the tree */
    uint32_t lo, hi;           /* nodes: their range of points */
    int depth;                 /* nodes */
    int kind;
} knn_item;

typedef struct knn_heap {
    knn_item *a;
    size_t n, cap;
    knn_item inline_items[KNN_HEAP_INLINE];
} knn_heap;

/* Min on lb; at equal lb exact items first (as the R*Tree walk orders them). */
static bool less(const knn_item *x, const knn_item *y)
{
    if (x->lb != y->lb)
        return x->lb < y->lb;
    return (x->kind == ITEM_EXACT) > (y->kind == ITEM_EXACT);
}

static void heap_push(knn_heap *h, const knn_item *it)
{
    if (h->n == h->cap) {
        size_t nc = h->cap * 2;
        knn_item *g = h->a == h->inline_items ? malloc(nc * sizeof *g) : realloc(h->a, nc * sizeof *g);
        if (!g)
            abort();
        if (h->a == h->inline_items)
            memcpy(g, h->inline_items, h->n * sizeof *g);
        h->a = g;
        h->cap = nc;
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!less(it, &h->a[p]))
            break;
        h->a[i] = h->a[p];
        i = p;
    }
    h->a[i] = *it;
}

static knn_item heap_pop(knn_heap *h)
{
    knn_item top = h->a[0], last = h->a[--h->n];
    size_t i = 0;
    while (1) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && less(&h->a[c + 1], &h->a[c]))
            c++;
        if (!less(&h->a[c], &last))
            break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (h->n)
        h->a[i] = last;
    return top;
}

/* The item of point i of the tree: an estimate with its error bound where the estimate is valid,
 * else measured at once. */
static void point_item(const knn_tree *t, uint32_t i, double lon, double lat, knn_item *it)
{
    const knn_point *p = &t->pts[i];
    memset(it, 0, sizeof *it);
    it->ref = i;
    double d = geo_distance_estimate(lon, lat, p->lon, p->lat);
    if (d < GEO_ESTIMATE_MAX_M / 2 && fabs(lat) < GEO_ESTIMATE_MAX_LAT - 5 && fabs(p->lat) < GEO_ESTIMATE_MAX_LAT - 5) {
        it->lb = fmax(0.0, d - geo_estimate_error_m(d));
        it->kind = ITEM_ESTIMATE;
    } else {
        geo_inverse(lon, lat, p->lon, p->lat, &it->lb, &it->bearing);
        it->kind = ITEM_EXACT;
    }
}

static void node_item(const knn_tree *t, uint32_t node, uint32_t lo, uint32_t hi, int depth, double lon, double lat,
                      knn_item *it)
{
    const knn_box *b = &t->box[node];
    memset(it, 0, sizeof *it);
    it->lb = prox_box_lb(lon, lat, b->x0, b->x1, b->y0, b->y1);
    it->ref = node;
    it->lo = lo;
    it->hi = hi;
    it->depth = depth;
    it->kind = ITEM_NODE;
}

int prox_snap_nearest(prox_search *s, int li, struct pointindex *p, double lon, double lat, size_t k, rm_error *err)
{
    pointindex_snap *snap = pointindex_acquire(p);
    if (!snap)
        return 0;
    const knn_tree *t = tree_of(s->layers[li].coll, snap);
    if (!t) {
        pointindex_release(snap);
        return 0;
    }
    int rc = 1;
    knn_heap heap, *h = &heap;
    h->a = h->inline_items;
    h->n = 0;
    h->cap = KNN_HEAP_INLINE;
    if (k == 0)
        k = 1;
    if (t->n) {
        knn_item root;
        node_item(t, 1, 0, (uint32_t)t->n, 0, lon, lat, &root);
        heap_push(h, &root);
    }
    size_t found = 0;
    double kth = HUGE_VAL;
    while (h->n && (found < k || h->a[0].lb <= kth)) {
        knn_item it = heap_pop(h);
        if (it.kind == ITEM_EXACT) {
            const knn_point *q = &t->pts[it.ref];
            prox_dist pd = {it.lb, it.lb, it.lb, it.bearing, true, false};
            prox_hit *hit = prox_new_hit(s, li, pointindex_point_id(snap, q->index), &pd, err);
            if (!hit) {
                rc = -1;
                break;
            }
            hit->lon = q->lon;
            hit->lat = q->lat;
            hit->pos_known = true;
            if (++found == k)
                kth = it.lb;
        } else if (it.kind == ITEM_ESTIMATE) {
            const knn_point *q = &t->pts[it.ref];
            geo_inverse(lon, lat, q->lon, q->lat, &it.lb, &it.bearing);
            it.kind = ITEM_EXACT;
            heap_push(h, &it);
        } else if (it.depth == t->levels || it.hi - it.lo < 2) {
            for (uint32_t i = it.lo; i < it.hi; i++) {
                knn_item pi;
                point_item(t, i, lon, lat, &pi);
                heap_push(h, &pi);
            }
        } else {
            uint32_t mid = it.lo + (it.hi - it.lo) / 2;
            knn_item c;
            node_item(t, 2 * it.ref, it.lo, mid, it.depth + 1, lon, lat, &c);
            heap_push(h, &c);
            node_item(t, 2 * it.ref + 1, mid, it.hi, it.depth + 1, lon, lat, &c);
            heap_push(h, &c);
        }
    }
    if (h->a != h->inline_items)
        free(h->a);
    pointindex_release(snap);
    return rc;
}
