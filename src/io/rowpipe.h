/*
 * rowpipe: the record stream between the parse worker (the sandboxed child that reads an untrusted
 * GIS file with GDAL, io/parse.h) and the importer (io/import.h) that validates and writes rows.
 *
 * The stream is a sequence of records, each a type byte, a 32-bit little-endian payload length and
 * the payload. Strings inside are a 32-bit length and the bytes (no NUL). The child is treated as
 * untrusted too: the reader checks every length against the payload and the record against
 * ROWPIPE_MAX_RECORD, so a confused or compromised child cannot make the parent read out of bounds
 * or allocate without limit.
 *
 *   'L' layer:   name, srs_code (i32, 0 unknown), srs_name, srs_is_vn2000 (u8), feature_count (i64,
 *                -1 unknown), nfields (u32), then per field: name, type (u8, OGRFieldType)
 *   'F' feature: fid (i64), nvalues (u32), per value: present (u8) and, when present, the text;
 *                then the geometry as ISO WKB (u32 length, 0 when none)
 *   'C' count:   feature_count (i64) of the current layer, when its 'L' record said -1 (unknown)
 *                because counting needs a pass over the file, made beside the reading
 *   'N' note:    text (a warning the import report keeps)
 *   'E' error:   status (u32, HTTP-like), text; the child stops after it
 *   'Z' end of stream
 */
#ifndef RADMAP_ROWPIPE_H
#define RADMAP_ROWPIPE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define ROWPIPE_MAX_RECORD ((size_t)256 << 20) /* one feature: 256 MB of WKB and text at most */
#define ROWPIPE_MAX_FIELDS 512

enum {
    ROWPIPE_LAYER = 'L',
    ROWPIPE_FEATURE = 'F',
    ROWPIPE_COUNT = 'C',
    ROWPIPE_NOTE = 'N',
    ROWPIPE_ERROR = 'E',
    ROWPIPE_END = 'Z'
};

/* A string inside a record: points into the record's payload, NOT NUL-terminated. */
typedef struct rowpipe_str {
    const char *p;
    uint32_t n;
} rowpipe_str;

typedef struct rowpipe_layer {
    rowpipe_str name, srs_name;
    int32_t srs_code;
    int srs_is_vn2000;
    int64_t feature_count;
    uint32_t nfields;
    rowpipe_str field_names[ROWPIPE_MAX_FIELDS];
    uint8_t field_types[ROWPIPE_MAX_FIELDS];
} rowpipe_layer;

typedef struct rowpipe_feature {
    int64_t fid;
    uint32_t nvalues;
    rowpipe_str values[ROWPIPE_MAX_FIELDS]; /* p == NULL: no value */
    const unsigned char *wkb;
    uint32_t wkb_len;
} rowpipe_feature;

/* Writing (the child): each function appends one whole record to out. */
void rowpipe_put_layer(buf *out, const char *name, int32_t srs_code, const char *srs_name, int srs_is_vn2000,
                       int64_t feature_count, uint32_t nfields, const char *const *field_names,
                       const uint8_t *field_types);
/* values[i] NULL for a missing value. wkb may be NULL (wkb_len 0). */
void rowpipe_put_feature(buf *out, int64_t fid, uint32_t nvalues, const char *const *values,
                         const unsigned char *wkb, size_t wkb_len);
void rowpipe_put_text(buf *out, char type, uint32_t status, const char *text);
void rowpipe_put_count(buf *out, int64_t feature_count);

/* Reading (the parent): a buffered reader over a file descriptor. */
typedef struct rowpipe_reader {
    int fd;
    unsigned char *data;  /* buffered bytes (owned) */
    size_t len, pos, cap;
    int eof;
    /* The current record. */
    char type;
    const unsigned char *payload;
    size_t payload_len;
    uint64_t bytes_read;  /* bytes consumed so far (progress) */
} rowpipe_reader;

void rowpipe_reader_init(rowpipe_reader *r, int fd);
void rowpipe_reader_cleanup(rowpipe_reader *r);
/* Read the next record: 1 with r->type and payload set (valid until the next call), 0 at the end of
 * the stream (no more bytes), -1 on a malformed or oversized record or a read error. */
int rowpipe_next(rowpipe_reader *r);
/* Reading from memory (tests, fuzzing): r reads from data[0..len) and never from a descriptor. */
void rowpipe_reader_init_mem(rowpipe_reader *r, const void *data, size_t len);

/* Decode the current record's payload. 0, or -1 when it is malformed. */
int rowpipe_get_layer(const rowpipe_reader *r, rowpipe_layer *out);
int rowpipe_get_feature(const rowpipe_reader *r, rowpipe_feature *out);
/* 'N' and 'E' records. */
int rowpipe_get_text(const rowpipe_reader *r, uint32_t *status, rowpipe_str *text);
/* A 'C' record: 0 with a count of 0 or more, else -1. */
int rowpipe_get_count(const rowpipe_reader *r, int64_t *feature_count);

#endif
