/*
 * fuzz_submit.c - libFuzzer target for grader/daemon/submit.c: every
 * input is parsed as the body of POST /api/v1/submissions, which any
 * token holder (a learner's included) may send. Checks what the API
 * relies on after a successful parse. Seeds: corpus/submit/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grader/daemon/submit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct submit_request q;
	char err[512];
	if (submit_parse((const char *)data, size, &q, err, sizeof err) < 0) {
		if (!err[0] || q.repo || q.exercises)
			abort(); /* a refusal says why and holds nothing */
		return 0;
	}
	if (!q.repo || !q.repo[0])
		abort();
	if (q.commit) {
		size_t n = strlen(q.commit);
		if ((n != 40 && n != 64) || strspn(q.commit, "0123456789abcdef") != n)
			abort();
	}
	if (q.priority != JOB_BULK && q.priority != JOB_INTERACTIVE)
		abort();
	for (size_t i = 0; i < q.nexercises; i++)
		if (!q.exercises[i] || !q.exercises[i][0] || strchr(q.exercises[i], ','))
			abort();
	if (q.exercises && q.exercises[q.nexercises])
		abort();
	submit_request_free(&q);
	return 0;
}
