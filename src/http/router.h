/*
 * router: matches a request's method and path against the routing table, captures "{}" segments,
 * answers OPTIONS (Allow + CORS preflight), 404 for unknown paths and 405 for known paths with a
 * method they do not take; otherwise runs the handler and turns its rm_error into a problem answer.
 */
#ifndef RADMAP_ROUTER_H
#define RADMAP_ROUTER_H

#include "http/http.h"

/* Returns 0 when the answer is in req, HTTP_DEFERRED when a handler deferred its work. */
int router_dispatch(const http_route *routes, http_request *req);
/* Run a deferred handler's finish function and turn its error into a problem answer. */
void router_finish(http_request *req, http_handler finish);
/* The entry of limits (terminated by a NULL pattern; may be NULL) for method and path, or NULL. */
const http_route_limit *router_limit(const http_route_limit *limits, int method, const char *path);
/* Write the Allow header value for a method mask ("GET, HEAD, OPTIONS") into b. */
void router_allow(int methods, buf *b);

#endif
