/*
 * test_queue.c - unit tests for the durable job queue (grader/daemon/
 * queue.c, report_store.c, counters.c through sql_sqlite.c and sql_pg.c).
 * Every test runs twice through Check's loop tests: _i = 0 on
 * SQLite (a fresh file per test), _i = 1 on a real PostgreSQL server
 * (in a schema private to this run; tables dropped before each test).
 *
 * PostgreSQL: $GRADER_TEST_PG names the database when set (ci/start-
 * postgres.sh sets it); otherwise main() starts a throwaway cluster with
 * tests/pg.sh and stops it at the end. When no cluster can be had the
 * PostgreSQL half of every test fails with the reason: it never passes
 * silently.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grader/daemon/queue.h"
#include "grader/model/exercise.h"
#include "grader/util/util.h"

/* Set once in main() before the runner forks the tests. */
static const char *pg_url;
static char pg_problem[2048];

struct backend {
	char url[600];
	char dir[64];
	struct queue *q;
};

static void pg_drop_tables(const char *url)
{
	PGconn *c = PQconnectdb(url);
	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "cannot connect to %s: %s", url,
		      PQerrorMessage(c));
	PGresult *r = PQexec(c, "SET client_min_messages = warning;"
				"DROP TABLE IF EXISTS jobs, reports, grades, grade_summary, grade_moves, learners, schema_version;"
				"DROP SEQUENCE IF EXISTS learner_served;");
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "reset: %s", PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

/* A fresh, empty queue on back end i (0 SQLite, 1 PostgreSQL). */
static void backend_open(struct backend *b, int i)
{
	char err[512] = "";
	memset(b, 0, sizeof(*b));
	if (i == 0) {
		snprintf(b->dir, sizeof(b->dir), "/tmp/test-queue.XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(b->dir));
		snprintf(b->url, sizeof(b->url), "sqlite:%s/queue.db", b->dir);
	} else {
		ck_assert_msg(pg_url != NULL, "PostgreSQL back end not tested: %s", pg_problem);
		snprintf(b->url, sizeof(b->url), "%s", pg_url);
		pg_drop_tables(b->url);
	}
	b->q = queue_open(b->url, err, sizeof(err));
	ck_assert_msg(b->q != NULL, "queue_open(%s): %s", b->url, err);
	ck_assert_str_eq(queue_backend(b->q), i == 0 ? "sqlite" : "postgresql");
}

static void backend_close(struct backend *b)
{
	queue_close(b->q);
	b->q = NULL;
	if (b->dir[0])
		rm_rf(b->dir);
}

static struct queue *reopen(const struct backend *b)
{
	char err[512] = "";
	struct queue *q = queue_open(b->url, err, sizeof(err));
	ck_assert_msg(q != NULL, "reopen %s: %s", b->url, err);
	return q;
}

/* A 40-digit hex commit id made from n. */
static const char *commit_of(unsigned n, char buf[41])
{
	snprintf(buf, 41, "%040x", n);
	return buf;
}

/* Enqueues a job and returns its id; asserts it worked. */
static int64_t add(struct queue *q, const char *learner, const char *ref, unsigned commit,
		   enum job_priority prio, const char *source, int *dedup)
{
	char c[41], err[512] = "", repo[128];
	int64_t id = 0;
	int d = -1;
	snprintf(repo, sizeof(repo), "https://git.example/%s.git", learner);
	struct job_spec s = {
	    .learner = learner,
	    .repo = repo,
	    .ref = ref,
	    .commit = commit_of(commit, c),
	    .source = source,
	    .priority = prio,
	};
	ck_assert_msg(queue_enqueue(q, &s, &id, &d, err, sizeof(err)) == QUEUE_OK, "enqueue: %s",
		      err);
	ck_assert_int_gt(id, 0);
	if (dedup)
		*dedup = d;
	return id;
}

static int64_t push(struct queue *q, const char *learner, unsigned commit)
{
	return add(q, learner, "refs/heads/main", commit, JOB_INTERACTIVE, "push", NULL);
}

/* Leases one job for worker; returns its id, or 0 when there was none. */
static int64_t lease(struct queue *q, const char *worker, double lease_s)
{
	struct job j;
	int got = -1;
	char err[512] = "";
	ck_assert_msg(queue_lease(q, worker, lease_s, &j, &got, err, sizeof(err)) == QUEUE_OK,
		      "lease: %s", err);
	if (!got)
		return 0;
	int64_t id = j.id;
	ck_assert_int_eq(j.state, JOB_RUNNING);
	ck_assert_str_eq(j.lease_owner, worker);
	job_free(&j);
	return id;
}

static int complete(struct queue *q, int64_t id, const char *worker, const char *report,
		    int *stored)
{
	char err[512] = "";
	return queue_complete(q, id, worker, report, "passed", stored, err, sizeof(err));
}

static struct job get(struct queue *q, int64_t id)
{
	struct job j;
	char err[512] = "";
	ck_assert_msg(queue_get(q, id, &j, err, sizeof(err)) == QUEUE_OK, "get %lld: %s",
		      (long long)id, err);
	return j;
}

static enum job_state state_of(struct queue *q, int64_t id)
{
	struct job j = get(q, id);
	enum job_state s = j.state;
	job_free(&j);
	return s;
}

static struct queue_counts counts(struct queue *q)
{
	struct queue_counts c;
	char err[512] = "";
	ck_assert_msg(queue_counts(q, &c, err, sizeof(err)) == QUEUE_OK, "counts: %s", err);
	return c;
}

static void sleep_s(double s)
{
	usleep((useconds_t)(s * 1e6));
}

START_TEST(test_enqueue_lease_complete)
{
	struct backend b;
	backend_open(&b, _i);
	char c[41], err[512] = "";
	int64_t id = 0;
	int dedup = -1;
	struct job_spec s = {.learner = "ada",
			     .repo = "https://git.example/ada.git",
			     .ref = "refs/heads/main",
			     .commit = commit_of(7, c),
			     .exercises = "io/hello,sql/top",
			     .course_digest = "sha256:abc",
			     .source = "push",
			     .callback_url = "https://lms.example/hook",
			     .priority = JOB_INTERACTIVE};
	ck_assert_int_eq(queue_enqueue(b.q, &s, &id, &dedup, err, sizeof(err)), QUEUE_OK);
	ck_assert_int_eq(dedup, 0);

	struct job j = get(b.q, id);
	ck_assert_int_eq(j.state, JOB_QUEUED);
	ck_assert_str_eq(j.learner, "ada");
	ck_assert_str_eq(j.commit, c);
	ck_assert_str_eq(j.exercises, "io/hello,sql/top");
	ck_assert_str_eq(j.course_digest, "sha256:abc");
	ck_assert_str_eq(j.callback_url, "https://lms.example/hook");
	ck_assert_str_eq(j.source, "push");
	ck_assert_ptr_null(j.lease_owner);
	ck_assert_ptr_null(j.report);
	ck_assert(j.created_at > 1e9);
	job_free(&j);

	long pos = -1;
	ck_assert_int_eq(queue_position(b.q, id, &pos, err, sizeof(err)), QUEUE_OK);
	ck_assert_int_eq(pos, 1);

	struct job l;
	int got = 0;
	ck_assert_int_eq(queue_lease(b.q, "host:1", 30, &l, &got, err, sizeof(err)), QUEUE_OK);
	ck_assert_int_eq(got, 1);
	ck_assert_int_eq(l.id, id);
	ck_assert_int_eq(l.attempts, 1);
	ck_assert(l.lease_expires > l.started_at + 29);
	ck_assert_str_eq(l.repo, "https://git.example/ada.git");
	job_free(&l);
	ck_assert_int_eq(queue_position(b.q, id, &pos, err, sizeof(err)), QUEUE_OK);
	ck_assert_int_eq(pos, 0);
	ck_assert_int_eq(lease(b.q, "host:2", 30), 0);

	int stored = 0;
	ck_assert_int_eq(complete(b.q, id, "host:1", "{\"score\": 10}", &stored), QUEUE_OK);
	ck_assert_int_eq(stored, 1);
	j = get(b.q, id);
	ck_assert_int_eq(j.state, JOB_DONE);
	ck_assert_str_eq(j.status, "passed");
	ck_assert_str_eq(j.report, "{\"score\": 10}");
	ck_assert(j.finished_at >= j.started_at);
	job_free(&j);

	struct queue_counts n = counts(b.q);
	ck_assert_int_eq(n.by_state[JOB_DONE], 1);
	ck_assert_int_eq(n.by_state[JOB_QUEUED], 0);

	struct job *v;
	size_t nv;
	ck_assert_int_eq(queue_list_learner(b.q, "ada", 0, &v, &nv, err, sizeof(err)), QUEUE_OK);
	ck_assert_uint_eq(nv, 1);
	ck_assert_str_eq(v[0].report, "{\"score\": 10}");
	job_list_free(v, nv);
	ck_assert_int_eq(queue_list_learner(b.q, "nobody", 0, &v, &nv, err, sizeof(err)), QUEUE_OK);
	ck_assert_uint_eq(nv, 0);
	job_list_free(v, nv);
	backend_close(&b);
}
END_TEST

START_TEST(test_dedup)
{
	struct backend b;
	backend_open(&b, _i);
	int d = -1;
	int64_t a = add(b.q, "ada", "refs/heads/main", 1, JOB_INTERACTIVE, "push", &d);
	ck_assert_int_eq(d, 0);
	int64_t again = add(b.q, "ada", "refs/heads/main", 1, JOB_BULK, "poll", &d);
	ck_assert_int_eq(d, 1);
	ck_assert_int_eq(again, a);

	/* Another exercise selection is another job. */
	char c[41], err[512] = "";
	int64_t other = 0;
	struct job_spec s = {.learner = "ada",
			     .repo = "https://git.example/ada.git",
			     .ref = "refs/heads/main",
			     .commit = commit_of(1, c),
			     .exercises = "io/hello"};
	ck_assert_int_eq(queue_enqueue(b.q, &s, &other, &d, err, sizeof(err)), QUEUE_OK);
	ck_assert_int_eq(d, 0);
	ck_assert_int_ne(other, a);

	/* A done job still answers for its key. */
	ck_assert_int_eq(lease(b.q, "w", 30), a);
	ck_assert_int_eq(complete(b.q, a, "w", "{}", NULL), QUEUE_OK);
	ck_assert_int_eq(add(b.q, "ada", "refs/heads/main", 1, JOB_INTERACTIVE, "api", &d), a);
	ck_assert_int_eq(d, 1);

	/* A failed job does not: the key can be graded again. */
	ck_assert_int_eq(lease(b.q, "w", 30), other);
	ck_assert_int_eq(queue_fail(b.q, other, "w", "clone failed", 0, err, sizeof(err)),
			 QUEUE_OK);
	ck_assert_int_eq(state_of(b.q, other), JOB_FAILED);
	int64_t third = 0;
	ck_assert_int_eq(queue_enqueue(b.q, &s, &third, &d, err, sizeof(err)), QUEUE_OK);
	ck_assert_int_eq(d, 0);
	ck_assert_int_ne(third, other);
	backend_close(&b);
}
END_TEST

START_TEST(test_supersede)
{
	struct backend b;
	backend_open(&b, _i);
	int64_t first = push(b.q, "ada", 1);
	int64_t other_branch = add(b.q, "ada", "refs/heads/dev", 9, JOB_INTERACTIVE, "push", NULL);
	int64_t other_learner = push(b.q, "bob", 1);
	int64_t second = push(b.q, "ada", 2);

	struct job j = get(b.q, first);
	ck_assert_int_eq(j.state, JOB_SUPERSEDED);
	ck_assert_int_eq(j.superseded_by, second);
	job_free(&j);
	ck_assert_int_eq(state_of(b.q, other_branch), JOB_QUEUED);
	ck_assert_int_eq(state_of(b.q, other_learner), JOB_QUEUED);

	/* A running job is never superseded. */
	int64_t leased = 0;
	for (int64_t id; (id = lease(b.q, "w", 30)) != 0;)
		if (id == second)
			leased = id;
	ck_assert_int_eq(leased, second);
	int64_t third = push(b.q, "ada", 3);
	ck_assert_int_eq(state_of(b.q, second), JOB_RUNNING);

	/* A bulk regrade does not supersede the learner's queued push... */
	int64_t regrade = add(b.q, "ada", "refs/heads/main", 4, JOB_BULK, "regrade", NULL);
	ck_assert_int_eq(state_of(b.q, third), JOB_QUEUED);
	/* ...and a newer push supersedes the push but not the regrade, which
	 * names its commit. */
	int64_t fifth = push(b.q, "ada", 5);
	ck_assert_int_eq(state_of(b.q, third), JOB_SUPERSEDED);
	ck_assert_int_eq(state_of(b.q, regrade), JOB_QUEUED);
	/* A poll of the branch is a push too: it supersedes the queued push. */
	int64_t polled = add(b.q, "ada", "refs/heads/main", 6, JOB_INTERACTIVE, "poll", NULL);
	ck_assert_int_eq(state_of(b.q, fifth), JOB_SUPERSEDED);
	ck_assert_int_eq(state_of(b.q, polled), JOB_QUEUED);
	struct queue_counts n = counts(b.q);
	ck_assert_int_eq(n.by_state[JOB_SUPERSEDED], 3);
	ck_assert_int_eq(n.by_state[JOB_QUEUED], 2);

	/* A superseded commit pushed again is a new job. */
	int d = -1;
	int64_t again = add(b.q, "ada", "refs/heads/main", 1, JOB_INTERACTIVE, "push", &d);
	ck_assert_int_eq(d, 0);
	ck_assert_int_ne(again, first);
	ck_assert_int_eq(state_of(b.q, polled), JOB_SUPERSEDED);
	ck_assert_int_eq(state_of(b.q, regrade), JOB_QUEUED);
	backend_close(&b);
}
END_TEST

/* Submissions that name their commit (the API: ref HEAD when none is
 * given) are each graded: none supersedes another or a push, and a push
 * supersedes none of them. */
START_TEST(test_api_submissions_never_coalesce)
{
	struct backend b;
	backend_open(&b, _i);
	int64_t api[3];
	for (unsigned k = 0; k < 3; k++)
		api[k] = add(b.q, "ada", "HEAD", 10 + k, JOB_INTERACTIVE, "api", NULL);
	int64_t unnamed = add(b.q, "ada", "HEAD", 13, JOB_INTERACTIVE, NULL, NULL); /* = api */
	int64_t pushed = add(b.q, "ada", "HEAD", 14, JOB_INTERACTIVE, "push", NULL);
	int64_t branch_api = add(b.q, "ada", "refs/heads/main", 15, JOB_INTERACTIVE, "api", NULL);
	int64_t branch_push = push(b.q, "ada", 16);
	for (unsigned k = 0; k < 3; k++)
		ck_assert_int_eq(state_of(b.q, api[k]), JOB_QUEUED);
	ck_assert_int_eq(state_of(b.q, unnamed), JOB_QUEUED);
	ck_assert_int_eq(state_of(b.q, pushed), JOB_QUEUED);
	ck_assert_int_eq(state_of(b.q, branch_api), JOB_QUEUED);
	ck_assert_int_eq(state_of(b.q, branch_push), JOB_QUEUED);
	ck_assert_int_eq(counts(b.q).by_state[JOB_QUEUED], 7);
	ck_assert_int_eq(counts(b.q).by_state[JOB_SUPERSEDED], 0);
	backend_close(&b);
}
END_TEST

START_TEST(test_priority)
{
	struct backend b;
	backend_open(&b, _i);
	for (unsigned i = 0; i < 5; i++)
		add(b.q, "bulk", "refs/heads/main", 100 + i, JOB_BULK, "regrade", NULL);
	int64_t urgent = add(b.q, "ada", "refs/heads/main", 1, JOB_INTERACTIVE, "push", NULL);
	int64_t urgent2 = add(b.q, "bob", "refs/heads/main", 1, JOB_INTERACTIVE, "api", NULL);

	long pos = 0;
	char err[512] = "";
	ck_assert_int_eq(queue_position(b.q, urgent2, &pos, err, sizeof(err)), QUEUE_OK);
	ck_assert_int_eq(pos, 2);
	ck_assert_int_eq(lease(b.q, "w", 30), urgent);
	ck_assert_int_eq(lease(b.q, "w", 30), urgent2);
	struct job j;
	int got;
	ck_assert_int_eq(queue_lease(b.q, "w", 30, &j, &got, err, sizeof(err)), QUEUE_OK);
	ck_assert_int_eq(got, 1);
	ck_assert_int_eq(j.priority, JOB_BULK);
	job_free(&j);
	backend_close(&b);
}
END_TEST

START_TEST(test_fairness)
{
	struct backend b;
	backend_open(&b, _i);
	for (unsigned i = 0; i < 100; i++)
		add(b.q, "alice", "refs/heads/main", i + 1, JOB_INTERACTIVE, "regrade", NULL);
	int64_t bob = push(b.q, "bob", 1);
	int64_t carol = push(b.q, "carol", 1);

	int64_t first = lease(b.q, "w", 30), second = lease(b.q, "w", 30);
	ck_assert_msg(first == bob || second == bob, "bob not served in the first two leases");
	int64_t third = lease(b.q, "w", 30);
	ck_assert_msg(first == carol || second == carol || third == carol,
		      "carol not served in the first three leases");
	/* Then alice, the only one left, gets every lease in arrival order. */
	struct job j = get(b.q, lease(b.q, "w", 30));
	ck_assert_str_eq(j.learner, "alice");
	job_free(&j);
	backend_close(&b);
}
END_TEST

START_TEST(test_lease_expiry)
{
	struct backend b;
	backend_open(&b, _i);
	char err[512] = "";
	int64_t id = push(b.q, "ada", 1);
	/* The margins are wide: a slow fsync under a sanitizer on a loaded CI
	 * machine must not turn "still leased" into "expired". */
	ck_assert_int_eq(lease(b.q, "old", 1.0), id);
	ck_assert_int_eq(lease(b.q, "new", 30), 0); /* still leased */
	sleep_s(1.3);
	ck_assert_int_eq(lease(b.q, "new", 30), id);
	struct job j = get(b.q, id);
	ck_assert_int_eq(j.attempts, 2);
	ck_assert_str_eq(j.lease_owner, "new");
	job_free(&j);

	ck_assert_int_eq(queue_heartbeat(b.q, id, "old", 30, err, sizeof(err)), QUEUE_LEASE_LOST);
	ck_assert_msg(strstr(err, "lease lost"), "message: %s", err);
	int stored = -1;
	ck_assert_int_eq(complete(b.q, id, "old", "{\"by\": \"old\"}", &stored), QUEUE_LEASE_LOST);
	ck_assert_int_eq(stored, 0);
	ck_assert_int_eq(queue_fail(b.q, id, "old", "x", 1, err, sizeof(err)), QUEUE_LEASE_LOST);
	ck_assert_int_eq(complete(b.q, id, "new", "{\"by\": \"new\"}", &stored), QUEUE_OK);
	ck_assert_int_eq(stored, 1);
	j = get(b.q, id);
	ck_assert_str_eq(j.report, "{\"by\": \"new\"}");
	job_free(&j);
	backend_close(&b);
}
END_TEST

START_TEST(test_lease_expired_too_often)
{
	struct backend b;
	backend_open(&b, _i);
	queue_set_max_attempts(b.q, 2);
	int64_t id = push(b.q, "ada", 1);
	ck_assert_int_eq(lease(b.q, "w1", 0.05), id);
	sleep_s(0.15);
	ck_assert_int_eq(lease(b.q, "w2", 0.05), id);
	sleep_s(0.15);
	ck_assert_int_eq(lease(b.q, "w3", 0.05), 0);
	struct job j = get(b.q, id);
	ck_assert_int_eq(j.state, JOB_FAILED);
	ck_assert_str_eq(j.error, "lease expired 2 times");
	ck_assert_ptr_null(j.lease_owner);
	job_free(&j);
	backend_close(&b);
}
END_TEST

START_TEST(test_heartbeat)
{
	struct backend b;
	backend_open(&b, _i);
	char err[512] = "";
	int64_t id = push(b.q, "ada", 1);
	/* Heartbeats every 0.25 s keep a 1 s lease alive for 1.5 s, longer
	 * than the lease itself; each leaves 0.75 s of margin for a slow
	 * machine. */
	ck_assert_int_eq(lease(b.q, "w1", 1.0), id);
	for (int i = 0; i < 6; i++) {
		sleep_s(0.25);
		ck_assert_msg(queue_heartbeat(b.q, id, "w1", 1.0, err, sizeof(err)) == QUEUE_OK,
			      "heartbeat: %s", err);
		ck_assert_int_eq(lease(b.q, "w2", 30), 0);
	}
	ck_assert_int_eq(queue_heartbeat(b.q, id, "w2", 1.0, err, sizeof(err)), QUEUE_LEASE_LOST);
	ck_assert_int_eq(queue_heartbeat(b.q, 999999, "w1", 1.0, err, sizeof(err)), QUEUE_ERROR);
	ck_assert_msg(strstr(err, "no job 999999"), "message: %s", err);
	sleep_s(1.3);
	ck_assert_int_eq(lease(b.q, "w2", 30), id);
	ck_assert_int_eq(queue_heartbeat(b.q, id, "w1", 1.0, err, sizeof(err)), QUEUE_LEASE_LOST);
	backend_close(&b);
}
END_TEST

START_TEST(test_metrics)
{
	struct backend b;
	backend_open(&b, _i);
	char err[512] = "";
	ck_assert_int_eq(queue_metric_add(b.q, "verdicts", "ok", 3, err, sizeof(err)), QUEUE_OK);
	ck_assert_int_eq(queue_metric_add(b.q, "verdicts", "ok", 2, err, sizeof(err)), QUEUE_OK);
	ck_assert_int_eq(queue_metric_add(b.q, "seconds", NULL, 0.25, err, sizeof(err)), QUEUE_OK);
	ck_assert_int_eq(queue_metric_add(b.q, "", "x", 1, err, sizeof(err)), QUEUE_ERROR);
	/* another connection (another worker process) adds to the same counters */
	struct queue *other = reopen(&b);
	ck_assert_int_eq(queue_metric_add(other, "verdicts", "wall-timeout", 1, err, sizeof(err)),
			 QUEUE_OK);
	queue_close(other);
	struct queue_metric *v;
	size_t n;
	ck_assert_int_eq(queue_metric_list(b.q, &v, &n, err, sizeof(err)), QUEUE_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(v[0].name, "seconds");
	ck_assert_str_eq(v[0].label, "");
	ck_assert_double_eq_tol(v[0].value, 0.25, 1e-9);
	ck_assert_str_eq(v[1].label, "ok");
	ck_assert_double_eq_tol(v[1].value, 5, 1e-9);
	ck_assert_str_eq(v[2].label, "wall-timeout");
	queue_metric_list_free(v, n);
	backend_close(&b);
}
END_TEST

START_TEST(test_release_worker)
{
	struct backend b;
	backend_open(&b, _i);
	char err[512] = "";
	int64_t a = push(b.q, "ada", 1), c = push(b.q, "bob", 1), d = push(b.q, "cy", 1);
	ck_assert_int_ne(lease(b.q, "dead", 60), 0);
	ck_assert_int_ne(lease(b.q, "dead", 60), 0);
	int64_t alive = lease(b.q, "alive", 60);
	ck_assert_int_eq(alive, d);
	long n = -1;
	ck_assert_int_eq(queue_release_worker(b.q, "dead", &n, err, sizeof(err)), QUEUE_OK);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(state_of(b.q, a), JOB_QUEUED);
	ck_assert_int_eq(state_of(b.q, c), JOB_QUEUED);
	ck_assert_int_eq(state_of(b.q, d), JOB_RUNNING);
	struct job j = get(b.q, a);
	ck_assert_str_eq(j.error, "worker dead died");
	job_free(&j);
	ck_assert_int_eq(complete(b.q, a, "dead", "{}", NULL), QUEUE_LEASE_LOST);

	/* Taken again at once, without waiting for the 60 s lease. */
	int64_t x = lease(b.q, "next", 60), y = lease(b.q, "next", 60);
	ck_assert((x == a && y == c) || (x == c && y == a));
	ck_assert_int_eq(queue_release_worker(b.q, "nobody", &n, err, sizeof(err)), QUEUE_OK);
	ck_assert_int_eq(n, 0);

	/* A job that kills every worker that takes it fails in the end. */
	queue_set_max_attempts(b.q, 2);
	ck_assert_int_eq(queue_release_worker(b.q, "next", &n, err, sizeof(err)), QUEUE_OK);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(state_of(b.q, a), JOB_FAILED);
	j = get(b.q, a);
	ck_assert_str_eq(j.error, "worker died; attempts used: 2");
	job_free(&j);
	backend_close(&b);
}
END_TEST

START_TEST(test_report_stored_once)
{
	struct backend b;
	backend_open(&b, _i);
	char err[512] = "";
	int64_t id = push(b.q, "ada", 1);
	ck_assert_int_eq(lease(b.q, "w", 30), id);
	int stored = -1;
	ck_assert_int_eq(
	    queue_complete(b.q, id, "w", "{\"n\": 1}", "failed", &stored, err, sizeof(err)),
	    QUEUE_OK);
	ck_assert_int_eq(stored, 1);
	/* Completing again (a retried call after a crash) changes nothing. */
	ck_assert_int_eq(
	    queue_complete(b.q, id, "w", "{\"n\": 2}", "passed", &stored, err, sizeof(err)),
	    QUEUE_LEASE_LOST);
	ck_assert_int_eq(stored, 0);
	struct job j = get(b.q, id);
	ck_assert_str_eq(j.report, "{\"n\": 1}");
	ck_assert_str_eq(j.status, "failed");
	job_free(&j);
	/* Failing or heartbeating a done job is refused too. */
	ck_assert_int_eq(queue_fail(b.q, id, "w", "late", 1, err, sizeof(err)), QUEUE_LEASE_LOST);
	ck_assert_int_eq(state_of(b.q, id), JOB_DONE);
	/* Enqueueing the key again finds the done job and its report. */
	int d = 0;
	ck_assert_int_eq(add(b.q, "ada", "refs/heads/main", 1, JOB_INTERACTIVE, "push", &d), id);
	ck_assert_int_eq(d, 1);
	backend_close(&b);
}
END_TEST

START_TEST(test_fail_and_retry)
{
	struct backend b;
	backend_open(&b, _i);
	char err[512] = "";
	int64_t id = push(b.q, "ada", 1);
	ck_assert_int_eq(lease(b.q, "w", 30), id);
	ck_assert_int_eq(queue_fail(b.q, id, "w", "fetch timed out", 1, err, sizeof(err)),
			 QUEUE_OK);
	struct job j = get(b.q, id);
	ck_assert_int_eq(j.state, JOB_QUEUED);
	ck_assert_str_eq(j.error, "fetch timed out");
	ck_assert_ptr_null(j.lease_owner);
	job_free(&j);
	ck_assert_int_eq(lease(b.q, "w", 30), id);
	ck_assert_int_eq(queue_fail(b.q, id, "w", "again", 1, err, sizeof(err)), QUEUE_OK);
	ck_assert_int_eq(lease(b.q, "w", 30), id);
	/* The third attempt (max 3) is the last: retry now fails the job. */
	ck_assert_int_eq(queue_fail(b.q, id, "w", "third time", 1, err, sizeof(err)), QUEUE_OK);
	j = get(b.q, id);
	ck_assert_int_eq(j.state, JOB_FAILED);
	ck_assert_int_eq(j.attempts, 3);
	ck_assert_str_eq(j.error, "third time");
	job_free(&j);
	ck_assert_int_eq(lease(b.q, "w", 30), 0);

	int64_t other = push(b.q, "bob", 1);
	ck_assert_int_eq(lease(b.q, "w", 30), other);
	ck_assert_int_eq(queue_fail(b.q, other, "w", "bad course", 0, err, sizeof(err)), QUEUE_OK);
	ck_assert_int_eq(state_of(b.q, other), JOB_FAILED);
	struct queue_counts n = counts(b.q);
	ck_assert_int_eq(n.by_state[JOB_FAILED], 2);
	backend_close(&b);
}
END_TEST

/* Closes b's SQLite queue, runs sql on its file to make it look like an
 * older schema, and opens it again (the upgrade runs then). */
static void downgrade(struct backend *b, const char *sql)
{
	queue_close(b->q);
	char path[128];
	snprintf(path, sizeof path, "%s/queue.db", b->dir);
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	ck_assert_msg(rc == SQLITE_OK, "downgrade: %s", msg ? msg : "?");
	sqlite3_free(msg);
	sqlite3_close(db);
	b->q = reopen(b);
}

/* A grading the grader failed is queued again without counting an
 * attempt, at most max_retries times; then the caller stores its report. */
START_TEST(test_grader_fault_retry)
{
	struct backend b;
	backend_open(&b, _i);
	char err[512] = "";
	int retried = -1;
	int64_t id = push(b.q, "ada", 1);
	for (int k = 0; k < 2; k++) {
		ck_assert_int_eq(lease(b.q, "w", 30), id);
		ck_assert_int_eq(queue_retry_grader_fault(b.q, id, "w", "sandbox failed", 2,
							  &retried, err, sizeof(err)),
				 QUEUE_OK);
		ck_assert_int_eq(retried, 1);
		struct job j = get(b.q, id);
		ck_assert_int_eq(j.state, JOB_QUEUED);
		ck_assert_int_eq(j.attempts, 0); /* the lease did not count */
		ck_assert_str_eq(j.error, "sandbox failed");
		ck_assert_ptr_null(j.lease_owner);
		job_free(&j);
	}
	/* the third grading fails too: no more retries, the job stays leased
	 * for its report to be stored, with one attempt counted */
	ck_assert_int_eq(lease(b.q, "w", 30), id);
	ck_assert_int_eq(queue_retry_grader_fault(b.q, id, "w", "sandbox failed", 2, &retried,
						  err, sizeof(err)),
			 QUEUE_OK);
	ck_assert_int_eq(retried, 0);
	struct job j = get(b.q, id);
	ck_assert_int_eq(j.state, JOB_RUNNING);
	ck_assert_int_eq(j.attempts, 1);
	job_free(&j);
	ck_assert_int_eq(queue_complete(b.q, id, "w", "{}", "error", NULL, err, sizeof(err)),
			 QUEUE_OK);
	ck_assert_int_eq(state_of(b.q, id), JOB_DONE);
	/* only the lease holder may do it */
	int64_t other = push(b.q, "bob", 2);
	ck_assert_int_eq(lease(b.q, "w", 30), other);
	ck_assert_int_eq(queue_retry_grader_fault(b.q, other, "x", "e", 2, &retried, err,
						  sizeof(err)),
			 QUEUE_LEASE_LOST);
	ck_assert_int_eq(retried, 0);
	backend_close(&b);
}
END_TEST

/* A queue of schema version 1 (no fault_retries) is upgraded on open. */
START_TEST(test_schema_upgrade_v1)
{
	struct backend b;
	backend_open(&b, 0);
	int64_t id = push(b.q, "ada", 1);
	downgrade(&b, "ALTER TABLE jobs DROP COLUMN fault_retries;"
		      "DELETE FROM schema_version; INSERT INTO schema_version VALUES (1);");
	char err[512] = "";
	int retried = 0;
	ck_assert_int_eq(lease(b.q, "w", 30), id);
	ck_assert_int_eq(queue_retry_grader_fault(b.q, id, "w", "e", 1, &retried, err,
						  sizeof(err)),
			 QUEUE_OK);
	ck_assert_int_eq(retried, 1);
	backend_close(&b);
}
END_TEST

/* A report of one exercise with two checks, as the worker stores it. */
static char *report_of(const char *exercise, double a, double b)
{
	return xasprintf("{\"schema\": \"grader.report/1\", \"exercises\": [{\"id\": \"%s\","
			 " \"status\": \"%s\", \"score\": %g, \"max_score\": 10, \"checks\": ["
			 "{\"name\": \"a\", \"status\": \"%s\", \"score\": %g, \"max_score\": 5},"
			 "{\"name\": \"b\", \"status\": \"%s\", \"score\": %g, \"max_score\": 5}]}]}",
			 exercise, a + b == 10 ? "passed" : "failed", a + b,
			 a == 5 ? "passed" : "failed", a, b == 5 ? "passed" : "failed", b);
}

static void grade_one(struct queue *q, const char *learner, unsigned commit, const char *report)
{
	char err[512] = "";
	int64_t id = push(q, learner, commit);
	ck_assert_int_eq(lease(q, "w", 30), id);
	ck_assert_msg(queue_complete(q, id, "w", report, "failed", NULL, err, sizeof err) ==
			  QUEUE_OK,
		      "complete: %s", err);
}

static const struct grade_row *row_of(const struct gradebook *gb, const char *learner,
				      const char *check)
{
	for (size_t i = 0; i < gb->n; i++)
		if (!strcmp(gb->rows[i].learner, learner) && !strcmp(gb->rows[i].check, check))
			return &gb->rows[i];
	return NULL;
}

/* The gradebook: best and latest per learner, exercise and check, from
 * the reports as stored, and what is pending. */
START_TEST(test_gradebook)
{
	struct backend b;
	backend_open(&b, _i);
	char err[512] = "";
	char *r1 = report_of("py/fizz", 5, 0), *r2 = report_of("py/fizz", 5, 5),
	     *r3 = report_of("py/fizz", 0, 5);
	grade_one(b.q, "ana", 1, r1);
	grade_one(b.q, "ana", 2, r2);
	grade_one(b.q, "ana", 3, r3);
	grade_one(b.q, "bob", 4, r1);
	push(b.q, "bob", 5); /* queued: pending */
	struct gradebook gb;
	ck_assert_int_eq(queue_gradebook(b.q, NULL, &gb, err, sizeof err), QUEUE_OK);
	ck_assert_uint_eq(gb.n, 6); /* 2 learners x (total, a, b) */
	const struct grade_row *t = row_of(&gb, "ana", "");
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(t->exercise, "py/fizz");
	ck_assert_double_eq(t->best, 10);
	ck_assert_double_eq(t->latest, 5);
	ck_assert_double_eq(t->max_score, 10);
	ck_assert_str_eq(t->status, "failed");
	ck_assert_int_eq(t->attempts, 3);
	ck_assert(t->first_at <= t->last_at && t->first_at > 0);
	const struct grade_row *a = row_of(&gb, "ana", "a");
	ck_assert_double_eq(a->best, 5);
	ck_assert_double_eq(a->latest, 0);
	ck_assert_str_eq(a->status, "failed");
	ck_assert_int_eq(gradebook_pending(&gb, "bob", "py/fizz"), 1);
	ck_assert_int_eq(gradebook_pending(&gb, "ana", "py/fizz"), 0);
	gradebook_free(&gb);
	/* one learner's */
	ck_assert_int_eq(queue_gradebook(b.q, "bob", &gb, err, sizeof err), QUEUE_OK);
	ck_assert_uint_eq(gb.n, 3);
	ck_assert_double_eq(row_of(&gb, "bob", "")->latest, 5);
	gradebook_free(&gb);
	/* pages: by total, best first (ana 10, bob 5), one learner a page */
	struct gradebook_page pg = {.offset = 0, .limit = 1, .sort = "total", .desc = 1};
	ck_assert_int_eq(queue_gradebook_page(b.q, NULL, &pg, &gb, err, sizeof err), QUEUE_OK);
	ck_assert_int_eq(gb.total_learners, 2);
	ck_assert_ptr_nonnull(row_of(&gb, "ana", ""));
	ck_assert_ptr_null(row_of(&gb, "bob", ""));
	gradebook_free(&gb);
	pg.desc = 0; /* lowest first: bob */
	ck_assert_int_eq(queue_gradebook_page(b.q, NULL, &pg, &gb, err, sizeof err), QUEUE_OK);
	ck_assert_ptr_nonnull(row_of(&gb, "bob", ""));
	gradebook_free(&gb);
	pg.sort = "py/fizz"; /* by the exercise's best: the same, descending ana */
	pg.desc = 1;
	ck_assert_int_eq(queue_gradebook_page(b.q, NULL, &pg, &gb, err, sizeof err), QUEUE_OK);
	ck_assert_ptr_nonnull(row_of(&gb, "ana", ""));
	gradebook_free(&gb);
	/* a name filter: case folded, LIKE's own characters taken as text */
	struct gradebook_page by_name = {.limit = 10, .name = "BO"};
	ck_assert_int_eq(queue_gradebook_page(b.q, NULL, &by_name, &gb, err, sizeof err), QUEUE_OK);
	ck_assert_int_eq(gb.total_learners, 1);
	ck_assert_uint_eq(gb.n, 3);
	ck_assert_ptr_nonnull(row_of(&gb, "bob", ""));
	gradebook_free(&gb);
	by_name.name = "%";
	ck_assert_int_eq(queue_gradebook_page(b.q, NULL, &by_name, &gb, err, sizeof err), QUEUE_OK);
	ck_assert_int_eq(gb.total_learners, 0);
	ck_assert_uint_eq(gb.n, 0);
	gradebook_free(&gb);
	free(r1);
	free(r2);
	free(r3);
	backend_close(&b);
}
END_TEST

/* An exercise's statistics, from the summary the completions keep:
 * ana passes at her 2nd attempt and fails check a first in her latest;
 * bob's only grading fails b first. */
START_TEST(test_exercise_stats)
{
	struct backend b;
	backend_open(&b, _i);
	char err[512] = "";
	char *r1 = report_of("py/fizz", 5, 0), *r2 = report_of("py/fizz", 5, 5),
	     *r3 = report_of("py/fizz", 0, 5);
	grade_one(b.q, "ana", 1, r1);
	grade_one(b.q, "ana", 2, r2);
	grade_one(b.q, "ana", 3, r3);
	grade_one(b.q, "bob", 4, r1);
	struct exercise_stats st;
	ck_assert_int_eq(queue_exercise_stats(b.q, "py/fizz", &st, err, sizeof err), QUEUE_OK);
	ck_assert_int_eq(st.learners, 2);
	ck_assert_int_eq(st.passed, 1);
	ck_assert_int_eq(st.histogram[9], 1); /* ana: best 10 of 10 */
	ck_assert_int_eq(st.histogram[5], 1); /* bob: 5 of 10 */
	ck_assert_int_eq(st.attempts_to_pass[1], 1);
	ck_assert_int_eq(st.attempts_sum, 2);
	ck_assert_uint_eq(st.nchecks, 2);
	ck_assert_str_eq(st.checks[0].name, "a");
	ck_assert_int_eq(st.checks[0].passed, 2);
	ck_assert_str_eq(st.checks[1].name, "b");
	ck_assert_int_eq(st.checks[1].passed, 1);
	ck_assert_uint_eq(st.nfailed, 2);
	ck_assert_str_eq(st.failed_first[0].name, "a");
	ck_assert_int_eq(st.failed_first[0].learners, 1);
	cJSON *j = exercise_stats_json("py/fizz", &st);
	ck_assert_double_eq(cJSON_GetObjectItem(j, "pass_rate")->valuedouble, 0.5);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "most_failed_first")->valuestring, "a");
	ck_assert_double_eq(cJSON_GetObjectItem(j, "mean_attempts_to_pass")->valuedouble, 2);
	cJSON_Delete(j);
	exercise_stats_free(&st);
	/* an exercise nobody was graded on */
	ck_assert_int_eq(queue_exercise_stats(b.q, "py/other", &st, err, sizeof err), QUEUE_OK);
	ck_assert_int_eq(st.learners, 0);
	j = exercise_stats_json("py/other", &st);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(j, "most_failed_first")));
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(j, "mean_attempts_to_pass")));
	cJSON_Delete(j);
	exercise_stats_free(&st);
	free(r1);
	free(r2);
	free(r3);
	backend_close(&b);
}
END_TEST

/* Regrading after a course change: one call queues the newest graded
 * commit of each learner whose grading the course changed (nothing when
 * it did not), the regrade's completion records the grades it moved, and
 * the attempts stay (the same commit). */
START_TEST(test_regrade_and_moves)
{
	struct backend b;
	backend_open(&b, _i);
	char err[512] = "";
	struct exercise ex = {.id = "py/fizz"};
	struct exercise *exs[] = {&ex};
	struct course course = {.ex = exs, .n = 1};
	snprintf(ex.digest, sizeof ex.digest, "sha256:one");
	char *r10 = report_of("py/fizz", 5, 5), *r5 = report_of("py/fizz", 5, 0);
	grade_one(b.q, "ana", 1, r10); /* graded with no digest: an old job */
	struct regrade_result rr;
	ck_assert_int_eq(queue_regrade(b.q, &course, NULL, &rr, err, sizeof err), QUEUE_OK);
	ck_assert_uint_eq(rr.n, 1);
	ck_assert_int_eq(lease(b.q, "w", 30), rr.ids[0]);
	ck_assert_msg(queue_complete(b.q, rr.ids[0], "w", r5, "failed", NULL, err, sizeof err) ==
			  QUEUE_OK,
		      "complete: %s", err);
	regrade_result_free(&rr);
	/* graded by this course now: nothing to do */
	ck_assert_int_eq(queue_regrade(b.q, &course, NULL, &rr, err, sizeof err), QUEUE_OK);
	ck_assert_uint_eq(rr.n, 0);
	ck_assert_int_eq(rr.current, 1);
	regrade_result_free(&rr);
	cJSON *m = queue_grade_moves_json(b.q, 0, err, sizeof err);
	ck_assert_msg(m != NULL, "moves: %s", err);
	cJSON *moves = cJSON_GetObjectItem(m, "moves");
	ck_assert_int_eq(cJSON_GetArraySize(moves), 2); /* the total and check b */
	int seen = 0;
	cJSON *it;
	cJSON_ArrayForEach(it, moves)
	{
		const char *check = cJSON_GetObjectItem(it, "check")->valuestring;
		double before = cJSON_GetObjectItem(it, "before")->valuedouble;
		double after = cJSON_GetObjectItem(it, "after")->valuedouble;
		ck_assert_str_eq(cJSON_GetObjectItem(it, "learner")->valuestring, "ana");
		if (!strcmp(check, ""))
			seen += before == 10 && after == 5;
		if (!strcmp(check, "b"))
			seen += before == 5 && after == 0 &&
				!strcmp(cJSON_GetObjectItem(it, "after_status")->valuestring, "failed");
	}
	ck_assert_int_eq(seen, 2);
	cJSON_Delete(m);
	struct gradebook gb;
	ck_assert_int_eq(queue_gradebook(b.q, "ana", &gb, err, sizeof err), QUEUE_OK);
	ck_assert_double_eq(row_of(&gb, "ana", "")->latest, 5);
	ck_assert_double_eq(row_of(&gb, "ana", "")->best, 10);
	ck_assert_int_eq(row_of(&gb, "ana", "")->attempts, 1);
	gradebook_free(&gb);
	/* the course changes again, for one exercise asked by name */
	snprintf(ex.digest, sizeof ex.digest, "sha256:two");
	ck_assert_int_eq(queue_regrade(b.q, &course, "py/fizz", &rr, err, sizeof err), QUEUE_OK);
	ck_assert_uint_eq(rr.n, 1);
	regrade_result_free(&rr);
	free(r10);
	free(r5);
	backend_close(&b);
}
END_TEST

/* CSV for an LMS: quoting, and names a spreadsheet would run as formulas. */
START_TEST(test_gradebook_csv)
{
	struct grade_row rows[] = {
	    {.learner = "ana", .exercise = "py/fizz", .check = "", .best = 10, .latest = 7.5,
	     .max_score = 10, .status = "failed", .attempts = 2, .first_at = 0, .last_at = 60},
	    {.learner = "ana", .exercise = "py/fizz", .check = "=HYPERLINK(\"x\"), or \"y\"",
	     .best = 1, .latest = 1, .max_score = 1, .status = "passed", .attempts = 2},
	};
	struct pending_job p = {.learner = "ana", .exercises = "py/other,py/fizz"};
	struct gradebook gb = {.rows = rows, .n = 2, .pending = &p, .npending = 1};
	char *csv = gradebook_csv(&gb);
	ck_assert_str_eq(csv,
			 "learner,exercise,check,latest_score,best_score,max_score,status,"
			 "attempts,first_graded,last_graded,pending\r\n"
			 "ana,py/fizz,,7.5,10,10,failed,2,1970-01-01T00:00:00Z,"
			 "1970-01-01T00:01:00Z,yes\r\n"
			 "ana,py/fizz,\"'=HYPERLINK(\"\"x\"\"), or \"\"y\"\"\",1,1,1,passed,2,"
			 "1970-01-01T00:00:00Z,1970-01-01T00:00:00Z,yes\r\n");
	free(csv);
	ck_assert_int_eq(gradebook_pending(&gb, "ana", "py/fizz"), 1);
	ck_assert_int_eq(gradebook_pending(&gb, "ana", "py/fi"), 0);
	ck_assert_int_eq(gradebook_pending(&gb, "bob", "py/fizz"), 0);
}
END_TEST

/* A queue of schema version 2 gets its grades from the stored reports. */
START_TEST(test_grades_backfill)
{
	struct backend b;
	backend_open(&b, 0);
	char *r1 = report_of("py/fizz", 5, 5);
	grade_one(b.q, "ana", 1, r1);
	free(r1);
	downgrade(&b, "DROP TABLE grades; DROP TABLE grade_summary;"
		      "DELETE FROM schema_version; INSERT INTO schema_version VALUES (2);");
	char err[512] = "";
	struct gradebook gb;
	ck_assert_int_eq(queue_gradebook(b.q, NULL, &gb, err, sizeof err), QUEUE_OK);
	ck_assert_uint_eq(gb.n, 3);
	ck_assert_double_eq(row_of(&gb, "ana", "")->best, 10);
	ck_assert_int_eq(row_of(&gb, "ana", "")->attempts, 1);
	gradebook_free(&gb);
	backend_close(&b);
}
END_TEST

/* A queue of schema version 3 (grades, no summary) gets its summary from
 * the grades: the same gradebook as before the upgrade, and the next
 * grading folds into it. */
START_TEST(test_summary_backfill)
{
	struct backend b;
	backend_open(&b, 0);
	char *r1 = report_of("py/fizz", 5, 0), *r2 = report_of("py/fizz", 5, 5),
	     *r3 = report_of("py/fizz", 0, 5);
	grade_one(b.q, "ana", 1, r1);
	grade_one(b.q, "ana", 2, r2);
	downgrade(&b, "DROP TABLE grade_summary;"
		      "DELETE FROM schema_version; INSERT INTO schema_version VALUES (3);");
	char err[512] = "";
	struct gradebook gb;
	ck_assert_int_eq(queue_gradebook(b.q, NULL, &gb, err, sizeof err), QUEUE_OK);
	ck_assert_uint_eq(gb.n, 3);
	const struct grade_row *t = row_of(&gb, "ana", "");
	ck_assert_double_eq(t->best, 10);
	ck_assert_double_eq(t->latest, 10);
	ck_assert_int_eq(t->attempts, 2);
	ck_assert_str_eq(t->status, "passed");
	gradebook_free(&gb);
	grade_one(b.q, "ana", 3, r3);
	ck_assert_int_eq(queue_gradebook(b.q, "ana", &gb, err, sizeof err), QUEUE_OK);
	t = row_of(&gb, "ana", "");
	ck_assert_double_eq(t->best, 10);
	ck_assert_double_eq(t->latest, 5);
	ck_assert_int_eq(t->attempts, 3);
	ck_assert_double_eq(row_of(&gb, "ana", "a")->latest, 0);
	gradebook_free(&gb);
	free(r1);
	free(r2);
	free(r3);
	backend_close(&b);
}
END_TEST

START_TEST(test_bad_arguments)
{
	struct backend b;
	backend_open(&b, _i);
	char err[512] = "";
	int64_t id = 0;
	int d;
	struct job_spec s = {
	    .learner = "ada", .repo = "r", .ref = "refs/heads/main", .commit = "HEAD"};
	ck_assert_int_eq(queue_enqueue(b.q, &s, &id, &d, err, sizeof(err)), QUEUE_ERROR);
	ck_assert_msg(strstr(err, "not a full lowercase hex"), "message: %s", err);
	s.commit = "0123456789abcdef0123456789abcdef01234567";
	s.learner = "";
	ck_assert_int_eq(queue_enqueue(b.q, &s, &id, &d, err, sizeof(err)), QUEUE_ERROR);
	ck_assert_str_eq(err, "queue: job without a learner");
	s.learner = "ada";
	s.priority = 7;
	ck_assert_int_eq(queue_enqueue(b.q, &s, &id, &d, err, sizeof(err)), QUEUE_ERROR);
	s.priority = JOB_BULK;
	ck_assert_int_eq(queue_enqueue(b.q, &s, &id, &d, err, sizeof(err)), QUEUE_OK);
	ck_assert_int_eq(lease(b.q, "w", 30), id);
	ck_assert_int_eq(queue_complete(b.q, id, "w", "{}", "great", NULL, err, sizeof(err)),
			 QUEUE_ERROR);
	ck_assert_msg(strstr(err, "'great'"), "message: %s", err);
	struct job j;
	int got;
	ck_assert_int_eq(queue_lease(b.q, "", 30, &j, &got, err, sizeof(err)), QUEUE_ERROR);
	ck_assert_int_eq(queue_lease(b.q, "w", -1, &j, &got, err, sizeof(err)), QUEUE_ERROR);
	ck_assert_int_eq(queue_get(b.q, 424242, &j, err, sizeof(err)), QUEUE_NOT_FOUND);
	ck_assert_str_eq(err, "queue: no job 424242");
	/* Hostile strings are data, not SQL. */
	s.learner = "x'); DROP TABLE jobs; --";
	s.commit = "1123456789abcdef0123456789abcdef01234567";
	ck_assert_int_eq(queue_enqueue(b.q, &s, &id, &d, err, sizeof(err)), QUEUE_OK);
	j = get(b.q, id);
	ck_assert_str_eq(j.learner, "x'); DROP TABLE jobs; --");
	job_free(&j);
	backend_close(&b);
}
END_TEST

START_TEST(test_open_errors)
{
	char err[512] = "";
	ck_assert_ptr_null(queue_open("redis://localhost", err, sizeof(err)));
	ck_assert_msg(strstr(err, "unknown queue URL scheme"), "message: %s", err);
	ck_assert_ptr_null(queue_open("", err, sizeof(err)));
	ck_assert_ptr_null(queue_open("sqlite:/nonexistent-dir/q.db", err, sizeof(err)));
	ck_assert_msg(strstr(err, "/nonexistent-dir/q.db"), "message: %s", err);
	ck_assert_ptr_null(
	    queue_open("postgresql:///x?host=/nonexistent-dir&port=1", err, sizeof(err)));
	ck_assert_msg(strstr(err, "cannot connect"), "message: %s", err);

	/* A queue written by a newer grader is refused, not misread. */
	struct backend b;
	backend_open(&b, 0);
	queue_close(b.q);
	b.q = NULL;
	sqlite3 *db;
	char *path = path_join(b.dir, "queue.db");
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO schema_version VALUES (99)", 0, 0, 0),
			 SQLITE_OK);
	sqlite3_close(db);
	ck_assert_ptr_null(queue_open(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, "schema version 99 is newer"), "message: %s", err);
	free(path);
	backend_close(&b);
}
END_TEST

/* The child of test_crash_safety: enqueues and leases as fast as it can,
 * reporting each committed job id on fd, until it is killed. */
static void crash_child(const char *url, int fd)
{
	char err[512];
	struct queue *q = queue_open(url, err, sizeof(err));
	if (!q)
		_exit(2);
	for (unsigned i = 1;; i++) {
		int64_t id = push(q, i % 2 ? "ada" : "bob", 1000 + i);
		if (write(fd, &id, sizeof(id)) != sizeof(id))
			_exit(3);
		if (i % 3 == 0)
			lease(q, "crashing:1", 600);
	}
}

START_TEST(test_crash_safety)
{
	struct backend b;
	backend_open(&b, _i);
	queue_close(b.q);
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		crash_child(b.url, fds[1]);
	}
	close(fds[1]);
	int64_t acked[64];
	size_t nacked = 0;
	while (nacked < 40 && read(fds[0], &acked[nacked], sizeof(int64_t)) == sizeof(int64_t))
		nacked++;
	ck_assert_uint_eq(nacked, 40);
	usleep(1000 + (useconds_t)(getpid() % 5000)); /* land somewhere mid-transaction */
	kill(pid, SIGKILL);
	int status;
	waitpid(pid, &status, 0);
	ck_assert(WIFSIGNALED(status));
	close(fds[0]);

	if (_i == 0) {
		sqlite3 *db;
		char *path = path_join(b.dir, "queue.db");
		ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
		sqlite3_stmt *st;
		ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, 0),
				 SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
		sqlite3_finalize(st);
		sqlite3_close(db);
		free(path);
	}
	b.q = reopen(&b);
	for (size_t i = 0; i < nacked; i++) {
		struct job j = get(b.q, acked[i]);
		ck_assert(j.state == JOB_QUEUED || j.state == JOB_RUNNING ||
			  j.state == JOB_SUPERSEDED);
		job_free(&j);
	}
	/* The supervisor gives the dead worker's jobs back; all are graded. */
	long released = 0;
	char err[512] = "";
	ck_assert_int_eq(queue_release_worker(b.q, "crashing:1", &released, err, sizeof(err)),
			 QUEUE_OK);
	struct queue_counts n = counts(b.q);
	ck_assert_int_eq(n.by_state[JOB_RUNNING], 0);
	long live = n.by_state[JOB_QUEUED];
	ck_assert_int_ge(live, 2);
	long done = 0;
	for (int64_t id; (id = lease(b.q, "survivor", 30)) != 0; done++)
		ck_assert_int_eq(complete(b.q, id, "survivor", "{}", NULL), QUEUE_OK);
	ck_assert_int_eq(done, live);
	backend_close(&b);
}
END_TEST

/* The child of test_crash_mid_transaction: takes the database's write
 * lock (SQLite) or the job row's lock (PostgreSQL), changes the job, and
 * dies before committing. */
static void die_in_transaction(int backend, const char *url, const char *dir, int64_t id)
{
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "UPDATE jobs SET state = 'running', lease_owner = 'ghost', attempts = 9"
		 " WHERE id = %lld",
		 (long long)id);
	if (backend == 0) {
		sqlite3 *db;
		char *path = path_join(dir, "queue.db");
		if (sqlite3_open(path, &db) != SQLITE_OK ||
		    sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0) != SQLITE_OK ||
		    sqlite3_exec(db, sql, 0, 0, 0) != SQLITE_OK)
			_exit(2);
	} else {
		PGconn *c = PQconnectdb(url);
		PQclear(PQexec(c, "BEGIN"));
		PGresult *r = PQexec(c, sql);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			_exit(2);
	}
	_exit(0); /* no COMMIT, no close */
}

START_TEST(test_crash_mid_transaction)
{
	struct backend b;
	backend_open(&b, _i);
	int64_t id = push(b.q, "ada", 1);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		die_in_transaction(_i, b.url, b.dir, id);
	int status;
	waitpid(pid, &status, 0);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	/* Nothing of the dead transaction shows, and nothing stays locked. */
	struct job j = get(b.q, id);
	ck_assert_int_eq(j.state, JOB_QUEUED);
	ck_assert_int_eq(j.attempts, 0);
	ck_assert_ptr_null(j.lease_owner);
	job_free(&j);
	/* PostgreSQL releases the row lock once the server has seen the client
	 * go: allow it a moment. SQLite's lock died with the process. */
	int64_t got = 0;
	for (int tries = 0; tries < 100 && got == 0; tries++) {
		got = lease(b.q, "w", 30);
		if (!got)
			sleep_s(0.02);
	}
	ck_assert_int_eq(got, id);
	ck_assert_int_eq(complete(b.q, id, "w", "{}", NULL), QUEUE_OK);
	backend_close(&b);
}
END_TEST

/* A worker process of test_concurrent_leases: leases and completes until
 * the queue is empty, writing every id it completed to fd. */
static void lease_worker(const char *url, const char *name, int fd)
{
	char err[512];
	struct queue *q = queue_open(url, err, sizeof(err));
	if (!q) {
		fprintf(stderr, "%s: %s\n", name, err);
		_exit(2);
	}
	for (;;) {
		struct job j;
		int got = 0;
		if (queue_lease(q, name, 60, &j, &got, err, sizeof(err))) {
			fprintf(stderr, "%s: %s\n", name, err);
			_exit(3);
		}
		if (!got)
			break;
		int stored = 0;
		if (queue_complete(q, j.id, name, "{}", "passed", &stored, err, sizeof(err)) ||
		    !stored) {
			fprintf(stderr, "%s: job %lld: %s\n", name, (long long)j.id, err);
			_exit(4);
		}
		if (write(fd, &j.id, sizeof(j.id)) != sizeof(j.id))
			_exit(5);
		job_free(&j);
	}
	queue_close(q);
	_exit(0);
}

START_TEST(test_concurrent_leases)
{
	enum { JOBS = 200, WORKERS = 2 };
	struct backend b;
	backend_open(&b, _i);
	int64_t max_id = 0;
	for (unsigned i = 0; i < JOBS; i++) {
		char learner[16], ref[32];
		snprintf(learner, sizeof(learner), "l%u", i % 7);
		snprintf(ref, sizeof(ref), "refs/heads/b%u", i); /* none supersedes another */
		int64_t id = add(b.q, learner, ref, i + 1, i % 2, "api", NULL);
		max_id = id > max_id ? id : max_id;
	}
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	pid_t pids[WORKERS];
	for (int w = 0; w < WORKERS; w++) {
		pids[w] = fork();
		ck_assert_int_ge(pids[w], 0);
		if (pids[w] == 0) {
			char name[32];
			snprintf(name, sizeof(name), "host:%d", w);
			close(fds[0]);
			lease_worker(b.url, name, fds[1]);
		}
	}
	close(fds[1]);
	int *seen = xcalloc((size_t)max_id + 1, sizeof(int));
	int64_t id;
	long total = 0;
	while (read(fds[0], &id, sizeof(id)) == sizeof(id)) {
		ck_assert(id > 0 && id <= max_id);
		seen[id]++;
		total++;
	}
	close(fds[0]);
	for (int w = 0; w < WORKERS; w++) {
		int status;
		waitpid(pids[w], &status, 0);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "worker %d ended with status %#x", w, status);
	}
	ck_assert_int_eq(total, JOBS);
	for (int64_t i = 1; i <= max_id; i++)
		ck_assert_msg(seen[i] <= 1, "job %lld leased %d times", (long long)i, seen[i]);
	free(seen);
	struct queue_counts n = counts(b.q);
	ck_assert_int_eq(n.by_state[JOB_DONE], JOBS);
	backend_close(&b);
}
END_TEST

static Suite *queue_suite(void)
{
	Suite *s = suite_create("queue");
	TCase *tc = tcase_create("both back ends");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_enqueue_lease_complete, 0, 2);
	tcase_add_loop_test(tc, test_dedup, 0, 2);
	tcase_add_loop_test(tc, test_supersede, 0, 2);
	tcase_add_loop_test(tc, test_api_submissions_never_coalesce, 0, 2);
	tcase_add_loop_test(tc, test_priority, 0, 2);
	tcase_add_loop_test(tc, test_fairness, 0, 2);
	tcase_add_loop_test(tc, test_lease_expiry, 0, 2);
	tcase_add_loop_test(tc, test_lease_expired_too_often, 0, 2);
	tcase_add_loop_test(tc, test_heartbeat, 0, 2);
	tcase_add_loop_test(tc, test_release_worker, 0, 2);
	tcase_add_loop_test(tc, test_metrics, 0, 2);
	tcase_add_loop_test(tc, test_report_stored_once, 0, 2);
	tcase_add_loop_test(tc, test_fail_and_retry, 0, 2);
	tcase_add_loop_test(tc, test_grader_fault_retry, 0, 2);
	tcase_add_test(tc, test_schema_upgrade_v1);
	tcase_add_test(tc, test_summary_backfill);
	tcase_add_loop_test(tc, test_gradebook, 0, 2);
	tcase_add_loop_test(tc, test_exercise_stats, 0, 2);
	tcase_add_loop_test(tc, test_regrade_and_moves, 0, 2);
	tcase_add_test(tc, test_grades_backfill);
	tcase_add_test(tc, test_gradebook_csv);
	tcase_add_loop_test(tc, test_bad_arguments, 0, 2);
	tcase_add_loop_test(tc, test_crash_safety, 0, 2);
	tcase_add_loop_test(tc, test_crash_mid_transaction, 0, 2);
	tcase_add_loop_test(tc, test_concurrent_leases, 0, 2);
	tcase_add_test(tc, test_open_errors);
	suite_add_tcase(s, tc);
	return s;
}

/* tests/pg.sh, found beside this file (tests are run from the top of the
 * source tree) or under $GRADER_SRC. */
static char *pg_script(void)
{
	const char *src = getenv("GRADER_SRC");
	if (src)
		return path_join(src, "tests/pg.sh");
	char *dir = xstrdup(__FILE__);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	char *script = path_join(dir, "../pg.sh");
	free(dir);
	return script;
}

/* Starts a throwaway cluster; returns its URL (heap) or NULL with
 * pg_problem set. *cluster_dir receives the dir to stop. */
static char *start_cluster(const char *script, char **cluster_dir)
{
	if (access(script, R_OK) != 0) {
		snprintf(pg_problem, sizeof(pg_problem),
			 "GRADER_TEST_PG is unset and %s is missing (run from the source tree "
			 "or set GRADER_SRC)",
			 script);
		return NULL;
	}
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "sh '%s' start", script);
	FILE *p = popen(cmd, "r");
	char line[1024] = "";
	if (!p || !fgets(line, sizeof(line), p))
		line[0] = '\0';
	int rc = p ? pclose(p) : -1;
	line[strcspn(line, "\n")] = '\0';
	char *host = strstr(line, "host=");
	if (rc != 0 || !host) {
		snprintf(pg_problem, sizeof(pg_problem),
			 "GRADER_TEST_PG is unset and '%s' could not start a PostgreSQL cluster "
			 "(see its messages above; PostgreSQL server binaries are needed)",
			 cmd);
		return NULL;
	}
	*cluster_dir = xstrndup(host + 5, strcspn(host + 5, "&"));
	return xstrdup(line);
}

/* Runs one statement on url outside any test; 0 or -1 with pg_problem. */
static int pg_admin(const char *url, const char *sql)
{
	PGconn *c = PQconnectdb(url);
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
	int ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		snprintf(pg_problem, sizeof(pg_problem), "%s: %s", url, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}

/* A schema of our own in the database at url, so that test runs sharing
 * one server (make test and make asan, say) never see each other's
 * tables. Returns the URL that selects it, or NULL with pg_problem. */
static char *private_schema(const char *url, char schema[64])
{
	snprintf(schema, 64, "test_queue_%ld", (long)getpid());
	char *sql = xasprintf("DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema, schema);
	int rc = pg_admin(url, sql);
	free(sql);
	if (rc)
		return NULL;
	return xasprintf("%s%coptions=-csearch_path%%3D%s", url, strchr(url, '?') ? '&' : '?',
			 schema);
}

int main(void)
{
	char *url = NULL, *cluster = NULL, *script = pg_script();
	pg_url = getenv("GRADER_TEST_PG");
	if (!pg_url || !*pg_url) {
		url = start_cluster(script, &cluster);
		pg_url = url;
	}
	char schema[64] = "";
	char *schema_url = pg_url ? private_schema(pg_url, schema) : NULL;
	const char *server_url = pg_url;
	pg_url = schema_url;
	if (!pg_url)
		fprintf(stderr, "test_queue: %s\n", pg_problem);

	SRunner *sr = srunner_create(queue_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);

	if (schema_url) {
		char sql[128];
		snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", schema);
		if (pg_admin(server_url, sql))
			fprintf(stderr, "test_queue: %s\n", pg_problem);
	}
	free(schema_url);
	if (cluster) {
		char cmd[1200];
		snprintf(cmd, sizeof(cmd), "sh '%s' stop '%s'", script, cluster);
		if (system(cmd) != 0)
			fprintf(stderr, "test_queue: could not stop the cluster in %s\n", cluster);
	}
	free(url);
	free(cluster);
	free(script);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
