/*
 * registry.c - the one table of exercise kinds. Adding a kind is one file
 * in runners/ and one line in runner_table; the loader's kind lookup, the
 * list of kind names in lint messages and --help, and the core's runner
 * lookup all read this table.
 */
#include <string.h>

#include "grader/grade/runner.h"
#include "grader/util/util.h"

extern const struct runner io_runner;
extern const struct runner git_runner;
extern const struct runner pytest_runner;
extern const struct runner pytest_tests_runner;
extern const struct runner sql_runner;
extern const struct runner http_runner;
extern const struct runner files_runner;

const struct runner *const runner_table[] = {&io_runner,  &git_runner,  &pytest_runner,
					     &sql_runner, &http_runner, &pytest_tests_runner,
					     &files_runner, NULL};

#define NKINDS (sizeof runner_table / sizeof runner_table[0] - 1)

const struct ex_kind *ex_kind_find(const char *name)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (!strcmp(runner_table[i]->kind.name, name))
			return &runner_table[i]->kind;
	return NULL;
}

const char **ex_kind_names(void)
{
	const char **names = xcalloc(NKINDS + 1, sizeof *names);
	for (size_t i = 0; i < NKINDS; i++)
		names[i] = runner_table[i]->kind.name;
	return names;
}
