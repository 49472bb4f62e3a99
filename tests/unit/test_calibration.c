/*
 * test_calibration.c - unit tests for limits relative to the reference
 * (grader/model/calibration.c): parsing "5x reference", the strict
 * reading of calibration.json (each mistake at its position), its writing
 * back, and what an exercise's limits become with a fresh, a missing and a
 * stale calibration.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grader/model/calibration.h"
#include "grader/model/exercise.h"
#include "grader/util/util.h"

#include "fixture.h"

START_TEST(test_relative_parse)
{
	double f = 0;
	ck_assert_int_eq(limit_relative_parse("5x reference", &f), 1);
	ck_assert(f == 5);
	ck_assert_int_eq(limit_relative_parse("2.5 x reference", &f), 1);
	ck_assert(f == 2.5);
	ck_assert_int_eq(limit_relative_parse("  10x\treference  ", &f), 1);
	ck_assert(f == 10);
	ck_assert_int_eq(limit_relative_parse("1000x reference", &f), 1);
	/* not written as relative: the duration reader has its say */
	ck_assert_int_eq(limit_relative_parse("2s", &f), 0);
	ck_assert_int_eq(limit_relative_parse("5x", &f), 0);
	ck_assert_int_eq(limit_relative_parse("", &f), 0);
	/* relative, but wrong */
	static const char *const bad[] = {"reference",       "x reference",    "5 reference",
					  "5xreference",     "0.5x reference", "1001x reference",
					  "-2x reference",   "5.x reference",  ".5x reference",
					  "5x the reference", "1e3x reference", "0x10x reference",
					  "nanx reference",  "5y reference",   NULL};
	for (int i = 0; bad[i]; i++)
		ck_assert_msg(limit_relative_parse(bad[i], &f) == -1, "'%s' accepted", bad[i]);
}
END_TEST

static const char good_cal[] = "{\n"
			       "  \"calibration\": 1,\n"
			       "  \"exercise\": \"t/rel\",\n"
			       "  \"digest\": \"sha256:"
			       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\n"
			       "  \"reference\": \"sha256:"
			       "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\",\n"
			       "  \"runs\": 3,\n"
			       "  \"figure\": \"max\",\n"
			       "  \"checks\": [\n"
			       "    {\"name\": \"a\", \"wall_ms\": 1400, \"cpu_ms\": 1300, "
			       "\"peak_kib\": 20480},\n"
			       "    {\"name\": \"b\"}\n"
			       "  ]\n"
			       "}\n";

START_TEST(test_parse_and_format)
{
	struct diag d = {0};
	struct calibration c;
	ck_assert_int_eq(calibration_parse("cal.json", good_cal, strlen(good_cal), &c, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_str_eq(c.exercise, "t/rel");
	ck_assert_int_eq(c.runs, 3);
	ck_assert_int_eq(c.digest_line, 4);
	ck_assert_uint_eq(c.n, 2);
	const struct cal_check *a = calibration_find(&c, "a");
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->wall_ms, 1400);
	ck_assert_int_eq(a->cpu_ms, 1300);
	ck_assert_int_eq(a->peak_kib, 20480);
	const struct cal_check *b = calibration_find(&c, "b");
	ck_assert_int_eq(b->wall_ms, -1);
	ck_assert_int_eq(b->peak_kib, -1);
	ck_assert_ptr_null(calibration_find(&c, "c"));
	/* what is written reads back the same */
	char *text = calibration_format(&c);
	struct calibration c2;
	ck_assert_int_eq(calibration_parse("again", text, strlen(text), &c2, &d), 0);
	ck_assert_str_eq(c2.digest, c.digest);
	ck_assert_str_eq(c2.reference, c.reference);
	ck_assert(!strncmp(c.reference, "sha256:fedcba", 13));
	ck_assert_uint_eq(c2.n, 2);
	ck_assert_int_eq(calibration_find(&c2, "a")->cpu_ms, 1300);
	ck_assert_int_eq(calibration_find(&c2, "b")->cpu_ms, -1);
	free(text);
	calibration_free(&c2);
	calibration_free(&c);
	diag_free(&d);
}
END_TEST

START_TEST(test_parse_errors_positioned)
{
	static const char bad[] = "{\n"
				  "  \"calibration\": 2,\n"
				  "  \"exercise\": \"t/rel\",\n"
				  "  \"digest\": \"md5:00\", \"reference\": \"sha256:XY\",\n"
				  "  \"runs\": 0,\n"
				  "  \"figure\": \"median\",\n"
				  "  \"extra\": 1,\n"
				  "  \"checks\": [\n"
				  "    {\"name\": \"a\", \"wall_ms\": -5},\n"
				  "    {\"name\": \"a\"},\n"
				  "    {\"wall\": 3},\n"
				  "    7\n"
				  "  ]\n"
				  "}\n";
	struct diag d = {0};
	struct calibration c;
	ck_assert_int_eq(calibration_parse("cal.json", bad, strlen(bad), &c, &d), -1);
	has_diag(&d, 2, "'calibration'");
	has_diag(&d, 4, "'digest' must be sha256:");
	has_diag(&d, 4, "'reference' must be sha256:");
	has_diag(&d, 5, "'runs'");
	has_diag(&d, 6, "'figure' must be max");
	has_diag(&d, 7, "unknown key 'extra'");
	has_diag(&d, 9, "'wall_ms'");
	has_diag(&d, 10, "check 'a' appears twice");
	has_diag(&d, 11, "unknown key 'wall'");
	has_diag(&d, 11, "needs its 'name'");
	has_diag(&d, 12, "a check of 'checks'");
	for (size_t i = 0; i < d.n; i++) {
		ck_assert_str_eq(d.v[i].file, "cal.json");
		ck_assert_int_gt(d.v[i].col, 0);
	}
	calibration_free(&c);
	diag_free(&d);

	/* not JSON at all, missing keys, and a NUL byte */
	struct diag d2 = {0};
	ck_assert_int_eq(calibration_parse("x", "{\"runs\": [", 10, &c, &d2), -1);
	ck_assert_uint_gt(d2.errors, 0);
	calibration_free(&c);
	diag_free(&d2);
	struct diag d3 = {0};
	ck_assert_int_eq(calibration_parse("x", "{}", 2, &c, &d3), -1);
	has_diag(&d3, 1, "missing key 'digest'");
	has_diag(&d3, 1, "missing key 'checks'");
	calibration_free(&c);
	diag_free(&d3);
	struct diag d4 = {0};
	ck_assert_int_eq(calibration_parse("x", "{\"a\0\": 1}", 9, &c, &d4), -1);
	calibration_free(&c);
	diag_free(&d4);
}
END_TEST

static const char rel_yaml[] = "id: t/rel\n"
			       "title: Relative\n"
			       "kind: io\n"
			       "files: [p.sh]\n"
			       "limits: { wall: 5x reference, memory: 2x reference }\n"
			       "run: [sh, p.sh]\n"
			       "checks:\n"
			       "  - name: a\n"
			       "    limits: { cpu: 3x reference }\n"
			       "    stdin: \"\"\n"
			       "    expect: { stdout: \"\" }\n"
			       "  - name: b\n"
			       "    limits: { wall: 2s }\n"
			       "    stdin: \"\"\n"
			       "    expect: { stdout: \"\" }\n"
			       "  - name: tiny\n"
			       "    stdin: \"\"\n"
			       "    expect: { stdout: \"\" }\n";

/* Writes a calibration of ex's digest with figures for a, b and tiny. */
static void put_calibration(const char *digest, const char *id)
{
	struct cal_check k[] = {{"a", 1400, 1300, 65536}, {"b", 100, 90, 1024}, {"tiny", 20, 10, 512}};
	struct calibration c = {
	    .exercise = (char *)id, .digest = (char *)digest, .runs = 1, .checks = k, .n = 3,
	    .reference = "sha256:00000000000000000000000000000000000000000000000000000000000000aa"};
	char *text = calibration_format(&c);
	put("ex/calibration.json", text);
	free(text);
}

START_TEST(test_exercise_limits)
{
	put("ex/exercise.yaml", rel_yaml);
	char *dir = path_join(root, "ex");
	struct diag d = {0};
	/* no calibration: an error at the first relative limit */
	ck_assert_ptr_null(exercise_load(dir, &d));
	has_diag(&d, 5, "no calibration.json: run 'grader check --calibrate");
	diag_free(&d);

	/* loaded to be measured, the relative limits stay at their defaults */
	calibration_set_measuring(1);
	struct exercise *ex = exercise_load(dir, &d);
	calibration_set_measuring(0);
	ck_assert_ptr_nonnull(ex);
	ck_assert_uint_eq(d.errors, 0);
	ck_assert_ptr_nonnull(ex->uncalibrated);
	ck_assert(ex->checks[0].limits.wall_s == 0);
	ck_assert(ex->checks[0].limits.wall_rel.factor == 5);
	ck_assert(ex->checks[1].limits.wall_s == 2);
	ck_assert(ex->checks[1].limits.wall_rel.factor == 0); /* the check's own, absolute */
	char digest[72];
	strcpy(digest, ex->digest);
	exercise_free(ex);

	/* a fresh calibration resolves them; calibration.json is not digested */
	put_calibration(digest, "t/rel");
	ex = exercise_load(dir, &d);
	diag_print(&d, stderr);
	ck_assert_ptr_nonnull(ex);
	ck_assert_str_eq(ex->digest, digest);
	ck_assert_ptr_null(ex->uncalibrated);
	ck_assert_str_eq(ex->calibrated_reference, "sha256:"
			 "00000000000000000000000000000000000000000000000000000000000000aa");
	const struct ex_limits *a = &ex->checks[0].limits, *b = &ex->checks[1].limits,
			       *t = &ex->checks[2].limits;
	ck_assert_double_eq_tol(a->wall_s, 7.0, 1e-9);   /* 5 x 1.4 s */
	ck_assert_double_eq_tol(a->cpu_s, 3.9, 1e-9);    /* 3 x 1.3 s */
	ck_assert_uint_eq(a->mem_bytes, 128ull << 20);   /* 2 x 64 MiB */
	ck_assert_double_eq_tol(b->wall_s, 2.0, 1e-9);   /* absolute */
	ck_assert_uint_eq(b->mem_bytes, CAL_FLOOR_MEM_BYTES); /* 2 x 1 MiB, floored */
	ck_assert_double_eq_tol(t->wall_s, CAL_FLOOR_WALL_S, 1e-9); /* 5 x 20 ms, floored */
	ck_assert(t->cpu_s == 0);                        /* not set anywhere */
	/* the exercise's own: the largest figure of its checks */
	ck_assert_double_eq_tol(ex->limits.wall_s, 7.0, 1e-9);
	exercise_free(ex);
	diag_free(&d);

	/* another exercise's calibration */
	put_calibration(digest, "t/other");
	ck_assert_ptr_null(exercise_load(dir, &d));
	has_diag(&d, 0, "the calibration is of exercise 't/other'");
	diag_free(&d);

	/* any change to the exercise makes it stale, at the digest's line */
	put_calibration(digest, "t/rel");
	char *changed = xasprintf("%s# a comment\n", rel_yaml);
	put("ex/exercise.yaml", changed);
	free(changed);
	ck_assert_ptr_null(exercise_load(dir, &d));
	has_diag(&d, 4, "stale calibration");
	has_diag(&d, 4, "grader check --calibrate");
	diag_free(&d);
	free(dir);
}
END_TEST

START_TEST(test_limit_syntax_errors)
{
	put("ex/exercise.yaml", "id: t/rel\n"
				"title: Relative\n"
				"kind: io\n"
				"run: [sh, p.sh]\n"
				"limits: { wall: 0.5x reference, cpu: 5 reference, output: 5x reference }\n"
				"checks:\n"
				"  - name: a\n"
				"    limits: { memory: 5x references }\n"
				"    stdin: \"\"\n"
				"    expect: { stdout: \"\" }\n");
	char *dir = path_join(root, "ex");
	struct diag d = {0};
	ck_assert_ptr_null(exercise_load(dir, &d));
	has_diag(&d, 5, "'wall' '0.5x reference': a limit relative to the reference is written");
	has_diag(&d, 5, "'cpu' '5 reference'");
	has_diag(&d, 5, "'output'"); /* only wall, cpu and memory may be relative */
	has_diag(&d, 8, "'memory'");
	diag_free(&d);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("calibration");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_relative_parse);
	tcase_add_test(tc, test_parse_and_format);
	tcase_add_test(tc, test_parse_errors_positioned);
	tcase_add_test(tc, test_exercise_limits);
	tcase_add_test(tc, test_limit_syntax_errors);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
