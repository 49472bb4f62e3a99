/*
 * submission.h - what is being graded: a tree of files on the host
 * (a learner's checkout, or a commit written out from Git) and what is
 * known of where it came from.
 *
 * Ownership: submission_* functions return objects freed with
 * submission_free. The tree under dir is hostile: read it without
 * following symlinks out of it.
 */
#ifndef GRADER_SUBMISSION_H
#define GRADER_SUBMISSION_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct submission_info {
	char *repo;      /* URL or path of the repository; NULL for a plain dir */
	char *ref;       /* e.g. refs/heads/main */
	char *commit;    /* full hex id */
	char *author;    /* "Name <email>" */
	char *committer;
	time_t commit_time;
	char *message;   /* the commit message */
};

struct submission {
	char *dir;  /* absolute host path of the submission's root */
	char *git_dir; /* a bare repository holding its history, or NULL */
	struct submission_info info;
	int owns_dir; /* remove dir on free (a private checkout) */
};

/* Caps on what a submission from Git may write out; 0 = the default. */
struct submission_limits {
	uint64_t max_total_bytes; /* default 256 MiB */
	uint64_t max_file_bytes;  /* default 10 MiB */
	size_t max_files;         /* default 20,000 */
};

/* A plain folder, graded as it is. NULL + message in err on error. */
struct submission *submission_from_dir(const char *dir, char *err, size_t errlen);

/* A commit of a Git repository (local path, file://, http(s)://, ssh://):
 * fetched into the mirror cache under state_dir, resolved (commit wins
 * over ref; neither means HEAD) and written into a private work tree
 * (submission_git.c). NULL + message in err on error. */
struct submission *submission_from_git(const char *repo_url, const char *ref, const char *commit,
				       const char *state_dir, const struct submission_limits *lim,
				       char *err, size_t errlen);
/* The same with default limits and state_dir defaulting to
 * $GRADER_STATE_DIR, else $XDG_CACHE_HOME/grader, else ~/.cache/grader. */
struct submission *submission_open_git(const char *repo_url, const char *ref, const char *commit,
				       const char *state_dir, char *err, size_t errlen);
/* For a plain folder that is a Git checkout (its .git a real folder): fills
 * s->info from HEAD (commit, ref, author, committer, time, message) so the
 * report says what was graded. Does nothing otherwise. */
void submission_describe_checkout(struct submission *s);
/* Paths (relative to the repository root) that differ between the commit
 * since and the submission's commit. 0, or -1 with err. */
int submission_changed_paths(const struct submission *s, const char *since, char ***paths,
			     size_t *n, char *err, size_t errlen);
/* True when any of paths lies in folder dir (or dir is "."). */
int submission_paths_touch(char *const *paths, size_t n, const char *dir);

void submission_free(struct submission *s);

#endif
