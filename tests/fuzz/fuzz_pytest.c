/*
 * fuzz_pytest.c - libFuzzer target for the pytest kind's reader of the
 * plugin's records file (runners/pytest_run.c), which learner code in the
 * run can write to: every line with the run's nonce is believed.
 *
 * Input: the records file's text; the nonce is fixed. Then what the
 * grader derives from a run is asked for, as a check would: whether it
 * completed, why it ended early, the collection error of a file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runners/pytest_run.h"

#define NONCE "0123456789abcdef0123456789abcdef"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_run r;
	memset(&r, 0, sizeof r);
	r.used = 1;
	pt_parse_records(&r, (const char *)data, size, NONCE);
	if (r.nrecords > size / 2 + 1) /* each record is a line of some bytes */
		abort();
	for (size_t i = 0; i < r.nresults; i++)
		if (!r.results[i].id || !r.results[i].outcome)
			abort();
	(void)pt_run_completed(&r);
	free(pt_describe_early_end(&r, 1));
	(void)pt_collect_error(&r, "tests/test_x.py");
	pt_run_free(&r);
	return 0;
}
