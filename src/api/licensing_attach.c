/*
 * licensing_attach: a dossier's attachments (GET and POST /dossiers/{id}/attachments, GET
 * /dossiers/{id}/attachments/{aid}). They hold personal data (health checks, identity papers), so
 * only the counter, licensing and leader roles reach them, and every download is written to
 * read_log before its bytes are sent.
 *
 * An upload is the file itself as the request body (no multipart wrapping, so the server's 10 MB
 * body limit admits a file of up to 10 MB): PDF, JPEG or PNG, recognised from its first bytes,
 * never from its name or declared type; a declared type or a file name extension that disagrees
 * with the bytes is refused as a forgery (415). Stored in the database with its SHA-256, in one
 * transaction with its audit row (metadata only); a refused upload writes nothing. Downloads are
 * served as Content-Disposition: attachment with the type found at upload, never rendered inline.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/licensing_int.h"
#include "db/audit.h"

#define ATTACH_MAX_BYTES (10u << 20)

/* The type of a file from its first bytes: "application/pdf", "image/jpeg", "image/png" or NULL. */
static const char *sniff(const unsigned char *p, size_t n)
{
    if (n >= 8 && memcmp(p, "%PDF-", 5) == 0 && (p[5] == '1' || p[5] == '2') && p[6] == '.')
        return "application/pdf";
    if (n >= 4 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF && p[3] >= 0xC0)
        return "image/jpeg";
    if (n >= 16 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(p + 12, "IHDR", 4) == 0)
        return "image/png";
    return NULL;
}

/* Does a file name's extension fit the type (no extension fits anything)? */
static bool extension_fits(const char *name, const char *type)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return true;
    if (strcmp(type, "application/pdf") == 0)
        return strcasecmp(dot, ".pdf") == 0;
    if (strcmp(type, "image/jpeg") == 0)
        return strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0;
    return strcasecmp(dot, ".png") == 0;
}

/* A file name safe to store and to put in a header: no path, no control characters or quotes. */
static void clean_name(const char *in, char *out, size_t n)
{
    const char *base = in;
    for (const char *p = in; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t k = 0;
    for (const char *p = base; *p && k + 1 < n; p++)
        if ((unsigned char)*p >= 0x20 && *p != '"' && *p != 0x7f)
            out[k++] = *p;
    out[k] = 0;
    if (!k)
        snprintf(out, n, "attachment");
}

static int dossier_exists(db_conn *db, int64_t id, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM dossier WHERE id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int found = sqlite3_step(st) == SQLITE_ROW;
    db_stmt_done(st);
    return found;
}

static void write_meta(json_writer *w, sqlite3_stmt *st)
{
    json_obj_begin(w);
    json_kv_int(w, "id", sqlite3_column_int64(st, 0));
    json_kv_int(w, "dossier_id", sqlite3_column_int64(st, 1));
    json_kv_str(w, "file_name", (const char *)sqlite3_column_text(st, 2));
    json_kv_str(w, "media_type", (const char *)sqlite3_column_text(st, 3));
    json_kv_int(w, "size_bytes", sqlite3_column_int64(st, 4));
    json_kv_str(w, "sha256", (const char *)sqlite3_column_text(st, 5));
    json_kv_str(w, "note", (const char *)sqlite3_column_text(st, 6));
    json_kv_str(w, "uploaded_by", (const char *)sqlite3_column_text(st, 7));
    json_kv_str(w, "uploaded_at", (const char *)sqlite3_column_text(st, 8));
    json_obj_end(w);
}

#define META "id, dossier_id, file_name, media_type, size_bytes, sha256, note, uploaded_by, uploaded_at"

int api_dossier_attachments(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t id = lic_path_id(req, 0);
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    int found = id ? dossier_exists(db, id, err) : 0;
    if (found < 0)
        return -1;
    if (!found)
        return rm_error_set(err, 404, "Not Found", "no dossier %.40s", req->path_params[0]);
    sqlite3_stmt *st = db_stmt(db, "SELECT " META " FROM dossier_attachment WHERE dossier_id = ? ORDER BY id", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_int(&w, "dossier_id", id);
    json_key(&w, "attachments");
    json_arr_begin(&w);
    while (sqlite3_step(st) == SQLITE_ROW)
        write_meta(&w, st);
    db_stmt_done(st);
    json_arr_end(&w);
    json_obj_end(&w);
    req->no_etag = true;
    req->cache_control = "no-store";
    http_reply(req, 200, "application/json");
    return 0;
}

int api_dossier_attachment_add(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"name", "note", NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t id = lic_path_id(req, 0);
    if (!id)
        return rm_error_set(err, 404, "Not Found", "no dossier %.40s", req->path_params[0]);
    if (req->body.len == 0)
        return rm_error_set(err, 400, "Empty body", "send the file itself as the body (PDF, JPEG or PNG)");
    if (req->body.len > ATTACH_MAX_BYTES)
        return rm_error_set(err, 413, "Payload Too Large", "an attachment may hold at most %u bytes (10 MB); this one "
                            "has %zu", ATTACH_MAX_BYTES, req->body.len);
    const char *type = sniff((const unsigned char *)req->body.data, req->body.len);
    if (!type)
        return rm_error_set(err, 415, "Unsupported Media Type", "the file is not a PDF, JPEG or PNG (checked from its "
                            "first bytes, not from its name)");
    const char *ct = http_header(req, "Content-Type");
    if (ct && strncasecmp(ct, "application/octet-stream", 24) != 0) {
        size_t n = strcspn(ct, "; ");
        if (strlen(type) != n || strncasecmp(ct, type, n) != 0)
            return rm_error_set(err, 415, "Unsupported Media Type", "Content-Type says %.*s but the bytes are %s",
                                (int)(n > 60 ? 60 : n), ct, type);
    }
    char name[201];
    const char *given = http_query(req, "name");
    clean_name(given ? given : "", name, sizeof name);
    if (!extension_fits(name, type))
        return rm_error_set(err, 415, "Unsupported Media Type", "the name %s does not fit the file's bytes, which are "
                            "%s", name, type);
    const char *note = http_query(req, "note");
    if (note && strlen(note) > 1000)
        return rm_error_set(err, 400, "Invalid parameter", "note is longer than 1000 bytes");
    unsigned char hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(hash, (const unsigned char *)req->body.data, req->body.len);
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);

    db_conn *db = lic_write_begin(req, err);
    if (!db)
        return -1;
    buf meta = BUF_INIT;
    int found = dossier_exists(db, id, err);
    if (found <= 0) {
        if (!found)
            rm_error_set(err, 404, "Not Found", "no dossier %lld", (long long)id);
        goto rollback;
    }
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO dossier_attachment(dossier_id, file_name, media_type, size_bytes, sha256, "
                                    "content, note, uploaded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", err);
    if (!st)
        goto rollback;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (int64_t)req->body.len);
    sqlite3_bind_text(st, 5, hex, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob64(st, 6, req->body.data, req->body.len, SQLITE_STATIC);
    note ? sqlite3_bind_text(st, 7, note, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 7);
    sqlite3_bind_text(st, 8, req->user_name, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 500, "storing the attachment");
        goto rollback;
    }
    int64_t aid = sqlite3_last_insert_rowid(db_sqlite(db));
    st = db_stmt(db, "SELECT " META " FROM dossier_attachment WHERE id = ?", err);
    if (!st)
        goto rollback;
    sqlite3_bind_int64(st, 1, aid);
    if (sqlite3_step(st) == SQLITE_ROW) {
        json_writer w;
        json_init(&w, &meta);
        write_meta(&w, st);
    }
    db_stmt_done(st);
    if (audit_append(db, req->user_name, "attach", "dossiers", id, NULL, NULL, meta.data, err) < 0)
        goto rollback;
    if (lic_write_end(req, db, true, err) < 0) {
        buf_free(&meta);
        return -1;
    }
    buf_append(&req->out, meta.data, meta.len);
    buf_free(&meta);
    buf loc = BUF_INIT;
    http_base_url(req, &loc);
    buf_appendf(&loc, "/dossiers/%lld/attachments/%lld", (long long)id, (long long)aid);
    http_set_header(req, "Location", loc.data);
    buf_free(&loc);
    req->no_etag = true;
    http_reply(req, 201, "application/json");
    return 0;
rollback:
    lic_write_end(req, db, false, NULL);
    buf_free(&meta);
    return -1;
}

int api_dossier_attachment(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t id = lic_path_id(req, 0), aid = lic_path_id(req, 1);
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    sqlite3_stmt *st = db_stmt(db, "SELECT file_name, media_type, content FROM dossier_attachment WHERE id = ? AND "
                                    "dossier_id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, aid);
    sqlite3_bind_int64(st, 2, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        db_stmt_done(st);
        return rm_error_set(err, 404, "Not Found", "dossier %.40s has no attachment %.40s", req->path_params[0],
                            req->path_params[1]);
    }
    char name[201], type[32];
    snprintf(name, sizeof name, "%s", (const char *)sqlite3_column_text(st, 0));
    snprintf(type, sizeof type, "%s", (const char *)sqlite3_column_text(st, 1));
    buf_append(&req->out, sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2));
    db_stmt_done(st);
    /* The download is logged before any byte leaves: no log, no file. */
    db_conn *w = lic_write_begin(req, err);
    if (!w) {
        buf_reset(&req->out);
        return -1;
    }
    char ids[64];
    snprintf(ids, sizeof ids, "%lld/%lld", (long long)id, (long long)aid);
    st = db_stmt(w, "INSERT INTO read_log(user_name, route, collection, ids, row_count) VALUES (?, ?, 'attachments', ?, 1)",
                 err);
    int s = SQLITE_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, req->user_name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, req->path, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, ids, -1, SQLITE_TRANSIENT);
        s = sqlite3_step(st);
        db_stmt_done(st);
    }
    if (s != SQLITE_DONE) {
        if (st)
            db_error(w, err, 500, "logging the download");
        lic_write_end(req, w, false, NULL);
        buf_reset(&req->out);
        return -1;
    }
    if (lic_write_end(req, w, true, err) < 0) {
        buf_reset(&req->out);
        return -1;
    }
    /* filename= in ASCII for old clients, filename*= in UTF-8 for the real name (RFC 6266). */
    buf cd = BUF_INIT;
    buf_puts(&cd, "attachment; filename=\"");
    for (const char *p = name; *p; p++)
        buf_putc(&cd, (unsigned char)*p < 0x80 && *p != '\\' ? *p : '_');
    buf_puts(&cd, "\"; filename*=UTF-8''");
    http_url_encode(&cd, name);
    http_set_header(req, "Content-Disposition", cd.data);
    buf_free(&cd);
    http_set_header(req, "Content-Security-Policy", "default-src 'none'; sandbox");
    req->no_etag = true;
    req->no_compress = true;
    req->cache_control = "no-store";
    http_reply(req, 200, strcmp(type, "application/pdf") == 0 ? "application/pdf"
                         : strcmp(type, "image/png") == 0    ? "image/png"
                                                             : "image/jpeg");
    return 0;
}
