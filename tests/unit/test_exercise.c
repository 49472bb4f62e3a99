/*
 * test_exercise.c - unit tests for the exercise and course loaders
 * (grader/model/exercise.c, course.c): what a good definition becomes,
 * and that a bad one gets every error at once, each at its position.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "grader/model/exercise.h"
#include "grader/util/util.h"

#include "fixture.h"

static char *at(const char *rel)
{
	return path_join(root, rel);
}

static const char good[] = "id: t/echo\n"
			   "title: Echo\n"
			   "kind: io\n"
			   "points: 6\n"
			   "files: [echo.sh]\n"
			   "limits: { wall: 3s, memory: 64MiB }\n"
			   "run: [sh, echo.sh]\n"
			   "checks:\n"
			   "  - name: after\n"
			   "    points: 3\n"
			   "    depends_on: [first]\n"
			   "    visibility: hidden\n"
			   "    limits: { wall: 1s }\n"
			   "    stdin: { file: tests/in.txt }\n"
			   "    expect: { stdout: { lines: { file: tests/out.txt } } }\n"
			   "  - name: first\n"
			   "    points: 2\n"
			   "    stdin: \"hi\\n\"\n"
			   "    expect: { stdout: \"hi\\n\" }\n"
			   "  - name: third\n"
			   "    stdin: \"x\"\n"
			   "    expect: { stdout: \"x\" }\n";

START_TEST(test_good_exercise)
{
	put("ex/exercise.yaml", good);
	put("ex/tests/in.txt", "a\nb\n");
	put("ex/tests/out.txt", "a\nb\n");
	put("ex/README.md", "statement\n");
	struct diag d = {0};
	char *dir = at("ex");
	struct exercise *ex = exercise_load(dir, &d);
	diag_print(&d, stderr);
	ck_assert_ptr_nonnull(ex);
	ck_assert_str_eq(ex->id, "t/echo");
	ck_assert_str_eq(ex->kind, "io");
	ck_assert_ptr_nonnull(ex->kind_ops);
	ck_assert_uint_eq(ex->nfiles, 1);
	ck_assert_str_eq(ex->files[0], "echo.sh");
	ck_assert_uint_eq(ex->nchecks, 3);
	ck_assert_double_eq(ex->points, 6);
	ck_assert_double_eq(ex->checks[2].points, 1); /* the default */
	ck_assert_int_eq(ex->checks[0].visibility, VIS_HIDDEN);
	ck_assert_double_eq(ex->checks[0].limits.wall_s, 1);
	ck_assert_uint_eq(ex->checks[0].limits.mem_bytes, 64u << 20); /* inherited */
	ck_assert_double_eq(ex->checks[1].limits.wall_s, 3);
	/* dependencies first, otherwise file order */
	ck_assert_uint_eq(ex->check_order[0], 1);
	ck_assert_uint_eq(ex->check_order[1], 0);
	ck_assert_uint_eq(ex->check_order[2], 2);
	ck_assert_int_eq(exercise_find_check(ex, "third"), 2);
	ck_assert_int_eq(exercise_find_check(ex, "nope"), -1);
	ck_assert_uint_eq(strlen(ex->digest), 7 + 64);
	ck_assert(!strncmp(ex->digest, "sha256:", 7));
	char digest[72];
	strcpy(digest, ex->digest);
	exercise_free(ex);

	/* the statement does not change the digest; an expected output does */
	put("ex/README.md", "a better statement\n");
	ex = exercise_load(dir, &d);
	ck_assert_str_eq(ex->digest, digest);
	exercise_free(ex);
	put("ex/tests/out.txt", "a\nB\n");
	ex = exercise_load(dir, &d);
	ck_assert_str_ne(ex->digest, digest);
	exercise_free(ex);
	ck_assert_uint_eq(d.errors, 0);
	free(dir);
	diag_free(&d);
}
END_TEST

START_TEST(test_every_error_at_once)
{
	put("bad/exercise.yaml", "id: Bad Id\n"
				 "kind: oi\n"
				 "points: 9\n"
				 "files: [../../etc/passwd]\n"
				 "limits: { wall: 2x, memory: lots, cores: 2 }\n"
				 "checks:\n"
				 "  - name: a\n"
				 "    points: \"2\"\n"
				 "    depends_on: b\n"
				 "  - name: b\n"
				 "    depends_on: [a, zz]\n"
				 "    visibility: hiden\n"
				 "  - name: a\n");
	struct diag d = {0};
	char *dir = at("bad");
	ck_assert_ptr_null(exercise_load(dir, &d));
	has_diag(&d, 1, "'id' must be lower-case");
	has_diag(&d, 1, "missing key 'title'");
	has_diag(&d, 2, "unknown kind 'oi' (did you mean 'io'?)");
	has_diag(&d, 4, "'../../etc/passwd'");
	has_diag(&d, 5, "bad duration '2x'");
	has_diag(&d, 5, "bad size 'lots'");
	has_diag(&d, 5, "unknown key 'cores'");
	has_diag(&d, 8, "drop the quotes");
	has_diag(&d, 11, "depends_on 'zz': no check has that name");
	has_diag(&d, 12, "unknown visibility 'hiden' (did you mean 'hidden'?)");
	has_diag(&d, 13, "duplicate check name 'a' (first at line 7");
	for (size_t i = 0; i < d.n; i++) {
		ck_assert(strstr(d.v[i].file, "exercise.yaml") != NULL);
		ck_assert_int_gt(d.v[i].line, 0);
		ck_assert_int_gt(d.v[i].col, 0);
	}
	free(dir);
	diag_free(&d);
}
END_TEST

START_TEST(test_cycle_and_points)
{
	put("cyc/exercise.yaml", "id: t/cyc\ntitle: C\nkind: io\nrun: cat\npoints: 5\nchecks:\n"
				 "  - {name: a, depends_on: c, stdin: x, expect: {stdout: x}}\n"
				 "  - {name: b, depends_on: a, stdin: x, expect: {stdout: x}}\n"
				 "  - {name: c, depends_on: b, stdin: x, expect: {stdout: x}}\n"
				 "  - {name: d, depends_on: d, stdin: x, expect: {stdout: x}}\n");
	struct diag d = {0};
	char *dir = at("cyc");
	ck_assert_ptr_null(exercise_load(dir, &d));
	has_diag(&d, 10, "check 'd' depends on itself");
	has_diag(&d, 5, "'points' is 5 but the checks' points add up to 4");
	diag_free(&d);
	memset(&d, 0, sizeof d);
	put("cyc/exercise.yaml", "id: t/cyc\ntitle: C\nkind: io\nrun: cat\nchecks:\n"
				 "  - {name: a, depends_on: c, stdin: x, expect: {stdout: x}}\n"
				 "  - {name: b, depends_on: a, stdin: x, expect: {stdout: x}}\n"
				 "  - {name: c, depends_on: b, stdin: x, expect: {stdout: x}}\n");
	ck_assert_ptr_null(exercise_load(dir, &d));
	has_diag(&d, 6, "depends_on cycle: 'a' -> 'c' -> 'b' -> 'a'");
	free(dir);
	diag_free(&d);
}
END_TEST

START_TEST(test_yaml_errors_positioned)
{
	put("y/exercise.yaml", "id: t/y\ntitle: [unclosed\n");
	struct diag d = {0};
	char *dir = at("y");
	ck_assert_ptr_null(exercise_load(dir, &d));
	ck_assert_uint_ge(d.errors, 1);
	has_diag(&d, 2, "the '[' opened at 2:8 is not closed: end the list with ']'");
	ck_assert_int_eq(d.v[0].col, 8);
	free(dir);
	diag_free(&d);

	memset(&d, 0, sizeof d);
	dir = at("nothing-here");
	ck_assert_ptr_null(exercise_load(dir, &d));
	ck_assert(strstr(d.v[0].message, "cannot open exercise folder") != NULL);
	free(dir);
	diag_free(&d);
}
END_TEST

static const char small[] = "title: %s\nkind: io\nrun: cat\nchecks:\n"
			    "  - {name: a, stdin: x, expect: {stdout: x}}\n";

static void put_small(const char *rel, const char *id)
{
	struct strbuf sb = {0};
	sb_addf(&sb, "id: %s\n", id);
	sb_addf(&sb, small, id);
	char *p = path_join(rel, "exercise.yaml");
	put(p, sb.buf);
	free(p);
	sb_free(&sb);
}

START_TEST(test_course_order_and_defaults)
{
	put_small("c/one", "c/one");
	put_small("c/two", "c/two");
	put_small("c/three", "c/three");
	put("c/course.yaml",
	    "title: Course\n"
	    "exercises:\n"
	    "  - {path: three, stage: 2}\n"
	    "  - {path: two, stage: 1, order: 5, submit: hw/two, due: 2027-01-31}\n"
	    "  - {path: one, stage: 1, order: 1, due: \"2027-01-31T10:00:00+01:00\"}\n");
	struct diag d = {0};
	char *dir = at("c");
	struct course *c = course_load(dir, &d);
	diag_print(&d, stderr);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->title, "Course");
	ck_assert_uint_eq(c->n, 3);
	ck_assert_str_eq(c->ex[0]->id, "c/one");
	ck_assert_str_eq(c->ex[1]->id, "c/two");
	ck_assert_str_eq(c->ex[2]->id, "c/three");
	ck_assert_str_eq(c->ex[0]->submit_path, "one");
	ck_assert_str_eq(c->ex[1]->submit_path, "hw/two");
	ck_assert_int_eq(c->ex[2]->stage, 2);
	/* 2027-01-31T23:59:59Z and 2027-01-31T09:00:00Z */
	ck_assert_int_eq((long long)c->ex[1]->due, 1801439999LL);
	ck_assert_int_eq((long long)c->ex[0]->due, 1801386000LL);
	ck_assert_int_eq((long long)c->ex[2]->due, 0);
	ck_assert_ptr_eq(course_find(c, "c/two"), c->ex[1]);
	ck_assert_ptr_null(course_find(c, "c/four"));
	course_free(c);
	free(dir);
	diag_free(&d);
}
END_TEST

START_TEST(test_course_errors)
{
	put_small("e/one", "e/same");
	put_small("e/two", "e/same");
	put("e/broken/exercise.yaml", "id: e/broken\ntitle: B\nkind: io\nrun: cat\nchecks: []\n");
	put("e/course.yaml", "title: Course\n"
			     "exercises:\n"
			     "  - {path: one, due: tomorrow}\n"
			     "  - {path: two, stage: 0}\n"
			     "  - {path: ../outside}\n"
			     "  - {path: missing}\n"
			     "  - {path: broken, sumbit: x}\n"
			     "  - {path: one, submit: /abs}\n");
	struct diag d = {0};
	char *dir = at("e");
	ck_assert_ptr_null(course_load(dir, &d));
	has_diag(&d, 3, "'due' must be a date like 2027-01-31");
	has_diag(&d, 4, "'stage' must be between 1 and 99");
	has_diag(&d, 5, "'path' must be a folder inside the course");
	has_diag(&d, 6, "'missing' has no exercise.yaml");
	has_diag(&d, 7, "unknown key 'sumbit' (did you mean 'submit'?)");
	has_diag(&d, 5, "'checks' must list at least one check");
	has_diag(&d, 8, "'submit' must be a folder inside the learner's repository");
	has_diag(&d, 8, "exercise 'one' is listed twice (first at line 3)");
	free(dir);
	diag_free(&d);

	/* the same id twice */
	put("e/course.yaml", "title: C\nexercises:\n  - path: one\n  - path: two\n");
	memset(&d, 0, sizeof d);
	dir = at("e");
	ck_assert_ptr_null(course_load(dir, &d));
	has_diag(&d, 4, "exercise id 'e/same' is already used");
	free(dir);
	diag_free(&d);
}
END_TEST

/* How many diagnostics of d contain want. */
static size_t count_diag(const struct diag *d, const char *want)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++)
		n += strstr(d->v[i].message, want) != NULL;
	return n;
}

/* A misspelt kind: the shared keys are still checked, and the kind's keys
 * are checked as for the kind 'did you mean' names; with no close kind,
 * the message says the kind's keys were not checked. */
START_TEST(test_unknown_kind_still_checks_keys)
{
	put("k/exercise.yaml", "id: t/k\n"
			       "title: K\n"
			       "kind: oi\n"
			       "run: cat\n"
			       "colour: red\n"
			       "checks:\n"
			       "  - name: a\n"
			       "    stdn: x\n"
			       "    points: many\n"
			       "    zzzzzz: 1\n");
	struct diag d = {0};
	char *dir = at("k");
	ck_assert_ptr_null(exercise_load(dir, &d));
	has_diag(&d, 3,
		 "unknown kind 'oi' (did you mean 'io'?); the other keys are checked as "
		 "for io");
	has_diag(&d, 5, "unknown key 'colour' in exercise.yaml: allowed here are id, title, kind,");
	has_diag(&d, 8, "unknown key 'stdn' (did you mean 'stdin'?)");
	has_diag(&d, 9, "'points' must be a number, not 'many'");
	has_diag(&d, 10, "unknown key 'zzzzzz' in a check: allowed here are name, points,");
	ck_assert_uint_eq(d.errors, 5);
	diag_free(&d);

	memset(&d, 0, sizeof d);
	put("k/exercise.yaml", "id: t/k\n"
			       "title: K\n"
			       "kind: spreadsheet\n"
			       "run: cat\n"
			       "checks:\n"
			       "  - name: a\n"
			       "    stdn: x\n"
			       "    points: many\n"
			       "  - name: a\n");
	ck_assert_ptr_null(exercise_load(dir, &d));
	has_diag(&d, 3, "unknown kind 'spreadsheet' (known kinds: io,");
	has_diag(&d, 3, "the keys of the kind are not checked until it is known");
	has_diag(&d, 8, "'points' must be a number, not 'many'");
	has_diag(&d, 9, "duplicate check name 'a' (first at line 6; names must be unique)");
	ck_assert_uint_eq(count_diag(&d, "unknown key"), 0);
	ck_assert_uint_eq(d.errors, 3);
	free(dir);
	diag_free(&d);
}
END_TEST

/* An exercise listed twice whose own file is broken, the repeat with a
 * mistake of its own: the exercise's problem is reported once, and the
 * repeat with both of its problems. */
START_TEST(test_course_entry_listed_twice)
{
	put("d/bad/exercise.yaml", "id: d/bad\ntitle: B\nkind: io\nrun: cat\nchecks:\n"
				   "  - {name: a, stdin: x, expect: {stdout: x}, pionts: 2}\n");
	put_small("d/good", "d/good");
	put("d/course.yaml", "title: C\n"
			     "exercises:\n"
			     "  - path: bad\n"
			     "  - path: good\n"
			     "  - path: ./bad/\n"
			     "    stage: zero\n");
	struct diag d = {0};
	char *dir = at("d");
	ck_assert_ptr_null(course_load(dir, &d));
	ck_assert_uint_eq(count_diag(&d, "unknown key 'pionts' (did you mean 'points'?)"), 1);
	has_diag(&d, 5,
		 "exercise './bad/' is listed twice (first at line 3): list each exercise "
		 "once");
	has_diag(&d, 6, "'stage' must be an integer, not 'zero'");
	ck_assert_uint_eq(d.errors, 3);
	free(dir);
	diag_free(&d);
}
END_TEST

/* Adding a kind is one file and one table entry; these keep what must
 * follow it from being forgotten: a fuzz seed that loads (so the fuzz
 * target reaches the kind's loader) and a docs page. */
START_TEST(test_every_kind_has_seed_and_docs)
{
	char *src = xstrdup(__FILE__);
	char *slash = strrchr(src, '/');
	ck_assert_ptr_nonnull(slash);
	*slash = '\0';
	const char **kinds = ex_kind_names();
	ck_assert_ptr_nonnull(kinds[0]);
	ck_assert_ptr_nonnull(ex_kind_find("io"));
	ck_assert_ptr_null(ex_kind_find("nope"));
	for (size_t i = 0; kinds[i]; i++) {
		ck_assert_ptr_eq(ex_kind_find(kinds[i])->name, kinds[i]);
		char *seed = xasprintf("%s/../fuzz/corpus/exercise/%s.yaml", src, kinds[i]);
		char *text;
		size_t len;
		ck_assert_msg(read_file(seed, 1 << 20, &text, &len) == 0,
			      "kind '%s' has no fuzz seed %s", kinds[i], seed);
		put("tests/a.in", "1\n2\n");
		put("tests/test_a.py", "def test_fields():\n    pass\n");
		put("tests/test_hidden.py", "def test_secret():\n    pass\n");
		put("reference/impl.py", "def f():\n    return 1\n"); /* pytest-tests */
		put("broken/off/impl.py", "def f():\n    return 2\n");
		put("exercise.yaml", text);
		struct diag d = {0};
		struct exercise *ex = exercise_load(root, &d);
		ck_assert_msg(ex != NULL, "the %s seed does not load", kinds[i]);
		ck_assert_str_eq(ex->kind, kinds[i]);
		exercise_free(ex);
		diag_free(&d);
		free(text);
		free(seed);
		char *doc = xasprintf("%s/../../docs/kinds/%s.md", src, kinds[i]);
		ck_assert_msg(access(doc, R_OK) == 0, "kind '%s' has no page %s", kinds[i], doc);
		free(doc);
	}
	free(kinds);
	free(src);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_good_exercise);
	tcase_add_test(tc, test_every_error_at_once);
	tcase_add_test(tc, test_cycle_and_points);
	tcase_add_test(tc, test_yaml_errors_positioned);
	tcase_add_test(tc, test_course_order_and_defaults);
	tcase_add_test(tc, test_course_errors);
	tcase_add_test(tc, test_unknown_kind_still_checks_keys);
	tcase_add_test(tc, test_course_entry_listed_twice);
	tcase_add_test(tc, test_every_kind_has_seed_and_docs);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
