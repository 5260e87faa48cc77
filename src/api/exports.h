/*
 * exports: features of a collection as GIS files (io/export.h): ?f=csv|xlsx|gpkg|kml|shp on every
 * /collections/{c}/items URL, with the same filters, bbox, crs and visibility as the JSON answer
 * (api/query.h), and `radmap export` on the command line.
 *
 * Over HTTP a small export is written on the job pool (http/jobs.h) while the connection waits
 * suspended; one of more than EXPORTS_SYNC_MAX features becomes a background job
 * (api/jobs_api.h): 202 Accepted, then the file at /jobs/{id}/result. Reads of sensitive
 * collections are counted against the caller's quota and logged (api/readlog.h) like any read.
 */
#ifndef RADMAP_EXPORTS_H
#define RADMAP_EXPORTS_H

#include "api/query.h"
#include "geo/crs.h"
#include "io/export.h"

#define EXPORTS_SYNC_MAX 20000

/* Paging of an export, as the items route pages its JSON (all zero: every feature). */
typedef struct exports_range {
    int64_t limit;            /* at most this many (0: no limit) */
    int64_t offset;           /* skip this many */
    int64_t after, before;    /* only ids above after, below before (0: no bound) */
} exports_range;

/* Write the rows query q selects (built with query_init and friends on collection q->coll), in id
 * order and within range (NULL: all), to path in format f with positions in crs (NULL: WGS 84).
 * on_progress (may be NULL) is called with the rows written so far. *rows receives the count.
 * 0 or -1 with err. */
int exports_write(db_conn *db, query *q, const exports_range *range, export_format f, const crs_info *crs,
                  const char *path, void (*on_progress)(void *arg, long done), void *arg, long *rows, rm_error *err);

/* The items endpoint with an export format in f= (called by api_items). */
int api_items_export(http_request *req, export_format f, rm_error *err);

#endif
