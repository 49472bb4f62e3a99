/*
 * sandbox.c - start-up cost of the sandbox, measured against bare
 * fork+exec of the same command in the same process, alternating the two
 * so machine noise hits both alike. For /bin/true and python3 -c pass:
 *   bare      posix_spawn + waitpid of the command
 *   library   sbx_run() in this process (namespaces, seccomp, cgroups)
 *   cli       `grader sandbox --mem --pids --cpu -- CMD` spawned like a user would
 * Prints median and p90 per mode, the ratio to bare and the time added.
 * Usage: sandbox GRADER [RUNS]. Figures only, never pass/fail.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grader/util/util.h"
#include "sandbox/sandbox.h"

extern char **environ;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double spawn_wait(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	double t = now();
	pid_t pid;
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		perror(argv[0]);
		exit(1);
	}
	int st;
	waitpid(pid, &st, 0);
	t = now() - t;
	posix_spawn_file_actions_destroy(&fa);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench: %s failed (status %d)\n", argv[0], st);
		exit(1);
	}
	return t;
}

static double library_run(const char *const argv[])
{
	struct sbx_config cfg = {0};
	cfg.argv = argv;
	cfg.mem_bytes = 256u << 20;
	cfg.pids = 64;
	cfg.cpu_s = 5;
	cfg.wall_s = 10;
	cfg.slot = -1;
	struct sbx_result res = {0};
	double t = now();
	int rc = sbx_run(&cfg, &res);
	t = now() - t;
	if (rc != 0 || res.verdict != SBX_OK || res.exit_code != 0) {
		fprintf(stderr, "bench: sandboxed %s failed: %s\n", argv[0], res.message);
		exit(1);
	}
	sbx_result_free(&res);
	return t;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	int i = (int)(p * (n - 1) + 0.5);
	return v[i];
}

static void bench(const char *grader, const char *label, char *const cmd[], int ncmd, int runs)
{
	double *bare = xcalloc((size_t)runs, sizeof *bare);
	double *lib = xcalloc((size_t)runs, sizeof *lib);
	double *cli = xcalloc((size_t)runs, sizeof *cli);
	char *argv[32] = {(char *)grader, "sandbox", "--mem", "256MiB", "--pids", "64",
			  "--cpu", "5s", "--", NULL};
	int a = 9;
	for (int i = 0; i < ncmd; i++)
		argv[a++] = cmd[i];
	argv[a] = NULL;
	for (int i = 0; i < 5; i++) { /* warm-up: page cache, slots, cgroups */
		spawn_wait(cmd);
		library_run((const char *const *)cmd);
		spawn_wait(argv);
	}
	for (int i = 0; i < runs; i++) {
		bare[i] = spawn_wait(cmd);
		lib[i] = library_run((const char *const *)cmd);
		cli[i] = spawn_wait(argv);
	}
	double b50 = pct(bare, runs, 0.5), b90 = pct(bare, runs, 0.9);
	double l50 = pct(lib, runs, 0.5), l90 = pct(lib, runs, 0.9);
	double c50 = pct(cli, runs, 0.5), c90 = pct(cli, runs, 0.9);
	printf("%-22s %-8s %9.3f %9.3f %8s %9s\n", label, "bare", b50 * 1e3, b90 * 1e3, "1.00x",
	       "-");
	printf("%-22s %-8s %9.3f %9.3f %7.2fx %+9.3f\n", "", "library", l50 * 1e3, l90 * 1e3,
	       l50 / b50, (l50 - b50) * 1e3);
	printf("%-22s %-8s %9.3f %9.3f %7.2fx %+9.3f\n", "", "cli", c50 * 1e3, c90 * 1e3, c50 / b50,
	       (c50 - b50) * 1e3);
	free(bare);
	free(lib);
	free(cli);
}

/* Joining a cgroup takes the kernel's global cgroup_threadgroup_rwsem for
 * writing, which waits for an RCU grace period (about 10 ms on the
 * development VM) unless a writer came shortly before or cgroup2 is
 * mounted with favordynmods. Say which, so figures are read right. */
static void print_favordynmods(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[1024];
	const char *state = "no cgroup2 mount";
	while (f && fgets(line, sizeof line, f)) {
		char *sep = strstr(line, " - cgroup2 ");
		if (!sep)
			continue;
		state = strstr(sep, "favordynmods") ? "on" : "off";
		break;
	}
	if (f)
		fclose(f);
	printf("cgroup2 favordynmods: %s (off: a run's first cgroup join may wait for an "
	       "RCU grace period; see docs/operations.md)\n",
	       state);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s GRADER [RUNS]\n", argv[0]);
		return 2;
	}
	int runs = argc > 2 ? atoi(argv[2]) : 100;
	if (runs < 50)
		runs = 50;
	printf("sandbox start-up, %d runs each after 5 warm-up runs (ms; added = median - bare "
	       "median)\n",
	       runs);
	printf("%-22s %-8s %9s %9s %8s %9s\n", "command", "mode", "median", "p90", "ratio",
	       "added");
	char *true_cmd[] = {"/bin/true", NULL};
	bench(argv[1], "/bin/true", true_cmd, 1, runs);
	char *py_cmd[] = {"/usr/bin/python3", "-c", "pass", NULL};
	bench(argv[1], "python3 -c pass", py_cmd, 3, runs);
	printf("targets: /bin/true cli median <= 2.5 ms; python3 -c pass cli adds <= 2.5 ms\n");
	print_favordynmods();
	return 0;
}
