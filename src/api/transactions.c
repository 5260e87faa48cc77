/*
 * transactions: GET and POST /collections/sources/items/{id}/transactions, the life of a source
 * (db/lifecycle.h). A POST records one transaction and, in the same write transaction, the
 * source's derived facility, status and position, the audit row (the feature before and after) and
 * the tile changes. A GET lists the transactions with the replayed state and whether the stored
 * row agrees with it. Also the helpers the other lifecycle resources share (lifecycle_int.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/body.h"
#include "api/auth.h"
#include "api/lifecycle_int.h"
#include "api/state.h"
#include "core/date.h"
#include "core/json.h"
#include "db/audit.h"
#include "db/lifecycle.h"

int lc_body(http_request *req, json_t **out, rm_error *err)
{
    *out = api_json_body(req, false, err);
    return *out ? 0 : -1;
}

void lc_check_fields(db_conn *db, const coll_field *fields, json_t *body, const char *const *dates, int32_t today,
                     edit_errors *e)
{
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v) {
        bool known = false;
        for (const coll_field *f = fields; f->name && !known; f++)
            known = strcmp(f->name, k) == 0;
        if (!known)
            add_error(e, k, "is not a member of this resource");
    }
    for (const coll_field *f = fields; f->name; f++) {
        json_t *x = json_object_get(body, f->name);
        if (!x || json_is_null(x)) {
            if (f->required)
                add_error(e, f->name, "is required");
            continue;
        }
        if (f->type == PROP_TEXT_LIST) { /* an array of short strings */
            size_t i;
            json_t *s;
            if (!json_is_array(x) || json_array_size(x) > 50)
                add_error(e, f->name, "must be an array of at most 50 strings");
            else
                json_array_foreach(x, i, s) if (!json_is_string(s) || strlen(json_string_value(s)) > 300) {
                    add_error(e, f->name, "must hold strings of at most 300 characters");
                    break;
                }
            continue;
        }
        check_field(db, f, x, today, e);
        if (dates && json_is_string(x))
            for (const char *const *d = dates; *d; d++) {
                int32_t day;
                if (strcmp(*d, f->name) == 0 && date_parse(json_string_value(x), &day) < 0)
                    add_error(e, f->name, "must be a date YYYY-MM-DD");
            }
    }
}

int64_t lc_path_id(http_request *req, int i)
{
    char *end;
    if (i >= req->npath_params)
        return 0;
    long long id = strtoll(req->path_params[i], &end, 10);
    return *end || id < 1 ? 0 : id;
}

const char *lc_str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

int64_t lc_int(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? json_integer_value(v) : 0;
}

db_conn *lc_begin(http_request *req, rm_error *err)
{
    app_state *app = app_state_of(req);
    db_conn *db = app_writer_lock(app, err);
    if (!db)
        return NULL;
    if (db_exec(db, "BEGIN IMMEDIATE", err) < 0) {
        app_writer_unlock(app);
        return NULL;
    }
    return db;
}

int lc_end(http_request *req, db_conn *db, bool commit, rm_error *err)
{
    int rc = 0;
    if (commit && db_exec(db, "COMMIT", err) < 0)
        commit = false, rc = -1;
    if (!commit)
        db_exec(db, "ROLLBACK", NULL);
    app_writer_unlock(app_state_of(req));
    return rc;
}

/* ---- transactions ------------------------------------------------------------------------------ */

static const char *const tx_kinds[] = {"receipt", "transfer", "exchange", "temporary_site", "site_end", "disuse",
                                       "return", "disposal", "loss", "theft", "recovery", NULL};
static const char *const tx_statuses[] = {"in_use", "stored", "disused", "transferred", "disposed", "lost", "stolen",
                                          "found", NULL};
static const char *const tx_plans[] = {"return", "disposal", "storage", NULL};

static const coll_field tx_fields[] = {
    {"kind", NULL, PROP_TEXT, true, 20, 0, 0, tx_kinds, NULL, NULL, RULE_NONE},
    {"date", NULL, PROP_TEXT, true, 10, 0, 0, NULL, NULL, NULL, RULE_DATE_NOT_FUTURE},
    {"to_facility_id", NULL, PROP_INT, false, 0, 1, 9e15, NULL, NULL, "SELECT 1 FROM facility WHERE id = ?", RULE_NONE},
    {"counterparty", NULL, PROP_TEXT, false, 300, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"documents", NULL, PROP_TEXT_LIST, false, 0, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"status", NULL, PROP_TEXT, false, 20, 0, 0, tx_statuses, NULL, NULL, RULE_NONE},
    {"place", NULL, PROP_TEXT, false, 300, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"lon", NULL, PROP_REAL, false, 0, -180, 180, NULL, NULL, NULL, RULE_NONE},
    {"lat", NULL, PROP_REAL, false, 0, -90, 90, NULL, NULL, NULL, RULE_NONE},
    {"period_start", NULL, PROP_TEXT, false, 10, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"period_end", NULL, PROP_TEXT, false, 10, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"container", NULL, PROP_TEXT, false, 100, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"replaced_source_id", NULL, PROP_INT, false, 0, 1, 9e15, NULL, NULL, "SELECT 1 FROM source WHERE id = ?", RULE_NONE},
    {"plan", NULL, PROP_TEXT, false, 20, 0, 0, tx_plans, NULL, NULL, RULE_NONE},
    {"plan_due", NULL, PROP_TEXT, false, 10, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"note", NULL, PROP_TEXT, false, 2000, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"exception_reason", NULL, PROP_TEXT, false, 2000, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {NULL, NULL, 0, false, 0, 0, 0, NULL, NULL, NULL, RULE_NONE},
};

#define TX_COLUMNS "id, seq, kind, date, from_facility_id, to_facility_id, counterparty, documents, status_after, " \
                   "place, lon, lat, period_start, period_end, container, replaced_source_id, plan, plan_due, "    \
                   "authorization_id, exception, exception_reason, note, user_name, created_at"

static void write_tx(json_writer *w, sqlite3_stmt *st)
{
    static const char *const names[] = {"id", "seq", "kind", "date", "from_facility_id", "to_facility_id",
                                        "counterparty", "documents", "status", "place", "lon", "lat", "period_start",
                                        "period_end", "container", "replaced_source_id", "plan", "plan_due",
                                        "authorization_id", "exception", "exception_reason", "note", "user",
                                        "created_at"};
    json_obj_begin(w);
    for (int i = 0; i < 24; i++) {
        json_key(w, names[i]);
        int t = sqlite3_column_type(st, i);
        if (i == 19)
            json_bool(w, sqlite3_column_int(st, i) != 0);
        else if (t == SQLITE_NULL)
            json_write_null(w);
        else if (i == 7) /* documents: JSON text */
            json_raw(w, (const char *)sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i));
        else if (t == SQLITE_INTEGER)
            json_int(w, sqlite3_column_int64(st, i));
        else if (t == SQLITE_FLOAT)
            json_num(w, sqlite3_column_double(st, i));
        else
            json_str(w, (const char *)sqlite3_column_text(st, i));
    }
    json_obj_end(w);
}

static void write_state(json_writer *w, const replay_state *s)
{
    json_obj_begin(w);
    json_kv_int(w, "facility_id", s->facility_id);
    json_kv_str(w, "status", s->status);
    json_kv_bool(w, "own_location", s->own_location);
    json_key(w, "coordinates");
    json_arr_begin(w);
    json_num(w, s->lon);
    json_num(w, s->lat);
    json_arr_end(w);
    json_key(w, "container");
    json_str(w, s->container[0] ? s->container : NULL);
    json_obj_end(w);
}

int api_source_transactions(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t id = lc_path_id(req, 0);
    if (!id)
        return rm_error_set(err, 404, "Not Found", "no source %.40s", req->path_params[0]);
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    sqlite3_stmt *st = db_stmt(db, "SELECT facility_id, status, own_location, lon, lat, coalesce(container, '') "
                                    "FROM source WHERE id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        db_stmt_done(st);
        return rm_error_set(err, 404, "Not Found", "no source %lld", (long long)id);
    }
    replay_state row = {.started = true, .facility_id = sqlite3_column_int64(st, 0),
                        .own_location = sqlite3_column_int(st, 2) != 0, .lon = sqlite3_column_double(st, 3),
                        .lat = sqlite3_column_double(st, 4)};
    snprintf(row.status, sizeof row.status, "%s", (const char *)sqlite3_column_text(st, 1));
    snprintf(row.container, sizeof row.container, "%s", (const char *)sqlite3_column_text(st, 5));
    db_stmt_done(st);
    replay_state s;
    int count;
    rm_error rerr = {0};
    int rr = lifecycle_replay(db, id, &s, &count, &rerr);
    if (rr < 0 && rerr.status != 409) {
        *err = rerr;
        return -1;
    }
    st = db_stmt(db, "SELECT " TX_COLUMNS " FROM source_transaction WHERE source_id = ? ORDER BY seq", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_int(&w, "source_id", id);
    json_key(&w, "transactions");
    json_arr_begin(&w);
    while (sqlite3_step(st) == SQLITE_ROW)
        write_tx(&w, st);
    db_stmt_done(st);
    json_arr_end(&w);
    json_kv_int(&w, "count", count);
    json_kv_bool(&w, "derived", count > 0);
    json_key(&w, "current");
    write_state(&w, &row);
    json_key(&w, "replayed");
    if (count > 0 && rr == 0)
        write_state(&w, &s);
    else
        json_write_null(&w);
    if (rr < 0)
        json_kv_str(&w, "replay_error", rerr.detail);
    bool same = count == 0 || (rr == 0 && s.facility_id == row.facility_id && strcmp(s.status, row.status) == 0 &&
                               s.own_location == row.own_location && s.lon == row.lon && s.lat == row.lat &&
                               strcmp(s.container, row.container) == 0);
    json_kv_bool(&w, "consistent", same);
    json_obj_end(&w);
    req->cache_control = "no-store";
    http_reply(req, 200, "application/json");
    return 0;
}

int api_source_transaction_add(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    static const char *const dates[] = {"period_start", "period_end", "plan_due", NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int64_t id = lc_path_id(req, 0);
    if (!id)
        return rm_error_set(err, 404, "Not Found", "no source %.40s", req->path_params[0]);
    json_t *body;
    if (lc_body(req, &body, err) < 0)
        return -1;
    int32_t today = date_today();
    edit_errors *e = calloc(1, sizeof *e);
    buf before = BUF_INIT, after = BUF_INIT, rbefore = BUF_INIT, rafter = BUF_INIT, docs = BUF_INIT;
    int rc = -1;
    db_conn *db = e ? lc_begin(req, err) : NULL;
    if (!db)
        goto cleanup;
    lc_check_fields(db, tx_fields, body, dates, today, e);
    const char *kind = lc_str(body, "kind");
    json_t *jl = json_object_get(body, "lon"), *jt = json_object_get(body, "lat");
    bool has_place = json_is_number(jl) && json_is_number(jt);
    if ((jl && !json_is_null(jl)) != (jt && !json_is_null(jt)))
        add_error(e, jl && !json_is_null(jl) ? "lat" : "lon", "lon and lat go together");
    if (has_place) {
        double area[4];
        validate_service_area(db, area);
        validate_point(json_number_value(jl), json_number_value(jt), area, e);
    }
    if (kind && strcmp(kind, "temporary_site") == 0) {
        if (!has_place)
            add_error(e, "lon", "a temporary site needs its place (lon, lat)");
        if (!lc_str(body, "period_start"))
            add_error(e, "period_start", "a temporary site needs its period (period_start, period_end)");
        if (!lc_str(body, "period_end"))
            add_error(e, "period_end", "a temporary site needs its period (period_start, period_end)");
        const char *a = lc_str(body, "period_start"), *b = lc_str(body, "period_end");
        if (a && b && strcmp(a, b) > 0)
            add_error(e, "period_end", "is before period_start");
    }
    if (kind && strcmp(kind, "disuse") == 0) {
        if (!lc_str(body, "plan"))
            add_error(e, "plan", "a disused source needs a plan: return, disposal or storage");
        if (!lc_str(body, "plan_due"))
            add_error(e, "plan_due", "a disused source needs the date its plan is due");
    }
    if (kind && (strcmp(kind, "return") == 0 || strcmp(kind, "receipt") == 0) && !lc_str(body, "counterparty"))
        add_error(e, "counterparty", "a %s names the supplier or holder (counterparty)", kind);
    if (kind && strcmp(kind, "exchange") == 0 && !lc_str(body, "container"))
        add_error(e, "container", "an exchange names the device or container");
    if (e->n) {
        lc_end(req, db, false, NULL);
        db = NULL;
        rc = reply_invalid(req, e);
        goto cleanup;
    }
    json_t *jd = json_object_get(body, "documents");
    if (json_is_array(jd)) {
        char *s = json_dumps(jd, JSON_COMPACT);
        buf_puts(&docs, s ? s : "[]");
        free(s);
    }
    const coll_def *sources = coll_find("sources");
    if (features_render_one(db, sources, id, VIS_FULL, today, NULL, &before, NULL, err) <= 0) {
        if (err->status == 0)
            rm_error_set(err, 404, "Not Found", "no source %lld", (long long)id);
        goto rollback;
    }
    int64_t replaced = lc_int(body, "replaced_source_id");
    if (replaced && features_render_one(db, sources, replaced, VIS_FULL, today, NULL, &rbefore, NULL, err) < 0)
        goto rollback;
    lifecycle_tx tx = {.source_id = id, .kind = kind, .date = lc_str(body, "date"),
                       .to_facility_id = lc_int(body, "to_facility_id"), .counterparty = lc_str(body, "counterparty"),
                       .documents = docs.len ? docs.data : NULL, .status_after = lc_str(body, "status"),
                       .place = lc_str(body, "place"), .has_place = has_place,
                       .lon = has_place ? json_number_value(jl) : 0, .lat = has_place ? json_number_value(jt) : 0,
                       .period_start = lc_str(body, "period_start"), .period_end = lc_str(body, "period_end"),
                       .container = lc_str(body, "container"), .replaced_source_id = replaced,
                       .plan = lc_str(body, "plan"), .plan_due = lc_str(body, "plan_due"), .note = lc_str(body, "note"),
                       .exception_reason = lc_str(body, "exception_reason"), .may_except = req->role == ROLE_LEADER,
                       .user = req->user_name};
    lifecycle_result res;
    if (lifecycle_record(db, &tx, today, &res, err) < 0)
        goto rollback;
    if (features_render_one(db, sources, id, VIS_FULL, today, NULL, &after, NULL, err) <= 0 ||
        audit_append(db, req->user_name, "transaction", "sources", id, NULL, before.data, after.data, err) < 0)
        goto rollback;
    if (res.replaced_transaction_id &&
        (features_render_one(db, sources, replaced, VIS_FULL, today, NULL, &rafter, NULL, err) <= 0 ||
         audit_append(db, req->user_name, "transaction", "sources", replaced, NULL, rbefore.data, rafter.data, err) < 0))
        goto rollback;
    sqlite3_stmt *st = db_stmt(db, "SELECT " TX_COLUMNS " FROM source_transaction WHERE id = ?", err);
    if (!st)
        goto rollback;
    sqlite3_bind_int64(st, 1, res.transaction_id);
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_key(&w, "transaction");
    if (sqlite3_step(st) == SQLITE_ROW)
        write_tx(&w, st);
    else
        json_write_null(&w);
    db_stmt_done(st);
    json_kv_bool(&w, "exception", res.exception);
    json_key(&w, "authorization_id");
    if (res.authorization_id)
        json_int(&w, res.authorization_id);
    else
        json_write_null(&w);
    json_kv_int(&w, "closed_events", res.closed_events);
    json_key(&w, "replaced_transaction_id");
    if (res.replaced_transaction_id)
        json_int(&w, res.replaced_transaction_id);
    else
        json_write_null(&w);
    json_key(&w, "source");
    json_raw(&w, after.data, after.len);
    json_obj_end(&w);
    if (lc_end(req, db, true, err) < 0) {
        db = NULL;
        buf_reset(&req->out);
        goto cleanup;
    }
    db = NULL;
    req->no_etag = true;
    http_reply(req, 201, "application/json");
    rc = 0;
    goto cleanup;
rollback:
    lc_end(req, db, false, NULL);
    db = NULL;
cleanup:
    json_decref(body);
    free(e);
    buf_free(&before);
    buf_free(&after);
    buf_free(&rbefore);
    buf_free(&rafter);
    buf_free(&docs);
    return rc;
}
