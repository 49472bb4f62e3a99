/*
 * grade.c - grading one exercise of one submission: the core's half of
 * the runner seam (grader/grade/runner.h). It prepares the report slots,
 * applies visibility, fails every check when required files are missing,
 * drives the runner's prepare / grade_check / finish in dependency order,
 * decides which checks are skipped, shows progress, times the exercise and
 * turns sandbox verdicts into check results. Runners do the kind-specific
 * rest, one check at a time.
 */
#include "grade.h"

#include <stddef.h>
#include <stdarg.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "grader/grade/runner.h"
#include "grader/grade/workdir.h"
#include "grader/util/beneath.h"
#include "grader/util/util.h"

static long elapsed_ms(double since)
{
	return (long)((now_monotonic() - since) * 1000.0 + 0.5);
}

static int is_hidden(const struct exercise *ex, enum visibility v, time_t now)
{
	if (v == VIS_HIDDEN)
		return 1;
	if (v == VIS_AFTER_DUE)
		return ex->due == 0 || now < ex->due;
	return 0;
}

/* Fills every check slot so that reports always list all checks. */
static void prefill_checks(struct ex_report *rep, const struct exercise *ex,
			   const struct grade_env *env)
{
	for (size_t i = 0; i < ex->nchecks; i++) {
		const struct ex_check *c = &ex->checks[i];
		struct check_result *cr = ex_report_add_check(rep);
		cr->name = xstrdup(c->name);
		cr->max_score = c->points;
		cr->visibility = c->visibility;
		cr->hidden = is_hidden(ex, c->visibility, env->now);
		cr->status = CHECK_SKIPPED;
		cr->fraction = -1;
		cr->message = xstrdup("not run");
	}
}

/* Fails every check when a file the learner must provide is missing.
 * Returns the number of missing files. */
static int require_files(struct ex_report *rep, const struct exercise *ex,
			 const struct submission *sub)
{
	struct strbuf missing = {0};
	int n = 0;
	char *base = beneath_dir(sub->dir, workdir_submit_path(ex));
	for (size_t i = 0; i < ex->nfiles; i++) {
		if (!base || !beneath_is_file(base, ex->files[i])) {
			sb_addf(&missing, "%s%s", n ? ", " : "", ex->files[i]);
			n++;
		}
	}
	free(base);
	if (n) {
		rep->missing = xasprintf("missing %s %s in %s/ of the submission",
					 n == 1 ? "file" : "files", missing.buf,
					 workdir_submit_path(ex));
		for (size_t i = 0; i < rep->n; i++) {
			struct check_result *cr = &rep->checks[i];
			cr->status = CHECK_FAILED;
			free(cr->message);
			cr->message = xasprintf("not run: %s %s missing", missing.buf,
						n == 1 ? "is" : "are");
		}
	}
	sb_free(&missing);
	return n;
}

/* The result slot of check i, ready for the runner; NULL (and the slot
 * marked skipped, with the reason) when a check it depends on did not
 * pass. */
static struct check_result *begin_check(struct ex_report *rep, const struct exercise *ex, size_t i)
{
	const struct ex_check *c = &ex->checks[i];
	struct check_result *cr = &rep->checks[i];
	for (size_t k = 0; k < c->ndeps; k++) {
		int j = exercise_find_check(ex, c->depends_on[k]);
		if (j < 0 || rep->checks[j].status == CHECK_PASSED)
			continue;
		free(cr->message);
		cr->status = CHECK_SKIPPED;
		cr->message = xasprintf("skipped: depends on '%s', which %s", c->depends_on[k],
					rep->checks[j].status == CHECK_SKIPPED ? "was skipped"
									       : "did not pass");
		return NULL;
	}
	free(cr->message);
	cr->message = NULL;
	cr->status = CHECK_ERROR; /* until the runner says otherwise */
	return cr;
}

const struct runner *runner_of(const struct exercise *ex)
{
	/* struct runner begins with its struct ex_kind (runner.h). */
	return (const struct runner *)((const char *)ex->kind_ops - offsetof(struct runner, kind));
}

void grading_message(struct grading *g, const char *fmt, ...)
{
	struct strbuf sb = {0};
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	free(g->message);
	g->message = sb_detach(&sb, NULL);
}

static void record_error(struct grading *g, const char *what)
{
	if (g->rep->error)
		return;
	g->rep->error = g->message ? xasprintf("%s", g->message)
				   : xasprintf("the %s runner failed %s", g->ex->kind, what);
}

/* Marks check i and, transitively, what it depends on as wanted. */
static void want_check(const struct exercise *ex, size_t i, unsigned char *wanted)
{
	if (wanted[i])
		return;
	wanted[i] = 1;
	for (size_t k = 0; k < ex->checks[i].ndeps; k++) {
		int j = exercise_find_check(ex, ex->checks[i].depends_on[k]);
		if (j >= 0)
			want_check(ex, (size_t)j, wanted);
	}
}

/* Which checks run: all of them, or with env->checks the named ones and
 * what they depend on. A heap array of ex->nchecks flags. */
static unsigned char *wanted_checks(const struct exercise *ex, const struct grade_env *env)
{
	unsigned char *wanted = xcalloc(ex->nchecks + 1, 1);
	for (size_t i = 0; i < ex->nchecks; i++)
		wanted[i] = env->nchecks == 0;
	for (size_t k = 0; k < env->nchecks; k++) {
		int i = exercise_find_check(ex, env->checks[k]);
		if (i >= 0)
			want_check(ex, (size_t)i, wanted);
	}
	return wanted;
}

/* The life cycle of runner.h: prepare, one grade_check per check that is
 * to run (in dependency order, skips decided here), finish. */
static int run_checks(struct grading *g)
{
	const struct exercise *ex = g->ex;
	const struct runner *run = runner_of(ex);
	int rc = 0;
	unsigned char *wanted = wanted_checks(ex, g->env);
	int prep = run->prepare ? run->prepare(g) : 0;
	char *prep_msg = NULL;
	if (prep != 0) {
		prep_msg = g->message ? g->message
				      : xasprintf("the %s runner could not prepare the exercise",
						  ex->kind);
		g->message = NULL;
		if (prep < 0) {
			rc = -1;
			g->rep->error = xstrdup(prep_msg);
		} else {
			g->rep->unprepared = xstrdup(prep_msg);
		}
	}
	for (size_t k = 0; k < ex->nchecks; k++) {
		size_t i = ex->check_order[k];
		if (!wanted[i]) {
			free(g->rep->checks[i].message);
			g->rep->checks[i].message = xstrdup("not run: not selected (--check)");
			continue;
		}
		progress_check(g->env->progress, g->env->progress_label, k, ex->nchecks,
			       ex->checks[i].name);
		struct check_result *cr = begin_check(g->rep, ex, i);
		if (!cr)
			continue;
		if (prep == GRADE_PREPARE_FAILED) {
			grade_fail(cr, NULL, "%s", prep_msg);
		} else if (prep != 0) {
			grade_error(cr, "%s", prep_msg);
		} else if (run->grade_check(g, i, cr) < 0) {
			rc = -1;
			record_error(g, "on a check");
			if (cr->status == CHECK_ERROR && !cr->message)
				cr->message = xstrdup(g->rep->error);
		} else if (cr->status == CHECK_ERROR && !cr->message) {
			cr->message =
			    xasprintf("the %s runner gave this check no result", ex->kind);
		}
	}
	if (run->finish)
		run->finish(g);
	free(prep_msg);
	free(wanted);
	return rc;
}

int grade_exercise(const struct exercise *ex, const struct submission *sub,
		   const struct grade_env *env, struct report *r)
{
	double start = now_monotonic();
	struct ex_report *rep = report_add_exercise(r);
	rep->id = xstrdup(ex->id);
	rep->title = xstrdup(ex->title);
	rep->kind = xstrdup(ex->kind);
	rep->digest = xstrdup(ex->digest);
	prefill_checks(rep, ex, env);

	int rc = 0;
	if (require_files(rep, ex, sub) == 0) {
		struct grading g = {.ex = ex, .sub = sub, .env = env, .rep = rep};
		rc = run_checks(&g);
		free(g.message);
	}
	/* The author's hint, for the checks that failed (not for one that was
	 * skipped or that the grader could not run: those are not the
	 * learner's to fix). */
	for (size_t i = 0; i < rep->n && i < ex->nchecks; i++) {
		struct check_result *cr = &rep->checks[i];
		if (cr->status != CHECK_FAILED) {
			free(cr->hint);
			cr->hint = NULL;
		} else if (ex->checks[i].hint) {
			char *h = cr->hint ? xasprintf("%s\n%s", cr->hint, ex->checks[i].hint)
					   : xstrdup(ex->checks[i].hint);
			free(cr->hint);
			cr->hint = h;
		}
	}
	rep->duration_ms = elapsed_ms(start);
	return rc;
}

void grade_sandbox_config(struct sbx_config *cfg, const struct ex_limits *l)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->wall_s = l->wall_s;
	cfg->cpu_s = l->cpu_s;
	cfg->mem_bytes = l->mem_bytes;
	cfg->pids = l->pids;
	cfg->out_bytes = l->out_bytes;
	cfg->fsize_bytes = l->fsize_bytes;
	cfg->tmp_bytes = l->tmp_bytes;
	cfg->slot = -1;
}

/* The last lines of a program's stderr, for messages about crashes. */
static char *stderr_tail(const struct sbx_result *res, int max_lines)
{
	if (!res->err || !res->err_len)
		return NULL;
	size_t end = res->err_len;
	while (end > 0 && res->err[end - 1] == '\n')
		end--;
	size_t start = end;
	int lines = 0;
	while (start > 0 && lines < max_lines) {
		start--;
		if (res->err[start] == '\n')
			lines++;
	}
	if (res->err[start] == '\n')
		start++;
	return match_visible(res->err + start, end - start, 2000);
}

int grade_apply_sandbox(struct check_result *cr, const struct sbx_result *res)
{
	cr->has_resources = 1;
	cr->wall_ms = (long)(res->wall_s * 1000.0 + 0.5);
	cr->cpu_ms = (long)(res->cpu_s * 1000.0 + 0.5);
	cr->peak_kib = res->peak_bytes / 1024;
	free(cr->verdict);
	cr->verdict = xstrdup(sbx_verdict_name(res->verdict));

	char *tail = NULL;
	switch (res->verdict) {
	case SBX_OK:
		return 1;
	case SBX_WALL_TIMEOUT:
		grade_fail(cr, NULL, "timed out after %.1f s of wall time", res->wall_s);
		break;
	case SBX_CPU_TIMEOUT:
		grade_fail(cr, NULL, "used too much CPU time (%.1f s)", res->cpu_s);
		break;
	case SBX_MEMORY_LIMIT:
		grade_fail(cr, NULL, "ran out of memory (peak %.1f MiB)",
			   (double)res->peak_bytes / 1048576.0);
		break;
	case SBX_PROCESS_LIMIT:
		grade_fail(cr, NULL, "started more processes than allowed");
		break;
	case SBX_OUTPUT_LIMIT:
		grade_fail(cr, NULL, "wrote more output than allowed (%s)", res->message);
		break;
	case SBX_SYSCALL_DENIED:
		if (res->refused_total > SBX_REFUSED_CAP)
			grade_fail(cr, NULL,
				   "made more than %d system calls the sandbox refuses (the last: "
				   "%s); a program must not keep calling what fails",
				   SBX_REFUSED_CAP,
				   res->denied_syscall[0] ? res->denied_syscall : "unknown");
		else
			grade_fail(cr, NULL, "made a forbidden system call (%s)",
				   res->denied_syscall[0] ? res->denied_syscall : "unknown");
		break;
	case SBX_RUNTIME_ERROR: {
		/* A stack overflow (deep recursion, a thread's stack too small)
		 * is a SIGSEGV like any bad pointer: say so, with the limit. */
		char stack[160] = "";
		if (res->signal == SIGSEGV || res->signal == SIGBUS) {
			char limit[32] = "unlimited, threads get 2 MiB";
			if (res->stack_bytes)
				snprintf(limit, sizeof limit, "%.1f MiB",
					 (double)res->stack_bytes / 1048576.0);
			snprintf(stack, sizeof stack,
				 ": a bad memory access, or a stack overflow (the stack limit is "
				 "%s, also each thread's default stack)",
				 limit);
		}
		tail = stderr_tail(res, 15);
		grade_fail(cr, NULL, "crashed with signal %d (%s)%s%s%s", res->signal,
			   strsignal(res->signal), stack, tail ? "; stderr ends with:\n" : "",
			   tail ? tail : "");
		free(tail);
		break;
	}
	case SBX_INTERNAL_ERROR:
		grade_error(cr, "the sandbox failed: %s", res->message);
		break;
	}
	return 0;
}

int grade_missing_command(struct check_result *cr, const struct sbx_result *res,
			  const char *argv0)
{
	static const char said[] = "grader-sandbox: cannot execute '";
	if (res->verdict != SBX_OK || (res->exit_code != 126 && res->exit_code != 127) ||
	    !res->err || res->err_len < sizeof said - 1 || memcmp(res->err, said, sizeof said - 1))
		return 0;
	int learners = strchr(argv0, '/') && (argv0[0] != '/' || !strncmp(argv0, "/work/", 6));
	if (learners)
		return 0;
	const char *line = res->err + sizeof said - 1;
	size_t left = res->err_len - (sizeof said - 1);
	const char *end = memchr(line, '\n', left);
	size_t n = end ? (size_t)(end - line) : left;
	const char *why = memmem(line, n, "': ", 3);
	char *reason = why ? match_visible(why + 3, n - (size_t)(why + 3 - line), 200)
			   : xstrdup("it cannot be executed");
	grade_error(cr, "the grading machine cannot run '%s': %s; a program the exercise needs "
		    "is missing there",
		    argv0, reason);
	free(reason);
	return 1;
}

void grade_pass(struct check_result *cr)
{
	cr->status = CHECK_PASSED;
	free(cr->message);
	cr->message = NULL;
}

__attribute__((format(printf, 2, 0))) static void set_message(struct check_result *cr,
							      const char *fmt, va_list ap)
{
	struct strbuf sb = {0};
	sb_vaddf(&sb, fmt, ap);
	free(cr->message);
	cr->message = sb_detach(&sb, NULL);
}

void grade_fail(struct check_result *cr, struct match_diff *diff, const char *fmt, ...)
{
	cr->status = CHECK_FAILED;
	va_list ap;
	va_start(ap, fmt);
	set_message(cr, fmt, ap);
	va_end(ap);
	if (diff) {
		match_diff_free(cr->diff);
		cr->diff = diff;
	}
}

void grade_expectation_hint(struct check_result *cr, const struct matcher *m)
{
	if (!m || !m->hint)
		return;
	free(cr->hint);
	cr->hint = xstrdup(m->hint);
}

void grade_error(struct check_result *cr, const char *fmt, ...)
{
	cr->status = CHECK_ERROR;
	va_list ap;
	va_start(ap, fmt);
	set_message(cr, fmt, ap);
	va_end(ap);
}

void progress_exercise(FILE *out, const char *label)
{
	if (!out || !label)
		return;
	fprintf(out, "\r\033[K%s", label);
	fflush(out);
}

void progress_check(FILE *out, const char *label, size_t i, size_t n, const char *check)
{
	if (!out || !label)
		return;
	fprintf(out, "\r\033[K%s: %zu/%zu %s", label, i + 1, n, check ? check : "");
	fflush(out);
}

void progress_done(FILE *out)
{
	if (!out)
		return;
	fputs("\r\033[K", out);
	fflush(out);
}
