/*
 * fuzz_sql.c - libFuzzer target for the sql kind's parsers of untrusted
 * input: the PostgreSQL statement splitter (learner SQL), the reader of
 * grader-sqlite's JSON results (written inside the sandbox), and the CSV
 * reader of expected rows; then the rows matcher on what they produced.
 *
 * Input: byte 0 picks the parser (modulo 3); the rest is its text. The
 * splitter's statements must lie inside the text, in order, and begin
 * with neither a blank nor a ';'.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "grader/match/rows.h"
#include "runners/sql.h"

struct span {
	size_t len, last;
};

static int check_cut(void *arg, size_t start, size_t len)
{
	struct span *s = arg;
	if (start < s->last || start + len > s->len)
		abort();
	s->last = start + len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	struct rows_spec spec;
	rows_spec_init(&spec);
	switch (data[0] % 3) {
	case 0: {
		struct span s = {.len = len};
		sql_pg_split(text, len, check_cut, &s);
		break;
	}
	case 1: {
		cJSON *j = cJSON_ParseWithLength(text, len);
		const cJSON *r = j ? cJSON_GetObjectItem(j, "results") : NULL;
		const cJSON *item;
		struct sql_outcome prev = {0};
		int have = 0;
		cJSON_ArrayForEach(item, r)
		{
			struct sql_outcome o;
			int ok = sql_outcome_from_json(&o, item) == 0;
			if (ok && have && o.has_rows && prev.has_rows)
				rows_match(&prev.rows, &o.rows, &spec, NULL);
			sql_outcome_free(&prev);
			prev = o;
			have = ok;
		}
		sql_outcome_free(&prev);
		cJSON_Delete(j);
		break;
	}
	default: {
		struct diag d = {0};
		struct rows r;
		if (rows_from_csv(&r, "fuzz.csv", text, len, &d) == 0) {
			struct match_diff *diff = NULL;
			spec.order = ROWS_SET;
			rows_match(&r, &r, &spec, &diff);
			match_diff_free(diff);
			char *t = rows_format(&r, 5);
			free(t);
		}
		rows_free(&r);
		diag_free(&d);
	}
	}
	return 0;
}
