/* daemon.c - double fork + setsid: the grandchild outlives the main
 * process and, 2 s later, would write /work/escaped. The sandbox must kill
 * it when the main process ends. The middle process says on stdout that
 * the grandchild started (the test's proof that there was one to kill),
 * and the main process waits for it, as a daemonising program does. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void)
{
	pid_t mid = fork();
	if (mid == 0) {
		setsid();
		pid_t grand = fork();
		if (grand == 0) {
			close(0), close(1), close(2);
			sleep(2);
			int fd = open("/work/escaped", O_WRONLY | O_CREAT, 0644);
			write(fd, "alive\n", 6);
			for (;;)
				pause();
		}
		if (grand > 0)
			printf("grandchild started\n");
		fflush(stdout);
		_exit(0);
	}
	if (mid > 0)
		waitpid(mid, NULL, 0);
	return 0;
}
