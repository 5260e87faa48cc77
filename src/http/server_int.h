/*
 * server_int: what the http module's files share about the running server (not for other layers).
 */
#ifndef RADMAP_SERVER_INT_H
#define RADMAP_SERVER_INT_H

#include "http/http.h"

struct jobs;
/* The job pool of the server running req. */
struct jobs *server_jobs(http_request *req);

#endif
