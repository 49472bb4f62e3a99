/*
 * diag.h - diagnostics: errors and warnings with a file:line:column
 * position, collected so a whole file's problems are reported at once.
 *
 * A struct diag owns copies of every string added to it; diag_free()
 * releases them. Lines and columns are 1-based; 0 means "unknown".
 */
#ifndef GRADER_DIAG_H
#define GRADER_DIAG_H

#include <stdio.h>
#include <stddef.h>

enum diag_level { DIAG_ERROR, DIAG_WARNING };

struct diag_entry {
	enum diag_level level;
	char *file;
	int line;
	int col;
	char *message;
};

struct diag {
	struct diag_entry *v;
	size_t n;
	size_t cap;
	size_t errors;
};

void diag_add(struct diag *d, enum diag_level level, const char *file, int line, int col,
	      const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Shorthand for diag_add(d, DIAG_ERROR, ...). */
void diag_error(struct diag *d, const char *file, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Prints "file:line:col: error: message" lines: grouped by file (files
 * in the order their first diagnostic was added), each file's sorted by
 * line, then column (a whole-file one, line 0, first), ties in the order
 * added. d->v itself keeps the order added. */
void diag_print(const struct diag *d, FILE *out);
void diag_free(struct diag *d);

#endif
