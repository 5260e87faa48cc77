/*
 * response: turning a finished http_request into a libmicrohttpd response: problem+json for
 * errors (RFC 7807), CORS on every answer, a strong ETag from the body's hash with 304 for a
 * matching If-None-Match, gzip when the client accepts it and it pays, Cache-Control.
 */
#ifndef RADMAP_RESPONSE_H
#define RADMAP_RESPONSE_H

#include "http/http.h"

/* Replace whatever the handler wrote with the problem document of err. */
void response_problem(http_request *req, const rm_error *err);
/* Queue the answer on req->conn. */
enum MHD_Result response_queue(http_request *req);
/* Does the comma-separated header list (Accept-Encoding, ...) accept token (case-insensitive,
 * ignoring other parameters)? A q=0 weight means "not acceptable"; a NULL header accepts nothing. */
bool response_accepts(const char *header, const char *token);
/* gzip src into out (appended). 0 or -1. */
int response_gzip(const void *src, size_t n, buf *out);
/* Give req's borrowed body back (http.h body_ref), if it still holds one. */
void response_body_ref_drop(http_request *req);

#endif
