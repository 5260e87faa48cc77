/*
 * demo_compliance: the X-ray compliance records and the people of the demo city (radmap init
 * --demo): rooms with their shielding and area surveys, QC test certificates of the devices,
 * declaration confirmations of the devices the licensing history left without one, the people of
 * each facility (a safety officer and radiation workers, with certificates, training, health checks
 * and five years of quarterly personal dose records), the facilities' documents, and findings of
 * recent inspections that point at these items.
 *
 * Most records are in order; a few QC certificates have expired, some items fall due within the
 * due window, one room has no area survey, and exactly one worker's last quarter is above the
 * investigation level, as a register of a real city looks. Deterministic for a seed and a day
 * (RADMAP_TODAY); every row has is_demo = 1.
 */
#ifndef RADMAP_DEMO_COMPLIANCE_H
#define RADMAP_DEMO_COMPLIANCE_H

#include <sqlite3.h>

#include "core/error.h"
#include "db/demo.h"

/* Write the compliance demo into db inside the caller's transaction, after the facilities, devices
 * and the licensing history. Does nothing for a scaled-up register (facilities > 0). 0 or -1 with
 * err (the caller rolls back). */
int demo_compliance_generate(sqlite3 *db, const demo_options *opt, rm_error *err);

#endif
