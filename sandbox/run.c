/*
 * run.c - starting a sandbox, waiting for and killing it: the public
 * sbx_spawn/sbx_wait/sbx_kill/sbx_run.
 *
 * sbx_spawn prepares everything (slot, cgroups, plan, pipes, the host
 * paths of workdir.c), clones the sandbox's init (init.c) into new user,
 * pid, mount, network, ipc and uts namespaces (and straight into its fresh
 * cgroup v2 directory), writes its uid/gid maps, moves it into the run's
 * other cgroups, lets it go, and waits until it reports "ready" with the
 * seccomp notification fd (or an error). A launcher's prestarted init
 * (warm.c) takes the clone's place: it is only sent the run's part of the
 * plan. The run's supervisor thread (supervise.c), started meanwhile,
 * is let go once init is ready and watches the run until it ends.
 * sbx_wait/sbx_kill synchronise with that thread; sbx_run is spawn + wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/internal.h"

enum { CLONE_STACK = 256 * 1024 };

struct limits {
	double wall_s, cpu_s;
	uint64_t mem, out, fsize, tmp;
	int pids, nofile;
};

static void resolve_limits(const struct sbx_config *cfg, struct limits *l)
{
	l->wall_s = cfg->wall_s > 0 ? cfg->wall_s : 10.0;
	l->cpu_s = cfg->cpu_s > 0 ? cfg->cpu_s : l->wall_s;
	l->mem = cfg->mem_bytes ? cfg->mem_bytes : 256ull << 20;
	l->pids = cfg->pids > 0 ? cfg->pids : 64;
	l->out = cfg->out_bytes ? cfg->out_bytes : 1ull << 20;
	l->fsize = cfg->fsize_bytes ? cfg->fsize_bytes : 16ull << 20;
	l->tmp = cfg->tmp_bytes ? cfg->tmp_bytes : 64ull << 20;
	l->nofile = cfg->nofile > 0 ? cfg->nofile : 256;
}

static int check_config(const struct sbx_config *cfg, char *err, size_t errlen)
{
	if (!cfg->argv || !cfg->argv[0] || !cfg->argv[0][0])
		snprintf(err, errlen, "no command to run");
	else if (cfg->keep_env)
		snprintf(err, errlen, "keep_env is reserved and must be 0");
	else if (cfg->stdin_path && cfg->stdin_data)
		snprintf(err, errlen, "give stdin_path or stdin_data, not both");
	else if (cfg->cwd && cfg->cwd[0] != '/')
		snprintf(err, errlen, "cwd '%s' must be an absolute path inside the sandbox",
			 cfg->cwd);
	else
		return 0;
	return -1;
}

/* ---- preparing the host side ---- */

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

struct child_fds {
	int out[2], err[2], in[2], sync[2];
	struct sbx_host_path workdir;
	struct sbx_host_path *binds;
	size_t nbinds;
};

static void close_child_fds(struct child_fds *f)
{
	int *all[] = {&f->out[0], &f->out[1],  &f->err[0],  &f->err[1],    &f->in[0],
		      &f->in[1],  &f->sync[0], &f->sync[1], &f->workdir.fd};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		sbx_close_fd(all[i]);
	for (size_t i = 0; i < f->nbinds; i++)
		sbx_close_fd(&f->binds[i].fd);
	free(f->binds);
	f->binds = NULL;
	f->nbinds = 0; /* sbx_spawn calls this again when the handshake fails */
}

static int make_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	p[0] = sbx_high_fd(p[0]);
	p[1] = sbx_high_fd(p[1]);
	return p[0] < 0 || p[1] < 0 ? -1 : 0;
}

static int open_stdin(const struct sbx_config *cfg, struct child_fds *f, char *err, size_t errlen)
{
	if (cfg->stdin_data)
		return make_pipe(f->in) < 0 ? snprintf(err, errlen, "pipe: %s", strerror(errno)),
		       -1                   : 0;
	const char *path = cfg->stdin_path ? cfg->stdin_path : "/dev/null";
	f->in[0] = sbx_high_fd(open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
	if (f->in[0] < 0) {
		snprintf(err, errlen, "cannot open stdin file %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int open_host_paths(const struct sbx_config *cfg, const struct sbx_slot *slot,
			   struct child_fds *f, char *err, size_t errlen)
{
	int root = geteuid() == 0;
	if (cfg->workdir) {
		if (root && sbx_workdir_chown(cfg->workdir, slot->host_uid) < 0) {
			snprintf(err, errlen, "cannot hand %s to the sandbox user: %s",
				 cfg->workdir, strerror(errno));
			return -1;
		}
		if (sbx_host_path_open(cfg->workdir, 1, root, &f->workdir) < 0 ||
		    !f->workdir.is_dir) {
			snprintf(err, errlen, "work dir %s: %s", cfg->workdir,
				 f->workdir.is_dir ? strerror(errno) : "not a directory");
			return -1;
		}
	}
	f->binds = sbx_xcalloc(cfg->nbinds + 1, sizeof *f->binds);
	for (size_t i = 0; i < cfg->nbinds; i++) {
		f->nbinds = i + 1;
		if (sbx_host_path_open(cfg->binds[i].src, cfg->binds[i].writable, root,
				       &f->binds[i]) < 0) {
			snprintf(err, errlen, "bind source %s: %s",
				 cfg->binds[i].src ? cfg->binds[i].src : "(null)", strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int open_child_fds(const struct sbx_config *cfg, const struct sbx_slot *slot,
			  struct child_fds *f, char *err, size_t errlen)
{
	if (make_pipe(f->out) < 0 || make_pipe(f->err) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, f->sync) < 0) {
		snprintf(err, errlen, "pipes: %s", strerror(errno));
		return -1;
	}
	f->sync[0] = sbx_high_fd(f->sync[0]);
	f->sync[1] = sbx_high_fd(f->sync[1]);
	if (open_stdin(cfg, f, err, errlen) < 0)
		return -1;
	return open_host_paths(cfg, slot, f, err, errlen);
}

static void plan_fds(struct sbx_plan *plan, const struct child_fds *f)
{
	plan->stdin_fd = f->in[0];
	plan->stdout_fd = f->out[1];
	plan->stderr_fd = f->err[1];
	plan->sync_fd = f->sync[1];
	plan->keep_fds = sbx_xcalloc(5 + f->nbinds, sizeof *plan->keep_fds);
	int *k = plan->keep_fds;
	size_t n = 0;
	k[n++] = f->in[0];
	k[n++] = f->out[1];
	k[n++] = f->err[1];
	k[n++] = f->sync[1];
	if (f->workdir.fd >= 0)
		k[n++] = f->workdir.fd;
	for (size_t i = 0; i < f->nbinds; i++)
		if (f->binds[i].fd >= 0)
			k[n++] = f->binds[i].fd;
	qsort(k, n, sizeof *k, cmp_int);
	plan->nkeep = n;
}

static int last_cap;

static void read_last_cap(void)
{
	char buf[16] = "";
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, buf, sizeof buf - 1) < 0)
			buf[0] = '\0';
		close(fd);
	}
	int n = atoi(buf);
	last_cap = n > 0 ? n : 63;
}

int sbx_last_cap(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, read_last_cap); /* the kernel's: fixed while it runs */
	return last_cap;
}

static void plan_limits(struct sbx_plan *plan, const struct limits *l, const struct sbx_proc *p)
{
	/* Per-process backups of the cgroup limits. RLIMIT_CPU fires a
	 * second late when cgroup polling is in charge. */
	plan->rl_cpu_s = (uint64_t)ceil(l->cpu_s) + (p->cg.cpu != CG_NONE ? 1 : 0);
	plan->rl_fsize = l->fsize;
	plan->rl_nofile = (uint64_t)l->nofile;
	/* RLIMIT_NPROC counts per user within the run's own user namespace,
	 * so it bounds this sandbox only; init counts too. With a pids cgroup
	 * it is a looser backup, so that the cgroup (which records the hit)
	 * refuses the fork first. */
	plan->rl_nproc = (uint64_t)l->pids + (p->cg.pids != CG_NONE ? 2 : 1);
	plan->rl_as = p->cg.mem == CG_NONE ? l->mem : 0;
}

/* ---- uid maps, cgroups and the start handshake ---- */

static int write_proc_file(pid_t pid, const char *file, const char *data)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, data, strlen(data));
	int e = errno;
	close(fd);
	errno = e;
	return n < 0 ? -1 : 0;
}

int sbx_write_id_maps(pid_t pid, const struct sbx_slot *slot, int root)
{
	char map[64];
	if (!root && write_proc_file(pid, "setgroups", "deny") < 0)
		return -1;
	snprintf(map, sizeof map, "%d %u 1\n", SBX_INSIDE_ID, (unsigned)slot->host_uid);
	if (write_proc_file(pid, "uid_map", map) < 0)
		return -1;
	snprintf(map, sizeof map, "%d %u 1\n", SBX_INSIDE_ID, (unsigned)slot->host_gid);
	return write_proc_file(pid, "gid_map", map);
}

static int open_ns(pid_t pid, const char *ns)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, ns);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* Waits for "ready" + the notify fd, or the child's error message. */
static int await_ready(struct sbx_proc *p, char *err, size_t errlen)
{
	char buf[256];
	struct iovec iov = {buf, sizeof buf - 1};
	union {
		char c[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.c, .msg_controllen = sizeof u.c};
	struct pollfd pfd = {p->sync_fd, POLLIN, 0};
	if (poll(&pfd, 1, 30000) <= 0) {
		snprintf(err, errlen, "the sandbox did not start within 30 s");
		return -1;
	}
	ssize_t n = recvmsg(p->sync_fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n > 0 && buf[0] == MSG_READY) {
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		if (c && c->cmsg_type == SCM_RIGHTS) {
			memcpy(&p->notify_fd, CMSG_DATA(c), sizeof(int));
			return 0;
		}
	}
	buf[n > 0 ? n : 0] = '\0';
	snprintf(err, errlen, "sandbox setup failed: %s",
		 n > 1 && buf[0] == MSG_ERROR ? buf + 1 : "the child died");
	return -1;
}

/* clone3 with CLONE_INTO_CGROUP: init starts inside the run's v2 cgroup,
 * so it never migrates there. A migration takes the kernel's global
 * cgroup_threadgroup_rwsem for writing, which waits for an RCU grace
 * period (10-12 ms measured) unless a migration came just before; on a
 * host whose controllers are all on v2 no run migrates at all. Like
 * fork(): no new stack, the child runs on its copy of ours. Returns the
 * pid, or -1 with errno (ENOSYS, E2BIG or EINVAL on kernels before 5.7:
 * the caller falls back to clone). */
static pid_t clone_into_cgroup(struct sbx_plan *plan, int flags, int cgroup_fd, int *pidfd)
{
	struct clone_args args;
	memset(&args, 0, sizeof args);
	args.flags = (uint64_t)flags | CLONE_PIDFD | CLONE_INTO_CGROUP;
	args.pidfd = (uint64_t)(uintptr_t)pidfd;
	args.exit_signal = SIGCHLD;
	args.cgroup = (uint64_t)cgroup_fd;
	long pid = syscall(SYS_clone3, &args, sizeof args);
	if (pid == 0)
		_exit(sbx_init_main(plan));
	return (pid_t)pid;
}

pid_t sbx_clone_init(struct sbx_plan *plan, int flags, int cgroup_fd, int *pidfd, int *v2_joined)
{
	*pidfd = -1;
	*v2_joined = 0;
	if (cgroup_fd >= 0) {
		pid_t pid = clone_into_cgroup(plan, flags, cgroup_fd, pidfd);
		if (pid > 0) {
			*v2_joined = 1;
			return pid;
		}
		if (errno != ENOSYS && errno != E2BIG && errno != EINVAL)
			return -1;
	}
	void *stack = mmap(NULL, CLONE_STACK, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -1;
	pid_t pid = clone(sbx_init_main, (char *)stack + CLONE_STACK, flags | CLONE_PIDFD | SIGCHLD,
			  plan, pidfd);
	int e = errno;
	munmap(stack, CLONE_STACK);
	errno = e;
	return pid;
}

/* Clones init, by the run's launcher when it has one (born in the v1
 * cgroups the launcher sits in), else here. */
static int start_child(struct sbx_proc *p, struct sbx_plan *plan, int flags, char *err,
		       size_t errlen)
{
	int pidfd = -1, v2_joined = 0;
	int cgfd = sbx_cg_clone_fd(&p->cg);
	pid_t pid = p->launcher
			? sbx_launcher_clone(p->launcher, plan, flags, cgfd, &pidfd, &v2_joined)
			: sbx_clone_init(plan, flags, cgfd, &pidfd, &v2_joined);
	int e = errno;
	if (cgfd >= 0)
		close(cgfd);
	if (pid < 0) {
		snprintf(err, errlen, "clone: %s%s", strerror(e),
			 e == EPERM || e == ENOSPC ? " (are user namespaces allowed?)" : "");
		return -1;
	}
	p->cg.v2_joined = v2_joined;
	p->cg.v1_born = p->launcher && p->cg.launcher_in;
	p->init_pid = pid;
	p->pidfd = pidfd;
	return 0;
}

/* ---- public API ---- */

static struct sbx_proc *proc_new(const struct limits *l)
{
	struct sbx_proc *p = sbx_xcalloc(1, sizeof *p);
	p->init_pid = -1;
	p->pidfd = p->sync_fd = p->stdin_fd = p->notify_fd = -1;
	p->netns_fd = p->userns_fd = -1;
	p->out.fd = p->err.fd = -1;
	p->slot.index = -1;
	p->slot.lock_fd = -1;
	p->root = geteuid() == 0;
	p->wall_limit = l->wall_s;
	p->cpu_limit = l->cpu_s;
	p->out_cap = l->out;
	p->mem_bytes = l->mem;
	p->limit = SBX_OK;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* deadline_ts */
	pthread_cond_init(&p->cond, &attr);
	pthread_condattr_destroy(&attr);
	return p;
}

static void set_enforcement(struct sbx_proc *p)
{
	p->mem_enf = p->cg.mem != CG_NONE ? sbx_cg_kind_name(p->cg.mem) : "rlimit";
	p->pids_enf = p->cg.pids != CG_NONE ? sbx_cg_kind_name(p->cg.pids) : "rlimit";
	p->cpu_enf = p->cg.cpu != CG_NONE ? sbx_cg_kind_name(p->cg.cpu) : "rlimit";
}

/* Everything after clone: maps, cgroups, namespace fds, go, ready (a
 * warm init has its maps and cgroups, and its message was its go). */
static int handshake(struct sbx_proc *p, int warm, char *err, size_t errlen)
{
	if (!warm && sbx_write_id_maps(p->init_pid, &p->slot, p->root) < 0) {
		snprintf(err, errlen, "cannot write the sandbox's id maps: %s", strerror(errno));
		return -1;
	}
	if (!warm && sbx_cg_attach(&p->cg, p->init_pid, err, errlen) < 0)
		return -1;
	p->netns_fd = open_ns(p->init_pid, "net");
	if (!p->root)
		p->userns_fd = open_ns(p->init_pid, "user");
	if (p->netns_fd < 0 || (!p->root && p->userns_fd < 0)) {
		snprintf(err, errlen, "cannot open the sandbox's namespaces: %s", strerror(errno));
		return -1;
	}
	if (!warm && send(p->sync_fd, "G", 1, MSG_NOSIGNAL) != 1) {
		snprintf(err, errlen, "the sandbox died before it started");
		return -1;
	}
	if (await_ready(p, err, errlen) < 0)
		return -1;
	p->gentle_ok = 1; /* init handles SIGTERM from now on */
	/* CPU time counts from here: the sandbox's own setup is not the
	 * command's. */
	int64_t setup_ns = sbx_cg_cpu_ns(&p->cg);
	if (setup_ns > 0)
		p->cg.cpu_base_ns += (uint64_t)setup_ns;
	return 0;
}

/* The run's init: the warm one, given the run's part of plan, else a
 * clone (a warm init that cannot take it is discarded first). */
static int start_init(struct sbx_proc *p, struct sbx_plan *plan, int flags, struct sbx_warm *w,
		      char *err, size_t errlen)
{
	if (w->pid > 0 && sbx_warm_send(w, plan) == 0) {
		p->init_pid = w->pid;
		p->pidfd = w->pidfd;
		p->cg.v2_joined = p->cg.v2_dir != NULL;
		p->cg.v1_born = p->cg.launcher_in;
		w->pidfd = -1;
		free(w->v2_dir); /* the run's now (adopted by sbx_cg_setup) */
		w->v2_dir = NULL;
		return 1;
	}
	sbx_warm_drop_init(w);
	return start_child(p, plan, flags, err, errlen);
}

static int spawn_child(struct sbx_proc *p, const struct sbx_config *cfg, const struct limits *l,
		       struct sbx_warm *w, struct child_fds *f, char *err, size_t errlen)
{
	struct sbx_plan plan = {0};
	const struct sock_fprog *prog = sbx_seccomp_program(err, errlen);
	if (!prog || open_child_fds(cfg, &p->slot, f, err, errlen) < 0 ||
	    sbx_plan_build(&plan, cfg, &f->workdir, f->binds, err, errlen) < 0) {
		sbx_plan_free(&plan);
		return -1;
	}
	plan_fds(&plan, f);
	plan_limits(&plan, l, p);
	plan.root = p->root;
	plan.share_net = cfg->share_net;
	plan.last_cap = sbx_last_cap();
	plan.filter = prog;
	int flags = SBX_CLONE_NS | (cfg->share_net ? 0 : CLONE_NEWNET);
	int warm = start_init(p, &plan, flags, w, err, errlen);
	sbx_plan_free(&plan);
	if (warm < 0)
		return -1;
	if (warm) { /* its socket, not the one made for a clone */
		p->prestarted = 1;
		p->sync_fd = w->sync_fd;
		w->sync_fd = -1;
		sbx_warm_clear(w);
	} else {
		p->sync_fd = f->sync[0];
		f->sync[0] = -1;
	}
	p->out.fd = f->out[0];
	p->err.fd = f->err[0];
	f->out[0] = f->err[0] = -1;
	if (cfg->stdin_data) {
		p->stdin_fd = f->in[1];
		f->in[1] = -1;
	}
	close_child_fds(f); /* the child's ends: only the child holds them now */
	/* The supervisor thread is started while init sets up, and waits
	 * for the gate (sbx_supervise): its start is off the run's path. */
	if (pthread_create(&p->thread, NULL, sbx_supervise, p) != 0) {
		snprintf(err, errlen, "cannot start the supervisor thread");
		return -1;
	}
	p->has_thread = 1;
	return handshake(p, warm, err, errlen);
}

/* Lets the supervisor thread go (go) or end before it began. */
static void open_gate(struct sbx_proc *p, int go)
{
	pthread_mutex_lock(&p->lock);
	p->gate = go ? 1 : -1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

int sbx_spawn(const struct sbx_config *cfg, struct sbx_proc **out, char *err, size_t errlen)
{
	*out = NULL;
	if (check_config(cfg, err, errlen) < 0)
		return -1;
	struct limits l;
	resolve_limits(cfg, &l);
	struct sbx_proc *p = proc_new(&l);
	struct child_fds f = {{-1, -1}, {-1, -1}, {-1, -1}, {-1, -1}, {-1, 0}, NULL, 0};
	/* Only root's host paths are trees attached by fd, as a warm init
	 * takes them; share_net needs the host's network namespace. */
	struct sbx_warm_key key = {l.tmp, cfg->workdir != NULL};
	struct sbx_warm warm;
	sbx_warm_clear(&warm);
	if (sbx_launcher_take(p->root ? cfg->slot : -1, p->root && !cfg->share_net ? &key : NULL,
			      &p->slot, &p->cg, &p->launcher, &warm, err, errlen) < 0)
		goto fail;
	/* pids + 1: the sandbox's init counts too. */
	sbx_cg_setup(&p->cg, p->slot.index, l.mem, l.pids + 1);
	/* A dir that was there already had its tasks killed, a warm init
	 * among them perhaps: start cold (the fresh v2 dir stays the run's). */
	if (p->cg.reused)
		sbx_warm_drop_init(&warm);
	set_enforcement(p);
	if (cfg->stdin_data) {
		p->stdin_len = cfg->stdin_len;
		p->stdin_data = sbx_xmalloc(p->stdin_len + 1);
		memcpy(p->stdin_data, cfg->stdin_data, p->stdin_len);
	}
	if (spawn_child(p, cfg, &l, &warm, &f, err, errlen) < 0)
		goto fail;
	p->t_start = sbx_now();
	int fds[] = {p->out.fd, p->err.fd, p->stdin_fd};
	for (size_t i = 0; i < 3; i++)
		if (fds[i] >= 0)
			fcntl(fds[i], F_SETFL, O_NONBLOCK);
	open_gate(p, 1);
	*out = p;
	return 0;
fail:
	if (p->has_thread) {
		open_gate(p, 0);
		pthread_join(p->thread, NULL);
		p->has_thread = 0;
	}
	sbx_warm_drop_init(&warm);
	close_child_fds(&f);
	if (p->pidfd >= 0) {
		sbx_proc_kill_tree(p);
		waitpid(p->init_pid, NULL, __WALL);
	}
	p->done = 1; /* no thread to join */
	p->reaped = 1;
	sbx_close_fd(&p->out.fd);
	sbx_close_fd(&p->err.fd);
	sbx_close_fd(&p->pidfd);
	sbx_proc_finish(p);
	sbx_proc_free(p);
	return -1;
}

static void deadline_ts(struct timespec *ts, double timeout_s)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)timeout_s;
	ts->tv_nsec += (long)((timeout_s - (double)(time_t)timeout_s) * 1e9);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static int wait_done(struct sbx_proc *p, double timeout_s)
{
	struct timespec ts;
	if (timeout_s > 0)
		deadline_ts(&ts, timeout_s);
	pthread_mutex_lock(&p->lock);
	while (!p->done) {
		if (timeout_s <= 0)
			pthread_cond_wait(&p->cond, &p->lock);
		else if (pthread_cond_timedwait(&p->cond, &p->lock, &ts) == ETIMEDOUT)
			break;
	}
	int done = p->done;
	pthread_mutex_unlock(&p->lock);
	return done;
}

/* Under p->lock: once done, the supervisor may still be giving back the
 * run's slot and cgroups (supervise.c, after init's exit). */
static void fill_locked(struct sbx_proc *p, struct sbx_result *res)
{
	pthread_mutex_lock(&p->lock);
	sbx_result_fill(p, res);
	pthread_mutex_unlock(&p->lock);
}

int sbx_wait(struct sbx_proc *p, double timeout_s, struct sbx_result *res)
{
	if (!p)
		return -1;
	if (!wait_done(p, timeout_s))
		return 0;
	fill_locked(p, res);
	return 1;
}

int sbx_kill(struct sbx_proc *p, struct sbx_result *res)
{
	if (!p)
		return -1;
	pthread_mutex_lock(&p->lock);
	p->kill_requested = 1;
	int done = p->done;
	pthread_mutex_unlock(&p->lock);
	if (!done)
		sbx_proc_kill_tree(p);
	wait_done(p, 0);
	if (res)
		fill_locked(p, res);
	return 0;
}

char *sbx_output_peek(struct sbx_proc *p, int stream, size_t *len)
{
	if (!p || (stream != 1 && stream != 2))
		return NULL;
	const struct sbx_capture *c = stream == 1 ? &p->out : &p->err;
	pthread_mutex_lock(&p->lock);
	char *copy = sbx_xmalloc(c->len + 1);
	if (c->len)
		memcpy(copy, c->buf, c->len);
	copy[c->len] = '\0';
	*len = c->len;
	pthread_mutex_unlock(&p->lock);
	return copy;
}

void sbx_proc_free(struct sbx_proc *p)
{
	if (!p)
		return;
	if (p->has_thread) {
		sbx_kill(p, NULL);
		pthread_join(p->thread, NULL);
	}
	sbx_close_fd(&p->netns_fd);
	sbx_close_fd(&p->userns_fd);
	sbx_close_fd(&p->out.fd);
	sbx_close_fd(&p->err.fd);
	sbx_close_fd(&p->pidfd);
	free(p->out.buf);
	free(p->err.buf);
	free(p->stdin_data);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}

int sbx_run(const struct sbx_config *cfg, struct sbx_result *res)
{
	struct sbx_proc *p;
	char err[256];
	memset(res, 0, sizeof *res);
	if (sbx_spawn(cfg, &p, err, sizeof err) < 0) {
		sbx_result_internal(res, err);
		return -1;
	}
	sbx_wait(p, 0, res);
	sbx_proc_free(p);
	return 0;
}
