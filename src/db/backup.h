/*
 * backup: consistent copies of a live register (`radmap backup DB OUT`) and putting one back
 * (`radmap restore BACKUP DB`), DESIGN §6.
 *
 * A backup is made with SQLite's online backup API in one step, inside one read transaction of
 * the source: in WAL mode that is a snapshot of the last commit, taken while the server goes on
 * serving and writing (writers are not blocked, and no half-written transaction can be in it).
 * Everything the register holds is in that one file: the register, accounts, the audit trail and
 * the dossiers' attachments (stored as BLOBs, sql/005_licensing.sql). The copy is written to a
 * temporary file next to OUT, switched to a self-contained rollback journal (no -wal beside it),
 * checked (PRAGMA integrity_check and the audit hash chain), synced and renamed into place, so OUT
 * is either the previous file or a complete, checked backup.
 *
 * Restoring checks the backup first (integrity, audit chain, a schema version this program knows),
 * brings an older schema up to date on a working copy, appends an audit row "restore" that names
 * the backup and the audit head of the data it replaces, and writes the marker
 * meta('restored_at'). When DB exists its content is first saved to DB.before-restore-<time>, then
 * replaced through SQLite (the backup API again, into the live file, as one write transaction), so a
 * server running on DB keeps its open connections, sees the new content at its next query, and
 * drops its caches when it sees the new restored_at (api/state.c).
 */
#ifndef RADMAP_BACKUP_H
#define RADMAP_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct backup_info {
    int64_t bytes;          /* size of the file */
    int schema_version;
    int64_t audit_rows;
    char audit_head[65];    /* hash of the newest audit row ("" when none) */
    char sha256[65];        /* of the file (hex); "" for a restored live database */
} backup_info;

/* Copy the register at db_path to out_path (replaced atomically if it exists; never db_path
 * itself). info (may be NULL) describes the copy. 0, or -1 with err filled; on failure out_path is
 * untouched. */
int backup_create(const char *db_path, const char *out_path, backup_info *info, rm_error *err);

/* Check the database file at path as a backup to restore: it opens, PRAGMA integrity_check says
 * ok, the audit chain is intact, and its schema version is not newer than this program's. 0 with
 * info filled, or -1 with err saying what is wrong. */
int backup_check(const char *path, backup_info *info, rm_error *err);

/* Restore backup_path into db_path as described above. safety_path receives the path of the copy
 * of the replaced database ("" when db_path did not exist); cap is its size. info (may be NULL)
 * describes the restored database. 0, or -1 with err filled: nothing was replaced then. */
int backup_restore(const char *backup_path, const char *db_path, char *safety_path, size_t cap, backup_info *info,
                   rm_error *err);

#endif
