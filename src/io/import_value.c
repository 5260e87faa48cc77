/*
 * import_value: how the cells of a row become the values the API would receive (typed numbers,
 * dates, activities in Bq, enumerations spelled as the register spells them), the licensees a row
 * names, and the row's position in WGS 84; see import.h and mapping.h.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/fold.h"
#include "io/import_int.h"
#include "io/mapping.h"
#include "io/wkb.h"

/* --- small string map --- */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

void strmap_put(strmap *m, const char *key, int64_t val)
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

int64_t strmap_get(const strmap *m, const char *key)
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

int import_utf8_valid(const char *s, size_t n)
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
const char *import_cell(const rowpipe_str *v, buf *out)
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
json_t *import_field_value(import_ctx *x, const plan_col *pc, const coll_field *f, const char *text)
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

int import_load_orgs(import_ctx *x, rm_error *err)
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
void import_tax_code(const char *s, char out[32])
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

int import_transform_xy(void *arg, double *xy, size_t n)
{
    import_ctx *x = arg;
    rm_error e = {0};
    return reproject_run(&x->rp, xy, n, &e) < 0 ? -2 : 0;
}

/* The row's WGS 84 position: 1 found, 0 none, -1 refused (reason added to e). */
int import_position(import_ctx *x, const rowpipe_feature *f, double *lon, double *lat, validate_errors *e)
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
    const char *sx = cx >= 0 && (uint32_t)cx < f->nvalues ? import_cell(&f->values[cx], &b1) : NULL;
    const char *sy = cy >= 0 && (uint32_t)cy < f->nvalues ? import_cell(&f->values[cy], &b2) : NULL;
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
