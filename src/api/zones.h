/*
 * zones: the areas drawn around a source in an emergency, as numbers.
 *
 * Two kinds, both circles around the source's position (geodesic, drawn by geo/geod.h):
 * - cordon: the IAEA first-responder inner cordoned area for a situation seen from outside
 *   (EPR-First Responders 2006: unshielded or damaged source 30 m, major spill 100 m, fire,
 *   explosion or fumes 300 m, suspected bomb 400 m). The radii come from geodata/cordons.csv,
 *   embedded in the binary. The manual means them for potentially dangerous sources (IAEA
 *   category 1-3); for category 4-5 or an unknown category they are drawn as advisory.
 * - dose_rate: where the dose rate of the source, unshielded, falls to a threshold:
 *   r = sqrt(Γ · A / Ḣ) with Γ the nuclide's air-kerma-rate constant (µGy·m²·h⁻¹·MBq⁻¹),
 *   A the current activity (MBq) and Ḣ the threshold (µSv/h), air kerma taken as dose. An
 *   inverse-square estimate beyond 1 km ignores air attenuation and scatter that dominate there, so
 *   it is flagged unreliable, and it is capped (default 5 km) rather than drawn city-wide.
 *
 * Pure arithmetic and the embedded table; no HTTP, no SQLite. The HTTP resources that use them
 * (/sources/{id}/zones, /alerts) are in zones.c too, declared in api.h.
 */
#ifndef RADMAP_ZONES_H
#define RADMAP_ZONES_H

#include <stdbool.h>

#include "core/error.h"

#define ZONES_MAX_CORDONS 8
#define ZONES_MAX_THRESHOLDS 8
#define ZONES_UNRELIABLE_M 1000.0  /* inverse-square estimates beyond this are flagged */
#define ZONES_DEFAULT_CAP_M 5000.0 /* and drawn no larger than this unless asked */

typedef struct zones_cordon {
    char key[40];           /* scenario key: "fire_explosion" */
    double radius_m;
    char applies_to[16];    /* "outside" */
    char description[200];
    char source[200];       /* the reference */
} zones_cordon;

/* The cordons of geodata/cordons.csv, in file order; *n receives their count. Read once; NULL
 * with err (500) when the embedded table is missing or malformed. */
const zones_cordon *zones_cordons(int *n, rm_error *err);
/* The cordon of scenario key, or NULL. */
const zones_cordon *zones_cordon_find(const char *key);

/* A dose-rate distance. */
typedef struct zones_dose {
    double threshold_usv_h;
    double estimated_m; /* sqrt(Γ·A/Ḣ), uncapped */
    double radius_m;    /* what is drawn: estimated_m, or cap_m when capped */
    bool unreliable;    /* estimated_m > ZONES_UNRELIABLE_M */
    bool capped;        /* estimated_m > cap_m */
} zones_dose;

/* The distance at which an unshielded point source of activity_bq with air-kerma-rate constant
 * gamma (µGy·m²·h⁻¹·MBq⁻¹) gives threshold_usv_h. gamma, activity and threshold must be > 0 and
 * finite (the caller omits the zone otherwise). */
void zones_dose_radius(double gamma, double activity_bq, double threshold_usv_h, double cap_m, zones_dose *out);

/* Parse "100,20,1" into thresholds (µSv/h, each > 0 and <= 1e6, at most ZONES_MAX_THRESHOLDS,
 * no repeats). NULL s gives the defaults 100, 20, 1. Returns the count, or -1 with err (400
 * naming `thresholds`). */
int zones_parse_thresholds(const char *s, double *out, rm_error *err);

/* Whether cordons are advisory for a source of this IAEA category (0: unknown). */
bool zones_advisory(int category);

#endif
