/*
 * import: the run of an import: options, the worker's stream, the column plan of each layer, the
 * transaction and the report; see import.h. Rows are handled by import_row.c.
 */
#include "io/import.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/date.h"
#include "core/json.h"
#include "db/audit.h"
#include "io/crosswalk.h"
#include "io/import_int.h"
#include "io/mapping.h"
#include "io/sandbox.h"

void import_gdal_init(void) { parse_gdal_init(); }

const char *import_layers(void) { return "facilities, sources, devices, receptors, boundaries, authorizations"; }

void import_add_issue(import_report *rep, long row, const char *field, const char *reason)
{
    if (rep->nissues >= IMPORT_MAX_ISSUES) {
        rep->issues_dropped++;
        return;
    }
    if (rep->nissues == rep->issues_cap) {
        size_t cap = rep->issues_cap ? 2 * rep->issues_cap : 64;
        import_issue *x = realloc(rep->issues, cap * sizeof *x);
        if (!x)
            abort();
        rep->issues = x;
        rep->issues_cap = cap;
    }
    /* The report lists rows in file order. A row refused when its batch was written (a constraint)
     * comes up to a batch late: it goes before the later rows' issues. */
    size_t at = rep->nissues;
    while (at > 0 && rep->issues[at - 1].row > row)
        at--;
    memmove(&rep->issues[at + 1], &rep->issues[at], (rep->nissues - at) * sizeof *rep->issues);
    rep->nissues++;
    import_issue *i = &rep->issues[at];
    i->row = row;
    snprintf(i->field, sizeof i->field, "%s", field);
    snprintf(i->reason, sizeof i->reason, "%s", reason);
}

void import_report_free(import_report *rep)
{
    free(rep->issues);
    rep->issues = NULL;
    rep->nissues = rep->issues_cap = 0;
    buf_free(&rep->notes);
    buf_free(&rep->mapping);
}

static void csv_cell(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

void import_report_csv(const import_report *rep, FILE *out)
{
    fputs("row,field,reason\n", out);
    for (size_t i = 0; i < rep->nissues; i++) {
        fprintf(out, "%ld,", rep->issues[i].row);
        csv_cell(out, rep->issues[i].field);
        fputc(',', out);
        csv_cell(out, rep->issues[i].reason);
        fputc('\n', out);
    }
    if (rep->issues_dropped)
        fprintf(out, ",,%ld more problems not listed\n", rep->issues_dropped);
}

void import_report_json(const import_report *rep, buf *out)
{
    json_writer w;
    json_init(&w, out);
    json_arr_begin(&w);
    for (size_t i = 0; i < rep->nissues; i++) {
        json_obj_begin(&w);
        json_kv_int(&w, "row", rep->issues[i].row);
        json_kv_str(&w, "field", rep->issues[i].field);
        json_kv_str(&w, "reason", rep->issues[i].reason);
        json_obj_end(&w);
    }
    json_arr_end(&w);
}

void import_note(import_report *rep, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vappendf(&rep->notes, fmt, ap);
    va_end(ap);
    buf_putc(&rep->notes, '\n');
}

/* Owned strings of the run (mapping file lines), freed at the end. */
typedef struct strings {
    char **v;
    int n, cap;
} strings;

static const char *keep(strings *s, const char *a, const char *b)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 16;
        char **x = realloc(s->v, (size_t)s->cap * sizeof *x);
        if (!x)
            abort();
        s->v = x;
    }
    size_t n = strlen(a) + (b ? strlen(b) + 1 : 0) + 1;
    char *p = malloc(n);
    if (!p)
        abort();
    snprintf(p, n, "%s%s%s", a, b ? "=" : "", b ? b : "");
    s->v[s->n++] = p;
    return p;
}

static void strings_free(strings *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

/* Read a mapping file into x (maps, defaults) and its settings. */
static int read_mapping_file(import_ctx *x, const char *path, strings *own, rm_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return rm_error_set(err, 400, "Cannot read the mapping", "%s: %s", path, strerror(errno));
    char line[2048];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *k, *v;
        int r = mapping_split_line(line, &k, &v);
        if (r == 0)
            continue;
        if (r < 0) {
            rc = rm_error_set(err, 400, "Bad mapping file", "%s line %d: expected field = column", path, lineno);
            break;
        }
        if (strcmp(k, "crs") == 0) {
            if (!x->crs_opt)
                x->crs_opt = keep(own, v, NULL);
        } else if (strcmp(k, "legacy_system") == 0 && !strchr(v, ' ')) {
            /* "legacy_system = HCM-2024" sets the register; a column named like that is mapped with
             * legacy_system = Column Name (it has a space) or --map. */
            if (!x->legacy_system)
                x->legacy_system = keep(own, v, NULL);
        } else if (strcmp(k, "upsert_by") == 0) {
            if (!x->upsert_by)
                x->upsert_by = keep(own, v, NULL);
        } else if (strcmp(k, "record_owner") == 0) {
            x->record_owner = keep(own, v, NULL);
        } else if (strncmp(k, "set.", 4) == 0) {
            if (x->ndefaults < IMPORT_MAX_MAPS * 2)
                x->defaults[x->ndefaults++] = keep(own, k + 4, v);
        } else if (x->nmaps < IMPORT_MAX_MAPS * 2) {
            x->maps[x->nmaps++] = keep(own, k, v);
        }
    }
    fclose(f);
    return rc;
}

/* A target name valid for the layer: a writable field of the collection or an import-only one. */
static void make_id(char out[40])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    unsigned char r[4];
    randombytes_buf(r, sizeof r);
    char ts[20];
    strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(out, 40, "imp-%s-%02x%02x%02x%02x", ts, r[0], r[1], r[2], r[3]);
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char p[PATH_MAX];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static int table_exists(db_conn *c, const char *name)
{
    sqlite3_stmt *st = db_stmt(c, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", NULL);
    if (!st)
        return 0;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int has = sqlite3_step(st) == SQLITE_ROW;
    db_stmt_done(st);
    return has;
}

/* Finish a run that wrote (or would write) rows: the tile cache's change row and the import's own. */
static int record_run(import_ctx *x, rm_error *err)
{
    import_report *rep = x->rep;
    if (import_bulk_finish(x, err) < 0)
        return -1;
    if (rep->rows_created + rep->rows_updated > 0 && x->env[0] <= x->env[2]) {
        sqlite3_stmt *tc = db_stmt(x->db, "INSERT INTO tile_change(layer, min_lon, min_lat, max_lon, max_lat) "
                                          "VALUES (?, ?, ?, ?, ?)", err);
        if (!tc)
            return -1;
        sqlite3_bind_text(tc, 1, x->o->layer, -1, SQLITE_STATIC);
        for (int k = 0; k < 4; k++)
            sqlite3_bind_double(tc, 2 + k, x->env[k]);
        int s = sqlite3_step(tc);
        db_stmt_done(tc);
        if (s != SQLITE_DONE)
            return db_error(x->db, err, 500, "recording the change for the tile cache");
    }
    if (!table_exists(x->db, "gis_import"))
        return 0;
    sqlite3_stmt *st = db_stmt(x->db, "INSERT INTO gis_import(id, layer, file_name, user_name, crs, rows_read, "
                                      "created, updated, invalid, mapping) VALUES (?,?,?,?,?,?,?,?,?,?)", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, rep->import_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, x->o->layer, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, x->file_label, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, x->user, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, rep->crs, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, rep->rows_read);
    sqlite3_bind_int64(st, 7, rep->rows_created);
    sqlite3_bind_int64(st, 8, rep->rows_updated);
    sqlite3_bind_int64(st, 9, rep->rows_invalid);
    sqlite3_bind_text(st, 10, rep->mapping.data ? rep->mapping.data : "", -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    return s == SQLITE_DONE ? 0 : db_error(x->db, err, 500, "recording the import");
}

int import_file(db_conn *c, const char *path, const import_options *o, import_report *rep, rm_error *err)
{
    memset(rep, 0, sizeof *rep);
    make_id(rep->import_id);
    import_ctx x;
    memset(&x, 0, sizeof x);
    x.db = c;
    x.o = o;
    x.rep = rep;
    x.today = date_today();
    x.env[0] = x.env[1] = 1e9;
    x.env[2] = x.env[3] = -1e9;
    x.total = -1;
    strings own = {0};
    int rc = -1, fd = -1, in_tx = 0;
    int64_t cache_before = 0;
    pid_t pid = 0;
    char scratch[PATH_MAX] = "";
    rowpipe_reader rd;
    rowpipe_reader_init(&rd, -1);

    x.layer_bit = mapping_layer_bit(o->layer);
    if (!x.layer_bit)
        return rm_error_set(err, 400, "Unknown layer", "--layer %s: layers are %s", o->layer ? o->layer : "(none)",
                            import_layers());
    if (x.layer_bit != MAP_BOUNDARIES) {
        x.coll = coll_find(o->layer);
        if (!x.coll)
            return rm_error_set(err, 400, "Layer not importable", "%s cannot be imported by this build: the register "
                                "has no %s collection", o->layer, o->layer);
        if (!x.coll->fields)
            return rm_error_set(err, 400, "Layer not importable", "%s are read-only in the register (%s), so a GIS file "
                                "cannot add them%s", o->layer, x.coll->description,
                                x.layer_bit == MAP_AUTHORIZATIONS ? "; the national regulator's register of "
                                "authorizations is imported with POST /authorizations/import" : "");
    }
    for (int i = 0; i < o->nmaps; i++)
        x.maps[x.nmaps++] = o->maps[i];
    for (int i = 0; i < o->ndefaults; i++)
        x.defaults[x.ndefaults++] = o->defaults[i];
    x.crs_opt = o->crs;
    x.legacy_system = o->legacy_system;
    x.upsert_by = o->upsert_by;
    x.record_owner = o->record_owner;
    if (o->mapping_file && read_mapping_file(&x, o->mapping_file, &own, err) < 0)
        goto cleanup;
    if (!x.record_owner)
        x.record_owner = "department";
    if (strcmp(x.record_owner, "department") != 0 && strcmp(x.record_owner, "varans") != 0) {
        rm_error_set(err, 400, "Invalid record owner", "record owner must be department or varans, not %s",
                     x.record_owner);
        goto cleanup;
    }
    if (x.upsert_by) {
        bool ok = strcmp(x.upsert_by, "legacy_id") == 0 || strcmp(x.upsert_by, "external_ref") == 0 ||
                  (strcmp(x.upsert_by, "code") == 0 && x.coll && coll_field_find(x.coll, "code"));
        if (!ok || !x.coll) {
            rm_error_set(err, 400, "Invalid upsert key", "--upsert-by %s: %s can be matched by %s", x.upsert_by,
                         o->layer, x.coll && coll_field_find(x.coll, "code") ? "code, legacy_id or external_ref"
                                                                            : x.coll ? "legacy_id or external_ref"
                                                                                     : "nothing (boundaries are added)");
            goto cleanup;
        }
    }
    const char *base = strrchr(path, '/');
    x.file_label = o->file_label ? o->file_label : base ? base + 1 : path;
    x.user = o->user && *o->user ? o->user : "import";
    char why[600];
    if (parse_check_path(path, why, sizeof why) < 0) {
        rm_error_set(err, 400, "Refused file", "%s", why);
        goto cleanup;
    }
    x.vc = validate_cache_create();
    x.errs = calloc(1, sizeof *x.errs);
    x.batch_errs = calloc(1, sizeof *x.batch_errs);
    x.feature = malloc(sizeof *x.feature);
    if (!x.vc || !x.errs || !x.batch_errs || !x.feature)
        abort();
    const char *tmp = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/radmap-import-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch)) {
        rm_error_set(err, 500, "Cannot import", "cannot create a scratch directory: %s", strerror(errno));
        scratch[0] = 0;
        goto cleanup;
    }
    parse_options po = {0};
    po.source_layer = o->source_layer;
    po.all_layers = o->all_layers;
    po.scratch_dir = scratch;
    po.encoding = o->encoding;
    zip_limits_default(&po.zip);
    sandbox_limits lim;
    sandbox_limits_default(&lim);
    if (o->cpu_s > 0)
        lim.cpu_s = o->cpu_s;
    if (o->mem_mb > 0)
        lim.mem_mb = o->mem_mb;
    if (sandbox_spawn(path, &po, &lim, &pid, &fd, err) < 0) {
        pid = 0;
        goto cleanup;
    }
    rowpipe_reader_init(&rd, fd);
    /* A large import keeps its pages in memory until the commit (one transaction): a bigger page
     * cache for its duration, the connection's own afterwards. */
    sqlite3_stmt *cs = NULL;
    if (sqlite3_prepare_v2(db_sqlite(c), "PRAGMA cache_size", -1, &cs, NULL) == SQLITE_OK &&
        sqlite3_step(cs) == SQLITE_ROW)
        cache_before = sqlite3_column_int64(cs, 0);
    sqlite3_finalize(cs);
    db_exec(c, "PRAGMA cache_size = -262144", NULL);
    if (db_exec(c, "BEGIN IMMEDIATE", err) < 0)
        goto cleanup;
    in_tx = 1;
    if (audit_batch_begin(c, err) < 0)
        goto cleanup;
    validate_service_area(c, x.area);
    if (x.layer_bit == MAP_FACILITIES && crosswalk_ensure(c, err) < 0)
        goto cleanup;
    char label[80];
    snprintf(label, sizeof label, "import %s", o->layer);
    progress_start(&x.prog, o->progress, label, "rows");
    int ended = 0, prepared = 0, r;
    while (!ended && (r = rowpipe_next(&rd)) == 1) {
        switch (rd.type) {
        case ROWPIPE_NOTE: {
            uint32_t st;
            rowpipe_str t;
            if (rowpipe_get_text(&rd, &st, &t) == 0)
                import_note(rep, "%.*s", (int)(t.n > 900 ? 900 : t.n), t.p);
            break;
        }
        case ROWPIPE_ERROR: {
            uint32_t st;
            rowpipe_str t;
            if (rowpipe_get_text(&rd, &st, &t) < 0)
                rm_error_set(err, 422, "Unreadable file", "the parser sent a malformed error");
            else
                rm_error_set(err, st >= 400 && st < 600 ? (int)st : 422, "Unreadable file", "%s: %.*s",
                             x.file_label, (int)(t.n > 900 ? 900 : t.n), t.p);
            goto cleanup;
        }
        case ROWPIPE_LAYER: {
            rowpipe_layer *l = malloc(sizeof *l);
            if (!l)
                abort();
            int bad = rowpipe_get_layer(&rd, l) < 0;
            if (bad)
                rm_error_set(err, 500, "Parser failure", "the parser sent a malformed layer record");
            if (!bad && (import_plan_layer(&x, l, err) < 0 || import_layer_crs(&x, l, err) < 0))
                bad = 1;
            if (!bad) {
                /* Layers come one after the other: the rows before this one are the earlier layers'. */
                x.layer_base = rep->rows_read;
                x.total = l->feature_count >= 0 ? x.layer_base + l->feature_count : -1;
                if (l->feature_count >= 0)
                    import_note(rep, "layer '%.*s': %lld features, CRS %s", (int)l->name.n, l->name.p,
                                (long long)l->feature_count, rep->crs);
                else
                    import_note(rep, "layer '%.*s': CRS %s", (int)l->name.n, l->name.p, rep->crs);
            }
            free(l);
            if (bad)
                goto cleanup;
            if (!prepared && import_prepare(&x, err) < 0)
                goto cleanup;
            prepared = 1;
            break;
        }
        case ROWPIPE_COUNT: {
            int64_t n;
            if (rowpipe_get_count(&rd, &n) < 0) {
                rm_error_set(err, 500, "Parser failure", "the parser sent a malformed count record");
                goto cleanup;
            }
            x.total = x.layer_base + (long)n;
            break;
        }
        case ROWPIPE_FEATURE: {
            rowpipe_feature *f = x.feature;
            if (!prepared || rowpipe_get_feature(&rd, f) < 0) {
                rm_error_set(err, 500, "Parser failure", "the parser sent a malformed feature record");
                goto cleanup;
            }
            x.row++;
            rep->rows_read++;
            int rr = import_row(&x, f, err);
            if (rr < 0)
                goto cleanup;
            if ((rep->rows_read & 255) == 0) {
                progress_update(&x.prog, rep->rows_read, x.total);
                if (o->on_progress)
                    o->on_progress(o->progress_arg, rep->rows_read, x.total);
            }
            break;
        }
        case ROWPIPE_END:
            ended = 1;
            break;
        }
    }
    if (!ended) {
        char w2[300];
        int died = sandbox_wait(pid, 1, w2, sizeof w2);
        pid = 0;
        rm_error_set(err, 422, "Unreadable file", "%s: %s", x.file_label,
                     died < 0 ? w2 : "the parser's output ended early");
        goto cleanup;
    }
    if (import_batch_flush(&x, err) < 0)
        goto cleanup;
    progress_end(&x.prog, rep->rows_read);
    if (o->on_progress)
        o->on_progress(o->progress_arg, rep->rows_read, rep->rows_read);
    bool write = !o->dry_run && (rep->rows_invalid == 0 || o->skip_invalid);
    if (write) {
        if (record_run(&x, err) < 0 || audit_batch_end(c, err) < 0)
            goto cleanup;
        if (db_exec(c, "COMMIT", err) < 0)
            goto cleanup;
        rep->committed = 1;
    } else {
        audit_batch_abort(c);
        db_exec(c, "ROLLBACK", NULL);
    }
    in_tx = 0;
    if (o->save_mapping) {
        FILE *mf = fopen(o->save_mapping, "w");
        if (mf) {
            fprintf(mf, "# radmap import mapping for layer %s (field = column)\n", o->layer);
            if (rep->crs[0] && x.file_code != 4326)
                fprintf(mf, "crs = EPSG:%d\n", x.file_code);
            if (x.legacy_system)
                fprintf(mf, "legacy_system = %s\n", x.legacy_system);
            for (const char *p = rep->mapping.data; p && *p;) {
                const char *e = strchr(p, '\n');
                size_t n = e ? (size_t)(e - p) : strlen(p);
                const char *eq = memchr(p, '=', n);
                if (eq)
                    fprintf(mf, "%.*s = %.*s\n", (int)(eq - p), p, (int)(n - (size_t)(eq - p) - 1), eq + 1);
                p = e ? e + 1 : p + n;
            }
            for (int i = 0; i < o->ndefaults; i++)
                fprintf(mf, "set.%s\n", o->defaults[i]);
            fclose(mf);
        } else {
            import_note(rep, "cannot write the mapping to %s: %s", o->save_mapping, strerror(errno));
        }
    }
    rc = 0;
cleanup:
    audit_batch_abort(c);
    if (in_tx)
        db_exec(c, "ROLLBACK", NULL);
    if (cache_before) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA cache_size = %lld", (long long)cache_before);
        db_exec(c, pragma, NULL);
    }
    if (fd >= 0)
        close(fd);
    if (pid > 0) {
        char w3[300];
        if (sandbox_wait(pid, rc < 0, w3, sizeof w3) < 0 && rc == 0)
            import_note(rep, "%s", w3);
    }
    rowpipe_reader_cleanup(&rd);
    if (scratch[0])
        remove_tree(scratch);
    for (int i = 0; i < x.ncols; i++)
        free(x.colnames[i]);
    if (x.have_rp)
        reproject_cleanup(&x.rp);
    validate_cache_destroy(x.vc);
    free(x.errs);
    free(x.batch_errs);
    free(x.feature);
    enum_cache_free(&x.practice_names);
    enum_cache_free(&x.device_type_names);
    import_release(&x);
    buf_free(&x.insert_sql);
    buf_free(&x.update_sql);
    strmap_free(&x.orgs_by_tax);
    strmap_free(&x.orgs_by_name);
    strmap_free(&x.orgs_by_fold);
    strings_free(&own);
    return rc;
}
