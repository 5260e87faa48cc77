/*
 * demo_lifecycle: source histories, incidents, catalogue and enforcement of the demo city; see
 * demo_lifecycle.h.
 */
#include "db/demo_lifecycle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/replay.h"
#include "db/lifecycle.h"

static bool fac_pos(void *arg, int64_t id, double *lon, double *lat)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(arg, "SELECT lon, lat FROM facility WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_int64(st, 1, id);
    bool ok = sqlite3_step(st) == SQLITE_ROW;
    if (ok) {
        *lon = sqlite3_column_double(st, 0);
        *lat = sqlite3_column_double(st, 1);
    }
    sqlite3_finalize(st);
    return ok;
}

typedef struct dl_ctx {
    sqlite3 *db;
    sqlite3_stmt *ins;
    int32_t today;
} dl_ctx;

/* Apply one transaction to s and insert its row. */
static int add_tx(dl_ctx *c, int64_t sid, int seq, replay_state *s, const replay_tx *tx, int32_t day,
                  const char *counterparty, const char *plan, int32_t plan_due, const char *note)
{
    int64_t from = s->started ? s->facility_id : 0;
    char why[300], d[11], pd[11];
    if (replay_apply(s, tx, fac_pos, c->db, why, sizeof why) < 0) {
        fprintf(stderr, "demo: source %lld: %s\n", (long long)sid, why);
        return -1;
    }
    date_format(day, d);
    date_format(plan_due, pd);
    sqlite3_stmt *st = c->ins;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    sqlite3_bind_int64(st, 1, sid);
    sqlite3_bind_int(st, 2, seq);
    sqlite3_bind_text(st, 3, tx->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, d, -1, SQLITE_TRANSIENT);
    if (from)
        sqlite3_bind_int64(st, 5, from);
    if (tx->to_facility_id)
        sqlite3_bind_int64(st, 6, tx->to_facility_id);
    if (counterparty)
        sqlite3_bind_text(st, 7, counterparty, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 8, s->status, -1, SQLITE_TRANSIENT);
    if (tx->has_place) {
        sqlite3_bind_double(st, 9, tx->lon);
        sqlite3_bind_double(st, 10, tx->lat);
    }
    if (plan) {
        sqlite3_bind_text(st, 11, plan, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 12, pd, -1, SQLITE_TRANSIENT);
    }
    if (note)
        sqlite3_bind_text(st, 13, note, -1, SQLITE_TRANSIENT);
    return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

static int histories(dl_ctx *c)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, "SELECT id, facility_id, status, own_location, lon, lat, reference_date, "
                                  "coalesce(manufacturer, 'supplier') FROM source ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = 0, k = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        int64_t sid = sqlite3_column_int64(st, 0), fid = sqlite3_column_int64(st, 1);
        char status[16], maker[128];
        snprintf(status, sizeof status, "%s", (const char *)sqlite3_column_text(st, 2));
        snprintf(maker, sizeof maker, "%s", (const char *)sqlite3_column_text(st, 7));
        bool own = sqlite3_column_int(st, 3) != 0;
        double lon = sqlite3_column_double(st, 4), lat = sqlite3_column_double(st, 5);
        int32_t ref = c->today;
        date_parse((const char *)sqlite3_column_text(st, 6), &ref);
        int32_t mid = ref + (c->today - ref) / 2;
        replay_state s = {0};
        bool held_later = strcmp(status, "in_use") == 0 || strcmp(status, "stored") == 0;
        replay_tx rx = {.kind = "receipt", .to_facility_id = fid, .status_after = held_later ? status : "in_use"};
        rc = add_tx(c, sid, 1, &s, &rx, ref, maker, NULL, 0, NULL);
        replay_tx next = {0};
        const char *plan = NULL, *cp = NULL;
        int32_t due = 0;
        if (rc == 0 && strcmp(status, "disused") == 0) {
            static const char *const plans[] = {"return", "disposal", "storage"};
            plan = plans[k % 3];
            due = mid + (k % 4 == 0 ? 180 : 720); /* some plans already overdue */
            next.kind = "disuse";
            k++;
        } else if (strcmp(status, "transferred") == 0) {
            next.kind = "return";
            cp = maker;
        } else if (strcmp(status, "disposed") == 0) {
            next.kind = "disposal";
            cp = "Kho lưu giữ chất thải phóng xạ (dữ liệu minh họa)";
        } else if (strcmp(status, "lost") == 0 || strcmp(status, "stolen") == 0) {
            next.kind = strcmp(status, "lost") == 0 ? "loss" : "theft";
            next.has_place = own;
            next.lon = lon;
            next.lat = lat;
            mid = c->today - 3;
        } else if (strcmp(status, "found") == 0) {
            next.kind = NULL; /* not drawn by the demo */
        }
        if (rc == 0 && next.kind)
            rc = add_tx(c, sid, 2, &s, &next, mid, cp, plan, due, NULL);
        /* The row must be what its history gives. */
        if (rc == 0 && (s.facility_id != fid || strcmp(s.status, status) != 0 || s.own_location != own ||
                        (own && (s.lon != lon || s.lat != lat)))) {
            fprintf(stderr, "demo: source %lld: history gives %s at facility %lld\n", (long long)sid, s.status,
                    (long long)s.facility_id);
            rc = -1;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static int exec(sqlite3 *db, const char *sql) { return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1; }

static int catalogue(sqlite3 *db)
{
    sqlite3_stmt *st = NULL, *im = NULL, *imod = NULL, *link = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(db, "SELECT DISTINCT manufacturer, model, nuclide FROM source WHERE manufacturer IS NOT NULL "
                                "AND model IS NOT NULL ORDER BY 1, 2", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO catalogue_manufacturer(name, name_key, is_demo) VALUES (?1, ?2, 1) "
                                "ON CONFLICT(name_key) DO NOTHING", -1, &im, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO catalogue_model(manufacturer_id, model, model_key, kind, nuclide, "
                                "is_demo) SELECT id, ?2, ?3, 'sealed_source', ?4, 1 FROM catalogue_manufacturer WHERE "
                                "name_key = ?1", -1, &imod, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "UPDATE source SET catalogue_model_id = (SELECT m.id FROM catalogue_model m JOIN "
                                "catalogue_manufacturer f ON f.id = m.manufacturer_id WHERE f.name_key = ?1 AND "
                                "m.model_key = ?3) WHERE manufacturer = ?4 AND model = ?2", -1, &link, NULL) != SQLITE_OK)
        goto done;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *mk = (const char *)sqlite3_column_text(st, 0), *mo = (const char *)sqlite3_column_text(st, 1);
        char a[128], b[128];
        lifecycle_norm_key(mk, true, a, sizeof a);
        lifecycle_norm_key(mo, false, b, sizeof b);
        if (!a[0] || !b[0])
            continue;
        sqlite3_reset(im);
        sqlite3_bind_text(im, 1, mk, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(im, 2, a, -1, SQLITE_TRANSIENT);
        sqlite3_reset(imod);
        sqlite3_bind_text(imod, 1, a, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(imod, 2, mo, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(imod, 3, b, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(imod, 4, (const char *)sqlite3_column_text(st, 2), -1, SQLITE_TRANSIENT);
        sqlite3_reset(link);
        sqlite3_bind_text(link, 1, a, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(link, 2, mo, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(link, 3, b, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(link, 4, mk, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(im) != SQLITE_DONE || sqlite3_step(imod) != SQLITE_DONE || sqlite3_step(link) != SQLITE_DONE)
            goto done;
    }
    rc = 0;
done:
    sqlite3_finalize(st);
    sqlite3_finalize(im);
    sqlite3_finalize(imod);
    sqlite3_finalize(link);
    return rc;
}

int demo_lifecycle_generate(sqlite3 *db, const demo_options *opt, rm_error *err)
{
    if (opt->facilities > 0)
        return 0;
    /* The bulk load ran with triggers off; these rows go through them (spatial indexes, counts). */
    int triggers_before = 1;
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &triggers_before);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 1, (int *)NULL);
    dl_ctx c = {.db = db, .today = date_today()};
    int rc = -1;
    char today[11];
    date_format(c.today, today);
    if (sqlite3_prepare_v2(db, "INSERT INTO source_transaction(source_id, seq, kind, date, from_facility_id, "
                                "to_facility_id, counterparty, status_after, lon, lat, plan, plan_due, note, user_name, "
                                "is_demo) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'demo', 1)",
                           -1, &c.ins, NULL) != SQLITE_OK)
        goto fail;
    if (histories(&c) < 0 || catalogue(db) < 0)
        goto fail;
    /* The open loss event of the lost source, at its last known place. */
    char *sql = sqlite3_mprintf(
        "INSERT INTO event(kind, occurred_at, place, severity, description, notifications, follow_up, facility_id, lon, "
        "lat, geom, created_by, is_demo) SELECT 'loss', date(%Q, '-3 days'), 'Trên đường vận chuyển (dữ liệu minh họa)', "
        "'high', 'Nguồn Ir-192 chụp ảnh công nghiệp bị mất trên đường từ công trường về cơ sở (dữ liệu minh họa)', "
        "json_array(json_object('to', 'varans', 'at', date(%Q, '-3 days')), json_object('to', 'police', 'at', "
        "date(%Q, '-3 days'))), 'Tìm kiếm theo lộ trình; thông báo công an phường (dữ liệu minh họa)', facility_id, lon, "
        "lat, MakePoint(lon, lat, 4326), 'demo', 1 FROM source WHERE status = 'lost' ORDER BY id LIMIT 1; "
        "INSERT INTO event_source(event_id, source_id) SELECT last_insert_rowid(), id FROM source WHERE status = 'lost' "
        "ORDER BY id LIMIT 1;"
        "INSERT INTO event(kind, occurred_at, place, severity, status, description, follow_up, closed_at, closed_reason, "
        "facility_id, lon, lat, geom, created_by, is_demo) SELECT 'equipment_failure', date(%Q, '-200 days'), "
        "'Phòng xạ trị (dữ liệu minh họa)', 'low', 'closed', 'Kẹt nguồn khi thu về (dữ liệu minh họa)', "
        "'Hãng bảo trì thay cáp dẫn nguồn', date(%Q, '-195 days'), 'repaired and tested', f.id, f.lon, f.lat, "
        "MakePoint(f.lon, f.lat, 4326), 'demo', 1 FROM facility f WHERE f.practice = 'radiotherapy' ORDER BY f.id LIMIT 1;",
        today, today, today, today, today);
    int r = sql ? exec(db, sql) : -1;
    sqlite3_free(sql);
    if (r < 0)
        goto fail;
    /* One orphan source found near a market, in the custody of the storage facility (or any holder). */
    sql = sqlite3_mprintf(
        "INSERT INTO source(facility_id, nuclide, form, serial_no, manufacturer, model, activity_bq, reference_date, "
        "status, own_location, lon, lat, geom, orphan, is_demo) SELECT id, 'Cs-137', 'sealed', 'KR-0000-UNK', NULL, "
        "NULL, 3.7e9, date(%Q, '-30 years'), 'found', 1, 106.6583, 10.7529, MakePoint(106.6583, 10.7529, 4326), 1, 1 "
        "FROM facility WHERE id = coalesce((SELECT id FROM facility WHERE practice = 'storage' ORDER BY id LIMIT 1), "
        "(SELECT facility_id FROM source ORDER BY id LIMIT 1));"
        "INSERT INTO source_transaction(source_id, seq, kind, date, to_facility_id, counterparty, status_after, place, "
        "lon, lat, note, user_name, is_demo) SELECT id, 1, 'recovery', date(%Q, '-10 days'), facility_id, "
        "'found without an owner', 'found', 'Bãi phế liệu gần chợ (dữ liệu minh họa)', lon, lat, "
        "'phát hiện khi cổng đo phóng xạ của cơ sở tái chế báo động (dữ liệu minh họa)', 'demo', 1 FROM source "
        "WHERE orphan = 1;"
        "INSERT INTO event(kind, occurred_at, place, severity, description, notifications, facility_id, lon, lat, geom, "
        "created_by, is_demo) SELECT 'orphan_found', date(%Q, '-10 days'), 'Bãi phế liệu gần chợ (dữ liệu minh họa)', "
        "'high', 'Nguồn Cs-137 không rõ chủ sở hữu trong phế liệu (dữ liệu minh họa)', json_array(json_object('to', "
        "'varans'), json_object('to', 'planners')), facility_id, lon, lat, geom, 'demo', 1 FROM source WHERE orphan = 1;"
        "INSERT INTO event_source(event_id, source_id) SELECT last_insert_rowid(), id FROM source WHERE orphan = 1;",
        today, today, today);
    r = sql ? exec(db, sql) : -1;
    sqlite3_free(sql);
    if (r < 0)
        goto fail;
    /* Enforcement: the three most recent failed inspections become violations. */
    sql = sqlite3_mprintf(
        "INSERT INTO violation(facility_id, inspection_id, finding, legal_basis, found_on, created_by, is_demo) "
        "SELECT facility_id, id, coalesce(findings, 'vi phạm an toàn bức xạ'), 'Nghị định 107/2013/NĐ-CP (dữ liệu minh "
        "họa)', date, 'demo', 1 FROM (SELECT * FROM inspection WHERE result = 'failed' ORDER BY date DESC, id DESC "
        "LIMIT 3) ORDER BY id;"
        "INSERT INTO sanction(violation_id, decision_no, decided_on, kind, fine_vnd, signed_by, is_demo) SELECT id, "
        "id || '/QĐ-XPHC', found_on, 'fine', 20000000, 'demo', 1 FROM violation ORDER BY id LIMIT 1;"
        "INSERT INTO corrective_action(violation_id, action, due, is_demo) SELECT id, 'Kiểm định lại thiết bị và bổ "
        "sung theo dõi liều (dữ liệu minh họa)', date(found_on, '+60 days'), 1 FROM violation;"
        "UPDATE corrective_action SET done_on = date(due, '-5 days'), verified_on = date(due, '-2 days'), verified_by = "
        "'demo' WHERE id = (SELECT max(id) FROM corrective_action) AND due <= %Q;"
        "UPDATE violation SET closed_on = (SELECT max(verified_on) FROM corrective_action c WHERE c.violation_id = "
        "violation.id) WHERE NOT EXISTS (SELECT 1 FROM corrective_action c WHERE c.violation_id = violation.id AND "
        "c.verified_on IS NULL);",
        today);
    r = sql ? exec(db, sql) : -1;
    sqlite3_free(sql);
    if (r < 0)
        goto fail;
    rc = 0;
    goto done;
fail:
    rm_error_set(err, 500, "Demo generation failed", "lifecycle demo: %s", sqlite3_errmsg(db));
done:
    sqlite3_finalize(c.ins);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, triggers_before, (int *)NULL);
    return rc;
}
