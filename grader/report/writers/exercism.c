/*
 * exercism.c - results.json as Exercism's test-runner interface version 3
 * defines it: version 3, an overall status, and one test per check with
 * its status, message, test_code (required since version 2) and task_id.
 * "error" overall means the submission could not be run at all (the
 * spec's "the tests did not run correctly", e.g. a compile error): no
 * exercise graded produced a result, each missing the learner's files,
 * failing to prepare for the learner's reason (a build that failed) or
 * having no check with a result (every one in error or skipped, the
 * grader's error saying why when it has one). Its top-level message says why;
 * a run with some results is "pass" or "fail", without a message.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>

#include "grader/util/util.h"
#include "writers.h"

static void add_str(cJSON *o, const char *key, const char *s)
{
	char *u = report_utf8(s ? s : "");
	cJSON_AddStringToObject(o, key, u);
	free(u);
}

/* Why exercise e could not be run at all, or NULL when it could: the
 * learner's files are missing or their build failed (every check then
 * failed with that reason), or no check has a result (each is in error or
 * skipped: the grader's error says why, else "" and the checks do). An
 * exercise with no checks has nothing to run. */
static const char *not_run(const struct ex_report *e)
{
	if (e->missing)
		return e->missing;
	if (e->unprepared)
		return e->unprepared;
	for (size_t k = 0; k < e->n; k++)
		if (e->checks[k].status == CHECK_PASSED || e->checks[k].status == CHECK_FAILED)
			return NULL;
	return e->error ? e->error : e->n ? "" : NULL;
}

/* Exercism's "error": something was graded and nothing of it could run. */
static int nothing_ran(const struct report *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (!not_run(&r->ex[i]))
			return 0;
	return r->n > 0;
}

/* Why nothing ran, per exercise: its own reason, else its checks'
 * messages (every check in error). */
static char *error_message(const struct report *r, const struct write_opts *o)
{
	struct strbuf sb = {0};
	for (size_t i = 0; i < r->n; i++) {
		const struct ex_report *e = &r->ex[i];
		const char *why = not_run(e);
		if (why && *why) {
			sb_addf(&sb, "%s%s: %s", sb.len ? "\n" : "", e->id, why);
			continue;
		}
		for (size_t k = 0; k < e->n; k++) {
			struct check_view v;
			report_check_view(&e->checks[k], o, &v);
			sb_addf(&sb, "%s%s: %s: %s", sb.len ? "\n" : "", e->id, e->checks[k].name,
				v.message ? v.message : "the check could not be run");
		}
	}
	return sb_detach(&sb, NULL);
}

static cJSON *test_json(const struct report *r, size_t i, const struct check_result *c,
			const struct write_opts *o)
{
	const struct ex_report *e = &r->ex[i];
	struct check_view v;
	report_check_view(c, o, &v);
	cJSON *t = cJSON_CreateObject();
	char *name = r->n > 1 ? xasprintf("%s: %s", e->id, c->name) : xstrdup(c->name);
	add_str(t, "name", name);
	free(name);
	cJSON_AddStringToObject(t, "status",
				c->status == CHECK_PASSED  ? "pass"
				: c->status == CHECK_ERROR ? "error"
							   : "fail");
	if (c->status != CHECK_PASSED) {
		struct strbuf m = {0};
		if (c->status == CHECK_ERROR)
			sb_adds(&m, REPORT_GRADER_FAULT);
		sb_adds(&m, v.message ? v.message : check_status_name(c->status));
		if (v.hint)
			sb_addf(&m, "\nHint: %s", v.hint);
		if (v.diff && v.diff->unified && *v.diff->unified)
			sb_addf(&m, "\n%s", v.diff->unified);
		char *legend = v.diff ? report_diff_legend(v.diff) : NULL;
		if (legend)
			sb_addf(&m, "\nLegend: %s", legend);
		free(legend);
		add_str(t, "message", m.buf);
		sb_free(&m);
	}
	/* what the check ran: its input (a file's first lines for a check fed
	 * from a file, as the runner describes it), else what it expected */
	add_str(t, "test_code", v.input ? v.input : v.expected ? v.expected : "");
	/* the check's task when its runner knows one, else its exercise's place */
	cJSON_AddNumberToObject(t, "task_id", c->task_id > 0 ? (double)c->task_id : (double)(i + 1));
	return t;
}

int write_exercism(const struct report *r, const struct write_opts *o, FILE *out)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "version", 3);
	int error = nothing_ran(r);
	cJSON_AddStringToObject(j, "status",
				error                        ? "error"
				: r->status == REPORT_PASSED ? "pass"
							     : "fail");
	if (error) {
		char *m = error_message(r, o);
		add_str(j, "message", m);
		free(m);
	}
	cJSON *tests = cJSON_AddArrayToObject(j, "tests");
	for (size_t i = 0; i < r->n; i++)
		for (size_t k = 0; k < r->ex[i].n; k++)
			cJSON_AddItemToArray(tests, test_json(r, i, &r->ex[i].checks[k], o));
	char *s = cJSON_Print(j);
	cJSON_Delete(j);
	if (!s)
		return -1;
	int rc = fputs(s, out) < 0 || fputc('\n', out) == EOF ? -1 : 0;
	cJSON_free(s);
	return rc;
}
