/*
 * text.c - the report for people: per exercise a header with its score,
 * a line per check with its mark and points, and under each failure what
 * happened, the first difference and a unified diff; a score line last.
 * Colour (ANSI) only when asked for (a TTY, --color).
 */
#include <stdlib.h>
#include <string.h>

#include "grader/util/util.h"
#include "writers.h"

#define RED    "\033[31m"
#define GREEN  "\033[32m"
#define YELLOW "\033[33m"
#define DIM    "\033[2m"
#define BOLD   "\033[1m"
#define RESET  "\033[0m"

static const char *c_(const struct write_opts *o, const char *code)
{
	return o->color ? code : "";
}

static const char *mark(enum check_status s)
{
	switch (s) {
	case CHECK_PASSED:
		return "✓";
	case CHECK_FAILED:
		return "✗";
	case CHECK_ERROR:
		return "!";
	case CHECK_SKIPPED:
		return "–";
	}
	return "?";
}

static const char *status_colour(enum check_status s)
{
	return s == CHECK_PASSED    ? GREEN
	       : s == CHECK_SKIPPED ? DIM
	       : s == CHECK_FAILED  ? RED
				    : YELLOW;
}

/* Prints text with every line indented. */
static void indented(FILE *out, const char *indent, const char *label, const char *text)
{
	char *u = report_utf8(text);
	const char *p = u;
	int first = 1;
	int pad = label ? (int)strlen(label) : 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		/* continuation lines line up under the first one's text */
		if (first && label)
			fprintf(out, "%s%s%.*s\n", indent, label, (int)n, p);
		else
			fprintf(out, "%s%*s%.*s\n", indent, pad, "", (int)n, p);
		first = 0;
		p += n + (nl != NULL);
	}
	free(u);
}

static void print_diff(FILE *out, const struct match_diff *d, const struct write_opts *o)
{
	if (d->line > 0)
		fprintf(out, "      where:    line %d, column %d\n", d->line, d->col);
	else if (d->token > 0)
		fprintf(out, "      where:    token %ld\n", d->token);
	if (d->expected_excerpt)
		indented(out, "      ", "expected: ", d->expected_excerpt);
	if (d->actual_excerpt)
		indented(out, "      ", "actual:   ", d->actual_excerpt);
	if (d->has_numeric)
		fprintf(out, "      error:    %g (relative %g)\n", d->abs_error, d->rel_error);
	if (d->json_path)
		fprintf(out, "      at:       %s\n", d->json_path);
	if (d->unified && *d->unified) {
		char *u = report_utf8(d->unified);
		const char *p = u;
		while (*p) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			const char *col = "";
			if (*p == '+' && strncmp(p, "+++", 3) != 0)
				col = GREEN;
			else if (*p == '-' && strncmp(p, "---", 3) != 0)
				col = RED;
			else if (*p == '@')
				col = DIM;
			fprintf(out, "      %s%.*s%s\n", c_(o, col), (int)n, p,
				*col ? c_(o, RESET) : "");
			p += n + (nl != NULL);
		}
		free(u);
	}
	char *legend = report_diff_legend(d);
	if (legend)
		fprintf(out, "      %slegend:   %s%s\n", c_(o, DIM), legend, c_(o, RESET));
	free(legend);
}

/* quiet: the exercise said why no check ran, once; the checks' own
 * messages would say it again. */
static void print_check(FILE *out, const char *exercise, const struct check_result *c,
			const struct write_opts *o, int quiet)
{
	struct check_view v;
	report_check_view(c, o, &v);
	char *name = report_utf8(c->name);
	fprintf(out, "  %s%s%s %-56s %5g/%g%s\n", c_(o, status_colour(c->status)), mark(c->status),
		c_(o, RESET), name, c->score, c->max_score, c->hidden ? "  (hidden)" : "");
	free(name);
	if ((c->status == CHECK_PASSED && !o->verbose) || quiet)
		return;
	if (v.message)
		indented(out, "      ", c->status == CHECK_ERROR ? REPORT_GRADER_FAULT : NULL,
			 v.message);
	if (v.redacted)
		return;
	if (v.hint)
		indented(out, "      ", "hint: ", v.hint);
	if (c->status != CHECK_PASSED && v.input)
		indented(out, "      ", "input:    ", v.input);
	if (v.diff)
		print_diff(out, v.diff, o);
	if (c->status == CHECK_FAILED) {
		char *cmd = report_rerun_command(o, exercise, c->name);
		char *u = report_utf8(cmd);
		fprintf(out, "      %sre-run:   %s%s\n", c_(o, DIM), u, c_(o, RESET));
		free(u);
		free(cmd);
	}
}

int write_text(const struct report *r, const struct write_opts *o, FILE *out)
{
	size_t passed = 0;
	if (r->sub.repo || r->sub.commit) {
		fprintf(out, "%s", c_(o, DIM));
		if (r->sub.repo)
			fprintf(out, "repository %s", r->sub.repo);
		if (r->sub.commit)
			fprintf(out, "%scommit %.12s", r->sub.repo ? ", " : "", r->sub.commit);
		fprintf(out, "%s\n\n", c_(o, RESET));
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct ex_report *e = &r->ex[i];
		char *id = report_utf8(e->id), *title = report_utf8(e->title);
		const char *col = e->status == REPORT_PASSED   ? GREEN
				  : e->status == REPORT_FAILED ? RED
							       : YELLOW;
		fprintf(out, "%s%s%s — %s%s  %s%g/%g %s%s\n", c_(o, BOLD), id, c_(o, RESET),
			title ? title : "", "", c_(o, col), e->score, e->max_score,
			report_status_name(e->status), c_(o, RESET));
		free(id);
		free(title);
		if (e->error)
			indented(out, "  ", REPORT_GRADER_FAULT, e->error);
		if (e->missing)
			fprintf(out, "  %s%s: no check ran%s\n", c_(o, RED), e->missing, c_(o, RESET));
		for (size_t j = 0; j < e->n; j++)
			/* the exercise's error, said once above, not again per check */
			print_check(out, e->id, &e->checks[j], o,
				    e->missing != NULL ||
					(e->error && e->checks[j].message &&
					 !strcmp(e->error, e->checks[j].message)));
		if (e->status == REPORT_PASSED)
			passed++;
		fputc('\n', out);
	}
	fprintf(out, "%sScore: %g/%g%s (%zu of %zu exercise%s passed)\n", c_(o, BOLD), r->score,
		r->max_score, c_(o, RESET), passed, r->n, r->n == 1 ? "" : "s");
	return ferror(out) ? -1 : 0;
}
