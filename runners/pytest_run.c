/*
 * pytest_run.c - one run of pytest in the sandbox (pytest_run.h): the
 * test dir bound read-only at /pytest (suite/, the grader's plugin in
 * lib/, the only pytest.ini read), the command line and environment that
 * keep the learner's configuration out, the per-run nonce on stdin, and
 * the records file read back. The plugin (runners/pytest_plugin.py) is
 * embedded here at build time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "grader/grade/workdir.h"
#include "grader/match/match.h"
#include "grader/util/util.h"
#include "runners/pytest_run.h"

#define PT_BIND   "/pytest"
#define PT_PYTHON "/usr/bin/python3"

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
static char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? xstrdup(v->valuestring) : xstrdup("");
}

/* The strings of an array member, one a line; NULL when there are none. */
static char *json_lines(const cJSON *o, const char *key)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key), *e;
	struct strbuf sb = {0};
	cJSON_ArrayForEach(e, a)
	{
		if (cJSON_IsString(e))
			sb_addf(&sb, "%s%s", sb.len ? "\n" : "", e->valuestring);
	}
	if (sb.len)
		return sb_detach(&sb, NULL);
	sb_free(&sb); /* only empty strings: allocated, nothing in it */
	return NULL;
}

/* Reads the records file: every line that parses and carries the nonce
 * (pytest_run.h). */
void pt_parse_records(struct pt_run *r, const char *data, size_t len, const char *nonce)
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
			res->frames = json_lines(o, "frames");
			const cJSON *l = cJSON_GetObjectItemCaseSensitive(o, "left");
			const cJSON *rt = cJSON_GetObjectItemCaseSensitive(o, "right");
			res->left = cJSON_IsString(l) && cJSON_IsString(rt) ? xstrdup(l->valuestring) : NULL;
			res->right = res->left ? xstrdup(rt->valuestring) : NULL;
			const cJSON *sub = cJSON_GetObjectItemCaseSensitive(o, "subtests");
			res->subtests = cJSON_IsNumber(sub) && sub->valuedouble > 0 ? sub->valueint : 0;
			if (r->running && !strcmp(r->running, res->id)) {
				free(r->running);
				r->running = NULL;
			}
		} else if (!strcmp(type, "test")) {
			r->tests = xrealloc(r->tests, (r->ntests + 1) * sizeof *r->tests);
			struct pt_test *pt = &r->tests[r->ntests++];
			pt->id = json_str(o, "id");
			pt->name = json_str(o, "name");
			pt->code = json_str(o, "code");
			const cJSON *task = cJSON_GetObjectItemCaseSensitive(o, "task");
			pt->task = cJSON_IsNumber(task) && task->valuedouble >= 1 &&
					  task->valuedouble <= 1000000
				      ? task->valueint
				      : 0;
		} else if (!strcmp(type, "collect")) {
			r->collect = xrealloc(r->collect, (r->ncollect + 1) * sizeof *r->collect);
			r->collect[r->ncollect].id = json_str(o, "id");
			r->collect[r->ncollect].msg = json_str(o, "msg");
			r->ncollect++;
		} else if (!strcmp(type, "tamper") && !r->tampered) {
			const cJSON *e;
			char *when = json_str(o, "when");
			struct strbuf sb = {0};
			cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "what"))
			{
				if (cJSON_IsString(e))
					sb_addf(&sb, "%s%s", sb.len ? ", " : "", e->valuestring);
			}
			if (!strcmp(when, "collection"))
				sb_adds(&sb, "; noticed once the test files were imported");
			else if (!strcmp(when, "finish"))
				sb_adds(&sb, "; noticed at the end of the run");
			else
				sb_addf(&sb, "; noticed after test %s", when);
			r->tampered = match_visible(sb.buf, sb.len, 600);
			sb_free(&sb);
			free(when);
		} else if (!strcmp(type, "finish")) {
			const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "exit");
			r->finished = 1;
			r->exit_status = cJSON_IsNumber(e) ? e->valueint : -1;
		}
		cJSON_Delete(o);
	}
}

/* The read-only dir bound at /pytest: suite/ (the group's test files, at
 * their paths in the exercise folder), lib/ (the plugin) and pytest.ini
 * (the only configuration pytest reads). *subtests is set when a test
 * file names the subtests fixture or unittest's subTest: only then does
 * the plugin load pytest-subtests (its import is some 5% of a small run). */
static char *make_testdir(const struct grading *g, const struct pt_suite *s, int *subtests,
			  char *err, size_t errlen)
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
	for (size_t i = 0; rc == 0 && i < s->nfiles; i++) {
		char *data = NULL, *rel = xasprintf("suite/%s", s->files[i].to);
		size_t len;
		rc = beneath_read(s->files[i].root, s->files[i].from, PT_MAX_TEST, &data, &len);
		if (rc != 0) {
			snprintf(err, errlen, "cannot read the test file %s: %s", s->files[i].from,
				 beneath_strerror(errno));
			free(rel);
			rm_rf(dir);
			free(dir);
			return NULL;
		}
		if (memmem(data, len, "subtests", 8) || memmem(data, len, "subTest", 7))
			*subtests = 1;
		rc = beneath_write(dir, rel, data, len, 0644);
		free(data);
		free(rel);
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
	for (size_t i = 0; i < s->nfiles; i++) {
		char *p = xasprintf("%s/suite/%s", dir, s->files[i].to);
		for (char *sl = strrchr(p, '/'); sl && sl > p + strlen(dir) + 6; sl = strrchr(p, '/')) {
			*sl = '\0';
			chmod(p, 0755);
		}
		free(p);
	}
	return dir;
}

void pt_run_free(struct pt_run *r)
{
	for (size_t i = 0; i < r->nresults; i++) {
		free(r->results[i].id);
		free(r->results[i].outcome);
		free(r->results[i].msg);
		free(r->results[i].where);
		free(r->results[i].out);
		free(r->results[i].err);
		free(r->results[i].frames);
		free(r->results[i].left);
		free(r->results[i].right);
	}
	for (size_t i = 0; i < r->ntests; i++) {
		free(r->tests[i].id);
		free(r->tests[i].name);
		free(r->tests[i].code);
	}
	free(r->tests);
	free(r->results);
	for (size_t i = 0; i < r->ncollect; i++) {
		free(r->collect[i].id);
		free(r->collect[i].msg);
	}
	free(r->collect);
	free(r->running);
	free(r->records);
	free(r->tampered);
	if (r->proc) { /* started and never waited for: stop it */
		sbx_kill(r->proc, &r->res);
		sbx_proc_free(r->proc);
		r->waited = 1;
	}
	if (r->waited)
		sbx_result_free(&r->res);
	if (r->work)
		workdir_remove(r->work);
	if (r->testdir) {
		rm_rf(r->testdir);
		free(r->testdir);
	}
	memset(r, 0, sizeof *r);
}

int pt_run_start(struct grading *g, struct pt_run *r, const struct pt_suite *s)
{
	char err[512], token[33];
	r->used = 1;
	if (random_hex(r->nonce, 16) != 0 || random_hex(token, 16) != 0) {
		grading_message(g, "cannot read /dev/urandom: %s", strerror(errno));
		return -1;
	}
	r->work = s->work_from ? workdir_empty(g->env, err, sizeof err)
			       : workdir_make(g->ex, g->sub, g->env, err, sizeof err);
	if (r->work && s->work_from && beneath_copy_path(s->work_from, r->work) != 0) {
		snprintf(err, sizeof err, "cannot copy %s: %s", s->work_from, strerror(errno));
		workdir_remove(r->work);
		r->work = NULL;
	}
	int subtests = 0;
	if (!r->work || !(r->testdir = make_testdir(g, s, &subtests, err, sizeof err))) {
		grading_message(g, "cannot prepare the pytest run: %s", err);
		return -1;
	}
	r->records = xasprintf(".grader-records-%s.jsonl", token);
	char *records_env = xasprintf("GRADER_PYTEST_RECORDS=/work/%s", r->records);
	char *timeout_env = xasprintf("GRADER_PYTEST_TEST_TIMEOUT=%.3f", s->test_timeout);
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
			     subtests ? "GRADER_PYTEST_SUBTESTS=1" : "GRADER_PYTEST_SUBTESTS=0",
			     records_env,
			     timeout_env,
			     NULL};
	size_t fixed = 20;
	const char **argv = xcalloc(fixed + s->nfiles + 1, sizeof *argv);
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
	char **paths = xcalloc(s->nfiles + 1, sizeof *paths);
	for (size_t i = 0; i < s->nfiles; i++)
		argv[fixed + i] = paths[i] = xasprintf(PT_BIND "/suite/%s", s->files[i].to);
	/* The nonce goes on stdin: the plugin reads it before any learner
	 * code runs, so it is in no environment (/proc/self/environ). */
	char *stdin_data = xasprintf("%s\n", r->nonce);
	struct sbx_bind bind = {.src = r->testdir, .dst = PT_BIND, .writable = 0};
	struct sbx_config cfg;
	grade_sandbox_config(&cfg, s->limits);
	cfg.argv = argv;
	cfg.envp = env;
	cfg.workdir = r->work;
	cfg.binds = &bind;
	cfg.nbinds = 1;
	cfg.stdin_data = stdin_data;
	cfg.stdin_len = strlen(stdin_data);
	int rc = sbx_spawn(&cfg, &r->proc, err, sizeof err);
	free(stdin_data);
	for (size_t i = 0; i < s->nfiles; i++)
		free(paths[i]);
	free(paths);
	free(argv);
	free(records_env);
	free(timeout_env);
	if (rc != 0) {
		r->proc = NULL;
		grading_message(g, "the sandbox could not run pytest: %s", err);
		return -1;
	}
	return 0;
}

int pt_run_wait(struct pt_run *r)
{
	if (!r->proc)
		return -1;
	sbx_wait(r->proc, 0, &r->res);
	sbx_proc_free(r->proc);
	r->proc = NULL;
	r->waited = 1;
	char *data;
	size_t len;
	if (beneath_read(r->work, r->records, PT_MAX_RECORDS, &data, &len) == 0) {
		pt_parse_records(r, data, len, r->nonce);
		free(data);
	}
	return 0;
}

int pt_run_suite(struct grading *g, struct pt_run *r, const struct pt_suite *s)
{
	if (pt_run_start(g, r, s) != 0)
		return -1;
	return pt_run_wait(r);
}

/* Why a run produced no usable records, in words a learner can act on. */
char *pt_describe_early_end(const struct pt_run *r, int with_stderr)
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

int pt_glob_match(const char *pat, const char *s)
{
	for (; *pat; pat++, s++) {
		if (*pat == '*') {
			for (const char *t = s;; t++) {
				if (pt_glob_match(pat + 1, t))
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

const char *pt_collect_error(const struct pt_run *r, const char *file)
{
	for (size_t i = 0; i < r->ncollect; i++)
		if (!strcmp(r->collect[i].id, file))
			return r->collect[i].msg;
	return NULL;
}


int pt_run_completed(const struct pt_run *r)
{
	return r->res.verdict == SBX_OK && r->finished && (r->exit_status == 0 || r->exit_status == 1);
}

const struct pt_test *pt_test_find(const struct pt_run *r, const char *id)
{
	for (size_t i = 0; i < r->ntests; i++)
		if (!strcmp(r->tests[i].id, id))
			return &r->tests[i];
	return NULL;
}

/* One test that did not pass, as a check's message (pytest_run.h). */
void pt_describe_failure(struct strbuf *sb, const struct pt_result *res, int with_frames)
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
	if (with_frames && res->frames) {
		char *f = match_visible(res->frames, strlen(res->frames), 800);
		sb_addf(sb, "\nin your code (innermost last):\n%s", f);
		free(f);
	}
	const char *what[] = {"stdout", "stderr"}, *text[] = {res->out, res->err};
	for (size_t i = 0; i < 2; i++) {
		if (!text[i] || !*text[i])
			continue;
		char *t = match_visible(text[i], strlen(text[i]), 600);
		sb_addf(sb, "\ncaptured %s:\n%s", what[i], t);
		free(t);
	}
}
