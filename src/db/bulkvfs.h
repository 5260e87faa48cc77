/*
 * bulkvfs: an SQLite VFS for connections that write a lot at once (an import's one transaction).
 *
 * It wraps the default (unix) VFS and changes one thing: consecutive writes to the main database
 * file and to its WAL are gathered in a buffer of BULKVFS_BUFFER bytes per file and reach the
 * kernel as one pwrite. SQLite writes a WAL frame as two calls (a 24-byte header and the page)
 * and a checkpoint writes page by page, so a 100 MB commit is otherwise about 80 000 small
 * system calls; gathered, it is about a thousand.
 *
 * What SQLite sees is unchanged: before any other operation on the file (read, size, truncate,
 * sync, lock, the shared-memory calls, memory mapping, file controls) the buffer is written out,
 * so the file reads as if every write had gone straight through. In particular a commit's frames
 * are in the file before the WAL-index header that publishes them is written (that write is
 * preceded by xShmBarrier), and before the sync that makes the commit durable. A write error is
 * returned by the operation that writes the buffer out (at the latest the commit's sync), which
 * SQLite treats as the failure of that commit or checkpoint.
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
