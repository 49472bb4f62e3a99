/*
 * test_sql.c - unit tests for the store's dialect seam (grader/daemon/
 * sql.c) with a recording fake back end: how a policy template renders
 * for a dialect with and without row locks, how parameters reach the
 * back end, and when sql_txn commits, rolls back and runs a body again.
 * The real dialects are exercised by test_queue.c.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "grader/daemon/sql.h"
#include "grader/util/util.h"

struct fake_db {
	struct sql_db base;
	struct strbuf log; /* every statement, one per line */
	int transient;     /* what transient() answers */
	int fail_commit;   /* COMMITs still to fail */
	struct sql_param last[SQL_MAX_PARAMS];
	int nlast;
};

static int fake_run(struct sql_db *db, const char *sql, const struct sql_param *p, int np,
		    struct sql_result *out, char *err, size_t errlen)
{
	struct fake_db *f = (struct fake_db *)db;
	sb_addf(&f->log, "%s\n", sql);
	memcpy(f->last, p, (size_t)np * sizeof(*p));
	f->nlast = np;
	out->rows = out->cols = 1;
	out->cell = xcalloc(1, sizeof(*out->cell));
	out->cell[0] = xstrdup("42");
	return QUEUE_OK;
}

static int fake_script(struct sql_db *db, const char *sql, char *err, size_t errlen)
{
	struct fake_db *f = (struct fake_db *)db;
	sb_addf(&f->log, "%s\n", sql);
	if (!strcmp(sql, "COMMIT") && f->fail_commit > 0) {
		f->fail_commit--;
		return queue_errf(err, errlen, QUEUE_ERROR, "commit failed");
	}
	return QUEUE_OK;
}

static int fake_begin(struct sql_db *db, char *err, size_t errlen)
{
	return fake_script(db, "BEGIN", err, errlen);
}

static int fake_transient(const struct sql_db *db)
{
	return ((const struct fake_db *)db)->transient;
}

static void fake_close(struct sql_db *db)
{
	(void)db;
}

static struct sql_dialect dialect = {
    .name = "fake",
    .now = "NOW",
    .real = "REAL8",
    .bigint = "INT8",
    .serial = "SERIAL",
    .next_served = "NEXT",
    .run = fake_run,
    .script = fake_script,
    .begin = fake_begin,
    .transient = fake_transient,
    .close = fake_close,
};

static void fake_open(struct fake_db *f, int row_locks)
{
	memset(f, 0, sizeof(*f));
	dialect.row_locks = row_locks;
	f->base.dialect = &dialect;
	strcpy(f->base.label, "queue (fake)");
}

START_TEST(test_tokens_render_per_dialect)
{
	struct fake_db f;
	char err[128];
	const char *tmpl =
	    "SELECT {now}, {next_served} FROM t WHERE k = '{kept}'{skip_locked};"
	    " SELECT 1{for_update}; CREATE TABLE x (a {real}, b {bigint}, c {serial})";
	fake_open(&f, 1);
	ck_assert_int_eq(sql_script(&f.base, tmpl, err, sizeof err), QUEUE_OK);
	ck_assert_str_eq(f.log.buf, "SELECT NOW, NEXT FROM t WHERE k = '{kept}' FOR UPDATE SKIP "
				    "LOCKED; SELECT 1 FOR UPDATE; CREATE TABLE x (a REAL8, b INT8, "
				    "c SERIAL)\n");
	sb_free(&f.log);
	fake_open(&f, 0);
	ck_assert_int_eq(sql_script(&f.base, tmpl, err, sizeof err), QUEUE_OK);
	ck_assert_str_eq(f.log.buf, "SELECT NOW, NEXT FROM t WHERE k = '{kept}'; SELECT 1; CREATE "
				    "TABLE x (a REAL8, b INT8, c SERIAL)\n");
	sb_free(&f.log);
}
END_TEST

START_TEST(test_parameters_and_one_integer)
{
	struct fake_db f;
	char err[128];
	int64_t v = 0;
	fake_open(&f, 0);
	ck_assert_int_eq(sql_exec_i64(&f.base, &v, err, sizeof err, "SELECT $1, $2, $3", "sid", "x",
				      (int64_t)7, 2.5),
			 1);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(f.nlast, 3);
	ck_assert_int_eq(f.last[0].type, SQL_TEXT);
	ck_assert_str_eq(f.last[0].s, "x");
	ck_assert_int_eq(f.last[1].type, SQL_INT);
	ck_assert_int_eq(f.last[1].i, 7);
	ck_assert_int_eq(f.last[2].type, SQL_REAL);
	ck_assert_double_eq(f.last[2].d, 2.5);
	ck_assert_int_eq(sql_exec(&f.base, NULL, err, sizeof err, "X", "sssssssssssss", "", "", "",
				  "", "", "", "", "", "", "", "", "", ""),
			 QUEUE_ERROR);
	ck_assert_msg(strstr(err, "more than 12 parameters"), "message: %s", err);
	sb_free(&f.log);
}
END_TEST

struct body_ctx {
	int calls;
	int results[4]; /* what the body returns on each call */
};

static int body(struct sql_db *db, void *vctx, char *err, size_t errlen)
{
	struct body_ctx *c = vctx;
	int rc = c->results[c->calls++];
	if (rc != QUEUE_OK)
		queue_errf(err, errlen, rc, "body said %d", rc);
	return rc;
}

START_TEST(test_txn_commits_or_rolls_back)
{
	struct fake_db f;
	char err[128];
	fake_open(&f, 0);
	struct body_ctx ok = {.results = {QUEUE_OK}};
	ck_assert_int_eq(sql_txn(&f.base, body, &ok, err, sizeof err), QUEUE_OK);
	ck_assert_str_eq(f.log.buf, "BEGIN\nCOMMIT\n");
	sb_free(&f.log);

	struct body_ctx lost = {.results = {QUEUE_LEASE_LOST}};
	f.transient = 1; /* a lost lease is never retried, transient or not */
	ck_assert_int_eq(sql_txn(&f.base, body, &lost, err, sizeof err), QUEUE_LEASE_LOST);
	ck_assert_int_eq(lost.calls, 1);
	ck_assert_str_eq(f.log.buf, "BEGIN\nROLLBACK\n");
	sb_free(&f.log);
}
END_TEST

START_TEST(test_txn_runs_again)
{
	struct fake_db f;
	char err[128];
	fake_open(&f, 0);
	struct body_ctx raced = {.results = {SQL_RETRY, QUEUE_OK}};
	ck_assert_int_eq(sql_txn(&f.base, body, &raced, err, sizeof err), QUEUE_OK);
	ck_assert_int_eq(raced.calls, 2);
	ck_assert_str_eq(f.log.buf, "BEGIN\nROLLBACK\nBEGIN\nCOMMIT\n");
	sb_free(&f.log);

	struct body_ctx always = {.results = {SQL_RETRY, SQL_RETRY, SQL_RETRY, SQL_RETRY}};
	ck_assert_int_eq(sql_txn(&f.base, body, &always, err, sizeof err), QUEUE_ERROR);
	ck_assert_int_eq(always.calls, 4);
	sb_free(&f.log);

	/* a failed commit is run again only when the dialect calls it transient */
	struct body_ctx ok = {.results = {QUEUE_OK, QUEUE_OK}};
	f.fail_commit = 1;
	ck_assert_int_eq(sql_txn(&f.base, body, &ok, err, sizeof err), QUEUE_ERROR);
	ck_assert_int_eq(ok.calls, 1);
	sb_free(&f.log);
	struct body_ctx ok2 = {.results = {QUEUE_OK, QUEUE_OK}};
	f.fail_commit = 1;
	f.transient = 1;
	ck_assert_int_eq(sql_txn(&f.base, body, &ok2, err, sizeof err), QUEUE_OK);
	ck_assert_int_eq(ok2.calls, 2);
	sb_free(&f.log);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sql");
	TCase *tc = tcase_create("sql");
	tcase_add_test(tc, test_tokens_render_per_dialect);
	tcase_add_test(tc, test_parameters_and_one_integer);
	tcase_add_test(tc, test_txn_commits_or_rolls_back);
	tcase_add_test(tc, test_txn_runs_again);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
