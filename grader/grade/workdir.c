/*
 * workdir.c - scratch space and work dirs for runners (workdir.h). The
 * walking itself is grader/util/beneath.c's: openat2, never through a
 * link, never out of the root.
 */
#include "workdir.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "grader/util/util.h"

/* Set by workdir_private_mounts: this process has a mount namespace of
 * its own, whose mounts no other process sees and which go with it. */
static int private_mounts;

int workdir_private_mounts(void)
{
	if (geteuid() != 0)
		return 0;
	if (unshare(CLONE_NEWNS) < 0)
		return -1;
	/* Slave: the host's mounts still reach us, ours never reach it. If
	 * that fails the namespace may still share with the host's, so no
	 * scratch is ever mounted. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return -1;
	private_mounts = 1;
	return 0;
}

/* The size cap of a scratch tmpfs; its pages are memory, charged to the
 * cgroup of whoever writes them (a run's files count in its memory). */
#define SCRATCH_TMPFS "mode=0700,size=4g,nr_inodes=1048576"

char *workdir_scratch(char *err, size_t errlen)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	char *dir = path_join(tmp, "grader-XXXXXX");
	if (!mkdtemp(dir)) {
		snprintf(err, errlen, "cannot create a scratch dir in %s: %s", tmp,
			 strerror(errno));
		free(dir);
		return NULL;
	}
	/* A filesystem of its own, so that a sandbox's /proc/self/mountinfo
	 * names its work dir by its path in here ("/work-ab12Cd"), never by
	 * the host's (docs/security.md). Only in a private mount namespace:
	 * a grader killed with SIGKILL must not leave mounts on the host.
	 * Without it the dir stays an ordinary one. */
	if (private_mounts)
		mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, SCRATCH_TMPFS); /* else: a dir */
	return dir;
}

void workdir_scratch_remove(char *dir)
{
	if (!dir)
		return;
	/* a tmpfs goes at once with its unmount; rm_rf empties what is left */
	if (private_mounts)
		umount2(dir, MNT_DETACH);
	rm_rf(dir);
	free(dir);
}

const char *workdir_submit_path(const struct exercise *ex)
{
	return ex->submit_path ? ex->submit_path : ex->id;
}

char *workdir_empty(const struct grade_env *env, char *err, size_t errlen)
{
	char *dir = path_join(env->scratch, "work-XXXXXX");
	if (!mkdtemp(dir)) {
		snprintf(err, errlen, "cannot create a work dir under %s: %s", env->scratch,
			 strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

char *workdir_make(const struct exercise *ex, const struct submission *sub,
		   const struct grade_env *env, char *err, size_t errlen)
{
	char *dir = workdir_empty(env, err, errlen);
	if (!dir)
		return NULL;
	const char *sp = workdir_submit_path(ex);
	int root = beneath_open_root(sub->dir);
	int src = root < 0 ? -1 : beneath_open(root, sp, O_RDONLY | O_DIRECTORY, 0);
	int e = errno;
	if (root >= 0)
		close(root);
	if (src < 0) {
		if (e == ENOENT)
			return dir; /* nothing submitted: an empty work dir */
		snprintf(err, errlen, "%s/ of the submission %s", sp, beneath_strerror(e));
		workdir_remove(dir);
		return NULL;
	}
	int dst = beneath_open_root(dir);
	int rc = dst < 0 ? -1 : beneath_copy(src, dst);
	e = errno;
	close(src);
	if (dst >= 0)
		close(dst);
	if (rc < 0) {
		snprintf(err, errlen, "cannot copy the submission: %s", strerror(e));
		workdir_remove(dir);
		return NULL;
	}
	return dir;
}

void workdir_remove(char *dir)
{
	if (!dir)
		return;
	rm_rf(dir);
	free(dir);
}

int workdir_write_files(const char *work, const struct ex_file *files, size_t count, char *err,
			size_t errlen)
{
	for (size_t i = 0; i < count; i++) {
		if (beneath_write(work, files[i].name, files[i].data, files[i].len, 0644) != 0) {
			snprintf(err, errlen, "cannot write the file %s: %s", files[i].name,
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}
