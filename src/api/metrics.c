/*
 * metrics: GET /metrics in the Prometheus text exposition format (version 0.0.4): the server's
 * requests by route and status with latency histograms (http/metrics.h), waits for database locks
 * and for the writer, the tile cache's counters and size, and the point snapshots' sizes.
 */
#include <stdio.h>

#include "api/api.h"
#include "api/state.h"

int api_metrics(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    app_state *app = app_state_of(req);
    tilecache_stats s;
    tilecache_get_stats(app_tiles(app), &s);
    buf *b = &req->out;
    buf_appendf(b, "# HELP radmap_tile_cache_hits_total Tile requests answered from the cache.\n"
                   "# TYPE radmap_tile_cache_hits_total counter\nradmap_tile_cache_hits_total %llu\n",
                (unsigned long long)s.hits);
    buf_appendf(b, "# HELP radmap_tile_cache_misses_total Tile requests that encoded the tile.\n"
                   "# TYPE radmap_tile_cache_misses_total counter\nradmap_tile_cache_misses_total %llu\n",
                (unsigned long long)s.misses);
    buf_appendf(b, "# HELP radmap_tile_cache_waits_total Requests that waited for another request encoding "
                   "the same tile.\n# TYPE radmap_tile_cache_waits_total counter\nradmap_tile_cache_waits_total %llu\n",
                (unsigned long long)s.waits);
    buf_appendf(b, "# HELP radmap_tile_cache_evictions_total Tiles dropped to stay within the byte bound.\n"
                   "# TYPE radmap_tile_cache_evictions_total counter\nradmap_tile_cache_evictions_total %llu\n",
                (unsigned long long)s.evictions);
    buf_appendf(b, "# HELP radmap_tile_cache_invalidations_total Tiles dropped because data in them changed.\n"
                   "# TYPE radmap_tile_cache_invalidations_total counter\n"
                   "radmap_tile_cache_invalidations_total %llu\n",
                (unsigned long long)s.invalidations);
    buf_appendf(b, "# HELP radmap_tile_cache_bytes Bytes held by the tile cache.\n"
                   "# TYPE radmap_tile_cache_bytes gauge\nradmap_tile_cache_bytes %zu\n", s.bytes);
    buf_appendf(b, "# HELP radmap_tile_cache_capacity_bytes The tile cache's bound.\n"
                   "# TYPE radmap_tile_cache_capacity_bytes gauge\nradmap_tile_cache_capacity_bytes %zu\n",
                s.capacity_bytes);
    buf_appendf(b, "# HELP radmap_tile_cache_entries Tiles held by the tile cache.\n"
                   "# TYPE radmap_tile_cache_entries gauge\nradmap_tile_cache_entries %zu\n", s.entries);
    buf_appendf(b, "# HELP radmap_point_snapshot_points Points in the snapshot of each clustered layer.\n"
                   "# TYPE radmap_point_snapshot_points gauge\n");
    for (const coll_def *c = coll_all; c->id; c++) {
        pointindex *p = app_points(app, c);
        if (p)
            buf_appendf(b, "radmap_point_snapshot_points{layer=\"%s\"} %zu\n", c->id, pointindex_size(p));
    }
    db_busy_stats busy;
    db_busy_get_stats(&busy);
    buf_appendf(b, "# HELP radmap_db_busy_waits_total Statements that waited for a lock held by another "
                   "connection (a writer in another process, a checkpoint).\n"
                   "# TYPE radmap_db_busy_waits_total counter\nradmap_db_busy_waits_total %llu\n",
                (unsigned long long)busy.waits);
    buf_appendf(b, "# HELP radmap_db_busy_wait_seconds_total Time spent waiting for those locks.\n"
                   "# TYPE radmap_db_busy_wait_seconds_total counter\nradmap_db_busy_wait_seconds_total %.6f\n",
                (double)busy.wait_us / 1e6);
    buf_appendf(b, "# HELP radmap_db_busy_timeouts_total Statements that gave up waiting (answered 503).\n"
                   "# TYPE radmap_db_busy_timeouts_total counter\nradmap_db_busy_timeouts_total %llu\n",
                (unsigned long long)busy.timeouts);
    uint64_t waits, wait_us;
    app_writer_wait_stats(app, &waits, &wait_us);
    buf_appendf(b, "# HELP radmap_db_writer_waits_total Writes that waited for another write of this server "
                   "(one writer connection, DESIGN 2).\n"
                   "# TYPE radmap_db_writer_waits_total counter\nradmap_db_writer_waits_total %llu\n",
                (unsigned long long)waits);
    buf_appendf(b, "# HELP radmap_db_writer_wait_seconds_total Time writes spent waiting for the writer.\n"
                   "# TYPE radmap_db_writer_wait_seconds_total counter\nradmap_db_writer_wait_seconds_total %.6f\n",
                (double)wait_us / 1e6);
    http_metrics_write(req, b);
    req->no_etag = true;
    req->cache_control = "no-store";
    http_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8");
    return 0;
}
