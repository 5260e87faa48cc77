/*
 * import: reading GIS files into the register through GDAL.
 *
 * Files are untrusted input: they are opened only by an explicit list of vector drivers, never
 * through a /vsi path, a VRT or any driver that makes GDAL open other files or URLs, and GDAL's
 * network access is switched off. Every layer goes in through one transaction: a failure leaves
 * the register as it was. Coordinates are reprojected to EPSG:4326 with the CRS the file declares,
 * or --crs when it declares none.
 *
 * Layers handled now: boundaries (polygons: name, level, code, valid_from, valid_to).
 */
#ifndef RADMAP_IMPORT_H
#define RADMAP_IMPORT_H

#include "core/error.h"
#include "db/db.h"

#define IMPORT_MAX_MAPS 32

typedef struct import_options {
    const char *layer;        /* target layer: "boundaries" */
    const char *crs;          /* CRS of files that declare none ("EPSG:9210"); NULL: EPSG:4326 */
    const char *maps[IMPORT_MAX_MAPS]; /* "field=column" */
    int nmaps;
    const char *defaults[IMPORT_MAX_MAPS]; /* "field=value" for fields the file lacks */
    int ndefaults;
    const char *source_label; /* provenance stored with each row (NULL: the file name) */
    int dry_run;              /* validate and report, write nothing */
    int progress;             /* progress on stderr */
} import_options;

typedef struct import_report {
    long rows_read;
    long rows_written;
    long rows_invalid;
} import_report;

/* Import path into the register open on writer c. Returns 0, or -1 with err filled (nothing written). */
int import_file(db_conn *c, const char *path, const import_options *opt, import_report *rep, rm_error *err);

/* GDAL set-up for untrusted files (drivers registered, network off). Idempotent, thread-safe. */
void import_gdal_init(void);

#endif
