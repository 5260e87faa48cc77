/*
 * merge: duplicates across the registers of the former departments, and merging two records into
 * one (radmap duplicates, GET /duplicates, radmap merge).
 *
 * Candidates (a pair is listed once per rule, lower id first):
 *   tax_code  facilities of different registers (legacy_system) whose licensees share a tax code;
 *   name_50m  facilities with the same folded name (core/fold.h) within 50 m of each other (geodesic);
 *   serial    sources, or devices, with the same manufacturer, model and serial number (folded, and
 *             serial numbers compared without spaces, dashes, dots and slashes).
 *
 * A merge keeps one record and removes the other in one audited transaction: every row that
 * references the dropped record (sources, devices, authorizations, inspections, dossiers, practices,
 * any table whose foreign key names it) is moved to the kept one, with the position of the kept
 * facility where it sat at its facility; the kept record's empty fields take the dropped one's
 * values; the dropped record is deleted and remembered in record_merge. The audit trail is append-only,
 * so history is not rewritten: the kept record gets a "merge" row carrying the dropped record whole,
 * each moved source, device, authorization ... an "update" row, and the dropped one a "delete" row
 * that names the record it went into.
 */
#ifndef RADMAP_MERGE_H
#define RADMAP_MERGE_H

#include <stdint.h>

#include "core/error.h"
#include "db/db.h"

typedef struct dup_side {
    int64_t id;
    char code[64];           /* facilities: register code; sources, devices: serial number */
    char name[256];          /* facilities: name; sources: nuclide; devices: type */
    char legacy_system[64];
    char legacy_id[64];
    int64_t facility_id;     /* sources, devices: the holder */
} dup_side;

typedef struct dup_pair {
    const char *collection;  /* facilities, sources, devices */
    const char *rule;        /* tax_code, name_50m, serial */
    char key[160];           /* the shared value (tax code, folded name, manufacturer|model|serial) */
    dup_side a, b;
    double distance_m;       /* geodesic distance of the two positions */
} dup_pair;

/* Call cb for each candidate pair (a negative return stops). 0, or -1 with err. */
int merge_find_duplicates(db_conn *c, int (*cb)(void *arg, const dup_pair *p), void *arg, rm_error *err);

typedef struct merge_report {
    long moved;              /* rows that referenced the dropped record and now reference the kept one */
    long dropped_conflicts;  /* of those, rows the kept record already had (a practice both listed) */
    long fields_filled;      /* empty fields of the kept record filled from the dropped one */
} merge_report;

/* Merge drop into keep in collection (facilities, sources, devices, receptors) of the register open
 * on writer c, as user. Its own transaction. 0, or -1 with err (404 unknown id, 403 a national
 * regulator's record, 409 keep == drop). */
int merge_records(db_conn *c, const char *collection, int64_t keep, int64_t drop, const char *user,
                  merge_report *rep, rm_error *err);

#endif
