/*
 * utf8.c - strict UTF-8 decoding and the U+FFFD repair (utf8.h): the one
 * place the grader decides what valid UTF-8 is.
 */
#include "utf8.h"

#include "util.h"

size_t utf8_decode(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c = s[0];
	size_t need;
	/* The range of the second byte; it rules out overlongs (E0, F0),
	 * surrogates (ED) and code points past U+10FFFF (F4). */
	unsigned char lo = 0x80, hi = 0xBF;
	if (c < 0x80) {
		if (cp)
			*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		need = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 3;
		if (c == 0xE0)
			lo = 0xA0;
		if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 4;
		if (c == 0xF0)
			lo = 0x90;
		if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 0; /* continuation byte, C0/C1 (overlong), F5..FF */
	}
	if (n < need || s[1] < lo || s[1] > hi)
		return 0;
	uint32_t v = c & (0x7F >> need);
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (cp)
		*cp = v;
	return need;
}

char *utf8_repair(const char *s, size_t len, int flags)
{
	struct strbuf sb = {0};
	for (size_t i = 0; i < len;) {
		int nul_invalid = !s[i] && (flags & UTF8_NUL_INVALID);
		size_t n = nul_invalid ? 0 : utf8_decode(s + i, len - i, NULL);
		if (n) {
			sb_add(&sb, s + i, n);
			i += n;
		} else {
			sb_adds(&sb, "\xEF\xBF\xBD"); /* U+FFFD */
			i++;
		}
	}
	return sb_detach(&sb, NULL);
}

void utf8_position(const char *s, size_t len, size_t off, int *line, int *col)
{
	if (off > len)
		off = len;
	long l = 1, c = 1;
	for (size_t i = 0; i < off; i++) {
		if (s[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)s[i] & 0xC0) != 0x80) {
			c++;
		}
	}
	*line = l > INT32_MAX ? INT32_MAX : (int)l;
	*col = c > INT32_MAX ? INT32_MAX : (int)c;
}
