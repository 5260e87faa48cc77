/*
 * bulkvfs: write gathering for bulk writers; see bulkvfs.h.
 *
 * Written by hand because SQLite has no such option: its WAL writer issues one pwrite per frame
 * header and one per page. Everything but a WAL's xWrite passes straight to the wrapped VFS, after
 * the WAL's pending bytes are out when the call depends on them.
 */
#include "db/bulkvfs.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

typedef struct bfile bfile;
struct bfile {
    sqlite3_file base;       /* pMethods: bulk_io, or NULL when the wrapped open failed */
    sqlite3_file *real;      /* the wrapped file, stored right after this struct */
    const char *name;        /* a main database file: the name SQLite opened it with */
    bfile *wal;              /* a main database file: its connection's WAL, while open */
    bfile *db;               /* a WAL: its connection's main database file (NULL: not gathered) */
    bfile *next;             /* the open main database files (registry) */
    unsigned char *buf;      /* a WAL's pending bytes (sqlite3_malloc64, BULKVFS_BUFFER), lazily */
    size_t len;              /* how many */
    sqlite3_int64 off;       /* where they go */
    int err;                 /* a write-out that failed, not yet reported to SQLite */
};

static sqlite3_vfs bulk_vfs;
static sqlite3_vfs *real_vfs;

/* The open main database files, so that a WAL finds the one of its own connection. */
static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static bfile *registry;

/* Write out the pending bytes of a WAL. A failure drops them and is kept in f->err until a method
 * whose result SQLite acts on reports it (bf_report); returns that pending error. */
static int bf_flush(bfile *f)
{
    if (f->len) {
        int rc = f->real->pMethods->xWrite(f->real, f->buf, (int)f->len, f->off);
        f->len = 0;
        if (rc != SQLITE_OK && f->err == SQLITE_OK)
            f->err = rc;
    }
    return f->err;
}

/* For a method whose result SQLite acts on (it fails the commit or checkpoint in progress): write
 * out, and report a failure once. */
static int bf_report(bfile *f)
{
    int rc = bf_flush(f);
    f->err = SQLITE_OK;
    return rc;
}

/* Before a call on a main database file that publishes, or may publish, the WAL's content to other
 * connections (the WAL-index in shared memory): its WAL's pending bytes go out first. */
static int bf_report_wal(bfile *db)
{
    pthread_mutex_lock(&registry_mu);
    bfile *w = db->wal;
    pthread_mutex_unlock(&registry_mu);
    return w ? bf_report(w) : SQLITE_OK;
}

static int bf_close(sqlite3_file *file)
{
    bfile *f = (bfile *)file;
    int rc = bf_report(f);
    pthread_mutex_lock(&registry_mu);
    if (f->db)
        f->db->wal = NULL;
    if (f->name) {
        for (bfile **p = &registry; *p; p = &(*p)->next)
            if (*p == f) {
                *p = f->next;
                break;
            }
        if (f->wal)
            f->wal->db = NULL;
    }
    pthread_mutex_unlock(&registry_mu);
    int rc2 = f->real->pMethods->xClose(f->real);
    sqlite3_free(f->buf);
    f->buf = NULL;
    return rc != SQLITE_OK ? rc : rc2;
}

static int bf_read(sqlite3_file *file, void *p, int amt, sqlite3_int64 off)
{
    bfile *f = (bfile *)file;
    int rc = bf_report(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xRead(f->real, p, amt, off);
}

static int bf_write(sqlite3_file *file, const void *p, int amt, sqlite3_int64 off)
{
    bfile *f = (bfile *)file;
    if (!f->db || amt <= 0)
        return f->real->pMethods->xWrite(f->real, p, amt, off);
    size_t n = (size_t)amt;
    if (f->err == SQLITE_OK && f->len && f->off + (sqlite3_int64)f->len == off && f->len + n <= BULKVFS_BUFFER) {
        memcpy(f->buf + f->len, p, n);
        f->len += n;
        return SQLITE_OK;
    }
    /* Not the continuation of the pending run (or it is full): the run goes out first, so that a
     * later write of the same bytes stays the later one. */
    int rc = bf_report(f);
    if (rc != SQLITE_OK)
        return rc;
    if (n > BULKVFS_BUFFER / 2)
        return f->real->pMethods->xWrite(f->real, p, amt, off);
    if (!f->buf && !(f->buf = sqlite3_malloc64(BULKVFS_BUFFER)))
        return f->real->pMethods->xWrite(f->real, p, amt, off);
    memcpy(f->buf, p, n);
    f->len = n;
    f->off = off;
    return SQLITE_OK;
}

static int bf_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    bfile *f = (bfile *)file;
    int rc = bf_report(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int bf_sync(sqlite3_file *file, int flags)
{
    bfile *f = (bfile *)file;
    int rc = bf_report(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int bf_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    bfile *f = (bfile *)file;
    int rc = bf_report(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int bf_lock(sqlite3_file *file, int level)
{
    bfile *f = (bfile *)file;
    int rc = bf_report(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xLock(f->real, level);
}

/* SQLite may not look at what these return: a failed write-out stays pending for the next method
 * that reports. */
static int bf_unlock(sqlite3_file *file, int level)
{
    bfile *f = (bfile *)file;
    bf_flush(f);
    return f->real->pMethods->xUnlock(f->real, level);
}

static int bf_check_reserved(sqlite3_file *file, int *out)
{
    bfile *f = (bfile *)file;
    return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int bf_file_control(sqlite3_file *file, int op, void *arg)
{
    bfile *f = (bfile *)file;
    bf_flush(f);
    return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int bf_sector_size(sqlite3_file *file)
{
    bfile *f = (bfile *)file;
    return f->real->pMethods->xSectorSize(f->real);
}

static int bf_device_characteristics(sqlite3_file *file)
{
    bfile *f = (bfile *)file;
    return f->real->pMethods->xDeviceCharacteristics(f->real);
}

/* The shared-memory calls are made on the main database file; the WAL-index they reach describes
 * the WAL, whose pending bytes go out first. */
static int bf_shm_map(sqlite3_file *file, int region, int size, int extend, void volatile **out)
{
    bfile *f = (bfile *)file;
    int rc = bf_report_wal(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xShmMap(f->real, region, size, extend, out);
}

static int bf_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
    bfile *f = (bfile *)file;
    int rc = bf_report_wal(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

/* A barrier comes before SQLite publishes a new WAL-index header, which makes the frames it lists
 * visible to every connection. With synchronous=FULL (radmap's writers) the commit's sync has
 * written them out already. Otherwise they go out here, and if that fails there is no way to say
 * so: going on would let readers trust frames that are not in the file, so the process stops. The
 * header then stays half-written, which readers detect and repair from the WAL (SQLite's WAL
 * recovery), and the commit is simply not there. */
static void bf_shm_barrier(sqlite3_file *file)
{
    bfile *f = (bfile *)file;
    pthread_mutex_lock(&registry_mu);
    bfile *w = f->wal;
    pthread_mutex_unlock(&registry_mu);
    if (w && bf_flush(w) != SQLITE_OK)
        abort();
    f->real->pMethods->xShmBarrier(f->real);
}

static int bf_shm_unmap(sqlite3_file *file, int delete_flag)
{
    bfile *f = (bfile *)file;
    int rc = bf_report_wal(f);
    int rc2 = f->real->pMethods->xShmUnmap(f->real, delete_flag);
    return rc != SQLITE_OK ? rc : rc2;
}

static int bf_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **out)
{
    bfile *f = (bfile *)file;
    int rc = bf_report(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFetch(f->real, off, amt, out);
}

static int bf_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p)
{
    bfile *f = (bfile *)file;
    return f->real->pMethods->xUnfetch(f->real, off, p);
}

static sqlite3_io_methods bulk_io = {
    3,
    bf_close,
    bf_read,
    bf_write,
    bf_truncate,
    bf_sync,
    bf_file_size,
    bf_lock,
    bf_unlock,
    bf_check_reserved,
    bf_file_control,
    bf_sector_size,
    bf_device_characteristics,
    bf_shm_map,
    bf_shm_lock,
    bf_shm_barrier,
    bf_shm_unmap,
    bf_fetch,
    bf_unfetch,
};

static int bv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out_flags)
{
    (void)vfs;
    bfile *f = (bfile *)file;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)(f + 1);
    int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK || !f->real->pMethods) {
        f->base.pMethods = NULL; /* SQLite does not close a file whose open failed */
        return rc;
    }
    /* bulk_io forwards the version-3 methods, which an older wrapped file lacks (never the case
     * with the unix VFS: checked rather than assumed). */
    if (f->real->pMethods->iVersion < 3) {
        f->real->pMethods->xClose(f->real);
        return SQLITE_CANTOPEN;
    }
    f->base.pMethods = &bulk_io;
    /* A main database file joins the registry; a WAL is gathered when it finds its own connection's
     * database file there (SQLite names both from one block, so sqlite3_filename_database() gives
     * the very pointer the database file was opened with). Other files pass straight through. */
    pthread_mutex_lock(&registry_mu);
    if ((flags & SQLITE_OPEN_MAIN_DB) && name) {
        f->name = name;
        f->next = registry;
        registry = f;
    } else if ((flags & SQLITE_OPEN_WAL) && name) {
        const char *db_name = sqlite3_filename_database(name);
        for (bfile *d = registry; d; d = d->next)
            if (d->name == db_name && !d->wal) {
                d->wal = f;
                f->db = d;
                break;
            }
    }
    pthread_mutex_unlock(&registry_mu);
    return SQLITE_OK;
}

static int bv_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int bv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int bv_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *bv_dlopen(sqlite3_vfs *vfs, const char *name)
{
    (void)vfs;
    return real_vfs->xDlOpen(real_vfs, name);
}

static void bv_dlerror(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    real_vfs->xDlError(real_vfs, n, out);
}

static void (*bv_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
    (void)vfs;
    return real_vfs->xDlSym(real_vfs, h, sym);
}

static void bv_dlclose(sqlite3_vfs *vfs, void *h)
{
    (void)vfs;
    real_vfs->xDlClose(real_vfs, h);
}

static int bv_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return real_vfs->xRandomness(real_vfs, n, out);
}

static int bv_sleep(sqlite3_vfs *vfs, int us)
{
    (void)vfs;
    return real_vfs->xSleep(real_vfs, us);
}

static int bv_current_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    return real_vfs->xCurrentTime(real_vfs, out);
}

static int bv_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return real_vfs->xGetLastError(real_vfs, n, out);
}

static int bv_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static int bv_set_system_call(sqlite3_vfs *vfs, const char *name, sqlite3_syscall_ptr p)
{
    (void)vfs;
    return real_vfs->xSetSystemCall(real_vfs, name, p);
}

static sqlite3_syscall_ptr bv_get_system_call(sqlite3_vfs *vfs, const char *name)
{
    (void)vfs;
    return real_vfs->xGetSystemCall(real_vfs, name);
}

static const char *bv_next_system_call(sqlite3_vfs *vfs, const char *name)
{
    (void)vfs;
    return real_vfs->xNextSystemCall(real_vfs, name);
}

static int register_rc = SQLITE_ERROR;

static void register_once(void)
{
    real_vfs = sqlite3_vfs_find(NULL);
    if (!real_vfs || real_vfs->iVersion < 3)
        return;
    bulk_vfs = (sqlite3_vfs){
        .iVersion = 3,
        .szOsFile = (int)sizeof(bfile) + real_vfs->szOsFile,
        .mxPathname = real_vfs->mxPathname,
        .zName = BULKVFS_NAME,
        .xOpen = bv_open,
        .xDelete = bv_delete,
        .xAccess = bv_access,
        .xFullPathname = bv_full_pathname,
        .xDlOpen = bv_dlopen,
        .xDlError = bv_dlerror,
        .xDlSym = bv_dlsym,
        .xDlClose = bv_dlclose,
        .xRandomness = bv_randomness,
        .xSleep = bv_sleep,
        .xCurrentTime = bv_current_time,
        .xGetLastError = bv_last_error,
        .xCurrentTimeInt64 = bv_current_time_int64,
        .xSetSystemCall = bv_set_system_call,
        .xGetSystemCall = bv_get_system_call,
        .xNextSystemCall = bv_next_system_call,
    };
    register_rc = sqlite3_vfs_register(&bulk_vfs, 0);
}

int bulkvfs_register(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, register_once);
    return register_rc;
}
