/*
 * net.c - the sandbox's network: loopback only, brought up by the child,
 * and TCP connections from the grader into a running sandbox (for HTTP
 * exercises whose server runs inside).
 *
 * sbx_connect_tcp forks a helper that joins the sandbox's user namespace
 * (when we created it unprivileged; root needs no user namespace to enter
 * a child namespace) and its network namespace, connects to
 * 127.0.0.1:port there, and passes the socket back over SCM_RIGHTS;
 * sbx_socket_tcp does the same without connecting (a client such as
 * libcurl then connects it itself, inside the namespace). A
 * socket keeps the namespace it was created in, so the grader can then
 * use it like any other. The helper is a fork of a multi-threaded process:
 * only system calls until it exits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/internal.h"

int sbx_net_loopback_up(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, "lo", 3);
	int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
	if (rc == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	int e = errno;
	close(s);
	errno = e;
	return rc;
}

int sbx_netns_fd(const struct sbx_proc *p)
{
	return p ? p->netns_fd : -1;
}

static int send_fd(int sock, int fd)
{
	char byte = fd >= 0 ? 'F' : 'X';
	struct iovec iov = {&byte, 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof u);
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fd >= 0) {
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof u.buf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static int recv_fd(int sock)
{
	char byte;
	struct iovec iov = {&byte, 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof u.buf};
	ssize_t n;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n != 1 || byte != 'F')
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof fd);
	return fd;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Helper side: tries until the deadline; a refused connection means the
 * server is still starting. */
static int connect_loop(int port, double deadline)
{
	struct sockaddr_in addr;
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (;;) {
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -1;
		if (connect(s, (struct sockaddr *)&addr, sizeof addr) == 0)
			return s;
		close(s);
		if (sbx_now() >= deadline)
			return -1;
		sleep_ms(10);
	}
}

static void helper_main(const struct sbx_proc *p, int sock, int port, double deadline)
{
	if (p->userns_fd >= 0 && setns(p->userns_fd, CLONE_NEWUSER) < 0)
		_exit(1);
	if (setns(p->netns_fd, CLONE_NEWNET) < 0)
		_exit(1);
	/* port 0: an unconnected socket of the namespace (sbx_socket_tcp) */
	int fd = port ? connect_loop(port, deadline)
		      : socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	send_fd(sock, fd);
	_exit(fd < 0);
}

static int helper_fd(struct sbx_proc *p, int port, double timeout_s);

int sbx_connect_tcp(struct sbx_proc *p, int port, double timeout_s)
{
	if (port <= 0 || port > 65535)
		return -1;
	return helper_fd(p, port, timeout_s);
}

int sbx_socket_tcp(struct sbx_proc *p)
{
	return helper_fd(p, 0, 5.0);
}

static int helper_fd(struct sbx_proc *p, int port, double timeout_s)
{
	if (!p || p->netns_fd < 0)
		return -1;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	double deadline = sbx_now() + (timeout_s > 0 ? timeout_s : 5.0);
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		helper_main(p, sv[1], port, deadline);
	}
	close(sv[1]);
	int fd = recv_fd(sv[0]);
	close(sv[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return fd;
}

/* Helper side of sbx_tcp_listeners: joins the namespaces and copies its
 * /proc/self/net/tcp, a NUL, then tcp6 into the pipe. System calls only. */
static void listeners_helper(const struct sbx_proc *p, int out)
{
	static const char *const files[] = {"/proc/self/net/tcp", "/proc/self/net/tcp6"};
	if (p->userns_fd >= 0 && setns(p->userns_fd, CLONE_NEWUSER) < 0)
		_exit(1);
	if (setns(p->netns_fd, CLONE_NEWNET) < 0)
		_exit(1);
	for (int i = 0; i < 2; i++) {
		int fd = open(files[i], O_RDONLY | O_CLOEXEC);
		char buf[4096];
		ssize_t n;
		while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0)
			if (write(out, buf, (size_t)n) != n)
				_exit(1);
		if (fd >= 0)
			close(fd);
		if (i == 0 && write(out, "", 1) != 1)
			_exit(1);
	}
	_exit(0);
}

/* One line of /proc/net/tcp{,6}: "0: 0100007F:1F40 00000000:0000 0A ...".
 * The address is hex in the kernel's byte order, 32-bit words at a time;
 * state 0A is LISTEN. Returns 1 and fills l for a listener. */
static int parse_listener(const char *line, int ipv6, struct sbx_listener *l)
{
	char addr[40], state[4];
	unsigned port;
	if (sscanf(line, " %*d: %39[0-9A-Fa-f]:%x %*s %3s", addr, &port, state) != 3 ||
	    strcmp(state, "0A") != 0)
		return 0;
	size_t words = ipv6 ? 4 : 1;
	if (strlen(addr) != words * 8)
		return 0;
	unsigned char bytes[16];
	for (size_t w = 0; w < words; w++) {
		char hex[9];
		memcpy(hex, addr + w * 8, 8);
		hex[8] = '\0';
		uint32_t v = (uint32_t)strtoul(hex, NULL, 16);
		memcpy(bytes + w * 4, &v, 4); /* back to network order on this host */
	}
	memset(l, 0, sizeof *l);
	l->ipv6 = ipv6;
	l->port = (int)port;
	return inet_ntop(ipv6 ? AF_INET6 : AF_INET, bytes, l->addr, sizeof l->addr) != NULL;
}

int sbx_tcp_listeners(struct sbx_proc *p, struct sbx_listener *out, int max)
{
	if (!p || p->netns_fd < 0 || max < 0)
		return -1;
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		listeners_helper(p, pfd[1]);
	}
	close(pfd[1]);
	size_t cap = 1u << 20, len = 0;
	char *buf = sbx_xmalloc(cap + 1);
	ssize_t n;
	while (len < cap && ((n = read(pfd[0], buf + len, cap - len)) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			len += (size_t)n;
	buf[len] = '\0';
	close(pfd[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	int count = -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		count = 0;
		size_t v4len = strnlen(buf, len);
		for (int six = 0; six < 2; six++) {
			char *s = six ? buf + v4len + 1 : buf;
			char *end = six ? buf + len : buf + v4len;
			if (s > end)
				break;
			*end = '\0';
			for (char *line = s; line && *line && count < max;) {
				char *nl = strchr(line, '\n');
				if (nl)
					*nl = '\0';
				if (parse_listener(line, six, &out[count]))
					count++;
				line = nl ? nl + 1 : NULL;
			}
		}
	}
	free(buf);
	return count;
}
