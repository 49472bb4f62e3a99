/*
 * init.c - pid 1 of the sandbox: the child side of clone().
 *
 * It waits until the parent has written its uid/gid maps and moved it
 * into the run's cgroups, becomes the unprivileged sandbox user, builds
 * the filesystem (ns.c), brings up loopback (a warm init, started before
 * its run, waits for the run's part of the plan after those steps and
 * then attaches the run's host paths, see warm.c), drops every capability,
 * sets no_new_privs and loads the seccomp filter, hands the filter's
 * notification fd to the parent, then forks the command. As init it reaps
 * every orphan; when the command (its direct child) ends, it kills and
 * reaps whatever else is left in the pid namespace, sends the command's
 * wait status to the parent and exits.
 *
 * This runs in a clone of a possibly multi-threaded process: only system
 * calls here, no malloc, no stdio, no locks.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/internal.h"

/* Sends "E<what>: <error>" to the parent and exits. */
static void die(const struct sbx_plan *plan, const char *what, int err)
{
	char msg[256];
	size_t n = 0;
	const char *parts[] = {what, ": ", strerrordesc_np(err) ? strerrordesc_np(err) : "error"};
	msg[n++] = MSG_ERROR;
	for (size_t i = 0; i < 3; i++) {
		size_t len = strlen(parts[i]);
		if (len > sizeof msg - n - 1)
			len = sizeof msg - n - 1;
		memcpy(msg + n, parts[i], len);
		n += len;
	}
	send(plan->sync_fd, msg, n, MSG_NOSIGNAL);
	_exit(127);
}

/* Closes every fd except the sorted keep list (other sandboxes' pipes
 * of a multi-threaded parent must not leak into this one). */
static void close_others(const struct sbx_plan *plan)
{
	unsigned int from = 0;
	for (size_t i = 0; i < plan->nkeep; i++) {
		unsigned int fd = (unsigned int)plan->keep_fds[i];
		if (fd > from)
			syscall(SYS_close_range, from, fd - 1, 0);
		from = fd + 1;
	}
	syscall(SYS_close_range, from, ~0u, 0);
}

/* Raw system calls: glibc's set*id wrappers in a multi-threaded
 * process broadcast the change to every thread and wait for them; this
 * clone inherited the thread list but not the threads, and would hang. */
static void become_sandbox_user(const struct sbx_plan *plan)
{
	if (plan->root && syscall(SYS_setgroups, 0, NULL) < 0)
		die(plan, "setgroups", errno);
	if (syscall(SYS_setresgid, SBX_INSIDE_ID, SBX_INSIDE_ID, SBX_INSIDE_ID) < 0)
		die(plan, "setresgid", errno);
	/* The old uid is not the namespace's root, so the capabilities within
	 * the new namespace survive this until drop_privileges(). */
	if (syscall(SYS_setresuid, SBX_INSIDE_ID, SBX_INSIDE_ID, SBX_INSIDE_ID) < 0)
		die(plan, "setresuid", errno);
}

/* Empties the bounding set: no exec can gain a capability. What init
 * may do itself is unchanged (that is drop_privileges), so a warm init
 * does this before it waits for its run. */
static void drop_bounding_set(const struct sbx_plan *plan)
{
	for (int cap = 0; cap <= plan->last_cap; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			die(plan, "dropping the bounding set", errno);
}

static void drop_privileges(const struct sbx_plan *plan)
{
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof data);
	if (syscall(SYS_capset, &hdr, data) < 0)
		die(plan, "capset", errno);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die(plan, "no_new_privs", errno);
}

/* Loads the filter and sends its notification fd to the parent with the
 * "ready" message. */
static void load_seccomp(const struct sbx_plan *plan)
{
	int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			      SECCOMP_FILTER_FLAG_NEW_LISTENER, plan->filter);
	if (fd < 0)
		die(plan, "loading the seccomp filter", errno);
	char ready = MSG_READY;
	struct iovec iov = {&ready, 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof u);
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof u.buf};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	if (sendmsg(plan->sync_fd, &msg, MSG_NOSIGNAL) < 0)
		die(plan, "sending the seccomp fd", errno);
	close(fd);
}

static void set_limit(int resource, uint64_t soft, uint64_t hard)
{
	struct rlimit rl = {soft, hard};
	setrlimit(resource, &rl);
}

static void apply_rlimits(const struct sbx_plan *plan)
{
	if (plan->rl_cpu_s)
		set_limit(RLIMIT_CPU, plan->rl_cpu_s, plan->rl_cpu_s + 1);
	if (plan->rl_fsize)
		set_limit(RLIMIT_FSIZE, plan->rl_fsize, plan->rl_fsize);
	if (plan->rl_nofile)
		set_limit(RLIMIT_NOFILE, plan->rl_nofile, plan->rl_nofile);
	if (plan->rl_nproc)
		set_limit(RLIMIT_NPROC, plan->rl_nproc, plan->rl_nproc);
	if (plan->rl_as)
		set_limit(RLIMIT_AS, plan->rl_as, plan->rl_as);
	set_limit(RLIMIT_CORE, 0, 0);
}

static void write_stderr(const char *a, const char *b, const char *c, const char *d)
{
	const char *parts[] = {"grader-sandbox: ", a, b, c, d, "\n"};
	for (size_t i = 0; i < 6; i++)
		if (write(2, parts[i], strlen(parts[i])) < 0)
			return;
}

/* The command's process: limits, working dir, exec. It shares init's
 * memory until execve (CLONE_VM|CLONE_VFORK), so it only makes system
 * calls and never returns. */
static int exec_command(void *arg)
{
	const struct sbx_plan *plan = arg;
	/* Ignored signals would stay ignored across exec. */
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	apply_rlimits(plan);
	if (chdir(plan->cwd) < 0) {
		write_stderr("cannot enter ", plan->cwd, ": ", strerrordesc_np(errno));
		_exit(127);
	}
	syscall(SYS_close_range, 3u, ~0u, 0);
	int err = ENOENT;
	for (size_t i = 0; plan->exec_paths[i]; i++) {
		execve(plan->exec_paths[i], plan->argv, plan->envp);
		if (errno != ENOENT && errno != ENOTDIR)
			err = errno;
	}
	write_stderr("cannot execute '", plan->argv[0], "': ", strerrordesc_np(err));
	_exit(err == ENOENT ? 127 : 126);
}

/* SIGTERM from the supervisor: end the run, but through us. Every other
 * process of the namespace is killed here and then reaped by init, so
 * that init's rusage, which is the run's CPU time where no cgroup counts
 * it, includes them: had init been SIGKILLed, the kernel would reap the
 * rest uncounted. (A process of the run may send it too: it only ends
 * its own run.) */
static void on_term(int sig)
{
	(void)sig;
	kill(-1, SIGKILL);
}

/* After the command: ends and reaps whatever it left running (kill(-1)
 * again each time, so that a process forking meanwhile cannot outrun it;
 * the pids limit bounds them). */
static void reap_all(void)
{
	for (;;) {
		kill(-1, SIGKILL);
		if (waitpid(-1, NULL, __WALL) < 0 && errno != EINTR)
			return;
	}
}

/* Reaps everything until the command itself ends; returns its status. */
static int reap_until(pid_t cmd)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, __WALL);
		if (pid == cmd)
			return status;
		if (pid < 0 && errno != EINTR)
			return 127 << 8;
	}
}

/* The next string of a run message, or NULL past its end. */
static const char *next_str(const char *buf, size_t n, size_t *off)
{
	if (*off >= n)
		return NULL;
	const char *s = buf + *off;
	size_t len = strnlen(s, n - *off);
	if (len == n - *off)
		return NULL;
	*off += len + 1;
	return s;
}

/* Fills v[0..count) with the next count strings and a NULL. */
static int next_strs(const char *buf, size_t n, size_t *off, char **v, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++)
		if (!(v[i] = (char *)next_str(buf, n, off)))
			return -1;
	v[count] = NULL;
	return 0;
}

/* A warm init's run (warm.c): waits for the run's part of the plan and
 * returns the whole plan, in static storage (this clone may not
 * allocate). Exits when the launcher went away first. */
static const struct sbx_plan *receive_run(const struct sbx_plan *base)
{
	static char buf[SBX_WARM_MSG_MAX];
	static char *strs[SBX_WARM_MAX_STRINGS];
	static struct sbx_op ops[SBX_WARM_MAX_ATTACH];
	static struct sbx_plan run;
	enum { MAX_FDS = 3 + SBX_WARM_MAX_ATTACH };
	union {
		char c[CMSG_SPACE(sizeof(int) * MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {buf, sizeof buf};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.c, .msg_controllen = sizeof u.c};
	ssize_t got;
	do
		got = recvmsg(base->sync_fd, &msg, MSG_CMSG_CLOEXEC);
	while (got < 0 && errno == EINTR);
	if (got <= 0)
		_exit(127);
	size_t n = (size_t)got;
	struct sbx_warm_msg h;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	size_t nfds = c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS
			  ? (c->cmsg_len - CMSG_LEN(0)) / sizeof(int)
			  : 0;
	int fds[MAX_FDS];
	if (nfds > MAX_FDS)
		nfds = 0;
	if (nfds)
		memcpy(fds, CMSG_DATA(c), nfds * sizeof(int));
	/* Received fds take the lowest free numbers, which may be 0-2:
	 * above them, so that setup_stdio's dup2 cannot overwrite one. */
	for (size_t i = 0; i < nfds; i++) {
		int hi = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
		if (hi < 0)
			die(base, "receiving the run", errno);
		close(fds[i]);
		fds[i] = hi;
	}
	if (n >= sizeof h)
		memcpy(&h, buf, sizeof h);
	if (n < sizeof h || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    h.magic != SBX_WARM_MAGIC || h.nattach > SBX_WARM_MAX_ATTACH ||
	    nfds != 3 + (size_t)h.nattach || h.argc < 1 ||
	    (size_t)h.argc + h.envc + h.nexec + 3 > SBX_WARM_MAX_STRINGS)
		die(base, "receiving the run", EPROTO);
	run = *base;
	run.warm = 0;
	run.pivoted = 1;
	size_t off = sizeof h;
	run.argv = strs;
	run.envp = strs + h.argc + 1;
	run.exec_paths = run.envp + h.envc + 1;
	if (!(run.cwd = next_str(buf, n, &off)) || next_strs(buf, n, &off, run.argv, h.argc) < 0 ||
	    next_strs(buf, n, &off, run.envp, h.envc) < 0 ||
	    next_strs(buf, n, &off, run.exec_paths, h.nexec) < 0)
		die(base, "receiving the run", EPROTO);
	for (uint32_t i = 0; i < h.nattach; i++) {
		int is_dir = off < n && buf[off++];
		const char *dst = next_str(buf, n, &off);
		if (!dst)
			die(base, "receiving the run", EPROTO);
		ops[i] = (struct sbx_op){OP_ATTACH, NULL, dst, NULL, 0, fds[3 + i], is_dir, 0};
	}
	run.ops = ops;
	run.nops = h.nattach;
	run.nbase = run.nfirst = 0;
	run.stdin_fd = fds[0];
	run.stdout_fd = fds[1];
	run.stderr_fd = fds[2];
	run.rl_cpu_s = h.rl[0];
	run.rl_fsize = h.rl[1];
	run.rl_nofile = h.rl[2];
	run.rl_nproc = h.rl[3];
	run.rl_as = h.rl[4];
	return &run;
}

static void setup_stdio(const struct sbx_plan *plan)
{
	if (dup2(plan->stdin_fd, 0) < 0 || dup2(plan->stdout_fd, 1) < 0 ||
	    dup2(plan->stderr_fd, 2) < 0)
		die(plan, "dup2", errno);
}

int sbx_init_main(void *arg)
{
	const struct sbx_plan *plan = arg;
	/* In ps: ours, not the grader's (a prestarted one idles for a while). */
	prctl(PR_SET_NAME, "sandbox-init", 0, 0, 0);
	close_others(plan);
	/* Wait for the parent: uid/gid maps written, cgroups joined. */
	char go;
	if (recv(plan->sync_fd, &go, 1, 0) != 1)
		_exit(127);
	/* A cgroup namespace rooted at the run's cgroup, which we joined only
	 * now: /proc/self/cgroup inside shows "/" and nothing of the host. */
	if (unshare(CLONE_NEWCGROUP) < 0)
		die(plan, "unshare(CLONE_NEWCGROUP)", errno);
	become_sandbox_user(plan);
	/* Die with the thread that spawned us, so no sandbox outlives a
	 * SIGKILLed grader (nothing would enforce its limits). Set only now:
	 * changing the effective uid clears the setting. If the parent died
	 * already, its end of the sync socket is closed. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	struct pollfd parent = {.fd = plan->sync_fd, .events = POLLRDHUP};
	if (poll(&parent, 1, 0) != 0)
		_exit(127);
	const char *what;
	if (sbx_ns_prepare_root(plan, &what) < 0)
		die(plan, what, errno);
	if (sethostname("sandbox", 7) < 0)
		die(plan, "sethostname", errno);
	if (!plan->share_net && !plan->net_up && sbx_net_loopback_up() < 0)
		die(plan, "bringing up loopback", errno);
	drop_bounding_set(plan);
	/* A warm init (warm.c) has done what every run shares; now its run. */
	if (plan->warm)
		plan = receive_run(plan);
	if (sbx_ns_finish_root(plan, &what) < 0)
		die(plan, what, errno);
	setup_stdio(plan);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	drop_privileges(plan);
	/* before "ready" (load_seccomp): once the supervisor has heard it,
	 * a SIGTERM is sure to be handled (init ignores a signal it has no
	 * handler for; the launcher cloned us with every signal blocked) */
	struct sigaction term = {.sa_handler = on_term};
	sigaction(SIGTERM, &term, NULL);
	sigset_t only_term;
	sigemptyset(&only_term);
	sigaddset(&only_term, SIGTERM);
	sigprocmask(SIG_UNBLOCK, &only_term, NULL);
	load_seccomp(plan);

	/* vfork-style: no copy of the (large) parent's page tables. */
	static_assert(sizeof(long) == 8, "64-bit only");
	char stack[32768] __attribute__((aligned(16)));
	pid_t cmd = clone(exec_command, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD,
			  (void *)plan);
	if (cmd < 0)
		die(plan, "starting the command", errno);
	/* Init keeps only the sync socket: no end of the output pipes (its
	 * stdio and the plan's copies above them), so that they reach EOF
	 * when the run's last process ends, not when init does. */
	unsigned int sync = (unsigned int)plan->sync_fd;
	if (sync > 0)
		syscall(SYS_close_range, 0u, sync - 1, 0);
	syscall(SYS_close_range, sync + 1, ~0u, 0);
	int status = reap_until(cmd);
	/* Only once every other process is reaped: the status also says the
	 * run is over but for init's own exit (supervise.c). */
	reap_all();
	char msg[1 + sizeof status];
	msg[0] = MSG_STATUS;
	memcpy(msg + 1, &status, sizeof status);
	send(plan->sync_fd, msg, sizeof msg, MSG_NOSIGNAL);
	_exit(0);
}
