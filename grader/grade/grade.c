/*
 * grade.c - grading one exercise of one submission. The core's half of
 * the runner seam: it prepares the report slots, decides which checks are
 * skipped because a dependency did not pass, applies visibility, builds
 * private work dirs from the (hostile) submission and turns sandbox
 * verdicts into check results. Runners do the kind-specific rest.
 */
#include "grade.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner.h"
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

const size_t *grade_order(const struct exercise *ex)
{
	return ex->check_order;
}

static const char *submit_path(const struct exercise *ex)
{
	return ex->submit_path ? ex->submit_path : ex->id;
}

/*
 * Resolves sub->dir/rel without following any symlink on the way: every
 * component must be a real directory of the submission. A learner could
 * otherwise make "python" a link to "/" and have the grader copy host files
 * into the sandbox. Returns a heap path, or NULL with errno set (ENOENT when
 * a component is absent, ELOOP when one is a symlink).
 */
static char *resolve_inside(const char *root, const char *rel)
{
	if (!strcmp(rel, ".") || !*rel)
		return xstrdup(root);
	if (!path_is_contained(rel)) {
		errno = EINVAL;
		return NULL;
	}
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *copy = xstrdup(rel), *save = NULL;
	for (char *part = strtok_r(copy, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		if (!strcmp(part, "."))
			continue;
		int next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		close(fd);
		if (next < 0) {
			free(copy);
			errno = e == ENOTDIR ? ELOOP : e;
			return NULL;
		}
		fd = next;
	}
	close(fd);
	free(copy);
	return path_join(root, rel);
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
	char *base = resolve_inside(sub->dir, submit_path(ex));
	for (size_t i = 0; i < ex->nfiles; i++) {
		struct stat st;
		char *p = base ? path_join(base, ex->files[i]) : NULL;
		if (!p || lstat(p, &st) < 0 || !S_ISREG(st.st_mode)) {
			sb_addf(&missing, "%s%s", n ? ", " : "", ex->files[i]);
			n++;
		}
		free(p);
	}
	free(base);
	if (n) {
		for (size_t i = 0; i < rep->n; i++) {
			struct check_result *cr = &rep->checks[i];
			cr->status = CHECK_FAILED;
			free(cr->message);
			cr->message =
			    xasprintf("missing %s %s in %s/ of the submission",
				      n == 1 ? "file" : "files", missing.buf, submit_path(ex));
		}
	}
	sb_free(&missing);
	return n;
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
	if (require_files(rep, ex, sub) == 0 && ex->runner->grade(ex, sub, env, rep) < 0) {
		if (!rep->error)
			rep->error = xasprintf("the %s runner failed", ex->kind);
		rc = -1;
	}
	rep->duration_ms = elapsed_ms(start);
	return rc;
}

struct check_result *grade_begin_check(struct ex_report *rep, const struct exercise *ex, size_t i)
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

char *grade_make_workdir(const struct exercise *ex, const struct submission *sub,
			 const struct grade_env *env, char *err, size_t errlen)
{
	char *dir = path_join(env->scratch, "work-XXXXXX");
	if (!mkdtemp(dir)) {
		snprintf(err, errlen, "cannot create a work dir under %s: %s", env->scratch,
			 strerror(errno));
		free(dir);
		return NULL;
	}
	char *src = resolve_inside(sub->dir, submit_path(ex));
	if (!src) {
		if (errno == ENOENT)
			return dir; /* nothing submitted: an empty work dir */
		snprintf(err, errlen, "%s/ of the submission %s", submit_path(ex),
			 errno == ELOOP ? "goes through a symbolic link" : strerror(errno));
		rm_rf(dir);
		free(dir);
		return NULL;
	}
	/* copy_tree keeps symlinks as links: inside the sandbox they resolve
	 * within its own root, never to the host's files. */
	int rc = copy_tree(src, dir);
	free(src);
	if (rc < 0) {
		snprintf(err, errlen, "cannot copy the submission: %s", strerror(errno));
		rm_rf(dir);
		free(dir);
		return NULL;
	}
	return dir;
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
		grade_fail(cr, NULL, "made a forbidden system call (%s)",
			   res->denied_syscall[0] ? res->denied_syscall : "unknown");
		break;
	case SBX_RUNTIME_ERROR:
		tail = stderr_tail(res, 15);
		grade_fail(cr, NULL, "crashed with signal %d (%s)%s%s", res->signal,
			   strsignal(res->signal), tail ? "; stderr ends with:\n" : "",
			   tail ? tail : "");
		free(tail);
		break;
	case SBX_INTERNAL_ERROR:
		grade_error(cr, "the sandbox failed: %s", res->message);
		break;
	}
	return 0;
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

void grade_error(struct check_result *cr, const char *fmt, ...)
{
	cr->status = CHECK_ERROR;
	va_list ap;
	va_start(ap, fmt);
	set_message(cr, fmt, ap);
	va_end(ap);
}
