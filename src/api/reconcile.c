/*
 * reconcile: the annual reconciliation of a licensee's inventory file with the register
 * (POST /reconciliations?organization_id=|facility_id=&year=, body a CSV or XLSX file).
 *
 * The file is read through GDAL with only the CSV and XLSX drivers allowed (as io/import.c and the
 * dosimetry import do). Its rows (serial number, nuclide, activity in Bq, optionally the reference
 * date of that activity, manufacturer, model) are matched to the sources the licensee holds (in use,
 * stored, disused, found): first by nuclide and normalised serial number (spelling variants such as
 * "IR-1234" and "ir 1234" match), then leftovers of the same nuclide whose activities agree within
 * 10 % are paired as a different serial number. What stays unmatched is missing (in the register,
 * not in the file) or extra (in the file, not in the register); matched pairs whose activities,
 * decayed to the file's date, differ by more than 10 % are listed as different activity. The report
 * is stored (table reconciliation) and returned.
 */
#include <cpl_error.h>
#include <errno.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "api/api.h"
#include "api/lifecycle_int.h"
#include "core/date.h"
#include "core/fold.h"
#include "core/json.h"
#include "db/audit.h"
#include "db/lifecycle.h"
#include "io/import.h"

#define RECON_TOLERANCE 0.10

typedef struct inv_row {
    long row;
    char serial[80], key[80], nuclide[24], refdate[11];
    double activity_bq;
    int64_t match;     /* register source id */
    bool serial_differs;
} inv_row;

typedef struct reg_row {
    int64_t id, facility_id;
    char serial[80], key[80], nuclide[24], refdate[11];
    double activity_bq, half_life_s;
    bool matched;
} reg_row;

static int find_col(OGRFeatureDefnH defn, const char *const *names)
{
    int nf = OGR_FD_GetFieldCount(defn);
    for (int k = 0; k < nf; k++) {
        char key[64];
        lifecycle_norm_key(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, k)), false, key, sizeof key);
        for (const char *const *n = names; *n; n++)
            if (strcmp(key, *n) == 0)
                return k;
    }
    return -1;
}

/* Activity of r decayed from its reference date to day. */
static double decayed(const reg_row *r, int32_t day)
{
    int32_t ref;
    if (date_parse(r->refdate, &ref) < 0 || r->half_life_s <= 0)
        return r->activity_bq;
    return r->activity_bq * exp2(-((double)(day - ref) * 86400.0) / r->half_life_s);
}

static bool close_enough(double a, double b) { return fabs(a - b) <= RECON_TOLERANCE * fmax(fabs(a), fabs(b)); }

int api_reconcile(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"organization_id", "facility_id", "year", NULL};
    static const char *const c_serial[] = {"serial", "serialno", "serialnumber", "soseri", "sohieu", NULL};
    static const char *const c_nuclide[] = {"nuclide", "radionuclide", "dongvi", "hatnhan", NULL};
    static const char *const c_activity[] = {"activitybq", "activity", "hoatdobq", "hoatdo", NULL};
    static const char *const c_date[] = {"referencedate", "ngaytham chieu", "ngaythamchieu", "date", NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    const char *org = http_query(req, "organization_id"), *fac = http_query(req, "facility_id");
    const char *ys = http_query(req, "year");
    if (!!org == !!fac)
        return rm_error_set(err, 400, "Invalid parameter", "name the licensee: organization_id or facility_id (one)");
    int64_t scope = strtoll(org ? org : fac, NULL, 10);
    long year = ys ? strtol(ys, NULL, 10) : 0;
    if (scope < 1)
        return rm_error_set(err, 400, "Invalid parameter", "%s must be a positive id", org ? "organization_id" : "facility_id");
    if (ys && (year < 1990 || year > 2100))
        return rm_error_set(err, 400, "Invalid parameter", "year must be between 1990 and 2100");
    const char *ct = http_header(req, "Content-Type");
    const char *ext = ct && (strncmp(ct, "text/csv", 8) == 0 || strncmp(ct, "application/csv", 15) == 0) ? ".csv"
                      : ct && strncmp(ct, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 65) == 0
                          ? ".xlsx" : NULL;
    if (!ext)
        return rm_error_set(err, 415, "Unsupported Media Type", "send the inventory as text/csv or as XLSX "
                            "(application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)");
    if (!req->body.len)
        return rm_error_set(err, 400, "Empty file", "the inventory file is empty");
    int32_t today = date_today();
    if (!year) {
        int y, m, d;
        date_to_civil(today, &y, &m, &d);
        year = y;
    }
    const char *tmp = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/radmap-inventory-XXXXXX%s", tmp && *tmp ? tmp : "/tmp", ext);
    int fd = mkstemps(path, (int)strlen(ext));
    if (fd < 0)
        return rm_error_set(err, 503, "Service Unavailable", "cannot write a temporary file: %s", strerror(errno));
    size_t off = 0;
    while (off < req->body.len) {
        ssize_t k = write(fd, req->body.data + off, req->body.len - off);
        if (k <= 0)
            break;
        off += (size_t)k;
    }
    close(fd);
    inv_row *inv = NULL;
    reg_row *reg = NULL;
    size_t ninv = 0, nreg = 0;
    int rc = -1;
    buf report = BUF_INIT;
    GDALDatasetH ds = NULL;
    if (off < req->body.len) {
        rm_error_set(err, 503, "Service Unavailable", "cannot write a temporary file");
        goto cleanup;
    }
    static const char *const drivers[] = {"CSV", "XLSX", NULL};
    static const char *const open_opts[] = {"HEADERS=FORCE", "AUTODETECT_TYPE=NO", NULL};
    import_gdal_init();
    CPLErrorReset();
    ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, open_opts, NULL);
    if (!ds || GDALDatasetGetLayerCount(ds) < 1) {
        rm_error_set(err, 400, "Unreadable file", "the inventory is not a CSV or XLSX table GDAL can read%s%s",
                     *CPLGetLastErrorMsg() ? ": " : "", CPLGetLastErrorMsg());
        goto cleanup;
    }
    OGRLayerH layer = GDALDatasetGetLayer(ds, 0);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    int cs = find_col(defn, c_serial), cn = find_col(defn, c_nuclide), ca = find_col(defn, c_activity),
        cd = find_col(defn, c_date);
    if (cs < 0 || cn < 0 || ca < 0) {
        rm_error_set(err, 400, "Unreadable file", "the inventory needs serial_no, nuclide and activity_bq columns%s%s%s",
                     cs < 0 ? " (no serial column)" : "", cn < 0 ? " (no nuclide column)" : "",
                     ca < 0 ? " (no activity column)" : "");
        goto cleanup;
    }
    OGRFeatureH f;
    long row = 1; /* the header is row 1 */
    while ((f = OGR_L_GetNextFeature(layer)) != NULL) {
        row++;
        if (!OGR_F_IsFieldSetAndNotNull(f, cs) && !OGR_F_IsFieldSetAndNotNull(f, cn)) {
            OGR_F_Destroy(f);
            continue;
        }
        inv_row *p = realloc(inv, (ninv + 1) * sizeof *inv);
        if (!p) {
            OGR_F_Destroy(f);
            break;
        }
        inv = p;
        inv_row *r = &inv[ninv++];
        memset(r, 0, sizeof *r);
        r->row = row;
        snprintf(r->serial, sizeof r->serial, "%s", OGR_F_GetFieldAsString(f, cs));
        lifecycle_norm_key(r->serial, false, r->key, sizeof r->key);
        snprintf(r->nuclide, sizeof r->nuclide, "%s", OGR_F_GetFieldAsString(f, cn));
        r->activity_bq = OGR_F_GetFieldAsDouble(f, ca);
        if (cd >= 0 && OGR_F_IsFieldSetAndNotNull(f, cd))
            snprintf(r->refdate, sizeof r->refdate, "%s", OGR_F_GetFieldAsString(f, cd));
        OGR_F_Destroy(f);
    }
    db_conn *db = http_thread_db(req, err);
    if (!db)
        goto cleanup;
    sqlite3_stmt *st = db_stmt(db, "SELECT s.id, s.facility_id, coalesce(s.serial_no, ''), s.nuclide, s.reference_date, "
                                    "s.activity_bq, n.half_life_s FROM source s JOIN nuclide n ON n.nuclide = s.nuclide "
                                    "JOIN facility f ON f.id = s.facility_id WHERE (?1 = 1 AND f.organization_id = ?2 OR "
                                    "?1 = 0 AND f.id = ?2) AND s.status IN ('in_use','stored','disused','found') "
                                    "ORDER BY s.id", err);
    if (!st)
        goto cleanup;
    sqlite3_bind_int(st, 1, org != NULL);
    sqlite3_bind_int64(st, 2, scope);
    while (sqlite3_step(st) == SQLITE_ROW) {
        reg_row *p = realloc(reg, (nreg + 1) * sizeof *reg);
        if (!p)
            break;
        reg = p;
        reg_row *r = &reg[nreg++];
        memset(r, 0, sizeof *r);
        r->id = sqlite3_column_int64(st, 0);
        r->facility_id = sqlite3_column_int64(st, 1);
        snprintf(r->serial, sizeof r->serial, "%s", (const char *)sqlite3_column_text(st, 2));
        lifecycle_norm_key(r->serial, false, r->key, sizeof r->key);
        snprintf(r->nuclide, sizeof r->nuclide, "%s", (const char *)sqlite3_column_text(st, 3));
        snprintf(r->refdate, sizeof r->refdate, "%s", (const char *)sqlite3_column_text(st, 4));
        r->activity_bq = sqlite3_column_double(st, 5);
        r->half_life_s = sqlite3_column_double(st, 6);
    }
    db_stmt_done(st);
    /* Pass 1: nuclide and serial key. Pass 2: same nuclide, activity within the tolerance. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < ninv; i++) {
            if (inv[i].match)
                continue;
            int32_t day = today;
            if (inv[i].refdate[0])
                date_parse(inv[i].refdate, &day);
            for (size_t j = 0; j < nreg; j++) {
                if (reg[j].matched || strcasecmp(reg[j].nuclide, inv[i].nuclide) != 0)
                    continue;
                bool hit = pass == 0 ? inv[i].key[0] && strcmp(reg[j].key, inv[i].key) == 0
                                     : close_enough(decayed(&reg[j], day), inv[i].activity_bq);
                if (hit) {
                    inv[i].match = reg[j].id;
                    inv[i].serial_differs = pass == 1;
                    reg[j].matched = true;
                    break;
                }
            }
        }
    json_writer w;
    json_init(&w, &report);
    json_obj_begin(&w);
    json_kv_str(&w, org ? "organization_id" : "facility_id", NULL);
    json_kv_int(&w, "year", year);
    json_kv_int(&w, "rows_read", (int64_t)ninv);
    json_kv_int(&w, "register_sources", (int64_t)nreg);
    json_key(&w, "differences");
    json_arr_begin(&w);
    int ndiff = 0, matched = 0;
    for (size_t i = 0; i < ninv; i++) {
        if (!inv[i].match) {
            json_obj_begin(&w);
            json_kv_str(&w, "type", "extra");
            json_kv_int(&w, "row", inv[i].row);
            json_kv_str(&w, "serial_no", inv[i].serial);
            json_kv_str(&w, "nuclide", inv[i].nuclide);
            json_kv_num(&w, "activity_bq", inv[i].activity_bq);
            json_obj_end(&w);
            ndiff++;
            continue;
        }
        matched++;
        const reg_row *r = NULL;
        for (size_t j = 0; j < nreg; j++)
            if (reg[j].id == inv[i].match)
                r = &reg[j];
        int32_t day = today;
        if (inv[i].refdate[0])
            date_parse(inv[i].refdate, &day);
        if (inv[i].serial_differs) {
            json_obj_begin(&w);
            json_kv_str(&w, "type", "serial");
            json_kv_int(&w, "row", inv[i].row);
            json_kv_int(&w, "source_id", r->id);
            json_kv_str(&w, "file_serial_no", inv[i].serial);
            json_kv_str(&w, "register_serial_no", r->serial);
            json_obj_end(&w);
            ndiff++;
        }
        double want = decayed(r, day);
        if (!close_enough(want, inv[i].activity_bq)) {
            json_obj_begin(&w);
            json_kv_str(&w, "type", "activity");
            json_kv_int(&w, "row", inv[i].row);
            json_kv_int(&w, "source_id", r->id);
            json_kv_num(&w, "file_activity_bq", inv[i].activity_bq);
            json_kv_num(&w, "register_activity_bq", want);
            char d[11];
            date_format(day, d);
            json_kv_str(&w, "at", d);
            json_obj_end(&w);
            ndiff++;
        }
    }
    for (size_t j = 0; j < nreg; j++)
        if (!reg[j].matched) {
            json_obj_begin(&w);
            json_kv_str(&w, "type", "missing");
            json_kv_int(&w, "source_id", reg[j].id);
            json_kv_int(&w, "facility_id", reg[j].facility_id);
            json_kv_str(&w, "serial_no", reg[j].serial);
            json_kv_str(&w, "nuclide", reg[j].nuclide);
            json_obj_end(&w);
            ndiff++;
        }
    json_arr_end(&w);
    json_kv_int(&w, "matched", matched);
    json_kv_int(&w, "difference_count", ndiff);
    json_obj_end(&w);
    /* The scope id, written where the placeholder null is. */
    {
        char key[40], with[64];
        snprintf(key, sizeof key, "\"%s\":null", org ? "organization_id" : "facility_id");
        snprintf(with, sizeof with, "\"%s\":%lld", org ? "organization_id" : "facility_id", (long long)scope);
        char *p = strstr(report.data, key);
        buf fixed = BUF_INIT;
        buf_append(&fixed, report.data, (size_t)(p - report.data));
        buf_puts(&fixed, with);
        buf_puts(&fixed, p + strlen(key));
        buf_free(&report);
        report = fixed;
    }
    db_conn *wdb = lc_begin(req, err);
    if (!wdb)
        goto cleanup;
    st = db_stmt(wdb, "INSERT INTO reconciliation(organization_id, facility_id, year, rows_read, differences, report, "
                      "user_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", err);
    if (!st) {
        lc_end(req, wdb, false, NULL);
        goto cleanup;
    }
    if (org)
        sqlite3_bind_int64(st, 1, scope);
    else
        sqlite3_bind_int64(st, 2, scope);
    sqlite3_bind_int64(st, 3, year);
    sqlite3_bind_int64(st, 4, (int64_t)ninv);
    sqlite3_bind_int(st, 5, ndiff);
    sqlite3_bind_text(st, 6, report.data, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, req->user_name, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    int64_t rid = sqlite3_last_insert_rowid(db_sqlite(wdb));
    if (s != SQLITE_DONE || audit_append(wdb, req->user_name, "create", "reconciliations", rid, NULL, NULL, report.data,
                                         err) < 0) {
        if (s != SQLITE_DONE)
            db_error(wdb, err, 500, "storing the reconciliation");
        lc_end(req, wdb, false, NULL);
        goto cleanup;
    }
    if (lc_end(req, wdb, true, err) < 0)
        goto cleanup;
    buf_appendf(&req->out, "{\"id\":%lld,\"report\":", (long long)rid);
    buf_append(&req->out, report.data, report.len);
    buf_putc(&req->out, '}');
    req->no_etag = true;
    http_reply(req, 201, "application/json");
    rc = 0;
cleanup:
    if (ds)
        GDALClose(ds);
    unlink(path);
    free(inv);
    free(reg);
    buf_free(&report);
    return rc;
}
