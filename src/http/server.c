/*
 * server: libmicrohttpd set-up, per-request state, dispatch to the routing table and the finishing
 * touches every answer gets (problem+json for errors, CORS, ETag and 304, gzip). See http.h.
 *
 * Request state lives in req_cls and is freed in one place, the NOTIFY_COMPLETED callback
 * (STYLE 7). Signals are blocked before the pool threads start, so only the main thread, waiting
 * in sigwait(), sees SIGINT/SIGTERM and stops the daemon cleanly.
 */
#include "http/http.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/jobs.h"
#include "http/response.h"
#include "http/router.h"
#include "http/server_int.h"

typedef struct server {
    const http_config *config;
    const http_route *routes;
    jobs *jobs;
} server;

jobs *server_jobs(http_request *req) { return ((server *)req->server)->jobs; }

static pthread_key_t thread_db_key;
static pthread_once_t thread_db_once = PTHREAD_ONCE_INIT;

static void thread_db_destroy(void *p) { db_close(p); }
static void thread_db_key_create(void) { pthread_key_create(&thread_db_key, thread_db_destroy); }

db_conn *http_thread_db(http_request *req, rm_error *err)
{
    pthread_once(&thread_db_once, thread_db_key_create);
    db_conn *c = pthread_getspecific(thread_db_key);
    if (c)
        return c;
    if (db_open(req->config->db_path, DB_READONLY, &c, err) < 0)
        return NULL;
    pthread_setspecific(thread_db_key, c);
    return c;
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int method_of(const char *m)
{
    static const struct { const char *name; int id; } table[] = {
        {"GET", HTTP_GET}, {"HEAD", HTTP_HEAD}, {"POST", HTTP_POST}, {"PUT", HTTP_PUT},
        {"PATCH", HTTP_PATCH}, {"DELETE", HTTP_DELETE}, {"OPTIONS", HTTP_OPTIONS},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(m, table[i].name) == 0)
            return table[i].id;
    return 0;
}

static void request_free(http_request *req)
{
    if (req->job_data && req->job_data_free)
        req->job_data_free(req->job_data);
    buf_free(&req->body);
    buf_free(&req->out);
    for (int i = 0; i < req->nheaders; i++) {
        free(req->header_names[i]);
        free(req->header_values[i]);
    }
    free(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    if (*req_cls)
        request_free(*req_cls);
    *req_cls = NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    server *s = cls;
    http_request *req = *req_cls;
    if (!req) {
        req = calloc(1, sizeof *req);
        if (!req)
            return MHD_NO;
        req->conn = conn;
        req->config = s->config;
        req->method_name = method;
        req->method = method_of(method);
        req->path = url;
        req->started_us = now_us();
        req->server = s;
        *req_cls = req;
        return MHD_YES;
    }
    if (req->finish) {
        /* Back from deferred work (http/jobs.h): write the answer. */
        http_handler finish = req->finish;
        req->finish = NULL;
        router_finish(req, finish);
        return response_queue(req);
    }
    if (*upload_data_size) {
        if (req->body.len + *upload_data_size > s->config->max_body_bytes)
            req->body_too_large = true; /* keep reading (and dropping) so the answer can be sent */
        else
            buf_append(&req->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    db_deadline_set(s->config->query_budget_ms ? now_us() + (int64_t)s->config->query_budget_ms * 1000 : 0);
    int r = router_dispatch(s->routes, req);
    db_deadline_set(0);
    if (r == HTTP_DEFERRED)
        return MHD_YES;
    return response_queue(req);
}

/* Parse bind address and port into a sockaddr for MHD_OPTION_SOCK_ADDR. */
static int make_addr(const char *bind, int port, struct sockaddr_storage *ss, rm_error *err)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    const char *host = bind;
    if (strcmp(bind, "localhost") == 0)
        host = "127.0.0.1";
    if (getaddrinfo(host, portstr, &hints, &res) != 0 || !res)
        return rm_error_set(err, 400, "Bad address", "--bind %s is not a numeric IPv4 or IPv6 address", bind);
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return 0;
}

int http_serve(const http_config *config, const http_route *routes, rm_error *err)
{
    server s = {config, routes, NULL};
    struct sockaddr_storage ss;
    if (make_addr(config->bind, config->port, &ss, err) < 0)
        return -1;
    pthread_once(&thread_db_once, thread_db_key_create);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    s.jobs = jobs_create(config->job_threads > 0 ? config->job_threads : 2, 64);
    if (!s.jobs)
        return rm_error_set(err, 500, "Out of memory", "cannot start the job pool");
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)config->port, NULL, NULL, on_request, &s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)config->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)config->max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)config->connection_timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_END);
    if (!d) {
        jobs_destroy(s.jobs);
        return rm_error_set(err, 503, "Cannot listen", "cannot listen on %s port %d (in use, or not an "
                            "address of this machine)", config->bind, config->port);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    fprintf(stderr, "radmap: listening on http://%s%s%s:%u/ with %d threads\n",
            ss.ss_family == AF_INET6 ? "[" : "", config->bind, ss.ss_family == AF_INET6 ? "]" : "",
            info ? info->port : (unsigned)config->port, config->threads);
    fflush(stderr);

    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "radmap: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    MHD_stop_daemon(d);
    jobs_destroy(s.jobs);
    return 0;
}
