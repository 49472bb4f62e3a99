/*
 * dockerfile.h - between the files kind (runners/files.c) and its
 * Dockerfile reader (runners/dockerfile.c): a parser of the learner's
 * Dockerfile, which is untrusted text (tests/fuzz/fuzz_dockerfile.c
 * fuzzes it), and the static checks the kind offers on what it parsed.
 * docs/kinds/files.md is the reference for what each check accepts.
 *
 * What the parser understands: instructions in any case; line
 * continuations with the escape character (backslash, or the one a
 * leading `# escape=` directive names), also with blanks after it;
 * comment lines and empty lines, also inside a continuation; the exec
 * (JSON array) form of any instruction; heredocs (`RUN <<EOF` ... `EOF`,
 * `<<-` too) so their bodies are not read as instructions. It never
 * fails: what it cannot make sense of is kept (an unknown instruction, an
 * unterminated heredoc) and the checks report it.
 *
 * Ownership: dockerfile_parse fills a struct the caller releases with
 * dockerfile_free. Every string is a heap copy, NUL-terminated (a NUL in
 * the text ends the string there: the kind refuses such files first).
 */
#ifndef GRADER_RUNNERS_DOCKERFILE_H
#define GRADER_RUNNERS_DOCKERFILE_H

#include <stddef.h>

#include "grader/util/util.h"

struct df_instr {
	char *cmd;   /* the instruction, upper case ("FROM"); an unknown one as written */
	char *args;  /* the rest, continuations joined, trimmed; heredoc bodies appended */
	int line;    /* 1-based line of its first line */
	int known;   /* cmd is a Dockerfile instruction */
	int json;    /* args is a JSON array of strings (the exec form) */
	char **argv; /* json: its strings */
	size_t argc;
	size_t *seg_off; /* where each of its physical lines begins in args */
	int *seg_line;   /* ... and that line's number */
	size_t nseg;
};

struct dockerfile {
	struct df_instr *v;
	size_t n;
	char escape;      /* '\\' or '`' */
	int heredoc_open; /* line of a heredoc that never ended, or 0 */
};

void dockerfile_parse(const char *text, size_t len, struct dockerfile *df);
void dockerfile_free(struct dockerfile *df);

/* Splits shell-form arguments into words: blanks separate words except
 * inside quotes; quotes are removed; the escape character keeps the next
 * character. A NULL-terminated heap list of heap strings (free with
 * df_words_free); *n gets the count. */
char **df_words(const char *s, char escape, size_t *n);
void df_words_free(char **w);

/* The checks. Each appends one line per problem to out, every line
 * starting "NAME:LINE: " (name is the file's name in the submission),
 * and returns how many problems it found (0: the check holds). */

/* Problems that make the file no Dockerfile docker could build: no FROM,
 * an unknown instruction, an unterminated heredoc. */
int df_check_syntax(const struct dockerfile *df, const char *name, struct strbuf *out);
/* Every FROM names an image by a version tag or a digest (not latest, no
 * tag, or a floating tag like stable), or scratch, or an earlier stage. */
int df_check_base_pinned(const struct dockerfile *df, const char *name, struct strbuf *out);
/* The final stage's last USER (or, when the stage has none and builds on
 * an earlier stage, that stage's) is neither root nor 0. */
int df_check_non_root(const struct dockerfile *df, const char *name, struct strbuf *out);
/* No ENV or ARG of any stage gives a secret-looking name (PASSWORD,
 * SECRET, TOKEN, ..._KEY) a literal value. */
int df_check_no_secrets(const struct dockerfile *df, const char *name, struct strbuf *out);
/* The final stage starts its program with the exec form: its ENTRYPOINT,
 * or its CMD when it has none, is a JSON array. */
int df_check_exec_form(const struct dockerfile *df, const char *name, struct strbuf *out);

/* The line of the file that byte off of in->args comes from. */
int df_line_at(const struct df_instr *in, size_t off);

/* 1 when name (an ENV or ARG name) looks like it holds a secret. */
int df_secret_name(const char *name);

#endif
