/*
 * markdown.c - a summary for CI job pages (GitHub's job summary, GitLab
 * and Gitea comments): a table per exercise and the details of every
 * failure in a collapsible block. Table cells escape what would break
 * the table; code blocks use a fence longer than any backtick run inside
 * so a learner's output cannot close them early.
 */
#include <stdlib.h>
#include <string.h>

#include "grader/util/util.h"
#include "writers.h"

static void cell(FILE *out, const char *s)
{
	char *u = report_utf8(s ? s : "");
	for (const char *p = u; *p; p++) {
		switch (*p) {
		case '|':
			fputs("\\|", out);
			break;
		case '`':
			fputs("\\`", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '&':
			fputs("&amp;", out);
			break;
		case '*':
		case '_':
		case '[':
		case ']':
		case '\\':
			fputc('\\', out);
			fputc(*p, out);
			break;
		case '\n':
			fputs("<br>", out);
			break;
		case '\r':
			break;
		default:
			fputc(*p, out);
		}
	}
	free(u);
}

static void code_block(FILE *out, const char *lang, const char *s)
{
	char *u = report_utf8(s);
	size_t longest = 0, run = 0;
	for (const char *p = u; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	size_t fence = longest >= 3 ? longest + 1 : 3;
	for (size_t i = 0; i < fence; i++)
		fputc('`', out);
	fprintf(out, "%s\n%s", lang, u);
	if (!*u || u[strlen(u) - 1] != '\n')
		fputc('\n', out);
	for (size_t i = 0; i < fence; i++)
		fputc('`', out);
	fputs("\n\n", out);
	free(u);
}

static const char *icon(enum check_status s)
{
	return s == CHECK_PASSED   ? "✅"
	       : s == CHECK_FAILED ? "❌"
	       : s == CHECK_ERROR  ? "⚠️"
				   : "⏭️";
}

static void failure_details(FILE *out, const char *exercise, const struct check_result *c,
			    const struct write_opts *o)
{
	struct check_view v;
	report_check_view(c, o, &v);
	fputs("<details><summary>", out);
	cell(out, c->name);
	fputs("</summary>\n\n", out);
	if (c->status == CHECK_ERROR)
		fputs(REPORT_GRADER_FAULT "the grader could not run this check.\n\n", out);
	if (v.message)
		code_block(out, "", v.message);
	if (v.hint) {
		fputs("Hint: ", out);
		cell(out, v.hint);
		fputs("\n\n", out);
	}
	if (!v.redacted && v.input) {
		fputs("Input:\n\n", out);
		code_block(out, "", v.input);
	}
	if (!v.redacted && v.diff) {
		if (v.diff->expected_excerpt || v.diff->actual_excerpt) {
			struct strbuf sb = {0};
			if (v.diff->line > 0)
				sb_addf(&sb, "first difference: line %d, column %d\n", v.diff->line,
					v.diff->col);
			sb_addf(&sb, "expected: %s\nactual:   %s\n",
				v.diff->expected_excerpt ? v.diff->expected_excerpt : "",
				v.diff->actual_excerpt ? v.diff->actual_excerpt : "");
			code_block(out, "", sb.buf);
			sb_free(&sb);
		}
		if (v.diff->unified && *v.diff->unified)
			code_block(out, "diff", v.diff->unified);
		char *legend = report_diff_legend(v.diff);
		if (legend) {
			fputs("Legend: ", out);
			cell(out, legend);
			fputs("\n\n", out);
		}
		free(legend);
	}
	if (!v.redacted && c->status == CHECK_FAILED) {
		char *cmd = report_rerun_command(o, exercise, c->name);
		fputs("Re-run just this check:\n\n", out);
		code_block(out, "sh", cmd);
		free(cmd);
	}
	fputs("</details>\n\n", out);
}

int write_markdown(const struct report *r, const struct write_opts *o, FILE *out)
{
	fprintf(out, "## Grade: %g/%g (%s)\n\n", r->score, r->max_score,
		report_status_name(r->status));
	if (r->sub.commit) {
		fputs("Commit `", out);
		fprintf(out, "%.12s", r->sub.commit);
		fputs("`\n\n", out);
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct ex_report *e = &r->ex[i];
		fputs("### ", out);
		cell(out, e->id);
		fputs(" — ", out);
		cell(out, e->title);
		fprintf(out, ": %g/%g (%s)\n\n", e->score, e->max_score,
			report_status_name(e->status));
		if (e->error) {
			fputs(REPORT_GRADER_FAULT, out);
			cell(out, e->error);
			fputs("\n\n", out);
		}
		if (e->missing) {
			cell(out, e->missing);
			fputs(": no check ran.\n\n", out);
		}
		fputs("| | Check | Points | Result |\n|---|---|---|---|\n", out);
		for (size_t j = 0; j < e->n; j++) {
			const struct check_result *c = &e->checks[j];
			struct check_view v;
			report_check_view(c, o, &v);
			fprintf(out, "| %s | ", icon(c->status));
			cell(out, c->name);
			fprintf(out, " | %g/%g | ", c->score, c->max_score);
			if (c->status == CHECK_PASSED)
				fputs("passed", out);
			else if (v.message) {
				/* first line only; the details block has the rest */
				const char *nl = strchr(v.message, '\n');
				char *first = nl ? xstrndup(v.message, (size_t)(nl - v.message))
						 : xstrdup(v.message);
				cell(out, first);
				free(first);
			} else
				fputs(check_status_name(c->status), out);
			fputs(" |\n", out);
		}
		fputc('\n', out);
		for (size_t j = 0; j < e->n && !e->missing; j++) /* no check ran: no details */
			if (e->checks[j].status == CHECK_FAILED ||
			    e->checks[j].status == CHECK_ERROR)
				failure_details(out, e->id, &e->checks[j], o);
	}
	return ferror(out) ? -1 : 0;
}
