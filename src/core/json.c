/*
 * json: streaming writer; see json.h. Hand-written because it is on every request's hot path and
 * jansson would build a tree of every answer first; parsing of request bodies uses jansson.
 */
#include "core/json.h"

#include <assert.h>
#include <float.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_init(json_writer *w, buf *out)
{
    memset(w, 0, sizeof *w);
    w->out = out;
}

/* Comma and bookkeeping before any value or key. */
static void before_value(json_writer *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->need_comma[w->depth])
        buf_putc(w->out, ',');
    w->need_comma[w->depth] = true;
}

static void open(json_writer *w, char c)
{
    before_value(w);
    buf_putc(w->out, c);
    assert(w->depth + 1 < JSON_MAX_DEPTH);
    w->depth++;
    w->need_comma[w->depth] = false;
}

static void close_(json_writer *w, char c)
{
    assert(w->depth > 0);
    w->depth--;
    buf_putc(w->out, c);
}

void json_obj_begin(json_writer *w) { open(w, '{'); }
void json_obj_end(json_writer *w) { close_(w, '}'); }
void json_arr_begin(json_writer *w) { open(w, '['); }
void json_arr_end(json_writer *w) { close_(w, ']'); }

/* Length of a valid UTF-8 sequence starting at s (at most n bytes), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0)
        len = 2, min = 0x80;
    else if ((c & 0xF0) == 0xE0)
        len = 3, min = 0x800;
    else if ((c & 0xF8) == 0xF0)
        len = 4, min = 0x10000;
    else
        return 0;
    if (len > n)
        return 0;
    unsigned cp = c & (0x3F >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

void json_escape_append(buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, start = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t l = utf8_len(p + i, n - i);
            if (l) {
                i += l;
                continue;
            }
        }
        buf_append(b, s + start, i - start);
        switch (c) {
        case '"': buf_puts(b, "\\\""); break;
        case '\\': buf_puts(b, "\\\\"); break;
        case '\n': buf_puts(b, "\\n"); break;
        case '\r': buf_puts(b, "\\r"); break;
        case '\t': buf_puts(b, "\\t"); break;
        case '\b': buf_puts(b, "\\b"); break;
        case '\f': buf_puts(b, "\\f"); break;
        default:
            if (c < 0x20)
                buf_appendf(b, "\\u%04x", c);
            else
                buf_puts(b, "\xEF\xBF\xBD"); /* invalid UTF-8 byte: U+FFFD */
        }
        i++;
        start = i;
    }
    buf_append(b, s + start, n - start);
}

void json_key(json_writer *w, const char *key)
{
    before_value(w);
    w->after_key = true;
    /* Keys are nearly always plain ASCII names from the code: copied in one go when they are. */
    size_t n = strlen(key);
    buf_grow(w->out, n + 3);
    char *d = w->out->data + w->out->len;
    d[0] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)key[i];
        if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) {
            buf_putc(w->out, '"');
            json_escape_append(w->out, key, n);
            buf_puts(w->out, "\":");
            return;
        }
        d[1 + i] = (char)c;
    }
    d[n + 1] = '"';
    d[n + 2] = ':';
    w->out->len += n + 3;
    w->out->data[w->out->len] = 0;
}

void json_strn(json_writer *w, const char *s, size_t n)
{
    before_value(w);
    buf_putc(w->out, '"');
    json_escape_append(w->out, s, n);
    buf_putc(w->out, '"');
}

void json_str(json_writer *w, const char *s)
{
    if (!s) {
        json_write_null(w);
        return;
    }
    json_strn(w, s, strlen(s));
}

/* Decimal digits of u, written backwards from end; returns the first. */
static char *digits_before(char *end, uint64_t u)
{
    do {
        *--end = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    return end;
}

void json_int(json_writer *w, int64_t v)
{
    before_value(w);
    /* By hand rather than "%lld": ids and counts are most of an answer's numbers. */
    char tmp[24], *end = tmp + sizeof tmp;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    char *p = digits_before(end, u);
    if (v < 0)
        *--p = '-';
    buf_append(w->out, p, (size_t)(end - p));
}

/*
 * Fast formatting of doubles, for the hot path: coordinates, distances and activities are most of
 * what a GeoJSON answer holds, and snprintf("%.15g") with a strtod check costs microseconds each.
 *
 * round_scaled: v * 10^d rounded to the nearest integer, ties to even, computed exactly as printf
 * rounds the exact binary value of v: v = m * 2^k with a 53-bit integer m, so v * 10^d is
 * m * 10^d / 2^-k, and m * 10^d (d <= 20) fits in 120 bits. Exact integer arithmetic rather than a
 * wider floating type, so the answer is the same on every machine and under valgrind (which
 * computes x87 long doubles with 64-bit doubles). False when the result would not fit below 10^17
 * or v is not finite.
 */
__extension__ typedef unsigned __int128 u128;

static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20};

static bool round_scaled(double a, int d, uint64_t *out)
{
    if (!(a >= 0) || d < 0 || d > 20 || !(a * p10[d] < 1.1e17))
        return false;
    if (a == 0) {
        *out = 0;
        return true;
    }
    int ex;
    double f = frexp(a, &ex);                 /* a = f * 2^ex, 0.5 <= f < 1 */
    uint64_t m = (uint64_t)ldexp(f, 53);      /* exact: f has 53 significant bits */
    int k = ex - 53;                          /* a = m * 2^k */
    u128 pw = 1;
    for (int i = 0; i < d; i++)
        pw *= 10;
    u128 prod = (u128)m * pw;
    uint64_t q;
    if (k >= 0) {
        if (k > 10)
            return false;
        q = (uint64_t)(prod << k);
    } else {
        int sh = -k;
        if (sh >= 121) { /* prod < 2^120: the value is below one half */
            *out = 0;
            return true;
        }
        u128 qq = prod >> sh, rem = prod - (qq << sh), half = (u128)1 << (sh - 1);
        if (rem > half || (rem == half && (qq & 1)))
            qq++;
        q = (uint64_t)qq;
    }
    if (q >= 100000000000000000ULL)
        return false;
    *out = q;
    return true;
}

/* Writes n / 10^d with d decimals into the end of tmp, trailing zeros (and a bare point) trimmed;
 * returns the start. */
static char *fixed_before(char *end, uint64_t n, int d, bool neg)
{
    uint64_t scale = 1;
    for (int i = 0; i < d; i++)
        scale *= 10;
    uint64_t ip = n / scale, fp = n % scale;
    char *p = end;
    int nd = d;
    while (nd > 0 && fp % 10 == 0) {
        fp /= 10;
        nd--;
    }
    if (nd > 0) {
        for (int i = 0; i < nd; i++) {
            *--p = (char)('0' + fp % 10);
            fp /= 10;
        }
        *--p = '.';
    }
    p = digits_before(p, ip);
    if (neg && (ip || nd))
        *--p = '-';
    return p;
}

/* %.17g's answer, for the values whose 15 digits do not read back (computed activities, ratios):
 * 17 significant digits always read back, so only the exact rounding is needed. */
static bool shortest_fast17(double v, char *end, char **start)
{
    double a = fabs(v);
    if (!(a >= 1e-4 && a < 1e9))
        return false;
    int e = (int)floor(log10(a));
    int d = 16 - e;
    uint64_t n;
    if (d < 0 || d > 19 || !round_scaled(a, d, &n) || n < 10000000000000000ULL || n >= 100000000000000000ULL)
        return false;
    *start = fixed_before(end, n, d, v < 0);
    return true;
}

/* %.15g's answer for 1e-4 <= |v| < 1e9 (fixed notation, 15 significant digits, zeros trimmed) when
 * it reads back to v, as the exact decimal n / 10^d does when (double)n / 10^d == v (both exact
 * operands, one correctly rounded division: what strtod computes). 1 written, 0 when those 15 digits
 * are known not to read back (17 are needed), -1 when this path cannot tell. */
static int shortest_fast(double v, char *end, char **start)
{
    double a = fabs(v);
    if (!(a >= 1e-4 && a < 1e9))
        return -1;
    int e = (int)floor(log10(a));
    int d = 14 - e;
    if (d < 0 || d > 18)
        return -1;
    uint64_t n;
    if (!round_scaled(a, d, &n) || n < 100000000000000ULL || n >= 1000000000000000ULL)
        return -1;
    if ((double)n / p10[d] != a)
        return 0;
    *start = fixed_before(end, n, d, v < 0);
    return 1;
}

void json_num(json_writer *w, double v)
{
    before_value(w);
    if (!isfinite(v)) {
        buf_puts(w->out, "null");
        return;
    }
    char tmp[40];
    char *start;
    int fast = shortest_fast(v, tmp + sizeof tmp, &start);
    if (fast == 1 || (fast == 0 && shortest_fast17(v, tmp + sizeof tmp, &start))) {
        buf_append(w->out, start, (size_t)(tmp + sizeof tmp - start));
        return;
    }
    /* Shortest of %.15g and %.17g that reads back to the same double (fixed_before holds at most
     * 10^19, hence d <= 19 above). */
    snprintf(tmp, sizeof tmp, "%.15g", v);
    if (strtod(tmp, NULL) != v)
        snprintf(tmp, sizeof tmp, "%.17g", v);
    buf_puts(w->out, tmp);
}

void json_numf(json_writer *w, double v, int decimals)
{
    before_value(w);
    if (!isfinite(v)) {
        buf_puts(w->out, "null");
        return;
    }
    char tmp[360]; /* DBL_MAX has 309 integer digits */
    if (decimals < 0)
        decimals = 0;
    if (decimals > 40)
        decimals = 40;
    uint64_t n;
    if (decimals <= 9 && round_scaled(fabs(v), decimals, &n)) {
        char *start = fixed_before(tmp + sizeof tmp, n, decimals, v < 0);
        buf_append(w->out, start, (size_t)(tmp + sizeof tmp - start));
        return;
    }
    snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
    if (strchr(tmp, '.')) {
        size_t len = strlen(tmp);
        while (len > 0 && tmp[len - 1] == '0')
            tmp[--len] = 0;
        if (len > 0 && tmp[len - 1] == '.')
            tmp[--len] = 0;
    }
    if (strcmp(tmp, "-0") == 0)
        strcpy(tmp, "0");
    buf_puts(w->out, tmp);
}

void json_bool(json_writer *w, bool v)
{
    before_value(w);
    buf_puts(w->out, v ? "true" : "false");
}

void json_write_null(json_writer *w)
{
    before_value(w);
    buf_puts(w->out, "null");
}

void json_raw(json_writer *w, const char *text, size_t n)
{
    before_value(w);
    buf_append(w->out, text, n);
}

void json_kv_str(json_writer *w, const char *key, const char *s)
{
    json_key(w, key);
    json_str(w, s);
}

void json_kv_int(json_writer *w, const char *key, int64_t v)
{
    json_key(w, key);
    json_int(w, v);
}

void json_kv_num(json_writer *w, const char *key, double v)
{
    json_key(w, key);
    json_num(w, v);
}

void json_kv_bool(json_writer *w, const char *key, bool v)
{
    json_key(w, key);
    json_bool(w, v);
}
