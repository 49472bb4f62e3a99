/*
 * match_json.c - the json matcher: the output must be one JSON document
 * equal to the expected one, or (subset) holding at least its keys. The
 * diff names the JSON path of the first difference ($.items[2].name)
 * with both values there, and when both documents are objects or arrays
 * carries a unified diff of the two, pretty-printed with their keys
 * sorted (for subset, the actual document without the keys the expected
 * one does not name), so every difference shows at once.
 *
 * Documents are parsed with cJSON (nesting capped at its limit of 1000).
 * Objects are looked up through a sorted index so a hostile output with
 * many keys costs n log n, not n^2.
 */
#include "match_int.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grader/util/utf8.h"
#include "grader/util/util.h"

#define JSON_VALUE_MAX 200

/* Parses text[0..len) as one JSON value followed only by whitespace.
 * Returns the value, or NULL with *stop set to where parsing stopped. */
static cJSON *parse_whole(const char *text, size_t len, size_t *stop)
{
	const char *end = NULL;
	cJSON *j = len ? cJSON_ParseWithLengthOpts(text, len, &end, 0) : NULL;
	size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
	if (j) {
		while (off < len && text_is_space((unsigned char)text[off]))
			off++;
		if (off == len)
			return j;
		cJSON_Delete(j);
	}
	*stop = off;
	return NULL;
}

char *match_json_prepare(struct matcher *m, int *line, int *col)
{
	size_t stop = 0;
	*line = *col = 0;
	m->json = parse_whole(m->expected, m->expected_len, &stop);
	if (m->json)
		return NULL;
	utf8_position(m->expected, m->expected_len, stop, line, col);
	return xasprintf("expected value is not valid JSON (parsing stopped at line %d, column %d)",
			 *line, *col);
}

/* ---- comparing ---- */

struct jcmp {
	const struct matcher *m;
	struct strbuf path;
	struct match_diff *d; /* NULL: only decide */
};

static int is_identifier(const char *k)
{
	if (!(*k == '_' || (*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z')))
		return 0;
	for (; *k; k++)
		if (!(*k == '_' || (*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
		      (*k >= '0' && *k <= '9')))
			return 0;
	return 1;
}

void json_path_push_key(struct strbuf *path, const char *key)
{
	if (is_identifier(key) && strlen(key) <= MATCH_SNIPPET_MAX) {
		sb_addf(path, ".%s", key);
		return;
	}
	char *vis = match_visible(key, strlen(key), MATCH_SNIPPET_MAX);
	sb_adds(path, "[\"");
	for (const char *p = vis; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_addc(path, '\\');
		sb_addc(path, *p);
	}
	sb_adds(path, "\"]");
	free(vis);
}

static void path_pop(struct strbuf *path, size_t len)
{
	path->len = len;
	path->buf[len] = '\0';
}

static char *print_value(const cJSON *v, size_t max)
{
	char *s = cJSON_PrintUnformatted(v);
	if (!s)
		return xstrdup("(unprintable)");
	char *vis = match_visible(s, strlen(s), max);
	cJSON_free(s);
	return vis;
}

/* Records the first difference: where, what, and both values (either may
 * be NULL when absent). Returns 0 (differ) for convenience. */
static int differ(struct jcmp *c, const cJSON *e, const cJSON *a, const char *what)
{
	if (!c->d)
		return 0;
	struct match_diff *d = c->d;
	d->json_path = xstrdup(c->path.buf);
	d->expected_excerpt = e ? print_value(e, MATCH_EXCERPT_MAX) : NULL;
	d->actual_excerpt = a ? print_value(a, MATCH_EXCERPT_MAX) : NULL;
	char *ev = e ? print_value(e, JSON_VALUE_MAX) : NULL;
	char *av = a ? print_value(a, JSON_VALUE_MAX) : NULL;
	if (what)
		diff_set_summary(d, "%s %s", d->json_path, what);
	else if (!a)
		diff_set_summary(d, "%s is missing; expected %s", d->json_path, ev);
	else if (!e)
		diff_set_summary(d, "%s is not expected (got %s)", d->json_path, av);
	else
		diff_set_summary(d, "%s: expected %s, got %s", d->json_path, ev, av);
	if (e && a && cJSON_IsNumber(e) && cJSON_IsNumber(a)) {
		d->has_numeric = 1;
		d->expected_number = e->valuedouble;
		d->actual_number = a->valuedouble;
		d->abs_error = fabs(a->valuedouble - e->valuedouble);
		d->rel_error = e->valuedouble != 0 ? d->abs_error / fabs(e->valuedouble)
			       : d->abs_error == 0 ? 0
						   : INFINITY;
	}
	free(ev);
	free(av);
	return 0;
}

static int values_equal(struct jcmp *c, const cJSON *e, const cJSON *a);

static int arrays_equal(struct jcmp *c, const cJSON *e, const cJSON *a)
{
	const cJSON *x = e->child, *y = a->child;
	size_t i = 0;
	for (; x && y; x = x->next, y = y->next, i++) {
		size_t len = c->path.len;
		sb_addf(&c->path, "[%zu]", i);
		int eq = values_equal(c, x, y);
		path_pop(&c->path, len);
		if (!eq)
			return 0;
	}
	if (!x && !y)
		return 1;
	size_t ne = (size_t)cJSON_GetArraySize(e), na = (size_t)cJSON_GetArraySize(a);
	char what[96];
	snprintf(what, sizeof what, "has %zu element%s; expected %zu", na, na == 1 ? "" : "s", ne);
	return differ(c, e, a, what);
}

/* An object's members sorted by key, then by position, for lookups. */
struct member {
	const cJSON *item;
	const char *key;
	size_t pos;
};

struct member_index {
	struct member *v;
	size_t n;
};

static int member_cmp(const void *x, const void *y)
{
	const struct member *a = x, *b = y;
	int r = strcmp(a->key, b->key);
	if (r)
		return r;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static void index_build(struct member_index *ix, const cJSON *obj)
{
	size_t n = 0;
	for (const cJSON *c = obj->child; c; c = c->next)
		n++;
	ix->v = xcalloc(n ? n : 1, sizeof *ix->v);
	ix->n = 0;
	for (const cJSON *c = obj->child; c; c = c->next, ix->n++) {
		ix->v[ix->n].item = c;
		ix->v[ix->n].key = c->string ? c->string : "";
		ix->v[ix->n].pos = ix->n;
	}
	qsort(ix->v, ix->n, sizeof *ix->v, member_cmp);
}

/* The member with key, or NULL; with duplicate keys the first one in the
 * document. */
static const cJSON *index_find(const struct member_index *ix, const char *key)
{
	size_t lo = 0, hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(ix->v[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == ix->n || strcmp(ix->v[lo].key, key) != 0)
		return NULL;
	return ix->v[lo].item;
}

static int objects_equal(struct jcmp *c, const cJSON *e, const cJSON *a);

static int members_present(struct jcmp *c, const cJSON *e, const struct member_index *ai)
{
	for (const cJSON *x = e->child; x; x = x->next) {
		const char *key = x->string ? x->string : "";
		const cJSON *y = index_find(ai, key);
		size_t len = c->path.len;
		json_path_push_key(&c->path, key);
		int eq = y ? values_equal(c, x, y) : differ(c, x, NULL, NULL);
		path_pop(&c->path, len);
		if (!eq)
			return 0;
	}
	return 1;
}

/* Equality (not subset): no key of a may be absent from e, none twice. */
static int no_extra_members(struct jcmp *c, const cJSON *a, const struct member_index *ai,
			    const struct member_index *ei)
{
	for (const cJSON *y = a->child; y; y = y->next) {
		const char *key = y->string ? y->string : "";
		if (index_find(ei, key))
			continue;
		size_t len = c->path.len;
		json_path_push_key(&c->path, key);
		differ(c, NULL, y, NULL);
		path_pop(&c->path, len);
		return 0;
	}
	for (size_t i = 1; i < ai->n; i++) {
		if (strcmp(ai->v[i - 1].key, ai->v[i].key) != 0)
			continue;
		char *vis = match_visible(ai->v[i].key, strlen(ai->v[i].key), MATCH_SNIPPET_MAX);
		char *what = xasprintf("has the key \"%s\" more than once", vis);
		differ(c, NULL, NULL, what);
		free(what);
		free(vis);
		return 0;
	}
	return 1;
}

static int objects_equal(struct jcmp *c, const cJSON *e, const cJSON *a)
{
	struct member_index ai, ei = {NULL, 0};
	index_build(&ai, a);
	int eq = members_present(c, e, &ai);
	if (eq && !c->m->json_subset) {
		index_build(&ei, e);
		eq = no_extra_members(c, a, &ai, &ei);
	}
	free(ai.v);
	free(ei.v);
	return eq;
}

static int values_equal(struct jcmp *c, const cJSON *e, const cJSON *a)
{
	int te = e->type & 0xFF, ta = a->type & 0xFF;
	if (te != ta)
		return differ(c, e, a, NULL);
	switch (te) {
	case cJSON_Number:
		if (match_number_close(e->valuedouble, a->valuedouble, c->m->abs_tol,
				       c->m->rel_tol))
			return 1;
		return differ(c, e, a, NULL);
	case cJSON_String:
		if (e->valuestring && a->valuestring && strcmp(e->valuestring, a->valuestring) == 0)
			return 1;
		return differ(c, e, a, NULL);
	case cJSON_Array:
		return arrays_equal(c, e, a);
	case cJSON_Object:
		return objects_equal(c, e, a);
	default: /* true, false, null: the type says it all */
		return 1;
	}
}

/* ---- the whole documents, side by side ---- */

static int child_cmp(const void *x, const void *y)
{
	const cJSON *a = *(const cJSON *const *)x, *b = *(const cJSON *const *)y;
	int r = strcmp(a->string ? a->string : "", b->string ? b->string : "");
	return r ? r : (a < b ? -1 : a > b); /* duplicates keep a fixed order */
}

/* Sorts an object's members by key (arrays keep their order), and below;
 * with like (subset), drops the members of v's objects that like's
 * object at the same place does not name. v is a copy we own. */
static void normalize(cJSON *v, const cJSON *like, int depth)
{
	if (depth > 200 || !(cJSON_IsObject(v) || cJSON_IsArray(v)))
		return;
	size_t n = 0;
	for (cJSON *c = v->child; c; c = c->next)
		n++;
	if (!n)
		return;
	cJSON **kids = xcalloc(n, sizeof *kids);
	size_t i = 0;
	for (cJSON *c = v->child; c; c = c->next)
		kids[i++] = c;
	const cJSON *lk = like && (like->type & 0xFF) == (v->type & 0xFF) ? like : NULL;
	size_t keep = 0;
	for (i = 0; i < n; i++) {
		const cJSON *l = NULL;
		if (lk && cJSON_IsObject(v)) {
			l = cJSON_GetObjectItemCaseSensitive(lk, kids[i]->string);
			if (!l) { /* a member the subset does not ask about */
				kids[i]->next = kids[i]->prev = NULL;
				cJSON_Delete(kids[i]);
				continue;
			}
		} else if (lk) {
			l = cJSON_GetArrayItem(lk, (int)i);
		}
		normalize(kids[i], l, depth + 1);
		kids[keep++] = kids[i];
	}
	if (cJSON_IsObject(v) && keep > 1)
		qsort(kids, keep, sizeof *kids, child_cmp);
	v->child = keep ? kids[0] : NULL;
	for (i = 0; i < keep; i++) {
		kids[i]->prev = i ? kids[i - 1] : kids[keep - 1]; /* cJSON: child->prev is the tail */
		kids[i]->next = i + 1 < keep ? kids[i + 1] : NULL;
	}
	free(kids);
}

/* cJSON_Print's document with spaces for its tabs: two a level, one
 * after a colon (a tab inside a string is printed as \t, never raw). */
static char *pretty(const cJSON *v)
{
	char *s = cJSON_Print(v);
	if (!s)
		return NULL;
	struct strbuf sb = {0};
	int bol = 1;
	for (const char *p = s; *p; p++) {
		if (*p == '\t') {
			sb_adds(&sb, bol ? "  " : " ");
			continue;
		}
		bol = *p == '\n';
		sb_addf(&sb, "%c", *p);
	}
	cJSON_free(s);
	sb_adds(&sb, "\n");
	return sb_detach(&sb, NULL);
}

static void whole_diff(struct match_diff *d, const cJSON *e, const cJSON *a, int subset)
{
	if (!(cJSON_IsObject(e) || cJSON_IsArray(e)) || !(cJSON_IsObject(a) || cJSON_IsArray(a)))
		return;
	cJSON *ec = cJSON_Duplicate(e, 1), *ac = cJSON_Duplicate(a, 1);
	normalize(ec, NULL, 0);
	normalize(ac, subset ? e : NULL, 0);
	char *es = ec ? pretty(ec) : NULL, *as = ac ? pretty(ac) : NULL;
	if (es && as && strcmp(es, as) != 0)
		d->unified = text_unified_diff(es, strlen(es), as, strlen(as), "expected", "actual",
					       MATCH_UNIFIED_MAX);
	free(es);
	free(as);
	cJSON_Delete(ec);
	cJSON_Delete(ac);
}

/* ---- running ---- */

static struct match_diff *invalid_output(const char *a, size_t alen, size_t stop)
{
	struct match_diff *d = diff_new();
	if (text_lines_end(a, alen) == 0) {
		diff_set_summary(d, "output is empty; expected a JSON document");
		return d;
	}
	utf8_position(a, alen, stop, &d->line, &d->col);
	d->actual_excerpt = diff_line_excerpt(a, alen, stop < alen ? stop : alen, 1);
	diff_set_summary(d, "output is not valid JSON: parsing stopped at line %d, column %d",
			 d->line, d->col);
	return d;
}

int match_json_run(const struct matcher *m, const char *actual, size_t len,
		   struct match_diff **diff)
{
	/* cJSON gets a NUL-terminated copy: the output need not have one */
	char *copy = xmalloc(len + 1);
	memcpy(copy, actual, len);
	copy[len] = '\0';
	size_t stop = 0;
	cJSON *a = parse_whole(copy, len, &stop);
	free(copy);
	if (!a) {
		if (diff)
			*diff = invalid_output(actual, len, stop);
		return 0;
	}
	struct jcmp c = {m, {0}, diff ? diff_new() : NULL};
	sb_adds(&c.path, "$");
	int eq = values_equal(&c, m->json, a);
	if (!eq && c.d)
		whole_diff(c.d, m->json, a, m->json_subset);
	cJSON_Delete(a);
	sb_free(&c.path);
	if (eq) {
		match_diff_free(c.d);
		return 1;
	}
	if (diff)
		*diff = c.d;
	return 0;
}
