/*
 * queue_sqlite.c - the queue on SQLite, the default on one machine: one
 * file in the state directory, in WAL mode with synchronous=FULL so every
 * committed state change survives kill -9 (or power loss) of any process.
 *
 * Every write is one BEGIN IMMEDIATE transaction: it takes the database's
 * write lock up front, so concurrent workers (separate processes, each
 * with its own connection) queue behind busy_timeout instead of failing
 * half-way, and a lease is decided on a state no one else is changing.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grader/util/util.h"
#include "queue_backend.h"

struct sqlite_queue {
	struct queue base;
	sqlite3 *db;
	char *path;
};

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS jobs ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " learner TEXT NOT NULL, repo TEXT NOT NULL, ref TEXT NOT NULL,"
    " commit_id TEXT NOT NULL, exercises TEXT NOT NULL DEFAULT '',"
    " course_digest TEXT NOT NULL DEFAULT '', source TEXT NOT NULL,"
    " callback_url TEXT NOT NULL DEFAULT '', priority INTEGER NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN"
    "  ('queued','running','done','failed','superseded')),"
    " attempts INTEGER NOT NULL DEFAULT 0, lease_owner TEXT,"
    " lease_expires REAL NOT NULL DEFAULT 0, created_at REAL NOT NULL,"
    " started_at REAL NOT NULL DEFAULT 0, finished_at REAL NOT NULL DEFAULT 0,"
    " superseded_by INTEGER NOT NULL DEFAULT 0, error TEXT, status TEXT);"
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
    " course_digest TEXT NOT NULL, job_id INTEGER NOT NULL, status TEXT NOT NULL,"
    " report TEXT NOT NULL, created_at REAL NOT NULL,"
    " PRIMARY KEY (repo, commit_id, exercises, course_digest));"
    "CREATE TABLE IF NOT EXISTS learners ("
    " name TEXT PRIMARY KEY, last_served INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS metrics ("
    " name TEXT NOT NULL, label TEXT NOT NULL, value REAL NOT NULL,"
    " PRIMARY KEY (name, label));";

static int db_error(struct sqlite_queue *q, char *err, size_t errlen, const char *what)
{
	return queue_errf(err, errlen, QUEUE_ERROR, "queue %s: %s: %s", q->path, what,
			  sqlite3_errmsg(q->db));
}

/* Prepares sql and binds one value per letter of types: 's' text (NULL
 * binds NULL), 'i' int64_t, 'd' double. NULL with err set on failure. */
static sqlite3_stmt *prep(struct sqlite_queue *q, char *err, size_t errlen, const char *sql,
			  const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc = SQLITE_OK;

	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_error(q, err, errlen, "prepare");
		return NULL;
	}
	va_start(ap, types);
	for (int i = 0; types[i] && rc == SQLITE_OK; i++) {
		if (types[i] == 's')
			rc = sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1,
					       SQLITE_TRANSIENT);
		else if (types[i] == 'i')
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		else
			rc = sqlite3_bind_double(st, i + 1, va_arg(ap, double));
	}
	va_end(ap);
	if (rc != SQLITE_OK) {
		db_error(q, err, errlen, "bind");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* Runs a statement that returns no rows and finalizes it. */
static int run(struct sqlite_queue *q, sqlite3_stmt *st, char *err, size_t errlen)
{
	if (!st)
		return QUEUE_ERROR;
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_error(q, err, errlen, "step");
	return QUEUE_OK;
}

/* Steps st once: 1 for a row, 0 when done, -1 (finalized) on error. */
static int step_row(struct sqlite_queue *q, sqlite3_stmt *st, char *err, size_t errlen)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	db_error(q, err, errlen, "step");
	return -1;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? xstrdup((const char *)s) : NULL;
}

static char *col_opt(sqlite3_stmt *st, int i)
{
	return queue_opt_dup((const char *)sqlite3_column_text(st, i));
}

static void fill_job(sqlite3_stmt *st, struct job *j)
{
	j->id = sqlite3_column_int64(st, 0);
	j->learner = col_dup(st, 1);
	j->repo = col_dup(st, 2);
	j->ref = col_dup(st, 3);
	j->commit = col_dup(st, 4);
	j->exercises = col_opt(st, 5);
	j->course_digest = col_opt(st, 6);
	j->source = col_dup(st, 7);
	j->callback_url = col_opt(st, 8);
	j->priority = sqlite3_column_int(st, 9) ? JOB_BULK : JOB_INTERACTIVE;
	if (job_state_parse((const char *)sqlite3_column_text(st, 10), &j->state))
		j->state = JOB_FAILED;
	j->attempts = sqlite3_column_int(st, 11);
	j->lease_owner = col_dup(st, 12);
	j->lease_expires = sqlite3_column_double(st, 13);
	j->created_at = sqlite3_column_double(st, 14);
	j->started_at = sqlite3_column_double(st, 15);
	j->finished_at = sqlite3_column_double(st, 16);
	j->superseded_by = sqlite3_column_int64(st, 17);
	j->error = col_dup(st, 18);
	j->status = col_dup(st, 19);
	j->report = col_dup(st, 20);
}

static int exec_sql(struct sqlite_queue *q, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(q->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return QUEUE_OK;
	queue_errf(err, errlen, QUEUE_ERROR, "queue %s: %s", q->path,
		   msg ? msg : sqlite3_errmsg(q->db));
	sqlite3_free(msg);
	return QUEUE_ERROR;
}

typedef int (*txn_body)(struct sqlite_queue *q, void *ctx, char *err, size_t errlen);

/* Runs body inside BEGIN IMMEDIATE .. COMMIT; rolls back when it fails. */
static int in_txn(struct sqlite_queue *q, txn_body body, void *ctx, char *err, size_t errlen)
{
	if (exec_sql(q, "BEGIN IMMEDIATE", err, errlen))
		return QUEUE_ERROR;
	int rc = body(q, ctx, err, errlen);
	if (rc == QUEUE_OK && exec_sql(q, "COMMIT", err, errlen) == QUEUE_OK)
		return QUEUE_OK;
	exec_sql(q, "ROLLBACK", NULL, 0);
	return rc == QUEUE_OK ? QUEUE_ERROR : rc;
}

static int read_job(struct sqlite_queue *q, int64_t id, struct job *out, char *err, size_t errlen)
{
	char sql[1024];
	snprintf(sql, sizeof(sql), "SELECT %s WHERE j.id = ?", queue_job_columns);
	sqlite3_stmt *st = prep(q, err, errlen, sql, "i", id);
	if (!st)
		return QUEUE_ERROR;
	int r = step_row(q, st, err, errlen);
	if (r == 1)
		fill_job(st, out);
	sqlite3_finalize(st);
	if (r == 0)
		return queue_errf(err, errlen, QUEUE_ERROR, "queue: no job %lld", (long long)id);
	return r == 1 ? QUEUE_OK : QUEUE_ERROR;
}

/* ---- schema ---- */

static int schema_body(struct sqlite_queue *q, void *ctx, char *err, size_t errlen)
{
	if (exec_sql(q, schema_sql, err, errlen))
		return QUEUE_ERROR;
	sqlite3_stmt *st = prep(q, err, errlen, "SELECT MAX(version) FROM schema_version", "");
	if (!st)
		return QUEUE_ERROR;
	int r = step_row(q, st, err, errlen);
	int have_version = r == 1 && sqlite3_column_type(st, 0) != SQLITE_NULL;
	int version = r == 1 ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (r < 0)
		return QUEUE_ERROR;
	if (have_version && version > QUEUE_SCHEMA_VERSION)
		return queue_errf(err, errlen, QUEUE_ERROR,
				  "queue %s: schema version %d is newer than this grader's (%d)",
				  q->path, version, QUEUE_SCHEMA_VERSION);
	if (have_version)
		return QUEUE_OK; /* version 1 is the first: nothing to upgrade yet */
	return run(q,
		   prep(q, err, errlen, "INSERT INTO schema_version (version) VALUES (?)", "i",
			(int64_t)QUEUE_SCHEMA_VERSION),
		   err, errlen);
}

/* Creates the database file 0600 (reports may hold hidden-test output)
 * unless it exists; SQLite gives its -wal and -shm files the same mode. */
static int create_private(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
		return QUEUE_OK;
	}
	if (errno == EEXIST)
		return QUEUE_OK;
	return queue_errf(err, errlen, QUEUE_ERROR, "queue %s: cannot create: %s", path,
			  strerror(errno));
}

static const struct queue_ops sqlite_ops;

static int configure(struct sqlite_queue *q, char *err, size_t errlen)
{
	sqlite3_busy_timeout(q->db, 30000);
	if (exec_sql(q, "PRAGMA journal_mode=WAL", err, errlen) ||
	    exec_sql(q, "PRAGMA synchronous=FULL", err, errlen) ||
	    exec_sql(q, "PRAGMA foreign_keys=ON", err, errlen))
		return QUEUE_ERROR;
	return in_txn(q, schema_body, NULL, err, errlen);
}

struct queue *queue_sqlite_open(const char *path, char *err, size_t errlen)
{
	if (!*path) {
		queue_errf(err, errlen, QUEUE_ERROR, "queue: empty SQLite path");
		return NULL;
	}
	if (create_private(path, err, errlen))
		return NULL;
	struct sqlite_queue *q = xcalloc(1, sizeof(*q));
	q->base.ops = &sqlite_ops;
	q->path = xstrdup(path);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &q->db, flags, NULL) != SQLITE_OK) {
		db_error(q, err, errlen, "open");
		queue_close(&q->base);
		return NULL;
	}
	if (configure(q, err, errlen)) {
		queue_close(&q->base);
		return NULL;
	}
	return &q->base;
}

static void sqlite_close(struct queue *base)
{
	struct sqlite_queue *q = (struct sqlite_queue *)base;
	sqlite3_close(q->db);
	free(q->path);
	free(q);
}

/* ---- enqueue ---- */

struct enqueue_ctx {
	const struct job_spec *spec;
	int64_t id;
	int dedup;
};

static int find_live(struct sqlite_queue *q, const struct job_spec *s, int64_t *id, char *err,
		     size_t errlen)
{
	sqlite3_stmt *st =
	    prep(q, err, errlen,
		 "SELECT id FROM jobs WHERE repo = ? AND commit_id = ?"
		 " AND exercises = ? AND course_digest = ?"
		 " AND state NOT IN ('failed','superseded')",
		 "ssss", s->repo, s->commit, queue_opt(s->exercises), queue_opt(s->course_digest));
	if (!st)
		return -1;
	int r = step_row(q, st, err, errlen);
	if (r == 1)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r;
}

static int enqueue_body(struct sqlite_queue *q, void *vctx, char *err, size_t errlen)
{
	struct enqueue_ctx *c = vctx;
	const struct job_spec *s = c->spec;
	double now = queue_now();

	int r = find_live(q, s, &c->id, err, errlen);
	if (r < 0)
		return QUEUE_ERROR;
	c->dedup = r;
	if (!c->dedup) {
		if (run(q,
			prep(q, err, errlen,
			     "INSERT INTO jobs (learner, repo, ref, commit_id, exercises,"
			     " course_digest, source, callback_url, priority, state, created_at)"
			     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)",
			     "ssssssssid", s->learner, s->repo, s->ref, s->commit,
			     queue_opt(s->exercises), queue_opt(s->course_digest),
			     s->source ? s->source : "api", queue_opt(s->callback_url),
			     (int64_t)s->priority, now),
			err, errlen))
			return QUEUE_ERROR;
		c->id = sqlite3_last_insert_rowid(q->db);
	}
	if (!queue_source_supersedes(s->source))
		return QUEUE_OK;
	return run(q,
		   prep(q, err, errlen,
			"UPDATE jobs SET state = 'superseded', superseded_by = ?, finished_at = ?"
			" WHERE learner = ? AND repo = ? AND ref = ? AND state = 'queued'"
			" AND commit_id <> ? AND id <> ?",
			"idssssi", c->id, now, s->learner, s->repo, s->ref, s->commit, c->id),
		   err, errlen);
}

static int sqlite_enqueue(struct queue *base, const struct job_spec *spec, int64_t *id, int *dedup,
			  char *err, size_t errlen)
{
	struct enqueue_ctx c = {.spec = spec};
	int rc = in_txn((struct sqlite_queue *)base, enqueue_body, &c, err, errlen);
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

/* Fails running jobs whose lease expired and whose attempts are used. */
static int fail_exhausted(struct sqlite_queue *q, double now, char *err, size_t errlen)
{
	return run(q,
		   prep(q, err, errlen,
			"UPDATE jobs SET state = 'failed', lease_owner = NULL, lease_expires = 0,"
			" finished_at = ?, error = 'lease expired ' || attempts || ' times'"
			" WHERE state = 'running' AND lease_expires < ? AND attempts >= ?",
			"ddi", now, now, (int64_t)q->base.max_attempts),
		   err, errlen);
}

/* The next job to lease: 1 and *id, 0 when there is none, -1 on error. */
static int pick_next(struct sqlite_queue *q, double now, int64_t *id, char *err, size_t errlen)
{
	sqlite3_stmt *st = prep(q, err, errlen,
				"SELECT j.id FROM jobs j LEFT JOIN learners l ON l.name = j.learner"
				" WHERE j.state = 'queued'"
				" OR (j.state = 'running' AND j.lease_expires < ?)"
				" ORDER BY j.priority, COALESCE(l.last_served, 0), j.id LIMIT 1",
				"d", now);
	if (!st)
		return -1;
	int r = step_row(q, st, err, errlen);
	if (r == 1)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r;
}

static int lease_body(struct sqlite_queue *q, void *vctx, char *err, size_t errlen)
{
	struct lease_ctx *c = vctx;
	double now = queue_now();
	int64_t id;

	if (fail_exhausted(q, now, err, errlen))
		return QUEUE_ERROR;
	int r = pick_next(q, now, &id, err, errlen);
	if (r <= 0)
		return r < 0 ? QUEUE_ERROR : QUEUE_OK;
	if (run(q,
		prep(q, err, errlen,
		     "UPDATE jobs SET state = 'running', lease_owner = ?, lease_expires = ?,"
		     " attempts = attempts + 1, started_at = ? WHERE id = ?",
		     "sddi", c->worker, now + c->lease_s, now, id),
		err, errlen))
		return QUEUE_ERROR;
	if (run(q,
		prep(q, err, errlen,
		     "INSERT INTO learners (name, last_served) SELECT learner,"
		     " (SELECT COALESCE(MAX(last_served), 0) + 1 FROM learners)"
		     " FROM jobs WHERE id = ?"
		     " ON CONFLICT (name) DO UPDATE SET last_served = excluded.last_served",
		     "i", id),
		err, errlen))
		return QUEUE_ERROR;
	if (read_job(q, id, c->out, err, errlen))
		return QUEUE_ERROR;
	c->got = 1;
	return QUEUE_OK;
}

static int sqlite_lease(struct queue *base, const char *worker, double lease_s, struct job *out,
			int *got, char *err, size_t errlen)
{
	struct lease_ctx c = {.worker = worker, .lease_s = lease_s, .out = out};
	int rc = in_txn((struct sqlite_queue *)base, lease_body, &c, err, errlen);
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

/* QUEUE_OK when c->worker holds the running job's lease. */
static int check_owner(struct sqlite_queue *q, struct owned_ctx *c, int *attempts, char *err,
		       size_t errlen)
{
	sqlite3_stmt *st =
	    prep(q, err, errlen, "SELECT state, lease_owner, attempts FROM jobs WHERE id = ?", "i",
		 c->id);
	if (!st)
		return QUEUE_ERROR;
	int r = step_row(q, st, err, errlen);
	int rc = r < 0 ? QUEUE_ERROR : QUEUE_OK;
	if (r == 0)
		rc = queue_errf(err, errlen, QUEUE_ERROR, "queue: no job %lld", (long long)c->id);
	if (r == 1) {
		const char *state = (const char *)sqlite3_column_text(st, 0);
		const char *owner = (const char *)sqlite3_column_text(st, 1);
		if (attempts)
			*attempts = sqlite3_column_int(st, 2);
		if (strcmp(state, "running") || !owner || strcmp(owner, c->worker))
			rc = queue_errf(
			    err, errlen, QUEUE_LEASE_LOST,
			    "queue: job %lld: lease lost by %s (job is %s, leased by %s)",
			    (long long)c->id, c->worker, state, owner ? owner : "nobody");
	}
	sqlite3_finalize(st);
	return rc;
}

static int heartbeat_body(struct sqlite_queue *q, void *vctx, char *err, size_t errlen)
{
	struct owned_ctx *c = vctx;
	int rc = check_owner(q, c, NULL, err, errlen);
	if (rc)
		return rc;
	return run(q,
		   prep(q, err, errlen, "UPDATE jobs SET lease_expires = ? WHERE id = ?", "di",
			queue_now() + c->lease_s, c->id),
		   err, errlen);
}

static int sqlite_heartbeat(struct queue *base, int64_t id, const char *worker, double lease_s,
			    char *err, size_t errlen)
{
	struct owned_ctx c = {.id = id, .worker = worker, .lease_s = lease_s};
	return in_txn((struct sqlite_queue *)base, heartbeat_body, &c, err, errlen);
}

static int complete_body(struct sqlite_queue *q, void *vctx, char *err, size_t errlen)
{
	struct owned_ctx *c = vctx;
	double now = queue_now();
	int rc = check_owner(q, c, NULL, err, errlen);
	if (rc)
		return rc;
	if (run(q,
		prep(q, err, errlen,
		     "INSERT INTO reports (repo, commit_id, exercises, course_digest, job_id,"
		     " status, report, created_at)"
		     " SELECT repo, commit_id, exercises, course_digest, id, ?, ?, ?"
		     " FROM jobs WHERE id = ? ON CONFLICT DO NOTHING",
		     "ssdi", c->status, c->report, now, c->id),
		err, errlen))
		return QUEUE_ERROR;
	c->stored = sqlite3_changes(q->db) == 1;
	return run(q,
		   prep(q, err, errlen,
			"UPDATE jobs SET state = 'done', status = ?, finished_at = ?,"
			" lease_owner = NULL, lease_expires = 0 WHERE id = ?",
			"sdi", c->status, now, c->id),
		   err, errlen);
}

static int sqlite_complete(struct queue *base, int64_t id, const char *worker, const char *report,
			   const char *status, int *stored, char *err, size_t errlen)
{
	struct owned_ctx c = {.id = id, .worker = worker, .report = report, .status = status};
	int rc = in_txn((struct sqlite_queue *)base, complete_body, &c, err, errlen);
	*stored = rc == QUEUE_OK && c.stored;
	return rc;
}

static int fail_body(struct sqlite_queue *q, void *vctx, char *err, size_t errlen)
{
	struct owned_ctx *c = vctx;
	int attempts = 0;
	int rc = check_owner(q, c, &attempts, err, errlen);
	if (rc)
		return rc;
	if (c->retry && attempts < q->base.max_attempts)
		return run(q,
			   prep(q, err, errlen,
				"UPDATE jobs SET state = 'queued', lease_owner = NULL,"
				" lease_expires = 0, error = ? WHERE id = ?",
				"si", c->error, c->id),
			   err, errlen);
	return run(q,
		   prep(q, err, errlen,
			"UPDATE jobs SET state = 'failed', lease_owner = NULL, lease_expires = 0,"
			" finished_at = ?, error = ? WHERE id = ?",
			"dsi", queue_now(), c->error, c->id),
		   err, errlen);
}

static int sqlite_fail(struct queue *base, int64_t id, const char *worker, const char *error,
		       int retry, char *err, size_t errlen)
{
	struct owned_ctx c = {.id = id, .worker = worker, .error = error, .retry = retry};
	return in_txn((struct sqlite_queue *)base, fail_body, &c, err, errlen);
}

struct release_ctx {
	const char *worker;
	long released;
};

static int release_body(struct sqlite_queue *q, void *vctx, char *err, size_t errlen)
{
	struct release_ctx *c = vctx;
	if (run(q,
		prep(q, err, errlen,
		     "UPDATE jobs SET state = 'failed', lease_owner = NULL, lease_expires = 0,"
		     " finished_at = ?, error = 'worker died; attempts used: ' || attempts"
		     " WHERE state = 'running' AND lease_owner = ? AND attempts >= ?",
		     "dsi", queue_now(), c->worker, (int64_t)q->base.max_attempts),
		err, errlen))
		return QUEUE_ERROR;
	c->released = sqlite3_changes(q->db);
	if (run(q,
		prep(q, err, errlen,
		     "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires = 0,"
		     " error = 'worker ' || ? || ' died' WHERE state = 'running' AND lease_owner = "
		     "?",
		     "ss", c->worker, c->worker),
		err, errlen))
		return QUEUE_ERROR;
	c->released += sqlite3_changes(q->db);
	return QUEUE_OK;
}

static int sqlite_release_worker(struct queue *base, const char *worker, long *released, char *err,
				 size_t errlen)
{
	struct release_ctx c = {.worker = worker};
	int rc = in_txn((struct sqlite_queue *)base, release_body, &c, err, errlen);
	*released = rc == QUEUE_OK ? c.released : 0;
	return rc;
}

/* ---- reads ---- */

static int sqlite_get(struct queue *base, int64_t id, struct job *out, char *err, size_t errlen)
{
	return read_job((struct sqlite_queue *)base, id, out, err, errlen);
}

static int sqlite_position(struct queue *base, int64_t id, long *pos, char *err, size_t errlen)
{
	struct sqlite_queue *q = (struct sqlite_queue *)base;
	sqlite3_stmt *st = prep(q, err, errlen,
				"SELECT COUNT(*) FROM jobs o, jobs j WHERE j.id = ?"
				" AND j.state = 'queued' AND o.state = 'queued'"
				" AND (o.priority < j.priority"
				" OR (o.priority = j.priority AND o.id <= j.id))",
				"i", id);
	if (!st)
		return QUEUE_ERROR;
	int r = step_row(q, st, err, errlen);
	if (r == 1)
		*pos = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r == 1 ? QUEUE_OK : QUEUE_ERROR;
}

static int sqlite_list_learner(struct queue *base, const char *learner, size_t limit,
			       struct job **v, size_t *n, char *err, size_t errlen)
{
	struct sqlite_queue *q = (struct sqlite_queue *)base;
	char sql[1024];
	size_t cap = 0;
	snprintf(sql, sizeof(sql), "SELECT %s WHERE j.learner = ? ORDER BY j.id DESC LIMIT ?",
		 queue_job_columns);
	sqlite3_stmt *st =
	    prep(q, err, errlen, sql, "si", learner, limit ? (int64_t)limit : (int64_t)-1);
	if (!st)
		return QUEUE_ERROR;
	int r;
	while ((r = step_row(q, st, err, errlen)) == 1) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*v = xrealloc(*v, cap * sizeof(**v));
		}
		memset(&(*v)[*n], 0, sizeof(**v));
		fill_job(st, &(*v)[(*n)++]);
	}
	sqlite3_finalize(st);
	if (r < 0) {
		job_list_free(*v, *n);
		*v = NULL;
		*n = 0;
		return QUEUE_ERROR;
	}
	return QUEUE_OK;
}

static int sqlite_counts(struct queue *base, struct queue_counts *out, char *err, size_t errlen)
{
	struct sqlite_queue *q = (struct sqlite_queue *)base;
	sqlite3_stmt *st = prep(
	    q, err, errlen, "SELECT state, COUNT(*), MIN(created_at) FROM jobs GROUP BY state", "");
	if (!st)
		return QUEUE_ERROR;
	int r;
	double now = queue_now();
	while ((r = step_row(q, st, err, errlen)) == 1) {
		enum job_state s;
		if (job_state_parse((const char *)sqlite3_column_text(st, 0), &s))
			continue;
		out->by_state[s] = (long)sqlite3_column_int64(st, 1);
		if (s == JOB_QUEUED)
			out->oldest_queued_age_s = now - sqlite3_column_double(st, 2);
	}
	sqlite3_finalize(st);
	return r < 0 ? QUEUE_ERROR : QUEUE_OK;
}

static int sqlite_metric_add(struct queue *base, const char *name, const char *label, double delta,
			     char *err, size_t errlen)
{
	struct sqlite_queue *q = (struct sqlite_queue *)base;
	return run(q,
		   prep(q, err, errlen,
			"INSERT INTO metrics (name, label, value) VALUES (?, ?, ?)"
			" ON CONFLICT (name, label) DO UPDATE SET value = value + excluded.value",
			"ssd", name, label, delta),
		   err, errlen);
}

static int sqlite_metric_list(struct queue *base, struct queue_metric **v, size_t *n, char *err,
			      size_t errlen)
{
	struct sqlite_queue *q = (struct sqlite_queue *)base;
	sqlite3_stmt *st =
	    prep(q, err, errlen, "SELECT name, label, value FROM metrics ORDER BY name, label", "");
	if (!st)
		return QUEUE_ERROR;
	size_t cap = 0;
	int r;
	while ((r = step_row(q, st, err, errlen)) == 1) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*v = xrealloc(*v, cap * sizeof(**v));
		}
		struct queue_metric *m = &(*v)[(*n)++];
		m->name = col_dup(st, 0);
		m->label = col_dup(st, 1);
		m->value = sqlite3_column_double(st, 2);
	}
	sqlite3_finalize(st);
	if (r < 0) {
		queue_metric_list_free(*v, *n);
		*v = NULL;
		*n = 0;
		return QUEUE_ERROR;
	}
	return QUEUE_OK;
}

static const struct queue_ops sqlite_ops = {
    .name = "sqlite",
    .enqueue = sqlite_enqueue,
    .lease = sqlite_lease,
    .heartbeat = sqlite_heartbeat,
    .complete = sqlite_complete,
    .fail = sqlite_fail,
    .release_worker = sqlite_release_worker,
    .get = sqlite_get,
    .position = sqlite_position,
    .list_learner = sqlite_list_learner,
    .counts = sqlite_counts,
    .metric_add = sqlite_metric_add,
    .metric_list = sqlite_metric_list,
    .close = sqlite_close,
};
