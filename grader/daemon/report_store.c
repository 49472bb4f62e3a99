/*
 * report_store.c - the report store: one report per (repo, commit,
 * exercises, course_digest), stored once by the worker that holds the
 * job's lease and never replaced, so a regrade of an unchanged course
 * and a job taken again after a crash both serve the first report.
 * Policy only; the dialect comes from sql.h.
 */
#include "store.h"

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS reports ("
    " repo TEXT NOT NULL, commit_id TEXT NOT NULL, exercises TEXT NOT NULL,"
    " course_digest TEXT NOT NULL, job_id {bigint} NOT NULL, status TEXT NOT NULL,"
    " report TEXT NOT NULL, created_at {real} NOT NULL,"
    " PRIMARY KEY (repo, commit_id, exercises, course_digest));";

const char report_store_columns[] = "COALESCE(r.status, j.status), r.report";

const char report_store_join[] = " LEFT JOIN reports r ON j.state = 'done' AND r.repo = j.repo"
				 " AND r.commit_id = j.commit_id AND r.exercises = j.exercises"
				 " AND r.course_digest = j.course_digest";

int report_store_schema(struct sql_db *db, char *err, size_t errlen)
{
	return sql_script(db, schema_sql, err, errlen);
}

int report_store_put(struct sql_db *db, int64_t id, const char *status, const char *report,
		     int *stored, char *err, size_t errlen)
{
	struct sql_result r = {0};
	if (sql_exec(db, &r, err, errlen,
		     "INSERT INTO reports (repo, commit_id, exercises, course_digest, job_id,"
		     " status, report, created_at)"
		     " SELECT repo, commit_id, exercises, course_digest, id, $1, $2, {now}"
		     " FROM jobs WHERE id = $3 ON CONFLICT DO NOTHING",
		     "ssi", status, report, id))
		return QUEUE_ERROR;
	*stored = r.changed == 1;
	sql_result_free(&r);
	return QUEUE_OK;
}
