/*
 * match.h - the matchers every exercise kind shares: how an observed
 * value (stdout, a file, a query result rendered as text, a JSON body) is
 * compared with what the exercise expects, and the structured diff a
 * failure carries.
 *
 * In YAML an expectation is either a plain string (exact match) or a map
 * with exactly one matcher key, whose value is the expected text or
 * {file: PATH} (relative to the exercise folder), plus options:
 *
 *   stdout: "hello\n"                       # exact
 *   stdout: { trim: "hello" }               # surrounding whitespace ignored
 *   stdout: { lines: { file: out.txt } }    # per line, trailing ws/final \n ignored
 *   stdout: { unordered_lines: "b\na\n" }
 *   stdout: { tokens: "1 2 3" }             # whitespace-separated tokens
 *   stdout: { regex: "^ok [0-9]+$" }        # POSIX ERE, REG_NEWLINE, search
 *   stdout: { contains: "Fizz" }
 *   stdout: { number: 3.14159, abs: 1e-3, rel: 1e-6 }
 *   stdout: { json: '{"ok": true}', subset: true }
 *   Options on any matcher: ignore_case: bool (exact, trim, lines,
 *   unordered_lines, tokens, contains, regex), not: bool (inverts).
 *
 * Ownership: a struct matcher owns its strings (matcher_free). A struct
 * match_diff is owned by whoever holds it (match_diff_free).
 */
#ifndef GRADER_MATCH_H
#define GRADER_MATCH_H

#include <stddef.h>

#include "diag.h"
#include "yaml.h"

enum match_kind {
	MATCH_EXACT,
	MATCH_TRIM,
	MATCH_LINES,
	MATCH_UNORDERED_LINES,
	MATCH_TOKENS,
	MATCH_REGEX,
	MATCH_CONTAINS,
	MATCH_NUMBER,
	MATCH_JSON,
};

struct matcher {
	enum match_kind kind;
	char *expected; /* text (for number: as written), NUL-terminated */
	size_t expected_len;
	double number;  /* MATCH_NUMBER */
	double abs_tol, rel_tol;
	int json_subset;
	int ignore_case;
	int negate;
};

/* Structured account of a failed match. Strings are heap-owned; absent
 * ones are NULL. Excerpts show invisible characters (\t, \r, trailing
 * spaces as ·, a missing final newline as "⏎ missing") made visible. */
struct match_diff {
	char *summary;          /* one line: "line 3 differs at column 5" */
	int line, col;          /* first divergence, 1-based; 0 if n/a */
	char *expected_excerpt; /* the expected line (or bit) there */
	char *actual_excerpt;   /* the actual line (or bit) there */
	int has_numeric;
	double expected_number, actual_number, abs_error, rel_error;
	char *unified;          /* unified diff for multi-line text, capped */
};

const char *match_kind_name(enum match_kind k);

/* Builds a matcher from a YAML expectation (see above). exdir is the
 * exercise folder for {file: ...}; the path must stay inside it. Returns
 * 0, or -1 after adding positioned diagnostics. */
int matcher_from_yaml(struct matcher *m, const struct yaml_node *n, const char *exdir,
		      struct diag *d);
/* Builds an exact/trim/... matcher from a literal string. */
void matcher_init_text(struct matcher *m, enum match_kind kind, const char *expected,
		       size_t len);
void matcher_free(struct matcher *m);

/* Compares actual (len bytes, may lack a final NUL) with m. Returns 1 on
 * match, 0 on mismatch (and, if diff is non-NULL, fills *diff with a new
 * match_diff), -1 on an internal problem (bad regex: summary says so). */
int match_run(const struct matcher *m, const char *actual, size_t len,
	      struct match_diff **diff);
void match_diff_free(struct match_diff *d);

/* Makes invisible characters visible for display: "\t" -> "→", "\r" ->
 * "␍", other control bytes as \xNN, trailing spaces as "·". At most max
 * output bytes, then "…". Returns a heap string. */
char *match_visible(const char *s, size_t len, size_t max);

/* Unified diff (---/+++/@@ hunks, 3 lines of context) of two texts,
 * capped at max_bytes of output (then "... diff truncated"). Heap string;
 * empty string when equal. */
char *text_unified_diff(const char *a, size_t alen, const char *b, size_t blen,
			const char *aname, const char *bname, size_t max_bytes);

#endif
