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
 * devices listed.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/licensing_int.h"

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
            "SELECT dv.id, dv.type, fs.fee_vnd FROM device dv LEFT JOIN fee_schedule fs ON fs.schedule = ?2 AND "
            "fs.item = dv.type WHERE dv.id IN (SELECT device_id FROM dossier_device WHERE dossier_id = ?1) OR "
            "(NOT EXISTS (SELECT 1 FROM dossier_device WHERE dossier_id = ?1) AND dv.facility_id = ?3 AND "
            "dv.status = 'in_use') ORDER BY dv.id", err);
        if (!st) {
            rc = -1;
            goto cleanup;
        }
        sqlite3_bind_int64(st, 1, d->id);
        sqlite3_bind_text(st, 2, schedule ? schedule : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, d->facility_id);
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
