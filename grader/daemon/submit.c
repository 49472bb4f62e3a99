/*
 * submit.c - parsing a submission request body (see submit.h). The body
 * comes from any holder of a token, a learner's included: hostile input.
 */
#include "submit.h"

#include <cJSON.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grader/submission/gitmirror.h"
#include "grader/util/util.h"
#include "json_body.h"

enum { MAX_EXERCISES = 256, MAX_FIELD = 4096 };

static const char *const known_keys[] = {"repo",      "ref",      "commit", "learner",
					 "exercises", "priority", NULL};

/* A string field: NULL when absent, -1 when present and not a non-empty
 * string of at most MAX_FIELD bytes without control characters. */
static int string_field(const cJSON *in, const char *key, char **out, char *err, size_t errlen)
{
	*out = NULL;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, key);
	if (!v)
		return 0;
	if (!cJSON_IsString(v) || !v->valuestring[0]) {
		snprintf(err, errlen, "\"%s\" must be a non-empty string", key);
		return -1;
	}
	size_t n = strlen(v->valuestring);
	if (n > MAX_FIELD) {
		snprintf(err, errlen, "\"%s\" is longer than %d bytes", key, MAX_FIELD);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v->valuestring[i] < 0x20 || v->valuestring[i] == 0x7f) {
			snprintf(err, errlen, "\"%s\" holds a control character", key);
			return -1;
		}
	*out = xstrdup(v->valuestring);
	return 0;
}

static int check_keys(const cJSON *in, char *err, size_t errlen)
{
	for (const cJSON *e = in->child; e; e = e->next) {
		int known = 0;
		for (size_t i = 0; known_keys[i] && !known; i++)
			known = e->string && !strcmp(e->string, known_keys[i]);
		if (!known) {
			const char *near = e->string ? closest_word(e->string, known_keys) : NULL;
			snprintf(err, errlen, "unknown key \"%.64s\"%s%s%s",
				 e->string ? e->string : "", near ? " (did you mean \"" : "",
				 near ? near : "", near ? "\"?)" : "");
			return -1;
		}
	}
	return 0;
}

static int parse_exercises(const cJSON *in, struct submit_request *r, char *err, size_t errlen)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(in, "exercises");
	if (!arr)
		return 0;
	if (!cJSON_IsArray(arr)) {
		snprintf(err, errlen, "\"exercises\" must be an array of exercise ids");
		return -1;
	}
	int n = cJSON_GetArraySize(arr);
	if (n > MAX_EXERCISES) {
		snprintf(err, errlen, "\"exercises\" lists more than %d ids", MAX_EXERCISES);
		return -1;
	}
	r->exercises = xcalloc((size_t)n + 1, sizeof *r->exercises);
	for (const cJSON *e = arr->child; e; e = e->next) {
		/* ids are joined with ',' for the queue: a comma would split one */
		if (!cJSON_IsString(e) || !e->valuestring[0] || strlen(e->valuestring) > 200 ||
		    strpbrk(e->valuestring, ", \t\r\n")) {
			snprintf(err, errlen,
				 "\"exercises\" must hold exercise ids (strings "
				 "without commas or spaces)");
			return -1;
		}
		r->exercises[r->nexercises++] = xstrdup(e->valuestring);
	}
	return 0;
}

int submit_parse(const char *body, size_t len, struct submit_request *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	cJSON *in = json_body_parse("body", body, len, err, errlen);
	int rc = -1;
	char *prio = NULL;
	if (!in || check_keys(in, err, errlen) < 0 ||
	    string_field(in, "repo", &out->repo, err, errlen) ||
	    string_field(in, "ref", &out->ref, err, errlen) ||
	    string_field(in, "commit", &out->commit, err, errlen) ||
	    string_field(in, "learner", &out->learner, err, errlen) ||
	    string_field(in, "priority", &prio, err, errlen) ||
	    parse_exercises(in, out, err, errlen) < 0)
		goto done;
	if (!out->repo) {
		snprintf(err, errlen, "\"repo\" is required");
		goto done;
	}
	if (prio && strcmp(prio, "interactive") && strcmp(prio, "bulk")) {
		snprintf(err, errlen, "\"priority\" is interactive or bulk, not '%.64s'", prio);
		goto done;
	}
	out->priority = prio && !strcmp(prio, "bulk") ? JOB_BULK : JOB_INTERACTIVE;
	if (out->commit) {
		size_t cl = strlen(out->commit);
		if ((cl != 40 && cl != 64) || strspn(out->commit, "0123456789abcdef") != cl) {
			snprintf(err, errlen, "\"commit\" must be a full lowercase hex commit id");
			goto done;
		}
	}
	if (out->ref) {
		/* what libgit2 accepts as a reference name, as the poller will
		 * read it (a branch name or a full ref) */
		gitlib_init();
		char full[MAX_FIELD + 16];
		gitref_full(out->ref, full, sizeof full);
		int valid = 0;
		if (git_reference_name_is_valid(&valid, full) < 0 || !valid) {
			snprintf(err, errlen, "\"ref\" '%.200s' is not a valid Git reference name",
				 out->ref);
			goto done;
		}
	}
	rc = 0;
done:
	free(prio);
	cJSON_Delete(in);
	if (rc < 0)
		submit_request_free(out);
	return rc;
}

void submit_request_free(struct submit_request *r)
{
	free(r->repo);
	free(r->ref);
	free(r->commit);
	free(r->learner);
	for (size_t i = 0; i < r->nexercises; i++)
		free(r->exercises[i]);
	free(r->exercises);
	memset(r, 0, sizeof *r);
}
