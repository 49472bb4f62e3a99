/*
 * test_beneath.c - unit tests for grader/util/beneath.c, the one walk of
 * hostile trees: every path stays below its root and never crosses a
 * symbolic link, whether a component or the last name is the link, and
 * whatever the link points at (outside, inside, or /proc magic).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grader/util/beneath.h"
#include "grader/util/util.h"

static char top[64];
static char *root, *outside;

static void setup(void)
{
	strcpy(top, "/tmp/test_beneath_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	root = path_join(top, "root");
	outside = path_join(top, "outside");
	ck_assert_int_eq(mkdir(root, 0755), 0);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	char *secret = path_join(outside, "secret");
	ck_assert_int_eq(write_file_atomic(secret, "SECRET", 6), 0);
	free(secret);
}

static void teardown(void)
{
	rm_rf(top);
	free(root);
	free(outside);
}

static char *in(const char *base, const char *rel)
{
	return path_join(base, rel);
}

static void put(const char *rel, const char *text)
{
	ck_assert_int_eq(beneath_write(root, rel, text, strlen(text), 0644), 0);
}

static void link_at(const char *target, const char *rel)
{
	char *p = in(root, rel);
	ck_assert_int_eq(symlink(target, p), 0);
	free(p);
}

static void outside_untouched(void)
{
	char *buf;
	size_t len;
	char *secret = in(outside, "secret");
	ck_assert_int_eq(read_file(secret, 100, &buf, &len), 0);
	ck_assert_str_eq(buf, "SECRET");
	free(buf);
	free(secret);
	char *other = in(outside, "x.txt");
	ck_assert_int_eq(access(other, F_OK), -1);
	free(other);
}

START_TEST(test_read_write)
{
	put("a/b/c.txt", "hello");
	char *buf;
	size_t len;
	ck_assert_int_eq(beneath_read(root, "a/b/c.txt", 100, &buf, &len), 0);
	ck_assert_uint_eq(len, 5);
	ck_assert_str_eq(buf, "hello");
	free(buf);
	ck_assert_int_eq(beneath_read(root, "./a/b/c.txt", 100, &buf, &len), 0);
	free(buf);
	/* over the cap: EFBIG, nothing returned */
	ck_assert_int_eq(beneath_read(root, "a/b/c.txt", 4, &buf, &len), -1);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_int_eq(beneath_read(root, "a/none", 100, &buf, &len), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* a directory is not a file */
	ck_assert_int_eq(beneath_read(root, "a/b", 100, &buf, &len), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(beneath_is_file(root, "a/b/c.txt"), 1);
	ck_assert_int_eq(beneath_is_file(root, "a/b"), 0);
	ck_assert_int_eq(beneath_is_file(root, "nothing"), 0);
	/* overwriting replaces the content */
	put("a/b/c.txt", "bye");
	ck_assert_int_eq(beneath_read(root, "a/b/c.txt", 100, &buf, &len), 0);
	ck_assert_str_eq(buf, "bye");
	free(buf);
}
END_TEST

START_TEST(test_links_refused)
{
	put("real/f.txt", "inside");
	link_at(outside, "out"); /* a folder link leading out */
	link_at("real", "in");   /* a folder link staying inside */
	char *secret = in(outside, "secret");
	link_at(secret, "file-out"); /* a file link leading out */
	free(secret);
	link_at("/proc/self/root", "magic"); /* the host's root through /proc */
	char *buf;
	size_t len;
	const char *bad[] = {"out/secret", "in/f.txt", "file-out", "magic/etc/passwd"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		errno = 0;
		ck_assert_msg(beneath_read(root, bad[i], 100, &buf, &len) == -1, "%s read", bad[i]);
		ck_assert_msg(errno == ELOOP, "%s: errno %d", bad[i], errno);
	}
	/* ".." and absolute paths never leave the root */
	ck_assert_int_eq(beneath_read(root, "../outside/secret", 100, &buf, &len), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(beneath_read(root, "/etc/passwd", 100, &buf, &len), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* folders: a link is never a folder of the tree */
	char *p = beneath_dir(root, "out");
	ck_assert_ptr_null(p);
	ck_assert_int_eq(errno, ELOOP);
	p = beneath_dir(root, "in");
	ck_assert_ptr_null(p);
	ck_assert_int_eq(errno, ELOOP);
	p = beneath_dir(root, "real/f.txt");
	ck_assert_ptr_null(p);
	ck_assert_int_eq(errno, ENOTDIR);
	p = beneath_dir(root, "real");
	ck_assert_ptr_nonnull(p);
	char *want = in(root, "real");
	ck_assert_str_eq(p, want);
	free(want);
	free(p);
	ck_assert_int_eq(beneath_is_file(root, "file-out"), 0);
	ck_assert_str_eq(beneath_strerror(ELOOP), "goes through a symbolic link");
}
END_TEST

START_TEST(test_write_never_follows)
{
	/* a link where the file goes is replaced, its target untouched */
	char *target = in(outside, "x.txt");
	link_at(target, "result.txt");
	free(target);
	put("result.txt", "mine");
	struct stat st;
	char *p = in(root, "result.txt");
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	free(p);
	/* a link where a folder goes: refused, nothing written outside */
	link_at(outside, "dir");
	ck_assert_int_eq(beneath_write(root, "dir/x.txt", "evil", 4, 0644), -1);
	ck_assert_int_eq(errno, ELOOP);
	ck_assert_int_eq(beneath_write(root, "../outside/x.txt", "evil", 4, 0644), -1);
	ck_assert_int_eq(errno, EINVAL);
	outside_untouched();
}
END_TEST

START_TEST(test_copy)
{
	put("src/deep/er/f.txt", "hello\n");
	put("src/run.sh", "#!/bin/sh\n");
	char *run = in(root, "src/run.sh");
	ck_assert_int_eq(chmod(run, 0755), 0);
	free(run);
	link_at("/etc/passwd", "src/escape");
	link_at(outside, "src/outdir");
	char *fifo = in(root, "src/fifo");
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	free(fifo);

	char *src = in(root, "src"), *dst = in(top, "copy");
	ck_assert_int_eq(beneath_copy_path(src, dst), 0);
	char *buf;
	size_t len;
	ck_assert_int_eq(beneath_read(dst, "deep/er/f.txt", 100, &buf, &len), 0);
	ck_assert_str_eq(buf, "hello\n");
	free(buf);
	struct stat st;
	char *p = in(dst, "run.sh");
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0755);
	free(p);
	/* links are copied as links, never as what they point at */
	p = in(dst, "escape");
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	free(p);
	p = in(dst, "outdir");
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	free(p);
	p = in(dst, "fifo");
	ck_assert_int_eq(lstat(p, &st), -1); /* fifos are not copied */
	free(p);
	ck_assert_int_eq(beneath_is_file(dst, "outdir/secret"), 0);
	outside_untouched();
	free(src);
	free(dst);
}
END_TEST

START_TEST(test_fifo_does_not_hang)
{
	char *fifo = in(root, "pipe");
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	free(fifo);
	char *buf;
	size_t len;
	ck_assert_int_eq(beneath_read(root, "pipe", 100, &buf, &len), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("beneath");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_read_write);
	tcase_add_test(tc, test_links_refused);
	tcase_add_test(tc, test_write_never_follows);
	tcase_add_test(tc, test_copy);
	tcase_add_test(tc, test_fifo_does_not_hang);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
