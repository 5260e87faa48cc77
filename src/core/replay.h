/*
 * replay: the state of a radioactive source (holding facility, status, own position, container)
 * as its transactions make it, one transaction at a time. The writer (db/lifecycle.c) applies a new
 * transaction to the replayed state to compute what it stores on the source row, and the replay
 * test runs every source's transactions from the start and compares the result with the row.
 *
 * Pure logic: facility positions come through a callback; no SQLite, no HTTP.
 */
#ifndef RADMAP_REPLAY_H
#define RADMAP_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REPLAY_CONTAINER_MAX 101

typedef struct replay_state {
    bool started;          /* a transaction has been applied */
    int64_t facility_id;   /* 0 before the first transaction */
    char status[16];       /* source status (sql/001_core.sql) */
    bool own_location;     /* away from its facility: the position is its own */
    double lon, lat;
    char container[REPLAY_CONTAINER_MAX]; /* "" when none */
} replay_state;

typedef struct replay_tx {
    const char *kind;          /* receipt, transfer, exchange, temporary_site, site_end, disuse, return,
                                * disposal, loss, theft, recovery */
    int64_t to_facility_id;    /* 0: none named */
    const char *status_after;  /* requested status (NULL: the kind's default) */
    bool has_place;
    double lon, lat;
    const char *container;     /* exchange: the device or container (NULL: none named) */
} replay_tx;

/* Position of a facility: true with *lon, *lat, false when there is no such facility. */
typedef bool (*replay_facility_pos)(void *arg, int64_t facility_id, double *lon, double *lat);

/* Whether kind is one of the transaction kinds. */
bool replay_kind_known(const char *kind);
/* The transaction kinds, NULL-terminated. */
extern const char *const replay_kinds[];

/* Apply tx to s. 0 with s updated, or -1 with a sentence in why[0..n) saying why the transaction
 * cannot follow the state (s unchanged): a transfer of a lost source, a recovery of a source in
 * use, a status the kind does not lead to, an unknown facility ... */
int replay_apply(replay_state *s, const replay_tx *tx, replay_facility_pos pos, void *arg, char *why, size_t n);

#endif
