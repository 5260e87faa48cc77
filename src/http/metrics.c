/*
 * metrics: request counters and latency histograms; see metrics.h.
 */
#include "http/metrics.h"

#include <stdatomic.h>
#include <stdlib.h>

#define STATUS_SLOTS 600 /* HTTP status 0..599; 0: the client went away before the answer */

static const double bucket_le_s[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                     0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define NBUCKETS (sizeof bucket_le_s / sizeof bucket_le_s[0])

typedef struct route_counts {
    atomic_uint_fast64_t status[STATUS_SLOTS];
    atomic_uint_fast64_t bucket[NBUCKETS + 1]; /* last: above the largest bound */
    atomic_uint_fast64_t duration_us;
    atomic_uint_fast64_t bytes;
} route_counts;

struct metrics {
    const http_route *routes;
    int nroutes;               /* entries in routes; counts[nroutes] is "other" */
    route_counts *counts;
    atomic_long in_flight;
    atomic_uint_fast64_t refused[METRICS_REFUSED_KINDS];
};

metrics *metrics_create(const http_route *routes)
{
    metrics *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->routes = routes;
    while (routes && routes[m->nroutes].pattern)
        m->nroutes++;
    m->counts = calloc((size_t)m->nroutes + 1, sizeof *m->counts);
    if (!m->counts) {
        free(m);
        return NULL;
    }
    return m;
}

void metrics_destroy(metrics *m)
{
    if (!m)
        return;
    free(m->counts);
    free(m);
}

void metrics_request_start(metrics *m) { atomic_fetch_add(&m->in_flight, 1); }

void metrics_request_done(metrics *m, const http_route *route, int status, int64_t duration_us, size_t bytes)
{
    atomic_fetch_sub(&m->in_flight, 1);
    int i = route ? (int)(route - m->routes) : m->nroutes;
    if (i < 0 || i > m->nroutes)
        i = m->nroutes;
    route_counts *c = &m->counts[i];
    if (status < 0 || status >= STATUS_SLOTS)
        status = 0;
    atomic_fetch_add(&c->status[status], 1);
    if (duration_us < 0)
        duration_us = 0;
    double s = (double)duration_us / 1e6;
    size_t b = 0;
    while (b < NBUCKETS && s > bucket_le_s[b])
        b++;
    atomic_fetch_add(&c->bucket[b], 1);
    atomic_fetch_add(&c->duration_us, (uint_fast64_t)duration_us);
    atomic_fetch_add(&c->bytes, bytes);
}

void metrics_refused(metrics *m, enum metrics_refusal kind) { atomic_fetch_add(&m->refused[kind], 1); }

static const char *method_label(int methods)
{
    static const struct { int m; const char *name; } names[] = {
        {HTTP_GET, "GET"}, {HTTP_POST, "POST"}, {HTTP_PUT, "PUT"}, {HTTP_PATCH, "PATCH"},
        {HTTP_DELETE, "DELETE"}, {HTTP_HEAD, "HEAD"}, {HTTP_OPTIONS, "OPTIONS"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (methods & names[i].m)
            return names[i].name;
    return "other";
}

/* The label set of route i: route="/pattern",method="GET" (patterns hold no quote or backslash). */
static void labels(metrics *m, int i, buf *out)
{
    if (i == m->nroutes)
        buf_puts(out, "route=\"other\",method=\"any\"");
    else
        buf_appendf(out, "route=\"%s\",method=\"%s\"", m->routes[i].pattern, method_label(m->routes[i].methods));
}

void metrics_write(metrics *m, long connections, buf *out)
{
    buf_puts(out, "# HELP radmap_http_requests_total Requests answered, by route and HTTP status (0: the client "
                  "went away first).\n# TYPE radmap_http_requests_total counter\n");
    for (int i = 0; i <= m->nroutes; i++)
        for (int s = 0; s < STATUS_SLOTS; s++) {
            uint64_t n = atomic_load(&m->counts[i].status[s]);
            if (!n)
                continue;
            buf_puts(out, "radmap_http_requests_total{");
            labels(m, i, out);
            buf_appendf(out, ",status=\"%d\"} %llu\n", s, (unsigned long long)n);
        }
    buf_puts(out, "# HELP radmap_http_request_duration_seconds Time from the request's headers to the end of "
                  "its answer, by route.\n# TYPE radmap_http_request_duration_seconds histogram\n");
    for (int i = 0; i <= m->nroutes; i++) {
        route_counts *c = &m->counts[i];
        uint64_t total = 0;
        for (size_t b = 0; b <= NBUCKETS; b++)
            total += atomic_load(&c->bucket[b]);
        if (!total)
            continue;
        uint64_t cum = 0;
        for (size_t b = 0; b <= NBUCKETS; b++) {
            cum += atomic_load(&c->bucket[b]);
            buf_puts(out, "radmap_http_request_duration_seconds_bucket{");
            labels(m, i, out);
            if (b < NBUCKETS)
                buf_appendf(out, ",le=\"%g\"} %llu\n", bucket_le_s[b], (unsigned long long)cum);
            else
                buf_appendf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)cum);
        }
        buf_puts(out, "radmap_http_request_duration_seconds_sum{");
        labels(m, i, out);
        buf_appendf(out, "} %.6f\n", (double)atomic_load(&c->duration_us) / 1e6);
        buf_puts(out, "radmap_http_request_duration_seconds_count{");
        labels(m, i, out);
        buf_appendf(out, "} %llu\n", (unsigned long long)cum);
    }
    buf_puts(out, "# HELP radmap_http_response_bytes_total Body bytes sent (after gzip), by route.\n"
                  "# TYPE radmap_http_response_bytes_total counter\n");
    for (int i = 0; i <= m->nroutes; i++) {
        uint64_t n = atomic_load(&m->counts[i].bytes);
        if (!n)
            continue;
        buf_puts(out, "radmap_http_response_bytes_total{");
        labels(m, i, out);
        buf_appendf(out, "} %llu\n", (unsigned long long)n);
    }
    buf_appendf(out, "# HELP radmap_http_requests_in_flight Requests being handled now.\n"
                     "# TYPE radmap_http_requests_in_flight gauge\nradmap_http_requests_in_flight %ld\n",
                atomic_load(&m->in_flight));
    if (connections >= 0)
        buf_appendf(out, "# HELP radmap_http_connections Open client connections.\n"
                         "# TYPE radmap_http_connections gauge\nradmap_http_connections %ld\n", connections);
    static const char *const why[METRICS_REFUSED_KINDS] = {"body_too_large", "route_busy"};
    buf_puts(out, "# HELP radmap_http_refused_total Requests refused by a limit before their handler ran.\n"
                  "# TYPE radmap_http_refused_total counter\n");
    for (int k = 0; k < METRICS_REFUSED_KINDS; k++)
        buf_appendf(out, "radmap_http_refused_total{reason=\"%s\"} %llu\n", why[k],
                    (unsigned long long)atomic_load(&m->refused[k]));
}
