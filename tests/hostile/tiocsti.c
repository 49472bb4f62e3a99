/* tiocsti.c - tries to push a command into the controlling terminal's
 * input queue (TIOCSTI) through every fd and /dev/tty. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
int main(void)
{
	const char *cmd = "id\n";
	int done = 0;
	int tty = open("/dev/tty", O_RDWR);
	int fds[] = {0, 1, 2, tty};
	for (int i = 0; i < 4; i++)
		for (const char *c = cmd; fds[i] >= 0 && *c; c++)
			if (ioctl(fds[i], TIOCSTI, c) == 0)
				done++;
	printf("injected %d bytes\n", done);
	return 0;
}
