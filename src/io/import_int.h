/*
 * import_int: what the importer's files share: the run's context (import.c sets it up and reads the
 * worker's stream; import_row.c turns one row into a validated write).
 */
#ifndef RADMAP_IMPORT_INT_H
#define RADMAP_IMPORT_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "db/collection.h"
#include "db/validate.h"
#include "io/import.h"
#include "io/reproject.h"
#include "io/rowpipe.h"
#include "db/rtreepack.h"

#define PLAN_MAX 128
#define IMPORT_BATCH 16 /* rows per insert statement in the bulk path (at most AUDIT_ROWS_MAX) */

/* One mapped column: which field or import-only target it fills. */
typedef struct plan_col {
    const char *target;       /* field name or import-only target (static string) */
    int col;                  /* column of the layer */
    const char *unit;         /* activity unit of the column (NULL: Bq or as written) */
    const coll_field *field;  /* the writable field, NULL for an import-only target */
} plan_col;

/* A small string -> id map (organizations by tax code and by folded name). */
typedef struct strmap {
    char **keys;
    int64_t *vals;
    size_t cap, n;
} strmap;

/* Keys of a reference table with their folded Vietnamese and English names (practices, device
 * types), read on first use. */
typedef struct enum_entry {
    char *key, *alt1, *alt2;
} enum_entry;

typedef struct enum_cache {
    enum_entry *v;
    int n;
    bool loaded;
} enum_cache;

/* A valid row of the bulk path waiting for its batch's insert (import_batch_flush). */
typedef struct import_pending {
    json_t *props;            /* owned reference */
    double lon, lat;
    int own;                  /* own_location */
    long row;                 /* row number in the file */
    bool ward_from_crosswalk;
} import_pending;

typedef struct import_ctx {
    db_conn *db;
    const import_options *o;
    import_report *rep;
    const coll_def *coll;     /* NULL for boundaries */
    unsigned layer_bit;
    const char *file_label;
    const char *user;
    const char *record_owner;
    const char *legacy_system;
    const char *upsert_by;
    int32_t today;
    double area[4];
    validate_cache *vc;
    /* Mapping and defaults (from the options and the mapping file). */
    const char *maps[IMPORT_MAX_MAPS * 2];
    int nmaps;
    const char *defaults[IMPORT_MAX_MAPS * 2];
    int ndefaults;
    const char *crs_opt;
    /* The current layer. */
    int32_t file_code;        /* EPSG code the file declares (0 none) */
    bool have_rp;
    reproject rp;             /* for geometries and coordinate columns */
    bool xy_swap_noted;
    plan_col plan[PLAN_MAX];
    int nplan;
    int col_lon, col_lat, col_x, col_y;
    char *colnames[ROWPIPE_MAX_FIELDS];
    int ncols;
    bool table_has_legacy;    /* the table has legacy_system/legacy_id columns outside the fields */
    bool has_own_location;    /* sources, devices */
    /* Prepared SQL (built once). */
    buf insert_sql, update_sql;
    int ninsert_fields;
    strmap orgs_by_tax, orgs_by_name, orgs_by_fold;
    bool orgs_loaded;
    enum_cache practice_names, device_type_names;
    /* Bulk path (see import_prepare): statements prepared with triggers off, whose work is replayed. */
    bool bulk;
    char rtree_sql[160];
    bool search_at_insert;    /* the insert computes the search key (bulk path) */
    bool search_deferred;     /* else: search keys of added rows computed once at the end */
    bool practice_deferred;   /* primary practices of added facilities listed once at the end */
    bool stamp_on_insert;     /* the insert binds created_at and updated_at (import_stamp) */
    time_t stamp_time;
    char stamp[24];
    buf search_all_sql;
    int64_t max_id_before;
    int64_t next_id;          /* id of the next row the bulk path adds (import_bulk.c: next_id) */
    int row_params;           /* parameters of one row of the insert */
    buf batch_sql;
    sqlite3_stmt *st_batch;   /* IMPORT_BATCH rows at once (bulk path; owned) */
    import_pending batch[IMPORT_BATCH];
    int batch_n;
    validate_errors *batch_errs; /* a refused row of a batch (import_release frees) */
    sqlite3_stmt *st_insert, *st_update, *st_practice, *st_search; /* owned (import_release) */
    sqlite3_stmt *st_update_nopos;
    buf update_nopos_sql, current_sql;
    rtree_point *bulk_pts;
    size_t bulk_cap;
    size_t bulk_n;
    double bulk_env[4];
    validate_errors *errs;    /* the current row's, reused */
    buf json_before, json_after; /* the current row's audit JSON, reused (import_release frees) */
    buf cell;                 /* the current cell's text, reused (import_release frees) */
    buf batch_json[IMPORT_BATCH]; /* audit JSON of a batch's rows, reused (import_release frees) */
    rowpipe_feature *feature; /* the current row's, reused */
    /* Extent of the rows written, for the tile cache. */
    double env[4];
    long row;                 /* current row number (1-based) */
    progress prog;
    long total;               /* rows expected (-1 unknown) */
    long layer_base;          /* rows of the layers before the current one */
} import_ctx;

/* import_bulk.c */
/* Prepare the statements of the run (after the first layer record), and choose the bulk path when
 * it applies. 0 or -1 with err. */
int import_prepare(import_ctx *x, rm_error *err);
/* After the last row, inside the transaction: what the skipped triggers would have done. 0 or -1. */
int import_bulk_finish(import_ctx *x, rm_error *err);
/* Triggers on or off (bulk path only). */
void import_triggers(import_ctx *x, bool on);
/* The time now as the register's created_at/updated_at columns write it (UTC, seconds); valid until
 * the next call. */
const char *import_stamp(import_ctx *x);
/* Free what import_prepare made (triggers back on). */
void import_release(import_ctx *x);

/* import_row.c */
/* Import one feature: 0 (written or refused: see the report), -1 with err on a failure that ends
 * the import (database error). In the bulk path a valid row may wait for its batch: the rows are
 * all written, or refused, by import_batch_flush at the latest. */
int import_row(import_ctx *x, const rowpipe_feature *f, rm_error *err);
/* Write the waiting rows of the bulk path (after the last row, and before anything that must see
 * them). 0 or -1 with err. */
int import_batch_flush(import_ctx *x, rm_error *err);

/* import.c */
/* Record a refused row's reasons in the report. */
void import_add_issue(import_report *rep, long row, const char *field, const char *reason);
/* Add a line to the report's notes. */
void import_note(import_report *rep, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* import_plan.c */
/* The column plan of a layer record (x->plan, x->col_lon ...; the mapping lines of the report). 0 or
 * -1 with err (400 for a --map naming an unknown field or column). */
int import_plan_layer(import_ctx *x, const rowpipe_layer *l, rm_error *err);
/* The CRS of a layer's positions (the file's, or --crs when it declares none) into x->rp. 0 or -1. */
int import_layer_crs(import_ctx *x, const rowpipe_layer *l, rm_error *err);

/* import_value.c */
void strmap_put(strmap *m, const char *key, int64_t val); /* the first value of a key stays */
int64_t strmap_get(const strmap *m, const char *key);     /* 0 when absent */
void strmap_free(strmap *m);
void enum_cache_free(enum_cache *ec);
/* Whether s[0..n) is valid UTF-8. */
int import_utf8_valid(const char *s, size_t n);
/* The text of a cell trimmed, in out (NULL when absent or blank; valid until out changes). */
const char *import_cell(const rowpipe_str *v, buf *out);
/* The JSON value the API would receive for field f written as text in a file (pc: its column, may
 * be NULL); NULL when the text is not valid UTF-8. */
json_t *import_field_value(import_ctx *x, const plan_col *pc, const coll_field *f, const char *text);
/* The register's licensees, by tax code, by name and by folded name (once per run). 0 or -1. */
int import_load_orgs(import_ctx *x, rm_error *err);
/* A tax code as registers write it, cleaned (a 9-digit code gets back its leading zero). */
void import_tax_code(const char *s, char out[32]);
/* Reproject positions of the current layer's CRS in place (wkb_transform callback). */
int import_transform_xy(void *arg, double *xy, size_t n);
/* The row's WGS 84 position: 1 found, 0 none, -1 refused (reason added to e). */
int import_position(import_ctx *x, const rowpipe_feature *f, double *lon, double *lat, validate_errors *e);

#endif
