/*
 * sql_pg.c - the sql kind's PostgreSQL engine. The server is named by a
 * libpq connection string in $GRADER_POSTGRES (an administrator: a
 * superuser, or a role with CREATEDB and CREATEROLE that owns what it
 * creates). The learner's SQL reaches it through the grader, as text,
 * in a session of a throwaway role that can do nothing but use its own
 * throwaway database:
 *
 *   per exercise version and dataset, once: a template database
 *   grader_tpl_<key>_<n> built by the setup scripts, its objects owned by
 *   the NOLOGIN role grader_sql_owner;
 *   per batch: a role and a database grader_run_<id> cloned from the
 *   template, every object of the clone handed to that role, CONNECT
 *   revoked from everyone else, statement_timeout, lock_timeout, work_mem,
 *   temp_file_limit and a connection limit set on the role; each action
 *   in a new session of that role; then the database and role dropped.
 *
 * The administrator's session holds an advisory lock on the id while a
 * run lives; a grader that was killed leaves its databases unlocked, and
 * the first build of every grader process drops them (the sweep).
 * docs/kinds/sql.md and docs/security.md say what this isolates.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cJSON.h>
#include <libpq-fe.h>

#include "runners/sql.h"
#include "grader/util/utf8.h"
#include "grader/util/util.h"

#define PG_ENV        "GRADER_POSTGRES"
#define PG_OWNER      "grader_sql_owner"
#define PG_LOCK_CLASS 0x67726472 /* "grdr": advisory locks of runs */
#define PG_TPL_CLASS  0x67726474 /* "grdt": building a template */
#define PG_MAX_ROWS   10000
#define PG_MAX_BYTES  (4u << 20)

static pthread_mutex_t sweep_lock = PTHREAD_MUTEX_INITIALIZER;
static int swept;

/* ---- connections ---- */

static const char *admin_conninfo(char **msg)
{
	const char *c = getenv(PG_ENV);
	if (!c || !*c) {
		*msg = xstrdup("no PostgreSQL server is configured for SQL exercises: set "
			       PG_ENV " to a libpq connection string (docs/kinds/sql.md)");
		return NULL;
	}
	return c;
}

/* A connection with the administrator's parameters, except those given
 * (dbname, user, password; NULL keeps the administrator's). */
static PGconn *connect_as(const char *conninfo, const char *dbname, const char *user,
			  const char *password, char **msg)
{
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
	if (!opts) {
		*msg = xasprintf("%s is not a valid connection string: %s", PG_ENV,
				 perr ? perr : "out of memory");
		PQfreemem(perr);
		return NULL;
	}
	size_t n = 0;
	for (PQconninfoOption *o = opts; o->keyword; o++)
		n++;
	const char **keys = xcalloc(n + 8, sizeof *keys), **vals = xcalloc(n + 8, sizeof *vals);
	size_t k = 0;
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		const char *kw = o->keyword;
		if (!o->val || (dbname && !strcmp(kw, "dbname")) ||
		    (password && !strcmp(kw, "password")) ||
		    (user && (!strcmp(kw, "user") || !strcmp(kw, "password") ||
			      !strcmp(kw, "passfile") || !strcmp(kw, "options") ||
			      !strcmp(kw, "service"))))
			continue;
		keys[k] = kw;
		vals[k++] = o->val;
	}
	if (dbname) {
		keys[k] = "dbname";
		vals[k++] = dbname;
	}
	if (user) {
		keys[k] = "user";
		vals[k++] = user;
		/* a learner session never reads the administrator's password file */
		keys[k] = "passfile";
		vals[k++] = "/dev/null";
	}
	if (password) {
		keys[k] = "password";
		vals[k++] = password;
	}
	keys[k] = "application_name";
	vals[k++] = "grader";
	keys[k] = "connect_timeout";
	vals[k++] = "10";
	keys[k] = NULL;
	vals[k] = NULL;
	PGconn *c = PQconnectdbParams(keys, vals, 0);
	free(keys);
	free(vals);
	PQconninfoFree(opts);
	if (PQstatus(c) != CONNECTION_OK) {
		*msg = xasprintf("cannot connect to PostgreSQL%s%s: %s", user ? " as " : "",
				 user ? user : "", PQerrorMessage(c));
		size_t l = strlen(*msg);
		while (l && (*msg)[l - 1] == '\n')
			(*msg)[--l] = '\0';
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, NULL, NULL);
	return c;
}

static void silence(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Runs a command as the administrator: 0, or -1 with msg. */
static int admin_exec(PGconn *c, const char *sql, char **msg)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType s = PQresultStatus(r);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		if (msg && !*msg) {
			*msg = xasprintf("%s", PQresultErrorMessage(r));
			size_t l = strlen(*msg);
			while (l && (*msg)[l - 1] == '\n')
				(*msg)[--l] = '\0';
		}
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

static int admin_execf(PGconn *c, char **msg, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int admin_execf(PGconn *c, char **msg, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct strbuf sb = {0};
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	int rc = admin_exec(c, sb.buf, msg);
	sb_free(&sb);
	return rc;
}

/* ---- the sweep ---- */

/* Drops the run databases and roles no live session holds the lock of:
 * first those with a database, then roles whose database is gone. */
static void sweep(PGconn *admin)
{
	static const char *const queries[] = {
	    "SELECT datname FROM pg_database WHERE datname ~ '^grader_run_[0-9]+$'",
	    "SELECT rolname FROM pg_roles WHERE rolname ~ '^grader_run_[0-9]+$' AND rolname "
	    "NOT IN (SELECT datname FROM pg_database)"};
	for (size_t k = 0; k < 2; k++) {
		PGresult *r = PQexec(admin, queries[k]);
		for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++) {
			const char *name = PQgetvalue(r, i, 0);
			long id = strtol(name + strlen("grader_run_"), NULL, 10);
			char q[160];
			snprintf(q, sizeof q, "SELECT pg_try_advisory_lock(%d, %ld)", PG_LOCK_CLASS,
				 id);
			PGresult *l = PQexec(admin, q);
			int mine = PQresultStatus(l) == PGRES_TUPLES_OK &&
				   !strcmp(PQgetvalue(l, 0, 0), "t");
			PQclear(l);
			if (!mine)
				continue; /* a live run */
			if (k == 0)
				admin_execf(admin, NULL, "DROP DATABASE IF EXISTS %s WITH (FORCE)",
					    name);
			admin_execf(admin, NULL, "DROP ROLE IF EXISTS %s", name);
			admin_execf(admin, NULL, "SELECT pg_advisory_unlock(%d, %ld)", PG_LOCK_CLASS,
				    id);
		}
		PQclear(r);
	}
}

/* ---- positions and statements ---- */

/* Byte offset of the 1-based character position pos in s (PostgreSQL
 * counts characters). */
static size_t char_offset(const char *s, size_t len, long pos)
{
	size_t i = 0;
	for (long c = 1; i < len && c < pos; i++)
		if (((unsigned char)s[i + 1] & 0xC0) != 0x80)
			c++;
	return i;
}

static void fail_at(struct sql_outcome *o, const char *code, const char *msg, const char *text,
		    size_t off, int stmt)
{
	o->ok = 0;
	snprintf(o->code, sizeof o->code, "%s", code);
	free(o->message);
	o->message = xstrdup(msg);
	size_t l = strlen(o->message);
	while (l && (o->message[l - 1] == '\n' || o->message[l - 1] == ' '))
		o->message[--l] = '\0';
	if (text)
		utf8_position(text, strlen(text), off, &o->line, &o->col);
	o->statement = stmt;
}

static int word_at(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w);
	return len >= n && !strncasecmp(s, w, n) &&
	       (len == n || !((s[n] | 0x20) >= 'a' && (s[n] | 0x20) <= 'z') || s[n] == '_');
}

/* The statement kinds of sql.h, from the first keyword. */
static const char *pg_kind(const char *s, size_t len)
{
	static const struct {
		const char *word, *kind;
	} words[] = {{"select", "select"},    {"values", "select"},      {"table", "select"},
		     {"insert", "dml"},       {"update", "dml"},         {"delete", "dml"},
		     {"merge", "dml"},        {"create", "ddl"},         {"alter", "ddl"},
		     {"drop", "ddl"},         {"truncate", "ddl"},       {"comment", "ddl"},
		     {"grant", "ddl"},        {"revoke", "ddl"},         {"begin", "transaction"},
		     {"start", "transaction"}, {"commit", "transaction"}, {"end", "transaction"},
		     {"rollback", "transaction"}, {"savepoint", "transaction"},
		     {"release", "transaction"}, {"abort", "transaction"}, {"explain", "explain"},
		     {"set", "pragma"},       {"reset", "pragma"},       {"show", "pragma"}};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (word_at(s, len, words[i].word))
			return words[i].kind;
	if (word_at(s, len, "with")) {
		/* WITH ... a data-modifying statement anywhere makes it dml */
		for (size_t i = 4; i + 6 <= len; i++)
			if ((word_at(s + i, len - i, "insert") || word_at(s + i, len - i, "update") ||
			     word_at(s + i, len - i, "delete")) &&
			    !(((s[i - 1] | 0x20) >= 'a' && (s[i - 1] | 0x20) <= 'z') || s[i - 1] == '_'))
				return "dml";
		return "select";
	}
	return "other";
}

/* ---- results ---- */

static enum rows_type pg_type(Oid t)
{
	switch (t) {
	case 16:
		return ROWS_BOOL;
	case 20:
	case 21:
	case 23:
	case 26:
		return ROWS_INT;
	case 700:
	case 701:
		return ROWS_REAL;
	case 1700:
		return ROWS_NUMERIC;
	case 17:
		return ROWS_BLOB;
	case 18:
	case 19:
	case 25:
	case 1042:
	case 1043:
		return ROWS_TEXT;
	default:
		return ROWS_OTHER;
	}
}

static void add_pg_row(struct rows *r, const PGresult *res, int row, size_t *bytes)
{
	size_t k = rows_add_row(r);
	for (int c = 0; c < PQnfields(res); c++) {
		if (PQgetisnull(res, row, c)) {
			rows_set(r, k, (size_t)c, ROWS_NULL, NULL, 0);
			continue;
		}
		const char *v = PQgetvalue(res, row, c);
		size_t len = (size_t)PQgetlength(res, row, c);
		enum rows_type t = pg_type(PQftype(res, c));
		*bytes += len + 4;
		if (t == ROWS_BOOL)
			rows_set(r, k, (size_t)c, t, v[0] == 't' ? "true" : "false", v[0] == 't' ? 4 : 5);
		else if (t == ROWS_BLOB && len >= 2 && v[0] == '\\' && v[1] == 'x')
			rows_set(r, k, (size_t)c, t, v + 2, len - 2);
		else
			rows_set(r, k, (size_t)c, t, v, len);
	}
}

static const char *sqlstate_code(const char *state)
{
	if (!state)
		return "sql";
	if (!strcmp(state, "57014"))
		return "timeout";
	if (!strcmp(state, "53200") || !strcmp(state, "53100"))
		return "nomem";
	if (!strcmp(state, "53400") || !strcmp(state, "54000") || !strcmp(state, "54001"))
		return "limit";
	if (!strcmp(state, "42501"))
		return "denied";
	if (!strcmp(state, "55P03"))
		return "timeout"; /* lock_timeout */
	return "sql";
}

/* Runs one statement in single-row mode; keeps its rows (capped) when it
 * returns any. 0, or -1 with o failed. */
static int run_statement(PGconn *c, const char *text, size_t off, size_t len, int stmt,
			 struct sql_outcome *o, int *had_rows)
{
	char *sql = xstrndup(text + off, len);
	*had_rows = 0;
	/* The extended protocol takes one statement only: text that hides a
	 * second one from the splitter is refused by the server, not run. */
	if (!PQsendQueryParams(c, sql, 0, NULL, NULL, NULL, NULL, 0)) {
		fail_at(o, "internal", PQerrorMessage(c), text, off, stmt);
		free(sql);
		return -1;
	}
	free(sql);
	PQsetSingleRowMode(c);
	struct rows rows = {0};
	int cols_set = 0, failed = 0, truncated = 0;
	size_t bytes = 0;
	PGresult *r;
	while ((r = PQgetResult(c))) {
		ExecStatusType s = PQresultStatus(r);
		if (s == PGRES_SINGLE_TUPLE || s == PGRES_TUPLES_OK) {
			if (!cols_set) {
				const char **names = xcalloc((size_t)PQnfields(r) + 1, sizeof *names);
				for (int i = 0; i < PQnfields(r); i++)
					names[i] = PQfname(r, i);
				rows_set_columns(&rows, names, (size_t)PQnfields(r));
				free(names);
				cols_set = 1;
			}
			if (s == PGRES_SINGLE_TUPLE && !truncated) {
				if (rows.nrows >= PG_MAX_ROWS || bytes >= PG_MAX_BYTES) {
					truncated = 1;
					PGcancel *cancel = PQgetCancel(c);
					char buf[128];
					if (cancel) {
						PQcancel(cancel, buf, sizeof buf);
						PQfreeCancel(cancel);
					}
				} else {
					add_pg_row(&rows, r, 0, &bytes);
				}
			}
		} else if (s != PGRES_COMMAND_OK && s != PGRES_EMPTY_QUERY && !failed &&
			   !(truncated && s == PGRES_FATAL_ERROR)) {
			const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
			size_t at = off;
			if (pos)
				at = off + char_offset(text + off, len, strtol(pos, NULL, 10));
			const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
			fail_at(o, sqlstate_code(PQresultErrorField(r, PG_DIAG_SQLSTATE)),
				primary ? primary : PQresultErrorMessage(r), text, at, stmt);
			failed = 1;
		}
		PQclear(r);
	}
	if (failed) {
		rows_free(&rows);
		return -1;
	}
	if (cols_set) {
		rows_free(&o->rows);
		o->rows = rows;
		o->rows.truncated = truncated;
		o->has_rows = 1;
		*had_rows = 1;
	}
	return 0;
}

/* ---- plans ---- */

static void add_fact(struct sql_outcome *o, const char *fact)
{
	for (size_t i = 0; i < o->nplan; i++)
		if (!strcmp(o->plan[i], fact))
			return;
	o->plan = xrealloc(o->plan, (o->nplan + 1) * sizeof *o->plan);
	o->plan[o->nplan++] = xstrdup(fact);
}

static void plan_walk(struct sql_outcome *o, const cJSON *node, const char *parent_rel, int depth)
{
	if (!cJSON_IsObject(node) || depth > 64)
		return;
	const cJSON *type = cJSON_GetObjectItem(node, "Node Type");
	const cJSON *rel = cJSON_GetObjectItem(node, "Relation Name");
	const cJSON *idx = cJSON_GetObjectItem(node, "Index Name");
	const char *t = cJSON_IsString(type) ? type->valuestring : "";
	const char *relname = cJSON_IsString(rel) ? rel->valuestring : parent_rel;
	char fact[600];
	if (!strcmp(t, "Seq Scan") && relname) {
		snprintf(fact, sizeof fact, "scan %s", relname);
		add_fact(o, fact);
	} else if ((!strcmp(t, "Index Scan") || !strcmp(t, "Index Only Scan") ||
		    !strcmp(t, "Bitmap Index Scan")) &&
		   cJSON_IsString(idx)) {
		snprintf(fact, sizeof fact, "search %s via index %s", relname ? relname : "?",
			 idx->valuestring);
		add_fact(o, fact);
	}
	if (o->nplan_detail < 200) {
		o->plan_detail = xrealloc(o->plan_detail, (o->nplan_detail + 1) * sizeof *o->plan_detail);
		o->plan_detail[o->nplan_detail++] =
		    xasprintf("%*s%s%s%s%s%s", depth * 2, "", t, relname ? " on " : "", relname ? relname : "",
			      cJSON_IsString(idx) ? " using " : "", cJSON_IsString(idx) ? idx->valuestring : "");
	}
	const cJSON *plans = cJSON_GetObjectItem(node, "Plans"), *p;
	cJSON_ArrayForEach(p, plans) plan_walk(o, p, !strcmp(t, "Bitmap Heap Scan") ? relname : NULL,
					      depth + 1);
}

static void add_plan(PGconn *c, const char *text, size_t off, size_t len, struct sql_outcome *o)
{
	char *q = xasprintf("EXPLAIN (FORMAT JSON) %.*s", (int)len, text + off);
	PGresult *r = PQexecParams(c, q, 0, NULL, NULL, NULL, NULL, 0);
	free(q);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		cJSON *j = cJSON_Parse(PQgetvalue(r, 0, 0));
		const cJSON *first = cJSON_IsArray(j) ? j->child : NULL;
		if (first)
			plan_walk(o, cJSON_GetObjectItem(first, "Plan"), NULL, 0);
		cJSON_Delete(j);
	}
	PQclear(r);
}

/* ---- actions ---- */

static int allowed(const char *const *allow, const char *kind)
{
	if (!allow)
		return 1;
	for (size_t i = 0; allow[i]; i++)
		if (!strcmp(allow[i], kind))
			return 1;
	return 0;
}

/*
 * Statement boundaries of PostgreSQL text: ';' outside quotes ('...',
 * E'...' with backslash escapes, "...", $tag$...$tag$) and comments (--
 * to the line end, nested block comments). Calls fn for every statement
 * that holds more than whitespace and comments, with its start (after
 * leading blanks and comments) and length; stops when fn returns
 * non-zero and returns that.
 */
int sql_pg_split(const char *s, size_t len,
		 int (*fn)(void *arg, size_t start, size_t len), void *arg)
{
	size_t i = 0, start = 0;
	int content = 0;
	size_t first = 0;
	while (i <= len) {
		if (i == len || s[i] == ';') {
			if (content) {
				int rc = fn(arg, first, i - first);
				if (rc)
					return rc;
			}
			content = 0;
			start = ++i;
			(void)start;
			continue;
		}
		char ch = s[i];
		if (ch == '-' && i + 1 < len && s[i + 1] == '-') {
			while (i < len && s[i] != '\n')
				i++;
			continue;
		}
		if (ch == '/' && i + 1 < len && s[i + 1] == '*') {
			int depth = 1;
			i += 2;
			while (i < len && depth) {
				if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
					depth++;
					i += 2;
				} else if (s[i] == '*' && i + 1 < len && s[i + 1] == '/') {
					depth--;
					i += 2;
				} else {
					i++;
				}
			}
			continue;
		}
		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f') {
			i++;
			continue;
		}
		if (!content) {
			content = 1;
			first = i;
		}
		if (ch == '\'' || ch == '"') {
			int esc = ch == '\'' && i > 0 && (s[i - 1] == 'E' || s[i - 1] == 'e') &&
				  (i < 2 || !(((s[i - 2] | 0x20) >= 'a' && (s[i - 2] | 0x20) <= 'z') ||
					      (s[i - 2] >= '0' && s[i - 2] <= '9') || s[i - 2] == '_'));
			i++;
			while (i < len) {
				if (esc && s[i] == '\\' && i + 1 < len) {
					i += 2;
					continue;
				}
				if (s[i] == ch) {
					if (i + 1 < len && s[i + 1] == ch) {
						i += 2;
						continue;
					}
					break;
				}
				i++;
			}
			i++;
			continue;
		}
		if (ch == '$') {
			size_t j = i + 1;
			while (j < len && (((s[j] | 0x20) >= 'a' && (s[j] | 0x20) <= 'z') || s[j] == '_' ||
					   (j > i + 1 && s[j] >= '0' && s[j] <= '9')))
				j++;
			int ident_before = i > 0 && (((s[i - 1] | 0x20) >= 'a' && (s[i - 1] | 0x20) <= 'z') ||
						     (s[i - 1] >= '0' && s[i - 1] <= '9') || s[i - 1] == '_');
			if (j < len && s[j] == '$' && !ident_before) {
				size_t tag = j - i + 1;
				const char *end = NULL;
				for (size_t k = j + 1; k + tag <= len; k++)
					if (!memcmp(s + k, s + i, tag)) {
						end = s + k;
						break;
					}
				i = end ? (size_t)(end - s) + tag : len;
				continue;
			}
		}
		i++;
	}
	return 0;
}

struct exec_ctx {
	PGconn *c;
	const struct sql_action *a;
	struct sql_outcome *o;
	const char *text;
	int n;
	int failed;
};

static int exec_one(void *arg, size_t start, size_t len)
{
	struct exec_ctx *x = arg;
	const struct sql_action *a = x->a;
	const char *kind = pg_kind(x->text + start, len);
	x->n++;
	if (a->learner && a->max_statements > 0 && x->n > a->max_statements) {
		char msg[160];
		snprintf(msg, sizeof msg, "only %d statement%s allowed here, this is number %d",
			 a->max_statements, a->max_statements == 1 ? " is" : "s are", x->n);
		fail_at(x->o, "count", msg, x->text, start, x->n);
		x->o->kind = xstrdup(kind);
		return x->failed = 1;
	}
	if (a->learner && !allowed(a->allow, kind)) {
		fail_at(x->o, "policy", "this kind of statement is not allowed here", x->text, start,
			x->n);
		x->o->kind = xstrdup(kind);
		return x->failed = 1;
	}
	if (a->plan && (!strcmp(kind, "select") || !strcmp(kind, "dml")))
		add_plan(x->c, x->text, start, len, x->o);
	int had_rows;
	if (run_statement(x->c, x->text, start, len, x->n, x->o, &had_rows) != 0) {
		x->o->kind = xstrdup(kind);
		return x->failed = 1;
	}
	return 0;
}

static void add_lines(PGconn *c, struct sql_outcome *o, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++) {
		o->schema = xrealloc(o->schema, (o->nschema + 1) * sizeof *o->schema);
		o->schema[o->nschema++] = xstrdup(PQgetvalue(r, i, 0));
	}
	PQclear(r);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The schema of every schema but the system ones, as sorted facts. */
static void do_schema(PGconn *c, struct sql_outcome *o)
{
	static const char *const where =
	    "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT "
	    "LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'";
	char *q[4];
	q[0] = xasprintf("SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' "
			 "THEN 'materialized view' WHEN 'S' THEN 'sequence' WHEN 'p' THEN 'table' "
			 "ELSE 'relation' END || ' ' || c.relname FROM pg_class c JOIN pg_namespace n "
			 "ON n.oid = c.relnamespace WHERE c.relkind IN ('r','v','m','S','p') AND %s",
			 where);
	q[1] = xasprintf("SELECT 'table ' || c.relname || ' column ' || a.attname || ' ' || "
			 "upper(format_type(a.atttypid, a.atttypmod)) || CASE WHEN a.attnotnull THEN "
			 "' NOT NULL' ELSE ' NULL' END || ' default ' || "
			 "coalesce(pg_get_expr(d.adbin, d.adrelid), 'NULL') FROM pg_attribute a JOIN "
			 "pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = "
			 "c.relnamespace LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum "
			 "= a.attnum WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN "
			 "('r','p','v') AND %s",
			 where);
	q[2] = xasprintf("SELECT 'table ' || c.relname || ' constraint ' || "
			 "pg_get_constraintdef(k.oid) FROM pg_constraint k JOIN pg_class c ON c.oid "
			 "= k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE %s",
			 where);
	q[3] = xasprintf("SELECT 'index ' || i.indexname || ' ' || regexp_replace(i.indexdef, "
			 "'^CREATE (UNIQUE )?INDEX \\S+ ON (\\S+\\.)?', '\\1on ') FROM pg_indexes "
			 "i JOIN pg_namespace n ON n.nspname = i.schemaname WHERE %s",
			 where);
	for (int i = 0; i < 4; i++) {
		add_lines(c, o, q[i]);
		free(q[i]);
	}
	qsort(o->schema, o->nschema, sizeof *o->schema, cmp_str);
	o->ok = 1;
}

static void do_table(PGconn *c, const char *table, struct sql_outcome *o)
{
	const char *params[1] = {table};
	PGresult *r = PQexecParams(c,
				   "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN "
				   "pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = $1 AND "
				   "c.relkind IN ('r','p') AND n.nspname = 'public'",
				   1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		fail_at(o, "missing", "there is no such table", NULL, 0, 0);
		PQclear(r);
		return;
	}
	char *q = xasprintf("SELECT * FROM %s", PQgetvalue(r, 0, 0));
	PQclear(r);
	int had;
	if (run_statement(c, q, 0, strlen(q), 0, o, &had) == 0)
		o->ok = 1;
	free(q);
}

/* ---- building templates ---- */

static char *template_name(const char *key, size_t ds)
{
	return xasprintf("grader_tpl_%.16s_%zu", key, ds);
}

static int db_exists(PGconn *admin, const char *name)
{
	const char *params[1] = {name};
	PGresult *r = PQexecParams(admin, "SELECT 1 FROM pg_database WHERE datname = $1", 1, NULL,
				   params, NULL, NULL, 0);
	int yes = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	PQclear(r);
	return yes;
}

static int build_template(const char *conninfo, PGconn *admin, const struct sql_dataset *ds,
			  const char *name, char **msg)
{
	char *tmp = xasprintf("%s_build", name);
	int rc = -1;
	admin_execf(admin, NULL, "DROP DATABASE IF EXISTS %s WITH (FORCE)", tmp);
	if (admin_execf(admin, msg, "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8'", tmp) != 0)
		goto out;
	PGconn *c = connect_as(conninfo, tmp, NULL, NULL, msg);
	if (!c)
		goto out;
	PQsetNoticeProcessor(c, silence, NULL);
	if (admin_execf(c, msg, "ALTER SCHEMA public OWNER TO %s", PG_OWNER) != 0 ||
	    admin_execf(c, msg, "SET ROLE %s", PG_OWNER) != 0) {
		PQfinish(c);
		goto out;
	}
	for (size_t i = 0; i < ds->n; i++) {
		PGresult *r = PQexec(c, ds->scripts[i].text);
		ExecStatusType s = PQresultStatus(r);
		if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_EMPTY_QUERY) {
			const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
			int line = 0, col = 0;
			if (pos)
				utf8_position(ds->scripts[i].text, ds->scripts[i].len,
					      char_offset(ds->scripts[i].text, ds->scripts[i].len,
							  strtol(pos, NULL, 10)),
					      &line, &col);
			const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
			*msg = xasprintf("%s:%d:%d: %s", ds->scripts[i].label, line, col,
					 primary ? primary : PQresultErrorMessage(r));
			PQclear(r);
			PQfinish(c);
			goto out;
		}
		PQclear(r);
	}
	PQfinish(c);
	if (admin_execf(admin, msg, "ALTER DATABASE %s RENAME TO %s", tmp, name) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		admin_execf(admin, NULL, "DROP DATABASE IF EXISTS %s WITH (FORCE)", tmp);
	free(tmp);
	return rc;
}

static int pg_build(const struct exercise *ex, const char *key, const struct grade_env *env,
		    char **msg)
{
	(void)env;
	const struct sql_exercise *se = ex->data;
	const char *conninfo = admin_conninfo(msg);
	if (!conninfo)
		return -1;
	PGconn *admin = connect_as(conninfo, NULL, NULL, NULL, msg);
	if (!admin)
		return -1;
	PQsetNoticeProcessor(admin, silence, NULL);
	pthread_mutex_lock(&sweep_lock);
	if (!swept) {
		sweep(admin);
		swept = 1;
	}
	pthread_mutex_unlock(&sweep_lock);
	int rc = 0;
	/* the owner role of template objects, once per server */
	admin_execf(admin, NULL,
		    "DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '%s') THEN "
		    "CREATE ROLE %s NOLOGIN; END IF; END$$",
		    PG_OWNER, PG_OWNER);
	admin_execf(admin, NULL, "GRANT %s TO CURRENT_USER", PG_OWNER);
	char head[9];
	snprintf(head, sizeof head, "%.8s", key);
	unsigned lock = (unsigned)strtoul(head, NULL, 16) & 0x7fffffff;
	admin_execf(admin, NULL, "SELECT pg_advisory_lock(%d, %u)", PG_TPL_CLASS, lock);
	for (size_t d = 0; d < se->ndatasets && rc == 0; d++) {
		char *name = template_name(key, d);
		if (!db_exists(admin, name) && build_template(conninfo, admin, &se->datasets[d], name, msg) != 0) {
			if (d) {
				char *m = xasprintf("%s (dataset %s)", *msg, se->datasets[d].name);
				free(*msg);
				*msg = m;
			}
			rc = -1;
		}
		free(name);
	}
	admin_execf(admin, NULL, "SELECT pg_advisory_unlock(%d, %u)", PG_TPL_CLASS, lock);
	PQfinish(admin);
	return rc;
}

/* ---- runs ---- */

static void run_action(const char *conninfo, const char *db, const char *role, const char *pw,
		       const struct sql_action *a, struct sql_outcome *o)
{
	char *msg = NULL;
	double t0 = now_monotonic();
	PGconn *c = connect_as(conninfo, db, role, pw, &msg);
	if (!c) {
		fail_at(o, "internal", msg, NULL, 0, 0);
		free(msg);
		return;
	}
	PQsetNoticeProcessor(c, silence, NULL);
	switch (a->op) {
	case SQL_EXEC: {
		struct exec_ctx x = {.c = c, .a = a, .o = o, .text = a->script->text};
		sql_pg_split(a->script->text, a->script->len, exec_one, &x);
		if (!x.failed) {
			o->ok = 1;
			o->nstatements = x.n;
		}
		break;
	}
	case SQL_SCHEMA:
		do_schema(c, o);
		break;
	case SQL_TABLE:
		do_table(c, a->table, o);
		break;
	}
	PQfinish(c);
	o->ms = (now_monotonic() - t0) * 1000.0;
}

static int pg_run(const struct exercise *ex, const char *key, const struct ex_limits *limits,
		  const struct grade_env *env, struct sql_batch *b, size_t nb,
		  struct sql_run_info *info, char **msg)
{
	(void)env;
	const char *conninfo = admin_conninfo(msg);
	if (!conninfo)
		return -1;
	PGconn *admin = connect_as(conninfo, NULL, NULL, NULL, msg);
	if (!admin)
		return -1;
	PQsetNoticeProcessor(admin, silence, NULL);
	double t0 = now_monotonic();
	double wall = limits->wall_s > 0 ? limits->wall_s : 10.0;
	uint64_t mem = limits->mem_bytes ? limits->mem_bytes : 256ull << 20;
	int rc = 0;
	for (size_t i = 0; i < nb && rc == 0; i++) {
		b[i].out = xcalloc(b[i].n ? b[i].n : 1, sizeof *b[i].out);
		uint32_t rnd;
		unsigned char pwb[16];
		if (random_bytes(&rnd, sizeof rnd) != 0 || random_bytes(pwb, sizeof pwb) != 0) {
			*msg = xasprintf("cannot read /dev/urandom: %s", strerror(errno));
			rc = -1;
			break;
		}
		long id = (long)(rnd & 0x7fffffff);
		char name[48], pw[40], *tpl = template_name(key, b[i].dataset);
		snprintf(name, sizeof name, "grader_run_%ld", id);
		for (int k = 0; k < 16; k++)
			snprintf(pw + 2 * k, 3, "%02x", pwb[k]);
		admin_execf(admin, NULL, "SELECT pg_advisory_lock(%d, %ld)", PG_LOCK_CLASS, id);
		int made = admin_execf(admin, msg,
				       "CREATE ROLE %s LOGIN PASSWORD '%s' NOSUPERUSER NOCREATEDB "
				       "NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 2",
				       name, pw) == 0 &&
			   admin_execf(admin, msg, "CREATE DATABASE %s TEMPLATE %s", name, tpl) == 0;
		free(tpl);
		if (made) {
			PGconn *c = connect_as(conninfo, name, NULL, NULL, msg);
			made = c && admin_execf(c, msg, "REASSIGN OWNED BY %s TO %s", PG_OWNER, name) == 0 &&
			       admin_execf(c, msg, "REVOKE ALL ON SCHEMA public FROM PUBLIC") == 0;
			PQfinish(c);
		}
		if (made)
			made = admin_execf(admin, msg, "REVOKE ALL ON DATABASE %s FROM PUBLIC", name) == 0 &&
			       admin_execf(admin, msg, "GRANT CONNECT, TEMPORARY ON DATABASE %s TO %s", name,
					   name) == 0 &&
			       admin_execf(admin, msg,
					   "ALTER ROLE %s SET statement_timeout = %ld; ALTER ROLE %s SET "
					   "lock_timeout = %ld; ALTER ROLE %s SET "
					   "idle_in_transaction_session_timeout = %ld; ALTER ROLE %s SET "
					   "work_mem = '%lukB'; ALTER ROLE %s SET temp_file_limit = '%lukB'",
					   name, (long)(wall * 1000), name, (long)(wall * 1000), name,
					   (long)(wall * 2000), name,
					   (unsigned long)(mem / 1024 / 16 > 64 ? mem / 1024 / 16 : 64), name,
					   (unsigned long)(mem / 1024)) == 0;
		if (made) {
			for (size_t k = 0; k < b[i].n; k++) {
				run_action(conninfo, name, name, pw,
					   &b[i].actions[k], &b[i].out[k]);
			}
		} else {
			char *m = xasprintf("cannot make the database for the SQL run: %s", *msg);
			free(*msg);
			*msg = m;
			rc = -1;
		}
		admin_execf(admin, NULL, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
		admin_execf(admin, NULL, "DROP ROLE IF EXISTS %s", name);
		admin_execf(admin, NULL, "SELECT pg_advisory_unlock(%d, %ld)", PG_LOCK_CLASS, id);
	}
	info->wall_ms = (now_monotonic() - t0) * 1000.0;
	PQfinish(admin);
	return rc;
}

const struct sql_engine sql_pg_engine = {
    .name = "postgres",
    .build = pg_build,
    .run = pg_run,
};
