/*
 * log.h - the daemon's logs: one JSON object per line on stderr, with a
 * timestamp, a level, the process role and, where there is one, the job
 * id. Lines are written with a single write(2) so workers' lines never
 * interleave.
 */
#ifndef GRADER_DAEMON_LOG_H
#define GRADER_DAEMON_LOG_H

#include <stdint.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Sets the role ("supervisor", "worker-3") named in every line, and the
 * least level written. Call once per process. */
void log_setup(const char *role, enum log_level min);

/* Writes {"ts":..., "level":..., "role":..., "job": job (if > 0),
 * "msg": msg, then each key/value pair given as const char * pairs,
 * NULL-terminated}. Values are JSON-escaped strings. */
void log_event(enum log_level level, int64_t job, const char *msg, ...) __attribute__((sentinel));

#endif
