/*
 * state: shared API state and the tile_change follower; see state.h.
 */
#include "api/state.h"

#include <pthread.h>

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
};

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
        s->points[s->npoints++] = pointindex_create(c, layers[i].category);
    }
    sqlite3_stmt *st = db_stmt(db, "SELECT coalesce(max(id), 0) FROM tile_change", err);
    if (!st || !s->tiles) {
        app_state_destroy(s);
        return NULL;
    }
    if (sqlite3_step(st) == SQLITE_ROW)
        s->last_change_id = sqlite3_column_int64(st, 0);
    db_stmt_done(st);
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
    pthread_mutex_lock(&s->writer_mu);
    if (!s->writer && db_open(s->db_path, DB_READWRITE, &s->writer, err) < 0) {
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
         * category; a facility that moves takes its sources and devices along). */
        tilecache_invalidate(s->tiles, b[0], b[1], b[2], b[3]);
        for (int i = 0; i < s->npoints; i++)
            if (pointindex_patch(s->points[i], db, b[0], b[1], b[2], b[3], err) < 0) {
                rc = -1;
                break;
            }
        if (rc < 0)
            break;
        s->last_change_id = sqlite3_column_int64(st, 0);
    }
    if (rc == 0 && r != SQLITE_DONE)
        rc = db_error(db, err, 500, "reading the change log");
    db_stmt_done(st);
done:
    pthread_mutex_unlock(&s->follow_mu);
    return rc;
}
