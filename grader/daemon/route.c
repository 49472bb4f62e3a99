/*
 * route.c - route patterns (route.h): segment-by-segment matching of a
 * request path, and the "{name}" expansion messages share with them.
 */
#include "route.h"

#include <stdlib.h>
#include <string.h>

#include "grader/util/util.h"
#include "template.h"

/* The segment at s: its length up to the next '/' or the end. */
static size_t segment_len(const char *s)
{
	return strcspn(s, "/");
}

/* When the segment seg[len] is "{name}", name's length, else 0. */
static size_t param_name_len(const char *seg, size_t len)
{
	return len > 2 && seg[0] == '{' && seg[len - 1] == '}' ? len - 2 : 0;
}

int route_match(const char *pattern, const char *path, struct route_args *args)
{
	const char *p = pattern, *u = path;
	memset(args, 0, sizeof(*args));
	while (*p == '/' && *u == '/') {
		p++, u++;
		size_t plen = segment_len(p), ulen = segment_len(u);
		size_t nlen = param_name_len(p, plen);
		if (nlen) {
			if (!ulen || args->n == ROUTE_MAX_ARGS)
				break;
			args->v[args->n].name = xstrndup(p + 1, nlen);
			args->v[args->n].value = xstrndup(u, ulen);
			args->n++;
		} else if (plen != ulen || memcmp(p, u, plen)) {
			break;
		}
		p += plen, u += ulen;
	}
	if (!*p && !*u)
		return 1;
	route_args_free(args);
	return 0;
}

static const char *arg_word(const void *ctx, const char *name, size_t len)
{
	const struct route_args *args = ctx;
	for (size_t i = 0; i < args->n; i++)
		if (strlen(args->v[i].name) == len && !memcmp(args->v[i].name, name, len))
			return args->v[i].value;
	return NULL;
}

const char *route_arg(const struct route_args *args, const char *name)
{
	const char *value = arg_word(args, name, strlen(name));
	return value ? value : "";
}

char *route_expand(const char *tmpl, const struct route_args *args)
{
	return template_expand(tmpl, arg_word, args);
}

void route_args_free(struct route_args *args)
{
	for (size_t i = 0; i < args->n; i++) {
		free(args->v[i].name);
		free(args->v[i].value);
	}
	memset(args, 0, sizeof(*args));
}
