/*
 * sandbox: the parse worker, a child process that reads one untrusted file (io/parse.h) and hands
 * its rows to the importer over a pipe (io/rowpipe.h).
 *
 * The importer starts the worker as a fresh program image (`radmap parse-worker`, through
 * posix_spawn, so it is safe from a multi-threaded server) with only the pipe and /dev/null open.
 * Before it opens the file the worker:
 *   - closes every other descriptor it may have inherited;
 *   - sets resource limits: CPU seconds, address space, size of any file it writes (archive
 *     members it unpacks), open files, no core dumps;
 *   - leaves the network: a new, empty network namespace when the kernel allows it (unshare
 *     CLONE_NEWNET, or with CLONE_NEWUSER for an unprivileged user), and in any case a seccomp
 *     filter under which socket() fails for every family but AF_UNIX, so no code in GDAL or its
 *     libraries can open a connection;
 * and reports which of these took effect in the first note of its stream ("sandbox: ...").
 * A worker that dies (CPU limit, memory, crash) ends the import with a message that says so.
 */
#ifndef RADMAP_SANDBOX_H
#define RADMAP_SANDBOX_H

#include <sys/types.h>

#include "core/error.h"
#include "io/parse.h"

typedef struct sandbox_limits {
    long cpu_s;           /* CPU seconds (default 300) */
    long mem_mb;          /* address space, MiB (default 2048) */
    long fsize_mb;        /* largest file the worker may write, MiB (default 1024) */
} sandbox_limits;

void sandbox_limits_default(sandbox_limits *l);

/* The program started as the worker (default: this process's own executable, /proc/self/exe).
 * Not thread-safe: call before any import runs. */
void sandbox_set_program(const char *path);

/* Start a worker reading path with o (scratch_dir must exist and be private to this import).
 * 0 with *pid and *fd (the read end of its stream; close it), or -1 with err. */
int sandbox_spawn(const char *path, const parse_options *o, const sandbox_limits *l, pid_t *pid, int *fd,
                  rm_error *err);
/* Wait for a worker to end (killing it first when kill_it). 0 when it exited 0, else -1 with a
 * sentence in why saying how it ended ("stopped by its CPU limit" ...). */
int sandbox_wait(pid_t pid, int kill_it, char *why, size_t why_len);

/* `radmap parse-worker FILE [options]`: the worker's main function. Exit status 0 when the stream
 * was written to its end. */
int sandbox_worker_main(int argc, char **argv);

#endif
