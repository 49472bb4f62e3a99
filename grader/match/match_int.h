/*
 * match_int.h - helpers shared by the files that implement match.h
 * (match.c, match_number.c, match_json.c, match_yaml.c, diff.c,
 * json_schema.c). Not a
 * contract for other parts: include match.h instead.
 *
 * Texts here are (pointer, length) pairs that may hold NULs and invalid
 * UTF-8; nothing assumes a terminating NUL. "Whitespace" means the ASCII
 * bytes space, \t, \n, \v, \f, \r. Case folding (ignore_case) is ASCII only.
 */
#ifndef GRADER_MATCH_INT_H
#define GRADER_MATCH_INT_H

#include <stddef.h>

#include "match.h"

struct strbuf; /* grader/util/util.h */

/* Default cap on a diff's unified text and on excerpt lengths. */
#define MATCH_UNIFIED_MAX 16384
#define MATCH_EXCERPT_MAX 400
#define MATCH_SNIPPET_MAX 60

/* One line of a text: p[0..len) without its '\n'; off is p's offset in
 * the text; has_nl says whether a '\n' ended it. */
struct text_line {
	const char *p;
	size_t len;
	size_t off;
	int has_nl;
};

int text_is_space(unsigned char c);
unsigned char text_fold(unsigned char c, int icase);
/* Steps *pos to the next line; 0 when there is none left. */
int text_next_line(const char *s, size_t len, size_t *pos, struct text_line *out);
/* Length of p without its trailing spaces, tabs, \r, \v, \f. */
size_t text_rstrip_len(const char *p, size_t len);
/* Length of s without all its trailing whitespace (newlines included):
 * what the lines matchers compare. */
size_t text_lines_end(const char *s, size_t len);
/* Number of lines of s: its '\n's, plus one for an unterminated last line. */
size_t text_count_lines(const char *s, size_t len);
/* Length of the common prefix of x and y, ASCII case-folded if icase. */
size_t text_common_prefix(const char *x, size_t xl, const char *y, size_t yl, int icase);

/* A new, zeroed diff. */
struct match_diff *diff_new(void);
/* Replaces d->summary with a formatted one. */
void diff_set_summary(struct match_diff *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The line of s containing off, made visible (capped); NULL when off is at
 * the very end of s after a '\n' (no line there). With eol_note, an
 * unterminated last line gets " (no newline at end)". */
char *diff_line_excerpt(const char *s, size_t len, size_t off, int eol_note);
/* Flags for diff_text_at and diff_unified. */
enum {
	DIFF_RSTRIP = 1,      /* trailing whitespace of lines does not count */
	DIFF_ICASE = 2,       /* ASCII case does not count */
	DIFF_NO_EOL_NOTE = 4, /* a missing final newline does not count */
};

/* Fills d for texts that first differ at eoff in e[0..elen) and aoff in
 * a[0..alen) (the compared extents; bytes before the offsets are equal):
 * line and column (in the actual text), excerpts of both lines and the
 * summary `line L, column C: expected "X", got "Y"` (or "end of line",
 * "end of output"). */
void diff_text_at(struct match_diff *d, const char *e, size_t elen, size_t eoff, const char *a,
		  size_t alen, size_t aoff, int flags);

/* A sentence naming the common cause of a difference at eoff in e and aoff
 * in a (as diff_text_at takes them): Windows line endings, trailing
 * blanks (unless DIFF_RSTRIP), a tab for spaces, a non-ASCII look-alike
 * by its name, letter case (unless DIFF_ICASE), the same number written
 * differently; NULL when none explains it. A heap string. */
char *diff_cause(const char *e, size_t elen, size_t eoff, const char *a, size_t alen,
		 size_t aoff, int flags);

/* Unified diff of two texts with flags (see above); max_bytes as in
 * text_unified_diff. */
char *diff_unified(const char *a, size_t alen, const char *b, size_t blen, const char *aname,
		   const char *bname, size_t max_bytes, int flags);

/* The matchers that live in their own files. Same contract as match_run
 * without negation: 1 match, 0 mismatch (with *diff filled when diff is
 * non-NULL). */
int match_number_run(const struct matcher *m, const char *actual, size_t len,
		     struct match_diff **diff);
/* Appends an object key to a JSON path as $.name or $["odd key"]
 * (made visible, capped): the json matcher's and the schema's paths. */
void json_path_push_key(struct strbuf *path, const char *key);
int match_json_run(const struct matcher *m, const char *actual, size_t len,
		   struct match_diff **diff);
/* Parses a whole text as one number in decimal notation (surrounding
 * whitespace allowed; hex refused). 0 or -1. */
int match_parse_number(const char *s, size_t len, double *out);
/* Whether actual is within the tolerance of expected: equal, or
 * |a-e| <= abs_tol, or |a-e| <= rel_tol*|e|; NaN only equals NaN and an
 * infinity only itself. */
int match_number_close(double expected, double actual, double abs_tol, double rel_tol);
/* Parses expected JSON for m (m->json); on failure sets *line and *col (in
 * text) and returns a heap message. NULL on success. */
char *match_json_prepare(struct matcher *m, int *line, int *col);

#endif
