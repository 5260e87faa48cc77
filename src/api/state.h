/*
 * state: what the API shares across requests, created once by `radmap serve`: the tile cache,
 * the point snapshots of the clustered zooms, and the follower of the tile_change log that keeps
 * both true whoever writes the database (this server's writer, `radmap import`, another process).
 *
 * Change following (DESIGN §2): every request that uses the caches first asks its own read
 * connection whether anything was committed since it last asked (PRAGMA data_version, a few
 * microseconds). Only then does it take the follower's lock and apply the tile_change rows it has
 * not applied yet: dropping the cached tiles they touch and patching the snapshots. Because each
 * connection notices every commit made after its previous check, no request serves a tile older
 * than the data its own connection can read. A restore (`radmap restore`, db/backup.h) changes
 * meta 'restored_at': the follower then drops every cached tile and re-reads the snapshots.
 */
#ifndef RADMAP_STATE_H
#define RADMAP_STATE_H

#include "api/pointindex.h"
#include "api/tilecache.h"
#include "db/db.h"
#include "http/http.h"

typedef struct app_state app_state;

/* Create the shared state for serving db_path with config (reads the last tile_change id through
 * db). NULL with err filled on failure. */
app_state *app_state_create(const http_config *config, db_conn *db, rm_error *err);
void app_state_destroy(app_state *s);
/* The state of the server handling req. */
app_state *app_state_of(http_request *req);

tilecache *app_tiles(app_state *s);
/* The read log and quota of sensitive rows (api/readlog.h). */
struct readlog *app_reads(app_state *s);
/* The one writer connection, locked for the caller (DESIGN §2); NULL with err (503) when it cannot
 * be opened. Every write is one transaction between lock and unlock. */
db_conn *app_writer_lock(app_state *s, rm_error *err);
void app_writer_unlock(app_state *s);
/* How many times a write waited for the writer lock, and for how long in all (microseconds). */
void app_writer_wait_stats(app_state *s, uint64_t *waits, uint64_t *wait_us);
/* The snapshot of a point collection, or NULL for a collection without one. */
pointindex *app_points(app_state *s, const coll_def *c);
/* Apply the changes committed since db last looked (see above). 0 or -1 with err. */
int app_follow_changes(app_state *s, db_conn *db, rm_error *err);

#endif
