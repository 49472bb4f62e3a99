/*
 * webhook.c - authenticating and reading push webhooks from GitHub, Gitea
 * and GitLab (see webhook.h for the headers each forge sends).
 *
 * Three steps, each refusing what it cannot vouch for: the signature over
 * the raw bytes (constant-time), then the event name, then the payload
 * (cJSON) with every field the daemon will act on checked: commits are
 * full hex ids, refs are ones git would accept, URLs and names carry no
 * control characters. The daemon never sees a half-checked push.
 */
#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grader/util/util.h"
#include "json_body.h"
#include "webhook.h"

enum { DIGEST_LEN = 32, MAX_FIELD = 4096, MAX_REF = 1024 };

static const char *const forge_names[FORGE_COUNT] = {
    [FORGE_UNKNOWN] = "unknown",
    [FORGE_GITHUB] = "github",
    [FORGE_GITEA] = "gitea",
    [FORGE_GITLAB] = "gitlab",
};

static int errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int errf(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

const char *forge_name(enum forge f)
{
	return (unsigned)f < FORGE_COUNT ? forge_names[f] : "unknown";
}

int forge_parse(const char *name, enum forge *out)
{
	for (int f = FORGE_GITHUB; f < FORGE_COUNT; f++) {
		if (name && strcmp(name, forge_names[f]) == 0) {
			*out = (enum forge)f;
			return 0;
		}
	}
	return -1;
}

const char *webhook_event_header(enum forge f)
{
	switch (f) {
	case FORGE_GITHUB:
		return "X-GitHub-Event";
	case FORGE_GITEA:
		return "X-Gitea-Event";
	case FORGE_GITLAB:
		return "X-Gitlab-Event";
	default:
		return NULL;
	}
}

const char *webhook_signature_header(enum forge f)
{
	switch (f) {
	case FORGE_GITHUB:
		return "X-Hub-Signature-256";
	case FORGE_GITEA:
		return "X-Gitea-Signature";
	case FORGE_GITLAB:
		return "X-Gitlab-Token";
	default:
		return NULL;
	}
}

enum forge webhook_detect(webhook_header_fn get, void *ctx)
{
	static const enum forge order[] = {FORGE_GITEA, FORGE_GITLAB, FORGE_GITHUB};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (get(ctx, webhook_event_header(order[i])))
			return order[i];
	return FORGE_UNKNOWN;
}

int webhook_is_push_event(enum forge f, const char *event)
{
	if (!event)
		return 0;
	if (f == FORGE_GITLAB)
		return !strcmp(event, "Push Hook") || !strcmp(event, "Tag Push Hook");
	return (f == FORGE_GITHUB || f == FORGE_GITEA) && !strcmp(event, "push");
}

/* ---- signatures ---- */

/* Decodes exactly 64 hex digits (either case) into 32 bytes. */
static int decode_digest(const char *hex, unsigned char out[DIGEST_LEN])
{
	if (strlen(hex) != 2 * DIGEST_LEN)
		return -1;
	for (int i = 0; i < DIGEST_LEN; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static void hmac_sha256(const char *secret, const char *body, size_t len,
			unsigned char out[DIGEST_LEN])
{
	unsigned int n = DIGEST_LEN;
	static const unsigned char empty[1];
	HMAC(EVP_sha256(), secret, (int)strlen(secret), len ? (const unsigned char *)body : empty,
	     len, out, &n);
}

static void sha256(const char *s, size_t len, unsigned char out[DIGEST_LEN])
{
	unsigned int n = DIGEST_LEN;
	EVP_Digest(s, len, out, &n, EVP_sha256(), NULL);
}

/* GitLab sends the secret itself: compare digests of both, so neither the
 * content nor the length of the secret shows in the time taken. */
static int verify_token(const char *secret, const char *token, char *err, size_t errlen)
{
	unsigned char want[DIGEST_LEN], got[DIGEST_LEN];
	sha256(secret, strlen(secret), want);
	sha256(token, strlen(token), got);
	if (CRYPTO_memcmp(want, got, DIGEST_LEN) != 0)
		return errf(err, errlen,
			    "gitlab webhook: X-Gitlab-Token does not match the secret");
	return 0;
}

static int verify_hmac(enum forge f, const char *secret, const char *body, size_t len,
		       const char *signature, char *err, size_t errlen)
{
	const char *header = webhook_signature_header(f);
	const char *hex = signature;
	unsigned char want[DIGEST_LEN], got[DIGEST_LEN];

	if (f == FORGE_GITHUB) {
		if (strncmp(signature, "sha256=", 7) != 0)
			return errf(err, errlen, "github webhook: %s does not start with 'sha256='",
				    header);
		hex += 7;
	}
	if (decode_digest(hex, got))
		return errf(err, errlen,
			    "%s webhook: %s is not 64 hex digits (an HMAC-SHA256 of the body)",
			    forge_name(f), header);
	hmac_sha256(secret, body, len, want);
	if (CRYPTO_memcmp(want, got, DIGEST_LEN) != 0)
		return errf(err, errlen, "%s webhook: %s does not match the body and secret",
			    forge_name(f), header);
	return 0;
}

int webhook_verify(enum forge f, const char *secret, const char *body, size_t len,
		   const char *signature, char *err, size_t errlen)
{
	if (f != FORGE_GITHUB && f != FORGE_GITEA && f != FORGE_GITLAB)
		return errf(err, errlen, "webhook: unknown forge");
	if (!secret || !*secret)
		return errf(err, errlen, "%s webhook: no secret configured; refusing it",
			    forge_name(f));
	if (len > WEBHOOK_MAX_BODY)
		return errf(err, errlen, "%s webhook: body of %zu bytes is over the %d-byte limit",
			    forge_name(f), len, WEBHOOK_MAX_BODY);
	if (!signature || !*signature)
		return errf(err, errlen, "%s webhook: missing %s header", forge_name(f),
			    webhook_signature_header(f));
	if (f == FORGE_GITLAB)
		return verify_token(secret, signature, err, errlen);
	return verify_hmac(f, secret, body, len, signature, err, errlen);
}

/* ---- payload ---- */

void webhook_push_free(struct webhook_push *p)
{
	if (!p)
		return;
	free(p->full_name);
	free(p->clone_url);
	free(p->ssh_url);
	free(p->web_url);
	free(p->ref);
	free(p->branch);
	free(p->before);
	free(p->after);
	free(p->pusher);
	memset(p, 0, sizeof(*p));
}

static int has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* The string at obj.key as a heap copy: NULL and *bad = 1 (err set) when
 * it is present but not a clean string, or missing and required. */
static char *get_string(const cJSON *obj, const char *where, const char *key, int required,
			int *bad, char *err, size_t errlen)
{
	if (*bad)
		return NULL; /* keep the first error's message */
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!item || cJSON_IsNull(item)) {
		if (required) {
			*bad = 1;
			errf(err, errlen, "webhook body: missing %s%s", where, key);
		}
		return NULL;
	}
	const char *s = cJSON_GetStringValue(item);
	const char *why = !s                      ? "is not a string"
			  : !*s                   ? (required ? "is empty" : NULL)
			  : strlen(s) > MAX_FIELD ? "is too long"
			  : has_control_chars(s)  ? "contains control characters"
						  : NULL;
	if (why) {
		*bad = 1;
		errf(err, errlen, "webhook body: %s%s %s", where, key, why);
		return NULL;
	}
	return *s ? xstrdup(s) : NULL;
}

static const cJSON *get_object(const cJSON *obj, const char *key, int *bad, char *err,
			       size_t errlen)
{
	if (*bad)
		return NULL;
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (cJSON_IsObject(item))
		return item;
	*bad = 1;
	errf(err, errlen, "webhook body: %s %s", key, item ? "is not an object" : "is missing");
	return NULL;
}

static int is_commit_id(const char *s)
{
	size_t n = strlen(s);
	return (n == 40 || n == 64) && strspn(s, "0123456789abcdef") == n;
}

static int is_zero_id(const char *s)
{
	return s && strspn(s, "0") == strlen(s);
}

/* A ref git would accept (git check-ref-format), under refs/. */
static int is_valid_ref(const char *ref)
{
	size_t n = strlen(ref);
	if (strncmp(ref, "refs/", 5) != 0 || n > MAX_REF || n <= 5)
		return 0;
	if (strpbrk(ref, " ~^:?*[\\") || strstr(ref, "..") || strstr(ref, "@{") ||
	    strstr(ref, "//") || strstr(ref, "/."))
		return 0;
	if (ref[n - 1] == '/' || ref[n - 1] == '.' || (n >= 5 && strcmp(ref + n - 5, ".lock") == 0))
		return 0;
	return !has_control_chars(ref);
}

/* GitHub and Gitea: repository{full_name, clone_url, ssh_url, html_url}. */
static void read_github_like(const cJSON *root, struct webhook_push *p, int *bad, char *err,
			     size_t errlen)
{
	const cJSON *repo = get_object(root, "repository", bad, err, errlen);
	if (!repo)
		return;
	p->full_name = get_string(repo, "repository.", "full_name", 1, bad, err, errlen);
	p->clone_url = get_string(repo, "repository.", "clone_url", 1, bad, err, errlen);
	p->ssh_url = get_string(repo, "repository.", "ssh_url", 0, bad, err, errlen);
	p->web_url = get_string(repo, "repository.", "html_url", 0, bad, err, errlen);
	const cJSON *deleted = cJSON_GetObjectItemCaseSensitive(root, "deleted");
	p->deleted = cJSON_IsTrue(deleted);

	const cJSON *pusher = cJSON_GetObjectItemCaseSensitive(root, "pusher");
	const cJSON *sender = cJSON_GetObjectItemCaseSensitive(root, "sender");
	if (cJSON_IsObject(pusher))
		p->pusher =
		    get_string(pusher, "pusher.", p->forge == FORGE_GITHUB ? "name" : "login", 0,
			       bad, err, errlen);
	if (!p->pusher && !*bad && cJSON_IsObject(sender))
		p->pusher = get_string(sender, "sender.", "login", 0, bad, err, errlen);
}

/* GitLab: project{path_with_namespace, git_http_url, git_ssh_url, web_url}. */
static void read_gitlab(const cJSON *root, struct webhook_push *p, int *bad, char *err,
			size_t errlen)
{
	char *kind = get_string(root, "", "object_kind", 1, bad, err, errlen);
	if (kind && strcmp(kind, "push") && strcmp(kind, "tag_push")) {
		*bad = 1;
		errf(err, errlen, "webhook body: object_kind '%.40s' is not a push", kind);
	}
	free(kind);
	const cJSON *project = get_object(root, "project", bad, err, errlen);
	if (!project || *bad)
		return;
	p->full_name = get_string(project, "project.", "path_with_namespace", 1, bad, err, errlen);
	p->clone_url = get_string(project, "project.", "git_http_url", 1, bad, err, errlen);
	p->ssh_url = get_string(project, "project.", "git_ssh_url", 0, bad, err, errlen);
	p->web_url = get_string(project, "project.", "web_url", 0, bad, err, errlen);
	/* user_name is a display name, not a login: only user_username counts. */
	p->pusher = get_string(root, "", "user_username", 0, bad, err, errlen);
}

/* ref, before, after: common to the three forges. */
static void read_ref_and_commits(const cJSON *root, struct webhook_push *p, int *bad, char *err,
				 size_t errlen)
{
	p->ref = get_string(root, "", "ref", 1, bad, err, errlen);
	p->after = get_string(root, "", "after", 1, bad, err, errlen);
	p->before = get_string(root, "", "before", 0, bad, err, errlen);
	if (*bad)
		return;
	if (!is_valid_ref(p->ref)) {
		*bad = 1;
		errf(err, errlen, "webhook body: ref '%.200s' is not a valid git ref", p->ref);
	} else if (!is_commit_id(p->after)) {
		*bad = 1;
		errf(err, errlen, "webhook body: after '%.80s' is not a full lowercase commit id",
		     p->after);
	} else if (p->before && !is_commit_id(p->before)) {
		*bad = 1;
		errf(err, errlen, "webhook body: before '%.80s' is not a full lowercase commit id",
		     p->before);
	}
}

int webhook_parse_push(enum forge f, const char *body, size_t len, struct webhook_push *out,
		       char *err, size_t errlen)
{
	int bad = 0;
	memset(out, 0, sizeof(*out));
	if (f != FORGE_GITHUB && f != FORGE_GITEA && f != FORGE_GITLAB)
		return errf(err, errlen, "webhook: unknown forge");
	if (len > WEBHOOK_MAX_BODY)
		return errf(err, errlen, "webhook body: %zu bytes is over the %d-byte limit", len,
			    WEBHOOK_MAX_BODY);
	cJSON *root = json_body_parse("webhook body", body, len, err, errlen);
	if (!root)
		return -1;
	out->forge = f;
	if (f == FORGE_GITLAB)
		read_gitlab(root, out, &bad, err, errlen);
	else
		read_github_like(root, out, &bad, err, errlen);
	if (!bad)
		read_ref_and_commits(root, out, &bad, err, errlen);
	cJSON_Delete(root);
	if (bad) {
		webhook_push_free(out);
		return -1;
	}
	out->is_tag = strncmp(out->ref, "refs/tags/", 10) == 0;
	if (strncmp(out->ref, "refs/heads/", 11) == 0)
		out->branch = xstrdup(out->ref + 11);
	if (is_zero_id(out->after))
		out->deleted = 1;
	return 0;
}

int webhook_push_is_gradeable(const struct webhook_push *p)
{
	return p->branch && !p->is_tag && !p->deleted;
}

/* ---- one request ---- */

enum webhook_result webhook_receive(webhook_header_fn get, void *ctx,
				    const char *const secrets[FORGE_COUNT], const char *body,
				    size_t len, struct webhook_push *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (len > WEBHOOK_MAX_BODY) {
		errf(err, errlen, "webhook: body of %zu bytes is over the %d-byte limit", len,
		     WEBHOOK_MAX_BODY);
		return WEBHOOK_TOO_LARGE;
	}
	enum forge f = webhook_detect(get, ctx);
	if (f == FORGE_UNKNOWN) {
		errf(err, errlen,
		     "webhook: no X-GitHub-Event, X-Gitea-Event or X-Gitlab-Event header");
		return WEBHOOK_BAD_REQUEST;
	}
	if (webhook_verify(f, secrets[f], body, len, get(ctx, webhook_signature_header(f)), err,
			   errlen))
		return WEBHOOK_UNAUTHORIZED;
	const char *event = get(ctx, webhook_event_header(f));
	if (!webhook_is_push_event(f, event)) {
		errf(err, errlen, "%s webhook: event '%.60s' ignored (only pushes are graded)",
		     forge_name(f), event);
		return WEBHOOK_UNSUPPORTED_EVENT;
	}
	if (webhook_parse_push(f, body, len, out, err, errlen))
		return WEBHOOK_BAD_REQUEST;
	if (!webhook_push_is_gradeable(out)) {
		errf(err, errlen, "%s webhook: %s %s ignored", forge_name(f),
		     out->deleted ? "deletion of" : "push to", out->ref);
		return WEBHOOK_IGNORED;
	}
	return WEBHOOK_ACCEPTED;
}
