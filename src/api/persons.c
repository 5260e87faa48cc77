/*
 * persons: the people who work with radiation, as a plain JSON resource: GET and POST /persons,
 * GET, PUT, PATCH and DELETE /persons/{id} (through the engine of compliance_res.c), the people of
 * a facility (GET /facilities/{id}/persons) and a person's worker certificates
 * (/persons/{id}/certificates).
 *
 * Personal data (DESIGN §5, issue 10): the routes admit only the licensing, inspector, leader and
 * admin roles; every read is checked against the caller's hourly quota and written to the read
 * log; lists and exports (?f=csv) mask identity numbers except for admins. Persons are in no
 * feature collection, so no tile, search, statistic or proximity answer can hold one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/compliance_int.h"
#include "core/date.h"
#include "core/fold.h"
#include "core/params.h"
#include "db/audit.h"

/* ---- the list ---------------------------------------------------------------------------------- */

static void csv_field(buf *b, const char *s)
{
    if (!s)
        return;
    /* A leading = + - @ would be a formula to a spreadsheet: quote it with a leading apostrophe. */
    bool quote = strpbrk(s, ",\"\r\n") != NULL || strchr("=+-@", s[0]);
    if (!quote) {
        buf_puts(b, s);
        return;
    }
    buf_putc(b, '"');
    if (strchr("=+-@", s[0]) && s[0])
        buf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '"')
            buf_putc(b, '"');
        buf_putc(b, *s);
    }
    buf_putc(b, '"');
}

int api_persons(http_request *req, rm_error *err)
{
    if (req->method == HTTP_POST)
        return cres_create(req, &cmp_persons, err);
    static const char *const allowed[] = {"q", "facility_id", "role", "identity_no", "active", "limit", "offset", "f",
                                          NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t limit, offset, fac = 0;
    if (params_parse_int("limit", http_query(req, "limit"), 1, 10000, 100, true, &limit, err) < 0 ||
        params_parse_int("offset", http_query(req, "offset"), 0, INT32_MAX, 0, false, &offset, err) < 0 ||
        params_parse_int("facility_id", http_query(req, "facility_id"), 1, INT64_MAX / 2, 0, false, &fac, err) < 0)
        return -1;
    const char *f = http_query(req, "f"), *role = http_query(req, "role"), *active = http_query(req, "active");
    bool csv = f && strcmp(f, "csv") == 0;
    if (f && !csv && strcmp(f, "json") != 0)
        return rm_error_set(err, 400, "Invalid parameter", "f must be json or csv, got '%.20s'", f);
    if (role && strcmp(role, "radiation_worker") != 0 && strcmp(role, "safety_officer") != 0)
        return rm_error_set(err, 400, "Invalid parameter", "role must be radiation_worker or safety_officer");
    if (active && strcmp(active, "true") != 0 && strcmp(active, "false") != 0)
        return rm_error_set(err, 400, "Invalid parameter", "active must be true or false");
    bool only_active = active && strcmp(active, "true") == 0;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    if (cmp_persons_read_check(req, err) < 0)
        return -1;
    buf pat = BUF_INIT;
    buf_putc(&pat, '%');
    const char *q = http_query(req, "q");
    if (q) {
        buf folded = BUF_INIT;
        fold_append(&folded, q);
        for (size_t i = 0; i < folded.len; i++) {
            if (strchr("%_\\", folded.data[i]))
                buf_putc(&pat, '\\');
            buf_putc(&pat, folded.data[i]);
        }
        buf_free(&folded);
    }
    buf_putc(&pat, '%');
    char today[11];
    date_format(date_today(), today);
    buf sql = BUF_INIT;
    buf_puts(&sql, "SELECT ");
    cres_select_list(&cmp_persons, "a", &sql);
    buf_puts(&sql, ", count(*) OVER (), (SELECT group_concat(x, '; ') FROM (SELECT f.code || ' ' || r.role || ' ' || "
                   "r.start_date || '..' || coalesce(r.end_date, '') AS x FROM person_role r JOIN facility f ON f.id = "
                   "r.facility_id WHERE r.person_id = a.id ORDER BY r.start_date)) FROM person a WHERE a.name_key LIKE "
                   "?1 ESCAPE '\\' AND (?2 IS NULL OR a.identity_no = ?2) AND (?3 = 0 AND ?4 IS NULL AND ?5 = 0 OR "
                   "EXISTS (SELECT 1 FROM person_role r WHERE r.person_id = a.id AND (?3 = 0 OR r.facility_id = ?3) "
                   "AND (?4 IS NULL OR r.role = ?4) AND (?5 = 0 OR (r.start_date <= ?6 AND (r.end_date IS NULL OR "
                   "r.end_date >= ?6))))) ORDER BY a.full_name, a.id LIMIT ?7 OFFSET ?8");
    sqlite3_stmt *st = db_stmt(db, sql.data, err);
    buf_free(&sql);
    if (!st) {
        buf_free(&pat);
        return -1;
    }
    sqlite3_bind_text(st, 1, pat.data, -1, SQLITE_TRANSIENT);
    buf_free(&pat);
    const char *ident = http_query(req, "identity_no");
    ident ? sqlite3_bind_text(st, 2, ident, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 2);
    sqlite3_bind_int64(st, 3, fac);
    role ? sqlite3_bind_text(st, 4, role, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 4);
    sqlite3_bind_int(st, 5, only_active);
    sqlite3_bind_text(st, 6, today, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 7, limit);
    sqlite3_bind_int64(st, 8, offset);
    bool admin = cmp_is_admin(req);
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    int64_t total = 0;
    json_writer w;
    json_init(&w, &req->out);
    if (csv) {
        buf_puts(&req->out, admin ? "id,full_name,birth_date,identity_no,phone,email,address,roles\r\n"
                                  : "id,full_name,birth_date,phone,email,address,roles\r\n");
    } else {
        json_obj_begin(&w);
        json_key(&w, "persons");
        json_arr_begin(&w);
    }
    int s;
    /* Columns: id, full_name, birth_date, identity_no, phone, email, address, note, version,
     * created_at, updated_at, total, roles. */
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            int64_t *x = realloc(ids, cap * sizeof *ids);
            if (!x)
                abort();
            ids = x;
        }
        ids[n++] = sqlite3_column_int64(st, 0);
        total = sqlite3_column_int64(st, 11);
        if (csv) {
            buf *b = &req->out;
            buf_appendf(b, "%lld,", (long long)sqlite3_column_int64(st, 0));
            for (int c = 1; c <= 6; c++) {
                if (c == 3 && !admin)
                    continue;
                csv_field(b, (const char *)sqlite3_column_text(st, c));
                buf_putc(b, ',');
            }
            csv_field(b, (const char *)sqlite3_column_text(st, 12));
            buf_puts(b, "\r\n");
        } else {
            cres_write_row(&cmp_persons, st, !admin, &w);
        }
    }
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        free(ids);
        return db_error(db, err, 500, "listing persons");
    }
    if (n)
        cmp_persons_read_record(req, ids, n);
    free(ids);
    if (csv) {
        http_set_header(req, "Content-Disposition", "attachment; filename=\"persons.csv\"");
        http_reply(req, 200, "text/csv; charset=utf-8");
        return 0;
    }
    json_arr_end(&w);
    json_kv_int(&w, "numberReturned", (int64_t)n);
    json_kv_int(&w, "numberMatched", n ? total : 0);
    json_kv_bool(&w, "identity_numbers_masked", !admin);
    json_obj_end(&w);
    http_reply(req, 200, "application/json");
    return 0;
}

int api_person(http_request *req, rm_error *err) { return cres_one(req, &cmp_persons, err); }

/* ---- the people of a facility ----------------------------------------------------------------- */

int api_facility_persons(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"at", "all", NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t fac = cmp_path_id(req, 0);
    int32_t at = date_today();
    if (cmp_query_date(req, "at", &at, err) < 0)
        return -1;
    const char *all = http_query(req, "all");
    if (all && strcmp(all, "true") != 0 && strcmp(all, "false") != 0)
        return rm_error_set(err, 400, "Invalid parameter", "all must be true or false");
    bool every = all && strcmp(all, "true") == 0;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM facility WHERE id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, fac);
    int found = sqlite3_step(st) == SQLITE_ROW;
    db_stmt_done(st);
    if (!found)
        return rm_error_set(err, 404, "Not Found", "no facility %.40s", req->path_params[0]);
    if (cmp_persons_read_check(req, err) < 0)
        return -1;
    char day[11];
    date_format(at, day);
    st = db_stmt(db, "SELECT r.id, r.person_id, p.full_name, p.birth_date, p.identity_no, r.role, r.start_date, "
                     "r.end_date, r.job_title FROM person_role r JOIN person p ON p.id = r.person_id WHERE "
                     "r.facility_id = ?1 AND (?3 OR (r.start_date <= ?2 AND (r.end_date IS NULL OR r.end_date >= ?2))) "
                     "ORDER BY r.role = 'safety_officer' DESC, p.full_name, r.start_date", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, fac);
    sqlite3_bind_text(st, 2, day, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, every);
    bool admin = cmp_is_admin(req);
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_int(&w, "facility_id", fac);
    json_kv_str(&w, "at", every ? NULL : day);
    json_key(&w, "roles");
    json_arr_begin(&w);
    int64_t ids[1000];
    size_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_obj_begin(&w);
        json_kv_int(&w, "role_id", sqlite3_column_int64(st, 0));
        json_kv_int(&w, "person_id", sqlite3_column_int64(st, 1));
        json_kv_str(&w, "full_name", (const char *)sqlite3_column_text(st, 2));
        json_kv_str(&w, "birth_date", (const char *)sqlite3_column_text(st, 3));
        json_key(&w, "identity_no");
        const char *ident = (const char *)sqlite3_column_text(st, 4);
        if (ident && !admin) {
            buf m = BUF_INIT;
            cres_mask_identity(ident, &m);
            json_str(&w, m.data ? m.data : "");
            buf_free(&m);
        } else {
            json_str(&w, ident);
        }
        json_kv_str(&w, "role", (const char *)sqlite3_column_text(st, 5));
        json_kv_str(&w, "start_date", (const char *)sqlite3_column_text(st, 6));
        json_kv_str(&w, "end_date", (const char *)sqlite3_column_text(st, 7));
        json_kv_str(&w, "job_title", (const char *)sqlite3_column_text(st, 8));
        json_obj_end(&w);
        if (n < sizeof ids / sizeof ids[0])
            ids[n++] = sqlite3_column_int64(st, 1);
    }
    db_stmt_done(st);
    json_arr_end(&w);
    json_obj_end(&w);
    if (n)
        cmp_persons_read_record(req, ids, n);
    http_reply(req, 200, "application/json");
    return 0;
}

/* ---- worker certificates ------------------------------------------------------------------------ */

static int person_exists(db_conn *db, int64_t id, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM person WHERE id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int found = sqlite3_step(st) == SQLITE_ROW;
    db_stmt_done(st);
    return found;
}

/* The certificates of person id as a JSON array. */
static int write_certificates(json_writer *w, db_conn *db, int64_t id, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT a.id, a.number, a.kind, a.status, a.issued, a.expires, a.facility_id, "
                                    "a.record_owner, EXISTS (SELECT 1 FROM person_certificate pc WHERE "
                                    "pc.authorization_id = a.id AND pc.person_id = ?1) FROM person_authorization a "
                                    "WHERE a.person_id = ?1 ORDER BY a.issued DESC, a.id DESC", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    json_arr_begin(w);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_obj_begin(w);
        json_kv_int(w, "authorization_id", sqlite3_column_int64(st, 0));
        json_kv_str(w, "number", (const char *)sqlite3_column_text(st, 1));
        json_kv_str(w, "kind", (const char *)sqlite3_column_text(st, 2));
        json_kv_str(w, "status", (const char *)sqlite3_column_text(st, 3));
        json_kv_str(w, "issued", (const char *)sqlite3_column_text(st, 4));
        json_kv_str(w, "expires", (const char *)sqlite3_column_text(st, 5));
        json_kv_int(w, "facility_id", sqlite3_column_int64(st, 6));
        json_kv_str(w, "record_owner", (const char *)sqlite3_column_text(st, 7));
        json_kv_str(w, "matched_by", sqlite3_column_int(st, 8) ? "link" : "identity_no");
        json_obj_end(w);
    }
    db_stmt_done(st);
    json_arr_end(w);
    return 0;
}

static int certificates_get(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t id = cmp_path_id(req, 0);
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    int ex = id ? person_exists(db, id, err) : 0;
    if (ex < 0)
        return -1;
    if (!ex)
        return rm_error_set(err, 404, "Not Found", "no person %.40s", req->path_params[0]);
    if (cmp_persons_read_check(req, err) < 0)
        return -1;
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_int(&w, "person_id", id);
    json_key(&w, "certificates");
    if (write_certificates(&w, db, id, err) < 0)
        return -1;
    json_obj_end(&w);
    cmp_persons_read_record(req, &id, 1);
    http_reply(req, 200, "application/json");
    return 0;
}

/* POST {"authorization_id": N}: link a worker certificate whose person_ref is not the person's
 * identity number (one from the national regulator's register, say). */
static int certificates_link(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t id = cmp_path_id(req, 0);
    if (!id)
        return rm_error_set(err, 404, "Not Found", "no person %.40s", req->path_params[0]);
    json_t *body = cmp_json_body(req, err);
    if (!body)
        return -1;
    int rc = -1;
    edit_errors e = {0};
    json_t *av = json_object_get(body, "authorization_id");
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v) if (strcmp(k, "authorization_id") != 0)
        add_error(&e, k, "is not a field; fields: authorization_id");
    if (!json_is_integer(av) || json_integer_value(av) < 1)
        add_error(&e, "authorization_id", "is required: the id of a worker certificate");
    if (e.n) {
        json_decref(body);
        return reply_invalid(req, &e);
    }
    int64_t aid = json_integer_value(av);
    buf after = BUF_INIT;
    db_conn *db = cmp_write_begin(req, err);
    if (!db)
        goto cleanup;
    int ex = person_exists(db, id, err);
    if (ex <= 0) {
        if (!ex)
            rm_error_set(err, 404, "Not Found", "no person %lld", (long long)id);
        goto rollback;
    }
    sqlite3_stmt *st = db_stmt(db, "SELECT a.kind, (SELECT pc.person_id FROM person_certificate pc WHERE "
                                    "pc.authorization_id = a.id) FROM authorization a WHERE a.id = ?", err);
    if (!st)
        goto rollback;
    sqlite3_bind_int64(st, 1, aid);
    if (sqlite3_step(st) != SQLITE_ROW) {
        add_error(&e, "authorization_id", "%lld does not exist", (long long)aid);
    } else if (strcmp((const char *)sqlite3_column_text(st, 0), "worker_certificate") != 0) {
        add_error(&e, "authorization_id", "authorization %lld is a %s, not a worker certificate", (long long)aid,
                  (const char *)sqlite3_column_text(st, 0));
    } else if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
        add_error(&e, "authorization_id", "authorization %lld is linked to person %lld already", (long long)aid,
                  (long long)sqlite3_column_int64(st, 1));
    }
    db_stmt_done(st);
    if (e.n) {
        cmp_write_end(req, db, false, NULL);
        db = NULL;
        rc = reply_invalid(req, &e);
        goto cleanup;
    }
    st = db_stmt(db, "INSERT INTO person_certificate(authorization_id, person_id, linked_by) VALUES (?1, ?2, ?3)", err);
    if (!st)
        goto rollback;
    sqlite3_bind_int64(st, 1, aid);
    sqlite3_bind_int64(st, 2, id);
    sqlite3_bind_text(st, 3, req->user_name, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 500, "linking the certificate");
        goto rollback;
    }
    buf_appendf(&after, "{\"person_id\":%lld,\"authorization_id\":%lld}", (long long)id, (long long)aid);
    if (audit_append(db, req->user_name, "link", "person_certificates", aid, NULL, NULL, after.data, err) < 0 ||
        cmp_tile_change(db, "SELECT facility_id FROM person_role WHERE person_id = ?1", id, err) < 0)
        goto rollback;
    if (cmp_write_end(req, db, true, err) < 0) {
        db = NULL;
        goto cleanup;
    }
    db = NULL;
    {
        db_conn *rdb = http_thread_db(req, err);
        if (!rdb)
            goto cleanup;
        json_writer w;
        json_init(&w, &req->out);
        json_obj_begin(&w);
        json_kv_int(&w, "person_id", id);
        json_key(&w, "certificates");
        if (write_certificates(&w, rdb, id, err) < 0)
            goto cleanup;
        json_obj_end(&w);
    }
    req->no_etag = true;
    http_reply(req, 201, "application/json");
    rc = 0;
    goto cleanup;
rollback:
    cmp_write_end(req, db, false, NULL);
cleanup:
    json_decref(body);
    buf_free(&after);
    return rc;
}

int api_person_certificates(http_request *req, rm_error *err)
{
    return req->method == HTTP_POST ? certificates_link(req, err) : certificates_get(req, err);
}

/* DELETE /persons/{id}/certificates/{authorization_id}: undo a link. */
int api_person_certificate(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t id = cmp_path_id(req, 0), aid = cmp_path_id(req, 1);
    db_conn *db = cmp_write_begin(req, err);
    if (!db)
        return -1;
    sqlite3_stmt *st = db_stmt(db, "DELETE FROM person_certificate WHERE person_id = ?1 AND authorization_id = ?2",
                               err);
    if (!st)
        goto rollback;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, aid);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 500, "unlinking the certificate");
        goto rollback;
    }
    if (sqlite3_changes(db_sqlite(db)) == 0) {
        rm_error_set(err, 404, "Not Found", "authorization %.40s is not linked to person %.40s (a certificate "
                     "matched by identity number is unlinked by changing its person_ref)", req->path_params[1],
                     req->path_params[0]);
        goto rollback;
    }
    char before[96];
    snprintf(before, sizeof before, "{\"person_id\":%lld,\"authorization_id\":%lld}", (long long)id, (long long)aid);
    if (audit_append(db, req->user_name, "unlink", "person_certificates", aid, NULL, before, NULL, err) < 0 ||
        cmp_tile_change(db, "SELECT facility_id FROM person_role WHERE person_id = ?1", id, err) < 0)
        goto rollback;
    if (cmp_write_end(req, db, true, err) < 0)
        return -1;
    req->no_etag = true;
    http_reply(req, 204, NULL);
    return 0;
rollback:
    cmp_write_end(req, db, false, NULL);
    return -1;
}
