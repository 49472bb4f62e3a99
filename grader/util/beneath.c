/*
 * beneath.c - files below a root, never through a symbolic link: every
 * open is an openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, so the
 * kernel, not a component-by-component walk of ours, refuses a path that
 * leaves the root or crosses a link. beneath.h has the contract.
 */
#include "beneath.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#define COPY_MAX_DEPTH 256 /* deeper trees are refused (ELOOP), never half-walked */

int beneath_open(int dirfd, const char *rel, int flags, mode_t mode)
{
	if (!rel || !*rel || !strcmp(rel, "."))
		rel = ".";
	else if (!path_is_contained(rel)) {
		errno = EINVAL;
		return -1;
	}
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_CLOEXEC),
	    .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd;
	do
		fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof how);
	while (fd < 0 && errno == EAGAIN);
	return (int)fd;
}

int beneath_open_root(const char *root)
{
	return open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

int beneath_mkdirs(int dirfd, const char *rel)
{
	if (rel && *rel && strcmp(rel, ".") && !path_is_contained(rel)) {
		errno = EINVAL;
		return -1;
	}
	int fd = beneath_open(dirfd, ".", O_RDONLY | O_DIRECTORY, 0);
	char *copy = xstrdup(rel ? rel : ""), *save = NULL;
	for (char *part = strtok_r(copy, "/", &save); part && fd >= 0;
	     part = strtok_r(NULL, "/", &save)) {
		if (!strcmp(part, "."))
			continue;
		if (mkdirat(fd, part, 0755) < 0 && errno != EEXIST) {
			int e = errno;
			close(fd);
			errno = e;
			fd = -1;
			break;
		}
		int next = beneath_open(fd, part, O_RDONLY | O_DIRECTORY, 0);
		int e = errno;
		close(fd);
		errno = e;
		fd = next;
	}
	free(copy);
	return fd;
}

char *beneath_dir(const char *root, const char *rel)
{
	int rootfd = beneath_open_root(root);
	if (rootfd < 0)
		return NULL;
	int fd = beneath_open(rootfd, rel, O_PATH | O_DIRECTORY, 0);
	int e = errno;
	close(rootfd);
	if (fd < 0) {
		errno = e;
		return NULL;
	}
	close(fd);
	return (!rel || !*rel || !strcmp(rel, ".")) ? xstrdup(root) : path_join(root, rel);
}

int beneath_is_file(const char *root, const char *rel)
{
	int rootfd = beneath_open_root(root);
	if (rootfd < 0)
		return 0;
	int fd = beneath_open(rootfd, rel, O_PATH, 0);
	close(rootfd);
	if (fd < 0)
		return 0;
	struct stat st;
	int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	close(fd);
	return ok;
}

/* Reads all of fd (a regular file) up to max bytes. */
static int read_fd(int fd, size_t max, char **out, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	if ((uint64_t)st.st_size > max) {
		errno = EFBIG;
		return -1;
	}
	struct strbuf sb = {0};
	char buf[65536];
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			sb_free(&sb);
			return -1;
		}
		if (r == 0)
			break;
		if (sb.len + (size_t)r > max) { /* grew while we read */
			sb_free(&sb);
			errno = EFBIG;
			return -1;
		}
		sb_add(&sb, buf, (size_t)r);
	}
	*out = sb_detach(&sb, len);
	return 0;
}

int beneath_read(const char *root, const char *rel, size_t max, char **out, size_t *len)
{
	int rootfd = beneath_open_root(root);
	if (rootfd < 0)
		return -1;
	/* O_NONBLOCK: a fifo the program left there must not hang the grader. */
	int fd = beneath_open(rootfd, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
	int e = errno;
	close(rootfd);
	if (fd < 0) {
		errno = e;
		return -1;
	}
	int rc = read_fd(fd, max, out, len);
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

int beneath_write(const char *root, const char *rel, const void *data, size_t len, mode_t mode)
{
	if (!path_is_contained(rel)) {
		errno = EINVAL;
		return -1;
	}
	int rootfd = beneath_open_root(root);
	if (rootfd < 0)
		return -1;
	char *dir = xstrdup(rel);
	char *slash = strrchr(dir, '/');
	const char *base = rel;
	if (slash) {
		*slash = '\0';
		base = rel + (slash - dir) + 1;
	} else {
		dir[0] = '\0';
	}
	int dirfd = beneath_mkdirs(rootfd, dir);
	int e = errno;
	close(rootfd);
	free(dir);
	if (dirfd < 0) {
		errno = e;
		return -1;
	}
	int rc = -1;
	if (!*base || !strcmp(base, ".")) {
		errno = EISDIR;
	} else {
		unlinkat(dirfd, base, 0); /* whatever was there, a link included */
		int fd = beneath_open(dirfd, base, O_WRONLY | O_CREAT | O_EXCL, mode);
		if (fd >= 0) {
			rc = fd_write_all(fd, data, len);
			e = errno;
			if (close(fd) < 0 && rc == 0)
				rc = -1;
			else
				errno = e;
		}
	}
	e = errno;
	close(dirfd);
	errno = e;
	return rc;
}

static int copy_file_at(int srcdir, int dstdir, const char *name, mode_t mode)
{
	int in = beneath_open(srcdir, name, O_RDONLY | O_NONBLOCK, 0);
	if (in < 0)
		return -1;
	int out = beneath_open(dstdir, name, O_WRONLY | O_CREAT | O_EXCL, mode & 0777);
	if (out < 0) {
		int e = errno;
		close(in);
		errno = e;
		return -1;
	}
	char buf[65536];
	int rc = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -1 : 0;
			break;
		}
		if (fd_write_all(out, buf, (size_t)n) < 0) {
			rc = -1;
			break;
		}
	}
	int e = errno;
	close(in);
	if (close(out) < 0 && rc == 0)
		return -1;
	errno = e;
	return rc;
}

static int copy_link_at(int srcdir, int dstdir, const char *name)
{
	char target[4096];
	ssize_t n = readlinkat(srcdir, name, target, sizeof target - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	return symlinkat(target, dstdir, name);
}

static int copy_dir(int srcfd, int dstfd, int depth)
{
	if (depth > COPY_MAX_DEPTH) {
		errno = ELOOP;
		return -1;
	}
	int listfd = dup(srcfd);
	DIR *d = listfd >= 0 ? fdopendir(listfd) : NULL;
	if (!d) {
		if (listfd >= 0)
			close(listfd);
		return -1;
	}
	int rc = 0, e = 0;
	struct dirent *ent;
	while ((ent = readdir(d))) {
		const char *name = ent->d_name;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		struct stat st;
		int r = 0;
		if (fstatat(srcfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -1;
		} else if (S_ISLNK(st.st_mode)) {
			r = copy_link_at(srcfd, dstfd, name);
		} else if (S_ISREG(st.st_mode)) {
			r = copy_file_at(srcfd, dstfd, name, st.st_mode);
		} else if (S_ISDIR(st.st_mode)) {
			int s = -1, t = -1;
			if ((mkdirat(dstfd, name, 0755) < 0 && errno != EEXIST) ||
			    (s = beneath_open(srcfd, name, O_RDONLY | O_DIRECTORY, 0)) < 0 ||
			    (t = beneath_open(dstfd, name, O_RDONLY | O_DIRECTORY, 0)) < 0)
				r = -1;
			else
				r = copy_dir(s, t, depth + 1);
			int se = errno;
			if (s >= 0)
				close(s);
			if (t >= 0)
				close(t);
			errno = se;
		} /* devices, fifos, sockets: not copied */
		if (r < 0 && rc == 0) {
			rc = -1;
			e = errno;
		}
	}
	closedir(d);
	if (rc < 0)
		errno = e;
	return rc;
}

int beneath_copy(int srcfd, int dstfd)
{
	return copy_dir(srcfd, dstfd, 0);
}

int beneath_copy_path(const char *src, const char *dst)
{
	if (mkdir(dst, 0755) < 0 && errno != EEXIST)
		return -1;
	int s = beneath_open_root(src);
	if (s < 0)
		return -1;
	int t = beneath_open_root(dst);
	if (t < 0) {
		int e = errno;
		close(s);
		errno = e;
		return -1;
	}
	int rc = beneath_copy(s, t);
	int e = errno;
	close(s);
	close(t);
	errno = e;
	return rc;
}

const char *beneath_strerror(int e)
{
	switch (e) {
	case ENOENT:
		return "does not exist";
	case ELOOP:
		return "goes through a symbolic link";
	case EXDEV:
	case EINVAL:
		return "leads outside its folder";
	case ENOTDIR:
		return "has a file where a folder is expected";
	case EFBIG:
		return "is too large";
	case EISDIR:
		return "is a folder, not a file";
	default:
		return strerror(e);
	}
}
