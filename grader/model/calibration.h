/*
 * calibration.h - the reference solution's measured figures, stored
 * beside an exercise (DIR/calibration.json, written by `grader check
 * --calibrate`), so its limits can be written relative to them:
 * `limits: { wall: 5x reference }`.
 *
 * The file names the exercise's id and digest (struct exercise's digest,
 * which leaves calibration.json itself out): a calibration made for
 * another version of the exercise is stale. It also names the digest of
 * the reference solution it measured (exercise_solution_digest of
 * solution/), which `grader check` compares: solution/ is not part of the
 * exercise's digest, and a deployed course may not have it. Per check it holds the
 * largest wall time, CPU time and peak memory of the reference's runs
 * (a figure the check's kind does not measure is left out).
 *
 * Loading an exercise with a relative limit reads the file (through
 * beneath_read) and resolves each relative limit to factor x figure, with
 * a floor (CAL_FLOOR_*). No calibration, or a stale one, is a definition
 * error that says to run `grader check --calibrate`, except while that
 * command loads the exercise to measure it (calibration_set_measuring):
 * the relative limits then stay at their defaults.
 */
#ifndef GRADER_CALIBRATION_H
#define GRADER_CALIBRATION_H

#include <stddef.h>

#include "diag.h"

#define CALIBRATION_FILE    "calibration.json"
#define CALIBRATION_MAX     (1u << 20)
#define CALIBRATION_VERSION 1
/* A relative limit is never under these: a 20 ms reference would
 * otherwise give a limit that the start of a process can exceed. */
#define CAL_FLOOR_WALL_S    0.5
#define CAL_FLOOR_CPU_S     0.5
#define CAL_FLOOR_MEM_BYTES (32ull << 20)
/* The factors a relative limit may have. */
#define CAL_FACTOR_MIN 1.0
#define CAL_FACTOR_MAX 1000.0

struct cal_check {
	char *name;
	long long wall_ms, cpu_ms, peak_kib; /* -1: not measured */
};

struct calibration {
	char *exercise; /* the exercise's id */
	char *digest;   /* the exercise's digest when it was measured */
	int digest_line, digest_col;
	char *reference; /* the digest of the solution/ measured, or NULL */
	int runs;       /* how many runs of the reference the figures are the max of */
	struct cal_check *checks;
	size_t n;
};

/* Parses a calibration file's text (name is used in diagnostics: its
 * path). 0, or -1 after positioned diagnostics (every mistake at once);
 * out is filled either way and freed with calibration_free. */
int calibration_parse(const char *name, const char *text, size_t len, struct calibration *out,
		      struct diag *d);
/* The file's text for c (JSON, a newline at the end). Heap string. */
char *calibration_format(const struct calibration *c);
void calibration_free(struct calibration *c);
const struct cal_check *calibration_find(const struct calibration *c, const char *name);

/* A limit written relative to the reference: "5x reference",
 * "2.5 x reference". 1 with *factor set; 0 when s is not written so (it
 * does not end in "reference"); -1 when it ends in "reference" but is not
 * "FACTOR x reference" with FACTOR from CAL_FACTOR_MIN to CAL_FACTOR_MAX. */
int limit_relative_parse(const char *s, double *factor);

/* While on, an exercise whose relative limits have no fresh calibration
 * loads anyway (ex->uncalibrated set, those limits at their defaults):
 * for `grader check --calibrate`, which measures it. */
void calibration_set_measuring(int on);

struct exercise;
/* Resolves ex's relative limits from ex->dir/calibration.json (called by
 * exercise_load once the digest is known, before the kind validates its
 * part against the limits). 0, or -1 after diagnostics. */
int exercise_apply_calibration(struct exercise *ex, struct diag *d);

#endif
