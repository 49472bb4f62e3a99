/*
 * submission.c - submissions that are plain folders on the host (a
 * learner's checkout), and freeing any submission. Submissions from Git
 * live in submission_git.c.
 */
#include "submission.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

struct submission *submission_from_dir(const char *dir, char *err, size_t errlen)
{
	char real[PATH_MAX];
	struct stat st;
	if (!realpath(dir, real) || stat(real, &st) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", dir);
		return NULL;
	}
	struct submission *s = xcalloc(1, sizeof *s);
	s->dir = xstrdup(real);
	return s;
}

void submission_free(struct submission *s)
{
	if (!s)
		return;
	if (s->owns_dir && s->dir)
		rm_rf(s->dir);
	free(s->dir);
	free(s->git_dir);
	free(s->info.repo);
	free(s->info.ref);
	free(s->info.commit);
	free(s->info.author);
	free(s->info.committer);
	free(s->info.message);
	free(s);
}
