/*
 * compliance_res: the engine of the plain JSON resources of compliance and people, driven by the
 * descriptors of compliance_defs.c; see compliance_int.h. Also the small helpers those modules
 * share (roles, bodies, the write transaction, tile changes, the read log).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/body.h"
#include "api/auth.h"
#include "api/compliance_int.h"
#include "api/readlog.h"
#include "api/state.h"
#include "core/date.h"
#include "core/params.h"
#include "db/audit.h"
#include "db/users.h"

/* ---- helpers ------------------------------------------------------------------------------------ */

bool cmp_may_see_persons(http_request *req)
{
    auth_resolve(req, NULL);
    if (!req->user_id)
        return false;
    return req->role == ROLE_LICENSING || req->role == ROLE_INSPECTOR || req->role == ROLE_LEADER ||
           req->role == ROLE_ADMIN;
}

bool cmp_is_admin(http_request *req)
{
    auth_resolve(req, NULL);
    return req->user_id && req->role == ROLE_ADMIN;
}

int64_t cmp_path_id(http_request *req, int i)
{
    if (i >= req->npath_params || !req->path_params[i])
        return 0;
    char *end;
    long long id = strtoll(req->path_params[i], &end, 10);
    return *end || id < 1 || id > (long long)9e15 ? 0 : id;
}

json_t *cmp_json_body(http_request *req, rm_error *err) { return api_json_body(req, true, err); }

db_conn *cmp_write_begin(http_request *req, rm_error *err)
{
    app_state *app = app_state_of(req);
    db_conn *db = app_writer_lock(app, err);
    if (!db)
        return NULL;
    if (db_exec(db, "BEGIN IMMEDIATE", err) < 0) {
        app_writer_unlock(app);
        return NULL;
    }
    return db;
}

int cmp_write_end(http_request *req, db_conn *db, bool commit, rm_error *err)
{
    int rc = 0;
    if (commit) {
        if (db_exec(db, "COMMIT", err) < 0) {
            db_exec(db, "ROLLBACK", NULL);
            rc = -1;
        }
    } else {
        db_exec(db, "ROLLBACK", NULL);
    }
    app_writer_unlock(app_state_of(req));
    return rc;
}

int cmp_tile_change(db_conn *db, const char *sql, int64_t id, rm_error *err)
{
    if (!sql)
        return 0;
    buf q = BUF_INIT;
    buf_appendf(&q, "INSERT INTO tile_change(layer, min_lon, min_lat, max_lon, max_lat) SELECT 'facilities', lon, "
                    "lat, lon, lat FROM facility WHERE id IN (%s)", sql);
    sqlite3_stmt *st = db_stmt(db, q.data, err);
    buf_free(&q);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    return s == SQLITE_DONE ? 0 : db_error(db, err, 500, "recording the change for the tile cache");
}

int cmp_tile_change_all(db_conn *db, rm_error *err)
{
    return db_exec(db, "INSERT INTO tile_change(layer, min_lon, min_lat, max_lon, max_lat) "
                       "VALUES ('facilities', -180, -90, 180, 90)", err);
}

int cmp_persons_read_check(http_request *req, rm_error *err)
{
    return readlog_check(app_reads(app_state_of(req)), req, err);
}

void cmp_persons_read_record(http_request *req, const int64_t *ids, size_t n)
{
    readlog_record(app_reads(app_state_of(req)), req, "persons", ids, n);
}

double cmp_setting(db_conn *db, const char *key, double def)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT value FROM compliance_setting WHERE key = ?", NULL);
    if (!st)
        return def;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    double v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_double(st, 0) : def;
    db_stmt_done(st);
    return v;
}

int cmp_query_date(http_request *req, const char *name, int32_t *day, rm_error *err)
{
    const char *s = http_query(req, name);
    if (!s)
        return 0;
    if (date_parse(s, day) < 0)
        return rm_error_set(err, 400, "Invalid parameter", "%s must be a date YYYY-MM-DD, got '%.40s'", name, s);
    return 0;
}

void cmp_html_escape(buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '&': buf_puts(b, "&amp;"); break;
        case '"': buf_puts(b, "&quot;"); break;
        case '\'': buf_puts(b, "&#39;"); break;
        default: buf_putc(b, *s);
        }
    }
}

void cres_mask_identity(const char *s, buf *out)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        buf_putc(out, i + 3 < n ? '*' : s[i]);
}

/* ---- rendering ---------------------------------------------------------------------------------- */

static const cres_field *find_field(const cres_def *def, const char *name)
{
    for (const cres_field *f = def->fields; f->f.name; f++)
        if (!(f->flags & CF_HIDDEN) && strcmp(f->f.name, name) == 0)
            return f;
    return NULL;
}

static bool is_readonly_name(const cres_def *def, const char *name)
{
    static const char *const always[] = {"id", "version", "created_at", "updated_at", NULL};
    for (const char *const *p = always; *p; p++)
        if (strcmp(*p, name) == 0)
            return true;
    if (def->parent_column && strcmp(def->parent_column, name) == 0)
        return true;
    for (const char *const *p = def->readonly; p && *p; p++)
        if (strcmp(*p, name) == 0)
            return true;
    return false;
}

void cres_select_list(const cres_def *def, const char *alias, buf *b)
{
    buf_appendf(b, "%s.id", alias);
    if (def->parent_column)
        buf_appendf(b, ", %s.%s", alias, def->parent_column);
    for (const cres_field *f = def->fields; f->f.name; f++)
        if (!(f->flags & CF_HIDDEN))
            buf_appendf(b, ", %s.%s", alias, f->f.column);
    for (const char *const *p = def->readonly; p && *p; p++)
        buf_appendf(b, ", %s.%s", alias, *p);
    buf_appendf(b, ", %s.version, %s.created_at, %s.updated_at", alias, alias, alias);
}

void cres_write_row(const cres_def *def, sqlite3_stmt *st, bool mask, json_writer *w)
{
    int col = 0;
    json_obj_begin(w);
    json_kv_int(w, "id", sqlite3_column_int64(st, col++));
    if (def->parent_column)
        json_kv_int(w, def->parent_column, sqlite3_column_int64(st, col++));
    for (const cres_field *f = def->fields; f->f.name; f++) {
        if (f->flags & CF_HIDDEN)
            continue;
        int c = col++;
        json_key(w, f->f.name);
        if (sqlite3_column_type(st, c) == SQLITE_NULL) {
            json_write_null(w);
            continue;
        }
        switch (f->f.type) {
        case PROP_INT: json_int(w, sqlite3_column_int64(st, c)); break;
        case PROP_REAL: json_num(w, sqlite3_column_double(st, c)); break;
        case PROP_BOOL: json_bool(w, sqlite3_column_int(st, c) != 0); break;
        default:
            if ((f->flags & CF_IDENTITY) && mask) {
                buf m = BUF_INIT;
                cres_mask_identity((const char *)sqlite3_column_text(st, c), &m);
                json_str(w, m.data ? m.data : "");
                buf_free(&m);
            } else {
                json_str(w, (const char *)sqlite3_column_text(st, c));
            }
        }
    }
    for (const char *const *p = def->readonly; p && *p; p++) {
        int c = col++;
        json_key(w, *p);
        if (sqlite3_column_type(st, c) == SQLITE_INTEGER)
            json_int(w, sqlite3_column_int64(st, c));
        else
            json_str(w, (const char *)sqlite3_column_text(st, c));
    }
    json_kv_int(w, "version", sqlite3_column_int64(st, col++));
    json_kv_str(w, "created_at", (const char *)sqlite3_column_text(st, col++));
    json_kv_str(w, "updated_at", (const char *)sqlite3_column_text(st, col++));
    json_obj_end(w);
}

/* Index of the version column in the select list. */
static int version_column(const cres_def *def)
{
    int col = 1 + (def->parent_column ? 1 : 0);
    for (const cres_field *f = def->fields; f->f.name; f++)
        if (!(f->flags & CF_HIDDEN))
            col++;
    for (const char *const *p = def->readonly; p && *p; p++)
        col++;
    return col;
}

int cres_render(db_conn *db, const cres_def *def, int64_t id, bool mask, json_writer *w, int64_t *version,
                rm_error *err)
{
    buf sql = BUF_INIT;
    buf_puts(&sql, "SELECT ");
    cres_select_list(def, "a", &sql);
    buf_appendf(&sql, " FROM %s a WHERE a.id = ?", def->table);
    sqlite3_stmt *st = db_stmt(db, sql.data, err);
    buf_free(&sql);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int s = sqlite3_step(st), rc = 0;
    if (s == SQLITE_ROW) {
        cres_write_row(def, st, mask, w);
        if (version)
            *version = sqlite3_column_int64(st, version_column(def));
        rc = 1;
    } else if (s != SQLITE_DONE) {
        rc = db_error(db, err, 500, "reading a record");
    }
    db_stmt_done(st);
    return rc;
}

int cres_render_buf(db_conn *db, const cres_def *def, int64_t id, bool mask, buf *out, int64_t *version,
                    rm_error *err)
{
    json_writer w;
    json_init(&w, out);
    return cres_render(db, def, id, mask, &w, version, err);
}

/* The JSON member name of a list: the resource name with '_' for '-'. */
static void list_key(const cres_def *def, char *out, size_t n)
{
    snprintf(out, n, "%s", def->name);
    for (char *p = out; *p; p++)
        if (*p == '-')
            *p = '_';
}

static int parent_exists(db_conn *db, const cres_def *def, int64_t parent, rm_error *err)
{
    if (!def->parent_sql)
        return 1;
    sqlite3_stmt *st = db_stmt(db, def->parent_sql, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, parent);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s == SQLITE_ROW)
        return 1;
    if (s == SQLITE_DONE)
        return 0;
    return db_error(db, err, 500, "reading the parent record");
}

/* ---- reads ---------------------------------------------------------------------------------------- */

int cres_list(http_request *req, const cres_def *def, rm_error *err)
{
    static const char *const allowed[] = {"limit", "offset", NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t limit, offset;
    if (params_parse_int("limit", http_query(req, "limit"), 1, 1000, 100, true, &limit, err) < 0 ||
        params_parse_int("offset", http_query(req, "offset"), 0, INT32_MAX, 0, false, &offset, err) < 0)
        return -1;
    int64_t parent = cmp_path_id(req, 0);
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    int ex = parent ? parent_exists(db, def, parent, err) : 0;
    if (ex < 0)
        return -1;
    if (!ex)
        return rm_error_set(err, 404, "Not Found", "no %s %.40s", def->parent_noun, req->path_params[0]);
    if (def->person_column && cmp_persons_read_check(req, err) < 0)
        return -1;
    buf sql = BUF_INIT;
    buf_puts(&sql, "SELECT ");
    cres_select_list(def, "a", &sql);
    buf_appendf(&sql, ", count(*) OVER ()%s%s FROM %s a WHERE a.%s = ?1 ORDER BY %s LIMIT ?2 OFFSET ?3",
                def->person_column ? ", a." : "", def->person_column ? def->person_column : "", def->table,
                def->parent_column, def->order_by);
    sqlite3_stmt *st = db_stmt(db, sql.data, err);
    buf_free(&sql);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, parent);
    sqlite3_bind_int64(st, 2, limit);
    sqlite3_bind_int64(st, 3, offset);
    int vcol = version_column(def);
    char key[64];
    if (def->list_name)
        snprintf(key, sizeof key, "%s", def->list_name);
    else
        list_key(def, key, sizeof key);
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_key(&w, key);
    json_arr_begin(&w);
    int64_t total = 0, n = 0, person = 0;
    int s;
    bool mask = !cmp_is_admin(req);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        cres_write_row(def, st, mask, &w);
        total = sqlite3_column_int64(st, vcol + 3);
        if (def->person_column)
            person = sqlite3_column_int64(st, vcol + 4);
        n++;
    }
    db_stmt_done(st);
    if (s != SQLITE_DONE)
        return db_error(db, err, 500, "listing records");
    json_arr_end(&w);
    json_kv_int(&w, "numberReturned", n);
    if (n || !offset)
        json_kv_int(&w, "numberMatched", n ? total : 0);
    json_obj_end(&w);
    if (def->person_column && n)
        cmp_persons_read_record(req, &person, 1);
    http_reply(req, 200, "application/json");
    return 0;
}

static int read_one(http_request *req, const cres_def *def, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t id = cmp_path_id(req, 0), version = 0;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    if (def->person_column && cmp_persons_read_check(req, err) < 0)
        return -1;
    int r = id ? cres_render_buf(db, def, id, false, &req->out, &version, err) : 0;
    if (r < 0)
        return -1;
    if (r == 0)
        return rm_error_set(err, 404, "Not Found", "no %s %.40s", def->noun, req->path_params[0]);
    if (def->person_column) {
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE id = ?", def->person_column, def->table);
        sqlite3_stmt *st = db_stmt(db, sql, err);
        if (st) {
            sqlite3_bind_int64(st, 1, id);
            int64_t p = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
            db_stmt_done(st);
            cmp_persons_read_record(req, &p, 1);
        }
    }
    snprintf(req->etag, sizeof req->etag, "\"v%lld\"", (long long)version);
    http_reply(req, 200, "application/json");
    return 0;
}

/* ---- writes ------------------------------------------------------------------------------------- */

typedef enum cres_op { OP_CREATE, OP_REPLACE, OP_PATCH, OP_DELETE } cres_op;

static void list_fields(const cres_def *def, buf *b)
{
    for (const cres_field *f = def->fields; f->f.name; f++)
        if (!(f->flags & CF_HIDDEN))
            buf_appendf(b, "%s%s", b->len ? ", " : "", f->f.name);
}

/* Apply the body's members to vals; unknown members and changes of fixed fields are errors. */
static void apply_body(const cres_def *def, json_t *body, json_t *vals, json_t *current, cres_op op, edit_errors *e)
{
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v) {
        const cres_field *f = find_field(def, k);
        if (!f) {
            if (is_readonly_name(def, k))
                continue; /* read-only: ignored, as a client may send back what it read */
            buf l = BUF_INIT;
            list_fields(def, &l);
            add_error(e, k, "is not a field of a %s; fields: %s", def->noun, l.data ? l.data : "");
            buf_free(&l);
            continue;
        }
        if ((f->flags & CF_FIXED) && op != OP_CREATE) {
            json_t *cur = current ? json_object_get(current, k) : NULL;
            if (!cur || !json_equal(cur, v))
                add_error(e, k, "cannot change once the %s is recorded", def->noun);
            continue;
        }
        json_object_set(vals, k, v);
    }
}

static void validate_vals(db_conn *db, const cres_def *def, json_t *vals, int32_t today, edit_errors *e)
{
    for (const cres_field *f = def->fields; f->f.name; f++) {
        if (f->flags & CF_HIDDEN)
            continue;
        json_t *x = json_object_get(vals, f->f.name);
        if (!x || json_is_null(x)) {
            if (f->f.required)
                add_error(e, f->f.name, "is required");
            continue;
        }
        if (f->f.type == PROP_BOOL) {
            if (!json_is_boolean(x))
                add_error(e, f->f.name, "must be true or false");
            continue;
        }
        int before = e->n;
        check_field(db, &f->f, x, today, e);
        if (e->n > before || !(f->flags & CF_DATE))
            continue;
        int32_t d;
        if (date_parse(json_string_value(x), &d) < 0)
            add_error(e, f->f.name, "must be a date YYYY-MM-DD");
        else if ((f->flags & CF_NOT_FUTURE) && d > today)
            add_error(e, f->f.name, "must not be in the future");
    }
}

static void bind_value(sqlite3_stmt *st, int i, const cres_field *f, json_t *x)
{
    if (!x || json_is_null(x)) {
        sqlite3_bind_null(st, i);
        return;
    }
    switch (f->f.type) {
    case PROP_INT:
        sqlite3_bind_int64(st, i, json_is_integer(x) ? json_integer_value(x) : (int64_t)json_number_value(x));
        break;
    case PROP_REAL: sqlite3_bind_double(st, i, json_number_value(x)); break;
    case PROP_BOOL: sqlite3_bind_int(st, i, json_is_true(x)); break;
    default: sqlite3_bind_text(st, i, json_string_value(x), -1, SQLITE_TRANSIENT);
    }
}

/* INSERT (id 0) or UPDATE the row from vals. The new id in *id. */
static int write_row(db_conn *db, const cres_def *def, json_t *vals, int64_t parent, int64_t *id, const char *user,
                     rm_error *err)
{
    buf sql = BUF_INIT;
    int n = 0;
    if (!*id) {
        buf cols = BUF_INIT, qs = BUF_INIT;
        if (def->parent_column) {
            buf_appendf(&cols, "%s", def->parent_column);
            buf_appendf(&qs, "?%d", ++n);
        }
        for (const cres_field *f = def->fields; f->f.name; f++) {
            buf_appendf(&cols, "%s%s", cols.len ? ", " : "", f->f.column);
            buf_appendf(&qs, "%s?%d", qs.len ? ", " : "", ++n);
        }
        buf_appendf(&sql, "INSERT INTO %s(%s, created_by) VALUES (%s, ?%d)", def->table, cols.data, qs.data, n + 1);
        buf_free(&cols);
        buf_free(&qs);
    } else {
        buf_appendf(&sql, "UPDATE %s SET ", def->table);
        for (const cres_field *f = def->fields; f->f.name; f++)
            buf_appendf(&sql, "%s = ?%d, ", f->f.column, ++n);
        buf_appendf(&sql, "version = version + 1, updated_at = strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ','now') "
                          "WHERE id = ?%d", n + 1);
    }
    sqlite3_stmt *st = db_stmt(db, sql.data, err);
    buf_free(&sql);
    if (!st)
        return -1;
    int i = 1;
    if (!*id && def->parent_column)
        sqlite3_bind_int64(st, i++, parent);
    for (const cres_field *f = def->fields; f->f.name; f++)
        bind_value(st, i++, f, json_object_get(vals, f->f.name));
    if (!*id)
        sqlite3_bind_text(st, i, user, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_int64(st, i, *id);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        int ext = sqlite3_extended_errcode(db_sqlite(db));
        if (ext == SQLITE_CONSTRAINT_UNIQUE)
            return rm_error_set(err, 409, "Conflict", "another %s with the same values exists: %s", def->noun,
                                sqlite3_errmsg(db_sqlite(db)));
        return db_error(db, err, 422, "writing the record");
    }
    if (!*id)
        *id = sqlite3_last_insert_rowid(db_sqlite(db));
    return 0;
}

static int edit(http_request *req, const cres_def *def, cres_op op, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t id = 0, parent = 0, want = 0;
    bool check_version = false;
    if (op == OP_CREATE) {
        if (def->parent_column) {
            parent = cmp_path_id(req, 0);
            if (!parent)
                return rm_error_set(err, 404, "Not Found", "no %s %.40s", def->parent_noun, req->path_params[0]);
        }
    } else {
        id = cmp_path_id(req, 0);
        if (!id)
            return rm_error_set(err, 404, "Not Found", "no %s %.40s", def->noun, req->path_params[0]);
        int m = if_match_version(req, &want);
        if (m == -1)
            return rm_error_set(err, 428, "Precondition Required", "send If-Match with the %s's ETag", def->noun);
        if (m == -2)
            return rm_error_set(err, 412, "Precondition Failed", "If-Match does not hold an ETag of this resource");
        check_version = m == 1;
    }
    json_t *body = NULL, *vals = NULL, *current = NULL, *after_j = NULL;
    if (op != OP_DELETE && !(body = cmp_json_body(req, err)))
        return -1;
    int rc = -1;
    buf before = BUF_INIT, after = BUF_INIT;
    edit_errors *e = calloc(1, sizeof *e);
    db_conn *db = NULL;
    if (!e) {
        rm_error_set(err, 500, "Out of memory", "writing a %s", def->noun);
        goto cleanup;
    }
    if (!(db = cmp_write_begin(req, err)))
        goto cleanup;
    int64_t version = 0;
    if (op == OP_CREATE) {
        int ex = parent ? parent_exists(db, def, parent, err) : 1;
        if (ex <= 0) {
            if (!ex)
                rm_error_set(err, 404, "Not Found", "no %s %lld", def->parent_noun, (long long)parent);
            goto rollback;
        }
    } else {
        int r = cres_render_buf(db, def, id, false, &before, &version, err);
        if (r <= 0) {
            if (!r)
                rm_error_set(err, 404, "Not Found", "no %s %lld", def->noun, (long long)id);
            goto rollback;
        }
        if (check_version && want != version) {
            rm_error_set(err, 412, "Precondition Failed", "the %s was changed since you read it (now version %lld)",
                         def->noun, (long long)version);
            goto rollback;
        }
        current = json_loads(before.data, 0, NULL);
        if (def->parent_column)
            parent = json_integer_value(json_object_get(current, def->parent_column));
        if (cmp_tile_change(db, def->facilities_sql, id, err) < 0)
            goto rollback;
    }
    int32_t today = date_today();
    if (op == OP_DELETE) {
        if (def->before_delete && def->before_delete(db, id, err) < 0)
            goto rollback;
        char sql[128];
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE id = ?", def->table);
        sqlite3_stmt *st = db_stmt(db, sql, err);
        if (!st)
            goto rollback;
        sqlite3_bind_int64(st, 1, id);
        int s = sqlite3_step(st);
        db_stmt_done(st);
        if (s != SQLITE_DONE) {
            if ((sqlite3_extended_errcode(db_sqlite(db)) & 0xff) == SQLITE_CONSTRAINT)
                rm_error_set(err, 409, "Conflict", "%s %lld is still referenced by other records", def->noun,
                             (long long)id);
            else
                db_error(db, err, 500, "deleting the record");
            goto rollback;
        }
    } else {
        vals = op == OP_PATCH ? json_deep_copy(current) : json_object();
        if (op == OP_REPLACE)
            for (const cres_field *f = def->fields; f->f.name; f++)
                if ((f->flags & CF_FIXED) && !(f->flags & CF_HIDDEN) && json_object_get(current, f->f.name))
                    json_object_set(vals, f->f.name, json_object_get(current, f->f.name));
        apply_body(def, body, vals, current, op, e);
        validate_vals(db, def, vals, today, e);
        if (!e->n && def->complete && def->complete(db, def, vals, parent, id, today, e, err) < 0)
            goto rollback;
        if (e->n) {
            cmp_write_end(req, db, false, NULL);
            db = NULL;
            rc = reply_invalid(req, e);
            goto cleanup;
        }
        if (write_row(db, def, vals, parent, &id, req->user_name, err) < 0)
            goto rollback;
        if (cres_render_buf(db, def, id, false, &after, &version, err) <= 0)
            goto rollback;
        after_j = json_loads(after.data, 0, NULL);
        if (def->after_write && def->after_write(db, id, current, after_j, req->user_name, err) < 0)
            goto rollback;
        if (cmp_tile_change(db, def->facilities_sql, id, err) < 0)
            goto rollback;
    }
    static const char *const actions[] = {"create", "replace", "update", "delete"};
    char coll[64];
    list_key(def, coll, sizeof coll);
    if (audit_append(db, req->user_name, actions[op], coll, id, NULL, before.len ? before.data : NULL,
                     after.len ? after.data : NULL, err) < 0)
        goto rollback;
    if (cmp_write_end(req, db, true, err) < 0) {
        db = NULL;
        goto cleanup;
    }
    db = NULL;
    if (op == OP_DELETE) {
        req->no_etag = true;
        http_reply(req, 204, NULL);
    } else {
        buf_append(&req->out, after.data, after.len);
        char etag[32];
        snprintf(etag, sizeof etag, "\"v%lld\"", (long long)version);
        http_set_header(req, "ETag", etag);
        req->no_etag = true;
        if (op == OP_CREATE) {
            buf loc = BUF_INIT;
            http_base_url(req, &loc);
            buf_appendf(&loc, "/%s/%lld", def->name, (long long)id);
            http_set_header(req, "Location", loc.data);
            buf_free(&loc);
        }
        http_reply(req, op == OP_CREATE ? 201 : 200, "application/json");
    }
    rc = 0;
    goto cleanup;
rollback:
    if (db)
        cmp_write_end(req, db, false, NULL);
    db = NULL;
cleanup:
    json_decref(body);
    json_decref(vals);
    json_decref(current);
    json_decref(after_j);
    buf_free(&before);
    buf_free(&after);
    free(e);
    return rc;
}

int cres_create(http_request *req, const cres_def *def, rm_error *err) { return edit(req, def, OP_CREATE, err); }

int cres_one(http_request *req, const cres_def *def, rm_error *err)
{
    switch (req->method) {
    case HTTP_PUT: return edit(req, def, OP_REPLACE, err);
    case HTTP_PATCH: return edit(req, def, OP_PATCH, err);
    case HTTP_DELETE: return edit(req, def, OP_DELETE, err);
    default: return read_one(req, def, err);
    }
}

int cres_collection(http_request *req, const cres_def *def, rm_error *err)
{
    return req->method == HTTP_POST ? cres_create(req, def, err) : cres_list(req, def, err);
}
