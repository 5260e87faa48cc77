/*
 * route_limits: the routes whose limits differ from the server's defaults (--max-body-mb, no cap
 * on concurrency): a larger body for imports, and a cap on how many expensive requests run at
 * once, so that they never take every connection thread from tiles and items (DESIGN §2). Beyond
 * the cap a request gets 503 with Retry-After; a body over its limit gets 413 before it is read.
 * Slow handlers that do not defer their work themselves run on the job pool (run_on_jobs), so a
 * connection thread never waits for them (DESIGN §2).
 * Matched like the routing table (routes.c), by method and pattern.
 */
#include "api/api.h"

#define MB ((size_t)1 << 20)

const http_route_limit api_route_limits[] = {
    /* Area queries: GEOS and geodesics over up to 20 000 vertices, seconds for a large buffer. */
    {HTTP_POST, "/proximity", 0, HTTP_HALF_THREADS, true},
    /* Imports of the one-stop system's and the national regulator's exports (they defer to the job pool
     * themselves). */
    {HTTP_POST, "/dossiers/import", 100 * MB, HTTP_HALF_THREADS, false},
    {HTTP_POST, "/authorizations/import", 100 * MB, HTTP_HALF_THREADS, false},
    {HTTP_POST, "/imports", 100 * MB, 0, false},
    {0, NULL, 0, 0, false},
};
