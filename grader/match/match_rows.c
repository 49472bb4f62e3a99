/*
 * match_rows.c - result sets (grader/match/rows.h): building them from
 * YAML and CSV, and the rows matcher with its diff.
 */
#include "rows.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "match_int.h"
#include "grader/util/util.h"

#define ROWS_SHOW_MAX   10   /* rows listed in a missing/extra excerpt */
#define ROWS_VALUE_MAX  80   /* bytes of one value shown */
#define ROWS_ROW_MAX    400  /* bytes of one row shown */
#define ROWS_PAIRWISE   1000 /* leftover rows matched pairwise (tolerance) */
#define ROWS_DIFF_ROWS  2000 /* rows rendered into the unified diff */

const char *const rows_spec_keys[] = {"order", "column_names", "column_order", "types",
				      "abs",   "rel",          "round",        NULL};

const char *rows_type_name(enum rows_type t)
{
	static const char *const names[] = {"NULL", "integer", "real",    "numeric",
					    "text", "blob",    "boolean", "value"};
	return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "value";
}

const char *rows_order_words(enum rows_order o)
{
	return o == ROWS_ORDERED ? "in this order" : o == ROWS_SET ? "as a set" : "in any order";
}

void rows_spec_init(struct rows_spec *s)
{
	memset(s, 0, sizeof *s);
	s->order = ROWS_BAG;
	s->round = -1;
}

static int word_of(const struct yaml_node *n, const char *what, const char *const *words,
		   struct diag *d)
{
	const char *s;
	if (yaml_to_str(n, what, &s, d) != 0)
		return -1;
	for (int i = 0; words[i]; i++)
		if (!strcmp(s, words[i]))
			return i;
	struct strbuf sb = {0};
	for (int i = 0; words[i]; i++)
		sb_addf(&sb, "%s%s", i ? ", " : "", words[i]);
	yaml_error(d, n, "%s must be one of %s, not '%s'", what, sb.buf, s);
	sb_free(&sb);
	return -1;
}

int rows_spec_from_yaml(struct rows_spec *s, const struct yaml_node *map, struct diag *d)
{
	static const char *const orders[] = {"bag", "ordered", "set", NULL};
	static const char *const corders[] = {"strict", "any", NULL};
	static const char *const types[] = {"loose", "strict", NULL};
	const struct yaml_node *v;
	int bad = 0, k, b;
	if ((v = yaml_get(map, "order"))) {
		if ((k = word_of(v, "'order'", orders, d)) < 0)
			bad = 1;
		else
			s->order = k == 1 ? ROWS_ORDERED : k == 2 ? ROWS_SET : ROWS_BAG;
	}
	if ((v = yaml_get(map, "column_names"))) {
		if (yaml_to_bool(v, "'column_names'", &b, d) != 0)
			bad = 1;
		else
			s->ignore_names = !b;
	}
	if ((v = yaml_get(map, "column_order"))) {
		if ((k = word_of(v, "'column_order'", corders, d)) < 0)
			bad = 1;
		else
			s->any_column_order = k == 1;
	}
	if ((v = yaml_get(map, "types"))) {
		if ((k = word_of(v, "'types'", types, d)) < 0)
			bad = 1;
		else
			s->strict_types = k == 1;
	}
	const char *tol_keys[] = {"abs", "rel"};
	double *tols[] = {&s->abs_tol, &s->rel_tol};
	for (int i = 0; i < 2; i++) {
		if (!(v = yaml_get(map, tol_keys[i])))
			continue;
		char what[16];
		snprintf(what, sizeof what, "'%s'", tol_keys[i]);
		if (yaml_to_double(v, what, tols[i], d) != 0) {
			bad = 1;
		} else if (!(*tols[i] >= 0) || isinf(*tols[i])) {
			yaml_error(d, v, "%s must be a tolerance of 0 or more", what);
			bad = 1;
		}
	}
	if ((v = yaml_get(map, "round"))) {
		long long r;
		if (yaml_to_int(v, "'round'", 0, 15, &r, d) != 0)
			bad = 1;
		else
			s->round = (int)r;
	}
	if (s->any_column_order && s->ignore_names) {
		yaml_error(d, yaml_get(map, "column_order"),
			   "column_order: any matches columns by name, so column_names cannot "
			   "be false");
		bad = 1;
	}
	return bad ? -1 : 0;
}

/* ---- building ---- */

void rows_set_columns(struct rows *r, const char *const *names, size_t n)
{
	r->cols = xcalloc(n ? n : 1, sizeof *r->cols);
	r->ncols = n;
	for (size_t i = 0; i < n; i++)
		r->cols[i] = names && names[i] ? xstrdup(names[i]) : NULL;
}

size_t rows_add_row(struct rows *r)
{
	if (r->nrows == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->v = xrealloc(r->v, r->cap * (r->ncols ? r->ncols : 1) * sizeof *r->v);
	}
	memset(&r->v[r->nrows * r->ncols], 0, r->ncols * sizeof *r->v);
	return r->nrows++;
}

void rows_set(struct rows *r, size_t row, size_t col, enum rows_type t, const char *text,
	      size_t len)
{
	struct rows_value *v = &r->v[row * r->ncols + col];
	free(v->text);
	v->type = t;
	v->text = NULL;
	v->len = 0;
	if (t == ROWS_NULL)
		return;
	/* a text may hold NUL bytes: copy len bytes, not up to the first NUL */
	v->len = text ? len : 0;
	v->text = xmalloc(v->len + 1);
	if (v->len)
		memcpy(v->text, text, v->len);
	v->text[v->len] = '\0';
}

void rows_free(struct rows *r)
{
	for (size_t i = 0; i < r->ncols; i++)
		free(r->cols[i]);
	free(r->cols);
	for (size_t i = 0; i < r->nrows * r->ncols; i++)
		free(r->v[i].text);
	free(r->v);
	memset(r, 0, sizeof *r);
}

static int is_integer_text(const char *s, size_t len)
{
	size_t i = (len && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
	if (i == len || len - i > 19)
		return 0;
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* A number as a learner or author writes one: no surrounding spaces, no
 * hex, no inf or nan. */
static int parse_plain_number(const char *s, size_t len, double *out)
{
	if (!len || text_is_space((unsigned char)s[0]) || text_is_space((unsigned char)s[len - 1]))
		return -1;
	for (size_t i = 0; i < len; i++)
		if ((s[i] | 0x20) == 'n' || (s[i] | 0x20) == 'i')
			return -1; /* nan, inf */
	return match_parse_number(s, len, out);
}

/* The type an unquoted author-written scalar stands for. */
static enum rows_type infer_type(const char *s, size_t len)
{
	double x;
	if (is_integer_text(s, len))
		return ROWS_INT;
	if (parse_plain_number(s, len, &x) == 0)
		return ROWS_REAL;
	return ROWS_TEXT;
}

int rows_from_yaml(struct rows *r, const struct yaml_node *n, const char *const *cols,
		   size_t ncols, struct diag *d)
{
	if (yaml_expect_kind(n, YAML_SEQ, "'rows'", d) != 0)
		return -1;
	if (!cols && n->n && n->items[0]->kind == YAML_SEQ)
		ncols = n->items[0]->n;
	rows_set_columns(r, cols, ncols);
	int bad = 0;
	for (size_t i = 0; i < n->n; i++) {
		const struct yaml_node *row = n->items[i];
		if (row->kind != YAML_SEQ) {
			yaml_error(d, row, "each row must be a list of values, e.g. [1, \"Ann\"]");
			bad = 1;
			continue;
		}
		if (row->n != ncols) {
			yaml_error(d, row, "this row has %zu value%s, expected %zu (one per column)",
				   row->n, row->n == 1 ? "" : "s", ncols);
			bad = 1;
			continue;
		}
		size_t k = rows_add_row(r);
		for (size_t c = 0; c < ncols; c++) {
			const struct yaml_node *v = row->items[c];
			if (v->kind != YAML_SCALAR) {
				yaml_error(d, v, "a value must be a number, a string or null");
				bad = 1;
				continue;
			}
			const char *s = v->scalar;
			size_t len = v->scalar_len;
			enum rows_type t = ROWS_TEXT;
			if (!v->quoted) {
				if (!len || !strcmp(s, "null") || !strcmp(s, "~") || !strcmp(s, "NULL"))
					t = ROWS_NULL;
				else if (!strcmp(s, "true") || !strcmp(s, "false"))
					t = ROWS_BOOL;
				else
					t = infer_type(s, len);
			}
			rows_set(r, k, c, t, s, len);
		}
	}
	return bad ? -1 : 0;
}

/* ---- CSV ---- */

struct csv {
	const char *name, *s;
	size_t len, pos;
	int line, col;
	struct diag *d;
};

static void csv_step(struct csv *c)
{
	if (c->s[c->pos] == '\n') {
		c->line++;
		c->col = 1;
	} else if (((unsigned char)c->s[c->pos] & 0xC0) != 0x80) {
		c->col++;
	}
	c->pos++;
}

/* One field into sb; *quoted says whether it was quoted. Returns 0, or -1
 * after a diagnostic. Stops before the ',' or line end. */
static int csv_field(struct csv *c, struct strbuf *sb, int *quoted)
{
	*quoted = 0;
	if (c->pos < c->len && c->s[c->pos] == '"') {
		int line = c->line, col = c->col;
		*quoted = 1;
		csv_step(c);
		for (;;) {
			if (c->pos >= c->len) {
				diag_add(c->d, DIAG_ERROR, c->name, line, col,
					 "a quoted field is not closed (a \" is missing)");
				return -1;
			}
			if (c->s[c->pos] == '"') {
				if (c->pos + 1 < c->len && c->s[c->pos + 1] == '"') {
					sb_addc(sb, '"');
					csv_step(c);
					csv_step(c);
					continue;
				}
				csv_step(c);
				break;
			}
			sb_addc(sb, c->s[c->pos]);
			csv_step(c);
		}
		if (c->pos < c->len && c->s[c->pos] != ',' && c->s[c->pos] != '\n' &&
		    c->s[c->pos] != '\r') {
			diag_add(c->d, DIAG_ERROR, c->name, c->line, c->col,
				 "unexpected text after a quoted field (a \" inside a quoted field "
				 "is written \"\")");
			return -1;
		}
		return 0;
	}
	while (c->pos < c->len && c->s[c->pos] != ',' && c->s[c->pos] != '\n' &&
	       !(c->s[c->pos] == '\r' && c->pos + 1 < c->len && c->s[c->pos + 1] == '\n')) {
		if (c->s[c->pos] == '"') {
			diag_add(c->d, DIAG_ERROR, c->name, c->line, c->col,
				 "a \" inside an unquoted field: quote the whole field");
			return -1;
		}
		if (c->s[c->pos] == '\0') {
			diag_add(c->d, DIAG_ERROR, c->name, c->line, c->col,
				 "a NUL byte in the file");
			return -1;
		}
		sb_addc(sb, c->s[c->pos]);
		csv_step(c);
	}
	return 0;
}

int rows_from_csv(struct rows *r, const char *name, const char *text, size_t len,
		  struct diag *d)
{
	struct csv c = {.name = name, .s = text, .len = len, .line = 1, .col = 1, .d = d};
	memset(r, 0, sizeof *r);
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		c.pos = 3; /* a byte-order mark */
	struct strbuf sb = {0};
	char **fields = NULL;
	int *quoted = NULL;
	size_t nf = 0, cap = 0, record = 0;
	int rc = 0, rec_line = 1;
	while (c.pos < c.len) {
		rec_line = c.line;
		nf = 0;
		for (;;) {
			int q;
			sb.len = 0;
			if (sb.buf)
				sb.buf[0] = '\0';
			if (csv_field(&c, &sb, &q) != 0) {
				rc = -1;
				goto out;
			}
			if (nf == cap) {
				cap = cap ? cap * 2 : 8;
				fields = xrealloc(fields, cap * sizeof *fields);
				quoted = xrealloc(quoted, cap * sizeof *quoted);
			}
			fields[nf] = xstrndup(sb.buf ? sb.buf : "", sb.len);
			quoted[nf++] = q;
			if (c.pos < c.len && c.s[c.pos] == ',') {
				csv_step(&c);
				continue;
			}
			if (c.pos < c.len && c.s[c.pos] == '\r')
				csv_step(&c);
			if (c.pos < c.len && c.s[c.pos] == '\n')
				csv_step(&c);
			break;
		}
		if (record == 0) {
			for (size_t i = 0; i < nf; i++)
				if (!fields[i][0])
					diag_add(d, DIAG_ERROR, name, rec_line, 1,
						 "column %zu has no name (the first line names the "
						 "columns)",
						 i + 1);
			rows_set_columns(r, (const char *const *)fields, nf);
		} else if (nf == 1 && !fields[0][0] && !quoted[0] && c.pos >= c.len) {
			/* a blank last line */
		} else if (nf != r->ncols) {
			diag_add(d, DIAG_ERROR, name, rec_line, 1,
				 "this line has %zu field%s, the header names %zu column%s", nf,
				 nf == 1 ? "" : "s", r->ncols, r->ncols == 1 ? "" : "s");
			rc = -1;
		} else {
			size_t k = rows_add_row(r);
			for (size_t i = 0; i < nf; i++) {
				size_t fl = strlen(fields[i]);
				enum rows_type t = quoted[i] ? ROWS_TEXT
						   : !fl     ? ROWS_NULL
							     : infer_type(fields[i], fl);
				rows_set(r, k, i, t, fields[i], fl);
			}
		}
		for (size_t i = 0; i < nf; i++)
			free(fields[i]);
		nf = 0;
		record++;
	}
	if (record == 0) {
		diag_add(d, DIAG_ERROR, name, 1, 1,
			 "the file is empty: its first line must name the columns");
		rc = -1;
	}
out:
	for (size_t i = 0; i < nf; i++)
		free(fields[i]);
	free(fields);
	free(quoted);
	sb_free(&sb);
	if (!r->cols)
		rows_set_columns(r, NULL, 0);
	return rc;
}

/* ---- display ---- */

static void add_value(struct strbuf *sb, const struct rows_value *v)
{
	char *vis;
	switch (v->type) {
	case ROWS_NULL:
		sb_adds(sb, "NULL");
		break;
	case ROWS_TEXT:
	case ROWS_OTHER:
		vis = match_visible(v->text, v->len, ROWS_VALUE_MAX);
		sb_addf(sb, "'%s'", vis);
		free(vis);
		break;
	case ROWS_BLOB:
		sb_addf(sb, "X'%.*s%s'", (int)(v->len > ROWS_VALUE_MAX ? ROWS_VALUE_MAX : v->len),
			v->text, v->len > ROWS_VALUE_MAX ? "…" : "");
		break;
	default:
		sb_add(sb, v->text, v->len);
	}
}

char *rows_format_row(const struct rows *r, size_t row, size_t max)
{
	struct strbuf sb = {0};
	sb_addc(&sb, '(');
	for (size_t c = 0; c < r->ncols; c++) {
		if (c)
			sb_adds(&sb, ", ");
		add_value(&sb, &r->v[row * r->ncols + c]);
		if (max && sb.len > max) {
			sb.len = max;
			sb.buf[max] = '\0';
			sb_adds(&sb, "…");
			break;
		}
	}
	sb_addc(&sb, ')');
	return sb_detach(&sb, NULL);
}

static void add_header(struct strbuf *sb, const struct rows *r)
{
	for (size_t c = 0; c < r->ncols; c++)
		sb_addf(sb, "%s%s", c ? " | " : "", r->cols[c] ? r->cols[c] : "?");
	sb_addc(sb, '\n');
}

char *rows_format(const struct rows *r, size_t max_rows)
{
	struct strbuf sb = {0};
	add_header(&sb, r);
	for (size_t i = 0; i < r->nrows && i < max_rows; i++) {
		char *s = rows_format_row(r, i, ROWS_ROW_MAX);
		sb_addf(&sb, "%s\n", s);
		free(s);
	}
	if (r->nrows > max_rows)
		sb_addf(&sb, "... %zu more row%s\n", r->nrows - max_rows,
			r->nrows - max_rows == 1 ? "" : "s");
	if (r->truncated)
		sb_adds(&sb, "... (the result was cut at the limit)\n");
	return sb_detach(&sb, NULL);
}

/* ---- comparing values ---- */

/* The value as a number, when it is one (loose: also a text that is one). */
static int value_number(const struct rows_value *v, int strict, double *out)
{
	switch (v->type) {
	case ROWS_INT:
	case ROWS_REAL:
	case ROWS_NUMERIC:
		return match_parse_number(v->text, v->len, out) == 0;
	case ROWS_BOOL:
		if (strict)
			return 0;
		*out = v->text[0] == 't';
		return 1;
	case ROWS_TEXT:
		return !strict && parse_plain_number(v->text, v->len, out) == 0;
	default:
		return 0;
	}
}

/* Type families for strict comparisons: integer, decimal, text-ish. */
static int family(enum rows_type t)
{
	switch (t) {
	case ROWS_INT:
		return 1;
	case ROWS_REAL:
	case ROWS_NUMERIC:
		return 2;
	case ROWS_TEXT:
	case ROWS_OTHER:
		return 3;
	default:
		return (int)t + 10;
	}
}

static double round_to(double x, int places)
{
	double f = pow(10.0, places);
	return round(x * f) / f;
}

static int value_eq(const struct rows_value *e, const struct rows_value *a,
		    const struct rows_spec *s)
{
	if (e->type == ROWS_NULL || a->type == ROWS_NULL)
		return e->type == a->type;
	if (s->strict_types && family(e->type) != family(a->type))
		return 0;
	double x, y;
	if (value_number(e, s->strict_types, &x) && value_number(a, s->strict_types, &y)) {
		if (e->type == ROWS_INT && a->type == ROWS_INT && s->round < 0)
			return e->len == a->len && !memcmp(e->text, a->text, e->len);
		if (s->round >= 0) {
			x = round_to(x, s->round);
			y = round_to(y, s->round);
		}
		return match_number_close(x, y, s->abs_tol, s->rel_tol);
	}
	if (e->type == ROWS_BLOB || a->type == ROWS_BLOB)
		return e->type == a->type && e->len == a->len && !memcmp(e->text, a->text, e->len);
	return e->len == a->len && !memcmp(e->text, a->text, e->len);
}

/* The sort key of a value: equal keys mean equal values (the converse
 * only without a tolerance). */
static void add_key(struct strbuf *sb, const struct rows_value *v, const struct rows_spec *s)
{
	double x;
	char num[64];
	if (v->type == ROWS_NULL) {
		sb_adds(sb, "0;");
		return;
	}
	if (value_number(v, s->strict_types, &x)) {
		if (v->type == ROWS_INT && s->round < 0 && !s->strict_types && v->len > 15)
			snprintf(num, sizeof num, "%.*s", (int)v->len, v->text);
		else if (s->round >= 0)
			snprintf(num, sizeof num, "%.*f", s->round, round_to(x, s->round));
		else
			snprintf(num, sizeof num, "%.17g", x == 0 ? 0.0 : x);
		sb_addf(sb, "%c%zu:%s;", s->strict_types ? '0' + family(v->type) : 'N', strlen(num),
			num);
		return;
	}
	sb_addf(sb, "%c%zu:", v->type == ROWS_BLOB ? 'B' : 'T', v->len);
	sb_add(sb, v->text, v->len);
	sb_addc(sb, ';');
}

/* perm[c]: the actual column compared with expected column c. */
static int row_eq(const struct rows *e, size_t er, const struct rows *a, size_t ar,
		  const size_t *perm, const struct rows_spec *s, size_t *first_col)
{
	for (size_t c = 0; c < e->ncols; c++) {
		if (!value_eq(&e->v[er * e->ncols + c], &a->v[ar * a->ncols + perm[c]], s)) {
			if (first_col)
				*first_col = c;
			return 0;
		}
	}
	return 1;
}

/* Why two values differ, when their printed forms alone would not tell. */
static char *value_reason(const struct rows_value *e, const struct rows_value *a,
			  const struct rows_spec *s)
{
	if (e->type == ROWS_NULL || a->type == ROWS_NULL) {
		const struct rows_value *o = e->type == ROWS_NULL ? a : e;
		if (o->type == ROWS_TEXT && o->len == 0)
			return xstrdup(e->type == ROWS_NULL
					   ? "NULL was expected, not an empty text ''"
					   : "an empty text '' was expected, not NULL");
		return NULL;
	}
	double x, y;
	int xn = value_number(e, 0, &x), yn = value_number(a, 0, &y);
	if (s->strict_types && family(e->type) != family(a->type))
		return xasprintf("the types differ: %s expected, got %s", rows_type_name(e->type),
				 rows_type_name(a->type));
	if (xn && yn && x == y && (e->len != a->len || memcmp(e->text, a->text, e->len)))
		return xasprintf("the same number written with another scale: %.*s and %.*s",
				 (int)e->len, e->text, (int)a->len, a->text);
	if (xn && yn && x != y)
		return xasprintf("off by %g", fabs(x - y));
	if (e->type == ROWS_TEXT && a->type == ROWS_TEXT) {
		size_t el = text_rstrip_len(e->text, e->len), al = text_rstrip_len(a->text, a->len);
		if (el == al && !memcmp(e->text, a->text, el))
			return xstrdup("they differ only in trailing spaces");
		if (e->len == a->len && !strncasecmp(e->text, a->text, e->len))
			return xstrdup("they differ only in upper and lower case");
		size_t i = 0;
		while (i < e->len && i < a->len && e->text[i] == a->text[i])
			i++;
		if (i < e->len && i < a->len &&
		    (((unsigned char)e->text[i] | (unsigned char)a->text[i]) & 0x80))
			return xstrdup("they differ in a non-ASCII character that may look alike");
	}
	return NULL;
}

static void set_row_excerpts(struct match_diff *d, const struct rows *e, size_t er,
			     const struct rows *a, size_t ar)
{
	d->expected_excerpt = rows_format_row(e, er, ROWS_ROW_MAX);
	d->actual_excerpt = rows_format_row(a, ar, ROWS_ROW_MAX);
}

static const char *col_name(const struct rows *r, size_t c, char *buf, size_t n)
{
	if (r->cols[c])
		snprintf(buf, n, "'%s'", r->cols[c]);
	else
		snprintf(buf, n, "%zu", c + 1);
	return buf;
}

/* A row-per-line rendering of rows in the order idx (or as stored). */
static char *render_lines(const struct rows *r, const size_t *idx)
{
	struct strbuf sb = {0};
	add_header(&sb, r);
	for (size_t i = 0; i < r->nrows && i < ROWS_DIFF_ROWS; i++) {
		char *s = rows_format_row(r, idx ? idx[i] : i, ROWS_ROW_MAX);
		sb_addf(&sb, "%s\n", s);
		free(s);
	}
	if (r->nrows > ROWS_DIFF_ROWS)
		sb_addf(&sb, "... %zu more rows\n", r->nrows - ROWS_DIFF_ROWS);
	return sb_detach(&sb, NULL);
}

static void set_unified(struct match_diff *d, const struct rows *e, const size_t *eidx,
			const struct rows *a, const size_t *aidx)
{
	char *x = render_lines(e, eidx), *y = render_lines(a, aidx);
	d->unified = text_unified_diff(x, strlen(x), y, strlen(y), "expected", "actual",
				       MATCH_UNIFIED_MAX);
	free(x);
	free(y);
}

/* Column checks; fills perm. 1 when the columns agree. */
static int match_columns(const struct rows *e, const struct rows *a, const struct rows_spec *s,
			 size_t *perm, struct match_diff *d)
{
	char b1[128], b2[128];
	if (e->ncols != a->ncols) {
		struct strbuf x = {0}, y = {0};
		add_header(&x, e);
		add_header(&y, a);
		diff_set_summary(d, "expected %zu column%s, got %zu", e->ncols,
				 e->ncols == 1 ? "" : "s", a->ncols);
		d->expected_excerpt = sb_detach(&x, NULL);
		d->actual_excerpt = sb_detach(&y, NULL);
		return 0;
	}
	for (size_t c = 0; c < e->ncols; c++)
		perm[c] = c;
	if (s->any_column_order) {
		for (size_t c = 0; c < e->ncols; c++) {
			size_t k = 0;
			while (k < a->ncols &&
			       !(e->cols[c] && a->cols[k] && !strcasecmp(e->cols[c], a->cols[k])))
				k++;
			if (k == a->ncols) {
				struct strbuf y = {0};
				add_header(&y, a);
				diff_set_summary(d, "no column is named %s",
						 col_name(e, c, b1, sizeof b1));
				d->actual_excerpt = sb_detach(&y, NULL);
				return 0;
			}
			perm[c] = k;
		}
		return 1;
	}
	if (s->ignore_names)
		return 1;
	for (size_t c = 0; c < e->ncols; c++) {
		if (!e->cols[c] || (a->cols[c] && !strcasecmp(e->cols[c], a->cols[c])))
			continue;
		size_t k = 0;
		while (k < a->ncols && !(a->cols[k] && !strcasecmp(e->cols[c], a->cols[k])))
			k++;
		if (k < a->ncols)
			diff_set_summary(d,
					 "the columns are in another order: %s is column %zu, "
					 "expected column %zu",
					 col_name(e, c, b1, sizeof b1), k + 1, c + 1);
		else
			diff_set_summary(d, "column %zu is named %s, expected %s", c + 1,
					 col_name(a, c, b2, sizeof b2), col_name(e, c, b1, sizeof b1));
		struct strbuf x = {0}, y = {0};
		add_header(&x, e);
		add_header(&y, a);
		d->expected_excerpt = sb_detach(&x, NULL);
		d->actual_excerpt = sb_detach(&y, NULL);
		return 0;
	}
	return 1;
}

struct keyed {
	char *key;
	size_t row;
};

static int keyed_cmp(const void *x, const void *y)
{
	const struct keyed *a = x, *b = y;
	int c = strcmp(a->key, b->key);
	return c ? c : (a->row > b->row) - (a->row < b->row);
}

static struct keyed *sorted_keys(const struct rows *r, const size_t *perm,
				 const struct rows_spec *s)
{
	struct keyed *k = xcalloc(r->nrows ? r->nrows : 1, sizeof *k);
	for (size_t i = 0; i < r->nrows; i++) {
		struct strbuf sb = {0};
		for (size_t c = 0; c < r->ncols; c++)
			add_key(&sb, &r->v[i * r->ncols + (perm ? perm[c] : c)], s);
		k[i].key = sb.buf ? sb_detach(&sb, NULL) : xstrdup("");
		k[i].row = i;
	}
	qsort(k, r->nrows, sizeof *k, keyed_cmp);
	return k;
}

static void free_keys(struct keyed *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(k[i].key);
	free(k);
}

/* Rows in keyed order, skipping repeats of a key (set semantics). */
static size_t dedupe(struct keyed *k, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		if (w && !strcmp(k[w - 1].key, k[i].key)) {
			free(k[i].key);
			continue;
		}
		k[w++] = k[i];
	}
	return w;
}

static void list_rows(struct strbuf *sb, const struct rows *r, const size_t *rows, size_t n)
{
	for (size_t i = 0; i < n && i < ROWS_SHOW_MAX; i++) {
		char *s = rows_format_row(r, rows[i], ROWS_ROW_MAX);
		sb_addf(sb, "%s\n", s);
		free(s);
	}
	if (n > ROWS_SHOW_MAX)
		sb_addf(sb, "... and %zu more\n", n - ROWS_SHOW_MAX);
}

static int match_unordered(const struct rows *e, const struct rows *a, const size_t *perm,
			   const struct rows_spec *s, struct match_diff *d)
{
	struct keyed *ek = sorted_keys(e, NULL, s), *ak = sorted_keys(a, perm, s);
	size_t en = e->nrows, an = a->nrows;
	if (s->order == ROWS_SET) {
		en = dedupe(ek, en);
		an = dedupe(ak, an);
	}
	size_t *miss = xcalloc(en + 1, sizeof *miss), *extra = xcalloc(an + 1, sizeof *extra);
	size_t nmiss = 0, nextra = 0, i = 0, j = 0;
	while (i < en || j < an) {
		int c = i == en ? 1 : j == an ? -1 : strcmp(ek[i].key, ak[j].key);
		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			miss[nmiss++] = ek[i++].row;
		} else {
			extra[nextra++] = ak[j++].row;
		}
	}
	/* With a tolerance, equal values can have different keys: pair the
	 * leftovers one by one. */
	if ((s->abs_tol > 0 || s->rel_tol > 0) && nmiss && nextra && nmiss <= ROWS_PAIRWISE &&
	    nextra <= ROWS_PAIRWISE) {
		for (size_t m = 0; m < nmiss;) {
			size_t x = 0;
			while (x < nextra && !row_eq(e, miss[m], a, extra[x], perm, s, NULL))
				x++;
			if (x < nextra) {
				miss[m] = miss[--nmiss];
				extra[x] = extra[--nextra];
			} else {
				m++;
			}
		}
	}
	int ok = nmiss == 0 && nextra == 0;
	if (!ok) {
		struct strbuf sum = {0};
		if (nmiss)
			sb_addf(&sum, "%zu row%s missing", nmiss, nmiss == 1 ? "" : "s");
		if (nextra)
			sb_addf(&sum, "%s%zu unexpected row%s", nmiss ? ", " : "", nextra,
				nextra == 1 ? "" : "s");
		sb_addf(&sum, " (expected %zu row%s %s, got %zu)", e->nrows, e->nrows == 1 ? "" : "s",
			rows_order_words(s->order), a->nrows);
		if (nmiss && nextra) {
			size_t col = 0;
			/* the first missing and unexpected rows that differ in one value */
			for (size_t m = 0; m < nmiss && m < ROWS_SHOW_MAX; m++) {
				size_t x;
				for (x = 0; x < nextra && x < ROWS_SHOW_MAX; x++) {
					size_t ndiff = 0;
					for (size_t c = 0; c < e->ncols; c++)
						if (!value_eq(&e->v[miss[m] * e->ncols + c],
							      &a->v[extra[x] * a->ncols + perm[c]], s)) {
							ndiff++;
							col = c;
						}
					if (ndiff == 1)
						break;
				}
				if (x < nextra && x < ROWS_SHOW_MAX) {
					char *why = value_reason(&e->v[miss[m] * e->ncols + col],
								 &a->v[extra[x] * a->ncols + perm[col]], s);
					if (why) {
						char b[128];
						sb_addf(&sum, "; column %s: %s",
							col_name(e, col, b, sizeof b), why);
						free(why);
					}
					break;
				}
			}
		}
		d->summary = sb_detach(&sum, NULL);
		struct strbuf x = {0}, y = {0};
		list_rows(&x, e, miss, nmiss);
		list_rows(&y, a, extra, nextra);
		d->expected_excerpt = x.len ? sb_detach(&x, NULL) : (sb_free(&x), NULL);
		d->actual_excerpt = y.len ? sb_detach(&y, NULL) : (sb_free(&y), NULL);
		size_t *eidx = xcalloc(e->nrows + 1, sizeof *eidx), *aidx = xcalloc(a->nrows + 1, sizeof *aidx);
		struct keyed *ek2 = sorted_keys(e, NULL, s), *ak2 = sorted_keys(a, perm, s);
		for (size_t k = 0; k < e->nrows; k++)
			eidx[k] = ek2[k].row;
		for (size_t k = 0; k < a->nrows; k++)
			aidx[k] = ak2[k].row;
		set_unified(d, e, eidx, a, aidx);
		free_keys(ek2, e->nrows);
		free_keys(ak2, a->nrows);
		free(eidx);
		free(aidx);
	}
	free_keys(ek, en);
	free_keys(ak, an);
	free(miss);
	free(extra);
	return ok;
}

static int match_ordered(const struct rows *e, const struct rows *a, const size_t *perm,
			 const struct rows_spec *s, struct match_diff *d)
{
	size_t n = e->nrows < a->nrows ? e->nrows : a->nrows, i, col = 0;
	for (i = 0; i < n; i++)
		if (!row_eq(e, i, a, i, perm, s, &col))
			break;
	if (i == n && e->nrows == a->nrows)
		return 1;
	/* Same rows, other order? */
	struct rows_spec bag = *s;
	bag.order = ROWS_BAG;
	struct match_diff *tmp = diff_new();
	int same_bag = match_unordered(e, a, perm, &bag, tmp);
	match_diff_free(tmp);
	char b[128];
	if (i < n) {
		set_row_excerpts(d, e, i, a, i);
		char *why = value_reason(&e->v[i * e->ncols + col], &a->v[i * a->ncols + perm[col]], s);
		if (same_bag)
			diff_set_summary(d,
					 "the right rows in the wrong order: results differ from "
					 "row %zu (column %s)",
					 i + 1, col_name(e, col, b, sizeof b));
		else
			diff_set_summary(d, "results differ from row %zu, column %s%s%s", i + 1,
					 col_name(e, col, b, sizeof b), why ? ": " : "",
					 why ? why : "");
		free(why);
	} else if (a->nrows < e->nrows) {
		d->expected_excerpt = rows_format_row(e, n, ROWS_ROW_MAX);
		diff_set_summary(d, "expected %zu rows, got %zu: row %zu on are missing", e->nrows,
				 a->nrows, n + 1);
	} else {
		d->actual_excerpt = rows_format_row(a, n, ROWS_ROW_MAX);
		diff_set_summary(d, "expected %zu rows, got %zu: row %zu on are unexpected",
				 e->nrows, a->nrows, n + 1);
	}
	size_t *aidx = xcalloc(a->nrows + 1, sizeof *aidx);
	for (size_t k = 0; k < a->nrows; k++)
		aidx[k] = k;
	set_unified(d, e, NULL, a, aidx);
	free(aidx);
	return 0;
}

int rows_match(const struct rows *expected, const struct rows *actual, const struct rows_spec *spec,
	       struct match_diff **diff)
{
	struct match_diff *d = diff_new();
	size_t *perm = xcalloc(expected->ncols + 1, sizeof *perm);
	int ok = match_columns(expected, actual, spec, perm, d);
	if (ok)
		ok = spec->order == ROWS_ORDERED ? match_ordered(expected, actual, perm, spec, d)
						 : match_unordered(expected, actual, perm, spec, d);
	if (ok && actual->truncated) {
		diff_set_summary(d, "the result was cut at the limit before it ended");
		ok = 0;
	} else if (!ok && actual->truncated && d->summary) {
		char *s = xasprintf("%s (the result was cut at the limit of rows it may return)",
				    d->summary);
		free(d->summary);
		d->summary = s;
	}
	free(perm);
	if (ok || !diff)
		match_diff_free(d);
	else
		*diff = d;
	return ok;
}
