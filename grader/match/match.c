/*
 * match.c - the text matchers (exact, trim, lines, unordered_lines,
 * tokens, contains, regex), the matcher's life cycle and match_run, which
 * dispatches on the kind and applies negation.
 *
 * number and json live in match_number.c and match_json.c, loading from
 * YAML in match_yaml.c, and everything that describes a difference for
 * people in diff.c. Every matcher here runs in time linear in its input
 * (unordered_lines: n log n) and never reads past len.
 */
#include "match_int.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "grader/util/utf8.h"
#include "grader/util/util.h"

static const char *const kind_names[] = {
    [MATCH_EXACT] = "exact",       [MATCH_TRIM] = "trim",
    [MATCH_LINES] = "lines",       [MATCH_UNORDERED_LINES] = "unordered_lines",
    [MATCH_TOKENS] = "tokens",     [MATCH_REGEX] = "regex",
    [MATCH_CONTAINS] = "contains", [MATCH_NUMBER] = "number",
    [MATCH_JSON] = "json",
};

const char *match_kind_name(enum match_kind k)
{
	if ((unsigned)k >= sizeof kind_names / sizeof kind_names[0])
		return "unknown";
	return kind_names[k];
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* ---- life cycle ---- */

static void free_compiled(struct matcher *m)
{
	if (m->regex) {
		regfree(m->regex);
		free(m->regex);
		m->regex = NULL;
	}
	if (m->json) {
		cJSON_Delete(m->json);
		m->json = NULL;
	}
	free(m->error);
	m->error = NULL;
}

static int compile_regex(struct matcher *m)
{
	if (memchr(m->expected, '\0', m->expected_len)) {
		m->error = xstrdup("bad regular expression: the pattern contains a NUL byte");
		return -1;
	}
	m->regex = xmalloc(sizeof *m->regex);
	int flags = REG_EXTENDED | REG_NEWLINE | (m->ignore_case ? REG_ICASE : 0);
	int rc = regcomp(m->regex, m->expected, flags);
	if (rc == 0)
		return 0;
	char msg[256];
	regerror(rc, m->regex, msg, sizeof msg);
	free(m->regex);
	m->regex = NULL;
	char *vis = match_visible(m->expected, m->expected_len, MATCH_SNIPPET_MAX);
	m->error = xasprintf("bad regular expression \"%s\": %s", vis, msg);
	free(vis);
	return -1;
}

static int prepare_number(struct matcher *m)
{
	if (match_parse_number(m->expected, m->expected_len, &m->number) == 0)
		return 0;
	char *vis = match_visible(m->expected, m->expected_len, MATCH_SNIPPET_MAX);
	m->error = xasprintf("expected value \"%s\" is not a number", vis);
	free(vis);
	return -1;
}

int matcher_prepare(struct matcher *m)
{
	free_compiled(m);
	int line, col;
	switch (m->kind) {
	case MATCH_REGEX:
		return compile_regex(m);
	case MATCH_NUMBER:
		return prepare_number(m);
	case MATCH_JSON:
		m->error = match_json_prepare(m, &line, &col);
		return m->error ? -1 : 0;
	default:
		return 0;
	}
}

void matcher_init_text(struct matcher *m, enum match_kind kind, const char *expected, size_t len)
{
	memset(m, 0, sizeof *m);
	m->kind = kind;
	m->expected = xstrndup(expected, len);
	m->expected_len = len;
	matcher_prepare(m);
}

void matcher_free(struct matcher *m)
{
	if (!m)
		return;
	free_compiled(m);
	free(m->expected);
	m->expected = NULL;
	m->expected_len = 0;
	free(m->hint);
	m->hint = NULL;
}

/* ---- exact and trim ---- */

static void add_unified(struct match_diff *d, const char *e, size_t elen, const char *a,
			size_t alen, int flags)
{
	if (memchr(e, '\n', elen) || memchr(a, '\n', alen))
		d->unified =
		    diff_unified(e, elen, a, alen, "expected", "actual", MATCH_UNIFIED_MAX, flags);
}

/* Replaces the generic summary when one text is a prefix of the other. */
static void summarize_prefix(struct match_diff *d, const char *e, size_t elen, const char *a,
			     size_t alen, size_t i)
{
	size_t el = text_count_lines(e, elen), al = text_count_lines(a, alen);
	if (i == alen && elen - i == 1 && e[i] == '\n')
		diff_set_summary(d, "line %d: the output lacks the final newline", d->line);
	else if (i == elen && alen - i == 1 && a[i] == '\n')
		diff_set_summary(d, "line %d: unexpected newline at the end of the output",
				 d->line);
	else if (alen == 0)
		diff_set_summary(d, "output is empty; expected %zu line%s", el, plural(el));
	else if (i == alen && a[i - 1] == '\n')
		diff_set_summary(d, "output ended after line %zu; expected %zu line%s", al, el,
				 plural(el));
	else if (elen == 0)
		diff_set_summary(d, "expected no output; got %zu line%s", al, plural(al));
	else if (i == elen && e[i - 1] == '\n')
		diff_set_summary(d,
				 "unexpected output after line %zu (expected %zu line%s, got %zu)",
				 el, el, plural(el), al);
}

static int run_exact(const struct matcher *m, const char *a, size_t alen, struct match_diff **diff)
{
	const char *e = m->expected;
	size_t elen = m->expected_len;
	size_t i = text_common_prefix(e, elen, a, alen, m->ignore_case);
	if (i == elen && i == alen)
		return 1;
	if (!diff)
		return 0;
	int flags = m->ignore_case ? DIFF_ICASE : 0;
	struct match_diff *d = diff_new();
	diff_text_at(d, e, elen, i, a, alen, i, flags);
	if (i == elen || i == alen)
		summarize_prefix(d, e, elen, a, alen, i);
	add_unified(d, e, elen, a, alen, flags);
	*diff = d;
	return 0;
}

static size_t leading_space(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && text_is_space((unsigned char)s[i]))
		i++;
	return i;
}

static int run_trim(const struct matcher *m, const char *a, size_t alen, struct match_diff **diff)
{
	const char *e = m->expected;
	size_t ee = text_lines_end(e, m->expected_len), es = leading_space(e, ee);
	size_t ae = text_lines_end(a, alen), as = leading_space(a, ae);
	size_t i = text_common_prefix(e + es, ee - es, a + as, ae - as, m->ignore_case);
	if (i == ee - es && i == ae - as)
		return 1;
	if (!diff)
		return 0;
	int flags = DIFF_NO_EOL_NOTE | (m->ignore_case ? DIFF_ICASE : 0);
	struct match_diff *d = diff_new();
	diff_text_at(d, e, ee, es + i, a, ae, as + i, flags);
	if (ae == as)
		diff_set_summary(d, "output is empty (or only whitespace)");
	add_unified(d, e + es, ee - es, a + as, ae - as, flags);
	*diff = d;
	return 0;
}

/* ---- lines ---- */

struct lines_walk {
	const char *e, *a;
	size_t elen, alen; /* without trailing whitespace */
	size_t epos, apos;
	struct text_line el, al;
};

/* Describes a lines mismatch at line number lineno (1-based). */
static struct match_diff *lines_diff(const struct matcher *m, struct lines_walk *w, int have_e,
				     int have_a, size_t lineno)
{
	int flags = DIFF_RSTRIP | DIFF_NO_EOL_NOTE | (m->ignore_case ? DIFF_ICASE : 0);
	struct match_diff *d = diff_new();
	size_t ne = text_count_lines(w->e, w->elen), na = text_count_lines(w->a, w->alen);
	if (have_e && have_a) {
		size_t el = text_rstrip_len(w->el.p, w->el.len);
		size_t al = text_rstrip_len(w->al.p, w->al.len);
		size_t i = text_common_prefix(w->el.p, el, w->al.p, al, m->ignore_case);
		diff_text_at(d, w->e, w->elen, w->el.off + i, w->a, w->alen, w->al.off + i, flags);
	} else if (have_e) {
		d->line = lineno > INT_MAX ? INT_MAX : (int)lineno;
		d->col = 1;
		d->expected_excerpt = diff_line_excerpt(w->e, w->elen, w->el.off, 0);
		if (lineno == 1)
			diff_set_summary(d, "output is empty; expected %zu line%s", ne, plural(ne));
		else
			diff_set_summary(d, "output ended after line %zu; expected %zu line%s",
					 lineno - 1, ne, plural(ne));
	} else {
		d->line = lineno > INT_MAX ? INT_MAX : (int)lineno;
		d->col = 1;
		d->actual_excerpt = diff_line_excerpt(w->a, w->alen, w->al.off, 0);
		diff_set_summary(d,
				 "unexpected output after line %zu (expected %zu line%s, got %zu)",
				 lineno - 1, ne, plural(ne), na);
	}
	add_unified(d, w->e, w->elen, w->a, w->alen, flags);
	return d;
}

static int lines_equal(const struct text_line *x, const struct text_line *y, int icase)
{
	size_t xl = text_rstrip_len(x->p, x->len), yl = text_rstrip_len(y->p, y->len);
	return xl == yl && text_common_prefix(x->p, xl, y->p, yl, icase) == xl;
}

static int run_lines(const struct matcher *m, const char *a, size_t alen, struct match_diff **diff)
{
	struct lines_walk w = {m->expected,
			       a,
			       text_lines_end(m->expected, m->expected_len),
			       text_lines_end(a, alen),
			       0,
			       0,
			       {0},
			       {0}};
	for (size_t lineno = 1;; lineno++) {
		int he = text_next_line(w.e, w.elen, &w.epos, &w.el);
		int ha = text_next_line(w.a, w.alen, &w.apos, &w.al);
		if (!he && !ha)
			return 1;
		if (he && ha && lines_equal(&w.el, &w.al, m->ignore_case))
			continue;
		if (diff)
			*diff = lines_diff(m, &w, he, ha, lineno);
		return 0;
	}
}

/* ---- unordered_lines ---- */

struct uline {
	const char *p;
	size_t len; /* rstripped */
	size_t idx; /* 0-based line number */
};

static size_t collect_lines(const char *s, size_t len, struct uline **out)
{
	len = text_lines_end(s, len);
	size_t n = text_count_lines(s, len), i = 0, pos = 0;
	struct uline *v = xcalloc(n ? n : 1, sizeof *v);
	struct text_line tl;
	while (text_next_line(s, len, &pos, &tl)) {
		v[i].p = tl.p;
		v[i].len = text_rstrip_len(tl.p, tl.len);
		v[i].idx = i;
		i++;
	}
	*out = v;
	return n;
}

static int uline_cmp(const void *x, const void *y, void *icase_p)
{
	const struct uline *a = x, *b = y;
	int icase = *(const int *)icase_p;
	size_t n = a->len < b->len ? a->len : b->len;
	size_t i = text_common_prefix(a->p, n, b->p, n, icase);
	if (i < n) {
		unsigned char ca = text_fold((unsigned char)a->p[i], icase);
		unsigned char cb = text_fold((unsigned char)b->p[i], icase);
		return ca < cb ? -1 : 1;
	}
	return a->len < b->len ? -1 : a->len > b->len;
}

static int uline_by_idx(const void *x, const void *y)
{
	const struct uline *a = x, *b = y;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* One visible line per entry, at most 20 of them. */
static char *list_lines(const struct uline *v, size_t n)
{
	struct strbuf sb = {0};
	sb_add(&sb, "", 0);
	for (size_t i = 0; i < n && i < 20; i++) {
		char *vis = match_visible(v[i].p, v[i].len, MATCH_SNIPPET_MAX * 2);
		sb_addf(&sb, "%s%s", i ? "\n" : "", vis);
		free(vis);
	}
	if (n > 20)
		sb_addf(&sb, "\n… and %zu more", n - 20);
	return sb_detach(&sb, NULL);
}

static void quote_first(struct strbuf *sb, const char *what, const struct uline *v)
{
	char *vis = match_visible(v->p, v->len, MATCH_SNIPPET_MAX);
	sb_addf(sb, "%s \"%s\"", what, vis);
	free(vis);
}

static struct match_diff *unordered_diff(struct uline *miss, size_t nmiss, struct uline *extra,
					 size_t nextra)
{
	qsort(miss, nmiss, sizeof *miss, uline_by_idx);
	qsort(extra, nextra, sizeof *extra, uline_by_idx);
	struct match_diff *d = diff_new();
	struct strbuf sb = {0};
	if (nmiss)
		sb_addf(&sb, "%zu expected line%s missing", nmiss, plural(nmiss));
	if (nextra)
		sb_addf(&sb, "%s%zu unexpected line%s", nmiss ? ", " : "", nextra, plural(nextra));
	sb_adds(&sb, " (order ignored): ");
	if (nmiss)
		quote_first(&sb, "missing", &miss[0]);
	if (nextra) {
		sb_adds(&sb, nmiss ? ", " : "");
		quote_first(&sb, "unexpected", &extra[0]);
		d->line = extra[0].idx + 1 > INT_MAX ? INT_MAX : (int)(extra[0].idx + 1);
	}
	d->summary = sb_detach(&sb, NULL);
	d->expected_excerpt = nmiss ? list_lines(miss, nmiss) : NULL;
	d->actual_excerpt = nextra ? list_lines(extra, nextra) : NULL;
	return d;
}

static int run_unordered(const struct matcher *m, const char *a, size_t alen,
			 struct match_diff **diff)
{
	struct uline *ev, *av;
	size_t ne = collect_lines(m->expected, m->expected_len, &ev);
	size_t na = collect_lines(a, alen, &av);
	int icase = m->ignore_case;
	qsort_r(ev, ne, sizeof *ev, uline_cmp, &icase);
	qsort_r(av, na, sizeof *av, uline_cmp, &icase);
	struct uline *miss = xcalloc(ne + 1, sizeof *miss), *extra = xcalloc(na + 1, sizeof *extra);
	size_t i = 0, j = 0, nmiss = 0, nextra = 0;
	while (i < ne || j < na) {
		int c = i == ne ? 1 : j == na ? -1 : uline_cmp(&ev[i], &av[j], &icase);
		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			miss[nmiss++] = ev[i++];
		} else {
			extra[nextra++] = av[j++];
		}
	}
	int ok = nmiss == 0 && nextra == 0;
	if (!ok && diff)
		*diff = unordered_diff(miss, nmiss, extra, nextra);
	free(miss);
	free(extra);
	free(ev);
	free(av);
	return ok;
}

/* ---- tokens ---- */

static int next_token(const char *s, size_t len, size_t *pos, size_t *start, size_t *tlen)
{
	size_t i = *pos;
	while (i < len && text_is_space((unsigned char)s[i]))
		i++;
	if (i == len) {
		*pos = i;
		return 0;
	}
	*start = i;
	while (i < len && !text_is_space((unsigned char)s[i]))
		i++;
	*tlen = i - *start;
	*pos = i;
	return 1;
}

static size_t count_tokens(const char *s, size_t len, size_t pos)
{
	size_t n = 0, st, tl;
	while (next_token(s, len, &pos, &st, &tl))
		n++;
	return n;
}

static char *quoted(const char *s, size_t len)
{
	char *vis = match_visible(s, len, MATCH_SNIPPET_MAX);
	char *q = xasprintf("\"%s\"", vis);
	free(vis);
	return q;
}

struct token_pos {
	size_t pos, start, len;
	int have;
};

static struct match_diff *tokens_diff(const char *e, size_t elen, struct token_pos *te,
				      const char *a, size_t alen, struct token_pos *ta, long k)
{
	struct match_diff *d = diff_new();
	d->token = k;
	size_t ne = (size_t)k - 1 + te->have + count_tokens(e, elen, te->pos);
	char *want = te->have ? quoted(e + te->start, te->len) : NULL;
	char *got = ta->have ? quoted(a + ta->start, ta->len) : NULL;
	if (ta->have) {
		utf8_position(a, alen, ta->start, &d->line, &d->col);
		d->actual_excerpt = diff_line_excerpt(a, alen, ta->start, 1);
	}
	if (te->have)
		d->expected_excerpt = diff_line_excerpt(e, elen, te->start, 1);
	if (te->have && ta->have) {
		size_t i = text_common_prefix(e + te->start, te->len, a + ta->start, ta->len, 0);
		d->cause = diff_cause(e, elen, te->start + i, a, alen, ta->start + i,
				      DIFF_RSTRIP | DIFF_NO_EOL_NOTE);
	}
	if (te->have && ta->have)
		diff_set_summary(d, "token %ld (line %d, column %d): expected %s, got %s", k,
				 d->line, d->col, want, got);
	else if (te->have)
		diff_set_summary(d, "output ended after %ld token%s; expected %zu, next %s", k - 1,
				 plural((size_t)k - 1), ne, want);
	else
		diff_set_summary(d,
				 "unexpected extra token %ld %s (line %d, column %d); expected "
				 "%zu token%s",
				 k, got, d->line, d->col, ne, plural(ne));
	free(want);
	free(got);
	return d;
}

static int run_tokens(const struct matcher *m, const char *a, size_t alen, struct match_diff **diff)
{
	const char *e = m->expected;
	size_t elen = m->expected_len;
	struct token_pos te = {0}, ta = {0};
	for (long k = 1;; k++) {
		te.have = next_token(e, elen, &te.pos, &te.start, &te.len);
		ta.have = next_token(a, alen, &ta.pos, &ta.start, &ta.len);
		if (!te.have && !ta.have)
			return 1;
		if (te.have && ta.have && te.len == ta.len &&
		    text_common_prefix(e + te.start, te.len, a + ta.start, ta.len,
				       m->ignore_case) == te.len)
			continue;
		if (diff)
			*diff = tokens_diff(e, elen, &te, a, alen, &ta, k);
		return 0;
	}
}

/* ---- contains and regex ---- */

static char *folded_copy(const char *s, size_t len)
{
	char *c = xmalloc(len + 1);
	for (size_t i = 0; i < len; i++)
		c[i] = (char)text_fold((unsigned char)s[i], 1);
	c[len] = '\0';
	return c;
}

/* Offset of the first occurrence of m->expected in a, or -1. */
static long find_contained(const struct matcher *m, const char *a, size_t alen)
{
	if (m->expected_len == 0)
		return 0;
	if (!m->ignore_case) {
		const char *hit = memmem(a, alen, m->expected, m->expected_len);
		return hit ? (long)(hit - a) : -1;
	}
	char *fa = folded_copy(a, alen), *fe = folded_copy(m->expected, m->expected_len);
	const char *hit = memmem(fa, alen, fe, m->expected_len);
	long off = hit ? (long)(hit - fa) : -1;
	free(fa);
	free(fe);
	return off;
}

/* Offset of the first match of m->regex in a, -1 for none, -2 when the
 * output is too large for regexec's offsets. */
static long find_regex(const struct matcher *m, const char *a, size_t alen)
{
	if (alen > INT_MAX)
		return -2;
	/* REG_STARTEND bounds the search, NULs included; the copy gives the
	 * string the terminating NUL that regexec's callers (and sanitizer
	 * interceptors) may still look for */
	char *copy = xstrndup(a, alen);
	regmatch_t pm[1];
	pm[0].rm_so = 0;
	pm[0].rm_eo = (regoff_t)alen;
	int rc = regexec(m->regex, copy, 1, pm, REG_STARTEND);
	free(copy);
	return rc == 0 ? (long)pm[0].rm_so : -1;
}

/* The head of an output, for showing what a search looked at. */
static char *output_head(const char *a, size_t alen)
{
	if (alen == 0)
		return xstrdup("(no output)");
	return match_visible(a, alen, MATCH_EXCERPT_MAX);
}

static struct match_diff *search_diff(const struct matcher *m, const char *a, size_t alen)
{
	struct match_diff *d = diff_new();
	char *want = quoted(m->expected, m->expected_len);
	if (m->kind == MATCH_REGEX)
		diff_set_summary(d, "output does not match the regular expression %s%s", want,
				 m->ignore_case ? " (ignoring case)" : "");
	else
		diff_set_summary(d, "output does not contain %s%s", want,
				 m->ignore_case ? " (ignoring case)" : "");
	free(want);
	d->expected_excerpt = match_visible(m->expected, m->expected_len, MATCH_EXCERPT_MAX);
	d->actual_excerpt = output_head(a, alen);
	return d;
}

static int run_search(const struct matcher *m, const char *a, size_t alen, struct match_diff **diff)
{
	long off = m->kind == MATCH_REGEX ? find_regex(m, a, alen) : find_contained(m, a, alen);
	if (off >= 0)
		return 1;
	if (off == -2) {
		if (diff) {
			*diff = diff_new();
			diff_set_summary(*diff, "output too large to search (%zu bytes)", alen);
		}
		return -1;
	}
	if (diff)
		*diff = search_diff(m, a, alen);
	return 0;
}

/* ---- negation ---- */

static const char *negated_what(enum match_kind k)
{
	switch (k) {
	case MATCH_EXACT:
		return "the expected text exactly";
	case MATCH_TRIM:
		return "the expected text (surrounding whitespace ignored)";
	case MATCH_LINES:
		return "the expected lines";
	case MATCH_UNORDERED_LINES:
		return "the expected lines (order ignored)";
	case MATCH_TOKENS:
		return "the expected tokens";
	case MATCH_NUMBER:
		return "the number";
	case MATCH_JSON:
		return "the expected JSON";
	case MATCH_REGEX:
		return "the regular expression";
	case MATCH_CONTAINS:
		return "the text";
	}
	return "the expectation";
}

static struct match_diff *negated_diff(const struct matcher *m, const char *a, size_t alen)
{
	struct match_diff *d = diff_new();
	d->expected_excerpt = match_visible(m->expected, m->expected_len, MATCH_EXCERPT_MAX);
	char *want = quoted(m->expected, m->expected_len);
	long off = -1;
	if (m->kind == MATCH_REGEX)
		off = find_regex(m, a, alen);
	else if (m->kind == MATCH_CONTAINS)
		off = find_contained(m, a, alen);
	if (off >= 0) {
		utf8_position(a, alen, (size_t)off, &d->line, &d->col);
		d->actual_excerpt = diff_line_excerpt(a, alen, (size_t)off, 1);
		diff_set_summary(d, "output unexpectedly matched %s %s at line %d, column %d",
				 negated_what(m->kind), want, d->line, d->col);
	} else {
		d->actual_excerpt = output_head(a, alen);
		if (m->kind == MATCH_NUMBER)
			diff_set_summary(d, "output unexpectedly matched %s %s",
					 negated_what(m->kind), want);
		else
			diff_set_summary(d, "output unexpectedly matched %s",
					 negated_what(m->kind));
	}
	free(want);
	return d;
}

/* ---- dispatch ---- */

static int run_kind(const struct matcher *m, const char *a, size_t alen, struct match_diff **diff)
{
	switch (m->kind) {
	case MATCH_EXACT:
		return run_exact(m, a, alen, diff);
	case MATCH_TRIM:
		return run_trim(m, a, alen, diff);
	case MATCH_LINES:
		return run_lines(m, a, alen, diff);
	case MATCH_UNORDERED_LINES:
		return run_unordered(m, a, alen, diff);
	case MATCH_TOKENS:
		return run_tokens(m, a, alen, diff);
	case MATCH_REGEX:
	case MATCH_CONTAINS:
		return run_search(m, a, alen, diff);
	case MATCH_NUMBER:
		return match_number_run(m, a, alen, diff);
	case MATCH_JSON:
		return match_json_run(m, a, alen, diff);
	}
	if (diff) {
		*diff = diff_new();
		diff_set_summary(*diff, "unknown matcher kind %d", (int)m->kind);
	}
	return -1;
}

int match_run(const struct matcher *m, const char *actual, size_t len, struct match_diff **diff)
{
	if (diff)
		*diff = NULL;
	if (!actual)
		len = 0;
	if (!actual)
		actual = "";
	if (m->error || !m->expected || (m->kind == MATCH_REGEX && !m->regex) ||
	    (m->kind == MATCH_JSON && !m->json)) {
		if (diff) {
			*diff = diff_new();
			diff_set_summary(*diff, "%s",
					 m->error ? m->error : "the matcher was not prepared");
		}
		return -1;
	}
	if (!m->negate)
		return run_kind(m, actual, len, diff);
	int rc = run_kind(m, actual, len, NULL);
	if (rc < 0) {
		if (diff)
			return run_kind(m, actual, len, diff);
		return -1;
	}
	if (rc == 0)
		return 1;
	if (diff)
		*diff = negated_diff(m, actual, len);
	return 0;
}
