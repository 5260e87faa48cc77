/*
 * crosswalk: pre-2025 district and ward names to the 2025 ward or commune, through the
 * admin_crosswalk table (sql/006_legacy.sql), which starts as a copy of geodata/admin_crosswalk.csv
 * and is editable afterwards.
 *
 * Legacy registers write the same place many ways ("Quận 1", "Q.1", "Q1", "quan 1"; "Phường 01",
 * "P.1"; "Thành phố Thủ Dầu Một", "TP Thủ Dầu Một"), so names are matched by a key: folded
 * (core/fold.h), administrative-level words dropped (quận, huyện, thị xã, thành phố, phường, xã,
 * thị trấn and their abbreviations), numbers without leading zeros.
 */
#ifndef RADMAP_CROSSWALK_H
#define RADMAP_CROSSWALK_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"
#include "db/db.h"

/* The match key of an administrative name, appended to out ("Q.01" -> "1", "Phường Bến Nghé" ->
 * "ben nghe"). */
void crosswalk_key(const char *name, buf *out);

/* Fill admin_crosswalk from the shipped CSV once (meta admin_crosswalk_loaded remembers it, so rows
 * an administrator deletes stay deleted). No-op when the table does not exist. Inside the caller's
 * transaction. 0 or -1 with err. */
int crosswalk_ensure(db_conn *c, rm_error *err);

/* The 2025 ward of an old district and ward (province may be NULL): 1 with out filled, 0 when the
 * crosswalk has no single answer, -1 with err on a database error. */
int crosswalk_lookup(db_conn *c, const char *province, const char *district, const char *ward, char *out,
                     size_t out_len, rm_error *err);

#endif
