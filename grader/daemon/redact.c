/*
 * redact.c - learner redaction of stored JSON reports (redact.h). The
 * rules are those of the report writers (docs/report-format.md).
 */
#include "redact.h"

static void redact_check(cJSON *check)
{
	static const char *const secret_fields[] = {"message", "input",   "expected",
						    "diff",    "verdict", "resources"};
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(check, "hidden")))
		return;
	for (size_t i = 0; i < sizeof secret_fields / sizeof secret_fields[0]; i++)
		cJSON_DeleteItemFromObjectCaseSensitive(check, secret_fields[i]);
	cJSON_AddStringToObject(check, "message",
				"hidden check: its details are shown to instructors only");
}

void redact_for_learner(cJSON *report)
{
	cJSON *aud = cJSON_GetObjectItemCaseSensitive(report, "audience");
	if (aud)
		cJSON_ReplaceItemInObjectCaseSensitive(report, "audience",
						       cJSON_CreateString("learner"));
	cJSON *sub = cJSON_GetObjectItemCaseSensitive(report, "submission");
	cJSON_DeleteItemFromObjectCaseSensitive(sub, "dir"); /* a host path */
	cJSON *exs = cJSON_GetObjectItemCaseSensitive(report, "exercises");
	for (cJSON *ex = exs ? exs->child : NULL; ex; ex = ex->next) {
		cJSON *checks = cJSON_GetObjectItemCaseSensitive(ex, "checks");
		for (cJSON *c = checks ? checks->child : NULL; c; c = c->next)
			redact_check(c);
	}
}
