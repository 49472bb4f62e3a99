/* syscalls.c NAME - makes the forbidden system call NAME directly. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		long nr;
	} calls[] = {
	    {"ptrace", SYS_ptrace},
	    {"mount", SYS_mount},
	    {"unshare", SYS_unshare},
	    {"setns", SYS_setns},
	    {"bpf", SYS_bpf},
	    {"perf_event_open", SYS_perf_event_open},
	    {"keyctl", SYS_keyctl},
	    {"io_uring_setup", SYS_io_uring_setup},
	    {"userfaultfd", SYS_userfaultfd},
	};
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		if (argc > 1 && !strcmp(argv[1], calls[i].name)) {
			long r = syscall(calls[i].nr, 0, 0, 0, 0, 0, 0);
			printf("%s returned %ld\n", calls[i].name, r);
			return 0;
		}
	}
	return 2;
}
