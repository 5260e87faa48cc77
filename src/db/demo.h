/*
 * demo: the deterministic generator of the demo register (radmap init --demo).
 *
 * Default: a realistic inventory of today's Ho Chi Minh City (since 1 July 2025 including the
 * former Bình Dương and Bà Rịa-Vũng Tàu provinces): about 1 500 facilities, 3 500 X-ray devices,
 * 600 sealed sources. With facilities > 0 the same generator scales up to 1 000 000 facilities
 * spread over Vietnam's populated areas, for benchmarks. Same seed, same rows. Every generated
 * row has is_demo = 1, and meta holds demo=1 with the seed.
 */
#ifndef RADMAP_DEMO_H
#define RADMAP_DEMO_H

#include <sqlite3.h>

#include "core/error.h"
#include "db/db.h"

typedef struct demo_options {
    long facilities;      /* 0: the demo city (about 1 500); otherwise that many facilities */
    unsigned long seed;   /* generator seed; same seed, same data */
    int progress;         /* non-zero: progress lines on stderr */
} demo_options;

/* Fill an initialised, migrated, empty register (spatialite loaded on c). Runs in its own
 * transaction; on failure nothing is written and err says why. Returns 0 or -1. */
int demo_generate(db_conn *c, const demo_options *opt, rm_error *err);

#endif
