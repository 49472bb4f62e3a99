/*
 * http.c - the http kind: the learner's server runs inside the sandbox
 * (its own network namespace with only loopback, PORT in its
 * environment) for the whole grading; each check sends its request steps
 * to it with libcurl over sockets connected inside that namespace
 * (sbx_connect_tcp), keeps cookies across its steps, captures values from
 * responses for later steps ({{name}}), and compares status, headers,
 * cookies, body and JSON with the shared matchers. prepare starts the
 * server and waits until it is ready; finish stops it. Hidden and
 * after-due checks talk to a server of their own, in a work dir of its
 * own, so the server the visible checks see never receives a hidden
 * request (and cannot echo one back). docs/kinds/http.md is the
 * reference, docs/security.md the limits.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "grader/grade/runner.h"
#include "grader/grade/workdir.h"
#include "grader/match/json_schema.h"
#include "grader/match/match.h"
#include "grader/util/util.h"
#include "runners/sql.h"

#define HX_DEFAULT_PORT    8000
#define HX_STARTUP_DEFAULT 10.0        /* s until the server must be ready */
#define HX_REQUEST_DEFAULT 5.0         /* s for one request */
#define HX_DEFAULT_WALL    120.0       /* s the server may live, without limits: wall */
#define HX_MAX_BODY        (1u << 20)  /* a response body, read at most */
#define HX_MAX_HEADERS     (64u << 10) /* a response's header block */
#define HX_MAX_SENT        4096        /* the request as sent, kept for messages */
#define HX_SHOW_BODY       600         /* a body in a failure message */
#define HX_SHOW_OUTPUT     1200        /* the server's output in a failure message */
#define HX_MAX_REDIRECTS   10
#define HX_MAX_REPEAT      1000
#define HX_MAX_STARTS      4     /* server starts per grading (restarts included) */
#define HX_MAX_MATCHES     10000 /* nodes a JSON path may select */
#define HX_MAX_FILE        (16u << 20) /* one of server.files */

static const char *const hx_exercise_keys[] = {"server", "request_timeout", NULL};
static const char *const hx_check_keys[] = {"steps", "restart", NULL};
static const char *const hx_server_keys[] = {"run",   "port", "env", "ready", "startup_timeout",
					     "files", "sqlite", NULL};
static const char *const hx_step_keys[] = {"name", "request", "expect", "save", "repeat", NULL};
static const char *const hx_request_keys[] = {
    "method", "path", "query", "headers", "body", "json", "form", "follow_redirects", NULL};
static const char *const hx_expect_keys[] = {"status",      "headers",  "body",    "json",
					     "json_subset", "jsonpath", "schema",  "cookies",
					     "url",         "max_time", NULL};
static const char *const hx_assert_keys[] = {"path",   "type",   "equals", "value",
					     "length", "exists", "any",    NULL};
static const char *const hx_cookie_keys[] = {"value",     "http_only", "secure",
					     "same_site", "path",      NULL};
static const char *const hx_methods[] = {"GET",  "POST",    "PUT",   "PATCH", "DELETE",
					 "HEAD", "OPTIONS", "TRACE", NULL};
static const char *const hx_types[] = {"string", "number", "integer", "boolean",
				       "null",   "array",  "object",  NULL};

/* ---- templates: {{name}} in strings ---- */

/* The variables a check has saved so far: name -> JSON value. */
struct hx_vars {
	char **name;
	cJSON **value;
	size_t n;
};

static const cJSON *vars_get(const struct hx_vars *v, const char *name, size_t len)
{
	for (size_t i = v->n; i-- > 0;)
		if (strlen(v->name[i]) == len && !strncmp(v->name[i], name, len))
			return v->value[i];
	return NULL;
}

static void vars_set(struct hx_vars *v, const char *name, cJSON *value)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->name[i], name)) {
			cJSON_Delete(v->value[i]);
			v->value[i] = value;
			return;
		}
	v->name = xrealloc(v->name, (v->n + 1) * sizeof *v->name);
	v->value = xrealloc(v->value, (v->n + 1) * sizeof *v->value);
	v->name[v->n] = xstrdup(name);
	v->value[v->n++] = value;
}

static void vars_free(struct hx_vars *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->name[i]);
		cJSON_Delete(v->value[i]);
	}
	free(v->name);
	free(v->value);
	memset(v, 0, sizeof *v);
}

/* A value as text in a string: a string as itself, anything else as JSON. */
static char *value_text(const cJSON *v)
{
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	char *s = cJSON_PrintUnformatted(v);
	char *r = xstrdup(s ? s : "");
	cJSON_free(s);
	return r;
}

/* The next {{name}} in s: offsets of "{{" and of the name, and its length.
 * Names are letters, digits, _ and -, spaces around them allowed. */
static const char *next_ref(const char *s, const char **name, size_t *len, const char **end)
{
	for (const char *p = strstr(s, "{{"); p; p = strstr(p + 1, "{{")) {
		const char *q = p + 2;
		while (*q == ' ')
			q++;
		const char *n = q;
		while (isalnum((unsigned char)*q) || *q == '_' || *q == '-')
			q++;
		size_t l = (size_t)(q - n);
		while (*q == ' ')
			q++;
		if (l && q[0] == '}' && q[1] == '}') {
			*name = n;
			*len = l;
			*end = q + 2;
			return p;
		}
	}
	return NULL;
}

static char *render(const char *s, const struct hx_vars *v)
{
	struct strbuf sb = {0};
	const char *name, *end;
	size_t len;
	for (const char *p; (p = next_ref(s, &name, &len, &end)); s = end) {
		sb_add(&sb, s, (size_t)(p - s));
		const cJSON *val = vars_get(v, name, len);
		if (val) {
			char *t = value_text(val);
			sb_adds(&sb, t);
			free(t);
		} else {
			sb_add(&sb, p, (size_t)(end - p)); /* the loader refused unknown names */
		}
	}
	sb_adds(&sb, s);
	return sb_detach(&sb, NULL);
}

/* A JSON template rendered: a string that is exactly one {{name}} takes
 * the saved value with its type; other strings get text substitution. */
static cJSON *render_json(const cJSON *t, const struct hx_vars *v)
{
	if (cJSON_IsString(t)) {
		const char *name, *end;
		size_t len;
		const char *p = next_ref(t->valuestring, &name, &len, &end);
		if (!p)
			return cJSON_Duplicate(t, 1);
		const cJSON *val = vars_get(v, name, len);
		if (p == t->valuestring && !*end && val)
			return cJSON_Duplicate(val, 1);
		char *r = render(t->valuestring, v);
		cJSON *s = cJSON_CreateString(r);
		free(r);
		return s;
	}
	if (cJSON_IsArray(t) || cJSON_IsObject(t)) {
		cJSON *out = cJSON_IsArray(t) ? cJSON_CreateArray() : cJSON_CreateObject();
		for (const cJSON *c = t->child; c; c = c->next) {
			cJSON *r = render_json(c, v);
			if (cJSON_IsArray(t))
				cJSON_AddItemToArray(out, r);
			else
				cJSON_AddItemToObject(out, c->string ? c->string : "", r);
		}
		return out;
	}
	return cJSON_Duplicate(t, 1);
}

static int json_has_refs(const cJSON *t)
{
	const char *name, *end;
	size_t len;
	if (cJSON_IsString(t))
		return next_ref(t->valuestring, &name, &len, &end) != NULL;
	for (const cJSON *c = t->child; c; c = c->next)
		if (json_has_refs(c))
			return 1;
	return 0;
}

/* ---- JSON paths: $, .key, ["key"], [N] (negative from the end), [*], .* ---- */

enum hp_kind { HP_KEY, HP_INDEX, HP_WILD };

struct hp_seg {
	enum hp_kind kind;
	char *key;
	long index;
};

struct hx_path {
	char *text;
	struct hp_seg *seg;
	size_t n;
	int wild; /* selects any number of nodes */
};

static void path_free(struct hx_path *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->seg[i].key);
	free(p->seg);
	free(p->text);
	memset(p, 0, sizeof *p);
}

static void path_add(struct hx_path *p, enum hp_kind kind, char *key, long index)
{
	p->seg = xrealloc(p->seg, (p->n + 1) * sizeof *p->seg);
	p->seg[p->n++] = (struct hp_seg){kind, key, index};
	if (kind == HP_WILD)
		p->wild = 1;
}

/* Parses s; on a mistake returns -1 with *off (0-based) and *why. */
static int path_parse(const char *s, struct hx_path *p, size_t *off, const char **why)
{
	memset(p, 0, sizeof *p);
	p->text = xstrdup(s);
	const char *c = s;
	if (*c != '$') {
		*off = 0;
		*why = "a JSON path starts with $";
		return -1;
	}
	c++;
	while (*c) {
		if (c[0] == '.' && c[1] == '*') {
			path_add(p, HP_WILD, NULL, 0);
			c += 2;
		} else if (*c == '.') {
			const char *k = ++c;
			while (isalnum((unsigned char)*c) || *c == '_' || *c == '-')
				c++;
			if (c == k) {
				*off = (size_t)(c - s);
				*why = "expected a key name after '.' (write [\"...\"] for other "
				       "keys)";
				return -1;
			}
			path_add(p, HP_KEY, xstrndup(k, (size_t)(c - k)), 0);
		} else if (c[0] == '[' && c[1] == '*' && c[2] == ']') {
			path_add(p, HP_WILD, NULL, 0);
			c += 3;
		} else if (c[0] == '[' && (c[1] == '"' || c[1] == '\'')) {
			char q = c[1];
			const char *k = c + 2, *e = strchr(k, q);
			if (!e || e[1] != ']') {
				*off = (size_t)(c - s);
				*why = "unterminated [\"key\"]";
				return -1;
			}
			path_add(p, HP_KEY, xstrndup(k, (size_t)(e - k)), 0);
			c = e + 2;
		} else if (*c == '[') {
			char *end;
			errno = 0;
			long idx = strtol(c + 1, &end, 10);
			if (end == c + 1 || *end != ']' || errno) {
				*off = (size_t)(c - s);
				*why = "expected [N], [-N], [*] or [\"key\"]";
				return -1;
			}
			path_add(p, HP_INDEX, NULL, idx);
			c = end + 1;
		} else {
			*off = (size_t)(c - s);
			*why = "expected '.', '[' or the end of the path";
			return -1;
		}
	}
	return 0;
}

struct hx_nodes {
	const cJSON **v;
	char **where; /* the concrete path of each: $.items[2].id */
	size_t n;
};

static void nodes_free(struct hx_nodes *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->where[i]);
	free(ns->where);
	free(ns->v);
	memset(ns, 0, sizeof *ns);
}

static void path_eval_at(const struct hx_path *p, size_t i, const cJSON *j, struct strbuf *cur,
			 struct hx_nodes *out)
{
	if (out->n >= HX_MAX_MATCHES)
		return;
	if (i == p->n) {
		out->v = xrealloc(out->v, (out->n + 1) * sizeof *out->v);
		out->where = xrealloc(out->where, (out->n + 1) * sizeof *out->where);
		out->v[out->n] = j;
		out->where[out->n++] = xstrdup(cur->buf);
		return;
	}
	const struct hp_seg *s = &p->seg[i];
	size_t len = cur->len;
	if (s->kind == HP_WILD) {
		long k = 0;
		for (const cJSON *c = (cJSON_IsArray(j) || cJSON_IsObject(j)) ? j->child : NULL; c;
		     c = c->next, k++) {
			if (cJSON_IsArray(j))
				sb_addf(cur, "[%ld]", k);
			else
				sb_addf(cur, "[\"%s\"]", c->string ? c->string : "");
			path_eval_at(p, i + 1, c, cur, out);
			cur->len = len;
			cur->buf[len] = '\0';
		}
	} else if (s->kind == HP_KEY) {
		if (cJSON_IsObject(j))
			for (const cJSON *c = j->child; c; c = c->next)
				if (c->string && !strcmp(c->string, s->key)) {
					sb_addf(cur, ".%s", s->key);
					path_eval_at(p, i + 1, c, cur, out);
					break;
				}
	} else if (cJSON_IsArray(j)) {
		long n = (long)cJSON_GetArraySize(j);
		long idx = s->index < 0 ? n + s->index : s->index;
		if (idx >= 0 && idx < n) {
			sb_addf(cur, "[%ld]", idx);
			path_eval_at(p, i + 1, cJSON_GetArrayItem(j, (int)idx), cur, out);
		}
	}
	cur->len = len;
	if (cur->buf)
		cur->buf[len] = '\0';
}

static void path_eval(const struct hx_path *p, const cJSON *root, struct hx_nodes *out)
{
	memset(out, 0, sizeof *out);
	struct strbuf cur = {0};
	sb_adds(&cur, "$");
	if (root)
		path_eval_at(p, 0, root, &cur, out);
	sb_free(&cur);
}

static const char *json_type(const cJSON *v)
{
	switch (v->type & 0xFF) {
	case cJSON_String:
		return "string";
	case cJSON_Number:
		return "number";
	case cJSON_True:
	case cJSON_False:
		return "boolean";
	case cJSON_NULL:
		return "null";
	case cJSON_Array:
		return "array";
	case cJSON_Object:
		return "object";
	default:
		return "invalid";
	}
}

static int json_is_type(const cJSON *v, const char *type)
{
	if (!strcmp(type, "integer"))
		return cJSON_IsNumber(v) && isfinite(v->valuedouble) &&
		       v->valuedouble == floor(v->valuedouble);
	return !strcmp(json_type(v), type);
}

static const char *article(const char *type)
{
	return strchr("aeiou", type[0]) ? "an" : "a";
}

/* ---- the exercise's definition ---- */

struct hx_kv {
	char *name, *value; /* value may hold {{refs}} */
};

enum hx_body { BODY_NONE, BODY_RAW, BODY_JSON, BODY_FORM };

struct hx_request {
	char *method;
	char *path;
	struct hx_kv *query, *headers, *form;
	size_t nquery, nheaders, nform;
	enum hx_body body_kind;
	char *body;  /* BODY_RAW */
	cJSON *json; /* BODY_JSON: a template */
	int follow;
};

/* An expected JSON value: a template (with {{refs}}, rendered per run)
 * or a matcher prepared at load time. */
struct hx_jexp {
	cJSON *tmpl;
	int has_refs;
	int subset;
	struct matcher m; /* !has_refs: MATCH_JSON from tmpl */
};

struct hx_range {
	int lo, hi;
};

struct hx_header_exp {
	char *name;
	int absent;
	struct matcher m;
};

struct hx_cookie_exp {
	char *name;
	int absent;
	struct matcher *value, *path;
	int http_only, secure; /* -1: not checked */
	char *same_site;
};

struct hx_assert {
	struct hx_path path;
	char *type;
	struct hx_jexp *equals;
	struct matcher *value;
	long length; /* -1: not checked */
	int exists;  /* -1: not checked */
	int any;
};

enum hx_from { FROM_JSON, FROM_HEADER, FROM_COOKIE };

struct hx_save {
	char *var;
	enum hx_from from;
	char *name; /* header or cookie */
	struct hx_path path;
};

struct hx_step {
	char *name;
	int line;
	struct hx_request req;
	long repeat;
	struct hx_range *status;
	size_t nstatus; /* 0 with any_status: anything */
	int any_status;
	struct hx_header_exp *headers;
	size_t nheaders;
	struct matcher *body;
	struct hx_jexp *json;
	struct hx_assert *asserts;
	size_t nasserts;
	struct json_schema *schema; /* the body must be JSON valid against it */
	struct hx_cookie_exp *cookies;
	size_t ncookies;
	struct matcher *url;
	double max_time;
	struct hx_save *saves;
	size_t nsaves;
};

struct hx_check {
	struct hx_step *steps;
	size_t nsteps;
	int restart;
};

struct hx_exercise {
	char **argv;
	size_t argc;
	char **env;
	size_t nenv;
	int port;
	char *ready_path;
	double startup_timeout, request_timeout;
	struct ex_file *files; /* server.files: written into each server's work dir */
	size_t nfiles;
	char *db_file; /* server.sqlite: where the built database goes, or NULL */
	struct sql_script *db_setup;
	size_t ndb_setup;
};

/* ---- loading ---- */

static int yaml_is_null(const struct yaml_node *n)
{
	return n->kind == YAML_SCALAR && !n->quoted &&
	       (!*n->scalar || !strcmp(n->scalar, "~") || !strcmp(n->scalar, "null"));
}

/* A YAML value as JSON: unquoted scalars that read as null, true, false
 * or a number are those; everything else is a string. */
static cJSON *yaml_to_json(const struct yaml_node *n)
{
	if (n->kind == YAML_SEQ) {
		cJSON *a = cJSON_CreateArray();
		for (size_t i = 0; i < n->n; i++)
			cJSON_AddItemToArray(a, yaml_to_json(n->items[i]));
		return a;
	}
	if (n->kind == YAML_MAP) {
		cJSON *o = cJSON_CreateObject();
		for (size_t i = 0; i < n->n; i++)
			cJSON_AddItemToObject(o, n->keys[i]->scalar, yaml_to_json(n->items[i]));
		return o;
	}
	const char *s = n->scalar;
	if (!n->quoted) {
		if (yaml_is_null(n))
			return cJSON_CreateNull();
		if (!strcmp(s, "true") || !strcmp(s, "True"))
			return cJSON_CreateTrue();
		if (!strcmp(s, "false") || !strcmp(s, "False"))
			return cJSON_CreateFalse();
		char *end;
		double v = strtod(s, &end);
		if (end != s && !*end && isfinite(v) && !strchr(s, 'x') && !strchr(s, 'X'))
			return cJSON_CreateNumber(v);
	}
	return cJSON_CreateString(s);
}

/* A JSON value written in YAML (a map or a list), or as JSON text in a
 * string. NULL after a positioned diagnostic. */
static cJSON *load_json_value(const struct yaml_node *n, const char *what, struct diag *d)
{
	if (n->kind != YAML_SCALAR)
		return yaml_to_json(n);
	if (!n->quoted && !strcmp(n->scalar, "")) {
		yaml_error(d, n, "%s is empty", what);
		return NULL;
	}
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(n->scalar, n->scalar_len, &end, 0);
	const char *p = end ? end : n->scalar;
	while (j && p < n->scalar + n->scalar_len && isspace((unsigned char)*p))
		p++;
	if (j && p == n->scalar + n->scalar_len)
		return j;
	cJSON_Delete(j);
	if (!end || end < n->scalar || end > n->scalar + n->scalar_len)
		end = n->scalar;
	int line = 1, col = 1;
	for (const char *c = n->scalar; c < end; c++) {
		if (*c == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)*c & 0xC0) != 0x80) {
			col++;
		}
	}
	yaml_error(d, n,
		   "%s is not valid JSON: parsing stopped at line %d, column %d of the value "
		   "(write the value in YAML, or quote a JSON document)",
		   what, line, col);
	return NULL;
}

/* Each {{name}} in s must be a variable some earlier step saved. */
static int check_refs(const char *s, const char *const *known, const struct yaml_node *at,
		      struct diag *d)
{
	const char *name, *end;
	size_t len;
	int bad = 0;
	for (const char *p; (p = next_ref(s, &name, &len, &end)); s = end) {
		int found = 0;
		for (size_t i = 0; known && known[i]; i++)
			found |= strlen(known[i]) == len && !strncmp(known[i], name, len);
		if (found)
			continue;
		char *nm = xstrndup(name, len);
		const char *near = known ? closest_word(nm, known) : NULL;
		yaml_error(d, at,
			   "{{%s}} is not saved by an earlier step of this check%s%s%s (save it "
			   "with save: {%s: $.path})",
			   nm, near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "",
			   nm);
		free(nm);
		bad = 1;
	}
	return bad;
}

static int check_json_refs(const cJSON *t, const char *const *known, const struct yaml_node *at,
			   struct diag *d)
{
	int bad = 0;
	if (t->string)
		bad |= check_refs(t->string, known, at, d);
	if (cJSON_IsString(t))
		bad |= check_refs(t->valuestring, known, at, d);
	for (const cJSON *c = t->child; c; c = c->next)
		bad |= check_json_refs(c, known, at, d);
	return bad;
}

/* {NAME: value} into kv pairs (values rendered later). */
static int load_kv(const struct yaml_node *n, const char *what, struct hx_kv **out, size_t *count,
		   const char *const *known, int header_names, struct diag *d)
{
	if (yaml_expect_kind(n, YAML_MAP, what, d) != 0)
		return -1;
	int bad = 0;
	*out = xcalloc(n->n ? n->n : 1, sizeof **out);
	for (size_t i = 0; i < n->n; i++) {
		const char *k = n->keys[i]->scalar;
		const struct yaml_node *v = n->items[i];
		if (header_names && (!*k || strpbrk(k, ": \t\r\n"))) {
			yaml_error(d, n->keys[i], "'%s' is not a valid header name", k);
			bad = 1;
			continue;
		}
		if (v->kind != YAML_SCALAR) {
			yaml_error(d, v, "the value of %s must be a string", k);
			bad = 1;
			continue;
		}
		if (header_names && strpbrk(v->scalar, "\r\n")) {
			yaml_error(d, v, "the value of header %s must be one line", k);
			bad = 1;
			continue;
		}
		bad |= check_refs(v->scalar, known, v, d);
		(*out)[*count].name = xstrdup(k);
		(*out)[(*count)++].value = xstrdup(v->scalar);
	}
	return bad ? -1 : 0;
}

static int load_request(struct hx_request *r, const struct yaml_node *n, const char *const *known,
			struct diag *d)
{
	if (yaml_expect_kind(n, YAML_MAP, "'request'", d) != 0)
		return -1;
	int bad = yaml_check_keys(n, hx_request_keys, d) != 0;
	const struct yaml_node *v;
	const char *s;
	r->method = xstrdup("GET");
	if ((v = yaml_get(n, "method"))) {
		if (yaml_to_str(v, "'method'", &s, d) != 0) {
			bad = 1;
		} else {
			int ok = 0;
			for (size_t i = 0; hx_methods[i]; i++)
				ok |= !strcmp(hx_methods[i], s);
			if (!ok) {
				const char *near = closest_word(s, hx_methods);
				yaml_error(d, v, "unknown method '%s'%s%s%s", s,
					   near ? " (did you mean '" : "", near ? near : "",
					   near ? "'?)" : "");
				bad = 1;
			} else {
				free(r->method);
				r->method = xstrdup(s);
			}
		}
	}
	if (!(v = yaml_get(n, "path"))) {
		yaml_error(d, n, "the request has no 'path' (e.g. path: /health)");
		bad = 1;
	} else if (yaml_to_str(v, "'path'", &s, d) != 0) {
		bad = 1;
	} else if (s[0] != '/' || strpbrk(s, " \t\r\n#")) {
		yaml_error(d, v,
			   "'path' must start with / and hold no spaces or '#' (put query "
			   "parameters in 'query')");
		bad = 1;
	} else {
		bad |= check_refs(s, known, v, d);
		r->path = xstrdup(s);
	}
	if ((v = yaml_get(n, "query")) &&
	    load_kv(v, "'query'", &r->query, &r->nquery, known, 0, d) != 0)
		bad = 1;
	if ((v = yaml_get(n, "headers")) &&
	    load_kv(v, "'headers'", &r->headers, &r->nheaders, known, 1, d) != 0)
		bad = 1;
	int nbody = !!yaml_get(n, "body") + !!yaml_get(n, "json") + !!yaml_get(n, "form");
	if (nbody > 1) {
		yaml_error(d, n, "a request has one body: 'body', 'json' or 'form', not several");
		bad = 1;
	} else if ((v = yaml_get(n, "body"))) {
		if (v->kind != YAML_SCALAR) {
			yaml_error(d, v, "'body' must be a string (use 'json' for a JSON body)");
			bad = 1;
		} else {
			bad |= check_refs(v->scalar, known, v, d);
			r->body_kind = BODY_RAW;
			r->body = xstrndup(v->scalar, v->scalar_len);
		}
	} else if ((v = yaml_get(n, "json"))) {
		if (!(r->json = load_json_value(v, "'json'", d)))
			bad = 1;
		else if (check_json_refs(r->json, known, v, d))
			bad = 1;
		else
			r->body_kind = BODY_JSON;
	} else if ((v = yaml_get(n, "form"))) {
		if (load_kv(v, "'form'", &r->form, &r->nform, known, 0, d) != 0)
			bad = 1;
		else
			r->body_kind = BODY_FORM;
	}
	if ((v = yaml_get(n, "follow_redirects")) &&
	    yaml_to_bool(v, "'follow_redirects'", &r->follow, d) != 0)
		bad = 1;
	return bad ? -1 : 0;
}

/* scalar_json: a string is a JSON document (json:, json_subset:); else a
 * scalar is a YAML value like any other (equals: "{{id}}", equals: 3). */
static struct hx_jexp *load_jexp(const struct yaml_node *n, const char *what, int subset,
				 int scalar_json, const char *const *known, struct diag *d)
{
	cJSON *t =
	    scalar_json || n->kind != YAML_SCALAR ? load_json_value(n, what, d) : yaml_to_json(n);
	if (!t)
		return NULL;
	if (check_json_refs(t, known, n, d)) {
		cJSON_Delete(t);
		return NULL;
	}
	struct hx_jexp *e = xcalloc(1, sizeof *e);
	e->tmpl = t;
	e->subset = subset;
	e->has_refs = json_has_refs(t);
	if (!e->has_refs) {
		char *text = cJSON_PrintUnformatted(t);
		matcher_init_text(&e->m, MATCH_JSON, text, strlen(text));
		e->m.json_subset = subset;
		matcher_prepare(&e->m);
		cJSON_free(text);
	}
	return e;
}

static void jexp_free(struct hx_jexp *e)
{
	if (!e)
		return;
	cJSON_Delete(e->tmpl);
	if (!e->has_refs)
		matcher_free(&e->m);
	free(e);
}

static struct matcher *load_matcher(const struct exercise *ex, const struct yaml_node *n,
				    struct diag *d)
{
	struct matcher *m = xcalloc(1, sizeof *m);
	if (matcher_from_yaml(m, n, ex->dir, d) != 0) {
		free(m);
		return NULL;
	}
	return m;
}

static void matcher_drop(struct matcher *m)
{
	if (m)
		matcher_free(m);
	free(m);
}

/* A status: 201, "2xx", or a list of them; "any" accepts anything. */
static int load_status(struct hx_step *st, const struct yaml_node *n, struct diag *d)
{
	if (n->kind == YAML_SCALAR && !n->quoted && !strcmp(n->scalar, "any")) {
		st->any_status = 1;
		return 0;
	}
	size_t count = n->kind == YAML_SEQ ? n->n : 1;
	if (n->kind == YAML_MAP || count == 0) {
		yaml_error(d, n,
			   "'status' must be a status (201), a class (\"2xx\"), a list of "
			   "them, or any");
		return -1;
	}
	st->status = xcalloc(count, sizeof *st->status);
	int bad = 0;
	for (size_t i = 0; i < count; i++) {
		const struct yaml_node *v = n->kind == YAML_SEQ ? n->items[i] : n;
		long long code;
		if (v->kind == YAML_SCALAR && strlen(v->scalar) == 3 && v->scalar[0] >= '1' &&
		    v->scalar[0] <= '5' && (v->scalar[1] == 'x' || v->scalar[1] == 'X') &&
		    (v->scalar[2] == 'x' || v->scalar[2] == 'X')) {
			int c = v->scalar[0] - '0';
			st->status[st->nstatus++] = (struct hx_range){c * 100, c * 100 + 99};
		} else if (yaml_to_int(v, "a status", 100, 599, &code, d) != 0) {
			bad = 1;
		} else {
			st->status[st->nstatus++] = (struct hx_range){(int)code, (int)code};
		}
	}
	return bad ? -1 : 0;
}

static int load_headers_exp(const struct exercise *ex, struct hx_step *st,
			    const struct yaml_node *n, struct diag *d)
{
	if (yaml_expect_kind(n, YAML_MAP, "'headers'", d) != 0)
		return -1;
	int bad = 0;
	st->headers = xcalloc(n->n ? n->n : 1, sizeof *st->headers);
	for (size_t i = 0; i < n->n; i++) {
		struct hx_header_exp *h = &st->headers[st->nheaders];
		const struct yaml_node *v = n->items[i];
		if (yaml_is_null(v)) {
			h->absent = 1;
		} else if (matcher_from_yaml(&h->m, v, ex->dir, d) != 0) {
			bad = 1;
			continue;
		}
		h->name = xstrdup(n->keys[i]->scalar);
		st->nheaders++;
	}
	return bad ? -1 : 0;
}

static int load_cookies_exp(const struct exercise *ex, struct hx_step *st,
			    const struct yaml_node *n, struct diag *d)
{
	if (yaml_expect_kind(n, YAML_MAP, "'cookies'", d) != 0)
		return -1;
	int bad = 0;
	st->cookies = xcalloc(n->n ? n->n : 1, sizeof *st->cookies);
	for (size_t i = 0; i < n->n; i++) {
		struct hx_cookie_exp *c = &st->cookies[st->ncookies++];
		const struct yaml_node *v = n->items[i], *o;
		c->name = xstrdup(n->keys[i]->scalar);
		c->http_only = c->secure = -1;
		if (v->kind == YAML_SCALAR) {
			int set;
			if (yaml_to_bool(v, "a cookie expectation", &set, d) != 0) {
				yaml_error(d, v,
					   "write true (set), false (not set) or a map of value, "
					   "http_only, secure, same_site, path");
				bad = 1;
			}
			c->absent = !set;
			continue;
		}
		if (yaml_expect_kind(v, YAML_MAP, "a cookie expectation", d) != 0 ||
		    yaml_check_keys(v, hx_cookie_keys, d) != 0) {
			bad = 1;
			continue;
		}
		if ((o = yaml_get(v, "value")) && !(c->value = load_matcher(ex, o, d)))
			bad = 1;
		if ((o = yaml_get(v, "path")) && !(c->path = load_matcher(ex, o, d)))
			bad = 1;
		if ((o = yaml_get(v, "http_only")) &&
		    yaml_to_bool(o, "'http_only'", &c->http_only, d))
			bad = 1;
		if ((o = yaml_get(v, "secure")) && yaml_to_bool(o, "'secure'", &c->secure, d))
			bad = 1;
		if ((o = yaml_get(v, "same_site"))) {
			const char *s;
			if (yaml_to_str(o, "'same_site'", &s, d) != 0) {
				bad = 1;
			} else if (strcasecmp(s, "Strict") && strcasecmp(s, "Lax") &&
				   strcasecmp(s, "None")) {
				yaml_error(d, o, "'same_site' is Strict, Lax or None, not '%s'", s);
				bad = 1;
			} else {
				c->same_site = xstrdup(s);
			}
		}
	}
	return bad ? -1 : 0;
}

/* A JSON path from a YAML string, errors at the offending column. */
static int load_path(struct hx_path *p, const struct yaml_node *n, struct diag *d)
{
	const char *s, *why;
	size_t off;
	if (yaml_to_str(n, "a JSON path", &s, d) != 0)
		return -1;
	if (path_parse(s, p, &off, &why) == 0)
		return 0;
	diag_error(d, n->file, n->line, n->col + (int)off + (n->quoted ? 1 : 0),
		   "bad JSON path '%s': %s", s, why);
	path_free(p);
	return -1;
}

static int load_assert(const struct exercise *ex, struct hx_assert *a, const struct yaml_node *n,
		       const char *const *known, struct diag *d)
{
	a->length = -1;
	a->exists = -1;
	if (yaml_expect_kind(n, YAML_MAP, "a jsonpath assertion", d) != 0 ||
	    yaml_check_keys(n, hx_assert_keys, d) != 0)
		return -1;
	const struct yaml_node *v;
	int bad = 0;
	if (!(v = yaml_get(n, "path"))) {
		yaml_error(d, n, "a jsonpath assertion needs 'path' (e.g. path: $.items[0].id)");
		return -1;
	}
	if (load_path(&a->path, v, d) != 0)
		return -1;
	if ((v = yaml_get(n, "type"))) {
		const char *s;
		if (yaml_to_str(v, "'type'", &s, d) != 0) {
			bad = 1;
		} else {
			int ok = 0;
			for (size_t i = 0; hx_types[i]; i++)
				ok |= !strcmp(hx_types[i], s);
			if (!ok) {
				const char *near = closest_word(s, hx_types);
				yaml_error(d, v,
					   "unknown type '%s'%s%s%s (string, number, integer, "
					   "boolean, null, array, object)",
					   s, near ? " (did you mean '" : "", near ? near : "",
					   near ? "'?)" : "");
				bad = 1;
			} else {
				a->type = xstrdup(s);
			}
		}
	}
	if ((v = yaml_get(n, "equals")) && !(a->equals = load_jexp(v, "'equals'", 0, 0, known, d)))
		bad = 1;
	if ((v = yaml_get(n, "value")) && !(a->value = load_matcher(ex, v, d)))
		bad = 1;
	long long len;
	if ((v = yaml_get(n, "length"))) {
		if (yaml_to_int(v, "'length'", 0, 1 << 30, &len, d) != 0)
			bad = 1;
		else
			a->length = (long)len;
	}
	if ((v = yaml_get(n, "exists")) && yaml_to_bool(v, "'exists'", &a->exists, d) != 0)
		bad = 1;
	if ((v = yaml_get(n, "any")) && yaml_to_bool(v, "'any'", &a->any, d) != 0)
		bad = 1;
	if (!bad && !a->type && !a->equals && !a->value && a->length < 0 && a->exists < 0) {
		yaml_error(d, n,
			   "this assertion checks nothing: give type, equals, value, length or "
			   "exists");
		bad = 1;
	}
	if (!bad && a->any && !a->path.wild)
		yaml_error(d, n, "'any' needs a path with [*] or .*"), bad = 1;
	return bad ? -1 : 0;
}

/* The YAML node a JSON pointer ("/properties/price/type") names below
 * n, as far as it leads: where a schema's mistake is reported. */
static const struct yaml_node *yaml_at_pointer(const struct yaml_node *n, const char *ptr)
{
	struct strbuf key = {0};
	while (n && n->kind != YAML_SCALAR && (ptr = json_pointer_next(ptr, &key))) {
		const char *k = key.buf;
		const struct yaml_node *next = NULL;
		if (n->kind == YAML_MAP) {
			next = yaml_get(n, k);
		} else {
			char *end;
			unsigned long i = strtoul(k, &end, 10);
			next = *k && !*end && i < n->n ? n->items[i] : NULL;
		}
		if (!next)
			break;
		n = next;
	}
	sb_free(&key);
	return n;
}

/* schema: a JSON Schema written in YAML (or as JSON text in a string). */
static int load_schema(struct hx_step *st, const struct yaml_node *n, struct diag *d)
{
	cJSON *j = load_json_value(n, "'schema'", d);
	if (!j)
		return -1;
	char *why = NULL, *at = NULL;
	st->schema = json_schema_new(j, &why, &at);
	cJSON_Delete(j);
	if (st->schema)
		return 0;
	const struct yaml_node *where = n->kind == YAML_SCALAR ? n : yaml_at_pointer(n, at);
	yaml_error(d, where, "bad JSON Schema%s%s: %s", *at ? " at " : "", at, why);
	free(why);
	free(at);
	return -1;
}

static int load_expect(const struct exercise *ex, struct hx_step *st, const struct yaml_node *n,
		       const char *const *known, struct diag *d)
{
	if (yaml_expect_kind(n, YAML_MAP, "'expect'", d) != 0)
		return -1;
	int bad = yaml_check_keys(n, hx_expect_keys, d) != 0;
	const struct yaml_node *v;
	if ((v = yaml_get(n, "status"))) {
		bad |= load_status(st, v, d) != 0;
	} else {
		st->status = xcalloc(1, sizeof *st->status);
		st->status[st->nstatus++] = (struct hx_range){200, 299};
	}
	if ((v = yaml_get(n, "headers")))
		bad |= load_headers_exp(ex, st, v, d) != 0;
	if ((v = yaml_get(n, "cookies")))
		bad |= load_cookies_exp(ex, st, v, d) != 0;
	if ((v = yaml_get(n, "body")) && !(st->body = load_matcher(ex, v, d)))
		bad = 1;
	if (yaml_get(n, "json") && yaml_get(n, "json_subset")) {
		yaml_error(d, n,
			   "give 'json' (equal) or 'json_subset' (at least these keys), not "
			   "both");
		bad = 1;
	} else if ((v = yaml_get(n, "json")) &&
		   !(st->json = load_jexp(v, "'json'", 0, 1, known, d))) {
		bad = 1;
	} else if ((v = yaml_get(n, "json_subset")) &&
		   !(st->json = load_jexp(v, "'json_subset'", 1, 1, known, d))) {
		bad = 1;
	}
	if ((v = yaml_get(n, "jsonpath"))) {
		size_t count = v->kind == YAML_SEQ ? v->n : 1;
		st->asserts = xcalloc(count ? count : 1, sizeof *st->asserts);
		for (size_t i = 0; i < count; i++) {
			const struct yaml_node *item = v->kind == YAML_SEQ ? v->items[i] : v;
			struct hx_assert *a = &st->asserts[st->nasserts++];
			bad |= load_assert(ex, a, item, known, d) != 0;
		}
	}
	if ((v = yaml_get(n, "schema")))
		bad |= load_schema(st, v, d) != 0;
	if ((v = yaml_get(n, "url")) && !(st->url = load_matcher(ex, v, d)))
		bad = 1;
	if ((v = yaml_get(n, "max_time")) &&
	    yaml_to_duration(v, "'max_time'", &st->max_time, d) != 0)
		bad = 1;
	return bad ? -1 : 0;
}

/* save: {var: $.path | {json: $.path} | {header: Name} | {cookie: name}}.
 * The names go into *known for later steps. */
static int load_saves(struct hx_step *st, const struct yaml_node *n, const char ***known,
		      size_t *nknown, struct diag *d)
{
	if (yaml_expect_kind(n, YAML_MAP, "'save'", d) != 0)
		return -1;
	int bad = 0;
	st->saves = xcalloc(n->n ? n->n : 1, sizeof *st->saves);
	for (size_t i = 0; i < n->n; i++) {
		const char *var = n->keys[i]->scalar;
		const struct yaml_node *v = n->items[i], *src = v;
		struct hx_save *s = &st->saves[st->nsaves];
		const char *c = var;
		while (isalnum((unsigned char)*c) || *c == '_' || *c == '-')
			c++;
		if (!*var || *c) {
			yaml_error(d, n->keys[i],
				   "'%s' cannot be a variable name (letters, digits, _ and -)",
				   var);
			bad = 1;
			continue;
		}
		s->from = FROM_JSON;
		if (v->kind == YAML_MAP) {
			static const char *const keys[] = {"json", "header", "cookie", NULL};
			if (yaml_check_keys(v, keys, d) != 0 || v->n != 1) {
				if (v->n != 1)
					yaml_error(d, v,
						   "save from one place: json, header or cookie");
				bad = 1;
				continue;
			}
			const char *k = v->keys[0]->scalar;
			src = v->items[0];
			if (strcmp(k, "json") != 0) {
				const char *name;
				if (yaml_to_str(src, "the name", &name, d) != 0) {
					bad = 1;
					continue;
				}
				s->from = !strcmp(k, "header") ? FROM_HEADER : FROM_COOKIE;
				s->name = xstrdup(name);
			}
		}
		if (s->from == FROM_JSON && load_path(&s->path, src, d) != 0) {
			bad = 1;
			continue;
		}
		s->var = xstrdup(var);
		st->nsaves++;
		*known = xrealloc(*known, (*nknown + 2) * sizeof **known);
		(*known)[(*nknown)++] = s->var;
		(*known)[*nknown] = NULL;
	}
	return bad ? -1 : 0;
}

static int load_step(const struct exercise *ex, struct hx_step *st, const struct yaml_node *n,
		     const char ***known, size_t *nknown, struct diag *d)
{
	st->line = n->line;
	st->repeat = 1;
	if (yaml_expect_kind(n, YAML_MAP, "a step", d) != 0)
		return -1;
	int bad = yaml_check_keys(n, hx_step_keys, d) != 0;
	const struct yaml_node *v;
	const char *s;
	if ((v = yaml_get(n, "name"))) {
		if (yaml_to_str(v, "'name'", &s, d) != 0)
			bad = 1;
		else
			st->name = xstrdup(s);
	}
	if (!(v = yaml_get(n, "request"))) {
		yaml_error(d, n, "a step needs a 'request' (e.g. request: {method: GET, path: /})");
		bad = 1;
	} else {
		bad |= load_request(&st->req, v, *known, d) != 0;
	}
	if ((v = yaml_get(n, "repeat"))) {
		long long r;
		if (yaml_to_int(v, "'repeat'", 1, HX_MAX_REPEAT, &r, d) != 0)
			bad = 1;
		else
			st->repeat = (long)r;
	}
	if ((v = yaml_get(n, "expect"))) {
		bad |= load_expect(ex, st, v, *known, d) != 0;
	} else {
		st->status = xcalloc(1, sizeof *st->status);
		st->status[st->nstatus++] = (struct hx_range){200, 299};
	}
	if ((v = yaml_get(n, "save")))
		bad |= load_saves(st, v, known, nknown, d) != 0;
	return bad ? -1 : 0;
}

/* Whether a step can only pass on an error status (every accepted status
 * is 400 or more). */
static int expects_error_only(const struct hx_step *st)
{
	if (st->any_status || !st->nstatus)
		return 0;
	for (size_t i = 0; i < st->nstatus; i++)
		if (st->status[i].lo < 400)
			return 0;
	return 1;
}

static int hx_load_check(const struct exercise *ex, struct ex_check *c, struct diag *d)
{
	struct hx_check *hc = xcalloc(1, sizeof *hc);
	c->data = hc;
	const struct yaml_node *v, *lim;
	int bad = 0;
	if ((lim = yaml_get(c->spec, "limits"))) {
		yaml_error(d, lim,
			   "an http check cannot have its own 'limits': the server runs once for "
			   "every check, with the exercise's limits; set them on the exercise");
		bad = 1;
	}
	if ((v = yaml_get(c->spec, "restart")) && yaml_to_bool(v, "'restart'", &hc->restart, d))
		bad = 1;
	if (!(v = yaml_get(c->spec, "steps"))) {
		yaml_error(d, c->spec,
			   "check '%s' has no 'steps' (the requests it sends, each with what it "
			   "expects)",
			   c->name ? c->name : "?");
		return -1;
	}
	if (v->kind != YAML_SEQ || v->n == 0) {
		yaml_error(d, v, "'steps' must be a list of at least one step");
		return -1;
	}
	hc->steps = xcalloc(v->n, sizeof *hc->steps);
	const char **known = xcalloc(1, sizeof *known);
	size_t nknown = 0;
	for (size_t i = 0; i < v->n; i++)
		bad |=
		    load_step(ex, &hc->steps[hc->nsteps++], v->items[i], &known, &nknown, d) != 0;
	free(known);
	if (!bad) {
		size_t errs = 0;
		for (size_t i = 0; i < hc->nsteps; i++)
			errs += expects_error_only(&hc->steps[i]);
		if (errs == hc->nsteps)
			diag_add(d, DIAG_WARNING, v->file, v->line, v->col,
				 "every step of check '%s' expects an error status: a server that "
				 "answers everything with an error passes it; add a step that "
				 "expects success",
				 c->name ? c->name : "?");
	}
	return bad ? -1 : 0;
}

/* server.sqlite: {file: app.db, setup: [schema.sql, seed.sql]}. */
static int load_sqlite(const struct exercise *ex, struct hx_exercise *he,
		       const struct yaml_node *n, struct diag *d)
{
	static const char *const keys[] = {"file", "setup", NULL};
	if (yaml_expect_kind(n, YAML_MAP, "'sqlite'", d) != 0 || yaml_check_keys(n, keys, d) != 0)
		return -1;
	const struct yaml_node *f = yaml_get(n, "file"), *su = yaml_get(n, "setup");
	const char *rel;
	int bad = 0;
	if (!f) {
		yaml_error(d, n, "'sqlite' needs 'file': where in the work dir the database goes, "
				 "e.g. file: app.db");
		bad = 1;
	} else if (yaml_to_str(f, "'file'", &rel, d) != 0) {
		bad = 1;
	} else if (!path_is_contained(rel)) {
		yaml_error(d, f, "file name '%s' must stay inside the work dir", rel);
		bad = 1;
	} else {
		he->db_file = xstrdup(rel);
	}
	const char **list = NULL;
	size_t count = 0;
	if (!su) {
		yaml_error(d, n, "'sqlite' needs 'setup': the SQL scripts that build the database, "
				 "e.g. setup: [schema.sql, seed.sql]");
		return -1;
	}
	if (yaml_to_str_list(su, "'setup'", &list, &count, d) != 0)
		return -1;
	if (!count) {
		yaml_error(d, su, "'setup' must name at least one SQL script");
		bad = 1;
	}
	he->db_setup = xcalloc(count ? count : 1, sizeof *he->db_setup);
	for (size_t i = 0; i < count; i++) {
		const struct yaml_node *item = su->kind == YAML_SEQ ? su->items[i] : su;
		if (sql_load_script(ex, item, list[i], "setup script",
				    &he->db_setup[he->ndb_setup], d) != 0)
			bad = 1;
		else
			he->ndb_setup++;
	}
	free(list);
	return bad ? -1 : 0;
}

static int load_server(const struct exercise *ex, struct hx_exercise *he,
		       const struct yaml_node *n, struct diag *d)
{
	if (yaml_expect_kind(n, YAML_MAP, "'server'", d) != 0)
		return -1;
	int bad = yaml_check_keys(n, hx_server_keys, d) != 0;
	const struct yaml_node *v;
	if (!(v = yaml_get(n, "run"))) {
		yaml_error(d, n,
			   "the server has no 'run': the command, e.g. run: [python3, app.py]");
		bad = 1;
	} else if (yaml_to_command(v, "'run'", &he->argv, &he->argc, d) != 0) {
		bad = 1;
	}
	long long port;
	if ((v = yaml_get(n, "port"))) {
		if (yaml_to_int(v, "'port'", 1, 65535, &port, d) != 0)
			bad = 1;
		else
			he->port = (int)port;
	}
	static const char *const reserved[] = {"PORT", NULL};
	if ((v = yaml_get(n, "env")) &&
	    yaml_to_env(v, reserved, "is set by the grader (give 'port')", &he->env, &he->nenv,
			d) != 0)
		bad = 1;
	if ((v = yaml_get(n, "ready"))) {
		const char *s;
		if (yaml_to_str(v, "'ready'", &s, d) != 0) {
			bad = 1;
		} else if (s[0] != '/' || strpbrk(s, " \t\r\n#")) {
			yaml_error(d, v,
				   "'ready' is a path that starts with /, e.g. ready: /health");
			bad = 1;
		} else {
			he->ready_path = xstrdup(s);
		}
	}
	if ((v = yaml_get(n, "startup_timeout")) &&
	    yaml_to_duration(v, "'startup_timeout'", &he->startup_timeout, d) != 0)
		bad = 1;
	if ((v = yaml_get(n, "files")) &&
	    exercise_files_load(ex, v, "'files'", HX_MAX_FILE, &he->files, &he->nfiles, d) != 0)
		bad = 1;
	if ((v = yaml_get(n, "sqlite")))
		bad |= load_sqlite(ex, he, v, d) != 0;
	return bad ? -1 : 0;
}

static int hx_load(struct exercise *ex, const struct yaml_node *spec, struct diag *d)
{
	struct hx_exercise *he = xcalloc(1, sizeof *he);
	ex->data = he;
	he->port = HX_DEFAULT_PORT;
	he->startup_timeout = HX_STARTUP_DEFAULT;
	he->request_timeout = HX_REQUEST_DEFAULT;
	int bad = 0;
	const struct yaml_node *v;
	if (!(v = yaml_get(spec, "server"))) {
		yaml_error(d, spec,
			   "missing key 'server': how to start the learner's server, e.g. "
			   "server: {run: [python3, app.py], ready: /health}");
		bad = 1;
	} else if (load_server(ex, he, v, d) != 0) {
		bad = 1;
	}
	if ((v = yaml_get(spec, "request_timeout")) &&
	    yaml_to_duration(v, "'request_timeout'", &he->request_timeout, d) != 0)
		bad = 1;
	double wall = ex->limits.wall_s > 0 ? ex->limits.wall_s : HX_DEFAULT_WALL;
	if (!bad && he->startup_timeout >= wall)
		diag_add(d, DIAG_WARNING, spec->file, spec->line, spec->col,
			 "the server's wall limit (%.1f s, limits: wall) is not longer than its "
			 "startup_timeout (%.1f s): it will be stopped before the checks run; "
			 "the wall limit is the server's whole life",
			 wall, he->startup_timeout);
	return bad ? -1 : 0;
}

static void kv_free(struct hx_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].name);
		free(kv[i].value);
	}
	free(kv);
}

static void step_free(struct hx_step *st)
{
	free(st->name);
	free(st->req.method);
	free(st->req.path);
	kv_free(st->req.query, st->req.nquery);
	kv_free(st->req.headers, st->req.nheaders);
	kv_free(st->req.form, st->req.nform);
	free(st->req.body);
	cJSON_Delete(st->req.json);
	free(st->status);
	for (size_t i = 0; i < st->nheaders; i++) {
		free(st->headers[i].name);
		if (!st->headers[i].absent)
			matcher_free(&st->headers[i].m);
	}
	free(st->headers);
	matcher_drop(st->body);
	jexp_free(st->json);
	for (size_t i = 0; i < st->nasserts; i++) {
		struct hx_assert *a = &st->asserts[i];
		path_free(&a->path);
		free(a->type);
		jexp_free(a->equals);
		matcher_drop(a->value);
	}
	free(st->asserts);
	json_schema_free(st->schema);
	for (size_t i = 0; i < st->ncookies; i++) {
		free(st->cookies[i].name);
		free(st->cookies[i].same_site);
		matcher_drop(st->cookies[i].value);
		matcher_drop(st->cookies[i].path);
	}
	free(st->cookies);
	matcher_drop(st->url);
	for (size_t i = 0; i < st->nsaves; i++) {
		free(st->saves[i].var);
		free(st->saves[i].name);
		path_free(&st->saves[i].path);
	}
	free(st->saves);
}

static void hx_free_check(struct ex_check *c)
{
	struct hx_check *hc = c->data;
	if (!hc)
		return;
	for (size_t i = 0; i < hc->nsteps; i++)
		step_free(&hc->steps[i]);
	free(hc->steps);
	free(hc);
	c->data = NULL;
}

static void hx_free(struct exercise *ex)
{
	struct hx_exercise *he = ex->data;
	if (!he)
		return;
	for (size_t i = 0; i < he->argc; i++)
		free(he->argv[i]);
	free(he->argv);
	for (size_t i = 0; i < he->nenv; i++)
		free(he->env[i]);
	free(he->env);
	free(he->ready_path);
	ex_files_free(he->files, he->nfiles);
	free(he->db_file);
	for (size_t i = 0; i < he->ndb_setup; i++) {
		free(he->db_setup[i].label);
		free(he->db_setup[i].text);
	}
	free(he->db_setup);
	free(he);
	ex->data = NULL;
}

/* ---- the server ---- */

static void indent(struct strbuf *sb, const char *text);

struct hx_server {
	struct sbx_proc *proc;
	char *work;
	int starts;
	char *gone; /* why the last server stopped, for the next check's message */
};

struct hx_state {
	struct hx_server srv[2]; /* 0: the visible checks', 1: hidden and after-due */
	char *db;                /* server.sqlite, built once per grading */
	size_t db_len;
};

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The last max_lines lines of text (at most max bytes), made visible. */
static char *tail_of(const char *s, size_t len, int max_lines, size_t max)
{
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	if (!len)
		return NULL;
	size_t start = len;
	int lines = 0;
	while (start > 0 && lines < max_lines) {
		start--;
		if (s[start] == '\n')
			lines++;
	}
	if (s[start] == '\n')
		start++;
	if (len - start > max)
		start = len - max;
	return match_visible(s + start, len - start, max + 16);
}

/* "its output ends with:\n..." for the running (or ended) server, or "". */
static void add_output(struct strbuf *sb, struct sbx_proc *p)
{
	static const char *const what[] = {"stdout", "stderr"};
	for (int s = 2; s >= 1; s--) {
		size_t len;
		char *out = sbx_output_peek(p, s, &len);
		char *t = out ? tail_of(out, len, 12, HX_SHOW_OUTPUT) : NULL;
		if (t) {
			sb_addf(sb, "\nthe server's %s ends with:\n", what[s - 1]);
			indent(sb, t);
		}
		free(t);
		free(out);
	}
}

/* Why a server ended, from its result: "exited with status 1", ... */
static char *describe_end(const struct sbx_result *r)
{
	switch (r->verdict) {
	case SBX_OK:
		return xasprintf("exited with status %d", r->exit_code);
	case SBX_RUNTIME_ERROR:
		return xasprintf("was killed by signal %d (%s)", r->signal, strsignal(r->signal));
	case SBX_WALL_TIMEOUT:
		return xasprintf("reached its wall-time limit (%.1f s: limits: wall is the "
				 "server's whole life)",
				 r->wall_s);
	case SBX_CPU_TIMEOUT:
		return xasprintf("used too much CPU time (%.1f s)", r->cpu_s);
	case SBX_MEMORY_LIMIT:
		return xasprintf("ran out of memory (peak %.1f MiB)",
				 (double)r->peak_bytes / 1048576.0);
	case SBX_PROCESS_LIMIT:
		return xstrdup("started more processes than allowed");
	case SBX_OUTPUT_LIMIT:
		return xasprintf("wrote more output than allowed (%s)", r->message);
	case SBX_SYSCALL_DENIED:
		return xasprintf("made a forbidden system call (%s)",
				 r->denied_syscall[0] ? r->denied_syscall : "unknown");
	case SBX_INTERNAL_ERROR:
		return xasprintf("could not run: %s", r->message);
	}
	return xstrdup("ended");
}

/* When the server has ended: a heap description with its output's end
 * (the process is released); NULL while it runs. */
static char *server_ended(struct hx_server *srv, double wait_s)
{
	if (!srv->proc)
		return xstrdup(srv->gone ? srv->gone : "the server is not running");
	struct sbx_result r = {0};
	/* sbx_wait's 0 means "until the end": a moment is as short as it goes */
	if (sbx_wait(srv->proc, wait_s > 0 ? wait_s : 0.001, &r) != 1)
		return NULL;
	struct strbuf sb = {0};
	char *why = describe_end(&r);
	sb_addf(&sb, "the server %s", why);
	if (r.verdict == SBX_OK && r.exit_code == 0)
		sb_adds(&sb, " (a server must keep running in the foreground: did it fork into "
			     "the background, or return from main?)");
	free(why);
	add_output(&sb, srv->proc);
	sbx_result_free(&r);
	sbx_proc_free(srv->proc);
	srv->proc = NULL;
	free(srv->gone);
	srv->gone = sb_detach(&sb, NULL);
	return xstrdup(srv->gone);
}

static void server_stop(struct hx_server *srv)
{
	if (!srv->proc)
		return;
	struct sbx_result r = {0};
	sbx_kill(srv->proc, &r);
	sbx_result_free(&r);
	sbx_proc_free(srv->proc);
	srv->proc = NULL;
}

/* ---- one HTTP exchange ---- */

struct hx_conn {
	struct sbx_proc *proc;
	int port;
	double timeout;
};

static curl_socket_t open_socket(void *data, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct hx_conn *c = data;
	(void)purpose;
	(void)addr;
	/* A socket of the sandbox's namespace, left for curl to connect: curl
	 * 7.88 (Debian 12) connects even a socket reported as
	 * CURL_SOCKOPT_ALREADY_CONNECTED and fails with EISCONN (curl issue
	 * 10626), so a connected one from sbx_connect_tcp cannot be used. */
	int fd = sbx_socket_tcp(c->proc);
	return fd < 0 ? CURL_SOCKET_BAD : fd;
}

static int close_socket(void *data, curl_socket_t fd)
{
	(void)data;
	return close(fd);
}

struct hx_header {
	char *name, *value;
};

struct hx_resp {
	CURLcode rc;
	char err[CURL_ERROR_SIZE];
	long status;
	char *status_line;
	struct hx_header *h;
	size_t nh, hbytes;
	int headers_over;
	struct strbuf body;
	int body_over;
	double time_s;
	char *location;     /* CURLINFO_REDIRECT_URL */
	struct strbuf sent; /* the request's header block and body, capped */
	int connect_failed;
};

static void resp_free(struct hx_resp *r)
{
	free(r->status_line);
	for (size_t i = 0; i < r->nh; i++) {
		free(r->h[i].name);
		free(r->h[i].value);
	}
	free(r->h);
	sb_free(&r->body);
	sb_free(&r->sent);
	free(r->location);
	memset(r, 0, sizeof *r);
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct hx_resp *r = arg;
	size_t len = size * n;
	r->hbytes += len;
	if (r->hbytes > HX_MAX_HEADERS) {
		r->headers_over = 1;
		return 0;
	}
	while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	if (!len)
		return size * n;
	if (len >= 5 && !strncmp(data, "HTTP/", 5)) { /* a new response (1xx before it) */
		for (size_t i = 0; i < r->nh; i++) {
			free(r->h[i].name);
			free(r->h[i].value);
		}
		r->nh = 0;
		free(r->status_line);
		r->status_line = xstrndup(data, len);
		return size * n;
	}
	const char *colon = memchr(data, ':', len);
	if (!colon)
		return size * n;
	const char *v = colon + 1, *end = data + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	r->h = xrealloc(r->h, (r->nh + 1) * sizeof *r->h);
	r->h[r->nh].name = xstrndup(data, (size_t)(colon - data));
	r->h[r->nh++].value = xstrndup(v, (size_t)(end - v));
	return size * n;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct hx_resp *r = arg;
	size_t len = size * n;
	if (r->body.len + len > HX_MAX_BODY) {
		size_t room = HX_MAX_BODY - r->body.len;
		sb_add(&r->body, data, room);
		r->body_over = 1;
		return 0;
	}
	sb_add(&r->body, data, len);
	return len;
}

static int on_debug(CURL *h, curl_infotype type, char *data, size_t len, void *arg)
{
	struct hx_resp *r = arg;
	(void)h;
	if (type != CURLINFO_HEADER_OUT && type != CURLINFO_DATA_OUT)
		return 0;
	if (type == CURLINFO_HEADER_OUT && r->sent.len) /* a retry on a new connection */
		r->sent.len = 0, r->sent.buf[0] = '\0';
	size_t room = r->sent.len < HX_MAX_SENT ? HX_MAX_SENT - r->sent.len : 0;
	sb_add(&r->sent, data, len < room ? len : room);
	return 0;
}

static const char *resp_header(const struct hx_resp *r, const char *name, size_t from, size_t *at)
{
	for (size_t i = from; i < r->nh; i++)
		if (!strcasecmp(r->h[i].name, name)) {
			if (at)
				*at = i;
			return r->h[i].value;
		}
	return NULL;
}

/* The request a step sends, rendered. */
struct hx_sent {
	char *method, *target; /* "/items?q=1" */
	struct curl_slist *headers;
	char **hlines; /* "K: V", for the curl command */
	size_t nhlines;
	char *body;
	size_t body_len;
	int has_body;
};

static void sent_free(struct hx_sent *s)
{
	free(s->method);
	free(s->target);
	curl_slist_free_all(s->headers);
	for (size_t i = 0; i < s->nhlines; i++)
		free(s->hlines[i]);
	free(s->hlines);
	free(s->body);
	memset(s, 0, sizeof *s);
}

static void sent_header(struct hx_sent *s, const char *name, const char *value)
{
	char *line = xasprintf("%s: %s", name, value);
	s->headers = curl_slist_append(s->headers, line);
	s->hlines = xrealloc(s->hlines, (s->nhlines + 1) * sizeof *s->hlines);
	s->hlines[s->nhlines++] = line;
}

static int has_header(const struct hx_request *r, const char *name)
{
	for (size_t i = 0; i < r->nheaders; i++)
		if (!strcasecmp(r->headers[i].name, name))
			return 1;
	return 0;
}

static void add_escaped(struct strbuf *sb, CURL *h, const char *s)
{
	char *e = curl_easy_escape(h, s, (int)strlen(s));
	sb_adds(sb, e ? e : "");
	curl_free(e);
}

static void build_sent(struct hx_sent *s, const struct hx_request *r, const struct hx_vars *v,
		       CURL *h)
{
	memset(s, 0, sizeof *s);
	s->method = xstrdup(r->method);
	struct strbuf t = {0};
	char *path = render(r->path, v);
	sb_adds(&t, path);
	free(path);
	for (size_t i = 0; i < r->nquery; i++) {
		char *val = render(r->query[i].value, v);
		sb_addc(&t, i == 0 && !strchr(t.buf, '?') ? '?' : '&');
		add_escaped(&t, h, r->query[i].name);
		sb_addc(&t, '=');
		add_escaped(&t, h, val);
		free(val);
	}
	s->target = sb_detach(&t, NULL);
	if (r->body_kind == BODY_JSON) {
		cJSON *j = render_json(r->json, v);
		char *text = cJSON_PrintUnformatted(j);
		s->body = xstrdup(text ? text : "null");
		cJSON_free(text);
		cJSON_Delete(j);
		if (!has_header(r, "Content-Type"))
			sent_header(s, "Content-Type", "application/json");
	} else if (r->body_kind == BODY_RAW) {
		s->body = render(r->body, v);
	} else if (r->body_kind == BODY_FORM) {
		struct strbuf f = {0};
		for (size_t i = 0; i < r->nform; i++) {
			char *val = render(r->form[i].value, v);
			if (i)
				sb_addc(&f, '&');
			add_escaped(&f, h, r->form[i].name);
			sb_addc(&f, '=');
			add_escaped(&f, h, val);
			free(val);
		}
		s->body = sb_detach(&f, NULL);
		if (!has_header(r, "Content-Type"))
			sent_header(s, "Content-Type", "application/x-www-form-urlencoded");
	}
	if (s->body) {
		s->has_body = 1;
		s->body_len = strlen(s->body);
	}
	for (size_t i = 0; i < r->nheaders; i++) {
		char *val = render(r->headers[i].value, v);
		/* a rendered value is one line: a saved value cannot add headers */
		for (char *c = val; *c; c++)
			if (*c == '\r' || *c == '\n')
				*c = ' ';
		sent_header(s, r->headers[i].name, val);
		free(val);
	}
	s->headers = curl_slist_append(s->headers, "Expect:");
}

/* One request on handle h (which keeps the check's cookies). */
static void perform(CURL *h, struct hx_conn *conn, const struct hx_sent *s, const char *target,
		    const char *method, int with_body, struct hx_resp *r)
{
	memset(r, 0, sizeof *r);
	char *url = xasprintf("http://127.0.0.1:%d%s", conn->port, target);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V4);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, conn);
	curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(conn->timeout * 1000.0));
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, r);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->err);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, s ? s->headers : NULL);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "grader");
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, NULL);
	curl_easy_setopt(h, CURLOPT_HTTP09_ALLOWED, 0L);
	if (!strcmp(method, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
	} else {
		curl_easy_setopt(h, CURLOPT_NOBODY, 0L);
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, strcmp(method, "GET") ? method : NULL);
	}
	if (with_body && s && s->has_body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, s->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->body_len);
	}
	r->rc = curl_easy_perform(h);
	r->connect_failed = r->rc == CURLE_COULDNT_CONNECT;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	double t = 0;
	curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &t);
	r->time_s = t;
	char *loc = NULL;
	if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
		r->location = xstrdup(loc);
	free(url);
}

/* The path (and query) of a redirect target on the same server, or NULL. */
static char *same_server_target(const char *url, int port)
{
	CURLU *u = curl_url();
	char *host = NULL, *portstr = NULL, *scheme = NULL, *path = NULL, *query = NULL;
	char *out = NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &portstr, CURLU_DEFAULT_PORT) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK && !strcmp(scheme, "http") &&
	    (!strcmp(host, "127.0.0.1") || !strcasecmp(host, "localhost")) &&
	    atoi(portstr) == port) {
		if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK && query)
			out = xasprintf("%s?%s", path, query);
		else
			out = xstrdup(path);
	}
	curl_free(host);
	curl_free(portstr);
	curl_free(scheme);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	return out;
}

/* ---- failure messages ---- */

/* A curl command that repeats the request against the learner's own
 * server on localhost: the step's method, target, headers, body, and the
 * cookies the check had collected. */
static char *curl_command(const struct hx_sent *s, const struct hx_resp *r, int port, int follow)
{
	struct strbuf sb = {0};
	sb_adds(&sb, "curl -i");
	if (follow)
		sb_adds(&sb, " -L");
	if (!strcmp(s->method, "HEAD"))
		sb_adds(&sb, " -I");
	else if (strcmp(s->method, "GET") || s->has_body)
		sb_addf(&sb, " -X %s", s->method);
	char *url = xasprintf("http://localhost:%d%s", port, s->target);
	sb_addc(&sb, ' ');
	sb_add_shell_word(&sb, 1, url);
	free(url);
	for (size_t i = 0; i < s->nhlines; i++) {
		sb_adds(&sb, " -H ");
		sb_add_shell_word(&sb, 1, s->hlines[i]);
	}
	/* the Cookie header the request carried, from the jar */
	const char *c = r->sent.buf ? strcasestr(r->sent.buf, "\r\nCookie: ") : NULL;
	if (c) {
		c += 2;
		const char *e = strstr(c, "\r\n");
		char *line = xstrndup(c, e ? (size_t)(e - c) : strlen(c));
		sb_adds(&sb, " -H ");
		sb_add_shell_word(&sb, 1, line);
		free(line);
	}
	if (s->has_body) {
		sb_adds(&sb, " --data-raw ");
		char *b = match_visible(s->body, s->body_len, 2000);
		sb_add_shell_word(&sb, 1, b);
		free(b);
	}
	return sb_detach(&sb, NULL);
}

/* Text with its CRLFs as plain newlines, made visible and capped. */
static char *show_text(const char *s, size_t len, size_t max)
{
	struct strbuf t = {0};
	for (size_t i = 0; i < len; i++)
		if (!(s[i] == '\r' && i + 1 < len && s[i + 1] == '\n'))
			sb_addc(&t, s[i]);
	char *v = match_visible(t.buf ? t.buf : "", t.len, max);
	sb_free(&t);
	return v;
}

static void indent(struct strbuf *sb, const char *text)
{
	sb_adds(sb, "  ");
	for (const char *p = text; *p; p++) {
		sb_addc(sb, *p);
		if (*p == '\n' && p[1])
			sb_adds(sb, "  ");
	}
}

static int header_matters(const struct hx_step *st, const char *name)
{
	static const char *const always[] = {"Content-Type", "Content-Length",    "Location",
					     "Set-Cookie",   "Transfer-Encoding", NULL};
	for (size_t i = 0; always[i]; i++)
		if (!strcasecmp(always[i], name))
			return 1;
	for (size_t i = 0; i < st->nheaders; i++)
		if (!strcasecmp(st->headers[i].name, name))
			return 1;
	return 0;
}

struct hx_ctx {
	struct grading *g;
	const struct hx_exercise *he;
	struct hx_server *srv;
	const struct hx_check *hc;
	CURL *h;
	struct hx_conn conn;
	struct hx_vars vars;
};

/* Fails the check for a step: what went wrong, the request as sent, a
 * curl command, the response (when there was one) and the end of the
 * server's output. */
static void fail_step(struct hx_ctx *x, struct check_result *cr, size_t si, long rep,
		      const struct hx_sent *s, const struct hx_resp *r, int got_response,
		      struct match_diff *diff, const char *what)
{
	const struct hx_step *st = &x->hc->steps[si];
	struct strbuf sb = {0};
	sb_addf(&sb, "step %zu of %zu", si + 1, x->hc->nsteps);
	if (st->name)
		sb_addf(&sb, " '%s'", st->name);
	sb_addf(&sb, " (%s %s", s->method, s->target);
	if (st->repeat > 1)
		sb_addf(&sb, ", repetition %ld of %ld", rep + 1, st->repeat);
	sb_addf(&sb, "): %s", what);
	size_t sent_len = r->sent.len;
	while (sent_len && isspace((unsigned char)r->sent.buf[sent_len - 1]))
		sent_len--;
	if (sent_len) {
		char *t = show_text(r->sent.buf, sent_len, 1500);
		sb_adds(&sb, "\nrequest as sent:\n");
		indent(&sb, t);
		free(t);
	}
	char *cmd = curl_command(s, r, x->he->port, st->req.follow);
	sb_addf(&sb, "\nrepeat it against your server (PORT=%d):\n  %s", x->he->port, cmd);
	free(cmd);
	if (got_response) {
		struct strbuf resp = {0};
		sb_addf(&resp, "%s\n", r->status_line ? r->status_line : "(no status line)");
		for (size_t i = 0; i < r->nh; i++)
			if (header_matters(st, r->h[i].name)) {
				char *v = match_visible(r->h[i].value, strlen(r->h[i].value), 300);
				sb_addf(&resp, "%s: %s\n", r->h[i].name, v);
				free(v);
			}
		size_t blen = r->body.len;
		while (blen && (r->body.buf[blen - 1] == '\n' || r->body.buf[blen - 1] == '\r'))
			blen--;
		if (blen) {
			char *b = show_text(r->body.buf, blen, HX_SHOW_BODY);
			sb_addf(&resp, "\n%s", b);
			if (r->body.len > HX_SHOW_BODY)
				sb_addf(&resp, " (%zu bytes in all)", r->body.len);
			free(b);
		} else {
			sb_adds(&resp, "(empty body)");
		}
		sb_adds(&sb, "\nresponse:\n");
		indent(&sb, resp.buf);
		sb_free(&resp);
	}
	if (x->srv->proc)
		add_output(&sb, x->srv->proc);
	grade_fail(cr, diff, "%s", sb.buf);
	sb_free(&sb);
}

/* Why a request got no usable response; notes a server that ended. */
static char *describe_transport(struct hx_ctx *x, const struct hx_resp *r)
{
	struct strbuf sb = {0};
	if (r->connect_failed)
		sb_addf(&sb, "could not connect to the server on port %d", x->he->port);
	else if (r->body_over)
		sb_addf(&sb,
			"the response body is larger than %u KiB (the grader reads at most "
			"that much)",
			HX_MAX_BODY >> 10);
	else if (r->headers_over)
		sb_addf(&sb, "the response's headers are larger than %u KiB", HX_MAX_HEADERS >> 10);
	else if (r->rc == CURLE_OPERATION_TIMEDOUT)
		sb_addf(&sb, "%s within %.1f s (request_timeout)",
			r->status_line ? "the response did not end" : "no response",
			x->conn.timeout);
	else if (r->rc == CURLE_GOT_NOTHING)
		sb_adds(&sb, "the server closed the connection without answering");
	else if (r->rc == CURLE_UNSUPPORTED_PROTOCOL || r->rc == CURLE_WEIRD_SERVER_REPLY)
		sb_addf(&sb, "the answer is not HTTP (%s)", r->err[0] ? r->err : "unreadable");
	else if (r->rc == CURLE_RECV_ERROR || r->rc == CURLE_PARTIAL_FILE ||
		 r->rc == CURLE_SEND_ERROR)
		sb_addf(&sb, "the connection broke during the exchange (%s)",
			r->err[0] ? r->err : curl_easy_strerror(r->rc));
	else
		sb_addf(&sb, "the request failed: %s",
			r->err[0] ? r->err : curl_easy_strerror(r->rc));
	char *end = server_ended(x->srv, 0.3);
	if (end) {
		sb_addf(&sb, "; %s", end);
		free(end);
	}
	return sb_detach(&sb, NULL);
}

/* ---- expectations ---- */

static int status_ok(const struct hx_step *st, long status)
{
	if (st->any_status)
		return 1;
	for (size_t i = 0; i < st->nstatus; i++)
		if (status >= st->status[i].lo && status <= st->status[i].hi)
			return 1;
	return 0;
}

static char *status_list(const struct hx_step *st)
{
	struct strbuf sb = {0};
	for (size_t i = 0; i < st->nstatus; i++) {
		const struct hx_range *r = &st->status[i];
		sb_adds(&sb, i == 0 ? "" : i + 1 == st->nstatus ? " or " : ", ");
		if (r->lo == r->hi)
			sb_addf(&sb, "%d", r->lo);
		else
			sb_addf(&sb, "%dxx", r->lo / 100);
	}
	return sb_detach(&sb, NULL);
}

/* A Set-Cookie header's parts. */
struct hx_cookie {
	char *name, *value, *path, *same_site;
	int http_only, secure;
};

static void cookie_parse(const char *h, struct hx_cookie *c)
{
	memset(c, 0, sizeof *c);
	const char *semi = strchr(h, ';'), *eq = strchr(h, '=');
	size_t first = semi ? (size_t)(semi - h) : strlen(h);
	if (eq && (size_t)(eq - h) < first) {
		c->name = xstrndup(h, (size_t)(eq - h));
		c->value = xstrndup(eq + 1, first - (size_t)(eq - h) - 1);
	} else {
		c->name = xstrdup("");
		c->value = xstrndup(h, first);
	}
	for (const char *p = semi; p; p = strchr(p + 1, ';')) {
		const char *a = p + 1;
		while (*a == ' ' || *a == '\t')
			a++;
		size_t n = strcspn(a, ";");
		if (n >= 8 && !strncasecmp(a, "HttpOnly", 8))
			c->http_only = 1;
		else if (n >= 6 && !strncasecmp(a, "Secure", 6))
			c->secure = 1;
		else if (n > 9 && !strncasecmp(a, "SameSite=", 9))
			free(c->same_site), c->same_site = xstrndup(a + 9, n - 9);
		else if (n > 5 && !strncasecmp(a, "Path=", 5))
			free(c->path), c->path = xstrndup(a + 5, n - 5);
	}
	for (char **t = (char *[]){c->name, c->value, c->same_site, c->path}, **e = t + 4; t < e;
	     t++)
		if (*t) {
			size_t l = strlen(*t);
			while (l && (*t)[l - 1] == ' ')
				(*t)[--l] = '\0';
		}
}

static void cookie_free(struct hx_cookie *c)
{
	free(c->name);
	free(c->value);
	free(c->path);
	free(c->same_site);
}

/* The Set-Cookie headers of a step's responses (redirects included). */
struct hx_setc {
	char **v;
	size_t n;
};

static void setc_add(struct hx_setc *sc, const struct hx_resp *r)
{
	for (size_t i = 0; i < r->nh; i++)
		if (!strcasecmp(r->h[i].name, "Set-Cookie")) {
			sc->v = xrealloc(sc->v, (sc->n + 1) * sizeof *sc->v);
			sc->v[sc->n++] = xstrdup(r->h[i].value);
		}
}

static void setc_free(struct hx_setc *sc)
{
	for (size_t i = 0; i < sc->n; i++)
		free(sc->v[i]);
	free(sc->v);
}

/* The last Set-Cookie for name; 1 when found. */
static int find_cookie(const struct hx_setc *sc, const char *name, struct hx_cookie *out)
{
	for (size_t i = sc->n; i-- > 0;) {
		cookie_parse(sc->v[i], out);
		if (!strcmp(out->name, name))
			return 1;
		cookie_free(out);
	}
	return 0;
}

static char *check_cookies(const struct hx_step *st, const struct hx_setc *sc,
			   struct match_diff **diff)
{
	for (size_t i = 0; i < st->ncookies; i++) {
		const struct hx_cookie_exp *e = &st->cookies[i];
		struct hx_cookie c;
		if (!find_cookie(sc, e->name, &c)) {
			if (e->absent)
				continue;
			return xasprintf("the response sets no cookie '%s' (no Set-Cookie: %s=...)",
					 e->name, e->name);
		}
		char *why = NULL;
		if (e->absent)
			why =
			    xasprintf("the response sets cookie '%s'; expected it not to", e->name);
		else if (e->http_only >= 0 && c.http_only != e->http_only)
			why = xasprintf("cookie '%s' is %sHttpOnly; expected it %sto be", e->name,
					c.http_only ? "" : "not ", e->http_only ? "" : "not ");
		else if (e->secure >= 0 && c.secure != e->secure)
			why = xasprintf("cookie '%s' is %sSecure; expected it %sto be", e->name,
					c.secure ? "" : "not ", e->secure ? "" : "not ");
		else if (e->same_site && (!c.same_site || strcasecmp(c.same_site, e->same_site)))
			why = xasprintf("cookie '%s' has %s%s; expected SameSite=%s", e->name,
					c.same_site ? "SameSite=" : "no SameSite attribute",
					c.same_site ? c.same_site : "", e->same_site);
		else if (e->value && match_run(e->value, c.value, strlen(c.value), diff) != 1)
			why = xasprintf("cookie '%s': %s", e->name,
					*diff ? (*diff)->summary : "its value does not match");
		else if (e->path && match_run(e->path, c.path ? c.path : "",
					      c.path ? strlen(c.path) : 0, diff) != 1)
			why = xasprintf("cookie '%s' has Path=%s: %s", e->name,
					c.path ? c.path : "(none)",
					*diff ? (*diff)->summary : "does not match");
		cookie_free(&c);
		if (why)
			return why;
	}
	return NULL;
}

static char *check_headers(const struct hx_step *st, const struct hx_resp *r,
			   struct match_diff **diff)
{
	for (size_t i = 0; i < st->nheaders; i++) {
		const struct hx_header_exp *e = &st->headers[i];
		struct strbuf all = {0};
		size_t at = 0, count = 0;
		for (const char *v; (v = resp_header(r, e->name, at, &at)); at++, count++) {
			if (count)
				sb_addc(&all, '\n');
			sb_adds(&all, v);
		}
		char *why = NULL;
		if (e->absent && count) {
			char *v = match_visible(all.buf, all.len, 200);
			why = xasprintf("the response has a %s header (%s); expected none", e->name,
					v);
			free(v);
		} else if (!e->absent && !count) {
			why = xasprintf("the response has no %s header", e->name);
		} else if (!e->absent &&
			   match_run(&e->m, all.buf ? all.buf : "", all.len, diff) != 1) {
			why = xasprintf("header %s: %s", e->name,
					*diff ? (*diff)->summary : "does not match");
		}
		sb_free(&all);
		if (why)
			return why;
	}
	return NULL;
}

/* Runs an expected JSON value against actual text. 1 match, 0 not
 * (with *diff), -1 cannot run. */
static int jexp_run(const struct hx_jexp *e, const struct hx_vars *v, const char *text, size_t len,
		    struct match_diff **diff)
{
	if (!e->has_refs)
		return match_run(&e->m, text, len, diff);
	cJSON *j = render_json(e->tmpl, v);
	char *t = cJSON_PrintUnformatted(j);
	struct matcher m;
	matcher_init_text(&m, MATCH_JSON, t, strlen(t));
	m.json_subset = e->subset;
	matcher_prepare(&m);
	int rc = match_run(&m, text, len, diff);
	matcher_free(&m);
	cJSON_free(t);
	cJSON_Delete(j);
	return rc;
}

static char *short_json(const cJSON *v)
{
	char *s = cJSON_PrintUnformatted(v);
	char *r = match_visible(s ? s : "?", s ? strlen(s) : 1, 120);
	cJSON_free(s);
	return r;
}

static long json_length(const cJSON *v)
{
	if (cJSON_IsString(v))
		return (long)strlen(v->valuestring);
	if (cJSON_IsArray(v) || cJSON_IsObject(v))
		return (long)cJSON_GetArraySize(v);
	return -1;
}

/* One node against an assertion: NULL when it holds, else why. */
static char *assert_node(const struct hx_assert *a, const cJSON *n, const char *where,
			 const struct hx_vars *v, struct match_diff **diff)
{
	if (a->type && !json_is_type(n, a->type)) {
		char *val = short_json(n);
		const char *t = json_type(n);
		char *why = xasprintf("%s is %s (%s %s) where %s %s was expected", where, val,
				      article(t), t, article(a->type), a->type);
		free(val);
		return why;
	}
	if (a->length >= 0) {
		long len = json_length(n);
		if (len < 0)
			return xasprintf("%s is %s %s, which has no length (expected length %ld)",
					 where, article(json_type(n)), json_type(n), a->length);
		if (len != a->length)
			return xasprintf("%s has length %ld; expected %ld", where, len, a->length);
	}
	if (a->equals) {
		char *text = cJSON_PrintUnformatted(n);
		int ok = jexp_run(a->equals, v, text, strlen(text), diff);
		cJSON_free(text);
		if (ok != 1) {
			char *val = short_json(n);
			const char *t = json_type(n);
			char *why = xasprintf("%s is %s (%s %s): %s", where, val, article(t), t,
					      *diff ? (*diff)->summary : "not the expected value");
			free(val);
			return why;
		}
	}
	if (a->value) {
		char *text = value_text(n);
		int ok = match_run(a->value, text, strlen(text), diff);
		free(text);
		if (ok != 1) {
			char *val = short_json(n);
			char *why = xasprintf("%s is %s: %s", where, val,
					      *diff ? (*diff)->summary : "does not match");
			free(val);
			return why;
		}
	}
	return NULL;
}

static char *check_asserts(const struct hx_step *st, const cJSON *body, const struct hx_vars *v,
			   struct match_diff **diff)
{
	for (size_t i = 0; i < st->nasserts; i++) {
		const struct hx_assert *a = &st->asserts[i];
		if (!body)
			return xasprintf("the body is not JSON, so %s cannot be checked",
					 a->path.text);
		struct hx_nodes ns;
		path_eval(&a->path, body, &ns);
		char *why = NULL;
		if (a->exists == 0) {
			if (ns.n) {
				char *val = short_json(ns.v[0]);
				why = xasprintf("%s exists (%s); expected it absent", ns.where[0],
						val);
				free(val);
			}
		} else if (!ns.n) {
			why = xasprintf("%s %s", a->path.text,
					a->path.wild ? "selects nothing" : "is missing");
		} else if (a->any) {
			char *first = NULL;
			size_t k;
			for (k = 0; k < ns.n; k++) {
				struct match_diff *dd = NULL;
				char *w = assert_node(a, ns.v[k], ns.where[k], v, &dd);
				match_diff_free(dd);
				if (!w)
					break;
				if (!first)
					first = w;
				else
					free(w);
			}
			if (k == ns.n)
				why = xasprintf("no element of %s holds (%zu tried; the first: %s)",
						a->path.text, ns.n, first);
			free(first);
		} else {
			for (size_t k = 0; k < ns.n && !why; k++)
				why = assert_node(a, ns.v[k], ns.where[k], v, diff);
		}
		nodes_free(&ns);
		if (why)
			return why;
	}
	return NULL;
}

/* Saves the step's values for later steps; NULL or why one failed. */
static char *do_saves(const struct hx_step *st, const struct hx_resp *r, const cJSON *body,
		      const struct hx_setc *sc, struct hx_vars *v)
{
	for (size_t i = 0; i < st->nsaves; i++) {
		const struct hx_save *s = &st->saves[i];
		if (s->from == FROM_HEADER) {
			const char *val = resp_header(r, s->name, 0, NULL);
			if (!val)
				return xasprintf("cannot save %s: the response has no %s header",
						 s->var, s->name);
			vars_set(v, s->var, cJSON_CreateString(val));
		} else if (s->from == FROM_COOKIE) {
			struct hx_cookie c;
			if (!find_cookie(sc, s->name, &c))
				return xasprintf("cannot save %s: the response sets no cookie '%s'",
						 s->var, s->name);
			vars_set(v, s->var, cJSON_CreateString(c.value));
			cookie_free(&c);
		} else {
			if (!body)
				return xasprintf("cannot save %s from %s: the body is not JSON",
						 s->var, s->path.text);
			struct hx_nodes ns;
			path_eval(&s->path, body, &ns);
			if (!ns.n) {
				nodes_free(&ns);
				return xasprintf("cannot save %s: %s is missing in the response",
						 s->var, s->path.text);
			}
			vars_set(v, s->var, cJSON_Duplicate(ns.v[0], 1));
			nodes_free(&ns);
		}
	}
	return NULL;
}

/* A JSON body's difference; where the types differ, it says so:
 * $.price is "1.5" (a string) where a number (1.5) was expected. */
static char *json_why(const struct match_diff *d)
{
	if (!d)
		return xstrdup("body: not the expected JSON");
	cJSON *e = d->expected_excerpt ? cJSON_Parse(d->expected_excerpt) : NULL;
	cJSON *a = d->actual_excerpt ? cJSON_Parse(d->actual_excerpt) : NULL;
	char *why;
	if (e && a && d->json_path && strcmp(json_type(e), json_type(a)) != 0)
		why =
		    xasprintf("body: %s is %s (%s %s) where %s %s (%s) was expected", d->json_path,
			      d->actual_excerpt, article(json_type(a)), json_type(a),
			      article(json_type(e)), json_type(e), d->expected_excerpt);
	else
		why = xasprintf("body: %s", d->summary);
	cJSON_Delete(e);
	cJSON_Delete(a);
	return why;
}

/* ---- one step ---- */

/* Sends the step (following same-server redirects when asked) and
 * checks it. 1 passed, 0 the check failed (cr set). */
static int run_step(struct hx_ctx *x, struct check_result *cr, size_t si, long rep)
{
	const struct hx_step *st = &x->hc->steps[si];
	struct hx_sent s;
	build_sent(&s, &st->req, &x->vars, x->h);
	struct hx_resp r, first = {0};
	struct hx_setc sc = {0};
	perform(x->h, &x->conn, &s, s.target, s.method, 1, &r);
	char *target = xstrdup(s.target);
	double total = r.time_s;
	int hops = 0, ok = 0, kept_first = 0;
	char *why = NULL;
	struct match_diff *diff = NULL;
	const struct matcher *failed = NULL; /* the expectation that failed, for its hint */
	while (r.rc == CURLE_OK && st->req.follow && r.status >= 300 && r.status < 400 &&
	       r.location) {
		char *next = same_server_target(r.location, x->he->port);
		if (!next) {
			why = xasprintf("the server redirected (%ld) off itself, to %s: the grader "
					"follows redirects on the same server only",
					r.status, r.location);
			break;
		}
		if (++hops > HX_MAX_REDIRECTS) {
			free(next);
			why = xasprintf("more than %d redirects (the last to %s)", HX_MAX_REDIRECTS,
					r.location);
			break;
		}
		int keep = r.status == 307 || r.status == 308;
		const char *method = keep || !strcmp(s.method, "HEAD") ? s.method : "GET";
		setc_add(&sc, &r);
		if (!kept_first) {
			first = r;
			kept_first = 1;
		} else {
			resp_free(&r);
		}
		perform(x->h, &x->conn, &s, next, method, keep, &r);
		total += r.time_s;
		free(target);
		target = next;
	}
	if (kept_first) { /* show the request as first sent */
		sb_free(&r.sent);
		r.sent = first.sent;
		first.sent = (struct strbuf){0};
		resp_free(&first);
	}
	if (why) {
		fail_step(x, cr, si, rep, &s, &r, 1, NULL, why);
		goto out;
	}
	if (r.rc != CURLE_OK) {
		why = describe_transport(x, &r);
		fail_step(x, cr, si, rep, &s, &r, r.status_line != NULL && !r.connect_failed, NULL,
			  why);
		goto out;
	}
	setc_add(&sc, &r);
	cJSON *body = r.body.len ? cJSON_ParseWithLength(r.body.buf, r.body.len) : NULL;
	if (!status_ok(st, r.status)) {
		char *want = status_list(st);
		why = xasprintf("status %ld, expected %s", r.status, want);
		free(want);
	} else if ((why = check_headers(st, &r, &diff)) || (why = check_cookies(st, &sc, &diff))) {
		/* why is set */
	} else if (st->url && match_run(st->url, target, strlen(target), &diff) != 1) {
		why = xasprintf("the final URL is %s: %s", target,
				diff ? diff->summary : "does not match");
		failed = st->url;
	} else if (st->max_time > 0 && total > st->max_time) {
		why = xasprintf("the response took %.3f s; at most %.3f s allowed", total,
				st->max_time);
	} else if (st->json && jexp_run(st->json, &x->vars, r.body.buf ? r.body.buf : "",
					r.body.len, &diff) != 1) {
		why = json_why(diff);
	} else if (st->body &&
		   match_run(st->body, r.body.buf ? r.body.buf : "", r.body.len, &diff) != 1) {
		why = xasprintf("body: %s", diff ? diff->summary : "does not match");
		failed = st->body;
	} else if ((why = check_asserts(st, body, &x->vars, &diff))) {
		/* why is set */
	} else if (st->schema && !body) {
		why = xstrdup("body: not a JSON document, so it cannot match the schema");
	} else if (st->schema && !json_schema_validate(st->schema, body, &why)) {
		char *w = why;
		why = xasprintf("body: %s (schema)", w);
		free(w);
	} else if ((why = do_saves(st, &r, body, &sc, &x->vars))) {
		/* why is set */
	} else {
		ok = 1;
	}
	cJSON_Delete(body);
	if (!ok) {
		fail_step(x, cr, si, rep, &s, &r, 1, diff, why);
		grade_expectation_hint(cr, failed);
		diff = NULL;
	}
out:
	match_diff_free(diff);
	free(why);
	free(target);
	setc_free(&sc);
	resp_free(&r);
	sent_free(&s);
	return ok;
}

/* ---- starting the server ---- */

static char **server_env(const struct hx_exercise *he)
{
	static const char *const defaults[] = {"PATH=/usr/local/bin:/usr/bin:/bin",
					       "HOME=/work",
					       "LANG=C.UTF-8",
					       "USER=sandbox",
					       "LOGNAME=sandbox",
					       "TMPDIR=/tmp",
					       "PYTHONUNBUFFERED=1",
					       "PYTHONDONTWRITEBYTECODE=1",
					       NULL};
	size_t nd = sizeof defaults / sizeof *defaults - 1, n = 0;
	char **env = xcalloc(nd + he->nenv + 2, sizeof *env);
	for (size_t i = 0; i < nd; i++)
		env[n++] = xstrdup(defaults[i]);
	for (size_t i = 0; i < he->nenv; i++) {
		size_t klen = (size_t)(strchr(he->env[i], '=') - he->env[i]) + 1, j = 0;
		while (j < n && strncmp(env[j], he->env[i], klen) != 0)
			j++;
		if (j < n)
			free(env[j]);
		env[j] = xstrdup(he->env[i]); /* the exercise's override the defaults */
		if (j == n)
			n++;
	}
	env[n++] = xasprintf("PORT=%d", he->port);
	return env;
}

static void sleep_s(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
	nanosleep(&ts, NULL);
}

/* After the startup deadline without a connection: where the server
 * listens instead, if anywhere. */
static char *describe_listeners(struct hx_server *srv, int port)
{
	struct sbx_listener l[16];
	int n = sbx_tcp_listeners(srv->proc, l, 16);
	if (n <= 0)
		return NULL;
	struct strbuf sb = {0};
	int same_port = 0;
	for (int i = 0; i < n; i++) {
		sb_addf(&sb, "%s%s%s%s:%d", i ? ", " : "", l[i].ipv6 ? "[" : "", l[i].addr,
			l[i].ipv6 ? "]" : "", l[i].port);
		same_port |= l[i].port == port;
	}
	char *list = sb_detach(&sb, NULL);
	char *msg = same_port
			? xasprintf("the server listens on %s, an interface the grader cannot "
				    "reach on port %d: listen on 0.0.0.0 or 127.0.0.1",
				    list, port)
			: xasprintf("the server listens on %s, not on port %d: it must listen on "
				    "the port in the PORT environment variable",
				    list, port);
	free(list);
	return msg;
}

/* Starts the server in srv->work and waits until it is ready. 0, or
 * GRADE_PREPARE_FAILED with *msg (heap), or -1 with *msg. */
static int server_start(struct grading *g, struct hx_server *srv, char **msg)
{
	const struct hx_exercise *he = g->ex->data;
	if (srv->starts >= HX_MAX_STARTS) {
		*msg = xasprintf("the server was started %d times in this grading and is not "
				 "started again; the last time: %s",
				 srv->starts, srv->gone ? srv->gone : "it stopped");
		return GRADE_PREPARE_FAILED;
	}
	srv->starts++;
	if (!srv->work) {
		char err[512];
		if (!(srv->work = workdir_make(g->ex, g->sub, g->env, err, sizeof err)) ||
		    workdir_write_files(srv->work, he->files, he->nfiles, err, sizeof err) != 0) {
			*msg = xasprintf("cannot prepare the server's work dir: %s", err);
			return -1;
		}
		struct hx_state *st = g->state;
		char *why = NULL;
		if (he->db_file && !st->db &&
		    sql_sqlite_make_db(he->db_setup, he->ndb_setup, &g->ex->limits, g->env,
				       &st->db, &st->db_len, &why) != 0) {
			*msg = xasprintf("the exercise's server.sqlite database could not be built: "
					 "%s",
					 why);
			free(why);
			return -1;
		}
		if (he->db_file &&
		    beneath_write(srv->work, he->db_file, st->db, st->db_len, 0644) != 0) {
			*msg = xasprintf("cannot write the database %s into the server's work dir: "
					 "%s",
					 he->db_file, strerror(errno));
			return -1;
		}
	}
	char **env = server_env(he);
	struct sbx_config cfg;
	grade_sandbox_config(&cfg, &g->ex->limits);
	if (cfg.wall_s <= 0) /* the sandbox's 10 s suit one program, not a server's life */
		cfg.wall_s = HX_DEFAULT_WALL;
	cfg.argv = (const char *const *)he->argv;
	cfg.envp = (const char *const *)env;
	cfg.workdir = srv->work;
	char err[512];
	int rc = sbx_spawn(&cfg, &srv->proc, err, sizeof err);
	for (char **e = env; *e; e++)
		free(*e);
	free(env);
	if (rc != 0) {
		srv->proc = NULL;
		*msg = xasprintf("the sandbox could not start the server: %s", err);
		return -1;
	}
	double t0 = now_monotonic(), deadline = t0 + he->startup_timeout, checked = 0;
	int accepted = 0;
	char *last = NULL;
	for (;;) {
		char *end = server_ended(srv, 0);
		if (end) {
			*msg = xasprintf("the server stopped during startup: %s",
					 end + strlen("the server "));
			free(end);
			free(last);
			return GRADE_PREPARE_FAILED;
		}
		double left = deadline - now_monotonic();
		if (left <= 0)
			break;
		int fd = sbx_connect_tcp(srv->proc, he->port, left < 0.25 ? left : 0.25);
		if (fd < 0) {
			/* Listening elsewhere after a while: it will not move to PORT. */
			double waited = now_monotonic() - t0;
			if (!accepted && waited >= 2.0 && waited - checked >= 1.0) {
				checked = waited;
				char *where = describe_listeners(srv, he->port);
				if (where) {
					struct strbuf sb = {0};
					sb_adds(&sb, where);
					free(where);
					add_output(&sb, srv->proc);
					server_stop(srv);
					free(srv->gone);
					srv->gone = xstrdup(sb.buf);
					*msg = sb_detach(&sb, NULL);
					free(last);
					return GRADE_PREPARE_FAILED;
				}
			}
			continue;
		}
		close(fd);
		accepted = 1;
		if (!he->ready_path)
			return 0;
		CURL *h = curl_easy_init();
		if (!h) {
			*msg = xstrdup("curl_easy_init failed");
			return -1;
		}
		left = deadline - now_monotonic();
		struct hx_conn conn = {srv->proc, he->port,
				       left < 2 ? (left > 0.1 ? left : 0.1) : 2};
		struct hx_resp r;
		perform(h, &conn, NULL, he->ready_path, "GET", 0, &r);
		curl_easy_cleanup(h);
		int ready = r.rc == CURLE_OK && r.status >= 200 && r.status < 500;
		free(last);
		last = r.rc == CURLE_OK ? xasprintf("status %ld", r.status)
					: xstrdup(r.err[0] ? r.err : curl_easy_strerror(r.rc));
		resp_free(&r);
		if (ready) {
			free(last);
			return 0;
		}
		sleep_s(0.05);
	}
	struct strbuf sb = {0};
	char *where = accepted ? NULL : describe_listeners(srv, he->port);
	if (where)
		sb_adds(&sb, where);
	else if (!accepted)
		sb_addf(&sb,
			"the server did not listen on port %d within %.1f s (startup_timeout): "
			"too slow to start, or it listens nowhere",
			he->port, he->startup_timeout);
	else
		sb_addf(&sb,
			"the server accepted connections on port %d but GET %s did not answer "
			"with a status below 500 within %.1f s (startup_timeout; the last try: %s)",
			he->port, he->ready_path, he->startup_timeout, last ? last : "no answer");
	free(where);
	free(last);
	add_output(&sb, srv->proc);
	server_stop(srv);
	free(srv->gone);
	srv->gone = xstrdup(sb.buf);
	*msg = sb_detach(&sb, NULL);
	return GRADE_PREPARE_FAILED;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static int hx_prepare(struct grading *g)
{
	pthread_once(&curl_once, curl_init_once);
	struct hx_state *st = xcalloc(1, sizeof *st);
	g->state = st;
	/* The visible checks' server starts here (its failure is every such
	 * check's); the hidden checks' when the first of them runs. With no
	 * visible check, the hidden one starts here instead. */
	int grp = 1;
	for (size_t i = 0; i < g->ex->nchecks; i++)
		if (!g->rep->checks[i].hidden)
			grp = 0;
	char *msg = NULL;
	int rc = server_start(g, &st->srv[grp], &msg);
	if (rc != 0)
		grading_message(g, "%s", msg);
	free(msg);
	return rc;
}

/* What a check sends, one line per step: its input in the report. */
static char *describe_steps(const struct hx_check *hc)
{
	struct strbuf sb = {0};
	for (size_t i = 0; i < hc->nsteps; i++) {
		const struct hx_step *st = &hc->steps[i];
		sb_addf(&sb, "%s%s %s", i ? "\n" : "", st->req.method, st->req.path);
		if (st->repeat > 1)
			sb_addf(&sb, " (x%ld)", st->repeat);
	}
	return sb_detach(&sb, NULL);
}

static char *describe_expected(const struct hx_check *hc)
{
	struct strbuf sb = {0};
	for (size_t i = 0; i < hc->nsteps; i++) {
		const struct hx_step *st = &hc->steps[i];
		char *s = st->any_status ? xstrdup("any") : status_list(st);
		sb_addf(&sb, "%s%s %s: status %s", i ? "\n" : "", st->req.method, st->req.path, s);
		free(s);
		for (size_t k = 0; k < st->nheaders; k++)
			sb_addf(&sb, ", header %s", st->headers[k].name);
		if (st->json) {
			char *j = short_json(st->json->tmpl);
			sb_addf(&sb, ", json%s %s", st->json->subset ? " subset" : "", j);
			free(j);
		}
		if (st->body)
			sb_addf(&sb, ", body %s", match_kind_name(st->body->kind));
		for (size_t k = 0; k < st->nasserts; k++)
			sb_addf(&sb, ", %s", st->asserts[k].path.text);
		if (st->schema)
			sb_adds(&sb, ", a JSON Schema");
		for (size_t k = 0; k < st->ncookies; k++)
			sb_addf(&sb, ", cookie %s", st->cookies[k].name);
	}
	return sb_detach(&sb, NULL);
}

static int hx_grade_check(struct grading *g, size_t check, struct check_result *cr)
{
	struct hx_state *state = g->state;
	const struct hx_exercise *he = g->ex->data;
	const struct hx_check *hc = g->ex->checks[check].data;
	struct hx_server *srv = &state->srv[g->rep->checks[check].hidden ? 1 : 0];
	free(cr->input);
	cr->input = describe_steps(hc);
	free(cr->expected);
	cr->expected = describe_expected(hc);
	if (hc->restart)
		server_stop(srv);
	char *gone = srv->proc ? server_ended(srv, 0) : NULL;
	free(gone);
	if (!srv->proc) {
		char *msg = NULL;
		int rc = server_start(g, srv, &msg);
		if (rc != 0) {
			if (rc < 0)
				grade_error(cr, "%s", msg);
			else
				grade_fail(cr, NULL, "the server could not be started%s: %s",
					   hc->restart ? " again" : " for this check", msg);
			free(msg);
			return 0;
		}
	}
	struct hx_ctx x = {.g = g, .he = he, .srv = srv, .hc = hc};
	x.h = curl_easy_init();
	if (!x.h) {
		grade_error(cr, "curl_easy_init failed");
		return 0;
	}
	curl_easy_setopt(x.h, CURLOPT_COOKIEFILE, ""); /* the check's own cookie jar */
	x.conn = (struct hx_conn){srv->proc, he->port, he->request_timeout};
	int ok = 1;
	for (size_t i = 0; ok && i < hc->nsteps; i++) {
		for (long rep = 0; ok && rep < hc->steps[i].repeat; rep++) {
			if (!srv->proc) { /* it ended during an earlier step */
				grade_fail(cr, NULL, "step %zu of %zu: %s", i + 1, hc->nsteps,
					   srv->gone ? srv->gone : "the server is not running");
				ok = 0;
				break;
			}
			x.conn.proc = srv->proc;
			ok = run_step(&x, cr, i, rep);
		}
	}
	if (ok)
		grade_pass(cr);
	curl_easy_cleanup(x.h);
	vars_free(&x.vars);
	return 0;
}

static void hx_finish(struct grading *g)
{
	struct hx_state *st = g->state;
	if (!st)
		return;
	for (int i = 0; i < 2; i++) {
		server_stop(&st->srv[i]);
		if (st->srv[i].work)
			workdir_remove(st->srv[i].work);
		free(st->srv[i].gone);
	}
	free(st->db);
	free(st);
	g->state = NULL;
}

const struct runner http_runner = {
    .kind = {.name = "http",
	     .exercise_keys = hx_exercise_keys,
	     .check_keys = hx_check_keys,
	     .load = hx_load,
	     .load_check = hx_load_check,
	     .free_check = hx_free_check,
	     .free = hx_free},
    .prepare = hx_prepare,
    .grade_check = hx_grade_check,
    .finish = hx_finish,
};
