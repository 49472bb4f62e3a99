/*
 * grade.h - grading one exercise of one submission. grade_exercise drives
 * the exercise's runner through its life cycle (grader/grade/runner.h has
 * the contract: the core owns the check order, depends_on skips, timing,
 * progress, visibility and the report). The grade_* helpers below are how
 * a runner fills one check's result. The CLI and daemon call
 * grade_exercise (or run_grade, grader/grade/run.h, for a whole course).
 */
#ifndef GRADER_GRADE_H
#define GRADER_GRADE_H

#include <stdio.h>
#include <time.h>

#include "sandbox/sandbox.h"
#include "grader/model/exercise.h"
#include "grader/report/report.h"
#include "grader/submission/submission.h"

struct grade_env {
	time_t now;          /* for after_due visibility */
	const char *scratch; /* host dir for temporary work dirs (exists) */
	int verbose;
	FILE *progress;      /* a TTY to show progress on, or NULL */
	const char *progress_label; /* "[2/5] python/fizzbuzz", or NULL */
	const char *const *checks;  /* run only these checks (and what they
				     * depend on); the others stay skipped
				     * as "not selected"; none: all */
	size_t nchecks;
};

/* Grades ex against sub and appends one ex_report to r. Returns 0, or -1
 * for an internal error (the ex_report then has status error). */
int grade_exercise(const struct exercise *ex, const struct submission *sub,
		   const struct grade_env *env, struct report *r);

/* For runners: a sandbox config with the check's limits applied. */
void grade_sandbox_config(struct sbx_config *cfg, const struct ex_limits *l);

/* For runners: records resources and verdict of a sandbox run on cr and,
 * when the verdict is not ok, fails the check with a clear message
 * ("timed out after 2.0 s of wall time", "blocked system call ptrace").
 * Returns 1 when the verdict was ok (the runner goes on to match outputs),
 * 0 when the check has already been failed. */
int grade_apply_sandbox(struct check_result *cr, const struct sbx_result *res);

/* For runners, after grade_apply_sandbox: when the run ended because the
 * sandbox could not execute argv0 (exit 126 or 127 with its "cannot
 * execute" line) and argv0 is the grader's (a name found on PATH, or an
 * absolute path outside /work), a missing dependency of the grading
 * machine: cr becomes the grader's error, never a failed check, and 1 is
 * returned. A program of the learner's that cannot run stays theirs. */
int grade_missing_command(struct check_result *cr, const struct sbx_result *res,
			  const char *argv0);

/* Progress on a TTY: "\r[2/5] python/fizzbuzz" (the label), then per
 * check "[2/5] python/fizzbuzz: 3/4 handles empty input"; no-ops when out
 * is NULL. progress_done clears the line. */
void progress_exercise(FILE *out, const char *label);
void progress_check(FILE *out, const char *label, size_t i, size_t n, const char *check);
void progress_done(FILE *out);

/* For runners: marks cr passed or failed with a message (printf style). */
void grade_pass(struct check_result *cr);
void grade_fail(struct check_result *cr, struct match_diff *diff, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* For runners: after grade_fail for a failed expectation m, gives the
 * check m's author-written hint (if any); the check's own hint is added
 * after it when the exercise is done. */
void grade_expectation_hint(struct check_result *cr, const struct matcher *m);
void grade_error(struct check_result *cr, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
