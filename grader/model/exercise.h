/*
 * exercise.h - the exercise and course model, loaded from YAML.
 *
 * An exercise is a folder holding exercise.yaml; a course is a folder
 * holding course.yaml, which lists its exercises (folder, stage, order,
 * due date, and where each lives in a learner's repository). Loading
 * validates everything common to all kinds and hands the kind-specific
 * parts to the exercise's kind (struct ex_kind below, the loading half of
 * a runner: grader/grade/runner.h).
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

/* A limit written relative to the reference solution's figure
 * ("5x reference"; grader/model/calibration.h). */
struct ex_relative {
	double factor;               /* 0: the limit is absolute */
	const struct yaml_node *at;  /* where it is written */
};

/* Resource limits for the commands of an exercise or check; 0 = default.
 * A relative wall, cpu or memory limit is resolved at load time from the
 * exercise's calibration into wall_s, cpu_s, mem_bytes. */
struct ex_limits {
	double wall_s, cpu_s;
	uint64_t mem_bytes, out_bytes, fsize_bytes, tmp_bytes;
	int pids;
	struct ex_relative wall_rel, cpu_rel, mem_rel;
};

struct ex_check {
	char *name;
	double points;
	enum visibility visibility;
	char **depends_on; /* names of other checks of the same exercise */
	size_t ndeps;
	char *hint;        /* the author's help, shown to a learner when it fails */
	const struct yaml_node *spec; /* the check's YAML map, for the runner */
	struct ex_limits limits;      /* the exercise's, overridden per check */
	void *data;                   /* kind-owned; freed by kind->free */
};

struct exercise;

/*
 * The loading half of an exercise kind: what the model needs to validate
 * a kind's YAML. struct runner (grader/grade/runner.h) begins with one.
 * The model calls the hooks; a kind never loops over checks itself.
 *   load:       the kind-specific YAML of the exercise (spec is the whole
 *               exercise map; the common keys are already checked), kept
 *               in ex->data. 0, or -1 with diagnostics. May be NULL.
 *   load_check: one check's kind-specific YAML (c->spec), kept in
 *               c->data; called for every check after load, also when
 *               load failed, so one run reports every problem.
 *   free_check: releases c->data (also after a failed load_check).
 *   free:       releases ex->data. May be NULL.
 * Problems are reported with their positions (yaml_error).
 */
struct ex_kind {
	const char *name;                 /* "io", "git", ... */
	const char *const *exercise_keys; /* kind-specific top-level keys */
	const char *const *check_keys;    /* kind-specific keys of a check */
	int (*load)(struct exercise *ex, const struct yaml_node *spec, struct diag *d);
	int (*load_check)(const struct exercise *ex, struct ex_check *c, struct diag *d);
	void (*free_check)(struct ex_check *c);
	void (*free)(struct exercise *ex);
};

/* The kinds, read from the one kind table (runners/registry.c): the kind
 * called name or NULL, and a NULL-terminated heap list of the names in
 * table order (for lint messages, --help and the fuzz targets; the caller
 * frees the list, not the names). */
const struct ex_kind *ex_kind_find(const char *name);
const char **ex_kind_names(void);

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
	const struct ex_kind *kind_ops; /* never NULL in a loaded exercise */
	void *data;                     /* kind-owned */
	struct yaml_node *doc;
	char digest[72]; /* "sha256:<hex>" over exercise.yaml and its files */
	char *uncalibrated; /* why relative limits are at their defaults (loaded
			     * for `grader check --calibrate` only), or NULL */
	char *calibrated_reference; /* the solution/ digest its calibration measured
				     * (exercise_solution_digest), or NULL */

	/* Set when loaded as part of a course. */
	int stage, order;
	time_t due;        /* 0: no due date */
	char *submit_path; /* folder in the learner's repository; default id */
};

/* Loads dir/exercise.yaml. Returns NULL after adding every problem of the
 * file to d (all errors at once, each with file:line:column). */
struct exercise *exercise_load(const char *dir, struct diag *d);
void exercise_free(struct exercise *ex);
/* A file of the exercise folder named rel (written at node n): its
 * absolute real path, after checking that rel is a relative path that
 * stays inside the folder (also through links) and names a regular file
 * of at most max bytes. NULL after a positioned diagnostic; what names the
 * file in it ("test file", "setup script"). */
char *exercise_file_path(const struct exercise *ex, const struct yaml_node *n, const char *rel,
			 const char *what, uint64_t max, struct diag *d);
/* The file a {file: PATH} map at n names: exercise_file_path of PATH
 * (what: "file"). NULL after a positioned diagnostic. */
char *exercise_named_file(const struct exercise *ex, const struct yaml_node *n, uint64_t max,
			  struct diag *d);

/* A file the exercise writes into a work dir before a run (io's check
 * `files`, http's `server.files`), held in memory from load time. */
struct ex_file {
	char *name; /* relative path in the work dir */
	char *data;
	size_t len;
};

/* Loads a map NAME: "content" | NAME: {file: PATH} (PATH inside the
 * exercise folder, at most max bytes; NAME relative, never leading out)
 * written at n; what names the key in messages ("'files'"). 0, or -1
 * after positioned diagnostics (every bad entry is reported). */
int exercise_files_load(const struct exercise *ex, const struct yaml_node *n, const char *what,
			uint64_t max, struct ex_file **out, size_t *count, struct diag *d);
void ex_files_free(struct ex_file *f, size_t count);

/* "sha256:<hex>" over the files of a folder (a reference solution's), in
 * path order, dotfiles left out. */
void exercise_solution_digest(const char *dir, char out[72]);

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
/* What a grading of exercises (comma-separated ids; NULL or "" for the
 * whole course) depends on in the course: a digest over those exercises'
 * ids and digests, "sha256:<hex>". A job's key holds it, so the same
 * commit graded after an exercise changed is a new grading, not the old
 * report again. */
void course_grading_digest(const struct course *c, const char *exercises, char out[72]);

/* Parses the 'limits' map into l (starting from the values already in l). */
int ex_limits_from_yaml(struct ex_limits *l, const struct yaml_node *n, struct diag *d);

#endif
