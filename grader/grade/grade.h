/*
 * grade.h - grading one exercise of one submission: the work directory,
 * dependency-aware check order, scoring, and turning sandbox results into
 * check results. Runners call the grade_* helpers; the CLI and daemon
 * call grade_exercise.
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
};

/* Grades ex against sub and appends one ex_report to r. Returns 0, or -1
 * for an internal error (the ex_report then has status error). */
int grade_exercise(const struct exercise *ex, const struct submission *sub,
		   const struct grade_env *env, struct report *r);

/* The order in which to run checks so that dependencies come first:
 * ex->nchecks indexes into ex->checks, computed once by the loader. */
const size_t *grade_order(const struct exercise *ex);

/* For runners: the result slot of check i, filled with its name, points
 * and visibility; NULL (and the slot marked skipped, with the reason)
 * when a check it depends on did not pass. */
struct check_result *grade_begin_check(struct ex_report *rep, const struct exercise *ex,
				       size_t i);

/* For runners: a fresh private work dir under env->scratch holding a copy
 * of the submission's files for ex (its submit_path folder), never
 * following a symlink out of the submission. Heap path, or NULL with err.
 * The caller removes it with rm_rf and frees it. */
char *grade_make_workdir(const struct exercise *ex, const struct submission *sub,
			 const struct grade_env *env, char *err, size_t errlen);

/* For runners: a sandbox config with the check's limits applied. */
void grade_sandbox_config(struct sbx_config *cfg, const struct ex_limits *l);

/* For runners: records resources and verdict of a sandbox run on cr and,
 * when the verdict is not ok, fails the check with a clear message
 * ("timed out after 2.0 s of wall time", "blocked system call ptrace").
 * Returns 1 when the verdict was ok (the runner goes on to match outputs),
 * 0 when the check has already been failed. */
int grade_apply_sandbox(struct check_result *cr, const struct sbx_result *res);

/* For runners: marks cr passed or failed with a message (printf style). */
void grade_pass(struct check_result *cr);
void grade_fail(struct check_result *cr, struct match_diff *diff, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void grade_error(struct check_result *cr, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
