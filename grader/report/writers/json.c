/*
 * json.c - the reference report format, "grader.report/1"
 * (docs/report-format.md, docs/report.schema.json). Every string goes
 * through report_utf8 so the output is valid UTF-8 JSON whatever a
 * learner's program printed.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "writers.h"
#include "grader/util/util.h"

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
	/* what the marks in the excerpts mean, as every writer says it */
	char *legend = report_diff_legend(d);
	add_str(o, "legend", legend);
	free(legend);
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
	add_str(j, "hint", v.hint);
	add_str(j, "summary", c->summary);
	if (c->task_id > 0)
		cJSON_AddNumberToObject(j, "task_id", c->task_id);
	return j;
}

/* The fields check_json leaves out of a redacted check (message is
 * replaced): keep this list and check_json together. */
static const char *const redacted_fields[] = {"message",   "input",   "expected", "diff",
					      "resources", "verdict", "hint"};

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
	add_str(j, "missing", e->missing);
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

/* ---- reading a report back ---- */

/* Where a stored report is wrong: a JSON path and what was expected. */
struct jread {
	struct strbuf path;
	char *err;
	size_t errlen;
	int bad;
};

static void rbad(struct jread *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rbad(struct jread *rd, const char *fmt, ...)
{
	if (rd->bad++)
		return;
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(rd->err, rd->errlen, "%s: %s", rd->path.buf ? rd->path.buf : "$", what);
}

static size_t rpush(struct jread *rd, const char *key, int index)
{
	size_t len = rd->path.len;
	if (key)
		sb_addf(&rd->path, ".%s", key);
	else
		sb_addf(&rd->path, "[%d]", index);
	return len;
}

static void rpop(struct jread *rd, size_t len)
{
	rd->path.len = len;
	rd->path.buf[len] = '\0';
}

/* An optional string member: a heap copy, NULL when absent. */
static char *rstr(struct jread *rd, const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v || cJSON_IsNull(v))
		return NULL;
	if (!cJSON_IsString(v)) {
		size_t l = rpush(rd, key, 0);
		rbad(rd, "expected a string");
		rpop(rd, l);
		return NULL;
	}
	return xstrdup(v->valuestring);
}

/* An optional number member (null reads as NaN, as the writer writes it). */
static double rnum(struct jread *rd, const cJSON *o, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v)
		return dflt;
	if (cJSON_IsNull(v))
		return NAN;
	if (!cJSON_IsNumber(v)) {
		size_t l = rpush(rd, key, 0);
		rbad(rd, "expected a number");
		rpop(rd, l);
		return dflt;
	}
	return v->valuedouble;
}

/* A required member naming one of names: its index, or 0 after rbad. */
static int rname(struct jread *rd, const cJSON *o, const char *key, const char *const *names,
		 int n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	for (int i = 0; cJSON_IsString(v) && i < n; i++)
		if (!strcmp(v->valuestring, names[i]))
			return i;
	size_t l = rpush(rd, key, 0);
	struct strbuf all = {0};
	for (int i = 0; i < n; i++)
		sb_addf(&all, "%s%s", i ? ", " : "", names[i]);
	rbad(rd, "expected one of %s", all.buf);
	sb_free(&all);
	rpop(rd, l);
	return 0;
}

static time_t rtime(struct jread *rd, const cJSON *o, const char *key)
{
	char *s = rstr(rd, o, key);
	if (!s)
		return 0;
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	time_t t = end && !*end ? timegm(&tm) : 0;
	if (!end || *end) {
		size_t l = rpush(rd, key, 0);
		rbad(rd, "expected a time like 2026-11-25T10:00:00Z");
		rpop(rd, l);
	}
	free(s);
	return t;
}

static struct match_diff *rdiff(struct jread *rd, const cJSON *o)
{
	struct match_diff *d = xcalloc(1, sizeof *d);
	d->summary = rstr(rd, o, "summary");
	d->line = (int)rnum(rd, o, "line", 0);
	d->col = (int)rnum(rd, o, "column", 0);
	d->expected_excerpt = rstr(rd, o, "expected");
	d->actual_excerpt = rstr(rd, o, "actual");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "numeric");
	if (cJSON_IsObject(n)) {
		d->has_numeric = 1;
		d->expected_number = rnum(rd, n, "expected", NAN);
		d->actual_number = rnum(rd, n, "actual", NAN);
		d->abs_error = rnum(rd, n, "abs_error", NAN);
		d->rel_error = rnum(rd, n, "rel_error", NAN);
	}
	d->token = (long)rnum(rd, o, "token", 0);
	d->json_path = rstr(rd, o, "json_path");
	d->unified = rstr(rd, o, "unified");
	return d;
}

static const char *const check_names[] = {"passed", "failed", "error", "skipped"};
static const char *const status_names[] = {"passed", "failed", "error"};
static const char *const vis_names[] = {"visible", "hidden", "after_due"};

static void rcheck(struct jread *rd, const cJSON *o, struct check_result *c)
{
	c->fraction = -1;
	if (!cJSON_IsObject(o)) {
		rbad(rd, "expected a check (an object)");
		return;
	}
	c->name = rstr(rd, o, "name");
	if (!c->name)
		rbad(rd, "a check needs its \"name\"");
	c->status = (enum check_status)rname(rd, o, "status", check_names, 4);
	c->score = rnum(rd, o, "score", 0);
	c->max_score = rnum(rd, o, "max_score", 0);
	c->visibility = (enum visibility)rname(rd, o, "visibility", vis_names, 3);
	c->hidden = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "hidden"));
	c->message = rstr(rd, o, "message");
	c->input = rstr(rd, o, "input");
	c->expected = rstr(rd, o, "expected");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "diff");
	if (cJSON_IsObject(d)) {
		size_t l = rpush(rd, "diff", 0);
		c->diff = rdiff(rd, d);
		rpop(rd, l);
	}
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(o, "resources");
	if (cJSON_IsObject(res)) {
		c->has_resources = 1;
		c->wall_ms = (long)rnum(rd, res, "wall_ms", 0);
		c->cpu_ms = (long)rnum(rd, res, "cpu_ms", 0);
		double kib = rnum(rd, res, "peak_kib", 0);
		c->peak_kib = kib > 0 && kib < 1e15 ? (uint64_t)kib : 0;
	}
	c->verdict = rstr(rd, o, "verdict");
	c->hint = rstr(rd, o, "hint");
	c->summary = rstr(rd, o, "summary");
	double task = rnum(rd, o, "task_id", 0);
	c->task_id = task >= 1 && task <= 1e6 ? (int)task : 0;
}

/* An optional list member: the array, or NULL (after rbad if not a list). */
static const cJSON *rlist(struct jread *rd, const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (v && !cJSON_IsArray(v)) {
		size_t l = rpush(rd, key, 0);
		rbad(rd, "expected a list");
		rpop(rd, l);
		return NULL;
	}
	return v;
}

int report_from_json(const cJSON *j, struct report *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	struct jread rd = {{0}, err, errlen, 0};
	sb_adds(&rd.path, "$");
	const cJSON *schema = cJSON_GetObjectItemCaseSensitive(j, "schema");
	if (!cJSON_IsObject(j) || !cJSON_IsString(schema) ||
	    strcmp(schema->valuestring, "grader.report/1") != 0) {
		rbad(&rd, "not a grader report (its \"schema\" must be \"grader.report/1\")");
		sb_free(&rd.path);
		return -1;
	}
	r->created = rtime(&rd, j, "created");
	const cJSON *sub = cJSON_GetObjectItemCaseSensitive(j, "submission");
	if (cJSON_IsObject(sub)) {
		size_t l = rpush(&rd, "submission", 0);
		r->submission_dir = rstr(&rd, sub, "dir");
		r->sub.repo = rstr(&rd, sub, "repo");
		r->sub.ref = rstr(&rd, sub, "ref");
		r->sub.commit = rstr(&rd, sub, "commit");
		r->sub.author = rstr(&rd, sub, "author");
		r->sub.committer = rstr(&rd, sub, "committer");
		r->sub.commit_time = rtime(&rd, sub, "commit_time");
		r->sub.message = rstr(&rd, sub, "message");
		rpop(&rd, l);
	}
	r->status = (enum report_status)rname(&rd, j, "status", status_names, 3);
	r->score = rnum(&rd, j, "score", 0);
	r->max_score = rnum(&rd, j, "max_score", 0);
	r->duration_ms = (long)rnum(&rd, j, "duration_ms", 0);
	const cJSON *exs = rlist(&rd, j, "exercises"), *ex;
	int i = 0;
	for (ex = exs ? exs->child : NULL; ex; ex = ex->next, i++) {
		size_t l = rd.path.len;
		sb_addf(&rd.path, ".exercises[%d]", i);
		struct ex_report *e = report_add_exercise(r);
		if (!cJSON_IsObject(ex)) {
			rbad(&rd, "expected an exercise (an object)");
			break;
		}
		e->id = rstr(&rd, ex, "id");
		e->title = rstr(&rd, ex, "title");
		e->kind = rstr(&rd, ex, "kind");
		if (!e->title)
			e->title = xstrdup("");
		if (!e->kind)
			e->kind = xstrdup("");
		e->digest = rstr(&rd, ex, "digest");
		e->status = (enum report_status)rname(&rd, ex, "status", status_names, 3);
		e->score = rnum(&rd, ex, "score", 0);
		e->max_score = rnum(&rd, ex, "max_score", 0);
		e->duration_ms = (long)rnum(&rd, ex, "duration_ms", 0);
		e->error = rstr(&rd, ex, "error");
		e->missing = rstr(&rd, ex, "missing");
		if (!e->id)
			rbad(&rd, "an exercise needs its \"id\"");
		const cJSON *checks = rlist(&rd, ex, "checks"), *ch;
		int k = 0;
		for (ch = checks ? checks->child : NULL; ch; ch = ch->next, k++) {
			size_t lc = rd.path.len;
			sb_addf(&rd.path, ".checks[%d]", k);
			rcheck(&rd, ch, ex_report_add_check(e));
			rpop(&rd, lc);
		}
		rpop(&rd, l);
	}
	sb_free(&rd.path);
	if (rd.bad) {
		report_free(r);
		return -1;
	}
	return 0;
}
