/*
 * cli.h - what the subcommands share: loading "a course or an exercise"
 * from a folder, a private scratch dir, and progress lines on a TTY.
 */
#ifndef GRADER_CLI_H
#define GRADER_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "grader/model/diag.h"
#include "grader/model/exercise.h"

/* A folder holding course.yaml (course set) or exercise.yaml (single set). */
struct loaded {
	struct course *course;
	struct exercise *single;
	struct exercise **ex; /* borrowed from course or single */
	size_t n;
};

/* Loads dir as a course or an exercise. 0, or -1 with diagnostics. */
int cli_load(const char *dir, struct loaded *out, struct diag *d);
void cli_loaded_free(struct loaded *l);

/* Creates a private scratch dir under $TMPDIR (or /tmp). Heap path or
 * NULL with a message in err. Remove with rm_rf. */
char *cli_scratch(char *err, size_t errlen);

/* Progress on a TTY: "\r[2/5] python/fizzbuzz"; no-op when out is NULL. */
void cli_progress(FILE *out, size_t i, size_t n, const char *what);
void cli_progress_done(FILE *out);

#endif
