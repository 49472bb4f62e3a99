/* forkbomb.c - forks without end; must end as process-limit. */
#include <unistd.h>
int main(void)
{
	for (;;)
		fork();
}
