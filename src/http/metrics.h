/*
 * metrics: what the server counts about its requests, for GET /metrics (Prometheus text format):
 * requests by route and status, a latency histogram per route, bytes sent, requests in flight, and
 * requests refused by a limit (body too large, a busy expensive route).
 *
 * Counting is lock-free (atomic adds into arrays sized when the server starts), so it costs a few
 * nanoseconds per request on the connection threads. A route is the routing table's entry, so the
 * label is its pattern ("/collections/{}/items"), never the raw path: the number of series stays
 * bounded whatever clients ask for. Requests that match no route (404, 405) and CORS preflights
 * count under route="other".
 */
#ifndef RADMAP_METRICS_H
#define RADMAP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "http/http.h"

typedef struct metrics metrics;

enum metrics_refusal {
    METRICS_REFUSED_BODY = 0,   /* 413 before the body was read */
    METRICS_REFUSED_BUSY,       /* 503: an expensive route at its concurrency cap */
    METRICS_REFUSED_KINDS
};

/* Counters for the routing table routes (terminated by a NULL pattern). NULL on allocation
 * failure. Free with metrics_destroy(). */
metrics *metrics_create(const http_route *routes);
void metrics_destroy(metrics *m);

/* A request began (in flight until metrics_request_done). */
void metrics_request_start(metrics *m);
/* A request ended: route (NULL: none matched), HTTP status (0 when the client went away before an
 * answer), how long it took and how many body bytes were sent. */
void metrics_request_done(metrics *m, const http_route *route, int status, int64_t duration_us, size_t bytes);
/* A request was refused by a limit. */
void metrics_refused(metrics *m, enum metrics_refusal kind);

/* Append every series in the Prometheus text exposition format (0.0.4) to out. connections: the
 * server's open connections now (negative: unknown, left out). */
void metrics_write(metrics *m, long connections, buf *out);

#endif
