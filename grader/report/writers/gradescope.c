/*
 * gradescope.c - results.json as Gradescope's autograder specification
 * defines it: score, execution_time, output, and one test per check with
 * score, max_score, status, output and visibility (hidden, after_due_date
 * or visible). Gradescope applies the visibility itself, so run it with
 * --audience instructor when uploading; with the learner audience hidden
 * checks are redacted here as everywhere. execution_time is the run's
 * wall time in seconds, to the millisecond; the spec has no per-test time.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "grader/util/util.h"
#include "writers.h"

static void add_str(cJSON *o, const char *key, const char *s)
{
	char *u = report_utf8(s ? s : "");
	cJSON_AddStringToObject(o, key, u);
	free(u);
}

static char *test_output(const struct check_result *c, const struct write_opts *o)
{
	struct check_view v;
	report_check_view(c, o, &v);
	struct strbuf sb = {0};
	if (v.message)
		sb_addf(&sb, "%s%s\n", c->status == CHECK_ERROR ? REPORT_GRADER_FAULT : "", v.message);
	if (v.hint)
		sb_addf(&sb, "\nHint: %s\n", v.hint);
	if (!v.redacted && v.input)
		sb_addf(&sb, "\nInput:\n%s\n", v.input);
	if (!v.redacted && v.diff) {
		if (v.diff->line > 0)
			sb_addf(&sb, "\nFirst difference: line %d, column %d\n", v.diff->line,
				v.diff->col);
		if (v.diff->expected_excerpt)
			sb_addf(&sb, "\nExpected: %s\n", v.diff->expected_excerpt);
		if (v.diff->actual_excerpt)
			sb_addf(&sb, "Actual:   %s\n", v.diff->actual_excerpt);
		if (v.diff->unified && *v.diff->unified)
			sb_addf(&sb, "\n%s", v.diff->unified);
		char *legend = report_diff_legend(v.diff);
		if (legend)
			sb_addf(&sb, "\nLegend: %s\n", legend);
		free(legend);
	}
	/* The sections are separated by blank lines; none goes first (a
	 * passed check shows only its input). */
	size_t skip = 0;
	while (skip < sb.len && sb.buf[skip] == '\n')
		skip++;
	if (skip) {
		memmove(sb.buf, sb.buf + skip, sb.len - skip + 1);
		sb.len -= skip;
	}
	return sb_detach(&sb, NULL);
}

int write_gradescope(const struct report *r, const struct write_opts *o, FILE *out)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "score", r->score);
	/* seconds, as the spec says; it asks for no whole number (its example
	 * is one, and Gradescope's own gradescope-utils writes fractions) */
	cJSON_AddNumberToObject(j, "execution_time", (double)r->duration_ms / 1000.0);
	struct strbuf sum = {0};
	sb_addf(&sum, "Graded %zu exercise%s: %g/%g", r->n, r->n == 1 ? "" : "s", r->score,
		r->max_score);
	add_str(j, "output", sum.buf);
	sb_free(&sum);
	cJSON_AddStringToObject(j, "visibility", "visible");
	cJSON_AddStringToObject(j, "stdout_visibility", "hidden");
	cJSON *tests = cJSON_AddArrayToObject(j, "tests");
	int number = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct ex_report *e = &r->ex[i];
		for (size_t k = 0; k < e->n; k++) {
			const struct check_result *c = &e->checks[k];
			cJSON *t = cJSON_CreateObject();
			char *name = xasprintf("%s: %s", e->id, c->name);
			add_str(t, "name", name);
			free(name);
			char num[32];
			snprintf(num, sizeof num, "%zu.%d", i + 1, ++number);
			cJSON_AddStringToObject(t, "number", num);
			cJSON_AddNumberToObject(t, "score", c->score);
			cJSON_AddNumberToObject(t, "max_score", c->max_score);
			cJSON_AddStringToObject(t, "status",
						c->status == CHECK_PASSED ? "passed" : "failed");
			char *text = test_output(c, o);
			add_str(t, "output", text);
			free(text);
			cJSON_AddStringToObject(t, "output_format", "text");
			cJSON_AddStringToObject(t, "visibility",
						c->visibility == VIS_HIDDEN      ? "hidden"
						: c->visibility == VIS_AFTER_DUE ? "after_due_date"
										 : "visible");
			cJSON *tags = cJSON_AddArrayToObject(t, "tags");
			cJSON_AddItemToArray(tags, cJSON_CreateString(e->kind ? e->kind : ""));
			cJSON_AddItemToArray(tests, t);
		}
		number = 0;
	}
	char *s = cJSON_Print(j);
	cJSON_Delete(j);
	if (!s)
		return -1;
	int rc = fputs(s, out) < 0 || fputc('\n', out) == EOF ? -1 : 0;
	cJSON_free(s);
	return rc;
}
