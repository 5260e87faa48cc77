/*
 * wkb: a small reader of 2D Well-Known Binary (OGC simple features: Point, LineString, Polygon and
 * their Multi and Collection forms, either byte order) for the importer: find a row's point, its
 * envelope, and reproject every position in place. The parse worker hands the importer 2D ISO WKB;
 * the importer checks it here before SQLite sees it (the worker is not trusted either), so every
 * count and length is checked against the buffer and nesting is bounded.
 */
#ifndef RADMAP_WKB_H
#define RADMAP_WKB_H

#include <stddef.h>

enum {
    WKB_POINT = 1, WKB_LINESTRING = 2, WKB_POLYGON = 3, WKB_MULTIPOINT = 4, WKB_MULTILINESTRING = 5,
    WKB_MULTIPOLYGON = 6, WKB_COLLECTION = 7,
};

/* The geometry type (1-7) of a well-formed 2D WKB, or -1 when it is malformed, truncated, has Z or M,
 * or trailing bytes. */
int wkb_type(const unsigned char *wkb, size_t len);
/* The position of a Point, or of a MultiPoint holding exactly one point. 0, -1 when malformed, -2
 * when the geometry is of another type (or an empty point, or several points). */
int wkb_point(const unsigned char *wkb, size_t len, double *x, double *y);
/* Envelope of every position (xmin, ymin, xmax, ymax). 0, or -1 when malformed or empty. */
int wkb_envelope(const unsigned char *wkb, size_t len, double env[4]);
/* Call fn on every run of positions (xy holds n pairs, east first; fn may change them; a copy that
 * is written back, so WKB alignment does not matter). 0, -1 when malformed, or fn's negative
 * result. */
int wkb_transform(unsigned char *wkb, size_t len, int (*fn)(void *arg, double *xy, size_t n), void *arg);

#endif
