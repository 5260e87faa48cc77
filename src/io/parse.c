/*
 * parse: GDAL reading of untrusted files into the record stream; see parse.h.
 */
#include "io/parse.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <errno.h>
#include <fcntl.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "io/rowpipe.h"

#define FLUSH_BYTES (1u << 20)
#define MAX_FILE_BYTES ((uint64_t)4 << 30)

static pthread_once_t gdal_once = PTHREAD_ONCE_INIT;

static void gdal_setup(void)
{
    /* No file may make GDAL reach the network or other files. */
    CPLSetConfigOption("GDAL_HTTP_TIMEOUT", "1");
    CPLSetConfigOption("GDAL_HTTP_MAX_RETRY", "0");
    CPLSetConfigOption("CPL_VSIL_CURL_ALLOWED_EXTENSIONS", "{noext}-none");
    CPLSetConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR");
    CPLSetConfigOption("OGR_GEOJSON_MAX_OBJ_SIZE", "200");
    CPLSetConfigOption("GDAL_PAM_ENABLED", "NO");
    CPLSetConfigOption("CPL_DEBUG", "OFF");
    CPLSetConfigOption("OGR_SQLITE_PRAGMA", "trusted_schema=OFF");
    CPLSetConfigOption("LIBKML_RESOLVE_STYLE", "NO");
    CPLSetConfigOption("LIBKML_EXTERNAL_STYLE", "NO");
    /* GDAL's messages are read where GDAL is called (CPLGetLastErrorMsg), never printed. */
    CPLSetErrorHandler(CPLQuietErrorHandler);
    GDALAllRegister();
}

void parse_gdal_init(void) { pthread_once(&gdal_once, gdal_setup); }

static const char *ext_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    return dot ? dot : "";
}

int parse_check_path(const char *path, char *why, size_t n)
{
    if (!path || !*path) {
        snprintf(why, n, "no file given");
        return -1;
    }
    if (strncmp(path, "/vsi", 4) == 0 || strstr(path, "/vsi") || strchr(path, ':') || path[0] == '<' ||
        strchr(path, '{') || strchr(path, '\n')) {
        snprintf(why, n, "%.200s: virtual file systems (/vsi...), URLs and connection strings are not accepted; "
                 "give a plain file path", path);
        return -1;
    }
    const char *ext = ext_of(path);
    if (strcasecmp(ext, ".vrt") == 0 || strcasecmp(ext, ".ovf") == 0 || strcasecmp(ext, ".xml") == 0) {
        snprintf(why, n, "%.200s: VRT and other files that open further files are not accepted", path);
        return -1;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(why, n, "%.200s cannot be read: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, n, "%.200s is not a regular file", path);
        return -1;
    }
    return 0;
}

/* The drivers a file of this extension may be opened with (NULL: not a file radmap reads). */
static const char *const *drivers_for(const char *ext)
{
    static const char *const csv[] = {"CSV", NULL}, *const xlsx[] = {"XLSX", NULL},
                             *const shp[] = {"ESRI Shapefile", NULL}, *const gpkg[] = {"GPKG", NULL},
                             *const geojson[] = {"GeoJSON", NULL}, *const json[] = {"GeoJSON", "TopoJSON", NULL},
                             *const topojson[] = {"TopoJSON", NULL}, *const kml[] = {"LIBKML", "KML", NULL};
    static const struct { const char *ext; const char *const *drivers; } t[] = {
        {".csv", csv}, {".txt", csv}, {".xlsx", xlsx}, {".shp", shp}, {".dbf", shp}, {".gpkg", gpkg},
        {".geojson", geojson}, {".json", json}, {".topojson", topojson}, {".kml", kml},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcasecmp(ext, t[i].ext) == 0)
            return t[i].drivers;
    return NULL;
}

typedef struct out_ctx {
    buf b;
    parse_emit emit;
    void *arg;
    int failed;
} out_ctx;

static void flush(out_ctx *o, int force)
{
    if (o->failed || !o->b.len || (!force && o->b.len < FLUSH_BYTES))
        return;
    if (o->emit(o->arg, o->b.data, o->b.len) < 0)
        o->failed = 1;
    buf_reset(&o->b);
}

static int fail(out_ctx *o, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(out_ctx *o, int status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rowpipe_put_text(&o->b, ROWPIPE_ERROR, (uint32_t)status, msg);
    flush(o, 1);
    return -1;
}

static void note(out_ctx *o, const char *msg)
{
    rowpipe_put_text(&o->b, ROWPIPE_NOTE, 0, msg);
}

/* Whether needle occurs in hay[0..n). */
static int contains(const unsigned char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (hay[i] == (unsigned char)needle[0] && memcmp(hay + i, needle, k) == 0)
            return 1;
    return 0;
}

/* The file's bytes, mapped read-only (or NULL with why). */
static const unsigned char *map_file(const char *path, size_t *len, char *why, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, n, "cannot open %.200s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || (uint64_t)st.st_size > MAX_FILE_BYTES) {
        close(fd);
        snprintf(why, n, "%.200s is larger than 4 GiB", path);
        return NULL;
    }
    *len = (size_t)st.st_size;
    if (!*len) {
        close(fd);
        snprintf(why, n, "%.200s is empty", path);
        return NULL;
    }
    void *p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        snprintf(why, n, "cannot map %.200s: %s", path, strerror(errno));
        return NULL;
    }
    return p;
}

typedef struct file_sink {
    FILE *f;
} file_sink;

static int to_file(void *arg, const void *bytes, size_t n)
{
    return fwrite(bytes, 1, n, ((file_sink *)arg)->f) == n ? 0 : -1;
}

static int to_nowhere(void *arg, const void *bytes, size_t n) { return 0; }

/* Verify every entry of an archive by inflating it (size and CRC held); 0 or -1 with why. */
static int verify_archive(const unsigned char *data, size_t len, const zip_limits *lim, char *why, size_t n)
{
    zip_archive z;
    if (zip_open_mem(data, len, lim, &z, why, n) < 0)
        return -1;
    int rc = 0;
    for (int i = 0; i < z.n && rc == 0; i++)
        if (!z.entries[i].is_dir)
            rc = zip_extract(data, len, &z.entries[i], to_nowhere, NULL, why, n);
    zip_close(&z);
    return rc;
}

/* Unpack the GIS members of an archive into dir; the path of its one dataset into main. */
static int unpack_archive(const unsigned char *data, size_t len, const parse_options *o, char *main_path,
                          size_t main_len, char *why, size_t n)
{
    static const char *const members[] = {".shp", ".shx", ".dbf", ".prj", ".cpg", ".gpkg", ".geojson", ".json",
                                          ".topojson", ".kml", ".csv", ".xlsx", NULL};
    static const char *const datasets[] = {".shp", ".gpkg", ".geojson", ".json", ".topojson", ".kml", ".csv",
                                           ".xlsx", NULL};
    if (!o->scratch_dir) {
        snprintf(why, n, "archives are not accepted here");
        return -1;
    }
    zip_archive z;
    if (zip_open_mem(data, len, &o->zip, &z, why, n) < 0)
        return -1;
    int rc = -1, ndatasets = 0;
    char first[256] = "", list[512] = "";
    for (int i = 0; i < z.n; i++) {
        zip_entry *e = &z.entries[i];
        if (e->is_dir)
            continue;
        const char *base = strrchr(e->name, '/');
        base = base ? base + 1 : e->name;
        if (base[0] == '.' || strncmp(e->name, "__MACOSX/", 9) == 0)
            continue; /* resource forks and hidden files */
        const char *ext = ext_of(base);
        int wanted = 0;
        for (int k = 0; members[k]; k++)
            if (strcasecmp(ext, members[k]) == 0)
                wanted = 1;
        if (!wanted)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", o->scratch_dir, base);
        if (access(path, F_OK) == 0) {
            snprintf(why, n, "the archive holds two files named %.100s", base);
            goto done;
        }
        FILE *f = fopen(path, "wbx");
        if (!f) {
            snprintf(why, n, "cannot unpack %.100s: %s", base, strerror(errno));
            goto done;
        }
        file_sink s = {f};
        int x = zip_extract(data, len, e, to_file, &s, why, n);
        if (fclose(f) != 0 && x == 0) {
            snprintf(why, n, "cannot unpack %.100s (file size limit?)", base);
            x = -1;
        }
        if (x < 0)
            goto done;
        for (int k = 0; datasets[k]; k++)
            if (strcasecmp(ext, datasets[k]) == 0) {
                ndatasets++;
                if (!first[0])
                    snprintf(first, sizeof first, "%s", base);
                size_t l = strlen(list);
                snprintf(list + l, sizeof list - l, "%s%s", l ? ", " : "", base);
            }
    }
    if (ndatasets == 0) {
        snprintf(why, n, "the archive holds no shapefile, GeoPackage, GeoJSON, KML, CSV or XLSX file");
        goto done;
    }
    if (ndatasets > 1) {
        /* A KMZ: doc.kml is the document, other KML files are its parts. */
        char doc[4096];
        snprintf(doc, sizeof doc, "%s/doc.kml", o->scratch_dir);
        if (access(doc, F_OK) == 0) {
            snprintf(first, sizeof first, "doc.kml");
        } else {
            snprintf(why, n, "the archive holds several datasets (%.300s); send one per import", list);
            goto done;
        }
    }
    snprintf(main_path, main_len, "%s/%s", o->scratch_dir, first);
    rc = 0;
done:
    zip_close(&z);
    return rc;
}

/* Identify the layer's CRS as an EPSG code (0 when none or unknown). */
static int32_t srs_code(OGRSpatialReferenceH srs, char *name, size_t name_len, int *is_vn2000)
{
    *is_vn2000 = 0;
    name[0] = 0;
    if (!srs)
        return 0;
    const char *nm = OSRGetName(srs);
    snprintf(name, name_len, "%s", nm ? nm : "");
    const char *datum = OSRGetAttrValue(srs, "DATUM", 0);
    if (datum && (strstr(datum, "Vietnam") || strstr(datum, "VN-2000") || strstr(datum, "VN_2000") ||
                  strstr(datum, "VN2000")))
        *is_vn2000 = 1;
    const char *target = OSRIsProjected(srs) ? "PROJCS" : OSRIsGeographic(srs) ? "GEOGCS" : NULL;
    const char *auth = OSRGetAuthorityName(srs, target);
    const char *code = OSRGetAuthorityCode(srs, target);
    if (auth && code && strcasecmp(auth, "EPSG") == 0)
        return (int32_t)atoi(code);
    int n = 0;
    int *conf = NULL;
    OGRSpatialReferenceH *m = OSRFindMatches(srs, NULL, &n, &conf);
    int32_t best = 0;
    if (m && n > 0 && conf && conf[0] >= 90) {
        const char *t2 = OSRIsProjected(m[0]) ? "PROJCS" : "GEOGCS";
        const char *a2 = OSRGetAuthorityName(m[0], t2), *c2 = OSRGetAuthorityCode(m[0], t2);
        if (a2 && c2 && strcasecmp(a2, "EPSG") == 0)
            best = (int32_t)atoi(c2);
    }
    if (m)
        OSRFreeSRSArray(m);
    CPLFree(conf);
    return best;
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

/* The feature's geometry as 2D ISO WKB in wkb (empty when it has none). */
static void feature_wkb(OGRFeatureH f, buf *wkb)
{
    buf_reset(wkb);
    OGRGeometryH g0 = OGR_F_GetGeometryRef(f);
    if (!g0 || OGR_G_IsEmpty(g0))
        return;
    OGRGeometryH g = OGR_G_Clone(g0);
    OGR_G_FlattenTo2D(g);
    if (OGR_G_HasCurveGeometry(g, 1)) {
        OGRGeometryH lin = OGR_G_GetLinearGeometry(g, 0, NULL);
        OGR_G_DestroyGeometry(g);
        g = lin;
    }
    if (!g)
        return;
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if ((t == wkbPolygon || t == wkbMultiPolygon) && !OGR_G_IsValid(g)) {
        OGRGeometryH v = polygons_only(OGR_G_MakeValid(g));
        OGR_G_DestroyGeometry(g);
        g = v;
        if (!g)
            return;
    }
    int n = OGR_G_WkbSize(g);
    if (n > 0) {
        buf_grow(wkb, (size_t)n);
        if (OGR_G_ExportToIsoWkb(g, wkbNDR, (unsigned char *)wkb->data) == OGRERR_NONE)
            wkb->len = (size_t)n;
    }
    OGR_G_DestroyGeometry(g);
}

/* How a dataset was opened, so that a second handle can be opened like it. */
typedef struct open_spec {
    const char *path;
    const char *const *drivers;
    char **options;
} open_spec;

/* A CSV layer's count is a pass over the whole file (GDAL counts lines). Made before the first row
 * it delays the import by that pass (70 ms for 100 000 rows); made on a second handle of the file
 * in its own thread, beside the reading, it costs nothing in time: the record stream gives the
 * count as soon as it is known ('C'). GDAL allows different datasets in different threads. */
typedef struct layer_counter {
    pthread_t thread;
    const open_spec *spec;
    int layer_index;
    _Atomic int64_t count; /* -1 until known, -2 when the second handle could not count */
} layer_counter;

static void *count_layer(void *arg)
{
    layer_counter *c = arg;
    int64_t n = -2;
    GDALDatasetH ds = GDALOpenEx(c->spec->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, c->spec->drivers,
                                 (const char *const *)c->spec->options, NULL);
    OGRLayerH l = ds ? GDALDatasetGetLayer(ds, c->layer_index) : NULL;
    if (l) {
        GIntBig k = OGR_L_GetFeatureCount(l, 1);
        n = k >= 0 ? (int64_t)k : -2;
    }
    if (ds)
        GDALClose(ds);
    atomic_store(&c->count, n);
    return NULL;
}

static int read_layer(out_ctx *o, OGRLayerH layer, const open_spec *spec, int layer_index)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    int nf = OGR_FD_GetFieldCount(defn);
    if (nf > ROWPIPE_MAX_FIELDS)
        return fail(o, 422, "the layer has %d columns; at most %d are read", nf, ROWPIPE_MAX_FIELDS);
    const char *names[ROWPIPE_MAX_FIELDS];
    uint8_t types[ROWPIPE_MAX_FIELDS];
    for (int i = 0; i < nf; i++) {
        OGRFieldDefnH fd = OGR_FD_GetFieldDefn(defn, i);
        names[i] = OGR_Fld_GetNameRef(fd);
        types[i] = (uint8_t)OGR_Fld_GetType(fd);
    }
    char srs_name[200];
    int vn2000 = 0;
    int32_t code = srs_code(OGR_L_GetSpatialRef(layer), srs_name, sizeof srs_name, &vn2000);
    if (!code && OGR_L_GetSpatialRef(layer) && !srs_name[0])
        snprintf(srs_name, sizeof srs_name, "(unnamed)");
    layer_counter counter = {.spec = spec, .layer_index = layer_index, .count = -1};
    bool counting = false, count_sent = false;
    int64_t count = -1;
    if (strcmp(spec->drivers[0], "CSV") == 0 && !OGR_L_TestCapability(layer, OLCFastFeatureCount))
        counting = pthread_create(&counter.thread, NULL, count_layer, &counter) == 0;
    if (!counting)
        count = (int64_t)OGR_L_GetFeatureCount(layer, 1);
    rowpipe_put_layer(&o->b, OGR_L_GetName(layer), code, srs_name, vn2000, count, (uint32_t)nf, names, types);
    const char *values[ROWPIPE_MAX_FIELDS];
    size_t offs[ROWPIPE_MAX_FIELDS];
    buf text = BUF_INIT; /* the row's values, one after the other (GDAL reuses its own buffer) */
    buf wkb = BUF_INIT;
    OGR_L_ResetReading(layer);
    OGRFeatureH f;
    while (!o->failed && (f = OGR_L_GetNextFeature(layer)) != NULL) {
        buf_reset(&text);
        for (int i = 0; i < nf; i++) {
            offs[i] = (size_t)-1;
            if (!OGR_F_IsFieldSetAndNotNull(f, i))
                continue;
            offs[i] = text.len;
            int y, m, d, hh, mi, tz;
            float ss;
            if ((types[i] == OFTDate || types[i] == OFTDateTime) &&
                OGR_F_GetFieldAsDateTimeEx(f, i, &y, &m, &d, &hh, &mi, &ss, &tz)) {
                if (types[i] == OFTDate || (hh == 0 && mi == 0 && ss == 0))
                    buf_appendf(&text, "%04d-%02d-%02d", y, m, d);
                else
                    buf_appendf(&text, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, hh, mi, (int)ss);
            } else {
                buf_puts(&text, OGR_F_GetFieldAsString(f, i));
            }
            buf_putc(&text, 0);
        }
        for (int i = 0; i < nf; i++)
            values[i] = offs[i] == (size_t)-1 ? NULL : text.data + offs[i];
        feature_wkb(f, &wkb);
        rowpipe_put_feature(&o->b, (int64_t)OGR_F_GetFID(f), (uint32_t)nf, values,
                            (const unsigned char *)wkb.data, wkb.len);
        OGR_F_Destroy(f);
        if (counting && !count_sent && atomic_load(&counter.count) >= 0) {
            rowpipe_put_count(&o->b, atomic_load(&counter.count));
            count_sent = true;
        }
        flush(o, 0);
    }
    if (counting) {
        pthread_join(counter.thread, NULL);
        if (!count_sent && atomic_load(&counter.count) >= 0)
            rowpipe_put_count(&o->b, atomic_load(&counter.count));
    }
    buf_free(&text);
    buf_free(&wkb);
    if (CPLGetLastErrorType() == CE_Failure && !o->failed) {
        const char *m = CPLGetLastErrorMsg();
        if (m && *m)
            note(o, m);
    }
    return o->failed ? -1 : 0;
}

static int open_and_read(out_ctx *o, const char *path, const parse_options *opt, int depth)
{
    char why[600];
    const char *ext = ext_of(path);
    size_t len = 0;
    const unsigned char *data = map_file(path, &len, why, sizeof why);
    if (!data)
        return fail(o, 422, "%s", why);
    /* Anything that is an indirection, whatever its name. */
    size_t head = len < 4096 ? len : 4096;
    if (contains(data, head, "<OGRVRTDataSource") || contains(data, head, "<VRTDataset") ||
        contains(data, head, "/vsicurl") || contains(data, head, "<GDAL_WMS") || contains(data, head, "<GDAL_WMTS")) {
        munmap((void *)(uintptr_t)data, len);
        return fail(o, 422, "the file is a GDAL virtual dataset (VRT, WMS or a /vsicurl reference), which opens "
                    "other files or URLs: not accepted");
    }
    int is_zip = zip_looks_like(data, len);
    if (is_zip && strcasecmp(ext, ".xlsx") != 0) {
        if (depth > 0) {
            munmap((void *)(uintptr_t)data, len);
            return fail(o, 422, "archives inside archives are not accepted");
        }
        char main_path[4096];
        int r = unpack_archive(data, len, opt, main_path, sizeof main_path, why, sizeof why);
        munmap((void *)(uintptr_t)data, len);
        if (r < 0)
            return fail(o, 422, "%s", why);
        return open_and_read(o, main_path, opt, depth + 1);
    }
    if (strcasecmp(ext, ".xlsx") == 0) {
        if (!is_zip || verify_archive(data, len, &opt->zip, why, sizeof why) < 0) {
            munmap((void *)(uintptr_t)data, len);
            return fail(o, 422, "not a valid XLSX workbook: %s", is_zip ? why : "it is not a ZIP container");
        }
    }
    munmap((void *)(uintptr_t)data, len);
    const char *const *drivers = drivers_for(ext);
    if (!drivers)
        return fail(o, 415, "'%s' files are not read; send CSV, XLSX, a shapefile (.shp, or zipped), GeoPackage, "
                    "GeoJSON, TopoJSON or KML (KMZ)", *ext ? ext : "extension-less");
    char **oo = NULL;
    if (strcasecmp(ext, ".csv") == 0 || strcasecmp(ext, ".txt") == 0) {
        oo = CSLSetNameValue(oo, "EMPTY_STRING_AS_NULL", "YES");
        oo = CSLSetNameValue(oo, "AUTODETECT_TYPE", "NO");
    } else if ((strcasecmp(ext, ".shp") == 0 || strcasecmp(ext, ".dbf") == 0) && opt->encoding) {
        oo = CSLSetNameValue(oo, "ENCODING", opt->encoding);
    }
    CPLErrorReset();
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, (const char *const *)oo, NULL);
    if (!ds) {
        CSLDestroy(oo);
        const char *m = CPLGetLastErrorMsg();
        return fail(o, 422, "not a readable %s file%s%s", drivers[0], m && *m ? ": " : "", m ? m : "");
    }
    const open_spec spec = {path, drivers, oo};
    int rc = 0, nread = 0;
    int nl = GDALDatasetGetLayerCount(ds);
    if (opt->source_layer) {
        OGRLayerH l = GDALDatasetGetLayerByName(ds, opt->source_layer);
        if (!l) {
            buf names = BUF_INIT;
            for (int i = 0; i < nl; i++)
                buf_appendf(&names, "%s%s", i ? ", " : "", OGR_L_GetName(GDALDatasetGetLayer(ds, i)));
            rc = fail(o, 422, "the file has no layer '%s'; its layers: %s", opt->source_layer,
                      names.data ? names.data : "none");
            buf_free(&names);
        } else {
            int index = 0;
            while (index < nl && GDALDatasetGetLayer(ds, index) != l)
                index++;
            rc = read_layer(o, l, &spec, index);
            nread++;
        }
    } else {
        OGRLayerH chosen = NULL;
        int chosen_index = 0;
        /* The first layer that has features (a single layer is read whatever it holds). */
        for (int i = 0; i < nl && rc == 0 && (opt->all_layers || nl > 1); i++) {
            OGRLayerH l = GDALDatasetGetLayer(ds, i);
            if (opt->all_layers) {
                rc = read_layer(o, l, &spec, i);
                nread++;
            } else if (!chosen && OGR_L_GetFeatureCount(l, 1) != 0) {
                chosen = l;
                chosen_index = i;
            }
        }
        if (!opt->all_layers && (chosen || nl > 0)) {
            if (!chosen)
                chosen = GDALDatasetGetLayer(ds, 0);
            if (nl > 1) {
                char msg[400];
                snprintf(msg, sizeof msg, "the file has %d layers; read '%s' (choose another with --source-layer, "
                         "or --all-layers)", nl, OGR_L_GetName(chosen));
                note(o, msg);
            }
            rc = read_layer(o, chosen, &spec, chosen_index);
            nread++;
        }
    }
    GDALClose(ds);
    CSLDestroy(oo);
    if (rc == 0 && nread == 0)
        return fail(o, 422, "the file holds no layer");
    return rc;
}

int parse_file(const char *path, const parse_options *opt, parse_emit emit, void *arg)
{
    out_ctx o = {BUF_INIT, emit, arg, 0};
    char why[600];
    int rc;
    parse_gdal_init();
    /* A spreadsheet's first row names its columns, whatever their types (the XLSX driver otherwise
     * guesses, and takes an all-text header for data). */
    CPLSetThreadLocalConfigOption("OGR_XLSX_HEADERS", "FORCE");
    if (parse_check_path(path, why, sizeof why) < 0)
        rc = fail(&o, 400, "%s", why);
    else
        rc = open_and_read(&o, path, opt, 0);
    if (rc == 0) {
        buf_putc(&o.b, ROWPIPE_END);
        buf_append(&o.b, "\0\0\0\0", 4);
    }
    flush(&o, 1);
    buf_free(&o.b);
    CPLSetThreadLocalConfigOption("OGR_XLSX_HEADERS", NULL);
    return rc == 0 && !o.failed ? 0 : -1;
}
