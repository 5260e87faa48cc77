/*
 * exports: collections as GIS files over HTTP and for `radmap export`; see exports.h.
 */
#include "api/exports.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "api/jobs_api.h"
#include "api/readlog.h"
#include "api/state.h"
#include "core/date.h"
#include "core/json.h"
#include "core/params.h"
#include "http/jobs.h"

int exports_write(db_conn *db, query *q, const exports_range *range, export_format f, const crs_info *crs,
                  const char *path, void (*on_progress)(void *arg, long done), void *arg, long *rows, rm_error *err)
{
    export_field fields[64];
    int nf = 0;
    for (const coll_prop *p = q->coll->props; p->name && nf < 64; p++)
        if (p->sql && p->vis <= q->vis)
            fields[nf++] = (export_field){p->name, p->type};
    buf sql = BUF_INIT;
    buf_puts(&sql, "SELECT ");
    query_select_list(q, &sql);
    buf_appendf(&sql, " FROM %s WHERE %s", q->coll->from, q->where.len ? q->where.data : "1");
    if (range && range->after)
        buf_appendf(&sql, " AND t.id > %lld", (long long)range->after);
    if (range && range->before)
        buf_appendf(&sql, " AND t.id < %lld", (long long)range->before);
    buf_puts(&sql, " ORDER BY t.id");
    if (range && (range->limit || range->offset))
        buf_appendf(&sql, " LIMIT %lld OFFSET %lld", (long long)(range->limit ? range->limit : -1),
                    (long long)range->offset);
    *rows = 0;
    int rc = -1;
    sqlite3_stmt *st = query_prepare(q, db, sql.data, err);
    buf_free(&sql);
    if (!st)
        return -1;
    export_writer *w = export_open(path, f, q->coll->id, fields, nf, crs, err);
    if (!w) {
        db_stmt_done(st);
        return -1;
    }
    const char *values[64];
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < nf; i++)
            values[i] = (const char *)sqlite3_column_text(st, 3 + i);
        if (export_row(w, sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1), sqlite3_column_double(st, 2),
                       values, err) < 0)
            break;
        (*rows)++;
        if (on_progress && (*rows & 1023) == 0)
            on_progress(arg, *rows);
    }
    if (s != SQLITE_DONE && s != SQLITE_ROW)
        db_error(db, err, 500, "reading the features to export");
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        export_abort(w);
        return -1;
    }
    rc = export_close(w, err);
    return rc;
}

/* An export in flight: the query (owned), where the file goes, and the outcome. */
typedef struct export_task {
    query q;
    exports_range range;
    export_format f;
    const crs_info *crs;
    char db_path[PATH_MAX];
    char dir[PATH_MAX];
    char path[PATH_MAX + 64];
    char download[128];
    long rows;
    int failed;
    rm_error err;
    bgjob *job;
} export_task;

static void task_free(void *p)
{
    export_task *t = p;
    if (!t)
        return;
    query_cleanup(&t->q);
    free(t);
}

/* Make the task's private directory and file name. */
static int task_paths(export_task *t, rm_error *err)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(t->dir, sizeof t->dir, "%s/radmap-export-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(t->dir))
        return rm_error_set(err, 500, "Export failed", "cannot create a scratch directory: %s", strerror(errno));
    snprintf(t->path, sizeof t->path, "%s/%s%s", t->dir, t->q.coll->id, export_format_ext(t->f));
    snprintf(t->download, sizeof t->download, "%s%s", t->q.coll->id, export_format_ext(t->f));
    return 0;
}

static void task_run(export_task *t, void (*on_progress)(void *, long), void *arg)
{
    db_conn *db = NULL;
    if (db_open(t->db_path, DB_READONLY, &db, &t->err) < 0 ||
        exports_write(db, &t->q, &t->range, t->f, t->crs, t->path, on_progress, arg, &t->rows, &t->err) < 0)
        t->failed = 1;
    db_close(db);
}

/* Synchronous export on the job pool: the file comes back in the answer. */
static void sync_work(http_request *req)
{
    export_task *t = req->job_data;
    task_run(t, NULL, NULL);
}

static int sync_finish(http_request *req, rm_error *err)
{
    export_task *t = req->job_data;
    int rc = -1;
    if (t->failed) {
        *err = t->err;
        goto done;
    }
    FILE *f = fopen(t->path, "rb");
    if (!f) {
        rm_error_set(err, 500, "Export failed", "the file was not written");
        goto done;
    }
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&req->out, chunk, n);
    fclose(f);
    char disp[200];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", t->download);
    http_set_header(req, "Content-Disposition", disp);
    char num[32];
    snprintf(num, sizeof num, "%ld", t->rows);
    http_set_header(req, "X-Feature-Count", num);
    if (t->crs) {
        char cc[160];
        snprintf(cc, sizeof cc, "<%s>", t->crs->uri);
        http_set_header(req, "Content-Crs", cc);
    }
    req->no_compress = t->f == EXPORT_SHP || t->f == EXPORT_XLSX || t->f == EXPORT_GPKG;
    req->no_etag = true;
    req->cache_control = "no-store";
    http_reply(req, 200, export_format_mime(t->f));
    rc = 0;
done:
    unlink(t->path);
    rmdir(t->dir);
    return rc;
}

static void job_progress(void *arg, long done)
{
    export_task *t = arg;
    bgjob_progress(t->job, done, -1);
}

static void job_run(bgjob *j, void *arg)
{
    export_task *t = arg;
    t->job = j;
    task_run(t, job_progress, t);
    buf r = BUF_INIT;
    json_writer w;
    json_init(&w, &r);
    json_obj_begin(&w);
    json_kv_str(&w, "collection", t->q.coll->id);
    json_kv_str(&w, "format", export_format_name(t->f));
    json_kv_int(&w, "features", t->rows);
    if (t->failed)
        json_kv_str(&w, "error", t->err.detail);
    json_obj_end(&w);
    bgjob_progress(j, t->rows, t->rows);
    if (t->failed) {
        unlink(t->path);
        rmdir(t->dir);
        bgjob_finish(j, false, r.data, NULL, NULL, NULL);
    } else {
        bgjob_finish(j, true, r.data, strdup(t->path), export_format_mime(t->f), t->download);
    }
    buf_free(&r);
}

int api_items_export(http_request *req, export_format f, rm_error *err)
{
    static const char *const own[] = {"limit", "offset", "after", "before", "bbox", "bbox-crs", "crs", "f", "at",
                                      NULL};
    const coll_def *c = coll_find(req->path_params[0]);
    vis_class vis = api_caller_class(req);
    if (!c || c->vis > vis)
        return rm_error_set(err, 404, "Not Found", "no collection '%.100s'; /collections lists them",
                            req->path_params[0]);
    int32_t today;
    if (features_parse_at(req, &today, err) < 0)
        return -1;
    const crs_info *crs = features_output_crs(req, err);
    if (!crs)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    bool sensitive = c->vis == VIS_FULL;
    app_state *app = app_state_of(req);
    if (sensitive && readlog_check(app_reads(app), req, err) < 0)
        return -1;
    export_task *t = calloc(1, sizeof *t);
    if (!t)
        return rm_error_set(err, 500, "Out of memory", "exporting");
    t->f = f;
    t->crs = crs->wgs84 ? NULL : crs;
    snprintf(t->db_path, sizeof t->db_path, "%s", req->config->db_path);
    query_init(&t->q, c, vis, today);
    /* Paging as the JSON answer pages (none given: every feature). */
    if (params_parse_int("limit", http_query(req, "limit"), 1, INT32_MAX, 0, false, &t->range.limit, err) < 0 ||
        params_parse_int("offset", http_query(req, "offset"), 0, INT32_MAX, 0, false, &t->range.offset, err) < 0 ||
        params_parse_int("after", http_query(req, "after"), 0, INT64_MAX / 2, 0, false, &t->range.after, err) < 0 ||
        params_parse_int("before", http_query(req, "before"), 1, INT64_MAX / 2, 0, false, &t->range.before, err) < 0)
        goto fail;
    const char *bbox_s = http_query(req, "bbox");
    if (bbox_s) {
        params_bbox bb;
        if (features_parse_bbox(req, bbox_s, &bb, err) < 0)
            goto fail;
        query_bbox(&t->q, &bb);
    } else if (http_query(req, "bbox-crs")) {
        rm_error_set(err, 400, "Invalid parameter", "bbox-crs needs a bbox");
        goto fail;
    }
    if (query_from_request(&t->q, db, req, own, err) < 0)
        goto fail;
    if (f == EXPORT_KML && t->crs) {
        rm_error_set(err, 400, "Invalid parameter", "KML is always in WGS 84 longitude, latitude: crs cannot be %s "
                     "for f=kml", crs->uri);
        goto fail;
    }
    /* How many: small exports are answered at once, large ones become a job. */
    buf sql = BUF_INIT;
    buf_appendf(&sql, "SELECT count(*) FROM (SELECT 1 FROM %s WHERE %s", c->from, t->q.where.len ? t->q.where.data : "1");
    if (t->range.after)
        buf_appendf(&sql, " AND t.id > %lld", (long long)t->range.after);
    if (t->range.before)
        buf_appendf(&sql, " AND t.id < %lld", (long long)t->range.before);
    buf_appendf(&sql, " LIMIT %lld OFFSET %lld)",
                (long long)(t->range.limit && t->range.limit <= EXPORTS_SYNC_MAX ? t->range.limit : EXPORTS_SYNC_MAX + 1),
                (long long)t->range.offset);
    sqlite3_stmt *st = query_prepare(&t->q, db, sql.data, err);
    buf_free(&sql);
    if (!st)
        goto fail;
    long n = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
    db_stmt_done(st);
    if (task_paths(t, err) < 0)
        goto fail;
    if (sensitive)
        readlog_record(app_reads(app), req, c->id, NULL, n > 0 ? (size_t)n : 1);
    if (n > EXPORTS_SYNC_MAX) {
        char id[40];
        bgjob *j = bgjob_create(req, "export", id);
        if (!j) {
            rmdir(t->dir);
            http_set_header(req, "Retry-After", "60");
            rm_error_set(err, 503, "Service Unavailable", "too many jobs are kept; try again later");
            goto fail;
        }
        if (bgjob_start(j, job_run, t, task_free, err) < 0)
            return -1;
        bgjob_reply_accepted(req, id);
        return 0;
    }
    req->job_data = t;
    req->job_data_free = task_free;
    if (http_defer(req, sync_work, sync_finish, err) < 0) {
        rmdir(t->dir);
        return -1; /* t is freed with the request */
    }
    return HTTP_DEFERRED;
fail:
    task_free(t);
    return -1;
}
