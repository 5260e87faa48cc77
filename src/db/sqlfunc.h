/*
 * sqlfunc: radmap's own SQL functions, registered on every connection, so that filters, sorting
 * and the derived properties computed in SQL agree exactly with the C code (core/iaea, core/fold):
 *   rm_fold(text)                                   -> search key (core/fold)
 *   rm_decay(activity_bq, 'YYYY-MM-DD', half_life_s, today_day_number) -> current activity, Bq
 *   rm_aod(activity_bq, d_value_tbq)                -> A/D, NULL without a D-value
 *   rm_category(a_over_d)                           -> 1..5, NULL for NULL
 * All deterministic and innocuous.
 */
#ifndef RADMAP_SQLFUNC_H
#define RADMAP_SQLFUNC_H

#include <sqlite3.h>

void sqlfunc_register(sqlite3 *db);

#endif
