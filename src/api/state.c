/*
 * state: shared API state and the tile_change follower; see state.h.
 */
#include "api/state.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/readlog.h"
#include <stdlib.h>

struct app_state {
    tilecache *tiles;
    pointindex *points[8];
    const coll_def *point_colls[8];
    int npoints;
    pthread_mutex_t follow_mu;
    int64_t last_change_id;
    const char *db_path;
    pthread_mutex_t writer_mu;
    db_conn *writer;
    readlog *reads;
    char restored_at[96];       /* meta 'restored_at' as last seen: a new value means a restore */
    uint64_t writer_waits, writer_wait_us; /* under writer_mu */
};

/* meta 'restored_at' (written by `radmap restore`), "" when none. */
static void read_restored_at(db_conn *db, char out[96])
{
    out[0] = 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT value FROM meta WHERE key = 'restored_at'", NULL);
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, 96, "%s", (const char *)sqlite3_column_text(st, 0));
    db_stmt_done(st);
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

app_state *app_state_create(const http_config *config, db_conn *db, rm_error *err)
{
    app_state *s = calloc(1, sizeof *s);
    if (!s) {
        rm_error_set(err, 500, "Out of memory", "creating the server state");
        return NULL;
    }
    pthread_mutex_init(&s->follow_mu, NULL);
    pthread_mutex_init(&s->writer_mu, NULL);
    s->db_path = config->db_path;
    s->tiles = tilecache_create(config->tile_cache_bytes);
    static const struct { const char *coll, *category; } layers[] = {
        {"facilities", "max_category"}, {"sources", "iaea_category"}, {"devices", NULL},
    };
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
        const coll_def *c = coll_find(layers[i].coll);
        s->point_colls[s->npoints] = c;
        s->points[s->npoints] = pointindex_create(c, layers[i].category);
        /* A day's attributes of a million facilities take a minute to compute: not in a request. */
        if (s->points[s->npoints])
            pointindex_build_in_background(s->points[s->npoints], config->db_path);
        s->npoints++;
    }
    sqlite3_stmt *st = db_stmt(db, "SELECT coalesce(max(id), 0) FROM tile_change", err);
    if (!st || !s->tiles) {
        app_state_destroy(s);
        return NULL;
    }
    if (sqlite3_step(st) == SQLITE_ROW)
        s->last_change_id = sqlite3_column_int64(st, 0);
    db_stmt_done(st);
    read_restored_at(db, s->restored_at);
    s->reads = readlog_create(s, config->read_quota_rows);
    if (!s->reads) {
        rm_error_set(err, 500, "Out of memory", "starting the read log");
        app_state_destroy(s);
        return NULL;
    }
    return s;
}

void app_state_destroy(app_state *s)
{
    if (!s)
        return;
    readlog_destroy(s->reads);
    tilecache_destroy(s->tiles);
    db_close(s->writer);
    pthread_mutex_destroy(&s->writer_mu);
    for (int i = 0; i < s->npoints; i++) /* all first: one background build waits for another */
        pointindex_stop(s->points[i]);
    for (int i = 0; i < s->npoints; i++)
        pointindex_destroy(s->points[i]);
    pthread_mutex_destroy(&s->follow_mu);
    free(s);
}

app_state *app_state_of(http_request *req) { return req->config->app; }
tilecache *app_tiles(app_state *s) { return s->tiles; }
readlog *app_reads(app_state *s) { return s->reads; }

db_conn *app_writer_lock(app_state *s, rm_error *err)
{
    if (pthread_mutex_trylock(&s->writer_mu) != 0) {
        int64_t t0 = mono_us();
        pthread_mutex_lock(&s->writer_mu);
        s->writer_waits++;
        s->writer_wait_us += (uint64_t)(mono_us() - t0);
    }
    /* DB_BULK: an import or a large edit through the server gathers its writes like the command line's. */
    if (!s->writer && db_open(s->db_path, DB_READWRITE | DB_BULK, &s->writer, err) < 0) {
        s->writer = NULL;
        pthread_mutex_unlock(&s->writer_mu);
        return NULL;
    }
    return s->writer;
}

void app_writer_unlock(app_state *s)
{
    pthread_mutex_unlock(&s->writer_mu);
}

void app_writer_wait_stats(app_state *s, uint64_t *waits, uint64_t *wait_us)
{
    pthread_mutex_lock(&s->writer_mu);
    *waits = s->writer_waits;
    *wait_us = s->writer_wait_us;
    pthread_mutex_unlock(&s->writer_mu);
}

pointindex *app_points(app_state *s, const coll_def *c)
{
    for (int i = 0; i < s->npoints; i++)
        if (s->point_colls[i] == c)
            return s->points[i];
    return NULL;
}

int app_follow_changes(app_state *s, db_conn *db, rm_error *err)
{
    if (!db_changed_since_last_check(db))
        return 0;
    pthread_mutex_lock(&s->follow_mu);
    int rc = 0;
    char restored[96];
    read_restored_at(db, restored);
    if (strcmp(restored, s->restored_at) != 0) {
        /* `radmap restore` replaced the database: its change log is another history, so every
         * cached tile and every snapshot point goes, and following starts again at its end. */
        for (int i = 0; i < s->npoints && rc == 0; i++)
            rc = pointindex_patch(s->points[i], db, -180, -90, 180, 90, err);
        tilecache_clear(s->tiles);
        sqlite3_stmt *last = rc == 0 ? db_stmt(db, "SELECT coalesce(max(id), 0) FROM tile_change", err) : NULL;
        if (last && sqlite3_step(last) == SQLITE_ROW) {
            s->last_change_id = sqlite3_column_int64(last, 0);
            memcpy(s->restored_at, restored, sizeof restored);
        } else {
            rc = -1;
        }
        db_stmt_done(last);
        goto done;
    }
    sqlite3_stmt *st = db_stmt(db, "SELECT id, min_lon, min_lat, max_lon, max_lat FROM tile_change "
                                    "WHERE id > ? ORDER BY id", err);
    if (!st) {
        rc = -1;
        goto done;
    }
    sqlite3_bind_int64(st, 1, s->last_change_id);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        double b[4];
        for (int i = 0; i < 4; i++)
            b[i] = sqlite3_column_double(st, i + 1);
        /* Any change may alter any layer's tiles in its box (a source changes its facility's
         * category; a facility that moves takes its sources and devices along). The snapshots are
         * patched first and the tiles dropped after, so that a tile encoded meanwhile from an
         * unpatched snapshot is refused by the cache's generation check. */
        for (int i = 0; i < s->npoints; i++)
            if (pointindex_patch(s->points[i], db, b[0], b[1], b[2], b[3], err) < 0) {
                rc = -1;
                break;
            }
        if (rc < 0)
            break;
        tilecache_invalidate(s->tiles, b[0], b[1], b[2], b[3]);
        s->last_change_id = sqlite3_column_int64(st, 0);
    }
    if (rc == 0 && r != SQLITE_DONE)
        rc = db_error(db, err, 500, "reading the change log");
    db_stmt_done(st);
done:
    pthread_mutex_unlock(&s->follow_mu);
    return rc;
}
