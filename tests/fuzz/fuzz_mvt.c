/*
 * fuzz_mvt: the vector tile encoder (geo/mvt.h) and the clip pipeline that feeds it (geo/clip.h)
 * given arbitrary geometries: tile-unit points, lines and rings straight into the encoder (any
 * int32, degenerate, repeated, self-crossing), lon/lat geometries (NaN, infinities, huge values,
 * collapsed rings) through GEOS clipping, simplification and snapping, and arbitrary bytes as WKB.
 *
 * Input: a small program. Bytes 0-8 choose the tile (z, x, y); then each instruction is one byte
 * (its value mod 8 picks the operation) followed by the operation's operands, read from the input
 * as needed. The encoded tile is then decoded by an independent protobuf walker below, which
 * checks what the spec (vector-tile-spec 2.1) requires: layers with version 2, a name and an
 * extent; features with a geometry type and a valid command stream for that type; tags in pairs
 * that index existing keys and values.
 */
#include <geos_c.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "geo/clip.h"
#include "geo/mvt.h"
#include "geo/tile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- reading the program ------------------------------------------------------------------- */

typedef struct reader {
    const uint8_t *p, *end;
} reader;

static bool more(const reader *r) { return r->p < r->end; }

static uint32_t take_u32(reader *r)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v = (v << 8) | (more(r) ? *r->p++ : 0);
    return v;
}

static uint8_t take_u8(reader *r) { return more(r) ? *r->p++ : 0; }

static double take_double(reader *r)
{
    uint8_t kind = take_u8(r);
    if (kind < 200) /* mostly ordinary coordinates around Viet Nam, sometimes raw bit patterns */
        return (kind % 2 ? 106.0 : 10.0) + (double)(int32_t)take_u32(r) / 1e7;
    uint64_t bits = ((uint64_t)take_u32(r) << 32) | take_u32(r);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* ---- checking the encoded tile -------------------------------------------------------------- */

typedef struct pb {
    const uint8_t *p, *end;
} pb;

static uint64_t pb_varint(pb *b)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (b->p >= b->end)
            abort(); /* truncated varint */
        uint8_t c = *b->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return v;
    }
    abort(); /* varint longer than 10 bytes */
}

/* Read a field key; fill a sub-buffer for length-delimited fields. */
static void pb_field(pb *b, uint32_t *field, uint32_t *wire, pb *sub, uint64_t *value)
{
    uint64_t key = pb_varint(b);
    *field = (uint32_t)(key >> 3);
    *wire = (uint32_t)(key & 7);
    if (*wire == 0) {
        *value = pb_varint(b);
    } else if (*wire == 2) {
        uint64_t n = pb_varint(b);
        if (n > (uint64_t)(b->end - b->p))
            abort(); /* length past the end */
        sub->p = b->p;
        sub->end = b->p + n;
        b->p += n;
    } else if (*wire == 1) {
        if (b->end - b->p < 8)
            abort();
        b->p += 8;
    } else if (*wire == 5) {
        if (b->end - b->p < 4)
            abort();
        b->p += 4;
    } else {
        abort(); /* radmap writes no other wire type */
    }
}

static int64_t unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

/* The command stream of one feature of geometry type 1-3. */
static void check_geometry(pb g, uint64_t type)
{
    int64_t x = 0, y = 0;
    int parts = 0;
    while (g.p < g.end) {
        uint64_t cmd = pb_varint(&g);
        uint32_t id = cmd & 7, count = (uint32_t)(cmd >> 3);
        if (id == 7) {
            if (type != 3 || count != 1)
                abort(); /* ClosePath only in polygons, count 1 */
            continue;
        }
        if (id != 1 && id != 2)
            abort();
        if (count == 0)
            abort();
        if (id == 1) {
            parts++;
            if (type != 1 && count != 1)
                abort(); /* lines and rings start with a single MoveTo */
        } else if (type == 1 || parts == 0) {
            abort(); /* LineTo in a point, or before any MoveTo */
        }
        for (uint32_t i = 0; i < count; i++) {
            x += unzigzag(pb_varint(&g));
            y += unzigzag(pb_varint(&g));
            if (x > INT32_MAX || x < INT32_MIN || y > INT32_MAX || y < INT32_MIN)
                abort();
        }
    }
    if (parts == 0)
        abort(); /* an empty geometry was written */
}

static void check_tile(const buf *out)
{
    if (!out->len)
        return;
    pb t = {(const uint8_t *)out->data, (const uint8_t *)out->data + out->len};
    while (t.p < t.end) {
        uint32_t field, wire;
        pb layer = {0};
        uint64_t v = 0;
        pb_field(&t, &field, &wire, &layer, &v);
        if (field != 3 || wire != 2)
            abort(); /* a tile holds layers only */
        uint64_t version = 0, extent = 0, nkeys = 0, nvalues = 0, nfeatures = 0;
        bool named = false;
        pb feats[64];
        size_t nf = 0;
        pb scan = layer;
        while (scan.p < scan.end) {
            pb sub = {0};
            pb_field(&scan, &field, &wire, &sub, &v);
            if (field == 15)
                version = v;
            else if (field == 1)
                named = sub.end > sub.p;
            else if (field == 5)
                extent = v;
            else if (field == 3)
                nkeys++;
            else if (field == 4)
                nvalues++;
            else if (field == 2) {
                nfeatures++;
                if (nf < sizeof feats / sizeof feats[0])
                    feats[nf++] = sub;
            }
        }
        if (version != 2 || !named || extent == 0 || nfeatures == 0)
            abort();
        for (size_t i = 0; i < nf; i++) {
            pb f = feats[i], geom = {0};
            uint64_t type = 0;
            bool has_geom = false;
            while (f.p < f.end) {
                pb sub = {0};
                pb_field(&f, &field, &wire, &sub, &v);
                if (field == 3) {
                    type = v;
                } else if (field == 4) {
                    geom = sub;
                    has_geom = true;
                } else if (field == 2) {
                    uint64_t n = 0;
                    while (sub.p < sub.end) {
                        uint64_t idx = pb_varint(&sub);
                        if (idx >= (n % 2 ? nvalues : nkeys))
                            abort(); /* a tag naming a key or value the layer does not hold */
                        n++;
                    }
                    if (n % 2)
                        abort();
                }
            }
            if (type < 1 || type > 3 || !has_geom)
                abort();
            check_geometry(geom, type);
        }
    }
}

/* ---- the program ---------------------------------------------------------------------------- */

static GEOSGeometry *take_lonlat_geometry(GEOSContextHandle_t h, reader *r)
{
    uint8_t kind = take_u8(r) % 3;
    unsigned n = take_u8(r) % 40 + 1;
    GEOSCoordSequence *seq = GEOSCoordSeq_create_r(h, kind == 2 ? n + 1 : n, 2);
    if (!seq)
        return NULL;
    double x0 = 0, y0 = 0;
    for (unsigned i = 0; i < n; i++) {
        double x = take_double(r), y = take_double(r);
        if (i == 0)
            x0 = x, y0 = y;
        GEOSCoordSeq_setXY_r(h, seq, i, x, y);
    }
    if (kind == 0) {
        if (n != 1) {
            GEOSCoordSeq_destroy_r(h, seq);
            return NULL;
        }
        return GEOSGeom_createPoint_r(h, seq);
    }
    if (kind == 1)
        return n >= 2 ? GEOSGeom_createLineString_r(h, seq) : (GEOSCoordSeq_destroy_r(h, seq), NULL);
    GEOSCoordSeq_setXY_r(h, seq, n, x0, y0); /* close the ring */
    if (n + 1 < 4) {
        GEOSCoordSeq_destroy_r(h, seq);
        return NULL;
    }
    GEOSGeometry *shell = GEOSGeom_createLinearRing_r(h, seq);
    return shell ? GEOSGeom_createPolygon_r(h, shell, NULL, 0) : NULL;
}

static void emit_clipped(clip_geos *g, const GEOSGeometry *lonlat, const tile_id *t, mvt_layer *l, uint64_t id)
{
    GEOSGeometry *tg = NULL;
    rm_error err = {0};
    if (clip_geom_to_tile(g, lonlat, t, &tg, &err) < 0 || !tg)
        return;
    mvt_feature *f = mvt_feature_begin(l, id);
    mvt_feature_add_string(f, "name", "clipped");
    clip_emit(g, tg, f, &err);
    GEOSGeom_destroy_r(clip_geos_handle(g), tg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static clip_geos *g;
    if (!g) {
        rm_error err = {0};
        g = clip_geos_create(&err);
        if (!g)
            abort();
    }
    if (size > 1 << 14)
        return 0;
    GEOSContextHandle_t h = clip_geos_handle(g);
    reader r = {data, data + size};
    tile_id t;
    t.z = take_u8(&r) % (TILE_MAX_ZOOM + 1);
    uint32_t side = 1u << t.z;
    t.x = take_u32(&r) % side;
    t.y = take_u32(&r) % side;
    static const char *const names[] = {"facilities", "sources", "boundaries", "đơn vị"};
    static const char *const keys[] = {"name", "code", "category", "level", "cluster"};
    mvt_tile *tile = mvt_tile_create();
    mvt_layer *l = mvt_layer_begin(tile, names[0], TILE_EXTENT);
    mvt_feature *f = mvt_feature_begin(l, 1);
    uint64_t next_id = 2;
    int32_t xy[2 * 256];
    while (more(&r)) {
        uint8_t op = take_u8(&r);
        switch (op % 8) {
        case 0:
            f = mvt_feature_begin(l, take_u8(&r) % 4 ? next_id++ : 0);
            break;
        case 1:
            mvt_feature_add_point(f, (int32_t)take_u32(&r), (int32_t)take_u32(&r));
            break;
        case 2:
        case 3: {
            size_t n = take_u8(&r) % 256;
            bool small = take_u8(&r) % 2; /* small coordinates make closed and repeated points likely */
            for (size_t i = 0; i < n; i++) {
                xy[2 * i] = small ? (int32_t)(take_u8(&r) % 16) : (int32_t)take_u32(&r);
                xy[2 * i + 1] = small ? (int32_t)(take_u8(&r) % 16) : (int32_t)take_u32(&r);
            }
            if (op % 8 == 2)
                mvt_feature_add_line(f, xy, n);
            else
                mvt_feature_add_ring(f, xy, n, op & 0x80);
            break;
        }
        case 4: {
            const char *key = keys[take_u8(&r) % 5];
            switch (take_u8(&r) % 4) {
            case 0: {
                char s[32];
                size_t n = take_u8(&r) % sizeof s;
                for (size_t i = 0; i < n; i++)
                    s[i] = (char)(take_u8(&r) | 1); /* any bytes but NUL: invalid UTF-8 too */
                s[n] = 0;
                mvt_feature_add_string(f, key, s);
                break;
            }
            case 1: mvt_feature_add_int(f, key, (int64_t)(((uint64_t)take_u32(&r) << 32) | take_u32(&r))); break;
            case 2: mvt_feature_add_double(f, key, take_double(&r)); break;
            default: mvt_feature_add_bool(f, key, take_u8(&r) & 1); break;
            }
            break;
        }
        case 5: {
            GEOSGeometry *geom = take_lonlat_geometry(h, &r);
            if (geom) {
                emit_clipped(g, geom, &t, l, next_id++);
                GEOSGeom_destroy_r(h, geom);
            }
            f = mvt_feature_begin(l, next_id++);
            break;
        }
        case 6: {
            size_t n = take_u8(&r);
            if (n > (size_t)(r.end - r.p))
                n = (size_t)(r.end - r.p);
            GEOSGeometry *tg = NULL;
            rm_error err = {0};
            if (clip_wkb_to_tile(g, r.p, n, &t, &tg, &err) == 0 && tg) {
                mvt_feature *wf = mvt_feature_begin(l, next_id++);
                clip_emit(g, tg, wf, &err);
                GEOSGeom_destroy_r(h, tg);
            }
            r.p += n;
            f = mvt_feature_begin(l, next_id++);
            break;
        }
        default:
            l = mvt_layer_begin(tile, names[take_u8(&r) % 4], TILE_EXTENT);
            f = mvt_feature_begin(l, next_id++);
            break;
        }
    }
    buf out = BUF_INIT;
    size_t written = mvt_tile_finish(tile, &out);
    if ((written == 0) != (out.len == 0))
        abort();
    check_tile(&out);
    buf_free(&out);
    mvt_tile_destroy(tile);
    return 0;
}
