/*
 * metrics.c - Prometheus text for /metrics, from the queue's counters
 * (metrics.h).
 */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grader/util/util.h"

const double metrics_duration_buckets[] = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
const size_t metrics_nduration_buckets =
    sizeof metrics_duration_buckets / sizeof metrics_duration_buckets[0];

int metrics_record(struct queue *q, double seconds, const struct report *r, char *err,
		   size_t errlen)
{
	char label[64];
	for (size_t i = 0; i < metrics_nduration_buckets; i++)
		if (seconds <= metrics_duration_buckets[i]) {
			snprintf(label, sizeof label, "%g", metrics_duration_buckets[i]);
			if (queue_metric_add(q, "duration_bucket", label, 1, err, errlen) < 0)
				return -1;
		}
	if (queue_metric_add(q, "duration_sum", "", seconds, err, errlen) < 0 ||
	    queue_metric_add(q, "duration_count", "", 1, err, errlen) < 0 ||
	    queue_metric_add(q, "graded", report_status_name(r->status), 1, err, errlen) < 0)
		return -1;
	for (size_t e = 0; e < r->n; e++)
		for (size_t c = 0; c < r->ex[e].n; c++) {
			const char *v = r->ex[e].checks[c].verdict;
			if (v && queue_metric_add(q, "verdict", v, 1, err, errlen) < 0)
				return -1;
		}
	return 0;
}

static double metric_value(const struct queue_metric *m, size_t n, const char *name,
			   const char *label)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(m[i].name, name) && !strcmp(m[i].label, label))
			return m[i].value;
	return 0;
}

static void render_labelled(struct strbuf *sb, const struct queue_metric *m, size_t n,
			    const char *name, const char *metric, const char *label_key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(m[i].name, name))
			sb_addf(sb, "%s{%s=\"%s\"} %.17g\n", metric, label_key, m[i].label,
				m[i].value);
}

int metrics_render(struct queue *q, char **out, char *err, size_t errlen)
{
	struct queue_counts qc = {0};
	struct queue_metric *m = NULL;
	size_t n = 0;
	if (queue_counts(q, &qc, err, errlen) < 0 || queue_metric_list(q, &m, &n, err, errlen) < 0)
		return -1;
	struct strbuf sb = {0};
	sb_adds(&sb, "# HELP grader_queue_depth Jobs waiting to be graded.\n"
		     "# TYPE grader_queue_depth gauge\n");
	sb_addf(&sb, "grader_queue_depth %ld\n", qc.by_state[JOB_QUEUED]);
	sb_adds(&sb, "# HELP grader_oldest_queued_seconds Age of the oldest queued job.\n"
		     "# TYPE grader_oldest_queued_seconds gauge\n");
	sb_addf(&sb, "grader_oldest_queued_seconds %.3f\n", qc.oldest_queued_age_s);
	sb_adds(&sb, "# HELP grader_jobs Jobs in the queue by state.\n# TYPE grader_jobs gauge\n");
	for (int st = 0; st < JOB_STATE_COUNT; st++)
		sb_addf(&sb, "grader_jobs{state=\"%s\"} %ld\n", job_state_name((enum job_state)st),
			qc.by_state[st]);

	sb_adds(&sb, "# HELP grader_grading_duration_seconds Time to grade one job.\n"
		     "# TYPE grader_grading_duration_seconds histogram\n");
	for (size_t i = 0; i < metrics_nduration_buckets; i++) {
		char label[32];
		snprintf(label, sizeof label, "%g", metrics_duration_buckets[i]);
		sb_addf(&sb, "grader_grading_duration_seconds_bucket{le=\"%s\"} %.17g\n", label,
			metric_value(m, n, "duration_bucket", label));
	}
	double count = metric_value(m, n, "duration_count", "");
	sb_addf(&sb, "grader_grading_duration_seconds_bucket{le=\"+Inf\"} %.17g\n", count);
	sb_addf(&sb, "grader_grading_duration_seconds_sum %.17g\n",
		metric_value(m, n, "duration_sum", ""));
	sb_addf(&sb, "grader_grading_duration_seconds_count %.17g\n", count);

	sb_adds(&sb, "# HELP grader_sandbox_verdicts_total Sandbox verdicts of graded checks.\n"
		     "# TYPE grader_sandbox_verdicts_total counter\n");
	render_labelled(&sb, m, n, "verdict", "grader_sandbox_verdicts_total", "verdict");
	sb_adds(&sb, "# HELP grader_jobs_graded_total Stored reports by status.\n"
		     "# TYPE grader_jobs_graded_total counter\n");
	render_labelled(&sb, m, n, "graded", "grader_jobs_graded_total", "status");
	queue_metric_list_free(m, n);
	*out = sb_detach(&sb, NULL);
	return 0;
}
