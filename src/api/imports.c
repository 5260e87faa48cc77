/*
 * imports: GIS files into the register over HTTP, and the migration views.
 *
 *   POST /imports      multipart/form-data: file (the GIS file; a zipped shapefile or KMZ too),
 *                      layer, and optionally crs, map (repeatable field=column), mapping (a mapping
 *                      file), set (repeatable field=value), upsert_by, legacy_system, record_owner,
 *                      source_layer, all_layers, dry_run, skip_invalid. The import runs as a job
 *                      (api/jobs_api.h): 202 Accepted, then /jobs/{id} with the progress and the
 *                      report (row, field, reason of every refused row).
 *   GET /imports       the imports recorded (gis_import), newest first.
 *   GET /duplicates    candidate duplicates across the former registers (db/merge.h).
 *
 * The upload is written to a private scratch directory and read by the sandboxed parse worker
 * (io/sandbox.h) like any file given to `radmap import`; the job takes the one writer connection
 * for the import's transaction (DESIGN §2), and the tile cache learns of the new rows from the
 * change log like any write.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "api/crs_api.h"
#include "api/jobs_api.h"
#include "api/state.h"
#include "core/json.h"
#include "db/merge.h"
#include "db/users.h"
#include "io/import.h"
#include "io/multipart.h"

#define IMPORT_REPORT_ISSUES 2000 /* issues listed in the job's JSON report */

typedef struct import_task {
    app_state *app;
    char dir[PATH_MAX];
    char file[PATH_MAX + 300];
    char mapping[PATH_MAX + 32];
    char label[256];
    char user[65];
    char layer[32], crs[64], upsert_by[32], legacy_system[64], record_owner[16], source_layer[128];
    char *maps[IMPORT_MAX_MAPS], *defaults[IMPORT_MAX_MAPS];
    int nmaps, ndefaults;
    int dry_run, skip_invalid, all_layers, has_mapping;
    bgjob *job;
} import_task;

static void task_free(void *p)
{
    import_task *t = p;
    if (!t)
        return;
    for (int i = 0; i < t->nmaps; i++)
        free(t->maps[i]);
    for (int i = 0; i < t->ndefaults; i++)
        free(t->defaults[i]);
    if (t->file[0])
        unlink(t->file);
    if (t->has_mapping)
        unlink(t->mapping);
    if (t->dir[0])
        rmdir(t->dir);
    free(t);
}

static void on_progress(void *arg, long done, long total)
{
    import_task *t = arg;
    bgjob_progress(t->job, done, total);
}

static void run_import(bgjob *j, void *arg)
{
    import_task *t = arg;
    t->job = j;
    import_options o = {0};
    o.layer = t->layer;
    o.crs = t->crs[0] ? t->crs : NULL;
    for (int i = 0; i < t->nmaps; i++)
        o.maps[o.nmaps++] = t->maps[i];
    for (int i = 0; i < t->ndefaults; i++)
        o.defaults[o.ndefaults++] = t->defaults[i];
    o.mapping_file = t->has_mapping ? t->mapping : NULL;
    o.file_label = t->label;
    o.user = t->user;
    o.upsert_by = t->upsert_by[0] ? t->upsert_by : NULL;
    o.legacy_system = t->legacy_system[0] ? t->legacy_system : NULL;
    o.record_owner = t->record_owner[0] ? t->record_owner : NULL;
    o.source_layer = t->source_layer[0] ? t->source_layer : NULL;
    o.all_layers = t->all_layers;
    o.dry_run = t->dry_run;
    o.skip_invalid = t->skip_invalid;
    o.progress = PROGRESS_OFF;
    o.on_progress = on_progress;
    o.progress_arg = t;
    import_report rep;
    memset(&rep, 0, sizeof rep);
    rm_error err = {0};
    int rc = -1;
    db_conn *db = app_writer_lock(t->app, &err);
    if (db) {
        rc = import_file(db, t->file, &o, &rep, &err);
        app_writer_unlock(t->app);
    }
    buf r = BUF_INIT;
    json_writer w;
    json_init(&w, &r);
    json_obj_begin(&w);
    json_kv_str(&w, "file", t->label);
    json_kv_str(&w, "layer", t->layer);
    if (rc < 0) {
        json_kv_int(&w, "status", err.status ? err.status : 500);
        json_kv_str(&w, "error", err.detail);
    } else {
        json_kv_str(&w, "import_id", rep.import_id);
        json_kv_bool(&w, "dry_run", t->dry_run != 0);
        json_kv_bool(&w, "committed", rep.committed != 0);
        json_kv_int(&w, "rows_read", rep.rows_read);
        json_kv_int(&w, "created", rep.rows_created);
        json_kv_int(&w, "updated", rep.rows_updated);
        json_kv_int(&w, "invalid", rep.rows_invalid);
        json_kv_int(&w, "organizations_created", rep.organizations_created);
        json_kv_int(&w, "wards_from_crosswalk", rep.wards_from_crosswalk);
        json_kv_str(&w, "crs", rep.crs);
        json_key(&w, "notes");
        json_arr_begin(&w);
        for (const char *p = rep.notes.data; p && *p;) {
            const char *e = strchr(p, '\n');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            json_strn(&w, p, n);
            p = e ? e + 1 : p + n;
        }
        json_arr_end(&w);
        json_kv_str(&w, "mapping", rep.mapping.data ? rep.mapping.data : "");
        json_key(&w, "issues");
        json_arr_begin(&w);
        for (size_t i = 0; i < rep.nissues && i < IMPORT_REPORT_ISSUES; i++) {
            json_obj_begin(&w);
            json_kv_int(&w, "row", rep.issues[i].row);
            json_kv_str(&w, "field", rep.issues[i].field);
            json_kv_str(&w, "reason", rep.issues[i].reason);
            json_obj_end(&w);
        }
        json_arr_end(&w);
        if (rep.nissues > IMPORT_REPORT_ISSUES || rep.issues_dropped)
            json_kv_int(&w, "issues_not_listed",
                        (long)(rep.nissues > IMPORT_REPORT_ISSUES ? rep.nissues - IMPORT_REPORT_ISSUES : 0) +
                            rep.issues_dropped);
    }
    json_obj_end(&w);
    /* The full report of refused rows as CSV, downloadable at /jobs/{id}/result. */
    char *csv = NULL;
    if (rc == 0 && rep.nissues) {
        char path[PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/report.csv", t->dir);
        FILE *f = fopen(path, "w");
        if (f) {
            import_report_csv(&rep, f);
            fclose(f);
            csv = strdup(path);
            t->dir[0] = 0; /* the directory now belongs to the job's result */
        }
    }
    bgjob_progress(j, rep.rows_read, rep.rows_read);
    bgjob_finish(j, rc == 0, r.data, csv, "text/csv; charset=utf-8", "import-report.csv");
    buf_free(&r);
    import_report_free(&rep);
}

/* A part's text (bounded, NUL-terminated) into out. */
static void part_text(const multipart_part *p, char *out, size_t n)
{
    size_t k = p->len < n - 1 ? p->len : n - 1;
    memcpy(out, p->data, k);
    out[k] = 0;
    /* A trailing CR or LF from a hand-made form. */
    while (k && (out[k - 1] == '\r' || out[k - 1] == '\n'))
        out[--k] = 0;
}

static bool truthy(const char *s)
{
    return strcmp(s, "1") == 0 || strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0 || strcasecmp(s, "on") == 0;
}

/* A safe local name for an uploaded file: its last path part, letters, digits, . _ - only. */
static void safe_name(const char *in, char *out, size_t n)
{
    const char *b = in;
    for (const char *p = in; *p; p++)
        if (*p == '/' || *p == '\\')
            b = p + 1;
    size_t k = 0;
    for (; *b && k + 1 < n; b++) {
        unsigned char ch = (unsigned char)*b;
        out[k++] = (isalnum(ch) || ch == '.' || ch == '_' || ch == '-') ? (char)ch : '_';
    }
    out[k] = 0;
    if (!k || out[0] == '.')
        snprintf(out, n, "upload%s", k ? out : "");
}

int api_imports_create(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    /* The import job transforms with this process's CRS settings: bring them up to date first. */
    if (http_query_check(req, allowed, err) < 0 || api_crs_sync(req, err) < 0)
        return -1;
    multipart_part *parts = calloc(MULTIPART_MAX_PARTS, sizeof *parts);
    import_task *t = calloc(1, sizeof *t);
    if (!parts || !t) {
        free(parts);
        free(t);
        return rm_error_set(err, 500, "Out of memory", "reading the upload");
    }
    int n = 0, rc = -1;
    char why[300];
    if (multipart_parse(http_header(req, "Content-Type"), (const unsigned char *)req->body.data, req->body.len, parts,
                        MULTIPART_MAX_PARTS, &n, why, sizeof why) < 0) {
        rm_error_set(err, 400, "Bad upload", "%s; send the file as multipart/form-data with a part named file and "
                     "one named layer", why);
        goto done;
    }
    static const char *const known[] = {"file", "layer", "crs", "map", "mapping", "set", "upsert_by", "legacy_system",
                                        "record_owner", "source_layer", "all_layers", "dry_run", "skip_invalid", NULL};
    for (int i = 0; i < n; i++) {
        bool ok = false;
        for (const char *const *k = known; *k; k++)
            ok |= strcmp(parts[i].name, *k) == 0;
        if (!ok) {
            rm_error_set(err, 400, "Bad upload", "unknown form field '%.60s'; fields: file, layer, crs, map, mapping, "
                         "set, upsert_by, legacy_system, record_owner, source_layer, all_layers, dry_run, skip_invalid",
                         parts[i].name);
            goto done;
        }
    }
    const multipart_part *file = multipart_find(parts, n, "file"), *layer = multipart_find(parts, n, "layer");
    if (!file || !file->filename[0] || !file->len) {
        rm_error_set(err, 400, "Bad upload", "the form has no file (a part named file, with a file name and content)");
        goto done;
    }
    if (!layer) {
        rm_error_set(err, 400, "Bad upload", "the form has no layer; layers: %s", import_layers());
        goto done;
    }
    part_text(layer, t->layer, sizeof t->layer);
    const struct { const char *name; char *out; size_t n; } texts[] = {
        {"crs", t->crs, sizeof t->crs},
        {"upsert_by", t->upsert_by, sizeof t->upsert_by},
        {"legacy_system", t->legacy_system, sizeof t->legacy_system},
        {"record_owner", t->record_owner, sizeof t->record_owner},
        {"source_layer", t->source_layer, sizeof t->source_layer},
    };
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        const multipart_part *p = multipart_find(parts, n, texts[k].name);
        if (p)
            part_text(p, texts[k].out, texts[k].n);
    }
    if (strcmp(t->record_owner, "varans") == 0 && req->role != ROLE_ADMIN) {
        rm_error_set(err, 403, "Forbidden", "only an administrator imports the national regulator's records");
        goto done;
    }
    char flag[16];
    const char *const flags[] = {"dry_run", "skip_invalid", "all_layers"};
    int *fv[] = {&t->dry_run, &t->skip_invalid, &t->all_layers};
    for (int k = 0; k < 3; k++) {
        const multipart_part *p = multipart_find(parts, n, flags[k]);
        if (p) {
            part_text(p, flag, sizeof flag);
            *fv[k] = truthy(flag);
        }
    }
    for (int i = 0; i < n; i++) {
        bool is_map = strcmp(parts[i].name, "map") == 0, is_set = strcmp(parts[i].name, "set") == 0;
        if (!is_map && !is_set)
            continue;
        char v[512];
        part_text(&parts[i], v, sizeof v);
        if (!strchr(v, '=')) {
            rm_error_set(err, 400, "Bad upload", "%s must be field=%s, not '%.60s'", parts[i].name,
                         is_map ? "column" : "value", v);
            goto done;
        }
        if (is_map && t->nmaps < IMPORT_MAX_MAPS)
            t->maps[t->nmaps++] = strdup(v);
        if (is_set && t->ndefaults < IMPORT_MAX_MAPS)
            t->defaults[t->ndefaults++] = strdup(v);
    }
    /* The upload, into a private directory. */
    const char *tmp = getenv("TMPDIR");
    snprintf(t->dir, sizeof t->dir, "%s/radmap-upload-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(t->dir)) {
        t->dir[0] = 0;
        rm_error_set(err, 500, "Cannot import", "cannot create a scratch directory: %s", strerror(errno));
        goto done;
    }
    char name[200];
    safe_name(file->filename, name, sizeof name);
    snprintf(t->file, sizeof t->file, "%s/%s", t->dir, name);
    snprintf(t->label, sizeof t->label, "%s", file->filename);
    FILE *f = fopen(t->file, "wbx");
    if (!f || fwrite(file->data, 1, file->len, f) != file->len) {
        if (f)
            fclose(f);
        rm_error_set(err, 500, "Cannot import", "cannot store the upload: %s", strerror(errno));
        goto done;
    }
    fclose(f);
    const multipart_part *mp = multipart_find(parts, n, "mapping");
    if (mp) {
        snprintf(t->mapping, sizeof t->mapping, "%s/mapping.txt", t->dir);
        FILE *m = fopen(t->mapping, "wbx");
        if (!m || fwrite(mp->data, 1, mp->len, m) != mp->len) {
            if (m)
                fclose(m);
            rm_error_set(err, 500, "Cannot import", "cannot store the mapping");
            goto done;
        }
        fclose(m);
        t->has_mapping = 1;
    }
    snprintf(t->user, sizeof t->user, "%s", req->user_name);
    t->app = app_state_of(req);
    char id[40];
    bgjob *j = bgjob_create(req, "import", id);
    if (!j) {
        http_set_header(req, "Retry-After", "60");
        rm_error_set(err, 503, "Service Unavailable", "too many jobs are kept; try again later");
        goto done;
    }
    /* The body is no longer needed: the file is on disk. */
    buf_free(&req->body);
    import_task *owned = t;
    t = NULL;
    if (bgjob_start(j, run_import, owned, task_free, err) < 0)
        goto done;
    bgjob_reply_accepted(req, id);
    rc = 0;
done:
    free(parts);
    task_free(t);
    return rc;
}

int api_imports_list(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"limit", NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    sqlite3_stmt *st = db_stmt(db, "SELECT id, layer, file_name, user_name, started_at, crs, rows_read, created, "
                                    "updated, invalid FROM gis_import ORDER BY started_at DESC, id DESC LIMIT 500", err);
    if (!st)
        return -1;
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_key(&w, "imports");
    json_arr_begin(&w);
    static const char *const names[] = {"id", "layer", "file", "user", "at", "crs", "rows_read", "created", "updated",
                                        "invalid"};
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_obj_begin(&w);
        for (int i = 0; i < 10; i++) {
            json_key(&w, names[i]);
            if (i >= 6)
                json_int(&w, sqlite3_column_int64(st, i));
            else
                json_str(&w, (const char *)sqlite3_column_text(st, i));
        }
        json_obj_end(&w);
    }
    db_stmt_done(st);
    json_arr_end(&w);
    json_obj_end(&w);
    req->cache_control = "no-store";
    http_reply(req, 200, "application/json");
    return 0;
}

typedef struct dup_ctx {
    json_writer *w;
    long n;
} dup_ctx;

static void write_side(json_writer *w, const char *key, const dup_pair *p, const dup_side *s)
{
    json_key(w, key);
    json_obj_begin(w);
    json_kv_int(w, "id", s->id);
    if (strcmp(p->collection, "facilities") == 0) {
        json_kv_str(w, "code", s->code);
        json_kv_str(w, "name", s->name);
    } else {
        json_kv_str(w, "serial_no", s->code);
        json_kv_str(w, strcmp(p->collection, "sources") == 0 ? "nuclide" : "type", s->name);
        json_kv_int(w, "facility_id", s->facility_id);
    }
    json_kv_str(w, "legacy_system", s->legacy_system[0] ? s->legacy_system : NULL);
    json_kv_str(w, "legacy_id", s->legacy_id[0] ? s->legacy_id : NULL);
    json_obj_end(w);
}

static int dup_write(void *arg, const dup_pair *p)
{
    dup_ctx *c = arg;
    json_obj_begin(c->w);
    json_kv_str(c->w, "collection", p->collection);
    json_kv_str(c->w, "rule", p->rule);
    json_kv_str(c->w, "key", p->key);
    json_key(c->w, "distance_m");
    json_numf(c->w, p->distance_m, 1);
    write_side(c->w, "a", p, &p->a);
    write_side(c->w, "b", p, &p->b);
    json_obj_end(c->w);
    return ++c->n >= 100000 ? -1 : 0;
}

int api_duplicates(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_key(&w, "duplicates");
    json_arr_begin(&w);
    dup_ctx c = {&w, 0};
    if (merge_find_duplicates(db, dup_write, &c, err) < 0) {
        buf_reset(&req->out);
        return -1;
    }
    json_arr_end(&w);
    json_kv_int(&w, "count", c.n);
    json_kv_str(&w, "merge", "radmap merge DB KEEP DROP [--layer facilities|sources|devices] merges a pair");
    json_obj_end(&w);
    req->cache_control = "no-store";
    http_reply(req, 200, "application/json");
    return 0;
}
