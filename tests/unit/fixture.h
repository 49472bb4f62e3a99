/*
 * fixture.h - what the loader tests share: a fresh temp folder per test
 * (root; setup and teardown for tcase_add_checked_fixture), files put
 * into it, and an assertion that a diagnostic was reported on a line.
 * Included by one test file each; the functions are static there.
 */
#ifndef GRADER_TEST_FIXTURE_H
#define GRADER_TEST_FIXTURE_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grader/model/diag.h"
#include "grader/util/util.h"

static char root[64];

__attribute__((unused)) static void setup(void)
{
	strcpy(root, "/tmp/grader_unit_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
}

__attribute__((unused)) static void teardown(void)
{
	rm_rf(root);
}

/* Writes text as root/rel, making the folders on the way. */
__attribute__((unused)) static void put(const char *rel, const char *text)
{
	char *p = path_join(root, rel);
	char *slash = strrchr(p, '/');
	*slash = '\0';
	ck_assert_int_eq(mkdir_p(p), 0);
	*slash = '/';
	ck_assert_int_eq(write_file_atomic(p, text, strlen(text)), 0);
	free(p);
}

/* Fails the test unless d holds a diagnostic on line (0: any) whose
 * message contains want; lists what it has when not. */
__attribute__((unused)) static void has_diag(const struct diag *d, int line, const char *want)
{
	for (size_t i = 0; i < d->n; i++)
		if ((line == 0 || d->v[i].line == line) && strstr(d->v[i].message, want))
			return;
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "  have %s:%d:%d: %s\n", d->v[i].file, d->v[i].line, d->v[i].col,
			d->v[i].message);
	ck_abort_msg("no diagnostic on line %d containing '%s'", line, want);
}

#endif
