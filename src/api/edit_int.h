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

#define EDIT_MAX_ERRORS 64

typedef struct edit_errors {
    int n;
    char field[EDIT_MAX_ERRORS][64];
    char reason[EDIT_MAX_ERRORS][256];
} edit_errors;

void add_error(edit_errors *e, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Answer 422 with the list of bad fields (RFC 7807 with an "errors" extension member). Returns 0. */
int reply_invalid(http_request *req, const edit_errors *e);
/* Check one field's non-null value: type, length, range, allowed values, reference, rule. */
void check_field(db_conn *db, const coll_field *f, json_t *v, int32_t today, edit_errors *e);
/* The If-Match version: 1 with *version, 0 for "*", -1 when missing, -2 when not one of our ETags. */
int if_match_version(http_request *req, int64_t *version);

#endif
