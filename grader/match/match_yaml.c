/*
 * match_yaml.c - matcher_from_yaml: builds a matcher from the YAML form
 * of an expectation (a plain string, or a map with one matcher key and
 * options), reading {file: PATH} values from the exercise folder.
 *
 * Every problem is reported with the position of the node at fault; a
 * bad JSON file is reported at its own file:line:column. Paths must stay
 * inside the exercise folder and no component may be a symbolic link.
 */
#include "match_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "grader/util/util.h"

#define EXPECTED_FILE_MAX (16u << 20)
#define MATCHER_KEY_LIST                                                                           \
	"exact, trim, lines, unordered_lines, tokens, regex, contains, number, json"

static const char *const matcher_keys[] = {
    "exact",  "trim", "lines", "unordered_lines", "tokens", "regex", "contains",
    "number", "json", NULL,
};

static const char *const allowed_keys[] = {
    "exact", "trim", "lines", "unordered_lines", "tokens",      "regex", "contains", "number",
    "json",  "abs",  "rel",   "subset",          "ignore_case", "not",   "hint", NULL,
};

static const enum match_kind kinds[] = {
    MATCH_EXACT,    MATCH_TRIM,   MATCH_LINES, MATCH_UNORDERED_LINES, MATCH_TOKENS, MATCH_REGEX,
    MATCH_CONTAINS, MATCH_NUMBER, MATCH_JSON,
};

static int matcher_index(const char *key)
{
	for (int i = 0; matcher_keys[i]; i++)
		if (strcmp(key, matcher_keys[i]) == 0)
			return i;
	return -1;
}

/* The key node named name in map, or NULL. */
static const struct yaml_node *key_node(const struct yaml_node *map, const char *name)
{
	for (size_t i = 0; i < map->n; i++)
		if (map->keys[i]->scalar && strcmp(map->keys[i]->scalar, name) == 0)
			return map->keys[i];
	return NULL;
}

/* ---- files from the exercise folder ---- */

/* Refuses a path with a symbolic link in any component and says what is
 * missing. 0, or -1 after a diagnostic at node at. */
static int check_components(const struct yaml_node *at, const char *exdir, const char *rel,
			    struct diag *d)
{
	char *prefix = xstrdup(rel);
	int rc = 0;
	char *slash = prefix;
	for (;;) {
		slash = strchr(slash, '/');
		if (slash)
			*slash = '\0';
		char *path = path_join(exdir, prefix);
		struct stat st;
		if (lstat(path, &st) != 0) {
			yaml_error(d, at, "'%s' not found in the exercise folder (%s)", rel,
				   strerror(errno));
			rc = -1;
		} else if (S_ISLNK(st.st_mode)) {
			yaml_error(d, at,
				   "'%s' is a symbolic link; expected files must be regular "
				   "files inside the exercise folder",
				   prefix);
			rc = -1;
		}
		free(path);
		if (rc || !slash)
			break;
		*slash++ = '/';
	}
	free(prefix);
	return rc;
}

/* Reads {file: PATH}. 0 with *out, *len and *path_out (the full path), or
 * -1 after diagnostics. */
static int read_expected_file(const struct yaml_node *file, const char *exdir, char **out,
			      size_t *len, char **path_out, struct diag *d)
{
	const char *rel;
	if (yaml_to_str(file, "'file'", &rel, d) != 0)
		return -1;
	if (!path_is_contained(rel)) {
		yaml_error(d, file,
			   "'file' must be a relative path inside the exercise folder, "
			   "not '%s'",
			   rel);
		return -1;
	}
	if (!exdir) {
		yaml_error(d, file, "'file' cannot be used here: there is no exercise folder");
		return -1;
	}
	if (check_components(file, exdir, rel, d) != 0)
		return -1;
	char *path = path_join(exdir, rel);
	if (read_file(path, EXPECTED_FILE_MAX, out, len) != 0) {
		if (errno == EFBIG)
			yaml_error(d, file, "'%s' is larger than 16 MiB", rel);
		else if (errno == EISDIR)
			yaml_error(d, file, "'%s' is a folder, not a file", rel);
		else if (errno == EINVAL)
			yaml_error(d, file, "'%s' is not a regular file", rel);
		else
			yaml_error(d, file, "cannot read '%s': %s", rel, strerror(errno));
		free(path);
		return -1;
	}
	*path_out = path;
	return 0;
}

/* ---- the matcher's value ---- */

static void set_expected(struct matcher *m, char *text, size_t len)
{
	free(m->expected);
	m->expected = text;
	m->expected_len = len;
}

/* Compiles/parses what needs it, reporting at node at (or, for a JSON
 * file, in that file). */
static int prepare_at(struct matcher *m, const struct yaml_node *at, const char *file_path,
		      struct diag *d)
{
	int line, col;
	if (m->kind == MATCH_JSON) {
		m->error = match_json_prepare(m, &line, &col);
		if (!m->error)
			return 0;
		if (file_path)
			diag_error(d, file_path, line, col,
				   "not valid JSON (parsing stopped here)");
		else
			yaml_error(d, at,
				   "'json' is not valid JSON: parsing stopped at line %d, "
				   "column %d of the value",
				   line, col);
		return -1;
	}
	if (matcher_prepare(m) == 0)
		return 0;
	if (m->kind == MATCH_NUMBER)
		yaml_error(d, at, "'number' must be a number%s%s",
			   file_path ? "; the file holds " : "", file_path ? "something else" : "");
	else
		yaml_error(d, at, "%s", m->error);
	return -1;
}

static int load_file_value(struct matcher *m, const char *what, const struct yaml_node *val,
			   const char *exdir, struct diag *d)
{
	static const char *const file_keys[] = {"file", NULL};
	const struct yaml_node *file = yaml_get(val, "file");
	if (!file) {
		yaml_error(d, val, "'%s' must be a string or {file: PATH}%s", what,
			   m->kind == MATCH_JSON
			       ? " (quote a JSON document: json: '{\"ok\": true}')"
			       : "");
		return -1;
	}
	if (yaml_check_keys(val, file_keys, d) != 0)
		return -1;
	char *text, *path;
	size_t len;
	if (read_expected_file(file, exdir, &text, &len, &path, d) != 0)
		return -1;
	if (m->kind == MATCH_REGEX) {
		/* a pattern file ends with a newline that is not part of it */
		if (len > 0 && text[len - 1] == '\n')
			text[--len] = '\0';
		if (len > 0 && text[len - 1] == '\r')
			text[--len] = '\0';
	}
	set_expected(m, text, len);
	int rc = prepare_at(m, file, path, d);
	free(path);
	return rc;
}

static int load_value(struct matcher *m, const char *what, const struct yaml_node *val,
		      const char *exdir, struct diag *d)
{
	if (val->kind == YAML_MAP)
		return load_file_value(m, what, val, exdir, d);
	if (val->kind != YAML_SCALAR) {
		yaml_error(d, val, "'%s' must be a string or {file: PATH}", what);
		return -1;
	}
	const char *s;
	if (yaml_to_str(val, what, &s, d) != 0)
		return -1;
	if (memchr(val->scalar, '\0', val->scalar_len)) {
		yaml_error(d, val, "'%s' must not contain NUL characters", what);
		return -1;
	}
	set_expected(m, xstrndup(val->scalar, val->scalar_len), val->scalar_len);
	/* YAML's own spellings (.inf, .nan) count as numbers too */
	if (m->kind == MATCH_NUMBER)
		return yaml_to_double(val, "'number'", &m->number, d) != 0 ? -1 : 0;
	return prepare_at(m, val, NULL, d);
}

/* ---- options ---- */

static int load_tolerance(const struct yaml_node *map, const char *name, double *out,
			  struct diag *d)
{
	const struct yaml_node *n = yaml_get(map, name);
	if (!n)
		return 0;
	char what[16];
	snprintf(what, sizeof what, "'%s'", name);
	if (yaml_to_double(n, what, out, d) != 0)
		return -1;
	if (!isfinite(*out) || *out < 0) {
		yaml_error(d, n, "'%s' must be a non-negative number", name);
		return -1;
	}
	return 0;
}

static int load_flag(const struct yaml_node *map, const char *name, int *out, struct diag *d)
{
	const struct yaml_node *n = yaml_get(map, name);
	if (!n)
		return 0;
	char what[16];
	snprintf(what, sizeof what, "'%s'", name);
	return yaml_to_bool(n, what, out, d) != 0 ? -1 : 0;
}

/* An option that does not apply to this kind of matcher. */
static int refuse_option(const struct yaml_node *map, const char *name, const char *kind,
			 const char *applies, struct diag *d)
{
	const struct yaml_node *k = key_node(map, name);
	if (!k)
		return 0;
	yaml_error(d, k, "'%s' does not apply to '%s' (only to %s)", name, kind, applies);
	return -1;
}

static int load_options(struct matcher *m, const struct yaml_node *map, struct diag *d)
{
	const char *kind = match_kind_name(m->kind);
	int bad = 0;
	int numeric = m->kind == MATCH_NUMBER || m->kind == MATCH_JSON;
	if (!numeric) {
		bad |= refuse_option(map, "abs", kind, "number and json", d);
		bad |= refuse_option(map, "rel", kind, "number and json", d);
	}
	if (m->kind != MATCH_JSON)
		bad |= refuse_option(map, "subset", kind, "json", d);
	if (numeric)
		bad |= refuse_option(map, "ignore_case", kind, "text matchers", d);
	bad |= load_tolerance(map, "abs", &m->abs_tol, d);
	bad |= load_tolerance(map, "rel", &m->rel_tol, d);
	bad |= load_flag(map, "subset", &m->json_subset, d);
	bad |= load_flag(map, "ignore_case", &m->ignore_case, d);
	bad |= load_flag(map, "not", &m->negate, d);
	return bad ? -1 : 0;
}

/* ---- the entry point ---- */

/* The single matcher key of map; reports several at the map, and none
 * unless quiet_none (an unknown key already explains it). */
static int find_matcher_key(const struct yaml_node *map, int quiet_none, size_t *at, struct diag *d)
{
	int found = -1, count = 0;
	const char *first = NULL, *second = NULL;
	for (size_t i = 0; i < map->n; i++) {
		const char *k = map->keys[i]->scalar ? map->keys[i]->scalar : "";
		if (matcher_index(k) < 0)
			continue;
		if (count == 0) {
			found = (int)i;
			first = k;
		} else if (count == 1) {
			second = k;
		}
		count++;
	}
	if (count == 0) {
		if (!quiet_none)
			yaml_error(d, map,
				   "expectation has no matcher key; use one of: " MATCHER_KEY_LIST);
		return -1;
	}
	if (count > 1) {
		yaml_error(d, map,
			   "expectation has %d matcher keys ('%s' and '%s'); use exactly one",
			   count, first, second);
		return -1;
	}
	*at = (size_t)found;
	return 0;
}

int matcher_from_yaml(struct matcher *m, const struct yaml_node *n, const char *exdir,
		      struct diag *d)
{
	memset(m, 0, sizeof *m);
	if (n->kind == YAML_SCALAR) {
		m->kind = MATCH_EXACT;
		if (memchr(n->scalar, '\0', n->scalar_len)) {
			yaml_error(d, n, "expected text must not contain NUL characters");
			return -1;
		}
		set_expected(m, xstrndup(n->scalar, n->scalar_len), n->scalar_len);
		return 0;
	}
	if (n->kind != YAML_MAP) {
		yaml_error(d, n,
			   "an expectation must be a string or a map with one matcher key "
			   "(" MATCHER_KEY_LIST ")");
		return -1;
	}
	size_t errors = d->errors, at;
	int unknown = yaml_check_keys(n, allowed_keys, d);
	if (find_matcher_key(n, unknown > 0, &at, d) != 0 || d->errors > errors) {
		matcher_free(m);
		return -1;
	}
	const char *what = n->keys[at]->scalar;
	m->kind = kinds[matcher_index(what)];
	if (load_options(m, n, d) != 0 || load_value(m, what, n->items[at], exdir, d) != 0 ||
	    d->errors > errors) {
		matcher_free(m);
		return -1;
	}
	const struct yaml_node *h = yaml_get(n, "hint");
	const char *hint;
	if (h && yaml_to_str(h, "'hint'", &hint, d) == 0) {
		if (!*hint) {
			yaml_error(d, h, "'hint' is empty: give the help a learner reads when this "
					 "expectation fails, or leave it out");
			matcher_free(m);
			return -1;
		}
		m->hint = xstrdup(hint);
	} else if (h) {
		matcher_free(m);
		return -1;
	}
	return 0;
}
