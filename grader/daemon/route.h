/*
 * route.h - matching a request path against a route pattern, for the
 * API's route table (api.c). A pattern is segments between slashes:
 * literal ones ("api", "v1") must equal the path's segment, and a
 * "{name}" segment takes any one non-empty segment of the path as the
 * argument name. "/api/v1/submissions/{id}" matches
 * "/api/v1/submissions/12" (id = "12"), not "/api/v1/submissions/" nor
 * "/api/v1/submissions/12/x".
 *
 * Argument values are heap copies owned by the struct route_args;
 * route_args_free releases them.
 */
#ifndef GRADER_DAEMON_ROUTE_H
#define GRADER_DAEMON_ROUTE_H

#include <stddef.h>

enum { ROUTE_MAX_ARGS = 4 };

struct route_args {
	size_t n;
	struct {
		char *name, *value;
	} v[ROUTE_MAX_ARGS];
};

/* 1 and *args filled when path matches pattern, else 0 and *args
 * empty. Free args either way. */
int route_match(const char *pattern, const char *path, struct route_args *args);

/* The value of the argument name, or "" when there is none. */
const char *route_arg(const struct route_args *args, const char *name);

/* tmpl with every "{name}" replaced by that argument's value (a heap
 * string): the same spelling as patterns, for messages that name what a
 * request asked for. */
char *route_expand(const char *tmpl, const struct route_args *args);

void route_args_free(struct route_args *args);

#endif
