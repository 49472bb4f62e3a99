/*
 * test_files.c - unit tests for the files kind: the Dockerfile parser
 * (runners/dockerfile.c: continuations, comments, directives, stages, the
 * exec form, heredocs), every Dockerfile check's passes and failures, the
 * loader's errors at their positions (runners/files.c), and grading real
 * folders: exists, size, content, links and oversized files.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "grader/grade/grade.h"
#include "grader/grade/workdir.h"
#include "grader/model/exercise.h"
#include "grader/report/report.h"
#include "grader/util/util.h"
#include "runners/dockerfile.h"

#include "fixture.h"

static void parse(const char *text, struct dockerfile *df)
{
	dockerfile_parse(text, strlen(text), df);
}

/* Runs check on text; returns its problem count and leaves the message
 * in *msg (heap, "" when none). */
static int run(int (*check)(const struct dockerfile *, const char *, struct strbuf *),
	       const char *text, char **msg)
{
	struct dockerfile df;
	parse(text, &df);
	struct strbuf sb = {0};
	int n = check(&df, "Dockerfile", &sb);
	sb_addc(&sb, '\0');
	*msg = sb_detach(&sb, NULL);
	dockerfile_free(&df);
	return n;
}

static void holds(int (*check)(const struct dockerfile *, const char *, struct strbuf *),
		  const char *text)
{
	char *msg;
	int n = run(check, text, &msg);
	ck_assert_msg(n == 0, "expected no problem in:\n%s\ngot: %s", text, msg);
	free(msg);
}

static void breaks(int (*check)(const struct dockerfile *, const char *, struct strbuf *),
		   const char *text, const char *want)
{
	char *msg;
	int n = run(check, text, &msg);
	ck_assert_msg(n > 0, "expected a problem in:\n%s", text);
	ck_assert_msg(strstr(msg, want), "message lacks '%s': %s", want, msg);
	free(msg);
}

START_TEST(test_parse_continuations_comments)
{
	struct dockerfile df;
	parse("# syntax=docker/dockerfile:1\n"
	      "from python:3.12 as base\n"
	      "\n"
	      "# a comment\n"
	      "RUN apt-get update && \\\n"
	      "    # a comment inside the continuation\n"
	      "\n"
	      "    apt-get install -y curl \\   \n"
	      "    && rm -rf /var/lib/apt/lists\r\n"
	      "  cmd [\"python\", \"app.py\"]\n"
	      "ENTRYPOINT [\"a\", 1]\n"
	      "RUN [not json\n",
	      &df);
	ck_assert_uint_eq(df.n, 5);
	ck_assert_str_eq(df.v[0].cmd, "FROM");
	ck_assert_str_eq(df.v[0].args, "python:3.12 as base");
	ck_assert_int_eq(df.v[0].line, 2);
	ck_assert_str_eq(df.v[1].cmd, "RUN");
	ck_assert_int_eq(df.v[1].line, 5);
	ck_assert_str_eq(
	    df.v[1].args,
	    "apt-get update &&     apt-get install -y curl     && rm -rf /var/lib/apt/lists");
	ck_assert_str_eq(df.v[2].cmd, "CMD");
	ck_assert_int_eq(df.v[2].line, 10);
	ck_assert_int_eq(df.v[2].json, 1);
	ck_assert_uint_eq(df.v[2].argc, 2);
	ck_assert_str_eq(df.v[2].argv[1], "app.py");
	ck_assert_int_eq(df.v[3].json, 0); /* a number in the array: the shell form */
	ck_assert_int_eq(df.v[4].json, 0);
	ck_assert_int_eq(df.v[4].known, 1);
	dockerfile_free(&df);

	/* the escape directive; after the first instruction it is a comment */
	parse("# escape=`\nFROM x:1\nRUN dir c:\\ `\n  /w\n# escape=\\\nRUN a \\\nRUN b\n", &df);
	ck_assert_int_eq(df.escape, '`');
	ck_assert_uint_eq(df.n, 4);
	ck_assert_str_eq(df.v[1].args, "dir c:\\   /w");
	ck_assert_str_eq(df.v[2].args, "a \\");
	dockerfile_free(&df);

	/* a continuation at the end, an empty file, a file of comments */
	parse("FROM a:1\nRUN x \\\n", &df);
	ck_assert_uint_eq(df.n, 2);
	ck_assert_str_eq(df.v[1].args, "x");
	dockerfile_free(&df);
	parse("", &df);
	ck_assert_uint_eq(df.n, 0);
	dockerfile_free(&df);
	parse("# only\n\n   # comments\n", &df);
	ck_assert_uint_eq(df.n, 0);
	dockerfile_free(&df);
}
END_TEST

START_TEST(test_parse_heredoc_and_words)
{
	struct dockerfile df;
	parse("FROM a:1\nRUN <<EOF\nUSER root\nEOF\nCOPY <<-\"X\" /f\n\tbody\n\tX\nUSER app\n",
	      &df);
	ck_assert_uint_eq(df.n, 4);
	ck_assert_str_eq(df.v[1].args, "<<EOF\nUSER root\nEOF");
	ck_assert_str_eq(df.v[2].cmd, "COPY");
	ck_assert_str_eq(df.v[3].cmd, "USER");
	ck_assert_int_eq(df.v[3].line, 8);
	ck_assert_int_eq(df.heredoc_open, 0);
	dockerfile_free(&df);
	parse("FROM a:1\nRUN cat <<<here\nRUN <<END\nnever ended\n", &df);
	ck_assert_uint_eq(df.n, 3);
	ck_assert_int_eq(df.heredoc_open, 3);
	dockerfile_free(&df);

	/* each byte of an instruction maps back to its line */
	parse("FROM a:1\nENV A=1 \\\n# skipped\n\n  B=2 \\\n  C=3\nRUN <<EOF\nx\nEOF\n", &df);
	ck_assert_uint_eq(df.n, 3);
	const struct df_instr *env = &df.v[1];
	ck_assert_int_eq(df_line_at(env, 0), 2);
	ck_assert_int_eq(df_line_at(env, (size_t)(strstr(env->args, "B=2") - env->args)), 5);
	ck_assert_int_eq(df_line_at(env, (size_t)(strstr(env->args, "C=3") - env->args)), 6);
	const struct df_instr *run = &df.v[2];
	ck_assert_int_eq(df_line_at(run, (size_t)(strstr(run->args, "x") - run->args)), 8);
	ck_assert_int_eq(df_line_at(run, strlen(run->args) - 1), 9);
	dockerfile_free(&df);
	breaks(df_check_no_secrets, "FROM a:1\nENV A=1 \\\n# c\n  API_TOKEN=x\n",
	       "Dockerfile:4: ENV API_TOKEN=...");

	size_t n;
	char **w = df_words("A=\"b c\" D='e f' g\\ h  i", '\\', &n);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(w[0], "A=b c");
	ck_assert_str_eq(w[1], "D=e f");
	ck_assert_str_eq(w[2], "g h");
	ck_assert_str_eq(w[3], "i");
	ck_assert_ptr_null(w[4]);
	df_words_free(w);
}
END_TEST

START_TEST(test_syntax)
{
	holds(df_check_syntax, "ARG V=1\nFROM a:$V\nrun x\n");
	breaks(df_check_syntax, "FORM python:3.12\n",
	       "Dockerfile:1: 'FORM' is not a Dockerfile "
	       "instruction (did you mean FROM?)");
	breaks(df_check_syntax, "RUN x\nFROM a:1\n", "Dockerfile:1: RUN before the first FROM");
	breaks(df_check_syntax, "# nothing\n", "Dockerfile:1: no FROM instruction");
	breaks(df_check_syntax, "FROM a:1\nRUN <<EOF\n",
	       "Dockerfile:2: the heredoc that starts "
	       "here never ends");
}
END_TEST

START_TEST(test_base_pinned)
{
	holds(df_check_base_pinned, "FROM python:3.12-slim\n");
	holds(df_check_base_pinned, "FROM --platform=linux/amd64 python:3.12 AS b\nFROM b\n");
	holds(df_check_base_pinned, "FROM scratch\n");
	holds(df_check_base_pinned, "FROM localhost:5000/team/app:1.4\n");
	holds(df_check_base_pinned,
	      "FROM python@sha256:"
	      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n");
	holds(df_check_base_pinned, "ARG PY=3.12\nFROM python:${PY}-slim AS Build\nFROM build\n");
	holds(df_check_base_pinned, "ARG IMG=python:3.12\nFROM ${IMG}\n");
	breaks(df_check_base_pinned, "FROM python:latest\n",
	       "Dockerfile:1: FROM python:latest: pin the image to a version tag or a digest "
	       "(python:3.12-slim, python@sha256:...)");
	breaks(df_check_base_pinned, "\n\nFROM python\n",
	       "Dockerfile:3: FROM python has no tag, which means python:latest");
	breaks(df_check_base_pinned, "FROM localhost:5000/app\n",
	       "FROM localhost:5000/app has no tag");
	breaks(df_check_base_pinned, "FROM node:lts\n", "'lts' moves to every new release");
	breaks(df_check_base_pinned, "FROM python@sha256:abc\n", "the digest after @");
	breaks(df_check_base_pinned, "ARG IMG\nFROM $IMG\n",
	       "FROM $IMG: the image comes from a build argument with no default");
	breaks(df_check_base_pinned, "ARG IMG=python\nFROM ${IMG}\n",
	       "FROM ${IMG} (python) has no tag");
	/* a later stage is checked too; a name used before it is defined is an image */
	breaks(df_check_base_pinned, "FROM a:1 AS x\nFROM y AS z\nFROM x\n",
	       "Dockerfile:2: FROM y");
	breaks(df_check_base_pinned, "FROM x\nFROM a:1 AS x\n", "Dockerfile:1: FROM x has no tag");
	breaks(df_check_base_pinned, "RUN x\n", "no FROM instruction");
}
END_TEST

START_TEST(test_non_root)
{
	holds(df_check_non_root, "FROM a:1\nUSER app\n");
	holds(df_check_non_root, "FROM a:1\nuser 1000:1000\n");
	holds(df_check_non_root, "FROM a:1\nUSER root\nRUN x\nUSER app:app\n");
	holds(df_check_non_root, "FROM a:1 AS base\nUSER app\nFROM base\nRUN x\n");
	holds(df_check_non_root, "FROM a:1\nARG U=app\nUSER $U\n");
	holds(df_check_non_root, "FROM a:1\nUSER $SOMEONE\n"); /* cannot be told: accepted */
	breaks(df_check_non_root, "FROM a:1\nRUN x\n",
	       "Dockerfile:1: the final stage (Dockerfile:1) runs as root: add USER with a "
	       "non-root user after installing packages");
	breaks(df_check_non_root, "FROM a:1\nUSER app\nUSER root\n",
	       "Dockerfile:3: USER root: the final stage (Dockerfile:1) runs as root");
	breaks(df_check_non_root, "FROM a:1\nUSER 0:0\n", "USER 0:0");
	breaks(df_check_non_root, "FROM a:1\nENV U=root\nUSER ${U}\n", "USER ${U}");
	/* the USER of a builder stage is not the final stage's */
	breaks(df_check_non_root,
	       "FROM a:1 AS build\nUSER app\nFROM b:2\nCOPY --from=build /x /x\n",
	       "the final stage (Dockerfile:3) runs as root");
	/* a USER in a heredoc's body is no instruction */
	breaks(df_check_non_root, "FROM a:1\nRUN <<EOF\nUSER app\nEOF\n", "runs as root");
	breaks(df_check_non_root, "", "no FROM instruction");
}
END_TEST

START_TEST(test_no_secrets)
{
	holds(df_check_no_secrets, "FROM a:1\nENV PORT=8000 APP_ENV=prod\nARG DB_PASSWORD\n");
	holds(df_check_no_secrets, "FROM a:1\nENV DB_PASSWORD_FILE=/run/secrets/db\n");
	holds(df_check_no_secrets, "FROM a:1\nARG TOKEN\nENV TOKEN=$TOKEN API_KEY=${API_KEY}\n");
	holds(df_check_no_secrets, "FROM a:1\nENV SECRET=\"\"\n");
	breaks(df_check_no_secrets, "FROM a:1\nENV PORT=1 \\\n    DB_PASSWORD=hunter2\n",
	       "Dockerfile:3: ENV DB_PASSWORD=... puts a secret into the image; pass it at run "
	       "time");
	breaks(df_check_no_secrets, "FROM a:1\nenv Db_Password hunter two\n",
	       "ENV Db_Password=...");
	breaks(df_check_no_secrets, "ARG GITHUB_TOKEN=ghp_x\nFROM a:1\n",
	       "Dockerfile:1: ARG GITHUB_TOKEN=... gives a secret a default");
	breaks(df_check_no_secrets, "FROM a:1\nENV STRIPE_KEY=${K:-sk_live_1}\n", "STRIPE_KEY");
	char *msg;
	ck_assert_int_eq(run(df_check_no_secrets, "FROM a:1\nENV A_SECRET=1 B_TOKEN=2\n", &msg), 2);
	ck_assert_ptr_null(strstr(msg, "=1")); /* the value is never quoted */
	free(msg);
	ck_assert_int_eq(df_secret_name("AWS_SECRET_ACCESS_KEY"), 1);
	ck_assert_int_eq(df_secret_name("ssh_private_key"), 1);
	ck_assert_int_eq(df_secret_name("PATH"), 0);
	ck_assert_int_eq(df_secret_name("KEYBOARD"), 0);
}
END_TEST

START_TEST(test_exec_form)
{
	holds(df_check_exec_form, "FROM a:1\nCMD [\"python\", \"app.py\"]\n");
	holds(df_check_exec_form, "FROM a:1\nENTRYPOINT [\"tini\", \"--\"]\nCMD python app.py\n");
	holds(df_check_exec_form, "FROM a:1 AS b\nCMD [\"x\"]\nFROM b\nRUN y\n");
	breaks(df_check_exec_form, "FROM a:1\nCMD python app.py\n",
	       "Dockerfile:2: CMD python app.py is the shell form");
	breaks(df_check_exec_form, "FROM a:1\nCMD python app.py\n",
	       "(CMD [\"python\", \"app.py\"])");
	breaks(df_check_exec_form, "FROM a:1\nENTRYPOINT exec app\n", "ENTRYPOINT exec app is");
	breaks(df_check_exec_form, "FROM a:1\nRUN x\n", "has no CMD or ENTRYPOINT");
}
END_TEST

/* ---- the loader ---- */

static struct exercise *load(const char *checks, struct diag *d)
{
	char *text = xasprintf("id: t/img\ntitle: Image\nkind: files\nchecks:\n%s", checks);
	put("exercise.yaml", text);
	free(text);
	return exercise_load(root, d);
}

START_TEST(test_loader_good)
{
	struct diag d = {0};
	struct exercise *ex =
	    load("  - name: a\n    dockerfile: { base_pinned: true }\n"
		 "  - name: b\n    file: .dockerignore\n    exists: true\n"
		 "    size: { max: 10KiB }\n    contains: .env\n"
		 "  - name: c\n    file: x.txt\n    content: { regex: \"^a\", not: true }\n"
		 "  - name: d\n    file: .env\n    exists: false\n",
		 &d);
	diag_print(&d, stderr);
	ck_assert_ptr_nonnull(ex);
	ck_assert_uint_eq(ex->nchecks, 4);
	exercise_free(ex);
	diag_free(&d);
}
END_TEST

START_TEST(test_loader_errors)
{
	struct diag d = {0};
	struct exercise *ex =
	    load("  - name: nothing\n"                                      /* 5 */
		 "    file: a\n"                                            /* 6 */
		 "  - name: no file\n"                                      /* 7 */
		 "    exists: true\n"                                       /* 8 */
		 "  - name: typo\n"                                         /* 9 */
		 "    dockerfile: { base_pined: true }\n"                   /* 10 */
		 "  - name: mixed\n"                                        /* 11 */
		 "    contains: x\n"                                        /* 12 */
		 "    dockerfile: { no_secrets: true }\n"                   /* 13 */
		 "  - name: contradiction\n"                                /* 14 */
		 "    file: a\n"                                            /* 15 */
		 "    exists: false\n"                                      /* 16 */
		 "    size: { max: 1KiB }\n"                                /* 17 */
		 "  - name: two matchers\n"                                 /* 18 */
		 "    file: a\n"                                            /* 19 */
		 "    contains: x\n"                                        /* 20 */
		 "    content: { regex: \"(\" }\n"                          /* 21 */
		 "  - name: outside\n"                                      /* 22 */
		 "    file: ../etc/passwd\n"                                /* 23 */
		 "    exists: true\n"                                       /* 24 */
		 "  - name: off\n"                                          /* 25 */
		 "    dockerfile: { non_root_user: false, exec_form: 2 }\n" /* 26 */
		 "  - name: sizes\n"                                        /* 27 */
		 "    file: a\n"                                            /* 28 */
		 "    size: { min: 2KiB, max: 1KiB, maxx: 1 }\n"            /* 29 */
		 "  - name: limits\n"                                       /* 30 */
		 "    file: a\n"                                            /* 31 */
		 "    exists: true\n"                                       /* 32 */
		 "    limits: { wall: 1s }\n"                               /* 33 */
		 "    expect: { stdout: x }\n"                              /* 34 */
		 "  - name: empty\n"                                        /* 35 */
		 "    dockerfile: {}\n",                                    /* 36 */
		 &d);
	ck_assert_ptr_null(ex);
	has_diag(&d, 5, "check 'nothing' checks nothing: give it exists, size, content");
	has_diag(&d, 7, "check 'no file' has no 'file'");
	has_diag(&d, 10, "unknown key 'base_pined' (did you mean 'base_pinned'?)");
	has_diag(&d, 13, "check 'mixed' mixes 'dockerfile' with a content matcher");
	has_diag(&d, 16, "says 'exists: false' and also checks the file's size");
	has_diag(&d, 20, "has both 'content' and 'contains'");
	has_diag(&d, 23,
		 "'file' must be a relative path inside the submission, not '../etc/passwd'");
	has_diag(&d, 26, "'non_root_user: false' checks nothing");
	has_diag(&d, 26, "'exec_form'");
	has_diag(&d, 29, "unknown key 'maxx' (did you mean 'max'?)");
	has_diag(&d, 33, "a files check runs nothing, so it has no 'limits'");
	has_diag(&d, 34, "a files check has no 'expect'");
	has_diag(&d, 36, "'dockerfile' names no check");
	diag_free(&d);

	ex = load("  - name: sizes\n    file: a\n    size: { min: 2KiB, max: 1KiB }\n"
		  "  - name: bad re\n    file: a\n    content: { regex: \"(\" }\n",
		  &d);
	ck_assert_ptr_null(ex);
	has_diag(&d, 7, "'size': 'min' is larger than 'max'");
	has_diag(&d, 10, "bad regular expression");
	diag_free(&d);
}
END_TEST

/* ---- grading folders ---- */

static const struct check_result *grade_one(const char *checks, struct report *r)
{
	struct diag d = {0};
	struct exercise *ex = load(checks, &d);
	diag_print(&d, stderr);
	ck_assert_ptr_nonnull(ex);
	diag_free(&d);
	char err[256];
	char *subroot = path_join(root, "sub");
	struct submission *sub = submission_from_dir(subroot, err, sizeof err);
	ck_assert_ptr_nonnull(sub);
	char *scratch = workdir_scratch(err, sizeof err);
	struct grade_env env = {.now = time(NULL), .scratch = scratch};
	ck_assert_int_eq(grade_exercise(ex, sub, &env, r), 0);
	rm_rf(scratch);
	free(scratch);
	free(subroot);
	submission_free(sub);
	exercise_free(ex);
	return &r->ex[r->n - 1].checks[0];
}

static void outcome(const char *checks, enum check_status want, const char *msg)
{
	struct report r = {0};
	const struct check_result *cr = grade_one(checks, &r);
	ck_assert_msg(cr->status == want, "status %d, expected %d (%s)", cr->status, want,
		      cr->message ? cr->message : "");
	if (msg)
		ck_assert_msg(cr->message && strstr(cr->message, msg), "message '%s' lacks '%s'",
			      cr->message ? cr->message : "", msg);
	report_free(&r);
}

START_TEST(test_grade_files)
{
	put("sub/t/img/Dockerfile", "FROM python:latest\nUSER app\n");
	put("sub/t/img/.dockerignore", ".env\n");
	char *p = path_join(root, "sub/t/img/bin");
	ck_assert_int_eq(write_file_atomic(p, "a\0b", 3), 0);
	free(p);
	char *big = xmalloc((1u << 20) + 2);
	memset(big, '#', (1u << 20) + 1);
	big[(1u << 20) + 1] = '\0';
	put("sub/t/img/big", big);
	free(big);
	char *link = path_join(root, "sub/t/img/passwd");
	ck_assert_int_eq(symlink("/etc/passwd", link), 0);
	free(link);

	outcome("  - name: a\n    dockerfile: { non_root_user: true }\n", CHECK_PASSED, NULL);
	outcome("  - name: a\n    dockerfile: { base_pinned: true }\n", CHECK_FAILED,
		"Dockerfile:1: FROM python:latest: pin the image");
	outcome("  - name: a\n    file: .dockerignore\n    contains: .env\n", CHECK_PASSED, NULL);
	outcome(
	    "  - name: a\n    file: .dockerignore\n    content: { contains: .env, not: true }\n",
	    CHECK_FAILED, ".dockerignore: output unexpectedly matched");
	outcome("  - name: a\n    file: .dockerignore\n    size: { min: 1KiB }\n", CHECK_FAILED,
		".dockerignore is 5 bytes: the smallest size allowed is 1 KiB");
	outcome("  - name: a\n    file: big\n    size: { max: 1KiB }\n", CHECK_FAILED,
		"big is 1048577 bytes: the largest size allowed is 1 KiB");
	outcome("  - name: a\n    file: big\n    contains: x\n", CHECK_FAILED,
		"big is larger than 1 MiB");
	outcome("  - name: a\n    file: bin\n    dockerfile: { no_secrets: true }\n", CHECK_FAILED,
		"bin holds NUL bytes");
	outcome("  - name: a\n    file: passwd\n    contains: root\n", CHECK_FAILED,
		"passwd is a symbolic link");
	outcome("  - name: a\n    file: passwd\n    exists: false\n", CHECK_FAILED,
		"passwd must not exist, and it is there as a symbolic link");
	outcome("  - name: a\n    file: passwd/x\n    exists: true\n", CHECK_FAILED, "passwd/x");
	outcome("  - name: a\n    file: .env\n    exists: false\n", CHECK_PASSED, NULL);
	outcome("  - name: a\n    file: .dockerignore\n    exists: false\n", CHECK_FAILED,
		".dockerignore must not exist in the submission, and it does");
	outcome("  - name: a\n    file: nope\n    exists: true\n", CHECK_FAILED,
		"nope is missing from t/img/ of the submission");
	outcome("  - name: a\n    file: sub\n    exists: true\n", CHECK_FAILED, "sub is missing");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("files");
	TCase *tp = tcase_create("dockerfile");
	tcase_add_test(tp, test_parse_continuations_comments);
	tcase_add_test(tp, test_parse_heredoc_and_words);
	tcase_add_test(tp, test_syntax);
	tcase_add_test(tp, test_base_pinned);
	tcase_add_test(tp, test_non_root);
	tcase_add_test(tp, test_no_secrets);
	tcase_add_test(tp, test_exec_form);
	suite_add_tcase(s, tp);
	TCase *tl = tcase_create("kind");
	tcase_add_checked_fixture(tl, setup, teardown);
	tcase_add_test(tl, test_loader_good);
	tcase_add_test(tl, test_loader_errors);
	tcase_add_test(tl, test_grade_files);
	suite_add_tcase(s, tl);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
