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
#include "api/licensing_import_int.h"
#include "api/state.h"
#include "core/date.h"
#include "core/fold.h"
#include "db/audit.h"
#include "db/licensing.h"
#include "http/jobs.h"
#include "io/parse.h"
#include "io/rowpipe.h"

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


/* Field index of each wanted column (-1: absent), from the field names (n of them). */
static void map_columns(char *const *names, uint32_t n, const char *const (*cols)[6], int *idx)
{
    for (int c = 0; cols[c][0]; c++) {
        idx[c] = -1;
        for (uint32_t k = 0; k < n && idx[c] < 0; k++) {
            if (!names[k])
                continue;
            char *f = fold_dup(names[k]);
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

/* Are the field names GDAL's own (Field1, Field2 ...), given when it did not take the first row of a
 * spreadsheet for its header (all cells text)? */
static bool generic_names(const rowpipe_layer *l)
{
    for (uint32_t k = 0; k < l->nfields; k++)
        if (l->field_names[k].n < 6 || strncmp(l->field_names[k].p, "Field", 5) != 0)
            return false;
    return l->nfields > 0;
}


/* 0 when the three columns a row needs are there, else -1 with err naming the first missing. */
static int missing_column(const char *const (*cols)[6], const int *ix, const int *need, rm_error *err)
{
    for (int k = 0; k < 3; k++)
        if (ix[need[k]] < 0)
            return rm_error_set(err, 422, "Missing column", "the file has no column %s (or one of its Vietnamese "
                                "names)", cols[need[k]][0]);
    return 0;
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
    bool reading = false;
    rowpipe_layer *layer = calloc(1, sizeof *layer);
    rowpipe_feature *feat = calloc(1, sizeof *feat);
    json_writer bw;
    json_init(&bw, &bad);
    json_arr_begin(&bw);
    counts c = {0};
    int ix[MAX_COLS];
    bool have_layer = false, header_row = false;
    const char *const (*cols)[6] = j->dossiers ? lic_dossier_cols : lic_licence_cols;
    int need[] = {j->dossiers ? D_RECEIPT : A_NUMBER, j->dossiers ? D_RECEIVED : A_FACILITY,
                  j->dossiers ? D_STATUS : A_ISSUED};
    if (!layer || !feat) {
        j->failed = rm_error_set(err, 500, "Out of memory", "reading the file");
        goto cleanup;
    }
    if (read_table(req, j->xlsx, &stream, err) < 0) {
        j->failed = -1;
        goto cleanup;
    }
    rowpipe_reader_init_mem(&rd, stream.data, stream.len);
    reading = true;
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
            header_row = generic_names(layer);
            if (header_row)
                continue; /* the names are in the first row */
            for (uint32_t k = 0; k < layer->nfields; k++)
                row.v[k] = strndup(layer->field_names[k].p, layer->field_names[k].n);
            map_columns(row.v, layer->nfields, cols, ix);
            for (uint32_t k = 0; k < layer->nfields; k++) {
                free(row.v[k]);
                row.v[k] = NULL;
            }
            if (missing_column(cols, ix, need, err) < 0) {
                j->failed = -1;
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
        if (header_row) {
            header_row = false;
            map_columns(row.v, row.n, cols, ix);
            for (uint32_t k = 0; k < row.n; k++) {
                free(row.v[k]);
                row.v[k] = NULL;
            }
            if (missing_column(cols, ix, need, err) < 0) {
                j->failed = -1;
                goto rollback;
            }
            continue;
        }
        c.read++;
        r = j->dossiers ? lic_import_dossier_row(db, cal, req, import_id, &row, ix, c.read + 1, &c, &bw, err)
                        : lic_import_licence_row(db, req, import_id, &row, ix, c.read + 1, &c, &bw, err);
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
    if (reading)
        rowpipe_reader_cleanup(&rd);
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
