/*
 * poller.c - the repository poller thread (poller.h).
 */
#include "poller.h"

#include "grader/submission/gitmirror.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <git2.h>

#include "grader/util/util.h"
#include "log.h"
#include "queue.h"

struct poll_state {
	double next;    /* monotonic time of the next ask */
	double backoff; /* current wait after errors, 0 when healthy */
	char head[41];  /* last head seen (to log changes only) */
};

struct poller {
	const struct config *cfg;
	char course_digest[72]; /* of the whole course: a push grades it all */
	pthread_t thread;
	int running;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop;
	struct poll_state *st;
};

int poller_remote_head(const char *url, const char *branch, char out[41], char *err, size_t errlen)
{
	git_remote *remote = NULL;
	int rc = -1;
	char want[512];
	gitref_full(branch, want, sizeof want);
	gitlib_init();
	struct gitmirror_auth auth;
	git_remote_callbacks cb;
	git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
	gitmirror_callbacks(&cb, &auth, url);
	if (git_remote_create_detached(&remote, url) < 0 ||
	    git_remote_connect(remote, GIT_DIRECTION_FETCH, &cb, NULL, NULL) < 0) {
		gitmirror_error(err, errlen, url, &auth);
		git_remote_free(remote);
		return -1;
	}
	const git_remote_head **heads;
	size_t n;
	if (git_remote_ls(&heads, &n, remote) < 0) {
		const git_error *e = git_error_last();
		snprintf(err, errlen, "%s: %s", url,
			 e && e->message ? e->message : "ls-remote failed");
	} else {
		rc = 1;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(heads[i]->name, want)) {
				git_oid_tostr(out, 41, &heads[i]->oid);
				rc = 0;
				break;
			}
	}
	git_remote_disconnect(remote);
	git_remote_free(remote);
	return rc;
}

double poller_backoff(double prev, double interval, double max)
{
	double next = prev > 0 ? prev * 2 : interval;
	return next > max ? max : next;
}

static void poll_one(struct poller *p, struct queue *q, size_t i, double now)
{
	const struct watched_repo *r = &p->cfg->repos[i];
	struct poll_state *s = &p->st[i];
	char head[41], err[512];
	int rc = poller_remote_head(r->url, r->branch, head, err, sizeof err);
	if (rc < 0) {
		s->backoff =
		    poller_backoff(s->backoff, p->cfg->poll_interval_s, p->cfg->poll_max_backoff_s);
		s->next = now + s->backoff;
		char retry[32];
		snprintf(retry, sizeof retry, "%g", s->backoff);
		log_event(LOG_WARN, 0, "poll failed", "repo", r->url, "error", err, "retry_in_s",
			  retry, (const char *)NULL);
		return;
	}
	s->backoff = 0;
	s->next = now + p->cfg->poll_interval_s;
	if (rc == 1 || !strcmp(head, s->head))
		return;
	char ref[512];
	snprintf(ref, sizeof ref, "refs/heads/%s", r->branch);
	struct job_spec spec = {
	    .learner = r->learner,
	    .repo = r->url,
	    .ref = ref,
	    .commit = head,
	    .course_digest = p->course_digest,
	    .source = "poll",
	    .priority = 0,
	};
	int64_t id;
	int dedup;
	if (queue_enqueue(q, &spec, &id, &dedup, err, sizeof err) < 0) {
		log_event(LOG_ERROR, 0, "cannot enqueue a polled commit", "error", err,
			  (const char *)NULL);
		return;
	}
	memcpy(s->head, head, sizeof s->head);
	if (!dedup)
		log_event(LOG_INFO, id, "submission queued", "source", "poll", "repo", r->url,
			  "commit", head, (const char *)NULL);
}

static void *poller_main(void *arg)
{
	struct poller *p = arg;
	char err[256];
	struct queue *q = queue_open(p->cfg->queue_url, err, sizeof err);
	if (!q) {
		log_event(LOG_ERROR, 0, "poller: cannot open the queue", "error", err,
			  (const char *)NULL);
		return NULL;
	}
	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		double now = now_monotonic(), soonest = now + 60;
		for (size_t i = 0; i < p->cfg->nrepos && !p->stop; i++) {
			if (p->st[i].next <= now) {
				pthread_mutex_unlock(&p->lock);
				poll_one(p, q, i, now);
				pthread_mutex_lock(&p->lock);
			}
			if (p->st[i].next < soonest)
				soonest = p->st[i].next;
		}
		double wait = soonest - now_monotonic();
		if (wait < 0.05)
			wait = 0.05;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)wait;
		ts.tv_nsec += (long)((wait - (double)(time_t)wait) * 1e9);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (!p->stop)
			pthread_cond_timedwait(&p->wake, &p->lock, &ts);
	}
	pthread_mutex_unlock(&p->lock);
	queue_close(q);
	return NULL;
}

struct poller *poller_start(const struct config *cfg, const struct course *course, char *err,
			    size_t errlen)
{
	git_libgit2_init();
	struct poller *p = xcalloc(1, sizeof *p);
	p->cfg = cfg;
	course_grading_digest(course, NULL, p->course_digest);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	if (cfg->nrepos == 0)
		return p;
	p->st = xcalloc(cfg->nrepos, sizeof *p->st);
	if (pthread_create(&p->thread, NULL, poller_main, p) != 0) {
		snprintf(err, errlen, "cannot start the poller thread");
		free(p->st);
		free(p);
		return NULL;
	}
	p->running = 1;
	return p;
}

void poller_stop(struct poller *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	if (p->running)
		pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	free(p->st);
	free(p);
}
