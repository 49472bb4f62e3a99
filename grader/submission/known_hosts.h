/*
 * known_hosts.h - checking an SSH server's host key against an OpenSSH
 * known_hosts file, for fetches over ssh:// (libgit2 refuses every host
 * key it is not told to trust).
 *
 * Supported: plain host patterns ("host", "[host]:port", comma lists,
 * "*" and "?" wildcards, "!" negation), hashed names ("|1|salt|hash",
 * as `ssh-keyscan -H` writes them) and "@revoked" keys. "@cert-authority"
 * lines are skipped: the grader does not verify host certificates.
 */
#ifndef GRADER_KNOWN_HOSTS_H
#define GRADER_KNOWN_HOSTS_H

#include <stddef.h>

enum kh_result {
	KH_ERROR = -1,   /* the file could not be read: err says why */
	KH_UNKNOWN = 0,  /* no line for this host */
	KH_MATCH = 1,    /* a line for this host has exactly this key */
	KH_MISMATCH = 2, /* lines for this host, none with this key */
	KH_REVOKED = 3,  /* the key is marked @revoked */
};

/* Looks host (port 22 is written "host", any other "[host]:port") up in
 * path with the server's key blob (SSH wire format, as known_hosts
 * stores it base64-encoded). A file that does not exist is KH_UNKNOWN. */
enum kh_result known_hosts_check(const char *path, const char *host, int port,
				 const unsigned char *key, size_t keylen, char *err,
				 size_t errlen);

/* The name known_hosts files use: "host" for port 22, else "[host]:port". */
void known_hosts_name(const char *host, int port, char *out, size_t len);

/* Which file to use: $GRADER_SSH_KNOWN_HOSTS, else ~/.ssh/known_hosts
 * when it exists, else /etc/ssh/ssh_known_hosts. Heap string. */
char *known_hosts_path(void);

/* Host and port of an ssh URL: ssh://[user@]host[:port]/path,
 * ssh://[user@][v6addr]:port/path or scp-like [user@]host:path. Returns
 * 0, or -1 when url is none of those. */
int known_hosts_url_host(const char *url, char *host, size_t hostlen, int *port);

#endif
