/*
 * tilecache: the in-memory cache of encoded vector tiles (DESIGN §2): sharded hash tables with an
 * LRU list each, bounded in bytes, holding each tile's MVT bytes, its gzip form (made once, when
 * the tile is stored: nearly every map client asks for gzip), its ETag and the ids of the sensitive
 * rows it shows (the read log records them on hits as on misses). Entries hold reference-counted
 * bodies: a hit takes a reference and the response sends the bytes from the cache itself, so a
 * tile evicted or invalidated meanwhile stays alive until its last answer is sent.
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

/* The bytes of one encoded tile, immutable and reference-counted, so that a hit hands the cached
 * bytes to the response without a copy: raw MVT, its gzip form (NULL when gzip would not shrink
 * it or was not made), and what the read log needs of the sensitive rows it shows. */
typedef struct tilecache_body {
    const char *raw, *gz;
    size_t raw_len, gz_len;
    long sensitive_rows;        /* sensitive (source, device) rows the tile shows */
    const int64_t *ids;         /* the first nids of their ids */
    size_t nids;
} tilecache_body;

/* A cached tile handed to a request: the body with a reference held (give it back with
 * tilecache_hit_free(), or hand hit->body to tilecache_body_release() later). */
typedef struct tilecache_hit {
    const char *data;           /* raw or gzip bytes, inside body */
    size_t len;
    bool gzipped;
    char etag[48];
    tilecache_body *body;
} tilecache_hit;

typedef struct tilecache_stats {
    uint64_t hits, misses, stores, evictions, invalidations, waits;
    size_t bytes, entries, capacity_bytes;
} tilecache_stats;

/* A cache of at most capacity_bytes (0 disables caching). NULL on allocation failure. */
tilecache *tilecache_create(size_t capacity_bytes);
void tilecache_destroy(tilecache *c);
/* Whether the cache keeps anything (capacity > 0). */
bool tilecache_enabled(const tilecache *c);

/* A body for tile bytes data[0..len) (copied), with its gzip form when with_gzip and it shrinks the
 * tile, and the read-log facts (ids copied). One reference, the caller's. Aborts when out of memory. */
tilecache_body *tilecache_body_create(const void *data, size_t len, bool with_gzip, long sensitive_rows,
                                      const int64_t *ids, size_t nids);
/* Drop a reference (a void * so that it can be a libmicrohttpd free callback); NULL is a no-op. */
void tilecache_body_release(void *body);
/* Take one more reference. */
tilecache_body *tilecache_body_ref(tilecache_body *b);

/* Look key up. On a hit, fill *hit (gzip form when want_gzip and there is one) and return 1. On a
 * miss return 0 and *generation receives the value to pass to tilecache_store(); the caller must
 * then either store or call tilecache_abandon(), because other requests for the same key wait
 * for it. */
int tilecache_get(tilecache *c, const char *key, bool want_gzip, tilecache_hit *hit, uint64_t *generation);
/* Store body for key (the cache takes its own reference; bounds: lon/lat box of the tile with its
 * buffer, for invalidation). The etag is copied. Not stored when an invalidation happened since
 * generation. Wakes waiters. */
void tilecache_store_body(tilecache *c, const char *key, tilecache_body *body, const char *etag,
                          const double bounds[4], uint64_t generation);
/* The same for tile bytes data[0..len) (copied, gzip made here), without read-log facts. */
void tilecache_store(tilecache *c, const char *key, const void *data, size_t len, const char *etag,
                     const double bounds[4], uint64_t generation);
/* Give up on a miss without storing (the tile failed, or is empty and not cached); wakes waiters. */
void tilecache_abandon(tilecache *c, const char *key);
/* Drop every tile whose bounds intersect [min_lon, max_lon] x [min_lat, max_lat]. */
void tilecache_invalidate(tilecache *c, double min_lon, double min_lat, double max_lon, double max_lat);
/* Drop everything (a restored database). */
void tilecache_clear(tilecache *c);
void tilecache_get_stats(tilecache *c, tilecache_stats *out);
/* Give back the reference a hit holds. */
void tilecache_hit_free(tilecache_hit *hit);

#endif
