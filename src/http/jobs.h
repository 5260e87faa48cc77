/*
 * jobs: a small bounded pool of threads for work too slow for a connection thread (password
 * hashing now; imports, exports and offline packages later), DESIGN §2.
 *
 * A handler calls http_defer(): the connection is suspended (MHD_suspend_connection), the work runs
 * on a job thread, the connection is resumed, and the router then calls the handler's `finish`
 * function on a pool thread to write the answer. At most `threads` jobs run at once and at most
 * `queue` wait; beyond that http_defer() fails with 503 so a flood of logins cannot pile up.
 */
#ifndef RADMAP_JOBS_H
#define RADMAP_JOBS_H

#include "http/http.h"

typedef struct jobs jobs;

jobs *jobs_create(int threads, int queue);
/* Waits for queued work to finish, then stops the threads. */
void jobs_destroy(jobs *j);

/* Run work(req) on the job pool, then finish(req, err) on a connection thread. The handler that
 * calls this must return HTTP_DEFERRED. -1 with err (503) when the queue is full. */
int http_defer(http_request *req, void (*work)(http_request *req), http_handler finish, rm_error *err);

#endif
