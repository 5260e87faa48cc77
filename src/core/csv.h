/*
 * csv: an RFC 4180 reader for the reference data radmap ships (geodata/ CSV files, embedded in the
 * binary). Files from users never come through here: they are read by GDAL (io/). This reader
 * exists because the embedded tables are tiny, trusted and read once at `radmap init`, where
 * opening them through GDAL's virtual file system would add nothing.
 *
 * Fields may be quoted ("a, b" and "" for a quote); CRLF or LF line ends; a UTF-8 BOM is skipped.
 */
#ifndef RADMAP_CSV_H
#define RADMAP_CSV_H

#include <stddef.h>

#define CSV_MAX_FIELDS 64

typedef struct csv_reader {
    const char *p, *end;
    char *row;                       /* storage of the current row's fields (owned) */
    size_t row_cap;
    const char *field[CSV_MAX_FIELDS];
    int nfields;
} csv_reader;

void csv_init(csv_reader *r, const char *data, size_t len);
/* Read the next record into r->field[0..nfields-1] (NUL-terminated, valid until the next call).
 * Returns 1 when a record was read, 0 at the end. Blank lines are skipped. */
int csv_next(csv_reader *r);
/* Index of the column named name in the current record (a header row), or -1. */
int csv_column(const csv_reader *r, const char *name);
void csv_cleanup(csv_reader *r);

#endif
