/*
 * test_route.c - unit tests for the API's routing: route patterns
 * (grader/daemon/route.c), "{name}" templates (template.c), and that the
 * route table of api.c and the one in docs/operations.md list the same
 * routes with the same roles.
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

/* The docs row for "`METHOD PATTERN`": its "who" cell, or NULL. */
static char *doc_who(const char *doc, const char *method, const char *pattern)
{
	char *key = xasprintf("\n| `%s %s` | ", method, pattern);
	const char *row = strstr(doc, key);
	char *who = NULL;
	if (row) {
		row += strlen(key);
		who = xstrndup(row, strcspn(row, "|"));
		for (size_t n = strlen(who); n && who[n - 1] == ' ';)
			who[--n] = '\0';
	}
	free(key);
	return who;
}

START_TEST(test_docs_list_the_code_routes)
{
	char *path = operations_md_path(), *doc = NULL;
	size_t len;
	ck_assert_msg(read_file(path, 1 << 20, &doc, &len) == 0, "cannot read %s", path);
	free(path);
	const char *method, *pattern;
	char who[128];
	size_t i = 0;
	for (; api_route_describe(i, &method, &pattern, who, sizeof who); i++) {
		char *dw = doc_who(doc, method, pattern);
		ck_assert_msg(dw, "docs/operations.md has no row for `%s %s`", method, pattern);
		size_t n = strlen(who);
		ck_assert_msg(!strncmp(dw, who, n) && (!dw[n] || !strncmp(dw + n, " — ", 5)),
			      "`%s %s`: the code allows '%s', the docs say '%s'", method, pattern,
			      who, dw);
		free(dw);
	}
	ck_assert_uint_ge(i, 6);
	/* and the docs list no route the code lacks */
	const char *api = strstr(doc, "\n## HTTP API");
	ck_assert_ptr_nonnull(api);
	const char *end = strstr(api + 1, "\n## ");
	size_t rows = 0;
	for (const char *p = api; (p = strstr(p, "\n| `")) && (!end || p < end); p++)
		rows++;
	ck_assert_uint_eq(rows, i);
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
	tcase_add_test(tc, test_docs_list_the_code_routes);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
