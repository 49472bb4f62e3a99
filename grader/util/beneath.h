/*
 * beneath.h - files below a root, never through a symbolic link.
 *
 * A submission, a run's work dir after learner code ran in it, and a Git
 * tree being written out are hostile trees: any component of a path in
 * them may be a link to "/" or to another learner's files. Every open
 * here goes through openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS), so the kernel refuses a path that leaves the
 * root, crosses a link or names /proc magic. This is the one place the
 * project walks such a tree; the runners reach it through
 * grader/grade/workdir.h.
 *
 * Errors: -1 (or NULL) with errno: ENOENT when a component is absent,
 * ELOOP when one is a symbolic link, EXDEV when the path leaves the root,
 * ENOTDIR, EFBIG for a file over the caller's cap, EINVAL for a relative
 * path that is not contained (absolute, or with a ".." component).
 * beneath_strerror turns these into the words learners see.
 */
#ifndef GRADER_BENEATH_H
#define GRADER_BENEATH_H

#include <stddef.h>
#include <sys/types.h>

/* openat2 of rel below dirfd with flags (O_CLOEXEC is added) and mode.
 * rel "" or "." opens dirfd's own directory. Returns an fd or -1. */
int beneath_open(int dirfd, const char *rel, int flags, mode_t mode);

/* Opens root (a path the grader made; it may not itself be a link) as a
 * directory fd, or -1. */
int beneath_open_root(const char *root);

/* Creates every missing directory of rel below dirfd (mode 0755), each
 * component a real directory. Returns an fd of the last one, or -1. */
int beneath_mkdirs(int dirfd, const char *rel);

/* root/rel after checking that it is a real directory below root: a heap
 * path, or NULL with errno. */
char *beneath_dir(const char *root, const char *rel);

/* 1 when rel below root is a regular file (not a link), 0 when it is
 * something else or absent. */
int beneath_is_file(const char *root, const char *rel);

/* Reads the regular file rel below root, at most max bytes: 0 with a heap
 * buffer (NUL-terminated, its length in *len), or -1 with errno (EFBIG
 * when it is larger than max, EINVAL when it is not a regular file). */
int beneath_read(const char *root, const char *rel, size_t max, char **out, size_t *len);

/* Writes data as the file rel below root, creating the directories on the
 * way and replacing whatever was there (a link included, never followed).
 * 0, or -1 with errno. */
int beneath_write(const char *root, const char *rel, const void *data, size_t len, mode_t mode);

/* Copies the tree below srcfd into dstfd: directories, regular files
 * (their mode's executable bits kept) and symbolic links as links, which
 * resolve inside whatever root the copy is later mounted at; devices,
 * fifos and sockets are not copied. Never follows a link. 0, or -1 with
 * errno (the copy may be partial: the caller removes it). */
int beneath_copy(int srcfd, int dstfd);

/* The same for paths: src (a real directory) into dst (created if absent). */
int beneath_copy_path(const char *src, const char *dst);

/* "does not exist", "goes through a symbolic link", ... for errno e. */
const char *beneath_strerror(int e);

#endif
