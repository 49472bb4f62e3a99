/* memhog.c - touches memory 16 MiB at a time until something stops it:
 * a memory cgroup's OOM killer, or (rootless, RLIMIT_AS) a refused
 * allocation, after which it says how much it got and exits 3. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void)
{
	for (int mib = 0;; mib += 16) {
		char *p = malloc(16 << 20);
		if (!p) {
			printf("allocation refused after %d MiB\n", mib);
			return 3;
		}
		memset(p, 1, 16 << 20);
	}
}
