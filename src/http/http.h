/*
 * http: the request and response types every route handler sees, and the server that runs them.
 *
 * The server is libmicrohttpd with its internal epoll thread pool (DESIGN §2). A handler runs on a
 * pool thread, reads its request through http_request, writes a body into req->out and sets the
 * status and content type (or returns -1 with an rm_error, which becomes application/problem+json).
 * The server then adds what every answer carries: CORS, ETag/304, gzip, Content-Length.
 * Per-thread state (the read connection and its statement cache) comes from http_thread_db().
 */
#ifndef RADMAP_HTTP_H
#define RADMAP_HTTP_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "db/db.h"

enum http_method {
    HTTP_GET = 1 << 0,
    HTTP_HEAD = 1 << 1,
    HTTP_POST = 1 << 2,
    HTTP_PUT = 1 << 3,
    HTTP_PATCH = 1 << 4,
    HTTP_DELETE = 1 << 5,
    HTTP_OPTIONS = 1 << 6,
};

#define HTTP_MAX_PATH_PARAMS 4

typedef struct http_request http_request;
typedef struct http_route http_route;
/* A handler returns 0 with the answer in req, -1 with err, or HTTP_DEFERRED after http_defer(). */
typedef int (*http_handler)(http_request *req, rm_error *err);
#define HTTP_DEFERRED 1
#define HTTP_MAX_HEADERS 16

/* Limits of one route beyond the server's defaults, matched by method and pattern as the routing
 * table is: the request body's size (checked against Content-Length before the body is read) and
 * how many requests of the route may run at once (beyond that: 503 with Retry-After), and whether
 * its handler runs on the job pool instead of the connection thread. One table
 * for every route (http_config.route_limits), so a route's limits are read in one place. */
typedef struct http_route_limit {
    int methods;
    const char *pattern;
    size_t max_body_bytes;   /* 0: the server's max_body_bytes */
    int max_concurrent;      /* 0: no cap; HTTP_HALF_THREADS: half the connection threads, at least 1 */
    bool run_on_jobs;        /* run the handler on the job pool (http/jobs.h), not on a connection
                              * thread: for slow handlers that do not defer by themselves */
} http_route_limit;
#define HTTP_HALF_THREADS (-1)

typedef struct http_config {
    const char *db_path;
    const char *bind;        /* address to listen on */
    int port;
    int threads;
    const char *web_dir;     /* web map files, served at /map/ (NULL: none) */
    const char *tiles_dir;   /* styles and MBTiles basemaps */
    const char *public_url;  /* base URL for links when behind a proxy (NULL: from Host) */
    size_t max_body_bytes;
    int connection_timeout_s;
    int max_connections;
    /* Tiles. */
    size_t tile_cache_bytes;
    int cluster_maxzoom;      /* point layers are clustered below this zoom */
    double cluster_cell;      /* cluster grid cell, tile units */
    long cluster_max_points;  /* denser tiles are clustered at any zoom (0: default, negative: never) */
    const char *tile_cache_control; /* Cache-Control of public tiles (NULL: no-cache) */
    const char *tile_cache_control_private; /* of tiles for signed-in callers (NULL: no-cache) */
    void *app;                /* the application's shared state (api/state.h) */
    /* Called before a route's handler: 0 to go on, -1 with err (401/403) to refuse. */
    int (*authorize)(http_request *req, const http_route *route, rm_error *err);
    bool public_access;       /* --public on: anonymous callers get the public class */
    bool tls;                 /* served over HTTPS (cookies get Secure) */
    int job_threads;
    long read_quota_rows;     /* sensitive rows one user may read per hour (0: no limit) */
    int query_budget_ms;      /* a request's queries are interrupted after this long (0: no limit) */
    const http_route_limit *route_limits; /* terminated by a NULL pattern; may be NULL */
    const char *tls_cert_path;  /* PEM certificate chain (with tls_key_path: serve HTTPS) */
    const char *tls_key_path;   /* PEM private key */
    const char *access_log;     /* file for the access log; NULL: standard error; "off": none */
    int max_per_ip;             /* connections from one address (0: no limit) */
} http_config;

struct http_request {
    struct MHD_Connection *conn;
    const http_config *config;
    int method;               /* one of enum http_method */
    const char *method_name;
    const char *path;         /* URL path, decoded by libmicrohttpd */
    const char *path_params[HTTP_MAX_PATH_PARAMS];
    int npath_params;
    buf body;                 /* request body (writes) */
    bool body_too_large;
    /* Response being built. */
    int status;
    const char *content_type;
    buf out;
    char *header_names[HTTP_MAX_HEADERS];
    char *header_values[HTTP_MAX_HEADERS];
    int nheaders;
    bool no_etag;             /* the answer must not get an ETag (errors, streams) */
    bool no_compress;         /* already compressed or binary that gzip would not shrink */
    const char *cache_control;/* NULL: no-cache (revalidate with the ETag) */
    char etag[64];            /* set by the handler: used instead of hashing the body */
    bool body_gzipped;        /* out already holds gzip bytes (Content-Encoding: gzip) */
    /* A body owned elsewhere, sent instead of out without a copy (a cached tile): body_ref_release
     * (body_ref_arg) is called exactly once, when libmicrohttpd is done with it or the answer
     * becomes something else (304, an error). */
    const void *body_ref;
    size_t body_ref_len;
    void (*body_ref_release)(void *arg);
    void *body_ref_arg;
    /* The whole answer (status 200, headers and body_ref) is a function of body_ref_arg for as
     * long as it lives (a cache hit): libmicrohttpd's response object is then kept per thread and
     * sent again for the next request with the same body (body_ref_acquire takes the reference
     * that keeps it). See response_queue. */
    bool body_ref_shared;
    void (*body_ref_acquire)(void *arg);
    int64_t started_us;
    /* Deferred work (http/jobs.h). */
    void *server;             /* the server running this request (opaque) */
    http_handler finish;      /* called when the deferred work is done */
    void *job_data;           /* the handler's state across the deferral (freed by the handler) */
    void (*job_data_free)(void *);
    /* The caller, resolved once per request by the application (api/auth). */
    int auth_resolved;        /* 0 not yet, 1 resolved */
    int64_t user_id;          /* 0: anonymous */
    char user_name[65];
    int role;                 /* db/users.h user_role */
    bool write_scope;
    const char *token;        /* the presented token (header or cookie), for logout */
    /* Bookkeeping of the server (metrics, access log, limits). */
    const http_route *route;          /* the matched route (NULL: none matched) */
    const http_route_limit *limit;    /* the route's limits (NULL: defaults) */
    size_t max_body_bytes;            /* the body limit of this request */
    size_t bytes_out;                 /* body bytes of the answer as sent (after gzip) */
    int *slot;                        /* the concurrency slot counter held (released when done) */
};

/* Request accessors. */
/* The first value of a query parameter, or NULL. */
const char *http_query(http_request *req, const char *name);
/* Check that every query parameter's name is in allowed (NULL-terminated); otherwise fill err
 * (400 naming the unknown parameter and listing the allowed ones) and return -1. Also rejects a
 * parameter given twice. */
int http_query_check(http_request *req, const char *const *allowed, rm_error *err);
/* A request header, or NULL. */
const char *http_header(http_request *req, const char *name);
/* Base URL for absolute links: --public-url, else http://Host (https:// when serving HTTPS). No trailing slash. Appended to b. */
void http_base_url(http_request *req, buf *b);

/* Response helpers. */
void http_set_header(http_request *req, const char *name, const char *value);
/* Set status and content type; the body is whatever the handler wrote to req->out. */
void http_reply(http_request *req, int status, const char *content_type);

/* Routing table entry. pattern segments "{}" match one path segment and are captured, in order,
 * into req->path_params; a trailing "*" captures the rest of the path. */
struct http_route {
    int methods;           /* mask of enum http_method; HEAD is implied by GET, OPTIONS is automatic */
    const char *pattern;
    http_handler handler;
    unsigned roles;        /* who may call it: a mask the application's authorize hook reads */
};

/* The thread's read connection to the register (opened on first use, closed when the thread ends).
 * NULL with err filled (503) when the database cannot be opened. */
db_conn *http_thread_db(http_request *req, rm_error *err);

/* Append the server's own metrics (requests by route and status, latency histograms, connections,
 * refused requests) in the Prometheus text format to out. */
void http_metrics_write(http_request *req, buf *out);

/* Start serving routes (terminated by a NULL pattern) with config; blocks until SIGINT/SIGTERM, then
 * stops cleanly. Returns 0, or -1 with err filled when the server cannot start. */
int http_serve(const http_config *config, const http_route *routes, rm_error *err);



/* Append the request's query string to b ("?a=1&b=2", or nothing when empty), URL-encoded again,
 * leaving out the parameters named in drop (NULL-terminated, may be NULL). Returns how many
 * parameters were written. */
int http_query_rebuild(http_request *req, buf *b, const char *const *drop);
/* Append s URL-encoded (RFC 3986 unreserved characters kept) to b. */
void http_url_encode(buf *b, const char *s);
#endif
