/*
 * mbtiles: MBTiles 1.3 writer and reader; see mbtiles.h.
 */
#include "io/mbtiles.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct mbtiles {
    sqlite3 *db;
    sqlite3_stmt *put, *get, *meta;
    bool writing;
};

static int fail(mbtiles *m, rm_error *err, const char *what)
{
    return rm_error_set(err, 500, "MBTiles error", "%s: %s", what, m && m->db ? sqlite3_errmsg(m->db) : "no database");
}

mbtiles *mbtiles_create(const char *path, rm_error *err)
{
    unlink(path);
    mbtiles *m = calloc(1, sizeof *m);
    if (!m)
        abort();
    m->writing = true;
    if (sqlite3_open_v2(path, &m->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        rm_error_set(err, 500, "Cannot write", "cannot create %s: %s", path, m->db ? sqlite3_errmsg(m->db) : "");
        sqlite3_close(m->db);
        free(m);
        return NULL;
    }
    /* A new file being filled: if this fails the file is thrown away, so no journal is needed. */
    const char *schema = "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=4096;"
                         "PRAGMA application_id=0x4d504258;" /* "MPBX", the MBTiles application id */
                         "CREATE TABLE metadata (name TEXT, value TEXT);"
                         "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);"
                         "BEGIN;";
    char *msg = NULL;
    if (sqlite3_exec(m->db, schema, NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_prepare_v2(m->db, "INSERT INTO tiles VALUES (?, ?, ?, ?)", -1, &m->put, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(m->db, "INSERT INTO metadata VALUES (?, ?)", -1, &m->meta, NULL) != SQLITE_OK) {
        rm_error_set(err, 500, "Cannot write", "cannot create %s: %s", path, msg ? msg : sqlite3_errmsg(m->db));
        sqlite3_free(msg);
        mbtiles_close(m, NULL);
        unlink(path);
        return NULL;
    }
    return m;
}

int mbtiles_put(mbtiles *m, int z, uint32_t x, uint32_t y, const void *data, size_t len, rm_error *err)
{
    uint32_t tms = ((uint32_t)1 << z) - 1 - y;
    sqlite3_bind_int(m->put, 1, z);
    sqlite3_bind_int64(m->put, 2, x);
    sqlite3_bind_int64(m->put, 3, tms);
    sqlite3_bind_blob(m->put, 4, data, (int)len, SQLITE_STATIC);
    int s = sqlite3_step(m->put);
    sqlite3_reset(m->put);
    return s == SQLITE_DONE ? 0 : fail(m, err, "writing a tile");
}

int mbtiles_set_meta(mbtiles *m, const char *name, const char *value, rm_error *err)
{
    sqlite3_bind_text(m->meta, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(m->meta, 2, value, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(m->meta);
    sqlite3_reset(m->meta);
    return s == SQLITE_DONE ? 0 : fail(m, err, "writing metadata");
}

mbtiles *mbtiles_open(const char *path, rm_error *err)
{
    mbtiles *m = calloc(1, sizeof *m);
    if (!m)
        abort();
    /* Shared by the server's threads: SQLite serialises its use (FULLMUTEX). */
    if (sqlite3_open_v2(path, &m->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
        rm_error_set(err, 404, "Not Found", "cannot open the tile set %s", path);
        sqlite3_close(m->db);
        free(m);
        return NULL;
    }
    if (sqlite3_prepare_v2(m->db, "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                           -1, &m->get, NULL) != SQLITE_OK) {
        rm_error_set(err, 500, "Not a tile set", "%s is not an MBTiles file (no tiles table)", path);
        mbtiles_close(m, NULL);
        return NULL;
    }
    sqlite3_prepare_v2(m->db, "SELECT value FROM metadata WHERE name = ?", -1, &m->meta, NULL);
    return m;
}

int mbtiles_get(mbtiles *m, int z, uint32_t x, uint32_t y, buf *out, bool *gzipped, rm_error *err)
{
    if (z < 0 || z > 30 || x >= ((uint32_t)1 << z) || y >= ((uint32_t)1 << z))
        return 0;
    uint32_t tms = ((uint32_t)1 << z) - 1 - y;
    sqlite3_mutex_enter(sqlite3_db_mutex(m->db));
    sqlite3_bind_int(m->get, 1, z);
    sqlite3_bind_int64(m->get, 2, x);
    sqlite3_bind_int64(m->get, 3, tms);
    int s = sqlite3_step(m->get), rc = 0;
    if (s == SQLITE_ROW) {
        const unsigned char *p = sqlite3_column_blob(m->get, 0);
        size_t n = (size_t)sqlite3_column_bytes(m->get, 0);
        if (p && n)
            buf_append(out, p, n);
        *gzipped = n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
        rc = 1;
    } else if (s != SQLITE_DONE) {
        rc = fail(m, err, "reading a tile");
    }
    sqlite3_reset(m->get);
    sqlite3_mutex_leave(sqlite3_db_mutex(m->db));
    return rc;
}

char *mbtiles_meta(mbtiles *m, const char *name)
{
    if (!m->meta)
        return NULL;
    sqlite3_mutex_enter(sqlite3_db_mutex(m->db));
    char *v = NULL;
    sqlite3_bind_text(m->meta, 1, name, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(m->meta) == SQLITE_ROW && sqlite3_column_text(m->meta, 0))
        v = strdup((const char *)sqlite3_column_text(m->meta, 0));
    sqlite3_reset(m->meta);
    sqlite3_mutex_leave(sqlite3_db_mutex(m->db));
    return v;
}

int mbtiles_close(mbtiles *m, rm_error *err)
{
    if (!m)
        return 0;
    int rc = 0;
    sqlite3_finalize(m->put);
    sqlite3_finalize(m->get);
    sqlite3_finalize(m->meta);
    if (m->writing && m->db) {
        char *msg = NULL;
        if (sqlite3_exec(m->db, "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);"
                                "CREATE UNIQUE INDEX name ON metadata (name); COMMIT; ANALYZE;",
                         NULL, NULL, &msg) != SQLITE_OK) {
            rm_error_set(err, 500, "Cannot write", "finishing the tile set: %s", msg ? msg : "");
            rc = -1;
        }
        sqlite3_free(msg);
    }
    sqlite3_close(m->db);
    free(m);
    return rc;
}
