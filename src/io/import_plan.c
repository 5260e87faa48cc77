/*
 * import_plan: which column of a layer fills which field (explicit maps first, then guesses from
 * the headers, with the rules for legacy registers), and the CRS of its positions; see import.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/import_int.h"
#include "io/mapping.h"

/* Import-only targets per layer (see mapping.h). */
static const struct {
    const char *name;
    unsigned layers;
} virtual_targets[] = {
    {"lon", MAP_FACILITIES | MAP_SOURCES | MAP_DEVICES | MAP_RECEPTORS | MAP_AUTHORIZATIONS},
    {"lat", MAP_FACILITIES | MAP_SOURCES | MAP_DEVICES | MAP_RECEPTORS | MAP_AUTHORIZATIONS},
    {"x", MAP_FACILITIES | MAP_SOURCES | MAP_DEVICES | MAP_RECEPTORS | MAP_AUTHORIZATIONS},
    {"y", MAP_FACILITIES | MAP_SOURCES | MAP_DEVICES | MAP_RECEPTORS | MAP_AUTHORIZATIONS},
    {"organization", MAP_FACILITIES},
    {"tax_code", MAP_FACILITIES},
    {"facility_code", MAP_SOURCES | MAP_DEVICES | MAP_AUTHORIZATIONS},
    {"facility_legacy_id", MAP_SOURCES | MAP_DEVICES | MAP_AUTHORIZATIONS},
    {"legacy_system", MAP_FACILITIES | MAP_SOURCES | MAP_DEVICES | MAP_RECEPTORS | MAP_AUTHORIZATIONS},
    {"legacy_id", MAP_FACILITIES | MAP_SOURCES | MAP_DEVICES | MAP_RECEPTORS | MAP_AUTHORIZATIONS},
    {"name", MAP_BOUNDARIES}, {"name_en", MAP_BOUNDARIES}, {"level", MAP_BOUNDARIES}, {"code", MAP_BOUNDARIES},
    {"valid_from", MAP_BOUNDARIES}, {"valid_to", MAP_BOUNDARIES},
};

static const char *target_of(const import_ctx *x, const char *name, const coll_field **field)
{
    *field = NULL;
    if (x->coll) {
        const coll_field *f = coll_field_find(x->coll, name);
        if (f) {
            *field = f;
            return f->name;
        }
    }
    for (size_t i = 0; i < sizeof virtual_targets / sizeof virtual_targets[0]; i++)
        if ((virtual_targets[i].layers & x->layer_bit) && strcmp(virtual_targets[i].name, name) == 0)
            return virtual_targets[i].name;
    return NULL;
}

static void list_targets(const import_ctx *x, buf *b)
{
    if (x->coll)
        for (const coll_field *f = x->coll->fields; f->name; f++)
            buf_appendf(b, "%s%s", b->len ? ", " : "", f->name);
    for (size_t i = 0; i < sizeof virtual_targets / sizeof virtual_targets[0]; i++)
        if ((virtual_targets[i].layers & x->layer_bit) && !(x->coll && coll_field_find(x->coll, virtual_targets[i].name)))
            buf_appendf(b, "%s%s", b->len ? ", " : "", virtual_targets[i].name);
}

static int find_column(const import_ctx *x, const char *name)
{
    for (int i = 0; i < x->ncols; i++)
        if (strcmp(x->colnames[i], name) == 0)
            return i;
    for (int i = 0; i < x->ncols; i++)
        if (mapping_same_name(x->colnames[i], name))
            return i;
    return -1;
}

static int plan_add(import_ctx *x, const char *target, const coll_field *field, int col, const char *unit)
{
    for (int i = 0; i < x->nplan; i++)
        if (strcmp(x->plan[i].target, target) == 0)
            return 0;
    for (int i = 0; i < x->nplan; i++)
        if (x->plan[i].col == col)
            return 0;
    if (x->nplan == PLAN_MAX)
        return 0;
    x->plan[x->nplan++] = (plan_col){target, col, unit, field};
    return 1;
}

/* The column plan of a layer record: explicit maps first, then guesses from the headers. */
int import_plan_layer(import_ctx *x, const rowpipe_layer *l, rm_error *err)
{
    for (int i = 0; i < x->ncols; i++)
        free(x->colnames[i]);
    x->ncols = (int)l->nfields;
    for (uint32_t i = 0; i < l->nfields; i++) {
        x->colnames[i] = malloc(l->field_names[i].n + 1);
        if (!x->colnames[i])
            abort();
        memcpy(x->colnames[i], l->field_names[i].p, l->field_names[i].n);
        x->colnames[i][l->field_names[i].n] = 0;
    }
    x->nplan = 0;
    for (int i = 0; i < x->nmaps; i++) {
        char tmp[512];
        snprintf(tmp, sizeof tmp, "%s", x->maps[i]);
        char *eq = strchr(tmp, '=');
        if (!eq)
            continue;
        *eq = 0;
        char *col = eq + 1, *unit = NULL;
        char *at = strrchr(col, '@');
        if (at && mapping_unit_bq(at + 1) > 0) {
            *at = 0;
            unit = at + 1;
        }
        const coll_field *f;
        const char *t = target_of(x, tmp, &f);
        if (!t) {
            buf b = BUF_INIT;
            list_targets(x, &b);
            rm_error_set(err, 400, "Unknown field", "--map %s: %s has no field '%s'; fields: %s", x->maps[i],
                         x->o->layer, tmp, b.data ? b.data : "");
            buf_free(&b);
            return -1;
        }
        int c = find_column(x, col);
        if (c < 0) {
            buf b = BUF_INIT;
            for (int k = 0; k < x->ncols; k++)
                buf_appendf(&b, "%s%s", k ? ", " : "", x->colnames[k]);
            rm_error_set(err, 400, "Unknown column", "--map %s: the file has no column '%s'; its columns: %s",
                         x->maps[i], col, b.data ? b.data : "(none)");
            buf_free(&b);
            return -1;
        }
        static const char *const units[] = {"Bq", "kBq", "MBq", "GBq", "TBq", "Ci", "mCi", "uCi", NULL};
        const char *u = NULL;
        for (int k = 0; unit && units[k]; k++)
            if (strcasecmp(units[k], unit) == 0 || (strcmp(units[k], "uCi") == 0 && mapping_unit_bq(unit) == 3.7e4))
                u = units[k];
        plan_add(x, t, f, c, u);
    }
    int explicit_n = x->nplan;
    bool ward_guessed = false;
    for (int c = 0; c < x->ncols; c++) {
        const char *unit = NULL;
        const char *g = mapping_guess_target(x->colnames[c], x->layer_bit, &unit);
        if (!g)
            continue;
        const coll_field *f;
        const char *t = target_of(x, g, &f);
        if (t && plan_add(x, t, f, c, unit) && strcmp(t, "ward") == 0)
            ward_guessed = true;
    }
    /* Ids are local to a register: a file that names the licensee (or the holding facility) is
     * matched by that, not by an id column it also carries (an export of another register). */
    static const char *const by_name[][2] = {{"organization_id", "organization"}, {"organization_id", "tax_code"},
                                             {"facility_id", "facility_code"}, {"facility_id", "facility_legacy_id"}};
    for (size_t k = 0; k < sizeof by_name / sizeof by_name[0]; k++) {
        int id_at = -1, named = 0;
        for (int i = explicit_n; i < x->nplan; i++)
            if (strcmp(x->plan[i].target, by_name[k][0]) == 0)
                id_at = i;
        for (int i = 0; i < x->nplan; i++)
            named |= strcmp(x->plan[i].target, by_name[k][1]) == 0;
        if (id_at >= 0 && named) {
            import_note(x->rep, "column '%s' not used: the %s is found by '%s'", x->colnames[x->plan[id_at].col],
                     by_name[k][0][0] == 'o' ? "licensee" : "facility", by_name[k][1]);
            memmove(&x->plan[id_at], &x->plan[id_at + 1], (size_t)(x->nplan - id_at - 1) * sizeof x->plan[0]);
            x->nplan--;
        }
    }
    /* A file with old districts names its wards the old way: "Phường/Xã" beside "Quận/Huyện" is
     * the pre-2025 ward (the 2025 one comes from the crosswalk). */
    if (x->layer_bit == MAP_FACILITIES && ward_guessed) {
        int iw = -1, has_district = 0, has_legacy_ward = 0;
        for (int i = 0; i < x->nplan; i++) {
            if (strcmp(x->plan[i].target, "ward") == 0 && i >= explicit_n)
                iw = i;
            has_district |= strcmp(x->plan[i].target, "legacy_district") == 0;
            has_legacy_ward |= strcmp(x->plan[i].target, "legacy_ward") == 0;
        }
        if (iw >= 0 && has_district && !has_legacy_ward) {
            x->plan[iw].target = "legacy_ward";
            x->plan[iw].field = coll_field_find(x->coll, "legacy_ward");
            import_note(x->rep, "column '%s' read as the pre-2025 ward (the file names districts); the 2025 ward "
                     "comes from the crosswalk", x->colnames[x->plan[iw].col]);
        }
    }
    x->col_lon = x->col_lat = x->col_x = x->col_y = -1;
    buf unused = BUF_INIT;
    for (int c = 0; c < x->ncols; c++) {
        int used = 0;
        for (int i = 0; i < x->nplan; i++)
            used |= x->plan[i].col == c;
        if (!used)
            buf_appendf(&unused, "%s%s", unused.len ? ", " : "", x->colnames[c]);
    }
    if (unused.len)
        import_note(x->rep, "columns not imported (no matching field; map them with --map field=column): %s",
                 unused.data);
    buf_free(&unused);
    for (int i = 0; i < x->nplan; i++) {
        const char *t = x->plan[i].target;
        int c = x->plan[i].col;
        if (strcmp(t, "lon") == 0) x->col_lon = c;
        else if (strcmp(t, "lat") == 0) x->col_lat = c;
        else if (strcmp(t, "x") == 0) x->col_x = c;
        else if (strcmp(t, "y") == 0) x->col_y = c;
        buf_appendf(&x->rep->mapping, "%s=%s%s%s\n", t, x->colnames[c], x->plan[i].unit ? "@" : "",
                    x->plan[i].unit ? x->plan[i].unit : "");
    }
    return 0;
}

/* "EPSG:9210", "9210", "CRS84", an OGC URI: the EPSG code (4326 for CRS84); -1 when not one. */
static int parse_crs_code(const char *s)
{
    if (!s)
        return -1;
    static const char *const crs84[] = {"CRS84", "OGC:CRS84", "http://www.opengis.net/def/crs/OGC/1.3/CRS84", NULL};
    for (const char *const *p = crs84; *p; p++)
        if (strcasecmp(s, *p) == 0)
            return 4326;
    const crs_info *ci = crs_from_uri(s, "crs", NULL);
    if (ci)
        return ci->code == CRS_CRS84 ? 4326 : ci->code;
    const char *p = s;
    if (strncasecmp(p, "EPSG:", 5) == 0)
        p += 5;
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || *end || v <= 0 || v > 999999)
        return -1;
    return (int)v;
}

/* The CRS of a layer: the file's, or --crs when it declares none. */
int import_layer_crs(import_ctx *x, const rowpipe_layer *l, rm_error *err)
{
    int opt = x->crs_opt ? parse_crs_code(x->crs_opt) : 0;
    if (opt < 0)
        return rm_error_set(err, 400, "Unknown CRS", "--crs %s is not an EPSG code (use EPSG:XXXX)", x->crs_opt);
    char srs_name[200];
    snprintf(srs_name, sizeof srs_name, "%.*s", (int)(l->srs_name.n < 190 ? l->srs_name.n : 190), l->srs_name.p);
    int code;
    if (l->srs_code > 0) {
        code = l->srs_code == 4326 ? 4326 : l->srs_code;
        if (opt && opt != code)
            return rm_error_set(err, 400, "Conflicting CRS", "the file declares EPSG:%d (%s) but --crs says %s; the "
                                "file's own CRS is used for files that declare one: drop --crs", code, srs_name,
                                x->crs_opt);
    } else if (srs_name[0]) {
        if (!opt)
            return rm_error_set(err, 422, "Unidentified CRS", "the file's CRS '%s' is not one GDAL identifies as an "
                                "EPSG code%s; give it with --crs EPSG:XXXX", srs_name,
                                l->srs_is_vn2000 ? " (it is a VN-2000 system)" : "");
        code = opt;
        import_note(x->rep, "the file's CRS '%s' was not identified; --crs %s used", srs_name, x->crs_opt);
    } else {
        code = opt ? opt : 4326;
    }
    if (x->have_rp && x->file_code == code)
        return 0;
    if (x->have_rp)
        reproject_cleanup(&x->rp);
    x->have_rp = false;
    if (reproject_init(&x->rp, code, err) < 0)
        return -1;
    x->have_rp = true;
    x->file_code = code;
    snprintf(x->rep->crs, sizeof x->rep->crs, "%s", x->rp.desc);
    return 0;
}
