/*
 * log.c - JSON-lines logging for the daemon (log.h).
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "grader/util/util.h"

/* Per process: set once by log_setup in the supervisor or a worker. */
static char log_role[32] = "grader";
static enum log_level log_min = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_setup(const char *role, enum log_level min)
{
	snprintf(log_role, sizeof log_role, "%s", role);
	log_min = min;
}

static void add_time(cJSON *o)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	gmtime_r(&tv.tv_sec, &tm);
	char buf[40];
	size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, sizeof buf - n, ".%03dZ", (int)(tv.tv_usec / 1000));
	cJSON_AddStringToObject(o, "ts", buf);
}

void log_event(enum log_level level, int64_t job, const char *msg, ...)
{
	if (level < log_min)
		return;
	int saved = errno;
	cJSON *o = cJSON_CreateObject();
	add_time(o);
	cJSON_AddStringToObject(o, "level", level_names[level]);
	cJSON_AddStringToObject(o, "role", log_role);
	cJSON_AddNumberToObject(o, "pid", (double)getpid());
	if (job > 0)
		cJSON_AddNumberToObject(o, "job", (double)job);
	cJSON_AddStringToObject(o, "msg", msg);
	va_list ap;
	va_start(ap, msg);
	for (;;) {
		const char *k = va_arg(ap, const char *);
		if (!k)
			break;
		const char *v = va_arg(ap, const char *);
		cJSON_AddStringToObject(o, k, v ? v : "");
	}
	va_end(ap);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text) {
		size_t len = strlen(text);
		char *line = xmalloc(len + 2);
		memcpy(line, text, len);
		line[len] = '\n';
		ssize_t w = write(STDERR_FILENO, line, len + 1);
		(void)w;
		free(line);
		free(text);
	}
	errno = saved;
}
