/*
 * tmpdb: a database path in a fresh temporary directory for the unit tests that need a register
 * file ($TMPDIR or the system's), and its removal with SQLite's WAL, shared-memory and journal
 * files. Header-only: each test is one binary.
 */
#ifndef RADMAP_TESTS_TMPDB_H
#define RADMAP_TESTS_TMPDB_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* dir becomes a new directory named after tag, path the file register.db in it; 0 or -1. */
static inline int tmpdb_make(const char *tag, char *dir, size_t dircap, char *path, size_t pathcap)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, dircap, "%s/radmap-%s-XXXXXX", tmp && *tmp ? tmp : P_tmpdir, tag);
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, pathcap, "%s/register.db", dir);
    return 0;
}

static inline void tmpdb_remove(const char *dir, const char *path)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char p[4096];
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        unlink(p);
    }
    rmdir(dir);
}

#endif
