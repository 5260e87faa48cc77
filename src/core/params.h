/*
 * params: parsing and validating the query parameters shared by many routes (STYLE 11: every
 * failure names the parameter and the allowed range). Pure functions, no HTTP types.
 */
#ifndef RADMAP_PARAMS_H
#define RADMAP_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

typedef struct params_bbox {
    double min_lon, min_lat, max_lon, max_lat;
    bool crosses_antimeridian; /* min_lon > max_lon: the box wraps across 180° */
} params_bbox;

/* Parse "minlon,minlat,maxlon,maxlat" or the 6-number form with heights (heights ignored).
 * Longitudes in [-180, 180], latitudes in [-90, 90], min_lat <= max_lat; min_lon > max_lon is a box
 * across the antimeridian (OGC API - Features). 0 or -1 with err (400) naming "bbox". */
int params_parse_bbox(const char *s, params_bbox *out, rm_error *err);
/* Parse a whole number in [min, max] for parameter name. NULL s gives def. Clamp: values above
 * max become max instead of an error when clamp is true. 0 or -1 with err (400). */
int params_parse_int(const char *name, const char *s, int64_t min, int64_t max, int64_t def, bool clamp,
                     int64_t *out, rm_error *err);
/* Parse a finite double in [min, max]. 0 or -1 with err (400). */
int params_parse_double(const char *name, const char *s, double min, double max, double *out, rm_error *err);

/* 0 when s is valid UTF-8 without control characters, else -1 with err (400 naming the parameter). */
int params_check_text(const char *name, const char *s, rm_error *err);

#endif
