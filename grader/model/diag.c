/*
 * diag.c - collecting and printing positioned diagnostics (diag.h).
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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

/* The print order: the files in the order their first diagnostic was
 * added, and within a file by line, then column, then the order added
 * (so a file's problems read top to bottom whichever check found them). */
struct diag_key {
	size_t file_rank, added;
	const struct diag_entry *e;
};

static int cmp_diag_key(const void *a, const void *b)
{
	const struct diag_key *x = a, *y = b;
	if (x->file_rank != y->file_rank)
		return x->file_rank < y->file_rank ? -1 : 1;
	if (x->e->line != y->e->line)
		return x->e->line < y->e->line ? -1 : 1;
	if (x->e->col != y->e->col)
		return x->e->col < y->e->col ? -1 : 1;
	return x->added < y->added ? -1 : x->added > y->added;
}

void diag_print(const struct diag *d, FILE *out)
{
	if (!d->n)
		return;
	struct diag_key *keys = xcalloc(d->n, sizeof *keys);
	for (size_t i = 0; i < d->n; i++) {
		size_t rank = i;
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(d->v[j].file, d->v[i].file)) {
				rank = keys[j].file_rank;
				break;
			}
		}
		keys[i] = (struct diag_key){rank, i, &d->v[i]};
	}
	qsort(keys, d->n, sizeof *keys, cmp_diag_key);
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_entry *e = keys[i].e;
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
	free(keys);
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
