/*
 * writers.h - one writer per output format (one file each in writers/),
 * and what they share: the audience view of a check, UTF-8 repair and
 * timestamps. report_write (report.c) picks the writer by name.
 */
#ifndef GRADER_WRITERS_H
#define GRADER_WRITERS_H

#include <stdio.h>
#include <time.h>

#include "grader/report/report.h"

/* The one redaction rule: what a learner sees of a hidden check. It keeps
 * its name, status, points and visibility; everything that would reveal
 * its inputs or expectations is replaced by this message. */
#define REPORT_HIDDEN_MESSAGE "hidden check: its details are shown to instructors only"

/* How writers introduce an error of the grader (a check with status
 * error, an exercise's error): never the learner's to fix. */
#define REPORT_GRADER_FAULT "grader error (not your fault): "

/* What a writer may show of a check for an audience. For a learner and a
 * hidden check every detail is NULL and message is REPORT_HIDDEN_MESSAGE;
 * otherwise the fields point into the check (not owned). */
struct check_view {
	int redacted;
	const char *message, *input, *expected, *verdict, *hint;
	const struct match_diff *diff;
	char hidden_message[320]; /* a redacted check's message, with its summary */
};
/* A hidden check's learner-facing message: REPORT_HIDDEN_MESSAGE, after
 * the check's summary when the runner set one. */
void report_hidden_message(const char *summary, char *buf, size_t len);
void report_check_view(const struct check_result *c, const struct write_opts *o,
		       struct check_view *v);

/* utf8_repair (grader/util/utf8.h) of the NUL-terminated s: a copy that
 * is valid UTF-8 (each bad byte becomes U+FFFD), or NULL for NULL. The
 * caller frees it. */
char *report_utf8(const char *s);
/* Which parts of a diff were cut at their caps (match.h keeps no flags;
 * the cut marks are recognised: a unified diff ending in "... diff
 * truncated", an excerpt with "…" where match_visible caps it). */
struct diff_truncation {
	int expected, actual, unified;
};
void report_diff_truncation(const struct match_diff *d, struct diff_truncation *t);
/* The legend of the visible-whitespace marks a diff's texts use ("· a
 * space at the end of a line, → a tab"), for writers to print under it;
 * NULL when it uses none. A heap string. */
char *report_diff_legend(const struct match_diff *d);
/* The command that re-runs one check of an exercise locally, as a shell
 * line: grader grade --course C --exercise ID --check NAME SUBMISSION.
 * A heap string. */
char *report_rerun_command(const struct write_opts *o, const char *exercise,
			   const char *check);
/* "2026-11-25T10:00:00Z" */
void report_iso8601(time_t t, char out[32]);

/* The JSON report as a cJSON tree (the caller deletes it). */
struct cJSON *report_to_json(const struct report *r, const struct write_opts *o);
/* Turns a stored instructor report (grader.report/1 as cJSON) into what
 * report_to_json writes for a learner, in place: the same rule, for the
 * daemon, which stores one report and serves it to both audiences. */
void report_json_for_learner(struct cJSON *report);

/* Reads a stored report (grader.report/1 as cJSON, as report_to_json
 * wrote it) back into r, for writing it in another format. 0, or -1 with
 * err saying where and what is wrong ("$.exercises[0].checks[2].status:
 * expected one of passed, failed, error, skipped"); r is then empty. A
 * learner's report reads back with its hidden checks already redacted. */
int report_from_json(const struct cJSON *j, struct report *r, char *err, size_t errlen);

int write_json(const struct report *r, const struct write_opts *o, FILE *out);
int write_text(const struct report *r, const struct write_opts *o, FILE *out);
int write_junit(const struct report *r, const struct write_opts *o, FILE *out);
int write_markdown(const struct report *r, const struct write_opts *o, FILE *out);
int write_gradescope(const struct report *r, const struct write_opts *o, FILE *out);
int write_exercism(const struct report *r, const struct write_opts *o, FILE *out);

#endif
