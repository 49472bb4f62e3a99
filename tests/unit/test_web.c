/*
 * test_web.c - unit tests for the web pages' server side (grader/daemon/
 * web.c): session cookies (forged, tampered, expired, of a removed
 * token), the session key file, CSRF tokens, the same-origin rule, form
 * fields, escaping, and the embedded assets (no inline script or style).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grader/daemon/web.h"
#include "grader/util/util.h"

/* A configuration of two tokens, as config_load would leave it. */
static struct api_token tokens[2];
static struct config cfg;

static void setup(void)
{
	memset(tokens, 0, sizeof tokens);
	tokens[0].name = "teacher";
	tokens[0].role = ROLE_INSTRUCTOR;
	sha256_hex("instructor-token", 16, tokens[0].sha256);
	tokens[1].name = "ana";
	tokens[1].role = ROLE_LEARNER;
	tokens[1].learner = "ana";
	sha256_hex("ana-token", 9, tokens[1].sha256);
	memset(&cfg, 0, sizeof cfg);
	cfg.tokens = tokens;
	cfg.ntokens = 2;
}

static const unsigned char key[WEB_KEY_LEN] = "0123456789abcdef0123456789abcdef";

START_TEST(test_session_names_its_token)
{
	char s[WEB_SESSION_MAX];
	time_t now = 1700000000;
	ck_assert_int_eq(web_session_new(key, &tokens[1], now, s), 0);
	ck_assert_ptr_eq(web_session_check(key, &cfg, s, now), &tokens[1]);
	ck_assert_ptr_eq(web_session_check(key, &cfg, s, now + WEB_SESSION_SECONDS - 1),
			 &tokens[1]);
	ck_assert_int_eq(web_session_new(key, &tokens[0], now, s), 0);
	ck_assert_ptr_eq(web_session_check(key, &cfg, s, now), &tokens[0]);
	/* two sign-ins of one token are two sessions */
	char t[WEB_SESSION_MAX];
	ck_assert_int_eq(web_session_new(key, &tokens[0], now, t), 0);
	ck_assert_str_ne(s, t);
}
END_TEST

START_TEST(test_session_refuses_forgery)
{
	char s[WEB_SESSION_MAX];
	time_t now = 1700000000;
	ck_assert_int_eq(web_session_new(key, &tokens[1], now, s), 0);
	/* expired */
	ck_assert_ptr_null(web_session_check(key, &cfg, s, now + WEB_SESSION_SECONDS));
	/* another key */
	unsigned char other[WEB_KEY_LEN];
	memcpy(other, key, sizeof other);
	other[0] ^= 1;
	ck_assert_ptr_null(web_session_check(other, &cfg, s, now));
	/* each character changed in turn */
	for (size_t i = 0; s[i]; i++) {
		char t[WEB_SESSION_MAX];
		memcpy(t, s, sizeof t);
		if (t[i] == '.')
			continue;
		t[i] = t[i] == '1' ? '2' : '1';
		ck_assert_msg(!web_session_check(key, &cfg, t, now), "changed at %zu: %s", i, t);
	}
	/* a later expiry with the old MAC */
	char *dot = strchr(s, '.');
	char *later = xasprintf("%lld%s", (long long)now + 10 * WEB_SESSION_SECONDS, dot);
	ck_assert_ptr_null(web_session_check(key, &cfg, later, now));
	free(later);
	/* malformed */
	const char *bad[] = {"", ".", "..", "1.2.3", "x", s + 1, NULL};
	for (size_t i = 0; bad[i]; i++)
		ck_assert_ptr_null(web_session_check(key, &cfg, bad[i], now));
	ck_assert_ptr_null(web_session_check(key, &cfg, NULL, now));
	/* a token no longer configured ends its sessions */
	cfg.ntokens = 1;
	ck_assert_ptr_null(web_session_check(key, &cfg, s, now));
}
END_TEST

START_TEST(test_csrf_token_is_the_sessions)
{
	char s[WEB_SESSION_MAX], t[WEB_SESSION_MAX], c[65], d[65];
	ck_assert_int_eq(web_session_new(key, &tokens[0], 1700000000, s), 0);
	ck_assert_int_eq(web_session_new(key, &tokens[0], 1700000000, t), 0);
	web_csrf_token(key, s, c);
	web_csrf_token(key, t, d);
	ck_assert_uint_eq(strlen(c), 64);
	ck_assert_str_ne(c, d);
	ck_assert_int_eq(web_csrf_ok(key, s, c), 1);
	ck_assert_int_eq(web_csrf_ok(key, t, c), 0);
	ck_assert_int_eq(web_csrf_ok(key, s, NULL), 0);
	ck_assert_int_eq(web_csrf_ok(key, s, ""), 0);
	c[63] = c[63] == 'a' ? 'b' : 'a';
	ck_assert_int_eq(web_csrf_ok(key, s, c), 0);
}
END_TEST

START_TEST(test_same_origin)
{
	const char *host = "grader.example.edu:8080";
	ck_assert_int_eq(web_same_origin("http://grader.example.edu:8080", NULL, host), 1);
	ck_assert_int_eq(web_same_origin("https://grader.example.edu:8080", "same-origin", host),
			 1);
	ck_assert_int_eq(web_same_origin(NULL, "same-origin", host), 1);
	ck_assert_int_eq(web_same_origin(NULL, NULL, host), 0);
	ck_assert_int_eq(web_same_origin("http://evil.example", NULL, host), 0);
	ck_assert_int_eq(web_same_origin("http://grader.example.edu:8080.evil", NULL, host), 0);
	ck_assert_int_eq(web_same_origin("null", NULL, host), 0);
	ck_assert_int_eq(web_same_origin("null", "same-origin", host), 1); /* no-referrer forms */
	ck_assert_int_eq(web_same_origin("null", "cross-site", host), 0);
	ck_assert_int_eq(web_same_origin("http://grader.example.edu:8080", "cross-site", host), 0);
	ck_assert_int_eq(web_same_origin("http://grader.example.edu:8080", "same-site", host), 0);
	ck_assert_int_eq(web_same_origin(NULL, "none", host), 0);
	ck_assert_int_eq(web_same_origin("http://grader.example.edu:8080", NULL, NULL), 0);
}
END_TEST

START_TEST(test_form_field)
{
	const char *b = "a=1&token=ab%2Bc+d%21&empty=&x";
	char *v = web_form_field(b, strlen(b), "token");
	ck_assert_str_eq(v, "ab+c d!");
	free(v);
	v = web_form_field(b, strlen(b), "empty");
	ck_assert_str_eq(v, "");
	free(v);
	ck_assert_ptr_null(web_form_field(b, strlen(b), "tok"));
	ck_assert_ptr_null(web_form_field(b, strlen(b), "x"));
	ck_assert_ptr_null(web_form_field("token=a%00b", 11, "token"));
	ck_assert_ptr_null(web_form_field("token=a%4", 9, "token"));
	ck_assert_ptr_null(web_form_field("token=a%zz", 10, "token"));
	/* the length bounds the body: no read past it */
	v = web_form_field("token=abcdef", 9, "token");
	ck_assert_str_eq(v, "abc");
	free(v);
}
END_TEST

START_TEST(test_escaping)
{
	char *e = web_html_escape("<script>alert(1)</script>\"'&");
	ck_assert_str_eq(e, "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;");
	free(e);
	e = web_url_segment("a b/<é>");
	ck_assert_str_eq(e, "a%20b%2F%3C%C3%A9%3E");
	free(e);
	char *p = web_page("error.html", "\"><img src=x onerror=alert(1)>");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(strstr(p, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
	ck_assert_ptr_null(strstr(p, "<img"));
	free(p);
	ck_assert_ptr_null(web_page("app.js", "x")); /* only pages are templates */
	ck_assert_ptr_null(web_page("nowhere.html", "x"));
	char *c = web_cookie_header("v", 1);
	ck_assert_str_eq(
	    c, "grader_session=v; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict; Secure");
	free(c);
	c = web_cookie_header(NULL, 0);
	ck_assert_str_eq(c, "grader_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
	free(c);
}
END_TEST

/* Every embedded page: no inline script, no style attribute or element,
 * no event-handler attribute, no resource from another site; the CSP
 * would refuse them, so the page would break. */
START_TEST(test_assets_have_no_inline_code)
{
	size_t pages = 0;
	for (const struct web_asset *a = web_assets; a->name; a++) {
		ck_assert_uint_eq(strlen((const char *)a->data),
				  a->len); /* NUL after, none inside */
		if (strcmp(web_content_type(a->name), "text/html; charset=utf-8"))
			continue;
		pages++;
		const char *s = (const char *)a->data;
		for (const char *p = s; (p = strstr(p, "<script")); p++)
			ck_assert_msg(!strncmp(p, "<script src=\"/static/", 21),
				      "%s: a script that is not a /static/ file", a->name);
		ck_assert_msg(!strstr(s, "<style"), "%s has a <style>", a->name);
		ck_assert_msg(!strstr(s, "style="), "%s has a style attribute", a->name);
		for (const char *p = s; (p = strstr(p, " on")); p++) {
			size_t n = strspn(p + 3, "abcdefghijklmnopqrstuvwxyz");
			ck_assert_msg(!n || p[3 + n] != '=', "%s has an event-handler attribute",
				      a->name);
		}
		ck_assert_msg(!strstr(s, "//") || !strstr(s, "http"), "%s names another site",
			      a->name);
	}
	ck_assert_uint_ge(pages, 6);
	/* the pages app.js draws: each names itself for app.js and loads it */
	static const char *const drawn[][2] = {{"gradebook.html", "gradebook"},
					       {"learner.html", "learner"},
					       {"exercises.html", "exercises"},
					       {"ops.html", "ops"}};
	for (size_t i = 0; i < sizeof drawn / sizeof drawn[0]; i++) {
		const struct web_asset *pg = web_asset_find(drawn[i][0]);
		ck_assert_ptr_nonnull(pg);
		char *want = xasprintf("<body data-page=\"%s\">", drawn[i][1]);
		ck_assert_msg(strstr((const char *)pg->data, want), "%s lacks %s", drawn[i][0], want);
		free(want);
		ck_assert_ptr_nonnull(strstr((const char *)pg->data, "<script src=\"/static/app.js\""));
	}
	ck_assert_ptr_nonnull(web_asset_find("app.js"));
	ck_assert_ptr_nonnull(web_asset_find("app.css"));
	ck_assert_ptr_null(web_asset_find("embed.sh"));
	ck_assert_ptr_null(web_asset_find("../Makefile"));
	ck_assert_str_eq(web_content_type("app.js"), "text/javascript; charset=utf-8");
	ck_assert_str_eq(web_content_type("app.css"), "text/css; charset=utf-8");
	ck_assert_str_eq(web_content_type("x"), "application/octet-stream");
	/* the script builds the page from text: no innerHTML, no eval */
	const char *js = (const char *)web_asset_find("app.js")->data;
	ck_assert_ptr_null(strstr(js, "innerHTML"));
	ck_assert_ptr_null(strstr(js, "outerHTML"));
	ck_assert_ptr_null(strstr(js, "insertAdjacentHTML"));
	ck_assert_ptr_null(strstr(js, "document.write"));
	ck_assert_ptr_null(strstr(js, "eval("));
}
END_TEST

START_TEST(test_key_file)
{
	char dir[] = "/tmp/test_web_XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char err[256] = "";
	unsigned char k1[WEB_KEY_LEN], k2[WEB_KEY_LEN];
	ck_assert_msg(web_key_load(dir, k1, err, sizeof err) == 0, "%s", err);
	char *path = path_join(dir, WEB_KEY_FILE);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	/* the same key on the next start */
	ck_assert_msg(web_key_load(dir, k2, err, sizeof err) == 0, "%s", err);
	ck_assert_mem_eq(k1, k2, WEB_KEY_LEN);
	/* readable by others: refused */
	chmod(path, 0644);
	ck_assert_int_eq(web_key_load(dir, k2, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "readable by others"));
	/* not a key */
	chmod(path, 0600);
	ck_assert_int_eq(write_file_atomic(path, "nothex\n", 7), 0);
	chmod(path, 0600);
	ck_assert_int_eq(web_key_load(dir, k2, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "64 hex digits"));
	unlink(path);
	free(path);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("web");
	TCase *tc = tcase_create("web");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_session_names_its_token);
	tcase_add_test(tc, test_session_refuses_forgery);
	tcase_add_test(tc, test_csrf_token_is_the_sessions);
	tcase_add_test(tc, test_same_origin);
	tcase_add_test(tc, test_form_field);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_assets_have_no_inline_code);
	tcase_add_test(tc, test_key_file);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
