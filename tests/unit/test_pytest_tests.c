/*
 * test_pytest_tests.c - unit tests for the pytest-tests kind's loader
 * (runners/pytest_tests.c): a good definition loads, and every mistake in
 * the kind's keys is reported at once, each at its position.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grader/model/exercise.h"
#include "grader/util/util.h"

#include "fixture.h"

/* Loads root/exercise.yaml (text) with a reference and two broken
 * implementations present. */
static struct exercise *load(const char *text, struct diag *d)
{
	put("reference/discount.py", "def calculate_discount(p, d):\n    return p\n");
	put("broken/zero/discount.py", "def calculate_discount(p, d):\n    return 0\n");
	put("broken/free/discount.py", "def calculate_discount(p, d):\n    return 0\n");
	put("exercise.yaml", text);
	return exercise_load(root, d);
}

START_TEST(test_good)
{
	struct diag d = {0};
	struct exercise *ex = load("id: t/discount\n"
				   "title: Discount tests\n"
				   "kind: pytest-tests\n"
				   "files: [test_discount.py]\n"
				   "module: discount.py\n"
				   "broken:\n"
				   "  zero: \"gives no discount\"\n"
				   "  free: \"makes items free\"\n"
				   "mutants: auto\n"
				   "checks:\n"
				   "  - name: a\n"
				   "    passes: reference\n"
				   "  - name: b\n"
				   "    catches: zero\n"
				   "  - name: c\n"
				   "    catches: free\n"
				   "  - name: d\n"
				   "    mutation_score: 75%\n",
				   &d);
	diag_print(&d, stderr);
	ck_assert_ptr_nonnull(ex);
	ck_assert_str_eq(ex->kind, "pytest-tests");
	ck_assert_uint_eq(ex->nchecks, 4);
	ck_assert_uint_eq(d.n, 0);
	exercise_free(ex);
	diag_free(&d);

	/* a map for mutants, a reference folder named otherwise */
	put("impl/good/discount.py", "def calculate_discount(p, d):\n    return p\n");
	ex = load("id: t/discount\ntitle: D\nkind: pytest-tests\nfiles: test_discount.py\n"
		  "module: [discount.py]\nreference: impl/good/\nbroken: { zero: \"no\" }\n"
		  "mutants: { max: 30, time: 20s }\nchecks:\n  - name: a\n    passes: reference\n",
		  &d);
	diag_print(&d, stderr);
	ck_assert_ptr_nonnull(ex);
	exercise_free(ex);
	diag_free(&d);
}
END_TEST

START_TEST(test_exercise_errors)
{
	struct diag d = {0};
	struct exercise *ex = load("id: t/discount\n"
				   "title: Discount tests\n"
				   "kind: pytest-tests\n"
				   "files: [tests.txt]\n"
				   "module: discount.py\n"
				   "reference: nowhere/\n"
				   "broken:\n"
				   "  zero: \"gives no discount\"\n"
				   "  missing: \"is not there\"\n"
				   "  \"../up\": \"leaves\"\n"
				   "  free: \"two\\nlines\"\n"
				   "mutants: sometimes\n"
				   "checks:\n"
				   "  - name: a\n"
				   "    passes: reference\n",
				   &d);
	ck_assert_ptr_null(ex);
	has_diag(&d, 4, "'tests.txt': the learner's files are pytest test files and end in .py");
	has_diag(&d, 6,
		 "reference implementation folder 'nowhere' not found in the exercise folder");
	has_diag(&d, 9, "broken implementation folder 'broken/missing' not found");
	has_diag(&d, 10, "'../up' is not a folder name");
	has_diag(&d, 11, "the description of 'free' must be one line");
	has_diag(&d, 12, "'mutants' must be auto, off, or a map like {max: 30, time: 20s}");
	diag_free(&d);

	/* the module missing from an implementation folder; no 'module' */
	put("broken/nomod/other.py", "x = 1\n");
	ex = load("id: t/d\ntitle: D\nkind: pytest-tests\nfiles: [test_d.py]\nmodule: discount.py\n"
		  "broken: { nomod: \"has no module\" }\n"
		  "mutants: { max: 0, time: 0s, speed: 2 }\n"
		  "checks:\n  - name: a\n    passes: reference\n",
		  &d);
	ck_assert_ptr_null(ex);
	has_diag(&d, 6, "implementation file 'broken/nomod/discount.py' not found");
	has_diag(&d, 7, "unknown key 'speed'");
	has_diag(&d, 7, "'max' must be between 1 and 200, not 0");
	has_diag(&d, 7, "'time': bad duration '0s'");
	diag_free(&d);

	ex = load("id: t/d\ntitle: D\nkind: pytest-tests\nfiles: [test_d.py]\n"
		  "checks:\n  - name: a\n    passes: reference\n",
		  &d);
	ck_assert_ptr_null(ex);
	has_diag(&d, 1, "missing key 'module'");
	has_diag(&d, 1, "missing key 'broken'");
	diag_free(&d);
}
END_TEST

START_TEST(test_check_errors)
{
	struct diag d = {0};
	struct exercise *ex = load("id: t/discount\n"
				   "title: Discount tests\n"
				   "kind: pytest-tests\n"
				   "files: [test_discount.py]\n"
				   "module: discount.py\n"
				   "broken:\n"
				   "  zero: \"gives no discount\"\n"
				   "checks:\n"
				   "  - name: none\n"
				   "    points: 1\n"
				   "  - name: several\n"
				   "    passes: reference\n"
				   "    catches: zero\n"
				   "  - name: typo\n"
				   "    catches: zeroo\n"
				   "  - name: not reference\n"
				   "    passes: zero\n"
				   "  - name: no mutants\n"
				   "    mutation_score: 80%\n"
				   "  - name: own limits\n"
				   "    passes: reference\n"
				   "    limits: { wall: 1s }\n"
				   "  - name: bad typo\n"
				   "    catchez: zero\n",
				   &d);
	ck_assert_ptr_null(ex);
	has_diag(&d, 9, "check 'none' needs one of 'passes: reference', 'catches: NAME'");
	has_diag(&d, 13,
		 "check 'several' has more than one of 'passes', 'catches' and "
		 "'mutation_score'");
	has_diag(&d, 15,
		 "'zeroo' is not one of the exercise's broken implementations (did you "
		 "mean 'zero'?)");
	has_diag(&d, 17, "'passes' takes only 'reference'");
	has_diag(&d, 19, "a 'mutation_score' check needs mutants: set 'mutants: auto'");
	has_diag(&d, 22, "a pytest-tests check cannot have its own 'limits'");
	has_diag(&d, 24, "unknown key 'catchez' (did you mean 'catches'?)");
	diag_free(&d);

	ex = load("id: t/discount\ntitle: D\nkind: pytest-tests\nfiles: [test_discount.py]\n"
		  "module: discount.py\nbroken: { zero: \"no\" }\nmutants: auto\nchecks:\n"
		  "  - name: a\n    mutation_score: 120%\n  - name: b\n    mutation_score: 0.8\n",
		  &d);
	ck_assert_ptr_null(ex);
	has_diag(&d, 10, "'mutation_score' must be a percentage from 0% to 100%");
	has_diag(&d, 12, "'mutation_score' must be a percentage from 0% to 100%");
	diag_free(&d);
}
END_TEST

/* A broken implementation no check names, mutants no check scores:
 * warnings, and the exercise still loads. */
START_TEST(test_warnings)
{
	struct diag d = {0};
	struct exercise *ex =
	    load("id: t/d\ntitle: D\nkind: pytest-tests\nfiles: [test_d.py]\n"
		 "module: discount.py\nbroken:\n  zero: \"no\"\n  free: \"free\"\n"
		 "mutants: auto\nchecks:\n  - name: a\n    catches: zero\n",
		 &d);
	ck_assert_ptr_nonnull(ex);
	ck_assert_uint_eq(d.errors, 0);
	has_diag(&d, 8, "broken implementation 'free' is named by no check's 'catches'");
	has_diag(&d, 9, "'mutants' is on but no check has 'mutation_score'");
	exercise_free(ex);
	diag_free(&d);
}
END_TEST

/* The implementations decide the grading: they are in the digest; the
 * learner-side folders (solution/, wrong/) are not. */
START_TEST(test_digest)
{
	static const char text[] = "id: t/d\ntitle: D\nkind: pytest-tests\nfiles: [test_d.py]\n"
				   "module: discount.py\nbroken: { zero: \"no\" }\nchecks:\n"
				   "  - name: a\n    passes: reference\n";
	struct diag d = {0};
	struct exercise *ex = load(text, &d);
	ck_assert_ptr_nonnull(ex);
	char first[72];
	strcpy(first, ex->digest);
	exercise_free(ex);
	put("solution/test_d.py", "def test_a():\n    pass\n");
	put("wrong/weak/test_d.py", "def test_b():\n    pass\n");
	ex = exercise_load(root, &d);
	ck_assert_ptr_nonnull(ex);
	ck_assert_str_eq(ex->digest, first);
	exercise_free(ex);
	put("broken/zero/discount.py", "def calculate_discount(p, d):\n    return -1\n");
	ex = exercise_load(root, &d);
	ck_assert_ptr_nonnull(ex);
	ck_assert_str_ne(ex->digest, first);
	exercise_free(ex);
	diag_free(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pytest-tests");
	TCase *tc = tcase_create("loader");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_exercise_errors);
	tcase_add_test(tc, test_check_errors);
	tcase_add_test(tc, test_digest);
	tcase_add_test(tc, test_warnings);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
