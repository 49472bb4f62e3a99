/*
 * test_git.c - unit tests for submissions from Git (grader/submission/submission_git.c,
 * grader/submission/gitmirror.c) and the git exercise kind (runners/git.c), against
 * real repositories built with the git command: commits, branches, a
 * merge, a secret committed and later deleted, a symlink to /etc/passwd,
 * a 50 MB file, 100,000 files, hostile tree entries and a corrupt object,
 * one repository served by `git daemon` on loopback, two processes
 * fetching one mirror at once, and the poller's view of a remote.
 */
#include <check.h>
#include <git2.h>
#include <limits.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grader/daemon/poller.h"
#include "grader/model/exercise.h"
#include "grader/submission/gitmirror.h"
#include "grader/submission/known_hosts.h"
#include "grader/grade/grade.h"
#include "grader/report/report.h"
#include "grader/submission/submission.h"
#include "grader/util/util.h"

static char root[64];
static char *state; /* the mirror cache of each test */

/* Runs a shell script in root with a fixed identity; returns its status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct strbuf sb = {0};
	sb_addf(&sb, "set -e; cd '%s'; ", root);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	int rc = system(sb.buf);
	sb_free(&sb);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void setup(void)
{
	strcpy(root, "/tmp/test_git_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	state = path_join(root, "state");
	setenv("HOME", root, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "Ana Learner", 1);
	setenv("GIT_AUTHOR_EMAIL", "ana@example.edu", 1);
	setenv("GIT_COMMITTER_NAME", "Ana Learner", 1);
	setenv("GIT_COMMITTER_EMAIL", "ana@example.edu", 1);
	ck_assert_int_eq(sh("git config --global init.defaultBranch main; "
			    "git config --global protocol.file.allow always"),
			 0);
}

static void teardown(void)
{
	sh("if [ -f daemon.pid ]; then kill $(cat daemon.pid); fi");
	rm_rf(root);
	free(state);
}

static char *at(const char *rel)
{
	return path_join(root, rel);
}

/* src: three commits on main, a feature branch merged back, a tag. */
static void make_history(void)
{
	ck_assert_int_eq(
	    sh("git init -q src && cd src && "
	       "echo one > a.txt && printf '#!/bin/sh\\necho hi\\n' > run.sh && "
	       "chmod +x run.sh && mkdir -p sub/deep && echo x > sub/deep/f && "
	       "git add -A && git commit -qm 'feat(core): first' && "
	       "git tag v1 && "
	       "git checkout -qb feature && echo f > feature.txt && git add -A && "
	       "git commit -qm 'feat(ui): feature work' && "
	       "git checkout -q main && echo two > a.txt && git commit -qam 'fix: second' && "
	       "git merge -q --no-ff -m 'Merge branch feature' feature"),
	    0);
}

static char *rev(const char *repo, const char *what)
{
	char *out = at("rev.out");
	ck_assert_int_eq(sh("git -C %s rev-parse %s > %s", repo, what, out), 0);
	char *text;
	size_t len;
	ck_assert_int_eq(read_file(out, 4096, &text, &len), 0);
	text[strcspn(text, "\n")] = '\0';
	free(out);
	return text;
}

static struct submission *open_sub(const char *rel, const char *ref, const char *commit,
				   const struct submission_limits *lim, char *err, size_t errlen)
{
	char *url = at(rel);
	struct submission *s = submission_from_git(url, ref, commit, state, lim, err, errlen);
	free(url);
	return s;
}

static char *sub_file(const struct submission *s, const char *rel)
{
	char *p = path_join(s->dir, rel);
	char *text = NULL;
	size_t len;
	if (read_file(p, 1 << 20, &text, &len) < 0)
		text = NULL;
	free(p);
	return text;
}

static mode_t sub_mode(const struct submission *s, const char *rel)
{
	char *p = path_join(s->dir, rel);
	struct stat st;
	int rc = lstat(p, &st);
	free(p);
	return rc < 0 ? 0 : st.st_mode;
}

/* ---- submissions --------------------------------------------------- */

START_TEST(head_is_written_out_with_info)
{
	make_history();
	char err[512] = "";
	struct submission *s = open_sub("src", NULL, NULL, NULL, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	char *head = rev("src", "HEAD");
	ck_assert_str_eq(s->info.commit, head);
	ck_assert_str_eq(s->info.ref, "refs/heads/main");
	ck_assert_str_eq(s->info.author, "Ana Learner <ana@example.edu>");
	ck_assert_str_eq(s->info.committer, "Ana Learner <ana@example.edu>");
	ck_assert_str_eq(s->info.message, "Merge branch feature\n");
	ck_assert(s->info.commit_time > time(NULL) - 600);
	char *real = at("src");
	ck_assert_str_eq(s->info.repo, real);
	char *a = sub_file(s, "a.txt"), *f = sub_file(s, "feature.txt"),
	     *deep = sub_file(s, "sub/deep/f");
	ck_assert_str_eq(a, "two\n");
	ck_assert_str_eq(f, "f\n");
	ck_assert_str_eq(deep, "x\n");
	ck_assert_int_eq(sub_mode(s, "run.sh") & 0777, 0755);
	ck_assert_int_eq(sub_mode(s, "a.txt") & 0777, 0644);
	ck_assert_int_eq(sub_mode(s, "") & 0777, 0700);
	ck_assert(S_ISDIR(sub_mode(s, ".git")));
	ck_assert_ptr_nonnull(s->git_dir);
	char *dir = xstrdup(s->dir);
	submission_free(s);
	ck_assert_int_eq(access(dir, F_OK), -1); /* the private tree is removed */
	free(dir);
	free(a);
	free(f);
	free(deep);
	free(real);
	free(head);
}
END_TEST

START_TEST(ref_and_commit_resolve)
{
	make_history();
	char err[512] = "";
	char *v1 = rev("src", "v1^{commit}");
	struct submission *s = open_sub("src", "v1", NULL, NULL, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_str_eq(s->info.commit, v1);
	ck_assert_str_eq(s->info.ref, "refs/tags/v1");
	char *a = sub_file(s, "a.txt");
	ck_assert_str_eq(a, "one\n");
	ck_assert_int_eq(sub_mode(s, "feature.txt"), 0);
	free(a);
	submission_free(s);

	char *feat = rev("src", "feature");
	char prefix[9];
	snprintf(prefix, sizeof prefix, "%.8s", feat);
	s = open_sub("src", "main", prefix, NULL, err, sizeof err); /* the commit wins */
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_str_eq(s->info.commit, feat);
	submission_free(s);

	ck_assert_ptr_null(open_sub("src", "nope", NULL, NULL, err, sizeof err));
	ck_assert_msg(strstr(err, "ref 'nope' not found") && strstr(err, "feature, main"), "%s",
		      err);
	ck_assert_ptr_null(open_sub("src", NULL, "deadbeefdead", NULL, err, sizeof err));
	ck_assert_msg(strstr(err, "commit 'deadbeefdead' not found"), "%s", err);
	ck_assert_ptr_null(open_sub("src", NULL, "main", NULL, err, sizeof err));
	ck_assert_msg(strstr(err, "commit 'main' not found"), "%s", err);
	ck_assert_ptr_null(open_sub("missing", NULL, NULL, NULL, err, sizeof err));
	ck_assert_msg(strstr(err, "missing"), "%s", err);
	free(v1);
	free(feat);
}
END_TEST

START_TEST(mirror_is_incremental_and_pruned)
{
	make_history();
	char err[512] = "";
	struct submission *s = open_sub("src", NULL, NULL, NULL, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	submission_free(s);
	/* work trees a crashed grader left a day ago are removed, recent ones kept */
	ck_assert_int_eq(sh("mkdir -p state/work/sub-old/x state/work/sub-recent && "
			    "touch -d '2 days ago' state/work/sub-old"),
			 0);
	ck_assert_int_eq(sh("cd src && echo three > a.txt && git commit -qam 'fix: third' && "
			    "git branch -D -q feature"),
			 0);
	s = open_sub("src", NULL, NULL, NULL, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	char *head = rev("src", "HEAD");
	ck_assert_str_eq(s->info.commit, head);
	/* one mirror for the URL, without the deleted branch */
	ck_assert_int_eq(
	    sh("test $(ls state/mirrors | grep -c '\\.git$') = 1 && "
	       "! git --git-dir=$(ls -d state/mirrors/*.git) rev-parse -q --verify "
	       "refs/heads/feature && ! git --git-dir=%s rev-parse -q --verify "
	       "refs/heads/feature && git --git-dir=%s rev-parse -q --verify v1 >/dev/null",
	       s->git_dir, s->git_dir),
	    0);
	submission_free(s);
	ck_assert_int_eq(sh("test ! -e state/work/sub-old && test -d state/work/sub-recent"), 0);
	free(head);
}
END_TEST

START_TEST(symlinks_stay_links)
{
	ck_assert_int_eq(sh("git init -q src && cd src && ln -s /etc/passwd passwd && "
			    "ln -s ../../outside up && echo ok > f && git add -A && "
			    "git commit -qm 'feat: links'"),
			 0);
	char err[512] = "";
	struct submission *s = open_sub("src", NULL, NULL, NULL, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert(S_ISLNK(sub_mode(s, "passwd")));
	ck_assert(S_ISLNK(sub_mode(s, "up")));
	char *p = path_join(s->dir, "passwd");
	char target[64] = "";
	ck_assert_int_gt(readlink(p, target, sizeof target - 1), 0);
	ck_assert_str_eq(target, "/etc/passwd");
	char *text = NULL;
	size_t len;
	ck_assert_int_eq(read_file(p, 1 << 20, &text, &len), -1); /* never followed */
	free(p);
	submission_free(s);
}
END_TEST

/* Writes a tree object holding one entry of the given mode and name (the
 * name may be anything git's porcelain refuses) and commits it. */
static void hostile_tree(const char *mode, const char *name)
{
	ck_assert_int_eq(
	    sh("rm -rf src && git init -q src && cd src && "
	       "blob=$(echo pwned | git hash-object -w --stdin) && "
	       "tree=$(python3 -c 'import sys,binascii; sys.stdout.buffer.write("
	       "sys.argv[1].encode()+b\" "
	       "\"+sys.argv[2].encode()+b\"\\0\"+binascii.unhexlify(sys.argv[3]))' "
	       "%s '%s' $blob | git hash-object -w -t tree --literally --stdin) && "
	       "c=$(git commit-tree -m 'feat: evil' $tree) && git update-ref refs/heads/main $c",
	       mode, name),
	    0);
}

START_TEST(hostile_names_are_refused)
{
	static const char *const names[] = {"..", ".git", ".GIT", "a/b", ""};
	char err[512] = "";
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		hostile_tree("100644", names[i]);
		struct submission *s = open_sub("src", NULL, NULL, NULL, err, sizeof err);
		ck_assert_msg(s == NULL, "entry '%s' was accepted", names[i]);
		ck_assert_msg(strstr(err, "refusing") || strstr(err, "invalid") ||
				  strstr(err, "parse") || strstr(err, "corrupt"),
			      "entry '%s': %s", names[i], err);
	}
	ck_assert_int_eq(sh("test ! -e pwned && test ! -e state/work/pwned"), 0);
	/* the private trees of refused submissions are gone */
	ck_assert_int_eq(sh("test -z \"$(ls state/work)\""), 0);
}
END_TEST

START_TEST(corrupt_object_is_an_error)
{
	ck_assert_int_eq(sh("git init -q src && cd src && echo secret-data > f && git add f && "
			    "git commit -qm 'feat: f' && "
			    "obj=$(git rev-parse HEAD:f) && "
			    "p=.git/objects/$(echo $obj | cut -c1-2)/$(echo $obj | cut -c3-) && "
			    "chmod u+w $p && printf 'garbage, not zlib' > $p"),
			 0);
	char err[512] = "";
	struct submission *s = open_sub("src", NULL, NULL, NULL, err, sizeof err);
	ck_assert_ptr_null(s);
	ck_assert_msg(err[0] != '\0', "no message");
}
END_TEST

START_TEST(big_file_and_total_are_capped)
{
	ck_assert_int_eq(sh("git init -q src && cd src && head -c 52428800 /dev/zero > big.bin && "
			    "echo small > small.txt && git add -A && git commit -qm 'feat: big'"),
			 0);
	char err[512] = "";
	double t0 = now_monotonic();
	ck_assert_ptr_null(open_sub("src", NULL, NULL, NULL, err, sizeof err));
	ck_assert_str_eq(err, "submission file too large: big.bin is 52428800 bytes, more than "
			      "10 MiB (limit max_file_bytes)");
	struct submission_limits lim = {.max_file_bytes = 64ull << 20,
					.max_total_bytes = 32ull << 20};
	ck_assert_ptr_null(open_sub("src", NULL, NULL, &lim, err, sizeof err));
	ck_assert_str_eq(err, "submission too large: more than 32 MiB in files (limit "
			      "max_total_bytes)");
	lim.max_total_bytes = 0;
	struct submission *s = open_sub("src", NULL, NULL, &lim, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_int_eq(sh("test $(stat -c %%s %s/big.bin) = 52428800", s->dir), 0);
	submission_free(s);
	fprintf(stderr, "50 MB file: three submissions in %.2f s\n", now_monotonic() - t0);
}
END_TEST

START_TEST(many_files_are_capped)
{
	/* 100,000 files sharing one blob, built with fast-import. */
	ck_assert_int_eq(
	    sh("git init -q src && cd src && python3 -c '"
	       "import sys\n"
	       "w = sys.stdout.write\n"
	       "w(\"blob\\nmark :1\\ndata 3\\nhi\\n\\n\")\n"
	       "w(\"commit refs/heads/main\\ncommitter A <a@b> 0 +0000\\ndata 14\\nfeat: "
	       "100000\\n\\n\")\n"
	       "for i in range(100000): w(\"M 100644 :1 d%%d/f%%d\\n\" %% (i // 1000, i))\n"
	       "' | git fast-import --quiet"),
	    0);
	char err[512] = "";
	double t0 = now_monotonic();
	ck_assert_ptr_null(open_sub("src", NULL, NULL, NULL, err, sizeof err));
	ck_assert_str_eq(err, "submission has too many files: more than 20000 (limit max_files)");
	double t1 = now_monotonic();
	/* Written out on tmpfs when there is one: creating 100,000 files on
	 * this project's CI disk (ext4 on a VM) is disk-bound, 45 s even for
	 * a bare Python loop of open/write/close. */
	char shm[] = "/dev/shm/test_git_XXXXXX";
	char *src = at("src");
	const char *where = mkdtemp(shm) ? shm : state;
	struct submission_limits lim = {.max_files = 100000};
	struct submission *s = submission_from_git(src, NULL, NULL, where, &lim, err, sizeof err);
	free(src);
	ck_assert_msg(s != NULL, "%s", err);
	double t2 = now_monotonic();
	ck_assert_int_eq(
	    sh("test $(find %s -path '*/.git' -prune -o -type f -print | wc -l) = 100000", s->dir),
	    0);
	submission_free(s);
	fprintf(stderr,
		"100,000 files: refused in %.2f s, written in %.2f s, removed in %.2f s (%s)\n",
		t1 - t0, t2 - t1, now_monotonic() - t2, where);
	if (where == shm)
		rm_rf(shm);
}
END_TEST

static int free_port(void)
{
	return 20000 + (int)(getpid() % 20000);
}

START_TEST(fetch_over_git_daemon)
{
	make_history();
	int port = free_port();
	ck_assert_int_eq(sh("git clone -q --bare src served/learner.git && "
			    "(git daemon --export-all --base-path=%s/served --port=%d "
			    "--listen=127.0.0.1 --reuseaddr --pid-file=%s/daemon.pid "
			    "--detach %s/served) && "
			    "for i in $(seq 50); do git ls-remote git://127.0.0.1:%d/learner.git "
			    ">/dev/null 2>&1 && exit 0; sleep 0.1; done; exit 1",
			    root, port, root, root, port),
			 0);
	char url[128], err[512] = "";
	snprintf(url, sizeof url, "git://127.0.0.1:%d/learner.git", port);
	struct submission *s =
	    submission_from_git(url, "feature", NULL, state, NULL, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	char *feat = rev("src", "feature");
	ck_assert_str_eq(s->info.commit, feat);
	ck_assert_str_eq(s->info.repo, url);
	char *f = sub_file(s, "feature.txt");
	ck_assert_str_eq(f, "f\n");
	free(f);
	free(feat);
	submission_free(s);

	/* a password in the URL never reaches the report */
	snprintf(url, sizeof url, "git://ana:s3cret@127.0.0.1:%d/learner.git", port);
	s = submission_from_git(url, NULL, NULL, state, NULL, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	snprintf(url, sizeof url, "git://ana:***@127.0.0.1:%d/learner.git", port);
	ck_assert_str_eq(s->info.repo, url);
	submission_free(s);

	/* nor does it reach an error message */
	ck_assert_ptr_null(submission_from_git("git://ana:s3cret@127.0.0.1:1/x.git", NULL, NULL,
					       state, NULL, err, sizeof err));
	ck_assert_msg(strstr(err, "git://ana:***@127.0.0.1:1/x.git") && !strstr(err, "s3cret"),
		      "%s", err);
}
END_TEST

START_TEST(two_fetches_of_one_mirror)
{
	make_history();
	char *url = at("src");
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		ck_assert_int_ge(kids[k], 0);
		if (kids[k] == 0) {
			char err[512];
			int ok = 1;
			for (int round = 0; round < 5 && ok; round++) {
				struct submission *s = submission_from_git(url, NULL, NULL, state,
									   NULL, err, sizeof err);
				if (!s)
					fprintf(stderr, "child %d: %s\n", k, err);
				ok = s != NULL;
				submission_free(s);
			}
			_exit(ok ? 0 : 1);
		}
	}
	for (int k = 0; k < 2; k++) {
		int st;
		ck_assert_int_eq(waitpid(kids[k], &st, 0), kids[k]);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	ck_assert_int_eq(sh("git --git-dir=$(ls -d state/mirrors/*.git) fsck --no-dangling 2>&1"),
			 0);
	free(url);
}
END_TEST

START_TEST(changed_paths_since)
{
	make_history();
	char err[512] = "";
	struct submission *s = open_sub("src", NULL, NULL, NULL, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	char **paths;
	size_t n;
	ck_assert_int_eq(submission_changed_paths(s, "v1", &paths, &n, err, sizeof err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(paths[0], "a.txt");
	ck_assert_str_eq(paths[1], "feature.txt");
	ck_assert(submission_paths_touch(paths, n, "."));
	ck_assert(!submission_paths_touch(paths, n, "sub"));
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	ck_assert_int_eq(submission_changed_paths(s, "nope", &paths, &n, err, sizeof err), -1);
	ck_assert_str_eq(err, "--since: 'nope' is not a commit of the repository");
	submission_free(s);

	/* a plain folder with its own .git: the learner's checkout */
	char *src = at("src");
	s = submission_from_dir(src, err, sizeof err);
	ck_assert_int_eq(submission_changed_paths(s, "HEAD~1", &paths, &n, err, sizeof err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(paths[0], "feature.txt");
	free(paths[0]);
	free(paths);
	submission_free(s);
	/* a .git file (gitdir: elsewhere) is not followed */
	ck_assert_int_eq(sh("mkdir plain && echo 'gitdir: %s/src/.git' > plain/.git", root), 0);
	char *plain = at("plain");
	s = submission_from_dir(plain, err, sizeof err);
	ck_assert_int_eq(submission_changed_paths(s, "HEAD~1", &paths, &n, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "no Git history"), "%s", err);
	submission_free(s);
	free(plain);
	free(src);
}
END_TEST

/* ---- the git runner ----------------------------------------------- */

static struct exercise *load_exercise(const char *checks_yaml)
{
	char *dir = at("ex");
	ck_assert_int_eq(mkdir_p(dir), 0);
	char *path = path_join(dir, "exercise.yaml");
	char *text = xasprintf("id: git/t\ntitle: T\nkind: git\nchecks:\n%s", checks_yaml);
	ck_assert_int_eq(write_file_atomic(path, text, strlen(text)), 0);
	struct diag d = {0};
	struct exercise *ex = exercise_load(dir, &d);
	if (!ex)
		diag_print(&d, stderr);
	ck_assert_ptr_nonnull(ex);
	diag_free(&d);
	free(text);
	free(path);
	free(dir);
	return ex;
}

/* Grades src at HEAD; returns the report (checks in definition order). */
static void grade_src(const struct exercise *ex, struct report *r)
{
	char err[512] = "";
	struct submission *s = open_sub("src", NULL, NULL, NULL, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	char *scratch = at("scratch");
	ck_assert_int_eq(mkdir_p(scratch), 0);
	struct grade_env env = {.now = time(NULL), .scratch = scratch};
	memset(r, 0, sizeof *r);
	grade_exercise(ex, s, &env, r);
	submission_free(s);
	free(scratch);
}

static void expect_check(const struct report *r, size_t i, enum check_status st, const char *msg)
{
	const struct check_result *c = &r->ex[0].checks[i];
	ck_assert_msg(c->status == st, "check '%s': status %d, expected %d (%s)", c->name,
		      c->status, st, c->message ? c->message : "");
	if (msg)
		ck_assert_msg(c->message && strstr(c->message, msg), "check '%s': '%s' lacks '%s'",
			      c->name, c->message ? c->message : "", msg);
}

static const char history_checks[] =
    "  - { name: enough, points: 1, commits: { min: 4, max: 10 } }\n"
    "  - { name: too few, points: 1, commits: { min: 9 } }\n"
    "  - name: conventional\n    points: 1\n"
    "    messages: { every: '^(feat|fix|docs)(\\(.+\\))?: .+' }\n"
    "  - name: strict conventional\n    points: 1\n"
    "    messages: { every: '^feat', skip_merges: false }\n"
    "  - { name: any fix, points: 1, messages: { any: '^fix' } }\n"
    "  - { name: authors, points: 1, authors: { name_set: true, email_matches: '@example\\.edu$' } "
    "}\n"
    "  - { name: other email, points: 1, authors: { email_matches: '@school\\.org$' } }\n"
    "  - { name: branches, points: 1, branches: [main, feature] }\n"
    "  - { name: missing branch, points: 1, branches: [main, develop] }\n"
    "  - { name: tags, points: 1, tags: [v1] }\n"
    "  - { name: merged, points: 1, merged: { branch: feature, into: main } }\n"
    "  - { name: linear, points: 1, linear: true }\n"
    "  - { name: has merge, points: 1, linear: false }\n";

/* 'every: conventional' says in words which part of a subject breaks
 * Conventional Commits. */
START_TEST(conventional_messages_in_words)
{
	struct exercise *ex = load_exercise(
	    "  - name: conventional\n    messages: { every: conventional, max_subject: 20 }\n"
	    "  - name: own types\n    messages: { any: conventional, types: [add, drop] }\n"
	    "  - name: own rule\n    messages: { every: '^[A-Z]', rule: 'a capital first' }\n");
	static const struct {
		const char *subject, *why;
	} cases[] = {
	    {"Fixed the cart", "it does not start with a type: begin with one of feat, fix, docs, "
			       "style, refactor, perf, test, build, ci, chore, revert, then ': '"},
	    {"Fix: the cart", "the type 'Fix' is written in lower case: 'fix'"},
	    {"bugfix: the cart", "'bugfix' is not one of the types feat, fix, docs"},
	    {"fix(cart: empty", "the scope opened with '(' is not closed with ')'"},
	    {"fix(): empty", "the scope in '()' is empty"},
	    {"fix(Cart): empty", "the scope 'Cart' may hold only lower-case letters"},
	    {"fix(cart) empty", "a colon must follow 'fix(cart)', as in 'fix(cart): what it does'"},
	    {"fix:empty", "put a space after the colon"},
	    {"fix:  empty", "put one space after the colon, not more"},
	    {"feat!: a subject that is too long", "the subject after the colon is 26 characters "
						  "long; at most 20"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_int_eq(sh("rm -rf src && git init -q src && cd src && echo x > f && "
				    "git add f && git commit -qm '%s'",
				    cases[i].subject),
				 0);
		struct report r;
		grade_src(ex, &r);
		expect_check(&r, 0, CHECK_FAILED, "does not follow Conventional Commits");
		expect_check(&r, 0, CHECK_FAILED, cases[i].why);
		expect_check(&r, 1, CHECK_FAILED,
			     "no commit message of 1 follows Conventional Commits");
		report_free(&r);
	}
	ck_assert_int_eq(sh("rm -rf src && git init -q src && cd src && echo x > f && "
			    "git add f && git commit -qm 'fix(cart-2)!: empty cart' && "
			    "echo y > f && git commit -qam 'add: more' && "
			    "echo z > f && git commit -qam 'lower case'"),
			 0);
	struct report r;
	grade_src(ex, &r);
	expect_check(&r, 0, CHECK_FAILED, "'add: more' does not follow Conventional Commits");
	expect_check(&r, 0, CHECK_FAILED, "'add' is not one of the types feat, fix");
	expect_check(&r, 0, CHECK_FAILED, "(1 more commit does not either)");
	expect_check(&r, 1, CHECK_PASSED, NULL); /* 'add: more' */
	expect_check(&r, 2, CHECK_FAILED, "does not follow a capital first");
	report_free(&r);
	exercise_free(ex);
}
END_TEST

START_TEST(history_checks_pass_and_fail)
{
	make_history();
	struct exercise *ex = load_exercise(history_checks);
	struct report r;
	grade_src(ex, &r);
	ck_assert_uint_eq(r.n, 1);
	expect_check(&r, 0, CHECK_PASSED, NULL);
	expect_check(&r, 1, CHECK_FAILED, "the history has 4 commits; at least 9 expected");
	expect_check(&r, 2, CHECK_PASSED, NULL);
	expect_check(&r, 3, CHECK_FAILED,
		     "'fix: second' does not follow the pattern ^feat (1 more commit does not "
		     "either)");
	expect_check(&r, 4, CHECK_PASSED, NULL);
	expect_check(&r, 5, CHECK_PASSED, NULL);
	expect_check(&r, 6, CHECK_FAILED,
		     "'feat(core): first' has an author email that does not "
		     "match @school\\.org$: <ana@example.edu>");
	expect_check(&r, 7, CHECK_PASSED, NULL);
	expect_check(&r, 8, CHECK_FAILED, "branch 'develop' is missing (branches: feature, main)");
	expect_check(&r, 9, CHECK_PASSED, NULL);
	expect_check(&r, 10, CHECK_PASSED, NULL);
	expect_check(&r, 11, CHECK_FAILED, "'Merge branch feature' is a merge");
	expect_check(&r, 12, CHECK_PASSED, NULL);
	report_free(&r);

	/* feature unmerged: a new commit on it */
	ck_assert_int_eq(sh("cd src && git checkout -q feature && echo g >> feature.txt && "
			    "git commit -qam 'feat(ui): more' && git checkout -q main"),
			 0);
	grade_src(ex, &r);
	expect_check(&r, 10, CHECK_FAILED, "branch 'feature' (at ");
	expect_check(&r, 10, CHECK_FAILED, "'feat(ui): more') is not merged into main");
	report_free(&r);
	exercise_free(ex);
}
END_TEST

static const char content_checks[] =
    "  - { name: no env, points: 1, absent: ['.env', '*.pem'] }\n"
    "  - { name: no secrets, points: 1, secrets: { max_blob: 64KiB } }\n"
    "  - { name: no aws, points: 1, secrets: { patterns: [aws_access_key] } }\n"
    "  - { name: custom, points: 1, secrets: { patterns: ['password *= *[^ ]+'] } }\n"
    "  - { name: ignores env, points: 1, gitignore: ['.env', 'config/.env', 'x.log'] }\n"
    "  - { name: small files, points: 1, max_file_size: 1KiB }\n";

START_TEST(content_checks_name_commit_and_path)
{
	ck_assert_int_eq(
	    sh("git init -q src && cd src && echo 'ok' > README && git add -A && "
	       "git commit -qm 'docs: readme' && mkdir keys && "
	       "printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\\nb3Blbn==\\n"
	       "-----END OPENSSH PRIVATE KEY-----\\n' > keys/id_ed25519 && "
	       "echo 'TOKEN=1' > .env && head -c 2048 /dev/zero > blob.bin && "
	       "git add -A && git commit -qm 'feat: add deploy key' && "
	       "git rm -rq keys .env blob.bin && printf '.env\\n*.log\\n' > .gitignore && "
	       "git add -A && git commit -qm 'fix: remove the key'"),
	    0);
	struct exercise *ex = load_exercise(content_checks);
	struct report r;
	grade_src(ex, &r);
	expect_check(&r, 0, CHECK_FAILED,
		     "'feat: add deploy key' adds .env (matches '.env'); it must not be in any "
		     "commit of the history");
	expect_check(&r, 1, CHECK_FAILED,
		     "'feat: add deploy key' adds keys/id_ed25519 holding a private key "
		     "(private_key)");
	expect_check(&r, 2, CHECK_PASSED, NULL);
	expect_check(&r, 3, CHECK_PASSED, NULL);
	expect_check(&r, 4, CHECK_PASSED, NULL);
	expect_check(&r, 5, CHECK_FAILED, "adds blob.bin of 2048 bytes, more than 1024 bytes");
	report_free(&r);

	/* a cloud key and a custom pattern; .gitignore no longer covers .env */
	ck_assert_int_eq(sh("cd src && echo 'aws = AKIAABCDEFGHIJKLMNOP' > conf.ini && "
			    "echo 'password = hunter2' >> conf.ini && echo '*.log' > .gitignore && "
			    "git add -A && git commit -qm 'feat: conf'"),
			 0);
	grade_src(ex, &r);
	expect_check(&r, 2, CHECK_FAILED,
		     "'feat: conf' adds conf.ini holding an AWS access key id (aws_access_key)");
	expect_check(&r, 3, CHECK_FAILED, "adds conf.ini holding a secret (password *= *[^ ]+)");
	expect_check(&r, 4, CHECK_FAILED,
		     "'.env', 'config/.env' are not ignored by the .gitignore of commit");
	report_free(&r);
	exercise_free(ex);
}
END_TEST

START_TEST(plain_folder_without_history_fails_clearly)
{
	ck_assert_int_eq(sh("mkdir plain && echo hi > plain/f"), 0);
	struct exercise *ex = load_exercise("  - { name: n, points: 1, commits: { min: 1 } }\n");
	char err[256];
	char *plain = at("plain");
	struct submission *s = submission_from_dir(plain, err, sizeof err);
	char *scratch = at("scratch");
	mkdir_p(scratch);
	struct grade_env env = {.now = time(NULL), .scratch = scratch};
	struct report r = {0};
	grade_exercise(ex, s, &env, &r);
	expect_check(&r, 0, CHECK_FAILED, "the submission has no Git history");
	report_free(&r);
	submission_free(s);
	exercise_free(ex);
	free(plain);
	free(scratch);
}
END_TEST

static void expect_load_error(const char *checks, const char *want)
{
	char *dir = at("bad");
	mkdir_p(dir);
	char *path = path_join(dir, "exercise.yaml");
	char *text = xasprintf("id: git/t\ntitle: T\nkind: git\nchecks:\n%s", checks);
	ck_assert_int_eq(write_file_atomic(path, text, strlen(text)), 0);
	struct diag d = {0};
	struct exercise *ex = exercise_load(dir, &d);
	ck_assert_ptr_null(ex);
	int found = 0;
	for (size_t i = 0; i < d.n; i++)
		found |= strstr(d.v[i].message, want) != NULL;
	if (!found)
		diag_print(&d, stderr);
	ck_assert_msg(found, "no diagnostic containing '%s'", want);
	diag_free(&d);
	free(text);
	free(path);
	free(dir);
}

START_TEST(bad_definitions_are_diagnosed)
{
	expect_load_error("  - { name: a, points: 1 }\n", "says nothing to check");
	expect_load_error("  - { name: a, points: 1, linear: true, commits: { min: 1 } }\n",
			  "has both 'commits' and 'linear'");
	expect_load_error("  - { name: a, points: 1, commits: { min: 3, max: 2 } }\n",
			  "'max' (2) is less than 'min' (3)");
	expect_load_error("  - { name: a, points: 1, messages: { every: 'a', any: 'b' } }\n",
			  "exactly one of 'every' and 'any'");
	expect_load_error("  - { name: a, points: 1, messages: { every: '(' } }\n", "'every'");
	expect_load_error("  - { name: a, points: 1, secrets: { patterns: [privat_key] } }\n",
			  "unknown secret pattern 'privat_key' (did you mean 'private_key'?)");
	expect_load_error("  - { name: a, points: 1, commitz: { min: 1 } }\n",
			  "did you mean 'commits'");
	expect_load_error("  - { name: a, points: 1, max_file_size: lots }\n", "'max_file_size'");
	expect_load_error("  - { name: a, points: 1, messages: { every: '^f', types: [a] } }\n",
			  "'types' is for 'every: conventional'");
	expect_load_error(
	    "  - { name: a, points: 1, messages: { every: conventional, rule: 'x' } }\n",
	    "'rule' is for a regex: 'conventional' explains itself");
	expect_load_error("  - { name: a, points: 1, messages: { any: conventional, types: [] } }\n",
			  "'types' is empty");
}
END_TEST

START_TEST(remote_head_as_the_poller_sees_it)
{
	make_history();
	char *src = at("src"), *main_head = rev("src", "main"), *feature = rev("src", "feature");
	char head[41], err[512];
	ck_assert_int_eq(poller_remote_head(src, "main", head, err, sizeof err), 0);
	ck_assert_str_eq(head, main_head);
	ck_assert_int_eq(poller_remote_head(src, "refs/heads/feature", head, err, sizeof err), 0);
	ck_assert_str_eq(head, feature);
	ck_assert_int_eq(poller_remote_head(src, "nope", head, err, sizeof err), 1);
	char *missing = at("missing.git");
	ck_assert_int_eq(poller_remote_head(missing, "main", head, err, sizeof err), -1);
	ck_assert_msg(strstr(err, missing) != NULL, "the error names no repository: %s", err);

	/* after errors the wait doubles from the interval up to the cap, and
	 * a success starts again from the interval (prev = 0) */
	double w = 0, want[] = {10, 20, 40, 80, 100, 100};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		w = poller_backoff(w, 10, 100);
		ck_assert_double_eq(w, want[i]);
	}
	ck_assert_double_eq(poller_backoff(0, 10, 100), 10);
	ck_assert_double_eq(poller_backoff(0, 60, 30), 30); /* a cap below the interval */
	free(missing);
	free(src);
	free(main_head);
	free(feature);
}
END_TEST

/* ---- known_hosts: the ssh host keys a fetch trusts ---- */

/* The key blob of an ed25519 key and lines `ssh-keygen -H` hashed for
 * "[git.example.edu]:2222" and "gitlab.example.edu" (real OpenSSH
 * output, not computed here). */
#define KH_KEY "AAAAC3NzaC1lZDI1NTE5AAAAINsu9QFmnYGWX52hY3T5DZygxR6Rr6JthoggS0+g2aup"
#define KH_OTHER "AAAAC3NzaC1lZDI1NTE5AAAAIHqFZ3XpSA8rL1KEqT0bkC0nm0Kq1vZ5nX3YpQ4oQm7o"

static size_t kh_blob(const char *b64, unsigned char *out)
{
	int n = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)strlen(b64));
	ck_assert_int_eq(n, 51);
	return (size_t)n;
}

static enum kh_result kh(const char *file_text, const char *host, int port, const char *key)
{
	char dir[] = "/tmp/grader-kh-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *path = xasprintf("%s/known_hosts", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(file_text, f);
	fclose(f);
	unsigned char blob[64];
	size_t n = kh_blob(key, blob);
	char err[200] = "";
	enum kh_result r = known_hosts_check(path, host, port, blob, n, err, sizeof err);
	unlink(path);
	rmdir(dir);
	free(path);
	return r;
}

START_TEST(known_hosts_plain_patterns)
{
	const char *file = "# comment\n"
			   "\n"
			   "git.example.edu,10.0.0.7 ssh-ed25519 " KH_KEY " ops@example\n"
			   "[git.example.edu]:2222 ssh-ed25519 " KH_OTHER "\n"
			   "*.forge.example.edu,!evil.forge.example.edu ssh-ed25519 " KH_KEY "\n"
			   "@cert-authority *.example.edu ssh-ed25519 " KH_OTHER "\n"
			   "garbage line\n";
	ck_assert_int_eq(kh(file, "git.example.edu", 22, KH_KEY), KH_MATCH);
	ck_assert_int_eq(kh(file, "GIT.example.EDU", 22, KH_KEY), KH_MATCH);
	ck_assert_int_eq(kh(file, "10.0.0.7", 22, KH_KEY), KH_MATCH);
	/* another port is another entry: "[host]:port", brackets literal */
	ck_assert_int_eq(kh(file, "git.example.edu", 2222, KH_OTHER), KH_MATCH);
	ck_assert_int_eq(kh(file, "git.example.edu", 2222, KH_KEY), KH_MISMATCH);
	ck_assert_int_eq(kh(file, "git.example.edu", 22, KH_OTHER), KH_MISMATCH);
	ck_assert_int_eq(kh(file, "a.forge.example.edu", 22, KH_KEY), KH_MATCH);
	ck_assert_int_eq(kh(file, "evil.forge.example.edu", 22, KH_KEY), KH_UNKNOWN);
	/* a CA line does not make a host known */
	ck_assert_int_eq(kh(file, "other.example.edu", 22, KH_OTHER), KH_UNKNOWN);
	ck_assert_int_eq(kh("", "git.example.edu", 22, KH_KEY), KH_UNKNOWN);
}
END_TEST

START_TEST(known_hosts_hashed_and_revoked)
{
	const char *hashed =
	    "|1|ZFGt71Y2VtpqBn3xKuStx7oK23A=|Lyj2KXqk4lSlFuhqYA1T+2rJ5DE= ssh-ed25519 " KH_KEY "\n"
	    "|1|E2OK2mxAaM5VOSE8cg2Fo6Nw3WY=|IALutnTnw+l1d0AbmOnEw1aOYuY= ssh-ed25519 " KH_KEY "\n";
	ck_assert_int_eq(kh(hashed, "git.example.edu", 2222, KH_KEY), KH_MATCH);
	ck_assert_int_eq(kh(hashed, "gitlab.example.edu", 22, KH_KEY), KH_MATCH);
	ck_assert_int_eq(kh(hashed, "gitlab.example.edu", 22, KH_OTHER), KH_MISMATCH);
	ck_assert_int_eq(kh(hashed, "git.example.edu", 22, KH_KEY), KH_UNKNOWN);
	ck_assert_int_eq(kh(hashed, "github.com", 22, KH_KEY), KH_UNKNOWN);
	const char *revoked = "git.example.edu ssh-ed25519 " KH_KEY "\n"
			      "@revoked * ssh-ed25519 " KH_KEY "\n";
	ck_assert_int_eq(kh(revoked, "git.example.edu", 22, KH_KEY), KH_REVOKED);
	/* an unreadable file is an error, a missing one an unknown host */
	unsigned char blob[64];
	size_t n = kh_blob(KH_KEY, blob);
	char err[200] = "";
	ck_assert_int_eq(known_hosts_check("/nonexistent/known_hosts", "h", 22, blob, n, err,
					   sizeof err),
			 KH_UNKNOWN);
	ck_assert_int_eq(known_hosts_check("/", "h", 22, blob, n, err, sizeof err), KH_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "/"));
}
END_TEST

START_TEST(known_hosts_host_of_url)
{
	char host[64];
	int port;
	ck_assert_int_eq(known_hosts_url_host("ssh://git@git.example.edu/ana/x.git", host,
					      sizeof host, &port),
			 0);
	ck_assert_str_eq(host, "git.example.edu");
	ck_assert_int_eq(port, 22);
	ck_assert_int_eq(known_hosts_url_host("ssh://git.example.edu:2222/x.git", host,
					      sizeof host, &port),
			 0);
	ck_assert_str_eq(host, "git.example.edu");
	ck_assert_int_eq(port, 2222);
	ck_assert_int_eq(known_hosts_url_host("ssh://u@[::1]:2200/x", host, sizeof host, &port), 0);
	ck_assert_str_eq(host, "::1");
	ck_assert_int_eq(port, 2200);
	ck_assert_int_eq(known_hosts_url_host("git@github.com:ana/x.git", host, sizeof host, &port),
			 0);
	ck_assert_str_eq(host, "github.com");
	ck_assert_int_eq(port, 22);
	ck_assert_int_eq(known_hosts_url_host("ssh://h:99999/x", host, sizeof host, &port), -1);
	ck_assert_int_eq(known_hosts_url_host("https://github.com/x", host, sizeof host, &port),
			 -1);
	ck_assert_int_eq(known_hosts_url_host("./a/b:c", host, sizeof host, &port), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("git");
	TCase *sub = tcase_create("submission");
	tcase_add_checked_fixture(sub, setup, teardown);
	tcase_set_timeout(sub, 60);
	tcase_add_test(sub, head_is_written_out_with_info);
	tcase_add_test(sub, ref_and_commit_resolve);
	tcase_add_test(sub, mirror_is_incremental_and_pruned);
	tcase_add_test(sub, symlinks_stay_links);
	tcase_add_test(sub, hostile_names_are_refused);
	tcase_add_test(sub, corrupt_object_is_an_error);
	tcase_add_test(sub, big_file_and_total_are_capped);
	tcase_add_test(sub, many_files_are_capped);
	tcase_add_test(sub, fetch_over_git_daemon);
	tcase_add_test(sub, two_fetches_of_one_mirror);
	tcase_add_test(sub, changed_paths_since);
	tcase_add_test(sub, remote_head_as_the_poller_sees_it);
	suite_add_tcase(s, sub);
	TCase *run = tcase_create("runner");
	tcase_add_checked_fixture(run, setup, teardown);
	tcase_set_timeout(run, 30);
	tcase_add_test(run, history_checks_pass_and_fail);
	tcase_add_test(run, conventional_messages_in_words);
	tcase_add_test(run, content_checks_name_commit_and_path);
	tcase_add_test(run, plain_folder_without_history_fails_clearly);
	tcase_add_test(run, bad_definitions_are_diagnosed);
	suite_add_tcase(s, run);
	TCase *khc = tcase_create("known_hosts");
	tcase_add_test(khc, known_hosts_plain_patterns);
	tcase_add_test(khc, known_hosts_hashed_and_revoked);
	tcase_add_test(khc, known_hosts_host_of_url);
	suite_add_tcase(s, khc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
