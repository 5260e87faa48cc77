/*
 * Unit tests of db/db's change detection, which keeps the tile cache and the token cache true:
 * db_data_version() notices every commit of another connection (across WAL restarts after a
 * checkpoint, and interleaved at random with rounds without a commit) while it answers from the
 * WAL-index header, without a statement, when nothing was committed; db_generation() also moves
 * on the connection's own writes and stays put otherwise.
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

#include "db/db.h"
#include "tmpdb.h"

typedef struct fixture {
    char dir[256];
    char path[300];
    db_conn *writer, *reader;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(tmpdb_make("db", f->dir, sizeof f->dir, f->path, sizeof f->path), 0);
    rm_error err = {0};
    if (db_open(f->path, DB_READWRITE | DB_CREATE, &f->writer, &err) < 0 ||
        db_exec(f->writer, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)", &err) < 0 ||
        db_open(f->path, DB_READONLY, &f->reader, &err) < 0) {
        print_error("cannot create a database: %s\n", err.detail);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    db_close(f->reader);
    db_close(f->writer);
    tmpdb_remove(f->dir, f->path);
    free(f);
    return 0;
}

static void write_row(db_conn *c)
{
    rm_error err = {0};
    assert_int_equal(db_exec(c, "INSERT INTO t(v) VALUES (hex(randomblob(8)))", &err), 0);
}

static void test_other_connections_commits(void **state)
{
    fixture *f = *state;
    int64_t v = db_data_version(f->reader);
    assert_true(v >= 0);
    uint64_t asked = db_data_version_queries(f->reader);
    /* nothing committed: the same version, and SQLite is not asked again */
    for (int i = 0; i < 100; i++)
        assert_int_equal(db_data_version(f->reader), v);
    assert_int_equal(db_data_version_queries(f->reader), asked);
    /* every commit is seen, in rounds with and without one */
    srand(20251129);
    int commits = 0;
    for (int i = 0; i < 400; i++) {
        bool commit = rand() % 3 == 0;
        if (commit) {
            write_row(f->writer);
            commits++;
        }
        int64_t now = db_data_version(f->reader);
        if (commit)
            assert_true(now != v);
        else
            assert_int_equal(now, v);
        v = now;
    }
    assert_true(commits > 50);
    /* at most one statement per commit (and the one after it that sees the header settled) */
    assert_true(db_data_version_queries(f->reader) - asked <= (uint64_t)commits * 2);
}

static void test_wal_restart(void **state)
{
    fixture *f = *state;
    rm_error err = {0};
    for (int round = 0; round < 5; round++) {
        write_row(f->writer);
        int64_t v = db_data_version(f->reader);
        /* a checkpoint that empties the WAL, then a commit that starts it over from its first frame */
        assert_int_equal(db_exec(f->writer, "PRAGMA wal_checkpoint(TRUNCATE)", &err), 0);
        /* (SQLite itself may count the restart as a change; it is then seen once, like a commit) */
        v = db_data_version(f->reader);
        assert_int_equal(db_data_version(f->reader), v);
        write_row(f->writer);
        assert_true(db_data_version(f->reader) != v);
    }
}

static void test_generation(void **state)
{
    fixture *f = *state;
    uint64_t g = db_generation(f->reader), w = db_generation(f->writer);
    assert_true(g != 0 && w != 0);
    assert_int_equal(db_generation(f->reader), g);
    assert_int_equal(db_generation(f->writer), w);
    /* the writer's own commit moves its generation (data_version alone would not) and the reader's */
    write_row(f->writer);
    assert_true(db_generation(f->writer) != w);
    assert_true(db_generation(f->reader) != g);
    w = db_generation(f->writer);
    g = db_generation(f->reader);
    /* a statement that changes no row moves nothing */
    rm_error err = {0};
    assert_int_equal(db_exec(f->writer, "UPDATE t SET v = v WHERE id < 0", &err), 0);
    assert_int_equal(db_generation(f->writer), w);
    assert_int_equal(db_generation(f->reader), g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_other_connections_commits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generation, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
