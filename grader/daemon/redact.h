/*
 * redact.h - making a stored (instructor) JSON report fit for a learner:
 * hidden checks keep their name, status and points, and lose everything
 * that would reveal their inputs or expectations.
 */
#ifndef GRADER_DAEMON_REDACT_H
#define GRADER_DAEMON_REDACT_H

#include <cjson/cJSON.h>

/* Redacts report (a grader.report/1 object) in place. */
void redact_for_learner(cJSON *report);

#endif
