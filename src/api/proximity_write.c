/*
 * proximity_write: the answers of the proximity resources (features with their collection's
 * properties, the summary, the receptors) and the request parameters they share; see proximity.h.
 *
 * Features are written with one statement per layer (the ids through json_each), so an answer of
 * a hundred sources costs one query, not a hundred. Features of sources and devices go to the read
 * log, and count against the caller's quota, as items do (api/readlog.h).
 */
#include "api/proximity.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/readlog.h"
#include "api/state.h"
#include "core/date.h"
#include "core/json.h"

#define PROX_SUMMARY_RECEPTORS 1000 /* receptors listed in a summary at most */

/* ---- writing ------------------------------------------------------------------------------------ */

void prox_merge_objects(const buf *a, const buf *b, buf *out)
{
    buf_append(out, a->data, a->len - 1);
    if (a->len > 2 && b->len > 2)
        buf_putc(out, ',');
    buf_append(out, b->data + 1, b->len - 1);
}

void prox_write_point_feature(json_writer *w, int64_t id, double lon, double lat, const buf *props, const buf *extra)
{
    buf merged = BUF_INIT;
    prox_merge_objects(props, extra, &merged);
    json_obj_begin(w);
    json_kv_str(w, "type", "Feature");
    json_kv_int(w, "id", id);
    json_key(w, "geometry");
    json_obj_begin(w);
    json_kv_str(w, "type", "Point");
    json_key(w, "coordinates");
    json_arr_begin(w);
    json_num(w, lon);
    json_num(w, lat);
    json_arr_end(w);
    json_obj_end(w);
    json_key(w, "properties");
    json_raw(w, merged.data, merged.len);
    json_obj_end(w);
    buf_free(&merged);
}

/* Is property p written for this search (visible, and selected when a selection was given)? */
static bool prop_selected(const prox_search *s, const coll_prop *p)
{
    if (!p->sql || p->vis > s->vis)
        return false;
    if (!s->select)
        return true;
    for (int i = 0; i < s->nselect; i++)
        if (strcmp(s->select[i], p->name) == 0)
            return true;
    return false;
}

/* The selected properties of the current row (columns from 1 on) as a JSON object. */
static void write_row_props(const prox_search *s, const coll_def *c, sqlite3_stmt *st, json_writer *w)
{
    int col = 1;
    json_obj_begin(w);
    for (const coll_prop *p = c->props; p->name; p++) {
        if (!prop_selected(s, p))
            continue;
        json_key(w, p->name);
        if (sqlite3_column_type(st, col) == SQLITE_NULL) {
            json_write_null(w);
        } else {
            switch (p->type) {
            case PROP_INT: json_int(w, sqlite3_column_int64(st, col)); break;
            case PROP_REAL: json_num(w, sqlite3_column_double(st, col)); break;
            case PROP_BOOL: json_bool(w, sqlite3_column_int(st, col) != 0); break;
            case PROP_TEXT:
                json_strn(w, (const char *)sqlite3_column_text(st, col), (size_t)sqlite3_column_bytes(st, col));
                break;
            case PROP_TEXT_LIST: {
                const char *v = (const char *)sqlite3_column_text(st, col);
                json_arr_begin(w);
                while (v && *v) {
                    const char *e = strchr(v, ',');
                    size_t n = e ? (size_t)(e - v) : strlen(v);
                    json_strn(w, v, n);
                    v = e ? e + 1 : v + n;
                }
                json_arr_end(w);
                break;
            }
            }
        }
        col++;
    }
    json_obj_end(w);
}

typedef struct row_props {
    int64_t id;
    size_t off, len; /* in the layer's buffer */
} row_props;

static int row_props_cmp(const void *a, const void *b)
{
    const row_props *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* SELECT t.id and the selected properties of c FROM c WHERE q's conditions, appended to sql. */
static void props_select(const prox_search *s, const coll_def *c, query *q, buf *sql)
{
    buf_puts(sql, "SELECT t.id");
    for (const coll_prop *p = c->props; p->name; p++)
        if (prop_selected(s, p)) {
            buf_puts(sql, ", ");
            query_append_sql(q, sql, p->sql);
        }
    buf_appendf(sql, " FROM %s WHERE %s", c->from, q->where.data);
}

/* The statement of layer_props for every property class s->vis sees (no ?properties=): the same
 * text for every request of that collection and class (q's conditions are the class's and the id
 * list's, whose values are bound), so it is written out once per process and kept; writing out
 * thirty property expressions cost more than running the statement for ten rows. NULL when the
 * table is full (the caller writes its own). */
static const char *all_props_sql(const prox_search *s, const coll_def *c, query *q)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static struct {
        const coll_def *coll;
        vis_class vis;
        char *sql; /* kept for the life of the process */
    } kept[16];
    const char *found = NULL;
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < sizeof kept / sizeof kept[0] && !found; i++) {
        if (kept[i].coll == c && kept[i].vis == s->vis) {
            found = kept[i].sql;
        } else if (!kept[i].coll) {
            buf sql = BUF_INIT;
            props_select(s, c, q, &sql);
            kept[i].coll = c;
            kept[i].vis = s->vis;
            kept[i].sql = buf_detach(&sql, NULL);
            found = kept[i].sql;
        }
    }
    pthread_mutex_unlock(&mu);
    return found;
}

/* The properties of the hits of layer li among the first n, read in one statement: *out (sorted by
 * id, free() it) pointing into text. 0 or -1 with err. */
static int layer_props(prox_search *s, int li, size_t n, buf *text, row_props **out, size_t *nout, rm_error *err)
{
    prox_layer *L = &s->layers[li];
    buf ids = BUF_INIT, sql = BUF_INIT;
    *out = NULL;
    *nout = 0;
    size_t count = 0;
    buf_putc(&ids, '[');
    for (size_t i = 0; i < n; i++)
        if (s->hits[i].layer == li) {
            buf_appendf(&ids, "%s%lld", count ? "," : "", (long long)s->hits[i].id);
            count++;
        }
    buf_putc(&ids, ']');
    int rc = 0;
    if (count == 0)
        goto done;
    query q;
    query_init(&q, L->coll, s->vis, s->today);
    query_and(&q, "t.id IN (SELECT value FROM json_each(?))");
    query_add_text(&q, ids.data);
    const char *text_sql = s->select ? NULL : all_props_sql(s, L->coll, &q);
    if (!text_sql) {
        props_select(s, L->coll, &q, &sql);
        text_sql = sql.data;
    }
    rc = -1;
    sqlite3_stmt *st = query_prepare(&q, s->db, text_sql, err);
    if (st) {
        *out = malloc(count * sizeof **out);
        if (!*out)
            abort();
        int r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW && *nout < count) {
            row_props *rp = &(*out)[(*nout)++];
            rp->id = sqlite3_column_int64(st, 0);
            rp->off = text->len;
            json_writer pw;
            json_init(&pw, text);
            write_row_props(s, L->coll, st, &pw);
            rp->len = text->len - rp->off;
        }
        if (r == SQLITE_ROW || r == SQLITE_DONE)
            rc = 0;
        else
            db_error(s->db, err, 500, "reading features");
        db_stmt_done(st);
        qsort(*out, *nout, sizeof **out, row_props_cmp);
    }
    query_cleanup(&q);
done:
    buf_free(&ids);
    buf_free(&sql);
    return rc;
}

static void write_feature(prox_search *s, const prox_hit *h, const char *props, size_t nprops, bool with_bearing,
                          bool area, json_writer *w)
{
    json_obj_begin(w);
    json_kv_str(w, "type", "Feature");
    json_kv_int(w, "id", h->id);
    json_key(w, "geometry");
    json_obj_begin(w);
    json_kv_str(w, "type", "Point");
    json_key(w, "coordinates");
    json_arr_begin(w);
    json_num(w, h->lon);
    json_num(w, h->lat);
    json_arr_end(w);
    json_obj_end(w);
    /* The row's properties (an object written beforehand) and the hit's own, in one object: the
     * row's members are copied as they are, then the writer goes on after them. */
    json_key(w, "properties");
    json_obj_begin(w);
    if (nprops > 2) {
        buf_append(w->out, props + 1, nprops - 2);
        w->need_comma[w->depth] = true;
    }
    json_kv_str(w, "layer", s->layers[h->layer].coll->id);
    json_key(w, "distance_m");
    json_numf(w, h->distance_m, 4);
    if (with_bearing) {
        json_key(w, "bearing_deg");
        json_numf(w, h->bearing_deg, 6);
    }
    if (area)
        json_kv_bool(w, "inside_area", h->inside);
    json_obj_end(w);
    json_obj_end(w);
}

int prox_read_check(prox_search *s, rm_error *err)
{
    if (!s->req)
        return 0;
    for (int i = 0; i < s->nlayers; i++)
        if (s->layers[i].coll->vis == VIS_FULL)
            return readlog_check(app_reads(app_state_of(s->req)), s->req, err);
    return 0;
}

void prox_read_record(prox_search *s, size_t n)
{
    if (!s->req)
        return;
    int64_t *ids = malloc((n ? n : 1) * sizeof *ids);
    if (!ids)
        abort();
    for (int li = 0; li < s->nlayers; li++) {
        if (s->layers[li].coll->vis != VIS_FULL)
            continue;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (s->hits[i].layer == li)
                ids[k++] = s->hits[i].id;
        if (k)
            readlog_record(app_reads(app_state_of(s->req)), s->req, s->layers[li].coll->id, ids, k);
    }
    free(ids);
}

int prox_write_features(prox_search *s, size_t n, bool with_bearing, bool area, json_writer *w, rm_error *err)
{
    buf text[PROX_MAX_LAYERS];
    row_props *rows[PROX_MAX_LAYERS] = {0};
    size_t nrows[PROX_MAX_LAYERS] = {0};
    int rc = -1;
    for (int i = 0; i < s->nlayers; i++)
        buf_init(&text[i]);
    bool none = s->select && s->nselect == 0;
    for (int i = 0; i < s->nlayers && !none; i++)
        if (layer_props(s, i, n, &text[i], &rows[i], &nrows[i], err) < 0)
            goto cleanup;
    json_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
        const prox_hit *h = &s->hits[i];
        const char *p = "{}";
        size_t len = 2;
        if (!none) {
            row_props key = {h->id, 0, 0};
            const row_props *rp = bsearch(&key, rows[h->layer], nrows[h->layer], sizeof key, row_props_cmp);
            if (!rp) {
                rm_error_set(err, 503, "Service Unavailable", "the register changed during the query; retry");
                goto cleanup;
            }
            p = text[h->layer].data + rp->off;
            len = rp->len;
        }
        write_feature(s, h, p, len, with_bearing, area, w);
    }
    json_arr_end(w);
    prox_read_record(s, n);
    rc = 0;
cleanup:
    for (int i = 0; i < s->nlayers; i++) {
        buf_free(&text[i]);
        free(rows[i]);
    }
    return rc;
}

static int hit_ptr_cmp(const void *a, const void *b)
{
    return prox_hit_cmp(*(const prox_hit *const *)a, *(const prox_hit *const *)b);
}

void prox_write_receptors(prox_search *s, bool with_bearing, json_writer *w)
{
    prox_hit **rec = NULL;
    size_t n = 0;
    for (size_t i = 0; i < s->nhits; i++) {
        prox_hit *h = &s->hits[i];
        if (!s->layers[h->layer].receptor)
            continue;
        if (!h->exact) {
            rm_error ignored = {0};
            prox_exact(s, h, &ignored); /* positions of attribute searches are known: cannot fail */
        }
        prox_hit **nr = realloc(rec, (n + 1) * sizeof *rec);
        if (!nr)
            abort();
        rec = nr;
        rec[n++] = h;
    }
    if (n > 1)
        qsort(rec, n, sizeof *rec, hit_ptr_cmp);
    json_arr_begin(w);
    for (size_t i = 0; i < n && i < PROX_SUMMARY_RECEPTORS; i++) {
        const prox_hit *h = rec[i];
        json_obj_begin(w);
        json_kv_int(w, "id", h->id);
        json_kv_str(w, "name", h->name);
        json_kv_str(w, "kind", h->kind);
        json_key(w, "capacity");
        if (h->capacity >= 0)
            json_int(w, h->capacity);
        else
            json_write_null(w);
        json_key(w, "distance_m");
        json_numf(w, h->distance_m, 4);
        if (with_bearing) {
            json_key(w, "bearing_deg");
            json_numf(w, h->bearing_deg, 6);
        }
        json_obj_end(w);
    }
    json_arr_end(w);
    free(rec);
}

void prox_write_summary(prox_search *s, json_writer *w)
{
    int64_t count[PROX_MAX_LAYERS] = {0}, by_cat[PROX_MAX_LAYERS][6] = {{0}};
    double *activity = calloc((size_t)s->nnuclides + 1, sizeof *activity);
    int64_t receptors = 0;
    int highest = 0;
    bool any_category = false;
    for (int i = 0; i < s->nlayers; i++)
        any_category |= s->layers[i].category != NULL;
    for (size_t i = 0; i < s->nhits; i++) {
        const prox_hit *h = &s->hits[i];
        count[h->layer]++;
        by_cat[h->layer][h->category >= 1 && h->category <= 5 ? h->category : 0]++;
        if (h->category >= 1 && h->category <= 5 && (highest == 0 || h->category < highest))
            highest = h->category;
        if (h->nuclide >= 0 && !isnan(h->activity_bq) && activity)
            activity[h->nuclide] += h->activity_bq;
        if (s->layers[h->layer].receptor)
            receptors++;
    }
    json_obj_begin(w);
    json_kv_int(w, "total", (int64_t)s->nhits);
    json_key(w, "layers");
    json_obj_begin(w);
    for (int i = 0; i < s->nlayers; i++) {
        json_key(w, s->layers[i].coll->id);
        json_obj_begin(w);
        json_kv_int(w, "count", count[i]);
        if (s->layers[i].category) {
            json_key(w, "by_category");
            json_obj_begin(w);
            static const char *const keys[] = {"none", "1", "2", "3", "4", "5"};
            for (int c = 1; c <= 5; c++)
                json_kv_int(w, keys[c], by_cat[i][c]);
            json_kv_int(w, "none", by_cat[i][0]);
            json_obj_end(w);
        }
        json_obj_end(w);
    }
    json_obj_end(w);
    bool any_nuclide = false;
    for (int i = 0; i < s->nlayers; i++)
        any_nuclide |= s->layers[i].nuclide && s->layers[i].activity;
    if (any_nuclide) {
        /* Nuclides in name order, so the answer does not depend on the order rows came in. */
        int order[64];
        for (int i = 0; i < s->nnuclides; i++)
            order[i] = i;
        for (int i = 1; i < s->nnuclides; i++)
            for (int j = i; j > 0 && strcmp(s->nuclides[order[j - 1]], s->nuclides[order[j]]) > 0; j--) {
                int t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
        json_key(w, "activity_bq_by_nuclide");
        json_obj_begin(w);
        for (int i = 0; i < s->nnuclides; i++)
            json_kv_num(w, s->nuclides[order[i]], activity ? activity[order[i]] : 0);
        json_obj_end(w);
    }
    if (any_category) {
        json_key(w, "highest_category");
        if (highest)
            json_int(w, highest);
        else
            json_write_null(w);
    }
    bool has_receptors = false;
    for (int i = 0; i < s->nlayers; i++)
        has_receptors |= s->layers[i].receptor;
    if (has_receptors) {
        json_key(w, "receptors");
        prox_write_receptors(s, false, w);
        if (receptors > PROX_SUMMARY_RECEPTORS)
            json_kv_bool(w, "receptors_truncated", true);
    }
    json_obj_end(w);
    free(activity);
}

/* ---- request parameters ------------------------------------------------------------------------ */

static void timestamp_now(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int prox_parse_today(http_request *req, int32_t *today, rm_error *err)
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

int prox_parse_properties(prox_search *s, http_request *req, rm_error *err)
{
    const char *v = http_query(req, "properties");
    if (!v)
        return 0;
    s->select_text = strdup(v);
    s->select = calloc(64, sizeof *s->select);
    if (!s->select_text || !s->select)
        abort();
    s->nselect = 0;
    for (char *p = s->select_text; *p;) {
        char *e = strchr(p, ',');
        if (e)
            *e = 0;
        bool known = false;
        for (int i = 0; i < s->nlayers && !known; i++) {
            const coll_prop *cp = coll_prop_find(s->layers[i].coll, p);
            known = cp && cp->sql && cp->vis <= s->vis;
        }
        if (!known) {
            buf l = BUF_INIT;
            for (int i = 0; i < s->nlayers; i++)
                for (const coll_prop *cp = s->layers[i].coll->props; cp->name; cp++)
                    if (cp->sql && cp->vis <= s->vis && !strstr(l.data ? l.data : "", cp->name))
                        buf_appendf(&l, "%s%s", l.len ? ", " : "", cp->name);
            rm_error_set(err, 400, "Invalid parameter", "properties: '%.60s' is not a property of the layers "
                         "searched; allowed: %s (a comma list; empty for none)", p, l.data ? l.data : "none");
            buf_free(&l);
            return -1;
        }
        if (s->nselect == 64)
            return rm_error_set(err, 400, "Invalid parameter", "properties: at most 64 names");
        s->select[s->nselect++] = p;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

static bool step_once(db_conn *db, const char *sql)
{
    sqlite3_stmt *st = db_stmt(db, sql, NULL);
    if (!st)
        return false;
    int r = sqlite3_step(st);
    db_stmt_done(st);
    return r == SQLITE_DONE;
}

bool prox_begin(db_conn *db) { return db && step_once(db, "BEGIN"); }

void prox_end(db_conn *db, bool began)
{
    if (began)
        step_once(db, "COMMIT");
}

int prox_parse_summary(http_request *req, bool *summary, rm_error *err)
{
    const char *v = http_query(req, "summary");
    *summary = true;
    if (!v)
        return 0;
    if (strcmp(v, "true") == 0)
        return 0;
    if (strcmp(v, "false") == 0) {
        *summary = false;
        return 0;
    }
    return rm_error_set(err, 400, "Invalid parameter", "summary must be true or false");
}

int prox_check_f(http_request *req, rm_error *err)
{
    const char *f = http_query(req, "f");
    if (f && strcmp(f, "json") != 0 && strcmp(f, "geojson") != 0)
        return rm_error_set(err, 400, "Invalid parameter", "f='%.40s' is not offered; allowed: json, geojson", f);
    return 0;
}

void prox_write_layer_names(json_writer *w, const prox_search *s)
{
    json_key(w, "layers");
    json_arr_begin(w);
    for (int i = 0; i < s->nlayers; i++)
        json_str(w, s->layers[i].coll->id);
    json_arr_end(w);
}

int prox_finish_collection(prox_search *s, int64_t limit, bool with_bearing, bool area, bool summary,
                           json_writer *w, rm_error *err)
{
    json_key(w, "features");
    size_t n = s->nhits < (size_t)limit ? s->nhits : (size_t)limit;
    if (prox_write_features(s, n, with_bearing, area, w, err) < 0)
        return -1;
    json_kv_int(w, "numberMatched", (int64_t)(s->nhits + s->nuncollected));
    json_kv_int(w, "numberReturned", (int64_t)n);
    if (summary) {
        json_key(w, "summary");
        prox_write_summary(s, w);
    }
    char ts[32];
    timestamp_now(ts);
    json_kv_str(w, "timeStamp", ts);
    json_obj_end(w);
    return 0;
}

