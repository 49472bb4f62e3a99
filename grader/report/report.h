/*
 * report.h - the outcome of grading: per check, per exercise, per run;
 * and the writers that turn it into JSON, text, JUnit XML, Markdown,
 * Gradescope and Exercism results (grader/writers/, one file each).
 *
 * The JSON form is the reference (docs/report-format.md,
 * docs/report.schema.json). Every string in these structs is heap-owned
 * by the struct that holds it; report_free releases a whole report.
 *
 * Audience: a report is built with everything in it; writers redact what
 * the audience may not see. For REPORT_LEARNER a check that is hidden
 * (visibility hidden, or after_due before the due date) keeps its name,
 * status and points but loses its message, input, expected values and diff.
 */
#ifndef GRADER_REPORT_H
#define GRADER_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "grader/model/exercise.h"
#include "grader/match/match.h"
#include "grader/submission/submission.h"

enum check_status { CHECK_PASSED, CHECK_FAILED, CHECK_ERROR, CHECK_SKIPPED };
enum report_status { REPORT_PASSED, REPORT_FAILED, REPORT_ERROR };
enum report_audience { REPORT_LEARNER, REPORT_INSTRUCTOR };

const char *check_status_name(enum check_status s);
const char *report_status_name(enum report_status s);

struct check_result {
	char *name;
	enum check_status status;
	double score, max_score;
	double fraction;   /* set by runners for partial credit, 0..1; -1 = by status */
	enum visibility visibility;
	int hidden;        /* effective: hidden, or after_due before the due date */
	char *message;     /* what happened, for people */
	char *input;       /* what the check fed the program (stdin, args), short */
	char *expected;    /* short description of what was expected */
	struct match_diff *diff;
	int has_resources;
	long wall_ms, cpu_ms;
	uint64_t peak_kib;
	char *verdict;     /* the sandbox verdict name, e.g. "wall-timeout" */
	char *summary;     /* counts a learner may see even when the check is hidden
			    * ("2 of 3 hidden tests failed"): never names or values */
	int task_id;       /* the exercise's task this check belongs to; 0: unset */
	char *hint;        /* the author's hint, for a check that did not pass */
};

struct ex_report {
	char *id, *title, *kind, *digest;
	enum report_status status;
	double score, max_score;
	long duration_ms;
	char *error;   /* the grader could not grade the exercise, or NULL */
	char *missing; /* the learner's files that are missing, said once for the
			* exercise ("missing file x.py in ex/ of the submission"),
			* or NULL; each check then failed without running */
	char *unprepared; /* why prepare failed for a reason the learner can act
			   * on (every check failed with it), or NULL; not written
			   * out: `grader check` reads it */
	struct check_result *checks;
	size_t n, cap;
};

struct report {
	struct submission_info sub; /* copies */
	char *submission_dir;
	struct ex_report *ex;
	size_t n, cap;
	enum report_status status;
	double score, max_score;
	long duration_ms;
	time_t created;
};

/* Appends a zeroed exercise report / check result and returns it. The
 * pointer stays valid until the next append to the same parent. */
struct ex_report *report_add_exercise(struct report *r);
struct check_result *ex_report_add_check(struct ex_report *e);
/* Recomputes exercise and run totals and statuses from the checks. */
void report_finish(struct report *r);
void report_free(struct report *r);

struct write_opts {
	enum report_audience audience;
	int color;  /* text writer: ANSI colours */
	int verbose;
	/* how the learner re-runs one check (report_rerun_command): the
	 * course and submission as `grader grade` was given them; NULL:
	 * COURSE and . */
	const char *rerun_course, *rerun_submission;
};

/* Writes r in the named format (one of the writer table's names:
 * report_format_name). Returns 0, or -1 for an unknown format or a write
 * error (message in err). */
int report_write(const struct report *r, const char *format, const struct write_opts *o,
		 FILE *out, char *err, size_t errlen);
/* The writer table's format names, for --help, diagnostics and tests:
 * a NULL-terminated heap list of them (the caller frees the list, not the
 * names), and all of them joined with sep, as a heap string. Adding a
 * format is one file in writers/ and one table entry in report.c. */
const char **report_format_names(void);
char *report_format_list(const char *sep);

#endif
