/*
 * internal.h - what the sandbox's own files share and nothing else sees.
 *
 * The parent (the grader) prepares everything a sandbox needs while it may
 * still allocate: a plan (struct sbx_plan) of mount steps, the argv and
 * environment, the seccomp program and the file descriptors. The child
 * (pid 1 of the new pid namespace, see init.c) then only makes system
 * calls: it is a clone of a possibly multi-threaded process, so it must not
 * call malloc, stdio or anything that takes a lock.
 *
 * Files: run.c (spawn, wait, kill), supervise.c (the thread watching a
 * run), init.c (the child side), ns.c (mount steps and pivot_root),
 * workdir.c (the work dir's ownership and the host paths' detached
 * mounts), seccomp.c (the filter), seccomp_notify.c (answering its
 * notifications), cgroup.c (v1 and v2 limits and accounting),
 * launcher.c (the thread that clones init inside its v1 cgroups), warm.c
 * (the next run's init, started ahead by the launcher), slot.c
 * (per-run uids), net.c (loopback and connecting into the sandbox),
 * result.c (verdicts), util.c (allocation, the clock, fds).
 *
 * sandbox/ includes nothing outside itself but libc and libseccomp, so
 * that it builds and links alone (`make sandbox-lib`).
 */
#ifndef SANDBOX_INTERNAL_H
#define SANDBOX_INTERNAL_H

#include <linux/filter.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox/sandbox.h"

/* ---- util.c: the parent side's own helpers (sandbox/ cannot use
 * grader/util). Allocation failure aborts; strings are freed with free(). */

void *sbx_xmalloc(size_t n);
void *sbx_xcalloc(size_t n, size_t size);
void *sbx_xrealloc(void *p, size_t n);
char *sbx_xstrdup(const char *s);
char *sbx_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Monotonic clock in seconds. */
double sbx_now(void);
/* Moves fd to a number >= 3 (the child dup2's its stdin/out/err over
 * 0-2); closes the original. Returns the new fd, or -1. */
int sbx_high_fd(int fd);
/* Closes *fd unless it is -1, and sets it to -1. */
void sbx_close_fd(int *fd);

/* The uid and gid the command has inside its user namespace. */
enum { SBX_INSIDE_ID = 1000 };
/* Root callers: slot N runs as host uid SBX_SLOT_UID_BASE + N. */
enum { SBX_SLOT_UID_BASE = 60000, SBX_MAX_SLOTS = 1000 };

/* ---- slot.c: per-run slots, held with flock for the run's lifetime ---- */

struct sbx_slot {
	int index;   /* -1: none */
	int lock_fd; /* flock'd lock file, -1 when none */
	uid_t host_uid;
	gid_t host_gid;
};

/* Root: locks slot `want` (blocking) or, when want < 0, the first free
 * one, and fills host ids. Unprivileged: still locks a slot (cgroup names
 * use it) but host ids are the caller's. 0 or -1 with err. */
int sbx_slot_acquire(int want, struct sbx_slot *slot, char *err, size_t errlen);
void sbx_slot_release(struct sbx_slot *slot);

/* ---- cgroup.c: per-run cgroups ---- */

enum sbx_cg_kind { CG_NONE, CG_V1, CG_V2 };

struct sbx_cgroups {
	enum sbx_cg_kind mem, pids, cpu;
	char *mem_dir, *pids_dir, *cpu_dir; /* run cgroups, NULL when unused */
	char *v2_dir;                       /* v2 run cgroup (cgroup.kill), or NULL */
	int v2_fresh;                       /* v2_dir was made for this run */
	int reused;                         /* some run dir existed already */
	int v2_joined;                      /* init was cloned into v2_dir already */
	/* v1 dirs made ahead by sbx_cg_prepare (a launcher thread sits in
	 * them, launcher.c) and, once sbx_cg_setup has adopted them, which
	 * of mem_dir, pids_dir and cpu_dir they are */
	char *prep_mem, *prep_pids, *prep_cpu;
	char *prep_v2;   /* a warm init's fresh v2 dir (warm.c), adopted at setup */
	int prepared;    /* sbx_cg_prepare ran: setup keeps the prep dirs */
	int launcher_in; /* a launcher thread sits in every prep dir */
	int v1_born;     /* init was cloned there by it: no v1 migration */
	int mem_prep, pids_prep, cpu_prep;
	uint64_t mem_base; /* v1: charged at the run's start, not its peak */
	uint64_t oom_base, pids_max_base;   /* event counters before the run */
	uint64_t cpu_base_ns; /* usage when init said ready (run.c) */
};

/* Creates the run's cgroups for slot and sets the limits; cg is zeroed
 * or filled by sbx_launcher_take (whose borrowed dirs it adopts). Controllers
 * that cannot be used are left CG_NONE (the caller falls back to rlimits).
 * Never fails: a missing hierarchy is not an error. */
void sbx_cg_setup(struct sbx_cgroups *cg, int slot, uint64_t mem_bytes, int pids);
/* Ahead of a run: makes the cgroup v1 directories sbx_cg_setup will use
 * for slot (only those: v2 ones are made fresh at setup), killing what a
 * crashed grader left in them, so that a launcher thread can sit in them
 * before the run (launcher.c). Returns the number of dirs made; with 0
 * there is nothing to sit in. sbx_cg_setup on the same cg adopts them. */
int sbx_cg_prepare(struct sbx_cgroups *cg, int slot);
/* Moves the calling thread alone (cgroup v1 "tasks") into the prepared
 * dirs. 0, or -1 with errno. */
int sbx_cg_join_thread(const struct sbx_cgroups *cg);
/* An fd of the v2 run cgroup for clone3's CLONE_INTO_CGROUP, or -1 when
 * there is none or it was not made for this run: on Linux 6.18 (seen on
 * the development VM) a process cloned into a cgroup that was ever
 * written cgroup.kill is killed at once, so only fresh ones qualify. */
int sbx_cg_clone_fd(const struct sbx_cgroups *cg);
/* A fresh v2 run cgroup for slot, for a warm init to be cloned into
 * (warm.c), or NULL (no v2, or the dir is there already). */
char *sbx_cg_warm_dir(int slot);
/* Removes a run cgroup dir (retrying while its last task leaves), frees it. */
void sbx_cg_remove_dir(char *dir);
/* Moves pid into every run cgroup it is not in yet (v2_joined: cloned
 * into the v2 one). 0 or -1 with err. */
int sbx_cg_attach(const struct sbx_cgroups *cg, pid_t pid, char *err, size_t errlen);
/* CPU time used by the run so far in ns, or -1 when not measured. */
int64_t sbx_cg_cpu_ns(const struct sbx_cgroups *cg);
/* Kills every process in the run cgroups (v2 cgroup.kill, v1 task list). */
void sbx_cg_kill(const struct sbx_cgroups *cg);
/* After the run: peak memory (0 unknown), whether the OOM killer or the
 * pids limit struck. */
/* True once the run's processes have tried to exceed the pids limit. */
int sbx_cg_pids_hit(const struct sbx_cgroups *cg);
void sbx_cg_collect(const struct sbx_cgroups *cg, uint64_t *peak, int *oom, int *pids_hit);
/* Removes the run cgroups and frees cg. */
void sbx_cg_destroy(struct sbx_cgroups *cg);
const char *sbx_cg_kind_name(enum sbx_cg_kind k);

/* ---- launcher.c: the thread that clones a run's init in its v1 cgroups ---- */

struct sbx_plan;
struct sbx_launcher;

/* ---- warm.c: a run's init started ahead by its launcher ---- */

/* What a warm init's base mounts depend on (sbx_plan_build_base). */
struct sbx_warm_key {
	uint64_t tmp_bytes; /* resolved, never 0 */
	int workdir;
};

struct sbx_warm {
	pid_t pid; /* -1: none */
	int pidfd, sync_fd;
	char *v2_dir; /* its own fresh v2 cgroup, or NULL */
	struct sbx_warm_key key;
};

/* The run's part, parent to warm init, one SOCK_SEQPACKET message: this
 * header; cwd, argv, envp and exec_paths as NUL-ended strings; per
 * attached host path its is_dir byte and dst. SCM_RIGHTS: stdin,
 * stdout, stderr, then the attached trees in order. A run that does not
 * fit starts cold. */
enum {
	SBX_WARM_MAGIC = 0x4e555257, /* "WRUN" */
	SBX_WARM_MAX_ATTACH = 60,
	SBX_WARM_MAX_STRINGS = 4096, /* argv + envp + exec_paths, with their NULLs */
	SBX_WARM_MSG_MAX = 65536,
};
struct sbx_warm_msg {
	uint32_t magic, nattach, argc, envc, nexec;
	uint64_t rl[5]; /* rl_cpu_s, rl_fsize, rl_nofile, rl_nproc, rl_as */
};

void sbx_warm_clear(struct sbx_warm *w);
int sbx_warm_key_eq(const struct sbx_warm_key *a, const struct sbx_warm_key *b);
/* Ahead of the clone: w's sync socket and v2 dir, and plan (empty) as
 * the base plan of key, whose child end of the socket is *child_sync
 * (the caller closes it after the clone). 0 or -1. */
int sbx_warm_prepare(struct sbx_warm *w, struct sbx_plan *plan, const struct sbx_warm_key *key,
		     int slot, int *child_sync);
/* After the clone (pid -1: it failed): id maps for slot, then "go".
 * 0, or -1 with w discarded. */
int sbx_warm_started(struct sbx_warm *w, pid_t pid, int pidfd, const struct sbx_slot *slot);
/* Kills and reaps its init, closes its fds, removes its v2 dir. */
void sbx_warm_discard(struct sbx_warm *w);
/* The same for one a run has taken (sbx_launcher_take): its v2 dir is the
 * run's (cg->prep_v2) and stays. Nothing to do for none (pid -1). */
void sbx_warm_drop_init(struct sbx_warm *w);
/* Its init is alive and has not reported an error. */
int sbx_warm_usable(const struct sbx_warm *w);
/* Sends plan's own part (ops[nbase..], all OP_ATTACH) to w's init.
 * 0, or -1 when it cannot be sent that way (start cold instead). */
int sbx_warm_send(const struct sbx_warm *w, const struct sbx_plan *plan);

/* A slot for a run and its launcher: an idle one of this process (any,
 * or the one holding slot want), else slot want (or the first free one)
 * with a launcher started now, which joins the slot's v1 dirs first.
 * The run borrows the launcher's slot and dirs: *slot, and *cg set up
 * for sbx_cg_setup. *out is NULL when there is no v1 dir to sit in
 * (clone init yourself; *slot is then the run's own). key: the run may
 * use a warm init built for it (NULL: it may not); *warm gets the
 * launcher's when it matches (pid -1: none; cg->prep_v2 is its v2 dir),
 * and the launcher builds the next one for key once the run is over.
 * 0, or -1 with err (no slot). */
int sbx_launcher_take(int want, const struct sbx_warm_key *key, struct sbx_slot *slot,
		      struct sbx_cgroups *cg, struct sbx_launcher **out, struct sbx_warm *warm,
		      char *err, size_t errlen);
/* Has the launcher clone init (sbx_clone_init). */
pid_t sbx_launcher_clone(struct sbx_launcher *l, struct sbx_plan *plan, int flags, int cgroup_fd,
			 int *pidfd, int *v2_joined);
/* After init is reaped (or was never cloned): gives the launcher back
 * to the pool for the next run, and the borrowed *slot with it (cleared,
 * so that sbx_slot_release leaves it alone). NULL is fine. */
void sbx_launcher_put(struct sbx_launcher *l, struct sbx_slot *slot);

/* ---- seccomp.c ---- */

/* The filter program, built once per process (pthread_once) and never
 * changed afterwards. NULL with err when libseccomp failed. */
const struct sock_fprog *sbx_seccomp_program(char *err, size_t errlen);
/* What the supervisor does with a notified call number: a fatal call
 * kills the run; a refused one fails with EPERM or ENOSYS and is named.
 * (Allowed calls never reach it; an unknown number is refused, ENOSYS.) */
enum sbx_seccomp_tier { SBX_TIER_ENOSYS, SBX_TIER_EPERM, SBX_TIER_FATAL, SBX_TIER_ALLOWED };
enum sbx_seccomp_tier sbx_seccomp_tier(int nr);
/* The syscall name for a native syscall number, into buf. */
void sbx_seccomp_name(int nr, char *buf, size_t len);

/* ---- seccomp_notify.c: the filter's user notifications ---- */

enum sbx_notify_outcome {
	SBX_NOTIFY_NONE,    /* nothing to answer (interrupted, or the caller died) */
	SBX_NOTIFY_REFUSED, /* failed with EPERM or ENOSYS, the run goes on; named */
	SBX_NOTIFY_DENIED,  /* a fatal call, failed with EPERM; named: kill the run */
	SBX_NOTIFY_BROKEN,  /* the listener fd is unusable: close it */
};
/* Receives one notification on the listener fd and answers it. The
 * call's name (e.g. "clone(CLONE_NEW*)", "syscall 460") goes into name
 * (len bytes). */
enum sbx_notify_outcome sbx_seccomp_notify_answer(int fd, char *name, size_t len);

/* ---- ns.c: the plan of mount steps, run by the child ---- */

enum sbx_op_kind {
	OP_DIR,      /* mkdir dst */
	OP_TMPFS,    /* tmpfs at dst with data (size=..., mode=...) */
	OP_BIND_RO,  /* bind src at dst read-only */
	OP_BIND_RW,  /* bind src at dst writable (nosuid,nodev) */
	OP_BIND_DEV, /* bind a device node src at dst */
	OP_SYMLINK,  /* dst -> src */
	OP_FILE,     /* file dst holding data (mode 0644) */
	OP_PROC,     /* proc of the new pid namespace at dst */
	OP_ATTACH,   /* attach the detached mount fd (open_tree) at dst */
};

struct sbx_op {
	enum sbx_op_kind kind;
	const char *src, *dst, *data;
	int optional; /* a missing source is skipped */
	int fd;       /* OP_ATTACH: the detached tree; is_dir: what to mount over */
	int is_dir;
	int early; /* binds: the child opens src before hiding the host's /tmp */
};

struct sbx_plan {
	struct sbx_op *ops;
	size_t nops;
	/* ops[0..nbase) are the base every run of the same work-dir-or-not
	 * and /tmp size shares (sbx_plan_build_base), the rest the run's
	 * own host paths; the child carries out ops[0..nfirst) in
	 * sbx_ns_prepare_root and the rest in sbx_ns_finish_root */
	size_t nbase, nfirst;
	char **strings; /* every string the ops point to, freed with the plan */
	size_t nstrings;

	char **argv;       /* the command */
	char **exec_paths; /* candidates for argv[0] (PATH resolved here) */
	char **envp;
	const char *cwd;

	int stdin_fd, stdout_fd, stderr_fd, sync_fd;
	int *keep_fds; /* every fd the child needs until it execs */
	size_t nkeep;

	int root; /* caller is root: setgroups allowed */
	int warm; /* started ahead: the run's part comes as a message (warm.c) */
	int pivoted; /* in the new root already (a warm init's, at its run) */
	int share_net;
	int net_up; /* its network namespace is a launcher's, loopback up */
	int last_cap;
	const struct sock_fprog *filter;

	/* rlimits of the command; 0 means leave alone */
	uint64_t rl_cpu_s, rl_fsize, rl_nofile, rl_nproc, rl_as;
};

/* Host paths the caller names (work dir, binds). As root each is a
 * detached copy of the mount (open_tree) already made read-only or
 * nosuid,nodev, attached by the child with move_mount: the sandbox uid
 * never needs permission to walk the host path. Unprivileged, fd is -1
 * and the child binds the path (its uid is the caller's, so it may). */
struct sbx_host_path {
	int fd;
	int is_dir;
};

/* ---- workdir.c: the host paths of a run, prepared by the parent ---- */

/* Root: hands the work dir tree to uid (and gid uid) so the sandbox user
 * can write it; never follows a symlink, stays on one file system. 0 or
 * -1/errno. */
int sbx_workdir_chown(const char *dir, uid_t uid);
/* Fills h for path: is_dir, and as root fd = a detached copy of its mount
 * (open_tree), read-only unless writable, always nosuid,nodev; fd -1
 * unprivileged. 0 or -1/errno. */
int sbx_host_path_open(const char *path, int writable, int root, struct sbx_host_path *h);

/* Builds the mount plan and command of cfg. 0 or -1 with err. */
int sbx_plan_build(struct sbx_plan *plan, const struct sbx_config *cfg,
		   const struct sbx_host_path *workdir, const struct sbx_host_path *binds,
		   char *err, size_t errlen);
void sbx_plan_free(struct sbx_plan *plan);
/* The mount steps every run with a work dir or none (/work or /tmp as
 * home) and a /tmp of tmp_bytes (0: the default) shares, into an empty
 * plan: a pre-started sandbox (warm.c) makes them before its run is known. */
void sbx_plan_build_base(struct sbx_plan *plan, int workdir, uint64_t tmp_bytes);
/* Child side: builds the new root from plan, ops[0..nfirst) of it (a
 * warm plan's, then pivots into it), and then (finish) the remaining ops,
 * makes it read-only and pivots into it unless pivoted. 0, or -1 with
 * *what naming the failed step and errno set. */
int sbx_ns_prepare_root(const struct sbx_plan *plan, const char **what);
int sbx_ns_finish_root(const struct sbx_plan *plan, const char **what);

/* ---- init.c: pid 1 of the sandbox (child side of clone) ---- */

/* Messages on the sync socket (SOCK_SEQPACKET), child to parent. */
enum { MSG_READY = 'R', MSG_ERROR = 'E', MSG_STATUS = 'S' };

int sbx_init_main(void *plan);

/* ---- run.c ---- */

/* The namespaces of every run's init; CLONE_NEWNET unless share_net. */
#define SBX_CLONE_NS (CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS)
/* Writes pid's uid/gid maps: SBX_INSIDE_ID is the slot's host ids
 * (unprivileged, root false: setgroups denied first). 0 or -1/errno. */
int sbx_write_id_maps(pid_t pid, const struct sbx_slot *slot, int root);
/* The highest capability number the kernel knows (read once). */
int sbx_last_cap(void);

/* Clones the sandbox's init (sbx_init_main(plan)) with flags, straight
 * into the v2 cgroup cgroup_fd when it is >= 0 and the kernel can
 * (*v2_joined set), with CLONE_PIDFD. The pid, or -1 with errno. */
pid_t sbx_clone_init(struct sbx_plan *plan, int flags, int cgroup_fd, int *pidfd, int *v2_joined);

/* ---- net.c ---- */

/* Child side: brings "lo" up. 0 or -1/errno. */
int sbx_net_loopback_up(void);

/* ---- run.c: the running sandbox ---- */

struct sbx_capture {
	int fd;
	char *buf;
	size_t len, cap;
	uint64_t total;
	int truncated;
};

struct sbx_proc {
	pid_t init_pid;
	int pidfd, sync_fd, stdin_fd, notify_fd;
	int netns_fd, userns_fd; /* userns_fd only when unprivileged */
	int root;
	struct sbx_slot slot;
	struct sbx_cgroups cg;
	struct sbx_launcher *launcher; /* NULL: init was cloned by the caller */
	struct sbx_capture out, err;
	char *stdin_data;
	size_t stdin_len, stdin_off;

	double wall_limit, cpu_limit, t_start, t_end;
	uint64_t out_cap, mem_bytes;
	const char *mem_enf, *pids_enf, *cpu_enf;

	pthread_t thread;
	int has_thread;
	int gate; /* 0 until sbx_spawn lets the thread go (1) or end (-1) */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done;           /* the supervisor finished; fields below are final */
	int kill_requested; /* by sbx_kill or sbx_proc_free */
	/* Without a CPU cgroup a kill is asked of init first (SIGTERM, once it
	 * has said ready: gentle_ok), which kills and reaps the rest and so
	 * counts their CPU time; term_at is when, and after TERM_GRACE_S
	 * (supervise.c) init is SIGKILLed. */
	int gentle_ok;
	double term_at;
	int reaped;
	enum sbx_verdict limit; /* first limit hit, SBX_OK for none */
	char denied[32];
	/* refused calls: the distinct names (first seen first) and how many
	 * notifications; past SBX_REFUSED_CAP the run is killed */
	char refused[SBX_REFUSED_NAMES][SBX_SYSCALL_NAME];
	int nrefused;
	uint64_t refused_total;
	int refused_cap_hit; /* the cap, not a fatal call, named denied */
	char child_error[200];
	int prestarted;          /* init was a warm one (warm.c) */
	int have_status, status; /* the command's wait status from init */
	int init_status;
	double cpu_s;
	uint64_t peak;
	int oom, pids_hit;
};

/* ---- supervise.c: the supervisor thread ---- */

/* The thread's body (arg: the struct sbx_proc); marks p->done at the end. */
void *sbx_supervise(void *arg);
/* Kills init (pidfd; without a CPU cgroup asked with SIGTERM first, see
 * term_at) and every process in the run's cgroups. */
void sbx_proc_kill_tree(struct sbx_proc *p);
/* After the run: CPU time, cgroup figures, cgroups removed, slot released,
 * the remaining control fds closed. */
void sbx_proc_finish(struct sbx_proc *p);

/* result.c */
void sbx_result_fill(struct sbx_proc *p, struct sbx_result *res);

#endif
