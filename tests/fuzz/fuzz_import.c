/*
 * fuzz_import: the import path of an untrusted GIS file (io/import.h), in-process and without a
 * database:
 *   - the parse worker's side: the bytes as a file of some type (io/parse.h: path checks, the ZIP
 *     checks and unpacking of io/zipcheck.h, GDAL with the allowed drivers), its record stream
 *     collected;
 *   - the importer's side of that stream (io/rowpipe.h), every geometry through io/wkb.h and every
 *     value through the readers of io/mapping.h, as import_row does before validation;
 *   - the same decoding of the raw bytes taken as a stream (a confused or hostile worker), and as a
 *     ZIP archive and a multipart/form-data body (POST /imports).
 *
 * Input: byte 0 picks the file type (csv, geojson, kml, zip, xlsx, gpkg, topojson, shp) or a raw
 * decoder; the rest is the content.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "io/mapping.h"
#include "io/multipart.h"
#include "io/parse.h"
#include "io/rowpipe.h"
#include "io/wkb.h"
#include "io/zipcheck.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "/tmp/fuzz-import-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    parse_gdal_init();
    return 0;
}

/* Empty the scratch directory an archive was unpacked into. */
static void clean(const char *d)
{
    DIR *dh = opendir(d);
    if (!dh)
        return;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", d, e->d_name);
        unlink(p);
    }
    closedir(dh);
}

static int collect(void *arg, const void *bytes, size_t n)
{
    buf_append(arg, bytes, n);
    return 0;
}

static int shift(void *arg, double *xy, size_t n)
{
    (void)arg;
    for (size_t i = 0; i < 2 * n; i++)
        xy[i] += 1e-7;
    return 0;
}

/* What the importer does with a stream, short of the database. */
static void consume(const void *stream, size_t len)
{
    rowpipe_reader r;
    rowpipe_reader_init_mem(&r, stream, len);
    rowpipe_layer *l = malloc(sizeof *l);
    rowpipe_feature *f = malloc(sizeof *f);
    if (!l || !f)
        abort();
    while (rowpipe_next(&r) == 1) {
        if (r.type == ROWPIPE_LAYER) {
            if (rowpipe_get_layer(&r, l) == 0)
                for (uint32_t i = 0; i < l->nfields; i++) {
                    char name[256];
                    snprintf(name, sizeof name, "%.*s", (int)(l->field_names[i].n > 255 ? 255 : l->field_names[i].n),
                             l->field_names[i].p);
                    const char *unit;
                    mapping_guess_target(name, MAP_FACILITIES | MAP_SOURCES, &unit);
                }
        } else if (r.type == ROWPIPE_FEATURE && rowpipe_get_feature(&r, f) == 0) {
            for (uint32_t i = 0; i < f->nvalues; i++) {
                if (!f->values[i].p)
                    continue;
                char v[256], d[11];
                snprintf(v, sizeof v, "%.*s", (int)(f->values[i].n > 255 ? 255 : f->values[i].n), f->values[i].p);
                double x;
                mapping_parse_date(v, d);
                mapping_parse_number(v, &x);
                mapping_parse_activity(v, "mCi", &x);
                mapping_parse_coord(v, &x);
                mapping_value_alias(MAP_FACILITIES, "status", v);
            }
            if (f->wkb) {
                double x, y, env[4];
                wkb_type(f->wkb, f->wkb_len);
                wkb_point(f->wkb, f->wkb_len, &x, &y);
                wkb_envelope(f->wkb, f->wkb_len, env);
                unsigned char *copy = malloc(f->wkb_len);
                if (!copy)
                    abort();
                memcpy(copy, f->wkb, f->wkb_len);
                wkb_transform(copy, f->wkb_len, shift, NULL);
                free(copy);
            }
        } else if (r.type == ROWPIPE_COUNT) {
            int64_t n;
            rowpipe_get_count(&r, &n);
        } else if (r.type == ROWPIPE_NOTE || r.type == ROWPIPE_ERROR) {
            uint32_t st;
            rowpipe_str t;
            rowpipe_get_text(&r, &st, &t);
        }
    }
    free(l);
    free(f);
    rowpipe_reader_cleanup(&r);
}

static int to_nowhere(void *arg, const void *bytes, size_t n)
{
    (void)arg;
    (void)bytes;
    (void)n;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const exts[] = {".csv", ".geojson", ".kml", ".zip", ".xlsx", ".gpkg", ".topojson", ".shp"};
    if (size < 1)
        return 0;
    unsigned mode = data[0] % 11;
    data++;
    size--;
    if (mode < 8) {
        char path[128];
        snprintf(path, sizeof path, "%s/in%s", dir, exts[mode]);
        FILE *fp = fopen(path, "wb");
        if (!fp)
            return 0;
        fwrite(data, 1, size, fp);
        fclose(fp);
        char scratch[128];
        snprintf(scratch, sizeof scratch, "%s/scratch", dir);
        mkdir(scratch, 0700);
        parse_options o = {0};
        o.scratch_dir = scratch;
        o.all_layers = 1;
        zip_limits_default(&o.zip);
        o.zip.max_total_bytes = 8u << 20;
        buf stream = BUF_INIT;
        parse_file(path, &o, collect, &stream);
        consume(stream.data, stream.len);
        buf_free(&stream);
        unlink(path);
        clean(scratch);
    } else if (mode == 8) {
        consume(data, size);
    } else if (mode == 9) {
        zip_limits lim;
        zip_limits_default(&lim);
        lim.max_total_bytes = 8u << 20;
        zip_archive z;
        char why[300];
        if (zip_open_mem(data, size, &lim, &z, why, sizeof why) == 0) {
            for (int i = 0; i < z.n; i++)
                zip_extract(data, size, &z.entries[i], to_nowhere, NULL, why, sizeof why);
            zip_close(&z);
        }
    } else {
        /* A multipart body: the first line is the Content-Type header. */
        const uint8_t *nl = memchr(data, '\n', size);
        if (!nl)
            return 0;
        char ct[256];
        snprintf(ct, sizeof ct, "%.*s", (int)(nl - data > 255 ? 255 : nl - data), (const char *)data);
        multipart_part parts[MULTIPART_MAX_PARTS];
        int n;
        char why[300];
        multipart_parse(ct, nl + 1, size - (size_t)(nl + 1 - data), parts, MULTIPART_MAX_PARTS, &n, why, sizeof why);
    }
    return 0;
}
