/*
 * sql.c - the dialect-free half of the SQL seam (sql.h): renders a
 * policy template for a back end's dialect, gathers parameters, reads
 * result cells, and runs transactions with their retries.
 */
#include "sql.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grader/util/util.h"
#include "template.h"

int queue_errf(char *err, size_t errlen, int code, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

double queue_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The dialect's word for the token name[len], or NULL for no token. */
static const char *token_word(const void *ctx, const char *name, size_t len)
{
	const struct sql_dialect *d = ctx;
	const struct {
		const char *token, *word;
	} words[] = {
	    {"now", d->now},
	    {"real", d->real},
	    {"bigint", d->bigint},
	    {"serial", d->serial},
	    {"next_served", d->next_served},
	    {"for_update", d->row_locks ? " FOR UPDATE" : ""},
	    {"skip_locked", d->row_locks ? " FOR UPDATE SKIP LOCKED" : ""},
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strlen(words[i].token) == len && !memcmp(words[i].token, name, len))
			return words[i].word;
	return NULL;
}

/* tmpl with every {token} replaced by the dialect's word; a heap string. */
static char *render(const struct sql_dialect *d, const char *tmpl)
{
	return template_expand(tmpl, token_word, d);
}

static int vexec(struct sql_db *db, struct sql_result *out, char *err, size_t errlen,
		 const char *tmpl, const char *types, va_list ap)
{
	struct sql_param p[SQL_MAX_PARAMS];
	int np = 0;

	for (; np < SQL_MAX_PARAMS && types[np]; np++) {
		memset(&p[np], 0, sizeof(p[np]));
		if (types[np] == 's') {
			p[np].type = SQL_TEXT;
			p[np].s = va_arg(ap, const char *);
		} else if (types[np] == 'i') {
			p[np].type = SQL_INT;
			p[np].i = va_arg(ap, int64_t);
		} else {
			p[np].type = SQL_REAL;
			p[np].d = va_arg(ap, double);
		}
	}
	if (types[np])
		return queue_errf(err, errlen, QUEUE_ERROR, "%s: more than %d parameters",
				  db->label, SQL_MAX_PARAMS);

	struct sql_result local = {0};
	char *sql = render(db->dialect, tmpl);
	int rc = db->dialect->run(db, sql, p, np, out ? out : &local, err, errlen);
	free(sql);
	sql_result_free(&local);
	return rc;
}

int sql_exec(struct sql_db *db, struct sql_result *out, char *err, size_t errlen, const char *tmpl,
	     const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	int rc = vexec(db, out, err, errlen, tmpl, types, ap);
	va_end(ap);
	return rc;
}

int sql_exec_i64(struct sql_db *db, int64_t *value, char *err, size_t errlen, const char *tmpl,
		 const char *types, ...)
{
	struct sql_result r = {0};
	va_list ap;
	va_start(ap, types);
	int rc = vexec(db, &r, err, errlen, tmpl, types, ap);
	va_end(ap);
	if (rc)
		return -1;
	int found = r.rows > 0;
	if (found)
		*value = sql_i64(&r, 0, 0);
	sql_result_free(&r);
	return found;
}

int sql_script(struct sql_db *db, const char *tmpl, char *err, size_t errlen)
{
	char *sql = render(db->dialect, tmpl);
	int rc = db->dialect->script(db, sql, err, errlen);
	free(sql);
	return rc;
}

const char *sql_cell(const struct sql_result *r, size_t row, size_t col)
{
	if (row >= r->rows || col >= r->cols)
		return NULL;
	return r->cell[row * r->cols + col];
}

int64_t sql_i64(const struct sql_result *r, size_t row, size_t col)
{
	const char *s = sql_cell(r, row, col);
	return s ? strtoll(s, NULL, 10) : 0;
}

double sql_dbl(const struct sql_result *r, size_t row, size_t col)
{
	const char *s = sql_cell(r, row, col);
	return s ? strtod(s, NULL) : 0;
}

char *sql_dup(const struct sql_result *r, size_t row, size_t col)
{
	const char *s = sql_cell(r, row, col);
	return s ? xstrdup(s) : NULL;
}

void sql_result_free(struct sql_result *r)
{
	for (size_t i = 0; i < r->rows * r->cols; i++)
		free(r->cell[i]);
	free(r->cell);
	memset(r, 0, sizeof(*r));
}

int sql_txn(struct sql_db *db, sql_txn_body body, void *ctx, char *err, size_t errlen)
{
	int rc = QUEUE_ERROR;
	for (int attempt = 0; attempt < 4; attempt++) {
		if (db->dialect->begin(db, err, errlen))
			return QUEUE_ERROR;
		rc = body(db, ctx, err, errlen);
		if (rc == QUEUE_OK && sql_script(db, "COMMIT", err, errlen) == QUEUE_OK)
			return QUEUE_OK;
		int again =
		    rc == SQL_RETRY || (rc != QUEUE_LEASE_LOST && db->dialect->transient(db));
		sql_script(db, "ROLLBACK", NULL, 0);
		if (!again)
			break;
	}
	return rc == QUEUE_OK || rc == SQL_RETRY ? QUEUE_ERROR : rc;
}

void sql_close(struct sql_db *db)
{
	if (db)
		db->dialect->close(db);
}
