/*
 * demo_licensing: the licensing part of the demo city (radmap init --demo): two years of dossier
 * history, the authorizations the register's facilities hold, the national regulator's licences
 * and years of inspections, so that the deadlines, the one-stop figures and the inspection plan
 * look like a real department's. Deterministic for a seed and a day (RADMAP_TODAY).
 */
#ifndef RADMAP_DEMO_LICENSING_H
#define RADMAP_DEMO_LICENSING_H

#include <sqlite3.h>

#include "core/error.h"
#include "db/demo.h"

/* Write the licensing demo into db, inside the caller's transaction, after the facilities, devices
 * and sources are written. Does nothing when opt asks for a scaled-up register (facilities > 0):
 * the history is the demo city's. 0 or -1 with err (the caller rolls back). */
int demo_licensing_generate(sqlite3 *db, const demo_options *opt, rm_error *err);

#endif
