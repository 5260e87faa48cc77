/*
 * licensing_import: imports of the province's one-stop export (POST /dossiers/import) and of the
 * national regulator's licence register (POST /authorizations/import), as CSV or XLSX in the
 * request body.
 *
 * Files are untrusted: the body is written to a private scratch directory and read by io/parse.h,
 * the reader every import uses (CSV or XLSX driver only, XLSX containers checked before GDAL opens
 * them, dates as text), into the record stream of io/rowpipe.h. The work runs on the job pool
 * (http/jobs.h) and writes in one transaction: a failure writes nothing; ?dry_run=true checks and
 * reports without writing. Rows that cannot be read are skipped and listed.
 *
 * Dossiers are keyed by the one-stop receipt number: importing the same export again updates the
 * rows whose official fields changed and duplicates none. For a dossier on which nobody here has
 * recorded a step, radmap's own view follows the official one; once staff record steps, the two
 * are kept apart and /stats/one-stop lists where they disagree. VARANS licences are keyed by their
 * number and kept read-only (record_owner varans).
 *
 * Columns are found by name, ignoring case, diacritics and punctuation, in English or Vietnamese:
 * dossiers: receipt_no (số biên nhận, mã hồ sơ), procedure (mã thủ tục), applicant (chủ hồ sơ),
 * received (ngày tiếp nhận), due (ngày hẹn trả), status (trạng thái: code 1-10 or its name),
 * decided (ngày xử lý xong), returned (ngày trả kết quả), channel, facility_code, tax_code;
 * licences: number (số giấy phép), facility_code (mã cơ sở), kind, issued (ngày cấp), expires (ngày
 * hết hạn), conditions (điều kiện, phạm vi), status.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "api/licensing_int.h"
#include "api/state.h"
#include "core/date.h"
#include "core/fold.h"
#include "db/audit.h"
#include "db/licensing.h"
#include "http/jobs.h"
#include "io/parse.h"
#include "io/rowpipe.h"

#define MAX_COLS 12
#define MAX_REPORTED 100

typedef struct import_job {
    bool dossiers;         /* else authorizations */
    bool dry_run;
    bool xlsx;
    rm_error err;
    int failed;
    buf report;
} import_job;

static void job_free(void *p)
{
    import_job *j = p;
    buf_free(&j->report);
    free(j);
}

/* Column lists: the first name is the key in the code; the others are what exports call it. */
static const char *const dossier_cols[][6] = {
    {"receipt_no", "so bien nhan", "ma ho so", "ma bien nhan", "receipt", NULL},
    {"procedure", "procedure code", "ma thu tuc", "ma tthc", "thu tuc", NULL},
    {"applicant", "chu ho so", "nguoi nop", "to chuc ca nhan", "ten to chuc", NULL},
    {"received", "received at", "ngay tiep nhan", "ngay nhan", "ngay nop", NULL},
    {"due", "official due", "due at", "ngay hen tra", "han xu ly", NULL},
    {"status", "trang thai", "ma trang thai", "status code", NULL, NULL},
    {"decided", "decided at", "ngay xu ly xong", "ngay hoan thanh", "finished", NULL},
    {"returned", "returned at", "ngay tra ket qua", "ngay tra", NULL, NULL},
    {"channel", "hinh thuc nop", "kenh", NULL, NULL, NULL},
    {"facility_code", "ma co so", NULL, NULL, NULL, NULL},
    {"tax_code", "ma so thue", NULL, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
enum { D_RECEIPT, D_PROC, D_APPLICANT, D_RECEIVED, D_DUE, D_STATUS, D_DECIDED, D_RETURNED, D_CHANNEL, D_FACILITY,
       D_TAX };

static const char *const licence_cols[][6] = {
    {"number", "licence no", "so giay phep", "so gp", "licence number", NULL},
    {"facility_code", "ma co so", "facility", NULL, NULL, NULL},
    {"kind", "loai", NULL, NULL, NULL, NULL},
    {"issued", "ngay cap", "issue date", NULL, NULL, NULL},
    {"expires", "ngay het han", "expiry", "het han", NULL, NULL},
    {"conditions", "dieu kien", "pham vi", "noi dung", NULL, NULL},
    {"status", "trang thai", NULL, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
enum { A_NUMBER, A_FACILITY, A_KIND, A_ISSUED, A_EXPIRES, A_CONDITIONS, A_STATUS };

/* Field index of each wanted column (-1: absent), from the layer record's field names. */
static void map_columns(const rowpipe_layer *l, const char *const (*cols)[6], int *idx)
{
    for (int c = 0; cols[c][0]; c++) {
        idx[c] = -1;
        for (uint32_t k = 0; k < l->nfields && idx[c] < 0; k++) {
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)(l->field_names[k].n > 255 ? 255 : l->field_names[k].n),
                     l->field_names[k].p);
            char *f = fold_dup(name);
            for (int a = 0; a < 6 && cols[c][a] && idx[c] < 0; a++) {
                char *want = fold_dup(cols[c][a]);
                if (strcmp(f, want) == 0)
                    idx[c] = (int)k;
                free(want);
            }
            free(f);
        }
    }
}

/* A row: the values of the file's fields as NUL-terminated text (NULL: none). */
typedef struct row_values {
    uint32_t n;
    char *v[ROWPIPE_MAX_FIELDS];
} row_values;

static const char *cell(const row_values *f, int i)
{
    if (i < 0 || (uint32_t)i >= f->n || !f->v[i])
        return NULL;
    const char *s = f->v[i];
    while (*s == ' ')
        s++;
    return *s ? s : NULL;
}

/* A status code 1-10, by number or by its Vietnamese or English name; 0 when unknown. */
static int status_code(db_conn *db, const char *s)
{
    if (!s)
        return 0;
    char *end;
    long n = strtol(s, &end, 10);
    if (end != s && (*end == 0 || *end == '.' || *end == ' '))
        return n >= 1 && n <= 10 ? (int)n : 0;
    char *want = fold_dup(s);
    int code = 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT code FROM dossier_status WHERE rm_fold(name_vi) = ?1 OR rm_fold(name_en) = ?1",
                               NULL);
    if (st) {
        sqlite3_bind_text(st, 1, want, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW)
            code = sqlite3_column_int(st, 0);
        db_stmt_done(st);
    }
    free(want);
    return code;
}

static int64_t lookup_id(db_conn *db, const char *sql, const char *value)
{
    if (!value)
        return 0;
    sqlite3_stmt *st = db_stmt(db, sql, NULL);
    int64_t id = 0;
    if (st) {
        sqlite3_bind_text(st, 1, value, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW)
            id = sqlite3_column_int64(st, 0);
        db_stmt_done(st);
    }
    return id;
}

typedef struct counts {
    long read, created, updated, unchanged, invalid;
} counts;

static void invalid_row(json_writer *w, counts *c, long row, const char *why)
{
    if (c->invalid++ < MAX_REPORTED) {
        json_obj_begin(w);
        json_kv_int(w, "row", row);
        json_kv_str(w, "reason", why);
        json_obj_end(w);
    }
}

static const char *channel_of(const char *s)
{
    if (!s)
        return "counter";
    char *f = fold_dup(s);
    const char *c = strstr(f, "online") || strstr(f, "truc tuyen") ? "online"
                    : strstr(f, "postal") || strstr(f, "buu chinh") ? "postal" : "counter";
    free(f);
    return c;
}

/* One row of a one-stop export. 0 (row handled or reported), -1 database error. */
static int import_dossier_row(db_conn *db, cal_calendar *cal, http_request *req, const char *import_id,
                              const row_values *f, const int *ix, long row, counts *c, json_writer *bad, rm_error *err)
{
    const char *receipt = cell(f, ix[D_RECEIPT]), *code = cell(f, ix[D_PROC]), *applicant = cell(f, ix[D_APPLICANT]);
    cal_minute received, due = LIC_NONE, decided = LIC_NONE, returned = LIC_NONE;
    int status = status_code(db, cell(f, ix[D_STATUS]));
    if (!receipt || strlen(receipt) > 79)
        return invalid_row(bad, c, row, "no receipt number"), 0;
    if (!applicant)
        return invalid_row(bad, c, row, "no applicant"), 0;
    if (cal_parse_instant(cell(f, ix[D_RECEIVED]), 0, &received) < 0)
        return invalid_row(bad, c, row, "received is not a date"), 0;
    if (!status)
        return invalid_row(bad, c, row, "status is not one of the ten national codes"), 0;
    /* A due date alone means the end of that working day; a decision or return date alone, its start. */
    if (cell(f, ix[D_DUE]) && cal_parse_instant(cell(f, ix[D_DUE]), CAL_PM_END, &due) < 0)
        return invalid_row(bad, c, row, "due is not a date"), 0;
    if (cell(f, ix[D_DECIDED]) && cal_parse_instant(cell(f, ix[D_DECIDED]), 0, &decided) < 0)
        return invalid_row(bad, c, row, "decided is not a date"), 0;
    if (cell(f, ix[D_RETURNED]) && cal_parse_instant(cell(f, ix[D_RETURNED]), 0, &returned) < 0)
        return invalid_row(bad, c, row, "returned is not a date"), 0;
    lic_proc p;
    int have_proc = code ? lic_proc_in_force(db, code, cal_day_of(received), &p, err) : 0;
    if (have_proc < 0)
        return -1;
    int64_t fac = lookup_id(db, "SELECT id FROM facility WHERE code = ?", cell(f, ix[D_FACILITY]));
    int64_t org = lookup_id(db, "SELECT id FROM organization WHERE tax_code = ? ORDER BY id LIMIT 1",
                            cell(f, ix[D_TAX]));
    if (!org && fac)
        org = lookup_id(db, "SELECT organization_id FROM facility WHERE code = ?", cell(f, ix[D_FACILITY]));
    /* radmap's view of a dossier nobody here has worked on: the official facts. */
    const char *step = lic_step_of_status(status);
    bool started = status != 1 && status != 3;
    cal_minute mine_due = have_proc && started ? cal_add_work_minutes(cal, received, (int64_t)p.working_hours * 60)
                                               : LIC_NONE;
    cal_minute mine_decided = decided != LIC_NONE ? decided : status >= 9 ? returned : LIC_NONE;
    cal_minute paused = status == 5 ? cal_now() : LIC_NONE;
    int64_t paused_left = paused != LIC_NONE && mine_due != LIC_NONE ? cal_work_minutes_between(cal, paused, mine_due)
                                                                     : -1;
    if (paused_left < -1)
        paused_left = 0;

    lic_dossier d;
    int64_t id = lookup_id(db, "SELECT id FROM dossier WHERE receipt_no = ?", receipt);
    int found = id ? lic_dossier_load(db, id, &d, err) : 0;
    if (found < 0)
        return -1;
    buf before = BUF_INIT;
    int rc = -1;
    sqlite3_stmt *st;
    if (!found) {
        st = db_stmt(db,
            "INSERT INTO dossier(receipt_no, origin, procedure_id, procedure_code, applicant, organization_id, "
            "facility_id, channel, received_at, complete_at, due_at, paused_at, paused_minutes_left, step, "
            "national_status, decided_at, returned_at, official_status, official_due_at, official_decided_at, "
            "official_returned_at, import_id) VALUES (?1, 'one_stop', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
            "?13, ?14, ?15, ?16, ?14, ?17, ?18, ?16, ?19)", err);
        if (!st)
            goto done;
        sqlite3_bind_text(st, 1, receipt, -1, SQLITE_TRANSIENT);
        have_proc ? sqlite3_bind_int64(st, 2, p.id) : sqlite3_bind_null(st, 2);
        code ? sqlite3_bind_text(st, 3, code, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 3);
        sqlite3_bind_text(st, 4, applicant, -1, SQLITE_TRANSIENT);
        org ? sqlite3_bind_int64(st, 5, org) : sqlite3_bind_null(st, 5);
        fac ? sqlite3_bind_int64(st, 6, fac) : sqlite3_bind_null(st, 6);
        sqlite3_bind_text(st, 7, channel_of(cell(f, ix[D_CHANNEL])), -1, SQLITE_STATIC);
        lic_bind_instant(st, 8, received);
        lic_bind_instant(st, 9, started ? received : LIC_NONE);
        lic_bind_instant(st, 10, mine_due);
        lic_bind_instant(st, 11, paused);
        paused_left >= 0 ? sqlite3_bind_int64(st, 12, paused_left) : sqlite3_bind_null(st, 12);
        sqlite3_bind_text(st, 13, step, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 14, status);
        lic_bind_instant(st, 15, mine_decided);
        lic_bind_instant(st, 16, returned);
        lic_bind_instant(st, 17, due);
        lic_bind_instant(st, 18, decided);
        sqlite3_bind_text(st, 19, import_id, -1, SQLITE_TRANSIENT);
        int s = sqlite3_step(st);
        db_stmt_done(st);
        if (s != SQLITE_DONE) {
            db_error(db, err, 422, "importing a dossier");
            goto done;
        }
        id = sqlite3_last_insert_rowid(db_sqlite(db));
        c->created++;
    } else {
        bool same = d.official_status == status && d.official_due == due && d.official_decided == decided &&
                    d.official_returned == returned;
        if (same) {
            c->unchanged++;
            rc = 0;
            goto done;
        }
        json_writer bw;
        json_init(&bw, &before);
        if (lic_dossier_write(&bw, db, cal, id, false, LIC_NONE, err) < 0)
            goto done;
        /* Staff's own steps keep radmap's view; otherwise it follows the official one. */
        bool follow = d.user_steps == 0;
        st = db_stmt(db,
            "UPDATE dossier SET official_status = ?2, official_due_at = ?3, official_decided_at = ?4, "
            "official_returned_at = ?5, import_id = ?6, applicant = ?7, "
            "step = CASE WHEN ?8 THEN ?9 ELSE step END, national_status = CASE WHEN ?8 THEN ?2 ELSE national_status END, "
            "decided_at = CASE WHEN ?8 THEN ?10 ELSE decided_at END, returned_at = CASE WHEN ?8 THEN ?5 ELSE returned_at "
            "END, paused_at = CASE WHEN ?8 THEN ?11 ELSE paused_at END, paused_minutes_left = CASE WHEN ?8 THEN ?12 ELSE "
            "paused_minutes_left END, version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') "
            "WHERE id = ?1", err);
        if (!st)
            goto done;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int(st, 2, status);
        lic_bind_instant(st, 3, due);
        lic_bind_instant(st, 4, decided);
        lic_bind_instant(st, 5, returned);
        sqlite3_bind_text(st, 6, import_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 7, applicant, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 8, follow);
        sqlite3_bind_text(st, 9, step, -1, SQLITE_STATIC);
        lic_bind_instant(st, 10, mine_decided);
        lic_bind_instant(st, 11, d.official_status == 5 && status == 5 ? d.paused : paused);
        paused_left >= 0 ? sqlite3_bind_int64(st, 12, paused_left) : sqlite3_bind_null(st, 12);
        int s = sqlite3_step(st);
        db_stmt_done(st);
        if (s != SQLITE_DONE) {
            db_error(db, err, 422, "updating an imported dossier");
            goto done;
        }
        c->updated++;
        if (d.official_status == status) {
            rc = audit_append(db, req->user_name, "import_update", "dossiers", id, import_id, before.data, NULL, err);
            goto done;
        }
    }
    /* A status the one-stop system reports is a step of the control slip. */
    st = db_stmt(db, "INSERT INTO dossier_step(dossier_id, step, national_status, at, user_name, origin, note) VALUES "
                     "(?1, ?2, ?3, ?4, ?5, 'import', ?6)", err);
    if (!st)
        goto done;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, step, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, status);
    lic_bind_instant(st, 4, !found ? received : returned != LIC_NONE ? returned : decided != LIC_NONE ? decided
                                                                                                        : cal_now());
    sqlite3_bind_text(st, 5, req->user_name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, import_id, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 500, "recording an imported status");
        goto done;
    }
    rc = audit_append(db, req->user_name, found ? "import_update" : "import_create", "dossiers", id, import_id,
                      found ? before.data : NULL, NULL, err);
done:
    buf_free(&before);
    return rc;
}

static int import_licence_row(db_conn *db, http_request *req, const char *import_id, const row_values *f, const int *ix,
                              long row, counts *c, json_writer *bad, rm_error *err)
{
    const char *number = cell(f, ix[A_NUMBER]), *fcode = cell(f, ix[A_FACILITY]);
    const char *kind = cell(f, ix[A_KIND]) ? cell(f, ix[A_KIND]) : "licence";
    cal_minute issued, expires = LIC_NONE;
    if (!number || strlen(number) > 60)
        return invalid_row(bad, c, row, "no licence number"), 0;
    int64_t fac = lookup_id(db, "SELECT id FROM facility WHERE code = ?1 OR external_ref = ?1 ORDER BY id LIMIT 1",
                            fcode);
    if (!fac)
        return invalid_row(bad, c, row, "no facility with that code in the register"), 0;
    if (cal_parse_instant(cell(f, ix[A_ISSUED]), 0, &issued) < 0)
        return invalid_row(bad, c, row, "issued is not a date"), 0;
    if (cell(f, ix[A_EXPIRES]) && cal_parse_instant(cell(f, ix[A_EXPIRES]), 0, &expires) < 0)
        return invalid_row(bad, c, row, "expires is not a date"), 0;
    static const char *const kinds[] = {"licence", "declaration_confirmation", "worker_certificate",
                                        "emergency_plan_approval", NULL};
    bool kind_ok = false;
    for (const char *const *k = kinds; *k; k++)
        kind_ok |= strcmp(*k, kind) == 0;
    if (!kind_ok)
        return invalid_row(bad, c, row, "kind is not licence, declaration_confirmation, worker_certificate or "
                                        "emergency_plan_approval"), 0;
    const char *status = "issued";
    char *fs = cell(f, ix[A_STATUS]) ? fold_dup(cell(f, ix[A_STATUS])) : NULL;
    if (fs && (strstr(fs, "suspend") || strstr(fs, "dinh chi")))
        status = "suspended";
    else if (fs && (strstr(fs, "revoke") || strstr(fs, "thu hoi")))
        status = "revoked";
    free(fs);
    char di[11], dx[11];
    date_format(cal_day_of(issued), di);
    if (expires != LIC_NONE)
        date_format(cal_day_of(expires), dx);
    /* Conditions: JSON as given, or the text wrapped. */
    buf cond = BUF_INIT;
    const char *ct = cell(f, ix[A_CONDITIONS]);
    json_t *cj = ct ? json_loads(ct, 0, NULL) : NULL;
    if (ct && !json_is_object(cj) && !json_is_array(cj)) {
        json_t *o = json_pack("{s:s}", "text", ct);
        char *s = json_dumps(o, JSON_COMPACT);
        buf_puts(&cond, s ? s : "{}");
        free(s);
        json_decref(o);
    } else if (ct) {
        buf_puts(&cond, ct);
    }
    json_decref(cj);
    int64_t id = lookup_id(db, "SELECT id FROM authorization WHERE record_owner = 'varans' AND number = ?", number);
    sqlite3_stmt *st = db_stmt(db, id
        ? "UPDATE authorization SET kind = ?2, facility_id = ?3, issued = ?4, expires = ?5, status = ?6, conditions = ?7, "
          "lon = (SELECT lon FROM facility WHERE id = ?3), lat = (SELECT lat FROM facility WHERE id = ?3), "
          "geom = (SELECT MakePoint(lon, lat, 4326) FROM facility WHERE id = ?3), external_ref = ?1, legacy_system = ?8, "
          "version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE record_owner = 'varans' AND "
          "number = ?1 AND (kind, facility_id, issued, coalesce(expires, ''), status, coalesce(conditions, '')) IS NOT "
          "(?2, ?3, ?4, coalesce(?5, ''), ?6, coalesce(?7, ''))"
        : "INSERT INTO authorization(number, kind, subject_type, facility_id, issued, expires, status, conditions, lon, "
          "lat, geom, record_owner, external_ref, legacy_system) SELECT ?1, ?2, 'facility', ?3, ?4, ?5, ?6, ?7, lon, lat, "
          "MakePoint(lon, lat, 4326), 'varans', ?1, ?8 FROM facility WHERE id = ?3", err);
    if (!st) {
        buf_free(&cond);
        return -1;
    }
    sqlite3_bind_text(st, 1, number, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, fac);
    sqlite3_bind_text(st, 4, di, -1, SQLITE_TRANSIENT);
    expires != LIC_NONE ? sqlite3_bind_text(st, 5, dx, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 5);
    sqlite3_bind_text(st, 6, status, -1, SQLITE_STATIC);
    cond.len ? sqlite3_bind_text(st, 7, cond.data, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 7);
    sqlite3_bind_text(st, 8, "VARANS", -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    buf_free(&cond);
    if (s != SQLITE_DONE)
        return db_error(db, err, 422, "importing a licence");
    if (!sqlite3_changes(db_sqlite(db))) {
        c->unchanged++;
        return 0;
    }
    if (!id) {
        id = sqlite3_last_insert_rowid(db_sqlite(db));
        c->created++;
    } else {
        c->updated++;
    }
    if (audit_append(db, req->user_name, "import", "authorizations", id, import_id, NULL, NULL, err) < 0)
        return -1;
    return lic_tile_change_facility(db, "authorizations", fac, err);
}

static int collect(void *arg, const void *data, size_t len)
{
    buf_append(arg, data, len);
    return 0;
}

/* Read the body as a table: write it to a private scratch directory and run the parser over it,
 * collecting the record stream in *stream. 0, or -1 with err. */
static int read_table(http_request *req, bool xlsx, buf *stream, rm_error *err)
{
    const char *tmp = getenv("TMPDIR");
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/radmap-import-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return rm_error_set(err, 503, "Import failed", "no scratch directory for the file");
    snprintf(path, sizeof path, "%s/upload.%s", dir, xlsx ? "xlsx" : "csv");
    int rc = -1;
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(req->body.data, 1, req->body.len, f) != req->body.len || fclose(f) != 0) {
        if (f)
            fclose(f);
        rm_error_set(err, 503, "Import failed", "cannot stage the file for reading");
        goto cleanup;
    }
    parse_options o = {0};
    o.scratch_dir = dir;
    zip_limits_default(&o.zip);
    parse_file(path, &o, collect, stream);
    rc = 0;
cleanup:
    unlink(path);
    rmdir(dir);
    return rc;
}

static void import_work(http_request *req)
{
    import_job *j = req->job_data;
    rm_error *err = &j->err;
    char import_id[64];
    unsigned char rnd[6];
    randombytes_buf(rnd, sizeof rnd);
    char hex[13];
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    cal_minute now = cal_now();
    char stamp[32];
    cal_format_local(now, stamp); /* YYYY-MM-DDTHH:MM:00+07:00 */
    snprintf(import_id, sizeof import_id, "%s-%.4s%.2s%.2s%.2s%.2s-%s", j->dossiers ? "one_stop" : "varans", stamp,
             stamp + 5, stamp + 8, stamp + 11, stamp + 14, hex);
    app_state *app = app_state_of(req);
    db_conn *db = NULL;
    cal_calendar *cal = NULL;
    buf bad = BUF_INIT, stream = BUF_INIT;
    row_values row = {0};
    rowpipe_reader rd;
    rowpipe_layer *layer = calloc(1, sizeof *layer);
    rowpipe_feature *feat = calloc(1, sizeof *feat);
    json_writer bw;
    json_init(&bw, &bad);
    json_arr_begin(&bw);
    counts c = {0};
    int ix[MAX_COLS];
    bool have_layer = false;
    if (!layer || !feat) {
        j->failed = rm_error_set(err, 500, "Out of memory", "reading the file");
        goto cleanup;
    }
    if (read_table(req, j->xlsx, &stream, err) < 0) {
        j->failed = -1;
        goto cleanup;
    }
    rowpipe_reader_init_mem(&rd, stream.data, stream.len);
    if (!(db = app_writer_lock(app, err))) {
        j->failed = -1;
        goto cleanup;
    }
    if (db_exec(db, "BEGIN IMMEDIATE", err) < 0 || !(cal = licensing_calendar(db, err))) {
        j->failed = -1;
        goto rollback;
    }
    int r;
    while ((r = rowpipe_next(&rd)) == 1) {
        if (rd.type == ROWPIPE_ERROR) {
            uint32_t status = 422;
            rowpipe_str text = {"", 0};
            rowpipe_get_text(&rd, &status, &text);
            j->failed = rm_error_set(err, status >= 400 && status < 600 ? (int)status : 422, "Unreadable file",
                                     "%.*s", (int)(text.n > 900 ? 900 : text.n), text.p ? text.p : "");
            goto rollback;
        }
        if (rd.type == ROWPIPE_END)
            break;
        if (rd.type == ROWPIPE_LAYER) {
            if (have_layer || rowpipe_get_layer(&rd, layer) < 0)
                break; /* the first table only */
            have_layer = true;
            map_columns(layer, j->dossiers ? dossier_cols : licence_cols, ix);
            int need[] = {j->dossiers ? D_RECEIPT : A_NUMBER, j->dossiers ? D_RECEIVED : A_FACILITY,
                          j->dossiers ? D_STATUS : A_ISSUED};
            for (int k = 0; k < 3; k++)
                if (ix[need[k]] < 0) {
                    j->failed = rm_error_set(err, 422, "Missing column", "the file has no column %s (or one of its "
                                             "Vietnamese names)", (j->dossiers ? dossier_cols : licence_cols)[need[k]][0]);
                    goto rollback;
                }
            continue;
        }
        if (rd.type != ROWPIPE_FEATURE || !have_layer)
            continue;
        if (rowpipe_get_feature(&rd, feat) < 0) {
            j->failed = rm_error_set(err, 422, "Unreadable file", "row %ld is malformed", c.read + 2);
            goto rollback;
        }
        row.n = feat->nvalues;
        for (uint32_t k = 0; k < feat->nvalues; k++)
            row.v[k] = feat->values[k].p ? strndup(feat->values[k].p, feat->values[k].n) : NULL;
        c.read++;
        r = j->dossiers ? import_dossier_row(db, cal, req, import_id, &row, ix, c.read + 1, &c, &bw, err)
                        : import_licence_row(db, req, import_id, &row, ix, c.read + 1, &c, &bw, err);
        for (uint32_t k = 0; k < row.n; k++) {
            free(row.v[k]);
            row.v[k] = NULL;
        }
        if (r < 0) {
            j->failed = -1;
            goto rollback;
        }
    }
    if (r < 0 || !have_layer) {
        j->failed = rm_error_set(err, 422, "Unreadable file", "the file holds no table radmap can read");
        goto rollback;
    }
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO import_run(id, kind, user_name, rows_read, created, updated, unchanged, "
                                    "invalid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", err);
    if (!st) {
        j->failed = -1;
        goto rollback;
    }
    sqlite3_bind_text(st, 1, import_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, j->dossiers ? "one_stop" : "varans", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, req->user_name, -1, SQLITE_TRANSIENT);
    long v[] = {c.read, c.created, c.updated, c.unchanged, c.invalid};
    for (int k = 0; k < 5; k++)
        sqlite3_bind_int64(st, 4 + k, v[k]);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        j->failed = db_error(db, err, 500, "recording the import");
        goto rollback;
    }
    if (db_exec(db, j->dry_run ? "ROLLBACK" : "COMMIT", err) < 0) {
        j->failed = -1;
        goto rollback;
    }
    app_writer_unlock(app);
    db = NULL;
    goto cleanup;
rollback:
    db_exec(db, "ROLLBACK", NULL);
    app_writer_unlock(app);
    db = NULL;
cleanup:
    json_arr_end(&bw);
    if (!j->failed) {
        json_writer w;
        json_init(&w, &j->report);
        json_obj_begin(&w);
        json_kv_str(&w, "import_id", import_id);
        json_kv_bool(&w, "dry_run", j->dry_run);
        json_kv_int(&w, "rows_read", c.read);
        json_kv_int(&w, "created", c.created);
        json_kv_int(&w, "updated", c.updated);
        json_kv_int(&w, "unchanged", c.unchanged);
        json_kv_int(&w, "invalid", c.invalid);
        json_key(&w, "invalid_rows");
        json_raw(&w, bad.data, bad.len);
        json_obj_end(&w);
    }
    buf_free(&bad);
    buf_free(&stream);
    free(layer);
    free(feat);
    cal_destroy(cal);
}

static int import_finish(http_request *req, rm_error *err)
{
    import_job *j = req->job_data;
    if (j->failed) {
        *err = j->err;
        if (!err->status)
            rm_error_set(err, 500, "Import failed", "the import failed without saying why");
        return -1;
    }
    buf_append(&req->out, j->report.data, j->report.len);
    req->no_etag = true;
    http_reply(req, 200, "application/json");
    return 0;
}

static int import_start(http_request *req, bool dossiers, rm_error *err)
{
    static const char *const allowed[] = {"dry_run", NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    const char *dry = http_query(req, "dry_run");
    if (dry && strcmp(dry, "true") != 0 && strcmp(dry, "false") != 0)
        return rm_error_set(err, 400, "Invalid parameter", "dry_run must be true or false");
    if (!req->body.len)
        return rm_error_set(err, 400, "Empty body", "send the export as the body (text/csv or XLSX)");
    const char *ct = http_header(req, "Content-Type");
    bool zip = req->body.len >= 4 && memcmp(req->body.data, "PK\x03\x04", 4) == 0;
    bool says_xlsx = ct && strncasecmp(ct, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 65) == 0;
    bool says_csv = ct && (strncasecmp(ct, "text/csv", 8) == 0 || strncasecmp(ct, "text/plain", 10) == 0);
    if (!says_xlsx && !says_csv)
        return rm_error_set(err, 415, "Unsupported Media Type", "send the export as text/csv or as XLSX "
                            "(application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)");
    if (says_xlsx != zip)
        return rm_error_set(err, 415, "Unsupported Media Type", "the body is %s, not what Content-Type says",
                            zip ? "a zip (XLSX) file" : "not an XLSX file");
    import_job *j = calloc(1, sizeof *j);
    if (!j)
        return rm_error_set(err, 500, "Out of memory", "starting an import");
    j->dossiers = dossiers;
    j->dry_run = dry && strcmp(dry, "true") == 0;
    j->xlsx = zip;
    req->job_data = j;
    req->job_data_free = job_free;
    if (http_defer(req, import_work, import_finish, err) < 0)
        return -1;
    return HTTP_DEFERRED;
}

int api_dossier_import(http_request *req, rm_error *err) { return import_start(req, true, err); }
int api_authorization_import(http_request *req, rm_error *err) { return import_start(req, false, err); }
