/*
 * dockerfile.c - the files kind's Dockerfile reader: a parser of the
 * learner's Dockerfile (untrusted text) and the static checks on it.
 * runners/dockerfile.h has the contract, docs/kinds/files.md the rules
 * each check applies. Nothing here runs docker or anything else.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "grader/match/match.h"
#include "runners/dockerfile.h"

#define DF_SHOW 120 /* bytes of learner text quoted in one message */

static const char *const df_known[] = {
    "FROM",    "RUN",        "CMD",         "LABEL",  "MAINTAINER", "EXPOSE",  "ENV",
    "ADD",     "COPY",       "ENTRYPOINT",  "VOLUME", "USER",       "WORKDIR", "ARG",
    "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",  NULL};

/* ---- reading lines ---- */

struct df_reader {
	const char *text;
	size_t len, pos;
	int line; /* of the last line read */
};

/* The next line (without its \n and a final \r); 0 at the end. */
static int next_line(struct df_reader *r, const char **s, size_t *n)
{
	if (r->pos >= r->len)
		return 0;
	const char *start = r->text + r->pos;
	const char *nl = memchr(start, '\n', r->len - r->pos);
	size_t l = nl ? (size_t)(nl - start) : r->len - r->pos;
	r->pos += l + (nl ? 1 : 0);
	if (l && start[l - 1] == '\r')
		l--;
	r->line++;
	*s = start;
	*n = l;
	return 1;
}

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

static void skip_blanks(const char **s, size_t *n)
{
	while (*n && blank(**s)) {
		(*s)++;
		(*n)--;
	}
}

/* Length of s without trailing blanks. */
static size_t rtrim_len(const char *s, size_t n)
{
	while (n && blank(s[n - 1]))
		n--;
	return n;
}

/* A parser directive "# key=value" (blanks allowed around both): 1 and
 * the escape character when it is escape=, 1 for another directive, 0
 * when the line is no directive. */
static int directive(const char *s, size_t n, char *escape)
{
	if (!n || s[0] != '#')
		return 0;
	s++, n--;
	skip_blanks(&s, &n);
	size_t k = 0;
	while (k < n && (isalnum((unsigned char)s[k]) || s[k] == '_'))
		k++;
	if (!k)
		return 0;
	const char *key = s;
	size_t klen = k;
	s += k, n -= k;
	skip_blanks(&s, &n);
	if (!n || s[0] != '=')
		return 0;
	s++, n--;
	skip_blanks(&s, &n);
	n = rtrim_len(s, n);
	if (klen == 6 && !strncasecmp(key, "escape", 6) && n == 1 && (s[0] == '\\' || s[0] == '`'))
		*escape = s[0];
	return 1;
}

/* ---- heredocs ---- */

struct heredoc {
	char *word;
	int strip_tabs;
};

/* The heredocs an instruction's arguments open, in order (<<EOF,
 * <<-EOF, <<"EOF", <<'EOF'; never <<<). */
static size_t find_heredocs(const char *a, struct heredoc **out)
{
	size_t n = 0, cap = 0;
	*out = NULL;
	for (const char *p = a; (p = strstr(p, "<<"));) {
		if ((p > a && p[-1] == '<') || p[2] == '<') {
			p += 2;
			while (*p == '<')
				p++;
			continue;
		}
		p += 2;
		int strip = 0;
		if (*p == '-') {
			strip = 1;
			p++;
		}
		char q = (*p == '"' || *p == '\'') ? *p++ : 0;
		const char *w = p;
		while (*p && !blank(*p) && *p != '\n' && !strchr("\"';|&<>()", *p))
			p++;
		if (p == w)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 2;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		(*out)[n].word = xstrndup(w, (size_t)(p - w));
		(*out)[n].strip_tabs = strip;
		n++;
		if (q && *p == q)
			p++;
	}
	return n;
}

/* ---- parsing ---- */

static void parse_json_form(struct df_instr *in)
{
	if (in->args[0] != '[')
		return;
	cJSON *j = cJSON_Parse(in->args);
	if (!cJSON_IsArray(j)) {
		cJSON_Delete(j);
		return;
	}
	size_t n = (size_t)cJSON_GetArraySize(j), i = 0;
	char **argv = xcalloc(n + 1, sizeof *argv);
	const cJSON *it;
	cJSON_ArrayForEach(it, j)
	{
		if (!cJSON_IsString(it))
			break;
		argv[i++] = xstrdup(it->valuestring);
	}
	cJSON_Delete(j);
	if (i != n) {
		df_words_free(argv);
		return;
	}
	in->json = 1;
	in->argv = argv;
	in->argc = n;
}

/* Where each physical line of an instruction begins in its text. */
struct df_segs {
	size_t *off;
	int *line;
	size_t n, cap;
};

static void seg_add(struct df_segs *sg, size_t off, int line)
{
	if (sg->n == sg->cap) {
		sg->cap = sg->cap ? sg->cap * 2 : 8;
		sg->off = xrealloc(sg->off, sg->cap * sizeof *sg->off);
		sg->line = xrealloc(sg->line, sg->cap * sizeof *sg->line);
	}
	sg->off[sg->n] = off;
	sg->line[sg->n] = line;
	sg->n++;
}

/* Moves the segments into in, their offsets made relative to its
 * arguments, which begin at args_off of the joined text. */
static void seg_keep(struct df_instr *in, struct df_segs *sg, size_t args_off)
{
	for (size_t i = 0; i < sg->n; i++)
		sg->off[i] = sg->off[i] > args_off ? sg->off[i] - args_off : 0;
	in->seg_off = sg->off;
	in->seg_line = sg->line;
	in->nseg = sg->n;
	memset(sg, 0, sizeof *sg);
}

int df_line_at(const struct df_instr *in, size_t off)
{
	int line = in->line;
	for (size_t i = 0; i < in->nseg && in->seg_off[i] <= off; i++)
		line = in->seg_line[i];
	return line;
}

/* Adds the instruction s (n bytes); returns where its arguments begin. */
static size_t add_instr(struct dockerfile *df, size_t *cap, const char *s, size_t n, int line)
{
	const char *s0 = s;
	if (df->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		df->v = xrealloc(df->v, *cap * sizeof *df->v);
	}
	struct df_instr *in = &df->v[df->n++];
	memset(in, 0, sizeof *in);
	size_t k = 0;
	while (k < n && !blank(s[k]))
		k++;
	in->cmd = xstrndup(s, k);
	char *up = xstrdup(in->cmd);
	for (char *c = up; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	s += k, n -= k;
	skip_blanks(&s, &n);
	in->args = xstrndup(s, rtrim_len(s, n));
	in->line = line;
	size_t args_off = (size_t)(s - s0);
	for (size_t i = 0; df_known[i]; i++)
		if (!strcmp(up, df_known[i]))
			in->known = 1;
	if (in->known) { /* upper case for the checks; an unknown word stays as written */
		free(in->cmd);
		in->cmd = up;
	} else {
		free(up);
	}
	return args_off;
}

/* When line ends with the escape character (blanks after it allowed),
 * its length without them; else (size_t)-1. */
static size_t continued(const char *s, size_t n, char escape)
{
	n = rtrim_len(s, n);
	return n && s[n - 1] == escape ? n - 1 : (size_t)-1;
}

void dockerfile_parse(const char *text, size_t len, struct dockerfile *df)
{
	memset(df, 0, sizeof *df);
	df->escape = '\\';
	struct df_reader r = {.text = text, .len = len};
	size_t cap = 0;
	int directives = 1;
	const char *s;
	size_t n;
	while (next_line(&r, &s, &n)) {
		skip_blanks(&s, &n);
		if (directives && directive(s, n, &df->escape))
			continue;
		directives = 0;
		if (!n || s[0] == '#')
			continue;
		int start = r.line;
		struct strbuf sb = {0};
		struct df_segs sg = {0};
		size_t cut;
		seg_add(&sg, 0, r.line);
		while ((cut = continued(s, n, df->escape)) != (size_t)-1) {
			sb_add(&sb, s, cut);
			/* the next line that is not empty or a comment goes on */
			int more = 0;
			while (next_line(&r, &s, &n)) {
				const char *t = s;
				size_t tn = n;
				skip_blanks(&t, &tn);
				if (!tn || t[0] == '#')
					continue;
				more = 1;
				break;
			}
			if (!more) {
				n = 0;
				break;
			}
			seg_add(&sg, sb.len, r.line);
		}
		sb_add(&sb, s, n);
		sb_addc(&sb, '\0'); /* an empty buffer still gets a string */
		size_t args_off = add_instr(df, &cap, sb.buf, strlen(sb.buf), start);
		sb_free(&sb);
		seg_keep(&df->v[df->n - 1], &sg, args_off);

		struct df_instr *in = &df->v[df->n - 1];
		struct heredoc *hd;
		size_t nhd =
		    (!strcmp(in->cmd, "RUN") || !strcmp(in->cmd, "COPY") || !strcmp(in->cmd, "ADD"))
			? find_heredocs(in->args, &hd)
			: 0;
		if (nhd) {
			struct strbuf body = {0};
			sb_adds(&body, in->args);
			struct df_segs more = {in->seg_off, in->seg_line, in->nseg, in->nseg};
			for (size_t h = 0; h < nhd; h++) {
				int ended = 0;
				while (next_line(&r, &s, &n)) {
					sb_addc(&body, '\n');
					seg_add(&more, body.len, r.line);
					sb_add(&body, s, n);
					const char *t = s;
					size_t tn = n;
					while (hd[h].strip_tabs && tn && *t == '\t')
						t++, tn--;
					if (tn == strlen(hd[h].word) &&
					    !memcmp(t, hd[h].word, tn)) {
						ended = 1;
						break;
					}
				}
				if (!ended && !df->heredoc_open)
					df->heredoc_open = start;
			}
			for (size_t h = 0; h < nhd; h++)
				free(hd[h].word);
			free(hd);
			seg_keep(in, &more, 0);
			sb_addc(&body, '\0');
			free(in->args);
			in->args = xstrdup(body.buf);
			sb_free(&body);
		} else {
			parse_json_form(in);
		}
	}
}

void dockerfile_free(struct dockerfile *df)
{
	for (size_t i = 0; i < df->n; i++) {
		free(df->v[i].cmd);
		free(df->v[i].args);
		free(df->v[i].seg_off);
		free(df->v[i].seg_line);
		df_words_free(df->v[i].argv);
	}
	free(df->v);
	memset(df, 0, sizeof *df);
}

/* ---- words and variables ---- */

char **df_words(const char *s, char escape, size_t *count)
{
	size_t n = 0, cap = 4;
	char **w = xcalloc(cap, sizeof *w);
	struct strbuf cur = {0};
	int have = 0, sq = 0, dq = 0;
	for (const char *p = s; *p; p++) {
		char c = *p;
		if (sq) {
			if (c == '\'')
				sq = 0;
			else
				sb_addc(&cur, c);
		} else if (dq) {
			if (c == '"')
				dq = 0;
			else if (c == escape && p[1] && (p[1] == '"' || p[1] == escape))
				sb_addc(&cur, *++p);
			else
				sb_addc(&cur, c);
		} else if (blank(c) || c == '\n') {
			if (have) {
				if (n + 1 >= cap) {
					cap *= 2;
					w = xrealloc(w, cap * sizeof *w);
				}
				sb_addc(&cur, '\0');
				w[n++] = sb_detach(&cur, NULL);
				have = 0;
			}
		} else {
			have = 1;
			if (c == '\'')
				sq = 1;
			else if (c == '"')
				dq = 1;
			else if (c == escape && p[1])
				sb_addc(&cur, *++p);
			else
				sb_addc(&cur, c);
		}
	}
	if (have) {
		if (n + 1 >= cap) {
			cap *= 2;
			w = xrealloc(w, cap * sizeof *w);
		}
		sb_addc(&cur, '\0');
		w[n++] = sb_detach(&cur, NULL);
	}
	sb_free(&cur);
	w[n] = NULL;
	if (count)
		*count = n;
	return w;
}

void df_words_free(char **w)
{
	for (size_t i = 0; w && w[i]; i++)
		free(w[i]);
	free(w);
}

/* Variables a stage knows (ARG and ENV), later ones winning; value NULL
 * for an ARG without a default. */
struct df_vars {
	char **name, **value;
	size_t n, cap;
};

static void vars_set(struct df_vars *v, const char *name, size_t nlen, const char *value)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->name = xrealloc(v->name, v->cap * sizeof *v->name);
		v->value = xrealloc(v->value, v->cap * sizeof *v->value);
	}
	v->name[v->n] = xstrndup(name, nlen);
	v->value[v->n] = value ? xstrdup(value) : NULL;
	v->n++;
}

static const char *vars_get(const struct df_vars *v, const char *name, size_t nlen, int *found)
{
	for (size_t i = v->n; i-- > 0;)
		if (strlen(v->name[i]) == nlen && !memcmp(v->name[i], name, nlen)) {
			*found = 1;
			return v->value[i];
		}
	*found = 0;
	return NULL;
}

static void vars_free(struct df_vars *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->name[i]);
		free(v->value[i]);
	}
	free(v->name);
	free(v->value);
	memset(v, 0, sizeof *v);
}

static int name_char(char c, int first)
{
	return c == '_' || isalpha((unsigned char)c) || (!first && isdigit((unsigned char)c));
}

/* s with $NAME, ${NAME}, ${NAME:-word} and ${NAME-word} replaced from v;
 * *unresolved set when a variable has no value (it then expands to ""). */
static char *expand(const char *s, const struct df_vars *v, int *unresolved)
{
	struct strbuf sb = {0};
	*unresolved = 0;
	for (const char *p = s; *p;) {
		if (*p != '$') {
			sb_addc(&sb, *p++);
			continue;
		}
		const char *q = p + 1;
		int brace = *q == '{';
		if (brace)
			q++;
		const char *name = q;
		while (name_char(*q, q == name))
			q++;
		size_t nlen = (size_t)(q - name);
		if (!nlen) {
			sb_addc(&sb, *p++);
			continue;
		}
		const char *dflt = NULL;
		size_t dlen = 0;
		if (brace) {
			const char *close = strchr(q, '}');
			if (!close) {
				sb_adds(&sb, p);
				break;
			}
			if (q[0] == ':' && q[1] == '-')
				dflt = q + 2;
			else if (q[0] == '-')
				dflt = q + 1;
			else if (q != close)
				*unresolved = 1; /* ${X:+y}, ${X#y}, ...: not followed */
			if (dflt)
				dlen = (size_t)(close - dflt);
			q = close + 1;
		}
		int found;
		const char *val = vars_get(v, name, nlen, &found);
		if (val && *val)
			sb_adds(&sb, val);
		else if (dflt)
			sb_add(&sb, dflt, dlen);
		else if (!val)
			*unresolved = 1;
		p = q;
	}
	sb_addc(&sb, '\0');
	return sb_detach(&sb, NULL);
}

/* Adds an ARG's names (NAME or NAME=default) to v, a default expanded
 * with what v knows; global holds the ARGs before the first FROM, whose
 * defaults a stage's bare ARG NAME brings in. */
static void add_args(struct df_vars *v, const struct df_instr *in, char esc,
		     const struct df_vars *global)
{
	char **w = df_words(in->args, esc, NULL);
	for (size_t i = 0; w[i]; i++) {
		char *eq = strchr(w[i], '=');
		if (eq) {
			int u;
			char *val = expand(eq + 1, v, &u);
			vars_set(v, w[i], (size_t)(eq - w[i]), val);
			free(val);
		} else {
			int found = 0;
			const char *g =
			    global ? vars_get(global, w[i], strlen(w[i]), &found) : NULL;
			vars_set(v, w[i], strlen(w[i]), g);
		}
	}
	df_words_free(w);
}

/* An ENV's name=value pairs (also the old form ENV NAME value ...), as
 * parallel lists; returns the count. */
static size_t env_pairs(const struct df_instr *in, char esc, char ***names, char ***values)
{
	size_t n;
	char **w = df_words(in->args, esc, &n);
	*names = xcalloc(n + 1, sizeof **names);
	*values = xcalloc(n + 1, sizeof **values);
	size_t k = 0;
	if (n && !strchr(w[0], '=')) {
		struct strbuf sb = {0};
		for (size_t i = 1; i < n; i++)
			sb_addf(&sb, "%s%s", i > 1 ? " " : "", w[i]);
		sb_addc(&sb, '\0');
		(*names)[0] = xstrdup(w[0]);
		(*values)[0] = sb_detach(&sb, NULL);
		k = 1;
	} else {
		for (size_t i = 0; i < n; i++) {
			char *eq = strchr(w[i], '=');
			if (!eq)
				continue;
			(*names)[k] = xstrndup(w[i], (size_t)(eq - w[i]));
			(*values)[k] = xstrdup(eq + 1);
			k++;
		}
	}
	df_words_free(w);
	return k;
}

static void pairs_free(char **a, char **b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i]);
		free(b[i]);
	}
	free(a);
	free(b);
}

/* ---- stages ---- */

struct df_stage {
	size_t from; /* index of its FROM */
	size_t end;  /* one past its last instruction */
	char *image; /* the FROM's image, as written */
	char *name;  /* AS name, lower case, or NULL */
	long parent; /* the earlier stage its image names, or -1 */
};

static size_t stages_of(const struct dockerfile *df, struct df_stage **out)
{
	size_t n = 0;
	for (size_t i = 0; i < df->n; i++)
		n += !strcmp(df->v[i].cmd, "FROM");
	struct df_stage *st = xcalloc(n ? n : 1, sizeof *st);
	size_t k = 0;
	for (size_t i = 0; i < df->n; i++) {
		if (strcmp(df->v[i].cmd, "FROM"))
			continue;
		if (k)
			st[k - 1].end = i;
		char **w = df_words(df->v[i].args, df->escape, NULL);
		size_t j = 0;
		while (w[j] && !strncmp(w[j], "--", 2))
			j++;
		st[k].from = i;
		st[k].image = xstrdup(w[j] ? w[j] : "");
		if (w[j] && w[j + 1] && !strcasecmp(w[j + 1], "as") && w[j + 2]) {
			st[k].name = xstrdup(w[j + 2]);
			for (char *c = st[k].name; *c; c++)
				*c = (char)tolower((unsigned char)*c);
		}
		st[k].parent = -1;
		for (size_t e = 0; e < k; e++)
			if (st[e].name && !strcasecmp(st[e].name, st[k].image))
				st[k].parent = (long)e;
		df_words_free(w);
		k++;
	}
	if (k)
		st[k - 1].end = df->n;
	*out = st;
	return n;
}

static void stages_free(struct df_stage *st, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(st[i].image);
		free(st[i].name);
	}
	free(st);
}

static char *vis(const char *s)
{
	return match_visible(s, strlen(s), DF_SHOW);
}

static int no_from(const char *name, struct strbuf *out)
{
	sb_addf(out,
		"%s:1: no FROM instruction: a Dockerfile starts from an image "
		"(FROM python:3.12-slim)\n",
		name);
	return 1;
}

/* ---- the checks ---- */

int df_check_syntax(const struct dockerfile *df, const char *name, struct strbuf *out)
{
	int problems = 0, seen_from = 0;
	for (size_t i = 0; i < df->n; i++) {
		const struct df_instr *in = &df->v[i];
		char *c = vis(in->cmd);
		if (!in->known) {
			char *up = xstrdup(in->cmd);
			for (char *u = up; *u; u++)
				*u = (char)toupper((unsigned char)*u);
			const char *hint = strlen(up) <= 16 ? closest_word(up, df_known) : NULL;
			free(up);
			sb_addf(out,
				"%s:%d: '%s' is not a Dockerfile instruction%s%s%s (docker build "
				"stops here)\n",
				name, in->line, c, hint ? " (did you mean " : "", hint ? hint : "",
				hint ? "?)" : "");
			problems++;
		} else if (!strcmp(in->cmd, "FROM")) {
			seen_from = 1;
		} else if (!seen_from && strcmp(in->cmd, "ARG")) {
			sb_addf(out,
				"%s:%d: %s before the first FROM: only ARG may come before it\n",
				name, in->line, c);
			problems++;
		}
		free(c);
	}
	if (!seen_from)
		problems += no_from(name, out);
	if (df->heredoc_open) {
		sb_addf(out, "%s:%d: the heredoc that starts here never ends\n", name,
			df->heredoc_open);
		problems++;
	}
	return problems;
}

static const char *const floating_tags[] = {"latest", "stable",  "unstable", "lts",     "current",
					    "edge",   "rolling", "mainline", "nightly", "testing",
					    "sid",    "slim",    "alpine",   NULL};

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* One image reference: 0 when pinned, else a problem appended. */
static int check_ref(const char *name, int line, const char *written, const char *ref,
		     struct strbuf *out)
{
	char *w = vis(written);
	char *r = vis(ref);
	char *shown = strcmp(written, ref) ? xasprintf("%s (%s)", w, r) : xstrdup(w);
	int bad = 0;
	const char *at = strchr(ref, '@');
	const char *slash = strrchr(ref, '/');
	const char *colon = strrchr(slash ? slash : ref, ':');
	if (at && colon > at)
		colon = NULL;
	size_t repo_len = at ? (size_t)(at - ref) : colon ? (size_t)(colon - ref) : strlen(ref);
	char *repo = match_visible(ref, repo_len, DF_SHOW);
	char *example = (repo_len >= 6 && !strncmp(ref + repo_len - 6, "python", 6))
			    ? xasprintf("%s:3.12-slim, %s@sha256:...", repo, repo)
			    : xasprintf("%s:VERSION, %s@sha256:...", repo, repo);
	if (!*ref) {
		sb_addf(out, "%s:%d: FROM names no image\n", name, line);
		bad = 1;
	} else if (at) {
		const char *dg = at + 1;
		if (strncmp(dg, "sha256:", 7) || strlen(dg + 7) != 64 || !is_hex(dg + 7, 64)) {
			sb_addf(out,
				"%s:%d: FROM %s: the digest after @ must be sha256: and 64 hex "
				"digits\n",
				name, line, shown);
			bad = 1;
		}
	} else if (!colon) {
		sb_addf(out,
			"%s:%d: FROM %s has no tag, which means %s:latest: pin the image to a "
			"version tag or a digest (%s)\n",
			name, line, shown, repo, example);
		bad = 1;
	} else {
		const char *tag = colon + 1;
		size_t i;
		for (i = 0; floating_tags[i] && strcmp(tag, floating_tags[i]); i++)
			;
		if (!*tag) {
			sb_addf(out,
				"%s:%d: FROM %s: the tag after ':' is empty: pin the image to a "
				"version tag or a digest (%s)\n",
				name, line, shown, example);
			bad = 1;
		} else if (floating_tags[i] && !strcmp(tag, "latest")) {
			sb_addf(out,
				"%s:%d: FROM %s: pin the image to a version tag or a digest "
				"(%s)\n",
				name, line, shown, example);
			bad = 1;
		} else if (floating_tags[i]) {
			sb_addf(out,
				"%s:%d: FROM %s: '%s' moves to every new release, like latest: "
				"pin the image to a version tag or a digest (%s)\n",
				name, line, shown, tag, example);
			bad = 1;
		}
	}
	free(example);
	free(repo);
	free(shown);
	free(r);
	free(w);
	return bad;
}

int df_check_base_pinned(const struct dockerfile *df, const char *name, struct strbuf *out)
{
	struct df_vars global = {0};
	struct df_stage *st;
	size_t ns = stages_of(df, &st), k = 0;
	int problems = 0;
	for (size_t i = 0; i < df->n; i++) {
		const struct df_instr *in = &df->v[i];
		if (!k && !strcmp(in->cmd, "ARG")) {
			add_args(&global, in, df->escape, NULL);
			continue;
		}
		if (strcmp(in->cmd, "FROM"))
			continue;
		const struct df_stage *s = &st[k++];
		if (s->parent >= 0)
			continue; /* an earlier stage: pinned where it was built */
		int unresolved;
		char *ref = expand(s->image, &global, &unresolved);
		int stage_ref = 0;
		for (size_t e = 0; e + 1 < k; e++)
			if (st[e].name && !strcasecmp(st[e].name, ref))
				stage_ref = 1;
		if (stage_ref || !strcasecmp(ref, "scratch")) {
			/* an earlier stage, or the empty image */
		} else if (unresolved) {
			char *w = vis(s->image);
			sb_addf(out,
				"%s:%d: FROM %s: the image comes from a build argument with no "
				"default: give the ARG a pinned default before the first FROM "
				"(ARG PYTHON_IMAGE=python:3.12-slim)\n",
				name, in->line, w);
			free(w);
			problems++;
		} else {
			problems += check_ref(name, in->line, s->image, ref, out);
		}
		free(ref);
	}
	if (!ns)
		problems += no_from(name, out);
	stages_free(st, ns);
	vars_free(&global);
	return problems;
}

/* The variables of stage s up to (not including) instruction upto. */
static void stage_vars(const struct dockerfile *df, const struct df_stage *s, size_t upto,
		       const struct df_vars *global, struct df_vars *v)
{
	for (size_t i = s->from + 1; i < upto; i++) {
		const struct df_instr *in = &df->v[i];
		if (!strcmp(in->cmd, "ARG")) {
			add_args(v, in, df->escape, global);
		} else if (!strcmp(in->cmd, "ENV")) {
			char **names, **values;
			size_t n = env_pairs(in, df->escape, &names, &values);
			for (size_t j = 0; j < n; j++) {
				int u;
				char *val = expand(values[j], v, &u);
				vars_set(v, names[j], strlen(names[j]), val);
				free(val);
			}
			pairs_free(names, values, n);
		}
	}
}

static void global_args(const struct dockerfile *df, struct df_vars *g)
{
	for (size_t i = 0; i < df->n && strcmp(df->v[i].cmd, "FROM"); i++)
		if (!strcmp(df->v[i].cmd, "ARG"))
			add_args(g, &df->v[i], df->escape, NULL);
}

/* The last instruction cmd of stage s, or of the stage it builds on when
 * it has none: its index, or -1; *in_stage gets the stage it was in. */
static long last_in_chain(const struct dockerfile *df, const struct df_stage *st, size_t s,
			  const char *cmd, size_t *in_stage)
{
	for (long cur = (long)s; cur >= 0; cur = st[cur].parent) {
		for (size_t i = st[cur].end; i-- > st[cur].from + 1;)
			if (!strcmp(df->v[i].cmd, cmd)) {
				*in_stage = (size_t)cur;
				return (long)i;
			}
	}
	return -1;
}

int df_check_non_root(const struct dockerfile *df, const char *name, struct strbuf *out)
{
	struct df_stage *st;
	size_t ns = stages_of(df, &st);
	if (!ns) {
		stages_free(st, ns);
		return no_from(name, out);
	}
	int problems = 0;
	size_t fin = ns - 1, where = fin;
	int fin_line = df->v[st[fin].from].line;
	long u = last_in_chain(df, st, fin, "USER", &where);
	if (u < 0) {
		sb_addf(out,
			"%s:%d: the final stage (%s:%d) runs as root: add USER with a non-root "
			"user after installing packages\n",
			name, fin_line, name, fin_line);
		problems = 1;
	} else {
		const struct df_instr *in = &df->v[u];
		struct df_vars g = {0}, v = {0};
		global_args(df, &g);
		stage_vars(df, &st[where], (size_t)u, &g, &v);
		char **w = df_words(in->args, df->escape, NULL);
		int unresolved = 0;
		char *user = w[0] ? expand(w[0], &v, &unresolved) : xstrdup("");
		char *colon = strchr(user, ':');
		if (colon)
			*colon = '\0';
		int zero = *user != '\0';
		for (const char *c = user; *c; c++)
			if (*c != '0')
				zero = 0;
		char *shown = vis(in->args);
		if (!*user && !unresolved) {
			sb_addf(out,
				"%s:%d: USER %s names no user, so the final stage (%s:%d) runs "
				"as root: write USER and a non-root user (USER app)\n",
				name, in->line, shown, name, fin_line);
			problems = 1;
		} else if (!strcmp(user, "root") || zero) {
			sb_addf(out,
				"%s:%d: USER %s: the final stage (%s:%d) runs as root: end it "
				"with USER and a non-root user (USER app), after the steps "
				"that need root\n",
				name, in->line, shown, name, fin_line);
			problems = 1;
		}
		free(shown);
		free(user);
		df_words_free(w);
		vars_free(&v);
		vars_free(&g);
	}
	stages_free(st, ns);
	return problems;
}

int df_secret_name(const char *name)
{
	size_t n = strlen(name);
	char *u = xstrdup(name);
	for (char *c = u; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	static const char *const inside[] = {"PASSWORD",   "PASSWD", "SECRET",      "TOKEN",
					     "CREDENTIAL", "APIKEY", "PRIVATE_KEY", NULL};
	static const char *const ends[] = {"_KEY", "_PASS", "_PWD", NULL};
	static const char *const not_ends[] = {"_FILE", "_PATH", "_DIR", NULL};
	int secret = !strcmp(u, "KEY") || !strcmp(u, "PASS");
	for (size_t i = 0; inside[i]; i++)
		if (strstr(u, inside[i]))
			secret = 1;
	for (size_t i = 0; ends[i]; i++) {
		size_t l = strlen(ends[i]);
		if (n >= l && !strcmp(u + n - l, ends[i]))
			secret = 1;
	}
	for (size_t i = 0; not_ends[i]; i++) {
		size_t l = strlen(not_ends[i]);
		if (n >= l && !strcmp(u + n - l, not_ends[i]))
			secret = 0;
	}
	free(u);
	return secret;
}

/* 1 when value is written out (not empty, not just $NAME or ${NAME}). */
static int literal(const char *v)
{
	if (!*v)
		return 0;
	if (v[0] != '$')
		return 1;
	const char *p = v + 1;
	int brace = *p == '{';
	p += brace;
	const char *s = p;
	while (name_char(*p, p == s))
		p++;
	if (p == s)
		return 1;
	if (brace) {
		if (*p != '}')
			return 1; /* ${NAME:-default} and the like give a default */
		p++;
	}
	return *p != '\0';
}

/* The line of an ENV's or ARG's name nm (its first place as a whole
 * word followed by = or a blank), else the instruction's line. */
static int name_line(const struct df_instr *in, const char *nm)
{
	size_t l = strlen(nm);
	for (const char *p = in->args; l && (p = strstr(p, nm)); p++) {
		int starts = p == in->args || blank(p[-1]) || p[-1] == '\n' || p[-1] == '"';
		char after = p[l];
		if (starts && (after == '=' || after == '\0' || blank(after) || after == '"'))
			return df_line_at(in, (size_t)(p - in->args));
	}
	return in->line;
}

int df_check_no_secrets(const struct dockerfile *df, const char *name, struct strbuf *out)
{
	int problems = 0;
	for (size_t i = 0; i < df->n; i++) {
		const struct df_instr *in = &df->v[i];
		int env = !strcmp(in->cmd, "ENV");
		if (!env && strcmp(in->cmd, "ARG"))
			continue;
		char **names, **values;
		size_t n;
		if (env) {
			n = env_pairs(in, df->escape, &names, &values);
		} else {
			char **w = df_words(in->args, df->escape, &n);
			names = xcalloc(n + 1, sizeof *names);
			values = xcalloc(n + 1, sizeof *values);
			for (size_t j = 0; j < n; j++) {
				char *eq = strchr(w[j], '=');
				names[j] = eq ? xstrndup(w[j], (size_t)(eq - w[j])) : xstrdup(w[j]);
				values[j] = xstrdup(eq ? eq + 1 : "");
			}
			df_words_free(w);
		}
		for (size_t j = 0; j < n; j++) {
			if (!df_secret_name(names[j]) || !literal(values[j]))
				continue;
			char *nm = vis(names[j]);
			int line = name_line(in, names[j]);
			if (env)
				sb_addf(out,
					"%s:%d: ENV %s=... puts a secret into the image; pass it "
					"at run time (docker run -e %s, or --env-file)\n",
					name, line, nm, nm);
			else
				sb_addf(out,
					"%s:%d: ARG %s=... gives a secret a default that stays in "
					"the image's history; pass it at run time, or at build "
					"time as a secret (RUN --mount=type=secret)\n",
					name, line, nm);
			free(nm);
			problems++;
		}
		pairs_free(names, values, n);
	}
	return problems;
}

/* The exec form of a shell-form command, for a hint. */
static char *as_json(const char *cmd, const char *args, char esc)
{
	char **w = df_words(args, esc, NULL);
	struct strbuf sb = {0};
	sb_addf(&sb, "%s [", cmd);
	for (size_t i = 0; w[i] && i < 8; i++) {
		sb_adds(&sb, i ? ", \"" : "\"");
		for (const char *c = w[i]; *c; c++) {
			if (*c == '"' || *c == '\\')
				sb_addc(&sb, '\\');
			sb_addc(&sb, *c);
		}
		sb_addc(&sb, '"');
	}
	sb_addc(&sb, ']');
	sb_addc(&sb, '\0');
	df_words_free(w);
	char *raw = sb_detach(&sb, NULL);
	char *v = vis(raw);
	free(raw);
	return v;
}

int df_check_exec_form(const struct dockerfile *df, const char *name, struct strbuf *out)
{
	struct df_stage *st;
	size_t ns = stages_of(df, &st);
	if (!ns) {
		stages_free(st, ns);
		return no_from(name, out);
	}
	size_t fin = ns - 1, where;
	int fin_line = df->v[st[fin].from].line, problems = 0;
	long e = last_in_chain(df, st, fin, "ENTRYPOINT", &where);
	long c = e < 0 ? last_in_chain(df, st, fin, "CMD", &where) : e;
	if (c < 0) {
		sb_addf(out,
			"%s:%d: the final stage (%s:%d) has no CMD or ENTRYPOINT: say how the "
			"container starts, as a JSON array (CMD [\"python\", \"app.py\"])\n",
			name, fin_line, name, fin_line);
		problems = 1;
	} else if (!df->v[c].json) {
		const struct df_instr *in = &df->v[c];
		char *shown = vis(in->args);
		char *hint = as_json(in->cmd, in->args, df->escape);
		sb_addf(out,
			"%s:%d: %s %s is the shell form: /bin/sh becomes the container's "
			"first process and the program never gets docker stop's SIGTERM; "
			"write it as a JSON array (%s)\n",
			name, in->line, in->cmd, shown, hint);
		free(hint);
		free(shown);
		problems = 1;
	}
	stages_free(st, ns);
	return problems;
}
