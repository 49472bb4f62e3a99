/*
 * metrics.h - what /metrics shows, in Prometheus' text format:
 *   grader_queue_depth                         jobs waiting
 *   grader_jobs{state}                         jobs by state
 *   grader_grading_duration_seconds            histogram of grading time
 *   grader_sandbox_verdicts_total{verdict}     sandbox verdicts of all checks
 *   grader_jobs_graded_total{status}           stored reports by status
 * Counters are kept in the queue's database (workers add to them as they
 * finish jobs), so every daemon of a fleet shows the fleet's figures and
 * a restart loses none.
 */
#ifndef GRADER_DAEMON_METRICS_H
#define GRADER_DAEMON_METRICS_H

#include <stddef.h>

#include "grader/report/report.h"
#include "queue.h"

/* The upper bounds of the duration histogram's buckets, in seconds. */
extern const double metrics_duration_buckets[];
extern const size_t metrics_nduration_buckets;

/* Renders the metrics text into a heap string. 0, or -1 with err. */
int metrics_render(struct queue *q, char **out, char *err, size_t errlen);

/* Adds one graded job (its duration, status and every check's sandbox
 * verdict) to the counters. 0, or -1 with err. */
int metrics_record(struct queue *q, double seconds, const struct report *r, char *err,
		   size_t errlen);

#endif
