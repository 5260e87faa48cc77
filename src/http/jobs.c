/*
 * jobs: bounded job pool with connection suspension; see jobs.h.
 */
#include "http/jobs.h"

#include <pthread.h>
#include <stdlib.h>

#include "http/server_int.h"

typedef struct job {
    http_request *req;
    void (*work)(http_request *req);
    struct job *next;
} job;

struct jobs {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job *head, *tail;
    int queued, queue_max, nthreads;
    int stopping;
    pthread_t *threads;
};

static void *worker(void *arg)
{
    jobs *j = arg;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        while (!j->head && !j->stopping)
            pthread_cond_wait(&j->cv, &j->mu);
        if (!j->head && j->stopping)
            break;
        job *w = j->head;
        j->head = w->next;
        if (!j->head)
            j->tail = NULL;
        j->queued--;
        pthread_mutex_unlock(&j->mu);
        w->work(w->req);
        MHD_resume_connection(w->req->conn);
        free(w);
        pthread_mutex_lock(&j->mu);
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

jobs *jobs_create(int threads, int queue)
{
    jobs *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    j->queue_max = queue;
    j->threads = calloc((size_t)threads, sizeof *j->threads);
    for (int i = 0; i < threads; i++)
        if (pthread_create(&j->threads[i], NULL, worker, j) == 0)
            j->nthreads++;
    return j;
}

void jobs_destroy(jobs *j)
{
    if (!j)
        return;
    pthread_mutex_lock(&j->mu);
    j->stopping = 1;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
    for (int i = 0; i < j->nthreads; i++)
        pthread_join(j->threads[i], NULL);
    free(j->threads);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cv);
    free(j);
}

int http_defer(http_request *req, void (*work)(http_request *req), http_handler finish, rm_error *err)
{
    jobs *j = server_jobs(req);
    job *w = calloc(1, sizeof *w);
    if (!w)
        return rm_error_set(err, 503, "Service Unavailable", "out of memory");
    w->req = req;
    w->work = work;
    pthread_mutex_lock(&j->mu);
    if (j->queued >= j->queue_max || j->stopping) {
        pthread_mutex_unlock(&j->mu);
        free(w);
        http_set_header(req, "Retry-After", "2");
        return rm_error_set(err, 503, "Service Unavailable", "too many requests of this kind are waiting; try "
                            "again in a few seconds");
    }
    req->finish = finish;
    /* Suspend before the job can run, so the job's resume always follows it. */
    MHD_suspend_connection(req->conn);
    if (j->tail)
        j->tail->next = w;
    else
        j->head = w;
    j->tail = w;
    j->queued++;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    return 0;
}
