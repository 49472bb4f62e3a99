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
 *   unordered_lines, tokens, contains, regex), not: bool (inverts);
 *   abs/rel (number, json), subset (json).
 *
 * docs/matchers.md is the reference for what each matcher ignores and
 * what its diff says.
 *
 * Ownership: a struct matcher owns its strings, its compiled regex and its
 * parsed JSON (matcher_free). A struct match_diff is owned by whoever
 * holds it (match_diff_free).
 */
#ifndef GRADER_MATCH_H
#define GRADER_MATCH_H

#include <regex.h>
#include <stddef.h>

#include "grader/model/diag.h"
#include "grader/model/yaml.h"

struct cJSON; /* <cjson/cJSON.h> */

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
	double number; /* MATCH_NUMBER */
	double abs_tol, rel_tol;
	int json_subset;
	int ignore_case;
	int negate;
	regex_t *regex;     /* MATCH_REGEX: compiled once, or NULL (see error) */
	struct cJSON *json; /* MATCH_JSON: the expected document, parsed once */
	char *error;        /* why the matcher cannot run (bad pattern, expected
			       text not a number / not JSON), or NULL */
	char *hint;         /* the author's help for when this expectation fails
			       (YAML 'hint:'), or NULL */
};

/* Structured account of a failed match. Strings are heap-owned; absent
 * ones are NULL. Excerpts show invisible characters (\t, \r, trailing
 * spaces as ·, a missing final newline as "(no newline at end)") made
 * visible. For unordered_lines the excerpts list the missing (expected)
 * and unexpected (actual) lines, one per line. */
struct match_diff {
	char *summary;          /* one line: "line 3 differs at column 5" */
	int line, col;          /* first divergence, 1-based; 0 if n/a */
	char *expected_excerpt; /* the expected line (or bit) there */
	char *actual_excerpt;   /* the actual line (or bit) there */
	int has_numeric;
	double expected_number, actual_number, abs_error, rel_error;
	char *unified;   /* unified diff for multi-line text, capped */
	long token;      /* tokens: 1-based index of the first differing token; else 0 */
	char *json_path; /* json: where the first difference is, "$.items[2].name" */
	char *cause;     /* a common cause in words (CRLF, trailing blanks, a
			  * look-alike character...), or NULL; summary ends
			  * with it already */
};

const char *match_kind_name(enum match_kind k);

/* Builds a matcher from a YAML expectation (see above). exdir is the
 * exercise folder for {file: ...}; the path must stay inside it. Returns
 * 0, or -1 after adding positioned diagnostics. */
int matcher_from_yaml(struct matcher *m, const struct yaml_node *n, const char *exdir,
		      struct diag *d);
/* Builds a matcher of any kind from a literal string, with no options.
 * Option fields may be set afterwards; after changing ignore_case on a
 * regex matcher call matcher_prepare again. A pattern that does not
 * compile, or expected text that is not a number / not JSON, leaves
 * m->error set and makes match_run return -1. */
void matcher_init_text(struct matcher *m, enum match_kind kind, const char *expected, size_t len);
/* (Re)compiles the regex, parses the expected number or JSON from
 * m->expected. 0, or -1 with m->error set. */
int matcher_prepare(struct matcher *m);
void matcher_free(struct matcher *m);

/* Compares actual (len bytes, may lack a final NUL, may hold NULs and
 * invalid UTF-8) with m. Returns 1 on match, 0 on mismatch (and, if diff
 * is non-NULL, fills *diff with a new match_diff), -1 when the matcher
 * cannot run (m->error; *diff gets a summary saying so). */
int match_run(const struct matcher *m, const char *actual, size_t len, struct match_diff **diff);
void match_diff_free(struct match_diff *d);

/* Makes invisible characters visible for display: "\t" -> "→", "\r" ->
 * "␍", other control bytes and invalid UTF-8 as \xNN, invisible Unicode
 * spaces (U+00A0, U+200B..U+200F, U+2028/9, U+2060, U+FEFF) as <U+XXXX>,
 * spaces before a newline or the end as "·"; newlines are kept. A real
 * ·, →, ␍ or … is shown as <U+XXXX> too, so every mark is unambiguous.
 * The result is valid UTF-8. At most max output bytes (0: no limit), then
 * "…". Returns a heap string. */
char *match_visible(const char *s, size_t len, size_t max);

/* The visible form (as match_visible) of the first max_lines lines of
 * s[0..len), at most max_bytes of it, without the last newline; when
 * anything is left out (or more is set: the caller read only a head),
 * a last line "… (the first N lines shown)" says so. A heap string. */
char *match_visible_head(const char *s, size_t len, size_t max_lines, size_t max_bytes,
			 int more);

/* The one-line legend of the marks match_visible put in texts[0..n)
 * (NULL entries skipped): "· a space at the end of a line, → a tab";
 * NULL when they hold none. A heap string. */
char *match_visible_legend(const char *const *texts, size_t n);

/* Unified diff (---/+++/@@ hunks, 3 lines of context) of two texts,
 * capped at max_bytes of output (then "... diff truncated"; 0 means 64 KiB).
 * Lines are shown through match_visible. A Myers diff; past about 2,000
 * differing lines or a fixed amount of work it falls back to one hunk that
 * replaces everything between the common head and tail. Heap string;
 * empty string when equal. */
char *text_unified_diff(const char *a, size_t alen, const char *b, size_t blen, const char *aname,
			const char *bname, size_t max_bytes);

#endif
