/*
 * readlog: queued read log and hourly quota; see readlog.h.
 */
#include "api/readlog.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/state.h"

#define QUOTA_SLOTS 512

typedef struct entry {
    char user[65];
    char route[160];
    char collection[24];
    char *ids;
    long rows;
    char at[32];
    struct entry *next;
} entry;

typedef struct quota_slot {
    int64_t user_id;
    long hour;
    long rows;
} quota_slot;

struct readlog {
    struct app_state *app;
    long quota;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    entry *head, *tail;
    int stopping;
    pthread_t thread;
    quota_slot quota_slots[QUOTA_SLOTS];
};

static void write_batch(readlog *r, entry *list)
{
    if (!list)
        return;
    rm_error err = {0};
    db_conn *w = app_writer_lock(r->app, &err);
    if (w && db_exec(w, "BEGIN IMMEDIATE", &err) == 0) {
        sqlite3_stmt *st = db_stmt(w, "INSERT INTO read_log(at, user_name, route, collection, ids, row_count) "
                                      "VALUES (?, ?, ?, ?, ?, ?)", &err);
        for (entry *e = list; st && e; e = e->next) {
            sqlite3_bind_text(st, 1, e->at, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, e->user, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, e->route, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, e->collection, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 5, e->ids ? e->ids : "", -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 6, e->rows);
            sqlite3_step(st);
            db_stmt_done(st);
        }
        if (db_exec(w, "COMMIT", &err) < 0)
            db_exec(w, "ROLLBACK", NULL);
    }
    if (w)
        app_writer_unlock(r->app);
    if (err.status)
        fprintf(stderr, "radmap: read log not written: %s\n", err.detail);
    while (list) {
        entry *n = list->next;
        free(list->ids);
        free(list);
        list = n;
    }
}

static entry *take_all(readlog *r)
{
    entry *l = r->head;
    r->head = r->tail = NULL;
    return l;
}

static void *flusher(void *arg)
{
    readlog *r = arg;
    pthread_mutex_lock(&r->mu);
    while (!r->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&r->cv, &r->mu, &ts);
        entry *l = take_all(r);
        pthread_mutex_unlock(&r->mu);
        write_batch(r, l);
        pthread_mutex_lock(&r->mu);
    }
    entry *l = take_all(r);
    pthread_mutex_unlock(&r->mu);
    write_batch(r, l);
    return NULL;
}

readlog *readlog_create(struct app_state *app, long quota_rows)
{
    readlog *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->app = app;
    r->quota = quota_rows;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    if (pthread_create(&r->thread, NULL, flusher, r) != 0) {
        free(r);
        return NULL;
    }
    return r;
}

void readlog_destroy(readlog *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stopping = 1;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r);
}

void readlog_flush(readlog *r)
{
    pthread_mutex_lock(&r->mu);
    entry *l = take_all(r);
    pthread_mutex_unlock(&r->mu);
    write_batch(r, l);
}

static quota_slot *slot_of(readlog *r, int64_t user_id, long hour)
{
    quota_slot *s = &r->quota_slots[(uint64_t)user_id % QUOTA_SLOTS];
    if (s->user_id != user_id || s->hour != hour) {
        s->user_id = user_id;
        s->hour = hour;
        s->rows = 0;
    }
    return s;
}

int readlog_check(readlog *r, http_request *req, rm_error *err)
{
    if (!r->quota || !req->user_id)
        return 0;
    time_t now = time(NULL);
    pthread_mutex_lock(&r->mu);
    quota_slot *s = slot_of(r, req->user_id, (long)(now / 3600));
    long used = s->rows;
    pthread_mutex_unlock(&r->mu);
    if (used < r->quota)
        return 0;
    char ra[16];
    snprintf(ra, sizeof ra, "%ld", 3600 - (long)(now % 3600));
    http_set_header(req, "Retry-After", ra);
    return rm_error_set(err, 429, "Too Many Requests", "%s has read %ld source and device records this hour, the "
                        "limit for one account is %ld; bulk reading is limited to keep the register from being "
                        "mined: try again after the hour turns, or ask an administrator for an export",
                        req->user_name, used, r->quota);
}

void readlog_record(readlog *r, http_request *req, const char *collection, const int64_t *ids, size_t n)
{
    if (n == 0)
        return;
    entry *e = calloc(1, sizeof *e);
    if (!e)
        return;
    snprintf(e->user, sizeof e->user, "%s", req->user_id ? req->user_name : "(public)");
    snprintf(e->route, sizeof e->route, "%s %s", req->method_name, req->path);
    snprintf(e->collection, sizeof e->collection, "%s", collection);
    e->rows = (long)n;
    buf b = BUF_INIT;
    size_t listed = n < READLOG_IDS_LISTED ? n : READLOG_IDS_LISTED;
    for (size_t i = 0; ids && i < listed; i++)
        buf_appendf(&b, "%s%lld", i ? "," : "", (long long)ids[i]);
    if (!ids)
        buf_appendf(&b, "(%zu rows, ids not listed)", n);
    else if (listed < n)
        buf_appendf(&b, ",... (%zu rows)", n);
    e->ids = buf_detach(&b, NULL);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    strftime(e->at, sizeof e->at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    pthread_mutex_lock(&r->mu);
    if (req->user_id) {
        quota_slot *s = slot_of(r, req->user_id, (long)(ts.tv_sec / 3600));
        s->rows += (long)n;
    }
    if (r->tail)
        r->tail->next = e;
    else
        r->head = e;
    r->tail = e;
    pthread_mutex_unlock(&r->mu);
}
