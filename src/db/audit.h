/*
 * audit: the append-only, hash-chained audit trail (DESIGN §3). Each row stores the hash of the
 * row before it and its own hash over every field, so a row changed, inserted or removed behind the
 * server's back breaks the chain, and `radmap audit verify` finds where. Triggers refuse UPDATE and
 * DELETE on the table. Rows carry the feature before and after the change as JSON, never secrets.
 *
 * Hash of a row: hex BLAKE2b-256 over prev_hash, then each field as its byte length and bytes:
 * at, user_name, action, collection, feature_id (decimal), import_id, before_json, after_json
 * (a NULL field is written as length -1), so no two different rows hash alike by shifting bytes.
 */
#ifndef RADMAP_AUDIT_H
#define RADMAP_AUDIT_H

#include <stdint.h>

#include "core/error.h"
#include "db/db.h"

#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/*
 * A batch of appends inside one write transaction on c (an import of many features): the chain's
 * head is read once at the start and written to meta.audit_head once at the end, instead of a read
 * and a write per row. Every audit_append on c in between follows the head held in memory. Call
 * audit_batch_end before COMMIT; audit_batch_abort when the transaction is rolled back (harmless
 * when no batch is open). 0 or -1 with err.
 */
int audit_batch_begin(db_conn *c, rm_error *err);
int audit_batch_end(db_conn *c, rm_error *err);
void audit_batch_abort(db_conn *c);

/* Append one row inside the caller's write transaction on c. before/after/import_id may be NULL.
 * 0 or -1 with err. */
int audit_append(db_conn *c, const char *user, const char *action, const char *collection, int64_t feature_id,
                 const char *import_id, const char *before_json, const char *after_json, rm_error *err);

/* Append n rows (1 to AUDIT_ROWS_MAX) that share user, action, collection and import id, in one
 * statement: the rows of an import's batch. feature_ids[i], before_json[i] (NULL: none; the array
 * may be NULL) and after_json[i] per row, chained in that order. 0 or -1 with err. */
#define AUDIT_ROWS_MAX 32
int audit_append_rows(db_conn *c, const char *user, const char *action, const char *collection,
                      const char *import_id, int n, const int64_t *feature_ids, const char *const *before_json,
                      const char *const *after_json, rm_error *err);

typedef struct audit_report {
    int64_t rows;
    int64_t first_bad_id;   /* 0 when the chain is intact */
    char problem[256];
} audit_report;

/* Walk the whole chain. 0 with *rep filled (first_bad_id says whether it is intact), or -1 with err. */
int audit_verify(db_conn *c, audit_report *rep, rm_error *err);

#endif
