/*
 * test_report.c - unit tests for grader/report.c and the writers: totals
 * and statuses, partial credit, what a learner may see of a hidden check
 * in every format, and output that stays well-formed whatever a learner's
 * program printed (invalid UTF-8, control characters, backtick runs).
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grader/report.h"
#include "grader/util.h"
#include "grader/writers/writers.h"

static struct check_result *add(struct ex_report *e, const char *name, enum check_status st,
				double max)
{
	struct check_result *c = ex_report_add_check(e);
	c->name = xstrdup(name);
	c->status = st;
	c->max_score = max;
	return c;
}

/* Two exercises: one passed; one with a failure carrying a diff, a hidden
 * failure, a partial-credit check and a skipped one. */
static void build(struct report *r)
{
	memset(r, 0, sizeof *r);
	r->created = 1800000000;
	r->submission_dir = xstrdup("/srv/grader/work/abc");
	r->sub.commit = xstrdup("0123456789abcdef0123456789abcdef01234567");
	r->sub.repo = xstrdup("https://git.example.edu/ana/backend.git");
	struct ex_report *e = report_add_exercise(r);
	e->id = xstrdup("python/ok");
	e->title = xstrdup("OK");
	e->kind = xstrdup("io");
	e->digest =
	    xstrdup("sha256:0000000000000000000000000000000000000000000000000000000000000000");
	add(e, "works", CHECK_PASSED, 4);

	e = report_add_exercise(r);
	e->id = xstrdup("python/bad");
	e->title = xstrdup("Bad <title> & \"quotes\"");
	e->kind = xstrdup("io");
	e->digest =
	    xstrdup("sha256:1111111111111111111111111111111111111111111111111111111111111111");
	struct check_result *c = add(e, "visible | failure", CHECK_FAILED, 3);
	c->message = xstrdup("stdout: line 1 differs\x01 \xff\xfe bad bytes");
	c->input = xstrdup("stdin: 15\n");
	c->diff = xcalloc(1, sizeof *c->diff);
	c->diff->summary = xstrdup("line 1 differs");
	c->diff->line = 1;
	c->diff->col = 2;
	c->diff->expected_excerpt = xstrdup("Fizz");
	c->diff->actual_excerpt = xstrdup("Fuzz ``` `````");
	c->diff->unified = xstrdup("--- expected\n+++ actual\n-Fizz\n+Fuzz\n");
	c = add(e, "secret", CHECK_FAILED, 5);
	c->hidden = 1;
	c->visibility = VIS_HIDDEN;
	c->message = xstrdup("SECRET-MESSAGE");
	c->input = xstrdup("SECRET-INPUT");
	c->expected = xstrdup("SECRET-EXPECTED");
	c->diff = xcalloc(1, sizeof *c->diff);
	c->diff->summary = xstrdup("SECRET-DIFF");
	c->verdict = xstrdup("ok");
	c = add(e, "partly", CHECK_FAILED, 2);
	c->fraction = 0.5;
	c = add(e, "after", CHECK_SKIPPED, 1);
	c->message = xstrdup("skipped: depends on 'secret', which did not pass");
	report_finish(r);
}

static char *render(const struct report *r, const char *format, enum report_audience a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct write_opts o = {.audience = a};
	char err[128];
	ck_assert_int_eq(report_write(r, format, &o, f, err, sizeof err), 0);
	fclose(f);
	return buf;
}

START_TEST(test_totals)
{
	struct report r;
	build(&r);
	ck_assert_int_eq(r.status, REPORT_FAILED);
	ck_assert_double_eq(r.ex[0].score, 4);
	ck_assert_int_eq(r.ex[0].status, REPORT_PASSED);
	ck_assert_double_eq(r.ex[1].score, 1); /* half of "partly" */
	ck_assert_double_eq(r.ex[1].max_score, 11);
	ck_assert_double_eq(r.score, 5);
	ck_assert_double_eq(r.max_score, 15);
	ck_assert_int_eq(r.ex[1].status, REPORT_FAILED);
	/* an error anywhere makes the run an error */
	r.ex[0].checks[0].status = CHECK_ERROR;
	report_finish(&r);
	ck_assert_int_eq(r.ex[0].status, REPORT_ERROR);
	ck_assert_int_eq(r.status, REPORT_ERROR);
	ck_assert_double_eq(r.score, 1);
	report_free(&r);
}
END_TEST

START_TEST(test_hidden_redacted_everywhere)
{
	struct report r;
	build(&r);
	for (size_t i = 0; report_formats[i]; i++) {
		char *learner = render(&r, report_formats[i], REPORT_LEARNER);
		ck_assert_msg(!strstr(learner, "SECRET"), "%s shows a hidden check to a learner",
			      report_formats[i]);
		ck_assert_msg(strstr(learner, "secret") != NULL, "%s drops the hidden check's name",
			      report_formats[i]);
		char *inst = render(&r, report_formats[i], REPORT_INSTRUCTOR);
		ck_assert_msg(strstr(inst, "SECRET-MESSAGE") != NULL,
			      "%s hides the check from instructors", report_formats[i]);
		free(learner);
		free(inst);
	}
	report_free(&r);
}
END_TEST

START_TEST(test_json_shape)
{
	struct report r;
	build(&r);
	char *s = render(&r, "json", REPORT_LEARNER);
	cJSON *j = cJSON_Parse(s);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "schema")->valuestring, "grader.report/1");
	ck_assert_str_eq(cJSON_GetObjectItem(j, "created")->valuestring, "2027-01-15T08:00:00Z");
	ck_assert_ptr_null(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "submission"), "dir"));
	cJSON *ex = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "exercises"), 1);
	cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItem(ex, "checks"), 0);
	cJSON *diff = cJSON_GetObjectItem(c0, "diff");
	ck_assert_int_eq(cJSON_GetObjectItem(diff, "column")->valueint, 2);
	/* invalid UTF-8 became U+FFFD; the control character is escaped */
	const char *msg = cJSON_GetObjectItem(c0, "message")->valuestring;
	ck_assert(strstr(msg, "\xEF\xBF\xBD\xEF\xBF\xBD bad bytes") != NULL);
	ck_assert(strstr(s, "\\u0001") != NULL);
	cJSON *c1 = cJSON_GetArrayItem(cJSON_GetObjectItem(ex, "checks"), 1);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(c1, "hidden")));
	ck_assert_ptr_null(cJSON_GetObjectItem(c1, "diff"));
	ck_assert_ptr_null(cJSON_GetObjectItem(c1, "verdict"));
	cJSON_Delete(j);

	/* the schema accepts both audiences */
	char path[] = "/tmp/test_report_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	for (int a = 0; a < 2; a++) {
		char *t = render(&r, "json", a ? REPORT_INSTRUCTOR : REPORT_LEARNER);
		ck_assert_int_eq(write_file_atomic(path, t, strlen(t)), 0);
		char *cmd = xasprintf("python3 tests/validate_report.py %s", path);
		ck_assert_msg(system(cmd) == 0, "the schema refuses the %s report",
			      a ? "instructor" : "learner");
		free(cmd);
		free(t);
	}
	close(fd);
	unlink(path);
	free(s);
	report_free(&r);
}
END_TEST

START_TEST(test_junit_and_markdown_well_formed)
{
	struct report r;
	build(&r);
	char *x = render(&r, "junit", REPORT_INSTRUCTOR);
	ck_assert(strstr(x, "\x01") == NULL);              /* XML 1.0 cannot carry it */
	ck_assert(strstr(x, "Bad &lt;title&gt;") == NULL); /* titles are not in junit */
	ck_assert(strstr(x, "<testcase classname=\"python/bad\" name=\"visible | failure\"") !=
		  NULL);
	ck_assert(strstr(x, "<skipped message=\"skipped: depends on &apos;secret&apos;") != NULL);
	char path[] = "/tmp/test_junit_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_eq(write_file_atomic(path, x, strlen(x)), 0);
	char *cmd = xasprintf("python3 -c 'import sys, xml.etree.ElementTree as E; "
			      "t = E.parse(sys.argv[1]); assert len(t.findall(\".//testcase\")) "
			      "== 5' %s",
			      path);
	ck_assert_msg(system(cmd) == 0, "junit output is not well-formed XML with 5 testcases");
	free(cmd);
	close(fd);
	unlink(path);
	free(x);

	char *m = render(&r, "markdown", REPORT_INSTRUCTOR);
	ck_assert(strstr(m, "visible \\| failure") != NULL); /* the table survives */
	ck_assert(strstr(m, "``````\n") != NULL);            /* fence longer than 5 backticks */
	ck_assert(strstr(m, "&lt;title&gt;") != NULL);
	free(m);
	report_free(&r);
}
END_TEST

START_TEST(test_text_and_formats)
{
	struct report r;
	build(&r);
	char *t = render(&r, "text", REPORT_LEARNER);
	ck_assert(strstr(t, "Score: 5/15 (1 of 2 exercises passed)") != NULL);
	ck_assert(strstr(t, "\033[") == NULL); /* no colour unless asked */
	ck_assert(strstr(t, "expected: Fizz") != NULL);
	free(t);
	char *g = render(&r, "gradescope", REPORT_INSTRUCTOR);
	cJSON *j = cJSON_Parse(g);
	ck_assert_double_eq(cJSON_GetObjectItem(j, "score")->valuedouble, 5);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "tests")), 5);
	cJSON_Delete(j);
	free(g);
	char *x = render(&r, "exercism", REPORT_LEARNER);
	j = cJSON_Parse(x);
	ck_assert_int_eq(cJSON_GetObjectItem(j, "version")->valueint, 3);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "status")->valuestring, "fail");
	cJSON_Delete(j);
	free(x);

	FILE *f = fopen("/dev/null", "w");
	char err[128];
	struct write_opts o = {0};
	ck_assert_int_eq(report_write(&r, "yaml", &o, f, err, sizeof err), -1);
	ck_assert_str_eq(err, "unknown format 'yaml'");
	fclose(f);
	report_free(&r);
}
END_TEST

START_TEST(test_utf8_repair)
{
	char *s = report_utf8("ok \xC3\xA9 \xC0\xAF \xED\xA0\x80 \xF0\x9F\x98\x80 \xE2\x82");
	/* é and 😀 kept; overlong, surrogate and truncated sequences replaced */
	ck_assert_str_eq(s, "ok \xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD "
			    "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD \xF0\x9F\x98\x80 "
			    "\xEF\xBF\xBD\xEF\xBF\xBD");
	free(s);
	ck_assert_ptr_null(report_utf8(NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_totals);
	tcase_add_test(tc, test_hidden_redacted_everywhere);
	tcase_add_test(tc, test_json_shape);
	tcase_add_test(tc, test_junit_and_markdown_well_formed);
	tcase_add_test(tc, test_text_and_formats);
	tcase_add_test(tc, test_utf8_repair);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
