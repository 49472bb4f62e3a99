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
#include "grader/util/util.h"

#ifndef GRADER_VERSION
#define GRADER_VERSION "0.1.0"
#endif

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* Execs the helper binary installed beside this one with argv (which
 * starts at the subcommand's name). Their libraries stay out of this
 * binary's start-up: grader-serve holds the daemon's (libcurl, libpq,
 * SQLite, libmicrohttpd), grader-core the grading core's (libgit2,
 * libyaml, libcrypto); `grader sandbox` needs neither. */
static int exec_beside(const char *helper, char **argv)
{
	char *path = path_beside_self(helper);
	if (!path) {
		fprintf(stderr, "grader %s: cannot find this program's path: %s\n", argv[0],
			strerror(errno));
		return EXIT_INTERNAL;
	}
	execv(path, argv);
	fprintf(stderr, "grader %s: cannot run %s: %s\n", argv[0], path, strerror(errno));
	free(path);
	return EXIT_INTERNAL;
}

/* grader-core takes the subcommand's name as its first argument. */
static int run_core(int argc, char **argv)
{
	char **args = calloc((size_t)argc + 2, sizeof *args);
	if (!args) {
		perror("grader");
		return EXIT_INTERNAL;
	}
	args[0] = "grader-core";
	memcpy(args + 1, argv, (size_t)argc * sizeof *argv);
	int rc = exec_beside("grader-core", args);
	free(args);
	return rc;
}

static int run_serve(int argc, char **argv)
{
	(void)argc;
	argv[0] = "serve";
	return exec_beside("grader-serve", argv);
}

static const struct subcommand subcommands[] = {
    {"grade", run_core, "grade a learner's submission against a course"},
    {"lint", run_core, "validate a course or an exercise and report every problem"},
    {"check", run_core, "self-test exercises against their reference and wrong solutions"},
    {"report", run_core, "write a stored JSON report in another format (text, Markdown...)"},
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
