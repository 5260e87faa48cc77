/*
 * buf: the one growable byte buffer of radmap (in the spirit of git's strbuf).
 *
 * A buf always holds a NUL-terminated string (data[len] == 0) once anything was appended, so it
 * can be handed to C string functions; it may also hold binary bytes (MVT, gzip). Allocation
 * failure aborts the process: radmap cannot do anything useful when malloc fails, and checking
 * every append would hide the real logic.
 *
 * Ownership: the buf owns data until buf_detach() hands it to the caller (free() it) or
 * buf_free() releases it. A zeroed struct (BUF_INIT) is a valid empty buffer.
 */
#ifndef RADMAP_BUF_H
#define RADMAP_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct buf {
    char *data;   /* NULL until the first append */
    size_t len;   /* bytes used, not counting the terminating NUL */
    size_t cap;   /* bytes allocated */
} buf;

#define BUF_INIT {NULL, 0, 0}

void buf_init(buf *b);
/* Make room for at least extra more bytes (plus the NUL). */
void buf_grow(buf *b, size_t extra);
void buf_append(buf *b, const void *data, size_t n);
void buf_puts(buf *b, const char *s);
void buf_putc(buf *b, char c);
/* v as a base-128 varint (protobuf's wire format: 7 bits a byte, low first). */
void buf_put_varint(buf *b, uint64_t v);
void buf_appendf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vappendf(buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Empty the buffer, keeping its allocation. */
void buf_reset(buf *b);
/* Shorten to n bytes (n <= len). */
void buf_truncate(buf *b, size_t n);
/* Hand the bytes to the caller (free() them); the buf is empty afterwards. Never NULL. */
char *buf_detach(buf *b, size_t *len);
void buf_free(buf *b);
/* Copy the string src into the fixed array dst of cap bytes (cap > 0), cut to fit and always
 * terminated; returns the length copied. For hot paths, where snprintf("%s") costs far more. */
size_t buf_strcpy(char *dst, size_t cap, const char *src);

#endif
