/*
 * sandbox: the parse worker process; see sandbox.h.
 */
#define _GNU_SOURCE 1
#include "io/sandbox.h"

#include "core/buf.h"
#include "io/rowpipe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#if defined(__SANITIZE_ADDRESS__)
#define RADMAP_SANDBOX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RADMAP_SANDBOX_ASAN 1
#endif
#endif
#ifndef RADMAP_SANDBOX_ASAN
#define RADMAP_SANDBOX_ASAN 0
#endif

static const char *worker_program = "/proc/self/exe";

void sandbox_set_program(const char *path) { worker_program = path; }

void sandbox_limits_default(sandbox_limits *l)
{
    l->cpu_s = 300;
    l->mem_mb = 2048;
    l->fsize_mb = 1024;
}

int sandbox_spawn(const char *path, const parse_options *o, const sandbox_limits *l, pid_t *pid, int *fd,
                  rm_error *err)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return rm_error_set(err, 500, "Cannot start the parser", "pipe: %s", strerror(errno));
    char cpu[24], mem[24], fsz[24], ent[24], tot[32], ratio[24];
    snprintf(cpu, sizeof cpu, "%ld", l->cpu_s);
    snprintf(mem, sizeof mem, "%ld", l->mem_mb);
    snprintf(fsz, sizeof fsz, "%ld", l->fsize_mb);
    snprintf(ent, sizeof ent, "%d", o->zip.max_entries);
    snprintf(tot, sizeof tot, "%llu", (unsigned long long)o->zip.max_total_bytes);
    snprintf(ratio, sizeof ratio, "%g", o->zip.max_ratio);
    const char *argv[32];
    int n = 0;
    argv[n++] = "radmap";
    argv[n++] = "parse-worker";
    argv[n++] = path;
    argv[n++] = "--cpu", argv[n++] = cpu;
    argv[n++] = "--mem", argv[n++] = mem;
    argv[n++] = "--fsize", argv[n++] = fsz;
    argv[n++] = "--zip-entries", argv[n++] = ent;
    argv[n++] = "--zip-bytes", argv[n++] = tot;
    argv[n++] = "--zip-ratio", argv[n++] = ratio;
    if (o->scratch_dir)
        argv[n++] = "--scratch", argv[n++] = o->scratch_dir;
    if (o->source_layer)
        argv[n++] = "--source-layer", argv[n++] = o->source_layer;
    if (o->encoding)
        argv[n++] = "--encoding", argv[n++] = o->encoding;
    if (o->all_layers)
        argv[n++] = "--all-layers";
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    /* The server blocks SIGINT/SIGTERM in its threads: the worker starts with defaults. */
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    int r = posix_spawn(pid, worker_program, &fa, &at, (char *const *)(uintptr_t)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(p[1]);
    if (r != 0) {
        close(p[0]);
        return rm_error_set(err, 500, "Cannot start the parser", "%s: %s", worker_program, strerror(r));
    }
    *fd = p[0];
    return 0;
}

int sandbox_wait(pid_t pid, int kill_it, char *why, size_t why_len)
{
    if (kill_it)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(why, why_len, "lost the parser process: %s", strerror(errno));
            return -1;
        }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFSIGNALED(status)) {
        int s = WTERMSIG(status);
        snprintf(why, why_len, "the parser %s", s == SIGXCPU ? "was stopped by its CPU time limit"
                                                 : s == SIGXFSZ ? "was stopped by its file size limit"
                                                 : s == SIGKILL ? (kill_it ? "was stopped" : "was killed (memory?)")
                                                 : s == SIGSEGV || s == SIGBUS || s == SIGABRT
                                                     ? "crashed on the file (or ran out of memory)"
                                                     : "was stopped by a signal");
    } else {
        snprintf(why, why_len, "the parser failed (exit status %d)", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    return -1;
}

/* --- worker side --- */

static void close_other_fds(void)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3u, ~0u, 0u) == 0)
        return;
#endif
    long max = sysconf(_SC_OPEN_MAX);
    for (long fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
        close((int)fd);
}

static void set_limit(int what, rlim_t soft, rlim_t hard)
{
    struct rlimit r = {soft, hard};
    setrlimit(what, &r);
}

#if defined(__x86_64__)
#define SANDBOX_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_ARCH AUDIT_ARCH_AARCH64
#endif

/* socket() fails with EACCES for every family but AF_UNIX. 0 when installed. */
static int no_sockets(void)
{
#ifdef SANDBOX_ARCH
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 5, 0), /* x32 ABI: refuse */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof f / sizeof f[0]), f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0 ? 0 : -1;
#else
    return -1;
#endif
}

static int write_all(void *arg, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = write(1, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

typedef struct note_ctx {
    const char *sandbox;
    int sent;
} note_ctx;

/* The first chunk carries the sandbox note before the parser's own records. */
static int emit_with_note(void *arg, const void *data, size_t len)
{
    note_ctx *c = arg;
    if (!c->sent) {
        buf b = BUF_INIT;
        rowpipe_put_text(&b, ROWPIPE_NOTE, 0, c->sandbox);
        int r = write_all(NULL, b.data, b.len);
        buf_free(&b);
        c->sent = 1;
        if (r < 0)
            return -1;
    }
    return write_all(NULL, data, len);
}

int sandbox_worker_main(int argc, char **argv)
{
    close_other_fds();
    signal(SIGPIPE, SIG_DFL);
    if (argc < 1)
        return 2;
    const char *path = argv[0];
    parse_options o = {0};
    zip_limits_default(&o.zip);
    sandbox_limits l;
    sandbox_limits_default(&l);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--all-layers") == 0)
            o.all_layers = 1;
        else if (!v)
            return 2;
        else if (strcmp(a, "--cpu") == 0)
            l.cpu_s = atol(v), i++;
        else if (strcmp(a, "--mem") == 0)
            l.mem_mb = atol(v), i++;
        else if (strcmp(a, "--fsize") == 0)
            l.fsize_mb = atol(v), i++;
        else if (strcmp(a, "--scratch") == 0)
            o.scratch_dir = v, i++;
        else if (strcmp(a, "--source-layer") == 0)
            o.source_layer = v, i++;
        else if (strcmp(a, "--encoding") == 0)
            o.encoding = v, i++;
        else if (strcmp(a, "--zip-entries") == 0)
            o.zip.max_entries = atoi(v), i++;
        else if (strcmp(a, "--zip-bytes") == 0)
            o.zip.max_total_bytes = strtoull(v, NULL, 10), i++;
        else if (strcmp(a, "--zip-ratio") == 0)
            o.zip.max_ratio = atof(v), i++;
        else
            return 2;
    }
    set_limit(RLIMIT_CORE, 0, 0);
    set_limit(RLIMIT_CPU, (rlim_t)l.cpu_s, (rlim_t)l.cpu_s + 5);
#if RADMAP_SANDBOX_ASAN
    /* AddressSanitizer reserves terabytes of address space for its shadow memory: an address-space
     * limit would stop the worker before it starts. Sanitizer builds go without it. */
    l.mem_mb = 0;
#else
    set_limit(RLIMIT_AS, (rlim_t)l.mem_mb << 20, (rlim_t)l.mem_mb << 20);
#endif
    set_limit(RLIMIT_FSIZE, (rlim_t)l.fsize_mb << 20, (rlim_t)l.fsize_mb << 20);
    set_limit(RLIMIT_NOFILE, 256, 256);
    const char *netns = "no network namespace (the kernel refused unshare)";
    if (unshare(CLONE_NEWNET) == 0)
        netns = "empty network namespace";
    else if (unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0)
        netns = "empty network namespace (user namespace)";
    int sc = no_sockets();
    char note[300];
    char mem[48];
    if (l.mem_mb)
        snprintf(mem, sizeof mem, "memory %ld MiB", l.mem_mb);
    else
        snprintf(mem, sizeof mem, "no memory limit (sanitizer build)");
    snprintf(note, sizeof note, "sandbox: separate process; limits cpu %lds, %s, files %ld MiB; %s; %s", l.cpu_s, mem,
             l.fsize_mb, netns,
             sc == 0 ? "seccomp: sockets other than AF_UNIX refused" : "no seccomp filter (refused by the kernel)");
    note_ctx nc = {note, 0};
    return parse_file(path, &o, emit_with_note, &nc) == 0 ? 0 : 1;
}
