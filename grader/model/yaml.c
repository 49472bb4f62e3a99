/*
 * yaml.c - builds a tree of positioned nodes from libyaml's event stream
 * (a syntax error said in an author's words, with the fix, at the
 * character to change: yaml_problem_words), and the typed accessors every
 * loader uses to turn nodes into values with a diagnostic
 * (file:line:column) for each mistake.
 *
 * Exercise files are written by trusted authors, but course repositories
 * travel, and the fuzz target feeds this parser garbage: aliases are
 * refused outright (no exponential expansion), and documents are capped
 * in size, depth and node count.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "grader/util/util.h"
#include "yaml.h"

#define YAML_MAX_BYTES (1u << 20)
#define YAML_MAX_DEPTH 64
#define YAML_MAX_NODES 200000

struct builder {
	yaml_parser_t parser;
	const char *text; /* the document, for explaining libyaml's problems */
	size_t len;
	const char *file;
	struct diag *d;
	size_t nodes;
	int failed;
};

static struct yaml_node *new_node(struct builder *b, enum yaml_kind kind, const yaml_mark_t *m)
{
	struct yaml_node *n = xcalloc(1, sizeof *n);
	n->kind = kind;
	n->file = b->file;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	b->nodes++;
	return n;
}

static void free_node(struct yaml_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		if (n->keys)
			free_node(n->keys[i]);
		free_node(n->items[i]);
	}
	free(n->keys);
	free(n->items);
	free(n->scalar);
	free(n);
}

void yaml_node_free(struct yaml_node *root)
{
	if (!root)
		return;
	char *owned = root->file_owned;
	free_node(root);
	free(owned);
}

static void append(struct yaml_node *parent, struct yaml_node *key, struct yaml_node *item)
{
	/* capacity is implicit: 4, then doubling whenever n reaches a power of two */
	size_t n = parent->n;
	if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
		size_t cap = n ? n * 2 : 4;
		parent->items = xrealloc(parent->items, cap * sizeof *parent->items);
		if (parent->kind == YAML_MAP)
			parent->keys = xrealloc(parent->keys, cap * sizeof *parent->keys);
	}
	if (parent->kind == YAML_MAP)
		parent->keys[n] = key;
	parent->items[n] = item;
	parent->n = n + 1;
}

static void event_error(struct builder *b, const yaml_event_t *ev, const char *msg)
{
	diag_error(b->d, b->file, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1,
		   "%s", msg);
	b->failed = 1;
}

/* ---- libyaml's problems in an author's words ----
 *
 * libyaml names a problem ("mapping values are not allowed in this
 * context") at its problem_mark, and what it was doing ("while scanning a
 * quoted scalar") at its context_mark. The table below says each problem
 * we can produce with a real input in our words, with the fix, at the
 * mark that points at the character to change: the problem mark for a
 * bad character, the context mark for what was opened and never closed.
 * The first row whose problem (a prefix), context (NULL: any) and test of
 * the text (NULL: none) match wins; a problem no row knows is reported in
 * libyaml's words. In words, %O is the context mark as LINE:COLUMN, %L
 * its line, %l the problem mark's line, %c the character at the problem
 * mark ('@'), %C the one at the context mark, %F the one a test found
 * and %Q the problem's line with its value quoted. */

/* Marks here have .index as a byte offset into text (libyaml counts
 * characters; parser_problem converts). */
struct yaml_spot {
	const char *text;
	size_t len;
	const yaml_mark_t *pm, *cm;
	yaml_mark_t *found; /* a third position a test may find (AT_FOUND, %F) */
};

/* The length of a UTF-8 byte order mark at the start of text (libyaml
 * skips it: it counts in no index or column), or 0. */
static size_t bom_len(const char *text, size_t len)
{
	return len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;
}

/* The byte offset of the character libyaml's mark index counts to. */
static size_t byte_offset(const char *text, size_t len, size_t chars)
{
	size_t n = 0;
	for (size_t i = bom_len(text, len); i < len; i++)
		if (((unsigned char)text[i] & 0xC0) != 0x80 && n++ == chars)
			return i;
	return len;
}

/* The byte at m, or -1 at the end of the text. */
static int byte_at(const struct yaml_spot *s, const yaml_mark_t *m)
{
	return m->index < s->len ? (unsigned char)s->text[m->index] : -1;
}

/* The index where the line holding m starts. */
static size_t line_start(const struct yaml_spot *s, const yaml_mark_t *m)
{
	size_t i = m->index < s->len ? m->index : s->len;
	while (i > 0 && s->text[i - 1] != '\n' && s->text[i - 1] != '\r')
		i--;
	return i;
}

static int spot_tab(const struct yaml_spot *s)
{
	return byte_at(s, s->pm) == '\t';
}

static int spot_comma(const struct yaml_spot *s)
{
	return byte_at(s, s->pm) == ',';
}

static int spot_closer(const struct yaml_spot *s)
{
	int c = byte_at(s, s->pm);
	return c == ']' || c == '}';
}

/* "- " (or a '-' ending the line) at the problem mark: a list item. */
static int spot_dash(const struct yaml_spot *s)
{
	size_t i = s->pm->index;
	return byte_at(s, s->pm) == '-' && (i + 1 >= s->len || strchr(" \t\r\n", s->text[i + 1]));
}

/* "-x" at the context mark: a list item without its space. */
static int spot_dash_no_space(const struct yaml_spot *s)
{
	size_t i = s->cm->index;
	return byte_at(s, s->cm) == '-' && i + 1 < s->len && !strchr(" \t\r\n", s->text[i + 1]);
}

/* The problem mark is the first character of its line after spaces. */
static int spot_line_start(const struct yaml_spot *s)
{
	for (size_t i = line_start(s, s->pm); i < s->pm->index; i++)
		if (s->text[i] != ' ')
			return 0;
	return 1;
}

/* The index of the quote that is the last character before the problem
 * mark on its line, spaces aside (a quoted value's closing quote), or
 * SIZE_MAX. */
static size_t closing_quote(const struct yaml_spot *s)
{
	size_t i = s->pm->index < s->len ? s->pm->index : s->len, start = line_start(s, s->pm);
	while (i > start && (s->text[i - 1] == ' ' || s->text[i - 1] == '\t'))
		i--;
	return i > start && (s->text[i - 1] == '"' || s->text[i - 1] == '\'') ? i - 1 : SIZE_MAX;
}

/* Text follows a quoted value. */
static int spot_after_quote(const struct yaml_spot *s)
{
	return closing_quote(s) != SIZE_MAX;
}

/* The mark of the byte at index i (a column counts characters, as
 * libyaml's do: UTF-8 continuation bytes are not counted). */
static yaml_mark_t mark_of(const struct yaml_spot *s, size_t i)
{
	yaml_mark_t m = {i, 0, 0};
	for (size_t k = bom_len(s->text, s->len); k < i; k++) {
		if (s->text[k] == '\n') {
			m.line++;
			m.column = 0;
		} else if (((unsigned char)s->text[k] & 0xC0) != 0x80) {
			m.column++;
		}
	}
	return m;
}

/* Text follows a quoted value that began on an earlier line: a quote
 * left open there ran on to a later quote. s->found: the opening quote. */
static int spot_quote_runs_on(const struct yaml_spot *s)
{
	size_t k = closing_quote(s); /* find the quote that opened it */
	if (k == SIZE_MAX)
		return 0;
	char q = s->text[k];
	while (k > 0) {
		k--;
		if (s->text[k] != q)
			continue;
		if (q == '"') {
			size_t bs = 0;
			while (k > bs && s->text[k - 1 - bs] == '\\')
				bs++;
			if (bs % 2)
				continue; /* \" inside the string */
		} else if (k > 0 && s->text[k - 1] == '\'') {
			k--; /* '' inside the string */
			continue;
		}
		break;
	}
	if (s->text[k] != q || k >= line_start(s, s->pm))
		return 0;
	*s->found = mark_of(s, k);
	return 1;
}

/* A ": " before the problem mark on its line: a second one in a value. */
static int spot_second_colon(const struct yaml_spot *s)
{
	size_t start = line_start(s, s->pm);
	for (size_t i = start; i + 1 < s->pm->index && i + 1 < s->len; i++)
		if (s->text[i] == ':' && (s->text[i + 1] == ' ' || s->text[i + 1] == '\t'))
			return 1;
	return 0;
}

/* The bracket at the context mark is never closed on the problem's line,
 * a later one (or the end): the author forgot the closing bracket. */
static int spot_unclosed(const struct yaml_spot *s)
{
	if (s->pm->line == s->cm->line && s->pm->index < s->len)
		return 0;
	int open = byte_at(s, s->cm), close = open == '[' ? ']' : '}';
	for (size_t i = s->pm->index; i < s->len && s->text[i] != '\n'; i++)
		if (s->text[i] == close)
			return 0;
	return 1;
}

enum yaml_mark_which { AT_PROBLEM, AT_CONTEXT, AT_FOUND };

#define WORDS_TAB            "a tab is not allowed for indentation here: use spaces"
#define WORDS_CLOSES_NOTHING "%c closes nothing: remove it, or quote the value it ends"

static const struct yaml_problem_words {
	const char *problem, *context;
	int (*applies)(const struct yaml_spot *s);
	enum yaml_mark_which at;
	const char *words;
} yaml_problem_words[] = {
    {"found a tab character", NULL, NULL, AT_PROBLEM, WORDS_TAB},
    {"found character that cannot start any token", NULL, spot_tab, AT_PROBLEM, WORDS_TAB},
    {"found character that cannot start any token", NULL, NULL, AT_PROBLEM,
     "%c cannot start a value or a key: quote it (\"...\" or '...')"},
    {"mapping values are not allowed", NULL, spot_second_colon, AT_PROBLEM,
     "a second ': ' on this line: if it belongs to the value, quote the value (%Q)"},
    {"mapping values are not allowed", NULL, NULL, AT_PROBLEM,
     "this ':' would start a key inside the value above: indent the key like the other "
     "keys of its map, or quote the value if the ': ' belongs to it"},
    {"could not find expected ':'", NULL, spot_dash_no_space, AT_CONTEXT,
     "a list item needs a space after its '-' ('- item')"},
    {"could not find expected ':'", NULL, NULL, AT_CONTEXT,
     "expected 'key: value' on this line: add the ':' after the key, or indent the line "
     "more to continue the value above"},
    {"found unexpected end of stream", "while scanning a quoted scalar", NULL, AT_CONTEXT,
     "the quote %C opened at %O is not closed: end the string with another %C"},
    {"did not find expected ',' or ']'", NULL, spot_unclosed, AT_CONTEXT,
     "the '[' opened at %O is not closed: end the list with ']'"},
    {"did not find expected ',' or ']'", NULL, NULL, AT_PROBLEM,
     "expected ',' or ']' here, in the list opened at %O: separate its items with ', ' "
     "(and quote an item holding ': ')"},
    {"did not find expected ',' or '}'", NULL, spot_unclosed, AT_CONTEXT,
     "the '{' opened at %O is not closed: end the map with '}'"},
    {"did not find expected ',' or '}'", NULL, NULL, AT_PROBLEM,
     "expected ',' or '}' here, in the map opened at %O: separate its entries with ', ' "
     "(and quote a value holding ': ')"},
    {"did not find expected '-' indicator", NULL, NULL, AT_PROBLEM,
     "expected a list item ('- ') here, at the indentation of the list started at line %L: "
     "indent this line more to belong to the item above, or less to end the list"},
    {"did not find expected key", NULL, spot_closer, AT_PROBLEM, WORDS_CLOSES_NOTHING},
    {"did not find expected key", NULL, spot_dash, AT_PROBLEM,
     "a list item ('- ') among the keys of the map started at line %L: write the list "
     "under a key (key:, then its items indented)"},
    {"did not find expected key", NULL, spot_quote_runs_on, AT_FOUND,
     "this quote %F is not closed on its line: the string runs on to line %l, where text "
     "follows its closing quote; end the string on this line with another %F"},
    {"did not find expected key", NULL, spot_after_quote, AT_PROBLEM,
     "text after the closing quote of a quoted value: quote the whole value (write \\\" "
     "for a quote inside \"...\", '' inside '...')"},
    {"did not find expected key", NULL, spot_line_start, AT_PROBLEM,
     "this line's indentation matches no key above it: indent it exactly like the keys of "
     "the map it belongs to"},
    {"did not find expected key", NULL, NULL, AT_PROBLEM,
     "expected a key (key: value) here, in the map started at line %L"},
    {"did not find expected node content", NULL, spot_closer, AT_PROBLEM, WORDS_CLOSES_NOTHING},
    {"did not find expected node content", NULL, spot_comma, AT_PROBLEM,
     "an empty item before this ',': remove one of the two ','"},
    {"did not find expected node content", NULL, NULL, AT_PROBLEM, "expected a value here"},
    {"block sequence entries are not allowed", NULL, NULL, AT_PROBLEM,
     "a list cannot start on the line of its key: put each '- item' on a line of its own "
     "below the key, indented (or write the list as [a, b])"},
    {"did not find expected <document start>", NULL, NULL, AT_PROBLEM,
     "text after a '...' line, which ends the YAML document: remove the '...' (a file holds "
     "one document)"},
    {"found unknown escape character", NULL, NULL, AT_PROBLEM,
     "unknown escape in a double-quoted string: write \\\\ for a backslash, or use single "
     "quotes, where a backslash is just a backslash"},
    {"did not find expected hexdecimal number", NULL, NULL, AT_PROBLEM,
     "an escape \\x, \\u or \\U in a double-quoted string needs hexadecimal digits: write "
     "\\\\ for a backslash, or use single quotes"},
    {"did not find expected alphabetic or numeric character", "while scanning an alias", NULL,
     AT_CONTEXT, "%C starts an alias (*name) in YAML: quote the value"},
    {"did not find expected alphabetic or numeric character", "while scanning an anchor", NULL,
     AT_CONTEXT, "%C starts an anchor (&name) in YAML: quote the value"},
    {"did not find expected tag URI", NULL, NULL, AT_CONTEXT,
     "%C starts a YAML tag here: quote the value"},
    {"found undefined tag handle", NULL, NULL, AT_CONTEXT,
     "%C starts a YAML tag here: quote the value"},
    {"found unknown directive name", NULL, NULL, AT_CONTEXT,
     "a '%%' at the start of a line starts a YAML directive: quote the value, or indent "
     "the line"},
    {"did not find expected comment or line break", "while scanning a block scalar", NULL,
     AT_PROBLEM,
     "after '|' or '>' only '+', '-', an indentation digit or a comment may follow: start "
     "the text on the next line, indented"},
};

/* 'c' for a printable ASCII byte, else "this character". */
static void add_char(struct strbuf *sb, int c)
{
	if (c > ' ' && c < 127)
		sb_addf(sb, "'%c'", c);
	else
		sb_adds(sb, "this character");
}

/* The problem's line "key: a: b" as it reads with its value quoted,
 * 'key: "a: b"', or that example when the line does not lend itself. */
static void add_quoted_line(struct strbuf *sb, const struct yaml_spot *s)
{
	size_t i = line_start(s, s->pm), end = i;
	while (end < s->len && s->text[end] != '\n' && s->text[end] != '\r')
		end++;
	while (i < end &&
	       (s->text[i] == ' ' || (s->text[i] == '-' && i + 1 < end && s->text[i + 1] == ' ')))
		i++;
	while (end > i && (s->text[end - 1] == ' ' || s->text[end - 1] == '\t'))
		end--;
	const char *line = s->text + i, *colon = NULL;
	size_t n = end - i;
	for (size_t k = 0; k + 1 < n && !colon; k++)
		if (line[k] == ':' && line[k + 1] == ' ')
			colon = line + k;
	size_t key = colon ? (size_t)(colon - line) : 0, v = key + 2;
	while (v < n && line[v] == ' ')
		v++;
	int plain = colon && key > 0 && v < n && n - v < 80;
	for (size_t k = 0; plain && k < n; k++)
		if (line[k] == '"' || line[k] == '\\' || line[k] == '#' || line[k] == '\t' ||
		    (unsigned char)line[k] < ' ')
			plain = 0;
	if (plain)
		sb_addf(sb, "%.*s: \"%.*s\"", (int)key, line, (int)(n - v), line + v);
	else
		sb_adds(sb, "key: \"a: b\"");
}

/* words with %O, %L, %l, %c, %C, %F and %Q filled in (see the table). */
static char *fill_words(const char *words, const struct yaml_spot *s)
{
	struct strbuf sb = {0};
	for (const char *w = words; *w; w++) {
		if (*w != '%' || !w[1]) {
			sb_addf(&sb, "%c", *w);
			continue;
		}
		switch (*++w) {
		case 'O':
			sb_addf(&sb, "%zu:%zu", s->cm->line + 1, s->cm->column + 1);
			break;
		case 'L':
			sb_addf(&sb, "%zu", s->cm->line + 1);
			break;
		case 'l':
			sb_addf(&sb, "%zu", s->pm->line + 1);
			break;
		case 'F':
			add_char(&sb, byte_at(s, s->found));
			break;
		case 'c':
			add_char(&sb, byte_at(s, s->pm));
			break;
		case 'C':
			add_char(&sb, byte_at(s, s->cm));
			break;
		case 'Q':
			add_quoted_line(&sb, s);
			break;
		default:
			sb_addf(&sb, "%c", *w);
		}
	}
	return sb_detach(&sb, NULL);
}

/* Adds the diagnostic for libyaml's problem: our words from the table, or
 * libyaml's own. */
static void parser_problem(struct builder *b)
{
	const yaml_parser_t *p = &b->parser;
	const char *problem = p->problem ? p->problem : "syntax error";
	yaml_mark_t found = {0, 0, 0}, pm = p->problem_mark, cm = p->context_mark;
	if (!p->context)
		cm = pm; /* libyaml sets no context mark without a context */
	pm.index = byte_offset(b->text, b->len, pm.index);
	cm.index = byte_offset(b->text, b->len, cm.index);
	struct yaml_spot s = {b->text, b->len, &pm, &cm, &found};
	/* the text is read as UTF-8; libyaml reads UTF-16 after its BOM */
	int utf16 =
	    b->len >= 2 && (!memcmp(b->text, "\xff\xfe", 2) || !memcmp(b->text, "\xfe\xff", 2));
	for (size_t i = 0; !utf16 && i < sizeof yaml_problem_words / sizeof *yaml_problem_words;
	     i++) {
		const struct yaml_problem_words *r = &yaml_problem_words[i];
		if (strncmp(problem, r->problem, strlen(r->problem)) != 0 ||
		    (r->context && (!p->context || strcmp(p->context, r->context) != 0)) ||
		    (r->applies && !r->applies(&s)))
			continue;
		const yaml_mark_t *m = r->at == AT_CONTEXT ? s.cm
				       : r->at == AT_FOUND ? s.found
							   : s.pm;
		char *msg = fill_words(r->words, &s);
		diag_error(b->d, b->file, (int)m->line + 1, (int)m->column + 1, "%s", msg);
		free(msg);
		return;
	}
	const yaml_mark_t *m = s.pm;
	if (p->context)
		diag_error(b->d, b->file, (int)m->line + 1, (int)m->column + 1,
			   "invalid YAML: %s %s", problem, p->context);
	else
		diag_error(b->d, b->file, (int)m->line + 1, (int)m->column + 1, "invalid YAML: %s",
			   problem);
}

static int next_event(struct builder *b, yaml_event_t *ev)
{
	if (yaml_parser_parse(&b->parser, ev))
		return 0;
	parser_problem(b);
	b->failed = 1;
	return -1;
}

/* Parses one node whose first event is ev (consumed by the caller's
 * yaml_event_delete). Returns the node, or NULL on error. */
static struct yaml_node *parse_node(struct builder *b, yaml_event_t *ev, int depth);

static struct yaml_node *parse_collection(struct builder *b, yaml_event_t *start, int depth)
{
	int is_map = start->type == YAML_MAPPING_START_EVENT;
	struct yaml_node *n = new_node(b, is_map ? YAML_MAP : YAML_SEQ, &start->start_mark);
	if (depth > YAML_MAX_DEPTH) {
		event_error(b, start, "YAML nested too deeply (more than 64 levels)");
		free_node(n);
		return NULL;
	}
	for (;;) {
		yaml_event_t ev;
		if (next_event(b, &ev) != 0) {
			free_node(n);
			return NULL;
		}
		if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return n;
		}
		struct yaml_node *key = NULL;
		if (is_map) {
			key = parse_node(b, &ev, depth + 1);
			yaml_event_delete(&ev);
			if (!key) {
				free_node(n);
				return NULL;
			}
			if (key->kind != YAML_SCALAR) {
				yaml_error(b->d, key, "mapping keys must be plain strings");
				b->failed = 1;
				free_node(key);
				free_node(n);
				return NULL;
			}
			if (next_event(b, &ev) != 0) {
				free_node(key);
				free_node(n);
				return NULL;
			}
		}
		struct yaml_node *item = parse_node(b, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!item) {
			free_node(key);
			free_node(n);
			return NULL;
		}
		append(n, key, item);
	}
}

static struct yaml_node *parse_node(struct builder *b, yaml_event_t *ev, int depth)
{
	if (b->nodes >= YAML_MAX_NODES) {
		event_error(b, ev, "YAML document has too many nodes (more than 200000)");
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT: {
		struct yaml_node *n = new_node(b, YAML_SCALAR, &ev->start_mark);
		n->scalar_len = ev->data.scalar.length;
		n->scalar = xstrndup((const char *)ev->data.scalar.value, n->scalar_len);
		n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		if (strlen(n->scalar) != n->scalar_len) {
			event_error(b, ev, "strings must not contain NUL characters");
			free_node(n);
			return NULL;
		}
		return n;
	}
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return parse_collection(b, ev, depth);
	case YAML_ALIAS_EVENT:
		event_error(b, ev, "YAML aliases (*name) are not supported; repeat the value");
		return NULL;
	default:
		event_error(b, ev, "unexpected YAML event");
		return NULL;
	}
}

static struct yaml_node *parse_stream(struct builder *b)
{
	struct yaml_node *root = NULL;
	yaml_event_t ev;
	int docs = 0;
	for (;;) {
		if (next_event(b, &ev) != 0)
			goto fail;
		yaml_event_type_t t = ev.type;
		if (t == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (t == YAML_DOCUMENT_START_EVENT) {
			if (++docs > 1) {
				event_error(
				    b, &ev,
				    "only one YAML document per file (found a second '---')");
				yaml_event_delete(&ev);
				goto fail;
			}
		} else if (t != YAML_STREAM_START_EVENT && t != YAML_DOCUMENT_END_EVENT) {
			root = parse_node(b, &ev, 0);
			if (!root) {
				yaml_event_delete(&ev);
				goto fail;
			}
		}
		yaml_event_delete(&ev);
	}
	if (!root) {
		yaml_mark_t m = {0, 0, 0};
		root = new_node(b, YAML_MAP, &m);
	}
	return root;
fail:
	free_node(root);
	return NULL;
}

struct yaml_node *yaml_parse(const char *name, const char *text, size_t len, struct diag *d)
{
	struct builder b = {.d = d, .text = text, .len = len};
	char *file = xstrdup(name ? name : "<input>");
	b.file = file;
	if (len > YAML_MAX_BYTES) {
		diag_error(d, file, 0, 0, "YAML file larger than 1 MiB");
		free(file);
		return NULL;
	}
	if (!yaml_parser_initialize(&b.parser)) {
		diag_error(d, file, 0, 0, "cannot initialise the YAML parser");
		free(file);
		return NULL;
	}
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, len);
	struct yaml_node *root = parse_stream(&b);
	yaml_parser_delete(&b.parser);
	if (!root) {
		free(file);
		return NULL;
	}
	root->file_owned = file;
	return root;
}

struct yaml_node *yaml_load_file(const char *path, struct diag *d)
{
	char *text;
	size_t len;
	if (read_file(path, YAML_MAX_BYTES, &text, &len) != 0) {
		if (errno == EFBIG)
			diag_error(d, path, 0, 0, "YAML file larger than 1 MiB");
		else
			diag_error(d, path, 0, 0, "cannot read: %s", strerror(errno));
		return NULL;
	}
	struct yaml_node *root = yaml_parse(path, text, len, d);
	free(text);
	return root;
}

const struct yaml_node *yaml_get(const struct yaml_node *map, const char *key)
{
	if (!map || map->kind != YAML_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->keys[i]->scalar, key))
			return map->items[i];
	return NULL;
}

void yaml_error(struct diag *d, const struct yaml_node *n, const char *fmt, ...)
{
	struct strbuf sb = {0};
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	diag_error(d, n ? n->file : NULL, n ? n->line : 0, n ? n->col : 0, "%s", sb.buf);
	sb_free(&sb);
}

int yaml_check_keys(const struct yaml_node *map, const char *const *allowed, struct diag *d)
{
	return yaml_check_keys_in(map, allowed, NULL, d);
}

int yaml_check_keys_in(const struct yaml_node *map, const char *const *allowed, const char *where,
		       struct diag *d)
{
	if (!map || map->kind != YAML_MAP)
		return 0;
	int problems = 0;
	for (size_t i = 0; i < map->n; i++) {
		const struct yaml_node *k = map->keys[i];
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(map->keys[j]->scalar, k->scalar)) {
				yaml_error(d, k, "duplicate key '%s' (first at line %d)", k->scalar,
					   map->keys[j]->line);
				problems++;
				break;
			}
		}
		int known = 0;
		for (const char *const *a = allowed; *a; a++)
			if (!strcmp(*a, k->scalar))
				known = 1;
		if (known)
			continue;
		const char *hint = closest_word(k->scalar, allowed);
		struct strbuf msg = {0};
		sb_addf(&msg, "unknown key '%s'", k->scalar);
		if (hint) {
			sb_addf(&msg, " (did you mean '%s'?)", hint);
		} else {
			if (where)
				sb_addf(&msg, " %s", where);
			sb_adds(&msg,
				*allowed ? ": allowed here are " : ": no keys are allowed here");
			for (const char *const *a = allowed; *a; a++)
				sb_addf(&msg, "%s%s", a == allowed ? "" : ", ", *a);
		}
		yaml_error(d, k, "%s", msg.buf);
		sb_free(&msg);
		problems++;
	}
	return problems;
}

static const char *kind_name(enum yaml_kind k)
{
	switch (k) {
	case YAML_SCALAR:
		return "a single value";
	case YAML_SEQ:
		return "a list";
	case YAML_MAP:
		return "a map";
	}
	return "?";
}

int yaml_expect_kind(const struct yaml_node *n, enum yaml_kind kind, const char *what,
		     struct diag *d)
{
	if (n->kind == kind)
		return 0;
	yaml_error(d, n, "%s must be %s, not %s", what, kind_name(kind), kind_name(n->kind));
	return -1;
}

static int is_null(const struct yaml_node *n)
{
	if (n->kind != YAML_SCALAR || n->quoted)
		return 0;
	const char *s = n->scalar;
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

/* A plain (unquoted) scalar, for numbers and booleans. */
static int plain_scalar(const struct yaml_node *n, const char *what, const char *type,
			struct diag *d)
{
	if (n->kind != YAML_SCALAR) {
		yaml_error(d, n, "%s must be %s, not %s", what, type, kind_name(n->kind));
		return -1;
	}
	if (n->quoted) {
		yaml_error(d, n, "%s must be %s, not the string \"%s\" (drop the quotes)", what,
			   type, n->scalar);
		return -1;
	}
	if (is_null(n)) {
		yaml_error(d, n, "%s must be %s, but it is empty", what, type);
		return -1;
	}
	return 0;
}

int yaml_to_str(const struct yaml_node *n, const char *what, const char **out, struct diag *d)
{
	if (n->kind != YAML_SCALAR) {
		yaml_error(d, n, "%s must be a string, not %s", what, kind_name(n->kind));
		return -1;
	}
	if (is_null(n)) {
		yaml_error(d, n, "%s must be a string, but it is empty", what);
		return -1;
	}
	*out = n->scalar;
	return 0;
}

int yaml_to_int(const struct yaml_node *n, const char *what, long long min, long long max,
		long long *out, struct diag *d)
{
	if (plain_scalar(n, what, "an integer", d) != 0)
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(n->scalar, &end, 10);
	if (*end || end == n->scalar) {
		yaml_error(d, n, "%s must be an integer, not '%s'", what, n->scalar);
		return -1;
	}
	if (errno == ERANGE || v < min || v > max) {
		yaml_error(d, n, "%s must be between %lld and %lld, not %s", what, min, max,
			   n->scalar);
		return -1;
	}
	*out = v;
	return 0;
}

int yaml_to_double(const struct yaml_node *n, const char *what, double *out, struct diag *d)
{
	if (plain_scalar(n, what, "a number", d) != 0)
		return -1;
	const char *s = n->scalar;
	const char *u = s + (*s == '+' || *s == '-');
	if (!strcmp(u, ".inf") || !strcmp(u, ".Inf") || !strcmp(u, ".INF")) {
		*out = *s == '-' ? -INFINITY : INFINITY;
		return 0;
	}
	if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN")) {
		*out = NAN;
		return 0;
	}
	/* strtod also takes "inf", "nan" and hex floats; YAML does not */
	for (const char *p = u; *p; p++) {
		if (!strchr("0123456789.eE+-", *p)) {
			yaml_error(d, n, "%s must be a number, not '%s'", what, s);
			return -1;
		}
	}
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (*end || end == s) {
		yaml_error(d, n, "%s must be a number, not '%s'", what, s);
		return -1;
	}
	if (errno == ERANGE && isinf(v)) {
		yaml_error(d, n, "%s is out of range: %s", what, s);
		return -1;
	}
	*out = v;
	return 0;
}

int yaml_to_bool(const struct yaml_node *n, const char *what, int *out, struct diag *d)
{
	if (plain_scalar(n, what, "true or false", d) != 0)
		return -1;
	const char *s = n->scalar;
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) {
		*out = 1;
		return 0;
	}
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) {
		*out = 0;
		return 0;
	}
	yaml_error(d, n, "%s must be true or false, not '%s'", what, s);
	return -1;
}

int yaml_to_duration(const struct yaml_node *n, const char *what, double *seconds, struct diag *d)
{
	const char *s;
	if (yaml_to_str(n, what, &s, d) != 0)
		return -1;
	if (parse_duration(s, seconds) != 0 || !(*seconds > 0)) {
		yaml_error(d, n, "%s: bad duration '%s' (write e.g. 2s, 500ms, 1.5m)", what, s);
		return -1;
	}
	return 0;
}

int yaml_to_size(const struct yaml_node *n, const char *what, uint64_t *bytes, struct diag *d)
{
	const char *s;
	if (yaml_to_str(n, what, &s, d) != 0)
		return -1;
	if (parse_size(s, bytes) != 0 || *bytes == 0) {
		yaml_error(d, n, "%s: bad size '%s' (write e.g. 128MiB, 64KiB, 4096)", what, s);
		return -1;
	}
	return 0;
}

int yaml_to_str_list(const struct yaml_node *n, const char *what, const char ***out, size_t *count,
		     struct diag *d)
{
	const char **v;
	if (n->kind == YAML_SCALAR) {
		const char *s;
		if (yaml_to_str(n, what, &s, d) != 0)
			return -1;
		v = xcalloc(2, sizeof *v);
		v[0] = s;
		*out = v;
		*count = 1;
		return 0;
	}
	if (n->kind != YAML_SEQ) {
		yaml_error(d, n, "%s must be a string or a list of strings, not a map", what);
		return -1;
	}
	v = xcalloc(n->n + 1, sizeof *v);
	int bad = 0;
	for (size_t i = 0; i < n->n; i++)
		if (yaml_to_str(n->items[i], what, &v[i], d) != 0)
			bad = 1;
	if (bad) {
		free(v);
		return -1;
	}
	*out = v;
	*count = n->n;
	return 0;
}

int yaml_to_command(const struct yaml_node *n, const char *what, char ***argv, size_t *argc,
		    struct diag *d)
{
	const char **list;
	size_t count;
	if (n->kind == YAML_SCALAR) {
		const char *s;
		if (yaml_to_str(n, what, &s, d) != 0)
			return -1;
		*argv = xcalloc(4, sizeof **argv);
		(*argv)[0] = xstrdup("/bin/sh");
		(*argv)[1] = xstrdup("-c");
		(*argv)[2] = xstrdup(s);
		*argc = 3;
		return 0;
	}
	if (yaml_to_str_list(n, what, &list, &count, d) != 0)
		return -1;
	if (count == 0) {
		yaml_error(d, n, "%s must name a command", what);
		free(list);
		return -1;
	}
	*argv = xcalloc(count + 1, sizeof **argv);
	for (size_t i = 0; i < count; i++)
		(*argv)[i] = xstrdup(list[i]);
	*argc = count;
	free(list);
	return 0;
}

static int valid_env_name(const char *s)
{
	if (!*s || (!isalpha((unsigned char)*s) && *s != '_'))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

int yaml_to_env(const struct yaml_node *n, const char *const *reserved, const char *reserved_why,
		char ***env, size_t *nenv, struct diag *d)
{
	if (yaml_expect_kind(n, YAML_MAP, "'env'", d) != 0)
		return -1;
	int bad = 0;
	*env = xcalloc(n->n + 1, sizeof **env);
	*nenv = 0;
	for (size_t i = 0; i < n->n; i++) {
		const char *k = n->keys[i]->scalar;
		int taken = 0;
		for (size_t r = 0; reserved && reserved[r]; r++)
			taken |= !strcmp(reserved[r], k);
		if (!valid_env_name(k)) {
			yaml_error(d, n->keys[i],
				   "'%s' is not a valid environment variable name (letters, digits "
				   "and _, not starting with a digit)",
				   k);
			bad = 1;
		} else if (taken) {
			yaml_error(d, n->keys[i], "%s %s", k, reserved_why);
			bad = 1;
		} else if (n->items[i]->kind != YAML_SCALAR) {
			yaml_error(d, n->items[i], "the value of %s must be a string", k);
			bad = 1;
		} else {
			(*env)[(*nenv)++] = xasprintf("%s=%s", k, n->items[i]->scalar);
		}
	}
	return bad ? -1 : 0;
}
