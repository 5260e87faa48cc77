/*
 * Unit tests of db/audit: the hash chain on a fresh register (each row links to the one before,
 * the first to the genesis hash, meta.audit_head follows the newest), the triggers that refuse
 * UPDATE and DELETE, and audit_verify catching what someone with the file could do after dropping
 * those triggers: a field changed (NULL made empty, bytes shifted from one field to the next, the
 * feature id, the user), a row removed from the middle or the end, two rows swapped, a row changed
 * and its own hash recomputed by the documented formula. A rolled-back write leaves no row and no
 * head.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "db/audit.h"
#include "db/db.h"
#include "db/migrate.h"
#include "tmpdb.h"

typedef struct fixture {
    char dir[256];
    char path[300];
    db_conn *c;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(tmpdb_make("audit", f->dir, sizeof f->dir, f->path, sizeof f->path), 0);
    rm_error err = {0};
    if (db_open(f->path, DB_READWRITE | DB_CREATE, &f->c, &err) < 0 || migrate_apply(f->c, 0, NULL, &err) < 0) {
        print_error("cannot create a register: %s\n", err.detail);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    db_close(f->c);
    tmpdb_remove(f->dir, f->path);
    free(f);
    return 0;
}

static void exec_ok(db_conn *c, const char *sql)
{
    rm_error err = {0};
    if (db_exec(c, sql, &err) != 0) {
        print_error("%s: %s\n", sql, err.detail);
        fail();
    }
}

/* Append n rows, one transaction each, as the server does. */
static void append_rows(db_conn *c, int n)
{
    for (int i = 0; i < n; i++) {
        rm_error err = {0};
        char before[128], after[128];
        snprintf(before, sizeof before, "{\"type\":\"Feature\",\"id\":%d,\"properties\":{\"name\":\"Cơ sở %d\"}}", i, i);
        snprintf(after, sizeof after, "{\"type\":\"Feature\",\"id\":%d,\"properties\":{\"name\":\"Đổi %d\"}}", i, i);
        exec_ok(c, "BEGIN IMMEDIATE");
        assert_int_equal(audit_append(c, i % 2 ? "demo.admin" : "demo.licensing", i == 0 ? "create" : "update",
                                      "facilities", 100 + i, i == 3 ? "import-7" : NULL, i == 0 ? NULL : before,
                                      after, &err), 0);
        exec_ok(c, "COMMIT");
    }
}

static audit_report verify(db_conn *c)
{
    audit_report rep;
    rm_error err = {0};
    assert_int_equal(audit_verify(c, &rep, &err), 0);
    return rep;
}

static void drop_triggers(db_conn *c)
{
    exec_ok(c, "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete");
}

static void assert_broken_at(db_conn *c, int64_t id)
{
    audit_report rep = verify(c);
    if (rep.first_bad_id != id) {
        print_error("expected the chain to break at %lld, got %lld (%s)\n", (long long)id,
                    (long long)rep.first_bad_id, rep.problem);
        fail();
    }
    assert_true(rep.problem[0] != 0);
    if (id > 0) {
        char want[32];
        snprintf(want, sizeof want, "row %lld", (long long)id);
        assert_non_null(strstr(rep.problem, want));
    }
}

static void test_empty_trail_is_intact(void **state)
{
    fixture *f = *state;
    audit_report rep = verify(f->c);
    assert_int_equal(rep.rows, 0);
    assert_int_equal(rep.first_bad_id, 0);
}

static void test_chain_links(void **state)
{
    fixture *f = *state;
    append_rows(f->c, 6);
    audit_report rep = verify(f->c);
    assert_int_equal(rep.rows, 6);
    assert_int_equal(rep.first_bad_id, 0);
    sqlite3_stmt *st = db_stmt(f->c, "SELECT prev_hash, hash, at, user_name FROM audit ORDER BY id", NULL);
    assert_non_null(st);
    char prev[65] = AUDIT_GENESIS;
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        assert_string_equal((const char *)sqlite3_column_text(st, 0), prev);
        const char *h = (const char *)sqlite3_column_text(st, 1);
        assert_int_equal(strlen(h), 64);
        assert_string_not_equal(h, prev);
        /* UTC, to the millisecond. */
        const char *at = (const char *)sqlite3_column_text(st, 2);
        assert_int_equal(strlen(at), 24);
        assert_int_equal(at[23], 'Z');
        snprintf(prev, sizeof prev, "%s", h);
        n++;
    }
    db_stmt_done(st);
    assert_int_equal(n, 6);
    st = db_stmt(f->c, "SELECT value FROM meta WHERE key = 'audit_head'", NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), prev);
    db_stmt_done(st);
}

static void test_triggers_refuse_update_and_delete(void **state)
{
    fixture *f = *state;
    append_rows(f->c, 3);
    static const char *const sqls[] = {
        "UPDATE audit SET user_name = 'x'",
        "UPDATE audit SET before_json = NULL WHERE id = 2",
        "DELETE FROM audit WHERE id = 3",
        "DELETE FROM audit",
    };
    for (size_t i = 0; i < sizeof sqls / sizeof sqls[0]; i++) {
        char *msg = NULL;
        int rc = sqlite3_exec(db_sqlite(f->c), sqls[i], NULL, NULL, &msg);
        assert_int_equal(rc & 0xff, SQLITE_CONSTRAINT);
        assert_non_null(msg);
        assert_non_null(strstr(msg, "append-only"));
        sqlite3_free(msg);
    }
    audit_report rep = verify(f->c);
    assert_int_equal(rep.rows, 3);
    assert_int_equal(rep.first_bad_id, 0);
}

static void test_changed_json_is_caught(void **state)
{
    fixture *f = *state;
    append_rows(f->c, 6);
    drop_triggers(f->c);
    exec_ok(f->c, "UPDATE audit SET after_json = replace(after_json, 'Đổi', 'Doi') WHERE id = 4");
    assert_broken_at(f->c, 4);
    assert_non_null(strstr(verify(f->c).problem, "changed"));
}

static void test_null_made_empty_is_caught(void **state)
{
    fixture *f = *state;
    append_rows(f->c, 3);
    drop_triggers(f->c);
    /* Row 1 has no before_json: NULL and '' must hash apart. */
    exec_ok(f->c, "UPDATE audit SET before_json = '' WHERE id = 1");
    assert_broken_at(f->c, 1);
}

static void test_shifted_bytes_are_caught(void **state)
{
    fixture *f = *state;
    append_rows(f->c, 4);
    drop_triggers(f->c);
    /* Move the last byte of before_json to the front of after_json: the concatenation is the same. */
    exec_ok(f->c, "UPDATE audit SET after_json = substr(before_json, -1) || after_json, "
                  "before_json = substr(before_json, 1, length(before_json) - 1) WHERE id = 2");
    assert_broken_at(f->c, 2);
}

static void test_changed_id_or_user_is_caught(void **state)
{
    fixture *f = *state;
    append_rows(f->c, 5);
    drop_triggers(f->c);
    exec_ok(f->c, "UPDATE audit SET feature_id = 999 WHERE id = 5");
    assert_broken_at(f->c, 5);
    exec_ok(f->c, "UPDATE audit SET feature_id = 104 WHERE id = 5");
    /* The data is whole again, but the table lost its append-only guard: that is reported too. */
    audit_report rep = verify(f->c);
    assert_int_equal(rep.first_bad_id, -1);
    assert_non_null(strstr(rep.problem, "append-only"));
    exec_ok(f->c, "UPDATE audit SET user_name = 'someone' WHERE id = 3");
    assert_broken_at(f->c, 3);
}

static void test_removed_middle_row_is_caught(void **state)
{
    fixture *f = *state;
    append_rows(f->c, 6);
    drop_triggers(f->c);
    exec_ok(f->c, "DELETE FROM audit WHERE id = 3");
    assert_broken_at(f->c, 4);
    assert_non_null(strstr(verify(f->c).problem, "removed"));
}

static void test_removed_newest_row_is_caught(void **state)
{
    fixture *f = *state;
    append_rows(f->c, 6);
    drop_triggers(f->c);
    exec_ok(f->c, "DELETE FROM audit WHERE id = 6");
    audit_report rep = verify(f->c);
    assert_int_equal(rep.first_bad_id, -1);
    assert_non_null(strstr(rep.problem, "newest"));
    /* Removing every row is caught too: the head is still recorded. */
    exec_ok(f->c, "DELETE FROM audit");
    assert_int_equal(verify(f->c).first_bad_id, -1);
}

static void test_swapped_rows_are_caught(void **state)
{
    fixture *f = *state;
    append_rows(f->c, 5);
    drop_triggers(f->c);
    exec_ok(f->c, "UPDATE audit SET id = 100 WHERE id = 2; UPDATE audit SET id = 2 WHERE id = 3; "
                  "UPDATE audit SET id = 3 WHERE id = 100");
    assert_broken_at(f->c, 2);
}

/* The row hash as db/audit.h documents it: BLAKE2b-256 over prev_hash and each field, each as its
 * byte length (int64, host order) then its bytes, a NULL as length -1. */
static void feed(crypto_generichash_state *h, const char *s)
{
    int64_t n = s ? (int64_t)strlen(s) : -1;
    crypto_generichash_update(h, (const unsigned char *)&n, sizeof n);
    if (s)
        crypto_generichash_update(h, (const unsigned char *)s, (unsigned long long)n);
}

static void documented_hash(sqlite3_stmt *st, const char *user_override, char out[65])
{
    /* columns: prev_hash, at, user_name, action, collection, feature_id, import_id, before, after */
    crypto_generichash_state h;
    unsigned char d[32];
    crypto_generichash_init(&h, NULL, 0, sizeof d);
    for (int i = 0; i < 9; i++) {
        const char *v = (const char *)sqlite3_column_text(st, i);
        feed(&h, i == 2 && user_override ? user_override : v);
    }
    crypto_generichash_final(&h, d, sizeof d);
    sodium_bin2hex(out, 65, d, sizeof d);
}

#define ROW_SQL "SELECT prev_hash, at, user_name, action, collection, feature_id, import_id, before_json, " \
                "after_json, hash FROM audit"

/* Step st (ROW_SQL); 1 when it gave a row, whose stored hash is the documented one. */
static int next_row_as_documented(sqlite3_stmt *st)
{
    if (sqlite3_step(st) != SQLITE_ROW)
        return 0;
    char want[65];
    documented_hash(st, NULL, want);
    assert_string_equal((const char *)sqlite3_column_text(st, 9), want);
    return 1;
}

static void test_hash_is_as_documented(void **state)
{
    fixture *f = *state;
    append_rows(f->c, 5);
    sqlite3_stmt *st = db_stmt(f->c, ROW_SQL " ORDER BY id", NULL);
    assert_non_null(st);
    int n = 0;
    while (next_row_as_documented(st))
        n++;
    db_stmt_done(st);
    assert_int_equal(n, 5);
}

/* Feature ids of every width and sign are hashed as their decimal text (SQLite's text of the stored
 * integer is the oracle), and the time is "YYYY-MM-DDTHH:MM:SS.mmmZ" in UTC. */
static void test_ids_and_times_hash_as_documented(void **state)
{
    fixture *f = *state;
    static const int64_t ids[] = {0, -1, 7, 10, 1234567890123LL, INT64_MAX, INT64_MIN};
    size_t nid = sizeof ids / sizeof ids[0];
    exec_ok(f->c, "BEGIN IMMEDIATE");
    for (size_t i = 0; i < nid; i++) {
        rm_error err = {0};
        assert_int_equal(audit_append(f->c, "u", "create", "facilities", ids[i], NULL, NULL, "{}", &err), 0);
    }
    exec_ok(f->c, "COMMIT");
    sqlite3_stmt *st = db_stmt(f->c, ROW_SQL " ORDER BY id", NULL);
    assert_non_null(st);
    size_t n = 0;
    while (next_row_as_documented(st)) {
        assert_true(sqlite3_column_int64(st, 5) == ids[n]);
        const char *at = (const char *)sqlite3_column_text(st, 1);
        assert_int_equal(strlen(at), 24);
        for (int k = 0; k < 24; k++) {
            const char *shape = "dddd-dd-ddTdd:dd:dd.dddZ";
            if (shape[k] == 'd')
                assert_true(at[k] >= '0' && at[k] <= '9');
            else
                assert_int_equal(at[k], shape[k]);
        }
        n++;
    }
    db_stmt_done(st);
    assert_int_equal(n, nid);
    assert_int_equal(verify(f->c).first_bad_id, 0);
}

static void test_rehashed_row_breaks_the_next_link(void **state)
{
    fixture *f = *state;
    append_rows(f->c, 5);
    drop_triggers(f->c);
    /* Change row 3 and recompute its own hash correctly: row 4 no longer follows it. */
    sqlite3_stmt *st = db_stmt(f->c, ROW_SQL " WHERE id = 3", NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char forged[65];
    documented_hash(st, "forger", forged);
    db_stmt_done(st);
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE audit SET user_name = 'forger', hash = '%s' WHERE id = 3", forged);
    exec_ok(f->c, sql);
    assert_broken_at(f->c, 4);
    /* A careless forger who copies another row's hash is caught at the row itself. */
    exec_ok(f->c, "UPDATE audit SET hash = (SELECT hash FROM audit WHERE id = 2) WHERE id = 3");
    assert_broken_at(f->c, 3);
}

static void test_rolled_back_write_leaves_nothing(void **state)
{
    fixture *f = *state;
    append_rows(f->c, 2);
    rm_error err = {0};
    exec_ok(f->c, "BEGIN IMMEDIATE");
    assert_int_equal(audit_append(f->c, "demo.licensing", "delete", "sources", 7, NULL, "{}", NULL, &err), 0);
    exec_ok(f->c, "ROLLBACK");
    audit_report rep = verify(f->c);
    assert_int_equal(rep.rows, 2);
    assert_int_equal(rep.first_bad_id, 0);
    append_rows(f->c, 1);
    rep = verify(f->c);
    assert_int_equal(rep.rows, 3);
    assert_int_equal(rep.first_bad_id, 0);
}

/* A batch (an import): the head is read once and written once; the rows chain as if appended one by
 * one, meta.audit_head names the newest, and rows appended after the batch follow it. */
static void test_batch_chains_and_writes_head_once(void **state)
{
    fixture *f = *state;
    append_rows(f->c, 2);
    rm_error err = {0};
    exec_ok(f->c, "BEGIN IMMEDIATE");
    assert_int_equal(audit_batch_begin(f->c, &err), 0);
    for (int i = 0; i < 50; i++)
        assert_int_equal(audit_append(f->c, "demo.licensing", "create", "facilities", 1000 + i, "imp-1", NULL,
                                      "{\"type\":\"Feature\"}", &err), 0);
    /* The head in meta is not touched until the batch ends. */
    sqlite3_stmt *st = db_stmt(f->c, "SELECT (SELECT value FROM meta WHERE key = 'audit_head') = "
                                     "(SELECT hash FROM audit WHERE id = 2)", NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    db_stmt_done(st);
    assert_int_equal(audit_batch_end(f->c, &err), 0);
    exec_ok(f->c, "COMMIT");
    audit_report rep = verify(f->c);
    assert_int_equal(rep.rows, 52);
    assert_int_equal(rep.first_bad_id, 0);
    append_rows(f->c, 1);
    rep = verify(f->c);
    assert_int_equal(rep.rows, 53);
    assert_int_equal(rep.first_bad_id, 0);
}

/* Rows appended many to a statement (an import's batches) chain one to the next and hash as
 * documented, inside a batch and outside one (meta.audit_head then follows at once); a count outside
 * 1..AUDIT_ROWS_MAX is refused and writes nothing. */
static void test_rows_in_one_statement(void **state)
{
    fixture *f = *state;
    append_rows(f->c, 2);
    rm_error err = {0};
    int64_t ids[AUDIT_ROWS_MAX];
    const char *after[AUDIT_ROWS_MAX], *before[AUDIT_ROWS_MAX];
    for (int i = 0; i < AUDIT_ROWS_MAX; i++) {
        ids[i] = 500 + i;
        after[i] = i % 3 ? "{\"type\":\"Feature\",\"id\":1}" : "{}";
        before[i] = i % 2 ? "{\"old\":true}" : NULL;
    }
    exec_ok(f->c, "BEGIN IMMEDIATE");
    assert_int_equal(audit_batch_begin(f->c, &err), 0);
    assert_int_equal(audit_append_rows(f->c, "demo.licensing", "create", "facilities", "imp-9", 16, ids, NULL, after,
                                       &err), 0);
    assert_int_equal(audit_append(f->c, "demo.licensing", "create", "organizations", 3, "imp-9", NULL, "{}", &err),
                     0);
    assert_int_equal(audit_append_rows(f->c, "demo.licensing", "update", "facilities", "imp-9", AUDIT_ROWS_MAX, ids,
                                       before, after, &err), 0);
    assert_int_equal(audit_batch_end(f->c, &err), 0);
    exec_ok(f->c, "COMMIT");
    assert_int_equal(audit_append_rows(f->c, "demo.admin", "update", "sources", NULL, 3, ids, before, after, &err), 0);
    assert_int_equal(audit_append_rows(f->c, "demo.admin", "update", "sources", NULL, 0, ids, NULL, after, &err), -1);
    assert_int_equal(audit_append_rows(f->c, "demo.admin", "update", "sources", NULL, AUDIT_ROWS_MAX + 1, ids, NULL,
                                       after, &err), -1);
    audit_report rep = verify(f->c);
    assert_int_equal(rep.rows, 2 + 16 + 1 + AUDIT_ROWS_MAX + 3);
    assert_int_equal(rep.first_bad_id, 0);
    sqlite3_stmt *st = db_stmt(f->c, ROW_SQL " ORDER BY id", NULL);
    assert_non_null(st);
    int n = 0;
    while (next_row_as_documented(st))
        n++;
    db_stmt_done(st);
    assert_int_equal(n, rep.rows);
    st = db_stmt(f->c, "SELECT (SELECT value FROM meta WHERE key = 'audit_head') = "
                       "(SELECT hash FROM audit ORDER BY id DESC LIMIT 1)", NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    db_stmt_done(st);
}

/* A batch rolled back and aborted leaves nothing, and later appends read the head from the table
 * again (not the abandoned one held in memory). */
static void test_aborted_batch_leaves_nothing(void **state)
{
    fixture *f = *state;
    append_rows(f->c, 3);
    rm_error err = {0};
    exec_ok(f->c, "BEGIN IMMEDIATE");
    assert_int_equal(audit_batch_begin(f->c, &err), 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(audit_append(f->c, "demo.licensing", "create", "sources", 70 + i, "imp-2", NULL, "{}",
                                      &err), 0);
    audit_batch_abort(f->c);
    exec_ok(f->c, "ROLLBACK");
    append_rows(f->c, 2);
    audit_report rep = verify(f->c);
    assert_int_equal(rep.rows, 5);
    assert_int_equal(rep.first_bad_id, 0);
    /* Ending a batch that is not open is harmless. */
    assert_int_equal(audit_batch_end(f->c, &err), 0);
}

int main(void)
{
    db_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_empty_trail_is_intact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_chains_and_writes_head_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aborted_batch_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rows_in_one_statement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chain_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_triggers_refuse_update_and_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_json_is_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_made_empty_is_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shifted_bytes_are_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_id_or_user_is_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(test_removed_middle_row_is_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(test_removed_newest_row_is_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(test_swapped_rows_are_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_is_as_documented, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ids_and_times_hash_as_documented, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rehashed_row_breaks_the_next_link, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rolled_back_write_leaves_nothing, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    db_global_shutdown();
    return rc;
}
