/*
 * fuzz_calibration.c - libFuzzer target for the reader of calibration.json
 * (calibration_parse, grader/model/calibration.c), which every load of an
 * exercise with a limit relative to the reference runs on a file of the
 * exercise's folder; and for the parser of "5x reference" that limits use.
 * A file that reads must write back (calibration_format) into one that
 * reads the same; one that does not must say why.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grader/model/calibration.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the limit's own syntax, on the input as a string */
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = 0;
	double f = 0;
	if (limit_relative_parse(s, &f) == 1 && !(f >= CAL_FACTOR_MIN && f <= CAL_FACTOR_MAX))
		abort();
	free(s);

	struct diag d = {0};
	struct calibration c;
	if (calibration_parse("calibration.json", (const char *)data, size, &c, &d) != 0) {
		if (d.errors == 0)
			abort();
		calibration_free(&c);
		diag_free(&d);
		return 0;
	}
	char *text = calibration_format(&c);
	struct calibration again;
	if (calibration_parse("again", text, strlen(text), &again, &d) != 0 || again.n != c.n ||
	    strcmp(again.digest, c.digest) || strcmp(again.exercise, c.exercise) ||
	    again.runs != c.runs || !again.reference != !c.reference ||
	    (c.reference && strcmp(again.reference, c.reference)))
		abort();
	for (size_t i = 0; i < c.n; i++)
		if (strcmp(again.checks[i].name, c.checks[i].name) ||
		    again.checks[i].wall_ms != c.checks[i].wall_ms ||
		    again.checks[i].cpu_ms != c.checks[i].cpu_ms ||
		    again.checks[i].peak_kib != c.checks[i].peak_kib)
			abort();
	free(text);
	calibration_free(&again);
	calibration_free(&c);
	diag_free(&d);
	return 0;
}
