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
#include "grader/report/report.h"

/* A folder holding course.yaml (course set) or exercise.yaml (single set). */
struct loaded {
	struct course *course;
	struct exercise *single;
	struct exercise **ex; /* borrowed from course or single */
	size_t n;
};

/* Loads dir as a course or an exercise. 0, or -1 with diagnostics (a
 * folder holding neither: CLI_NOT_A_COURSE, at the folder). */
int cli_load(const char *dir, struct loaded *out, struct diag *d);
#define CLI_NOT_A_COURSE "neither course.yaml nor exercise.yaml found here"
/* Whether dir holds course.yaml or exercise.yaml: what cli_load loads. */
int cli_is_course(const char *dir);
void cli_loaded_free(struct loaded *l);

/* 0 when format names a report writer; else -1 after telling stderr,
 * with every format ("grader CMD: unknown format 'jsn' (did you mean
 * 'json'? the formats: json, text, ...)"). */
int cli_check_format(const char *cmd, const char *format);

/* 0 when output is NULL or its folder exists; else -1 after telling
 * stderr: a usage error, found before anything is graded. */
int cli_check_output(const char *cmd, const char *output);

/* Writes r in format to stdout, or atomically to output when it is not
 * NULL; color: 1, 0, or -1 for "on a TTY" (stdout only). 0, or -1 after
 * telling stderr ("grader CMD: cannot write the report: ..."). */
int cli_write_report(const char *cmd, const struct report *r, const char *format,
		     const struct write_opts *wo, int color, const char *output);

#endif
