/*
 * fuzz_report.c - libFuzzer target for the reader of stored JSON reports
 * (report_from_json, grader/report/writers/json.c), which `grader report`
 * runs on any file it is given, then every writer on what it read, for
 * both audiences. A report that reads must write in every format; one
 * that does not must say why.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "grader/report/report.h"
#include "grader/report/writers/writers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *j = cJSON_ParseWithLength((const char *)data, size);
	if (!j)
		return 0;
	struct report r;
	char err[512] = "";
	if (report_from_json(j, &r, err, sizeof err) != 0) {
		if (!err[0])
			abort();
		cJSON_Delete(j);
		return 0;
	}
	cJSON_Delete(j);
	const char **names = report_format_names();
	for (size_t i = 0; names[i]; i++) {
		for (int a = 0; a < 2; a++) {
			struct write_opts wo = {.audience = a ? REPORT_INSTRUCTOR : REPORT_LEARNER,
						.verbose = 1};
			char *buf = NULL;
			size_t len = 0;
			FILE *mem = open_memstream(&buf, &len);
			if (!mem)
				abort();
			char werr[256];
			if (report_write(&r, names[i], &wo, mem, werr, sizeof werr) != 0)
				abort();
			fclose(mem);
			free(buf);
		}
	}
	free(names);
	report_free(&r);
	return 0;
}
