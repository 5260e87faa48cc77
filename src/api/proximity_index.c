/*
 * proximity_index: exact nearest-neighbour and circle searches that walk a layer's SpatiaLite R*Tree
 * directly, best first, instead of enumerating every entry of a box through SQL.
 *
 * Why: a 5 km circle in a city of a register with a million sources holds tens of thousands of
 * them. Through the R*Tree virtual table each costs a row; here a node whose box lies wholly inside
 * the circle is counted from the cell counts of its subtree's nodes (two bytes each), one whose box
 * lies wholly outside is never opened, and only the nearest entries and those within a metre of
 * the edge are measured. Nearest neighbours come out of the same walk in order of a lower bound of
 * their distance (as PostGIS's <-> does), so k = 10 opens a handful of nodes wherever the point is.
 *
 * The walk reads the tree's shadow table <rtree>_node (by statement, then through incremental blob
 * I/O when it reads many nodes). Its format is
 * SQLite's (ext/rtree/rtree.c, stable since 2008): node 1 is the root and starts with the tree's
 * depth (2 bytes, big-endian), every node has its cell count (2 bytes) and cells of a 64-bit id
 * (a child node, or the row id in a leaf) and the box as big-endian float32 xmin, xmax, ymin, ymax,
 * rounded outwards. A box bounds its contents, so the bounds below are true bounds and the answers
 * exact: entries are decided by their box when it is clearly inside or outside, otherwise by the
 * row's own lon/lat and geo_distance. Only layers whose every row the caller may see without a
 * condition take this path (proximity.c decides); the caller holds a read transaction, so the
 * tree does not change under the walk.
 *
 * Distance bounds of a lon/lat box from the query point q:
 * - lower: any path to the box crosses its latitude gap at no less than 110 574 m per degree (the
 *   meridian's smallest, at the equator) and its longitude gap at no less than a·cos φ per radian,
 *   φ the highest latitude such a path reaches (the box's or q's, plus 2°: a geodesic of 2 000 km
 *   bows poleward by well under half a degree); the hypotenuse of the two is a lower bound;
 * - upper: the distance to the box's centre (estimated with its error bound, or exact) plus a path
 *   from the centre to any corner along a meridian and a parallel (at most 111 700 m per degree).
 * Good for the service area's distances (up to a few thousand km); poles and the antimeridian are
 * not handled (GEO_BOX limits).
 */
#include "api/proximity.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RT_MAX_NODE 65536
#define RT_CELL 24
#define RT_STMT_READS 32 /* node reads through a statement before a walk opens a blob handle */

typedef struct rt_item {
    double lb, ub;   /* bounds of the distance to anything in it (ub: NAN until needed) */
    float box[4];    /* xmin, xmax, ymin, ymax */
    int64_t ref;     /* node number, or row id */
    int height;      /* node: its height (0: a leaf node); -1: an entry; -2: an entry measured exactly */
    double lon, lat; /* exact entries: the row's position */
    double bearing;
} rt_item;

typedef struct rt_walk {
    sqlite3 *db;
    db_conn *conn;
    sqlite3_blob *blob;
    const char *table;   /* the layer's table, for exact positions */
    sqlite3_stmt *position; /* SELECT lon, lat FROM table WHERE id = ? (from the connection's cache) */
    char node_table[160];
    char node_sql[224];
    int reads;
    int depth;
    double qlon, qlat;
    rt_item *heap;
    size_t n, cap;
    unsigned char buf[RT_MAX_NODE]; /* the node last read (last: not cleared) */
} rt_walk;

static uint16_t be16(const unsigned char *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static int64_t be64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return (int64_t)v;
}

static double bef(const unsigned char *p)
{
    uint32_t u = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Read node `nodeno` into w->buf; its cell count, or -1 with err. The first reads go through a
 * cached statement (a nearest search reads a handful of nodes); a walk that reads many switches to
 * incremental blob I/O, which costs a statement to open and little per node afterwards. */
static int rt_node(rt_walk *w, int64_t nodeno, rm_error *err)
{
    int n = 0;
    if (!w->blob && w->reads < RT_STMT_READS) {
        sqlite3_stmt *st = db_stmt(w->conn, w->node_sql, err);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, nodeno);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            n = sqlite3_column_bytes(st, 0);
            if (n >= 4 && n <= RT_MAX_NODE)
                memcpy(w->buf, sqlite3_column_blob(st, 0), (size_t)n);
        }
        db_stmt_done(st);
        if (r != SQLITE_ROW || n < 4 || n > RT_MAX_NODE)
            return rm_error_set(err, 500, "Database error", "reading spatial index node %lld: %s", (long long)nodeno,
                                r == SQLITE_ROW ? "bad size" : sqlite3_errmsg(w->db));
    } else {
        int rc = w->blob ? sqlite3_blob_reopen(w->blob, nodeno)
                         : sqlite3_blob_open(w->db, "main", w->node_table, "data", nodeno, 0, &w->blob);
        n = rc == SQLITE_OK ? sqlite3_blob_bytes(w->blob) : 0;
        if (rc != SQLITE_OK || n < 4 || n > RT_MAX_NODE || sqlite3_blob_read(w->blob, w->buf, n, 0) != SQLITE_OK)
            return rm_error_set(err, 500, "Database error", "reading spatial index node %lld: %s", (long long)nodeno,
                                sqlite3_errmsg(w->db));
    }
    w->reads++;
    int cells = be16(w->buf + 2);
    if (4 + cells * RT_CELL > n)
        return rm_error_set(err, 500, "Database error", "spatial index node %lld is malformed", (long long)nodeno);
    return cells;
}

static int rt_open(rt_walk *w, db_conn *conn, const char *rtree, const char *table, double lon, double lat,
                   rm_error *err)
{
    memset(w, 0, offsetof(rt_walk, buf));
    w->conn = conn;
    w->db = db_sqlite(conn);
    w->table = table;
    w->qlon = lon;
    w->qlat = lat;
    snprintf(w->node_table, sizeof w->node_table, "%s_node", rtree);
    snprintf(w->node_sql, sizeof w->node_sql, "SELECT data FROM \"%s\" WHERE nodeno = ?", w->node_table);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT lon, lat FROM %s WHERE id = ?", table);
    w->position = db_stmt(conn, sql, err);
    if (!w->position)
        return -1;
    if (rt_node(w, 1, err) < 0)
        return -1;
    w->depth = be16(w->buf);
    if (w->depth > 40)
        return rm_error_set(err, 500, "Database error", "spatial index %s has an implausible depth", rtree);
    return 0;
}

static void rt_close(rt_walk *w)
{
    if (w->blob)
        sqlite3_blob_close(w->blob);
    free(w->heap);
    w->blob = NULL;
    w->heap = NULL;
}

/* ---- bounds ----------------------------------------------------------------------------------- */

double prox_box_lb(double qlon, double qlat, double x0, double x1, double y0, double y1)
{
    double dlat = qlat < y0 ? y0 - qlat : qlat > y1 ? qlat - y1 : 0;
    double dlon = qlon < x0 ? x0 - qlon : qlon > x1 ? qlon - x1 : 0;
    if (dlat == 0 && dlon == 0)
        return 0;
    double phi = fmax(fabs(qlat), fmax(fabs(y0), fabs(y1))) + 2.0;
    double kx = phi >= 89.99 ? 0 : GEO_WGS84_A * M_PI / 180.0 * cos(phi * M_PI / 180.0);
    double a = 110574.0 * dlat, b = kx * dlon;
    return sqrt(a * a + b * b) * (1 - 1e-9);
}

static double box_ub(const rt_walk *w, double x0, double x1, double y0, double y1)
{
    double cx = (x0 + x1) * 0.5, cy = (y0 + y1) * 0.5;
    double minlat = y0 > 0 ? y0 : y1 < 0 ? -y1 : 0;
    double h = 111700.0 * (y1 - y0) * 0.5 + 111700.0 * cos(minlat * M_PI / 180.0) * (x1 - x0) * 0.5;
    double d = geo_distance_estimate(w->qlon, w->qlat, cx, cy);
    if (d < GEO_ESTIMATE_MAX_M / 2 && fabs(w->qlat) < GEO_ESTIMATE_MAX_LAT - 5 && fabs(cy) < GEO_ESTIMATE_MAX_LAT - 5)
        return d + geo_estimate_error_m(d) + h;
    return geo_distance(w->qlon, w->qlat, cx, cy) * (1 + 1e-9) + h;
}

static double item_ub(const rt_walk *w, rt_item *it)
{
    if (isnan(it->ub))
        it->ub = box_ub(w, it->box[0], it->box[1], it->box[2], it->box[3]);
    return it->ub;
}

/* ---- the heap (min on lb; exact entries before others at equal lb) ------------------------------ */

static bool item_less(const rt_item *a, const rt_item *b)
{
    if (a->lb != b->lb)
        return a->lb < b->lb;
    return (a->height == -2) > (b->height == -2);
}

static void push(rt_walk *w, const rt_item *it)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 256;
        rt_item *h = realloc(w->heap, w->cap * sizeof *h);
        if (!h)
            abort();
        w->heap = h;
    }
    size_t i = w->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!item_less(it, &w->heap[p]))
            break;
        w->heap[i] = w->heap[p];
        i = p;
    }
    w->heap[i] = *it;
}

static rt_item pop(rt_walk *w)
{
    rt_item top = w->heap[0], last = w->heap[--w->n];
    size_t i = 0;
    while (1) {
        size_t c = 2 * i + 1;
        if (c >= w->n)
            break;
        if (c + 1 < w->n && item_less(&w->heap[c + 1], &w->heap[c]))
            c++;
        if (!item_less(&w->heap[c], &last))
            break;
        w->heap[i] = w->heap[c];
        i = c;
    }
    if (w->n)
        w->heap[i] = last;
    return top;
}

/* The cells of the node in w->buf (`cells` of them, at height h) whose lower bound is at most
 * max_m, as items appended to *out (realloc'ed; *n, *cap updated). */
static void cell_items(rt_walk *w, int cells, int h, double max_m, rt_item **out, size_t *n, size_t *cap)
{
    for (int i = 0; i < cells; i++) {
        const unsigned char *c = w->buf + 4 + i * RT_CELL;
        double x0 = bef(c + 8), x1 = bef(c + 12), y0 = bef(c + 16), y1 = bef(c + 20);
        rt_item it;
        memset(&it, 0, sizeof it);
        it.lb = prox_box_lb(w->qlon, w->qlat, x0, x1, y0, y1);
        if (it.lb > max_m)
            continue;
        it.ub = NAN;
        it.box[0] = (float)x0, it.box[1] = (float)x1, it.box[2] = (float)y0, it.box[3] = (float)y1;
        it.ref = be64(c);
        it.height = h == 0 ? -1 : h - 1;
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 64;
            rt_item *g = realloc(*out, *cap * sizeof *g);
            if (!g)
                abort();
            *out = g;
        }
        (*out)[(*n)++] = it;
    }
}

static void push_cells(rt_walk *w, int cells, int h, double max_m)
{
    rt_item *items = NULL;
    size_t n = 0, cap = 0;
    cell_items(w, cells, h, max_m, &items, &n, &cap);
    for (size_t i = 0; i < n; i++)
        push(w, &items[i]);
    free(items);
}

/* Measure entry it exactly from its row: it becomes an exact item. */
static int measure(rt_walk *w, rt_item *it, rm_error *err)
{
    sqlite3_stmt *st = w->position;
    sqlite3_bind_int64(st, 1, it->ref);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        it->lon = sqlite3_column_double(st, 0);
        it->lat = sqlite3_column_double(st, 1);
    }
    db_stmt_done(st);
    if (r != SQLITE_ROW)
        return r == SQLITE_DONE ? rm_error_set(err, 500, "Database error", "spatial index entry %lld of %s has no "
                                               "row", (long long)it->ref, w->table)
                                : db_error(w->conn, err, 500, "reading a position");
    double d;
    geo_inverse(w->qlon, w->qlat, it->lon, it->lat, &d, &it->bearing);
    it->lb = it->ub = d;
    it->height = -2;
    return 0;
}

typedef struct sweep {
    prox_search *s;
    int layer;
    bool add;   /* add every entry as a hit (else only count) */
    double r_m;
} sweep;

static int add_entry(sweep *sw, const rt_item *it, rm_error *err);

/* Entries under node (height h) are all within the radius: count them from the cell counts of
 * the leaves, or add them. */
static int64_t subtree(rt_walk *w, sweep *sw, int64_t nodeno, int h, rm_error *err)
{
    int cells = rt_node(w, nodeno, err);
    if (cells < 0)
        return -1;
    if (h == 0 && !sw->add)
        return cells;
    rt_item *kids = NULL;
    size_t n = 0, cap = 0;
    cell_items(w, cells, h, HUGE_VAL, &kids, &n, &cap);
    int64_t total = 0;
    for (size_t i = 0; i < n && total >= 0; i++) {
        if (h == 0)
            item_ub(w, &kids[i]);
        int64_t c = h == 0 ? (add_entry(sw, &kids[i], err) < 0 ? -1 : 1) : subtree(w, sw, kids[i].ref, h - 1, err);
        total = c < 0 ? -1 : total + c;
    }
    free(kids);
    return total;
}

/* Entries of item it within the radius (exactly): counted, or added. */
static int64_t sweep_item(rt_walk *w, sweep *sw, rt_item *it, rm_error *err)
{
    double r_m = sw->r_m;
    if (it->lb > r_m)
        return 0;
    if (it->height == -2) {
        if (it->lb > r_m)
            return 0;
        return sw->add ? (add_entry(sw, it, err) < 0 ? -1 : 1) : 1;
    }
    if (item_ub(w, it) <= r_m) {
        if (it->height >= 0)
            return subtree(w, sw, it->ref, it->height, err);
        return sw->add ? (add_entry(sw, it, err) < 0 ? -1 : 1) : 1;
    }
    if (it->height == -1) {
        if (measure(w, it, err) < 0)
            return -1;
        return sweep_item(w, sw, it, err);
    }
    int cells = rt_node(w, it->ref, err);
    if (cells < 0)
        return -1;
    rt_item *kids = NULL;
    size_t n = 0, cap = 0;
    cell_items(w, cells, it->height, r_m, &kids, &n, &cap);
    int64_t total = 0;
    for (size_t i = 0; i < n && total >= 0; i++) {
        int64_t c = sweep_item(w, sw, &kids[i], err);
        total = c < 0 ? -1 : total + c;
    }
    free(kids);
    return total;
}

/* ---- the two searches --------------------------------------------------------------------------- */

/* Add an entry as a hit of layer li: exact when measured, else with the bounds of its box. */
static int add_hit(prox_search *s, int li, const rt_item *it, rm_error *err)
{
    bool exact = it->height == -2;
    prox_dist pd = {exact ? it->lb : (it->lb + it->ub) * 0.5, it->lb, it->ub, it->bearing, exact, false};
    prox_hit *h = prox_new_hit(s, li, it->ref, &pd, err);
    if (!h)
        return -1;
    if (exact) {
        h->lon = it->lon;
        h->lat = it->lat;
        h->pos_known = true;
    }
    return 0;
}

static int add_entry(sweep *sw, const rt_item *it, rm_error *err) { return add_hit(sw->s, sw->layer, it, err); }

int prox_index_search(prox_search *s, int li, double lon, double lat, double radius_m, size_t k, bool all,
                      rm_error *err)
{
    const coll_def *c = s->layers[li].coll;
    rt_walk *w = malloc(sizeof *w);
    if (!w)
        abort();
    int rc = -1;
    if (rt_open(w, s->db, c->rtree, c->table, lon, lat, err) < 0)
        goto done;
    rt_item root;
    memset(&root, 0, sizeof root);
    root.ub = HUGE_VAL;
    root.ref = 1;
    root.height = w->depth;
    if (k == 0)
        k = 1; /* the walk needs one entry to order by; counting does the rest */
    push(w, &root);
    size_t found = 0;
    double kth = HUGE_VAL;
    /* Best first: the k nearest within the radius come out exact, in order; then whatever ties
     * with the k-th (the caller orders ties by layer and id). */
    while (w->n && (found < k || w->heap[0].lb <= kth)) {
        rt_item it = pop(w);
        if (it.lb > radius_m)
            break;
        if (it.height == -2) {
            if (add_hit(s, li, &it, err) < 0)
                goto done;
            if (++found == k)
                kth = it.lb;
        } else if (it.height == -1) {
            if (measure(w, &it, err) < 0)
                goto done;
            if (it.lb <= radius_m)
                push(w, &it);
        } else {
            int cells = rt_node(w, it.ref, err);
            if (cells < 0)
                goto done;
            push_cells(w, cells, it.height, radius_m);
        }
    }
    /* Within a radius, the rest is counted, or added with bounds (prox_top measures what it needs). */
    if (isfinite(radius_m)) {
        sweep sw = {s, li, all, radius_m};
        int64_t rest = 0;
        while (w->n) {
            rt_item it = w->heap[--w->n];
            int64_t n = sweep_item(w, &sw, &it, err);
            if (n < 0)
                goto done;
            rest += n;
        }
        if (!all)
            s->nuncollected += (size_t)rest;
    }
    rc = 0;
done:
    rt_close(w);
    free(w);
    return rc;
}
