/*
 * mvt: hand-written Mapbox Vector Tile 2.1 encoder; see mvt.h for the contract.
 *
 * The schema (vector_tile.proto 2.1) as written here, fields in number order:
 *   Tile    { repeated Layer layers = 3; }
 *   Layer   { string name = 1; repeated Feature features = 2; repeated string keys = 3;
 *             repeated Value values = 4; uint32 extent = 5; uint32 version = 15; }
 *   Feature { uint64 id = 1; packed uint32 tags = 2; GeomType type = 3; packed uint32 geometry = 4; }
 *   Value   { string = 1; double = 3; sint64 = 6; bool = 7; }   (float/int/uint never written)
 *
 * Each layer keeps its features already encoded in one buffer, and two intern tables (keys, and
 * values stored as their encoded Value message so the type is part of the identity) with an
 * open-addressing hash. The feature being built lives inside its layer; it is encoded when the
 * next one begins or the tile finishes, or rolled back (with the keys and values that only it
 * introduced) when its geometry came out empty.
 */
#include "geo/mvt.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/tile.h"

enum { GEOM_NONE = 0, GEOM_POINT = 1, GEOM_LINESTRING = 2, GEOM_POLYGON = 3 };
enum { CMD_MOVE_TO = 1, CMD_LINE_TO = 2, CMD_CLOSE_PATH = 7 };
enum { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LEN = 2 };

#define TAG(field, wire) ((unsigned char)(((field) << 3) | (wire)))

/* ---- small helpers ------------------------------------------------------------------------ */

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("radmap: out of memory\n", stderr);
        abort();
    }
    return q;
}

/* Room for need elements of size elem in array p (capacity *cap, doubled as needed); returns the
 * array, moved or not. */
static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    *cap = c;
    return xrealloc(p, c * elem);
}

static size_t varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static void put_byte(buf *b, unsigned char c) { buf_append(b, &c, 1); }

/* A length-delimited field: tag, length, bytes. */
static void put_bytes_field(buf *b, unsigned field, const void *p, size_t n)
{
    put_byte(b, TAG(field, WIRE_LEN));
    buf_put_varint(b, n);
    buf_append(b, p, n);
}

static size_t bytes_field_size(size_t n) { return 1 + varint_size(n) + n; }

static uint64_t zigzag64(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

/* Parameter integers are 32-bit zigzag; coordinates are clamped so deltas fit. */
static uint32_t zigzag32(int64_t v) { return (uint32_t)(((uint64_t)v << 1) ^ (uint64_t)(v >> 63)); }

static uint32_t command(unsigned id, size_t count)
{
    assert(count < ((size_t)1 << 29));
    return (uint32_t)((id & 0x7) | ((uint32_t)count << 3));
}

static int32_t clamp_coord(int32_t v)
{
    return v > TILE_COORD_LIMIT ? TILE_COORD_LIMIT : v < -TILE_COORD_LIMIT ? -TILE_COORD_LIMIT : v;
}

/* Length of the valid UTF-8 sequence starting at s (n bytes left), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned min;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (n < len)
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

/*
 * Return s itself when it is valid UTF-8, else a copy in scratch with every invalid byte
 * replaced by U+FFFD. *n is the length in and out.
 */
static const char *utf8_clean(const char *s, size_t *n, buf *scratch)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, len = *n;
    while (i < len) {
        size_t k = utf8_seq(p + i, len - i);
        if (!k)
            break;
        i += k;
    }
    if (i == len)
        return s;
    buf_reset(scratch);
    buf_append(scratch, s, i);
    while (i < len) {
        size_t k = utf8_seq(p + i, len - i);
        if (k) {
            buf_append(scratch, p + i, k);
            i += k;
        } else {
            buf_append(scratch, "\xEF\xBF\xBD", 3);
            i++;
        }
    }
    *n = scratch->len;
    return scratch->data;
}

/* ---- intern table: byte strings -> dense indices ------------------------------------------- */

typedef struct intern_entry {
    size_t off;    /* into intern.bytes */
    uint32_t len;
    uint32_t hash;
} intern_entry;

typedef struct intern {
    buf bytes;              /* every entry's bytes, one after the other */
    intern_entry *entries;  /* in insertion order; index = position */
    size_t count, cap;
    uint32_t *slots;        /* 0 = empty, else entry index + 1 */
    size_t nslots;          /* power of two, at most half full */
} intern;

static uint32_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ULL; /* FNV-1a 64 */
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return (uint32_t)(h ^ (h >> 32));
}

static void intern_rehash(intern *t, size_t nslots)
{
    free(t->slots);
    t->slots = calloc(nslots, sizeof *t->slots);
    if (!t->slots) {
        fputs("radmap: out of memory\n", stderr);
        abort();
    }
    t->nslots = nslots;
    /* Re-inserting in insertion order keeps the rollback invariant (see intern_rollback). */
    for (size_t i = 0; i < t->count; i++) {
        size_t s = t->entries[i].hash & (nslots - 1);
        while (t->slots[s])
            s = (s + 1) & (nslots - 1);
        t->slots[s] = (uint32_t)(i + 1);
    }
}

/* Index of the entry with these bytes, added if new. */
static uint32_t intern_get(intern *t, const void *p, size_t n)
{
    uint32_t h = hash_bytes(p, n);
    if (t->nslots) {
        size_t s = h & (t->nslots - 1);
        while (t->slots[s]) {
            const intern_entry *e = &t->entries[t->slots[s] - 1];
            if (e->hash == h && e->len == n && memcmp(t->bytes.data + e->off, p, n) == 0)
                return t->slots[s] - 1;
            s = (s + 1) & (t->nslots - 1);
        }
    }
    assert(n <= UINT32_MAX && t->count < UINT32_MAX - 1);
    t->entries = grow(t->entries, &t->cap, t->count + 1, sizeof *t->entries);
    t->entries[t->count] = (intern_entry){t->bytes.len, (uint32_t)n, h};
    buf_append(&t->bytes, p, n);
    t->count++;
    if (t->count * 2 > t->nslots) {
        intern_rehash(t, t->nslots ? t->nslots * 2 : 64);
    } else {
        size_t s = h & (t->nslots - 1);
        while (t->slots[s])
            s = (s + 1) & (t->nslots - 1);
        t->slots[s] = (uint32_t)t->count;
    }
    return (uint32_t)(t->count - 1);
}

/*
 * Forget the entries from index mark on. With linear probing, removing entries newest first is
 * safe: an older entry's probe path only crossed slots that were already taken when it went in,
 * so it never crossed a newer entry's slot.
 */
static void intern_rollback(intern *t, size_t mark)
{
    while (t->count > mark) {
        size_t i = t->count - 1;
        size_t s = t->entries[i].hash & (t->nslots - 1);
        while (t->slots[s] != i + 1)
            s = (s + 1) & (t->nslots - 1);
        t->slots[s] = 0;
        buf_truncate(&t->bytes, t->entries[i].off);
        t->count--;
    }
}

static void intern_free(intern *t)
{
    buf_free(&t->bytes);
    free(t->entries);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

/* ---- handles ------------------------------------------------------------------------------ */

struct mvt_feature {
    mvt_layer *layer;
    bool open;
    uint64_t id;
    int type;                 /* GEOM_* */
    uint32_t *tags;           /* key, value index pairs */
    size_t ntags, cap_tags;
    uint32_t *geom;           /* command integers (lines and polygons) */
    size_t ngeom, cap_geom;
    int32_t *points;          /* pending points of a (multi)point, x y pairs */
    size_t npoints, cap_points;
    int32_t *scratch;         /* cleaned copy of a line or ring */
    size_t cap_scratch;
    int32_t cx, cy;           /* cursor: the spec's deltas are relative to it */
    bool have_exterior;       /* the last exterior ring was kept: holes may follow */
    size_t key_mark, value_mark;
};

struct mvt_layer {
    char *name;
    size_t name_len;
    uint32_t extent;
    intern keys, values;
    buf features;            /* encoded Feature fields (tag, length, message) */
    size_t nfeatures;
    buf body, packed;        /* scratch: one feature, one packed array */
    buf value, text;         /* scratch: one encoded Value, one cleaned UTF-8 string */
    mvt_feature cur;
    mvt_layer *next;
};

struct mvt_tile {
    mvt_layer *first, *last;
};

mvt_tile *mvt_tile_create(void)
{
    mvt_tile *t = calloc(1, sizeof *t);
    if (!t) {
        fputs("radmap: out of memory\n", stderr);
        abort();
    }
    return t;
}

void mvt_tile_destroy(mvt_tile *t)
{
    if (!t)
        return;
    mvt_layer *l = t->first;
    while (l) {
        mvt_layer *next = l->next;
        free(l->name);
        intern_free(&l->keys);
        intern_free(&l->values);
        buf_free(&l->features);
        buf_free(&l->body);
        buf_free(&l->packed);
        buf_free(&l->value);
        buf_free(&l->text);
        free(l->cur.tags);
        free(l->cur.geom);
        free(l->cur.points);
        free(l->cur.scratch);
        free(l);
        l = next;
    }
    free(t);
}

mvt_layer *mvt_layer_begin(mvt_tile *t, const char *name, uint32_t extent)
{
    assert(t && name);
    buf clean = BUF_INIT;
    size_t n = strlen(name);
    const char *s = utf8_clean(name, &n, &clean);
    mvt_layer *l;
    for (l = t->first; l; l = l->next)
        if (l->name_len == n && memcmp(l->name, s, n) == 0)
            goto cleanup;
    l = calloc(1, sizeof *l);
    if (!l) {
        fputs("radmap: out of memory\n", stderr);
        abort();
    }
    l->name = xrealloc(NULL, n + 1);
    memcpy(l->name, s, n);
    l->name[n] = 0;
    l->name_len = n;
    l->extent = extent;
    l->cur.layer = l;
    if (t->last)
        t->last->next = l;
    else
        t->first = l;
    t->last = l;
cleanup:
    buf_free(&clean);
    return l;
}

/* ---- features ----------------------------------------------------------------------------- */

static bool feature_empty(const mvt_feature *f)
{
    return f->type == GEOM_POINT ? f->npoints == 0 : f->ngeom == 0;
}

static void put_packed(buf *b, unsigned field, const uint32_t *v, size_t n, buf *scratch)
{
    buf_reset(scratch);
    for (size_t i = 0; i < n; i++)
        buf_put_varint(scratch, v[i]);
    put_bytes_field(b, field, scratch->data, scratch->len);
}

/* Encode the open feature into its layer, or roll it back when its geometry is empty. */
static void feature_commit(mvt_feature *f)
{
    if (!f->open)
        return;
    mvt_layer *l = f->layer;
    f->open = false;
    if (f->type == GEOM_NONE || feature_empty(f)) {
        intern_rollback(&l->keys, f->key_mark);
        intern_rollback(&l->values, f->value_mark);
        return;
    }
    if (f->type == GEOM_POINT) {
        /* A (multi)point is one MoveTo with a count: built here from the pending points. */
        f->ngeom = 0;
        f->geom = grow(f->geom, &f->cap_geom, 1 + f->npoints * 2, sizeof *f->geom);
        f->geom[f->ngeom++] = command(CMD_MOVE_TO, f->npoints);
        int64_t cx = 0, cy = 0;
        for (size_t i = 0; i < f->npoints; i++) {
            int64_t x = f->points[2 * i], y = f->points[2 * i + 1];
            f->geom[f->ngeom++] = zigzag32(x - cx);
            f->geom[f->ngeom++] = zigzag32(y - cy);
            cx = x;
            cy = y;
        }
    }
    buf *b = &l->body;
    buf_reset(b);
    if (f->id) {
        put_byte(b, TAG(1, WIRE_VARINT));
        buf_put_varint(b, f->id);
    }
    if (f->ntags)
        put_packed(b, 2, f->tags, f->ntags, &l->packed);
    put_byte(b, TAG(3, WIRE_VARINT));
    buf_put_varint(b, (uint64_t)f->type);
    put_packed(b, 4, f->geom, f->ngeom, &l->packed);
    put_bytes_field(&l->features, 2, b->data, b->len);
    l->nfeatures++;
}

mvt_feature *mvt_feature_begin(mvt_layer *l, uint64_t id)
{
    assert(l);
    mvt_feature *f = &l->cur;
    feature_commit(f);
    f->open = true;
    f->id = id;
    f->type = GEOM_NONE;
    f->ntags = f->ngeom = f->npoints = 0;
    f->cx = f->cy = 0;
    f->have_exterior = false;
    f->key_mark = l->keys.count;
    f->value_mark = l->values.count;
    return f;
}

/* Attach key -> encoded value (bytes of a Value message) to f, replacing an earlier value. */
static void feature_tag(mvt_feature *f, const char *key, const buf *value)
{
    assert(f && f->open && key);
    mvt_layer *l = f->layer;
    size_t n = strlen(key);
    const char *k = utf8_clean(key, &n, &l->text);
    uint32_t ki = intern_get(&l->keys, k, n);
    uint32_t vi = intern_get(&l->values, value->data, value->len);
    for (size_t i = 0; i < f->ntags; i += 2) {
        if (f->tags[i] == ki) {
            f->tags[i + 1] = vi;
            return;
        }
    }
    f->tags = grow(f->tags, &f->cap_tags, f->ntags + 2, sizeof *f->tags);
    f->tags[f->ntags++] = ki;
    f->tags[f->ntags++] = vi;
}

/* The layer's value scratch, emptied, for encoding one Value message. */
static buf *value_scratch(mvt_feature *f)
{
    assert(f && f->open);
    buf_reset(&f->layer->value);
    return &f->layer->value;
}

void mvt_feature_add_string(mvt_feature *f, const char *key, const char *value)
{
    if (!value)
        return;
    buf *v = value_scratch(f);
    size_t n = strlen(value);
    const char *s = utf8_clean(value, &n, &f->layer->text);
    put_bytes_field(v, 1, s, n);
    feature_tag(f, key, v);
}

void mvt_feature_add_int(mvt_feature *f, const char *key, int64_t value)
{
    buf *v = value_scratch(f);
    put_byte(v, TAG(6, WIRE_VARINT));
    buf_put_varint(v, zigzag64(value));
    feature_tag(f, key, v);
}

void mvt_feature_add_double(mvt_feature *f, const char *key, double value)
{
    buf *v = value_scratch(f);
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    put_byte(v, TAG(3, WIRE_FIXED64));
    for (int i = 0; i < 8; i++) /* fixed64 is little-endian on the wire, whatever the host */
        put_byte(v, (unsigned char)(bits >> (8 * i)));
    feature_tag(f, key, v);
}

void mvt_feature_add_bool(mvt_feature *f, const char *key, bool value)
{
    buf *v = value_scratch(f);
    put_byte(v, TAG(7, WIRE_VARINT));
    put_byte(v, value ? 1 : 0);
    feature_tag(f, key, v);
}

/* ---- geometry ----------------------------------------------------------------------------- */

static int feature_set_type(mvt_feature *f, int type)
{
    assert(f && f->open);
    if (f->type != GEOM_NONE && f->type != type)
        return -1;
    f->type = type;
    return 0;
}

int mvt_feature_add_point(mvt_feature *f, int32_t x, int32_t y)
{
    int32_t xy[2] = {x, y};
    return mvt_feature_add_points(f, xy, 1);
}

int mvt_feature_add_points(mvt_feature *f, const int32_t *xy, size_t n)
{
    if (feature_set_type(f, GEOM_POINT) < 0)
        return -1;
    f->points = grow(f->points, &f->cap_points, 2 * (f->npoints + n), sizeof *f->points);
    for (size_t i = 0; i < 2 * n; i++)
        f->points[2 * f->npoints + i] = clamp_coord(xy[i]);
    f->npoints += n;
    return 0;
}

/*
 * Copy xy into f->scratch clamped and without consecutive repeats; for a ring also without the
 * closing point(s). Result: number of points kept.
 */
static size_t clean_path(mvt_feature *f, const int32_t *xy, size_t n, bool ring)
{
    f->scratch = grow(f->scratch, &f->cap_scratch, 2 * n, sizeof *f->scratch);
    int32_t *s = f->scratch;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t x = clamp_coord(xy[2 * i]), y = clamp_coord(xy[2 * i + 1]);
        if (k && s[2 * k - 2] == x && s[2 * k - 1] == y)
            continue;
        s[2 * k] = x;
        s[2 * k + 1] = y;
        k++;
    }
    if (ring)
        while (k > 1 && s[2 * k - 2] == s[0] && s[2 * k - 1] == s[1])
            k--;
    return k;
}

/* Append MoveTo(first) LineTo(rest) from f->scratch (k points), moving the cursor. */
static void emit_path(mvt_feature *f, size_t k, bool close)
{
    const int32_t *s = f->scratch;
    f->geom = grow(f->geom, &f->cap_geom, f->ngeom + 2 * k + 3, sizeof *f->geom);
    for (size_t i = 0; i < k; i++) {
        if (i == 0)
            f->geom[f->ngeom++] = command(CMD_MOVE_TO, 1);
        else if (i == 1)
            f->geom[f->ngeom++] = command(CMD_LINE_TO, k - 1);
        f->geom[f->ngeom++] = zigzag32((int64_t)s[2 * i] - f->cx);
        f->geom[f->ngeom++] = zigzag32((int64_t)s[2 * i + 1] - f->cy);
        f->cx = s[2 * i];
        f->cy = s[2 * i + 1];
    }
    if (close)
        f->geom[f->ngeom++] = command(CMD_CLOSE_PATH, 1);
}

int mvt_feature_add_line(mvt_feature *f, const int32_t *xy, size_t n)
{
    if (feature_set_type(f, GEOM_LINESTRING) < 0)
        return -1;
    size_t k = clean_path(f, xy, n, false);
    if (k >= 2)
        emit_path(f, k, false);
    return 0;
}

/* Twice the signed area by the spec's surveyor formula (positive = exterior), relative to the
 * first point so that products stay exact for any realistic tile coordinate. */
static double ring_area2(const int32_t *s, size_t k)
{
    double a = 0.0;
    double x0 = s[0], y0 = s[1];
    for (size_t i = 0; i < k; i++) {
        size_t j = (i + 1) % k;
        double xi = s[2 * i] - x0, yi = s[2 * i + 1] - y0;
        double xj = s[2 * j] - x0, yj = s[2 * j + 1] - y0;
        a += xi * yj - xj * yi;
    }
    return a;
}

static void reverse_points(int32_t *s, size_t k)
{
    for (size_t i = 0, j = k - 1; i < j; i++, j--) {
        int32_t x = s[2 * i], y = s[2 * i + 1];
        s[2 * i] = s[2 * j];
        s[2 * i + 1] = s[2 * j + 1];
        s[2 * j] = x;
        s[2 * j + 1] = y;
    }
}

int mvt_feature_add_ring(mvt_feature *f, const int32_t *xy, size_t n, bool exterior)
{
    if (feature_set_type(f, GEOM_POLYGON) < 0)
        return -1;
    if (!exterior && !f->have_exterior)
        return 0;
    size_t k = clean_path(f, xy, n, true);
    double area2 = k >= 3 ? ring_area2(f->scratch, k) : 0.0;
    if (area2 == 0.0) {
        if (exterior)
            f->have_exterior = false;
        return 0;
    }
    if ((exterior && area2 < 0) || (!exterior && area2 > 0))
        reverse_points(f->scratch, k);
    emit_path(f, k, true);
    if (exterior)
        f->have_exterior = true;
    return 0;
}

/* ---- output ------------------------------------------------------------------------------- */

static size_t intern_fields_size(const intern *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->count; i++)
        n += bytes_field_size(t->entries[i].len);
    return n;
}

static void put_intern_fields(buf *out, unsigned field, const intern *t)
{
    for (size_t i = 0; i < t->count; i++)
        put_bytes_field(out, field, t->bytes.data + t->entries[i].off, t->entries[i].len);
}

size_t mvt_tile_finish(mvt_tile *t, buf *out)
{
    assert(t && out);
    size_t written = 0;
    for (mvt_layer *l = t->first; l; l = l->next) {
        feature_commit(&l->cur);
        if (!l->nfeatures)
            continue;
        size_t size = bytes_field_size(l->name_len) + l->features.len +
                      intern_fields_size(&l->keys) + intern_fields_size(&l->values) + 1 +
                      varint_size(l->extent) + 2;
        put_byte(out, TAG(3, WIRE_LEN));
        buf_put_varint(out, size);
        size_t start = out->len;
        put_bytes_field(out, 1, l->name, l->name_len);
        buf_append(out, l->features.data, l->features.len);
        put_intern_fields(out, 3, &l->keys);
        put_intern_fields(out, 4, &l->values);
        put_byte(out, TAG(5, WIRE_VARINT));
        buf_put_varint(out, l->extent);
        put_byte(out, TAG(15, WIRE_VARINT));
        put_byte(out, 2);
        assert(out->len - start == size);
        (void)start;
        written += l->nfeatures;
    }
    return written;
}
