/*
 * seccomp.c - the system-call filter every sandboxed process runs under.
 *
 * The filter allows by default and stops what Docker's default profile
 * stops, in two tiers:
 *  - fatal: calls that only an escape attempt or a kernel attack makes
 *    (namespaces, mounts, ptrace, bpf, io_uring, keyrings, modules, ...).
 *    They go to the supervisor through seccomp user notification
 *    (SCMP_ACT_NOTIFY); it records the call's name, answers EPERM and
 *    kills the sandbox with the verdict syscall-denied.
 *  - refused: calls Docker refuses to unprivileged containers but that
 *    harmless programs probe (NUMA memory policy, sysfs, ...): they fail
 *    with EPERM and the program goes on.
 * clone3 fails with ENOSYS: its flags live in memory a filter cannot
 * read, and glibc falls back to clone, whose flags we do check.
 * Non-native ABIs (x86 int 0x80, x32) kill the process (SIGSYS).
 *
 * The program is built with libseccomp once per process and exported as
 * raw BPF, so each run only makes one seccomp() call. It is immutable
 * after that (pthread_once).
 */
#include <errno.h>
#include <linux/sched.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/internal.h"

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

/* Refused with EPERM, as Docker does without CAP_SYS_NICE/CAP_SYS_ADMIN. */
static const char *const refused_calls[] = {
	"mbind", "set_mempolicy", "get_mempolicy", "move_pages", "migrate_pages",
	"sysfs", "ustat", "_sysctl", "sethostname", "setdomainname", NULL,
};

/* Listed by --list-denied: the fatal calls plus the argument filters. */
static const char *const listed_names[] = {
	"unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "move_mount",
	"open_tree", "fsopen", "fsmount", "fsconfig", "fspick", "mount_setattr", "ptrace",
	"process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "bpf",
	"perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
	"io_uring_register", "keyctl", "add_key", "request_key", "kexec_load",
	"kexec_file_load", "init_module", "finit_module", "delete_module", "reboot", "swapon",
	"swapoff", "acct", "settimeofday", "clock_settime", "adjtimex", "clock_adjtime",
	"syslog", "quotactl", "quotactl_fd", "iopl", "ioperm", "vhangup", "name_to_handle_at",
	"open_by_handle_at", "lookup_dcookie", "fanotify_init", "uselib", "nfsservctl",
	"create_module", "get_kernel_syms", "query_module",
	"clone (with any CLONE_NEW* flag)", "personality (other than the Linux personas)",
	"ioctl TIOCSTI", "ioctl TIOCLINUX",
	"clone3 (fails with ENOSYS; glibc falls back to clone)",
	"non-native ABIs: x86 int 0x80, x32 (process killed with SIGSYS)",
	NULL,
};

struct program {
	struct sock_fprog prog;
	char err[200];
};

static struct program program;
static pthread_once_t program_once = PTHREAD_ONCE_INIT;

const char *const *sbx_denied_syscalls(void)
{
	return listed_names;
}

static int add_list(scmp_filter_ctx ctx, uint32_t action, const char *const *names)
{
	for (size_t i = 0; names[i]; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		/* Unknown to this libseccomp, or absent on this architecture. */
		if (nr == __NR_SCMP_ERROR || nr < 0)
			continue;
		if (seccomp_rule_add(ctx, action, nr, 0) < 0)
			return -1;
	}
	return 0;
}

/* clone with a namespace flag: one rule per flag (rules are OR-ed). */
static int add_clone_rules(scmp_filter_ctx ctx)
{
	static const uint64_t ns_flags[] = {CLONE_NEWNS,  CLONE_NEWCGROUP, CLONE_NEWUTS,
					    CLONE_NEWIPC, CLONE_NEWUSER,   CLONE_NEWPID,
					    CLONE_NEWNET};
	for (size_t i = 0; i < sizeof ns_flags / sizeof ns_flags[0]; i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(clone), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i])) < 0)
			return -1;
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
}

/* personality goes to the supervisor, which lets the Linux personas
 * through (sbx_seccomp_allowed_persona) and kills for anything else: a
 * filter rule cannot say "none of these five values" (libseccomp allows
 * one comparison per argument). The decision reads only a register, so
 * letting the call continue is safe. */
static int add_personality_rule(scmp_filter_ctx ctx)
{
	return seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(personality), 0);
}

int sbx_seccomp_allowed_persona(uint64_t arg)
{
	/* As Docker: PER_LINUX, PER_LINUX32, either with UNAME26, and the
	 * query 0xffffffff. The kernel reads an unsigned int. */
	uint32_t v = (uint32_t)arg;
	return v == 0 || v == 0x8 || v == 0x20000 || v == 0x20008 || v == 0xffffffffu;
}

/* ioctl TIOCSTI (type into a terminal) and TIOCLINUX; the kernel reads
 * the request as 32 bits, so compare only those. */
static int add_ioctl_rules(scmp_filter_ctx ctx)
{
	if (seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(ioctl), 1,
			     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI)) < 0)
		return -1;
	return seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(ioctl), 1,
				SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX));
}

/* Exports ctx's BPF through a memfd (libseccomp 2.5 has no in-memory
 * export) into program.prog. */
static int export_program(scmp_filter_ctx ctx)
{
	int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	int rc = -1;
	if (seccomp_export_bpf(ctx, fd) == 0 && fstat(fd, &st) == 0 && st.st_size > 0 &&
	    st.st_size % sizeof(struct sock_filter) == 0) {
		struct sock_filter *insns = sbx_xmalloc((size_t)st.st_size);
		if (pread(fd, insns, (size_t)st.st_size, 0) == st.st_size) {
			program.prog.filter = insns;
			program.prog.len = (unsigned short)(st.st_size / sizeof *insns);
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
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		snprintf(program.err, sizeof program.err, "seccomp_init failed");
		return;
	}
	const char *step = "attributes";
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0)
		goto fail;
	step = "the fatal list";
	if (add_list(ctx, SCMP_ACT_NOTIFY, fatal_calls) < 0)
		goto fail;
	step = "the refused list";
	if (add_list(ctx, SCMP_ACT_ERRNO(EPERM), refused_calls) < 0)
		goto fail;
	step = "clone";
	if (add_clone_rules(ctx) < 0)
		goto fail;
	step = "personality";
	if (add_personality_rule(ctx) < 0)
		goto fail;
	step = "ioctl";
	if (add_ioctl_rules(ctx) < 0)
		goto fail;
	step = "export";
	if (export_program(ctx) < 0)
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

void sbx_seccomp_name(int nr, char *buf, size_t len)
{
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "syscall %d", nr);
	free(name);
}
