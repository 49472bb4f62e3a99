/*
 * test_rows.c - unit tests for result sets and the rows matcher
 * (grader/match/match_rows.c): each comparison rule, the words of each
 * kind of difference, and the CSV and YAML readers with their positions.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "grader/match/rows.h"
#include "grader/model/yaml.h"
#include "grader/util/util.h"

/* A set from a compact spec: "a,b|i1,tAnn|i2,n" (i integer, r real, m
 * numeric, t text, n NULL, o bool "true"). */
static void make(struct rows *r, const char *cols, const char *const *rows, size_t n)
{
	char *c = xstrdup(cols), *save = NULL;
	const char *names[16];
	size_t nc = 0;
	for (char *t = strtok_r(c, ",", &save); t; t = strtok_r(NULL, ",", &save))
		names[nc++] = t;
	memset(r, 0, sizeof *r);
	rows_set_columns(r, names, nc);
	free(c);
	for (size_t i = 0; i < n; i++) {
		size_t k = rows_add_row(r), col = 0;
		char *row = xstrdup(rows[i]);
		save = NULL;
		for (char *t = strtok_r(row, ",", &save); t; t = strtok_r(NULL, ",", &save), col++) {
			enum rows_type ty = t[0] == 'i'   ? ROWS_INT
					    : t[0] == 'r' ? ROWS_REAL
					    : t[0] == 'm' ? ROWS_NUMERIC
					    : t[0] == 'n' ? ROWS_NULL
					    : t[0] == 'o' ? ROWS_BOOL
							  : ROWS_TEXT;
			rows_set(r, k, col, ty, t + 1, strlen(t + 1));
		}
		ck_assert_uint_eq(col, nc);
		free(row);
	}
}

/* Matches and returns the summary of the diff (heap, "" on a match). */
static char *cmp(const struct rows *e, const struct rows *a, const struct rows_spec *s, int want)
{
	struct match_diff *d = NULL;
	int ok = rows_match(e, a, s, &d);
	ck_assert_int_eq(ok, want);
	char *sum = xstrdup(d && d->summary ? d->summary : "");
	if (!ok)
		ck_assert_ptr_nonnull(d);
	match_diff_free(d);
	return sum;
}

START_TEST(test_ordered_bag_set)
{
	struct rows e, a;
	struct rows_spec s;
	rows_spec_init(&s);
	const char *er[] = {"i1,tAnn", "i2,tBob", "i2,tBob"};
	const char *ar[] = {"i2,tBob", "i1,tAnn", "i2,tBob"};
	make(&e, "id,name", er, 3);
	make(&a, "id,name", ar, 3);
	free(cmp(&e, &a, &s, 1)); /* a bag: order free */
	s.order = ROWS_ORDERED;
	char *m = cmp(&e, &a, &s, 0);
	ck_assert_ptr_nonnull(strstr(m, "the right rows in the wrong order"));
	ck_assert_ptr_nonnull(strstr(m, "row 1"));
	free(m);
	rows_free(&a);
	/* duplicates count in a bag, not in a set */
	const char *ar2[] = {"i2,tBob", "i1,tAnn"};
	make(&a, "id,name", ar2, 2);
	s.order = ROWS_BAG;
	m = cmp(&e, &a, &s, 0);
	ck_assert_ptr_nonnull(strstr(m, "1 row missing"));
	free(m);
	s.order = ROWS_SET;
	free(cmp(&e, &a, &s, 1));
	rows_free(&e);
	rows_free(&a);
}
END_TEST

START_TEST(test_values)
{
	struct rows e, a;
	struct rows_spec s;
	rows_spec_init(&s);
	/* loose types: 1, 1.0 and '1' are equal; NULL only equals NULL */
	const char *er[] = {"i1,r2.5,n"};
	const char *ar[] = {"t1,m2.50,n"};
	make(&e, "a,b,c", er, 1);
	make(&a, "a,b,c", ar, 1);
	free(cmp(&e, &a, &s, 1));
	s.strict_types = 1;
	s.order = ROWS_ORDERED;
	char *m = cmp(&e, &a, &s, 0);
	ck_assert_ptr_nonnull(strstr(m, "the types differ: integer expected, got text"));
	free(m);
	rows_free(&a);
	const char *ar2[] = {"i1,r2.5,t"};
	make(&a, "a,b,c", ar2, 1);
	s.strict_types = 0;
	m = cmp(&e, &a, &s, 0);
	ck_assert_ptr_nonnull(strstr(m, "NULL was expected, not an empty text"));
	free(m);
	rows_free(&a);
	/* tolerance and rounding */
	const char *ar3[] = {"i1,r2.504,n"};
	make(&a, "a,b,c", ar3, 1);
	m = cmp(&e, &a, &s, 0);
	ck_assert_ptr_nonnull(strstr(m, "off by"));
	free(m);
	s.abs_tol = 0.01;
	free(cmp(&e, &a, &s, 1));
	s.abs_tol = 0;
	s.round = 2;
	free(cmp(&e, &a, &s, 1));
	rows_free(&a);
	rows_free(&e);
	/* texts that print alike */
	s.round = -1;
	const char *et[] = {"tAnn"}, *at[] = {"tAnn "}, *ac[] = {"tann"};
	make(&e, "n", et, 1);
	make(&a, "n", at, 1);
	m = cmp(&e, &a, &s, 0);
	ck_assert_ptr_nonnull(strstr(m, "trailing spaces"));
	free(m);
	rows_free(&a);
	make(&a, "n", ac, 1);
	m = cmp(&e, &a, &s, 0);
	ck_assert_ptr_nonnull(strstr(m, "upper and lower case"));
	free(m);
	rows_free(&a);
	rows_free(&e);
}
END_TEST

START_TEST(test_columns)
{
	struct rows e, a;
	struct rows_spec s;
	rows_spec_init(&s);
	const char *er[] = {"i1,tAnn"};
	const char *ar[] = {"tAnn,i1"};
	make(&e, "id,name", er, 1);
	make(&a, "name,id", ar, 1);
	char *m = cmp(&e, &a, &s, 0);
	ck_assert_ptr_nonnull(strstr(m, "the columns are in another order"));
	free(m);
	s.any_column_order = 1;
	free(cmp(&e, &a, &s, 1));
	rows_free(&a);
	const char *ar2[] = {"i1,tAnn"};
	make(&a, "ID,customer", ar2, 1);
	s.any_column_order = 0;
	m = cmp(&e, &a, &s, 0);
	ck_assert_str_eq(m, "column 2 is named 'customer', expected 'name'");
	free(m);
	s.ignore_names = 1;
	free(cmp(&e, &a, &s, 1));
	rows_free(&a);
	const char *ar3[] = {"i1"};
	make(&a, "id", ar3, 1);
	m = cmp(&e, &a, &s, 0);
	ck_assert_str_eq(m, "expected 2 columns, got 1");
	free(m);
	rows_free(&a);
	/* a result cut at a cap never passes */
	make(&a, "id,name", er, 1);
	a.truncated = 1;
	m = cmp(&e, &a, &s, 0);
	ck_assert_ptr_nonnull(strstr(m, "cut at the limit"));
	free(m);
	rows_free(&a);
	rows_free(&e);
}
END_TEST

START_TEST(test_csv)
{
	struct diag d = {0};
	struct rows r;
	const char *text = "id,name,note\r\n1,\"Ann, the first\",\n2,\"say \"\"hi\"\"\",\"\"\n";
	ck_assert_int_eq(rows_from_csv(&r, "x.csv", text, strlen(text), &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(r.ncols, 3);
	ck_assert_uint_eq(r.nrows, 2);
	ck_assert_str_eq(r.cols[1], "name");
	ck_assert_int_eq(r.v[0].type, ROWS_INT);
	ck_assert_str_eq(r.v[1].text, "Ann, the first");
	ck_assert_int_eq(r.v[2].type, ROWS_NULL);   /* empty: NULL */
	ck_assert_str_eq(r.v[4].text, "say \"hi\"");
	ck_assert_int_eq(r.v[5].type, ROWS_TEXT);   /* "": the empty text */
	rows_free(&r);
	const char *bad = "a,b\n1,2\n3\n4,\"open\n";
	ck_assert_int_eq(rows_from_csv(&r, "x.csv", bad, strlen(bad), &d), -1);
	ck_assert_uint_ge(d.n, 1);
	ck_assert_int_eq(d.v[0].line, 3);
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "this line has 1 field, the header names 2"));
	rows_free(&r);
	diag_free(&d);
	const char *empty = "";
	ck_assert_int_eq(rows_from_csv(&r, "e.csv", empty, 0, &d), -1);
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "the file is empty"));
	rows_free(&r);
	diag_free(&d);
}
END_TEST

START_TEST(test_yaml_rows_and_spec)
{
	struct diag d = {0};
	const char *text = "rows: [[1, \"1\", null, 2.5, true], [2, x, ~, '', false]]\n"
			   "bad: [[1, 2], [3]]\n"
			   "spec: {order: ordered, types: strict, round: 2, column_order: any}\n"
			   "wrong: {order: sorted, abs: -1}\n";
	struct yaml_node *doc = yaml_parse("t.yaml", text, strlen(text), &d);
	ck_assert_ptr_nonnull(doc);
	struct rows r = {0};
	const char *cols[] = {"a", "b", "c", "d", "e"};
	ck_assert_int_eq(rows_from_yaml(&r, yaml_get(doc, "rows"), cols, 5, &d), 0);
	ck_assert_uint_eq(r.nrows, 2);
	ck_assert_int_eq(r.v[0].type, ROWS_INT);
	ck_assert_int_eq(r.v[1].type, ROWS_TEXT); /* quoted */
	ck_assert_int_eq(r.v[2].type, ROWS_NULL);
	ck_assert_int_eq(r.v[3].type, ROWS_REAL);
	ck_assert_int_eq(r.v[4].type, ROWS_BOOL);
	ck_assert_int_eq(r.v[7].type, ROWS_NULL);
	ck_assert_int_eq(r.v[8].type, ROWS_TEXT);
	rows_free(&r);
	ck_assert_int_eq(rows_from_yaml(&r, yaml_get(doc, "bad"), NULL, 0, &d), -1);
	ck_assert_int_eq(d.v[d.n - 1].line, 2);
	ck_assert_ptr_nonnull(strstr(d.v[d.n - 1].message, "this row has 1 value, expected 2"));
	rows_free(&r);
	struct rows_spec s;
	rows_spec_init(&s);
	ck_assert_int_eq(rows_spec_from_yaml(&s, yaml_get(doc, "spec"), &d), 0);
	ck_assert_int_eq(s.order, ROWS_ORDERED);
	ck_assert_int_eq(s.strict_types, 1);
	ck_assert_int_eq(s.round, 2);
	ck_assert_int_eq(s.any_column_order, 1);
	size_t before = d.n;
	ck_assert_int_eq(rows_spec_from_yaml(&s, yaml_get(doc, "wrong"), &d), -1);
	ck_assert_uint_eq(d.n, before + 2);
	ck_assert_ptr_nonnull(strstr(d.v[before].message, "must be one of bag, ordered, set"));
	ck_assert_int_eq(d.v[before].line, 4);
	yaml_node_free(doc);
	diag_free(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rows");
	TCase *t = tcase_create("rows");
	tcase_add_test(t, test_ordered_bag_set);
	tcase_add_test(t, test_values);
	tcase_add_test(t, test_columns);
	tcase_add_test(t, test_csv);
	tcase_add_test(t, test_yaml_rows_and_spec);
	suite_add_tcase(s, t);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
