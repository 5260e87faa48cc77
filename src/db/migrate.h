/*
 * migrate: creating and upgrading the register's schema from the numbered migrations in sql/
 * (embedded in the binary), and loading the shipped reference data (geodata/nuclides.csv).
 *
 * The version applied is recorded in table schema_migration (one row per migration) and in
 * PRAGMA user_version. Each migration runs in its own transaction, so a failure leaves the database
 * at the last good version. Applying migrations one by one to an old database gives the same schema
 * as creating a new one (tested).
 */
#ifndef RADMAP_MIGRATE_H
#define RADMAP_MIGRATE_H

#include "db/db.h"

/* Highest migration number shipped in this binary. */
int migrate_latest(void);
/* Version of the open database (0 for an empty file, -1 on error). */
int migrate_version(db_conn *c);
/* Bring c (a writer) to version `to` (<= 0: the latest), then load reference data that is missing.
 * *applied (may be NULL) receives how many migrations ran. A database newer than this binary is an
 * error (409). Returns 0 or -1 with err filled. */
int migrate_apply(db_conn *c, int to, int *applied, rm_error *err);

#endif
