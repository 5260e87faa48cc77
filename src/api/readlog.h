/*
 * readlog: the read log of sensitive rows and the per-user bulk-reading quota (DESIGN §3, §5).
 *
 * Reads of sources and devices (their details and positions) are recorded as who, when, route,
 * collection and ids in the append-only table read_log. Entries are queued in memory and written by
 * a background thread in one transaction per second, so a read never waits for a disk write; the
 * queue is flushed when the server stops. The quota counts the sensitive rows each user read in the
 * current clock hour: beyond it the server answers 429 until the hour turns.
 */
#ifndef RADMAP_READLOG_H
#define RADMAP_READLOG_H

#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

/* Ids written in one entry; beyond them the entry says how many rows there were. */
#define READLOG_IDS_LISTED 200

typedef struct readlog readlog;
struct app_state;

/* A log writing through the app's writer connection; quota_rows per user and hour (0: no quota). */
readlog *readlog_create(struct app_state *app, long quota_rows);
/* Flush and stop. */
void readlog_destroy(readlog *r);
/* Before a sensitive read: -1 with err (429 and Retry-After) when the caller's quota is spent. */
int readlog_check(readlog *r, http_request *req, rm_error *err);
/* After a sensitive read of n rows with these ids (ids[0 .. min(n, READLOG_IDS_LISTED)) are read;
 * NULL: ids not known). */
void readlog_record(readlog *r, http_request *req, const char *collection, const int64_t *ids, size_t n);
/* Write what is queued now (tests, shutdown). */
void readlog_flush(readlog *r);

#endif
