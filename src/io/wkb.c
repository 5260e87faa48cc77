/*
 * wkb: checked 2D WKB walking; see wkb.h.
 */
#include "io/wkb.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WKB_MAX_DEPTH 8
#define RUN 256 /* positions transformed per call of fn */

typedef struct walk {
    unsigned char *p;           /* writable only for transform */
    const unsigned char *c, *end;
    int (*fn)(void *arg, double *xy, size_t n);
    void *arg;
    double env[4];
    size_t npos;
    int rc;
} walk;

static int get_u32(walk *w, int le, uint32_t *v)
{
    if (w->end - w->c < 4)
        return -1;
    const unsigned char *b = w->c;
    *v = le ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24
            : (uint32_t)b[3] | (uint32_t)b[2] << 8 | (uint32_t)b[1] << 16 | (uint32_t)b[0] << 24;
    w->c += 4;
    return 0;
}

static double get_double_at(const unsigned char *b, int le)
{
    unsigned char t[8];
    int host_le = 1;
    host_le = *(unsigned char *)&host_le;
    if (le == host_le)
        memcpy(t, b, 8);
    else
        for (int i = 0; i < 8; i++)
            t[i] = b[7 - i];
    double d;
    memcpy(&d, t, 8);
    return d;
}

static void put_double_at(unsigned char *b, int le, double d)
{
    unsigned char t[8];
    memcpy(t, &d, 8);
    int host_le = 1;
    host_le = *(unsigned char *)&host_le;
    if (le == host_le)
        memcpy(b, t, 8);
    else
        for (int i = 0; i < 8; i++)
            b[i] = t[7 - i];
}

/* n positions at w->c: envelope, and fn when transforming. */
static int positions(walk *w, int le, uint32_t n)
{
    if ((size_t)(w->end - w->c) / 16 < n)
        return -1;
    double xy[2 * RUN];
    uint32_t done = 0;
    while (done < n) {
        uint32_t k = n - done < RUN ? n - done : RUN;
        const unsigned char *base = w->c + (size_t)done * 16;
        for (uint32_t i = 0; i < k; i++) {
            xy[2 * i] = get_double_at(base + 16 * i, le);
            xy[2 * i + 1] = get_double_at(base + 16 * i + 8, le);
        }
        if (w->fn) {
            int r = w->fn(w->arg, xy, k);
            if (r < 0) {
                w->rc = r;
                return -1;
            }
            unsigned char *out = w->p + (base - w->p);
            for (uint32_t i = 0; i < k; i++) {
                put_double_at(out + 16 * i, le, xy[2 * i]);
                put_double_at(out + 16 * i + 8, le, xy[2 * i + 1]);
            }
        }
        for (uint32_t i = 0; i < k; i++) {
            double x = xy[2 * i], y = xy[2 * i + 1];
            if (x < w->env[0]) w->env[0] = x;
            if (y < w->env[1]) w->env[1] = y;
            if (x > w->env[2]) w->env[2] = x;
            if (y > w->env[3]) w->env[3] = y;
            w->npos++;
        }
        done += k;
    }
    w->c += (size_t)n * 16;
    return 0;
}

/* One geometry at w->c; its type in *type. */
static int geometry(walk *w, int depth, int *type)
{
    if (depth > WKB_MAX_DEPTH || w->c >= w->end)
        return -1;
    int le = *w->c++;
    if (le != 0 && le != 1)
        return -1;
    uint32_t t;
    if (get_u32(w, le, &t) < 0)
        return -1;
    if (t < 1 || t > 7)
        return -1; /* Z, M, EWKB flags and curves are not accepted */
    *type = (int)t;
    uint32_t n;
    switch (t) {
    case WKB_POINT:
        if (w->end - w->c < 16)
            return -1;
        if (isnan(get_double_at(w->c, le)) && isnan(get_double_at(w->c + 8, le))) {
            w->c += 16; /* POINT EMPTY */
            return 0;
        }
        return positions(w, le, 1);
    case WKB_LINESTRING:
        if (get_u32(w, le, &n) < 0)
            return -1;
        return positions(w, le, n);
    case WKB_POLYGON:
        if (get_u32(w, le, &n) < 0 || (size_t)(w->end - w->c) / 4 < n)
            return -1;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t m;
            if (get_u32(w, le, &m) < 0 || positions(w, le, m) < 0)
                return -1;
        }
        return 0;
    default: {
        if (get_u32(w, le, &n) < 0 || (size_t)(w->end - w->c) / 9 < n)
            return -1;
        for (uint32_t i = 0; i < n; i++) {
            int sub;
            if (geometry(w, depth + 1, &sub) < 0)
                return -1;
            if ((t == WKB_MULTIPOINT && sub != WKB_POINT) || (t == WKB_MULTILINESTRING && sub != WKB_LINESTRING) ||
                (t == WKB_MULTIPOLYGON && sub != WKB_POLYGON))
                return -1;
        }
        return 0;
    }
    }
}

static int run(walk *w, int *type)
{
    w->env[0] = w->env[1] = INFINITY;
    w->env[2] = w->env[3] = -INFINITY;
    if (geometry(w, 0, type) < 0)
        return w->rc < 0 ? w->rc : -1;
    return w->c == w->end ? 0 : -1;
}

int wkb_type(const unsigned char *wkb, size_t len)
{
    walk w = {NULL, wkb, wkb + len, NULL, NULL, {0}, 0, 0};
    int t;
    return run(&w, &t) < 0 ? -1 : t;
}

int wkb_point(const unsigned char *wkb, size_t len, double *x, double *y)
{
    walk w = {NULL, wkb, wkb + len, NULL, NULL, {0}, 0, 0};
    int t;
    if (run(&w, &t) < 0)
        return -1;
    if ((t != WKB_POINT && t != WKB_MULTIPOINT) || w.npos != 1)
        return -2;
    *x = w.env[0];
    *y = w.env[1];
    return 0;
}

int wkb_envelope(const unsigned char *wkb, size_t len, double env[4])
{
    walk w = {NULL, wkb, wkb + len, NULL, NULL, {0}, 0, 0};
    int t;
    if (run(&w, &t) < 0 || w.npos == 0)
        return -1;
    memcpy(env, w.env, sizeof w.env);
    return 0;
}

int wkb_transform(unsigned char *wkb, size_t len, int (*fn)(void *arg, double *xy, size_t n), void *arg)
{
    walk w = {wkb, wkb, wkb + len, fn, arg, {0}, 0, 0};
    int t;
    return run(&w, &t);
}
