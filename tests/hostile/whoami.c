/* whoami.c - prints its real and effective uid (run as a setuid binary). */
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	printf("uid=%d euid=%d\n", (int)getuid(), (int)geteuid());
	return 0;
}
