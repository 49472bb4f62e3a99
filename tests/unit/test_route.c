/*
 * test_route.c - unit tests for the API's routing: route patterns
 * (grader/daemon/route.c), "{name}" templates (template.c), and that the
 * route table of api.c and the rights table in docs/operations.md list
 * the same routes with the same right for every role.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grader/daemon/api.h"
#include "grader/daemon/route.h"
#include "grader/daemon/template.h"
#include "grader/util/util.h"

START_TEST(test_literal_paths)
{
	struct route_args a;
	ck_assert_int_eq(route_match("/healthz", "/healthz", &a), 1);
	ck_assert_uint_eq(a.n, 0);
	route_args_free(&a);
	ck_assert_int_eq(route_match("/healthz", "/healthz/", &a), 0);
	ck_assert_int_eq(route_match("/healthz", "/health", &a), 0);
	ck_assert_int_eq(route_match("/healthz", "/healthzz", &a), 0);
	ck_assert_int_eq(route_match("/healthz", "/", &a), 0);
	ck_assert_int_eq(route_match("/healthz", "", &a), 0);
	ck_assert_int_eq(route_match("/api/v1/submissions", "/api/v1/submissions/", &a), 0);
	ck_assert_int_eq(route_match("/api/v1/submissions", "/api/v2/submissions", &a), 0);
	ck_assert_uint_eq(a.n, 0);
}
END_TEST

START_TEST(test_arguments)
{
	struct route_args a;
	ck_assert_int_eq(
	    route_match("/api/v1/learners/{id}/reports", "/api/v1/learners/ana/reports", &a), 1);
	ck_assert_uint_eq(a.n, 1);
	ck_assert_str_eq(route_arg(&a, "id"), "ana");
	ck_assert_str_eq(route_arg(&a, "nope"), "");
	route_args_free(&a);
	ck_assert_uint_eq(a.n, 0);

	ck_assert_int_eq(route_match("/a/{x}/b/{y}", "/a/1/b/two", &a), 1);
	ck_assert_str_eq(route_arg(&a, "x"), "1");
	ck_assert_str_eq(route_arg(&a, "y"), "two");
	route_args_free(&a);
}
END_TEST

START_TEST(test_an_argument_is_one_nonempty_segment)
{
	struct route_args a;
	const char *p = "/api/v1/submissions/{id}";
	ck_assert_int_eq(route_match(p, "/api/v1/submissions/", &a), 0);
	ck_assert_int_eq(route_match(p, "/api/v1/submissions/12/x", &a), 0);
	ck_assert_int_eq(route_match(p, "/api/v1/submissions", &a), 0);
	ck_assert_uint_eq(a.n, 0); /* nothing left over from a partial match */
	ck_assert_int_eq(
	    route_match("/api/v1/learners/{id}/reports", "/api/v1/learners//reports", &a), 0);
	ck_assert_int_eq(route_match("/api/v1/learners/{id}/reports", "/api/v1/learners/ana", &a),
			 0);
	ck_assert_int_eq(route_match("/webhooks/{forge}", "/webhooks/github/x", &a), 0);
	ck_assert_int_eq(route_match(p, "/api/v1/submissions/%2F", &a), 1);
	ck_assert_str_eq(route_arg(&a, "id"), "%2F"); /* MHD hands paths over undecoded */
	route_args_free(&a);
}
END_TEST

START_TEST(test_expand_names_the_request)
{
	struct route_args a;
	ck_assert_int_eq(route_match("/l/{id}", "/l/ana", &a), 1);
	char *s = route_expand("this token may not read {id}'s reports {other} {", &a);
	ck_assert_str_eq(s, "this token may not read ana's reports {other} {");
	free(s);
	route_args_free(&a);
}
END_TEST

static const char *words(const void *ctx, const char *name, size_t len)
{
	(void)ctx;
	if (len == 3 && !memcmp(name, "now", 3))
		return "now()";
	if (len == 0)
		return "EMPTY";
	return NULL;
}

START_TEST(test_template_expand)
{
	char *s = template_expand("a {now} b {x} {now}{now} {} {unclosed", words, NULL);
	ck_assert_str_eq(s, "a now() b {x} now()now() EMPTY {unclosed");
	free(s);
	s = template_expand("", words, NULL);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

/* docs/operations.md, found from this file's place. */
static char *operations_md_path(void)
{
	char *dir = xstrdup(__FILE__);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	char *path = xasprintf("%s/../../docs/operations.md", dir);
	free(dir);
	return path;
}

/* The rights table of docs/operations.md: from its heading to the next. */
static char *rights_table(const char *doc)
{
	const char *start = strstr(doc, "\n### Who may do what\n");
	ck_assert_msg(start, "docs/operations.md has no '### Who may do what'");
	const char *end = strstr(start + 1, "\n#");
	return end ? xstrndup(start, (size_t)(end - start)) : xstrdup(start);
}

/* The cells after the first of the row for "`METHOD PATTERN`", trimmed,
 * into cell[max]; their number, or -1 when there is no such row. */
static int doc_row(const char *table, const char *method, const char *pattern, char cell[][32],
		   int max)
{
	char *key = xasprintf("\n| `%s %s` |", method, pattern);
	const char *row = strstr(table, key);
	int n = -1;
	if (row) {
		row += strlen(key);
		n = 0;
		for (const char *p = row; *p && *p != '\n' && n < max;) {
			size_t len = strcspn(p, "|\n");
			if (p[len] != '|')
				break;
			const char *b = p, *e = p + len;
			while (b < e && *b == ' ')
				b++;
			while (e > b && e[-1] == ' ')
				e--;
			snprintf(cell[n++], 32, "%.*s", (int)(e - b), b);
			p += len + 1;
		}
	}
	free(key);
	return n;
}

START_TEST(test_docs_rights_are_the_code_rights)
{
	char *path = operations_md_path(), *doc = NULL;
	size_t len;
	ck_assert_msg(read_file(path, 1 << 20, &doc, &len) == 0, "cannot read %s", path);
	free(path);
	char *table = rights_table(doc);
	/* the header names the roles in enum role's order */
	char head[ROLE_COUNT + 1][32];
	const char *h = strstr(table, "\n| route |");
	ck_assert_ptr_nonnull(h);
	char *hrow = xstrndup(h + 10, strcspn(h + 10, "\n"));
	char *hkey = xasprintf("\n| `X Y` |%s", hrow);
	ck_assert_int_eq(doc_row(hkey, "X", "Y", head, ROLE_COUNT + 1), ROLE_COUNT);
	for (int role = 0; role < ROLE_COUNT; role++)
		ck_assert_str_eq(head[role], role_name((enum role)role));
	free(hrow), free(hkey);

	const char *method, *pattern, *rights[ROLE_COUNT];
	size_t i = 0;
	for (; api_route_describe(i, &method, &pattern, rights); i++) {
		char cell[ROLE_COUNT + 1][32];
		int n = doc_row(table, method, pattern, cell, ROLE_COUNT + 1);
		ck_assert_msg(n == ROLE_COUNT,
			      "docs/operations.md: the row of `%s %s` has %d cells", method,
			      pattern, n);
		for (int role = 0; role < ROLE_COUNT; role++)
			ck_assert_msg(!strcmp(cell[role], rights[role]),
				      "`%s %s`, %s: the code says '%s', the docs '%s'", method,
				      pattern, role_name((enum role)role), rights[role],
				      cell[role]);
	}
	ck_assert_uint_ge(i, 6);
	/* and the docs list no route the code lacks */
	size_t rows = 0;
	for (const char *p = table; (p = strstr(p, "\n| `")); p++)
		rows++;
	ck_assert_uint_eq(rows, i);
	free(table);
	free(doc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("route");
	tcase_add_test(tc, test_literal_paths);
	tcase_add_test(tc, test_arguments);
	tcase_add_test(tc, test_an_argument_is_one_nonempty_segment);
	tcase_add_test(tc, test_expand_names_the_request);
	tcase_add_test(tc, test_template_expand);
	tcase_add_test(tc, test_docs_rights_are_the_code_rights);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
