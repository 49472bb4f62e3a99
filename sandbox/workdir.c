/*
 * workdir.c - the host paths a run is given, prepared by the parent: the
 * work dir handed to the slot's uid (root callers), and the work dir and
 * binds opened as detached mounts for the child to attach.
 *
 * The caller owns the work dir again after the run and must treat what
 * the command left there as hostile (sandbox.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/internal.h"

/* Root: the sandbox user must be able to write the work dir. Walks with
 * *at() calls from an fd, never following a symlink (fchownat with
 * AT_SYMLINK_NOFOLLOW changes links themselves), and stays on one file
 * system. A file with more than one hard link is left as it is: its other
 * name may be outside the work dir (a file of the host's planted there),
 * and the grader's own copies never have one. */
static int chown_at(int dirfd, uid_t uid, dev_t dev, int depth)
{
	if (depth > 64)
		return errno = ELOOP, -1;
	DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
			continue;
		if (!S_ISDIR(st.st_mode) && st.st_nlink > 1)
			continue;
		if ((st.st_uid != uid || st.st_gid != uid) &&
		    fchownat(dirfd, e->d_name, uid, uid, AT_SYMLINK_NOFOLLOW) < 0)
			rc = -1;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, e->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0 || chown_at(sub, uid, dev, depth + 1) < 0)
				rc = -1;
		}
	}
	closedir(d);
	return rc;
}

int sbx_workdir_chown(const char *dir, uid_t uid)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || fchown(fd, uid, uid) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		errno = e;
		return -1;
	}
	return chown_at(fd, uid, st.st_dev, 0);
}

/* As root: a detached copy of the mount at path (open_tree), made
 * read-only unless writable, always nosuid,nodev. The child attaches it
 * with move_mount, so the sandbox uid never walks the host path (whose
 * parents may be private to root). Unprivileged: fd -1, the child binds
 * the path itself as the caller's uid. */
int sbx_host_path_open(const char *path, int writable, int root, struct sbx_host_path *h)
{
	struct stat st;
	h->fd = -1;
	if (!path || stat(path, &st) < 0)
		return -1;
	h->is_dir = S_ISDIR(st.st_mode);
	if (!root)
		return 0;
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0)
		return -1;
	struct mount_attr attr = {
	    .attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (writable ? 0 : MOUNT_ATTR_RDONLY),
	};
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	h->fd = sbx_high_fd(fd);
	return 0;
}
