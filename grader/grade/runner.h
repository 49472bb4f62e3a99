/*
 * runner.h - the seam between the grading core and the exercise kinds.
 * The core (grader/grade/grade.c) owns this header and drives every
 * runner through the same life cycle; a runner (one file in runners/, one
 * entry in runners/registry.c) includes it and never the other way round.
 *
 * The life cycle of one grading (one exercise, one submission):
 *
 *   load, load_check
 *               at load time (model/, struct ex_kind): the exercise's
 *               kind-specific YAML into ex->data, then each check's into
 *               ex->checks[i].data, with positions for every problem.
 *   prepare     once per grading, before any check: build a database,
 *               start a server, run a test suite once. Keeps per-grading
 *               state in g->state. May be NULL (nothing to prepare).
 *   grade_check once per check that is to run, in the core's order:
 *               fills the one result cr from the prepared state.
 *   finish      always, once, after the last check, also when prepare
 *               failed or a check returned an error: stop servers, drop
 *               databases, free g->state. May be NULL.
 *   free_check, free
 *               release each check's data, then ex->data.
 *
 * Who owns what:
 *   The core: the report slots (every check listed, hidden ones marked),
 *   the files the learner must provide (missing ones fail every check and
 *   no runner hook runs), the check order (dependencies first), depends_on
 *   skips (grade_check is never called for a check whose dependency did
 *   not pass), a prepare failure turned into every check's result, the
 *   exercise's timing, progress output and visibility. A runner never
 *   loops over checks and never decides whether a check runs.
 *   The runner: the kind's YAML, what prepare/grade_check run (through
 *   sandbox/, with the work-dir toolkit grader/grade/workdir.h), and the
 *   check's status, message, diff, input and expectation, set with the
 *   grade_* helpers of grader/grade/grade.h and the shared matchers.
 *
 * Return values:
 *   prepare:     0 ready; GRADE_PREPARE_FAILED when the submission cannot
 *                be graded at all for a reason the learner can act on
 *                (the history cannot be read, the server never listened):
 *                every check that would run fails with g->message; -1 for
 *                an internal error (g->message says what): those checks
 *                are errors and the exercise's report carries the error.
 *   grade_check: 0 (the result says pass, fail or error); -1 for an
 *                internal error (g->message, or the check's own message),
 *                recorded as the exercise's error; later checks still run.
 */
#ifndef GRADER_RUNNER_H
#define GRADER_RUNNER_H

#include <stddef.h>

#include "grader/grade/grade.h"
#include "grader/model/diag.h"
#include "grader/model/exercise.h"
#include "grader/model/yaml.h"
#include "grader/report/report.h"
#include "grader/submission/submission.h"

#define GRADE_PREPARE_FAILED 1

/* One grading in progress: what the core hands every hook. */
struct grading {
	const struct exercise *ex;
	const struct submission *sub;
	const struct grade_env *env;
	struct ex_report *rep;
	void *state;   /* runner-owned: set by prepare, released by finish */
	char *message; /* heap: why prepare or a check failed (core frees) */
};

/* Sets g->message (printf style), replacing an earlier one. */
void grading_message(struct grading *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct runner {
	struct ex_kind kind; /* name, keys, load(_check), free(_check): the model's */
	int (*prepare)(struct grading *g);
	int (*grade_check)(struct grading *g, size_t check, struct check_result *cr);
	void (*finish)(struct grading *g);
};

/* The runner whose kind ex was loaded with (every loaded exercise has
 * one: its kind_ops is the runner's first member). */
const struct runner *runner_of(const struct exercise *ex);

/* The kind table (runners/registry.c): NULL-terminated, in table order.
 * ex_kind_find and ex_kind_names (model/exercise.h) read the same table. */
extern const struct runner *const runner_table[];

#endif
