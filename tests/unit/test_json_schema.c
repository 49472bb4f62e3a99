#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "grader/match/json_schema.h"

/* Validates doc against schema (both JSON text): 1 valid, 0 not with
 * *why (freed by the caller), -1 when the schema is refused (*why, *at). */
static int check(const char *schema, const char *doc, char **why, char **at)
{
	cJSON *s = cJSON_Parse(schema), *d = cJSON_Parse(doc);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(d);
	char *w = NULL, *a = NULL;
	struct json_schema *js = json_schema_new(s, &w, &a);
	cJSON_Delete(s);
	int rc;
	if (!js) {
		rc = -1;
	} else {
		rc = json_schema_validate(js, d, &w);
		json_schema_free(js);
	}
	cJSON_Delete(d);
	if (why)
		*why = w;
	else
		free(w);
	if (at)
		*at = a;
	else
		free(a);
	return rc;
}

static void says(const char *schema, const char *doc, const char *want)
{
	char *why = NULL;
	ck_assert_int_eq(check(schema, doc, &why, NULL), 0);
	ck_assert_ptr_nonnull(why);
	ck_assert_str_eq(why, want);
	free(why);
}

static void ok(const char *schema, const char *doc)
{
	char *why = NULL;
	int rc = check(schema, doc, &why, NULL);
	ck_assert_msg(rc == 1, "%s against %s: %s", doc, schema, why ? why : "refused");
	free(why);
}

static const char *item = "{\"type\": \"object\", \"required\": [\"id\", \"name\", \"price\"],"
			  " \"additionalProperties\": false,"
			  " \"properties\": {\"id\": {\"type\": \"integer\", \"minimum\": 1},"
			  " \"name\": {\"type\": \"string\", \"minLength\": 1, \"maxLength\": 5},"
			  " \"price\": {\"type\": \"number\", \"exclusiveMinimum\": 0},"
			  " \"tags\": {\"type\": \"array\", \"items\": {\"enum\": [\"a\", \"b\"]},"
			  " \"uniqueItems\": true, \"maxItems\": 3}}}";

START_TEST(test_objects)
{
	ok(item, "{\"id\": 1, \"name\": \"pen\", \"price\": 1.5}");
	ok(item, "{\"id\": 2, \"name\": \"crème\", \"price\": 2, \"tags\": [\"a\", \"b\"]}");
	says(item, "{\"id\": 1, \"name\": \"pen\", \"price\": \"1.5\"}",
	     "$.price is \"1.5\" (a string); expected a number");
	says(item, "{\"id\": 1.5, \"name\": \"pen\", \"price\": 1}",
	     "$.id is 1.5 (a number); expected an integer");
	says(item, "{\"id\": 1, \"price\": 1}", "$ has no key \"name\", which is required");
	says(item, "{\"id\": 1, \"name\": \"pen\", \"price\": 1, \"password\": \"x\"}",
	     "$ has the key \"password\", which is not allowed (additionalProperties: false)");
	says(item, "{\"id\": 0, \"name\": \"pen\", \"price\": 1}", "$.id is 0; at least 1 expected");
	says(item, "{\"id\": 1, \"name\": \"pen\", \"price\": 0}", "$.price is 0; above 0 expected");
	says(item, "{\"id\": 1, \"name\": \"\", \"price\": 1}",
	     "$.name is \"\", 0 characters long; at least 1 expected");
	says(item, "{\"id\": 1, \"name\": \"pencil\", \"price\": 1}",
	     "$.name is \"pencil\", 6 characters long; at most 5 expected");
	says(item, "{\"id\": 1, \"name\": \"pen\", \"price\": 1, \"tags\": [\"a\", \"c\"]}",
	     "$.tags[1] is \"c\", which is not one of [\"a\",\"b\"]");
	says(item, "{\"id\": 1, \"name\": \"pen\", \"price\": 1, \"tags\": [\"a\", \"a\"]}",
	     "$.tags has the same item at [0] and [1]; uniqueItems expected");
	says(item, "[]", "$ is [] (an array); expected an object");
	says("{\"minProperties\": 2}", "{\"a\": 1}", "$ has 1 keys; at least 2 expected");
	says("{\"properties\": {\"odd key\": {\"type\": \"null\"}}}", "{\"odd key\": 1}",
	     "$[\"odd key\"] is 1 (a number); expected a null");
	says("{\"additionalProperties\": {\"type\": \"string\"}}", "{\"a\": \"x\", \"b\": 2}",
	     "$.b is 2 (a number); expected a string");
}
END_TEST

START_TEST(test_arrays_strings_numbers)
{
	ok("{\"type\": \"array\", \"prefixItems\": [{\"type\": \"string\"}, {\"type\": \"integer\"}],"
	   " \"items\": {\"type\": \"boolean\"}}",
	   "[\"x\", 2, true, false]");
	says("{\"prefixItems\": [{\"type\": \"string\"}], \"items\": {\"type\": \"boolean\"}}",
	     "[\"x\", 1]", "$[1] is 1 (a number); expected a boolean");
	says("{\"minItems\": 2}", "[1]", "$ has 1 items; at least 2 expected");
	ok("{\"pattern\": \"^[a-z]+\\\\d{2}$\"}", "\"abc12\"");
	says("{\"pattern\": \"^[a-z]+\\\\d{2}$\"}", "\"abc1x\"",
	     "$ is \"abc1x\", which does not match the pattern /^[a-z]+\\d{2}$/");
	ok("{\"pattern\": \"^\\\\S+@\\\\S+$\"}", "\"ana@example.org\"");
	says("{\"pattern\": \"^\\\\S+@\\\\S+$\"}", "\"ana @x\"",
	     "$ is \"ana @x\", which does not match the pattern /^\\S+@\\S+$/");
	ok("{\"pattern\": \"[\\\\d_]\"}", "\"a_\"");
	ok("{\"multipleOf\": 0.01}", "19.99");
	says("{\"multipleOf\": 0.5}", "1.25", "$ is 1.25, not a multiple of 0.5");
	ok("{\"type\": [\"string\", \"null\"]}", "null");
	says("{\"type\": [\"string\", \"null\"]}", "3", "$ is 3 (a number); expected string or null");
	ok("{\"const\": {\"a\": [1, 2]}}", "{\"a\": [1.0, 2]}");
	says("{\"const\": \"ok\"}", "\"OK\"", "$ is \"OK\"; expected \"ok\"");
	/* a string's type message shows the value, capped and made visible */
	says("{\"type\": \"number\"}", "\"line\\nbreak\"",
	     "$ is \"line\\nbreak\" (a string); expected a number");
}
END_TEST

START_TEST(test_combinators_and_refs)
{
	const char *s = "{\"$defs\": {\"id\": {\"type\": \"integer\", \"minimum\": 1}},"
			" \"type\": \"object\", \"properties\": {\"id\": {\"$ref\": \"#/$defs/id\"},"
			" \"parent\": {\"anyOf\": [{\"type\": \"null\"}, {\"$ref\": \"#\"}]}}}";
	ok(s, "{\"id\": 3, \"parent\": {\"id\": 1, \"parent\": null}}");
	says(s, "{\"id\": 0}", "$.id is 0; at least 1 expected");
	says(s, "{\"id\": 3, \"parent\": 7}",
	     "$.parent matches none of the 2 schemas of anyOf (the first says: $.parent is 7 (a "
	     "number); expected a null)");
	says("{\"oneOf\": [{\"type\": \"integer\"}, {\"type\": \"number\"}]}", "1",
	     "$ matches 2 of the 2 schemas of oneOf; exactly one expected");
	ok("{\"oneOf\": [{\"type\": \"integer\"}, {\"type\": \"string\"}]}", "1");
	says("{\"not\": {\"type\": \"string\"}}", "\"x\"", "$ matches the schema under 'not'");
	says("{\"allOf\": [{\"type\": \"number\"}, {\"maximum\": 5}]}", "6",
	     "$ is 6; at most 5 expected");
	says("{\"properties\": {\"a\": false}}", "{\"a\": 1}",
	     "$.a is not allowed here (the schema is false)");
	ok("true", "{\"anything\": [1]}");
	/* a $ref loop ends at the depth cap, with a message */
	char *why = NULL;
	ck_assert_int_eq(check("{\"$ref\": \"#\"}", "1", &why, NULL), 0);
	ck_assert_ptr_nonnull(strstr(why, "nested too deep"));
	free(why);
	/* ~1 and ~0 in a pointer */
	ok("{\"$defs\": {\"a/b\": {\"type\": \"string\"}}, \"$ref\": \"#/$defs/a~1b\"}", "\"x\"");
}
END_TEST

static void refused(const char *schema, const char *want_why, const char *want_at)
{
	char *why = NULL, *at = NULL;
	ck_assert_int_eq(check(schema, "null", &why, &at), -1);
	ck_assert_str_eq(why, want_why);
	ck_assert_str_eq(at, want_at);
	free(why);
	free(at);
}

START_TEST(test_bad_schemas)
{
	refused("{\"properties\": {\"price\": {\"type\": \"float\"}}}",
		"unknown type 'float'; the types are string, number, integer, boolean, null, "
		"array and object",
		"/properties/price/type");
	refused("{\"propertys\": {}}",
		"'propertys' is not a JSON Schema keyword the grader checks (see "
		"docs/kinds/http.md)",
		"/propertys");
	refused("{\"items\": [{\"type\": \"string\"}]}",
		"'items' as a list is draft-07's tuple form: write 'prefixItems' for the list "
		"of schemas",
		"/items");
	refused("{\"$ref\": \"#/$defs/nope\"}",
		"'$ref' #/$defs/nope names nothing in this schema (write \"#\" or "
		"\"#/$defs/NAME\")",
		"/$ref");
	refused("{\"anyOf\": [{\"minLength\": -1}]}", "'minLength' must be a whole number of at least 0",
		"/anyOf/0/minLength");
	refused("{\"pattern\": \"(\"}", "pattern /(/ does not compile: Unmatched ( or \\(", "/pattern");
	refused("{\"exclusiveMinimum\": true}",
		"'exclusiveMinimum' must be a number (a true/false 'exclusiveMinimum' is "
		"draft-04's; write the bound itself)",
		"/exclusiveMinimum");
	refused("[1]", "a schema must be an object, true or false", "");
	/* annotations are accepted and ignored */
	ok("{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\", \"title\": \"T\","
	   " \"description\": \"d\", \"format\": \"email\", \"examples\": [1], \"type\": \"string\"}",
	   "\"not an email, and format is not checked\"");
}
END_TEST

static Suite *schema_suite(void)
{
	Suite *s = suite_create("json_schema");
	TCase *tc = tcase_create("json_schema");
	tcase_add_test(tc, test_objects);
	tcase_add_test(tc, test_arrays_strings_numbers);
	tcase_add_test(tc, test_combinators_and_refs);
	tcase_add_test(tc, test_bad_schemas);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(schema_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
