/*
 * run.c - grading one submission against a course (run.h).
 */
#include "run.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "grade.h"
#include "grader/grade/workdir.h"
#include "grader/util/util.h"

/* Something the learner put at path: a folder, or anything else (a link,
 * a file) that grading then refuses with a message in the report rather
 * than skipping the exercise silently. */
static int is_present(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static const struct exercise *find_by_id(const struct run_request *rq, const char *id,
					 char *err, size_t errlen)
{
	const char **ids = xcalloc(rq->nall + 1, sizeof *ids);
	const struct exercise *found = NULL;
	for (size_t i = 0; i < rq->nall; i++) {
		ids[i] = rq->all[i]->id;
		if (!strcmp(rq->all[i]->id, id))
			found = rq->all[i];
	}
	if (!found) {
		const char *hint = closest_word(id, ids);
		snprintf(err, errlen, "no exercise '%s' in this course%s%s%s", id,
			 hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
	}
	free(ids);
	return found;
}

/* Keeps the chosen exercises that have a check named in rq->checks;
 * a name none of them has is an error. Returns the new count or -1. */
static long select_by_check(const struct run_request *rq, const struct exercise **sel, long n,
			    char *err, size_t errlen)
{
	for (size_t k = 0; k < rq->nchecks; k++) {
		int found = 0;
		for (long i = 0; i < n && !found; i++)
			found = exercise_find_check(sel[i], rq->checks[k]) >= 0;
		if (found)
			continue;
		size_t total = 0;
		for (long i = 0; i < n; i++)
			total += sel[i]->nchecks;
		const char **names = xcalloc(total + 1, sizeof *names);
		total = 0;
		for (long i = 0; i < n; i++)
			for (size_t j = 0; j < sel[i]->nchecks; j++)
				names[total++] = sel[i]->checks[j].name;
		const char *hint = closest_word(rq->checks[k], names);
		snprintf(err, errlen, "no check '%s' in %s%s%s%s", rq->checks[k],
			 n == 1 ? sel[0]->id : "the exercises graded",
			 hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
		free(names);
		return -1;
	}
	long kept = 0;
	for (long i = 0; i < n; i++) {
		int has = 0;
		for (size_t k = 0; k < rq->nchecks && !has; k++)
			has = exercise_find_check(sel[i], rq->checks[k]) >= 0;
		if (has)
			sel[kept++] = sel[i];
	}
	return kept;
}

static long select_exercises(const struct run_request *rq, const struct submission *sub,
			     const struct exercise ***out, char *err, size_t errlen);

long run_select(const struct run_request *rq, const struct submission *sub,
		const struct exercise ***out, char *err, size_t errlen)
{
	long n = select_exercises(rq, sub, out, err, errlen);
	if (n <= 0 || !rq->nchecks)
		return n;
	n = select_by_check(rq, *out, n, err, errlen);
	if (n < 0) {
		free(*out);
		*out = NULL;
	}
	return n;
}

static long select_exercises(const struct run_request *rq, const struct submission *sub,
			     const struct exercise ***out, char *err, size_t errlen)
{
	const struct exercise **sel = xcalloc(rq->nall + rq->nids + 1, sizeof *sel);
	long n = 0;
	if (rq->nids) {
		for (size_t i = 0; i < rq->nids; i++) {
			const struct exercise *ex = find_by_id(rq, rq->ids[i], err, errlen);
			if (!ex) {
				free(sel);
				return -1;
			}
			sel[n++] = ex;
		}
		*out = sel;
		return n;
	}
	char **changed = NULL;
	size_t nchanged = 0;
	if (rq->since &&
	    submission_changed_paths(sub, rq->since, &changed, &nchanged, err, errlen) < 0) {
		free(sel);
		return -1;
	}
	for (size_t i = 0; i < rq->nall; i++) {
		const struct exercise *ex = rq->all[i];
		const char *sp = ex->submit_path ? ex->submit_path : ex->id;
		char *p = path_join(sub->dir, sp);
		int present = !strcmp(sp, ".") || is_present(p);
		free(p);
		if (present && (!rq->since || submission_paths_touch(changed, nchanged, sp)))
			sel[n++] = ex;
	}
	for (size_t i = 0; i < nchanged; i++)
		free(changed[i]);
	free(changed);
	*out = sel;
	return n;
}

static void copy_info(struct report *r, const struct submission *sub)
{
	const struct submission_info *in = &sub->info;
	r->submission_dir = xstrdup(sub->dir);
	r->sub.repo = in->repo ? xstrdup(in->repo) : NULL;
	r->sub.ref = in->ref ? xstrdup(in->ref) : NULL;
	r->sub.commit = in->commit ? xstrdup(in->commit) : NULL;
	r->sub.author = in->author ? xstrdup(in->author) : NULL;
	r->sub.committer = in->committer ? xstrdup(in->committer) : NULL;
	r->sub.message = in->message ? xstrdup(in->message) : NULL;
	r->sub.commit_time = in->commit_time;
}

enum run_status run_grade(const struct run_request *rq, const struct submission *sub,
			  struct report *r, char *err, size_t errlen)
{
	const struct exercise **sel = NULL;
	long n = run_select(rq, sub, &sel, err, errlen);
	if (n < 0)
		return RUN_USAGE;
	if (n == 0 && !rq->since && rq->nall == 1 && !rq->all[0]->submit_path) {
		snprintf(err, errlen,
			 "the submission has no folder %s/: a single exercise is graded in the "
			 "folder named by its id (in a course, by its 'submit' path)",
			 rq->all[0]->id);
		free(sel);
		return RUN_USAGE;
	}
	if (n == 0 && !rq->since) {
		snprintf(err, errlen, "the submission holds no exercise of this course "
				      "(looked for the folders named by 'submit' in course.yaml)");
		free(sel);
		return RUN_USAGE;
	}
	char *scratch = workdir_scratch(err, errlen);
	if (!scratch) {
		free(sel);
		return RUN_INTERNAL;
	}
	struct grade_env env = {.now = time(NULL),
				.scratch = scratch,
				.progress = rq->progress,
				.checks = rq->checks,
				.nchecks = rq->nchecks};
	r->created = env.now;
	copy_info(r, sub);
	double start = now_monotonic();
	for (long i = 0; i < n; i++) {
		char *label = xasprintf("[%ld/%ld] %s", i + 1, n, sel[i]->id);
		env.progress_label = label;
		progress_exercise(env.progress, label);
		grade_exercise(sel[i], sub, &env, r);
		free(label);
	}
	env.progress_label = NULL;
	progress_done(rq->progress);
	r->duration_ms = (long)((now_monotonic() - start) * 1000.0 + 0.5);
	report_finish(r);
	workdir_scratch_remove(scratch);
	free(sel);
	return RUN_OK;
}
