/*
 * io.c - the io kind: runs the learner's program once per check inside
 * the sandbox with that check's stdin, arguments, environment and input
 * files, then compares its exit code, stdout, stderr and the files it
 * wrote with the shared matchers. docs/kinds/io.md is the reference.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "grader/grade/runner.h"
#include "grader/grade/workdir.h"
#include "grader/match/match.h"
#include "grader/util/util.h"

#define IO_MAX_INPUT (16u << 20) /* stdin and input files from the exercise */
#define IO_MAX_READ  (16u << 20) /* a file the program wrote, read back */
#define IO_EXCERPT   200

static const char *const io_exercise_keys[] = {"run", "env", NULL};
static const char *const io_check_keys[] = {"stdin", "args", "env", "files", NULL};
static const char *const io_expect_keys[] = {"stdout", "stderr", "exit_code", "files", NULL};

struct io_expect_file {
	char *path;
	struct matcher m;
};

struct io_check {
	char *stdin_data; /* inline stdin, or NULL */
	size_t stdin_len;
	char *stdin_path; /* absolute path of a stdin file, or NULL */
	char *stdin_rel;
	char **args;
	size_t nargs;
	char **env; /* "K=V" */
	size_t nenv;
	struct ex_file *files;
	size_t nfiles;
	int check_exit; /* 0: any exit code */
	int exit_code;
	struct matcher *out, *err;
	struct io_expect_file *expect_files;
	size_t nexpect_files;
};

struct io_exercise {
	char **argv;
	size_t argc;
	char **env;
	size_t nenv;
};

/* ---- loading ---- */

static int load_stdin(const struct exercise *ex, struct io_check *ic, const struct yaml_node *n,
		      struct diag *d)
{
	if (n->kind == YAML_SCALAR) {
		ic->stdin_data = xstrndup(n->scalar, n->scalar_len);
		ic->stdin_len = n->scalar_len;
		return 0;
	}
	if (n->kind != YAML_MAP) {
		yaml_error(d, n, "'stdin' must be a string or {file: PATH}");
		return -1;
	}
	ic->stdin_path = exercise_named_file(ex, n, IO_MAX_INPUT, d);
	if (!ic->stdin_path)
		return -1;
	ic->stdin_rel = xstrdup(yaml_get(n, "file")->scalar);
	return 0;
}

static struct matcher *load_matcher(const struct exercise *ex, const struct yaml_node *n,
				    struct diag *d)
{
	struct matcher *m = xcalloc(1, sizeof *m);
	if (matcher_from_yaml(m, n, ex->dir, d) != 0) {
		matcher_free(m);
		free(m);
		return NULL;
	}
	return m;
}

static int load_expect(const struct exercise *ex, struct io_check *ic, const struct yaml_node *n,
		       struct diag *d)
{
	if (yaml_expect_kind(n, YAML_MAP, "'expect'", d) != 0)
		return -1;
	int bad = yaml_check_keys(n, io_expect_keys, d) != 0;
	const struct yaml_node *v;
	ic->check_exit = 1;
	if ((v = yaml_get(n, "exit_code"))) {
		long long code;
		if (v->kind == YAML_SCALAR && !v->quoted && !strcmp(v->scalar, "any"))
			ic->check_exit = 0;
		else if (yaml_to_int(v, "'exit_code'", 0, 255, &code, d) != 0)
			bad = 1;
		else
			ic->exit_code = (int)code;
	}
	if ((v = yaml_get(n, "stdout")) && !(ic->out = load_matcher(ex, v, d)))
		bad = 1;
	if ((v = yaml_get(n, "stderr")) && !(ic->err = load_matcher(ex, v, d)))
		bad = 1;
	if ((v = yaml_get(n, "files"))) {
		if (yaml_expect_kind(v, YAML_MAP, "'files'", d) != 0) {
			bad = 1;
		} else {
			ic->expect_files = xcalloc(v->n, sizeof *ic->expect_files);
			for (size_t i = 0; i < v->n; i++) {
				const char *p = v->keys[i]->scalar;
				if (!path_is_contained(p)) {
					yaml_error(
					    d, v->keys[i],
					    "'%s' must be a relative path inside the work dir", p);
					bad = 1;
					continue;
				}
				struct io_expect_file *f = &ic->expect_files[ic->nexpect_files];
				if (matcher_from_yaml(&f->m, v->items[i], ex->dir, d) != 0) {
					matcher_free(&f->m);
					bad = 1;
					continue;
				}
				f->path = xstrdup(p);
				ic->nexpect_files++;
			}
		}
	}
	return bad ? -1 : 0;
}

static int io_load_check(const struct exercise *ex, struct ex_check *c, struct diag *d)
{
	struct io_check *ic = xcalloc(1, sizeof *ic);
	c->data = ic;
	const struct yaml_node *spec = c->spec, *v;
	int bad = 0;
	if ((v = yaml_get(spec, "stdin")) && load_stdin(ex, ic, v, d) != 0)
		bad = 1;
	if ((v = yaml_get(spec, "args"))) {
		const char **list;
		if (yaml_to_str_list(v, "'args'", &list, &ic->nargs, d) != 0) {
			bad = 1;
		} else {
			ic->args = xcalloc(ic->nargs + 1, sizeof *ic->args);
			for (size_t i = 0; i < ic->nargs; i++)
				ic->args[i] = xstrdup(list[i]);
			free(list);
		}
	}
	if ((v = yaml_get(spec, "env")) && yaml_to_env(v, NULL, NULL, &ic->env, &ic->nenv, d) != 0)
		bad = 1;
	if ((v = yaml_get(spec, "files")) &&
	    exercise_files_load(ex, v, "'files'", IO_MAX_INPUT, &ic->files, &ic->nfiles, d) != 0)
		bad = 1;
	if (!(v = yaml_get(spec, "expect"))) {
		yaml_error(d, spec,
			   "check '%s' has no 'expect' (what to compare: stdout, stderr, "
			   "exit_code, files)",
			   c->name ? c->name : "?");
		bad = 1;
	} else if (load_expect(ex, ic, v, d) != 0) {
		bad = 1;
	}
	return bad ? -1 : 0;
}

static int io_load(struct exercise *ex, const struct yaml_node *spec, struct diag *d)
{
	struct io_exercise *ie = xcalloc(1, sizeof *ie);
	ex->data = ie;
	int bad = 0;
	const struct yaml_node *run = yaml_get(spec, "run"), *v;
	if (!run) {
		yaml_error(d, spec,
			   "missing key 'run': the command to run, e.g. run: [python3, main.py]");
		bad = 1;
	} else if (yaml_to_command(run, "'run'", &ie->argv, &ie->argc, d) != 0) {
		bad = 1;
	}
	if ((v = yaml_get(spec, "env")) && yaml_to_env(v, NULL, NULL, &ie->env, &ie->nenv, d) != 0)
		bad = 1;
	return bad ? -1 : 0;
}

static void io_free_check(struct ex_check *c)
{
	struct io_check *ic = c->data;
	if (!ic)
		return;
	free(ic->stdin_data);
	free(ic->stdin_path);
	free(ic->stdin_rel);
	for (size_t i = 0; i < ic->nargs; i++)
		free(ic->args[i]);
	free(ic->args);
	for (size_t i = 0; i < ic->nenv; i++)
		free(ic->env[i]);
	free(ic->env);
	ex_files_free(ic->files, ic->nfiles);
	if (ic->out)
		matcher_free(ic->out);
	if (ic->err)
		matcher_free(ic->err);
	free(ic->out);
	free(ic->err);
	for (size_t i = 0; i < ic->nexpect_files; i++) {
		free(ic->expect_files[i].path);
		matcher_free(&ic->expect_files[i].m);
	}
	free(ic->expect_files);
	free(ic);
}

static void io_free(struct exercise *ex)
{
	struct io_exercise *ie = ex->data;
	if (!ie)
		return;
	for (size_t i = 0; i < ie->argc; i++)
		free(ie->argv[i]);
	free(ie->argv);
	for (size_t i = 0; i < ie->nenv; i++)
		free(ie->env[i]);
	free(ie->env);
	free(ie);
	ex->data = NULL;
}

/* ---- grading ---- */

static char *excerpt(const char *s, size_t len)
{
	return match_visible(s, len, IO_EXCERPT);
}

/* How much of an input is shown to the learner: short inputs whole, long
 * ones by their first lines (the learner has no copy of the exercise's
 * files, so a file's name alone would not help). */
#define IO_INPUT_LINES 10
#define IO_INPUT_BYTES 2000

/* One input under its label: "stdin: 15" when it is one short line,
 * otherwise the label alone on a line and the text's first lines below. */
static void add_input(struct strbuf *sb, const char *label, const char *data, size_t len,
		      int more)
{
	char *vis = match_visible_head(data, len, IO_INPUT_LINES, IO_INPUT_BYTES, more);
	int one_line = !strchr(vis, '\n') && strlen(vis) <= 60;
	sb_addf(sb, "%s%s:", sb->len ? "\n" : "", label);
	if (!*vis)
		sb_adds(sb, " (empty)");
	else if (one_line)
		sb_addf(sb, " %s", vis);
	else /* the content indented under its label */
		for (char *p = vis, *nl; p; p = nl ? nl + 1 : NULL) {
			nl = strchr(p, '\n');
			sb_addf(sb, "\n  %.*s", (int)(nl ? (size_t)(nl - p) : strlen(p)), p);
		}
	free(vis);
}

static char *describe_input(const struct io_check *ic)
{
	struct strbuf sb = {0};
	if (ic->stdin_path) {
		char *data = NULL;
		size_t len = 0;
		int more = 0;
		char *label = xasprintf("stdin (%s)", ic->stdin_rel);
		if (read_file_head(ic->stdin_path, IO_INPUT_BYTES, &data, &len, &more) == 0)
			add_input(&sb, label, data, len, more);
		else
			sb_addf(&sb, "%s: (cannot be read: %s)", label, strerror(errno));
		free(label);
		free(data);
	} else if (ic->stdin_data) {
		add_input(&sb, "stdin", ic->stdin_data, ic->stdin_len, 0);
	}
	if (ic->nargs) {
		sb_addf(&sb, "%sargs:", sb.len ? "\n" : "");
		for (size_t i = 0; i < ic->nargs; i++) {
			sb_addc(&sb, ' ');
			sb_add_shell_word(&sb, 0, ic->args[i]);
		}
	}
	for (size_t i = 0; i < ic->nenv; i++)
		sb_addf(&sb, "%senv: %s", sb.len ? "\n" : "", ic->env[i]);
	for (size_t i = 0; i < ic->nfiles; i++) {
		char *label = xasprintf("file %s", ic->files[i].name);
		add_input(&sb, label, ic->files[i].data, ic->files[i].len, 0);
		free(label);
	}
	return sb.len ? sb_detach(&sb, NULL) : (sb_free(&sb), NULL);
}

static void describe_expected(struct strbuf *sb, const char *what, const struct matcher *m)
{
	char *e = excerpt(m->expected ? m->expected : "", m->expected_len);
	sb_addf(sb, "%s%s %s%s: %s", sb->len ? "\n" : "", what, m->negate ? "not " : "",
		match_kind_name(m->kind), e);
	free(e);
}

static char **build_env(const struct io_exercise *ie, const struct io_check *ic)
{
	static const char *const defaults[] = {"PATH=/usr/local/bin:/usr/bin:/bin",
					       "HOME=/work",
					       "LANG=C.UTF-8",
					       "USER=sandbox",
					       "LOGNAME=sandbox",
					       "TMPDIR=/tmp",
					       NULL};
	size_t n = 0, cap = 8 + ie->nenv + ic->nenv;
	char **env = xcalloc(cap, sizeof *env);
	const char *const *lists[] = {defaults, (const char *const *)ie->env,
				      (const char *const *)ic->env};
	size_t counts[] = {6, ie->nenv, ic->nenv};
	for (size_t l = 0; l < 3; l++) {
		for (size_t i = 0; i < counts[l]; i++) {
			const char *kv = lists[l][i];
			size_t klen = (size_t)(strchr(kv, '=') - kv) + 1;
			size_t j = 0;
			while (j < n && strncmp(env[j], kv, klen) != 0)
				j++;
			env[j] = (char *)kv; /* later lists override earlier ones */
			if (j == n)
				n++;
		}
	}
	return env;
}

static int io_grade_check(struct grading *g, size_t check, struct check_result *cr)
{
	const struct exercise *ex = g->ex;
	const struct ex_check *c = &ex->checks[check];
	const struct io_exercise *ie = ex->data;
	const struct io_check *ic = c->data;
	free(cr->input);
	cr->input = describe_input(ic);
	struct strbuf exp = {0};
	if (ic->check_exit)
		sb_addf(&exp, "exit code %d", ic->exit_code);
	if (ic->out)
		describe_expected(&exp, "stdout", ic->out);
	if (ic->err)
		describe_expected(&exp, "stderr", ic->err);
	for (size_t i = 0; i < ic->nexpect_files; i++) {
		char *what = xasprintf("file %s", ic->expect_files[i].path);
		describe_expected(&exp, what, &ic->expect_files[i].m);
		free(what);
	}
	free(cr->expected);
	cr->expected = sb_detach(&exp, NULL);

	char err[512];
	char *work = workdir_make(ex, g->sub, g->env, err, sizeof err);
	if (!work) {
		grade_error(cr, "cannot prepare the work dir: %s", err);
		return 0;
	}
	if (workdir_write_files(work, ic->files, ic->nfiles, err, sizeof err) != 0) {
		grade_error(cr, "cannot write an input file: %s", err);
		goto out;
	}

	const char **argv = xcalloc(ie->argc + ic->nargs + 1, sizeof *argv);
	for (size_t i = 0; i < ie->argc; i++)
		argv[i] = ie->argv[i];
	for (size_t i = 0; i < ic->nargs; i++)
		argv[ie->argc + i] = ic->args[i];
	char **envp = build_env(ie, ic);
	struct sbx_config cfg;
	grade_sandbox_config(&cfg, &c->limits);
	cfg.argv = argv;
	cfg.envp = (const char *const *)envp;
	cfg.workdir = work;
	cfg.stdin_path = ic->stdin_path;
	if (ic->stdin_data) {
		cfg.stdin_data = ic->stdin_data;
		cfg.stdin_len = ic->stdin_len;
	}
	struct sbx_result res = {0};
	int rc = sbx_run(&cfg, &res);
	free(argv);
	free(envp);
	if (rc != 0) {
		grade_error(cr, "the sandbox could not run the program: %s", res.message);
		sbx_result_free(&res);
		goto out;
	}
	if (!grade_apply_sandbox(cr, &res) || grade_missing_command(cr, &res, ie->argv[0])) {
		sbx_result_free(&res);
		goto out;
	}

	struct match_diff *diff = NULL;
	if (ic->check_exit && res.exit_code != ic->exit_code) {
		char *tail = res.err_len ? match_visible(res.err, res.err_len, 1500) : NULL;
		grade_fail(cr, NULL, "exited with code %d, expected %d%s%s", res.exit_code,
			   ic->exit_code, tail ? "; stderr:\n" : "", tail ? tail : "");
		free(tail);
	} else if (ic->out && match_run(ic->out, res.out, res.out_len, &diff) != 1) {
		grade_fail(cr, diff, "stdout: %s%s", diff ? diff->summary : "does not match",
			   res.out_truncated ? " (output was cut at the limit)" : "");
		grade_expectation_hint(cr, ic->out);
	} else if (ic->err && match_run(ic->err, res.err, res.err_len, &diff) != 1) {
		grade_fail(cr, diff, "stderr: %s", diff ? diff->summary : "does not match");
		grade_expectation_hint(cr, ic->err);
	} else {
		size_t i;
		for (i = 0; i < ic->nexpect_files; i++) {
			const struct io_expect_file *f = &ic->expect_files[i];
			char *data;
			size_t len;
			if (beneath_read(work, f->path, IO_MAX_READ, &data, &len) != 0) {
				grade_fail(cr, NULL, "file %s: %s", f->path,
					   errno == ENOENT  ? "the program did not write it"
					   : errno == ELOOP ? "is a symbolic link, not a file"
					   : errno == EFBIG ? "larger than 16 MiB"
							    : "cannot be read");
				break;
			}
			int ok = match_run(&f->m, data, len, &diff);
			free(data);
			if (ok != 1) {
				grade_fail(cr, diff, "file %s: %s", f->path,
					   diff ? diff->summary : "does not match");
				grade_expectation_hint(cr, &f->m);
				break;
			}
		}
		if (i == ic->nexpect_files)
			grade_pass(cr);
	}
	sbx_result_free(&res);
out:
	workdir_remove(work);
	return 0;
}

/* No prepare or finish: every check runs the program afresh in a work
 * dir of its own. */
const struct runner io_runner = {
    .kind = {.name = "io",
	     .exercise_keys = io_exercise_keys,
	     .check_keys = io_check_keys,
	     .load = io_load,
	     .load_check = io_load_check,
	     .free_check = io_free_check,
	     .free = io_free},
    .grade_check = io_grade_check,
};
