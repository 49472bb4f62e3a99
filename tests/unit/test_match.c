/*
 * test_match.c - unit tests for the matchers (grader/match*.c) and their
 * diffs (grader/match/diff.c): pass and fail paths of every matcher, the diff
 * fields, tolerance edges, negation, large inputs, and matcher_from_yaml
 * with its positioned errors.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grader/model/diag.h"
#include "grader/match/match.h"
#include "grader/util/util.h"

/* Runs a matcher of kind on literal texts; returns the result and the diff. */
static int run(enum match_kind kind, const char *expected, const char *actual, size_t alen,
	       struct match_diff **d)
{
	struct matcher m;
	matcher_init_text(&m, kind, expected, strlen(expected));
	int rc = match_run(&m, actual, alen, d);
	matcher_free(&m);
	return rc;
}

static int runs(enum match_kind kind, const char *expected, const char *actual,
		struct match_diff **d)
{
	return run(kind, expected, actual, strlen(actual), d);
}

/* ---- match_visible ---- */

START_TEST(test_visible)
{
	char *v = match_visible("a\tb\r\n", 5, 0);
	ck_assert_str_eq(v, "a→b␍\n");
	free(v);
	v = match_visible("x  \ny ", 6, 0);
	ck_assert_str_eq(v, "x··\ny·");
	free(v);
	v = match_visible("a b", 3, 0);
	ck_assert_str_eq(v, "a b");
	free(v);
	v = match_visible("a\0b\x1b\x7f", 5, 0);
	ck_assert_str_eq(v, "a\\x00b\\x1B\\x7F");
	free(v);
	/* invalid UTF-8 bytes become \xNN; valid sequences stay */
	v = match_visible("\xff\xc3\xa9\xc3", 4, 0);
	ck_assert_str_eq(v, "\\xFFé\\xC3");
	free(v);
	/* invisible Unicode spaces are named */
	v = match_visible("a\xc2\xa0"
			  "b\xef\xbb\xbf",
			  7, 0);
	ck_assert_str_eq(v, "a<U+00A0>b<U+FEFF>");
	free(v);
	/* capped output ends with an ellipsis and never splits a character */
	v = match_visible("abcdefgh", 8, 4);
	ck_assert_str_eq(v, "abcd…");
	free(v);
	v = match_visible("ab\tc", 4, 4);
	ck_assert_str_eq(v, "ab…");
	free(v);
	v = match_visible("", 0, 10);
	ck_assert_str_eq(v, "");
	free(v);
}
END_TEST

START_TEST(test_visible_head)
{
	char *v = match_visible_head("1\n2\n3\n", 6, 2, 100, 0);
	ck_assert_str_eq(v, "1\n2\n… (the first 2 lines shown)");
	free(v);
	v = match_visible_head("1\n2\n", 4, 5, 100, 0);
	ck_assert_str_eq(v, "1\n2");
	free(v);
	/* the caller read only a head: say so even when all of it fits */
	v = match_visible_head("a \n", 3, 5, 100, 1);
	ck_assert_str_eq(v, "a·\n… (the first 1 line shown)");
	free(v);
	/* a byte cap never splits a character */
	v = match_visible_head("\xc3\xa9\xc3\xa9", 4, 5, 3, 0);
	ck_assert_str_eq(v, "é\n… (the first 1 line shown)");
	free(v);
}
END_TEST

/* ---- exact ---- */

START_TEST(test_exact_pass)
{
	struct match_diff *d = (void *)1;
	ck_assert_int_eq(runs(MATCH_EXACT, "hello\n", "hello\n", &d), 1);
	ck_assert_ptr_null(d);
	ck_assert_int_eq(runs(MATCH_EXACT, "", "", &d), 1);
	ck_assert_int_eq(run(MATCH_EXACT, "a", "a\0", 1, NULL), 1);
}
END_TEST

START_TEST(test_exact_first_divergence)
{
	struct match_diff *d;
	ck_assert_int_eq(runs(MATCH_EXACT, "1\n2\n1 2 Fizz\n4\n", "1\n2\n1 2 fizz\n4\n", &d), 0);
	ck_assert_int_eq(d->line, 3);
	ck_assert_int_eq(d->col, 5);
	ck_assert_str_eq(d->summary, "line 3, column 5: expected \"Fizz\", got \"fizz\" — line 3 "
				     "differs only in upper and lower case");
	ck_assert_str_eq(d->expected_excerpt, "1 2 Fizz");
	ck_assert_str_eq(d->actual_excerpt, "1 2 fizz");
	ck_assert_ptr_nonnull(d->unified);
	ck_assert_str_eq(d->unified, "--- expected\n+++ actual\n@@ -1,4 +1,4 @@\n 1\n 2\n"
				     "-1 2 Fizz\n+1 2 fizz\n 4\n");
	ck_assert_int_eq(d->has_numeric, 0);
	match_diff_free(d);

	/* mid-word divergence: the summary shows the word, the column the byte */
	ck_assert_int_eq(runs(MATCH_EXACT, "Buzz", "Bazz", &d), 0);
	ck_assert_int_eq(d->col, 2);
	ck_assert_str_eq(d->summary, "line 1, column 2: expected \"Buzz\", got \"Bazz\"");
	ck_assert_ptr_null(d->unified);
	match_diff_free(d);

	/* columns count UTF-8 characters */
	ck_assert_int_eq(runs(MATCH_EXACT, "été x", "été y", &d), 0);
	ck_assert_int_eq(d->col, 5);
	match_diff_free(d);
	/* é vs è share their first byte: the divergence is the character */
	ck_assert_int_eq(runs(MATCH_EXACT, "caf\xc3\xa9", "caf\xc3\xa8", &d), 0);
	ck_assert_int_eq(d->col, 4);
	ck_assert_str_eq(d->summary, "line 1, column 4: expected \"café\", got \"cafè\"");
	match_diff_free(d);
}
END_TEST

START_TEST(test_exact_invisible_differences)
{
	struct match_diff *d;
	ck_assert_int_eq(runs(MATCH_EXACT, "a\nb\n", "a\nb", &d), 0);
	ck_assert_str_eq(d->summary, "line 2: the output lacks the final newline");
	ck_assert_str_eq(d->actual_excerpt, "b (no newline at end)");
	ck_assert_str_eq(d->expected_excerpt, "b");
	ck_assert_ptr_nonnull(strstr(d->unified, "-b\n+b\n\\ No newline at end of file\n"));
	match_diff_free(d);

	ck_assert_int_eq(runs(MATCH_EXACT, "abc\n", "abc  \n", &d), 0);
	ck_assert_int_eq(d->col, 4);
	ck_assert_str_eq(d->actual_excerpt, "abc··");
	ck_assert_str_eq(d->summary, "line 1, column 4: expected \"abc\", got \"abc··\" — trailing "
				     "whitespace: your line 1 ends with 2 spaces that the expected "
				     "line does not have");
	match_diff_free(d);

	ck_assert_int_eq(runs(MATCH_EXACT, "a\tb\n", "a    b\n", &d), 0);
	ck_assert_str_eq(d->expected_excerpt, "a→b");
	match_diff_free(d);

	ck_assert_int_eq(runs(MATCH_EXACT, "ok\n", "ok\r\n", &d), 0);
	ck_assert_str_eq(d->actual_excerpt, "ok␍");
	ck_assert_str_eq(d->summary, "line 1, column 3: expected \"ok\", got \"ok␍\" — Windows line "
				     "endings: your lines end with \\r\\n (shown ␍); end them with "
				     "\\n only");
	match_diff_free(d);

	ck_assert_int_eq(runs(MATCH_EXACT, "a\n", "a\n\n", &d), 0);
	ck_assert_str_eq(d->summary, "line 2: unexpected newline at the end of the output");
	match_diff_free(d);

	/* NULs and invalid UTF-8 in the output */
	ck_assert_int_eq(run(MATCH_EXACT, "ab", "a\0b", 3, &d), 0);
	ck_assert_int_eq(d->col, 2);
	ck_assert_str_eq(d->actual_excerpt, "a\\x00b (no newline at end)");
	match_diff_free(d);
	ck_assert_int_eq(runs(MATCH_EXACT, "x\n", "\xff\xfe\n", &d), 0);
	ck_assert_str_eq(d->actual_excerpt, "\\xFF\\xFE");
	match_diff_free(d);
}
END_TEST

/* The common causes are named in words after the summary. */
static char *cause_of(enum match_kind kind, const char *expected, const char *actual)
{
	struct match_diff *d = NULL;
	ck_assert_int_eq(runs(kind, expected, actual, &d), 0);
	ck_assert_ptr_nonnull(d);
	char *c = d->cause ? xstrdup(d->cause) : NULL;
	if (c) /* the summary carries it */
		ck_assert_ptr_nonnull(strstr(d->summary, c));
	match_diff_free(d);
	return c;
}

static void assert_cause(enum match_kind kind, const char *expected, const char *actual,
			 const char *want)
{
	char *c = cause_of(kind, expected, actual);
	if (!want) {
		ck_assert_msg(c == NULL, "unexpected cause '%s'", c);
		return;
	}
	ck_assert_msg(c != NULL, "no cause for %s / %s", expected, actual);
	ck_assert_str_eq(c, want);
	free(c);
}

START_TEST(test_causes)
{
	assert_cause(MATCH_EXACT, "a\nb\n", "a\r\nb\r\n",
		     "Windows line endings: your lines end with \\r\\n (shown ␍); end them "
		     "with \\n only");
	assert_cause(MATCH_EXACT, "a\r\n", "a\n",
		     "the expected output has Windows line endings (\\r\\n, shown ␍) and yours "
		     "ends its lines with \\n");
	assert_cause(MATCH_EXACT, "x\nab\n", "x\nab \t\n",
		     "trailing whitespace: your line 2 ends with 2 spaces and tabs that the "
		     "expected line does not have");
	assert_cause(MATCH_EXACT, "ab", "ab\t",
		     "trailing whitespace: your line 1 ends with 1 tab that the expected line "
		     "does not have");
	assert_cause(MATCH_EXACT, "ab \n", "ab\n",
		     "the expected line ends with 1 space that your line 1 does not have");
	/* trim and lines forgive trailing blanks, so they never name them */
	assert_cause(MATCH_LINES, "a\nb\n", "a\nc  \n", NULL);
	assert_cause(MATCH_EXACT, "a  b\n", "a\tb\n",
		     "a tab (shown →) where the expected output has spaces");
	assert_cause(MATCH_EXACT, "a\tb\n", "a b\n",
		     "spaces where the expected output has a tab (shown →)");
	/* U+043E CYRILLIC SMALL LETTER O looks like "o" */
	assert_cause(MATCH_EXACT, "hello\n", "hell\xd0\xbe\n",
		     "your \"\xd0\xbe\" is U+043E CYRILLIC SMALL LETTER O, not the ASCII \"o\" "
		     "that was expected");
	assert_cause(MATCH_EXACT, "1\xe2\x80\x93" "2", "1-2",
		     "the expected \"\xe2\x80\x93\" is U+2013 EN DASH; yours is the ASCII \"-\"");
	assert_cause(MATCH_EXACT, "a b", "a\xc2\xa0" "b",
		     "your \"<U+00A0>\" is U+00A0 NO-BREAK SPACE, not the ASCII \" \" that was "
		     "expected");
	assert_cause(MATCH_EXACT, "x", "\xf0\x9f\x98\x80",
		     "your \"\xf0\x9f\x98\x80\" is U+1F600, a character that is not ASCII, not the "
		     "ASCII \"x\" that was expected");
	assert_cause(MATCH_EXACT, "Total: 3\n", "total: 3\n",
		     "line 1 differs only in upper and lower case");
	assert_cause(MATCH_TOKENS, "1.5 2", "1.50 2",
		     "the same number written differently: expected 1.5, got 1.50");
	assert_cause(MATCH_EXACT, "x = 1000\n", "x = 1e3\n",
		     "the same number written differently: expected 1000, got 1e3");
	/* a real difference has no cause */
	assert_cause(MATCH_EXACT, "x = 1000\n", "x = 1001\n", NULL);
	assert_cause(MATCH_EXACT, "Fizz\n", "Buzz\n", NULL);
}
END_TEST

/* A real ·, →, ␍ or … is shown by its code point; the legend names the
 * marks a diff uses. */
START_TEST(test_visible_marks)
{
	char *v = match_visible("a\xc2\xb7 b ", 6, 0);
	ck_assert_str_eq(v, "a<U+00B7> b·");
	free(v);
	v = match_visible("\xe2\x86\x92\t", 4, 0);
	ck_assert_str_eq(v, "<U+2192>→");
	free(v);
	const char *texts[] = {"ab·", NULL, "x→y"};
	char *l = match_visible_legend(texts, 3);
	ck_assert_str_eq(l, "· a space at the end of a line, → a tab");
	free(l);
	const char *plain[] = {"abc", "d e"};
	ck_assert_ptr_null(match_visible_legend(plain, 2));
	const char *odd[] = {"a<U+00B7>\\xFF␍"};
	l = match_visible_legend(odd, 1);
	ck_assert_str_eq(l, "␍ a carriage return (\\r), <U+XXXX> an invisible character, or a "
			    "real ·, →, ␍ or …, by its code point, \\xNN a byte that is not "
			    "UTF-8");
	free(l);
}
END_TEST

START_TEST(test_exact_lengths)
{
	struct strbuf e = {0}, a = {0};
	for (int i = 1; i <= 15; i++) {
		sb_addf(&e, "%d\n", i);
		if (i < 15)
			sb_addf(&a, "%d\n", i);
	}
	struct match_diff *d;
	ck_assert_int_eq(run(MATCH_EXACT, e.buf, a.buf, a.len, &d), 0);
	ck_assert_str_eq(d->summary, "output ended after line 14; expected 15 lines");
	ck_assert_int_eq(d->line, 15);
	ck_assert_str_eq(d->expected_excerpt, "15");
	ck_assert_ptr_null(d->actual_excerpt);
	ck_assert_ptr_nonnull(strstr(d->unified, "@@ -12,4 +12,3 @@\n 12\n 13\n 14\n-15\n"));
	match_diff_free(d);

	ck_assert_int_eq(run(MATCH_EXACT, a.buf, e.buf, e.len, &d), 0);
	ck_assert_str_eq(d->summary, "unexpected output after line 14 (expected 14 lines, got 15)");
	ck_assert_str_eq(d->actual_excerpt, "15");
	match_diff_free(d);

	ck_assert_int_eq(runs(MATCH_EXACT, "x\n", "", &d), 0);
	ck_assert_str_eq(d->summary, "output is empty; expected 1 line");
	match_diff_free(d);
	ck_assert_int_eq(runs(MATCH_EXACT, "", "x\ny\n", &d), 0);
	ck_assert_str_eq(d->summary, "expected no output; got 2 lines");
	match_diff_free(d);
	ck_assert_int_eq(runs(MATCH_EXACT, "abc", "ab", &d), 0);
	ck_assert_str_eq(d->summary,
			 "line 1, column 3: expected \"abc\", got \"ab\" (end of output)");
	match_diff_free(d);
	sb_free(&e);
	sb_free(&a);
}
END_TEST

START_TEST(test_ignore_case)
{
	struct matcher m;
	matcher_init_text(&m, MATCH_EXACT, "Hello World\n", 12);
	m.ignore_case = 1;
	ck_assert_int_eq(match_run(&m, "hELLO wORLD\n", 12, NULL), 1);
	ck_assert_int_eq(match_run(&m, "hELLO wORLDs\n", 13, NULL), 0);
	matcher_free(&m);

	matcher_init_text(&m, MATCH_REGEX, "^fizz$", 6);
	m.ignore_case = 1;
	ck_assert_int_eq(matcher_prepare(&m), 0);
	ck_assert_int_eq(match_run(&m, "1\nFIZZ\n", 7, NULL), 1);
	matcher_free(&m);
}
END_TEST

/* ---- trim ---- */

START_TEST(test_trim)
{
	struct match_diff *d;
	ck_assert_int_eq(runs(MATCH_TRIM, "hello world", "\n  hello world \n\n", NULL), 1);
	ck_assert_int_eq(runs(MATCH_TRIM, "  a\nb\n", "a\nb", NULL), 1);
	ck_assert_int_eq(runs(MATCH_TRIM, "a b", "a  b", &d), 0);
	ck_assert_int_eq(d->line, 1);
	ck_assert_int_eq(d->col, 3);
	match_diff_free(d);
	/* positions point into the output as written */
	ck_assert_int_eq(runs(MATCH_TRIM, "x\ny", "\n\n  x\nz\n", &d), 0);
	ck_assert_int_eq(d->line, 4);
	ck_assert_int_eq(d->col, 1);
	ck_assert_str_eq(d->summary, "line 4, column 1: expected \"y\", got \"z\"");
	match_diff_free(d);
	ck_assert_int_eq(runs(MATCH_TRIM, "x", " \n\t", &d), 0);
	ck_assert_str_eq(d->summary, "output is empty (or only whitespace)");
	match_diff_free(d);
}
END_TEST

/* ---- lines ---- */

START_TEST(test_lines_pass)
{
	const char *e = "a\n  b\nc\n";
	ck_assert_int_eq(runs(MATCH_LINES, e, "a\n  b\nc\n", NULL), 1);
	ck_assert_int_eq(runs(MATCH_LINES, e, "a  \n  b\t\nc", NULL), 1);
	ck_assert_int_eq(runs(MATCH_LINES, e, "a\r\n  b\r\nc\r\n", NULL), 1);
	ck_assert_int_eq(runs(MATCH_LINES, e, "a\n  b\nc\n\n\n   \n", NULL), 1);
	ck_assert_int_eq(runs(MATCH_LINES, "", "\n\n", NULL), 1);
	/* leading whitespace and blank lines in the middle count */
	ck_assert_int_eq(runs(MATCH_LINES, e, "a\nb\nc\n", NULL), 0);
	ck_assert_int_eq(runs(MATCH_LINES, e, "a\n\n  b\nc\n", NULL), 0);
	ck_assert_int_eq(runs(MATCH_LINES, e, "\na\n  b\nc\n", NULL), 0);
}
END_TEST

START_TEST(test_lines_fail)
{
	struct match_diff *d;
	ck_assert_int_eq(runs(MATCH_LINES, "1\n2\nFizz\n4\n", "1  \n2\nFuzz\n4\n", &d), 0);
	ck_assert_int_eq(d->line, 3);
	ck_assert_int_eq(d->col, 2);
	ck_assert_str_eq(d->summary, "line 3, column 2: expected \"Fizz\", got \"Fuzz\"");
	ck_assert_str_eq(d->expected_excerpt, "Fizz");
	ck_assert_str_eq(d->actual_excerpt, "Fuzz");
	/* the trailing spaces of line 1 are not a difference in the diff either */
	ck_assert_str_eq(d->unified, "--- expected\n+++ actual\n@@ -1,4 +1,4 @@\n 1··\n 2\n"
				     "-Fizz\n+Fuzz\n 4\n");
	match_diff_free(d);

	ck_assert_int_eq(runs(MATCH_LINES, "a\nb\nc\n", "a\nb\n\n", &d), 0);
	ck_assert_str_eq(d->summary, "output ended after line 2; expected 3 lines");
	ck_assert_int_eq(d->line, 3);
	ck_assert_str_eq(d->expected_excerpt, "c");
	match_diff_free(d);

	ck_assert_int_eq(runs(MATCH_LINES, "a\n", "a\nb\nc\n", &d), 0);
	ck_assert_str_eq(d->summary, "unexpected output after line 1 (expected 1 line, got 3)");
	ck_assert_str_eq(d->actual_excerpt, "b");
	match_diff_free(d);

	ck_assert_int_eq(runs(MATCH_LINES, "a\nb\n", " \n", &d), 0);
	ck_assert_str_eq(d->summary, "output is empty; expected 2 lines");
	match_diff_free(d);

	ck_assert_int_eq(runs(MATCH_LINES, "abc\nx\n", "ab \nx\n", &d), 0);
	ck_assert_str_eq(d->summary, "line 1, column 3: expected \"abc\", got \"ab\"");
	match_diff_free(d);
	ck_assert_int_eq(runs(MATCH_LINES, "abc\n", "ab\n", &d), 0);
	ck_assert_str_eq(d->summary,
			 "line 1, column 3: expected \"abc\", got \"ab\" (end of output)");
	match_diff_free(d);
}
END_TEST

/* ---- unordered_lines ---- */

START_TEST(test_unordered_lines)
{
	struct match_diff *d;
	ck_assert_int_eq(runs(MATCH_UNORDERED_LINES, "b\na\nc\n", "c\na  \nb", NULL), 1);
	ck_assert_int_eq(runs(MATCH_UNORDERED_LINES, "a\na\nb\n", "a\nb\na\n\n", NULL), 1);
	ck_assert_int_eq(runs(MATCH_UNORDERED_LINES, "a\na\nb\n", "a\nb\nb\n", &d), 0);
	ck_assert_str_eq(d->summary,
			 "1 expected line missing, 1 unexpected line (order ignored): missing "
			 "\"a\", unexpected \"b\"");
	ck_assert_str_eq(d->expected_excerpt, "a");
	ck_assert_str_eq(d->actual_excerpt, "b");
	ck_assert_int_eq(d->line, 3);
	match_diff_free(d);

	ck_assert_int_eq(runs(MATCH_UNORDERED_LINES, "x\ny\nz\n", "z\n", &d), 0);
	ck_assert_str_eq(d->summary, "2 expected lines missing (order ignored): missing \"x\"");
	ck_assert_str_eq(d->expected_excerpt, "x\ny");
	ck_assert_ptr_null(d->actual_excerpt);
	ck_assert_int_eq(d->line, 0);
	match_diff_free(d);

	struct matcher m;
	matcher_init_text(&m, MATCH_UNORDERED_LINES, "B\nA\n", 4);
	m.ignore_case = 1;
	ck_assert_int_eq(match_run(&m, "a\nb\n", 4, NULL), 1);
	matcher_free(&m);
}
END_TEST

/* ---- tokens ---- */

START_TEST(test_tokens)
{
	struct match_diff *d;
	ck_assert_int_eq(runs(MATCH_TOKENS, "1 2 3\n4", "  1\n2\t3 4  \n", NULL), 1);
	ck_assert_int_eq(runs(MATCH_TOKENS, "", "  \n", NULL), 1);
	ck_assert_int_eq(runs(MATCH_TOKENS, "1 2 Fizz 4", "1 2\nfizz 4", &d), 0);
	ck_assert_int_eq(d->token, 3);
	ck_assert_int_eq(d->line, 2);
	ck_assert_int_eq(d->col, 1);
	ck_assert_str_eq(d->summary, "token 3 (line 2, column 1): expected \"Fizz\", got \"fizz\"");
	ck_assert_str_eq(d->actual_excerpt, "fizz 4 (no newline at end)");
	match_diff_free(d);

	ck_assert_int_eq(runs(MATCH_TOKENS, "a b c d", "a b", &d), 0);
	ck_assert_int_eq(d->token, 3);
	ck_assert_str_eq(d->summary, "output ended after 2 tokens; expected 4, next \"c\"");
	match_diff_free(d);

	ck_assert_int_eq(runs(MATCH_TOKENS, "a", "a b", &d), 0);
	ck_assert_int_eq(d->token, 2);
	ck_assert_str_eq(d->summary,
			 "unexpected extra token 2 \"b\" (line 1, column 3); expected 1 token");
	match_diff_free(d);
	/* a token is not a prefix match */
	ck_assert_int_eq(runs(MATCH_TOKENS, "ab", "abc", NULL), 0);
}
END_TEST

/* ---- regex ---- */

START_TEST(test_regex)
{
	struct match_diff *d;
	ck_assert_int_eq(runs(MATCH_REGEX, "^ok [0-9]+$", "start\nok 42\nend\n", NULL), 1);
	ck_assert_int_eq(runs(MATCH_REGEX, "ok [0-9]+", "it is ok 7 now", NULL), 1);
	ck_assert_int_eq(runs(MATCH_REGEX, "^ok$", "not ok\n", NULL), 0);
	/* '.' does not cross a newline (REG_NEWLINE) */
	ck_assert_int_eq(runs(MATCH_REGEX, "a.b", "a\nb", NULL), 0);
	ck_assert_int_eq(runs(MATCH_REGEX, "(cat|dog)s?$", "hotdogs\n", NULL), 1);
	/* the whole output is searched, NULs included */
	ck_assert_int_eq(run(MATCH_REGEX, "^tail$", "head\0\ntail\n", 11, NULL), 1);
	ck_assert_int_eq(runs(MATCH_REGEX, "^x*$", "", NULL), 1);

	ck_assert_int_eq(runs(MATCH_REGEX, "^ok [0-9]+$", "ok x\n", &d), 0);
	ck_assert_str_eq(d->summary,
			 "output does not match the regular expression \"^ok [0-9]+$\"");
	ck_assert_str_eq(d->expected_excerpt, "^ok [0-9]+$");
	ck_assert_str_eq(d->actual_excerpt, "ok x\n");
	match_diff_free(d);
}
END_TEST

START_TEST(test_regex_bad_pattern)
{
	struct matcher m;
	matcher_init_text(&m, MATCH_REGEX, "a(b", 3);
	ck_assert_ptr_null(m.regex);
	ck_assert_ptr_nonnull(m.error);
	ck_assert_ptr_nonnull(strstr(m.error, "bad regular expression \"a(b\": "));
	struct match_diff *d;
	ck_assert_int_eq(match_run(&m, "ab", 2, &d), -1);
	ck_assert_str_eq(d->summary, m.error);
	match_diff_free(d);
	matcher_free(&m);
}
END_TEST

/* ---- contains ---- */

START_TEST(test_contains)
{
	struct match_diff *d;
	ck_assert_int_eq(runs(MATCH_CONTAINS, "Fizz", "1\n2\nFizz\n", NULL), 1);
	ck_assert_int_eq(runs(MATCH_CONTAINS, "", "anything", NULL), 1);
	ck_assert_int_eq(run(MATCH_CONTAINS, "b", "a\0b", 3, NULL), 1);
	ck_assert_int_eq(runs(MATCH_CONTAINS, "Fizz", "1\n2\nfizz\n", &d), 0);
	ck_assert_str_eq(d->summary, "output does not contain \"Fizz\"");
	ck_assert_str_eq(d->actual_excerpt, "1\n2\nfizz\n");
	match_diff_free(d);

	struct matcher m;
	matcher_init_text(&m, MATCH_CONTAINS, "FIZZ", 4);
	m.ignore_case = 1;
	ck_assert_int_eq(match_run(&m, "1\n2\nfizz\n", 9, NULL), 1);
	matcher_free(&m);
}
END_TEST

/* ---- negation ---- */

START_TEST(test_negation)
{
	struct matcher m;
	struct match_diff *d;
	matcher_init_text(&m, MATCH_CONTAINS, "password", 8);
	m.negate = 1;
	ck_assert_int_eq(match_run(&m, "all good\n", 9, &d), 1);
	ck_assert_ptr_null(d);
	ck_assert_int_eq(match_run(&m, "ok\nmy password is\n", 18, &d), 0);
	ck_assert_str_eq(d->summary, "output unexpectedly matched the text \"password\" at line 2, "
				     "column 4");
	ck_assert_int_eq(d->line, 2);
	ck_assert_int_eq(d->col, 4);
	ck_assert_str_eq(d->actual_excerpt, "my password is");
	match_diff_free(d);
	matcher_free(&m);

	matcher_init_text(&m, MATCH_REGEX, "^Traceback", 10);
	m.negate = 1;
	ck_assert_int_eq(match_run(&m, "x\nTraceback (most recent call last):\n", 36, &d), 0);
	ck_assert_str_eq(d->summary, "output unexpectedly matched the regular expression "
				     "\"^Traceback\" at line 2, column 1");
	match_diff_free(d);
	matcher_free(&m);

	matcher_init_text(&m, MATCH_EXACT, "", 0);
	m.negate = 1;
	ck_assert_int_eq(match_run(&m, "", 0, &d), 0);
	ck_assert_str_eq(d->summary, "output unexpectedly matched the expected text exactly");
	match_diff_free(d);
	ck_assert_int_eq(match_run(&m, "x", 1, NULL), 1);
	matcher_free(&m);

	/* a matcher that cannot run stays an error when negated */
	matcher_init_text(&m, MATCH_REGEX, "[", 1);
	m.negate = 1;
	ck_assert_int_eq(match_run(&m, "x", 1, &d), -1);
	ck_assert_ptr_nonnull(strstr(d->summary, "bad regular expression"));
	match_diff_free(d);
	matcher_free(&m);
}
END_TEST

/* ---- number ---- */

static int num(const char *expected, double abs_tol, double rel_tol, const char *actual,
	       struct match_diff **d)
{
	struct matcher m;
	matcher_init_text(&m, MATCH_NUMBER, expected, strlen(expected));
	m.abs_tol = abs_tol;
	m.rel_tol = rel_tol;
	int rc = match_run(&m, actual, strlen(actual), d);
	matcher_free(&m);
	return rc;
}

START_TEST(test_number)
{
	struct match_diff *d;
	ck_assert_int_eq(num("3.5", 0, 0, "  3.5\n", NULL), 1);
	ck_assert_int_eq(num("3.5", 0, 0, "3.50", NULL), 1);
	ck_assert_int_eq(num("3.5", 0, 0, "35e-1", NULL), 1);
	ck_assert_int_eq(num("0", 0, 0, "-0", NULL), 1);
	/* no tolerance: exact equality of the values */
	ck_assert_int_eq(num("0.1", 0, 0, "0.1000000001", NULL), 0);
	/* absolute tolerance: the edge passes, just past it fails */
	ck_assert_int_eq(num("10", 0.5, 0, "10.5", NULL), 1);
	ck_assert_int_eq(num("10", 0.5, 0, "9.5", NULL), 1);
	ck_assert_int_eq(num("10", 0.5, 0, "10.5000001", NULL), 0);
	/* relative tolerance */
	ck_assert_int_eq(num("200", 0, 0.01, "202", NULL), 1);
	ck_assert_int_eq(num("200", 0, 0.01, "202.01", NULL), 0);
	ck_assert_int_eq(num("0", 0, 0.5, "0.0001", NULL), 0);
	/* either tolerance is enough */
	ck_assert_int_eq(num("1000", 0.1, 0.01, "1009", NULL), 1);
	ck_assert_int_eq(num("0", 0.1, 0.01, "0.05", NULL), 1);
	/* NaN and infinities */
	ck_assert_int_eq(num("nan", 0, 0, "NaN", NULL), 1);
	ck_assert_int_eq(num("nan", 1e9, 0, "1", NULL), 0);
	ck_assert_int_eq(num("1", 1e9, 0, "nan", NULL), 0);
	ck_assert_int_eq(num("inf", 0, 0, "Infinity", NULL), 1);
	ck_assert_int_eq(num("inf", 1e300, 1, "-inf", NULL), 0);
	ck_assert_int_eq(num("1e308", 1e300, 1, "inf", NULL), 0);
	/* not numbers */
	ck_assert_int_eq(num("16", 0, 0, "0x10", NULL), 0);
	ck_assert_int_eq(num("1", 0, 0, "1 2", NULL), 0);
	ck_assert_int_eq(num("1", 0, 0, "1,0", NULL), 0);

	ck_assert_int_eq(num("3.14159", 0.001, 0, "3.2\n", &d), 0);
	ck_assert_int_eq(d->has_numeric, 1);
	ck_assert_double_eq(d->expected_number, 3.14159);
	ck_assert_double_eq(d->actual_number, 3.2);
	ck_assert_double_eq_tol(d->abs_error, 0.05841, 1e-9);
	ck_assert_double_eq_tol(d->rel_error, 0.05841 / 3.14159, 1e-9);
	ck_assert_str_eq(d->summary, "expected 3.14159 (within 0.001), got \"3.2\": off by "
				     "0.05841 (relative error 0.0185925)");
	match_diff_free(d);

	ck_assert_int_eq(num("0", 0, 0, "1", &d), 0);
	ck_assert(isinf(d->rel_error));
	match_diff_free(d);

	ck_assert_int_eq(num("42", 0, 0, "forty-two\n", &d), 0);
	ck_assert_int_eq(d->has_numeric, 0);
	ck_assert_str_eq(d->summary, "expected a number (42), got \"forty-two\"");
	match_diff_free(d);
	ck_assert_int_eq(num("42", 0, 0, "", &d), 0);
	ck_assert_str_eq(d->summary, "expected a number (42), got no output");
	match_diff_free(d);

	/* expected text that is not a number cannot run */
	ck_assert_int_eq(num("four", 0, 0, "4", &d), -1);
	ck_assert_str_eq(d->summary, "expected value \"four\" is not a number");
	match_diff_free(d);
}
END_TEST

/* ---- json ---- */

static int js(const char *expected, int subset, const char *actual, struct match_diff **d)
{
	struct matcher m;
	matcher_init_text(&m, MATCH_JSON, expected, strlen(expected));
	m.json_subset = subset;
	int rc = match_run(&m, actual, strlen(actual), d);
	matcher_free(&m);
	return rc;
}

START_TEST(test_json_equal)
{
	struct match_diff *d;
	ck_assert_int_eq(js("{\"a\": 1, \"b\": [true, null, \"x\"]}", 0,
			    "{\"b\":[true,null,\"x\"],\"a\":1.0}\n", NULL),
			 1);
	ck_assert_int_eq(js("[]", 0, " [ ] ", NULL), 1);
	ck_assert_int_eq(js("{\"a\": 1}", 0, "{\"a\": 1, \"b\": 2}", &d), 0);
	ck_assert_str_eq(d->json_path, "$.b");
	ck_assert_str_eq(d->summary, "$.b is not expected (got 2)");
	match_diff_free(d);

	ck_assert_int_eq(
	    js("{\"items\": [{\"name\": \"a\"}, {\"name\": \"b\"}, {\"name\": \"Bob\"}]}", 0,
	       "{\"items\": [{\"name\": \"a\"}, {\"name\": \"b\"}, {\"name\": \"bob\"}]}", &d),
	    0);
	ck_assert_str_eq(d->json_path, "$.items[2].name");
	ck_assert_str_eq(d->summary, "$.items[2].name: expected \"Bob\", got \"bob\"");
	ck_assert_str_eq(d->expected_excerpt, "\"Bob\"");
	ck_assert_str_eq(d->actual_excerpt, "\"bob\"");
	match_diff_free(d);

	ck_assert_int_eq(js("{\"n\": [1, 2, 3]}", 0, "{\"n\": [1, 2]}", &d), 0);
	ck_assert_str_eq(d->json_path, "$.n");
	ck_assert_str_eq(d->summary, "$.n has 2 elements; expected 3");
	match_diff_free(d);

	ck_assert_int_eq(js("{\"odd key\": 1}", 0, "{\"odd key\": \"1\"}", &d), 0);
	ck_assert_str_eq(d->json_path, "$[\"odd key\"]");
	ck_assert_str_eq(d->summary, "$[\"odd key\"]: expected 1, got \"1\"");
	match_diff_free(d);

	ck_assert_int_eq(js("{\"a\": 1.5}", 0, "{\"a\": 2}", &d), 0);
	ck_assert_int_eq(d->has_numeric, 1);
	ck_assert_double_eq(d->abs_error, 0.5);
	match_diff_free(d);

	ck_assert_int_eq(js("{\"a\": true}", 0, "{\"a\": false}", &d), 0);
	ck_assert_str_eq(d->summary, "$.a: expected true, got false");
	match_diff_free(d);

	ck_assert_int_eq(js("{\"a\": 1}", 0, "{\"a\": 1, \"a\": 1}", &d), 0);
	ck_assert_str_eq(d->summary, "$ has the key \"a\" more than once");
	match_diff_free(d);
}
END_TEST

START_TEST(test_json_subset)
{
	struct match_diff *d;
	ck_assert_int_eq(js("{\"ok\": true}", 1, "{\"ok\": true, \"extra\": [1, 2]}", NULL), 1);
	ck_assert_int_eq(
	    js("{\"u\": {\"id\": 1}}", 1, "{\"u\": {\"id\": 1, \"name\": \"x\"}}", NULL), 1);
	/* arrays are compared element by element, same length, objects inside as subsets */
	ck_assert_int_eq(js("[{\"id\": 1}]", 1, "[{\"id\": 1, \"x\": 0}]", NULL), 1);
	ck_assert_int_eq(js("[1]", 1, "[1, 2]", NULL), 0);
	ck_assert_int_eq(js("{\"u\": {\"id\": 1}}", 1, "{\"u\": {\"name\": \"x\"}}", &d), 0);
	ck_assert_str_eq(d->json_path, "$.u.id");
	ck_assert_str_eq(d->summary, "$.u.id is missing; expected 1");
	ck_assert_ptr_null(d->actual_excerpt);
	match_diff_free(d);

	struct matcher m;
	matcher_init_text(&m, MATCH_JSON, "{\"pi\": 3.14159}", 15);
	m.abs_tol = 1e-3;
	ck_assert_int_eq(match_run(&m, "{\"pi\": 3.1418}", 14, NULL), 1);
	ck_assert_int_eq(match_run(&m, "{\"pi\": 3.15}", 12, NULL), 0);
	matcher_free(&m);
}
END_TEST

START_TEST(test_json_whole_diff)
{
	struct match_diff *d;
	/* every difference at once, keys sorted on both sides */
	ck_assert_int_eq(js("{\"name\": \"pen\", \"price\": 1.5, \"tags\": [\"a\"]}", 0,
			    "{\"tags\": [\"a\", \"b\"], \"price\": \"1.5\", \"name\": \"pen\"}", &d),
			 0);
	ck_assert_str_eq(d->json_path, "$.price");
	ck_assert_ptr_nonnull(d->unified);
	ck_assert_ptr_nonnull(strstr(d->unified, "-  \"price\": 1.5,\n"));
	ck_assert_ptr_nonnull(strstr(d->unified, "+  \"price\": \"1.5\",\n"));
	ck_assert_ptr_nonnull(strstr(d->unified, "+  \"tags\": [\"a\", \"b\"]\n"));
	ck_assert_ptr_nonnull(strstr(d->unified, "   \"name\": \"pen\",\n"));
	match_diff_free(d);
	/* subset: the keys the expected document does not name stay out */
	ck_assert_int_eq(js("{\"u\": {\"id\": 1}}", 1,
			    "{\"u\": {\"id\": 2, \"secret_extra\": \"x\"}, \"other\": 0}", &d),
			 0);
	ck_assert_ptr_nonnull(d->unified);
	ck_assert_ptr_nonnull(strstr(d->unified, "+    \"id\": 2\n"));
	ck_assert_ptr_nonnull(strstr(d->unified, "-    \"id\": 1\n"));
	ck_assert_ptr_null(strstr(d->unified, "secret_extra"));
	ck_assert_ptr_null(strstr(d->unified, "other"));
	match_diff_free(d);
	/* scalars: the summary says it all */
	ck_assert_int_eq(js("1", 0, "2", &d), 0);
	ck_assert_ptr_null(d->unified);
	match_diff_free(d);
}
END_TEST

START_TEST(test_json_invalid)
{
	struct match_diff *d;
	/* cJSON stops just past the offending character */
	ck_assert_int_eq(js("{}", 0, "{\n  \"a\": 1,\n  oops\n}", &d), 0);
	ck_assert_int_eq(d->line, 3);
	ck_assert_int_eq(d->col, 4);
	ck_assert_str_eq(d->summary, "output is not valid JSON: parsing stopped at line 3, "
				     "column 4");
	ck_assert_str_eq(d->actual_excerpt, "  oops");
	match_diff_free(d);

	ck_assert_int_eq(js("{}", 0, "{} {}", &d), 0);
	ck_assert_int_eq(d->col, 4);
	match_diff_free(d);
	ck_assert_int_eq(js("{}", 0, "  \n", &d), 0);
	ck_assert_str_eq(d->summary, "output is empty; expected a JSON document");
	match_diff_free(d);
	ck_assert_int_eq(run(MATCH_JSON, "{}", "{}\0", 3, NULL), 0);

	/* an expected document that is not JSON cannot run */
	ck_assert_int_eq(js("{\"a\": }", 0, "{}", &d), -1);
	ck_assert_str_eq(d->summary,
			 "expected value is not valid JSON (parsing stopped at line 1, column 7)");
	match_diff_free(d);
}
END_TEST

/* ---- unified diff ---- */

START_TEST(test_unified_basic)
{
	char *u = text_unified_diff("a\nb\n", 4, "a\nb\n", 4, "e", "a", 0);
	ck_assert_str_eq(u, "");
	free(u);
	u = text_unified_diff("a\nb\nc\n", 6, "a\nB\nc\n", 6, "want", "got", 0);
	ck_assert_str_eq(u, "--- want\n+++ got\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
	free(u);
	u = text_unified_diff("", 0, "x\n", 2, "e", "a", 0);
	ck_assert_str_eq(u, "--- e\n+++ a\n@@ -0,0 +1,1 @@\n+x\n");
	free(u);
	u = text_unified_diff("x", 1, "x\n", 2, "e", "a", 0);
	ck_assert_str_eq(u,
			 "--- e\n+++ a\n@@ -1,1 +1,1 @@\n-x\n\\ No newline at end of file\n+x\n");
	free(u);
	u = text_unified_diff("a\tb\n", 4, "a b \n", 5, "e", "a", 0);
	ck_assert_str_eq(u, "--- e\n+++ a\n@@ -1,1 +1,1 @@\n-a→b\n+a b·\n");
	free(u);
}
END_TEST

START_TEST(test_unified_hunks)
{
	struct strbuf a = {0}, b = {0};
	for (int i = 1; i <= 30; i++) {
		sb_addf(&a, "%d\n", i);
		if (i == 5)
			sb_adds(&b, "five\n");
		else if (i != 25)
			sb_addf(&b, "%d\n", i);
	}
	char *u = text_unified_diff(a.buf, a.len, b.buf, b.len, "e", "a", 0);
	ck_assert_str_eq(u, "--- e\n+++ a\n"
			    "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
			    "@@ -22,7 +22,6 @@\n 22\n 23\n 24\n-25\n 26\n 27\n 28\n");
	free(u);
	/* changes 6 lines apart share one hunk */
	sb_free(&b);
	for (int i = 1; i <= 30; i++)
		sb_addf(&b, "%s\n", i == 5 || i == 12 ? "x" : "");
	sb_free(&a);
	for (int i = 1; i <= 30; i++)
		sb_adds(&a, "\n");
	u = text_unified_diff(a.buf, a.len, b.buf, b.len, "e", "a", 0);
	ck_assert_ptr_nonnull(strstr(u, "@@ -2,14 +2,14 @@\n"));
	ck_assert_ptr_null(strstr(u + 1, "\n@@ -1"));
	free(u);
	sb_free(&a);
	sb_free(&b);
}
END_TEST

START_TEST(test_unified_truncated)
{
	struct strbuf a = {0}, b = {0};
	for (int i = 0; i < 1000; i++) {
		sb_addf(&a, "line %d\n", i);
		sb_addf(&b, "LINE %d\n", i);
	}
	char *u = text_unified_diff(a.buf, a.len, b.buf, b.len, "e", "a", 500);
	size_t n = strlen(u);
	ck_assert_uint_le(n, 500 + strlen("... diff truncated\n"));
	ck_assert_str_eq(u + n - strlen("... diff truncated\n"), "... diff truncated\n");
	ck_assert_ptr_nonnull(strstr(u, "@@ -1,1000 +1,1000 @@\n-line 0\n"));
	free(u);
	sb_free(&a);
	sb_free(&b);
}
END_TEST


START_TEST(test_unified_large)
{
	/* 10,000 lines with scattered changes, then two unrelated texts */
	struct strbuf a = {0}, b = {0}, c = {0};
	for (int i = 0; i < 10000; i++) {
		sb_addf(&a, "%d\n", i);
		sb_addf(&b, i % 97 == 0 ? "changed %d\n" : "%d\n", i);
		sb_addf(&c, "other %d\n", i * 7);
	}
	char *u = text_unified_diff(a.buf, a.len, b.buf, b.len, "e", "a", 1 << 20);
	ck_assert_ptr_nonnull(strstr(u, "@@ -95,7 +95,7 @@\n 94\n 95\n 96\n-97\n+changed 97\n"));
	ck_assert_ptr_null(strstr(u, "truncated"));
	free(u);
	u = text_unified_diff(a.buf, a.len, c.buf, c.len, "e", "a", 4096);
	ck_assert_ptr_nonnull(strstr(u, "... diff truncated\n"));
	free(u);
	sb_free(&a);
	sb_free(&b);
	sb_free(&c);
}
END_TEST

START_TEST(test_large_outputs)
{
	/* several MiB, NULs included: every matcher stays linear-ish */
	size_t n = 6u << 20;
	char *big = xmalloc(n);
	for (size_t i = 0; i < n; i++)
		big[i] = i % 64 == 63 ? '\n' : i % 7 == 0 ? '\0' : (char)('a' + i % 26);
	enum match_kind kinds[] = {MATCH_EXACT,           MATCH_TRIM,   MATCH_LINES,
				   MATCH_UNORDERED_LINES, MATCH_TOKENS, MATCH_REGEX,
				   MATCH_CONTAINS,        MATCH_NUMBER, MATCH_JSON};
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		struct match_diff *d;
		const char *e = kinds[k] == MATCH_JSON     ? "{}"
				: kinds[k] == MATCH_NUMBER ? "1"
							   : "zz";
		ck_assert_int_eq(run(kinds[k], e, big, n, &d), 0);
		ck_assert_ptr_nonnull(d->summary);
		if (d->unified)
			ck_assert_uint_le(strlen(d->unified), 17000);
		if (d->actual_excerpt)
			ck_assert_msg(strlen(d->actual_excerpt) <= 3000, "%s: excerpt of %zu bytes",
				      match_kind_name(kinds[k]), strlen(d->actual_excerpt));
		ck_assert_uint_le(strlen(d->summary), 1000);
		match_diff_free(d);
	}
	/* the same big text against itself */
	struct matcher m;
	matcher_init_text(&m, MATCH_LINES, big, n);
	ck_assert_int_eq(match_run(&m, big, n, NULL), 1);
	matcher_free(&m);
	free(big);
}
END_TEST

static Suite *match_suite(void)
{
	Suite *s = suite_create("match");
	TCase *tc = tcase_create("matchers");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_visible);
	tcase_add_test(tc, test_exact_pass);
	tcase_add_test(tc, test_exact_first_divergence);
	tcase_add_test(tc, test_exact_invisible_differences);
	tcase_add_test(tc, test_exact_lengths);
	tcase_add_test(tc, test_causes);
	tcase_add_test(tc, test_visible_head);
	tcase_add_test(tc, test_visible_marks);
	tcase_add_test(tc, test_ignore_case);
	tcase_add_test(tc, test_trim);
	tcase_add_test(tc, test_lines_pass);
	tcase_add_test(tc, test_lines_fail);
	tcase_add_test(tc, test_unordered_lines);
	tcase_add_test(tc, test_tokens);
	tcase_add_test(tc, test_regex);
	tcase_add_test(tc, test_regex_bad_pattern);
	tcase_add_test(tc, test_contains);
	tcase_add_test(tc, test_negation);
	tcase_add_test(tc, test_number);
	tcase_add_test(tc, test_json_equal);
	tcase_add_test(tc, test_json_subset);
	tcase_add_test(tc, test_json_whole_diff);
	tcase_add_test(tc, test_json_invalid);
	tcase_add_test(tc, test_unified_basic);
	tcase_add_test(tc, test_unified_hunks);
	tcase_add_test(tc, test_unified_truncated);
	tcase_add_test(tc, test_unified_large);
	tcase_add_test(tc, test_large_outputs);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(match_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
