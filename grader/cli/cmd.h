/*
 * cmd.h - the subcommands of the grader binary. Each takes the argv that
 * starts at its own name and returns the process exit status:
 * 0 success, 1 graded work failed, 2 usage or definition error,
 * 3 internal error (see docs/cli.md).
 */
#ifndef GRADER_CMD_H
#define GRADER_CMD_H

enum exit_code { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

int cmd_grade(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_sandbox(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif
