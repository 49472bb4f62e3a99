/* int80.c - a 32-bit system call (getpid) through int 0x80. */
#include <stdio.h>
int main(void)
{
	long r = 20; /* __NR_getpid on i386 */
	__asm__ volatile("int $0x80" : "+a"(r) : : "memory");
	printf("int 0x80 returned %ld\n", r);
	return 0;
}
