/*
 * licensing_import_int: what the two files of the licensing imports share (licensing_import.c reads
 * the file and runs the job; licensing_import_rows.c writes each row): the columns looked for, a row
 * of text values, the counters of the report. Private to those two files.
 */
#ifndef RADMAP_LICENSING_IMPORT_INT_H
#define RADMAP_LICENSING_IMPORT_INT_H

#include <stdint.h>

#include "api/licensing_int.h"
#include "io/rowpipe.h"

#define MAX_COLS 12
#define MAX_REPORTED 100

/* Column lists: the first name is the key in the code; the others are what exports call it. */
extern const char *const lic_dossier_cols[][6];
extern const char *const lic_licence_cols[][6];
enum { D_RECEIPT, D_PROC, D_APPLICANT, D_RECEIVED, D_DUE, D_STATUS, D_DECIDED, D_RETURNED, D_CHANNEL, D_FACILITY,
       D_TAX };
enum { A_NUMBER, A_FACILITY, A_KIND, A_ISSUED, A_EXPIRES, A_CONDITIONS, A_STATUS };

/* A row: the values of the file's fields as NUL-terminated text (NULL: none). */
typedef struct row_values {
    uint32_t n;
    char *v[ROWPIPE_MAX_FIELDS];
} row_values;

typedef struct counts {
    long read, created, updated, unchanged, invalid;
} counts;

/* Write one row of a one-stop export (ix: field index of each column, row: its line in the file);
 * a row that cannot be read is counted and listed in bad. 0, or -1 on a database error (err). */
int lic_import_dossier_row(db_conn *db, cal_calendar *cal, http_request *req, const char *import_id,
                           const row_values *f, const int *ix, long row, counts *c, json_writer *bad, rm_error *err);
/* The same for a row of the national regulator's licence register. */
int lic_import_licence_row(db_conn *db, http_request *req, const char *import_id, const row_values *f, const int *ix,
                           long row, counts *c, json_writer *bad, rm_error *err);

#endif
