/*
 * cmd_serve.c - `grader serve` (run by grader-serve): its options; the
 * daemon itself is grader/daemon/ (serve_main, the supervisor, and
 * worker_main, what each worker process runs).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "grader/daemon/daemon.h"

static void serve_usage(FILE *out)
{
	fprintf(out,
		"usage: grader serve --config FILE [--workers N] [--check]\n"
		"\n"
		"Runs the grading daemon: a supervisor, an HTTP API (submissions, reports,\n"
		"webhooks, /healthz, /metrics), pollers of the configured repositories and N\n"
		"worker processes that lease jobs from a durable queue (SQLite by default,\n"
		"PostgreSQL for a fleet), grade them in the sandbox and store each report once.\n"
		"Logs are JSON lines on stderr. See docs/operations.md.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE   the daemon configuration (grader.yaml)\n"
		"  -w, --workers N     worker processes (default: 'workers' in the config,\n"
		"                      else the number of CPUs)\n"
		"      --check         validate the configuration and course, then exit\n"
		"  -h, --help          show this help\n"
		"\n"
		"Signals: SIGTERM/SIGINT finish running jobs and exit; SIGHUP reloads the\n"
		"configuration and course (a bad one is refused and the old one kept).\n"
		"\n"
		"Exit status: 0 after a clean stop; 2 bad configuration; 3 internal error.\n");
}

int cmd_serve(int argc, char **argv)
{
	enum { OPT_CHECK = 256, OPT_WORKER };
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"workers", required_argument, NULL, 'w'},
	    {"check", no_argument, NULL, OPT_CHECK},
	    {"worker", required_argument, NULL, OPT_WORKER}, /* internal */
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *config_path = NULL;
	int workers = 0, check = 0, worker_index = -1, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:w:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'w':
			workers = atoi(optarg);
			if (workers < 1 || workers > 256) {
				fprintf(stderr, "grader serve: --workers takes 1 to 256\n");
				return EXIT_USAGE;
			}
			break;
		case OPT_CHECK:
			check = 1;
			break;
		case OPT_WORKER:
			worker_index = atoi(optarg);
			break;
		case 'h':
			serve_usage(stdout);
			return EXIT_OK;
		default:
			serve_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!config_path || optind != argc) {
		fprintf(stderr, "grader serve: --config FILE is required\n");
		serve_usage(stderr);
		return EXIT_USAGE;
	}
	if (worker_index >= 0)
		return worker_main(config_path, worker_index);
	return serve_main(config_path, workers, check);
}
