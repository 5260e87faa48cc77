/*
 * demo_int: what the demo generator's two files share: its random number generator, the state of
 * a run and the text helpers of demo_names.c. Private to src/db/demo*.c.
 *
 * The generator owns one demo_ctx per run (demo_generate allocates and frees it); every buffer
 * in it lives as long as the run, so prepared statements may bind them with SQLITE_STATIC as
 * long as each parameter is rebound before each step.
 */
#ifndef RADMAP_DEMO_INT_H
#define RADMAP_DEMO_INT_H

#include <math.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "db/demo_names.h"
#include "db/rtreepack.h"

/* ---- random numbers: xoshiro256** seeded by splitmix64 ------------------------------------- */

typedef struct demo_rng {
    uint64_t s[4];
    double spare; /* second normal deviate of the last Box-Muller pair */
    int has_spare;
} demo_rng;

static inline uint64_t rng_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline void rng_seed(demo_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = rng_splitmix(&seed);
    r->has_spare = 0;
    r->spare = 0;
}

static inline uint64_t rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rng_next(demo_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, 1). */
static inline double rng_unit(demo_rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

/* Uniform in [0, n), n > 0 (Lemire's multiply: no modulo bias worth the name at these n). */
static inline unsigned rng_below(demo_rng *r, unsigned n) { return (unsigned)(((rng_next(r) >> 32) * n) >> 32); }

/* Uniform in [lo, hi]. */
static inline int rng_range(demo_rng *r, int lo, int hi) { return lo + (int)rng_below(r, (unsigned)(hi - lo + 1)); }

static inline int rng_chance(demo_rng *r, double p) { return rng_unit(r) < p; }

/* Standard normal (polar Box-Muller). */
static inline double rng_gauss(demo_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u, v, s;
    do {
        u = 2.0 * rng_unit(r) - 1.0;
        v = 2.0 * rng_unit(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double m = sqrt(-2.0 * log(s) / s);
    r->spare = v * m;
    r->has_spare = 1;
    return u * m;
}

static inline const char *rng_pick(demo_rng *r, const demo_list *l) { return l->v[rng_below(r, l->n)]; }

/* ---- kinds, practices and generator state -------------------------------------------------- */

enum { G_MED, G_IND, G_OIL, G_COUNT };

enum {
    P_MEDICAL_XRAY, P_NUCLEAR_MEDICINE, P_RADIOTHERAPY, P_RADIOGRAPHY, P_GAUGE, P_WELL_LOGGING,
    P_RESEARCH, P_IRRADIATOR, P_STORAGE, P_OTHER, P_COUNT
};

enum { ST_OPERATING, ST_SUSPENDED, ST_CLOSED };

/* Extra practices of a facility, beside the primary one. */
enum { XP_NM = 1, XP_XRAY = 2, XP_GAUGE = 4, XP_STORAGE = 8, XP_OTHER = 16 };

/* ---- generator state ------------------------------------------------------------------------ */

typedef struct demo_chain {
    sqlite3_int64 org_id;
    int left;        /* sites still to open */
    int next_branch; /* number of the next site */
    char base[200];  /* first site's name */
    char org[200];
    char domain[96];
} demo_chain;

/* The facility being written. */
typedef struct demo_facility {
    int kind, size;
    unsigned flags;  /* DA_* of an anchor */
    unsigned extra;  /* XP_* */
    const demo_anchor *anchor;
    const demo_place *place;
    const demo_province *province;
    double lon, lat;
    int status;
    int varans;
    int sector;
    sqlite3_int64 id;
    int lost_pending; /* DA_LOST: the next Ir-192 written is the lost one */
} demo_facility;

/* What the bulk finish needs of one point table: its R*Tree entries and extent. */
enum { DEMO_L_FACILITY, DEMO_L_SOURCE, DEMO_L_DEVICE, DEMO_L_COUNT };
typedef struct demo_layer {
    rtree_point *pts;
    size_t n, cap;
    double extent[4]; /* min lon, min lat, max lon, max lat */
} demo_layer;

typedef struct demo_ctx {
    sqlite3 *db;
    db_conn *conn;      /* the same connection, for db/rtreepack */
    demo_rng rng;
    int32_t today;
    int city; /* 1: the demo city (region 0 only) */
    sqlite3_stmt *st_org, *st_fac, *st_prac, *st_src, *st_dev;
    long practice_seq[P_COUNT];
    unsigned long org_seq, src_seq, dev_seq;
    uint64_t org_key, src_key, dev_key; /* demo_scramble keys, drawn per run */
    long licence_no;
    double kind_cum[DK_COUNT];
    double *place_cum[G_COUNT]; /* cumulative weight over demo_places, per group */
    demo_chain chain[DK_COUNT];
    demo_facility f;
    int bulk; /* triggers off: collect points for demo_bulk_finish */
    demo_layer layer[DEMO_L_COUNT];
    /* text of the current rows; bound with SQLITE_STATIC, rebound before every step */
    char name[256], org_name[256], domain[96], brand[96];
    char code[32], address[256], org_address[512], licence[32];
    char tax[16], org_phone[32], org_email[128], legal_rep[96];
    char contact[96], contact_phone[32], contact_email[128];
    char serial[32], room[128], date[11], now[32];
    const char *why; /* the failure when it is not SQLite's (out of memory) */
    char why_buf[1100]; /* room for a why that is not a constant (an rm_error detail) */
    const char *doing, *doing_what; /* what is being written, for the error detail */
    buf raw, key, slug;
} demo_ctx;

/* ---- text (demo_names.c) ------------------------------------------------------------------- */

/* snprintf into a fixed buffer, truncating silently: names are bounded by construction and a
 * cut-off demo name is harmless. */
void demo_fmt(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The folded, space-free form of s ("Tâm Đức" -> "tamduc") into out. */
void demo_slug(demo_ctx *c, const char *s, char *out, size_t size);
/* A full name into out; with email_local, the local part of an e-mail (given name + initials). */
void demo_person(demo_ctx *c, char *out, size_t size, char *email_local, size_t email_size);
void demo_mobile(demo_ctx *c, char *out, size_t size);
/* A landline in the current facility's province. */
void demo_landline(demo_ctx *c, char *out, size_t size);
/* c->address for the current facility: a street number, or a lot in an industrial park. */
void demo_street_address(demo_ctx *c);
void demo_park_address(demo_ctx *c);
/* name, org_name, brand and domain of a new licensee of the current facility's kind. */
void demo_name_new(demo_ctx *c);

/* A bijection of [0, modulus) keyed by key, so that serial numbers and tax codes drawn from a
 * counter look random but never repeat: xor-shift-multiply rounds are bijective on the next power
 * of two, and cycle walking keeps the result below modulus. n must be below modulus. */
static inline unsigned long demo_scramble(unsigned long n, unsigned long modulus, uint64_t key)
{
    uint64_t mask = 1;
    while (mask < modulus)
        mask <<= 1;
    mask -= 1;
    uint64_t x = n % modulus;
    do {
        x = (x ^ key) & mask;
        x ^= x >> 7;
        x = (x * 0x9E3779B97F4A7C15ull) & mask;
        x ^= x >> 11;
        x = (x * 0xBF58476D1CE4E5B9ull) & mask;
        x ^= x >> 5;
    } while (x >= modulus);
    return (unsigned long)x;
}

#endif
