/*
 * seccomp.c - the system-call filter every sandboxed process runs under.
 *
 * The filter is an allow list (Docker's default profile's, without what
 * its capabilities gate and a few calls it allows that a course program
 * never needs). Every call is in one of four tiers:
 *  - allowed: goes on, decided in the filter;
 *  - allowed with conditions on its registers, decided in the filter:
 *    personality (the Linux personas; other values fail with EPERM),
 *    clone (without CLONE_NEW*), ioctl (not TIOCSTI/TIOCLINUX), seccomp
 *    and prctl (not to install a filter); clone3 fails with ENOSYS
 *    (its flags live in memory a filter cannot read; glibc falls back to
 *    clone, whose flags we check);
 *  - fatal: calls that only an escape attempt or a kernel attack makes
 *    (namespaces, mounts, ptrace, bpf, io_uring, keyrings, modules, ...,
 *    and the refused arguments of clone, ioctl and seccomp);
 *  - refused: everything else, including calls newer than our libseccomp.
 * Fatal and refused calls go to the supervisor through seccomp user
 * notification (the filter's default action); sbx_seccomp_tier tells it
 * which tier a call number is in. It names the call, answers EPERM or
 * ENOSYS, and for a fatal call kills the run with verdict syscall-denied
 * (seccomp_notify.c, supervise.c).
 *
 * Why the sandbox may not stack a filter of its own: the kernel runs
 * every filter of a thread and takes the strongest action, the newest
 * filter's among equals. A program's filter answering unshare with
 * ERRNO(0), TRAP or even USER_NOTIF (without a listener: ENOSYS) would
 * pre-empt our notification: the call would not run, but the grader
 * would never hear of it and the run would end "ok". Installing a filter
 * (seccomp SECCOMP_SET_MODE_FILTER, prctl PR_SET_SECCOMP) is refused with
 * EPERM and named; ours is then the only filter, and its decisions final.
 *
 * Non-native ABIs (x86 int 0x80, x32) kill the process (SIGSYS).
 *
 * The program is a short hand-written prefix (the argument conditions,
 * which libseccomp 2.5 cannot express beside an unconditional rule)
 * followed by libseccomp's program for the rest. It is built once per
 * process and exported as raw BPF, so each run only makes one seccomp()
 * call, and it is immutable after that (pthread_once).
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/internal.h"

/* Allowed without conditions: Docker's default profile's list for x86-64
 * (moby/profiles seccomp/default.json), less modify_ldt and memfd_secret
 * (no course program needs them; both have had kernel bugs), adjtimex,
 * clock_adjtime and name_to_handle_at (fatal here), and the calls decided
 * in the prefix. Names unknown to our libseccomp are refused (listed by
 * --list-allowed). */
static const char *const allowed_calls[] = {
	"accept", "accept4", "access", "alarm", "arch_prctl", "bind", "brk", "cachestat",
	"capget", "capset", "chdir", "chmod", "chown", "clock_getres", "clock_gettime",
	"clock_nanosleep", "close", "close_range", "connect", "copy_file_range", "creat", "dup",
	"dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old",
	"epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
	"execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64",
	"fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown",
	"fchownat", "fcntl", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork",
	"fremovexattr", "fsetxattr", "fstat", "fstatfs", "fsync", "ftruncate", "futex",
	"futex_requeue", "futex_wait", "futex_waitv", "futex_wake", "futimesat", "getcpu",
	"getcwd", "getdents", "getdents64", "getegid", "geteuid", "getgid", "getgroups",
	"getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
	"getrandom", "getresgid", "getresuid", "getrlimit", "get_robust_list", "getrusage",
	"getsid", "getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday",
	"getuid", "getxattr", "getxattrat", "inotify_add_watch", "inotify_init",
	"inotify_init1", "inotify_rm_watch", "io_cancel", "io_destroy", "io_getevents",
	"io_pgetevents", "ioprio_get", "ioprio_set", "io_setup", "io_submit", "kill",
	"landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown",
	"lgetxattr", "link", "linkat", "listen", "listmount", "listxattr", "listxattrat",
	"llistxattr", "lremovexattr", "lseek", "lsetxattr", "lstat", "madvise",
	"map_shadow_stack", "membarrier", "memfd_create", "mincore", "mkdir", "mkdirat",
	"mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mprotect", "mq_getsetattr",
	"mq_notify", "mq_open", "mq_timedreceive", "mq_timedsend", "mq_unlink", "mremap",
	"mseal", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall",
	"munmap", "nanosleep", "newfstatat", "open", "openat", "openat2", "pause", "pidfd_open",
	"pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll",
	"ppoll", "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease",
	"pselect6", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink",
	"readlinkat", "readv", "recvfrom", "recvmmsg", "recvmsg", "remap_file_pages",
	"removexattr", "removexattrat", "rename", "renameat", "renameat2", "restart_syscall",
	"rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
	"rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_tgsigqueueinfo",
	"sched_getaffinity", "sched_getattr", "sched_getparam", "sched_get_priority_max",
	"sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval",
	"sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler",
	"sched_yield", "select", "semctl", "semget", "semop", "semtimedop", "sendfile",
	"sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsuid", "setgid", "setgroups",
	"setitimer", "setpgid", "setpriority", "setregid", "setresgid", "setresuid", "setreuid",
	"setrlimit", "set_robust_list", "setsid", "setsockopt", "set_thread_area",
	"set_tid_address", "setuid", "setxattr", "setxattrat", "shmat", "shmctl", "shmdt",
	"shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4", "socketpair", "splice",
	"stat", "statfs", "statmount", "statx", "symlink", "symlinkat", "sync",
	"sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create",
	"timer_delete", "timer_getoverrun", "timer_gettime", "timer_settime", "timerfd_create",
	"timerfd_gettime", "timerfd_settime", "times", "tkill", "truncate", "umask", "uname",
	"unlink", "unlinkat", "uretprobe", "utime", "utimensat", "utimes", "vfork", "vmsplice",
	"wait4", "waitid", "write", "writev", NULL,
};

/* socket(2) for these domains only (one rule each; rules OR together). */
static const int allowed_domains[] = {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK};

/* Called only to escape or attack the kernel: kill and report. */
static const char *const fatal_calls[] = {
	/* new namespaces or joining others */
	"unshare", "setns",
	/* the mount table and the root */
	"mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen",
	"fsmount", "fsconfig", "fspick", "mount_setattr",
	/* other processes' memory and files */
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
	/* kernel attack surface */
	"bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
	"io_uring_register", "keyctl", "add_key", "request_key",
	/* the machine itself */
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
	"reboot", "swapon", "swapoff", "acct", "settimeofday", "clock_settime", "adjtimex",
	"clock_adjtime", "syslog", "quotactl", "quotactl_fd", "iopl", "ioperm", "vhangup",
	/* handles that bypass path checks, old or obscure interfaces */
	"name_to_handle_at", "open_by_handle_at", "lookup_dcookie", "fanotify_init",
	"uselib", "nfsservctl", "create_module", "get_kernel_syms", "query_module",
	NULL,
};

/* These reach the supervisor only with a refused argument (the prefix
 * decides), which is fatal; listed under "allow-if". */
static const char *const fatal_arg_calls[] = {"clone", "ioctl", NULL};

/* Refused with EPERM, as Docker does without CAP_SYS_NICE/CAP_SYS_ADMIN
 * (and socket for a domain it does not allow); every other refused call
 * fails with ENOSYS, as a kernel without it would answer. */
static const char *const eperm_calls[] = {
	"mbind", "set_mempolicy", "get_mempolicy", "set_mempolicy_home_node", "move_pages",
	"migrate_pages", "sysfs", "ustat", "_sysctl", "sethostname", "setdomainname",
	"process_madvise", "lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules", NULL,
};

/* These reach the supervisor only with a refused argument: socket for a
 * domain it does not allow, seccomp and prctl to stack a filter; listed
 * under "allow-if". */
static const char *const eperm_arg_calls[] = {"socket", "seccomp", "prctl", NULL};

/* The conditions the prefix and the socket rules decide, as listed. */
static const char *const conditioned[] = {
	"personality: allowed for persona 0, 0x8, 0x20000, 0x20008 and the query 0xffffffff; "
	"other values fail with EPERM in the filter (not named)",
	"clone: allowed without CLONE_NEW* flags; with one: fatal",
	"ioctl: allowed except TIOCSTI and TIOCLINUX: fatal",
	"seccomp: allowed but SECCOMP_SET_MODE_FILTER: refused (EPERM), so that no filter of "
	"the program's own can pre-empt this one",
	"prctl: allowed but PR_SET_SECCOMP: refused (EPERM), as seccomp",
	"clone3: fails with ENOSYS in the filter (not named; glibc falls back to clone)",
	"socket: allowed for AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK; other domains "
	"refused (EPERM)",
	NULL,
};

enum { MAX_NR = 1024 };

struct program {
	struct sock_fprog prog;
	unsigned char tier[MAX_NR]; /* enum sbx_seccomp_tier by native number */
	struct lines {
		char **line; /* NULL-terminated */
		size_t n, cap;
	} policy, denied; /* --list-allowed; --list-denied: all but "allow NAME" */
	char err[200];
};

static struct program program;
static pthread_once_t program_once = PTHREAD_ONCE_INIT;

static void lines_add(struct lines *l, char *line)
{
	if (l->n + 2 > l->cap) {
		l->cap = l->cap ? l->cap * 2 : 512;
		l->line = sbx_xrealloc(l->line, l->cap * sizeof *l->line);
	}
	l->line[l->n++] = line;
	l->line[l->n] = NULL;
}

static void policy_add(char *line)
{
	lines_add(&program.policy, line);
	if (strncmp(line, "allow ", 6) != 0)
		lines_add(&program.denied, line);
}

/* Adds an unconditional rule per known name and lists each under `what`
 * (those unknown to this libseccomp, or absent on this architecture, as
 * refused; what NULL: not listed). tier: the tier to record for the
 * supervisor. A NOTIFY action adds no rule: it is the default. */
static int add_list(scmp_filter_ctx ctx, uint32_t action, const char *const *names,
		    const char *what, int tier)
{
	for (size_t i = 0; names[i]; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		if (nr == __NR_SCMP_ERROR || nr < 0) {
			if (what)
				policy_add(sbx_xasprintf(
				    "refuse-enosys %s (listed as %s, but unknown to libseccomp "
				    "%u.%u.%u or not on this architecture)",
				    names[i], what, seccomp_version()->major,
				    seccomp_version()->minor, seccomp_version()->micro));
			continue;
		}
		if (what)
			policy_add(sbx_xasprintf("%s %s", what, names[i]));
		if (tier >= 0 && nr < MAX_NR)
			program.tier[nr] = (unsigned char)tier;
		if (action != SCMP_ACT_NOTIFY && seccomp_rule_add(ctx, action, nr, 0) < 0)
			return -1;
	}
	return 0;
}

static int add_socket_rules(scmp_filter_ctx ctx)
{
	for (size_t i = 0; i < sizeof allowed_domains / sizeof allowed_domains[0]; i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				     SCMP_A0(SCMP_CMP_EQ, (uint64_t)allowed_domains[i], 0)) < 0)
			return -1;
	return 0;
}

/* ---- the hand-written prefix ----
 * Each argument the prefix reads is one the kernel takes as 32 bits
 * (personality, ioctl's request, seccomp's operation, prctl's option) or whose flags of
 * interest are in the low word (clone), so the low word (x86-64 is
 * little-endian) is the whole truth. */

enum { MAX_PREFIX = 64 };

struct prefix {
	struct sock_filter insn[MAX_PREFIX];
	int len;
	/* jumps to patch: instruction, which branch (see emit_jump), label */
	struct {
		int at, field, label;
	} fix[MAX_PREFIX];
	int nfix;
	int label_at[16];
};

enum label {
	L_ALLOW, L_NOTIFY, L_ENOSYS, L_REST, L_PERS, L_IOCTL, L_SECCOMP, L_PRCTL, L_CLONE
};

static void emit(struct prefix *p, uint16_t code, uint32_t k)
{
	p->insn[p->len++] = (struct sock_filter)BPF_STMT(code, k);
}

/* A jump to label: when the test holds (branch 1: jt), fails (0: jf) or
 * always (2: BPF_JA, k is the offset); the other branch falls through. */
static void emit_jump(struct prefix *p, uint16_t code, uint32_t k, int branch, int label)
{
	p->fix[p->nfix++] = (typeof(p->fix[0])){p->len, branch, label};
	p->insn[p->len++] = (struct sock_filter)BPF_JUMP(BPF_JMP | code | BPF_K, k, 0, 0);
}

static void place(struct prefix *p, int label)
{
	p->label_at[label] = p->len;
}

static void load_arg_lo(struct prefix *p, int i)
{
	emit(p, BPF_LD | BPF_W | BPF_ABS, (uint32_t)offsetof(struct seccomp_data, args[i]));
}

/* The prefix; L_REST is the first instruction after it (libseccomp's). */
static int build_prefix(struct prefix *p)
{
	/* As Docker: PER_LINUX, PER_LINUX32, either with UNAME26, and the
	 * query 0xffffffff (listed in `conditioned`). */
	static const uint32_t personas[] = {0, 0x8, 0x20000, 0x20008, 0xffffffffu};
	memset(p, 0, sizeof *p);
	emit(p, BPF_LD | BPF_W | BPF_ABS, (uint32_t)offsetof(struct seccomp_data, arch));
	emit_jump(p, BPF_JEQ, AUDIT_ARCH_X86_64, 0, L_REST);
	emit(p, BPF_LD | BPF_W | BPF_ABS, (uint32_t)offsetof(struct seccomp_data, nr));
	emit_jump(p, BPF_JEQ, (uint32_t)SCMP_SYS(personality), 1, L_PERS);
	emit_jump(p, BPF_JEQ, (uint32_t)SCMP_SYS(ioctl), 1, L_IOCTL);
	emit_jump(p, BPF_JEQ, (uint32_t)SCMP_SYS(seccomp), 1, L_SECCOMP);
	emit_jump(p, BPF_JEQ, (uint32_t)SCMP_SYS(prctl), 1, L_PRCTL);
	emit_jump(p, BPF_JEQ, (uint32_t)SCMP_SYS(clone), 1, L_CLONE);
	emit_jump(p, BPF_JEQ, (uint32_t)SCMP_SYS(clone3), 1, L_ENOSYS);
	emit_jump(p, BPF_JA, 0, 2, L_REST);

	place(p, L_PERS);
	load_arg_lo(p, 0);
	for (size_t i = 0; i < sizeof personas / sizeof personas[0]; i++)
		emit_jump(p, BPF_JEQ, personas[i], 1, L_ALLOW);
	emit(p, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));

	place(p, L_IOCTL);
	load_arg_lo(p, 1);
	emit_jump(p, BPF_JEQ, TIOCSTI, 1, L_NOTIFY);
	emit_jump(p, BPF_JEQ, TIOCLINUX, 1, L_NOTIFY);
	emit(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

	place(p, L_SECCOMP);
	load_arg_lo(p, 0);
	emit_jump(p, BPF_JEQ, SECCOMP_SET_MODE_FILTER, 1, L_NOTIFY);
	emit(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

	place(p, L_PRCTL);
	load_arg_lo(p, 0);
	emit_jump(p, BPF_JEQ, PR_SET_SECCOMP, 1, L_NOTIFY);
	emit(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

	place(p, L_CLONE);
	load_arg_lo(p, 0);
	emit_jump(p, BPF_JSET,
		  CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
		      CLONE_NEWPID | CLONE_NEWNET,
		  1, L_NOTIFY);
	place(p, L_ALLOW);
	emit(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	place(p, L_NOTIFY);
	emit(p, BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
	place(p, L_ENOSYS);
	emit(p, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
	place(p, L_REST);

	for (int i = 0; i < p->nfix; i++) {
		int from = p->fix[i].at, to = p->label_at[p->fix[i].label];
		if (to <= from || to - from - 1 > 255)
			return -1;
		if (p->fix[i].field == 1)
			p->insn[from].jt = (uint8_t)(to - from - 1);
		else if (p->fix[i].field == 0)
			p->insn[from].jf = (uint8_t)(to - from - 1);
		else
			p->insn[from].k = (uint32_t)(to - from - 1);
	}
	return 0;
}

/* Exports ctx's BPF through a memfd (libseccomp 2.5 has no in-memory
 * export) into program.prog, after the prefix. */
static int export_program(scmp_filter_ctx ctx, const struct prefix *pre)
{
	int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	int rc = -1;
	if (seccomp_export_bpf(ctx, fd) == 0 && fstat(fd, &st) == 0 && st.st_size > 0 &&
	    st.st_size % sizeof(struct sock_filter) == 0) {
		size_t n = (size_t)st.st_size / sizeof(struct sock_filter);
		struct sock_filter *insns = sbx_xmalloc((n + (size_t)pre->len) * sizeof *insns);
		memcpy(insns, pre->insn, (size_t)pre->len * sizeof *insns);
		if (n + (size_t)pre->len <= BPF_MAXINSNS &&
		    pread(fd, insns + pre->len, (size_t)st.st_size, 0) == st.st_size) {
			program.prog.filter = insns;
			program.prog.len = (unsigned short)(n + (size_t)pre->len);
			rc = 0;
		} else {
			free(insns);
		}
	}
	close(fd);
	return rc;
}

static void build_program(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_NOTIFY);
	if (!ctx) {
		snprintf(program.err, sizeof program.err, "seccomp_init failed");
		return;
	}
	memset(program.tier, SBX_TIER_ENOSYS, sizeof program.tier);
	struct prefix pre;
	const char *step = "attributes";
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0)
		goto fail;
	/* A binary tree of the calls, not a list: the kernel runs the filter
	 * for every call number when it is loaded (to cache the calls always
	 * allowed), and a run loads it once. libseccomp before 2.5 lacks the
	 * attribute and builds the list. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	step = "the allow list";
	if (add_list(ctx, SCMP_ACT_ALLOW, allowed_calls, "allow", SBX_TIER_ALLOWED) < 0)
		goto fail;
	for (size_t i = 0; conditioned[i]; i++)
		policy_add(sbx_xasprintf("allow-if %s", conditioned[i]));
	step = "socket";
	if (add_socket_rules(ctx) < 0)
		goto fail;
	step = "the refused list";
	if (add_list(ctx, SCMP_ACT_NOTIFY, eperm_calls, "refuse-eperm", SBX_TIER_EPERM) < 0 ||
	    add_list(ctx, SCMP_ACT_NOTIFY, eperm_arg_calls, NULL, SBX_TIER_EPERM) < 0)
		goto fail;
	policy_add(sbx_xasprintf("refuse-enosys every other system call, named in the result "
				 "(see docs/sandbox.md)"));
	step = "the fatal list";
	if (add_list(ctx, SCMP_ACT_NOTIFY, fatal_calls, "fatal", SBX_TIER_FATAL) < 0)
		goto fail;
	if (add_list(ctx, SCMP_ACT_NOTIFY, fatal_arg_calls, NULL, SBX_TIER_FATAL) < 0)
		goto fail;
	policy_add(sbx_xasprintf("fatal non-native ABIs: x86 int 0x80, x32 (SIGSYS)"));
	step = "the argument conditions";
	if (build_prefix(&pre) < 0)
		goto fail;
	step = "export";
	if (export_program(ctx, &pre) < 0)
		goto fail;
	seccomp_release(ctx);
	return;
fail:
	snprintf(program.err, sizeof program.err, "cannot build the seccomp filter (%s)", step);
	seccomp_release(ctx);
}

const struct sock_fprog *sbx_seccomp_program(char *err, size_t errlen)
{
	pthread_once(&program_once, build_program);
	if (!program.prog.filter) {
		snprintf(err, errlen, "%s", program.err);
		return NULL;
	}
	return &program.prog;
}

static const char *const *lines_of(const struct lines *l)
{
	static const char *const none[] = {NULL};
	return l->line ? (const char *const *)l->line : none;
}

const char *const *sbx_allowed_syscalls(void)
{
	pthread_once(&program_once, build_program);
	return lines_of(&program.policy);
}

const char *const *sbx_denied_syscalls(void)
{
	pthread_once(&program_once, build_program);
	return lines_of(&program.denied);
}

enum sbx_seccomp_tier sbx_seccomp_tier(int nr)
{
	pthread_once(&program_once, build_program);
	return nr >= 0 && nr < MAX_NR ? (enum sbx_seccomp_tier)program.tier[nr] : SBX_TIER_ENOSYS;
}

void sbx_seccomp_name(int nr, char *buf, size_t len)
{
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "syscall %d", nr);
	free(name);
}
