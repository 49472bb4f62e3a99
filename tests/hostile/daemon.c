/* daemon.c - double fork + setsid: the grandchild outlives the main
 * process and, 2 s later, would write /work/escaped. The sandbox must kill
 * it when the main process ends. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
int main(void)
{
	if (fork() == 0) {
		setsid();
		if (fork() == 0) {
			close(0), close(1), close(2);
			sleep(2);
			int fd = open("/work/escaped", O_WRONLY | O_CREAT, 0644);
			write(fd, "alive\n", 6);
			for (;;)
				pause();
		}
		_exit(0);
	}
	return 0;
}
