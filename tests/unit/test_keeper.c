/*
 * test_keeper.c - unit tests for the wire format between `grader sandbox`
 * and its keeper (grader/cli/sandbox_keeper.c): every field of a config
 * and of a result survives the trip, and a malformed message (cut short
 * anywhere, a byte too many, a NUL inside a string, a count past the
 * limits) is refused whole.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grader/cli/sandbox_keeper.h"

static const char *const argv_[] = {"/usr/bin/python3", "-c", "print('hi')", "", NULL};
static const char *const env_[] = {"A=b", "PATH=/usr/bin", NULL};
static const struct sbx_bind binds_[] = {{"/srv/data", "/data", 0}, {"/tmp/out", "/out", 1}};

static struct sbx_config full_config(void)
{
	struct sbx_config c;
	memset(&c, 0, sizeof c);
	c.argv = argv_;
	c.envp = env_;
	c.workdir = "/tmp/w";
	c.cwd = "/work/sub";
	c.binds = binds_;
	c.nbinds = 2;
	c.stdin_data = "in\0put";
	c.stdin_len = 6;
	c.wall_s = 2.5;
	c.cpu_s = 1.25;
	c.mem_bytes = 123456789;
	c.pids = 17;
	c.out_bytes = 4096;
	c.fsize_bytes = 1 << 20;
	c.tmp_bytes = 3 << 20;
	c.nofile = 99;
	c.share_net = 1;
	c.slot = 7;
	return c;
}

START_TEST(test_config_round_trip)
{
	struct sbx_config c = full_config();
	size_t len;
	char *wire = keeper_encode_config(&c, &len);
	struct keeper_req *q = keeper_decode_config(wire, len);
	ck_assert_ptr_nonnull(q);
	const struct sbx_config *d = keeper_req_config(q);
	for (int i = 0; argv_[i]; i++)
		ck_assert_str_eq(d->argv[i], argv_[i]);
	ck_assert_ptr_null(d->argv[4]);
	ck_assert_str_eq(d->envp[0], "A=b");
	ck_assert_str_eq(d->envp[1], "PATH=/usr/bin");
	ck_assert_ptr_null(d->envp[2]);
	ck_assert_str_eq(d->workdir, "/tmp/w");
	ck_assert_str_eq(d->cwd, "/work/sub");
	ck_assert_uint_eq(d->nbinds, 2);
	ck_assert_str_eq(d->binds[1].src, "/tmp/out");
	ck_assert_str_eq(d->binds[1].dst, "/out");
	ck_assert_int_eq(d->binds[1].writable, 1);
	ck_assert_int_eq(d->binds[0].writable, 0);
	ck_assert_ptr_null(d->stdin_path);
	ck_assert_uint_eq(d->stdin_len, 6);
	ck_assert_mem_eq(d->stdin_data, "in\0put", 6);
	ck_assert_double_eq(d->wall_s, 2.5);
	ck_assert_double_eq(d->cpu_s, 1.25);
	ck_assert_uint_eq(d->mem_bytes, 123456789);
	ck_assert_int_eq(d->pids, 17);
	ck_assert_uint_eq(d->out_bytes, 4096);
	ck_assert_uint_eq(d->fsize_bytes, 1 << 20);
	ck_assert_uint_eq(d->tmp_bytes, 3 << 20);
	ck_assert_int_eq(d->nofile, 99);
	ck_assert_int_eq(d->share_net, 1);
	ck_assert_int_eq(d->slot, 7);
	keeper_req_free(q);

	/* NULL stays NULL: no env, no work dir, slot -1 (any) */
	c.envp = NULL;
	c.workdir = NULL;
	c.stdin_data = NULL;
	c.stdin_len = 0;
	c.slot = -1;
	free(wire);
	wire = keeper_encode_config(&c, &len);
	q = keeper_decode_config(wire, len);
	ck_assert_ptr_nonnull(q);
	d = keeper_req_config(q);
	ck_assert_ptr_null(d->envp);
	ck_assert_ptr_null(d->workdir);
	ck_assert_ptr_null(d->stdin_data);
	ck_assert_int_eq(d->slot, -1);
	keeper_req_free(q);
	free(wire);
}
END_TEST

START_TEST(test_config_malformed)
{
	struct sbx_config c = full_config();
	size_t len;
	char *wire = keeper_encode_config(&c, &len);
	/* every message cut short is refused, and so is one byte too many */
	for (size_t n = 0; n < len; n++) {
		struct keeper_req *q = keeper_decode_config(wire, n);
		ck_assert_msg(q == NULL, "a request cut at %zu of %zu bytes was taken", n, len);
	}
	char *more = malloc(len + 1);
	memcpy(more, wire, len);
	more[len] = 0;
	ck_assert_ptr_null(keeper_decode_config(more, len + 1));
	free(more);
	/* a NUL inside a string: argv[0] "/usr/bin/python3" starts after the
	 * magic (8) and argc (8) and its length (8) */
	char *nul = malloc(len);
	memcpy(nul, wire, len);
	ck_assert_int_eq(nul[24], '/');
	nul[28] = '\0';
	ck_assert_ptr_null(keeper_decode_config(nul, len));
	/* another magic */
	memcpy(nul, wire, len);
	nul[0] ^= 1;
	ck_assert_ptr_null(keeper_decode_config(nul, len));
	/* an argc past the limit */
	memcpy(nul, wire, len);
	uint64_t huge = (uint64_t)1 << 40;
	memcpy(nul + 8, &huge, sizeof huge);
	ck_assert_ptr_null(keeper_decode_config(nul, len));
	free(nul);
	free(wire);
	/* no command at all */
	static const char *const none[] = {NULL};
	c.argv = none;
	wire = keeper_encode_config(&c, &len);
	ck_assert_ptr_null(keeper_decode_config(wire, len));
	free(wire);
}
END_TEST

static struct sbx_result full_result(void)
{
	struct sbx_result r;
	memset(&r, 0, sizeof r);
	r.verdict = SBX_SYSCALL_DENIED;
	r.exit_code = -1;
	r.signal = 31;
	r.wall_s = 0.125;
	r.cpu_s = 0.0625;
	r.peak_bytes = 1 << 22;
	r.out = malloc(4);
	memcpy(r.out, "a\0b", 4);
	r.out_len = 3;
	r.err = strdup("oops\n");
	r.err_len = 5;
	r.out_total = 1 << 30;
	r.err_total = 5;
	r.out_truncated = 1;
	snprintf(r.denied_syscall, sizeof r.denied_syscall, "ptrace");
	snprintf(r.refused_syscalls[0], sizeof r.refused_syscalls[0], "modify_ldt");
	snprintf(r.refused_syscalls[1], sizeof r.refused_syscalls[1], "syscall 460");
	r.nrefused = 2;
	r.refused_total = 3;
	r.mem_enforcement = "cgroup-v1";
	r.pids_enforcement = "rlimit";
	r.cpu_enforcement = "cgroup-v2";
	r.host_uid = 60007;
	snprintf(r.message, sizeof r.message, "a forbidden system call: ptrace");
	r.forks_refused = 4;
	r.stack_bytes = 8 << 20;
	return r;
}

START_TEST(test_result_round_trip)
{
	struct sbx_result r = full_result(), d;
	size_t len;
	int rc = 5;
	char *wire = keeper_encode_result(-1, &r, &len);
	ck_assert_int_eq(keeper_decode_result(wire, len, &rc, &d), 0);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(d.verdict, SBX_SYSCALL_DENIED);
	ck_assert_int_eq(d.exit_code, -1);
	ck_assert_int_eq(d.signal, 31);
	ck_assert_double_eq(d.wall_s, 0.125);
	ck_assert_double_eq(d.cpu_s, 0.0625);
	ck_assert_uint_eq(d.peak_bytes, 1 << 22);
	ck_assert_uint_eq(d.out_len, 3);
	ck_assert_mem_eq(d.out, "a\0b", 4); /* NUL-terminated too */
	ck_assert_str_eq(d.err, "oops\n");
	ck_assert_uint_eq(d.out_total, 1 << 30);
	ck_assert_int_eq(d.out_truncated, 1);
	ck_assert_int_eq(d.err_truncated, 0);
	ck_assert_str_eq(d.denied_syscall, "ptrace");
	ck_assert_int_eq(d.nrefused, 2);
	ck_assert_str_eq(d.refused_syscalls[1], "syscall 460");
	ck_assert_uint_eq(d.refused_total, 3);
	ck_assert_str_eq(d.mem_enforcement, "cgroup-v1");
	ck_assert_str_eq(d.pids_enforcement, "rlimit");
	ck_assert_str_eq(d.cpu_enforcement, "cgroup-v2");
	ck_assert_int_eq(d.host_uid, 60007);
	ck_assert_str_eq(d.message, "a forbidden system call: ptrace");
	ck_assert_int_eq(d.forks_refused, 4);
	ck_assert_uint_eq(d.stack_bytes, 8 << 20);
	sbx_result_free(&d);
	for (size_t n = 0; n < len; n++)
		ck_assert_msg(keeper_decode_result(wire, n, &rc, &d) < 0,
			      "a result cut at %zu of %zu bytes was taken", n, len);
	/* an enforcement name not the library's reads as "none" */
	r.cpu_enforcement = "cgroup-v9";
	free(wire);
	wire = keeper_encode_result(0, &r, &len);
	ck_assert_int_eq(keeper_decode_result(wire, len, &rc, &d), 0);
	ck_assert_str_eq(d.cpu_enforcement, "none");
	sbx_result_free(&d);
	free(wire);
	sbx_result_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("keeper");
	TCase *tc = tcase_create("wire");
	tcase_add_test(tc, test_config_round_trip);
	tcase_add_test(tc, test_config_malformed);
	tcase_add_test(tc, test_result_round_trip);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
