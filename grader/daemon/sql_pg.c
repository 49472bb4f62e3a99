/*
 * sql_pg.c - the PostgreSQL dialect of the store (sql.h, libpq), for
 * fleets: several daemons on several machines share one database.
 *
 * Rows are locked: the policy's {skip_locked} (SELECT ... FOR UPDATE SKIP
 * LOCKED) lets two daemons take different jobs without waiting on each
 * other, and {for_update} locks a job before an owner-checked update.
 * {now} is the server's clock (now(), the transaction's start), so
 * machines with skewed clocks still agree on when a lease expired. A
 * deadlock or serialization failure is transient: sql_txn runs the
 * transaction again.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grader/util/util.h"
#include "sql.h"

struct pg_db {
	struct sql_db base;
	PGconn *conn;
	char sqlstate[6]; /* of the last failed statement, "" if none */
};

static int pg_error(struct pg_db *g, PGresult *res, char *err, size_t errlen)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	snprintf(g->sqlstate, sizeof(g->sqlstate), "%s", state ? state : "");
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(g->conn);
	char clean[512];
	snprintf(clean, sizeof(clean), "%s", msg && *msg ? msg : PQerrorMessage(g->conn));
	clean[strcspn(clean, "\n")] = '\0';
	return queue_errf(err, errlen, QUEUE_ERROR, "%s: %s", g->base.label, clean);
}

/* The result, or NULL (cleared) with err set. */
static PGresult *checked(struct pg_db *g, PGresult *res, char *err, size_t errlen)
{
	ExecStatusType st = PQresultStatus(res);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	pg_error(g, res, err, errlen);
	PQclear(res);
	return NULL;
}

static int pg_run(struct sql_db *base, const char *sql, const struct sql_param *p, int np,
		  struct sql_result *out, char *err, size_t errlen)
{
	struct pg_db *g = (struct pg_db *)base;
	const char *v[SQL_MAX_PARAMS] = {0};
	char num[SQL_MAX_PARAMS][40];

	for (int i = 0; i < np && i < SQL_MAX_PARAMS; i++) {
		if (p[i].type == SQL_TEXT) {
			v[i] = p[i].s;
			continue;
		}
		if (p[i].type == SQL_INT)
			snprintf(num[i], sizeof num[i], "%lld", (long long)p[i].i);
		else
			snprintf(num[i], sizeof num[i], "%.17g", p[i].d);
		v[i] = num[i];
	}
	PGresult *res =
	    checked(g, PQexecParams(g->conn, sql, np, NULL, v, NULL, NULL, 0), err, errlen);
	if (!res)
		return QUEUE_ERROR;
	out->rows = (size_t)PQntuples(res);
	out->cols = (size_t)PQnfields(res);
	out->cell =
	    out->rows && out->cols ? xcalloc(out->rows * out->cols, sizeof(*out->cell)) : NULL;
	for (size_t r = 0; r < out->rows; r++)
		for (size_t c = 0; c < out->cols; c++)
			if (!PQgetisnull(res, (int)r, (int)c))
				out->cell[r * out->cols + c] =
				    xstrdup(PQgetvalue(res, (int)r, (int)c));
	out->changed = atol(PQcmdTuples(res));
	PQclear(res);
	return QUEUE_OK;
}

/* The simple protocol: it runs several statements. */
static int pg_script(struct sql_db *base, const char *sql, char *err, size_t errlen)
{
	struct pg_db *g = (struct pg_db *)base;
	PGresult *res = checked(g, PQexec(g->conn, sql), err, errlen);
	if (!res)
		return QUEUE_ERROR;
	PQclear(res);
	return QUEUE_OK;
}

static int pg_begin(struct sql_db *base, char *err, size_t errlen)
{
	struct pg_db *g = (struct pg_db *)base;
	if (PQstatus(g->conn) != CONNECTION_OK)
		PQreset(g->conn);
	g->sqlstate[0] = '\0';
	return pg_script(base, "BEGIN", err, errlen);
}

static int pg_transient(const struct sql_db *base)
{
	const struct pg_db *g = (const struct pg_db *)base;
	return !strcmp(g->sqlstate, "40001") || !strcmp(g->sqlstate, "40P01");
}

static void pg_close(struct sql_db *base)
{
	struct pg_db *g = (struct pg_db *)base;
	PQfinish(g->conn);
	free(g);
}

static const struct sql_dialect pg_dialect = {
    .name = "postgresql",
    .now = "extract(epoch from now())::float8",
    .real = "DOUBLE PRECISION",
    .bigint = "BIGINT",
    .serial = "BIGSERIAL PRIMARY KEY",
    .next_served = "nextval('learner_served')",
    .row_locks = 1,
    .schema_extra = "CREATE SEQUENCE IF NOT EXISTS learner_served;",
    /* Daemons starting together must not race on CREATE ... IF NOT EXISTS. */
    .schema_lock = "SELECT pg_advisory_xact_lock(7301954318)",
    .run = pg_run,
    .script = pg_script,
    .begin = pg_begin,
    .transient = pg_transient,
    .close = pg_close,
};

struct sql_db *sql_pg_open(const char *conninfo, char *err, size_t errlen)
{
	struct pg_db *g = xcalloc(1, sizeof(*g));
	g->base.dialect = &pg_dialect;
	snprintf(g->base.label, sizeof g->base.label, "queue (postgresql)");
	g->conn = PQconnectdb(conninfo);
	if (PQstatus(g->conn) != CONNECTION_OK) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(g->conn));
		msg[strcspn(msg, "\n")] = '\0';
		queue_errf(err, errlen, QUEUE_ERROR, "queue (postgresql): cannot connect: %s", msg);
		pg_close(&g->base);
		return NULL;
	}
	/* Quiet the NOTICEs CREATE ... IF NOT EXISTS sends on every start. */
	if (pg_script(&g->base, "SET client_min_messages = warning", err, errlen)) {
		pg_close(&g->base);
		return NULL;
	}
	return &g->base;
}
