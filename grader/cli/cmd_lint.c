/*
 * cmd_lint.c - `grader lint DIR...`: loads each course or exercise and
 * reports every problem with its position, for authors and CI.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"

static void lint_usage(FILE *out)
{
	const char **kinds = ex_kind_names();
	fprintf(out,
		"usage: grader lint [--quiet] DIR...\n"
		"\n"
		"Validates each DIR, a course (holding course.yaml, whose exercises are all\n"
		"validated) or an exercise (holding exercise.yaml). Every problem is reported\n"
		"at once as FILE:LINE:COLUMN: error: MESSAGE, each file's in line order, with\n"
		"a hint where one helps: the closest known key or the keys allowed there, the\n"
		"fix of a YAML syntax error at the character to change. A misspelt kind's\n"
		"keys are checked as for the kind it suggests (docs/exercise-format.md).\n"
		"\n"
		"Options:\n"
		"  -q, --quiet   print only problems, not the summary line\n"
		"  -h, --help    show this help\n"
		"\n"
		"Exercise kinds (each described in docs/kinds/KIND.md):");
	for (size_t i = 0; kinds[i]; i++)
		fprintf(out, "%s %s", i ? "," : "", kinds[i]);
	fprintf(out, "\n\nExit status: 0 when every DIR is valid, 2 when any has an error.\n");
	free(kinds);
}

int cmd_lint(int argc, char **argv)
{
	static const struct option opts[] = {
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int quiet = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = 1;
			break;
		case 'h':
			lint_usage(stdout);
			return EXIT_OK;
		default:
			lint_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "grader lint: name a course or exercise folder\n");
		lint_usage(stderr);
		return EXIT_USAGE;
	}
	int status = EXIT_OK;
	for (int i = optind; i < argc; i++) {
		struct diag d = {0};
		struct loaded l;
		int rc = cli_load(argv[i], &l, &d);
		diag_print(&d, stderr);
		if (rc < 0 || d.errors) {
			status = EXIT_USAGE;
			fprintf(stderr, "%s: %zu error%s\n", argv[i], d.errors,
				d.errors == 1 ? "" : "s");
		} else if (!quiet) {
			size_t checks = 0;
			for (size_t k = 0; k < l.n; k++)
				checks += l.ex[k]->nchecks;
			printf("%s: ok (%zu exercise%s, %zu checks)\n", argv[i], l.n,
			       l.n == 1 ? "" : "s", checks);
		}
		if (rc == 0)
			cli_loaded_free(&l);
		diag_free(&d);
	}
	return status;
}
