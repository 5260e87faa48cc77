/*
 * crs_store: the coordinate-system settings kept in the database (sql/009_crs.sql) and their
 * installation into geo/crs for this process: the admin-defined VN-2000 TM-3 zones (table
 * crs_zone) and the pinned VN-2000 to WGS 84 transformation (meta 'crs_transformation').
 *
 * Every writer (the server's admin routes, `radmap crs`, plain SQL) changes meta 'crs_version'
 * through the migration's triggers; crs_store_sync() compares it with what this process installed
 * and reloads when it differs, so a running server follows a change made by the command line at
 * its next request that names a CRS, without restart. The write functions validate, write, append
 * the audit row and commit in one transaction of their own (nothing is written on failure).
 */
#ifndef RADMAP_CRS_STORE_H
#define RADMAP_CRS_STORE_H

#include <stdint.h>

#include "core/error.h"
#include "db/db.h"
#include "geo/crs.h"

/* Read the zones and the transformation through db and install them (crs_configure). 0, or -1 with
 * err (500 when what the database holds cannot be used). A database without the crs_zone table
 * (not yet migrated) installs the defaults. */
int crs_store_load(db_conn *db, rm_error *err);
/* crs_store_load when meta 'crs_version' differs from what this process installed last (one
 * indexed read otherwise). Thread-safe. 0 or -1 with err. */
int crs_store_sync(db_conn *db, rm_error *err);
/* Open path read-only and load (for commands that transform: import, export). 0 or -1 with err. */
int crs_store_load_path(const char *path, rm_error *err);

/* Define a zone with central meridian `minutes` (arc-minutes east) and name (1-100 characters,
 * no control characters). Refused: 409 when a built-in EPSG TM-3 system or another zone has that
 * meridian (the detail names it), 422 for a bad name or meridian. *id receives the new id.
 * Writes through db (a writer connection) in its own transaction, with an audit row by who. */
int crs_store_add_zone(db_conn *db, int minutes, const char *name, const char *who, int64_t *id, rm_error *err);
/* Remove zone id: 0, or -1 with err (404 when there is none). Own transaction, audited. */
int crs_store_remove_zone(db_conn *db, int64_t id, const char *who, rm_error *err);
/* Set the transformation (spec as crs_transformation_check; NULL or "" restores the default):
 * checked, stored canonical (canon receives it, 1024 bytes), audited. 0, or -1 with err (400). */
int crs_store_set_transformation(db_conn *db, const char *spec, const char *who, char *canon, size_t canon_cap,
                                 rm_error *err);

/* The stored transformation spec ("" when the default applies), for listings. */
void crs_store_transformation(db_conn *db, char *out, size_t cap);

#endif
