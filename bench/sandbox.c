/*
 * sandbox.c - start-up cost of the sandbox, measured against bare
 * fork+exec of the same command in the same process, alternating the
 * modes so machine noise hits them alike. For /bin/true and python3 -c pass:
 *   bare      posix_spawn + waitpid of the command
 *   library   sbx_run() in this process (namespaces, seccomp, cgroups)
 *   cli       `grader sandbox --mem --pids --cpu -- CMD` spawned like a user would
 *             (through its keeper on a cgroup v1 host, as a user's would be)
 *   cli-own   the same with GRADER_SANDBOX_KEEPER=0: the run in the command
 *             line's own process, paying its cgroup v1 join every time
 *   bwrap     bubblewrap with a comparable set of namespaces, when installed
 *   isolate   `isolate --run` (IOI isolate 2.x, no --cg) in a box set up once,
 *             when installed
 * twice: back to back, and with runs 100 ms apart (real grading, where
 * the kernel's cgroup locks have cooled down between runs). Prints median
 * and p90 per mode, the ratio to bare and the time added, and the issue's
 * targets with whether this run met them. Usage: sandbox GRADER [RUNS].
 * Figures only, never pass/fail.
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

static double spawn_env(char *const argv[], char *const envp[])
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	double t = now();
	pid_t pid;
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp) != 0) {
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

static double spawn_wait(char *const argv[])
{
	return spawn_env(argv, environ);
}

/* environ with GRADER_SANDBOX_KEEPER=0: the CLI runs in its own process. */
static char **no_keeper_env(void)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **e = xcalloc(n + 2, sizeof *e);
	size_t j = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "GRADER_SANDBOX_KEEPER=", 22))
			e[j++] = environ[i];
	e[j] = "GRADER_SANDBOX_KEEPER=0";
	return e;
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

struct figures {
	double b50, b90, l50, l90, c50, c90, w50, w90, o50, o90;
	int have_bwrap;
	double i50, i90;
	int have_isolate;
};

static const char *bwrap_path(void)
{
	return access("/usr/bin/bwrap", X_OK) == 0 ? "/usr/bin/bwrap" : NULL;
}

/* isolate is not packaged in Debian 12: a build from source installs it in
 * /usr/local, a package in /usr. */
static const char *isolate_path(void)
{
	if (access("/usr/local/bin/isolate", X_OK) == 0)
		return "/usr/local/bin/isolate";
	return access("/usr/bin/isolate", X_OK) == 0 ? "/usr/bin/isolate" : NULL;
}

/* A box id away from 0, the one isolate's users and examples take. */
#define ISOLATE_BOX "7"

/* isolate --init or --cleanup of our box; its --init prints the box path. */
static void isolate_box(const char *iso, const char *action)
{
	char *argv[] = {(char *)iso, "--box-id=" ISOLATE_BOX, (char *)action, NULL};
	spawn_wait(argv);
}

static void print_row(const char *label, const char *mode, double m, double p90, double b50)
{
	if (!strcmp(mode, "bare"))
		printf("%-22s %-8s %9.3f %9.3f %8s %9s\n", label, mode, m * 1e3, p90 * 1e3, "1.00x",
		       "-");
	else
		printf("%-22s %-8s %9.3f %9.3f %7.2fx %+9.3f\n", label, mode, m * 1e3, p90 * 1e3,
		       m / b50, (m - b50) * 1e3);
}

/* gap_us: pause before each measured start (0: back to back). */
static struct figures bench(const char *grader, const char *label, char *const cmd[], int ncmd,
			    int runs, int gap_us)
{
	double *v[6];
	char **own_env = no_keeper_env();
	for (int i = 0; i < 6; i++)
		v[i] = xcalloc((size_t)runs, sizeof *v[i]);
	char *argv[32] = {(char *)grader, "sandbox", "--mem", "256MiB", "--pids", "64",
			  "--cpu", "5s", "--", NULL};
	int a = 9;
	for (int i = 0; i < ncmd; i++)
		argv[a++] = cmd[i];
	argv[a] = NULL;
	/* bubblewrap with the namespaces we make, /usr read-only, fresh /tmp,
	 * /proc and /dev; it sets no cgroup limits (it has none). */
	const char *bw = bwrap_path();
	char *bargv[48] = {(char *)bw, "--unshare-all", "--die-with-parent", "--ro-bind", "/usr",
			   "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64",
			   "/lib64", "--symlink", "usr/bin", "/bin", "--proc", "/proc", "--dev",
			   "/dev", "--tmpfs", "/tmp", "--", NULL};
	int b = 22;
	for (int i = 0; i < ncmd; i++)
		bargv[b++] = cmd[i];
	bargv[b] = NULL;
	/* isolate in the box main() set up; it binds /bin, /lib, /usr, /proc,
	 * /dev and a fresh /tmp and sets no cgroup limits (no --cg). */
	const char *iso = isolate_path();
	char *iargv[40] = {(char *)iso, "--box-id=" ISOLATE_BOX, "--run", "--", NULL};
	int c = 4;
	for (int i = 0; i < ncmd; i++)
		iargv[c++] = cmd[i];
	iargv[c] = NULL;
	for (int i = 0; i < 5; i++) { /* warm-up: page cache, slots, cgroups */
		spawn_wait(cmd);
		library_run((const char *const *)cmd);
		spawn_wait(argv);
		spawn_env(argv, own_env);
		if (bw)
			spawn_wait(bargv);
		if (iso)
			spawn_wait(iargv);
	}
	for (int i = 0; i < runs; i++) {
		usleep((useconds_t)gap_us);
		v[0][i] = spawn_wait(cmd);
		usleep((useconds_t)gap_us);
		v[1][i] = library_run((const char *const *)cmd);
		usleep((useconds_t)gap_us);
		v[2][i] = spawn_wait(argv);
		usleep((useconds_t)gap_us);
		v[4][i] = spawn_env(argv, own_env);
		if (bw) {
			usleep((useconds_t)gap_us);
			v[3][i] = spawn_wait(bargv);
		}
		if (iso) {
			usleep((useconds_t)gap_us);
			v[5][i] = spawn_wait(iargv);
		}
	}
	struct figures f = {pct(v[0], runs, 0.5), pct(v[0], runs, 0.9), pct(v[1], runs, 0.5),
			    pct(v[1], runs, 0.9), pct(v[2], runs, 0.5), pct(v[2], runs, 0.9),
			    bw ? pct(v[3], runs, 0.5) : 0, bw ? pct(v[3], runs, 0.9) : 0,
			    pct(v[4], runs, 0.5), pct(v[4], runs, 0.9), bw != NULL,
			    iso ? pct(v[5], runs, 0.5) : 0, iso ? pct(v[5], runs, 0.9) : 0,
			    iso != NULL};
	print_row(label, "bare", f.b50, f.b90, f.b50);
	print_row("", "library", f.l50, f.l90, f.b50);
	print_row("", "cli", f.c50, f.c90, f.b50);
	print_row("", "cli-own", f.o50, f.o90, f.b50);
	if (bw)
		print_row("", "bwrap", f.w50, f.w90, f.b50);
	if (iso)
		print_row("", "isolate", f.i50, f.i90, f.b50);
	for (int i = 0; i < 6; i++)
		free(v[i]);
	free(own_env);
	return f;
}

static const char *met(int ok)
{
	return ok ? "met" : "MISSED";
}

/* The targets of the sandbox-speed issue, for one schedule. */
static void print_targets(const char *schedule, const struct figures *t, const struct figures *py)
{
	printf("targets (%s):\n", schedule);
	printf("  /bin/true cli <= 3.0x bare: %.2fx %s", t->c50 / t->b50, met(t->c50 <= 3.0 * t->b50));
	if (t->have_bwrap)
		printf("; bubblewrap %.2fx", t->w50 / t->b50);
	if (t->have_isolate)
		printf("; isolate %.2fx, cli below it: %s", t->i50 / t->b50, met(t->c50 < t->i50));
	printf("\n");
	printf("  python3 -c pass adds <= 2.5 ms: library %+.2f ms %s, cli %+.2f ms %s\n",
	       (py->l50 - py->b50) * 1e3, met(py->l50 - py->b50 <= 2.5e-3),
	       (py->c50 - py->b50) * 1e3, met(py->c50 - py->b50 <= 2.5e-3));
	printf("  p90 <= 1.5x median: /bin/true library %.2f %s, cli %.2f %s; python3 library "
	       "%.2f %s, cli %.2f %s\n",
	       t->l90 / t->l50, met(t->l90 <= 1.5 * t->l50), t->c90 / t->c50,
	       met(t->c90 <= 1.5 * t->c50), py->l90 / py->l50, met(py->l90 <= 1.5 * py->l50),
	       py->c90 / py->c50, met(py->c90 <= 1.5 * py->c50));
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
	char *true_cmd[] = {"/bin/true", NULL};
	char *py_cmd[] = {"/usr/bin/python3", "-c", "pass", NULL};
	const struct {
		const char *name;
		int gap_us, runs;
	} schedules[] = {{"back to back", 0, runs}, {"100 ms apart", 100000, runs / 2}};
	const char *iso = isolate_path();
	if (iso) /* once for all runs, as a grader keeps its box */
		isolate_box(iso, "--init");
	for (size_t i = 0; i < sizeof schedules / sizeof schedules[0]; i++) {
		printf("sandbox start-up, %s, %d runs each after 5 warm-up runs (ms; added = "
		       "median - bare median)\n",
		       schedules[i].name, schedules[i].runs);
		printf("%-22s %-8s %9s %9s %8s %9s\n", "command", "mode", "median", "p90", "ratio",
		       "added");
		struct figures t = bench(argv[1], "/bin/true", true_cmd, 1, schedules[i].runs,
					 schedules[i].gap_us);
		struct figures py = bench(argv[1], "python3 -c pass", py_cmd, 3, schedules[i].runs,
					  schedules[i].gap_us);
		print_targets(schedules[i].name, &t, &py);
		printf("\n");
	}
	if (iso)
		isolate_box(iso, "--cleanup");
	if (!bwrap_path())
		printf("bubblewrap: not installed (apt-get install bubblewrap adds it to the "
		       "comparison)\n");
	if (!iso)
		printf("isolate: not installed (not packaged for Debian 12; built from source "
		       "into /usr/local it joins the comparison)\n");
	print_favordynmods();
	return 0;
}
