/*
 * sql.c - the sql kind: the learner's SQL files run against a private
 * copy of a database the exercise's setup scripts build, and each check
 * compares what came out (a result set, the resulting tables, the schema,
 * the query plan) with inline rows, a CSV file, or what the reference
 * solution (solution/ of the exercise) gives on the same data. The
 * engines (sql.h) decide where SQL runs: runners/sql_sqlite.c in the
 * sandbox, runners/sql_pg.c on a PostgreSQL server in a throwaway
 * database. docs/kinds/sql.md is the reference, docs/security.md the
 * limits.
 *
 * prepare builds the datasets (cached per exercise version) and runs the
 * reference solution once for every check that compares with it; each
 * check then runs the learner's files in a batch of its own per dataset.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "runners/sql.h"
#include "grader/grade/workdir.h"
#include "grader/util/util.h"

#define SQL_MAX_SCRIPT (16u << 20) /* a setup script or a learner's file */
#define SQL_MAX_CSV    (16u << 20)
#define SQL_SHOW_ROWS  20 /* rows of a result shown in a failed check */
#define SQL_EXCERPT    600

static const char *const sql_exercise_keys[] = {"sql", NULL};
static const char *const sql_check_keys[] = {"run", "allow", "max_statements", "verify",
					     "datasets", "expect", NULL};
static const char *const sql_keys[] = {"engine", "setup", "datasets", NULL};
static const char *const stmt_kinds[] = {"select", "dml", "ddl", "transaction", "pragma",
					 "explain", "other", NULL};
static const char *const stmt_words[] = {"SELECT", "INSERT, UPDATE or DELETE",
					 "CREATE, ALTER or DROP", "a transaction statement",
					 "PRAGMA", "EXPLAIN", "another statement"};

enum rows_src { ROWS_NONE, ROWS_INLINE, ROWS_REFERENCE };
enum schema_src { SCHEMA_NONE, SCHEMA_REFERENCE, SCHEMA_SETUP };

struct sql_check {
	char **run; /* the learner's files, in order */
	size_t nrun;
	struct sql_script *ref; /* the reference solution's same files, or NULL */
	char **allow;           /* NULL-terminated, or NULL: any statement */
	int max_statements;
	struct sql_script verify; /* text NULL when absent */
	size_t *datasets;         /* dataset indexes, 0 (the setup) first */
	size_t ndatasets;
	enum rows_src rows_src;
	struct rows rows;
	struct rows_spec spec;
	enum schema_src schema;
	char **tables;
	size_t ntables;
	int fails;
	int plan_index;      /* the plan must use an index (plan_index_name if set) */
	char *plan_index_name;
	char **no_scan;      /* tables the plan must not scan */
	size_t nno_scan;
	int needs_reference; /* rows, schema or tables from the reference */
};

/* Per grading: the reference's outcomes, ref[check][dataset][action]. */
struct sql_state {
	char key[65];
	struct sql_batch **ref; /* per check: ndatasets batches, or NULL */
	struct sql_outcome *setup_schema;
};

static const struct sql_engine *engine_of(const struct exercise *ex)
{
	const struct sql_exercise *se = ex->data;
	return se->engine == SQL_POSTGRES ? &sql_pg_engine : &sql_sqlite_engine;
}

void sql_outcome_free(struct sql_outcome *o)
{
	free(o->message);
	free(o->kind);
	rows_free(&o->rows);
	rows_free(&o->reversed);
	for (size_t i = 0; i < o->nplan; i++)
		free(o->plan[i]);
	free(o->plan);
	for (size_t i = 0; i < o->nplan_detail; i++)
		free(o->plan_detail[i]);
	free(o->plan_detail);
	for (size_t i = 0; i < o->nschema; i++)
		free(o->schema[i]);
	free(o->schema);
	memset(o, 0, sizeof *o);
}

void sql_run_info_free(struct sql_run_info *info)
{
	if (info->sandboxed)
		sbx_result_free(&info->res);
	memset(info, 0, sizeof *info);
}

/* ---- loading ---- */

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; l && i < n; i++)
		free(l[i]);
	free(l);
}

int sql_load_script(const struct exercise *ex, const struct yaml_node *n, const char *rel,
		    const char *what, struct sql_script *s, struct diag *d)
{
	char *path = exercise_file_path(ex, n, rel, what, SQL_MAX_SCRIPT, d);
	if (!path)
		return -1;
	int rc = read_file(path, SQL_MAX_SCRIPT, &s->text, &s->len);
	if (rc != 0)
		yaml_error(d, n, "%s '%s' cannot be read: %s", what, rel, strerror(errno));
	else if (memchr(s->text, '\0', s->len)) {
		yaml_error(d, n, "%s '%s' holds a NUL byte", what, rel);
		rc = -1;
	}
	free(path);
	if (rc != 0) {
		free(s->text);
		s->text = NULL;
		return -1;
	}
	s->label = xstrdup(rel);
	return 0;
}

static void free_dataset(struct sql_dataset *ds)
{
	for (size_t i = 0; i < ds->n; i++) {
		free(ds->scripts[i].label);
		free(ds->scripts[i].text);
	}
	free(ds->scripts);
	free(ds->name);
}

static int load_dataset(const struct exercise *ex, struct sql_dataset *ds, const char *name,
			const struct yaml_node *n, struct diag *d)
{
	const char **list;
	size_t count;
	ds->name = xstrdup(name);
	if (yaml_to_str_list(n, "a dataset's scripts", &list, &count, d) != 0)
		return -1;
	int bad = 0;
	ds->scripts = xcalloc(count + 1, sizeof *ds->scripts);
	for (size_t i = 0; i < count; i++) {
		const struct yaml_node *item = n->kind == YAML_SEQ ? n->items[i] : n;
		if (sql_load_script(ex, item, list[i], "setup script", &ds->scripts[ds->n], d) != 0)
			bad = 1;
		else
			ds->n++;
	}
	free(list);
	return bad ? -1 : 0;
}

static int sql_load(struct exercise *ex, const struct yaml_node *spec, struct diag *d)
{
	struct sql_exercise *se = xcalloc(1, sizeof *se);
	ex->data = se;
	se->datasets = xcalloc(1, sizeof *se->datasets);
	se->ndatasets = 1;
	se->datasets[0].name = xstrdup("setup");
	se->datasets[0].scripts = xcalloc(1, sizeof *se->datasets[0].scripts);
	const struct yaml_node *sq = yaml_get(spec, "sql"), *v;
	if (!sq)
		return 0; /* an empty SQLite database */
	if (yaml_expect_kind(sq, YAML_MAP, "'sql'", d) != 0)
		return -1;
	int bad = yaml_check_keys(sq, sql_keys, d) != 0;
	if ((v = yaml_get(sq, "engine"))) {
		const char *e;
		if (yaml_to_str(v, "'engine'", &e, d) != 0) {
			bad = 1;
		} else if (!strcmp(e, "sqlite")) {
			se->engine = SQL_SQLITE;
		} else if (!strcmp(e, "postgres") || !strcmp(e, "postgresql")) {
			se->engine = SQL_POSTGRES;
		} else {
			yaml_error(d, v, "'engine' must be sqlite or postgres, not '%s'", e);
			bad = 1;
		}
	}
	if ((v = yaml_get(sq, "setup"))) {
		free_dataset(&se->datasets[0]);
		if (load_dataset(ex, &se->datasets[0], "setup", v, d) != 0)
			bad = 1;
	}
	if ((v = yaml_get(sq, "datasets"))) {
		if (yaml_expect_kind(v, YAML_MAP, "'datasets'", d) != 0)
			return -1;
		se->datasets = xrealloc(se->datasets, (v->n + 1) * sizeof *se->datasets);
		for (size_t i = 0; i < v->n; i++) {
			struct sql_dataset *ds = &se->datasets[se->ndatasets];
			memset(ds, 0, sizeof *ds);
			const char *name = v->keys[i]->scalar;
			if (!strcmp(name, "setup")) {
				yaml_error(d, v->keys[i],
					   "'setup' names the exercise's own dataset; call this one "
					   "otherwise");
				bad = 1;
				continue;
			}
			if (load_dataset(ex, ds, name, v->items[i], d) != 0)
				bad = 1;
			se->ndatasets++;
		}
	}
	return bad ? -1 : 0;
}

static int load_words(const struct yaml_node *n, const char *what, const char *const *words,
		      char ***out, struct diag *d)
{
	const char **list;
	size_t count;
	if (yaml_to_str_list(n, what, &list, &count, d) != 0)
		return -1;
	int bad = 0;
	*out = xcalloc(count + 1, sizeof **out);
	size_t k = 0;
	for (size_t i = 0; i < count; i++) {
		const struct yaml_node *item = n->kind == YAML_SEQ ? n->items[i] : n;
		size_t w = 0;
		while (words[w] && strcasecmp(words[w], list[i]))
			w++;
		if (!words[w]) {
			struct strbuf sb = {0};
			for (size_t j = 0; words[j]; j++)
				sb_addf(&sb, "%s%s", j ? ", " : "", words[j]);
			yaml_error(d, item, "%s: '%s' is not one of %s", what, list[i], sb.buf);
			sb_free(&sb);
			bad = 1;
			continue;
		}
		(*out)[k++] = xstrdup(words[w]);
	}
	free(list);
	return bad ? -1 : 0;
}

static int load_rows(const struct exercise *ex, struct sql_check *sc, const struct yaml_node *n,
		     const struct yaml_node *expect, struct diag *d)
{
	const struct yaml_node *cols = yaml_get(expect, "columns");
	const char **names = NULL;
	size_t ncols = 0;
	if (n->kind == YAML_SCALAR && !n->quoted && !strcmp(n->scalar, "reference")) {
		sc->rows_src = ROWS_REFERENCE;
		sc->needs_reference = 1;
		if (cols) {
			yaml_error(d, cols, "'columns' is for rows written out; with rows: reference "
					    "the names are the reference's");
			return -1;
		}
		return 0;
	}
	sc->rows_src = ROWS_INLINE;
	if (cols && yaml_to_str_list(cols, "'columns'", &names, &ncols, d) != 0)
		return -1;
	int rc;
	if (n->kind == YAML_MAP) {
		const struct yaml_node *f = yaml_get(n, "file");
		static const char *const keys[] = {"file", NULL};
		const char *rel;
		rc = -1;
		if (!f) {
			yaml_error(d, n, "'rows' must be reference, a list of rows or {file: x.csv}");
		} else if (yaml_check_keys(n, keys, d) == 0 &&
			   yaml_to_str(f, "'file'", &rel, d) == 0) {
			char *path = exercise_file_path(ex, f, rel, "rows file", SQL_MAX_CSV, d);
			char *text = NULL;
			size_t len;
			if (path && read_file(path, SQL_MAX_CSV, &text, &len) == 0) {
				char *name = path_join(ex->dir, rel);
				rc = rows_from_csv(&sc->rows, name, text, len, d);
				free(name);
			} else if (path) {
				yaml_error(d, f, "rows file '%s' cannot be read: %s", rel,
					   strerror(errno));
			}
			free(text);
			free(path);
			if (rc == 0 && cols) {
				yaml_error(d, cols, "'columns' comes from the CSV file's first line");
				rc = -1;
			}
		}
	} else if (n->kind == YAML_SEQ) {
		rc = rows_from_yaml(&sc->rows, n, names, names ? ncols : 0, d);
	} else {
		yaml_error(d, n, "'rows' must be reference, a list of rows or {file: x.csv}");
		rc = -1;
	}
	free(names);
	return rc;
}

static int load_plan(struct sql_check *sc, const struct yaml_node *n, struct diag *d)
{
	static const char *const keys[] = {"uses_index", "no_scan", NULL};
	if (yaml_expect_kind(n, YAML_MAP, "'plan'", d) != 0)
		return -1;
	int bad = yaml_check_keys(n, keys, d) != 0;
	const struct yaml_node *v;
	if ((v = yaml_get(n, "uses_index"))) {
		int b;
		if (v->kind == YAML_SCALAR && !v->quoted &&
		    (!strcmp(v->scalar, "true") || !strcmp(v->scalar, "false"))) {
			if (yaml_to_bool(v, "'uses_index'", &b, d) != 0)
				bad = 1;
			sc->plan_index = b;
		} else {
			const char *name;
			if (yaml_to_str(v, "'uses_index'", &name, d) != 0) {
				bad = 1;
			} else {
				sc->plan_index = 1;
				sc->plan_index_name = xstrdup(name);
			}
		}
	}
	if ((v = yaml_get(n, "no_scan"))) {
		const char **list;
		if (yaml_to_str_list(v, "'no_scan'", &list, &sc->nno_scan, d) != 0) {
			bad = 1;
		} else {
			sc->no_scan = xcalloc(sc->nno_scan + 1, sizeof *sc->no_scan);
			for (size_t i = 0; i < sc->nno_scan; i++)
				sc->no_scan[i] = xstrdup(list[i]);
			free(list);
		}
	}
	if (!sc->plan_index && !sc->nno_scan && !bad) {
		yaml_error(d, n, "'plan' needs uses_index or no_scan");
		bad = 1;
	}
	return bad ? -1 : 0;
}

static int load_expect(const struct exercise *ex, struct sql_check *sc, const struct yaml_node *n,
		       struct diag *d)
{
	static const char *const own[] = {"rows", "columns", "fails", "schema", "tables", "plan"};
	const char *keys[sizeof own / sizeof own[0] + 8];
	size_t k = 0;
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
		keys[k++] = own[i];
	for (size_t i = 0; rows_spec_keys[i]; i++)
		keys[k++] = rows_spec_keys[i];
	keys[k] = NULL;
	if (yaml_expect_kind(n, YAML_MAP, "'expect'", d) != 0)
		return -1;
	int bad = yaml_check_keys(n, keys, d) != 0;
	rows_spec_init(&sc->spec);
	if (rows_spec_from_yaml(&sc->spec, n, d) != 0)
		bad = 1;
	const struct yaml_node *v;
	if ((v = yaml_get(n, "rows")) && load_rows(ex, sc, v, n, d) != 0)
		bad = 1;
	if (!yaml_get(n, "rows") && yaml_get(n, "columns")) {
		yaml_error(d, yaml_get(n, "columns"), "'columns' names the columns of 'rows'");
		bad = 1;
	}
	if ((v = yaml_get(n, "fails")) && yaml_to_bool(v, "'fails'", &sc->fails, d) != 0)
		bad = 1;
	if ((v = yaml_get(n, "schema"))) {
		const char *s;
		if (yaml_to_str(v, "'schema'", &s, d) != 0) {
			bad = 1;
		} else if (!strcmp(s, "reference")) {
			sc->schema = SCHEMA_REFERENCE;
			sc->needs_reference = 1;
		} else if (!strcmp(s, "setup")) {
			sc->schema = SCHEMA_SETUP;
		} else {
			yaml_error(d, v,
				   "'schema' must be reference (as the reference solution leaves "
				   "it) or setup (as the setup scripts built it), not '%s'",
				   s);
			bad = 1;
		}
	}
	if ((v = yaml_get(n, "tables"))) {
		const char **list;
		if (yaml_to_str_list(v, "'tables'", &list, &sc->ntables, d) != 0) {
			bad = 1;
		} else {
			sc->tables = xcalloc(sc->ntables + 1, sizeof *sc->tables);
			for (size_t i = 0; i < sc->ntables; i++)
				sc->tables[i] = xstrdup(list[i]);
			free(list);
			sc->needs_reference = 1;
		}
	}
	if ((v = yaml_get(n, "plan")) && load_plan(sc, v, d) != 0)
		bad = 1;
	if (!bad && sc->rows_src == ROWS_NONE && sc->schema == SCHEMA_NONE && !sc->ntables &&
	    !sc->plan_index && !sc->nno_scan && !yaml_get(n, "fails")) {
		yaml_error(d, n,
			   "'expect' says nothing to compare: give rows, schema, tables, plan or "
			   "fails");
		bad = 1;
	}
	return bad ? -1 : 0;
}

static int sql_load_check(const struct exercise *ex, struct ex_check *c, struct diag *d)
{
	struct sql_check *sc = xcalloc(1, sizeof *sc);
	c->data = sc;
	const struct sql_exercise *se = ex->data;
	const struct yaml_node *spec = c->spec, *v;
	int bad = 0;
	if ((v = yaml_get(spec, "run"))) {
		const char **list;
		if (yaml_to_str_list(v, "'run'", &list, &sc->nrun, d) != 0) {
			bad = 1;
		} else {
			sc->run = xcalloc(sc->nrun + 1, sizeof *sc->run);
			for (size_t i = 0; i < sc->nrun; i++) {
				if (!path_is_contained(list[i])) {
					yaml_error(d, v, "'%s' must be a relative path in the learner's "
							 "folder",
						   list[i]);
					bad = 1;
				}
				sc->run[i] = xstrdup(list[i]);
			}
			free(list);
			if (!sc->nrun) {
				yaml_error(d, v, "'run' must name at least one of the learner's files");
				bad = 1;
			}
		}
	} else if (ex->nfiles == 1) {
		sc->run = xcalloc(2, sizeof *sc->run);
		sc->run[0] = xstrdup(ex->files[0]);
		sc->nrun = 1;
	} else {
		yaml_error(d, spec,
			   "check '%s' has no 'run': name the learner's file(s) to run, e.g. run: "
			   "query.sql",
			   c->name ? c->name : "?");
		bad = 1;
	}
	if ((v = yaml_get(spec, "allow")) && load_words(v, "'allow'", stmt_kinds, &sc->allow, d) != 0)
		bad = 1;
	if ((v = yaml_get(spec, "max_statements"))) {
		long long m;
		if (yaml_to_int(v, "'max_statements'", 1, 100000, &m, d) != 0)
			bad = 1;
		else
			sc->max_statements = (int)m;
	}
	if ((v = yaml_get(spec, "verify"))) {
		const char *s;
		if (yaml_to_str(v, "'verify'", &s, d) != 0) {
			bad = 1;
		} else {
			sc->verify.label = xasprintf("verify query of check '%s'", c->name ? c->name : "?");
			sc->verify.text = xstrdup(s);
			sc->verify.len = strlen(s);
		}
	}
	sc->datasets = xcalloc(se->ndatasets + 1, sizeof *sc->datasets);
	if (!yaml_get(spec, "datasets"))
		sc->datasets[sc->ndatasets++] = 0;
	if ((v = yaml_get(spec, "datasets"))) {
		const char **list;
		size_t count;
		if (yaml_to_str_list(v, "'datasets'", &list, &count, d) != 0) {
			bad = 1;
		} else {
			for (size_t i = 0; i < count; i++) {
				const struct yaml_node *item = v->kind == YAML_SEQ ? v->items[i] : v;
				size_t k = 0;
				while (k < se->ndatasets && strcmp(se->datasets[k].name, list[i]))
					k++;
				if (k == se->ndatasets) {
					yaml_error(d, item,
						   "no dataset '%s' (setup, or one under sql: datasets)",
						   list[i]);
					bad = 1;
					continue;
				}
				int dup = 0;
				for (size_t j = 0; j < sc->ndatasets; j++)
					dup |= sc->datasets[j] == k;
				if (!dup)
					sc->datasets[sc->ndatasets++] = k;
			}
			free(list);
			if (!count) {
				yaml_error(d, v, "'datasets' must name at least one dataset");
				bad = 1;
			}
		}
	}
	if (!(v = yaml_get(spec, "expect"))) {
		yaml_error(d, spec,
			   "check '%s' has no 'expect' (what to compare: rows, schema, tables, "
			   "plan, fails)",
			   c->name ? c->name : "?");
		bad = 1;
	} else if (load_expect(ex, sc, v, d) != 0) {
		bad = 1;
	}
	if (!bad && (sc->ndatasets > 1 || sc->datasets[0] != 0) && sc->rows_src == ROWS_INLINE) {
		yaml_error(d, yaml_get(spec, "datasets"),
			   "rows written out hold for the setup dataset only: compare with rows: "
			   "reference to run other datasets");
		bad = 1;
	}
	if (!bad && sc->needs_reference) {
		sc->ref = xcalloc(sc->nrun, sizeof *sc->ref);
		for (size_t i = 0; i < sc->nrun; i++) {
			char *rel = path_join("solution", sc->run[i]);
			char *real = path_join(ex->dir, rel);
			if (access(real, F_OK) != 0) {
				yaml_error(d, yaml_get(spec, "expect"),
					   "comparing with the reference runs its %s, but %s is not "
					   "in the exercise folder",
					   sc->run[i], rel);
				bad = 1;
			} else if (sql_load_script(ex, yaml_get(spec, "expect"), rel, "reference file",
					       &sc->ref[i], d) != 0) {
				bad = 1;
			}
			free(real);
			free(rel);
		}
	}
	return bad ? -1 : 0;
}

static void sql_free_check(struct ex_check *c)
{
	struct sql_check *sc = c->data;
	if (!sc)
		return;
	for (size_t i = 0; sc->ref && i < sc->nrun; i++) {
		free(sc->ref[i].label);
		free(sc->ref[i].text);
	}
	free(sc->ref);
	free_list(sc->run, sc->nrun);
	for (size_t i = 0; sc->allow && sc->allow[i]; i++)
		free(sc->allow[i]);
	free(sc->allow);
	free(sc->verify.label);
	free(sc->verify.text);
	free(sc->datasets);
	rows_free(&sc->rows);
	free_list(sc->tables, sc->ntables);
	free(sc->plan_index_name);
	free_list(sc->no_scan, sc->nno_scan);
	free(sc);
	c->data = NULL;
}

static void sql_free(struct exercise *ex)
{
	struct sql_exercise *se = ex->data;
	if (!se)
		return;
	for (size_t i = 0; i < se->ndatasets; i++)
		free_dataset(&se->datasets[i]);
	free(se->datasets);
	free(se);
	ex->data = NULL;
}

/* ---- grading ---- */

/* The version of the exercise the engines cache datasets under: its
 * digest, its engine and every setup script. */
static void cache_key(const struct exercise *ex, char out[65])
{
	const struct sql_exercise *se = ex->data;
	struct strbuf sb = {0};
	sb_addf(&sb, "%s\n%d\n", ex->digest, (int)se->engine);
	for (size_t d = 0; d < se->ndatasets; d++)
		for (size_t s = 0; s < se->datasets[d].n; s++) {
			sb_addf(&sb, "%zu:%s:%zu\n", d, se->datasets[d].scripts[s].label,
				se->datasets[d].scripts[s].len);
			sb_add(&sb, se->datasets[d].scripts[s].text, se->datasets[d].scripts[s].len);
		}
	sha256_hex(sb.buf ? sb.buf : "", sb.len, out);
	sb_free(&sb);
}

/* The actions of one check on one dataset: the files (learner's or the
 * reference's), then the verify query, the schema and the tables. */
static struct sql_action *check_actions(const struct sql_check *sc, const struct sql_script *files,
					int learner, size_t *n)
{
	struct sql_action *a = xcalloc(sc->nrun + 3 + sc->ntables, sizeof *a);
	size_t k = 0;
	int want_plan = sc->plan_index || sc->nno_scan;
	for (size_t i = 0; i < sc->nrun; i++) {
		a[k++] = (struct sql_action){
		    .op = SQL_EXEC,
		    .script = &files[i],
		    .learner = learner,
		    .allow = learner ? (const char *const *)sc->allow : NULL,
		    .max_statements = learner ? sc->max_statements : 0,
		    .plan = learner && want_plan,
		    .reverse = learner && i + 1 == sc->nrun && !sc->verify.text &&
			       sc->spec.order == ROWS_ORDERED && sc->rows_src != ROWS_NONE,
		};
	}
	if (sc->verify.text)
		a[k++] = (struct sql_action){.op = SQL_EXEC, .script = &sc->verify};
	if (sc->schema != SCHEMA_NONE)
		a[k++] = (struct sql_action){.op = SQL_SCHEMA};
	for (size_t i = 0; i < sc->ntables; i++)
		a[k++] = (struct sql_action){.op = SQL_TABLE, .table = sc->tables[i]};
	*n = k;
	return a;
}

static void free_batches(struct sql_batch *b, size_t n)
{
	for (size_t i = 0; b && i < n; i++) {
		for (size_t k = 0; b[i].out && k < b[i].n; k++)
			sql_outcome_free(&b[i].out[k]);
		free(b[i].out);
		free((void *)b[i].actions);
	}
	free(b);
}

/* Where an outcome's failure is, and what it says: "query.sql:3:5: ...". */
static char *outcome_text(const struct sql_outcome *o, const struct sql_script *s)
{
	struct strbuf sb = {0};
	if (o->line > 0)
		sb_addf(&sb, "%s:%d:%d: ", s ? s->label : "?", o->line, o->col);
	else if (s)
		sb_addf(&sb, "%s: ", s->label);
	sb_adds(&sb, o->message ? o->message : o->code);
	return sb_detach(&sb, NULL);
}

static int sql_prepare(struct grading *g)
{
	const struct exercise *ex = g->ex;
	const struct sql_engine *eng = engine_of(ex);
	struct sql_state *st = xcalloc(1, sizeof *st);
	g->state = st;
	cache_key(ex, st->key);
	char *msg = NULL;
	if (eng->build(ex, st->key, g->env, &msg) != 0) {
		grading_message(g, "the exercise's database could not be built: %s", msg);
		free(msg);
		return -1;
	}
	/* The reference, once for every check that compares with it. */
	size_t nb = 0;
	int with_setup = 0;
	for (size_t i = 0; i < ex->nchecks; i++) {
		const struct sql_check *sc = ex->checks[i].data;
		if (sc->needs_reference)
			nb += sc->ndatasets;
		with_setup |= sc->schema == SCHEMA_SETUP;
	}
	nb += (size_t)with_setup;
	if (!nb)
		return 0;
	struct sql_batch *b = xcalloc(nb, sizeof *b);
	size_t k = 0;
	if (with_setup) { /* the setup's schema, once: batch 0 */
		struct sql_action *a = xcalloc(1, sizeof *a);
		a->op = SQL_SCHEMA;
		b[k++] = (struct sql_batch){.dataset = 0, .actions = a, .n = 1};
	}
	for (size_t i = 0; i < ex->nchecks; i++) {
		const struct sql_check *sc = ex->checks[i].data;
		if (!sc->needs_reference)
			continue;
		for (size_t dsi = 0; dsi < sc->ndatasets; dsi++) {
			size_t n;
			struct sql_action *a = check_actions(sc, sc->ref, 0, &n);
			b[k++] = (struct sql_batch){.dataset = sc->datasets[dsi], .actions = a, .n = n};
		}
	}
	struct ex_limits lim = ex->limits;
	struct sql_run_info info = {0};
	int rc = eng->run(ex, st->key, &lim, g->env, b, k, &info, &msg);
	if (rc != 0) {
		grading_message(g, "the reference solution could not be run: %s", msg);
		free(msg);
		free_batches(b, k);
		sql_run_info_free(&info);
		return -1;
	}
	/* Hand the batches out per check; a reference that fails is the
	 * exercise's error. */
	st->ref = xcalloc(ex->nchecks, sizeof *st->ref);
	k = 0;
	if (with_setup) {
		st->setup_schema = xcalloc(1, sizeof *st->setup_schema);
		*st->setup_schema = b[0].out[0];
		memset(&b[0].out[0], 0, sizeof b[0].out[0]);
		k++;
	}
	for (size_t i = 0; i < ex->nchecks && rc == 0; i++) {
		const struct sql_check *sc = ex->checks[i].data;
		if (!sc->needs_reference)
			continue;
		st->ref[i] = xcalloc(sc->ndatasets, sizeof **st->ref);
		for (size_t dsi = 0; dsi < sc->ndatasets; dsi++, k++) {
			st->ref[i][dsi] = b[k];
			memset(&b[k], 0, sizeof b[k]);
			for (size_t a = 0; a < st->ref[i][dsi].n && rc == 0; a++) {
				const struct sql_outcome *o = &st->ref[i][dsi].out[a];
				int last_run = a + 1 == sc->nrun;
				if (o->ok || (sc->fails && last_run && strcmp(o->code, "crashed") &&
					      strcmp(o->code, "timeout")))
					continue;
				char *t = outcome_text(o, a < sc->nrun ? &sc->ref[a] : NULL);
				grading_message(g, "the reference solution fails check '%s'%s%s: %s",
						ex->checks[i].name, sc->datasets[dsi] ? " on dataset " : "",
						sc->datasets[dsi]
						    ? ((const struct sql_exercise *)ex->data)
							  ->datasets[sc->datasets[dsi]]
							  .name
						    : "",
						t);
				free(t);
				rc = -1;
			}
			if (sc->fails && rc == 0 && st->ref[i][dsi].out[sc->nrun - 1].ok) {
				grading_message(g,
						"check '%s' expects the script to fail, but the "
						"reference solution's runs to the end",
						ex->checks[i].name);
				rc = -1;
			}
		}
	}
	free_batches(b, nb);
	sql_run_info_free(&info);
	return rc;
}

static void sql_finish(struct grading *g)
{
	struct sql_state *st = g->state;
	if (!st)
		return;
	for (size_t i = 0; st->ref && i < g->ex->nchecks; i++) {
		const struct sql_check *sc = g->ex->checks[i].data;
		if (st->ref[i])
			free_batches(st->ref[i], sc->ndatasets);
		/* free_batches frees the array too */
	}
	free(st->ref);
	if (st->setup_schema) {
		sql_outcome_free(st->setup_schema);
		free(st->setup_schema);
	}
	free(st);
	g->state = NULL;
}

/* The learner's files of a check, read from the submission. */
static int read_learner(const struct grading *g, const struct sql_check *sc,
			struct sql_script *files, struct check_result *cr)
{
	for (size_t i = 0; i < sc->nrun; i++) {
		char *rel = path_join(workdir_submit_path(g->ex), sc->run[i]);
		int rc = beneath_read(g->sub->dir, rel, SQL_MAX_SCRIPT, &files[i].text, &files[i].len);
		int e = errno;
		free(rel);
		files[i].label = xstrdup(sc->run[i]);
		if (rc != 0) {
			grade_fail(cr, NULL, "%s %s", sc->run[i],
				   e == EFBIG ? "is larger than 16 MiB" : beneath_strerror(e));
			return -1;
		}
		if (memchr(files[i].text, '\0', files[i].len)) {
			grade_fail(cr, NULL, "%s holds a NUL byte: it is not an SQL text file",
				   sc->run[i]);
			return -1;
		}
	}
	return 0;
}

static const char *kind_words(const char *kind)
{
	for (size_t i = 0; stmt_kinds[i]; i++)
		if (kind && !strcmp(kind, stmt_kinds[i]))
			return stmt_words[i];
	return "this statement";
}

/* The learner's run failed (or did not fail when it should have). */
static void fail_run(struct check_result *cr, const struct sql_check *sc,
		     const struct sql_outcome *o, const struct sql_script *s, const char *where,
		     const struct ex_limits *lim)
{
	char *t = outcome_text(o, s);
	if (!strcmp(o->code, "count")) {
		grade_fail(cr, NULL, "%s%s", where, t);
	} else if (!strcmp(o->code, "policy")) {
		struct strbuf allowed = {0};
		for (size_t i = 0; sc->allow && sc->allow[i]; i++)
			sb_addf(&allowed, "%s%s", i ? ", " : "", kind_words(sc->allow[i]));
		grade_fail(cr, NULL, "%s%s:%d:%d: statement %d (%s) is not allowed here: this "
				     "check allows %s",
			   where, s->label, o->line, o->col, o->statement, kind_words(o->kind),
			   allowed.len ? allowed.buf : "nothing");
		sb_free(&allowed);
	} else if (!strcmp(o->code, "timeout")) {
		grade_fail(cr, NULL, "%s%s:%d:%d: statement %d ran past the time limit of %.1f s",
			   where, s->label, o->line, o->col, o->statement,
			   lim->wall_s > 0 ? lim->wall_s : 10.0);
		free(cr->verdict);
		cr->verdict = xstrdup("wall-timeout");
	} else if (!strcmp(o->code, "nomem")) {
		grade_fail(cr, NULL, "%s%s:%d:%d: statement %d ran out of memory", where, s->label,
			   o->line, o->col, o->statement);
		free(cr->verdict);
		cr->verdict = xstrdup("memory-limit");
	} else if (!strcmp(o->code, "denied")) {
		grade_fail(cr, NULL,
			   "%s%s:%d:%d: statement %d was refused (%s): ATTACH, extensions and "
			   "pragmas that reach beyond this database are not allowed",
			   where, s->label, o->line, o->col, o->statement,
			   o->message ? o->message : "not authorized");
	} else {
		grade_fail(cr, NULL, "%s%s", where, t);
	}
	free(t);
}

static void set_rows_diff(struct check_result *cr, struct match_diff *diff, const char *where,
			  const char *what)
{
	grade_fail(cr, diff, "%s%s: %s", where, what, diff ? diff->summary : "the rows differ");
}

/* The rows a check compares: the verify query's, else the last result
 * set of the files. NULL when there is none. */
static const struct sql_outcome *result_of(const struct sql_check *sc, const struct sql_outcome *out)
{
	if (sc->verify.text)
		return out[sc->nrun].has_rows ? &out[sc->nrun] : NULL;
	for (size_t i = sc->nrun; i-- > 0;)
		if (out[i].has_rows)
			return &out[i];
	return NULL;
}

static int has_fact(const struct sql_outcome *out, size_t n, const char *prefix,
		    const char *table, const char *index)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < out[i].nplan; k++) {
			const char *f = out[i].plan[k];
			size_t pl = strlen(prefix);
			if (strncmp(f, prefix, pl) != 0)
				continue;
			const char *rest = f + pl;
			if (table) {
				size_t tl = strlen(table);
				if (strncasecmp(rest, table, tl) != 0 || (rest[tl] && rest[tl] != ' '))
					continue;
			}
			if (index) {
				const char *via = strstr(f, " via index ");
				if (!via || (*index && strcasecmp(via + 11, index) != 0))
					continue;
			}
			return 1;
		}
	return 0;
}

static char *plan_text(const struct sql_outcome *out, size_t n)
{
	struct strbuf sb = {0};
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < out[i].nplan_detail; k++)
			sb_addf(&sb, "%s%s", sb.len ? "\n" : "", out[i].plan_detail[k]);
	return sb.len ? sb_detach(&sb, NULL) : (sb_free(&sb), xstrdup("(no plan)"));
}

static char *schema_text(const struct sql_outcome *o)
{
	struct strbuf sb = {0};
	for (size_t i = 0; i < o->nschema; i++)
		sb_addf(&sb, "%s\n", o->schema[i]);
	return sb.len ? sb_detach(&sb, NULL) : (sb_free(&sb), xstrdup(""));
}

/* Where check_actions put the first table (the actions before it: the
 * files, the verify query, the schema). */
static size_t first_table(const struct sql_check *sc)
{
	return sc->nrun + (sc->verify.text ? 1 : 0) + (sc->schema != SCHEMA_NONE ? 1 : 0);
}

/* Checks one dataset's outcomes. 1 when everything held, 0 when cr was
 * failed. */
static int judge(struct grading *g, size_t check, size_t dsi, const struct sql_script *files,
		 const struct sql_outcome *out, size_t nout, struct check_result *cr)
{
	const struct exercise *ex = g->ex;
	const struct sql_check *sc = ex->checks[check].data;
	const struct sql_exercise *se = ex->data;
	const struct sql_state *st = g->state;
	const struct sql_outcome *ref = sc->needs_reference ? st->ref[check][dsi].out : NULL;
	char *where = sc->datasets[dsi] ? xasprintf("on dataset '%s': ", se->datasets[sc->datasets[dsi]].name)
					: xstrdup("");
	int ok = 0;
	for (size_t i = 0; i < sc->nrun; i++) {
		const struct sql_outcome *o = &out[i];
		int last = i + 1 == sc->nrun;
		if (!o->ok && !strcmp(o->code, "crashed"))
			goto done; /* the caller has told the sandbox's verdict */
		int refused = !strcmp(o->code, "policy") || !strcmp(o->code, "count");
		if (!o->ok && !(sc->fails && last && strcmp(o->code, "timeout") && !refused)) {
			fail_run(cr, sc, o, &files[i], where, &ex->checks[check].limits);
			goto done;
		}
		if (o->ok && sc->fails && last) {
			grade_fail(cr, NULL,
				   "%s%s ran to the end, but here it should stop with an error (as "
				   "the reference does: %s)",
				   where, files[i].label,
				   ref && ref[i].message ? ref[i].message : "a failing statement");
			goto done;
		}
	}
	for (size_t i = sc->nrun; i < nout; i++) {
		const struct sql_outcome *o = &out[i];
		if (o->ok)
			continue;
		if (!strcmp(o->code, "crashed"))
			goto done;
		if (!strcmp(o->code, "missing")) {
			grade_fail(cr, NULL, "%stable %s does not exist after your script ran", where,
				   sc->tables[i - first_table(sc)]);
		} else {
			char *t = outcome_text(o, sc->verify.text && i == sc->nrun ? &sc->verify : NULL);
			grade_fail(cr, NULL, "%safter your script ran, %s", where, t);
			free(t);
		}
		goto done;
	}
	if (sc->rows_src != ROWS_NONE) {
		const struct sql_outcome *got = result_of(sc, out);
		const struct rows *want = sc->rows_src == ROWS_INLINE ? &sc->rows
					  : result_of(sc, ref)        ? &result_of(sc, ref)->rows
								      : NULL;
		if (!want) {
			grade_error(cr, "the reference solution returns no rows to compare with");
			goto done;
		}
		if (!got) {
			grade_fail(cr, NULL, "%s%s returns no rows: it has no SELECT (or the last "
					     "statement is not one)",
				   where, files[sc->nrun - 1].label);
			goto done;
		}
		struct match_diff *diff = NULL;
		if (!rows_match(want, &got->rows, &sc->spec, &diff)) {
			set_rows_diff(cr, diff, where, sc->verify.text ? "after your script, the check's query" : "the result");
			goto done;
		}
		if (got->has_reversed && !rows_match(want, &got->reversed, &sc->spec, NULL)) {
			grade_fail(cr, NULL,
				   "%sthe rows come out in the right order only by chance: read in "
				   "another physical order, the same query returns them differently. "
				   "Add an ORDER BY that decides the place of every row",
				   where);
			goto done;
		}
	}
	if (sc->schema != SCHEMA_NONE) {
		size_t at = sc->nrun + (sc->verify.text ? 1 : 0);
		const struct sql_outcome *want = sc->schema == SCHEMA_SETUP ? st->setup_schema : &ref[at];
		char *x = schema_text(want), *y = schema_text(&out[at]);
		if (strcmp(x, y) != 0) {
			struct match_diff *diff = xcalloc(1, sizeof *diff);
			diff->unified = text_unified_diff(x, strlen(x), y, strlen(y), "expected", "actual", 16384);
			size_t missing = 0, extra = 0;
			for (size_t i = 0; i < want->nschema; i++) {
				size_t k = 0;
				while (k < out[at].nschema && strcmp(want->schema[i], out[at].schema[k]))
					k++;
				if (k == out[at].nschema && !missing++)
					diff->expected_excerpt = xstrdup(want->schema[i]);
			}
			for (size_t i = 0; i < out[at].nschema; i++) {
				size_t k = 0;
				while (k < want->nschema && strcmp(out[at].schema[i], want->schema[k]))
					k++;
				if (k == want->nschema && !extra++)
					diff->actual_excerpt = xstrdup(out[at].schema[i]);
			}
			diff->summary = xasprintf("%zu part%s of the schema missing, %zu unexpected",
						  missing, missing == 1 ? "" : "s", extra);
			grade_fail(cr, diff, "%sthe schema differs from %s: %s", where,
				   sc->schema == SCHEMA_SETUP ? "the one the exercise started with"
							      : "the expected one",
				   diff->summary);
			free(x);
			free(y);
			goto done;
		}
		free(x);
		free(y);
	}
	for (size_t t = 0; t < sc->ntables; t++) {
		size_t at = first_table(sc) + t;
		struct rows_spec bag = sc->spec;
		bag.order = ROWS_BAG;
		struct match_diff *diff = NULL;
		if (!rows_match(&ref[at].rows, &out[at].rows, &bag, &diff)) {
			char *what = xasprintf("table %s", sc->tables[t]);
			set_rows_diff(cr, diff, where, what);
			free(what);
			goto done;
		}
	}
	if (sc->plan_index && !has_fact(out, sc->nrun, "search ", NULL, sc->plan_index_name ? sc->plan_index_name : "") &&
	    !has_fact(out, sc->nrun, "scan ", NULL, sc->plan_index_name ? sc->plan_index_name : "")) {
		char *p = plan_text(out, sc->nrun);
		struct match_diff *diff = xcalloc(1, sizeof *diff);
		diff->actual_excerpt = xstrdup(p);
		diff->summary = sc->plan_index_name ? xasprintf("the plan does not use index %s", sc->plan_index_name)
						    : xstrdup("the plan uses no index");
		grade_fail(cr, diff, "%s%s", where, diff->summary);
		free(p);
		goto done;
	}
	for (size_t t = 0; t < sc->nno_scan; t++) {
		if (!has_fact(out, sc->nrun, "scan ", sc->no_scan[t], NULL))
			continue;
		char *p = plan_text(out, sc->nrun);
		struct match_diff *diff = xcalloc(1, sizeof *diff);
		diff->actual_excerpt = xstrdup(p);
		diff->summary = xasprintf("the query reads every row of %s", sc->no_scan[t]);
		grade_fail(cr, diff, "%s%s (a full scan)", where, diff->summary);
		free(p);
		goto done;
	}
	ok = 1;
done:
	free(where);
	return ok;
}

static char *describe_expected(const struct sql_check *sc)
{
	struct strbuf sb = {0};
	if (sc->rows_src == ROWS_REFERENCE)
		sb_addf(&sb, "the rows the reference solution returns, %s", rows_order_words(sc->spec.order));
	else if (sc->rows_src == ROWS_INLINE) {
		char *t = rows_format(&sc->rows, SQL_SHOW_ROWS);
		sb_addf(&sb, "these rows, %s:\n%s", rows_order_words(sc->spec.order), t);
		free(t);
	}
	if (sc->schema == SCHEMA_REFERENCE)
		sb_addf(&sb, "%sthe schema the reference solution leaves", sb.len ? "\n" : "");
	else if (sc->schema == SCHEMA_SETUP)
		sb_addf(&sb, "%sthe schema the exercise started with", sb.len ? "\n" : "");
	for (size_t i = 0; i < sc->ntables; i++)
		sb_addf(&sb, "%stable %s as the reference solution leaves it", sb.len ? "\n" : "", sc->tables[i]);
	if (sc->plan_index)
		sb_addf(&sb, "%sa plan that uses %s%s", sb.len ? "\n" : "",
			sc->plan_index_name ? "index " : "an index", sc->plan_index_name ? sc->plan_index_name : "");
	for (size_t i = 0; i < sc->nno_scan; i++)
		sb_addf(&sb, "%sa plan that does not scan all of %s", sb.len ? "\n" : "", sc->no_scan[i]);
	if (sc->fails)
		sb_addf(&sb, "%sthe script stops with an error", sb.len ? "\n" : "");
	return sb.len ? sb_detach(&sb, NULL) : (sb_free(&sb), NULL);
}

static int sql_grade_check(struct grading *g, size_t check, struct check_result *cr)
{
	const struct exercise *ex = g->ex;
	const struct ex_check *c = &ex->checks[check];
	const struct sql_check *sc = c->data;
	const struct sql_state *st = g->state;
	free(cr->expected);
	cr->expected = describe_expected(sc);
	struct sql_script *files = xcalloc(sc->nrun, sizeof *files);
	int rc = 0;
	if (read_learner(g, sc, files, cr) != 0)
		goto out;
	{
		struct strbuf in = {0};
		for (size_t i = 0; i < sc->nrun; i++) {
			char *v = match_visible(files[i].text, files[i].len, SQL_EXCERPT);
			sb_addf(&in, "%s%s:\n%s", i ? "\n" : "", files[i].label, v);
			free(v);
		}
		free(cr->input);
		cr->input = sb_detach(&in, NULL);
	}
	struct sql_batch *b = xcalloc(sc->ndatasets, sizeof *b);
	for (size_t dsi = 0; dsi < sc->ndatasets; dsi++) {
		size_t n;
		struct sql_action *a = check_actions(sc, files, 1, &n);
		b[dsi] = (struct sql_batch){.dataset = sc->datasets[dsi], .actions = a, .n = n};
	}
	struct sql_run_info info = {0};
	char *msg = NULL;
	if (engine_of(ex)->run(ex, st->key, &c->limits, g->env, b, sc->ndatasets, &info, &msg) != 0) {
		grade_error(cr, "%s", msg);
		free(msg);
		rc = -1;
	} else {
		if (info.sandboxed && info.res.verdict != SBX_OK) {
			grade_apply_sandbox(cr, &info.res);
		} else {
			if (info.sandboxed) {
				cr->has_resources = 1;
				cr->wall_ms = (long)(info.res.wall_s * 1000.0);
				cr->cpu_ms = (long)(info.res.cpu_s * 1000.0);
				cr->peak_kib = info.res.peak_bytes / 1024;
				free(cr->verdict);
				cr->verdict = xstrdup("ok");
			} else {
				cr->has_resources = 1;
				cr->wall_ms = (long)info.wall_ms;
			}
			size_t dsi;
			for (dsi = 0; dsi < sc->ndatasets; dsi++) {
				int crashed = 0;
				for (size_t k = 0; k < b[dsi].n; k++)
					crashed |= !strcmp(b[dsi].out[k].code, "crashed");
				if (crashed) {
					grade_error(cr, "the SQL engine ended without an answer (%s)",
						    info.sandboxed ? info.res.message : "no result");
					break;
				}
				if (!judge(g, check, dsi, files, b[dsi].out, b[dsi].n, cr))
					break;
			}
			if (dsi == sc->ndatasets)
				grade_pass(cr);
		}
	}
	free_batches(b, sc->ndatasets);
	sql_run_info_free(&info);
out:
	for (size_t i = 0; i < sc->nrun; i++) {
		free(files[i].label);
		free(files[i].text);
	}
	free(files);
	return rc;
}

const struct runner sql_runner = {
    .kind = {.name = "sql",
	     .exercise_keys = sql_exercise_keys,
	     .check_keys = sql_check_keys,
	     .load = sql_load,
	     .load_check = sql_load_check,
	     .free_check = sql_free_check,
	     .free = sql_free},
    .prepare = sql_prepare,
    .grade_check = sql_grade_check,
    .finish = sql_finish,
};
