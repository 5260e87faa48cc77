/*
 * import: GIS files into the register through GDAL; see import.h.
 */
#include "io/import.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/fold.h"

/* The only drivers an untrusted file may be read with. */
static const char *const allowed_drivers[] = {"GeoJSON", "TopoJSON", "GPKG", "ESRI Shapefile", "CSV",
                                              "KML", "LIBKML", "XLSX", NULL};

static pthread_once_t gdal_once = PTHREAD_ONCE_INIT;

static void gdal_setup(void)
{
    /* No file may make GDAL reach the network or other files. */
    CPLSetConfigOption("GDAL_HTTP_TIMEOUT", "1");
    CPLSetConfigOption("CPL_VSIL_CURL_ALLOWED_EXTENSIONS", "none");
    CPLSetConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR");
    CPLSetConfigOption("OGR_GEOJSON_MAX_OBJ_SIZE", "200");
    CPLSetConfigOption("CPL_DEBUG", "OFF");
    /* GDAL's messages are read where GDAL is called (CPLGetLastErrorMsg), never printed. */
    CPLSetErrorHandler(CPLQuietErrorHandler);
    GDALAllRegister();
}

void import_gdal_init(void)
{
    pthread_once(&gdal_once, gdal_setup);
}

/* Refuse names GDAL would treat as virtual file systems or indirections. */
static int check_path(const char *path, rm_error *err)
{
    if (strncmp(path, "/vsi", 4) == 0 || strstr(path, "/vsi") || strchr(path, ':') ||
        strncasecmp(path, "<", 1) == 0)
        return rm_error_set(err, 400, "Refused file", "%s: virtual file systems, URLs and connection strings "
                            "are not accepted; give a plain file path", path);
    const char *dot = strrchr(path, '.');
    if (dot && (strcasecmp(dot, ".vrt") == 0 || strcasecmp(dot, ".ovf") == 0))
        return rm_error_set(err, 400, "Refused file", "%s: VRT files are not accepted (they open other files)", path);
    if (access(path, R_OK) != 0)
        return rm_error_set(err, 404, "No such file", "%s cannot be read", path);
    return 0;
}

/* The column a target field comes from: --map field=column, else the field's own name (any case). */
static int field_index(OGRFeatureDefnH defn, const import_options *o, const char *field, const char *const *alts)
{
    size_t fl = strlen(field);
    for (int i = 0; i < o->nmaps; i++)
        if (strncmp(o->maps[i], field, fl) == 0 && o->maps[i][fl] == '=')
            return OGR_FD_GetFieldIndex(defn, o->maps[i] + fl + 1);
    int n = OGR_FD_GetFieldCount(defn);
    for (int k = 0; k < n; k++) {
        const char *name = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, k));
        if (strcasecmp(name, field) == 0)
            return k;
        for (const char *const *a = alts; a && *a; a++)
            if (strcasecmp(name, *a) == 0)
                return k;
    }
    return -1;
}

static const char *default_value(const import_options *o, const char *field)
{
    size_t fl = strlen(field);
    for (int i = 0; i < o->ndefaults; i++)
        if (strncmp(o->defaults[i], field, fl) == 0 && o->defaults[i][fl] == '=')
            return o->defaults[i] + fl + 1;
    return NULL;
}

static const char *feature_text(OGRFeatureH f, int idx, const import_options *o, const char *field)
{
    if (idx >= 0 && OGR_F_IsFieldSetAndNotNull(f, idx)) {
        const char *s = OGR_F_GetFieldAsString(f, idx);
        if (s && *s)
            return s;
    }
    return default_value(o, field);
}

/* Make valid can turn a polygon into a collection of polygons and slivers of lines: keep the
 * polygons, as one MultiPolygon. Takes ownership of g; NULL when nothing areal remains. */
static OGRGeometryH polygons_only(OGRGeometryH g)
{
    if (!g)
        return NULL;
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPolygon || t == wkbMultiPolygon)
        return g;
    OGRGeometryH mp = OGR_G_CreateGeometry(wkbMultiPolygon);
    int n = OGR_G_GetGeometryCount(g);
    for (int i = 0; i < n; i++) {
        OGRGeometryH part = OGR_G_GetGeometryRef(g, i);
        OGRwkbGeometryType pt = wkbFlatten(OGR_G_GetGeometryType(part));
        if (pt == wkbPolygon)
            OGR_G_AddGeometry(mp, part);
        else if (pt == wkbMultiPolygon)
            for (int k = 0; k < OGR_G_GetGeometryCount(part); k++)
                OGR_G_AddGeometry(mp, OGR_G_GetGeometryRef(part, k));
    }
    OGR_G_DestroyGeometry(g);
    if (OGR_G_GetGeometryCount(mp) == 0) {
        OGR_G_DestroyGeometry(mp);
        return NULL;
    }
    return mp;
}

static int import_boundaries(db_conn *c, OGRLayerH layer, OGRCoordinateTransformationH ct, const char *label,
                             const import_options *o, import_report *rep, rm_error *err)
{
    static const char *const name_alts[] = {"NAME", "ten", "tên", "name_vi", "NAME_VI", "admin", NULL};
    static const char *const code_alts[] = {"id", "ISO_A3", "ma", "mã", NULL};
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    int i_name = field_index(defn, o, "name", name_alts), i_en = field_index(defn, o, "name_en", NULL),
        i_level = field_index(defn, o, "level", NULL), i_code = field_index(defn, o, "code", code_alts),
        i_from = field_index(defn, o, "valid_from", NULL), i_to = field_index(defn, o, "valid_to", NULL);
    sqlite3_stmt *st = db_stmt(c,
        "INSERT INTO boundary(name, name_en, level, code, valid_from, valid_to, source, search_key, "
        "min_lon, min_lat, max_lon, max_lat, geom) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, rm_fold(?1 || ' ' || coalesce(?2, '')), ?8, ?9, ?10, ?11, "
        "CastToMultiPolygon(GeomFromWKB(?12, 4326)))", err);
    if (!st)
        return -1;
    long total = OGR_L_GetFeatureCount(layer, 1);
    OGRFeatureH f;
    OGR_L_ResetReading(layer);
    double gminx = 1e9, gminy = 1e9, gmaxx = -1e9, gmaxy = -1e9;
    while ((f = OGR_L_GetNextFeature(layer)) != NULL) {
        rep->rows_read++;
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        const char *name = feature_text(f, i_name, o, "name");
        const char *level = feature_text(f, i_level, o, "level");
        if (!level)
            level = "country";
        if (!g || !name || OGR_G_IsEmpty(g)) {
            rep->rows_invalid++;
            OGR_F_Destroy(f);
            continue;
        }
        OGRwkbGeometryType gt = wkbFlatten(OGR_G_GetGeometryType(g));
        if (gt != wkbPolygon && gt != wkbMultiPolygon) {
            rep->rows_invalid++;
            OGR_F_Destroy(f);
            continue;
        }
        if (ct && OGR_G_Transform(g, ct) != OGRERR_NONE) {
            OGR_F_Destroy(f);
            return rm_error_set(err, 422, "Cannot reproject", "row %ld cannot be reprojected to EPSG:4326: %s",
                                rep->rows_read, CPLGetLastErrorMsg());
        }
        if (!OGR_G_IsValid(g)) {
            OGRGeometryH v = polygons_only(OGR_G_MakeValid(g));
            if (!v) {
                rep->rows_invalid++;
                OGR_F_Destroy(f);
                continue;
            }
            OGR_F_SetGeometryDirectly(f, v);
            g = v;
        }
        OGREnvelope env;
        OGR_G_GetEnvelope(g, &env);
        int wkb_len = OGR_G_WkbSize(g);
        unsigned char *wkb = malloc((size_t)wkb_len);
        if (!wkb)
            abort();
        OGR_G_ExportToWkb(g, wkbNDR, wkb);
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        const char *en = feature_text(f, i_en, o, "name_en");
        if (en)
            sqlite3_bind_text(st, 2, en, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, 2);
        sqlite3_bind_text(st, 3, level, -1, SQLITE_TRANSIENT);
        const char *vals[3] = {feature_text(f, i_code, o, "code"), feature_text(f, i_from, o, "valid_from"),
                               feature_text(f, i_to, o, "valid_to")};
        for (int k = 0; k < 3; k++)
            if (vals[k])
                sqlite3_bind_text(st, 4 + k, vals[k], -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, 4 + k);
        sqlite3_bind_text(st, 7, label, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 8, env.MinX);
        sqlite3_bind_double(st, 9, env.MinY);
        sqlite3_bind_double(st, 10, env.MaxX);
        sqlite3_bind_double(st, 11, env.MaxY);
        sqlite3_bind_blob(st, 12, wkb, wkb_len, free);
        int s = sqlite3_step(st);
        db_stmt_done(st);
        OGR_F_Destroy(f);
        if (s != SQLITE_DONE) {
            char detail[600];
            snprintf(detail, sizeof detail, "row %ld", rep->rows_read);
            return db_error(c, err, 422, detail);
        }
        rep->rows_written++;
        if (env.MinX < gminx) gminx = env.MinX;
        if (env.MinY < gminy) gminy = env.MinY;
        if (env.MaxX > gmaxx) gmaxx = env.MaxX;
        if (env.MaxY > gmaxy) gmaxy = env.MaxY;
        if (o->progress && total > 0 && rep->rows_read % 50 == 0) {
            fprintf(stderr, "\rimport: %ld/%ld rows (%ld%%)", rep->rows_read, total, rep->rows_read * 100 / total);
            fflush(stderr);
        }
    }
    if (o->progress && total > 0)
        fprintf(stderr, "\rimport: %ld/%ld rows (100%%)\n", rep->rows_read, total);
    if (rep->rows_written) {
        sqlite3_stmt *tc = db_stmt(c, "INSERT INTO tile_change(layer, min_lon, min_lat, max_lon, max_lat) "
                                      "VALUES ('boundaries', ?, ?, ?, ?)", err);
        if (!tc)
            return -1;
        sqlite3_bind_double(tc, 1, gminx);
        sqlite3_bind_double(tc, 2, gminy);
        sqlite3_bind_double(tc, 3, gmaxx);
        sqlite3_bind_double(tc, 4, gmaxy);
        int s = sqlite3_step(tc);
        db_stmt_done(tc);
        if (s != SQLITE_DONE)
            return db_error(c, err, 500, "recording the change for the tile cache");
    }
    return 0;
}

int import_file(db_conn *c, const char *path, const import_options *o, import_report *rep, rm_error *err)
{
    memset(rep, 0, sizeof *rep);
    if (!o->layer || strcmp(o->layer, "boundaries") != 0)
        return rm_error_set(err, 400, "Unknown layer", "--layer %s is not importable yet; layers: boundaries",
                            o->layer ? o->layer : "(none)");
    if (check_path(path, err) < 0)
        return -1;
    import_gdal_init();
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, allowed_drivers, NULL, NULL);
    if (!ds)
        return rm_error_set(err, 422, "Unreadable file", "%s is not a readable GeoJSON, TopoJSON, GeoPackage, "
                            "Shapefile, CSV, KML or XLSX file: %s", path, CPLGetLastErrorMsg());
    int rc = -1;
    OGRSpatialReferenceH wgs84 = OSRNewSpatialReference(NULL), given = NULL;
    OGRCoordinateTransformationH ct = NULL;
    OSRSetFromUserInput(wgs84, "EPSG:4326");
    OSRSetAxisMappingStrategy(wgs84, OAMS_TRADITIONAL_GIS_ORDER);
    OGRLayerH layer = GDALDatasetGetLayer(ds, 0);
    if (!layer) {
        rm_error_set(err, 422, "Empty file", "%s holds no layer", path);
        goto cleanup;
    }
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(layer);
    if (!srs && o->crs) {
        given = OSRNewSpatialReference(NULL);
        if (OSRSetFromUserInput(given, o->crs) != OGRERR_NONE) {
            rm_error_set(err, 400, "Unknown CRS", "--crs %s is not a CRS PROJ knows (use EPSG:XXXX)", o->crs);
            goto cleanup;
        }
        srs = given;
    }
    if (srs) {
        OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
        if (!OSRIsSame(srs, wgs84)) {
            ct = OCTNewCoordinateTransformation(srs, wgs84);
            if (!ct) {
                rm_error_set(err, 422, "Cannot reproject", "no transformation from the file's CRS to EPSG:4326");
                goto cleanup;
            }
        }
    }
    const char *base = strrchr(path, '/');
    const char *label = o->source_label ? o->source_label : base ? base + 1 : path;
    if (db_exec(c, "BEGIN IMMEDIATE", err) < 0)
        goto cleanup;
    if (import_boundaries(c, layer, ct, label, o, rep, err) < 0) {
        db_exec(c, "ROLLBACK", NULL);
        goto cleanup;
    }
    if (db_exec(c, o->dry_run ? "ROLLBACK" : "COMMIT", err) < 0) {
        db_exec(c, "ROLLBACK", NULL);
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    if (given)
        OSRDestroySpatialReference(given);
    OSRDestroySpatialReference(wgs84);
    GDALClose(ds);
    return rc;
}
