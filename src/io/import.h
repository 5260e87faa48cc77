/*
 * import: GIS files into the register (radmap import, POST /imports).
 *
 * Layers: facilities, sources, devices, receptors (point collections of db/collection.h, and
 * authorizations once that collection is described there), and boundaries (polygons: name, level,
 * code, valid_from, valid_to). Formats: CSV (UTF-8, with or without BOM; coordinates from lon/lat or
 * x/y columns, found by name or named with --map), XLSX, ESRI Shapefile (its .prj honoured; zipped
 * too), GeoPackage, KML/KMZ, GeoJSON and TopoJSON.
 *
 * The file is untrusted: a sandboxed child process reads it (io/sandbox.h, io/parse.h) and hands the
 * rows over a pipe; this side never opens it with GDAL. Each row then goes through the API's own
 * validation (db/validate.h) after its columns are mapped to fields (io/mapping.h: Vietnamese
 * headers, --map, a mapping file) and its values read (dates, decimal commas, activity units,
 * Vietnamese status words). Positions are reprojected to WGS 84 with the pinned VN-2000
 * transformation of geo/crs.h (io/reproject.h), from the file's CRS or --crs.
 *
 * One transaction: a real import writes every row or none, unless skip_invalid, which writes the
 * valid rows and reports the others; dry_run reports and writes nothing. Every feature written
 * gets its own audit row (action create or update, the import's id, the user, and the file name and
 * row in its "after" JSON), and one gis_import row describes the run. upsert_by (code, legacy_id or
 * external_ref) updates the row that has the same key instead of adding a duplicate.
 */
#ifndef RADMAP_IMPORT_H
#define RADMAP_IMPORT_H

#include <stdio.h>

#include "core/buf.h"
#include "core/error.h"
#include "db/db.h"
#include "io/progress.h"

#define IMPORT_MAX_MAPS 64

typedef struct import_options {
    const char *layer;        /* facilities, sources, devices, receptors, boundaries, authorizations */
    const char *crs;          /* CRS of files that declare none ("EPSG:9210"); NULL: WGS 84 */
    const char *maps[IMPORT_MAX_MAPS]; /* "field=column" (activity_bq=column@mCi for a unit) */
    int nmaps;
    const char *defaults[IMPORT_MAX_MAPS]; /* "field=value" for fields the file lacks */
    int ndefaults;
    const char *mapping_file; /* field=column lines (and crs=, legacy_system=, upsert_by=, set.FIELD=) */
    const char *save_mapping; /* write the mapping used to this file */
    const char *source_label; /* boundaries: provenance stored with each row (NULL: the file name) */
    const char *file_label;   /* the file name recorded (NULL: the path's last part) */
    const char *source_layer; /* the layer of a multi-layer file (NULL: the first with features) */
    int all_layers;           /* read every layer of the file */
    const char *encoding;     /* shapefile DBF encoding when it has no .cpg */
    const char *user;         /* who imports (audit); NULL: "import" */
    const char *legacy_system;/* stored on rows that do not name their register */
    const char *record_owner; /* department (default) or varans */
    const char *upsert_by;    /* code, legacy_id, external_ref (NULL: always create) */
    int dry_run;              /* validate and report, write nothing */
    int skip_invalid;         /* write the valid rows, report the others */
    progress_mode progress;   /* progress on standard error */
    /* Called now and then with the rows done and the total (-1 when unknown); may be NULL. */
    void (*on_progress)(void *arg, long done, long total);
    void *progress_arg;
    long cpu_s, mem_mb;       /* worker limits (0: defaults) */
} import_options;

typedef struct import_issue {
    long row;                 /* 1 = the first data row (below a header) */
    char field[64];
    char reason[256];
} import_issue;

typedef struct import_report {
    char import_id[40];
    long rows_read, rows_created, rows_updated, rows_invalid;
    long organizations_created, wards_from_crosswalk;
    int committed;            /* the rows are in the register */
    import_issue *issues;     /* row, field, reason of every refused row (owned) */
    size_t nissues, issues_cap;
    long issues_dropped;      /* beyond IMPORT_MAX_ISSUES */
    buf notes;                /* one line each: warnings, the sandbox in use, the CRS */
    buf mapping;              /* "field=column" lines used */
    char crs[200];
} import_report;

#define IMPORT_MAX_ISSUES 100000

/* Import path into the register open on writer c (no transaction open on it). Returns 0 (see
 * rep->committed and rep->rows_invalid), or -1 with err (nothing written). rep is always
 * initialised: free it with import_report_free. */
int import_file(db_conn *c, const char *path, const import_options *opt, import_report *rep, rm_error *err);
void import_report_free(import_report *rep);

/* The report's issues as CSV (row,field,reason; UTF-8) or JSON (an array of objects). */
void import_report_csv(const import_report *rep, FILE *out);
void import_report_json(const import_report *rep, buf *out);

/* GDAL set-up for untrusted files (drivers registered, network off, quiet), as the parse worker
 * uses it: for modules that read a trusted-format upload in-process (io/parse.h parse_gdal_init).
 * Idempotent, thread-safe. */
void import_gdal_init(void);

/* The importable layers, for messages. */
const char *import_layers(void);

#endif
