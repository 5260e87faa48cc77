/*
 * audit: hash-chained audit rows; see audit.h.
 */
#include "db/audit.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A row's hash input: each value as its length (int64, -1 for NULL, in memory order) and its bytes.
 * The input is gathered and hashed in one call: an import hashes a row for each feature, and 18
 * small updates of the hash state cost more than the hash itself. */
typedef struct hash_input {
    unsigned char *p;
    size_t len, cap;
    unsigned char local[2048];
} hash_input;

static void feed(hash_input *in, const char *s)
{
    int64_t n = s ? (int64_t)strlen(s) : -1;
    size_t need = in->len + sizeof n + (s ? (size_t)n : 0);
    if (need > in->cap) {
        size_t cap = need * 2;
        unsigned char *p = in->p == in->local ? malloc(cap) : realloc(in->p, cap);
        if (!p)
            abort();
        if (in->p == in->local)
            memcpy(p, in->local, in->len);
        in->p = p;
        in->cap = cap;
    }
    memcpy(in->p + in->len, &n, sizeof n);
    in->len += sizeof n;
    if (s) {
        memcpy(in->p + in->len, s, (size_t)n);
        in->len += (size_t)n;
    }
}

/* fid in decimal, as "%lld" writes it (a row's hash is over this text; snprintf is a visible part of
 * the cost of an import's audit rows). */
static void decimal(int64_t fid, char out[24])
{
    char tmp[24];
    int n = 0;
    uint64_t v = fid < 0 ? 0 - (uint64_t)fid : (uint64_t)fid;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    int k = 0;
    if (fid < 0)
        out[k++] = '-';
    while (n)
        out[k++] = tmp[--n];
    out[k] = 0;
}

static void row_hash(const char *prev, const char *at, const char *user, const char *action, const char *coll,
                     int64_t fid, const char *import_id, const char *before, const char *after, char out[65])
{
    hash_input in;
    in.p = in.local;
    in.len = 0;
    in.cap = sizeof in.local;
    unsigned char d[32];
    char fidtxt[24];
    decimal(fid, fidtxt);
    const char *const parts[] = {prev, at, user, action, coll, fidtxt, import_id, before, after};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        feed(&in, parts[i]);
    crypto_generichash(d, sizeof d, in.p, in.len, NULL, 0);
    if (in.p != in.local)
        free(in.p);
    sodium_bin2hex(out, 65, d, sizeof d);
}

/* The time now, UTC, to the millisecond: "YYYY-MM-DDTHH:MM:SS.mmmZ". The date and time of day are
 * formatted once a second per thread (an import appends many rows a second). */
static void now_utc(char out[32])
{
    static _Thread_local time_t last_s = -1;
    static _Thread_local char base[20];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != last_s) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
        last_s = ts.tv_sec;
    }
    int ms = (int)(ts.tv_nsec / 1000000);
    memcpy(out, base, 19);
    out[19] = '.';
    out[20] = (char)('0' + ms / 100);
    out[21] = (char)('0' + ms / 10 % 10);
    out[22] = (char)('0' + ms % 10);
    out[23] = 'Z';
    out[24] = 0;
}

/* The newest row's hash, or the genesis when the trail is empty. */
static int read_head(db_conn *c, char prev[65], rm_error *err)
{
    snprintf(prev, 65, "%s", AUDIT_GENESIS);
    sqlite3_stmt *st = db_stmt(c, "SELECT hash FROM audit ORDER BY id DESC LIMIT 1", err);
    if (!st)
        return -1;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        snprintf(prev, 65, "%s", (const char *)sqlite3_column_text(st, 0));
    db_stmt_done(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : db_error(c, err, 500, "reading the audit trail");
}

static int write_head(db_conn *c, const char *hash, rm_error *err)
{
    /* The head of the chain, kept beside it: removing the newest rows is seen as a mismatch. */
    sqlite3_stmt *st = db_stmt(c, "INSERT OR REPLACE INTO meta(key, value) VALUES ('audit_head', ?)", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    return s == SQLITE_DONE ? 0 : db_error(c, err, 500, "writing the audit trail");
}

int audit_batch_begin(db_conn *c, rm_error *err)
{
    db_audit_batch *b = db_audit_batch_state(c);
    if (read_head(c, b->head, err) < 0)
        return -1;
    b->active = 1;
    b->appended = 0;
    return 0;
}

int audit_batch_end(db_conn *c, rm_error *err)
{
    db_audit_batch *b = db_audit_batch_state(c);
    if (!b->active)
        return 0;
    b->active = 0;
    return b->appended ? write_head(c, b->head, err) : 0;
}

void audit_batch_abort(db_conn *c) { db_audit_batch_state(c)->active = 0; }

/* "INSERT INTO audit(...) VALUES (...), ..." for n rows; the text of the last n asked for per thread
 * (the statement itself is the connection's, from db_stmt's cache). */
static const char *insert_rows_sql(int n)
{
    static _Thread_local char sql[128 + AUDIT_ROWS_MAX * 32];
    static _Thread_local int built;
    if (built != n) {
        int k = snprintf(sql, sizeof sql, "INSERT INTO audit(at, user_name, action, collection, feature_id, "
                         "import_id, before_json, after_json, prev_hash, hash) VALUES ");
        for (int i = 0; i < n; i++)
            k += snprintf(sql + k, sizeof sql - (size_t)k, "%s(?,?,?,?,?,?,?,?,?,?)", i ? "," : "");
        built = n;
    }
    return sql;
}

int audit_append_rows(db_conn *c, const char *user, const char *action, const char *collection,
                      const char *import_id, int n, const int64_t *feature_ids, const char *const *before_json,
                      const char *const *after_json, rm_error *err)
{
    if (n < 1 || n > AUDIT_ROWS_MAX)
        return rm_error_set(err, 500, "Internal error", "audit_append_rows: %d rows", n);
    db_audit_batch *b = db_audit_batch_state(c);
    char prev[AUDIT_ROWS_MAX][65], at[AUDIT_ROWS_MAX][32], hash[AUDIT_ROWS_MAX][65];
    if (b->active)
        memcpy(prev[0], b->head, sizeof prev[0]);
    else if (read_head(c, prev[0], err) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        if (i)
            memcpy(prev[i], hash[i - 1], sizeof prev[i]);
        now_utc(at[i]);
        row_hash(prev[i], at[i], user, action, collection, feature_ids[i], import_id,
                 before_json ? before_json[i] : NULL, after_json[i], hash[i]);
    }
    sqlite3_stmt *st = db_stmt(c, insert_rows_sql(n), err);
    if (!st)
        return -1;
    /* Every text outlives the step: db_stmt_done below resets the statement and clears its bindings,
     * so SQLite need not copy them. */
    for (int i = 0; i < n; i++) {
        int o = i * 10;
        sqlite3_bind_text(st, o + 1, at[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, o + 2, user, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, o + 3, action, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, o + 4, collection, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, o + 5, feature_ids[i]);
        const char *opt[] = {import_id, before_json ? before_json[i] : NULL, after_json[i]};
        for (int k = 0; k < 3; k++)
            if (opt[k])
                sqlite3_bind_text(st, o + 6 + k, opt[k], -1, SQLITE_STATIC);
            else
                sqlite3_bind_null(st, o + 6 + k);
        sqlite3_bind_text(st, o + 9, prev[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, o + 10, hash[i], -1, SQLITE_STATIC);
    }
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE)
        return db_error(c, err, 500, "writing the audit trail");
    if (b->active) {
        memcpy(b->head, hash[n - 1], sizeof b->head);
        b->appended += n;
        return 0;
    }
    return write_head(c, hash[n - 1], err);
}

int audit_append(db_conn *c, const char *user, const char *action, const char *collection, int64_t feature_id,
                 const char *import_id, const char *before_json, const char *after_json, rm_error *err)
{
    return audit_append_rows(c, user, action, collection, import_id, 1, &feature_id, &before_json, &after_json, err);
}

int audit_verify(db_conn *c, audit_report *rep, rm_error *err)
{
    memset(rep, 0, sizeof *rep);
    sqlite3_stmt *st = db_stmt(c, "SELECT id, at, user_name, action, collection, feature_id, import_id, "
                                  "before_json, after_json, prev_hash, hash FROM audit ORDER BY id", err);
    if (!st)
        return -1;
    char prev[65] = AUDIT_GENESIS;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        rep->rows++;
        int64_t id = sqlite3_column_int64(st, 0);
#define T(i) ((const char *)sqlite3_column_text(st, (i)))
        const char *stored_prev = T(9), *stored = T(10);
        char want[65];
        row_hash(prev, T(1), T(2), T(3), T(4), sqlite3_column_int64(st, 5), T(6), T(7), T(8), want);
        if (!stored_prev || strcmp(stored_prev, prev) != 0) {
            rep->first_bad_id = id;
            snprintf(rep->problem, sizeof rep->problem, "row %lld does not follow the row before it: a row was "
                     "removed or inserted before it", (long long)id);
            break;
        }
        if (!stored || strcmp(stored, want) != 0) {
            rep->first_bad_id = id;
            snprintf(rep->problem, sizeof rep->problem, "row %lld was changed after it was written",
                     (long long)id);
            break;
        }
        snprintf(prev, sizeof prev, "%s", stored);
#undef T
    }
    db_stmt_done(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return db_error(c, err, 500, "reading the audit trail");
    if (rep->first_bad_id)
        return 0;
    st = db_stmt(c, "SELECT value FROM meta WHERE key = 'audit_head'", err);
    if (!st)
        return -1;
    const char *head = NULL;
    char headbuf[65] = "";
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
        snprintf(headbuf, sizeof headbuf, "%s", (const char *)sqlite3_column_text(st, 0));
        head = headbuf;
    }
    db_stmt_done(st);
    if ((head && strcmp(head, prev) != 0) || (!head && rep->rows > 0)) {
        rep->first_bad_id = -1;
        snprintf(rep->problem, sizeof rep->problem, "the newest rows of the trail are missing: the chain ends "
                 "at row %lld but its recorded head is another row", (long long)rep->rows);
        return 0;
    }
    /* The append-only guard itself: without its triggers the table can be edited unseen next time. */
    st = db_stmt(c, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit' AND "
                    "name IN ('audit_no_update', 'audit_no_delete')", err);
    if (!st)
        return -1;
    int guards = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    db_stmt_done(st);
    if (guards != 2) {
        rep->first_bad_id = -1;
        snprintf(rep->problem, sizeof rep->problem, "the triggers that keep the audit table append-only were "
                 "removed");
        return 0;
    }
    return 0;
}
