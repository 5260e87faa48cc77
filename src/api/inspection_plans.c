/*
 * inspection_plans: the annual plan of planned inspections (GET and POST /inspection-plans/{year}).
 *
 * Without a stored plan, GET proposes one: every operating facility of this Department's register
 * whose next inspection (db/licensing_sql.h: the practice's interval after the last inspection,
 * shorter after a failed one) falls in or before the year, one per enterprise (organization), as
 * Directive 20/CT-TTg (2017) allows at most one planned inspection of an enterprise a year. An
 * enterprise already inspected under a plan that year gets none; of an enterprise's due
 * facilities the most urgent is proposed (earliest due, then the shortest inspection interval)
 * and the others are listed as deferred. A facility without a licensee counts as an enterprise of
 * its own. The month is the due month, or for one already overdue January (the current month when
 * planning the current year).
 *
 * POST stores a plan (the proposal, or items chosen by the inspectors) after checking the same
 * rule; a stored plan is replaced as a whole with If-Match, and audited. GET /practices lists the
 * inspection interval of each practice (and the shorter one after a failed inspection), which an
 * admin changes with PATCH /practices/{key}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/edit_int.h"
#include "api/licensing_int.h"
#include "core/date.h"
#include "db/audit.h"
#include "db/licensing_sql.h"

#define MAX_ITEMS 5000

typedef struct plan_item {
    int64_t facility, org;
    int month;
    char due[11];
    char reason[24];
} plan_item;

static int path_year(http_request *req, rm_error *err)
{
    char *end;
    long y = strtol(req->path_params[0], &end, 10);
    if (*end || y < 2000 || y > 2100) {
        rm_error_set(err, 404, "Not Found", "year must be a whole number from 2000 to 2100");
        return 0;
    }
    return (int)y;
}

/* Organizations (ids) already inspected under a plan in `year`: 1 when org had one. */
static int org_planned_done(db_conn *db, int64_t org, int64_t facility, int year, rm_error *err)
{
    char a[5];
    snprintf(a, sizeof a, "%04d", year);
    sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM inspection i JOIN facility f ON f.id = i.facility_id WHERE i.kind = "
                                    "'planned' AND substr(i.date, 1, 4) = ?1 AND (f.organization_id = ?2 OR (?2 = 0 "
                                    "AND f.id = ?3)) LIMIT 1", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, org);
    sqlite3_bind_int64(st, 3, facility);
    int r = sqlite3_step(st) == SQLITE_ROW;
    db_stmt_done(st);
    return r;
}

/* The proposal for `year` into items (one per enterprise) and deferred. Returns the item count, or
 * -1 with err. */
static int propose(db_conn *db, int year, plan_item *items, plan_item *deferred, int *ndeferred, rm_error *err)
{
    char end[11];
    snprintf(end, sizeof end, "%04d-12-31", year);
    sqlite3_stmt *st = db_stmt(db,
        "SELECT t.id, coalesce(t.organization_id, 0), " LIC_FAC_NEXT_INSPECTION ", "
        LIC_FAC_LAST_INSPECTION("result") ", " LIC_FAC_INTERVAL("inspection_interval_months") " FROM facility t "
        "WHERE t.status = 'operating' AND t.record_owner = 'department' AND " LIC_FAC_NEXT_INSPECTION " <= :end "
        "ORDER BY 3, 5, t.id", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":today"), date_today());
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":end"), end, -1, SQLITE_TRANSIENT);
    int n = 0;
    *ndeferred = 0;
    int ty, tm, td;
    date_to_civil(date_today(), &ty, &tm, &td);
    while (sqlite3_step(st) == SQLITE_ROW && n < MAX_ITEMS) {
        plan_item it = {0};
        it.facility = sqlite3_column_int64(st, 0);
        it.org = sqlite3_column_int64(st, 1);
        snprintf(it.due, sizeof it.due, "%s", (const char *)sqlite3_column_text(st, 2));
        const char *last = (const char *)sqlite3_column_text(st, 3);
        int dy = atoi(it.due), dm = atoi(it.due + 5);
        bool overdue = dy < year;
        it.month = overdue ? (year == ty ? tm : 1) : dm;
        snprintf(it.reason, sizeof it.reason, "%s", last && strcmp(last, "failed") == 0 ? "after_failure"
                                                    : overdue                            ? "overdue"
                                                                                         : "due");
        bool taken = false;
        for (int k = 0; k < n && !taken; k++)
            taken = it.org && items[k].org == it.org;
        int done = taken ? 0 : org_planned_done(db, it.org, it.facility, year, err);
        if (done < 0) {
            db_stmt_done(st);
            return -1;
        }
        if (taken || done) {
            if (*ndeferred < MAX_ITEMS) {
                snprintf(it.reason, sizeof it.reason, "%s", done ? "enterprise_inspected" : "enterprise_planned");
                deferred[(*ndeferred)++] = it;
            }
            continue;
        }
        items[n++] = it;
    }
    db_stmt_done(st);
    return n;
}

static int cmp_item(const void *a, const void *b)
{
    const plan_item *x = a, *y = b;
    if (x->month != y->month)
        return x->month - y->month;
    int c = strcmp(x->due, y->due);
    return c ? c : (x->facility > y->facility) - (x->facility < y->facility);
}

static int write_items(json_writer *w, db_conn *db, const plan_item *items, int n, rm_error *err)
{
    json_arr_begin(w);
    for (int i = 0; i < n; i++) {
        sqlite3_stmt *st = db_stmt(db, "SELECT t.name, t.practice, t.ward, o.name, " LIC_FAC_LAST_INSPECTION("date")
                                        " FROM facility t LEFT JOIN organization o ON o.id = t.organization_id WHERE "
                                        "t.id = :id", err);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":today"), date_today());
        sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":id"), items[i].facility);
        json_obj_begin(w);
        json_kv_int(w, "facility_id", items[i].facility);
        if (sqlite3_step(st) == SQLITE_ROW) {
            json_kv_str(w, "facility", (const char *)sqlite3_column_text(st, 0));
            json_kv_str(w, "practice", (const char *)sqlite3_column_text(st, 1));
            json_kv_str(w, "ward", (const char *)sqlite3_column_text(st, 2));
            json_kv_str(w, "organization", (const char *)sqlite3_column_text(st, 3));
            json_kv_str(w, "last_inspection", (const char *)sqlite3_column_text(st, 4));
        }
        db_stmt_done(st);
        json_key(w, "organization_id");
        items[i].org ? json_int(w, items[i].org) : json_write_null(w);
        json_kv_str(w, "next_due", items[i].due[0] ? items[i].due : NULL);
        json_kv_int(w, "planned_month", items[i].month);
        json_kv_str(w, "reason", items[i].reason[0] ? items[i].reason : NULL);
        json_obj_end(w);
    }
    json_arr_end(w);
    return 0;
}

/* Write the stored plan of `year`, or the proposal when none is stored. */
static int write_plan(json_writer *w, db_conn *db, int year, int64_t *version, rm_error *err)
{
    plan_item *items = calloc(MAX_ITEMS, sizeof *items), *deferred = calloc(MAX_ITEMS, sizeof *deferred);
    int rc = -1, n = 0, nd = 0;
    if (!items || !deferred) {
        rm_error_set(err, 500, "Out of memory", "planning inspections");
        goto cleanup;
    }
    sqlite3_stmt *st = db_stmt(db, "SELECT status, note, version, created_by, updated_at FROM inspection_plan WHERE "
                                    "year = ?", err);
    if (!st)
        goto cleanup;
    sqlite3_bind_int(st, 1, year);
    bool stored = sqlite3_step(st) == SQLITE_ROW;
    json_obj_begin(w);
    json_kv_int(w, "year", year);
    json_kv_bool(w, "stored", stored);
    json_kv_str(w, "rule", "at most one planned inspection of an enterprise (organization) a year "
                           "(Directive 20/CT-TTg, 2017)");
    *version = 0;
    if (stored) {
        json_kv_str(w, "status", (const char *)sqlite3_column_text(st, 0));
        json_kv_str(w, "note", (const char *)sqlite3_column_text(st, 1));
        *version = sqlite3_column_int64(st, 2);
        json_kv_int(w, "version", *version);
        json_kv_str(w, "created_by", (const char *)sqlite3_column_text(st, 3));
        json_kv_str(w, "updated_at", (const char *)sqlite3_column_text(st, 4));
    } else {
        json_kv_str(w, "status", "proposal");
    }
    db_stmt_done(st);
    if (stored) {
        st = db_stmt(db, "SELECT facility_id, coalesce(organization_id, 0), planned_month, due, reason FROM "
                         "inspection_plan_item WHERE year = ?", err);
        if (!st)
            goto cleanup;
        sqlite3_bind_int(st, 1, year);
        while (sqlite3_step(st) == SQLITE_ROW && n < MAX_ITEMS) {
            plan_item *it = &items[n++];
            it->facility = sqlite3_column_int64(st, 0);
            it->org = sqlite3_column_int64(st, 1);
            it->month = sqlite3_column_int(st, 2);
            snprintf(it->due, sizeof it->due, "%s", sqlite3_column_text(st, 3) ? (const char *)sqlite3_column_text(st, 3) : "");
            snprintf(it->reason, sizeof it->reason, "%s", sqlite3_column_text(st, 4) ? (const char *)sqlite3_column_text(st, 4) : "");
        }
        db_stmt_done(st);
    } else if ((n = propose(db, year, items, deferred, &nd, err)) < 0) {
        goto cleanup;
    }
    qsort(items, (size_t)n, sizeof *items, cmp_item);
    json_kv_int(w, "planned", n);
    json_key(w, "items");
    if (write_items(w, db, items, n, err) < 0)
        goto cleanup;
    if (!stored) {
        json_key(w, "deferred");
        if (write_items(w, db, deferred, nd, err) < 0)
            goto cleanup;
    }
    json_obj_end(w);
    rc = 0;
cleanup:
    free(items);
    free(deferred);
    return rc;
}

int api_inspection_plan(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int year = path_year(req, err);
    if (!year)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    json_writer w;
    json_init(&w, &req->out);
    int64_t version;
    if (write_plan(&w, db, year, &version, err) < 0)
        return -1;
    req->no_etag = true;
    char etag[32];
    snprintf(etag, sizeof etag, "\"v%lld\"", (long long)version);
    http_set_header(req, "ETag", etag);
    req->cache_control = "no-store";
    http_reply(req, 200, "application/json");
    return 0;
}

int api_inspection_plan_save(http_request *req, rm_error *err)
{
    int year = path_year(req, err);
    if (!year)
        return -1;
    json_t *body = lic_json_body(req, err);
    if (!body)
        return -1;
    int rc = -1;
    db_conn *db = NULL;
    buf before = BUF_INIT, after = BUF_INIT;
    plan_item *items = calloc(MAX_ITEMS, sizeof *items), *deferred = calloc(MAX_ITEMS, sizeof *deferred);
    edit_errors *e = calloc(1, sizeof *e);
    if (!items || !deferred || !e) {
        rm_error_set(err, 500, "Out of memory", "saving a plan");
        goto cleanup;
    }
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v) if (strcmp(k, "items") != 0 && strcmp(k, "from_proposal") != 0 &&
                                        strcmp(k, "status") != 0 && strcmp(k, "note") != 0)
        add_error(e, k, "is not a field; fields: items or from_proposal, status, note");
    const char *status = json_string_value(json_object_get(body, "status"));
    if (json_object_get(body, "status") && (!status || (strcmp(status, "draft") != 0 && strcmp(status, "approved") != 0)))
        add_error(e, "status", "must be draft or approved");
    const char *note = json_string_value(json_object_get(body, "note"));
    if (note && strlen(note) > 4000)
        add_error(e, "note", "is longer than 4000 bytes");
    bool from_proposal = json_is_true(json_object_get(body, "from_proposal"));
    json_t *list = json_object_get(body, "items");
    if (from_proposal == (list != NULL))
        add_error(e, "items", "send either items or from_proposal: true");
    if (!(db = lic_write_begin(req, err)))
        goto cleanup;
    sqlite3_stmt *st = db_stmt(db, "SELECT version FROM inspection_plan WHERE year = ?", err);
    if (!st)
        goto rollback;
    sqlite3_bind_int(st, 1, year);
    int64_t version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    db_stmt_done(st);
    if (version && !http_header(req, "If-Match")) {
        rm_error_set(err, 428, "Precondition Required", "the %d plan exists: send If-Match with its ETag", year);
        goto rollback;
    }
    if (lic_if_match(req, version, err) < 0)
        goto rollback;
    int n = 0, nd = 0;
    if (from_proposal && !e->n) {
        if ((n = propose(db, year, items, deferred, &nd, err)) < 0)
            goto rollback;
    } else if (json_is_array(list) && json_array_size(list) <= MAX_ITEMS) {
        size_t i;
        json_t *x;
        json_array_foreach(list, i, x) {
            char f[32];
            snprintf(f, sizeof f, "items[%zu]", i);
            json_t *fid = json_object_get(x, "facility_id"), *mo = json_object_get(x, "planned_month");
            if (!json_is_integer(fid) || !json_is_integer(mo) || json_integer_value(mo) < 1 || json_integer_value(mo) > 12) {
                add_error(e, f, "needs facility_id and planned_month 1-12");
                continue;
            }
            plan_item it = {0};
            it.facility = json_integer_value(fid);
            it.month = (int)json_integer_value(mo);
            snprintf(it.reason, sizeof it.reason, "chosen");
            st = db_stmt(db, "SELECT coalesce(organization_id, 0), " LIC_FAC_NEXT_INSPECTION " FROM facility t WHERE "
                             "t.id = :id", err);
            if (!st)
                goto rollback;
            sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":today"), date_today());
            sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":id"), it.facility);
            bool found = sqlite3_step(st) == SQLITE_ROW;
            if (found) {
                it.org = sqlite3_column_int64(st, 0);
                snprintf(it.due, sizeof it.due, "%s", sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "");
            }
            db_stmt_done(st);
            if (!found) {
                add_error(e, f, "facility %lld does not exist", (long long)it.facility);
                continue;
            }
            for (int j = 0; j < n; j++)
                if (items[j].facility == it.facility)
                    add_error(e, f, "facility %lld is listed twice", (long long)it.facility);
                else if (it.org && items[j].org == it.org)
                    add_error(e, f, "facility %lld and facility %lld belong to the same enterprise (organization %lld): "
                              "at most one planned inspection of an enterprise a year", (long long)items[j].facility,
                              (long long)it.facility, (long long)it.org);
            int done = org_planned_done(db, it.org, it.facility, year, err);
            if (done < 0)
                goto rollback;
            if (done)
                add_error(e, f, "the enterprise of facility %lld already had a planned inspection in %d",
                          (long long)it.facility, year);
            items[n++] = it;
        }
    } else if (list) {
        add_error(e, "items", "must be an array of at most %d {facility_id, planned_month}", MAX_ITEMS);
    }
    if (e->n) {
        lic_write_end(req, db, false, NULL);
        db = NULL;
        rc = reply_invalid(req, e);
        goto cleanup;
    }
    json_writer bw;
    json_init(&bw, &before);
    int64_t ignored;
    if (version && write_plan(&bw, db, year, &ignored, err) < 0)
        goto rollback;
    st = db_stmt(db, "INSERT INTO inspection_plan(year, status, note, created_by) VALUES (?1, ?2, ?3, ?4) ON "
                     "CONFLICT(year) DO UPDATE SET status = ?2, note = ?3, version = version + 1, updated_at = "
                     "strftime('%Y-%m-%dT%H:%M:%SZ','now')", err);
    if (!st)
        goto rollback;
    sqlite3_bind_int(st, 1, year);
    sqlite3_bind_text(st, 2, status ? status : "draft", -1, SQLITE_TRANSIENT);
    note ? sqlite3_bind_text(st, 3, note, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 3);
    sqlite3_bind_text(st, 4, req->user_name, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 500, "saving the plan");
        goto rollback;
    }
    st = db_stmt(db, "DELETE FROM inspection_plan_item WHERE year = ?", err);
    if (!st)
        goto rollback;
    sqlite3_bind_int(st, 1, year);
    sqlite3_step(st);
    db_stmt_done(st);
    for (int i = 0; i < n; i++) {
        st = db_stmt(db, "INSERT INTO inspection_plan_item(year, facility_id, organization_id, planned_month, due, "
                         "reason) VALUES (?, ?, ?, ?, ?, ?)", err);
        if (!st)
            goto rollback;
        sqlite3_bind_int(st, 1, year);
        sqlite3_bind_int64(st, 2, items[i].facility);
        items[i].org ? sqlite3_bind_int64(st, 3, items[i].org) : sqlite3_bind_null(st, 3);
        sqlite3_bind_int(st, 4, items[i].month);
        items[i].due[0] ? sqlite3_bind_text(st, 5, items[i].due, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 5);
        sqlite3_bind_text(st, 6, items[i].reason, -1, SQLITE_TRANSIENT);
        s = sqlite3_step(st);
        db_stmt_done(st);
        if (s != SQLITE_DONE) {
            db_error(db, err, 409, "saving the plan's items");
            goto rollback;
        }
    }
    json_writer aw;
    json_init(&aw, &after);
    int64_t nv;
    if (write_plan(&aw, db, year, &nv, err) < 0 ||
        audit_append(db, req->user_name, version ? "replace" : "create", "inspection_plans", year, NULL,
                     before.len ? before.data : NULL, after.data, err) < 0)
        goto rollback;
    if (lic_write_end(req, db, true, err) < 0) {
        db = NULL;
        goto cleanup;
    }
    db = NULL;
    buf_append(&req->out, after.data, after.len);
    char etag[32];
    snprintf(etag, sizeof etag, "\"v%lld\"", (long long)nv);
    http_set_header(req, "ETag", etag);
    req->no_etag = true;
    http_reply(req, version ? 200 : 201, "application/json");
    rc = 0;
    goto cleanup;
rollback:
    lic_write_end(req, db, false, NULL);
    db = NULL;
cleanup:
    json_decref(body);
    buf_free(&before);
    buf_free(&after);
    free(items);
    free(deferred);
    free(e);
    return rc;
}

/* ---- GET /practices, PATCH /practices/{key}: the inspection intervals ---------------------------- */

static int write_practice(json_writer *w, sqlite3_stmt *st)
{
    json_obj_begin(w);
    json_kv_str(w, "key", (const char *)sqlite3_column_text(st, 0));
    json_kv_str(w, "name_vi", (const char *)sqlite3_column_text(st, 1));
    json_kv_str(w, "name_en", (const char *)sqlite3_column_text(st, 2));
    json_kv_bool(w, "uses_sources", sqlite3_column_int(st, 3) != 0);
    json_kv_int(w, "inspection_interval_months", sqlite3_column_int(st, 4));
    json_kv_int(w, "failed_interval_months", sqlite3_column_int(st, 5));
    json_obj_end(w);
    return 0;
}

#define PRACTICE_COLS "key, name_vi, name_en, uses_sources, inspection_interval_months, failed_interval_months"

int api_practices(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    sqlite3_stmt *st = db_stmt(db, "SELECT " PRACTICE_COLS " FROM practice ORDER BY key", err);
    if (!st)
        return -1;
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_key(&w, "practices");
    json_arr_begin(&w);
    while (sqlite3_step(st) == SQLITE_ROW)
        write_practice(&w, st);
    db_stmt_done(st);
    json_arr_end(&w);
    json_obj_end(&w);
    http_reply(req, 200, "application/json");
    return 0;
}

/* An admin sets a practice's inspection intervals; every facility's next inspection date moves with
 * them, so the whole facility layer's tiles are marked changed. */
int api_practice_patch(http_request *req, rm_error *err)
{
    char key[64];
    snprintf(key, sizeof key, "%s", req->path_params[0]);
    json_t *body = lic_json_body(req, err);
    if (!body)
        return -1;
    int rc = -1;
    db_conn *db = NULL;
    buf before = BUF_INIT, after = BUF_INIT;
    edit_errors *e = calloc(1, sizeof *e);
    if (!e) {
        rm_error_set(err, 500, "Out of memory", "editing a practice");
        goto cleanup;
    }
    const char *k;
    json_t *v;
    int64_t months[2] = {0, 0};
    static const char *const fields[] = {"inspection_interval_months", "failed_interval_months"};
    json_object_foreach(body, k, v) {
        int f = strcmp(k, fields[0]) == 0 ? 0 : strcmp(k, fields[1]) == 0 ? 1 : -1;
        if (f < 0)
            add_error(e, k, "is not editable; fields: inspection_interval_months, failed_interval_months");
        else if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 120)
            add_error(e, k, "must be a whole number of months from 1 to 120");
        else
            months[f] = json_integer_value(v);
    }
    if (!months[0] && !months[1] && !e->n)
        add_error(e, "inspection_interval_months", "give inspection_interval_months or failed_interval_months");
    if (e->n) {
        rc = reply_invalid(req, e);
        goto cleanup;
    }
    if (!(db = lic_write_begin(req, err)))
        goto cleanup;
    sqlite3_stmt *st = db_stmt(db, "SELECT " PRACTICE_COLS " FROM practice WHERE key = ?", err);
    if (!st)
        goto rollback;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    json_writer bw;
    json_init(&bw, &before);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found)
        write_practice(&bw, st);
    db_stmt_done(st);
    if (!found) {
        rm_error_set(err, 404, "Not Found", "no practice %.60s; GET /practices lists them", key);
        goto rollback;
    }
    st = db_stmt(db, "UPDATE practice SET inspection_interval_months = coalesce(?2, inspection_interval_months), "
                     "failed_interval_months = coalesce(?3, failed_interval_months) WHERE key = ?1", err);
    if (!st)
        goto rollback;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    months[0] ? sqlite3_bind_int64(st, 2, months[0]) : sqlite3_bind_null(st, 2);
    months[1] ? sqlite3_bind_int64(st, 3, months[1]) : sqlite3_bind_null(st, 3);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 422, "updating the practice");
        goto rollback;
    }
    st = db_stmt(db, "SELECT " PRACTICE_COLS " FROM practice WHERE key = ?", err);
    if (!st)
        goto rollback;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    json_writer aw;
    json_init(&aw, &after);
    if (sqlite3_step(st) == SQLITE_ROW)
        write_practice(&aw, st);
    db_stmt_done(st);
    if (audit_append(db, req->user_name, "update", "practices", 0, NULL, before.data, after.data, err) < 0 ||
        db_exec(db, "INSERT INTO tile_change(layer, min_lon, min_lat, max_lon, max_lat) SELECT 'facilities', "
                    "min_lon, min_lat, max_lon, max_lat FROM layer_stat WHERE layer = 'facilities' AND min_lon IS NOT NULL",
                err) < 0)
        goto rollback;
    if (lic_write_end(req, db, true, err) < 0) {
        db = NULL;
        goto cleanup;
    }
    db = NULL;
    buf_append(&req->out, after.data, after.len);
    req->no_etag = true;
    http_reply(req, 200, "application/json");
    rc = 0;
    goto cleanup;
rollback:
    lic_write_end(req, db, false, NULL);
    db = NULL;
cleanup:
    json_decref(body);
    buf_free(&before);
    buf_free(&after);
    free(e);
    return rc;
}
