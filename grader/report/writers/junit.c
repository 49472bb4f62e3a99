/*
 * junit.c - JUnit XML for CI systems: a testsuite per exercise and a
 * testcase per check, with failure, error and skipped elements. Text is
 * repaired to UTF-8 and characters XML 1.0 cannot carry (control
 * characters other than tab, newline and carriage return; U+FFFE and
 * U+FFFF) become U+FFFD.
 */
#include <stdlib.h>
#include <string.h>

#include "grader/util/util.h"
#include "writers.h"

/* Escapes s for XML 1.0 content (attr 0) or an attribute value (attr 1,
 * where tab, newline and carriage return must be character references
 * or a parser turns them into spaces). Code points XML 1.0 forbids
 * (controls, U+FFFE, U+FFFF) become U+FFFD. */
static void xml_escaped(FILE *out, const char *s, int attr)
{
	if (!s)
		return;
	char *u = report_utf8(s);
	for (const unsigned char *p = (const unsigned char *)u; *p; p++) {
		if (p[0] == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF)) {
			fputs("\xEF\xBF\xBD", out);
			p += 2;
			continue;
		}
		switch (*p) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&apos;", out);
			break;
		case '\t':
		case '\n':
		case '\r':
			if (attr || *p == '\r')
				fprintf(out, "&#%d;", *p);
			else
				fputc(*p, out);
			break;
		default:
			if (*p < 0x20 || *p == 0x7F)
				fputs("\xEF\xBF\xBD", out);
			else
				fputc(*p, out);
		}
	}
	free(u);
}

static void xml_text(FILE *out, const char *s)
{
	xml_escaped(out, s, 0);
}

static void xml_attr(FILE *out, const char *s)
{
	xml_escaped(out, s, 1);
}

static void counts(const struct ex_report *e, size_t *fail, size_t *err, size_t *skip)
{
	for (size_t j = 0; j < e->n; j++) {
		*fail += e->checks[j].status == CHECK_FAILED;
		*err += e->checks[j].status == CHECK_ERROR;
		*skip += e->checks[j].status == CHECK_SKIPPED;
	}
}

static void details(FILE *out, const struct check_view *v)
{
	if (v->message)
		xml_text(out, v->message);
	if (v->redacted)
		return;
	if (v->hint) {
		fputs("\n\nhint: ", out);
		xml_text(out, v->hint);
	}
	if (v->input) {
		fputs("\n\ninput:\n", out);
		xml_text(out, v->input);
	}
	if (v->expected) {
		fputs("\n\nexpected:\n", out);
		xml_text(out, v->expected);
	}
	if (!v->diff)
		return;
	if (v->diff->expected_excerpt || v->diff->actual_excerpt) {
		if (v->diff->line > 0)
			fprintf(out, "\n\nfirst difference at line %d, column %d", v->diff->line,
				v->diff->col);
		fputs("\nexpected: ", out);
		xml_text(out, v->diff->expected_excerpt);
		fputs("\nactual:   ", out);
		xml_text(out, v->diff->actual_excerpt);
	}
	if (v->diff->unified && *v->diff->unified) {
		fputs("\n\n", out);
		xml_text(out, v->diff->unified);
	}
}

static void testcase(FILE *out, const struct ex_report *e, const struct check_result *c,
		     const struct write_opts *o)
{
	struct check_view v;
	report_check_view(c, o, &v);
	fputs("    <testcase classname=\"", out);
	xml_attr(out, e->id);
	fputs("\" name=\"", out);
	xml_attr(out, c->name);
	fprintf(out, "\" time=\"%.3f\"", c->has_resources ? (double)c->wall_ms / 1000.0 : 0.0);
	if (c->status == CHECK_PASSED) {
		fputs("/>\n", out);
		return;
	}
	const char *tag = c->status == CHECK_FAILED  ? "failure"
			  : c->status == CHECK_ERROR ? "error"
						     : "skipped";
	fprintf(out, ">\n      <%s message=\"", tag);
	xml_attr(out, v.message ? v.message : check_status_name(c->status));
	fputs("\">", out);
	if (c->status != CHECK_SKIPPED)
		details(out, &v);
	fprintf(out, "</%s>\n    </testcase>\n", tag);
}

int write_junit(const struct report *r, const struct write_opts *o, FILE *out)
{
	size_t tests = 0, fail = 0, err = 0, skip = 0;
	for (size_t i = 0; i < r->n; i++) {
		tests += r->ex[i].n;
		counts(&r->ex[i], &fail, &err, &skip);
	}
	/* Jenkins' junit-10.xsd has no 'skipped' on testsuites (each
	 * testsuite carries its own). */
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out,
		"<testsuites name=\"grader\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
		"time=\"%.3f\">\n",
		tests, fail, err, (double)r->duration_ms / 1000.0);
	for (size_t i = 0; i < r->n; i++) {
		const struct ex_report *e = &r->ex[i];
		size_t f = 0, er = 0, s = 0;
		counts(e, &f, &er, &s);
		fputs("  <testsuite name=\"", out);
		xml_attr(out, e->id);
		fprintf(out,
			"\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
			"time=\"%.3f\">\n",
			e->n, f, er, s, (double)e->duration_ms / 1000.0);
		fprintf(out,
			"    <properties><property name=\"score\" value=\"%g/%g\"/></properties>\n",
			e->score, e->max_score);
		if (e->error) {
			fputs("    <system-err>", out);
			xml_text(out, e->error);
			fputs("</system-err>\n", out);
		}
		for (size_t j = 0; j < e->n; j++)
			testcase(out, e, &e->checks[j], o);
		fputs("  </testsuite>\n", out);
	}
	fputs("</testsuites>\n", out);
	return ferror(out) ? -1 : 0;
}
