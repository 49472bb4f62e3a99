/*
 * cgroup.c - per-run control groups: memory, process-count and CPU limits
 * of the whole process tree, their accounting, and killing the tree.
 *
 * Each controller is used from cgroup v2 when the caller's v2 cgroup
 * offers it (listed in cgroup.controllers), else from the v1 hierarchy
 * that has it, else not at all (the caller then falls back to rlimits and
 * says so in the result). Run cgroups live under the caller's own cgroup
 * in each hierarchy (from /proc/self/cgroup), as
 * grader-sandbox/slot-N, created per run and removed afterwards. A v2
 * cgroup is created even when v2 has no controllers: its cgroup.kill and
 * cpu.stat (always present) are the best way to kill and time the tree.
 *
 * On v1 the run's init does not migrate into its cgroups: sbx_cg_prepare
 * makes a slot's v1 directories for a launcher thread (launcher.c) that
 * sits in them and clones init there, run after run, so init is born
 * there. A migration waits for an RCU grace period (8-11 ms measured)
 * unless another came just before; a launcher makes one in its life.
 *
 * The layout of the hierarchies is discovered once per process
 * (pthread_once) and only read afterwards.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/internal.h"

struct cg_layout {
	char *v2_base;                       /* caller's v2 cgroup dir, or NULL */
	int v2_mem, v2_pids, v2_cpu;         /* controller offered on v2 */
	char *v1_mem, *v1_pids, *v1_cpuacct; /* caller's v1 cgroup dirs, or NULL */
};

static struct cg_layout layout;
static pthread_once_t layout_once = PTHREAD_ONCE_INIT;

/* Reads a small file into buf; 0 or -1. */
static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* Reads a whole /proc text file of at most max bytes into a heap string;
 * NULL when it cannot be read or is longer. */
static char *read_proc_text(const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t len = 0, cap = 65536;
	char *buf = sbx_xmalloc(cap + 1);
	for (;;) {
		if (len == cap) {
			cap *= 2;
			buf = sbx_xrealloc(buf, cap + 1);
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			break;
		if (n < 0 || len + (size_t)n > max) {
			free(buf);
			close(fd);
			return NULL;
		}
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

static int write_str(const char *dir, const char *file, const char *value)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, value, strlen(value));
	int e = errno;
	close(fd);
	errno = e;
	return n < 0 ? -1 : 0;
}

static int write_u64(const char *dir, const char *file, uint64_t v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%" PRIu64, v);
	return write_str(dir, file, buf);
}

/* The number after "key " in a flat-keyed file such as memory.events. */
static uint64_t read_key(const char *dir, const char *file, const char *key)
{
	char path[512], buf[4096];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	if (read_small(path, buf, sizeof buf) < 0)
		return 0;
	size_t klen = strlen(key);
	for (char *line = buf; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (!strncmp(line, key, klen) && line[klen] == ' ')
			return strtoull(line + klen + 1, NULL, 10);
	return 0;
}

static uint64_t read_u64(const char *dir, const char *file)
{
	char path[512], buf[64];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	if (read_small(path, buf, sizeof buf) < 0)
		return 0;
	return strtoull(buf, NULL, 10);
}

/* Does the comma-separated list hold word? */
static int has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; p && *p;) {
		const char *end = strpbrk(p, ", \n");
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && !strncmp(p, word, n))
			return 1;
		p = end ? end + 1 : NULL;
	}
	return 0;
}

/* The caller's cgroup path in the hierarchy whose /proc/self/cgroup
 * controller field holds ctrl ("" for v2), from that file's text. */
static char *self_cgroup(const char *proc_cgroup, const char *ctrl)
{
	char *data = sbx_xstrdup(proc_cgroup), *res = NULL, *save = NULL;
	for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		if ((!*ctrl && c1[1] == '\0' && line[0] == '0') ||
		    (*ctrl && has_word(c1 + 1, ctrl))) {
			res = sbx_xstrdup(c2 + 1);
			break;
		}
	}
	free(data);
	return res;
}

/* Mount point and mount root of the cgroup hierarchy holding ctrl (v1) or
 * of cgroup2 (ctrl NULL), from the text of /proc/self/mountinfo. */
static int find_mount(const char *mountinfo, const char *ctrl, char **mnt, char **root)
{
	char *data = sbx_xstrdup(mountinfo), *save = NULL;
	int found = -1;
	for (char *line = strtok_r(data, "\n", &save); line && found < 0;
	     line = strtok_r(NULL, "\n", &save)) {
		char r[1024], m[1024], fstype[64], opts[1024];
		const char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*d %*d %*s %1023s %1023s", r, m) != 2 ||
		    sscanf(dash + 3, "%63s %*s %1023s", fstype, opts) != 2)
			continue;
		if ((!ctrl && !strcmp(fstype, "cgroup2")) ||
		    (ctrl && !strcmp(fstype, "cgroup") && has_word(opts, ctrl))) {
			*mnt = sbx_xstrdup(m);
			*root = sbx_xstrdup(r);
			found = 0;
		}
	}
	free(data);
	return found;
}

/* mountpoint + (cgroup path relative to the mount's root). */
static char *cgroup_dir(const char *mountinfo, const char *proc_cgroup, const char *ctrl)
{
	char *mnt, *root;
	if (find_mount(mountinfo, ctrl, &mnt, &root) < 0)
		return NULL;
	char *path = self_cgroup(proc_cgroup, ctrl ? ctrl : "");
	char *dir = NULL;
	if (path) {
		const char *rel = path;
		size_t rl = strlen(root);
		if (strcmp(root, "/") && !strncmp(path, root, rl))
			rel = path + rl;
		dir = sbx_xasprintf("%s%s", mnt, rel);
		size_t n = strlen(dir);
		if (n > 1 && dir[n - 1] == '/')
			dir[n - 1] = '\0';
	}
	free(mnt);
	free(root);
	free(path);
	return dir;
}

static void discover_layout(void)
{
	char *mi = read_proc_text("/proc/self/mountinfo", 1 << 20);
	char *pc = mi ? read_proc_text("/proc/self/cgroup", 1 << 16) : NULL;
	if (!pc) {
		free(mi);
		return; /* no cgroups: every limit falls back to rlimits */
	}
	layout.v2_base = cgroup_dir(mi, pc, NULL);
	if (layout.v2_base) {
		char path[512], ctrls[512];
		snprintf(path, sizeof path, "%s/cgroup.controllers", layout.v2_base);
		if (read_small(path, ctrls, sizeof ctrls) == 0) {
			layout.v2_mem = has_word(ctrls, "memory");
			layout.v2_pids = has_word(ctrls, "pids");
			layout.v2_cpu = has_word(ctrls, "cpu");
		}
	}
	layout.v1_mem = cgroup_dir(mi, pc, "memory");
	layout.v1_pids = cgroup_dir(mi, pc, "pids");
	layout.v1_cpuacct = cgroup_dir(mi, pc, "cpuacct");
	free(mi);
	free(pc);
}

int sbx_launchers_used(void)
{
	pthread_once(&layout_once, discover_layout);
	return geteuid() == 0 && ((!layout.v2_mem && layout.v1_mem) ||
				  (!layout.v2_pids && layout.v1_pids) ||
				  (!layout.v2_base && layout.v1_cpuacct));
}

const char *sbx_cg_kind_name(enum sbx_cg_kind k)
{
	return k == CG_V2 ? "cgroup-v2" : k == CG_V1 ? "cgroup-v1" : "none";
}

/* Creates base/grader-sandbox/slot-N; returns the path or NULL. *reused
 * is set when the directory was there already (a run that could not
 * remove it, or a crashed grader's). */
static char *make_run_dir(const char *base, int slot, int *reused)
{
	if (!base)
		return NULL;
	char *parent = sbx_xasprintf("%s/grader-sandbox", base);
	if (mkdir(parent, 0755) < 0 && errno != EEXIST) {
		free(parent);
		return NULL;
	}
	/* Slots are per user (their lock files are), so are the names. */
	char *dir = geteuid() == 0
			? sbx_xasprintf("%s/slot-%d", parent, slot)
			: sbx_xasprintf("%s/u%u-slot-%d", parent, (unsigned)geteuid(), slot);
	free(parent);
	char *procs = sbx_xasprintf("%s/cgroup.procs", dir);
	int made = mkdir(dir, 0755) == 0;
	if (!made && errno == EEXIST)
		*reused = 1;
	int ok = (made || errno == EEXIST) && access(procs, W_OK) == 0;
	free(procs);
	if (!ok) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* Enables the v2 controllers we need for children of grader-sandbox/.
 * Fails (and v2 controllers stay unused) when the caller's cgroup holds
 * processes and is not the root: v2's "no internal processes" rule. */
static int v2_enable(const char *base)
{
	char ctl[64] = "";
	if (layout.v2_mem)
		strcat(ctl, "+memory ");
	if (layout.v2_pids)
		strcat(ctl, "+pids ");
	if (layout.v2_cpu)
		strcat(ctl, "+cpu ");
	if (!ctl[0])
		return -1;
	char *parent = sbx_xasprintf("%s/grader-sandbox", base);
	int rc = write_str(base, "cgroup.subtree_control", ctl);
	if (rc == 0)
		rc = write_str(parent, "cgroup.subtree_control", ctl);
	free(parent);
	return rc;
}

static void setup_v2(struct sbx_cgroups *cg, int slot, uint64_t mem_bytes, int pids)
{
	if (cg->prep_v2) { /* a warm init's, made for it and never killed */
		cg->v2_dir = cg->prep_v2;
		cg->prep_v2 = NULL;
		cg->v2_fresh = 1;
	} else {
		/* the first directory sbx_cg_setup makes: reused is about it alone */
		cg->v2_dir = make_run_dir(layout.v2_base, slot, &cg->reused);
		if (!cg->v2_dir)
			return;
		cg->v2_fresh = !cg->reused;
	}
	if (v2_enable(layout.v2_base) < 0)
		return;
	if (layout.v2_mem && write_u64(cg->v2_dir, "memory.max", mem_bytes) == 0) {
		write_u64(cg->v2_dir, "memory.swap.max", 0);
		cg->mem = CG_V2;
		cg->mem_dir = sbx_xstrdup(cg->v2_dir);
		cg->oom_base = read_key(cg->v2_dir, "memory.events", "oom_kill");
	}
	if (layout.v2_pids && write_u64(cg->v2_dir, "pids.max", (uint64_t)pids) == 0) {
		cg->pids = CG_V2;
		cg->pids_dir = sbx_xstrdup(cg->v2_dir);
		cg->pids_max_base = read_key(cg->v2_dir, "pids.events", "max");
	}
}

/* Gives up a dir setup cannot use: a run's own is removed, a launcher's
 * (borrowed, *is_prep) only forgotten. */
static void drop_dir(char *dir, int *is_prep)
{
	if (!*is_prep)
		rmdir(dir);
	*is_prep = 0;
	free(dir);
}

/* The launcher's dir *prep, borrowed (the string moves to the caller,
 * *is_prep set), else a run dir made now. */
static char *adopt_or_make(char **prep, int *is_prep, const char *base, int slot, int *reused)
{
	if (*prep) {
		char *dir = *prep;
		*prep = NULL;
		*is_prep = 1;
		return dir;
	}
	return make_run_dir(base, slot, reused);
}

/* The limits last written to a launcher's v1 dirs, by slot, so that a run
 * with the same limits as the one before it writes none (each file write
 * costs 10-20 us here). The runs of a slot are one at a time (its lock),
 * and sbx_cg_prepare, which makes the dirs anew, forgets them. */
static uint64_t kept_mem[SBX_MAX_SLOTS], kept_pids[SBX_MAX_SLOTS];

static uint64_t *kept(uint64_t *table, int is_prep, int slot)
{
	return is_prep && slot >= 0 && slot < SBX_MAX_SLOTS ? &table[slot] : NULL;
}

static void setup_v1_mem(struct sbx_cgroups *cg, int slot, uint64_t mem_bytes)
{
	char *dir = adopt_or_make(&cg->prep_mem, &cg->mem_prep, layout.v1_mem, slot, &cg->reused);
	if (!dir)
		return;
	uint64_t *k = kept(kept_mem, cg->mem_prep, slot);
	if (!k || *k != mem_bytes) {
		/* memsw must stay >= the memory limit: lower memory first, and
		 * set it again after memsw when raising. */
		int rc = write_u64(dir, "memory.limit_in_bytes", mem_bytes);
		write_u64(dir, "memory.memsw.limit_in_bytes", mem_bytes);
		if (rc < 0)
			rc = write_u64(dir, "memory.limit_in_bytes", mem_bytes);
		if (k)
			*k = rc < 0 ? 0 : mem_bytes;
		if (rc < 0) {
			drop_dir(dir, &cg->mem_prep);
			return;
		}
	}
	/* Resetting sets the peak to what is charged now: a launcher's dirs
	 * serve run after run, and page cache charged by an earlier run stays
	 * (reclaimable). The peak reported is what came on top (mem_base). */
	write_u64(dir, "memory.max_usage_in_bytes", 0);
	cg->mem_base = read_u64(dir, "memory.usage_in_bytes");
	cg->mem = CG_V1;
	cg->mem_dir = dir;
	cg->oom_base = read_key(dir, "memory.oom_control", "oom_kill");
}

static void setup_v1_pids(struct sbx_cgroups *cg, int slot, int pids)
{
	char *dir = adopt_or_make(&cg->prep_pids, &cg->pids_prep, layout.v1_pids, slot, &cg->reused);
	if (!dir)
		return;
	/* The launcher thread sitting there counts as a task. */
	int launcher = cg->pids_prep && cg->launcher_in;
	uint64_t max = (uint64_t)pids + (uint64_t)launcher, *k = kept(kept_pids, cg->pids_prep, slot);
	if (!k || *k != max) {
		int rc = write_u64(dir, "pids.max", max);
		if (k)
			*k = rc < 0 ? 0 : max;
		if (rc < 0) {
			drop_dir(dir, &cg->pids_prep);
			return;
		}
	}
	cg->pids = CG_V1;
	cg->pids_dir = dir;
	cg->pids_max_base = read_key(dir, "pids.events", "max");
}

static void kill_tasks(const char *dir);

/* The tasks in the run's dirs that existed before this run (see the end
 * of sbx_cg_setup): v2 by cgroup.kill unless its dir is fresh, v1 by
 * their task lists. */
static void kill_stale(const struct sbx_cgroups *cg)
{
	if (cg->v2_dir && !cg->v2_fresh)
		write_str(cg->v2_dir, "cgroup.kill", "1");
	const char *v1[] = {cg->pids == CG_V1 ? cg->pids_dir : NULL,
			    cg->mem == CG_V1 ? cg->mem_dir : NULL,
			    cg->cpu == CG_V1 ? cg->cpu_dir : NULL};
	for (size_t i = 0; i < 3; i++)
		if (v1[i])
			kill_tasks(v1[i]);
}

/* Which v1 hierarchies a run uses, as far as the layout tells ahead:
 * those whose controller v2 does not offer (setup may still fall back to
 * v1 when enabling it on v2 fails; that dir is then made at setup). */
int sbx_cg_prepare(struct sbx_cgroups *cg, int slot)
{
	pthread_once(&layout_once, discover_layout);
	memset(cg, 0, sizeof *cg);
	cg->prepared = 1;
	if (slot >= 0 && slot < SBX_MAX_SLOTS)
		kept_mem[slot] = kept_pids[slot] = 0;
	int reused = 0;
	if (!layout.v2_mem)
		cg->prep_mem = make_run_dir(layout.v1_mem, slot, &reused);
	if (!layout.v2_pids)
		cg->prep_pids = make_run_dir(layout.v1_pids, slot, &reused);
	if (!layout.v2_base)
		cg->prep_cpu = make_run_dir(layout.v1_cpuacct, slot, &reused);
	/* We hold the slot: whatever runs there is stale (see sbx_cg_setup). */
	const char *dirs[] = {cg->prep_pids, cg->prep_mem, cg->prep_cpu};
	for (size_t i = 0; reused && i < 3; i++)
		if (dirs[i])
			kill_tasks(dirs[i]);
	return (cg->prep_mem != NULL) + (cg->prep_pids != NULL) + (cg->prep_cpu != NULL);
}

int sbx_cg_join_thread(const struct sbx_cgroups *cg)
{
	char tid[24];
	snprintf(tid, sizeof tid, "%d", gettid());
	const char *dirs[] = {cg->prep_mem, cg->prep_pids, cg->prep_cpu};
	for (size_t i = 0; i < 3; i++)
		if (dirs[i] && write_str(dirs[i], "tasks", tid) < 0)
			return -1;
	return 0;
}

void sbx_cg_setup(struct sbx_cgroups *cg, int slot, uint64_t mem_bytes, int pids)
{
	pthread_once(&layout_once, discover_layout);
	if (!cg->prepared)
		memset(cg, 0, sizeof *cg);
	setup_v2(cg, slot, mem_bytes, pids);
	if (cg->mem == CG_NONE)
		setup_v1_mem(cg, slot, mem_bytes);
	if (cg->pids == CG_NONE)
		setup_v1_pids(cg, slot, pids);
	/* cpu.stat's usage_usec exists in every v2 cgroup, controller or not. */
	if (cg->v2_dir) {
		cg->cpu = CG_V2;
		cg->cpu_dir = sbx_xstrdup(cg->v2_dir);
	} else if ((cg->cpu_dir = adopt_or_make(&cg->prep_cpu, &cg->cpu_prep, layout.v1_cpuacct,
						slot, &cg->reused))) {
		cg->cpu = CG_V1;
	}
	/* A borrowed dir setup did not take (v2 offered the controller after
	 * all) stays the launcher's. */
	free(cg->prep_mem);
	free(cg->prep_pids);
	free(cg->prep_cpu);
	cg->prep_mem = cg->prep_pids = cg->prep_cpu = NULL;
	/* We hold the slot, so whatever runs in cgroups that were there
	 * already is stale: the tree of a grader killed in the instant before
	 * its sandbox's init armed PR_SET_PDEATHSIG. Only those are killed: a
	 * directory we just made is empty, and a fresh v2 one written
	 * cgroup.kill would kill the init cloned into it at once (Linux 6.18,
	 * see sbx_cg_clone_fd), which a v1 dir left behind by a killed grader
	 * once made every run in that slot fail. */
	if (cg->reused)
		kill_stale(cg);
	/* The CPU time counts from init's "ready" (run.c reads it there, all
	 * that came before included): nothing to read now. */
	cg->cpu_base_ns = 0;
}

char *sbx_cg_warm_dir(int slot)
{
	pthread_once(&layout_once, discover_layout);
	int reused = 0;
	char *dir = make_run_dir(layout.v2_base, slot, &reused);
	if (dir && reused) { /* not fresh: left to the next cold run to clean */
		free(dir);
		return NULL;
	}
	return dir;
}

int sbx_cg_clone_fd(const struct sbx_cgroups *cg)
{
	if (!cg->v2_dir || !cg->v2_fresh)
		return -1;
	return open(cg->v2_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int attach_one(const char *dir, const char *pid)
{
	return dir ? write_str(dir, "cgroup.procs", pid) : 0;
}

int sbx_cg_attach(const struct sbx_cgroups *cg, pid_t pid, char *err, size_t errlen)
{
	char buf[24];
	snprintf(buf, sizeof buf, "%d", (int)pid);
	/* A dir init was born in (v2: CLONE_INTO_CGROUP; v1: cloned by the
	 * launcher sitting there) needs no move. */
	int born = cg->v1_born;
	const char *dirs[] = {cg->v2_joined ? NULL : cg->v2_dir,
			      cg->mem == CG_V1 && !(born && cg->mem_prep) ? cg->mem_dir : NULL,
			      cg->pids == CG_V1 && !(born && cg->pids_prep) ? cg->pids_dir : NULL,
			      cg->cpu == CG_V1 && !(born && cg->cpu_prep) ? cg->cpu_dir : NULL};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		if (attach_one(dirs[i], buf) < 0) {
			snprintf(err, errlen, "cannot move the sandbox into %s: %s", dirs[i],
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

int64_t sbx_cg_cpu_ns(const struct sbx_cgroups *cg)
{
	int64_t ns;
	if (cg->cpu == CG_V2)
		ns = (int64_t)read_key(cg->cpu_dir, "cpu.stat", "usage_usec") * 1000;
	else if (cg->cpu == CG_V1)
		ns = (int64_t)read_u64(cg->cpu_dir, "cpuacct.usage");
	else
		return -1;
	return ns - (int64_t)cg->cpu_base_ns;
}

/* v1 has no cgroup.kill: signal every task listed, a few rounds in case
 * one forked meanwhile (the pid-namespace kill is the main mechanism). */
static void kill_tasks(const char *dir)
{
	char path[512], buf[8192];
	snprintf(path, sizeof path, "%s/cgroup.procs", dir);
	for (int round = 0; round < 3; round++) {
		if (read_small(path, buf, sizeof buf) < 0 || !buf[0])
			return;
		for (char *p = buf; *p;) {
			char *end;
			long pid = strtol(p, &end, 10);
			if (end == p)
				break;
			/* Our own pid is listed while a launcher thread of
			 * ours sits there (v1 lists thread groups). */
			if (pid > 1 && pid != getpid())
				kill((pid_t)pid, SIGKILL);
			p = end + (*end != '\0');
		}
	}
}

void sbx_cg_kill(const struct sbx_cgroups *cg)
{
	if (cg->v2_dir && write_str(cg->v2_dir, "cgroup.kill", "1") == 0)
		return;
	if (cg->pids == CG_V1)
		kill_tasks(cg->pids_dir);
	else if (cg->mem == CG_V1)
		kill_tasks(cg->mem_dir);
}

/* Forks and thread creations the run's pids cgroup refused so far. */
static uint64_t pids_refused(const struct sbx_cgroups *cg)
{
	if (cg->pids == CG_NONE)
		return 0;
	uint64_t n = read_key(cg->pids_dir, "pids.events", "max");
	return n > cg->pids_max_base ? n - cg->pids_max_base : 0;
}

/* The supervisor polls this to kill the tree at the process limit. A
 * program may meet the limit and cope (fork() or pthread_create() fails
 * with EAGAIN and it goes on with fewer workers): a few refusals are left
 * to the verdict (result.c). A fork bomb's processes retry at once, so it
 * piles up refusals within one poll of the supervisor; from this many on
 * the tree is taken for one and killed (docs/sandbox.md, "Verdicts"). */
enum { PIDS_REFUSED_KILL = 100 };

int sbx_cg_pids_hit(const struct sbx_cgroups *cg)
{
	return pids_refused(cg) >= PIDS_REFUSED_KILL;
}

void sbx_cg_collect(const struct sbx_cgroups *cg, uint64_t *peak, int *oom, int *pids_hit)
{
	*peak = 0;
	*oom = 0;
	*pids_hit = 0;
	if (cg->mem == CG_V2) {
		*peak = read_u64(cg->mem_dir, "memory.peak");
		*oom = read_key(cg->mem_dir, "memory.events", "oom_kill") > cg->oom_base;
	} else if (cg->mem == CG_V1) {
		uint64_t max = read_u64(cg->mem_dir, "memory.max_usage_in_bytes");
		*peak = max > cg->mem_base ? max - cg->mem_base : 0;
		*oom = read_key(cg->mem_dir, "memory.oom_control", "oom_kill") > cg->oom_base;
	}
	/* The count, not a flag: the result reports it (forks_refused). */
	uint64_t refused = pids_refused(cg);
	*pids_hit = refused > INT_MAX ? INT_MAX : (int)refused;
}

/* rmdir, retrying briefly: the last task may still be leaving (a
 * launcher thread that was just joined is gone from the thread list a
 * moment before it leaves its cgroups): yield first, then sleep. */
void sbx_cg_remove_dir(char *dir)
{
	if (!dir)
		return;
	for (int i = 0; i < 100 && rmdir(dir) < 0 && errno == EBUSY; i++) {
		if (i < 50) {
			sched_yield();
			continue;
		}
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	free(dir);
}

void sbx_cg_destroy(struct sbx_cgroups *cg)
{
	/* A launcher's dirs, borrowed by a run (*_prep), are the launcher's
	 * to remove; its own cg (prep_*) removes them when it ends. */
	char *borrowed[] = {cg->mem_prep ? cg->mem_dir : NULL, cg->pids_prep ? cg->pids_dir : NULL,
			    cg->cpu_prep ? cg->cpu_dir : NULL};
	for (size_t i = 0; i < 3; i++)
		free(borrowed[i]);
	char *dirs[] = {cg->mem_prep ? NULL : cg->mem_dir,
			cg->pids_prep ? NULL : cg->pids_dir,
			cg->cpu_prep ? NULL : cg->cpu_dir,
			cg->v2_dir,
			cg->prep_mem,
			cg->prep_pids,
			cg->prep_cpu,
			cg->prep_v2};
	enum { N = sizeof dirs / sizeof dirs[0] };
	/* The same directory may appear several times (all v2): remove it at
	 * its last appearance, compare only with entries not yet freed. */
	for (size_t i = 0; i < N; i++) {
		int dup = 0;
		for (size_t j = i + 1; j < N; j++)
			dup |= dirs[j] && dirs[i] && !strcmp(dirs[i], dirs[j]);
		if (dup)
			free(dirs[i]);
		else
			sbx_cg_remove_dir(dirs[i]);
	}
	memset(cg, 0, sizeof *cg);
}
