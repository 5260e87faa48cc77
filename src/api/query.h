/*
 * query: building the SQL of a feature query from a collection descriptor (db/collection.h) and
 * the request's parameters, with every client value bound, never spliced. Shared by items, tiles
 * and proximity so that filters, visibility and derived values mean the same everywhere.
 *
 * Parameter numbering: ?1 is always :today (the day number values are computed for); the others
 * are numbered in the order they are added.
 */
#ifndef RADMAP_QUERY_H
#define RADMAP_QUERY_H

#include <sqlite3.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/params.h"
#include "db/collection.h"
#include "db/db.h"
#include "http/http.h"

#define QUERY_MAX_BINDS 32

typedef struct query_bind {
    enum { QB_INT, QB_REAL, QB_TEXT } type;
    int64_t i;
    double d;
    char *s; /* owned */
} query_bind;

typedef struct query {
    const coll_def *coll;
    vis_class vis;
    int32_t today;        /* day number for :today */
    buf where;            /* conditions joined with AND, "" for none */
    query_bind binds[QUERY_MAX_BINDS];
    int nbinds;
    bool has_bbox;
    params_bbox bbox;
    bool has_conditions;  /* anything beyond visibility */
    int nconds;           /* conditions added (query_and), visibility and bbox included */
} query;

void query_init(query *q, const coll_def *coll, vis_class vis, int32_t today);
void query_cleanup(query *q);
/* Append an SQL fragment to out, rewriting :today to ?1 and each '?' to the next parameter number. */
void query_append_sql(query *q, buf *out, const char *sql);
/* Add a condition (fragment with '?' placeholders) and its values. */
void query_add_int(query *q, int64_t v);
void query_add_real(query *q, double v);
void query_add_text(query *q, const char *s);
void query_and(query *q, const char *sql);
/* Restrict to a bbox through the collection's R*Tree, rechecked on the exact lon/lat. */
void query_bbox(query *q, const params_bbox *b);
/* Apply the equality filters, q= search and visibility of the request: every query parameter that
 * is not in `other` (NULL-terminated names the route handles itself) must be a filterable property
 * visible to the caller. 0 or -1 with err (400 naming the parameter and the allowed values). */
int query_from_request(query *q, db_conn *db, http_request *req, const char *const *other, rm_error *err);
/* Prepare sql (already built with query_append_sql) from db's cache and bind today and the values. */
sqlite3_stmt *query_prepare(query *q, db_conn *db, const char *sql, rm_error *err);
/* Append the select list "t.id, t.lon, t.lat, <visible properties>" to out. */
void query_select_list(query *q, buf *out);
/* Write the properties of the current row (columns from 3 on, as query_select_list ordered them)
 * as a JSON object. */
struct json_writer;
void query_write_properties(query *q, sqlite3_stmt *st, struct json_writer *w);

#endif
