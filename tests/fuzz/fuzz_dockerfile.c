/*
 * fuzz_dockerfile.c - libFuzzer target for the files kind's Dockerfile
 * parser (runners/dockerfile.c), which reads the learner's Dockerfile:
 * untrusted text of any bytes. The input is the whole Dockerfile.
 *
 * Invariants: instructions come in line order with lines from 1, every
 * instruction has a command and arguments, the exec form's strings are
 * counted right; every check's problem lines start with the file's name
 * and a line, and their count is what the check returned.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runners/dockerfile.h"

static void lines_ok(const struct strbuf *out, int problems)
{
	int n = 0;
	const char *p = out->buf ? out->buf : "";
	while (*p) {
		if (strncmp(p, "Dockerfile:", 11) != 0)
			abort();
		const char *nl = strchr(p, '\n');
		if (!nl)
			abort();
		p = nl + 1;
		n++;
	}
	if (n != problems)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dockerfile df;
	dockerfile_parse((const char *)data, size, &df);
	int last = 0;
	for (size_t i = 0; i < df.n; i++) {
		const struct df_instr *in = &df.v[i];
		if (!in->cmd || !in->args || in->line <= last)
			abort();
		last = in->line;
		if (in->json) {
			size_t k = 0;
			while (in->argv[k])
				k++;
			if (k != in->argc)
				abort();
		}
	}
	int (*checks[])(const struct dockerfile *, const char *, struct strbuf *) = {
	    df_check_syntax, df_check_base_pinned, df_check_non_root, df_check_no_secrets,
	    df_check_exec_form};
	for (size_t c = 0; c < sizeof checks / sizeof *checks; c++) {
		struct strbuf out = {0};
		lines_ok(&out, checks[c](&df, "Dockerfile", &out));
		sb_free(&out);
	}
	dockerfile_free(&df);
	return 0;
}
