/*
 * server: libmicrohttpd set-up, per-request state, dispatch to the routing table and the finishing
 * touches every answer gets (problem+json for errors, CORS, ETag and 304, gzip). See http.h.
 *
 * Request state lives in req_cls and is freed in one place, the NOTIFY_COMPLETED callback
 * (STYLE 7), which also counts the request (http/metrics.h) and writes its access log line
 * (http/accesslog.h). Signals are blocked before the pool threads start, so only the main thread,
 * waiting in sigwait(), sees SIGINT/SIGTERM and stops the daemon cleanly (SIGHUP reopens the
 * access log file).
 *
 * Limits (DESIGN §2, the server faces the network): a body larger than its route's limit is
 * refused with 413 from its Content-Length, before it is read (or, sent chunked, read and dropped
 * up to the end); request line and headers together fit in MHD_OPTION_CONNECTION_MEMORY_LIMIT
 * (libmicrohttpd answers 414 or 431 beyond it); idle connections close after
 * connection_timeout_s; at most max_connections are open (max_per_ip from one address); a route
 * with max_concurrent runs at most that many requests at once and answers 503 with Retry-After
 * beyond it.
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

#include "http/accesslog.h"
#include "http/jobs.h"
#include "http/metrics.h"
#include "http/response.h"
#include "http/router.h"
#include "http/server_int.h"
#include "http/tls.h"

/* Request line and headers of one request must fit in this (libmicrohttpd answers 414 or 431).
 * libmicrohttpd's own default: it clears the whole area before each request of a connection, so
 * the 64 KB this once was cost a sixteenth of a cached tile's time; 32 KB still takes headers of
 * 16 KB (cookies, long query strings), twice what many proxies pass. */
#define SERVER_CONNECTION_MEMORY (32 * 1024)

typedef struct server {
    const http_config *config;
    const http_route *routes;
    jobs *jobs;
    metrics *metrics;
    accesslog *log;
    struct MHD_Daemon *daemon;
    int *slots;          /* requests running per route_limits entry */
    int threads;
} server;

jobs *server_jobs(http_request *req) { return ((server *)req->server)->jobs; }

int server_slot_acquire(http_request *req, rm_error *err)
{
    server *s = req->server;
    const http_route_limit *l = req->limit;
    if (!l || !l->max_concurrent || req->slot)
        return 0;
    int cap = l->max_concurrent == HTTP_HALF_THREADS ? (s->threads / 2 > 0 ? s->threads / 2 : 1) : l->max_concurrent;
    int *slot = &s->slots[l - s->config->route_limits];
    if (__atomic_add_fetch(slot, 1, __ATOMIC_ACQ_REL) > cap) {
        __atomic_sub_fetch(slot, 1, __ATOMIC_ACQ_REL);
        metrics_refused(s->metrics, METRICS_REFUSED_BUSY);
        http_set_header(req, "Retry-After", "2");
        return rm_error_set(err, 503, "Service Unavailable", "%d requests of this kind (%s %s) are running, the "
                            "most this server runs at once; try again in a few seconds", cap, req->method_name,
                            l->pattern);
    }
    req->slot = slot;
    return 0;
}

/* The slot is given back when the answer is queued, not when MHD reports the connection's request
 * complete: a client that sends its next request as soon as it has read an answer must not find the
 * slot of the request it has already been answered for still taken. */
void server_slot_release(http_request *req)
{
    if (req->slot)
        __atomic_sub_fetch(req->slot, 1, __ATOMIC_ACQ_REL);
    req->slot = NULL;
}

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
    server_slot_release(req);
    response_body_ref_drop(req); /* held to the end by an answer sent from a shared response */
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

/* Count the finished request and write its access log line. */
static void request_log(server *s, http_request *req, enum MHD_RequestTerminationCode toe)
{
    int64_t duration_us = now_us() - req->started_us;
    bool aborted = toe != MHD_REQUEST_TERMINATED_COMPLETED_OK;
    metrics_request_done(s->metrics, req->route, req->status, duration_us, req->bytes_out);
    char remote[INET6_ADDRSTRLEN] = "";
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, remote, sizeof remote);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, remote, sizeof remote);
    }
    buf query = BUF_INIT;
    http_query_rebuild(req, &query, NULL);
    accesslog_entry e = {
        .remote = remote[0] ? remote : NULL,
        .forwarded_for = http_header(req, "X-Forwarded-For"),
        .method = req->method_name,
        .path = req->path,
        .query = query.data ? query.data : "",
        .status = req->status,
        .bytes = req->bytes_out,
        .duration_us = duration_us,
        .user = req->user_name,
        .aborted = aborted,
    };
    accesslog_write(s->log, &e);
    buf_free(&query);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    server *s = cls;
    if (*req_cls) {
        request_log(s, *req_cls, toe);
        request_free(*req_cls);
    }
    *req_cls = NULL;
}

/* The declared body length is over the route's limit: answer 413 now, without reading the body. */
static bool body_declared_too_large(http_request *req)
{
    const char *cl = http_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (!cl)
        return false;
    char *end;
    unsigned long long n = strtoull(cl, &end, 10);
    return end != cl && n > req->max_body_bytes;
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
        metrics_request_start(s->metrics);
        req->limit = router_limit(s->config->route_limits, req->method, url);
        req->max_body_bytes = req->limit && req->limit->max_body_bytes ? req->limit->max_body_bytes
                                                                       : s->config->max_body_bytes;
        if (body_declared_too_large(req)) {
            rm_error err;
            rm_error_set(&err, 413, "Payload Too Large", "the request body (Content-Length %s) is larger than the "
                         "limit of %zu bytes for %s %s", http_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH),
                         req->max_body_bytes, method, url);
            metrics_refused(s->metrics, METRICS_REFUSED_BODY);
            response_problem(req, &err);
            return response_queue(req);
        }
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
        if (req->body_too_large || req->body.len + *upload_data_size > req->max_body_bytes) {
            if (!req->body_too_large)
                metrics_refused(s->metrics, METRICS_REFUSED_BODY);
            req->body_too_large = true;
        } /* keep reading (and dropping) so the answer can be sent */
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

/* The number of open connections, or -1 when unknown. */
static long server_connections(server *s)
{
    const union MHD_DaemonInfo *i = s->daemon ? MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS)
                                              : NULL;
    return i ? (long)i->num_connections : -1;
}

void http_metrics_write(http_request *req, buf *out)
{
    server *s = req->server;
    metrics_write(s->metrics, server_connections(s), out);
}

int http_serve(const http_config *config, const http_route *routes, rm_error *err)
{
    server s = {.config = config, .routes = routes, .threads = config->threads > 0 ? config->threads : 1};
    tls_material tls = {0};
    struct sockaddr_storage ss;
    int rc = -1;
    if (make_addr(config->bind, config->port, &ss, err) < 0)
        return -1;
    pthread_once(&thread_db_once, thread_db_key_create);
    bool https = config->tls_cert_path || config->tls_key_path;
    if (https && tls_material_load(config->tls_cert_path, config->tls_key_path, &tls, err) < 0)
        return -1;
    size_t nlimits = 0;
    while (config->route_limits && config->route_limits[nlimits].pattern)
        nlimits++;
    s.slots = calloc(nlimits + 1, sizeof *s.slots);
    s.metrics = metrics_create(routes);
    s.log = accesslog_open(config->access_log, err);
    if (!s.slots || !s.metrics || !s.log) {
        if (s.log)
            rm_error_set(err, 500, "Out of memory", "cannot start the server");
        goto cleanup;
    }

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    s.jobs = jobs_create(config->job_threads > 0 ? config->job_threads : 2, 64);
    if (!s.jobs) {
        rm_error_set(err, 500, "Out of memory", "cannot start the job pool");
        goto cleanup;
    }
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_OptionItem opts[16];
    int n = 0;
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &ss};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)s.threads, NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, (intptr_t)config->max_connections, NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)config->connection_timeout_s, NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)SERVER_CONNECTION_MEMORY, NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, &s};
    if (config->max_per_ip > 0)
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)config->max_per_ip, NULL};
    if (https) {
        flags |= MHD_USE_TLS;
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, tls.cert_pem};
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, tls.key_pem};
        /* GnuTLS's own secure defaults without the legacy protocol versions. */
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0,
                                            (void *)(uintptr_t)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"};
    }
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    s.daemon = MHD_start_daemon(flags, (uint16_t)config->port, NULL, NULL, on_request, &s,
                                MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!s.daemon) {
        if (https)
            rm_error_set(err, 503, "Cannot listen", "cannot serve HTTPS on %s port %d: the port is in use or not an "
                         "address of this machine, or --tls-cert and --tls-key are not a matching certificate and "
                         "key", config->bind, config->port);
        else
            rm_error_set(err, 503, "Cannot listen", "cannot listen on %s port %d (in use, or not an "
                         "address of this machine)", config->bind, config->port);
        goto cleanup;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s.daemon, MHD_DAEMON_INFO_BIND_PORT);
    fprintf(stderr, "radmap: listening on %s://%s%s%s:%u/ with %d threads\n", https ? "https" : "http",
            ss.ss_family == AF_INET6 ? "[" : "", config->bind, ss.ss_family == AF_INET6 ? "]" : "",
            info ? info->port : (unsigned)config->port, s.threads);
    fflush(stderr);

    for (;;) {
        int sig = 0;
        sigwait(&set, &sig);
        if (sig == SIGHUP) {
            if (accesslog_reopen(s.log) < 0)
                fprintf(stderr, "radmap: SIGHUP: cannot reopen the access log %s\n", config->access_log);
            continue;
        }
        fprintf(stderr, "radmap: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
        break;
    }
    MHD_stop_daemon(s.daemon);
    s.daemon = NULL;
    rc = 0;
cleanup:
    jobs_destroy(s.jobs);
    accesslog_close(s.log);
    metrics_destroy(s.metrics);
    free(s.slots);
    tls_material_free(&tls);
    return rc;
}
