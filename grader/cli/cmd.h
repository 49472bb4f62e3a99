/*
 * cmd.h - the subcommands of the grader binary. Each takes the argv that
 * starts at its own name and returns the process exit status:
 * 0 success, 1 graded work failed, 2 usage or definition error,
 * 3 internal error (grader/util/exit.h, docs/cli.md).
 */
#ifndef GRADER_CMD_H
#define GRADER_CMD_H

#include "grader/util/exit.h"

int cmd_grade(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_sandbox(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif
