/*
 * submit.h - the body of POST /api/v1/submissions, parsed and checked on
 * its own (no token, no course, no network): what a caller may send, and
 * the exact reason when it is not that. The API then applies its policy
 * (roles, the course's exercise ids, the remote's head) to the result.
 *
 *   {"repo": URL, "ref": REF, "commit": HEX, "learner": ID,
 *    "exercises": [ID, ...], "priority": "interactive" | "bulk"}
 *
 * Only "repo" is required. Unknown keys are refused (a typo such as
 * "comit" would otherwise grade the wrong commit).
 */
#ifndef GRADER_DAEMON_SUBMIT_H
#define GRADER_DAEMON_SUBMIT_H

#include <stddef.h>

#include "queue.h"

struct submit_request {
	char *repo;
	char *ref;       /* NULL: the repository's configured branch */
	char *commit;    /* NULL: whatever ref names now; else 40 or 64 lowercase hex */
	char *learner;   /* NULL: the repository's learner or the token's */
	char **exercises; /* NULL-terminated, or NULL for "all" */
	size_t nexercises;
	enum job_priority priority; /* JOB_BULK: a regrade, never superseding */
};

/* 0 and *out filled, or -1 with a message for a 400 reply in err. */
int submit_parse(const char *body, size_t len, struct submit_request *out, char *err,
		 size_t errlen);
void submit_request_free(struct submit_request *r);

#endif
