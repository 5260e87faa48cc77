/*
 * db: connections to the register, a SpatiaLite database in WAL mode.
 *
 * Each connection has mod_spatialite's functions (through libspatialite's per-connection cache),
 * radmap's own SQL functions (sqlfunc.h), foreign keys on, and a cache of prepared statements
 * keyed by their SQL text (the read paths prepare each statement shape once per thread).
 * Read connections are query-only; the writer uses synchronous=FULL so that an acknowledged write
 * survives a power loss (DESIGN §2). A db_conn is used by one thread at a time.
 */
#ifndef RADMAP_DB_H
#define RADMAP_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

typedef struct db_conn db_conn;

/* The audit chain's head held in memory during a batch of appends in one write transaction (an
 * import): see audit_batch_begin() in db/audit.h. Kept on the connection, so that every append on
 * it (whichever module makes it) follows the same head. */
typedef struct db_audit_batch {
    int active;        /* in a batch */
    int appended;      /* rows appended in it */
    char head[65];     /* hash of the newest row (or the genesis) */
} db_audit_batch;
db_audit_batch *db_audit_batch_state(db_conn *c);

enum {
    DB_READONLY = 1,  /* query_only connection */
    DB_READWRITE = 2, /* writer: busy timeout, synchronous=FULL */
    DB_CREATE = 4,    /* create the file when missing (with DB_READWRITE) */
    DB_BULK = 8,      /* a writer of large transactions: writes gathered (db/bulkvfs.h) */
};

/* Once per process, before any connection, and once at exit. */
void db_global_init(void);
void db_global_shutdown(void);

/* Open path with flags. On success *out is a new connection (db_close() it) and 0 is returned;
 * on failure -1 with err filled (503 when the file cannot be opened). */
int db_open(const char *path, int flags, db_conn **out, rm_error *err);
void db_close(db_conn *c);
sqlite3 *db_sqlite(db_conn *c);

/* A prepared statement for sql from this connection's cache (prepared on first use). The caller
 * binds, steps, then calls db_stmt_done(). Returns NULL with err filled (500) when sql does not
 * compile. The statement belongs to the connection: never finalize it. */
sqlite3_stmt *db_stmt(db_conn *c, const char *sql, rm_error *err);
void db_stmt_done(sqlite3_stmt *st);
/* Run one or more statements without results. 0 or -1 with err filled. */
int db_exec(db_conn *c, const char *sql, rm_error *err);
/* PRAGMA data_version: changes when another connection commits (DESIGN §2, cache coherence).
 * While nothing at all was committed since the previous call on c (the WAL-index header is the
 * same), it is answered from memory without a transaction. */
int64_t db_data_version(db_conn *c);
/* How many times db_data_version() had to ask SQLite on c (for tests). */
uint64_t db_data_version_queries(db_conn *c);
/* A number that changes whenever what c reads may have changed: another connection's commit or a
 * write through c itself. Equal numbers from one connection mean nothing was written in between,
 * so a value read from c under the first still holds (api/auth's token cache). Never 0. */
uint64_t db_generation(db_conn *c);
/* True when another connection committed since the previous call on c (true on the first call). */
bool db_changed_since_last_check(db_conn *c);
/* Set the deadline (CLOCK_MONOTONIC microseconds, 0 for none) after which queries on read
 * connections of the calling thread are interrupted (err 503). */
void db_deadline_set(int64_t deadline_us);
/* Waits for locks held by other connections (every connection of the process): how many
 * statements had to wait, the time spent waiting, and how many gave up (SQLITE_BUSY). */
typedef struct db_busy_stats {
    uint64_t waits, wait_us, timeouts;
} db_busy_stats;
void db_busy_get_stats(db_busy_stats *out);

/* Fill err from the connection's last SQLite error; returns -1. status 503 for busy/locked/full
 * or read-only databases (with a detail that says what to do), else the given status. */
int db_error(db_conn *c, rm_error *err, int status, const char *what);

#endif
