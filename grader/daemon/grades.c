/*
 * grades.c - the grades table: one row per graded job, exercise and check
 * (check '' for the exercise's total), written from the stored report in
 * the transaction that completes the job, so grades and reports never
 * disagree; beside it the summary (grade_summary), one row per learner,
 * exercise and check kept up to date by the same transaction: the best
 * and the latest score, the attempts (distinct commits), the first and
 * last grading, whether it ever passed, the attempt that first passed
 * and, for an exercise, the first check its latest grading failed. The
 * gradebook and the exercise statistics read the summary, never the
 * history, so a page costs what it shows, not what the course has graded.
 * Policy only; the dialect comes from sql.h.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grader/model/exercise.h"
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

static const char summary_schema_sql[] =
    "CREATE TABLE IF NOT EXISTS grade_summary ("
    " learner TEXT NOT NULL, exercise TEXT NOT NULL, check_name TEXT NOT NULL,"
    " best {real} NOT NULL, latest {real} NOT NULL, max_score {real} NOT NULL,"
    " status TEXT NOT NULL, attempts INTEGER NOT NULL, first_at {real} NOT NULL,"
    " last_at {real} NOT NULL, last_job {bigint} NOT NULL, ever_passed INTEGER NOT NULL,"
    " passed_attempt INTEGER, first_failed TEXT NOT NULL,"
    " PRIMARY KEY (learner, exercise, check_name));"
    "CREATE INDEX IF NOT EXISTS grade_summary_by_exercise ON grade_summary (exercise, check_name);";

static const char moves_schema_sql[] =
    "CREATE TABLE IF NOT EXISTS grade_moves ("
    " job_id {bigint} NOT NULL, learner TEXT NOT NULL, exercise TEXT NOT NULL,"
    " check_name TEXT NOT NULL, before_score {real} NOT NULL, after_score {real} NOT NULL,"
    " max_score {real} NOT NULL, before_status TEXT NOT NULL, after_status TEXT NOT NULL,"
    " moved_at {real} NOT NULL, PRIMARY KEY (job_id, exercise, check_name));";

int grades_schema(struct sql_db *db, char *err, size_t errlen)
{
	return sql_script(db, schema_sql, err, errlen);
}

int grades_summary_schema(struct sql_db *db, char *err, size_t errlen)
{
	return sql_script(db, summary_schema_sql, err, errlen);
}

int grades_moves_schema(struct sql_db *db, char *err, size_t errlen)
{
	return sql_script(db, moves_schema_sql, err, errlen);
}

static int fold_row(struct sql_db *db, int64_t id, const char *exercise, const char *check,
		    const char *first_failed, char *err, size_t errlen);

/* The learner's latest score and status for (exercise, check) in the
 * summary, for job id's learner: 1 found, 0 none, -1 error. */
static int summary_latest(struct sql_db *db, int64_t id, const char *exercise, const char *check,
			  double *score, char status[16], char *err, size_t errlen)
{
	struct sql_result r = {0};
	if (sql_exec(db, &r, err, errlen,
		     "SELECT s.latest, s.status FROM grade_summary s JOIN jobs j ON j.id = $1"
		     " WHERE s.learner = j.learner AND s.exercise = $2 AND s.check_name = $3",
		     "iss", id, exercise, check))
		return -1;
	int found = r.rows > 0;
	if (found) {
		*score = sql_dbl(&r, 0, 0);
		snprintf(status, 16, "%s", sql_cell(&r, 0, 1) ? sql_cell(&r, 0, 1) : "");
	}
	sql_result_free(&r);
	return found;
}

/* A regrade's fold: what it changed in the learner's latest grade is
 * kept as a move (docs/operations.md, GET /api/v1/regrades). */
static int fold_regrade(struct sql_db *db, int64_t id, const char *exercise, const char *check,
			const char *first_failed, char *err, size_t errlen)
{
	double before = 0, after = 0;
	char bst[16] = "", ast[16] = "";
	int had = summary_latest(db, id, exercise, check, &before, bst, err, errlen);
	if (had < 0 || fold_row(db, id, exercise, check, first_failed, err, errlen))
		return QUEUE_ERROR;
	if (summary_latest(db, id, exercise, check, &after, ast, err, errlen) < 0)
		return QUEUE_ERROR;
	if (!had || (before == after && !strcmp(bst, ast)))
		return QUEUE_OK;
	return sql_exec(db, NULL, err, errlen,
			"INSERT INTO grade_moves (job_id, learner, exercise, check_name, before_score,"
			" after_score, max_score, before_status, after_status, moved_at)"
			" SELECT j.id, j.learner, $2, $3, $4, $5, s.max_score, $6, $7, {now}"
			" FROM jobs j JOIN grade_summary s ON s.learner = j.learner AND s.exercise = $2"
			" AND s.check_name = $3 WHERE j.id = $1 ON CONFLICT DO NOTHING",
			"issddss", id, exercise, check, before, after, bst, ast);
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

/* Folds the grades row of (id, exercise, check) into the summary: one
 * upsert, so concurrent completions on PostgreSQL serialise on the row.
 * The attempt counts when no earlier grading of the learner's saw this
 * commit (a regrade after a course change is not an attempt). The later
 * job's grading is the latest, whatever order jobs complete in. */
static int fold_row(struct sql_db *db, int64_t id, const char *exercise, const char *check,
		    const char *first_failed, char *err, size_t errlen)
{
	return sql_exec(
	    db, NULL, err, errlen,
	    "INSERT INTO grade_summary (learner, exercise, check_name, best, latest, max_score,"
	    " status, attempts, first_at, last_at, last_job, ever_passed, passed_attempt,"
	    " first_failed)"
	    " SELECT g.learner, g.exercise, g.check_name, g.score, g.score, g.max_score, g.status,"
	    " CASE WHEN EXISTS (SELECT 1 FROM grades o WHERE o.learner = g.learner"
	    " AND o.exercise = g.exercise AND o.check_name = g.check_name"
	    " AND o.commit_id = g.commit_id AND o.job_id <> g.job_id) THEN 0 ELSE 1 END,"
	    " g.graded_at, g.graded_at, g.job_id,"
	    " CASE WHEN g.status = 'passed' THEN 1 ELSE 0 END,"
	    " CASE WHEN g.status = 'passed' THEN 1 ELSE NULL END, $4"
	    " FROM grades g WHERE g.job_id = $1 AND g.exercise = $2 AND g.check_name = $3"
	    " ON CONFLICT (learner, exercise, check_name) DO UPDATE SET"
	    " best = CASE WHEN excluded.best > grade_summary.best THEN excluded.best"
	    " ELSE grade_summary.best END,"
	    " latest = CASE WHEN excluded.last_job > grade_summary.last_job THEN excluded.latest"
	    " ELSE grade_summary.latest END,"
	    " max_score = CASE WHEN excluded.last_job > grade_summary.last_job"
	    " THEN excluded.max_score ELSE grade_summary.max_score END,"
	    " status = CASE WHEN excluded.last_job > grade_summary.last_job THEN excluded.status"
	    " ELSE grade_summary.status END,"
	    " first_failed = CASE WHEN excluded.last_job > grade_summary.last_job"
	    " THEN excluded.first_failed ELSE grade_summary.first_failed END,"
	    " passed_attempt = CASE WHEN grade_summary.passed_attempt IS NULL"
	    " AND excluded.ever_passed = 1 THEN grade_summary.attempts + excluded.attempts"
	    " ELSE grade_summary.passed_attempt END,"
	    " attempts = grade_summary.attempts + excluded.attempts,"
	    " first_at = CASE WHEN excluded.first_at < grade_summary.first_at"
	    " THEN excluded.first_at ELSE grade_summary.first_at END,"
	    " last_at = CASE WHEN excluded.last_at > grade_summary.last_at THEN excluded.last_at"
	    " ELSE grade_summary.last_at END,"
	    " ever_passed = CASE WHEN excluded.ever_passed = 1 THEN 1"
	    " ELSE grade_summary.ever_passed END,"
	    " last_job = CASE WHEN excluded.last_job > grade_summary.last_job"
	    " THEN excluded.last_job ELSE grade_summary.last_job END",
	    "isss", id, exercise, check, first_failed);
}

static int put_row(struct sql_db *db, int64_t id, const char *exercise, const char *check,
		   const cJSON *o, const char *first_failed, int regrade, char *err, size_t errlen)
{
	struct sql_result r = {0};
	if (sql_exec(db, &r, err, errlen,
		     "INSERT INTO grades (job_id, learner, exercise, check_name, status, score,"
		     " max_score, commit_id, course_digest, graded_at)"
		     " SELECT id, learner, $1, $2, $3, $4, $5, commit_id, course_digest, {now}"
		     " FROM jobs WHERE id = $6 ON CONFLICT DO NOTHING",
		     "sssddi", exercise, check, str_of(o, "status"), num_of(o, "score"),
		     num_of(o, "max_score"), id))
		return QUEUE_ERROR;
	long changed = r.changed;
	sql_result_free(&r);
	/* a row already there was folded when it was written */
	if (changed <= 0)
		return QUEUE_OK;
	return regrade ? fold_regrade(db, id, exercise, check, first_failed, err, errlen)
		       : fold_row(db, id, exercise, check, first_failed, err, errlen);
}

/* The first check of ex, in the report's order, that did not pass; "". */
static const char *first_failed_check(const cJSON *ex)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(ex, "checks"))
	{
		const char *st = str_of(c, "status");
		if (*str_of(c, "name") && strcmp(st, "passed") && strcmp(st, "skipped"))
			return str_of(c, "name");
	}
	return "";
}

int grades_put(struct sql_db *db, int64_t id, const char *report, char *err, size_t errlen)
{
	cJSON *r = cJSON_Parse(report);
	if (!r)
		return queue_errf(err, errlen, QUEUE_ERROR, "grades: job %lld: the report is not JSON",
				  (long long)id);
	int64_t regrade = 0;
	int rc = sql_exec_i64(db, &regrade, err, errlen,
			      "SELECT COUNT(*) FROM jobs WHERE id = $1 AND source = 'regrade'", "i",
			      id) < 0
		     ? QUEUE_ERROR
		     : QUEUE_OK;
	const cJSON *ex, *c;
	cJSON_ArrayForEach(ex, cJSON_GetObjectItemCaseSensitive(r, "exercises"))
	{
		const char *eid = str_of(ex, "id");
		if (rc || !*eid)
			continue;
		if ((rc = put_row(db, id, eid, "", ex, first_failed_check(ex), (int)regrade, err,
				  errlen)))
			break;
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(ex, "checks"))
		{
			const char *name = str_of(c, "name");
			if (*name &&
			    (rc = put_row(db, id, eid, name, c, "", (int)regrade, err, errlen)))
				break;
		}
		if (rc)
			break;
	}
	cJSON_Delete(r);
	return rc;
}

/* The summary of the grades stored before it (schema 3 -> 4): every
 * grading folded in job order, as if each had just completed. The
 * exercise rows' first failing check is taken from the stored report. */
int grades_summary_backfill(struct sql_db *db, char *err, size_t errlen)
{
	struct sql_result r = {0};
	char *sql = xasprintf("SELECT g.job_id, g.exercise, g.check_name, r.report FROM grades g"
			      " JOIN jobs j ON j.id = g.job_id%s"
			      " ORDER BY g.job_id, g.exercise, g.check_name",
			      report_store_join);
	int bad = sql_exec(db, &r, err, errlen, sql, "");
	free(sql);
	if (bad)
		return QUEUE_ERROR;
	int rc = QUEUE_OK;
	for (size_t i = 0; i < r.rows && !rc; i++) {
		const char *exercise = sql_cell(&r, i, 1), *check = sql_cell(&r, i, 2);
		char *failed = NULL;
		if (!*check && sql_cell(&r, i, 3)) {
			cJSON *rep = cJSON_Parse(sql_cell(&r, i, 3)), *ex;
			cJSON_ArrayForEach(ex, cJSON_GetObjectItemCaseSensitive(rep, "exercises"))
				if (!strcmp(str_of(ex, "id"), exercise))
					failed = xstrdup(first_failed_check(ex));
			cJSON_Delete(rep);
		}
		rc = fold_row(db, sql_i64(&r, i, 0), exercise, check, failed ? failed : "", err,
			      errlen);
		free(failed);
	}
	sql_result_free(&r);
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
	const struct gradebook_page *pg; /* NULL: every learner, by name */
	struct gradebook *gb;
};

/* name as a LIKE pattern matching any name that holds it, lowercased
 * (ASCII), with LIKE's own characters escaped by '!'. */
static char *like_pattern(const char *name)
{
	struct strbuf sb = {0};
	sb_addc(&sb, '%');
	for (const char *p = name; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '!')
			sb_addc(&sb, '!');
		sb_addc(&sb, (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p));
	}
	sb_addc(&sb, '%');
	return sb_detach(&sb, NULL);
}

/* The learners of a page, best first by the page's order: a subquery
 * over the summary's exercise rows, its ORDER BY from a fixed list of
 * words (never from the request). Parameters $2 limit, $3 offset, $4 the
 * exercise to sort by, $5 the name filter, $6 its pattern. */
static char *page_learners_sql(const struct gradebook_page *pg)
{
	const char *sort = pg && pg->sort ? pg->sort : "learner";
	const char *key = !strcmp(sort, "learner") ? "l.learner"
			  : !strcmp(sort, "total") ? "l.total"
						   : "l.exbest";
	const char *dir = pg && pg->desc ? "DESC" : "ASC";
	return xasprintf("SELECT l.learner FROM (SELECT learner,"
			 " SUM(CASE WHEN check_name = '' THEN best ELSE 0 END) AS total,"
			 " MAX(CASE WHEN check_name = '' AND exercise = $4 THEN best ELSE -1 END)"
			 " AS exbest FROM grade_summary GROUP BY learner) l"
			 " WHERE ($5 = '' OR LOWER(l.learner) LIKE $6 ESCAPE '!')"
			 " ORDER BY %s %s, l.learner ASC LIMIT $2 OFFSET $3",
			 key, dir);
}

static int book_body(struct sql_db *db, void *vctx, char *err, size_t errlen)
{
	struct book_ctx *c = vctx;
	struct gradebook *gb = c->gb;
	gradebook_free(gb);
	struct sql_result r = {0}, p = {0};
	struct sql_result n = {0};
	/* A page is a range of learners: the rows of the learners that match
	 * the page's name filter, the offset-th on in its order, at most
	 * limit of them. */
	const struct gradebook_page *pg = c->pg;
	const char *name = pg && pg->name ? pg->name : "";
	char *pattern = like_pattern(name);
	char *learners = page_learners_sql(pg);
	/* without a page, every row of the learner (or of all): no ranking */
	char *rows_sql = xasprintf("SELECT learner, exercise, check_name, best, max_score, attempts,"
				   " first_at, last_at, latest, status FROM grade_summary"
				   " WHERE ($1 = '' OR learner = $1)%s%s%s"
				   " ORDER BY learner, exercise, check_name",
				   pg ? " AND learner IN (" : "", pg ? learners : "", pg ? ")" : "");
	int64_t limit = pg && pg->limit >= 0 ? pg->limit : INT32_MAX;
	int64_t offset = pg && pg->offset > 0 ? pg->offset : 0;
	const char *sort_ex = pg && pg->sort ? pg->sort : "";
	int bad = sql_exec(db, &n, err, errlen,
			   "SELECT COUNT(*) FROM (SELECT DISTINCT learner FROM grade_summary"
			   " WHERE $1 = '' OR learner = $1) l"
			   " WHERE ($2 = '' OR LOWER(l.learner) LIKE $3 ESCAPE '!')",
			   "sss", c->learner, name, pattern) ||
		  (pg ? sql_exec(db, &r, err, errlen, rows_sql, "siisss", c->learner, limit, offset,
				 sort_ex, name, pattern)
		      : sql_exec(db, &r, err, errlen, rows_sql, "s", c->learner));
	free(pattern);
	free(learners);
	free(rows_sql);
	if (bad ||
	    sql_exec(db, &p, err, errlen,
		     "SELECT learner, exercises FROM jobs WHERE state IN ('queued','running')"
		     " AND ($1 = '' OR learner = $1) ORDER BY id",
		     "s", c->learner)) {
		sql_result_free(&r);
		sql_result_free(&n);
		return QUEUE_ERROR;
	}
	gb->total_learners = (long)sql_i64(&n, 0, 0);
	sql_result_free(&n);
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
	return queue_gradebook_page(q, learner, NULL, gb, err, errlen);
}

int queue_gradebook_page(struct queue *q, const char *learner, const struct gradebook_page *pg,
			 struct gradebook *gb, char *err, size_t errlen)
{
	memset(gb, 0, sizeof *gb);
	struct book_ctx c = {.learner = learner ? learner : "", .pg = pg, .gb = gb};
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

/* ---- an exercise's statistics, from the summary ---- */

void exercise_stats_free(struct exercise_stats *st)
{
	for (size_t i = 0; i < st->nchecks; i++)
		free(st->checks[i].name);
	free(st->checks);
	for (size_t i = 0; i < st->nfailed; i++)
		free(st->failed_first[i].name);
	free(st->failed_first);
	memset(st, 0, sizeof *st);
}

struct stats_ctx {
	const char *exercise;
	struct exercise_stats *st;
};

static int stats_body(struct sql_db *db, void *vctx, char *err, size_t errlen)
{
	struct stats_ctx *c = vctx;
	struct exercise_stats *st = c->st;
	exercise_stats_free(st);
	struct sql_result t = {0}, k = {0}, f = {0};
	if (sql_exec(db, &t, err, errlen,
		     "SELECT best, max_score, ever_passed, passed_attempt FROM grade_summary"
		     " WHERE exercise = $1 AND check_name = ''",
		     "s", c->exercise) ||
	    sql_exec(db, &k, err, errlen,
		     "SELECT check_name, COUNT(*), SUM(ever_passed) FROM grade_summary"
		     " WHERE exercise = $1 AND check_name <> '' GROUP BY check_name"
		     " ORDER BY check_name",
		     "s", c->exercise) ||
	    sql_exec(db, &f, err, errlen,
		     "SELECT first_failed, COUNT(*) FROM grade_summary WHERE exercise = $1"
		     " AND check_name = '' AND first_failed <> '' GROUP BY first_failed"
		     " ORDER BY COUNT(*) DESC, first_failed",
		     "s", c->exercise)) {
		sql_result_free(&t);
		sql_result_free(&k);
		return QUEUE_ERROR;
	}
	for (size_t i = 0; i < t.rows; i++) {
		double best = sql_dbl(&t, i, 0), max = sql_dbl(&t, i, 1);
		double frac = max > 0 ? best / max : 0;
		int bin = (int)(frac * STATS_BINS);
		st->histogram[bin < 0 ? 0 : bin >= STATS_BINS ? STATS_BINS - 1 : bin]++;
		st->learners++;
		if (sql_i64(&t, i, 2)) {
			st->passed++;
			long a = (long)sql_i64(&t, i, 3);
			st->attempts_to_pass[a < 1 ? 0 : a > STATS_ATTEMPTS ? STATS_ATTEMPTS - 1 : a - 1]++;
			st->attempts_sum += a;
		}
	}
	st->checks = xcalloc(k.rows + 1, sizeof *st->checks);
	for (size_t i = 0; i < k.rows; i++) {
		st->checks[i].name = sql_dup(&k, i, 0);
		st->checks[i].learners = (long)sql_i64(&k, i, 1);
		st->checks[i].passed = (long)sql_i64(&k, i, 2);
	}
	st->nchecks = k.rows;
	st->failed_first = xcalloc(f.rows + 1, sizeof *st->failed_first);
	for (size_t i = 0; i < f.rows; i++) {
		st->failed_first[i].name = sql_dup(&f, i, 0);
		st->failed_first[i].learners = (long)sql_i64(&f, i, 1);
	}
	st->nfailed = f.rows;
	sql_result_free(&t);
	sql_result_free(&k);
	sql_result_free(&f);
	return QUEUE_OK;
}

int queue_exercise_stats(struct queue *q, const char *exercise, struct exercise_stats *st,
			 char *err, size_t errlen)
{
	memset(st, 0, sizeof *st);
	struct stats_ctx c = {.exercise = exercise, .st = st};
	int rc = sql_txn(q->db, stats_body, &c, err, errlen);
	if (rc)
		exercise_stats_free(st);
	return rc;
}

static double ratio(long part, long whole)
{
	return whole ? (double)part / (double)whole : 0;
}

cJSON *exercise_stats_json(const char *exercise, const struct exercise_stats *st)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "exercise", exercise);
	cJSON_AddNumberToObject(o, "learners", (double)st->learners);
	cJSON_AddNumberToObject(o, "passed", (double)st->passed);
	cJSON_AddNumberToObject(o, "pass_rate", ratio(st->passed, st->learners));
	cJSON *h = cJSON_AddArrayToObject(o, "histogram");
	for (int i = 0; i < STATS_BINS; i++) {
		cJSON *b = cJSON_CreateObject();
		cJSON_AddNumberToObject(b, "from", (double)i / STATS_BINS);
		cJSON_AddNumberToObject(b, "to", (double)(i + 1) / STATS_BINS);
		cJSON_AddNumberToObject(b, "learners", (double)st->histogram[i]);
		cJSON_AddItemToArray(h, b);
	}
	cJSON *a = cJSON_AddArrayToObject(o, "attempts_to_pass");
	for (int i = 0; i < STATS_ATTEMPTS; i++) {
		cJSON *b = cJSON_CreateObject();
		char label[16];
		snprintf(label, sizeof label, i == STATS_ATTEMPTS - 1 ? "%d+" : "%d", i + 1);
		cJSON_AddStringToObject(b, "attempts", label);
		cJSON_AddNumberToObject(b, "learners", (double)st->attempts_to_pass[i]);
		cJSON_AddItemToArray(a, b);
	}
	if (st->passed)
		cJSON_AddNumberToObject(o, "mean_attempts_to_pass",
					(double)st->attempts_sum / (double)st->passed);
	else
		cJSON_AddNullToObject(o, "mean_attempts_to_pass");
	cJSON *cs = cJSON_AddArrayToObject(o, "checks");
	for (size_t i = 0; i < st->nchecks; i++) {
		const struct check_stat *k = &st->checks[i];
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "name", k->name);
		cJSON_AddNumberToObject(c, "learners", (double)k->learners);
		cJSON_AddNumberToObject(c, "passed", (double)k->passed);
		cJSON_AddNumberToObject(c, "pass_rate", ratio(k->passed, k->learners));
		long first = 0;
		for (size_t j = 0; j < st->nfailed; j++)
			if (!strcmp(st->failed_first[j].name, k->name))
				first = st->failed_first[j].learners;
		cJSON_AddNumberToObject(c, "failed_first", (double)first);
		cJSON_AddItemToArray(cs, c);
	}
	if (st->nfailed)
		cJSON_AddStringToObject(o, "most_failed_first", st->failed_first[0].name);
	else
		cJSON_AddNullToObject(o, "most_failed_first");
	return o;
}

/* ---- regrading after a course change ---- */

int queue_regrade(struct queue *q, const struct course *course, const char *exercises,
		  struct regrade_result *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	struct sql_result r = {0};
	/* every learner's newest graded job per repository */
	if (sql_exec(q->db, &r, err, errlen,
		     "SELECT id, learner, repo, ref, commit_id, exercises, course_digest FROM jobs"
		     " WHERE id IN (SELECT MAX(id) FROM jobs WHERE state = 'done'"
		     " GROUP BY learner, repo) ORDER BY learner, repo",
		     ""))
		return QUEUE_ERROR;
	int rc = QUEUE_OK;
	out->ids = xcalloc(r.rows + 1, sizeof *out->ids);
	for (size_t i = 0; i < r.rows && !rc; i++) {
		const char *had = sql_cell(&r, i, 5) ? sql_cell(&r, i, 5) : "";
		const char *exs = exercises && *exercises ? exercises : had;
		char digest[72];
		course_grading_digest(course, exs, digest);
		const char *old = sql_cell(&r, i, 6) ? sql_cell(&r, i, 6) : "";
		if (!strcmp(exs, had) && !strcmp(old, digest)) {
			out->current++; /* graded by this course already */
			continue;
		}
		struct job_spec spec = {.learner = sql_cell(&r, i, 1),
					.repo = sql_cell(&r, i, 2),
					.ref = sql_cell(&r, i, 3),
					.commit = sql_cell(&r, i, 4),
					.exercises = *exs ? exs : NULL,
					.course_digest = digest,
					.source = "regrade",
					.priority = JOB_BULK};
		int64_t id = 0;
		int dedup = 0;
		rc = queue_enqueue(q, &spec, &id, &dedup, err, errlen);
		if (!rc)
			out->ids[out->n++] = id;
	}
	sql_result_free(&r);
	if (rc) {
		free(out->ids);
		memset(out, 0, sizeof *out);
	}
	return rc;
}

void regrade_result_free(struct regrade_result *r)
{
	free(r->ids);
	memset(r, 0, sizeof *r);
}

cJSON *queue_grade_moves_json(struct queue *q, int64_t since, char *err, size_t errlen)
{
	struct sql_result r = {0};
	if (sql_exec(q->db, &r, err, errlen,
		     "SELECT job_id, learner, exercise, check_name, before_score, after_score,"
		     " max_score, before_status, after_status, moved_at FROM grade_moves"
		     " WHERE job_id > $1 ORDER BY job_id DESC, exercise, check_name LIMIT 1000",
		     "i", since))
		return NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON *moves = cJSON_AddArrayToObject(o, "moves");
	for (size_t i = 0; i < r.rows; i++) {
		cJSON *m = cJSON_CreateObject();
		cJSON_AddNumberToObject(m, "job", (double)sql_i64(&r, i, 0));
		cJSON_AddStringToObject(m, "learner", sql_cell(&r, i, 1));
		cJSON_AddStringToObject(m, "exercise", sql_cell(&r, i, 2));
		cJSON_AddStringToObject(m, "check", sql_cell(&r, i, 3));
		cJSON_AddNumberToObject(m, "before", sql_dbl(&r, i, 4));
		cJSON_AddNumberToObject(m, "after", sql_dbl(&r, i, 5));
		cJSON_AddNumberToObject(m, "max_score", sql_dbl(&r, i, 6));
		cJSON_AddStringToObject(m, "before_status", sql_cell(&r, i, 7));
		cJSON_AddStringToObject(m, "after_status", sql_cell(&r, i, 8));
		char iso[32];
		report_iso8601((time_t)sql_dbl(&r, i, 9), iso);
		cJSON_AddStringToObject(m, "moved_at", iso);
		cJSON_AddItemToArray(moves, m);
	}
	sql_result_free(&r);
	return o;
}
