/*
 * doses: personal dose records and what is made of them.
 *
 *   GET  /persons/{id}/doses               a person's records (all facilities) with their flags:
 *                                          each period against its investigation level, each
 *                                          calendar year against the single-year limit, each five
 *                                          consecutive years against five times the averaged limit
 *   POST /persons/{id}/doses               a record entered by hand (compliance_defs.c checks it)
 *   POST /facilities/{id}/dose-imports     a dosimetry provider's CSV or XLSX file (the body), with
 *                                          ?provider=, ?create_persons=true, ?dry_run=true
 *   GET  /facilities/{id}/dose-summary     the workers' doses over ?from= ?to= (default: the last
 *                                          12 months)
 *   GET  /dossiers/{id}/dose-summary       the same over the licence period a renewal dossier
 *                                          renews: from the facility's licence in force when the
 *                                          dossier was received to its expiry or the day of receipt
 *
 * Summaries name workers only for the roles that see persons (licensing, inspector, leader,
 * admin); for planners and counter clerks they give the figures without names. Every read that
 * shows a person is read-logged.
 */
#include <errno.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "api/compliance_int.h"
#include "core/date.h"
#include "db/compliance.h"

/* ---- a person's records ------------------------------------------------------------------------ */

static void write_rules(json_writer *w, const compliance_dose_rules *r)
{
    json_key(w, "limits");
    json_obj_begin(w);
    json_kv_num(w, "year_limit_msv", r->year_limit_msv);
    json_kv_num(w, "average_limit_msv", r->average_limit_msv);
    json_kv_num(w, "five_year_limit_msv", 5 * r->average_limit_msv);
    json_key(w, "investigation_levels");
    json_arr_begin(w);
    for (size_t i = 0; i < r->nlevels; i++) {
        json_obj_begin(w);
        json_kv_int(w, "period_months", r->levels[i].period_months);
        json_kv_num(w, "level_msv", r->levels[i].level_msv);
        json_obj_end(w);
    }
    json_arr_end(w);
    json_obj_end(w);
}

static void write_flags(json_writer *w, unsigned flags)
{
    json_key(w, "flags");
    json_arr_begin(w);
    if (flags & CR_FLAG_INVESTIGATION)
        json_str(w, "above_investigation_level");
    if (flags & CR_FLAG_YEAR_LIMIT)
        json_str(w, "above_year_limit");
    if (flags & CR_FLAG_FIVE_YEAR)
        json_str(w, "above_five_year_limit");
    json_arr_end(w);
}

static void write_years(json_writer *w, const compliance_history *h, const compliance_dose_rules *r, int from_year,
                        int to_year)
{
    json_key(w, "years");
    json_arr_begin(w);
    for (size_t i = 0; i < h->nyears; i++) {
        const cr_year *y = &h->years[i];
        if (y->year < from_year || y->year > to_year)
            continue;
        json_obj_begin(w);
        json_kv_int(w, "year", y->year);
        json_key(w, "hp10_msv");
        json_numf(w, y->msv, 3);
        json_key(w, "five_year_msv");
        json_numf(w, y->five_year_msv, 3);
        json_kv_bool(w, "above_average_limit", cr_dose_above(y->msv, r->average_limit_msv));
        write_flags(w, y->flags);
        json_obj_end(w);
    }
    json_arr_end(w);
}

static int person_doses_get(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"facility_id", NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t id = cmp_path_id(req, 0), only = 0;
    const char *fq = http_query(req, "facility_id");
    if (fq && (only = atoll(fq)) < 1)
        return rm_error_set(err, 400, "Invalid parameter", "facility_id must be a positive whole number");
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    sqlite3_stmt *st = db_stmt(db, "SELECT full_name FROM person WHERE id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int found = sqlite3_step(st) == SQLITE_ROW;
    db_stmt_done(st);
    if (!found)
        return rm_error_set(err, 404, "Not Found", "no person %.40s", req->path_params[0]);
    if (cmp_persons_read_check(req, err) < 0)
        return -1;
    compliance_dose_rules rules;
    compliance_history h;
    if (compliance_dose_rules_load(db, &rules, err) < 0 || compliance_history_load(db, id, &rules, &h, err) < 0)
        return -1;
    st = db_stmt(db, "SELECT dosimeter_id, provider, origin, import_id, note FROM dose_record WHERE id = ?", err);
    if (!st) {
        compliance_history_free(&h);
        return -1;
    }
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_int(&w, "person_id", id);
    write_rules(&w, &rules);
    write_flags(&w, h.flags);
    json_key(&w, "records");
    json_arr_begin(&w);
    double total = 0;
    for (size_t i = 0; i < h.n; i++) {
        const compliance_dose *d = &h.doses[i];
        total += d->hp10_msv;
        if (only && d->facility_id != only)
            continue;
        char a[11], b[11];
        date_format(d->start, a);
        date_format(d->end, b);
        json_obj_begin(&w);
        json_kv_int(&w, "id", d->id);
        json_kv_int(&w, "facility_id", d->facility_id);
        json_kv_str(&w, "period_start", a);
        json_kv_str(&w, "period_end", b);
        json_kv_int(&w, "period_months", d->months);
        json_key(&w, "hp10_msv");
        json_num(&w, d->hp10_msv);
        json_key(&w, "hp007_msv");
        d->has_hp007 ? json_num(&w, d->hp007_msv) : json_write_null(&w);
        json_kv_bool(&w, "below_detection", d->below_detection);
        json_key(&w, "investigation_level_msv");
        d->level_msv > 0 ? json_numf(&w, d->level_msv, 4) : json_write_null(&w);
        json_kv_bool(&w, "above_investigation_level", d->above_level);
        sqlite3_bind_int64(st, 1, d->id);
        if (sqlite3_step(st) == SQLITE_ROW) {
            json_kv_str(&w, "dosimeter_id", (const char *)sqlite3_column_text(st, 0));
            json_kv_str(&w, "provider", (const char *)sqlite3_column_text(st, 1));
            json_kv_str(&w, "origin", (const char *)sqlite3_column_text(st, 2));
            json_kv_str(&w, "import_id", (const char *)sqlite3_column_text(st, 3));
            json_kv_str(&w, "note", (const char *)sqlite3_column_text(st, 4));
        }
        sqlite3_reset(st);
        json_obj_end(&w);
    }
    db_stmt_done(st);
    json_arr_end(&w);
    write_years(&w, &h, &rules, 0, 9999);
    json_key(&w, "total_hp10_msv");
    json_numf(&w, total, 3);
    json_obj_end(&w);
    compliance_history_free(&h);
    cmp_persons_read_record(req, &id, 1);
    http_reply(req, 200, "application/json");
    return 0;
}

int api_person_doses(http_request *req, rm_error *err)
{
    return req->method == HTTP_POST ? cres_create(req, &cmp_dose_records, err) : person_doses_get(req, err);
}

/* ---- import ------------------------------------------------------------------------------------ */

int api_dose_import(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"provider", "create_persons", "dry_run", NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t fac = cmp_path_id(req, 0);
    const char *cp = http_query(req, "create_persons"), *dr = http_query(req, "dry_run");
    const char *provider = http_query(req, "provider");
    if ((cp && strcmp(cp, "true") != 0 && strcmp(cp, "false") != 0) ||
        (dr && strcmp(dr, "true") != 0 && strcmp(dr, "false") != 0))
        return rm_error_set(err, 400, "Invalid parameter", "create_persons and dry_run must be true or false");
    if (provider && strlen(provider) > 200)
        return rm_error_set(err, 400, "Invalid parameter", "provider is longer than 200 characters");
    const char *ct = http_header(req, "Content-Type");
    const char *ext = NULL;
    if (ct && (strncmp(ct, "text/csv", 8) == 0 || strncmp(ct, "application/csv", 15) == 0))
        ext = ".csv";
    else if (ct && strncmp(ct, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 65) == 0)
        ext = ".xlsx";
    if (!ext)
        return rm_error_set(err, 415, "Unsupported Media Type", "send the dosimetry file as text/csv or as "
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet (XLSX)");
    if (!req->body.len)
        return rm_error_set(err, 400, "Empty file", "the request body (the dosimetry file) is empty");
    /* GDAL reads files: the body goes to a private temporary file, removed at once after. */
    const char *tmp = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/radmap-dose-XXXXXX%s", tmp && *tmp ? tmp : "/tmp", ext);
    int fd = mkstemps(path, (int)strlen(ext));
    if (fd < 0)
        return rm_error_set(err, 503, "Service Unavailable", "cannot write a temporary file: %s", strerror(errno));
    buf commas = BUF_INIT;
    const char *data = req->body.data;
    size_t len = req->body.len;
    if (strcmp(ext, ".csv") == 0 && compliance_csv_normalise(data, len, &commas) == 1) {
        data = commas.data ? commas.data : "";
        len = commas.len;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t k = write(fd, data + off, len - off);
        if (k <= 0)
            break;
        off += (size_t)k;
    }
    close(fd);
    buf_free(&commas);
    if (off < len) {
        unlink(path);
        return rm_error_set(err, 503, "Service Unavailable", "cannot write a temporary file");
    }
    dose_import_report *rep = calloc(1, sizeof *rep);
    if (!rep) {
        unlink(path);
        return rm_error_set(err, 500, "Out of memory", "importing a dosimetry file");
    }
    char import_id[64];
    unsigned rnd = 0;
    FILE *ur = fopen("/dev/urandom", "rb");
    if (ur) {
        if (fread(&rnd, sizeof rnd, 1, ur) != 1)
            rnd = 0;
        fclose(ur);
    }
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    snprintf(import_id, sizeof import_id, "dose-%lld-%04d%02d%02dT%02d%02d%02d-%06x", (long long)fac,
             tmv.tm_year + 1900, tmv.tm_mon + 1, tmv.tm_mday, tmv.tm_hour, tmv.tm_min, tmv.tm_sec, rnd & 0xffffff);
    dose_import_options o = {.facility_id = fac, .provider = provider, .create_persons = cp && strcmp(cp, "true") == 0,
                             .user = req->user_name, .import_id = import_id};
    bool dry = dr && strcmp(dr, "true") == 0;
    int rc = -1;
    db_conn *db = cmp_write_begin(req, err);
    if (!db)
        goto cleanup;
    sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM facility WHERE id = ?", err);
    if (!st)
        goto rollback;
    sqlite3_bind_int64(st, 1, fac);
    int found = sqlite3_step(st) == SQLITE_ROW;
    db_stmt_done(st);
    if (!found) {
        rm_error_set(err, 404, "Not Found", "no facility %.40s", req->path_params[0]);
        goto rollback;
    }
    if (compliance_import_doses(db, path, &o, rep, err) < 0)
        goto rollback;
    if (!dry) {
        st = db_stmt(db, "INSERT INTO import_run(id, kind, file_name, user_name, rows_read, created, updated, "
                         "unchanged, invalid) VALUES (?1, 'dosimetry', ?2, ?3, ?4, ?5, ?6, ?7, ?8)", err);
        if (!st)
            goto rollback;
        const char *name = http_header(req, "Content-Disposition");
        sqlite3_bind_text(st, 1, import_id, -1, SQLITE_TRANSIENT);
        name ? sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 2);
        sqlite3_bind_text(st, 3, req->user_name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, rep->rows_read);
        sqlite3_bind_int64(st, 5, rep->created);
        sqlite3_bind_int64(st, 6, rep->updated);
        sqlite3_bind_int64(st, 7, rep->unchanged);
        sqlite3_bind_int64(st, 8, rep->invalid);
        int s = sqlite3_step(st);
        db_stmt_done(st);
        if (s != SQLITE_DONE) {
            db_error(db, err, 500, "recording the import");
            goto rollback;
        }
        if (cmp_tile_change(db, "SELECT ?1", fac, err) < 0)
            goto rollback;
    }
    if (cmp_write_end(req, db, !dry, err) < 0)
        goto cleanup;
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_str(&w, "import_id", dry ? NULL : import_id);
    json_kv_bool(&w, "dry_run", dry);
    json_kv_int(&w, "facility_id", fac);
    json_kv_int(&w, "rows_read", rep->rows_read);
    json_kv_int(&w, "created", rep->created);
    json_kv_int(&w, "updated", rep->updated);
    json_kv_int(&w, "unchanged", rep->unchanged);
    json_kv_int(&w, "invalid", rep->invalid);
    json_kv_int(&w, "persons_created", rep->persons_created);
    json_key(&w, "problems");
    json_arr_begin(&w);
    for (int i = 0; i < rep->nproblems; i++) {
        json_obj_begin(&w);
        json_kv_int(&w, "row", rep->problems[i].row);
        json_kv_str(&w, "field", rep->problems[i].field);
        json_kv_str(&w, "reason", rep->problems[i].reason);
        json_obj_end(&w);
    }
    json_arr_end(&w);
    json_obj_end(&w);
    req->no_etag = true;
    http_reply(req, 200, "application/json");
    rc = 0;
    goto cleanup;
rollback:
    cmp_write_end(req, db, false, NULL);
cleanup:
    unlink(path);
    free(rep);
    return rc;
}

/* ---- summaries ------------------------------------------------------------------------------------ */

int cmp_dose_summary_write(json_writer *w, db_conn *db, int64_t facility_id, int32_t from, int32_t to, bool persons,
                           int64_t **ids, size_t *nids, rm_error *err)
{
    compliance_dose_rules rules;
    if (compliance_dose_rules_load(db, &rules, err) < 0)
        return -1;
    char a[11], b[11];
    date_format(from, a);
    date_format(to, b);
    json_key(w, "period");
    json_obj_begin(w);
    json_kv_str(w, "from", a);
    json_kv_str(w, "to", b);
    json_obj_end(w);
    write_rules(w, &rules);
    /* The workers: a role there during the period, or a dose record there in it. */
    sqlite3_stmt *st = db_stmt(db, "SELECT p.id, p.full_name, p.identity_no, (SELECT group_concat(DISTINCT r.role) FROM "
                                    "person_role r WHERE r.person_id = p.id AND r.facility_id = ?1 AND r.start_date <= ?3 "
                                    "AND coalesce(r.end_date, '9999-12-31') >= ?2) FROM person p WHERE EXISTS (SELECT 1 "
                                    "FROM person_role r WHERE r.person_id = p.id AND r.facility_id = ?1 AND r.start_date "
                                    "<= ?3 AND coalesce(r.end_date, '9999-12-31') >= ?2) OR EXISTS (SELECT 1 FROM "
                                    "dose_record d WHERE d.person_id = p.id AND d.facility_id = ?1 AND d.period_end >= ?2 "
                                    "AND d.period_start <= ?3) ORDER BY p.full_name, p.id", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, facility_id);
    sqlite3_bind_text(st, 2, a, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, b, -1, SQLITE_TRANSIENT);
    typedef struct worker {
        int64_t id;
        char *name, *identity, *roles;
    } worker;
    worker *ws = NULL;
    size_t n = 0, cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            worker *x = realloc(ws, cap * sizeof *x);
            if (!x)
                abort();
            ws = x;
        }
        ws[n].id = sqlite3_column_int64(st, 0);
        ws[n].name = strdup((const char *)sqlite3_column_text(st, 1));
        ws[n].identity = sqlite3_column_text(st, 2) ? strdup((const char *)sqlite3_column_text(st, 2)) : NULL;
        ws[n].roles = sqlite3_column_text(st, 3) ? strdup((const char *)sqlite3_column_text(st, 3)) : NULL;
        n++;
    }
    db_stmt_done(st);
    int y0, y1, m, d;
    date_to_civil(from, &y0, &m, &d);
    date_to_civil(to, &y1, &m, &d);
    double collective = 0, max = 0;
    long monitored = 0, above_level = 0, above_year = 0, above_five = 0, unmonitored = 0;
    int rc = 0;
    if (persons) {
        json_key(w, "workers");
        json_arr_begin(w);
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        compliance_history h;
        if (compliance_history_load(db, ws[i].id, &rules, &h, err) < 0) {
            rc = -1;
            break;
        }
        double here = 0, max_period = 0;
        long records = 0, periods_above = 0;
        unsigned flags = 0;
        for (size_t k = 0; k < h.n; k++) {
            const compliance_dose *x = &h.doses[k];
            if (x->end < from || x->start > to)
                continue;
            if (x->facility_id == facility_id) {
                here += x->hp10_msv;
                records++;
                if (x->hp10_msv > max_period)
                    max_period = x->hp10_msv;
            }
            if (x->above_level) {
                periods_above++;
                flags |= CR_FLAG_INVESTIGATION;
            }
        }
        for (size_t k = 0; k < h.nyears; k++)
            if (h.years[k].year >= y0 && h.years[k].year <= y1)
                flags |= h.years[k].flags;
        collective += here;
        if (here > max)
            max = here;
        monitored += records > 0;
        unmonitored += records == 0;
        above_level += (flags & CR_FLAG_INVESTIGATION) != 0;
        above_year += (flags & CR_FLAG_YEAR_LIMIT) != 0;
        above_five += (flags & CR_FLAG_FIVE_YEAR) != 0;
        if (persons) {
            json_obj_begin(w);
            json_kv_int(w, "person_id", ws[i].id);
            json_kv_str(w, "full_name", ws[i].name);
            json_kv_str(w, "identity_no", ws[i].identity);
            json_kv_str(w, "roles", ws[i].roles);
            json_kv_int(w, "records", records);
            json_key(w, "hp10_msv");
            json_numf(w, here, 3);
            json_key(w, "max_period_msv");
            json_numf(w, max_period, 3);
            json_kv_int(w, "periods_above_investigation_level", periods_above);
            write_years(w, &h, &rules, y0, y1);
            write_flags(w, flags);
            json_obj_end(w);
        }
        compliance_history_free(&h);
    }
    if (persons)
        json_arr_end(w);
    json_key(w, "totals");
    json_obj_begin(w);
    json_kv_int(w, "workers", (int64_t)n);
    json_kv_int(w, "monitored_workers", monitored);
    json_kv_int(w, "workers_without_records", unmonitored);
    json_key(w, "collective_dose_person_msv");
    json_numf(w, collective, 3);
    json_key(w, "mean_msv");
    json_numf(w, monitored ? collective / (double)monitored : 0, 3);
    json_key(w, "max_msv");
    json_numf(w, max, 3);
    json_kv_int(w, "workers_above_investigation_level", above_level);
    json_kv_int(w, "workers_above_year_limit", above_year);
    json_kv_int(w, "workers_above_five_year_limit", above_five);
    json_obj_end(w);
    if (ids && n) {
        *ids = malloc(n * sizeof **ids);
        if (*ids) {
            for (size_t i = 0; i < n; i++)
                (*ids)[i] = ws[i].id;
            *nids = n;
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(ws[i].name);
        free(ws[i].identity);
        free(ws[i].roles);
    }
    free(ws);
    return rc;
}

/* Answer a summary of facility fac over [from, to]; licence (may be NULL) is written first. */
static int summary_reply(http_request *req, db_conn *db, int64_t fac, int32_t from, int32_t to, const char *licence_json,
                         int64_t dossier, rm_error *err)
{
    if (to < from)
        return rm_error_set(err, 400, "Invalid parameter", "to must not be before from");
    bool persons = cmp_may_see_persons(req);
    if (persons && cmp_persons_read_check(req, err) < 0)
        return -1;
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    if (dossier)
        json_kv_int(&w, "dossier_id", dossier);
    json_kv_int(&w, "facility_id", fac);
    if (dossier) {
        json_key(&w, "licence");
        licence_json ? json_raw(&w, licence_json, strlen(licence_json)) : json_write_null(&w);
    }
    json_kv_bool(&w, "persons_shown", persons);
    int64_t *ids = NULL;
    size_t nids = 0;
    if (cmp_dose_summary_write(&w, db, fac, from, to, persons, &ids, &nids, err) < 0) {
        free(ids);
        return -1;
    }
    json_obj_end(&w);
    if (persons && nids) {
        if (!cmp_is_admin(req)) {
            /* Identity numbers are masked for everyone but admins, as in lists and exports. */
            json_t *doc = json_loadb(req->out.data, req->out.len, 0, NULL);
            json_t *arr = doc ? json_object_get(doc, "workers") : NULL;
            size_t i;
            json_t *x;
            json_array_foreach(arr, i, x) {
                const char *s = json_string_value(json_object_get(x, "identity_no"));
                if (s) {
                    buf m = BUF_INIT;
                    cres_mask_identity(s, &m);
                    json_object_set_new(x, "identity_no", json_string(m.data ? m.data : ""));
                    buf_free(&m);
                }
            }
            if (doc) {
                char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
                buf_reset(&req->out);
                buf_puts(&req->out, text ? text : "{}");
                free(text);
            }
            json_decref(doc);
        }
        cmp_persons_read_record(req, ids, nids);
    }
    free(ids);
    http_reply(req, 200, "application/json");
    return 0;
}

int api_facility_dose_summary(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"from", "to", NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t fac = cmp_path_id(req, 0);
    int32_t to = date_today(), from;
    if (cmp_query_date(req, "to", &to, err) < 0)
        return -1;
    from = cr_add_months(to, -12) + 1;
    if (cmp_query_date(req, "from", &from, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM facility WHERE id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, fac);
    int found = sqlite3_step(st) == SQLITE_ROW;
    db_stmt_done(st);
    if (!found)
        return rm_error_set(err, 404, "Not Found", "no facility %.40s", req->path_params[0]);
    return summary_reply(req, db, fac, from, to, NULL, 0, err);
}

int api_dossier_dose_summary(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"from", "to", NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t id = cmp_path_id(req, 0);
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    sqlite3_stmt *st = db_stmt(db, "SELECT facility_id, date(received_at, '+7 hours') FROM dossier WHERE id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int64_t fac = 0;
    int32_t received = date_today();
    int found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        fac = sqlite3_column_int64(st, 0);
        if (sqlite3_column_text(st, 1))
            date_parse((const char *)sqlite3_column_text(st, 1), &received);
    }
    db_stmt_done(st);
    if (!found)
        return rm_error_set(err, 404, "Not Found", "no dossier %.40s", req->path_params[0]);
    if (!fac)
        return rm_error_set(err, 409, "Conflict", "dossier %lld names no facility: there is no licence period to sum "
                            "doses over", (long long)id);
    /* The licence in force when the dossier was received (the one a renewal renews). */
    char day[11];
    date_format(received, day);
    st = db_stmt(db, "SELECT json_object('id', id, 'number', number, 'issued', issued, 'expires', expires, 'status', "
                     "status), issued, expires FROM authorization WHERE facility_id = ?1 AND kind = 'licence' AND "
                     "issued <= ?2 ORDER BY status IN ('issued','superseded') DESC, issued DESC, id DESC LIMIT 1", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, fac);
    sqlite3_bind_text(st, 2, day, -1, SQLITE_TRANSIENT);
    char *licence = NULL;
    int32_t from = cr_add_months(received, -60), to = received;
    if (sqlite3_step(st) == SQLITE_ROW) {
        licence = strdup((const char *)sqlite3_column_text(st, 0));
        int32_t x;
        if (date_parse((const char *)sqlite3_column_text(st, 1), &x) == 0)
            from = x;
        if (sqlite3_column_text(st, 2) && date_parse((const char *)sqlite3_column_text(st, 2), &x) == 0 && x < to)
            to = x;
    }
    db_stmt_done(st);
    if (cmp_query_date(req, "from", &from, err) < 0 || cmp_query_date(req, "to", &to, err) < 0) {
        free(licence);
        return -1;
    }
    int rc = summary_reply(req, db, fac, from, to, licence, id, err);
    free(licence);
    return rc;
}
