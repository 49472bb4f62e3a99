/*
 * queue.h - the daemon's durable job queue. One interface, two back ends:
 *
 *   "sqlite:/state/queue.db" or a plain path   SQLite in WAL mode with
 *        synchronous=FULL: the default on one machine; every state change
 *        survives kill -9 of any process.
 *   "postgresql://..." or "postgres://..."     PostgreSQL (libpq): several
 *        daemons on several machines share one queue; jobs are taken with
 *        SELECT ... FOR UPDATE SKIP LOCKED.
 *
 * A job's life:  queued -> running -> done
 *                   ^         |  \--> failed     (given up, or attempts used)
 *                   +---------+                  (lease expired, released, retry)
 *                queued -> superseded            (a push or poll job, by a newer
 *                                                 push or poll of the branch)
 *
 * Guarantees, whatever process crashes when:
 *   - one job per (repo, commit, exercises, course_digest) that is not failed
 *     or superseded: enqueueing it again returns the existing job;
 *   - one report per (repo, commit, exercises, course_digest), stored only by
 *     the worker that holds the job's lease, and never replaced;
 *   - a leased job whose lease expires (no heartbeat) is taken again, up to
 *     the queue's max_attempts; then it fails with "lease expired N times";
 *   - interactive jobs (priority 0) go before bulk ones (priority 1); within
 *     a priority the learner served least recently goes first, so no learner
 *     can starve the others; then the oldest job.
 *
 * Conventions (libgit2 style): functions return QUEUE_OK (0) or a negative
 * queue_error and write a message into err[errlen] (err may be NULL).
 * Strings in a struct job are heap copies owned by it; job_free releases
 * them. A struct queue is used by one thread; open one per process (never
 * share one across fork()).
 */
#ifndef GRADER_DAEMON_QUEUE_H
#define GRADER_DAEMON_QUEUE_H

#include <stddef.h>
#include <stdint.h>

struct queue;

enum queue_error {
	QUEUE_OK = 0,
	QUEUE_ERROR = -1,      /* database error, bad argument */
	QUEUE_LEASE_LOST = -2, /* the worker no longer holds the job's lease */
	QUEUE_NOT_FOUND = -3,  /* no job has this id */
};

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED, JOB_SUPERSEDED };
#define JOB_STATE_COUNT 5

enum job_priority { JOB_INTERACTIVE = 0, JOB_BULK = 1 };

/* "queued", "running", "done", "failed", "superseded". */
const char *job_state_name(enum job_state s);
/* 0 and *out set, or -1 for an unknown name. */
int job_state_parse(const char *name, enum job_state *out);

/* What to grade. Only learner, repo, ref and commit are required. */
struct job_spec {
	const char *learner;
	const char *repo;          /* clone URL */
	const char *ref;           /* "refs/heads/main" */
	const char *commit;        /* full lowercase hex object id (40 or 64) */
	const char *exercises;     /* "a,b" (sorted, comma-separated) or NULL = all */
	const char *course_digest; /* what course version grades it; NULL = any.
				    * Part of the dedup key, so a regrade after
				    * the exercises changed is graded again. */
	const char *source;        /* push | api | poll | regrade (NULL = api) */
	const char *callback_url;  /* NULL = none */
	enum job_priority priority;
};

struct job {
	int64_t id;
	char *learner, *repo, *ref, *commit;
	char *exercises;     /* NULL = all */
	char *course_digest; /* NULL = any */
	char *source;
	char *callback_url; /* NULL = none */
	enum job_priority priority;
	enum job_state state;
	int attempts;                               /* leases taken so far */
	char *lease_owner;                          /* worker holding the lease, or NULL */
	double lease_expires;                       /* seconds since the epoch; 0 = none */
	double created_at, started_at, finished_at; /* 0 = not yet */
	int64_t superseded_by;                      /* the job that replaced it, or 0 */
	char *error;                                /* last error, or NULL */
	char *status;                               /* done: passed | failed | error; else NULL */
	char *report;                               /* done: the stored report JSON; else NULL */
};

/* Frees the strings of j (not j itself) and zeroes it. */
void job_free(struct job *j);
/* Frees an array from queue_list_learner. */
void job_list_free(struct job *v, size_t n);

struct queue_counts {
	long by_state[JOB_STATE_COUNT]; /* indexed by enum job_state */
	double oldest_queued_age_s;     /* 0 when nothing is queued */
};

/* Opens (and creates or upgrades the schema of) the queue at url.
 * NULL with err set on failure. */
struct queue *queue_open(const char *url, char *err, size_t errlen);
void queue_close(struct queue *q);
/* "sqlite" or "postgresql". */
const char *queue_backend(const struct queue *q);
/* Leases a job may take before it fails (default 3, at least 1). */
void queue_set_max_attempts(struct queue *q, int max_attempts);

/* Adds a job, or finds the live job with the same (repo, commit,
 * exercises, course_digest): then *deduplicated = 1 and *id is that job.
 * When spec->source is "push" or "poll" (a branch's head), the queued (not
 * yet running) push and poll jobs of the same learner, repo and ref with
 * another commit are marked superseded by the job returned; jobs of other
 * sources ("api", "regrade") never supersede and are never superseded. */
int queue_enqueue(struct queue *q, const struct job_spec *spec, int64_t *id, int *deduplicated,
		  char *err, size_t errlen);

/* Takes the next job for worker: queued, or running with an expired lease
 * (running jobs whose lease expired max_attempts times are failed first).
 * *got = 0 when there is none; otherwise *out is filled (job_free it) and
 * the job is running under a lease of lease_s seconds owned by worker. */
int queue_lease(struct queue *q, const char *worker, double lease_s, struct job *out, int *got,
		char *err, size_t errlen);

/* Extends the lease to lease_s from now; QUEUE_LEASE_LOST when worker no
 * longer holds it (expired and taken by another worker, or released). */
int queue_heartbeat(struct queue *q, int64_t id, const char *worker, double lease_s, char *err,
		    size_t errlen);

/* Marks the job done and stores its report (status passed | failed |
 * error), only while worker holds the lease: QUEUE_LEASE_LOST otherwise.
 * When a report for the job's key is already stored, that one is kept and
 * *stored (may be NULL) is 0. */
int queue_complete(struct queue *q, int64_t id, const char *worker, const char *report_json,
		   const char *status, int *stored, char *err, size_t errlen);

/* Gives the job back: retry = 1 queues it again (it fails instead once its
 * attempts are used up), retry = 0 fails it. error is recorded. Only while
 * worker holds the lease: QUEUE_LEASE_LOST otherwise. */
int queue_fail(struct queue *q, int64_t id, const char *worker, const char *error, int retry,
	       char *err, size_t errlen);

/* For a grading whose report says the grader failed (status error: the
 * sandbox, a missing program, an unavailable database): queues the job
 * again without counting the lease as an attempt, at most max_retries
 * times per job (jobs.fault_retries); *retried says whether it did. When
 * it did not, the caller stores the report. error is recorded. Only while
 * worker holds the lease: QUEUE_LEASE_LOST otherwise. */
int queue_retry_grader_fault(struct queue *q, int64_t id, const char *worker,
			     const char *error, int max_retries, int *retried, char *err,
			     size_t errlen);

/* The gradebook (grades.c): per learner, exercise and check ("" for the
 * exercise's total) the best score over its gradings, the latest one
 * (score, status, max_score), the attempts (distinct commits graded),
 * and the first and last grading time; sorted by learner, exercise, check. pending lists the
 * queued and running jobs (exercises NULL or "" = all). */
struct grade_row {
	char *learner, *exercise, *check;
	double best, latest, max_score;
	char *status;
	long attempts;
	double first_at, last_at;
};
struct pending_job {
	char *learner, *exercises;
};
struct gradebook {
	struct grade_row *rows;
	size_t n;
	long total_learners; /* with a grade, on every page */
	struct pending_job *pending;
	size_t npending;
};
/* Reads the gradebook of learner, or of every learner when NULL. */
int queue_gradebook(struct queue *q, const char *learner, struct gradebook *gb, char *err,
		    size_t errlen);
/* A page of the gradebook: the learners whose name holds name (case
 * folded for ASCII letters; NULL or "": all), in the order of sort
 * ("learner", "total": the sum of their best exercise scores, or an
 * exercise id: their best score there, none below 0; NULL: "learner"),
 * descending when desc (ties by name), at most limit of them (< 0: all)
 * from the offset-th. total_learners counts those that match. */
struct gradebook_page {
	long offset, limit;
	const char *name, *sort;
	int desc;
};
/* The gradebook of learner (NULL: all) as pg says (NULL: every learner). */
int queue_gradebook_page(struct queue *q, const char *learner, const struct gradebook_page *pg,
			 struct gradebook *gb, char *err, size_t errlen);
void gradebook_free(struct gradebook *gb);
/* The gradebook for an LMS import: CSV (RFC 4180, CRLF), a header and one
 * row per learner, exercise and check; a field that starts with = + - @
 * or a tab is quoted and prefixed with ' so a spreadsheet never runs it.
 * A heap string. */
char *gradebook_csv(const struct gradebook *gb);
/* Whether learner has a queued or running job that grades exercise. */
int gradebook_pending(const struct gradebook *gb, const char *learner, const char *exercise);

/* An exercise's statistics (grades.c), over the learners it has a grade
 * for, from the summary: how many passed it (in any grading), a
 * histogram of their best score as a fraction of the maximum (STATS_BINS
 * tenths, 1.0 in the last), how many attempts (distinct commits) it took
 * those who passed (1 .. STATS_ATTEMPTS, the last "or more"), each
 * check's learners and passes, and the checks that were the first to fail
 * in learners' latest gradings, most often first. */
enum { STATS_BINS = 10, STATS_ATTEMPTS = 6 };
struct check_stat {
	char *name;
	long learners, passed;
};
struct exercise_stats {
	long learners, passed;
	long histogram[STATS_BINS];
	long attempts_to_pass[STATS_ATTEMPTS];
	long attempts_sum; /* over those who passed */
	struct check_stat *checks;
	size_t nchecks;
	struct {
		char *name;
		long learners;
	} *failed_first;
	size_t nfailed;
};
int queue_exercise_stats(struct queue *q, const char *exercise, struct exercise_stats *st,
			 char *err, size_t errlen);
void exercise_stats_free(struct exercise_stats *st);
/* The statistics as the API returns them (docs/operations.md). */
struct cJSON *exercise_stats_json(const char *exercise, const struct exercise_stats *st);

/* Regrading (grades.c): for every learner's newest graded job per
 * repository whose grading the course has changed since (its course
 * digest, or the exercises asked for: comma-separated, NULL = each job's
 * own), queues a bulk "regrade" job of the same commit with the course
 * as it is now. ids are the jobs queued (or found queued already),
 * current counts those graded by this course already. When a regrade
 * job completes, each grade it changed (the learner's latest score or
 * status of an exercise or check) is kept as a move. */
struct course;
struct regrade_result {
	int64_t *ids;
	size_t n;
	long current;
};
int queue_regrade(struct queue *q, const struct course *course, const char *exercises,
		  struct regrade_result *out, char *err, size_t errlen);
void regrade_result_free(struct regrade_result *r);
/* The moves of regrade jobs after job since (0: all), newest job first,
 * at most 1,000: {"moves": [{"job", "learner", "exercise", "check",
 * "before", "after", "max_score", "before_status", "after_status",
 * "moved_at"}]}. NULL + err on error. */
struct cJSON *queue_grade_moves_json(struct queue *q, int64_t since, char *err, size_t errlen);

/* Gives back every job leased by worker, known dead, so others take them
 * at once; a job whose attempts are used up fails ("worker died N times").
 * *released (may be NULL) is the number of jobs given back or failed. */
int queue_release_worker(struct queue *q, const char *worker, long *released, char *err,
			 size_t errlen);

/* The job with this id, its report included. QUEUE_NOT_FOUND ("queue: no
 * job N") when there is none: callers test the code, never the text. */
int queue_get(struct queue *q, int64_t id, struct job *out, char *err, size_t errlen);

/* 1-based place of a queued job: 1 + the queued jobs before it in
 * (priority, id) order. Fairness may serve it earlier than that. 0 when
 * the job is not queued. */
int queue_position(struct queue *q, int64_t id, long *pos, char *err, size_t errlen);

/* A learner's jobs, newest first, at most limit (0 = all), reports
 * included. *v is a heap array freed with job_list_free. */
int queue_list_learner(struct queue *q, const char *learner, size_t limit, struct job **v,
		       size_t *n, char *err, size_t errlen);

/* The jobs in one state, the most recently finished (or, running, the
 * most recently started) first, at most limit (0 = 20); for the
 * operations page: the failed ones (out of leases, or given up on) and
 * the running ones. *v is a heap array freed with job_list_free. */
int queue_list_state(struct queue *q, enum job_state state, size_t limit, struct job **v,
		     size_t *n, char *err, size_t errlen);

/* Jobs by state, for /metrics. */
int queue_counts(struct queue *q, struct queue_counts *out, char *err, size_t errlen);

/* Counters kept in the queue's database, so that every worker process and
 * every daemon of a fleet adds to the same figures and a restart loses
 * none: (name, label) -> value. */
struct queue_metric {
	char *name, *label;
	double value;
};
/* Adds delta to the counter (name, label), creating it at 0 first. */
int queue_metric_add(struct queue *q, const char *name, const char *label, double delta, char *err,
		     size_t errlen);
/* Every counter, ordered by name and label; free with queue_metric_list_free. */
int queue_metric_list(struct queue *q, struct queue_metric **v, size_t *n, char *err,
		      size_t errlen);
void queue_metric_list_free(struct queue_metric *v, size_t n);

#endif
