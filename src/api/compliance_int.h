/*
 * compliance_int: what the compliance and people resources share (compliance_res.c,
 * compliance_defs.c, compliance.c, compliance_settings.c, persons.c, doses.c): a small engine for
 * plain JSON resources described as data, the role tests for personal data, and helpers. Private
 * to src/api/.
 *
 * A resource (rooms, QC tests, area surveys, documents, persons, their roles, trainings, health
 * checks, dose records, inspection findings) is a table, its parent (the row its URL hangs under),
 * its writable fields with their validation (db/validate.h, the same rules as every other write)
 * and hooks for cross-field checks and defaults. The engine gives it list, read, create, replace,
 * merge-patch and delete with If-Match (428 without, 412 on a stale version), 422 listing every bad
 * field, one transaction with its audit row and a tile_change row at each facility whose
 * compliance status it can change; reads of personal rows are checked against the hourly quota and
 * written to the read log.
 */
#ifndef RADMAP_COMPLIANCE_INT_H
#define RADMAP_COMPLIANCE_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/edit_int.h"
#include "core/compliance_rules.h"
#include "core/json.h"
#include "db/db.h"
#include "http/http.h"

/* ---- roles ------------------------------------------------------------------------------------ */

/* May the caller see persons (names, identity numbers, dose records)? licensing, inspector,
 * leader and admin only (never planner, counter, viewer or the public). */
bool cmp_may_see_persons(http_request *req);
/* Is the caller an admin (identity numbers in exports)? */
bool cmp_is_admin(http_request *req);

/* ---- the resource engine (compliance_res.c) ------------------------------------------------- */

enum {
    CF_DATE = 1,        /* text 'YYYY-MM-DD' (any real date) */
    CF_NOT_FUTURE = 2,  /* with CF_DATE: not after today */
    CF_HIDDEN = 4,      /* a column the hooks set; clients neither see nor write it */
    CF_IDENTITY = 8,    /* an identity number: masked in lists and exports except for admins */
    CF_FIXED = 16,      /* set on create, read-only after */
};

typedef struct cres_field {
    coll_field f;       /* name, column, type, required, max_len, range, values, reference, rule */
    unsigned flags;     /* CF_* */
} cres_field;

typedef struct cres_def cres_def;
struct cres_def {
    const char *name;          /* audit collection and URL segment: "qc-tests" */
    const char *noun;          /* in messages: "QC test" */
    const char *table;         /* "qc_test" */
    const char *parent_column; /* the column naming the parent: "device_id" (NULL: none) */
    const char *parent_noun;   /* "device" */
    const char *parent_sql;    /* "SELECT 1 FROM device WHERE id = ?" */
    const cres_field *fields;  /* terminated by a NULL name */
    const char *const *readonly; /* further columns shown (text), NULL-terminated (may be NULL) */
    const char *order_by;      /* of a list: "test_date DESC, id DESC" */
    const char *person_column; /* personal rows: the column of the person they are about (read log) */
    /* Facilities whose compliance a row changes: SQL with ?1 = the row id, one facility id a row. */
    const char *facilities_sql;
    /* Cross-field checks and defaults on the values a row will have (create: the body; patch: the
     * body merged onto the row). id is 0 on create. May add to e. -1 with err on a database error. */
    int (*complete)(db_conn *db, const cres_def *def, json_t *vals, int64_t parent_id, int64_t id, int32_t today,
                    edit_errors *e, rm_error *err);
    /* After the row was written (inside the transaction): before is NULL on create. */
    int (*after_write)(db_conn *db, int64_t id, json_t *before, json_t *after, const char *user, rm_error *err);
    /* Before a delete: -1 with err (409 ...) to refuse. */
    int (*before_delete)(db_conn *db, int64_t id, rm_error *err);
    /* The JSON member of a list (NULL: the name with '_' for '-'). */
    const char *list_name;
};

/* GET of the list under parent path parameter 0 (?limit, ?offset). */
int cres_list(http_request *req, const cres_def *def, rm_error *err);
/* POST under parent path parameter 0. */
int cres_create(http_request *req, const cres_def *def, rm_error *err);
/* GET, PUT, PATCH or DELETE of the row in path parameter 0 (by req->method). */
int cres_one(http_request *req, const cres_def *def, rm_error *err);
/* GET of the list under the parent (method GET) or POST of a new row: the handler of a
 * "/parents/{}/children" route. */
int cres_collection(http_request *req, const cres_def *def, rm_error *err);

/* Render row id of def as a JSON object into w (identity numbers masked when mask). 1 found, 0 not,
 * -1 error. *version receives the row's version (may be NULL). */
int cres_render(db_conn *db, const cres_def *def, int64_t id, bool mask, json_writer *w, int64_t *version,
                rm_error *err);
/* Same, into a buf (a complete JSON text). */
int cres_render_buf(db_conn *db, const cres_def *def, int64_t id, bool mask, buf *out, int64_t *version,
                    rm_error *err);
/* Write the current row of st as an object: columns in the order cres_select_list() gave. */
void cres_write_row(const cres_def *def, sqlite3_stmt *st, bool mask, json_writer *w);
/* Append "id, <parent>, <fields>, <readonly>, version, created_at, updated_at" (alias a.) to b. */
void cres_select_list(const cres_def *def, const char *alias, buf *b);
/* Mask an identity number: all but its last three characters as '*'. */
void cres_mask_identity(const char *s, buf *out);

/* ---- helpers --------------------------------------------------------------------------------- */

/* The positive integer in path parameter i, or 0. */
int64_t cmp_path_id(http_request *req, int i);
/* Parse the request body as a JSON object (415 unless JSON, 400 when malformed). NULL with err. */
json_t *cmp_json_body(http_request *req, rm_error *err);
/* Lock the writer and BEGIN IMMEDIATE; NULL with err. End with cmp_write_end. */
db_conn *cmp_write_begin(http_request *req, rm_error *err);
/* COMMIT when commit (a failed COMMIT: -1 with err), else ROLLBACK; then unlock. */
int cmp_write_end(http_request *req, db_conn *db, bool commit, rm_error *err);
/* tile_change rows at the facilities that sql (?1 = id) lists: their tiles show compliance. */
int cmp_tile_change(db_conn *db, const char *sql, int64_t id, rm_error *err);
/* A tile_change row over the whole world (a setting changed every status). */
int cmp_tile_change_all(db_conn *db, rm_error *err);
/* The read log for personal rows: quota check before (-1 with 429), record after. */
int cmp_persons_read_check(http_request *req, rm_error *err);
void cmp_persons_read_record(http_request *req, const int64_t *ids, size_t n);
/* An integer setting of compliance_setting (def when unreadable). */
double cmp_setting(db_conn *db, const char *key, double def);
/* Parse an optional date query parameter ("YYYY-MM-DD"); 0 (absent: *day untouched) or -1 (400). */
int cmp_query_date(http_request *req, const char *name, int32_t *day, rm_error *err);
/* Escape text for HTML. */
void cmp_html_escape(buf *b, const char *s);

/* ---- the resources (compliance_defs.c) --------------------------------------------------- */

extern const cres_def cmp_rooms, cmp_qc_tests, cmp_area_surveys, cmp_documents, cmp_findings;
extern const cres_def cmp_persons, cmp_person_roles, cmp_trainings, cmp_health_checks, cmp_dose_records;

/* ---- the inspection summary (compliance.c, compliance_html.c) -------------------------------- */

/* A finding of an inspection of the facility (still open, or of its last inspection); used: it points
 * at an item of the summary. Strings owned (NULL when absent). */
typedef struct cmp_finding {
    int64_t id, inspection_id;
    char *kind, *document_kind, *severity, *description, *due, *closed_on, *date;
    int64_t subject_id, record_id;
    bool used;
} cmp_finding;

/* One item of the checklist: its section (0 devices, 1 rooms, 2 people, 3 documents) and place
 * (seq, the subject's order), what it is about (kind, subject; document_kind for documents), the
 * record it rests on (0: none), label and detail as the views give them, its due date ("" when it
 * never lapses) and its status on the summary's day. Strings owned. */
typedef struct cmp_item {
    int seq, section;
    char kind[32];
    char subject_type[12];
    int64_t subject_id;
    char document_kind[48];
    int64_t record_id;
    char *label, *detail;
    char due[11];
    cr_status status;
    char *device;      /* devices: manufacturer, model and serial number */
    /* people */
    char *person_name, *person_roles;
    bool safety_officer;
    unsigned dose_flags;
} cmp_item;

/* The items of one facility on one day (today), with the findings that may point at them; window
 * is the due window in days; persons says whether the caller may see people's names. */
typedef struct cmp_summary {
    cmp_item *items;
    size_t n, cap;
    cmp_finding *findings;
    size_t nf;
    int window;
    int32_t today;
    bool persons;
} cmp_summary;

/* The facility the summary is about: code, name, address, licence, last inspection. */
typedef struct cmp_header {
    char *code, *name, *address, *ward, *status, *organization, *practices;
    char *licence_number, *licence_issued, *licence_expires, *licence_status;
    char *inspection_date, *inspection_result;
    int64_t inspection_id;
} cmp_header;

/* The four sections of the checklist, in checking order: key, Vietnamese and English titles. */
typedef struct cmp_section {
    const char *key, *vi, *en;
} cmp_section;
extern const cmp_section cmp_sections[4];

/* Does finding f point at item it? */
bool cmp_finding_matches(const cmp_finding *f, const cmp_item *it);
/* The printable checklist of s into b (a complete HTML document). */
void cmp_checklist_html(buf *b, const cmp_summary *s, const cmp_header *hd, cr_status overall);

/* ---- dose summaries (doses.c) ------------------------------------------------------------------ */

/* Write the dose summary of facility_id over [from, to] as members of the open object w: period,
 * limits, workers (per person when persons, else anonymous figures only), totals. -1 with err. */
int cmp_dose_summary_write(json_writer *w, db_conn *db, int64_t facility_id, int32_t from, int32_t to, bool persons,
                           int64_t **ids, size_t *nids, rm_error *err);

#endif
