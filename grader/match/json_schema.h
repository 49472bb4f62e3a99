/*
 * json_schema.h - JSON Schema validation for the documents the grader
 * receives (an HTTP response body; any kind may use it): the keywords of
 * draft 2020-12 (and draft-07) that describe a document's shape.
 *
 * Supported: type, enum, const; properties, required,
 * additionalProperties, minProperties, maxProperties; items (a schema),
 * prefixItems, minItems, maxItems, uniqueItems; minimum, maximum,
 * exclusiveMinimum, exclusiveMaximum (numbers), multipleOf; minLength,
 * maxLength (in characters), pattern (POSIX extended, with \d \w \s and
 * their capitals rewritten to classes); allOf, anyOf, oneOf, not; $ref to
 * "#" or a JSON pointer inside the same document (#/$defs/x,
 * #/definitions/x); true and false as schemas. Annotations are ignored:
 * $schema, $id, $comment, $defs, definitions, title, description,
 * default, examples, format, deprecated, readOnly, writeOnly. Any other
 * keyword is a mistake the loader reports, so a schema never silently
 * checks less than its author meant.
 *
 * docs/kinds/http.md ("schema") is the reference.
 */
#ifndef GRADER_JSON_SCHEMA_H
#define GRADER_JSON_SCHEMA_H

struct cJSON;
struct json_schema;

/* Checks and prepares a schema (it is copied: the caller keeps its own).
 * Returns NULL with *why (heap) saying what is wrong and *at (heap) the
 * JSON pointer of the offending part of the schema ("" for the root,
 * "/properties/price/type"). */
struct json_schema *json_schema_new(const struct cJSON *schema, char **why, char **at);

/* 1 when doc is valid. 0 when not, with *why (heap, if why is not NULL):
 * where in the document and what, "$.items[2].price is "3" (a string);
 * expected a number". Work is bounded: $ref chains and nesting past 64
 * levels fail the document rather than recurse without end. */
int json_schema_validate(const struct json_schema *s, const struct cJSON *doc, char **why);

void json_schema_free(struct json_schema *s);

/* One step of a JSON pointer (RFC 6901): at p, "/segment..." puts the
 * segment, with ~1 and ~0 decoded, into key (replacing what it held) and
 * returns where the next step starts; NULL when p starts no step. */
struct strbuf;
const char *json_pointer_next(const char *p, struct strbuf *key);

#endif
