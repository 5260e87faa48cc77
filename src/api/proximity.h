/*
 * proximity: "what is near" over the point layers (sources, facilities, devices, receptors): the
 * search engine behind GET/POST /proximity, GET /nearest and the receptors of /alerts.
 *
 * A search holds one feature query per layer (api/query.h: the caller's visibility class and
 * the request's equality filters), collects hits through the layer's R*Tree for a lon/lat box
 * and keeps those the exact test accepts: geodesic distance (geo/geod.h) within a radius, or
 * inside a polygon or within a geodesic buffer of it. For each hit it keeps what the summary
 * needs (IAEA category, nuclide and current activity of sources, name and kind of receptors), so
 * the full properties are read afterwards only for the features written. Everything is read
 * through the collection descriptors, so a class sees in hits and summaries exactly what it sees
 * in items.
 */
#ifndef RADMAP_PROXIMITY_H
#define RADMAP_PROXIMITY_H

#include <stdbool.h>
#include <stdint.h>

#include "api/query.h"
#include "geo/geod.h"

#define PROX_MAX_LAYERS 4
#define PROX_MAX_HITS 250000 /* matches one search may hold; more is refused (400) */

typedef struct prox_hit {
    int layer;           /* index into prox_search.layers */
    int64_t id;
    double lon, lat;     /* the row's position (when pos_known) */
    double distance_m;   /* from the point, or to the area (0 inside it); an estimate until exact */
    double lo, hi;       /* bounds of the true distance (both distance_m once exact) */
    double bearing_deg;  /* from the point (radius searches), once exact */
    bool exact;
    bool pos_known;      /* lon/lat read from the row (else only its index box was seen) */
    bool inside;         /* area searches: inside the polygon proper */
    int category;        /* IAEA category 1-5 visible to the class, 0 none (attrs searches) */
    int nuclide;         /* index into prox_search.nuclides, -1 none */
    double activity_bq;  /* current activity (sources), NAN when unknown */
    char *name;          /* receptors: name and kind (owned) */
    char *kind;
    int64_t capacity;    /* receptors: -1 unknown */
} prox_hit;

/* What the exact test of a candidate says about it. */
typedef struct prox_dist {
    double d;            /* distance, exact or an estimate */
    double lo, hi;       /* bounds of the true distance (both d when exact) */
    double bearing_deg;  /* when exact */
    bool exact;
    bool inside;         /* area searches: inside the polygon proper */
} prox_dist;

typedef struct prox_layer {
    const coll_def *coll;
    query q;             /* visibility and filters */
    const coll_prop *category;  /* the category property visible to the class, or NULL */
    const coll_prop *nuclide;
    const coll_prop *activity;
    bool receptor;       /* name, kind, capacity are read */
    struct pointindex *points; /* nearest searches: its point snapshot, when up to date (else NULL) */
} prox_layer;

typedef struct prox_search {
    db_conn *db;
    http_request *req;   /* the request (read log and quota), NULL for internal searches */
    vis_class vis;
    int32_t today;
    bool attrs;          /* read the summary's attributes of each hit (default true); without them a
                          * layer with no filter is searched through its R*Tree alone */
    double center_lon, center_lat; /* of circle searches: the origin of distance estimates */
    size_t keep;         /* R*Tree walks keep this many nearest rows per layer (default SIZE_MAX: all) */
    prox_layer layers[PROX_MAX_LAYERS];
    int nlayers;
    prox_hit *hits;
    size_t nhits, cap;
    size_t nuncollected; /* matches counted but not kept as hits (index walks keep only the nearest) */
    char *nuclides[64];  /* names met (owned) */
    const char **select; /* ?properties= names (into select_text), NULL: every visible property */
    int nselect;
    char *select_text;
    int nnuclides;
} prox_search;

/* The test of a candidate position: true when it belongs to the answer, with what is known of its
 * distance in *out. Membership must be decided exactly; the distance may be an estimate with
 * bounds (prox_top makes the first ones exact). */
typedef bool (*prox_accept_fn)(void *ctx, double lon, double lat, prox_dist *out);

/*
 * Set up a search for class vis on day today over the layers named in layers_param ("sources,
 * receptors"; NULL: every layer the class may see). With req non-NULL the request's query
 * parameters other than `own` (NULL-terminated) are equality filters: with an explicit layer list
 * each must be a filter of every listed layer; by default the layers that lack one are left out.
 * 0, or -1 with err (400 naming the parameter or layer). prox_search_cleanup() in every case.
 */
int prox_search_init(prox_search *s, db_conn *db, vis_class vis, int32_t today, http_request *req,
                     const char *layers_param, const char *const *own, rm_error *err);
void prox_search_cleanup(prox_search *s);

/* Add the hits of every layer inside box (NULL: no box) that accept() takes. 0, or -1 with err (500
 * on a database error, 400 when more than PROX_MAX_HITS match). */
int prox_collect(prox_search *s, const geo_box *box, prox_accept_fn accept, void *ctx, rm_error *err);
/* Hits within radius_m of (lon, lat), geodesic. Decided exactly: rows certainly inside or outside
 * by the distance estimate of geo/geod.h (and, without attrs, by their R*Tree box alone), the few
 * near the circle by geo_distance. */
int prox_collect_circle(prox_search *s, double lon, double lat, double radius_m, rm_error *err);
/* Append a hit of layer li (the caller fills position and attributes); NULL with err (400) beyond
 * PROX_MAX_HITS. */
prox_hit *prox_new_hit(prox_search *s, int li, int64_t id, const prox_dist *pd, rm_error *err);
/* proximity_index.c: the k nearest rows of layer li within radius_m (HUGE_VAL: any distance) of
 * (lon, lat), found by walking its R*Tree best first, added as exact hits (with whatever ties the
 * k-th); with a finite radius every other row within it is counted into nuncollected, or, with
 * all, added too (with the bounds of its index box; prox_top measures the ones it needs). For layers
 * without conditions only (every row visible, no filter); the caller holds a read transaction.
 * 0, or -1 with err. */
int prox_index_search(prox_search *s, int li, double lon, double lat, double radius_m, size_t k, bool all,
                      rm_error *err);
/* A lower bound of the geodesic distance from (qlon, qlat) to anything in the lon/lat box x0..x1,
 * y0..y1 (0 inside it); see proximity_index.c. */
double prox_box_lb(double qlon, double qlat, double x0, double x1, double y0, double y1);
/* proximity_snap.c: what prox_index_search does with an infinite radius (the k nearest rows of layer
 * li as exact hits, with whatever ties the k-th), answered from the layer's point snapshot p
 * (api/pointindex.h) through a search tree kept with it. For layers without conditions only, and
 * the caller has brought p up to date with the change log (app_follow_changes). 1 when answered;
 * 0 when p has no snapshot or no tree yet (the caller walks the R*Tree instead); -1 with err. */
struct pointindex;
int prox_snap_nearest(prox_search *s, int li, struct pointindex *p, double lon, double lat, size_t k, rm_error *err);

/* proximity_cache.c: in-memory attributes of sources and facilities for summaries (see there). */
typedef struct prox_attrs prox_attrs;
/* The snapshot of collection c for day today, current with the register (built when stale); NULL
 * when c has none (not sources or facilities) or on a database error (err filled). Release it. */
prox_attrs *prox_attrs_get(db_conn *db, const coll_def *c, int32_t today, rm_error *err);
void prox_attrs_release(prox_attrs *a);
/* The attributes of row id as staff see them; false when the snapshot has no such row. */
bool prox_attrs_find(const prox_attrs *a, int64_t id, int *category, const char **nuclide, double *activity_bq);
/* Forget the hits (the layers and their queries stay). */
void prox_clear_hits(prox_search *s);
/* Make the first min(limit, hits) hits the nearest ones, exact and sorted by distance, then layer,
 * then id (the rest keep estimates, in no order). 0, or -1 with err. */
int prox_top(prox_search *s, size_t limit, rm_error *err);
/* qsort order of hits: distance, then layer, then id. */
int prox_hit_cmp(const void *a, const void *b);
/* Make one hit's distance and bearing exact (reading its position if only its box was seen). */
int prox_exact(prox_search *s, prox_hit *h, rm_error *err);

/* Write the first n hits as a JSON array of GeoJSON Features: the layer's properties the class sees
 * (or those selected by ?properties=), plus layer, distance_m and (with_bearing) bearing_deg, or
 * inside_area (area searches). Properties are read in one statement per layer. 0 or -1 with err. */
struct json_writer;
int prox_write_features(prox_search *s, size_t n, bool with_bearing, bool area, struct json_writer *w,
                        rm_error *err);
/* Write the "summary" object of all hits: counts by layer and category, current activity per
 * nuclide (Bq), the highest category, the receptors. */
void prox_write_summary(prox_search *s, struct json_writer *w);

/* The receptors among the hits as a JSON array of {id, name, kind, capacity, distance_m[, bearing_deg]},
 * nearest first (made exact here). */
void prox_write_receptors(prox_search *s, bool with_bearing, struct json_writer *w);

/* Helpers shared by the proximity resources (proximity.c, proximity_area.c). */
/* Merge two serialised JSON objects ("{...}") into one, a's members first, appended to out. */
void prox_merge_objects(const buf *a, const buf *b, buf *out);
/* A GeoJSON Point feature whose properties are the members of props followed by those of extra
 * (both JSON objects as written). */
void prox_write_point_feature(struct json_writer *w, int64_t id, double lon, double lat, const buf *props, const buf *extra);
/* ?at=YYYY-MM-DD or today; 0 or -1 with err (400). */
int prox_parse_today(http_request *req, int32_t *today, rm_error *err);
/* A read transaction for the whole request, so that a walk of the R*Tree, the rows it names and
 * the features written all see one state of the register. prox_begin says whether one was begun;
 * prox_end(db, that) ends it (db may be NULL when nothing began). */
bool prox_begin(db_conn *db);
void prox_end(db_conn *db, bool began);
/* The read log and quota of sensitive rows (api/readlog.h): check before a search that may return
 * sources or devices (0, or -1 with err 429), record the first n hits written. */
int prox_read_check(prox_search *s, rm_error *err);
void prox_read_record(prox_search *s, size_t n);
/* ?properties=a,b (empty: none) into s->select, each a visible property of a searched layer; 0 or
 * -1 with err (400 listing the allowed names). After prox_search_init. */
int prox_parse_properties(prox_search *s, http_request *req, rm_error *err);
/* ?summary= true (default) or false; 0 or -1 with err (400). */
int prox_parse_summary(http_request *req, bool *summary, rm_error *err);
/* ?f= json or geojson; 0 or -1 with err (400). */
int prox_check_f(http_request *req, rm_error *err);
/* "layers": [...] of the search. */
void prox_write_layer_names(struct json_writer *w, const prox_search *s);
/* Write "features" (the first limit hits), numberMatched, numberReturned, the summary (when asked)
 * and timeStamp, and close the FeatureCollection object the caller opened. 0 or -1 with err. */
int prox_finish_collection(prox_search *s, int64_t limit, bool with_bearing, bool area, bool summary,
                           struct json_writer *w, rm_error *err);

#endif
