/*
 * json_schema.c - JSON Schema validation (json_schema.h says which
 * keywords). A schema is checked once when it is loaded, so validation
 * never meets a keyword of the wrong type; its patterns are compiled
 * then too. Validation stops at the first problem and says where in the
 * document it is, with the document's value and type.
 *
 * The document is hostile (a learner's server wrote it): work is bounded
 * by the nesting cap (64 levels of schema and document together, $ref
 * included) and by a cap on uniqueItems' comparisons.
 */
#include "json_schema.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match_int.h"
#include "grader/util/util.h"

#define JS_MAX_DEPTH  64
#define JS_MAX_UNIQUE 1000000 /* pairs uniqueItems may compare */
#define JS_SHOW_VALUE 80

struct js_pattern {
	const cJSON *node; /* the "pattern" member it belongs to */
	regex_t re;
};

struct json_schema {
	cJSON *root;
	struct js_pattern *pats;
	size_t npats;
};

static const char *const js_annotations[] = {
    "$schema", "$id",      "$comment", "$anchor",  "title",     "description",
    "default", "examples", "format",   "readOnly", "writeOnly", "deprecated", NULL};
static const char *const js_types[] = {"string", "number", "integer", "boolean",
				       "null",   "array",  "object",  NULL};
static const char *const js_counts[] = {"minProperties", "maxProperties", "minItems", "maxItems",
					"minLength",     "maxLength",     NULL};
static const char *const js_bounds[] = {"minimum", "maximum", "exclusiveMinimum",
					"exclusiveMaximum", NULL};
static const char *const js_lists[] = {"allOf", "anyOf", "oneOf", NULL};

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

/* ---- patterns: ECMA-262 in the common cases, as POSIX extended ---- */

/* \d \w \s and their capitals become bracket expressions; inside a
 * bracket the lower-case ones become classes. NULL (with *why) for what
 * POSIX cannot say: a capital inside a bracket. */
static char *posix_pattern(const char *p, const char **why)
{
	struct strbuf sb = {0};
	int in_bracket = 0;
	for (; *p; p++) {
		if (*p == '\\' && p[1]) {
			char c = *++p;
			const char *cls = c == 'd' || c == 'D'   ? "0-9"
					  : c == 'w' || c == 'W' ? "A-Za-z0-9_"
					  : c == 's' || c == 'S' ? "[:space:]"
								 : NULL;
			if (cls && in_bracket) {
				if (c == 'D' || c == 'W' || c == 'S') {
					*why = "\\D, \\W and \\S inside [...] cannot be written in "
					       "POSIX regular expressions";
					sb_free(&sb);
					return NULL;
				}
				sb_adds(&sb, cls);
			} else if (cls) {
				sb_addf(&sb, "[%s%s]", c == 'D' || c == 'W' || c == 'S' ? "^" : "",
					cls);
			} else {
				sb_addc(&sb, '\\');
				sb_addc(&sb, c);
			}
			continue;
		}
		if (!in_bracket && *p == '[') {
			in_bracket = 1;
			sb_addc(&sb, *p);
			if (p[1] == '^')
				sb_addc(&sb, *++p);
			if (p[1] == ']')
				sb_addc(&sb, *++p);
			continue;
		}
		if (in_bracket && *p == ']')
			in_bracket = 0;
		sb_addc(&sb, *p);
	}
	return sb_detach(&sb, NULL);
}

/* ---- checking a schema ---- */

struct js_check {
	struct json_schema *s;
	struct strbuf at; /* JSON pointer of the part being checked */
	char *why;
};

static void ptr_push(struct strbuf *at, const char *key)
{
	sb_addc(at, '/');
	for (const char *k = key; *k; k++) {
		if (*k == '~')
			sb_adds(at, "~0");
		else if (*k == '/')
			sb_adds(at, "~1");
		else
			sb_addc(at, *k);
	}
}

static void ptr_pop(struct strbuf *at, size_t len)
{
	at->len = len;
	if (at->buf)
		at->buf[len] = '\0';
}

static int bad(struct js_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct js_check *c, const char *fmt, ...)
{
	if (!c->why) {
		va_list ap;
		va_start(ap, fmt);
		struct strbuf sb = {0};
		sb_vaddf(&sb, fmt, ap);
		va_end(ap);
		c->why = sb_detach(&sb, NULL);
	}
	return -1;
}

const char *json_pointer_next(const char *p, struct strbuf *key)
{
	if (*p != '/')
		return NULL;
	key->len = 0;
	sb_adds(key, ""); /* an empty segment is a key too */
	for (p++; *p && *p != '/'; p++) {
		if (*p == '~' && (p[1] == '0' || p[1] == '1'))
			sb_addc(key, *++p == '0' ? '~' : '/');
		else
			sb_addc(key, *p);
	}
	return p;
}

/* The part of root a "$ref" names: "#" or "#/a/b~1c/0". NULL if none. */
static const cJSON *resolve(const cJSON *root, const char *ref)
{
	if (ref[0] != '#')
		return NULL;
	const cJSON *cur = root;
	const char *p = ref + 1;
	if (!*p)
		return root;
	if (*p != '/')
		return NULL;
	struct strbuf key = {0};
	while (cur && (p = json_pointer_next(p, &key))) {
		const char *k = key.buf;
		if (cJSON_IsArray(cur)) {
			char *end;
			long i = strtol(k, &end, 10);
			cur = *k && !*end && i >= 0 && i < 100000 ? cJSON_GetArrayItem(cur, (int)i)
								  : NULL;
		} else if (cJSON_IsObject(cur)) {
			cur = cJSON_GetObjectItemCaseSensitive(cur, k);
		} else {
			cur = NULL;
		}
	}
	sb_free(&key);
	return cur;
}

static int check_schema(struct js_check *c, const cJSON *n, int depth);

static int check_member_schemas(struct js_check *c, const cJSON *obj, int depth)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, obj)
	{
		size_t len = c->at.len;
		ptr_push(&c->at, e->string);
		if (check_schema(c, e, depth + 1) != 0)
			return -1;
		ptr_pop(&c->at, len);
	}
	return 0;
}

static int check_list_schemas(struct js_check *c, const cJSON *arr, int depth)
{
	int i = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, arr)
	{
		size_t len = c->at.len;
		char idx[24];
		snprintf(idx, sizeof idx, "%d", i++);
		ptr_push(&c->at, idx);
		if (check_schema(c, e, depth + 1) != 0)
			return -1;
		ptr_pop(&c->at, len);
	}
	return 0;
}

static int is_count(const cJSON *v)
{
	return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 1e9 &&
	       v->valuedouble == floor(v->valuedouble);
}

static int check_keyword(struct js_check *c, const char *k, const cJSON *v, int depth)
{
	if (in_list(k, js_annotations))
		return 0;
	if (!strcmp(k, "$defs") || !strcmp(k, "definitions")) {
		if (!cJSON_IsObject(v))
			return bad(c, "'%s' must be an object of schemas", k);
		return check_member_schemas(c, v, depth);
	}
	if (!strcmp(k, "type")) {
		if (cJSON_IsString(v)) {
			if (!in_list(v->valuestring, js_types))
				return bad(c, "unknown type '%s'; the types are string, number, "
					      "integer, boolean, null, array and object",
					   v->valuestring);
			return 0;
		}
		const cJSON *e;
		if (!cJSON_IsArray(v) || !cJSON_GetArraySize(v))
			return bad(c, "'type' must be a type name or a non-empty list of them");
		cJSON_ArrayForEach(e, v)
		{
			if (!cJSON_IsString(e) || !in_list(e->valuestring, js_types))
				return bad(c, "'type' lists something that is not a type name");
		}
		return 0;
	}
	if (!strcmp(k, "enum"))
		return cJSON_IsArray(v) && cJSON_GetArraySize(v)
			   ? 0
			   : bad(c, "'enum' must be a non-empty list of values");
	if (!strcmp(k, "const"))
		return 0;
	if (!strcmp(k, "properties")) {
		if (!cJSON_IsObject(v))
			return bad(c, "'properties' must be an object of schemas");
		return check_member_schemas(c, v, depth);
	}
	if (!strcmp(k, "required")) {
		const cJSON *e;
		if (!cJSON_IsArray(v))
			return bad(c, "'required' must be a list of key names");
		cJSON_ArrayForEach(e, v)
		{
			if (!cJSON_IsString(e))
				return bad(c, "'required' must be a list of key names");
		}
		return 0;
	}
	if (!strcmp(k, "additionalProperties") || !strcmp(k, "items") || !strcmp(k, "not")) {
		if (!strcmp(k, "items") && cJSON_IsArray(v))
			return bad(c, "'items' as a list is draft-07's tuple form: write "
				      "'prefixItems' for the list of schemas");
		return check_schema(c, v, depth + 1);
	}
	if (!strcmp(k, "prefixItems") || in_list(k, js_lists)) {
		if (!cJSON_IsArray(v) || !cJSON_GetArraySize(v))
			return bad(c, "'%s' must be a non-empty list of schemas", k);
		return check_list_schemas(c, v, depth);
	}
	if (in_list(k, js_counts))
		return is_count(v) ? 0 : bad(c, "'%s' must be a whole number of at least 0", k);
	if (in_list(k, js_bounds)) {
		if (cJSON_IsBool(v))
			return bad(c, "'%s' must be a number (a true/false '%s' is draft-04's; "
				      "write the bound itself)",
				   k, k);
		return cJSON_IsNumber(v) ? 0 : bad(c, "'%s' must be a number", k);
	}
	if (!strcmp(k, "multipleOf"))
		return cJSON_IsNumber(v) && v->valuedouble > 0
			   ? 0
			   : bad(c, "'multipleOf' must be a number above 0");
	if (!strcmp(k, "uniqueItems"))
		return cJSON_IsBool(v) ? 0 : bad(c, "'uniqueItems' must be true or false");
	if (!strcmp(k, "pattern")) {
		if (!cJSON_IsString(v))
			return bad(c, "'pattern' must be a string");
		const char *why = NULL;
		char *px = posix_pattern(v->valuestring, &why);
		if (!px)
			return bad(c, "pattern /%s/: %s", v->valuestring, why);
		struct json_schema *s = c->s;
		s->pats = xrealloc(s->pats, (s->npats + 1) * sizeof *s->pats);
		int rc = regcomp(&s->pats[s->npats].re, px, REG_EXTENDED | REG_NOSUB);
		free(px);
		if (rc != 0) {
			char msg[200];
			regerror(rc, &s->pats[s->npats].re, msg, sizeof msg);
			return bad(c, "pattern /%s/ does not compile: %s", v->valuestring, msg);
		}
		s->pats[s->npats++].node = v;
		return 0;
	}
	if (!strcmp(k, "$ref")) {
		if (!cJSON_IsString(v))
			return bad(c, "'$ref' must be a string");
		if (!resolve(c->s->root, v->valuestring))
			return bad(c, "'$ref' %s names nothing in this schema (write \"#\" or "
				      "\"#/$defs/NAME\")",
				   v->valuestring);
		return 0;
	}
	return bad(c, "'%s' is not a JSON Schema keyword the grader checks (see "
		      "docs/kinds/http.md)",
		   k);
}

static int check_schema(struct js_check *c, const cJSON *n, int depth)
{
	if (depth > JS_MAX_DEPTH)
		return bad(c, "the schema is nested more than %d levels deep", JS_MAX_DEPTH);
	if (cJSON_IsBool(n))
		return 0;
	if (!cJSON_IsObject(n))
		return bad(c, "a schema must be an object, true or false");
	const cJSON *e;
	cJSON_ArrayForEach(e, n)
	{
		size_t len = c->at.len;
		ptr_push(&c->at, e->string);
		if (check_keyword(c, e->string, e, depth) != 0)
			return -1;
		ptr_pop(&c->at, len);
	}
	return 0;
}

void json_schema_free(struct json_schema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->npats; i++)
		regfree(&s->pats[i].re);
	free(s->pats);
	cJSON_Delete(s->root);
	free(s);
}

struct json_schema *json_schema_new(const cJSON *schema, char **why, char **at)
{
	struct json_schema *s = xcalloc(1, sizeof *s);
	s->root = cJSON_Duplicate(schema, 1);
	struct js_check c = {s, {0}, NULL};
	if (!s->root)
		bad(&c, "the schema cannot be copied");
	else
		check_schema(&c, s->root, 0);
	if (c.why) {
		*why = c.why;
		*at = c.at.buf ? sb_detach(&c.at, NULL) : xstrdup("");
		json_schema_free(s);
		return NULL;
	}
	sb_free(&c.at);
	return s;
}

/* ---- validating a document ---- */

struct js_run {
	const struct json_schema *s;
	struct strbuf path; /* $.items[2] */
	char **why;         /* NULL: only decide (inside anyOf, oneOf, not) */
	long unique_budget;
};

static const char *type_of(const cJSON *v)
{
	switch (v->type & 0xFF) {
	case cJSON_Number:
		return "number";
	case cJSON_String:
		return "string";
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
		return "value";
	}
}

static const char *article(const char *word)
{
	return strchr("aeiou", word[0]) ? "an" : "a";
}

static char *show(const cJSON *v)
{
	char *s = cJSON_PrintUnformatted(v);
	if (!s)
		return xstrdup("(unprintable)");
	char *vis = match_visible(s, strlen(s), JS_SHOW_VALUE);
	cJSON_free(s);
	return vis;
}

static int fail(struct js_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct js_run *r, const char *fmt, ...)
{
	if (r->why && !*r->why) {
		struct strbuf sb = {0};
		sb_adds(&sb, r->path.buf ? r->path.buf : "$");
		sb_addc(&sb, ' ');
		va_list ap;
		va_start(ap, fmt);
		sb_vaddf(&sb, fmt, ap);
		va_end(ap);
		*r->why = sb_detach(&sb, NULL);
	}
	return 0;
}

static int has_type(const cJSON *x, const char *t)
{
	if (!strcmp(t, "integer"))
		return cJSON_IsNumber(x) && isfinite(x->valuedouble) &&
		       x->valuedouble == floor(x->valuedouble);
	return !strcmp(t, type_of(x));
}

static int equal(const cJSON *a, const cJSON *b, int depth)
{
	if (depth > JS_MAX_DEPTH || (a->type & 0xFF) != (b->type & 0xFF))
		return 0;
	switch (a->type & 0xFF) {
	case cJSON_Number:
		return a->valuedouble == b->valuedouble;
	case cJSON_String:
		return !strcmp(a->valuestring, b->valuestring);
	case cJSON_Array: {
		const cJSON *x = a->child, *y = b->child;
		for (; x && y; x = x->next, y = y->next)
			if (!equal(x, y, depth + 1))
				return 0;
		return !x && !y;
	}
	case cJSON_Object: {
		if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
			return 0;
		const cJSON *x;
		cJSON_ArrayForEach(x, a)
		{
			const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, x->string);
			if (!y || !equal(x, y, depth + 1))
				return 0;
		}
		return 1;
	}
	default:
		return 1;
	}
}

static const regex_t *pattern_of(const struct json_schema *s, const cJSON *node)
{
	for (size_t i = 0; i < s->npats; i++)
		if (s->pats[i].node == node)
			return &s->pats[i].re;
	return NULL;
}

static int validate(struct js_run *r, const cJSON *sch, const cJSON *x, int depth);

/* Validates x against sch with the path extended by a key or an index. */
static int validate_at(struct js_run *r, const cJSON *sch, const cJSON *x, const char *key,
		       int index, int depth)
{
	size_t len = r->path.len;
	if (key)
		json_path_push_key(&r->path, key);
	else
		sb_addf(&r->path, "[%d]", index);
	int ok = validate(r, sch, x, depth + 1);
	r->path.len = len;
	r->path.buf[len] = '\0';
	return ok;
}

/* Decides without a message (for anyOf, oneOf, not). */
static int quietly(struct js_run *r, const cJSON *sch, const cJSON *x, int depth)
{
	char **why = r->why;
	r->why = NULL;
	int ok = validate(r, sch, x, depth + 1);
	r->why = why;
	return ok;
}

static int validate_type(struct js_run *r, const cJSON *t, const cJSON *x)
{
	if (cJSON_IsString(t)) {
		if (has_type(x, t->valuestring))
			return 1;
		char *v = show(x);
		fail(r, "is %s (%s %s); expected %s %s", v, article(type_of(x)), type_of(x),
		     article(t->valuestring), t->valuestring);
		free(v);
		return 0;
	}
	const cJSON *e;
	struct strbuf names = {0};
	cJSON_ArrayForEach(e, t)
	{
		if (has_type(x, e->valuestring)) {
			sb_free(&names);
			return 1;
		}
		sb_addf(&names, "%s%s", names.len ? " or " : "", e->valuestring);
	}
	char *v = show(x);
	fail(r, "is %s (%s %s); expected %s", v, article(type_of(x)), type_of(x), names.buf);
	free(v);
	sb_free(&names);
	return 0;
}

static int validate_object(struct js_run *r, const cJSON *sch, const cJSON *x, int depth)
{
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(sch, "properties");
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(sch, "required");
	const cJSON *add = cJSON_GetObjectItemCaseSensitive(sch, "additionalProperties");
	const cJSON *e;
	cJSON_ArrayForEach(e, req)
	{
		if (!cJSON_GetObjectItemCaseSensitive(x, e->valuestring)) {
			char *k = match_visible(e->valuestring, strlen(e->valuestring), 80);
			fail(r, "has no key \"%s\", which is required", k);
			free(k);
			return 0;
		}
	}
	int n = cJSON_GetArraySize(x);
	const cJSON *mn = cJSON_GetObjectItemCaseSensitive(sch, "minProperties");
	const cJSON *mx = cJSON_GetObjectItemCaseSensitive(sch, "maxProperties");
	if (mn && n < mn->valuedouble)
		return fail(r, "has %d keys; at least %.0f expected", n, mn->valuedouble);
	if (mx && n > mx->valuedouble)
		return fail(r, "has %d keys; at most %.0f expected", n, mx->valuedouble);
	cJSON_ArrayForEach(e, x)
	{
		const cJSON *p = props ? cJSON_GetObjectItemCaseSensitive(props, e->string) : NULL;
		if (p) {
			if (!validate_at(r, p, e, e->string, 0, depth))
				return 0;
		} else if (add && cJSON_IsFalse(add)) {
			char *k = match_visible(e->string, strlen(e->string), 80);
			fail(r, "has the key \"%s\", which is not allowed (additionalProperties: "
				"false)",
			     k);
			free(k);
			return 0;
		} else if (add && !validate_at(r, add, e, e->string, 0, depth)) {
			return 0;
		}
	}
	return 1;
}

static int validate_array(struct js_run *r, const cJSON *sch, const cJSON *x, int depth)
{
	int n = cJSON_GetArraySize(x);
	const cJSON *mn = cJSON_GetObjectItemCaseSensitive(sch, "minItems");
	const cJSON *mx = cJSON_GetObjectItemCaseSensitive(sch, "maxItems");
	if (mn && n < mn->valuedouble)
		return fail(r, "has %d items; at least %.0f expected", n, mn->valuedouble);
	if (mx && n > mx->valuedouble)
		return fail(r, "has %d items; at most %.0f expected", n, mx->valuedouble);
	const cJSON *prefix = cJSON_GetObjectItemCaseSensitive(sch, "prefixItems");
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(sch, "items");
	const cJSON *p = prefix ? prefix->child : NULL, *e;
	int i = 0;
	cJSON_ArrayForEach(e, x)
	{
		const cJSON *s = p ? p : items;
		if (s && !validate_at(r, s, e, NULL, i, depth))
			return 0;
		if (p)
			p = p->next;
		i++;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sch, "uniqueItems"))) {
		int a = 0;
		for (const cJSON *u = x->child; u; u = u->next, a++) {
			int b = a + 1;
			for (const cJSON *v = u->next; v; v = v->next, b++) {
				if (--r->unique_budget < 0)
					return fail(r, "has too many items to check that they are "
						       "unique (%d)",
						    n);
				if (equal(u, v, 0))
					return fail(r, "has the same item at [%d] and [%d]; "
						       "uniqueItems expected",
						    a, b);
			}
		}
	}
	return 1;
}

static int validate_string(struct js_run *r, const cJSON *sch, const cJSON *x)
{
	const char *s = x->valuestring;
	size_t chars = 0; /* characters: bytes that do not continue one */
	for (const char *c = s; *c; c++)
		chars += ((unsigned char)*c & 0xC0) != 0x80;
	const cJSON *mn = cJSON_GetObjectItemCaseSensitive(sch, "minLength");
	const cJSON *mx = cJSON_GetObjectItemCaseSensitive(sch, "maxLength");
	if ((mn && chars < mn->valuedouble) || (mx && chars > mx->valuedouble)) {
		char *v = show(x);
		fail(r, "is %s, %zu characters long; %s %.0f expected", v, chars,
		     mn && chars < mn->valuedouble ? "at least" : "at most",
		     mn && chars < mn->valuedouble ? mn->valuedouble : mx->valuedouble);
		free(v);
		return 0;
	}
	const cJSON *pat = cJSON_GetObjectItemCaseSensitive(sch, "pattern");
	const regex_t *re = pat ? pattern_of(r->s, pat) : NULL;
	if (re && regexec(re, s, 0, NULL, 0) != 0) {
		char *v = show(x);
		fail(r, "is %s, which does not match the pattern /%s/", v, pat->valuestring);
		free(v);
		return 0;
	}
	return 1;
}

static int validate_number(struct js_run *r, const cJSON *sch, const cJSON *x)
{
	double v = x->valuedouble;
	static const char *const words[] = {"at least", "at most", "above", "below"};
	for (int i = 0; js_bounds[i]; i++) {
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(sch, js_bounds[i]);
		if (!b)
			continue;
		double w = b->valuedouble;
		int ok = i == 0 ? v >= w : i == 1 ? v <= w : i == 2 ? v > w : v < w;
		if (!ok) {
			char *t = show(x);
			fail(r, "is %s; %s %g expected", t, words[i], w);
			free(t);
			return 0;
		}
	}
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(sch, "multipleOf");
	if (m) {
		double q = v / m->valuedouble;
		if (!isfinite(q) || fabs(q - nearbyint(q)) > 1e-9 * fmax(1, fabs(q))) {
			char *t = show(x);
			fail(r, "is %s, not a multiple of %g", t, m->valuedouble);
			free(t);
			return 0;
		}
	}
	return 1;
}

static int validate(struct js_run *r, const cJSON *sch, const cJSON *x, int depth)
{
	if (depth > JS_MAX_DEPTH)
		return fail(r, "is nested too deep for the schema to check (its $ref chain or "
			       "the document goes past %d levels)",
			    JS_MAX_DEPTH);
	if (cJSON_IsTrue(sch))
		return 1;
	if (cJSON_IsFalse(sch))
		return fail(r, "is not allowed here (the schema is false)");
	const cJSON *v;
	if ((v = cJSON_GetObjectItemCaseSensitive(sch, "$ref")) &&
	    !validate(r, resolve(r->s->root, v->valuestring), x, depth + 1))
		return 0;
	if ((v = cJSON_GetObjectItemCaseSensitive(sch, "type")) && !validate_type(r, v, x))
		return 0;
	if ((v = cJSON_GetObjectItemCaseSensitive(sch, "const")) && !equal(v, x, 0)) {
		char *a = show(x), *e = show(v);
		fail(r, "is %s; expected %s", a, e);
		free(a);
		free(e);
		return 0;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(sch, "enum"))) {
		const cJSON *e;
		int found = 0;
		cJSON_ArrayForEach(e, v) found |= equal(e, x, 0);
		if (!found) {
			char *a = show(x), *list = show(v);
			fail(r, "is %s, which is not one of %s", a, list);
			free(a);
			free(list);
			return 0;
		}
	}
	if (cJSON_IsObject(x) && !validate_object(r, sch, x, depth))
		return 0;
	if (cJSON_IsArray(x) && !validate_array(r, sch, x, depth))
		return 0;
	if (cJSON_IsString(x) && !validate_string(r, sch, x))
		return 0;
	if (cJSON_IsNumber(x) && !validate_number(r, sch, x))
		return 0;
	if ((v = cJSON_GetObjectItemCaseSensitive(sch, "allOf"))) {
		const cJSON *e;
		cJSON_ArrayForEach(e, v)
		{
			if (!validate(r, e, x, depth + 1))
				return 0;
		}
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(sch, "anyOf"))) {
		const cJSON *e;
		int any = 0;
		cJSON_ArrayForEach(e, v)
		{
			if ((any = quietly(r, e, x, depth)))
				break;
		}
		if (!any && !r->why) /* deciding only: no hint to find */
			return 0;
		if (!any) {
			/* the first alternative's reason, as a hint */
			char *first = NULL, **why = r->why;
			r->why = &first;
			validate(r, v->child, x, depth + 1);
			r->why = why;
			fail(r, "matches none of the %d schemas of anyOf (the first says: %s)",
			     cJSON_GetArraySize(v), first ? first : "no");
			free(first);
			return 0;
		}
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(sch, "oneOf"))) {
		const cJSON *e;
		int n = 0;
		cJSON_ArrayForEach(e, v) n += quietly(r, e, x, depth);
		if (n != 1)
			return fail(r, "matches %d of the %d schemas of oneOf; exactly one expected",
				    n, cJSON_GetArraySize(v));
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(sch, "not")) && quietly(r, v, x, depth))
		return fail(r, "matches the schema under 'not'");
	return 1;
}

int json_schema_validate(const struct json_schema *s, const cJSON *doc, char **why)
{
	struct js_run r = {s, {0}, why, JS_MAX_UNIQUE};
	if (why)
		*why = NULL;
	sb_adds(&r.path, "$");
	int ok = validate(&r, s->root, doc, 0);
	sb_free(&r.path);
	return ok;
}
