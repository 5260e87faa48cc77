/*
 * lifecycle_int: what the lifecycle resources (transactions.c, events.c, enforcement.c) share: the
 * JSON body, the check of every field of a plain JSON write (422 listing every bad one, as in
 * organizations.c), and the write transaction on the writer connection.
 */
#ifndef RADMAP_LIFECYCLE_INT_H
#define RADMAP_LIFECYCLE_INT_H

#include <jansson.h>
#include <stdint.h>

#include "api/edit_int.h"
#include "db/collection.h"
#include "db/db.h"
#include "http/http.h"

/* Parse the body as a JSON object (application/json). The caller json_decref()s *out. 0 or -1. */
int lc_body(http_request *req, json_t **out, rm_error *err);
/* Check body against fields: unknown members, required ones, each value (validate_field); members
 * named in dates (NULL-terminated, may be NULL) must be YYYY-MM-DD (future allowed). */
void lc_check_fields(db_conn *db, const coll_field *fields, json_t *body, const char *const *dates, int32_t today,
                     edit_errors *e);
/* Path parameter i as a positive id, 0 when it is not one. */
int64_t lc_path_id(http_request *req, int i);
/* Member k of o as text (NULL when absent, null or not a string) or as an integer (0 likewise). */
const char *lc_str(json_t *o, const char *k);
int64_t lc_int(json_t *o, const char *k);
/* The writer connection with BEGIN IMMEDIATE; NULL with err. lc_end commits (commit true) or
 * rolls back, and unlocks; 0 or -1 with err when the commit fails. */
db_conn *lc_begin(http_request *req, rm_error *err);
int lc_end(http_request *req, db_conn *db, bool commit, rm_error *err);

#endif
