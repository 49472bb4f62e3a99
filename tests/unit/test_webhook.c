/*
 * test_webhook.c - unit tests for grader/daemon/webhook.c: signatures
 * (GitHub's published test vector, and real payloads from the three forges
 * signed here byte for byte), tampering, and push payload parsing.
 *
 * The payloads are the fuzz seeds in tests/fuzz/corpus/webhook/, copied
 * unchanged from octokit/webhooks and go-playground/webhooks (MIT).
 */
#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grader/daemon/submit.h"
#include "grader/daemon/webhook.h"
#include "grader/util/util.h"

static const char *const zeros = "0000000000000000000000000000000000000000";

static char *fixture(const char *name, size_t *len)
{
	char *dir = xstrdup(__FILE__);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	char *path = xasprintf("%s/../fuzz/corpus/webhook/%s", dir, name);
	char *data = NULL;
	ck_assert_msg(read_file(path, 1 << 20, &data, len) == 0, "cannot read %s", path);
	free(path);
	free(dir);
	return data;
}

/* "sha256=<hex>" of HMAC-SHA256(secret, body), computed here with
 * OpenSSL so the test does not trust the code under test. */
static void sign(const char *secret, const char *body, size_t len, char out[72])
{
	unsigned char md[32];
	unsigned int n = sizeof(md);
	HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, len, md, &n);
	strcpy(out, "sha256=");
	for (int i = 0; i < 32; i++)
		sprintf(out + 7 + 2 * i, "%02x", md[i]);
}

START_TEST(test_github_test_vector)
{
	const char *secret = "It's a Secret to Everybody", *body = "Hello, World!";
	const char *sig = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
	char err[256] = "";
	ck_assert_msg(webhook_verify(FORGE_GITHUB, secret, body, 13, sig, err, sizeof(err)) == 0,
		      "%s", err);
	/* Gitea: the same HMAC, without the prefix. */
	ck_assert_int_eq(webhook_verify(FORGE_GITEA, secret, body, 13, sig + 7, err, sizeof(err)),
			 0);
	/* Hex is case-insensitive: the same 32 bytes. */
	char upper[80];
	snprintf(upper, sizeof(upper), "sha256=%s", sig + 7);
	for (char *c = upper + 7; *c; c++)
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
	ck_assert_int_eq(webhook_verify(FORGE_GITHUB, secret, body, 13, upper, err, sizeof(err)),
			 0);
	/* One byte more or less of body, or another secret: refused. */
	ck_assert_int_eq(webhook_verify(FORGE_GITHUB, secret, body, 12, sig, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "does not match"), "message: %s", err);
	ck_assert_int_eq(webhook_verify(FORGE_GITHUB, "It's a secret to everybody", body, 13, sig,
					err, sizeof(err)),
			 -1);
}
END_TEST

START_TEST(test_signature_refusals)
{
	const char *secret = "s3cret", *body = "{\"ref\":\"x\"}";
	size_t len = strlen(body);
	char sig[72], bad[160], err[256] = "";
	sign(secret, body, len, sig);
	ck_assert_int_eq(webhook_verify(FORGE_GITHUB, secret, body, len, sig, err, sizeof(err)), 0);

	ck_assert_int_eq(webhook_verify(FORGE_GITHUB, secret, body, len, NULL, err, sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "github webhook: missing X-Hub-Signature-256 header");
	ck_assert_int_eq(webhook_verify(FORGE_GITHUB, secret, body, len, "", err, sizeof(err)), -1);
	/* Truncated, extended, wrong algorithm, no prefix, non-hex. */
	snprintf(bad, sizeof(bad), "%.*s", 70, sig);
	ck_assert_int_eq(webhook_verify(FORGE_GITHUB, secret, body, len, bad, err, sizeof(err)),
			 -1);
	ck_assert_msg(strstr(err, "not 64 hex digits"), "message: %s", err);
	snprintf(bad, sizeof(bad), "%s0", sig);
	ck_assert_int_eq(webhook_verify(FORGE_GITHUB, secret, body, len, bad, err, sizeof(err)),
			 -1);
	snprintf(bad, sizeof(bad), "sha1=%s", sig + 7);
	ck_assert_int_eq(webhook_verify(FORGE_GITHUB, secret, body, len, bad, err, sizeof(err)),
			 -1);
	ck_assert_msg(strstr(err, "'sha256='"), "message: %s", err);
	ck_assert_int_eq(webhook_verify(FORGE_GITHUB, secret, body, len, sig + 7, err, sizeof(err)),
			 -1);
	snprintf(bad, sizeof(bad), "%s", sig);
	bad[20] = 'g';
	ck_assert_int_eq(webhook_verify(FORGE_GITHUB, secret, body, len, bad, err, sizeof(err)),
			 -1);
	snprintf(bad, sizeof(bad), "%s", sig);
	bad[20] = bad[20] == '0' ? '1' : '0'; /* valid hex, wrong digest */
	ck_assert_int_eq(webhook_verify(FORGE_GITHUB, secret, body, len, bad, err, sizeof(err)),
			 -1);
	ck_assert_msg(strstr(err, "does not match"), "message: %s", err);
	/* Gitea refuses GitHub's prefixed form. */
	ck_assert_int_eq(webhook_verify(FORGE_GITEA, secret, body, len, sig, err, sizeof(err)), -1);
	/* No secret configured: nothing is authentic. */
	ck_assert_int_eq(webhook_verify(FORGE_GITHUB, "", body, len, sig, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "no secret configured"), "message: %s", err);
	ck_assert_int_eq(webhook_verify(FORGE_GITHUB, NULL, body, len, sig, err, sizeof(err)), -1);
	ck_assert_int_eq(webhook_verify(FORGE_UNKNOWN, secret, body, len, sig, err, sizeof(err)),
			 -1);
	/* Over the size cap, whatever the signature. */
	ck_assert_int_eq(
	    webhook_verify(FORGE_GITHUB, secret, body, WEBHOOK_MAX_BODY + 1, sig, err, sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, "over the"), "message: %s", err);
}
END_TEST

START_TEST(test_gitlab_token)
{
	char err[256] = "";
	const char *body = "{}";
	ck_assert_int_eq(
	    webhook_verify(FORGE_GITLAB, "tok-123", body, 2, "tok-123", err, sizeof(err)), 0);
	const char *wrong[] = {"tok-12", "tok-1234", "TOK-123", "tok-123 ", " tok-123", "x"};
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		ck_assert_int_eq(
		    webhook_verify(FORGE_GITLAB, "tok-123", body, 2, wrong[i], err, sizeof(err)),
		    -1);
		ck_assert_str_eq(err, "gitlab webhook: X-Gitlab-Token does not match the secret");
	}
	ck_assert_int_eq(webhook_verify(FORGE_GITLAB, "tok-123", body, 2, NULL, err, sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "gitlab webhook: missing X-Gitlab-Token header");
}
END_TEST

/* Every real payload, signed here, verifies; any change of one byte or
 * of the secret is refused. */
START_TEST(test_fixtures_signed)
{
	static const struct {
		const char *file;
		enum forge forge;
	} cases[] = {
	    {"github-push-branch-created.json", FORGE_GITHUB},
	    {"github-push-tag-deleted.json", FORGE_GITHUB},
	    {"gitea-push.json", FORGE_GITEA},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		char *body = fixture(cases[i].file, &len), sig[72], err[256] = "";
		sign("hook secret", body, len, sig);
		const char *header = cases[i].forge == FORGE_GITHUB ? sig : sig + 7;
		ck_assert_msg(webhook_verify(cases[i].forge, "hook secret", body, len, header, err,
					     sizeof(err)) == 0,
			      "%s: %s", cases[i].file, err);
		ck_assert_int_eq(webhook_verify(cases[i].forge, "hook secreT", body, len, header,
						err, sizeof(err)),
				 -1);
		body[len / 2] ^= 1;
		ck_assert_int_eq(webhook_verify(cases[i].forge, "hook secret", body, len, header,
						err, sizeof(err)),
				 -1);
		body[len / 2] ^= 1;
		/* A re-serialised body (here: without its last newline) is not the
		 * body that was signed. */
		ck_assert_int_eq(webhook_verify(cases[i].forge, "hook secret", body, len - 1,
						header, err, sizeof(err)),
				 -1);
		free(body);
	}
}
END_TEST

static struct webhook_push parse_ok(enum forge f, const char *file)
{
	size_t len;
	char *body = fixture(file, &len), err[256] = "";
	struct webhook_push p;
	ck_assert_msg(webhook_parse_push(f, body, len, &p, err, sizeof(err)) == 0, "%s: %s", file,
		      err);
	free(body);
	return p;
}

START_TEST(test_parse_github)
{
	struct webhook_push p = parse_ok(FORGE_GITHUB, "github-push-branch-created.json");
	ck_assert_int_eq(p.forge, FORGE_GITHUB);
	ck_assert_str_eq(p.full_name, "Codertocat/Hello-World");
	ck_assert_str_eq(p.clone_url, "https://github.com/Codertocat/Hello-World.git");
	ck_assert_str_eq(p.ssh_url, "git@github.com:Codertocat/Hello-World.git");
	ck_assert_str_eq(p.web_url, "https://github.com/Codertocat/Hello-World");
	ck_assert_str_eq(p.ref, "refs/heads/master");
	ck_assert_str_eq(p.branch, "master");
	ck_assert_str_eq(p.after, "6113728f27ae82c7b1a177c8d03f9e96e0adf246");
	ck_assert_str_eq(p.before, zeros);
	ck_assert_str_eq(p.pusher, "Codertocat");
	ck_assert_int_eq(p.deleted, 0);
	ck_assert_int_eq(p.is_tag, 0);
	ck_assert(webhook_push_is_gradeable(&p));
	webhook_push_free(&p);

	p = parse_ok(FORGE_GITHUB, "github-push-tag-deleted.json");
	ck_assert_str_eq(p.ref, "refs/tags/simple-tag");
	ck_assert_ptr_null(p.branch);
	ck_assert_int_eq(p.is_tag, 1);
	ck_assert_int_eq(p.deleted, 1);
	ck_assert_str_eq(p.after, zeros);
	ck_assert(!webhook_push_is_gradeable(&p));
	webhook_push_free(&p);
	webhook_push_free(&p); /* safe twice */
}
END_TEST

START_TEST(test_parse_gitea_gitlab)
{
	struct webhook_push p = parse_ok(FORGE_GITEA, "gitea-push.json");
	ck_assert_str_eq(p.full_name, "example/example");
	ck_assert_str_eq(p.clone_url, "http://localhost:3000/example/example.git");
	ck_assert_str_eq(p.ssh_url, "git@localhost:example/example.git");
	ck_assert_str_eq(p.web_url, "http://localhost:3000/example/example");
	ck_assert_str_eq(p.branch, "master");
	ck_assert_str_eq(p.after, "67b56589a45103f891bdee7c0546e5d40bc02001");
	ck_assert_str_eq(p.pusher, "example");
	ck_assert(webhook_push_is_gradeable(&p));
	webhook_push_free(&p);

	p = parse_ok(FORGE_GITLAB, "gitlab-push.json");
	ck_assert_int_eq(p.forge, FORGE_GITLAB);
	ck_assert_str_eq(p.full_name, "mike/diaspora");
	ck_assert_str_eq(p.clone_url, "http://example.com/mike/diaspora.git");
	ck_assert_str_eq(p.ssh_url, "git@example.com:mike/diaspora.git");
	ck_assert_str_eq(p.web_url, "http://example.com/mike/diaspora");
	ck_assert_str_eq(p.ref, "refs/heads/master");
	ck_assert_str_eq(p.before, "95790bf891e76fee5e1747ab589903a6a1f80f22");
	ck_assert_str_eq(p.after, "da1560886d4f094c3e6c9ef40349f7d38b5d27d7");
	ck_assert_ptr_null(p.pusher); /* only user_name, a display name, is sent */
	ck_assert(webhook_push_is_gradeable(&p));
	webhook_push_free(&p);

	/* A GitLab body is not a GitHub push, and the reverse. */
	size_t len;
	char *body = fixture("gitlab-push.json", &len), err[256] = "";
	ck_assert_int_eq(webhook_parse_push(FORGE_GITHUB, body, len, &p, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "repository.full_name"), "message: %s", err);
	free(body);
	body = fixture("github-push-branch-created.json", &len);
	ck_assert_int_eq(webhook_parse_push(FORGE_GITLAB, body, len, &p, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "webhook body: missing object_kind");
	free(body);
}
END_TEST

/* Parses a GitHub-shaped body expected to fail; returns the message. */
static const char *refuse(const char *body, char *err, size_t errlen)
{
	struct webhook_push p;
	ck_assert_msg(webhook_parse_push(FORGE_GITHUB, body, strlen(body), &p, err, errlen) == -1,
		      "accepted: %s", body);
	ck_assert_ptr_null(p.ref);
	return err;
}

#define REPO  "\"repository\":{\"full_name\":\"a/b\",\"clone_url\":\"https://x/a/b.git\"}"
#define AFTER "\"after\":\"0123456789abcdef0123456789abcdef01234567\""

START_TEST(test_parse_malformed)
{
	char err[256];
	ck_assert_str_eq(refuse("{\"ref\": \n  tru}", err, sizeof(err)),
			 "webhook body:2:3: invalid JSON");
	ck_assert_str_eq(refuse("[1,2]", err, sizeof(err)), "webhook body: not a JSON object");
	ck_assert_str_eq(refuse("", err, sizeof(err)), "webhook body: empty");
	ck_assert_str_eq(refuse("{} {}", err, sizeof(err)),
			 "webhook body:1:4: text after the JSON value");
	ck_assert_str_eq(
	    refuse("{\"ref\":\"refs/heads/a\",\"ref\":\"refs/heads/b\"}", err, sizeof(err)),
	    "webhook body: key \"ref\" appears twice");
	ck_assert_str_eq(
	    refuse("{\"repository\":{\"clone_url\":\"a\",\"clone_url\":\"b\"}}", err, sizeof(err)),
	    "webhook body: key \"repository.clone_url\" appears twice");
	ck_assert_str_eq(refuse("{\"commits\":[{\"id\":1,\"id\":2}]}", err, sizeof(err)),
			 "webhook body: key \"commits[].id\" appears twice");
	/* an object too large for the duplicate check is refused, not
	 * compared pairwise: 1,001 keys under commits[] */
	struct strbuf big = {0};
	sb_adds(&big, "{\"commits\":[{");
	for (int i = 0; i <= 1000; i++)
		sb_addf(&big, "%s\"k%d\":%d", i ? "," : "", i, i);
	sb_adds(&big, "}]}");
	ck_assert_str_eq(refuse(big.buf, err, sizeof(err)),
			 "webhook body: an object (commits[]) has more than 1000 keys");
	sb_free(&big);
	ck_assert_str_eq(refuse("{\"ref\":\n\"refs/heads/\\u0000x\"}", err, sizeof(err)),
			 "webhook body:2:13: a string holds \\u0000");
	ck_assert_str_eq(refuse("{\"ref\":\"refs/heads/m\"," AFTER "}", err, sizeof(err)),
			 "webhook body: repository is missing");
	ck_assert_str_eq(refuse("{\"repository\":[]}", err, sizeof(err)),
			 "webhook body: repository is not an object");
	ck_assert_str_eq(refuse("{" REPO "," AFTER "}", err, sizeof(err)),
			 "webhook body: missing ref");
	ck_assert_str_eq(refuse("{" REPO ",\"ref\":7," AFTER "}", err, sizeof(err)),
			 "webhook body: ref is not a string");
	ck_assert_str_eq(
	    refuse("{" REPO ",\"ref\":\"refs/heads/m\",\"after\":\"HEAD\"}", err, sizeof(err)),
	    "webhook body: after 'HEAD' is not a full lowercase commit id");
	const char *bad_refs[] = {"main",
				  "refs/heads/a..b",
				  "refs/heads/a b",
				  "refs/heads/x.lock",
				  "refs/heads/.hidden",
				  "refs/heads/",
				  "refs/heads/a~1",
				  "refs/heads/a\\u0007"};
	for (size_t i = 0; i < sizeof(bad_refs) / sizeof(bad_refs[0]); i++) {
		char *body = xasprintf("{" REPO ",\"ref\":\"%s\"," AFTER "}", bad_refs[i]);
		refuse(body, err, sizeof(err));
		ck_assert_msg(strstr(err, "ref") != NULL, "%s: %s", bad_refs[i], err);
		free(body);
	}
	ck_assert_str_eq(refuse("{\"repository\":{\"full_name\":\"a/b\",\"clone_url\":"
				"\"https://x\\n/a\"},\"ref\":\"refs/heads/m\"," AFTER "}",
				err, sizeof(err)),
			 "webhook body: repository.clone_url contains control characters");
	/* A NUL inside the body is not JSON text. */
	struct webhook_push p;
	ck_assert_int_eq(
	    webhook_parse_push(FORGE_GITHUB, "{\"a\":\0\"b\"}", 10, &p, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "webhook body: contains a NUL byte");
	const char *issue = "{\"object_kind\":\"issue\",\"project\":{}}";
	ck_assert_int_eq(
	    webhook_parse_push(FORGE_GITLAB, issue, strlen(issue), &p, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "webhook body: object_kind 'issue' is not a push");
	/* The smallest acceptable GitHub push. */
	const char *min = "{" REPO ",\"ref\":\"refs/heads/feature/x-1\"," AFTER "}";
	ck_assert_int_eq(webhook_parse_push(FORGE_GITHUB, min, strlen(min), &p, err, sizeof(err)),
			 0);
	ck_assert_str_eq(p.branch, "feature/x-1");
	ck_assert_ptr_null(p.ssh_url);
	ck_assert_ptr_null(p.pusher);
	webhook_push_free(&p);
}
END_TEST

/* Request headers for webhook_receive, looked up case-insensitively. */
struct headers {
	const char *name[4];
	const char *value[4];
};

static const char *lookup(void *ctx, const char *name)
{
	const struct headers *h = ctx;
	for (int i = 0; i < 4 && h->name[i]; i++)
		if (strcasecmp(h->name[i], name) == 0)
			return h->value[i];
	return NULL;
}

START_TEST(test_receive)
{
	const char *secrets[FORGE_COUNT] = {NULL, "gh-secret", "gt-secret", "gl-token"};
	struct webhook_push p;
	char err[256] = "", sig[72];
	size_t len;
	char *body = fixture("github-push-branch-created.json", &len);
	sign("gh-secret", body, len, sig);
	struct headers h = {{"x-github-event", "X-HUB-SIGNATURE-256"}, {"push", sig}};
	ck_assert_int_eq(webhook_detect(lookup, &h), FORGE_GITHUB);
	ck_assert_msg(webhook_receive(lookup, &h, secrets, body, len, &p, err, sizeof(err)) ==
			  WEBHOOK_ACCEPTED,
		      "%s", err);
	ck_assert_str_eq(p.after, "6113728f27ae82c7b1a177c8d03f9e96e0adf246");
	webhook_push_free(&p);
	h.value[0] = "ping";
	ck_assert_int_eq(webhook_receive(lookup, &h, secrets, body, len, &p, err, sizeof(err)),
			 WEBHOOK_UNSUPPORTED_EVENT);
	ck_assert_str_eq(err, "github webhook: event 'ping' ignored (only pushes are graded)");
	h.value[0] = "push";
	ck_assert_int_eq(webhook_receive(lookup, &h, secrets, body, len - 1, &p, err, sizeof(err)),
			 WEBHOOK_UNAUTHORIZED);
	const char *no_secrets[FORGE_COUNT] = {NULL, NULL, "x", "y"};
	ck_assert_int_eq(webhook_receive(lookup, &h, no_secrets, body, len, &p, err, sizeof(err)),
			 WEBHOOK_UNAUTHORIZED);
	ck_assert_int_eq(
	    webhook_receive(lookup, &h, secrets, body, WEBHOOK_MAX_BODY + 1, &p, err, sizeof(err)),
	    WEBHOOK_TOO_LARGE);
	free(body);

	/* A signed tag deletion is authentic but not graded. */
	body = fixture("github-push-tag-deleted.json", &len);
	sign("gh-secret", body, len, sig);
	ck_assert_int_eq(webhook_receive(lookup, &h, secrets, body, len, &p, err, sizeof(err)),
			 WEBHOOK_IGNORED);
	ck_assert_str_eq(err, "github webhook: deletion of refs/tags/simple-tag ignored");
	ck_assert_int_eq(p.is_tag, 1);
	webhook_push_free(&p);
	free(body);

	/* Gitea sends X-GitHub-Event too; its own header decides. */
	body = fixture("gitea-push.json", &len);
	sign("gt-secret", body, len, sig);
	struct headers gt = {{"X-GitHub-Event", "X-Gitea-Event", "X-Gitea-Signature"},
			     {"push", "push", sig + 7}};
	ck_assert_int_eq(webhook_detect(lookup, &gt), FORGE_GITEA);
	ck_assert_msg(webhook_receive(lookup, &gt, secrets, body, len, &p, err, sizeof(err)) ==
			  WEBHOOK_ACCEPTED,
		      "%s", err);
	webhook_push_free(&p);
	free(body);

	body = fixture("gitlab-push.json", &len);
	struct headers gl = {{"X-Gitlab-Event", "X-Gitlab-Token"}, {"Push Hook", "gl-token"}};
	ck_assert_int_eq(webhook_receive(lookup, &gl, secrets, body, len, &p, err, sizeof(err)),
			 WEBHOOK_ACCEPTED);
	ck_assert_str_eq(p.full_name, "mike/diaspora");
	webhook_push_free(&p);
	gl.value[1] = "gl-tokeN";
	ck_assert_int_eq(webhook_receive(lookup, &gl, secrets, body, len, &p, err, sizeof(err)),
			 WEBHOOK_UNAUTHORIZED);
	free(body);

	/* Signed but malformed: a bad request, not a crash. */
	const char *junk = "{\"ref\": 1}";
	sign("gh-secret", junk, strlen(junk), sig);
	h.value[1] = sig;
	ck_assert_int_eq(
	    webhook_receive(lookup, &h, secrets, junk, strlen(junk), &p, err, sizeof(err)),
	    WEBHOOK_BAD_REQUEST);
	struct headers none = {{"Content-Type"}, {"application/json"}};
	ck_assert_int_eq(
	    webhook_receive(lookup, &none, secrets, junk, strlen(junk), &p, err, sizeof(err)),
	    WEBHOOK_BAD_REQUEST);
	ck_assert_int_eq(webhook_detect(lookup, &none), FORGE_UNKNOWN);
}
END_TEST

START_TEST(test_forge_names)
{
	enum forge f;
	ck_assert_int_eq(forge_parse("gitea", &f), 0);
	ck_assert_int_eq(f, FORGE_GITEA);
	ck_assert_int_eq(forge_parse("GitHub", &f), -1);
	ck_assert_int_eq(forge_parse("unknown", &f), -1);
	ck_assert_str_eq(forge_name(FORGE_GITLAB), "gitlab");
	ck_assert_str_eq(webhook_signature_header(FORGE_GITHUB), "X-Hub-Signature-256");
	ck_assert(webhook_is_push_event(FORGE_GITLAB, "Tag Push Hook"));
	ck_assert(!webhook_is_push_event(FORGE_GITLAB, "push"));
	ck_assert(!webhook_is_push_event(FORGE_GITHUB, "Push"));
	ck_assert(!webhook_is_push_event(FORGE_GITEA, NULL));
}
END_TEST

/* ---- the body of POST /api/v1/submissions ---- */

static const char *refused(const char *body)
{
	static char err[512];
	struct submit_request q;
	err[0] = '\0';
	ck_assert_msg(submit_parse(body, strlen(body), &q, err, sizeof err) == -1, "accepted: %s",
		      body);
	ck_assert_ptr_null(q.repo); /* nothing left to free */
	return err;
}

START_TEST(test_submit_accepted)
{
	const char *body = "{\"repo\": \"https://git.example.edu/ana/x.git\", \"ref\": \"main\","
			   " \"learner\": \"ana\", \"exercises\": [\"python/fizzbuzz\", \"git/x\"],"
			   " \"priority\": \"bulk\"}";
	struct submit_request q;
	char err[256];
	ck_assert_msg(submit_parse(body, strlen(body), &q, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(q.repo, "https://git.example.edu/ana/x.git");
	ck_assert_str_eq(q.ref, "main");
	ck_assert_str_eq(q.learner, "ana");
	ck_assert_ptr_null(q.commit);
	ck_assert_uint_eq(q.nexercises, 2);
	ck_assert_str_eq(q.exercises[1], "git/x");
	ck_assert_ptr_null(q.exercises[2]);
	ck_assert_int_eq(q.priority, JOB_BULK);
	submit_request_free(&q);

	body = "{\"repo\": \"/srv/x.git\", \"commit\": "
	       "\"0123456789abcdef0123456789abcdef01234567\", \"ref\": \"refs/tags/v1\"}";
	ck_assert_msg(submit_parse(body, strlen(body), &q, err, sizeof err) == 0, "%s", err);
	ck_assert_ptr_null(q.exercises);
	ck_assert_int_eq(q.priority, JOB_INTERACTIVE);
	submit_request_free(&q);
}
END_TEST

START_TEST(test_submit_refused_with_reason)
{
	ck_assert_str_eq(refused(""), "body: empty");
	ck_assert_str_eq(refused("[1]"), "body: not a JSON object");
	/* what two readers could read differently (json_body.h) */
	ck_assert_str_eq(refused("{\"repo\": \"x\"} trailing"),
			 "body:1:15: text after the JSON value");
	ck_assert_str_eq(refused("{\"repo\": \"x\"}{\"repo\": \"y\"}"),
			 "body:1:14: text after the JSON value");
	ck_assert_str_eq(refused("{\"repo\": \"x\", \"repo\": \"y\"}"),
			 "body: key \"repo\" appears twice");
	ck_assert_str_eq(refused("{\"repo\": \"x\", \"learner\": \"a\", \"learner\": \"b\"}"),
			 "body: key \"learner\" appears twice");
	ck_assert_str_eq(refused("{\"repo\": \"/srv/a.git\\u0000/b\"}"),
			 "body:1:21: a string holds \\u0000");
	/* an escaped backslash before "u0000" is text, not a NUL */
	ck_assert_str_eq(refused("{\"repo\": \"a\\\\u0000\", \"commit\": \"x\"}"),
			 "\"commit\" must be a full lowercase hex commit id");
	{
		static const char raw[] = "{\"repo\": \"/srv/a.git\0/b\"}";
		struct submit_request q;
		char err[256];
		ck_assert_int_eq(submit_parse(raw, sizeof raw - 1, &q, err, sizeof err), -1);
		ck_assert_str_eq(err, "body: contains a NUL byte");
	}
	ck_assert_str_eq(refused("{}"), "\"repo\" is required");
	ck_assert_str_eq(refused("{\"repo\": 42}"), "\"repo\" must be a non-empty string");
	ck_assert_str_eq(refused("{\"repo\": \"\"}"), "\"repo\" must be a non-empty string");
	ck_assert_str_eq(refused("{\"repo\": \"a\\nb\"}"), "\"repo\" holds a control character");
	ck_assert_str_eq(refused("{\"repo\": \"x\", \"comit\": \"y\"}"),
			 "unknown key \"comit\" (did you mean \"commit\"?)");
	ck_assert_str_eq(refused("{\"repo\": \"x\", \"zzzzzzzz\": 1}"), "unknown key \"zzzzzzzz\"");
	ck_assert_str_eq(refused("{\"repo\": \"x\", \"priority\": \"urgent\"}"),
			 "\"priority\" is interactive or bulk, not 'urgent'");
	ck_assert_str_eq(refused("{\"repo\": \"x\", \"commit\": \"ABCDEF\"}"),
			 "\"commit\" must be a full lowercase hex commit id");
	ck_assert_str_eq(refused("{\"repo\": \"x\", \"ref\": \"main..evil\"}"),
			 "\"ref\" 'main..evil' is not a valid Git reference name");
	ck_assert_str_eq(refused("{\"repo\": \"x\", \"ref\": \"refs/heads/a b\"}"),
			 "\"ref\" 'refs/heads/a b' is not a valid Git reference name");
	ck_assert_str_eq(refused("{\"repo\": \"x\", \"exercises\": \"python/a\"}"),
			 "\"exercises\" must be an array of exercise ids");
	ck_assert_str_eq(refused("{\"repo\": \"x\", \"exercises\": [\"a,b\"]}"),
			 "\"exercises\" must hold exercise ids (strings without commas or spaces)");
	ck_assert_str_eq(refused("{\"repo\": \"x\", \"exercises\": [1]}"),
			 "\"exercises\" must hold exercise ids (strings without commas or spaces)");
	/* a huge list is refused before anything is copied */
	struct strbuf sb = {0};
	sb_addf(&sb, "{\"repo\": \"x\", \"exercises\": [");
	for (int i = 0; i < 300; i++)
		sb_addf(&sb, "%s\"e%d\"", i ? "," : "", i);
	sb_addf(&sb, "]}");
	ck_assert_str_eq(refused(sb.buf), "\"exercises\" lists more than 256 ids");
	sb_free(&sb);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("webhook");
	TCase *tc = tcase_create("webhook");
	tcase_add_test(tc, test_github_test_vector);
	tcase_add_test(tc, test_signature_refusals);
	tcase_add_test(tc, test_gitlab_token);
	tcase_add_test(tc, test_fixtures_signed);
	tcase_add_test(tc, test_parse_github);
	tcase_add_test(tc, test_parse_gitea_gitlab);
	tcase_add_test(tc, test_parse_malformed);
	tcase_add_test(tc, test_receive);
	tcase_add_test(tc, test_forge_names);
	suite_add_tcase(s, tc);
	TCase *sub = tcase_create("submission");
	tcase_add_test(sub, test_submit_accepted);
	tcase_add_test(sub, test_submit_refused_with_reason);
	suite_add_tcase(s, sub);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
