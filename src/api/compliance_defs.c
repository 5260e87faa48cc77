/*
 * compliance_defs: the plain JSON resources of compliance and people as descriptors for the
 * engine of compliance_res.c (fields, validation, defaults, what a write changes on the map), and
 * the route handlers that bind them to their URLs:
 *
 *   /facilities/{id}/rooms        /rooms/{id}          /rooms/{id}/area-surveys   /area-surveys/{id}
 *   /devices/{id}/qc-tests        /qc-tests/{id}       /facilities/{id}/documents /documents/{id}
 *   /inspections/{id}/findings    /findings/{id}
 *   /persons/{id}/roles           /person-roles/{id}   /persons/{id}/trainings    /trainings/{id}
 *   /persons/{id}/health-checks   /health-checks/{id}  /persons/{id}/doses (POST) /dose-records/{id}
 *
 * Defaults written on the document win; when a certificate or check states none, the default
 * comes from compliance_setting (and, for QC tests, the device type's interval).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/compliance_int.h"
#include "core/compliance_rules.h"
#include "core/date.h"
#include "core/fold.h"
#include "db/audit.h"

#define NO_RANGE 0, 0
#define TEXT(name, len) {{name, name, PROP_TEXT, false, len, NO_RANGE, NULL, NULL, NULL, RULE_NONE}, 0}
#define TEXT_REQ(name, len) {{name, name, PROP_TEXT, true, len, NO_RANGE, NULL, NULL, NULL, RULE_NONE}, 0}
#define DATE(name, flags) {{name, name, PROP_TEXT, false, 10, NO_RANGE, NULL, NULL, NULL, RULE_NONE}, CF_DATE | (flags)}
#define DATE_REQ(name, flags) {{name, name, PROP_TEXT, true, 10, NO_RANGE, NULL, NULL, NULL, RULE_NONE}, CF_DATE | (flags)}
#define ENUM(name, req, values) {{name, name, PROP_TEXT, req, 40, NO_RANGE, values, NULL, NULL, RULE_NONE}, 0}
#define REAL(name, lo, hi) {{name, name, PROP_REAL, false, 0, lo, hi, NULL, NULL, NULL, RULE_NONE}, 0}
#define END {{NULL, NULL, 0, false, 0, NO_RANGE, NULL, NULL, NULL, RULE_NONE}, 0}

static const char *const pass_fail[] = {"pass", "fail", NULL};
static const char *const room_status[] = {"in_use", "closed", NULL};
static const char *const fitness[] = {"fit", "fit_with_restrictions", "unfit", NULL};
static const char *const roles[] = {"radiation_worker", "safety_officer", NULL};
static const char *const severities[] = {"observation", "non_compliance", "violation", NULL};
static const char *const item_kinds[] = {"declaration", "qc_test", "room", "shielding", "area_survey", "safety_officer",
                                         "worker_certificate", "training", "health_check", "dose_monitoring",
                                         "document", "other", NULL};

/* ---- small helpers of the hooks ---------------------------------------------------------------- */

static bool val_date(json_t *vals, const char *key, int32_t *day)
{
    const char *s = json_string_value(json_object_get(vals, key));
    return s && date_parse(s, day) == 0;
}

static void set_date(json_t *vals, const char *key, int32_t day)
{
    char d[11];
    date_format(day, d);
    json_object_set_new(vals, key, json_string(d));
}

static bool val_absent(json_t *vals, const char *key)
{
    json_t *v = json_object_get(vals, key);
    return !v || json_is_null(v);
}

static void set_default(json_t *vals, const char *key, json_t *value)
{
    if (val_absent(vals, key))
        json_object_set(vals, key, value);
    json_decref(value);
}

/* A whole number from one row of sql with ?1 = a (and ?2 = b when b is not 0); def when none. */
static int64_t sql_int(db_conn *db, const char *sql, int64_t a, int64_t b, int64_t def, rm_error *err, int *rc)
{
    sqlite3_stmt *st = db_stmt(db, sql, err);
    if (!st) {
        *rc = -1;
        return def;
    }
    sqlite3_bind_int64(st, 1, a);
    if (b)
        sqlite3_bind_int64(st, 2, b);
    int s = sqlite3_step(st);
    int64_t v = s == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL ? sqlite3_column_int64(st, 0) : def;
    db_stmt_done(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        *rc = db_error(db, err, 500, "checking a record");
    return v;
}

/* ---- rooms ---------------------------------------------------------------------------------------- */

static const cres_field room_fields[] = {
    TEXT_REQ("name", 100), TEXT("location", 200), TEXT("shielding", 2000), REAL("area_m2", 0.1, 10000),
    ENUM("status", false, room_status), TEXT("note", 2000), END,
};

static int room_complete(db_conn *db, const cres_def *def, json_t *vals, int64_t parent, int64_t id, int32_t today,
                         edit_errors *e, rm_error *err)
{
    set_default(vals, "status", json_string("in_use"));
    const char *name = json_string_value(json_object_get(vals, "name"));
    if (!name)
        return 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT id FROM room WHERE facility_id = ?1 AND name = ?2 AND id <> ?3", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, parent);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, id);
    int64_t other = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    db_stmt_done(st);
    if (other)
        add_error(e, "name", "facility %lld already has room %lld named \"%.100s\"", (long long)parent,
                  (long long)other, name);
    return 0;
}

/* A renamed room keeps its devices: their room names follow (one audit row per device). */
static int room_after_write(db_conn *db, int64_t id, json_t *before, json_t *after, const char *user, rm_error *err)
{
    if (!before)
        return 0;
    const char *old = json_string_value(json_object_get(before, "name"));
    const char *now = json_string_value(json_object_get(after, "name"));
    if (!old || !now || strcmp(old, now) == 0)
        return 0;
    int64_t fac = json_integer_value(json_object_get(after, "facility_id"));
    const coll_def *devices = coll_find("devices");
    sqlite3_stmt *st = db_stmt(db, "SELECT id FROM device WHERE facility_id = ?1 AND room = ?2", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, fac);
    sqlite3_bind_text(st, 2, old, -1, SQLITE_TRANSIENT);
    int64_t ids[256];
    int n = 0;
    while (n < 256 && sqlite3_step(st) == SQLITE_ROW)
        ids[n++] = sqlite3_column_int64(st, 0);
    db_stmt_done(st);
    int32_t today = date_today();
    for (int i = 0; i < n; i++) {
        buf b = BUF_INIT, a = BUF_INIT;
        int rc = devices ? features_render_one(db, devices, ids[i], VIS_FULL, today, NULL, &b, NULL, err) : 0;
        sqlite3_stmt *u = rc >= 0 ? db_stmt(db, "UPDATE device SET room = ?2, version = version + 1, updated_at = "
                                                "strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1", err) : NULL;
        if (u) {
            sqlite3_bind_int64(u, 1, ids[i]);
            sqlite3_bind_text(u, 2, now, -1, SQLITE_TRANSIENT);
            rc = sqlite3_step(u) == SQLITE_DONE ? 0 : db_error(db, err, 500, "renaming the devices' room");
            db_stmt_done(u);
        } else {
            rc = -1;
        }
        if (rc >= 0 && devices)
            rc = features_render_one(db, devices, ids[i], VIS_FULL, today, NULL, &a, NULL, err);
        if (rc >= 0)
            rc = audit_append(db, user, "update", "devices", ids[i], NULL, b.len ? b.data : NULL,
                              a.len ? a.data : NULL, err);
        buf_free(&b);
        buf_free(&a);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int room_before_delete(db_conn *db, int64_t id, rm_error *err)
{
    int rc = 0;
    int64_t n = sql_int(db, "SELECT count(*) FROM area_survey WHERE room_id = ?1", id, 0, 0, err, &rc);
    if (rc < 0)
        return -1;
    if (n)
        return rm_error_set(err, 409, "Conflict", "room %lld has %lld area surveys on record; mark it closed "
                            "(status closed) instead of deleting it", (long long)id, (long long)n);
    return 0;
}

const cres_def cmp_rooms = {
    "rooms", "room", "room", "facility_id", "facility", "SELECT 1 FROM facility WHERE id = ?", room_fields, NULL,
    "name, id", NULL, "SELECT facility_id FROM room WHERE id = ?1", room_complete, room_after_write,
    room_before_delete, NULL,
};

/* ---- QC tests ------------------------------------------------------------------------------------- */

static const cres_field qc_fields[] = {
    DATE_REQ("test_date", CF_NOT_FUTURE), TEXT_REQ("organization", 300), TEXT("certificate_no", 100),
    ENUM("result", true, pass_fail), DATE("expires", 0), TEXT("note", 2000), END,
};

static int qc_complete(db_conn *db, const cres_def *def, json_t *vals, int64_t parent, int64_t id, int32_t today,
                       edit_errors *e, rm_error *err)
{
    int32_t test, exp;
    if (!val_date(vals, "test_date", &test))
        return 0;
    const char *result = json_string_value(json_object_get(vals, "result"));
    bool has_exp = val_date(vals, "expires", &exp);
    if (result && strcmp(result, "fail") == 0) {
        if (has_exp)
            add_error(e, "expires", "a failed test certifies nothing: leave expires empty");
        return 0;
    }
    if (has_exp) {
        if (exp < test)
            add_error(e, "expires", "must not be before test_date");
        return 0;
    }
    int rc = 0;
    int64_t months = sql_int(db, "SELECT dt.qc_interval_months FROM device d JOIN device_type_compliance dt "
                                 "ON dt.type = d.type WHERE d.id = ?1", parent, 0, 0, err, &rc);
    if (rc < 0)
        return -1;
    if (months <= 0)
        months = (int64_t)cmp_setting(db, "qc_interval_months", 12);
    set_date(vals, "expires", cr_expiry_default(test, (int)months));
    return 0;
}

const cres_def cmp_qc_tests = {
    "qc-tests", "QC test", "qc_test", "device_id", "device", "SELECT 1 FROM device WHERE id = ?", qc_fields, NULL,
    "test_date DESC, id DESC", NULL,
    "SELECT d.facility_id FROM qc_test q JOIN device d ON d.id = q.device_id WHERE q.id = ?1", qc_complete, NULL,
    NULL, NULL,
};

/* ---- area surveys ------------------------------------------------------------------------------- */

static const cres_field survey_fields[] = {
    DATE_REQ("survey_date", CF_NOT_FUTURE), TEXT_REQ("organization", 300), TEXT("report_no", 100),
    REAL("max_worker_usv_h", 0, 1e6), REAL("max_public_usv_h", 0, 1e6), ENUM("result", true, pass_fail),
    DATE("next_due", 0), TEXT("note", 2000), END,
};

/* Default next due date: `months_key` months after the date in `date_key`; next due must follow it. */
static int next_due_default(db_conn *db, json_t *vals, const char *date_key, const char *months_key, edit_errors *e)
{
    int32_t d, due;
    if (!val_date(vals, date_key, &d))
        return 0;
    if (val_date(vals, "next_due", &due)) {
        if (due <= d)
            add_error(e, "next_due", "must be after %s", date_key);
        return 0;
    }
    set_date(vals, "next_due", cr_add_months(d, (int)cmp_setting(db, months_key, 12)));
    return 0;
}

static int survey_complete(db_conn *db, const cres_def *def, json_t *vals, int64_t parent, int64_t id, int32_t today,
                           edit_errors *e, rm_error *err)
{
    return next_due_default(db, vals, "survey_date", "area_survey_interval_months", e);
}

const cres_def cmp_area_surveys = {
    "area-surveys", "area survey", "area_survey", "room_id", "room", "SELECT 1 FROM room WHERE id = ?", survey_fields,
    NULL, "survey_date DESC, id DESC", NULL,
    "SELECT r.facility_id FROM area_survey s JOIN room r ON r.id = s.room_id WHERE s.id = ?1", survey_complete, NULL,
    NULL, NULL,
};

/* ---- facility documents ----------------------------------------------------------------------- */

static const cres_field document_fields[] = {
    {{"kind", "kind", PROP_TEXT, true, 40, NO_RANGE, NULL, "SELECT key FROM document_kind ORDER BY seq, key", NULL,
      RULE_NONE}, CF_FIXED},
    TEXT("title", 300), DATE_REQ("received", CF_NOT_FUTURE), DATE("period_start", 0), DATE("period_end", 0),
    TEXT("version_label", 60), TEXT("approval_ref", 100),
    {{"authorization_id", "authorization_id", PROP_INT, false, 0, 1, 9e15, NULL, NULL,
      "SELECT 1 FROM authorization WHERE id = ?", RULE_NONE}, 0},
    DATE("next_due", 0), TEXT("note", 2000), END,
};

static int document_complete(db_conn *db, const cres_def *def, json_t *vals, int64_t parent, int64_t id,
                             int32_t today, edit_errors *e, rm_error *err)
{
    int32_t a, b, received, due;
    bool has_a = val_date(vals, "period_start", &a), has_b = val_date(vals, "period_end", &b);
    if (has_a != has_b)
        add_error(e, has_a ? "period_end" : "period_start", "the period covered needs both its start and its end");
    else if (has_a && b < a)
        add_error(e, "period_end", "must not be before period_start");
    json_t *auth = json_object_get(vals, "authorization_id");
    if (json_is_integer(auth)) {
        sqlite3_stmt *st = db_stmt(db, "SELECT facility_id, kind FROM authorization WHERE id = ?", err);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, json_integer_value(auth));
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) != parent)
            add_error(e, "authorization_id", "authorization %lld is of facility %lld, not %lld",
                      (long long)json_integer_value(auth), (long long)sqlite3_column_int64(st, 0), (long long)parent);
        db_stmt_done(st);
    }
    if (!val_date(vals, "received", &received))
        return 0;
    if (val_date(vals, "next_due", &due)) {
        if (due <= received)
            add_error(e, "next_due", "must be after received");
        return 0;
    }
    const char *kind = json_string_value(json_object_get(vals, "kind"));
    int rc = 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT interval_months FROM document_kind WHERE key = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, kind ? kind : "", -1, SQLITE_TRANSIENT);
    int64_t months = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    db_stmt_done(st);
    if (months > 0)
        set_date(vals, "next_due", cr_add_months(received, (int)months));
    return rc;
}

const cres_def cmp_documents = {
    "documents", "document", "facility_document", "facility_id", "facility", "SELECT 1 FROM facility WHERE id = ?",
    document_fields, NULL, "received DESC, id DESC", NULL, "SELECT facility_id FROM facility_document WHERE id = ?1",
    document_complete, NULL, NULL, NULL,
};

/* ---- inspection findings --------------------------------------------------------------------------- */

static const cres_field finding_fields[] = {
    ENUM("item_kind", true, item_kinds),
    {{"subject_id", "subject_id", PROP_INT, false, 0, 1, 9e15, NULL, NULL, NULL, RULE_NONE}, 0},
    {{"document_kind", "document_kind", PROP_TEXT, false, 40, NO_RANGE, NULL,
      "SELECT key FROM document_kind ORDER BY seq, key", NULL, RULE_NONE}, 0},
    {{"record_id", "record_id", PROP_INT, false, 0, 1, 9e15, NULL, NULL, NULL, RULE_NONE}, 0},
    ENUM("severity", false, severities), TEXT_REQ("description", 4000), TEXT("corrective_action", 4000),
    DATE("due", 0), DATE("closed_on", CF_NOT_FUTURE), END,
};

/* What a finding's subject must be, by item kind: the SQL (?1 subject, ?2 facility) that finds it
 * at the inspected facility, and the table a record_id must be in (?1 record, ?2 subject). */
static const struct {
    const char *kind, *noun, *subject_sql, *record_sql;
} finding_items[] = {
    {"declaration", "device", "SELECT 1 FROM device WHERE id = ?1 AND facility_id = ?2",
     "SELECT 1 FROM authorization WHERE id = ?1 AND device_id = ?2"},
    {"qc_test", "device", "SELECT 1 FROM device WHERE id = ?1 AND facility_id = ?2",
     "SELECT 1 FROM qc_test WHERE id = ?1 AND device_id = ?2"},
    {"room", "device", "SELECT 1 FROM device WHERE id = ?1 AND facility_id = ?2",
     "SELECT 1 FROM room r JOIN device d ON d.facility_id = r.facility_id WHERE r.id = ?1 AND d.id = ?2"},
    {"shielding", "room", "SELECT 1 FROM room WHERE id = ?1 AND facility_id = ?2", "SELECT 1 WHERE ?1 = ?2"},
    {"area_survey", "room", "SELECT 1 FROM room WHERE id = ?1 AND facility_id = ?2",
     "SELECT 1 FROM area_survey WHERE id = ?1 AND room_id = ?2"},
    {"worker_certificate", "person", "SELECT 1 FROM person_role WHERE person_id = ?1 AND facility_id = ?2",
     "SELECT 1 FROM person_authorization WHERE id = ?1 AND person_id = ?2"},
    {"training", "person", "SELECT 1 FROM person_role WHERE person_id = ?1 AND facility_id = ?2",
     "SELECT 1 FROM training_record WHERE id = ?1 AND person_id = ?2"},
    {"health_check", "person", "SELECT 1 FROM person_role WHERE person_id = ?1 AND facility_id = ?2",
     "SELECT 1 FROM health_check WHERE id = ?1 AND person_id = ?2"},
    {"dose_monitoring", "person", "SELECT 1 FROM person_role WHERE person_id = ?1 AND facility_id = ?2",
     "SELECT 1 FROM dose_record WHERE id = ?1 AND person_id = ?2"},
    {NULL, NULL, NULL, NULL},
};

static int finding_complete(db_conn *db, const cres_def *def, json_t *vals, int64_t parent, int64_t id,
                            int32_t today, edit_errors *e, rm_error *err)
{
    set_default(vals, "severity", json_string("non_compliance"));
    const char *kind = json_string_value(json_object_get(vals, "item_kind"));
    if (!kind)
        return 0;
    int rc = 0;
    int64_t fac = sql_int(db, "SELECT facility_id FROM inspection WHERE id = ?1", parent, 0, 0, err, &rc);
    if (rc < 0)
        return -1;
    json_t *sv = json_object_get(vals, "subject_id"), *rv = json_object_get(vals, "record_id");
    int64_t subject = json_is_integer(sv) ? json_integer_value(sv) : 0;
    int64_t record = json_is_integer(rv) ? json_integer_value(rv) : 0;
    bool is_doc = strcmp(kind, "document") == 0;
    if (is_doc && val_absent(vals, "document_kind"))
        add_error(e, "document_kind", "is required for a document finding");
    else if (!is_doc && !val_absent(vals, "document_kind"))
        add_error(e, "document_kind", "only a document finding names a document kind");
    if (strcmp(kind, "safety_officer") == 0) {
        if (subject && subject != fac)
            add_error(e, "subject_id", "a safety-officer finding is about the inspected facility %lld", (long long)fac);
        json_object_set_new(vals, "subject_id", json_integer(fac));
        return 0;
    }
    if (is_doc) {
        if (subject && subject != fac)
            add_error(e, "subject_id", "a document finding is about the inspected facility %lld", (long long)fac);
        json_object_set_new(vals, "subject_id", json_integer(fac));
        if (record && !sql_int(db, "SELECT 1 FROM facility_document WHERE id = ?1 AND facility_id = ?2", record, fac,
                               0, err, &rc))
            add_error(e, "record_id", "document %lld is not a document of facility %lld", (long long)record,
                      (long long)fac);
        return rc;
    }
    if (strcmp(kind, "other") == 0)
        return 0;
    for (int i = 0; finding_items[i].kind; i++) {
        if (strcmp(finding_items[i].kind, kind) != 0)
            continue;
        if (!subject) {
            add_error(e, "subject_id", "is required: the %s the %s finding is about", finding_items[i].noun, kind);
            return 0;
        }
        if (!sql_int(db, finding_items[i].subject_sql, subject, fac, 0, err, &rc) && rc == 0)
            add_error(e, "subject_id", "%s %lld is not at the inspected facility %lld", finding_items[i].noun,
                      (long long)subject, (long long)fac);
        else if (record && rc == 0 && !sql_int(db, finding_items[i].record_sql, record, subject, 0, err, &rc) &&
                 rc == 0)
            add_error(e, "record_id", "record %lld is not a %s record of %s %lld", (long long)record, kind,
                      finding_items[i].noun, (long long)subject);
        return rc;
    }
    return 0;
}

const cres_def cmp_findings = {
    "findings", "finding", "inspection_finding", "inspection_id", "inspection",
    "SELECT 1 FROM inspection WHERE id = ?", finding_fields, NULL, "id", NULL, NULL, finding_complete, NULL, NULL, NULL,
};

/* ---- persons ------------------------------------------------------------------------------------- */

static const cres_field person_fields[] = {
    TEXT_REQ("full_name", 200), DATE("birth_date", CF_NOT_FUTURE),
    {{"identity_no", "identity_no", PROP_TEXT, false, 20, NO_RANGE, NULL, NULL, NULL, RULE_CODE}, CF_IDENTITY},
    TEXT("phone", 40), {{"email", "email", PROP_TEXT, false, 200, NO_RANGE, NULL, NULL, NULL, RULE_EMAIL}, 0},
    TEXT("address", 300), TEXT("note", 2000),
    {{"name_key", "name_key", PROP_TEXT, false, 0, NO_RANGE, NULL, NULL, NULL, RULE_NONE}, CF_HIDDEN}, END,
};

static int person_complete(db_conn *db, const cres_def *def, json_t *vals, int64_t parent, int64_t id, int32_t today,
                           edit_errors *e, rm_error *err)
{
    const char *name = json_string_value(json_object_get(vals, "full_name"));
    char *key = fold_dup(name ? name : "");
    json_object_set_new(vals, "name_key", json_string(key));
    free(key);
    const char *ident = json_string_value(json_object_get(vals, "identity_no"));
    if (ident && !*ident)
        json_object_set_new(vals, "identity_no", json_null());
    else if (ident) {
        sqlite3_stmt *st = db_stmt(db, "SELECT id FROM person WHERE identity_no = ?1 AND id <> ?2", err);
        if (!st)
            return -1;
        sqlite3_bind_text(st, 1, ident, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, id);
        int64_t other = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        db_stmt_done(st);
        if (other)
            add_error(e, "identity_no", "person %lld has this identity number", (long long)other);
    }
    int32_t born;
    if (val_date(vals, "birth_date", &born) && born < date_from_civil(1900, 1, 1))
        add_error(e, "birth_date", "must be after 1900");
    return 0;
}

/* Dose records are kept until the person is (or would be) 75 and for 30 years after the last one
 * (IAEA GSR Part 3, 3.104); before that a person with dose records cannot be deleted. */
static int person_before_delete(db_conn *db, int64_t id, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT (SELECT count(*) FROM dose_record WHERE person_id = ?1), "
                                    "(SELECT max(period_end) FROM dose_record WHERE person_id = ?1), "
                                    "(SELECT birth_date FROM person WHERE id = ?1)", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int64_t n = 0;
    int32_t last = 0, born = 0;
    bool has_born = false;
    if (sqlite3_step(st) == SQLITE_ROW) {
        n = sqlite3_column_int64(st, 0);
        if (sqlite3_column_text(st, 1))
            date_parse((const char *)sqlite3_column_text(st, 1), &last);
        has_born = sqlite3_column_text(st, 2) && date_parse((const char *)sqlite3_column_text(st, 2), &born) == 0;
    }
    db_stmt_done(st);
    int32_t today = date_today();
    if (n) {
        int32_t keep = cr_add_months(last, 30 * 12);
        if (has_born && cr_add_months(born, 75 * 12) > keep)
            keep = cr_add_months(born, 75 * 12);
        if (!has_born || keep > today) {
            char d[11];
            date_format(keep, d);
            return rm_error_set(err, 409, "Conflict", "person %lld has %lld dose records, kept until %s (age 75 and "
                                "30 years after the last record%s)", (long long)id, (long long)n,
                                has_born ? d : "unknown", has_born ? "" : "; the birth date is not recorded");
        }
    }
    static const char *const children[] = {
        "DELETE FROM dose_record WHERE person_id = ?1", "DELETE FROM health_check WHERE person_id = ?1",
        "DELETE FROM training_record WHERE person_id = ?1", "DELETE FROM person_role WHERE person_id = ?1",
        "DELETE FROM person_certificate WHERE person_id = ?1", NULL};
    for (const char *const *q = children; *q; q++) {
        st = db_stmt(db, *q, err);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, id);
        int s = sqlite3_step(st);
        db_stmt_done(st);
        if (s != SQLITE_DONE)
            return db_error(db, err, 500, "deleting the person's records");
    }
    return 0;
}

const cres_def cmp_persons = {
    "persons", "person", "person", NULL, NULL, NULL, person_fields, NULL, "full_name, id", "id",
    "SELECT facility_id FROM person_role WHERE person_id = ?1", person_complete, NULL, person_before_delete, NULL,
};

/* ---- roles, trainings, health checks ------------------------------------------------------------ */

static const cres_field role_fields[] = {
    {{"facility_id", "facility_id", PROP_INT, true, 0, 1, 9e15, NULL, NULL, "SELECT 1 FROM facility WHERE id = ?",
      RULE_NONE}, 0},
    ENUM("role", true, roles), DATE_REQ("start_date", 0), DATE("end_date", 0), TEXT("job_title", 100),
    TEXT("note", 2000), END,
};

static int role_complete(db_conn *db, const cres_def *def, json_t *vals, int64_t parent, int64_t id, int32_t today,
                         edit_errors *e, rm_error *err)
{
    int32_t a, b;
    if (!val_date(vals, "start_date", &a))
        return 0;
    bool has_b = val_date(vals, "end_date", &b);
    if (has_b && b < a) {
        add_error(e, "end_date", "must not be before start_date");
        return 0;
    }
    const char *role = json_string_value(json_object_get(vals, "role"));
    json_t *fv = json_object_get(vals, "facility_id");
    if (!role || !json_is_integer(fv))
        return 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT id FROM person_role WHERE person_id = ?1 AND facility_id = ?2 AND role = ?3 "
                                    "AND id <> ?4 AND start_date <= coalesce(?6, '9999-12-31') AND "
                                    "coalesce(end_date, '9999-12-31') >= ?5 LIMIT 1", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, parent);
    sqlite3_bind_int64(st, 2, json_integer_value(fv));
    sqlite3_bind_text(st, 3, role, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, id);
    sqlite3_bind_text(st, 5, json_string_value(json_object_get(vals, "start_date")), -1, SQLITE_TRANSIENT);
    if (has_b)
        sqlite3_bind_text(st, 6, json_string_value(json_object_get(vals, "end_date")), -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 6);
    int64_t other = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    db_stmt_done(st);
    if (other)
        add_error(e, "start_date", "overlaps role %lld (the same role at the same facility)", (long long)other);
    return 0;
}

const cres_def cmp_person_roles = {
    "person-roles", "role", "person_role", "person_id", "person", "SELECT 1 FROM person WHERE id = ?", role_fields,
    NULL, "start_date DESC, id DESC", "person_id", "SELECT facility_id FROM person_role WHERE id = ?1", role_complete,
    NULL, NULL, "roles",
};

static const cres_field training_fields[] = {
    TEXT_REQ("course", 200), TEXT("provider", 200), DATE_REQ("completed", CF_NOT_FUTURE), REAL("hours", 0.1, 10000),
    TEXT("certificate_no", 100), DATE("valid_until", 0), TEXT("note", 2000), END,
};

static int training_complete(db_conn *db, const cres_def *def, json_t *vals, int64_t parent, int64_t id,
                             int32_t today, edit_errors *e, rm_error *err)
{
    int32_t a, b;
    if (val_date(vals, "completed", &a) && val_date(vals, "valid_until", &b) && b < a)
        add_error(e, "valid_until", "must not be before completed");
    return 0;
}

const cres_def cmp_trainings = {
    "trainings", "training record", "training_record", "person_id", "person", "SELECT 1 FROM person WHERE id = ?",
    training_fields, NULL, "completed DESC, id DESC", "person_id",
    "SELECT pr.facility_id FROM training_record t JOIN person_role pr ON pr.person_id = t.person_id WHERE t.id = ?1",
    training_complete, NULL, NULL, NULL,
};

static const cres_field health_fields[] = {
    DATE_REQ("check_date", CF_NOT_FUTURE), TEXT("provider", 200), ENUM("result", true, fitness), DATE("next_due", 0),
    TEXT("note", 2000), END,
};

static int health_complete(db_conn *db, const cres_def *def, json_t *vals, int64_t parent, int64_t id, int32_t today,
                           edit_errors *e, rm_error *err)
{
    return next_due_default(db, vals, "check_date", "health_check_interval_months", e);
}

const cres_def cmp_health_checks = {
    "health-checks", "health check", "health_check", "person_id", "person", "SELECT 1 FROM person WHERE id = ?",
    health_fields, NULL, "check_date DESC, id DESC", "person_id",
    "SELECT pr.facility_id FROM health_check h JOIN person_role pr ON pr.person_id = h.person_id WHERE h.id = ?1",
    health_complete, NULL, NULL, NULL,
};

/* ---- dose records ------------------------------------------------------------------------------------ */

static const cres_field dose_fields[] = {
    {{"facility_id", "facility_id", PROP_INT, true, 0, 1, 9e15, NULL, NULL, "SELECT 1 FROM facility WHERE id = ?",
      RULE_NONE}, CF_FIXED},
    DATE_REQ("period_start", CF_NOT_FUTURE), DATE_REQ("period_end", CF_NOT_FUTURE),
    {{"hp10_msv", "hp10_msv", PROP_REAL, true, 0, 0, 10000, NULL, NULL, NULL, RULE_NONE}, 0},
    REAL("hp007_msv", 0, 100000),
    {{"below_detection", "below_detection", PROP_BOOL, false, 0, NO_RANGE, NULL, NULL, NULL, RULE_NONE}, 0},
    TEXT("dosimeter_id", 60), TEXT("provider", 200), TEXT("note", 2000), END,
};
static const char *const dose_readonly[] = {"origin", "import_id", "created_by", NULL};

static int dose_complete(db_conn *db, const cres_def *def, json_t *vals, int64_t parent, int64_t id, int32_t today,
                         edit_errors *e, rm_error *err)
{
    set_default(vals, "below_detection", json_false());
    int32_t a, b;
    json_t *fv = json_object_get(vals, "facility_id");
    if (!val_date(vals, "period_start", &a) || !val_date(vals, "period_end", &b) || !json_is_integer(fv))
        return 0;
    if (b < a) {
        add_error(e, "period_end", "must not be before period_start");
        return 0;
    }
    if (b - a > 366) {
        add_error(e, "period_end", "a monitoring period is at most a year");
        return 0;
    }
    sqlite3_stmt *st = db_stmt(db, "SELECT id, period_start, period_end FROM dose_record WHERE person_id = ?1 AND "
                                    "facility_id = ?2 AND id <> ?3 AND period_start <= ?5 AND period_end >= ?4 LIMIT 1",
                               err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, parent);
    sqlite3_bind_int64(st, 2, json_integer_value(fv));
    sqlite3_bind_int64(st, 3, id);
    sqlite3_bind_text(st, 4, json_string_value(json_object_get(vals, "period_start")), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, json_string_value(json_object_get(vals, "period_end")), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        add_error(e, "period_start", "overlaps dose record %lld (%s to %s) of the same person at the same facility",
                  (long long)sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                  (const char *)sqlite3_column_text(st, 2));
    db_stmt_done(st);
    return 0;
}

const cres_def cmp_dose_records = {
    "dose-records", "dose record", "dose_record", "person_id", "person", "SELECT 1 FROM person WHERE id = ?",
    dose_fields, dose_readonly, "period_end DESC, id DESC", "person_id",
    "SELECT facility_id FROM dose_record WHERE id = ?1", dose_complete, NULL, NULL, NULL,
};

/* ---- route handlers ------------------------------------------------------------------------------- */

int api_cmp_rooms(http_request *req, rm_error *err) { return cres_collection(req, &cmp_rooms, err); }
int api_cmp_room(http_request *req, rm_error *err) { return cres_one(req, &cmp_rooms, err); }
int api_cmp_area_surveys(http_request *req, rm_error *err) { return cres_collection(req, &cmp_area_surveys, err); }
int api_cmp_area_survey(http_request *req, rm_error *err) { return cres_one(req, &cmp_area_surveys, err); }
int api_cmp_qc_tests(http_request *req, rm_error *err) { return cres_collection(req, &cmp_qc_tests, err); }
int api_cmp_qc_test(http_request *req, rm_error *err) { return cres_one(req, &cmp_qc_tests, err); }
int api_cmp_documents(http_request *req, rm_error *err) { return cres_collection(req, &cmp_documents, err); }
int api_cmp_document(http_request *req, rm_error *err) { return cres_one(req, &cmp_documents, err); }
int api_cmp_findings(http_request *req, rm_error *err) { return cres_collection(req, &cmp_findings, err); }
int api_cmp_finding(http_request *req, rm_error *err) { return cres_one(req, &cmp_findings, err); }
int api_person_roles(http_request *req, rm_error *err) { return cres_collection(req, &cmp_person_roles, err); }
int api_person_role(http_request *req, rm_error *err) { return cres_one(req, &cmp_person_roles, err); }
int api_person_trainings(http_request *req, rm_error *err) { return cres_collection(req, &cmp_trainings, err); }
int api_person_training(http_request *req, rm_error *err) { return cres_one(req, &cmp_trainings, err); }
int api_person_health_checks(http_request *req, rm_error *err)
{
    return cres_collection(req, &cmp_health_checks, err);
}
int api_person_health_check(http_request *req, rm_error *err) { return cres_one(req, &cmp_health_checks, err); }
int api_dose_record(http_request *req, rm_error *err) { return cres_one(req, &cmp_dose_records, err); }
