/*
 * fuzz_webhook.c - libFuzzer target for grader/daemon/webhook.c: every
 * input is parsed as a push payload of each forge, and also checked as a
 * signature header against a fixed body, the way an unauthenticated
 * sender would try it. Seeds: the real payloads in corpus/webhook/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grader/daemon/webhook.h"

static void parse_as(enum forge f, const char *body, size_t len)
{
	struct webhook_push p;
	char err[256];
	if (webhook_parse_push(f, body, len, &p, err, sizeof(err)) == 0) {
		/* What the daemon relies on after a successful parse. */
		if (!p.ref || !p.after || !p.clone_url || !p.full_name)
			abort();
		if (p.branch && strncmp(p.ref, "refs/heads/", 11) != 0)
			abort();
		(void)webhook_push_is_gradeable(&p);
	}
	webhook_push_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	parse_as(FORGE_GITHUB, body, size);
	parse_as(FORGE_GITEA, body, size);
	parse_as(FORGE_GITLAB, body, size);

	/* The input as a signature header (NUL-terminated copy, capped). */
	size_t n = size < 200 ? size : 200;
	char header[201];
	memcpy(header, data, n);
	header[n] = '\0';
	char err[256];
	static const char fixed[] = "{\"ref\":\"refs/heads/main\"}";
	for (int f = FORGE_GITHUB; f < FORGE_COUNT; f++)
		if (webhook_verify((enum forge)f, "secret", fixed, sizeof(fixed) - 1, header, err,
				   sizeof(err)) == 0 &&
		    f != FORGE_GITLAB)
			abort(); /* forging an HMAC by chance is not expected */
	return 0;
}
