/*
 * template.c - "{name}" expansion (template.h).
 */
#include "template.h"

#include <string.h>

#include "grader/util/util.h"

char *template_expand(const char *tmpl, template_lookup lookup, const void *ctx)
{
	struct strbuf sb = {0};
	const char *p = tmpl;
	for (const char *open; (open = strchr(p, '{'));) {
		const char *close = strchr(open, '}');
		const char *word = close ? lookup(ctx, open + 1, (size_t)(close - open - 1)) : NULL;
		sb_add(&sb, p, (size_t)(open - p));
		if (word) {
			sb_adds(&sb, word);
			p = close + 1;
		} else {
			sb_addc(&sb, '{');
			p = open + 1;
		}
	}
	sb_adds(&sb, p);
	return sb_detach(&sb, NULL);
}
