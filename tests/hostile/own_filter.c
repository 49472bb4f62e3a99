/* own_filter.c [notif|errno] - stacks a filter of its own with prctl
 * (no listener) that answers unshare itself, USER_NOTIF (which, without a
 * listener, fails the call with ENOSYS) or ERRNO(0) (a fake success), and
 * calls unshare(CLONE_NEWUSER): had the filter been installed, it would
 * pre-empt the sandbox's notification and the call would go unreported. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	unsigned ret = argc > 1 && !strcmp(argv[1], "errno") ? SECCOMP_RET_ERRNO | 0
							       : SECCOMP_RET_USER_NOTIF;
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_unshare, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, ret),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	int r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
	printf("own filter: %s\n", r < 0 ? strerror(errno) : "installed");
	fflush(stdout);
	long u = syscall(SYS_unshare, CLONE_NEWUSER);
	printf("unshare returned %ld (%s)\n", u, u < 0 ? strerror(errno) : "ran");
	return 0;
}
