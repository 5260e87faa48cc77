/*
 * multipart: a strict reader of multipart/form-data bodies (RFC 7578), for uploads such as
 * POST /imports. The body is already in memory (the server bounds its size per route); parts point
 * into it, nothing is copied but their names. Pure code: no I/O, no allocation beyond the result.
 */
#ifndef RADMAP_MULTIPART_H
#define RADMAP_MULTIPART_H

#include <stddef.h>

#define MULTIPART_MAX_PARTS 64

typedef struct multipart_part {
    char name[128];           /* the form field's name */
    char filename[256];       /* the file name a browser sent ("" when the part is not a file) */
    char content_type[128];
    const unsigned char *data;/* the part's bytes, inside the body */
    size_t len;
} multipart_part;

/* Parse body[0..len) whose Content-Type header is content_type. 0 with parts[0..*n) filled, or -1
 * with why (a sentence) when the header has no boundary or the body is not well formed. */
int multipart_parse(const char *content_type, const unsigned char *body, size_t len, multipart_part *parts, int max,
                    int *n, char *why, size_t why_len);

/* The first part named name, or NULL. */
const multipart_part *multipart_find(const multipart_part *parts, int n, const char *name);

#endif
