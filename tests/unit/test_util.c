/*
 * test_util.c - unit tests for grader/util (util.c, utf8.c) and grader/model/diag.c.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grader/model/diag.h"
#include "grader/util/beneath.h"
#include "grader/util/utf8.h"
#include "grader/util/util.h"

START_TEST(test_durations)
{
	double s;
	ck_assert_int_eq(parse_duration("2s", &s), 0);
	ck_assert_double_eq_tol(s, 2.0, 1e-9);
	ck_assert_int_eq(parse_duration("500ms", &s), 0);
	ck_assert_double_eq_tol(s, 0.5, 1e-9);
	ck_assert_int_eq(parse_duration("1.5m", &s), 0);
	ck_assert_double_eq_tol(s, 90.0, 1e-9);
	ck_assert_int_eq(parse_duration("3", &s), 0);
	ck_assert_double_eq_tol(s, 3.0, 1e-9);
	ck_assert_int_eq(parse_duration("2x", &s), -1);
	ck_assert_int_eq(parse_duration("", &s), -1);
	ck_assert_int_eq(parse_duration("-1s", &s), -1);
	ck_assert_int_eq(parse_duration("nan", &s), -1);
}
END_TEST

START_TEST(test_sizes)
{
	uint64_t b;
	ck_assert_int_eq(parse_size("128MiB", &b), 0);
	ck_assert_uint_eq(b, 128ull << 20);
	ck_assert_int_eq(parse_size("64k", &b), 0);
	ck_assert_uint_eq(b, 65536);
	ck_assert_int_eq(parse_size("1G", &b), 0);
	ck_assert_uint_eq(b, 1ull << 30);
	ck_assert_int_eq(parse_size("4096", &b), 0);
	ck_assert_uint_eq(b, 4096);
	ck_assert_int_eq(parse_size("2MB", &b), 0);
	ck_assert_uint_eq(b, 2000000);
	ck_assert_int_eq(parse_size("12 parsecs", &b), -1);
	ck_assert_int_eq(parse_size("1e30", &b), -1);
}
END_TEST

START_TEST(test_paths)
{
	ck_assert(path_is_contained("a/b.txt"));
	ck_assert(path_is_contained("a/..b/c"));
	ck_assert(!path_is_contained("../x"));
	ck_assert(!path_is_contained("a/../../x"));
	ck_assert(!path_is_contained("a/.."));
	ck_assert(!path_is_contained("/etc/passwd"));
	ck_assert(!path_is_contained(""));
	char *p = path_join("/a/", "/b");
	ck_assert_str_eq(p, "/a/b");
	free(p);
	p = path_join("/a", "");
	ck_assert_str_eq(p, "/a");
	free(p);
}
END_TEST

START_TEST(test_strbuf)
{
	struct strbuf sb = {0};
	sb_adds(&sb, "abc");
	sb_addc(&sb, '-');
	sb_addf(&sb, "%d/%s", 42, "x");
	sb_add(&sb, "\0z", 2);
	size_t len;
	char *s = sb_detach(&sb, &len);
	ck_assert_uint_eq(len, 10);
	ck_assert_mem_eq(s, "abc-42/x\0z", 10);
	ck_assert_int_eq(s[10], 0);
	ck_assert_ptr_null(sb.buf);
	free(s);
	s = sb_detach(&sb, &len);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

START_TEST(test_shell_word)
{
	struct strbuf sb = {0};
	sb_add_shell_word(&sb, 0, "python/fizzbuzz");
	sb_addc(&sb, ' ');
	sb_add_shell_word(&sb, 0, "n = 15");
	sb_addc(&sb, ' ');
	sb_add_shell_word(&sb, 0, "it's");
	sb_addc(&sb, ' ');
	sb_add_shell_word(&sb, 0, "");
	sb_addc(&sb, ' ');
	sb_add_shell_word(&sb, 0, "$HOME;`x`");
	sb_addc(&sb, ' ');
	sb_add_shell_word(&sb, 1, "plain");
	ck_assert_str_eq(sb.buf, "python/fizzbuzz 'n = 15' 'it'\\''s' '' '$HOME;`x`' 'plain'");
	sb_free(&sb);
}
END_TEST

START_TEST(test_read_head)
{
	char dir[] = "/tmp/grader-head-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *p = path_join(dir, "f");
	ck_assert_int_eq(write_file_atomic(p, "abcdef", 6), 0);
	char *buf;
	size_t len;
	int more = -1;
	ck_assert_int_eq(read_file_head(p, 4, &buf, &len, &more), 0);
	ck_assert_uint_eq(len, 4);
	ck_assert_str_eq(buf, "abcd");
	ck_assert_int_eq(more, 1);
	free(buf);
	ck_assert_int_eq(read_file_head(p, 6, &buf, &len, &more), 0);
	ck_assert_str_eq(buf, "abcdef");
	ck_assert_int_eq(more, 0);
	free(buf);
	/* read_file still refuses a longer file */
	ck_assert_int_eq(read_file(p, 5, &buf, &len), -1);
	ck_assert_int_eq(errno, EFBIG);
	unlink(p);
	rmdir(dir);
	free(p);
}
END_TEST

START_TEST(test_hints)
{
	static const char *const keys[] = {"stdout", "stderr", "stdin", "exit_code", NULL};
	ck_assert_str_eq(closest_word("stdoutt", keys), "stdout");
	ck_assert_str_eq(closest_word("exitcode", keys), "exit_code");
	ck_assert_ptr_null(closest_word("banana", keys));
	ck_assert_uint_eq(edit_distance("kitten", "sitting"), 3);
}
END_TEST

START_TEST(test_files_and_trees)
{
	char tmpl[] = "/tmp/test_util-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	char *src = path_join(tmpl, "src/deep/er");
	ck_assert_int_eq(mkdir_p(src), 0);
	char *f = path_join(src, "f.txt");
	ck_assert_int_eq(write_file_atomic(f, "hello\n", 6), 0);
	char *link = path_join(tmpl, "src/escape");
	ck_assert_int_eq(symlink("/etc/passwd", link), 0);

	char *buf;
	size_t len;
	ck_assert_int_eq(read_file(f, 100, &buf, &len), 0);
	ck_assert_uint_eq(len, 6);
	ck_assert_str_eq(buf, "hello\n");
	free(buf);
	ck_assert_int_eq(read_file(f, 3, &buf, &len), -1);
	ck_assert_int_eq(errno, EFBIG);
	/* read_file never follows a symlink: learners' links stay links */
	ck_assert_int_eq(read_file(link, 1 << 20, &buf, &len), -1);

	char *top = path_join(tmpl, "src");
	char *dst = path_join(tmpl, "dst");
	ck_assert_int_eq(beneath_copy_path(top, dst), 0);
	char *copied = path_join(dst, "deep/er/f.txt");
	ck_assert_int_eq(read_file(copied, 100, &buf, &len), 0);
	ck_assert_str_eq(buf, "hello\n");
	free(buf);
	char *copied_link = path_join(dst, "escape");
	struct stat st;
	ck_assert_int_eq(lstat(copied_link, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));

	ck_assert_int_eq(rm_rf(tmpl), 0);
	ck_assert_int_eq(access("/etc/passwd", F_OK), 0); /* the link target survives */
	ck_assert_int_eq(access(tmpl, F_OK), -1);
	free(src), free(f), free(link), free(top), free(dst), free(copied), free(copied_link);
}
END_TEST

START_TEST(test_sha256)
{
	char hex[65];
	sha256_hex("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

START_TEST(test_diag)
{
	struct diag d = {0};
	diag_error(&d, "exercise.yaml", 12, 5, "unknown key '%s' (did you mean '%s'?)", "stdoutt",
		   "stdout");
	diag_add(&d, DIAG_WARNING, "course.yaml", 3, 0, "no due date");
	ck_assert_uint_eq(d.n, 2);
	ck_assert_uint_eq(d.errors, 1);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	diag_print(&d, f);
	fclose(f);
	ck_assert_str_eq(out, "exercise.yaml:12:5: error: unknown key 'stdoutt' (did you mean "
			      "'stdout'?)\ncourse.yaml:3: warning: no due date\n");
	free(out);
	diag_free(&d);
	ck_assert_uint_eq(d.n, 0);
}
END_TEST

/* diag_print sorts each file's diagnostics by line then column (ties in
 * the order added) and keeps the files in the order they first appeared. */
START_TEST(test_diag_sorted)
{
	struct diag d = {0};
	diag_error(&d, "a.yaml", 9, 3, "nine");
	diag_error(&d, "b.yaml", 1, 1, "b first");
	diag_error(&d, "a.yaml", 2, 7, "two seven");
	diag_error(&d, "a.yaml", 2, 3, "two three");
	diag_error(&d, "a.yaml", 0, 0, "whole file");
	diag_error(&d, "a.yaml", 2, 3, "two three again");
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	diag_print(&d, f);
	fclose(f);
	ck_assert_str_eq(out, "a.yaml: error: whole file\n"
			      "a.yaml:2:3: error: two three\n"
			      "a.yaml:2:3: error: two three again\n"
			      "a.yaml:2:7: error: two seven\n"
			      "a.yaml:9:3: error: nine\n"
			      "b.yaml:1:1: error: b first\n");
	/* the stored order is the order added */
	ck_assert_str_eq(d.v[0].message, "nine");
	free(out);
	diag_free(&d);
}
END_TEST

/* What utf8_decode says of the n bytes at s: its length, or 0. */
static size_t decoded(const char *s, size_t n, uint32_t *cp)
{
	*cp = 0xDEADu;
	return utf8_decode(s, n, cp);
}

START_TEST(test_utf8_decode_valid)
{
	uint32_t cp;
	ck_assert_uint_eq(decoded("A", 1, &cp), 1);
	ck_assert_uint_eq(cp, 0x41);
	ck_assert_uint_eq(decoded("", 1, &cp), 1); /* NUL is a character */
	ck_assert_uint_eq(cp, 0);
	ck_assert_uint_eq(decoded("\x7F", 1, &cp), 1);
	ck_assert_uint_eq(decoded("\xC2\x80", 2, &cp), 2); /* smallest 2-byte */
	ck_assert_uint_eq(cp, 0x80);
	ck_assert_uint_eq(decoded("\xC3\xA9", 2, &cp), 2); /* é */
	ck_assert_uint_eq(cp, 0xE9);
	ck_assert_uint_eq(decoded("\xE0\xA0\x80", 3, &cp), 3); /* smallest 3-byte */
	ck_assert_uint_eq(cp, 0x800);
	ck_assert_uint_eq(decoded("\xE2\x82\xAC", 3, &cp), 3); /* € */
	ck_assert_uint_eq(cp, 0x20AC);
	ck_assert_uint_eq(decoded("\xED\x9F\xBF", 3, &cp), 3); /* just below the surrogates */
	ck_assert_uint_eq(cp, 0xD7FF);
	ck_assert_uint_eq(decoded("\xEE\x80\x80", 3, &cp), 3); /* just above them */
	ck_assert_uint_eq(cp, 0xE000);
	ck_assert_uint_eq(decoded("\xEF\xBF\xBD", 3, &cp), 3);
	ck_assert_uint_eq(cp, 0xFFFD);
	ck_assert_uint_eq(decoded("\xF0\x90\x80\x80", 4, &cp), 4); /* smallest 4-byte */
	ck_assert_uint_eq(cp, 0x10000);
	ck_assert_uint_eq(decoded("\xF0\x9F\x98\x80", 4, &cp), 4); /* 😀 */
	ck_assert_uint_eq(cp, 0x1F600);
	ck_assert_uint_eq(decoded("\xF4\x8F\xBF\xBF", 4, &cp), 4); /* U+10FFFF */
	ck_assert_uint_eq(cp, 0x10FFFF);
	/* Only the first character counts; cp may be NULL. */
	ck_assert_uint_eq(utf8_decode("\xC3\xA9xyz", 5, NULL), 2);
}
END_TEST

START_TEST(test_utf8_decode_invalid)
{
	static const struct {
		const char *s;
		size_t n;
	} bad[] = {
	    {"\xC0\x80", 2},         /* overlong NUL */
	    {"\xC1\xBF", 2},         /* overlong U+7F */
	    {"\xE0\x80\x80", 3},     /* overlong NUL */
	    {"\xE0\x9F\xBF", 3},     /* overlong U+7FF */
	    {"\xF0\x80\x80\x80", 4}, /* overlong NUL */
	    {"\xF0\x8F\xBF\xBF", 4}, /* overlong U+FFFF */
	    {"\xED\xA0\x80", 3},     /* U+D800, the first surrogate */
	    {"\xED\xBF\xBF", 3},     /* U+DFFF, the last */
	    {"\xF4\x90\x80\x80", 4}, /* U+110000 */
	    {"\xF5\x80\x80\x80", 4}, /* no lead byte past F4 */
	    {"\xFF", 1},             /* never in UTF-8 */
	    {"\x80", 1},             /* stray continuation */
	    {"\xBF", 1},             /* stray continuation */
	    {"\xC3", 1},             /* truncated: the input ends */
	    {"\xE2\x82", 2},         /* truncated */
	    {"\xF0\x9F\x98", 3},     /* truncated */
	    {"\xC3\xA9", 1},         /* n too small for the character */
	    {"\xE2\x82"
	     "A",
	     3}, /* truncated: not a continuation */
	    {"\xF0\x9F\x98"
	     "A",
	     4}, /* truncated */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint32_t cp;
		ck_assert_msg(decoded(bad[i].s, bad[i].n, &cp) == 0, "case %zu accepted", i);
		ck_assert_uint_eq(cp, 0xDEADu); /* untouched */
	}
}
END_TEST

START_TEST(test_utf8_repair)
{
	/* Valid 1-4 byte characters pass unchanged. */
	const char ok[] = "a \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF";
	char *s = utf8_repair(ok, sizeof ok - 1, 0);
	ck_assert_str_eq(s, ok);
	free(s);
#define FFFD "\xEF\xBF\xBD"
	/* Each invalid byte becomes one U+FFFD. */
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"\xC0\x80", FFFD FFFD},
	    {"\xE0\x80\x80", FFFD FFFD FFFD},
	    {"\xF0\x80\x80\x80", FFFD FFFD FFFD FFFD},
	    {"\xED\xA0\x80", FFFD FFFD FFFD},
	    {"\xED\xBF\xBF", FFFD FFFD FFFD},
	    {"\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD},
	    {"x\xE2\x82", "x" FFFD FFFD},               /* truncated at the end */
	    {"\xF0\x9F\x98y", FFFD FFFD FFFD "y"},      /* truncated before y */
	    {"\x80\xC3\xA9\xFF", FFFD "\xC3\xA9" FFFD}, /* good kept between bad */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		s = utf8_repair(cases[i].in, strlen(cases[i].in), 0);
		ck_assert_msg(!strcmp(s, cases[i].want), "case %zu", i);
		free(s);
	}
	/* NUL is kept unless UTF8_NUL_INVALID says otherwise. */
	s = utf8_repair("a\0b", 3, 0);
	ck_assert_mem_eq(s, "a\0b", 4);
	free(s);
	s = utf8_repair("a\0b", 3, UTF8_NUL_INVALID);
	ck_assert_str_eq(s, "a" FFFD "b");
	free(s);
	s = utf8_repair("", 0, UTF8_NUL_INVALID);
	ck_assert_str_eq(s, "");
	free(s);
#undef FFFD
}
END_TEST

int main(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_durations);
	tcase_add_test(tc, test_shell_word);
	tcase_add_test(tc, test_read_head);
	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_paths);
	tcase_add_test(tc, test_strbuf);
	tcase_add_test(tc, test_hints);
	tcase_add_test(tc, test_files_and_trees);
	tcase_add_test(tc, test_sha256);
	tcase_add_test(tc, test_diag);
	tcase_add_test(tc, test_diag_sorted);
	tcase_add_test(tc, test_utf8_decode_valid);
	tcase_add_test(tc, test_utf8_decode_invalid);
	tcase_add_test(tc, test_utf8_repair);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
