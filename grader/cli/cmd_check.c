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
#include "grader/report/report.h"
#include "grader/submission/submission.h"
#include "grader/grade/workdir.h"
#include "grader/util/beneath.h"
#include "grader/util/util.h"

struct check_opts {
	int verbose;
	const char *format; /* of the detailed report printed for surprises */
};

static void check_usage(FILE *out)
{
	fprintf(out,
		"usage: grader check [--verbose] DIR...\n"
		"\n"
		"Self-tests the exercises in each DIR (a course or an exercise folder): the\n"
		"reference solution in solution/ must score full marks, and every known-wrong\n"
		"solution in wrong/NAME/ must not. A solution folder holds the learner's files\n"
		"for the exercise; a folder with make-repo.sh instead builds a Git repository\n"
		"(run as 'sh make-repo.sh DEST' from that folder) that is graded as a Git\n"
		"submission. Prints a table with one row per solution, and warns (on stderr)\n"
		"about a known-wrong solution that loses its points only because it cannot be\n"
		"graded at all (its server never starts...): no check is shown to catch it.\n"
		"\n"
		"Options:\n"
		"  -v, --verbose   print the text report of every solution that breaks its rule\n"
		"  -h, --help      show this help\n"
		"\n"
		"Environment:\n"
		"  GRADER_POSTGRES the PostgreSQL server of sql exercises with engine postgres\n"
		"                  (a libpq connection string; docs/kinds/sql.md)\n"
		"\n"
		"Exit status: 0 every rule holds; 1 a rule breaks (or an exercise has no\n"
		"reference or no known-wrong solution); 2 definition error; 3 internal error.\n");
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
	int broken, internal;
};

static void check_one(const struct exercise *ex, const char *label, const char *soldir,
		      int must_pass, const char *scratch, const struct check_opts *o,
		      struct tally *t)
{
	char err[512] = "";
	struct submission *sub = solution_submission(ex, soldir, scratch, err, sizeof err);
	if (!sub) {
		printf("%-32s %-22s %9s  %-12s %s\n", ex->id, label, "-",
		       must_pass ? "full marks" : "not full", "ERROR");
		fprintf(stderr, "  %s\n", err);
		t->internal++;
		return;
	}
	struct grade_env env = {.now = time(NULL), .scratch = scratch};
	struct report r = {0};
	r.created = env.now;
	grade_exercise(ex, sub, &env, &r);
	report_finish(&r);
	int full = r.status == REPORT_PASSED && r.score >= r.max_score;
	int ok = must_pass ? full : !full;
	char score[32];
	snprintf(score, sizeof score, "%g/%g", r.score, r.max_score);
	printf("%-32s %-22s %9s  %-12s %s\n", ex->id, label, score,
	       must_pass ? "full marks" : "not full", ok ? "ok" : "BROKEN");
	if (!ok)
		t->broken++;
	if (r.status == REPORT_ERROR)
		t->internal++;
	/* A wrong solution that loses its points only because it could not be
	 * graded at all (its server never started...) shows nothing about the
	 * checks: they may pass a broken handler that does start. */
	if (!must_pass && !full && r.n == 1 && r.ex[0].unprepared) {
		const char *why = r.ex[0].unprepared;
		int len = (int)strcspn(why, "\n");
		fflush(stdout);
		fprintf(stderr,
			"  warning: %s scores %g only because it could not be graded at all "
			"(%.*s%s): it shows the exercise refuses that mistake, not that any check "
			"tells a broken solution from a working one\n",
			label, r.score, len > 200 ? 200 : len, why, len > 200 ? "..." : "");
	}
	if ((!ok || r.status == REPORT_ERROR) && o->verbose) {
		struct write_opts wo = {.audience = REPORT_INSTRUCTOR};
		char werr[128];
		report_write(&r, "text", &wo, stdout, werr, sizeof werr);
	}
	report_free(&r);
	submission_free(sub);
}

static void check_exercise(const struct exercise *ex, const char *scratch,
			   const struct check_opts *o, struct tally *t)
{
	char *sol = path_join(ex->dir, "solution");
	if (exists_dir(sol)) {
		check_one(ex, "solution", sol, 1, scratch, o, t);
	} else {
		printf("%-32s %-22s %9s  %-12s %s\n", ex->id, "solution", "-", "full marks",
		       "MISSING");
		t->broken++;
	}
	free(sol);
	char **wrong = NULL;
	size_t n = wrong_solutions(ex, &wrong);
	if (n == 0) {
		printf("%-32s %-22s %9s  %-12s %s\n", ex->id, "wrong/*", "-", "not full",
		       "MISSING");
		t->broken++;
	}
	for (size_t i = 0; i < n; i++) {
		char *label = xasprintf("wrong/%s", wrong[i]);
		char *dir = path_join(ex->dir, label);
		check_one(ex, label, dir, 0, scratch, o, t);
		free(dir);
		free(label);
		free(wrong[i]);
	}
	free(wrong);
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct check_opts o = {0};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			o.verbose = 1;
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
		rm_rf(scratch);
		free(scratch);
		cli_loaded_free(&l);
	}
	if (usage)
		return EXIT_USAGE;
	printf("%s: %d rule%s broken%s\n", t.broken ? "FAILED" : "ok", t.broken,
	       t.broken == 1 ? "" : "s", t.internal ? ", with internal errors" : "");
	if (t.internal && !t.broken)
		return EXIT_INTERNAL;
	return t.broken ? EXIT_FAILED : EXIT_OK;
}
