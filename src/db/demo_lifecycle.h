/*
 * demo_lifecycle: the demo city's source histories and incidents (radmap init --demo): every source
 * gets the transactions that lead to its state in the register (a receipt from its maker at its
 * reference date, then disuse with a plan, a return, a disposal or the loss of the one lost
 * source), so that replaying them reproduces every row; the open loss event of the lost source, a
 * closed equipment failure, one orphan source found and in custody, the catalogue of the sources'
 * makers and models, and a few violations from failed inspections with sanctions and corrective
 * actions (one overdue). Deterministic for a seed and a day; every row is demo data.
 */
#ifndef RADMAP_DEMO_LIFECYCLE_H
#define RADMAP_DEMO_LIFECYCLE_H

#include <sqlite3.h>

#include "core/error.h"
#include "db/demo.h"

/* Write the lifecycle demo into db inside the caller's transaction, after everything else (the
 * bulk load finished). Does nothing for a scaled-up register (facilities > 0). 0 or -1 with err. */
int demo_lifecycle_generate(sqlite3 *db, const demo_options *opt, rm_error *err);

#endif
