/*
 * proximity_cache: per-row attributes that proximity summaries count (IAEA category, nuclide,
 * current activity), kept in memory for the collections that have them (sources, facilities), so
 * that a summary over the tens of thousands of sources of a city circle does not read each row.
 *
 * A snapshot holds, for every row id, what the staff class (VIS_FULL) sees, computed through the
 * collection descriptor's own SQL expressions for one day (values decay). It is valid for that day
 * and one state of the register, recognised by the newest audit row, the newest tile_change row and
 * the layer's row count (every write through radmap, the server or `radmap import`, appends to the
 * first two). A request that finds it stale builds a new one (a full read of the table: about a
 * second per million sources) while the old one stays usable by requests already holding it;
 * snapshots are reference counted. Callers use it only for layers the class sees without any
 * condition, where every row of the table is in the answer's domain.
 */
#include "api/proximity.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_COLLECTIONS 2

typedef struct attr_row {
    int64_t id;
    double activity_bq; /* NAN when unknown or not a source */
    int8_t category;    /* 0: none */
    int8_t nuclide;     /* index into names, -1: none */
} attr_row;

struct prox_attrs {
    const coll_def *coll;
    int32_t today;
    int64_t audit_id, change_id, count; /* the register state it was built from */
    attr_row *rows;    /* sorted by id */
    size_t n;
    attr_row **by_id;  /* direct index when ids are dense (NULL otherwise) */
    int64_t max_id;
    char *names[128];
    int nnames;
    int refs;
};

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;   /* the slots and reference counts */
static pthread_mutex_t build_mu = PTHREAD_MUTEX_INITIALIZER;   /* one build at a time */
static prox_attrs *slots[CACHE_COLLECTIONS];

static int slot_of(const coll_def *c)
{
    if (strcmp(c->id, "sources") == 0)
        return 0;
    if (strcmp(c->id, "facilities") == 0)
        return 1;
    return -1;
}

static void attrs_free(prox_attrs *a)
{
    if (!a)
        return;
    for (int i = 0; i < a->nnames; i++)
        free(a->names[i]);
    free(a->rows);
    free(a->by_id);
    free(a);
}

void prox_attrs_release(prox_attrs *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&cache_mu);
    bool last = --a->refs == 0;
    pthread_mutex_unlock(&cache_mu);
    if (last)
        attrs_free(a);
}

/* The register state: newest audit and change rows, and the layer's count. */
static int register_state(db_conn *db, const coll_def *c, int64_t v[3], rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT (SELECT coalesce(max(id), 0) FROM audit), (SELECT coalesce(max(id), 0) "
                                   "FROM tile_change), (SELECT feature_count FROM layer_stat WHERE layer = ?)", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    for (int i = 0; i < 3; i++)
        v[i] = r == SQLITE_ROW ? sqlite3_column_int64(st, i) : -1;
    db_stmt_done(st);
    return r == SQLITE_ROW ? 0 : db_error(db, err, 500, "reading the register state");
}

static int row_cmp(const void *a, const void *b)
{
    const attr_row *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static prox_attrs *build(db_conn *db, const coll_def *c, int32_t today, const int64_t state[3], rm_error *err)
{
    const coll_prop *cat = coll_prop_find(c, strcmp(c->id, "sources") == 0 ? "iaea_category" : "max_category");
    const coll_prop *nuc = strcmp(c->id, "sources") == 0 ? coll_prop_find(c, "nuclide") : NULL;
    const coll_prop *act = strcmp(c->id, "sources") == 0 ? coll_prop_find(c, "activity_bq_now") : NULL;
    prox_attrs *a = calloc(1, sizeof *a);
    if (!a)
        abort();
    a->coll = c;
    a->today = today;
    a->audit_id = state[0];
    a->change_id = state[1];
    a->count = state[2];
    query q;
    query_init(&q, c, VIS_FULL, today);
    buf sql = BUF_INIT;
    buf_puts(&sql, "SELECT t.id, ");
    query_append_sql(&q, &sql, cat ? cat->sql : "NULL");
    buf_puts(&sql, ", ");
    query_append_sql(&q, &sql, nuc ? nuc->sql : "NULL");
    buf_puts(&sql, ", ");
    query_append_sql(&q, &sql, act ? act->sql : "NULL");
    buf_appendf(&sql, " FROM %s", c->from);
    size_t cap = state[2] > 0 ? (size_t)state[2] + 16 : 1024;
    a->rows = malloc(cap * sizeof *a->rows);
    if (!a->rows)
        abort();
    sqlite3_stmt *st = query_prepare(&q, db, sql.data, err);
    int r = SQLITE_ERROR;
    bool sorted = true;
    if (st) {
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            if (a->n == cap) {
                cap *= 2;
                attr_row *g = realloc(a->rows, cap * sizeof *g);
                if (!g)
                    abort();
                a->rows = g;
            }
            attr_row *row = &a->rows[a->n++];
            row->id = sqlite3_column_int64(st, 0);
            row->category = (int8_t)(sqlite3_column_type(st, 1) == SQLITE_NULL ? 0 : sqlite3_column_int(st, 1));
            row->nuclide = -1;
            row->activity_bq = sqlite3_column_type(st, 3) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 3);
            const char *name = (const char *)sqlite3_column_text(st, 2);
            if (name) {
                int k = 0;
                while (k < a->nnames && strcmp(a->names[k], name) != 0)
                    k++;
                if (k == a->nnames && k < (int)(sizeof a->names / sizeof a->names[0]))
                    a->names[a->nnames++] = strdup(name);
                row->nuclide = k < a->nnames ? (int8_t)k : -1;
            }
            if (a->n > 1 && row[-1].id > row->id)
                sorted = false;
            if (row->id > a->max_id)
                a->max_id = row->id;
        }
        db_stmt_done(st);
    }
    query_cleanup(&q);
    buf_free(&sql);
    if (r != SQLITE_DONE) {
        if (st)
            db_error(db, err, 500, "reading the attributes of a layer");
        attrs_free(a);
        return NULL;
    }
    if (!sorted)
        qsort(a->rows, a->n, sizeof *a->rows, row_cmp);
    /* Ids handed out in order are dense: index them directly. */
    if (a->max_id >= 0 && (size_t)a->max_id <= 2 * a->n + 1024) {
        a->by_id = calloc((size_t)a->max_id + 1, sizeof *a->by_id);
        if (!a->by_id)
            abort();
        for (size_t i = 0; i < a->n; i++)
            if (a->rows[i].id >= 0)
                a->by_id[a->rows[i].id] = &a->rows[i];
    }
    return a;
}

static bool fresh(const prox_attrs *a, int32_t today, const int64_t state[3])
{
    return a && a->today == today && a->audit_id == state[0] && a->change_id == state[1] && a->count == state[2];
}

prox_attrs *prox_attrs_get(db_conn *db, const coll_def *c, int32_t today, rm_error *err)
{
    int slot = slot_of(c);
    if (slot < 0)
        return NULL;
    int64_t state[3];
    if (register_state(db, c, state, err) < 0)
        return NULL;
    prox_attrs *a = NULL;
    pthread_mutex_lock(&cache_mu);
    if (fresh(slots[slot], today, state)) {
        a = slots[slot];
        a->refs++;
    }
    pthread_mutex_unlock(&cache_mu);
    if (a)
        return a;
    pthread_mutex_lock(&build_mu);
    pthread_mutex_lock(&cache_mu); /* another request may have built it meanwhile */
    if (fresh(slots[slot], today, state)) {
        a = slots[slot];
        a->refs++;
    }
    pthread_mutex_unlock(&cache_mu);
    if (!a) {
        a = build(db, c, today, state, err);
        if (a) {
            a->refs = 2; /* the slot's and the caller's */
            pthread_mutex_lock(&cache_mu);
            prox_attrs *old = slots[slot];
            slots[slot] = a;
            bool free_old = old && --old->refs == 0;
            pthread_mutex_unlock(&cache_mu);
            if (free_old)
                attrs_free(old);
        }
    }
    pthread_mutex_unlock(&build_mu);
    return a;
}

bool prox_attrs_find(const prox_attrs *a, int64_t id, int *category, const char **nuclide, double *activity_bq)
{
    const attr_row *row = NULL;
    if (a->by_id) {
        if (id >= 0 && id <= a->max_id)
            row = a->by_id[id];
    } else {
        size_t lo = 0, hi = a->n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (a->rows[mid].id < id)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < a->n && a->rows[lo].id == id)
            row = &a->rows[lo];
    }
    if (!row)
        return false;
    *category = row->category;
    *nuclide = row->nuclide >= 0 ? a->names[row->nuclide] : NULL;
    *activity_bq = row->activity_bq;
    return true;
}
