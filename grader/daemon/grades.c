/*
 * grades.c - the grades table: one row per graded job, exercise and check
 * (check '' for the exercise's total), written from the stored report in
 * the transaction that completes the job, so grades and reports never
 * disagree; and the gradebook read from it: per learner and exercise the
 * best and the latest score, the attempts, the first and last grading.
 * Policy only; the dialect comes from sql.h.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grader/report/writers/writers.h"
#include "grader/util/util.h"
#include "store.h"

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS grades ("
    " job_id {bigint} NOT NULL, learner TEXT NOT NULL, exercise TEXT NOT NULL,"
    " check_name TEXT NOT NULL, status TEXT NOT NULL, score {real} NOT NULL,"
    " max_score {real} NOT NULL, commit_id TEXT NOT NULL, course_digest TEXT NOT NULL,"
    " graded_at {real} NOT NULL, PRIMARY KEY (job_id, exercise, check_name));"
    "CREATE INDEX IF NOT EXISTS grades_by_learner ON grades (learner, exercise, job_id);";

int grades_schema(struct sql_db *db, char *err, size_t errlen)
{
	return sql_script(db, schema_sql, err, errlen);
}

static const char *str_of(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
	return s ? s : "";
}

static double num_of(const cJSON *o, const char *key)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(n) ? n->valuedouble : 0;
}

static int put_row(struct sql_db *db, int64_t id, const char *exercise, const char *check,
		   const cJSON *o, char *err, size_t errlen)
{
	return sql_exec(db, NULL, err, errlen,
			"INSERT INTO grades (job_id, learner, exercise, check_name, status, score,"
			" max_score, commit_id, course_digest, graded_at)"
			" SELECT id, learner, $1, $2, $3, $4, $5, commit_id, course_digest, {now}"
			" FROM jobs WHERE id = $6 ON CONFLICT DO NOTHING",
			"sssddi", exercise, check, str_of(o, "status"), num_of(o, "score"),
			num_of(o, "max_score"), id);
}

int grades_put(struct sql_db *db, int64_t id, const char *report, char *err, size_t errlen)
{
	cJSON *r = cJSON_Parse(report);
	if (!r)
		return queue_errf(err, errlen, QUEUE_ERROR, "grades: job %lld: the report is not JSON",
				  (long long)id);
	int rc = QUEUE_OK;
	const cJSON *ex, *c;
	cJSON_ArrayForEach(ex, cJSON_GetObjectItemCaseSensitive(r, "exercises"))
	{
		const char *eid = str_of(ex, "id");
		if (!*eid)
			continue;
		if ((rc = put_row(db, id, eid, "", ex, err, errlen)))
			break;
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(ex, "checks"))
		{
			const char *name = str_of(c, "name");
			if (*name && (rc = put_row(db, id, eid, name, c, err, errlen)))
				break;
		}
		if (rc)
			break;
	}
	cJSON_Delete(r);
	return rc;
}

int grades_backfill(struct sql_db *db, char *err, size_t errlen)
{
	struct sql_result r = {0};
	if (sql_exec(db, &r, err, errlen,
		     "SELECT j.id, r.report FROM jobs j JOIN reports r ON j.state = 'done'"
		     " AND r.repo = j.repo AND r.commit_id = j.commit_id"
		     " AND r.exercises = j.exercises AND r.course_digest = j.course_digest",
		     ""))
		return QUEUE_ERROR;
	int rc = QUEUE_OK;
	for (size_t i = 0; i < r.rows && !rc; i++)
		rc = grades_put(db, sql_i64(&r, i, 0), sql_cell(&r, i, 1), err, errlen);
	sql_result_free(&r);
	return rc;
}

void gradebook_free(struct gradebook *gb)
{
	for (size_t i = 0; i < gb->n; i++) {
		free(gb->rows[i].learner);
		free(gb->rows[i].exercise);
		free(gb->rows[i].check);
		free(gb->rows[i].status);
	}
	free(gb->rows);
	for (size_t i = 0; i < gb->npending; i++) {
		free(gb->pending[i].learner);
		free(gb->pending[i].exercises);
	}
	free(gb->pending);
	memset(gb, 0, sizeof *gb);
}

struct book_ctx {
	const char *learner;
	struct gradebook *gb;
};

static int book_body(struct sql_db *db, void *vctx, char *err, size_t errlen)
{
	struct book_ctx *c = vctx;
	struct gradebook *gb = c->gb;
	gradebook_free(gb);
	struct sql_result r = {0}, p = {0};
	if (sql_exec(db, &r, err, errlen,
		     "SELECT a.learner, a.exercise, a.check_name, a.best, g.max_score, a.attempts,"
		     " a.first_at, a.last_at, g.score, g.status FROM"
		     " (SELECT learner, exercise, check_name, MAX(score) AS best,"
		     " COUNT(DISTINCT commit_id) AS attempts, MIN(graded_at) AS first_at, MAX(graded_at) AS last_at,"
		     " MAX(job_id) AS last_job FROM grades WHERE ($1 = '' OR learner = $1)"
		     " GROUP BY learner, exercise, check_name) a"
		     " JOIN grades g ON g.job_id = a.last_job AND g.exercise = a.exercise"
		     " AND g.check_name = a.check_name"
		     " ORDER BY a.learner, a.exercise, a.check_name",
		     "s", c->learner) ||
	    sql_exec(db, &p, err, errlen,
		     "SELECT learner, exercises FROM jobs WHERE state IN ('queued','running')"
		     " AND ($1 = '' OR learner = $1) ORDER BY id",
		     "s", c->learner)) {
		sql_result_free(&r);
		return QUEUE_ERROR;
	}
	gb->rows = xcalloc(r.rows + 1, sizeof *gb->rows);
	for (size_t i = 0; i < r.rows; i++) {
		struct grade_row *g = &gb->rows[gb->n++];
		g->learner = sql_dup(&r, i, 0);
		g->exercise = sql_dup(&r, i, 1);
		g->check = sql_dup(&r, i, 2);
		g->best = sql_dbl(&r, i, 3);
		g->max_score = sql_dbl(&r, i, 4);
		g->attempts = (long)sql_i64(&r, i, 5);
		g->first_at = sql_dbl(&r, i, 6);
		g->last_at = sql_dbl(&r, i, 7);
		g->latest = sql_dbl(&r, i, 8);
		g->status = sql_dup(&r, i, 9);
	}
	gb->pending = xcalloc(p.rows + 1, sizeof *gb->pending);
	for (size_t i = 0; i < p.rows; i++) {
		gb->pending[gb->npending].learner = sql_dup(&p, i, 0);
		gb->pending[gb->npending].exercises = sql_dup(&p, i, 1);
		gb->npending++;
	}
	sql_result_free(&r);
	sql_result_free(&p);
	return QUEUE_OK;
}

int queue_gradebook(struct queue *q, const char *learner, struct gradebook *gb, char *err,
		    size_t errlen)
{
	memset(gb, 0, sizeof *gb);
	struct book_ctx c = {.learner = learner ? learner : "", .gb = gb};
	int rc = sql_txn(q->db, book_body, &c, err, errlen);
	if (rc)
		gradebook_free(gb);
	return rc;
}

int gradebook_pending(const struct gradebook *gb, const char *learner, const char *exercise)
{
	for (size_t i = 0; i < gb->npending; i++) {
		const struct pending_job *p = &gb->pending[i];
		if (!p->learner || strcmp(p->learner, learner))
			continue;
		if (!p->exercises || !*p->exercises)
			return 1;
		size_t n = strlen(exercise);
		for (const char *s = p->exercises; s; s = strchr(s, ',') ? strchr(s, ',') + 1 : NULL)
			if (!strncmp(s, exercise, n) && (s[n] == ',' || s[n] == '\0'))
				return 1;
	}
	return 0;
}

/* One CSV field (RFC 4180), with a leading = + - @ made text, so that a
 * spreadsheet never runs a name as a formula. */
static void csv_field(struct strbuf *sb, const char *s, int last)
{
	int formula = *s && strchr("=+-@\t", *s) != NULL;
	int quote = formula || strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		sb_addc(sb, '"');
	if (formula)
		sb_addc(sb, '\'');
	for (; *s; s++) {
		if (*s == '"')
			sb_addc(sb, '"');
		sb_addc(sb, *s);
	}
	if (quote)
		sb_addc(sb, '"');
	sb_adds(sb, last ? "\r\n" : ",");
}

static void csv_number(struct strbuf *sb, double v)
{
	sb_addf(sb, "%g,", v);
}

char *gradebook_csv(const struct gradebook *gb)
{
	struct strbuf sb = {0};
	sb_adds(&sb, "learner,exercise,check,latest_score,best_score,max_score,status,attempts,"
		     "first_graded,last_graded,pending\r\n");
	for (size_t i = 0; i < gb->n; i++) {
		const struct grade_row *g = &gb->rows[i];
		char first[32], last[32];
		report_iso8601((time_t)g->first_at, first);
		report_iso8601((time_t)g->last_at, last);
		csv_field(&sb, g->learner, 0);
		csv_field(&sb, g->exercise, 0);
		csv_field(&sb, g->check, 0);
		csv_number(&sb, g->latest);
		csv_number(&sb, g->best);
		csv_number(&sb, g->max_score);
		csv_field(&sb, g->status ? g->status : "", 0);
		sb_addf(&sb, "%ld,", g->attempts);
		csv_field(&sb, first, 0);
		csv_field(&sb, last, 0);
		csv_field(&sb, gradebook_pending(gb, g->learner, g->exercise) ? "yes" : "no", 1);
	}
	return sb_detach(&sb, NULL);
}
