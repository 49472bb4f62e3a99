/*
 * warm.c - the next run's sandbox, started before that run is known.
 *
 * Cloning init into its namespaces, writing its id maps and building
 * the base of its filesystem (every mount but the run's own host paths)
 * took about 1 ms of each run's start on the development VM, all of it
 * the same from one run to the next. So once a launcher's run is over
 * (launcher.c), its thread starts the next run's init ahead: cloned as
 * a run's would be (in the launcher's v1 cgroups and a fresh v2 one of
 * its own), id-mapped to the slot's uid, let go; init then makes the
 * base mounts (sbx_plan_build_base) and waits. The run that takes it
 * sends what is its own in one message on the sync socket (struct
 * sbx_warm_msg: the command, environment, working dir, rlimits, and as
 * fds its stdin, stdout, stderr and the detached trees of its work dir
 * and binds); init attaches those, makes the root read-only, pivots and
 * goes on exactly as a cold one does (init.c).
 *
 * Each run still gets an init and namespaces no other run had: a warm
 * init is never used twice, and nothing of the run's runs before its
 * message. Only a run as root (its host paths are detached trees then,
 * attached by fd) without share_net, whose key (work dir or none, /tmp
 * size) is the one the warm init was built for, takes it; any other
 * starts cold, and the launcher builds the next one for its key.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/internal.h"

void sbx_warm_clear(struct sbx_warm *w)
{
	memset(w, 0, sizeof *w);
	w->pid = -1;
	w->pidfd = w->sync_fd = -1;
}

int sbx_warm_key_eq(const struct sbx_warm_key *a, const struct sbx_warm_key *b)
{
	return a->tmp_bytes == b->tmp_bytes && a->workdir == b->workdir;
}

int sbx_warm_prepare(struct sbx_warm *w, struct sbx_plan *plan, const struct sbx_warm_key *key,
		     int slot, int *child_sync)
{
	sbx_warm_clear(w);
	memset(plan, 0, sizeof *plan);
	*child_sync = -1;
	char err[64];
	const struct sock_fprog *prog = sbx_seccomp_program(err, sizeof err);
	int sv[2];
	if (!prog || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	w->sync_fd = sbx_high_fd(sv[0]);
	*child_sync = sbx_high_fd(sv[1]);
	if (w->sync_fd < 0 || *child_sync < 0) {
		sbx_close_fd(&w->sync_fd);
		sbx_close_fd(child_sync);
		return -1;
	}
	w->key = *key;
	w->v2_dir = sbx_cg_warm_dir(slot);
	sbx_plan_build_base(plan, key->workdir, key->tmp_bytes);
	plan->warm = 1;
	plan->root = 1;
	plan->last_cap = sbx_last_cap();
	plan->filter = prog;
	plan->stdin_fd = plan->stdout_fd = plan->stderr_fd = -1;
	plan->sync_fd = *child_sync;
	plan->keep_fds = sbx_xcalloc(1, sizeof *plan->keep_fds);
	plan->keep_fds[0] = *child_sync;
	plan->nkeep = 1;
	return 0;
}

int sbx_warm_started(struct sbx_warm *w, pid_t pid, int pidfd, const struct sbx_slot *slot)
{
	w->pid = pid;
	w->pidfd = pidfd;
	if (pid < 0 || sbx_write_id_maps(pid, slot, 1) < 0 ||
	    send(w->sync_fd, "G", 1, MSG_NOSIGNAL) != 1) {
		sbx_warm_discard(w);
		return -1;
	}
	return 0;
}

void sbx_warm_discard(struct sbx_warm *w)
{
	if (w->pid > 0) {
		if (w->pidfd >= 0)
			syscall(SYS_pidfd_send_signal, w->pidfd, SIGKILL, NULL, 0);
		else
			kill(w->pid, SIGKILL);
		while (waitpid(w->pid, NULL, __WALL) < 0 && errno == EINTR)
			;
	}
	sbx_close_fd(&w->pidfd);
	sbx_close_fd(&w->sync_fd);
	if (w->v2_dir)
		sbx_cg_remove_dir(w->v2_dir);
	sbx_warm_clear(w);
}

void sbx_warm_drop_init(struct sbx_warm *w)
{
	free(w->v2_dir); /* not removed: the run it was taken for has it */
	w->v2_dir = NULL;
	sbx_warm_discard(w);
}

int sbx_warm_usable(const struct sbx_warm *w)
{
	if (w->pid <= 0 || w->sync_fd < 0)
		return 0;
	/* An init that failed has said why (MSG_ERROR) or died: either way
	 * its end of the socket has something to read or is closed. */
	struct pollfd pf = {w->sync_fd, POLLIN | POLLRDHUP, 0};
	return poll(&pf, 1, 0) == 0;
}

/* Appends s and its NUL to buf at *off; false when it does not fit. */
static int put_str(char *buf, size_t cap, size_t *off, const char *s)
{
	size_t n = strlen(s) + 1;
	if (n > cap - *off)
		return 0;
	memcpy(buf + *off, s, n);
	*off += n;
	return 1;
}

static uint32_t count(char *const *v)
{
	uint32_t n = 0;
	while (v[n])
		n++;
	return n;
}

int sbx_warm_send(const struct sbx_warm *w, const struct sbx_plan *plan)
{
	size_t nattach = plan->nops - plan->nbase;
	if (nattach > SBX_WARM_MAX_ATTACH)
		return -1;
	for (size_t i = plan->nbase; i < plan->nops; i++)
		if (plan->ops[i].kind != OP_ATTACH || plan->ops[i].fd < 0)
			return -1;
	struct sbx_warm_msg hdr = {SBX_WARM_MAGIC,
				   (uint32_t)nattach,
				   count(plan->argv),
				   count(plan->envp),
				   count(plan->exec_paths),
				   {plan->rl_cpu_s, plan->rl_fsize, plan->rl_nofile, plan->rl_nproc,
				    plan->rl_as}};
	if ((size_t)hdr.argc + hdr.envc + hdr.nexec + 3 > SBX_WARM_MAX_STRINGS)
		return -1;
	char *buf = sbx_xmalloc(SBX_WARM_MSG_MAX);
	size_t off = sizeof hdr;
	memcpy(buf, &hdr, sizeof hdr);
	const size_t cap = SBX_WARM_MSG_MAX;
	int fit = put_str(buf, cap, &off, plan->cwd);
	char **lists[] = {plan->argv, plan->envp, plan->exec_paths};
	for (size_t l = 0; l < 3; l++)
		for (size_t i = 0; fit && lists[l][i]; i++)
			fit = put_str(buf, cap, &off, lists[l][i]);
	for (size_t i = plan->nbase; fit && i < plan->nops; i++) {
		fit = off < cap;
		if (fit)
			buf[off++] = (char)plan->ops[i].is_dir;
		fit = fit && put_str(buf, cap, &off, plan->ops[i].dst);
	}
	if (!fit) {
		free(buf);
		return -1;
	}
	int fds[3 + SBX_WARM_MAX_ATTACH];
	size_t nfds = 0;
	fds[nfds++] = plan->stdin_fd;
	fds[nfds++] = plan->stdout_fd;
	fds[nfds++] = plan->stderr_fd;
	for (size_t i = plan->nbase; i < plan->nops; i++)
		fds[nfds++] = plan->ops[i].fd;
	union {
		char c[CMSG_SPACE(sizeof fds)];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof u);
	struct iovec iov = {buf, off};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.c,
			     .msg_controllen = CMSG_SPACE(nfds * sizeof(int))};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
	memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	int rc = sendmsg(w->sync_fd, &msg, MSG_NOSIGNAL) == (ssize_t)off ? 0 : -1;
	free(buf);
	return rc;
}
