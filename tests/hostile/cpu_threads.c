/* cpu_threads.c - four threads spin; CPU time is summed over them. */
#include <pthread.h>
static void *spin(void *a)
{
	volatile unsigned long x = 0;
	for (;;)
		x++;
	return a;
}
int main(void)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], 0, spin, 0);
	spin(0);
}
