/*
 * api.h - the daemon's HTTP API (libmicrohttpd), run inside the
 * supervisor on its own threads:
 *
 *   GET  /healthz                         no token; 200 when the queue answers
 *   GET  /metrics                         Prometheus text (admin, instructor)
 *   POST /api/v1/submissions              enqueue (admin, instructor, ci; a
 *                                         learner for their own repository)
 *   GET  /api/v1/submissions/{id}         state, queue position, report
 *   GET  /api/v1/learners/{id}/reports    a learner's jobs and reports
 *   POST /webhooks/{github|gitea|gitlab}  push events, signature-checked
 *
 * Tokens are bearer tokens (Authorization: Bearer T) checked against the
 * SHA-256 hashes in the configuration. Learners see only their own jobs,
 * with hidden checks redacted. Errors are JSON: {"error": "..."}.
 */
#ifndef GRADER_DAEMON_API_H
#define GRADER_DAEMON_API_H

#include <stddef.h>

#include "grader/model/exercise.h"
#include "config.h"

struct api;

/* Starts listening on cfg->listen_host:listen_port. NULL + err on error.
 * cfg and course stay owned by the caller and must outlive the API or
 * the next api_reload. */
struct api *api_start(const struct config *cfg, const struct course *course, char *err,
		      size_t errlen);
/* Swaps in a new configuration and course (between requests). */
void api_reload(struct api *a, const struct config *cfg, const struct course *course);
/* Stops listening and frees a (NULL is fine). */
void api_stop(struct api *a);

#endif
