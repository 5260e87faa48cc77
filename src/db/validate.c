/*
 * validate: field and row validation shared by the API and the importer; see validate.h.
 */
#include "db/validate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/date.h"
#include "db/audit.h"

void validate_vadd(validate_errors *e, const char *field, const char *fmt, va_list ap)
{
    if (e->n >= VALIDATE_MAX_ERRORS)
        return;
    snprintf(e->field[e->n], sizeof e->field[0], "%s", field);
    vsnprintf(e->reason[e->n], sizeof e->reason[0], fmt, ap);
    e->n++;
}

void validate_add(validate_errors *e, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    validate_vadd(e, field, fmt, ap);
    va_end(ap);
}

#define CACHE_FIELDS 16

struct validate_cache {
    struct {
        const coll_field *f;
        char **values;
        int n;
    } lists[CACHE_FIELDS];
    int nlists;
};

validate_cache *validate_cache_create(void) { return calloc(1, sizeof(validate_cache)); }

void validate_cache_destroy(validate_cache *vc)
{
    if (!vc)
        return;
    for (int i = 0; i < vc->nlists; i++) {
        for (int k = 0; k < vc->lists[i].n; k++)
            free(vc->lists[i].values[k]);
        free(vc->lists[i].values);
    }
    free(vc);
}

/* The cached list of f's allowed values (read on first use); NULL when it cannot be cached. */
static int cached_values(validate_cache *vc, db_conn *db, const coll_field *f, char ***values)
{
    for (int i = 0; i < vc->nlists; i++)
        if (vc->lists[i].f == f) {
            *values = vc->lists[i].values;
            return vc->lists[i].n;
        }
    if (vc->nlists == CACHE_FIELDS)
        return -1;
    sqlite3_stmt *st = db_stmt(db, f->values_sql, NULL);
    if (!st)
        return -1;
    int n = 0, cap = 0;
    char **v = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        if (!k)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            char **x = realloc(v, (size_t)cap * sizeof *v);
            if (!x)
                abort();
            v = x;
        }
        v[n] = strdup(k);
        if (!v[n])
            abort();
        n++;
    }
    db_stmt_done(st);
    vc->lists[vc->nlists].f = f;
    vc->lists[vc->nlists].values = v;
    vc->lists[vc->nlists].n = n;
    vc->nlists++;
    *values = v;
    return n;
}

/* UTF-8 characters in s (s is valid UTF-8: jansson checked it). */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Whether v is an allowed value of f; the list (the first 60) is written to list for the message. */
static bool in_values(db_conn *db, const coll_field *f, const char *v, validate_cache *vc, buf *list)
{
    bool found = false;
    if (f->values) {
        for (const char *const *p = f->values; *p; p++) {
            if (strcmp(*p, v) == 0)
                found = true;
            buf_appendf(list, "%s%s", list->len ? ", " : "", *p);
        }
        return found;
    }
    char **values;
    int n;
    if (vc && (n = cached_values(vc, db, f, &values)) >= 0) {
        for (int i = 0; i < n; i++)
            if (strcmp(values[i], v) == 0)
                return true;
        for (int i = 0; i < n && i < 60; i++)
            buf_appendf(list, "%s%s", list->len ? ", " : "", values[i]);
        return false;
    }
    sqlite3_stmt *st = db_stmt(db, f->values_sql, NULL);
    n = 0;
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        if (k && strcmp(k, v) == 0)
            found = true;
        if (k && n++ < 60)
            buf_appendf(list, "%s%s", list->len ? ", " : "", k);
    }
    db_stmt_done(st);
    return found;
}

static void check_text(db_conn *db, const coll_field *f, const char *s, int32_t today, validate_cache *vc,
                       validate_errors *e)
{
    if (f->required && !*s) {
        validate_add(e, f->name, "must not be empty");
        return;
    }
    if (f->max_len && utf8_chars(s) > (size_t)f->max_len) {
        validate_add(e, f->name, "is longer than %d characters", f->max_len);
        return;
    }
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t') {
            validate_add(e, f->name, "must not contain control characters");
            return;
        }
    if (f->values || f->values_sql) {
        buf list = BUF_INIT;
        if (!in_values(db, f, s, vc, &list))
            validate_add(e, f->name, "'%.60s' is not a known value; allowed: %.180s", s, list.data ? list.data : "");
        buf_free(&list);
    }
    if (f->rule == RULE_DATE_NOT_FUTURE) {
        int32_t d;
        if (date_parse(s, &d) < 0)
            validate_add(e, f->name, "must be a date YYYY-MM-DD");
        else if (d > today)
            validate_add(e, f->name, "must not be in the future");
    } else if (f->rule == RULE_EMAIL) {
        const char *at = strchr(s, '@');
        if (*s && (!at || at == s || !strchr(at, '.') || strchr(s, ' ')))
            validate_add(e, f->name, "is not an e-mail address");
    } else if (f->rule == RULE_CODE) {
        for (const char *p = s; *p; p++)
            if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                  strchr("-_./", *p))) {
                validate_add(e, f->name, "may hold only letters, digits and - _ . /");
                break;
            }
    }
}

void validate_field(db_conn *db, const coll_field *f, json_t *v, int32_t today, validate_cache *vc,
                    validate_errors *e)
{
    switch (f->type) {
    case PROP_TEXT:
        if (!json_is_string(v)) {
            validate_add(e, f->name, "must be a string");
            return;
        }
        check_text(db, f, json_string_value(v), today, vc, e);
        return;
    case PROP_INT: {
        double d;
        if (json_is_integer(v))
            d = (double)json_integer_value(v);
        else if (json_is_real(v) && floor(json_real_value(v)) == json_real_value(v))
            d = json_real_value(v);
        else {
            validate_add(e, f->name, "must be a whole number");
            return;
        }
        if (d < f->min || d > f->max) {
            validate_add(e, f->name, "must be from %.0f to %.0f", f->min, f->max);
            return;
        }
        if (f->ref_sql) {
            sqlite3_stmt *st = db_stmt(db, f->ref_sql, NULL);
            int found = 0;
            if (st) {
                sqlite3_bind_int64(st, 1, (int64_t)d);
                found = sqlite3_step(st) == SQLITE_ROW;
                db_stmt_done(st);
            }
            if (!found)
                validate_add(e, f->name, "%.0f does not exist", d);
        }
        return;
    }
    case PROP_REAL: {
        if (!json_is_number(v)) {
            validate_add(e, f->name, "must be a number");
            return;
        }
        double d = json_number_value(v);
        if (!isfinite(d) || d < f->min || d > f->max)
            validate_add(e, f->name, "must be from %g to %g", f->min, f->max);
        return;
    }
    case PROP_TEXT_LIST: {
        if (!json_is_array(v)) {
            validate_add(e, f->name, "must be an array of strings");
            return;
        }
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            buf list = BUF_INIT;
            if (!json_is_string(x))
                validate_add(e, f->name, "item %zu must be a string", i);
            else if (!in_values(db, f, json_string_value(x), vc, &list))
                validate_add(e, f->name, "'%.60s' is not a known value; allowed: %.180s", json_string_value(x),
                             list.data ? list.data : "");
            buf_free(&list);
        }
        return;
    }
    default:
        return;
    }
}

void validate_properties(db_conn *db, const coll_def *c, json_t *props, int32_t today, validate_cache *vc,
                         validate_errors *e)
{
    const char *key;
    json_t *v;
    json_object_foreach(props, key, v) {
        const coll_field *f = coll_field_find(c, key);
        if (!f) {
            if (!coll_prop_find(c, key))
                validate_add(e, key, "is not a property of %s", c->id);
            continue; /* derived or read-only: ignored */
        }
        if (json_is_null(v)) {
            if (f->required)
                validate_add(e, key, "is required");
            continue;
        }
        validate_field(db, f, v, today, vc, e);
    }
    for (const coll_field *f = c->fields; f->name; f++)
        if (f->required && !json_object_get(props, f->name))
            validate_add(e, f->name, "is required");
}

const double validate_default_area[4] = {102.0, 6.0, 118.0, 23.5};

bool validate_service_area(db_conn *db, double area[4])
{
    /* Viet Nam with its islands by default; an administrator sets meta.service_area (radmap
     * service-area). A value that does not parse leaves the default: the setter validates. */
    memcpy(area, validate_default_area, sizeof validate_default_area);
    bool set = false;
    sqlite3_stmt *st = db_stmt(db, "SELECT value FROM meta WHERE key = 'service_area'", NULL);
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
        double a[4];
        if (validate_service_area_parse((const char *)sqlite3_column_text(st, 0), "service_area", a, NULL) == 0) {
            memcpy(area, a, sizeof a);
            set = true;
        }
    }
    db_stmt_done(st);
    return set;
}

int validate_service_area_parse(const char *s, const char *param, double area[4], rm_error *err)
{
    const char *p = s ? s : "";
    for (int i = 0; i < 4; i++) {
        char *end;
        area[i] = strtod(p, &end);
        if (end == p || !isfinite(area[i]))
            return rm_error_set(err, 400, "Invalid parameter", "%s: value %d of '%.60s' is not a number; give W,S,E,N "
                                "in degrees (WGS 84), e.g. 106.3,10.3,107.1,11.2", param, i + 1, s ? s : "");
        while (*end == ' ')
            end++;
        if (i < 3 && *end != ',')
            return rm_error_set(err, 400, "Invalid parameter", "%s must be four numbers W,S,E,N separated by commas",
                                param);
        if (i == 3 && *end)
            return rm_error_set(err, 400, "Invalid parameter", "%s has more than four values; give W,S,E,N", param);
        p = end + 1;
    }
    if (area[0] < -180 || area[0] > 180 || area[2] < -180 || area[2] > 180)
        return rm_error_set(err, 400, "Invalid parameter", "%s: longitudes W and E must be within -180..180", param);
    if (area[1] < -90 || area[1] > 90 || area[3] < -90 || area[3] > 90)
        return rm_error_set(err, 400, "Invalid parameter", "%s: latitudes S and N must be within -90..90", param);
    if (!(area[0] < area[2]))
        return rm_error_set(err, 400, "Invalid parameter", "%s: west %g must be less than east %g", param, area[0],
                            area[2]);
    if (!(area[1] < area[3]))
        return rm_error_set(err, 400, "Invalid parameter", "%s: south %g must be less than north %g", param, area[1],
                            area[3]);
    return 0;
}

int validate_service_area_set(db_conn *db, const double area[4], const char *who, rm_error *err)
{
    char value[128] = "";
    if (area) {
        snprintf(value, sizeof value, "%.15g,%.15g,%.15g,%.15g", area[0], area[1], area[2], area[3]);
        double check[4];
        if (validate_service_area_parse(value, "service area", check, err) < 0)
            return -1;
    }
    if (db_exec(db, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    double before[4];
    bool was_set = validate_service_area(db, before);
    buf b = BUF_INIT, a = BUF_INIT;
    buf_appendf(&b, "{\"service_area\":[%.15g,%.15g,%.15g,%.15g],\"default\":%s}", before[0], before[1], before[2],
                before[3], was_set ? "false" : "true");
    const double *now = area ? area : validate_default_area;
    buf_appendf(&a, "{\"service_area\":[%.15g,%.15g,%.15g,%.15g],\"default\":%s}", now[0], now[1], now[2], now[3],
                area ? "false" : "true");
    /* The default is stored as the key's absence, so that it follows the program's default. */
    sqlite3_stmt *st = area ? db_stmt(db, "INSERT OR REPLACE INTO meta(key, value) VALUES ('service_area', ?)", err)
                            : db_stmt(db, "DELETE FROM meta WHERE key = 'service_area'", err);
    int rc = -1;
    if (st) {
        if (area)
            sqlite3_bind_text(st, 1, value, -1, SQLITE_TRANSIENT);
        int s = sqlite3_step(st);
        db_stmt_done(st);
        rc = s == SQLITE_DONE ? 0 : db_error(db, err, 500, "storing the service area");
    }
    if (rc == 0)
        rc = audit_append(db, who, "update", "settings", 0, NULL, b.data, a.data, err);
    buf_free(&b);
    buf_free(&a);
    if (rc == 0 && db_exec(db, "COMMIT", err) < 0)
        rc = -1;
    if (rc < 0)
        db_exec(db, "ROLLBACK", NULL);
    return rc;
}

int validate_point(double lon, double lat, const double area[4], validate_errors *e)
{
    if (!isfinite(lon) || !isfinite(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90) {
        validate_add(e, "geometry", "coordinates must be longitude -180..180 and latitude -90..90 (CRS84)");
        return -1;
    }
    if (lon < area[0] || lon > area[2] || lat < area[1] || lat > area[3]) {
        validate_add(e, "geometry", "the point %.6f, %.6f is outside the service area %g,%g,%g,%g", lon, lat,
                     area[0], area[1], area[2], area[3]);
        return -1;
    }
    return 0;
}

int64_t validate_serial_conflict(db_conn *db, const coll_def *c, json_t *props, int64_t own_id, rm_error *err)
{
    if (!c->serial_check_sql)
        return 0;
    const char *m = json_string_value(json_object_get(props, "manufacturer"));
    const char *mo = json_string_value(json_object_get(props, "model"));
    const char *sn = json_string_value(json_object_get(props, "serial_no"));
    const char *status = json_string_value(json_object_get(props, "status"));
    bool gone = status && (strcmp(status, "transferred") == 0 || strcmp(status, "disposed") == 0);
    if (!m || !mo || !sn || !*sn || gone)
        return 0;
    sqlite3_stmt *st = db_stmt(db, c->serial_check_sql, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, m, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, mo, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, sn, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, own_id);
    int64_t other = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    db_stmt_done(st);
    return other;
}
