/*
 * worker.c - one worker process of `grader serve`: lease a job, keep the
 * lease alive while grading, store the report once, deliver it.
 *
 * A worker holds no state worth keeping: if it dies mid-job the lease
 * expires (or the supervisor gives the job back at once) and another
 * worker grades it again; the queue refuses a second report for the same
 * job, so a late finisher cannot store twice.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "grader/model/exercise.h"
#include "grader/report/report.h"
#include "grader/grade/run.h"
#include "grader/grade/workdir.h"
#include "grader/submission/submission.h"
#include "grader/util/util.h"
#include "callback.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "metrics.h"
#include "queue.h"

/* Set by SIGTERM: finish the job in hand, then exit. */
static volatile sig_atomic_t worker_stopping;

static void on_term(int sig)
{
	(void)sig;
	worker_stopping = 1;
}

void worker_name(int pid, char *out, size_t len)
{
	char host[128] = "localhost";
	gethostname(host, sizeof host - 1);
	host[sizeof host - 1] = '\0';
	snprintf(out, len, "%s:%d", host, pid);
}

struct heartbeat {
	const struct config *cfg;
	int64_t job;
	const char *worker;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int done;
	int lost; /* the lease was lost: stop and do not store */
};

/* Extends the lease every third of its length until the job is done. It
 * has its own queue connection: handles are not shared across threads. */
static void *heartbeat_main(void *arg)
{
	struct heartbeat *hb = arg;
	char err[256];
	struct queue *q = queue_open(hb->cfg->queue_url, err, sizeof err);
	if (!q) {
		log_event(LOG_ERROR, hb->job, "heartbeat: cannot open the queue", "error", err,
			  (const char *)NULL);
		return NULL;
	}
	pthread_mutex_lock(&hb->lock);
	while (!hb->done) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		double step = hb->cfg->lease_s / 3.0;
		ts.tv_sec += (time_t)step;
		ts.tv_nsec += (long)((step - (double)(time_t)step) * 1e9);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&hb->wake, &hb->lock, &ts);
		if (hb->done)
			break;
		if (queue_heartbeat(q, hb->job, hb->worker, hb->cfg->lease_s, err, sizeof err) <
		    0) {
			hb->lost = 1;
			log_event(LOG_WARN, hb->job, "lease lost", "error", err,
				  (const char *)NULL);
			break;
		}
	}
	pthread_mutex_unlock(&hb->lock);
	queue_close(q);
	return NULL;
}

/* Splits "a,b,c" into a heap array of heap strings. */
static size_t split_ids(const char *list, char ***out)
{
	char **v = NULL;
	size_t n = 0;
	if (list && *list) {
		char *copy = xstrdup(list), *save = NULL;
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			v = xrealloc(v, (n + 1) * sizeof *v);
			v[n++] = xstrdup(t);
		}
		free(copy);
	}
	*out = v;
	return n;
}

/* What went wrong in a report with status error, for the job's error
 * column: the first exercise error or error check's message. */
static char *grader_fault_of(const struct report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct ex_report *e = &r->ex[i];
		if (e->error)
			return xasprintf("grader error (not the learner's), retried: %s: %s", e->id,
					 e->error);
		for (size_t k = 0; k < e->n; k++)
			if (e->checks[k].status == CHECK_ERROR && e->checks[k].message)
				return xasprintf("grader error (not the learner's), retried: %s, "
						 "%s: %s",
						 e->id, e->checks[k].name, e->checks[k].message);
	}
	return xstrdup("grader error (not the learner's), retried: the report says error");
}

/* Grades one job into a JSON report (instructor audience: the API redacts
 * for learners). Returns 0; -1 with err when trying again may help (the
 * repository could not be fetched); -2 when it cannot (nothing of the
 * course in the submission, an unknown exercise, a size cap). */
static int grade_job(const struct config *cfg, const struct course *course, struct queue *q,
		     const struct job *j, char **json, const char **status, char **fault,
		     char *err, size_t errlen)
{
	char *mirrors = path_join(cfg->state_dir, "mirrors");
	struct submission *sub =
	    submission_open_git(j->repo, j->ref, j->commit, mirrors, err, errlen);
	free(mirrors);
	if (!sub)
		return -1;
	char **ids = NULL;
	size_t nids = split_ids(j->exercises, &ids);
	struct run_request rq = {
	    .all = course->ex,
	    .nall = course->n,
	    .ids = (const char *const *)ids,
	    .nids = nids,
	};
	struct report r = {0};
	double start = now_monotonic();
	enum run_status rs = run_grade(&rq, sub, &r, err, errlen);
	int rc = -1;
	if (rs == RUN_OK) {
		char merr[256];
		if (metrics_record(q, now_monotonic() - start, &r, merr, sizeof merr) < 0)
			log_event(LOG_WARN, j->id, "cannot record metrics", "error", merr,
				  (const char *)NULL);
		char *buf = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&buf, &len);
		struct write_opts wo = {.audience = REPORT_INSTRUCTOR};
		if (mem && report_write(&r, "json", &wo, mem, err, errlen) == 0) {
			fclose(mem);
			*json = buf;
			*status = report_status_name(r.status);
			if (r.status == REPORT_ERROR)
				*fault = grader_fault_of(&r);
			rc = 0;
		} else {
			if (mem)
				fclose(mem);
			free(buf);
		}
	} else if (rs == RUN_USAGE) {
		rc = -2;
	}
	for (size_t i = 0; i < nids; i++)
		free(ids[i]);
	free(ids);
	report_free(&r);
	submission_free(sub);
	return rc;
}

static void save_report_file(const struct config *cfg, int64_t id, const char *json)
{
	if (!cfg->reports_dir)
		return;
	mkdir_p(cfg->reports_dir);
	char name[64];
	snprintf(name, sizeof name, "%lld.json", (long long)id);
	char *path = path_join(cfg->reports_dir, name);
	if (write_file_atomic(path, json, strlen(json)) < 0)
		log_event(LOG_WARN, id, "cannot write the report file", "path", path, "error",
			  strerror(errno), (const char *)NULL);
	free(path);
}

static void run_job(const struct config *cfg, const struct course *course, struct queue *q,
		    const char *me, const struct job *j)
{
	struct heartbeat hb = {.cfg = cfg, .job = j->id, .worker = me};
	pthread_mutex_init(&hb.lock, NULL);
	pthread_cond_init(&hb.wake, NULL);
	pthread_t tid;
	int hb_started = pthread_create(&tid, NULL, heartbeat_main, &hb) == 0;
	log_event(LOG_INFO, j->id, "grading", "repo", j->repo, "commit", j->commit ? j->commit : "",
		  "ref", j->ref ? j->ref : "", (const char *)NULL);
	double start = now_monotonic();
	char err[1024] = "";
	char *json = NULL;
	const char *status = NULL;
	char *fault = NULL; /* set when the report says the grader failed */
	int rc = grade_job(cfg, course, q, j, &json, &status, &fault, err, sizeof err);

	pthread_mutex_lock(&hb.lock);
	hb.done = 1;
	pthread_cond_signal(&hb.wake);
	pthread_mutex_unlock(&hb.lock);
	if (hb_started)
		pthread_join(tid, NULL);

	char ms[32];
	snprintf(ms, sizeof ms, "%.0f", (now_monotonic() - start) * 1000.0);
	char qerr[256] = "";
	int retried = 0;
	if (rc == 0 && !hb.lost && fault) {
		/* the grader failed, not the learner: grade it again, and
		 * store this report only when the retries are used up */
		if (queue_retry_grader_fault(q, j->id, me, fault, cfg->grader_fault_retries,
					     &retried, qerr, sizeof qerr) < 0)
			log_event(LOG_WARN, j->id, "cannot queue a grader-fault retry", "error",
				  qerr, (const char *)NULL);
		else if (retried)
			log_event(LOG_WARN, j->id, "grader error: queued again, no attempt counted",
				  "error", fault, "duration_ms", ms, (const char *)NULL);
	}
	free(fault);
	if (rc == 0 && !hb.lost && !retried) {
		if (queue_complete(q, j->id, me, json, status, NULL, qerr, sizeof qerr) == 0) {
			log_event(LOG_INFO, j->id, "graded", "status", status, "duration_ms", ms,
				  (const char *)NULL);
			save_report_file(cfg, j->id, json);
			if (cfg->callback_url)
				callback_deliver(cfg->callback_url, cfg->callback_secret, j->id,
						 json);
		} else {
			log_event(LOG_WARN, j->id, "report not stored", "error", qerr,
				  (const char *)NULL);
		}
	} else if (!hb.lost && !retried) {
		log_event(LOG_WARN, j->id, "cannot grade", "error", err, (const char *)NULL);
		if (queue_fail(q, j->id, me, err, rc == -1, qerr, sizeof qerr) < 0)
			log_event(LOG_WARN, j->id, "cannot give the job back", "error", qerr,
				  (const char *)NULL);
	}
	free(json);
	pthread_mutex_destroy(&hb.lock);
	pthread_cond_destroy(&hb.wake);
}

int worker_main(const char *config_path, int index)
{
	char role[32];
	snprintf(role, sizeof role, "worker-%d", index);
	log_setup(role, LOG_INFO);
	struct sigaction sa = {.sa_handler = on_term};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Before any thread: scratch dirs become tmpfs mounts of our own. */
	if (workdir_private_mounts() < 0)
		log_event(LOG_WARN, 0, "no private mount namespace: sandboxes see work dir paths",
			  "error", strerror(errno), (const char *)NULL);

	struct diag d = {0};
	struct config *cfg = config_load(config_path, &d);
	struct course *course = cfg ? course_load(cfg->course_dir, &d) : NULL;
	if (!cfg || !course) {
		char *buf = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&buf, &len);
		diag_print(&d, mem);
		fclose(mem);
		log_event(LOG_ERROR, 0, "cannot load the configuration", "diagnostics", buf,
			  (const char *)NULL);
		free(buf);
		diag_free(&d);
		config_free(cfg);
		return 2;
	}
	diag_free(&d);
	char err[256];
	struct queue *q = queue_open(cfg->queue_url, err, sizeof err);
	if (!q) {
		log_event(LOG_ERROR, 0, "cannot open the queue", "error", err, (const char *)NULL);
		course_free(course);
		config_free(cfg);
		return 3;
	}
	char me[160];
	worker_name((int)getpid(), me, sizeof me);
	log_event(LOG_INFO, 0, "worker started", "name", me, (const char *)NULL);
	double idle = 0.05;
	while (!worker_stopping) {
		struct job j;
		int got = 0;
		if (queue_lease(q, me, cfg->lease_s, &j, &got, err, sizeof err) < 0) {
			log_event(LOG_WARN, 0, "lease failed", "error", err, (const char *)NULL);
			got = 0;
		}
		if (!got) {
			usleep((useconds_t)(idle * 1e6));
			idle = idle * 2 > 1.0 ? 1.0 : idle * 2;
			continue;
		}
		idle = 0.05;
		run_job(cfg, course, q, me, &j);
		job_free(&j);
	}
	log_event(LOG_INFO, 0, "worker stopping", (const char *)NULL);
	queue_close(q);
	course_free(course);
	config_free(cfg);
	return 0;
}
