/*
 * main.c - the grader command line: dispatches to one cmd_*.c per
 * subcommand and prints the overall help.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

#ifndef GRADER_VERSION
#define GRADER_VERSION "0.1.0"
#endif

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* `grader serve` runs grader-serve, installed beside this binary: the
 * daemon's libraries stay out of every other command's start-up. */
static int run_serve(int argc, char **argv)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0) {
		fprintf(stderr, "grader serve: cannot find this program's path: %s\n",
			strerror(errno));
		return EXIT_INTERNAL;
	}
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%.*s/grader-serve", (int)(slash - self), self);
	argv[0] = "serve";
	execv(path, argv);
	fprintf(stderr, "grader serve: cannot run %s: %s\n", path, strerror(errno));
	(void)argc;
	return EXIT_INTERNAL;
}

static const struct subcommand subcommands[] = {
    {"grade", cmd_grade, "grade a learner's submission against a course"},
    {"lint", cmd_lint, "validate a course or an exercise and report every problem"},
    {"check", cmd_check, "self-test exercises against their reference and wrong solutions"},
    {"sandbox", cmd_sandbox, "run one command in the sandbox and print the result"},
    {"serve", run_serve, "run the grading daemon: queue, workers, webhooks, HTTP API"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: grader [--version] [--help] <command> [<args>]\n"
		     "\n"
		     "grader runs hands-on programming exercises inside a sandbox, compares what\n"
		     "it observes with the exercise's YAML expectations and writes grade reports.\n"
		     "\n"
		     "Commands:\n");
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
		fprintf(out, "  %-9s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(out, "\n"
		     "Run 'grader <command> --help' for a command's options.\n"
		     "\n"
		     "Exit status: 0 success; 1 a graded exercise or self-test failed;\n"
		     "2 usage or exercise-definition error; 3 internal error.\n"
		     "\n"
		     "Documentation: docs/ (exercise format, report format, sandbox, security,\n"
		     "operations).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("grader %s\n", GRADER_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "grader: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
