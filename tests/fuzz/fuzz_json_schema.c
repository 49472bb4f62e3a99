/*
 * fuzz_json_schema.c - libFuzzer target for JSON Schema validation
 * (grader/match/json_schema.c): the document is hostile (an HTTP
 * response body a learner's server wrote), and the schema comes from an
 * exercise file.
 *
 * Input: the schema's JSON text, a NUL byte, the document's JSON text.
 * With no NUL, a fixed schema that uses every keyword checks the input.
 * A refused schema must say why and where; a failed validation must say
 * why, starting at the document's root "$".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "grader/match/json_schema.h"

static const char fixed[] =
    "{\"$defs\": {\"n\": {\"type\": [\"integer\", \"null\"], \"minimum\": 0, \"maximum\": 9,"
    " \"multipleOf\": 1}}, \"type\": \"object\", \"required\": [\"a\"],"
    " \"properties\": {\"a\": {\"type\": \"array\", \"prefixItems\": [{\"$ref\": \"#/$defs/n\"}],"
    " \"items\": {\"anyOf\": [{\"type\": \"string\", \"pattern\": \"^\\\\w+\\\\d$\","
    " \"minLength\": 1, \"maxLength\": 9}, {\"$ref\": \"#\"}]}, \"uniqueItems\": true,"
    " \"maxItems\": 50}, \"b\": {\"oneOf\": [{\"const\": 1}, {\"enum\": [2, \"x\", null]}]},"
    " \"c\": {\"not\": {\"type\": \"boolean\"}}}, \"additionalProperties\": {\"allOf\":"
    " [true, {\"exclusiveMinimum\": -1, \"exclusiveMaximum\": 1e9}]},"
    " \"minProperties\": 1, \"maxProperties\": 40}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nul = memchr(text, '\0', size);
	cJSON *schema = nul ? cJSON_ParseWithLength(text, (size_t)(nul - text)) : cJSON_Parse(fixed);
	const char *doc_text = nul ? nul + 1 : text;
	size_t doc_len = nul ? size - (size_t)(nul + 1 - text) : size;
	cJSON *doc = cJSON_ParseWithLength(doc_text, doc_len);
	if (schema && doc) {
		char *why = NULL, *at = NULL;
		struct json_schema *s = json_schema_new(schema, &why, &at);
		if (!s) {
			if (!why || !at || (*at && *at != '/'))
				abort();
		} else {
			char *w = NULL;
			int ok = json_schema_validate(s, doc, &w);
			if (ok != 1 && (ok != 0 || !w || w[0] != '$'))
				abort();
			if (ok == 1 && w)
				abort();
			free(w);
			json_schema_free(s);
		}
		free(why);
		free(at);
	}
	cJSON_Delete(schema);
	cJSON_Delete(doc);
	return 0;
}
