/*
 * daemon.h - the parts of `grader serve` and how they meet.
 *
 *   supervisor (serve.c)   loads the config and course, owns the HTTP API
 *                          (api.c) and the pollers (poller.c), and keeps N
 *                          worker processes alive: a worker that dies is
 *                          replaced and its jobs are given back to the queue.
 *   worker (worker.c)      a separate process (fork + exec of this binary):
 *                          leases a job, keeps the lease alive with
 *                          heartbeats, grades, stores the report once, and
 *                          delivers it (callback.c).
 *
 * Everything durable lives in the queue (queue.h): the daemon itself can
 * be killed with -9 at any moment and loses nothing.
 */
#ifndef GRADER_DAEMON_H
#define GRADER_DAEMON_H

#include <stddef.h>

/* The name a worker process leases under: "<host>:<pid>". The supervisor
 * derives the same name from a dead child's pid to give its jobs back. */
void worker_name(int pid, char *out, size_t len);

/* The supervisor: loads config_path and its course (with check, only
 * validates them and prints a summary), then serves until SIGTERM or
 * SIGINT. workers overrides the config's count when > 0. Returns the
 * process exit status (grader/util/exit.h). */
int serve_main(const char *config_path, int workers, int check);

/* The worker's main loop; returns the process exit status. */
int worker_main(const char *config_path, int index);

#endif
