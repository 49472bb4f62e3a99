/* bgchild.c - a background child keeps stdout open for a minute after the
 * main process exits; the run must still end promptly. */
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	if (fork() == 0) {
		sleep(60);
		puts("late");
		return 0;
	}
	puts("main done");
	return 0;
}
