/*
 * offline: the offline map package of `radmap tiles`: an MBTiles 1.3 file (io/mbtiles.h) holding,
 * for every tile of a box and a zoom range, the same vector tile the server would answer to a role
 * (built by api/tilebuild.h with the server's default clustering), gzip-compressed, with the
 * metadata MBTiles 1.3 asks for (name, format, bounds, center, minzoom, maxzoom, json with
 * vector_layers).
 *
 * Tiles are visited from the lowest zoom down as a quadtree: a tile with nothing in it has empty
 * children (a child's buffered area lies inside its parent's), so whole empty subtrees are skipped,
 * and only tiles with features are stored.
 */
#ifndef RADMAP_OFFLINE_H
#define RADMAP_OFFLINE_H

#include <stdbool.h>

#include "core/error.h"
#include "db/collection.h"
#include "io/progress.h"

typedef struct offline_options {
    const char *layers;       /* "facilities,sources" (NULL: every layer the class sees) */
    int minzoom, maxzoom;     /* default 8..16 */
    bool have_bbox;
    double bbox[4];           /* west, south, east, north (default: the extent of the point layers) */
    vis_class vis;            /* the role's class */
    const char *role;         /* for the metadata ("viewer") */
    int cluster_maxzoom;      /* as `serve` (default 12) */
    double cluster_cell;      /* as `serve` (default 512) */
    int threads;              /* tile builders (default: cores, at most 8) */
    progress_mode progress;
} offline_options;

typedef struct offline_report {
    long tiles_written, tiles_visited, tiles_skipped;
    long sensitive_rows;      /* source and device features in the package */
    double seconds;
    double bbox[4];
    long bytes;
} offline_report;

void offline_options_default(offline_options *o);

/* Write the package of the register at db_path to out_path. 0 or -1 with err (the file is removed). */
int offline_build(const char *db_path, const char *out_path, const offline_options *o, offline_report *rep,
                  rm_error *err);

#endif
