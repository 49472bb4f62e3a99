/*
 * queue_backend.h - what a queue back end (queue_sqlite.c, queue_pg.c)
 * provides to queue.c, and the helpers they share. Private to the queue:
 * the daemon uses queue.h only.
 *
 * queue.c checks arguments before calling a back end, so back ends may
 * assume non-NULL strings where queue.h requires them, a known status and
 * a positive lease. Back ends store "" for an absent exercises,
 * course_digest or callback_url (so the dedup key has no NULLs) and
 * queue.c turns "" back into NULL when it hands a job out.
 */
#ifndef GRADER_DAEMON_QUEUE_BACKEND_H
#define GRADER_DAEMON_QUEUE_BACKEND_H

#include "queue.h"

struct queue_ops {
	const char *name;
	int (*enqueue)(struct queue *q, const struct job_spec *spec, int64_t *id, int *dedup,
		       char *err, size_t errlen);
	int (*lease)(struct queue *q, const char *worker, double lease_s, struct job *out, int *got,
		     char *err, size_t errlen);
	int (*heartbeat)(struct queue *q, int64_t id, const char *worker, double lease_s, char *err,
			 size_t errlen);
	int (*complete)(struct queue *q, int64_t id, const char *worker, const char *report,
			const char *status, int *stored, char *err, size_t errlen);
	int (*fail)(struct queue *q, int64_t id, const char *worker, const char *error, int retry,
		    char *err, size_t errlen);
	int (*release_worker)(struct queue *q, const char *worker, long *released, char *err,
			      size_t errlen);
	int (*get)(struct queue *q, int64_t id, struct job *out, char *err, size_t errlen);
	int (*position)(struct queue *q, int64_t id, long *pos, char *err, size_t errlen);
	int (*list_learner)(struct queue *q, const char *learner, size_t limit, struct job **v,
			    size_t *n, char *err, size_t errlen);
	int (*counts)(struct queue *q, struct queue_counts *out, char *err, size_t errlen);
	int (*metric_add)(struct queue *q, const char *name, const char *label, double delta,
			  char *err, size_t errlen);
	int (*metric_list)(struct queue *q, struct queue_metric **v, size_t *n, char *err,
			   size_t errlen);
	void (*close)(struct queue *q);
};

/* The common head of every back end's handle. */
struct queue {
	const struct queue_ops *ops;
	int max_attempts;
};

/* The schema version both back ends create; older ones are upgraded. */
enum { QUEUE_SCHEMA_VERSION = 1 };

struct queue *queue_sqlite_open(const char *path, char *err, size_t errlen);
struct queue *queue_pg_open(const char *conninfo, char *err, size_t errlen);

/* The columns of a job and its report, "SELECT %s WHERE ..." with jobs as
 * j and reports as r; both back ends read them in this order. */
extern const char queue_job_columns[];

/* Writes a formatted message into err (when err is not NULL) and returns
 * code, so back ends can write `return queue_errf(...)`. */
int queue_errf(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Wall-clock seconds since the epoch. */
double queue_now(void);

/* The value a back end stores for an optional string: "" for NULL. */
const char *queue_opt(const char *s);
/* A heap copy of a stored optional string: NULL for "". */
char *queue_opt_dup(const char *s);

/* True when a newly enqueued job of this source supersedes older queued
 * jobs of the same branch (everything but bulk regrades). */
int queue_source_supersedes(const char *source);

#endif
