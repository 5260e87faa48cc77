/*
 * parse: reading an untrusted GIS file with GDAL into the record stream of io/rowpipe.h. This is
 * what the sandboxed parse worker (io/sandbox.h) runs; the importer never opens a user's file with
 * GDAL itself. The fuzz target calls it in-process.
 *
 * Rules for untrusted files:
 *   - the path is a plain regular file: no "/vsi" prefix, no "scheme:" or connection string, no VRT
 *     (by name or by content), nothing GDAL would treat as an indirection;
 *   - the driver is chosen by the file's extension from an explicit list (CSV, XLSX, ESRI
 *     Shapefile, GPKG, GeoJSON, TopoJSON, KML/LIBKML), so no driver that opens other files or URLs
 *     is ever tried; GDAL's network access is switched off by configuration;
 *   - ZIP archives (zipped shapefiles, KMZ) are checked and unpacked by io/zipcheck.h into a scratch
 *     directory with every entry held to its declared size; XLSX containers are verified the same
 *     way before the XLSX driver opens them.
 * Values are sent as text (dates as YYYY-MM-DD), geometries as 2D ISO WKB made valid (polygons) and
 * linearised (curves), in the file's own CRS, which the layer record identifies as an EPSG code
 * when GDAL can.
 */
#ifndef RADMAP_PARSE_H
#define RADMAP_PARSE_H

#include <stddef.h>

#include "io/zipcheck.h"

typedef struct parse_options {
    const char *source_layer;  /* the layer of a multi-layer file to read (NULL: the first with features) */
    int all_layers;            /* read every layer */
    const char *scratch_dir;   /* where archives are unpacked (NULL: archives are refused) */
    const char *encoding;      /* shapefile DBF encoding when the file has no .cpg (NULL: GDAL's default) */
    zip_limits zip;
} parse_options;

/* Receives the stream in chunks; a negative return stops the parse. */
typedef int (*parse_emit)(void *arg, const void *data, size_t len);

/* GDAL set-up for untrusted files (drivers registered, network off, messages kept quiet).
 * Idempotent and thread-safe. */
void parse_gdal_init(void);

/* Check that path names a plain file radmap may open: 0, or -1 with why. */
int parse_check_path(const char *path, char *why, size_t why_len);

/* Read path and emit its records, always ending with an 'E' (error) or 'Z' (end) record.
 * Returns 0 when the file was read to its end, -1 after an error record (or when emit failed). */
int parse_file(const char *path, const parse_options *o, parse_emit emit, void *arg);

#endif
