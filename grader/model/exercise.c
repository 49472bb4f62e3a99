/*
 * exercise.c - loads and validates exercise.yaml: the keys every kind
 * shares (id, title, kind, points, files, limits, checks with name,
 * points, visibility, depends_on, limits), then hands the kind-specific
 * parts to the kind (struct ex_kind). Every problem of a file is reported at
 * once, each at its line and column, also when 'kind' is misspelt (the
 * kind-specific keys are then checked as for the kind it suggests).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calibration.h"
#include "exercise.h"
#include "grader/util/util.h"

static const char *const common_keys[] = {"id",     "title",  "kind",    "points", "files",
					  "limits", "checks", "summary", NULL};
static const char *const common_check_keys[] = {"name",   "points", "visibility",  "depends_on",
						"limits", "expect", "description", "hint",
						NULL};
static const char *const limit_keys[] = {"wall",   "cpu",       "memory", "pids",
					 "output", "file_size", "tmp",    NULL};
static const char *const visibility_names[] = {"visible", "hidden", "after_due", NULL};

const char *visibility_name(enum visibility v)
{
	return v <= VIS_AFTER_DUE ? visibility_names[v] : "?";
}

/* A wall, cpu or memory limit: a duration (a size when bytes), or a
 * factor of the reference's figure ("5x reference"). */
static int limit_value(const struct yaml_node *v, const char *what, double *secs, uint64_t *bytes,
		       struct ex_relative *rel, struct diag *d)
{
	double f;
	int r = v->kind == YAML_SCALAR ? limit_relative_parse(v->scalar, &f) : 0;
	if (r < 0) {
		yaml_error(d, v,
			   "%s '%s': a limit relative to the reference is written like '5x "
			   "reference', with a factor from %g to %g",
			   what, v->scalar, CAL_FACTOR_MIN, CAL_FACTOR_MAX);
		return -1;
	}
	if (r > 0) {
		rel->factor = f;
		rel->at = v;
		if (secs)
			*secs = 0;
		else
			*bytes = 0;
		return 0;
	}
	if (secs ? yaml_to_duration(v, what, secs, d) : yaml_to_size(v, what, bytes, d))
		return -1;
	rel->factor = 0;
	rel->at = NULL;
	return 0;
}

int ex_limits_from_yaml(struct ex_limits *l, const struct yaml_node *n, struct diag *d)
{
	if (yaml_expect_kind(n, YAML_MAP, "'limits'", d) != 0)
		return -1;
	int bad = yaml_check_keys_in(n, limit_keys, "in 'limits'", d) != 0;
	const struct yaml_node *v;
	if ((v = yaml_get(n, "wall")) && limit_value(v, "'wall'", &l->wall_s, NULL, &l->wall_rel, d))
		bad = 1;
	if ((v = yaml_get(n, "cpu")) && limit_value(v, "'cpu'", &l->cpu_s, NULL, &l->cpu_rel, d))
		bad = 1;
	if ((v = yaml_get(n, "memory")) &&
	    limit_value(v, "'memory'", NULL, &l->mem_bytes, &l->mem_rel, d))
		bad = 1;
	if ((v = yaml_get(n, "output")) && yaml_to_size(v, "'output'", &l->out_bytes, d) != 0)
		bad = 1;
	if ((v = yaml_get(n, "file_size")) &&
	    yaml_to_size(v, "'file_size'", &l->fsize_bytes, d) != 0)
		bad = 1;
	if ((v = yaml_get(n, "tmp")) && yaml_to_size(v, "'tmp'", &l->tmp_bytes, d) != 0)
		bad = 1;
	long long pids;
	if ((v = yaml_get(n, "pids"))) {
		if (yaml_to_int(v, "'pids'", 1, 100000, &pids, d) != 0)
			bad = 1;
		else
			l->pids = (int)pids;
	}
	return bad ? -1 : 0;
}

/* Exercise ids are path-like names: "python/fizzbuzz". */
static int valid_id(const char *s)
{
	if (!*s || strlen(s) > 128 || *s == '/' || s[strlen(s) - 1] == '/')
		return 0;
	for (const char *p = s; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
		    !strchr("-_./", *p))
			return 0;
	return path_is_contained(s) && !strstr(s, "//") && *s != '.';
}

static void load_id_title(struct exercise *ex, const struct yaml_node *root, struct diag *d)
{
	const struct yaml_node *v;
	const char *s;
	if (!(v = yaml_get(root, "id")))
		yaml_error(d, root, "missing key 'id' (e.g. id: python/fizzbuzz)");
	else if (yaml_to_str(v, "'id'", &s, d) == 0) {
		if (valid_id(s))
			ex->id = xstrdup(s);
		else
			yaml_error(d, v,
				   "'id' must be lower-case letters, digits, '-', '_', '.' and "
				   "'/' between parts, like python/fizzbuzz; not '%s'",
				   s);
	}
	if (!(v = yaml_get(root, "title")))
		yaml_error(d, root, "missing key 'title'");
	else if (yaml_to_str(v, "'title'", &s, d) == 0)
		ex->title = xstrdup(s);
}

/* "io, git": kinds (ex_kind_names) joined for messages. Heap string. */
static char *kind_list(const char **kinds)
{
	struct strbuf all = {0};
	for (size_t i = 0; kinds[i]; i++)
		sb_addf(&all, "%s%s", i ? ", " : "", kinds[i]);
	return sb_detach(&all, NULL);
}

/* Sets ex->kind and ex->kind_ops from 'kind'. Returns the kind whose
 * keys the exercise's and its checks' kind-specific keys are checked
 * against: the exercise's kind, or, when 'kind' is unknown but close to a
 * known kind (a typo), that kind, so one run still reports every unknown
 * key; NULL when there is no kind to check them against (the message
 * says they were not checked). */
static const struct ex_kind *load_kind(struct exercise *ex, const struct yaml_node *root,
				       struct diag *d)
{
	const struct yaml_node *v = yaml_get(root, "kind");
	const char *s;
	if (v && yaml_to_str(v, "'kind'", &s, d) != 0)
		return NULL;
	if (v && (ex->kind_ops = ex_kind_find(s))) {
		ex->kind = xstrdup(s);
		return ex->kind_ops;
	}
	const char **kinds = ex_kind_names();
	char *all = kind_list(kinds);
	const char *hint = v ? closest_word(s, kinds) : NULL;
	if (!v)
		yaml_error(d, root,
			   "missing key 'kind' (one of the exercise kinds: %s); the keys of "
			   "the kind are not checked until it is given",
			   all);
	else if (hint)
		yaml_error(d, v,
			   "unknown kind '%s' (did you mean '%s'?); the other keys are checked "
			   "as for %s",
			   s, hint, hint);
	else
		yaml_error(d, v,
			   "unknown kind '%s' (known kinds: %s); the keys of the kind are not "
			   "checked until it is known",
			   s, all);
	const struct ex_kind *guess = hint ? ex_kind_find(hint) : NULL;
	free(all);
	free(kinds);
	return guess;
}

static void load_files(struct exercise *ex, const struct yaml_node *root, struct diag *d)
{
	const struct yaml_node *v = yaml_get(root, "files");
	const char **list;
	size_t n;
	if (!v || yaml_to_str_list(v, "'files'", &list, &n, d) != 0)
		return;
	ex->files = xcalloc(n + 1, sizeof *ex->files);
	for (size_t i = 0; i < n; i++) {
		const struct yaml_node *at = v->kind == YAML_SEQ ? v->items[i] : v;
		if (!path_is_contained(list[i]))
			yaml_error(d, at,
				   "file '%s' must be a relative path inside the exercise's folder "
				   "of the submission",
				   list[i]);
		else
			ex->files[ex->nfiles++] = xstrdup(list[i]);
	}
	free(list);
}

static int load_visibility(struct ex_check *c, const struct yaml_node *v, struct diag *d)
{
	const char *s;
	if (yaml_to_str(v, "'visibility'", &s, d) != 0)
		return -1;
	for (int i = 0; visibility_names[i]; i++) {
		if (!strcmp(s, visibility_names[i])) {
			c->visibility = (enum visibility)i;
			return 0;
		}
	}
	const char *hint = closest_word(s, visibility_names);
	if (hint)
		yaml_error(d, v, "unknown visibility '%s' (did you mean '%s'?)", s, hint);
	else
		yaml_error(d, v, "unknown visibility '%s' (one of visible, hidden, after_due)", s);
	return -1;
}

static void load_check(struct exercise *ex, struct ex_check *c, const struct yaml_node *spec,
		       struct diag *d)
{
	c->spec = spec;
	c->points = 1;
	c->limits = ex->limits;
	const struct yaml_node *v;
	const char *s;
	if (!(v = yaml_get(spec, "name")))
		yaml_error(d, spec, "a check needs a 'name'");
	else if (yaml_to_str(v, "'name'", &s, d) == 0)
		c->name = xstrdup(s);
	if ((v = yaml_get(spec, "points"))) {
		if (yaml_to_double(v, "'points'", &c->points, d) != 0)
			c->points = 0;
		else if (!isfinite(c->points) || c->points < 0 || c->points > 1e6) {
			yaml_error(d, v, "'points' must be between 0 and 1000000");
			c->points = 0;
		}
	}
	if ((v = yaml_get(spec, "visibility")))
		load_visibility(c, v, d);
	if ((v = yaml_get(spec, "hint"))) {
		if (yaml_to_str(v, "'hint'", &s, d) != 0)
			;
		else if (!*s)
			yaml_error(d, v, "'hint' is empty: give the help a learner reads when the "
					 "check fails, or leave it out");
		else
			c->hint = xstrdup(s);
	}
	if ((v = yaml_get(spec, "limits")))
		ex_limits_from_yaml(&c->limits, v, d);
	if ((v = yaml_get(spec, "depends_on"))) {
		const char **list;
		size_t n;
		if (yaml_to_str_list(v, "'depends_on'", &list, &n, d) == 0) {
			c->depends_on = xcalloc(n + 1, sizeof *c->depends_on);
			for (size_t i = 0; i < n; i++)
				c->depends_on[i] = xstrdup(list[i]);
			c->ndeps = n;
			free(list);
		}
	}
}

/* The node of check ci's i-th dependency, for positioned errors. */
static const struct yaml_node *dep_node(const struct ex_check *c, size_t i)
{
	const struct yaml_node *v = yaml_get(c->spec, "depends_on");
	return v && v->kind == YAML_SEQ && i < v->n ? v->items[i] : v;
}

/* Resolves depends_on names, reports unknown ones and cycles, and
 * computes the check order (dependencies first, otherwise file order). */
static void order_checks(struct exercise *ex, struct diag *d)
{
	size_t n = ex->nchecks;
	size_t **deps = xcalloc(n ? n : 1, sizeof *deps);
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		struct ex_check *c = &ex->checks[i];
		deps[i] = xcalloc(c->ndeps + 1, sizeof **deps);
		for (size_t j = 0; j < c->ndeps; j++) {
			int k = exercise_find_check(ex, c->depends_on[j]);
			if (k < 0) {
				const char **names = xcalloc(n + 1, sizeof *names);
				for (size_t m = 0; m < n; m++)
					names[m] = ex->checks[m].name ? ex->checks[m].name : "";
				const char *hint = closest_word(c->depends_on[j], names);
				if (hint)
					yaml_error(
					    d, dep_node(c, j),
					    "depends_on '%s': no check has that name (did you "
					    "mean '%s'?)",
					    c->depends_on[j], hint);
				else
					yaml_error(d, dep_node(c, j),
						   "depends_on '%s': no check has that name",
						   c->depends_on[j]);
				free(names);
				bad = 1;
			} else if ((size_t)k == i) {
				yaml_error(d, dep_node(c, j), "check '%s' depends on itself",
					   c->name);
				bad = 1;
			}
			deps[i][j] = k < 0 ? SIZE_MAX : (size_t)k;
		}
	}
	/* Kahn's algorithm, always taking the earliest ready check */
	ex->check_order = xcalloc(n ? n : 1, sizeof *ex->check_order);
	char *done = xcalloc(n ? n : 1, 1);
	size_t placed = 0;
	while (placed < n) {
		size_t pick = SIZE_MAX;
		for (size_t i = 0; i < n && pick == SIZE_MAX; i++) {
			if (done[i])
				continue;
			int ready = 1;
			for (size_t j = 0; j < ex->checks[i].ndeps; j++)
				if (deps[i][j] != SIZE_MAX && deps[i][j] != i && !done[deps[i][j]])
					ready = 0;
			if (ready)
				pick = i;
		}
		if (pick == SIZE_MAX)
			break;
		done[pick] = 1;
		ex->check_order[placed++] = pick;
	}
	if (placed < n && !bad) {
		/* report the cycle through the first check left over */
		size_t start = 0;
		while (done[start])
			start++;
		struct strbuf path = {0};
		char *on_path = xcalloc(n, 1);
		size_t *next = xcalloc(n, sizeof *next);
		size_t cur = start;
		while (!on_path[cur]) {
			on_path[cur] = 1;
			for (size_t j = 0; j < ex->checks[cur].ndeps; j++) {
				size_t k = deps[cur][j];
				if (k != SIZE_MAX && !done[k]) {
					next[cur] = k;
					break;
				}
			}
			cur = next[cur];
		}
		size_t first = cur;
		do {
			sb_addf(&path, "'%s' -> ", ex->checks[cur].name);
			cur = next[cur];
		} while (cur != first);
		free(next);
		sb_addf(&path, "'%s'", ex->checks[first].name);
		yaml_error(d, yaml_get(ex->checks[first].spec, "depends_on"),
			   "depends_on cycle: %s", path.buf);
		sb_free(&path);
		free(on_path);
	}
	free(done);
	for (size_t i = 0; i < n; i++)
		free(deps[i]);
	free(deps);
}

/* common (NULL-terminated, its own length n) followed by the kind's keys,
 * as one NULL-terminated list; free() it. */
static const char **merge_keys(const char *const *common, size_t n, const char *const *kind)
{
	size_t nk = 0;
	while (kind && kind[nk])
		nk++;
	const char **all = xcalloc(n + nk + 1, sizeof *all);
	memcpy(all, common, n * sizeof *all);
	for (size_t i = 0; i < nk; i++)
		all[n + i] = kind[i];
	return all;
}

/* keys_kind: the kind whose check keys are allowed (load_kind's
 * answer); NULL: only the shared keys are loaded, no key is refused. */
static void load_checks(struct exercise *ex, const struct ex_kind *keys_kind,
			const struct yaml_node *root, struct diag *d)
{
	const struct yaml_node *v = yaml_get(root, "checks");
	if (!v) {
		yaml_error(d, root, "missing key 'checks' (a list of at least one check)");
		return;
	}
	if (yaml_expect_kind(v, YAML_SEQ, "'checks'", d) != 0)
		return;
	if (v->n == 0) {
		yaml_error(d, v, "'checks' must list at least one check");
		return;
	}
	const char **allowed =
	    merge_keys(common_check_keys, sizeof common_check_keys / sizeof *common_check_keys - 1,
		       keys_kind ? keys_kind->check_keys : NULL);
	ex->checks = xcalloc(v->n, sizeof *ex->checks);
	int all_maps = 1;
	for (size_t i = 0; i < v->n; i++) {
		const struct yaml_node *spec = v->items[i];
		if (yaml_expect_kind(spec, YAML_MAP, "a check", d) != 0) {
			all_maps = 0;
			continue;
		}
		if (keys_kind)
			yaml_check_keys_in(spec, allowed, "in a check", d);
		struct ex_check *c = &ex->checks[ex->nchecks++];
		load_check(ex, c, spec, d);
		for (size_t j = 0; j + 1 < ex->nchecks && c->name; j++) {
			if (ex->checks[j].name && !strcmp(ex->checks[j].name, c->name)) {
				yaml_error(d, yaml_get(spec, "name"),
					   "duplicate check name '%s' (first at line %d; names "
					   "must be unique)",
					   c->name, yaml_get(ex->checks[j].spec, "name")->line);
				break;
			}
		}
	}
	free(allowed);
	if (all_maps)
		order_checks(ex, d);
}

static void check_points(struct exercise *ex, const struct yaml_node *root, struct diag *d)
{
	double sum = 0;
	for (size_t i = 0; i < ex->nchecks; i++)
		sum += ex->checks[i].points;
	ex->points = sum;
	const struct yaml_node *v = yaml_get(root, "points");
	double want;
	if (!v || yaml_to_double(v, "'points'", &want, d) != 0)
		return;
	if (fabs(want - sum) > 1e-9)
		yaml_error(d, v, "'points' is %g but the checks' points add up to %g", want, sum);
}

char *exercise_file_path(const struct exercise *ex, const struct yaml_node *n, const char *rel,
			 const char *what, uint64_t max, struct diag *d)
{
	if (!path_is_contained(rel)) {
		yaml_error(d, n, "%s '%s' must be a relative path inside the exercise folder", what,
			   rel);
		return NULL;
	}
	char *p = path_join(ex->dir, rel);
	char *real = realpath(p, NULL);
	size_t dl = strlen(ex->dir);
	struct stat st;
	free(p);
	if (!real || stat(real, &st) != 0)
		yaml_error(d, n, "%s '%s' not found in the exercise folder", what, rel);
	else if (strncmp(real, ex->dir, dl) != 0 || real[dl] != '/')
		yaml_error(d, n, "%s '%s' leads out of the exercise folder (a symbolic link)", what,
			   rel);
	else if (!S_ISREG(st.st_mode))
		yaml_error(d, n, "%s '%s' is not a regular file", what, rel);
	else if ((uint64_t)st.st_size > max)
		yaml_error(d, n, "%s '%s' is larger than %llu KiB", what, rel,
			   (unsigned long long)(max >> 10));
	else
		return real;
	free(real);
	return NULL;
}

/* ---- digest: exercise.yaml and every file the grading may read ---- */

static int skip_in_digest(const char *name, int top)
{
	if (name[0] == '.')
		return 1;
	/* solutions and the learner's starter do not change how work is graded;
	 * a pytest-tests exercise's reference/ and broken/ do, so they count */
	return top && (!strcmp(name, "solution") || !strcmp(name, "wrong") ||
		       !strcmp(name, "starter") || !strcmp(name, "README.md") ||
		       !strcmp(name, CALIBRATION_FILE)); /* it names this digest */
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* skip_top: leave out what skip_in_digest names at the top (an exercise's
 * folder), else only dotfiles (a solution's folder). */
static void digest_tree(EVP_MD_CTX *md, const char *dir, const char *rel, int depth, int skip_top)
{
	if (depth > 32)
		return;
	DIR *dp = opendir(dir);
	if (!dp)
		return;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(dp))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    skip_in_digest(de->d_name, depth == 0 && skip_top))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xrealloc(names, cap * sizeof *names);
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(dp);
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *p = path_join(dir, names[i]);
		char *r = *rel ? path_join(rel, names[i]) : xstrdup(names[i]);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			digest_tree(md, p, r, depth + 1, skip_top);
		} else if (S_ISREG(st.st_mode)) {
			char *data;
			size_t len;
			if (read_file(p, (size_t)1 << 30, &data, &len) == 0) {
				char head[64];
				int hl = snprintf(head, sizeof head, "%zu", len);
				EVP_DigestUpdate(md, r, strlen(r) + 1);
				EVP_DigestUpdate(md, head, (size_t)hl + 1);
				EVP_DigestUpdate(md, data, len);
				free(data);
			}
		}
		free(p);
		free(r);
		free(names[i]);
	}
	free(names);
}

static void tree_digest(const char *dir, int skip_top, char out[72])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char raw[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (!md)
		abort();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	digest_tree(md, dir, "", 0, skip_top);
	EVP_DigestFinal_ex(md, raw, &len);
	EVP_MD_CTX_free(md);
	char *p = out + snprintf(out, 72, "sha256:");
	for (unsigned int i = 0; i < len && i < 32; i++)
		p += snprintf(p, 3, "%02x", raw[i]);
}

static void compute_digest(struct exercise *ex)
{
	tree_digest(ex->dir, 1, ex->digest);
}

void exercise_solution_digest(const char *dir, char out[72])
{
	tree_digest(dir, 0, out);
}

/* ---- loading ---- */

static void check_top_keys(const struct ex_kind *keys_kind, const struct yaml_node *root,
			   struct diag *d)
{
	const char **allowed = merge_keys(common_keys, sizeof common_keys / sizeof *common_keys - 1,
					  keys_kind->exercise_keys);
	yaml_check_keys_in(root, allowed, "in exercise.yaml", d);
	free(allowed);
}

/* The kind's own parts: the exercise's, then every check's. */
static int load_kind_parts(struct exercise *ex, const struct yaml_node *root, struct diag *d)
{
	const struct ex_kind *k = ex->kind_ops;
	int bad = k->load && k->load(ex, root, d) != 0;
	for (size_t i = 0; k->load_check && i < ex->nchecks; i++)
		if (ex->checks[i].spec && k->load_check(ex, &ex->checks[i], d) != 0)
			bad = 1;
	return bad ? -1 : 0;
}

struct exercise *exercise_load(const char *dir, struct diag *d)
{
	size_t errors0 = d->errors;
	char *abs = realpath(dir, NULL);
	if (!abs) {
		diag_error(d, dir, 0, 0, "cannot open exercise folder: %s", strerror(errno));
		return NULL;
	}
	struct exercise *ex = xcalloc(1, sizeof *ex);
	ex->dir = abs;
	ex->path = path_join(abs, "exercise.yaml");
	ex->doc = yaml_load_file(ex->path, d);
	if (!ex->doc) {
		exercise_free(ex);
		return NULL;
	}
	const struct yaml_node *root = ex->doc;
	if (yaml_expect_kind(root, YAML_MAP, "exercise.yaml", d) != 0) {
		exercise_free(ex);
		return NULL;
	}
	load_id_title(ex, root, d);
	const struct ex_kind *keys_kind = load_kind(ex, root, d);
	if (keys_kind)
		check_top_keys(keys_kind, root, d);
	load_files(ex, root, d);
	const struct yaml_node *v;
	if ((v = yaml_get(root, "limits")))
		ex_limits_from_yaml(&ex->limits, v, d);
	load_checks(ex, keys_kind, root, d);
	check_points(ex, root, d);
	compute_digest(ex);
	/* before the kind's part, which may compare its own settings with the
	 * limits (a server's startup_timeout, a pytest test_timeout) */
	if (d->errors == errors0)
		exercise_apply_calibration(ex, d);
	if (ex->kind_ops && ex->checks && load_kind_parts(ex, root, d) != 0 &&
	    d->errors == errors0)
		yaml_error(d, root, "the %s kind refused this exercise", ex->kind);
	if (d->errors > errors0) {
		exercise_free(ex);
		return NULL;
	}
	return ex;
}

void exercise_free(struct exercise *ex)
{
	if (!ex)
		return;
	for (size_t i = 0; ex->kind_ops && ex->kind_ops->free_check && i < ex->nchecks; i++) {
		if (ex->checks[i].data)
			ex->kind_ops->free_check(&ex->checks[i]);
		ex->checks[i].data = NULL;
	}
	if (ex->kind_ops && ex->kind_ops->free)
		ex->kind_ops->free(ex);
	for (size_t i = 0; i < ex->nchecks; i++) {
		struct ex_check *c = &ex->checks[i];
		free(c->name);
		free(c->hint);
		for (size_t j = 0; j < c->ndeps; j++)
			free(c->depends_on[j]);
		free(c->depends_on);
	}
	free(ex->checks);
	free(ex->check_order);
	for (size_t i = 0; i < ex->nfiles; i++)
		free(ex->files[i]);
	free(ex->files);
	yaml_node_free(ex->doc);
	free(ex->id);
	free(ex->title);
	free(ex->kind);
	free(ex->dir);
	free(ex->path);
	free(ex->submit_path);
	free(ex->uncalibrated);
	free(ex->calibrated_reference);
	free(ex);
}

char *exercise_named_file(const struct exercise *ex, const struct yaml_node *n, uint64_t max,
			  struct diag *d)
{
	static const char *const keys[] = {"file", NULL};
	const struct yaml_node *f = yaml_get(n, "file");
	const char *rel;
	if (!f) {
		yaml_error(d, n, "expected a string or {file: PATH}");
		return NULL;
	}
	if (yaml_check_keys(n, keys, d) != 0 || yaml_to_str(f, "'file'", &rel, d) != 0)
		return NULL;
	return exercise_file_path(ex, f, rel, "file", max, d);
}

int exercise_files_load(const struct exercise *ex, const struct yaml_node *n, const char *what,
			uint64_t max, struct ex_file **out, size_t *count, struct diag *d)
{
	*out = NULL;
	*count = 0;
	if (yaml_expect_kind(n, YAML_MAP, what, d) != 0)
		return -1;
	int bad = 0;
	struct ex_file *files = xcalloc(n->n ? n->n : 1, sizeof *files);
	size_t nf = 0;
	for (size_t i = 0; i < n->n; i++) {
		const char *name = n->keys[i]->scalar;
		const struct yaml_node *v = n->items[i];
		if (!path_is_contained(name)) {
			yaml_error(d, n->keys[i], "file name '%s' must stay inside the work dir",
				   name);
			bad = 1;
			continue;
		}
		struct ex_file *f = &files[nf];
		if (v->kind == YAML_SCALAR) {
			f->data = xstrndup(v->scalar, v->scalar_len);
			f->len = v->scalar_len;
		} else {
			char *p = v->kind == YAML_MAP ? exercise_named_file(ex, v, max, d) : NULL;
			if (v->kind != YAML_MAP)
				yaml_error(d, v,
					   "the content of '%s' must be a string or {file: PATH}",
					   name);
			if (!p || read_file(p, max, &f->data, &f->len) != 0) {
				free(p);
				bad = 1;
				continue;
			}
			free(p);
		}
		f->name = xstrdup(name);
		nf++;
	}
	*out = files;
	*count = nf;
	return bad ? -1 : 0;
}

void ex_files_free(struct ex_file *f, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(f[i].name);
		free(f[i].data);
	}
	free(f);
}

int exercise_find_check(const struct exercise *ex, const char *name)
{
	for (size_t i = 0; i < ex->nchecks; i++)
		if (ex->checks[i].name && !strcmp(ex->checks[i].name, name))
			return (int)i;
	return -1;
}
