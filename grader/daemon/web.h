/*
 * web.h - what the daemon's web pages need besides the API routes
 * (api.c serves them): the session cookie a bearer token is exchanged
 * for, its CSRF token, the same-origin check on state-changing requests,
 * the static assets of web/ (embedded at build time: web/embed.sh writes
 * $(BUILD)/gen/web_assets.c) and the few pages rendered on the server
 * (sign-in, errors). docs/web.md is the user's side of all of this.
 *
 * A session is stateless: the cookie is "EXPIRY.NONCE.MAC", the MAC an
 * HMAC-SHA256 with the daemon's session key over the token's SHA-256,
 * the expiry and the nonce. It names no token: checking one tries every
 * configured token, so a token removed from the configuration ends its
 * sessions, and the key (WEB_KEY_FILE in the state directory, made 0600
 * on first start) keeps them valid across restarts.
 */
#ifndef GRADER_DAEMON_WEB_H
#define GRADER_DAEMON_WEB_H

#include <stddef.h>
#include <time.h>

#include "config.h"

enum {
	WEB_KEY_LEN = 32,
	WEB_SESSION_MAX = 160,           /* a cookie value and its NUL */
	WEB_SESSION_SECONDS = 12 * 3600, /* how long a sign-in lasts */
};
#define WEB_COOKIE      "grader_session"
#define WEB_KEY_FILE    "web-session.key"
#define WEB_CSRF_HEADER "X-CSRF-Token"

/* One file of web/, as embedded. */
struct web_asset {
	const char *name; /* "app.js" */
	const unsigned char *data;
	size_t len;
};
/* The generated table, ended by an entry with a NULL name. */
extern const struct web_asset web_assets[];

/* The asset called name, or NULL. */
const struct web_asset *web_asset_find(const char *name);
/* The Content-Type of a file name by its suffix (html, css, js, svg,
 * png, ico; else application/octet-stream). */
const char *web_content_type(const char *name);

/* Reads the session key from state_dir/WEB_KEY_FILE, creating it (mode
 * 0600, random) when there is none. 0, or -1 + err: unreadable, not 64
 * hex digits, or readable by group or others. */
int web_key_load(const char *state_dir, unsigned char key[WEB_KEY_LEN], char *err, size_t errlen);

/* A new session for token t that expires at now + WEB_SESSION_SECONDS,
 * written as the cookie's value into out[WEB_SESSION_MAX]. 0, or -1
 * when no random nonce could be had. */
int web_session_new(const unsigned char key[WEB_KEY_LEN], const struct api_token *t, time_t now,
		    char out[WEB_SESSION_MAX]);
/* The token of a valid, unexpired session value, or NULL (malformed,
 * forged, expired, or its token is no longer configured). Every token
 * is tried, each in constant time. */
const struct api_token *web_session_check(const unsigned char key[WEB_KEY_LEN],
					  const struct config *cfg, const char *value, time_t now);

/* The session's CSRF token (64 hex digits and a NUL): an HMAC of the
 * session value, so it needs no storage and dies with the session. */
void web_csrf_token(const unsigned char key[WEB_KEY_LEN], const char *session, char out[65]);
/* 1 when header (may be NULL) is the session's CSRF token (compared in
 * constant time), else 0. */
int web_csrf_ok(const unsigned char key[WEB_KEY_LEN], const char *session, const char *header);

/* 1 when a browser says the request comes from this site: Sec-Fetch-Site
 * is "same-origin" or absent, Origin is absent or http(s)://HOST ("null"
 * too when Sec-Fetch-Site is same-origin), and at least one of the two
 * was sent. Any argument may be NULL. */
int web_same_origin(const char *origin, const char *sec_fetch_site, const char *host);

/* s[n] with %HH sequences decoded (and '+' as a space when plus_is_space):
 * a heap string, or NULL for a bad sequence or one that decodes to NUL. */
char *web_percent_decode(const char *s, size_t n, int plus_is_space);

/* The value of field name in an application/x-www-form-urlencoded body
 * (percent and '+' decoded; a heap string), or NULL when it is absent,
 * badly encoded or decodes to a NUL byte. */
char *web_form_field(const char *body, size_t len, const char *name);

/* s with & < > " ' as HTML character references (a heap string). */
char *web_html_escape(const char *s);

/* The asset page (an .html of web/) with "{message}" replaced by the
 * HTML-escaped message ("" when NULL): a heap string, or NULL when there
 * is no such page. */
char *web_page(const char *page, const char *message);

/* s percent-encoded as one URL path segment (all but A-Z a-z 0-9 - . _ ~):
 * a heap string. */
char *web_url_segment(const char *s);

/* The Set-Cookie value for session (NULL: one that deletes the cookie). */
char *web_cookie_header(const char *session, int secure);

#endif
