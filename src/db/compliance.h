/*
 * compliance: database-side work of X-ray compliance and personal dose that more than one caller
 * needs: the dose rules as the settings tables hold them, a person's dose history with its flags,
 * and the importer of dosimetry service providers' files (CSV or XLSX through GDAL's CSV and XLSX
 * drivers only, as io/import.c opens untrusted files).
 *
 * A dosimetry file has a header row and one row per person and monitoring period. Columns are found
 * by name, compared without case or Vietnamese diacritics (see compliance_import.c for the names):
 * identity number (CCCD), full name, birth date, dosimeter code, period start and end (or one
 * period column: 2025-Q1, Q1/2025, Quý I/2025, 03/2025, 2025-03), Hp(10) and Hp(0.07) in mSv (µSv
 * when the header says so). Doses below detection ("<0.05", "KPH", "ND", "BDL", "-") count as 0 and
 * are marked. Dates may be YYYY-MM-DD, DD/MM/YYYY or spreadsheet dates.
 *
 * A row updates the record of the same person, facility and period when there is one, so an import
 * run twice adds nothing the second time (it reports the rows as unchanged).
 */
#ifndef RADMAP_COMPLIANCE_H
#define RADMAP_COMPLIANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/compliance_rules.h"
#include "core/error.h"
#include "db/db.h"

/* ---- dose rules ---------------------------------------------------------------------------------- */

typedef struct compliance_dose_rules {
    cr_level levels[12];
    size_t nlevels;
    double year_limit_msv;     /* 50 */
    double average_limit_msv;  /* 20 (over 5 years) */
} compliance_dose_rules;

/* Read the rules from compliance_setting and dose_investigation_level. 0 or -1 with err. */
int compliance_dose_rules_load(db_conn *db, compliance_dose_rules *r, rm_error *err);

/* One dose record of a person's history. */
typedef struct compliance_dose {
    int64_t id, facility_id;
    int32_t start, end;
    double hp10_msv;
    bool has_hp007;
    double hp007_msv;
    bool below_detection;
    int months;               /* the period's length (cr_period_months) */
    double level_msv;         /* its investigation level (-1: none) */
    bool above_level;
} compliance_dose;

typedef struct compliance_history {
    compliance_dose *doses;   /* by period end; free with compliance_history_free */
    size_t n;
    cr_year years[128];
    size_t nyears;
    unsigned flags;           /* CR_FLAG_* over the whole history */
} compliance_history;

/* Load every dose record of person_id (all facilities) and flag it. 0 or -1 with err. */
int compliance_history_load(db_conn *db, int64_t person_id, const compliance_dose_rules *r, compliance_history *h,
                            rm_error *err);
void compliance_history_free(compliance_history *h);

/* ---- dosimetry import --------------------------------------------------------------------------- */

typedef struct dose_import_options {
    int64_t facility_id;      /* the facility the file reports on */
    const char *provider;     /* the dosimetry service (stored with each record; may be NULL) */
    bool create_persons;      /* unknown people with a name become persons, radiation workers there */
    const char *user;         /* who imports (audit, created_by) */
    const char *import_id;    /* the import run's id (audit, dose_record.import_id) */
} dose_import_options;

#define DOSE_IMPORT_MAX_PROBLEMS 200

typedef struct dose_import_report {
    long rows_read, created, updated, unchanged, invalid, persons_created;
    int nproblems;            /* problems listed (at most DOSE_IMPORT_MAX_PROBLEMS) */
    struct {
        long row;             /* data row number, 1 = the first row under the header */
        char field[40];
        char reason[240];
    } problems[DOSE_IMPORT_MAX_PROBLEMS];
} dose_import_report;

/* A CSV file separated by semicolons or tabs (as Vietnamese spreadsheets save them: the comma is
 * the decimal mark) rewritten with commas, every field quoted, into out: GDAL's CSV driver guesses
 * the separator from the header line and takes a comma inside "Hp(0,07)" for one. Returns 1 when
 * rewritten, 0 when the file already uses commas (out untouched). */
int compliance_csv_normalise(const char *data, size_t len, buf *out);

/* Import the dosimetry file at path (".csv" or ".xlsx") into db, inside the caller's transaction
 * (the caller commits, or rolls back for a dry run). Rows that cannot be taken are reported and
 * skipped. 0, or -1 with err when the file cannot be read at all (400) or on a database error. */
int compliance_import_doses(db_conn *db, const char *path, const dose_import_options *o, dose_import_report *rep,
                            rm_error *err);

#endif
