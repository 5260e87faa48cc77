/*
 * lifecycle: a radioactive source's transactions (sql/008_lifecycle.sql) and the state they give
 * it. Recording a transaction checks it against the source's replayed state (core/replay.h) and,
 * for a receipt, transfer or temporary site, against the receiving facility's authorizations;
 * then, inside the caller's write transaction, it appends the row, updates the source's derived
 * columns (facility_id, status, own_location, position, container), writes the tile_change rows
 * of the old and new positions, and closes loss and theft events whose sources are all recovered.
 *
 * The caller owns the write transaction and the audit rows (it renders the feature before and
 * after); everything here runs on the connection it is given.
 */
#ifndef RADMAP_LIFECYCLE_H
#define RADMAP_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/replay.h"
#include "db/db.h"

/* A transaction to record, as validated input. Strings may be NULL. */
typedef struct lifecycle_tx {
    int64_t source_id;
    const char *kind;
    const char *date;             /* YYYY-MM-DD */
    int64_t to_facility_id;       /* 0: none */
    const char *counterparty;
    const char *documents;        /* JSON array text */
    const char *status_after;     /* NULL: the kind's default */
    const char *place;
    bool has_place;
    double lon, lat;
    const char *period_start, *period_end;
    const char *container;
    int64_t replaced_source_id;   /* exchange: the source taken out of the container (0: none) */
    const char *plan, *plan_due;  /* disuse */
    const char *note;
    const char *exception_reason; /* non-NULL: record even without a covering authorization */
    bool may_except;              /* the caller's role may record exceptions (leader) */
    const char *user;
    bool is_demo;
    bool skip_authorization;      /* demo history: the licences are drawn afterwards */
    bool no_opening;              /* a new record (an orphan): its first transaction starts the history */
} lifecycle_tx;

/* The result of recording. */
typedef struct lifecycle_result {
    int64_t transaction_id;
    int64_t authorization_id;     /* the authorization that covers it (0: none checked or none) */
    bool exception;               /* recorded as a flagged exception */
    int64_t closed_events;        /* loss/theft events closed by this recovery */
    int64_t replaced_transaction_id; /* exchange: the return recorded on the replaced source */
} lifecycle_result;

/* Replay the stored transactions of source_id into *s (zeroed first); *count receives their
 * number. 0, or -1 with err (500 for SQLite, 409 when the stored history does not replay). */
int lifecycle_replay(db_conn *db, int64_t source_id, replay_state *s, int *count, rm_error *err);

/* Whether facility_id's valid authorizations cover holding (or using at place) a source of nuclide
 * with current activity activity_bq besides what it already holds (except source_id): 1 covered
 * (*auth_id set), 0 not covered (why says why), -1 error. today: day number. */
int lifecycle_check_authorization(db_conn *db, int64_t facility_id, int64_t source_id, const char *nuclide,
                                  double activity_bq, bool has_place, double lon, double lat, int32_t today,
                                  int64_t *auth_id, char *why, size_t n, rm_error *err);

/* Record tx inside the caller's write transaction. 0 with *res, or -1 with err: 404 no source,
 * 403 a national regulator's source, 409 the transaction cannot follow the source's state or no
 * authorization covers it (the reason in the detail), 500 SQLite. */
int lifecycle_record(db_conn *db, const lifecycle_tx *tx, int32_t today, lifecycle_result *res, rm_error *err);

/* Whether a direct edit of source id would change what its transactions derive: 1 when it has
 * transactions and facility_id, status (NULL: the default in_use) or the own position (own, lon,
 * lat) differ from the row (why says what and how to record it), 0 when the edit may go ahead,
 * -1 with err. */
int lifecycle_locked_change(db_conn *db, int64_t id, int64_t facility_id, const char *status, bool own, double lon,
                            double lat, char *why, size_t n, rm_error *err);

/* Write tile_change rows for layer around (lon, lat). 0 or -1 with err. */
int lifecycle_tile_change(db_conn *db, const char *layer, double lon, double lat, rm_error *err);

/* Normalise a manufacturer, model or serial text for matching: folded (no diacritics, lower
 * case), letters and digits only. Writes at most n-1 bytes to out. Company suffixes (co, ltd,
 * plc, inc, gmbh, corp, corporation, company) are dropped when drop_suffix. */
void lifecycle_norm_key(const char *s, bool drop_suffix, char *out, size_t n);

#endif
