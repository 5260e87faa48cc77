/*
 * licensing_import_rows: writing the rows of an import (see licensing_import.c): a dossier of the
 * one-stop export, keyed by its receipt number (created, updated when its official fields changed,
 * or left as it is), and a licence of the national regulator, keyed by its number. A row that
 * cannot be read (no receipt number, a date that is not one, an unknown status) is skipped and
 * listed with its line; every write is audited with the import's id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/licensing_import_int.h"
#include "core/date.h"
#include "core/fold.h"
#include "db/audit.h"

const char *const lic_dossier_cols[][6] = {
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

const char *const lic_licence_cols[][6] = {
    {"number", "licence no", "so giay phep", "so gp", "licence number", NULL},
    {"facility_code", "ma co so", "facility", NULL, NULL, NULL},
    {"kind", "loai", NULL, NULL, NULL, NULL},
    {"issued", "ngay cap", "issue date", NULL, NULL, NULL},
    {"expires", "ngay het han", "expiry", "het han", NULL, NULL},
    {"conditions", "dieu kien", "pham vi", "noi dung", NULL, NULL},
    {"status", "trang thai", NULL, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

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
int lic_import_dossier_row(db_conn *db, cal_calendar *cal, http_request *req, const char *import_id,
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
        if (lic_dossier_write(&bw, db, cal, id, LIC_DOSSIER_SUMMARY, LIC_NONE, err) < 0)
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

int lic_import_licence_row(db_conn *db, http_request *req, const char *import_id, const row_values *f, const int *ix,
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
