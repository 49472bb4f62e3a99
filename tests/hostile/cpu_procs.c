/* cpu_procs.c - four processes spin; CPU time is summed over the tree. */
#include <unistd.h>
int main(void)
{
	for (int i = 0; i < 3; i++)
		if (fork() == 0)
			break;
	volatile unsigned long x = 0;
	for (;;)
		x++;
}
