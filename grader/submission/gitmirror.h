/*
 * gitmirror.h - the cache of bare mirrors that submissions from Git are
 * fetched into, and the process-wide libgit2 set-up the grader relies on.
 *
 * A mirror lives at STATE_DIR/mirrors/<sha256 of the URL>.git and is
 * updated incrementally with the refspec +refs/<anything>:refs/<anything> (pruning refs the
 * remote dropped). Every update holds an exclusive flock on the mirror's
 * lock file (<sha256>.lock), so several graders may fetch the same
 * repository at once; the lock is held until gitmirror_release, so the
 * caller can copy refs out of a consistent state.
 *
 * Ownership: a struct gitmirror owns its path, its open repository and
 * the lock descriptor; gitmirror_release frees them. Functions return 0,
 * or -1 with a message in err.
 */
#ifndef GRADER_GITMIRROR_H
#define GRADER_GITMIRROR_H

#include <stddef.h>

struct git_repository;

struct gitmirror {
	char *url;  /* the URL fetched (a local path made absolute) */
	char *path; /* the bare mirror repository */
	struct git_repository *repo;
	int lock_fd;
};

/* Initialises libgit2 once per process: no system/global/XDG config is
 * read (no url.insteadOf, proxies or credential helpers from the host),
 * strict object creation and hash verification are on. Safe to call
 * from any thread any number of times. */
void gitlib_init(void);

/* Formats libgit2's last error as "what: message" into err. */
void gitlib_error(char *err, size_t errlen, const char *what);

/* The URL the mirror of url is keyed by: a local path made absolute
 * (symlinks resolved), anything with "://" as it is. Heap string, or
 * NULL with err when a local path does not exist. */
char *gitmirror_normalize_url(const char *url, char *err, size_t errlen);

/* The URL as reports and messages show it: a password in it
 * ("https://user:token@host/...") becomes "***". Heap string. */
char *gitmirror_redact_url(const char *url);

/* Locks, creates if needed and fetches the mirror of url under
 * state_dir. On success m holds the locked, open mirror. No credentials
 * are ever prompted for: ssh uses the agent only, http(s) none; an ssh
 * server's host key must be in known_hosts. */
int gitmirror_update(const char *state_dir, const char *url, struct gitmirror *m, char *err,
		     size_t errlen);

/* What a fetch or ls-remote needs to authenticate: ssh through the
 * agent (once), the server's host key checked against known_hosts
 * (known_hosts.h); TLS as libgit2 verifies it. */
struct gitmirror_auth {
	const char *url;
	int tries;
	char message[600]; /* why a host key was refused, or "" */
};
struct git_remote_callbacks;

/* Fills cb's credential and certificate callbacks, with a as their
 * payload (a must outlive the operation). */
void gitmirror_callbacks(struct git_remote_callbacks *cb, struct gitmirror_auth *a,
			 const char *url);

/* "fetching URL: why" (URL redacted) after a failed operation. */
void gitmirror_error(char *err, size_t errlen, const char *url, const struct gitmirror_auth *a);

/* A ref as given ("refs/..." or "HEAD") or a branch name made full
 * ("main" -> "refs/heads/main"), into out. */
void gitref_full(const char *name, char *out, size_t len);

/* Unlocks and frees m (safe on a zeroed struct). */
void gitmirror_release(struct gitmirror *m);

struct submission;
struct git_oid;

/* Opens the history of a submission read-only (submission_git.c): its
 * git_dir, or for a plain folder the folder's own .git when that is a
 * real directory (a learner's checkout; a .git file or link is refused).
 * *start is the submission's commit, or the repository's HEAD. The
 * caller frees *repo with git_repository_free. */
int gitsub_open_history(const struct submission *s, struct git_repository **repo,
			struct git_oid *start, char *err, size_t errlen);

#endif
