/*
 * launcher.c - runs' inits born in their cgroup v1 directories.
 *
 * A process is born in the cgroups of the thread that clones it. On a
 * host whose memory and pids controllers are on cgroup v1 (clone3's
 * CLONE_INTO_CGROUP only places a child in v2), moving the run's init
 * into its cgroups after the clone costs a migration: the kernel takes
 * cgroup_mutex and waits for an RCU grace period (8-11 ms measured here)
 * unless another migration came just before, and every other cgroup
 * operation on the machine (mkdir, CLONE_INTO_CGROUP, another migration)
 * waits with it. Real grading, spaced out by the programs it runs, nearly
 * always paid it.
 *
 * So runs are started by launchers: a launcher is a thread of ours that
 * holds a slot, owns that slot's v1 directories, has moved itself alone
 * into them (v1 cgroups hold threads) and clones each run's init from
 * there. It makes that one migration when it is created; afterwards it
 * serves run after run of its process with none. Between runs it waits
 * in the pool; one idle for IDLE_S seconds is ended by the janitor
 * thread, which removes its directories and releases its slot (a thread
 * that ends leaves its cgroups without a migration). The pool keeps at
 * most IDLE_MAX; the rest end when their run does. At exit the pool is
 * emptied the same way.
 *
 * What persists between runs of one launcher is the v1 directories; each
 * run still gets its own limits, counters measured from its start
 * (sbx_cg_setup), a fresh v2 directory, and its own pid namespace, which
 * ends every process of the run before init is reaped. The launcher
 * counts as one task in the pids cgroup (setup adds one to pids.max) and
 * its pid is never killed with the run's tasks (kill_tasks skips ours).
 * init's PR_SET_PDEATHSIG fires when the thread that cloned it ends: the
 * launcher outlives every run it starts.
 *
 * Without a usable v1 directory (all controllers on v2, or an
 * unprivileged caller without delegated v1 cgroups) no launcher is made:
 * the caller clones init itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/internal.h"

/* An idle launcher ends after IDLE_S s; at most IDLE_MAX wait at once. */
enum { IDLE_S = 30, IDLE_MAX = 8 };

struct sbx_launcher {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int ready;  /* the thread has tried to join (joined says how it went) */
	int joined; /* it sits in every dir of cg */
	int quit;
	struct sbx_slot slot;
	struct sbx_cgroups cg; /* the slot's v1 dirs (prep_*), kept for its life */
	/* the clone asked of it: job set by the caller, done by the thread */
	int job, done;
	/* once the run is over (run_over, set by sbx_launcher_put) the thread
	 * starts the next run's init for the run's key (want, when want_ok)
	 * or makes a network namespace (renew); making while it does */
	int renew, run_over, making, want_ok;
	struct sbx_warm_key want;
	struct sbx_warm warm; /* the next run's init, started ahead (pid -1: none) */
	struct sbx_plan *plan;
	int flags, cgroup_fd;
	pid_t pid;
	int pidfd, v2_joined, err;
	double idle_since;
	struct sbx_launcher *next; /* in the pool */
};

/* The next run's network namespace, made ahead by the launcher for
 * itself (a thread's own, as its cgroups are) once a run is over, so
 * that creating one (0.25 ms here, the largest single cost of a clone) is
 * off the next run's path: that run's init is cloned without
 * CLONE_NEWNET and so is born in it. Each run still has a namespace no
 * other run had, with only loopback, brought up here. It is owned by the
 * host's user namespace rather than the run's, so the run has no
 * capability over it at all (no CAP_NET_ADMIN there even before init drops
 * its capabilities). 0, or -1 when it could not be made or brought up
 * (*in_host is 0 once the thread has left the host's namespace). */
static int next_net(int *in_host)
{
	if (unshare(CLONE_NEWNET) < 0)
		return -1;
	*in_host = 0;
	return sbx_net_loopback_up() < 0 ? -1 : 0;
}

/* The thread's network namespace: the host's (in_host), one made ahead
 * (ready), or the last run's. */
struct net_state {
	int host_fd, in_host, ready;
};

/* sbx_clone_init from this thread: a run of its own network is born in
 * the namespace made ahead when there is one; share_net's is the host's,
 * never a run's. *renew is set when the thread needs a new one made. */
static pid_t clone_here(struct net_state *ns, struct sbx_plan *plan, int flags, int cgroup_fd,
			int *pidfd, int *v2, int *renew)
{
	if (flags & CLONE_NEWNET) {
		if (ns->ready) {
			flags &= ~CLONE_NEWNET;
			plan->net_up = 1;
			ns->ready = 0;
			*renew = 1;
		}
	} else if (!ns->in_host) {
		if (setns(ns->host_fd, CLONE_NEWNET) == 0) {
			ns->in_host = 1;
			ns->ready = 0;
			*renew = 1;
		} else {
			flags |= CLONE_NEWNET;
		}
	}
	return sbx_clone_init(plan, flags, cgroup_fd, pidfd, v2);
}

/* The next run's init, started ahead for key (warm.c): born in this
 * thread's v1 cgroups and a fresh v2 one of its own; into l->warm.
 * *renew: it took the network namespace made ahead. */
static void make_warm(struct sbx_launcher *l, struct net_state *ns, const struct sbx_warm_key *key,
		      int *renew)
{
	struct sbx_warm w;
	struct sbx_plan plan;
	int child_sync;
	if (sbx_warm_prepare(&w, &plan, key, l->slot.index, &child_sync) < 0) {
		sbx_plan_free(&plan);
		return;
	}
	int cgfd = w.v2_dir ? open(w.v2_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	int pidfd = -1, v2 = 0;
	pid_t pid = -1;
	if (!w.v2_dir || cgfd >= 0)
		pid = clone_here(ns, &plan, SBX_CLONE_NS | CLONE_NEWNET, cgfd, &pidfd, &v2, renew);
	if (cgfd >= 0)
		close(cgfd);
	sbx_close_fd(&child_sync);
	sbx_plan_free(&plan);
	if (pid > 0 && w.v2_dir && !v2) { /* not born in it: of no use */
		w.pid = pid;
		w.pidfd = pidfd;
		sbx_warm_discard(&w);
		return;
	}
	if (sbx_warm_started(&w, pid, pidfd, &l->slot) < 0)
		return;
	pthread_mutex_lock(&l->lock);
	l->warm = w;
	pthread_mutex_unlock(&l->lock);
}

static void *launcher_main(void *arg)
{
	struct sbx_launcher *l = arg;
	/* Signals for the process go to its other threads; init, cloned
	 * here, starts with this mask (its command resets it). */
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	int joined = sbx_cg_join_thread(&l->cg) == 0;
	struct net_state ns = {open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), 1, 0};
	ns.ready = ns.host_fd >= 0 && next_net(&ns.in_host) == 0;
	pthread_mutex_lock(&l->lock);
	l->joined = joined;
	l->ready = 1;
	pthread_cond_broadcast(&l->cond);
	for (;;) {
		while (!l->quit && !(l->job && !l->done) && !l->run_over)
			pthread_cond_wait(&l->cond, &l->lock);
		if (l->quit)
			break;
		if (l->job && !l->done) {
			pthread_mutex_unlock(&l->lock);
			int pidfd = -1, v2 = 0, renew = 0;
			pid_t pid = clone_here(&ns, l->plan, l->flags, l->cgroup_fd, &pidfd, &v2,
					       &renew);
			int e = errno;
			pthread_mutex_lock(&l->lock);
			l->pid = pid;
			l->pidfd = pidfd;
			l->v2_joined = v2;
			l->err = e;
			l->done = 1;
			l->renew |= renew;
			pthread_cond_broadcast(&l->cond);
			continue;
		}
		/* The run is over: the next one's start, made now (the next
		 * run waits for making), then the network namespace for the
		 * start after it (no one waits for that). */
		l->run_over = 0;
		l->making = 1;
		int warm = l->want_ok && l->warm.pid < 0, renew = l->renew;
		struct sbx_warm_key key = l->want;
		l->renew = 0;
		pthread_mutex_unlock(&l->lock);
		if (warm)
			make_warm(l, &ns, &key, &renew);
		pthread_mutex_lock(&l->lock);
		l->making = 0;
		pthread_cond_broadcast(&l->cond);
		if (renew && !l->quit && !(l->job && !l->done)) {
			pthread_mutex_unlock(&l->lock);
			ns.ready = next_net(&ns.in_host) == 0;
			pthread_mutex_lock(&l->lock);
		} else {
			l->renew |= renew;
		}
	}
	pthread_mutex_unlock(&l->lock);
	if (ns.host_fd >= 0)
		close(ns.host_fd);
	return NULL;
}

/* A launcher for slot (ownership moves to it), its dirs made and its
 * thread started; NULL when there is nothing to sit in or no thread
 * (the slot stays the caller's). */
static struct sbx_launcher *launcher_start(struct sbx_slot *slot)
{
	struct sbx_cgroups cg;
	if (sbx_cg_prepare(&cg, slot->index) == 0) {
		sbx_cg_destroy(&cg);
		return NULL;
	}
	struct sbx_launcher *l = sbx_xcalloc(1, sizeof *l);
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->cond, NULL);
	l->cg = cg;
	l->slot = *slot;
	l->pidfd = -1;
	sbx_warm_clear(&l->warm);
	if (pthread_create(&l->thread, NULL, launcher_main, l) != 0) {
		sbx_cg_destroy(&l->cg);
		pthread_mutex_destroy(&l->lock);
		pthread_cond_destroy(&l->cond);
		free(l);
		return NULL;
	}
	slot->index = -1;
	slot->lock_fd = -1;
	pthread_mutex_lock(&l->lock);
	while (!l->ready)
		pthread_cond_wait(&l->cond, &l->lock);
	pthread_mutex_unlock(&l->lock);
	return l;
}

/* Ends the thread, removes its dirs, releases its slot, frees l. */
static void launcher_free(struct sbx_launcher *l)
{
	pthread_mutex_lock(&l->lock);
	l->quit = 1;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
	pthread_join(l->thread, NULL);
	sbx_warm_discard(&l->warm);
	sbx_cg_destroy(&l->cg);
	sbx_slot_release(&l->slot);
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->cond);
	free(l);
}

/* ---- the pool of idle launchers and its janitor ---- */

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cond;
static struct sbx_launcher *pool;
static int pool_size, janitor_running;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void pool_before_fork(void)
{
	pthread_mutex_lock(&pool_lock);
}

static void pool_parent_after_fork(void)
{
	pthread_mutex_unlock(&pool_lock);
}

/* A forked child has none of our threads: it forgets the pool (the slot
 * locks stay its parent's; closing our copies leaves them held). */
static void pool_child_after_fork(void)
{
	for (struct sbx_launcher *l = pool; l; l = l->next) {
		if (l->slot.lock_fd >= 0)
			close(l->slot.lock_fd);
		if (l->warm.sync_fd >= 0) /* its init is the parent's child */
			close(l->warm.sync_fd);
		if (l->warm.pidfd >= 0)
			close(l->warm.pidfd);
	}
	pool = NULL; /* the structs leak in the child: their threads are not there */
	pool_size = 0;
	janitor_running = 0;
	pthread_mutex_unlock(&pool_lock);
}

/* Takes the launchers idle since before deadline (all: deadline 0) out
 * of the pool, with pool_lock held; returns them as a list. */
static struct sbx_launcher *pool_take_idle_locked(double deadline)
{
	struct sbx_launcher *out = NULL, **pp = &pool;
	while (*pp) {
		struct sbx_launcher *l = *pp;
		if (deadline == 0 || l->idle_since <= deadline) {
			*pp = l->next;
			pool_size--;
			l->next = out;
			out = l;
		} else {
			pp = &l->next;
		}
	}
	return out;
}

static void free_list(struct sbx_launcher *l)
{
	while (l) {
		struct sbx_launcher *next = l->next;
		launcher_free(l);
		l = next;
	}
}

/* At exit the pool is emptied, unless another thread is busy with it
 * (its dirs then stay behind empty, and the next run in those slots
 * takes them over). */
static void pool_drain_at_exit(void)
{
	if (pthread_mutex_trylock(&pool_lock) != 0)
		return;
	struct sbx_launcher *all = pool_take_idle_locked(0);
	pthread_mutex_unlock(&pool_lock);
	free_list(all);
}

static void pool_init(void)
{
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&pool_cond, &attr);
	pthread_condattr_destroy(&attr);
	pthread_atfork(pool_before_fork, pool_parent_after_fork, pool_child_after_fork);
	atexit(pool_drain_at_exit);
}

/* Ends launchers idle for IDLE_S; sleeps until the oldest one is due. */
static void *janitor_main(void *arg)
{
	(void)arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&pool_lock);
	for (;;) {
		struct sbx_launcher *due = pool_take_idle_locked(sbx_now() - IDLE_S);
		if (due) {
			pthread_mutex_unlock(&pool_lock);
			free_list(due);
			pthread_mutex_lock(&pool_lock);
			continue;
		}
		double oldest = 0;
		for (struct sbx_launcher *l = pool; l; l = l->next)
			if (!oldest || l->idle_since < oldest)
				oldest = l->idle_since;
		double wake = oldest ? oldest + IDLE_S + 0.01 : sbx_now() + 3600;
		struct timespec ts = {(time_t)wake, (long)((wake - (double)(time_t)wake) * 1e9)};
		pthread_cond_timedwait(&pool_cond, &pool_lock, &ts);
	}
	return NULL;
}

int sbx_launcher_take(int want, const struct sbx_warm_key *key, struct sbx_slot *slot,
		      struct sbx_cgroups *cg, struct sbx_launcher **out, struct sbx_warm *warm,
		      char *err, size_t errlen)
{
	*out = NULL;
	sbx_warm_clear(warm);
	memset(cg, 0, sizeof *cg);
	pthread_once(&pool_once, pool_init);
	struct sbx_launcher *l = NULL;
	pthread_mutex_lock(&pool_lock);
	for (struct sbx_launcher **pp = &pool; *pp; pp = &(*pp)->next) {
		if (want < 0 || (*pp)->slot.index == want) {
			l = *pp;
			*pp = l->next;
			pool_size--;
			l->next = NULL;
			break;
		}
	}
	pthread_mutex_unlock(&pool_lock);
	if (!l) {
		if (sbx_slot_acquire(want, slot, err, errlen) < 0)
			return -1;
		l = launcher_start(slot);
		if (!l)
			return 0; /* nothing to sit in: the caller holds the slot */
	}
	/* The run borrows the slot and the dirs; the launcher keeps them. */
	*slot = l->slot;
	if (l->joined) {
		cg->prepared = 1;
		cg->launcher_in = 1;
		cg->prep_mem = l->cg.prep_mem ? sbx_xstrdup(l->cg.prep_mem) : NULL;
		cg->prep_pids = l->cg.prep_pids ? sbx_xstrdup(l->cg.prep_pids) : NULL;
		cg->prep_cpu = l->cg.prep_cpu ? sbx_xstrdup(l->cg.prep_cpu) : NULL;
	}
	/* The thread may still be starting this run's init (the last run
	 * just ended): wait for it, it is the fastest start there is. */
	struct sbx_warm w;
	sbx_warm_clear(&w);
	pthread_mutex_lock(&l->lock);
	while (l->making || l->run_over)
		pthread_cond_wait(&l->cond, &l->lock);
	l->job = l->done = 0;
	if (key && l->joined) {
		w = l->warm;
		sbx_warm_clear(&l->warm);
		l->want = *key;
	}
	l->want_ok = key && l->joined;
	pthread_mutex_unlock(&l->lock);
	if (w.pid > 0 && sbx_warm_key_eq(&w.key, key) && sbx_warm_usable(&w)) {
		*warm = w;
		if (w.v2_dir)
			cg->prep_v2 = sbx_xstrdup(w.v2_dir);
	} else {
		sbx_warm_discard(&w);
	}
	*out = l;
	return 0;
}

pid_t sbx_launcher_clone(struct sbx_launcher *l, struct sbx_plan *plan, int flags, int cgroup_fd,
			 int *pidfd, int *v2_joined)
{
	pthread_mutex_lock(&l->lock);
	l->plan = plan;
	l->flags = flags;
	l->cgroup_fd = cgroup_fd;
	l->job = 1;
	pthread_cond_broadcast(&l->cond);
	while (!l->done)
		pthread_cond_wait(&l->cond, &l->lock);
	*pidfd = l->pidfd;
	*v2_joined = l->v2_joined;
	pid_t pid = l->pid;
	int e = l->err;
	pthread_mutex_unlock(&l->lock);
	errno = e;
	return pid;
}

void sbx_launcher_put(struct sbx_launcher *l, struct sbx_slot *slot)
{
	if (!l)
		return;
	/* The slot was lent: the launcher releases it when it ends. */
	slot->index = -1;
	slot->lock_fd = -1;
	if (!l->joined) {
		launcher_free(l); /* of no use for another run */
		return;
	}
	pthread_mutex_lock(&l->lock);
	l->run_over = 1;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
	pthread_mutex_lock(&pool_lock);
	if (pool_size >= IDLE_MAX) {
		pthread_mutex_unlock(&pool_lock);
		launcher_free(l);
		return;
	}
	l->idle_since = sbx_now();
	l->next = pool;
	pool = l;
	pool_size++;
	if (!janitor_running) {
		pthread_t t;
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		janitor_running = pthread_create(&t, &attr, janitor_main, NULL) == 0;
		pthread_attr_destroy(&attr);
	}
	pthread_cond_broadcast(&pool_cond);
	pthread_mutex_unlock(&pool_lock);
}
