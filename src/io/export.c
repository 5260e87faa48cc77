/*
 * export: features to GIS files through GDAL; see export.h.
 */
#include "io/export.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/parse.h"

static const struct {
    const char *name, *driver, *mime, *ext;
} formats[] = {
    [EXPORT_CSV] = {"csv", "CSV", "text/csv; charset=utf-8", ".csv"},
    [EXPORT_XLSX] = {"xlsx", "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"},
    [EXPORT_GPKG] = {"gpkg", "GPKG", "application/geopackage+sqlite3", ".gpkg"},
    [EXPORT_KML] = {"kml", "LIBKML", "application/vnd.google-earth.kml+xml", ".kml"},
    [EXPORT_SHP] = {"shp", "ESRI Shapefile", "application/zip", ".shp.zip"},
    [EXPORT_GEOJSON] = {"geojson", "GeoJSON", "application/geo+json", ".geojson"},
};

int export_format_parse(const char *s, export_format *f)
{
    for (int i = 0; i < (int)(sizeof formats / sizeof formats[0]); i++)
        if (s && strcmp(s, formats[i].name) == 0) {
            *f = (export_format)i;
            return 0;
        }
    return -1;
}

const char *export_format_name(export_format f) { return formats[f].name; }
const char *export_format_mime(export_format f) { return formats[f].mime; }
const char *export_format_ext(export_format f) { return formats[f].ext; }
const char *export_format_list(void) { return "csv, xlsx, gpkg, kml, shp, geojson"; }

struct export_writer {
    export_format f;
    char *path;               /* what GDAL writes */
    char *final_path;         /* where it goes when done (NULL: path) */
    GDALDatasetH ds;
    OGRLayerH layer;
    OGRFeatureDefnH defn;
    const export_field *fields;
    int nfields;
    int coord_cols;            /* XLSX: x/y as the first two fields */
    const crs_info *crs;       /* NULL: WGS 84 */
    OGRSpatialReferenceH srs;
    int in_tx;
};

static void writer_free(export_writer *w)
{
    if (w->srs)
        OSRDestroySpatialReference(w->srs);
    free(w->path);
    free(w->final_path);
    free(w);
}

/* Remove what a failed write left (a shapefile's parts, the zip). */
static void remove_output(const char *path)
{
    unlink(path);
}

export_writer *export_open(const char *path, export_format f, const char *layer, const export_field *fields,
                           int nfields, const crs_info *crs, rm_error *err)
{
    parse_gdal_init();
    if (crs && crs->wgs84)
        crs = NULL;
    if (f == EXPORT_KML && crs) {
        rm_error_set(err, 400, "Invalid parameter", "KML is always in WGS 84 longitude, latitude: crs cannot be "
                     "%s for f=kml", crs->uri);
        return NULL;
    }
    export_writer *w = calloc(1, sizeof *w);
    if (!w)
        abort();
    w->f = f;
    size_t pl = strlen(path);
    if (f == EXPORT_SHP && pl > 4 && strcmp(path + pl - 4, ".zip") == 0 && !(pl > 8 && strcmp(path + pl - 8, ".shp.zip") == 0)) {
        /* GDAL zips a shapefile it writes to NAME.shp.zip; another .zip name is given at the end. */
        w->final_path = strdup(path);
        size_t n = pl + 16;
        w->path = malloc(n);
        if (w->path)
            snprintf(w->path, n, "%s.shp.zip", path);
        remove_output(path);
    } else {
        w->path = strdup(path);
    }
    if (!w->path)
        abort();
    path = w->path;
    w->fields = fields;
    w->nfields = nfields;
    w->crs = crs;
    remove_output(path);
    GDALDriverH drv = GDALGetDriverByName(formats[f].driver);
    if (!drv) {
        rm_error_set(err, 500, "Export unavailable", "GDAL has no %s driver here", formats[f].driver);
        writer_free(w);
        return NULL;
    }
    char **dco = NULL, **lco = NULL;
    if (f == EXPORT_CSV) {
        lco = CSLSetNameValue(lco, "GEOMETRY", "AS_XY");
        lco = CSLSetNameValue(lco, "WRITE_BOM", "YES");
        lco = CSLSetNameValue(lco, "CREATE_CSVT", "NO");
    } else if (f == EXPORT_SHP) {
        lco = CSLSetNameValue(lco, "ENCODING", "UTF-8");
    } else if (f == EXPORT_GEOJSON) {
        if (!crs)
            lco = CSLSetNameValue(lco, "RFC7946", "YES");
        lco = CSLSetNameValue(lco, "WRITE_NAME", "NO");
    } else if (f == EXPORT_GPKG) {
        lco = CSLSetNameValue(lco, "FID", "fid");
    }
    CPLErrorReset();
    w->ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, dco);
    CSLDestroy(dco);
    if (!w->ds) {
        rm_error_set(err, 500, "Export failed", "cannot create the %s file: %s", formats[f].name, CPLGetLastErrorMsg());
        CSLDestroy(lco);
        writer_free(w);
        return NULL;
    }
    w->srs = OSRNewSpatialReference(NULL);
    if (crs && crs->proj_def) /* an admin-defined TM-3 zone: no EPSG code, its projection */
        OSRSetFromUserInput(w->srs, crs->proj_def);
    else
        OSRImportFromEPSG(w->srs, crs ? crs->code : 4326);
    OSRSetAxisMappingStrategy(w->srs, OAMS_TRADITIONAL_GIS_ORDER);
    OGRwkbGeometryType gt = f == EXPORT_XLSX ? wkbNone : wkbPoint;
    w->layer = GDALDatasetCreateLayer(w->ds, layer, gt == wkbNone ? NULL : w->srs, gt, lco);
    CSLDestroy(lco);
    if (!w->layer) {
        rm_error_set(err, 500, "Export failed", "cannot create the layer: %s", CPLGetLastErrorMsg());
        export_abort(w);
        return NULL;
    }
    if (f == EXPORT_XLSX) {
        bool proj = crs && !crs->geographic;
        const char *names[2] = {proj ? "x" : "lon", proj ? "y" : "lat"};
        for (int k = 0; k < 2; k++) {
            OGRFieldDefnH fd = OGR_Fld_Create(names[k], OFTReal);
            OGR_L_CreateField(w->layer, fd, 1);
            OGR_Fld_Destroy(fd);
        }
        w->coord_cols = 2;
    }
    for (int i = 0; i < nfields; i++) {
        OGRFieldType t = fields[i].type == PROP_INT ? OFTInteger64 : fields[i].type == PROP_REAL ? OFTReal
                       : fields[i].type == PROP_BOOL ? OFTInteger : OFTString;
        OGRFieldDefnH fd = OGR_Fld_Create(fields[i].name, t);
        if (fields[i].type == PROP_BOOL)
            OGR_Fld_SetSubType(fd, OFSTBoolean);
        OGRErr e = OGR_L_CreateField(w->layer, fd, 1);
        OGR_Fld_Destroy(fd);
        if (e != OGRERR_NONE) {
            rm_error_set(err, 500, "Export failed", "cannot create field %s: %s", fields[i].name, CPLGetLastErrorMsg());
            export_abort(w);
            return NULL;
        }
    }
    w->defn = OGR_L_GetLayerDefn(w->layer);
    /* Drivers without transactions write feature by feature. */
    w->in_tx = OGR_L_TestCapability(w->layer, OLCTransactions) && OGR_L_StartTransaction(w->layer) == OGRERR_NONE;
    return w;
}

int export_row(export_writer *w, int64_t id, double lon, double lat, const char *const *values, rm_error *err)
{
    double x = lon, y = lat;
    if (w->crs && crs_from_wgs84(w->crs, lon, lat, &x, &y, "crs", err) < 0)
        return -1;
    OGRFeatureH f = OGR_F_Create(w->defn);
    if (w->f == EXPORT_XLSX) {
        OGR_F_SetFieldDouble(f, 0, x);
        OGR_F_SetFieldDouble(f, 1, y);
    } else {
        OGRGeometryH g = OGR_G_CreateGeometry(wkbPoint);
        OGR_G_SetPoint_2D(g, 0, x, y);
        OGR_F_SetGeometryDirectly(f, g);
    }
    if (w->f == EXPORT_GPKG)
        OGR_F_SetFID(f, id);
    for (int i = 0; i < w->nfields; i++) {
        const char *v = values[i];
        int k = i + w->coord_cols;
        if (!v) {
            OGR_F_SetFieldNull(f, k);
            continue;
        }
        switch (w->fields[i].type) {
        case PROP_INT:
        case PROP_BOOL: OGR_F_SetFieldInteger64(f, k, strtoll(v, NULL, 10)); break;
        case PROP_REAL: OGR_F_SetFieldDouble(f, k, strtod(v, NULL)); break;
        default: OGR_F_SetFieldString(f, k, v); break;
        }
    }
    OGRErr e = OGR_L_CreateFeature(w->layer, f);
    OGR_F_Destroy(f);
    if (e != OGRERR_NONE)
        return rm_error_set(err, 500, "Export failed", "cannot write feature %lld: %s", (long long)id,
                            CPLGetLastErrorMsg());
    return 0;
}

int export_close(export_writer *w, rm_error *err)
{
    if (!w)
        return 0;
    int rc = 0;
    if (w->in_tx && OGR_L_CommitTransaction(w->layer) != OGRERR_NONE) {
        rm_error_set(err, 500, "Export failed", "cannot finish the %s file: %s", formats[w->f].name,
                     CPLGetLastErrorMsg());
        rc = -1;
    }
    CPLErrorReset();
    GDALClose(w->ds);
    if (CPLGetLastErrorType() >= CE_Failure && rc == 0) {
        rm_error_set(err, 500, "Export failed", "cannot finish the %s file: %s", formats[w->f].name,
                     CPLGetLastErrorMsg());
        rc = -1;
    }
    if (rc < 0)
        remove_output(w->path);
    else if (w->final_path && rename(w->path, w->final_path) != 0) {
        rm_error_set(err, 500, "Export failed", "cannot move the file to %s", w->final_path);
        remove_output(w->path);
        rc = -1;
    }
    writer_free(w);
    return rc;
}

void export_abort(export_writer *w)
{
    if (!w)
        return;
    if (w->ds)
        GDALClose(w->ds);
    remove_output(w->path);
    writer_free(w);
}
