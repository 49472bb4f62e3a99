/*
 * git.c - the "git" exercise kind: checks over a submission's history,
 * read with libgit2 from the submission's repository (its git_dir, or a
 * learner checkout's own .git). Nothing is run in a sandbox: the history
 * is only read as data. Each check has exactly one key that says what it
 * checks (docs/kinds/git.md): commits, messages, authors, branches, tags,
 * merged, absent, secrets, gitignore, max_file_size or linear. A failure
 * names the offending commit (short id and subject) and path.
 */
#include <errno.h>
#include <fnmatch.h>
#include <git2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "grader/submission/gitmirror.h"
#include "grader/grade/grade.h"
#include "grader/match/match.h"
#include "grader/util/util.h"
#include "grader/grade/runner.h"

#define MAX_COMMITS      100000
#define DEFAULT_MAX_BLOB (1u << 20)

enum gkind {
	G_COMMITS,
	G_MESSAGES,
	G_AUTHORS,
	G_BRANCHES,
	G_TAGS,
	G_MERGED,
	G_ABSENT,
	G_SECRETS,
	G_GITIGNORE,
	G_MAX_FILE_SIZE,
	G_LINEAR,
};

static const char *const git_check_keys[] = {
    "commits", "messages", "authors",   "branches",      "tags",   "merged",
    "absent",  "secrets",  "gitignore", "max_file_size", "linear", NULL,
};

struct secret_pattern {
	const char *name; /* builtin name, or the regex as written */
	const char *what; /* for messages: "a private key" */
	struct matcher m;
};

struct gcheck {
	enum gkind kind;
	long long min, max; /* commits; max < 0: no maximum */
	int every;          /* messages: every (1) or any (0) */
	int skip_merges;    /* messages: merge commits are not judged */
	int has_re;         /* messages, authors.email_matches */
	struct matcher re;
	const char *rule;   /* messages: the regex's rule in the author's words */
	int conventional;   /* messages: every: conventional (no regex) */
	const char **types; /* conventional: the allowed types (borrowed) */
	size_t ntypes;
	long long max_subject;
	int name_set;       /* authors */
	const char **names; /* branches, tags, absent, gitignore (borrowed) */
	size_t nnames;
	const char *branch, *into; /* merged; into NULL: the graded commit */
	struct secret_pattern *pats;
	size_t npats;
	uint64_t size; /* secrets: max_blob; max_file_size */
	int linear;
};

/* Built-in secret patterns (POSIX ERE). */
static const struct {
	const char *name, *what, *re;
} builtin_secrets[] = {
    {"private_key", "a private key", "-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----"},
    {"aws_access_key", "an AWS access key id", "(AKIA|ASIA|AROA|AIDA)[0-9A-Z]{16}"},
    {"aws_secret_key", "an AWS secret access key",
     "aws_?secret_?access_?key[\"' ]*[:=][\"' ]*[A-Za-z0-9/+]{40}"},
    {"github_token", "a GitHub token", "(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}"},
    {"gcp_service_account", "a Google Cloud service-account key", "\"type\": *\"service_account\""},
    {"slack_token", "a Slack token", "xox[abprs]-[0-9A-Za-z-]{10,}"},
};
#define NBUILTIN (sizeof builtin_secrets / sizeof *builtin_secrets)

/* ---- loading --------------------------------------------------------- */

static int load_regex(struct matcher *m, const struct yaml_node *n, const char *what,
		      struct diag *d)
{
	const char *s;
	if (yaml_to_str(n, what, &s, d) < 0)
		return -1;
	matcher_init_text(m, MATCH_REGEX, s, strlen(s));
	if (m->error) {
		yaml_error(d, n, "%s: %s", what, m->error);
		return -1;
	}
	return 0;
}

static int load_commits(struct gcheck *g, const struct yaml_node *n, struct diag *d)
{
	static const char *const keys[] = {"min", "max", NULL};
	if (yaml_expect_kind(n, YAML_MAP, "'commits'", d) < 0 || yaml_check_keys(n, keys, d))
		return -1;
	const struct yaml_node *min = yaml_get(n, "min"), *max = yaml_get(n, "max");
	g->min = 0;
	g->max = -1;
	if (!min && !max) {
		yaml_error(d, n, "'commits' needs 'min', 'max' or both");
		return -1;
	}
	if ((min && yaml_to_int(min, "'min'", 0, MAX_COMMITS, &g->min, d) < 0) ||
	    (max && yaml_to_int(max, "'max'", 0, MAX_COMMITS, &g->max, d) < 0))
		return -1;
	if (max && g->max < g->min) {
		yaml_error(d, max, "'max' (%lld) is less than 'min' (%lld)", g->max, g->min);
		return -1;
	}
	return 0;
}

/* The types of Conventional Commits 1.0 with Angular's convention, the
 * default of 'every: conventional'. */
static const char *const conventional_types[] = {
    "feat", "fix", "docs", "style", "refactor", "perf", "test", "build", "ci", "chore", "revert",
    NULL};

static int load_messages(struct gcheck *g, const struct yaml_node *n, struct diag *d)
{
	static const char *const keys[] = {"every", "any",   "skip_merges", "rule",
					   "types", "max_subject", NULL};
	if (yaml_expect_kind(n, YAML_MAP, "'messages'", d) < 0 || yaml_check_keys(n, keys, d))
		return -1;
	const struct yaml_node *every = yaml_get(n, "every"), *any = yaml_get(n, "any");
	const struct yaml_node *skip = yaml_get(n, "skip_merges"), *v;
	if (!every == !any) {
		yaml_error(d, n, "'messages' needs exactly one of 'every' and 'any' (a regex, or "
				 "'conventional')");
		return -1;
	}
	g->every = every != NULL;
	g->skip_merges = 1;
	if (skip && yaml_to_bool(skip, "'skip_merges'", &g->skip_merges, d) < 0)
		return -1;
	const struct yaml_node *pat = every ? every : any;
	g->conventional = pat->kind == YAML_SCALAR && !strcmp(pat->scalar, "conventional");
	if ((v = yaml_get(n, "rule")) && yaml_to_str(v, "'rule'", &g->rule, d) < 0)
		return -1;
	if (!g->conventional) {
		const struct yaml_node *t = yaml_get(n, "types"), *m = yaml_get(n, "max_subject");
		if (t || m) {
			yaml_error(d, t ? t : m,
				   "'%s' is for 'every: conventional' (or 'any: conventional')",
				   t ? "types" : "max_subject");
			return -1;
		}
		g->has_re = 1;
		return load_regex(&g->re, pat, every ? "'every'" : "'any'", d);
	}
	if (g->rule) {
		yaml_error(d, yaml_get(n, "rule"),
			   "'rule' is for a regex: 'conventional' explains itself");
		return -1;
	}
	g->max_subject = 72;
	if ((v = yaml_get(n, "max_subject")) &&
	    yaml_to_int(v, "'max_subject'", 1, 1000, &g->max_subject, d) < 0)
		return -1;
	if ((v = yaml_get(n, "types"))) {
		if (yaml_to_str_list(v, "'types'", &g->types, &g->ntypes, d) < 0)
			return -1;
		if (g->ntypes == 0) {
			yaml_error(d, v, "'types' is empty: list the commit types allowed");
			return -1;
		}
	} else {
		g->types = xcalloc(sizeof conventional_types / sizeof *conventional_types,
				   sizeof *g->types);
		for (g->ntypes = 0; conventional_types[g->ntypes]; g->ntypes++)
			g->types[g->ntypes] = conventional_types[g->ntypes];
	}
	return 0;
}

static int load_authors(struct gcheck *g, const struct yaml_node *n, struct diag *d)
{
	static const char *const keys[] = {"name_set", "email_matches", NULL};
	if (yaml_expect_kind(n, YAML_MAP, "'authors'", d) < 0 || yaml_check_keys(n, keys, d))
		return -1;
	const struct yaml_node *ns = yaml_get(n, "name_set"), *em = yaml_get(n, "email_matches");
	if (!ns && !em) {
		yaml_error(d, n, "'authors' needs 'name_set', 'email_matches' or both");
		return -1;
	}
	if (ns && yaml_to_bool(ns, "'name_set'", &g->name_set, d) < 0)
		return -1;
	if (em) {
		g->has_re = 1;
		return load_regex(&g->re, em, "'email_matches'", d);
	}
	return 0;
}

static int load_merged(struct gcheck *g, const struct yaml_node *n, struct diag *d)
{
	static const char *const keys[] = {"branch", "into", NULL};
	if (yaml_expect_kind(n, YAML_MAP, "'merged'", d) < 0 || yaml_check_keys(n, keys, d))
		return -1;
	const struct yaml_node *b = yaml_get(n, "branch"), *into = yaml_get(n, "into");
	if (!b) {
		yaml_error(d, n, "'merged' needs 'branch' (and optionally 'into')");
		return -1;
	}
	if (yaml_to_str(b, "'branch'", &g->branch, d) < 0 ||
	    (into && yaml_to_str(into, "'into'", &g->into, d) < 0))
		return -1;
	return 0;
}

static const char *const *builtin_names(void)
{
	static const char *names[NBUILTIN + 1];
	for (size_t i = 0; i < NBUILTIN; i++)
		names[i] = builtin_secrets[i].name;
	return names;
}

/* A builtin name, or (anything that is not a plain identifier) a regex. */
static int load_secret(struct secret_pattern *p, const struct yaml_node *n, struct diag *d)
{
	const char *s = n->scalar;
	for (size_t i = 0; i < NBUILTIN; i++) {
		if (strcmp(s, builtin_secrets[i].name))
			continue;
		p->name = builtin_secrets[i].name;
		p->what = builtin_secrets[i].what;
		const char *re = builtin_secrets[i].re;
		matcher_init_text(&p->m, MATCH_REGEX, re, strlen(re));
		return 0;
	}
	if (strspn(s, "abcdefghijklmnopqrstuvwxyz_") == strlen(s)) {
		const char *hint = closest_word(s, builtin_names());
		yaml_error(d, n, "unknown secret pattern '%s'%s%s%s", s,
			   hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
		return -1;
	}
	p->name = s;
	p->what = "a secret";
	return load_regex(&p->m, n, "a secret pattern", d);
}

static int load_secrets(struct gcheck *g, const struct yaml_node *n, struct diag *d)
{
	static const char *const keys[] = {"patterns", "max_blob", NULL};
	if (yaml_expect_kind(n, YAML_MAP, "'secrets'", d) < 0 || yaml_check_keys(n, keys, d))
		return -1;
	const struct yaml_node *pats = yaml_get(n, "patterns"), *mb = yaml_get(n, "max_blob");
	g->size = DEFAULT_MAX_BLOB;
	if (mb && yaml_to_size(mb, "'max_blob'", &g->size, d) < 0)
		return -1;
	if (!pats) { /* every builtin */
		g->pats = xcalloc(NBUILTIN, sizeof *g->pats);
		for (size_t i = 0; i < NBUILTIN; i++) {
			struct secret_pattern *p = &g->pats[g->npats++];
			p->name = builtin_secrets[i].name;
			p->what = builtin_secrets[i].what;
			matcher_init_text(&p->m, MATCH_REGEX, builtin_secrets[i].re,
					  strlen(builtin_secrets[i].re));
		}
		return 0;
	}
	if (yaml_expect_kind(pats, YAML_SEQ, "'patterns'", d) < 0)
		return -1;
	if (pats->n == 0) {
		yaml_error(d, pats, "'patterns' is empty");
		return -1;
	}
	g->pats = xcalloc(pats->n, sizeof *g->pats);
	int bad = 0;
	for (size_t i = 0; i < pats->n; i++) {
		if (yaml_expect_kind(pats->items[i], YAML_SCALAR, "a secret pattern", d) < 0 ||
		    load_secret(&g->pats[g->npats++], pats->items[i], d) < 0)
			bad = 1;
	}
	return bad ? -1 : 0;
}

static int load_list(struct gcheck *g, const struct yaml_node *n, const char *what, struct diag *d)
{
	if (yaml_to_str_list(n, what, &g->names, &g->nnames, d) < 0)
		return -1;
	if (g->nnames == 0) {
		yaml_error(d, n, "%s is empty", what);
		return -1;
	}
	for (size_t i = 0; i < g->nnames; i++)
		if (!*g->names[i]) {
			yaml_error(d, n, "%s holds an empty name", what);
			return -1;
		}
	return 0;
}

static int load_value(struct gcheck *g, const char *key, const struct yaml_node *v, struct diag *d)
{
	switch (g->kind) {
	case G_COMMITS:
		return load_commits(g, v, d);
	case G_MESSAGES:
		return load_messages(g, v, d);
	case G_AUTHORS:
		return load_authors(g, v, d);
	case G_MERGED:
		return load_merged(g, v, d);
	case G_SECRETS:
		return load_secrets(g, v, d);
	case G_MAX_FILE_SIZE:
		return yaml_to_size(v, "'max_file_size'", &g->size, d);
	case G_LINEAR:
		return yaml_to_bool(v, "'linear'", &g->linear, d);
	case G_BRANCHES:
	case G_TAGS:
	case G_ABSENT:
	case G_GITIGNORE:
		break;
	}
	char *what = xasprintf("'%s'", key);
	int rc = load_list(g, v, what, d);
	free(what);
	return rc;
}

static void gcheck_free(struct gcheck *g)
{
	if (!g)
		return;
	if (g->has_re)
		matcher_free(&g->re);
	for (size_t i = 0; i < g->npats; i++)
		matcher_free(&g->pats[i].m);
	free(g->pats);
	free(g->names);
	free(g->types);
	free(g);
}

static int git_load_check(const struct exercise *ex, struct ex_check *c, struct diag *d)
{
	const struct yaml_node *found = NULL;
	size_t kind = 0;
	for (size_t k = 0; git_check_keys[k]; k++) {
		const struct yaml_node *v = yaml_get(c->spec, git_check_keys[k]);
		if (!v)
			continue;
		if (found) {
			yaml_error(d, v,
				   "a git check checks one thing: this one has both '%s' and '%s' "
				   "(split it in two checks)",
				   git_check_keys[kind], git_check_keys[k]);
			return -1;
		}
		found = v;
		kind = k;
	}
	if (!found) {
		struct strbuf all = {0};
		for (size_t i = 0; git_check_keys[i]; i++)
			sb_addf(&all, "%s%s", i ? ", " : "", git_check_keys[i]);
		yaml_error(d, c->spec, "check '%s' says nothing to check: add one of %s",
			   c->name ? c->name : "?", all.buf);
		sb_free(&all);
		return -1;
	}
	struct gcheck *g = xcalloc(1, sizeof *g);
	g->kind = (enum gkind)kind;
	if (load_value(g, git_check_keys[kind], found, d) < 0) {
		gcheck_free(g);
		return -1;
	}
	c->data = g;
	return 0;
}

static int git_load(struct exercise *ex, const struct yaml_node *spec, struct diag *d)
{
	gitlib_init();
	return 0;
}

static void git_free_check(struct ex_check *c)
{
	gcheck_free(c->data);
}

/* ---- reading the history -------------------------------------------- */

struct history {
	git_repository *repo;
	git_oid start;
	git_oid *commits; /* oldest first (topological) */
	size_t n;
	const struct grade_env *env;
};

static const char *git_msg(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown libgit2 error";
}

static int history_load(struct history *h, char *err, size_t errlen)
{
	git_revwalk *walk;
	if (git_revwalk_new(&walk, h->repo) < 0 || git_revwalk_push(walk, &h->start) < 0) {
		snprintf(err, errlen, "reading the history: %s", git_msg());
		return -1;
	}
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
	git_oid oid;
	int rc;
	while ((rc = git_revwalk_next(&oid, walk)) == 0) {
		if (h->n == MAX_COMMITS) {
			snprintf(err, errlen, "the history has more than %d commits", MAX_COMMITS);
			git_revwalk_free(walk);
			return -1;
		}
		if (h->n % 256 == 0)
			h->commits = xrealloc(h->commits, (h->n + 256) * sizeof *h->commits);
		h->commits[h->n++] = oid;
	}
	git_revwalk_free(walk);
	if (rc != GIT_ITEROVER) {
		snprintf(err, errlen, "reading the history: %s", git_msg());
		return -1;
	}
	return 0;
}

/* "1a2b3c4 'subject'" of a commit, heap string. */
static char *commit_label(const git_commit *c)
{
	char hex[8];
	git_oid_tostr(hex, sizeof hex, git_commit_id(c));
	const char *subject = git_commit_summary((git_commit *)c);
	char *vis = match_visible(subject ? subject : "", subject ? strlen(subject) : 0, 72);
	char *s = xasprintf("%s '%s'", hex, vis);
	free(vis);
	return s;
}

static char *label_of(git_repository *repo, const git_oid *oid)
{
	git_commit *c;
	if (git_commit_lookup(&c, repo, oid) < 0) {
		char hex[8];
		return xstrdup(git_oid_tostr(hex, sizeof hex, oid));
	}
	char *s = commit_label(c);
	git_commit_free(c);
	return s;
}

/* ---- checks over commits --------------------------------------------- */

static void check_commits(const struct gcheck *g, const struct history *h, struct check_result *cr)
{
	long long n = (long long)h->n;
	if (n < g->min)
		grade_fail(cr, NULL, "the history has %lld commit%s; at least %lld expected", n,
			   n == 1 ? "" : "s", g->min);
	else if (g->max >= 0 && n > g->max)
		grade_fail(cr, NULL, "the history has %lld commits; at most %lld expected", n,
			   g->max);
	else
		grade_pass(cr);
}

/* Matches text (may hold anything) against a regex matcher. */
static int regex_matches(const struct matcher *m, const char *text, size_t len)
{
	return match_run(m, text, len, NULL) == 1;
}

static char *types_list(const struct gcheck *g)
{
	struct strbuf sb = {0};
	for (size_t i = 0; i < g->ntypes; i++)
		sb_addf(&sb, "%s%s", i ? ", " : "", g->types[i]);
	return sb_detach(&sb, NULL);
}

static int is_type_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static int is_scope_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c && strchr("._/-", c));
}

/* What breaks Conventional Commits ('type(scope)!: subject') in a subject
 * line, in words, or NULL when it follows them. */
static char *conventional_problem(const struct gcheck *g, const char *s)
{
	if (!s || !*s)
		return xstrdup("the message is empty");
	size_t n = 0;
	while (is_type_char(s[n]))
		n++;
	char *types = types_list(g), *why = NULL;
	int known = 0, folded = -1;
	for (size_t i = 0; n && i < g->ntypes; i++) {
		if (strlen(g->types[i]) != n)
			continue;
		if (!strncmp(g->types[i], s, n))
			known = 1;
		else if (!strncasecmp(g->types[i], s, n))
			folded = (int)i;
	}
	const char *after = s + n;
	int looks_typed = n && (*after == ':' || *after == '(' || *after == '!');
	const char *p = after;
	if (!known && folded >= 0) {
		why = xasprintf("the type '%.*s' is written in lower case: '%s'", (int)n, s,
				g->types[folded]);
	} else if (!known && looks_typed) {
		why = xasprintf("'%.*s' is not one of the types %s", (int)n, s, types);
	} else if (!known) {
		why = xasprintf("it does not start with a type: begin with one of %s, then ': ' "
				"(as in 'fix: handle an empty cart')",
				types);
	} else if (*p == '(' && !strchr(p, ')')) {
		why = xstrdup("the scope opened with '(' is not closed with ')'");
	} else if (*p == '(' && p[1] == ')') {
		why = xstrdup("the scope in '()' is empty: name it, or leave out the parentheses");
	} else {
		if (*p == '(') {
			const char *close = strchr(p, ')');
			for (const char *q = p + 1; q < close && !why; q++)
				if (!is_scope_char(*q))
					why = xasprintf("the scope '%.*s' may hold only lower-case "
							"letters, digits and . _ / -",
							(int)(close - p - 1), p + 1);
			p = close + 1;
		}
		if (!why && *p == '!')
			p++;
		if (why) {
		} else if (*p != ':') {
			why = xasprintf("a colon must follow '%.*s', as in '%.*s: what it does'",
					(int)(p - s), s, (int)(p - s), s);
		} else if (p[1] != ' ') {
			why = xstrdup("put a space after the colon");
		} else if (p[2] == ' ') {
			why = xstrdup("put one space after the colon, not more");
		} else if (!p[2]) {
			why = xstrdup("the subject after the colon is empty: say what the commit "
				      "does");
		} else {
			size_t chars = 0;
			for (const char *q = p + 2; *q; q++)
				chars += ((unsigned char)*q & 0xC0) != 0x80;
			if ((long long)chars > g->max_subject)
				why = xasprintf("the subject after the colon is %zu characters long; "
						"at most %lld",
						chars, g->max_subject);
		}
	}
	free(types);
	return why;
}

/* The rule a message must follow, for failure messages: the author's
 * words, else the regex (capped). */
static char *rule_words(const struct gcheck *g)
{
	if (g->conventional)
		return xstrdup("Conventional Commits ('type(scope): subject')");
	if (g->rule)
		return xstrdup(g->rule);
	char *vis = match_visible(g->re.expected, g->re.expected_len, 120);
	char *s = xasprintf("the pattern %s", vis);
	free(vis);
	return s;
}

static void check_messages(const struct gcheck *g, const struct history *h, struct check_result *cr)
{
	size_t judged = 0, bad = 0;
	char *first_bad = NULL, *first_why = NULL;
	for (size_t i = 0; i < h->n; i++) {
		git_commit *c;
		if (git_commit_lookup(&c, h->repo, &h->commits[i]) < 0)
			continue;
		if (g->skip_merges && git_commit_parentcount(c) > 1) {
			git_commit_free(c);
			continue;
		}
		judged++;
		const char *subject = git_commit_summary(c);
		char *why = NULL;
		int ok;
		if (g->conventional)
			ok = !(why = conventional_problem(g, subject));
		else
			ok = subject && regex_matches(&g->re, subject, strlen(subject));
		if (ok && !g->every) {
			git_commit_free(c);
			grade_pass(cr);
			free(first_bad);
			free(first_why);
			return;
		}
		if (!ok && bad++ == 0) {
			first_bad = commit_label(c);
			first_why = why;
			why = NULL;
		}
		free(why);
		git_commit_free(c);
	}
	char *rule = rule_words(g);
	char more[96] = "";
	if (bad > 1)
		snprintf(more, sizeof more, " (%zu more commit%s not either)", bad - 1,
			 bad == 2 ? " does" : "s do");
	if (!g->every)
		grade_fail(cr, NULL, "no commit message of %zu follows %s", judged, rule);
	else if (bad && first_why)
		grade_fail(cr, NULL, "commit %s does not follow %s: %s%s", first_bad, rule,
			   first_why, more);
	else if (bad)
		grade_fail(cr, NULL, "commit %s does not follow %s%s", first_bad, rule, more);
	else
		grade_pass(cr);
	free(rule);
	free(first_bad);
	free(first_why);
}

static int blank(const char *s)
{
	return !s || !*s || strspn(s, " \t") == strlen(s);
}

static void check_authors(const struct gcheck *g, const struct history *h, struct check_result *cr)
{
	for (size_t i = 0; i < h->n; i++) {
		git_commit *c;
		if (git_commit_lookup(&c, h->repo, &h->commits[i]) < 0)
			continue;
		const git_signature *a = git_commit_author(c);
		const char *why = NULL;
		if (g->name_set && blank(a->name))
			why = "has no author name";
		else if (g->name_set && blank(a->email))
			why = "has no author email";
		else if (g->has_re && !regex_matches(&g->re, a->email, strlen(a->email)))
			why = "has an author email that does not match";
		if (why) {
			char *label = commit_label(c);
			char *email = match_visible(a->email, strlen(a->email), 80);
			if (g->has_re && !strcmp(why, "has an author email that does not match"))
				grade_fail(cr, NULL, "commit %s %s %s: <%s>", label, why,
					   g->re.expected, email);
			else
				grade_fail(cr, NULL, "commit %s %s", label, why);
			free(label);
			free(email);
			git_commit_free(c);
			return;
		}
		git_commit_free(c);
	}
	grade_pass(cr);
}

static void check_linear(const struct gcheck *g, const struct history *h, struct check_result *cr)
{
	for (size_t i = 0; i < h->n; i++) {
		git_commit *c;
		if (git_commit_lookup(&c, h->repo, &h->commits[i]) < 0)
			continue;
		int merge = git_commit_parentcount(c) > 1;
		if (merge && g->linear) {
			char *label = commit_label(c);
			grade_fail(
			    cr, NULL,
			    "commit %s is a merge; the history must be linear (rebase instead "
			    "of merging)",
			    label);
			free(label);
		}
		git_commit_free(c);
		if (merge) {
			if (!g->linear)
				grade_pass(cr);
			return;
		}
	}
	if (g->linear)
		grade_pass(cr);
	else
		grade_fail(cr, NULL, "the history has no merge commit; at least one expected");
}

/* ---- checks over refs ------------------------------------------------ */

static char *ref_names(git_repository *repo, const char *prefix)
{
	struct strbuf sb = {0};
	git_reference_iterator *it;
	const char *name;
	size_t plen = strlen(prefix);
	int n = 0;
	char *glob = xasprintf("%s*", prefix);
	if (git_reference_iterator_glob_new(&it, repo, glob) == 0) {
		while (git_reference_next_name(&name, it) == 0) {
			if (n < 10)
				sb_addf(&sb, "%s%s", n ? ", " : "", name + plen);
			else if (n == 10)
				sb_adds(&sb, ", ...");
			n++;
		}
		git_reference_iterator_free(it);
	}
	free(glob);
	return n ? sb_detach(&sb, NULL) : xstrdup("none");
}

static void check_refs(const struct gcheck *g, const struct history *h, struct check_result *cr)
{
	const char *prefix = g->kind == G_TAGS ? "refs/tags/" : "refs/heads/";
	const char *what = g->kind == G_TAGS ? "tag" : "branch";
	struct strbuf missing = {0};
	size_t nmissing = 0;
	for (size_t i = 0; i < g->nnames; i++) {
		char *full = xasprintf("%s%s", prefix, g->names[i]);
		git_reference *r;
		if (git_reference_lookup(&r, h->repo, full) == 0)
			git_reference_free(r);
		else
			sb_addf(&missing, "%s'%s'", nmissing++ ? ", " : "", g->names[i]);
		free(full);
	}
	if (nmissing) {
		char *have = ref_names(h->repo, prefix);
		grade_fail(cr, NULL, "%s %s %s missing (%ses: %s)", what, missing.buf,
			   nmissing == 1 ? "is" : "are", what, have);
		free(have);
	} else {
		grade_pass(cr);
	}
	sb_free(&missing);
}

static int branch_tip(git_repository *repo, const char *name, git_oid *out)
{
	char *full = xasprintf("refs/heads/%s", name);
	int rc = git_reference_name_to_id(out, repo, full);
	free(full);
	return rc;
}

static void check_merged(const struct gcheck *g, const struct history *h, struct check_result *cr)
{
	git_oid b, into = h->start;
	const char *missing = NULL;
	if (branch_tip(h->repo, g->branch, &b) < 0)
		missing = g->branch;
	else if (g->into && branch_tip(h->repo, g->into, &into) < 0)
		missing = g->into;
	if (missing) {
		char *have = ref_names(h->repo, "refs/heads/");
		grade_fail(cr, NULL, "branch '%s' does not exist (branches: %s)", missing, have);
		free(have);
		return;
	}
	if (git_oid_equal(&b, &into) || git_graph_descendant_of(h->repo, &into, &b) == 1) {
		grade_pass(cr);
		return;
	}
	char *lb = label_of(h->repo, &b), *li = label_of(h->repo, &into);
	grade_fail(cr, NULL, "branch '%s' (at %s) is not merged into %s (at %s)", g->branch, lb,
		   g->into ? g->into : "the graded commit", li);
	free(lb);
	free(li);
}

/* ---- checks over trees ---------------------------------------------- */

/* A set of 64-bit keys (open addressing; 0 is never stored). */
struct keyset {
	uint64_t *v;
	size_t cap, n;
};

static int keyset_add(struct keyset *s, uint64_t k)
{
	k |= 1;
	if ((s->n + 1) * 2 > s->cap) {
		struct keyset bigger = {.cap = s->cap ? s->cap * 2 : 1024};
		bigger.v = xcalloc(bigger.cap, sizeof *bigger.v);
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i])
				keyset_add(&bigger, s->v[i]);
		free(s->v);
		*s = bigger;
	}
	size_t i = (size_t)(k * 0x9E3779B97F4A7C15ull >> 20) & (s->cap - 1);
	while (s->v[i]) {
		if (s->v[i] == k)
			return 0;
		i = (i + 1) & (s->cap - 1);
	}
	s->v[i] = k;
	s->n++;
	return 1;
}

static uint64_t hash_key(const git_oid *oid, const char *path)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < GIT_OID_RAWSZ; i++)
		h = (h ^ oid->id[i]) * 1099511628211ull;
	for (const char *p = path; p && *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return h;
}

/* One scan of every tree of the history, oldest commit first. Each tree
 * at a path and each blob is visited once; fn returns 1 to stop (an
 * offence, described in msg), 0 to go on, -1 on a read error. */
struct scan {
	const struct gcheck *g;
	const struct history *h;
	git_odb *odb;
	struct keyset trees, blobs;
	struct strbuf path;
	struct strbuf msg;
	int (*fn)(struct scan *s, const git_tree_entry *e, const git_commit *c);
};

static int scan_tree(struct scan *s, const git_tree *tree, const git_commit *c, int depth)
{
	size_t base = s->path.len;
	int rc = 0;
	for (size_t i = 0, n = git_tree_entrycount(tree); i < n && rc == 0; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		s->path.len = base;
		s->path.buf[base] = '\0';
		sb_addf(&s->path, "%s%s", base ? "/" : "", git_tree_entry_name(e));
		rc = s->fn(s, e, c);
		if (rc || git_tree_entry_type(e) != GIT_OBJECT_TREE || depth > 256)
			continue;
		if (!keyset_add(&s->trees, hash_key(git_tree_entry_id(e), s->path.buf)))
			continue;
		git_tree *sub;
		if (git_tree_lookup(&sub, s->h->repo, git_tree_entry_id(e)) < 0)
			return -1;
		rc = scan_tree(s, sub, c, depth + 1);
		git_tree_free(sub);
	}
	s->path.len = base;
	s->path.buf[base] = '\0';
	return rc;
}

/* Runs the scan; 1 when fn found an offence, 0 when none, -1 error. */
static int scan_history(struct scan *s)
{
	int rc = git_repository_odb(&s->odb, s->h->repo) < 0 ? -1 : 0;
	sb_adds(&s->path, "");
	for (size_t i = 0; i < s->h->n && rc == 0; i++) {
		git_commit *c;
		git_tree *t;
		if (git_commit_lookup(&c, s->h->repo, &s->h->commits[i]) < 0)
			return -1;
		if (git_commit_tree(&t, c) < 0) {
			git_commit_free(c);
			return -1;
		}
		if (keyset_add(&s->trees, hash_key(git_tree_id(t), "")))
			rc = scan_tree(s, t, c, 0);
		git_tree_free(t);
		git_commit_free(c);
	}
	return rc;
}

static void scan_free(struct scan *s)
{
	git_odb_free(s->odb);
	free(s->trees.v);
	free(s->blobs.v);
	sb_free(&s->path);
	sb_free(&s->msg);
}

/* "commit 1a2b3c4 'subject' adds PATH" + what (heap, freed here). */
static void offence(struct scan *s, const git_commit *c, char *what)
{
	char *label = commit_label(c);
	char *path = match_visible(s->path.buf, s->path.len, 200);
	sb_addf(&s->msg, "commit %s adds %s%s", label, path, what);
	free(label);
	free(path);
	free(what);
}

static int glob_matches(const char *pat, const char *path)
{
	while (*pat == '/')
		pat++;
	if (strchr(pat, '/'))
		return fnmatch(pat, path, FNM_PERIOD) == 0;
	const char *slash = strrchr(path, '/');
	return fnmatch(pat, slash ? slash + 1 : path, 0) == 0;
}

static int visit_absent(struct scan *s, const git_tree_entry *e, const git_commit *c)
{
	for (size_t i = 0; i < s->g->nnames; i++) {
		if (!glob_matches(s->g->names[i], s->path.buf))
			continue;
		offence(s, c,
			xasprintf(" (matches '%s'); it must not be in any commit of the history",
				  s->g->names[i]));
		return 1;
	}
	return 0;
}

static int visit_size(struct scan *s, const git_tree_entry *e, const git_commit *c)
{
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB ||
	    !keyset_add(&s->blobs, hash_key(git_tree_entry_id(e), NULL)))
		return 0;
	size_t size;
	git_object_t type;
	if (git_odb_read_header(&size, &type, s->odb, git_tree_entry_id(e)) < 0)
		return -1;
	if (size <= s->g->size)
		return 0;
	offence(
	    s, c,
	    xasprintf(" of %zu bytes, more than %llu bytes", size, (unsigned long long)s->g->size));
	return 1;
}

static int visit_secrets(struct scan *s, const git_tree_entry *e, const git_commit *c)
{
	if (git_tree_entry_filemode(e) != GIT_FILEMODE_BLOB &&
	    git_tree_entry_filemode(e) != GIT_FILEMODE_BLOB_EXECUTABLE)
		return 0;
	if (!keyset_add(&s->blobs, hash_key(git_tree_entry_id(e), NULL)))
		return 0;
	size_t size;
	git_object_t type;
	if (git_odb_read_header(&size, &type, s->odb, git_tree_entry_id(e)) < 0)
		return -1;
	if (size > s->g->size || size == 0)
		return 0;
	git_blob *blob;
	if (git_blob_lookup(&blob, s->h->repo, git_tree_entry_id(e)) < 0)
		return -1;
	size_t len = (size_t)git_blob_rawsize(blob);
	char *text = xmalloc(len + 1);
	memcpy(text, git_blob_rawcontent(blob), len);
	git_blob_free(blob);
	for (size_t i = 0; i < len; i++)
		if (!text[i])
			text[i] = '\n'; /* binary files are scanned too */
	text[len] = '\0';
	int found = 0;
	for (size_t i = 0; i < s->g->npats && !found; i++) {
		const struct secret_pattern *p = &s->g->pats[i];
		if (!regex_matches(&p->m, text, len))
			continue;
		offence(s, c, xasprintf(" holding %s (%s)", p->what, p->name));
		sb_adds(&s->msg, "; remove it from every commit (git rebase -i, git filter-repo) "
				 "and revoke it");
		found = 1;
	}
	free(text);
	return found;
}

static void check_scan(const struct gcheck *g, const struct history *h, struct check_result *cr)
{
	struct scan s = {.g = g, .h = h};
	s.fn = g->kind == G_ABSENT    ? visit_absent
	       : g->kind == G_SECRETS ? visit_secrets
				      : visit_size;
	int rc = scan_history(&s);
	if (rc < 0)
		grade_error(cr, "reading the history: %s", git_msg());
	else if (rc > 0)
		grade_fail(cr, NULL, "%s", s.msg.buf);
	else
		grade_pass(cr);
	scan_free(&s);
}

/* ---- .gitignore ------------------------------------------------------ */

/* Writes every .gitignore of tree (under prefix) into dir. Returns the
 * number written, or -1. */
static int write_gitignores(git_repository *repo, const git_tree *tree, const char *dir,
			    const char *prefix, int depth)
{
	int count = 0;
	for (size_t i = 0, n = git_tree_entrycount(tree); i < n && depth < 64; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const char *name = git_tree_entry_name(e);
		if (!path_is_contained(name) || !strcmp(name, ".git") || strchr(name, '/'))
			continue;
		char *rel = *prefix ? xasprintf("%s/%s", prefix, name) : xstrdup(name);
		int rc = 0;
		if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
			git_tree *sub;
			if (git_tree_lookup(&sub, repo, git_tree_entry_id(e)) == 0) {
				rc = write_gitignores(repo, sub, dir, rel, depth + 1);
				git_tree_free(sub);
			}
		} else if (!strcmp(name, ".gitignore") &&
			   git_tree_entry_filemode(e) == GIT_FILEMODE_BLOB) {
			git_blob *b;
			char *path = path_join(dir, rel);
			char *parent = xstrndup(path, strlen(path) - strlen("/.gitignore"));
			if (git_blob_lookup(&b, repo, git_tree_entry_id(e)) == 0) {
				size_t len = (size_t)git_blob_rawsize(b);
				if (len <= DEFAULT_MAX_BLOB && mkdir_p(parent) == 0 &&
				    write_file_atomic(path, git_blob_rawcontent(b), len) == 0)
					rc = 1;
				git_blob_free(b);
			}
			free(parent);
			free(path);
		}
		free(rel);
		if (rc < 0)
			return -1;
		count += rc;
	}
	return count;
}

/* libgit2 evaluates ignore rules against a work tree only, so the
 * committed .gitignore files are written into a scratch repository. */
static void check_gitignore(const struct gcheck *g, const struct history *h,
			    struct check_result *cr)
{
	char *dir = path_join(h->env->scratch, "gitignore-XXXXXX");
	git_repository *tmp = NULL;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	if (!mkdtemp(dir)) {
		grade_error(cr, "mkdtemp %s: %s", dir, strerror(errno));
		free(dir);
		return;
	}
	if (git_commit_lookup(&c, h->repo, &h->start) < 0 || git_commit_tree(&tree, c) < 0 ||
	    git_repository_init(&tmp, dir, 0) < 0) {
		grade_error(cr, "reading the graded commit: %s", git_msg());
		goto out;
	}
	int n = write_gitignores(h->repo, tree, dir, "", 0);
	char *label = commit_label(c);
	if (n <= 0) {
		grade_fail(cr, NULL, "commit %s has no .gitignore", label);
	} else {
		struct strbuf missing = {0};
		size_t nm = 0;
		for (size_t i = 0; i < g->nnames; i++) {
			int ignored = 0;
			if (git_ignore_path_is_ignored(&ignored, tmp, g->names[i]) < 0 || !ignored)
				sb_addf(&missing, "%s'%s'", nm++ ? ", " : "", g->names[i]);
		}
		if (nm)
			grade_fail(cr, NULL, "%s %s not ignored by the .gitignore of commit %s",
				   missing.buf, nm == 1 ? "is" : "are", label);
		else
			grade_pass(cr);
		sb_free(&missing);
	}
	free(label);
out:
	git_repository_free(tmp);
	git_tree_free(tree);
	git_commit_free(c);
	rm_rf(dir);
	free(dir);
}

/* ---- grading --------------------------------------------------------- */

static void run_check(const struct gcheck *g, const struct history *h, struct check_result *cr)
{
	switch (g->kind) {
	case G_COMMITS:
		check_commits(g, h, cr);
		break;
	case G_MESSAGES:
		check_messages(g, h, cr);
		break;
	case G_AUTHORS:
		check_authors(g, h, cr);
		break;
	case G_BRANCHES:
	case G_TAGS:
		check_refs(g, h, cr);
		break;
	case G_MERGED:
		check_merged(g, h, cr);
		break;
	case G_ABSENT:
	case G_SECRETS:
	case G_MAX_FILE_SIZE:
		check_scan(g, h, cr);
		break;
	case G_GITIGNORE:
		check_gitignore(g, h, cr);
		break;
	case G_LINEAR:
		check_linear(g, h, cr);
		break;
	}
}

/* Reads the history once per grading; every check then reads it. */
static int git_prepare(struct grading *g)
{
	struct history *h = xcalloc(1, sizeof *h);
	h->env = g->env;
	g->state = h;
	char err[512] = "";
	if (gitsub_open_history(g->sub, &h->repo, &h->start, err, sizeof err) != 0 ||
	    history_load(h, err, sizeof err) != 0) {
		grading_message(g, "%s", err);
		return GRADE_PREPARE_FAILED;
	}
	return 0;
}

static int git_grade_check(struct grading *g, size_t check, struct check_result *cr)
{
	run_check(g->ex->checks[check].data, g->state, cr);
	return 0;
}

static void git_finish(struct grading *g)
{
	struct history *h = g->state;
	if (!h)
		return;
	free(h->commits);
	git_repository_free(h->repo);
	free(h);
	g->state = NULL;
}

const struct runner git_runner = {
    .kind = {.name = "git",
	     .exercise_keys = NULL,
	     .check_keys = git_check_keys,
	     .load = git_load,
	     .load_check = git_load_check,
	     .free_check = git_free_check},
    .prepare = git_prepare,
    .grade_check = git_grade_check,
    .finish = git_finish,
};
