/*
 * rm_error: the one error convention of radmap (STYLE 8). Functions return 0 on success and a
 * negative value on failure, after filling the caller's rm_error with the HTTP status a client
 * should see, a short title and a detail a person can act on. http/response turns it into
 * application/problem+json; the command line prints the detail.
 */
#ifndef RADMAP_ERROR_H
#define RADMAP_ERROR_H

typedef struct rm_error {
    int status;        /* HTTP status (400, 404, 409, 422, 500, 503 ...); 0 while no error */
    char title[96];    /* short, stable: "Bad Request", "Invalid parameter" */
    char detail[1024]; /* precise: names the parameter and the allowed range */
} rm_error;

/* Fill err (may be NULL) and return -1, so callers can write `return rm_error_set(...)`. */
int rm_error_set(rm_error *err, int status, const char *title, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void rm_error_clear(rm_error *err);

#endif
