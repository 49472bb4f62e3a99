/*
 * config.h - the daemon's configuration (grader.yaml): where state lives,
 * which course to grade, how many workers, the queue, the HTTP listener,
 * webhook secrets, pollers, API tokens and report delivery.
 *
 * Secrets never appear in the file itself: each is named by the
 * environment variable that holds it (secret_env, token_env) or, for API
 * tokens, given as a SHA-256 of the token. config_load resolves them.
 *
 * Ownership: config_load returns a struct the caller frees with
 * config_free. All strings are owned by the config.
 */
#ifndef GRADER_DAEMON_CONFIG_H
#define GRADER_DAEMON_CONFIG_H

#include <stddef.h>

#include "grader/model/diag.h"

enum role { ROLE_ADMIN, ROLE_INSTRUCTOR, ROLE_LEARNER, ROLE_CI };
enum { ROLE_COUNT = ROLE_CI + 1 };
const char *role_name(enum role r);

struct api_token {
	char *name;
	enum role role;
	char *learner;   /* ROLE_LEARNER: whose reports it may see */
	char sha256[65]; /* hex SHA-256 of the token; never the token */
};

struct watched_repo {
	char *learner;
	char *url;
	char *branch; /* default "main" */
};

struct webhook_secret {
	char *forge;  /* github, gitea, gitlab */
	char *secret; /* resolved from the environment */
};

struct config {
	char *path;      /* the file it came from */
	char *state_dir; /* mirrors, queue.db, reports */
	char *course_dir;
	int workers;       /* default: the number of online CPUs */
	char *queue_url;   /* default "sqlite:<state_dir>/queue.db" */
	char *listen_host; /* default 127.0.0.1 */
	int listen_port;   /* default 8080 */
	char *reports_dir; /* optional: reports also written as files */
	char *callback_url;
	char *callback_secret;
	double lease_s;   /* default 60 */
	int max_attempts; /* default 3 */
	int grader_fault_retries; /* default 2: gradings the grader failed,
				   * tried again without counting an attempt */
	double poll_interval_s, poll_max_backoff_s;
	size_t max_body_bytes;      /* webhook/API body cap, default 1 MiB */
	int max_connections;        /* HTTP connections open at once, default 1000 */
	int max_client_connections; /* of them from one client address, default 32; 0 = no cap */
	double http_timeout_s;      /* a connection idle this long is closed, default 10 */
	struct webhook_secret *webhooks;
	size_t nwebhooks;
	struct watched_repo *repos; /* from 'repositories' and the roster file */
	size_t nrepos;
	struct api_token *tokens;
	size_t ntokens;
};

/* Loads and validates path. NULL + diagnostics (file:line:col) on error:
 * unknown keys, bad types, a secret_env naming an unset variable... */
struct config *config_load(const char *path, struct diag *d);
void config_free(struct config *c);

/* The token entry whose SHA-256 matches token (compared in constant
 * time over every entry), or NULL. */
const struct api_token *config_find_token(const struct config *c, const char *token);
/* The watched repository with this URL, or NULL. */
const struct watched_repo *config_find_repo(const struct config *c, const char *url);

#endif
