/*
 * template.h - "{name}" templates, the one spelling the daemon uses for
 * words filled in later: the store's SQL ({now}, {skip_locked}: sql.c)
 * and the API's route patterns and messages ({id}: route.c).
 */
#ifndef GRADER_DAEMON_TEMPLATE_H
#define GRADER_DAEMON_TEMPLATE_H

#include <stddef.h>

/* The word for name[len], or NULL to leave "{name}" as it is. */
typedef const char *(*template_lookup)(const void *ctx, const char *name, size_t len);

/* tmpl with every "{name}" that lookup knows replaced by its word; a
 * heap string the caller frees. */
char *template_expand(const char *tmpl, template_lookup lookup, const void *ctx);

#endif
