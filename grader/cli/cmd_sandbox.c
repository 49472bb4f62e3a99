/*
 * cmd_sandbox.c - `grader sandbox [limits] -- CMD ARGS...`: runs one
 * command in the sandbox and prints what happened, as a JSON object
 * (--json, like isolate's meta file) or as the command's own output plus
 * a one-line summary on stderr. For debugging, benchmarks and scripts.
 */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "grader/cli/sandbox_keeper.h"
#include "grader/util/utf8.h"
#include "grader/util/util.h"
#include "sandbox/sandbox.h"

static void sandbox_usage(FILE *out)
{
	fprintf(out,
		"usage: grader sandbox [OPTIONS] -- CMD [ARGS...]\n"
		"       grader sandbox --list-denied | --list-allowed\n"
		"\n"
		"Runs CMD in a fresh sandbox (user, pid, mount, network, ipc, uts and cgroup\n"
		"namespaces; read-only /usr; seccomp; cgroup limits) and reports the verdict:\n"
		"ok, runtime-error, wall-timeout, cpu-timeout, memory-limit, process-limit,\n"
		"output-limit, syscall-denied or internal-error. The exit code is reported\n"
		"separately: \"ok\" with exit code 1 means the command failed by itself.\n"
		"\n"
		"Limits (0 or absent: the default in brackets):\n"
		"      --wall TIME      wall-clock time, e.g. 2s, 500ms, 1.5 [10s]\n"
		"      --cpu TIME       CPU time of the whole process tree [= --wall]\n"
		"      --mem SIZE       memory of the whole tree, e.g. 128MiB [256MiB]\n"
		"      --pids N         processes and threads at once [64]\n"
		"      --out SIZE       stdout and stderr captured, each [1MiB]\n"
		"      --fsize SIZE     largest file the command may write [16MiB]\n"
		"      --tmp SIZE       size of /tmp and of /dev/shm [64MiB]\n"
		"      --nofile N       open files per process [256]\n"
		"\n"
		"Environment:\n"
		"      --workdir DIR    host directory bound read-write at /work (as root it is\n"
		"                       first chowned to the run's unprivileged uid)\n"
		"      --cwd DIR        working directory inside [/work, or / without --workdir]\n"
		"      --bind SRC:DST[:rw]  bind host SRC at DST inside, read-only unless :rw\n"
		"      --env K=V        set a variable; any --env replaces the default\n"
		"                       environment (PATH, HOME, LANG, USER, LOGNAME, TMPDIR)\n"
		"      --stdin FILE     feed FILE to stdin [/dev/null]\n"
		"      --share-net      keep the host network (trusted helpers only)\n"
		"      --slot N         as root: run as slot N's uid (60000+N) [first free]\n"
		"\n"
		"Output:\n"
		"      --json           print the result as JSON on stdout: verdict, exit_code,\n"
		"                       signal, wall_s, cpu_s, peak_kib, stdout/stderr {bytes,\n"
		"                       truncated, text}, enforcement {memory, pids, cpu},\n"
		"                       host_uid, denied_syscall, refused_syscalls (up to 8\n"
		"                       names of calls that failed with ENOSYS or EPERM\n"
		"                       without ending the run), refused_total, message,\n"
		"                       forks_refused, prestarted (the sandbox was made\n"
		"                       ahead of the run by a long-lived process)\n"
		"      --list-denied    print what the seccomp filter forbids\n"
		"      --list-allowed   print the filter's policy, one call a line: allow,\n"
		"                       allow-if (argument conditions), refuse-eperm,\n"
		"                       refuse-enosys (every call not listed), fatal\n"
		"  -h, --help           show this help\n"
		"\n"
		"Without --json, the command's stdout and stderr are printed through (as\n"
		"captured) and a summary line goes to stderr.\n"
		"\n"
		"As root on a host with cgroup v1 controllers, the command is started by a\n"
		"keeper: a process (grader-keeper) that the first such command line starts\n"
		"and that stays until it has been idle for 30 s, so that a command line does\n"
		"not pay a cgroup migration (10 ms or more) each time. Killing the command\n"
		"line kills its run. Environment variables:\n"
		"  GRADER_SANDBOX_KEEPER=0          run in this process, without a keeper\n"
		"  GRADER_SANDBOX_KEEPER_IDLE=SECS  the keeper's idle time [30]\n"
		"  GRADER_SANDBOX_KEEPER_LOG=FILE   append the keeper's own stderr to FILE\n"
		"\n"
		"Exit status: 0 when the command ran, whatever its verdict; 2 for a usage\n"
		"error; 3 when the sandbox could not be set up. See docs/sandbox.md.\n");
}

struct sandbox_opts {
	struct sbx_config cfg;
	struct sbx_bind *binds;
	const char **env;
	size_t nenv;
	int json, list_denied, list_allowed;
};

enum {
	OPT_WALL = 256, OPT_CPU, OPT_MEM, OPT_PIDS, OPT_OUT, OPT_FSIZE, OPT_TMP, OPT_NOFILE,
	OPT_BIND, OPT_WORKDIR, OPT_CWD, OPT_ENV, OPT_STDIN, OPT_SHARE_NET, OPT_JSON,
	OPT_LIST_DENIED, OPT_LIST_ALLOWED, OPT_SLOT,
};

static int bad_value(const char *opt, const char *value, const char *what)
{
	fprintf(stderr, "grader sandbox: --%s '%s': %s\n", opt, value, what);
	return -1;
}

static int parse_count(const char *opt, const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v <= 0 || v > 1000000)
		return bad_value(opt, s, "expected a positive whole number");
	*out = (int)v;
	return 0;
}

static int parse_slot(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < 0 || v > 999)
		return bad_value("slot", s, "expected a slot number 0..999");
	*out = (int)v;
	return 0;
}

/* SRC:DST or SRC:DST:rw (or :ro). */
static int parse_bind(struct sandbox_opts *o, const char *arg)
{
	char *copy = xstrdup(arg);
	char *dst = strchr(copy, ':');
	if (!dst || dst == copy || dst[1] != '/') {
		free(copy);
		return bad_value("bind", arg, "expected SRC:DST[:rw] with an absolute DST");
	}
	*dst++ = '\0';
	char *mode = strchr(dst, ':');
	int writable = 0;
	if (mode) {
		*mode++ = '\0';
		if (strcmp(mode, "rw") && strcmp(mode, "ro")) {
			free(copy);
			return bad_value("bind", arg, "the mode after DST must be rw or ro");
		}
		writable = !strcmp(mode, "rw");
	}
	size_t n = o->cfg.nbinds;
	o->binds = xrealloc(o->binds, (n + 1) * sizeof *o->binds);
	o->binds[n].src = copy; /* dst points into the same allocation */
	o->binds[n].dst = dst;
	o->binds[n].writable = writable;
	o->cfg.nbinds = n + 1;
	o->cfg.binds = o->binds;
	return 0;
}

static int parse_limit(struct sandbox_opts *o, int c, const char *arg)
{
	struct sbx_config *cfg = &o->cfg;
	const char *name[] = {"wall", "cpu", "mem", "pids", "out", "fsize", "tmp", "nofile"};
	const char *opt = name[c - OPT_WALL];
	uint64_t *size = c == OPT_MEM     ? &cfg->mem_bytes
			 : c == OPT_OUT   ? &cfg->out_bytes
			 : c == OPT_FSIZE ? &cfg->fsize_bytes
			 : c == OPT_TMP   ? &cfg->tmp_bytes
					  : NULL;
	if (c == OPT_WALL || c == OPT_CPU) {
		double *d = c == OPT_WALL ? &cfg->wall_s : &cfg->cpu_s;
		if (parse_duration(arg, d) < 0 || *d <= 0)
			return bad_value(opt, arg, "expected a duration such as 2s, 500ms or 1.5");
		return 0;
	}
	if (size) {
		if (parse_size(arg, size) < 0 || *size == 0)
			return bad_value(opt, arg, "expected a size such as 64MiB, 512k or 4096");
		return 0;
	}
	return parse_count(opt, arg, c == OPT_PIDS ? &cfg->pids : &cfg->nofile);
}

static int parse_one(struct sandbox_opts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_WALL ... OPT_NOFILE:
		return parse_limit(o, c, arg);
	case OPT_BIND:
		return parse_bind(o, arg);
	case OPT_WORKDIR:
		o->cfg.workdir = arg;
		return 0;
	case OPT_CWD:
		o->cfg.cwd = arg;
		return arg[0] == '/' ? 0 : bad_value("cwd", arg, "must be an absolute path");
	case OPT_ENV:
		if (!strchr(arg, '=') || arg[0] == '=')
			return bad_value("env", arg, "expected NAME=VALUE");
		o->env = xrealloc(o->env, (o->nenv + 2) * sizeof *o->env);
		o->env[o->nenv++] = arg;
		o->env[o->nenv] = NULL;
		o->cfg.envp = o->env;
		return 0;
	case OPT_STDIN:
		o->cfg.stdin_path = arg;
		return 0;
	case OPT_SHARE_NET:
		o->cfg.share_net = 1;
		return 0;
	case OPT_SLOT:
		return parse_slot(arg, &o->cfg.slot);
	case OPT_JSON:
		o->json = 1;
		return 0;
	case OPT_LIST_DENIED:
		o->list_denied = 1;
		return 0;
	case OPT_LIST_ALLOWED:
		o->list_allowed = 1;
		return 0;
	}
	return -1;
}

static void opts_free(struct sandbox_opts *o)
{
	for (size_t i = 0; i < o->cfg.nbinds; i++)
		free((char *)o->binds[i].src);
	free(o->binds);
	free(o->env);
}

static cJSON *stream_json(const char *text, size_t len, uint64_t total, int truncated)
{
	cJSON *s = cJSON_CreateObject();
	cJSON_AddNumberToObject(s, "bytes", (double)total);
	cJSON_AddBoolToObject(s, "truncated", truncated);
	/* JSON strings must be valid UTF-8 without NUL (cJSON stops there). */
	char *clean = utf8_repair(text ? text : "", text ? len : 0, UTF8_NUL_INVALID);
	cJSON_AddStringToObject(s, "text", clean);
	free(clean);
	return s;
}

static void print_json(const struct sbx_result *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "verdict", sbx_verdict_name(r->verdict));
	if (r->signal)
		cJSON_AddNullToObject(o, "exit_code");
	else
		cJSON_AddNumberToObject(o, "exit_code", r->exit_code);
	cJSON_AddNumberToObject(o, "signal", r->signal);
	cJSON_AddNumberToObject(o, "wall_s", (double)(long)(r->wall_s * 1e6) / 1e6);
	cJSON_AddNumberToObject(o, "cpu_s", (double)(long)(r->cpu_s * 1e6) / 1e6);
	cJSON_AddNumberToObject(o, "peak_kib", (double)(r->peak_bytes / 1024));
	cJSON_AddItemToObject(o, "stdout",
			      stream_json(r->out, r->out_len, r->out_total, r->out_truncated));
	cJSON_AddItemToObject(o, "stderr",
			      stream_json(r->err, r->err_len, r->err_total, r->err_truncated));
	cJSON *enf = cJSON_AddObjectToObject(o, "enforcement");
	cJSON_AddStringToObject(enf, "memory", r->mem_enforcement ? r->mem_enforcement : "none");
	cJSON_AddStringToObject(enf, "pids", r->pids_enforcement ? r->pids_enforcement : "none");
	cJSON_AddStringToObject(enf, "cpu", r->cpu_enforcement ? r->cpu_enforcement : "none");
	cJSON_AddNumberToObject(o, "host_uid", r->host_uid);
	if (r->denied_syscall[0])
		cJSON_AddStringToObject(o, "denied_syscall", r->denied_syscall);
	cJSON *refused = cJSON_AddArrayToObject(o, "refused_syscalls");
	for (int i = 0; i < r->nrefused; i++)
		cJSON_AddItemToArray(refused, cJSON_CreateString(r->refused_syscalls[i]));
	cJSON_AddNumberToObject(o, "refused_total", (double)r->refused_total);
	cJSON_AddStringToObject(o, "message", r->message);
	cJSON_AddNumberToObject(o, "forks_refused", r->forks_refused);
	cJSON_AddBoolToObject(o, "prestarted", r->prestarted);
	char *text = cJSON_Print(o);
	printf("%s\n", text);
	free(text);
	cJSON_Delete(o);
}

static void print_plain(const struct sbx_result *r)
{
	fwrite(r->out, 1, r->out_len, stdout);
	fflush(stdout);
	fwrite(r->err, 1, r->err_len, stderr);
	fprintf(stderr, "grader sandbox: %s: %s (wall %.3f s, cpu %.3f s, peak %llu KiB)\n",
		sbx_verdict_name(r->verdict), r->message, r->wall_s, r->cpu_s,
		(unsigned long long)(r->peak_bytes / 1024));
}

static int parse_args(int argc, char **argv, struct sandbox_opts *o)
{
	static const struct option opts[] = {
		{"wall", required_argument, NULL, OPT_WALL},
		{"cpu", required_argument, NULL, OPT_CPU},
		{"mem", required_argument, NULL, OPT_MEM},
		{"pids", required_argument, NULL, OPT_PIDS},
		{"out", required_argument, NULL, OPT_OUT},
		{"fsize", required_argument, NULL, OPT_FSIZE},
		{"tmp", required_argument, NULL, OPT_TMP},
		{"nofile", required_argument, NULL, OPT_NOFILE},
		{"bind", required_argument, NULL, OPT_BIND},
		{"workdir", required_argument, NULL, OPT_WORKDIR},
		{"cwd", required_argument, NULL, OPT_CWD},
		{"env", required_argument, NULL, OPT_ENV},
		{"stdin", required_argument, NULL, OPT_STDIN},
		{"share-net", no_argument, NULL, OPT_SHARE_NET},
		{"slot", required_argument, NULL, OPT_SLOT},
		{"json", no_argument, NULL, OPT_JSON},
		{"list-denied", no_argument, NULL, OPT_LIST_DENIED},
		{"list-allowed", no_argument, NULL, OPT_LIST_ALLOWED},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	/* '+': stop at the first non-option, so CMD's own flags are its own. */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			sandbox_usage(stdout);
			return 1;
		}
		if (c == '?' || parse_one(o, c, optarg) < 0) {
			fprintf(stderr, "Try 'grader sandbox --help'.\n");
			return -1;
		}
	}
	return 0;
}

int cmd_sandbox(int argc, char **argv)
{
	struct sandbox_opts o;
	memset(&o, 0, sizeof o);
	o.cfg.slot = -1;
	int rc = parse_args(argc, argv, &o);
	if (rc != 0) {
		opts_free(&o);
		return rc > 0 ? EXIT_OK : EXIT_USAGE;
	}
	if (o.list_denied || o.list_allowed) {
		const char *const *list = o.list_allowed ? sbx_allowed_syscalls() : sbx_denied_syscalls();
		for (const char *const *n = list; *n; n++)
			printf("%s\n", *n);
		opts_free(&o);
		return EXIT_OK;
	}
	if (optind >= argc) {
		fprintf(stderr, "grader sandbox: name a command to run after --\n");
		sandbox_usage(stderr);
		opts_free(&o);
		return EXIT_USAGE;
	}
	o.cfg.argv = (const char *const *)(argv + optind);
	struct sbx_result res;
	if (!keeper_run(&o.cfg, &res, &rc))
		rc = sbx_run(&o.cfg, &res);
	if (o.json)
		print_json(&res);
	else if (rc == 0)
		print_plain(&res);
	else
		fprintf(stderr, "grader sandbox: %s\n", res.message);
	sbx_result_free(&res);
	opts_free(&o);
	return rc == 0 ? EXIT_OK : EXIT_INTERNAL;
}
