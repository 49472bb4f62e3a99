/*
 * core_main.c - the grader-core binary: `grader grade`, `grader lint`,
 * `grader check` and `grader report` exec it with their own arguments ("grade", ...). The
 * grading core needs libgit2, libyaml and libcrypto, whose loading costs
 * about 1.5 ms a start on the development machine; keeping them out of
 * the `grader` binary keeps `grader sandbox` (measured per run in bench/)
 * from paying for them.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "grader/grade/workdir.h"

int main(int argc, char **argv)
{
	/* scratch: the command grades (makes scratch dirs), so it takes a
	 * mount namespace of its own first, before any thread: its scratch
	 * dirs become tmpfs mounts there (workdir.h) */
	static const struct {
		const char *name, *prog;
		int (*run)(int argc, char **argv);
		int scratch;
	} cmds[] = {{"grade", "grader grade", cmd_grade, 1},
		    {"lint", "grader lint", cmd_lint, 0},
		    {"check", "grader check", cmd_check, 1},
		    {"report", "grader report", cmd_report, 0}};
	/* The command's argv[0] is what getopt_long names in its messages
	 * ("grader grade: unrecognized option '--x'"), the prefix of every
	 * other message of the command. */
	for (size_t i = 0; argc > 1 && i < sizeof cmds / sizeof cmds[0]; i++)
		if (!strcmp(argv[1], cmds[i].name)) {
			if (cmds[i].scratch)
				workdir_private_mounts(); /* without it: plain dirs */
			argv[1] = (char *)cmds[i].prog;
			return cmds[i].run(argc - 1, argv + 1);
		}
	fprintf(stderr, "grader-core: run it through 'grader grade|lint|check|report'\n");
	return EXIT_USAGE;
}
