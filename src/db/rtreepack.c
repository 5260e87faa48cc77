/*
 * rtreepack: Sort-Tile-Recursive packing of an empty R*Tree; see rtreepack.h.
 */
#include "db/rtreepack.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LEVELS 16

typedef struct cell {
    int64_t id;
    float box[4]; /* xmin, xmax, ymin, ymax, rounded outwards to float as the R*Tree stores them */
} cell;

/* SQLite's R*Tree stores 32-bit floats rounded outwards (rtreeValueDown/Up). */
static float float_down(double d)
{
    float f = (float)d;
    if (f > d)
        f = (float)(d * (d < 0 ? 1.0 + 1.0 / 8388608.0 : 1.0 - 1.0 / 8388608.0));
    return f;
}

static float float_up(double d)
{
    float f = (float)d;
    if (f < d)
        f = (float)(d * (d < 0 ? 1.0 - 1.0 / 8388608.0 : 1.0 + 1.0 / 8388608.0));
    return f;
}

static int cmp_x(const void *pa, const void *pb)
{
    const cell *a = pa, *b = pb;
    float ax = a->box[0] + a->box[1], bx = b->box[0] + b->box[1];
    if (ax != bx)
        return ax < bx ? -1 : 1;
    float ay = a->box[2] + a->box[3], by = b->box[2] + b->box[3];
    if (ay != by)
        return ay < by ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

static int cmp_y(const void *pa, const void *pb)
{
    const cell *a = pa, *b = pb;
    float ay = a->box[2] + a->box[3], by = b->box[2] + b->box[3];
    if (ay != by)
        return ay < by ? -1 : 1;
    return cmp_x(pa, pb);
}

static int cmp_pair(const void *pa, const void *pb)
{
    const int64_t *a = pa, *b = pb;
    return a[0] < b[0] ? -1 : a[0] > b[0];
}

/* Order cells so that each run of m is a node of compact extent; the number of nodes. */
static size_t str_pack(cell *cells, size_t n, size_t m)
{
    size_t nodes = (n + m - 1) / m;
    size_t per_slice = (size_t)ceil(sqrt((double)nodes)) * m;
    qsort(cells, n, sizeof *cells, cmp_x);
    for (size_t i = 0; i < n; i += per_slice)
        qsort(cells + i, n - i < per_slice ? n - i : per_slice, sizeof *cells, cmp_y);
    return nodes;
}

static void put_be(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

int rtreepack_possible(db_conn *c, const char *rtree)
{
    int defensive = 0;
    sqlite3_db_config(db_sqlite(c), SQLITE_DBCONFIG_DEFENSIVE, -1, &defensive);
    if (defensive)
        return 0;
    char *sql = sqlite3_mprintf("SELECT (SELECT count(*) FROM \"%w_rowid\") = 0 AND "
                                "(SELECT count(*) FROM \"%w_node\") = 1", rtree, rtree);
    sqlite3_stmt *st = NULL;
    int ok = 0;
    if (sql && sqlite3_prepare_v2(db_sqlite(c), sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        ok = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return ok;
}

static int exec_fmt(db_conn *c, const char *fmt, const char *name, rm_error *err)
{
    char *sql = sqlite3_mprintf(fmt, name);
    int rc = sql ? db_exec(c, sql, err) : rm_error_set(err, 500, "Out of memory", "packing the index");
    sqlite3_free(sql);
    return rc;
}

static sqlite3_stmt *prepare_fmt(db_conn *c, const char *fmt, const char *name, rm_error *err)
{
    sqlite3_stmt *st = NULL;
    char *sql = sqlite3_mprintf(fmt, name);
    if (!sql || sqlite3_prepare_v2(db_sqlite(c), sql, -1, &st, NULL) != SQLITE_OK) {
        db_error(c, err, 500, "packing the index");
        st = NULL;
    }
    sqlite3_free(sql);
    return st;
}

static int step(db_conn *c, sqlite3_stmt *st, rm_error *err)
{
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    return r == SQLITE_DONE ? 0 : db_error(c, err, 500, "packing the index");
}

int rtreepack_points(db_conn *c, const char *rtree, rtree_point *pts, size_t n, rm_error *err)
{
    cell *level[MAX_LEVELS] = {NULL};
    size_t count[MAX_LEVELS] = {0}, nodes[MAX_LEVELS] = {0};
    int64_t base[MAX_LEVELS] = {0};
    int64_t *pairs = NULL;
    unsigned char *blob = NULL;
    sqlite3_stmt *st = NULL;
    int rc = -1, depth = 0;
    if (n == 0)
        return 0;
    st = prepare_fmt(c, "SELECT length(data) FROM \"%w_node\" WHERE nodeno = 1", rtree, err);
    if (!st)
        goto done;
    if (sqlite3_step(st) != SQLITE_ROW) {
        rm_error_set(err, 500, "Index error", "%s has no root node", rtree);
        goto done;
    }
    int node_size = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    size_t m = node_size > 4 ? (size_t)(node_size - 4) / 24 : 0;
    if (m < 3) {
        rm_error_set(err, 500, "Index error", "unexpected R*Tree node size in %s", rtree);
        goto done;
    }
    level[0] = malloc(n * sizeof(cell));
    if (!level[0])
        abort();
    for (size_t i = 0; i < n; i++) {
        level[0][i].id = pts[i].id;
        level[0][i].box[0] = float_down(pts[i].x);
        level[0][i].box[1] = float_up(pts[i].x);
        level[0][i].box[2] = float_down(pts[i].y);
        level[0][i].box[3] = float_up(pts[i].y);
    }
    count[0] = n;
    for (depth = 0;; depth++) {
        nodes[depth] = str_pack(level[depth], count[depth], m);
        if (nodes[depth] == 1)
            break;
        if (depth + 1 == MAX_LEVELS) {
            rm_error_set(err, 500, "Index error", "too many points for one index");
            goto done;
        }
        level[depth + 1] = malloc(nodes[depth] * sizeof(cell));
        if (!level[depth + 1])
            abort();
        count[depth + 1] = nodes[depth];
        for (size_t k = 0; k < nodes[depth]; k++) {
            cell *up = &level[depth + 1][k];
            const cell *c0 = &level[depth][k * m];
            size_t nc = count[depth] - k * m < m ? count[depth] - k * m : m;
            up->id = (int64_t)k;
            memcpy(up->box, c0->box, sizeof up->box);
            for (size_t i = 1; i < nc; i++) {
                up->box[0] = c0[i].box[0] < up->box[0] ? c0[i].box[0] : up->box[0];
                up->box[1] = c0[i].box[1] > up->box[1] ? c0[i].box[1] : up->box[1];
                up->box[2] = c0[i].box[2] < up->box[2] ? c0[i].box[2] : up->box[2];
                up->box[3] = c0[i].box[3] > up->box[3] ? c0[i].box[3] : up->box[3];
            }
        }
    }
    /* Node numbers: the root (level depth) is 1, then each level below in order. */
    base[depth] = 1;
    for (int d = depth - 1; d >= 0; d--)
        base[d] = base[d + 1] + (int64_t)nodes[d + 1];
    if (exec_fmt(c, "DELETE FROM \"%w_node\"", rtree, err) < 0 || exec_fmt(c, "DELETE FROM \"%w_parent\"", rtree, err) < 0 ||
        exec_fmt(c, "DELETE FROM \"%w_rowid\"", rtree, err) < 0)
        goto done;
    blob = malloc((size_t)node_size);
    if (!blob)
        abort();
    st = prepare_fmt(c, "INSERT INTO \"%w_node\"(nodeno, data) VALUES (?1, ?2)", rtree, err);
    if (!st)
        goto done;
    for (int d = depth; d >= 0; d--)
        for (size_t k = 0; k < nodes[d]; k++) {
            size_t nc = count[d] - k * m < m ? count[d] - k * m : m;
            memset(blob, 0, (size_t)node_size);
            put_be(blob, d == depth ? (uint64_t)depth : 0, 2); /* the root holds the depth */
            put_be(blob + 2, nc, 2);
            for (size_t i = 0; i < nc; i++) {
                const cell *e = &level[d][k * m + i];
                unsigned char *p = blob + 4 + 24 * i;
                put_be(p, (uint64_t)(d == 0 ? e->id : base[d - 1] + e->id), 8);
                for (int j = 0; j < 4; j++) {
                    uint32_t bits;
                    memcpy(&bits, &e->box[j], 4);
                    put_be(p + 8 + 4 * j, bits, 4);
                }
            }
            sqlite3_bind_int64(st, 1, base[d] + (int64_t)k);
            sqlite3_bind_blob(st, 2, blob, node_size, SQLITE_STATIC);
            if (step(c, st, err) < 0)
                goto done;
        }
    sqlite3_finalize(st);
    st = prepare_fmt(c, "INSERT INTO \"%w_parent\"(nodeno, parentnode) VALUES (?1, ?2)", rtree, err);
    if (!st)
        goto done;
    for (int d = depth; d >= 1; d--)
        for (size_t k = 0; k < nodes[d]; k++) {
            size_t nc = count[d] - k * m < m ? count[d] - k * m : m;
            for (size_t i = 0; i < nc; i++) {
                sqlite3_bind_int64(st, 1, base[d - 1] + level[d][k * m + i].id);
                sqlite3_bind_int64(st, 2, base[d] + (int64_t)k);
                if (step(c, st, err) < 0)
                    goto done;
            }
        }
    sqlite3_finalize(st);
    st = NULL;
    pairs = malloc(n * 2 * sizeof *pairs);
    if (!pairs)
        abort();
    for (size_t i = 0; i < n; i++) {
        pairs[2 * i] = level[0][i].id;
        pairs[2 * i + 1] = base[0] + (int64_t)(i / m);
    }
    qsort(pairs, n, 2 * sizeof *pairs, cmp_pair);
    st = prepare_fmt(c, "INSERT INTO \"%w_rowid\"(rowid, nodeno) VALUES (?1, ?2)", rtree, err);
    if (!st)
        goto done;
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, pairs[2 * i]);
        sqlite3_bind_int64(st, 2, pairs[2 * i + 1]);
        if (step(c, st, err) < 0)
            goto done;
    }
    rc = 0;
done:
    sqlite3_finalize(st);
    for (int d = 0; d < MAX_LEVELS; d++)
        free(level[d]);
    free(pairs);
    free(blob);
    return rc;
}
