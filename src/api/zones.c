/*
 * zones: cordon and dose-rate zone maths (zones.h), and the resources that draw them:
 * GET /sources/{id}/zones and GET /alerts (lost and stolen sources, their zones and the receptors
 * within the largest one).
 */
#include "api/zones.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/proximity.h"
#include "api/readlog.h"
#include "api/state.h"
#include "core/csv.h"
#include "core/date.h"
#include "core/embed.h"
#include "core/json.h"
#include "core/params.h"
#include "geo/geod.h"

#define ZONE_VERTICES 120 /* 3° steps: a 5 km circle deviates from its polygon by under 7 m */
#define ZONES_MAX_CAP_M 50000.0

static const double default_thresholds[] = {100, 20, 1};

static const char assumptions[] =
    "Estimate for an unshielded point source: dose rate = Γ·A/r² with the nuclide's air-kerma-rate "
    "constant Γ and the activity decayed to the date of the answer. No shielding, no air attenuation or "
    "scatter, no self-absorption; air kerma taken as dose (1 µGy ≈ 1 µSv). Beyond 1 km the neglected "
    "effects dominate and the distance is unreliable; it is drawn no larger than the cap.";

/* ---- cordons ------------------------------------------------------------------------------------ */

static zones_cordon cordons[ZONES_MAX_CORDONS];
static int ncordons = -1; /* -1: the table could not be read */
static char cordon_error[200];
static pthread_once_t cordons_once = PTHREAD_ONCE_INIT;

static void copy_field(char *dst, size_t cap, const csv_reader *r, int i)
{
    snprintf(dst, cap, "%s", i >= 0 && i < r->nfields ? r->field[i] : "");
}

static void load_cordons(void)
{
    const embed_file *f = embed_find("geodata/cordons.csv");
    if (!f) {
        snprintf(cordon_error, sizeof cordon_error, "geodata/cordons.csv is not embedded");
        return;
    }
    csv_reader r;
    csv_init(&r, f->data, f->len);
    int n = 0;
    if (csv_next(&r)) {
        int c_key = csv_column(&r, "key"), c_r = csv_column(&r, "radius_m"), c_app = csv_column(&r, "applies_to"),
            c_desc = csv_column(&r, "description"), c_src = csv_column(&r, "source");
        if (c_key < 0 || c_r < 0) {
            snprintf(cordon_error, sizeof cordon_error, "geodata/cordons.csv lacks key or radius_m");
            csv_cleanup(&r);
            return;
        }
        while (csv_next(&r) && n < ZONES_MAX_CORDONS) {
            zones_cordon *c = &cordons[n];
            copy_field(c->key, sizeof c->key, &r, c_key);
            c->radius_m = c_r < r.nfields ? strtod(r.field[c_r], NULL) : 0;
            copy_field(c->applies_to, sizeof c->applies_to, &r, c_app);
            copy_field(c->description, sizeof c->description, &r, c_desc);
            copy_field(c->source, sizeof c->source, &r, c_src);
            if (c->key[0] && c->radius_m > 0)
                n++;
        }
    }
    csv_cleanup(&r);
    if (n == 0)
        snprintf(cordon_error, sizeof cordon_error, "geodata/cordons.csv holds no cordon");
    else
        ncordons = n;
}

const zones_cordon *zones_cordons(int *n, rm_error *err)
{
    pthread_once(&cordons_once, load_cordons);
    if (ncordons < 0) {
        rm_error_set(err, 500, "Bad reference data", "%s", cordon_error);
        return NULL;
    }
    *n = ncordons;
    return cordons;
}

const zones_cordon *zones_cordon_find(const char *key)
{
    int n;
    const zones_cordon *c = zones_cordons(&n, NULL);
    for (int i = 0; c && i < n; i++)
        if (strcmp(c[i].key, key) == 0)
            return &c[i];
    return NULL;
}

/* ---- dose rate ---------------------------------------------------------------------------------- */

void zones_dose_radius(double gamma, double activity_bq, double threshold_usv_h, double cap_m, zones_dose *out)
{
    double a_mbq = activity_bq / 1e6;
    out->threshold_usv_h = threshold_usv_h;
    out->estimated_m = sqrt(gamma * a_mbq / threshold_usv_h);
    out->unreliable = out->estimated_m > ZONES_UNRELIABLE_M;
    out->capped = out->estimated_m > cap_m;
    out->radius_m = out->capped ? cap_m : out->estimated_m;
}

int zones_parse_thresholds(const char *s, double *out, rm_error *err)
{
    if (!s) {
        for (size_t i = 0; i < sizeof default_thresholds / sizeof default_thresholds[0]; i++)
            out[i] = default_thresholds[i];
        return (int)(sizeof default_thresholds / sizeof default_thresholds[0]);
    }
    int n = 0;
    const char *p = s;
    while (1) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char tmp[32];
        if (n == ZONES_MAX_THRESHOLDS)
            return rm_error_set(err, 400, "Invalid parameter", "thresholds: at most %d values", ZONES_MAX_THRESHOLDS);
        if (len == 0 || len >= sizeof tmp)
            return rm_error_set(err, 400, "Invalid parameter", "thresholds must be a comma list of dose rates in "
                                "µSv/h, each above 0 and at most 1e6 (e.g. 100,20,1)");
        memcpy(tmp, p, len);
        tmp[len] = 0;
        double v;
        rm_error sub = {0};
        if (params_parse_double("thresholds", tmp, 0, 1e6, &v, &sub) < 0 || v <= 0)
            return rm_error_set(err, 400, "Invalid parameter", "thresholds: '%s' is not a dose rate in µSv/h above "
                                "0 and at most 1e6", tmp);
        for (int i = 0; i < n; i++)
            if (out[i] == v)
                return rm_error_set(err, 400, "Invalid parameter", "thresholds: %g is listed twice", v);
        out[n++] = v;
        if (!e)
            break;
        p = e + 1;
    }
    return n;
}

bool zones_advisory(int category) { return category < 1 || category > 3; }

/* ---- drawing zones around a source -------------------------------------------------------------- */

typedef struct source_zones {
    int64_t id;
    double lon, lat;
    int category;          /* 0: unknown */
    char nuclide[48];
    double activity_bq;    /* NAN when unknown */
    bool have_gamma;
    double gamma;
    const zones_cordon *cordons[ZONES_MAX_CORDONS];
    int ncordons;
    zones_dose doses[ZONES_MAX_THRESHOLDS];
    double thresholds[ZONES_MAX_THRESHOLDS];
    int nthresholds;
    bool dose_ok;          /* doses[] computed (a constant and an activity are known) */
    double cap_m;
} source_zones;

static void compute(source_zones *z)
{
    z->dose_ok = z->have_gamma && z->gamma > 0 && isfinite(z->activity_bq) && z->activity_bq > 0;
    if (z->dose_ok)
        for (int i = 0; i < z->nthresholds; i++)
            zones_dose_radius(z->gamma, z->activity_bq, z->thresholds[i], z->cap_m, &z->doses[i]);
}

static double largest_radius(const source_zones *z)
{
    double r = 0;
    for (int i = 0; i < z->ncordons; i++)
        r = fmax(r, z->cordons[i]->radius_m);
    if (z->dose_ok)
        for (int i = 0; i < z->nthresholds; i++)
            r = fmax(r, z->doses[i].radius_m);
    return r;
}

static const char *advisory_reason(const source_zones *z)
{
    if (z->category == 0)
        return "no IAEA category is known for this source (no D-value for its nuclide): the IAEA cordon radii are "
               "meant for potentially dangerous (category 1-3) sources";
    if (z->category >= 4)
        return "category 4-5 sources are unlikely to be dangerous: the IAEA cordon radii are meant for potentially "
               "dangerous (category 1-3) sources";
    return NULL;
}

/* The properties of zone i (cordons first, then dose-rate zones), without geometry. */
static void zone_props(json_writer *w, const source_zones *z, int i, bool full)
{
    bool adv = zones_advisory(z->category);
    json_obj_begin(w);
    if (i < z->ncordons) {
        const zones_cordon *c = z->cordons[i];
        json_kv_str(w, "kind", "cordon");
        json_kv_str(w, "scenario", c->key);
        json_key(w, "radius_m");
        json_num(w, c->radius_m);
        json_kv_bool(w, "advisory", adv);
        json_kv_bool(w, "unreliable", false);
        json_kv_bool(w, "capped", false);
        if (full) {
            if (adv)
                json_kv_str(w, "advisory_reason", advisory_reason(z));
            json_kv_str(w, "applies_to", c->applies_to);
            json_kv_str(w, "description", c->description);
            json_kv_str(w, "reference", c->source);
        }
    } else {
        const zones_dose *d = &z->doses[i - z->ncordons];
        json_kv_str(w, "kind", "dose_rate");
        json_key(w, "threshold_usv_h");
        json_num(w, d->threshold_usv_h);
        json_key(w, "radius_m");
        json_numf(w, d->radius_m, 3);
        json_kv_bool(w, "advisory", adv);
        json_kv_bool(w, "unreliable", d->unreliable);
        json_kv_bool(w, "capped", d->capped);
        if (full) {
            json_key(w, "estimated_radius_m");
            json_numf(w, d->estimated_m, 3);
            json_key(w, "cap_m");
            json_num(w, z->cap_m);
            json_key(w, "gamma_constant");
            json_num(w, z->gamma);
            json_key(w, "activity_bq");
            json_num(w, z->activity_bq);
            json_kv_str(w, "estimate", assumptions);
        }
    }
    json_obj_end(w);
}

static int zone_count(const source_zones *z) { return z->ncordons + (z->dose_ok ? z->nthresholds : 0); }

static double zone_radius(const source_zones *z, int i)
{
    return i < z->ncordons ? z->cordons[i]->radius_m : z->doses[i - z->ncordons].radius_m;
}

/* Zone i as a GeoJSON Feature: a geodesic circle polygon. */
static void write_zone_feature(json_writer *w, const source_zones *z, int i, bool with_source)
{
    double xy[2 * (ZONE_VERTICES + 1)];
    int n = geo_circle_ring(z->lon, z->lat, zone_radius(z, i), ZONE_VERTICES, xy);
    json_obj_begin(w);
    json_kv_str(w, "type", "Feature");
    json_key(w, "geometry");
    json_obj_begin(w);
    json_kv_str(w, "type", "Polygon");
    json_key(w, "coordinates");
    json_arr_begin(w);
    json_arr_begin(w);
    for (int k = 0; k < n; k++) {
        json_arr_begin(w);
        json_numf(w, xy[2 * k], 9);
        json_numf(w, xy[2 * k + 1], 9);
        json_arr_end(w);
    }
    json_arr_end(w);
    json_arr_end(w);
    json_obj_end(w);
    json_key(w, "properties");
    buf props = BUF_INIT, extra = BUF_INIT, merged = BUF_INIT;
    json_writer pw;
    json_init(&pw, &props);
    zone_props(&pw, z, i, true);
    if (with_source) {
        json_writer ew;
        json_init(&ew, &extra);
        json_obj_begin(&ew);
        json_kv_str(&ew, "layer", "zones");
        json_kv_int(&ew, "source_id", z->id);
        json_obj_end(&ew);
        prox_merge_objects(&extra, &props, &merged);
        json_raw(w, merged.data, merged.len);
    } else {
        json_raw(w, props.data, props.len);
    }
    buf_free(&props);
    buf_free(&extra);
    buf_free(&merged);
    json_obj_end(w);
}

static void write_omitted(json_writer *w, const source_zones *z)
{
    json_key(w, "omitted");
    json_arr_begin(w);
    if (!z->dose_ok)
        for (int i = 0; i < z->nthresholds; i++) {
            json_obj_begin(w);
            json_kv_str(w, "kind", "dose_rate");
            json_key(w, "threshold_usv_h");
            json_num(w, z->thresholds[i]);
            char why[300];
            if (!z->have_gamma)
                snprintf(why, sizeof why, "no dose-rate constant is known for %s (a pure beta, alpha or neutron "
                         "emitter, or not tabulated in geodata/nuclides.csv): no dose-rate distance can be "
                         "estimated", z->nuclide);
            else
                snprintf(why, sizeof why, "the current activity of this source is not known");
            json_kv_str(w, "reason", why);
            json_obj_end(w);
        }
    json_arr_end(w);
}

/* Read source id as class vis sees it into z (position, category, nuclide, activity, constant).
 * 1 found, 0 not found (or not visible), -1 error. */
static int read_source(db_conn *db, vis_class vis, int32_t today, int64_t id, source_zones *z, rm_error *err)
{
    const coll_def *c = coll_find("sources");
    if (!c || c->vis > vis)
        return 0;
    const coll_prop *act = coll_prop_find(c, "activity_bq_now"), *cat = coll_prop_find(c, "iaea_category");
    query q;
    query_init(&q, c, vis, today);
    query_and(&q, "t.id = ?");
    query_add_int(&q, id);
    buf sql = BUF_INIT;
    buf_puts(&sql, "SELECT t.lon, t.lat, t.nuclide, ");
    query_append_sql(&q, &sql, act->sql);
    buf_puts(&sql, ", ");
    query_append_sql(&q, &sql, cat->sql);
    buf_appendf(&sql, " FROM %s WHERE %s", c->from, q.where.data);
    int rc = -1;
    sqlite3_stmt *st = query_prepare(&q, db, sql.data, err);
    if (!st)
        goto cleanup;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        z->id = id;
        z->lon = sqlite3_column_double(st, 0);
        z->lat = sqlite3_column_double(st, 1);
        snprintf(z->nuclide, sizeof z->nuclide, "%s", (const char *)sqlite3_column_text(st, 2));
        z->activity_bq = sqlite3_column_type(st, 3) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 3);
        z->category = sqlite3_column_type(st, 4) == SQLITE_NULL ? 0 : sqlite3_column_int(st, 4);
        rc = 1;
    } else if (r == SQLITE_DONE) {
        rc = 0;
    } else {
        db_error(db, err, 500, "reading a source");
    }
    db_stmt_done(st);
    if (rc == 1) {
        st = db_stmt(db, "SELECT gamma_constant FROM nuclide WHERE nuclide = ?", err);
        if (!st) {
            rc = -1;
            goto cleanup;
        }
        sqlite3_bind_text(st, 1, z->nuclide, -1, SQLITE_TRANSIENT);
        z->have_gamma = false;
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
            z->gamma = sqlite3_column_double(st, 0);
            z->have_gamma = z->gamma > 0;
        }
        db_stmt_done(st);
    }
cleanup:
    query_cleanup(&q);
    buf_free(&sql);
    return rc;
}

/* Common parameters of zone drawing: scenario (NULL: every cordon), thresholds, dose_cap_m. */
static int parse_zone_params(http_request *req, source_zones *z, bool allow_scenario, rm_error *err)
{
    int n;
    const zones_cordon *all = zones_cordons(&n, err);
    if (!all)
        return -1;
    const char *sc = allow_scenario ? http_query(req, "scenario") : NULL;
    z->ncordons = 0;
    if (sc) {
        const zones_cordon *c = zones_cordon_find(sc);
        if (!c) {
            buf l = BUF_INIT;
            for (int i = 0; i < n; i++)
                buf_appendf(&l, "%s%s", i ? ", " : "", all[i].key);
            rm_error_set(err, 400, "Invalid parameter", "scenario='%.60s' is not known; allowed: %s", sc, l.data);
            buf_free(&l);
            return -1;
        }
        z->cordons[z->ncordons++] = c;
    } else {
        for (int i = 0; i < n; i++)
            z->cordons[z->ncordons++] = &all[i];
    }
    z->nthresholds = zones_parse_thresholds(http_query(req, "thresholds"), z->thresholds, err);
    if (z->nthresholds < 0)
        return -1;
    z->cap_m = ZONES_DEFAULT_CAP_M;
    const char *cap = http_query(req, "dose_cap_m");
    if (cap && params_parse_double("dose_cap_m", cap, ZONES_UNRELIABLE_M, ZONES_MAX_CAP_M, &z->cap_m, err) < 0)
        return -1;
    return 0;
}

static int parse_common(http_request *req, int32_t *today, rm_error *err)
{
    return prox_check_f(req, err) < 0 || prox_parse_today(req, today, err) < 0 ? -1 : 0;
}

int api_source_zones(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"scenario", "thresholds", "dose_cap_m", "at", "f", NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int32_t today;
    if (parse_common(req, &today, err) < 0)
        return -1;
    int64_t id;
    if (params_parse_int("source id", req->path_params[0], 1, INT64_MAX / 2, 0, false, &id, err) < 0)
        return rm_error_set(err, 404, "Not Found", "no source '%.40s'", req->path_params[0]);
    source_zones z;
    memset(&z, 0, sizeof z);
    if (parse_zone_params(req, &z, true, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    vis_class vis = api_caller_class(req);
    if (vis == VIS_FULL && readlog_check(app_reads(app_state_of(req)), req, err) < 0)
        return -1;
    int found = read_source(db, vis, today, id, &z, err);
    if (found < 0)
        return -1;
    if (found == 0)
        return rm_error_set(err, 404, "Not Found", "no source %lld", (long long)id);
    readlog_record(app_reads(app_state_of(req)), req, "sources", &id, 1);
    compute(&z);
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_str(&w, "type", "FeatureCollection");
    json_key(&w, "source");
    json_obj_begin(&w);
    json_kv_int(&w, "id", z.id);
    json_kv_str(&w, "nuclide", z.nuclide);
    json_key(&w, "activity_bq_now");
    json_num(&w, z.activity_bq);
    json_key(&w, "iaea_category");
    if (z.category)
        json_int(&w, z.category);
    else
        json_write_null(&w);
    json_key(&w, "gamma_constant");
    if (z.have_gamma)
        json_num(&w, z.gamma);
    else
        json_write_null(&w);
    json_key(&w, "coordinates");
    json_arr_begin(&w);
    json_num(&w, z.lon);
    json_num(&w, z.lat);
    json_arr_end(&w);
    char day[11];
    date_format(today, day);
    json_kv_str(&w, "activity_date", day);
    json_obj_end(&w);
    json_key(&w, "features");
    json_arr_begin(&w);
    for (int i = 0; i < zone_count(&z); i++)
        write_zone_feature(&w, &z, i, false);
    json_arr_end(&w);
    write_omitted(&w, &z);
    json_obj_end(&w);
    http_reply(req, 200, "application/geo+json");
    return 0;
}

/* ---- alerts ------------------------------------------------------------------------------------- */

typedef struct alert_row {
    int64_t id;
    buf props; /* the source's visible properties, serialised */
} alert_row;

int api_alerts(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"thresholds", "dose_cap_m", "at", "f", NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int32_t today;
    if (parse_common(req, &today, err) < 0)
        return -1;
    source_zones tmpl;
    memset(&tmpl, 0, sizeof tmpl);
    if (parse_zone_params(req, &tmpl, false, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    vis_class vis = api_caller_class(req);
    const coll_def *c = coll_find("sources");
    alert_row *rows = NULL, *evs = NULL;
    size_t nrows = 0, nevs = 0;
    int rc = -1;
    query q;
    query_init(&q, c, vis, today);
    buf sql = BUF_INIT;
    if (c->vis <= vis) {
        if (readlog_check(app_reads(app_state_of(req)), req, err) < 0)
            goto cleanup;
        query_and(&q, "(t.status IN ('lost','stolen') OR (t.orphan = 1 AND t.status = 'found'))");
        buf_puts(&sql, "SELECT ");
        query_select_list(&q, &sql);
        buf_appendf(&sql, " FROM %s WHERE %s ORDER BY t.id", c->from, q.where.data);
        sqlite3_stmt *st = query_prepare(&q, db, sql.data, err);
        if (!st)
            goto cleanup;
        int r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            alert_row *nr = realloc(rows, (nrows + 1) * sizeof *rows);
            if (!nr)
                abort();
            rows = nr;
            alert_row *a = &rows[nrows++];
            a->id = sqlite3_column_int64(st, 0);
            buf_init(&a->props);
            json_writer pw;
            json_init(&pw, &a->props);
            query_write_properties(&q, st, &pw);
        }
        db_stmt_done(st);
        if (r != SQLITE_DONE) {
            db_error(db, err, 500, "reading lost and stolen sources");
            goto cleanup;
        }
    }
    /* Open events (issue 11): each with the zones of its sources, drawn around the event's place. */
    const coll_def *ec = coll_find("events");
    query eq;
    query_init(&eq, ec ? ec : c, vis, today);
    if (ec && ec->vis <= vis) {
        buf esql = BUF_INIT;
        query_and(&eq, "t.status = 'open'");
        buf_puts(&esql, "SELECT ");
        query_select_list(&eq, &esql);
        buf_appendf(&esql, " FROM %s WHERE %s ORDER BY t.id", ec->from, eq.where.data);
        sqlite3_stmt *st = query_prepare(&eq, db, esql.data, err);
        buf_free(&esql);
        if (!st) {
            query_cleanup(&eq);
            goto cleanup;
        }
        while (sqlite3_step(st) == SQLITE_ROW) {
            alert_row *nr = realloc(evs, (nevs + 1) * sizeof *evs);
            if (!nr)
                abort();
            evs = nr;
            alert_row *a = &evs[nevs++];
            a->id = sqlite3_column_int64(st, 0);
            buf_init(&a->props);
            json_writer pw;
            json_init(&pw, &a->props);
            query_write_properties(&eq, st, &pw);
        }
        db_stmt_done(st);
    }
    query_cleanup(&eq);
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_str(&w, "type", "FeatureCollection");
    if (c->vis > vis)
        json_kv_str(&w, "note", "lost and stolen sources are listed only to staff who may see sources");
    json_key(&w, "features");
    json_arr_begin(&w);
    for (size_t i = 0; i < nrows; i++) {
        source_zones z = tmpl;
        if (read_source(db, vis, today, rows[i].id, &z, err) <= 0) {
            if (err->status == 0)
                rm_error_set(err, 503, "Service Unavailable", "the register changed during the query; retry");
            goto fail_json;
        }
        compute(&z);
        double largest = largest_radius(&z);
        prox_search s;
        if (prox_search_init(&s, db, vis, today, NULL, "receptors", NULL, err) < 0 ||
            prox_collect_circle(&s, z.lon, z.lat, largest, err) < 0) {
            prox_search_cleanup(&s);
            goto fail_json;
        }
        if (prox_top(&s, s.nhits, err) < 0) {
            prox_search_cleanup(&s);
            goto fail_json;
        }
        buf extra = BUF_INIT;
        json_writer ew;
        json_init(&ew, &extra);
        json_obj_begin(&ew);
        json_kv_str(&ew, "layer", "sources");
        json_key(&ew, "largest_zone_m");
        json_numf(&ew, largest, 3);
        json_key(&ew, "zones");
        json_arr_begin(&ew);
        for (int k = 0; k < zone_count(&z); k++)
            zone_props(&ew, &z, k, false);
        json_arr_end(&ew);
        write_omitted(&ew, &z);
        json_key(&ew, "receptors");
        prox_write_receptors(&s, true, &ew);
        json_kv_int(&ew, "receptor_count", (int64_t)s.nhits);
        json_obj_end(&ew);
        prox_search_cleanup(&s);
        prox_write_point_feature(&w, z.id, z.lon, z.lat, &rows[i].props, &extra);
        buf_free(&extra);
        for (int k = 0; k < zone_count(&z); k++)
            write_zone_feature(&w, &z, k, true);
    }
    for (size_t i = 0; i < nevs; i++) {
        double elon = 0, elat = 0;
        source_zones best = tmpl;
        bool have = false;
        double best_r = -1;
        sqlite3_stmt *st = db_stmt(db, "SELECT e.lon, e.lat, (SELECT group_concat(es.source_id) FROM event_source es "
                                        "WHERE es.event_id = e.id) FROM event e WHERE e.id = ?", err);
        if (!st)
            goto fail_json;
        sqlite3_bind_int64(st, 1, evs[i].id);
        char ids[2000] = "";
        if (sqlite3_step(st) == SQLITE_ROW) {
            elon = sqlite3_column_double(st, 0);
            elat = sqlite3_column_double(st, 1);
            if (sqlite3_column_text(st, 2))
                snprintf(ids, sizeof ids, "%s", (const char *)sqlite3_column_text(st, 2));
        }
        db_stmt_done(st);
        for (char *p = ids; *p;) {
            long long sid = strtoll(p, &p, 10);
            if (*p == ',')
                p++;
            source_zones z = tmpl;
            int f = read_source(db, vis, today, sid, &z, err);
            if (f < 0)
                goto fail_json;
            if (f == 0)
                continue;
            compute(&z);
            double r = largest_radius(&z);
            if (r > best_r) {
                best = z;
                best_r = r;
                have = true;
            }
        }
        source_zones z = have ? best : tmpl;
        if (!have)
            z.ncordons = 0, z.nthresholds = 0, z.dose_ok = false;
        z.id = evs[i].id;
        z.lon = elon;
        z.lat = elat;
        double largest = have ? largest_radius(&z) : 0;
        prox_search s;
        if (prox_search_init(&s, db, vis, today, NULL, "receptors", NULL, err) < 0 ||
            prox_collect_circle(&s, z.lon, z.lat, largest, err) < 0 || prox_top(&s, s.nhits, err) < 0) {
            prox_search_cleanup(&s);
            goto fail_json;
        }
        buf extra = BUF_INIT;
        json_writer ew;
        json_init(&ew, &extra);
        json_obj_begin(&ew);
        json_kv_str(&ew, "layer", "events");
        json_key(&ew, "largest_zone_m");
        json_numf(&ew, largest, 3);
        json_key(&ew, "zones");
        json_arr_begin(&ew);
        for (int k = 0; have && k < zone_count(&z); k++)
            zone_props(&ew, &z, k, false);
        json_arr_end(&ew);
        json_key(&ew, "receptors");
        prox_write_receptors(&s, true, &ew);
        json_kv_int(&ew, "receptor_count", (int64_t)s.nhits);
        json_obj_end(&ew);
        prox_search_cleanup(&s);
        prox_write_point_feature(&w, z.id, z.lon, z.lat, &evs[i].props, &extra);
        buf_free(&extra);
    }
    json_arr_end(&w);
    if (nrows) {
        int64_t *ids = malloc(nrows * sizeof *ids);
        if (!ids)
            abort();
        for (size_t i = 0; i < nrows; i++)
            ids[i] = rows[i].id;
        readlog_record(app_reads(app_state_of(req)), req, "sources", ids, nrows);
        free(ids);
    }
    json_kv_int(&w, "alertCount", (int64_t)(nrows + nevs));
    json_kv_int(&w, "eventCount", (int64_t)nevs);
    json_obj_end(&w);
    http_reply(req, 200, "application/geo+json");
    rc = 0;
    goto cleanup;
fail_json:
    buf_reset(&req->out);
cleanup:
    for (size_t i = 0; i < nrows; i++)
        buf_free(&rows[i].props);
    free(rows);
    for (size_t i = 0; i < nevs; i++)
        buf_free(&evs[i].props);
    free(evs);
    buf_free(&sql);
    query_cleanup(&q);
    return rc;
}
