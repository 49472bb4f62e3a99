/* hugefile.c - writes /work/huge past any file size limit. */
#include <fcntl.h>
#include <unistd.h>
int main(void)
{
	static char buf[1 << 16];
	int fd = open("/work/huge", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	for (;;)
		if (write(fd, buf, sizeof buf) <= 0)
			return 1;
}
