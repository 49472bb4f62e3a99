/*
 * sql_sqlite.c - the sql kind's SQLite engine. All SQL, the exercise's
 * setup included, runs in grader-sqlite (runners/helpers/grader_sqlite.c)
 * inside the sandbox; the grader only copies database files and reads
 * the helper's JSON. Each exercise version's datasets are built once per
 * process and kept in a private cache dir, keyed by the exercise's digest
 * and scripts; every batch gets its own copy of its dataset's file.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "runners/sql.h"
#include "grader/grade/workdir.h"
#include "grader/util/util.h"

#define SQ_HELPER    "grader-sqlite"
#define SQ_BIND      "/grader/" SQ_HELPER
#define SQ_MAX_DB    (256u << 20) /* a dataset's file */
#define SQ_MAX_ROWS  10000
#define SQ_MAX_BYTES (4u << 20)
#define SQ_CACHE_MAX 64 /* exercise versions kept */
#define SQ_BUILD_WALL 60.0

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static char *cache_dir;          /* created on first use, removed at exit */
static char *cache_keys[SQ_CACHE_MAX];
static size_t cache_next;

static void cache_cleanup(void)
{
	workdir_scratch_remove(cache_dir);
	cache_dir = NULL;
	for (size_t i = 0; i < SQ_CACHE_MAX; i++) {
		free(cache_keys[i]);
		cache_keys[i] = NULL;
	}
}

static char *dataset_path(const char *key, size_t ds)
{
	return xasprintf("%s/%s/ds-%zu.db", cache_dir, key, ds);
}

/* ---- the helper's JSON ---- */

static enum rows_type tag_type(char tag)
{
	switch (tag) {
	case 'i':
		return ROWS_INT;
	case 'r':
		return ROWS_REAL;
	case 'b':
		return ROWS_BLOB;
	default:
		return ROWS_TEXT;
	}
}

/* "x:<hex>" back into its bytes (a text that is not UTF-8). */
static char *unhex(const char *s, size_t *len)
{
	size_t n = strlen(s) / 2;
	char *out = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			v = '?';
		out[i] = (char)v;
	}
	out[n] = '\0';
	*len = n;
	return out;
}

static int rows_from_json(struct rows *r, const cJSON *cols, const cJSON *rows)
{
	if (!cJSON_IsArray(cols) || !cJSON_IsArray(rows))
		return -1;
	size_t nc = (size_t)cJSON_GetArraySize(cols), i = 0;
	const char **names = xcalloc(nc + 1, sizeof *names);
	const cJSON *c;
	cJSON_ArrayForEach(c, cols) names[i++] = cJSON_IsString(c) ? c->valuestring : "";
	rows_set_columns(r, names, nc);
	free(names);
	const cJSON *row;
	cJSON_ArrayForEach(row, rows)
	{
		if (!cJSON_IsArray(row) || (size_t)cJSON_GetArraySize(row) != nc)
			return -1;
		size_t k = rows_add_row(r), col = 0;
		const cJSON *v;
		cJSON_ArrayForEach(v, row)
		{
			if (cJSON_IsNull(v)) {
				rows_set(r, k, col++, ROWS_NULL, NULL, 0);
				continue;
			}
			if (!cJSON_IsString(v) || strlen(v->valuestring) < 2 || v->valuestring[1] != ':')
				return -1;
			const char *s = v->valuestring;
			if (s[0] == 'x') {
				size_t len;
				char *bytes = unhex(s + 2, &len);
				rows_set(r, k, col++, ROWS_TEXT, bytes, len);
				free(bytes);
			} else {
				rows_set(r, k, col++, tag_type(s[0]), s + 2, strlen(s + 2));
			}
		}
	}
	return 0;
}

static char **str_list(const cJSON *a, size_t *n)
{
	*n = 0;
	if (!cJSON_IsArray(a))
		return NULL;
	char **out = xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof *out);
	const cJSON *s;
	cJSON_ArrayForEach(s, a)
	{
		if (cJSON_IsString(s))
			out[(*n)++] = xstrdup(s->valuestring);
	}
	return out;
}

int sql_outcome_from_json(struct sql_outcome *o, const cJSON *j)
{
	memset(o, 0, sizeof *o);
	if (!cJSON_IsObject(j))
		return -1;
	const cJSON *v;
	o->ok = cJSON_IsTrue(cJSON_GetObjectItem(j, "ok"));
	if (cJSON_IsString(v = cJSON_GetObjectItem(j, "code")))
		snprintf(o->code, sizeof o->code, "%s", v->valuestring);
	if (cJSON_IsString(v = cJSON_GetObjectItem(j, "message")))
		o->message = xstrdup(v->valuestring);
	if (cJSON_IsString(v = cJSON_GetObjectItem(j, "kind")))
		o->kind = xstrdup(v->valuestring);
	if (cJSON_IsNumber(v = cJSON_GetObjectItem(j, "line")) && v->valuedouble >= 0 &&
	    v->valuedouble < 1e9)
		o->line = v->valueint;
	if (cJSON_IsNumber(v = cJSON_GetObjectItem(j, "col")) && v->valuedouble >= 0 &&
	    v->valuedouble < 1e9)
		o->col = v->valueint;
	if (cJSON_IsNumber(v = cJSON_GetObjectItem(j, "statement")) && v->valuedouble >= 0 &&
	    v->valuedouble < 1e9)
		o->statement = v->valueint;
	if (cJSON_IsNumber(v = cJSON_GetObjectItem(j, "statements")) && v->valuedouble >= 0 &&
	    v->valuedouble < 1e9)
		o->nstatements = v->valueint;
	if (cJSON_IsNumber(v = cJSON_GetObjectItem(j, "ms")))
		o->ms = v->valuedouble;
	const cJSON *cols = cJSON_GetObjectItem(j, "columns");
	if (cols) {
		if (rows_from_json(&o->rows, cols, cJSON_GetObjectItem(j, "rows")) != 0)
			return -1;
		o->has_rows = 1;
		o->rows.truncated = cJSON_IsTrue(cJSON_GetObjectItem(j, "truncated"));
		if ((v = cJSON_GetObjectItem(j, "reversed"))) {
			if (rows_from_json(&o->reversed, cols, v) != 0)
				return -1;
			o->has_reversed = 1;
		}
	}
	o->plan = str_list(cJSON_GetObjectItem(j, "plan"), &o->nplan);
	o->plan_detail = str_list(cJSON_GetObjectItem(j, "plan_detail"), &o->nplan_detail);
	o->schema = str_list(cJSON_GetObjectItem(j, "schema"), &o->nschema);
	return 0;
}

/* ---- running the helper ---- */

static void add_action(cJSON *list, const char *db, const struct sql_action *a)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "db", db);
	switch (a->op) {
	case SQL_EXEC:
		cJSON_AddStringToObject(j, "op", "exec");
		cJSON_AddStringToObject(j, "sql", a->script->text);
		cJSON_AddStringToObject(j, "label", a->script->label);
		cJSON_AddBoolToObject(j, "learner", a->learner);
		if (a->allow) {
			cJSON *al = cJSON_AddArrayToObject(j, "allow");
			for (size_t i = 0; a->allow[i]; i++)
				cJSON_AddItemToArray(al, cJSON_CreateString(a->allow[i]));
		}
		if (a->max_statements)
			cJSON_AddNumberToObject(j, "max_statements", a->max_statements);
		cJSON_AddBoolToObject(j, "plan", a->plan);
		cJSON_AddBoolToObject(j, "reverse", a->reverse);
		break;
	case SQL_SCHEMA:
		cJSON_AddStringToObject(j, "op", "schema");
		break;
	case SQL_TABLE:
		cJSON_AddStringToObject(j, "op", "table");
		cJSON_AddStringToObject(j, "name", a->table);
		break;
	}
	cJSON_AddItemToArray(list, j);
}

/* Runs the helper once in work (the /work of the sandbox) on request;
 * fills the outcomes of b in order. */
static int run_helper(const char *work, cJSON *req, const struct ex_limits *limits,
		      double wall_s, struct sql_batch *b, size_t nb, struct sql_run_info *info,
		      char **msg)
{
	char *helper = path_beside_self(SQ_HELPER);
	if (!helper || access(helper, X_OK) != 0) {
		*msg = xasprintf("the SQLite engine %s is not installed beside the grader (%s)",
				 helper ? helper : SQ_HELPER, strerror(errno));
		free(helper);
		return -1;
	}
	char *text = cJSON_PrintUnformatted(req);
	struct sbx_bind bind = {.src = helper, .dst = SQ_BIND, .writable = 0};
	const char *argv[] = {SQ_BIND, NULL};
	struct sbx_config cfg;
	grade_sandbox_config(&cfg, limits);
	cfg.argv = argv;
	cfg.workdir = work;
	cfg.binds = &bind;
	cfg.nbinds = 1;
	cfg.stdin_data = text;
	cfg.stdin_len = strlen(text);
	cfg.wall_s = wall_s;
	cfg.cpu_s = wall_s;
	cfg.pids = 4;
	if (!cfg.out_bytes || cfg.out_bytes < 2 * (uint64_t)SQ_MAX_BYTES * nb + (1u << 20))
		cfg.out_bytes = 2 * (uint64_t)SQ_MAX_BYTES * nb + (1u << 20);
	double t0 = now_monotonic();
	int rc = sbx_run(&cfg, &info->res);
	info->wall_ms = (now_monotonic() - t0) * 1000.0;
	info->sandboxed = 1;
	free(text);
	free(helper);
	if (rc != 0) {
		*msg = xasprintf("the sandbox could not run the SQLite engine: %s", info->res.message);
		return -1;
	}
	cJSON *out = info->res.verdict == SBX_OK ? cJSON_ParseWithLength(info->res.out, info->res.out_len)
						 : NULL;
	const cJSON *results = out ? cJSON_GetObjectItem(out, "results") : NULL;
	const cJSON *r = results ? results->child : NULL;
	for (size_t i = 0; i < nb; i++) {
		b[i].out = xcalloc(b[i].n ? b[i].n : 1, sizeof *b[i].out);
		for (size_t k = 0; k < b[i].n; k++) {
			struct sql_outcome *o = &b[i].out[k];
			if (!r || sql_outcome_from_json(o, r) != 0) {
				sql_outcome_free(o);
				o->ok = 0;
				snprintf(o->code, sizeof o->code, "crashed");
			}
			r = r ? r->next : NULL;
		}
	}
	cJSON_Delete(out);
	return 0;
}

static cJSON *new_request(const struct ex_limits *limits, double action_s)
{
	cJSON *req = cJSON_CreateObject();
	cJSON_AddNumberToObject(req, "deadline_ms", action_s * 1000.0);
	uint64_t mem = limits->mem_bytes ? limits->mem_bytes : 256ull << 20;
	cJSON_AddNumberToObject(req, "heap_limit", (double)(mem / 4 * 3));
	cJSON_AddNumberToObject(req, "max_rows", SQ_MAX_ROWS);
	cJSON_AddNumberToObject(req, "max_bytes", SQ_MAX_BYTES);
	return req;
}

static int sq_build(const struct exercise *ex, const char *key, const struct grade_env *env,
		    char **msg)
{
	const struct sql_exercise *se = ex->data;
	pthread_mutex_lock(&cache_lock);
	if (!cache_dir) {
		char err[256];
		if (!(cache_dir = workdir_scratch(err, sizeof err))) {
			*msg = xasprintf("cannot create the SQLite cache: %s", err);
			pthread_mutex_unlock(&cache_lock);
			return -1;
		}
		atexit(cache_cleanup);
	}
	for (size_t i = 0; i < SQ_CACHE_MAX; i++) {
		if (cache_keys[i] && !strcmp(cache_keys[i], key)) {
			pthread_mutex_unlock(&cache_lock);
			return 0;
		}
	}
	/* Built under the lock: two workers never build the same version twice. */
	int rc = -1;
	char err[512];
	char *work = workdir_empty(env, err, sizeof err);
	if (!work) {
		*msg = xasprintf("cannot prepare the SQLite build: %s", err);
		goto out;
	}
	struct ex_limits lim = ex->limits;
	cJSON *req = new_request(&lim, SQ_BUILD_WALL);
	cJSON *list = cJSON_AddArrayToObject(req, "actions");
	size_t nb = 0;
	for (size_t d = 0; d < se->ndatasets; d++)
		nb += se->datasets[d].n;
	struct sql_batch *b = xcalloc(nb + 1, sizeof *b);
	struct sql_action *acts = xcalloc(nb + 1, sizeof *acts);
	size_t k = 0;
	for (size_t d = 0; d < se->ndatasets; d++) {
		char *db = xasprintf("/work/ds-%zu.db", d);
		for (size_t s = 0; s < se->datasets[d].n; s++, k++) {
			acts[k] = (struct sql_action){.op = SQL_EXEC, .script = &se->datasets[d].scripts[s]};
			b[k] = (struct sql_batch){.dataset = d, .actions = &acts[k], .n = 1};
			add_action(list, db, &acts[k]);
		}
		free(db);
	}
	struct sql_run_info info = {0};
	if (run_helper(work, req, &lim, SQ_BUILD_WALL + 5, b, nb, &info, msg) == 0) {
		rc = 0;
		k = 0;
		for (size_t d = 0; d < se->ndatasets && rc == 0; d++) {
			for (size_t s = 0; s < se->datasets[d].n; s++, k++) {
				const struct sql_outcome *o = &b[k].out[0];
				if (o->ok)
					continue;
				const char *dsname = se->datasets[d].name;
				if (!strcmp(o->code, "crashed"))
					*msg = xasprintf("the SQLite engine failed while building the "
							 "database (%s)",
							 info.res.message);
				else
					*msg = xasprintf("%s:%d:%d: %s%s%s%s",
							 se->datasets[d].scripts[s].label, o->line,
							 o->col, o->message ? o->message : o->code,
							 d ? " (dataset " : "", d ? dsname : "",
							 d ? ")" : "");
				rc = -1;
				break;
			}
		}
	}
	if (rc == 0) {
		size_t slot = cache_next++ % SQ_CACHE_MAX;
		if (cache_keys[slot]) {
			char *old = path_join(cache_dir, cache_keys[slot]);
			rm_rf(old);
			free(old);
			free(cache_keys[slot]);
			cache_keys[slot] = NULL;
		}
		char *dir = path_join(cache_dir, key);
		mkdir_p(dir);
		for (size_t d = 0; d < se->ndatasets && rc == 0; d++) {
			char name[32], *data = NULL, *dst = dataset_path(key, d);
			size_t len;
			snprintf(name, sizeof name, "ds-%zu.db", d);
			if (beneath_read(work, name, SQ_MAX_DB, &data, &len) != 0 ||
			    write_file_atomic(dst, data, len) != 0) {
				*msg = xasprintf("cannot keep the built database %s: %s", name,
						 strerror(errno));
				rc = -1;
			}
			free(data);
			free(dst);
		}
		if (rc == 0)
			cache_keys[slot] = xstrdup(key);
		else
			rm_rf(dir);
		free(dir);
	}
	for (size_t i = 0; i < nb; i++) {
		if (b[i].out)
			sql_outcome_free(&b[i].out[0]);
		free(b[i].out);
	}
	free(b);
	free(acts);
	sql_run_info_free(&info);
	cJSON_Delete(req);
	workdir_remove(work);
out:
	pthread_mutex_unlock(&cache_lock);
	return rc;
}

int sql_sqlite_make_db(const struct sql_script *scripts, size_t n, const struct ex_limits *limits,
		       const struct grade_env *env, char **data, size_t *len, char **msg)
{
	char err[512];
	char *work = workdir_empty(env, err, sizeof err);
	if (!work) {
		*msg = xasprintf("cannot prepare the SQLite build: %s", err);
		return -1;
	}
	cJSON *req = new_request(limits, SQ_BUILD_WALL);
	cJSON *list = cJSON_AddArrayToObject(req, "actions");
	struct sql_batch *b = xcalloc(n + 1, sizeof *b);
	struct sql_action *acts = xcalloc(n + 1, sizeof *acts);
	for (size_t k = 0; k < n; k++) {
		acts[k] = (struct sql_action){.op = SQL_EXEC, .script = &scripts[k]};
		b[k] = (struct sql_batch){.actions = &acts[k], .n = 1};
		add_action(list, "/work/db.sqlite", &acts[k]);
	}
	struct sql_run_info info = {0};
	int rc = run_helper(work, req, limits, SQ_BUILD_WALL + 5, b, n, &info, msg);
	for (size_t k = 0; rc == 0 && k < n; k++) {
		const struct sql_outcome *o = &b[k].out[0];
		if (o->ok)
			continue;
		if (!strcmp(o->code, "crashed"))
			*msg = xasprintf("the SQLite engine failed while building the database (%s)",
					 info.res.message);
		else
			*msg = xasprintf("%s:%d:%d: %s", scripts[k].label, o->line, o->col,
					 o->message ? o->message : o->code);
		rc = -1;
	}
	if (rc == 0 && beneath_read(work, "db.sqlite", SQ_MAX_DB, data, len) != 0) {
		*msg = xasprintf("the built database cannot be read: %s", strerror(errno));
		rc = -1;
	}
	for (size_t k = 0; k < n; k++) {
		if (b[k].out)
			sql_outcome_free(&b[k].out[0]);
		free(b[k].out);
	}
	free(b);
	free(acts);
	sql_run_info_free(&info);
	cJSON_Delete(req);
	workdir_remove(work);
	return rc;
}

static int sq_run(const struct exercise *ex, const char *key, const struct ex_limits *limits,
		  const struct grade_env *env, struct sql_batch *b, size_t nb,
		  struct sql_run_info *info, char **msg)
{
	char err[512];
	char *work = workdir_empty(env, err, sizeof err);
	if (!work) {
		*msg = xasprintf("cannot prepare the SQL run: %s", err);
		return -1;
	}
	double action_s = limits->wall_s > 0 ? limits->wall_s : 10.0;
	size_t nactions = 0;
	cJSON *req = new_request(limits, action_s);
	cJSON *list = cJSON_AddArrayToObject(req, "actions");
	int rc = 0;
	for (size_t i = 0; i < nb && rc == 0; i++) {
		char *src = NULL, *data = NULL, name[32];
		size_t len;
		pthread_mutex_lock(&cache_lock);
		src = cache_dir ? dataset_path(key, b[i].dataset) : NULL;
		rc = src ? read_file(src, SQ_MAX_DB, &data, &len) : -1;
		pthread_mutex_unlock(&cache_lock);
		snprintf(name, sizeof name, "b%zu.db", i);
		if (rc != 0 || beneath_write(work, name, data, len, 0644) != 0) {
			*msg = xasprintf("cannot copy the database for the SQL run: %s", strerror(errno));
			rc = -1;
		}
		free(src);
		free(data);
		char *db = xasprintf("/work/%s", name);
		for (size_t k = 0; k < b[i].n; k++, nactions++)
			add_action(list, db, &b[i].actions[k]);
		free(db);
	}
	if (rc == 0)
		rc = run_helper(work, req, limits, action_s * (double)(nactions ? nactions : 1) + 2.0, b,
				nb, info, msg);
	cJSON_Delete(req);
	workdir_remove(work);
	return rc;
}

const struct sql_engine sql_sqlite_engine = {
    .name = "sqlite",
    .build = sq_build,
    .run = sq_run,
};
