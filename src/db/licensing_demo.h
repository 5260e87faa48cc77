/*
 * licensing_demo: what the two files of the licensing demo share (db/demo_licensing.c draws the
 * facilities' documents, inspections and the national regulator's licences; db/licensing_demo.c
 * simulates the dossiers that produced the documents of the last two years): the generator's
 * state, the facility being written, and the helpers both use. Private to those two files.
 */
#ifndef RADMAP_LICENSING_DEMO_H
#define RADMAP_LICENSING_DEMO_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/calendar.h"
#include "db/demo_int.h"

#define HISTORY_DAYS 730
#define LICENCE_DAYS 1826
#define VARANS_DAYS 1095
#define MAX_STEPS 24
#define MAX_DEVICES 64
#define NONE INT64_MIN

enum { PR_DECL, PR_NEW, PR_RENEW, PR_AMEND, PR_REISSUE, PR_CERT, PR_PLAN, PR_N };
extern const char *const ldemo_proc_keys[PR_N];
enum { M_EARLY, M_ON_TIME, M_LATE, M_REFUSED, M_WITHDRAWN, M_STUCK };

typedef struct dproc {
    int64_t id;
    int hours;
    bool restart;
    bool fee;
    char produces[32];
} dproc;

typedef struct dfac {
    int64_t id, org, licence;
    char name[256], applicant[256], status[12], owner[12], licence_expires[11];
    int interval, failed_interval;
    int ndev;
    int64_t dev[MAX_DEVICES];
} dfac;

typedef struct step_rec {
    const char *step, *user, *origin;
    int code;
    cal_minute at, due_before, due_after;
    char data[160];
} step_rec;

typedef struct gen {
    sqlite3 *db;
    demo_rng r;
    cal_calendar *cal;
    int32_t today;
    cal_minute now;
    sqlite3_stmt *st_dossier, *st_step, *st_auth, *st_dev, *st_insp, *st_step_data;
    dproc p[PR_N];
    unsigned short seq[2][HISTORY_DAYS + 64]; /* receipt numbers per day: one-stop, counter */
    long licence_no, decl_no, cert_no, plan_no;
    int64_t *planned;                       /* org * 10000 + year of planned inspections */
    size_t nplanned, capplanned;
} gen;

static inline void ldemo_bind_opt(sqlite3_stmt *st, int i, const char *s)
{
    s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

static inline void ldemo_bind_at(sqlite3_stmt *st, int i, cal_minute m)
{
    char s[32];
    if (m == INT64_MIN) {
        sqlite3_bind_null(st, i);
        return;
    }
    cal_format_utc(m, s);
    sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

static inline int ldemo_run(sqlite3_stmt *st)
{
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    return s == SQLITE_DONE ? 0 : -1;
}

/* A working time within a working day on or after `day`, away from lunch. */
cal_minute ldemo_office_at(gen *g, int32_t day);
/* An outcome for a dossier: mostly on time, some early, a few late, refused or withdrawn. */
int ldemo_pick_mode(gen *g);
/* Simulate one dossier of procedure pi for facility f received at R with outcome mode; write it, its
 * steps and, when it produced one by now, its authorization. The authorization id, 0 when none, -1
 * on an SQLite error. */
int64_t ldemo_dossier(gen *g, int pi, dfac *f, cal_minute R, int mode);
/* Insert an authorization of facility f (status issued, suspended or revoked; owner department or
 * varans; a superseded one is marked so); its id, or 0 on an SQLite error. */
int64_t ldemo_authorization(gen *g, dfac *f, const char *kind, const char *number, int32_t issued, int32_t expires,
                            const char *change, int64_t supersedes, const char *conditions, int64_t dossier,
                            const char *person, const char *status, const char *owner);
/* {"devices":[ids]} of the facility's X-ray devices into out. */
void ldemo_devices_json(dfac *f, char *out, size_t n);
/* A Vietnamese full name into out. */
void ldemo_person(gen *g, char *out, size_t n);

#endif
