/*
 * sql.h - the seam between the store's SQL policy and a database: what
 * a back end (sql_sqlite.c, sql_pg.c) supplies, and how the policy files
 * (queue.c for jobs, report_store.c for reports, counters.c for metric
 * counters) run statements through it. Private to the store: the daemon
 * uses queue.h only.
 *
 * Policy is written once, as SQL templates in PostgreSQL's spelling:
 * parameters are $1, $2 ... (SQLite reads them as named parameters), and
 * the few words the two databases say differently are tokens the back
 * end's dialect fills in:
 *
 *   {now}          seconds since the epoch, one value per transaction
 *                  (PostgreSQL: the server's now(); SQLite: the process
 *                  clock read when the transaction began)
 *   {real} {bigint} {serial}   column types; {serial} is an auto-numbered
 *                  primary key
 *   {next_served}  the next number in the learners' service order
 *   {for_update}   " FOR UPDATE" where the database locks rows, else ""
 *   {skip_locked}  " FOR UPDATE SKIP LOCKED" there, else "" (SQLite has
 *                  one writer: a BEGIN IMMEDIATE transaction holds it all)
 *
 * Conventions: functions return QUEUE_OK or QUEUE_ERROR (queue.h) with a
 * message in err[errlen] (err may be NULL); a transaction body may also
 * return QUEUE_LEASE_LOST or SQL_RETRY. A struct sql_result owns its
 * cells; sql_result_free releases them.
 */
#ifndef GRADER_DAEMON_SQL_H
#define GRADER_DAEMON_SQL_H

#include <stddef.h>
#include <stdint.h>

#include "queue.h"

/* A transaction body's "run me again from the start": the state it read
 * changed under it (another daemon's insert raced ours). */
enum { SQL_RETRY = -100 };

/* The most parameters one statement takes. */
enum { SQL_MAX_PARAMS = 12 };

enum sql_type { SQL_TEXT, SQL_INT, SQL_REAL };

struct sql_param {
	enum sql_type type;
	const char *s; /* SQL_TEXT; NULL binds NULL */
	int64_t i;     /* SQL_INT */
	double d;      /* SQL_REAL */
};

/* Every row of a statement as text (NULL for an SQL NULL; numbers as
 * text that reads back exactly), and how many rows it changed. */
struct sql_result {
	size_t rows, cols;
	char **cell; /* rows * cols, row-major */
	long changed;
};

struct sql_db;

/* What a back end supplies: its words for the template tokens above,
 * and how to run statements. */
struct sql_dialect {
	const char *name; /* "sqlite", "postgresql" */
	const char *now, *real, *bigint, *serial, *next_served;
	int row_locks;            /* renders {for_update} and {skip_locked} */
	const char *schema_extra; /* statements the dialect's own tokens need */
	const char *schema_lock;  /* run first when creating the schema, or NULL */
	/* Runs one statement with np parameters; out gets its rows. */
	int (*run)(struct sql_db *db, const char *sql, const struct sql_param *p, int np,
		   struct sql_result *out, char *err, size_t errlen);
	/* Runs statements without parameters or rows (schema, COMMIT). */
	int (*script)(struct sql_db *db, const char *sql, char *err, size_t errlen);
	/* Starts a transaction that writes. */
	int (*begin)(struct sql_db *db, char *err, size_t errlen);
	/* True when the last failure may pass if the transaction is run again
	 * (a deadlock, a serialization failure). */
	int (*transient)(const struct sql_db *db);
	void (*close)(struct sql_db *db);
};

/* The common head of every back end's connection. label starts its
 * messages: "queue /state/queue.db", "queue (postgresql)". */
struct sql_db {
	const struct sql_dialect *dialect;
	char label[300];
};

/* Connects a back end; NULL with err set on failure. */
struct sql_db *sql_sqlite_open(const char *path, char *err, size_t errlen);
struct sql_db *sql_pg_open(const char *conninfo, char *err, size_t errlen);
void sql_close(struct sql_db *db);

/* Renders tmpl for the dialect and runs it with one parameter per letter
 * of types ('s' const char *, 'i' int64_t, 'd' double; at most SQL_MAX_PARAMS).
 * out (may be NULL) gets the rows; free it with sql_result_free. */
int sql_exec(struct sql_db *db, struct sql_result *out, char *err, size_t errlen, const char *tmpl,
	     const char *types, ...);
/* sql_exec for a statement that answers one integer (an id, a count):
 * 1 and *value from the first row's first cell, 0 when there is no row,
 * -1 with err set on error. */
int sql_exec_i64(struct sql_db *db, int64_t *value, char *err, size_t errlen, const char *tmpl,
		 const char *types, ...);
/* Renders tmpl and runs it as a script (several statements, no
 * parameters). */
int sql_script(struct sql_db *db, const char *tmpl, char *err, size_t errlen);

/* A cell, or NULL for SQL NULL and for a cell out of range. */
const char *sql_cell(const struct sql_result *r, size_t row, size_t col);
int64_t sql_i64(const struct sql_result *r, size_t row, size_t col);
double sql_dbl(const struct sql_result *r, size_t row, size_t col);
/* A heap copy of a cell, or NULL. */
char *sql_dup(const struct sql_result *r, size_t row, size_t col);
void sql_result_free(struct sql_result *r);

typedef int (*sql_txn_body)(struct sql_db *db, void *ctx, char *err, size_t errlen);

/* Runs body in a transaction and commits it; rolls back when body fails.
 * Runs it again from the start (4 tries in all) when it returns SQL_RETRY
 * or fails transiently. Returns body's code (QUEUE_ERROR for a failed
 * commit or for retries used up). */
int sql_txn(struct sql_db *db, sql_txn_body body, void *ctx, char *err, size_t errlen);

/* Writes a formatted message into err (when err is not NULL) and returns
 * code, so that callers can write `return queue_errf(...)`. */
int queue_errf(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Wall-clock seconds since the epoch. */
double queue_now(void);

#endif
