/*
 * cmd_check.c - `grader check DIR...`: self-tests exercises. Each
 * exercise's reference solution (solution/) must score full marks and
 * each known-wrong solution (wrong/NAME/) must not. A solution is either
 * a folder of the learner's files for that exercise, or, for exercises
 * about history, a script make-repo.sh that builds a Git repository in
 * the folder it is given (then graded as a Git submission).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "grader/grade/grade.h"
#include "grader/model/calibration.h"
#include "grader/report/report.h"
#include "grader/submission/submission.h"
#include "grader/grade/workdir.h"
#include "grader/util/beneath.h"
#include "grader/util/util.h"

struct check_opts {
	int verbose;
	int repeat;    /* runs of each reference */
	int calibrate; /* store the reference's figures first */
};

static void check_usage(FILE *out)
{
	fprintf(out,
		"usage: grader check [--verbose] [--repeat N] [--calibrate] DIR...\n"
		"\n"
		"Self-tests the exercises in each DIR (a course or an exercise folder): the\n"
		"reference solution in solution/ must score full marks, and every known-wrong\n"
		"solution in wrong/NAME/ must not. A solution folder holds the learner's files\n"
		"for the exercise; a folder with make-repo.sh instead builds a Git repository\n"
		"(run as 'sh make-repo.sh DEST' from that folder) that is graded as a Git\n"
		"submission. Prints a table with one row per solution and, under the\n"
		"reference's row, each measured check's wall time, CPU time and peak memory.\n"
		"\n"
		"Warns (on stderr; warnings do not change the exit status) about:\n"
		"  - a check whose wall, cpu or memory limit is under 3x what the reference\n"
		"    needed (its largest figure over the runs);\n"
		"  - a reference other than the one calibration.json measured;\n"
		"  - a known-wrong solution whose failing checks all hit a time limit\n"
		"    (wall-timeout, cpu-timeout): a faster machine may pass it;\n"
		"  - a known-wrong solution that loses its points only because it cannot be\n"
		"    graded at all (its server never starts...): no check is shown to catch it.\n"
		"\n"
		"Options:\n"
		"  -v, --verbose   print the text report of every solution that breaks its rule\n"
		"  --repeat N      grade each reference N times (1 to 1000; default 1); a check\n"
		"                  that passes in some runs and not others is flaky (exit 1);\n"
		"                  the wall time shows the median, min and max of the runs\n"
		"  --calibrate     first measure each reference (N runs with --repeat) and\n"
		"                  write its figures per check, the largest of the runs, to\n"
		"                  calibration.json in the exercise's folder: limits written\n"
		"                  as 'wall: 5x reference' (also cpu, memory) are resolved from\n"
		"                  it; then check as usual, with those limits. Nothing is\n"
		"                  written for a reference without full marks in every run\n"
		"  -h, --help      show this help\n"
		"\n"
		"Environment:\n"
		"  GRADER_POSTGRES the PostgreSQL server of sql exercises with engine postgres\n"
		"                  (a libpq connection string; docs/kinds/sql.md)\n"
		"\n"
		"Exit status: 0 every rule holds; 1 a rule breaks (or an exercise has no\n"
		"reference or no known-wrong solution, or a check is flaky); 2 definition\n"
		"error (a relative limit without a fresh calibration.json among them: run\n"
		"grader check --calibrate DIR); 3 internal error.\n");
}

static int exists_dir(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int exists_file(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the folders in ex->dir/wrong, sorted. */
static size_t wrong_solutions(const struct exercise *ex, char ***out)
{
	char *dir = path_join(ex->dir, "wrong");
	DIR *d = opendir(dir);
	char **v = NULL;
	size_t n = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *p = path_join(dir, e->d_name);
		if (exists_dir(p)) {
			v = xrealloc(v, (n + 1) * sizeof *v);
			v[n++] = xstrdup(e->d_name);
		}
		free(p);
	}
	if (d)
		closedir(d);
	free(dir);
	if (n)
		qsort(v, n, sizeof *v, cmp_str);
	*out = v;
	return n;
}

/* Runs make-repo.sh of a solution to build a repository in dest. */
static int make_repo(const char *soldir, const char *dest, char *err, size_t errlen)
{
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (chdir(soldir) < 0)
			_exit(127);
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execl("/bin/sh", "sh", "make-repo.sh", dest, (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "%s/make-repo.sh failed (status %d)", soldir,
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return -1;
	}
	return 0;
}

/* Builds the submission a solution folder stands for. */
static struct submission *solution_submission(const struct exercise *ex, const char *soldir,
					      const char *scratch, char *err, size_t errlen)
{
	char *root = path_join(scratch, "sub-XXXXXX");
	if (!mkdtemp(root)) {
		snprintf(err, errlen, "mkdtemp: %s", strerror(errno));
		free(root);
		return NULL;
	}
	struct submission *s = NULL;
	char *script = path_join(soldir, "make-repo.sh");
	if (exists_file(script)) {
		char *repo = path_join(root, "repo");
		char *state = path_join(root, "state");
		if (make_repo(soldir, repo, err, errlen) == 0)
			s = submission_open_git(repo, NULL, NULL, state, err, errlen);
		free(repo);
		free(state);
	} else {
		const char *sp = ex->submit_path ? ex->submit_path : ex->id;
		char *dest = path_join(root, sp);
		if (strcmp(sp, ".") && mkdir_p(dest) < 0)
			snprintf(err, errlen, "%s: %s", dest, strerror(errno));
		else if (beneath_copy_path(soldir, dest) < 0)
			snprintf(err, errlen, "copying %s: %s", soldir, strerror(errno));
		else
			s = submission_from_dir(root, err, errlen);
		free(dest);
	}
	free(script);
	free(root); /* the scratch dir is removed as a whole by the caller */
	return s;
}

struct tally {
	int broken, internal, flaky;
};

/* A check's limit is to be at least this many times the reference's
 * figure, or `grader check` warns. */
#define LIMIT_MARGIN 3.0

/* Grades one solution folder into r (an empty report). 0, or -1 with the
 * reason in err when its submission could not even be made. */
static int grade_solution(const struct exercise *ex, const char *soldir, const char *scratch,
			  struct report *r, char *err, size_t errlen)
{
	struct submission *sub = solution_submission(ex, soldir, scratch, err, errlen);
	if (!sub)
		return -1;
	struct grade_env env = {.now = time(NULL), .scratch = scratch};
	r->created = env.now;
	grade_exercise(ex, sub, &env, r);
	report_finish(r);
	submission_free(sub);
	return 0;
}

static int full_marks(const struct report *r)
{
	return r->status == REPORT_PASSED && r->score >= r->max_score;
}

static void print_row(const struct exercise *ex, const char *label, const char *score,
		      int must_pass, const char *result)
{
	printf("%-32s %-22s %9s  %-12s %s\n", ex->id, label, score,
	       must_pass ? "full marks" : "not full", result);
}

static void print_details(const struct report *r)
{
	struct write_opts wo = {.audience = REPORT_INSTRUCTOR};
	char werr[128];
	report_write(r, "text", &wo, stdout, werr, sizeof werr);
}

/* "350 ms", "1.40 s" */
static const char *fmt_ms(long long ms, char *buf, size_t n)
{
	if (ms < 1000)
		snprintf(buf, n, "%lld ms", ms);
	else
		snprintf(buf, n, "%.2f s", (double)ms / 1000.0);
	return buf;
}

static const char *fmt_kib(double kib, char *buf, size_t n)
{
	snprintf(buf, n, "%.1f MiB", kib / 1024.0);
	return buf;
}

/* The reference's runs: per check, how many passed and each run's figures
 * (-1: the run measured none). */
struct ref_runs {
	int runs, done;
	size_t n;          /* checks */
	int *passed;       /* [check] */
	long long *fig[3]; /* wall_ms, cpu_ms, peak_kib: [check * runs + run] */
	int full;          /* runs with full marks */
	char score[32];    /* of the first run without full marks, else of the last */
	struct report first_bad; /* its report, for --verbose */
	int has_bad, error;
};

static void ref_runs_init(struct ref_runs *rr, const struct exercise *ex, int runs)
{
	memset(rr, 0, sizeof *rr);
	rr->runs = runs;
	rr->n = ex->nchecks;
	rr->passed = xcalloc(rr->n ? rr->n : 1, sizeof *rr->passed);
	for (int f = 0; f < 3; f++)
		rr->fig[f] = xcalloc(rr->n * (size_t)runs + 1, sizeof *rr->fig[f]);
}

static void ref_runs_free(struct ref_runs *rr)
{
	free(rr->passed);
	for (int f = 0; f < 3; f++)
		free(rr->fig[f]);
	if (rr->has_bad)
		report_free(&rr->first_bad);
}

static void ref_runs_add(struct ref_runs *rr, struct report *r)
{
	int run = rr->done++;
	const struct ex_report *e = r->n ? &r->ex[0] : NULL;
	for (size_t i = 0; i < rr->n; i++) {
		const struct check_result *cr = e && i < e->n ? &e->checks[i] : NULL;
		if (cr && cr->status == CHECK_PASSED)
			rr->passed[i]++;
		int has = cr && cr->has_resources;
		size_t at = i * (size_t)rr->runs + (size_t)run;
		rr->fig[0][at] = has ? cr->wall_ms : -1;
		rr->fig[1][at] = has ? cr->cpu_ms : -1;
		rr->fig[2][at] = has ? (long long)cr->peak_kib : -1;
	}
	if (r->status == REPORT_ERROR)
		rr->error = 1;
	int full = full_marks(r);
	rr->full += full;
	if (!rr->has_bad)
		snprintf(rr->score, sizeof rr->score, "%g/%g", r->score, r->max_score);
	if (!full && !rr->has_bad) {
		rr->first_bad = *r;
		rr->has_bad = 1;
		memset(r, 0, sizeof *r);
		return;
	}
	report_free(r);
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

/* Check i's figure f over the runs that measured it, sorted into v; the
 * number of them. */
static size_t ref_figures(const struct ref_runs *rr, size_t i, int f, long long *v)
{
	size_t n = 0;
	for (int run = 0; run < rr->done; run++) {
		long long x = rr->fig[f][i * (size_t)rr->runs + (size_t)run];
		if (x >= 0)
			v[n++] = x;
	}
	qsort(v, n, sizeof *v, cmp_ll);
	return n;
}

/* The largest figure f of check i over the runs, or -1. */
static long long ref_max(const struct ref_runs *rr, size_t i, int f)
{
	long long *v = xcalloc((size_t)rr->runs, sizeof *v);
	size_t n = ref_figures(rr, i, f, v);
	long long m = n ? v[n - 1] : -1;
	free(v);
	return m;
}

/* Runs the reference o->repeat times. 0, or -1 after printing its row
 * when a run could not be graded at all. */
static int run_reference(const struct exercise *ex, const char *sol, const char *scratch,
			 int runs, struct ref_runs *rr, struct tally *t)
{
	ref_runs_init(rr, ex, runs);
	for (int run = 0; run < runs; run++) {
		char err[512] = "";
		struct report r = {0};
		if (grade_solution(ex, sol, scratch, &r, err, sizeof err) != 0) {
			print_row(ex, "solution", "-", 1, "ERROR");
			fprintf(stderr, "  %s\n", err);
			t->internal++;
			return -1;
		}
		ref_runs_add(rr, &r);
	}
	return 0;
}

/* One line per measured check: its wall time (with the spread over the
 * runs when there are several), CPU time and peak memory (the largest). */
static void print_figures(const struct exercise *ex, const struct ref_runs *rr)
{
	long long *v = xcalloc((size_t)rr->runs, sizeof *v);
	for (size_t i = 0; i < rr->n; i++) {
		size_t n = ref_figures(rr, i, 0, v);
		if (!n)
			continue;
		char a[32], b[32], c[32], m[32];
		printf("  check '%s': wall %s", ex->checks[i].name, fmt_ms(v[(n - 1) / 2], a, sizeof a));
		if (rr->done > 1)
			printf(" (median of %d runs; min %s, max %s)", rr->done,
			       fmt_ms(v[0], b, sizeof b), fmt_ms(v[n - 1], c, sizeof c));
		long long cpu = ref_max(rr, i, 1), kib = ref_max(rr, i, 2);
		if (cpu >= 0)
			printf(", cpu %s", fmt_ms(cpu, a, sizeof a));
		if (kib >= 0)
			printf(", peak %s", fmt_kib((double)kib, m, sizeof m));
		printf("\n");
	}
	free(v);
}

/* Warns about a limit under LIMIT_MARGIN times what the reference needed
 * (its largest figure over the runs). */
static void warn_tight_limits(const struct exercise *ex, const struct ref_runs *rr)
{
	static const char *const what[] = {"wall", "cpu", "memory"};
	for (size_t i = 0; i < rr->n; i++) {
		const struct ex_limits *l = &ex->checks[i].limits;
		const struct ex_relative *rel[] = {&l->wall_rel, &l->cpu_rel, &l->mem_rel};
		double limit[] = {l->wall_s, l->cpu_s, (double)l->mem_bytes / 1024.0};
		for (int f = 0; f < 3; f++) {
			long long ref = ref_max(rr, i, f);
			if (limit[f] <= 0 || ref <= 0)
				continue;
			double refv = f < 2 ? (double)ref / 1000.0 : (double)ref; /* s or KiB */
			double ratio = limit[f] / refv;
			if (ratio >= LIMIT_MARGIN)
				continue;
			char lim[48], need[32], low[48], factor[32] = "";
			if (rel[f]->factor > 0)
				snprintf(factor, sizeof factor, " (%gx reference)", rel[f]->factor);
			if (f < 2) {
				snprintf(lim, sizeof lim, "%g s", limit[f]);
				fmt_ms(ref, need, sizeof need);
				fmt_ms((long long)ceil((double)ref * LIMIT_MARGIN), low, sizeof low);
			} else {
				fmt_kib(limit[f], lim, sizeof lim);
				fmt_kib(refv, need, sizeof need);
				fmt_kib(refv * LIMIT_MARGIN, low, sizeof low);
			}
			if (rel[f]->factor > 0) /* the figures moved since the calibration */
				snprintf(low, sizeof low, "%gx reference",
					 ceil(rel[f]->factor * LIMIT_MARGIN / ratio));
			fflush(stdout);
			fprintf(stderr,
				"  warning: check '%s': %s limit %s%s is %.1fx the reference's "
				"%s%s: a slower machine may fail correct solutions; raise it to at "
				"least %s\n",
				ex->checks[i].name, what[f], lim, factor, floor(ratio * 10) / 10,
				f == 2 ? "peak " : "", need, low);
		}
	}
}

/* The exercise's relative limits come from a calibration of another
 * solution/ than the one here (solution/ is not in the exercise's digest,
 * so loading cannot tell). */
static void warn_new_reference(const struct exercise *ex, const char *sol)
{
	char now[72];
	if (!ex->calibrated_reference)
		return;
	exercise_solution_digest(sol, now);
	if (!strcmp(now, ex->calibrated_reference))
		return;
	fflush(stdout);
	fprintf(stderr,
		"  warning: %s/%s measured another solution/ than this one: the limits "
		"written as 'Nx reference' may no longer fit it; run 'grader check --calibrate "
		"%s'\n",
		ex->dir, CALIBRATION_FILE, ex->dir);
}

/* Reports the checks whose outcome changed between the runs. */
static void report_flaky(const struct exercise *ex, const struct ref_runs *rr, struct tally *t)
{
	for (size_t i = 0; i < rr->n; i++) {
		if (rr->passed[i] == 0 || rr->passed[i] == rr->done)
			continue;
		printf("  check '%s' is flaky: passed %d of %d runs\n", ex->checks[i].name,
		       rr->passed[i], rr->done);
		t->flaky++;
	}
}

/* Writes the reference's figures (the largest of the runs) beside the
 * exercise. 0, or -1 after a message. */
static int write_calibration(const struct exercise *ex, const char *sol, const struct ref_runs *rr)
{
	if (rr->full < rr->done) {
		fprintf(stderr,
			"  error: %s not calibrated: its reference scored full marks in %d of %d "
			"runs, and only a correct run's figures can set limits\n",
			ex->id, rr->full, rr->done);
		return -1;
	}
	char ref[72];
	exercise_solution_digest(sol, ref);
	struct calibration cal = {.exercise = ex->id, .digest = (char *)ex->digest,
				  .reference = ref, .runs = rr->done, .n = rr->n};
	cal.checks = xcalloc(rr->n ? rr->n : 1, sizeof *cal.checks);
	for (size_t i = 0; i < rr->n; i++) {
		cal.checks[i].name = ex->checks[i].name;
		cal.checks[i].wall_ms = ref_max(rr, i, 0);
		cal.checks[i].cpu_ms = ref_max(rr, i, 1);
		cal.checks[i].peak_kib = ref_max(rr, i, 2);
	}
	char *text = calibration_format(&cal);
	free(cal.checks);
	int rc = beneath_write(ex->dir, CALIBRATION_FILE, text, strlen(text), 0644);
	free(text);
	if (rc != 0) {
		fprintf(stderr, "  error: cannot write %s/%s: %s\n", ex->dir, CALIBRATION_FILE,
			beneath_strerror(errno));
		return -1;
	}
	printf("  calibrated: %s/%s (the largest figures of %d run%s)\n", ex->dir,
	       CALIBRATION_FILE, rr->done, rr->done == 1 ? "" : "s");
	return 0;
}

static void check_reference(const struct exercise *ex, const char *sol, const char *scratch,
			    const struct check_opts *o, struct tally *t)
{
	struct ref_runs rr;
	if (run_reference(ex, sol, scratch, o->repeat, &rr, t) != 0) {
		ref_runs_free(&rr);
		return;
	}
	const char *result = rr.full == rr.done ? "ok" : rr.full ? "FLAKY" : "BROKEN";
	print_row(ex, "solution", rr.score, 1, result);
	if (rr.full < rr.done)
		t->broken++;
	if (rr.error)
		t->internal++;
	print_figures(ex, &rr);
	report_flaky(ex, &rr, t);
	warn_tight_limits(ex, &rr);
	warn_new_reference(ex, sol);
	if (rr.has_bad && o->verbose)
		print_details(&rr.first_bad);
	ref_runs_free(&rr);
}

/* A wrong solution whose failing checks all failed by hitting a time
 * limit: only the machine's speed may tell it from a right one. */
static int fails_only_by_time(const struct report *r)
{
	if (r->n != 1)
		return 0;
	size_t failing = 0;
	for (size_t i = 0; i < r->ex[0].n; i++) {
		const struct check_result *cr = &r->ex[0].checks[i];
		if (cr->status == CHECK_PASSED || cr->status == CHECK_SKIPPED)
			continue;
		if (!cr->verdict ||
		    (strcmp(cr->verdict, "wall-timeout") && strcmp(cr->verdict, "cpu-timeout")))
			return 0;
		failing++;
	}
	return failing > 0;
}

static void check_wrong(const struct exercise *ex, const char *label, const char *soldir,
			const char *scratch, const struct check_opts *o, struct tally *t)
{
	char err[512] = "";
	struct report r = {0};
	if (grade_solution(ex, soldir, scratch, &r, err, sizeof err) != 0) {
		print_row(ex, label, "-", 0, "ERROR");
		fprintf(stderr, "  %s\n", err);
		t->internal++;
		return;
	}
	int full = full_marks(&r);
	char score[32];
	snprintf(score, sizeof score, "%g/%g", r.score, r.max_score);
	print_row(ex, label, score, 0, full ? "BROKEN" : "ok");
	if (full)
		t->broken++;
	if (r.status == REPORT_ERROR)
		t->internal++;
	/* A wrong solution that loses its points only because it could not be
	 * graded at all (its server never started...) shows nothing about the
	 * checks: they may pass a broken handler that does start. */
	if (!full && r.n == 1 && r.ex[0].unprepared) {
		const char *why = r.ex[0].unprepared;
		int len = (int)strcspn(why, "\n");
		fflush(stdout);
		fprintf(stderr,
			"  warning: %s scores %g only because it could not be graded at all "
			"(%.*s%s): it shows the exercise refuses that mistake, not that any check "
			"tells a broken solution from a working one\n",
			label, r.score, len > 200 ? 200 : len, why, len > 200 ? "..." : "");
	} else if (!full && fails_only_by_time(&r)) {
		fflush(stdout);
		fprintf(stderr,
			"  warning: %s fails only by timing out: on a faster machine it may "
			"pass\n",
			label);
	}
	if ((full || r.status == REPORT_ERROR) && o->verbose)
		print_details(&r);
	report_free(&r);
}

static void check_exercise(const struct exercise *ex, const char *scratch,
			   const struct check_opts *o, struct tally *t)
{
	char *sol = path_join(ex->dir, "solution");
	if (exists_dir(sol)) {
		check_reference(ex, sol, scratch, o, t);
	} else {
		print_row(ex, "solution", "-", 1, "MISSING");
		t->broken++;
	}
	free(sol);
	char **wrong = NULL;
	size_t n = wrong_solutions(ex, &wrong);
	if (n == 0) {
		print_row(ex, "wrong/*", "-", 0, "MISSING");
		t->broken++;
	}
	for (size_t i = 0; i < n; i++) {
		char *label = xasprintf("wrong/%s", wrong[i]);
		char *dir = path_join(ex->dir, label);
		check_wrong(ex, label, dir, scratch, o, t);
		free(dir);
		free(label);
		free(wrong[i]);
	}
	free(wrong);
}

/* --calibrate: measures each exercise's reference and stores its figures.
 * The exercises are loaded with calibration_set_measuring, so relative
 * limits without figures yet stay at their defaults meanwhile. */
static void calibrate_dir(const char *dir, const struct check_opts *o, struct tally *t)
{
	struct diag d = {0};
	struct loaded l;
	calibration_set_measuring(1);
	int rc = cli_load(dir, &l, &d);
	calibration_set_measuring(0);
	diag_print(&d, stderr);
	diag_free(&d);
	if (rc < 0)
		return; /* the checking pass reports it again, and exits 2 */
	char err[256];
	char *scratch = workdir_scratch(err, sizeof err);
	if (!scratch) {
		fprintf(stderr, "grader check: %s\n", err);
		t->internal++;
		cli_loaded_free(&l);
		return;
	}
	for (size_t k = 0; k < l.n; k++) {
		const struct exercise *ex = l.ex[k];
		char *sol = path_join(ex->dir, "solution");
		printf("calibrating %s: %d run%s of solution/%s%s%s\n", ex->id, o->repeat,
		       o->repeat == 1 ? "" : "s", ex->uncalibrated ? " (" : "",
		       ex->uncalibrated ? ex->uncalibrated : "", ex->uncalibrated ? ")" : "");
		fflush(stdout);
		struct ref_runs rr;
		if (!exists_dir(sol)) {
			fprintf(stderr, "  error: %s has no solution/ to measure\n", ex->id);
			t->broken++;
		} else if (run_reference(ex, sol, scratch, o->repeat, &rr, t) == 0) {
			/* a flaky check is reported by the checking pass that follows */
			if (write_calibration(ex, sol, &rr) != 0)
				t->broken++;
			ref_runs_free(&rr);
		} else {
			ref_runs_free(&rr);
		}
		free(sol);
	}
	workdir_scratch_remove(scratch);
	cli_loaded_free(&l);
}

int cmd_check(int argc, char **argv)
{
	enum { OPT_REPEAT = 256, OPT_CALIBRATE };
	static const struct option opts[] = {
		{"verbose", no_argument, NULL, 'v'},
		{"repeat", required_argument, NULL, OPT_REPEAT},
		{"calibrate", no_argument, NULL, OPT_CALIBRATE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct check_opts o = {.repeat = 1};
	int c;
	char *end;
	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			o.verbose = 1;
			break;
		case OPT_REPEAT:
			errno = 0;
			long n = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || n < 1 || n > 1000) {
				fprintf(stderr,
					"grader check: --repeat takes a number of runs from 1 to "
					"1000, not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			o.repeat = (int)n;
			break;
		case OPT_CALIBRATE:
			o.calibrate = 1;
			break;
		case 'h':
			check_usage(stdout);
			return EXIT_OK;
		default:
			check_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "grader check: name a course or exercise folder\n");
		check_usage(stderr);
		return EXIT_USAGE;
	}
	struct tally t = {0};
	int usage = 0;
	int header = 0;
	for (int i = optind; i < argc; i++) {
		if (o.calibrate)
			calibrate_dir(argv[i], &o, &t);
		struct diag d = {0};
		struct loaded l;
		int rc = cli_load(argv[i], &l, &d);
		diag_print(&d, stderr);
		diag_free(&d);
		if (rc < 0) {
			usage = 1;
			continue;
		}
		char err[256];
		char *scratch = workdir_scratch(err, sizeof err);
		if (!scratch) {
			fprintf(stderr, "grader check: %s\n", err);
			cli_loaded_free(&l);
			return EXIT_INTERNAL;
		}
		if (!header++)
			printf("%-32s %-22s %9s  %-12s %s\n", "EXERCISE", "SOLUTION", "SCORE",
			       "EXPECTED", "RESULT");
		fflush(stdout);
		for (size_t k = 0; k < l.n; k++)
			check_exercise(l.ex[k], scratch, &o, &t);
		workdir_scratch_remove(scratch);
		cli_loaded_free(&l);
	}
	if (usage)
		return EXIT_USAGE;
	printf("%s: %d rule%s broken", t.broken || t.flaky ? "FAILED" : "ok", t.broken,
	       t.broken == 1 ? "" : "s");
	if (t.flaky)
		printf(", %d flaky check%s", t.flaky, t.flaky == 1 ? "" : "s");
	printf("%s\n", t.internal ? ", with internal errors" : "");
	if (t.internal && !t.broken && !t.flaky)
		return EXIT_INTERNAL;
	return t.broken || t.flaky ? EXIT_FAILED : EXIT_OK;
}
