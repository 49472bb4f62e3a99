/*
 * submission.h - what is being graded: a tree of files on the host
 * (a learner's checkout, or a commit written out from Git) and what is
 * known of where it came from.
 *
 * Ownership: submission_* functions return objects freed with
 * submission_free. The tree under dir is hostile: read it without
 * following symlinks out of it.
 */
#ifndef GRADER_SUBMISSION_H
#define GRADER_SUBMISSION_H

#include <time.h>

struct submission_info {
	char *repo;      /* URL or path of the repository; NULL for a plain dir */
	char *ref;       /* e.g. refs/heads/main */
	char *commit;    /* full hex id */
	char *author;    /* "Name <email>" */
	char *committer;
	time_t commit_time;
	char *message;   /* the commit message */
};

struct submission {
	char *dir;  /* absolute host path of the submission's root */
	char *git_dir; /* a bare repository holding its history, or NULL */
	struct submission_info info;
	int owns_dir; /* remove dir on free (a private checkout) */
};

/* A plain folder, graded as it is. NULL + message in err on error. */
struct submission *submission_from_dir(const char *dir, char *err, size_t errlen);
void submission_free(struct submission *s);

#endif
