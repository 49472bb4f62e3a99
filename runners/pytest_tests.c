/*
 * pytest_tests.c - the pytest-tests kind: the learner writes the tests.
 * The exercise ships a reference implementation (reference/) and broken
 * ones (broken/NAME/); the learner's test files run, through pytest_run
 * (one pytest process each, in its own sandbox), once against each
 * implementation, with only that implementation's folder as the work
 * dir. Their suite must pass on the reference and fail on every broken
 * one. Optionally, mutants of the reference (made by
 * runners/pytest_mutate.py, embedded here at build time and run in the
 * sandbox over a copy of the reference) are run the same way, and a
 * check scores the share the suite kills. Runs go two at a time.
 * docs/kinds/pytest-tests.md is the reference, docs/security.md the limits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cJSON.h>

#include "grader/grade/runner.h"
#include "grader/grade/workdir.h"
#include "grader/match/match.h"
#include "grader/util/util.h"
#include "runners/pytest_run.h"

/* The mutant generator's source; the Makefile makes this object depend
 * on the .py file. */
__asm__(".section .rodata\n"
	".global grader_pytest_mutate_src\n"
	"grader_pytest_mutate_src:\n"
	".incbin \"runners/pytest_mutate.py\"\n"
	".byte 0\n"
	".previous\n");
extern const char grader_pytest_mutate_src[];

#define PTT_PARALLEL     2           /* runs side by side */
#define PTT_MUTANTS_MAX  20          /* default 'max' */
#define PTT_MUTANTS_TIME 60.0        /* default 'time', seconds */
#define PTT_MUTANTS_CAP  200         /* the largest 'max' */
#define PTT_MAX_MANIFEST (16u << 20) /* the generator's output, read back */

static const char *const ptt_exercise_keys[] = {"module",  "reference",    "broken",
						"mutants", "test_timeout", NULL};
static const char *const ptt_check_keys[] = {"passes", "catches", "mutation_score", NULL};

struct ptt_broken {
	char *name, *desc;
	char *dir; /* absolute */
};

struct ptt_exercise {
	char **modules; /* the implementation files, relative */
	size_t nmodules;
	char *reference; /* absolute */
	struct ptt_broken *broken;
	size_t nbroken;
	int broken_ok; /* 'broken' loaded without problems */
	int mutants;   /* 1: auto */
	int mutants_max;
	double mutants_time; /* seconds */
	double test_timeout;
};

enum ptt_type { PTT_PASSES, PTT_CATCHES, PTT_MUTATION };

struct ptt_check {
	enum ptt_type type;
	size_t broken;    /* PTT_CATCHES: index into the exercise's broken */
	double threshold; /* PTT_MUTATION: 0..1 */
};

/* ---- loading ---- */

static int valid_name(const char *s)
{
	if (!*s || *s == '.' || *s == '-')
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("-_.", *p)))
			return 0;
	return 1;
}

/* A folder of the exercise named rel that holds every module: its
 * absolute path, or NULL after a diagnostic at n. */
static char *impl_dir(const struct exercise *ex, const struct ptt_exercise *pe,
		      const struct yaml_node *n, const char *rel, const char *what, struct diag *d)
{
	if (!path_is_contained(rel)) {
		yaml_error(d, n, "%s '%s' must be a relative path inside the exercise folder", what,
			   rel);
		return NULL;
	}
	char *p = path_join(ex->dir, rel);
	struct stat st;
	if (lstat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
		yaml_error(d, n, "%s folder '%s' not found in the exercise folder", what, rel);
		free(p);
		return NULL;
	}
	int bad = 0;
	for (size_t i = 0; i < pe->nmodules; i++) {
		char *file = path_join(rel, pe->modules[i]);
		char *real = exercise_file_path(ex, n, file, "implementation file", PT_MAX_TEST, d);
		bad |= !real;
		free(real);
		free(file);
	}
	if (bad) {
		free(p);
		return NULL;
	}
	return p;
}

static int load_modules(struct ptt_exercise *pe, const struct yaml_node *n, struct diag *d)
{
	const char **list;
	size_t count;
	if (yaml_to_str_list(n, "'module'", &list, &count, d) != 0)
		return -1;
	int bad = 0;
	if (count == 0) {
		yaml_error(d, n, "'module' must name the implementation file, e.g. discount.py");
		bad = 1;
	}
	pe->modules = xcalloc(count + 1, sizeof *pe->modules);
	for (size_t i = 0; i < count; i++) {
		const struct yaml_node *item = n->kind == YAML_SEQ ? n->items[i] : n;
		size_t len = strlen(list[i]);
		if (!path_is_contained(list[i]) || len < 4 || strcmp(list[i] + len - 3, ".py")) {
			yaml_error(
			    d, item,
			    "'%s' must be a relative path of a Python file (e.g. discount.py)",
			    list[i]);
			bad = 1;
			continue;
		}
		pe->modules[pe->nmodules++] = xstrdup(list[i]);
	}
	free(list);
	return bad ? -1 : 0;
}

static int load_broken(const struct exercise *ex, struct ptt_exercise *pe,
		       const struct yaml_node *n, struct diag *d)
{
	if (n->kind != YAML_MAP || n->n == 0) {
		yaml_error(d, n,
			   "'broken' must map each broken implementation (a folder broken/NAME/) "
			   "to what it gets wrong, e.g. zero-discount: \"gives no discount\"");
		return -1;
	}
	int bad = 0;
	pe->broken = xcalloc(n->n, sizeof *pe->broken);
	for (size_t i = 0; i < n->n; i++) {
		const char *name = n->keys[i]->scalar, *desc;
		if (!valid_name(name)) {
			yaml_error(d, n->keys[i],
				   "'%s' is not a folder name (letters, digits, '-', '_', '.')",
				   name);
			bad = 1;
			continue;
		}
		if (yaml_to_str(n->items[i], "a broken implementation's description", &desc, d) !=
		    0) {
			bad = 1;
			continue;
		}
		if (!*desc || strchr(desc, '\n')) {
			yaml_error(d, n->items[i],
				   "the description of '%s' must be one line a learner can read "
				   "(what it gets wrong)",
				   name);
			bad = 1;
			continue;
		}
		char *rel = xasprintf("broken/%s", name);
		char *dir = impl_dir(ex, pe, n->keys[i], rel, "broken implementation", d);
		free(rel);
		if (!dir) {
			bad = 1;
			continue;
		}
		struct ptt_broken *b = &pe->broken[pe->nbroken++];
		b->name = xstrdup(name);
		b->desc = xstrdup(desc);
		b->dir = dir;
	}
	return bad ? -1 : 0;
}

static int load_mutants(struct ptt_exercise *pe, const struct yaml_node *n, struct diag *d)
{
	pe->mutants_max = PTT_MUTANTS_MAX;
	pe->mutants_time = PTT_MUTANTS_TIME;
	if (n->kind == YAML_SCALAR && !n->quoted &&
	    (!strcmp(n->scalar, "auto") || !strcmp(n->scalar, "off"))) {
		pe->mutants = !strcmp(n->scalar, "auto");
		return 0;
	}
	if (n->kind != YAML_MAP) {
		yaml_error(d, n, "'mutants' must be auto, off, or a map like {max: 30, time: 20s}");
		return -1;
	}
	static const char *const keys[] = {"max", "time", NULL};
	int bad = yaml_check_keys(n, keys, d) != 0;
	const struct yaml_node *v;
	long long max;
	if ((v = yaml_get(n, "max"))) {
		if (yaml_to_int(v, "'max'", 1, PTT_MUTANTS_CAP, &max, d) != 0)
			bad = 1;
		else
			pe->mutants_max = (int)max;
	}
	if ((v = yaml_get(n, "time"))) {
		if (yaml_to_duration(v, "'time'", &pe->mutants_time, d) != 0) {
			bad = 1;
		} else if (pe->mutants_time <= 0) {
			yaml_error(d, v, "'time' must be more than 0 s");
			bad = 1;
		}
	}
	pe->mutants = 1;
	return bad ? -1 : 0;
}

static int ptt_load(struct exercise *ex, const struct yaml_node *spec, struct diag *d)
{
	struct ptt_exercise *pe = xcalloc(1, sizeof *pe);
	ex->data = pe;
	pe->mutants_max = PTT_MUTANTS_MAX;
	pe->mutants_time = PTT_MUTANTS_TIME;
	int bad = 0;
	const struct yaml_node *v;
	for (size_t i = 0; i < ex->nfiles; i++) {
		size_t len = strlen(ex->files[i]);
		if (len < 4 || strcmp(ex->files[i] + len - 3, ".py") != 0) {
			const struct yaml_node *f = yaml_get(spec, "files");
			yaml_error(d, f ? f : spec,
				   "'%s': the learner's files are pytest test files and end in .py",
				   ex->files[i]);
			bad = 1;
		}
	}
	if (!ex->nfiles) {
		yaml_error(d, spec,
			   "a pytest-tests exercise needs 'files': the learner's test files, e.g. "
			   "files: [test_discount.py]");
		bad = 1;
	}
	int modules_ok = 0;
	if (!(v = yaml_get(spec, "module"))) {
		yaml_error(d, spec,
			   "missing key 'module': the implementation file the learner's tests "
			   "import, e.g. module: discount.py");
		bad = 1;
	} else if (load_modules(pe, v, d) != 0) {
		bad = 1;
	} else {
		modules_ok = 1;
	}
	const char *ref = "reference/";
	v = yaml_get(spec, "reference");
	if (v && yaml_to_str(v, "'reference'", &ref, d) != 0) {
		bad = 1;
	} else if (modules_ok) {
		char *rel = xstrdup(ref);
		size_t len = strlen(rel);
		while (len > 1 && rel[len - 1] == '/')
			rel[--len] = '\0';
		pe->reference = impl_dir(ex, pe, v ? v : spec, rel, "reference implementation", d);
		bad |= !pe->reference;
		free(rel);
	}
	if (!(v = yaml_get(spec, "broken"))) {
		yaml_error(d, spec,
			   "missing key 'broken': the broken implementations the learner's tests "
			   "must catch, each a folder broken/NAME/ with a description");
		bad = 1;
	} else if (!modules_ok || load_broken(ex, pe, v, d) != 0) {
		bad = 1;
	} else {
		pe->broken_ok = 1;
	}
	if ((v = yaml_get(spec, "mutants")) && load_mutants(pe, v, d) != 0)
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

static int load_threshold(const struct yaml_node *n, double *out, struct diag *d)
{
	const char *s;
	if (yaml_to_str(n, "'mutation_score'", &s, d) != 0)
		return -1;
	char *end;
	double v = strtod(s, &end);
	if (end == s || strcmp(end, "%") != 0 || !(v >= 0 && v <= 100)) {
		yaml_error(d, n,
			   "'mutation_score' must be a percentage from 0%% to 100%% (the share of "
			   "mutants the learner's tests must kill), e.g. 80%%");
		return -1;
	}
	*out = v / 100.0;
	return 0;
}

static int load_check(const struct exercise *ex, struct ex_check *c, struct diag *d)
{
	const struct ptt_exercise *pe = ex->data;
	struct ptt_check *pc = xcalloc(1, sizeof *pc);
	c->data = pc;
	static const char *const types[] = {"passes", "catches", "mutation_score"};
	const struct yaml_node *v = NULL;
	int found = 0;
	for (int i = 0; i < 3; i++) {
		const struct yaml_node *t = yaml_get(c->spec, types[i]);
		if (!t)
			continue;
		if (found++) {
			yaml_error(d, t,
				   "check '%s' has more than one of 'passes', 'catches' and "
				   "'mutation_score': a check tests one thing",
				   c->name ? c->name : "?");
			return -1;
		}
		v = t;
		pc->type = (enum ptt_type)i;
	}
	if (!found) {
		yaml_error(d, c->spec,
			   "check '%s' needs one of 'passes: reference', 'catches: NAME' (a broken "
			   "implementation) or 'mutation_score: 80%%'",
			   c->name ? c->name : "?");
		return -1;
	}
	const struct yaml_node *lim = yaml_get(c->spec, "limits");
	if (lim) {
		yaml_error(d, lim,
			   "a pytest-tests check cannot have its own 'limits': the runs it reads "
			   "are shared; set them on the exercise");
		return -1;
	}
	const char *s;
	switch (pc->type) {
	case PTT_PASSES:
		if (yaml_to_str(v, "'passes'", &s, d) != 0)
			return -1;
		if (strcmp(s, "reference") != 0) {
			yaml_error(
			    d, v,
			    "'passes' takes only 'reference' (the learner's tests pass on the "
			    "correct implementation)");
			return -1;
		}
		return 0;
	case PTT_CATCHES:
		if (yaml_to_str(v, "'catches'", &s, d) != 0)
			return -1;
		for (size_t i = 0; pe && i < pe->nbroken; i++)
			if (!strcmp(pe->broken[i].name, s)) {
				pc->broken = i;
				return 0;
			}
		if (pe && pe->broken_ok) {
			const char **names = xcalloc(pe->nbroken + 1, sizeof *names);
			for (size_t i = 0; i < pe->nbroken; i++)
				names[i] = pe->broken[i].name;
			const char *near = closest_word(s, names);
			if (near)
				yaml_error(
				    d, v,
				    "'%s' is not one of the exercise's broken implementations "
				    "(did you mean '%s'?)",
				    s, near);
			else
				yaml_error(
				    d, v,
				    "'%s' is not one of the exercise's broken implementations "
				    "(list it under 'broken')",
				    s);
			free(names);
		}
		return -1;
	case PTT_MUTATION:
		if (load_threshold(v, &pc->threshold, d) != 0)
			return -1;
		if (pe && !pe->mutants) {
			yaml_error(
			    d, v,
			    "a 'mutation_score' check needs mutants: set 'mutants: auto' (or "
			    "{max: N, time: T}) on the exercise");
			return -1;
		}
		return 0;
	}
	return 0;
}

/* After the last check: what the definition sets up and no check uses. */
static void warn_unused(const struct exercise *ex, struct diag *d)
{
	const struct ptt_exercise *pe = ex->data;
	if (!pe)
		return;
	const struct yaml_node *broken = yaml_get(ex->doc, "broken");
	for (size_t b = 0; broken && b < pe->nbroken; b++) {
		int named = 0;
		for (size_t i = 0; i < ex->nchecks; i++) {
			const struct ptt_check *pc = ex->checks[i].data;
			named |= pc && pc->type == PTT_CATCHES && pc->broken == b;
		}
		const struct yaml_node *k = NULL;
		for (size_t i = 0; i < broken->n; i++)
			if (!strcmp(broken->keys[i]->scalar, pe->broken[b].name))
				k = broken->keys[i];
		if (!named && k)
			diag_add(d, DIAG_WARNING, k->file, k->line, k->col,
				 "broken implementation '%s' is named by no check's 'catches': it "
				 "is never run",
				 pe->broken[b].name);
	}
	const struct yaml_node *m = yaml_get(ex->doc, "mutants");
	int scored = 0;
	for (size_t i = 0; i < ex->nchecks; i++) {
		const struct ptt_check *pc = ex->checks[i].data;
		scored |= pc && pc->type == PTT_MUTATION;
	}
	if (m && pe->mutants && !scored)
		diag_add(d, DIAG_WARNING, m->file, m->line, m->col,
			 "'mutants' is on but no check has 'mutation_score': no mutant is run");
}

static int ptt_load_check(const struct exercise *ex, struct ex_check *c, struct diag *d)
{
	int rc = load_check(ex, c, d);
	if (ex->nchecks && c == &ex->checks[ex->nchecks - 1])
		warn_unused(ex, d);
	return rc;
}

static void ptt_free_check(struct ex_check *c)
{
	free(c->data);
	c->data = NULL;
}

static void ptt_free(struct exercise *ex)
{
	struct ptt_exercise *pe = ex->data;
	if (!pe)
		return;
	for (size_t i = 0; i < pe->nmodules; i++)
		free(pe->modules[i]);
	free(pe->modules);
	for (size_t i = 0; i < pe->nbroken; i++) {
		free(pe->broken[i].name);
		free(pe->broken[i].desc);
		free(pe->broken[i].dir);
	}
	free(pe->broken);
	free(pe->reference);
	free(pe);
	ex->data = NULL;
}

/* ---- the runs ---- */

/* What one run of the learner's suite showed, kept after its records go. */
struct ptt_outcome {
	int ran;       /* a run was made and waited for */
	int completed; /* pytest ended on its own (pt_run_completed) */
	int tampered;
	size_t ntests;  /* results */
	size_t nfailed; /* failed or errored results */
	size_t ncollect;
	char *caught_by; /* the first failing test's id, or NULL */
};

struct ptt_mutant {
	char *file, *kind, *func, *src;
	struct ptt_outcome out;
};

struct ptt_state {
	struct pt_run ref;          /* kept whole: passes: reference reports from it */
	struct ptt_outcome *broken; /* per broken implementation */
	struct ptt_mutant *mut;
	size_t nmut;
	size_t mut_run;  /* mutants that were run (the rest: out of time) */
	char *mut_error; /* the generator failed: why (for instructors) */
	int ref_ok;      /* the suite passed on the reference */
};

static void outcome_of(const struct pt_run *r, struct ptt_outcome *o)
{
	o->ran = r->waited;
	o->completed = pt_run_completed(r);
	o->tampered = r->tampered != NULL;
	o->ntests = r->nresults;
	o->ncollect = r->ncollect;
	for (size_t i = 0; i < r->nresults; i++) {
		const char *oc = r->results[i].outcome;
		if (!strcmp(oc, "failed") || !strcmp(oc, "error")) {
			if (!o->nfailed++)
				o->caught_by = xasprintf("caught by %s", r->results[i].id);
		}
	}
	if (!o->caught_by && r->ncollect)
		o->caught_by =
		    xasprintf("caught: %s could not be imported against it", r->collect[0].id);
}

/* Did the learner's suite catch this implementation? A test failed or
 * errored, a test file could not be imported against it, or the run hit
 * a limit (a broken implementation that loops): yes. A run that ended
 * early on its own (os._exit) or whose results were tampered with: no. */
static int caught(const struct ptt_outcome *o)
{
	if (!o->ran || o->tampered)
		return 0;
	if (o->nfailed || o->ncollect)
		return 1;
	return 0;
}

static int killed_by_limit(const struct pt_run *r)
{
	return r->waited && r->res.verdict != SBX_OK && r->res.verdict != SBX_INTERNAL_ERROR &&
	       r->res.verdict != SBX_SYSCALL_DENIED;
}

/* The learner's test files, read from their submission below its root. */
static struct pt_suite_file *suite_files(const struct grading *g, char ***owned)
{
	const struct exercise *ex = g->ex;
	const char *sp = workdir_submit_path(ex);
	struct pt_suite_file *files = xcalloc(ex->nfiles, sizeof *files);
	*owned = xcalloc(ex->nfiles, sizeof **owned);
	for (size_t i = 0; i < ex->nfiles; i++) {
		(*owned)[i] = strcmp(sp, ".") ? path_join(sp, ex->files[i]) : xstrdup(ex->files[i]);
		files[i] = (struct pt_suite_file){
		    .root = g->sub->dir, .from = (*owned)[i], .to = ex->files[i]};
	}
	return files;
}

/* One queued run: the folder it binds, where its outcome goes, and for
 * a mutant the scratch folder to remove once it ran. */
struct ptt_job {
	const char *dir;
	struct pt_run *keep; /* the reference's run: kept whole */
	struct ptt_outcome *out;
	char *tmpdir;
	struct pt_run run;
	int started;
};

/* Runs jobs PTT_PARALLEL at a time, oldest first; after deadline (when
 * not 0) starts no more. Returns how many were started, or -1 with
 * g->message when the sandbox could not start one. */
static long run_jobs(struct grading *g, struct ptt_job *jobs, size_t n, const struct pt_suite *base,
		     double deadline)
{
	size_t next = 0, oldest = 0;
	long started = 0;
	int failed = 0;
	while (oldest < n) {
		while (!failed && next < n && next - oldest < PTT_PARALLEL &&
		       (deadline <= 0 || now_monotonic() < deadline)) {
			struct pt_suite s = *base;
			s.work_from = jobs[next].dir;
			struct pt_run *r = jobs[next].keep ? jobs[next].keep : &jobs[next].run;
			if (pt_run_start(g, r, &s) != 0) {
				failed = 1;
				break;
			}
			jobs[next].started = 1;
			started++;
			next++;
		}
		if (oldest == next)
			break; /* nothing in flight and nothing more to start */
		struct ptt_job *j = &jobs[oldest++];
		struct pt_run *r = j->keep ? j->keep : &j->run;
		pt_run_wait(r);
		if (j->out) {
			outcome_of(r, j->out);
			if (!j->out->nfailed && !j->out->ncollect && killed_by_limit(r)) {
				char *why = pt_describe_early_end(r, 0);
				j->out->nfailed = 1;
				j->out->caught_by =
				    xasprintf("caught: against it your tests %s", why);
				free(why);
			}
		}
		if (!j->keep)
			pt_run_free(&j->run);
		if (j->tmpdir) {
			rm_rf(j->tmpdir);
			free(j->tmpdir);
			j->tmpdir = NULL;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!jobs[i].keep)
			pt_run_free(&jobs[i].run);
		if (jobs[i].tmpdir) {
			rm_rf(jobs[i].tmpdir);
			free(jobs[i].tmpdir);
		}
	}
	return failed ? -1 : started;
}

/* Runs the generator in the sandbox over a copy of the reference and
 * reads its mutants. 0, or -1 with st->mut_error. */
static int make_mutants(struct grading *g, struct ptt_state *st)
{
	const struct ptt_exercise *pe = g->ex->data;
	char err[512];
	char *work = workdir_empty(g->env, err, sizeof err);
	char *bin = xasprintf("%s/mutate-XXXXXX", g->env->scratch);
	if (!work || !mkdtemp(bin)) {
		st->mut_error = xasprintf("cannot prepare the mutant generator: %s",
					  work ? strerror(errno) : err);
		if (work)
			workdir_remove(work);
		free(bin);
		return -1;
	}
	int rc = beneath_copy_path(pe->reference, work);
	rc = rc ? rc : chmod(bin, 0755);
	rc = rc ? rc
		: beneath_write(bin, "pytest_mutate.py", grader_pytest_mutate_src,
				strlen(grader_pytest_mutate_src), 0644);
	char token[33] = "";
	if (rc != 0 || random_hex(token, 16) != 0) {
		st->mut_error =
		    xasprintf("cannot prepare the mutant generator: %s", strerror(errno));
		workdir_remove(work);
		rm_rf(bin);
		free(bin);
		return -1;
	}
	char *out = xasprintf(".grader-mutants-%s.json", token);
	char *outp = xasprintf("/work/%s", out);
	char max[16];
	snprintf(max, sizeof max, "%d", pe->mutants_max);
	const char **argv = xcalloc(8 + pe->nmodules, sizeof *argv);
	size_t a = 0;
	argv[a++] = "/usr/bin/python3";
	argv[a++] = "-s";
	argv[a++] = "-P";
	argv[a++] = "-B";
	argv[a++] = "/grader-mutate/pytest_mutate.py";
	argv[a++] = max;
	argv[a++] = outp;
	for (size_t i = 0; i < pe->nmodules; i++)
		argv[a++] = pe->modules[i];
	const char *env[] = {"PATH=/usr/bin:/bin", "HOME=/work", "LANG=C.UTF-8",
			     "PYTHONDONTWRITEBYTECODE=1", NULL};
	struct sbx_bind bind = {.src = bin, .dst = "/grader-mutate", .writable = 0};
	struct sbx_config cfg;
	grade_sandbox_config(&cfg, &g->ex->limits);
	cfg.argv = argv;
	cfg.envp = env;
	cfg.workdir = work;
	cfg.binds = &bind;
	cfg.nbinds = 1;
	struct sbx_result res;
	memset(&res, 0, sizeof res);
	rc = sbx_run(&cfg, &res);
	free(argv);
	free(outp);
	char *data = NULL;
	size_t len = 0;
	if (rc != 0 || res.verdict != SBX_OK || res.exit_code != 0 ||
	    beneath_read(work, out, PTT_MAX_MANIFEST, &data, &len) != 0) {
		/* not its stderr: a traceback would quote the reference's code */
		st->mut_error = xasprintf("the mutants of the correct implementation could not be "
					  "made (%s; an error of the exercise: does every module "
					  "of its reference parse with this machine's python3?)",
					  res.message[0] ? res.message : "no output");
		rc = -1;
	}
	sbx_result_free(&res);
	free(out);
	workdir_remove(work);
	rm_rf(bin);
	free(bin);
	if (rc != 0)
		return -1;
	cJSON *list = cJSON_ParseWithLength(data, len), *m;
	free(data);
	if (!cJSON_IsArray(list)) {
		st->mut_error = xstrdup("the mutant generator wrote no list of mutants");
		cJSON_Delete(list);
		return -1;
	}
	cJSON_ArrayForEach(m, list)
	{
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(m, "file");
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(m, "kind");
		const cJSON *fn = cJSON_GetObjectItemCaseSensitive(m, "func");
		const cJSON *src = cJSON_GetObjectItemCaseSensitive(m, "src");
		if (!cJSON_IsString(f) || !cJSON_IsString(k) || !cJSON_IsString(fn) ||
		    !cJSON_IsString(src) || (int)st->nmut >= pe->mutants_max)
			continue;
		int known = 0;
		for (size_t i = 0; i < pe->nmodules; i++)
			known |= !strcmp(pe->modules[i], f->valuestring);
		if (!known)
			continue;
		st->mut = xrealloc(st->mut, (st->nmut + 1) * sizeof *st->mut);
		struct ptt_mutant *mu = &st->mut[st->nmut++];
		memset(mu, 0, sizeof *mu);
		mu->file = xstrdup(f->valuestring);
		mu->kind = xstrdup(k->valuestring);
		mu->func = xstrdup(fn->valuestring);
		mu->src = xstrdup(src->valuestring);
	}
	cJSON_Delete(list);
	return 0;
}

/* A scratch copy of the reference with one module replaced by a mutant. */
static char *mutant_dir(struct grading *g, const struct ptt_mutant *mu)
{
	const struct ptt_exercise *pe = g->ex->data;
	char err[512];
	char *dir = workdir_empty(g->env, err, sizeof err);
	if (!dir)
		return NULL;
	if (beneath_copy_path(pe->reference, dir) != 0 ||
	    beneath_write(dir, mu->file, mu->src, strlen(mu->src), 0644) != 0) {
		workdir_remove(dir);
		return NULL;
	}
	return dir;
}

static int need_mutants(const struct exercise *ex)
{
	for (size_t i = 0; i < ex->nchecks; i++) {
		const struct ptt_check *pc = ex->checks[i].data;
		if (pc && pc->type == PTT_MUTATION)
			return 1;
	}
	return 0;
}

static int ptt_prepare(struct grading *g)
{
	const struct exercise *ex = g->ex;
	const struct ptt_exercise *pe = ex->data;
	struct ptt_state *st = xcalloc(1, sizeof *st);
	g->state = st;
	st->broken = xcalloc(pe->nbroken + 1, sizeof *st->broken);
	char **owned;
	struct pt_suite_file *files = suite_files(g, &owned);
	/* a learner's file too large (or gone) is theirs to fix, not an
	 * error of the grader's */
	for (size_t i = 0; i < ex->nfiles; i++) {
		char *data;
		size_t len;
		if (beneath_read(files[i].root, files[i].from, PT_MAX_TEST, &data, &len) != 0) {
			grading_message(
			    g, "your test file %s %s (a test file may have at most %u KiB)",
			    ex->files[i], beneath_strerror(errno), PT_MAX_TEST >> 10);
			for (size_t k = 0; k < ex->nfiles; k++)
				free(owned[k]);
			free(owned);
			free(files);
			return GRADE_PREPARE_FAILED;
		}
		free(data);
	}
	struct pt_suite base = {.files = files,
				.nfiles = ex->nfiles,
				.test_timeout = pe->test_timeout,
				.limits = &ex->limits};
	/* the reference and the broken implementations a check names */
	struct ptt_job *jobs = xcalloc(pe->nbroken + 1, sizeof *jobs);
	size_t n = 0;
	jobs[n++] = (struct ptt_job){.dir = pe->reference, .keep = &st->ref};
	for (size_t b = 0; b < pe->nbroken; b++) {
		int named = 0;
		for (size_t i = 0; i < ex->nchecks; i++) {
			const struct ptt_check *pc = ex->checks[i].data;
			named |= pc && pc->type == PTT_CATCHES && pc->broken == b;
		}
		if (named)
			jobs[n++] =
			    (struct ptt_job){.dir = pe->broken[b].dir, .out = &st->broken[b]};
	}
	long rc = run_jobs(g, jobs, n, &base, 0);
	free(jobs);
	if (rc >= 0 && st->ref.waited) {
		struct ptt_outcome o = {0};
		outcome_of(&st->ref, &o);
		st->ref_ok =
		    o.completed && !o.tampered && o.ntests > 0 && !o.nfailed && !o.ncollect;
		free(o.caught_by);
	}
	/* mutants only for a suite that passes on the reference: any other
	 * kills every mutant and means nothing */
	if (rc >= 0 && st->ref_ok && need_mutants(ex) && make_mutants(g, st) == 0 && st->nmut) {
		jobs = xcalloc(st->nmut, sizeof *jobs);
		size_t nj = 0;
		for (size_t i = 0; i < st->nmut; i++) {
			char *dir = mutant_dir(g, &st->mut[i]);
			if (!dir)
				continue;
			jobs[nj++] =
			    (struct ptt_job){.dir = dir, .tmpdir = dir, .out = &st->mut[i].out};
		}
		rc = run_jobs(g, jobs, nj, &base, now_monotonic() + pe->mutants_time);
		st->mut_run = rc > 0 ? (size_t)rc : 0;
		free(jobs);
	}
	for (size_t i = 0; i < ex->nfiles; i++)
		free(owned[i]);
	free(owned);
	free(files);
	if (rc < 0)
		return -1;
	if (!st->ref.nrecords) {
		char *why = pt_describe_early_end(&st->ref, 1);
		grading_message(g, "your tests could not run: %s", why);
		free(why);
		return GRADE_PREPARE_FAILED;
	}
	return 0;
}

/* ---- one check ---- */

/* Why the suite did not pass on the reference, as pytest's kind says it:
 * the failing tests named, the first one's assertion quoted. */
static void describe_reference(const struct pt_run *r, struct strbuf *sb)
{
	if (r->tampered) {
		sb_addf(sb,
			"your tests replaced part of pytest or of the grader's plugin (%s): no "
			"result of the run counts",
			r->tampered);
		return;
	}
	for (size_t i = 0; i < r->ncollect; i++) {
		char *msg = match_visible(r->collect[i].msg, strlen(r->collect[i].msg), PT_MAX_MSG);
		sb_addf(sb, "%s%s could not be collected: %s", sb->len ? "\n" : "",
			r->collect[i].id, msg);
		free(msg);
	}
	size_t nfail = 0;
	const struct pt_result *first = NULL;
	struct strbuf names = {0};
	for (size_t i = 0; i < r->nresults; i++) {
		const struct pt_result *res = &r->results[i];
		if (strcmp(res->outcome, "failed") && strcmp(res->outcome, "error"))
			continue;
		if (!nfail++)
			first = res;
		if (nfail <= 10)
			sb_addf(&names, "%s%s", nfail > 1 ? ", " : "", res->id);
	}
	if (first) {
		sb_addf(
		    sb, "%s%zu of your %zu tests did not pass on the correct implementation: %s%s",
		    sb->len ? "\n" : "", nfail, r->nresults, names.buf, nfail > 10 ? ", ..." : "");
		sb_addc(sb, '\n');
		pt_describe_failure(sb, first, 0);
	}
	sb_free(&names);
	if (r->res.verdict == SBX_OK && r->finished && (r->exit_status == 5 || !r->nresults)) {
		if (!sb->len)
			sb_adds(sb, "pytest collected no tests: your test files hold none (a test "
				    "is a function whose name starts with test_)");
	} else if (!pt_run_completed(r)) {
		char *why = pt_describe_early_end(r, 1);
		sb_addf(sb, "%syour tests did not all report: %s", sb->len ? "\n" : "", why);
		free(why);
	}
}

static void grade_passes(const struct ptt_state *st, struct check_result *cr)
{
	free(cr->expected);
	cr->expected = xstrdup("at least one test, and every test passes on the correct "
			       "implementation");
	if (st->ref_ok) {
		grade_pass(cr);
		return;
	}
	struct strbuf sb = {0};
	describe_reference(&st->ref, &sb);
	grade_fail(cr, NULL, "%s", sb.len ? sb.buf : "your tests did not pass");
	if (st->ref.res.verdict != SBX_OK)
		grade_apply_sandbox(cr, &st->ref.res);
	sb_free(&sb);
	free(cr->summary);
	cr->summary = xstrdup("your tests do not pass on the correct implementation");
}

static void grade_catches(const struct ptt_exercise *pe, const struct ptt_state *st,
			  const struct ptt_check *pc, struct check_result *cr)
{
	const struct ptt_broken *b = &pe->broken[pc->broken];
	const struct ptt_outcome *o = &st->broken[pc->broken];
	free(cr->expected);
	cr->expected = xasprintf("a test fails on an implementation that %s", b->desc);
	if (!st->ref_ok) {
		grade_fail(cr, NULL,
			   "your tests do not pass on the correct implementation, so failing on "
			   "one that %s shows nothing: a suite that fails everywhere catches "
			   "nothing (see the check on the correct implementation)",
			   b->desc);
		return;
	}
	if (o->tampered) {
		grade_fail(cr, NULL,
			   "on the implementation that %s, your tests replaced part of pytest or "
			   "of the grader's plugin: no result of that run counts",
			   b->desc);
		return;
	}
	if (caught(o)) {
		grade_pass(cr);
		free(cr->message);
		cr->message = xstrdup(o->caught_by ? o->caught_by : "caught by your tests");
		return;
	}
	if (o->ran && !o->completed)
		grade_fail(cr, NULL,
			   "on an implementation that %s, your tests ended early without a failing "
			   "test (does a test call sys.exit() or os._exit()?): it is not caught",
			   b->desc);
	else
		grade_fail(cr, NULL,
			   "every one of your tests passes on an implementation that %s: add a "
			   "test that fails on it",
			   b->desc);
	free(cr->summary);
	cr->summary = xasprintf("not caught: an implementation that %s", b->desc);
}

static const char *kind_words(const char *kind)
{
	static const char *const map[][2] = {
	    {"comparison", "a changed comparison"}, {"arithmetic", "a changed arithmetic operator"},
	    {"constant", "a number off by one"},    {"condition", "a negated condition"},
	    {"return", "a return of a constant"},   {"statement", "a removed statement"}};
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (!strcmp(map[i][0], kind))
			return map[i][1];
	return "a change";
}

static void grade_mutation(const struct ptt_exercise *pe, const struct ptt_state *st,
			   const struct ptt_check *pc, struct check_result *cr)
{
	free(cr->expected);
	cr->expected = xasprintf("your tests kill at least %.0f%% of the mutants of the correct "
				 "implementation",
				 pc->threshold * 100);
	if (!st->ref_ok) {
		grade_fail(cr, NULL,
			   "your tests do not pass on the correct implementation, so no mutant "
			   "was run: a suite that fails everywhere kills nothing");
		return;
	}
	if (st->mut_error) {
		grade_error(cr, "%s", st->mut_error);
		return;
	}
	size_t total = 0, killed = 0;
	struct strbuf surv = {0};
	for (size_t i = 0; i < st->nmut; i++) {
		const struct ptt_mutant *mu = &st->mut[i];
		if (!mu->out.ran)
			continue;
		total++;
		if (caught(&mu->out)) {
			killed++;
			continue;
		}
		/* one hint per kind and function, counted */
		int seen = 0;
		for (size_t k = 0; k < i && !seen; k++)
			seen = st->mut[k].out.ran && !caught(&st->mut[k].out) &&
			       !strcmp(st->mut[k].kind, mu->kind) &&
			       !strcmp(st->mut[k].func, mu->func);
		if (seen)
			continue;
		size_t same = 0;
		for (size_t k = i; k < st->nmut; k++)
			same += st->mut[k].out.ran && !caught(&st->mut[k].out) &&
				!strcmp(st->mut[k].kind, mu->kind) &&
				!strcmp(st->mut[k].func, mu->func);
		sb_addf(&surv, "%s%s %s%s", surv.len ? ", " : "", kind_words(mu->kind),
			*mu->func ? "in " : "at module level", mu->func);
		if (same > 1)
			sb_addf(&surv, " (%zu of them)", same);
	}
	if (total == 0) {
		if (st->nmut)
			grade_error(cr, "no mutant could be run within the time limit (%.0f s)",
				    pe->mutants_time);
		else
			grade_error(cr, "the correct implementation yields no mutants (nothing the "
					"generator changes)");
		sb_free(&surv);
		return;
	}
	double score = (double)killed / (double)total;
	struct strbuf sb = {0};
	sb_addf(&sb, "your tests killed %zu of %zu mutants (%.0f%%; %.0f%% needed)", killed, total,
		score * 100, pc->threshold * 100);
	if (killed < total)
		sb_addf(&sb, "; %zu survived: %s", total - killed, surv.buf);
	if (total < st->nmut)
		sb_addf(&sb, "; %zu more were not run (out of time)", st->nmut - total);
	if (score + 1e-9 >= pc->threshold) {
		grade_pass(cr);
		free(cr->message);
		cr->message = sb_detach(&sb, NULL);
	} else {
		grade_fail(cr, NULL, "%s", sb.buf);
		cr->fraction = score;
		sb_free(&sb);
		free(cr->summary);
		cr->summary = xasprintf("%zu of %zu mutants killed", killed, total);
	}
	sb_free(&surv);
}

static int ptt_grade_check(struct grading *g, size_t check, struct check_result *cr)
{
	const struct ptt_exercise *pe = g->ex->data;
	const struct ptt_check *pc = g->ex->checks[check].data;
	const struct ptt_state *st = g->state;
	switch (pc->type) {
	case PTT_PASSES:
		grade_passes(st, cr);
		break;
	case PTT_CATCHES:
		grade_catches(pe, st, pc, cr);
		break;
	case PTT_MUTATION:
		grade_mutation(pe, st, pc, cr);
		break;
	}
	return 0;
}

static void ptt_finish(struct grading *g)
{
	struct ptt_state *st = g->state;
	if (!st)
		return;
	const struct ptt_exercise *pe = g->ex->data;
	pt_run_free(&st->ref);
	for (size_t i = 0; i < pe->nbroken; i++)
		free(st->broken[i].caught_by);
	free(st->broken);
	for (size_t i = 0; i < st->nmut; i++) {
		free(st->mut[i].file);
		free(st->mut[i].kind);
		free(st->mut[i].func);
		free(st->mut[i].src);
		free(st->mut[i].out.caught_by);
	}
	free(st->mut);
	free(st->mut_error);
	free(st);
	g->state = NULL;
}

const struct runner pytest_tests_runner = {
    .kind = {.name = "pytest-tests",
	     .exercise_keys = ptt_exercise_keys,
	     .check_keys = ptt_check_keys,
	     .load = ptt_load,
	     .load_check = ptt_load_check,
	     .free_check = ptt_free_check,
	     .free = ptt_free},
    .prepare = ptt_prepare,
    .grade_check = ptt_grade_check,
    .finish = ptt_finish,
};
