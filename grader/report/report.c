/*
 * report.c - building a report (exercise and check slots, totals,
 * statuses), releasing it, and dispatching to the writers in writers/.
 * What an audience may see of a check is decided here, once, for every
 * writer (report_check_view).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grader/match/match_int.h"
#include "report.h"
#include "grader/util/utf8.h"
#include "grader/util/util.h"
#include "grader/report/writers/writers.h"

const char *check_status_name(enum check_status s)
{
	static const char *const names[] = {"passed", "failed", "error", "skipped"};
	return s <= CHECK_SKIPPED ? names[s] : "?";
}

const char *report_status_name(enum report_status s)
{
	static const char *const names[] = {"passed", "failed", "error"};
	return s <= REPORT_ERROR ? names[s] : "?";
}

struct ex_report *report_add_exercise(struct report *r)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->ex = xrealloc(r->ex, r->cap * sizeof *r->ex);
	}
	struct ex_report *e = &r->ex[r->n++];
	memset(e, 0, sizeof *e);
	return e;
}

struct check_result *ex_report_add_check(struct ex_report *e)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 8;
		e->checks = xrealloc(e->checks, e->cap * sizeof *e->checks);
	}
	struct check_result *c = &e->checks[e->n++];
	memset(c, 0, sizeof *c);
	c->fraction = -1;
	return c;
}

static double check_score(const struct check_result *c)
{
	if (c->status == CHECK_PASSED)
		return c->max_score;
	if (c->status == CHECK_FAILED && c->fraction >= 0 && isfinite(c->fraction))
		return c->max_score * (c->fraction > 1 ? 1 : c->fraction);
	return 0;
}

void report_finish(struct report *r)
{
	r->score = r->max_score = 0;
	r->status = REPORT_PASSED;
	for (size_t i = 0; i < r->n; i++) {
		struct ex_report *e = &r->ex[i];
		e->score = e->max_score = 0;
		e->status = e->error ? REPORT_ERROR : REPORT_PASSED;
		for (size_t j = 0; j < e->n; j++) {
			struct check_result *c = &e->checks[j];
			c->score = check_score(c);
			e->score += c->score;
			e->max_score += c->max_score;
			if (c->status == CHECK_ERROR)
				e->status = REPORT_ERROR;
			else if (c->status != CHECK_PASSED && e->status == REPORT_PASSED)
				e->status = REPORT_FAILED;
		}
		r->score += e->score;
		r->max_score += e->max_score;
		if (e->status == REPORT_ERROR)
			r->status = REPORT_ERROR;
		else if (e->status == REPORT_FAILED && r->status == REPORT_PASSED)
			r->status = REPORT_FAILED;
	}
}

static void free_check(struct check_result *c)
{
	free(c->name);
	free(c->message);
	free(c->input);
	free(c->expected);
	match_diff_free(c->diff);
	free(c->verdict);
	free(c->summary);
	free(c->hint);
}

static void free_info(struct submission_info *s)
{
	free(s->repo);
	free(s->ref);
	free(s->commit);
	free(s->author);
	free(s->committer);
	free(s->message);
}

void report_free(struct report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct ex_report *e = &r->ex[i];
		for (size_t j = 0; j < e->n; j++)
			free_check(&e->checks[j]);
		free(e->checks);
		free(e->id);
		free(e->title);
		free(e->kind);
		free(e->digest);
		free(e->error);
		free(e->unprepared);
		free(e->missing);
	}
	free(r->ex);
	free_info(&r->sub);
	free(r->submission_dir);
	memset(r, 0, sizeof *r);
}

void report_check_view(const struct check_result *c, const struct write_opts *o,
		       struct check_view *v)
{
	memset(v, 0, sizeof *v);
	v->redacted = c->hidden && o->audience == REPORT_LEARNER;
	if (v->redacted) {
		report_hidden_message(c->summary, v->hidden_message, sizeof v->hidden_message);
		v->message = v->hidden_message;
		return;
	}
	v->message = c->message;
	v->input = c->input;
	v->expected = c->expected;
	v->diff = c->diff;
	v->verdict = c->verdict;
	v->hint = c->hint;
}

void report_hidden_message(const char *summary, char *buf, size_t len)
{
	if (summary && *summary)
		snprintf(buf, len, "%s; " REPORT_HIDDEN_MESSAGE, summary);
	else
		snprintf(buf, len, "%s", REPORT_HIDDEN_MESSAGE);
}

char *report_utf8(const char *s)
{
	return s ? utf8_repair(s, strlen(s), 0) : NULL;
}

/* match_visible stops before a character that would pass the cap (a
 * visible character is at most 16 bytes) and appends "…" there. */
static int excerpt_cut(const char *s)
{
	if (!s)
		return 0;
	for (const char *p = s; (p = strstr(p, "\xE2\x80\xA6")) != NULL; p += 3) {
		size_t at = (size_t)(p - s);
		if (at + 16 >= MATCH_EXCERPT_MAX && at <= MATCH_EXCERPT_MAX)
			return 1;
	}
	return 0;
}

char *report_rerun_command(const struct write_opts *o, const char *exercise,
			   const char *check)
{
	struct strbuf sb = {0};
	sb_adds(&sb, "grader grade --course ");
	sb_add_shell_word(&sb, 0, o->rerun_course ? o->rerun_course : "COURSE");
	sb_adds(&sb, " --exercise ");
	sb_add_shell_word(&sb, 0, exercise);
	sb_adds(&sb, " --check ");
	sb_add_shell_word(&sb, 0, check);
	sb_adds(&sb, " -f text ");
	sb_add_shell_word(&sb, 0, o->rerun_submission ? o->rerun_submission : ".");
	return sb_detach(&sb, NULL);
}

char *report_diff_legend(const struct match_diff *d)
{
	const char *texts[] = {d->summary, d->expected_excerpt, d->actual_excerpt, d->unified};
	return match_visible_legend(texts, sizeof texts / sizeof texts[0]);
}

void report_diff_truncation(const struct match_diff *d, struct diff_truncation *t)
{
	static const char mark[] = "... diff truncated\n";
	size_t n = d->unified ? strlen(d->unified) : 0;
	t->unified = n >= sizeof mark - 1 && strcmp(d->unified + n - (sizeof mark - 1), mark) == 0;
	t->expected = excerpt_cut(d->expected_excerpt);
	t->actual = excerpt_cut(d->actual_excerpt);
}

void report_iso8601(time_t t, char out[32])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const struct {
	const char *name;
	int (*write)(const struct report *, const struct write_opts *, FILE *);
} writers[] = {
    {"json", write_json},
    {"text", write_text},
    {"junit", write_junit},
    {"markdown", write_markdown},
    {"gradescope", write_gradescope},
    {"exercism", write_exercism},
};

#define NWRITERS (sizeof writers / sizeof writers[0])

const char **report_format_names(void)
{
	const char **names = xcalloc(NWRITERS + 1, sizeof *names);
	for (size_t i = 0; i < NWRITERS; i++)
		names[i] = writers[i].name;
	return names;
}

char *report_format_list(const char *sep)
{
	struct strbuf sb = {0};
	for (size_t i = 0; i < NWRITERS; i++)
		sb_addf(&sb, "%s%s", i ? sep : "", writers[i].name);
	return sb_detach(&sb, NULL);
}

int report_write(const struct report *r, const char *format, const struct write_opts *o, FILE *out,
		 char *err, size_t errlen)
{
	for (size_t i = 0; i < NWRITERS; i++) {
		if (strcmp(format, writers[i].name) != 0)
			continue;
		if (writers[i].write(r, o, out) != 0 || fflush(out) != 0 || ferror(out)) {
			snprintf(err, errlen, "cannot write the %s report", format);
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown format '%s'", format);
	return -1;
}
