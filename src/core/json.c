/*
 * json: streaming writer; see json.h. Hand-written because it is on every request's hot path and
 * jansson would build a tree of every answer first; parsing of request bodies uses jansson.
 */
#include "core/json.h"

#include <assert.h>
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
    buf_putc(w->out, '"');
    json_escape_append(w->out, key, strlen(key));
    buf_puts(w->out, "\":");
    w->after_key = true;
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

void json_int(json_writer *w, int64_t v)
{
    before_value(w);
    buf_appendf(w->out, "%lld", (long long)v);
}

void json_num(json_writer *w, double v)
{
    before_value(w);
    if (!isfinite(v)) {
        buf_puts(w->out, "null");
        return;
    }
    char tmp[40];
    /* Shortest of %.15g and %.17g that reads back to the same double. */
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
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
    if (strchr(tmp, '.')) {
        size_t n = strlen(tmp);
        while (n > 0 && tmp[n - 1] == '0')
            tmp[--n] = 0;
        if (n > 0 && tmp[n - 1] == '.')
            tmp[--n] = 0;
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
