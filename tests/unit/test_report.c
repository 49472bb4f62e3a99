/*
 * test_report.c - unit tests for grader/report/report.c and the writers: totals
 * and statuses, partial credit, what a learner may see of a hidden check
 * in every format, and output that stays well-formed whatever a learner's
 * program printed (invalid UTF-8, control characters, backtick runs).
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grader/report/report.h"
#include "grader/util/util.h"
#include "grader/report/writers/writers.h"

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
	c->has_resources = 1;
	c->wall_ms = 98765;
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
	const char **formats = report_format_names();
	for (size_t i = 0; formats[i]; i++) {
		const char *fmt = formats[i];
		char *learner = render(&r, fmt, REPORT_LEARNER);
		ck_assert_msg(!strstr(learner, "SECRET"), "%s shows a hidden check to a learner",
			      fmt);
		ck_assert_msg(strstr(learner, "secret") != NULL, "%s drops the hidden check's name",
			      fmt);
		char *inst = render(&r, fmt, REPORT_INSTRUCTOR);
		ck_assert_msg(strstr(inst, "SECRET-MESSAGE") != NULL,
			      "%s hides the check from instructors", fmt);
		free(learner);
		free(inst);
	}
	free(formats);
	report_free(&r);
}
END_TEST

START_TEST(test_stored_report_redacted_like_the_writer)
{
	/* The daemon stores the instructor report and redacts it per request:
	 * the result must be exactly what the JSON writer gives a learner. */
	struct report r;
	build(&r);
	free(r.submission_dir);
	r.submission_dir = xstrdup("/var/lib/grader/work/job-1");
	struct write_opts learner = {.audience = REPORT_LEARNER};
	struct write_opts inst = {.audience = REPORT_INSTRUCTOR};
	cJSON *want = report_to_json(&r, &learner);
	cJSON *got = report_to_json(&r, &inst);
	ck_assert(!cJSON_Compare(want, got, 1));
	report_json_for_learner(got);
	char *w = cJSON_Print(want), *g = cJSON_Print(got);
	ck_assert_msg(cJSON_Compare(want, got, 1), "writer:\n%s\nredacted:\n%s", w, g);
	ck_assert_ptr_null(strstr(g, "SECRET"));
	ck_assert_ptr_null(strstr(g, "98765"));
	ck_assert_ptr_null(strstr(g, "/var/lib/grader"));
	cJSON_free(w);
	cJSON_free(g);
	cJSON_Delete(want);
	cJSON_Delete(got);
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

	/* the schema accepts both audiences ($ROOT, else the current folder,
	 * is the repository: make test runs from there) */
	const char *root = getenv("ROOT") ? getenv("ROOT") : ".";
	char *validator = path_join(root, "tests/validate_report.py");
	ck_assert_msg(access(validator, R_OK) == 0, "%s not found: run from the repository root",
		      validator);
	char path[] = "/tmp/test_report_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	for (int a = 0; a < 2; a++) {
		char *t = render(&r, "json", a ? REPORT_INSTRUCTOR : REPORT_LEARNER);
		ck_assert_int_eq(write_file_atomic(path, t, strlen(t)), 0);
		char *cmd = xasprintf("python3 '%s' %s", validator, path);
		ck_assert_msg(system(cmd) == 0, "the schema refuses the %s report",
			      a ? "instructor" : "learner");
		free(cmd);
		free(t);
	}
	close(fd);
	unlink(path);
	free(validator);
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
	ck_assert(strstr(t, "where:    line 1, column 2") != NULL);
	ck_assert(strstr(t, "  – after") != NULL);
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

START_TEST(test_exercise_error)
{
	struct report r;
	build(&r);
	/* the grader could not grade a third exercise at all */
	struct ex_report *e = report_add_exercise(&r);
	e->id = xstrdup("sql/broken");
	e->title = xstrdup("Broken");
	e->kind = xstrdup("sql");
	e->digest =
	    xstrdup("sha256:2222222222222222222222222222222222222222222222222222222222222222");
	e->error = xstrdup("missing file query.sql");
	/* an error check scores nothing, whatever fraction a runner left */
	struct check_result *c = add(e, "runs", CHECK_ERROR, 4);
	c->fraction = 1;
	c->message = xstrdup("sandbox: internal-error");
	report_finish(&r);
	ck_assert_int_eq(r.ex[2].status, REPORT_ERROR);
	ck_assert_double_eq(r.ex[2].score, 0);
	ck_assert_double_eq(r.ex[2].max_score, 4);
	ck_assert_int_eq(r.status, REPORT_ERROR);
	ck_assert_double_eq(r.score, 5);
	ck_assert_double_eq(r.max_score, 19);

	/* Exercism: some tests ran, so "fail", not "error" */
	char *x = render(&r, "exercism", REPORT_LEARNER);
	cJSON *j = cJSON_Parse(x);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "status")->valuestring, "fail");
	ck_assert_ptr_null(cJSON_GetObjectItem(j, "message"));
	cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(j, "tests"))
	    ck_assert(cJSON_IsString(cJSON_GetObjectItem(t, "test_code")));
	cJSON_Delete(j);
	free(x);
	char *json = render(&r, "json", REPORT_LEARNER);
	j = cJSON_Parse(json);
	cJSON *ex2 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "exercises"), 2);
	ck_assert_str_eq(cJSON_GetObjectItem(ex2, "status")->valuestring, "error");
	ck_assert_str_eq(cJSON_GetObjectItem(ex2, "error")->valuestring, "missing file query.sql");
	cJSON_Delete(j);
	free(json);
	char *m = render(&r, "markdown", REPORT_LEARNER);
	ck_assert(strstr(m, "grader error (not your fault): missing file query.sql") != NULL);
	free(m);
	report_free(&r);

	/* nothing ran at all: Exercism "error" with the reason */
	memset(&r, 0, sizeof r);
	e = report_add_exercise(&r);
	e->id = xstrdup("sql/broken");
	e->error = xstrdup("missing file query.sql");
	report_finish(&r);
	ck_assert_int_eq(r.status, REPORT_ERROR);
	x = render(&r, "exercism", REPORT_LEARNER);
	j = cJSON_Parse(x);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "status")->valuestring, "error");
	ck_assert_str_eq(cJSON_GetObjectItem(j, "message")->valuestring,
			 "sql/broken: missing file query.sql");
	cJSON_Delete(j);
	free(x);
	report_free(&r);
}
END_TEST

/* A check of exercise "ex/one", with an input, for the external formats. */
static struct ex_report *one_exercise(struct report *r, const char *input)
{
	memset(r, 0, sizeof *r);
	struct ex_report *e = report_add_exercise(r);
	e->id = xstrdup("ex/one");
	e->kind = xstrdup("io");
	struct check_result *c = add(e, "from a file", CHECK_FAILED, 2);
	c->message = xstrdup("not run: shout.py is missing");
	c->input = xstrdup(input);
	c->expected = xstrdup("stdout exact: A");
	return e;
}

static cJSON *render_json(const struct report *r, const char *format)
{
	char *s = render(r, format, REPORT_LEARNER);
	cJSON *j = cJSON_Parse(s);
	free(s);
	ck_assert_ptr_nonnull(j);
	return j;
}

/* Exercism: "error" with a message when the submission could not be run
 * at all (files missing, a failed build, every check in error), not
 * "fail"; test_code is the check's input as the runner described it. */
START_TEST(test_exercism_not_run_is_error)
{
	struct report r;
	struct ex_report *e = one_exercise(&r, "stdin (tests/many.in):\na\nb\n");
	e->missing = xstrdup("missing file shout.py in echo/ of the submission");
	report_finish(&r);
	ck_assert_int_eq(r.status, REPORT_FAILED);
	cJSON *j = render_json(&r, "exercism");
	ck_assert_str_eq(cJSON_GetObjectItem(j, "status")->valuestring, "error");
	ck_assert_str_eq(cJSON_GetObjectItem(j, "message")->valuestring,
			 "ex/one: missing file shout.py in echo/ of the submission");
	cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "tests"), 0);
	ck_assert_str_eq(cJSON_GetObjectItem(t, "test_code")->valuestring,
			 "stdin (tests/many.in):\na\nb\n");
	ck_assert_str_eq(cJSON_GetObjectItem(t, "status")->valuestring, "fail");
	cJSON_Delete(j);
	report_free(&r);

	/* prepare failed for the learner's reason (a build that failed) */
	e = one_exercise(&r, "args: 1");
	e->unprepared = xstrdup("gcc: main.c:3: error: expected ';'");
	report_finish(&r);
	j = render_json(&r, "exercism");
	ck_assert_str_eq(cJSON_GetObjectItem(j, "status")->valuestring, "error");
	ck_assert_str_eq(cJSON_GetObjectItem(j, "message")->valuestring,
			 "ex/one: gcc: main.c:3: error: expected ';'");
	cJSON_Delete(j);
	report_free(&r);

	/* every check in error: the checks' messages */
	e = one_exercise(&r, "args: 1");
	e->checks[0].status = CHECK_ERROR;
	free(e->checks[0].message);
	e->checks[0].message = xstrdup("sandbox: internal-error");
	report_finish(&r);
	j = render_json(&r, "exercism");
	ck_assert_str_eq(cJSON_GetObjectItem(j, "status")->valuestring, "error");
	ck_assert_str_eq(cJSON_GetObjectItem(j, "message")->valuestring,
			 "ex/one: from a file: sandbox: internal-error");
	cJSON_Delete(j);

	/* the grader failed on one check after another had a result: the
	 * submission ran, so "fail", not "error" */
	struct report r2;
	e = one_exercise(&r2, "args: 1");
	e->checks[0].status = CHECK_PASSED;
	e->error = xstrdup("the io runner failed on a check");
	add(e, "second", CHECK_ERROR, 1);
	report_finish(&r2);
	ck_assert_int_eq(r2.status, REPORT_ERROR);
	cJSON *j2 = render_json(&r2, "exercism");
	ck_assert_str_eq(cJSON_GetObjectItem(j2, "status")->valuestring, "fail");
	ck_assert_ptr_null(cJSON_GetObjectItem(j2, "message"));
	cJSON_Delete(j2);
	report_free(&r2);

	/* one exercise ran: "fail", and no top-level message */
	struct ex_report *ok = report_add_exercise(&r);
	ok->id = xstrdup("ex/two");
	add(ok, "runs", CHECK_FAILED, 1);
	report_finish(&r);
	j = render_json(&r, "exercism");
	ck_assert_str_eq(cJSON_GetObjectItem(j, "status")->valuestring, "fail");
	ck_assert_ptr_null(cJSON_GetObjectItem(j, "message"));
	cJSON_Delete(j);
	report_free(&r);
}
END_TEST

/* Gradescope: execution_time in seconds, to the millisecond, not rounded
 * up to whole seconds. */
START_TEST(test_gradescope_execution_time_seconds)
{
	struct report r;
	one_exercise(&r, "args: 1");
	report_finish(&r);
	r.duration_ms = 412;
	cJSON *j = render_json(&r, "gradescope");
	ck_assert_double_eq_tol(cJSON_GetObjectItem(j, "execution_time")->valuedouble, 0.412, 1e-9);
	ck_assert_ptr_null(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(j, "tests"), 0), "execution_time"));
	cJSON_Delete(j);
	r.duration_ms = 61005;
	j = render_json(&r, "gradescope");
	ck_assert_double_eq_tol(cJSON_GetObjectItem(j, "execution_time")->valuedouble, 61.005,
				1e-9);
	cJSON_Delete(j);
	report_free(&r);
}
END_TEST

/* Whatever bytes a program printed come back out of the JSON as the same
 * text, with invalid UTF-8 replaced, and the document stays valid. */
START_TEST(test_json_hostile_strings)
{
	static const char hostile[] = "\"quoted\" \\back\\slash\\ </script> \x1b[31mred\x7f "
				      "tab\there\r\nnul-less \xc3\x28 end";
	static const char repaired[] = "\"quoted\" \\back\\slash\\ </script> \x1b[31mred\x7f "
				       "tab\there\r\nnul-less \xEF\xBF\xBD( end";
	struct report r;
	memset(&r, 0, sizeof r);
	r.sub.message = xstrdup(hostile);
	r.sub.author = xstrdup("Zoë \"<z@example.edu>\"");
	struct ex_report *e = report_add_exercise(&r);
	e->id = xstrdup("x/y");
	e->digest =
	    xstrdup("sha256:3333333333333333333333333333333333333333333333333333333333333333");
	struct check_result *c = add(e, hostile, CHECK_FAILED, 1);
	c->message = xstrdup(hostile);
	c->diff = xcalloc(1, sizeof *c->diff);
	c->diff->summary = xstrdup(hostile);
	c->diff->has_numeric = 1;
	c->diff->expected_number = 1;
	c->diff->actual_number = INFINITY; /* JSON has none, so null */
	c->diff->abs_error = c->diff->rel_error = NAN;
	report_finish(&r);
	char *s = render(&r, "json", REPORT_INSTRUCTOR);
	cJSON *j = cJSON_Parse(s);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(j, "submission"), "message")->valuestring,
	    repaired);
	cJSON *ch = cJSON_GetArrayItem(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "exercises"), 0),
				"checks"),
	    0);
	ck_assert_str_eq(cJSON_GetObjectItem(ch, "name")->valuestring, repaired);
	ck_assert_str_eq(cJSON_GetObjectItem(ch, "message")->valuestring, repaired);
	cJSON *num = cJSON_GetObjectItem(cJSON_GetObjectItem(ch, "diff"), "numeric");
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(num, "actual")));
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(num, "rel_error")));
	/* raw control bytes never reach the output */
	for (const char *p = s; *p; p++)
		ck_assert_msg((unsigned char)*p >= 0x20 || *p == '\n' || *p == '\t',
			      "raw control byte 0x%02x in JSON", (unsigned char)*p);
	cJSON_Delete(j);
	free(s);
	report_free(&r);
}
END_TEST

START_TEST(test_diff_truncation_flags)
{
	struct report r;
	build(&r);
	struct match_diff *d = r.ex[1].checks[0].diff;
	char *longline = xmalloc(5000);
	memset(longline, 'a', 4999);
	longline[4999] = 0;
	free(d->actual_excerpt);
	d->actual_excerpt = match_visible(longline, 4999, 400); /* the matchers' excerpt cap */
	free(d->unified);
	d->unified = xstrdup("--- expected\n+++ actual\n@@ -1 +1 @@\n-a\n+b\n... diff truncated\n");
	free(longline);
	char *s = render(&r, "json", REPORT_INSTRUCTOR);
	cJSON *j = cJSON_Parse(s);
	cJSON *ch = cJSON_GetArrayItem(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "exercises"), 1),
				"checks"),
	    0);
	cJSON *t = cJSON_GetObjectItem(cJSON_GetObjectItem(ch, "diff"), "truncated");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(t, "actual")));
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(t, "expected"))); /* "Fizz" */
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(t, "unified")));
	cJSON_Delete(j);
	free(s);
	/* a short excerpt that merely contains "…" was not cut */
	free(d->actual_excerpt);
	d->actual_excerpt = xstrdup("wait\xE2\x80\xA6");
	struct diff_truncation tr;
	report_diff_truncation(d, &tr);
	ck_assert_int_eq(tr.actual, 0);
	report_free(&r);
}
END_TEST

START_TEST(test_junit_attributes)
{
	struct report r;
	memset(&r, 0, sizeof r);
	struct ex_report *e = report_add_exercise(&r);
	e->id = xstrdup("x/y");
	struct check_result *c = add(e, "two\nlines\tand \xEF\xBF\xBF", CHECK_FAILED, 1);
	c->message = xstrdup("first\nsecond \x02");
	report_finish(&r);
	char *x = render(&r, "junit", REPORT_INSTRUCTOR);
	ck_assert(strstr(x, "name=\"two&#10;lines&#9;and \xEF\xBF\xBD\"") != NULL);
	ck_assert(strstr(x, "<failure message=\"first&#10;second \xEF\xBF\xBD\">") != NULL);
	ck_assert(strstr(x, "\xEF\xBF\xBF") == NULL); /* U+FFFF is not an XML character */
	free(x);
	report_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_totals);
	tcase_add_test(tc, test_hidden_redacted_everywhere);
	tcase_add_test(tc, test_stored_report_redacted_like_the_writer);
	tcase_add_test(tc, test_json_shape);
	tcase_add_test(tc, test_junit_and_markdown_well_formed);
	tcase_add_test(tc, test_text_and_formats);
	tcase_add_test(tc, test_utf8_repair);
	tcase_add_test(tc, test_exercise_error);
	tcase_add_test(tc, test_exercism_not_run_is_error);
	tcase_add_test(tc, test_gradescope_execution_time_seconds);
	tcase_add_test(tc, test_json_hostile_strings);
	tcase_add_test(tc, test_diff_truncation_flags);
	tcase_add_test(tc, test_junit_attributes);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
