/*
 * exercism.c - results.json as Exercism's test-runner interface version 3
 * defines it: version 3, an overall status (pass, fail, error), and one
 * test per check with its status, message and output. An exercise-level
 * error (the runner failed) makes the whole result "error" with that
 * message, as the spec asks.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>

#include "../util.h"
#include "writers.h"

static void add_str(cJSON *o, const char *key, const char *s)
{
	char *u = report_utf8(s ? s : "");
	cJSON_AddStringToObject(o, key, u);
	free(u);
}

int write_exercism(const struct report *r, const struct write_opts *o, FILE *out)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "version", 3);
	const char *status = r->status == REPORT_PASSED   ? "pass"
			     : r->status == REPORT_FAILED ? "fail"
							  : "error";
	cJSON_AddStringToObject(j, "status", status);
	struct strbuf errors = {0};
	for (size_t i = 0; i < r->n; i++)
		if (r->ex[i].error)
			sb_addf(&errors, "%s%s: %s", errors.len ? "\n" : "", r->ex[i].id,
				r->ex[i].error);
	if (r->status == REPORT_ERROR)
		add_str(j, "message", errors.len ? errors.buf : "a check could not be run");
	sb_free(&errors);
	cJSON *tests = cJSON_AddArrayToObject(j, "tests");
	for (size_t i = 0; i < r->n; i++) {
		const struct ex_report *e = &r->ex[i];
		for (size_t k = 0; k < e->n; k++) {
			const struct check_result *c = &e->checks[k];
			struct check_view v;
			report_check_view(c, o, &v);
			cJSON *t = cJSON_CreateObject();
			char *name =
			    r->n > 1 ? xasprintf("%s: %s", e->id, c->name) : xstrdup(c->name);
			add_str(t, "name", name);
			free(name);
			cJSON_AddStringToObject(t, "status",
						c->status == CHECK_PASSED  ? "pass"
						: c->status == CHECK_ERROR ? "error"
									   : "fail");
			if (c->status != CHECK_PASSED) {
				struct strbuf m = {0};
				sb_adds(&m, v.message ? v.message : check_status_name(c->status));
				if (!v.redacted && v.diff && v.diff->unified && *v.diff->unified)
					sb_addf(&m, "\n%s", v.diff->unified);
				add_str(t, "message", m.buf);
				sb_free(&m);
			}
			if (!v.redacted && v.input)
				add_str(t, "test_code", v.input);
			cJSON_AddNumberToObject(t, "task_id", (double)(i + 1));
			cJSON_AddItemToArray(tests, t);
		}
	}
	char *s = cJSON_Print(j);
	cJSON_Delete(j);
	if (!s)
		return -1;
	int rc = fputs(s, out) < 0 || fputc('\n', out) == EOF ? -1 : 0;
	cJSON_free(s);
	return rc;
}
