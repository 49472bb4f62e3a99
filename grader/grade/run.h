/*
 * run.h - grading one submission against a course: choosing the
 * exercises, giving them a private scratch space and collecting one
 * report. Shared by `grader grade` and the daemon's workers.
 */
#ifndef GRADER_RUN_H
#define GRADER_RUN_H

#include <stddef.h>
#include <stdio.h>

#include "grader/model/exercise.h"
#include "grader/report/report.h"
#include "grader/submission/submission.h"

struct run_request {
	struct exercise *const *all; /* the course's exercises */
	size_t nall;
	const char *const *ids; /* grade only these (unknown ids are an error) */
	size_t nids;
	const char *const *checks; /* grade only checks of these names (and
				    * what they depend on); an exercise with
				    * none of them is left out; a name no
				    * chosen exercise has is an error */
	size_t nchecks;
	const char *since;      /* Git: only exercises whose folder changed */
	FILE *progress;         /* a TTY for progress lines, or NULL */
};

enum run_status {
	RUN_OK = 0,      /* graded (whatever the results); see report status */
	RUN_USAGE = -1,  /* unknown exercise, nothing to grade, bad --since */
	RUN_INTERNAL = -2,
};

/* Chooses the exercises: the named ones, else those whose submit folder
 * exists in the submission (and, with since, changed). Returns the count
 * and a heap array in *out, or -1 with a message in err. */
long run_select(const struct run_request *rq, const struct submission *sub,
		const struct exercise ***out, char *err, size_t errlen);

/* Selects and grades, filling r (zeroed by the caller; report_free after).
 * An empty selection with since is RUN_OK with no exercises. */
enum run_status run_grade(const struct run_request *rq, const struct submission *sub,
			  struct report *r, char *err, size_t errlen);

#endif
