/*
 * api.c - the daemon's HTTP API (api.h) on libmicrohttpd.
 *
 * Requests are served by a small pool of MHD threads; they share one
 * queue handle under a mutex, and read the configuration under the same
 * mutex so that a reload never changes it in the middle of a request.
 */
#include "api.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#include "webhook.h"

struct api {
	struct MHD_Daemon *mhd;
	pthread_mutex_t lock;
	const struct config *cfg;
	const struct course *course;
	struct queue *q;
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
};

/* One request as a route's handler sees it. */
struct call {
	struct api *a;
	const struct api_route *route;
	struct MHD_Connection *conn;
	const struct api_token *token; /* NULL on a route open to anyone */
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

/* The caller's token entry, or NULL after replying 401. */
static const struct api_token *authenticate(struct api *a, struct MHD_Connection *c,
					    struct reply *r)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
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

static int sees_everything(const struct api_token *t)
{
	return t->role == ROLE_ADMIN || t->role == ROLE_INSTRUCTOR;
}

/* A job as JSON; report redacted for learners. */
static cJSON *job_json(struct api *a, const struct job *j, const struct api_token *t)
{
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
	if (j->error && sees_everything(t))
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
			if (!sees_everything(t))
				report_json_for_learner(rep);
			cJSON_AddItemToObject(o, "report", rep);
		}
	}
	return o;
}

static int parse_id(const char *s, int64_t *id)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v <= 0)
		return -1;
	*id = v;
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
	if (t->role == ROLE_LEARNER && (!j.learner || strcmp(j.learner, t->learner)))
		reply_error(r, 404, "no submission %s", idstr); /* do not confirm it exists */
	else
		reply_json(r, 200, job_json(a, &j, t));
	job_free(&j);
}

static void deny(const struct call *c, struct reply *r);

static void get_learner_reports(const struct call *c, struct reply *r)
{
	struct api *a = c->a;
	const struct api_token *t = c->token;
	const char *learner = route_arg(c->args, "id");
	if (t->role == ROLE_LEARNER && strcmp(t->learner, learner)) {
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
		cJSON_AddItemToArray(arr, job_json(a, &v[i], t));
	job_list_free(v, n);
	reply_json(r, 200, o);
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
	if (!sees_everything(t) && !known) {
		/* Only staff may make the grader fetch an arbitrary URL. */
		reply_error(r, 403, "this token may only submit configured repositories");
	} else if (t->role == ROLE_LEARNER && strcmp(known->learner, t->learner)) {
		reply_error(r, 403, "this repository belongs to another learner");
	} else if (exercises_list(a, &q, &exercises, r) == 0) {
		const char *learner = q.learner;
		if (!learner)
			learner = known ? known->learner : t->name;
		if (t->role == ROLE_LEARNER)
			learner = t->learner;
		struct job_spec spec = {
		    .learner = learner,
		    .repo = q.repo,
		    .ref = q.ref,
		    .commit = q.commit,
		    .exercises = exercises,
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

static void post_webhook(const struct call *call, struct reply *r)
{
	struct api *a = call->a;
	const struct request *rq = call->rq;
	const char *endpoint = route_arg(call->args, "forge");
	enum forge want;
	if (forge_parse(endpoint, &want) < 0) {
		reply_error(r, 404, "no webhook endpoint for '%s'", endpoint);
		return;
	}
	if (rq->too_large) {
		reply_error(r, 413, "the body is larger than %zu bytes", a->cfg->max_body_bytes);
		return;
	}
	const char *secrets[FORGE_COUNT] = {0};
	for (size_t i = 0; i < a->cfg->nwebhooks; i++) {
		enum forge f;
		if (forge_parse(a->cfg->webhooks[i].forge, &f) == 0 && f == want)
			secrets[f] = a->cfg->webhooks[i].secret;
	}
	struct webhook_push push = {0};
	char err[256] = "";
	const char *body = rq->body.buf ? rq->body.buf : "";
	enum webhook_result wr = webhook_receive(header_of, call->conn, secrets, body, rq->body.len,
						 &push, err, sizeof err);
	cJSON *o = cJSON_CreateObject();
	const struct watched_repo *known = wr == WEBHOOK_ACCEPTED ? push_repo(a->cfg, &push) : NULL;
	if (wr == WEBHOOK_ACCEPTED && push.forge != want) {
		wr = WEBHOOK_BAD_REQUEST;
		snprintf(err, sizeof err, "a %s event sent to /webhooks/%s", forge_name(push.forge),
			 endpoint);
	}
	switch (wr) {
	case WEBHOOK_UNAUTHORIZED:
		log_event(LOG_WARN, 0, "webhook refused", "forge", endpoint, "error", err,
			  (const char *)NULL);
		cJSON_Delete(o);
		reply_error(r, 401, "%s", err);
		break;
	case WEBHOOK_TOO_LARGE:
		cJSON_Delete(o);
		reply_error(r, 413, "%s", err);
		break;
	case WEBHOOK_BAD_REQUEST:
		cJSON_Delete(o);
		reply_error(r, 400, "%s", err);
		break;
	case WEBHOOK_IGNORED:
		cJSON_AddStringToObject(o, "ignored", err[0] ? err : "nothing to grade");
		reply_json(r, 200, o);
		break;
	case WEBHOOK_ACCEPTED:
		if (!known) {
			cJSON_AddStringToObject(o, "ignored", "not a repository of this grader");
			reply_json(r, 200, o);
		} else if (!push.branch || strcmp(push.branch, known->branch)) {
			cJSON_AddStringToObject(o, "ignored", "not the watched branch");
			reply_json(r, 200, o);
		} else {
			struct job_spec spec = {
			    .learner = known->learner,
			    .repo = known->url,
			    .ref = push.ref,
			    .commit = push.after,
			    .source = "push",
			    .priority = JOB_INTERACTIVE,
			};
			int64_t id;
			int dedup;
			if (queue_enqueue(a->q, &spec, &id, &dedup, err, sizeof err) < 0) {
				cJSON_Delete(o);
				reply_error(r, 500, "%s", err);
				break;
			}
			cJSON_AddNumberToObject(o, "id", (double)id);
			cJSON_AddBoolToObject(o, "deduplicated", dedup);
			reply_json(r, 202, o);
			log_event(LOG_INFO, id, "submission queued", "source", endpoint, "repo",
				  known->url, "commit", push.after, (const char *)NULL);
		}
		break;
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

/* Who may call a route: no token at all, or a token of these roles. */
enum who {
	ANYONE = 0,
	ADMIN = 1 << ROLE_ADMIN,
	INSTRUCTOR = 1 << ROLE_INSTRUCTOR,
	LEARNER = 1 << ROLE_LEARNER,
	CI = 1 << ROLE_CI,
	STAFF = ADMIN | INSTRUCTOR,
	ANY_TOKEN = STAFF | LEARNER | CI,
};

struct api_route {
	const char *method;
	const char *pattern; /* route.h */
	unsigned who;
	/* The 403 for a token of another role; {name} is the argument. */
	const char *forbidden;
	void (*handle)(const struct call *c, struct reply *r);
};

/* The API. docs/operations.md lists the same routes (a unit test
 * compares them); finer rules that depend on the data (a learner's own
 * repository, job or reports) are the handlers'. */
static const struct api_route routes[] = {
    {"GET", "/healthz", ANYONE, NULL, get_health},
    {"GET", "/metrics", STAFF, "metrics are for admin and instructor tokens", get_metrics},
    {"POST", "/api/v1/submissions", ANY_TOKEN, NULL, post_submission},
    {"GET", "/api/v1/submissions/{id}", ANY_TOKEN, NULL, get_submission},
    {"GET", "/api/v1/learners/{id}/reports", STAFF | LEARNER,
     "this token may not read {id}'s reports", get_learner_reports},
    {"POST", "/webhooks/{forge}", ANYONE, NULL, post_webhook},
};
static const size_t nroutes = sizeof routes / sizeof routes[0];

int api_route_describe(size_t i, const char **method, const char **pattern, char *who,
		       size_t wholen)
{
	if (i >= nroutes)
		return 0;
	*method = routes[i].method;
	*pattern = routes[i].pattern;
	struct strbuf sb = {0};
	for (int role = ROLE_ADMIN; role <= ROLE_CI; role++)
		if (routes[i].who & (1u << role))
			sb_addf(&sb, "%s%s", sb.len ? ", " : "", role_name((enum role)role));
	snprintf(who, wholen, "%s", sb.len ? sb.buf : "anyone");
	sb_free(&sb);
	return 1;
}

/* The 403 of the route c is on: its forbidden message. */
static void deny(const struct call *c, struct reply *r)
{
	char *msg = route_expand(c->route->forbidden, c->args);
	reply_error(r, 403, "%s", msg);
	free(msg);
}

/* After the path is known and the token checked: 405 for a method no
 * route of the path has, 403 for a role the route does not allow. */
static void dispatch(const struct call *c, const struct api_route *path, struct reply *r)
{
	if (!c->route)
		reply_error(r, 405, "use %s", path->method);
	else if (c->token && !(c->route->who & (1u << c->token->role)))
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
	struct call c = {.a = a, .route = rt, .conn = conn, .rq = rq, .args = &args};
	const struct api_route *gate = rt ? rt : path; /* whose token rule applies */
	if (!path)
		reply_error(r, 404, "no such endpoint: %s", url);
	else if (gate->who == ANYONE || (c.token = authenticate(a, conn, r)) != NULL)
		dispatch(&c, path, r);
	route_args_free(&args);
}

static enum MHD_Result send_reply(struct MHD_Connection *c, struct reply *r)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(strlen(r->body), r->body, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type", r->type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (r->www_auth)
		MHD_add_response_header(resp, "WWW-Authenticate", r->www_auth);
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
		*con_cls = rq = xcalloc(1, sizeof *rq);
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
 * the daemon, never as plain text on stderr. */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char text[512];
	vsnprintf(text, sizeof text, fmt, ap);
	size_t n = strlen(text);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	log_event(LOG_WARN, 0, "http server", "detail", text, (const char *)NULL);
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
	a->q = queue_open(cfg->queue_url, err, errlen);
	if (!a->q) {
		free(a);
		return NULL;
	}
	a->mhd = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
	    (uint16_t)cfg->listen_port, NULL, NULL, handle, a, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE, 2u, MHD_OPTION_CONNECTION_LIMIT,
	    256u, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
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
