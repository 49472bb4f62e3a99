/*
 * known_hosts.c - an OpenSSH known_hosts reader for ssh:// fetches (see
 * known_hosts.h). The file is the operator's, not a learner's; lines it
 * cannot parse are skipped, as OpenSSH skips them.
 */
#include "known_hosts.h"

#include <errno.h>
#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grader/util/util.h"

/* Decodes base64 text of length n into out (room for n bytes); returns
 * the decoded length or -1. */
static long b64_decode(const char *in, size_t n, unsigned char *out)
{
	if (n == 0 || n % 4)
		return -1;
	int len = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
	if (len < 0)
		return -1;
	for (size_t i = n; i > 0 && in[i - 1] == '='; i--)
		len--;
	return len;
}

/* "|1|salt|hash": HMAC-SHA1(salt, name) == hash. */
static int hashed_matches(const char *field, const char *name)
{
	if (strncmp(field, "|1|", 3))
		return 0;
	const char *salt = field + 3, *bar = strchr(salt, '|');
	if (!bar)
		return 0;
	unsigned char s[64], h[64], mac[EVP_MAX_MD_SIZE];
	size_t slen = (size_t)(bar - salt), hlen = strlen(bar + 1);
	if (slen > sizeof s || hlen > sizeof h)
		return 0;
	long sl = b64_decode(salt, slen, s), hl = b64_decode(bar + 1, hlen, h);
	unsigned int maclen = 0;
	if (sl <= 0 || hl != 20 ||
	    !HMAC(EVP_sha1(), s, (int)sl, (const unsigned char *)name, strlen(name), mac,
		  &maclen) ||
	    maclen != 20)
		return 0;
	return CRYPTO_memcmp(mac, h, 20) == 0;
}

/* OpenSSH's patterns: '*' and '?' only ('[' is literal, as in
 * "[host]:port"), case-insensitive. */
static int wildmatch(const char *pat, const char *s)
{
	for (; *pat; pat++, s++) {
		if (*pat == '*') {
			while (pat[1] == '*')
				pat++;
			for (const char *t = s;; t++) {
				if (wildmatch(pat + 1, t))
					return 1;
				if (!*t)
					return 0;
			}
		}
		if (!*s || (*pat != '?' && tolower((unsigned char)*pat) != tolower((unsigned char)*s)))
			return 0;
	}
	return *s == '\0';
}

/* 1 when the comma-separated patterns match name, 0 otherwise; a
 * matching negated pattern ("!pat") wins over everything. */
static int patterns_match(char *patterns, const char *name)
{
	if (patterns[0] == '|')
		return hashed_matches(patterns, name);
	int hit = 0;
	char *save = NULL;
	for (char *p = strtok_r(patterns, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		int neg = p[0] == '!';
		if (wildmatch(p + neg, name)) {
			if (neg)
				return 0;
			hit = 1;
		}
	}
	return hit;
}

void known_hosts_name(const char *host, int port, char *out, size_t len)
{
	if (port == 22 || port <= 0)
		snprintf(out, len, "%s", host);
	else
		snprintf(out, len, "[%s]:%d", host, port);
}

enum kh_result known_hosts_check(const char *path, const char *host, int port,
				 const unsigned char *key, size_t keylen, char *err,
				 size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return KH_UNKNOWN;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return KH_ERROR;
	}
	char name[300];
	known_hosts_name(host, port, name, sizeof name);
	enum kh_result res = KH_UNKNOWN;
	char *line = NULL;
	size_t cap = 0;
	unsigned char *blob = NULL;
	while (getline(&line, &cap, f) > 0 && res != KH_REVOKED) {
		char *save = NULL, *field = strtok_r(line, " \t\r\n", &save);
		if (!field || field[0] == '#')
			continue;
		int revoked = 0;
		if (field[0] == '@') {
			if (strcmp(field, "@revoked"))
				continue; /* @cert-authority: not supported */
			revoked = 1;
			field = strtok_r(NULL, " \t\r\n", &save);
			if (!field)
				continue;
		}
		char *type = strtok_r(NULL, " \t\r\n", &save);
		char *b64 = type ? strtok_r(NULL, " \t\r\n", &save) : NULL;
		if (!b64 || !patterns_match(field, name))
			continue;
		size_t n = strlen(b64);
		blob = xrealloc(blob, n + 1);
		long len = b64_decode(b64, n, blob);
		int same = len == (long)keylen && memcmp(blob, key, keylen) == 0;
		if (same && revoked)
			res = KH_REVOKED;
		else if (same && !revoked)
			res = KH_MATCH;
		else if (!revoked && res == KH_UNKNOWN)
			res = KH_MISMATCH;
	}
	if (ferror(f) && res != KH_REVOKED) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		res = KH_ERROR;
	}
	free(blob);
	free(line);
	fclose(f);
	return res;
}

char *known_hosts_path(void)
{
	const char *env = getenv("GRADER_SSH_KNOWN_HOSTS");
	if (env && env[0])
		return xstrdup(env);
	const char *home = getenv("HOME");
	if (home && home[0]) {
		char *p = xasprintf("%s/.ssh/known_hosts", home);
		if (access(p, F_OK) == 0)
			return p;
		free(p);
	}
	return xstrdup("/etc/ssh/ssh_known_hosts");
}

int known_hosts_url_host(const char *url, char *host, size_t hostlen, int *port)
{
	*port = 22;
	const char *p, *end;
	if (!strncmp(url, "ssh://", 6) || !strncmp(url, "ssh+git://", 10) ||
	    !strncmp(url, "git+ssh://", 10)) {
		p = strstr(url, "://") + 3;
		const char *slash = strchr(p, '/');
		const char *at = memchr(p, '@', slash ? (size_t)(slash - p) : strlen(p));
		if (at)
			p = at + 1;
		if (*p == '[') {
			end = strchr(p, ']');
			if (!end)
				return -1;
			p++;
		} else {
			end = p + strcspn(p, ":/");
		}
		const char *after = *end == ']' ? end + 1 : end;
		if (*after == ':') {
			char *stop;
			long v = strtol(after + 1, &stop, 10);
			if (v <= 0 || v > 65535 || (*stop && *stop != '/'))
				return -1;
			*port = (int)v;
		}
	} else if (!strstr(url, "://") && (end = strchr(url, ':'))) {
		p = url;
		const char *at = memchr(url, '@', (size_t)(end - url));
		if (at)
			p = at + 1;
		if (strchr(p, '/') && strchr(p, '/') < end)
			return -1; /* a local path with a colon */
	} else {
		return -1;
	}
	size_t n = (size_t)(end - p);
	if (n == 0 || n >= hostlen)
		return -1;
	memcpy(host, p, n);
	host[n] = '\0';
	return 0;
}
