/*
 * writers.h - one writer per output format (one file each in writers/),
 * and what they share: the audience view of a check, UTF-8 repair and
 * timestamps. report_write (report.c) picks the writer by name.
 */
#ifndef GRADER_WRITERS_H
#define GRADER_WRITERS_H

#include <stdio.h>
#include <time.h>

#include "../report.h"

/* What a writer may show of a check for an audience. For a learner and a
 * hidden check every detail is NULL and message says the check is
 * hidden; otherwise the fields point into the check (not owned). */
struct check_view {
	int redacted;
	const char *message, *input, *expected, *verdict;
	const struct match_diff *diff;
};
void report_check_view(const struct check_result *c, const struct write_opts *o,
		       struct check_view *v);

/* A copy of s that is valid UTF-8 (each bad byte becomes U+FFFD), or NULL
 * for NULL. The caller frees it. */
char *report_utf8(const char *s);
/* Which parts of a diff were cut at their caps (match.h keeps no flags;
 * the cut marks are recognised: a unified diff ending in "... diff
 * truncated", an excerpt with "…" where match_visible caps it). */
struct diff_truncation {
	int expected, actual, unified;
};
void report_diff_truncation(const struct match_diff *d, struct diff_truncation *t);
/* "2026-11-25T10:00:00Z" */
void report_iso8601(time_t t, char out[32]);

/* The JSON report as a cJSON tree (the caller deletes it). */
struct cJSON *report_to_json(const struct report *r, const struct write_opts *o);

int write_json(const struct report *r, const struct write_opts *o, FILE *out);
int write_text(const struct report *r, const struct write_opts *o, FILE *out);
int write_junit(const struct report *r, const struct write_opts *o, FILE *out);
int write_markdown(const struct report *r, const struct write_opts *o, FILE *out);
int write_gradescope(const struct report *r, const struct write_opts *o, FILE *out);
int write_exercism(const struct report *r, const struct write_opts *o, FILE *out);

#endif
