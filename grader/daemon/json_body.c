/*
 * json_body.c - strict parsing of JSON request bodies (json_body.h).
 */
#include "json_body.h"

#include <stdio.h>
#include <string.h>

#include "grader/util/utf8.h"

/* The offset of the first "\u0000" escape inside a string of text (valid
 * JSON), or len when there is none. cJSON decodes it into a NUL that ends
 * the C string early. */
static size_t find_nul_escape(const char *text, size_t len)
{
	int in_string = 0;
	for (size_t i = 0; i < len; i++) {
		if (!in_string) {
			in_string = text[i] == '"';
		} else if (text[i] == '"') {
			in_string = 0;
		} else if (text[i] == '\\' && i + 1 < len) {
			if (text[i + 1] == 'u' && i + 6 <= len && !memcmp(text + i + 2, "0000", 4))
				return i;
			i++; /* the escaped character, a quote or backslash included */
		}
	}
	return len;
}

/* A key that appears twice in one object, anywhere below o: 1 and its
 * path ("a.b") in path[pathlen]; an object with more than
 * JSON_BODY_MAX_KEYS keys: 2 and its path; else 0. */
static int find_duplicate_key(const cJSON *o, const char *prefix, char *path, size_t pathlen)
{
	/* The pairwise comparison below is quadratic in an object's size: a
	 * body of one object with 100,000 keys would cost the daemon seconds.
	 * No request the API or a forge sends has objects this large. */
	size_t members = 0;
	for (const cJSON *e = o->child; e; e = e->next)
		members++;
	if (cJSON_IsObject(o) && members > JSON_BODY_MAX_KEYS) {
		snprintf(path, pathlen, "%s", *prefix ? prefix : "the top level");
		return 2;
	}
	for (const cJSON *e = o->child; e; e = e->next) {
		if (cJSON_IsObject(o) && e->string)
			for (const cJSON *f = o->child; f != e; f = f->next)
				if (f->string && !strcmp(f->string, e->string)) {
					snprintf(path, pathlen, "%s%s%.64s", prefix,
						 *prefix ? "." : "", e->string);
					return 1;
				}
		if (cJSON_IsObject(e) || cJSON_IsArray(e)) {
			char sub[256];
			if (cJSON_IsObject(o) && e->string)
				snprintf(sub, sizeof sub, "%s%s%.64s", prefix, *prefix ? "." : "",
					 e->string);
			else
				snprintf(sub, sizeof sub, "%s[]", prefix);
			int rc = find_duplicate_key(e, sub, path, pathlen);
			if (rc)
				return rc;
		}
	}
	return 0;
}

cJSON *json_body_parse(const char *what, const char *body, size_t len, char *err, size_t errlen)
{
	if (!body || len == 0) {
		snprintf(err, errlen, "%s: empty", what);
		return NULL;
	}
	if (memchr(body, '\0', len)) {
		snprintf(err, errlen, "%s: contains a NUL byte", what);
		return NULL;
	}
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	size_t off = end && end >= body && end <= body + len ? (size_t)(end - body) : len;
	if (root)
		while (off < len && strchr(" \t\r\n", body[off]))
			off++;
	if (!root || off < len) {
		int line, col;
		utf8_position(body, len, off, &line, &col);
		snprintf(err, errlen, "%s:%d:%d: %s", what, line, col,
			 root ? "text after the JSON value" : "invalid JSON");
		cJSON_Delete(root);
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "%s: not a JSON object", what);
		cJSON_Delete(root);
		return NULL;
	}
	size_t nul = find_nul_escape(body, len);
	char key[300];
	int dup;
	if (nul < len) {
		int line, col;
		utf8_position(body, len, nul, &line, &col);
		snprintf(err, errlen, "%s:%d:%d: a string holds \\u0000", what, line, col);
	} else if ((dup = find_duplicate_key(root, "", key, sizeof key)) == 2) {
		snprintf(err, errlen, "%s: an object (%s) has more than %d keys", what, key,
			 JSON_BODY_MAX_KEYS);
	} else if (dup) {
		snprintf(err, errlen, "%s: key \"%s\" appears twice", what, key);
	} else {
		return root;
	}
	cJSON_Delete(root);
	return NULL;
}
