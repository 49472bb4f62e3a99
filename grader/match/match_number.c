/*
 * match_number.c - the number matcher: the whole output (surrounding
 * whitespace ignored) must be one number within an absolute or relative
 * tolerance of the expected value. Its diff carries both values and the
 * absolute and relative errors.
 */
#include "match_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grader/util/util.h"

/* Longer than any number a program prints on purpose. */
#define NUMBER_TEXT_MAX 400

int match_parse_number(const char *s, size_t len, double *out)
{
	size_t end = text_lines_end(s, len), start = 0;
	while (start < end && text_is_space((unsigned char)s[start]))
		start++;
	size_t n = end - start;
	if (n == 0 || n > NUMBER_TEXT_MAX || memchr(s + start, '\0', n))
		return -1;
	char buf[NUMBER_TEXT_MAX + 1];
	memcpy(buf, s + start, n);
	buf[n] = '\0';
	const char *digits = buf + (buf[0] == '+' || buf[0] == '-');
	if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
		return -1;
	char *stop;
	double v = strtod(buf, &stop);
	if (stop != buf + n)
		return -1;
	*out = v;
	return 0;
}

int match_number_close(double expected, double actual, double abs_tol, double rel_tol)
{
	if (isnan(expected) || isnan(actual))
		return isnan(expected) && isnan(actual);
	if (isinf(expected) || isinf(actual))
		return expected == actual;
	if (expected == actual)
		return 1;
	double err = fabs(actual - expected);
	return err <= abs_tol || err <= rel_tol * fabs(expected);
}

static char *tolerance_text(const struct matcher *m)
{
	if (m->abs_tol > 0 && m->rel_tol > 0)
		return xasprintf(" (within %g, or %g relative)", m->abs_tol, m->rel_tol);
	if (m->abs_tol > 0)
		return xasprintf(" (within %g)", m->abs_tol);
	if (m->rel_tol > 0)
		return xasprintf(" (within %g relative)", m->rel_tol);
	return xstrdup("");
}

/* The output as the learner wrote it, trimmed and quoted. */
static char *actual_text(const char *a, size_t alen)
{
	size_t end = text_lines_end(a, alen), start = 0;
	while (start < end && text_is_space((unsigned char)a[start]))
		start++;
	if (start == end)
		return xstrdup("no output");
	char *vis = match_visible(a + start, end - start, MATCH_SNIPPET_MAX);
	char *q = xasprintf("\"%s\"", vis);
	free(vis);
	return q;
}

static struct match_diff *number_diff(const struct matcher *m, const char *a, size_t alen,
				      const double *actual)
{
	struct match_diff *d = diff_new();
	char *tol = tolerance_text(m), *got = actual_text(a, alen);
	d->expected_excerpt = match_visible(m->expected, m->expected_len, MATCH_EXCERPT_MAX);
	d->actual_excerpt = diff_line_excerpt(a, text_lines_end(a, alen), 0, 0);
	if (!actual) {
		diff_set_summary(d, "expected a number (%s%s), got %s", d->expected_excerpt, tol,
				 got);
	} else {
		double err = fabs(*actual - m->number);
		d->has_numeric = 1;
		d->expected_number = m->number;
		d->actual_number = *actual;
		d->abs_error = err;
		d->rel_error = m->number != 0 ? err / fabs(m->number) : err == 0 ? 0 : INFINITY;
		diff_set_summary(d, "expected %s%s, got %s: off by %g (relative error %g)",
				 d->expected_excerpt, tol, got, d->abs_error, d->rel_error);
	}
	free(tol);
	free(got);
	return d;
}

int match_number_run(const struct matcher *m, const char *actual, size_t len,
		     struct match_diff **diff)
{
	double v;
	if (match_parse_number(actual, len, &v) != 0) {
		if (diff)
			*diff = number_diff(m, actual, len, NULL);
		return 0;
	}
	if (match_number_close(m->number, v, m->abs_tol, m->rel_tol))
		return 1;
	if (diff)
		*diff = number_diff(m, actual, len, &v);
	return 0;
}
