/*
 * json_body.h - the one strict reading of a JSON request body that the
 * daemon acts on (POST /api/v1/submissions, the forges' webhooks). Bodies
 * come from anyone holding a token or a forge's secret: hostile input, and
 * a body two readers could read differently is refused rather than
 * guessed at. Refused, each with its own message:
 *
 *   WHAT: empty                           no bytes at all
 *   WHAT: contains a NUL byte             a raw 0 byte anywhere
 *   WHAT:L:C: invalid JSON                not JSON (position where it stopped)
 *   WHAT:L:C: text after the JSON value   anything but whitespace after it
 *   WHAT: not a JSON object               an array, a string, a number...
 *   WHAT:L:C: a string holds \u0000       it would cut the string short
 *   WHAT: key "K" appears twice           in any object, nested ones too
 *                                         (K is its path: "repository.url")
 *   WHAT: an object (P) has more than 1000 keys
 *                                         (the duplicate check is quadratic)
 *
 * WHAT is the caller's name for the body ("body", "webhook body").
 */
#ifndef GRADER_DAEMON_JSON_BODY_H
#define GRADER_DAEMON_JSON_BODY_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define JSON_BODY_MAX_KEYS 1000

/* The object, or NULL with the reason in err[errlen]. cJSON_Delete it. */
cJSON *json_body_parse(const char *what, const char *body, size_t len, char *err, size_t errlen);

#endif
