/*
 * diff.c - how a failed text match is shown: invisible characters made
 * visible, the first point of divergence with excerpts of both sides, and
 * a unified line diff (Myers, bounded in work and output size).
 *
 * The matchers (match.c and friends) decide whether texts match; this
 * file only describes differences. Everything here works on byte ranges
 * that may hold NULs and invalid UTF-8, in time linear in the input apart
 * from the Myers search, which is capped.
 */
#include "match_int.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grader/util/utf8.h"
#include "grader/util/util.h"

/* Myers search limits: edit distance and comparison budget. */
#define MYERS_MAX_D      2000
#define MYERS_MAX_WORK   40000000L
#define DIFF_CONTEXT     3
#define DIFF_DEFAULT_MAX 65536
#define DIFF_LINE_MAX    1000

/* ---- small text helpers ---- */

int text_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

unsigned char text_fold(unsigned char c, int icase)
{
	if (icase && c >= 'A' && c <= 'Z')
		return (unsigned char)(c - 'A' + 'a');
	return c;
}

int text_next_line(const char *s, size_t len, size_t *pos, struct text_line *out)
{
	if (*pos >= len)
		return 0;
	const char *start = s + *pos;
	const char *nl = memchr(start, '\n', len - *pos);
	out->p = start;
	out->off = *pos;
	out->len = nl ? (size_t)(nl - start) : len - *pos;
	out->has_nl = nl != NULL;
	*pos += out->len + (nl ? 1 : 0);
	return 1;
}

size_t text_rstrip_len(const char *p, size_t len)
{
	while (len > 0 && p[len - 1] != '\n' && text_is_space((unsigned char)p[len - 1]))
		len--;
	return len;
}

size_t text_lines_end(const char *s, size_t len)
{
	while (len > 0 && text_is_space((unsigned char)s[len - 1]))
		len--;
	return len;
}

size_t text_count_lines(const char *s, size_t len)
{
	size_t n = 0, pos = 0;
	const char *nl;
	while (pos < len && (nl = memchr(s + pos, '\n', len - pos))) {
		n++;
		pos = (size_t)(nl - s) + 1;
	}
	return n + (pos < len ? 1 : 0);
}

size_t text_common_prefix(const char *x, size_t xl, const char *y, size_t yl, int icase)
{
	size_t n = xl < yl ? xl : yl, i = 0;
	if (!icase) {
		while (i < n && x[i] == y[i])
			i++;
		return i;
	}
	while (i < n && text_fold((unsigned char)x[i], 1) == text_fold((unsigned char)y[i], 1))
		i++;
	return i;
}

static int is_utf8_continuation(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/* ---- making invisible characters visible ---- */

static int is_invisible_codepoint(uint32_t cp)
{
	return cp == 0xA0 || (cp >= 0x200B && cp <= 0x200F) || cp == 0x2028 || cp == 0x2029 ||
	       cp == 0x2060 || cp == 0xFEFF;
}

/* The characters this file uses as marks (·, →, ␍, …): a real one in a
 * text is shown by its code point, so that a mark is never ambiguous. */
static int is_mark_codepoint(uint32_t cp)
{
	return cp == 0xB7 || cp == 0x2192 || cp == 0x240D || cp == 0x2026;
}

/* True when the space at s[i] is followed only by spaces up to a newline
 * or the end; *run gets the length of the run of spaces starting at i. */
static int spaces_are_trailing(const char *s, size_t len, size_t i, size_t *run)
{
	size_t j = i;
	while (j < len && s[j] == ' ')
		j++;
	*run = j - i;
	return j == len || s[j] == '\n';
}

/* Appends piece unless that would pass max; returns 0 when it did not fit. */
static int put_capped(struct strbuf *sb, const char *piece, size_t n, size_t max)
{
	if (max && sb->len + n > max)
		return 0;
	sb_add(sb, piece, n);
	return 1;
}

/* The visible form of the character at s[*i] into out (at most 16
 * bytes); advances *i. */
static size_t visible_char(const char *s, size_t len, size_t *i, char out[16])
{
	unsigned char c = (unsigned char)s[*i];
	uint32_t cp;
	size_t n;
	if (c == '\t') {
		(*i)++;
		static const char arrow[] = "\xe2\x86\x92"; /* → */
		memcpy(out, arrow, sizeof arrow);
		return sizeof arrow - 1;
	}
	if (c == '\r') {
		(*i)++;
		static const char cr[] = "\xe2\x90\x8d"; /* ␍ */
		memcpy(out, cr, sizeof cr);
		return sizeof cr - 1;
	}
	if (c == '\n' || (c >= 0x20 && c < 0x7F)) {
		(*i)++;
		out[0] = (char)c;
		return 1;
	}
	if (c >= 0x80 && (n = utf8_decode(s + *i, len - *i, &cp))) {
		*i += n;
		if (is_invisible_codepoint(cp) || is_mark_codepoint(cp))
			return (size_t)snprintf(out, 16, "<U+%04X>", (unsigned)cp);
		memcpy(out, s + *i - n, n);
		return n;
	}
	(*i)++;
	return (size_t)snprintf(out, 16, "\\x%02X", c);
}

char *match_visible(const char *s, size_t len, size_t max)
{
	struct strbuf sb = {0};
	sb_add(&sb, "", 0);
	size_t i = 0;
	int cut = 0;
	while (i < len && !cut) {
		size_t run;
		if (s[i] == ' ' && spaces_are_trailing(s, len, i, &run)) {
			for (size_t k = 0; k < run && !cut; k++)
				cut = !put_capped(&sb, "\xc2\xb7", 2, max); /* · */
			i += run;
			continue;
		}
		char piece[16];
		size_t n = visible_char(s, len, &i, piece);
		cut = !put_capped(&sb, piece, n, max);
	}
	if (cut)
		sb_adds(&sb, "\xe2\x80\xa6"); /* … */
	return sb_detach(&sb, NULL);
}

char *match_visible_head(const char *s, size_t len, size_t max_lines, size_t max_bytes,
			 int more)
{
	size_t pos = 0, lines = 0;
	struct text_line l;
	while (lines < max_lines && pos < max_bytes && text_next_line(s, len, &pos, &l))
		lines++;
	if (pos > max_bytes)
		pos = max_bytes;
	/* never cut inside a UTF-8 character */
	while (pos > 0 && pos < len && is_utf8_continuation((unsigned char)s[pos]))
		pos--;
	size_t shown = pos;
	if (shown > 0 && s[shown - 1] == '\n')
		shown--;
	char *vis = match_visible(s, shown, 0);
	if (pos >= len && !more)
		return vis;
	char *r = xasprintf("%s\n\xe2\x80\xa6 (the first %zu line%s shown)", vis, lines,
			    lines == 1 ? "" : "s");
	free(vis);
	return r;
}

/* ---- match_diff construction ---- */

struct match_diff *diff_new(void)
{
	return xcalloc(1, sizeof(struct match_diff));
}

void diff_set_summary(struct match_diff *d, const char *fmt, ...)
{
	struct strbuf sb = {0};
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (d->cause)
		sb_addf(&sb, " \xe2\x80\x94 %s", d->cause); /* — */
	free(d->summary);
	d->summary = sb_detach(&sb, NULL);
}

void match_diff_free(struct match_diff *d)
{
	if (!d)
		return;
	free(d->summary);
	free(d->cause);
	free(d->expected_excerpt);
	free(d->actual_excerpt);
	free(d->unified);
	free(d->json_path);
	free(d);
}

static size_t line_start_of(const char *s, size_t off)
{
	while (off > 0 && s[off - 1] != '\n')
		off--;
	return off;
}

static size_t line_end_of(const char *s, size_t len, size_t off)
{
	const char *nl = off < len ? memchr(s + off, '\n', len - off) : NULL;
	return nl ? (size_t)(nl - s) : len;
}

char *diff_line_excerpt(const char *s, size_t len, size_t off, int eol_note)
{
	if (off > len)
		off = len;
	if (off == len && (len == 0 || s[len - 1] == '\n'))
		return NULL;
	size_t start = line_start_of(s, off), end = line_end_of(s, len, off);
	char *vis = match_visible(s + start, end - start, MATCH_EXCERPT_MAX);
	if (!eol_note || end < len)
		return vis;
	char *noted = xasprintf("%s (no newline at end)", vis);
	free(vis);
	return noted;
}

/* ---- naming the common causes of a difference ---- */

/* Characters that look like ASCII ones (or like nothing), by name, so a
 * learner is told what the two sides' look-alike characters are. */
static const struct lookalike {
	uint32_t cp;
	const char *name;
	const char *like; /* the ASCII character it passes for, or "" */
} lookalikes[] = {
    {0x00A0, "NO-BREAK SPACE", " "},
    {0x00AD, "SOFT HYPHEN", ""},
    {0x00B7, "MIDDLE DOT", "."},
    {0x0391, "GREEK CAPITAL LETTER ALPHA", "A"},
    {0x0392, "GREEK CAPITAL LETTER BETA", "B"},
    {0x0395, "GREEK CAPITAL LETTER EPSILON", "E"},
    {0x0397, "GREEK CAPITAL LETTER ETA", "H"},
    {0x0399, "GREEK CAPITAL LETTER IOTA", "I"},
    {0x039A, "GREEK CAPITAL LETTER KAPPA", "K"},
    {0x039C, "GREEK CAPITAL LETTER MU", "M"},
    {0x039D, "GREEK CAPITAL LETTER NU", "N"},
    {0x039F, "GREEK CAPITAL LETTER OMICRON", "O"},
    {0x03A1, "GREEK CAPITAL LETTER RHO", "P"},
    {0x03A4, "GREEK CAPITAL LETTER TAU", "T"},
    {0x03A7, "GREEK CAPITAL LETTER CHI", "X"},
    {0x03B1, "GREEK SMALL LETTER ALPHA", "a"},
    {0x03BF, "GREEK SMALL LETTER OMICRON", "o"},
    {0x03C1, "GREEK SMALL LETTER RHO", "p"},
    {0x0405, "CYRILLIC CAPITAL LETTER DZE", "S"},
    {0x0406, "CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I", "I"},
    {0x0408, "CYRILLIC CAPITAL LETTER JE", "J"},
    {0x0410, "CYRILLIC CAPITAL LETTER A", "A"},
    {0x0412, "CYRILLIC CAPITAL LETTER VE", "B"},
    {0x0415, "CYRILLIC CAPITAL LETTER IE", "E"},
    {0x041A, "CYRILLIC CAPITAL LETTER KA", "K"},
    {0x041C, "CYRILLIC CAPITAL LETTER EM", "M"},
    {0x041D, "CYRILLIC CAPITAL LETTER EN", "H"},
    {0x041E, "CYRILLIC CAPITAL LETTER O", "O"},
    {0x0420, "CYRILLIC CAPITAL LETTER ER", "P"},
    {0x0421, "CYRILLIC CAPITAL LETTER ES", "C"},
    {0x0422, "CYRILLIC CAPITAL LETTER TE", "T"},
    {0x0425, "CYRILLIC CAPITAL LETTER HA", "X"},
    {0x0430, "CYRILLIC SMALL LETTER A", "a"},
    {0x0435, "CYRILLIC SMALL LETTER IE", "e"},
    {0x043E, "CYRILLIC SMALL LETTER O", "o"},
    {0x0440, "CYRILLIC SMALL LETTER ER", "p"},
    {0x0441, "CYRILLIC SMALL LETTER ES", "c"},
    {0x0443, "CYRILLIC SMALL LETTER U", "y"},
    {0x0445, "CYRILLIC SMALL LETTER HA", "x"},
    {0x0455, "CYRILLIC SMALL LETTER DZE", "s"},
    {0x0456, "CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I", "i"},
    {0x0458, "CYRILLIC SMALL LETTER JE", "j"},
    {0x2002, "EN SPACE", " "},
    {0x2003, "EM SPACE", " "},
    {0x2007, "FIGURE SPACE", " "},
    {0x2009, "THIN SPACE", " "},
    {0x200B, "ZERO WIDTH SPACE", ""},
    {0x200C, "ZERO WIDTH NON-JOINER", ""},
    {0x200D, "ZERO WIDTH JOINER", ""},
    {0x2010, "HYPHEN", "-"},
    {0x2011, "NON-BREAKING HYPHEN", "-"},
    {0x2012, "FIGURE DASH", "-"},
    {0x2013, "EN DASH", "-"},
    {0x2014, "EM DASH", "-"},
    {0x2018, "LEFT SINGLE QUOTATION MARK", "'"},
    {0x2019, "RIGHT SINGLE QUOTATION MARK", "'"},
    {0x201C, "LEFT DOUBLE QUOTATION MARK", "\""},
    {0x201D, "RIGHT DOUBLE QUOTATION MARK", "\""},
    {0x2024, "ONE DOT LEADER", "."},
    {0x2026, "HORIZONTAL ELLIPSIS", "..."},
    {0x202F, "NARROW NO-BREAK SPACE", " "},
    {0x2060, "WORD JOINER", ""},
    {0x2192, "RIGHTWARDS ARROW", ""},
    {0x2212, "MINUS SIGN", "-"},
    {0x240D, "SYMBOL FOR CARRIAGE RETURN", ""},
    {0xFEFF, "ZERO WIDTH NO-BREAK SPACE (byte order mark)", ""},
};

static const struct lookalike *lookalike_of(uint32_t cp)
{
	size_t lo = 0, hi = sizeof lookalikes / sizeof lookalikes[0];
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (lookalikes[mid].cp == cp)
			return &lookalikes[mid];
		if (lookalikes[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* "U+043E CYRILLIC SMALL LETTER O" or "U+1F600, a character that is not
 * ASCII", for the character at s[off] (which is not ASCII). */
static char *describe_codepoint(const char *s, size_t len, size_t off)
{
	uint32_t cp;
	if (!utf8_decode(s + off, len - off, &cp))
		return xasprintf("the byte \\x%02X, which is not UTF-8", (unsigned char)s[off]);
	const struct lookalike *l = lookalike_of(cp);
	if (l)
		return xasprintf("U+%04X %s", (unsigned)cp, l->name);
	return xasprintf("U+%04X, a character that is not ASCII", (unsigned)cp);
}

/* The visible form of the one character at s[off], quoted. */
static char *quoted_char(const char *s, size_t len, size_t off)
{
	size_t i = off;
	char piece[16];
	size_t n = visible_char(s, len, &i, piece);
	return xasprintf("\"%.*s\"", (int)n, piece);
}

static int is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* "1 space", "2 tabs", "3 spaces and tabs": the run of blanks from off up
 * to a line's end; NULL when something else comes first. */
static char *trailing_blanks(const char *s, size_t len, size_t off)
{
	size_t i = off, spaces = 0;
	while (i < len && is_blank(s[i]))
		spaces += s[i++] == ' ';
	if (i == off || (i < len && s[i] != '\n' && s[i] != '\r'))
		return NULL;
	size_t n = i - off;
	const char *what = spaces == n ? "space" : spaces == 0 ? "tab" : NULL;
	if (!what)
		return xasprintf("%zu spaces and tabs", n);
	return xasprintf("%zu %s%s", n, what, n == 1 ? "" : "s");
}

static int is_number_char(int c)
{
	return (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' ||
	       c == 'E';
}

/* The number-like word around off in s: [*start, *end). */
static void number_word(const char *s, size_t len, size_t off, size_t *start, size_t *end)
{
	size_t b = off, e = off;
	while (b > 0 && is_number_char((unsigned char)s[b - 1]))
		b--;
	while (e < len && is_number_char((unsigned char)s[e]))
		e++;
	*start = b;
	*end = e;
}

/* Whether the lines holding eoff and aoff are equal but for ASCII case. */
static int lines_differ_in_case(const char *e, size_t elen, size_t eoff, const char *a,
				size_t alen, size_t aoff)
{
	size_t es = line_start_of(e, eoff), ee = line_end_of(e, elen, eoff);
	size_t as = line_start_of(a, aoff), ae = line_end_of(a, alen, aoff);
	if (ee - es != ae - as)
		return 0;
	return text_common_prefix(e + es, ee - es, a + as, ae - as, 1) == ee - es;
}

char *diff_cause(const char *e, size_t elen, size_t eoff, const char *a, size_t alen,
			size_t aoff, int flags)
{
	int ec = eoff < elen ? (unsigned char)e[eoff] : -1;
	int ac = aoff < alen ? (unsigned char)a[aoff] : -1;
	int line, col;
	utf8_position(a, alen, aoff, &line, &col);
	if (ac == '\r' && (aoff + 1 == alen || a[aoff + 1] == '\n') && (ec == '\n' || ec == -1))
		return xstrdup("Windows line endings: your lines end with \\r\\n (shown ␍); "
			       "end them with \\n only");
	if (ec == '\r' && (eoff + 1 == elen || e[eoff + 1] == '\n') && (ac == '\n' || ac == -1))
		return xstrdup("the expected output has Windows line endings (\\r\\n, shown ␍) "
			       "and yours ends its lines with \\n");
	if (!(flags & DIFF_RSTRIP)) {
		char *n = NULL, *s = NULL;
		if ((ec == '\n' || ec == -1 || ec == '\r') && (n = trailing_blanks(a, alen, aoff)))
			s = xasprintf("trailing whitespace: your line %d ends with %s that the "
				      "expected line does not have",
				      line, n);
		else if ((ac == '\n' || ac == -1 || ac == '\r') &&
			 (n = trailing_blanks(e, elen, eoff)))
			s = xasprintf("the expected line ends with %s that your line %d does not "
				      "have",
				      n, line);
		free(n);
		if (s)
			return s;
	}
	if (ac == '\t' && ec == ' ')
		return xstrdup("a tab (shown →) where the expected output has spaces");
	if (ec == '\t' && ac == ' ')
		return xstrdup("spaces where the expected output has a tab (shown →)");
	uint32_t ecp = 0, acp = 0;
	if (ec >= 0x80)
		utf8_decode(e + eoff, elen - eoff, &ecp);
	if (ac >= 0x80)
		utf8_decode(a + aoff, alen - aoff, &acp);
	/* two non-ASCII characters are named only when one is a known
	 * look-alike: é against è shows itself */
	int both = ec >= 0x80 && ac >= 0x80;
	if (((ac >= 0x80 && ec >= 0) || (ec >= 0x80 && ac >= 0)) &&
	    (!both || lookalike_of(ecp) || lookalike_of(acp))) {
		char *qa = quoted_char(a, alen, aoff), *qe = quoted_char(e, elen, eoff);
		char *da = ac >= 0x80 ? describe_codepoint(a, alen, aoff) : NULL;
		char *de = ec >= 0x80 ? describe_codepoint(e, elen, eoff) : NULL;
		char *s;
		if (da && de)
			s = xasprintf("your %s is %s; the expected %s is %s", qa, da, qe, de);
		else if (da)
			s = xasprintf("your %s is %s, not the ASCII %s that was expected", qa, da,
				      qe);
		else
			s = xasprintf("the expected %s is %s; yours is the ASCII %s", qe, de, qa);
		free(qa);
		free(qe);
		free(da);
		free(de);
		return s;
	}
	if (!(flags & DIFF_ICASE) && ec >= 0 && ac >= 0 && ec != ac &&
	    text_fold((unsigned char)ec, 1) == text_fold((unsigned char)ac, 1) &&
	    lines_differ_in_case(e, elen, eoff, a, alen, aoff))
		return xasprintf("line %d differs only in upper and lower case", line);
	if (is_number_char(ec) || is_number_char(ac)) {
		size_t es, ee, as, ae;
		double x, y;
		number_word(e, elen, eoff, &es, &ee);
		number_word(a, alen, aoff, &as, &ae);
		if (ee > es && ae > as && match_parse_number(e + es, ee - es, &x) == 0 &&
		    match_parse_number(a + as, ae - as, &y) == 0 && x == y)
			return xasprintf("the same number written differently: expected %.*s, "
					 "got %.*s",
					 (int)(ee - es > 40 ? 40 : ee - es), e + es,
					 (int)(ae - as > 40 ? 40 : ae - as), a + as);
	}
	return NULL;
}

/* How far before off (at most 16 bytes, within the line) the word that
 * holds off starts, in both texts (their bytes before the offsets agree). */
static size_t word_back(const char *e, size_t eoff, const char *a, size_t aoff)
{
	size_t back = 0;
	while (back < 16 && back < eoff && back < aoff) {
		unsigned char c = (unsigned char)a[aoff - back - 1];
		if (text_is_space(c) || text_is_space((unsigned char)e[eoff - back - 1]))
			break;
		back++;
	}
	/* do not start in the middle of a UTF-8 character */
	while (back > 0 && back < aoff && is_utf8_continuation((unsigned char)a[aoff - back]))
		back--;
	return back;
}

/* The quoted description of one side at off for a summary. */
static char *side_description(const char *s, size_t len, size_t off, size_t back, int flags)
{
	size_t end = line_end_of(s, len, off);
	if (flags & DIFF_RSTRIP) {
		size_t ls = line_start_of(s, off);
		end = ls + text_rstrip_len(s + ls, end - ls);
		if (end < off)
			end = off;
	}
	const char *ended = off >= len ? "end of output" : "end of line";
	if (end == off && back == 0)
		return xstrdup(ended);
	char *vis = match_visible(s + off - back, end - (off - back), MATCH_SNIPPET_MAX);
	/* "ab" alone would hide that the output stops there */
	char *q =
	    xasprintf("\"%s\"%s%s%s", vis, end == off && off >= len ? " (" : "",
		      end == off && off >= len ? ended : "", end == off && off >= len ? ")" : "");
	free(vis);
	return q;
}

void diff_text_at(struct match_diff *d, const char *e, size_t elen, size_t eoff, const char *a,
		  size_t alen, size_t aoff, int flags)
{
	/* back up to the start of a UTF-8 character both sides share */
	for (int i = 0; i < 3 && eoff > 0 && aoff > 0; i++) {
		int in_char = (aoff < alen && is_utf8_continuation((unsigned char)a[aoff])) ||
			      (eoff < elen && is_utf8_continuation((unsigned char)e[eoff]));
		if (!in_char || a[aoff - 1] == '\n' || e[eoff - 1] == '\n')
			break;
		eoff--;
		aoff--;
	}
	utf8_position(a, alen, aoff, &d->line, &d->col);
	int note = !(flags & DIFF_NO_EOL_NOTE);
	free(d->expected_excerpt);
	free(d->actual_excerpt);
	d->expected_excerpt = diff_line_excerpt(e, elen, eoff, note);
	d->actual_excerpt = diff_line_excerpt(a, alen, aoff, note);
	size_t back = word_back(e, eoff, a, aoff);
	free(d->cause);
	d->cause = diff_cause(e, elen, eoff, a, alen, aoff, flags);
	char *want = side_description(e, elen, eoff, back, flags);
	char *got = side_description(a, alen, aoff, back, flags);
	diff_set_summary(d, "line %d, column %d: expected %s, got %s", d->line, d->col, want, got);
	free(want);
	free(got);
}

/* ---- unified diff ---- */

struct dline {
	const char *p;
	size_t len;     /* without '\n' */
	size_t cmp_len; /* the part that counts (rstripped with DIFF_RSTRIP) */
	uint64_t hash;
	int has_nl;
};

static uint64_t line_hash(const char *p, size_t n, int icase)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= text_fold((unsigned char)p[i], icase);
		h *= 1099511628211ull;
	}
	return h;
}

static size_t split_lines(const char *s, size_t len, int flags, struct dline **out)
{
	size_t n = text_count_lines(s, len), i = 0, pos = 0;
	struct dline *v = xcalloc(n ? n : 1, sizeof *v);
	struct text_line tl;
	while (text_next_line(s, len, &pos, &tl)) {
		struct dline *l = &v[i++];
		l->p = tl.p;
		l->len = tl.len;
		l->has_nl = tl.has_nl;
		l->cmp_len = (flags & DIFF_RSTRIP) ? text_rstrip_len(tl.p, tl.len) : tl.len;
		l->hash = line_hash(tl.p, l->cmp_len, flags & DIFF_ICASE);
	}
	*out = v;
	return n;
}

static int lines_equal(const struct dline *x, const struct dline *y, int flags)
{
	if (x->hash != y->hash || x->cmp_len != y->cmp_len)
		return 0;
	if (!(flags & (DIFF_RSTRIP | DIFF_NO_EOL_NOTE)) && x->has_nl != y->has_nl)
		return 0;
	return text_common_prefix(x->p, x->cmp_len, y->p, y->cmp_len, flags & DIFF_ICASE) ==
	       x->cmp_len;
}

enum { OP_KEEP, OP_DEL, OP_INS };

struct myers {
	const struct dline *a, *b;
	long n, m;
	int flags;
	int32_t *trace; /* V after step d, for k in [-d, d], at trace[d*d + d + k] */
	long work;
};

/* Greedy forward Myers search; returns the edit distance, or -1 when it
 * exceeds the caps. */
static long myers_search(struct myers *my)
{
	long dmax = my->n + my->m < MYERS_MAX_D ? my->n + my->m : MYERS_MAX_D;
	int32_t *v = xcalloc((size_t)(2 * dmax + 3), sizeof *v);
	int32_t *vk = v + dmax + 1;
	my->trace = xmalloc((size_t)(dmax + 1) * (size_t)(dmax + 1) * sizeof(int32_t));
	for (long d = 0; d <= dmax; d++) {
		for (long k = -d; k <= d; k += 2) {
			long x = (k == -d || (k != d && vk[k - 1] < vk[k + 1])) ? vk[k + 1]
										: vk[k - 1] + 1;
			long y = x - k;
			my->work++;
			while (x < my->n && y < my->m &&
			       lines_equal(&my->a[x], &my->b[y], my->flags)) {
				x++;
				y++;
				my->work++;
			}
			vk[k] = (int32_t)x;
			my->trace[d * d + d + k] = (int32_t)x;
			if (x >= my->n && y >= my->m) {
				for (long j = k + 2; j <= d; j += 2)
					my->trace[d * d + d + j] = vk[j];
				free(v);
				return d;
			}
		}
		if (my->work > MYERS_MAX_WORK)
			break;
	}
	free(v);
	return -1;
}

/* Walks the trace back from (n, m), writing ops backwards from ops[end]. */
static long myers_backtrack(const struct myers *my, long dist, unsigned char *ops, long end)
{
	long x = my->n, y = my->m;
	for (long d = dist; d > 0; d--) {
		const int32_t *prev = my->trace + (d - 1) * (d - 1) + (d - 1);
		long k = x - y;
		int down = k == -d || (k != d && prev[k - 1] < prev[k + 1]);
		long pk = down ? k + 1 : k - 1;
		long px = prev[pk], py = px - pk;
		long mx = down ? px : px + 1;
		while (x > mx) {
			ops[--end] = OP_KEEP;
			x--;
			y--;
		}
		ops[--end] = down ? OP_INS : OP_DEL;
		x = px;
		y = py;
	}
	while (x > 0) {
		ops[--end] = OP_KEEP;
		x--;
	}
	return end;
}

/* Edit script turning a into b: OP_* per step; *nops gets its length. */
static unsigned char *edit_script(const struct dline *a, long n, const struct dline *b, long m,
				  int flags, long *nops)
{
	long pre = 0, suf = 0;
	while (pre < n && pre < m && lines_equal(&a[pre], &b[pre], flags))
		pre++;
	while (suf < n - pre && suf < m - pre &&
	       lines_equal(&a[n - 1 - suf], &b[m - 1 - suf], flags))
		suf++;
	struct myers my = {a + pre, b + pre, n - pre - suf, m - pre - suf, flags, NULL, 0};
	long dist = -1;
	if (my.n < INT32_MAX / 2 && my.m < INT32_MAX / 2)
		dist = myers_search(&my);
	long mid = dist >= 0 ? dist + (my.n + my.m - dist) / 2 : my.n + my.m;
	long total = pre + mid + suf;
	unsigned char *ops = xmalloc((size_t)total + 1);
	memset(ops, OP_KEEP, (size_t)pre);
	memset(ops + pre + mid, OP_KEEP, (size_t)suf);
	if (dist >= 0) {
		myers_backtrack(&my, dist, ops + pre, mid);
	} else {
		memset(ops + pre, OP_DEL, (size_t)my.n);
		memset(ops + pre + my.n, OP_INS, (size_t)my.m);
	}
	free(my.trace);
	*nops = total;
	return ops;
}

struct udiff_out {
	struct strbuf sb;
	size_t max;
	int truncated;
	int flags;
};

static void emit_line(struct udiff_out *o, char mark, const struct dline *l)
{
	if (o->truncated)
		return;
	char *vis = match_visible(l->p, l->len, DIFF_LINE_MAX);
	size_t need = strlen(vis) + 2;
	int note = !l->has_nl && !(o->flags & (DIFF_RSTRIP | DIFF_NO_EOL_NOTE));
	if (note)
		need += sizeof "\\ No newline at end of file\n" - 1;
	if (o->sb.len + need > o->max) {
		o->truncated = 1;
	} else {
		sb_addc(&o->sb, mark);
		sb_adds(&o->sb, vis);
		sb_addc(&o->sb, '\n');
		if (note)
			sb_adds(&o->sb, "\\ No newline at end of file\n");
	}
	free(vis);
}

/* End (exclusive) of the hunk whose first change is at ops[j]. */
static long hunk_end(const unsigned char *ops, long nops, long j)
{
	long last = j, k = j;
	while (k < nops) {
		if (ops[k] != OP_KEEP) {
			last = k++;
			continue;
		}
		long r = k;
		while (r < nops && ops[r] == OP_KEEP)
			r++;
		if (r - k > 2 * DIFF_CONTEXT || r == nops)
			break;
		k = r;
	}
	return last + 1 + DIFF_CONTEXT < nops ? last + 1 + DIFF_CONTEXT : nops;
}

static void emit_hunk(struct udiff_out *o, const unsigned char *ops, long hs, long he,
		      const struct dline *a, long ai, const struct dline *b, long bi)
{
	long na = 0, nb = 0;
	for (long j = hs; j < he; j++) {
		na += ops[j] != OP_INS;
		nb += ops[j] != OP_DEL;
	}
	char head[96];
	int hl = snprintf(head, sizeof head, "@@ -%ld,%ld +%ld,%ld @@\n", na ? ai + 1 : ai, na,
			  nb ? bi + 1 : bi, nb);
	if (o->sb.len + (size_t)hl > o->max) {
		o->truncated = 1;
		return;
	}
	sb_add(&o->sb, head, (size_t)hl);
	for (long j = hs; j < he && !o->truncated; j++) {
		if (ops[j] == OP_KEEP)
			emit_line(o, ' ', &b[bi]);
		else if (ops[j] == OP_DEL)
			emit_line(o, '-', &a[ai]);
		else
			emit_line(o, '+', &b[bi]);
		ai += ops[j] != OP_INS;
		bi += ops[j] != OP_DEL;
	}
}

static void emit_hunks(struct udiff_out *o, const unsigned char *ops, long nops,
		       const struct dline *a, const struct dline *b)
{
	long j = 0, ai = 0, bi = 0, prev_end = 0;
	while (j < nops && !o->truncated) {
		if (ops[j] == OP_KEEP) {
			j++;
			ai++;
			bi++;
			continue;
		}
		long back = j - prev_end < DIFF_CONTEXT ? j - prev_end : DIFF_CONTEXT;
		long hs = j - back, he = hunk_end(ops, nops, j);
		emit_hunk(o, ops, hs, he, a, ai - back, b, bi - back);
		for (; j < he; j++) {
			ai += ops[j] != OP_INS;
			bi += ops[j] != OP_DEL;
		}
		prev_end = he;
	}
}

char *diff_unified(const char *a, size_t alen, const char *b, size_t blen, const char *aname,
		   const char *bname, size_t max_bytes, int flags)
{
	struct dline *la, *lb;
	long n = (long)split_lines(a, alen, flags, &la);
	long m = (long)split_lines(b, blen, flags, &lb);
	long nops;
	unsigned char *ops = edit_script(la, n, lb, m, flags, &nops);
	struct udiff_out o = {{0}, max_bytes ? max_bytes : DIFF_DEFAULT_MAX, 0, flags};
	sb_add(&o.sb, "", 0);
	if (memchr(ops, OP_DEL, (size_t)nops) || memchr(ops, OP_INS, (size_t)nops)) {
		sb_addf(&o.sb, "--- %s\n+++ %s\n", aname ? aname : "expected",
			bname ? bname : "actual");
		emit_hunks(&o, ops, nops, la, lb);
		if (o.truncated)
			sb_adds(&o.sb, "... diff truncated\n");
	}
	free(ops);
	free(la);
	free(lb);
	return sb_detach(&o.sb, NULL);
}

char *text_unified_diff(const char *a, size_t alen, const char *b, size_t blen, const char *aname,
			const char *bname, size_t max_bytes)
{
	return diff_unified(a, alen, b, blen, aname, bname, max_bytes, 0);
}

/* ---- the legend of the marks ---- */

char *match_visible_legend(const char *const *texts, size_t n)
{
	static const struct {
		const char *mark, *meaning;
	} marks[] = {
	    {"\xc2\xb7", "· a space at the end of a line"},
	    {"\xe2\x86\x92", "→ a tab"},
	    {"\xe2\x90\x8d", "␍ a carriage return (\\r)"},
	    {"<U+", "<U+XXXX> an invisible character, or a real ·, →, ␍ or …, by its code point"},
	    {"\\x", "\\xNN a byte that is not UTF-8"},
	    {"\xe2\x80\xa6", "… the rest is cut"},
	};
	struct strbuf sb = {0};
	for (size_t m = 0; m < sizeof marks / sizeof marks[0]; m++) {
		for (size_t i = 0; i < n; i++) {
			if (texts[i] && strstr(texts[i], marks[m].mark)) {
				sb_addf(&sb, "%s%s", sb.len ? ", " : "", marks[m].meaning);
				break;
			}
		}
	}
	return sb.len ? sb_detach(&sb, NULL) : (sb_free(&sb), NULL);
}
