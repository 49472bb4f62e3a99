/* fill_tmp.c - writes /tmp/fill until the write fails; prints why. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void)
{
	static char buf[1 << 16];
	int fd = open("/tmp/fill", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return 2;
	long total = 0;
	for (;;) {
		ssize_t w = write(fd, buf, sizeof buf);
		if (w <= 0) {
			printf("stopped after %ld bytes: %s\n", total, strerror(errno));
			return 0;
		}
		total += w;
	}
}
