/*
 * files.c - the files kind: static checks of the learner's files, read in
 * their submission folder (below its root, never through a symbolic
 * link, capped) and never run: a file exists or must not, its size, its
 * content through the shared matchers, and a Dockerfile's base image,
 * user, secrets and start command (runners/dockerfile.c).
 * docs/kinds/files.md is the reference.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grader/grade/runner.h"
#include "grader/grade/workdir.h"
#include "grader/match/match.h"
#include "grader/util/util.h"
#include "runners/dockerfile.h"

#define FILES_MAX_READ  (1u << 20) /* content and dockerfile checks read at most this */
#define FILES_MAX_LINES 12         /* problems listed in one message */

static const char *const files_exercise_keys[] = {NULL};
static const char *const files_check_keys[] = {"file",     "exists",     "size", "content",
					       "contains", "dockerfile", NULL};
static const char *const files_size_keys[] = {"min", "max", NULL};
static const char *const files_docker_keys[] = {"base_pinned", "non_root_user", "no_secrets",
						"exec_form", NULL};

enum { DF_BASE_PINNED = 1, DF_NON_ROOT = 2, DF_NO_SECRETS = 4, DF_EXEC_FORM = 8 };

struct files_check {
	char *file;
	int exists; /* -1 not said, 0 must not exist, 1 must be a regular file */
	int has_size;
	uint64_t min, max; /* max 0: no maximum */
	struct matcher *content;
	unsigned docker; /* DF_* */
};

/* ---- loading ---- */

static int load_size(struct files_check *fc, const struct yaml_node *n, struct diag *d)
{
	if (yaml_expect_kind(n, YAML_MAP, "'size'", d) != 0)
		return -1;
	int bad = yaml_check_keys(n, files_size_keys, d) != 0;
	const struct yaml_node *v;
	if ((v = yaml_get(n, "min")) && yaml_to_size(v, "'min'", &fc->min, d) != 0)
		bad = 1;
	if ((v = yaml_get(n, "max")) && yaml_to_size(v, "'max'", &fc->max, d) != 0)
		bad = 1;
	if (!bad && !yaml_get(n, "min") && !yaml_get(n, "max")) {
		yaml_error(d, n, "'size' needs 'min', 'max' or both, e.g. size: { max: 10KiB }");
		bad = 1;
	}
	if (!bad && fc->max && fc->min > fc->max) {
		yaml_error(d, n, "'size': 'min' is larger than 'max'");
		bad = 1;
	}
	fc->has_size = 1;
	return bad ? -1 : 0;
}

static int load_docker(struct files_check *fc, const struct yaml_node *n, struct diag *d)
{
	if (yaml_expect_kind(n, YAML_MAP, "'dockerfile'", d) != 0)
		return -1;
	int bad = yaml_check_keys(n, files_docker_keys, d) != 0;
	for (size_t i = 0; files_docker_keys[i]; i++) {
		const struct yaml_node *v = yaml_get(n, files_docker_keys[i]);
		char *what = xasprintf("'%s'", files_docker_keys[i]);
		int on;
		if (!v) {
		} else if (yaml_to_bool(v, what, &on, d) != 0) {
			bad = 1;
		} else if (!on) {
			yaml_error(d, v, "'%s: false' checks nothing: leave it out",
				   files_docker_keys[i]);
			bad = 1;
		} else {
			fc->docker |= 1u << i;
		}
		free(what);
	}
	if (!bad && !fc->docker) {
		yaml_error(
		    d, n,
		    "'dockerfile' names no check: use base_pinned, non_root_user, no_secrets "
		    "or exec_form (each: true)");
		bad = 1;
	}
	return bad ? -1 : 0;
}

static int files_load_check(const struct exercise *ex, struct ex_check *c, struct diag *d)
{
	struct files_check *fc = xcalloc(1, sizeof *fc);
	c->data = fc;
	fc->exists = -1;
	const struct yaml_node *spec = c->spec, *v;
	const char *cname = c->name ? c->name : "?";
	int bad = 0;
	if ((v = yaml_get(spec, "limits"))) {
		yaml_error(d, v, "a files check runs nothing, so it has no 'limits'");
		bad = 1;
	}
	if ((v = yaml_get(spec, "expect"))) {
		yaml_error(d, v,
			   "a files check has no 'expect': write exists, size, content (or "
			   "contains) or dockerfile on the check itself");
		bad = 1;
	}
	const struct yaml_node *file = yaml_get(spec, "file");
	const char *rel = NULL;
	if (file && yaml_to_str(file, "'file'", &rel, d) != 0) {
		bad = 1;
	} else if (rel && (!*rel || !path_is_contained(rel))) {
		yaml_error(d, file,
			   "'file' must be a relative path inside the submission, not '%s'", rel);
		bad = 1;
		rel = NULL;
	}
	if ((v = yaml_get(spec, "exists"))) {
		int on;
		if (yaml_to_bool(v, "'exists'", &on, d) != 0)
			bad = 1;
		else
			fc->exists = on;
	}
	if ((v = yaml_get(spec, "size")) && load_size(fc, v, d) != 0)
		bad = 1;
	const struct yaml_node *content = yaml_get(spec, "content");
	const struct yaml_node *contains = yaml_get(spec, "contains");
	if (content && contains) {
		yaml_error(d, contains,
			   "check '%s' has both 'content' and 'contains': use one (contains: X is "
			   "content: { contains: X })",
			   cname);
		bad = 1;
	} else if (content || contains) {
		fc->content = xcalloc(1, sizeof *fc->content);
		if (content) {
			if (matcher_from_yaml(fc->content, content, ex->dir, d) != 0)
				bad = 1;
		} else {
			const char *text;
			if (yaml_to_str(contains, "'contains'", &text, d) != 0)
				bad = 1;
			else
				matcher_init_text(fc->content, MATCH_CONTAINS, text, strlen(text));
		}
	}
	const struct yaml_node *docker = yaml_get(spec, "dockerfile");
	if (docker && load_docker(fc, docker, d) != 0)
		bad = 1;

	/* what the check tests: one clear thing */
	const struct yaml_node *some = content ? content : contains;
	if (docker && (fc->has_size || some || fc->exists >= 0)) {
		yaml_error(d, docker,
			   "check '%s' mixes 'dockerfile' with %s: make them two checks, so each "
			   "says what failed",
			   cname,
			   fc->exists >= 0 ? "'exists'"
			   : fc->has_size  ? "'size'"
					   : "a content matcher");
		bad = 1;
	} else if (fc->exists == 0 && (fc->has_size || some)) {
		yaml_error(d, yaml_get(spec, "exists"),
			   "check '%s' says 'exists: false' and also checks the file's %s: a file "
			   "that must not exist has neither",
			   cname, fc->has_size ? "size" : "content");
		bad = 1;
	} else if (!docker && fc->exists < 0 && !fc->has_size && !some && !yaml_get(spec, "size")) {
		yaml_error(d, spec,
			   "check '%s' checks nothing: give it exists, size, content (or contains) "
			   "or dockerfile",
			   cname);
		bad = 1;
	}
	if (!file && !docker) {
		yaml_error(d, spec, "check '%s' has no 'file': the file of the submission it reads",
			   cname);
		bad = 1;
	}
	fc->file = xstrdup(rel ? rel : "Dockerfile");
	return bad ? -1 : 0;
}

static void files_free_check(struct ex_check *c)
{
	struct files_check *fc = c->data;
	if (!fc)
		return;
	if (fc->content) {
		matcher_free(fc->content);
		free(fc->content);
	}
	free(fc->file);
	free(fc);
	c->data = NULL;
}

/* ---- grading ---- */

static char *human_size(uint64_t b)
{
	if (b >= (1u << 20) && b % (1u << 20) == 0)
		return xasprintf("%llu MiB", (unsigned long long)(b >> 20));
	if (b >= 1024 && b % 1024 == 0)
		return xasprintf("%llu KiB", (unsigned long long)(b >> 10));
	return xasprintf("%llu bytes", (unsigned long long)b);
}

static void describe(const struct files_check *fc, struct check_result *cr)
{
	struct strbuf sb = {0};
	if (fc->exists == 0)
		sb_addf(&sb, "%s does not exist", fc->file);
	if (fc->exists == 1)
		sb_addf(&sb, "%s is a regular file", fc->file);
	if (fc->has_size) {
		char *lo = human_size(fc->min), *hi = human_size(fc->max);
		sb_addf(&sb, "%s%s size", sb.len ? "\n" : "", fc->file);
		if (fc->min)
			sb_addf(&sb, " at least %s", lo);
		if (fc->max)
			sb_addf(&sb, "%s at most %s", fc->min ? "," : "", hi);
		free(lo);
		free(hi);
	}
	if (fc->content) {
		const struct matcher *m = fc->content;
		char *e = match_visible(m->expected ? m->expected : "", m->expected_len, 200);
		sb_addf(&sb, "%s%s %s%s: %s", sb.len ? "\n" : "", fc->file, m->negate ? "not " : "",
			match_kind_name(m->kind), e);
		free(e);
	}
	static const char *const words[] = {"every base image pinned", "a non-root user",
					    "no secrets in ENV or ARG",
					    "CMD or ENTRYPOINT in exec form"};
	for (size_t i = 0; i < 4; i++)
		if (fc->docker & (1u << i))
			sb_addf(&sb, "%s%s: %s", sb.len ? "\n" : "", fc->file, words[i]);
	free(cr->expected);
	cr->expected = sb.len ? sb_detach(&sb, NULL) : (sb_free(&sb), NULL);
}

/* What is at rel below dir, without following a link: 0 nothing, 1 a
 * regular file (its size in *size), 2 a link, 3 something else; -1 with
 * errno when that cannot be told. */
static int what_is(const char *dir, const char *rel, uint64_t *size)
{
	int root = beneath_open_root(dir);
	if (root < 0)
		return -1;
	int fd = beneath_open(root, rel, O_PATH | O_NOFOLLOW, 0);
	int e = errno;
	close(root);
	if (fd < 0) {
		errno = e;
		if (e == ENOENT)
			return 0;
		return e == ELOOP ? 2 : -1;
	}
	struct stat st;
	int rc = fstat(fd, &st);
	close(fd);
	if (rc != 0)
		return -1;
	*size = (uint64_t)st.st_size;
	return S_ISREG(st.st_mode) ? 1 : S_ISLNK(st.st_mode) ? 2 : 3;
}

/* Fails cr with the file's problems, FILES_MAX_LINES at most. */
static void fail_lines(struct check_result *cr, const char *text, int count)
{
	struct strbuf sb = {0};
	const char *p = text;
	for (int i = 0; i < count && i < FILES_MAX_LINES && *p; i++) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		sb_addf(&sb, "%s%.*s", i ? "\n" : "", (int)l, p);
		p += l + (nl ? 1 : 0);
	}
	if (count > FILES_MAX_LINES)
		sb_addf(&sb, "\n... and %d more", count - FILES_MAX_LINES);
	grade_fail(cr, NULL, "%s", sb.buf ? sb.buf : "");
	sb_free(&sb);
}

static void grade_dockerfile(const struct files_check *fc, const char *data, size_t len,
			     struct check_result *cr)
{
	struct dockerfile df;
	dockerfile_parse(data, len, &df);
	struct strbuf out = {0};
	int n = df_check_syntax(&df, fc->file, &out);
	if (!n) {
		if (fc->docker & DF_BASE_PINNED)
			n += df_check_base_pinned(&df, fc->file, &out);
		if (fc->docker & DF_NON_ROOT)
			n += df_check_non_root(&df, fc->file, &out);
		if (fc->docker & DF_NO_SECRETS)
			n += df_check_no_secrets(&df, fc->file, &out);
		if (fc->docker & DF_EXEC_FORM)
			n += df_check_exec_form(&df, fc->file, &out);
	}
	if (n)
		fail_lines(cr, out.buf, n);
	else
		grade_pass(cr);
	sb_free(&out);
	dockerfile_free(&df);
}

static int files_grade_check(struct grading *g, size_t check, struct check_result *cr)
{
	const struct files_check *fc = g->ex->checks[check].data;
	describe(fc, cr);
	const char *sp = workdir_submit_path(g->ex);
	char *dir = beneath_dir(g->sub->dir, sp);
	if (!dir) {
		int e = errno;
		if (fc->exists == 0 && e == ENOENT)
			grade_pass(cr);
		else
			grade_fail(cr, NULL, "%s/ of the submission %s", sp, beneath_strerror(e));
		return 0;
	}
	uint64_t size = 0;
	int what = what_is(dir, fc->file, &size);
	int e = errno;
	const char *f = fc->file;
	if (fc->exists == 0) {
		if (what == 0)
			grade_pass(cr);
		else if (what == 2)
			grade_fail(cr, NULL,
				   "%s must not exist, and it is there as a symbolic link", f);
		else if (what < 0)
			grade_fail(cr, NULL, "%s cannot be looked at: its path %s", f,
				   beneath_strerror(e));
		else
			grade_fail(cr, NULL, "%s must not exist in the submission, and it does", f);
		goto out;
	}
	if (what == 0) {
		grade_fail(cr, NULL, "%s is missing from %s/ of the submission", f, sp);
		goto out;
	}
	if (what == 2 || (what < 0 && e == ELOOP)) {
		grade_fail(cr, NULL,
			   "%s is a symbolic link: the grader reads only regular files of the "
			   "submission, never through a link",
			   f);
		goto out;
	}
	if (what < 0) {
		grade_fail(cr, NULL, "%s cannot be read: its path %s", f, beneath_strerror(e));
		goto out;
	}
	if (what == 3) {
		grade_fail(cr, NULL, "%s is not a regular file", f);
		goto out;
	}
	if (fc->has_size && (size < fc->min || (fc->max && size > fc->max))) {
		char *have = human_size(size);
		char *lim = human_size(size < fc->min ? fc->min : fc->max);
		grade_fail(
		    cr, NULL, "%s is %s: %s is %s", f, have,
		    size < fc->min ? "the smallest size allowed" : "the largest size allowed", lim);
		free(have);
		free(lim);
		goto out;
	}
	if (!fc->content && !fc->docker) {
		grade_pass(cr);
		goto out;
	}
	char *data;
	size_t len;
	if (beneath_read(dir, f, FILES_MAX_READ, &data, &len) != 0) {
		e = errno;
		if (e == EFBIG)
			grade_fail(cr, NULL,
				   "%s is larger than 1 MiB: too large to be read as text", f);
		else
			grade_fail(cr, NULL, "%s cannot be read: it %s", f, beneath_strerror(e));
		goto out;
	}
	if (fc->docker) {
		if (memchr(data, '\0', len))
			grade_fail(cr, NULL,
				   "%s holds NUL bytes: it is not a text file, so no "
				   "Dockerfile",
				   f);
		else
			grade_dockerfile(fc, data, len, cr);
	} else {
		struct match_diff *diff = NULL;
		int ok = match_run(fc->content, data, len, &diff);
		if (ok == 1)
			grade_pass(cr);
		else if (ok < 0)
			grade_error(cr, "%s: %s", f,
				    diff ? diff->summary : "the matcher cannot run");
		else {
			grade_fail(cr, diff, "%s: %s", f, diff ? diff->summary : "does not match");
			grade_expectation_hint(cr, fc->content);
		}
		if (ok == 1 || ok < 0)
			match_diff_free(diff);
	}
	free(data);
out:
	free(dir);
	return 0;
}

/* No prepare or finish: nothing runs, and each check reads its file. */
const struct runner files_runner = {
    .kind = {.name = "files",
	     .exercise_keys = files_exercise_keys,
	     .check_keys = files_check_keys,
	     .load_check = files_load_check,
	     .free_check = files_free_check},
    .grade_check = files_grade_check,
};
