/*
 * queue.c - the queue's front door: picks the back end from the URL,
 * checks every argument once so the back ends need not, and holds the
 * helpers both back ends share (job states, errors, clocks, freeing).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grader/util/util.h"
#include "queue_backend.h"

static const char *const state_names[JOB_STATE_COUNT] = {
    [JOB_QUEUED] = "queued", [JOB_RUNNING] = "running",       [JOB_DONE] = "done",
    [JOB_FAILED] = "failed", [JOB_SUPERSEDED] = "superseded",
};

const char queue_job_columns[] =
    "j.id, j.learner, j.repo, j.ref, j.commit_id, j.exercises, j.course_digest,"
    " j.source, j.callback_url, j.priority, j.state, j.attempts, j.lease_owner,"
    " j.lease_expires, j.created_at, j.started_at, j.finished_at, j.superseded_by,"
    " j.error, COALESCE(r.status, j.status), r.report"
    " FROM jobs j LEFT JOIN reports r ON j.state = 'done' AND r.repo = j.repo"
    " AND r.commit_id = j.commit_id AND r.exercises = j.exercises"
    " AND r.course_digest = j.course_digest";

const char *job_state_name(enum job_state s)
{
	if ((unsigned)s >= JOB_STATE_COUNT)
		return "unknown";
	return state_names[s];
}

int job_state_parse(const char *name, enum job_state *out)
{
	for (int i = 0; i < JOB_STATE_COUNT; i++) {
		if (name && strcmp(name, state_names[i]) == 0) {
			*out = (enum job_state)i;
			return 0;
		}
	}
	return -1;
}

void job_free(struct job *j)
{
	if (!j)
		return;
	free(j->learner);
	free(j->repo);
	free(j->ref);
	free(j->commit);
	free(j->exercises);
	free(j->course_digest);
	free(j->source);
	free(j->callback_url);
	free(j->lease_owner);
	free(j->error);
	free(j->status);
	free(j->report);
	memset(j, 0, sizeof(*j));
}

void job_list_free(struct job *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		job_free(&v[i]);
	free(v);
}

int queue_errf(char *err, size_t errlen, int code, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

double queue_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *queue_opt(const char *s)
{
	return s ? s : "";
}

char *queue_opt_dup(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

int queue_source_supersedes(const char *source)
{
	return !source || strcmp(source, "regrade") != 0;
}

static int has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

struct queue *queue_open(const char *url, char *err, size_t errlen)
{
	struct queue *q;

	if (!url || !*url) {
		queue_errf(err, errlen, QUEUE_ERROR, "queue: empty queue URL");
		return NULL;
	}
	if (has_prefix(url, "postgresql://") || has_prefix(url, "postgres://"))
		q = queue_pg_open(url, err, errlen);
	else if (has_prefix(url, "sqlite:"))
		q = queue_sqlite_open(url + strlen("sqlite:"), err, errlen);
	else if (strstr(url, "://")) {
		queue_errf(err, errlen, QUEUE_ERROR,
			   "queue: unknown queue URL scheme in '%s' (use sqlite:PATH or "
			   "postgresql://...)",
			   url);
		return NULL;
	} else
		q = queue_sqlite_open(url, err, errlen);
	if (q)
		q->max_attempts = 3;
	return q;
}

void queue_close(struct queue *q)
{
	if (q)
		q->ops->close(q);
}

const char *queue_backend(const struct queue *q)
{
	return q->ops->name;
}

void queue_set_max_attempts(struct queue *q, int max_attempts)
{
	q->max_attempts = max_attempts < 1 ? 1 : max_attempts;
}

static int is_hex_commit(const char *s)
{
	size_t n = strlen(s);
	if (n != 40 && n != 64)
		return 0;
	return strspn(s, "0123456789abcdef") == n;
}

static int check_spec(const struct job_spec *s, char *err, size_t errlen)
{
	const char *missing = !s->learner || !*s->learner ? "learner"
			      : !s->repo || !*s->repo     ? "repo"
			      : !s->ref || !*s->ref       ? "ref"
			      : !s->commit                ? "commit"
							  : NULL;
	if (missing)
		return queue_errf(err, errlen, QUEUE_ERROR, "queue: job without a %s", missing);
	if (!is_hex_commit(s->commit))
		return queue_errf(err, errlen, QUEUE_ERROR,
				  "queue: commit '%.80s' is not a full lowercase hex object id",
				  s->commit);
	if (s->priority != JOB_INTERACTIVE && s->priority != JOB_BULK)
		return queue_errf(err, errlen, QUEUE_ERROR, "queue: priority %d is not 0 or 1",
				  (int)s->priority);
	return QUEUE_OK;
}

static int check_worker(const char *worker, char *err, size_t errlen)
{
	if (!worker || !*worker)
		return queue_errf(err, errlen, QUEUE_ERROR, "queue: no worker name");
	return QUEUE_OK;
}

static int check_lease(double lease_s, char *err, size_t errlen)
{
	if (!(lease_s > 0) || lease_s > 86400.0 * 365)
		return queue_errf(err, errlen, QUEUE_ERROR, "queue: lease of %g s is not positive",
				  lease_s);
	return QUEUE_OK;
}

int queue_enqueue(struct queue *q, const struct job_spec *spec, int64_t *id, int *deduplicated,
		  char *err, size_t errlen)
{
	int dedup = 0;
	if (check_spec(spec, err, errlen))
		return QUEUE_ERROR;
	int rc = q->ops->enqueue(q, spec, id, &dedup, err, errlen);
	if (deduplicated)
		*deduplicated = dedup;
	return rc;
}

int queue_lease(struct queue *q, const char *worker, double lease_s, struct job *out, int *got,
		char *err, size_t errlen)
{
	*got = 0;
	memset(out, 0, sizeof(*out));
	if (check_worker(worker, err, errlen) || check_lease(lease_s, err, errlen))
		return QUEUE_ERROR;
	return q->ops->lease(q, worker, lease_s, out, got, err, errlen);
}

int queue_heartbeat(struct queue *q, int64_t id, const char *worker, double lease_s, char *err,
		    size_t errlen)
{
	if (check_worker(worker, err, errlen) || check_lease(lease_s, err, errlen))
		return QUEUE_ERROR;
	return q->ops->heartbeat(q, id, worker, lease_s, err, errlen);
}

static int is_report_status(const char *s)
{
	return s && (!strcmp(s, "passed") || !strcmp(s, "failed") || !strcmp(s, "error"));
}

int queue_complete(struct queue *q, int64_t id, const char *worker, const char *report_json,
		   const char *status, int *stored, char *err, size_t errlen)
{
	int dummy;
	if (check_worker(worker, err, errlen))
		return QUEUE_ERROR;
	if (!report_json)
		return queue_errf(err, errlen, QUEUE_ERROR, "queue: job %lld: no report",
				  (long long)id);
	if (!is_report_status(status))
		return queue_errf(err, errlen, QUEUE_ERROR,
				  "queue: job %lld: status '%s' is not passed, failed or error",
				  (long long)id, status ? status : "(null)");
	return q->ops->complete(q, id, worker, report_json, status, stored ? stored : &dummy, err,
				errlen);
}

int queue_fail(struct queue *q, int64_t id, const char *worker, const char *error, int retry,
	       char *err, size_t errlen)
{
	if (check_worker(worker, err, errlen))
		return QUEUE_ERROR;
	return q->ops->fail(q, id, worker, error ? error : "failed", retry, err, errlen);
}

int queue_release_worker(struct queue *q, const char *worker, long *released, char *err,
			 size_t errlen)
{
	long dummy;
	if (check_worker(worker, err, errlen))
		return QUEUE_ERROR;
	return q->ops->release_worker(q, worker, released ? released : &dummy, err, errlen);
}

int queue_get(struct queue *q, int64_t id, struct job *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	return q->ops->get(q, id, out, err, errlen);
}

int queue_position(struct queue *q, int64_t id, long *pos, char *err, size_t errlen)
{
	*pos = 0;
	return q->ops->position(q, id, pos, err, errlen);
}

int queue_list_learner(struct queue *q, const char *learner, size_t limit, struct job **v,
		       size_t *n, char *err, size_t errlen)
{
	*v = NULL;
	*n = 0;
	if (!learner)
		return queue_errf(err, errlen, QUEUE_ERROR, "queue: no learner");
	return q->ops->list_learner(q, learner, limit, v, n, err, errlen);
}

int queue_counts(struct queue *q, struct queue_counts *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	return q->ops->counts(q, out, err, errlen);
}

int queue_metric_add(struct queue *q, const char *name, const char *label, double delta, char *err,
		     size_t errlen)
{
	if (!name || !*name)
		return queue_errf(err, errlen, QUEUE_ERROR, "a metric needs a name");
	return q->ops->metric_add(q, name, label ? label : "", delta, err, errlen);
}

int queue_metric_list(struct queue *q, struct queue_metric **v, size_t *n, char *err, size_t errlen)
{
	*v = NULL;
	*n = 0;
	return q->ops->metric_list(q, v, n, err, errlen);
}

void queue_metric_list_free(struct queue_metric *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].label);
	}
	free(v);
}
