/*
 * demo_receptors: the sensitive sites of the demo register (radmap init --demo): schools,
 * kindergartens, hospitals, markets, drinking-water intakes, stadiums, shopping centres and places
 * of worship, the places emergency planners look for around an incident.
 *
 * The demo city gets about sixty well-known sites at their approximate real positions (Chợ Bến
 * Thành, Chợ Bình Tây, Bệnh viện Chợ Rẫy, the raw-water intakes of Hóa An on the Đồng Nai and of
 * Hòa Phú and Thủ Dầu Một on the Sài Gòn river ...) and a few hundred generated ones scattered
 * around the same places the facilities cluster around (db/demo_names.h), with Vietnamese names of
 * the usual forms ("Trường THPT Nguyễn Du", "Trường Tiểu học ...", "Trường Mầm non Hoa Sen",
 * "Chợ ...", "Trạm Y tế ..."). A scaled run (facilities > 0) spreads about one receptor per five
 * facilities over every region. Same seed, same rows; every row has is_demo = 1.
 */
#ifndef RADMAP_DEMO_RECEPTORS_H
#define RADMAP_DEMO_RECEPTORS_H

#include <sqlite3.h>

#include "core/error.h"
#include "db/demo.h"

/* Insert the demo receptors into db (spatialite loaded, migrated; called inside the demo
 * generator's transaction, so it opens none). 0, or -1 with err (500 and SQLite's message). */
int demo_receptors_generate(sqlite3 *db, const demo_options *opt, rm_error *err);

#endif
