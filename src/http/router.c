/*
 * router: path matching and dispatch; see router.h.
 */
#include "http/router.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/jobs.h"
#include "http/response.h"
#include "http/server_int.h"

/* Paths longer than this are refused with 414. */
#define ROUTER_MAX_PATH 2048

/* Match path against pattern; on success fill req->path_params with pointers into req's own copy. */
static int match(const char *pattern, const char *path, http_request *req, char *scratch, size_t cap)
{
    size_t n = strlen(path);
    if (n + 1 > cap)
        return 0;
    memcpy(scratch, path, n + 1);
    const char *p = pattern;
    char *s = scratch;
    int np = 0;
    while (*p) {
        if (p[0] == '*' && p[1] == 0) {
            /* A trailing "*" captures the rest of the path, slashes included (maybe empty). */
            if (np >= HTTP_MAX_PATH_PARAMS)
                return 0;
            req->path_params[np++] = s;
            s += strlen(s);
            p++;
            break;
        }
        if (!*s)
            break;
        if (p[0] == '{' && p[1] == '}') {
            char *end = strchr(s, '/');
            if (end == s)
                return 0;
            if (np >= HTTP_MAX_PATH_PARAMS)
                return 0;
            req->path_params[np++] = s;
            p += 2;
            if (!end) {
                s += strlen(s);
                break;
            }
            *end = 0; /* terminate the captured segment; the '/' is matched below */
            s = end;
            if (*p != '/')
                return 0;
            p++;
            s++;
            continue;
        }
        if (*p != *s)
            return 0;
        p++;
        s++;
    }
    if (*p || *s)
        return 0;
    req->npath_params = np;
    return 1;
}

const http_route_limit *router_limit(const http_route_limit *limits, int method, const char *path)
{
    if (!limits || !method || strlen(path) >= ROUTER_MAX_PATH)
        return NULL;
    http_request probe = {0};
    char scratch[ROUTER_MAX_PATH];
    for (const http_route_limit *l = limits; l->pattern; l++) {
        int m = l->methods | ((l->methods & HTTP_GET) ? HTTP_HEAD : 0);
        if ((m & method) && match(l->pattern, path, &probe, scratch, sizeof scratch))
            return l;
    }
    return NULL;
}

void router_allow(int methods, buf *b)
{
    static const struct { int m; const char *name; } names[] = {
        {HTTP_GET, "GET"}, {HTTP_HEAD, "HEAD"}, {HTTP_POST, "POST"}, {HTTP_PUT, "PUT"},
        {HTTP_PATCH, "PATCH"}, {HTTP_DELETE, "DELETE"}, {HTTP_OPTIONS, "OPTIONS"},
    };
    if (methods & HTTP_GET)
        methods |= HTTP_HEAD;
    methods |= HTTP_OPTIONS;
    int first = 1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (methods & names[i].m) {
            buf_appendf(b, "%s%s", first ? "" : ", ", names[i].name);
            first = 0;
        }
}

/* Captured segments point into a scratch copy of the path that lives while the handler runs. */
void router_finish(http_request *req, http_handler finish)
{
    rm_error err = {0};
    if (finish(req, &err) != 0) {
        if (err.status == 0)
            rm_error_set(&err, 500, "Internal Server Error", "the handler failed without saying why");
        response_problem(req, &err);
    }
}

/* A handler run on the job pool (http_route_limit.run_on_jobs): its state across the deferral. */
typedef struct jobs_run {
    http_handler handler;
    int rc;
    rm_error err;
    char *scratch;  /* the copy of the path that path_params point into */
} jobs_run;

static void jobs_run_free(void *p)
{
    jobs_run *run = p;
    free(run->scratch);
    free(run);
}

static void jobs_run_work(http_request *req)
{
    jobs_run *run = req->job_data;
    int64_t budget_ms = req->config->query_budget_ms;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    db_deadline_set(budget_ms ? (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 + budget_ms * 1000 : 0);
    run->rc = run->handler(req, &run->err);
    db_deadline_set(0);
}

static int jobs_run_finish(http_request *req, rm_error *err)
{
    jobs_run *run = req->job_data;
    if (run->rc == HTTP_DEFERRED)
        return rm_error_set(err, 500, "Internal Server Error", "a handler run on the job pool deferred again");
    if (run->rc != 0) {
        *err = run->err;
        return -1;
    }
    return 0;
}

int router_dispatch(const http_route *routes, http_request *req)
{
    int result = 0;
    rm_error err = {0};
    static const size_t cap = ROUTER_MAX_PATH;
    char *scratch = NULL;
    int allowed = 0;
    bool matched = false;
    const http_route *hit = NULL;
    if (strlen(req->path) >= cap) {
        rm_error_set(&err, 414, "URI Too Long", "the path is longer than %zu bytes", cap - 1);
        goto fail;
    }
    scratch = malloc(cap);
    if (!scratch)
        abort();
    for (const http_route *r = routes; r->pattern; r++) {
        if (!match(r->pattern, req->path, req, scratch, cap))
            continue;
        int m = r->methods | ((r->methods & HTTP_GET) ? HTTP_HEAD : 0);
        matched = true;
        /* A CORS preflight carries no credentials: it gets every method of the path. */
        if (req->method == HTTP_OPTIONS && req->config->authorize &&
            !MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Access-Control-Request-Method")) {
            /* Allow lists what this caller may do here, so clients (QGIS) offer only that. */
            int saved = req->method;
            req->method = r->methods & -r->methods;
            bool ok = req->config->authorize(req, r, NULL) == 0;
            req->method = saved;
            if (!ok)
                continue;
        }
        allowed |= m;
        if (!hit && (m & req->method))
            hit = r;
        if (hit)
            break;
    }
    if (!matched) {
        rm_error_set(&err, 404, "Not Found", "no resource at %s; the landing page / lists what this "
                     "service offers", req->path);
        goto fail;
    }
    if (req->method == HTTP_OPTIONS) {
        buf allow = BUF_INIT;
        router_allow(allowed, &allow);
        http_set_header(req, "Allow", allow.data);
        http_set_header(req, "Access-Control-Allow-Methods", allow.data);
        http_set_header(req, "Access-Control-Allow-Headers",
                        "Authorization, Content-Type, Content-Crs, If-Match, If-None-Match, Accept-Encoding");
        http_set_header(req, "Access-Control-Max-Age", "600");
        buf_free(&allow);
        http_reply(req, 204, NULL);
        goto done;
    }
    if (!hit) {
        buf allow = BUF_INIT;
        router_allow(allowed, &allow);
        http_set_header(req, "Allow", allow.data);
        rm_error_set(&err, 405, "Method Not Allowed", "%s is not allowed on %s; allowed: %s",
                     req->method_name, req->path, allow.data);
        buf_free(&allow);
        goto fail;
    }
    req->route = hit;
    if (req->body_too_large) {
        rm_error_set(&err, 413, "Payload Too Large", "the request body is larger than the limit of %zu bytes",
                     req->max_body_bytes);
        goto fail;
    }
    if (req->config->authorize && req->config->authorize(req, hit, &err) < 0)
        goto fail;
    if (server_slot_acquire(req, &err) < 0)
        goto fail;
    if (req->limit && req->limit->run_on_jobs) {
        /* Slow work: on the job pool, so that this connection thread goes on serving others. */
        jobs_run *run = calloc(1, sizeof *run);
        if (!run)
            abort();
        run->handler = hit->handler;
        run->scratch = scratch;
        req->job_data = run;
        req->job_data_free = jobs_run_free;
        if (http_defer(req, jobs_run_work, jobs_run_finish, &err) < 0) {
            req->job_data = NULL;
            req->job_data_free = NULL;
            free(run);
            goto fail;
        }
        scratch = NULL; /* the job's now */
        result = HTTP_DEFERRED;
        goto done;
    }
    int rc = hit->handler(req, &err);
    if (rc == HTTP_DEFERRED) {
        result = HTTP_DEFERRED;
        goto done;
    }
    if (rc == 0)
        goto done;
fail:
    if (err.status == 0)
        rm_error_set(&err, 500, "Internal Server Error", "the handler failed without saying why");
    response_problem(req, &err);
done:
    /* Handlers have copied what they need from path_params; the scratch copy goes now. */
    req->npath_params = 0;
    free(scratch);
    return result;
}
