/*
 * rows.h - result sets and the rows matcher, shared by every kind that
 * compares tables of values (the sql kind's query results, a JSON array
 * of objects an http check turns into rows).
 *
 * A result set is a list of column names and rows of typed values. The
 * rows matcher compares an actual set with an expected one under one
 * comparison spec:
 *
 *   order:        ordered (row by row), bag (order free, duplicates
 *                 count; the default) or set (order and duplicates free)
 *   column_names: compared (ASCII case-insensitively; the default) or not
 *   column_order: strict (the default) or any (columns matched by name)
 *   abs, rel:     numeric tolerance; round: both sides rounded to N
 *                 decimal places first
 *   types:        loose (the default: 1, 1.0 and '1' are equal) or
 *                 strict (an integer, a real and a text never are)
 *
 * NULL equals only NULL, never '' or 0. A failed match fills a
 * match_diff: the summary says where ("results differ from row 3",
 * "2 rows missing", "column 2 is named 'total', expected 'revenue'") and,
 * when the two values print alike, what differs (a type, trailing
 * spaces, case); the excerpts and the unified diff show the rows.
 *
 * Ownership: a struct rows owns its strings (rows_free); a rows_spec
 * holds no heap data.
 */
#ifndef GRADER_ROWS_H
#define GRADER_ROWS_H

#include <stddef.h>

#include "grader/match/match.h"
#include "grader/model/diag.h"
#include "grader/model/yaml.h"

enum rows_type {
	ROWS_NULL,
	ROWS_INT,
	ROWS_REAL,
	ROWS_NUMERIC, /* a decimal with its scale as printed: "2.50" */
	ROWS_TEXT,
	ROWS_BLOB,    /* text holds lowercase hex */
	ROWS_BOOL,    /* text "true" or "false" */
	ROWS_OTHER,   /* any other type (a date, an interval): its text form */
};

/* "NULL", "integer", "real", "numeric", "text", "blob", "boolean", "value" */
const char *rows_type_name(enum rows_type t);

struct rows_value {
	enum rows_type type;
	char *text; /* printed form, NUL-terminated (NULL for ROWS_NULL) */
	size_t len;
};

struct rows {
	char **cols;
	size_t ncols;
	struct rows_value *v; /* row r, column c at v[r * ncols + c] */
	size_t nrows, cap;
	int truncated;        /* the producer stopped reading at a cap */
};

enum rows_order { ROWS_BAG, ROWS_ORDERED, ROWS_SET };

struct rows_spec {
	enum rows_order order;
	int ignore_names;
	int any_column_order;
	int strict_types;
	double abs_tol, rel_tol;
	int round; /* decimal places; -1: none */
};

/* The default spec: bag, names compared, strict column order, loose types. */
void rows_spec_init(struct rows_spec *s);
/* Reads the spec keys present in map (order, column_names, column_order,
 * types, abs, rel, round); the others stay as they were. 0, or -1 with
 * diagnostics. */
int rows_spec_from_yaml(struct rows_spec *s, const struct yaml_node *map, struct diag *d);
/* The keys rows_spec_from_yaml reads, for a kind's list of allowed keys. */
extern const char *const rows_spec_keys[];
/* "in any order", "in this order" ... for messages. */
const char *rows_order_words(enum rows_order o);

/* Building: rows_set_columns once, then rows_add_row and rows_set per value. */
void rows_set_columns(struct rows *r, const char *const *names, size_t n);
size_t rows_add_row(struct rows *r);
void rows_set(struct rows *r, size_t row, size_t col, enum rows_type t, const char *text,
	      size_t len);
void rows_free(struct rows *r);

/* Expected rows written in YAML: a sequence of rows, each a sequence of
 * scalars (an unquoted number is a number, an unquoted null or ~ is NULL,
 * anything else text). The names come from cols (may be NULL: none). 0, or
 * -1 with positioned diagnostics. */
int rows_from_yaml(struct rows *r, const struct yaml_node *n, const char *const *cols,
		   size_t ncols, struct diag *d);
/* Expected rows in a CSV file (RFC 4180; the first record names the
 * columns; an empty unquoted field is NULL, a quoted one the empty text;
 * an unquoted number is a number). name is used in diagnostics
 * (name:line:column). 0, or -1 with diagnostics. */
int rows_from_csv(struct rows *r, const char *name, const char *text, size_t len,
		  struct diag *d);

/* Compares actual with expected under spec: 1 match, 0 mismatch (*diff
 * filled when diff is non-NULL). */
int rows_match(const struct rows *expected, const struct rows *actual, const struct rows_spec *spec,
	       struct match_diff **diff);

/* One row for display: "(1, 'Ann', NULL)", values made visible, capped
 * at max bytes (0: no cap). Heap string. */
char *rows_format_row(const struct rows *r, size_t row, size_t max);
/* A whole set for display: a header line of names, then a row per line,
 * at most max_rows rows (then "... N more rows"). Heap string. */
char *rows_format(const struct rows *r, size_t max_rows);

#endif
