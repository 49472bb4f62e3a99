/*
 * webhook.h - push webhooks from GitHub, Gitea and GitLab: which forge sent
 * a request, whether it is authentic, and what was pushed.
 *
 *   forge    event header              signature header
 *   github   X-GitHub-Event: push      X-Hub-Signature-256: sha256=<hex HMAC-SHA256>
 *   gitea    X-Gitea-Event: push       X-Gitea-Signature: <hex HMAC-SHA256>
 *   gitlab   X-Gitlab-Event: Push Hook X-Gitlab-Token: <the secret itself>
 *                     (or Tag Push Hook)
 *
 * The HMAC is over the raw body bytes, keyed with the configured secret.
 * Every comparison takes the same time whatever the input: signatures are
 * decoded to 32 bytes and compared with CRYPTO_memcmp; a GitLab token is
 * compared through the SHA-256 of both strings, so its length leaks
 * nothing. Hex digits may be upper or lower case (they name the same
 * bytes); anything else in a signature, or a wrong length, is refused.
 *
 * Senders are untrusted: bodies over WEBHOOK_MAX_BODY, malformed JSON,
 * missing fields, non-hex commits, refs git would refuse and strings with
 * control characters are all rejected with a message saying which.
 *
 * Conventions: 0 / -1 returns (or an enum webhook_result) with a message in
 * err[errlen] (err may be NULL). A struct webhook_push owns its strings;
 * webhook_push_free releases them and is safe on a zeroed struct.
 */
#ifndef GRADER_DAEMON_WEBHOOK_H
#define GRADER_DAEMON_WEBHOOK_H

#include <stddef.h>

enum { WEBHOOK_MAX_BODY = 1024 * 1024 };

enum forge { FORGE_UNKNOWN = 0, FORGE_GITHUB, FORGE_GITEA, FORGE_GITLAB };
enum { FORGE_COUNT = 4 };

/* "github", "gitea", "gitlab" ("unknown" otherwise). */
const char *forge_name(enum forge f);
/* 0 and *out for "github", "gitea" or "gitlab"; -1 otherwise. */
int forge_parse(const char *name, enum forge *out);

/* Looks up a request header by name (case-insensitive, as HTTP has it);
 * NULL when absent. libmicrohttpd: MHD_lookup_connection_value. */
typedef const char *(*webhook_header_fn)(void *ctx, const char *name);

/* The forge by its event header. Gitea also sends X-GitHub-Event, so
 * X-Gitea-Event is looked at first. FORGE_UNKNOWN when none is present. */
enum forge webhook_detect(webhook_header_fn get, void *ctx);
/* The names of a forge's event and signature headers (NULL if unknown). */
const char *webhook_event_header(enum forge f);
const char *webhook_signature_header(enum forge f);
/* 1 when the event header's value announces a push (branch or tag). */
int webhook_is_push_event(enum forge f, const char *event);

/* Checks the signature header's value against body under secret: 0 when
 * authentic, -1 with the reason otherwise (missing header, malformed
 * signature, no secret configured, body too large, mismatch). */
int webhook_verify(enum forge f, const char *secret, const char *body, size_t len,
		   const char *signature, char *err, size_t errlen);

struct webhook_push {
	enum forge forge;
	char *full_name; /* "owner/name" (GitLab: path_with_namespace) */
	char *clone_url; /* HTTP(S) clone URL: clone_url / git_http_url */
	char *ssh_url;   /* ssh_url / git_ssh_url, or NULL */
	char *web_url;   /* html_url / web_url, or NULL */
	char *ref;       /* "refs/heads/main", "refs/tags/v1" */
	char *branch;    /* "main" for a branch, NULL for anything else */
	char *before;    /* commit before the push (all zeros when created) */
	char *after;     /* commit after the push (all zeros when deleted) */
	char *pusher;    /* login of who pushed, or NULL */
	int is_tag;      /* the ref is under refs/tags/ */
	int deleted;     /* the ref was deleted: nothing to grade */
};

void webhook_push_free(struct webhook_push *p);

/* Parses a push event body of forge f into *out (zeroed first). -1 with
 * "webhook body:LINE:COL: ..." for bad JSON, or the missing/invalid field. */
int webhook_parse_push(enum forge f, const char *body, size_t len, struct webhook_push *out,
		       char *err, size_t errlen);

/* 1 when the push leaves a branch at a commit worth grading: not a tag,
 * not a deletion. */
int webhook_push_is_gradeable(const struct webhook_push *p);

enum webhook_result {
	WEBHOOK_ACCEPTED = 0,          /* a branch push: grade out->after (HTTP 202) */
	WEBHOOK_IGNORED = 1,           /* an authentic push with nothing to grade
					* (HTTP 200): a tag push, a deletion */
	WEBHOOK_UNSUPPORTED_EVENT = 2, /* authentic, but not a push (ping, issues...):
					* HTTP 200, ignored */
	WEBHOOK_BAD_REQUEST = -1,      /* unknown forge, malformed payload (HTTP 400) */
	WEBHOOK_UNAUTHORIZED = -2,     /* missing or wrong signature/token (HTTP 401) */
	WEBHOOK_TOO_LARGE = -3,        /* body over WEBHOOK_MAX_BODY (HTTP 413) */
};

/* The whole check of one request: size, forge, signature (with
 * secrets[forge]; NULL or "" refuses that forge), event, payload. out is
 * filled on WEBHOOK_ACCEPTED and when a parsed push is ignored (tag,
 * deletion); call webhook_push_free in every case. err says why. */
enum webhook_result webhook_receive(webhook_header_fn get, void *ctx,
				    const char *const secrets[FORGE_COUNT], const char *body,
				    size_t len, struct webhook_push *out, char *err, size_t errlen);

#endif
