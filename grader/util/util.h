/*
 * util.h - small helpers every part of the grader shares: checked
 * allocation, a growable byte buffer, whole-file reads and path checks.
 *
 * Ownership: functions returning char * return a heap string the caller
 * frees with free(). Allocation failure aborts the program (there is no
 * sensible recovery inside a grading run).
 */
#ifndef GRADER_UTIL_H
#define GRADER_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable, always NUL-terminated byte buffer. Zero-initialise to start. */
struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};
void sb_add(struct strbuf *sb, const void *data, size_t n);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addc(struct strbuf *sb, char c);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Appends s as one POSIX shell word: single-quoted (a ' inside as '\'')
 * when always is set or s holds anything but letters, digits and
 * _./:=@%+,- (or is empty); bare otherwise. */
void sb_add_shell_word(struct strbuf *sb, int always, const char *s);
/* Returns the buffer (never NULL) and resets sb; the caller frees it. */
char *sb_detach(struct strbuf *sb, size_t *len);
void sb_free(struct strbuf *sb);

/* Reads a whole regular file, refusing symlinks and anything over max
 * bytes. Returns 0 and a NUL-terminated heap buffer, or -1 with errno set
 * (EFBIG when over max). */
int read_file(const char *path, size_t max, char **out, size_t *len);
/* Like read_file, but a longer file is read only up to max bytes and
 * *more (may be NULL) says whether anything followed. */
int read_file_head(const char *path, size_t max, char **out, size_t *len, int *more);
/* Writes data to path atomically (temp file + rename). 0 or -1/errno. */
int write_file_atomic(const char *path, const void *data, size_t len);

/* Joins two path parts with exactly one '/' between them. */
char *path_join(const char *a, const char *b);
/* The path of name in the folder of this process's own executable (where
 * grader-core, grader-serve and grader-sqlite are installed beside
 * grader): a heap string, or NULL with errno. */
char *path_beside_self(const char *name);
/* True when rel is a relative path that cannot leave its base folder
 * lexically: not absolute, no ".." component, not empty, no NUL. */
int path_is_contained(const char *rel);
/* Creates dir and its parents (mode 0755). 0 or -1/errno. */
int mkdir_p(const char *dir);
/* Removes a tree without following symlinks. 0 or -1/errno. */
int rm_rf(const char *path);
/* Writes all of data to fd (retrying short writes and EINTR). 0 or -1. */
int fd_write_all(int fd, const void *data, size_t len);
/* Copying a tree: beneath_copy_path (beneath.h), which never follows a link. */

/* Parses "2s", "500ms", "1.5m", "1h" into seconds. 0 or -1. */
int parse_duration(const char *s, double *seconds);
/* Parses "128MiB", "64k", "1G", "4096" into bytes. 0 or -1. */
int parse_size(const char *s, uint64_t *bytes);

/* Monotonic clock in seconds. */
double now_monotonic(void);

/* Levenshtein distance, for "did you mean" hints. */
size_t edit_distance(const char *a, const char *b);
/* The candidate closest to word (distance <= 2 or a third of its length),
 * or NULL. candidates ends with NULL. */
const char *closest_word(const char *word, const char *const *candidates);

/* Hex SHA-256 of data, written into out[65] (sha256.c: its own object,
 * so that a binary that does not hash never links libcrypto). */
/* Fills buf with n bytes from /dev/urandom: 0, or -1 with errno. */
int random_bytes(void *buf, size_t n);

/* The value of one hex digit (0-9, a-f, A-F), or -1. */
int hex_digit(int c);
/* n random bytes as 2n lowercase hex digits and a NUL in out. 0 or -1. */
int random_hex(char *out, size_t n);

void sha256_hex(const void *data, size_t len, char out[65]);

#endif
