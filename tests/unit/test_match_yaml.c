/*
 * test_match_yaml.c - unit tests for matcher_from_yaml (grader/match/match_yaml.c):
 * every expectation form, {file: PATH} with its containment and symlink
 * rules, and the positioned diagnostics for each kind of mistake.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grader/model/diag.h"
#include "grader/match/match.h"
#include "grader/util/util.h"
#include "grader/model/yaml.h"

/* ---- matcher_from_yaml ---- */

struct yfix {
	char dir[64];
	struct yaml_node *root;
	struct diag d;
};

static void yfix_open(struct yfix *f)
{
	memset(f, 0, sizeof *f);
	strcpy(f->dir, "/tmp/test_match_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
}

static void yfix_write(struct yfix *f, const char *rel, const char *text)
{
	char *p = path_join(f->dir, rel);
	ck_assert_int_eq(write_file_atomic(p, text, strlen(text)), 0);
	free(p);
}

/* Parses doc and loads its "expect" key into m. */
static int yfix_load(struct yfix *f, const char *doc, struct matcher *m)
{
	diag_free(&f->d);
	memset(&f->d, 0, sizeof f->d);
	yaml_node_free(f->root);
	f->root = yaml_parse("exercise.yaml", doc, strlen(doc), &f->d);
	ck_assert_ptr_nonnull(f->root);
	const struct yaml_node *n = yaml_get(f->root, "expect");
	ck_assert_ptr_nonnull(n);
	return matcher_from_yaml(m, n, f->dir, &f->d);
}

/* The first diagnostic as "line:col: message". */
static char *first_diag(const struct yfix *f)
{
	ck_assert_uint_ge(f->d.n, 1);
	return xasprintf("%s:%d:%d: %s", f->d.v[0].file ? f->d.v[0].file : "?", f->d.v[0].line,
			 f->d.v[0].col, f->d.v[0].message);
}

static void yfix_close(struct yfix *f)
{
	yaml_node_free(f->root);
	diag_free(&f->d);
	rm_rf(f->dir);
}

START_TEST(test_yaml_forms)
{
	struct yfix f;
	struct matcher m;
	yfix_open(&f);
	ck_assert_int_eq(yfix_load(&f, "expect: \"hi\\n\"\n", &m), 0);
	ck_assert_int_eq(m.kind, MATCH_EXACT);
	ck_assert_str_eq(m.expected, "hi\n");
	matcher_free(&m);

	ck_assert_int_eq(yfix_load(&f, "expect: {trim: hello, ignore_case: true}\n", &m), 0);
	ck_assert_int_eq(m.kind, MATCH_TRIM);
	ck_assert_int_eq(m.ignore_case, 1);
	ck_assert_int_eq(match_run(&m, " HELLO\n", 7, NULL), 1);
	matcher_free(&m);

	ck_assert_int_eq(
	    yfix_load(&f, "expect:\n  number: 3.14159\n  abs: 0.001\n  rel: 1e-6\n", &m), 0);
	ck_assert_int_eq(m.kind, MATCH_NUMBER);
	ck_assert_double_eq(m.number, 3.14159);
	ck_assert_double_eq(m.abs_tol, 0.001);
	ck_assert_double_eq(m.rel_tol, 1e-6);
	ck_assert_int_eq(match_run(&m, "3.1412\n", 7, NULL), 1);
	matcher_free(&m);

	ck_assert_int_eq(yfix_load(&f,
				   "expect: {regex: '^OK [0-9]+$', ignore_case: true, "
				   "not: true}\n",
				   &m),
			 0);
	ck_assert_ptr_nonnull(m.regex);
	ck_assert_int_eq(m.negate, 1);
	ck_assert_int_eq(match_run(&m, "ok 12\n", 6, NULL), 0);
	ck_assert_int_eq(match_run(&m, "fine\n", 5, NULL), 1);
	matcher_free(&m);

	ck_assert_int_eq(yfix_load(&f, "expect: {json: '{\"ok\": true}', subset: true}\n", &m), 0);
	ck_assert_int_eq(m.json_subset, 1);
	ck_assert_int_eq(match_run(&m, "{\"ok\":true,\"n\":1}", 17, NULL), 1);
	matcher_free(&m);

	yfix_write(&f, "out.txt", "1\n2\nFizz\n");
	yfix_write(&f, "pat.txt", "^Fizz$\n");
	yfix_write(&f, "want.json", "{\"a\": [1, 2]}\n");
	ck_assert_int_eq(yfix_load(&f, "expect: {lines: {file: out.txt}}\n", &m), 0);
	ck_assert_str_eq(m.expected, "1\n2\nFizz\n");
	ck_assert_int_eq(match_run(&m, "1\n2\nFizz", 8, NULL), 1);
	matcher_free(&m);
	ck_assert_int_eq(yfix_load(&f, "expect: {regex: {file: pat.txt}}\n", &m), 0);
	ck_assert_str_eq(m.expected, "^Fizz$");
	ck_assert_int_eq(match_run(&m, "1\nFizz\n", 7, NULL), 1);
	matcher_free(&m);
	ck_assert_int_eq(yfix_load(&f, "expect: {json: {file: want.json}}\n", &m), 0);
	ck_assert_int_eq(match_run(&m, "{\"a\":[1,2]}", 11, NULL), 1);
	matcher_free(&m);
	yfix_close(&f);
}
END_TEST

/* Loads doc expecting failure; checks the first diagnostic. */
static void expect_yaml_error(struct yfix *f, const char *doc, const char *want)
{
	struct matcher m;
	ck_assert_int_eq(yfix_load(f, doc, &m), -1);
	char *got = first_diag(f);
	ck_assert_msg(strstr(got, want) != NULL, "diagnostic '%s' lacks '%s'", got, want);
	free(got);
	ck_assert_ptr_null(m.expected);
	ck_assert_ptr_null(m.regex);
}

START_TEST(test_yaml_errors)
{
	struct yfix f;
	yfix_open(&f);
	expect_yaml_error(&f, "expect: {trimm: x}\n",
			  "exercise.yaml:1:10: unknown key 'trimm' (did you mean 'trim'?)");
	ck_assert_uint_eq(f.d.n, 1); /* no "no matcher key" on top */
	expect_yaml_error(&f, "expect:\n  ignore_case: true\n",
			  "exercise.yaml:2:3: expectation has no matcher key; use one of: exact");
	expect_yaml_error(&f, "expect: {trim: a, lines: b}\n",
			  "exercise.yaml:1:9: expectation has 2 matcher keys ('trim' and 'lines')");
	expect_yaml_error(&f, "expect: [a, b]\n", "exercise.yaml:1:9: an expectation must be");
	expect_yaml_error(&f, "expect:\n  regex: 'a(b'\n",
			  "exercise.yaml:2:10: bad regular expression \"a(b\": ");
	expect_yaml_error(&f, "expect:\n  number: many\n", "exercise.yaml:2:11:");
	expect_yaml_error(&f, "expect:\n  number: 1\n  abs: -1\n",
			  "exercise.yaml:3:8: 'abs' must be a non-negative number");
	expect_yaml_error(&f, "expect:\n  trim: x\n  abs: 1\n",
			  "exercise.yaml:3:3: 'abs' does not apply to 'trim'");
	expect_yaml_error(&f, "expect:\n  lines: x\n  subset: true\n",
			  "exercise.yaml:3:3: 'subset' does not apply to 'lines'");
	expect_yaml_error(&f, "expect:\n  json: '{\"a\": }'\n",
			  "exercise.yaml:2:9: 'json' is not valid JSON: parsing stopped at line 1, "
			  "column 7");
	expect_yaml_error(&f, "expect:\n  lines: [1, 2]\n",
			  "exercise.yaml:2:10: 'lines' must be a string or {file: PATH}");
	expect_yaml_error(&f, "expect:\n  lines: {path: x}\n",
			  "exercise.yaml:2:10: 'lines' must be a string or {file: PATH}");
	expect_yaml_error(&f, "expect:\n  json: {ok: true}\n",
			  "'json' must be a string or {file: PATH} (quote a JSON document");
	yfix_write(&f, "x.txt", "x\n");
	expect_yaml_error(&f, "expect:\n  lines: {file: x.txt, mode: raw}\n",
			  "exercise.yaml:2:24: unknown key 'mode'");
	expect_yaml_error(&f, "expect:\n  lines: {file: ../etc/passwd}\n",
			  "exercise.yaml:2:17: 'file' must be a relative path inside the exercise "
			  "folder");
	expect_yaml_error(&f, "expect:\n  lines: {file: /etc/passwd}\n", "must be a relative path");
	expect_yaml_error(&f, "expect:\n  lines: {file: nothere.txt}\n",
			  "exercise.yaml:2:17: 'nothere.txt' not found in the exercise folder");
	expect_yaml_error(&f, "expect: {not: yes please, exact: x}\n", "exercise.yaml:1:15:");

	/* symbolic links are refused, as a file and as a folder on the way */
	char *link = path_join(f.dir, "link.txt");
	ck_assert_int_eq(symlink("/etc/hostname", link), 0);
	free(link);
	expect_yaml_error(&f, "expect:\n  lines: {file: link.txt}\n",
			  "'link.txt' is a symbolic link");
	char *dlink = path_join(f.dir, "d");
	ck_assert_int_eq(symlink("/etc", dlink), 0);
	free(dlink);
	expect_yaml_error(&f, "expect:\n  lines: {file: d/hostname}\n", "'d' is a symbolic link");

	/* a JSON file with an error is reported in that file */
	yfix_write(&f, "bad.json", "{\n  \"a\": [1, 2,]\n}\n");
	expect_yaml_error(&f, "expect:\n  json: {file: bad.json}\n", "bad.json:2:");
	yfix_write(&f, "num.txt", "12 apples\n");
	expect_yaml_error(&f, "expect:\n  number: {file: num.txt}\n",
			  "exercise.yaml:2:18: 'number' must be a number");
	yfix_close(&f);
}
END_TEST

static Suite *match_yaml_suite(void)
{
	Suite *s = suite_create("match_yaml");
	TCase *tc = tcase_create("yaml");
	tcase_add_test(tc, test_yaml_forms);
	tcase_add_test(tc, test_yaml_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(match_yaml_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
