/*
 * api.c - the daemon's HTTP API (api.h) on libmicrohttpd.
 *
 * Requests are served by a small pool of MHD threads; they share one
 * queue handle under a mutex, and read the configuration under the same
 * mutex so that a reload never changes it in the middle of a request.
 */
#include "api.h"
#include "json_body.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "grader/util/util.h"
#include "grader/report/writers/writers.h"
#include "log.h"
#include "metrics.h"
#include "poller.h"
#include "submit.h"
#include "queue.h"
#include "route.h"
#include "web.h"
#include "webhook.h"

struct api {
	struct MHD_Daemon *mhd;
	pthread_mutex_t lock;
	const struct config *cfg;
	const struct course *course;
	struct queue *q;
	unsigned char web_key[WEB_KEY_LEN]; /* signs session cookies (web.h) */
};

/* One request's accumulated body. */
struct request {
	struct strbuf body;
	int too_large;
};

struct reply {
	unsigned status;
	char *body;
	const char *type;
	const char *www_auth;
	char *set_cookie;              /* a heap Set-Cookie value, or NULL */
	char *location;                /* a heap Location (a 303), or NULL */
	const struct web_asset *asset; /* the body is this embedded file */
};

/* What a role may do on a route: one cell of the rights table (routes[]
 * below; docs/operations.md, "Who may do what", is the same table). What
 * "own" and "configured" mean for a route's data is its handler's. */
enum right {
	RIGHT_NONE = 0,   /* 403 */
	RIGHT_OWN,        /* a learner's own repository, submissions, reports */
	RIGHT_CONFIGURED, /* configured repositories only; the learner is the
			   * repository's, never the caller's to choose */
	RIGHT_ALL,        /* everything: any repository or learner, hidden
			   * checks and grader-side errors */
};

/* One request as a route's handler sees it. */
struct call {
	struct api *a;
	const struct api_route *route;
	struct MHD_Connection *conn;
	const struct api_token *token; /* NULL on a route open to anyone */
	const char *session;           /* the session cookie it came with, or
					* NULL: a bearer token (or none) */
	enum right right;              /* the token's right on the route */
	const struct request *rq;
	const struct route_args *args;
};

static void reply_json(struct reply *r, unsigned status, cJSON *o)
{
	r->status = status;
	r->body = cJSON_PrintUnformatted(o);
	r->type = "application/json";
	cJSON_Delete(o);
}

static void reply_error(struct reply *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void reply_error(struct reply *r, unsigned status, const char *fmt, ...)
{
	struct strbuf sb = {0};
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", sb.buf);
	sb_free(&sb);
	reply_json(r, status, o);
}

/* An HTML page of web/ (web_page) as the reply. */
static void reply_page(struct reply *r, unsigned status, const char *page, const char *message)
{
	r->status = status;
	r->body = web_page(page, message);
	r->type = "text/html; charset=utf-8";
}

/* A 303 to location (a path of this site). */
static void reply_redirect(struct reply *r, const char *location)
{
	r->status = 303;
	r->location = xstrdup(location);
	r->body = xstrdup("");
	r->type = "text/plain; charset=utf-8";
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* The caller's token entry, or NULL after replying 401: the bearer token
 * when there is an Authorization header, else the session cookie of a
 * signed-in browser (*session then points to it). */
static const struct api_token *authenticate(struct api *a, struct MHD_Connection *c,
					    struct reply *r, const char **session)
{
	const char *h = header(c, "Authorization");
	const char *cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, WEB_COOKIE);
	if (!h && cookie && *cookie) {
		const struct api_token *t =
		    web_session_check(a->web_key, a->cfg, cookie, time(NULL));
		if (t)
			*session = cookie;
		else
			reply_error(r, 401,
				    "the session has expired or is not valid: sign in again");
		return t;
	}
	if (!h || strncasecmp(h, "Bearer ", 7) || !h[7]) {
		reply_error(r, 401, "a bearer token is required (Authorization: Bearer TOKEN)");
		r->www_auth = "Bearer realm=\"grader\"";
		return NULL;
	}
	const struct api_token *t = config_find_token(a->cfg, h + 7);
	if (!t) {
		reply_error(r, 401, "the token is not valid");
		r->www_auth = "Bearer realm=\"grader\", error=\"invalid_token\"";
	}
	return t;
}

/* A job as JSON: in full for RIGHT_ALL, else with hidden checks redacted
 * (as the report writers do) and grader-side errors replaced. */
static cJSON *job_json(struct api *a, const struct job *j, enum right right)
{
	int full = right == RIGHT_ALL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)j->id);
	cJSON_AddStringToObject(o, "state", job_state_name(j->state));
	cJSON_AddStringToObject(o, "learner", j->learner ? j->learner : "");
	cJSON_AddStringToObject(o, "repo", j->repo);
	if (j->ref)
		cJSON_AddStringToObject(o, "ref", j->ref);
	if (j->commit)
		cJSON_AddStringToObject(o, "commit", j->commit);
	cJSON_AddNumberToObject(o, "attempts", j->attempts);
	if (j->status)
		cJSON_AddStringToObject(o, "status", j->status);
	if (j->error && full)
		cJSON_AddStringToObject(o, "error", j->error);
	else if (j->error)
		cJSON_AddStringToObject(o, "error", "grading failed; ask your instructor");
	if (j->state == JOB_QUEUED) {
		long pos = 0;
		char err[128];
		if (queue_position(a->q, j->id, &pos, err, sizeof err) == 0)
			cJSON_AddNumberToObject(o, "queue_position", (double)pos);
	}
	if (j->report) {
		cJSON *rep = cJSON_Parse(j->report);
		if (rep) {
			if (!full)
				report_json_for_learner(rep);
			cJSON_AddItemToObject(o, "report", rep);
		}
	}
	return o;
}

/* A job id as the API writes it: canonical decimal, 1 or more, no sign,
 * space or leading zero ("+1", " 1" and "01" are not job 1). */
static int parse_id(const char *s, int64_t *id)
{
	size_t n = strlen(s);
	if (n == 0 || n > 18 || s[0] == '0' || strspn(s, "0123456789") != n)
		return -1;
	*id = strtoll(s, NULL, 10);
	return 0;
}

static void get_submission(const struct call *c, struct reply *r)
{
	struct api *a = c->a;
	const struct api_token *t = c->token;
	const char *idstr = route_arg(c->args, "id");
	int64_t id;
	if (parse_id(idstr, &id) < 0) {
		reply_error(r, 400, "'%s' is not a submission id", idstr);
		return;
	}
	struct job j;
	char err[256];
	int rc = queue_get(a->q, id, &j, err, sizeof err);
	if (rc == QUEUE_NOT_FOUND) {
		/* the same answer as for someone else's job: ids reveal nothing */
		reply_error(r, 404, "no submission %s", idstr);
		return;
	}
	if (rc != QUEUE_OK) {
		reply_error(r, 500, "%s", err);
		return;
	}
	if (c->right == RIGHT_OWN && (!j.learner || strcmp(j.learner, t->learner)))
		reply_error(r, 404, "no submission %s", idstr); /* do not confirm it exists */
	else
		reply_json(r, 200, job_json(a, &j, c->right));
	job_free(&j);
}

static void deny(const struct call *c, struct reply *r);

static void get_learner_reports(const struct call *c, struct reply *r)
{
	struct api *a = c->a;
	const struct api_token *t = c->token;
	const char *learner = route_arg(c->args, "id");
	if (c->right == RIGHT_OWN && strcmp(t->learner, learner)) {
		deny(c, r);
		return;
	}
	struct job *v = NULL;
	size_t n = 0;
	char err[256];
	if (queue_list_learner(a->q, learner, 100, &v, &n, err, sizeof err) < 0) {
		reply_error(r, 500, "%s", err);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "learner", learner);
	cJSON *arr = cJSON_AddArrayToObject(o, "submissions");
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, job_json(a, &v[i], c->right));
	job_list_free(v, n);
	reply_json(r, 200, o);
}

/* ---- grades ---- */

static void add_time(cJSON *o, const char *key, double t)
{
	char iso[32];
	report_iso8601((time_t)t, iso);
	cJSON_AddStringToObject(o, key, iso);
}

static cJSON *grade_json(const struct grade_row *g)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "latest", g->latest);
	cJSON_AddNumberToObject(o, "best", g->best);
	cJSON_AddNumberToObject(o, "max_score", g->max_score);
	cJSON_AddStringToObject(o, "status", g->status ? g->status : "");
	return o;
}

/* The learner's entry of the gradebook, made on first use. The rows come
 * sorted by learner, so the last entry is tried first: a whole course's
 * gradebook is one pass, not learners x rows. */
static cJSON *learner_entry(cJSON *learners, const char *name)
{
	cJSON *l = learners->child ? learners->child->prev : NULL; /* cJSON: the last */
	if (l && !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(l, "learner")), name))
		return l;
	cJSON_ArrayForEach(l, learners)
	{
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(l, "learner")), name))
			return l;
	}
	l = cJSON_CreateObject();
	cJSON_AddStringToObject(l, "learner", name);
	cJSON_AddObjectToObject(l, "exercises");
	cJSON_AddItemToArray(learners, l);
	return l;
}

/* The gradebook as JSON: the course's exercises, and per learner and
 * exercise the latest and best score, attempts, times, each check's
 * scores, and whether a grading is pending (never shown as 0). */
static cJSON *gradebook_json(const struct api *a, const struct gradebook *gb, const char *only,
			     int paged)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *ids = cJSON_AddArrayToObject(o, "exercises");
	/* and what the pages show of each: title, stage, points, due date */
	cJSON *info = cJSON_AddArrayToObject(o, "exercise_info");
	for (size_t i = 0; i < a->course->n; i++) {
		const struct exercise *ex = a->course->ex[i];
		cJSON_AddItemToArray(ids, cJSON_CreateString(ex->id));
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "id", ex->id);
		cJSON_AddStringToObject(e, "title", ex->title ? ex->title : ex->id);
		cJSON_AddNumberToObject(e, "stage", ex->stage);
		cJSON_AddNumberToObject(e, "points", ex->points);
		if (ex->due)
			add_time(e, "due", (double)ex->due);
		else
			cJSON_AddNullToObject(e, "due");
		cJSON_AddItemToArray(info, e);
	}
	cJSON *learners = cJSON_AddArrayToObject(o, "learners");
	if (only)
		learner_entry(learners, only);
	for (size_t i = 0; i < gb->n; i++) {
		const struct grade_row *g = &gb->rows[i];
		cJSON *exs = cJSON_GetObjectItem(learner_entry(learners, g->learner), "exercises");
		cJSON *e = cJSON_GetObjectItemCaseSensitive(exs, g->exercise);
		if (!e) {
			e = cJSON_AddObjectToObject(exs, g->exercise);
			cJSON_AddBoolToObject(e, "pending",
					      gradebook_pending(gb, g->learner, g->exercise));
			cJSON_AddObjectToObject(e, "checks");
		}
		if (*g->check) {
			cJSON_AddItemToObject(cJSON_GetObjectItem(e, "checks"), g->check,
					      grade_json(g));
			continue;
		}
		cJSON *t = grade_json(g);
		cJSON *it;
		cJSON_ArrayForEach(it, t)
		{
			cJSON_AddItemToObject(e, it->string, cJSON_Duplicate(it, 1));
		}
		cJSON_Delete(t);
		cJSON_AddNumberToObject(e, "attempts", (double)g->attempts);
		add_time(e, "first_graded", g->first_at);
		add_time(e, "last_graded", g->last_at);
	}
	/* what is queued for a learner or an exercise with no grade yet */
	for (size_t i = 0; i < gb->npending; i++) {
		const char *who = gb->pending[i].learner;
		if (!who || (only && strcmp(only, who)))
			continue;
		/* a page shows its own learners only; one with nothing graded
		 * yet is only on the last page, after the graded ones (the
		 * caller says which that is; total_learners counts the graded) */
		int on_page = 0;
		cJSON *l;
		cJSON_ArrayForEach(l, learners)
			on_page |= !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(l, "learner")), who);
		if (paged && !on_page)
			continue;
		cJSON *exs = cJSON_GetObjectItem(learner_entry(learners, who), "exercises");
		for (size_t k = 0; k < a->course->n; k++) {
			const char *id = a->course->ex[k]->id;
			if (!cJSON_GetObjectItemCaseSensitive(exs, id) &&
			    gradebook_pending(gb, who, id))
				cJSON_AddBoolToObject(cJSON_AddObjectToObject(exs, id), "pending", 1);
		}
	}
	return o;
}

static int read_gradebook(const struct call *c, const char *learner, struct gradebook *gb,
			  struct reply *r)
{
	char err[256];
	if (queue_gradebook(c->a->q, learner, gb, err, sizeof err) < 0) {
		reply_error(r, 500, "%s", err);
		return -1;
	}
	return 0;
}

/* A query argument that is a count: absent (*v unchanged), or decimal
 * digits without sign or space, at most max. 0, or -1 after a 400. */
static int count_arg(const struct call *c, const char *name, long max, long *v, struct reply *r)
{
	const char *s = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, name);
	if (!s)
		return 0;
	size_t n = strlen(s);
	if (n == 0 || n > 9 || strspn(s, "0123456789") != n || strtol(s, NULL, 10) > max) {
		reply_error(r, 400, "%s must be a whole number from 0 to %ld", name, max);
		return -1;
	}
	*v = strtol(s, NULL, 10);
	return 0;
}

/* A query argument as text, %-escapes decoded (the daemon keeps them):
 * *v NULL when absent. 0, or -1 after a 400 (a bad escape, an encoded
 * NUL, a control character, more than max bytes). Free *v. */
static int text_arg(const struct call *c, const char *name, size_t max, char **v,
		    struct reply *r)
{
	*v = NULL;
	const char *raw = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, name);
	if (!raw)
		return 0;
	char *s = web_percent_decode(raw, strlen(raw), 1);
	int ok = s && strlen(s) <= max;
	for (const char *p = s; ok && *p; p++)
		ok = (unsigned char)*p >= 0x20 && *p != 0x7f;
	if (!ok) {
		free(s);
		reply_error(r, 400, "%s must be text of at most %zu bytes, without control characters",
			    name, max);
		return -1;
	}
	*v = s;
	return 0;
}

/* The gradebook, whole or a page of learners (?offset=N&limit=M; with
 * name=TEXT only the learners whose name holds it; sort=learner|total|
 * EXERCISE and order=asc|desc; total_learners says how many match). */
static void get_grades(const struct call *c, struct reply *r)
{
	long offset = 0, limit = -1;
	char *name = NULL, *sort = NULL, *order = NULL;
	if (count_arg(c, "offset", 100000000, &offset, r) < 0 ||
	    count_arg(c, "limit", 10000, &limit, r) < 0 || text_arg(c, "name", 200, &name, r) < 0 ||
	    text_arg(c, "sort", 200, &sort, r) < 0 || text_arg(c, "order", 4, &order, r) < 0)
		goto out;
	if (sort && strcmp(sort, "learner") && strcmp(sort, "total") &&
	    !course_find(c->a->course, sort)) {
		reply_error(r, 400, "sort must be learner, total or an exercise of the course, not '%s'",
			    sort);
		goto out;
	}
	if (order && strcmp(order, "asc") && strcmp(order, "desc")) {
		reply_error(r, 400, "order must be asc or desc");
		goto out;
	}
	struct gradebook_page pg = {.offset = offset,
				    .limit = limit,
				    .name = name,
				    .sort = sort,
				    .desc = order && !strcmp(order, "desc")};
	struct gradebook gb;
	char err[256];
	if (queue_gradebook_page(c->a->q, NULL, &pg, &gb, err, sizeof err) < 0) {
		reply_error(r, 500, "%s", err);
		goto out;
	}
	/* the last page (the one with the last graded learner, or the first
	 * when none is graded) also lists those with only queued jobs, unless
	 * a name filter chose the learners */
	long total = gb.total_learners;
	int last = total ? offset < total && offset + limit >= total : offset == 0;
	int filtered = name && *name;
	cJSON *o = gradebook_json(c->a, &gb, NULL, (limit >= 0 && !last) || filtered);
	cJSON_AddNumberToObject(o, "total_learners", (double)gb.total_learners);
	cJSON_AddNumberToObject(o, "offset", (double)offset);
	if (limit >= 0)
		cJSON_AddNumberToObject(o, "limit", (double)limit);
	reply_json(r, 200, o);
	gradebook_free(&gb);
out:
	free(name);
	free(sort);
	free(order);
}

static void get_learner_grades(const struct call *c, struct reply *r)
{
	const char *learner = route_arg(c->args, "id");
	if (c->right == RIGHT_OWN && strcmp(c->token->learner, learner)) {
		deny(c, r);
		return;
	}
	struct gradebook gb;
	if (read_gradebook(c, learner, &gb, r) < 0)
		return;
	reply_json(r, 200, gradebook_json(c->a, &gb, learner, 0));
	gradebook_free(&gb);
}

/* The gradebook for an LMS import (gradebook_csv). */
static void get_grades_csv(const struct call *c, struct reply *r)
{
	struct gradebook gb;
	if (read_gradebook(c, NULL, &gb, r) < 0)
		return;
	r->status = 200;
	r->type = "text/csv; charset=utf-8";
	r->body = gradebook_csv(&gb);
	gradebook_free(&gb);
}

/* An exercise's statistics (queue_exercise_stats): the exercise is a
 * query argument, ?exercise=ID, as its id holds a '/'. */
static void get_exercise_stats(const struct call *c, struct reply *r)
{
	/* the daemon keeps escapes (keep_escapes): decoded here, so that
	 * ?exercise=python%2Ffizzbuzz, as a browser sends it, is the same */
	const char *raw = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "exercise");
	char *id = raw ? web_percent_decode(raw, strlen(raw), 1) : NULL;
	if (raw && !id) {
		reply_error(r, 400, "exercise has a bad %%-escape or an encoded NUL");
		return;
	}
	if (!id || !*id) {
		reply_error(r, 400, "give the exercise: /api/v1/stats?exercise=ID");
		free(id);
		return;
	}
	if (!course_find(c->a->course, id)) {
		reply_error(r, 404, "the course has no exercise '%s'", id);
		free(id);
		return;
	}
	struct exercise_stats st;
	char err[256];
	if (queue_exercise_stats(c->a->q, id, &st, err, sizeof err) < 0) {
		reply_error(r, 500, "%s", err);
		free(id);
		return;
	}
	reply_json(r, 200, exercise_stats_json(id, &st));
	exercise_stats_free(&st);
	free(id);
}

/* "a,b" from exercise ids that must all exist in the course. */
static int exercises_list(struct api *a, const struct submit_request *q, char **out,
			  struct reply *r)
{
	*out = NULL;
	if (!q->exercises)
		return 0;
	struct strbuf sb = {0};
	for (size_t i = 0; i < q->nexercises; i++) {
		if (!course_find(a->course, q->exercises[i])) {
			reply_error(r, 400, "unknown exercise %s", q->exercises[i]);
			sb_free(&sb);
			return -1;
		}
		sb_addf(&sb, "%s%s", sb.len ? "," : "", q->exercises[i]);
	}
	*out = sb.len ? sb_detach(&sb, NULL) : NULL;
	sb_free(&sb);
	return 0;
}

/* POST /api/v1/regrade: every learner's newest graded commit whose
 * grading the course changed since, queued again as bulk regrades. The
 * body is empty or {"exercises": [ids]} (regrade those, of every job). */
static void post_regrade(const struct call *c, struct reply *r)
{
	const struct request *rq = c->rq;
	char err[512];
	char *exercises = NULL;
	if (rq->too_large) {
		reply_error(r, 413, "the body is larger than max_body_bytes");
		return;
	}
	if (rq->body.len) {
		cJSON *o = json_body_parse("body", rq->body.buf, rq->body.len, err, sizeof err);
		if (!o) {
			reply_error(r, 400, "%s", err);
			return;
		}
		const cJSON *it, *list = NULL;
		int bad = 0;
		cJSON_ArrayForEach(it, o)
		{
			if (strcmp(it->string, "exercises")) {
				reply_error(r, 400, "body: unknown key \"%.100s\" (the one key is \"exercises\")",
					    it->string);
				bad = 1;
				break;
			}
			list = it;
		}
		struct strbuf sb = {0};
		if (!bad && list && (!cJSON_IsArray(list) || !cJSON_GetArraySize(list))) {
			reply_error(r, 400, "body: \"exercises\" must be a non-empty list of exercise ids");
			bad = 1;
		}
		const cJSON *ids = bad ? NULL : list;
		cJSON_ArrayForEach(it, ids)
		{
			const char *id = cJSON_GetStringValue(it);
			if (!id || !course_find(c->a->course, id)) {
				reply_error(r, 400, "unknown exercise %.200s", id ? id : "(not a string)");
				bad = 1;
				break;
			}
			sb_addf(&sb, "%s%s", sb.len ? "," : "", id);
		}
		cJSON_Delete(o);
		if (bad) {
			sb_free(&sb);
			return;
		}
		exercises = sb.len ? sb_detach(&sb, NULL) : NULL;
		sb_free(&sb);
	}
	struct regrade_result res;
	if (queue_regrade(c->a->q, c->a->course, exercises, &res, err, sizeof err) < 0) {
		free(exercises);
		reply_error(r, 500, "%s", err);
		return;
	}
	free(exercises);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "queued", (double)res.n);
	cJSON_AddNumberToObject(o, "current", (double)res.current);
	cJSON *ids = cJSON_AddArrayToObject(o, "jobs");
	for (size_t i = 0; i < res.n; i++)
		cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)res.ids[i]));
	cJSON_AddStringToObject(o, "moves", "/api/v1/regrades");
	char nq[24], nc[24];
	snprintf(nq, sizeof nq, "%zu", res.n);
	snprintf(nc, sizeof nc, "%ld", res.current);
	log_event(LOG_INFO, 0, "regrade queued", "jobs", nq, "current", nc, (const char *)NULL);
	regrade_result_free(&res);
	reply_json(r, 202, o);
}

/* GET /api/v1/regrades[?since=JOB]: the grades regrades moved. */
static void get_regrades(const struct call *c, struct reply *r)
{
	long since = 0;
	if (count_arg(c, "since", 999999999, &since, r) < 0)
		return;
	char err[256];
	cJSON *o = queue_grade_moves_json(c->a->q, since, err, sizeof err);
	if (!o) {
		reply_error(r, 500, "%s", err);
		return;
	}
	reply_json(r, 200, o);
}

static void post_submission(const struct call *c, struct reply *r)
{
	struct api *a = c->a;
	const struct api_token *t = c->token;
	const struct request *rq = c->rq;
	if (rq->too_large) {
		reply_error(r, 413, "the body is larger than %zu bytes", a->cfg->max_body_bytes);
		return;
	}
	struct submit_request q;
	char err[512];
	if (submit_parse(rq->body.buf, rq->body.len, &q, err, sizeof err) < 0) {
		reply_error(r, 400, "%s", err);
		return;
	}
	const struct watched_repo *known = config_find_repo(a->cfg, q.repo);
	char *exercises = NULL;
	/* Below RIGHT_ALL the job's learner is the repository's (the roster
	 * or the configuration): never the body's, so that no token credits
	 * a grading to a learner whose code it is not. */
	if (c->right != RIGHT_ALL && !known) {
		/* Only staff may make the grader fetch an arbitrary URL. */
		reply_error(r, 403, "this token may only submit configured repositories");
	} else if (c->right == RIGHT_OWN && strcmp(known->learner, t->learner)) {
		reply_error(r, 403, "this repository belongs to another learner");
	} else if (c->right != RIGHT_ALL && q.learner && strcmp(q.learner, known->learner)) {
		reply_error(r, 403,
			    "this token may not choose the learner: %.200s is %.200s's repository",
			    q.repo, known->learner);
	} else if (exercises_list(a, &q, &exercises, r) == 0) {
		const char *learner = q.learner;
		if (!learner)
			learner = known ? known->learner : t->name;
		char digest[72];
		course_grading_digest(a->course, exercises, digest);
		struct job_spec spec = {
		    .learner = learner,
		    .repo = q.repo,
		    .ref = q.ref,
		    .commit = q.commit,
		    .exercises = exercises,
		    .course_digest = digest,
		    /* a bulk submission is a regrade: it never supersedes */
		    .source = q.priority == JOB_BULK ? "regrade" : "api",
		    .priority = q.priority,
		};
		char head[41], refbuf[300];
		if (!spec.ref && !spec.commit) {
			snprintf(refbuf, sizeof refbuf, "refs/heads/%s",
				 known ? known->branch : "main");
			spec.ref = refbuf;
		}
		int rc = 0;
		if (!spec.commit) {
			/* the queue grades commits: find the one the ref names now */
			rc = poller_remote_head(q.repo, spec.ref, head, err, sizeof err);
			if (rc == 1)
				snprintf(err, sizeof err, "%s has no ref %s", q.repo, spec.ref);
			spec.commit = head;
		} else if (!spec.ref) {
			spec.ref = "HEAD";
		}
		int64_t id = 0;
		int dedup = 0;
		if (rc != 0) {
			reply_error(r, 400, "%s", err);
		} else if (queue_enqueue(a->q, &spec, &id, &dedup, err, sizeof err) < 0) {
			reply_error(r, 500, "%s", err);
		} else {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "id", (double)id);
			cJSON_AddBoolToObject(o, "deduplicated", dedup);
			char loc[64];
			snprintf(loc, sizeof loc, "/api/v1/submissions/%" PRId64, id);
			cJSON_AddStringToObject(o, "url", loc);
			reply_json(r, 202, o);
			log_event(LOG_INFO, id, "submission queued", "source", "api", "token",
				  t->name, "repo", q.repo, (const char *)NULL);
		}
	}
	free(exercises);
	submit_request_free(&q);
}

static const char *header_of(void *ctx, const char *name)
{
	return MHD_lookup_connection_value(ctx, MHD_HEADER_KIND, name);
}

/* The watched repository a push is about: its clone or ssh URL, as
 * configured. */
static const struct watched_repo *push_repo(const struct config *cfg, const struct webhook_push *p)
{
	const struct watched_repo *w = p->clone_url ? config_find_repo(cfg, p->clone_url) : NULL;
	if (!w && p->ssh_url)
		w = config_find_repo(cfg, p->ssh_url);
	return w;
}

/* A delivery that queues nothing: logged as "webhook refused" with a
 * fixed reason code (docs/operations.md, Logs) and the message, counted
 * by reason in the queue's counters (webhook_refused; GET /api/v1/ops),
 * then answered with status and {"error"} (4xx) or {"ignored"} (200). */
static void refuse_webhook(struct api *a, struct reply *r, const char *forge, unsigned status,
			   const char *reason, const char *msg)
{
	log_event(LOG_WARN, 0, "webhook refused", "forge", forge, "reason", reason, "error", msg,
		  (const char *)NULL);
	char err[256];
	if (queue_metric_add(a->q, "webhook_refused", reason, 1, err, sizeof err) < 0)
		log_event(LOG_ERROR, 0, "counter not kept", "counter", "webhook_refused", "error",
			  err, (const char *)NULL);
	if (status != 200) {
		reply_error(r, status, "%s", msg);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "ignored", msg);
	reply_json(r, 200, o);
}

static void post_webhook(const struct call *call, struct reply *r)
{
	struct api *a = call->a;
	const struct request *rq = call->rq;
	const char *endpoint = route_arg(call->args, "forge");
	enum forge want;
	char err[512] = "";
	if (forge_parse(endpoint, &want) < 0) {
		snprintf(err, sizeof err, "no webhook endpoint for '%.64s'", endpoint);
		refuse_webhook(a, r, endpoint, 404, "unknown-forge", err);
		return;
	}
	if (rq->too_large) {
		snprintf(err, sizeof err, "the body is larger than %zu bytes",
			 a->cfg->max_body_bytes);
		refuse_webhook(a, r, endpoint, 413, "too-large", err);
		return;
	}
	const char *secrets[FORGE_COUNT] = {0};
	for (size_t i = 0; i < a->cfg->nwebhooks; i++) {
		enum forge f;
		if (forge_parse(a->cfg->webhooks[i].forge, &f) == 0 && f == want)
			secrets[f] = a->cfg->webhooks[i].secret;
	}
	struct webhook_push push = {0};
	const char *body = rq->body.buf ? rq->body.buf : "";
	enum webhook_result wr = webhook_receive(header_of, call->conn, secrets, body, rq->body.len,
						 &push, err, sizeof err);
	const struct watched_repo *known = wr == WEBHOOK_ACCEPTED ? push_repo(a->cfg, &push) : NULL;
	if (wr == WEBHOOK_ACCEPTED && push.forge != want) {
		snprintf(err, sizeof err, "a %s event sent to /webhooks/%s", forge_name(push.forge),
			 endpoint);
		refuse_webhook(a, r, endpoint, 400, "wrong-endpoint", err);
	} else if (wr == WEBHOOK_UNAUTHORIZED) {
		refuse_webhook(a, r, endpoint, 401, "bad-signature", err);
	} else if (wr == WEBHOOK_TOO_LARGE) {
		refuse_webhook(a, r, endpoint, 413, "too-large", err);
	} else if (wr == WEBHOOK_BAD_REQUEST) {
		refuse_webhook(a, r, endpoint, 400, "malformed", err);
	} else if (wr == WEBHOOK_UNSUPPORTED_EVENT) {
		refuse_webhook(a, r, endpoint, 200, "unsupported-event", err);
	} else if (wr == WEBHOOK_IGNORED) {
		refuse_webhook(a, r, endpoint, 200, "nothing-to-grade", err);
	} else if (!known) {
		snprintf(err, sizeof err, "not a repository of this grader: %.200s",
			 push.clone_url ? push.clone_url : "(no clone URL)");
		refuse_webhook(a, r, endpoint, 200, "unknown-repository", err);
	} else if (!push.branch || strcmp(push.branch, known->branch)) {
		snprintf(err, sizeof err, "not the watched branch: %.100s is watched, not %.200s",
			 known->branch, push.ref);
		refuse_webhook(a, r, endpoint, 200, "other-branch", err);
	} else {
		char digest[72];
		course_grading_digest(a->course, NULL, digest);
		struct job_spec spec = {
		    .learner = known->learner,
		    .repo = known->url,
		    .ref = push.ref,
		    .commit = push.after,
		    .course_digest = digest,
		    .source = "push",
		    .priority = JOB_INTERACTIVE,
		};
		int64_t id;
		int dedup;
		if (queue_enqueue(a->q, &spec, &id, &dedup, err, sizeof err) < 0) {
			reply_error(r, 500, "%s", err);
		} else {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "id", (double)id);
			cJSON_AddBoolToObject(o, "deduplicated", dedup);
			reply_json(r, 202, o);
			log_event(LOG_INFO, id, "submission queued", "source", endpoint, "repo",
				  known->url, "commit", push.after, (const char *)NULL);
		}
	}
	webhook_push_free(&push);
}

static void get_metrics(const struct call *c, struct reply *r)
{
	struct api *a = c->a;
	char *text = NULL, err[256];
	if (metrics_render(a->q, &text, err, sizeof err) < 0) {
		reply_error(r, 500, "%s", err);
		return;
	}
	r->status = 200;
	r->body = text;
	r->type = "text/plain; version=0.0.4; charset=utf-8";
}

static void get_health(const struct call *c, struct reply *r)
{
	struct api *a = c->a;
	struct queue_counts qc;
	char err[256];
	cJSON *o = cJSON_CreateObject();
	if (queue_counts(a->q, &qc, err, sizeof err) < 0) {
		cJSON_AddStringToObject(o, "status", "unhealthy");
		cJSON_AddStringToObject(o, "error", "the queue does not answer");
		reply_json(r, 503, o);
		return;
	}
	cJSON_AddStringToObject(o, "status", "ok");
	cJSON_AddNumberToObject(o, "queued", (double)qc.by_state[JOB_QUEUED]);
	cJSON_AddNumberToObject(o, "running", (double)qc.by_state[JOB_RUNNING]);
	reply_json(r, 200, o);
}

/* What the operations page shows (docs/operations.md, Endpoints): jobs by
 * state, the newest failures, webhook deliveries refused by reason and
 * the graded counters, all from the queue's database, so every daemon of
 * a fleet shows the fleet. */
static void get_ops(const struct call *c, struct reply *r)
{
	struct api *a = c->a;
	struct queue_counts qc;
	struct job *failed = NULL, *running = NULL;
	struct queue_metric *m = NULL;
	size_t nfailed = 0, nrunning = 0, nm = 0;
	char err[256];
	if (queue_counts(a->q, &qc, err, sizeof err) < 0 ||
	    queue_list_state(a->q, JOB_FAILED, 20, &failed, &nfailed, err, sizeof err) < 0 ||
	    queue_list_state(a->q, JOB_RUNNING, 50, &running, &nrunning, err, sizeof err) < 0 ||
	    queue_metric_list(a->q, &m, &nm, err, sizeof err) < 0) {
		job_list_free(failed, nfailed);
		job_list_free(running, nrunning);
		reply_error(r, 500, "%s", err);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON *jobs = cJSON_AddObjectToObject(o, "jobs");
	for (int s = 0; s < JOB_STATE_COUNT; s++)
		cJSON_AddNumberToObject(jobs, job_state_name((enum job_state)s),
					(double)qc.by_state[s]);
	cJSON_AddNumberToObject(o, "oldest_queued_age_s", qc.oldest_queued_age_s);
	cJSON_AddNumberToObject(o, "workers", (double)a->cfg->workers);
	cJSON *fs = cJSON_AddArrayToObject(o, "recent_failures");
	for (size_t i = 0; i < nfailed; i++) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddNumberToObject(f, "id", (double)failed[i].id);
		cJSON_AddStringToObject(f, "learner", failed[i].learner ? failed[i].learner : "");
		cJSON_AddStringToObject(f, "error", failed[i].error ? failed[i].error : "");
		cJSON_AddNumberToObject(f, "attempts", failed[i].attempts);
		if (failed[i].finished_at > 0)
			add_time(f, "finished", failed[i].finished_at);
		else
			cJSON_AddNullToObject(f, "finished");
		cJSON_AddItemToArray(fs, f);
	}
	/* what each worker is grading now, and until when its lease holds */
	cJSON *rs = cJSON_AddArrayToObject(o, "running");
	for (size_t i = 0; i < nrunning; i++) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "id", (double)running[i].id);
		cJSON_AddStringToObject(j, "learner", running[i].learner ? running[i].learner : "");
		cJSON_AddStringToObject(j, "worker",
					running[i].lease_owner ? running[i].lease_owner : "");
		cJSON_AddNumberToObject(j, "attempts", running[i].attempts);
		if (running[i].started_at > 0)
			add_time(j, "started", running[i].started_at);
		else
			cJSON_AddNullToObject(j, "started");
		if (running[i].lease_expires > 0)
			add_time(j, "lease_expires", running[i].lease_expires);
		else
			cJSON_AddNullToObject(j, "lease_expires");
		cJSON_AddItemToArray(rs, j);
	}
	job_list_free(running, nrunning);
	cJSON *refused = cJSON_AddArrayToObject(o, "webhooks_refused");
	cJSON *graded = cJSON_AddObjectToObject(o, "graded");
	for (size_t i = 0; i < nm; i++) {
		if (!strcmp(m[i].name, "webhook_refused")) {
			cJSON *w = cJSON_CreateObject();
			cJSON_AddStringToObject(w, "reason", m[i].label);
			cJSON_AddNumberToObject(w, "deliveries", m[i].value);
			cJSON_AddItemToArray(refused, w);
		} else if (!strcmp(m[i].name, "graded")) {
			cJSON_AddNumberToObject(graded, m[i].label, m[i].value);
		}
	}
	job_list_free(failed, nfailed);
	queue_metric_list_free(m, nm);
	reply_json(r, 200, o);
}

/* ---- the web pages (docs/web.md) ---- */

/* Where a signed-in token's pages start: a learner's own page, the
 * gradebook for staff. */
static char *home_of(const struct api_token *t)
{
	if (t->role != ROLE_LEARNER)
		return xstrdup("/gradebook");
	char *seg = web_url_segment(t->learner);
	char *path = xasprintf("/learners/%s", seg);
	free(seg);
	return path;
}

/* Whether the cookie may be sent Secure: over TLS (a proxy in front that
 * says so; a Secure cookie only ever narrows where it is sent). */
static int secure_request(struct MHD_Connection *c)
{
	const char *proto = header(c, "X-Forwarded-Proto");
	return proto && !strcasecmp(proto, "https");
}

static void get_index(const struct call *c, struct reply *r)
{
	const char *cookie = MHD_lookup_connection_value(c->conn, MHD_COOKIE_KIND, WEB_COOKIE);
	const struct api_token *t =
	    cookie ? web_session_check(c->a->web_key, c->a->cfg, cookie, time(NULL)) : NULL;
	if (t && t->role != ROLE_CI) {
		char *home = home_of(t);
		reply_redirect(r, home);
		free(home);
		return;
	}
	reply_page(r, 200, "login.html", NULL);
}

static int from_this_site(struct MHD_Connection *c)
{
	return web_same_origin(header(c, "Origin"), header(c, "Sec-Fetch-Site"), header(c, "Host"));
}

/* A sign-in form: its token exchanged for a session cookie. */
static void post_login(const struct call *c, struct reply *r)
{
	struct api *a = c->a;
	const struct request *rq = c->rq;
	/* another site's form must not sign a browser in (to an account of
	 * the attacker's choosing); a client that is no browser sends
	 * neither header and needs the token anyway */
	if ((header(c->conn, "Origin") || header(c->conn, "Sec-Fetch-Site")) &&
	    !from_this_site(c->conn)) {
		reply_page(r, 403, "login.html", "Sign-in from another site is refused.");
		return;
	}
	if (rq->too_large) {
		reply_page(r, 413, "login.html", "The form is too large.");
		return;
	}
	char *token = web_form_field(rq->body.buf ? rq->body.buf : "", rq->body.len, "token");
	const struct api_token *t = token && *token ? config_find_token(a->cfg, token) : NULL;
	free(token);
	char session[WEB_SESSION_MAX];
	if (!t) {
		reply_page(r, 401, "login.html",
			   "That token is not valid. Check it and try again.");
	} else if (t->role == ROLE_CI) {
		reply_page(r, 403, "login.html",
			   "A ci token cannot sign in: the pages are for learners and staff.");
	} else if (web_session_new(a->web_key, t, time(NULL), session) < 0) {
		reply_page(r, 500, "login.html", "No session could be made (no random bytes).");
	} else {
		char *home = home_of(t);
		reply_redirect(r, home);
		free(home);
		r->set_cookie = web_cookie_header(session, secure_request(c->conn));
		log_event(LOG_INFO, 0, "signed in", "token", t->name, (const char *)NULL);
	}
}

/* Why a request with the session cookie may not change anything, or
 * NULL when it may: it carries the session's CSRF token and comes from
 * this site (docs/web.md). */
static const char *cookie_refusal(struct api *a, struct MHD_Connection *c, const char *session)
{
	if (!web_csrf_ok(a->web_key, session, header(c, WEB_CSRF_HEADER)))
		return "a request made with the session cookie needs the session's " WEB_CSRF_HEADER
		       " header";
	if (!from_this_site(c))
		return "a request made with the session cookie must come from this site's pages";
	return NULL;
}

static void post_logout(const struct call *c, struct reply *r)
{
	struct api *a = c->a;
	const char *cookie = MHD_lookup_connection_value(c->conn, MHD_COOKIE_KIND, WEB_COOKIE);
	if (cookie && web_session_check(a->web_key, a->cfg, cookie, time(NULL))) {
		const char *why = cookie_refusal(a, c->conn, cookie);
		if (why) {
			reply_error(r, 403, "%s", why);
			return;
		}
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "signed_out", 1);
	reply_json(r, 200, o);
	r->set_cookie = web_cookie_header(NULL, secure_request(c->conn));
}

/* Who the caller is, and for a browser its CSRF token: what the pages
 * read first. */
static void get_session(const struct call *c, struct reply *r)
{
	const struct api_token *t = c->token;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", t->name);
	cJSON_AddStringToObject(o, "role", role_name(t->role));
	if (t->learner)
		cJSON_AddStringToObject(o, "learner", t->learner);
	if (c->session) {
		char csrf[65];
		web_csrf_token(c->a->web_key, c->session, csrf);
		cJSON_AddStringToObject(o, "csrf_token", csrf);
	}
	reply_json(r, 200, o);
}

static void get_gradebook_page(const struct call *c, struct reply *r)
{
	(void)c;
	reply_page(r, 200, "gradebook.html", NULL);
}

/* An exercise's statistics (/exercises?id=ID): the page reads
 * /api/v1/stats, which says 400 or 404 for a bad id. */
static void get_exercises_page(const struct call *c, struct reply *r)
{
	(void)c;
	reply_page(r, 200, "exercises.html", NULL);
}

static void get_ops_page(const struct call *c, struct reply *r)
{
	(void)c;
	reply_page(r, 200, "ops.html", NULL);
}

static void get_learner_page(const struct call *c, struct reply *r)
{
	if (c->right == RIGHT_OWN && strcmp(c->token->learner, route_arg(c->args, "id"))) {
		deny(c, r);
		return;
	}
	reply_page(r, 200, "learner.html", NULL);
}

/* The files of web/ but its pages, which have their own routes (and
 * are templates: no use on their own). */
static void get_static(const struct call *c, struct reply *r)
{
	const char *name = route_arg(c->args, "name");
	const struct web_asset *f = web_asset_find(name);
	if (!f || !strcmp(web_content_type(name), "text/html; charset=utf-8")) {
		reply_error(r, 404, "no such file: /static/%s", name);
		return;
	}
	r->status = 200;
	r->asset = f;
	r->type = web_content_type(name);
}

struct api_route {
	const char *method;
	const char *pattern; /* route.h */
	int open;            /* 1: no token needed (the rights are then unused) */
	/* 1: a page for a browser: without a session it sends the caller to
	 * the sign-in page (303 to /), and its 403 is an HTML page */
	int page;
	enum right rights[ROLE_COUNT]; /* by enum role: admin, instructor, learner, ci */
	/* The 403 for a token without the right; {name} is the argument. */
	const char *forbidden;
	void (*handle)(const struct call *c, struct reply *r);
};

#define NONE       RIGHT_NONE
#define OWN        RIGHT_OWN
#define CONFIGURED RIGHT_CONFIGURED
#define ALL        RIGHT_ALL
/* The API and each role's rights on it, the one table of who may do what.
 * docs/operations.md has the same table (a unit test compares them); what
 * "own" and "configured" mean for a route's data is its handler's. */
static const struct api_route routes[] = {
    /* method, pattern, open, page, rights {admin, instructor, learner, ci}, 403, handler */
    {"GET", "/healthz", 1, 0, {NONE, NONE, NONE, NONE}, NULL, get_health},
    {"GET",
     "/metrics",
     0,
     0,
     {ALL, ALL, NONE, NONE},
     "metrics are for admin and instructor tokens",
     get_metrics},
    {"POST",
     "/api/v1/submissions",
     0,
     0,
     {ALL, ALL, OWN, CONFIGURED},
     "this token may not submit",
     post_submission},
    {"GET",
     "/api/v1/submissions/{id}",
     0,
     0,
     {ALL, ALL, OWN, NONE},
     "this token may submit but not read submissions",
     get_submission},
    {"GET",
     "/api/v1/learners/{id}/reports",
     0,
     0,
     {ALL, ALL, OWN, NONE},
     "this token may not read {id}'s reports",
     get_learner_reports},
    {"GET",
     "/api/v1/learners/{id}/grades",
     0,
     0,
     {ALL, ALL, OWN, NONE},
     "this token may not read {id}'s grades",
     get_learner_grades},
    {"GET",
     "/api/v1/grades",
     0,
     0,
     {ALL, ALL, NONE, NONE},
     "the gradebook is for admin and instructor tokens",
     get_grades},
    {"GET",
     "/api/v1/grades.csv",
     0,
     0,
     {ALL, ALL, NONE, NONE},
     "the gradebook is for admin and instructor tokens",
     get_grades_csv},
    {"GET",
     "/api/v1/stats",
     0,
     0,
     {ALL, ALL, NONE, NONE},
     "exercise statistics are for admin and instructor tokens",
     get_exercise_stats},
    {"POST",
     "/api/v1/regrade",
     0,
     0,
     {ALL, ALL, NONE, NONE},
     "regrading is for admin and instructor tokens",
     post_regrade},
    {"GET",
     "/api/v1/regrades",
     0,
     0,
     {ALL, ALL, NONE, NONE},
     "regrades are for admin and instructor tokens",
     get_regrades},
    {"GET",
     "/api/v1/ops",
     0,
     0,
     {ALL, NONE, NONE, NONE},
     "the operations figures are for admin tokens",
     get_ops},
    {"POST", "/webhooks/{forge}", 1, 0, {NONE, NONE, NONE, NONE}, NULL, post_webhook},
    /* the web pages (docs/web.md) */
    {"GET", "/", 1, 0, {NONE, NONE, NONE, NONE}, NULL, get_index},
    {"POST", "/login", 1, 0, {NONE, NONE, NONE, NONE}, NULL, post_login},
    {"POST", "/logout", 1, 0, {NONE, NONE, NONE, NONE}, NULL, post_logout},
    {"GET", "/static/{name}", 1, 0, {NONE, NONE, NONE, NONE}, NULL, get_static},
    {"GET",
     "/api/v1/session",
     0,
     0,
     {ALL, ALL, OWN, NONE},
     "a ci token has no session",
     get_session},
    {"GET",
     "/gradebook",
     0,
     1,
     {ALL, ALL, NONE, NONE},
     "The gradebook is for instructors and admins.",
     get_gradebook_page},
    {"GET",
     "/exercises",
     0,
     1,
     {ALL, ALL, NONE, NONE},
     "Exercise statistics are for instructors and admins.",
     get_exercises_page},
    {"GET",
     "/ops",
     0,
     1,
     {ALL, NONE, NONE, NONE},
     "The operations page is for admins.",
     get_ops_page},
    {"GET",
     "/learners/{id}",
     0,
     1,
     {ALL, ALL, OWN, NONE},
     "You may see your own submissions only, not {id}'s.",
     get_learner_page},
};
#undef NONE
#undef OWN
#undef CONFIGURED
#undef ALL
static const size_t nroutes = sizeof routes / sizeof routes[0];

static const char *const right_names[] = {
    [RIGHT_NONE] = "no",
    [RIGHT_OWN] = "own",
    [RIGHT_CONFIGURED] = "configured",
    [RIGHT_ALL] = "all",
};

int api_route_describe(size_t i, const char **method, const char **pattern,
		       const char *rights[ROLE_COUNT])
{
	if (i >= nroutes)
		return 0;
	*method = routes[i].method;
	*pattern = routes[i].pattern;
	for (int role = 0; role < ROLE_COUNT; role++)
		rights[role] = routes[i].open ? "open" : right_names[routes[i].rights[role]];
	return 1;
}

/* The 403 of the route c is on: its forbidden message. */
static void deny(const struct call *c, struct reply *r)
{
	char *msg = route_expand(c->route->forbidden, c->args);
	if (c->route->page)
		reply_page(r, 403, "error.html", msg); /* escaped there: {id} is the caller's */
	else
		reply_error(r, 403, "%s", msg);
	free(msg);
}

/* After the path is known and the token checked: 405 for a method no
 * route of the path has, 403 for a role the route does not allow. */
static void dispatch(const struct call *c, const struct api_route *path, struct reply *r)
{
	if (!c->route)
		reply_error(r, 405, "use %s", path->method);
	else if (c->token && c->right == RIGHT_NONE)
		deny(c, r);
	else
		c->route->handle(c, r);
}

/* Routes one complete request: 404 for a path no route has, 401 without
 * a valid token where the path needs one, then dispatch. Called with
 * a->lock held. */
static void route(struct api *a, struct MHD_Connection *conn, const char *url, const char *method,
		  const struct request *rq, struct reply *r)
{
	const struct api_route *path = NULL, *rt = NULL;
	struct route_args args = {0};
	for (size_t i = 0; i < nroutes && !rt; i++) {
		struct route_args got;
		if (!route_match(routes[i].pattern, url, &got))
			continue;
		if (!path)
			path = &routes[i];
		if (!strcmp(routes[i].method, method))
			rt = &routes[i];
		route_args_free(&args);
		args = got;
	}
	/* arguments are matched encoded and decoded after, so that a "%2F"
	 * in a learner's name stays inside its one segment */
	int bad_arg = 0;
	for (size_t i = 0; i < args.n; i++) {
		char *v = web_percent_decode(args.v[i].value, strlen(args.v[i].value), 0);
		bad_arg |= !v;
		free(args.v[i].value);
		args.v[i].value = v ? v : xstrdup("");
	}
	struct call c = {.a = a, .route = rt, .conn = conn, .rq = rq, .args = &args};
	const struct api_route *gate = rt ? rt : path; /* whose token rule applies */
	const char *why = NULL;
	if (!path) {
		reply_error(r, 404, "no such endpoint: %s", url);
	} else if (bad_arg) {
		reply_error(r, 400, "the path has a bad %%-escape or an encoded NUL: %s", url);
	} else if (!gate->open && !(c.token = authenticate(a, conn, r, &c.session))) {
		if (gate->page) { /* a browser: to the sign-in page */
			free(r->body);
			*r = (struct reply){0};
			reply_redirect(r, "/");
		}
	} else if (c.session && rt && strcmp(method, "GET") &&
		   (why = cookie_refusal(a, conn, c.session)) != NULL) {
		/* a browser's cookie goes with any request to this site, even
		 * one another site makes it send: only the pages know the
		 * CSRF token */
		reply_error(r, 403, "%s", why);
	} else {
		if (c.token && rt)
			c.right = rt->rights[c.token->role];
		dispatch(&c, path, r);
	}
	route_args_free(&args);
}

/* The pages' Content-Security-Policy: only this site's own scripts,
 * styles and requests, no inline script or style, no framing. */
static const char csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
			  "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
			  "frame-ancestors 'none'; base-uri 'none'";

/* URLs reach route() as sent: it decodes each argument itself. */
static size_t keep_escapes(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls, (void)c;
	return strlen(s);
}

static enum MHD_Result send_reply(struct MHD_Connection *c, struct reply *r)
{
	struct MHD_Response *resp =
	    r->asset
		? MHD_create_response_from_buffer(r->asset->len, (void *)r->asset->data,
						  MHD_RESPMEM_PERSISTENT)
		: MHD_create_response_from_buffer(strlen(r->body), r->body, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type", r->type);
	/* every reply but an embedded file may hold someone's data */
	MHD_add_response_header(resp, "Cache-Control", r->asset ? "no-cache" : "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Content-Security-Policy", csp);
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	if (r->www_auth)
		MHD_add_response_header(resp, "WWW-Authenticate", r->www_auth);
	if (r->set_cookie)
		MHD_add_response_header(resp, "Set-Cookie", r->set_cookie);
	if (r->location)
		MHD_add_response_header(resp, "Location", r->location);
	free(r->set_cookie);
	free(r->location);
	enum MHD_Result ret = MHD_queue_response(c, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	(void)version;
	struct api *a = cls;
	struct request *rq = *con_cls;
	if (!rq) {
		*con_cls = xcalloc(1, sizeof *rq);
		return MHD_YES;
	}
	if (*upload_size) {
		if (rq->body.len + *upload_size > a->cfg->max_body_bytes)
			rq->too_large = 1;
		else
			sb_add(&rq->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	struct reply r = {0};
	pthread_mutex_lock(&a->lock);
	route(a, c, url, method, rq, &r);
	pthread_mutex_unlock(&a->lock);
	return send_reply(c, &r);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)c, (void)toe;
	struct request *rq = *con_cls;
	if (rq) {
		sb_free(&rq->body);
		free(rq);
	}
	*con_cls = NULL;
}

/* libmicrohttpd's own messages ("Connection was closed by remote side
 * with incomplete request.") as JSON log lines like every other line of
 * the daemon, never as plain text on stderr. A message repeated within
 * MHD_LOG_QUIET seconds of its last logged line is counted, not logged
 * (a flood of refused connections would write one line each); the next
 * line logged of it says how many were left out ("repeated"). */
enum { MHD_LOG_QUIET = 10 };
static pthread_mutex_t mhd_log_lock = PTHREAD_MUTEX_INITIALIZER;
static char mhd_log_last[512];
static double mhd_log_at;
static unsigned long mhd_log_skipped;

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char text[512];
	vsnprintf(text, sizeof text, fmt, ap);
	size_t n = strlen(text);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	double now = now_monotonic();
	pthread_mutex_lock(&mhd_log_lock);
	int same = !strcmp(text, mhd_log_last);
	if (same && now - mhd_log_at < MHD_LOG_QUIET) {
		mhd_log_skipped++;
		pthread_mutex_unlock(&mhd_log_lock);
		return;
	}
	char repeated[32] = "";
	if (same && mhd_log_skipped)
		snprintf(repeated, sizeof repeated, "%lu", mhd_log_skipped);
	snprintf(mhd_log_last, sizeof mhd_log_last, "%s", text);
	mhd_log_at = now;
	mhd_log_skipped = 0;
	pthread_mutex_unlock(&mhd_log_lock);
	if (repeated[0])
		log_event(LOG_WARN, 0, "http server", "detail", text, "repeated", repeated,
			  (const char *)NULL);
	else
		log_event(LOG_WARN, 0, "http server", "detail", text, (const char *)NULL);
}

/* Descriptors the process needs besides its HTTP connections: the
 * queue, logs, pollers' and callbacks' sockets, the listening socket. */
enum { SPARE_FDS = 128 };

/* The HTTP connection limit: max, once the soft open-file limit is raised
 * (up to the hard one) to hold that many connections; less, with a
 * warning, when the hard limit is lower. */
static unsigned connection_limit(int max)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)max + SPARE_FDS;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return (unsigned)max;
	if (rl.rlim_cur < want) {
		rl.rlim_cur =
		    rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur >= want)
		return (unsigned)max;
	unsigned fit =
	    rl.rlim_cur > 2 * SPARE_FDS ? (unsigned)(rl.rlim_cur - SPARE_FDS) : SPARE_FDS;
	char have[32], got[32];
	snprintf(have, sizeof have, "%llu", (unsigned long long)rl.rlim_cur);
	snprintf(got, sizeof got, "%u", fit);
	log_event(LOG_WARN, 0, "max_connections lowered to fit the open-file limit", "open_files",
		  have, "max_connections", got, (const char *)NULL);
	return fit;
}

struct api *api_start(const struct config *cfg, const struct course *course, char *err,
		      size_t errlen)
{
	struct sockaddr_in addr = {.sin_family = AF_INET,
				   .sin_port = htons((uint16_t)cfg->listen_port)};
	if (inet_pton(AF_INET, cfg->listen_host, &addr.sin_addr) != 1) {
		snprintf(err, errlen, "listen address '%s' is not an IPv4 address",
			 cfg->listen_host);
		return NULL;
	}
	struct api *a = xcalloc(1, sizeof *a);
	pthread_mutex_init(&a->lock, NULL);
	a->cfg = cfg;
	a->course = course;
	if (web_key_load(cfg->state_dir, a->web_key, err, errlen) < 0) {
		free(a);
		return NULL;
	}
	a->q = queue_open(cfg->queue_url, err, errlen);
	if (!a->q) {
		free(a);
		return NULL;
	}
	/* Slow clients hold connections: each client address may hold at most
	 * max_client_connections, an idle one is closed after http_timeout,
	 * and the total has room for many clients at their cap. */
	unsigned limit = connection_limit(cfg->max_connections);
	/* the logger first: MHD logs its complaints about later options */
	a->mhd = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
	    (uint16_t)cfg->listen_port, NULL, NULL, handle, a, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
	    NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE, 2u,
	    MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)cfg->max_client_connections, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)(cfg->http_timeout_s + 0.5), MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_UNESCAPE_CALLBACK,
	    keep_escapes, NULL, MHD_OPTION_END);
	if (!a->mhd) {
		snprintf(err, errlen, "cannot listen on %s:%d (in use?)", cfg->listen_host,
			 cfg->listen_port);
		queue_close(a->q);
		free(a);
		return NULL;
	}
	return a;
}

void api_reload(struct api *a, const struct config *cfg, const struct course *course)
{
	pthread_mutex_lock(&a->lock);
	a->cfg = cfg;
	a->course = course;
	pthread_mutex_unlock(&a->lock);
}

void api_stop(struct api *a)
{
	if (!a)
		return;
	MHD_stop_daemon(a->mhd);
	queue_close(a->q);
	pthread_mutex_destroy(&a->lock);
	free(a);
}
