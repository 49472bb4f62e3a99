/* sigstop.c - stops itself; the run must still end at the wall limit. */
#include <signal.h>
int main(void)
{
	raise(SIGSTOP);
	return 0;
}
