/*
 * tilecache: sharded LRU cache of encoded tiles; see tilecache.h.
 */
#include "api/tilecache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/response.h"

#define SHARDS 16
#define BUCKETS 4096 /* per shard; chains stay short for any cache that fits in memory */

/* A body and its bytes in one allocation: the struct, the ids, the raw tile, the gzip form. */
typedef struct body {
    tilecache_body pub;
    atomic_int refs;
    size_t bytes;               /* of the whole allocation */
} body;

typedef struct entry {
    char *key;
    uint64_t hash;
    body *b;                    /* NULL while pending */
    char etag[48];
    double bounds[4];
    bool pending;
    struct entry *hnext;
    struct entry *prev, *next; /* LRU: most recent after the sentinel */
} entry;

typedef struct shard {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    entry *buckets[BUCKETS];
    entry lru;
    size_t bytes, capacity, entries;
} shard;

struct tilecache {
    shard shards[SHARDS];
    size_t capacity;
    atomic_uint_fast64_t generation;
    atomic_uint_fast64_t hits, misses, stores, evictions, invalidations, waits;
};

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h ^ (h >> 29);
}

static size_t entry_bytes(const entry *e) { return (e->b ? e->b->bytes : 0) + strlen(e->key) + sizeof *e; }

tilecache_body *tilecache_body_create(const void *data, size_t len, bool with_gzip, long sensitive_rows,
                                      const int64_t *ids, size_t nids)
{
    buf gz = BUF_INIT;
    if (with_gzip && len && (response_gzip(data, len, &gz) < 0 || gz.len >= len))
        buf_free(&gz);
    size_t bytes = sizeof(body) + nids * sizeof *ids + len + gz.len;
    body *b = malloc(bytes);
    if (!b)
        abort();
    atomic_init(&b->refs, 1);
    b->bytes = bytes;
    char *p = (char *)(b + 1);
    int64_t *idcopy = (int64_t *)(void *)p; /* right after the struct: aligned as the struct is */
    if (nids)
        memcpy(idcopy, ids, nids * sizeof *ids);
    p += nids * sizeof *ids;
    if (len)
        memcpy(p, data, len);
    b->pub.raw = p;
    b->pub.raw_len = len;
    p += len;
    if (gz.len)
        memcpy(p, gz.data, gz.len);
    b->pub.gz = gz.len ? p : NULL;
    b->pub.gz_len = gz.len;
    b->pub.sensitive_rows = sensitive_rows;
    b->pub.ids = nids ? idcopy : NULL;
    b->pub.nids = nids;
    buf_free(&gz);
    return &b->pub;
}

tilecache_body *tilecache_body_ref(tilecache_body *pb)
{
    atomic_fetch_add(&((body *)pb)->refs, 1);
    return pb;
}

void tilecache_body_release(void *pb)
{
    body *b = pb;
    if (b && atomic_fetch_sub(&b->refs, 1) == 1)
        free(b);
}

bool tilecache_enabled(const tilecache *c) { return c->capacity > 0; }

tilecache *tilecache_create(size_t capacity_bytes)
{
    tilecache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->capacity = capacity_bytes;
    for (int i = 0; i < SHARDS; i++) {
        shard *s = &c->shards[i];
        pthread_mutex_init(&s->mu, NULL);
        pthread_cond_init(&s->cv, NULL);
        s->lru.next = s->lru.prev = &s->lru;
        s->capacity = capacity_bytes / SHARDS;
    }
    return c;
}

static void entry_free(entry *e)
{
    free(e->key);
    if (e->b)
        tilecache_body_release(&e->b->pub);
    free(e);
}

static void lru_unlink(entry *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
}

static void lru_push_front(shard *s, entry *e)
{
    e->next = s->lru.next;
    e->prev = &s->lru;
    s->lru.next->prev = e;
    s->lru.next = e;
}

/* Remove e from its chain and the LRU list, account and free it. Shard lock held. */
static void entry_remove(shard *s, entry *e)
{
    entry **pp = &s->buckets[e->hash % BUCKETS];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    lru_unlink(e);
    if (!e->pending) {
        s->bytes -= entry_bytes(e);
        s->entries--;
    }
    entry_free(e);
}

static entry *find(shard *s, const char *key, uint64_t h)
{
    for (entry *e = s->buckets[h % BUCKETS]; e; e = e->hnext)
        if (e->hash == h && strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

void tilecache_destroy(tilecache *c)
{
    if (!c)
        return;
    for (int i = 0; i < SHARDS; i++) {
        shard *s = &c->shards[i];
        while (s->lru.next != &s->lru)
            entry_remove(s, s->lru.next);
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
    }
    free(c);
}

int tilecache_get(tilecache *c, const char *key, bool want_gzip, tilecache_hit *hit, uint64_t *generation)
{
    memset(hit, 0, sizeof *hit);
    uint64_t h = hash_key(key);
    shard *s = &c->shards[h % SHARDS];
    pthread_mutex_lock(&s->mu);
    for (;;) {
        entry *e = find(s, key, h);
        if (!e)
            break;
        if (e->pending) {
            atomic_fetch_add(&c->waits, 1);
            pthread_cond_wait(&s->cv, &s->mu);
            continue; /* filled, abandoned or invalidated meanwhile: look again */
        }
        lru_unlink(e);
        lru_push_front(s, e);
        const tilecache_body *b = &e->b->pub;
        bool gz = want_gzip && b->gz;
        hit->data = gz ? b->gz : b->raw;
        hit->len = gz ? b->gz_len : b->raw_len;
        hit->gzipped = gz;
        hit->body = tilecache_body_ref(&e->b->pub);
        memcpy(hit->etag, e->etag, sizeof hit->etag);
        pthread_mutex_unlock(&s->mu);
        atomic_fetch_add(&c->hits, 1);
        return 1;
    }
    atomic_fetch_add(&c->misses, 1);
    *generation = atomic_load(&c->generation);
    if (c->capacity) {
        entry *p = calloc(1, sizeof *p);
        if (!p)
            abort();
        p->key = strdup(key);
        p->hash = h;
        p->pending = true;
        p->hnext = s->buckets[h % BUCKETS];
        s->buckets[h % BUCKETS] = p;
        lru_push_front(s, p);
    }
    pthread_mutex_unlock(&s->mu);
    return 0;
}

void tilecache_abandon(tilecache *c, const char *key)
{
    uint64_t h = hash_key(key);
    shard *s = &c->shards[h % SHARDS];
    pthread_mutex_lock(&s->mu);
    entry *e = find(s, key, h);
    if (e && e->pending)
        entry_remove(s, e);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

void tilecache_store(tilecache *c, const char *key, const void *data, size_t len, const char *etag,
                     const double bounds[4], uint64_t generation)
{
    if (!c->capacity)
        return;
    /* Compressed outside the lock: only the encoder of this key is here. */
    tilecache_body *b = tilecache_body_create(data, len, true, 0, NULL, 0);
    tilecache_store_body(c, key, b, etag, bounds, generation);
    tilecache_body_release(b);
}

void tilecache_store_body(tilecache *c, const char *key, tilecache_body *pb, const char *etag,
                          const double bounds[4], uint64_t generation)
{
    if (!c->capacity)
        return;
    body *b = (body *)pb;
    uint64_t h = hash_key(key);
    shard *s = &c->shards[h % SHARDS];
    pthread_mutex_lock(&s->mu);
    entry *e = find(s, key, h);
    if (!e || !e->pending) /* invalidated (or never registered) meanwhile */
        goto done;
    if (generation != atomic_load(&c->generation)) {
        entry_remove(s, e);
        goto done;
    }
    if (b->bytes + strlen(e->key) + sizeof *e > s->capacity) {
        /* Larger than the shard's share: keeping it would evict every other tile of the shard and
         * then the tile itself. Dropped at once, counted as an eviction. */
        entry_remove(s, e);
        atomic_fetch_add(&c->evictions, 1);
        goto done;
    }
    /* The tile is now the shard's most recently used, whatever was stored while it was encoded. */
    lru_unlink(e);
    lru_push_front(s, e);
    e->b = (body *)tilecache_body_ref(pb);
    buf_strcpy(e->etag, sizeof e->etag, etag);
    memcpy(e->bounds, bounds, sizeof e->bounds);
    e->pending = false;
    s->bytes += entry_bytes(e);
    s->entries++;
    atomic_fetch_add(&c->stores, 1);
    while (s->bytes > s->capacity && s->lru.prev != &s->lru) {
        entry *victim = s->lru.prev;
        if (victim->pending) { /* never evict a placeholder: its encoder will fill or drop it */
            lru_unlink(victim);
            lru_push_front(s, victim);
            if (s->lru.prev == victim)
                break;
            continue;
        }
        entry_remove(s, victim);
        atomic_fetch_add(&c->evictions, 1);
    }
done:
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

void tilecache_invalidate(tilecache *c, double min_lon, double min_lat, double max_lon, double max_lat)
{
    atomic_fetch_add(&c->generation, 1);
    for (int i = 0; i < SHARDS; i++) {
        shard *s = &c->shards[i];
        pthread_mutex_lock(&s->mu);
        entry *e = s->lru.next;
        while (e != &s->lru) {
            entry *next = e->next;
            if (!e->pending && e->bounds[0] <= max_lon && e->bounds[2] >= min_lon && e->bounds[1] <= max_lat &&
                e->bounds[3] >= min_lat) {
                entry_remove(s, e);
                atomic_fetch_add(&c->invalidations, 1);
            }
            e = next;
        }
        pthread_mutex_unlock(&s->mu);
    }
}

void tilecache_clear(tilecache *c)
{
    tilecache_invalidate(c, -1e9, -1e9, 1e9, 1e9);
}

void tilecache_get_stats(tilecache *c, tilecache_stats *out)
{
    memset(out, 0, sizeof *out);
    out->hits = atomic_load(&c->hits);
    out->misses = atomic_load(&c->misses);
    out->stores = atomic_load(&c->stores);
    out->evictions = atomic_load(&c->evictions);
    out->invalidations = atomic_load(&c->invalidations);
    out->waits = atomic_load(&c->waits);
    out->capacity_bytes = c->capacity;
    for (int i = 0; i < SHARDS; i++) {
        shard *s = &c->shards[i];
        pthread_mutex_lock(&s->mu);
        out->bytes += s->bytes;
        out->entries += s->entries;
        pthread_mutex_unlock(&s->mu);
    }
}

void tilecache_hit_free(tilecache_hit *hit)
{
    tilecache_body_release(hit->body);
    hit->body = NULL;
    hit->data = NULL;
}
