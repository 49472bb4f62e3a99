/*
 * test_sql_kind.c - unit tests for the sql kind's loader (runners/sql.c) and
 * the PostgreSQL statement splitter (runners/sql_pg.c): a good
 * definition loads, every mistake is reported at once at its position,
 * and statements are cut only where PostgreSQL cuts them.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "grader/model/exercise.h"
#include "grader/util/util.h"
#include "runners/sql.h"

#include "fixture.h"

static struct exercise *load(const char *text, struct diag *d)
{
	put("schema.sql", "CREATE TABLE t (a INTEGER);\n");
	put("other.sql", "INSERT INTO t VALUES (1);\n");
	put("expected.csv", "a\n1\n");
	put("solution/query.sql", "SELECT a FROM t;\n");
	put("exercise.yaml", text);
	return exercise_load(root, d);
}

START_TEST(test_good)
{
	struct diag d = {0};
	struct exercise *ex = load("id: t/q\n"
				   "title: Q\n"
				   "kind: sql\n"
				   "files: [query.sql]\n"
				   "sql: {engine: sqlite, setup: [schema.sql], datasets: {more: [schema.sql, other.sql]}}\n"
				   "checks:\n"
				   "  - name: a\n"
				   "    allow: [select]\n"
				   "    max_statements: 1\n"
				   "    datasets: [setup, more]\n"
				   "    expect: {rows: reference, order: set}\n"
				   "  - name: b\n"
				   "    expect: {rows: {file: expected.csv}}\n"
				   "  - name: c\n"
				   "    verify: SELECT count(*) FROM t\n"
				   "    expect: {columns: [n], rows: [[1]], plan: {uses_index: true, no_scan: [t]}}\n",
				   &d);
	diag_print(&d, stderr);
	ck_assert_ptr_nonnull(ex);
	ck_assert_uint_eq(d.n, 0);
	const struct sql_exercise *se = ex->data;
	ck_assert_int_eq(se->engine, SQL_SQLITE);
	ck_assert_uint_eq(se->ndatasets, 2);
	ck_assert_str_eq(se->datasets[1].name, "more");
	ck_assert_uint_eq(se->datasets[1].n, 2);
	exercise_free(ex);
	diag_free(&d);
}
END_TEST

START_TEST(test_errors)
{
	struct diag d = {0};
	struct exercise *ex = load("id: t/q\n"
				   "title: Q\n"
				   "kind: sql\n"
				   "files: [query.sql, other.sql]\n"
				   "sql: {engine: mysql, setup: [nothere.sql], extra: 1}\n"
				   "checks:\n"
				   "  - name: no run\n"
				   "    expect: {rows: reference}\n"
				   "  - name: bad words\n"
				   "    run: query.sql\n"
				   "    allow: [selects]\n"
				   "    datasets: [nope]\n"
				   "    expect: {rows: [[1], [1, 2]], order: sorted}\n"
				   "  - name: nothing to compare\n"
				   "    run: query.sql\n"
				   "    expect: {order: bag}\n"
				   "  - name: no reference\n"
				   "    run: missing.sql\n"
				   "    expect: {schema: reference}\n",
				   &d);
	ck_assert_ptr_null(ex);
	has_diag(&d, 5, "'engine' must be sqlite or postgres, not 'mysql'");
	has_diag(&d, 5, "setup script 'nothere.sql' not found in the exercise folder");
	has_diag(&d, 5, "unknown key 'extra'");
	has_diag(&d, 7, "check 'no run' has no 'run'");
	has_diag(&d, 11, "'allow': 'selects' is not one of select, dml, ddl");
	has_diag(&d, 12, "no dataset 'nope'");
	has_diag(&d, 13, "this row has 2 values, expected 1");
	has_diag(&d, 13, "'order' must be one of bag, ordered, set, not 'sorted'");
	has_diag(&d, 16, "'expect' says nothing to compare");
	has_diag(&d, 19, "solution/missing.sql is not in the exercise folder");
	diag_free(&d);
}
END_TEST

struct cuts {
	char got[16][64];
	int n;
};

static int cut(void *arg, size_t start, size_t len)
{
	struct cuts *c = arg;
	(void)len;
	ck_assert_int_lt(c->n, 16);
	snprintf(c->got[c->n++], sizeof c->got[0], "%zu", start);
	return 0;
}

static void split(const char *sql, const char *want)
{
	struct cuts c = {0};
	sql_pg_split(sql, strlen(sql), cut, &c);
	char got[256] = "";
	for (int i = 0; i < c.n; i++) {
		strcat(got, i ? " " : "");
		strcat(got, c.got[i]);
	}
	ck_assert_msg(!strcmp(got, want), "split of '%s': got '%s', want '%s'", sql, got, want);
}

START_TEST(test_pg_split)
{
	split("SELECT 1; SELECT 2", "0 10");
	split("  -- a comment; still\nSELECT ';'; /* x; /* nested; */ ; */ SELECT 2;", "22 59");
	split("SELECT $$a;b$$; SELECT $tag$ $$; $tag$;", "0 16");
	split("SELECT E'it\\'s; fine', 'x''; y'; SELECT \"a;b\"", "0 33");
	split(";;  ; -- only comments\n", "");
	split("SELECT a$1; SELECT 2", "0 12"); /* $1 after an identifier is no quote */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sql-kind");
	TCase *t = tcase_create("sql");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_good);
	tcase_add_test(t, test_errors);
	tcase_add_test(t, test_pg_split);
	suite_add_tcase(s, t);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
