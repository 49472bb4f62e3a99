/*
 * submission_git.c - submissions from Git: a repository is fetched into
 * its mirror (gitmirror.c), the commit to grade is resolved, and its tree
 * is written blob by blob into a fresh private folder. Nothing of Git's
 * checkout machinery runs: no filters, no .gitattributes, no hooks, no
 * submodules. Every entry is created with O_EXCL through beneath_open
 * (grader/util/beneath.h: openat2, never through a link) below a
 * directory descriptor, so a hostile tree cannot write outside the
 * folder; names "..", ".git" and anything odd are refused; symlinks are
 * written as symlinks (the grader never follows them, the sandbox
 * resolves them inside itself). The folder also holds a bare snapshot of
 * the mirror's refs in .git (objects shared through alternates), which the
 * git runner reads the history from.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gitmirror.h"
#include "submission.h"
#include "grader/util/beneath.h"
#include "grader/util/util.h"

#define DEFAULT_MAX_TOTAL (256ull << 20)
#define DEFAULT_MAX_FILE  (10ull << 20)
#define DEFAULT_MAX_FILES 20000
#define MAX_DEPTH         128

struct tree_writer {
	git_repository *repo;
	git_odb *odb;
	uint64_t max_total, max_file;
	size_t max_files;
	uint64_t total;
	size_t files;
	int dry;            /* only validate names and count against the limits */
	struct strbuf path; /* of the entry being written, for messages */
	char *err;
	size_t errlen;
};

static const char *human_size(uint64_t n, char *buf, size_t len)
{
	if (n >= (1ull << 20) && n % (1ull << 20) == 0)
		snprintf(buf, len, "%llu MiB", (unsigned long long)(n >> 20));
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, len, "%llu KiB", (unsigned long long)(n >> 10));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)n);
	return buf;
}

static const char *git_msg(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown libgit2 error";
}

/* A tree entry name we are willing to create. */
static const char *bad_name(const char *name)
{
	if (!*name)
		return "an empty name";
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return "a '.' or '..' component";
	if (!strcasecmp(name, ".git"))
		return "a '.git' component";
	if (strchr(name, '/'))
		return "a '/' inside a name";
	return NULL;
}

/* "cannot read a/b.txt: why" */
static int tw_fail(struct tree_writer *w, const char *verb, const char *detail)
{
	snprintf(w->err, w->errlen, "%s %s: %s", verb, w->path.buf, detail);
	return -1;
}

/* Counts one more file of size bytes against the limits. */
static int tw_account(struct tree_writer *w, uint64_t size)
{
	char a[32];
	if (++w->files > w->max_files) {
		snprintf(w->err, w->errlen,
			 "submission has too many files: more than %zu (limit max_files)",
			 w->max_files);
		return -1;
	}
	if (size > w->max_file) {
		snprintf(w->err, w->errlen,
			 "submission file too large: %s is %llu bytes, more than %s (limit "
			 "max_file_bytes)",
			 w->path.buf, (unsigned long long)size,
			 human_size(w->max_file, a, sizeof a));
		return -1;
	}
	w->total += size;
	if (w->total > w->max_total) {
		snprintf(w->err, w->errlen,
			 "submission too large: more than %s in files (limit max_total_bytes)",
			 human_size(w->max_total, a, sizeof a));
		return -1;
	}
	return 0;
}

static int write_blob(struct tree_writer *w, int dirfd, const git_tree_entry *e, int exec)
{
	size_t size;
	git_object_t type;
	if (git_odb_read_header(&size, &type, w->odb, git_tree_entry_id(e)) < 0)
		return tw_fail(w, "cannot read", git_msg());
	if (type != GIT_OBJECT_BLOB)
		return tw_fail(w, "refusing", "a file entry that is not a blob");
	if (tw_account(w, size) < 0)
		return -1;
	if (w->dry)
		return 0;
	git_blob *blob;
	if (git_blob_lookup(&blob, w->repo, git_tree_entry_id(e)) < 0)
		return tw_fail(w, "cannot read", git_msg());
	int fd = beneath_open(dirfd, git_tree_entry_name(e), O_WRONLY | O_CREAT | O_EXCL,
			      exec ? 0755 : 0644);
	int rc = -1;
	if (fd < 0)
		tw_fail(w, "cannot create",
			errno == EEXIST ? "listed twice in its tree" : strerror(errno));
	else if (fd_write_all(fd, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob)) < 0)
		tw_fail(w, "cannot write", strerror(errno));
	else
		rc = 0;
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = tw_fail(w, "cannot write", strerror(errno));
	git_blob_free(blob);
	return rc;
}

static int write_link(struct tree_writer *w, int dirfd, const git_tree_entry *e)
{
	if (w->dry) {
		size_t size;
		git_object_t type;
		if (git_odb_read_header(&size, &type, w->odb, git_tree_entry_id(e)) < 0)
			return tw_fail(w, "cannot read", git_msg());
		return tw_account(w, size);
	}
	git_blob *blob;
	if (git_blob_lookup(&blob, w->repo, git_tree_entry_id(e)) < 0)
		return tw_fail(w, "cannot read", git_msg());
	size_t len = (size_t)git_blob_rawsize(blob);
	int rc = -1;
	if (len == 0 || len >= PATH_MAX || memchr(git_blob_rawcontent(blob), 0, len))
		tw_fail(w, "refusing", "a symbolic link with an invalid target");
	else if (tw_account(w, len) == 0) {
		char *target = xstrndup(git_blob_rawcontent(blob), len);
		/* Kept as a link: the grader never follows it, and inside the
		 * sandbox it resolves within the sandbox's own root. */
		if (symlinkat(target, dirfd, git_tree_entry_name(e)) < 0)
			tw_fail(w, "cannot create",
				errno == EEXIST ? "listed twice in its tree" : strerror(errno));
		else
			rc = 0;
		free(target);
	}
	git_blob_free(blob);
	return rc;
}

static int write_tree(struct tree_writer *w, const git_tree *tree, int dirfd, int depth);

static int write_subtree(struct tree_writer *w, int dirfd, const git_tree_entry *e, int depth)
{
	if (depth >= MAX_DEPTH)
		return tw_fail(w, "refusing", "folders nested too deeply");
	const char *name = git_tree_entry_name(e);
	int fd = -1;
	if (!w->dry && mkdirat(dirfd, name, 0755) < 0)
		return tw_fail(w, "cannot create",
			       errno == EEXIST ? "listed twice in its tree" : strerror(errno));
	if (!w->dry && (fd = beneath_open(dirfd, name, O_RDONLY | O_DIRECTORY, 0)) < 0)
		return tw_fail(w, "cannot open", strerror(errno));
	git_tree *sub;
	int rc = -1;
	if (git_tree_lookup(&sub, w->repo, git_tree_entry_id(e)) < 0) {
		tw_fail(w, "cannot read", git_msg());
	} else {
		rc = write_tree(w, sub, fd, depth + 1);
		git_tree_free(sub);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static int write_entry(struct tree_writer *w, int dirfd, const git_tree_entry *e, int depth)
{
	const char *why = bad_name(git_tree_entry_name(e));
	if (why)
		return tw_fail(w, "refusing", why);
	if (w->path.len >= PATH_MAX)
		return tw_fail(w, "refusing", "longer than PATH_MAX");
	switch (git_tree_entry_filemode(e)) {
	case GIT_FILEMODE_TREE:
		return write_subtree(w, dirfd, e, depth);
	case GIT_FILEMODE_BLOB:
		return write_blob(w, dirfd, e, 0);
	case GIT_FILEMODE_BLOB_EXECUTABLE:
		return write_blob(w, dirfd, e, 1);
	case GIT_FILEMODE_LINK:
		return write_link(w, dirfd, e);
	case GIT_FILEMODE_COMMIT:
		return 0; /* a submodule: never fetched, never written */
	default:
		return tw_fail(w, "refusing", "an entry of unknown mode");
	}
}

static int write_tree(struct tree_writer *w, const git_tree *tree, int dirfd, int depth)
{
	size_t base = w->path.len;
	for (size_t i = 0, n = git_tree_entrycount(tree); i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		w->path.len = base;
		w->path.buf[base] = '\0';
		if (base)
			sb_addc(&w->path, '/');
		sb_adds(&w->path, git_tree_entry_name(e));
		if (write_entry(w, dirfd, e, depth) < 0)
			return -1;
	}
	w->path.len = base;
	w->path.buf[base] = '\0';
	return 0;
}

/* Writes the tree tree_id of repo into the (empty) folder dir. */
static int write_commit_tree(git_repository *repo, const git_oid *tree_id, const char *dir,
			     const struct submission_limits *lim, char *err, size_t errlen)
{
	struct tree_writer w = {
	    .repo = repo,
	    .max_total = lim && lim->max_total_bytes ? lim->max_total_bytes : DEFAULT_MAX_TOTAL,
	    .max_file = lim && lim->max_file_bytes ? lim->max_file_bytes : DEFAULT_MAX_FILE,
	    .max_files = lim && lim->max_files ? lim->max_files : DEFAULT_MAX_FILES,
	    .err = err,
	    .errlen = errlen,
	};
	git_tree *tree = NULL;
	if (git_repository_odb(&w.odb, repo) < 0 || git_tree_lookup(&tree, repo, tree_id) < 0) {
		gitlib_error(err, errlen, "reading the commit's tree");
		git_odb_free(w.odb);
		return -1;
	}
	int fd = beneath_open_root(dir);
	int rc = -1;
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
	} else {
		sb_adds(&w.path, ""); /* allocates, so the buffer is never NULL */
		/* A first pass refuses a tree over the limits before anything
		 * is written; the second writes it. */
		w.dry = 1;
		rc = write_tree(&w, tree, -1, 0);
		w.dry = 0;
		w.files = 0;
		w.total = 0;
		if (rc == 0)
			rc = write_tree(&w, tree, fd, 0);
		close(fd);
	}
	sb_free(&w.path);
	git_tree_free(tree);
	git_odb_free(w.odb);
	return rc;
}

static int is_hex(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);
	if (n < min || n > max)
		return 0;
	return strspn(s, "0123456789abcdefABCDEF") == n;
}

/* A few branch names of repo, for "not found" messages. */
static char *some_branches(git_repository *repo)
{
	struct strbuf sb = {0};
	git_branch_iterator *it;
	git_reference *ref;
	git_branch_t type;
	int n = 0;
	if (git_branch_iterator_new(&it, repo, GIT_BRANCH_LOCAL) < 0)
		return xstrdup("none");
	while (git_branch_next(&ref, &type, it) == 0) {
		const char *name;
		if (n < 8 && git_branch_name(&name, ref) == 0)
			sb_addf(&sb, "%s%s", n ? ", " : "", name);
		else if (n == 8)
			sb_adds(&sb, ", ...");
		n++;
		git_reference_free(ref);
	}
	git_branch_iterator_free(it);
	return n ? sb_detach(&sb, NULL) : xstrdup("none");
}

/* Resolves commit (wins), else ref, else HEAD to a commit of repo; sets
 * *refname to the full ref name used, if any. */
static int resolve_commit(git_repository *repo, const char *url, const char *ref,
			  const char *commit, git_commit **out, char **refname, char *err,
			  size_t errlen)
{
	git_object *obj = NULL;
	git_reference *r = NULL;
	*refname = NULL;
	if (commit && *commit) {
		git_oid oid;
		size_t len = strlen(commit);
		if (!is_hex(commit, 4, GIT_OID_HEXSZ) || git_oid_fromstrn(&oid, commit, len) < 0 ||
		    git_object_lookup_prefix(&obj, repo, &oid, len, GIT_OBJECT_ANY) < 0) {
			snprintf(err, errlen, "commit '%s' not found in %s", commit, url);
			return -1;
		}
		if (ref && *ref)
			*refname = xstrdup(ref);
	} else {
		int rc =
		    ref && *ref ? git_reference_dwim(&r, repo, ref) : git_repository_head(&r, repo);
		if (rc < 0) {
			char *names = some_branches(repo);
			if (ref && *ref)
				snprintf(err, errlen, "ref '%s' not found in %s (branches: %s)",
					 ref, url, names);
			else
				snprintf(err, errlen, "%s has no commits on HEAD (branches: %s)",
					 url, names);
			free(names);
			return -1;
		}
		*refname = xstrdup(git_reference_name(r));
		rc = git_reference_peel(&obj, r, GIT_OBJECT_ANY);
		git_reference_free(r);
		if (rc < 0) {
			gitlib_error(err, errlen, *refname);
			free(*refname);
			*refname = NULL;
			return -1;
		}
	}
	git_object *c = NULL;
	int rc = git_object_peel(&c, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (rc < 0) {
		snprintf(err, errlen, "'%s' in %s is not a commit",
			 commit && *commit ? commit : *refname, url);
		free(*refname);
		*refname = NULL;
		return -1;
	}
	*out = (git_commit *)c;
	return 0;
}

static char *signature_str(const git_signature *s)
{
	return s ? xasprintf("%s <%s>", s->name ? s->name : "", s->email ? s->email : "")
		 : xstrdup("");
}

static void fill_info(struct submission_info *in, const char *url, char *refname,
		      const git_commit *c)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof hex, git_commit_id(c));
	in->repo = url ? gitmirror_redact_url(url) : NULL;
	in->ref = refname;
	in->commit = xstrdup(hex);
	in->author = signature_str(git_commit_author(c));
	in->committer = signature_str(git_commit_committer(c));
	in->commit_time = (time_t)git_commit_time(c);
	const char *msg = git_commit_message(c);
	in->message = xstrdup(msg ? msg : "");
}

struct ref_copy {
	git_repository *dst;
	int failed;
};

static int copy_ref(git_reference *r, void *payload)
{
	struct ref_copy *rc = payload;
	git_reference *out = NULL;
	int e = 0;
	if (git_reference_type(r) == GIT_REFERENCE_DIRECT)
		e = git_reference_create(&out, rc->dst, git_reference_name(r),
					 git_reference_target(r), 1, NULL);
	else
		e = git_reference_symbolic_create(&out, rc->dst, git_reference_name(r),
						  git_reference_symbolic_target(r), 1, NULL);
	if (e < 0)
		rc->failed = 1;
	git_reference_free(out);
	git_reference_free(r);
	return 0;
}

/* A bare repository at gitdir that shares the mirror's objects (through
 * alternates) and holds a copy of its refs taken under the mirror's
 * lock, with HEAD detached at the submission's commit. */
static int make_snapshot(const struct gitmirror *m, const char *gitdir, const git_oid *head,
			 char *err, size_t errlen)
{
	git_repository *snap;
	git_repository_init_options o;
	git_repository_init_options_init(&o, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	o.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_NO_REINIT;
	if (git_repository_init_ext(&snap, gitdir, &o) < 0) {
		gitlib_error(err, errlen, gitdir);
		return -1;
	}
	char *objects = path_join(m->path, "objects");
	char *alt = path_join(gitdir, "objects/info/alternates");
	char *line = xasprintf("%s\n", objects);
	int rc = 0;
	char *info = path_join(gitdir, "objects/info");
	if (mkdir_p(info) < 0 || write_file_atomic(alt, line, strlen(line)) < 0) {
		snprintf(err, errlen, "%s: %s", alt, strerror(errno));
		rc = -1;
	}
	free(info);
	free(objects);
	free(alt);
	free(line);
	git_repository_free(snap);
	/* Reopen so the alternates are seen, then copy refs and set HEAD. */
	if (rc == 0 && git_repository_open_ext(
			   &snap, gitdir, GIT_REPOSITORY_OPEN_NO_SEARCH | GIT_REPOSITORY_OPEN_BARE,
			   NULL) < 0) {
		gitlib_error(err, errlen, gitdir);
		return -1;
	}
	if (rc < 0)
		return -1;
	struct ref_copy c = {.dst = snap};
	git_reference_foreach(m->repo, copy_ref, &c);
	if (c.failed || git_repository_set_head_detached(snap, head) < 0) {
		gitlib_error(err, errlen, "copying the mirror's refs");
		rc = -1;
	}
	git_repository_free(snap);
	return rc;
}

/* Removes work trees a crashed grader left behind: a day old is stale
 * (a grading run takes minutes at most). */
static void prune_stale(const char *work)
{
	DIR *d = opendir(work);
	if (!d)
		return;
	time_t limit = time(NULL) - 24 * 3600;
	struct dirent *e;
	struct stat st;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "sub-", 4) ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode) || st.st_mtime > limit)
			continue;
		char *p = path_join(work, e->d_name);
		rm_rf(p);
		free(p);
	}
	closedir(d);
}

/* A fresh 0700 folder under state_dir/work. Heap path or NULL. */
static char *private_dir(const char *state_dir, char *err, size_t errlen)
{
	char *work = path_join(state_dir, "work");
	if (mkdir_p(work) < 0) {
		snprintf(err, errlen, "%s: %s", work, strerror(errno));
		free(work);
		return NULL;
	}
	prune_stale(work);
	char *dir = path_join(work, "sub-XXXXXX");
	free(work);
	if (!mkdtemp(dir)) {
		snprintf(err, errlen, "mkdtemp %s: %s", dir, strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

struct submission *submission_from_git(const char *repo_url, const char *ref, const char *commit,
				       const char *state_dir, const struct submission_limits *lim,
				       char *err, size_t errlen)
{
	struct gitmirror m;
	if (gitmirror_update(state_dir, repo_url, &m, err, errlen) < 0)
		return NULL;
	git_commit *c = NULL;
	char *refname = NULL;
	char *shown = gitmirror_redact_url(m.url);
	int rc = resolve_commit(m.repo, shown, ref, commit, &c, &refname, err, errlen);
	free(shown);
	if (rc < 0) {
		gitmirror_release(&m);
		return NULL;
	}
	struct submission *s = xcalloc(1, sizeof *s);
	fill_info(&s->info, m.url, refname, c);
	git_oid commit_id = *git_commit_id(c), tree_id = *git_commit_tree_id(c);
	git_commit_free(c); /* owned by the mirror, released below */
	s->dir = private_dir(state_dir, err, errlen);
	s->owns_dir = s->dir != NULL;
	int ok = s->dir != NULL;
	if (ok) {
		s->git_dir = path_join(s->dir, ".git");
		ok = make_snapshot(&m, s->git_dir, &commit_id, err, errlen) == 0;
	}
	gitmirror_release(&m); /* the snapshot has the refs; objects are never pruned */
	if (ok) {
		git_repository *repo;
		ok = git_repository_open_ext(
			 &repo, s->git_dir,
			 GIT_REPOSITORY_OPEN_NO_SEARCH | GIT_REPOSITORY_OPEN_BARE, NULL) == 0;
		if (!ok)
			gitlib_error(err, errlen, s->git_dir);
		else {
			ok = write_commit_tree(repo, &tree_id, s->dir, lim, err, errlen) == 0;
			git_repository_free(repo);
		}
	}
	if (!ok) {
		submission_free(s);
		return NULL;
	}
	return s;
}

int gitsub_open_history(const struct submission *s, git_repository **repo, git_oid *start,
			char *err, size_t errlen)
{
	char *gitdir = s->git_dir ? xstrdup(s->git_dir) : path_join(s->dir, ".git");
	struct stat st;
	if (lstat(gitdir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen,
			 "the submission has no Git history (grade a repository, or a checkout "
			 "with its .git folder)");
		free(gitdir);
		return -1;
	}
	/* Only now: libgit2's set-up reads the system's CA certificates
	 * (milliseconds), which a plain folder never needs. */
	gitlib_init();
	int rc = git_repository_open_ext(
	    repo, gitdir, GIT_REPOSITORY_OPEN_NO_SEARCH | GIT_REPOSITORY_OPEN_BARE, NULL);
	if (rc < 0) {
		gitlib_error(err, errlen, gitdir);
		free(gitdir);
		return -1;
	}
	free(gitdir);
	if (s->info.commit) {
		if (git_oid_fromstr(start, s->info.commit) == 0)
			return 0;
		snprintf(err, errlen, "bad commit id '%s'", s->info.commit);
	} else {
		git_object *head;
		if (git_revparse_single(&head, *repo, "HEAD^{commit}") == 0) {
			git_oid_cpy(start, git_object_id(head));
			git_object_free(head);
			return 0;
		}
		snprintf(err, errlen, "the submission's repository has no commits");
	}
	git_repository_free(*repo);
	*repo = NULL;
	return -1;
}

void submission_describe_checkout(struct submission *s)
{
	git_repository *repo;
	git_oid head;
	char err[256];
	if (s->info.commit || gitsub_open_history(s, &repo, &head, err, sizeof err) < 0)
		return;
	git_commit *c;
	if (git_commit_lookup(&c, repo, &head) == 0) {
		git_reference *ref;
		char *refname = NULL;
		if (git_reference_lookup(&ref, repo, "HEAD") == 0) {
			if (git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC)
				refname = xstrdup(git_reference_symbolic_target(ref));
			git_reference_free(ref);
		}
		fill_info(&s->info, NULL, refname, c);
		git_commit_free(c);
	}
	git_repository_free(repo);
}

struct changed {
	char **v;
	size_t n;
};

static void add_path(struct changed *c, const char *p)
{
	if (!p || (c->n && !strcmp(c->v[c->n - 1], p)))
		return;
	c->v = xrealloc(c->v, (c->n + 1) * sizeof *c->v);
	c->v[c->n++] = xstrdup(p);
}

static int tree_of(git_repository *repo, const char *rev, git_tree **out)
{
	git_object *obj;
	if (git_revparse_single(&obj, repo, rev) < 0)
		return -1;
	int rc = git_object_peel((git_object **)out, obj, GIT_OBJECT_TREE);
	git_object_free(obj);
	return rc;
}

int submission_changed_paths(const struct submission *s, const char *since, char ***paths,
			     size_t *n, char *err, size_t errlen)
{
	git_repository *repo;
	git_oid start;
	*paths = NULL;
	*n = 0;
	if (gitsub_open_history(s, &repo, &start, err, errlen) < 0)
		return -1;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof hex, &start);
	git_tree *old = NULL, *new = NULL;
	git_diff *diff = NULL;
	int rc = -1;
	if (tree_of(repo, since, &old) < 0)
		snprintf(err, errlen, "--since: '%s' is not a commit of the repository", since);
	else if (tree_of(repo, hex, &new) < 0 ||
		 git_diff_tree_to_tree(&diff, repo, old, new, NULL) < 0)
		gitlib_error(err, errlen, "comparing the commits");
	else
		rc = 0;
	struct changed c = {0};
	for (size_t i = 0; rc == 0 && i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		add_path(&c, d->old_file.path);
		add_path(&c, d->new_file.path);
	}
	git_diff_free(diff);
	git_tree_free(old);
	git_tree_free(new);
	git_repository_free(repo);
	*paths = c.v;
	*n = c.n;
	return rc;
}
