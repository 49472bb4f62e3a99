/*
 * api.h - the daemon's HTTP API (libmicrohttpd), run inside the
 * supervisor on its own threads: job status and reports, submissions,
 * /metrics, /healthz and the forges' webhooks. Its routes (method, path
 * pattern, each role's right on it) are one table in api.c;
 * docs/operations.md has the same table, and api_route_describe lets a
 * test compare them.
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

/* Route i of the table: its method, path pattern ("/api/v1/submissions/
 * {id}") and each role's right on it, by enum role: "all", "own",
 * "configured" or "no", or "open" for every role on a route that needs
 * no token. 1, or 0 past the last route. */
int api_route_describe(size_t i, const char **method, const char **pattern,
		       const char *rights[ROLE_COUNT]);

#endif
