/*
 * cli.h - what the subcommands share: loading "a course or an exercise"
 * from a folder (the scratch dir and progress lines are the core's:
 * grader/grade/workdir.h, grader/grade/grade.h).
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

#endif
