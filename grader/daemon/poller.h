/*
 * poller.h - polling the configured repositories (config 'repositories'
 * and the roster) for new commits on their watched branch, for forges
 * that send no webhooks. One thread asks each remote for its branch head
 * (no fetch: libgit2's ls-remote) every poll interval, backing off on
 * errors up to poll max_backoff, and enqueues a job when the head is a
 * commit the queue has not graded (the queue deduplicates).
 */
#ifndef GRADER_DAEMON_POLLER_H
#define GRADER_DAEMON_POLLER_H

#include <stddef.h>

#include "config.h"
#include "grader/model/exercise.h"

struct poller;

/* Starts the thread (none when no repository is configured: returns a
 * valid, idle poller). NULL + err on error. cfg must outlive the poller. */
struct poller *poller_start(const struct config *cfg, const struct course *course, char *err,
			    size_t errlen);
/* Stops and joins the thread; NULL is fine. */
void poller_stop(struct poller *p);

/* Asks url for the commit at refs/heads/branch (or at branch itself when
 * it is a full "refs/..." name or "HEAD"): 0 and hex in out[41], 1 when
 * there is no such ref, -1 with err. */
int poller_remote_head(const char *url, const char *branch, char out[41], char *err, size_t errlen);

/* The wait before the next ask after an error: interval after the first,
 * then twice the previous wait (prev), never more than max. */
double poller_backoff(double prev, double interval, double max);

#endif
