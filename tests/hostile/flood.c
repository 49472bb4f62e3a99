/* flood.c MODE SECONDS - 8 threads calling, in a loop for SECONDS:
 * personality(0x1234), a persona the filter refuses itself (MODE
 * personality), or alternately that and an unlisted system call, which
 * only the grader can name (MODE both). Prints how the calls ended. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int both;
static double seconds;
static long eperm, enosys, other;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *loop(void *arg)
{
	long n_eperm = 0, n_enosys = 0, n_other = 0;
	double end = now() + seconds;
	for (long i = 0; now() < end; i++) {
		long r = (both && (i & 1)) ? syscall(460, 0, 0, 0, 0) : syscall(SYS_personality, 0x1234);
		if (r == -1 && errno == EPERM)
			n_eperm++;
		else if (r == -1 && errno == ENOSYS)
			n_enosys++;
		else
			n_other++;
	}
	pthread_mutex_lock(&lock);
	eperm += n_eperm;
	enosys += n_enosys;
	other += n_other;
	pthread_mutex_unlock(&lock);
	return arg;
}

int main(int argc, char **argv)
{
	both = argc > 1 && !strcmp(argv[1], "both");
	seconds = argc > 2 ? atof(argv[2]) : 3;
	pthread_t t[8];
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, loop, NULL);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	printf("eperm %ld enosys %ld other %ld persona %d\n", eperm, enosys, other,
	       personality(0xffffffff));
	return 0;
}
