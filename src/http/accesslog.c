/*
 * accesslog: the structured access log; see accesslog.h.
 */
#include "http/accesslog.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/json.h"

struct accesslog {
    pthread_mutex_t mu;
    int fd;          /* -1: off */
    bool own_fd;     /* a file we opened (not standard error) */
    char *path;
};

static int open_file(const char *path) { return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640); }

accesslog *accesslog_open(const char *path, rm_error *err)
{
    accesslog *l = calloc(1, sizeof *l);
    if (!l) {
        rm_error_set(err, 500, "Out of memory", "opening the access log");
        return NULL;
    }
    pthread_mutex_init(&l->mu, NULL);
    if (!path || strcmp(path, "-") == 0) {
        l->fd = STDERR_FILENO;
    } else if (strcmp(path, "off") == 0) {
        l->fd = -1;
    } else {
        l->path = strdup(path);
        l->fd = open_file(path);
        l->own_fd = true;
        if (l->fd < 0 || !l->path) {
            rm_error_set(err, 500, "Cannot open the access log", "--access-log %s: %s", path, strerror(errno));
            accesslog_close(l);
            return NULL;
        }
    }
    return l;
}

int accesslog_reopen(accesslog *l)
{
    if (!l || !l->own_fd)
        return 0;
    int fd = open_file(l->path);
    if (fd < 0)
        return -1;
    pthread_mutex_lock(&l->mu);
    int old = l->fd;
    l->fd = fd;
    pthread_mutex_unlock(&l->mu);
    close(old);
    return 0;
}

void accesslog_close(accesslog *l)
{
    if (!l)
        return;
    if (l->own_fd && l->fd >= 0)
        close(l->fd);
    pthread_mutex_destroy(&l->mu);
    free(l->path);
    free(l);
}

void accesslog_write(accesslog *l, const accesslog_entry *e)
{
    if (!l || l->fd < 0)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[40], base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when, sizeof when, "%s.%03dZ", base, (int)(ts.tv_nsec / 1000000));
    buf b = BUF_INIT;
    json_writer w;
    json_init(&w, &b);
    json_obj_begin(&w);
    json_kv_str(&w, "time", when);
    if (e->remote)
        json_kv_str(&w, "remote", e->remote);
    if (e->forwarded_for)
        json_kv_str(&w, "forwarded_for", e->forwarded_for);
    json_kv_str(&w, "method", e->method ? e->method : "");
    json_kv_str(&w, "path", e->path ? e->path : "");
    if (e->query && *e->query)
        json_kv_str(&w, "query", e->query);
    json_kv_int(&w, "status", e->status);
    json_kv_int(&w, "bytes", (int64_t)e->bytes);
    json_key(&w, "duration_ms");
    json_numf(&w, (double)e->duration_us / 1000.0, 3);
    if (e->user && *e->user)
        json_kv_str(&w, "user", e->user);
    if (e->aborted)
        json_kv_bool(&w, "aborted", true);
    json_obj_end(&w);
    buf_putc(&b, '\n');
    pthread_mutex_lock(&l->mu);
    size_t off = 0;
    while (off < b.len) {
        ssize_t n = write(l->fd, b.data + off, b.len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    pthread_mutex_unlock(&l->mu);
    buf_free(&b);
}
