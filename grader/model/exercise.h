/*
 * exercise.h - the exercise and course model, loaded from YAML.
 *
 * An exercise is a folder holding exercise.yaml; a course is a folder
 * holding course.yaml, which lists its exercises (folder, stage, order,
 * due date, and where each lives in a learner's repository). Loading
 * validates everything common to all kinds and hands the kind-specific
 * parts to the exercise's runner (runners/runner.h).
 *
 * Ownership: exercise_load/course_load return trees the caller frees with
 * exercise_free/course_free. Check specs point into the exercise's YAML
 * document, which the exercise owns.
 */
#ifndef GRADER_EXERCISE_H
#define GRADER_EXERCISE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "diag.h"
#include "yaml.h"

enum visibility { VIS_VISIBLE, VIS_HIDDEN, VIS_AFTER_DUE };
const char *visibility_name(enum visibility v);

/* Resource limits for the commands of an exercise or check; 0 = default. */
struct ex_limits {
	double wall_s, cpu_s;
	uint64_t mem_bytes, out_bytes, fsize_bytes, tmp_bytes;
	int pids;
};

struct ex_check {
	char *name;
	double points;
	enum visibility visibility;
	char **depends_on; /* names of other checks of the same exercise */
	size_t ndeps;
	const struct yaml_node *spec; /* the check's YAML map, for the runner */
	struct ex_limits limits;      /* the exercise's, overridden per check */
	void *data;                   /* runner-owned; freed by runner->free */
};

struct runner;

struct exercise {
	char *id, *title, *kind;
	char *dir;  /* the exercise folder (absolute) */
	char *path; /* dir/exercise.yaml */
	double points; /* the sum of check points (or 'points', which must agree) */
	char **files;  /* what the learner must provide, relative paths */
	size_t nfiles;
	struct ex_limits limits;
	struct ex_check *checks;
	size_t nchecks;
	size_t *check_order; /* check indexes, dependencies first (loader computes) */
	const struct runner *runner;
	void *data; /* runner-owned */
	struct yaml_node *doc;
	char digest[72]; /* "sha256:<hex>" over exercise.yaml and its files */

	/* Set when loaded as part of a course. */
	int stage, order;
	time_t due;        /* 0: no due date */
	char *submit_path; /* folder in the learner's repository; default id */
};

/* Loads dir/exercise.yaml. Returns NULL after adding every problem of the
 * file to d (all errors at once, each with file:line:column). */
struct exercise *exercise_load(const char *dir, struct diag *d);
void exercise_free(struct exercise *ex);
/* Index of the check called name, or -1. */
int exercise_find_check(const struct exercise *ex, const char *name);

struct course {
	char *dir, *path, *title;
	struct exercise **ex; /* in course order (stage, then order) */
	size_t n;
	struct yaml_node *doc;
};

/* Loads dir/course.yaml and every exercise it lists. NULL + diagnostics
 * on any error (all exercises are still checked, so one run shows every
 * problem). */
struct course *course_load(const char *dir, struct diag *d);
void course_free(struct course *c);
const struct exercise *course_find(const struct course *c, const char *id);

/* Parses the 'limits' map into l (starting from the values already in l). */
int ex_limits_from_yaml(struct ex_limits *l, const struct yaml_node *n, struct diag *d);

#endif
