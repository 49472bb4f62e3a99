/*
 * utf8.h - the grader's one rule for what is valid UTF-8, and the repair
 * every output that must be valid UTF-8 uses (report writers, `grader
 * sandbox --json`, the visible form of diffs).
 *
 * Strict (Unicode table 3-7): overlong forms, UTF-16 surrogates
 * (U+D800..U+DFFF), code points above U+10FFFF, stray continuation bytes
 * and truncated sequences are invalid. A repair replaces each byte that
 * does not belong to a valid character by U+FFFD.
 */
#ifndef GRADER_UTF8_H
#define GRADER_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The length (1-4) of the valid character at s (n >= 1 bytes left), its
 * code point in *cp (when cp is not NULL); 0 when s does not start a
 * valid character. ASCII, NUL included, is 1. */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);

enum {
	UTF8_NUL_INVALID = 1, /* NUL becomes U+FFFD too (for cJSON strings) */
};

/* A NUL-terminated heap copy of s[0..len) with each invalid byte replaced
 * by U+FFFD (flags: UTF8_NUL_INVALID or 0); the caller frees it. */
char *utf8_repair(const char *s, size_t len, int flags);

/* 1-based line and column of byte offset off in s[0..len) (an offset past
 * the end counts as the end); columns count UTF-8 characters, so a
 * diagnostic points where an editor does. */
void utf8_position(const char *s, size_t len, size_t off, int *line, int *col);

#endif
