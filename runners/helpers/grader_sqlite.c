/*
 * grader_sqlite.c - grader-sqlite, the sql kind's SQLite engine. It runs
 * only inside the sandbox, started by runners/sql_sqlite.c: the grader
 * itself never opens a database learner SQL has touched.
 *
 * Input (stdin): one JSON object the grader wrote,
 *   {"deadline_ms": N, "heap_limit": BYTES, "max_rows": N, "max_bytes": N,
 *    "actions": [ACTION, ...]}
 * Each action runs on a connection of its own to the database file it
 * names, so nothing a learner's script leaves in a session (a TEMP view
 * shadowing a table, an open transaction, a pragma) reaches the next one:
 *   {"db": PATH, "op": "exec", "sql": TEXT, "label": NAME,
 *    "learner": bool,              the text is the learner's: authorizer on
 *    "allow": ["select", ...],     statement kinds allowed (learner only)
 *    "max_statements": N,
 *    "plan": bool,                 EXPLAIN QUERY PLAN each statement first
 *    "reverse": bool}              re-run the captured SELECT with
 *                                  reverse_unordered_selects on
 *   {"db": PATH, "op": "schema"}   the schema, one normalised line a fact
 *   {"db": PATH, "op": "table", "name": NAME}   all rows of a table
 * Output (stdout): {"results": [RESULT, ...]}, one per action, in order:
 *   {"ok": true, "statements": N, "columns": [...], "rows": [[V, ...]],
 *    "truncated": bool, "plan": [FACT, ...], "plan_detail": [LINE, ...],
 *    "reversed": [[V, ...]],
 *    "schema": [LINE, ...], "ms": F}
 *   {"ok": false, "code": "sql|timeout|nomem|denied|limit|policy|count", "message": M,
 *    "offset": BYTES, "line": L, "col": C, "statement": N, "kind": K}
 * A value V is null or a string whose first letter gives the type:
 * "i:42", "r:2.5", "t:text", "x:<hex>" (a text that is not UTF-8 or holds
 * a NUL, as hex), "b:<hex>" (a blob). Actions after a failed one still run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#define MAX_INPUT (64u << 20)

static double deadline;  /* CLOCK_MONOTONIC seconds; 0: none */
static int timed_out;
static long long max_rows = 10000, max_bytes = 4 << 20;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int progress(void *unused)
{
	(void)unused;
	if (deadline > 0 && now_s() > deadline) {
		timed_out = 1;
		return 1;
	}
	return 0;
}

/* Learner statements: no ATTACH/DETACH, and only pragmas that read the
 * schema or set harmless per-connection behaviour. */
static int authorize(void *unused, int code, const char *a, const char *b, const char *c,
		     const char *d)
{
	(void)unused;
	(void)b;
	(void)c;
	(void)d;
	static const char *const pragmas[] = {
	    "table_info",   "table_xinfo",      "index_list",    "index_info",
	    "index_xinfo",  "foreign_key_list", "foreign_keys",  "defer_foreign_keys",
	    "recursive_triggers", "case_sensitive_like", "collation_list", "function_list",
	    "pragma_list",  "table_list",       "foreign_key_check", "integrity_check",
	    "quick_check",  NULL};
	switch (code) {
	case SQLITE_ATTACH:
	case SQLITE_DETACH:
		return SQLITE_DENY;
	case SQLITE_PRAGMA:
		for (int i = 0; pragmas[i]; i++)
			if (a && !sqlite3_stricmp(a, pragmas[i]))
				return SQLITE_OK;
		return SQLITE_DENY;
	case SQLITE_FUNCTION:
		if (b && (!sqlite3_stricmp(b, "load_extension") ||
			  !sqlite3_stricmp(b, "fts3_tokenizer")))
			return SQLITE_DENY;
		return SQLITE_OK;
	default:
		return SQLITE_OK;
	}
}

static int valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t k;
		if (c == 0)
			return 0;
		if (c < 0x80)
			k = 0;
		else if (c >= 0xC2 && c <= 0xDF)
			k = 1;
		else if ((c & 0xF0) == 0xE0)
			k = 2;
		else if (c >= 0xF0 && c <= 0xF4)
			k = 3;
		else
			return 0;
		if (i + k >= n && k > 0)
			return 0;
		for (size_t j = 1; j <= k; j++)
			if ((s[i + j] & 0xC0) != 0x80)
				return 0;
		i += k + 1;
	}
	return 1;
}

static cJSON *hex_value(char tag, const unsigned char *p, size_t n)
{
	char *s = malloc(2 * n + 3);
	if (!s)
		return cJSON_CreateNull();
	s[0] = tag;
	s[1] = ':';
	for (size_t i = 0; i < n; i++)
		snprintf(s + 2 + 2 * i, 3, "%02x", p[i]);
	s[2 + 2 * n] = '\0';
	cJSON *v = cJSON_CreateString(s);
	free(s);
	return v;
}

/* One column of the current row as a tagged value; adds its size to *bytes. */
static cJSON *value_of(sqlite3_stmt *st, int col, long long *bytes)
{
	char buf[64];
	int n;
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_NULL:
		*bytes += 4;
		return cJSON_CreateNull();
	case SQLITE_INTEGER:
		snprintf(buf, sizeof buf, "i:%lld", (long long)sqlite3_column_int64(st, col));
		*bytes += (long long)strlen(buf);
		return cJSON_CreateString(buf);
	case SQLITE_FLOAT:
		/* SQLite's own rendering (as the sqlite3 shell prints it) */
		snprintf(buf, sizeof buf, "r:%s", (const char *)sqlite3_column_text(st, col));
		*bytes += (long long)strlen(buf);
		return cJSON_CreateString(buf);
	case SQLITE_BLOB: {
		const unsigned char *p = sqlite3_column_blob(st, col);
		n = sqlite3_column_bytes(st, col);
		*bytes += 2 * (long long)n + 2;
		return hex_value('b', p, (size_t)n);
	}
	default: {
		const unsigned char *p = sqlite3_column_text(st, col);
		n = sqlite3_column_bytes(st, col);
		*bytes += (long long)n + 2;
		if (!p)
			return cJSON_CreateString("t:");
		if (!valid_utf8(p, (size_t)n))
			return hex_value('x', p, (size_t)n);
		char *s = malloc((size_t)n + 3);
		if (!s)
			return cJSON_CreateNull();
		s[0] = 't';
		s[1] = ':';
		memcpy(s + 2, p, (size_t)n);
		s[n + 2] = '\0';
		cJSON *v = cJSON_CreateString(s);
		free(s);
		return v;
	}
	}
}

static void position(const char *text, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && text[i]; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

static void fail(cJSON *res, const char *code, const char *msg, const char *text, long off,
		 int stmt)
{
	cJSON_AddFalseToObject(res, "ok");
	cJSON_AddStringToObject(res, "code", code);
	cJSON_AddStringToObject(res, "message", msg);
	if (text && off >= 0) {
		int line, col;
		position(text, (size_t)off, &line, &col);
		cJSON_AddNumberToObject(res, "offset", (double)off);
		cJSON_AddNumberToObject(res, "line", line);
		cJSON_AddNumberToObject(res, "col", col);
	}
	if (stmt > 0)
		cJSON_AddNumberToObject(res, "statement", stmt);
}

/* The kind of a statement, from its first keyword and what it does. */
static const char *stmt_kind(sqlite3_stmt *st)
{
	const char *s = sqlite3_sql(st);
	while (*s) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '(') {
			s++;
		} else if (s[0] == '-' && s[1] == '-') {
			while (*s && *s != '\n')
				s++;
		} else if (s[0] == '/' && s[1] == '*') {
			const char *e = strstr(s + 2, "*/");
			s = e ? e + 2 : s + strlen(s);
		} else {
			break;
		}
	}
	static const struct {
		const char *word, *kind;
	} words[] = {{"select", "select"}, {"values", "select"},  {"insert", "dml"},
		     {"update", "dml"},    {"delete", "dml"},     {"replace", "dml"},
		     {"create", "ddl"},    {"drop", "ddl"},       {"alter", "ddl"},
		     {"begin", "transaction"}, {"commit", "transaction"}, {"end", "transaction"},
		     {"rollback", "transaction"}, {"savepoint", "transaction"},
		     {"release", "transaction"}, {"pragma", "pragma"}, {"explain", "explain"},
		     {"with", NULL}};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		size_t n = strlen(words[i].word);
		if (!sqlite3_strnicmp(s, words[i].word, (int)n) &&
		    !((s[n] | 0x20) >= 'a' && (s[n] | 0x20) <= 'z') && s[n] != '_') {
			if (words[i].kind)
				return words[i].kind;
			/* WITH ...: a SELECT unless it changes something */
			return sqlite3_stmt_readonly(st) ? "select" : "dml";
		}
	}
	return "other";
}

static int allowed(const cJSON *allow, const char *kind)
{
	if (!cJSON_IsArray(allow))
		return 1;
	const cJSON *a;
	cJSON_ArrayForEach(a, allow)
	{
		if (cJSON_IsString(a) && !strcmp(a->valuestring, kind))
			return 1;
	}
	return 0;
}

static sqlite3 *open_db(const char *path, int learner, cJSON *res)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		fail(res, "internal", db ? sqlite3_errmsg(db) : "cannot open the database", NULL, -1, 0);
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0, NULL);
	sqlite3_progress_handler(db, 1000, progress, NULL);
	/* Sorts and temporary tables stay in memory, under the heap limit,
	 * rather than in files of the sandbox's /tmp. */
	sqlite3_exec(db, "PRAGMA temp_store = MEMORY", NULL, NULL, NULL);
	if (learner) {
		sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
		sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 16 << 20);
		sqlite3_set_authorizer(db, authorize, NULL);
	}
	return db;
}

/* Steps st to its end, keeping at most max_rows rows in *rows (NULL: none
 * kept). 0, or the failing sqlite3_step code. */
static int collect(sqlite3_stmt *st, cJSON **rows, int *truncated)
{
	long long bytes = 0, n = 0;
	int rc, ncol = sqlite3_column_count(st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!rows)
			continue;
		if (n >= max_rows || bytes >= max_bytes) {
			*truncated = 1;
			return SQLITE_DONE;
		}
		cJSON *row = cJSON_CreateArray();
		for (int c = 0; c < ncol; c++)
			cJSON_AddItemToArray(row, value_of(st, c, &bytes));
		cJSON_AddItemToArray(*rows, row);
		n++;
	}
	return rc == SQLITE_DONE ? SQLITE_DONE : rc;
}

static const char *error_code(sqlite3 *db, int rc)
{
	if (timed_out)
		return "timeout";
	if (rc == SQLITE_NOMEM || sqlite3_errcode(db) == SQLITE_NOMEM)
		return "nomem";
	if (rc == SQLITE_AUTH || sqlite3_errcode(db) == SQLITE_AUTH)
		return "denied";
	if (rc == SQLITE_TOOBIG)
		return "limit";
	return "sql";
}

static const char *error_text(sqlite3 *db)
{
	if (timed_out)
		return "the statement ran past its time limit";
	return sqlite3_errmsg(db);
}

/* The name of the main-schema object whose root page is root, and for an
 * index the table it belongs to. */
static int object_of(sqlite3 *db, int root, char *name, size_t nlen, char *tbl, size_t tlen,
		     int *is_index)
{
	sqlite3_stmt *st = NULL;
	int found = 0;
	if (sqlite3_prepare_v2(db, "SELECT type, name, tbl_name FROM main.sqlite_schema WHERE "
				   "rootpage = ?1",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int(st, 1, root);
		if (sqlite3_step(st) == SQLITE_ROW) {
			*is_index = !strcmp((const char *)sqlite3_column_text(st, 0), "index");
			snprintf(name, nlen, "%s", (const char *)sqlite3_column_text(st, 1));
			snprintf(tbl, tlen, "%s", (const char *)sqlite3_column_text(st, 2));
			found = 1;
		}
	}
	sqlite3_finalize(st);
	return found;
}

#define PLAN_CURSORS 64

/*
 * How a statement reads each table, from its bytecode: every cursor that
 * OpenRead opens on a table or index of the main schema, and whether the
 * program walks it from one end (Rewind, Last: a scan) or positions it
 * (the Seek and Idx comparisons, NotExists: a search). Independent of the
 * aliases the query uses. Facts: "scan T", "scan T via index I",
 * "search T", "search T via index I"; the EXPLAIN QUERY PLAN lines go to
 * detail for people.
 */
static void add_plan(sqlite3 *db, const char *sql, cJSON *facts, cJSON *detail)
{
	char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
	sqlite3_stmt *st = NULL;
	if (q && sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(st, 3);
			cJSON_AddItemToArray(detail, cJSON_CreateString(d ? d : ""));
		}
	}
	sqlite3_finalize(st);
	sqlite3_free(q);
	struct {
		int used, root, scan, search;
	} cur[PLAN_CURSORS];
	memset(cur, 0, sizeof cur);
	q = sqlite3_mprintf("EXPLAIN %s", sql);
	st = NULL;
	if (q && sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *op = (const char *)sqlite3_column_text(st, 1);
			int p1 = sqlite3_column_int(st, 2), p2 = sqlite3_column_int(st, 3),
			    p3 = sqlite3_column_int(st, 4);
			if (!op || p1 < 0 || p1 >= PLAN_CURSORS)
				continue;
			if (!strcmp(op, "OpenRead") || !strcmp(op, "OpenWrite")) {
				if (p3 == 0) {
					cur[p1].used = 1;
					cur[p1].root = p2;
				}
			} else if (!strcmp(op, "Rewind") || !strcmp(op, "Last")) {
				cur[p1].scan = 1;
			} else if (!strncmp(op, "Seek", 4) || !strncmp(op, "Idx", 3) ||
				   !strcmp(op, "NotExists") || !strcmp(op, "DeferredSeek") ||
				   !strcmp(op, "Found") || !strcmp(op, "NotFound")) {
				cur[p1].search = 1;
			}
		}
	}
	sqlite3_finalize(st);
	sqlite3_free(q);
	for (int i = 0; i < PLAN_CURSORS; i++) {
		char name[256], tbl[256], fact[600];
		int is_index = 0;
		if (!cur[i].used || (!cur[i].scan && !cur[i].search) ||
		    !object_of(db, cur[i].root, name, sizeof name, tbl, sizeof tbl, &is_index))
			continue;
		if (is_index)
			snprintf(fact, sizeof fact, "%s %s via index %s",
				 cur[i].scan ? "scan" : "search", tbl, name);
		else
			snprintf(fact, sizeof fact, "%s %s", cur[i].scan ? "scan" : "search", name);
		int dup = 0;
		const cJSON *f;
		cJSON_ArrayForEach(f, facts)
		{
			if (!strcmp(f->valuestring, fact))
				dup = 1;
		}
		if (!dup)
			cJSON_AddItemToArray(facts, cJSON_CreateString(fact));
	}
}

static void do_exec(const cJSON *a, cJSON *res)
{
	const cJSON *jdb = cJSON_GetObjectItem(a, "db"), *jsql = cJSON_GetObjectItem(a, "sql");
	if (!cJSON_IsString(jdb) || !cJSON_IsString(jsql)) {
		fail(res, "internal", "an exec action needs db and sql", NULL, -1, 0);
		return;
	}
	int learner = cJSON_IsTrue(cJSON_GetObjectItem(a, "learner"));
	int want_plan = cJSON_IsTrue(cJSON_GetObjectItem(a, "plan"));
	int reverse = cJSON_IsTrue(cJSON_GetObjectItem(a, "reverse"));
	const cJSON *allow = learner ? cJSON_GetObjectItem(a, "allow") : NULL;
	const cJSON *jmax = cJSON_GetObjectItem(a, "max_statements");
	int maxst = learner && cJSON_IsNumber(jmax) ? jmax->valueint : 0;
	sqlite3 *db = open_db(jdb->valuestring, learner, res);
	if (!db)
		return;
	const char *text = jsql->valuestring, *tail = text;
	cJSON *cols = NULL, *rows = NULL, *plan = want_plan ? cJSON_CreateArray() : NULL;
	cJSON *detail = want_plan ? cJSON_CreateArray() : NULL;
	char *captured = NULL; /* the SQL of the statement whose rows are kept */
	int nst = 0, truncated = 0, failed = 0, captured_ro = 0;
	while (*tail) {
		sqlite3_stmt *st = NULL;
		const char *start = tail;
		int rc = sqlite3_prepare_v2(db, start, -1, &st, &tail);
		if (rc != SQLITE_OK) {
			/* Without an offset (no such table...), the statement's
			 * first character, past the blanks before it. */
			int off = sqlite3_error_offset(db);
			long at = (long)(start - text);
			if (off >= 0)
				at += off;
			else
				while (text[at] == ' ' || text[at] == '\n' || text[at] == '\t' ||
				       text[at] == '\r')
					at++;
			fail(res, error_code(db, rc), error_text(db), text, at, nst + 1);
			failed = 1;
			break;
		}
		if (!st)
			continue; /* only whitespace or a comment */
		nst++;
		const char *sql = sqlite3_sql(st);
		long off = (long)(start - text);
		while (text[off] == ' ' || text[off] == '\n' || text[off] == '\t' || text[off] == '\r')
			off++;
		const char *kind = stmt_kind(st);
		if (learner && maxst > 0 && nst > maxst) {
			char msg[160];
			snprintf(msg, sizeof msg, "only %d statement%s allowed here, this is number %d",
				 maxst, maxst == 1 ? " is" : "s are", nst);
			fail(res, "count", msg, text, off, nst);
			cJSON_AddStringToObject(res, "kind", kind);
			sqlite3_finalize(st);
			failed = 1;
			break;
		}
		if (learner && !allowed(allow, kind)) {
			fail(res, "policy", "this kind of statement is not allowed here", text, off, nst);
			cJSON_AddStringToObject(res, "kind", kind);
			sqlite3_finalize(st);
			failed = 1;
			break;
		}
		if (plan && (!strcmp(kind, "select") || !strcmp(kind, "dml")))
			add_plan(db, sql, plan, detail);
		int ncol = sqlite3_column_count(st);
		cJSON *these = NULL;
		if (ncol > 0) {
			these = cJSON_CreateArray();
			truncated = 0;
		}
		rc = collect(st, these ? &these : NULL, &truncated);
		if (rc != SQLITE_DONE) {
			fail(res, error_code(db, rc), error_text(db), text, off, nst);
			cJSON_AddStringToObject(res, "kind", kind);
			cJSON_Delete(these);
			sqlite3_finalize(st);
			failed = 1;
			break;
		}
		if (these) {
			cJSON_Delete(cols);
			cJSON_Delete(rows);
			cols = cJSON_CreateArray();
			for (int c = 0; c < ncol; c++) {
				const char *name = sqlite3_column_name(st, c);
				cJSON_AddItemToArray(cols, cJSON_CreateString(name ? name : ""));
			}
			rows = these;
			free(captured);
			captured = strdup(sql);
			captured_ro = sqlite3_stmt_readonly(st) && !strcmp(kind, "select");
		}
		sqlite3_finalize(st);
	}
	if (!failed) {
		cJSON_AddTrueToObject(res, "ok");
		cJSON_AddNumberToObject(res, "statements", nst);
		if (cols) {
			cJSON_AddItemToObject(res, "columns", cols);
			cJSON_AddItemToObject(res, "rows", rows);
			cJSON_AddBoolToObject(res, "truncated", truncated);
			cols = rows = NULL;
		}
		if (reverse && captured && captured_ro) {
			sqlite3_stmt *st = NULL;
			int t = 0;
			sqlite3_set_authorizer(db, NULL, NULL);
			sqlite3_exec(db, "PRAGMA reverse_unordered_selects=1", NULL, NULL, NULL);
			if (sqlite3_prepare_v2(db, captured, -1, &st, NULL) == SQLITE_OK) {
				cJSON *rev = cJSON_CreateArray();
				if (collect(st, &rev, &t) == SQLITE_DONE)
					cJSON_AddItemToObject(res, "reversed", rev);
				else
					cJSON_Delete(rev);
			}
			sqlite3_finalize(st);
		}
	}
	if (plan) {
		cJSON_AddItemToObject(res, "plan", plan);
		cJSON_AddItemToObject(res, "plan_detail", detail);
	}
	cJSON_Delete(cols);
	cJSON_Delete(rows);
	free(captured);
	sqlite3_close(db);
}

static void add_query_lines(sqlite3 *db, cJSON *out, const char *prefix, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		char line[1024];
		int n = snprintf(line, sizeof line, "%s", prefix);
		for (int c = 0; c < sqlite3_column_count(st) && n < (int)sizeof line; c++) {
			const char *v = (const char *)sqlite3_column_text(st, c);
			n += snprintf(line + n, sizeof line - (size_t)n, " %s", v ? v : "NULL");
		}
		cJSON_AddItemToArray(out, cJSON_CreateString(line));
	}
	sqlite3_finalize(st);
}

/* The schema as facts: tables and views with their columns, keys,
 * foreign keys, indexes and triggers, sorted by the grader. */
static void do_schema(const cJSON *a, cJSON *res)
{
	const cJSON *jdb = cJSON_GetObjectItem(a, "db");
	sqlite3 *db = cJSON_IsString(jdb) ? open_db(jdb->valuestring, 0, res) : NULL;
	if (!db) {
		if (!cJSON_GetObjectItem(res, "ok"))
			fail(res, "internal", "a schema action needs db", NULL, -1, 0);
		return;
	}
	cJSON *lines = cJSON_CreateArray();
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db,
			       "SELECT type, name, tbl_name FROM sqlite_schema WHERE name NOT LIKE "
			       "'sqlite_%' ORDER BY type, name",
			       -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *type = (const char *)sqlite3_column_text(st, 0);
			const char *name = (const char *)sqlite3_column_text(st, 1);
			const char *tbl = (const char *)sqlite3_column_text(st, 2);
			char *prefix, *q;
			if (!strcmp(type, "table") || !strcmp(type, "view")) {
				prefix = sqlite3_mprintf("%s %s", type, name);
				cJSON_AddItemToArray(lines, cJSON_CreateString(prefix));
				sqlite3_free(prefix);
				prefix = sqlite3_mprintf("%s %s column", type, name);
				q = sqlite3_mprintf("SELECT name, upper(type), CASE WHEN \"notnull\" "
						    "THEN 'NOT NULL' ELSE 'NULL' END, 'default', "
						    "dflt_value, 'pk', pk FROM pragma_table_info(%Q)",
						    name);
				add_query_lines(db, lines, prefix, q);
				sqlite3_free(q);
				sqlite3_free(prefix);
				prefix = sqlite3_mprintf("table %s foreign key", name);
				q = sqlite3_mprintf("SELECT \"from\", 'references', \"table\", \"to\", "
						    "'on update', on_update, 'on delete', on_delete "
						    "FROM pragma_foreign_key_list(%Q)",
						    name);
				add_query_lines(db, lines, prefix, q);
				sqlite3_free(q);
				sqlite3_free(prefix);
			} else if (!strcmp(type, "index")) {
				prefix = sqlite3_mprintf("index %s on %s", name, tbl);
				q = sqlite3_mprintf("SELECT (SELECT CASE WHEN \"unique\" THEN "
						    "'unique' ELSE '' END FROM pragma_index_list(%Q) "
						    "WHERE name = %Q), group_concat(name, ',') FROM "
						    "(SELECT name FROM pragma_index_info(%Q) ORDER BY "
						    "seqno)",
						    tbl, name, name);
				add_query_lines(db, lines, prefix, q);
				sqlite3_free(q);
				sqlite3_free(prefix);
			} else {
				prefix = sqlite3_mprintf("%s %s on %s", type, name, tbl);
				cJSON_AddItemToArray(lines, cJSON_CreateString(prefix));
				sqlite3_free(prefix);
			}
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	cJSON_AddTrueToObject(res, "ok");
	cJSON_AddItemToObject(res, "schema", lines);
}

static void do_table(const cJSON *a, cJSON *res)
{
	const cJSON *jdb = cJSON_GetObjectItem(a, "db"), *jname = cJSON_GetObjectItem(a, "name");
	if (!cJSON_IsString(jdb) || !cJSON_IsString(jname)) {
		fail(res, "internal", "a table action needs db and name", NULL, -1, 0);
		return;
	}
	sqlite3 *db = open_db(jdb->valuestring, 0, res);
	if (!db)
		return;
	sqlite3_stmt *st = NULL;
	int is_table = 0;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, jname->valuestring, -1, SQLITE_STATIC);
		is_table = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (!is_table) {
		fail(res, "missing", "there is no such table", NULL, -1, 0);
		sqlite3_close(db);
		return;
	}
	char *q = sqlite3_mprintf("SELECT * FROM main.\"%w\"", jname->valuestring);
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
		fail(res, "sql", sqlite3_errmsg(db), NULL, -1, 0);
	} else {
		cJSON *cols = cJSON_CreateArray(), *rows = cJSON_CreateArray();
		for (int c = 0; c < sqlite3_column_count(st); c++)
			cJSON_AddItemToArray(cols, cJSON_CreateString(sqlite3_column_name(st, c)));
		int truncated = 0;
		int rc = collect(st, &rows, &truncated);
		if (rc != SQLITE_DONE) {
			fail(res, error_code(db, rc), error_text(db), NULL, -1, 0);
			cJSON_Delete(cols);
			cJSON_Delete(rows);
		} else {
			cJSON_AddTrueToObject(res, "ok");
			cJSON_AddItemToObject(res, "columns", cols);
			cJSON_AddItemToObject(res, "rows", rows);
			cJSON_AddBoolToObject(res, "truncated", truncated);
		}
	}
	sqlite3_finalize(st);
	sqlite3_free(q);
	sqlite3_close(db);
}

int main(void)
{
	size_t cap = 1 << 16, len = 0;
	char *in = malloc(cap);
	size_t n;
	while (in && (n = fread(in + len, 1, cap - len - 1, stdin)) > 0) {
		len += n;
		if (len + 1 == cap) {
			if (cap >= MAX_INPUT)
				break;
			cap *= 2;
			in = realloc(in, cap);
		}
	}
	if (!in)
		return 3;
	in[len] = '\0';
	cJSON *req = cJSON_Parse(in);
	free(in);
	if (!req) {
		fputs("grader-sqlite: the request is not JSON\n", stderr);
		return 3;
	}
	const cJSON *v;
	double per_action = 0;
	if (cJSON_IsNumber(v = cJSON_GetObjectItem(req, "deadline_ms")))
		per_action = v->valuedouble / 1000.0;
	if (cJSON_IsNumber(v = cJSON_GetObjectItem(req, "heap_limit")) && v->valuedouble > 0)
		sqlite3_hard_heap_limit64((sqlite3_int64)v->valuedouble);
	if (cJSON_IsNumber(v = cJSON_GetObjectItem(req, "max_rows")) && v->valuedouble > 0)
		max_rows = (long long)v->valuedouble;
	if (cJSON_IsNumber(v = cJSON_GetObjectItem(req, "max_bytes")) && v->valuedouble > 0)
		max_bytes = (long long)v->valuedouble;
	cJSON *out = cJSON_CreateObject(), *results = cJSON_AddArrayToObject(out, "results");
	const cJSON *a;
	cJSON_ArrayForEach(a, cJSON_GetObjectItem(req, "actions"))
	{
		cJSON *res = cJSON_CreateObject();
		const cJSON *op = cJSON_GetObjectItem(a, "op");
		double t0 = now_s();
		timed_out = 0;
		deadline = per_action > 0 ? t0 + per_action : 0;
		if (cJSON_IsString(op) && !strcmp(op->valuestring, "exec"))
			do_exec(a, res);
		else if (cJSON_IsString(op) && !strcmp(op->valuestring, "schema"))
			do_schema(a, res);
		else if (cJSON_IsString(op) && !strcmp(op->valuestring, "table"))
			do_table(a, res);
		else
			fail(res, "internal", "unknown action", NULL, -1, 0);
		cJSON_AddNumberToObject(res, "ms", (now_s() - t0) * 1000.0);
		cJSON_AddItemToArray(results, res);
	}
	char *text = cJSON_PrintUnformatted(out);
	if (!text)
		return 3;
	fputs(text, stdout);
	fputc('\n', stdout);
	free(text);
	cJSON_Delete(out);
	cJSON_Delete(req);
	return fflush(stdout) == 0 ? 0 : 3;
}
