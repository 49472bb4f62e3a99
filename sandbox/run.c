/*
 * run.c - starting a sandbox, supervising it, waiting for and killing it.
 *
 * sbx_spawn prepares everything (slot, cgroups, plan, pipes), clones the
 * sandbox's init (init.c) into new user, pid, mount, network, ipc and uts
 * namespaces (and straight into its fresh cgroup v2 directory), writes
 * its uid/gid maps, moves it into the run's other cgroups,
 * lets it go, and waits until it reports "ready" with the seccomp
 * notification fd (or an error). A supervisor thread per sandbox then
 * drains stdout/stderr, feeds stdin, answers seccomp notifications, polls
 * the tree's CPU time and the wall clock, and kills the whole tree at the
 * first limit. sbx_wait/sbx_kill synchronise with that thread; sbx_run is
 * spawn + wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <dirent.h>
#include <poll.h>
#include <linux/sched.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/internal.h"

enum { CLONE_STACK = 256 * 1024, READ_CHUNK = 65536 };

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

/* Root: the sandbox user must be able to write the work dir. Walks with
 * *at() calls from an fd, never following a symlink (fchownat with
 * AT_SYMLINK_NOFOLLOW changes links themselves), and stays on one file
 * system. */
static int chown_at(int dirfd, uid_t uid, dev_t dev, int depth)
{
	if (depth > 64)
		return errno = ELOOP, -1;
	DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
			continue;
		if ((st.st_uid != uid || st.st_gid != uid) &&
		    fchownat(dirfd, e->d_name, uid, uid, AT_SYMLINK_NOFOLLOW) < 0)
			rc = -1;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, e->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0 || chown_at(sub, uid, dev, depth + 1) < 0)
				rc = -1;
		}
	}
	closedir(d);
	return rc;
}

static int chown_tree(const char *dir, uid_t uid)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || fchown(fd, uid, uid) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		errno = e;
		return -1;
	}
	return chown_at(fd, uid, st.st_dev, 0);
}

/* Moves fd to a number >= 3 (stdin/out/err of the child are dup2'd). */
static int high_fd(int fd)
{
	if (fd < 0 || fd >= 3)
		return fd;
	int n = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return n;
}

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

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void close_child_fds(struct child_fds *f)
{
	int *all[] = {&f->out[0], &f->out[1],  &f->err[0],  &f->err[1],    &f->in[0],
		      &f->in[1],  &f->sync[0], &f->sync[1], &f->workdir.fd};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		close_fd(all[i]);
	for (size_t i = 0; i < f->nbinds; i++)
		close_fd(&f->binds[i].fd);
	free(f->binds);
	f->binds = NULL;
}

static int make_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	p[0] = high_fd(p[0]);
	p[1] = high_fd(p[1]);
	return p[0] < 0 || p[1] < 0 ? -1 : 0;
}

static int open_stdin(const struct sbx_config *cfg, struct child_fds *f, char *err, size_t errlen)
{
	if (cfg->stdin_data)
		return make_pipe(f->in) < 0 ? snprintf(err, errlen, "pipe: %s", strerror(errno)),
		       -1                   : 0;
	const char *path = cfg->stdin_path ? cfg->stdin_path : "/dev/null";
	f->in[0] = high_fd(open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
	if (f->in[0] < 0) {
		snprintf(err, errlen, "cannot open stdin file %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* As root: a detached copy of the mount at path (open_tree), made
 * read-only unless writable, always nosuid,nodev. The child attaches it
 * with move_mount, so the sandbox uid never walks the host path (whose
 * parents may be private to root). Unprivileged: fd -1, the child binds
 * the path itself as the caller's uid. */
static int open_host_path(const char *path, int writable, int root, struct sbx_host_path *h)
{
	struct stat st;
	h->fd = -1;
	if (!path || stat(path, &st) < 0)
		return -1;
	h->is_dir = S_ISDIR(st.st_mode);
	if (!root)
		return 0;
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0)
		return -1;
	struct mount_attr attr = {
	    .attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (writable ? 0 : MOUNT_ATTR_RDONLY),
	};
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	h->fd = high_fd(fd);
	return 0;
}

static int open_host_paths(const struct sbx_config *cfg, const struct sbx_slot *slot,
			   struct child_fds *f, char *err, size_t errlen)
{
	int root = geteuid() == 0;
	if (cfg->workdir) {
		if (root && chown_tree(cfg->workdir, slot->host_uid) < 0) {
			snprintf(err, errlen, "cannot hand %s to the sandbox user: %s",
				 cfg->workdir, strerror(errno));
			return -1;
		}
		if (open_host_path(cfg->workdir, 1, root, &f->workdir) < 0 || !f->workdir.is_dir) {
			snprintf(err, errlen, "work dir %s: %s", cfg->workdir,
				 f->workdir.is_dir ? strerror(errno) : "not a directory");
			return -1;
		}
	}
	f->binds = sbx_xcalloc(cfg->nbinds + 1, sizeof *f->binds);
	for (size_t i = 0; i < cfg->nbinds; i++) {
		f->nbinds = i + 1;
		if (open_host_path(cfg->binds[i].src, cfg->binds[i].writable, root, &f->binds[i]) <
		    0) {
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
	f->sync[0] = high_fd(f->sync[0]);
	f->sync[1] = high_fd(f->sync[1]);
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

static int last_cap(void)
{
	char buf[16] = "";
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, buf, sizeof buf - 1) < 0)
			buf[0] = '\0';
		close(fd);
	}
	int n = atoi(buf);
	return n > 0 ? n : 63;
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

static int write_id_maps(const struct sbx_proc *p, char *err, size_t errlen)
{
	char map[64];
	if (!p->root && write_proc_file(p->init_pid, "setgroups", "deny") < 0)
		goto fail;
	snprintf(map, sizeof map, "%d %u 1\n", SBX_INSIDE_ID, (unsigned)p->slot.host_uid);
	if (write_proc_file(p->init_pid, "uid_map", map) < 0)
		goto fail;
	snprintf(map, sizeof map, "%d %u 1\n", SBX_INSIDE_ID, (unsigned)p->slot.host_gid);
	if (write_proc_file(p->init_pid, "gid_map", map) < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cannot write the sandbox's id maps: %s", strerror(errno));
	return -1;
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

static int start_child(struct sbx_proc *p, struct sbx_plan *plan, int flags, char *err,
		       size_t errlen)
{
	int pidfd = -1;
	pid_t pid = -1;
	int e = 0;
	int cgfd = sbx_cg_clone_fd(&p->cg);
	if (cgfd >= 0) {
		pid = clone_into_cgroup(plan, flags, cgfd, &pidfd);
		e = errno;
		close(cgfd);
		if (pid > 0)
			p->cg.v2_joined = 1;
		else if (e != ENOSYS && e != E2BIG && e != EINVAL)
			goto fail;
	}
	if (pid < 0) {
		void *stack = mmap(NULL, CLONE_STACK, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (stack == MAP_FAILED) {
			snprintf(err, errlen, "mmap: %s", strerror(errno));
			return -1;
		}
		pid = clone(sbx_init_main, (char *)stack + CLONE_STACK,
			    flags | CLONE_PIDFD | SIGCHLD, plan, &pidfd);
		e = errno;
		munmap(stack, CLONE_STACK);
		if (pid < 0)
			goto fail;
	}
	p->init_pid = pid;
	p->pidfd = pidfd;
	return 0;
fail:
	snprintf(err, errlen, "clone: %s%s", strerror(e),
		 e == EPERM || e == ENOSPC ? " (are user namespaces allowed?)" : "");
	return -1;
}

/* ---- the supervisor thread ---- */

static void kill_tree(struct sbx_proc *p)
{
	if (p->pidfd >= 0)
		syscall(SYS_pidfd_send_signal, p->pidfd, SIGKILL, NULL, 0);
	sbx_cg_kill(&p->cg);
}

static void hit_limit(struct sbx_proc *p, enum sbx_verdict v)
{
	pthread_mutex_lock(&p->lock);
	if (p->limit == SBX_OK)
		p->limit = v;
	pthread_mutex_unlock(&p->lock);
	kill_tree(p);
}

static void capture_add(struct sbx_proc *p, struct sbx_capture *c, const char *data, size_t n)
{
	c->total += n;
	size_t room = c->len < p->out_cap ? (size_t)(p->out_cap - c->len) : 0;
	size_t take = n < room ? n : room;
	if (take) {
		if (c->len + take + 1 > c->cap) {
			c->cap = (c->len + take + 1) * 2;
			if (c->cap > p->out_cap + 1)
				c->cap = (size_t)p->out_cap + 1;
			c->buf = sbx_xrealloc(c->buf, c->cap);
		}
		memcpy(c->buf + c->len, data, take);
		c->len += take;
	}
	if (take < n && !c->truncated) {
		c->truncated = 1;
		pthread_mutex_lock(&p->lock);
		if (p->limit == SBX_OK)
			p->limit = SBX_OUTPUT_LIMIT;
		pthread_mutex_unlock(&p->lock);
	}
	/* Keep counting past the cap, but not forever. */
	if (c->total > p->out_cap * 2 + (1u << 20))
		hit_limit(p, SBX_OUTPUT_LIMIT);
}

static void drain(struct sbx_proc *p, struct sbx_capture *c)
{
	char buf[READ_CHUNK];
	for (int i = 0; i < 16; i++) {
		ssize_t n = read(c->fd, buf, sizeof buf);
		if (n > 0) {
			capture_add(p, c, buf, (size_t)n);
			continue;
		}
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			close_fd(&c->fd);
		return;
	}
}

static void feed_stdin(struct sbx_proc *p)
{
	while (p->stdin_off < p->stdin_len) {
		ssize_t n =
		    write(p->stdin_fd, p->stdin_data + p->stdin_off, p->stdin_len - p->stdin_off);
		if (n > 0) {
			p->stdin_off += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		break; /* EPIPE: the command stopped reading */
	}
	close_fd(&p->stdin_fd);
}

static void name_denied(struct sbx_proc *p, const struct seccomp_notif *req)
{
	char name[19];
	sbx_seccomp_name(req->data.nr, name, sizeof name);
	const char *why = "";
	if (req->data.nr == SCMP_SYS(clone))
		why = "(CLONE_NEW*)";
	else if (req->data.nr == SCMP_SYS(ioctl))
		why = (req->data.args[1] & 0xffffffffu) == 0x5412 ? "(TIOCSTI)" : "(TIOCLINUX)";
	pthread_mutex_lock(&p->lock);
	if (!p->denied[0])
		snprintf(p->denied, sizeof p->denied, "%s%s", name, why);
	pthread_mutex_unlock(&p->lock);
}

static void respond(int fd, const struct seccomp_notif *req, struct seccomp_notif_resp *resp,
		    int error, uint32_t flags)
{
	resp->id = req->id;
	resp->error = error;
	resp->val = 0;
	resp->flags = flags;
	seccomp_notify_respond(fd, resp);
}

static void handle_notification(struct sbx_proc *p)
{
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	if (seccomp_notify_alloc(&req, &resp) < 0)
		return;
	if (seccomp_notify_receive(p->notify_fd, req) < 0) {
		if (errno != EINTR && errno != ENOENT)
			close_fd(&p->notify_fd);
	} else if (req->data.nr == SCMP_SYS(personality) &&
		   sbx_seccomp_allowed_persona(req->data.args[0])) {
		respond(p->notify_fd, req, resp, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
	} else {
		name_denied(p, req);
		respond(p->notify_fd, req, resp, -EPERM, 0);
		hit_limit(p, SBX_SYSCALL_DENIED);
	}
	seccomp_notify_free(req, resp);
}

static void read_status(struct sbx_proc *p)
{
	char msg[1 + sizeof(int)];
	ssize_t n = recv(p->sync_fd, msg, sizeof msg, MSG_DONTWAIT);
	if (n == (ssize_t)sizeof msg && msg[0] == MSG_STATUS) {
		memcpy(&p->status, msg + 1, sizeof(int));
		p->have_status = 1;
		p->t_end = sbx_now();
	} else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		close_fd(&p->sync_fd);
	}
}

static void reap_init(struct sbx_proc *p)
{
	struct rusage ru;
	int st;
	pid_t r = wait4(p->init_pid, &st, __WALL | WNOHANG, &ru);
	if (r == 0)
		return;
	p->reaped = 1;
	p->init_status = st;
	if (!p->t_end)
		p->t_end = sbx_now();
	if (r > 0 && p->cg.cpu == CG_NONE)
		p->cpu_s = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
			   (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	close_fd(&p->pidfd);
}

/* Checks wall and CPU time and the process limit; returns the poll
 * timeout in ms. A tree that runs into the pids limit is killed at once:
 * a fork bomb would otherwise spin on failing forks until its CPU time
 * runs out, and be reported as something it is not. */
static int check_time(struct sbx_proc *p, long ncpu)
{
	if (sbx_cg_pids_hit(&p->cg)) {
		hit_limit(p, SBX_PROCESS_LIMIT);
		return 50;
	}
	double now = sbx_now();
	double wall_left = p->t_start + p->wall_limit - now;
	if (wall_left <= 0) {
		hit_limit(p, SBX_WALL_TIMEOUT);
		return 50;
	}
	double wait_s = wall_left < 0.05 ? wall_left : 0.05;
	int64_t ns = sbx_cg_cpu_ns(&p->cg);
	if (ns >= 0) {
		double cpu_left = p->cpu_limit - (double)ns / 1e9;
		if (cpu_left <= 0) {
			hit_limit(p, SBX_CPU_TIMEOUT);
			return 50;
		}
		/* The tree cannot burn cpu_left faster than on every CPU. */
		if (cpu_left / (double)ncpu < wait_s)
			wait_s = cpu_left / (double)ncpu;
	}
	int ms = (int)(wait_s * 1000.0) + 1;
	return ms < 1 ? 1 : ms;
}

static int supervise_once(struct sbx_proc *p, long ncpu)
{
	struct pollfd pf[6];
	int n = 0, i_out = -1, i_err = -1, i_in = -1, i_nt = -1, i_sync = -1, i_pid = -1;
	if (p->out.fd >= 0)
		pf[i_out = n++] = (struct pollfd){p->out.fd, POLLIN, 0};
	if (p->err.fd >= 0)
		pf[i_err = n++] = (struct pollfd){p->err.fd, POLLIN, 0};
	if (p->stdin_fd >= 0)
		pf[i_in = n++] = (struct pollfd){p->stdin_fd, POLLOUT, 0};
	if (p->notify_fd >= 0)
		pf[i_nt = n++] = (struct pollfd){p->notify_fd, POLLIN, 0};
	if (p->sync_fd >= 0)
		pf[i_sync = n++] = (struct pollfd){p->sync_fd, POLLIN, 0};
	if (p->pidfd >= 0)
		pf[i_pid = n++] = (struct pollfd){p->pidfd, POLLIN, 0};
	int timeout = p->reaped ? 100 : check_time(p, ncpu);
	pthread_mutex_lock(&p->lock);
	int kill_now = p->kill_requested;
	pthread_mutex_unlock(&p->lock);
	if (kill_now)
		kill_tree(p);
	int rc = poll(pf, (nfds_t)n, timeout);
	if (rc <= 0)
		return rc < 0 && errno != EINTR ? -1 : 0;
	if (i_out >= 0 && pf[i_out].revents)
		drain(p, &p->out);
	if (i_err >= 0 && pf[i_err].revents)
		drain(p, &p->err);
	if (i_in >= 0 && pf[i_in].revents)
		feed_stdin(p);
	if (i_nt >= 0 && (pf[i_nt].revents & POLLIN))
		handle_notification(p);
	else if (i_nt >= 0 && pf[i_nt].revents)
		close_fd(&p->notify_fd);
	if (i_sync >= 0 && pf[i_sync].revents)
		read_status(p);
	if (i_pid >= 0 && pf[i_pid].revents)
		reap_init(p);
	return 0;
}

static void finish(struct sbx_proc *p)
{
	int64_t ns = sbx_cg_cpu_ns(&p->cg);
	if (ns >= 0)
		p->cpu_s = (double)ns / 1e9;
	sbx_cg_collect(&p->cg, &p->peak, &p->oom, &p->pids_hit);
	sbx_cg_destroy(&p->cg);
	sbx_slot_release(&p->slot);
	close_fd(&p->notify_fd);
	close_fd(&p->stdin_fd);
	close_fd(&p->sync_fd);
}

static void *supervisor(void *arg)
{
	struct sbx_proc *p = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* EPIPE, not SIGPIPE */
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	double drain_deadline = 0;
	while (!p->reaped || p->out.fd >= 0 || p->err.fd >= 0) {
		if (p->reaped && !drain_deadline)
			drain_deadline = sbx_now() + 1.0;
		/* Every writer died with the namespace; a pipe still open after
		 * that was passed outside (it cannot be), so stop anyway. */
		if (drain_deadline && sbx_now() > drain_deadline)
			break;
		if (supervise_once(p, ncpu) < 0)
			break;
	}
	if (!p->reaped) {
		kill_tree(p);
		while (!p->reaped && p->pidfd >= 0) {
			struct pollfd pf = {p->pidfd, POLLIN, 0};
			poll(&pf, 1, 1000);
			reap_init(p);
		}
	}
	while (p->sync_fd >= 0 && !p->have_status) {
		char c;
		if (recv(p->sync_fd, &c, 0, MSG_DONTWAIT | MSG_PEEK) < 0)
			break;
		read_status(p);
	}
	finish(p);
	pthread_mutex_lock(&p->lock);
	p->done = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return NULL;
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

/* Everything after clone: maps, cgroups, namespace fds, go, ready. */
static int handshake(struct sbx_proc *p, const struct sbx_config *cfg, char *err, size_t errlen)
{
	if (write_id_maps(p, err, errlen) < 0 ||
	    sbx_cg_attach(&p->cg, p->init_pid, err, errlen) < 0)
		return -1;
	p->netns_fd = open_ns(p->init_pid, "net");
	if (!p->root)
		p->userns_fd = open_ns(p->init_pid, "user");
	if (p->netns_fd < 0 || (!p->root && p->userns_fd < 0)) {
		snprintf(err, errlen, "cannot open the sandbox's namespaces: %s", strerror(errno));
		return -1;
	}
	if (send(p->sync_fd, "G", 1, MSG_NOSIGNAL) != 1) {
		snprintf(err, errlen, "the sandbox died before it started");
		return -1;
	}
	(void)cfg;
	if (await_ready(p, err, errlen) < 0)
		return -1;
	/* CPU time counts from here: the sandbox's own setup is not the
	 * command's. */
	int64_t setup_ns = sbx_cg_cpu_ns(&p->cg);
	if (setup_ns > 0)
		p->cg.cpu_base_ns += (uint64_t)setup_ns;
	return 0;
}

static int spawn_child(struct sbx_proc *p, const struct sbx_config *cfg, const struct limits *l,
		       struct child_fds *f, char *err, size_t errlen)
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
	plan.last_cap = last_cap();
	plan.filter = prog;
	int flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS |
		    (cfg->share_net ? 0 : CLONE_NEWNET);
	int rc = start_child(p, &plan, flags, err, errlen);
	sbx_plan_free(&plan);
	if (rc < 0)
		return -1;
	p->sync_fd = f->sync[0];
	f->sync[0] = -1;
	p->out.fd = f->out[0];
	p->err.fd = f->err[0];
	f->out[0] = f->err[0] = -1;
	if (cfg->stdin_data) {
		p->stdin_fd = f->in[1];
		f->in[1] = -1;
	}
	close_child_fds(f); /* the child's ends: only the child holds them now */
	return handshake(p, cfg, err, errlen);
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
	if (sbx_slot_acquire(p->root ? cfg->slot : -1, &p->slot, err, errlen) < 0)
		goto fail;
	/* pids + 1: the sandbox's init counts too. */
	sbx_cg_setup(&p->cg, p->slot.index, l.mem, l.pids + 1);
	set_enforcement(p);
	if (cfg->stdin_data) {
		p->stdin_len = cfg->stdin_len;
		p->stdin_data = sbx_xmalloc(p->stdin_len + 1);
		memcpy(p->stdin_data, cfg->stdin_data, p->stdin_len);
	}
	if (spawn_child(p, cfg, &l, &f, err, errlen) < 0)
		goto fail;
	p->t_start = sbx_now();
	int fds[] = {p->out.fd, p->err.fd, p->stdin_fd};
	for (size_t i = 0; i < 3; i++)
		if (fds[i] >= 0)
			fcntl(fds[i], F_SETFL, O_NONBLOCK);
	if (pthread_create(&p->thread, NULL, supervisor, p) != 0) {
		snprintf(err, errlen, "cannot start the supervisor thread");
		goto fail;
	}
	p->has_thread = 1;
	*out = p;
	return 0;
fail:
	close_child_fds(&f);
	if (p->pidfd >= 0) {
		kill_tree(p);
		waitpid(p->init_pid, NULL, __WALL);
	}
	p->done = 1; /* no thread to join */
	p->reaped = 1;
	close_fd(&p->out.fd);
	close_fd(&p->err.fd);
	close_fd(&p->pidfd);
	finish(p);
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

int sbx_wait(struct sbx_proc *p, double timeout_s, struct sbx_result *res)
{
	if (!p)
		return -1;
	if (!wait_done(p, timeout_s))
		return 0;
	sbx_result_fill(p, res);
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
		kill_tree(p);
	wait_done(p, 0);
	if (res)
		sbx_result_fill(p, res);
	return 0;
}

void sbx_proc_free(struct sbx_proc *p)
{
	if (!p)
		return;
	if (p->has_thread) {
		sbx_kill(p, NULL);
		pthread_join(p->thread, NULL);
	}
	close_fd(&p->netns_fd);
	close_fd(&p->userns_fd);
	close_fd(&p->out.fd);
	close_fd(&p->err.fd);
	close_fd(&p->pidfd);
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
