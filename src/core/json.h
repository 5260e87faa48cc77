/*
 * json: a streaming JSON writer over a buf. The server writes every answer with it, so it is
 * small and allocation-free beyond the buffer: it tracks only whether a comma is due at each of up
 * to JSON_MAX_DEPTH nesting levels. Strings are escaped per RFC 8259 (control characters as \u00XX,
 * invalid UTF-8 replaced by U+FFFD so the output is always valid JSON); numbers that are not finite
 * are written as null.
 *
 * Usage: json_writer w; json_init(&w, &b); json_obj_begin(&w); json_key(&w, "a"); json_int(&w, 1);
 * json_obj_end(&w). The writer does not own the buf.
 */
#ifndef RADMAP_JSON_H
#define RADMAP_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"

#define JSON_MAX_DEPTH 32

typedef struct json_writer {
    buf *out;
    int depth;
    bool need_comma[JSON_MAX_DEPTH];
    bool after_key;
} json_writer;

void json_init(json_writer *w, buf *out);
void json_obj_begin(json_writer *w);
void json_obj_end(json_writer *w);
void json_arr_begin(json_writer *w);
void json_arr_end(json_writer *w);
void json_key(json_writer *w, const char *key);
void json_str(json_writer *w, const char *s);     /* NULL writes null */
void json_strn(json_writer *w, const char *s, size_t n);
void json_int(json_writer *w, int64_t v);
void json_num(json_writer *w, double v);          /* shortest form that reads back exactly */
void json_numf(json_writer *w, double v, int decimals); /* fixed decimals, trailing zeros trimmed */
void json_bool(json_writer *w, bool v);
void json_write_null(json_writer *w);
/* Insert already-serialised JSON text as a value (caller guarantees validity). */
void json_raw(json_writer *w, const char *text, size_t n);
/* Shorthands: key and value. */
void json_kv_str(json_writer *w, const char *key, const char *s);
void json_kv_int(json_writer *w, const char *key, int64_t v);
void json_kv_num(json_writer *w, const char *key, double v);
void json_kv_bool(json_writer *w, const char *key, bool v);
/* Append s JSON-escaped (without quotes) to b. */
void json_escape_append(buf *b, const char *s, size_t n);

#endif
