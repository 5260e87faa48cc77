/*
 * validate: the one validation of register rows, shared by every channel that writes them: the
 * OGC API - Features editing routes (api/edit.c, api/organizations.c) and the GIS importer
 * (io/import.c). Rules come from the writable field descriptors of db/collection.h (type, length,
 * range, allowed values, referenced row, date/e-mail/code rule), so a row a file brings in is
 * accepted exactly when the same values sent to POST /collections/{c}/items would be.
 *
 * Errors are collected, not returned one at a time: a caller reports every bad field of a row at
 * once (the API as a 422 "errors" list, the importer as report lines row, field, reason).
 */
#ifndef RADMAP_VALIDATE_H
#define RADMAP_VALIDATE_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "db/collection.h"
#include "db/db.h"

#define VALIDATE_MAX_ERRORS 64

typedef struct validate_errors {
    int n;
    char field[VALIDATE_MAX_ERRORS][64];
    char reason[VALIDATE_MAX_ERRORS][256];
} validate_errors;

/* Add one bad field (ignored beyond VALIDATE_MAX_ERRORS). */
void validate_add(validate_errors *e, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void validate_vadd(validate_errors *e, const char *field, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Allowed values of fields whose list comes from SQL (practices, device types, nuclides), read once
 * and kept: bulk writers (imports) check thousands of rows against the same lists. Not for a
 * server's long-lived use (an admin may add a nuclide); the API passes NULL and reads each time. */
typedef struct validate_cache validate_cache;
validate_cache *validate_cache_create(void); /* NULL only on allocation failure */
void validate_cache_destroy(validate_cache *vc);

/* Check one field's non-null value v: type, length, range, allowed values, referenced row, rule.
 * today is the day number "not in the future" is judged against. cache may be NULL. */
void validate_field(db_conn *db, const coll_field *f, json_t *v, int32_t today, validate_cache *cache,
                    validate_errors *e);

/* Check the properties object of a create or replace (or a patch merged onto the current values):
 * every member must be a writable field of c (checked) or one of its derived properties (ignored),
 * nulls only where the field is optional, and every required field present. */
void validate_properties(db_conn *db, const coll_def *c, json_t *props, int32_t today, validate_cache *cache,
                         validate_errors *e);

/* Viet Nam with its islands (west, south, east, north): the service area unless the database says
 * otherwise. */
extern const double validate_default_area[4];
/* The service area (west, south, east, north) points must fall in: meta.service_area, else
 * validate_default_area. Returns true when the database sets it. */
bool validate_service_area(db_conn *db, double area[4]);
/* Parse "W,S,E,N" (degrees, WGS 84): four numbers, longitudes -180..180, latitudes -90..90, W < E,
 * S < N. 0, or -1 with err (400 naming param and what is wrong). */
int validate_service_area_parse(const char *s, const char *param, double area[4], rm_error *err);
/* Set the service area (NULL: back to validate_default_area) in meta.service_area, with an audit
 * row by who, in one transaction of its own on the writer db. Applies to every write from the next
 * one on (the server reads it per write). 0, or -1 with err. */
int validate_service_area_set(db_conn *db, const double area[4], const char *who, rm_error *err);
/* Check a WGS 84 position against the valid range and the service area; 0 when good, else -1 with
 * the reason added to e under field "geometry". */
int validate_point(double lon, double lat, const double area[4], validate_errors *e);

/* Another active row of c with the manufacturer, model and serial number in props (a row may not
 * reuse them): its id, 0 when none or when c has no such rule or props lack one of the three, -1
 * with err on a database error. own_id is the row being written (0 on create). */
int64_t validate_serial_conflict(db_conn *db, const coll_def *c, json_t *props, int64_t own_id, rm_error *err);

#endif
