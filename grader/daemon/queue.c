/*
 * queue.c - the job queue (queue.h): picks the back end from the URL,
 * checks every argument once, and holds the job's policy in SQL written
 * once for both dialects (sql.h): the jobs table, deduplication and
 * supersession on enqueue, picking the next job (priority, then the
 * learner served least recently, then age), leases and their expiry,
 * owner-checked heartbeat, completion and failure, and giving up after
 * max_attempts leases. Reports are stored by report_store.c, counters
 * kept by counters.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grader/util/util.h"
#include "store.h"

/* The schema version the store creates; older ones are upgraded. */
/* 2: jobs.fault_retries; 3: grades; 4: grade_summary; 5: grade_moves */
enum { QUEUE_SCHEMA_VERSION = 5 };

/* A live job: one that holds its key (not failed, not superseded). */
#define LIVE_JOB "state NOT IN ('failed','superseded')"

/* Releasing a lease. */
#define NO_LEASE "lease_owner = NULL, lease_expires = 0"

static const char *const state_names[JOB_STATE_COUNT] = {
    [JOB_QUEUED] = "queued", [JOB_RUNNING] = "running",       [JOB_DONE] = "done",
    [JOB_FAILED] = "failed", [JOB_SUPERSEDED] = "superseded",
};

static const char jobs_schema_sql[] =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS jobs ("
    " id {serial},"
    " learner TEXT NOT NULL, repo TEXT NOT NULL, ref TEXT NOT NULL,"
    " commit_id TEXT NOT NULL, exercises TEXT NOT NULL DEFAULT '',"
    " course_digest TEXT NOT NULL DEFAULT '', source TEXT NOT NULL,"
    " callback_url TEXT NOT NULL DEFAULT '', priority INTEGER NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN"
    "  ('queued','running','done','failed','superseded')),"
    " attempts INTEGER NOT NULL DEFAULT 0, fault_retries INTEGER NOT NULL DEFAULT 0,"
    " lease_owner TEXT,"
    " lease_expires {real} NOT NULL DEFAULT 0, created_at {real} NOT NULL,"
    " started_at {real} NOT NULL DEFAULT 0, finished_at {real} NOT NULL DEFAULT 0,"
    " superseded_by {bigint} NOT NULL DEFAULT 0, error TEXT, status TEXT);"
    "CREATE UNIQUE INDEX IF NOT EXISTS jobs_live_key"
    " ON jobs (repo, commit_id, exercises, course_digest) WHERE " LIVE_JOB ";"
    "CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, priority, id);"
    "CREATE INDEX IF NOT EXISTS jobs_by_learner ON jobs (learner, id);"
    "CREATE INDEX IF NOT EXISTS jobs_by_branch ON jobs (learner, repo, ref, state);"
    "CREATE INDEX IF NOT EXISTS jobs_by_owner ON jobs (lease_owner)"
    " WHERE lease_owner IS NOT NULL;"
    "CREATE TABLE IF NOT EXISTS learners ("
    " name TEXT PRIMARY KEY, last_served {bigint} NOT NULL DEFAULT 0);";

/* The columns of a job, in fill_job's order; report_store_columns
 * follow them. */
static const char job_columns[] =
    "j.id, j.learner, j.repo, j.ref, j.commit_id, j.exercises, j.course_digest,"
    " j.source, j.callback_url, j.priority, j.state, j.attempts, j.lease_owner,"
    " j.lease_expires, j.created_at, j.started_at, j.finished_at, j.superseded_by,"
    " j.error, ";

const char *job_state_name(enum job_state s)
{
	if ((unsigned)s >= JOB_STATE_COUNT)
		return "unknown";
	return state_names[s];
}

int job_state_parse(const char *name, enum job_state *out)
{
	for (int i = 0; i < JOB_STATE_COUNT; i++) {
		if (name && strcmp(name, state_names[i]) == 0) {
			*out = (enum job_state)i;
			return 0;
		}
	}
	return -1;
}

void job_free(struct job *j)
{
	if (!j)
		return;
	free(j->learner);
	free(j->repo);
	free(j->ref);
	free(j->commit);
	free(j->exercises);
	free(j->course_digest);
	free(j->source);
	free(j->callback_url);
	free(j->lease_owner);
	free(j->error);
	free(j->status);
	free(j->report);
	memset(j, 0, sizeof(*j));
}

void job_list_free(struct job *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		job_free(&v[i]);
	free(v);
}

/* The value stored for an optional string: "" for NULL. */
static const char *opt(const char *s)
{
	return s ? s : "";
}

/* A heap copy of a stored optional string: NULL for "" and NULL. */
static char *opt_dup(const struct sql_result *r, size_t row, size_t col)
{
	const char *s = sql_cell(r, row, col);
	return s && *s ? xstrdup(s) : NULL;
}

static void fill_job(const struct sql_result *r, size_t row, struct job *j)
{
	j->id = sql_i64(r, row, 0);
	j->learner = sql_dup(r, row, 1);
	j->repo = sql_dup(r, row, 2);
	j->ref = sql_dup(r, row, 3);
	j->commit = sql_dup(r, row, 4);
	j->exercises = opt_dup(r, row, 5);
	j->course_digest = opt_dup(r, row, 6);
	j->source = sql_dup(r, row, 7);
	j->callback_url = opt_dup(r, row, 8);
	j->priority = sql_i64(r, row, 9) ? JOB_BULK : JOB_INTERACTIVE;
	if (job_state_parse(sql_cell(r, row, 10), &j->state))
		j->state = JOB_FAILED;
	j->attempts = (int)sql_i64(r, row, 11);
	j->lease_owner = sql_dup(r, row, 12);
	j->lease_expires = sql_dbl(r, row, 13);
	j->created_at = sql_dbl(r, row, 14);
	j->started_at = sql_dbl(r, row, 15);
	j->finished_at = sql_dbl(r, row, 16);
	j->superseded_by = sql_i64(r, row, 17);
	j->error = sql_dup(r, row, 18);
	j->status = sql_dup(r, row, 19);
	j->report = sql_dup(r, row, 20);
}

/* "SELECT <a job with its report> <rest>" into sql[n]. */
static void job_select(char *sql, size_t n, const char *rest)
{
	snprintf(sql, n, "SELECT %s%s FROM jobs j%s %s", job_columns, report_store_columns,
		 report_store_join, rest);
}

static int read_job(struct sql_db *db, int64_t id, struct job *out, char *err, size_t errlen)
{
	char sql[2048];
	struct sql_result r = {0};
	job_select(sql, sizeof sql, "WHERE j.id = $1");
	if (sql_exec(db, &r, err, errlen, sql, "i", id))
		return QUEUE_ERROR;
	int found = r.rows == 1;
	if (found)
		fill_job(&r, 0, out);
	sql_result_free(&r);
	if (!found)
		return queue_errf(err, errlen, QUEUE_NOT_FOUND, "queue: no job %lld",
				  (long long)id);
	return QUEUE_OK;
}

/* ---- opening: the back end and the schema ---- */

static int schema_body(struct sql_db *db, void *ctx, char *err, size_t errlen)
{
	(void)ctx;
	const struct sql_dialect *d = db->dialect;
	struct sql_result r = {0};
	if ((d->schema_lock && sql_exec(db, NULL, err, errlen, d->schema_lock, "")) ||
	    sql_script(db, jobs_schema_sql, err, errlen) ||
	    sql_script(db, d->schema_extra, err, errlen) || report_store_schema(db, err, errlen) ||
	    counters_schema(db, err, errlen) ||
	    sql_exec(db, &r, err, errlen, "SELECT MAX(version) FROM schema_version", ""))
		return QUEUE_ERROR;
	int have = sql_cell(&r, 0, 0) != NULL;
	long version = (long)sql_i64(&r, 0, 0);
	sql_result_free(&r);
	if (have && version > QUEUE_SCHEMA_VERSION)
		return queue_errf(err, errlen, QUEUE_ERROR,
				  "%s: schema version %ld is newer than this grader's (%d)",
				  db->label, version, QUEUE_SCHEMA_VERSION);
	if (have && version == QUEUE_SCHEMA_VERSION)
		return QUEUE_OK;
	/* Tables and indexes of later versions are made only here, once: on
	 * PostgreSQL even CREATE INDEX IF NOT EXISTS takes a lock that blocks
	 * writers, and every open of the queue (a heartbeat's too) would take
	 * it while workers complete jobs. */
	if ((!have || version < 3) && grades_schema(db, err, errlen))
		return QUEUE_ERROR;
	if ((!have || version < 4) && grades_summary_schema(db, err, errlen))
		return QUEUE_ERROR;
	if ((!have || version < 5) && grades_moves_schema(db, err, errlen))
		return QUEUE_ERROR;
	/* version 1 -> 2: the grader-fault retries of a job */
	if (have && version < 2 &&
	    sql_exec(db, NULL, err, errlen,
		     "ALTER TABLE jobs ADD COLUMN fault_retries INTEGER NOT NULL DEFAULT 0", ""))
		return QUEUE_ERROR;
	/* -> 3: grades of the reports stored before the table (folded into
	 * the summary as they are written) */
	if (have && version < 3 && grades_backfill(db, err, errlen))
		return QUEUE_ERROR;
	/* 3 -> 4: the summary of the grades stored before it */
	if (have && version == 3 && grades_summary_backfill(db, err, errlen))
		return QUEUE_ERROR;
	return sql_exec(db, NULL, err, errlen, "INSERT INTO schema_version (version) VALUES ($1)",
			"i", (int64_t)QUEUE_SCHEMA_VERSION);
}

static int has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static struct sql_db *connect_url(const char *url, char *err, size_t errlen)
{
	if (!url || !*url) {
		queue_errf(err, errlen, QUEUE_ERROR, "queue: empty queue URL");
		return NULL;
	}
	if (has_prefix(url, "postgresql://") || has_prefix(url, "postgres://"))
		return sql_pg_open(url, err, errlen);
	if (has_prefix(url, "sqlite:"))
		return sql_sqlite_open(url + strlen("sqlite:"), err, errlen);
	if (strstr(url, "://")) {
		queue_errf(err, errlen, QUEUE_ERROR,
			   "queue: unknown queue URL scheme in '%s' (use sqlite:PATH or "
			   "postgresql://...)",
			   url);
		return NULL;
	}
	return sql_sqlite_open(url, err, errlen);
}

struct queue *queue_open(const char *url, char *err, size_t errlen)
{
	struct sql_db *db = connect_url(url, err, errlen);
	if (!db)
		return NULL;
	if (sql_txn(db, schema_body, NULL, err, errlen)) {
		sql_close(db);
		return NULL;
	}
	struct queue *q = xcalloc(1, sizeof(*q));
	q->db = db;
	q->max_attempts = 3;
	return q;
}

void queue_close(struct queue *q)
{
	if (!q)
		return;
	sql_close(q->db);
	free(q);
}

const char *queue_backend(const struct queue *q)
{
	return q->db->dialect->name;
}

void queue_set_max_attempts(struct queue *q, int max_attempts)
{
	q->max_attempts = max_attempts < 1 ? 1 : max_attempts;
}

/* ---- argument checks ---- */

static int is_hex_commit(const char *s)
{
	size_t n = strlen(s);
	if (n != 40 && n != 64)
		return 0;
	return strspn(s, "0123456789abcdef") == n;
}

static int check_spec(const struct job_spec *s, char *err, size_t errlen)
{
	const char *missing = !s->learner || !*s->learner ? "learner"
			      : !s->repo || !*s->repo     ? "repo"
			      : !s->ref || !*s->ref       ? "ref"
			      : !s->commit                ? "commit"
							  : NULL;
	if (missing)
		return queue_errf(err, errlen, QUEUE_ERROR, "queue: job without a %s", missing);
	if (!is_hex_commit(s->commit))
		return queue_errf(err, errlen, QUEUE_ERROR,
				  "queue: commit '%.80s' is not a full lowercase hex object id",
				  s->commit);
	if (s->priority != JOB_INTERACTIVE && s->priority != JOB_BULK)
		return queue_errf(err, errlen, QUEUE_ERROR, "queue: priority %d is not 0 or 1",
				  (int)s->priority);
	return QUEUE_OK;
}

static int check_worker(const char *worker, char *err, size_t errlen)
{
	if (!worker || !*worker)
		return queue_errf(err, errlen, QUEUE_ERROR, "queue: no worker name");
	return QUEUE_OK;
}

static int check_lease(double lease_s, char *err, size_t errlen)
{
	if (!(lease_s > 0) || lease_s > 86400.0 * 365)
		return queue_errf(err, errlen, QUEUE_ERROR, "queue: lease of %g s is not positive",
				  lease_s);
	return QUEUE_OK;
}

static int is_report_status(const char *s)
{
	return s && (!strcmp(s, "passed") || !strcmp(s, "failed") || !strcmp(s, "error"));
}

/* ---- enqueue: deduplication and supersession ---- */

struct enqueue_ctx {
	const struct job_spec *spec;
	int64_t id;
	int dedup;
};

/* Only branch tracking coalesces: a push (webhook) or a poll of a branch
 * supersedes the queued pushes and polls of the same branch, which only
 * ever meant "grade the branch's head". A submission that names what to
 * grade (the API, a regrade) neither supersedes nor is superseded: a CI
 * submitting commits one after another gets every one graded. */
#define COALESCING_SOURCES "('push','poll')"
static int coalesces(const char *source)
{
	return source && (!strcmp(source, "push") || !strcmp(source, "poll"));
}

/* The live job with spec's key: 1 and *id, 0 when none, -1 on error. */
static int find_live(struct sql_db *db, const struct job_spec *s, int64_t *id, char *err,
		     size_t errlen)
{
	return sql_exec_i64(db, id, err, errlen,
			    "SELECT id FROM jobs WHERE repo = $1 AND commit_id = $2"
			    " AND exercises = $3 AND course_digest = $4 AND " LIVE_JOB,
			    "ssss", s->repo, s->commit, opt(s->exercises), opt(s->course_digest));
}

/* Inserts the job unless a concurrent transaction just inserted its key:
 * 1 and *id when inserted, 0 on that conflict, -1 on error. */
static int insert_job(struct sql_db *db, const struct job_spec *s, int64_t *id, char *err,
		      size_t errlen)
{
	return sql_exec_i64(db, id, err, errlen,
			    "INSERT INTO jobs (learner, repo, ref, commit_id, exercises,"
			    " course_digest, source, callback_url, priority, state, created_at)"
			    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', {now})"
			    " ON CONFLICT (repo, commit_id, exercises, course_digest)"
			    " WHERE " LIVE_JOB " DO NOTHING RETURNING id",
			    "ssssssssi", s->learner, s->repo, s->ref, s->commit, opt(s->exercises),
			    opt(s->course_digest), s->source ? s->source : "api",
			    opt(s->callback_url), (int64_t)s->priority);
}

static int enqueue_body(struct sql_db *db, void *vctx, char *err, size_t errlen)
{
	struct enqueue_ctx *c = vctx;
	const struct job_spec *s = c->spec;

	int r = find_live(db, s, &c->id, err, errlen);
	if (r == 0) {
		r = insert_job(db, s, &c->id, err, errlen);
		if (r == 1)
			r = 2; /* inserted */
		else if (r == 0)
			r = find_live(db, s, &c->id, err, errlen);
	}
	if (r < 0)
		return QUEUE_ERROR;
	if (r == 0) /* the conflicting row went away again: start over */
		return queue_errf(err, errlen, SQL_RETRY, "queue: enqueue raced, try again");
	c->dedup = r == 1;
	if (!coalesces(s->source))
		return QUEUE_OK;
	return sql_exec(db, NULL, err, errlen,
			"UPDATE jobs SET state = 'superseded', superseded_by = $1,"
			" finished_at = {now} WHERE learner = $2 AND repo = $3 AND ref = $4"
			" AND state = 'queued' AND source IN " COALESCING_SOURCES
			" AND commit_id <> $5 AND id <> $1",
			"issss", c->id, s->learner, s->repo, s->ref, s->commit);
}

int queue_enqueue(struct queue *q, const struct job_spec *spec, int64_t *id, int *deduplicated,
		  char *err, size_t errlen)
{
	if (check_spec(spec, err, errlen))
		return QUEUE_ERROR;
	struct enqueue_ctx c = {.spec = spec};
	int rc = sql_txn(q->db, enqueue_body, &c, err, errlen);
	if (rc == QUEUE_OK)
		*id = c.id;
	if (deduplicated)
		*deduplicated = rc == QUEUE_OK && c.dedup;
	return rc;
}

/* ---- lease: picking the next job ---- */

struct lease_ctx {
	const struct queue *q;
	const char *worker;
	double lease_s;
	struct job *out;
	int got;
};

/* Fails running jobs whose lease expired and whose attempts are used. */
static int fail_exhausted(struct sql_db *db, int max_attempts, char *err, size_t errlen)
{
	return sql_exec(db, NULL, err, errlen,
			"UPDATE jobs SET state = 'failed', " NO_LEASE ", finished_at = {now},"
			" error = 'lease expired ' || attempts || ' times'"
			" WHERE id IN (SELECT id FROM jobs WHERE state = 'running'"
			" AND lease_expires < {now} AND attempts >= $1{skip_locked})",
			"i", (int64_t)max_attempts);
}

/* The next job to lease, locked where rows lock: interactive before bulk,
 * then the learner served least recently, then the oldest. 1 and *id, 0
 * when there is none, -1 on error. */
static int pick_next(struct sql_db *db, int64_t *id, char *err, size_t errlen)
{
	return sql_exec_i64(db, id, err, errlen,
			    "SELECT j.id FROM jobs j WHERE j.state = 'queued'"
			    " OR (j.state = 'running' AND j.lease_expires < {now})"
			    " ORDER BY j.priority, COALESCE((SELECT l.last_served FROM learners l"
			    " WHERE l.name = j.learner), 0), j.id LIMIT 1{skip_locked}",
			    "");
}

/* Leases job id to the worker and moves its learner to the back of the
 * service order. */
static int take(struct sql_db *db, const struct lease_ctx *c, int64_t id, char *err, size_t errlen)
{
	if (sql_exec(db, NULL, err, errlen,
		     "UPDATE jobs SET state = 'running', lease_owner = $1,"
		     " lease_expires = {now} + $2, attempts = attempts + 1,"
		     " started_at = {now} WHERE id = $3",
		     "sdi", c->worker, c->lease_s, id))
		return QUEUE_ERROR;
	return sql_exec(db, NULL, err, errlen,
			"INSERT INTO learners (name, last_served)"
			" SELECT learner, {next_served} FROM jobs WHERE id = $1"
			" ON CONFLICT (name) DO UPDATE SET last_served = excluded.last_served",
			"i", id);
}

static int lease_body(struct sql_db *db, void *vctx, char *err, size_t errlen)
{
	struct lease_ctx *c = vctx;
	int64_t id;

	job_free(c->out);
	c->got = 0;
	if (fail_exhausted(db, c->q->max_attempts, err, errlen))
		return QUEUE_ERROR;
	int r = pick_next(db, &id, err, errlen);
	if (r <= 0)
		return r < 0 ? QUEUE_ERROR : QUEUE_OK;
	if (take(db, c, id, err, errlen) || read_job(db, id, c->out, err, errlen))
		return QUEUE_ERROR;
	c->got = 1;
	return QUEUE_OK;
}

int queue_lease(struct queue *q, const char *worker, double lease_s, struct job *out, int *got,
		char *err, size_t errlen)
{
	*got = 0;
	memset(out, 0, sizeof(*out));
	if (check_worker(worker, err, errlen) || check_lease(lease_s, err, errlen))
		return QUEUE_ERROR;
	struct lease_ctx c = {.q = q, .worker = worker, .lease_s = lease_s, .out = out};
	int rc = sql_txn(q->db, lease_body, &c, err, errlen);
	if (rc != QUEUE_OK)
		job_free(out);
	*got = rc == QUEUE_OK && c.got;
	return rc;
}

/* ---- owner-checked updates ---- */

struct owned_ctx {
	const struct queue *q;
	int64_t id;
	const char *worker;
	double lease_s;
	const char *report, *status, *error;
	int retry;
	int stored;
};

/* Locks the job row where rows lock; QUEUE_OK when c->worker holds its
 * running lease, QUEUE_LEASE_LOST when not. */
static int check_owner(struct sql_db *db, const struct owned_ctx *c, int *attempts, char *err,
		       size_t errlen)
{
	struct sql_result r = {0};
	if (sql_exec(db, &r, err, errlen,
		     "SELECT state, lease_owner, attempts FROM jobs WHERE id = $1{for_update}", "i",
		     c->id))
		return QUEUE_ERROR;
	int rc = QUEUE_OK;
	if (r.rows != 1) {
		rc = queue_errf(err, errlen, QUEUE_ERROR, "queue: no job %lld", (long long)c->id);
	} else {
		const char *state = sql_cell(&r, 0, 0);
		const char *owner = sql_cell(&r, 0, 1);
		if (attempts)
			*attempts = (int)sql_i64(&r, 0, 2);
		if (strcmp(state, "running") || !owner || strcmp(owner, c->worker))
			rc = queue_errf(
			    err, errlen, QUEUE_LEASE_LOST,
			    "queue: job %lld: lease lost by %s (job is %s, leased by %s)",
			    (long long)c->id, c->worker, state, owner ? owner : "nobody");
	}
	sql_result_free(&r);
	return rc;
}

static int heartbeat_body(struct sql_db *db, void *vctx, char *err, size_t errlen)
{
	struct owned_ctx *c = vctx;
	int rc = check_owner(db, c, NULL, err, errlen);
	if (rc)
		return rc;
	return sql_exec(db, NULL, err, errlen,
			"UPDATE jobs SET lease_expires = {now} + $1 WHERE id = $2", "di",
			c->lease_s, c->id);
}

int queue_heartbeat(struct queue *q, int64_t id, const char *worker, double lease_s, char *err,
		    size_t errlen)
{
	if (check_worker(worker, err, errlen) || check_lease(lease_s, err, errlen))
		return QUEUE_ERROR;
	struct owned_ctx c = {.q = q, .id = id, .worker = worker, .lease_s = lease_s};
	return sql_txn(q->db, heartbeat_body, &c, err, errlen);
}

static int complete_body(struct sql_db *db, void *vctx, char *err, size_t errlen)
{
	struct owned_ctx *c = vctx;
	int rc = check_owner(db, c, NULL, err, errlen);
	if (rc)
		return rc;
	if (report_store_put(db, c->id, c->status, c->report, &c->stored, err, errlen))
		return QUEUE_ERROR;
	/* the grades of the report as stored: the first one for this key */
	struct sql_result kept = {0};
	if (!c->stored &&
	    sql_exec(db, &kept, err, errlen,
		     "SELECT r.report FROM jobs j JOIN reports r ON r.repo = j.repo"
		     " AND r.commit_id = j.commit_id AND r.exercises = j.exercises"
		     " AND r.course_digest = j.course_digest WHERE j.id = $1",
		     "i", c->id))
		return QUEUE_ERROR;
	const char *graded = c->stored ? c->report : sql_cell(&kept, 0, 0);
	int grc = graded ? grades_put(db, c->id, graded, err, errlen) : QUEUE_OK;
	sql_result_free(&kept);
	if (grc)
		return grc;
	return sql_exec(
	    db, NULL, err, errlen,
	    "UPDATE jobs SET state = 'done', status = $1, finished_at = {now}, " NO_LEASE
	    " WHERE id = $2",
	    "si", c->status, c->id);
}

int queue_complete(struct queue *q, int64_t id, const char *worker, const char *report_json,
		   const char *status, int *stored, char *err, size_t errlen)
{
	if (check_worker(worker, err, errlen))
		return QUEUE_ERROR;
	if (!report_json)
		return queue_errf(err, errlen, QUEUE_ERROR, "queue: job %lld: no report",
				  (long long)id);
	if (!is_report_status(status))
		return queue_errf(err, errlen, QUEUE_ERROR,
				  "queue: job %lld: status '%s' is not passed, failed or error",
				  (long long)id, status ? status : "(null)");
	struct owned_ctx c = {
	    .q = q, .id = id, .worker = worker, .report = report_json, .status = status};
	int rc = sql_txn(q->db, complete_body, &c, err, errlen);
	if (stored)
		*stored = rc == QUEUE_OK && c.stored;
	return rc;
}

static int fail_body(struct sql_db *db, void *vctx, char *err, size_t errlen)
{
	struct owned_ctx *c = vctx;
	int attempts = 0;
	int rc = check_owner(db, c, &attempts, err, errlen);
	if (rc)
		return rc;
	if (c->retry && attempts < c->q->max_attempts)
		return sql_exec(db, NULL, err, errlen,
				"UPDATE jobs SET state = 'queued', " NO_LEASE ", error = $1"
				" WHERE id = $2",
				"si", c->error, c->id);
	return sql_exec(db, NULL, err, errlen,
			"UPDATE jobs SET state = 'failed', " NO_LEASE ", finished_at = {now},"
			" error = $1 WHERE id = $2",
			"si", c->error, c->id);
}

int queue_fail(struct queue *q, int64_t id, const char *worker, const char *error, int retry,
	       char *err, size_t errlen)
{
	if (check_worker(worker, err, errlen))
		return QUEUE_ERROR;
	struct owned_ctx c = {
	    .q = q, .id = id, .worker = worker, .error = error ? error : "failed", .retry = retry};
	return sql_txn(q->db, fail_body, &c, err, errlen);
}

struct fault_ctx {
	struct owned_ctx own;
	int max_retries;
	int retried;
};

static int fault_body(struct sql_db *db, void *vctx, char *err, size_t errlen)
{
	struct fault_ctx *c = vctx;
	int rc = check_owner(db, &c->own, NULL, err, errlen);
	if (rc)
		return rc;
	struct sql_result r = {0};
	if (sql_exec(db, &r, err, errlen, "SELECT fault_retries FROM jobs WHERE id = $1", "i",
		     c->own.id))
		return QUEUE_ERROR;
	int used = (int)sql_i64(&r, 0, 0);
	sql_result_free(&r);
	c->retried = used < c->max_retries;
	if (!c->retried)
		return QUEUE_OK;
	/* the lease that graded it does not count: attempts are for what the
	 * learner's job did to a worker, not for what the grader could not do */
	return sql_exec(db, NULL, err, errlen,
			"UPDATE jobs SET state = 'queued', " NO_LEASE ", attempts = attempts - 1,"
			" fault_retries = fault_retries + 1, error = $1 WHERE id = $2",
			"si", c->own.error, c->own.id);
}

int queue_retry_grader_fault(struct queue *q, int64_t id, const char *worker,
			     const char *error, int max_retries, int *retried, char *err,
			     size_t errlen)
{
	*retried = 0;
	if (check_worker(worker, err, errlen))
		return QUEUE_ERROR;
	struct fault_ctx c = {
	    .own = {.q = q, .id = id, .worker = worker, .error = error ? error : "grader error"},
	    .max_retries = max_retries};
	int rc = sql_txn(q->db, fault_body, &c, err, errlen);
	*retried = rc == QUEUE_OK && c.retried;
	return rc;
}

struct release_ctx {
	const struct queue *q;
	const char *worker;
	long released;
};

static int release_body(struct sql_db *db, void *vctx, char *err, size_t errlen)
{
	struct release_ctx *c = vctx;
	struct sql_result failed = {0}, requeued = {0};
	if (sql_exec(db, &failed, err, errlen,
		     "UPDATE jobs SET state = 'failed', " NO_LEASE ", finished_at = {now},"
		     " error = 'worker died; attempts used: ' || attempts"
		     " WHERE state = 'running' AND lease_owner = $1 AND attempts >= $2",
		     "si", c->worker, (int64_t)c->q->max_attempts))
		return QUEUE_ERROR;
	if (sql_exec(db, &requeued, err, errlen,
		     "UPDATE jobs SET state = 'queued', " NO_LEASE
		     ", error = 'worker ' || $1 || ' died'"
		     " WHERE state = 'running' AND lease_owner = $1",
		     "s", c->worker))
		return QUEUE_ERROR;
	c->released = failed.changed + requeued.changed;
	return QUEUE_OK;
}

int queue_release_worker(struct queue *q, const char *worker, long *released, char *err,
			 size_t errlen)
{
	if (check_worker(worker, err, errlen))
		return QUEUE_ERROR;
	struct release_ctx c = {.q = q, .worker = worker};
	int rc = sql_txn(q->db, release_body, &c, err, errlen);
	if (released)
		*released = rc == QUEUE_OK ? c.released : 0;
	return rc;
}

/* ---- reads ---- */

int queue_get(struct queue *q, int64_t id, struct job *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	return read_job(q->db, id, out, err, errlen);
}

int queue_position(struct queue *q, int64_t id, long *pos, char *err, size_t errlen)
{
	int64_t count = 0;
	*pos = 0;
	if (sql_exec_i64(q->db, &count, err, errlen,
			 "SELECT COUNT(*) FROM jobs o, jobs j WHERE j.id = $1"
			 " AND j.state = 'queued' AND o.state = 'queued'"
			 " AND (o.priority < j.priority"
			 " OR (o.priority = j.priority AND o.id <= j.id))",
			 "i", id) < 0)
		return QUEUE_ERROR;
	*pos = (long)count;
	return QUEUE_OK;
}

int queue_list_learner(struct queue *q, const char *learner, size_t limit, struct job **v,
		       size_t *n, char *err, size_t errlen)
{
	char sql[2048];
	struct sql_result r = {0};
	*v = NULL;
	*n = 0;
	if (!learner)
		return queue_errf(err, errlen, QUEUE_ERROR, "queue: no learner");
	job_select(sql, sizeof sql,
		   limit ? "WHERE j.learner = $1 ORDER BY j.id DESC LIMIT $2"
			 : "WHERE j.learner = $1 ORDER BY j.id DESC");
	int rc = limit ? sql_exec(q->db, &r, err, errlen, sql, "si", learner, (int64_t)limit)
		       : sql_exec(q->db, &r, err, errlen, sql, "s", learner);
	if (rc)
		return QUEUE_ERROR;
	*v = r.rows ? xcalloc(r.rows, sizeof(**v)) : NULL;
	for (size_t i = 0; i < r.rows; i++)
		fill_job(&r, i, &(*v)[i]);
	*n = r.rows;
	sql_result_free(&r);
	return QUEUE_OK;
}

int queue_list_state(struct queue *q, enum job_state state, size_t limit, struct job **v,
		     size_t *n, char *err, size_t errlen)
{
	char sql[2048];
	struct sql_result r = {0};
	*v = NULL;
	*n = 0;
	job_select(sql, sizeof sql,
		   "WHERE j.state = $2 ORDER BY COALESCE(j.finished_at, j.started_at) DESC,"
		   " j.id DESC LIMIT $1");
	if (sql_exec(q->db, &r, err, errlen, sql, "is", (int64_t)(limit ? limit : 20),
		     job_state_name(state)))
		return QUEUE_ERROR;
	*v = r.rows ? xcalloc(r.rows, sizeof(**v)) : NULL;
	for (size_t i = 0; i < r.rows; i++)
		fill_job(&r, i, &(*v)[i]);
	*n = r.rows;
	sql_result_free(&r);
	return QUEUE_OK;
}

int queue_counts(struct queue *q, struct queue_counts *out, char *err, size_t errlen)
{
	struct sql_result r = {0};
	memset(out, 0, sizeof(*out));
	if (sql_exec(q->db, &r, err, errlen,
		     "SELECT state, COUNT(*), {now} - MIN(created_at) FROM jobs GROUP BY state",
		     ""))
		return QUEUE_ERROR;
	for (size_t i = 0; i < r.rows; i++) {
		enum job_state s;
		if (job_state_parse(sql_cell(&r, i, 0), &s))
			continue;
		out->by_state[s] = (long)sql_i64(&r, i, 1);
		if (s == JOB_QUEUED)
			out->oldest_queued_age_s = sql_dbl(&r, i, 2);
	}
	sql_result_free(&r);
	return QUEUE_OK;
}
