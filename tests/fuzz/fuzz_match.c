/*
 * fuzz_match.c - libFuzzer target for the matchers and their diffs.
 *
 * Input: byte 0 picks the mode (high bit set: text_unified_diff, else
 * the matcher kind, modulo 9), byte 1 holds option bits (ignore_case,
 * not, subset, abs, rel) or, for the diff mode, the output cap; the rest
 * is the expected text up to the first NUL, then the actual output (which
 * may hold more NULs). Besides not crashing or leaking, every string a
 * diff carries must be valid UTF-8 without control bytes other than
 * newlines, since reports embed them in JSON and terminals.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grader/match/match.h"

#define KINDS 9

/* Valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF)
 * and no control bytes except '\n'. */
static int clean_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned char c = *p;
		if (c < 0x80) {
			if ((c < 0x20 && c != '\n') || c == 0x7F)
				return 0;
			p++;
			continue;
		}
		size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
		if (c < 0xC2 || c > 0xF4)
			return 0;
		uint32_t cp = c & (0x7F >> n);
		for (size_t i = 1; i < n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
			return 0;
		p += n;
	}
	return 1;
}

static void check_clean(const char *s)
{
	if (s && !clean_text(s))
		abort();
}

/* glibc's regex engine is exponential on back-references, and regcomp
 * doubles its tree for each stacked repetition (a++++...) or counted one;
 * patterns are trusted (exercise authors), so the fuzzer leaves those to
 * glibc. */
static int pattern_is_tame(const char *p, size_t len)
{
	if (len > 64)
		return 0;
	int repeats = 0;
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '{')
			return 0;
		if ((p[i] == '+' || p[i] == '*' || p[i] == '?') && ++repeats > 8)
			return 0;
		if (p[i] == '\\' && i + 1 < len && p[i + 1] >= '1' && p[i + 1] <= '9')
			return 0;
	}
	return 1;
}

static void fuzz_diff(uint8_t cap, const char *e, size_t elen, const char *a, size_t alen)
{
	size_t max = 1 + (size_t)cap * 64;
	char *u = text_unified_diff(e, elen, a, alen, "e", "a", max);
	if (!u)
		abort();
	check_clean(u);
	if (strlen(u) > max + 64)
		abort();
	if (elen == alen && memcmp(e, a, elen) == 0 && u[0] != '\0')
		abort();
	free(u);
	char *v = match_visible(a, alen, cap);
	check_clean(v);
	free(v);
}

static void fuzz_matcher(uint8_t kind, uint8_t opts, const char *e, size_t elen, const char *a,
			 size_t alen)
{
	struct matcher m;
	enum match_kind k = (enum match_kind)(kind % KINDS);
	if (k == MATCH_REGEX && !pattern_is_tame(e, elen))
		return;
	matcher_init_text(&m, k, e, elen);
	m.ignore_case = opts & 1;
	m.negate = (opts >> 1) & 1;
	m.json_subset = (opts >> 2) & 1;
	m.abs_tol = (opts & 8) ? 0.5 : 0;
	m.rel_tol = (opts & 16) ? 1e-3 : 0;
	if (m.ignore_case && k == MATCH_REGEX)
		matcher_prepare(&m);
	struct match_diff *d = NULL;
	int rc = match_run(&m, a, alen, &d);
	if (rc == 1 && d)
		abort();
	if (rc != 1 && (!d || !d->summary))
		abort();
	if (d) {
		check_clean(d->summary);
		check_clean(d->expected_excerpt);
		check_clean(d->actual_excerpt);
		check_clean(d->unified);
		check_clean(d->json_path);
		if (d->line < 0 || d->col < 0)
			abort();
	}
	match_diff_free(d);
	/* without a diff the answer must be the same */
	if (match_run(&m, a, alen, NULL) != rc)
		abort();
	/* exact equality implies a match for every kind but number/json/regex */
	if (elen == alen && memcmp(e, a, elen) == 0 && !m.negate && rc == 0 && k != MATCH_NUMBER &&
	    k != MATCH_JSON && k != MATCH_REGEX)
		abort();
	matcher_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	const char *rest = (const char *)data + 2;
	size_t n = size - 2;
	const char *nul = memchr(rest, '\0', n);
	size_t elen = nul ? (size_t)(nul - rest) : n;
	const char *a = nul ? nul + 1 : rest + n;
	size_t alen = nul ? n - elen - 1 : 0;
	if (data[0] & 0x80)
		fuzz_diff(data[1], rest, elen, a, alen);
	else
		fuzz_matcher(data[0], data[1], rest, elen, a, alen);
	return 0;
}
