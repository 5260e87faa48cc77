/*
 * body: reading a request's JSON object body; see body.h.
 */
#include "api/body.h"

#include <strings.h>

json_t *api_json_body(http_request *req, bool merge_patch, rm_error *err)
{
    const char *ct = http_header(req, "Content-Type");
    if (!ct || (strncasecmp(ct, "application/json", 16) != 0 &&
                !(merge_patch && strncasecmp(ct, "application/merge-patch+json", 28) == 0))) {
        rm_error_set(err, 415, "Unsupported Media Type", "send the body as application/json");
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb(req->body.data ? req->body.data : "", req->body.len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        rm_error_set(err, 400, "Malformed JSON", "line %d, column %d: %s", je.line, je.column, je.text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        rm_error_set(err, 400, "Not an object", "the body must be a JSON object");
        return NULL;
    }
    return j;
}
