/*
 * counters.c - counters kept in the queue's database (queue_metric_* of
 * queue.h), so that every worker process and every daemon of a fleet
 * adds to the same figures and a restart loses none. metrics.c turns
 * them into /metrics. Policy only; the dialect comes from sql.h.
 */
#include <stdlib.h>

#include "grader/util/util.h"
#include "store.h"

static const char schema_sql[] = "CREATE TABLE IF NOT EXISTS metrics ("
				 " name TEXT NOT NULL, label TEXT NOT NULL, value {real} NOT NULL,"
				 " PRIMARY KEY (name, label));";

int counters_schema(struct sql_db *db, char *err, size_t errlen)
{
	return sql_script(db, schema_sql, err, errlen);
}

int queue_metric_add(struct queue *q, const char *name, const char *label, double delta, char *err,
		     size_t errlen)
{
	if (!name || !*name)
		return queue_errf(err, errlen, QUEUE_ERROR, "a metric needs a name");
	return sql_exec(
	    q->db, NULL, err, errlen,
	    "INSERT INTO metrics (name, label, value) VALUES ($1, $2, $3)"
	    " ON CONFLICT (name, label) DO UPDATE SET value = metrics.value + excluded.value",
	    "ssd", name, label ? label : "", delta);
}

int queue_metric_list(struct queue *q, struct queue_metric **v, size_t *n, char *err, size_t errlen)
{
	struct sql_result r = {0};
	*v = NULL;
	*n = 0;
	if (sql_exec(q->db, &r, err, errlen,
		     "SELECT name, label, value FROM metrics ORDER BY name, label", ""))
		return QUEUE_ERROR;
	*v = xcalloc(r.rows ? r.rows : 1, sizeof(**v));
	for (size_t i = 0; i < r.rows; i++) {
		(*v)[i].name = sql_dup(&r, i, 0);
		(*v)[i].label = sql_dup(&r, i, 1);
		(*v)[i].value = sql_dbl(&r, i, 2);
	}
	*n = r.rows;
	sql_result_free(&r);
	return QUEUE_OK;
}

void queue_metric_list_free(struct queue_metric *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].label);
	}
	free(v);
}
