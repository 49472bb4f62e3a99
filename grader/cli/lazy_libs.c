/*
 * lazy_libs.c - libcurl and libpq for grader-core, loaded when first
 * called. grader-core grades every kind, but only an http exercise needs
 * libcurl and only a PostgreSQL one needs libpq; linked normally, the two
 * and the 30-odd libraries they pull in (Kerberos, LDAP, GnuTLS, ...)
 * were loaded and relocated at every start: about 12 ms of each `grader
 * grade`, more than the io kind's whole run of a small program.
 *
 * Each function grader-core calls is defined here with its library's
 * prototype and forwards to the real one, looked up with dlsym on first
 * use (the handle and each pointer are published atomically, so threads
 * may race to the same value). A library that cannot be loaded ends the
 * process with exit status 3 and its name: the package is broken.
 *
 * Only grader-core links this file (the Makefile leaves it out of
 * libgrader.a); grader-serve and the tests link the libraries themselves.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <curl/curl.h>
#include <libpq-fe.h>

#include "grader/util/exit.h"

struct lazy_lib {
	const char *const names[3]; /* sonames to try, in order */
	void *handle;
};

static struct lazy_lib curl_lib = {{"libcurl.so.4", "libcurl-gnutls.so.4", NULL}, NULL};
static struct lazy_lib pq_lib = {{"libpq.so.5", NULL, NULL}, NULL};

static void *lazy_sym(struct lazy_lib *l, const char *name)
{
	void *h = __atomic_load_n(&l->handle, __ATOMIC_ACQUIRE);
	if (!h) {
		for (int i = 0; !h && l->names[i]; i++)
			h = dlopen(l->names[i], RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			fprintf(stderr, "grader: cannot load %s: %s\n", l->names[0], dlerror());
			exit(EXIT_INTERNAL);
		}
		__atomic_store_n(&l->handle, h, __ATOMIC_RELEASE);
	}
	void *f = dlsym(h, name);
	if (!f) {
		fprintf(stderr, "grader: %s has no %s\n", l->names[0], name);
		exit(EXIT_INTERNAL);
	}
	return f;
}

/* LAZY(lib, ret, name, (params), (args)): name forwards to lib's name. */
#define LAZY(lib, ret, name, params, args)                                                     \
	ret name params                                                                        \
	{                                                                                      \
		static ret(*lz_fp) params;                                                     \
		ret(*lz_fn) params = __atomic_load_n(&lz_fp, __ATOMIC_ACQUIRE);               \
		if (!lz_fn) {                                                                  \
			lz_fn = (ret(*) params)lazy_sym(&lib, #name);                          \
			__atomic_store_n(&lz_fp, lz_fn, __ATOMIC_RELEASE);                     \
		}                                                                              \
		return lz_fn args;                                                             \
	}
#define LAZY_VOID(lib, name, params, args)                                                     \
	void name params                                                                       \
	{                                                                                      \
		static void(*lz_fp) params;                                                    \
		void(*lz_fn) params = __atomic_load_n(&lz_fp, __ATOMIC_ACQUIRE);              \
		if (!lz_fn) {                                                                  \
			lz_fn = (void(*) params)lazy_sym(&lib, #name);                         \
			__atomic_store_n(&lz_fp, lz_fn, __ATOMIC_RELEASE);                     \
		}                                                                              \
		lz_fn args;                                                                    \
	}

/* ---- libcurl ---- */

LAZY(curl_lib, CURLcode, curl_global_init, (long flags), (flags))
LAZY(curl_lib, CURL *, curl_easy_init, (void), ())
LAZY(curl_lib, CURLcode, curl_easy_perform, (CURL * h), (h))
LAZY_VOID(curl_lib, curl_easy_cleanup, (CURL * h), (h))
LAZY(curl_lib, const char *, curl_easy_strerror, (CURLcode c), (c))
LAZY(curl_lib, char *, curl_easy_escape, (CURL * h, const char *s, int n), (h, s, n))
LAZY_VOID(curl_lib, curl_free, (void *p), (p))
LAZY(curl_lib, struct curl_slist *, curl_slist_append, (struct curl_slist * l, const char *s),
     (l, s))
LAZY_VOID(curl_lib, curl_slist_free_all, (struct curl_slist * l), (l))
LAZY(curl_lib, CURLU *, curl_url, (void), ())
LAZY_VOID(curl_lib, curl_url_cleanup, (CURLU * u), (u))
LAZY(curl_lib, CURLUcode, curl_url_get, (CURLU * u, CURLUPart w, char **p, unsigned int f),
     (u, w, p, f))
LAZY(curl_lib, CURLUcode, curl_url_set, (CURLU * u, CURLUPart w, const char *p, unsigned int f),
     (u, w, p, f))

/* The two variadic calls take one argument after the option, whose type
 * the option's number says (curl.h's CURLOPTTYPE_* and CURLINFO_*
 * ranges): a long, an object or function pointer, or a curl_off_t. */
#undef curl_easy_setopt
#undef curl_easy_getinfo

CURLcode curl_easy_setopt(CURL *h, CURLoption o, ...)
{
	static void *fp;
	void *f = __atomic_load_n(&fp, __ATOMIC_ACQUIRE);
	if (!f) {
		f = lazy_sym(&curl_lib, "curl_easy_setopt");
		__atomic_store_n(&fp, f, __ATOMIC_RELEASE);
	}
	va_list ap;
	va_start(ap, o);
	CURLcode rc;
	if (o < CURLOPTTYPE_OBJECTPOINT) {
		long v = va_arg(ap, long);
		rc = ((CURLcode(*)(CURL *, CURLoption, long))f)(h, o, v);
	} else if (o < CURLOPTTYPE_OFF_T) { /* object and function pointers */
		void *v = va_arg(ap, void *);
		rc = ((CURLcode(*)(CURL *, CURLoption, void *))f)(h, o, v);
	} else if (o < CURLOPTTYPE_BLOB) {
		curl_off_t v = va_arg(ap, curl_off_t);
		rc = ((CURLcode(*)(CURL *, CURLoption, curl_off_t))f)(h, o, v);
	} else {
		void *v = va_arg(ap, void *);
		rc = ((CURLcode(*)(CURL *, CURLoption, void *))f)(h, o, v);
	}
	va_end(ap);
	return rc;
}

CURLcode curl_easy_getinfo(CURL *h, CURLINFO i, ...)
{
	static void *fp;
	void *f = __atomic_load_n(&fp, __ATOMIC_ACQUIRE);
	if (!f) {
		f = lazy_sym(&curl_lib, "curl_easy_getinfo");
		__atomic_store_n(&fp, f, __ATOMIC_RELEASE);
	}
	va_list ap;
	va_start(ap, i);
	void *out = va_arg(ap, void *); /* every CURLINFO takes a pointer */
	va_end(ap);
	return ((CURLcode(*)(CURL *, CURLINFO, void *))f)(h, i, out);
}

/* ---- libpq ---- */

LAZY(pq_lib, PGconn *, PQconnectdbParams,
     (const char *const *k, const char *const *v, int expand), (k, v, expand))
LAZY(pq_lib, ConnStatusType, PQstatus, (const PGconn *c), (c))
LAZY_VOID(pq_lib, PQfinish, (PGconn * c), (c))
LAZY(pq_lib, char *, PQerrorMessage, (const PGconn *c), (c))
LAZY(pq_lib, PQnoticeProcessor, PQsetNoticeProcessor, (PGconn * c, PQnoticeProcessor p, void *a),
     (c, p, a))
LAZY(pq_lib, PGresult *, PQexec, (PGconn * c, const char *q), (c, q))
LAZY(pq_lib, PGresult *, PQexecParams,
     (PGconn * c, const char *q, int n, const Oid *t, const char *const *v, const int *l,
      const int *f, int rf),
     (c, q, n, t, v, l, f, rf))
LAZY(pq_lib, int, PQsendQueryParams,
     (PGconn * c, const char *q, int n, const Oid *t, const char *const *v, const int *l,
      const int *f, int rf),
     (c, q, n, t, v, l, f, rf))
LAZY(pq_lib, int, PQsetSingleRowMode, (PGconn * c), (c))
LAZY(pq_lib, PGresult *, PQgetResult, (PGconn * c), (c))
LAZY_VOID(pq_lib, PQclear, (PGresult * r), (r))
LAZY(pq_lib, ExecStatusType, PQresultStatus, (const PGresult *r), (r))
LAZY(pq_lib, char *, PQresultErrorMessage, (const PGresult *r), (r))
LAZY(pq_lib, char *, PQresultErrorField, (const PGresult *r, int code), (r, code))
LAZY(pq_lib, int, PQntuples, (const PGresult *r), (r))
LAZY(pq_lib, int, PQnfields, (const PGresult *r), (r))
LAZY(pq_lib, char *, PQfname, (const PGresult *r, int i), (r, i))
LAZY(pq_lib, Oid, PQftype, (const PGresult *r, int i), (r, i))
LAZY(pq_lib, char *, PQgetvalue, (const PGresult *r, int t, int f), (r, t, f))
LAZY(pq_lib, int, PQgetlength, (const PGresult *r, int t, int f), (r, t, f))
LAZY(pq_lib, int, PQgetisnull, (const PGresult *r, int t, int f), (r, t, f))
LAZY(pq_lib, PGcancel *, PQgetCancel, (PGconn * c), (c))
LAZY(pq_lib, int, PQcancel, (PGcancel * c, char *buf, int n), (c, buf, n))
LAZY_VOID(pq_lib, PQfreeCancel, (PGcancel * c), (c))
LAZY_VOID(pq_lib, PQfreemem, (void *p), (p))
LAZY(pq_lib, PQconninfoOption *, PQconninfoParse, (const char *s, char **err), (s, err))
LAZY_VOID(pq_lib, PQconninfoFree, (PQconninfoOption * o), (o))
