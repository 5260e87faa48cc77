/*
 * licensing_fee: the appraisal fee of a dossier, computed from its procedure's fee rule (data an
 * admin edits, never a rule in code). Rules, as JSON:
 *   {"kind":"none"}                                 no fee (declarations);
 *   {"kind":"fixed","vnd":500000}                   a fixed fee, or per person ("per":"person");
 *   {"kind":"per_device","schedule":"xray"}         the sum over the devices applied for of the
 *                                                   schedule's fee for each device type;
 *   {"kind":"percent_of","procedure":"k","percent":75}  a share of the fee procedure k would
 *                                                   charge for the same dossier (renewals: 75%);
 *   {"kind":"unknown"}                              not known: the fee is null.
 * Devices applied for are the dossier's own list; without one, the devices in use at its facility.
 * A device whose type the schedule does not price makes the fee incomplete (null), with the
 * devices listed. Schedules are versioned (GET and PUT /fee-schedules/{schedule}): a dossier is
 * priced with the version in force on the day it was received.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/edit_int.h"
#include "api/licensing_int.h"
#include "core/date.h"
#include "db/audit.h"

typedef struct fee_calc {
    bool known;
    int64_t vnd;
    char note[256];
} fee_calc;

/* Fee of rule for dossier d; items (may be NULL) receives the per-device lines. depth bounds
 * percent_of chains. */
static int fee_of(db_conn *db, const lic_dossier *d, const char *rule_text, int depth, json_writer *items,
                  fee_calc *out, rm_error *err)
{
    memset(out, 0, sizeof *out);
    json_t *rule = json_loads(rule_text ? rule_text : "", 0, NULL);
    const char *kind = json_string_value(json_object_get(rule, "kind"));
    int rc = 0;
    if (!kind || strcmp(kind, "unknown") == 0) {
        snprintf(out->note, sizeof out->note, "the fee of this procedure is not known");
    } else if (strcmp(kind, "none") == 0) {
        out->known = true;
    } else if (strcmp(kind, "fixed") == 0) {
        json_int_t vnd = json_integer_value(json_object_get(rule, "vnd"));
        const char *per = json_string_value(json_object_get(rule, "per"));
        out->known = true;
        out->vnd = per && strcmp(per, "person") == 0 ? vnd * (d->persons > 0 ? d->persons : 1) : vnd;
    } else if (strcmp(kind, "per_device") == 0) {
        const char *schedule = json_string_value(json_object_get(rule, "schedule"));
        sqlite3_stmt *st = db_stmt(db,
            "SELECT dv.id, dv.type, (SELECT fs.fee_vnd FROM fee_schedule fs WHERE fs.schedule = ?2 AND fs.item = dv.type "
            "AND fs.valid_from <= ?4 ORDER BY fs.valid_from DESC LIMIT 1) FROM device dv WHERE dv.id IN (SELECT "
            "device_id FROM dossier_device WHERE dossier_id = ?1) OR (NOT EXISTS (SELECT 1 FROM dossier_device WHERE "
            "dossier_id = ?1) AND dv.facility_id = ?3 AND dv.status = 'in_use') ORDER BY dv.id", err);
        if (!st) {
            rc = -1;
            goto cleanup;
        }
        sqlite3_bind_int64(st, 1, d->id);
        sqlite3_bind_text(st, 2, schedule ? schedule : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, d->facility_id);
        char day[11];
        date_format(d->received != LIC_NONE ? cal_day_of(d->received) : date_today(), day);
        sqlite3_bind_text(st, 4, day, -1, SQLITE_TRANSIENT);
        out->known = true;
        int n = 0, unpriced = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
            n++;
            bool priced = sqlite3_column_type(st, 2) != SQLITE_NULL;
            if (priced)
                out->vnd += sqlite3_column_int64(st, 2);
            else
                unpriced++;
            if (items) {
                json_obj_begin(items);
                json_kv_int(items, "device_id", sqlite3_column_int64(st, 0));
                json_kv_str(items, "type", (const char *)sqlite3_column_text(st, 1));
                json_key(items, "fee_vnd");
                if (priced)
                    json_int(items, sqlite3_column_int64(st, 2));
                else
                    json_write_null(items);
                json_obj_end(items);
            }
        }
        db_stmt_done(st);
        if (!n) {
            out->known = false;
            snprintf(out->note, sizeof out->note, "the fee is per device and the dossier names no device");
        } else if (unpriced) {
            out->known = false;
            snprintf(out->note, sizeof out->note, "%d device(s) of a type the %s fee schedule does not price",
                     unpriced, schedule ? schedule : "");
        }
    } else if (strcmp(kind, "percent_of") == 0) {
        const char *key = json_string_value(json_object_get(rule, "procedure"));
        double pct = json_number_value(json_object_get(rule, "percent"));
        lic_proc base;
        int32_t day = d->received != LIC_NONE ? cal_day_of(d->received) : 0;
        int found = key && depth < 3 ? lic_proc_in_force(db, key, day, &base, err) : 0;
        if (found < 0) {
            rc = -1;
            goto cleanup;
        }
        if (!found) {
            snprintf(out->note, sizeof out->note, "the procedure the fee refers to (%s) does not exist", key ? key : "");
        } else {
            fee_calc b;
            if (fee_of(db, d, base.fee_rule, depth + 1, items, &b, err) < 0) {
                rc = -1;
                goto cleanup;
            }
            out->known = b.known;
            out->vnd = (int64_t)llround((double)b.vnd * pct / 100.0);
            snprintf(out->note, sizeof out->note, "%g%% of the fee of %.60s%s%.120s", pct, key,
                     b.note[0] ? ": " : "", b.note);
        }
    } else {
        snprintf(out->note, sizeof out->note, "unknown fee rule kind %s", kind);
    }
cleanup:
    json_decref(rule);
    return rc;
}

int lic_fee_write(json_writer *w, db_conn *db, const lic_dossier *d, rm_error *err)
{
    lic_proc p;
    int found = d->procedure_id ? lic_proc_by_id(db, d->procedure_id, &p, err) : 0;
    if (found < 0)
        return -1;
    buf items = BUF_INIT;
    json_writer iw;
    json_init(&iw, &items);
    json_arr_begin(&iw);
    fee_calc f = {0};
    if (found && fee_of(db, d, p.fee_rule, 0, &iw, &f, err) < 0) {
        buf_free(&items);
        return -1;
    }
    json_arr_end(&iw);
    json_key(w, "fee_vnd");
    if (found && f.known)
        json_int(w, f.vnd);
    else
        json_write_null(w);
    json_key(w, "fee_rule");
    if (found)
        json_raw(w, p.fee_rule, strlen(p.fee_rule));
    else
        json_write_null(w);
    json_key(w, "fee_items");
    json_raw(w, items.data, items.len);
    json_kv_str(w, "fee_note", !found ? "the procedure is not known" : f.note[0] ? f.note : NULL);
    buf_free(&items);
    return 0;
}

int lic_fee_rule_check(db_conn *db, json_t *rule, char *why, size_t n)
{
    const char *kind = json_string_value(json_object_get(rule, "kind"));
    if (!json_is_object(rule) || !kind) {
        snprintf(why, n, "must be an object with a kind: none, fixed, per_device, percent_of or unknown");
        return -1;
    }
    if (strcmp(kind, "none") == 0 || strcmp(kind, "unknown") == 0)
        return 0;
    if (strcmp(kind, "fixed") == 0) {
        json_t *v = json_object_get(rule, "vnd");
        const char *per = json_string_value(json_object_get(rule, "per"));
        if (!json_is_integer(v) || json_integer_value(v) < 0) {
            snprintf(why, n, "a fixed fee needs vnd, a whole number of đồng >= 0");
            return -1;
        }
        if (json_object_get(rule, "per") && (!per || strcmp(per, "person") != 0)) {
            snprintf(why, n, "per may only be \"person\"");
            return -1;
        }
        return 0;
    }
    if (strcmp(kind, "per_device") == 0) {
        const char *s = json_string_value(json_object_get(rule, "schedule"));
        sqlite3_stmt *st = s ? db_stmt(db, "SELECT 1 FROM fee_schedule WHERE schedule = ? LIMIT 1", NULL) : NULL;
        int ok = 0;
        if (st) {
            sqlite3_bind_text(st, 1, s, -1, SQLITE_TRANSIENT);
            ok = sqlite3_step(st) == SQLITE_ROW;
            db_stmt_done(st);
        }
        if (!ok) {
            snprintf(why, n, "a per-device fee needs schedule, the name of a fee schedule (xray)");
            return -1;
        }
        return 0;
    }
    if (strcmp(kind, "percent_of") == 0) {
        const char *key = json_string_value(json_object_get(rule, "procedure"));
        json_t *pct = json_object_get(rule, "percent");
        lic_proc p;
        if (!key || lic_proc_in_force(db, key, 0, &p, NULL) != 1) {
            snprintf(why, n, "a percentage needs procedure, the key of an existing procedure");
            return -1;
        }
        if (!json_is_number(pct) || json_number_value(pct) <= 0 || json_number_value(pct) > 1000) {
            snprintf(why, n, "a percentage needs percent, a number above 0 and at most 1000");
            return -1;
        }
        return 0;
    }
    snprintf(why, n, "unknown kind '%.40s'; kinds: none, fixed, per_device, percent_of, unknown", kind);
    return -1;
}

/* ---- GET and PUT /fee-schedules/{schedule} -------------------------------------------------------- */

/* The rows of a schedule in force on `date` (priced or not) as {"item": ..., "fee_vnd": ...} objects. */
static int write_schedule(json_writer *w, db_conn *db, const char *schedule, const char *date, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT f.item, f.fee_vnd, f.note, f.valid_from, f.created_by FROM fee_schedule f "
                                    "WHERE f.schedule = ?1 AND f.valid_from = (SELECT max(x.valid_from) FROM fee_schedule "
                                    "x WHERE x.schedule = f.schedule AND x.item = f.item AND x.valid_from <= ?2) ORDER BY "
                                    "f.item", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, schedule, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
    json_obj_begin(w);
    json_kv_str(w, "schedule", schedule);
    json_kv_str(w, "at", date);
    json_key(w, "items");
    json_arr_begin(w);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_obj_begin(w);
        json_kv_str(w, "item", (const char *)sqlite3_column_text(st, 0));
        json_key(w, "fee_vnd");
        sqlite3_column_type(st, 1) == SQLITE_NULL ? json_write_null(w) : json_int(w, sqlite3_column_int64(st, 1));
        json_kv_str(w, "note", (const char *)sqlite3_column_text(st, 2));
        json_kv_str(w, "valid_from", (const char *)sqlite3_column_text(st, 3));
        json_kv_str(w, "created_by", (const char *)sqlite3_column_text(st, 4));
        json_obj_end(w);
    }
    db_stmt_done(st);
    json_arr_end(w);
    json_obj_end(w);
    return 0;
}

/* The latest valid_from of a schedule ("" when it has no rows). */
static void schedule_latest(db_conn *db, const char *schedule, char out[11])
{
    out[0] = 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT max(valid_from) FROM fee_schedule WHERE schedule = ?", NULL);
    if (!st)
        return;
    sqlite3_bind_text(st, 1, schedule, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, 11, "%s", (const char *)sqlite3_column_text(st, 0));
    db_stmt_done(st);
}

int api_fee_schedule(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"at", NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    int32_t day = date_today();
    const char *at = http_query(req, "at");
    if (at && date_parse(at, &day) < 0)
        return rm_error_set(err, 400, "Invalid parameter", "at must be a date YYYY-MM-DD");
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    char date[11], latest[11];
    date_format(day, date);
    schedule_latest(db, req->path_params[0], latest);
    if (!latest[0])
        return rm_error_set(err, 404, "Not Found", "no fee schedule %.60s (the shipped one is xray)", req->path_params[0]);
    json_writer w;
    json_init(&w, &req->out);
    if (write_schedule(&w, db, req->path_params[0], date, err) < 0)
        return -1;
    snprintf(req->etag, sizeof req->etag, "\"v%s\"", latest);
    http_reply(req, 200, "application/json");
    return 0;
}

/* A new version of a schedule from valid_from: the items listed with their fees; items priced before
 * and not listed are no longer priced from that day. Dossiers received earlier keep their prices. */
int api_fee_schedule_put(http_request *req, rm_error *err)
{
    char schedule[64];
    snprintf(schedule, sizeof schedule, "%s", req->path_params[0]);
    if (!http_header(req, "If-Match"))
        return rm_error_set(err, 428, "Precondition Required", "send If-Match with the ETag of GET /fee-schedules/%s "
                            "(\"v\" for a new schedule)", schedule);
    json_t *body = lic_json_body(req, err);
    if (!body)
        return -1;
    int rc = -1;
    db_conn *db = NULL;
    buf before = BUF_INIT, after = BUF_INIT;
    edit_errors *e = calloc(1, sizeof *e);
    if (!e) {
        rm_error_set(err, 500, "Out of memory", "editing a fee schedule");
        goto cleanup;
    }
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v) if (strcmp(k, "items") != 0 && strcmp(k, "valid_from") != 0)
        add_error(e, k, "is not a field; fields: valid_from, items");
    char valid_from[11];
    date_format(date_today(), valid_from);
    int32_t vday;
    json_t *vf = json_object_get(body, "valid_from");
    if (vf && (!json_is_string(vf) || date_parse(json_string_value(vf), &vday) < 0))
        add_error(e, "valid_from", "must be a date YYYY-MM-DD");
    else if (vf)
        snprintf(valid_from, sizeof valid_from, "%s", json_string_value(vf));
    json_t *items = json_object_get(body, "items");
    if (!json_is_array(items) || json_array_size(items) > 200)
        add_error(e, "items", "must be an array of at most 200 {item, fee_vnd, note}");
    size_t i;
    json_t *x;
    json_array_foreach(items, i, x) {
        char f[32];
        snprintf(f, sizeof f, "items[%zu]", i);
        const char *item = json_string_value(json_object_get(x, "item"));
        json_t *fee = json_object_get(x, "fee_vnd");
        if (!item || !*item || strlen(item) > 40)
            add_error(e, f, "needs item, a device type or other key of at most 40 bytes");
        if (!json_is_integer(fee) || json_integer_value(fee) < 0)
            add_error(e, f, "needs fee_vnd, a whole number of đồng >= 0");
        for (size_t j = 0; j < i && item; j++) {
            const char *other = json_string_value(json_object_get(json_array_get(items, j), "item"));
            if (other && strcmp(other, item) == 0)
                add_error(e, f, "%s is listed twice", item);
        }
    }
    if (!(db = lic_write_begin(req, err)))
        goto cleanup;
    char latest[11];
    schedule_latest(db, schedule, latest);
    char want[32];
    snprintf(want, sizeof want, "\"v%s\"", latest);
    const char *im = http_header(req, "If-Match");
    if (im && strcmp(im, "*") != 0 && strcmp(im, want) != 0) {
        rm_error_set(err, 412, "Precondition Failed", "the schedule changed since you read it (now %s)", want);
        goto rollback;
    }
    if (latest[0] && strcmp(valid_from, latest) <= 0)
        add_error(e, "valid_from", "must be after %s, the date of the schedule's latest version", latest);
    if (e->n) {
        lic_write_end(req, db, false, NULL);
        db = NULL;
        rc = reply_invalid(req, e);
        goto cleanup;
    }
    json_writer bw;
    json_init(&bw, &before);
    if (write_schedule(&bw, db, schedule, valid_from, err) < 0)
        goto rollback;
    /* Unlisted items stop being priced; listed ones get their new fee. */
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO fee_schedule(schedule, item, valid_from, fee_vnd, created_by) SELECT DISTINCT "
                                    "schedule, item, ?2, NULL, ?3 FROM fee_schedule WHERE schedule = ?1", err);
    if (!st)
        goto rollback;
    sqlite3_bind_text(st, 1, schedule, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, valid_from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, req->user_name, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    json_array_foreach(items, i, x) {
        if (s != SQLITE_DONE)
            break;
        st = db_stmt(db, "INSERT OR REPLACE INTO fee_schedule(schedule, item, valid_from, fee_vnd, note, created_by) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", err);
        if (!st)
            goto rollback;
        const char *note = json_string_value(json_object_get(x, "note"));
        sqlite3_bind_text(st, 1, schedule, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, json_string_value(json_object_get(x, "item")), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, valid_from, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, json_integer_value(json_object_get(x, "fee_vnd")));
        note ? sqlite3_bind_text(st, 5, note, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, 5);
        sqlite3_bind_text(st, 6, req->user_name, -1, SQLITE_TRANSIENT);
        s = sqlite3_step(st);
        db_stmt_done(st);
    }
    if (s != SQLITE_DONE) {
        db_error(db, err, 500, "writing the fee schedule");
        goto rollback;
    }
    json_writer aw;
    json_init(&aw, &after);
    if (write_schedule(&aw, db, schedule, valid_from, err) < 0 ||
        audit_append(db, req->user_name, "new_version", "fee_schedules", 0, NULL, before.data, after.data, err) < 0)
        goto rollback;
    if (lic_write_end(req, db, true, err) < 0) {
        db = NULL;
        goto cleanup;
    }
    db = NULL;
    buf_append(&req->out, after.data, after.len);
    char etag[32];
    snprintf(etag, sizeof etag, "\"v%s\"", valid_from);
    http_set_header(req, "ETag", etag);
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
