/*
 * query: feature-query building; see query.h.
 */
#include "api/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fold.h"
#include "core/json.h"

void query_init(query *q, const coll_def *coll, vis_class vis, int32_t today)
{
    memset(q, 0, sizeof *q);
    q->coll = coll;
    q->vis = vis;
    q->today = today;
    if (vis < VIS_FULL && coll->public_rows)
        query_and(q, coll->public_rows);
}

void query_cleanup(query *q)
{
    for (int i = 0; i < q->nbinds; i++)
        free(q->binds[i].s);
    buf_free(&q->where);
}

/* Parameter numbers: ?1 is today; bind k (0-based) is ?(k+2). The SQL of a statement is built in
 * one pass, so the running counter below is the number of '?' rewritten so far in that pass. */
void query_append_sql(query *q, buf *out, const char *sql)
{
    (void)q;
    for (const char *p = sql; *p; p++) {
        if (strncmp(p, ":today", 6) == 0) {
            buf_puts(out, "?1");
            p += 5;
        } else {
            buf_putc(out, *p);
        }
    }
}

static query_bind *next_bind(query *q)
{
    if (q->nbinds >= QUERY_MAX_BINDS)
        abort(); /* programmer error: more conditions than any route builds */
    query_bind *b = &q->binds[q->nbinds++];
    memset(b, 0, sizeof *b);
    return b;
}

void query_add_int(query *q, int64_t v)
{
    query_bind *b = next_bind(q);
    b->type = QB_INT;
    b->i = v;
}

void query_add_real(query *q, double v)
{
    query_bind *b = next_bind(q);
    b->type = QB_REAL;
    b->d = v;
}

void query_add_text(query *q, const char *s)
{
    query_bind *b = next_bind(q);
    b->type = QB_TEXT;
    b->s = strdup(s);
}

/* Condition text: '?' are numbered from the binds already added, so a condition must be added
 * before its values (query_and, then query_add_*). */
void query_and(query *q, const char *sql)
{
    q->nconds++;
    if (q->where.len)
        buf_puts(&q->where, " AND ");
    buf_putc(&q->where, '(');
    int k = q->nbinds;
    for (const char *p = sql; *p; p++) {
        if (*p == '?')
            buf_appendf(&q->where, "?%d", 2 + k++);
        else if (strncmp(p, ":today", 6) == 0) {
            buf_puts(&q->where, "?1");
            p += 5;
        } else
            buf_putc(&q->where, *p);
    }
    buf_putc(&q->where, ')');
}

void query_bbox(query *q, const params_bbox *b)
{
    char sql[512];
    q->has_bbox = true;
    q->bbox = *b;
    q->has_conditions = true;
    /* The R*Tree keeps float32 boxes rounded outwards: it finds candidates, lon/lat decide. */
    if (!b->crosses_antimeridian) {
        snprintf(sql, sizeof sql, "t.id IN (SELECT pkid FROM %s WHERE xmin <= ? AND xmax >= ? AND "
                 "ymin <= ? AND ymax >= ?) AND t.lon BETWEEN ? AND ? AND t.lat BETWEEN ? AND ?", q->coll->rtree);
        query_and(q, sql);
        query_add_real(q, b->max_lon);
        query_add_real(q, b->min_lon);
        query_add_real(q, b->max_lat);
        query_add_real(q, b->min_lat);
        query_add_real(q, b->min_lon);
        query_add_real(q, b->max_lon);
        query_add_real(q, b->min_lat);
        query_add_real(q, b->max_lat);
    } else {
        snprintf(sql, sizeof sql, "t.id IN (SELECT pkid FROM %s WHERE (xmax >= ? OR xmin <= ?) AND "
                 "ymin <= ? AND ymax >= ?) AND (t.lon >= ? OR t.lon <= ?) AND t.lat BETWEEN ? AND ?",
                 q->coll->rtree);
        query_and(q, sql);
        query_add_real(q, b->min_lon);
        query_add_real(q, b->max_lon);
        query_add_real(q, b->max_lat);
        query_add_real(q, b->min_lat);
        query_add_real(q, b->min_lon);
        query_add_real(q, b->max_lon);
        query_add_real(q, b->min_lat);
        query_add_real(q, b->max_lat);
    }
}

typedef struct param_scan {
    query *q;
    db_conn *db;
    const char *const *other;
    rm_error *err;
    int failed;
    const char *seen[64];
    int nseen;
} param_scan;

static bool in_list(const char *const *list, const char *s)
{
    if (list)
        for (; *list; list++)
            if (strcmp(*list, s) == 0)
                return true;
    return false;
}

static void list_filters(const query *q, buf *b)
{
    bool cat = false;
    for (const coll_prop *p = q->coll->props; p->name; p++) {
        if (p->filter == FILTER_NONE || p->vis > q->vis)
            continue;
        if (p->filter == FILTER_CATEGORY) {
            cat = true;
            continue;
        }
        buf_appendf(b, "%s%s", b->len ? ", " : "", p->name);
    }
    if (cat)
        buf_appendf(b, ", category");
}

/* Check value against the allowed values of p; 0, or -1 with err listing them. */
static int check_value(param_scan *s, const coll_prop *p, const char *name, const char *value)
{
    if (p->values) {
        if (in_list(p->values, value))
            return 0;
        buf l = BUF_INIT;
        for (const char *const *v = p->values; *v; v++)
            buf_appendf(&l, "%s%s", v == p->values ? "" : ", ", *v);
        rm_error_set(s->err, 400, "Invalid parameter", "%s='%.80s' is not a known value; allowed: %s", name,
                     value, l.data);
        buf_free(&l);
        return -1;
    }
    if (!p->values_sql)
        return 0;
    sqlite3_stmt *st = db_stmt(s->db, p->values_sql, s->err);
    if (!st)
        return -1;
    buf l = BUF_INIT;
    int found = 0, n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        if (!v)
            continue;
        if (strcmp(v, value) == 0)
            found = 1;
        if (n++ < 80)
            buf_appendf(&l, "%s%s", l.len ? ", " : "", v);
    }
    db_stmt_done(st);
    if (!found)
        rm_error_set(s->err, 400, "Invalid parameter", "%s='%.80s' is not a known value; allowed: %s", name,
                     value, l.data ? l.data : "none");
    buf_free(&l);
    return found ? 0 : -1;
}

static enum MHD_Result scan_param(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    param_scan *s = cls;
    query *q = s->q;
    for (int i = 0; i < s->nseen; i++)
        if (strcmp(s->seen[i], key) == 0) {
            rm_error_set(s->err, 400, "Repeated parameter", "query parameter '%.100s' is given more than once", key);
            s->failed = 1;
            return MHD_NO;
        }
    if (s->nseen < 64)
        s->seen[s->nseen++] = key;
    if (value && params_check_text(key, value, s->err) < 0) {
        s->failed = 1;
        return MHD_NO;
    }
    if (in_list(s->other, key))
        return MHD_YES;
    if (strcmp(key, "q") == 0) {
        buf folded = BUF_INIT, pat = BUF_INIT;
        fold_append(&folded, value ? value : "");
        if (folded.len == 0) {
            buf_free(&folded);
            return MHD_YES; /* an empty search matches everything */
        }
        if (!q->coll->search_sql) {
            rm_error_set(s->err, 400, "Invalid parameter", "q= text search is not available on %s", q->coll->id);
            s->failed = 1;
            buf_free(&folded);
            return MHD_NO;
        }
        buf_putc(&pat, '%');
        for (size_t i = 0; i < folded.len; i++) {
            char c = folded.data[i];
            if (c == '%' || c == '_' || c == '\\')
                buf_putc(&pat, '\\');
            buf_putc(&pat, c);
        }
        buf_putc(&pat, '%');
        char sql[256];
        snprintf(sql, sizeof sql, "%s LIKE ? ESCAPE '\\'", q->coll->search_sql);
        query_and(q, sql);
        query_add_text(q, pat.data);
        q->has_conditions = true;
        buf_free(&folded);
        buf_free(&pat);
        return MHD_YES;
    }
    const coll_prop *p = NULL;
    if (strcmp(key, "category") == 0) {
        for (const coll_prop *c = q->coll->props; c->name; c++)
            if (c->filter == FILTER_CATEGORY && c->vis <= q->vis)
                p = c;
    } else {
        p = coll_prop_find(q->coll, key);
        if (p && (p->filter == FILTER_NONE || p->filter == FILTER_CATEGORY || p->vis > q->vis))
            p = NULL;
    }
    if (!p) {
        buf l = BUF_INIT;
        list_filters(q, &l);
        for (const char *const *o = s->other; o && *o; o++)
            buf_appendf(&l, "%s%s", l.len ? ", " : "", *o);
        buf_appendf(&l, ", q");
        rm_error_set(s->err, 400, "Unknown parameter", "unknown query parameter '%.100s' for %s; allowed: %s",
                     key, q->coll->id, l.data);
        buf_free(&l);
        s->failed = 1;
        return MHD_NO;
    }
    if (!value || !*value) {
        rm_error_set(s->err, 400, "Invalid parameter", "%s needs a value", key);
        s->failed = 1;
        return MHD_NO;
    }
    const char *cond = p->filter_sql;
    char tmp[2048];
    if (!cond) {
        snprintf(tmp, sizeof tmp, "%s = ?", p->sql);
        cond = tmp;
    }
    if (p->filter == FILTER_TEXT) {
        if (check_value(s, p, key, value) < 0) {
            s->failed = 1;
            return MHD_NO;
        }
        query_and(q, cond);
        query_add_text(q, value);
    } else {
        int64_t v;
        int64_t max = p->filter == FILTER_CATEGORY ? 5 : INT64_MAX / 2;
        if (params_parse_int(key, value, 1, max, 0, false, &v, s->err) < 0) {
            s->failed = 1;
            return MHD_NO;
        }
        query_and(q, cond);
        query_add_int(q, v);
    }
    q->has_conditions = true;
    return MHD_YES;
}

int query_from_request(query *q, db_conn *db, http_request *req, const char *const *other, rm_error *err)
{
    param_scan s = {.q = q, .db = db, .other = other, .err = err};
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, scan_param, &s);
    return s.failed ? -1 : 0;
}

sqlite3_stmt *query_prepare(query *q, db_conn *db, const char *sql, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, sql, err);
    if (!st)
        return NULL;
    if (sqlite3_bind_parameter_count(st) >= 1)
        sqlite3_bind_int64(st, 1, q->today);
    for (int i = 0; i < q->nbinds; i++) {
        const query_bind *b = &q->binds[i];
        int idx = i + 2;
        if (b->type == QB_INT)
            sqlite3_bind_int64(st, idx, b->i);
        else if (b->type == QB_REAL)
            sqlite3_bind_double(st, idx, b->d);
        else
            sqlite3_bind_text(st, idx, b->s, -1, SQLITE_STATIC);
    }
    return st;
}

void query_select_list(query *q, buf *out)
{
    buf_puts(out, "t.id, t.lon, t.lat");
    for (const coll_prop *p = q->coll->props; p->name; p++) {
        if (!p->sql || p->vis > q->vis)
            continue;
        buf_puts(out, ", ");
        query_append_sql(q, out, p->sql);
    }
}

void query_write_properties(query *q, sqlite3_stmt *st, json_writer *w)
{
    int col = 3;
    json_obj_begin(w);
    for (const coll_prop *p = q->coll->props; p->name; p++) {
        if (!p->sql || p->vis > q->vis)
            continue;
        json_key(w, p->name);
        int t = sqlite3_column_type(st, col);
        if (t == SQLITE_NULL) {
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
                const char *s = (const char *)sqlite3_column_text(st, col);
                json_arr_begin(w);
                while (s && *s) {
                    const char *e = strchr(s, ',');
                    size_t n = e ? (size_t)(e - s) : strlen(s);
                    json_strn(w, s, n);
                    s = e ? e + 1 : s + n;
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
