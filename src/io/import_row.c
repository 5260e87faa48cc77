/*
 * import_row: one row of an import: its columns read into the values the API would receive, its
 * position reprojected, the API's validation, and the write with its audit row; see import.h.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/fold.h"
#include "core/json.h"
#include "db/audit.h"
#include "io/crosswalk.h"
#include "io/import_int.h"
#include "io/mapping.h"
#include "io/rtreepack.h"
#include "io/wkb.h"

/* The organization fields' rules, as api/organizations.c states them for POST /organizations. */
static const coll_field org_name_field = {"organization", "name", PROP_TEXT, true, 300, 0, 0, NULL, NULL, NULL,
                                          RULE_NONE};
static const coll_field org_tax_field = {"tax_code", "tax_code", PROP_TEXT, false, 20, 0, 0, NULL, NULL, NULL,
                                         RULE_CODE};
/* Provenance columns of tables whose descriptors do not list them as writable (sources, devices):
 * the same limits as the collections that do. */
static const coll_field legacy_system_field = {"legacy_system", "legacy_system", PROP_TEXT, false, 60, 0, 0, NULL,
                                               NULL, NULL, RULE_NONE};
static const coll_field legacy_id_field = {"legacy_id", "legacy_id", PROP_TEXT, false, 60, 0, 0, NULL, NULL, NULL,
                                           RULE_NONE};

/* --- small string map --- */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void strmap_put(strmap *m, const char *key, int64_t val)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 256;
        char **keys = calloc(cap, sizeof *keys);
        int64_t *vals = calloc(cap, sizeof *vals);
        if (!keys || !vals)
            abort();
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i]) {
                size_t j = hash_str(m->keys[i]) & (cap - 1);
                while (keys[j])
                    j = (j + 1) & (cap - 1);
                keys[j] = m->keys[i];
                vals[j] = m->vals[i];
            }
        free(m->keys);
        free(m->vals);
        m->keys = keys;
        m->vals = vals;
        m->cap = cap;
    }
    size_t j = hash_str(key) & (m->cap - 1);
    while (m->keys[j]) {
        if (strcmp(m->keys[j], key) == 0)
            return; /* the first one stays */
        j = (j + 1) & (m->cap - 1);
    }
    m->keys[j] = strdup(key);
    if (!m->keys[j])
        abort();
    m->vals[j] = val;
    m->n++;
}

static int64_t strmap_get(const strmap *m, const char *key)
{
    if (!m->cap)
        return 0;
    size_t j = hash_str(key) & (m->cap - 1);
    while (m->keys[j]) {
        if (strcmp(m->keys[j], key) == 0)
            return m->vals[j];
        j = (j + 1) & (m->cap - 1);
    }
    return 0;
}

void strmap_free(strmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* --- values --- */

static int utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        int k = (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
        if (k < 0 || e - p <= k)
            return 0;
        for (int i = 1; i <= k; i++)
            if ((p[i] & 0xC0) != 0x80)
                return 0;
        p += k + 1;
    }
    return 1;
}

/* The text of value v trimmed, in out (NULL when absent or blank). */
static const char *cell(const rowpipe_str *v, buf *out)
{
    if (!v->p)
        return NULL;
    const char *s = v->p, *e = v->p + v->n;
    while (s < e && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
        e--;
    if (s == e)
        return NULL;
    buf_reset(out);
    buf_append(out, s, (size_t)(e - s));
    return out->data;
}

/* A nuclide as the register writes it ("Cs137", "137Cs", "cesium-137" -> "Cs-137"); NULL when the
 * text has no element and mass number. */
static const char *nuclide_canonical(const char *s, char out[24])
{
    static const struct { const char *name, *sym; } names[] = {
        {"cesium", "Cs"}, {"caesium", "Cs"}, {"cobalt", "Co"}, {"iridium", "Ir"}, {"americium", "Am"},
        {"strontium", "Sr"}, {"radium", "Ra"}, {"selenium", "Se"}, {"iodine", "I"}, {"technetium", "Tc"},
        {"krypton", "Kr"}, {"californium", "Cf"}, {"promethium", "Pm"}, {"thallium", "Tl"}, {"nickel", "Ni"},
        {"iron", "Fe"}, {"cadmium", "Cd"}, {"barium", "Ba"}, {"tritium", "H"}, {"gadolinium", "Gd"},
        {"ytterbium", "Yb"}, {"thulium", "Tm"}, {"plutonium", "Pu"}, {"curium", "Cm"}, {"polonium", "Po"},
        {"fluorine", "F"}, {"gallium", "Ga"}, {"germanium", "Ge"}, {"lutetium", "Lu"}, {"yttrium", "Y"},
    };
    char letters[16] = "", digits[8] = "";
    size_t nl = 0, nd = 0;
    int meta = 0;
    const char *p = s;
    /* Letters, then digits, or digits then letters; an "m" after the digits is metastable. */
    while (*p) {
        if (isalpha((unsigned char)*p)) {
            if (nd && (*p == 'm' || *p == 'M') && !isalpha((unsigned char)p[1]) && nl) {
                meta = 1;
            } else if (nl + 1 < sizeof letters) {
                letters[nl++] = (char)tolower((unsigned char)*p);
            }
        } else if (isdigit((unsigned char)*p) && nd + 1 < sizeof digits) {
            digits[nd++] = *p;
        } else if (*p == '/' || *p == '(') {
            return NULL; /* composite sources ("Am-241/Be") are matched as written */
        }
        p++;
    }
    letters[nl] = 0;
    digits[nd] = 0;
    if (!nl || !nd)
        return NULL;
    if (nl > 2 && letters[nl - 1] == 'm' && !meta) {
        /* "tc99m" read as letters "tcm" */
    }
    const char *sym = NULL;
    char cap[4];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(letters, names[i].name) == 0)
            sym = names[i].sym;
    if (!sym) {
        if (nl > 2)
            return NULL;
        cap[0] = (char)toupper((unsigned char)letters[0]);
        cap[1] = nl > 1 ? letters[1] : 0;
        cap[2] = 0;
        sym = cap;
    }
    snprintf(out, 24, "%s-%s%s", sym, digits, meta ? "m" : "");
    return out;
}

void enum_cache_free(enum_cache *ec)
{
    for (int i = 0; i < ec->n; i++) {
        free(ec->v[i].key);
        free(ec->v[i].alt1);
        free(ec->v[i].alt2);
    }
    free(ec->v);
    memset(ec, 0, sizeof *ec);
}

/* The key of a practice or device type named by its Vietnamese or English name (folded match). */
static const char *named_key(import_ctx *x, enum_cache *ec, const char *table, const char *text)
{
    if (!ec->loaded) {
        ec->loaded = true;
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT key, rm_fold(name_vi), rm_fold(name_en) FROM %s", table);
        sqlite3_stmt *st = db_stmt(x->db, sql, NULL);
        int cap = 0;
        while (st && sqlite3_step(st) == SQLITE_ROW) {
            if (ec->n == cap) {
                cap = cap ? 2 * cap : 32;
                enum_entry *y = realloc(ec->v, (size_t)cap * sizeof *y);
                if (!y)
                    abort();
                ec->v = y;
            }
            enum_entry *e = &ec->v[ec->n++];
            e->key = strdup((const char *)sqlite3_column_text(st, 0));
            e->alt1 = strdup(sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "");
            e->alt2 = strdup(sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : "");
        }
        db_stmt_done(st);
    }
    char *f = fold_dup(text);
    const char *found = NULL;
    for (int i = 0; i < ec->n && !found; i++) {
        char *k = fold_dup(ec->v[i].key);
        if (strcmp(f, k) == 0 || strcmp(f, ec->v[i].alt1) == 0 || strcmp(f, ec->v[i].alt2) == 0)
            found = ec->v[i].key;
        free(k);
    }
    free(f);
    return found;
}

/* An enumerated value as the register spells it, or the text itself (validation then names the
 * allowed values). */
static const char *resolve_enum(import_ctx *x, const coll_field *f, const char *text, char tmp[24])
{
    if (f->values) {
        for (const char *const *v = f->values; *v; v++)
            if (strcmp(*v, text) == 0)
                return text;
    }
    const char *a = mapping_value_alias(x->layer_bit, strcmp(f->name, "practices") == 0 ? "practice" : f->name, text);
    if (a)
        return a;
    if (f->values)
        for (const char *const *v = f->values; *v; v++)
            if (mapping_same_name(*v, text))
                return *v;
    if (strcmp(f->name, "practice") == 0 || strcmp(f->name, "practices") == 0) {
        const char *k = named_key(x, &x->practice_names, "practice", text);
        return k ? k : text;
    }
    if (strcmp(f->name, "type") == 0 && x->layer_bit == MAP_DEVICES) {
        const char *k = named_key(x, &x->device_type_names, "device_type", text);
        return k ? k : text;
    }
    if (strcmp(f->name, "nuclide") == 0) {
        const char *c = nuclide_canonical(text, tmp);
        return c ? c : text;
    }
    return text;
}

/* The JSON value the API would receive for field f written as text in the file: a typed value
 * when the text reads as one, else the text itself (validation then says what is wrong). NULL
 * when the text is not valid UTF-8. */
static json_t *field_value(import_ctx *x, const plan_col *pc, const coll_field *f, const char *text)
{
    char tmp[24];
    switch (f->type) {
    case PROP_INT: {
        double d;
        if (mapping_parse_number(text, &d) == 0 && d == floor(d) && fabs(d) < 9e15)
            return json_integer((json_int_t)d);
        return json_string(text);
    }
    case PROP_REAL: {
        double d;
        int r = strcmp(f->name, "activity_bq") == 0 ? mapping_parse_activity(text, pc ? pc->unit : NULL, &d)
                                                     : mapping_parse_number(text, &d);
        return r == 0 ? json_real(d) : json_string(text);
    }
    case PROP_TEXT_LIST: {
        json_t *a = json_array();
        const char *p = text;
        while (*p) {
            size_t n = strcspn(p, ",;|\n");
            char item[256];
            snprintf(item, sizeof item, "%.*s", (int)(n < 255 ? n : 255), p);
            char *s = item, *e = item + strlen(item);
            while (*s == ' ')
                s++;
            while (e > s && e[-1] == ' ')
                *--e = 0;
            if (*s) {
                json_t *v = json_string(resolve_enum(x, f, s, tmp));
                if (!v) {
                    json_decref(a);
                    return NULL;
                }
                json_array_append_new(a, v);
            }
            p += n;
            if (*p)
                p++;
        }
        return a;
    }
    default:
        break;
    }
    if (f->values || f->values_sql)
        return json_string(resolve_enum(x, f, text, tmp));
    if (f->rule == RULE_DATE_NOT_FUTURE || strstr(f->name, "date")) {
        char d[11];
        if (mapping_parse_date(text, d) == 0)
            return json_string(d);
    }
    return json_string(text);
}

/* --- organizations and facilities looked up by the row --- */

static int load_orgs(import_ctx *x, rm_error *err)
{
    if (x->orgs_loaded)
        return 0;
    sqlite3_stmt *st = db_stmt(x->db, "SELECT id, tax_code, rm_fold(name), name FROM organization ORDER BY id", err);
    if (!st)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (sqlite3_column_text(st, 1))
            strmap_put(&x->orgs_by_tax, (const char *)sqlite3_column_text(st, 1), id);
        if (sqlite3_column_text(st, 2))
            strmap_put(&x->orgs_by_fold, (const char *)sqlite3_column_text(st, 2), id);
        if (sqlite3_column_text(st, 3))
            strmap_put(&x->orgs_by_name, (const char *)sqlite3_column_text(st, 3), id);
    }
    db_stmt_done(st);
    x->orgs_loaded = true;
    return 0;
}

/* A tax code as written in registers: digits, maybe a branch suffix "-001"; a 9-digit code lost
 * its leading zero in a spreadsheet. */
static void tax_code_clean(const char *s, char out[32])
{
    size_t k = 0;
    for (; *s && k + 1 < 32; s++)
        if (*s != ' ' && *s != '.')
            out[k++] = *s;
    out[k] = 0;
    size_t digits = strspn(out, "0123456789");
    if (digits == 9 && (out[9] == 0 || out[9] == '-') && k + 1 < 32) {
        memmove(out + 1, out, k + 1);
        out[0] = '0';
    }
}

/* --- position --- */

static int is_vn_projected(int code)
{
    return (code >= 5896 && code <= 5899) || (code >= 9205 && code <= 9218) || code == 3405 || code == 3406 ||
           code == 32648 || code == 32649;
}

static int transform_xy(void *arg, double *xy, size_t n)
{
    import_ctx *x = arg;
    rm_error e = {0};
    return reproject_run(&x->rp, xy, n, &e) < 0 ? -2 : 0;
}

/* The row's WGS 84 position: 1 found, 0 none, -1 refused (reason added to e). */
static int row_position(import_ctx *x, const rowpipe_feature *f, double *lon, double *lat, validate_errors *e)
{
    if (f->wkb) {
        double px, py;
        int r = wkb_point(f->wkb, f->wkb_len, &px, &py);
        if (r == -1) {
            validate_add(e, "geometry", "the geometry is malformed");
            return -1;
        }
        if (r == -2) {
            static const char *const names[] = {"", "LineString", "LineString", "Polygon", "MultiPoint",
                                                "MultiLineString", "MultiPolygon", "GeometryCollection"};
            int t = wkb_type(f->wkb, f->wkb_len);
            validate_add(e, "geometry", "must be a Point, not %s", t == 1 ? "an empty point" : t > 0 && t < 8 ? names[t] : "?");
            return -1;
        }
        double xy[2] = {px, py};
        rm_error err = {0};
        if (reproject_run(&x->rp, xy, 1, &err) < 0) {
            validate_add(e, "geometry", "cannot be transformed from %s: %s", x->rp.desc, err.detail);
            return -1;
        }
        *lon = xy[0];
        *lat = xy[1];
        return 1;
    }
    buf b1 = BUF_INIT, b2 = BUF_INIT;
    int rc = 0;
    int cx = x->col_lon >= 0 ? x->col_lon : x->col_x, cy = x->col_lat >= 0 ? x->col_lat : x->col_y;
    const char *sx = cx >= 0 && (uint32_t)cx < f->nvalues ? cell(&f->values[cx], &b1) : NULL;
    const char *sy = cy >= 0 && (uint32_t)cy < f->nvalues ? cell(&f->values[cy], &b2) : NULL;
    if (!sx && !sy)
        goto done;
    double vx, vy;
    if (!sx || !sy) {
        validate_add(e, "geometry", "only one coordinate is given (%s)", sx ? "no latitude or Y" : "no longitude or X");
        rc = -1;
        goto done;
    }
    if (mapping_parse_coord(sx, &vx) < 0 || mapping_parse_coord(sy, &vy) < 0) {
        validate_add(e, "geometry", "the coordinates '%.40s', '%.40s' are not numbers", sx, sy);
        rc = -1;
        goto done;
    }
    /* Columns named as longitude and latitude hold degrees; x and y may hold either. */
    bool degrees = (fabs(vx) <= 180 && fabs(vy) <= 90) || (x->col_lon >= 0 && !x->rp.projected);
    double xy[2] = {vx, vy};
    rm_error err = {0};
    if (x->rp.projected && !degrees) {
        if (is_vn_projected(x->file_code) && xy[0] > xy[1]) {
            /* Vietnamese survey documents write the northing as X: swap. */
            xy[0] = vy;
            xy[1] = vx;
            if (!x->xy_swap_noted) {
                x->xy_swap_noted = true;
                buf_appendf(&x->rep->notes, "X and Y were swapped from row %ld on (the file gives the northing as "
                            "X, as Vietnamese survey documents do)\n", x->row);
            }
        }
        if (reproject_run(&x->rp, xy, 1, &err) < 0) {
            validate_add(e, "geometry", "cannot be transformed from %s: %s", x->rp.desc, err.detail);
            rc = -1;
            goto done;
        }
    } else if (!degrees) {
        validate_add(e, "geometry", "the coordinates %.3f, %.3f look like metres: give the file's CRS with --crs "
                     "EPSG:XXXX", vx, vy);
        rc = -1;
        goto done;
    } else if (!x->rp.projected && !x->rp.identity) {
        if (reproject_run(&x->rp, xy, 1, &err) < 0) {
            validate_add(e, "geometry", "cannot be transformed from %s: %s", x->rp.desc, err.detail);
            rc = -1;
            goto done;
        }
    }
    *lon = xy[0];
    *lat = xy[1];
    rc = 1;
done:
    buf_free(&b1);
    buf_free(&b2);
    return rc;
}

/* --- statements --- */

static bool has_column(db_conn *db, const char *table, const char *column)
{
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT %s FROM %s LIMIT 0", column, table);
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(db_sqlite(db), sql, -1, &st, NULL) == SQLITE_OK;
    sqlite3_finalize(st);
    return ok;
}

/*
 * Bulk path. The insert triggers of the point tables (SpatiaLite's geometry check, its last-insert
 * stamp and its R*Tree insert through RTreeAlign(), and the schema's layer_stat counter) and the
 * last-update stamp that fires on the search-key update cost most of an import: RTreeAlign()
 * formats and runs SQL for every row. When an import only adds rows (no --upsert-by: updates need
 * the triggers that move a facility's sources along) and the triggers on the table are exactly
 * those, with no insert trigger on the other tables it writes (practices, organizations, audit),
 * the importer runs with triggers off (SQLite's switch is per connection) and does their work
 * itself: every geometry it writes is a valid 4326 point (MakePoint of checked numbers), the point
 * goes into the R*Tree with one prepared insert, and the counters and stamps are updated once at
 * the end (import_bulk_finish, triggers on again). Any other trigger keeps the plain path: slower,
 * never wrong. The demo generator (db/demo.c) bulk-loads the same way.
 */
static bool triggers_known(import_ctx *x, const char *table)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db_sqlite(x->db),
                           "SELECT name, instr(upper(substr(sql, 1, instr(upper(sql), ' ON '))), 'INSERT') > 0, "
                           "instr(upper(substr(sql, 1, instr(upper(sql), ' ON '))), 'UPDATE') > 0 AND "
                           "instr(upper(substr(sql, 1, instr(upper(sql), ' ON '))), 'UPDATE OF') = 0 "
                           "FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    char expect[5][80];
    snprintf(expect[0], sizeof expect[0], "ggi_%s_geom", table);
    snprintf(expect[1], sizeof expect[1], "tmi_%s_geom", table);
    snprintf(expect[2], sizeof expect[2], "gii_%s_geom", table);
    snprintf(expect[3], sizeof expect[3], "%s_stat_insert", table);
    snprintf(expect[4], sizeof expect[4], "tmu_%s_geom", table);
    bool known = true;
    int seen = 0;
    while (known && sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        int on_insert = sqlite3_column_int(st, 1), on_any_update = sqlite3_column_int(st, 2);
        if (!on_insert && !on_any_update)
            continue; /* UPDATE OF other columns, DELETE: the bulk statements do not fire them */
        int k = -1;
        for (int i = 0; i < 5; i++)
            if (strcmp(name, expect[i]) == 0)
                k = i;
        if (k < 0 || (k == 4) != (on_any_update != 0))
            known = false;
        else
            seen++;
    }
    sqlite3_finalize(st);
    return known && seen == 5;
}

/* No INSERT trigger on a table the import also writes with triggers off. */
static bool no_insert_triggers(import_ctx *x, const char *table)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db_sqlite(x->db),
                           "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND "
                           "instr(upper(substr(sql, 1, instr(upper(sql), ' ON '))), 'INSERT') > 0",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    bool none = sqlite3_step(st) != SQLITE_ROW;
    sqlite3_finalize(st);
    return none;
}

void import_triggers(import_ctx *x, bool on)
{
    if (x->bulk)
        sqlite3_db_config(db_sqlite(x->db), SQLITE_DBCONFIG_ENABLE_TRIGGER, on ? 1 : 0, (int *)NULL);
}

void import_release(import_ctx *x)
{
    import_triggers(x, true);
    sqlite3_finalize(x->st_insert);
    sqlite3_finalize(x->st_update);
    sqlite3_finalize(x->st_update_nopos);
    x->st_update_nopos = NULL;
    buf_free(&x->update_nopos_sql);
    buf_free(&x->current_sql);
    sqlite3_finalize(x->st_practice);
    sqlite3_finalize(x->st_search);
    x->st_insert = x->st_update = x->st_practice = x->st_search = NULL;
    buf_free(&x->search_all_sql);
    free(x->bulk_pts);
    x->bulk_pts = NULL;
}

static int cmp_x(const void *a, const void *b)
{
    const rtree_point *p = a, *q = b;
    return p->x < q->x ? -1 : p->x > q->x;
}

static int cmp_y(const void *a, const void *b)
{
    const rtree_point *p = a, *q = b;
    return p->y < q->y ? -1 : p->y > q->y;
}

int import_bulk_finish(import_ctx *x, rm_error *err)
{
    if (!x->bulk || x->bulk_n == 0) {
        import_triggers(x, true);
        return 0;
    }
    /* An empty index is packed at once; otherwise points go in one by one, in spatial order
     * (slices by longitude, each by latitude) so that consecutive inserts touch the same nodes. */
    size_t n = (size_t)x->bulk_n;
    if (rtreepack_possible(x->db, x->coll->rtree)) {
        if (rtreepack_points(x->db, x->coll->rtree, x->bulk_pts, n, err) < 0)
            return -1;
        goto counters;
    }
    size_t slice = (size_t)sqrt((double)n) * 32 + 1;
    qsort(x->bulk_pts, n, sizeof *x->bulk_pts, cmp_x);
    for (size_t i = 0; i < n; i += slice)
        qsort(x->bulk_pts + i, n - i < slice ? n - i : slice, sizeof *x->bulk_pts, cmp_y);
    sqlite3_stmt *rt = db_stmt(x->db, x->rtree_sql, err);
    if (!rt)
        return -1;
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(rt, 1, x->bulk_pts[i].id);
        sqlite3_bind_double(rt, 2, x->bulk_pts[i].x);
        sqlite3_bind_double(rt, 3, x->bulk_pts[i].y);
        int r = sqlite3_step(rt);
        db_stmt_done(rt);
        if (r != SQLITE_DONE)
            return db_error(x->db, err, 500, "indexing the imported rows");
    }
counters:
    if (x->search_deferred && strcmp(x->coll->table, "facility") == 0) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db_sqlite(x->db), "INSERT OR IGNORE INTO facility_practice(facility_id, practice) "
                               "SELECT id, practice FROM facility WHERE id > ?1", -1, &st, NULL) != SQLITE_OK)
            return db_error(x->db, err, 500, "listing the practices");
        sqlite3_bind_int64(st, 1, x->max_id_before);
        int r = sqlite3_step(st);
        sqlite3_finalize(st);
        if (r != SQLITE_DONE)
            return db_error(x->db, err, 500, "listing the practices");
    }
    if (x->search_deferred) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db_sqlite(x->db), x->search_all_sql.data, -1, &st, NULL) != SQLITE_OK)
            return db_error(x->db, err, 500, "computing the search keys");
        sqlite3_bind_int64(st, 1, x->max_id_before);
        int r = sqlite3_step(st);
        sqlite3_finalize(st);
        if (r != SQLITE_DONE)
            return db_error(x->db, err, 500, "computing the search keys");
    }
    import_triggers(x, true);
    sqlite3_stmt *st = db_stmt(x->db, "UPDATE layer_stat SET feature_count = feature_count + ?1, "
                                      "min_lon = min(coalesce(min_lon, ?2), ?2), min_lat = min(coalesce(min_lat, ?3), ?3), "
                                      "max_lon = max(coalesce(max_lon, ?4), ?4), max_lat = max(coalesce(max_lat, ?5), ?5) "
                                      "WHERE layer = ?6", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, x->bulk_n);
    for (int k = 0; k < 4; k++)
        sqlite3_bind_double(st, 2 + k, x->bulk_env[k]);
    sqlite3_bind_text(st, 6, x->coll->id, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE)
        return db_error(x->db, err, 500, "updating the layer counters");
    char *sql = sqlite3_mprintf("UPDATE geometry_columns_time SET last_insert = strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', "
                                "'now'), last_update = strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', 'now') WHERE "
                                "Lower(f_table_name) = Lower(%Q) AND Lower(f_geometry_column) = 'geom'", x->coll->table);
    int rc = db_exec(x->db, sql, err);
    sqlite3_free(sql);
    return rc;
}

int import_prepare(import_ctx *x, rm_error *err)
{
    if (!x->coll)
        return 0;
    const coll_def *c = x->coll;
    x->has_own_location = !c->point_required;
    x->table_has_legacy = !coll_field_find(c, "legacy_id") && has_column(x->db, c->table, "legacy_id") &&
                          has_column(x->db, c->table, "legacy_system");
    buf *in = &x->insert_sql, *up = &x->update_sql;
    buf_reset(in);
    buf_reset(up);
    buf_appendf(in, "INSERT INTO %s (", c->table);
    buf_appendf(up, "UPDATE %s SET ", c->table);
    int n = 0;
    for (const coll_field *f = c->fields; f->name; f++)
        if (f->column) {
            n++;
            buf_appendf(in, "%s, ", f->column);
            buf_appendf(up, "%s = ?%d, ", f->column, n);
        }
    x->ninsert_fields = n;
    int k = n;
    if (x->table_has_legacy) {
        buf_puts(in, "legacy_system, legacy_id, ");
        buf_appendf(up, "legacy_system = ?%d, legacy_id = ?%d, ", k + 1, k + 2);
    }
    int base = k + (x->table_has_legacy ? 2 : 0); /* ?base+1 owner, +2 lon, +3 lat, +4 own_location, +5 id */
    buf_appendf(in, "record_owner, lon, lat, geom%s) VALUES (", x->has_own_location ? ", own_location" : "");
    for (int i = 1; i <= base; i++)
        buf_appendf(in, "?%d, ", i);
    buf_appendf(in, "?%d, ?%d, ?%d, MakePoint(?%d, ?%d, 4326)%s", base + 1, base + 2, base + 3, base + 2, base + 3,
                x->has_own_location ? "" : ")");
    if (x->has_own_location)
        buf_appendf(in, ", ?%d)", base + 4);
    buf_appendf(up, "lon = ?%d, lat = ?%d, geom = MakePoint(?%d, ?%d, 4326), ", base + 2, base + 3, base + 2,
                base + 3);
    if (x->has_own_location)
        buf_appendf(up, "own_location = ?%d, ", base + 4);
    buf_appendf(up, "version = version + 1, updated_at = strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ','now') WHERE id = ?%d",
                base + 5);
    /* The same update for a row that stays where it is: no geometry triggers (R*Tree, holdings). */
    buf_reset(&x->update_nopos_sql);
    buf_appendf(&x->update_nopos_sql, "UPDATE %s SET ", c->table);
    int m = 0;
    for (const coll_field *f = c->fields; f->name; f++)
        if (f->column)
            buf_appendf(&x->update_nopos_sql, "%s = ?%d, ", f->column, ++m);
    if (x->table_has_legacy)
        buf_appendf(&x->update_nopos_sql, "legacy_system = ?%d, legacy_id = ?%d, ", m + 1, m + 2);
    buf_appendf(&x->update_nopos_sql, "version = version + 1, updated_at = strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ','now') "
                "WHERE id = ?%d", base + 5);
    /* The statements of every row, prepared once (a schema problem shows before the first row). */
    sqlite3 *db = db_sqlite(x->db);
    if (sqlite3_prepare_v3(db, in->data, -1, SQLITE_PREPARE_PERSISTENT, &x->st_insert, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(db, up->data, -1, SQLITE_PREPARE_PERSISTENT, &x->st_update, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(db, x->update_nopos_sql.data, -1, SQLITE_PREPARE_PERSISTENT, &x->st_update_nopos, NULL) !=
            SQLITE_OK ||
        (strcmp(c->table, "facility") == 0 &&
         sqlite3_prepare_v3(db, "INSERT OR IGNORE INTO facility_practice(facility_id, practice) VALUES (?, ?)", -1,
                            SQLITE_PREPARE_PERSISTENT, &x->st_practice, NULL) != SQLITE_OK) ||
        (c->search_update_sql &&
         sqlite3_prepare_v3(db, c->search_update_sql, -1, SQLITE_PREPARE_PERSISTENT, &x->st_search, NULL) != SQLITE_OK))
        return db_error(x->db, err, 500, "preparing the import");
    x->bulk = !x->upsert_by && c->rtree && triggers_known(x, c->table) && no_insert_triggers(x, "facility_practice") &&
              no_insert_triggers(x, "organization") && no_insert_triggers(x, "audit");
    if (x->bulk) {
        /* Search keys of added rows are computed at the end, for all of them at once, when the
         * collection's statement is the usual "... WHERE id = ?1". */
        const char *ss = c->search_update_sql;
        size_t sl = ss ? strlen(ss) : 0;
        if (sl > 13 && strcmp(ss + sl - 13, "WHERE id = ?1") == 0) {
            buf_reset(&x->search_all_sql);
            buf_append(&x->search_all_sql, ss, sl - 13);
            buf_puts(&x->search_all_sql, "WHERE id > ?1");
            sqlite3_stmt *mx = NULL;
            char q[128];
            snprintf(q, sizeof q, "SELECT coalesce(max(id), 0) FROM \"%s\"", c->table);
            if (sqlite3_prepare_v2(db, q, -1, &mx, NULL) == SQLITE_OK && sqlite3_step(mx) == SQLITE_ROW) {
                x->max_id_before = sqlite3_column_int64(mx, 0);
                x->search_deferred = true;
            }
            sqlite3_finalize(mx);
        }
        snprintf(x->rtree_sql, sizeof x->rtree_sql,
                 "INSERT OR REPLACE INTO \"%s\"(pkid, xmin, xmax, ymin, ymax) VALUES (?1, ?2, ?2, ?3, ?3)", c->rtree);
        x->bulk_env[0] = x->bulk_env[1] = 1e9;
        x->bulk_env[2] = x->bulk_env[3] = -1e9;
        import_triggers(x, false);
    }
    return 0;
}

static void bind_json(sqlite3_stmt *st, int idx, const coll_field *f, json_t *v)
{
    if (!v || json_is_null(v))
        sqlite3_bind_null(st, idx);
    else if (f->type == PROP_INT)
        sqlite3_bind_int64(st, idx, json_is_integer(v) ? json_integer_value(v) : (int64_t)json_number_value(v));
    else if (f->type == PROP_REAL)
        sqlite3_bind_double(st, idx, json_number_value(v));
    else
        sqlite3_bind_text(st, idx, json_string_value(v), -1, SQLITE_TRANSIENT);
}

/* The writable values of row id (and its owner, position, own_location), as the API's PATCH sees
 * them. NULL when the row does not exist. */
static json_t *current_values(import_ctx *x, int64_t id, char owner[16], double pos[2], int *own)
{
    const coll_def *c = x->coll;
    buf *sql = &x->current_sql;
    if (!sql->len) {
        buf_appendf(sql, "SELECT record_owner, lon, lat, %s", x->has_own_location ? "own_location" : "0");
        if (x->table_has_legacy)
            buf_puts(sql, ", legacy_system, legacy_id");
        else
            buf_puts(sql, ", NULL, NULL");
        for (const coll_field *f = c->fields; f->name; f++) {
            if (f->column)
                buf_appendf(sql, ", %s", f->column);
            else if (f->type == PROP_TEXT_LIST && strcmp(f->name, "practices") == 0)
                buf_puts(sql, ", (SELECT group_concat(practice) FROM facility_practice WHERE facility_id = t.id)");
            else
                buf_puts(sql, ", NULL");
        }
        buf_appendf(sql, " FROM %s t WHERE t.id = ?", c->table);
    }
    sqlite3_stmt *st = db_stmt(x->db, sql->data, NULL);
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    json_t *o = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        o = json_object();
        snprintf(owner, 16, "%s", (const char *)sqlite3_column_text(st, 0));
        pos[0] = sqlite3_column_double(st, 1);
        pos[1] = sqlite3_column_double(st, 2);
        *own = sqlite3_column_int(st, 3);
        if (x->table_has_legacy) {
            for (int k = 0; k < 2; k++)
                if (sqlite3_column_type(st, 4 + k) != SQLITE_NULL)
                    json_object_set_new(o, k ? "legacy_id" : "legacy_system",
                                        json_string((const char *)sqlite3_column_text(st, 4 + k)));
        }
        int col = 6;
        for (const coll_field *f = c->fields; f->name; f++, col++) {
            if (sqlite3_column_type(st, col) == SQLITE_NULL)
                continue;
            switch (f->type) {
            case PROP_INT: json_object_set_new(o, f->name, json_integer(sqlite3_column_int64(st, col))); break;
            case PROP_REAL: json_object_set_new(o, f->name, json_real(sqlite3_column_double(st, col))); break;
            case PROP_TEXT_LIST: {
                json_t *a = json_array();
                const char *s = (const char *)sqlite3_column_text(st, col);
                while (s && *s) {
                    const char *e = strchr(s, ',');
                    size_t n = e ? (size_t)(e - s) : strlen(s);
                    json_array_append_new(a, json_stringn(s, n));
                    s = e ? e + 1 : s + n;
                }
                json_object_set_new(o, f->name, a);
                break;
            }
            default: json_object_set_new(o, f->name, json_string((const char *)sqlite3_column_text(st, col)));
            }
        }
    }
    db_stmt_done(st);
    return o;
}

/* The row an upsert key names: its id, 0 when none, -1 with err. */
static int64_t find_existing(import_ctx *x, json_t *props, rm_error *err)
{
    const char *key = x->upsert_by;
    const char *v = json_string_value(json_object_get(props, key));
    if (!v || !*v)
        return 0;
    char sql[200];
    if (strcmp(key, "legacy_id") == 0)
        snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE legacy_id = ?1 AND legacy_system IS ?2 ORDER BY id LIMIT 1",
                 x->coll->table);
    else
        snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE %s = ?1 ORDER BY id LIMIT 1", x->coll->table, key);
    sqlite3_stmt *st = db_stmt(x->db, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, v, -1, SQLITE_TRANSIENT);
    if (strcmp(key, "legacy_id") == 0) {
        const char *ls = json_string_value(json_object_get(props, "legacy_system"));
        if (ls)
            sqlite3_bind_text(st, 2, ls, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, 2);
    }
    int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    db_stmt_done(st);
    return id;
}

/* The feature as JSON for the audit trail, with where it came from. */
/* A jansson value written with the server's JSON writer (numbers as the API writes them). */
static void write_value(json_writer *w, json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        json_obj_begin(w);
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) {
            json_key(w, k);
            write_value(w, x);
        }
        json_obj_end(w);
        break;
    }
    case JSON_ARRAY: {
        json_arr_begin(w);
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) write_value(w, x);
        json_arr_end(w);
        break;
    }
    case JSON_STRING: json_strn(w, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: json_int(w, json_integer_value(v)); break;
    case JSON_REAL: json_num(w, json_real_value(v)); break;
    case JSON_TRUE: json_bool(w, true); break;
    case JSON_FALSE: json_bool(w, false); break;
    default: json_write_null(w); break;
    }
}

/* The feature as JSON for the audit trail, with where it came from; a new string. */
static char *feature_json(import_ctx *x, int64_t id, json_t *props, double lon, double lat, bool with_import)
{
    buf b = BUF_INIT;
    json_writer w;
    json_init(&w, &b);
    json_obj_begin(&w);
    json_kv_str(&w, "type", "Feature");
    json_kv_int(&w, "id", id);
    json_key(&w, "geometry");
    json_obj_begin(&w);
    json_kv_str(&w, "type", "Point");
    json_key(&w, "coordinates");
    json_arr_begin(&w);
    json_num(&w, lon);
    json_num(&w, lat);
    json_arr_end(&w);
    json_obj_end(&w);
    json_key(&w, "properties");
    write_value(&w, props);
    if (with_import) {
        json_key(&w, "import");
        json_obj_begin(&w);
        json_kv_str(&w, "id", x->rep->import_id);
        json_kv_str(&w, "file", x->file_label);
        json_kv_int(&w, "row", x->row);
        json_obj_end(&w);
    }
    json_obj_end(&w);
    return buf_detach(&b, NULL);
}

static void grow_env(import_ctx *x, double lon, double lat)
{
    if (lon < x->env[0]) x->env[0] = lon;
    if (lat < x->env[1]) x->env[1] = lat;
    if (lon > x->env[2]) x->env[2] = lon;
    if (lat > x->env[3]) x->env[3] = lat;
}

/* --- boundaries --- */

static int boundary_row(import_ctx *x, const rowpipe_feature *f, validate_errors *e, rm_error *err)
{
    const char *vals[6] = {0};
    static const char *const names[] = {"name", "name_en", "level", "code", "valid_from", "valid_to"};
    buf cells[6] = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT};
    for (int i = 0; i < x->nplan; i++)
        for (int k = 0; k < 6; k++)
            if (strcmp(x->plan[i].target, names[k]) == 0 && (uint32_t)x->plan[i].col < f->nvalues)
                vals[k] = cell(&f->values[x->plan[i].col], &cells[k]);
    for (int k = 0; k < 6; k++)
        if (!vals[k])
            for (int i = 0; i < x->ndefaults; i++) {
                size_t n = strlen(names[k]);
                if (strncmp(x->defaults[i], names[k], n) == 0 && x->defaults[i][n] == '=')
                    vals[k] = x->defaults[i] + n + 1;
            }
    const char *level = vals[2] ? vals[2] : "country";
    const char *alias = mapping_value_alias(MAP_BOUNDARIES, "level", level);
    if (alias)
        level = alias;
    static const char *const levels[] = {"country", "province", "ward", "other", NULL};
    static const coll_field name_f = {"name", "name", PROP_TEXT, true, 200, 0, 0, NULL, NULL, NULL, RULE_NONE};
    static const coll_field en_f = {"name_en", "name_en", PROP_TEXT, false, 200, 0, 0, NULL, NULL, NULL, RULE_NONE};
    static const coll_field level_f = {"level", "level", PROP_TEXT, true, 20, 0, 0, levels, NULL, NULL, RULE_NONE};
    static const coll_field code_f = {"code", "code", PROP_TEXT, false, 40, 0, 0, NULL, NULL, NULL, RULE_NONE};
    char dates[2][11];
    for (int k = 4; k < 6; k++)
        if (vals[k]) {
            if (mapping_parse_date(vals[k], dates[k - 4]) == 0)
                vals[k] = dates[k - 4];
            else
                validate_add(e, names[k], "must be a date YYYY-MM-DD");
        }
    if (!vals[0])
        validate_add(e, "name", "is required");
    const coll_field *fs[4] = {&name_f, &en_f, &level_f, &code_f};
    const char *vs[4] = {vals[0], vals[1], level, vals[3]};
    for (int k = 0; k < 4; k++)
        if (vs[k]) {
            json_t *j = json_string(vs[k]);
            if (!j)
                validate_add(e, fs[k]->name, "is not valid UTF-8 text (save the file as UTF-8)");
            else
                validate_field(x->db, fs[k], j, x->today, NULL, e);
            json_decref(j);
        }
    unsigned char *wkb = NULL;
    double env[4];
    int t = f->wkb ? wkb_type(f->wkb, f->wkb_len) : 0;
    if (!f->wkb)
        validate_add(e, "geometry", "a Polygon or MultiPolygon is required");
    else if (t != WKB_POLYGON && t != WKB_MULTIPOLYGON)
        validate_add(e, "geometry", "must be a Polygon or MultiPolygon");
    else {
        wkb = malloc(f->wkb_len);
        if (!wkb)
            abort();
        memcpy(wkb, f->wkb, f->wkb_len);
        if (wkb_transform(wkb, f->wkb_len, transform_xy, x) < 0)
            validate_add(e, "geometry", "cannot be transformed from %s to WGS 84", x->rp.desc);
        else if (wkb_envelope(wkb, f->wkb_len, env) < 0 || env[0] < -180.0000001 || env[2] > 180.0000001 ||
                 env[1] < -90.0000001 || env[3] > 90.0000001)
            validate_add(e, "geometry", "coordinates must be longitude -180..180 and latitude -90..90 once in WGS 84");
    }
    int rc = 0;
    if (e->n) {
        free(wkb);
        rc = 1;
        goto done;
    }
    sqlite3_stmt *st = db_stmt(x->db,
        "INSERT INTO boundary(name, name_en, level, code, valid_from, valid_to, source, search_key, "
        "min_lon, min_lat, max_lon, max_lat, geom) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, rm_fold(?1 || ' ' || coalesce(?2, '')), ?8, ?9, ?10, ?11, "
        "CastToMultiPolygon(GeomFromWKB(?12, 4326)))", err);
    if (!st) {
        free(wkb);
        rc = -1;
        goto done;
    }
    const char *bind[6] = {vals[0], vals[1], level, vals[3], vals[4], vals[5]};
    for (int k = 0; k < 6; k++)
        if (bind[k])
            sqlite3_bind_text(st, k + 1, bind[k], -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, k + 1);
    sqlite3_bind_text(st, 7, x->o->source_label ? x->o->source_label : x->file_label, -1, SQLITE_TRANSIENT);
    for (int k = 0; k < 4; k++)
        sqlite3_bind_double(st, 8 + k, env[k]);
    sqlite3_bind_blob(st, 12, wkb, (int)f->wkb_len, free);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        validate_add(e, "geometry", "the database refused the row: %s", sqlite3_errmsg(db_sqlite(x->db)));
        rc = 1;
        goto done;
    }
    int64_t id = sqlite3_last_insert_rowid(db_sqlite(x->db));
    json_t *p = json_object();
    for (int k = 0; k < 6; k++)
        if (bind[k])
            json_object_set_new(p, names[k], json_string(bind[k]));
    json_t *bbox = json_array();
    for (int k = 0; k < 4; k++)
        json_array_append_new(bbox, json_real(env[k]));
    json_object_set_new(p, "bbox", bbox);
    json_t *im = json_object();
    json_object_set_new(im, "id", json_string(x->rep->import_id));
    json_object_set_new(im, "file", json_string(x->file_label));
    json_object_set_new(im, "row", json_integer(x->row));
    json_t *feat = json_pack("{s:s, s:I, s:o, s:o}", "type", "Feature", "id", (json_int_t)id, "properties", p,
                             "import", im);
    char *after = json_dumps(feat, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(feat);
    rc = audit_append(x->db, x->user, "create", "boundaries", id, x->rep->import_id, NULL, after, err);
    free(after);
    if (rc == 0) {
        grow_env(x, env[0], env[1]);
        grow_env(x, env[2], env[3]);
        x->rep->rows_created++;
    }
done:
    for (int k = 0; k < 6; k++)
        buf_free(&cells[k]);
    return rc;
}

/* --- register rows --- */

static const char *find_default(const import_ctx *x, const char *field)
{
    size_t n = strlen(field);
    for (int i = 0; i < x->ndefaults; i++)
        if (strncmp(x->defaults[i], field, n) == 0 && x->defaults[i][n] == '=')
            return x->defaults[i] + n + 1;
    return NULL;
}

/* A facility named by code or legacy id: its id, 0 when none (reason added), -1 with err. */
static int64_t facility_by(import_ctx *x, const char *code, const char *legacy_id, const char *legacy_system,
                           validate_errors *e, rm_error *err)
{
    sqlite3_stmt *st;
    if (code)
        st = db_stmt(x->db, "SELECT id FROM facility WHERE code = ?1", err);
    else
        st = db_stmt(x->db, "SELECT id FROM facility WHERE legacy_id = ?1 AND (?2 IS NULL OR legacy_system = ?2) "
                            "ORDER BY id LIMIT 2", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, code ? code : legacy_id, -1, SQLITE_TRANSIENT);
    if (!code && legacy_system)
        sqlite3_bind_text(st, 2, legacy_system, -1, SQLITE_TRANSIENT);
    int64_t id = 0;
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        n++;
    }
    db_stmt_done(st);
    if (n == 0)
        validate_add(e, code ? "facility_code" : "facility_legacy_id", "no facility has %s %.60s%s%.60s",
                     code ? "code" : "legacy id", code ? code : legacy_id,
                     !code && legacy_system ? " in register " : "", !code && legacy_system ? legacy_system : "");
    else if (n > 1) {
        validate_add(e, "facility_legacy_id", "several facilities have legacy id %.60s; name the register with "
                     "legacy_system", legacy_id);
        id = 0;
    }
    return id;
}

static int register_row(import_ctx *x, const rowpipe_feature *f, validate_errors *e, rm_error *err)
{
    const coll_def *c = x->coll;
    json_t *props = json_object(), *current = NULL;
    buf tmp = BUF_INIT;
    int rc = -1;
    char *before = NULL, *after = NULL;
    char org_name[400] = "", tax[32] = "", fac_code[100] = "", fac_legacy[100] = "";
    bool have_org = false, have_tax = false, ward_from_crosswalk = false;
    /* Columns to values. */
    for (int i = 0; i < x->nplan; i++) {
        const plan_col *pc = &x->plan[i];
        if ((uint32_t)pc->col >= f->nvalues)
            continue;
        const char *text = cell(&f->values[pc->col], &tmp);
        if (!text)
            continue;
        if (!utf8_valid(text, strlen(text))) {
            validate_add(e, pc->target, "is not valid UTF-8 text (save the file as UTF-8)");
            continue;
        }
        const char *t = pc->target;
        if (pc->field) {
            json_t *v = field_value(x, pc, pc->field, text);
            if (!v)
                validate_add(e, t, "is not valid UTF-8 text (save the file as UTF-8)");
            else
                json_object_set_new(props, pc->field->name, v);
        } else if (strcmp(t, "organization") == 0) {
            snprintf(org_name, sizeof org_name, "%s", text);
            have_org = true;
        } else if (strcmp(t, "tax_code") == 0) {
            tax_code_clean(text, tax);
            have_tax = tax[0] != 0;
        } else if (strcmp(t, "facility_code") == 0) {
            snprintf(fac_code, sizeof fac_code, "%s", text);
        } else if (strcmp(t, "facility_legacy_id") == 0) {
            snprintf(fac_legacy, sizeof fac_legacy, "%s", text);
        } else if (strcmp(t, "legacy_system") == 0 || strcmp(t, "legacy_id") == 0) {
            json_object_set_new(props, t, json_string(text));
        }
    }
    /* --set defaults for what the row lacks. */
    for (const coll_field *fd = c->fields; fd->name; fd++)
        if (!json_object_get(props, fd->name)) {
            const char *d = find_default(x, fd->name);
            if (d) {
                json_t *v = field_value(x, NULL, fd, d);
                if (v)
                    json_object_set_new(props, fd->name, v);
            }
        }
    if (!json_object_get(props, "legacy_system") && x->legacy_system)
        json_object_set_new(props, "legacy_system", json_string(x->legacy_system));
    if (!have_org && find_default(x, "organization")) {
        snprintf(org_name, sizeof org_name, "%s", find_default(x, "organization"));
        have_org = true;
    }
    /* Provenance columns outside the descriptor (sources, devices): their limits. */
    if (x->table_has_legacy)
        for (int k = 0; k < 2; k++) {
            json_t *v = json_object_get(props, k ? "legacy_id" : "legacy_system");
            if (v)
                validate_field(x->db, k ? &legacy_id_field : &legacy_system_field, v, x->today, NULL, e);
        }
    /* The holding facility, by code or legacy id. */
    if (c->parent_field && !json_object_get(props, c->parent_field) && (fac_code[0] || fac_legacy[0])) {
        int64_t fid = facility_by(x, fac_code[0] ? fac_code : NULL, fac_legacy,
                                  json_string_value(json_object_get(props, "legacy_system")), e, err);
        if (fid < 0)
            goto done;
        if (fid)
            json_object_set_new(props, c->parent_field, json_integer(fid));
    }
    /* The licensee: checked like POST /organizations; found now, created once the row is valid. */
    int64_t org_id = 0;
    if ((have_org || have_tax) && coll_field_find(c, "organization_id") && !json_object_get(props, "organization_id")) {
        if (load_orgs(x, err) < 0)
            goto done;
        if (have_tax) {
            json_t *j = json_string(tax);
            validate_field(x->db, &org_tax_field, j, x->today, NULL, e);
            json_decref(j);
            org_id = strmap_get(&x->orgs_by_tax, tax);
        }
        if (!org_id && have_org) {
            json_t *j = json_string(org_name);
            validate_field(x->db, &org_name_field, j, x->today, NULL, e);
            json_decref(j);
            /* The same name; or, for a name typed without diacritics ("Cong ty CP Benh vien Tam Duc"),
             * the name it folds like. Names with different diacritics are different licensees
             * ("Thiên Hiền", "Thiện Hiền"). */
            org_id = strmap_get(&x->orgs_by_name, org_name);
            bool ascii = true;
            for (const char *q = org_name; *q; q++)
                ascii &= (unsigned char)*q < 0x80;
            if (!org_id && ascii) {
                char *k = fold_dup(org_name);
                org_id = strmap_get(&x->orgs_by_fold, k);
                free(k);
            }
        }
        if (!org_id && !have_org)
            validate_add(e, "organization", "is required to register a licensee with tax code %s", tax);
        if (org_id)
            json_object_set_new(props, "organization_id", json_integer(org_id));
    }
    /* The 2025 ward from the old district and ward. */
    if (x->layer_bit == MAP_FACILITIES && !json_object_get(props, "ward")) {
        const char *d = json_string_value(json_object_get(props, "legacy_district"));
        const char *w = json_string_value(json_object_get(props, "legacy_ward"));
        const char *p = json_string_value(json_object_get(props, "legacy_province"));
        char ward[200];
        int r = crosswalk_lookup(x->db, p, d, w, ward, sizeof ward, err);
        if (r < 0)
            goto done;
        if (r == 1) {
            json_object_set_new(props, "ward", json_string(ward));
            ward_from_crosswalk = true;
        }
    }
    double lon = 0, lat = 0;
    int pos = row_position(x, f, &lon, &lat, e);
    if (pos == 1)
        validate_point(lon, lat, x->area, e);
    /* Upsert: the row with the same key. */
    int64_t id = 0;
    char owner[16] = "department";
    double old_pos[2] = {0, 0};
    int old_own = 0;
    if (x->upsert_by) {
        id = find_existing(x, props, err);
        if (id < 0)
            goto done;
        if (id) {
            current = current_values(x, id, owner, old_pos, &old_own);
            if (!current) {
                rm_error_set(err, 500, "Database error", "reading %s %lld", c->id, (long long)id);
                goto done;
            }
            if (strcmp(owner, x->record_owner) != 0)
                validate_add(e, x->upsert_by, "matches %s %lld, a record of %s, which this import (owner %s) may "
                             "not change", c->id, (long long)id, owner, x->record_owner);
            before = feature_json(x, id, current, old_pos[0], old_pos[1], false);
            const char *k;
            json_t *v;
            json_object_foreach(props, k, v) json_object_set(current, k, v);
            json_decref(props);
            props = current;
            current = NULL;
        }
    }
    /* The API's validation, on exactly what will be written. */
    json_t *checked = props;
    json_t *without = NULL;
    if (x->table_has_legacy) {
        without = json_copy(props);
        json_object_del(without, "legacy_system");
        json_object_del(without, "legacy_id");
        checked = without;
    }
    validate_properties(x->db, c, checked, x->today, x->vc, e);
    json_decref(without);
    if (pos == 0 && c->point_required && !(id && x->upsert_by))
        validate_add(e, "geometry", "a Point is required (a geometry, or lon/lat or x/y columns)");
    if (!e->n) {
        int64_t other = validate_serial_conflict(x->db, c, props, id, err);
        if (other < 0)
            goto done;
        if (other)
            validate_add(e, "serial_no", "serial number %s of %s %s is already used by %s %lld",
                         json_string_value(json_object_get(props, "serial_no")),
                         json_string_value(json_object_get(props, "manufacturer")),
                         json_string_value(json_object_get(props, "model")), c->id, (long long)other);
    }
    if (e->n) {
        rc = 1;
        goto done;
    }
    /* Where it stands: its own point, else (sources, devices) its facility's, else where it was. */
    int own = 0;
    if (pos == 1 && c->parent_sql) {
        own = 1;
        sqlite3_stmt *st = db_stmt(x->db, c->parent_sql, err);
        if (!st)
            goto done;
        sqlite3_bind_int64(st, 1, json_integer_value(json_object_get(props, c->parent_field)));
        if (sqlite3_step(st) == SQLITE_ROW && fabs(sqlite3_column_double(st, 0) - lon) < 1e-5 &&
            fabs(sqlite3_column_double(st, 1) - lat) < 1e-5)
            own = 0; /* the file repeats the facility's position */
        db_stmt_done(st);
    } else if (pos == 0 && id) {
        lon = old_pos[0], lat = old_pos[1], own = old_own;
    } else if (pos == 0 && c->parent_sql) {
        sqlite3_stmt *st = db_stmt(x->db, c->parent_sql, err);
        if (!st)
            goto done;
        sqlite3_bind_int64(st, 1, json_integer_value(json_object_get(props, c->parent_field)));
        if (sqlite3_step(st) == SQLITE_ROW) {
            lon = sqlite3_column_double(st, 0);
            lat = sqlite3_column_double(st, 1);
        }
        db_stmt_done(st);
    }
    /* A licensee the register does not know yet. */
    if ((have_org || have_tax) && !json_object_get(props, "organization_id") && have_org &&
        coll_field_find(c, "organization_id")) {
        sqlite3_stmt *st = db_stmt(x->db, "INSERT INTO organization(name, tax_code, record_owner, legacy_system) "
                                          "VALUES (?, ?, ?, ?)", err);
        if (!st)
            goto done;
        sqlite3_bind_text(st, 1, org_name, -1, SQLITE_TRANSIENT);
        if (have_tax)
            sqlite3_bind_text(st, 2, tax, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, x->record_owner, -1, SQLITE_STATIC);
        const char *ls = json_string_value(json_object_get(props, "legacy_system"));
        if (ls)
            sqlite3_bind_text(st, 4, ls, -1, SQLITE_TRANSIENT);
        int s = sqlite3_step(st);
        db_stmt_done(st);
        if (s != SQLITE_DONE) {
            db_error(x->db, err, 500, "creating an organization");
            goto done;
        }
        org_id = sqlite3_last_insert_rowid(db_sqlite(x->db));
        json_t *oj = json_pack("{s:I, s:s, s:s?, s:s}", "id", (json_int_t)org_id, "name", org_name, "tax_code",
                               have_tax ? tax : NULL, "import", x->rep->import_id);
        char *oa = json_dumps(oj, JSON_COMPACT);
        json_decref(oj);
        int a = audit_append(x->db, x->user, "create", "organizations", org_id, x->rep->import_id, NULL, oa, err);
        free(oa);
        if (a < 0)
            goto done;
        if (have_tax)
            strmap_put(&x->orgs_by_tax, tax, org_id);
        char *k = fold_dup(org_name);
        strmap_put(&x->orgs_by_fold, k, org_id);
        free(k);
        strmap_put(&x->orgs_by_name, org_name, org_id);
        x->rep->organizations_created++;
        json_object_set_new(props, "organization_id", json_integer(org_id));
    }
    /* The write. */
    bool bulk = x->bulk && !id;
    bool moved = !id || lon != old_pos[0] || lat != old_pos[1] || (x->has_own_location && own != old_own);
    sqlite3_stmt *st = !id ? x->st_insert : moved ? x->st_update : x->st_update_nopos;
    if (!st)
        goto done;
    int k = 0;
    for (const coll_field *fd = c->fields; fd->name; fd++)
        if (fd->column) {
            json_t *v = json_object_get(props, fd->name);
            k++;
            if ((!v || json_is_null(v)) && strcmp(fd->name, "status") == 0)
                sqlite3_bind_text(st, k, strcmp(c->id, "facilities") == 0 ? "operating" : "in_use", -1,
                                  SQLITE_STATIC);
            else if ((!v || json_is_null(v)) && strcmp(fd->name, "form") == 0)
                sqlite3_bind_text(st, k, "sealed", -1, SQLITE_STATIC);
            else
                bind_json(st, k, fd, v);
        }
    if (x->table_has_legacy) {
        bind_json(st, ++k, &legacy_system_field, json_object_get(props, "legacy_system"));
        bind_json(st, ++k, &legacy_id_field, json_object_get(props, "legacy_id"));
    }
    if (!id)
        sqlite3_bind_text(st, k + 1, x->record_owner, -1, SQLITE_STATIC);
    if (moved) {
        sqlite3_bind_double(st, k + 2, lon);
        sqlite3_bind_double(st, k + 3, lat);
        if (x->has_own_location)
            sqlite3_bind_int(st, k + 4, own);
    }
    if (id)
        sqlite3_bind_int64(st, k + 5, id);
    int s = sqlite3_step(st);
    int code = sqlite3_extended_errcode(db_sqlite(x->db));
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        if ((code & 0xff) == SQLITE_CONSTRAINT) {
            const char *msg = sqlite3_errmsg(db_sqlite(x->db));
            if (code == SQLITE_CONSTRAINT_UNIQUE && strstr(msg, ".code"))
                validate_add(e, "code", "a %s with this code exists already", c->id);
            else
                validate_add(e, "row", "the register refused it: %s", msg);
            rc = 1;
            goto done;
        }
        db_error(x->db, err, 500, "writing a row");
        goto done;
    }
    if (!id)
        id = sqlite3_last_insert_rowid(db_sqlite(x->db));
    if (bulk) {
        /* Indexed at the end, in spatial order (import_bulk_finish). */
        if (x->bulk_n == x->bulk_cap) {
            x->bulk_cap = x->bulk_cap ? 2 * x->bulk_cap : 4096;
            rtree_point *bp = realloc(x->bulk_pts, x->bulk_cap * sizeof *bp);
            if (!bp)
                abort();
            x->bulk_pts = bp;
        }
        x->bulk_pts[x->bulk_n++] = (rtree_point){id, lon, lat};
        if (lon < x->bulk_env[0]) x->bulk_env[0] = lon;
        if (lat < x->bulk_env[1]) x->bulk_env[1] = lat;
        if (lon > x->bulk_env[2]) x->bulk_env[2] = lon;
        if (lat > x->bulk_env[3]) x->bulk_env[3] = lat;
    }
    if (strcmp(c->id, "facilities") == 0) {
        if (x->upsert_by) {
            st = db_stmt(x->db, "DELETE FROM facility_practice WHERE facility_id = ?", err);
            if (!st)
                goto done;
            sqlite3_bind_int64(st, 1, id);
            sqlite3_step(st);
            db_stmt_done(st);
        }
        st = x->st_practice;
        json_t *list = json_object_get(props, "practices");
        /* In the bulk path the primary practices of the new rows are listed at the end, at once. */
        for (size_t i = bulk && x->search_deferred ? 1 : 0; i <= (json_is_array(list) ? json_array_size(list) : 0);
             i++) {
            json_t *p = i == 0 ? json_object_get(props, "practice") : json_array_get(list, i - 1);
            if (!json_is_string(p))
                continue;
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_text(st, 2, json_string_value(p), -1, SQLITE_TRANSIENT);
            sqlite3_step(st);
            db_stmt_done(st);
        }
    }
    if (c->search_update_sql && !(bulk && x->search_deferred)) {
        st = x->st_search;
        sqlite3_bind_int64(st, 1, id);
        s = sqlite3_step(st);
        db_stmt_done(st);
        if (s != SQLITE_DONE) {
            db_error(x->db, err, 500, "updating the search key");
            goto done;
        }
    }
    after = feature_json(x, id, props, lon, lat, true);
    if (audit_append(x->db, x->user, before ? "update" : "create", c->id, id, x->rep->import_id, before, after,
                     err) < 0)
        goto done;
    grow_env(x, lon, lat);
    if (ward_from_crosswalk)
        x->rep->wards_from_crosswalk++;
    if (before) {
        grow_env(x, old_pos[0], old_pos[1]);
        x->rep->rows_updated++;
    } else {
        x->rep->rows_created++;
    }
    rc = 0;
done:
    json_decref(props);
    json_decref(current);
    free(before);
    free(after);
    buf_free(&tmp);
    return rc;
}

int import_row(import_ctx *x, const rowpipe_feature *f, rm_error *err)
{
    validate_errors *e = x->errs;
    e->n = 0;
    int r = x->coll ? register_row(x, f, e, err) : boundary_row(x, f, e, err);
    if (r > 0 || (r == 0 && e->n)) {
        for (int i = 0; i < e->n; i++)
            import_add_issue(x->rep, x->row, e->field[i], e->reason[i]);
        x->rep->rows_invalid++;
        r = 0;
    }
    return r;
}
