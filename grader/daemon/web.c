/*
 * web.c - sessions, CSRF tokens, the same-origin rule, form fields and
 * the embedded assets of the web pages (web.h). The routes that use them
 * are api.c's.
 */
#include "web.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "grader/util/util.h"
#include "template.h"

const struct web_asset *web_asset_find(const char *name)
{
	for (const struct web_asset *a = web_assets; a->name; a++)
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}

const char *web_content_type(const char *name)
{
	static const struct {
		const char *suffix, *type;
	} types[] = {
	    {".html", "text/html; charset=utf-8"},
	    {".css", "text/css; charset=utf-8"},
	    {".js", "text/javascript; charset=utf-8"},
	    {".svg", "image/svg+xml"},
	    {".png", "image/png"},
	    {".ico", "image/x-icon"},
	};
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		size_t k = strlen(types[i].suffix);
		if (n > k && !strcmp(name + n - k, types[i].suffix))
			return types[i].type;
	}
	return "application/octet-stream";
}

static void to_hex(const unsigned char *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* The key from its file's text: exactly 64 hex digits, a newline allowed. */
static int parse_key(const char *text, size_t len, unsigned char key[WEB_KEY_LEN])
{
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	if (len != 2 * WEB_KEY_LEN)
		return -1;
	for (size_t i = 0; i < WEB_KEY_LEN; i++) {
		int hi = hex_digit((unsigned char)text[2 * i]);
		int lo = hex_digit((unsigned char)text[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		key[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* A new key file, created exclusively: 1 written, 0 someone else's is
 * there already (read it), -1 + err. */
static int create_key(const char *path, unsigned char key[WEB_KEY_LEN], char *err, size_t errlen)
{
	char hex[2 * WEB_KEY_LEN + 2];
	if (random_bytes(key, WEB_KEY_LEN) < 0) {
		snprintf(err, errlen, "cannot read random bytes for the session key: %s",
			 strerror(errno));
		return -1;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == EEXIST)
		return 0;
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	to_hex(key, WEB_KEY_LEN, hex);
	strcat(hex, "\n");
	int rc = fd_write_all(fd, hex, strlen(hex));
	if (rc == 0)
		rc = fsync(fd);
	if (rc < 0)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	close(fd);
	if (rc < 0)
		unlink(path);
	return rc < 0 ? -1 : 1;
}

int web_key_load(const char *state_dir, unsigned char key[WEB_KEY_LEN], char *err, size_t errlen)
{
	char *path = path_join(state_dir, WEB_KEY_FILE);
	int rc = 0;
	struct stat st;
	if (lstat(path, &st) < 0 && errno == ENOENT)
		rc = create_key(path, key, err, errlen);
	if (rc == 0) {
		char *text = NULL;
		size_t len = 0;
		if (lstat(path, &st) < 0 || read_file(path, 4096, &text, &len) < 0) {
			snprintf(err, errlen, "cannot read the session key %s: %s", path,
				 strerror(errno));
			rc = -1;
		} else if (st.st_mode & 077) {
			/* whoever reads it can sign in as anyone */
			snprintf(err, errlen,
				 "the session key %s is readable by others (mode %o): chmod 600 it",
				 path, (unsigned)(st.st_mode & 0777));
			rc = -1;
		} else if (parse_key(text, len, key) < 0) {
			snprintf(err, errlen, "the session key %s is not 64 hex digits", path);
			rc = -1;
		}
		free(text);
	}
	free(path);
	return rc < 0 ? -1 : 0;
}

/* HMAC-SHA256 with key over the parts, each followed by a NUL so that no
 * two lists of parts give the same message; as 64 hex digits. */
static void mac_hex(const unsigned char key[WEB_KEY_LEN], const char *const *parts, char out[65])
{
	struct strbuf msg = {0};
	for (; *parts; parts++)
		sb_add(&msg, *parts, strlen(*parts) + 1);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	HMAC(EVP_sha256(), key, WEB_KEY_LEN, (const unsigned char *)msg.buf, msg.len, md, &mdlen);
	sb_free(&msg);
	to_hex(md, 32, out);
}

static void session_mac(const unsigned char key[WEB_KEY_LEN], const char *token_sha256,
			const char *expiry, const char *nonce, char out[65])
{
	const char *parts[] = {"grader-session/1", token_sha256, expiry, nonce, NULL};
	mac_hex(key, parts, out);
}

int web_session_new(const unsigned char key[WEB_KEY_LEN], const struct api_token *t, time_t now,
		    char out[WEB_SESSION_MAX])
{
	char expiry[24], nonce[33], mac[65];
	if (random_hex(nonce, 16) < 0)
		return -1;
	snprintf(expiry, sizeof expiry, "%" PRId64, (int64_t)now + WEB_SESSION_SECONDS);
	session_mac(key, t->sha256, expiry, nonce, mac);
	snprintf(out, WEB_SESSION_MAX, "%s.%s.%s", expiry, nonce, mac);
	return 0;
}

const struct api_token *web_session_check(const unsigned char key[WEB_KEY_LEN],
					  const struct config *cfg, const char *value, time_t now)
{
	if (!value || strlen(value) >= WEB_SESSION_MAX)
		return NULL;
	char buf[WEB_SESSION_MAX];
	snprintf(buf, sizeof buf, "%s", value);
	char *nonce = strchr(buf, '.');
	char *mac = nonce ? strchr(nonce + 1, '.') : NULL;
	if (!mac)
		return NULL;
	*nonce++ = '\0';
	*mac++ = '\0';
	size_t elen = strlen(buf);
	if (!elen || elen > 18 || strspn(buf, "0123456789") != elen || strlen(nonce) != 32 ||
	    strspn(nonce, "0123456789abcdef") != 32 || strlen(mac) != 64)
		return NULL;
	if (strtoll(buf, NULL, 10) <= (long long)now)
		return NULL;
	const struct api_token *found = NULL;
	for (size_t i = 0; i < cfg->ntokens; i++) {
		char want[65];
		session_mac(key, cfg->tokens[i].sha256, buf, nonce, want);
		if (CRYPTO_memcmp(want, mac, 64) == 0)
			found = &cfg->tokens[i];
	}
	return found;
}

void web_csrf_token(const unsigned char key[WEB_KEY_LEN], const char *session, char out[65])
{
	const char *parts[] = {"grader-csrf/1", session, NULL};
	mac_hex(key, parts, out);
}

int web_csrf_ok(const unsigned char key[WEB_KEY_LEN], const char *session, const char *header)
{
	char want[65];
	if (!header || strlen(header) != 64)
		return 0;
	web_csrf_token(key, session, want);
	return CRYPTO_memcmp(want, header, 64) == 0;
}

int web_same_origin(const char *origin, const char *sec_fetch_site, const char *host)
{
	if (!origin && !sec_fetch_site)
		return 0; /* not a browser that says where it comes from */
	if (sec_fetch_site && strcmp(sec_fetch_site, "same-origin"))
		return 0;
	/* a page under Referrer-Policy: no-referrer sends "Origin: null" with
	 * its forms; Sec-Fetch-Site then says where it is from */
	if (origin && sec_fetch_site && !strcmp(origin, "null"))
		origin = NULL;
	if (origin) {
		const char *rest = NULL;
		if (!strncasecmp(origin, "http://", 7))
			rest = origin + 7;
		else if (!strncasecmp(origin, "https://", 8))
			rest = origin + 8;
		if (!rest || !host || strcasecmp(rest, host))
			return 0;
	}
	return 1;
}

char *web_percent_decode(const char *s, size_t n, int plus_is_space)
{
	struct strbuf v = {0};
	sb_adds(&v, "");
	for (const char *end = s + n; s < end; s++) {
		int c = (unsigned char)*s;
		if (c == '+' && plus_is_space) {
			c = ' ';
		} else if (c == '%') {
			int hi = end - s > 2 ? hex_digit((unsigned char)s[1]) : -1;
			int lo = hi >= 0 ? hex_digit((unsigned char)s[2]) : -1;
			if (lo < 0 || (hi | lo) == 0) {
				sb_free(&v);
				return NULL;
			}
			c = hi << 4 | lo;
			s += 2;
		}
		sb_addc(&v, (char)c);
	}
	return sb_detach(&v, NULL);
}

char *web_form_field(const char *body, size_t len, const char *name)
{
	size_t nlen = strlen(name);
	const char *end = body + len;
	for (const char *p = body; p < end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		if (eq && (size_t)(eq - p) == nlen && !memcmp(p, name, nlen))
			return web_percent_decode(eq + 1, (size_t)(stop - eq - 1), 1);
		p = stop + 1;
	}
	return NULL;
}

char *web_html_escape(const char *s)
{
	struct strbuf sb = {0};
	sb_adds(&sb, "");
	for (; *s; s++) {
		switch (*s) {
		case '&':
			sb_adds(&sb, "&amp;");
			break;
		case '<':
			sb_adds(&sb, "&lt;");
			break;
		case '>':
			sb_adds(&sb, "&gt;");
			break;
		case '"':
			sb_adds(&sb, "&quot;");
			break;
		case '\'':
			sb_adds(&sb, "&#39;");
			break;
		default:
			sb_addc(&sb, *s);
		}
	}
	return sb_detach(&sb, NULL);
}

char *web_url_segment(const char *s)
{
	struct strbuf sb = {0};
	sb_adds(&sb, "");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c))
			sb_addc(&sb, (char)c);
		else
			sb_addf(&sb, "%%%02X", c);
	}
	return sb_detach(&sb, NULL);
}

static const char *page_word(const void *ctx, const char *name, size_t len)
{
	return len == 7 && !memcmp(name, "message", 7) ? ctx : NULL;
}

char *web_page(const char *page, const char *message)
{
	const struct web_asset *a = web_asset_find(page);
	if (!a || strcmp(web_content_type(page), "text/html; charset=utf-8"))
		return NULL;
	char *tmpl = xstrndup((const char *)a->data, a->len);
	char *msg = web_html_escape(message ? message : "");
	char *out = template_expand(tmpl, page_word, msg);
	free(msg);
	free(tmpl);
	return out;
}

char *web_cookie_header(const char *session, int secure)
{
	/* Strict: no other site's link or form sends it; HttpOnly: no script
	 * reads it (the pages get their CSRF token from /api/v1/session). */
	if (!session)
		return xasprintf(WEB_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s",
				 secure ? "; Secure" : "");
	return xasprintf(WEB_COOKIE "=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s", session,
			 (int)WEB_SESSION_SECONDS, secure ? "; Secure" : "");
}
