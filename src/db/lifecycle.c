/*
 * lifecycle: recording source transactions and replaying them; see lifecycle.h.
 */
#include "db/lifecycle.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/fold.h"
#include "geo/geod.h"

static bool facility_pos(void *arg, int64_t id, double *lon, double *lat)
{
    db_conn *db = arg;
    sqlite3_stmt *st = db_stmt(db, "SELECT lon, lat FROM facility WHERE id = ?", NULL);
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, id);
    bool ok = sqlite3_step(st) == SQLITE_ROW;
    if (ok) {
        *lon = sqlite3_column_double(st, 0);
        *lat = sqlite3_column_double(st, 1);
    }
    db_stmt_done(st);
    return ok;
}

static const char *col_text(sqlite3_stmt *st, int i) { return (const char *)sqlite3_column_text(st, i); }

int lifecycle_replay(db_conn *db, int64_t source_id, replay_state *s, int *count, rm_error *err)
{
    memset(s, 0, sizeof *s);
    *count = 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT kind, coalesce(to_facility_id, 0), status_after, lon, lat, container, id "
                                    "FROM source_transaction WHERE source_id = ? ORDER BY seq", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, source_id);
    int r, rc = 0;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        replay_tx tx = {0};
        char kind[20], status[16], container[REPLAY_CONTAINER_MAX];
        snprintf(kind, sizeof kind, "%s", col_text(st, 0));
        snprintf(status, sizeof status, "%s", col_text(st, 2));
        snprintf(container, sizeof container, "%s", col_text(st, 5) ? col_text(st, 5) : "");
        int64_t txid = sqlite3_column_int64(st, 6);
        tx.kind = kind;
        tx.to_facility_id = sqlite3_column_int64(st, 1);
        tx.status_after = status;
        tx.has_place = sqlite3_column_type(st, 3) != SQLITE_NULL;
        tx.lon = sqlite3_column_double(st, 3);
        tx.lat = sqlite3_column_double(st, 4);
        tx.container = container[0] ? container : NULL;
        char why[300];
        if (replay_apply(s, &tx, facility_pos, db, why, sizeof why) < 0) {
            rc = rm_error_set(err, 409, "History does not replay", "transaction %lld of source %lld: %s",
                              (long long)txid, (long long)source_id, why);
            break;
        }
        (*count)++;
    }
    if (rc == 0 && r != SQLITE_DONE)
        rc = db_error(db, err, 500, "reading source transactions");
    db_stmt_done(st);
    return rc;
}

void lifecycle_norm_key(const char *s, bool drop_suffix, char *out, size_t n)
{
    static const char *const suffixes[] = {"corporation", "company", "limited", "gmbh", "corp", "ltd", "plc", "inc",
                                           "co", "sa", "ag", NULL};
    size_t o = 0;
    if (n == 0)
        return;
    out[0] = '\0';
    if (!s)
        return;
    char *f = fold_dup(s);
    if (!f)
        return;
    /* Words of letters and digits; suffix words dropped. */
    char *p = f;
    while (*p) {
        while (*p && !isalnum((unsigned char)*p))
            p++;
        char *w = p;
        while (*p && isalnum((unsigned char)*p))
            p++;
        size_t len = (size_t)(p - w);
        if (!len)
            continue;
        bool skip = false;
        if (drop_suffix && w != f)
            for (const char *const *x = suffixes; *x && !skip; x++)
                skip = strlen(*x) == len && strncmp(*x, w, len) == 0;
        for (size_t i = 0; i < len && !skip && o + 1 < n; i++)
            out[o++] = (char)tolower((unsigned char)w[i]);
    }
    out[o] = '\0';
    free(f);
}

int lifecycle_tile_change(db_conn *db, const char *layer, double lon, double lat, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO tile_change(layer, min_lon, min_lat, max_lon, max_lat) "
                                    "VALUES (?1, ?2, ?3, ?2, ?3)", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, layer, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 2, lon);
    sqlite3_bind_double(st, 3, lat);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    return s == SQLITE_DONE ? 0 : db_error(db, err, 500, "recording the change for the tile cache");
}

/* Whether one licence's conditions (JSON text) cover the source; why filled when not. */
static int licence_covers(db_conn *db, const char *number, const char *conditions, int64_t facility_id,
                          int64_t source_id, const char *nuclide, double activity_bq, bool has_place, double lon,
                          double lat, int32_t today, char *why, size_t n, rm_error *err)
{
    json_error_t je;
    json_t *c = conditions ? json_loads(conditions, 0, &je) : NULL;
    int rc = 0;
    if (!json_is_object(c)) {
        snprintf(why, n, "licence %s states no conditions (nuclides, possession limits)", number);
        goto done;
    }
    /* Practice: one that uses radioactive sources, among the licence's practices when it lists them. */
    json_t *pr = json_object_get(c, "practices");
    sqlite3_stmt *st = db_stmt(db, "SELECT fp.practice FROM facility_practice fp JOIN practice p ON p.key = fp.practice "
                                    "WHERE fp.facility_id = ? AND p.uses_sources = 1", err);
    if (!st) {
        rc = -1;
        goto done;
    }
    sqlite3_bind_int64(st, 1, facility_id);
    bool practice_ok = false, any = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        any = true;
        if (!json_is_array(pr)) {
            practice_ok = true;
            continue;
        }
        size_t i;
        json_t *x;
        json_array_foreach(pr, i, x) if (json_is_string(x) && strcmp(json_string_value(x), col_text(st, 0)) == 0)
            practice_ok = true;
    }
    db_stmt_done(st);
    if (!practice_ok) {
        snprintf(why, n, any ? "licence %s does not cover any of the facility's practices that use radioactive sources"
                             : "the facility has no practice that uses radioactive sources (licence %s)", number);
        goto done;
    }
    /* Nuclide and possession limits. */
    json_t *nl = json_object_get(c, "nuclides"), *entry = NULL;
    size_t i;
    json_t *x;
    if (json_is_array(nl))
        json_array_foreach(nl, i, x) {
            const char *nu = json_string_value(json_object_get(x, "nuclide"));
            if (nu && strcmp(nu, nuclide) == 0)
                entry = x;
        }
    if (!entry) {
        snprintf(why, n, "licence %s does not authorize %s", number, nuclide);
        goto done;
    }
    st = db_stmt(db, "SELECT count(*), coalesce(sum(rm_decay(s.activity_bq, s.reference_date, n.half_life_s, ?4)), 0) "
                     "FROM source s JOIN nuclide n ON n.nuclide = s.nuclide WHERE s.facility_id = ?1 AND s.nuclide = ?2 "
                     "AND s.id <> ?3 AND s.status IN ('in_use','stored','disused','found')", err);
    if (!st) {
        rc = -1;
        goto done;
    }
    sqlite3_bind_int64(st, 1, facility_id);
    sqlite3_bind_text(st, 2, nuclide, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, source_id);
    sqlite3_bind_int64(st, 4, today);
    int64_t held = 0;
    double held_bq = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        held = sqlite3_column_int64(st, 0);
        held_bq = sqlite3_column_double(st, 1);
    }
    db_stmt_done(st);
    json_t *ms = json_object_get(entry, "sources"), *lim = json_object_get(entry, "activity_limit_bq");
    if (json_is_integer(ms) && held + 1 > json_integer_value(ms)) {
        snprintf(why, n, "licence %s allows %lld %s source%s and the facility already holds %lld", number,
                 (long long)json_integer_value(ms), nuclide, json_integer_value(ms) == 1 ? "" : "s", (long long)held);
        goto done;
    }
    if (json_is_number(lim) && held_bq + activity_bq > json_number_value(lim) * (1 + 1e-9)) {
        snprintf(why, n, "licence %s limits %s to %.4g Bq; the facility holds %.4g Bq and this source has %.4g Bq now",
                 number, nuclide, json_number_value(lim), held_bq, activity_bq);
        goto done;
    }
    /* Site: a place away from the facility needs mobile use or a listed site that contains it. */
    if (has_place) {
        bool site_ok = json_is_true(json_object_get(c, "mobile_use"));
        json_t *sites = json_object_get(c, "sites");
        if (json_is_array(sites))
            json_array_foreach(sites, i, x) {
                json_t *jl = json_object_get(x, "lon"), *jt = json_object_get(x, "lat"), *jr = json_object_get(x, "radius_m");
                if (json_is_number(jl) && json_is_number(jt) &&
                    geo_distance(lon, lat, json_number_value(jl), json_number_value(jt)) <=
                        (json_is_number(jr) ? json_number_value(jr) : 100.0))
                    site_ok = true;
            }
        if (!site_ok) {
            snprintf(why, n, "licence %s authorizes no use of %s away from the facility at (%.5f, %.5f): it lists no "
                     "such site and no mobile use", number, nuclide, lon, lat);
            goto done;
        }
    }
    rc = 1;
done:
    json_decref(c);
    return rc;
}

int lifecycle_check_authorization(db_conn *db, int64_t facility_id, int64_t source_id, const char *nuclide,
                                  double activity_bq, bool has_place, double lon, double lat, int32_t today,
                                  int64_t *auth_id, char *why, size_t n, rm_error *err)
{
    *auth_id = 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT status, name FROM facility WHERE id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, facility_id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        db_stmt_done(st);
        snprintf(why, n, "facility %lld does not exist", (long long)facility_id);
        return 0;
    }
    if (strcmp(col_text(st, 0), "operating") != 0) {
        snprintf(why, n, "facility %lld is %s", (long long)facility_id, col_text(st, 0));
        db_stmt_done(st);
        return 0;
    }
    db_stmt_done(st);
    char day[11];
    date_format(today, day);
    st = db_stmt(db, "SELECT id, number, conditions FROM authorization WHERE facility_id = ?1 AND kind = 'licence' "
                     "AND status = 'issued' AND issued <= ?2 AND (expires IS NULL OR expires >= ?2) "
                     "ORDER BY issued DESC, id DESC", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, facility_id);
    sqlite3_bind_text(st, 2, day, -1, SQLITE_TRANSIENT);
    /* Read the candidates first: checking one uses the statement cache. */
    struct cand { int64_t id; char number[64]; char *cond; } cands[16];
    int nc = 0;
    while (nc < 16 && sqlite3_step(st) == SQLITE_ROW) {
        cands[nc].id = sqlite3_column_int64(st, 0);
        snprintf(cands[nc].number, sizeof cands[nc].number, "%s", col_text(st, 1));
        cands[nc].cond = col_text(st, 2) ? strdup(col_text(st, 2)) : NULL;
        nc++;
    }
    db_stmt_done(st);
    int rc = 0;
    if (nc == 0)
        snprintf(why, n, "facility %lld holds no licence in force on %s", (long long)facility_id, day);
    char first_why[400] = "";
    for (int i = 0; i < nc && rc == 0; i++) {
        rc = licence_covers(db, cands[i].number, cands[i].cond, facility_id, source_id, nuclide, activity_bq, has_place,
                            lon, lat, today, why, n, err);
        if (rc == 1)
            *auth_id = cands[i].id;
        else if (i == 0)
            snprintf(first_why, sizeof first_why, "%s", why);
    }
    if (rc == 0 && first_why[0])
        snprintf(why, n, "%s", first_why);
    for (int i = 0; i < nc; i++)
        free(cands[i].cond);
    return rc;
}

typedef struct src_row {
    char nuclide[48], owner[16], status[16], container[REPLAY_CONTAINER_MAX];
    int64_t facility_id;
    bool own;
    double lon, lat, activity_now;
} src_row;

static int read_source(db_conn *db, int64_t id, int32_t today, src_row *r, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT s.nuclide, s.record_owner, s.status, coalesce(s.container, ''), s.facility_id, "
                                    "s.own_location, s.lon, s.lat, rm_decay(s.activity_bq, s.reference_date, "
                                    "n.half_life_s, ?2) FROM source s JOIN nuclide n ON n.nuclide = s.nuclide "
                                    "WHERE s.id = ?1", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, today);
    int found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        snprintf(r->nuclide, sizeof r->nuclide, "%s", col_text(st, 0));
        snprintf(r->owner, sizeof r->owner, "%s", col_text(st, 1));
        snprintf(r->status, sizeof r->status, "%s", col_text(st, 2));
        snprintf(r->container, sizeof r->container, "%s", col_text(st, 3));
        r->facility_id = sqlite3_column_int64(st, 4);
        r->own = sqlite3_column_int(st, 5) != 0;
        r->lon = sqlite3_column_double(st, 6);
        r->lat = sqlite3_column_double(st, 7);
        r->activity_now = sqlite3_column_double(st, 8);
    }
    db_stmt_done(st);
    return found;
}

/* Append one transaction row with the next seq; its id in *id. */
static int insert_tx(db_conn *db, const lifecycle_tx *tx, const replay_state *before, const replay_state *after,
                     int64_t auth_id, bool exception, int64_t *id, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO source_transaction(source_id, seq, kind, date, from_facility_id, to_facility_id, counterparty, "
        "documents, status_after, place, lon, lat, period_start, period_end, container, replaced_source_id, plan, "
        "plan_due, authorization_id, exception, exception_reason, note, user_name, is_demo) VALUES (?1, "
        "(SELECT coalesce(max(seq), 0) + 1 FROM source_transaction WHERE source_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
        "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)", err);
    if (!st)
        return -1;
#define TXT(i, v) ((v) ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i))
#define INT(i, v) ((v) ? sqlite3_bind_int64(st, i, v) : sqlite3_bind_null(st, i))
    sqlite3_bind_int64(st, 1, tx->source_id);
    TXT(2, tx->kind);
    TXT(3, tx->date);
    INT(4, before->started ? before->facility_id : 0);
    INT(5, tx->to_facility_id);
    TXT(6, tx->counterparty);
    TXT(7, tx->documents);
    TXT(8, after->status);
    TXT(9, tx->place);
    if (tx->has_place) {
        sqlite3_bind_double(st, 10, tx->lon);
        sqlite3_bind_double(st, 11, tx->lat);
    }
    TXT(12, tx->period_start);
    TXT(13, tx->period_end);
    TXT(14, tx->container);
    INT(15, tx->replaced_source_id);
    TXT(16, tx->plan);
    TXT(17, tx->plan_due);
    INT(18, auth_id);
    sqlite3_bind_int(st, 19, exception);
    TXT(20, exception ? tx->exception_reason : NULL);
    TXT(21, tx->note);
    TXT(22, tx->user);
    sqlite3_bind_int(st, 23, tx->is_demo);
#undef TXT
#undef INT
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE)
        return db_error(db, err, 422, "recording the transaction");
    *id = sqlite3_last_insert_rowid(db_sqlite(db));
    return 0;
}

/* Store the derived state on the source row, with the tile changes of both positions. */
static int store_state(db_conn *db, int64_t id, const src_row *old, const replay_state *s, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "UPDATE source SET facility_id = ?2, status = ?3, own_location = ?4, lon = ?5, "
                                    "lat = ?6, geom = MakePoint(?5, ?6, 4326), container = nullif(?7, ''), "
                                    "version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') "
                                    "WHERE id = ?1", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, s->facility_id);
    sqlite3_bind_text(st, 3, s->status, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 4, s->own_location);
    sqlite3_bind_double(st, 5, s->lon);
    sqlite3_bind_double(st, 6, s->lat);
    sqlite3_bind_text(st, 7, s->container, -1, SQLITE_TRANSIENT);
    int r = sqlite3_step(st);
    db_stmt_done(st);
    if (r != SQLITE_DONE)
        return db_error(db, err, 500, "updating the source");
    /* The source's old and new places, and its old and new facility (counts, categories). */
    double flon, flat;
    if (lifecycle_tile_change(db, "sources", old->lon, old->lat, err) < 0 ||
        lifecycle_tile_change(db, "sources", s->lon, s->lat, err) < 0)
        return -1;
    if (facility_pos(db, old->facility_id, &flon, &flat) && lifecycle_tile_change(db, "facilities", flon, flat, err) < 0)
        return -1;
    if (s->facility_id != old->facility_id && facility_pos(db, s->facility_id, &flon, &flat) &&
        lifecycle_tile_change(db, "facilities", flon, flat, err) < 0)
        return -1;
    return 0;
}

/* Close open loss and theft events none of whose sources is still lost or stolen. */
static int close_recovered_events(db_conn *db, int64_t source_id, const char *date, int64_t *closed, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT e.id, e.lon, e.lat FROM event e JOIN event_source es ON es.event_id = e.id "
                                    "WHERE es.source_id = ?1 AND e.status = 'open' AND e.kind IN ('loss','theft') "
                                    "AND NOT EXISTS (SELECT 1 FROM event_source x JOIN source s ON s.id = x.source_id "
                                    "WHERE x.event_id = e.id AND s.status IN ('lost','stolen'))", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, source_id);
    int64_t ids[64];
    double pos[64][2];
    int n = 0;
    while (n < 64 && sqlite3_step(st) == SQLITE_ROW) {
        ids[n] = sqlite3_column_int64(st, 0);
        pos[n][0] = sqlite3_column_double(st, 1);
        pos[n][1] = sqlite3_column_double(st, 2);
        n++;
    }
    db_stmt_done(st);
    for (int i = 0; i < n; i++) {
        st = db_stmt(db, "UPDATE event SET status = 'closed', closed_at = ?2, closed_reason = ?3, version = version + 1, "
                         "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1", err);
        if (!st)
            return -1;
        char reason[96];
        snprintf(reason, sizeof reason, "source %lld recovered", (long long)source_id);
        sqlite3_bind_int64(st, 1, ids[i]);
        sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, reason, -1, SQLITE_TRANSIENT);
        int r = sqlite3_step(st);
        db_stmt_done(st);
        if (r != SQLITE_DONE)
            return db_error(db, err, 500, "closing an event");
        if (lifecycle_tile_change(db, "events", pos[i][0], pos[i][1], err) < 0)
            return -1;
        (*closed)++;
    }
    return 0;
}

int lifecycle_record(db_conn *db, const lifecycle_tx *tx, int32_t today, lifecycle_result *res, rm_error *err)
{
    memset(res, 0, sizeof *res);
    src_row old;
    int f = read_source(db, tx->source_id, today, &old, err);
    if (f < 0)
        return -1;
    if (!f)
        return rm_error_set(err, 404, "Not Found", "no source %lld", (long long)tx->source_id);
    /* A national regulator's source changes hands in its register; a loss, theft or recovery in the city is
     * recorded here too, as the department responds to it. */
    bool incident = strcmp(tx->kind, "loss") == 0 || strcmp(tx->kind, "theft") == 0 || strcmp(tx->kind, "recovery") == 0;
    if (strcmp(old.owner, "department") != 0 && !tx->is_demo && !incident)
        return rm_error_set(err, 403, "Forbidden", "source %lld belongs to the national regulator's register; its "
                            "transactions are recorded there", (long long)tx->source_id);
    replay_state s;
    int count;
    if (lifecycle_replay(db, tx->source_id, &s, &count, err) < 0)
        return -1;
    if (count == 0 && strcmp(tx->kind, "receipt") != 0 && !tx->no_opening) {
        /* A source already in the register without a history: open it with its state as it stands. */
        lifecycle_tx open = {.source_id = tx->source_id, .kind = "receipt", .date = tx->date,
                             .to_facility_id = old.facility_id, .counterparty = "opening balance",
                             .status_after = old.status, .has_place = old.own, .lon = old.lon, .lat = old.lat,
                             .note = "the state in the register when the first transaction was recorded",
                             .user = tx->user, .is_demo = tx->is_demo};
        replay_tx rt = {.kind = "receipt", .to_facility_id = old.facility_id, .status_after = old.status,
                        .has_place = old.own, .lon = old.lon, .lat = old.lat};
        char why[300];
        replay_state before = s;
        if (replay_apply(&s, &rt, facility_pos, db, why, sizeof why) < 0)
            return rm_error_set(err, 409, "Conflict", "%s", why);
        if (old.container[0])
            snprintf(s.container, sizeof s.container, "%s", old.container);
        int64_t oid;
        if (insert_tx(db, &open, &before, &s, 0, false, &oid, err) < 0)
            return -1;
    }
    replay_state before = s, after = s;
    replay_tx rt = {.kind = tx->kind, .to_facility_id = tx->to_facility_id, .status_after = tx->status_after,
                    .has_place = tx->has_place, .lon = tx->lon, .lat = tx->lat, .container = tx->container};
    char why[400];
    if (replay_apply(&after, &rt, facility_pos, db, why, sizeof why) < 0)
        return rm_error_set(err, 409, "Conflict", "%s", why);
    /* Licence verification of the receiving facility (or of the holder, for a temporary site). */
    bool check = !tx->skip_authorization &&
                 (strcmp(tx->kind, "receipt") == 0 || strcmp(tx->kind, "transfer") == 0 ||
                  strcmp(tx->kind, "temporary_site") == 0 || (strcmp(tx->kind, "exchange") == 0 && tx->to_facility_id &&
                                                               tx->to_facility_id != before.facility_id));
    if (check) {
        bool site = strcmp(tx->kind, "temporary_site") == 0;
        int c = lifecycle_check_authorization(db, after.facility_id, tx->source_id, old.nuclide, old.activity_now, site,
                                              tx->lon, tx->lat, today, &res->authorization_id, why, sizeof why, err);
        if (c < 0)
            return -1;
        if (c == 0) {
            if (!tx->exception_reason || !*tx->exception_reason)
                return rm_error_set(err, 409, "Not authorized", "%s; no valid authorization of facility %lld covers this "
                                    "%s%s", why, (long long)after.facility_id, tx->kind,
                                    tx->may_except ? " (a leader may record it as an exception with exception_reason)"
                                                   : "");
            if (!tx->may_except)
                return rm_error_set(err, 403, "Forbidden", "%s; only a leader may record a transaction that no "
                                    "authorization covers", why);
            res->exception = true;
        }
    }
    if (insert_tx(db, tx, &before, &after, res->authorization_id, res->exception, &res->transaction_id, err) < 0)
        return -1;
    if (store_state(db, tx->source_id, &old, &after, err) < 0)
        return -1;
    if (strcmp(tx->kind, "recovery") == 0 && close_recovered_events(db, tx->source_id, tx->date, &res->closed_events, err) < 0)
        return -1;
    /* An exchange returns the source it replaces in the container to the supplier. */
    if (strcmp(tx->kind, "exchange") == 0 && tx->replaced_source_id) {
        if (tx->replaced_source_id == tx->source_id)
            return rm_error_set(err, 409, "Conflict", "a source cannot replace itself");
        src_row ro;
        int g = read_source(db, tx->replaced_source_id, today, &ro, err);
        if (g < 0)
            return -1;
        if (!g)
            return rm_error_set(err, 409, "Conflict", "replaced_source_id %lld is not a source of the register",
                                (long long)tx->replaced_source_id);
        if (!ro.container[0] || strcmp(ro.container, tx->container) != 0)
            return rm_error_set(err, 409, "Conflict", "source %lld is not in %s (its container: %s)",
                                (long long)tx->replaced_source_id, tx->container, ro.container[0] ? ro.container : "none");
        char note[200];
        snprintf(note, sizeof note, "taken out of %s, replaced by source %lld", tx->container, (long long)tx->source_id);
        lifecycle_tx ret = {.source_id = tx->replaced_source_id, .kind = "return", .date = tx->date,
                            .counterparty = tx->counterparty ? tx->counterparty : "supplier",
                            .documents = tx->documents, .note = note, .user = tx->user, .is_demo = tx->is_demo,
                            .skip_authorization = true};
        lifecycle_result rr;
        if (lifecycle_record(db, &ret, today, &rr, err) < 0)
            return -1;
        res->replaced_transaction_id = rr.transaction_id;
    }
    return 0;
}

int lifecycle_locked_change(db_conn *db, int64_t id, int64_t facility_id, const char *status, bool own, double lon,
                            double lat, char *why, size_t n, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT facility_id, status, own_location, lon, lat, (SELECT count(*) FROM "
                                    "source_transaction x WHERE x.source_id = s.id) FROM source s WHERE id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = 0;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 5) > 0) {
        const char *what = NULL;
        if (sqlite3_column_int64(st, 0) != facility_id)
            what = "facility_id";
        else if (strcmp(col_text(st, 1), status ? status : "in_use") != 0)
            what = "status";
        else if ((sqlite3_column_int(st, 2) != 0) != own ||
                 (own && (sqlite3_column_double(st, 3) != lon || sqlite3_column_double(st, 4) != lat)))
            what = "position";
        if (what) {
            snprintf(why, n, "source %lld has %lld transactions: its %s is derived from them and is not edited "
                     "directly; record a transaction (POST /collections/sources/items/%lld/transactions)",
                     (long long)id, (long long)sqlite3_column_int64(st, 5), what, (long long)id);
            rc = 1;
        }
    }
    db_stmt_done(st);
    return rc;
}
