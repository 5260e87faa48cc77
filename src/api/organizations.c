/*
 * organizations: the licensees as a plain JSON resource (/organizations), with the same rules as
 * the feature collections: validation of every field before writing (422 listing them), If-Match
 * optimistic locking, one transaction with its audit row, record owner VARANS read-only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/edit_int.h"
#include "api/state.h"
#include "core/date.h"
#include "core/fold.h"
#include "core/json.h"
#include "core/params.h"
#include "db/audit.h"

static const coll_field org_fields[] = {
    {"name", "name", PROP_TEXT, true, 300, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"tax_code", "tax_code", PROP_TEXT, false, 20, 0, 0, NULL, NULL, NULL, RULE_CODE},
    {"address", "address", PROP_TEXT, false, 300, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"phone", "phone", PROP_TEXT, false, 40, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"email", "email", PROP_TEXT, false, 200, 0, 0, NULL, NULL, NULL, RULE_EMAIL},
    {"legal_representative", "legal_representative", PROP_TEXT, false, 200, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {NULL, NULL, 0, false, 0, 0, 0, NULL, NULL, NULL, RULE_NONE},
};

#define ORG_COLUMNS "id, name, tax_code, address, phone, email, legal_representative, record_owner, " \
                    "external_ref, version, updated_at"

/* Write the organization row of st (ORG_COLUMNS) as a JSON object. */
static void write_org(json_writer *w, sqlite3_stmt *st)
{
    static const char *const names[] = {"id", "name", "tax_code", "address", "phone", "email",
                                        "legal_representative", "record_owner", "external_ref", "version",
                                        "updated_at"};
    json_obj_begin(w);
    for (int i = 0; i < 11; i++) {
        json_key(w, names[i]);
        if (sqlite3_column_type(st, i) == SQLITE_NULL)
            json_write_null(w);
        else if (i == 0 || i == 9)
            json_int(w, sqlite3_column_int64(st, i));
        else
            json_str(w, (const char *)sqlite3_column_text(st, i));
    }
    json_obj_end(w);
}

/* Render organization id into out; 1 found, 0 not, -1 error. */
static int render_org(db_conn *db, int64_t id, buf *out, int64_t *version, char owner[16], rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " ORG_COLUMNS " FROM organization WHERE id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int s = sqlite3_step(st), rc = 0;
    if (s == SQLITE_ROW) {
        json_writer w;
        json_init(&w, out);
        write_org(&w, st);
        if (version)
            *version = sqlite3_column_int64(st, 9);
        if (owner)
            snprintf(owner, 16, "%s", (const char *)sqlite3_column_text(st, 7));
        rc = 1;
    } else if (s != SQLITE_DONE) {
        rc = db_error(db, err, 500, "reading an organization");
    }
    db_stmt_done(st);
    return rc;
}

int api_organizations(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"q", "limit", "offset", "tax_code", NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t limit, offset;
    if (params_parse_int("limit", http_query(req, "limit"), 1, 1000, 100, true, &limit, err) < 0 ||
        params_parse_int("offset", http_query(req, "offset"), 0, INT32_MAX, 0, false, &offset, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    buf pat = BUF_INIT;
    const char *q = http_query(req, "q");
    buf_putc(&pat, '%');
    if (q)
        fold_append(&pat, q);
    buf_putc(&pat, '%');
    const char *tax = http_query(req, "tax_code");
    sqlite3_stmt *st = db_stmt(db, "SELECT " ORG_COLUMNS ", count(*) OVER () FROM organization "
                                    "WHERE rm_fold(name) LIKE ?1 AND (?2 IS NULL OR tax_code = ?2) "
                                    "ORDER BY id LIMIT ?3 OFFSET ?4", err);
    if (!st) {
        buf_free(&pat);
        return -1;
    }
    sqlite3_bind_text(st, 1, pat.data, -1, SQLITE_TRANSIENT);
    if (tax)
        sqlite3_bind_text(st, 2, tax, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, limit);
    sqlite3_bind_int64(st, 4, offset);
    buf_free(&pat);
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_key(&w, "organizations");
    json_arr_begin(&w);
    int64_t total = 0, n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        write_org(&w, st);
        total = sqlite3_column_int64(st, 11);
        n++;
    }
    db_stmt_done(st);
    json_arr_end(&w);
    json_kv_int(&w, "numberReturned", n);
    if (n)
        json_kv_int(&w, "numberMatched", total);
    json_obj_end(&w);
    http_reply(req, 200, "application/json");
    return 0;
}

static int64_t path_id(http_request *req)
{
    char *end;
    long long id = strtoll(req->path_params[0], &end, 10);
    return *end || id < 1 ? 0 : id;
}

int api_organization(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t id = path_id(req), version = 0;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    int r = id ? render_org(db, id, &req->out, &version, NULL, err) : 0;
    if (r < 0)
        return -1;
    if (r == 0)
        return rm_error_set(err, 404, "Not Found", "no organization %.40s", req->path_params[0]);
    snprintf(req->etag, sizeof req->etag, "\"v%lld\"", (long long)version);
    http_reply(req, 200, "application/json");
    return 0;
}

typedef enum org_op { ORG_CREATE, ORG_REPLACE, ORG_PATCH, ORG_DELETE } org_op;

static int org_edit(http_request *req, org_op op, rm_error *err)
{
    int64_t id = 0, want = 0;
    if (op != ORG_CREATE) {
        id = path_id(req);
        if (!id)
            return rm_error_set(err, 404, "Not Found", "no organization %.40s", req->path_params[0]);
        int m = if_match_version(req, &want);
        if (m == -1)
            return rm_error_set(err, 428, "Precondition Required", "send If-Match with the organization's ETag");
        if (m == -2)
            return rm_error_set(err, 412, "Precondition Failed", "If-Match does not hold an ETag of this resource");
    }
    json_t *body = NULL;
    if (op != ORG_DELETE) {
        const char *ct = http_header(req, "Content-Type");
        if (!ct || (strncasecmp(ct, "application/json", 16) != 0 &&
                    strncasecmp(ct, "application/merge-patch+json", 28) != 0))
            return rm_error_set(err, 415, "Unsupported Media Type", "send the organization as application/json");
        json_error_t je;
        body = json_loadb(req->body.data ? req->body.data : "", req->body.len, JSON_REJECT_DUPLICATES, &je);
        if (!body)
            return rm_error_set(err, 400, "Malformed JSON", "line %d, column %d: %s", je.line, je.column, je.text);
        if (!json_is_object(body)) {
            json_decref(body);
            return rm_error_set(err, 400, "Not an object", "the body must be a JSON object");
        }
    }
    app_state *app = app_state_of(req);
    int rc = -1;
    buf before = BUF_INIT, after = BUF_INIT;
    edit_errors *e = calloc(1, sizeof *e);
    db_conn *db = app_writer_lock(app, err);
    if (!db || !e) {
        json_decref(body);
        free(e);
        if (db)
            app_writer_unlock(app);
        return -1;
    }
    if (db_exec(db, "BEGIN IMMEDIATE", err) < 0)
        goto unlock;
    int64_t version = 0;
    char owner[16] = "department";
    if (op != ORG_CREATE) {
        int r = render_org(db, id, &before, &version, owner, err);
        if (r <= 0) {
            if (r == 0)
                rm_error_set(err, 404, "Not Found", "no organization %lld", (long long)id);
            goto rollback;
        }
        if (strcmp(owner, "department") != 0) {
            rm_error_set(err, 403, "Forbidden", "this organization belongs to the national regulator's register and "
                         "is read-only here");
            goto rollback;
        }
        if (want && want != version) {
            rm_error_set(err, 412, "Precondition Failed", "the organization was changed since you read it (now "
                         "version %lld)", (long long)version);
            goto rollback;
        }
    }
    if (op == ORG_DELETE) {
        sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM facility WHERE organization_id = ?", err);
        if (!st)
            goto rollback;
        sqlite3_bind_int64(st, 1, id);
        int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        db_stmt_done(st);
        if (n) {
            rm_error_set(err, 409, "Conflict", "organization %lld is the licensee of %lld facilities; reassign them "
                         "first", (long long)id, (long long)n);
            goto rollback;
        }
        st = db_stmt(db, "DELETE FROM organization WHERE id = ?", err);
        if (!st)
            goto rollback;
        sqlite3_bind_int64(st, 1, id);
        int s = sqlite3_step(st);
        db_stmt_done(st);
        if (s != SQLITE_DONE) {
            db_error(db, err, 409, "deleting an organization");
            goto rollback;
        }
    } else {
        /* The values the row will have: the body, merged over the current row for a patch. */
        json_t *vals = op == ORG_PATCH ? json_loads(before.data, 0, NULL) : json_object();
        const char *k;
        json_t *v;
        json_object_foreach(body, k, v) {
            const coll_field *f = NULL;
            for (const coll_field *x = org_fields; x->name; x++)
                if (strcmp(x->name, k) == 0)
                    f = x;
            bool readonly = !f && (strcmp(k, "id") == 0 || strcmp(k, "record_owner") == 0 ||
                                   strcmp(k, "external_ref") == 0 || strcmp(k, "version") == 0 ||
                                   strcmp(k, "updated_at") == 0);
            if (!f && !readonly)
                add_error(e, k, "is not a property of organizations");
            else if (f)
                json_object_set(vals, k, v);
        }
        int32_t today = date_today();
        for (const coll_field *f = org_fields; f->name; f++) {
            json_t *x = json_object_get(vals, f->name);
            if (!x || json_is_null(x)) {
                if (f->required)
                    add_error(e, f->name, "is required");
                continue;
            }
            check_field(db, f, x, today, e);
        }
        if (e->n) {
            json_decref(vals);
            db_exec(db, "ROLLBACK", NULL);
            rc = reply_invalid(req, e);
            goto unlock;
        }
        sqlite3_stmt *st = db_stmt(db, op == ORG_CREATE
            ? "INSERT INTO organization(name, tax_code, address, phone, email, legal_representative) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
            : "UPDATE organization SET name = ?1, tax_code = ?2, address = ?3, phone = ?4, email = ?5, "
              "legal_representative = ?6, version = version + 1, "
              "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?7", err);
        if (!st) {
            json_decref(vals);
            goto rollback;
        }
        int i = 1;
        for (const coll_field *f = org_fields; f->name; f++, i++) {
            json_t *x = json_object_get(vals, f->name);
            if (x && json_is_string(x))
                sqlite3_bind_text(st, i, json_string_value(x), -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, i);
        }
        if (op != ORG_CREATE)
            sqlite3_bind_int64(st, 7, id);
        int s = sqlite3_step(st);
        db_stmt_done(st);
        json_decref(vals);
        if (s != SQLITE_DONE) {
            db_error(db, err, 422, "writing an organization");
            goto rollback;
        }
        if (op == ORG_CREATE)
            id = sqlite3_last_insert_rowid(db_sqlite(db));
        /* Facilities are found by their licensee's name too. */
        st = db_stmt(db, "UPDATE facility SET search_key = rm_fold(coalesce(name, '') || ' ' || coalesce(code, '') "
                         "|| ' ' || coalesce(address, '') || ' ' || coalesce(ward, '') || ' ' || "
                         "coalesce(legacy_district, '') || ' ' || coalesce(legacy_ward, '') || ' ' || "
                         "coalesce((SELECT o.name FROM organization o WHERE o.id = ?1), '')) "
                         "WHERE organization_id = ?1", err);
        if (!st)
            goto rollback;
        sqlite3_bind_int64(st, 1, id);
        s = sqlite3_step(st);
        db_stmt_done(st);
        if (s != SQLITE_DONE || render_org(db, id, &after, &version, NULL, err) <= 0)
            goto rollback;
    }
    static const char *const actions[] = {"create", "replace", "update", "delete"};
    if (audit_append(db, req->user_name, actions[op], "organizations", id, NULL, before.len ? before.data : NULL,
                     after.len ? after.data : NULL, err) < 0 ||
        db_exec(db, "COMMIT", err) < 0)
        goto rollback;
    if (op == ORG_DELETE) {
        req->no_etag = true;
        http_reply(req, 204, NULL);
    } else {
        buf_append(&req->out, after.data, after.len);
        char etag[32];
        snprintf(etag, sizeof etag, "\"v%lld\"", (long long)version);
        http_set_header(req, "ETag", etag);
        req->no_etag = true;
        if (op == ORG_CREATE) {
            buf loc = BUF_INIT;
            http_base_url(req, &loc);
            buf_appendf(&loc, "/organizations/%lld", (long long)id);
            http_set_header(req, "Location", loc.data);
            buf_free(&loc);
        }
        http_reply(req, op == ORG_CREATE ? 201 : 200, "application/json");
    }
    rc = 0;
    goto unlock;
rollback:
    db_exec(db, "ROLLBACK", NULL);
unlock:
    app_writer_unlock(app);
    json_decref(body);
    buf_free(&before);
    buf_free(&after);
    free(e);
    return rc;
}

int api_organization_create(http_request *req, rm_error *err) { return org_edit(req, ORG_CREATE, err); }
int api_organization_replace(http_request *req, rm_error *err) { return org_edit(req, ORG_REPLACE, err); }
int api_organization_patch(http_request *req, rm_error *err) { return org_edit(req, ORG_PATCH, err); }
int api_organization_delete(http_request *req, rm_error *err) { return org_edit(req, ORG_DELETE, err); }
