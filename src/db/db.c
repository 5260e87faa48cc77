/*
 * db: connection setup and the prepared-statement cache; see db.h.
 */
#include "db/db.h"

#include <spatialite.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/bulkvfs.h"
#include "db/sqlfunc.h"

#define DB_STMT_CACHE 96
/* The WAL-index header: the first 48 bytes of the -shm file, kept twice (SQLite's fileformat
 * document, "The WAL-Index Format"). */
#define DB_WAL_HDR 48

struct db_conn {
    sqlite3 *db;
    void *spatialite_cache;
    int flags;
    struct {
        char *sql;
        sqlite3_stmt *st;
        uint64_t hash;
        uint64_t used;
    } cache[DB_STMT_CACHE];
    uint64_t tick;
    int64_t seen_data_version; /* for db_changed_since_last_check() */
    /* db_data_version() without a transaction while nothing was committed: */
    int wal;                   /* 0 not known yet, 1 the database is in WAL mode, -1 it is not */
    sqlite3_file *main_file;   /* the main database's file (NULL until looked up) */
    bool dv_known;             /* dv is the data version as of the WAL-index header in dv_hdr */
    int64_t dv;
    uint64_t dv_queries;
    unsigned char dv_hdr[DB_WAL_HDR];
    /* db_generation(): */
    uint64_t generation;
    int64_t gen_data_version;
    int64_t gen_total_changes;
    db_audit_batch audit;      /* see db_audit_batch_state() */
};

/* Deadline of the query work of the current request on this thread (monotonic microseconds; 0:
 * none), set by the server for each request: a query past it is interrupted (DESIGN §2: nothing
 * slow runs on a connection thread). */
static _Thread_local int64_t thread_deadline_us;

void db_deadline_set(int64_t deadline_us) { thread_deadline_us = deadline_us; }

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int progress(void *arg)
{
    (void)arg;
    return thread_deadline_us && mono_us() > thread_deadline_us;
}

/* How long a statement waits for a lock held by another connection before SQLITE_BUSY (the
 * server's writer waits for `radmap import` in another process, for instance). */
#define DB_BUSY_TIMEOUT_MS 10000

static atomic_uint_fast64_t busy_waits, busy_wait_us, busy_timeouts;

/* SQLite's own back-off (sqliteDefaultBusyCallback) with counting: 1, 2, 5, 10 ... 100 ms
 * between tries, at most DB_BUSY_TIMEOUT_MS in all. */
static int busy_wait(void *arg, int count)
{
    (void)arg;
    static const int delays_ms[] = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100};
    static const int ndelays = (int)(sizeof delays_ms / sizeof delays_ms[0]);
    int waited = 0;
    for (int i = 0; i < count && i < ndelays; i++)
        waited += delays_ms[i];
    if (count >= ndelays)
        waited += (count - ndelays) * 100;
    int delay = count < ndelays ? delays_ms[count] : 100;
    if (waited >= DB_BUSY_TIMEOUT_MS) {
        atomic_fetch_add(&busy_timeouts, 1);
        return 0;
    }
    if (waited + delay > DB_BUSY_TIMEOUT_MS)
        delay = DB_BUSY_TIMEOUT_MS - waited;
    if (count == 0)
        atomic_fetch_add(&busy_waits, 1);
    struct timespec ts = {delay / 1000, (long)(delay % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    atomic_fetch_add(&busy_wait_us, (uint_fast64_t)delay * 1000);
    return 1;
}

void db_busy_get_stats(db_busy_stats *out)
{
    out->waits = atomic_load(&busy_waits);
    out->wait_us = atomic_load(&busy_wait_us);
    out->timeouts = atomic_load(&busy_timeouts);
}

void db_global_init(void)
{
    /* Serialized mode is not needed: each connection is used by one thread at a time. Nothing reads
     * SQLite's memory statistics, and keeping them takes a global mutex on every allocation. */
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
}

void db_global_shutdown(void)
{
    spatialite_shutdown();
}

int db_error(db_conn *c, rm_error *err, int status, const char *what)
{
    int code = c && c->db ? sqlite3_errcode(c->db) & 0xff : SQLITE_ERROR;
    const char *msg = c && c->db ? sqlite3_errmsg(c->db) : "no connection";
    if (code == SQLITE_INTERRUPT)
        return rm_error_set(err, 503, "Service Unavailable", "%s: the query ran past this server's time budget; "
                            "narrow it (a smaller bbox, a filter) or try again", what);
    if (code == SQLITE_FULL)
        return rm_error_set(err, 503, "Service Unavailable", "%s: the disk holding the database is full, so "
                            "nothing was written; reading goes on. Free disk space, then try again", what);
    if (code == SQLITE_READONLY)
        return rm_error_set(err, 503, "Service Unavailable", "%s: the database cannot be written (read-only file "
                            "or file system: %s), so nothing was written; reading goes on", what, msg);
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        return rm_error_set(err, 503, "Service Unavailable", "%s: the database stayed locked by another writer "
                            "for %d s (%s); try again", what, DB_BUSY_TIMEOUT_MS / 1000, msg);
    if (code == SQLITE_IOERR || code == SQLITE_CANTOPEN)
        status = 503;
    return rm_error_set(err, status, status == 503 ? "Service Unavailable" : "Database error", "%s: %s",
                        what, msg);
}

int db_open(const char *path, int flags, db_conn **out, rm_error *err)
{
    db_conn *c = calloc(1, sizeof *c);
    if (!c)
        return rm_error_set(err, 500, "Out of memory", "cannot allocate a connection");
    c->flags = flags;
    int oflags = SQLITE_OPEN_NOMUTEX;
    oflags |= (flags & DB_READWRITE) ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
    if ((flags & DB_CREATE) && (flags & DB_READWRITE))
        oflags |= SQLITE_OPEN_CREATE;
    const char *vfs = (flags & DB_BULK) && bulkvfs_register() == SQLITE_OK ? BULKVFS_NAME : NULL;
    if (sqlite3_open_v2(path, &c->db, oflags, vfs) != SQLITE_OK) {
        rm_error_set(err, 503, "Service Unavailable", "cannot open database %s: %s", path,
                     c->db ? sqlite3_errmsg(c->db) : "out of memory");
        goto fail;
    }
    sqlite3_extended_result_codes(c->db, 1);
    c->spatialite_cache = spatialite_alloc_connection();
    spatialite_init_ex(c->db, c->spatialite_cache, 0);
    spatialite_set_silent_mode(c->spatialite_cache);
    sqlfunc_register(c->db);
    sqlite3_busy_handler(c->db, busy_wait, NULL);
    if (flags & DB_READONLY)
        sqlite3_progress_handler(c->db, 20000, progress, NULL);
    const char *pragmas = (flags & DB_READWRITE)
        ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
          "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
        : "PRAGMA foreign_keys=ON; PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY;"
          "PRAGMA query_only=ON; PRAGMA mmap_size=268435456;";
    if (db_exec(c, pragmas, err) < 0)
        goto fail;
    *out = c;
    return 0;
fail:
    db_close(c);
    return -1;
}

db_audit_batch *db_audit_batch_state(db_conn *c) { return &c->audit; }

void db_close(db_conn *c)
{
    if (!c)
        return;
    for (int i = 0; i < DB_STMT_CACHE; i++) {
        if (c->cache[i].st)
            sqlite3_finalize(c->cache[i].st);
        free(c->cache[i].sql);
    }
    if (c->db)
        sqlite3_close(c->db);
    if (c->spatialite_cache)
        spatialite_cleanup_ex(c->spatialite_cache);
    free(c);
}

sqlite3 *db_sqlite(db_conn *c) { return c->db; }

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

sqlite3_stmt *db_stmt(db_conn *c, const char *sql, rm_error *err)
{
    uint64_t h = hash_str(sql);
    int victim = 0;
    for (int i = 0; i < DB_STMT_CACHE; i++) {
        if (c->cache[i].st && c->cache[i].hash == h && strcmp(c->cache[i].sql, sql) == 0) {
            c->cache[i].used = ++c->tick;
            return c->cache[i].st;
        }
        if (!c->cache[i].st || c->cache[i].used < c->cache[victim].used)
            victim = i;
        if (!c->cache[i].st)
            break;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        db_error(c, err, 500, "preparing a statement");
        return NULL;
    }
    if (c->cache[victim].st)
        sqlite3_finalize(c->cache[victim].st);
    free(c->cache[victim].sql);
    c->cache[victim].sql = strdup(sql);
    c->cache[victim].st = st;
    c->cache[victim].hash = h;
    c->cache[victim].used = ++c->tick;
    return st;
}

void db_stmt_done(sqlite3_stmt *st)
{
    if (!st)
        return;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

int db_exec(db_conn *c, const char *sql, rm_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int code = sqlite3_errcode(c->db) & 0xff;
        if (code == SQLITE_FULL || code == SQLITE_READONLY || code == SQLITE_BUSY || code == SQLITE_LOCKED) {
            sqlite3_free(msg);
            return db_error(c, err, 503, "writing");
        }
        int status = (code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_FULL ||
                      code == SQLITE_READONLY || code == SQLITE_IOERR) ? 503 : 500;
        rm_error_set(err, status, status == 503 ? "Service Unavailable" : "Database error", "%s",
                     msg ? msg : sqlite3_errmsg(c->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

bool db_changed_since_last_check(db_conn *c)
{
    int64_t v = db_data_version(c);
    bool changed = v != c->seen_data_version;
    c->seen_data_version = v;
    return changed;
}

/*
 * A copy of the WAL-index header, read the way SQLite's readers read it (walIndexTryHdr): the
 * first copy, a barrier, the second; a writer stores them in the other order, so equal copies are
 * one consistent header. Every commit changes it (mxFrame grows, or the salts change when the WAL
 * starts over), and it is read from the connection's own mapping of the -shm file through the VFS
 * (xShmMap), without a lock. False when it cannot be read (not WAL, no mapping, a write under way).
 *
 * Why by hand: a cached tile or a token check otherwise costs a read transaction only to learn
 * that nothing changed (PRAGMA data_version: two fcntl locks, file checks and a statement, about
 * a fifth of the server's time on a cached tile). SQLite offers no call that answers without one.
 */
static bool wal_header(db_conn *c, unsigned char out[DB_WAL_HDR])
{
    if (c->wal == 0) {
        sqlite3_stmt *st = db_stmt(c, "PRAGMA journal_mode", NULL);
        const char *mode = st && sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        c->wal = mode && strcmp(mode, "wal") == 0 ? 1 : -1;
        db_stmt_done(st);
    }
    if (c->wal < 0)
        return false;
    /* the main database's file object lives as long as the connection: looked up once */
    if (!c->main_file &&
        sqlite3_file_control(c->db, "main", SQLITE_FCNTL_FILE_POINTER, &c->main_file) != SQLITE_OK)
        c->main_file = NULL;
    sqlite3_file *f = c->main_file;
    if (!f || !f->pMethods || f->pMethods->iVersion < 2 || !f->pMethods->xShmMap)
        return false;
    volatile void *region = NULL;
    /* Region 0 is mapped by the connection's first read transaction in WAL mode; bExtend 0 maps
     * nothing new. */
    if (f->pMethods->xShmMap(f, 0, 32768, 0, &region) != SQLITE_OK || !region)
        return false;
    const volatile unsigned char *h = region;
    unsigned char second[DB_WAL_HDR];
    for (int i = 0; i < DB_WAL_HDR; i++)
        out[i] = h[i];
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    for (int i = 0; i < DB_WAL_HDR; i++)
        second[i] = h[DB_WAL_HDR + i];
    /* iVersion 3007000, little- or big-endian as the machine, and isInit (byte 12) set */
    uint32_t version;
    memcpy(&version, out, sizeof version);
    return version == 3007000 && out[12] && memcmp(out, second, DB_WAL_HDR) == 0;
}

int64_t db_data_version(db_conn *c)
{
    /* The header is read before the statement: a commit between the two changes the header again,
     * so the next call asks SQLite instead of keeping a version that missed it. */
    unsigned char hdr[DB_WAL_HDR];
    bool peeked = wal_header(c, hdr);
    if (peeked && c->dv_known && memcmp(hdr, c->dv_hdr, DB_WAL_HDR) == 0)
        return c->dv;
    c->dv_queries++;
    sqlite3_stmt *st = db_stmt(c, "PRAGMA data_version", NULL);
    int64_t v = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    db_stmt_done(st);
    c->dv_known = peeked && v >= 0;
    c->dv = v;
    if (peeked)
        memcpy(c->dv_hdr, hdr, DB_WAL_HDR);
    return v;
}

uint64_t db_data_version_queries(db_conn *c) { return c->dv_queries; }

uint64_t db_generation(db_conn *c)
{
    int64_t v = db_data_version(c);
    int64_t own = sqlite3_total_changes64(c->db);
    if (v != c->gen_data_version || own != c->gen_total_changes || c->generation == 0) {
        c->gen_data_version = v;
        c->gen_total_changes = own;
        c->generation++;
    }
    return c->generation;
}
