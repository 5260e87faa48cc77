/*
 * rowpipe: record stream of the parse worker; see rowpipe.h.
 */
#include "io/rowpipe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void put_u32(buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    buf_append(b, x, 4);
}

static void put_u64(buf *b, uint64_t v)
{
    put_u32(b, (uint32_t)v);
    put_u32(b, (uint32_t)(v >> 32));
}

static void put_str(buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    put_u32(b, (uint32_t)n);
    if (n)
        buf_append(b, s, n);
}

/* Start a record of type t; returns the offset of its length field, filled by end_record. */
static size_t begin_record(buf *b, char t)
{
    buf_putc(b, t);
    size_t at = b->len;
    put_u32(b, 0);
    return at;
}

static void end_record(buf *b, size_t at)
{
    uint32_t n = (uint32_t)(b->len - at - 4);
    unsigned char *p = (unsigned char *)b->data + at;
    p[0] = (unsigned char)n, p[1] = (unsigned char)(n >> 8), p[2] = (unsigned char)(n >> 16),
    p[3] = (unsigned char)(n >> 24);
}

void rowpipe_put_layer(buf *out, const char *name, int32_t srs_code, const char *srs_name, int srs_is_vn2000,
                       int64_t feature_count, uint32_t nfields, const char *const *field_names,
                       const uint8_t *field_types)
{
    size_t at = begin_record(out, ROWPIPE_LAYER);
    put_str(out, name);
    put_u32(out, (uint32_t)srs_code);
    put_str(out, srs_name);
    buf_putc(out, srs_is_vn2000 ? 1 : 0);
    put_u64(out, (uint64_t)feature_count);
    put_u32(out, nfields);
    for (uint32_t i = 0; i < nfields; i++) {
        put_str(out, field_names[i]);
        buf_putc(out, (char)field_types[i]);
    }
    end_record(out, at);
}

void rowpipe_put_feature(buf *out, int64_t fid, uint32_t nvalues, const char *const *values,
                         const unsigned char *wkb, size_t wkb_len)
{
    size_t at = begin_record(out, ROWPIPE_FEATURE);
    put_u64(out, (uint64_t)fid);
    put_u32(out, nvalues);
    for (uint32_t i = 0; i < nvalues; i++) {
        buf_putc(out, values[i] ? 1 : 0);
        if (values[i])
            put_str(out, values[i]);
    }
    put_u32(out, (uint32_t)(wkb ? wkb_len : 0));
    if (wkb && wkb_len)
        buf_append(out, wkb, wkb_len);
    end_record(out, at);
}

void rowpipe_put_text(buf *out, char type, uint32_t status, const char *text)
{
    size_t at = begin_record(out, type);
    put_u32(out, status);
    put_str(out, text);
    end_record(out, at);
}

void rowpipe_put_count(buf *out, int64_t feature_count)
{
    size_t at = begin_record(out, ROWPIPE_COUNT);
    put_u64(out, (uint64_t)feature_count);
    end_record(out, at);
}

void rowpipe_reader_init(rowpipe_reader *r, int fd)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
}

void rowpipe_reader_init_mem(rowpipe_reader *r, const void *data, size_t len)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    r->data = malloc(len ? len : 1);
    if (!r->data)
        abort();
    if (len)
        memcpy(r->data, data, len);
    r->len = r->cap = len;
    r->eof = 1;
}

void rowpipe_reader_cleanup(rowpipe_reader *r)
{
    free(r->data);
    r->data = NULL;
}

/* Make at least need bytes available from pos; 1 yes, 0 the stream ended first, -1 error. */
static int fill(rowpipe_reader *r, size_t need)
{
    while (r->len - r->pos < need) {
        if (r->eof)
            return 0;
        if (r->pos > 0) {
            memmove(r->data, r->data + r->pos, r->len - r->pos);
            r->len -= r->pos;
            r->pos = 0;
        }
        if (r->cap - r->len < 65536 || r->cap < need) {
            size_t cap = r->cap ? r->cap : 131072;
            while (cap < need || cap - r->len < 65536)
                cap *= 2;
            unsigned char *x = realloc(r->data, cap);
            if (!x)
                return -1;
            r->data = x;
            r->cap = cap;
        }
        ssize_t n = read(r->fd, r->data + r->len, r->cap - r->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            r->eof = 1;
        r->len += (size_t)n;
    }
    return 1;
}

int rowpipe_next(rowpipe_reader *r)
{
    int f = fill(r, 5);
    if (f <= 0)
        return f < 0 ? -1 : (r->len == r->pos ? 0 : -1);
    const unsigned char *h = r->data + r->pos;
    char type = (char)h[0];
    size_t n = (size_t)h[1] | (size_t)h[2] << 8 | (size_t)h[3] << 16 | (size_t)h[4] << 24;
    if (n > ROWPIPE_MAX_RECORD)
        return -1;
    if (type != ROWPIPE_LAYER && type != ROWPIPE_FEATURE && type != ROWPIPE_COUNT && type != ROWPIPE_NOTE &&
        type != ROWPIPE_ERROR && type != ROWPIPE_END)
        return -1;
    f = fill(r, 5 + n);
    if (f <= 0)
        return -1;
    r->type = type;
    r->payload = r->data + r->pos + 5;
    r->payload_len = n;
    r->pos += 5 + n;
    r->bytes_read += 5 + n;
    return 1;
}

/* A cursor over a payload. */
typedef struct cur {
    const unsigned char *p, *end;
    int bad;
} cur;

static uint32_t get_u32(cur *c)
{
    if (c->end - c->p < 4) {
        c->bad = 1;
        return 0;
    }
    uint32_t v = (uint32_t)c->p[0] | (uint32_t)c->p[1] << 8 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[3] << 24;
    c->p += 4;
    return v;
}

static uint64_t get_u64(cur *c)
{
    uint64_t lo = get_u32(c);
    uint64_t hi = get_u32(c);
    return lo | hi << 32;
}

static uint8_t get_u8(cur *c)
{
    if (c->p >= c->end) {
        c->bad = 1;
        return 0;
    }
    return *c->p++;
}

static rowpipe_str get_str(cur *c)
{
    rowpipe_str s = {"", 0};
    uint32_t n = get_u32(c);
    if (c->bad || (size_t)(c->end - c->p) < n) {
        c->bad = 1;
        return s;
    }
    s.p = (const char *)c->p;
    s.n = n;
    c->p += n;
    return s;
}

int rowpipe_get_layer(const rowpipe_reader *r, rowpipe_layer *out)
{
    if (r->type != ROWPIPE_LAYER)
        return -1;
    cur c = {r->payload, r->payload + r->payload_len, 0};
    out->name = get_str(&c);
    out->srs_code = (int32_t)get_u32(&c);
    out->srs_name = get_str(&c);
    out->srs_is_vn2000 = get_u8(&c) != 0;
    out->feature_count = (int64_t)get_u64(&c);
    out->nfields = get_u32(&c);
    if (c.bad || out->nfields > ROWPIPE_MAX_FIELDS)
        return -1;
    for (uint32_t i = 0; i < out->nfields; i++) {
        out->field_names[i] = get_str(&c);
        out->field_types[i] = get_u8(&c);
    }
    return c.bad || c.p != c.end ? -1 : 0;
}

int rowpipe_get_feature(const rowpipe_reader *r, rowpipe_feature *out)
{
    if (r->type != ROWPIPE_FEATURE)
        return -1;
    cur c = {r->payload, r->payload + r->payload_len, 0};
    out->fid = (int64_t)get_u64(&c);
    out->nvalues = get_u32(&c);
    if (c.bad || out->nvalues > ROWPIPE_MAX_FIELDS)
        return -1;
    for (uint32_t i = 0; i < out->nvalues; i++) {
        if (get_u8(&c)) {
            out->values[i] = get_str(&c);
        } else {
            out->values[i].p = NULL;
            out->values[i].n = 0;
        }
    }
    uint32_t n = get_u32(&c);
    if (c.bad || (size_t)(c.end - c.p) != n)
        return -1;
    out->wkb = n ? c.p : NULL;
    out->wkb_len = n;
    return 0;
}

int rowpipe_get_text(const rowpipe_reader *r, uint32_t *status, rowpipe_str *text)
{
    if (r->type != ROWPIPE_NOTE && r->type != ROWPIPE_ERROR)
        return -1;
    cur c = {r->payload, r->payload + r->payload_len, 0};
    *status = get_u32(&c);
    *text = get_str(&c);
    return c.bad || c.p != c.end ? -1 : 0;
}

int rowpipe_get_count(const rowpipe_reader *r, int64_t *feature_count)
{
    if (r->type != ROWPIPE_COUNT)
        return -1;
    cur c = {r->payload, r->payload + r->payload_len, 0};
    int64_t n = (int64_t)get_u64(&c);
    if (c.bad || c.p != c.end || n < 0)
        return -1;
    *feature_count = n;
    return 0;
}
