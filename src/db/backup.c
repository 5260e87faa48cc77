/*
 * backup: online backup and checked restore of the register; see backup.h.
 */
#include "db/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/json.h"
#include "db/audit.h"
#include "db/db.h"
#include "db/migrate.h"

/* How long a copy waits for the other side's lock (a long write transaction of the server, or
 * `radmap import`) before giving up. */
#define BACKUP_LOCK_WAIT_MS 60000

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Copy every page of src's main database into dest's, in one step (one read transaction of src,
 * one write transaction of dest), retrying while either is locked. 0 or -1 with err. */
static int copy_pages(sqlite3 *dest, sqlite3 *src, const char *what, rm_error *err)
{
    sqlite3_backup *b = sqlite3_backup_init(dest, "main", src, "main");
    if (!b)
        return rm_error_set(err, 500, "Backup failed", "%s: %s", what, sqlite3_errmsg(dest));
    int rc, waited = 0;
    while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        if (waited >= BACKUP_LOCK_WAIT_MS)
            break;
        sleep_ms(50);
        waited += 50;
    }
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        const char *why = rc == SQLITE_BUSY || rc == SQLITE_LOCKED
                              ? "the database stayed locked by a writer for a minute"
                              : rc == SQLITE_READONLY ? "the target cannot be written, or its page size differs "
                                                        "(stop the server and restore into a new file)"
                                                      : sqlite3_errstr(rc);
        return rm_error_set(err, rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? 503 : 500, "Backup failed", "%s: %s",
                            what, why);
    }
    return 0;
}

/* sha256 (hex) and size of the file at path. 0 or -1. */
static int file_digest(const char *path, char hex[65], int64_t *bytes)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    unsigned char chunk[1 << 16];
    size_t n;
    int64_t total = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        crypto_hash_sha256_update(&h, chunk, n);
        total += (int64_t)n;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return -1;
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&h, d);
    sodium_bin2hex(hex, 65, d, sizeof d);
    *bytes = total;
    return 0;
}

/* fsync the file at path, and the directory holding it (so a rename into it is durable). */
static int sync_path(const char *path, bool dir_too)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    if (rc == 0 && dir_too) {
        char copy[PATH_MAX];
        snprintf(copy, sizeof copy, "%s", path);
        fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
            fsync(fd);
            close(fd);
        }
    }
    return rc;
}

static void remove_db_files(const char *path)
{
    char p[PATH_MAX + 8];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-journal", path);
    unlink(p);
}

/* Are a and b the same file (both existing)? */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Integrity, audit chain and schema version of the open database c (called what in messages). */
static int check_conn(db_conn *c, const char *what, backup_info *info, rm_error *err)
{
    sqlite3_stmt *st = db_stmt(c, "PRAGMA integrity_check(20)", err);
    if (!st)
        return -1;
    buf problems = BUF_INIT;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);
        if (line && strcmp(line, "ok") != 0)
            buf_appendf(&problems, "%s%s", problems.len ? "; " : "", line);
    }
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        buf_free(&problems);
        return db_error(c, err, 500, what);
    }
    if (problems.len) {
        rm_error_set(err, 422, "Damaged database", "%s fails PRAGMA integrity_check: %.400s", what, problems.data);
        buf_free(&problems);
        return -1;
    }
    buf_free(&problems);
    int v = migrate_version(c);
    if (v < 1)
        return rm_error_set(err, 422, "Not a register", "%s is not a radmap register (schema version %d)", what, v);
    if (v > migrate_latest())
        return rm_error_set(err, 422, "Newer schema", "%s has schema version %d, newer than this radmap's %d: "
                            "restore it with the radmap that made it", what, v, migrate_latest());
    audit_report rep;
    if (audit_verify(c, &rep, err) < 0)
        return -1;
    if (rep.first_bad_id)
        return rm_error_set(err, 422, "Audit trail broken", "%s: the audit trail's hash chain is broken: %s", what,
                            rep.problem);
    if (info) {
        memset(info, 0, sizeof *info);
        info->schema_version = v;
        info->audit_rows = rep.rows;
        st = db_stmt(c, "SELECT hash FROM audit ORDER BY id DESC LIMIT 1", NULL);
        if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            snprintf(info->audit_head, sizeof info->audit_head, "%s", (const char *)sqlite3_column_text(st, 0));
        db_stmt_done(st);
    }
    return 0;
}

int backup_check(const char *path, backup_info *info, rm_error *err)
{
    if (access(path, R_OK) != 0)
        return rm_error_set(err, 404, "No such file", "%s cannot be read: %s", path, strerror(errno));
    db_conn *c = NULL;
    if (db_open(path, DB_READONLY, &c, err) < 0)
        return -1;
    int rc = check_conn(c, path, info, err);
    db_close(c);
    if (rc == 0 && info && file_digest(path, info->sha256, &info->bytes) < 0)
        return rm_error_set(err, 500, "Cannot read", "%s cannot be read: %s", path, strerror(errno));
    return rc;
}

/* Copy the database open as src into a new file at path, self-contained (rollback journal). */
static int copy_to_new_file(db_conn *src, const char *path, const char *what, rm_error *err)
{
    remove_db_files(path);
    sqlite3 *dest = NULL;
    int rc = -1;
    if (sqlite3_open_v2(path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        rm_error_set(err, 500, "Cannot write", "cannot create %s: %s", path, dest ? sqlite3_errmsg(dest) : "no memory");
        goto done;
    }
    if (copy_pages(dest, db_sqlite(src), what, err) < 0)
        goto done;
    /* The pages carry the source's WAL flag: make the copy one file that needs nothing beside it. */
    char *msg = NULL;
    if (sqlite3_exec(dest, "PRAGMA journal_mode=DELETE", NULL, NULL, &msg) != SQLITE_OK) {
        rm_error_set(err, 500, "Backup failed", "%s: %s", what, msg ? msg : sqlite3_errmsg(dest));
        sqlite3_free(msg);
        goto done;
    }
    rc = 0;
done:
    if (dest)
        sqlite3_close(dest);
    if (rc < 0)
        remove_db_files(path);
    return rc;
}

int backup_create(const char *db_path, const char *out_path, backup_info *info, rm_error *err)
{
    if (access(db_path, R_OK) != 0)
        return rm_error_set(err, 404, "No such file", "%s cannot be read: %s", db_path, strerror(errno));
    if (same_file(db_path, out_path))
        return rm_error_set(err, 400, "Same file", "the backup %s would overwrite the database itself", out_path);
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", out_path, (long)getpid()) >= (int)sizeof tmp)
        return rm_error_set(err, 400, "Path too long", "%s is too long", out_path);
    db_conn *src = NULL, *copy = NULL;
    int rc = -1;
    if (db_open(db_path, DB_READONLY, &src, err) < 0)
        goto done;
    if (copy_to_new_file(src, tmp, "copying the database", err) < 0)
        goto done;
    db_close(src);
    src = NULL;
    if (db_open(tmp, DB_READONLY, &copy, err) < 0)
        goto done;
    if (check_conn(copy, "the copy", info, err) < 0)
        goto done;
    db_close(copy);
    copy = NULL;
    if (sync_path(tmp, false) < 0 || rename(tmp, out_path) != 0) {
        rm_error_set(err, 500, "Cannot write", "cannot write %s: %s", out_path, strerror(errno));
        goto done;
    }
    sync_path(out_path, true);
    if (info && file_digest(out_path, info->sha256, &info->bytes) < 0) {
        rm_error_set(err, 500, "Cannot read", "%s cannot be read back: %s", out_path, strerror(errno));
        goto done;
    }
    rc = 0;
done:
    db_close(src);
    db_close(copy);
    if (rc < 0)
        remove_db_files(tmp);
    return rc;
}

static void utc_now(char out[32], bool compact)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, compact ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Record the restore in the working copy c: an audit row and the restored_at marker. */
static int mark_restored(db_conn *c, const char *backup_path, const backup_info *backup, const backup_info *replaced,
                         const char *safety_path, rm_error *err)
{
    char when[32];
    utc_now(when, false);
    char name[PATH_MAX];
    snprintf(name, sizeof name, "%s", backup_path);
    buf after = BUF_INIT;
    json_writer w;
    json_init(&w, &after);
    json_obj_begin(&w);
    json_kv_str(&w, "backup", basename(name));
    json_kv_str(&w, "backup_sha256", backup->sha256);
    json_kv_int(&w, "backup_audit_rows", backup->audit_rows);
    json_kv_int(&w, "backup_schema_version", backup->schema_version);
    if (replaced) {
        json_key(&w, "replaced");
        json_obj_begin(&w);
        json_kv_int(&w, "audit_rows", replaced->audit_rows);
        json_kv_str(&w, "audit_head", replaced->audit_head);
        json_kv_str(&w, "saved_as", safety_path);
        json_obj_end(&w);
    }
    json_obj_end(&w);
    int rc = -1;
    char marker[PATH_MAX + 40];
    snprintf(marker, sizeof marker, "%s %s", when, backup->sha256);
    if (db_exec(c, "BEGIN IMMEDIATE", err) < 0)
        goto done;
    if (audit_append(c, "radmap restore", "restore", "register", 0, NULL, NULL, after.data, err) < 0)
        goto rollback;
    sqlite3_stmt *st = db_stmt(c, "INSERT OR REPLACE INTO meta(key, value) VALUES ('restored_at', ?)", err);
    if (!st)
        goto rollback;
    sqlite3_bind_text(st, 1, marker, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    db_stmt_done(st);
    if (s != SQLITE_DONE) {
        db_error(c, err, 500, "writing the restore marker");
        goto rollback;
    }
    if (db_exec(c, "COMMIT", err) < 0)
        goto rollback;
    rc = 0;
    goto done;
rollback:
    db_exec(c, "ROLLBACK", NULL);
done:
    buf_free(&after);
    return rc;
}

int backup_restore(const char *backup_path, const char *db_path, char *safety_path, size_t cap, backup_info *info,
                   rm_error *err)
{
    backup_info bi, current;
    bool have_current = access(db_path, F_OK) == 0;
    if (safety_path && cap)
        safety_path[0] = 0;
    if (have_current && same_file(backup_path, db_path))
        return rm_error_set(err, 400, "Same file", "%s is the database itself", backup_path);
    if (backup_check(backup_path, &bi, err) < 0)
        return -1;
    char work[PATH_MAX], saved[PATH_MAX];
    char stamp[32];
    utc_now(stamp, true);
    if (snprintf(work, sizeof work, "%s.restore-%ld", db_path, (long)getpid()) >= (int)sizeof work ||
        snprintf(saved, sizeof saved, "%s.before-restore-%s", db_path, stamp) >= (int)sizeof saved)
        return rm_error_set(err, 400, "Path too long", "%s is too long", db_path);
    db_conn *src = NULL, *wc = NULL, *live = NULL;
    int rc = -1;
    bool replaced = false;
    /* A working copy, brought to this program's schema. */
    if (db_open(backup_path, DB_READONLY, &src, err) < 0 || copy_to_new_file(src, work, "copying the backup", err) < 0)
        goto done;
    db_close(src);
    src = NULL;
    if (db_open(work, DB_READWRITE, &wc, err) < 0 || migrate_apply(wc, 0, NULL, err) < 0)
        goto done;
    if (have_current) {
        /* What is replaced is kept, consistent, beside it. */
        db_conn *cur = NULL;
        if (db_open(db_path, DB_READONLY, &cur, err) < 0)
            goto done;
        int r = copy_to_new_file(cur, saved, "saving the current database", err);
        memset(&current, 0, sizeof current);
        audit_report rep;
        if (r == 0 && audit_verify(cur, &rep, err) == 0) {
            current.audit_rows = rep.rows;
            sqlite3_stmt *st = db_stmt(cur, "SELECT hash FROM audit ORDER BY id DESC LIMIT 1", NULL);
            if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
                snprintf(current.audit_head, sizeof current.audit_head, "%s",
                         (const char *)sqlite3_column_text(st, 0));
            db_stmt_done(st);
        }
        db_close(cur);
        if (r < 0)
            goto done;
        sync_path(saved, true);
    }
    if (mark_restored(wc, backup_path, &bi, have_current ? &current : NULL, have_current ? saved : "", err) < 0 ||
        check_conn(wc, "the restored copy", NULL, err) < 0)
        goto done;
    if (have_current) {
        /* Replace the content in place, through SQLite's locks: one write transaction that a
         * running server sees as a commit like any other. */
        if (db_open(db_path, DB_READWRITE, &live, err) < 0 ||
            copy_pages(db_sqlite(live), db_sqlite(wc), "replacing the database", err) < 0)
            goto done;
        replaced = true;
        if (safety_path && cap)
            snprintf(safety_path, cap, "%s", saved);
        sqlite3_wal_checkpoint_v2(db_sqlite(live), NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        if (check_conn(live, db_path, info, err) < 0)
            goto done;
    } else {
        if (db_exec(wc, "PRAGMA wal_checkpoint(TRUNCATE)", err) < 0)
            goto done;
        db_close(wc);
        wc = NULL;
        if (rename(work, db_path) != 0) {
            rm_error_set(err, 500, "Cannot write", "cannot create %s: %s", db_path, strerror(errno));
            goto done;
        }
        remove_db_files(work);
        sync_path(db_path, true);
        if (db_open(db_path, DB_READWRITE, &live, err) < 0 || check_conn(live, db_path, info, err) < 0)
            goto done;
    }
    rc = 0;
done:
    db_close(src);
    db_close(wc);
    db_close(live);
    remove_db_files(work);
    if (rc < 0 && have_current && !replaced)
        remove_db_files(saved);
    if (rc == 0 && info) {
        struct stat sb;
        info->bytes = stat(db_path, &sb) == 0 ? (int64_t)sb.st_size : 0;
        info->sha256[0] = 0; /* a live file in WAL mode: its bytes alone are not the content */
    }
    return rc;
}
