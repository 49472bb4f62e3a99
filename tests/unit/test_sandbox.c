/*
 * test_sandbox.c - the sandbox library against real processes: exit
 * codes, stdin, every limit and its verdict, seccomp denials by name,
 * refused calls named without ending the run, the listed policy,
 * the filesystem view, the work dir, per-run uids, TCP into a sandboxed
 * server, killing, and inits born in their v1 cgroups by a launcher
 * reused run after run. Runs as root (per-slot uids, cgroups) or
 * unprivileged (rlimits); checks that need cgroups say so and adapt.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grader/grade/grade.h"
#include "grader/util/util.h"
#include "sandbox/internal.h"
#include "sandbox/sandbox.h"

static void config(struct sbx_config *cfg, const char *const *argv)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->argv = argv;
	cfg->slot = -1;
	cfg->wall_s = 10;
}

/* Runs argv with cfg's limits and returns the result (caller frees). */
static struct sbx_result run(struct sbx_config *cfg)
{
	struct sbx_result r;
	int rc = sbx_run(cfg, &r);
	ck_assert_msg(rc == 0, "sbx_run failed: %s", r.message);
	return r;
}

START_TEST(echo_output_and_exit)
{
	const char *argv[] = {"/bin/echo", "hello", NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	struct sbx_result r = run(&cfg);
	ck_assert_str_eq(sbx_verdict_name(r.verdict), "ok");
	ck_assert_int_eq(r.exit_code, 0);
	ck_assert_int_eq(r.signal, 0);
	ck_assert_str_eq(r.out, "hello\n");
	ck_assert_uint_eq(r.out_total, 6);
	ck_assert_int_eq(r.out_truncated, 0);
	sbx_result_free(&r);
}
END_TEST

START_TEST(python_exit_code_is_not_a_verdict)
{
	const char *argv[] = {"python3", "-c",
			      "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)",
			      NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	struct sbx_result r = run(&cfg);
	ck_assert_str_eq(sbx_verdict_name(r.verdict), "ok");
	ck_assert_int_eq(r.exit_code, 3);
	ck_assert_str_eq(r.out, "out\n");
	ck_assert_str_eq(r.err, "err\n");
	sbx_result_free(&r);
}
END_TEST

START_TEST(stdin_data_reaches_the_command)
{
	const char *argv[] = {"/bin/sh", "-c", "tr a-z A-Z", NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	cfg.stdin_data = "some input\nsecond line";
	cfg.stdin_len = strlen(cfg.stdin_data);
	struct sbx_result r = run(&cfg);
	ck_assert_str_eq(r.out, "SOME INPUT\nSECOND LINE");
	sbx_result_free(&r);
}
END_TEST

START_TEST(segfault_is_a_runtime_error)
{
	const char *argv[] = {"python3", "-c", "import os; os.kill(os.getpid(), 11)", NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	struct sbx_result r = run(&cfg);
	ck_assert_str_eq(sbx_verdict_name(r.verdict), "runtime-error");
	ck_assert_int_eq(r.signal, 11);
	ck_assert_int_eq(r.exit_code, -1);
	sbx_result_free(&r);
}
END_TEST

START_TEST(wall_timeout)
{
	/* Bounds are about behaviour, not speed: the sleeper is stopped at
	 * the limit, long before its 60 s would end. */
	const char *argv[] = {"/bin/sleep", "60", NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	cfg.wall_s = 0.3;
	double t0 = now_monotonic();
	struct sbx_result r = run(&cfg);
	ck_assert_str_eq(sbx_verdict_name(r.verdict), "wall-timeout");
	ck_assert_double_ge(r.wall_s, 0.29);
	ck_assert_double_lt(now_monotonic() - t0, 20);
	sbx_result_free(&r);
}
END_TEST

START_TEST(cpu_timeout_of_the_whole_tree)
{
	/* Two busy processes: the tree's CPU time, not one process's. */
	const char *argv[] = {"/bin/sh", "-c", "while :; do :; done & while :; do :; done", NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	cfg.cpu_s = 0.4;
	struct sbx_result r = run(&cfg);
	ck_assert_str_eq(sbx_verdict_name(r.verdict), "cpu-timeout");
	ck_assert_double_ge(r.cpu_s, 0.35);
	/* Killed near the limit, not at the 10 s wall limit; the margin
	 * allows a supervisor delayed on a loaded machine while two cores
	 * burn CPU. */
	if (strcmp(r.cpu_enforcement, "rlimit"))
		ck_assert_double_lt(r.cpu_s, 2.0);
	sbx_result_free(&r);
}
END_TEST

START_TEST(memory_limit_with_peak)
{
	const char *argv[] = {"python3", "-c", "a = bytearray(200 << 20); print(len(a))", NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	cfg.mem_bytes = 64ull << 20;
	struct sbx_result r = run(&cfg);
	if (!strcmp(r.mem_enforcement, "rlimit")) {
		/* RLIMIT_AS: the allocation fails inside Python instead. */
		ck_assert_int_ne(r.exit_code, 0);
		ck_assert_ptr_nonnull(strstr(r.err, "MemoryError"));
	} else {
		ck_assert_str_eq(sbx_verdict_name(r.verdict), "memory-limit");
		ck_assert_uint_ge(r.peak_bytes, 50ull << 20);
		ck_assert_uint_le(r.peak_bytes, 64ull << 20);
	}
	sbx_result_free(&r);
}
END_TEST

START_TEST(pids_limit)
{
	const char *argv[] = {"/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 1 & done; wait",
			      NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	cfg.pids = 6;
	struct sbx_result r = run(&cfg);
	if (strcmp(r.pids_enforcement, "rlimit"))
		ck_assert_str_eq(sbx_verdict_name(r.verdict), "process-limit");
	ck_assert_ptr_nonnull(strstr(r.err, "fork"));
	ck_assert_double_lt(r.wall_s, 9); /* the pids limit, not the 10 s wall limit */
	sbx_result_free(&r);
}
END_TEST

START_TEST(output_is_truncated_but_counted)
{
	const char *argv[] = {"python3", "-c", "print('x' * 10000)", NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	cfg.out_bytes = 100;
	struct sbx_result r = run(&cfg);
	ck_assert_str_eq(sbx_verdict_name(r.verdict), "output-limit");
	ck_assert_uint_eq(r.out_len, 100);
	ck_assert_int_eq(r.out_truncated, 1);
	ck_assert_uint_eq(r.out_total, 10001);
	sbx_result_free(&r);
}
END_TEST

START_TEST(denied_syscall_is_named)
{
	const char *argv[] = {"python3", "-c",
			      "import ctypes; print(ctypes.CDLL(None).unshare(0x10000000))", NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	struct sbx_result r = run(&cfg);
	ck_assert_str_eq(sbx_verdict_name(r.verdict), "syscall-denied");
	ck_assert_str_eq(r.denied_syscall, "unshare");
	ck_assert_ptr_nonnull(strstr(r.message, "unshare"));
	sbx_result_free(&r);
}
END_TEST

/* A call off the allow list fails (ENOSYS; EPERM where Docker answers
 * EPERM) and is named in the result, and the program goes on. */
START_TEST(refused_syscall_is_named_and_the_run_goes_on)
{
	const char *argv[] = {"python3", "-c",
			      "import ctypes, os\n"
			      "libc = ctypes.CDLL(None, use_errno=True)\n"
			      "for nr in (460, 154, 460, 450):\n"
			      "    r = libc.syscall(nr, 0, 0, 0, 0)\n"
			      "    print(nr, r, os.strerror(ctypes.get_errno()))\n",
			      NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	struct sbx_result r = run(&cfg);
	ck_assert_str_eq(sbx_verdict_name(r.verdict), "ok");
	ck_assert_int_eq(r.exit_code, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "460 -1 Function not implemented\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "154 -1 Function not implemented\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "450 -1 Operation not permitted\n"));
	/* distinct names, first seen first; every refusal counted */
	ck_assert_int_eq(r.nrefused, 3);
	ck_assert_str_eq(r.refused_syscalls[0], "syscall 460");
	ck_assert_str_eq(r.refused_syscalls[1], "modify_ldt");
	ck_assert_str_eq(r.refused_syscalls[2], "set_mempolicy_home_node");
	ck_assert_uint_eq(r.refused_total, 4);
	ck_assert_str_eq(r.denied_syscall, "");
	sbx_result_free(&r);
}
END_TEST

/* A seccomp filter of the program's own could answer a fatal call before
 * the sandbox's does: installing one is refused and named; other prctl
 * options and seccomp operations go on. */
START_TEST(own_seccomp_filter_is_refused)
{
	const char *argv[] = {"python3", "-c",
			      "import ctypes, os\n"
			      "libc = ctypes.CDLL(None, use_errno=True)\n"
			      "r = libc.prctl(22, 2, 0, 0, 0)\n"
			      "print(r, os.strerror(ctypes.get_errno()))\n"
			      "print(libc.prctl(21, 0, 0, 0, 0))\n" /* PR_GET_SECCOMP: 2, filtered */
			      "print(libc.syscall(317, 1, 0, 0))\n",  /* seccomp(SET_MODE_FILTER) */
			      NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	struct sbx_result r = run(&cfg);
	ck_assert_str_eq(sbx_verdict_name(r.verdict), "ok");
	ck_assert_str_eq(r.out, "-1 Operation not permitted\n2\n-1\n");
	ck_assert_int_eq(r.nrefused, 2);
	ck_assert_str_eq(r.refused_syscalls[0], "prctl(PR_SET_SECCOMP)");
	ck_assert_str_eq(r.refused_syscalls[1], "seccomp(SET_MODE_FILTER)");
	sbx_result_free(&r);
}
END_TEST

/* personality is decided in the filter: the Linux personas go on, any
 * other fails with EPERM without reaching the grader (not named). */
START_TEST(personality_is_decided_in_the_filter)
{
	const char *argv[] = {"python3", "-c",
			      "import ctypes, os\n"
			      "libc = ctypes.CDLL(None, use_errno=True)\n"
			      "print(libc.personality(0xffffffff), libc.personality(0x8),\n"
			      "      libc.personality(0), libc.personality(0x1234),\n"
			      "      os.strerror(ctypes.get_errno()))\n",
			      NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	struct sbx_result r = run(&cfg);
	ck_assert_str_eq(sbx_verdict_name(r.verdict), "ok");
	ck_assert_str_eq(r.out, "0 0 8 -1 Operation not permitted\n");
	ck_assert_int_eq(r.nrefused, 0);
	ck_assert_uint_eq(r.refused_total, 0);
	sbx_result_free(&r);
}
END_TEST

/* More refused calls than the cap: the run is killed with a message that
 * says so (the grader answers each one, so their number is bounded). */
START_TEST(refused_calls_past_the_cap_end_the_run)
{
	const char *argv[] = {"python3", "-c",
			      "import ctypes\n"
			      "libc = ctypes.CDLL(None)\n"
			      "for i in range(100000): libc.syscall(460)\n"
			      "print('not stopped')\n",
			      NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	struct sbx_result r = run(&cfg);
	ck_assert_str_eq(sbx_verdict_name(r.verdict), "syscall-denied");
	ck_assert_str_eq(r.denied_syscall, "syscall 460");
	ck_assert_uint_gt(r.refused_total, SBX_REFUSED_CAP);
	ck_assert_ptr_null(strstr(r.out, "not stopped"));
	ck_assert_ptr_nonnull(strstr(r.message, "more than 1000 refused system calls"));
	sbx_result_free(&r);
}
END_TEST

/* The policy as listed: each tier, and a listed name unknown to
 * libseccomp listed as refused, not allowed. */
START_TEST(policy_lists_every_tier)
{
	int read_ok = 0, pers = 0, eperm = 0, fatal = 0, other = 0, bad = 0;
	for (const char *const *l = sbx_allowed_syscalls(); *l; l++) {
		read_ok += !strcmp(*l, "allow read");
		pers += !strncmp(*l, "allow-if personality:", 21);
		eperm += !strcmp(*l, "refuse-eperm set_mempolicy_home_node");
		fatal += !strcmp(*l, "fatal unshare");
		other += !strncmp(*l, "refuse-enosys every other", 25);
		bad += !strcmp(*l, "allow unshare") || !strcmp(*l, "allow modify_ldt") ||
		       !strcmp(*l, "allow ptrace") ||
		       (!strncmp(*l, "allow ", 6) && strstr(*l, "unknown"));
	}
	ck_assert_int_eq(read_ok, 1);
	ck_assert_int_eq(pers, 1);
	ck_assert_int_eq(eperm, 1);
	ck_assert_int_eq(fatal, 1);
	ck_assert_int_eq(other, 1);
	ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(host_files_are_not_visible)
{
	const char *argv[] = {"/bin/sh", "-c",
			      "test ! -e /etc/shadow && test ! -e /root && test ! -e /home && "
			      "test -r /etc/passwd && ! touch /usr/x 2>/dev/null && "
			      "! touch /etc/x 2>/dev/null && touch /tmp/x && id -u",
			      NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	struct sbx_result r = run(&cfg);
	ck_assert_msg(r.exit_code == 0, "stderr: %s", r.err);
	ck_assert_str_eq(r.out, "1000\n");
	sbx_result_free(&r);
}
END_TEST

START_TEST(workdir_is_writable_and_shared)
{
	char dir[] = "/tmp/test-sandbox-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *in = path_join(dir, "in.txt");
	ck_assert_int_eq(write_file_atomic(in, "42\n", 3), 0);
	const char *argv[] = {"/bin/sh", "-c", "pwd; cat in.txt; echo made > /work/out.txt", NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	cfg.workdir = dir;
	struct sbx_result r = run(&cfg);
	ck_assert_msg(r.exit_code == 0, "stderr: %s", r.err);
	ck_assert_str_eq(r.out, "/work\n42\n");
	char *out = path_join(dir, "out.txt"), *data;
	size_t len;
	ck_assert_int_eq(read_file(out, 100, &data, &len), 0);
	ck_assert_str_eq(data, "made\n");
	free(data);
	free(out);
	free(in);
	rm_rf(dir);
	sbx_result_free(&r);
}
END_TEST

/* A hard link in the work dir to a file outside it: the run gets the
 * work dir, never the other file (handing the work dir to the run's uid
 * must not chown it, and the run cannot write it). */
START_TEST(hard_link_in_workdir_is_not_handed_over)
{
	if (geteuid() != 0)
		return; /* only root hands the work dir to another uid */
	char dir[] = "/tmp/test-sandbox-XXXXXX", outside[] = "/tmp/test-sandbox-host-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_ptr_nonnull(mkdtemp(outside));
	char *host = path_join(outside, "secret"), *linked = path_join(dir, "planted");
	ck_assert_int_eq(write_file_atomic(host, "host\n", 5), 0);
	ck_assert_int_eq(chmod(host, 0600), 0);
	ck_assert_int_eq(link(host, linked), 0);
	const char *argv[] = {"/bin/sh", "-c", "echo owned > planted; echo $? > rc; ls -n planted", NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	cfg.workdir = dir;
	struct sbx_result r = run(&cfg);
	struct stat st;
	ck_assert_int_eq(stat(host, &st), 0);
	ck_assert_int_eq(st.st_uid, 0); /* still root's */
	char *data;
	size_t len;
	ck_assert_int_eq(read_file(host, 100, &data, &len), 0);
	ck_assert_str_eq(data, "host\n"); /* and untouched */
	free(data);
	char *rc = path_join(dir, "rc");
	ck_assert_int_eq(read_file(rc, 100, &data, &len), 0); /* the run did run */
	ck_assert_str_ne(data, "0\n");
	free(data);
	free(rc);
	free(host);
	free(linked);
	rm_rf(dir);
	rm_rf(outside);
	sbx_result_free(&r);
}
END_TEST

START_TEST(concurrent_runs_get_different_uids)
{
	const char *argv[] = {"/bin/sleep", "0.3", NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	struct sbx_proc *a, *b;
	char err[256];
	ck_assert_msg(sbx_spawn(&cfg, &a, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(sbx_spawn(&cfg, &b, err, sizeof err) == 0, "%s", err);
	struct sbx_result ra, rb;
	ck_assert_int_eq(sbx_wait(a, 5, &ra), 1);
	ck_assert_int_eq(sbx_wait(b, 5, &rb), 1);
	ck_assert_str_eq(sbx_verdict_name(ra.verdict), "ok");
	ck_assert_str_eq(sbx_verdict_name(rb.verdict), "ok");
	if (geteuid() == 0) {
		ck_assert_int_ne(ra.host_uid, rb.host_uid);
		ck_assert_int_ge(ra.host_uid, 60000);
		ck_assert_int_ge(rb.host_uid, 60000);
	} else {
		ck_assert_int_eq(ra.host_uid, (int)geteuid());
	}
	sbx_result_free(&ra);
	sbx_result_free(&rb);
	sbx_proc_free(a);
	sbx_proc_free(b);
}
END_TEST

static const char *server_py =
	"import socket\n"
	"s = socket.socket()\n"
	"s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
	"s.bind(('127.0.0.1', 8000)); s.listen()\n"
	"while True:\n"
	"    c, _ = s.accept(); c.sendall(b'hello from inside\\n'); c.close()\n";

START_TEST(connect_tcp_to_a_server_inside)
{
	const char *argv[] = {"python3", "-c", server_py, NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	struct sbx_proc *p;
	char err[256];
	ck_assert_msg(sbx_spawn(&cfg, &p, err, sizeof err) == 0, "%s", err);
	ck_assert_int_ge(sbx_netns_fd(p), 0);
	int fd = sbx_connect_tcp(p, 8000, 5);
	ck_assert_int_ge(fd, 0);
	char buf[64] = "";
	size_t got = 0;
	ssize_t n;
	while ((n = read(fd, buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	ck_assert_str_eq(buf, "hello from inside\n");
	/* Nothing listens on another port: a bounded wait, then -1. */
	ck_assert_int_eq(sbx_connect_tcp(p, 8001, 0.2), -1);
	struct sbx_result r;
	ck_assert_int_eq(sbx_wait(p, 0.05, &r), 0); /* still serving */
	ck_assert_int_eq(sbx_kill(p, &r), 0);
	ck_assert_str_eq(sbx_verdict_name(r.verdict), "ok");
	ck_assert_int_eq(r.signal, 9);
	sbx_result_free(&r);
	sbx_proc_free(p);
}
END_TEST

static const char *two_ports_py =
	"import socket, sys, time\n"
	"a = socket.socket(); a.bind(('127.0.0.1', 8000)); a.listen()\n"
	"b = socket.socket(); b.bind(('0.0.0.0', 8002)); b.listen()\n"
	"print('listening', flush=True); print('on stderr', file=sys.stderr, flush=True)\n"
	"while True:\n"
	"    c, _ = a.accept(); c.sendall(b'hi\\n'); c.close()\n";

/* Where a server listens, an unconnected socket of its namespace that
 * connect() takes there, and its output read while it runs. */
START_TEST(listeners_socket_and_output_while_running)
{
	const char *argv[] = {"python3", "-c", two_ports_py, NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	struct sbx_proc *p;
	char err[256];
	ck_assert_msg(sbx_spawn(&cfg, &p, err, sizeof err) == 0, "%s", err);
	int fd = sbx_connect_tcp(p, 8000, 5); /* waits until it listens */
	ck_assert_int_ge(fd, 0);
	close(fd);
	struct sbx_listener l[8];
	int n = sbx_tcp_listeners(p, l, 8);
	ck_assert_int_eq(n, 2);
	int seen = 0;
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(l[i].ipv6, 0);
		if (l[i].port == 8000 && !strcmp(l[i].addr, "127.0.0.1"))
			seen |= 1;
		if (l[i].port == 8002 && !strcmp(l[i].addr, "0.0.0.0"))
			seen |= 2;
	}
	ck_assert_int_eq(seen, 3);

	fd = sbx_socket_tcp(p);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(8000)};
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
	char buf[16] = "";
	size_t got = 0;
	ssize_t k;
	while ((k = read(fd, buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)k;
	close(fd);
	ck_assert_str_eq(buf, "hi\n");

	size_t len;
	char *out = NULL;
	for (int i = 0; i < 100; i++) { /* the supervisor drains the pipes */
		free(out);
		out = sbx_output_peek(p, 1, &len);
		if (len)
			break;
		usleep(20000);
	}
	ck_assert_str_eq(out, "listening\n");
	free(out);
	out = NULL;
	for (int i = 0; i < 100; i++) {
		free(out);
		out = sbx_output_peek(p, 2, &len);
		if (len)
			break;
		usleep(20000);
	}
	ck_assert_str_eq(out, "on stderr\n");
	free(out);
	ck_assert_ptr_null(sbx_output_peek(p, 3, &len));
	struct sbx_result r;
	ck_assert_int_eq(sbx_kill(p, &r), 0);
	sbx_result_free(&r);
	sbx_proc_free(p);
}
END_TEST

START_TEST(kill_and_no_leftovers)
{
	/* A background child holding stdout open, double-forked: it dies with
	 * the command, so the run ends at once and the pipe closes. */
	const char *argv[] = {"/bin/sh", "-c", "(sleep 60 &) ; echo started", NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	double t0 = now_monotonic();
	struct sbx_result r = run(&cfg);
	ck_assert_str_eq(r.out, "started\n");
	ck_assert_double_lt(now_monotonic() - t0, 20); /* not the sleeper's 60 s */
	sbx_result_free(&r);

	const char *sleeper[] = {"/bin/sleep", "60", NULL};
	config(&cfg, sleeper);
	struct sbx_proc *p;
	char err[256];
	ck_assert_msg(sbx_spawn(&cfg, &p, err, sizeof err) == 0, "%s", err);
	t0 = now_monotonic();
	ck_assert_int_eq(sbx_kill(p, &r), 0);
	ck_assert_double_lt(now_monotonic() - t0, 20);
	ck_assert_int_eq(r.signal, 9);
	sbx_result_free(&r);
	sbx_proc_free(p);
}
END_TEST

/* Does /proc/PID/cgroup put pid in a grader-sandbox dir of the v1
 * hierarchy holding ctrl? */
static int in_run_cgroup(pid_t pid, const char *ctrl)
{
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
	FILE *f = fopen(path, "r");
	int found = 0;
	while (f && fgets(line, sizeof line, f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		if (strstr(c1 + 1, ctrl) && strstr(c2 + 1, "/grader-sandbox/slot-"))
			found = 1;
	}
	if (f)
		fclose(f);
	return found;
}

START_TEST(init_is_born_in_its_v1_cgroups_run_after_run)
{
	/* On cgroup v1 a launcher thread sitting in the slot's dirs clones
	 * init, so init is there from its first instruction with no
	 * migration, and the next run of this process reuses the launcher:
	 * same slot, counters of its own (a peak that does not carry the
	 * first run's 80 MiB). Root only: v1 dirs are root's here. */
	const char *hog[] = {"python3", "-c", "a = bytearray(80 << 20); a[-1] = 1", NULL};
	struct sbx_config cfg;
	config(&cfg, hog);
	cfg.mem_bytes = 256ull << 20;
	struct sbx_result r = run(&cfg);
	ck_assert_str_eq(sbx_verdict_name(r.verdict), "ok");
	int first_uid = r.host_uid;
	int v1 = !strcmp(r.mem_enforcement, "cgroup-v1") || !strcmp(r.pids_enforcement, "cgroup-v1");
	if (v1)
		ck_assert_uint_ge(r.peak_bytes, 80ull << 20);
	sbx_result_free(&r);
	if (!v1)
		return; /* no v1 hierarchy: init is cloned straight into v2 */

	const char *sleeper[] = {"/bin/sleep", "30", NULL};
	config(&cfg, sleeper);
	struct sbx_proc *p;
	char err[256];
	ck_assert_msg(sbx_spawn(&cfg, &p, err, sizeof err) == 0, "%s", err);
	ck_assert_ptr_nonnull(p->launcher);
	ck_assert_int_eq(p->cg.v1_born, 1);
	if (p->cg.mem == CG_V1)
		ck_assert_msg(in_run_cgroup(p->init_pid, "memory"), "init is not in its memory cgroup");
	if (p->cg.pids == CG_V1)
		ck_assert_msg(in_run_cgroup(p->init_pid, "pids"), "init is not in its pids cgroup");
	ck_assert_int_eq(sbx_kill(p, &r), 0);
	ck_assert_int_eq(r.host_uid, first_uid); /* the same launcher, the same slot */
	if (!strcmp(r.mem_enforcement, "cgroup-v1"))
		ck_assert_uint_lt(r.peak_bytes, 40ull << 20);
	sbx_result_free(&r);
	sbx_proc_free(p);

	/* A forked child has none of the parent's threads: it starts its own
	 * launcher in another slot and its run works. */
	pid_t child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		const char *t[] = {"/bin/true", NULL};
		struct sbx_config c;
		config(&c, t);
		struct sbx_result cr;
		int ok = sbx_run(&c, &cr) == 0 && cr.verdict == SBX_OK && cr.host_uid != first_uid;
		_exit(ok ? 0 : 1);
	}
	int st;
	ck_assert_int_eq(waitpid(child, &st, 0), child);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a forked child's run failed");
}
END_TEST

START_TEST(stale_tasks_in_a_slot_are_killed)
{
	/* A grader SIGKILLed in the instant between clone and its sandbox's
	 * PR_SET_PDEATHSIG leaves a tree in the slot's cgroups; the next run
	 * in that slot kills it. Made here by hand: a sleeper put into slot
	 * 9's cgroups without a run. Root only (registered only then): slots
	 * and their cgroups are root's. */
	struct sbx_cgroups cg = {0};
	sbx_cg_setup(&cg, 9, 64u << 20, 16);
	ck_assert_msg(cg.v2_dir || cg.pids_dir || cg.mem_dir, "no cgroup hierarchy to test with");
	pid_t stale = fork();
	ck_assert_int_ge(stale, 0);
	if (stale == 0) {
		execl("/bin/sleep", "sleep", "60", (char *)NULL);
		_exit(127);
	}
	char err[256];
	ck_assert_msg(sbx_cg_attach(&cg, stale, err, sizeof err) == 0, "%s", err);
	/* the run's cgroups are the slot's: sbx_run sets them up again */
	for (char **d = (char *[]){cg.mem_dir, cg.pids_dir, cg.cpu_dir, cg.v2_dir}, **e = d + 4;
	     d < e; d++)
		free(*d);

	const char *argv[] = {"/bin/true", NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	cfg.slot = 9;
	struct sbx_result r = run(&cfg);
	ck_assert_str_eq(sbx_verdict_name(r.verdict), "ok");
	ck_assert_int_eq(r.host_uid, 60009);
	sbx_result_free(&r);
	int status = 0;
	ck_assert_int_eq(waitpid(stale, &status, 0), stale);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		      "the stale sleeper was not killed (status 0x%x)", status);
}
END_TEST

START_TEST(empty_dirs_left_in_a_slot_do_not_fail_its_runs)
{
	/* A grader killed with SIGKILL leaves its slot's cgroup dirs behind,
	 * empty; the next run in that slot takes them over. Once the kill of
	 * stale tasks wrote cgroup.kill into the run's fresh v2 dir as well,
	 * and the init cloned there died at once ("cannot open the sandbox's
	 * namespaces"). Made here by hand: the v1 dirs without a v2 one. Root
	 * only, like the slots' cgroups. */
	struct sbx_cgroups cg = {0};
	sbx_cg_setup(&cg, 8, 64u << 20, 16);
	ck_assert_msg(cg.v2_dir || cg.pids_dir || cg.mem_dir, "no cgroup hierarchy to test with");
	if (cg.v2_dir)
		ck_assert_int_eq(rmdir(cg.v2_dir), 0);
	for (char **d = (char *[]){cg.mem_dir, cg.pids_dir, cg.cpu_dir, cg.v2_dir}, **e = d + 4;
	     d < e; d++)
		free(*d);
	const char *argv[] = {"/bin/true", NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	cfg.slot = 8;
	for (int i = 0; i < 2; i++) {
		struct sbx_result r = run(&cfg);
		ck_assert_msg(r.verdict == SBX_OK, "run %d: %s", i, r.message);
		ck_assert_int_eq(r.host_uid, 60008);
		sbx_result_free(&r);
	}
}
END_TEST

START_TEST(bad_config_is_an_internal_error)
{
	const char *argv[] = {NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	struct sbx_result r;
	ck_assert_int_eq(sbx_run(&cfg, &r), -1);
	ck_assert_str_eq(sbx_verdict_name(r.verdict), "internal-error");
	ck_assert_ptr_nonnull(strstr(r.message, "no command"));
	sbx_result_free(&r);
	const char *cmd[] = {"/bin/true", NULL};
	config(&cfg, cmd);
	cfg.workdir = "/nonexistent/dir";
	ck_assert_int_eq(sbx_run(&cfg, &r), -1);
	ck_assert_ptr_nonnull(strstr(r.message, "/nonexistent/dir"));
	sbx_result_free(&r);
}
END_TEST

START_TEST(setup_failure_with_binds_is_an_internal_error)
{
	/* The child cannot make the bind's destination (below a device
	 * node): its setup fails after the clone, with the bind's fd already
	 * handed over. This crashed the caller once (closed twice). */
	const char *argv[] = {"/bin/true", NULL};
	const struct sbx_bind bind = {"/tmp", "/dev/null/x", 0};
	struct sbx_config cfg;
	config(&cfg, argv);
	cfg.binds = &bind;
	cfg.nbinds = 1;
	struct sbx_result r;
	ck_assert_int_eq(sbx_run(&cfg, &r), -1);
	ck_assert_str_eq(sbx_verdict_name(r.verdict), "internal-error");
	ck_assert_ptr_nonnull(strstr(r.message, "setup failed"));
	sbx_result_free(&r);
}
END_TEST

/* A program that meets the pids limit and copes (the refused fork is
 * EAGAIN to it; it reaps what it has and exits 0) is ok, with the refusal
 * counted; the same program giving up with exit 3 is process-limit. */
START_TEST(pids_limit_handled_is_ok_given_up_is_process_limit)
{
	static const char script[] =
	    "import os, sys, signal\n"
	    "kids = []\n"
	    "try:\n"
	    "    while len(kids) < 50:\n"
	    "        pid = os.fork()\n"
	    "        if pid == 0:\n"
	    "            signal.pause(); os._exit(0)\n"
	    "        kids.append(pid)\n"
	    "except BlockingIOError:\n"
	    "    print('refused after', len(kids))\n"
	    "for k in kids: os.kill(k, 9); os.waitpid(k, 0)\n"
	    "sys.exit(int(sys.argv[1]))\n";
	const char *codes[] = {"0", "3"};
	for (int i = 0; i < 2; i++) {
		const char *argv[] = {"python3", "-c", script, codes[i], NULL};
		struct sbx_config cfg;
		config(&cfg, argv);
		cfg.pids = 5;
		struct sbx_result r = run(&cfg);
		ck_assert_msg(strstr(r.out, "refused after"), "no fork refused: %s %s", r.out, r.err);
		if (!strcmp(r.pids_enforcement, "rlimit")) {
			/* RLIMIT_NPROC refuses as well, but nothing counts it */
			ck_assert_int_eq(r.forks_refused, 0);
			ck_assert_str_eq(sbx_verdict_name(r.verdict), "ok");
		} else if (i == 0) {
			ck_assert_str_eq(sbx_verdict_name(r.verdict), "ok");
			ck_assert_int_eq(r.exit_code, 0);
			ck_assert_int_ge(r.forks_refused, 1);
			ck_assert_ptr_nonnull(strstr(r.message, "refused at the process limit"));
		} else {
			ck_assert_str_eq(sbx_verdict_name(r.verdict), "process-limit");
			ck_assert_int_eq(r.exit_code, 3);
			ck_assert_int_ge(r.forks_refused, 1);
		}
		sbx_result_free(&r);
	}
}
END_TEST

/* A segfault may be a stack overflow: the message says so and names the
 * stack limit the command had (the caller's RLIMIT_STACK). */
START_TEST(segfault_message_names_the_stack_limit)
{
	const char *argv[] = {"python3", "-c", "import os; os.kill(os.getpid(), 11)", NULL};
	struct sbx_config cfg;
	config(&cfg, argv);
	struct sbx_result r = run(&cfg);
	ck_assert_str_eq(sbx_verdict_name(r.verdict), "runtime-error");
	struct rlimit rl;
	ck_assert_int_eq(getrlimit(RLIMIT_STACK, &rl), 0);
	ck_assert_uint_eq(r.stack_bytes, rl.rlim_cur == RLIM_INFINITY ? 0 : rl.rlim_cur);
	ck_assert_ptr_nonnull(strstr(r.message, "stack overflow"));
	ck_assert_ptr_nonnull(strstr(r.message, r.stack_bytes ? "MiB" : "unlimited"));
	/* and the check's feedback says it too */
	struct check_result cr;
	memset(&cr, 0, sizeof cr);
	ck_assert_int_eq(grade_apply_sandbox(&cr, &r), 0);
	ck_assert_ptr_nonnull(cr.message);
	ck_assert_ptr_nonnull(strstr(cr.message, "crashed with signal 11"));
	ck_assert_ptr_nonnull(strstr(cr.message, "stack overflow"));
	if (r.stack_bytes) {
		char limit[32];
		snprintf(limit, sizeof limit, "%.1f MiB", (double)r.stack_bytes / 1048576.0);
		ck_assert_msg(strstr(cr.message, limit), "no %s in: %s", limit, cr.message);
	}
	free(cr.message);
	free(cr.verdict);
	sbx_result_free(&r);
}
END_TEST

static Suite *sandbox_suite(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("run");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, echo_output_and_exit);
	tcase_add_test(tc, python_exit_code_is_not_a_verdict);
	tcase_add_test(tc, stdin_data_reaches_the_command);
	tcase_add_test(tc, segfault_is_a_runtime_error);
	tcase_add_test(tc, wall_timeout);
	tcase_add_test(tc, cpu_timeout_of_the_whole_tree);
	tcase_add_test(tc, memory_limit_with_peak);
	tcase_add_test(tc, pids_limit);
	tcase_add_test(tc, output_is_truncated_but_counted);
	tcase_add_test(tc, denied_syscall_is_named);
	tcase_add_test(tc, refused_syscall_is_named_and_the_run_goes_on);
	tcase_add_test(tc, personality_is_decided_in_the_filter);
	tcase_add_test(tc, own_seccomp_filter_is_refused);
	tcase_add_test(tc, refused_calls_past_the_cap_end_the_run);
	tcase_add_test(tc, policy_lists_every_tier);
	tcase_add_test(tc, host_files_are_not_visible);
	tcase_add_test(tc, workdir_is_writable_and_shared);
	tcase_add_test(tc, hard_link_in_workdir_is_not_handed_over);
	tcase_add_test(tc, concurrent_runs_get_different_uids);
	tcase_add_test(tc, connect_tcp_to_a_server_inside);
	tcase_add_test(tc, listeners_socket_and_output_while_running);
	tcase_add_test(tc, kill_and_no_leftovers);
	if (geteuid() == 0) {
		tcase_add_test(tc, stale_tasks_in_a_slot_are_killed);
		tcase_add_test(tc, empty_dirs_left_in_a_slot_do_not_fail_its_runs);
		tcase_add_test(tc, init_is_born_in_its_v1_cgroups_run_after_run);
	}
	tcase_add_test(tc, bad_config_is_an_internal_error);
	tcase_add_test(tc, setup_failure_with_binds_is_an_internal_error);
	tcase_add_test(tc, pids_limit_handled_is_ok_given_up_is_process_limit);
	tcase_add_test(tc, segfault_message_names_the_stack_limit);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sandbox_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
