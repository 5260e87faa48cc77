/*
 * crs_store: CRS settings in the database and their installation; see crs_store.h.
 */
#include "api/crs_store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "db/audit.h"

static pthread_mutex_t sync_mu = PTHREAD_MUTEX_INITIALIZER;
static bool installed;          /* under sync_mu: something was installed from a database */
static char installed_version[64];

/* meta 'crs_version' ("" when absent) into out. */
static void read_version(db_conn *db, char out[64])
{
    out[0] = 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT value FROM meta WHERE key = 'crs_version'", NULL);
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, 64, "%s", (const char *)sqlite3_column_text(st, 0));
    db_stmt_done(st);
}

void crs_store_transformation(db_conn *db, char *out, size_t cap)
{
    out[0] = 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT value FROM meta WHERE key = 'crs_transformation'", NULL);
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    db_stmt_done(st);
}

static bool has_zone_table(db_conn *db)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'crs_zone'", NULL);
    bool has = st && sqlite3_step(st) == SQLITE_ROW;
    db_stmt_done(st);
    return has;
}

/* Load and install; the caller holds sync_mu. version is what meta said before the reads. */
static int load_locked(db_conn *db, const char *version, rm_error *err)
{
    crs_zone_def *zones = NULL;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;
    char spec[1024];
    crs_store_transformation(db, spec, sizeof spec);
    if (has_zone_table(db)) {
        sqlite3_stmt *st = db_stmt(db, "SELECT id, meridian_minutes, name FROM crs_zone ORDER BY id", err);
        if (!st)
            goto done;
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (n == cap) {
                cap = cap ? 2 * cap : 8;
                crs_zone_def *z = realloc(zones, cap * sizeof *zones);
                char **nm = realloc(names, cap * sizeof *names);
                if (z)
                    zones = z;
                if (nm)
                    names = nm;
                if (!z || !nm) {
                    db_stmt_done(st);
                    rm_error_set(err, 500, "Out of memory", "reading the coordinate systems");
                    goto done;
                }
            }
            const char *name = (const char *)sqlite3_column_text(st, 2);
            names[n] = strdup(name ? name : "");
            zones[n].id = sqlite3_column_int64(st, 0);
            zones[n].minutes = sqlite3_column_int(st, 1);
            zones[n].name = names[n];
            n++;
        }
        db_stmt_done(st);
    }
    if (crs_configure(zones, n, spec, err) < 0)
        goto done;
    installed = true;
    snprintf(installed_version, sizeof installed_version, "%s", version);
    rc = 0;
done:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(zones);
    return rc;
}

int crs_store_load(db_conn *db, rm_error *err)
{
    char v[64];
    read_version(db, v);
    pthread_mutex_lock(&sync_mu);
    int rc = load_locked(db, v, err);
    pthread_mutex_unlock(&sync_mu);
    return rc;
}

int crs_store_sync(db_conn *db, rm_error *err)
{
    char v[64];
    read_version(db, v);
    pthread_mutex_lock(&sync_mu);
    int rc = installed && strcmp(v, installed_version) == 0 ? 0 : load_locked(db, v, err);
    pthread_mutex_unlock(&sync_mu);
    return rc;
}

int crs_store_load_path(const char *path, rm_error *err)
{
    db_conn *db = NULL;
    if (db_open(path, DB_READONLY, &db, err) < 0)
        return -1;
    int rc = crs_store_load(db, err);
    db_close(db);
    return rc;
}

/* ---- writes ------------------------------------------------------------------------------------- */

static int finish(db_conn *db, int rc, rm_error *err)
{
    if (rc == 0 && db_exec(db, "COMMIT", err) < 0)
        rc = -1;
    if (rc < 0)
        db_exec(db, "ROLLBACK", NULL);
    return rc;
}

/* A zone's JSON for the audit trail. */
static void zone_json(buf *b, int64_t id, int minutes, const char *name)
{
    json_writer w;
    char dm[16];
    crs_format_meridian(minutes, dm, sizeof dm);
    json_init(&w, b);
    json_obj_begin(&w);
    json_kv_int(&w, "id", id);
    json_kv_str(&w, "central_meridian", dm);
    json_kv_num(&w, "central_meridian_deg", minutes / 60.0);
    json_kv_str(&w, "name", name);
    json_obj_end(&w);
}

int crs_store_add_zone(db_conn *db, int minutes, const char *name, const char *who, int64_t *id, rm_error *err)
{
    char dm[16];
    crs_format_meridian(minutes, dm, sizeof dm);
    if (minutes < CRS_ZONE_MIN_LON * 60 || minutes > CRS_ZONE_MAX_LON * 60)
        return rm_error_set(err, 422, "Invalid zone", "central meridian %s is outside %g..%g degrees east", dm,
                            CRS_ZONE_MIN_LON, CRS_ZONE_MAX_LON);
    size_t chars = 0;
    for (const char *p = name ? name : ""; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return rm_error_set(err, 422, "Invalid zone", "name must not contain control characters");
        chars += ((unsigned char)*p & 0xC0) != 0x80;
    }
    if (chars < 1 || chars > 100)
        return rm_error_set(err, 422, "Invalid zone", "name must have 1 to 100 characters");
    const crs_info *epsg = crs_find_tm3_builtin(minutes);
    if (epsg)
        return rm_error_set(err, 409, "Zone exists", "central meridian %s is EPSG's %s (%s), supported already: give "
                            "crs=%s or %s rather than defining a duplicate", dm, epsg->label, epsg->title,
                            epsg->label, epsg->uri);
    if (db_exec(db, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    int rc = -1;
    sqlite3_stmt *st = db_stmt(db, "SELECT id, name FROM crs_zone WHERE meridian_minutes = ?", err);
    if (!st)
        return finish(db, -1, err);
    sqlite3_bind_int(st, 1, minutes);
    if (sqlite3_step(st) == SQLITE_ROW) {
        rm_error_set(err, 409, "Zone exists", "zone %lld '%s' already has central meridian %s (%s%s)",
                     (long long)sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1), dm,
                     "RADMAP:VN2000-TM3-", dm);
        db_stmt_done(st);
        return finish(db, -1, err);
    }
    db_stmt_done(st);
    st = db_stmt(db, "INSERT INTO crs_zone(meridian_minutes, name, created_by) VALUES (?, ?, ?)", err);
    if (!st)
        return finish(db, -1, err);
    sqlite3_bind_int(st, 1, minutes);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, who, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 500, "adding the zone");
        return finish(db, -1, err);
    }
    *id = sqlite3_last_insert_rowid(db_sqlite(db));
    buf after = BUF_INIT;
    zone_json(&after, *id, minutes, name);
    rc = audit_append(db, who, "create", "crs_zones", *id, NULL, NULL, after.data, err);
    buf_free(&after);
    return finish(db, rc, err);
}

int crs_store_remove_zone(db_conn *db, int64_t id, const char *who, rm_error *err)
{
    if (db_exec(db, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    sqlite3_stmt *st = db_stmt(db, "SELECT meridian_minutes, name FROM crs_zone WHERE id = ?", err);
    if (!st)
        return finish(db, -1, err);
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        db_stmt_done(st);
        rm_error_set(err, 404, "No such zone", "there is no zone %lld; list them with GET /crs or radmap crs list",
                     (long long)id);
        return finish(db, -1, err);
    }
    buf before = BUF_INIT;
    zone_json(&before, id, sqlite3_column_int(st, 0), (const char *)sqlite3_column_text(st, 1));
    db_stmt_done(st);
    st = db_stmt(db, "DELETE FROM crs_zone WHERE id = ?", err);
    int rc = -1;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        int s = sqlite3_step(st);
        db_stmt_done(st);
        rc = s == SQLITE_DONE ? 0 : db_error(db, err, 500, "removing the zone");
    }
    if (rc == 0)
        rc = audit_append(db, who, "delete", "crs_zones", id, NULL, before.data, NULL, err);
    buf_free(&before);
    return finish(db, rc, err);
}

int crs_store_set_transformation(db_conn *db, const char *spec, const char *who, char *canon, size_t canon_cap,
                                 rm_error *err)
{
    bool reset = !spec || !*spec;
    char desc[200];
    if (crs_transformation_check(reset ? CRS_DEFAULT_TRANSFORMATION : spec, canon, canon_cap, desc, sizeof desc,
                                 err) < 0)
        return -1;
    if (db_exec(db, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    char old[1024];
    crs_store_transformation(db, old, sizeof old);
    /* The default is stored as its absence, so that a later change of the default reaches it. */
    sqlite3_stmt *st = reset ? db_stmt(db, "DELETE FROM meta WHERE key = 'crs_transformation'", err)
                             : db_stmt(db, "INSERT OR REPLACE INTO meta(key, value) VALUES ('crs_transformation', ?)",
                                       err);
    if (!st)
        return finish(db, -1, err);
    if (!reset)
        sqlite3_bind_text(st, 1, canon, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 500, "storing the transformation");
        return finish(db, -1, err);
    }
    buf before = BUF_INIT, after = BUF_INIT;
    json_writer w;
    json_init(&w, &before);
    json_obj_begin(&w);
    json_kv_str(&w, "crs_transformation", old[0] ? old : CRS_DEFAULT_TRANSFORMATION);
    json_obj_end(&w);
    json_init(&w, &after);
    json_obj_begin(&w);
    json_kv_str(&w, "crs_transformation", canon);
    json_kv_str(&w, "description", desc);
    json_obj_end(&w);
    int rc = audit_append(db, who, "update", "settings", 0, NULL, before.data, after.data, err);
    buf_free(&before);
    buf_free(&after);
    return finish(db, rc, err);
}
