/*
 * pytest_run.h - one run of pytest inside the sandbox, shared by the
 * pytest kind (the exercise's tests against the learner's code) and the
 * pytest-tests kind (the learner's tests against the exercise's
 * implementations). A run takes a suite (test files, each read below a
 * root and never through a link, placed read-only under /pytest/suite)
 * and a work dir (a copy of the learner's files or of a folder of the
 * exercise), runs `python3 -m pytest` once with the grader's plugin and
 * configuration, and reads back the plugin's records that carry the
 * run's nonce. docs/kinds/pytest.md says how the run is locked down.
 */
#ifndef GRADER_PYTEST_RUN_H
#define GRADER_PYTEST_RUN_H

#include <stddef.h>

#include "grader/grade/runner.h"
#include "sandbox/sandbox.h"

#define PT_MAX_TEST (1u << 20) /* one test file */
#define PT_MAX_MSG  1500       /* one test's message in a check's */

/* One test file of a suite: root/from (read with beneath_read), placed
 * at /pytest/suite/<to>, which is also its node id's file part. */
struct pt_suite_file {
	const char *root, *from, *to;
};

struct pt_suite {
	const struct pt_suite_file *files;
	size_t nfiles;
	const char *work_from;          /* NULL: the learner's files; else a copy of this dir */
	double test_timeout;            /* per-test wall limit in seconds; 0: none */
	const struct ex_limits *limits; /* the run's */
};

struct pt_result {
	char *id, *outcome, *msg, *where;
	char *out, *err;     /* a failed test's captured output (capped by the plugin) */
	char *frames;        /* a failure's learner-side frames, one a line, innermost last */
	char *left, *right;  /* a failed == on long values, pretty-printed; NULL if not */
	int subtests;        /* subtest results this test reported (each has its own) */
};

/* A collected test, from the plugin's test record. */
struct pt_test {
	char *id, *name, *code; /* name: "Class > test name"; code: its source */
	int task;               /* @pytest.mark.task(taskno=N); 0: none */
};

struct pt_collect {
	char *id, *msg;
};

struct pt_run {
	int used;   /* the run was attempted */
	int waited; /* it ran and ended: res is set */
	struct sbx_result res;
	struct pt_result *results;
	size_t nresults;
	struct pt_collect *collect;
	size_t ncollect;
	struct pt_test *tests;
	size_t ntests;
	char *running;   /* the last test that started and did not finish */
	char *tampered;  /* what of pytest or the plugin learner code replaced,
			  * and when; NULL if nothing: no result of the run counts */
	int finished;    /* the plugin's finish record arrived */
	int exit_status; /* pytest's, from the finish record */
	size_t nrecords; /* records with the nonce */
	char *work, *testdir;
	struct sbx_proc *proc; /* between pt_run_start and pt_run_wait */
	char *records;         /* the records file's name in work */
	char nonce[33];
};

/* Runs pytest once over the suite. 0 when it ran (whatever it reported),
 * -1 with g->message when it could not be started. r starts zeroed and
 * is released with pt_run_free either way. */
int pt_run_suite(struct grading *g, struct pt_run *r, const struct pt_suite *s);

/* The same in two halves, so runs can go side by side: pt_run_start
 * starts pytest and returns at once (0, or -1 with g->message), and
 * pt_run_wait waits for it to end and reads its records (0; -1 if it was
 * never started). pt_run_free kills a run that was started and never
 * waited for. */
int pt_run_start(struct grading *g, struct pt_run *r, const struct pt_suite *s);
int pt_run_wait(struct pt_run *r);

void pt_run_free(struct pt_run *r);

/* Adds to r what the records file's text says: each line that is a JSON
 * object carrying the nonce (a start, test, result, collect, tamper or
 * finish record); every other line is ignored. The text is hostile:
 * learner code in the run can write it. */
void pt_parse_records(struct pt_run *r, const char *data, size_t len, const char *nonce);

/* Did the run end as pytest ends on its own (its finish record, exit
 * status 0 or 1, no sandbox verdict)? */
int pt_run_completed(const struct pt_run *r);

/* Why a run ended without a test's record, in words a learner can act
 * on; with_stderr adds the end of the suite's stderr (visible runs
 * only). Heap string. */
char *pt_describe_early_end(const struct pt_run *r, int with_stderr);

/* One test that did not pass, as the message of a check, appended to sb:
 * "test ID failed at WHERE: MSG" (or errored, was skipped, xfail), then
 * with_frames the failure's learner-side frames, then what the test
 * printed. The pytest kind shows the frames (they are the learner's
 * code); the pytest-tests kind does not (they are the exercise's). */
struct strbuf;
void pt_describe_failure(struct strbuf *sb, const struct pt_result *res, int with_frames);

/* The import error of a test file that could not be collected, or NULL. */
const char *pt_collect_error(const struct pt_run *r, const char *file);

/* The collected test with this node id, or NULL. */
const struct pt_test *pt_test_find(const struct pt_run *r, const char *id);

/* A shell-style pattern: '*' any run of characters, '?' one. */
int pt_glob_match(const char *pat, const char *s);

#endif
