/*
 * events: the events register (/events) and the registration of orphan sources (/orphans).
 *
 * An event is a point on the map (the events collection and tile layer, full class only) with its
 * kind, time, severity, the sources, facilities and persons involved, notifications made and
 * follow-up; open events are listed by /alerts with the zones of their sources. A loss or theft
 * event closes itself when its sources are recovered (db/lifecycle.c). POST /orphans registers a
 * source found without an owner: a source row (orphan, status found, at the place it was found,
 * in the custody of a facility), its first transaction (recovery) and an orphan_found event, in
 * one write transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/lifecycle_int.h"
#include "core/date.h"
#include "core/json.h"
#include "db/audit.h"
#include "db/lifecycle.h"

static const char *const ev_kinds[] = {"loss", "theft", "overexposure", "contamination", "orphan_found",
                                       "equipment_failure", "transport_accident", NULL};
static const char *const ev_severities[] = {"low", "medium", "high", "critical", NULL};
static const char *const ev_statuses[] = {"open", "closed", NULL};

static const coll_field ev_fields[] = {
    {"kind", NULL, PROP_TEXT, true, 30, 0, 0, ev_kinds, NULL, NULL, RULE_NONE},
    {"occurred_at", NULL, PROP_TEXT, true, 25, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"place", NULL, PROP_TEXT, false, 300, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"lon", NULL, PROP_REAL, true, 0, -180, 180, NULL, NULL, NULL, RULE_NONE},
    {"lat", NULL, PROP_REAL, true, 0, -90, 90, NULL, NULL, NULL, RULE_NONE},
    {"severity", NULL, PROP_TEXT, false, 20, 0, 0, ev_severities, NULL, NULL, RULE_NONE},
    {"description", NULL, PROP_TEXT, false, 8000, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"facility_id", NULL, PROP_INT, false, 0, 1, 9e15, NULL, NULL, "SELECT 1 FROM facility WHERE id = ?", RULE_NONE},
    {"source_ids", NULL, PROP_TEXT_LIST, false, 0, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"facility_ids", NULL, PROP_TEXT_LIST, false, 0, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"persons", NULL, PROP_TEXT_LIST, false, 0, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"notifications", NULL, PROP_TEXT_LIST, false, 0, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"follow_up", NULL, PROP_TEXT, false, 8000, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {NULL, NULL, 0, false, 0, 0, 0, NULL, NULL, NULL, RULE_NONE},
};

static const coll_field ev_patch_fields[] = {
    {"status", NULL, PROP_TEXT, false, 10, 0, 0, ev_statuses, NULL, NULL, RULE_NONE},
    {"closed_reason", NULL, PROP_TEXT, false, 1000, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"severity", NULL, PROP_TEXT, false, 20, 0, 0, ev_severities, NULL, NULL, RULE_NONE},
    {"follow_up", NULL, PROP_TEXT, false, 8000, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"notifications", NULL, PROP_TEXT_LIST, false, 0, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"description", NULL, PROP_TEXT, false, 8000, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {NULL, NULL, 0, false, 0, 0, 0, NULL, NULL, NULL, RULE_NONE},
};

/* The event as JSON (id, its columns, sources, facilities, persons). 1, 0 not found, -1 error. */
static int render_event(db_conn *db, int64_t id, buf *out, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT json_object('id', e.id, 'kind', e.kind, 'occurred_at', e.occurred_at, "
        "'place', e.place, 'coordinates', json_array(e.lon, e.lat), 'severity', e.severity, 'status', e.status, "
        "'description', e.description, 'facility_id', e.facility_id, 'notifications', json(coalesce(e.notifications, "
        "'[]')), 'follow_up', e.follow_up, 'closed_at', e.closed_at, 'closed_reason', e.closed_reason, "
        "'source_ids', (SELECT json_group_array(source_id) FROM event_source WHERE event_id = e.id), "
        "'facility_ids', (SELECT json_group_array(facility_id) FROM event_facility WHERE event_id = e.id), "
        "'persons', (SELECT json_group_array(json_object('name', name, 'role', role, 'person_id', person_id, "
        "'dose_msv', dose_msv)) FROM event_person WHERE event_id = e.id), 'version', e.version, "
        "'created_by', e.created_by, 'updated_at', e.updated_at) FROM event e WHERE e.id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        buf_puts(out, (const char *)sqlite3_column_text(st, 0));
        rc = 1;
    }
    db_stmt_done(st);
    return rc;
}

int api_events(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"status", "kind", NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    const char *status = http_query(req, "status"), *kind = http_query(req, "kind");
    if (status && strcmp(status, "open") != 0 && strcmp(status, "closed") != 0)
        return rm_error_set(err, 400, "Invalid parameter", "status must be open or closed");
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    sqlite3_stmt *st = db_stmt(db, "SELECT id FROM event WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR kind = ?2) "
                                    "ORDER BY occurred_at DESC, id DESC LIMIT 2000", err);
    if (!st)
        return -1;
    if (status)
        sqlite3_bind_text(st, 1, status, -1, SQLITE_TRANSIENT);
    if (kind)
        sqlite3_bind_text(st, 2, kind, -1, SQLITE_TRANSIENT);
    int64_t ids[2000];
    int n = 0;
    while (n < 2000 && sqlite3_step(st) == SQLITE_ROW)
        ids[n++] = sqlite3_column_int64(st, 0);
    db_stmt_done(st);
    buf_puts(&req->out, "{\"events\":[");
    for (int i = 0; i < n; i++) {
        if (i)
            buf_putc(&req->out, ',');
        if (render_event(db, ids[i], &req->out, err) < 0)
            return -1;
    }
    buf_appendf(&req->out, "],\"numberReturned\":%d}", n);
    http_reply(req, 200, "application/json");
    return 0;
}

int api_event(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    int64_t id = lc_path_id(req, 0);
    if (!db)
        return -1;
    int r = id ? render_event(db, id, &req->out, err) : 0;
    if (r < 0)
        return -1;
    if (!r)
        return rm_error_set(err, 404, "Not Found", "no event %.40s", req->path_params[0]);
    http_reply(req, 200, "application/json");
    return 0;
}

static char *dump(json_t *j) { return j && !json_is_null(j) ? json_dumps(j, JSON_COMPACT) : NULL; }

/* Insert an event from a checked body; *id receives it. */
static int insert_event(db_conn *db, json_t *b, const char *user, int64_t *id, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO event(kind, occurred_at, place, severity, description, notifications, "
                                    "follow_up, facility_id, lon, lat, geom, created_by) VALUES (?1, ?2, ?3, "
                                    "coalesce(?4, 'medium'), ?5, ?6, ?7, ?8, ?9, ?10, MakePoint(?9, ?10, 4326), ?11)", err);
    if (!st)
        return -1;
    char *notes = dump(json_object_get(b, "notifications"));
    const char *txt[] = {"kind", "occurred_at", "place", "severity", "description"};
    for (int i = 0; i < 5; i++)
        if (lc_str(b, txt[i]))
            sqlite3_bind_text(st, i + 1, lc_str(b, txt[i]), -1, SQLITE_TRANSIENT);
    if (notes)
        sqlite3_bind_text(st, 6, notes, -1, SQLITE_TRANSIENT);
    if (lc_str(b, "follow_up"))
        sqlite3_bind_text(st, 7, lc_str(b, "follow_up"), -1, SQLITE_TRANSIENT);
    if (lc_int(b, "facility_id"))
        sqlite3_bind_int64(st, 8, lc_int(b, "facility_id"));
    sqlite3_bind_double(st, 9, json_number_value(json_object_get(b, "lon")));
    sqlite3_bind_double(st, 10, json_number_value(json_object_get(b, "lat")));
    sqlite3_bind_text(st, 11, user, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    free(notes);
    if (s != SQLITE_DONE)
        return db_error(db, err, 422, "recording the event");
    *id = sqlite3_last_insert_rowid(db_sqlite(db));
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(b, "source_ids"), i, x) {
        st = db_stmt(db, "INSERT OR IGNORE INTO event_source(event_id, source_id) SELECT ?1, id FROM source WHERE id = ?2",
                     err);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_int64(st, 2, json_integer_value(x));
        sqlite3_step(st);
        db_stmt_done(st);
    }
    json_array_foreach(json_object_get(b, "facility_ids"), i, x) {
        st = db_stmt(db, "INSERT OR IGNORE INTO event_facility(event_id, facility_id) SELECT ?1, id FROM facility "
                         "WHERE id = ?2", err);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_int64(st, 2, json_integer_value(x));
        sqlite3_step(st);
        db_stmt_done(st);
    }
    json_array_foreach(json_object_get(b, "persons"), i, x) {
        st = db_stmt(db, "INSERT INTO event_person(event_id, person_id, name, role, dose_msv) VALUES (?1, ?2, ?3, ?4, ?5)",
                     err);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, *id);
        if (lc_int(x, "person_id"))
            sqlite3_bind_int64(st, 2, lc_int(x, "person_id"));
        sqlite3_bind_text(st, 3, lc_str(x, "name") ? lc_str(x, "name") : "unknown", -1, SQLITE_TRANSIENT);
        if (lc_str(x, "role"))
            sqlite3_bind_text(st, 4, lc_str(x, "role"), -1, SQLITE_TRANSIENT);
        if (json_is_number(json_object_get(x, "dose_msv")))
            sqlite3_bind_double(st, 5, json_number_value(json_object_get(x, "dose_msv")));
        s = sqlite3_step(st);
        db_stmt_done(st);
        if (s != SQLITE_DONE)
            return db_error(db, err, 422, "recording a person of the event");
    }
    return lifecycle_tile_change(db, "events", json_number_value(json_object_get(b, "lon")),
                                 json_number_value(json_object_get(b, "lat")), err);
}

/* Checks of an event body beyond the field list: position, lists of ids and persons. */
static void check_event(db_conn *db, json_t *b, edit_errors *e)
{
    json_t *l = json_object_get(b, "lon"), *t = json_object_get(b, "lat");
    if (json_is_number(l) && json_is_number(t)) {
        double area[4];
        validate_service_area(db, area);
        validate_point(json_number_value(l), json_number_value(t), area, e);
    }
    const char *names[] = {"source_ids", "facility_ids"};
    for (int k = 0; k < 2; k++) {
        json_t *a = json_object_get(b, names[k]);
        size_t i;
        json_t *x;
        if (a && !json_is_null(a) && !json_is_array(a))
            add_error(e, names[k], "must be an array of ids");
        json_array_foreach(a, i, x) if (!json_is_integer(x) || json_integer_value(x) < 1) {
            add_error(e, names[k], "must hold positive integer ids");
            break;
        }
    }
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(b, "persons"), i, x) if (!json_is_object(x) || !lc_str(x, "name")) {
        add_error(e, "persons", "each person is an object with a name (role, person_id, dose_msv optional)");
        break;
    }
}

int api_event_create(http_request *req, rm_error *err)
{
    json_t *b;
    if (lc_body(req, &b, err) < 0)
        return -1;
    int rc = -1;
    edit_errors *e = calloc(1, sizeof *e);
    db_conn *db = e ? lc_begin(req, err) : NULL;
    buf out = BUF_INIT;
    if (!db)
        goto done;
    /* persons, source_ids and facility_ids hold objects and numbers: checked by check_event. */
    json_t *copy = json_deep_copy(b);
    json_object_del(copy, "persons");
    json_object_del(copy, "source_ids");
    json_object_del(copy, "facility_ids");
    json_object_del(copy, "notifications");
    lc_check_fields(db, ev_fields, copy, NULL, date_today(), e);
    json_decref(copy);
    check_event(db, b, e);
    if (e->n) {
        lc_end(req, db, false, NULL);
        rc = reply_invalid(req, e);
        goto done;
    }
    int64_t id;
    if (insert_event(db, b, req->user_name, &id, err) < 0 || render_event(db, id, &out, err) < 0 ||
        audit_append(db, req->user_name, "create", "events", id, NULL, NULL, out.data, err) < 0) {
        lc_end(req, db, false, NULL);
        goto done;
    }
    if (lc_end(req, db, true, err) < 0)
        goto done;
    buf_append(&req->out, out.data, out.len);
    req->no_etag = true;
    http_reply(req, 201, "application/json");
    rc = 0;
done:
    json_decref(b);
    buf_free(&out);
    free(e);
    return rc;
}

int api_event_update(http_request *req, rm_error *err)
{
    int64_t id = lc_path_id(req, 0);
    if (!id)
        return rm_error_set(err, 404, "Not Found", "no event %.40s", req->path_params[0]);
    json_t *b;
    if (lc_body(req, &b, err) < 0)
        return -1;
    int rc = -1;
    edit_errors *e = calloc(1, sizeof *e);
    db_conn *db = e ? lc_begin(req, err) : NULL;
    buf before = BUF_INIT, after = BUF_INIT;
    if (!db)
        goto done;
    json_t *copy = json_deep_copy(b);
    json_object_del(copy, "notifications");
    lc_check_fields(db, ev_patch_fields, copy, NULL, date_today(), e);
    json_decref(copy);
    if (e->n) {
        lc_end(req, db, false, NULL);
        rc = reply_invalid(req, e);
        goto done;
    }
    int r = render_event(db, id, &before, err);
    if (r <= 0) {
        if (r == 0)
            rm_error_set(err, 404, "Not Found", "no event %lld", (long long)id);
        lc_end(req, db, false, NULL);
        goto done;
    }
    char *notes = dump(json_object_get(b, "notifications"));
    sqlite3_stmt *st = db_stmt(db, "UPDATE event SET status = coalesce(?2, status), closed_reason = coalesce(?3, "
                                    "closed_reason), severity = coalesce(?4, severity), follow_up = coalesce(?5, follow_up), "
                                    "notifications = coalesce(?6, notifications), description = coalesce(?7, description), "
                                    "closed_at = CASE WHEN ?2 = 'closed' AND status = 'open' THEN date(2440587.5 + ?8) "
                                    "WHEN ?2 = 'open' THEN NULL ELSE closed_at END, version = version + 1, "
                                    "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1", err);
    if (!st) {
        free(notes);
        lc_end(req, db, false, NULL);
        goto done;
    }
    sqlite3_bind_int64(st, 1, id);
    const char *txt[] = {"status", "closed_reason", "severity", "follow_up"};
    for (int i = 0; i < 4; i++)
        if (lc_str(b, txt[i]))
            sqlite3_bind_text(st, i + 2, lc_str(b, txt[i]), -1, SQLITE_TRANSIENT);
    if (notes)
        sqlite3_bind_text(st, 6, notes, -1, SQLITE_TRANSIENT);
    if (lc_str(b, "description"))
        sqlite3_bind_text(st, 7, lc_str(b, "description"), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 8, date_today());
    int s = sqlite3_step(st);
    db_stmt_done(st);
    free(notes);
    json_t *bj = json_loads(before.data, 0, NULL);
    json_t *co = json_object_get(bj, "coordinates");
    if (s != SQLITE_DONE || render_event(db, id, &after, err) <= 0 ||
        lifecycle_tile_change(db, "events", json_number_value(json_array_get(co, 0)),
                              json_number_value(json_array_get(co, 1)), err) < 0 ||
        audit_append(db, req->user_name, "update", "events", id, NULL, before.data, after.data, err) < 0) {
        if (s != SQLITE_DONE)
            db_error(db, err, 422, "updating the event");
        json_decref(bj);
        lc_end(req, db, false, NULL);
        goto done;
    }
    json_decref(bj);
    if (lc_end(req, db, true, err) < 0)
        goto done;
    buf_append(&req->out, after.data, after.len);
    req->no_etag = true;
    http_reply(req, 200, "application/json");
    rc = 0;
done:
    json_decref(b);
    buf_free(&before);
    buf_free(&after);
    free(e);
    return rc;
}

/* ---- orphan sources ----------------------------------------------------------------------------- */

static const coll_field orphan_fields[] = {
    {"nuclide", NULL, PROP_TEXT, true, 20, 0, 0, NULL, "SELECT nuclide FROM nuclide ORDER BY nuclide", NULL, RULE_NONE},
    {"activity_bq", NULL, PROP_REAL, true, 0, 1e-3, 1e18, NULL, NULL, NULL, RULE_NONE},
    {"reference_date", NULL, PROP_TEXT, true, 10, 0, 0, NULL, NULL, NULL, RULE_DATE_NOT_FUTURE},
    {"found_on", NULL, PROP_TEXT, true, 10, 0, 0, NULL, NULL, NULL, RULE_DATE_NOT_FUTURE},
    {"custodian_facility_id", NULL, PROP_INT, true, 0, 1, 9e15, NULL, NULL, "SELECT 1 FROM facility WHERE id = ?",
     RULE_NONE},
    {"lon", NULL, PROP_REAL, true, 0, -180, 180, NULL, NULL, NULL, RULE_NONE},
    {"lat", NULL, PROP_REAL, true, 0, -90, 90, NULL, NULL, NULL, RULE_NONE},
    {"place", NULL, PROP_TEXT, false, 300, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"serial_no", NULL, PROP_TEXT, false, 60, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"manufacturer", NULL, PROP_TEXT, false, 100, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"model", NULL, PROP_TEXT, false, 100, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"description", NULL, PROP_TEXT, false, 8000, 0, 0, NULL, NULL, NULL, RULE_NONE},
    {"severity", NULL, PROP_TEXT, false, 20, 0, 0, ev_severities, NULL, NULL, RULE_NONE},
    {NULL, NULL, 0, false, 0, 0, 0, NULL, NULL, NULL, RULE_NONE},
};

int api_orphan_register(http_request *req, rm_error *err)
{
    json_t *b;
    if (lc_body(req, &b, err) < 0)
        return -1;
    int rc = -1;
    int32_t today = date_today();
    edit_errors *e = calloc(1, sizeof *e);
    db_conn *db = e ? lc_begin(req, err) : NULL;
    buf after = BUF_INIT, ev = BUF_INIT;
    if (!db)
        goto done;
    lc_check_fields(db, orphan_fields, b, NULL, today, e);
    check_event(db, b, e);
    if (e->n) {
        lc_end(req, db, false, NULL);
        rc = reply_invalid(req, e);
        goto done;
    }
    double lon = json_number_value(json_object_get(b, "lon")), lat = json_number_value(json_object_get(b, "lat"));
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO source(facility_id, nuclide, form, serial_no, manufacturer, model, "
                                    "activity_bq, reference_date, status, own_location, lon, lat, geom, orphan) VALUES "
                                    "(?1, ?2, 'sealed', ?3, ?4, ?5, ?6, ?7, 'found', 1, ?8, ?9, MakePoint(?8, ?9, 4326), 1)",
                               err);
    if (!st) {
        lc_end(req, db, false, NULL);
        goto done;
    }
    sqlite3_bind_int64(st, 1, lc_int(b, "custodian_facility_id"));
    sqlite3_bind_text(st, 2, lc_str(b, "nuclide"), -1, SQLITE_TRANSIENT);
    const char *opt[] = {"serial_no", "manufacturer", "model"};
    for (int i = 0; i < 3; i++)
        if (lc_str(b, opt[i]))
            sqlite3_bind_text(st, 3 + i, lc_str(b, opt[i]), -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 6, json_number_value(json_object_get(b, "activity_bq")));
    sqlite3_bind_text(st, 7, lc_str(b, "reference_date"), -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 8, lon);
    sqlite3_bind_double(st, 9, lat);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(db, err, 422, "registering the orphan source");
        lc_end(req, db, false, NULL);
        goto done;
    }
    int64_t sid = sqlite3_last_insert_rowid(db_sqlite(db)), eid = 0;
    lifecycle_tx tx = {.source_id = sid, .kind = "recovery", .date = lc_str(b, "found_on"),
                       .to_facility_id = lc_int(b, "custodian_facility_id"), .counterparty = "found without an owner",
                       .place = lc_str(b, "place"), .has_place = true, .lon = lon, .lat = lat,
                       .note = lc_str(b, "description"), .user = req->user_name, .no_opening = true};
    lifecycle_result res;
    json_t *evb = json_pack("{s:s, s:s, s:f, s:f, s:[I]}", "kind", "orphan_found", "occurred_at", lc_str(b, "found_on"),
                            "lon", lon, "lat", lat, "source_ids", (json_int_t)sid);
    if (lc_str(b, "place"))
        json_object_set_new(evb, "place", json_string(lc_str(b, "place")));
    json_object_set_new(evb, "severity", json_string(lc_str(b, "severity") ? lc_str(b, "severity") : "high"));
    if (lc_str(b, "description"))
        json_object_set_new(evb, "description", json_string(lc_str(b, "description")));
    json_object_set_new(evb, "facility_id", json_integer(lc_int(b, "custodian_facility_id")));
    int ok = lifecycle_record(db, &tx, today, &res, err) == 0 && insert_event(db, evb, req->user_name, &eid, err) == 0 &&
             features_render_one(db, coll_find("sources"), sid, VIS_FULL, today, NULL, &after, NULL, err) > 0 &&
             render_event(db, eid, &ev, err) > 0 &&
             audit_append(db, req->user_name, "create", "sources", sid, NULL, NULL, after.data, err) == 0 &&
             audit_append(db, req->user_name, "create", "events", eid, NULL, NULL, ev.data, err) == 0;
    json_decref(evb);
    if (!ok) {
        lc_end(req, db, false, NULL);
        goto done;
    }
    if (lc_end(req, db, true, err) < 0)
        goto done;
    buf_puts(&req->out, "{\"source\":");
    buf_append(&req->out, after.data, after.len);
    buf_puts(&req->out, ",\"event\":");
    buf_append(&req->out, ev.data, ev.len);
    buf_putc(&req->out, '}');
    req->no_etag = true;
    http_reply(req, 201, "application/json");
    rc = 0;
done:
    json_decref(b);
    buf_free(&after);
    buf_free(&ev);
    free(e);
    return rc;
}
