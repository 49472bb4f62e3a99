/*
 * course.c - loads course.yaml: the course's exercises, their place in
 * the course (stage, order), due dates and the folder of the learner's
 * repository each is read from. Every exercise is loaded even after an
 * error so one lint run shows every problem of the course.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "exercise.h"
#include "grader/util/util.h"

static const char *const course_keys[] = {"title", "summary", "exercises", NULL};
static const char *const entry_keys[] = {"path", "stage", "order", "due", "submit", NULL};

/* "2027-01-31" (the end of that day, UTC), "2027-01-31T23:59[:59]" (UTC)
 * with an optional "Z" or "+HH:MM"/"-HH:MM" offset. 0, or -1. */
static int parse_due(const char *s, time_t *out)
{
	struct tm tm = {0};
	int y, mo, da, h = 23, mi = 59, se = 59, n = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &da, &n) != 3 || n != 10)
		return -1;
	const char *p = s + n;
	int tz = 0;
	if (*p == 'T' || *p == ' ') {
		int m = 0;
		se = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &m) != 2 || m != 5)
			return -1;
		p += 1 + m;
		if (*p == ':') {
			if (sscanf(p + 1, "%2d%n", &se, &m) != 1 || m != 2)
				return -1;
			p += 3;
		}
		if (*p == 'Z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om;
			if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &m) != 2 || m != 5 || oh > 23 ||
			    om > 59)
				return -1;
			tz = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
			p += 1 + m;
		}
	}
	if (*p || mo < 1 || mo > 12 || da < 1 || da > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = da;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	time_t t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != da)
		return -1; /* timegm normalised an impossible date such as 02-30 */
	*out = t - tz;
	return 0;
}

struct entry {
	struct exercise *ex;
	size_t index;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->ex->stage != y->ex->stage)
		return x->ex->stage < y->ex->stage ? -1 : 1;
	if (x->ex->order != y->ex->order)
		return x->ex->order < y->ex->order ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* The folder an entry's 'path' names, for finding an exercise listed
 * twice: its real path, or the path as written when it does not resolve
 * (or NULL when the entry has no string 'path'). Heap string. */
static char *entry_folder(const struct course *c, const struct yaml_node *e)
{
	const struct yaml_node *v = yaml_get(e, "path");
	if (!v || v->kind != YAML_SCALAR || !path_is_contained(v->scalar))
		return NULL;
	char *dir = path_join(c->dir, v->scalar);
	char *real = realpath(dir, NULL);
	if (real) {
		free(dir);
		return real;
	}
	return dir;
}

/* Loads one entry of 'exercises'. first: the earlier entry listing the
 * same folder, or NULL; such a repeat is reported with the entry's own
 * problems, and its exercise is not loaded again (its problems were
 * reported at the first entry). The exercise, or NULL after diagnostics. */
static struct exercise *load_entry(const struct course *c, const struct yaml_node *e, size_t i,
				   const struct yaml_node *first, struct diag *d)
{
	if (yaml_expect_kind(e, YAML_MAP, "an entry of 'exercises'", d) != 0)
		return NULL;
	size_t errors0 = d->errors;
	yaml_check_keys_in(e, entry_keys, "in an entry of 'exercises'", d);
	const struct yaml_node *v;
	const char *path = NULL, *submit = NULL, *due = NULL;
	long long stage = 1, order = (long long)i + 1;
	time_t due_t = 0;
	if (!(v = yaml_get(e, "path")))
		yaml_error(d, e, "an exercise entry needs 'path' (its folder in the course)");
	else if (yaml_to_str(v, "'path'", &path, d) == 0 && !path_is_contained(path)) {
		yaml_error(d, v, "'path' must be a folder inside the course, not '%s'", path);
		path = NULL;
	}
	if ((v = yaml_get(e, "submit")) && yaml_to_str(v, "'submit'", &submit, d) == 0 &&
	    strcmp(submit, ".") != 0 && !path_is_contained(submit)) {
		yaml_error(d, v,
			   "'submit' must be a folder inside the learner's repository, not '%s'",
			   submit);
	}
	if ((v = yaml_get(e, "stage")))
		yaml_to_int(v, "'stage'", 1, 99, &stage, d);
	if ((v = yaml_get(e, "order")))
		yaml_to_int(v, "'order'", 0, 100000, &order, d);
	if ((v = yaml_get(e, "due")) && yaml_to_str(v, "'due'", &due, d) == 0 &&
	    parse_due(due, &due_t) != 0)
		yaml_error(d, v,
			   "'due' must be a date like 2027-01-31 or 2027-01-31T23:59:00Z, not "
			   "'%s'",
			   due);
	if (path && first) {
		yaml_error(d, yaml_get(e, "path"),
			   "exercise '%s' is listed twice (first at line %d): list each exercise "
			   "once",
			   path, first->line);
		return NULL;
	}
	if (!path)
		return NULL;
	char *dir = path_join(c->dir, path);
	char *yaml = path_join(dir, "exercise.yaml");
	struct stat st;
	struct exercise *ex = NULL;
	if (lstat(yaml, &st) != 0 || !S_ISREG(st.st_mode))
		yaml_error(d, yaml_get(e, "path"), "'%s' has no exercise.yaml", path);
	else
		ex = exercise_load(dir, d);
	free(yaml);
	free(dir);
	if (!ex || d->errors > errors0) {
		exercise_free(ex);
		return NULL;
	}
	ex->stage = (int)stage;
	ex->order = (int)order;
	ex->due = due_t;
	ex->submit_path = xstrdup(submit ? submit : path);
	return ex;
}

struct course *course_load(const char *dir, struct diag *d)
{
	size_t errors0 = d->errors;
	char *abs = realpath(dir, NULL);
	if (!abs) {
		diag_error(d, dir, 0, 0, "cannot open course folder: %s", strerror(errno));
		return NULL;
	}
	struct course *c = xcalloc(1, sizeof *c);
	c->dir = abs;
	c->path = path_join(abs, "course.yaml");
	c->doc = yaml_load_file(c->path, d);
	if (!c->doc || yaml_expect_kind(c->doc, YAML_MAP, "course.yaml", d) != 0) {
		course_free(c);
		return NULL;
	}
	const struct yaml_node *root = c->doc, *v;
	const char *s;
	yaml_check_keys_in(root, course_keys, "in course.yaml", d);
	if (!(v = yaml_get(root, "title")))
		yaml_error(d, root, "missing key 'title'");
	else if (yaml_to_str(v, "'title'", &s, d) == 0)
		c->title = xstrdup(s);
	const struct yaml_node *list = yaml_get(root, "exercises");
	if (!list)
		yaml_error(d, root, "missing key 'exercises' (the list of the course's exercises)");
	else if (yaml_expect_kind(list, YAML_SEQ, "'exercises'", d) == 0 && list->n == 0)
		yaml_error(d, list, "'exercises' lists no exercise");
	if (!list || list->kind != YAML_SEQ || d->errors > errors0) {
		course_free(c);
		return NULL;
	}
	struct entry *entries = xcalloc(list->n, sizeof *entries);
	char **folders = xcalloc(list->n, sizeof *folders);
	size_t n = 0;
	for (size_t i = 0; i < list->n; i++) {
		const struct yaml_node *first = NULL;
		folders[i] = entry_folder(c, list->items[i]);
		for (size_t j = 0; j < i && folders[i] && !first; j++)
			if (folders[j] && !strcmp(folders[j], folders[i]))
				first = list->items[j];
		struct exercise *ex = load_entry(c, list->items[i], i, first, d);
		if (!ex)
			continue;
		for (size_t j = 0; j < n; j++) {
			if (!strcmp(entries[j].ex->id, ex->id)) {
				yaml_error(
				    d, list->items[i],
				    "exercise id '%s' is already used by the exercise in '%s'",
				    ex->id, entries[j].ex->dir);
				break;
			}
		}
		entries[n].ex = ex;
		entries[n].index = i;
		n++;
	}
	for (size_t i = 0; i < list->n; i++)
		free(folders[i]);
	free(folders);
	qsort(entries, n, sizeof *entries, cmp_entry);
	c->ex = xcalloc(n ? n : 1, sizeof *c->ex);
	for (size_t i = 0; i < n; i++)
		c->ex[c->n++] = entries[i].ex;
	free(entries);
	if (d->errors > errors0) {
		course_free(c);
		return NULL;
	}
	return c;
}

void course_free(struct course *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		exercise_free(c->ex[i]);
	free(c->ex);
	yaml_node_free(c->doc);
	free(c->dir);
	free(c->path);
	free(c->title);
	free(c);
}

const struct exercise *course_find(const struct course *c, const char *id)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->ex[i]->id, id))
			return c->ex[i];
	return NULL;
}

/* Is id one of the comma-separated ids of list (NULL or "": all)? */
static int listed(const char *list, const char *id)
{
	if (!list || !*list)
		return 1;
	size_t n = strlen(id);
	for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, id, n) && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

void course_grading_digest(const struct course *c, const char *exercises, char out[72])
{
	struct strbuf sb = {0};
	sb_adds(&sb, "grader-course/1\n");
	for (size_t i = 0; i < c->n; i++)
		if (listed(exercises, c->ex[i]->id))
			sb_addf(&sb, "%s\n%s\n", c->ex[i]->id, c->ex[i]->digest);
	char hex[65];
	sha256_hex(sb.buf, sb.len, hex);
	sb_free(&sb);
	snprintf(out, 72, "sha256:%s", hex);
}
