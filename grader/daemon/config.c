/*
 * config.c - loading and validating grader.yaml (config.h), including the
 * roster file of learners' repositories and secrets from the environment.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "grader/util/util.h"
#include "grader/model/yaml.h"

static const char *const role_names[] = {"admin", "instructor", "learner", "ci", NULL};

const char *role_name(enum role r)
{
	return role_names[r];
}

/* Reads a string key into *out (a heap copy). Absent keys leave *out. */
static void get_str(const struct yaml_node *map, const char *key, char **out, struct diag *d)
{
	const struct yaml_node *n = yaml_get(map, key);
	const char *s;
	char what[64];
	snprintf(what, sizeof what, "'%s'", key);
	if (n && yaml_to_str(n, what, &s, d) == 0) {
		free(*out);
		*out = xstrdup(s);
	}
}

/* A secret named by an environment variable: secret_env: NAME. */
static char *get_secret(const struct yaml_node *map, const char *key, struct diag *d)
{
	const struct yaml_node *n = yaml_get(map, key);
	const char *name;
	if (!n || yaml_to_str(n, "a secret's variable name", &name, d) < 0)
		return NULL;
	const char *v = getenv(name);
	if (!v || !*v) {
		yaml_error(d, n, "environment variable %s (named by '%s') is not set", name, key);
		return NULL;
	}
	return xstrdup(v);
}

static void load_webhooks(struct config *c, const struct yaml_node *n, struct diag *d)
{
	static const char *const forges[] = {"github", "gitea", "gitlab", NULL};
	static const char *const keys[] = {"secret_env", NULL};
	if (yaml_expect_kind(n, YAML_MAP, "'webhooks'", d) < 0)
		return;
	yaml_check_keys(n, forges, d);
	for (size_t i = 0; i < n->n; i++) {
		const struct yaml_node *v = n->items[i];
		if (yaml_expect_kind(v, YAML_MAP, "a webhook entry", d) < 0)
			continue;
		yaml_check_keys(v, keys, d);
		char *secret = get_secret(v, "secret_env", d);
		if (!secret) {
			if (!yaml_get(v, "secret_env"))
				yaml_error(d, v, "webhook '%s' needs secret_env",
					   n->keys[i]->scalar);
			continue;
		}
		c->webhooks = xrealloc(c->webhooks, (c->nwebhooks + 1) * sizeof *c->webhooks);
		c->webhooks[c->nwebhooks].forge = xstrdup(n->keys[i]->scalar);
		c->webhooks[c->nwebhooks].secret = secret;
		c->nwebhooks++;
	}
}

static void add_repo(struct config *c, const char *learner, const char *url, const char *branch)
{
	c->repos = xrealloc(c->repos, (c->nrepos + 1) * sizeof *c->repos);
	struct watched_repo *r = &c->repos[c->nrepos++];
	r->learner = xstrdup(learner);
	r->url = xstrdup(url);
	r->branch = xstrdup(branch && *branch ? branch : "main");
}

static void load_repositories(struct config *c, const struct yaml_node *n, struct diag *d)
{
	static const char *const keys[] = {"learner", "url", "branch", NULL};
	if (yaml_expect_kind(n, YAML_SEQ, "'repositories'", d) < 0)
		return;
	for (size_t i = 0; i < n->n; i++) {
		const struct yaml_node *r = n->items[i];
		if (yaml_expect_kind(r, YAML_MAP, "a repository entry", d) < 0)
			continue;
		yaml_check_keys(r, keys, d);
		char *learner = NULL, *url = NULL, *branch = NULL;
		get_str(r, "learner", &learner, d);
		get_str(r, "url", &url, d);
		get_str(r, "branch", &branch, d);
		if (!learner || !url)
			yaml_error(d, r, "a repository needs 'learner' and 'url'");
		else
			add_repo(c, learner, url, branch);
		free(learner), free(url), free(branch);
	}
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* The roster: one "learner,url[,branch]" per line; # comments; an
 * optional header line starting with "learner,". */
static void load_roster(struct config *c, const struct yaml_node *n, struct diag *d)
{
	const char *rel;
	if (yaml_to_str(n, "'roster'", &rel, d) < 0)
		return;
	char *dir = xstrdup(c->path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	char *path = rel[0] == '/' ? xstrdup(rel) : path_join(slash ? dir : ".", rel);
	free(dir);
	char *text;
	size_t len;
	if (read_file(path, 16 << 20, &text, &len) < 0) {
		yaml_error(d, n, "cannot read roster %s", path);
		free(path);
		return;
	}
	int lineno = 0;
	/* line by line, blank ones counted, so that diagnostics point at the
	 * right line */
	for (char *line = text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		char *l = trim(line);
		if (!*l || *l == '#' || (lineno == 1 && !strncmp(l, "learner,", 8)))
			continue;
		char *f[3] = {NULL, NULL, NULL};
		int nf = 0;
		for (char *p = l; nf < 3; nf++) {
			f[nf] = p;
			char *comma = strchr(p, ',');
			if (!comma) {
				nf++;
				break;
			}
			*comma = '\0';
			p = comma + 1;
		}
		if (nf < 2 || !*trim(f[0]) || !*trim(f[1])) {
			diag_error(d, path, lineno, 1,
				   "expected 'learner,repository-url[,branch]'");
			continue;
		}
		add_repo(c, trim(f[0]), trim(f[1]), f[2] ? trim(f[2]) : NULL);
	}
	free(text);
	free(path);
}

static int is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return 0;
	return 1;
}

static void load_tokens(struct config *c, const struct yaml_node *n, struct diag *d)
{
	static const char *const keys[] = {"name",      "role",         "learner",
					   "token_env", "token_sha256", NULL};
	if (yaml_expect_kind(n, YAML_SEQ, "'tokens'", d) < 0)
		return;
	for (size_t i = 0; i < n->n; i++) {
		const struct yaml_node *t = n->items[i];
		if (yaml_expect_kind(t, YAML_MAP, "a token entry", d) < 0)
			continue;
		yaml_check_keys(t, keys, d);
		struct api_token tok = {0};
		char *role = NULL, *hash = NULL;
		get_str(t, "name", &tok.name, d);
		get_str(t, "role", &role, d);
		get_str(t, "learner", &tok.learner, d);
		get_str(t, "token_sha256", &hash, d);
		char *plain = yaml_get(t, "token_env") ? get_secret(t, "token_env", d) : NULL;
		int ok = 1, r = -1;
		for (int k = 0; role && role_names[k]; k++)
			if (!strcmp(role, role_names[k]))
				r = k;
		if (!tok.name || !role) {
			yaml_error(d, t, "a token needs 'name' and 'role'");
			ok = 0;
		} else if (r < 0) {
			const char *hint = closest_word(role, role_names);
			yaml_error(d, yaml_get(t, "role"), "unknown role '%s'%s%s%s", role,
				   hint ? " (did you mean '" : "", hint ? hint : "",
				   hint ? "'?)" : "");
			ok = 0;
		}
		if (ok && r == ROLE_LEARNER && !tok.learner) {
			yaml_error(d, t, "a learner token needs 'learner'");
			ok = 0;
		}
		if (plain)
			sha256_hex(plain, strlen(plain), tok.sha256);
		else if (hash && is_hex64(hash))
			for (int k = 0; k < 65; k++)
				tok.sha256[k] = (char)tolower((unsigned char)hash[k]);
		else if (ok) {
			yaml_error(d, t, "a token needs token_env or token_sha256 (64 hex digits)");
			ok = 0;
		}
		if (ok) {
			tok.role = (enum role)r;
			c->tokens = xrealloc(c->tokens, (c->ntokens + 1) * sizeof *c->tokens);
			c->tokens[c->ntokens++] = tok;
		} else {
			free(tok.name);
			free(tok.learner);
		}
		if (plain)
			OPENSSL_cleanse(plain, strlen(plain));
		free(plain), free(role), free(hash);
	}
}

static void set_defaults(struct config *c)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	c->workers = cpus > 0 ? (int)cpus : 1;
	c->listen_host = xstrdup("127.0.0.1");
	c->listen_port = 8080;
	c->lease_s = 60;
	c->max_attempts = 3;
	c->grader_fault_retries = 2;
	c->poll_interval_s = 60;
	c->poll_max_backoff_s = 900;
	c->max_body_bytes = 1 << 20;
	c->max_connections = 1000;
	c->max_client_connections = 32;
	c->http_timeout_s = 10;
}

static void load_scalars(struct config *c, const struct yaml_node *root, struct diag *d)
{
	const struct yaml_node *n;
	long long v;
	get_str(root, "state_dir", &c->state_dir, d);
	get_str(root, "course", &c->course_dir, d);
	get_str(root, "queue", &c->queue_url, d);
	get_str(root, "reports_dir", &c->reports_dir, d);
	if ((n = yaml_get(root, "workers")) && yaml_to_int(n, "'workers'", 1, 256, &v, d) == 0)
		c->workers = (int)v;
	if ((n = yaml_get(root, "max_attempts")) &&
	    yaml_to_int(n, "'max_attempts'", 1, 100, &v, d) == 0)
		c->max_attempts = (int)v;
	if ((n = yaml_get(root, "grader_fault_retries")) &&
	    yaml_to_int(n, "'grader_fault_retries'", 0, 10, &v, d) == 0)
		c->grader_fault_retries = (int)v;
	if ((n = yaml_get(root, "lease")))
		yaml_to_duration(n, "'lease'", &c->lease_s, d);
	if ((n = yaml_get(root, "max_connections")) &&
	    yaml_to_int(n, "'max_connections'", 16, 100000, &v, d) == 0)
		c->max_connections = (int)v;
	if ((n = yaml_get(root, "max_client_connections")) &&
	    yaml_to_int(n, "'max_client_connections'", 0, 100000, &v, d) == 0)
		c->max_client_connections = (int)v;
	if ((n = yaml_get(root, "http_timeout")) &&
	    yaml_to_duration(n, "'http_timeout'", &c->http_timeout_s, d) == 0 &&
	    (c->http_timeout_s < 1 || c->http_timeout_s > 3600))
		yaml_error(d, n, "'http_timeout' must be between 1s and 1h");
	uint64_t body;
	if ((n = yaml_get(root, "max_body")) && yaml_to_size(n, "'max_body'", &body, d) == 0)
		c->max_body_bytes = (size_t)body;
	if ((n = yaml_get(root, "listen"))) {
		const char *s;
		if (yaml_to_str(n, "'listen'", &s, d) == 0) {
			const char *colon = strrchr(s, ':');
			char *end;
			long port = colon ? strtol(colon + 1, &end, 10) : -1;
			if (!colon || *end || port < 1 || port > 65535)
				yaml_error(d, n, "'listen' must be HOST:PORT, like 127.0.0.1:8080");
			else {
				free(c->listen_host);
				c->listen_host = xstrndup(s, (size_t)(colon - s));
				c->listen_port = (int)port;
			}
		}
	}
}

static void load_sections(struct config *c, const struct yaml_node *root, struct diag *d)
{
	static const char *const poll_keys[] = {"interval", "max_backoff", NULL};
	static const char *const cb_keys[] = {"url", "secret_env", NULL};
	const struct yaml_node *n;
	if ((n = yaml_get(root, "poll")) && yaml_expect_kind(n, YAML_MAP, "'poll'", d) == 0) {
		yaml_check_keys(n, poll_keys, d);
		const struct yaml_node *v;
		if ((v = yaml_get(n, "interval")))
			yaml_to_duration(v, "'interval'", &c->poll_interval_s, d);
		if ((v = yaml_get(n, "max_backoff")))
			yaml_to_duration(v, "'max_backoff'", &c->poll_max_backoff_s, d);
	}
	if ((n = yaml_get(root, "callback")) &&
	    yaml_expect_kind(n, YAML_MAP, "'callback'", d) == 0) {
		yaml_check_keys(n, cb_keys, d);
		get_str(n, "url", &c->callback_url, d);
		c->callback_secret = get_secret(n, "secret_env", d);
		if (!c->callback_url)
			yaml_error(d, n, "'callback' needs a url");
	}
	if ((n = yaml_get(root, "webhooks")))
		load_webhooks(c, n, d);
	if ((n = yaml_get(root, "repositories")))
		load_repositories(c, n, d);
	if ((n = yaml_get(root, "roster")))
		load_roster(c, n, d);
	if ((n = yaml_get(root, "tokens")))
		load_tokens(c, n, d);
}

struct config *config_load(const char *path, struct diag *d)
{
	static const char *const keys[] = {
	    "state_dir",
	    "course",
	    "workers",
	    "queue",
	    "listen",
	    "reports_dir",
	    "callback",
	    "lease",
	    "max_attempts",
	    "grader_fault_retries",
	    "poll",
	    "max_body",
	    "webhooks",
	    "repositories",
	    "roster",
	    "tokens",
	    "max_connections",
	    "max_client_connections",
	    "http_timeout",
	    NULL,
	};
	size_t before = d->errors;
	struct yaml_node *root = yaml_load_file(path, d);
	if (!root)
		return NULL;
	struct config *c = xcalloc(1, sizeof *c);
	c->path = xstrdup(path);
	set_defaults(c);
	if (yaml_expect_kind(root, YAML_MAP, "the configuration", d) == 0) {
		yaml_check_keys(root, keys, d);
		load_scalars(c, root, d);
		load_sections(c, root, d);
		if (!c->state_dir)
			yaml_error(d, root, "'state_dir' is required");
		if (!c->course_dir)
			yaml_error(d, root, "'course' is required");
	}
	if (!c->queue_url && c->state_dir) {
		char *db = path_join(c->state_dir, "queue.db");
		c->queue_url = xasprintf("sqlite:%s", db);
		free(db);
	}
	yaml_node_free(root);
	if (d->errors > before) {
		config_free(c);
		return NULL;
	}
	return c;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	free(c->path), free(c->state_dir), free(c->course_dir), free(c->queue_url);
	free(c->listen_host), free(c->reports_dir), free(c->callback_url);
	if (c->callback_secret)
		OPENSSL_cleanse(c->callback_secret, strlen(c->callback_secret));
	free(c->callback_secret);
	for (size_t i = 0; i < c->nwebhooks; i++) {
		OPENSSL_cleanse(c->webhooks[i].secret, strlen(c->webhooks[i].secret));
		free(c->webhooks[i].forge), free(c->webhooks[i].secret);
	}
	free(c->webhooks);
	for (size_t i = 0; i < c->nrepos; i++)
		free(c->repos[i].learner), free(c->repos[i].url), free(c->repos[i].branch);
	free(c->repos);
	for (size_t i = 0; i < c->ntokens; i++)
		free(c->tokens[i].name), free(c->tokens[i].learner);
	free(c->tokens);
	free(c);
}

const struct api_token *config_find_token(const struct config *c, const char *token)
{
	char hex[65];
	sha256_hex(token, strlen(token), hex);
	const struct api_token *found = NULL;
	/* Every entry is compared, whether or not one matched already, and
	 * each comparison takes the same time. */
	for (size_t i = 0; i < c->ntokens; i++)
		if (CRYPTO_memcmp(hex, c->tokens[i].sha256, 64) == 0)
			found = &c->tokens[i];
	return found;
}

const struct watched_repo *config_find_repo(const struct config *c, const char *url)
{
	for (size_t i = 0; i < c->nrepos; i++)
		if (!strcmp(c->repos[i].url, url))
			return &c->repos[i];
	return NULL;
}
