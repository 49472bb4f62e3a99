/*
 * serve.c - the daemon's supervisor (`grader serve`; its options are
 * parsed by grader/cli/cmd_serve.c). It loads the configuration
 * and course, starts the HTTP API and the pollers, and keeps N worker
 * processes running. Signals drive it:
 *   SIGCHLD  a worker ended: give its jobs back to the queue at once and
 *            start another (with a pause if workers keep crashing);
 *   SIGTERM  stop taking work: the API and pollers stop, workers finish
 *   SIGINT   the job in hand (up to one lease), stragglers are killed and
 *            their jobs given back; then exit 0;
 *   SIGHUP   reload the configuration and course; a bad one is refused
 *            with its diagnostics in the log and the old one kept; a good
 *            one replaces workers one by one as they finish their job.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grader/model/exercise.h"
#include "grader/util/exit.h"
#include "grader/util/util.h"
#include "api.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "poller.h"
#include "queue.h"

struct slot {
	pid_t pid;
	double started;
	int quick_deaths; /* consecutive deaths within 2 s of starting */
	double restart_at;
	int retiring; /* asked to stop after its job, for a reload */
};

struct supervisor {
	const char *config_path;
	const char *self; /* path of this executable */
	struct config *cfg;
	struct course *course;
	struct queue *q;
	struct api *api;
	struct poller *poller;
	struct slot *slots;
	int nslots;
	int stopping;
};

/* Loads config and course. On error: -1, and every diagnostic exactly as
 * `serve --check` prints it (file:line:col: error: message lines), on
 * stderr when refusal is NULL, else in one log line whose msg is refusal
 * and whose "diagnostics" field holds those lines. */
static int load_all(const char *path, struct config **cfg, struct course **course,
		    const char *refusal)
{
	struct diag d = {0};
	*cfg = config_load(path, &d);
	*course = *cfg ? course_load((*cfg)->course_dir, &d) : NULL;
	int rc = 0;
	if (!*cfg || !*course) {
		if (!refusal) {
			diag_print(&d, stderr);
		} else {
			char *text = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&text, &len);
			if (f) {
				diag_print(&d, f);
				fclose(f);
			}
			while (text && len && text[len - 1] == '\n')
				text[--len] = '\0';
			log_event(LOG_ERROR, 0, refusal, "config", path, "diagnostics",
				  text ? text : "", (const char *)NULL);
			free(text);
		}
		config_free(*cfg);
		*cfg = NULL;
		rc = -1;
	}
	diag_free(&d);
	return rc;
}

static void start_worker(struct supervisor *s, int i)
{
	pid_t pid = fork();
	if (pid < 0) {
		log_event(LOG_ERROR, 0, "cannot fork a worker", "error", strerror(errno),
			  (const char *)NULL);
		s->slots[i].restart_at = now_monotonic() + 1;
		return;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		char idx[16];
		snprintf(idx, sizeof idx, "%d", i);
		execl(s->self, "grader", "serve", "--config", s->config_path, "--worker", idx,
		      (char *)NULL);
		_exit(127);
	}
	s->slots[i].pid = pid;
	s->slots[i].started = now_monotonic();
	s->slots[i].retiring = 0;
}

static void give_back(struct supervisor *s, pid_t pid)
{
	char name[160], err[256];
	worker_name((int)pid, name, sizeof name);
	if (queue_release_worker(s->q, name, NULL, err, sizeof err) < 0)
		log_event(LOG_ERROR, 0, "cannot give a dead worker's jobs back", "worker", name,
			  "error", err, (const char *)NULL);
}

static void reap(struct supervisor *s)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < s->nslots; i++) {
			struct slot *sl = &s->slots[i];
			if (sl->pid != pid)
				continue;
			char how[64];
			if (WIFSIGNALED(status))
				snprintf(how, sizeof how, "signal %d", WTERMSIG(status));
			else
				snprintf(how, sizeof how, "exit %d", WEXITSTATUS(status));
			int clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
			log_event(clean ? LOG_INFO : LOG_WARN, 0, "worker ended", "how", how,
				  (const char *)NULL);
			give_back(s, pid);
			sl->pid = 0;
			double now = now_monotonic();
			sl->quick_deaths =
			    (!clean && now - sl->started < 2) ? sl->quick_deaths + 1 : 0;
			/* A worker that keeps dying at start waits longer each time. */
			double pause = sl->quick_deaths
					   ? (sl->quick_deaths > 5 ? 30 : 1 << sl->quick_deaths)
					   : 0;
			sl->restart_at = now + pause;
		}
	}
}

static void reload(struct supervisor *s)
{
	struct config *cfg;
	struct course *course;
	log_event(LOG_INFO, 0, "reloading", "config", s->config_path, (const char *)NULL);
	if (load_all(s->config_path, &cfg, &course, "reload refused: the old configuration stays") <
	    0)
		return;
	api_reload(s->api, cfg, course);
	poller_stop(s->poller);
	char err[256];
	s->poller = poller_start(cfg, course, err, sizeof err);
	if (!s->poller)
		log_event(LOG_ERROR, 0, "pollers did not restart", "error", err,
			  (const char *)NULL);
	course_free(s->course);
	config_free(s->cfg);
	s->cfg = cfg;
	s->course = course;
	/* Workers re-read the file when they start: retire each after its job. */
	for (int i = 0; i < s->nslots; i++)
		if (s->slots[i].pid > 0) {
			s->slots[i].retiring = 1;
			kill(s->slots[i].pid, SIGTERM);
		}
	log_event(LOG_INFO, 0, "reloaded", (const char *)NULL);
}

static int any_worker(const struct supervisor *s)
{
	for (int i = 0; i < s->nslots; i++)
		if (s->slots[i].pid > 0)
			return 1;
	return 0;
}

static void shut_down(struct supervisor *s, int sfd)
{
	log_event(LOG_INFO, 0, "stopping: finishing running jobs", (const char *)NULL);
	api_stop(s->api);
	s->api = NULL;
	poller_stop(s->poller);
	s->poller = NULL;
	for (int i = 0; i < s->nslots; i++)
		if (s->slots[i].pid > 0)
			kill(s->slots[i].pid, SIGTERM);
	double deadline = now_monotonic() + s->cfg->lease_s;
	while (any_worker(s) && now_monotonic() < deadline) {
		struct pollfd p = {.fd = sfd, .events = POLLIN};
		if (poll(&p, 1, 200) > 0) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof si) == sizeof si)
				;
		}
		reap(s);
	}
	for (int i = 0; i < s->nslots; i++)
		if (s->slots[i].pid > 0) {
			log_event(LOG_WARN, 0, "worker did not finish in time: killed",
				  (const char *)NULL);
			kill(s->slots[i].pid, SIGKILL);
			waitpid(s->slots[i].pid, NULL, 0);
			give_back(s, s->slots[i].pid);
			s->slots[i].pid = 0;
		}
	log_event(LOG_INFO, 0, "stopped", (const char *)NULL);
}

/* The signals the supervisor reads through its signalfd. */
static void supervisor_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

static int supervise(struct supervisor *s)
{
	sigset_t set;
	supervisor_signals(&set); /* already blocked by serve_main */
	int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		log_event(LOG_ERROR, 0, "signalfd failed", "error", strerror(errno),
			  (const char *)NULL);
		return EXIT_INTERNAL;
	}
	for (int i = 0; i < s->nslots; i++)
		start_worker(s, i);
	while (!s->stopping) {
		struct pollfd p = {.fd = sfd, .events = POLLIN};
		if (poll(&p, 1, 500) > 0) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof si) == sizeof si) {
				if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
					s->stopping = 1;
				else if (si.ssi_signo == SIGHUP)
					reload(s);
			}
		}
		reap(s);
		double now = now_monotonic();
		for (int i = 0; i < s->nslots && !s->stopping; i++)
			if (s->slots[i].pid == 0 && now >= s->slots[i].restart_at)
				start_worker(s, i);
	}
	shut_down(s, sfd);
	close(sfd);
	return EXIT_OK;
}

int serve_main(const char *config_path, int workers, int check)
{
	log_setup("supervisor", LOG_INFO);
	/* Block the signals the supervisor reads through a signalfd before any
	 * thread (API, pollers) exists, so every thread inherits the mask and
	 * none of them takes SIGHUP's or SIGTERM's default action. */
	sigset_t set;
	supervisor_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct supervisor s = {.config_path = config_path};
	if (load_all(config_path, &s.cfg, &s.course,
		     check ? NULL : "cannot start: the configuration is refused") < 0)
		return EXIT_USAGE;
	if (check) {
		printf("%s: ok (%zu exercises, %d workers, queue %s)\n", config_path, s.course->n,
		       workers ? workers : s.cfg->workers, s.cfg->queue_url);
		course_free(s.course);
		config_free(s.cfg);
		return EXIT_OK;
	}
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n > 0 ? n : 0] = '\0';
	s.self = self;
	char err[512];
	int status = EXIT_INTERNAL;
	if (mkdir_p(s.cfg->state_dir) < 0) {
		log_event(LOG_ERROR, 0, "cannot create the state dir", "dir", s.cfg->state_dir,
			  "error", strerror(errno), (const char *)NULL);
	} else if (!(s.q = queue_open(s.cfg->queue_url, err, sizeof err))) {
		log_event(LOG_ERROR, 0, "cannot open the queue", "error", err, (const char *)NULL);
	} else if (!(s.api = api_start(s.cfg, s.course, err, sizeof err))) {
		log_event(LOG_ERROR, 0, "cannot start the HTTP API", "error", err,
			  (const char *)NULL);
	} else {
		s.poller = poller_start(s.cfg, s.course, err, sizeof err);
		if (!s.poller)
			log_event(LOG_ERROR, 0, "pollers did not start", "error", err,
				  (const char *)NULL);
		s.nslots = workers ? workers : s.cfg->workers;
		s.slots = xcalloc((size_t)s.nslots, sizeof *s.slots);
		char port[16], nw[16];
		snprintf(port, sizeof port, "%d", s.cfg->listen_port);
		snprintf(nw, sizeof nw, "%d", s.nslots);
		log_event(LOG_INFO, 0, "serving", "listen", s.cfg->listen_host, "port", port,
			  "workers", nw, "queue", s.cfg->queue_url, (const char *)NULL);
		status = supervise(&s);
	}
	api_stop(s.api);
	poller_stop(s.poller);
	if (s.q)
		queue_close(s.q);
	free(s.slots);
	course_free(s.course);
	config_free(s.cfg);
	return status;
}
