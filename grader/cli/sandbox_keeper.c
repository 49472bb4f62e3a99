/*
 * sandbox_keeper.c - `grader sandbox` through a keeper: a process of ours
 * that outlives one command line and starts its runs.
 *
 * On a host with cgroup v1 controllers a run's init is born in its slot's
 * cgroups by a launcher thread that joined them once (sandbox/launcher.c).
 * A process that runs one command and ends pays that join every time, and
 * a join that does not follow another one closely waits for an RCU grace
 * period: 10-13 ms here, against ~3 ms for the whole run. So, as root on
 * such a host (sbx_launchers_used), the command line hands its run to a
 * keeper, which keeps its launchers between command lines:
 *
 *   - The keeper is started by the first command line that finds none: it
 *     forks, detaches (setsid, a second fork, /dev/null for stdio, every
 *     other fd closed) and listens on a Unix socket in the slot-lock
 *     directory (/run/grader-sandbox, mode 0700, root's). It answers only
 *     its own uid (SO_PEERCRED) and ends when it has served nobody for
 *     KEEPER_IDLE_S seconds (GRADER_SANDBOX_KEEPER_IDLE), removing its
 *     cgroup directories and releasing its slots as any process does.
 *   - A keeper is shared only by command lines that would have run alike:
 *     its socket's name is a hash of the binary (path, device, inode, size,
 *     mtime), the uid, every namespace a run inherits (not ipc and uts),
 *     the cgroups, the rlimits, umask, capabilities, no_new_privs, seccomp
 *     mode, the CPUs allowed and the idle time. Another build, a container
 *     or a `ulimit -s` gets a keeper of its own.
 *   - One request a connection: the config (relative paths made absolute
 *     first), framed as below; the keeper answers 'A' once it has taken
 *     the run, then the result. A command line that gets no 'A' (no keeper,
 *     one ending) runs the command itself. One that dies mid-run (Ctrl-C,
 *     kill -9) closes the connection, and the keeper kills the run within
 *     KEEPER_POLL_S.
 *   - GRADER_SANDBOX_KEEPER=0 runs every command in the command line's own
 *     process, as without cgroup v1. GRADER_SANDBOX_KEEPER_LOG=FILE (the
 *     starting command line's) appends the keeper's stderr there.
 *
 * Frames are a u64 length and that many bytes; numbers are u64 (doubles by
 * their bits, in this machine's order: both ends are the same binary),
 * strings a u64 length + 1 (0 for NULL) and their bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grader/cli/sandbox_keeper.h"
#include "grader/util/util.h"
#include "sandbox/sandbox.h"

enum { KEEPER_IDLE_S = 30 };
#define KEEPER_POLL_S 0.1
#define KEEPER_MAGIC 0x31504b47u /* "GKP1" */
/* A request or a result larger than this is refused (out_bytes is the
 * caller's to set: a result carries up to twice that). */
#define KEEPER_FRAME_MAX ((uint64_t)1 << 32)
enum { KEEPER_ARGS_MAX = 1 << 16, KEEPER_BINDS_MAX = 1024, KEEPER_REFUSED_MAX = SBX_REFUSED_NAMES };

/* ---- encoding ---- */

struct kbuf {
	char *p;
	size_t len, cap;
};

static void put(struct kbuf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 256;
		b->p = xrealloc(b->p, b->cap);
	}
	if (n)
		memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void put_u64(struct kbuf *b, uint64_t v)
{
	put(b, &v, sizeof v);
}

static void put_f64(struct kbuf *b, double v)
{
	put(b, &v, sizeof v);
}

static void put_bytes(struct kbuf *b, const char *s, size_t n, int present)
{
	put_u64(b, present ? (uint64_t)n + 1 : 0);
	if (present)
		put(b, s, n);
}

static void put_str(struct kbuf *b, const char *s)
{
	put_bytes(b, s, s ? strlen(s) : 0, s != NULL);
}

struct kread {
	const char *p;
	size_t len, off;
	int bad;
};

static int take(struct kread *r, void *d, size_t n)
{
	if (r->bad || n > r->len - r->off) {
		r->bad = 1;
		memset(d, 0, n);
		return -1;
	}
	memcpy(d, r->p + r->off, n);
	r->off += n;
	return 0;
}

static uint64_t get_u64(struct kread *r)
{
	uint64_t v;
	take(r, &v, sizeof v);
	return v;
}

static double get_f64(struct kread *r)
{
	double v;
	take(r, &v, sizeof v);
	return v;
}

/* A heap copy, NUL-terminated, its length in *n; NULL when absent (or bad). */
static char *get_bytes(struct kread *r, size_t *n)
{
	uint64_t m = get_u64(r);
	*n = 0;
	if (r->bad || m == 0)
		return NULL;
	if (m - 1 > r->len - r->off) {
		r->bad = 1;
		return NULL;
	}
	char *s = xmalloc((size_t)m);
	memcpy(s, r->p + r->off, (size_t)(m - 1));
	s[m - 1] = '\0';
	r->off += (size_t)(m - 1);
	*n = (size_t)(m - 1);
	return s;
}

/* A string: no NUL inside. */
static char *get_str(struct kread *r)
{
	size_t n;
	char *s = get_bytes(r, &n);
	if (s && strlen(s) != n) {
		r->bad = 1;
		free(s);
		return NULL;
	}
	return s;
}

/* ---- I/O ---- */

/* Not fd_write_all (util.c): send with MSG_NOSIGNAL, so that a peer gone
 * away is an error here, not a SIGPIPE that kills the command line. */
static int write_all(int fd, const void *d, size_t n)
{
	const char *p = d;
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* 0, or -1 at an error or at EOF (*eof set when EOF came first). */
static int read_all(int fd, void *d, size_t n, int *eof)
{
	char *p = d;
	*eof = 0;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*eof = r == 0;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int write_frame(int fd, const struct kbuf *b)
{
	uint64_t n = b->len;
	return write_all(fd, &n, sizeof n) < 0 ? -1 : write_all(fd, b->p, b->len);
}

static int read_frame(int fd, char **out, size_t *len)
{
	uint64_t n;
	int eof;
	*out = NULL;
	if (read_all(fd, &n, sizeof n, &eof) < 0 || n > KEEPER_FRAME_MAX)
		return -1;
	char *p = xmalloc((size_t)n + 1);
	if (read_all(fd, p, (size_t)n, &eof) < 0) {
		free(p);
		return -1;
	}
	*out = p;
	*len = (size_t)n;
	return 0;
}

/* ---- the config and the result ---- */

static void put_strv(struct kbuf *b, const char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	put_u64(b, v ? (uint64_t)n + 1 : 0);
	for (size_t i = 0; i < n; i++)
		put_str(b, v[i]);
}

static void encode_config(struct kbuf *b, const struct sbx_config *c);

char *keeper_encode_config(const struct sbx_config *cfg, size_t *len)
{
	struct kbuf b = {0};
	encode_config(&b, cfg);
	*len = b.len;
	return b.p;
}

static void encode_config(struct kbuf *b, const struct sbx_config *c)
{
	put_u64(b, KEEPER_MAGIC);
	put_strv(b, c->argv);
	put_strv(b, c->envp);
	put_str(b, c->workdir);
	put_str(b, c->cwd);
	put_u64(b, c->nbinds);
	for (size_t i = 0; i < c->nbinds; i++) {
		put_str(b, c->binds[i].src);
		put_str(b, c->binds[i].dst);
		put_u64(b, (uint64_t)c->binds[i].writable);
	}
	put_str(b, c->stdin_path);
	put_bytes(b, c->stdin_data, c->stdin_len, c->stdin_data != NULL);
	put_f64(b, c->wall_s);
	put_f64(b, c->cpu_s);
	put_u64(b, c->mem_bytes);
	put_u64(b, (uint64_t)(int64_t)c->pids);
	put_u64(b, c->out_bytes);
	put_u64(b, c->fsize_bytes);
	put_u64(b, c->tmp_bytes);
	put_u64(b, (uint64_t)(int64_t)c->nofile);
	put_u64(b, (uint64_t)(int64_t)c->share_net);
	put_u64(b, (uint64_t)(int64_t)c->slot);
	put_u64(b, (uint64_t)(int64_t)c->keep_env);
}

/* What a decoded config owns. */
struct keeper_req {
	struct sbx_config cfg;
	char **argv, **envp;
	struct sbx_bind *binds;
	char *workdir, *cwd, *stdin_path, *stdin_data;
};

static void free_strv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static void req_free(struct keeper_req *q)
{
	free_strv(q->argv);
	free_strv(q->envp);
	for (size_t i = 0; q->binds && i < q->cfg.nbinds; i++) {
		free((char *)q->binds[i].src);
		free((char *)q->binds[i].dst);
	}
	free(q->binds);
	free(q->workdir);
	free(q->cwd);
	free(q->stdin_path);
	free(q->stdin_data);
	memset(q, 0, sizeof *q);
}

static char **get_strv(struct kread *r, int *present)
{
	uint64_t n = get_u64(r);
	*present = n != 0;
	if (r->bad || n == 0)
		return NULL;
	if (n - 1 > KEEPER_ARGS_MAX) {
		r->bad = 1;
		return NULL;
	}
	char **v = xcalloc((size_t)n, sizeof *v);
	for (uint64_t i = 0; i + 1 < n && !r->bad; i++)
		if (!(v[i] = get_str(r)))
			r->bad = 1;
	return v;
}

static int get_int(struct kread *r)
{
	int64_t v = (int64_t)get_u64(r);
	if (v < -1 || v > INT32_MAX)
		r->bad = 1;
	return (int)v;
}

static int decode_config(const char *p, size_t len, struct keeper_req *q)
{
	struct kread r = {p, len, 0, 0};
	memset(q, 0, sizeof *q);
	if (get_u64(&r) != KEEPER_MAGIC)
		return -1;
	int present;
	q->argv = get_strv(&r, &present);
	q->envp = get_strv(&r, &present);
	q->workdir = get_str(&r);
	q->cwd = get_str(&r);
	uint64_t nb = get_u64(&r);
	if (nb > KEEPER_BINDS_MAX)
		r.bad = 1;
	if (!r.bad && nb) {
		q->binds = xcalloc((size_t)nb, sizeof *q->binds);
		q->cfg.nbinds = (size_t)nb;
		for (size_t i = 0; i < nb && !r.bad; i++) {
			q->binds[i].src = get_str(&r);
			q->binds[i].dst = get_str(&r);
			q->binds[i].writable = (int)(get_u64(&r) != 0);
			if (!q->binds[i].src || !q->binds[i].dst)
				r.bad = 1;
		}
	}
	q->stdin_path = get_str(&r);
	size_t sn;
	q->stdin_data = get_bytes(&r, &sn);
	struct sbx_config *c = &q->cfg;
	c->wall_s = get_f64(&r);
	c->cpu_s = get_f64(&r);
	c->mem_bytes = get_u64(&r);
	c->pids = get_int(&r);
	c->out_bytes = get_u64(&r);
	c->fsize_bytes = get_u64(&r);
	c->tmp_bytes = get_u64(&r);
	c->nofile = get_int(&r);
	c->share_net = get_int(&r);
	c->slot = get_int(&r);
	c->keep_env = get_int(&r);
	if (r.bad || r.off != r.len || !q->argv || !q->argv[0]) {
		req_free(q);
		return -1;
	}
	c->argv = (const char *const *)q->argv;
	c->envp = (const char *const *)q->envp;
	c->workdir = q->workdir;
	c->cwd = q->cwd;
	c->binds = q->binds;
	c->stdin_path = q->stdin_path;
	c->stdin_data = q->stdin_data;
	c->stdin_len = sn;
	return 0;
}

struct keeper_req *keeper_decode_config(const char *p, size_t len)
{
	struct keeper_req *q = xmalloc(sizeof *q);
	if (decode_config(p, len, q) < 0) {
		free(q);
		return NULL;
	}
	return q;
}

const struct sbx_config *keeper_req_config(const struct keeper_req *q)
{
	return &q->cfg;
}

void keeper_req_free(struct keeper_req *q)
{
	if (q)
		req_free(q);
	free(q);
}

static void encode_result(struct kbuf *b, int rc, const struct sbx_result *s);

char *keeper_encode_result(int rc, const struct sbx_result *res, size_t *len)
{
	struct kbuf b = {0};
	encode_result(&b, rc, res);
	*len = b.len;
	return b.p;
}

static void encode_result(struct kbuf *b, int rc, const struct sbx_result *s)
{
	put_u64(b, KEEPER_MAGIC);
	put_u64(b, (uint64_t)(int64_t)rc);
	put_u64(b, (uint64_t)s->verdict);
	put_u64(b, (uint64_t)(int64_t)s->exit_code);
	put_u64(b, (uint64_t)(int64_t)s->signal);
	put_f64(b, s->wall_s);
	put_f64(b, s->cpu_s);
	put_u64(b, s->peak_bytes);
	put_bytes(b, s->out, s->out_len, 1);
	put_bytes(b, s->err, s->err_len, 1);
	put_u64(b, s->out_total);
	put_u64(b, s->err_total);
	put_u64(b, (uint64_t)s->out_truncated);
	put_u64(b, (uint64_t)s->err_truncated);
	put_str(b, s->denied_syscall);
	put_u64(b, (uint64_t)s->nrefused);
	for (int i = 0; i < s->nrefused && i < KEEPER_REFUSED_MAX; i++)
		put_str(b, s->refused_syscalls[i]);
	put_u64(b, s->refused_total);
	put_str(b, s->mem_enforcement);
	put_str(b, s->pids_enforcement);
	put_str(b, s->cpu_enforcement);
	put_u64(b, (uint64_t)(int64_t)s->host_uid);
	put_str(b, s->message);
	put_u64(b, (uint64_t)(int64_t)s->forks_refused);
	put_u64(b, s->stack_bytes);
	put_u64(b, (uint64_t)s->prestarted);
}

/* The library's enforcement names are its own constants: map them back. */
static const char *enforcement(const char *s)
{
	static const char *const names[] = {"cgroup-v2", "cgroup-v1", "rlimit"};
	for (size_t i = 0; s && i < sizeof names / sizeof *names; i++)
		if (!strcmp(s, names[i]))
			return names[i];
	return "none";
}

static void copy_name(char *dst, size_t cap, char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
	free(src);
}

int keeper_decode_result(const char *p, size_t len, int *rc, struct sbx_result *s)
{
	struct kread r = {p, len, 0, 0};
	memset(s, 0, sizeof *s);
	if (get_u64(&r) != KEEPER_MAGIC)
		return -1;
	*rc = (int)(int64_t)get_u64(&r);
	uint64_t v = get_u64(&r);
	s->verdict = v <= SBX_INTERNAL_ERROR ? (enum sbx_verdict)v : SBX_INTERNAL_ERROR;
	s->exit_code = (int)(int64_t)get_u64(&r);
	s->signal = (int)(int64_t)get_u64(&r);
	s->wall_s = get_f64(&r);
	s->cpu_s = get_f64(&r);
	s->peak_bytes = get_u64(&r);
	s->out = get_bytes(&r, &s->out_len);
	s->err = get_bytes(&r, &s->err_len);
	s->out_total = get_u64(&r);
	s->err_total = get_u64(&r);
	s->out_truncated = get_u64(&r) != 0;
	s->err_truncated = get_u64(&r) != 0;
	copy_name(s->denied_syscall, sizeof s->denied_syscall, get_str(&r));
	uint64_t nref = get_u64(&r);
	if (nref > KEEPER_REFUSED_MAX)
		r.bad = 1;
	for (uint64_t i = 0; i < nref && !r.bad; i++)
		copy_name(s->refused_syscalls[i], sizeof s->refused_syscalls[i], get_str(&r));
	s->nrefused = r.bad ? 0 : (int)nref;
	s->refused_total = get_u64(&r);
	char *e[3];
	for (int i = 0; i < 3; i++)
		e[i] = get_str(&r);
	s->mem_enforcement = enforcement(e[0]);
	s->pids_enforcement = enforcement(e[1]);
	s->cpu_enforcement = enforcement(e[2]);
	for (int i = 0; i < 3; i++)
		free(e[i]);
	s->host_uid = (int)(int64_t)get_u64(&r);
	copy_name(s->message, sizeof s->message, get_str(&r));
	s->forks_refused = (int)(int64_t)get_u64(&r);
	s->stack_bytes = get_u64(&r);
	s->prestarted = get_u64(&r) != 0;
	if (r.bad || r.off != r.len || !s->out || !s->err) {
		sbx_result_free(s);
		return -1;
	}
	return 0;
}

/* ---- which keeper ---- */

static int idle_seconds(void)
{
	const char *s = getenv("GRADER_SANDBOX_KEEPER_IDLE");
	char *end;
	long v = s ? strtol(s, &end, 10) : 0;
	return s && *s && !*end && v > 0 && v <= 86400 ? (int)v : KEEPER_IDLE_S;
}

static void put_file(struct kbuf *k, const char *path)
{
	char *text = NULL;
	size_t n = 0;
	if (read_file(path, 1 << 16, &text, &n) < 0)
		put_str(k, "-");
	else
		put_bytes(k, text, n, 1);
	free(text);
}

/* What a run inherits of the process's privileges: its capability sets,
 * no_new_privs, the seccomp mode and the CPUs it may use (by system
 * calls: /proc/self/status costs more to make than all of these). */
static void put_privileges(struct kbuf *k)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	memset(d, 0, sizeof d);
	syscall(SYS_capget, &h, d);
	put(k, d, sizeof d);
	/* An ambient capability is also permitted and inheritable: with no
	 * inheritable one (the usual case) there is none to ask about. */
	int inheritable = 0;
	for (size_t i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		inheritable |= d[i].inheritable != 0;
	uint64_t bounding = 0, ambient = 0;
	for (int cap = 0; cap < 64; cap++) {
		int b = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (b < 0)
			break;
		if (b)
			bounding |= 1ull << cap;
		if (inheritable && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) == 1)
			ambient |= 1ull << cap;
	}
	put_u64(k, bounding);
	put_u64(k, ambient);
	put_u64(k, (uint64_t)prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	put_u64(k, (uint64_t)prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	sched_getaffinity(0, sizeof cpus, &cpus);
	put(k, &cpus, sizeof cpus);
}

/* The socket and lock of the keeper for a process like this one. */
static int keeper_paths(int idle, char *sock, char *lock, size_t len)
{
	char dir[256], exe[4096];
	struct stat st;
	if (sbx_lock_dir(dir, sizeof dir) < 0 || stat("/proc/self/exe", &st) < 0)
		return -1;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n < 0)
		return -1;
	exe[n] = '\0';
	struct kbuf k = {0};
	put_str(&k, exe);
	uint64_t id[] = {(uint64_t)st.st_dev, (uint64_t)st.st_ino, (uint64_t)st.st_size,
			 (uint64_t)st.st_mtim.tv_sec, (uint64_t)st.st_mtim.tv_nsec,
			 (uint64_t)geteuid(), (uint64_t)getegid(), (uint64_t)idle};
	for (size_t i = 0; i < sizeof id / sizeof *id; i++)
		put_u64(&k, id[i]);
	/* (not ipc and uts: every run has new ones) */
	static const char *const ns[] = {"mnt", "net", "pid", "pid_for_children", "user",
					 "cgroup", "time"};
	for (size_t i = 0; i < sizeof ns / sizeof *ns; i++) {
		char path[64], link[128];
		snprintf(path, sizeof path, "/proc/self/ns/%s", ns[i]);
		ssize_t m = readlink(path, link, sizeof link - 1);
		link[m > 0 ? m : 0] = '\0';
		put_str(&k, link);
	}
	put_file(&k, "/proc/self/cgroup");
	put_file(&k, "/proc/self/oom_score_adj");
	put_privileges(&k);
	for (int r = 0; r < RLIM_NLIMITS; r++) {
		struct rlimit rl = {0, 0};
		getrlimit((__rlimit_resource_t)r, &rl);
		put_u64(&k, (uint64_t)rl.rlim_cur);
		put_u64(&k, (uint64_t)rl.rlim_max);
	}
	mode_t um = umask(0);
	umask(um);
	put_u64(&k, (uint64_t)um);
	/* FNV-1a: a name, not a secret (the directory is root's alone), and
	 * no libcrypto to load in `grader`, whose start-up this is about */
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < k.len; i++)
		h = (h ^ (unsigned char)k.p[i]) * 0x100000001b3ull;
	free(k.p);
	int a = snprintf(sock, len, "%s/keeper-%016llx.sock", dir, (unsigned long long)h);
	int b = snprintf(lock, len, "%s/keeper-%016llx.lock", dir, (unsigned long long)h);
	return a > 0 && (size_t)a < len && b > 0 && (size_t)b < len ? 0 : -1;
}

/* ---- the keeper ---- */

static pthread_mutex_t keeper_lock = PTHREAD_MUTEX_INITIALIZER;
static int keeper_active;
static double keeper_last;

/* A run served (next_connection counted it active). */
static void keeper_run_ended(void)
{
	pthread_mutex_lock(&keeper_lock);
	keeper_active--;
	keeper_last = now_monotonic();
	pthread_mutex_unlock(&keeper_lock);
}

/* Runs cfg for the command line on fd, killing it if that goes away;
 * *out is the run, for the caller to free once the result is sent (its
 * slot is given back meanwhile: sandbox/supervise.c). */
static int run_for(int fd, const struct sbx_config *cfg, struct sbx_result *res,
		   struct sbx_proc **out)
{
	struct sbx_proc *p;
	char err[256];
	*out = NULL;
	if (sbx_spawn(cfg, &p, err, sizeof err) < 0) {
		sbx_result_internal(res, err);
		return -1;
	}
	while (sbx_wait(p, KEEPER_POLL_S, res) == 0) {
		/* it sends nothing more: readable means it closed (it died) */
		struct pollfd pfd = {fd, POLLIN | POLLRDHUP, 0};
		if (poll(&pfd, 1, 0) > 0) {
			sbx_kill(p, res);
			break;
		}
	}
	*out = p;
	return 0;
}

static void *serve_one(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *msg = NULL;
	size_t len = 0;
	struct keeper_req q;
	memset(&q, 0, sizeof q);
	if (read_frame(fd, &msg, &len) == 0 && decode_config(msg, len, &q) == 0 &&
	    write_all(fd, "A", 1) == 0) {
		struct sbx_result res;
		struct sbx_proc *p;
		int rc = run_for(fd, &q.cfg, &res, &p);
		struct kbuf out = {0};
		encode_result(&out, rc, &res);
		write_frame(fd, &out);
		sbx_proc_free(p);
		free(out.p);
		sbx_result_free(&res);
	}
	req_free(&q); /* decoded but never run too (the command line went away) */
	free(msg);
	close(fd);
	keeper_run_ended();
	return NULL;
}

static int same_uid(int fd)
{
	struct ucred cr;
	socklen_t n = sizeof cr;
	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &n) == 0 && cr.uid == geteuid();
}

/* A stream socket and the address of path, or -1 (a path too long). */
static int unix_socket(const char *path, struct sockaddr_un *a)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof a->sun_path)
		return -1;
	strcpy(a->sun_path, path);
	return socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

static int keeper_listen(const char *sock)
{
	struct sockaddr_un a;
	int s = unix_socket(sock, &a);
	if (s < 0)
		return -1;
	unlink(sock); /* a keeper's that ended without removing it: we hold its lock */
	mode_t um = umask(077);
	int rc = bind(s, (struct sockaddr *)&a, sizeof a);
	umask(um);
	if (rc < 0 || listen(s, 64) < 0) {
		close(s);
		return -1;
	}
	return s;
}

/* ps shows the first command line's argv, which is this process's: write
 * over it (in place: its bounds are fields 48 and 49 of /proc/self/stat). */
static void set_title(const char *title)
{
	char *stat = NULL;
	size_t n = 0;
	if (read_file("/proc/self/stat", 4096, &stat, &n) < 0)
		return;
	char *p = strrchr(stat, ')');
	unsigned long long start = 0, end = 0;
	for (int field = 2; p && field < 49; field++) {
		p = strchr(p + 1, ' ');
		if (p && field + 1 == 48)
			start = strtoull(p + 1, NULL, 10);
		if (p && field + 1 == 49)
			end = strtoull(p + 1, NULL, 10);
	}
	free(stat);
	if (start && end > start + 1) {
		char *a = (char *)(uintptr_t)start;
		size_t room = (size_t)(end - start);
		memset(a, 0, room);
		memcpy(a, title, strlen(title) < room - 1 ? strlen(title) : room - 1);
	}
}

/* Serves until idle; never returns. ready_fd hears '1' once it listens,
 * '0' when another keeper holds the lock or listening failed. */
/* Connections are taken by acceptor threads, each waiting in accept()
 * and serving the connection it gets, then waiting again. The one that
 * takes the last waiting place starts another first, so that a command
 * line arriving meanwhile is not kept waiting; beyond two waiting, a
 * thread ends. A thread is started only when more command lines come at
 * once than ever before, not for each one (the main thread only watches
 * for the idle end). */
static int keeper_listen_fd = -1;
static int keeper_closing; /* the idle end has begun: take no more runs */
static int keeper_waiting; /* acceptors in accept() or about to be */

/* The next connection of our uid, counted active; -1 once the keeper
 * is ending or the socket is unusable. *last: this thread was the last
 * one waiting. */
static int next_connection(int *last)
{
	for (;;) {
		int c = accept4(keeper_listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOMEM) {
				struct timespec ts = {0, 10 * 1000 * 1000};
				nanosleep(&ts, NULL);
				continue;
			}
			return -1;
		}
		if (!same_uid(c)) {
			close(c);
			continue;
		}
		pthread_mutex_lock(&keeper_lock);
		int closing = keeper_closing;
		if (!closing) {
			keeper_active++;
			keeper_last = now_monotonic();
			*last = --keeper_waiting == 0;
		}
		pthread_mutex_unlock(&keeper_lock);
		if (!closing)
			return c;
		close(c); /* no 'A': it runs its command itself */
	}
}

static int start_acceptor(void);

static void *acceptor(void *arg)
{
	(void)arg;
	for (;;) {
		int last = 0, c = next_connection(&last);
		if (c < 0)
			return NULL;
		if (last)
			start_acceptor(); /* failing, this one is the next */
		serve_one((void *)(intptr_t)c);
		pthread_mutex_lock(&keeper_lock);
		int surplus = keeper_waiting >= 2;
		if (!surplus)
			keeper_waiting++;
		pthread_mutex_unlock(&keeper_lock);
		if (surplus)
			return NULL;
	}
}

static int start_acceptor(void)
{
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_mutex_lock(&keeper_lock);
	keeper_waiting++;
	pthread_mutex_unlock(&keeper_lock);
	int rc = pthread_create(&t, &attr, acceptor, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		pthread_mutex_lock(&keeper_lock);
		keeper_waiting--;
		pthread_mutex_unlock(&keeper_lock);
	}
	return rc == 0 ? 0 : -1;
}

static void keeper_serve(const char *sock, const char *lockpath, int idle, int ready_fd)
{
	prctl(PR_SET_NAME, "grader-keeper");
	set_title("grader-keeper");
	if (ready_fd < 3) /* the command line ran with stdio closed */
		ready_fd = fcntl(ready_fd, F_DUPFD_CLOEXEC, 3);
	if (ready_fd < 0)
		_exit(1);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int i = 0; i < 3 && null >= 0; i++)
		dup2(null, i);
	/* its own messages (a sanitizer's, in an asan build) where asked */
	const char *log = getenv("GRADER_SANDBOX_KEEPER_LOG");
	int logfd = log && *log ? open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600) : -1;
	if (logfd >= 0)
		dup2(logfd, 2);
	if (ready_fd > 3)
		close_range(3, (unsigned)ready_fd - 1, 0);
	close_range((unsigned)ready_fd + 1, ~0U, 0);
	signal(SIGPIPE, SIG_IGN);
	if (chdir("/") < 0)
		_exit(1);
	int lk = open(lockpath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	int s = -1;
	if (lk < 0 || flock(lk, LOCK_EX | LOCK_NB) < 0 || (s = keeper_listen(sock)) < 0) {
		(void)!write(ready_fd, "0", 1);
		_exit(0);
	}
	(void)!write(ready_fd, "1", 1);
	close(ready_fd);
	keeper_listen_fd = s;
	keeper_last = now_monotonic();
	if (start_acceptor() < 0)
		exit(0);
	for (;;) {
		struct timespec ts = {1, 0};
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&keeper_lock);
		int done = keeper_active == 0 && now_monotonic() - keeper_last >= idle;
		keeper_closing = done;
		pthread_mutex_unlock(&keeper_lock);
		if (!done)
			continue;
		/* Gone from the name first (we still hold the lock, so no new
		 * keeper takes it meanwhile); whoever connected in between gets
		 * no 'A' and runs its command itself. */
		unlink(sock);
		exit(0); /* atexit: the launchers' dirs removed, slots released */
	}
}

/* Starts a keeper; 0 once one listens (ours or another's), -1 if none. */
static int keeper_start(const char *sock, const char *lockpath, int idle)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		setsid();
		pid_t k = fork();
		if (k != 0)
			_exit(k < 0);
		keeper_serve(sock, lockpath, idle, p[1]);
	}
	close(p[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	char c = 0;
	int eof;
	int rc = read_all(p[0], &c, 1, &eof);
	close(p[0]);
	return rc == 0 ? 0 : -1; /* '0': another keeper holds the lock */
}

static int keeper_connect(const char *sock)
{
	struct sockaddr_un a;
	int s = unix_socket(sock, &a);
	if (s < 0)
		return -1;
	if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
		close(s);
		return -1;
	}
	return s;
}

/* ---- the command line's side ---- */

/* path made absolute against cwd (NULL stays NULL). */
static char *absolute(const char *path, const char *cwd)
{
	if (!path)
		return NULL;
	if (path[0] == '/')
		return xstrdup(path);
	return xasprintf("%s/%s", cwd, path);
}

int keeper_run(const struct sbx_config *cfg, struct sbx_result *res, int *rc)
{
	const char *env = getenv("GRADER_SANDBOX_KEEPER");
	if ((env && !strcmp(env, "0")) || geteuid() != 0)
		return 0;
	int idle = idle_seconds();
	char sock[300], lockpath[300], cwd[4096];
	if (keeper_paths(idle, sock, lockpath, sizeof sock) < 0 || !getcwd(cwd, sizeof cwd))
		return 0;
	/* A keeper of this name was started by a process like this one,
	 * which found launchers in use: only without one is that asked. */
	int fd = keeper_connect(sock);
	for (int i = 0; fd < 0 && i < 20; i++) {
		/* none yet; or one starting (another command line's), or ending */
		if (i == 0 && (!sbx_launchers_used() || keeper_start(sock, lockpath, idle) < 0))
			return 0;
		fd = keeper_connect(sock);
		if (fd < 0) {
			struct timespec ts = {0, 5 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
	}
	if (fd < 0)
		return 0;
	struct sbx_config c = *cfg;
	char *workdir = absolute(cfg->workdir, cwd), *in = absolute(cfg->stdin_path, cwd);
	struct sbx_bind *binds = cfg->nbinds ? xcalloc(cfg->nbinds, sizeof *binds) : NULL;
	for (size_t i = 0; i < cfg->nbinds; i++) {
		binds[i] = cfg->binds[i];
		binds[i].src = absolute(cfg->binds[i].src, cwd);
	}
	c.workdir = workdir;
	c.stdin_path = in;
	c.binds = binds;
	struct kbuf b = {0};
	encode_config(&b, &c);
	free(workdir);
	free(in);
	for (size_t i = 0; i < cfg->nbinds; i++)
		free((char *)binds[i].src);
	free(binds);
	char ack = 0;
	int eof, used = 0;
	if (write_frame(fd, &b) == 0 && read_all(fd, &ack, 1, &eof) == 0 && ack == 'A') {
		used = 1; /* from here the run is the keeper's */
		char *msg = NULL;
		size_t len = 0;
		if (read_frame(fd, &msg, &len) < 0 || keeper_decode_result(msg, len, rc, res) < 0) {
			sbx_result_internal(res, "the sandbox keeper ended during the run "
						 "(GRADER_SANDBOX_KEEPER=0 runs without it)");
			*rc = -1;
		}
		free(msg);
	}
	free(b.p);
	close(fd);
	return used;
}
