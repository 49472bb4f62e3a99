/*
 * store.h - the store's private parts: the queue handle, and what the
 * job queue (queue.c) asks of the report store (report_store.c) and of
 * the counters (counters.c). All three write their SQL policy once,
 * through the dialect seam of sql.h. The daemon uses queue.h only.
 *
 * queue.c checks arguments before any SQL runs, so the functions here
 * may assume non-NULL strings where queue.h requires them. The store
 * keeps "" for an absent exercises, course_digest or callback_url (so the
 * dedup key has no NULLs) and turns "" back into NULL when it hands a
 * job out.
 */
#ifndef GRADER_DAEMON_STORE_H
#define GRADER_DAEMON_STORE_H

#include "queue.h"
#include "sql.h"

struct queue {
	struct sql_db *db;
	int max_attempts;
};

/* Creates the reports table unless it exists. Inside the schema
 * transaction. */
int report_store_schema(struct sql_db *db, char *err, size_t errlen);

/* Stores the report of job id under the job's key (repo, commit,
 * exercises, course_digest) unless one is stored already: then that one
 * is kept and *stored is 0. Inside the transaction that holds the job's
 * lease. */
int report_store_put(struct sql_db *db, int64_t id, const char *status, const char *report,
		     int *stored, char *err, size_t errlen);

/* SQL that reads a job (as j) with its stored report: the columns to
 * append to the job's ("status, report"), and the join that finds the
 * report of a done job. */
extern const char report_store_columns[];
extern const char report_store_join[];

/* The grades table (grades.c): created unless it exists; one row per job,
 * exercise and check from a stored report (job id's learner, commit and
 * course digest), inside the transaction that completes the job; and,
 * once, rows for every done job of a queue older than the table. */
int grades_schema(struct sql_db *db, char *err, size_t errlen);
int grades_put(struct sql_db *db, int64_t id, const char *report, char *err, size_t errlen);
int grades_backfill(struct sql_db *db, char *err, size_t errlen);
/* The summary beside it (grade_summary: per learner, exercise and check),
 * kept by grades_put; created unless it exists, and filled from the
 * grades table when an older store is upgraded. */
int grades_summary_schema(struct sql_db *db, char *err, size_t errlen);
int grades_summary_backfill(struct sql_db *db, char *err, size_t errlen);
/* The moves regrade jobs made to the summary (grade_moves). */
int grades_moves_schema(struct sql_db *db, char *err, size_t errlen);

/* Creates the metrics table unless it exists. Inside the schema
 * transaction. */
int counters_schema(struct sql_db *db, char *err, size_t errlen);

#endif
