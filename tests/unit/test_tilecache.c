/*
 * Unit tests of api/tilecache: hits and misses, the byte bound with LRU eviction, invalidation by
 * box (only the tiles whose bounds meet it go), the generation check that keeps a tile encoded
 * before an invalidation out of the cache, concurrent misses of one key (the later requests wait
 * for the first encoder, then hit, or take over when it gives up), the gzip form, the stats, and
 * hits that hold the cached bytes by reference (alive after their entry goes).
 *
 * The cache is tested from its header only: which shard a key lands in is not assumed, so the LRU
 * tests use enough keys that every shard sees several of them.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <zlib.h>

#include "api/tilecache.h"

/* xorshift64*: reproducible incompressible bytes. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static void fill_random(char *p, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (char)(next_random(&seed) >> 56);
}

/* Text that gzip shrinks well, as MVT attribute tables do. */
static char *compressible(size_t n)
{
    char *p = malloc(n);
    assert_non_null(p);
    static const char words[] = "facility radiotherapy Co-60 Ir-192 Cs-137 operating Ho Chi Minh ";
    for (size_t i = 0; i < n; i++)
        p[i] = words[(i * 7 + i / 13) % (sizeof words - 1)];
    return p;
}

static const double world[4] = {-180, -85, 180, 85};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Miss (the caller must store), then store and get the tile back. */
static void put(tilecache *c, const char *key, const void *data, size_t len, const char *etag, const double b[4])
{
    tilecache_hit hit;
    uint64_t gen = 0;
    assert_int_equal(tilecache_get(c, key, false, &hit, &gen), 0);
    tilecache_store(c, key, data, len, etag, b, gen);
}

static bool present(tilecache *c, const char *key)
{
    tilecache_hit hit;
    uint64_t gen = 0;
    if (tilecache_get(c, key, false, &hit, &gen)) {
        tilecache_hit_free(&hit);
        return true;
    }
    tilecache_abandon(c, key);
    return false;
}

static void test_hit_and_miss(void **state)
{
    (void)state;
    tilecache *c = tilecache_create(1 << 20);
    assert_non_null(c);
    tilecache_hit hit;
    uint64_t gen = 99;
    assert_int_equal(tilecache_get(c, "facilities/10/812/483/v2/d20619", false, &hit, &gen), 0);
    assert_null(hit.data);
    const char body[] = "\x1a\x05hello tile";
    tilecache_store(c, "facilities/10/812/483/v2/d20619", body, sizeof body - 1, "\"d20619-v2-abc\"", world, gen);

    memset(&hit, 0x55, sizeof hit);
    assert_int_equal(tilecache_get(c, "facilities/10/812/483/v2/d20619", false, &hit, &gen), 1);
    assert_int_equal(hit.len, sizeof body - 1);
    assert_memory_equal(hit.data, body, sizeof body - 1);
    assert_false(hit.gzipped);
    assert_string_equal(hit.etag, "\"d20619-v2-abc\"");
    tilecache_hit_free(&hit);
    assert_null(hit.data);

    /* Keys differing in any part (another day, another class) are other tiles. */
    assert_false(present(c, "facilities/10/812/483/v2/d20620"));
    assert_false(present(c, "facilities/10/812/483/v1/d20619"));
    assert_false(present(c, "facilities/10/812/48/v2/d20619"));

    /* The hit is a copy: the caller may keep it after the cache dropped the tile. */
    assert_int_equal(tilecache_get(c, "facilities/10/812/483/v2/d20619", false, &hit, &gen), 1);
    tilecache_clear(c);
    assert_memory_equal(hit.data, body, sizeof body - 1);
    tilecache_hit_free(&hit);
    assert_false(present(c, "facilities/10/812/483/v2/d20619"));

    /* An empty tile (204) is cached too, with its ETag. */
    put(c, "boundaries/3/1/1/v2/d1", "", 0, "\"empty\"", world);
    assert_int_equal(tilecache_get(c, "boundaries/3/1/1/v2/d1", true, &hit, &gen), 1);
    assert_int_equal(hit.len, 0);
    assert_false(hit.gzipped);
    assert_string_equal(hit.etag, "\"empty\"");
    tilecache_hit_free(&hit);
    tilecache_destroy(c);
}

static void test_capacity_zero_caches_nothing(void **state)
{
    (void)state;
    tilecache *c = tilecache_create(0);
    assert_non_null(c);
    tilecache_hit hit;
    uint64_t gen;
    /* With no cache there are no placeholders either: two misses in a row, nobody waits. */
    assert_int_equal(tilecache_get(c, "k", false, &hit, &gen), 0);
    assert_int_equal(tilecache_get(c, "k", false, &hit, &gen), 0);
    tilecache_store(c, "k", "abc", 3, "\"e\"", world, gen);
    assert_int_equal(tilecache_get(c, "k", false, &hit, &gen), 0);
    tilecache_stats s;
    tilecache_get_stats(c, &s);
    assert_int_equal(s.misses, 3);
    assert_int_equal(s.hits, 0);
    assert_int_equal(s.stores, 0);
    assert_int_equal(s.waits, 0);
    assert_int_equal(s.entries, 0);
    assert_int_equal(s.bytes, 0);
    assert_int_equal(s.capacity_bytes, 0);
    tilecache_destroy(c);
}

/* The bound holds after every store, and a tile read after each store is never the one evicted. */
static void test_byte_bound_and_lru(void **state)
{
    (void)state;
    enum { TILE = 10000, KEYS = 400 };
    /* About three tiles per shard of sixteen, whatever the per-entry overhead. */
    const size_t capacity = 16 * (3 * TILE + TILE / 2);
    tilecache *c = tilecache_create(capacity);
    char *data = malloc(TILE);
    fill_random(data, TILE, 7); /* incompressible: no gzip form, entry size ~ TILE */
    char key[64];
    put(c, "hot", data, TILE, "\"hot\"", world);
    put(c, "cold", data, TILE, "\"cold\"", world);
    tilecache_stats s;
    for (int i = 0; i < KEYS; i++) {
        snprintf(key, sizeof key, "facilities/14/%d/7000/v2/d1", 13000 + i);
        put(c, key, data, TILE, "\"x\"", world);
        tilecache_get_stats(c, &s);
        assert_true(s.bytes <= capacity);
        assert_true(s.entries * TILE <= capacity);
        /* Touch "hot": it becomes the most recently used tile of its shard. */
        tilecache_hit hit;
        uint64_t gen;
        assert_int_equal(tilecache_get(c, "hot", false, &hit, &gen), 1);
        assert_string_equal(hit.etag, "\"hot\"");
        tilecache_hit_free(&hit);
    }
    tilecache_get_stats(c, &s);
    assert_true(s.evictions >= KEYS - 16 * 3);
    assert_int_equal(s.stores, KEYS + 2);
    assert_int_equal(s.entries + s.evictions, KEYS + 2);
    assert_true(s.entries >= 16);      /* every shard keeps something */
    assert_true(s.entries <= 16 * 3);
    assert_true(s.bytes >= s.entries * TILE);
    /* "cold" was stored early and never read again: with ~25 newer tiles in its shard it is gone. */
    assert_false(present(c, "cold"));
    /* The most recent tiles are still there (the last one of each shard at least): the last key. */
    assert_true(present(c, key));

    /* A tile larger than a shard's share is not kept, and does not push out the tiles of its
     * shard on its way through. */
    char *big = malloc(capacity / 8);
    fill_random(big, capacity / 8, 9);
    size_t entries_before = s.entries, bytes_before = s.bytes;
    uint64_t evictions_before = s.evictions;
    put(c, "big", big, capacity / 8, "\"big\"", world);
    assert_false(present(c, "big"));
    tilecache_get_stats(c, &s);
    assert_int_equal(s.entries, entries_before);
    assert_int_equal(s.bytes, bytes_before);
    assert_int_equal(s.evictions, evictions_before + 1);
    free(big);
    free(data);
    tilecache_destroy(c);
}

/* A tile whose encoding took long is stored as the most recently used of its shard, not where its
 * placeholder was put when the miss began: tiles stored meanwhile do not push it out. */
static void test_slow_encode_is_most_recent(void **state)
{
    (void)state;
    enum { TILE = 10000, KEYS = 200 };
    const size_t capacity = 16 * (3 * TILE + TILE / 2); /* three tiles per shard */
    tilecache *c = tilecache_create(capacity);
    char *data = malloc(TILE);
    fill_random(data, TILE, 5);
    tilecache_hit hit;
    uint64_t gen;
    assert_int_equal(tilecache_get(c, "slow", false, &hit, &gen), 0); /* the miss begins */
    char key[64];
    for (int i = 0; i < KEYS; i++) { /* every shard fills up meanwhile */
        snprintf(key, sizeof key, "other/%d", i);
        put(c, key, data, TILE, "\"o\"", world);
    }
    tilecache_store(c, "slow", data, TILE, "\"slow\"", world, gen);
    assert_true(present(c, "slow"));
    tilecache_stats s;
    tilecache_get_stats(c, &s);
    assert_true(s.bytes <= capacity);
    free(data);
    tilecache_destroy(c);
}

static void test_invalidate_box(void **state)
{
    (void)state;
    tilecache *c = tilecache_create(1 << 20);
    /* Three tiles side by side (buffered bounds), one far away. */
    const double a[4] = {106.0, 10.0, 106.1, 10.1};
    const double b[4] = {106.1, 10.0, 106.2, 10.1};
    const double d[4] = {106.0, 10.1, 106.1, 10.2};
    const double far[4] = {105.8, 21.0, 105.9, 21.1};
    put(c, "a", "A", 1, "\"a\"", a);
    put(c, "b", "B", 1, "\"b\"", b);
    put(c, "d", "D", 1, "\"d\"", d);
    put(c, "far", "F", 1, "\"f\"", far);

    /* A point inside a only. */
    tilecache_invalidate(c, 106.05, 10.05, 106.05, 10.05);
    assert_false(present(c, "a"));
    assert_true(present(c, "b"));
    assert_true(present(c, "d"));
    assert_true(present(c, "far"));
    tilecache_stats s;
    tilecache_get_stats(c, &s);
    assert_int_equal(s.invalidations, 1);

    /* A point on the top edge of b (and on no other tile): edges count as meeting. */
    put(c, "a", "A", 1, "\"a\"", a);
    tilecache_invalidate(c, 106.15, 10.1, 106.15, 10.1);
    assert_true(present(c, "a"));
    assert_false(present(c, "b"));
    assert_true(present(c, "d"));

    /* A box across a and d (not b, not far). */
    put(c, "b", "B", 1, "\"b\"", b);
    tilecache_invalidate(c, 106.02, 10.05, 106.08, 10.15);
    assert_false(present(c, "a"));
    assert_false(present(c, "d"));
    assert_true(present(c, "b"));
    assert_true(present(c, "far"));

    /* A box that touches nothing drops nothing. */
    tilecache_get_stats(c, &s);
    uint64_t inv = s.invalidations;
    tilecache_invalidate(c, 0, 0, 1, 1);
    tilecache_get_stats(c, &s);
    assert_int_equal(s.invalidations, inv);
    assert_true(present(c, "b"));
    assert_true(present(c, "far"));
    assert_int_equal(s.entries, 2);

    tilecache_clear(c);
    tilecache_get_stats(c, &s);
    assert_int_equal(s.entries, 0);
    assert_int_equal(s.bytes, 0);
    assert_false(present(c, "far"));
    tilecache_destroy(c);
}

static void test_generation(void **state)
{
    (void)state;
    tilecache *c = tilecache_create(1 << 20);
    const double a[4] = {106.0, 10.0, 106.1, 10.1};
    tilecache_hit hit;
    uint64_t gen;
    /* Miss, then a change anywhere (even far from the tile) before the store: not stored. */
    assert_int_equal(tilecache_get(c, "a", false, &hit, &gen), 0);
    tilecache_invalidate(c, 106.05, 10.05, 106.05, 10.05);
    tilecache_store(c, "a", "old", 3, "\"old\"", a, gen);
    assert_int_equal(tilecache_get(c, "a", false, &hit, &gen), 0); /* still a miss: encode again */
    tilecache_store(c, "a", "new", 3, "\"new\"", a, gen);
    assert_int_equal(tilecache_get(c, "a", false, &hit, &gen), 1);
    assert_memory_equal(hit.data, "new", 3);
    tilecache_hit_free(&hit);

    /* Same with an unrelated box: the generation is global. */
    assert_int_equal(tilecache_get(c, "b", false, &hit, &gen), 0);
    tilecache_invalidate(c, -10, -10, -9, -9);
    tilecache_store(c, "b", "old", 3, "\"old\"", a, gen);
    assert_false(present(c, "b"));

    /* A clear counts as an invalidation too. */
    assert_int_equal(tilecache_get(c, "c", false, &hit, &gen), 0);
    tilecache_clear(c);
    tilecache_store(c, "c", "old", 3, "\"old\"", a, gen);
    assert_false(present(c, "c"));

    /* A store for a key that never missed (no placeholder) is ignored as well. */
    tilecache_store(c, "never-asked", "x", 1, "\"x\"", a, 0);
    assert_false(present(c, "never-asked"));
    tilecache_stats s;
    tilecache_get_stats(c, &s);
    assert_int_equal(s.stores, 1);
    tilecache_destroy(c);
}

typedef struct getter {
    tilecache *c;
    const char *key;
    int result;
    tilecache_hit hit;
    uint64_t gen;
    pthread_barrier_t *barrier;
    /* For the encoder threads: what to do on a miss. */
    int encode_ms;
    bool abandon;
} getter;

static void *get_thread(void *arg)
{
    getter *g = arg;
    if (g->barrier)
        pthread_barrier_wait(g->barrier);
    g->result = tilecache_get(g->c, g->key, true, &g->hit, &g->gen);
    if (g->result == 0 && g->encode_ms >= 0) {
        sleep_ms(g->encode_ms);
        if (g->abandon)
            tilecache_abandon(g->c, g->key);
        else
            tilecache_store(g->c, g->key, "encoded", 7, "\"enc\"", world, g->gen);
    }
    return NULL;
}

/* Wait (at most 5 s) until the cache has counted `waits` waiting requests. */
static void wait_for_waiters(tilecache *c, uint64_t waits)
{
    tilecache_stats s;
    for (int i = 0; i < 5000; i++) {
        tilecache_get_stats(c, &s);
        if (s.waits >= waits)
            return;
        sleep_ms(1);
    }
    fail_msg("only %llu requests waited, expected %llu", (unsigned long long)s.waits, (unsigned long long)waits);
}

static void test_second_miss_waits_then_hits(void **state)
{
    (void)state;
    tilecache *c = tilecache_create(1 << 20);
    tilecache_hit hit;
    uint64_t gen;
    assert_int_equal(tilecache_get(c, "t", false, &hit, &gen), 0); /* this thread encodes */
    getter g = {.c = c, .key = "t", .encode_ms = -1};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, get_thread, &g), 0);
    wait_for_waiters(c, 1);
    sleep_ms(20);
    tilecache_stats s;
    tilecache_get_stats(c, &s);
    assert_int_equal(s.hits, 0); /* still waiting */
    tilecache_store(c, "t", "encoded", 7, "\"enc\"", world, gen);
    pthread_join(th, NULL);
    assert_int_equal(g.result, 1);
    assert_int_equal(g.hit.len, 7);
    assert_memory_equal(g.hit.data, "encoded", 7);
    assert_string_equal(g.hit.etag, "\"enc\"");
    tilecache_hit_free(&g.hit);
    tilecache_get_stats(c, &s);
    assert_int_equal(s.misses, 1);
    assert_int_equal(s.hits, 1);
    assert_int_equal(s.waits, 1);
    tilecache_destroy(c);
}

static void test_waiter_takes_over_after_abandon(void **state)
{
    (void)state;
    tilecache *c = tilecache_create(1 << 20);
    tilecache_hit hit;
    uint64_t gen;
    assert_int_equal(tilecache_get(c, "t", false, &hit, &gen), 0);
    getter g = {.c = c, .key = "t", .encode_ms = -1};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, get_thread, &g), 0);
    wait_for_waiters(c, 1);
    tilecache_abandon(c, "t"); /* the encoder failed: the waiter must not hang, it becomes the encoder */
    pthread_join(th, NULL);
    assert_int_equal(g.result, 0);
    tilecache_store(c, "t", "second", 6, "\"2\"", world, g.gen);
    assert_int_equal(tilecache_get(c, "t", false, &hit, &gen), 1);
    assert_memory_equal(hit.data, "second", 6);
    tilecache_hit_free(&hit);
    tilecache_destroy(c);
}

static void test_waiter_after_rejected_store(void **state)
{
    (void)state;
    tilecache *c = tilecache_create(1 << 20);
    tilecache_hit hit;
    uint64_t gen;
    assert_int_equal(tilecache_get(c, "t", false, &hit, &gen), 0);
    getter g = {.c = c, .key = "t", .encode_ms = -1};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, get_thread, &g), 0);
    wait_for_waiters(c, 1);
    tilecache_invalidate(c, 0, 0, 0, 0);
    tilecache_store(c, "t", "stale", 5, "\"s\"", world, gen); /* rejected: the waiter must not get it */
    pthread_join(th, NULL);
    assert_int_equal(g.result, 0);
    tilecache_abandon(c, "t");
    tilecache_destroy(c);
}

static void test_many_concurrent_misses_encode_once(void **state)
{
    (void)state;
    enum { N = 16 };
    tilecache *c = tilecache_create(1 << 20);
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, N);
    getter g[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        g[i] = (getter){.c = c, .key = "facilities/6/50/28/v2/d1", .barrier = &barrier, .encode_ms = 50};
        assert_int_equal(pthread_create(&th[i], NULL, get_thread, &g[i]), 0);
    }
    int hits = 0, misses = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        if (g[i].result) {
            hits++;
            assert_memory_equal(g[i].hit.data, "encoded", 7);
            tilecache_hit_free(&g[i].hit);
        } else {
            misses++;
        }
    }
    assert_int_equal(misses, 1);
    assert_int_equal(hits, N - 1);
    tilecache_stats s;
    tilecache_get_stats(c, &s);
    assert_int_equal(s.misses, 1);
    assert_int_equal(s.hits, N - 1);
    assert_int_equal(s.stores, 1);
    assert_true(s.waits >= 1 && s.waits <= N - 1);
    pthread_barrier_destroy(&barrier);
    tilecache_destroy(c);
}

/* Many threads over a few keys with invalidations in between: no deadlock, no lost wake-up, and
 * the counters add up. cmocka's asserts are not for other threads: bad hits are counted. */
typedef struct churn {
    tilecache *c;
    uint64_t seed;
    int bad;
} churn;

static void *churn_thread(void *arg)
{
    churn *ch = arg;
    tilecache *c = ch->c;
    uint64_t seed = ch->seed;
    char key[32];
    for (int i = 0; i < 3000; i++) {
        uint64_t r = next_random(&seed);
        snprintf(key, sizeof key, "k%u", (unsigned)(r % 24));
        tilecache_hit hit;
        uint64_t gen;
        if (tilecache_get(c, key, (r >> 8) & 1, &hit, &gen)) {
            if (!(hit.len == 5000 || hit.gzipped) || strcmp(hit.etag, "\"c\"") != 0)
                ch->bad++;
            tilecache_hit_free(&hit);
        } else if ((r >> 9) % 8 == 0) {
            tilecache_abandon(c, key);
        } else {
            static char body[5000];
            double lon = (double)(r % 24);
            const double b[4] = {lon, 0, lon + 1, 1};
            tilecache_store(c, key, body, sizeof body, "\"c\"", b, gen);
        }
        if ((r >> 12) % 50 == 0) {
            double lon = (double)((r >> 20) % 24) + 0.5;
            tilecache_invalidate(c, lon, 0.5, lon, 0.5);
        }
    }
    return NULL;
}

static void test_churn(void **state)
{
    (void)state;
    enum { N = 8 };
    tilecache *c = tilecache_create(16 * 3 * 6000); /* small enough to evict too */
    pthread_t th[N];
    churn ch[N];
    for (int i = 0; i < N; i++) {
        ch[i] = (churn){c, 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1), 0};
        assert_int_equal(pthread_create(&th[i], NULL, churn_thread, &ch[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(ch[i].bad, 0);
    }
    tilecache_stats s;
    tilecache_get_stats(c, &s);
    assert_int_equal(s.hits + s.misses, (uint64_t)N * 3000);
    assert_true(s.bytes <= s.capacity_bytes);
    assert_true(s.stores >= s.entries);
    tilecache_destroy(c);
}

static void gunzip(const char *src, size_t n, char **out, size_t *out_len)
{
    z_stream z = {0};
    assert_int_equal(inflateInit2(&z, 16 + MAX_WBITS), Z_OK); /* gzip wrapper required */
    size_t cap = 1 << 20;
    char *dst = malloc(cap);
    z.next_in = (Bytef *)(uintptr_t)src;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)dst;
    z.avail_out = (uInt)cap;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(z.avail_in, 0);
    *out_len = z.total_out;
    *out = dst;
    inflateEnd(&z);
}

static void test_gzip_form(void **state)
{
    (void)state;
    tilecache *c = tilecache_create(1 << 20);
    enum { N = 20000 };
    char *raw = compressible(N);
    put(c, "z", raw, N, "\"z\"", world);
    tilecache_hit hit;
    uint64_t gen;
    assert_int_equal(tilecache_get(c, "z", true, &hit, &gen), 1);
    assert_true(hit.gzipped);
    assert_true(hit.len < N / 4);
    assert_string_equal(hit.etag, "\"z\""); /* one ETag for both encodings */
    assert_int_equal((unsigned char)hit.data[0], 0x1f);
    assert_int_equal((unsigned char)hit.data[1], 0x8b);
    char *back;
    size_t back_len;
    gunzip(hit.data, hit.len, &back, &back_len);
    assert_int_equal(back_len, N);
    assert_memory_equal(back, raw, N);
    free(back);
    tilecache_hit_free(&hit);

    /* Without Accept-Encoding: gzip the raw bytes. */
    assert_int_equal(tilecache_get(c, "z", false, &hit, &gen), 1);
    assert_false(hit.gzipped);
    assert_int_equal(hit.len, N);
    assert_memory_equal(hit.data, raw, N);
    tilecache_hit_free(&hit);

    /* Bytes gzip cannot shrink are handed out raw even to a client that accepts gzip. */
    char *noise = malloc(N);
    fill_random(noise, N, 3);
    put(c, "n", noise, N, "\"n\"", world);
    assert_int_equal(tilecache_get(c, "n", true, &hit, &gen), 1);
    assert_false(hit.gzipped);
    assert_int_equal(hit.len, N);
    assert_memory_equal(hit.data, noise, N);
    tilecache_hit_free(&hit);

    /* The byte count includes the gzip form: both are held. */
    tilecache_stats s;
    tilecache_get_stats(c, &s);
    assert_true(s.bytes > 2 * N);
    free(noise);
    free(raw);
    tilecache_destroy(c);
}

static void test_stats(void **state)
{
    (void)state;
    tilecache *c = tilecache_create(5 << 20);
    tilecache_stats s;
    tilecache_get_stats(c, &s);
    assert_int_equal(s.capacity_bytes, 5 << 20);
    assert_int_equal(s.hits + s.misses + s.stores + s.evictions + s.invalidations + s.waits, 0);
    assert_int_equal(s.bytes, 0);
    assert_int_equal(s.entries, 0);

    char data[1000];
    fill_random(data, sizeof data, 11);
    const double b1[4] = {0, 0, 1, 1}, b2[4] = {2, 2, 3, 3};
    put(c, "one", data, sizeof data, "\"1\"", b1);
    put(c, "two", data, sizeof data, "\"2\"", b2);
    assert_true(present(c, "one"));
    assert_true(present(c, "one"));
    assert_false(present(c, "three"));
    tilecache_get_stats(c, &s);
    assert_int_equal(s.misses, 3);
    assert_int_equal(s.hits, 2);
    assert_int_equal(s.stores, 2);
    assert_int_equal(s.entries, 2);
    assert_true(s.bytes >= 2 * sizeof data && s.bytes < 2 * sizeof data + 4096);
    size_t two = s.bytes;

    tilecache_invalidate(c, 0.5, 0.5, 0.5, 0.5);
    tilecache_get_stats(c, &s);
    assert_int_equal(s.invalidations, 1);
    assert_int_equal(s.entries, 1);
    assert_int_equal(s.bytes, two / 2);
    assert_int_equal(s.evictions, 0);
    assert_int_equal(s.waits, 0);
    tilecache_destroy(c);
}

/* A hit holds the cached bytes themselves (no copy): they stay valid after the entry is invalidated
 * or the cache destroyed, until the hit gives its reference back; the read-log facts travel with them. */
static void test_hit_outlives_its_entry(void **state)
{
    (void)state;
    tilecache *c = tilecache_create(1 << 20);
    tilecache_hit hit;
    uint64_t gen;
    char *tilebytes = compressible(5000);
    const int64_t ids[] = {7, 3, 11};
    assert_int_equal(tilecache_get(c, "sources/15/1/1/v2/d1", true, &hit, &gen), 0);
    tilecache_body *b = tilecache_body_create(tilebytes, 5000, true, 42, ids, 3);
    tilecache_store_body(c, "sources/15/1/1/v2/d1", b, "\"e\"", world, gen);
    tilecache_body_release(b); /* the cache holds its own reference */
    assert_int_equal(tilecache_get(c, "sources/15/1/1/v2/d1", true, &hit, &gen), 1);
    assert_true(hit.gzipped);
    assert_ptr_equal(hit.data, hit.body->gz);
    tilecache_hit raw;
    assert_int_equal(tilecache_get(c, "sources/15/1/1/v2/d1", false, &raw, &gen), 1);
    assert_ptr_equal(raw.body, hit.body);
    assert_ptr_equal(raw.data, raw.body->raw);
    tilecache_invalidate(c, -180, -85, 180, 85);
    tilecache_destroy(c);
    /* still readable: the hits hold the body */
    assert_int_equal(hit.body->sensitive_rows, 42);
    assert_int_equal(hit.body->nids, 3);
    assert_memory_equal(hit.body->ids, ids, sizeof ids);
    assert_int_equal(raw.len, 5000);
    assert_memory_equal(raw.data, tilebytes, 5000);
    uLongf n = 5000;
    char out[5000];
    z_stream z = {0};
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)hit.data;
    z.avail_in = (uInt)hit.len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)n;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(z.total_out, 5000);
    inflateEnd(&z);
    assert_memory_equal(out, tilebytes, 5000);
    tilecache_hit_free(&hit);
    tilecache_hit_free(&raw);
    free(tilebytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_and_miss),
        cmocka_unit_test(test_capacity_zero_caches_nothing),
        cmocka_unit_test(test_byte_bound_and_lru),
        cmocka_unit_test(test_slow_encode_is_most_recent),
        cmocka_unit_test(test_invalidate_box),
        cmocka_unit_test(test_generation),
        cmocka_unit_test(test_second_miss_waits_then_hits),
        cmocka_unit_test(test_waiter_takes_over_after_abandon),
        cmocka_unit_test(test_waiter_after_rejected_store),
        cmocka_unit_test(test_many_concurrent_misses_encode_once),
        cmocka_unit_test(test_churn),
        cmocka_unit_test(test_gzip_form),
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_hit_outlives_its_entry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
