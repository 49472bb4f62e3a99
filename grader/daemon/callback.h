/*
 * callback.h - delivering a stored report to the configured callback URL:
 * an HTTP POST of the report JSON, signed like GitHub's webhooks
 * (X-Grader-Signature: sha256=<hex HMAC-SHA256(secret, body)>), retried
 * with exponential backoff on failure.
 */
#ifndef GRADER_DAEMON_CALLBACK_H
#define GRADER_DAEMON_CALLBACK_H

#include <stddef.h>
#include <stdint.h>

/* Tries up to 5 times (waiting 1, 2, 4, 8 s between tries) until the
 * receiver answers 2xx. Returns 0 when delivered, -1 when it gave up.
 * secret may be NULL (then no signature header is sent). */
int callback_deliver(const char *url, const char *secret, int64_t job, const char *json);

/* Writes "sha256=<hex>" of HMAC-SHA256(secret, body) into out[72]. */
void callback_sign(const char *secret, const char *body, size_t len, char out[72]);

#endif
