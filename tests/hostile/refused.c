/* refused.c NAME - makes a system call the sandbox refuses without ending
 * the run (not on its allow list, or newer than its libseccomp) directly
 * by number, and prints what it returned: -1 with ENOSYS or EPERM. */
#define _GNU_SOURCE
#include <errno.h>
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
	    {"modify_ldt", 154},
	    {"memfd_secret", 447},
	    {"set_mempolicy_home_node", 450},
	    {"nr460", 460},
	    {"nr600", 600},
	};
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		if (argc > 1 && !strcmp(argv[1], calls[i].name)) {
			errno = 0;
			/* modify_ldt(0 = read, NULL, 0) and the others with zeros:
			 * harmless if they did run. */
			long r = syscall(calls[i].nr, 0, 0, 0, 0, 0, 0);
			printf("%s returned %ld errno %s\n", calls[i].name, r,
			       r < 0 ? strerrorname_np(errno) : "none");
			/* the program goes on after a refused call */
			printf("still running\n");
			return 0;
		}
	}
	return 2;
}
