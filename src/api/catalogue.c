/*
 * catalogue: manufacturers and models of sealed sources, containers, radiography cameras and X-ray
 * devices with normalised keys (db/lifecycle.h lifecycle_norm_key), /catalogue; and serial numbers
 * used twice across spelling variants of the maker and the serial (/catalogue/duplicate-serials).
 * Adding a model links the register's sources and devices whose manufacturer and model match it by
 * key (catalogue_model_id).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/lifecycle_int.h"
#include "core/date.h"
#include "core/json.h"
#include "db/audit.h"
#include "db/lifecycle.h"

static const char *const model_kinds[] = {"sealed_source", "container", "radiography_camera", "gauge", "xray_device",
                                          "other", NULL};
static const coll_field cat_fields[] = {
    {"manufacturer", NULL, PROP_TEXT, true, 100, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"model", NULL, PROP_TEXT, true, 100, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"kind", NULL, PROP_TEXT, true, 30, 0, 0, model_kinds, NULL, NULL, RULE_NONE},
    {"nuclide", NULL, PROP_TEXT, false, 20, 0, 0, NULL, "SELECT nuclide FROM nuclide ORDER BY nuclide", NULL, RULE_NONE},
    {"country", NULL, PROP_TEXT, false, 60, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {NULL, NULL, 0, false, 0, 0, 0, NULL, NULL, NULL, RULE_NONE},
};

int api_catalogue(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    sqlite3_stmt *st = db_stmt(db, "SELECT json_group_array(json_object('id', m.id, 'name', m.name, 'name_key', "
        "m.name_key, 'country', m.country, 'models', (SELECT json_group_array(json_object('id', x.id, 'model', x.model, "
        "'model_key', x.model_key, 'kind', x.kind, 'nuclide', x.nuclide, 'sources', (SELECT count(*) FROM source s "
        "WHERE s.catalogue_model_id = x.id), 'devices', (SELECT count(*) FROM device d WHERE d.catalogue_model_id = "
        "x.id))) FROM catalogue_model x WHERE x.manufacturer_id = m.id))) FROM (SELECT * FROM catalogue_manufacturer "
        "ORDER BY name) m", err);
    if (!st)
        return -1;
    buf_puts(&req->out, "{\"manufacturers\":");
    buf_puts(&req->out, sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : "[]");
    buf_putc(&req->out, '}');
    db_stmt_done(st);
    http_reply(req, 200, "application/json");
    return 0;
}

/* Link every source and device whose manufacturer and model have the keys of model id. */
static int link_models(db_conn *db, int64_t model_id, const char *mkey, const char *modkey, int64_t *linked,
                       rm_error *err)
{
    static const char *const tables[] = {"source", "device"};
    for (int t = 0; t < 2; t++) {
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT id, manufacturer, model FROM %s WHERE catalogue_model_id IS NULL AND "
                 "manufacturer IS NOT NULL AND model IS NOT NULL", tables[t]);
        sqlite3_stmt *st = db_stmt(db, sql, err);
        if (!st)
            return -1;
        int64_t *ids = NULL;
        size_t n = 0, cap = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
            char a[128], b[128];
            lifecycle_norm_key((const char *)sqlite3_column_text(st, 1), true, a, sizeof a);
            lifecycle_norm_key((const char *)sqlite3_column_text(st, 2), false, b, sizeof b);
            if (strcmp(a, mkey) == 0 && strcmp(b, modkey) == 0) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 64;
                    int64_t *p = realloc(ids, cap * sizeof *ids);
                    if (!p)
                        break;
                    ids = p;
                }
                ids[n++] = sqlite3_column_int64(st, 0);
            }
        }
        db_stmt_done(st);
        snprintf(sql, sizeof sql, "UPDATE %s SET catalogue_model_id = ?1 WHERE id = ?2", tables[t]);
        for (size_t i = 0; i < n; i++) {
            st = db_stmt(db, sql, err);
            if (!st) {
                free(ids);
                return -1;
            }
            sqlite3_bind_int64(st, 1, model_id);
            sqlite3_bind_int64(st, 2, ids[i]);
            sqlite3_step(st);
            db_stmt_done(st);
        }
        *linked += (int64_t)n;
        free(ids);
    }
    return 0;
}

int api_catalogue_add(http_request *req, rm_error *err)
{
    json_t *b;
    if (lc_body(req, &b, err) < 0)
        return -1;
    int rc = -1;
    edit_errors *e = calloc(1, sizeof *e);
    db_conn *db = e ? lc_begin(req, err) : NULL;
    if (!db)
        goto done;
    lc_check_fields(db, cat_fields, b, NULL, date_today(), e);
    char mkey[128], modkey[128];
    lifecycle_norm_key(lc_str(b, "manufacturer"), true, mkey, sizeof mkey);
    lifecycle_norm_key(lc_str(b, "model"), false, modkey, sizeof modkey);
    if (lc_str(b, "manufacturer") && !mkey[0])
        add_error(e, "manufacturer", "holds no letters or digits");
    if (lc_str(b, "model") && !modkey[0])
        add_error(e, "model", "holds no letters or digits");
    if (e->n) {
        lc_end(req, db, false, NULL);
        rc = reply_invalid(req, e);
        goto done;
    }
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO catalogue_manufacturer(name, name_key, country) VALUES (?1, ?2, ?3) "
                                    "ON CONFLICT(name_key) DO NOTHING", err);
    if (!st)
        goto fail;
    sqlite3_bind_text(st, 1, lc_str(b, "manufacturer"), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, mkey, -1, SQLITE_TRANSIENT);
    if (lc_str(b, "country"))
        sqlite3_bind_text(st, 3, lc_str(b, "country"), -1, SQLITE_TRANSIENT);
    sqlite3_step(st);
    db_stmt_done(st);
    st = db_stmt(db, "INSERT INTO catalogue_model(manufacturer_id, model, model_key, kind, nuclide) SELECT id, ?2, ?3, ?4, "
                     "?5 FROM catalogue_manufacturer WHERE name_key = ?1", err);
    if (!st)
        goto fail;
    sqlite3_bind_text(st, 1, mkey, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, lc_str(b, "model"), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, modkey, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, lc_str(b, "kind"), -1, SQLITE_TRANSIENT);
    if (lc_str(b, "nuclide"))
        sqlite3_bind_text(st, 5, lc_str(b, "nuclide"), -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        rm_error_set(err, 409, "Conflict", "the catalogue already holds model %s of %s (same normalised names)",
                     lc_str(b, "model"), lc_str(b, "manufacturer"));
        goto fail;
    }
    int64_t id = sqlite3_last_insert_rowid(db_sqlite(db)), linked = 0;
    if (link_models(db, id, mkey, modkey, &linked, err) < 0)
        goto fail;
    char after[512];
    snprintf(after, sizeof after, "{\"id\":%lld,\"manufacturer_key\":\"%s\",\"model_key\":\"%s\",\"linked\":%lld}",
             (long long)id, mkey, modkey, (long long)linked);
    if (audit_append(db, req->user_name, "create", "catalogue", id, NULL, NULL, after, err) < 0)
        goto fail;
    if (lc_end(req, db, true, err) < 0)
        goto done;
    buf_puts(&req->out, after);
    req->no_etag = true;
    http_reply(req, 201, "application/json");
    rc = 0;
    goto done;
fail:
    lc_end(req, db, false, NULL);
done:
    json_decref(b);
    free(e);
    return rc;
}

typedef struct serial_row {
    char key[200];
    char table[8];
    int64_t id;
    char text[240];
} serial_row;

static int cmp_rows(const void *a, const void *b) { return strcmp(((const serial_row *)a)->key, ((const serial_row *)b)->key); }

int api_serial_duplicates(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    serial_row *rows = NULL;
    size_t n = 0, cap = 0;
    static const char *const sql[] = {
        "SELECT 'source', id, manufacturer, serial_no, model FROM source WHERE serial_no IS NOT NULL AND status NOT IN "
        "('transferred','disposed')",
        "SELECT 'device', id, manufacturer, serial_no, model FROM device WHERE serial_no IS NOT NULL AND status NOT IN "
        "('transferred','disposed')"};
    for (int t = 0; t < 2; t++) {
        sqlite3_stmt *st = db_stmt(db, sql[t], err);
        if (!st) {
            free(rows);
            return -1;
        }
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (n == cap) {
                cap = cap ? cap * 2 : 1024;
                serial_row *p = realloc(rows, cap * sizeof *rows);
                if (!p)
                    break;
                rows = p;
            }
            serial_row *r = &rows[n];
            char mk[96], sk[96];
            lifecycle_norm_key((const char *)sqlite3_column_text(st, 2), true, mk, sizeof mk);
            lifecycle_norm_key((const char *)sqlite3_column_text(st, 3), false, sk, sizeof sk);
            if (!sk[0])
                continue;
            snprintf(r->key, sizeof r->key, "%s|%s|%s", t ? "d" : "s", mk, sk);
            snprintf(r->table, sizeof r->table, "%s", (const char *)sqlite3_column_text(st, 0));
            r->id = sqlite3_column_int64(st, 1);
            snprintf(r->text, sizeof r->text, "%s / %s / %s",
                     sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : "",
                     sqlite3_column_text(st, 4) ? (const char *)sqlite3_column_text(st, 4) : "",
                     (const char *)sqlite3_column_text(st, 3));
            n++;
        }
        db_stmt_done(st);
    }
    if (n)
        qsort(rows, n, sizeof *rows, cmp_rows);
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_key(&w, "groups");
    json_arr_begin(&w);
    int groups = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && strcmp(rows[j].key, rows[i].key) == 0)
            j++;
        if (j - i > 1) {
            groups++;
            json_obj_begin(&w);
            json_kv_str(&w, "key", strchr(rows[i].key, '|') + 1);
            json_kv_str(&w, "collection", strcmp(rows[i].table, "source") == 0 ? "sources" : "devices");
            json_key(&w, "records");
            json_arr_begin(&w);
            for (size_t k = i; k < j; k++) {
                json_obj_begin(&w);
                json_kv_int(&w, "id", rows[k].id);
                json_kv_str(&w, "as_written", rows[k].text);
                json_obj_end(&w);
            }
            json_arr_end(&w);
            json_obj_end(&w);
        }
        i = j;
    }
    json_arr_end(&w);
    json_kv_int(&w, "groupCount", groups);
    json_obj_end(&w);
    free(rows);
    http_reply(req, 200, "application/json");
    return 0;
}
