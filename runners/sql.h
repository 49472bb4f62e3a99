/*
 * sql.h - between the sql kind (runners/sql.c: YAML, expectations,
 * feedback) and its engines (runners/sql_sqlite.c, runners/sql_pg.c: where
 * and how SQL runs). Not a contract for other parts.
 *
 * The kind describes what to run as batches of actions; an engine runs
 * each batch on a fresh private copy of one dataset of the exercise (the
 * database its setup scripts build, or one of its other datasets) and
 * fills one outcome per action. Every action runs in a session of its
 * own, so nothing a learner's script leaves in a session (a temporary
 * object, an open transaction, a setting) reaches the next action.
 */
#ifndef GRADER_RUNNERS_SQL_H
#define GRADER_RUNNERS_SQL_H

#include <stddef.h>

#include "grader/grade/runner.h"
#include "grader/match/rows.h"

enum sql_engine_id { SQL_SQLITE, SQL_POSTGRES };

/* A script: its name for messages and its text. */
struct sql_script {
	char *label;
	char *text;
	size_t len;
};

/* A dataset: the scripts that build it, in order. Dataset 0 is the
 * exercise's setup; the others are its 'datasets'. */
struct sql_dataset {
	char *name;
	struct sql_script *scripts;
	size_t n;
};

struct sql_exercise {
	enum sql_engine_id engine;
	struct sql_dataset *datasets;
	size_t ndatasets;
};

enum sql_op { SQL_EXEC, SQL_SCHEMA, SQL_TABLE };

struct sql_action {
	enum sql_op op;
	const struct sql_script *script; /* SQL_EXEC */
	int learner;                     /* the learner's text: restrictions apply */
	const char *const *allow;        /* statement kinds allowed, NULL: any */
	int max_statements;              /* 0: any number */
	int plan, reverse;               /* SQL_EXEC: collect the plan; re-run reversed */
	const char *table;               /* SQL_TABLE */
};

/* What one action did. Statement kinds: select, dml, ddl, transaction,
 * pragma, explain, other. */
struct sql_outcome {
	int ok;
	char code[16];  /* on failure: sql, timeout, nomem, denied, limit, missing,
			   internal; policy (a kind 'allow' refuses), count (past
			   max_statements); crashed (no answer from the engine) */
	char *message;  /* the engine's own words */
	int line, col;  /* in the script; 0 when unknown */
	int statement;  /* 1-based; 0 when unknown */
	char *kind;     /* the failing statement's kind, or NULL */
	int nstatements;
	int has_rows, has_reversed;
	struct rows rows, reversed;
	char **plan;    /* facts: "scan T", "search T via index I" */
	size_t nplan;
	char **plan_detail; /* the engine's own plan text, for people */
	size_t nplan_detail;
	char **schema;  /* one fact a line, sorted */
	size_t nschema;
	double ms;
};

struct sql_batch {
	size_t dataset;
	const struct sql_action *actions;
	size_t n;
	struct sql_outcome *out; /* n, filled by the engine */
};

/* How a run of batches ended, beyond each outcome. */
struct sql_run_info {
	int sandboxed;          /* the sandbox ran it: res is set */
	struct sbx_result res;
	double wall_ms;
};

struct sql_engine {
	const char *name;
	/* Builds (or finds cached) every dataset of ex. 0, or -1 with msg
	 * (heap) for an error in the exercise or the engine. */
	int (*build)(const struct exercise *ex, const char *cache_key, const struct grade_env *env,
		     char **msg);
	/* Runs the batches, each on a fresh copy of its dataset, within
	 * limits. 0 (outcomes filled; info says how the run ended), or -1 with
	 * msg (heap): the grader could not run them. */
	int (*run)(const struct exercise *ex, const char *cache_key, const struct ex_limits *limits,
		   const struct grade_env *env, struct sql_batch *b, size_t nb,
		   struct sql_run_info *info, char **msg);
};

/* Reads the exercise's script rel (written at n; what names it in
 * messages: "setup script") into s, refusing a NUL byte. 0, or -1 after
 * a positioned diagnostic. */
int sql_load_script(const struct exercise *ex, const struct yaml_node *n, const char *rel,
		    const char *what, struct sql_script *s, struct diag *d);

/* Builds a fresh SQLite database by running the scripts, in order, in
 * grader-sqlite inside the sandbox (within limits): for another kind
 * that hands a learner's program a database (http's server.sqlite).
 * 0 with the file's bytes in *data (heap), or -1 with msg (heap):
 * "schema.sql:3:7: near "TABL": syntax error". */
int sql_sqlite_make_db(const struct sql_script *scripts, size_t n, const struct ex_limits *limits,
		       const struct grade_env *env, char **data, size_t *len, char **msg);

extern const struct sql_engine sql_sqlite_engine;
extern const struct sql_engine sql_pg_engine;

void sql_outcome_free(struct sql_outcome *o);
void sql_run_info_free(struct sql_run_info *info);

/* Parses one outcome from the JSON an engine produced (the helper's
 * format, runners/helpers/grader_sqlite.c). 0, or -1 when it is not one. */
struct cJSON;
int sql_outcome_from_json(struct sql_outcome *o, const struct cJSON *j);

/* Statement boundaries of PostgreSQL text (runners/sql_pg.c): calls fn
 * with the start and length of every statement that holds more than
 * blanks and comments; stops when fn returns non-zero and returns that. */
int sql_pg_split(const char *s, size_t len, int (*fn)(void *arg, size_t start, size_t len),
		 void *arg);

#endif
