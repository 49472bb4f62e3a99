/* fork_coping.c - starts children until fork() fails with EAGAIN at the
 * pids limit, then copes: kills and reaps the children it has and exits
 * 0. Must end as ok, with the refused fork counted (forks_refused). With
 * an argument it gives up instead (exit 3): must end as process-limit. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	pid_t kids[1000];
	int started = 0;
	while (started < 1000) {
		pid_t pid = fork();
		if (pid == 0) {
			pause(); /* until the parent kills it */
			_exit(0);
		}
		if (pid < 0) {
			printf("fork refused after %d children: %s\n", started, strerror(errno));
			break;
		}
		kids[started++] = pid;
	}
	for (int i = 0; i < started; i++)
		kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	printf("coped with %d children\n", started);
	return argc > 1 ? 3 : 0;
}
