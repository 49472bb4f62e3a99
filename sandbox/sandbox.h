/*
 * sandbox.h - run one untrusted command in a fresh set of Linux
 * namespaces, under seccomp and cgroup limits, and report what happened.
 *
 * The library knows nothing of exercises. One call (sbx_run) runs one
 * command to completion; sbx_spawn/sbx_wait/sbx_kill keep a command (a
 * server) running while the caller talks to it, e.g. over
 * sbx_connect_tcp().
 *
 * Conventions: functions return 0 on success and -1 on failure with a
 * message in the caller's err buffer (or result->message). A struct
 * sbx_result is filled by the library and released by sbx_result_free().
 * A struct sbx_proc is owned by the caller after sbx_spawn and released
 * by sbx_proc_free() (which kills the sandbox if it still runs).
 */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <stddef.h>
#include <stdint.h>

enum sbx_verdict {
	SBX_OK,             /* exited 0..255 by itself within every limit */
	SBX_RUNTIME_ERROR,  /* killed by a signal not caused by a limit */
	SBX_WALL_TIMEOUT,
	SBX_CPU_TIMEOUT,
	SBX_MEMORY_LIMIT,
	SBX_PROCESS_LIMIT,
	SBX_OUTPUT_LIMIT,   /* stdout/stderr or file size over its cap */
	SBX_SYSCALL_DENIED, /* a forbidden system call; named in denied_syscall */
	SBX_INTERNAL_ERROR,
};

/* "ok", "runtime-error", "wall-timeout", ... as in DESIGN.md. */
const char *sbx_verdict_name(enum sbx_verdict v);

struct sbx_bind {
	const char *src; /* host path */
	const char *dst; /* absolute path inside the sandbox */
	int writable;
};

struct sbx_config {
	const char *const *argv; /* argv[0] resolved with PATH inside */
	const char *const *envp; /* NULL: a minimal PATH/HOME/LANG env */
	/* Host dir bound read-write at /work; may be NULL. As root the library
	 * first chowns this tree (never following symlinks) to the run's host
	 * uid, so the command can write there; the caller owns it afterwards
	 * and should treat its contents as hostile. */
	const char *workdir;
	const char *cwd;         /* inside; default "/work" (or "/" with no workdir) */
	const struct sbx_bind *binds;
	size_t nbinds;

	/* stdin: at most one of these; neither means /dev/null. */
	const char *stdin_path; /* host file, opened by the caller's side */
	const char *stdin_data;
	size_t stdin_len;

	/* Limits; 0 means the documented default (see docs/sandbox.md). */
	double wall_s;        /* default 10 s */
	double cpu_s;         /* whole process tree; default = wall_s */
	uint64_t mem_bytes;   /* default 256 MiB */
	int pids;             /* default 64 */
	uint64_t out_bytes;   /* captured per stream; default 1 MiB */
	uint64_t fsize_bytes; /* largest file written; default 16 MiB */
	uint64_t tmp_bytes;   /* size of /tmp and /dev/shm; default 64 MiB */
	int nofile;           /* open files; default 256 */

	int share_net;  /* 1: keep the host network (trusted helpers only) */
	int slot;       /* root only: which unprivileged uid; -1 picks a free one */
	int keep_env;   /* reserved; must be 0 */
};

/* Refused system calls (see docs/sandbox.md): the result names up to
 * SBX_REFUSED_NAMES distinct ones; a run whose calls the grader had to
 * refuse more than SBX_REFUSED_CAP times is killed (syscall-denied), so
 * that a loop of them cannot make the grader work without end. */
enum { SBX_REFUSED_NAMES = 8, SBX_SYSCALL_NAME = 32, SBX_REFUSED_CAP = 1000 };

struct sbx_result {
	enum sbx_verdict verdict;
	int exit_code;        /* -1 when killed by a signal */
	int signal;           /* 0 when exited */
	double wall_s, cpu_s;
	uint64_t peak_bytes;  /* peak memory of the whole tree, 0 if unknown */
	char *out, *err;      /* captured, NUL-terminated (may hold NULs) */
	size_t out_len, err_len;
	uint64_t out_total, err_total; /* bytes written, even past the cap */
	int out_truncated, err_truncated;
	char denied_syscall[SBX_SYSCALL_NAME]; /* SBX_SYSCALL_DENIED: e.g. "ptrace" */
	/* Calls that failed (ENOSYS or EPERM) without ending the run, by name
	 * (e.g. "modify_ldt", "syscall 460"), first seen first, and how many
	 * times the grader refused one (calls refused in the filter itself,
	 * personality's other personas and clone3, are not counted). */
	char refused_syscalls[SBX_REFUSED_NAMES][SBX_SYSCALL_NAME];
	int nrefused;
	uint64_t refused_total;
	/* How limits were enforced: "cgroup-v2", "cgroup-v1", "rlimit" or "none". */
	const char *mem_enforcement, *pids_enforcement, *cpu_enforcement;
	int host_uid;                  /* the host uid the command ran as */
	char message[256];             /* human-readable summary */
	/* Forks and thread creations the pids cgroup refused (EAGAIN in the
	 * program); 0 also when the limit is an rlimit, which counts nothing.
	 * With verdict SBX_OK the command coped with them and exited 0. */
	int forks_refused;
	/* The command's RLIMIT_STACK (the caller's, inherited), in bytes; 0
	 * when unlimited. glibc also gives each new thread a stack this big
	 * (2 MiB when unlimited). */
	uint64_t stack_bytes;
	/* 1 when the run's init had been started before the run, namespaces
	 * and base mounts made ahead by the slot's launcher (docs/sandbox.md,
	 * "Performance"); it was never used by another run either way. */
	int prestarted;
};

struct sbx_proc;

/* Runs cfg->argv to completion. Returns 0 when the command ran (whatever
 * its verdict) and -1 with verdict SBX_INTERNAL_ERROR and a message when
 * the sandbox itself could not be set up. */
int sbx_run(const struct sbx_config *cfg, struct sbx_result *res);

/* Starts cfg->argv and returns at once. Output is captured in the
 * background until sbx_wait. 0 or -1 with err filled (errlen bytes).
 * The sandbox is killed when the calling thread ends (PR_SET_PDEATHSIG):
 * spawn from a thread that outlives the run. */
int sbx_spawn(const struct sbx_config *cfg, struct sbx_proc **out, char *err, size_t errlen);
/* Waits up to timeout_s (<= 0: until the wall limit) for the command to
 * end. Returns 1 when it ended and res is filled, 0 on timeout (the
 * command keeps running), -1 on error. Every process of the run has ended
 * by then but the sandbox's init, whose exit may still be tearing its
 * namespaces down; sbx_proc_free waits for that and gives the slot back. */
int sbx_wait(struct sbx_proc *p, double timeout_s, struct sbx_result *res);
/* Kills the whole sandbox (every process in it), then fills res as
 * sbx_wait would. The verdict of a command killed this way is SBX_OK
 * unless a limit was hit first. */
int sbx_kill(struct sbx_proc *p, struct sbx_result *res);
void sbx_proc_free(struct sbx_proc *p);

/* Connects a TCP socket to 127.0.0.1:port inside the running sandbox's
 * network namespace and returns its fd (the caller closes it), or -1.
 * Works as root and unprivileged. */
int sbx_connect_tcp(struct sbx_proc *p, int port, double timeout_s);
/* An unconnected TCP (IPv4) socket created in the running sandbox's
 * network namespace: connect() on it reaches the sandbox's loopback. For
 * clients that connect themselves (libcurl's CURLOPT_OPENSOCKETFUNCTION).
 * Its fd (the caller closes it), or -1. Works as root and unprivileged. */
int sbx_socket_tcp(struct sbx_proc *p);
/* The network namespace fd of a running sandbox (owned by p), or -1. */
int sbx_netns_fd(const struct sbx_proc *p);

/* A TCP socket listening inside a sandbox: its local address as text
 * ("0.0.0.0", "127.0.0.1", "::", "::1") and port. */
struct sbx_listener {
	int ipv6;
	char addr[48];
	int port;
};
/* The TCP sockets listening in the running sandbox's network namespace
 * (its /proc/net/tcp and tcp6, read by a helper that joins the namespace
 * as sbx_connect_tcp's does): up to max of them into out. Returns how
 * many, or -1. Works as root and unprivileged. */
int sbx_tcp_listeners(struct sbx_proc *p, struct sbx_listener *out, int max);

/* A copy of what the running (or ended) command has written to stdout
 * (stream 1) or stderr (stream 2) so far, up to the capture cap: a
 * NUL-terminated heap buffer (free()) with its length in *len, or NULL. */
char *sbx_output_peek(struct sbx_proc *p, int stream, size_t *len);

/* For a root caller: the host uid a slot's commands run as. */
int sbx_slot_uid(int slot);

void sbx_result_free(struct sbx_result *res);
/* Fills res as a run that never started: verdict SBX_INTERNAL_ERROR, msg
 * as its message, empty output (for a caller whose own part failed). */
void sbx_result_internal(struct sbx_result *res, const char *msg);

/* The directory of the slot locks (root: /run/grader-sandbox; otherwise
 * /tmp/grader-sandbox-UID), made if missing and checked: a directory, not
 * a symlink, ours, writable by nobody else. 0, or -1 with errno. */
int sbx_lock_dir(char *dir, size_t len);
/* 1 when this process's runs are started by launchers (launcher.c): as
 * root, with a controller on cgroup v1. Such a process pays one cgroup
 * migration, which may wait for an RCU grace period (~10 ms), the first
 * time it uses a slot, and none after: a long-lived caller starts runs
 * faster than a new process each time (`grader sandbox` has its keeper). */
int sbx_launchers_used(void);

/* What the seccomp filter forbids: the lines of sbx_allowed_syscalls but
 * the "allow NAME" ones (for `grader sandbox --list-denied`). */
const char *const *sbx_denied_syscalls(void);
/* The policy as the filter enforces it, one line per call: "allow NAME",
 * "allow-if NAME: conditions", "refuse-eperm NAME", "refuse-enosys ...",
 * "fatal NAME" (names unknown to libseccomp say so). NULL-terminated,
 * built once per process (for `grader sandbox --list-allowed`). */
const char *const *sbx_allowed_syscalls(void);

#endif
