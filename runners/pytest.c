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

/* The plugin's source, embedded so no install path can go stale. The
 * Makefile makes pytest.o depend on the .py file. */
__asm__(".section .rodata\n"
	".global grader_pytest_plugin_src\n"
	"grader_pytest_plugin_src:\n"
	".incbin \"runners/pytest_plugin.py\"\n"
	".byte 0\n"
	".previous\n");
extern const char grader_pytest_plugin_src[];

#define PT_MAX_RECORDS (8u << 20) /* the records file, read back */
#define PT_MAX_MSG     1500       /* one test's message in a check's */
#define PT_MAX_TEST    (1u << 20) /* a test file of the exercise */
/* The test dir inside the sandbox (its paths are spelt out in run_group). */
#define PT_BIND   "/pytest"
#define PT_PYTHON "/usr/bin/python3"

static const char *const pt_exercise_keys[] = {"tests", "requires", "test_timeout", NULL};
static const char *const pt_check_keys[] = {"tests", NULL};

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
	const struct yaml_node *v = yaml_get(c->spec, "tests"), *lim;
	int bad = 0;
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

/* ---- one run of pytest ---- */

struct pt_result {
	char *id, *outcome, *msg, *where;
	char *out, *err; /* a failed test's captured output (capped by the plugin) */
};

struct pt_collect {
	char *id, *msg;
};

struct pt_run {
	int used; /* the group has checks, and its run was attempted */
	struct sbx_result res;
	struct pt_result *results;
	size_t nresults;
	struct pt_collect *collect;
	size_t ncollect;
	char *running;   /* the last test that started and did not finish */
	int finished;    /* the plugin's finish record arrived */
	int exit_status; /* pytest's, from the finish record */
	size_t nrecords; /* records with the nonce */
	char *work, *testdir;
};

struct pt_state {
	struct pt_run run[2]; /* 0: visible checks, 1: hidden and after-due */
};

static char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? xstrdup(v->valuestring) : xstrdup("");
}

/* Reads the records file: every line that parses and carries the nonce. */
static void parse_records(struct pt_run *r, const char *data, size_t len, const char *nonce)
{
	const char *p = data, *end = data + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		cJSON *o = cJSON_ParseWithLength(p, n);
		p += n + 1;
		if (!o)
			continue;
		const cJSON *nn = cJSON_GetObjectItemCaseSensitive(o, "n");
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "t");
		if (!cJSON_IsString(nn) || strcmp(nn->valuestring, nonce) != 0 ||
		    !cJSON_IsString(t)) {
			cJSON_Delete(o);
			continue;
		}
		r->nrecords++;
		const char *type = t->valuestring;
		if (!strcmp(type, "start")) {
			free(r->running);
			r->running = json_str(o, "id");
		} else if (!strcmp(type, "result")) {
			r->results = xrealloc(r->results, (r->nresults + 1) * sizeof *r->results);
			struct pt_result *res = &r->results[r->nresults++];
			res->id = json_str(o, "id");
			res->outcome = json_str(o, "outcome");
			res->msg = json_str(o, "msg");
			res->where = json_str(o, "where");
			res->out = json_str(o, "out");
			res->err = json_str(o, "err");
			if (r->running && !strcmp(r->running, res->id)) {
				free(r->running);
				r->running = NULL;
			}
		} else if (!strcmp(type, "collect")) {
			r->collect = xrealloc(r->collect, (r->ncollect + 1) * sizeof *r->collect);
			r->collect[r->ncollect].id = json_str(o, "id");
			r->collect[r->ncollect].msg = json_str(o, "msg");
			r->ncollect++;
		} else if (!strcmp(type, "finish")) {
			const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "exit");
			r->finished = 1;
			r->exit_status = cJSON_IsNumber(e) ? e->valueint : -1;
		}
		cJSON_Delete(o);
	}
}

static int random_hex(char *out, size_t nbytes)
{
	unsigned char buf[32];
	if (nbytes > sizeof buf)
		return -1;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t got = read(fd, buf, nbytes);
	close(fd);
	if (got != (ssize_t)nbytes)
		return -1;
	for (size_t i = 0; i < nbytes; i++)
		sprintf(out + 2 * i, "%02x", buf[i]);
	return 0;
}

/* The read-only dir bound at /pytest: suite/ (the group's test files, at
 * their paths in the exercise folder), lib/ (the plugin) and pytest.ini
 * (the only configuration pytest reads). */
static char *make_testdir(const struct grading *g, char **files, size_t nfiles, char *err,
			  size_t errlen)
{
	char *dir = xasprintf("%s/pytest-XXXXXX", g->env->scratch);
	if (!mkdtemp(dir)) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		free(dir);
		return NULL;
	}
	static const char ini[] = "# written by the grader: the only configuration pytest reads\n"
				  "[pytest]\n"
				  "addopts =\n"
				  "python_files = test_*.py *_test.py\n"
				  "python_classes = Test*\n"
				  "python_functions = test*\n";
	int rc = chmod(dir, 0755);
	rc = rc ? rc : beneath_write(dir, "pytest.ini", ini, sizeof ini - 1, 0644);
	rc = rc ? rc
		: beneath_write(dir, "lib/grader_pytest_plugin.py", grader_pytest_plugin_src,
				strlen(grader_pytest_plugin_src), 0644);
	for (size_t i = 0; rc == 0 && i < nfiles; i++) {
		char *src = path_join(g->ex->dir, files[i]), *data = NULL, *rel;
		size_t len;
		rel = xasprintf("suite/%s", files[i]);
		rc = read_file(src, PT_MAX_TEST, &data, &len);
		rc = rc ? rc : beneath_write(dir, rel, data, len, 0644);
		free(data);
		free(rel);
		free(src);
	}
	if (rc != 0) {
		snprintf(err, errlen, "cannot write the test dir %s: %s", dir, strerror(errno));
		rm_rf(dir);
		free(dir);
		return NULL;
	}
	/* beneath_write makes folders private; the sandbox's uid must read them. */
	static const char *const subdirs[] = {"lib", "suite", NULL};
	for (size_t i = 0; subdirs[i]; i++) {
		char *p = path_join(dir, subdirs[i]);
		chmod(p, 0755);
		free(p);
	}
	for (size_t i = 0; i < nfiles; i++) {
		char *p = xasprintf("%s/suite/%s", dir, files[i]);
		for (char *s = strrchr(p, '/'); s && s > p + strlen(dir) + 6; s = strrchr(p, '/')) {
			*s = '\0';
			chmod(p, 0755);
		}
		free(p);
	}
	return dir;
}

static void run_free(struct pt_run *r)
{
	for (size_t i = 0; i < r->nresults; i++) {
		free(r->results[i].id);
		free(r->results[i].outcome);
		free(r->results[i].msg);
		free(r->results[i].where);
		free(r->results[i].out);
		free(r->results[i].err);
	}
	free(r->results);
	for (size_t i = 0; i < r->ncollect; i++) {
		free(r->collect[i].id);
		free(r->collect[i].msg);
	}
	free(r->collect);
	free(r->running);
	if (r->used)
		sbx_result_free(&r->res);
	if (r->work)
		workdir_remove(r->work);
	if (r->testdir) {
		rm_rf(r->testdir);
		free(r->testdir);
	}
	memset(r, 0, sizeof *r);
}

/* Runs pytest once over files for one group. 0 when it ran (whatever it
 * reported), -1 with g->message when it could not be started. */
static int run_group(struct grading *g, struct pt_run *r, char **files, size_t nfiles)
{
	char err[512], nonce[33], token[33];
	r->used = 1;
	if (random_hex(nonce, 16) != 0 || random_hex(token, 16) != 0) {
		grading_message(g, "cannot read /dev/urandom: %s", strerror(errno));
		return -1;
	}
	if (!(r->work = workdir_make(g->ex, g->sub, g->env, err, sizeof err)) ||
	    !(r->testdir = make_testdir(g, files, nfiles, err, sizeof err))) {
		grading_message(g, "cannot prepare the pytest run: %s", err);
		return -1;
	}
	char *records = xasprintf(".grader-records-%s.jsonl", token);
	char *records_env = xasprintf("GRADER_PYTEST_RECORDS=/work/%s", records);
	const struct pt_exercise *pe = g->ex->data;
	char *timeout_env = xasprintf("GRADER_PYTEST_TEST_TIMEOUT=%.3f", pe->test_timeout);
	const char *env[] = {"PATH=/usr/bin:/bin",
			     "HOME=/work",
			     "LANG=C.UTF-8",
			     "USER=sandbox",
			     "LOGNAME=sandbox",
			     "TMPDIR=/tmp",
			     "PYTHONDONTWRITEBYTECODE=1",
			     "PYTHONNOUSERSITE=1",
			     "PYTHONPATH=/pytest/lib",
			     "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1",
			     "GRADER_PYTEST_LEARNER=/work",
			     records_env,
			     timeout_env,
			     NULL};
	size_t fixed = 20;
	const char **argv = xcalloc(fixed + nfiles + 1, sizeof *argv);
	const char *head[] = {PT_PYTHON,
			      "-s", /* no user site: $HOME/.local is the learner's */
			      "-P", /* no current dir on sys.path: /work is the learner's */
			      "-B",
			      "-m",
			      "pytest",
			      "-p",
			      "no:cacheprovider",
			      "--noconftest",
			      "--continue-on-collection-errors",
			      "-c",
			      "/pytest/pytest.ini",
			      "--rootdir=/pytest/suite",
			      "-p",
			      "grader_pytest_plugin",
			      "-q",
			      "--color=no",
			      "-rN",
			      "--tb=short",
			      "--disable-warnings"};
	for (size_t i = 0; i < fixed; i++)
		argv[i] = head[i];
	char **paths = xcalloc(nfiles + 1, sizeof *paths);
	for (size_t i = 0; i < nfiles; i++)
		argv[fixed + i] = paths[i] = xasprintf(PT_BIND "/suite/%s", files[i]);
	/* The nonce goes on stdin: the plugin reads it before any learner
	 * code runs, so it is in no environment (/proc/self/environ). */
	char *stdin_data = xasprintf("%s\n", nonce);
	struct sbx_bind bind = {.src = r->testdir, .dst = PT_BIND, .writable = 0};
	struct sbx_config cfg;
	grade_sandbox_config(&cfg, &g->ex->limits);
	cfg.argv = argv;
	cfg.envp = env;
	cfg.workdir = r->work;
	cfg.binds = &bind;
	cfg.nbinds = 1;
	cfg.stdin_data = stdin_data;
	cfg.stdin_len = strlen(stdin_data);
	int rc = sbx_run(&cfg, &r->res);
	free(stdin_data);
	free_list(paths, nfiles);
	free(argv);
	free(records_env);
	free(timeout_env);
	if (rc != 0) {
		grading_message(g, "the sandbox could not run pytest: %s", r->res.message);
		free(records);
		return -1;
	}
	char *data;
	size_t len;
	if (beneath_read(r->work, records, PT_MAX_RECORDS, &data, &len) == 0) {
		parse_records(r, data, len, nonce);
		free(data);
	}
	free(records);
	return 0;
}

/* Why a run produced no usable records, in words a learner can act on. */
static char *describe_early_end(const struct pt_run *r, int with_stderr)
{
	const struct sbx_result *res = &r->res;
	struct strbuf sb = {0};
	switch (res->verdict) {
	case SBX_WALL_TIMEOUT:
		sb_addf(&sb, "timed out after %.1f s of wall time", res->wall_s);
		break;
	case SBX_CPU_TIMEOUT:
		sb_addf(&sb, "used too much CPU time (%.1f s)", res->cpu_s);
		break;
	case SBX_MEMORY_LIMIT:
		sb_addf(&sb, "ran out of memory (peak %.1f MiB)",
			(double)res->peak_bytes / 1048576.0);
		break;
	case SBX_PROCESS_LIMIT:
		sb_adds(&sb, "started more processes than allowed");
		break;
	case SBX_OUTPUT_LIMIT:
		sb_addf(&sb, "wrote more output than allowed (%s)", res->message);
		break;
	case SBX_SYSCALL_DENIED:
		sb_addf(&sb, "made a forbidden system call (%s)",
			res->denied_syscall[0] ? res->denied_syscall : "unknown");
		break;
	case SBX_RUNTIME_ERROR:
		sb_addf(&sb, "the Python interpreter crashed with signal %d (%s)", res->signal,
			strsignal(res->signal));
		break;
	case SBX_INTERNAL_ERROR:
		sb_addf(&sb, "the sandbox failed: %s", res->message);
		break;
	case SBX_OK:
		if (r->finished && r->exit_status == 5)
			sb_adds(&sb, "pytest collected no tests");
		else if (r->finished)
			sb_addf(&sb,
				"pytest stopped with status %d (interrupted, or an internal "
				"error) before this test ran",
				r->exit_status);
		else
			sb_addf(&sb,
				"the run ended early with exit status %d (does the code call "
				"sys.exit() or os._exit()?)",
				res->exit_code);
		break;
	}
	if (r->running)
		sb_addf(&sb, " while test %s was running", r->running);
	if (with_stderr && res->verdict == SBX_OK && !r->finished && res->err_len) {
		size_t start = res->err_len > 600 ? res->err_len - 600 : 0;
		char *tail = match_visible(res->err + start, res->err_len - start, 600);
		sb_addf(&sb, "; stderr ends with:\n%s", tail);
		free(tail);
	}
	return sb_detach(&sb, NULL);
}

static int pt_prepare(struct grading *g)
{
	const struct exercise *ex = g->ex;
	struct pt_state *st = xcalloc(1, sizeof *st);
	g->state = st;
	for (int grp = 0; grp < 2; grp++) {
		char **files = NULL;
		size_t nfiles = 0;
		for (size_t i = 0; i < ex->nchecks; i++) {
			const struct pt_check *pc = ex->checks[i].data;
			if (!pc || (g->rep->checks[i].hidden != 0) != grp)
				continue;
			for (size_t f = 0; f < pc->nfiles; f++) {
				size_t k = 0;
				while (k < nfiles && strcmp(files[k], pc->files[f]) != 0)
					k++;
				if (k == nfiles) {
					files = xrealloc(files, (nfiles + 1) * sizeof *files);
					files[nfiles++] = pc->files[f];
				}
			}
		}
		int rc = nfiles ? run_group(g, &st->run[grp], files, nfiles) : 0;
		free(files);
		if (rc != 0)
			return -1;
	}
	/* Not one record from any run: the suite could not run at all. */
	const struct pt_run *vis = &st->run[0], *hid = &st->run[1];
	if ((!vis->used || !vis->nrecords) && (!hid->used || !hid->nrecords)) {
		const struct pt_run *r = vis->used ? vis : hid;
		char *why = describe_early_end(r, r == vis);
		grading_message(g, "the test suite could not run: %s", why);
		free(why);
		return GRADE_PREPARE_FAILED;
	}
	return 0;
}

/* ---- one check ---- */

static int glob_match(const char *pat, const char *s)
{
	for (; *pat; pat++, s++) {
		if (*pat == '*') {
			for (const char *t = s;; t++) {
				if (glob_match(pat + 1, t))
					return 1;
				if (!*t)
					return 0;
			}
		}
		if (!*s || (*pat != '?' && *pat != *s))
			return 0;
	}
	return !*s;
}

/* A selector matches a node id exactly, as a prefix ending at '::' or
 * '[' (a file, a class, a parametrized test's cases), or as a pattern. */
static int selects(const struct pt_selector *s, const char *id)
{
	if (s->glob)
		return glob_match(s->text, id);
	size_t n = strlen(s->text);
	return !strncmp(s->text, id, n) && (!id[n] || id[n] == '[' || !strncmp(id + n, "::", 2));
}

static const char *collect_error(const struct pt_run *r, const char *file)
{
	for (size_t i = 0; i < r->ncollect; i++)
		if (!strcmp(r->collect[i].id, file))
			return r->collect[i].msg;
	return NULL;
}

static void add_failure(struct strbuf *sb, const struct pt_result *res)
{
	char *msg = match_visible(res->msg, strlen(res->msg), PT_MAX_MSG);
	if (!strcmp(res->outcome, "skipped"))
		sb_addf(sb, "test %s was skipped%s%s", res->id, *msg ? ": " : "", msg);
	else if (!strcmp(res->outcome, "xfail"))
		sb_addf(sb, "test %s was reported as an expected failure (xfail)", res->id);
	else
		sb_addf(sb, "test %s %s%s%s%s%s", res->id,
			!strcmp(res->outcome, "error") ? "errored" : "failed",
			*res->where ? " at " : "", res->where, *msg ? ": " : "", msg);
	free(msg);
	const char *what[] = {"stdout", "stderr"}, *text[] = {res->out, res->err};
	for (size_t i = 0; i < 2; i++) {
		if (!text[i] || !*text[i])
			continue;
		char *t = match_visible(text[i], strlen(text[i]), 600);
		sb_addf(sb, "\ncaptured %s:\n%s", what[i], t);
		free(t);
	}
}

static int pt_grade_check(struct grading *g, size_t check, struct check_result *cr)
{
	const struct ex_check *c = &g->ex->checks[check];
	const struct pt_check *pc = c->data;
	const struct pt_state *st = g->state;
	const struct pt_run *r = &st->run[cr->hidden ? 1 : 0];
	struct strbuf names = {0}, fails = {0};
	size_t nfail = 0, total = 0;
	for (size_t s = 0; s < pc->nsel; s++)
		sb_addf(&names, "%s%s", s ? ", " : "", pc->sel[s].text);
	free(cr->expected);
	cr->expected = xasprintf("every selected test passes: %s", names.buf);
	sb_free(&names);

	for (size_t s = 0; s < pc->nsel; s++) {
		const struct pt_selector *sel = &pc->sel[s];
		size_t matched = 0;
		for (size_t i = 0; i < r->nresults; i++) {
			const struct pt_result *res = &r->results[i];
			if (!selects(sel, res->id))
				continue;
			matched++;
			if (strcmp(res->outcome, "passed") != 0) {
				if (nfail++ == 0)
					add_failure(&fails, res);
			}
		}
		total += matched;
		if (matched)
			continue;
		/* No record for this selector: never a pass. */
		const char *cerr = collect_error(r, sel->file);
		if (cerr) {
			char *msg = match_visible(cerr, strlen(cerr), PT_MAX_MSG);
			grade_fail(cr, NULL, "%s could not be collected: %s", sel->file, msg);
			free(msg);
		} else if (r->res.verdict != SBX_OK || !r->finished ||
			   (r->exit_status != 0 && r->exit_status != 1)) {
			char *why = describe_early_end(r, !cr->hidden);
			if (r->res.verdict != SBX_OK)
				grade_apply_sandbox(cr, &r->res);
			grade_fail(cr, NULL, "test %s did not report: %s", sel->text, why);
			free(why);
		} else {
			grade_error(cr,
				    "no test matches '%s': the run finished without it (check the "
				    "selector against the test file)",
				    sel->text);
		}
		sb_free(&fails);
		return 0;
	}
	if (nfail) {
		if (nfail > 1)
			sb_addf(&fails, " (and %zu more of %zu selected tests did not pass)",
				nfail - 1, total);
		grade_fail(cr, NULL, "%s", fails.buf);
	} else {
		grade_pass(cr);
	}
	sb_free(&fails);
	return 0;
}

static void pt_finish(struct grading *g)
{
	struct pt_state *st = g->state;
	if (!st)
		return;
	run_free(&st->run[0]);
	run_free(&st->run[1]);
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
