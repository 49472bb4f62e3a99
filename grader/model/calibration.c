/*
 * calibration.c - calibration.json: the reference's figures per check
 * (parse, format), and the resolution of the limits an exercise writes
 * relative to them ("wall: 5x reference"). See calibration.h.
 *
 * The file is JSON, read with the project's YAML reader (JSON is YAML) so
 * every mistake is reported at its line and column; unknown keys, wrong
 * types, a check named twice, a version other than CALIBRATION_VERSION
 * are refused.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "calibration.h"
#include "exercise.h"
#include "yaml.h"
#include "grader/util/beneath.h"
#include "grader/util/util.h"

static int measuring;

void calibration_set_measuring(int on)
{
	measuring = on;
}

int limit_relative_parse(const char *s, double *factor)
{
	static const char word[] = "reference";
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n < sizeof word - 1 || memcmp(s + n - (sizeof word - 1), word, sizeof word - 1))
		return 0;
	const char *p = s, *end = s + n - (sizeof word - 1);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	/* FACTOR: digits, optionally a point and digits */
	const char *num = p;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (p < end && *p == '.' && p > num) {
		p++;
		const char *frac = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == frac)
			return -1;
	}
	if (p == num || p - num > 12)
		return -1;
	char buf[16];
	memcpy(buf, num, (size_t)(p - num));
	buf[p - num] = 0;
	while (p < end && *p == ' ')
		p++;
	if (p == end || *p != 'x')
		return -1;
	p++;
	if (p == end || (*p != ' ' && *p != '\t'))
		return -1;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p != end)
		return -1;
	double f = strtod(buf, NULL);
	if (!(f >= CAL_FACTOR_MIN && f <= CAL_FACTOR_MAX))
		return -1;
	*factor = f;
	return 1;
}

/* ---- the file ---- */

static const char *const top_keys[] = {"calibration", "exercise", "digest", "reference",
				       "runs",        "figure",   "checks", NULL};

static int is_digest(const char *s)
{
	return !strncmp(s, "sha256:", 7) && strlen(s) == 71 && strspn(s + 7, "0123456789abcdef") == 64;
}
static const char *const check_keys[] = {"name", "wall_ms", "cpu_ms", "peak_kib", NULL};

static void parse_check(const struct yaml_node *n, struct calibration *c, struct diag *d)
{
	if (yaml_expect_kind(n, YAML_MAP, "a check of 'checks'", d) != 0)
		return;
	yaml_check_keys(n, check_keys, d);
	const struct yaml_node *v = yaml_get(n, "name");
	const char *name;
	if (!v) {
		yaml_error(d, n, "a check needs its 'name'");
		return;
	}
	if (yaml_to_str(v, "'name'", &name, d) != 0)
		return;
	if (calibration_find(c, name)) {
		yaml_error(d, v, "check '%s' appears twice", name);
		return;
	}
	struct cal_check *k = &c->checks[c->n++];
	k->name = xstrdup(name);
	static const char *const fig[] = {"wall_ms", "cpu_ms", "peak_kib"};
	long long *out[] = {&k->wall_ms, &k->cpu_ms, &k->peak_kib};
	for (int i = 0; i < 3; i++) {
		*out[i] = -1;
		char what[24];
		snprintf(what, sizeof what, "'%s'", fig[i]);
		if ((v = yaml_get(n, fig[i])) &&
		    yaml_to_int(v, what, 0, 1000000000000LL, out[i], d) != 0)
			*out[i] = -1;
	}
}

int calibration_parse(const char *name, const char *text, size_t len, struct calibration *out,
		      struct diag *d)
{
	memset(out, 0, sizeof *out);
	size_t errors0 = d->errors;
	struct yaml_node *root = yaml_parse(name, text, len, d);
	if (!root)
		return -1;
	if (yaml_expect_kind(root, YAML_MAP, "a calibration", d) != 0)
		goto done;
	yaml_check_keys(root, top_keys, d);
	const struct yaml_node *v;
	long long i;
	const char *s;
	if (!(v = yaml_get(root, "calibration")))
		yaml_error(d, root, "missing key 'calibration' (the file format's version, %d)",
			   CALIBRATION_VERSION);
	else
		yaml_to_int(v, "'calibration'", CALIBRATION_VERSION, CALIBRATION_VERSION, &i, d);
	if (!(v = yaml_get(root, "exercise")))
		yaml_error(d, root, "missing key 'exercise' (the exercise's id)");
	else if (yaml_to_str(v, "'exercise'", &s, d) == 0)
		out->exercise = xstrdup(s);
	if (!(v = yaml_get(root, "digest")))
		yaml_error(d, root, "missing key 'digest' (the exercise's digest when measured)");
	else if (yaml_to_str(v, "'digest'", &s, d) == 0) {
		if (!is_digest(s))
			yaml_error(d, v, "'digest' must be sha256: and 64 hex digits");
		else
			out->digest = xstrdup(s);
		out->digest_line = v->line;
		out->digest_col = v->col;
	}
	if ((v = yaml_get(root, "reference")) && yaml_to_str(v, "'reference'", &s, d) == 0) {
		if (!is_digest(s))
			yaml_error(d, v, "'reference' must be sha256: and 64 hex digits");
		else
			out->reference = xstrdup(s);
	}
	if (!(v = yaml_get(root, "runs")))
		yaml_error(d, root, "missing key 'runs' (how many runs were measured)");
	else if (yaml_to_int(v, "'runs'", 1, 1000, &i, d) == 0)
		out->runs = (int)i;
	if ((v = yaml_get(root, "figure")) && yaml_to_str(v, "'figure'", &s, d) == 0 &&
	    strcmp(s, "max"))
		yaml_error(d, v, "'figure' must be max (the largest of the runs), not '%s'", s);
	if (!(v = yaml_get(root, "checks")))
		yaml_error(d, root, "missing key 'checks' (the figures of each check)");
	else if (yaml_expect_kind(v, YAML_SEQ, "'checks'", d) == 0) {
		out->checks = xcalloc(v->n ? v->n : 1, sizeof *out->checks);
		for (size_t k = 0; k < v->n; k++)
			parse_check(v->items[k], out, d);
	}
done:
	yaml_node_free(root);
	return d->errors > errors0 ? -1 : 0;
}

char *calibration_format(const struct calibration *c)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "calibration", CALIBRATION_VERSION);
	cJSON_AddStringToObject(o, "exercise", c->exercise ? c->exercise : "");
	cJSON_AddStringToObject(o, "digest", c->digest ? c->digest : "");
	if (c->reference)
		cJSON_AddStringToObject(o, "reference", c->reference);
	cJSON_AddNumberToObject(o, "runs", c->runs);
	cJSON_AddStringToObject(o, "figure", "max");
	cJSON *a = cJSON_AddArrayToObject(o, "checks");
	for (size_t i = 0; i < c->n; i++) {
		const struct cal_check *k = &c->checks[i];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "name", k->name);
		if (k->wall_ms >= 0)
			cJSON_AddNumberToObject(e, "wall_ms", (double)k->wall_ms);
		if (k->cpu_ms >= 0)
			cJSON_AddNumberToObject(e, "cpu_ms", (double)k->cpu_ms);
		if (k->peak_kib >= 0)
			cJSON_AddNumberToObject(e, "peak_kib", (double)k->peak_kib);
		cJSON_AddItemToArray(a, e);
	}
	char *text = cJSON_Print(o);
	cJSON_Delete(o);
	if (!text)
		abort();
	char *out = xasprintf("%s\n", text);
	cJSON_free(text);
	return out;
}

void calibration_free(struct calibration *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->checks[i].name);
	free(c->checks);
	free(c->exercise);
	free(c->digest);
	free(c->reference);
	memset(c, 0, sizeof *c);
}

const struct cal_check *calibration_find(const struct calibration *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->checks[i].name, name))
			return &c->checks[i];
	return NULL;
}

/* ---- resolving an exercise's relative limits ---- */

static int any_relative(const struct ex_limits *l)
{
	return l->wall_rel.factor > 0 || l->cpu_rel.factor > 0 || l->mem_rel.factor > 0;
}

/* The first place a relative limit is written, for messages. */
static const struct yaml_node *first_relative(const struct exercise *ex)
{
	for (size_t i = 0; i <= ex->nchecks; i++) {
		const struct ex_limits *l = i == 0 ? &ex->limits : &ex->checks[i - 1].limits;
		if (l->wall_rel.at)
			return l->wall_rel.at;
		if (l->cpu_rel.at)
			return l->cpu_rel.at;
		if (l->mem_rel.at)
			return l->mem_rel.at;
	}
	return NULL;
}

enum fig { FIG_WALL, FIG_CPU, FIG_MEM };
static const char *const fig_name[] = {"wall time", "CPU time", "peak memory"};

static long long figure(const struct cal_check *k, enum fig f)
{
	return !k ? -1 : f == FIG_WALL ? k->wall_ms : f == FIG_CPU ? k->cpu_ms : k->peak_kib;
}

/* Sets the limit of one kind (wall, cpu or memory) from factor x ref,
 * never under the floor. */
static void set_limit(struct ex_limits *l, enum fig f, double factor, long long ref)
{
	if (f == FIG_WALL)
		l->wall_s = fmax(CAL_FLOOR_WALL_S, factor * (double)ref / 1000.0);
	else if (f == FIG_CPU)
		l->cpu_s = fmax(CAL_FLOOR_CPU_S, factor * (double)ref / 1000.0);
	else
		l->mem_bytes = (uint64_t)fmax((double)CAL_FLOOR_MEM_BYTES,
					      ceil(factor * (double)ref * 1024.0));
}

static const struct ex_relative *rel_of(const struct ex_limits *l, enum fig f)
{
	return f == FIG_WALL ? &l->wall_rel : f == FIG_CPU ? &l->cpu_rel : &l->mem_rel;
}

static int resolve(struct exercise *ex, const struct calibration *cal, const char *path,
		   struct diag *d)
{
	int bad = 0;
	for (int f = FIG_WALL; f <= FIG_MEM; f++) {
		/* the exercise's own: what a kind runs once for every check (a
		 * server, a pytest session) gets the largest check figure */
		const struct ex_relative *er = rel_of(&ex->limits, (enum fig)f);
		long long most = -1;
		for (size_t i = 0; i < cal->n; i++)
			if (figure(&cal->checks[i], (enum fig)f) > most)
				most = figure(&cal->checks[i], (enum fig)f);
		if (er->factor > 0) {
			if (most < 0) {
				yaml_error(d, er->at,
					   "the reference's %s was measured for no check (%s): "
					   "this kind does not measure it; write the limit in "
					   "absolute terms",
					   fig_name[f], path);
				bad = 1;
			} else {
				set_limit(&ex->limits, (enum fig)f, er->factor, most);
			}
		}
		for (size_t i = 0; i < ex->nchecks; i++) {
			struct ex_check *c = &ex->checks[i];
			const struct ex_relative *cr = rel_of(&c->limits, (enum fig)f);
			if (cr->factor <= 0)
				continue;
			const struct cal_check *k = c->name ? calibration_find(cal, c->name) : NULL;
			long long ref = figure(k, (enum fig)f);
			if (ref >= 0) {
				set_limit(&c->limits, (enum fig)f, cr->factor, ref);
				continue;
			}
			if (cr->at == er->at && most >= 0) {
				/* inherited, and this check's run is not measured on its
				 * own: the exercise's limit holds for it */
				set_limit(&c->limits, (enum fig)f, cr->factor, most);
				continue;
			}
			if (!k)
				yaml_error(d, cr->at,
					   "check '%s' has no figures in %s (it is newer than "
					   "the calibration): run 'grader check --calibrate %s'",
					   c->name ? c->name : "?", path, ex->dir);
			else
				yaml_error(d, cr->at,
					   "the reference's %s of check '%s' is not measured "
					   "(%s): write this limit in absolute terms",
					   fig_name[f], c->name, path);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

int exercise_apply_calibration(struct exercise *ex, struct diag *d)
{
	int need = any_relative(&ex->limits);
	for (size_t i = 0; i < ex->nchecks && !need; i++)
		need = any_relative(&ex->checks[i].limits);
	if (!need)
		return 0;
	char *path = path_join(ex->dir, CALIBRATION_FILE);
	char *text = NULL;
	size_t len = 0;
	int rc = -1;
	struct calibration cal = {0};
	if (beneath_read(ex->dir, CALIBRATION_FILE, CALIBRATION_MAX, &text, &len) != 0) {
		if (errno != ENOENT) {
			diag_error(d, path, 0, 0, "cannot read the calibration: it %s",
				   beneath_strerror(errno));
			goto out;
		}
		if (measuring) {
			ex->uncalibrated = xstrdup("it has no calibration yet");
			rc = 0;
			goto out;
		}
		yaml_error(d, first_relative(ex),
			   "a limit relative to the reference needs the reference's figures, "
			   "and the exercise has no %s: run 'grader check --calibrate %s'",
			   CALIBRATION_FILE, ex->dir);
		goto out;
	}
	struct diag mine = {0}; /* while measuring, the file is about to be written anew */
	if (calibration_parse(path, text, len, &cal, measuring ? &mine : d) != 0) {
		if (measuring) {
			ex->uncalibrated = xstrdup("its calibration is unreadable");
			rc = 0;
		}
		diag_free(&mine);
		goto out;
	}
	if (strcmp(cal.exercise, ex->id) || strcmp(cal.digest, ex->digest)) {
		if (measuring) {
			ex->uncalibrated = xstrdup("its calibration is stale");
			rc = 0;
			goto out;
		}
		if (strcmp(cal.exercise, ex->id))
			diag_error(d, path, 0, 0,
				   "the calibration is of exercise '%s', not '%s': run 'grader "
				   "check --calibrate %s'",
				   cal.exercise, ex->id, ex->dir);
		else
			diag_error(d, path, cal.digest_line, cal.digest_col,
				   "stale calibration: it measured another version of the "
				   "exercise (%.19s..., now %.19s...), so the limits written as "
				   "'Nx reference' have no figures: run 'grader check --calibrate "
				   "%s'",
				   cal.digest, ex->digest, ex->dir);
		goto out;
	}
	rc = resolve(ex, &cal, path, d);
	if (rc == 0 && cal.reference)
		ex->calibrated_reference = xstrdup(cal.reference);
out:
	calibration_free(&cal);
	free(text);
	free(path);
	return rc;
}
