/*
 * edit_int: what the editing modules (edit.c for features, organizations.c) share: the list of bad
 * fields of a rejected write, the check of one writable field, and If-Match parsing.
 */
#ifndef RADMAP_EDIT_INT_H
#define RADMAP_EDIT_INT_H

#include <jansson.h>
#include <stdint.h>

#include "db/collection.h"
#include "db/db.h"
#include "http/http.h"

#include "db/validate.h"

/* The list of bad fields of a rejected write: the shared validation's (db/validate.h). */
#define EDIT_MAX_ERRORS VALIDATE_MAX_ERRORS
typedef validate_errors edit_errors;

void add_error(edit_errors *e, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Answer 422 with the list of bad fields (RFC 7807 with an "errors" extension member). Returns 0. */
int reply_invalid(http_request *req, const edit_errors *e);
/* Check one field's non-null value: type, length, range, allowed values, reference, rule
 * (validate_field without a cache). */
void check_field(db_conn *db, const coll_field *f, json_t *v, int32_t today, edit_errors *e);
/* The position a feature's geometry gives (WGS 84 lon/lat). */
typedef struct point_in {
    bool given;   /* geometry present and not null */
    double lon, lat;
} point_in;
struct crs_info;
/* Check the geometry member g of a feature body (NULL or null: no geometry): a GeoJSON Point in
 * crs (NULL: CRS84) inside the service area; fills *pt, or adds the reason to e. */
void check_geometry(json_t *g, const struct crs_info *crs, const double area[4], point_in *pt, edit_errors *e);
/* The If-Match version: 1 with *version, 0 for "*", -1 when missing, -2 when not one of our ETags. */
int if_match_version(http_request *req, int64_t *version);

#endif
