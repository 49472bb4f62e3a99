/*
 * test_grade.c - unit tests for the core's half of the runner seam
 * (grader/grade/grade.c): the life cycle of runner.h. A recording runner
 * stands in for a kind, so that what the core decides (the order, skips,
 * a failed prepare, finish always, nothing at all when files are missing)
 * is what is checked; the real kinds have their own end-to-end tests.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "grader/grade/runner.h"
#include "grader/grade/workdir.h"
#include "grader/util/util.h"

/* What the recording runner saw, and what it is told to do. */
static struct {
	char log[256];
	int prepare_rc;       /* returned by prepare */
	const char *fail;     /* grade_check fails the check of this name */
	const char *internal; /* grade_check returns -1 for this one */
	int state_seen;       /* grade_check saw prepare's state */
} rec;

static int state_token;

static void note(const char *what, const char *name)
{
	size_t n = strlen(rec.log);
	snprintf(rec.log + n, sizeof rec.log - n, "%s%s%s;", what, *name ? " " : "", name);
}

static int rec_prepare(struct grading *g)
{
	note("prepare", "");
	g->state = &state_token;
	if (rec.prepare_rc)
		grading_message(g, "the server never listened on port %d", 8000);
	return rec.prepare_rc;
}

static int rec_grade_check(struct grading *g, size_t i, struct check_result *cr)
{
	const char *name = g->ex->checks[i].name;
	note("check", name);
	rec.state_seen += g->state == &state_token;
	if (rec.internal && !strcmp(name, rec.internal)) {
		grading_message(g, "lost the database connection");
		return -1;
	}
	if (rec.fail && !strcmp(name, rec.fail))
		grade_fail(cr, NULL, "wrong answer");
	else
		grade_pass(cr);
	return 0;
}

static void rec_finish(struct grading *g)
{
	note("finish", "");
	ck_assert_ptr_eq(g->state, &state_token);
	g->state = NULL;
}

static const struct runner rec_runner = {
    .kind = {.name = "recording"},
    .prepare = rec_prepare,
    .grade_check = rec_grade_check,
    .finish = rec_finish,
};

static char root[64];
static struct exercise *ex;
static struct submission *sub;
static char *scratch;

/* Check "b" depends on "a" but comes first; "c" stands alone. */
static const char yaml[] = "id: t/seam\n"
			   "title: Seam\n"
			   "kind: io\n"
			   "files: [main.sh]\n"
			   "run: [sh, main.sh]\n"
			   "checks:\n"
			   "  - name: b\n"
			   "    points: 1\n"
			   "    depends_on: [a]\n"
			   "    expect: {stdout: b}\n"
			   "  - name: a\n"
			   "    points: 1\n"
			   "    expect: {stdout: a}\n"
			   "  - name: c\n"
			   "    points: 1\n"
			   "    expect: {stdout: c}\n";

static void setup(void)
{
	memset(&rec, 0, sizeof rec);
	strcpy(root, "/tmp/test_grade_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	char *exdir = path_join(root, "ex"), *subdir = path_join(root, "sub/t/seam");
	ck_assert_int_eq(mkdir_p(exdir), 0);
	ck_assert_int_eq(mkdir_p(subdir), 0);
	ck_assert_int_eq(beneath_write(exdir, "exercise.yaml", yaml, strlen(yaml), 0644), 0);
	ck_assert_int_eq(beneath_write(subdir, "main.sh", "echo a\n", 7, 0644), 0);
	struct diag d = {0};
	ex = exercise_load(exdir, &d);
	ck_assert_ptr_nonnull(ex);
	diag_free(&d);
	char err[256];
	char *subroot = path_join(root, "sub");
	sub = submission_from_dir(subroot, err, sizeof err);
	ck_assert_ptr_nonnull(sub);
	scratch = workdir_scratch(err, sizeof err);
	ck_assert_ptr_nonnull(scratch);
	free(exdir);
	free(subdir);
	free(subroot);
}

static void teardown(void)
{
	exercise_free(ex);
	submission_free(sub);
	rm_rf(scratch);
	free(scratch);
	rm_rf(root);
}

/* Grades ex with the recording runner in place of its kind. */
static int grade(struct report *r)
{
	struct exercise tmp = *ex;
	tmp.kind_ops = &rec_runner.kind;
	ck_assert_ptr_eq(runner_of(&tmp), &rec_runner);
	struct grade_env env = {.now = time(NULL), .scratch = scratch};
	return grade_exercise(&tmp, sub, &env, r);
}

static const struct check_result *result(const struct report *r, const char *name)
{
	for (size_t i = 0; i < r->ex[0].n; i++)
		if (!strcmp(r->ex[0].checks[i].name, name))
			return &r->ex[0].checks[i];
	ck_abort_msg("no check %s", name);
	return NULL;
}

START_TEST(test_order_and_state)
{
	struct report r = {0};
	ck_assert_int_eq(grade(&r), 0);
	/* dependencies first, prepare once before, finish once after */
	ck_assert_str_eq(rec.log, "prepare;check a;check b;check c;finish;");
	ck_assert_int_eq(rec.state_seen, 3);
	ck_assert_int_eq(result(&r, "a")->status, CHECK_PASSED);
	ck_assert_int_eq(result(&r, "b")->status, CHECK_PASSED);
	ck_assert_ptr_null(r.ex[0].error);
	report_free(&r);
}
END_TEST

START_TEST(test_skip_after_failed_dependency)
{
	rec.fail = "a";
	struct report r = {0};
	ck_assert_int_eq(grade(&r), 0);
	/* the core never asks the runner for b */
	ck_assert_str_eq(rec.log, "prepare;check a;check c;finish;");
	ck_assert_int_eq(result(&r, "a")->status, CHECK_FAILED);
	ck_assert_str_eq(result(&r, "a")->message, "wrong answer");
	ck_assert_int_eq(result(&r, "b")->status, CHECK_SKIPPED);
	ck_assert_ptr_nonnull(
	    strstr(result(&r, "b")->message, "depends on 'a', which did not pass"));
	ck_assert_int_eq(result(&r, "c")->status, CHECK_PASSED);
	report_free(&r);
}
END_TEST

START_TEST(test_prepare_failed)
{
	rec.prepare_rc = GRADE_PREPARE_FAILED;
	struct report r = {0};
	ck_assert_int_eq(grade(&r), 0);
	/* no check runs, finish still does */
	ck_assert_str_eq(rec.log, "prepare;finish;");
	ck_assert_int_eq(result(&r, "a")->status, CHECK_FAILED);
	ck_assert_str_eq(result(&r, "a")->message, "the server never listened on port 8000");
	ck_assert_int_eq(result(&r, "c")->status, CHECK_FAILED);
	ck_assert_int_eq(result(&r, "b")->status, CHECK_SKIPPED);
	ck_assert_ptr_null(r.ex[0].error); /* the learner's problem, not the grader's */
	report_free(&r);
}
END_TEST

START_TEST(test_prepare_internal_error)
{
	rec.prepare_rc = -1;
	struct report r = {0};
	ck_assert_int_eq(grade(&r), -1);
	ck_assert_str_eq(rec.log, "prepare;finish;");
	ck_assert_int_eq(result(&r, "a")->status, CHECK_ERROR);
	ck_assert_int_eq(result(&r, "c")->status, CHECK_ERROR);
	ck_assert_str_eq(r.ex[0].error, "the server never listened on port 8000");
	report_free(&r);
}
END_TEST

START_TEST(test_check_internal_error)
{
	rec.internal = "a";
	struct report r = {0};
	ck_assert_int_eq(grade(&r), -1);
	/* later checks still run, finish still does */
	ck_assert_str_eq(rec.log, "prepare;check a;check c;finish;");
	ck_assert_int_eq(result(&r, "a")->status, CHECK_ERROR);
	ck_assert_str_eq(result(&r, "a")->message, "lost the database connection");
	ck_assert_int_eq(result(&r, "c")->status, CHECK_PASSED);
	ck_assert_str_eq(r.ex[0].error, "lost the database connection");
	report_free(&r);
}
END_TEST

START_TEST(test_missing_files_run_nothing)
{
	char *f = path_join(sub->dir, "t/seam/main.sh");
	ck_assert_int_eq(unlink(f), 0);
	free(f);
	struct report r = {0};
	ck_assert_int_eq(grade(&r), 0);
	ck_assert_str_eq(rec.log, "");
	/* said once for the exercise; each check says it did not run */
	ck_assert_ptr_nonnull(r.ex[0].missing);
	ck_assert_ptr_nonnull(strstr(r.ex[0].missing, "missing file main.sh in "));
	for (size_t i = 0; i < r.ex[0].n; i++) {
		ck_assert_int_eq(r.ex[0].checks[i].status, CHECK_FAILED);
		ck_assert_str_eq(r.ex[0].checks[i].message, "not run: main.sh is missing");
	}
	report_free(&r);
}
END_TEST

START_TEST(test_workdir_is_a_copy)
{
	char err[256];
	struct grade_env env = {.now = time(NULL), .scratch = scratch};
	char *work = workdir_make(ex, sub, &env, err, sizeof err);
	ck_assert_msg(work != NULL, "%s", err);
	char *buf;
	size_t len;
	ck_assert_int_eq(beneath_read(work, "main.sh", 100, &buf, &len), 0);
	ck_assert_str_eq(buf, "echo a\n");
	free(buf);
	workdir_remove(work);
	/* the submit folder itself a link: refused with the reason */
	char *d = path_join(sub->dir, "t/seam"), *moved = path_join(sub->dir, "t/real");
	ck_assert_int_eq(rename(d, moved), 0);
	ck_assert_int_eq(symlink("real", d), 0);
	work = workdir_make(ex, sub, &env, err, sizeof err);
	ck_assert_ptr_null(work);
	ck_assert_str_eq(err, "t/seam/ of the submission goes through a symbolic link");
	free(d);
	free(moved);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("grade");
	TCase *tc = tcase_create("life cycle");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_order_and_state);
	tcase_add_test(tc, test_skip_after_failed_dependency);
	tcase_add_test(tc, test_prepare_failed);
	tcase_add_test(tc, test_prepare_internal_error);
	tcase_add_test(tc, test_check_internal_error);
	tcase_add_test(tc, test_missing_files_run_nothing);
	tcase_add_test(tc, test_workdir_is_a_copy);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
