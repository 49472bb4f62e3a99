/*
 * result.c - turning what the supervisor saw into a struct sbx_result:
 * the verdict, the command's exit code or signal, resources and a
 * one-line message.
 *
 * Verdicts: "ok" means the sandbox saw nothing wrong: the command ended
 * by itself (with any exit code: runners compare exit codes themselves)
 * within every limit. A limit the supervisor enforced wins over what
 * follows from the death it caused; otherwise the OOM killer means
 * memory-limit, a refused fork process-limit (unless the command coped
 * and exited 0: ok, with forks_refused), SIGXCPU cpu-timeout,
 * SIGXFSZ output-limit, SIGSYS (a non-native ABI) syscall-denied, and any
 * other signal runtime-error.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "sandbox/internal.h"

const char *sbx_verdict_name(enum sbx_verdict v)
{
	switch (v) {
	case SBX_OK:
		return "ok";
	case SBX_RUNTIME_ERROR:
		return "runtime-error";
	case SBX_WALL_TIMEOUT:
		return "wall-timeout";
	case SBX_CPU_TIMEOUT:
		return "cpu-timeout";
	case SBX_MEMORY_LIMIT:
		return "memory-limit";
	case SBX_PROCESS_LIMIT:
		return "process-limit";
	case SBX_OUTPUT_LIMIT:
		return "output-limit";
	case SBX_SYSCALL_DENIED:
		return "syscall-denied";
	case SBX_INTERNAL_ERROR:
		return "internal-error";
	}
	return "unknown";
}

static char *copy_capture(const struct sbx_capture *c, size_t *len)
{
	char *s = sbx_xmalloc(c->len + 1);
	if (c->len)
		memcpy(s, c->buf, c->len);
	s[c->len] = '\0';
	*len = c->len;
	return s;
}

/* The verdict when no limit was enforced by the supervisor itself. A
 * refused fork (p->pids_hit counts them) ended the run unless the command
 * coped with it and exited 0: any other end after one is process-limit. */
static enum sbx_verdict verdict_from_death(const struct sbx_proc *p, int sig, int code,
					   char *denied, size_t dlen)
{
	if (p->oom)
		return SBX_MEMORY_LIMIT;
	if (p->pids_hit && (sig || code))
		return SBX_PROCESS_LIMIT;
	switch (sig) {
	case 0:
		return SBX_OK;
	case SIGXCPU:
		return SBX_CPU_TIMEOUT;
	case SIGXFSZ:
		return SBX_OUTPUT_LIMIT;
	case SIGSYS:
		snprintf(denied, dlen, "non-native ABI");
		return SBX_SYSCALL_DENIED;
	case SIGKILL:
		if (p->kill_requested)
			return SBX_OK;
		/* With RLIMIT_CPU alone (no cgroup measures the tree), a program
		 * that ignores SIGXCPU is SIGKILLed by the kernel at the hard
		 * limit: its CPU time says why. */
		if (p->cg.cpu == CG_NONE && p->cpu_s >= p->cpu_limit)
			return SBX_CPU_TIMEOUT;
		return SBX_RUNTIME_ERROR;
	default:
		return SBX_RUNTIME_ERROR;
	}
}

static void human_size(char *buf, size_t len, uint64_t bytes)
{
	if (bytes >= 1ull << 20)
		snprintf(buf, len, "%.1f MiB", (double)bytes / 1048576.0);
	else
		snprintf(buf, len, "%.1f KiB", (double)bytes / 1024.0);
}

static void describe(const struct sbx_proc *p, struct sbx_result *r)
{
	char a[32], b[32];
	switch (r->verdict) {
	case SBX_WALL_TIMEOUT:
		snprintf(r->message, sizeof r->message, "wall time limit of %.3g s exceeded",
			 p->wall_limit);
		return;
	case SBX_CPU_TIMEOUT:
		snprintf(r->message, sizeof r->message,
			 "CPU time limit of %.3g s exceeded (used %.3f s)", p->cpu_limit, r->cpu_s);
		return;
	case SBX_MEMORY_LIMIT:
		human_size(a, sizeof a, p->mem_bytes);
		human_size(b, sizeof b, r->peak_bytes);
		snprintf(r->message, sizeof r->message, "memory limit of %s exceeded (peak %s)", a,
			 b);
		return;
	case SBX_PROCESS_LIMIT:
		snprintf(r->message, sizeof r->message,
			 "process limit reached (%d forks or thread creations refused)",
			 r->forks_refused);
		return;
	case SBX_OUTPUT_LIMIT:
		human_size(a, sizeof a, p->out_cap);
		if (r->out_truncated || r->err_truncated)
			snprintf(r->message, sizeof r->message,
				 "output limit of %s per stream exceeded (stdout %llu bytes, "
				 "stderr %llu bytes)",
				 a, (unsigned long long)r->out_total, (unsigned long long)r->err_total);
		else
			snprintf(r->message, sizeof r->message, "file size limit exceeded (SIGXFSZ)");
		return;
	case SBX_SYSCALL_DENIED:
		if (p->refused_cap_hit)
			snprintf(r->message, sizeof r->message,
				 "more than %d refused system calls (the one too many: %s)",
				 SBX_REFUSED_CAP, r->denied_syscall);
		else
			snprintf(r->message, sizeof r->message, "forbidden system call: %s",
				 r->denied_syscall[0] ? r->denied_syscall : "unknown");
		return;
	default:
		break;
	}
	if (r->signal == SIGSEGV || r->signal == SIGBUS) {
		/* Deep recursion, or a thread's stack too small for its work,
		 * looks just like a bad pointer. */
		if (r->stack_bytes)
			human_size(a, sizeof a, r->stack_bytes);
		snprintf(r->message, sizeof r->message,
			 "killed by signal %d (%s): a bad memory access, or a stack overflow "
			 "(stack limit %s, also each new thread's default stack)",
			 r->signal, strsignal(r->signal),
			 r->stack_bytes ? a : "unlimited; threads get 2 MiB");
	} else if (r->signal) {
		snprintf(r->message, sizeof r->message, "killed by signal %d (%s)%s", r->signal,
			 strsignal(r->signal), p->kill_requested ? " on request" : "");
	} else if (r->forks_refused) {
		snprintf(r->message, sizeof r->message,
			 "exited with code %d; %d forks or thread creations were refused at the "
			 "process limit, which the program handled",
			 r->exit_code, r->forks_refused);
	} else {
		snprintf(r->message, sizeof r->message, "exited with code %d", r->exit_code);
	}
}

/* The command inherits the caller's RLIMIT_STACK (init sets no other). */
static uint64_t stack_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_STACK, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return 0;
	return (uint64_t)rl.rlim_cur;
}

void sbx_result_fill(struct sbx_proc *p, struct sbx_result *r)
{
	memset(r, 0, sizeof *r);
	/* Without a status from init, init itself was killed (by us, a limit
	 * or a dying parent): the command went with it. */
	int status = p->have_status ? p->status : SIGKILL;
	if (WIFEXITED(status)) {
		r->exit_code = WEXITSTATUS(status);
	} else {
		r->exit_code = -1;
		r->signal = WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL;
	}
	r->wall_s = (p->t_end ? p->t_end : p->t_start) - p->t_start;
	if (r->wall_s < 0)
		r->wall_s = 0;
	r->cpu_s = p->cpu_s;
	r->peak_bytes = p->peak;
	r->out = copy_capture(&p->out, &r->out_len);
	r->err = copy_capture(&p->err, &r->err_len);
	r->out_total = p->out.total;
	r->err_total = p->err.total;
	r->out_truncated = p->out.truncated;
	r->err_truncated = p->err.truncated;
	r->mem_enforcement = p->mem_enf;
	r->pids_enforcement = p->pids_enf;
	r->cpu_enforcement = p->cpu_enf;
	r->host_uid = (int)p->slot.host_uid;
	snprintf(r->denied_syscall, sizeof r->denied_syscall, "%s", p->denied);
	memcpy(r->refused_syscalls, p->refused, sizeof r->refused_syscalls);
	r->nrefused = p->nrefused;
	r->refused_total = p->refused_total;
	r->forks_refused = p->pids_hit;
	r->stack_bytes = stack_limit();
	r->prestarted = p->prestarted;
	if (p->limit != SBX_OK)
		r->verdict = p->limit;
	else
		r->verdict = verdict_from_death(p, r->signal, r->exit_code, r->denied_syscall,
						sizeof r->denied_syscall);
	describe(p, r);
}

void sbx_result_internal(struct sbx_result *r, const char *msg)
{
	memset(r, 0, sizeof *r);
	r->verdict = SBX_INTERNAL_ERROR;
	r->exit_code = -1;
	r->out = sbx_xstrdup("");
	r->err = sbx_xstrdup("");
	r->mem_enforcement = r->pids_enforcement = r->cpu_enforcement = "none";
	r->host_uid = -1;
	snprintf(r->message, sizeof r->message, "%s", msg);
}

void sbx_result_free(struct sbx_result *r)
{
	if (!r)
		return;
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}
