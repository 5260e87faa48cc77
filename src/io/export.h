/*
 * export: writing features to the files people exchange, through GDAL: CSV (UTF-8 with a BOM, so
 * that Excel shows Vietnamese correctly; X and Y columns), XLSX (lon/lat or x/y columns),
 * GeoPackage, KML (always WGS 84, as the format requires), ESRI Shapefile (zipped, UTF-8 .cpg) and
 * GeoJSON. The caller supplies rows (an id, a position and the text of each attribute) already
 * filtered by what the reader may see; this module only writes them.
 *
 * Positions arrive in WGS 84 and are written in the requested CRS (geo/crs.h: the same pinned
 * VN-2000 transformation as the API's crs= parameter). Files are written to a path the caller
 * chooses, then read back by the caller (the HTTP answer) or left there (the command line).
 */
#ifndef RADMAP_EXPORT_H
#define RADMAP_EXPORT_H

#include <stdint.h>

#include "core/error.h"
#include "db/collection.h"
#include "geo/crs.h"

typedef enum export_format {
    EXPORT_CSV,
    EXPORT_XLSX,
    EXPORT_GPKG,
    EXPORT_KML,
    EXPORT_SHP,
    EXPORT_GEOJSON,
} export_format;

/* "csv", "xlsx", "gpkg", "kml", "shp", "geojson" -> format; -1 when s names none. */
int export_format_parse(const char *s, export_format *f);
const char *export_format_name(export_format f);
/* Media type and file name extension (".shp.zip" for shapefiles). */
const char *export_format_mime(export_format f);
const char *export_format_ext(export_format f);
/* The formats, for messages: "csv, xlsx, gpkg, kml, shp, geojson". */
const char *export_format_list(void);

typedef struct export_field {
    const char *name;
    prop_type type;
} export_field;

typedef struct export_writer export_writer;

/* Start writing path (removed first if it exists) in format f, one layer named layer, with these
 * attribute fields, positions in crs (NULL: WGS 84 longitude, latitude). NULL with err. */
export_writer *export_open(const char *path, export_format f, const char *layer, const export_field *fields,
                           int nfields, const crs_info *crs, rm_error *err);
/* One feature: id, WGS 84 position, and values[i] the text of field i (NULL: no value; numbers and
 * booleans as SQLite writes them). 0 or -1 with err. */
int export_row(export_writer *w, int64_t id, double lon, double lat, const char *const *values, rm_error *err);
/* Finish the file (and zip a shapefile). Frees w whatever happens. 0 or -1 with err. */
int export_close(export_writer *w, rm_error *err);
/* Abandon a file being written (removes it). */
void export_abort(export_writer *w);

#endif
