/*
 * registry.c - the table of exercise kinds. Adding a kind is one file in
 * runners/ and one line here; the core finds runners only through
 * runner_find.
 */
#include <string.h>

#include "grader/grade/runner.h"

extern const struct runner io_runner;
extern const struct runner git_runner;

static const struct runner *const runners[] = {&io_runner, &git_runner};

static const char *const kinds[] = {"io", "git", NULL};

const struct runner *runner_find(const char *kind)
{
	for (size_t i = 0; i < sizeof runners / sizeof runners[0]; i++)
		if (!strcmp(runners[i]->kind, kind))
			return runners[i];
	return NULL;
}

const char *const *runner_kinds(void)
{
	return kinds;
}
