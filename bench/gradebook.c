/*
 * gradebook.c - the daemon's gradebook on a real course's worth of
 * grades: a fresh SQLite store seeded through the queue as workers would
 * fill it (enqueue, lease, complete with a report), 1,000 learners x 5
 * pushes, each report grading every exercise of the bundled course (25)
 * with 5 checks. Then, from the store, 20 times each: a page of the
 * gradebook (100 learners, what /gradebook shows), an exercise's
 * statistics, one learner's grades, the whole gradebook and its CSV; and
 * over HTTP from `grader serve` on that store (what the pages fetch): a
 * gradebook page, an exercise's statistics and a learner's reports (the
 * learner page). Prints medians and p90 (target: p50 under 200 ms each).
 * Usage: gradebook GRADER [RUNS] (RUNS unused; BENCH_LEARNERS overrides
 * 1000; ROOT names the checkout, default "."). Figures only.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <cjson/cJSON.h>
#include <signal.h>
#include <sys/wait.h>

#include "grader/daemon/queue.h"
#include "grader/model/diag.h"
#include "grader/model/exercise.h"
#include "grader/util/util.h"

enum { CHECKS = 5, PUSHES = 5, READS = 20 };

/* The bundled course's exercise ids (the course the daemon serves). */
static const struct course *course;
#define EXERCISES ((int)course->n)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return v[(int)(p * (n - 1) + 0.5)];
}

/* A report of 27 exercises whose scores improve with the push. */
static char *make_report(int learner, int push)
{
	struct strbuf sb = {0};
	sb_adds(&sb, "{\"schema_version\":1,\"status\":\"failed\",\"exercises\":[");
	for (int e = 0; e < EXERCISES; e++) {
		int passed = 0;
		struct strbuf checks = {0};
		for (int c = 0; c < CHECKS; c++) {
			int ok = (learner + e + c) % (PUSHES + 1) <= push;
			passed += ok;
			sb_addf(&checks, "%s{\"name\":\"check %d\",\"status\":\"%s\",\"score\":%d,"
					 "\"max_score\":1}",
				c ? "," : "", c, ok ? "passed" : "failed", ok);
		}
		char *cs = sb_detach(&checks, NULL);
		sb_addf(&sb, "%s{\"id\":\"%s\",\"status\":\"%s\",\"score\":%d,"
			     "\"max_score\":%d,\"checks\":[%s]}",
			e ? "," : "", course->ex[e]->id, passed == CHECKS ? "passed" : "failed", passed,
			CHECKS, cs);
		free(cs);
	}
	sb_adds(&sb, "]}");
	return sb_detach(&sb, NULL);
}

static void die(const char *what, const char *err)
{
	fprintf(stderr, "bench gradebook: %s: %s\n", what, err);
	exit(1);
}

static void seed(struct queue *q, int learners)
{
	char err[512];
	for (int push = 0; push < PUSHES; push++) {
		for (int l = 0; l < learners; l++) {
			char learner[32], repo[80], commit[41];
			snprintf(learner, sizeof learner, "learner%04d", l);
			snprintf(repo, sizeof repo, "https://git.example/%s/course.git", learner);
			snprintf(commit, sizeof commit, "%08x%032x", (unsigned)l, (unsigned)push);
			struct job_spec spec = {.learner = learner, .repo = repo,
						.ref = "refs/heads/main", .commit = commit,
						.source = "push"};
			int64_t id;
			int dedup;
			if (queue_enqueue(q, &spec, &id, &dedup, err, sizeof err))
				die("enqueue", err);
			struct job j;
			int got;
			if (queue_lease(q, "bench", 60, &j, &got, err, sizeof err) || !got)
				die("lease", got ? err : "no job");
			char *report = make_report(l, push);
			if (queue_complete(q, j.id, "bench", report, "failed", NULL, err, sizeof err))
				die("complete", err);
			free(report);
			job_free(&j);
		}
	}
}

typedef void (*read_fn)(struct queue *q, int learners);

static void read_all(struct queue *q, int learners)
{
	(void)learners;
	char err[512];
	struct gradebook gb;
	if (queue_gradebook(q, NULL, &gb, err, sizeof err))
		die("gradebook", err);
	gradebook_free(&gb);
}

static void read_one(struct queue *q, int learners)
{
	char err[512], learner[32];
	snprintf(learner, sizeof learner, "learner%04d", (int)(now() * 1000) % learners);
	struct gradebook gb;
	if (queue_gradebook(q, learner, &gb, err, sizeof err))
		die("gradebook", err);
	gradebook_free(&gb);
}

static void read_page(struct queue *q, int learners)
{
	char err[512];
	struct gradebook gb;
	long offset = (long)(now() * 1000) % (learners > 100 ? learners - 100 : 1);
	struct gradebook_page pg = {.offset = offset, .limit = 100};
	if (queue_gradebook_page(q, NULL, &pg, &gb, err, sizeof err))
		die("gradebook page", err);
	gradebook_free(&gb);
}

static void read_stats(struct queue *q, int learners)
{
	char err[512], id[128];
	int e = (int)(now() * 1000) % EXERCISES;
	snprintf(id, sizeof id, "%s", course->ex[e]->id);
	struct exercise_stats st;
	if (queue_exercise_stats(q, id, &st, err, sizeof err))
		die("stats", err);
	if (st.learners != learners)
		die("stats", "the exercise's statistics miss learners");
	cJSON_Delete(exercise_stats_json(id, &st));
	exercise_stats_free(&st);
}

static void read_csv(struct queue *q, int learners)
{
	(void)learners;
	char err[512];
	struct gradebook gb;
	if (queue_gradebook(q, NULL, &gb, err, sizeof err))
		die("gradebook", err);
	free(gradebook_csv(&gb));
	gradebook_free(&gb);
}

static void measure(const char *label, read_fn fn, struct queue *q, int learners)
{
	double v[READS];
	fn(q, learners); /* warm-up */
	for (int i = 0; i < READS; i++) {
		double t = now();
		fn(q, learners);
		v[i] = now() - t;
	}
	double p50 = pct(v, READS, 0.5), p90 = pct(v, READS, 0.9);
	printf("%-34s %9.1f %9.1f   %s\n", label, p50 * 1e3, p90 * 1e3,
	       p50 < 0.2 ? "met" : "MISSED");
}

/* ---- over HTTP, from grader serve ---- */

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	*(size_t *)ctx += size * n;
	return size * n;
}

/* GET path with the admin token; the HTTP status, bytes in *len. */
static long http_get(int port, const char *path, size_t *len)
{
	char url[512];
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "Authorization: Bearer bench-admin");
	*len = 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, len);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	long status = 0;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}

/* A port no one listens on now: the kernel's pick for port 0 (as
 * bench/daemon.sh does), given back for the daemon to bind. */
static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		die("port", "cannot find a free port");
	close(fd);
	return ntohs(a.sin_port);
}

enum http_read { HTTP_PAGE, HTTP_STATS, HTTP_REPORTS };

static void measure_http(const char *label, int port, enum http_read what, int learners)
{
	double v[READS];
	size_t len = 0;
	for (int i = 0; i <= READS; i++) {
		char path[256];
		if (what == HTTP_PAGE)
			snprintf(path, sizeof path, "/api/v1/grades?offset=%d&limit=100",
				 learners > 100 ? i * 37 % (learners - 100) : 0);
		else if (what == HTTP_STATS)
			snprintf(path, sizeof path, "/api/v1/stats?exercise=%s",
				 course->ex[i % EXERCISES]->id);
		else
			snprintf(path, sizeof path, "/api/v1/learners/learner%04d/reports",
				 i * 37 % learners);
		double t = now();
		long st = http_get(port, path, &len);
		if (st != 200) {
			fprintf(stderr, "bench gradebook: GET %s: HTTP %ld\n", path, st);
			exit(1);
		}
		if (i) /* the first is a warm-up */
			v[i - 1] = now() - t;
	}
	double p50 = pct(v, READS, 0.5), p90 = pct(v, READS, 0.9);
	printf("%-34s %9.1f %9.1f   %s (%zu KiB)\n", label, p50 * 1e3, p90 * 1e3,
	       p50 < 0.2 ? "met" : "MISSED", len / 1024);
}

static void bench_http(const char *grader, const char *dir, const char *root, int learners)
{
	int port = free_port();
	char yaml[256];
	snprintf(yaml, sizeof yaml, "%s/grader.yaml", dir);
	FILE *f = fopen(yaml, "w");
	if (!f)
		die("grader.yaml", "cannot write it");
	char hex[65];
	sha256_hex("bench-admin", strlen("bench-admin"), hex);
	fprintf(f,
		"state_dir: %s\ncourse: %s/exercises\nworkers: 1\nlisten: 127.0.0.1:%d\n"
		"tokens:\n  - { name: bench, role: admin, token_sha256: %s }\n",
		dir, root, port, hex);
	fclose(f);
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 2);
		execl(grader, grader, "serve", "--config", yaml, (char *)NULL);
		_exit(127);
	}
	size_t len;
	int up = 0;
	for (int i = 0; i < 200 && !up; i++) {
		up = http_get(port, "/healthz", &len) == 200;
		if (!up)
			usleep(50000);
	}
	if (!up) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		die("serve", "the daemon did not answer /healthz");
	}
	printf("%-34s %9s %9s   %s\n", "read (HTTP, grader serve, 20 times)", "p50 ms", "p90 ms",
	       "target p50 < 200 ms");
	measure_http("GET /api/v1/grades (100 learners)", port, HTTP_PAGE, learners);
	measure_http("GET /api/v1/stats?exercise=ID", port, HTTP_STATS, learners);
	measure_http("GET a learner's reports (page)", port, HTTP_REPORTS, learners);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

int main(int argc, char **argv)
{
	int learners = getenv("BENCH_LEARNERS") ? atoi(getenv("BENCH_LEARNERS")) : 1000;
	if (learners < 1)
		learners = 1;
	const char *root = getenv("ROOT") ? getenv("ROOT") : ".";
	char *cdir = path_join(root, "exercises");
	struct diag d = {0};
	struct course *c = course_load(cdir, &d);
	free(cdir);
	diag_free(&d);
	if (!c || c->n == 0)
		die("course", "cannot load the bundled course (set ROOT to the checkout)");
	course = c;
	char dir[] = "/tmp/grader-bench-gradebook-XXXXXX";
	if (!mkdtemp(dir))
		die("mkdtemp", "cannot make a temporary dir");
	char url[128], err[512];
	snprintf(url, sizeof url, "sqlite:%s/queue.db", dir);
	struct queue *q = queue_open(url, err, sizeof err);
	if (!q)
		die("open", err);
	double t = now();
	seed(q, learners);
	double seeded = now() - t;
	printf("gradebook reads, SQLite, %d learners x %d pushes x %d exercises x %d checks "
	       "(seeded in %.1f s, %.1f ms a job)\n",
	       learners, PUSHES, EXERCISES, CHECKS, seeded, seeded * 1e3 / (learners * PUSHES));
	printf("%-34s %9s %9s   %s\n", "read (store, 20 times)", "p50 ms", "p90 ms",
	       "target p50 < 200 ms");
	measure("gradebook page (100 learners)", read_page, q, learners);
	measure("an exercise's statistics", read_stats, q, learners);
	measure("one learner's grades", read_one, q, learners);
	measure("whole gradebook", read_all, q, learners);
	measure("whole gradebook as CSV", read_csv, q, learners);
	queue_close(q);
	bench_http(argc > 1 ? argv[1] : "build/grader", dir, root, learners);
	course_free(c);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench gradebook: could not remove %s\n", dir);
	return 0;
}
