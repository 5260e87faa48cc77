/*
 * mbtiles: MBTiles 1.3 files (an SQLite database of tiles and a metadata table): writing the offline
 * packages of `radmap tiles`, and reading the basemaps `radmap serve --tiles DIR` serves.
 *
 * Rows are addressed in the XYZ scheme of web maps (y down from the north-west, as /tiles/ uses);
 * the file stores TMS rows (y up), as the specification says, and this module flips them. Vector
 * tiles (format pbf) are stored gzip-compressed, as the specification requires; the reader hands
 * tiles back as stored and says whether they are gzipped.
 */
#ifndef RADMAP_MBTILES_H
#define RADMAP_MBTILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"

typedef struct mbtiles mbtiles;

/* Create path (replacing an existing file) for writing. NULL with err. */
mbtiles *mbtiles_create(const char *path, rm_error *err);
/* Store tile z/x/y (XYZ) with its bytes as given. 0 or -1 with err. */
int mbtiles_put(mbtiles *m, int z, uint32_t x, uint32_t y, const void *data, size_t len, rm_error *err);
/* Set a metadata row. 0 or -1 with err. */
int mbtiles_set_meta(mbtiles *m, const char *name, const char *value, rm_error *err);
/* Open path read-only (a file that is not an MBTiles database is refused). NULL with err. Safe to
 * share between threads. */
mbtiles *mbtiles_open(const char *path, rm_error *err);
/* Tile z/x/y (XYZ) appended to out: 1 found, 0 absent, -1 with err. *gzipped says whether the
 * bytes are gzip-compressed (vector tiles usually are). */
int mbtiles_get(mbtiles *m, int z, uint32_t x, uint32_t y, buf *out, bool *gzipped, rm_error *err);
/* A metadata value (a new string: free() it), or NULL. */
char *mbtiles_meta(mbtiles *m, const char *name);
/* Finish writing (indexes, ANALYZE) and close; for readers, close. 0 or -1 with err. */
int mbtiles_close(mbtiles *m, rm_error *err);

#endif
