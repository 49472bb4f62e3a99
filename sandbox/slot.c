/*
 * slot.c - per-run slots: which unprivileged host uid a root caller's
 * sandbox runs as, and which cgroup names it uses.
 *
 * A slot is a lock file held with flock() for the whole run, so concurrent
 * runs (threads, worker processes, several daemons on one machine) never
 * share a uid: one sandbox can then never signal, ptrace or read the
 * files of another. The lock dies with its holder, so a crashed grader
 * frees its slots by itself. Root uses /run/grader-sandbox; an
 * unprivileged caller (whose sandboxes all map to its own uid anyway)
 * uses /tmp/grader-sandbox-UID.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/internal.h"

int sbx_slot_uid(int slot)
{
	if (slot < 0 || slot >= SBX_MAX_SLOTS)
		return -1;
	return SBX_SLOT_UID_BASE + slot;
}

/* A directory we own, not a symlink, not writable by others. */
static int lock_dir_ok(const char *dir)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return 0;
	struct stat st;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	return st.st_uid == geteuid() && !(st.st_mode & 022);
}

int sbx_lock_dir(char *dir, size_t len)
{
	if (geteuid() == 0) {
		snprintf(dir, len, "/run/grader-sandbox");
		if (lock_dir_ok(dir))
			return 0;
	}
	snprintf(dir, len, "/tmp/grader-sandbox-%u", (unsigned)geteuid());
	return lock_dir_ok(dir) ? 0 : -1;
}

/* Opens and locks slot i's file; 1 locked, 0 busy, -1 error. */
static int try_slot(const char *dir, int i, int blocking, int *fd_out)
{
	char path[300];
	snprintf(path, sizeof path, "%s/slot-%d.lock", dir, i);
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int rc;
	do
		rc = flock(fd, LOCK_EX | (blocking ? 0 : LOCK_NB));
	while (rc < 0 && errno == EINTR);
	if (rc < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return e == EWOULDBLOCK ? 0 : -1;
	}
	*fd_out = fd;
	return 1;
}

int sbx_slot_acquire(int want, struct sbx_slot *slot, char *err, size_t errlen)
{
	char dir[256];
	slot->index = -1;
	slot->lock_fd = -1;
	if (sbx_lock_dir(dir, sizeof dir) < 0) {
		snprintf(err, errlen, "no safe directory for slot locks (%s): %s", dir,
			 strerror(errno));
		return -1;
	}
	if (want >= SBX_MAX_SLOTS) {
		snprintf(err, errlen, "slot %d out of range (0..%d)", want, SBX_MAX_SLOTS - 1);
		return -1;
	}
	int first = want >= 0 ? want : 0, last = want >= 0 ? want : SBX_MAX_SLOTS - 1;
	for (int i = first; i <= last; i++) {
		int rc = try_slot(dir, i, want >= 0, &slot->lock_fd);
		if (rc < 0) {
			snprintf(err, errlen, "cannot lock %s/slot-%d.lock: %s", dir, i,
				 strerror(errno));
			return -1;
		}
		if (rc == 1) {
			slot->index = i;
			break;
		}
	}
	if (slot->index < 0) {
		snprintf(err, errlen, "all %d sandbox slots are busy", SBX_MAX_SLOTS);
		return -1;
	}
	if (geteuid() == 0) {
		slot->host_uid = (uid_t)sbx_slot_uid(slot->index);
		slot->host_gid = (gid_t)sbx_slot_uid(slot->index);
	} else {
		slot->host_uid = geteuid();
		slot->host_gid = getegid();
	}
	return 0;
}

void sbx_slot_release(struct sbx_slot *slot)
{
	if (slot->lock_fd >= 0)
		close(slot->lock_fd);
	slot->lock_fd = -1;
	slot->index = -1;
}
