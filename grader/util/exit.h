/*
 * exit.h - the process exit statuses of every grader program (grader,
 * grader-core, grader-serve), documented in docs/cli.md: 0 success,
 * 1 graded work failed, 2 usage or definition error, 3 internal error.
 */
#ifndef GRADER_EXIT_H
#define GRADER_EXIT_H

enum exit_code { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

#endif
