/*
 * cli.c - helpers shared by the grade, lint and check subcommands.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grader/util/util.h"

static int has_file(const char *dir, const char *name)
{
	char *p = path_join(dir, name);
	struct stat st;
	int ok = stat(p, &st) == 0 && S_ISREG(st.st_mode);
	free(p);
	return ok;
}

int cli_load(const char *dir, struct loaded *out, struct diag *d)
{
	memset(out, 0, sizeof *out);
	if (has_file(dir, "course.yaml")) {
		out->course = course_load(dir, d);
		if (!out->course)
			return -1;
		out->ex = out->course->ex;
		out->n = out->course->n;
		return 0;
	}
	if (has_file(dir, "exercise.yaml")) {
		out->single = exercise_load(dir, d);
		if (!out->single)
			return -1;
		out->ex = &out->single;
		out->n = 1;
		return 0;
	}
	diag_error(d, dir, 0, 0, "neither course.yaml nor exercise.yaml found here");
	return -1;
}

void cli_loaded_free(struct loaded *l)
{
	course_free(l->course);
	exercise_free(l->single);
	memset(l, 0, sizeof *l);
}
