/*
 * server_int: what the http module's files share about the running server (not for other layers).
 */
#ifndef RADMAP_SERVER_INT_H
#define RADMAP_SERVER_INT_H

#include "http/http.h"

struct jobs;
/* The job pool of the server running req. */
struct jobs *server_jobs(http_request *req);
/* Take one of the concurrency slots of req's route (http_route_limit.max_concurrent), held until
 * the request is freed. 0 (also when the route has no cap), or -1 with err (503, Retry-After set)
 * when all are taken. */
int server_slot_acquire(http_request *req, rm_error *err);
void server_slot_release(http_request *req);

#endif
