/*
 * gitmirror.c - bare mirrors of learners' repositories, fetched
 * incrementally into a cache under the state directory and locked with
 * flock so that concurrent graders never fetch into one mirror at once;
 * and the process-wide libgit2 options the grader depends on.
 */
#include "gitmirror.h"

#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "known_hosts.h"
#include "grader/util/util.h"

static pthread_once_t gitlib_once = PTHREAD_ONCE_INIT;

static void gitlib_setup(void)
{
	git_libgit2_init();
	/* The host's ~/.gitconfig or /etc/gitconfig must not rewrite URLs,
	 * add proxies or credential helpers to a grader's fetches. */
	static const int levels[] = {GIT_CONFIG_LEVEL_SYSTEM, GIT_CONFIG_LEVEL_XDG,
				     GIT_CONFIG_LEVEL_GLOBAL, GIT_CONFIG_LEVEL_PROGRAMDATA};
	for (size_t i = 0; i < sizeof levels / sizeof *levels; i++)
		git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, levels[i], "");
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 1);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_SYMBOLIC_REF_CREATION, 1);
}

void gitlib_init(void)
{
	pthread_once(&gitlib_once, gitlib_setup);
}

void gitlib_error(char *err, size_t errlen, const char *what)
{
	const git_error *e = git_error_last();
	snprintf(err, errlen, "%s: %s", what,
		 e && e->message ? e->message : "unknown libgit2 error");
}

char *gitmirror_normalize_url(const char *url, char *err, size_t errlen)
{
	if (strstr(url, "://"))
		return xstrdup(url);
	char real[PATH_MAX];
	if (!realpath(url, real)) {
		snprintf(err, errlen, "%s: %s (not a folder, repository or URL)", url,
			 strerror(errno));
		return NULL;
	}
	return xstrdup(real);
}

char *gitmirror_redact_url(const char *url)
{
	const char *scheme = strstr(url, "://");
	if (!scheme)
		return xstrdup(url);
	const char *user = scheme + 3;
	size_t hostpart = strcspn(user, "/");
	const char *at = memrchr(user, '@', hostpart);
	const char *colon = at ? memchr(user, ':', (size_t)(at - user)) : NULL;
	if (!colon)
		return xstrdup(url);
	return xasprintf("%.*s:***%s", (int)(colon - url), url, at);
}

static int lock_mirror(const char *lock_path, char *err, size_t errlen)
{
	int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", lock_path, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			snprintf(err, errlen, "locking %s: %s", lock_path, strerror(errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Opens the mirror, or creates it (again, if a crash left it half made). */
static int open_or_init(struct gitmirror *m, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(m->path, &st) == 0) {
		if (git_repository_open_ext(
			&m->repo, m->path, GIT_REPOSITORY_OPEN_NO_SEARCH | GIT_REPOSITORY_OPEN_BARE,
			NULL) == 0)
			return 0;
		rm_rf(m->path);
	}
	git_repository_init_options o;
	git_repository_init_options_init(&o, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	o.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
	o.mode = GIT_REPOSITORY_INIT_SHARED_UMASK;
	if (git_repository_init_ext(&m->repo, m->path, &o) < 0) {
		gitlib_error(err, errlen, m->path);
		return -1;
	}
	return 0;
}

/* ssh through the agent only, once; nothing for http(s): a grader never
 * prompts and holds no passwords. */
static int credentials(git_credential **out, const char *url, const char *user_from_url,
		       unsigned int allowed, void *payload)
{
	struct gitmirror_auth *a = payload;
	if (!(allowed & GIT_CREDENTIAL_SSH_KEY))
		return GIT_PASSTHROUGH;
	if (a->tries++ > 0) {
		const char *sock = getenv("SSH_AUTH_SOCK");
		snprintf(a->message, sizeof a->message,
			 "the ssh server accepted none of the keys of the ssh-agent at %s for "
			 "user '%s'",
			 sock && sock[0] ? sock : "(SSH_AUTH_SOCK is not set)",
			 user_from_url ? user_from_url : "git");
		return GIT_PASSTHROUGH;
	}
	return git_credential_ssh_key_from_agent(out, user_from_url ? user_from_url : "git");
}

/* An ssh server's host key must be in the known_hosts file; TLS
 * certificates keep libgit2's own verification. */
static int check_certificate(git_cert *cert, int valid, const char *host, void *payload)
{
	struct gitmirror_auth *a = payload;
	if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2)
		return GIT_PASSTHROUGH;
	const git_cert_hostkey *hk = (const git_cert_hostkey *)cert;
	/* libgit2 names the host; the port is the URL's (22 when absent) */
	char url_host[256], shown[300];
	int port;
	known_hosts_url_host(a->url, url_host, sizeof url_host, &port);
	known_hosts_name(host, port, shown, sizeof shown);
	if (!(hk->type & GIT_CERT_SSH_RAW)) {
		snprintf(a->message, sizeof a->message, "the ssh host key of %s is not available",
			 shown);
		return GIT_ECERTIFICATE;
	}
	char *path = known_hosts_path(), kerr[300] = "";
	enum kh_result r = known_hosts_check(path, host, port, (const unsigned char *)hk->hostkey,
					     hk->hostkey_len, kerr, sizeof kerr);
	switch (r) {
	case KH_MATCH:
		break;
	case KH_UNKNOWN:
		snprintf(a->message, sizeof a->message,
			 "the ssh host key of %s is not in %s (check its fingerprint, then add it "
			 "with ssh-keyscan -p %d %s, or set GRADER_SSH_KNOWN_HOSTS)",
			 shown, path, port, host);
		break;
	case KH_MISMATCH:
		snprintf(a->message, sizeof a->message,
			 "the ssh host key of %s differs from the one in %s: refused (the server "
			 "changed its key, or someone is in between)",
			 shown, path);
		break;
	case KH_REVOKED:
		snprintf(a->message, sizeof a->message, "the ssh host key of %s is revoked in %s",
			 shown, path);
		break;
	case KH_ERROR:
		snprintf(a->message, sizeof a->message, "cannot read known hosts: %s", kerr);
		break;
	}
	free(path);
	return r == KH_MATCH ? 0 : GIT_ECERTIFICATE;
}

void gitref_full(const char *name, char *out, size_t len)
{
	if (!strncmp(name, "refs/", 5) || !strcmp(name, "HEAD"))
		snprintf(out, len, "%s", name);
	else
		snprintf(out, len, "refs/heads/%s", name);
}

void gitmirror_callbacks(struct git_remote_callbacks *cb, struct gitmirror_auth *a,
			 const char *url)
{
	memset(a, 0, sizeof *a);
	a->url = url;
	cb->credentials = credentials;
	cb->certificate_check = check_certificate;
	cb->payload = a;
}

void gitmirror_error(char *err, size_t errlen, const char *url, const struct gitmirror_auth *a)
{
	char *shown = gitmirror_redact_url(url);
	if (a->message[0]) {
		snprintf(err, errlen, "fetching %s: %s", shown, a->message);
	} else {
		char *what = xasprintf("fetching %s", shown);
		gitlib_error(err, errlen, what);
		free(what);
	}
	free(shown);
}

/* Points the mirror's HEAD where the remote's HEAD points. */
static void follow_remote_head(git_repository *repo, git_remote *remote)
{
	git_buf branch = {0};
	if (git_remote_default_branch(&branch, remote) == 0) {
		git_repository_set_head(repo, branch.ptr);
		git_buf_dispose(&branch);
		return;
	}
	const git_remote_head **heads;
	size_t n;
	if (git_remote_ls(&heads, &n, remote) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(heads[i]->name, "HEAD"))
			git_repository_set_head_detached(repo, &heads[i]->oid);
}

static int fetch(struct gitmirror *m, char *err, size_t errlen)
{
	git_remote *remote = NULL;
	git_remote_create_options ro;
	git_remote_create_options_init(&ro, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	ro.repository = m->repo; /* anonymous: no name, nothing saved in the config */
	ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if (git_remote_create_with_opts(&remote, m->url, &ro) < 0) {
		gitlib_error(err, errlen, m->url);
		return -1;
	}
	char *spec = "+refs/*:refs/*";
	git_strarray refspecs = {&spec, 1};
	struct gitmirror_auth auth;
	git_fetch_options fo;
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	fo.prune = GIT_FETCH_PRUNE;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE; /* the refspec has them */
	fo.update_fetchhead = 0;
	gitmirror_callbacks(&fo.callbacks, &auth, m->url);
	int rc = git_remote_fetch(remote, &refspecs, &fo, NULL);
	if (rc < 0)
		gitmirror_error(err, errlen, m->url, &auth);
	else
		follow_remote_head(m->repo, remote);
	git_remote_free(remote);
	return rc < 0 ? -1 : 0;
}

int gitmirror_update(const char *state_dir, const char *url, struct gitmirror *m, char *err,
		     size_t errlen)
{
	gitlib_init();
	memset(m, 0, sizeof *m);
	m->lock_fd = -1;
	m->url = gitmirror_normalize_url(url, err, errlen);
	if (!m->url)
		return -1;
	char hex[65];
	sha256_hex(m->url, strlen(m->url), hex);
	char *dir = path_join(state_dir, "mirrors");
	if (mkdir_p(dir) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		free(dir);
		gitmirror_release(m);
		return -1;
	}
	chmod(dir, 0700); /* mirrors hold learners' work */
	char *name = xasprintf("%s.lock", hex);
	char *lock = path_join(dir, name);
	free(name);
	name = xasprintf("%s.git", hex);
	m->path = path_join(dir, name);
	free(name);
	free(dir);
	m->lock_fd = lock_mirror(lock, err, errlen);
	free(lock);
	if (m->lock_fd < 0 || open_or_init(m, err, errlen) < 0 || fetch(m, err, errlen) < 0) {
		gitmirror_release(m);
		return -1;
	}
	return 0;
}

void gitmirror_release(struct gitmirror *m)
{
	git_repository_free(m->repo);
	if (m->lock_fd >= 0)
		close(m->lock_fd); /* drops the flock */
	free(m->url);
	free(m->path);
	memset(m, 0, sizeof *m);
	m->lock_fd = -1;
}
