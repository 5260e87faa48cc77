/*
 * tilecache: the in-memory cache of encoded vector tiles (DESIGN §2): sharded hash tables with an
 * LRU list each, bounded in bytes, holding each tile's MVT bytes, its gzip form (made once, when
 * the tile is stored: nearly every map client asks for gzip) and its ETag.
 *
 * Kept true by invalidation, never by expiry: tilecache_invalidate() drops every tile whose
 * buffered bounds meet a changed box, whatever its layers, so a change to a source also drops the
 * facility tiles that show its category. A tile encoded from a snapshot older than the last
 * invalidation is not stored (generation check), so a slow encoder cannot put back a stale tile.
 * Concurrent misses of one key wait for the first encoder instead of encoding again.
 *
 * All functions are thread-safe.
 */
#ifndef RADMAP_TILECACHE_H
#define RADMAP_TILECACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

typedef struct tilecache tilecache;

/* A copy of a cached tile handed to a request (owned by the caller: tilecache_hit_free()). */
typedef struct tilecache_hit {
    char *data;
    size_t len;
    bool gzipped;
    char etag[48];
} tilecache_hit;

typedef struct tilecache_stats {
    uint64_t hits, misses, stores, evictions, invalidations, waits;
    size_t bytes, entries, capacity_bytes;
} tilecache_stats;

/* A cache of at most capacity_bytes (0 disables caching). NULL on allocation failure. */
tilecache *tilecache_create(size_t capacity_bytes);
void tilecache_destroy(tilecache *c);

/* Look key up. On a hit, fill *hit (gzip form when want_gzip; made now if missing) and return 1.
 * On a miss return 0 and *generation receives the value to pass to tilecache_store(); the caller
 * must then either store or call tilecache_abandon(), because other requests for the same key wait
 * for it. */
int tilecache_get(tilecache *c, const char *key, bool want_gzip, tilecache_hit *hit, uint64_t *generation);
/* Store the tile for key (bounds: lon/lat box of the tile with its buffer, for invalidation). The
 * etag is copied. Not stored when an invalidation happened since generation. Wakes waiters. */
void tilecache_store(tilecache *c, const char *key, const void *data, size_t len, const char *etag,
                     const double bounds[4], uint64_t generation);
/* Give up on a miss without storing (the tile failed, or is empty and not cached); wakes waiters. */
void tilecache_abandon(tilecache *c, const char *key);
/* Drop every tile whose bounds intersect [min_lon, max_lon] x [min_lat, max_lat]. */
void tilecache_invalidate(tilecache *c, double min_lon, double min_lat, double max_lon, double max_lat);
/* Drop everything (a restored database). */
void tilecache_clear(tilecache *c);
void tilecache_get_stats(tilecache *c, tilecache_stats *out);
void tilecache_hit_free(tilecache_hit *hit);

#endif
