/* connect.c PORT - connects to 127.0.0.1:PORT and prints what happened. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s, (struct sockaddr *)&a, sizeof a) == 0) {
		char buf[64] = {0};
		recv(s, buf, sizeof buf - 1, 0);
		printf("connected: %s\n", buf);
		return 0;
	}
	printf("connect failed: %s\n", strerror(errno));
	return 1;
}
