/*
 * cmd_report.c - `grader report`: reads a stored JSON report (what
 * `grader grade` wrote, or the daemon's reports_dir and API) and writes it
 * again in any of the writers' formats and for either audience: a text
 * report for a person, Markdown for a CI job summary, JUnit XML for a CI
 * test view. Nothing is graded again.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "grader/report/report.h"
#include "grader/report/writers/writers.h"
#include "grader/util/utf8.h"
#include "grader/util/util.h"

#define REPORT_MAX_BYTES (64u << 20)

static void report_usage(FILE *out)
{
	char *formats = report_format_list(", ");
	fprintf(out,
		"usage: grader report [options] REPORT.json\n"
		"\n"
		"Writes a stored JSON report (grader.report/1: what 'grader grade' wrote, or\n"
		"the daemon's reports_dir and API) in another format, without grading again.\n"
		"REPORT.json may be - for standard input.\n"
		"\n"
		"Options:\n"
		"  -f, --format F         one of: %s\n"
		"                         (default: text; docs/report-format.md: the\n"
		"                         specification each external format follows)\n"
		"  -o, --output FILE      write to FILE (atomically) not stdout\n"
		"      --audience A       learner (default: hidden checks redacted) or\n"
		"                         instructor (everything the stored report holds; a\n"
		"                         learner's report holds no hidden details to show)\n"
		"      --color, --no-color  colours in the text format (default: on a TTY)\n"
		"  -v, --verbose          text format: the checks that passed with their\n"
		"                         input too (failed checks always show theirs)\n"
		"  -c, --course DIR       the course folder the text and markdown formats\n"
		"                         name in the command that re-runs a failed check\n"
		"                         (default: COURSE)\n"
		"  -h, --help             show this help\n"
		"\n"
		"Exit status: 0 the report says passed; 1 it says failed; 2 usage error, or\n"
		"a file that is not a grader report (where and what is wrong on stderr);\n"
		"3 the report says error, or it cannot be written.\n",
		formats);
	free(formats);
}

struct report_opts {
	const char *format, *output, *input, *course;
	enum report_audience audience;
	int color, verbose;
};

static int parse_report_args(int argc, char **argv, struct report_opts *o)
{
	enum { OPT_AUDIENCE = 256, OPT_COLOR, OPT_NOCOLOR };
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"course", required_argument, NULL, 'c'},
	    {"audience", required_argument, NULL, OPT_AUDIENCE},
	    {"color", no_argument, NULL, OPT_COLOR},
	    {"no-color", no_argument, NULL, OPT_NOCOLOR},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:c:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->format = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'c':
			o->course = optarg;
			break;
		case OPT_AUDIENCE:
			if (!strcmp(optarg, "learner")) {
				o->audience = REPORT_LEARNER;
			} else if (!strcmp(optarg, "instructor")) {
				o->audience = REPORT_INSTRUCTOR;
			} else {
				fprintf(stderr,
					"grader report: --audience is learner or instructor, not "
					"'%s'\n",
					optarg);
				return -1;
			}
			break;
		case OPT_COLOR:
			o->color = 1;
			break;
		case OPT_NOCOLOR:
			o->color = 0;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			report_usage(stdout);
			exit(EXIT_OK);
		default:
			return -1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "grader report: name exactly one REPORT.json (or - for stdin)\n");
		return -1;
	}
	o->input = argv[optind];
	if (cli_check_output("report", o->output) != 0)
		return -1;
	return cli_check_format("report", o->format);
}

static int read_input(const char *path, char **data, size_t *len)
{
	if (strcmp(path, "-") != 0)
		return read_file(path, REPORT_MAX_BYTES, data, len);
	struct strbuf sb = {0};
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
		if (sb.len + n > REPORT_MAX_BYTES) {
			sb_free(&sb);
			errno = EFBIG;
			return -1;
		}
		sb_add(&sb, buf, n);
	}
	if (ferror(stdin)) {
		sb_free(&sb);
		return -1;
	}
	*len = sb.len;
	*data = sb.len ? sb_detach(&sb, NULL) : xstrdup("");
	return 0;
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o = {.format = "text", .audience = REPORT_LEARNER, .color = -1};
	if (parse_report_args(argc, argv, &o) < 0) {
		fputs("Run 'grader report --help' for the options.\n", stderr);
		return EXIT_USAGE;
	}
	const char *name = strcmp(o.input, "-") ? o.input : "(stdin)";
	char *data = NULL;
	size_t len = 0;
	if (read_input(o.input, &data, &len) != 0) {
		fprintf(stderr, "grader report: %s: %s\n", name,
			errno == EFBIG ? "larger than 64 MiB" : strerror(errno));
		return EXIT_USAGE;
	}
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(data, len, &end, 0);
	if (!j) {
		int line, col;
		size_t off = end && end >= data && end <= data + len ? (size_t)(end - data) : 0;
		utf8_position(data, len, off, &line, &col);
		fprintf(stderr, "grader report: %s:%d:%d: not valid JSON\n", name, line, col);
		free(data);
		return EXIT_USAGE;
	}
	free(data);
	struct report r;
	char err[512];
	if (report_from_json(j, &r, err, sizeof err) != 0) {
		fprintf(stderr, "grader report: %s: %s\n", name, err);
		cJSON_Delete(j);
		return EXIT_USAGE;
	}
	cJSON_Delete(j);
	struct write_opts wo = {.audience = o.audience, .verbose = o.verbose, .rerun_course = o.course};
	int status = cli_write_report("report", &r, o.format, &wo, o.color, o.output) < 0
			 ? EXIT_INTERNAL
		     : r.status == REPORT_ERROR  ? EXIT_INTERNAL
		     : r.status == REPORT_FAILED ? EXIT_FAILED
						 : EXIT_OK;
	report_free(&r);
	return status;
}
