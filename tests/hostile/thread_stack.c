/* thread_stack.c - a thread that recurses far deeper than any default
 * thread stack allows (about 64 MiB of frames): it dies of SIGSEGV, which
 * the result must explain as a possible stack overflow, naming the stack
 * limit. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static volatile unsigned long sink;

static unsigned long deep(unsigned long n)
{
	char frame[4096];
	memset(frame, (int)n, sizeof frame);
	sink += (unsigned long)frame[n % sizeof frame];
	return n ? deep(n - 1) + (unsigned long)frame[0] : 0;
}

static void *worker(void *arg)
{
	(void)arg;
	sink = deep(16384);
	return NULL;
}

int main(void)
{
	printf("thread started\n");
	fflush(stdout);
	pthread_t t;
	if (pthread_create(&t, NULL, worker, NULL) != 0)
		return 2;
	pthread_join(t, NULL);
	printf("survived\n");
	return 0;
}
