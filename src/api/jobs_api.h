/*
 * jobs_api: long-running work that outlives its request (imports, large exports), and the resource
 * /jobs/{id} that reports it: status, progress, the result (a JSON report; a file at
 * /jobs/{id}/result). A POST that starts one answers 202 Accepted with Location: /jobs/{id}.
 *
 * Each job runs on its own thread, at most JOBS_API_RUNNING at once (the others wait their turn), so
 * neither the connection threads nor the short-job pool of http/jobs.h are held. Jobs are kept in
 * memory for JOBS_API_KEEP_S seconds after they end (their files removed then), and only the user
 * who started one (or an administrator) may read it. The registry is process-wide state behind its
 * own lock (DESIGN §2).
 */
#ifndef RADMAP_JOBS_API_H
#define RADMAP_JOBS_API_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "http/http.h"

#define JOBS_API_RUNNING 2
#define JOBS_API_KEEP_S 3600

typedef struct bgjob bgjob;

/* A new queued job of kind ("import", "export") owned by the caller of req; its id in id_out.
 * NULL when too many jobs are kept (the caller answers 503). */
bgjob *bgjob_create(http_request *req, const char *kind, char id_out[40]);
/* Run fn(job, arg) on the job's own thread; free_arg(arg) afterwards (may be NULL). 0, or -1 with
 * err when no thread can be started (the job is then marked failed). */
int bgjob_start(bgjob *j, void (*fn)(bgjob *j, void *arg), void *arg, void (*free_arg)(void *), rm_error *err);
/* From the job's thread: progress so far (total -1 when unknown). */
void bgjob_progress(bgjob *j, long done, long total);
/* From the job's thread, once: the outcome. result_json (copied) is a JSON object or NULL; file
 * (taken over: removed when the job expires) the path of a result file or NULL, with its media type
 * and the name a download should get. */
void bgjob_finish(bgjob *j, bool ok, const char *result_json, char *file, const char *mime, const char *download_name);
/* Answer 202 with Location and the job's JSON (status queued). */
void bgjob_reply_accepted(http_request *req, const char *id);
/* Wait for running jobs to end (server shutdown). */
void jobs_api_shutdown(void);

/* GET /jobs/{id} and GET /jobs/{id}/result. */
int api_job(http_request *req, rm_error *err);
int api_job_result(http_request *req, rm_error *err);

#endif
