/*
 * ns.c - the sandbox's filesystem: a plan of mount steps built by the
 * parent, and the child code that carries it out and pivots into it.
 *
 * The layout (see docs/sandbox.md): a fresh read-only tmpfs root holding
 * /usr (read-only bind) with /bin, /lib, /lib64, /sbin as the same
 * symlinks as on the host (merged /usr), a minimal /etc, a tiny /dev,
 * private size-capped tmpfs /tmp and /dev/shm, /proc of the new pid
 * namespace, the work dir at /work and the caller's extra binds. Every
 * mount is nosuid and nodev (except the device-node binds, which must
 * allow devices). Host paths the caller names (work dir, binds) are, as
 * root, detached mounts the parent made (struct sbx_host_path).
 *
 * The child builds the new root on a tmpfs mounted over /tmp in its
 * private mount namespace (NEWROOT), pivots into it and detaches the host
 * tree for good. Child code here only makes system calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/internal.h"

/* Where the child builds the new root (a tmpfs over the host's /tmp in
 * the sandbox's own mount namespace). Plan paths start with it. */
#define NEWROOT "/tmp"

/* ---- parent side: the plan ---- */

static const char *keep_str(struct sbx_plan *p, char *s)
{
	p->strings = sbx_xrealloc(p->strings, (p->nstrings + 1) * sizeof *p->strings);
	p->strings[p->nstrings++] = s;
	return s;
}

static void add_op(struct sbx_plan *p, enum sbx_op_kind kind, const char *src, const char *dst,
		   const char *data, int optional)
{
	p->ops = sbx_xrealloc(p->ops, (p->nops + 1) * sizeof *p->ops);
	p->ops[p->nops++] = (struct sbx_op){kind, src, dst, data, optional, -1, 0, 0};
}

/* A caller-named host path: attach the parent's detached tree, or bind
 * the path itself when unprivileged. */
static void add_host_path(struct sbx_plan *p, const struct sbx_host_path *h, const char *src,
			  const char *dst, int writable)
{
	if (h->fd < 0) {
		add_op(p, writable ? OP_BIND_RW : OP_BIND_RO, src, dst, NULL, 0);
		p->ops[p->nops - 1].early = 1;
		return;
	}
	add_op(p, OP_ATTACH, NULL, dst, NULL, 0);
	p->ops[p->nops - 1].fd = h->fd;
	p->ops[p->nops - 1].is_dir = h->is_dir;
}

/* /bin, /lib, ...: the host's symlink into /usr, or a read-only bind. */
static void add_usr_links(struct sbx_plan *p)
{
	static const char *const dirs[] = {"bin", "sbin", "lib", "lib64", "lib32", "libx32"};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		char host[64], target[PATH_MAX];
		snprintf(host, sizeof host, "/%s", dirs[i]);
		const char *dst = keep_str(p, sbx_xasprintf(NEWROOT "/%s", dirs[i]));
		ssize_t n = readlink(host, target, sizeof target - 1);
		if (n > 0) {
			target[n] = '\0';
			add_op(p, OP_SYMLINK, keep_str(p, sbx_xstrdup(target)), dst, NULL, 0);
		} else if (access(host, F_OK) == 0) {
			add_op(p, OP_BIND_RO, keep_str(p, sbx_xasprintf("/%s", dirs[i])), dst, NULL,
			       1);
		}
	}
}

static void add_etc(struct sbx_plan *p, const char *home)
{
	add_op(p, OP_DIR, NULL, NEWROOT "/etc", NULL, 0);
	add_op(p, OP_FILE, NULL, NEWROOT "/etc/passwd",
	       keep_str(p, sbx_xasprintf("root:x:0:0:root:/root:/bin/sh\n"
					 "sandbox:x:%d:%d:sandbox:%s:/bin/sh\n"
					 "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
					 SBX_INSIDE_ID, SBX_INSIDE_ID, home)),
	       0);
	add_op(p, OP_FILE, NULL, NEWROOT "/etc/group",
	       keep_str(
		   p, sbx_xasprintf("root:x:0:\nsandbox:x:%d:\nnogroup:x:65534:\n", SBX_INSIDE_ID)),
	       0);
	add_op(p, OP_FILE, NULL, NEWROOT "/etc/hosts",
	       "127.0.0.1\tlocalhost sandbox\n::1\tlocalhost ip6-localhost\n", 0);
	add_op(p, OP_FILE, NULL, NEWROOT "/etc/hostname", "sandbox\n", 0);
	add_op(p, OP_FILE, NULL, NEWROOT "/etc/nsswitch.conf",
	       "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n"
	       "networks: files\nprotocols: files\nservices: files\n",
	       0);
	/* No name servers: the sandbox has no network to reach them. */
	add_op(p, OP_FILE, NULL, NEWROOT "/etc/resolv.conf", "", 0);
	/* What dynamic linking and python3 need, read-only; never shadow. */
	static const char *const ro[] = {"ld.so.cache", "alternatives", "ssl", "protocols",
					 "services"};
	for (size_t i = 0; i < sizeof ro / sizeof ro[0]; i++)
		add_op(p, OP_BIND_RO, keep_str(p, sbx_xasprintf("/etc/%s", ro[i])),
		       keep_str(p, sbx_xasprintf(NEWROOT "/etc/%s", ro[i])), NULL, 1);
	char target[PATH_MAX];
	ssize_t n = readlink("/etc/localtime", target, sizeof target - 1);
	if (n > 0) {
		target[n] = '\0';
		add_op(p, OP_SYMLINK, keep_str(p, sbx_xstrdup(target)), NEWROOT "/etc/localtime",
		       NULL, 0);
	}
}

static void add_dev(struct sbx_plan *p, const char *shm_opts)
{
	/* A tiny tmpfs: only the nodes below, read-only once filled. */
	add_op(p, OP_TMPFS, NULL, NEWROOT "/dev", "mode=0755,size=64k,nr_inodes=64", 0);
	static const char *const nodes[] = {"null", "zero", "full", "random", "urandom"};
	for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++)
		add_op(p, OP_BIND_DEV, keep_str(p, sbx_xasprintf("/dev/%s", nodes[i])),
		       keep_str(p, sbx_xasprintf(NEWROOT "/dev/%s", nodes[i])), NULL, 0);
	add_op(p, OP_SYMLINK, "/proc/self/fd", NEWROOT "/dev/fd", NULL, 0);
	add_op(p, OP_SYMLINK, "/proc/self/fd/0", NEWROOT "/dev/stdin", NULL, 0);
	add_op(p, OP_SYMLINK, "/proc/self/fd/1", NEWROOT "/dev/stdout", NULL, 0);
	add_op(p, OP_SYMLINK, "/proc/self/fd/2", NEWROOT "/dev/stderr", NULL, 0);
	add_op(p, OP_TMPFS, NULL, NEWROOT "/dev/shm", shm_opts, 0);
}

static void add_binds(struct sbx_plan *p, const struct sbx_config *cfg,
		      const struct sbx_host_path *workdir, const struct sbx_host_path *binds)
{
	if (cfg->workdir)
		add_host_path(p, workdir, keep_str(p, sbx_xstrdup(cfg->workdir)), NEWROOT "/work",
			      1);
	for (size_t i = 0; i < cfg->nbinds; i++)
		add_host_path(p, &binds[i], keep_str(p, sbx_xstrdup(cfg->binds[i].src)),
			      keep_str(p, sbx_xasprintf(NEWROOT "%s", cfg->binds[i].dst)),
			      cfg->binds[i].writable);
}

static void build_env(struct sbx_plan *p, const struct sbx_config *cfg, const char *home)
{
	size_t n = 0;
	if (cfg->envp) {
		while (cfg->envp[n])
			n++;
		p->envp = sbx_xcalloc(n + 1, sizeof *p->envp);
		for (size_t i = 0; i < n; i++)
			p->envp[i] = (char *)keep_str(p, sbx_xstrdup(cfg->envp[i]));
		return;
	}
	const char *defaults[] = {"PATH=/usr/local/bin:/usr/bin:/bin",
				  keep_str(p, sbx_xasprintf("HOME=%s", home)),
				  "LANG=C.UTF-8",
				  "USER=sandbox",
				  "LOGNAME=sandbox",
				  "TMPDIR=/tmp",
				  NULL};
	p->envp = sbx_xcalloc(sizeof defaults / sizeof defaults[0], sizeof *p->envp);
	for (size_t i = 0; defaults[i]; i++)
		p->envp[i] = (char *)defaults[i];
}

/* The paths execve tries for argv[0], as execvp would with the
 * sandbox's own PATH. */
static void build_exec_paths(struct sbx_plan *p)
{
	const char *cmd = p->argv[0];
	size_t n = 0;
	if (strchr(cmd, '/')) {
		p->exec_paths = sbx_xcalloc(2, sizeof *p->exec_paths);
		p->exec_paths[0] = (char *)cmd;
		return;
	}
	const char *path = "/usr/local/bin:/usr/bin:/bin";
	for (size_t i = 0; p->envp[i]; i++)
		if (!strncmp(p->envp[i], "PATH=", 5))
			path = p->envp[i] + 5;
	char *copy = sbx_xstrdup(path), *save = NULL;
	p->exec_paths = sbx_xcalloc(strlen(path) + 2, sizeof *p->exec_paths);
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save))
		p->exec_paths[n++] = (char *)keep_str(p, sbx_xasprintf("%s/%s", dir, cmd));
	free(copy);
}

void sbx_plan_build_base(struct sbx_plan *p, int workdir, uint64_t tmp_bytes)
{
	const char *home = workdir ? "/work" : "/tmp";
	char tmp_opts[96];
	snprintf(tmp_opts, sizeof tmp_opts, "mode=1777,size=%llu",
		 (unsigned long long)(tmp_bytes ? tmp_bytes : 64ull << 20));
	/* /usr holds every program and library; nothing else of the host's
	 * system tree is needed. */
	add_op(p, OP_BIND_RO, "/usr", NEWROOT "/usr", NULL, 0);
	add_usr_links(p);
	add_etc(p, home);
	add_dev(p, keep_str(p, sbx_xstrdup(tmp_opts)));
	add_op(p, OP_TMPFS, NULL, NEWROOT "/tmp", keep_str(p, sbx_xstrdup(tmp_opts)), 0);
	add_op(p, OP_PROC, NULL, NEWROOT "/proc", NULL, 0);
	p->nbase = p->nops;
	p->nfirst = p->nops;
}

int sbx_plan_build(struct sbx_plan *p, const struct sbx_config *cfg,
		   const struct sbx_host_path *workdir, const struct sbx_host_path *binds,
		   char *err, size_t errlen)
{
	for (size_t i = 0; i < cfg->nbinds; i++) {
		const char *dst = cfg->binds[i].dst;
		if (!dst || dst[0] != '/' || !dst[1] || strstr(dst, "/..") || strlen(dst) > 512) {
			snprintf(err, errlen, "bind destination '%s' must be an absolute path "
					      "without '..'", dst ? dst : "(null)");
			return -1;
		}
	}
	const char *home = cfg->workdir ? "/work" : "/tmp";
	sbx_plan_build_base(p, cfg->workdir != NULL, cfg->tmp_bytes);
	add_binds(p, cfg, workdir, binds);
	p->nfirst = p->nops;

	size_t argc = 0;
	while (cfg->argv[argc])
		argc++;
	p->argv = sbx_xcalloc(argc + 1, sizeof *p->argv);
	for (size_t i = 0; i < argc; i++)
		p->argv[i] = (char *)keep_str(p, sbx_xstrdup(cfg->argv[i]));
	build_env(p, cfg, home);
	build_exec_paths(p);
	p->cwd = cfg->cwd ? keep_str(p, sbx_xstrdup(cfg->cwd)) : home[1] == 'w' ? "/work" : "/";
	return 0;
}

void sbx_plan_free(struct sbx_plan *p)
{
	for (size_t i = 0; i < p->nstrings; i++)
		free(p->strings[i]);
	free(p->strings);
	free(p->ops);
	free(p->argv);
	free(p->envp);
	free(p->exec_paths);
	free(p->keep_fds);
	memset(p, 0, sizeof *p);
}

/* ---- child side: carrying the plan out (system calls only) ---- */

static int mkdir_parents(const char *path)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);
	if (n >= sizeof buf)
		return errno = ENAMETOOLONG, -1;
	memcpy(buf, path, n + 1);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return 0;
}

/* mkdir dst, creating its parents only when they are missing (most ops
 * go into directories that already exist). */
static int make_dir(const char *dst, mode_t mode)
{
	if (mkdir(dst, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT || mkdir_parents(dst) < 0)
		return -1;
	return mkdir(dst, mode) < 0 && errno != EEXIST ? -1 : 0;
}

static int make_file(const char *dst)
{
	int fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 && errno == ENOENT && mkdir_parents(dst) == 0)
		fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* Creates dst as an empty dir or file, like src, to mount over. */
static int make_mountpoint(const char *src, const char *dst)
{
	struct stat st;
	if (stat(src, &st) < 0)
		return -1;
	return S_ISDIR(st.st_mode) ? make_dir(dst, 0755) : make_file(dst);
}

/* The per-mount flags a remount must keep: in a user namespace the
 * kernel refuses to clear nosuid/nodev/noexec/ro that the host set. */
static unsigned long locked_flags(const char *path)
{
	struct statfs sf;
	if (statfs(path, &sf) < 0)
		return 0;
	unsigned long f = 0;
	if (sf.f_flags & ST_RDONLY)
		f |= MS_RDONLY;
	if (sf.f_flags & ST_NOSUID)
		f |= MS_NOSUID;
	if (sf.f_flags & ST_NODEV)
		f |= MS_NODEV;
	if (sf.f_flags & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sf.f_flags & ST_NOATIME)
		f |= MS_NOATIME;
	if (sf.f_flags & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sf.f_flags & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

static int remount(const char *dst, unsigned long flags)
{
	return mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | flags | locked_flags(dst), NULL);
}

/* "/proc/self/fd/N" for an fd the child opened, without stdio. */
static void fd_path(char *buf, int fd)
{
	char digits[12];
	int n = 0;
	do
		digits[n++] = (char)('0' + fd % 10);
	while ((fd /= 10) > 0);
	memcpy(buf, "/proc/self/fd/", 14);
	for (int i = 0; i < n; i++)
		buf[14 + i] = digits[n - 1 - i];
	buf[14 + n] = '\0';
}

static int do_bind(const struct sbx_op *op)
{
	char fdp[32];
	const char *src = op->src;
	if (op->early) {
		fd_path(fdp, op->fd);
		src = fdp;
	}
	if (make_mountpoint(src, op->dst) < 0)
		return op->optional && errno == ENOENT ? 0 : -1;
	/* Not recursive: a mount below a source stays invisible rather than
	 * appearing writable. */
	if (mount(src, op->dst, NULL, MS_BIND, NULL) < 0)
		return -1;
	if (op->kind == OP_BIND_DEV)
		return 0; /* keeps the host's nosuid,noexec; must allow devices */
	unsigned long flags = MS_NOSUID | MS_NODEV | (op->kind == OP_BIND_RO ? MS_RDONLY : 0);
	return remount(op->dst, flags);
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int do_file(const struct sbx_op *op)
{
	int fd = open(op->dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	int rc = write_all(fd, op->data, strlen(op->data));
	close(fd);
	return rc;
}

static int do_proc(const struct sbx_op *op)
{
	if (make_dir(op->dst, 0555) < 0)
		return -1;
	unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	/* hidepid: a process sees only its own uid's processes (all ours). */
	if (mount("proc", op->dst, "proc", flags, "hidepid=invisible") < 0 &&
	    mount("proc", op->dst, "proc", flags, NULL) < 0)
		return -1;
	/* /proc/sys read-only: kernel knobs stay out of reach even where the
	 * namespace would let its owner write them. */
	char sys[PATH_MAX];
	size_t n = strlen(op->dst);
	if (n + 5 >= sizeof sys)
		return errno = ENAMETOOLONG, -1;
	memcpy(sys, op->dst, n);
	memcpy(sys + n, "/sys", 5);
	if (mount(sys, sys, NULL, MS_BIND, NULL) < 0)
		return -1;
	return remount(sys, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
}

static int do_op(const struct sbx_op *op)
{
	switch (op->kind) {
	case OP_DIR:
		return make_dir(op->dst, 0755);
	case OP_TMPFS:
		if (make_dir(op->dst, 0755) < 0)
			return -1;
		return mount("tmpfs", op->dst, "tmpfs", MS_NOSUID | MS_NODEV, op->data);
	case OP_BIND_RO:
	case OP_BIND_RW:
	case OP_BIND_DEV:
		return do_bind(op);
	case OP_SYMLINK:
		return symlink(op->src, op->dst);
	case OP_FILE:
		return do_file(op);
	case OP_PROC:
		return do_proc(op);
	case OP_ATTACH:
		if ((op->is_dir ? make_dir(op->dst, 0755) : make_file(op->dst)) < 0)
			return -1;
		return (int)syscall(SYS_move_mount, op->fd, "", AT_FDCWD, op->dst,
				    MOVE_MOUNT_F_EMPTY_PATH);
	}
	return errno = EINVAL, -1;
}

/* Enters the new root and detaches the old one (with the whole host tree
 * below it): pivot_root(".", ".") stacks the old root on top of the new
 * one, and the lazy unmount removes it. */
static int pivot(const char **what)
{
	*what = "pivoting into the new root";
	if (chdir(NEWROOT) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return -1;
	return 0;
}

int sbx_ns_prepare_root(const struct sbx_plan *plan, const char **what)
{
	/* Nothing we mount may propagate back to the host's mount table. */
	*what = "making / private";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	/* Caller paths bound by path (unprivileged) may lie under /tmp: open
	 * them while the host's /tmp is still visible. */
	for (size_t i = 0; i < plan->nops; i++) {
		struct sbx_op *op = &plan->ops[i];
		*what = op->src;
		if (op->early && (op->fd = open(op->src, O_PATH | O_CLOEXEC)) < 0)
			return -1;
	}
	/* The new root: a small tmpfs over /tmp, read-only once populated.
	 * Every host path we bind is either a system path outside /tmp or an
	 * fd the parent opened (/proc/self/fd/N), so hiding the host's /tmp
	 * hides nothing we need. */
	*what = "mounting the new root";
	if (mount("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV,
		  "mode=0755,size=1m,nr_inodes=4096") < 0)
		return -1;
	for (size_t i = 0; i < plan->nfirst; i++) {
		*what = plan->ops[i].dst;
		if (do_op(&plan->ops[i]) < 0)
			return -1;
	}
	*what = "making /dev read-only";
	if (remount(NEWROOT "/dev", MS_RDONLY | MS_NOSUID | MS_NODEV) < 0)
		return -1;
	/* A warm init pivots before it waits: its run's host paths come as
	 * trees attached by fd, which need no host path visible, and the
	 * detach of the host tree (the costliest step here) is off the run's
	 * path. */
	return plan->warm ? pivot(what) : 0;
}

int sbx_ns_finish_root(const struct sbx_plan *plan, const char **what)
{
	for (size_t i = plan->nfirst; i < plan->nops; i++) {
		struct sbx_op op = plan->ops[i];
		/* pivoted already: the new root is / */
		if (plan->pivoted && !strncmp(op.dst, NEWROOT "/", sizeof NEWROOT))
			op.dst += sizeof NEWROOT - 1;
		*what = op.dst;
		if (do_op(&op) < 0)
			return -1;
	}
	*what = "making / read-only";
	if (remount(plan->pivoted ? "/" : NEWROOT, MS_RDONLY | MS_NOSUID | MS_NODEV) < 0)
		return -1;
	return plan->pivoted ? 0 : pivot(what);
}
