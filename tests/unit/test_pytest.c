/*
 * test_pytest.c - unit tests for the pytest kind's loader (runners/pytest.c):
 * what a good definition becomes, and that every mistake in the kind's keys
 * is reported at once, each at its position, with hints.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grader/model/exercise.h"
#include "grader/util/util.h"

#include "fixture.h"

/* Loads root/exercise.yaml (text) with the two test files present. */
static struct exercise *load(const char *text, struct diag *d)
{
	put("tests/test_cart.py", "def test_a():\n    pass\n");
	put("tests/test_hidden.py", "def test_h():\n    pass\n");
	put("exercise.yaml", text);
	return exercise_load(root, d);
}

START_TEST(test_good)
{
	struct diag d = {0};
	struct exercise *ex =
	    load("id: t/cart\n"
		 "title: Cart\n"
		 "kind: pytest\n"
		 "files: [cart.py]\n"
		 "tests: [tests/test_cart.py, tests/test_hidden.py]\n"
		 "requires: python3\n"
		 "checks:\n"
		 "  - name: a\n"
		 "    tests: tests/test_cart.py::test_a\n"
		 "  - name: b\n"
		 "    tests: [\"tests/test_cart.py::test_*\", tests/test_cart.py]\n"
		 "  - name: h\n"
		 "    visibility: hidden\n"
		 "    tests: [tests/test_hidden.py::test_h]\n",
		 &d);
	diag_print(&d, stderr);
	ck_assert_ptr_nonnull(ex);
	ck_assert_str_eq(ex->kind, "pytest");
	ck_assert_uint_eq(ex->nchecks, 3);
	ck_assert_uint_eq(d.errors, 0);
	ck_assert_uint_eq(d.n, 0); /* python3 is installed: no warning */
	exercise_free(ex);
	diag_free(&d);
}
END_TEST

START_TEST(test_exercise_errors)
{
	struct diag d = {0};
	put("tests/data.txt", "x\n");
	struct exercise *ex =
	    load("id: t/cart\n"
		 "title: Cart\n"
		 "kind: pytest\n"
		 "tests: [tests/test_cart.py, ../x.py, tests/data.txt, tests/nope.py,\n"
		 "        tests/test_cart.py, \"tests/test_*.py\"]\n"
		 "requires: [Python3_Flask, python3-no-such-package-here]\n"
		 "testz: 1\n"
		 "checks:\n"
		 "  - name: a\n"
		 "    tests: tests/test_cart.py\n",
		 &d);
	ck_assert_ptr_null(ex);
	has_diag(&d, 4, "'../x.py' must be a relative path inside the exercise folder");
	has_diag(&d, 4, "'tests/data.txt' is not a Python file");
	has_diag(&d, 4, "test file 'tests/nope.py' not found in the exercise folder");
	has_diag(&d, 5, "test file 'tests/test_cart.py' is listed twice");
	has_diag(&d, 5, "list test files here");
	has_diag(&d, 6, "'Python3_Flask' is not a Debian package name");
	has_diag(&d, 6, "package python3-no-such-package-here is not installed on this machine");
	has_diag(&d, 6, "apt-get install python3-no-such-package-here");
	has_diag(&d, 7, "unknown key 'testz' (did you mean 'tests'?)");
	diag_free(&d);

	ex = load("id: t/cart\ntitle: Cart\nkind: pytest\nchecks:\n  - name: a\n"
		  "    tests: tests/test_cart.py\n",
		  &d);
	ck_assert_ptr_null(ex);
	has_diag(&d, 1, "missing key 'tests': the exercise's pytest files");
	diag_free(&d);

	ex = load("id: t/cart\ntitle: Cart\nkind: pytest\nlimits: { wall: 5s }\n"
		  "tests: tests/test_cart.py\ntest_timeout: 30s\nchecks:\n  - name: a\n"
		  "    tests: tests/test_cart.py\n",
		  &d);
	ck_assert_ptr_null(ex);
	has_diag(&d, 6, "'test_timeout' (30.0 s) is longer than the whole run's wall limit (5.0 s)");
	diag_free(&d);
}
END_TEST

START_TEST(test_check_errors)
{
	struct diag d = {0};
	struct exercise *ex =
	    load("id: t/cart\n"
		 "title: Cart\n"
		 "kind: pytest\n"
		 "limits: { wall: 5s }\n"
		 "tests: [tests/test_cart.py, tests/test_hidden.py]\n"
		 "checks:\n"
		 "  - name: no tests\n"
		 "    points: 1\n"
		 "  - name: bad selectors\n"
		 "    tests: [tests/test_crat.py::test_a, other.py, \"tests/*.py::test_a\",\n"
		 "            \"tests/test_cart.py::\"]\n"
		 "  - name: own limits\n"
		 "    limits: { wall: 1s }\n"
		 "    tests: tests/test_cart.py::test_a\n"
		 "  - name: empty\n"
		 "    tests: []\n"
		 "  - name: visible\n"
		 "    tests: tests/test_hidden.py::test_h\n"
		 "  - name: secret\n"
		 "    visibility: hidden\n"
		 "    tests: [tests/test_hidden.py]\n"
		 "  - name: typo\n"
		 "    testss: tests/test_cart.py\n",
		 &d);
	ck_assert_ptr_null(ex);
	has_diag(&d, 7, "check 'no tests' has no 'tests'");
	has_diag(&d, 10,
		 "'tests/test_crat.py' is not one of the exercise's test files (did you mean "
		 "'tests/test_cart.py'?)");
	has_diag(&d, 10, "'other.py' is not one of the exercise's test files (list it");
	has_diag(&d, 10, "the file part of a selector cannot be a pattern");
	has_diag(&d, 11, "names no test after '::'");
	has_diag(&d, 13, "a pytest check cannot have its own 'limits'");
	has_diag(&d, 16, "'tests' must select at least one test");
	has_diag(&d, 21,
		 "test file 'tests/test_hidden.py' is used by hidden check 'secret' and visible "
		 "check 'visible'");
	has_diag(&d, 23, "unknown key 'testss' (did you mean 'tests'?)");
	diag_free(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pytest");
	TCase *tc = tcase_create("loader");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_exercise_errors);
	tcase_add_test(tc, test_check_errors);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
