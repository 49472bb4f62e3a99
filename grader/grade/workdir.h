/*
 * workdir.h - the work-dir toolkit every runner uses: a private scratch
 * space for a grading, a run's work dir holding a copy of the learner's
 * files, and (through grader/util/beneath.h, included here) reading back
 * what a program wrote and writing input files into a work dir, always
 * below its root and never through a symbolic link.
 *
 * Ownership: heap paths; the caller removes the dir with workdir_remove.
 */
#ifndef GRADER_WORKDIR_H
#define GRADER_WORKDIR_H

#include <stddef.h>

#include "grader/grade/grade.h"
#include "grader/util/beneath.h"

/* As root, gives the process a mount namespace of its own (call it
 * before any thread starts), in which each scratch dir is then a tmpfs:
 * a sandbox's /proc/self/mountinfo shows its work dir's path inside
 * that, never the host's. 0 (also when not root: nothing to do), or -1
 * with errno (scratch dirs stay ordinary ones). */
int workdir_private_mounts(void);

/* Creates a private scratch dir under $TMPDIR (or /tmp) for one grading
 * run (a tmpfs after workdir_private_mounts): heap path, or NULL with a
 * message in err. Removed with workdir_scratch_remove. */
char *workdir_scratch(char *err, size_t errlen);
/* Removes a scratch dir and everything in it, and frees its path. */
void workdir_scratch_remove(char *dir);

/* The folder of the submission that holds ex's files (its submit path in
 * course.yaml, else its id). */
const char *workdir_submit_path(const struct exercise *ex);

/* A fresh, empty private work dir under env->scratch: heap path, or NULL
 * with a message in err. */
char *workdir_empty(const struct grade_env *env, char *err, size_t errlen);

/* A fresh private work dir under env->scratch holding a copy of the
 * submission's files for ex (its submit path folder; an empty dir when
 * the learner submitted no such folder). Symbolic links are copied as
 * links: inside the sandbox they resolve within its own root. Heap path,
 * or NULL with a message in err. */
char *workdir_make(const struct exercise *ex, const struct submission *sub,
		   const struct grade_env *env, char *err, size_t errlen);

/* Writes the exercise's files into a work dir (below it, replacing what
 * the learner had at those names). 0, or -1 with a message in err. */
int workdir_write_files(const char *work, const struct ex_file *files, size_t count, char *err,
			size_t errlen);

/* Removes a work dir (never following a link) and frees its path. */
void workdir_remove(char *dir);

#endif
