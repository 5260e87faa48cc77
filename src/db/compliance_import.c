/*
 * compliance_import: dosimetry service providers' files (CSV, XLSX) into dose_record; see
 * compliance.h for the file's shape.
 *
 * The file is untrusted: GDAL opens it with the CSV or XLSX driver only, with GDAL set up as
 * io/import.h does for every untrusted file (no network, no other files). Each row is matched to a
 * person (identity number, else folded name and birth date, else the dosimeter's last wearer at the
 * facility), checked, and upserted on (person, facility, period): same values leave the record
 * unchanged, other values update it, a period that overlaps another record of that person and
 * facility is refused. Every created or updated record gets an audit row carrying the import id.
 */
#include "db/compliance.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/date.h"
#include "core/fold.h"
#include "db/audit.h"
#include "io/import.h"

enum { C_IDENTITY, C_NAME, C_BIRTH, C_DOSIMETER, C_START, C_END, C_PERIOD, C_HP10, C_HP007, C_COUNT };

/* Header names by target, folded (core/fold: lower case, no diacritics, punctuation as spaces). A
 * header matches a name when it is the name or begins with it and a space ("hp 10 msv"). */
static const char *const aliases[C_COUNT][16] = {
    [C_IDENTITY] = {"identity no", "identity number", "identity", "id number", "cccd", "so cccd", "cmnd", "so cmnd",
                    "cmnd cccd", "so cmnd cccd", "cccd cmnd", "so dinh danh", "ma dinh danh", "can cuoc", NULL},
    [C_NAME] = {"full name", "name", "ho va ten", "ho ten", "ten nhan vien", "nhan vien", NULL},
    [C_BIRTH] = {"birth date", "date of birth", "dob", "ngay sinh", "nam sinh", "ngay thang nam sinh", NULL},
    [C_DOSIMETER] = {"dosimeter id", "dosimeter code", "dosimeter", "badge", "ma lieu ke", "so lieu ke",
                     "ma so lieu ke", "lieu ke", NULL},
    [C_START] = {"period start", "start date", "start", "from", "tu ngay", "ngay bat dau", "bat dau", NULL},
    [C_END] = {"period end", "end date", "end", "to", "den ngay", "ngay ket thuc", "ket thuc", NULL},
    [C_PERIOD] = {"monitoring period", "period", "ky do", "ky theo doi", "thoi gian do", "ky", NULL},
    [C_HP10] = {"hp10", "hp 10", "hp10 msv", "lieu hp 10", "lieu hp10", "deep dose", "lieu ca nhan hp 10", NULL},
    [C_HP007] = {"hp007", "hp 0 07", "hp0 07", "lieu hp 0 07", "lieu hp0 07", "shallow dose", "skin dose", NULL},
};

static bool header_matches(const char *folded, const char *alias)
{
    size_t n = strlen(alias);
    return strncmp(folded, alias, n) == 0 && (folded[n] == 0 || folded[n] == ' ');
}

/* Does a header say its doses are in microsieverts (µSv, μSv, uSv)? */
static bool micro_unit(const char *raw)
{
    if (strstr(raw, "\xc2\xb5Sv") || strstr(raw, "\xce\xbcSv") || strstr(raw, "\xc2\xb5sv") || strstr(raw, "\xce\xbcsv"))
        return true;
    for (const char *p = raw; p[0] && p[1] && p[2]; p++)
        if ((p[0] == 'u' || p[0] == 'U') && (p[1] == 's' || p[1] == 'S') && (p[2] == 'v' || p[2] == 'V') &&
            (p == raw || !isalpha((unsigned char)p[-1])))
            return true;
    return false;
}

static void problem(dose_import_report *rep, long row, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void problem(dose_import_report *rep, long row, const char *field, const char *fmt, ...)
{
    if (rep->nproblems >= DOSE_IMPORT_MAX_PROBLEMS)
        return;
    rep->problems[rep->nproblems].row = row;
    snprintf(rep->problems[rep->nproblems].field, sizeof rep->problems[0].field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->problems[rep->nproblems].reason, sizeof rep->problems[0].reason, fmt, ap);
    va_end(ap);
    rep->nproblems++;
}

/* ---- CSV separators -------------------------------------------------------------------------- */

int compliance_csv_normalise(const char *data, size_t len, buf *out)
{
    /* The separator: the most frequent of , ; tab outside quotes on the header line. */
    size_t counts[3] = {0, 0, 0};
    bool quoted = false;
    for (size_t i = 0; i < len && (quoted || (data[i] != '\n' && data[i] != '\r')); i++) {
        if (data[i] == '"')
            quoted = !quoted;
        else if (!quoted)
            counts[0] += data[i] == ',', counts[1] += data[i] == ';', counts[2] += data[i] == '\t';
    }
    char sep = counts[1] > counts[0] && counts[1] >= counts[2] ? ';' : counts[2] > counts[0] ? '\t' : ',';
    if (sep == ',')
        return 0;
    size_t i0 = len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0 ? 3 : 0; /* a UTF-8 byte order mark */
    quoted = false;
    bool start = true; /* at the start of a field */
    for (size_t i = i0; i < len; i++) {
        char ch = data[i];
        if (start) {
            buf_putc(out, '"');
            start = false;
            if (ch == '"') {
                quoted = true;
                continue;
            }
        }
        if (quoted) {
            if (ch == '"') {
                if (i + 1 < len && data[i + 1] == '"') {
                    buf_puts(out, "\"\"");
                    i++;
                } else {
                    quoted = false;
                }
            } else {
                buf_putc(out, ch);
            }
            continue;
        }
        if (ch == sep) {
            buf_puts(out, "\",");
            start = true;
        } else if (ch == '\r' || ch == '\n') {
            buf_puts(out, "\"");
            buf_putc(out, '\n');
            if (ch == '\r' && i + 1 < len && data[i + 1] == '\n')
                i++;
            start = true;
        } else if (ch == '"') {
            buf_puts(out, "\"\"");
        } else {
            buf_putc(out, ch);
        }
    }
    if (!start)
        buf_putc(out, '"');
    return 1;
}

/* ---- values ------------------------------------------------------------------------------------ */

static const char *trimmed(const char *s, char *out, size_t n)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    snprintf(out, n, "%s", s);
    size_t len = strlen(out);
    while (len && isspace((unsigned char)out[len - 1]))
        out[--len] = 0;
    return out;
}

/* A date as text: YYYY-MM-DD, YYYY/MM/DD, DD/MM/YYYY, DD-MM-YYYY, DD.MM.YYYY (one-digit day or month
 * allowed in the day-first forms). */
static int parse_date_text(const char *s, int32_t *day)
{
    if (date_parse(s, day) == 0)
        return 0;
    int a, b, c;
    char s1, s2, tail;
    if (sscanf(s, "%d%c%d%c%d%c", &a, &s1, &b, &s2, &c, &tail) != 5 || s1 != s2 || !strchr("/-.", s1) || a < 1 ||
        b < 1 || c < 1 || a > 9999 || b > 99 || c > 9999)
        return -1;
    char iso[48];
    if (a >= 1900)
        snprintf(iso, sizeof iso, "%04d-%02d-%02d", a, b, c);
    else
        snprintf(iso, sizeof iso, "%04d-%02d-%02d", c, b, a);
    return date_parse(iso, day);
}

/* The date in field idx: a spreadsheet date, or text. 1 found, 0 empty, -1 unreadable. */
static int field_date(OGRFeatureH f, int idx, int32_t *day)
{
    if (idx < 0 || !OGR_F_IsFieldSetAndNotNull(f, idx))
        return 0;
    OGRFieldType t = OGR_Fld_GetType(OGR_F_GetFieldDefnRef(f, idx));
    if (t == OFTDate || t == OFTDateTime) {
        int y, m, d, hh, mm, tz;
        float ss;
        if (!OGR_F_GetFieldAsDateTimeEx(f, idx, &y, &m, &d, &hh, &mm, &ss, &tz))
            return -1;
        char iso[48];
        snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, m, d);
        return date_parse(iso, day) == 0 ? 1 : -1;
    }
    char buf_[64];
    const char *s = trimmed(OGR_F_GetFieldAsString(f, idx), buf_, sizeof buf_);
    if (!*s)
        return 0;
    return parse_date_text(s, day) == 0 ? 1 : -1;
}

static int last_day(int y, int m) { return date_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1; }

/* A period written as one value: 2025-Q1, Q1/2025, Quý I/2025, 03/2025, 2025-03, Tháng 3/2025. */
static int parse_period(const char *s, int32_t *start, int32_t *end)
{
    char *f = fold_dup(s);
    int year = 0, n = 0, quarter = 0;
    for (char *tok = strtok(f, " "); tok; tok = strtok(NULL, " ")) {
        size_t len = strlen(tok);
        if (len == 4 && isdigit((unsigned char)tok[0]) && atoi(tok) >= 1900 && atoi(tok) <= 2200 && !year)
            year = atoi(tok);
        else if (strcmp(tok, "q") == 0 || strcmp(tok, "quy") == 0 || strcmp(tok, "quarter") == 0)
            quarter = 1;
        else if (tok[0] == 'q' && len <= 2 && isdigit((unsigned char)tok[1]))
            quarter = 1, n = tok[1] - '0';
        else if (tok[0] == 't' && len <= 3 && isdigit((unsigned char)tok[1]))
            n = atoi(tok + 1);
        else if (strcmp(tok, "thang") == 0 || strcmp(tok, "month") == 0)
            continue;
        else if (isdigit((unsigned char)tok[0]) && len <= 2)
            n = atoi(tok);
        else if (strcmp(tok, "i") == 0 || strcmp(tok, "ii") == 0 || strcmp(tok, "iii") == 0 || strcmp(tok, "iv") == 0)
            n = strcmp(tok, "iv") == 0 ? 4 : (int)len;
        else {
            free(f);
            return -1;
        }
    }
    free(f);
    if (!year || n < 1 || (quarter && n > 4) || n > 12)
        return -1;
    int first = quarter ? 3 * n - 2 : n, last = quarter ? 3 * n : n;
    *start = date_from_civil(year, first, 1);
    *end = last_day(year, last);
    return 0;
}

/* A dose in mSv: 0.12 or 0,12; below detection ("<0.05", "KPH", "ND", "BDL", "MDL", "-") is 0 with
 * *below set. 1 read, 0 empty, -1 unreadable. */
static int parse_dose(const char *raw, double scale, double *msv, bool *below)
{
    char s[64];
    trimmed(raw, s, sizeof s);
    if (!*s)
        return 0;
    char *folded = fold_dup(s);
    bool bd = s[0] == '<' || strcmp(s, "-") == 0 || strcmp(s, "--") == 0 || strcmp(folded, "kph") == 0 ||
              strcmp(folded, "nd") == 0 || strcmp(folded, "bdl") == 0 || strcmp(folded, "mdl") == 0 ||
              strcmp(folded, "khong phat hien") == 0 || strcmp(folded, "duoi nguong") == 0;
    free(folded);
    if (bd) {
        *msv = 0;
        *below = true;
        return 1;
    }
    if (!strchr(s, '.'))
        for (char *p = s; *p; p++)
            if (*p == ',')
                *p = '.';
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < 0)
        return -1;
    *msv = v * scale;
    *below = false;
    return 1;
}

/* ---- persons ---------------------------------------------------------------------------------- */

static int64_t one_id(db_conn *db, sqlite3_stmt *st, int *count)
{
    int64_t id = 0;
    *count = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (!*count)
            id = sqlite3_column_int64(st, 0);
        (*count)++;
    }
    db_stmt_done(st);
    return id;
}

/* The audit JSON of row id of table (dose_record, person or person_role) into out. */
static int row_json(db_conn *db, const char *table, int64_t id, buf *out, rm_error *err)
{
    const char *sql;
    if (strcmp(table, "dose_record") == 0)
        sql = "SELECT json_object('id', id, 'person_id', person_id, 'facility_id', facility_id, 'period_start', "
              "period_start, 'period_end', period_end, 'hp10_msv', hp10_msv, 'hp007_msv', hp007_msv, "
              "'below_detection', below_detection, 'dosimeter_id', dosimeter_id, 'provider', provider, 'origin', "
              "origin, 'import_id', import_id, 'version', version) FROM dose_record WHERE id = ?";
    else if (strcmp(table, "person") == 0)
        sql = "SELECT json_object('id', id, 'full_name', full_name, 'birth_date', birth_date, 'identity_no', "
              "identity_no, 'version', version) FROM person WHERE id = ?";
    else
        sql = "SELECT json_object('id', id, 'person_id', person_id, 'facility_id', facility_id, 'role', role, "
              "'start_date', start_date, 'end_date', end_date, 'version', version) FROM person_role WHERE id = ?";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    buf_reset(out);
    if (sqlite3_step(st) == SQLITE_ROW)
        buf_puts(out, (const char *)sqlite3_column_text(st, 0));
    db_stmt_done(st);
    return 0;
}

static int audit_row(db_conn *db, const char *user, const char *action, const char *coll, const char *table, int64_t id,
                     const char *import_id, const char *before, buf *after, rm_error *err)
{
    if (row_json(db, table, id, after, err) < 0)
        return -1;
    return audit_append(db, user, action, coll, id, import_id, before, after->len ? after->data : NULL, err);
}

typedef struct row_values {
    const char *identity, *name, *dosimeter;
    bool has_birth;
    int32_t birth;
} row_values;

/* The person a row is about: 1 found (*id), 0 not found (a problem was reported), -1 error. */
static int find_person(db_conn *db, const row_values *v, const dose_import_options *o, long row, int32_t start,
                       dose_import_report *rep, int64_t *id, rm_error *err)
{
    int count = 0;
    sqlite3_stmt *st;
    if (v->identity) {
        if (!(st = db_stmt(db, "SELECT id FROM person WHERE identity_no = ?", err)))
            return -1;
        sqlite3_bind_text(st, 1, v->identity, -1, SQLITE_TRANSIENT);
        *id = one_id(db, st, &count);
        if (count)
            return 1;
    } else if (v->name) {
        char *key = fold_dup(v->name);
        /* People of that name (and birth date), those with a role at this facility first. */
        st = db_stmt(db, "SELECT p.id FROM person p WHERE p.name_key = ?1 AND (?2 IS NULL OR p.birth_date = ?2) "
                         "ORDER BY EXISTS (SELECT 1 FROM person_role r WHERE r.person_id = p.id AND r.facility_id = ?3) "
                         "DESC", err);
        if (!st) {
            free(key);
            return -1;
        }
        sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
        free(key);
        char b[11];
        if (v->has_birth) {
            date_format(v->birth, b);
            sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
        } else {
            sqlite3_bind_null(st, 2);
        }
        sqlite3_bind_int64(st, 3, o->facility_id);
        *id = one_id(db, st, &count);
        if (count == 1)
            return 1;
        if (count > 1) {
            problem(rep, row, "full_name", "%d persons are named \"%.80s\"%s: give their identity numbers", count,
                    v->name, v->has_birth ? " with this birth date" : "");
            return 0;
        }
    }
    if (!v->identity && v->dosimeter) {
        if (!(st = db_stmt(db, "SELECT person_id FROM dose_record WHERE facility_id = ?1 AND dosimeter_id = ?2 "
                               "ORDER BY period_end DESC LIMIT 1", err)))
            return -1;
        sqlite3_bind_int64(st, 1, o->facility_id);
        sqlite3_bind_text(st, 2, v->dosimeter, -1, SQLITE_TRANSIENT);
        *id = one_id(db, st, &count);
        if (count)
            return 1;
    }
    if (!o->create_persons || !v->name) {
        if (v->identity)
            problem(rep, row, "identity_no", "no person has identity number %.20s: register the person, or import "
                    "with create_persons=true", v->identity);
        else if (v->name)
            problem(rep, row, "full_name", "no person named \"%.80s\"%s: register the person, or import with "
                    "create_persons=true", v->name, v->has_birth ? " with this birth date" : "");
        else
            problem(rep, row, "identity_no", "the row names nobody: it needs an identity number or a full name");
        return 0;
    }
    /* A new person, a radiation worker at the facility from the period's start. */
    char *key = fold_dup(v->name);
    st = db_stmt(db, "INSERT INTO person(full_name, name_key, birth_date, identity_no, note, created_by) VALUES "
                     "(?1, ?2, ?3, ?4, ?5, ?6)", err);
    if (!st) {
        free(key);
        return -1;
    }
    char b[11], s[11], note[160];
    sqlite3_bind_text(st, 1, v->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
    free(key);
    if (v->has_birth) {
        date_format(v->birth, b);
        sqlite3_bind_text(st, 3, b, -1, SQLITE_TRANSIENT);
    } else {
        sqlite3_bind_null(st, 3);
    }
    v->identity ? sqlite3_bind_text(st, 4, v->identity, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 4);
    snprintf(note, sizeof note, "registered by dosimetry import %s", o->import_id ? o->import_id : "");
    sqlite3_bind_text(st, 5, note, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, o->user, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    db_stmt_done(st);
    if (rc != SQLITE_DONE)
        return db_error(db, err, 500, "registering a person");
    *id = sqlite3_last_insert_rowid(db_sqlite(db));
    buf after = BUF_INIT;
    if (audit_row(db, o->user, "create", "persons", "person", *id, o->import_id, NULL, &after, err) < 0) {
        buf_free(&after);
        return -1;
    }
    st = db_stmt(db, "INSERT INTO person_role(person_id, facility_id, role, start_date, note, created_by) VALUES "
                     "(?1, ?2, 'radiation_worker', ?3, ?4, ?5)", err);
    if (!st) {
        buf_free(&after);
        return -1;
    }
    date_format(start, s);
    sqlite3_bind_int64(st, 1, *id);
    sqlite3_bind_int64(st, 2, o->facility_id);
    sqlite3_bind_text(st, 3, s, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, note, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, o->user, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    db_stmt_done(st);
    if (rc != SQLITE_DONE) {
        buf_free(&after);
        return db_error(db, err, 500, "registering a person's role");
    }
    int64_t role = sqlite3_last_insert_rowid(db_sqlite(db));
    rc = audit_row(db, o->user, "create", "person_roles", "person_role", role, o->import_id, NULL, &after, err);
    buf_free(&after);
    if (rc < 0)
        return -1;
    rep->persons_created++;
    return 1;
}

/* ---- the file ------------------------------------------------------------------------------------- */

typedef struct dose_values {
    int32_t start, end;
    double hp10;
    bool has_hp007, below;
    double hp007;
    const char *dosimeter;
} dose_values;

static int upsert(db_conn *db, int64_t person, const dose_values *d, const dose_import_options *o, long row,
                  dose_import_report *rep, rm_error *err)
{
    char a[11], b[11];
    date_format(d->start, a);
    date_format(d->end, b);
    sqlite3_stmt *st = db_stmt(db, "SELECT id, period_start, period_end, hp10_msv, hp007_msv, below_detection, "
                                    "dosimeter_id, provider FROM dose_record WHERE person_id = ?1 AND facility_id = ?2 "
                                    "AND period_start <= ?4 AND period_end >= ?3 ORDER BY period_start = ?3 AND "
                                    "period_end = ?4 DESC LIMIT 1", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, person);
    sqlite3_bind_int64(st, 2, o->facility_id);
    sqlite3_bind_text(st, 3, a, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, b, -1, SQLITE_TRANSIENT);
    int64_t id = 0;
    bool same = false;
    if (sqlite3_step(st) == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        const char *ps = (const char *)sqlite3_column_text(st, 1), *pe = (const char *)sqlite3_column_text(st, 2);
        if (strcmp(ps, a) != 0 || strcmp(pe, b) != 0) {
            problem(rep, row, "period_start", "the period %s to %s overlaps dose record %lld (%s to %s) of the same "
                    "person at this facility", a, b, (long long)id, ps, pe);
            db_stmt_done(st);
            rep->invalid++;
            return 0;
        }
        const char *dos = (const char *)sqlite3_column_text(st, 6), *prov = (const char *)sqlite3_column_text(st, 7);
        same = llround(sqlite3_column_double(st, 3) * 1e6) == llround(d->hp10 * 1e6) &&
               (sqlite3_column_type(st, 4) == SQLITE_NULL) == !d->has_hp007 &&
               (!d->has_hp007 || llround(sqlite3_column_double(st, 4) * 1e6) == llround(d->hp007 * 1e6)) &&
               (sqlite3_column_int(st, 5) != 0) == d->below &&
               ((!dos && !d->dosimeter) || (dos && d->dosimeter && strcmp(dos, d->dosimeter) == 0)) &&
               ((!prov && !o->provider) || (prov && o->provider && strcmp(prov, o->provider) == 0));
    }
    db_stmt_done(st);
    if (id && same) {
        rep->unchanged++;
        return 0;
    }
    buf before = BUF_INIT, after = BUF_INIT;
    int rc = -1;
    if (id) {
        if (row_json(db, "dose_record", id, &before, err) < 0)
            goto cleanup;
        st = db_stmt(db, "UPDATE dose_record SET hp10_msv = ?2, hp007_msv = ?3, below_detection = ?4, dosimeter_id = "
                         "?5, provider = ?6, origin = 'import', import_id = ?7, version = version + 1, updated_at = "
                         "strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1", err);
    } else {
        st = db_stmt(db, "INSERT INTO dose_record(id, hp10_msv, hp007_msv, below_detection, dosimeter_id, provider, "
                         "import_id, origin, person_id, facility_id, period_start, period_end, created_by) VALUES "
                         "(?1, ?2, ?3, ?4, ?5, ?6, ?7, 'import', ?8, ?9, ?10, ?11, ?12)", err);
    }
    if (!st)
        goto cleanup;
    id ? sqlite3_bind_int64(st, 1, id) : sqlite3_bind_null(st, 1);
    sqlite3_bind_double(st, 2, d->hp10);
    d->has_hp007 ? sqlite3_bind_double(st, 3, d->hp007) : sqlite3_bind_null(st, 3);
    sqlite3_bind_int(st, 4, d->below);
    d->dosimeter ? sqlite3_bind_text(st, 5, d->dosimeter, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 5);
    o->provider ? sqlite3_bind_text(st, 6, o->provider, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 6);
    o->import_id ? sqlite3_bind_text(st, 7, o->import_id, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 7);
    if (!id) {
        sqlite3_bind_int64(st, 8, person);
        sqlite3_bind_int64(st, 9, o->facility_id);
        sqlite3_bind_text(st, 10, a, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 11, b, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 12, o->user, -1, SQLITE_TRANSIENT);
    }
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 500, "writing a dose record");
        goto cleanup;
    }
    bool created = !id;
    if (!id)
        id = sqlite3_last_insert_rowid(db_sqlite(db));
    if (audit_row(db, o->user, created ? "create" : "update", "dose_records", "dose_record", id, o->import_id,
                  created ? NULL : before.data, &after, err) < 0)
        goto cleanup;
    if (created)
        rep->created++;
    else
        rep->updated++;
    rc = 0;
cleanup:
    buf_free(&before);
    buf_free(&after);
    return rc;
}

int compliance_import_doses(db_conn *db, const char *path, const dose_import_options *o, dose_import_report *rep,
                            rm_error *err)
{
    static const char *const drivers[] = {"CSV", "XLSX", NULL};
    static const char *const open_opts[] = {"HEADERS=FORCE", "AUTODETECT_TYPE=NO", NULL};
    memset(rep, 0, sizeof *rep);
    import_gdal_init();
    CPLErrorReset();
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, open_opts, NULL);
    if (!ds)
        return rm_error_set(err, 400, "Unreadable file", "the dosimetry file is not a CSV or XLSX file GDAL can read%s%s",
                            *CPLGetLastErrorMsg() ? ": " : "", CPLGetLastErrorMsg());
    int rc = -1;
    if (GDALDatasetGetLayerCount(ds) < 1) {
        rm_error_set(err, 400, "Unreadable file", "the dosimetry file holds no table");
        goto cleanup;
    }
    OGRLayerH layer = GDALDatasetGetLayer(ds, 0);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    int col[C_COUNT];
    double scale[C_COUNT];
    for (int t = 0; t < C_COUNT; t++)
        col[t] = -1, scale[t] = 1;
    int nf = OGR_FD_GetFieldCount(defn);
    for (int k = 0; k < nf; k++) {
        const char *raw = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, k));
        char *folded = fold_dup(raw);
        for (int t = 0; t < C_COUNT; t++) {
            if (col[t] >= 0)
                continue;
            bool hit = false;
            for (int a = 0; aliases[t][a] && !hit; a++)
                hit = header_matches(folded, aliases[t][a]);
            if (!hit)
                continue;
            col[t] = k;
            if (micro_unit(raw))
                scale[t] = 0.001;
            break;
        }
        free(folded);
    }
    if (col[C_HP10] < 0) {
        rm_error_set(err, 400, "Unreadable file", "the dosimetry file has no Hp(10) column (a header such as hp10_msv, "
                     "\"Hp(10) (mSv)\" or \"Liều Hp(10)\")");
        goto cleanup;
    }
    if (col[C_PERIOD] < 0 && (col[C_START] < 0 || col[C_END] < 0)) {
        rm_error_set(err, 400, "Unreadable file", "the dosimetry file needs period_start and period_end columns (\"Từ "
                     "ngày\", \"Đến ngày\") or a period column (2025-Q1, 03/2025)");
        goto cleanup;
    }
    if (col[C_IDENTITY] < 0 && col[C_NAME] < 0 && col[C_DOSIMETER] < 0) {
        rm_error_set(err, 400, "Unreadable file", "the dosimetry file names nobody: it needs an identity number "
                     "(CCCD), full name or dosimeter column");
        goto cleanup;
    }
    OGR_L_ResetReading(layer);
    OGRFeatureH f;
    long row = 0;
    int32_t today = date_today();
    while ((f = OGR_L_GetNextFeature(layer)) != NULL) {
        row++;
        char ident[32] = "", name[256] = "", dosim[64] = "";
        row_values v = {0};
        if (col[C_IDENTITY] >= 0 && OGR_F_IsFieldSetAndNotNull(f, col[C_IDENTITY])) {
            trimmed(OGR_F_GetFieldAsString(f, col[C_IDENTITY]), ident, sizeof ident);
            OGRFieldType t = OGR_Fld_GetType(OGR_F_GetFieldDefnRef(f, col[C_IDENTITY]));
            /* A CCCD typed into a spreadsheet as a number lost its leading zero. */
            if ((t == OFTInteger || t == OFTInteger64 || t == OFTReal) && strlen(ident) == 11 &&
                strspn(ident, "0123456789") == 11) {
                memmove(ident + 1, ident, 12);
                ident[0] = '0';
            }
        }
        if (col[C_NAME] >= 0 && OGR_F_IsFieldSetAndNotNull(f, col[C_NAME]))
            trimmed(OGR_F_GetFieldAsString(f, col[C_NAME]), name, sizeof name);
        if (col[C_DOSIMETER] >= 0 && OGR_F_IsFieldSetAndNotNull(f, col[C_DOSIMETER]))
            trimmed(OGR_F_GetFieldAsString(f, col[C_DOSIMETER]), dosim, sizeof dosim);
        if (!ident[0] && !name[0] && !dosim[0] && !(col[C_HP10] >= 0 && OGR_F_IsFieldSetAndNotNull(f, col[C_HP10]))) {
            OGR_F_Destroy(f);
            row--; /* an empty line (a spreadsheet's trailing rows): not a row */
            continue;
        }
        rep->rows_read++;
        v.identity = ident[0] ? ident : NULL;
        v.name = name[0] ? name : NULL;
        v.dosimeter = dosim[0] ? dosim : NULL;
        bool bad = false;
        for (const char *p = ident; *p; p++)
            if (!isalnum((unsigned char)*p)) {
                problem(rep, row, "identity_no", "'%.20s' is not an identity number (letters and digits)", ident);
                bad = true;
                break;
            }
        int br = field_date(f, col[C_BIRTH], &v.birth);
        if (br < 0) {
            problem(rep, row, "birth_date", "'%.30s' is not a date", OGR_F_GetFieldAsString(f, col[C_BIRTH]));
            bad = true;
        }
        v.has_birth = br == 1;
        dose_values d = {0};
        d.dosimeter = v.dosimeter;
        int a = 0, b = 0;
        if (col[C_START] >= 0 && col[C_END] >= 0) {
            a = field_date(f, col[C_START], &d.start);
            b = field_date(f, col[C_END], &d.end);
        }
        if (a == 1 && b == 1) {
            /* the period's own dates */
        } else if (a == 0 && b == 0 && col[C_PERIOD] >= 0) {
            const char *p = OGR_F_IsFieldSetAndNotNull(f, col[C_PERIOD]) ? OGR_F_GetFieldAsString(f, col[C_PERIOD]) : "";
            if (parse_period(p, &d.start, &d.end) < 0) {
                problem(rep, row, "period", "'%.30s' is not a period (2025-Q1, Q1/2025, 03/2025)", p);
                bad = true;
            }
        } else {
            problem(rep, row, a != 1 ? "period_start" : "period_end", "needs a date (YYYY-MM-DD or DD/MM/YYYY)");
            bad = true;
        }
        if (!bad && d.end < d.start) {
            problem(rep, row, "period_end", "is before period_start");
            bad = true;
        } else if (!bad && d.end - d.start > 366) {
            problem(rep, row, "period_end", "a monitoring period is at most a year");
            bad = true;
        } else if (!bad && d.end > today) {
            problem(rep, row, "period_end", "is in the future");
            bad = true;
        }
        const char *h10 = OGR_F_IsFieldSetAndNotNull(f, col[C_HP10]) ? OGR_F_GetFieldAsString(f, col[C_HP10]) : "";
        int hr = parse_dose(h10, scale[C_HP10], &d.hp10, &d.below);
        if (hr == 0) {
            problem(rep, row, "hp10_msv", "is empty");
            bad = true;
        } else if (hr < 0) {
            problem(rep, row, "hp10_msv", "'%.30s' is not a dose in mSv", h10);
            bad = true;
        } else if (d.hp10 > 10000) {
            problem(rep, row, "hp10_msv", "%.3f mSv is beyond any plausible personal dose", d.hp10);
            bad = true;
        }
        if (col[C_HP007] >= 0 && OGR_F_IsFieldSetAndNotNull(f, col[C_HP007])) {
            bool below007 = false;
            const char *h7 = OGR_F_GetFieldAsString(f, col[C_HP007]);
            int r7 = parse_dose(h7, scale[C_HP007], &d.hp007, &below007);
            if (r7 < 0) {
                problem(rep, row, "hp007_msv", "'%.30s' is not a dose in mSv", h7);
                bad = true;
            }
            d.has_hp007 = r7 == 1;
        }
        int64_t person = 0;
        if (!bad) {
            int found = find_person(db, &v, o, row, d.start, rep, &person, err);
            if (found < 0) {
                OGR_F_Destroy(f);
                goto cleanup;
            }
            bad = found == 0;
        }
        if (bad) {
            rep->invalid++;
        } else if (upsert(db, person, &d, o, row, rep, err) < 0) {
            OGR_F_Destroy(f);
            goto cleanup;
        }
        OGR_F_Destroy(f);
    }
    rc = 0;
cleanup:
    GDALClose(ds);
    return rc;
}
