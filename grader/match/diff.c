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
		if (is_invisible_codepoint(cp))
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
	free(d->summary);
	d->summary = sb_detach(&sb, NULL);
}

void match_diff_free(struct match_diff *d)
{
	if (!d)
		return;
	free(d->summary);
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
