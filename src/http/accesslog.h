/*
 * accesslog: one line per finished request, as a JSON object, so that a log shipper or `jq` reads
 * it without a parser of its own:
 *
 *   {"time":"2026-06-15T03:04:05.678Z","remote":"127.0.0.1","method":"GET","path":"/collections",
 *    "query":"?limit=10","status":200,"bytes":1234,"duration_ms":1.92,"user":"lan.nguyen"}
 *
 * ("user" is absent for anonymous callers; "forwarded_for" carries X-Forwarded-For when a proxy
 * sent it; "aborted":true marks a request whose client went away before the answer was sent.)
 * Times are UTC. bytes counts the body as sent (after gzip).
 *
 * The log goes to standard error (the journal, under systemd) or to a file opened for appending;
 * accesslog_reopen() reopens the file (SIGHUP, after logrotate moved it). Lines are written whole
 * with one write() under a lock, so lines of concurrent requests never interleave.
 */
#ifndef RADMAP_ACCESSLOG_H
#define RADMAP_ACCESSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct accesslog accesslog;

/* Open the log: path NULL or "-" for standard error, "off" for a log that writes nothing, else a
 * file created with mode 0640 and appended to. The log (free with accesslog_close()), or NULL with
 * err filled when the file cannot be opened. */
accesslog *accesslog_open(const char *path, rm_error *err);
/* Reopen the file (after log rotation); a no-op for standard error. 0 or -1 (the old file stays). */
int accesslog_reopen(accesslog *l);
void accesslog_close(accesslog *l);

typedef struct accesslog_entry {
    const char *remote;        /* client address, may be NULL */
    const char *forwarded_for; /* X-Forwarded-For, may be NULL */
    const char *method;
    const char *path;
    const char *query;         /* "?a=1&b=2" or "" */
    int status;
    size_t bytes;
    int64_t duration_us;
    const char *user;          /* NULL or "": anonymous */
    bool aborted;
} accesslog_entry;

/* Write one line. Never fails visibly (a full disk loses log lines, not requests). */
void accesslog_write(accesslog *l, const accesslog_entry *e);

#endif
