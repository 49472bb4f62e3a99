/*
 * main.c - proof that sandbox/ stands alone: this program includes only
 * sandbox/sandbox.h and is linked with only libsandbox.a, libseccomp and
 * libc (`make sandbox-lib`). It runs a few commands through sbx_run and
 * ends with "sandbox-alone: N passed, M failed", like every other suite
 * tests/run-all.sh sums.
 */
#include <stdio.h>
#include <string.h>

#include "sandbox/sandbox.h"

static int passed, failed;

static void check(int ok, const char *name, const struct sbx_result *r)
{
	if (ok) {
		printf("ok - %s\n", name);
		passed++;
		return;
	}
	printf("not ok - %s: verdict %s, exit %d, signal %d, message '%s', out '%s', err '%s'\n",
	       name, sbx_verdict_name(r->verdict), r->exit_code, r->signal, r->message,
	       r->out ? r->out : "", r->err ? r->err : "");
	failed++;
}

static void run(struct sbx_config *cfg, struct sbx_result *r)
{
	cfg->slot = -1;
	if (!cfg->wall_s)
		cfg->wall_s = 10;
	sbx_run(cfg, r);
}

static void test_echo(void)
{
	const char *argv[] = {"echo", "alone", NULL};
	struct sbx_config cfg = {.argv = argv};
	struct sbx_result r;
	run(&cfg, &r);
	check(r.verdict == SBX_OK && r.exit_code == 0 && r.out && !strcmp(r.out, "alone\n"),
	      "echo runs and its stdout is captured", &r);
	sbx_result_free(&r);
}

static void test_stdin_and_exit_code(void)
{
	const char *argv[] = {"sh", "-c", "cat; exit 3", NULL};
	struct sbx_config cfg = {.argv = argv, .stdin_data = "fed\n", .stdin_len = 4};
	struct sbx_result r;
	run(&cfg, &r);
	check(r.verdict == SBX_OK && r.exit_code == 3 && r.out && !strcmp(r.out, "fed\n"),
	      "stdin is fed and the exit code reported", &r);
	sbx_result_free(&r);
}

static void test_wall_timeout(void)
{
	const char *argv[] = {"sleep", "5", NULL};
	struct sbx_config cfg = {.argv = argv, .wall_s = 0.3};
	struct sbx_result r;
	run(&cfg, &r);
	check(r.verdict == SBX_WALL_TIMEOUT && r.wall_s < 3,
	      "a sleeper is stopped at its wall limit", &r);
	sbx_result_free(&r);
}

static void test_denied(void)
{
	const char *argv[] = {"unshare", "--user", "true", NULL};
	struct sbx_config cfg = {.argv = argv};
	struct sbx_result r;
	run(&cfg, &r);
	check(r.verdict == SBX_SYSCALL_DENIED && r.denied_syscall[0],
	      "creating a namespace is denied and named", &r);
	sbx_result_free(&r);
}

int main(void)
{
	test_echo();
	test_stdin_and_exit_code();
	test_wall_timeout();
	test_denied();
	printf("sandbox-alone: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
