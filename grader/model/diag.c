/*
 * diag.c - collecting and printing positioned diagnostics (diag.h).
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>

#include "grader/util/util.h"

__attribute__((format(printf, 6, 0))) static void diag_vadd(struct diag *d, enum diag_level level,
							    const char *file, int line, int col,
							    const char *fmt, va_list ap)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->v = xrealloc(d->v, d->cap * sizeof *d->v);
	}
	struct strbuf sb = {0};
	sb_vaddf(&sb, fmt, ap);
	struct diag_entry *e = &d->v[d->n++];
	e->level = level;
	e->file = xstrdup(file ? file : "");
	e->line = line;
	e->col = col;
	e->message = sb_detach(&sb, NULL);
	if (level == DIAG_ERROR)
		d->errors++;
}

void diag_add(struct diag *d, enum diag_level level, const char *file, int line, int col,
	      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(d, level, file, line, col, fmt, ap);
	va_end(ap);
}

void diag_error(struct diag *d, const char *file, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(d, DIAG_ERROR, file, line, col, fmt, ap);
	va_end(ap);
}

void diag_print(const struct diag *d, FILE *out)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_entry *e = &d->v[i];
		const char *lvl = e->level == DIAG_ERROR ? "error" : "warning";
		if (e->line > 0 && e->col > 0)
			fprintf(out, "%s:%d:%d: %s: %s\n", e->file, e->line, e->col, lvl,
				e->message);
		else if (e->line > 0)
			fprintf(out, "%s:%d: %s: %s\n", e->file, e->line, lvl, e->message);
		else if (*e->file)
			fprintf(out, "%s: %s: %s\n", e->file, lvl, e->message);
		else
			fprintf(out, "%s: %s\n", lvl, e->message);
	}
}

void diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].message);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->cap = d->errors = 0;
}
