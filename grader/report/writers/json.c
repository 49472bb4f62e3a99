/*
 * json.c - the reference report format, "grader.report/1"
 * (docs/report-format.md, docs/report.schema.json). Every string goes
 * through report_utf8 so the output is valid UTF-8 JSON whatever a
 * learner's program printed.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>

#include "writers.h"

static void add_str(cJSON *obj, const char *key, const char *s)
{
	if (!s)
		return;
	char *u = report_utf8(s);
	cJSON_AddStringToObject(obj, key, u);
	free(u);
}

static void add_num(cJSON *obj, const char *key, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(obj, key, v);
	else
		cJSON_AddNullToObject(obj, key);
}

static cJSON *diff_json(const struct match_diff *d)
{
	cJSON *o = cJSON_CreateObject();
	add_str(o, "summary", d->summary ? d->summary : "");
	if (d->line > 0) {
		cJSON_AddNumberToObject(o, "line", d->line);
		cJSON_AddNumberToObject(o, "column", d->col);
	}
	add_str(o, "expected", d->expected_excerpt);
	add_str(o, "actual", d->actual_excerpt);
	if (d->has_numeric) {
		cJSON *n = cJSON_AddObjectToObject(o, "numeric");
		add_num(n, "expected", d->expected_number);
		add_num(n, "actual", d->actual_number);
		add_num(n, "abs_error", d->abs_error);
		add_num(n, "rel_error", d->rel_error);
	}
	if (d->token > 0)
		cJSON_AddNumberToObject(o, "token", (double)d->token);
	add_str(o, "json_path", d->json_path);
	if (d->unified && *d->unified)
		add_str(o, "unified", d->unified);
	struct diff_truncation t;
	report_diff_truncation(d, &t);
	cJSON *tr = cJSON_AddObjectToObject(o, "truncated");
	cJSON_AddBoolToObject(tr, "expected", t.expected);
	cJSON_AddBoolToObject(tr, "actual", t.actual);
	cJSON_AddBoolToObject(tr, "unified", t.unified);
	return o;
}

static cJSON *check_json(const struct check_result *c, const struct write_opts *o)
{
	struct check_view v;
	report_check_view(c, o, &v);
	cJSON *j = cJSON_CreateObject();
	add_str(j, "name", c->name);
	cJSON_AddStringToObject(j, "status", check_status_name(c->status));
	add_num(j, "score", c->score);
	add_num(j, "max_score", c->max_score);
	cJSON_AddStringToObject(j, "visibility", visibility_name(c->visibility));
	cJSON_AddBoolToObject(j, "hidden", c->hidden);
	add_str(j, "message", v.message);
	add_str(j, "input", v.input);
	add_str(j, "expected", v.expected);
	if (v.diff)
		cJSON_AddItemToObject(j, "diff", diff_json(v.diff));
	if (c->has_resources && !v.redacted) {
		cJSON *res = cJSON_AddObjectToObject(j, "resources");
		cJSON_AddNumberToObject(res, "wall_ms", (double)c->wall_ms);
		cJSON_AddNumberToObject(res, "cpu_ms", (double)c->cpu_ms);
		cJSON_AddNumberToObject(res, "peak_kib", (double)c->peak_kib);
	}
	add_str(j, "verdict", v.verdict);
	add_str(j, "summary", c->summary);
	if (c->task_id > 0)
		cJSON_AddNumberToObject(j, "task_id", c->task_id);
	return j;
}

/* The fields check_json leaves out of a redacted check (message is
 * replaced): keep this list and check_json together. */
static const char *const redacted_fields[] = {"message", "input",     "expected",
					      "diff",    "resources", "verdict"};

static void redact_check_json(cJSON *check)
{
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(check, "hidden")))
		return;
	for (size_t i = 0; i < sizeof redacted_fields / sizeof redacted_fields[0]; i++)
		cJSON_DeleteItemFromObjectCaseSensitive(check, redacted_fields[i]);
	const cJSON *summary = cJSON_GetObjectItemCaseSensitive(check, "summary");
	char msg[320];
	report_hidden_message(cJSON_IsString(summary) ? summary->valuestring : NULL, msg,
			      sizeof msg);
	cJSON_AddStringToObject(check, "message", msg);
}

static cJSON *exercise_json(const struct ex_report *e, const struct write_opts *o)
{
	cJSON *j = cJSON_CreateObject();
	add_str(j, "id", e->id);
	add_str(j, "title", e->title ? e->title : "");
	add_str(j, "kind", e->kind ? e->kind : "");
	add_str(j, "digest", e->digest);
	cJSON_AddStringToObject(j, "status", report_status_name(e->status));
	add_num(j, "score", e->score);
	add_num(j, "max_score", e->max_score);
	cJSON_AddNumberToObject(j, "duration_ms", (double)e->duration_ms);
	add_str(j, "error", e->error);
	cJSON *checks = cJSON_AddArrayToObject(j, "checks");
	for (size_t i = 0; i < e->n; i++)
		cJSON_AddItemToArray(checks, check_json(&e->checks[i], o));
	return j;
}

static cJSON *submission_json(const struct report *r, const struct write_opts *o)
{
	cJSON *s = cJSON_CreateObject();
	/* a host path means nothing to a learner and tells them about the grader */
	if (o->audience == REPORT_INSTRUCTOR)
		add_str(s, "dir", r->submission_dir);
	add_str(s, "repo", r->sub.repo);
	add_str(s, "ref", r->sub.ref);
	add_str(s, "commit", r->sub.commit);
	add_str(s, "author", r->sub.author);
	add_str(s, "committer", r->sub.committer);
	if (r->sub.commit_time) {
		char t[32];
		report_iso8601(r->sub.commit_time, t);
		cJSON_AddStringToObject(s, "commit_time", t);
	}
	add_str(s, "message", r->sub.message);
	return s;
}

cJSON *report_to_json(const struct report *r, const struct write_opts *o)
{
	cJSON *j = cJSON_CreateObject();
	char t[32];
	cJSON_AddStringToObject(j, "schema", "grader.report/1");
	report_iso8601(r->created ? r->created : time(NULL), t);
	cJSON_AddStringToObject(j, "created", t);
	cJSON_AddStringToObject(j, "audience",
				o->audience == REPORT_LEARNER ? "learner" : "instructor");
	cJSON_AddItemToObject(j, "submission", submission_json(r, o));
	cJSON_AddStringToObject(j, "status", report_status_name(r->status));
	add_num(j, "score", r->score);
	add_num(j, "max_score", r->max_score);
	cJSON_AddNumberToObject(j, "duration_ms", (double)r->duration_ms);
	cJSON *ex = cJSON_AddArrayToObject(j, "exercises");
	for (size_t i = 0; i < r->n; i++)
		cJSON_AddItemToArray(ex, exercise_json(&r->ex[i], o));
	return j;
}

int write_json(const struct report *r, const struct write_opts *o, FILE *out)
{
	cJSON *j = report_to_json(r, o);
	char *s = cJSON_Print(j);
	cJSON_Delete(j);
	if (!s)
		return -1;
	int rc = fputs(s, out) < 0 || fputc('\n', out) == EOF ? -1 : 0;
	cJSON_free(s);
	return rc;
}

void report_json_for_learner(cJSON *report)
{
	if (cJSON_GetObjectItemCaseSensitive(report, "audience"))
		cJSON_ReplaceItemInObjectCaseSensitive(report, "audience",
						       cJSON_CreateString("learner"));
	/* submission_json writes the host path for instructors only */
	cJSON *sub = cJSON_GetObjectItemCaseSensitive(report, "submission");
	cJSON_DeleteItemFromObjectCaseSensitive(sub, "dir");
	cJSON *exs = cJSON_GetObjectItemCaseSensitive(report, "exercises");
	for (cJSON *ex = exs ? exs->child : NULL; ex; ex = ex->next) {
		cJSON *checks = cJSON_GetObjectItemCaseSensitive(ex, "checks");
		for (cJSON *c = checks ? checks->child : NULL; c; c = c->next)
			redact_check_json(c);
	}
}
