/*
 * yaml.h - a YAML document as a tree of positioned nodes (built with
 * libyaml), plus typed accessors that report problems as diagnostics.
 *
 * Every node remembers the file, line and column it came from, so any
 * later validation step can point at the exact spot. A tree is owned by
 * its root: yaml_node_free(root) frees everything. Aliases are refused
 * (no billion-laughs); documents are capped in size and depth.
 */
#ifndef GRADER_YAML_H
#define GRADER_YAML_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

enum yaml_kind { YAML_SCALAR, YAML_SEQ, YAML_MAP };

struct yaml_node {
	enum yaml_kind kind;
	const char *file;  /* shared, owned by the root (root->file_owned) */
	int line, col;     /* 1-based position of the node's first character */
	char *scalar;      /* YAML_SCALAR: the value, NUL-terminated */
	size_t scalar_len; /* may contain NULs in theory; we refuse them */
	int quoted;        /* YAML_SCALAR: written in quotes (so never null/bool) */
	/* YAML_SEQ: items[i]; YAML_MAP: keys[i] (scalars) -> items[i] */
	struct yaml_node **keys;
	struct yaml_node **items;
	size_t n;
	char *file_owned; /* only on the root */
};

/* Parses a document from memory. name is used in diagnostics. Returns the
 * root (an empty map for an empty document) or NULL after adding
 * diagnostics to d (a syntax error in an author's words with the fix, at
 * the character to change, where yaml.c's table knows libyaml's problem;
 * else "invalid YAML: " and libyaml's words). */
struct yaml_node *yaml_parse(const char *name, const char *text, size_t len, struct diag *d);
/* Reads and parses a file (capped at 1 MiB). NULL + diagnostics on error. */
struct yaml_node *yaml_load_file(const char *path, struct diag *d);
void yaml_node_free(struct yaml_node *root);

/* Map lookup; NULL when absent or when map is not a map. */
const struct yaml_node *yaml_get(const struct yaml_node *map, const char *key);

/* Reports every key of map not in allowed (NULL-terminated) as
 * "unknown key 'x' (did you mean 'y'?)", or, when no allowed key is close,
 * "unknown key 'x': allowed here are a, b, c", and every duplicate key.
 * The one place unknown keys are reported. Returns the number of
 * problems. */
int yaml_check_keys(const struct yaml_node *map, const char *const *allowed, struct diag *d);
/* The same, naming the map in the list of allowed keys: where is e.g.
 * "in a check" ("unknown key 'x' in a check: allowed here are ..."); NULL
 * for none. */
int yaml_check_keys_in(const struct yaml_node *map, const char *const *allowed, const char *where,
		       struct diag *d);

/* Typed accessors: each checks the node's type, adds "<what> must be ..."
 * with the node's position on mismatch and returns -1; 0 on success.
 * what names the thing in messages, e.g. "'points'". */
int yaml_expect_kind(const struct yaml_node *n, enum yaml_kind kind, const char *what,
		     struct diag *d);
int yaml_to_str(const struct yaml_node *n, const char *what, const char **out, struct diag *d);
int yaml_to_int(const struct yaml_node *n, const char *what, long long min, long long max,
		long long *out, struct diag *d);
int yaml_to_double(const struct yaml_node *n, const char *what, double *out, struct diag *d);
int yaml_to_bool(const struct yaml_node *n, const char *what, int *out, struct diag *d);
int yaml_to_duration(const struct yaml_node *n, const char *what, double *seconds,
		     struct diag *d);
int yaml_to_size(const struct yaml_node *n, const char *what, uint64_t *bytes, struct diag *d);
/* A scalar or a sequence of scalars, as a NULL-terminated array of
 * borrowed strings (free the array itself with free()). */
int yaml_to_str_list(const struct yaml_node *n, const char *what, const char ***out,
		     size_t *count, struct diag *d);

/* A command: a string (run with /bin/sh -c) or a non-empty list of
 * arguments, as a NULL-terminated heap argv of *argc heap strings. what
 * names it in messages ("'run'"). 0, or -1 with diagnostics. */
int yaml_to_command(const struct yaml_node *n, const char *what, char ***argv, size_t *argc,
		    struct diag *d);
/* An environment: a map {NAME: value}, each NAME letters, digits and _
 * not starting with a digit, each value a string; appended to a new
 * NULL-terminated heap list *env of *nenv "NAME=value" strings. Names in
 * reserved (NULL-terminated, may be NULL) are refused with reserved_why.
 * 0, or -1 with diagnostics (the valid entries are kept). */
int yaml_to_env(const struct yaml_node *n, const char *const *reserved, const char *reserved_why,
		char ***env, size_t *nenv, struct diag *d);

/* Adds an error positioned at node n. */
void yaml_error(struct diag *d, const struct yaml_node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
