/*
 * cli.c - helpers shared by the subcommands: loading a course or an
 * exercise, and checking and writing a report's format.
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
	diag_error(d, dir, 0, 0, "%s", CLI_NOT_A_COURSE);
	return -1;
}

int cli_is_course(const char *dir)
{
	return has_file(dir, "course.yaml") || has_file(dir, "exercise.yaml");
}

void cli_loaded_free(struct loaded *l)
{
	course_free(l->course);
	exercise_free(l->single);
	memset(l, 0, sizeof *l);
}

int cli_check_format(const char *cmd, const char *format)
{
	const char **names = report_format_names();
	int known = 0;
	for (size_t i = 0; names[i]; i++)
		known |= !strcmp(names[i], format);
	if (!known) {
		/* every format, after the closest one when a name is near */
		const char *hint = closest_word(format, names);
		char *all = report_format_list(", ");
		fprintf(stderr, "grader %s: unknown format '%s' (%s%s%sthe formats: %s)\n", cmd,
			format, hint ? "did you mean '" : "", hint ? hint : "", hint ? "'? " : "",
			all);
		free(all);
	}
	free(names);
	return known ? 0 : -1;
}

int cli_write_report(const char *cmd, const struct report *r, const char *format,
		     const struct write_opts *wo_in, int color, const char *output)
{
	struct write_opts wo = *wo_in;
	char err[256] = "";
	if (!output) {
		wo.color = color < 0 ? isatty(STDOUT_FILENO) : color;
		int rc = report_write(r, format, &wo, stdout, err, sizeof err);
		if (rc < 0 || fflush(stdout) != 0) {
			fprintf(stderr, "grader %s: cannot write the report: %s\n", cmd,
				err[0] ? err : strerror(errno));
			return -1;
		}
		return 0;
	}
	wo.color = color > 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int rc = mem ? report_write(r, format, &wo, mem, err, sizeof err) : -1;
	if (mem)
		fclose(mem);
	if (rc == 0 && write_file_atomic(output, buf, len) < 0) {
		snprintf(err, sizeof err, "%s: %s", output, strerror(errno));
		rc = -1;
	}
	free(buf);
	if (rc < 0)
		fprintf(stderr, "grader %s: cannot write the report: %s\n", cmd, err);
	return rc;
}

int cli_check_output(const char *cmd, const char *output)
{
	if (!output)
		return 0;
	const char *slash = strrchr(output, '/');
	char *dir = slash ? xstrndup(output, slash == output ? 1 : (size_t)(slash - output))
			  : xstrdup(".");
	struct stat st;
	int ok = stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
	if (!ok)
		fprintf(stderr, "grader %s: --output %s: the folder %s does not exist\n", cmd,
			output, dir);
	free(dir);
	return ok ? 0 : -1;
}
