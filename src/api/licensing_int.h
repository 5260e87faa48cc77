/*
 * licensing_int: what the licensing resources share (procedures.c, calendar_api.c, dossiers.c,
 * licensing_steps.c, licensing_import.c, licensing_attach.c, licensing_forms.c,
 * authorizations.c, inspection_plans.c, stats.c): the procedure and dossier rows as C structs,
 * the appraisal steps and their allowed moves, deadlines and outcomes, fees, and small helpers for
 * JSON bodies and the write transaction. Private to src/api/.
 *
 * Time: instants are core/calendar local minutes in C and UTC text in the database; LIC_NONE marks
 * an instant that is not set.
 */
#ifndef RADMAP_LICENSING_INT_H
#define RADMAP_LICENSING_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/auth.h"
#include "core/calendar.h"
#include "core/json.h"
#include "db/db.h"
#include "http/http.h"

#define LIC_NONE INT64_MIN

/* Staff who read dossiers and statistics (everyone signed in but viewers). */
#define R_STAFF (R_INSPECTOR | R_PLANNER | R_COUNTER | R_LICENSING | R_LEADER | R_ADMIN)
/* Who may read and add attachments (personal data). */
#define R_ATTACH (R_COUNTER | R_LICENSING | R_LEADER)

/* ---- procedures (licensing_common.c) ------------------------------------------------------- */

typedef struct lic_proc {
    int64_t id;
    char key[64];
    int version;
    char valid_from[11];
    char kind[24];
    char produces[32];
    char supplement_rule[8];
    int working_hours;
    int completeness_hours;
    char fee_rule[512];
    char name_vi[400];
    char name_en[300];
} lic_proc;

/* The procedure version with this id. 1 found, 0 not, -1 error. */
int lic_proc_by_id(db_conn *db, int64_t id, lic_proc *p, rm_error *err);
/* The version of a procedure in force on `day`: the latest valid_from on or before it (the first
 * version when the day precedes them all). `code` may be the key, this province's national code
 * or the example code. 1 found, 0 not, -1 error. */
int lic_proc_in_force(db_conn *db, const char *code, int32_t day, lic_proc *p, rm_error *err);

/* ---- dossiers (licensing_common.c) --------------------------------------------------------- */

typedef struct lic_dossier {
    int64_t id, procedure_id, facility_id, organization_id, version;
    char receipt_no[80];
    char origin[12];
    char channel[10];
    char step[32];
    char result[10];
    int national_status, official_status; /* official 0: none */
    int persons;
    cal_minute received, completeness_due, complete, due, paused, extended_due, decided, returned;
    cal_minute official_due, official_decided, official_returned;
    int64_t paused_left; /* working minutes left when the clock stopped, -1 when running */
    int user_steps;      /* steps recorded by people (not by imports) */
} lic_dossier;

/* Load dossier id. 1 found, 0 not, -1 error. */
int lic_dossier_load(db_conn *db, int64_t id, lic_dossier *d, rm_error *err);
/* A stored UTC instant (or NULL) as local minutes, LIC_NONE when absent or unreadable. */
cal_minute lic_instant(const unsigned char *text);
/* Bind an instant as stored text (NULL for LIC_NONE). */
void lic_bind_instant(sqlite3_stmt *st, int idx, cal_minute m);
/* Write an instant as a local RFC 3339 string, or null. */
void lic_json_instant(json_writer *w, const char *key, cal_minute m);

/* ---- deadlines and outcomes (licensing_common.c) ------------------------------------------- */

typedef enum lic_outcome {
    LIC_PENDING = 0,   /* not decided yet */
    LIC_EARLY,         /* decided on a day before the due day */
    LIC_ON_TIME,       /* decided on the due day, by the due time */
    LIC_LATE,          /* decided after the due time (an extension letter does not change that) */
    LIC_CLOSED,        /* withdrawn, stopped, refused at reception: not scored */
} lic_outcome;

const char *lic_outcome_key(lic_outcome o);
/* The outcome of a dossier whose work finished at `finished` (LIC_NONE: not yet) against `due`;
 * closed when the step (or official status 3, 7, 8) says it ended without a decision. */
lic_outcome lic_outcome_of(cal_minute finished, cal_minute due, bool closed);
/* radmap's own view of a dossier: its outcome, and for an open dossier whether it is overdue now
 * and how many working minutes are left (left_valid false when the clock has not started, or when
 * now is LIC_NONE: the view without the clock). */
typedef struct lic_view {
    lic_outcome outcome;
    bool open;           /* not decided and not closed */
    bool paused;
    bool overdue;        /* open, clock running and past due */
    bool left_valid;
    int64_t left_minutes;
} lic_view;
void lic_view_of(cal_calendar *cal, const lic_dossier *d, cal_minute now, lic_view *v);
/* The one-stop system's view of an imported dossier, from the official dates and status. */
void lic_official_view_of(const lic_dossier *d, cal_minute now, lic_view *v);
/* Is a step or status terminal without a decision? */
bool lic_step_closes(const char *step);
bool lic_status_closes(int code);

/* ---- steps (licensing_steps.c) ------------------------------------------------------------- */

typedef struct lic_step_def {
    const char *name;
    int national_status;   /* 0: keeps the dossier's current status (a side step) */
    unsigned roles;        /* who may record it */
    const char *name_vi;
    const char *name_en;
} lic_step_def;

const lic_step_def *lic_step_find(const char *name);
/* May a dossier at step `from` (with result for a decision) move to `to`? */
bool lic_step_allowed(const char *from, const char *result, const char *to);
/* The steps that may follow, comma-separated, into b. */
void lic_step_next_list(const char *from, const char *result, buf *b);
/* The step a one-stop status code puts an imported dossier at. */
const char *lic_step_of_status(int code);
/* The national status name of a code (NULL when unknown), from the static copy of the ten codes. */
const char *lic_status_name_vi(int code);

/* ---- fees (licensing_fee.c) ---------------------------------------------------------------- */

/* Write the fee of dossier d as members of the open object: fee_vnd (null when it cannot be
 * computed), fee_rule, fee_items (per device), fee_note. */
int lic_fee_write(json_writer *w, db_conn *db, const lic_dossier *d, rm_error *err);
/* Check a fee rule given by an admin; 0, or -1 with a reason in why. */
int lic_fee_rule_check(db_conn *db, json_t *rule, char *why, size_t n);

/* ---- dossier JSON (dossiers.c) ------------------------------------------------------------- */

/* What lic_dossier_write adds to the summary. */
enum {
    LIC_DOSSIER_SUMMARY = 0,
    LIC_DOSSIER_DETAIL = 1,      /* steps, devices, fee and result */
    LIC_DOSSIER_ATTACHMENTS = 2, /* with DETAIL: the attachment list, for the roles of R_ATTACH only */
};
/* The detail a caller of req may read: attachments only for the roles that may read them. */
#define LIC_DOSSIER_DETAIL_FOR(req) \
    (LIC_DOSSIER_DETAIL | (auth_may((req), R_ATTACH) ? LIC_DOSSIER_ATTACHMENTS : 0))

/* Write dossier id as a JSON object with what `detail` (LIC_DOSSIER_*) asks for.
 * now LIC_NONE leaves out what moves with the clock (hours left, overdue). 1 found, 0 not, -1 error. */
int lic_dossier_write(json_writer *w, db_conn *db, cal_calendar *cal, int64_t id, int detail, cal_minute now,
                      rm_error *err);

/* ---- small helpers (licensing_common.c) ---------------------------------------------------- */

/* The positive integer in path parameter i, or 0. */
int64_t lic_path_id(http_request *req, int i);
/* Parse the JSON object body of a write (415 unless application/json, 400 when malformed). */
json_t *lic_json_body(http_request *req, rm_error *err);
/* Begin a write: lock the writer and BEGIN IMMEDIATE. NULL with err. */
db_conn *lic_write_begin(http_request *req, rm_error *err);
/* End it: COMMIT when commit and no error so far (a failed COMMIT fills err and returns -1), else
 * ROLLBACK; then unlock. */
int lic_write_end(http_request *req, db_conn *db, bool commit, rm_error *err);
/* A tile_change row at the position of facility id (the facility's tiles show licence and
 * inspection attributes). */
int lic_tile_change_facility(db_conn *db, const char *layer, int64_t facility_id, rm_error *err);
/* Append one audit row whose after JSON is a dossier as the full class sees it. */
int lic_audit_dossier(db_conn *db, http_request *req, const char *action, int64_t id, const char *before,
                      rm_error *err);
/* Escape text for HTML into b. */
void lic_html_escape(buf *b, const char *s);
/* An ETag "\"v<version>\"" check of If-Match (optional: 0 when absent or equal, -1 with 412). */
int lic_if_match(http_request *req, int64_t version, rm_error *err);

#endif
