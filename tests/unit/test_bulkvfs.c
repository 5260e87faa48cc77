/*
 * Unit tests of db/bulkvfs, the write-gathering VFS of bulk writers (db_open with DB_BULK):
 *   - a large commit reaches the WAL in far fewer writes than it has pages (the same commit through
 *     the plain VFS is the yardstick), and reads back whole, from the writer, from a reader on the
 *     plain VFS and after a reopen (the checkpoint done), with SQLite's integrity check passing;
 *   - a reader in another connection sees each commit at once, with synchronous FULL and NORMAL;
 *   - a write that fails (the disk is full) fails the commit, and a reader then sees the register as
 *     it was; once the disk has room the same transaction commits.
 * Writes are counted, and made to fail, through the unix VFS's system-call table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "db/db.h"
#include "tmpdb.h"

#define ROWS 2000
#define ROW_BYTES 2000

static sqlite3_syscall_ptr real_pwrite, real_pwrite64, real_write;
static long writes;
static long fail_after = -1; /* writes that succeed before the disk is "full" (-1: never full) */

static int counted(void)
{
    writes++;
    if (fail_after >= 0 && writes > fail_after) {
        errno = ENOSPC;
        return -1;
    }
    return 0;
}

static ssize_t count_pwrite(int fd, const void *p, size_t n, off_t off)
{
    return counted() < 0 ? -1 : ((ssize_t(*)(int, const void *, size_t, off_t))real_pwrite)(fd, p, n, off);
}

static ssize_t count_pwrite64(int fd, const void *p, size_t n, off_t off)
{
    return counted() < 0 ? -1 : ((ssize_t(*)(int, const void *, size_t, off_t))real_pwrite64)(fd, p, n, off);
}

static ssize_t count_write(int fd, const void *p, size_t n)
{
    return counted() < 0 ? -1 : ((ssize_t(*)(int, const void *, size_t))real_write)(fd, p, n);
}

/* Count (and maybe fail) the unix VFS's writes from now on. */
static void hook_writes(void)
{
    sqlite3_vfs *v = sqlite3_vfs_find("unix");
    assert_non_null(v);
    real_pwrite = v->xGetSystemCall(v, "pwrite");
    real_pwrite64 = v->xGetSystemCall(v, "pwrite64");
    real_write = v->xGetSystemCall(v, "write");
    if (real_pwrite)
        v->xSetSystemCall(v, "pwrite", (sqlite3_syscall_ptr)count_pwrite);
    if (real_pwrite64)
        v->xSetSystemCall(v, "pwrite64", (sqlite3_syscall_ptr)count_pwrite64);
    if (real_write)
        v->xSetSystemCall(v, "write", (sqlite3_syscall_ptr)count_write);
    writes = 0;
    fail_after = -1;
}

static void unhook_writes(void)
{
    sqlite3_vfs *v = sqlite3_vfs_find("unix");
    v->xSetSystemCall(v, NULL, NULL); /* every system call back to its default */
}

typedef struct fixture {
    char dir[256];
    char path[300];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || tmpdb_make("bulkvfs", f->dir, sizeof f->dir, f->path, sizeof f->path) < 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    unhook_writes();
    tmpdb_remove(f->dir, f->path);
    free(f);
    return 0;
}

static int64_t query_int(db_conn *c, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db_sqlite(c), sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* SQLite's integrity check passes on c. */
static void assert_intact(db_conn *c)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db_sqlite(c), "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
}

static const char fill_sql[] =
    "BEGIN IMMEDIATE; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
    "INSERT INTO t(id, v) SELECT i, randomblob(2008) FROM n; COMMIT";

/* The writes of the fill transaction on a new register at path, opened with flags. */
static long fill_writes(const char *path, int flags)
{
    rm_error err = {0};
    db_conn *c = NULL;
    assert_int_equal(db_open(path, DB_READWRITE | DB_CREATE | flags, &c, &err), 0);
    /* The commit alone: the checkpoint (not gathered) comes when the connection closes. */
    assert_int_equal(db_exec(c, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB); PRAGMA wal_autocheckpoint=0", &err),
                     0);
    hook_writes();
    assert_int_equal(db_exec(c, fill_sql, &err), 0);
    long n = writes;
    unhook_writes();
    assert_int_equal(query_int(c, "SELECT count(*) FROM t"), ROWS);
    db_close(c);
    return n;
}

static void check_contents(const char *path, int flags)
{
    rm_error err = {0};
    db_conn *c = NULL;
    assert_int_equal(db_open(path, flags, &c, &err), 0);
    assert_int_equal(query_int(c, "SELECT count(*) FROM t"), ROWS);
    assert_int_equal(query_int(c, "SELECT sum(length(v)) FROM t"), (int64_t)ROWS * (ROW_BYTES + 8));
    assert_intact(c);
    db_close(c);
}

static void test_writes_are_gathered(void **state)
{
    fixture *f = *state;
    char plain[320];
    snprintf(plain, sizeof plain, "%s.plain", f->path);
    long by_page = fill_writes(plain, 0);
    char wal[330], shm[330];
    snprintf(wal, sizeof wal, "%s-wal", plain);
    snprintf(shm, sizeof shm, "%s-shm", plain);
    unlink(plain);
    unlink(wal);
    unlink(shm);
    long gathered = fill_writes(f->path, DB_BULK);
    /* About 1 000 pages, each a frame header and a page in the WAL. */
    assert_true(by_page > 2000);
    assert_true(gathered * 10 < by_page);
    check_contents(f->path, DB_READWRITE | DB_BULK);
    check_contents(f->path, DB_READONLY);
}

static void test_reader_during_bulk_writes(void **state)
{
    fixture *f = *state;
    rm_error err = {0};
    db_conn *w = NULL, *r = NULL;
    assert_int_equal(db_open(f->path, DB_READWRITE | DB_CREATE | DB_BULK, &w, &err), 0);
    assert_int_equal(db_exec(w, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)", &err), 0);
    assert_int_equal(db_open(f->path, DB_READONLY, &r, &err), 0);
    /* Commits of every size, the reader checking each (it reads the WAL the writer gathered). The
     * second half with synchronous=NORMAL: no sync at a commit, the frames go out at the barrier
     * before the WAL-index header. */
    int64_t total = 0;
    for (int k = 1; k <= 40; k++) {
        if (k == 21)
            assert_int_equal(db_exec(w, "PRAGMA synchronous=NORMAL", &err), 0);
        char sql[300];
        snprintf(sql, sizeof sql, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
                 "INSERT INTO t(v) SELECT randomblob(%d) FROM n", k * 7, 100 + k * 97);
        assert_int_equal(db_exec(w, sql, &err), 0);
        total += k * 7;
        assert_int_equal(query_int(r, "SELECT count(*) FROM t"), total);
        assert_int_equal(query_int(r, "SELECT count(*) FROM t WHERE v IS NULL"), 0);
    }
    assert_intact(r);
    db_close(r);
    db_close(w);
}

static void test_full_disk_fails_the_commit(void **state)
{
    fixture *f = *state;
    rm_error err = {0};
    db_conn *w = NULL, *r = NULL;
    assert_int_equal(db_open(f->path, DB_READWRITE | DB_CREATE | DB_BULK, &w, &err), 0);
    assert_int_equal(db_exec(w, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB); INSERT INTO t(id, v) VALUES "
                                "(9999, x'01')", &err), 0);
    assert_int_equal(db_open(f->path, DB_READONLY, &r, &err), 0);
    hook_writes();
    fail_after = 5; /* the sixth write (and every later one) finds the disk full */
    assert_int_equal(db_exec(w, fill_sql, &err), -1);
    assert_int_equal(sqlite3_errcode(db_sqlite(w)) & 0xff, SQLITE_FULL);
    db_exec(w, "ROLLBACK", NULL);
    unhook_writes();
    assert_int_equal(query_int(r, "SELECT count(*) FROM t"), 1);
    /* Room again: the same transaction commits, whole. */
    assert_int_equal(db_exec(w, "DELETE FROM t", &err), 0);
    assert_int_equal(db_exec(w, fill_sql, &err), 0);
    assert_int_equal(query_int(r, "SELECT count(*) FROM t"), ROWS);
    assert_intact(r);
    db_close(r);
    db_close(w);
}

int main(void)
{
    db_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writes_are_gathered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_during_bulk_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_disk_fails_the_commit, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    db_global_shutdown();
    return rc;
}
