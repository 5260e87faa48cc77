/*
 * body: a request's JSON object body, read the same way by every write route (the media type
 * check, the parse with duplicate keys refused, and their problem details in one place).
 */
#ifndef RADMAP_API_BODY_H
#define RADMAP_API_BODY_H

#include <jansson.h>
#include <stdbool.h>

#include "core/error.h"
#include "http/http.h"

/* The body as a JSON object (the caller json_decref()s it), or NULL with err: 415 unless the
 * Content-Type is application/json (or application/merge-patch+json when merge_patch), 400 for
 * malformed JSON (line and column named) or a value that is not an object. */
json_t *api_json_body(http_request *req, bool merge_patch, rm_error *err);

#endif
