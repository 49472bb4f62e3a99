/*
 * cmd_grade.c - `grader grade`: grades a learner's submission (a folder,
 * or a Git repository at a ref or commit) against a course and writes the
 * report in one of the writers' formats.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "grader/grade/grade.h"
#include "grader/report/report.h"
#include "grader/grade/run.h"
#include "grader/submission/submission.h"
#include "grader/util/util.h"

struct grade_opts {
	const char *course;
	const char **ids;
	size_t nids;
	const char **checks;
	size_t nchecks;
	const char *format;
	const char *output;
	enum report_audience audience;
	const char *ref, *commit, *since, *state_dir;
	int quiet, color; /* color: -1 auto */
	int verbose;
	const char *submission;
};

static void grade_usage(FILE *out)
{
	char *formats = report_format_list(", ");
	fprintf(out,
		"usage: grader grade --course DIR [options] SUBMISSION\n"
		"\n"
		"Grades SUBMISSION against the course (or single exercise) in DIR and writes\n"
		"a report. SUBMISSION is a folder (a learner's checkout, graded as it is) or a\n"
		"Git repository: a local path, file://, http(s):// or ssh:// URL, read at\n"
		"--ref or --commit through a mirror cache in --state-dir.\n"
		"\n"
		"Without --exercise, every exercise of the course whose folder (its 'submit'\n"
		"path in course.yaml) exists in the submission is graded.\n"
		"\n"
		"Options:\n"
		"  -c, --course DIR       course folder (course.yaml) or exercise folder\n"
		"  -e, --exercise ID      grade only this exercise (repeatable)\n"
		"  -k, --check NAME       run only the check called NAME and the checks it\n"
		"                         depends on (repeatable); the others are reported\n"
		"                         as not selected. Failed checks in the text and\n"
		"                         markdown reports print this command to re-run them\n"
		"  -f, --format F         one of: %s\n"
		"                         (default json; docs/report-format.md: the\n"
		"                         specification each external format follows)\n"
		"  -o, --output FILE      write the report to FILE (atomically) not stdout\n"
		"      --audience A       learner (default: hidden checks redacted) or\n"
		"                         instructor (everything)\n"
		"      --ref REF          Git: the branch, tag or ref to grade (default HEAD)\n"
		"      --commit ID        Git: the commit to grade\n"
		"      --since REV        Git: grade only exercises whose files changed since\n"
		"                         REV\n"
		"      --state-dir DIR    Git: where mirrors are cached\n"
		"                         (default $GRADER_STATE_DIR or ~/.cache/grader)\n"
		"      --color, --no-color  colours in the text format (default: on a TTY)\n"
		"  -v, --verbose          text format: the checks that passed with their\n"
		"                         input too (failed checks always show theirs)\n"
		"  -q, --quiet            no progress line on stderr\n"
		"  -h, --help             show this help\n"
		"\n"
		"Environment:\n"
		"  GRADER_STATE_DIR       the default --state-dir\n"
		"  SSH_AUTH_SOCK          ssh:// authenticates with this agent's keys, once\n"
		"  GRADER_SSH_KNOWN_HOSTS the known_hosts file an ssh server's host key must\n"
		"                         be in (default ~/.ssh/known_hosts, else\n"
		"                         /etc/ssh/ssh_known_hosts)\n"
		"  GRADER_POSTGRES        the PostgreSQL server of sql exercises with engine\n"
		"                         postgres (a libpq connection string; docs/kinds/sql.md)\n"
		"\n"
		"Exit status: 0 every graded exercise passed; 1 some exercise failed;\n"
		"2 usage or exercise-definition error, or a submission that cannot be\n"
		"read (unreachable, unknown ssh host key, size caps); 3 internal error.\n",
		formats);
	free(formats);
}

static int parse_grade_args(int argc, char **argv, struct grade_opts *o)
{
	enum {
		OPT_AUDIENCE = 256,
		OPT_REF,
		OPT_COMMIT,
		OPT_SINCE,
		OPT_STATE,
		OPT_COLOR,
		OPT_NOCOLOR
	};
	static const struct option opts[] = {
	    {"course", required_argument, NULL, 'c'},
	    {"exercise", required_argument, NULL, 'e'},
	    {"check", required_argument, NULL, 'k'},
	    {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"audience", required_argument, NULL, OPT_AUDIENCE},
	    {"ref", required_argument, NULL, OPT_REF},
	    {"commit", required_argument, NULL, OPT_COMMIT},
	    {"since", required_argument, NULL, OPT_SINCE},
	    {"state-dir", required_argument, NULL, OPT_STATE},
	    {"color", no_argument, NULL, OPT_COLOR},
	    {"no-color", no_argument, NULL, OPT_NOCOLOR},
	    {"quiet", no_argument, NULL, 'q'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:e:k:f:o:qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->course = optarg;
			break;
		case 'e':
			o->ids = xrealloc(o->ids, (o->nids + 1) * sizeof *o->ids);
			o->ids[o->nids++] = optarg;
			break;
		case 'k':
			o->checks = xrealloc(o->checks, (o->nchecks + 1) * sizeof *o->checks);
			o->checks[o->nchecks++] = optarg;
			break;
		case 'f':
			o->format = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case OPT_AUDIENCE:
			if (!strcmp(optarg, "learner"))
				o->audience = REPORT_LEARNER;
			else if (!strcmp(optarg, "instructor"))
				o->audience = REPORT_INSTRUCTOR;
			else {
				fprintf(
				    stderr,
				    "grader grade: --audience is learner or instructor, not '%s'\n",
				    optarg);
				return -1;
			}
			break;
		case OPT_REF:
			o->ref = optarg;
			break;
		case OPT_COMMIT:
			o->commit = optarg;
			break;
		case OPT_SINCE:
			o->since = optarg;
			break;
		case OPT_STATE:
			o->state_dir = optarg;
			break;
		case OPT_COLOR:
			o->color = 1;
			break;
		case OPT_NOCOLOR:
			o->color = 0;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			grade_usage(stdout);
			exit(EXIT_OK);
		default:
			return -1;
		}
	}
	if (!o->course) {
		fprintf(stderr, "grader grade: --course DIR is required\n");
		return -1;
	}
	if (!cli_is_course(o->course)) {
		fprintf(stderr, "grader grade: --course %s: %s\n", o->course, CLI_NOT_A_COURSE);
		return -1;
	}
	if (optind != argc - 1) {
		fprintf(
		    stderr,
		    "grader grade: name exactly one SUBMISSION (a folder or a Git repository)\n");
		return -1;
	}
	o->submission = argv[optind];
	struct stat st;
	if (stat(o->submission, &st) == 0 && !S_ISDIR(st.st_mode)) {
		fprintf(stderr,
			"grader grade: %s is a file: name the learner's folder, a Git "
			"repository or its URL\n",
			o->submission);
		return -1;
	}
	if (cli_check_output("grade", o->output) != 0)
		return -1;
	return cli_check_format("grade", o->format);
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A folder is graded as it is unless Git options or a URL say otherwise. */
static int wants_git(const struct grade_opts *o)
{
	if (o->ref || o->commit || o->since)
		return 1;
	return !is_dir(o->submission) || strstr(o->submission, "://") != NULL;
}

static struct submission *open_submission(const struct grade_opts *o, char *err, size_t errlen)
{
	if (!wants_git(o)) {
		struct submission *s = submission_from_dir(o->submission, err, errlen);
		if (s)
			submission_describe_checkout(s); /* a checkout: say which commit */
		return s;
	}
	return submission_open_git(o->submission, o->ref, o->commit, o->state_dir, err, errlen);
}

static int write_report(const struct report *r, const struct grade_opts *o)
{
	/* the learner re-runs a check on the folder graded, or on their
	 * checkout of a repository graded by URL */
	struct write_opts wo = {.audience = o->audience,
				.verbose = o->verbose,
				.rerun_course = o->course,
				.rerun_submission = wants_git(o) ? "." : o->submission};
	return cli_write_report("grade", r, o->format, &wo, o->color, o->output);
}

static int grade_all(const struct grade_opts *o, const struct loaded *l, struct submission *sub)
{
	char err[512] = "";
	struct run_request rq = {
	    .all = l->ex,
	    .nall = l->n,
	    .ids = o->ids,
	    .nids = o->nids,
	    .checks = o->checks,
	    .nchecks = o->nchecks,
	    .since = o->since,
	    .progress = (!o->quiet && isatty(STDERR_FILENO)) ? stderr : NULL,
	};
	struct report r = {0};
	enum run_status rs = run_grade(&rq, sub, &r, err, sizeof err);
	if (rs != RUN_OK) {
		fprintf(stderr, "grader grade: %s\n", err);
		report_free(&r);
		return rs == RUN_USAGE ? EXIT_USAGE : EXIT_INTERNAL;
	}
	int status = write_report(&r, o) < 0     ? EXIT_INTERNAL
		     : r.status == REPORT_ERROR  ? EXIT_INTERNAL
		     : r.status == REPORT_FAILED ? EXIT_FAILED
						 : EXIT_OK;
	report_free(&r);
	return status;
}

int cmd_grade(int argc, char **argv)
{
	struct grade_opts o = {.format = "json", .audience = REPORT_LEARNER, .color = -1};
	if (parse_grade_args(argc, argv, &o) < 0) {
		fputs("Run 'grader grade --help' for the options.\n", stderr);
		free(o.ids);
		free(o.checks);
		return EXIT_USAGE;
	}
	struct diag d = {0};
	struct loaded l;
	int rc = cli_load(o.course, &l, &d);
	diag_print(&d, stderr);
	diag_free(&d);
	if (rc < 0) {
		free(o.ids);
		free(o.checks);
		return EXIT_USAGE;
	}
	char err[512] = "";
	struct submission *sub = open_submission(&o, err, sizeof err);
	int status;
	if (!sub) {
		fprintf(stderr, "grader grade: %s\n", err);
		status = EXIT_USAGE;
	} else {
		status = grade_all(&o, &l, sub);
	}
	submission_free(sub);
	cli_loaded_free(&l);
	free(o.ids);
	free(o.checks);
	return status;
}
