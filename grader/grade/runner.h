/*
 * runner.h - one interface for every exercise kind, so the core never
 * switches on kind names. Adding a kind is adding one file in runners/
 * and one entry in runners/registry.c.
 *
 * load:  validates the kind-specific YAML of the exercise (the whole
 *        exercise map is passed as spec; the core has already checked the
 *        common keys) and of each check (ex->checks[i].spec), keeps what
 *        it needs in ex->data / check->data, and reports every problem
 *        with its position. Returns 0, or -1 with diagnostics.
 * grade: runs the checks through sandbox/ and fills rep->checks. For each
 *        check it calls grade_begin_check() (grader/grade.h), which
 *        creates the result and returns NULL when the check must be
 *        skipped (a failed dependency). Returns 0, or -1 for an internal
 *        error (rep->error says what).
 * free:  releases ex->data and every check->data.
 */
#ifndef GRADER_RUNNER_H
#define GRADER_RUNNER_H

#include "grader/model/diag.h"
#include "grader/model/exercise.h"
#include "grader/report/report.h"
#include "grader/submission/submission.h"
#include "grader/model/yaml.h"

struct grade_env;

struct runner {
	const char *kind;                 /* "io", "pytest", "sql", "http", "git", "files" */
	const char *const *exercise_keys; /* kind-specific top-level keys */
	const char *const *check_keys;    /* kind-specific keys of a check */
	int (*load)(struct exercise *ex, const struct yaml_node *spec, struct diag *d);
	int (*grade)(const struct exercise *ex, const struct submission *sub,
		     const struct grade_env *env, struct ex_report *rep);
	void (*free)(struct exercise *ex);
};

/* The runner for a kind, or NULL. */
const struct runner *runner_find(const char *kind);
/* NULL-terminated list of kind names. */
const char *const *runner_kinds(void);

#endif
