/*
 * pytest.c - the pytest kind: the exercise's own pytest files (kept in
 * the exercise folder, never taken from the learner) run against a copy
 * of the learner's files, once per visibility group: the visible checks'
 * test files in one pytest process, the hidden and after-due ones in
 * another, so learner code in the visible run never sees a hidden test.
 * A small plugin (runners/pytest_plugin.py, embedded in this file at
 * build time) writes one JSON record per test to a file named by the
 * grader; each record carries a per-run nonce, and only records with it
 * count. Each check then reads the records of the tests it selects.
 * docs/kinds/pytest.md is the reference, docs/security.md the limits.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "grader/grade/runner.h"
#include "grader/grade/workdir.h"
#include "grader/match/match.h"
#include "grader/util/util.h"
#include "runners/pytest_run.h"

static const char *const pt_exercise_keys[] = {"tests", "requires", "test_timeout", NULL};
static const char *const pt_check_keys[] = {"tests", "partial", NULL};

/* One selector of a check: a test file, or FILE::REST where REST names a
 * test, a class, a parametrized case, or is a pattern with * and ?. */
struct pt_selector {
	char *text; /* as written */
	char *file;
	int glob;
};

struct pt_check {
	struct pt_selector *sel;
	size_t nsel;
	char **files; /* the distinct test files the selectors name */
	size_t nfiles;
	int partial; /* the points are shared out over the selected tests */
};

struct pt_exercise {
	char **tests; /* relative paths of the test files */
	size_t ntests;
	char **requires;
	size_t nrequires;
	int tests_ok;        /* 'tests' loaded without problems */
	double test_timeout; /* per-test wall limit in seconds; 0: none */
};

/* ---- loading ---- */

static int valid_package_name(const char *s)
{
	if (!islower((unsigned char)s[0]) && !isdigit((unsigned char)s[0]))
		return 0;
	size_t n = 1;
	for (const char *p = s + 1; *p; p++, n++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
		    !strchr("+-.", *p))
			return 0;
	return n >= 2;
}

/* Whether a Debian package is installed: dpkg keeps a file list for each. */
static int package_installed(const char *name)
{
	static const char *const arch[] = {"", ":amd64", ":arm64", ":all", NULL};
	for (size_t i = 0; arch[i]; i++) {
		char path[512];
		snprintf(path, sizeof path, "/var/lib/dpkg/info/%s%s.list", name, arch[i]);
		if (access(path, F_OK) == 0)
			return 1;
	}
	return 0;
}

/* A test file of the exercise: a relative .py path that exists as a
 * regular file inside the exercise folder (not through a link out). */
static int check_test_file(const struct exercise *ex, const struct yaml_node *n, const char *rel,
			   struct diag *d)
{
	size_t len = strlen(rel);
	if (!path_is_contained(rel)) {
		yaml_error(d, n, "'%s' must be a relative path inside the exercise folder", rel);
		return -1;
	}
	if (len < 4 || strcmp(rel + len - 3, ".py") != 0) {
		yaml_error(d, n, "'%s' is not a Python file (a test file ends in .py)", rel);
		return -1;
	}
	if (strstr(rel, "::") || strpbrk(rel, "*?[")) {
		yaml_error(d, n, "'%s': list test files here; select tests in a check's 'tests'",
			   rel);
		return -1;
	}
	char *real = exercise_file_path(ex, n, rel, "test file", PT_MAX_TEST, d);
	int rc = real ? 0 : -1;
	free(real);
	return rc;
}

static int load_tests(struct exercise *ex, struct pt_exercise *pe, const struct yaml_node *n,
		      struct diag *d)
{
	const char **list;
	size_t count;
	if (yaml_to_str_list(n, "'tests'", &list, &count, d) != 0)
		return -1;
	if (count == 0) {
		yaml_error(d, n,
			   "'tests' must list at least one test file, e.g. [tests/test_cart.py]");
		free(list);
		return -1;
	}
	int bad = 0;
	pe->tests = xcalloc(count + 1, sizeof *pe->tests);
	for (size_t i = 0; i < count; i++) {
		const struct yaml_node *item = n->kind == YAML_SEQ ? n->items[i] : n;
		int dup = 0;
		for (size_t j = 0; j < pe->ntests; j++)
			dup |= !strcmp(pe->tests[j], list[i]);
		if (dup) {
			yaml_error(d, item, "test file '%s' is listed twice", list[i]);
			bad = 1;
		} else if (check_test_file(ex, item, list[i], d) != 0) {
			bad = 1;
		} else {
			pe->tests[pe->ntests++] = xstrdup(list[i]);
		}
	}
	free(list);
	return bad ? -1 : 0;
}

static int load_requires(struct pt_exercise *pe, const struct yaml_node *n, struct diag *d)
{
	const char **list;
	size_t count;
	if (yaml_to_str_list(n, "'requires'", &list, &count, d) != 0)
		return -1;
	int bad = 0;
	pe->requires = xcalloc(count + 1, sizeof *pe->requires);
	for (size_t i = 0; i < count; i++) {
		const struct yaml_node *item = n->kind == YAML_SEQ ? n->items[i] : n;
		if (!valid_package_name(list[i])) {
			yaml_error(d, item,
				   "'%s' is not a Debian package name (e.g. python3-flask)",
				   list[i]);
			bad = 1;
			continue;
		}
		if (!package_installed(list[i]))
			diag_add(d, DIAG_WARNING, item->file, item->line, item->col,
				 "package %s is not installed on this machine; its tests will fail "
				 "until it is (apt-get install %s)",
				 list[i], list[i]);
		pe->requires[pe->nrequires++] = xstrdup(list[i]);
	}
	free(list);
	return bad ? -1 : 0;
}

static int pt_load(struct exercise *ex, const struct yaml_node *spec, struct diag *d)
{
	struct pt_exercise *pe = xcalloc(1, sizeof *pe);
	ex->data = pe;
	int bad = 0;
	const struct yaml_node *v;
	if (!(v = yaml_get(spec, "tests"))) {
		yaml_error(d, spec,
			   "missing key 'tests': the exercise's pytest files, e.g. tests: "
			   "[tests/test_cart.py]");
		bad = 1;
	} else if (load_tests(ex, pe, v, d) != 0) {
		bad = 1;
	} else {
		pe->tests_ok = 1;
	}
	if ((v = yaml_get(spec, "requires")) && load_requires(pe, v, d) != 0)
		bad = 1;
	if ((v = yaml_get(spec, "test_timeout"))) {
		if (yaml_to_duration(v, "'test_timeout'", &pe->test_timeout, d) != 0) {
			bad = 1;
		} else if (pe->test_timeout <= 0) {
			yaml_error(d, v, "'test_timeout' must be more than 0 s");
			bad = 1;
		} else if (pe->test_timeout > ex->limits.wall_s && ex->limits.wall_s > 0) {
			yaml_error(d, v,
				   "'test_timeout' (%.1f s) is longer than the whole run's wall "
				   "limit (%.1f s)",
				   pe->test_timeout, ex->limits.wall_s);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

static void add_file(struct pt_check *pc, const char *file)
{
	for (size_t i = 0; i < pc->nfiles; i++)
		if (!strcmp(pc->files[i], file))
			return;
	pc->files = xrealloc(pc->files, (pc->nfiles + 1) * sizeof *pc->files);
	pc->files[pc->nfiles++] = xstrdup(file);
}

/* One selector: FILE or FILE::REST, FILE one of the exercise's tests. */
static int load_selector(const struct exercise *ex, struct pt_check *pc, const struct yaml_node *n,
			 const char *text, struct diag *d)
{
	const struct pt_exercise *pe = ex->data;
	const char *sep = strstr(text, "::");
	size_t flen = sep ? (size_t)(sep - text) : strlen(text);
	char *file = xstrndup(text, flen);
	if (sep && !sep[2]) {
		yaml_error(d, n, "'%s' names no test after '::'", text);
		free(file);
		return -1;
	}
	if (strpbrk(file, "*?[")) {
		yaml_error(d, n,
			   "'%s': the file part of a selector cannot be a pattern; name one of "
			   "the exercise's test files",
			   text);
		free(file);
		return -1;
	}
	int known = 0;
	for (size_t i = 0; pe && i < pe->ntests; i++)
		known |= !strcmp(pe->tests[i], file);
	if (!known) {
		if (pe && pe->tests_ok) {
			const char *near = closest_word(file, (const char *const *)pe->tests);
			if (near)
				yaml_error(d, n,
					   "'%s' is not one of the exercise's test files (did you "
					   "mean '%s'?)",
					   file, near);
			else
				yaml_error(d, n,
					   "'%s' is not one of the exercise's test files (list it "
					   "in the exercise's 'tests')",
					   file);
		}
		free(file);
		return -1;
	}
	struct pt_selector *s = &pc->sel[pc->nsel++];
	s->text = xstrdup(text);
	s->file = file;
	s->glob = sep && strpbrk(sep + 2, "*?") != NULL;
	add_file(pc, file);
	return 0;
}

/* A test file shared by checks of different visibility would put the
 * hidden tests' code into the visible run, where learner code can read
 * it: refused, so separation holds by construction. */
static int check_shared_files(const struct exercise *ex, const struct ex_check *c,
			      const struct pt_check *pc, const struct yaml_node *n, struct diag *d)
{
	for (size_t j = 0; j < ex->nchecks && &ex->checks[j] != c; j++) {
		const struct ex_check *o = &ex->checks[j];
		const struct pt_check *opc = o->data;
		if (!opc || o->visibility == c->visibility)
			continue;
		for (size_t a = 0; a < pc->nfiles; a++)
			for (size_t b = 0; b < opc->nfiles; b++)
				if (!strcmp(pc->files[a], opc->files[b])) {
					yaml_error(
					    d, n,
					    "test file '%s' is used by %s check '%s' and "
					    "%s check '%s': a visible run would load the "
					    "hidden tests; give hidden tests a file of their "
					    "own",
					    pc->files[a], visibility_name(c->visibility),
					    c->name ? c->name : "?", visibility_name(o->visibility),
					    o->name ? o->name : "?");
					return -1;
				}
	}
	return 0;
}

static int pt_load_check(const struct exercise *ex, struct ex_check *c, struct diag *d)
{
	struct pt_check *pc = xcalloc(1, sizeof *pc);
	c->data = pc;
	const struct yaml_node *v = yaml_get(c->spec, "tests"), *lim, *part;
	int bad = 0;
	if ((part = yaml_get(c->spec, "partial")) &&
	    yaml_to_bool(part, "'partial'", &pc->partial, d) != 0)
		bad = 1;
	if ((lim = yaml_get(c->spec, "limits"))) {
		yaml_error(d, lim,
			   "a pytest check cannot have its own 'limits': its tests run in one "
			   "pytest process with the exercise's limits; set them on the exercise");
		bad = 1;
	}
	if (!v) {
		yaml_error(
		    d, c->spec,
		    "check '%s' has no 'tests' (the tests it scores: a file, "
		    "FILE::test_name, FILE::TestClass, or a pattern like FILE::test_price_*)",
		    c->name ? c->name : "?");
		return -1;
	}
	const char **list;
	size_t count;
	if (yaml_to_str_list(v, "'tests'", &list, &count, d) != 0)
		return -1;
	if (count == 0) {
		yaml_error(d, v, "'tests' must select at least one test");
		free(list);
		return -1;
	}
	pc->sel = xcalloc(count, sizeof *pc->sel);
	for (size_t i = 0; i < count; i++) {
		const struct yaml_node *item = v->kind == YAML_SEQ ? v->items[i] : v;
		if (load_selector(ex, pc, item, list[i], d) != 0)
			bad = 1;
	}
	free(list);
	if (!bad && check_shared_files(ex, c, pc, v, d) != 0)
		bad = 1;
	return bad ? -1 : 0;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void pt_free_check(struct ex_check *c)
{
	struct pt_check *pc = c->data;
	if (!pc)
		return;
	for (size_t i = 0; i < pc->nsel; i++) {
		free(pc->sel[i].text);
		free(pc->sel[i].file);
	}
	free(pc->sel);
	free_list(pc->files, pc->nfiles);
	free(pc);
	c->data = NULL;
}

static void pt_free(struct exercise *ex)
{
	struct pt_exercise *pe = ex->data;
	if (!pe)
		return;
	free_list(pe->tests, pe->ntests);
	free_list(pe->requires, pe->nrequires);
	free(pe);
	ex->data = NULL;
}

struct pt_state {
	struct pt_run run[2]; /* 0: visible checks, 1: hidden and after-due */
};

static int pt_prepare(struct grading *g)
{
	const struct exercise *ex = g->ex;
	struct pt_state *st = xcalloc(1, sizeof *st);
	g->state = st;
	for (int grp = 0; grp < 2; grp++) {
		struct pt_suite_file *files = NULL;
		size_t nfiles = 0;
		for (size_t i = 0; i < ex->nchecks; i++) {
			const struct pt_check *pc = ex->checks[i].data;
			if (!pc || (g->rep->checks[i].hidden != 0) != grp)
				continue;
			for (size_t f = 0; f < pc->nfiles; f++) {
				size_t k = 0;
				while (k < nfiles && strcmp(files[k].to, pc->files[f]) != 0)
					k++;
				if (k == nfiles) {
					files = xrealloc(files, (nfiles + 1) * sizeof *files);
					files[nfiles++] = (struct pt_suite_file){
					    .root = ex->dir, .from = pc->files[f], .to = pc->files[f]};
				}
			}
		}
		const struct pt_exercise *pe = ex->data;
		struct pt_suite suite = {.files = files,
					 .nfiles = nfiles,
					 .test_timeout = pe->test_timeout,
					 .limits = &ex->limits};
		/* The visible and the hidden run go side by side: each is its
		 * own sandbox, so they share nothing but the machine. */
		int rc = nfiles ? pt_run_start(g, &st->run[grp], &suite) : 0;
		free(files);
		if (rc != 0)
			return -1;
	}
	for (int grp = 0; grp < 2; grp++)
		if (st->run[grp].used)
			pt_run_wait(&st->run[grp]);
	/* Not one record from any run: the suite could not run at all. */
	const struct pt_run *vis = &st->run[0], *hid = &st->run[1];
	if ((!vis->used || !vis->nrecords) && (!hid->used || !hid->nrecords)) {
		const struct pt_run *r = vis->used ? vis : hid;
		char *why = pt_describe_early_end(r, r == vis);
		grading_message(g, "the test suite could not run: %s", why);
		free(why);
		return GRADE_PREPARE_FAILED;
	}
	return 0;
}

/* ---- one check ---- */

/* A selector matches a node id exactly, as a prefix ending at '::', '['
 * or ' [' (a file, a class, a parametrized test's cases, a test's
 * subtests), or as a pattern. */
static int selects(const struct pt_selector *s, const char *id)
{
	if (s->glob)
		return pt_glob_match(s->text, id);
	size_t n = strlen(s->text);
	return !strncmp(s->text, id, n) && (!id[n] || id[n] == '[' || !strncmp(id + n, "::", 2) ||
					    !strncmp(id + n, " [", 2));
}

/* The shared diff of a failed == on long values: the right side as what
 * was expected (assert got == want), the left as what the code gave. */
static struct match_diff *compare_diff(const struct pt_result *res)
{
	if (!res->left || !res->right)
		return NULL;
	struct matcher m;
	struct match_diff *diff = NULL;
	matcher_init_text(&m, MATCH_EXACT, res->right, strlen(res->right));
	if (match_run(&m, res->left, strlen(res->left), &diff) != 0 && diff) {
		match_diff_free(diff);
		diff = NULL;
	}
	matcher_free(&m);
	return diff;
}

/* Does a result count as one of a check's cases? A test that reported
 * subtests and passed is counted by its subtests instead. */
static int is_case(const struct pt_result *res)
{
	return !(res->subtests > 0 && !strcmp(res->outcome, "passed"));
}

/* What the check ran, for the report's input (Exercism's test_code): the
 * selected tests' names and sources, capped. */
static char *tests_code(const struct pt_run *r, const struct pt_result *const *cases, size_t n,
			int *task)
{
	struct strbuf sb = {0};
	int t = -1;
	for (size_t i = 0; i < n; i++) {
		const struct pt_test *pt = pt_test_find(r, cases[i]->id);
		if (!pt)
			continue;
		t = t < 0 || t == pt->task ? pt->task : 0;
		/* a parametrized test's cases share one source: show it once */
		int seen = 0;
		for (size_t k = 0; k < i && !seen; k++) {
			const struct pt_test *q = pt_test_find(r, cases[k]->id);
			seen = q && !strcmp(q->code, pt->code);
		}
		if (!seen && sb.len < 1500)
			sb_addf(&sb, "%s# %s\n%s", sb.len ? "\n" : "", pt->name, pt->code);
	}
	*task = t > 0 ? t : 0;
	if (!sb.len)
		return NULL;
	char *out = match_visible(sb.buf, sb.len, 2000);
	sb_free(&sb);
	return out;
}

static int pt_grade_check(struct grading *g, size_t check, struct check_result *cr)
{
	const struct ex_check *c = &g->ex->checks[check];
	const struct pt_check *pc = c->data;
	const struct pt_state *st = g->state;
	const struct pt_run *r = &st->run[cr->hidden ? 1 : 0];
	struct strbuf names = {0}, fails = {0};
	size_t nfail = 0;
	const struct pt_result **cases = NULL;
	size_t ncases = 0;
	const struct pt_result *first = NULL;
	for (size_t s = 0; s < pc->nsel; s++)
		sb_addf(&names, "%s%s", s ? ", " : "", pc->sel[s].text);
	free(cr->expected);
	cr->expected = xasprintf("every selected test passes: %s", names.buf);
	sb_free(&names);

	if (r->tampered) {
		grade_fail(cr, NULL,
			   "the code under test replaced part of pytest or of the grader's "
			   "plugin (%s): no result of this run counts",
			   r->tampered);
		free(cr->summary);
		cr->summary = xstrdup("the code under test tampered with the test run");
		return 0;
	}
	for (size_t s = 0; s < pc->nsel; s++) {
		const struct pt_selector *sel = &pc->sel[s];
		size_t matched = 0;
		for (size_t i = 0; i < r->nresults; i++) {
			const struct pt_result *res = &r->results[i];
			if (!selects(sel, res->id))
				continue;
			matched++;
			size_t k = 0; /* two selectors may name the same test */
			while (k < ncases && cases[k] != res)
				k++;
			if (k < ncases || !is_case(res))
				continue;
			cases = xrealloc(cases, (ncases + 1) * sizeof *cases);
			cases[ncases++] = res;
			if (strcmp(res->outcome, "passed") != 0 && nfail++ == 0)
				first = res;
		}
		if (matched)
			continue;
		/* No record for this selector: never a pass. */
		const char *cerr = pt_collect_error(r, sel->file);
		if (cerr) {
			char *msg = match_visible(cerr, strlen(cerr), PT_MAX_MSG);
			grade_fail(cr, NULL, "%s could not be collected: %s", sel->file, msg);
			free(msg);
			free(cr->summary);
			cr->summary = xstrdup("a test file could not be imported");
		} else if (!pt_run_completed(r)) {
			char *why = pt_describe_early_end(r, !cr->hidden);
			if (r->res.verdict != SBX_OK)
				grade_apply_sandbox(cr, &r->res);
			grade_fail(cr, NULL, "test %s did not report: %s", sel->text, why);
			free(why);
			free(cr->summary);
			cr->summary = xstrdup("the tests did not all report");
		} else {
			grade_error(cr,
				    "no test matches '%s': the run finished without it (check the "
				    "selector against the test file)",
				    sel->text);
		}
		free(cases);
		return 0;
	}
	int task = 0;
	char *code = tests_code(r, cases, ncases, &task);
	cr->task_id = task;
	if (code) {
		free(cr->input);
		cr->input = code;
	}
	if (nfail) {
		pt_describe_failure(&fails, first, 1);
		if (nfail > 1)
			sb_addf(&fails, "\n(and %zu more of %zu selected tests did not pass)",
				nfail - 1, ncases);
		grade_fail(cr, compare_diff(first), "%s", fails.buf);
		if (pc->partial)
			cr->fraction = (double)(ncases - nfail) / (double)ncases;
		free(cr->summary);
		cr->summary = xasprintf("%zu of %zu %stest%s failed", nfail, ncases,
					cr->hidden ? "hidden " : "", ncases == 1 ? "" : "s");
	} else {
		grade_pass(cr);
	}
	sb_free(&fails);
	free(cases);
	return 0;
}

static void pt_finish(struct grading *g)
{
	struct pt_state *st = g->state;
	if (!st)
		return;
	pt_run_free(&st->run[0]);
	pt_run_free(&st->run[1]);
	free(st);
	g->state = NULL;
}

const struct runner pytest_runner = {
    .kind = {.name = "pytest",
	     .exercise_keys = pt_exercise_keys,
	     .check_keys = pt_check_keys,
	     .load = pt_load,
	     .load_check = pt_load_check,
	     .free_check = pt_free_check,
	     .free = pt_free},
    .prepare = pt_prepare,
    .grade_check = pt_grade_check,
    .finish = pt_finish,
};
