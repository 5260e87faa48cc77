/*
 * bulkvfs: an SQLite VFS for connections that write a lot at once (an import's one transaction).
 *
 * It wraps the default (unix) VFS and changes one thing: consecutive writes to a connection's WAL
 * are gathered in a buffer of BULKVFS_BUFFER bytes and reach the kernel as one pwrite. SQLite
 * writes a WAL frame as two calls (a 24-byte header and the page), so a 100 MB commit is otherwise
 * about 56 000 small system calls; gathered, it is under a thousand. The database file itself is
 * written as SQLite writes it (a checkpoint's page writes are not gathered: SQLite publishes a
 * checkpoint through a call whose failure it does not look at).
 *
 * What SQLite sees is unchanged. Before any other operation on the WAL (read, size, truncate, sync,
 * close) and before the shared-memory calls on its database file (map, lock, barrier: the WAL-index
 * that tells other connections which frames exist), the pending bytes are written out. So a
 * commit's frames are in the file before its sync and before the WAL-index header that publishes
 * them. A failed write-out is returned by the next call whose result SQLite acts on (at the latest
 * the commit's sync), which fails the commit.
 */
#ifndef RADMAP_BULKVFS_H
#define RADMAP_BULKVFS_H

#define BULKVFS_NAME "radmap-bulk"
/* Below 128 KB: SQLite's unix VFS writes at most 128 KB - 1 bytes in one call (a longer xWrite is
 * cut to its low 17 bits, and fails when they are zero). */
#define BULKVFS_BUFFER ((size_t)124 << 10)

/* Register the VFS (not as the default), once per process; safe to call again. SQLITE_OK or an
 * SQLite error code. */
int bulkvfs_register(void);

#endif
