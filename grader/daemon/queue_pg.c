/*
 * queue_pg.c - the queue on PostgreSQL (libpq), for fleets: several
 * daemons on several machines share one queue.
 *
 * A lease is taken with SELECT ... FOR UPDATE SKIP LOCKED inside a
 * transaction, so two daemons never take the same job and never wait on
 * each other's candidate rows. Lease times come from the server's clock
 * (now()), so machines with skewed clocks still agree on when a lease
 * expired. Owner-checked updates (heartbeat, complete, fail) lock the job
 * row first. A transaction that hits a deadlock or serialization failure
 * is run again (a few times) from the start.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grader/util/util.h"
#include "queue_backend.h"

/* The server's clock, in seconds since the epoch. */
#define NOW_SQL "extract(epoch from now())::float8"

struct pg_queue {
	struct queue base;
	PGconn *conn;
	char sqlstate[6]; /* of the last failed statement, "" if none */
};

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS jobs ("
    " id BIGSERIAL PRIMARY KEY,"
    " learner TEXT NOT NULL, repo TEXT NOT NULL, ref TEXT NOT NULL,"
    " commit_id TEXT NOT NULL, exercises TEXT NOT NULL DEFAULT '',"
    " course_digest TEXT NOT NULL DEFAULT '', source TEXT NOT NULL,"
    " callback_url TEXT NOT NULL DEFAULT '', priority INTEGER NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN"
    "  ('queued','running','done','failed','superseded')),"
    " attempts INTEGER NOT NULL DEFAULT 0, lease_owner TEXT,"
    " lease_expires DOUBLE PRECISION NOT NULL DEFAULT 0,"
    " created_at DOUBLE PRECISION NOT NULL,"
    " started_at DOUBLE PRECISION NOT NULL DEFAULT 0,"
    " finished_at DOUBLE PRECISION NOT NULL DEFAULT 0,"
    " superseded_by BIGINT NOT NULL DEFAULT 0, error TEXT, status TEXT);"
    "CREATE UNIQUE INDEX IF NOT EXISTS jobs_live_key"
    " ON jobs (repo, commit_id, exercises, course_digest)"
    " WHERE state NOT IN ('failed','superseded');"
    "CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, priority, id);"
    "CREATE INDEX IF NOT EXISTS jobs_by_learner ON jobs (learner, id);"
    "CREATE INDEX IF NOT EXISTS jobs_by_branch ON jobs (learner, repo, ref, state);"
    "CREATE INDEX IF NOT EXISTS jobs_by_owner ON jobs (lease_owner)"
    " WHERE lease_owner IS NOT NULL;"
    "CREATE TABLE IF NOT EXISTS reports ("
    " repo TEXT NOT NULL, commit_id TEXT NOT NULL, exercises TEXT NOT NULL,"
    " course_digest TEXT NOT NULL, job_id BIGINT NOT NULL, status TEXT NOT NULL,"
    " report TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,"
    " PRIMARY KEY (repo, commit_id, exercises, course_digest));"
    "CREATE TABLE IF NOT EXISTS learners ("
    " name TEXT PRIMARY KEY, last_served BIGINT NOT NULL DEFAULT 0);"
    "CREATE SEQUENCE IF NOT EXISTS learner_served;"
    "CREATE TABLE IF NOT EXISTS metrics ("
    " name TEXT NOT NULL, label TEXT NOT NULL, value DOUBLE PRECISION NOT NULL,"
    " PRIMARY KEY (name, label));";

/* Text parameters for one statement. */
enum { MAX_PARAMS = 12 };
struct params {
	int n;
	const char *v[MAX_PARAMS];
	char num[MAX_PARAMS][40];
};

static void p_str(struct params *p, const char *s)
{
	p->v[p->n++] = s;
}

static void p_i64(struct params *p, int64_t i)
{
	snprintf(p->num[p->n], sizeof(p->num[0]), "%lld", (long long)i);
	p->v[p->n] = p->num[p->n];
	p->n++;
}

static void p_dbl(struct params *p, double d)
{
	snprintf(p->num[p->n], sizeof(p->num[0]), "%.17g", d);
	p->v[p->n] = p->num[p->n];
	p->n++;
}

static int set_db_error(struct pg_queue *q, PGresult *res, char *err, size_t errlen)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	snprintf(q->sqlstate, sizeof(q->sqlstate), "%s", state ? state : "");
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(q->conn);
	char clean[512];
	snprintf(clean, sizeof(clean), "%s", msg && *msg ? msg : PQerrorMessage(q->conn));
	clean[strcspn(clean, "\n")] = '\0';
	return queue_errf(err, errlen, QUEUE_ERROR, "queue (postgresql): %s", clean);
}

/* Runs one statement; the result (the caller PQclear()s it) or NULL with
 * err set. p may be NULL for a statement without parameters. */
static PGresult *pg_run(struct pg_queue *q, const char *sql, const struct params *p, char *err,
			size_t errlen)
{
	/* Without parameters, the simple protocol: it runs several statements. */
	PGresult *res =
	    p ? PQexecParams(q->conn, sql, p->n, NULL, p->v, NULL, NULL, 0) : PQexec(q->conn, sql);
	ExecStatusType st = PQresultStatus(res);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	set_db_error(q, res, err, errlen);
	PQclear(res);
	return NULL;
}

/* Runs a statement whose rows are not needed; *changed (may be NULL) is
 * the number of rows it touched. */
static int pg_do(struct pg_queue *q, const char *sql, const struct params *p, long *changed,
		 char *err, size_t errlen)
{
	PGresult *res = pg_run(q, sql, p, err, errlen);
	if (!res)
		return QUEUE_ERROR;
	if (changed)
		*changed = atol(PQcmdTuples(res));
	PQclear(res);
	return QUEUE_OK;
}

static char *val_dup(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : xstrdup(PQgetvalue(res, row, col));
}

static char *val_opt(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : queue_opt_dup(PQgetvalue(res, row, col));
}

static double val_dbl(PGresult *res, int row, int col)
{
	return strtod(PQgetvalue(res, row, col), NULL);
}

static int64_t val_i64(PGresult *res, int row, int col)
{
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static void fill_job(PGresult *res, int row, struct job *j)
{
	j->id = val_i64(res, row, 0);
	j->learner = val_dup(res, row, 1);
	j->repo = val_dup(res, row, 2);
	j->ref = val_dup(res, row, 3);
	j->commit = val_dup(res, row, 4);
	j->exercises = val_opt(res, row, 5);
	j->course_digest = val_opt(res, row, 6);
	j->source = val_dup(res, row, 7);
	j->callback_url = val_opt(res, row, 8);
	j->priority = val_i64(res, row, 9) ? JOB_BULK : JOB_INTERACTIVE;
	if (job_state_parse(PQgetvalue(res, row, 10), &j->state))
		j->state = JOB_FAILED;
	j->attempts = (int)val_i64(res, row, 11);
	j->lease_owner = val_dup(res, row, 12);
	j->lease_expires = val_dbl(res, row, 13);
	j->created_at = val_dbl(res, row, 14);
	j->started_at = val_dbl(res, row, 15);
	j->finished_at = val_dbl(res, row, 16);
	j->superseded_by = val_i64(res, row, 17);
	j->error = val_dup(res, row, 18);
	j->status = val_dup(res, row, 19);
	j->report = val_dup(res, row, 20);
}

static int read_job(struct pg_queue *q, int64_t id, struct job *out, char *err, size_t errlen)
{
	char sql[1024];
	struct params p = {0};
	snprintf(sql, sizeof(sql), "SELECT %s WHERE j.id = $1", queue_job_columns);
	p_i64(&p, id);
	PGresult *res = pg_run(q, sql, &p, err, errlen);
	if (!res)
		return QUEUE_ERROR;
	int found = PQntuples(res) == 1;
	if (found)
		fill_job(res, 0, out);
	PQclear(res);
	if (!found)
		return queue_errf(err, errlen, QUEUE_ERROR, "queue: no job %lld", (long long)id);
	return QUEUE_OK;
}

typedef int (*txn_body)(struct pg_queue *q, void *ctx, char *err, size_t errlen);

static int is_transient(const char *sqlstate)
{
	return !strcmp(sqlstate, "40001") || !strcmp(sqlstate, "40P01");
}

/* Runs body in a transaction, again from the start (up to 4 tries) when
 * it fails with a deadlock or a serialization failure. */
static int in_txn(struct pg_queue *q, txn_body body, void *ctx, char *err, size_t errlen)
{
	int rc = QUEUE_ERROR;
	for (int attempt = 0; attempt < 4; attempt++) {
		if (PQstatus(q->conn) != CONNECTION_OK)
			PQreset(q->conn);
		q->sqlstate[0] = '\0';
		if (pg_do(q, "BEGIN", NULL, NULL, err, errlen))
			return QUEUE_ERROR;
		rc = body(q, ctx, err, errlen);
		if (rc == QUEUE_OK && pg_do(q, "COMMIT", NULL, NULL, err, errlen) == QUEUE_OK)
			return QUEUE_OK;
		char keep[6];
		memcpy(keep, q->sqlstate, sizeof(keep));
		pg_do(q, "ROLLBACK", NULL, NULL, NULL, 0);
		if (rc == QUEUE_LEASE_LOST || !is_transient(keep))
			return rc == QUEUE_OK ? QUEUE_ERROR : rc;
	}
	return rc == QUEUE_OK ? QUEUE_ERROR : rc;
}

/* ---- schema ---- */

static int schema_body(struct pg_queue *q, void *ctx, char *err, size_t errlen)
{
	/* Daemons starting together must not race on CREATE ... IF NOT EXISTS. */
	if (pg_do(q, "SELECT pg_advisory_xact_lock(7301954318)", NULL, NULL, err, errlen) ||
	    pg_do(q, schema_sql, NULL, NULL, err, errlen))
		return QUEUE_ERROR;
	PGresult *res = pg_run(q, "SELECT MAX(version) FROM schema_version", NULL, err, errlen);
	if (!res)
		return QUEUE_ERROR;
	int have = !PQgetisnull(res, 0, 0);
	long version = have ? atol(PQgetvalue(res, 0, 0)) : 0;
	PQclear(res);
	if (have && version > QUEUE_SCHEMA_VERSION)
		return queue_errf(err, errlen, QUEUE_ERROR,
				  "queue (postgresql): schema version %ld is newer than this "
				  "grader's (%d)",
				  version, QUEUE_SCHEMA_VERSION);
	if (have)
		return QUEUE_OK; /* version 1 is the first: nothing to upgrade yet */
	struct params p = {0};
	p_i64(&p, QUEUE_SCHEMA_VERSION);
	return pg_do(q, "INSERT INTO schema_version (version) VALUES ($1)", &p, NULL, err, errlen);
}

static const struct queue_ops pg_ops;

struct queue *queue_pg_open(const char *conninfo, char *err, size_t errlen)
{
	struct pg_queue *q = xcalloc(1, sizeof(*q));
	q->base.ops = &pg_ops;
	q->conn = PQconnectdb(conninfo);
	if (PQstatus(q->conn) != CONNECTION_OK) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(q->conn));
		msg[strcspn(msg, "\n")] = '\0';
		queue_errf(err, errlen, QUEUE_ERROR, "queue (postgresql): cannot connect: %s", msg);
		queue_close(&q->base);
		return NULL;
	}
	/* Quiet the NOTICEs CREATE ... IF NOT EXISTS sends on every start. */
	if (pg_do(q, "SET client_min_messages = warning", NULL, NULL, err, errlen) ||
	    in_txn(q, schema_body, NULL, err, errlen)) {
		queue_close(&q->base);
		return NULL;
	}
	return &q->base;
}

static void pg_close(struct queue *base)
{
	struct pg_queue *q = (struct pg_queue *)base;
	PQfinish(q->conn);
	free(q);
}

/* ---- enqueue ---- */

struct enqueue_ctx {
	const struct job_spec *spec;
	int64_t id;
	int dedup;
};

/* The live job with spec's key: 1 and *id, 0 when none, -1 on error. */
static int find_live(struct pg_queue *q, const struct job_spec *s, int64_t *id, char *err,
		     size_t errlen)
{
	struct params p = {0};
	p_str(&p, s->repo);
	p_str(&p, s->commit);
	p_str(&p, queue_opt(s->exercises));
	p_str(&p, queue_opt(s->course_digest));
	PGresult *res = pg_run(q,
			       "SELECT id FROM jobs WHERE repo = $1 AND commit_id = $2"
			       " AND exercises = $3 AND course_digest = $4"
			       " AND state NOT IN ('failed','superseded')",
			       &p, err, errlen);
	if (!res)
		return -1;
	int found = PQntuples(res) > 0;
	if (found)
		*id = val_i64(res, 0, 0);
	PQclear(res);
	return found;
}

/* Inserts the job unless a concurrent transaction just inserted its key:
 * 1 and *id when inserted, 0 on that conflict, -1 on error. */
static int insert_job(struct pg_queue *q, const struct job_spec *s, int64_t *id, char *err,
		      size_t errlen)
{
	struct params p = {0};
	p_str(&p, s->learner);
	p_str(&p, s->repo);
	p_str(&p, s->ref);
	p_str(&p, s->commit);
	p_str(&p, queue_opt(s->exercises));
	p_str(&p, queue_opt(s->course_digest));
	p_str(&p, s->source ? s->source : "api");
	p_str(&p, queue_opt(s->callback_url));
	p_i64(&p, s->priority);
	PGresult *res =
	    pg_run(q,
		   "INSERT INTO jobs (learner, repo, ref, commit_id, exercises,"
		   " course_digest, source, callback_url, priority, state, created_at)"
		   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', " NOW_SQL ")"
		   " ON CONFLICT (repo, commit_id, exercises, course_digest)"
		   " WHERE state NOT IN ('failed','superseded') DO NOTHING RETURNING id",
		   &p, err, errlen);
	if (!res)
		return -1;
	int inserted = PQntuples(res) == 1;
	if (inserted)
		*id = val_i64(res, 0, 0);
	PQclear(res);
	return inserted;
}

static int supersede(struct pg_queue *q, const struct job_spec *s, int64_t id, char *err,
		     size_t errlen)
{
	struct params p = {0};
	p_i64(&p, id);
	p_str(&p, s->learner);
	p_str(&p, s->repo);
	p_str(&p, s->ref);
	p_str(&p, s->commit);
	return pg_do(q,
		     "UPDATE jobs SET state = 'superseded', superseded_by = $1,"
		     " finished_at = " NOW_SQL " WHERE learner = $2 AND repo = $3 AND ref = $4"
		     " AND state = 'queued' AND commit_id <> $5 AND id <> $1",
		     &p, NULL, err, errlen);
}

static int enqueue_body(struct pg_queue *q, void *vctx, char *err, size_t errlen)
{
	struct enqueue_ctx *c = vctx;
	const struct job_spec *s = c->spec;

	int r = find_live(q, s, &c->id, err, errlen);
	if (r == 0) {
		r = insert_job(q, s, &c->id, err, errlen);
		if (r == 1)
			r = 2; /* inserted */
		else if (r == 0)
			r = find_live(q, s, &c->id, err, errlen);
	}
	if (r < 0)
		return QUEUE_ERROR;
	if (r == 0) {
		/* The conflicting row went away again: start over. */
		snprintf(q->sqlstate, sizeof(q->sqlstate), "40001");
		return queue_errf(err, errlen, QUEUE_ERROR, "queue: enqueue raced, try again");
	}
	c->dedup = r == 1;
	if (!queue_source_supersedes(s->source))
		return QUEUE_OK;
	return supersede(q, s, c->id, err, errlen);
}

static int pg_enqueue(struct queue *base, const struct job_spec *spec, int64_t *id, int *dedup,
		      char *err, size_t errlen)
{
	struct enqueue_ctx c = {.spec = spec};
	int rc = in_txn((struct pg_queue *)base, enqueue_body, &c, err, errlen);
	if (rc == QUEUE_OK) {
		*id = c.id;
		*dedup = c.dedup;
	}
	return rc;
}

/* ---- lease ---- */

struct lease_ctx {
	const char *worker;
	double lease_s;
	struct job *out;
	int got;
};

static int fail_exhausted(struct pg_queue *q, char *err, size_t errlen)
{
	struct params p = {0};
	p_i64(&p, q->base.max_attempts);
	return pg_do(q,
		     "UPDATE jobs SET state = 'failed', lease_owner = NULL, lease_expires = 0,"
		     " finished_at = " NOW_SQL ", error = 'lease expired ' || attempts || ' times'"
		     " WHERE id IN (SELECT id FROM jobs WHERE state = 'running'"
		     " AND lease_expires < " NOW_SQL " AND attempts >= $1"
		     " FOR UPDATE SKIP LOCKED)",
		     &p, NULL, err, errlen);
}

/* Locks the next job to lease: 1 and *id, 0 when none, -1 on error. */
static int pick_next(struct pg_queue *q, int64_t *id, char *err, size_t errlen)
{
	PGresult *res = pg_run(q,
			       "SELECT j.id FROM jobs j LEFT JOIN learners l ON l.name = j.learner"
			       " WHERE j.state = 'queued'"
			       " OR (j.state = 'running' AND j.lease_expires < " NOW_SQL ")"
			       " ORDER BY j.priority, COALESCE(l.last_served, 0), j.id"
			       " LIMIT 1 FOR UPDATE OF j SKIP LOCKED",
			       NULL, err, errlen);
	if (!res)
		return -1;
	int found = PQntuples(res) == 1;
	if (found)
		*id = val_i64(res, 0, 0);
	PQclear(res);
	return found;
}

static int take(struct pg_queue *q, struct lease_ctx *c, int64_t id, char *err, size_t errlen)
{
	struct params p = {0};
	p_str(&p, c->worker);
	p_dbl(&p, c->lease_s);
	p_i64(&p, id);
	if (pg_do(q,
		  "UPDATE jobs SET state = 'running', lease_owner = $1,"
		  " lease_expires = " NOW_SQL " + $2, attempts = attempts + 1,"
		  " started_at = " NOW_SQL " WHERE id = $3",
		  &p, NULL, err, errlen))
		return QUEUE_ERROR;
	struct params l = {0};
	p_i64(&l, id);
	return pg_do(q,
		     "INSERT INTO learners (name, last_served)"
		     " SELECT learner, nextval('learner_served') FROM jobs WHERE id = $1"
		     " ON CONFLICT (name) DO UPDATE SET last_served = EXCLUDED.last_served",
		     &l, NULL, err, errlen);
}

static int lease_body(struct pg_queue *q, void *vctx, char *err, size_t errlen)
{
	struct lease_ctx *c = vctx;
	int64_t id;

	job_free(c->out);
	c->got = 0;
	if (fail_exhausted(q, err, errlen))
		return QUEUE_ERROR;
	int r = pick_next(q, &id, err, errlen);
	if (r <= 0)
		return r < 0 ? QUEUE_ERROR : QUEUE_OK;
	if (take(q, c, id, err, errlen) || read_job(q, id, c->out, err, errlen))
		return QUEUE_ERROR;
	c->got = 1;
	return QUEUE_OK;
}

static int pg_lease(struct queue *base, const char *worker, double lease_s, struct job *out,
		    int *got, char *err, size_t errlen)
{
	struct lease_ctx c = {.worker = worker, .lease_s = lease_s, .out = out};
	int rc = in_txn((struct pg_queue *)base, lease_body, &c, err, errlen);
	if (rc != QUEUE_OK)
		job_free(out);
	*got = rc == QUEUE_OK && c.got;
	return rc;
}

/* ---- owner-checked updates ---- */

struct owned_ctx {
	int64_t id;
	const char *worker;
	double lease_s;
	const char *report, *status, *error;
	int retry;
	int stored;
};

/* Locks the job row; QUEUE_OK when c->worker holds its running lease. */
static int check_owner(struct pg_queue *q, struct owned_ctx *c, int *attempts, char *err,
		       size_t errlen)
{
	struct params p = {0};
	p_i64(&p, c->id);
	PGresult *res = pg_run(q,
			       "SELECT state, lease_owner, attempts FROM jobs WHERE id = $1"
			       " FOR UPDATE",
			       &p, err, errlen);
	if (!res)
		return QUEUE_ERROR;
	int rc = QUEUE_OK;
	if (PQntuples(res) != 1) {
		rc = queue_errf(err, errlen, QUEUE_ERROR, "queue: no job %lld", (long long)c->id);
	} else {
		const char *state = PQgetvalue(res, 0, 0);
		const char *owner = PQgetisnull(res, 0, 1) ? NULL : PQgetvalue(res, 0, 1);
		if (attempts)
			*attempts = (int)val_i64(res, 0, 2);
		if (strcmp(state, "running") || !owner || strcmp(owner, c->worker))
			rc = queue_errf(
			    err, errlen, QUEUE_LEASE_LOST,
			    "queue: job %lld: lease lost by %s (job is %s, leased by %s)",
			    (long long)c->id, c->worker, state, owner ? owner : "nobody");
	}
	PQclear(res);
	return rc;
}

static int heartbeat_body(struct pg_queue *q, void *vctx, char *err, size_t errlen)
{
	struct owned_ctx *c = vctx;
	int rc = check_owner(q, c, NULL, err, errlen);
	if (rc)
		return rc;
	struct params p = {0};
	p_dbl(&p, c->lease_s);
	p_i64(&p, c->id);
	return pg_do(q, "UPDATE jobs SET lease_expires = " NOW_SQL " + $1 WHERE id = $2", &p, NULL,
		     err, errlen);
}

static int pg_heartbeat(struct queue *base, int64_t id, const char *worker, double lease_s,
			char *err, size_t errlen)
{
	struct owned_ctx c = {.id = id, .worker = worker, .lease_s = lease_s};
	return in_txn((struct pg_queue *)base, heartbeat_body, &c, err, errlen);
}

static int complete_body(struct pg_queue *q, void *vctx, char *err, size_t errlen)
{
	struct owned_ctx *c = vctx;
	int rc = check_owner(q, c, NULL, err, errlen);
	if (rc)
		return rc;
	struct params p = {0};
	long inserted = 0;
	p_str(&p, c->status);
	p_str(&p, c->report);
	p_i64(&p, c->id);
	if (pg_do(q,
		  "INSERT INTO reports (repo, commit_id, exercises, course_digest, job_id,"
		  " status, report, created_at)"
		  " SELECT repo, commit_id, exercises, course_digest, id, $1, $2, " NOW_SQL
		  " FROM jobs WHERE id = $3 ON CONFLICT DO NOTHING",
		  &p, &inserted, err, errlen))
		return QUEUE_ERROR;
	c->stored = inserted == 1;
	struct params u = {0};
	p_str(&u, c->status);
	p_i64(&u, c->id);
	return pg_do(q,
		     "UPDATE jobs SET state = 'done', status = $1, finished_at = " NOW_SQL ","
		     " lease_owner = NULL, lease_expires = 0 WHERE id = $2",
		     &u, NULL, err, errlen);
}

static int pg_complete(struct queue *base, int64_t id, const char *worker, const char *report,
		       const char *status, int *stored, char *err, size_t errlen)
{
	struct owned_ctx c = {.id = id, .worker = worker, .report = report, .status = status};
	int rc = in_txn((struct pg_queue *)base, complete_body, &c, err, errlen);
	*stored = rc == QUEUE_OK && c.stored;
	return rc;
}

static int fail_body(struct pg_queue *q, void *vctx, char *err, size_t errlen)
{
	struct owned_ctx *c = vctx;
	int attempts = 0;
	int rc = check_owner(q, c, &attempts, err, errlen);
	if (rc)
		return rc;
	struct params p = {0};
	p_str(&p, c->error);
	p_i64(&p, c->id);
	if (c->retry && attempts < q->base.max_attempts)
		return pg_do(q,
			     "UPDATE jobs SET state = 'queued', lease_owner = NULL,"
			     " lease_expires = 0, error = $1 WHERE id = $2",
			     &p, NULL, err, errlen);
	return pg_do(q,
		     "UPDATE jobs SET state = 'failed', lease_owner = NULL, lease_expires = 0,"
		     " finished_at = " NOW_SQL ", error = $1 WHERE id = $2",
		     &p, NULL, err, errlen);
}

static int pg_fail(struct queue *base, int64_t id, const char *worker, const char *error, int retry,
		   char *err, size_t errlen)
{
	struct owned_ctx c = {.id = id, .worker = worker, .error = error, .retry = retry};
	return in_txn((struct pg_queue *)base, fail_body, &c, err, errlen);
}

struct release_ctx {
	const char *worker;
	long released;
};

static int release_body(struct pg_queue *q, void *vctx, char *err, size_t errlen)
{
	struct release_ctx *c = vctx;
	long failed = 0, requeued = 0;
	struct params p = {0};
	p_str(&p, c->worker);
	p_i64(&p, q->base.max_attempts);
	if (pg_do(q,
		  "UPDATE jobs SET state = 'failed', lease_owner = NULL, lease_expires = 0,"
		  " finished_at = " NOW_SQL ", error = 'worker died; attempts used: ' || attempts"
		  " WHERE state = 'running' AND lease_owner = $1 AND attempts >= $2",
		  &p, &failed, err, errlen))
		return QUEUE_ERROR;
	struct params w = {0};
	p_str(&w, c->worker);
	if (pg_do(q,
		  "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires = 0,"
		  " error = 'worker ' || $1 || ' died' WHERE state = 'running'"
		  " AND lease_owner = $1",
		  &w, &requeued, err, errlen))
		return QUEUE_ERROR;
	c->released = failed + requeued;
	return QUEUE_OK;
}

static int pg_release_worker(struct queue *base, const char *worker, long *released, char *err,
			     size_t errlen)
{
	struct release_ctx c = {.worker = worker};
	int rc = in_txn((struct pg_queue *)base, release_body, &c, err, errlen);
	*released = rc == QUEUE_OK ? c.released : 0;
	return rc;
}

/* ---- reads ---- */

static int pg_get(struct queue *base, int64_t id, struct job *out, char *err, size_t errlen)
{
	return read_job((struct pg_queue *)base, id, out, err, errlen);
}

static int pg_position(struct queue *base, int64_t id, long *pos, char *err, size_t errlen)
{
	struct pg_queue *q = (struct pg_queue *)base;
	struct params p = {0};
	p_i64(&p, id);
	PGresult *res = pg_run(q,
			       "SELECT COUNT(*) FROM jobs o, jobs j WHERE j.id = $1"
			       " AND j.state = 'queued' AND o.state = 'queued'"
			       " AND (o.priority < j.priority"
			       " OR (o.priority = j.priority AND o.id <= j.id))",
			       &p, err, errlen);
	if (!res)
		return QUEUE_ERROR;
	*pos = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	return QUEUE_OK;
}

static int pg_list_learner(struct queue *base, const char *learner, size_t limit, struct job **v,
			   size_t *n, char *err, size_t errlen)
{
	struct pg_queue *q = (struct pg_queue *)base;
	char sql[1024];
	struct params p = {0};
	snprintf(sql, sizeof(sql), "SELECT %s WHERE j.learner = $1 ORDER BY j.id DESC LIMIT $2",
		 queue_job_columns);
	p_str(&p, learner);
	if (limit)
		p_i64(&p, (int64_t)limit);
	else
		p_str(&p, NULL); /* LIMIT NULL: no limit */
	PGresult *res = pg_run(q, sql, &p, err, errlen);
	if (!res)
		return QUEUE_ERROR;
	int rows = PQntuples(res);
	*v = rows ? xcalloc((size_t)rows, sizeof(**v)) : NULL;
	for (int i = 0; i < rows; i++)
		fill_job(res, i, &(*v)[i]);
	*n = (size_t)rows;
	PQclear(res);
	return QUEUE_OK;
}

static int pg_counts(struct queue *base, struct queue_counts *out, char *err, size_t errlen)
{
	struct pg_queue *q = (struct pg_queue *)base;
	PGresult *res = pg_run(q,
			       "SELECT state, COUNT(*), " NOW_SQL " - MIN(created_at)"
			       " FROM jobs GROUP BY state",
			       NULL, err, errlen);
	if (!res)
		return QUEUE_ERROR;
	for (int i = 0; i < PQntuples(res); i++) {
		enum job_state s;
		if (job_state_parse(PQgetvalue(res, i, 0), &s))
			continue;
		out->by_state[s] = atol(PQgetvalue(res, i, 1));
		if (s == JOB_QUEUED)
			out->oldest_queued_age_s = val_dbl(res, i, 2);
	}
	PQclear(res);
	return QUEUE_OK;
}

static int pg_metric_add(struct queue *base, const char *name, const char *label, double delta,
			 char *err, size_t errlen)
{
	struct pg_queue *q = (struct pg_queue *)base;
	struct params p = {0};
	p_str(&p, name);
	p_str(&p, label);
	p_dbl(&p, delta);
	return pg_do(
	    q,
	    "INSERT INTO metrics (name, label, value) VALUES ($1, $2, $3)"
	    " ON CONFLICT (name, label) DO UPDATE SET value = metrics.value + excluded.value",
	    &p, NULL, err, errlen);
}

static int pg_metric_list(struct queue *base, struct queue_metric **v, size_t *n, char *err,
			  size_t errlen)
{
	struct pg_queue *q = (struct pg_queue *)base;
	PGresult *res = pg_run(q, "SELECT name, label, value FROM metrics ORDER BY name, label",
			       NULL, err, errlen);
	if (!res)
		return QUEUE_ERROR;
	int rows = PQntuples(res);
	*v = xcalloc(rows ? (size_t)rows : 1, sizeof(**v));
	for (int i = 0; i < rows; i++) {
		(*v)[i].name = val_dup(res, i, 0);
		(*v)[i].label = val_dup(res, i, 1);
		(*v)[i].value = val_dbl(res, i, 2);
	}
	*n = (size_t)rows;
	PQclear(res);
	return QUEUE_OK;
}

static const struct queue_ops pg_ops = {
    .name = "postgresql",
    .enqueue = pg_enqueue,
    .lease = pg_lease,
    .heartbeat = pg_heartbeat,
    .complete = pg_complete,
    .fail = pg_fail,
    .release_worker = pg_release_worker,
    .get = pg_get,
    .position = pg_position,
    .list_learner = pg_list_learner,
    .counts = pg_counts,
    .metric_add = pg_metric_add,
    .metric_list = pg_metric_list,
    .close = pg_close,
};
