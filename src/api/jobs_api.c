/*
 * jobs_api: background jobs and /jobs/{id}; see jobs_api.h.
 */
#include "api/jobs_api.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "api/auth.h"
#include "core/json.h"

#define JOBS_API_MAX 256

enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED };
static const char *const state_names[] = {"queued", "running", "done", "failed"};

struct bgjob {
    char id[40];
    char kind[16];
    int64_t owner_id;
    char owner[65];
    int owner_role;
    int state;
    long done, total;
    time_t created, started, finished;
    char *result_json;
    char *file;
    char mime[96];
    char download[128];
    void (*fn)(bgjob *j, void *arg);
    void *arg;
    void (*free_arg)(void *);
    pthread_t thread;
    bool has_thread;
    struct bgjob *next;
};

/* The registry: every field of every job is read and written under this lock. */
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reg_cv = PTHREAD_COND_INITIALIZER;
static bgjob *reg_head;
static int reg_count, reg_running;
static bool reg_stopping;

static void iso_time(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void job_free(bgjob *j)
{
    if (j->has_thread)
        pthread_join(j->thread, NULL);
    if (j->file) {
        unlink(j->file);
        char *slash = strrchr(j->file, '/');
        if (slash) {
            *slash = 0;
            rmdir(j->file); /* the job's private directory, when it made one */
        }
    }
    free(j->file);
    free(j->result_json);
    free(j);
}

/* Drop jobs that ended long ago (called with the lock held). */
static void purge_locked(void)
{
    time_t now = time(NULL);
    for (bgjob **p = &reg_head; *p;) {
        bgjob *j = *p;
        if ((j->state == JOB_DONE || j->state == JOB_FAILED) && now - j->finished > JOBS_API_KEEP_S) {
            *p = j->next;
            reg_count--;
            job_free(j);
        } else {
            p = &j->next;
        }
    }
}

bgjob *bgjob_create(http_request *req, const char *kind, char id_out[40])
{
    bgjob *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    unsigned char r[8];
    char hex[17];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(hex, sizeof hex, r, sizeof r);
    snprintf(j->id, sizeof j->id, "job-%s", hex);
    snprintf(j->kind, sizeof j->kind, "%s", kind);
    j->owner_id = req->user_id;
    snprintf(j->owner, sizeof j->owner, "%s", req->user_name);
    j->owner_role = req->role;
    j->total = -1;
    j->created = time(NULL);
    pthread_mutex_lock(&reg_mu);
    purge_locked();
    if (reg_count >= JOBS_API_MAX || reg_stopping) {
        pthread_mutex_unlock(&reg_mu);
        free(j);
        return NULL;
    }
    j->next = reg_head;
    reg_head = j;
    reg_count++;
    pthread_mutex_unlock(&reg_mu);
    snprintf(id_out, 40, "%s", j->id);
    return j;
}

static void *job_thread(void *arg)
{
    bgjob *j = arg;
    pthread_mutex_lock(&reg_mu);
    while (reg_running >= JOBS_API_RUNNING && !reg_stopping)
        pthread_cond_wait(&reg_cv, &reg_mu);
    if (reg_stopping && j->state == JOB_QUEUED) {
        j->state = JOB_FAILED;
        j->finished = time(NULL);
        j->result_json = strdup("{\"error\":\"the server stopped before the job ran\"}");
        pthread_mutex_unlock(&reg_mu);
        if (j->free_arg)
            j->free_arg(j->arg);
        return NULL;
    }
    reg_running++;
    j->state = JOB_RUNNING;
    j->started = time(NULL);
    pthread_mutex_unlock(&reg_mu);
    j->fn(j, j->arg);
    if (j->free_arg)
        j->free_arg(j->arg);
    pthread_mutex_lock(&reg_mu);
    if (j->state == JOB_RUNNING) { /* the job forgot to say: a failure */
        j->state = JOB_FAILED;
        j->finished = time(NULL);
    }
    reg_running--;
    pthread_cond_broadcast(&reg_cv);
    pthread_mutex_unlock(&reg_mu);
    return NULL;
}

int bgjob_start(bgjob *j, void (*fn)(bgjob *j, void *arg), void *arg, void (*free_arg)(void *), rm_error *err)
{
    j->fn = fn;
    j->arg = arg;
    j->free_arg = free_arg;
    pthread_mutex_lock(&reg_mu);
    int r = pthread_create(&j->thread, NULL, job_thread, j);
    j->has_thread = r == 0;
    if (r != 0) {
        j->state = JOB_FAILED;
        j->finished = time(NULL);
    }
    pthread_mutex_unlock(&reg_mu);
    if (r != 0) {
        if (free_arg)
            free_arg(arg);
        return rm_error_set(err, 503, "Service Unavailable", "cannot start a job thread: %s", strerror(r));
    }
    return 0;
}

void bgjob_progress(bgjob *j, long done, long total)
{
    pthread_mutex_lock(&reg_mu);
    j->done = done;
    j->total = total;
    pthread_mutex_unlock(&reg_mu);
}

void bgjob_finish(bgjob *j, bool ok, const char *result_json, char *file, const char *mime, const char *download_name)
{
    pthread_mutex_lock(&reg_mu);
    j->state = ok ? JOB_DONE : JOB_FAILED;
    j->finished = time(NULL);
    free(j->result_json);
    j->result_json = result_json ? strdup(result_json) : NULL;
    j->file = file;
    snprintf(j->mime, sizeof j->mime, "%s", mime ? mime : "application/octet-stream");
    snprintf(j->download, sizeof j->download, "%s", download_name ? download_name : "result");
    pthread_mutex_unlock(&reg_mu);
}

void jobs_api_shutdown(void)
{
    pthread_mutex_lock(&reg_mu);
    reg_stopping = true;
    pthread_cond_broadcast(&reg_cv);
    bgjob *list = reg_head;
    reg_head = NULL;
    reg_count = 0;
    pthread_mutex_unlock(&reg_mu);
    while (list) {
        bgjob *next = list->next;
        job_free(list); /* joins the thread: a running import finishes (or rolls back) first */
        list = next;
    }
}

/* Write job j as JSON (lock held). */
static void write_job(http_request *req, json_writer *w, const bgjob *j)
{
    char t[32];
    buf href = BUF_INIT;
    json_obj_begin(w);
    json_kv_str(w, "id", j->id);
    json_kv_str(w, "kind", j->kind);
    json_kv_str(w, "status", state_names[j->state]);
    json_kv_str(w, "user", j->owner);
    iso_time(j->created, t);
    json_kv_str(w, "created", t);
    if (j->started) {
        iso_time(j->started, t);
        json_kv_str(w, "started", t);
    }
    if (j->finished) {
        iso_time(j->finished, t);
        json_kv_str(w, "finished", t);
    }
    json_key(w, "progress");
    json_obj_begin(w);
    json_kv_int(w, "done", j->done);
    if (j->total >= 0) {
        json_kv_int(w, "total", j->total);
        json_kv_int(w, "percent", j->total > 0 ? j->done * 100 / j->total : (j->state == JOB_DONE ? 100 : 0));
    }
    json_obj_end(w);
    if (j->result_json) {
        json_key(w, "result");
        json_raw(w, j->result_json, strlen(j->result_json));
    }
    json_key(w, "links");
    json_arr_begin(w);
    json_obj_begin(w);
    http_base_url(req, &href);
    buf_appendf(&href, "/jobs/%s", j->id);
    json_kv_str(w, "href", href.data);
    json_kv_str(w, "rel", "self");
    json_kv_str(w, "type", "application/json");
    json_obj_end(w);
    if (j->file && j->state == JOB_DONE) {
        json_obj_begin(w);
        buf_appendf(&href, "/result");
        json_kv_str(w, "href", href.data);
        json_kv_str(w, "rel", "enclosure");
        json_kv_str(w, "type", j->mime);
        json_kv_str(w, "title", j->download);
        json_obj_end(w);
    }
    json_arr_end(w);
    json_obj_end(w);
    buf_free(&href);
}

/* The job of the path, visible to the caller (lock held on success). */
static bgjob *find_locked(http_request *req, rm_error *err)
{
    pthread_mutex_lock(&reg_mu);
    for (bgjob *j = reg_head; j; j = j->next)
        if (strcmp(j->id, req->path_params[0]) == 0 && (j->owner_id == req->user_id || req->role == ROLE_ADMIN))
            return j;
    pthread_mutex_unlock(&reg_mu);
    rm_error_set(err, 404, "Not Found", "no job %.60s (jobs are kept an hour after they end, and only their owner "
                 "sees them)", req->path_params[0]);
    return NULL;
}

void bgjob_reply_accepted(http_request *req, const char *id)
{
    pthread_mutex_lock(&reg_mu);
    bgjob *j = reg_head;
    while (j && strcmp(j->id, id) != 0)
        j = j->next;
    json_writer w;
    buf_reset(&req->out);
    json_init(&w, &req->out);
    if (j)
        write_job(req, &w, j);
    pthread_mutex_unlock(&reg_mu);
    buf loc = BUF_INIT;
    http_base_url(req, &loc);
    buf_appendf(&loc, "/jobs/%s", id);
    http_set_header(req, "Location", loc.data);
    buf_free(&loc);
    req->no_etag = true;
    req->cache_control = "no-store";
    http_reply(req, 202, "application/json");
}

int api_job(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    bgjob *j = find_locked(req, err);
    if (!j)
        return -1;
    json_writer w;
    json_init(&w, &req->out);
    write_job(req, &w, j);
    pthread_mutex_unlock(&reg_mu);
    req->no_etag = true;
    req->cache_control = "no-store";
    http_reply(req, 200, "application/json");
    return 0;
}

int api_job_result(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    bgjob *j = find_locked(req, err);
    if (!j)
        return -1;
    if (j->state != JOB_DONE || !j->file) {
        int st = j->state;
        pthread_mutex_unlock(&reg_mu);
        return rm_error_set(err, 409, "Conflict", "job %s is %s%s", req->path_params[0], state_names[st],
                            st == JOB_DONE ? " and has no file; its report is at /jobs/{id}" : ": no result file yet");
    }
    char *path = strdup(j->file);
    char mime[96], name[128];
    snprintf(mime, sizeof mime, "%s", j->mime);
    snprintf(name, sizeof name, "%s", j->download);
    pthread_mutex_unlock(&reg_mu);
    FILE *f = path ? fopen(path, "rb") : NULL;
    free(path);
    if (!f)
        return rm_error_set(err, 410, "Gone", "the result file of job %s is no longer there", req->path_params[0]);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&req->out, chunk, n);
    fclose(f);
    char disp[200];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", name);
    http_set_header(req, "Content-Disposition", disp);
    req->no_compress = strstr(mime, "zip") || strstr(mime, "sqlite") || strstr(mime, "spreadsheet");
    req->cache_control = "no-store";
    http_reply(req, 200, mime);
    return 0;
}
