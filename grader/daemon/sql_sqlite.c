/*
 * sql_sqlite.c - the SQLite dialect of the store (sql.h), the default on
 * one machine: one file in the state directory, in WAL mode with
 * synchronous=FULL so every committed state change survives kill -9 (or
 * power loss) of any process.
 *
 * Every write is one BEGIN IMMEDIATE transaction: it takes the database's
 * write lock up front, so concurrent workers (separate processes, each
 * with its own connection) queue behind busy_timeout instead of failing
 * half-way, and a lease is decided on a state no one else is changing.
 * That single writer is why this dialect needs no row locks. {now} is
 * grader_now(), the process clock read once the transaction holds the
 * lock (or when a statement outside a transaction starts).
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grader/util/util.h"
#include "sql.h"

struct sqlite_db {
	struct sql_db base;
	sqlite3 *db;
	double now; /* what grader_now() returns */
};

static int db_error(struct sqlite_db *s, char *err, size_t errlen, const char *what)
{
	return queue_errf(err, errlen, QUEUE_ERROR, "%s: %s: %s", s->base.label, what,
			  sqlite3_errmsg(s->db));
}

static void grader_now(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc, (void)argv;
	const struct sqlite_db *s = sqlite3_user_data(ctx);
	sqlite3_result_double(ctx, s->now);
}

static int bind(sqlite3_stmt *st, const struct sql_param *p, int np)
{
	int rc = SQLITE_OK;
	for (int i = 0; i < np && rc == SQLITE_OK; i++) {
		char name[16];
		snprintf(name, sizeof name, "$%d", i + 1);
		int at = sqlite3_bind_parameter_index(st, name);
		if (!at)
			continue;
		if (p[i].type == SQL_TEXT)
			rc = sqlite3_bind_text(st, at, p[i].s, -1, SQLITE_TRANSIENT);
		else if (p[i].type == SQL_INT)
			rc = sqlite3_bind_int64(st, at, p[i].i);
		else
			rc = sqlite3_bind_double(st, at, p[i].d);
	}
	return rc;
}

/* Column i of the current row as text that reads back exactly. */
static char *cell_text(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		return NULL;
	case SQLITE_INTEGER:
		return xasprintf("%lld", (long long)sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return xasprintf("%.17g", sqlite3_column_double(st, i));
	default:
		return xstrdup((const char *)sqlite3_column_text(st, i));
	}
}

static int sqlite_run(struct sql_db *base, const char *sql, const struct sql_param *p, int np,
		      struct sql_result *out, char *err, size_t errlen)
{
	struct sqlite_db *s = (struct sqlite_db *)base;
	sqlite3_stmt *st;

	if (sqlite3_get_autocommit(s->db))
		s->now = queue_now();
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(s, err, errlen, "prepare");
	if (bind(st, p, np) != SQLITE_OK) {
		db_error(s, err, errlen, "bind");
		sqlite3_finalize(st);
		return QUEUE_ERROR;
	}
	out->cols = (size_t)sqlite3_column_count(st);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->rows == cap) {
			cap = cap ? cap * 2 : 8;
			out->cell = xrealloc(out->cell, cap * out->cols * sizeof(*out->cell));
		}
		for (size_t i = 0; i < out->cols; i++)
			out->cell[out->rows * out->cols + i] = cell_text(st, (int)i);
		out->rows++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_error(s, err, errlen, "step");
		sql_result_free(out);
		return QUEUE_ERROR;
	}
	out->changed = sqlite3_changes(s->db);
	return QUEUE_OK;
}

static int sqlite_script(struct sql_db *base, const char *sql, char *err, size_t errlen)
{
	struct sqlite_db *s = (struct sqlite_db *)base;
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return QUEUE_OK;
	queue_errf(err, errlen, QUEUE_ERROR, "%s: %s", s->base.label,
		   msg ? msg : sqlite3_errmsg(s->db));
	sqlite3_free(msg);
	return QUEUE_ERROR;
}

static int sqlite_begin(struct sql_db *base, char *err, size_t errlen)
{
	struct sqlite_db *s = (struct sqlite_db *)base;
	if (sqlite_script(base, "BEGIN IMMEDIATE", err, errlen))
		return QUEUE_ERROR;
	s->now = queue_now(); /* the lock is ours: nothing changes from here */
	return QUEUE_OK;
}

/* busy_timeout already waits out other writers; nothing else passes on
 * a second run. */
static int sqlite_transient(const struct sql_db *base)
{
	(void)base;
	return 0;
}

static void sqlite_close(struct sql_db *base)
{
	struct sqlite_db *s = (struct sqlite_db *)base;
	sqlite3_close(s->db);
	free(s);
}

static const struct sql_dialect sqlite_dialect = {
    .name = "sqlite",
    .now = "grader_now()",
    .real = "REAL",
    .bigint = "INTEGER",
    .serial = "INTEGER PRIMARY KEY AUTOINCREMENT",
    .next_served = "(SELECT COALESCE(MAX(last_served), 0) + 1 FROM learners)",
    .row_locks = 0,
    .schema_extra = "",
    .schema_lock = NULL,
    .run = sqlite_run,
    .script = sqlite_script,
    .begin = sqlite_begin,
    .transient = sqlite_transient,
    .close = sqlite_close,
};

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

struct sql_db *sql_sqlite_open(const char *path, char *err, size_t errlen)
{
	if (!*path) {
		queue_errf(err, errlen, QUEUE_ERROR, "queue: empty SQLite path");
		return NULL;
	}
	if (create_private(path, err, errlen))
		return NULL;
	struct sqlite_db *s = xcalloc(1, sizeof(*s));
	s->base.dialect = &sqlite_dialect;
	snprintf(s->base.label, sizeof s->base.label, "queue %s", path);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		db_error(s, err, errlen, "open");
		sqlite_close(&s->base);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, 30000);
	if (sqlite3_create_function(s->db, "grader_now", 0, SQLITE_UTF8, s, grader_now, NULL,
				    NULL) != SQLITE_OK) {
		db_error(s, err, errlen, "grader_now()");
		sqlite_close(&s->base);
		return NULL;
	}
	if (sqlite_script(&s->base,
			  "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			  " PRAGMA foreign_keys=ON",
			  err, errlen)) {
		sqlite_close(&s->base);
		return NULL;
	}
	return &s->base;
}
