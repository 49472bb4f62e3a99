/*
 * supervise.c - the supervisor thread of a running sandbox (one per run,
 * started by sbx_spawn in run.c): drains stdout/stderr into the capped
 * captures, feeds stdin without blocking, has seccomp notifications
 * answered (seccomp_notify.c), reads init's report of the command's wait
 * status, reaps init, polls the tree's CPU time and the wall clock, and
 * kills the whole tree at the first limit. When the run is over it
 * collects the cgroups' figures, releases the slot and marks the run
 * done for sbx_wait/sbx_kill.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/internal.h"

enum { READ_CHUNK = 65536 };
/* How long init has to end the run itself after a SIGTERM. */
#define TERM_GRACE_S 0.2

void sbx_proc_kill_tree(struct sbx_proc *p)
{
	/* Where a cgroup counts the CPU time, or before init can take a
	 * SIGTERM, SIGKILL; otherwise init's rusage is the count, and only
	 * init reaping the others itself adds theirs to it (init.c). */
	pthread_mutex_lock(&p->lock);
	int gentle = p->cg.cpu == CG_NONE && p->gentle_ok;
	int first = gentle && p->term_at == 0;
	if (first)
		p->term_at = sbx_now();
	pthread_mutex_unlock(&p->lock);
	if (p->pidfd >= 0 && (!gentle || first))
		syscall(SYS_pidfd_send_signal, p->pidfd, gentle ? SIGTERM : SIGKILL, NULL, 0);
	sbx_cg_kill(&p->cg);
}

/* SIGKILLs init if a SIGTERM has not ended it within the grace. */
static void kill_overdue(struct sbx_proc *p)
{
	pthread_mutex_lock(&p->lock);
	int overdue = p->term_at > 0 && sbx_now() - p->term_at >= TERM_GRACE_S;
	pthread_mutex_unlock(&p->lock);
	if (overdue && p->pidfd >= 0)
		syscall(SYS_pidfd_send_signal, p->pidfd, SIGKILL, NULL, 0);
}

static void hit_limit(struct sbx_proc *p, enum sbx_verdict v)
{
	pthread_mutex_lock(&p->lock);
	if (p->limit == SBX_OK)
		p->limit = v;
	pthread_mutex_unlock(&p->lock);
	sbx_proc_kill_tree(p);
}

static void capture_add(struct sbx_proc *p, struct sbx_capture *c, const char *data, size_t n)
{
	c->total += n;
	size_t room = c->len < p->out_cap ? (size_t)(p->out_cap - c->len) : 0;
	size_t take = n < room ? n : room;
	if (take) {
		/* Under the lock: sbx_output_peek reads the buffer while the run goes on. */
		pthread_mutex_lock(&p->lock);
		if (c->len + take + 1 > c->cap) {
			c->cap = (c->len + take + 1) * 2;
			if (c->cap > p->out_cap + 1)
				c->cap = (size_t)p->out_cap + 1;
			c->buf = sbx_xrealloc(c->buf, c->cap);
		}
		memcpy(c->buf + c->len, data, take);
		c->len += take;
		pthread_mutex_unlock(&p->lock);
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
			sbx_close_fd(&c->fd);
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
	sbx_close_fd(&p->stdin_fd);
}

/* Records a refused call's name (distinct names, first seen first) and
 * counts it; true past the cap. */
static int note_refused(struct sbx_proc *p, const char *name)
{
	pthread_mutex_lock(&p->lock);
	int known = 0;
	for (int i = 0; i < p->nrefused && !known; i++)
		known = !strcmp(p->refused[i], name);
	if (!known && p->nrefused < SBX_REFUSED_NAMES)
		snprintf(p->refused[p->nrefused++], sizeof p->refused[0], "%s", name);
	int over = ++p->refused_total > SBX_REFUSED_CAP;
	if (over && !p->denied[0]) {
		snprintf(p->denied, sizeof p->denied, "%s", name);
		p->refused_cap_hit = 1;
	}
	pthread_mutex_unlock(&p->lock);
	return over;
}

/* A notified call: a fatal one is named (the first one wins) and kills
 * the run; a refused one is named and counted, and past SBX_REFUSED_CAP
 * kills the run too: every notification costs the grader a round trip,
 * so their number must be bounded. */
static void handle_notification(struct sbx_proc *p)
{
	char name[sizeof p->denied];
	switch (sbx_seccomp_notify_answer(p->notify_fd, name, sizeof name)) {
	case SBX_NOTIFY_BROKEN:
		sbx_close_fd(&p->notify_fd);
		break;
	case SBX_NOTIFY_DENIED:
		pthread_mutex_lock(&p->lock);
		if (!p->denied[0])
			memcpy(p->denied, name, sizeof p->denied);
		pthread_mutex_unlock(&p->lock);
		hit_limit(p, SBX_SYSCALL_DENIED);
		break;
	case SBX_NOTIFY_REFUSED:
		if (note_refused(p, name))
			hit_limit(p, SBX_SYSCALL_DENIED);
		break;
	case SBX_NOTIFY_NONE:
		break;
	}
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
		sbx_close_fd(&p->sync_fd);
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
	sbx_close_fd(&p->pidfd);
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
		sbx_proc_kill_tree(p);
	if (!p->reaped)
		kill_overdue(p);
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
		sbx_close_fd(&p->notify_fd);
	if (i_sync >= 0 && pf[i_sync].revents)
		read_status(p);
	if (i_pid >= 0 && pf[i_pid].revents)
		reap_init(p);
	return 0;
}

/* The run's figures from its cgroups. */
static void collect(struct sbx_proc *p)
{
	int64_t ns = sbx_cg_cpu_ns(&p->cg);
	if (ns >= 0)
		p->cpu_s = (double)ns / 1e9;
	sbx_cg_collect(&p->cg, &p->peak, &p->oom, &p->pids_hit);
}

/* Once init is reaped: its cgroups, slot, launcher and fds given back. */
static void release(struct sbx_proc *p)
{
	sbx_cg_destroy(&p->cg);
	/* init is reaped: the launcher may serve another run */
	sbx_launcher_put(p->launcher, &p->slot);
	p->launcher = NULL;
	sbx_slot_release(&p->slot);
	sbx_close_fd(&p->notify_fd);
	sbx_close_fd(&p->stdin_fd);
	sbx_close_fd(&p->sync_fd);
}

void sbx_proc_finish(struct sbx_proc *p)
{
	collect(p);
	release(p);
}

/* The run is over once init is reaped or, where a cgroup counts the CPU
 * time, once init has sent the command's status: it sends it after
 * reaping every other process (init.c), so only init's own exit is left,
 * in which the kernel tears its namespaces down (0.2-0.3 ms here). The
 * result need not wait for that; the slot and cgroups are given back
 * after it (without a CPU cgroup, init's rusage is the CPU time, and only
 * its reaping tells it). */
static int run_over(const struct sbx_proc *p)
{
	return p->reaped || (p->have_status && p->cg.cpu != CG_NONE);
}

/* Waits until init is reaped, SIGKILLing it once overdue: after a
 * SIGTERM's grace (kill_overdue), or kill_after_s from now when > 0. */
static void await_reap(struct sbx_proc *p, double kill_after_s)
{
	double deadline = kill_after_s > 0 ? sbx_now() + kill_after_s : 0;
	while (!p->reaped && p->pidfd >= 0) {
		struct pollfd pf = {p->pidfd, POLLIN, 0};
		poll(&pf, 1, 50);
		reap_init(p);
		if (p->reaped)
			break;
		kill_overdue(p);
		if (deadline && sbx_now() >= deadline)
			syscall(SYS_pidfd_send_signal, p->pidfd, SIGKILL, NULL, 0);
	}
}

static void mark_done(struct sbx_proc *p)
{
	pthread_mutex_lock(&p->lock);
	p->done = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

void *sbx_supervise(void *arg)
{
	struct sbx_proc *p = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* EPIPE, not SIGPIPE */
	/* Started before init is ready (run.c): wait until the run is ours. */
	pthread_mutex_lock(&p->lock);
	while (!p->gate)
		pthread_cond_wait(&p->cond, &p->lock);
	int go = p->gate > 0;
	pthread_mutex_unlock(&p->lock);
	if (!go)
		return NULL;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	double drain_deadline = 0;
	while (!run_over(p) || p->out.fd >= 0 || p->err.fd >= 0) {
		if (run_over(p) && !drain_deadline)
			drain_deadline = sbx_now() + 1.0;
		/* Every writer died with the namespace; a pipe still open after
		 * that was passed outside (it cannot be), so stop anyway. */
		if (drain_deadline && sbx_now() > drain_deadline)
			break;
		if (supervise_once(p, ncpu) < 0)
			break;
	}
	if (!run_over(p)) {
		sbx_proc_kill_tree(p);
		await_reap(p, 0);
	}
	while (p->sync_fd >= 0 && !p->have_status) {
		char c;
		if (recv(p->sync_fd, &c, 0, MSG_DONTWAIT | MSG_PEEK) < 0)
			break;
		read_status(p);
	}
	collect(p);
	if (p->reaped) {
		release(p);
		mark_done(p);
		return NULL;
	}
	/* Done now; init's exit is waited for (and enforced, should it
	 * linger) before its slot is given back. The result's fields are
	 * final: release touches only what sbx_result_fill does not read,
	 * under p->lock against sbx_wait's copy. */
	mark_done(p);
	await_reap(p, 1.0);
	pthread_mutex_lock(&p->lock);
	release(p);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}
