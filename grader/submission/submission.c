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

#include "grader/util/util.h"

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

struct submission *submission_open_git(const char *repo_url, const char *ref, const char *commit,
				       const char *state_dir, char *err, size_t errlen)
{
	char *fallback = NULL;
	if (!state_dir || !*state_dir)
		state_dir = getenv("GRADER_STATE_DIR");
	if (!state_dir || !*state_dir) {
		const char *xdg = getenv("XDG_CACHE_HOME");
		const char *home = getenv("HOME");
		if (xdg && *xdg)
			fallback = path_join(xdg, "grader");
		else
			fallback = path_join(home && *home ? home : "/tmp", ".cache/grader");
		state_dir = fallback;
	}
	struct submission_limits lim = {0};
	struct submission *s = submission_from_git(repo_url, ref, commit, state_dir, &lim, err, errlen);
	free(fallback);
	return s;
}

int submission_paths_touch(char *const *paths, size_t n, const char *dir)
{
	if (!strcmp(dir, ".") || !*dir)
		return n > 0;
	size_t len = strlen(dir);
	while (len > 0 && dir[len - 1] == '/')
		len--;
	for (size_t i = 0; i < n; i++)
		if (!strncmp(paths[i], dir, len) && (paths[i][len] == '/' || paths[i][len] == '\0'))
			return 1;
	return 0;
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
