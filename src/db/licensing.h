/*
 * licensing: the database side of the licensing module that is not tied to one HTTP resource:
 * the reference data it ships (the ten national dossier status codes, the procedure catalogue and
 * the X-ray fee schedule, from geodata/) and the working-day calendar built from the rules and the
 * yearly announcements in calendar_change.
 */
#ifndef RADMAP_LICENSING_H
#define RADMAP_LICENSING_H

#include "core/buf.h"
#include "core/calendar.h"
#include "core/error.h"
#include "db/db.h"

/* Load geodata/dossier_status.csv, procedures.csv and xray_fees.csv into their tables, inside the
 * caller's transaction on c. Rows the tables already hold are kept as they are (an admin's edit
 * survives upgrades; a procedure key already present keeps its versions). 0 or -1 with err. */
int licensing_load_reference(db_conn *c, rm_error *err);

/* The fee rule (JSON text, appended to out) that the fee_rule text of procedures.csv describes:
 * "none", "per device ...", "75% of the new-licence fee", "200000 VND per certificate",
 * "500000 VND"; anything else is {"kind":"unknown"}. new_licence_key names the procedure a
 * percentage refers to. */
void licensing_fee_rule_from_text(const char *text, const char *new_licence_key, buf *out);

/* A working-day calendar with every announced change of calendar_change (read through c).
 * NULL with err on failure; free with cal_destroy. */
cal_calendar *licensing_calendar(db_conn *c, rm_error *err);

/* The stored kind text of a calendar change ("tet" ...) as cal_change_kind, 0 when unknown. */
cal_change_kind licensing_change_kind(const char *kind);

#endif
