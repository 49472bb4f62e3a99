/*
 * fuzz_exercise.c - libFuzzer target for the exercise loader: every input
 * is parsed as YAML and walked with each typed accessor, then loaded as
 * an exercise.yaml (common keys, checks, dependencies, the kind's own
 * keys) from a scratch folder holding a few files the input may name
 * (an input file, and the implementations of the pytest-tests seed).
 * The loader must never crash, leak or loop, and must either return an
 * exercise or give at least one diagnostic.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grader/model/exercise.h"
#include "grader/util/util.h"
#include "grader/model/yaml.h"

static char dir[] = "/tmp/fuzz_exercise_XXXXXX";
static char *yaml_path;
static FILE *devnull; /* diag_print's sorting and formats run on every input */

static void walk(const struct yaml_node *n, struct diag *d, int depth)
{
	long long i;
	double f;
	int b;
	uint64_t u;
	const char *s;
	const char **list;
	size_t count;
	if (n->kind == YAML_SCALAR) {
		yaml_to_int(n, "'x'", -5, 5, &i, d);
		yaml_to_double(n, "'x'", &f, d);
		yaml_to_bool(n, "'x'", &b, d);
		yaml_to_duration(n, "'x'", &f, d);
		yaml_to_size(n, "'x'", &u, d);
		yaml_to_str(n, "'x'", &s, d);
	}
	if (yaml_to_str_list(n, "'x'", &list, &count, d) == 0)
		free(list);
	static const char *const keys[] = {"id", "title", "kind", "checks", NULL};
	yaml_check_keys(n, keys, d);
	for (size_t k = 0; k < n->n && depth < 80; k++)
		walk(n->items[k], d, depth + 1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (!mkdtemp(dir))
		abort();
	yaml_path = path_join(dir, "exercise.yaml");
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	char *tests = path_join(dir, "tests");
	mkdir_p(tests);
	char *in = path_join(tests, "a.in");
	write_file_atomic(in, "1\n2\n", 4);
	free(in);
	free(tests);
	/* the implementations a pytest-tests input may name */
	static const char *const impls[] = {"reference", "broken/off", NULL};
	for (size_t i = 0; impls[i]; i++) {
		char *d = path_join(dir, impls[i]);
		char *f = path_join(d, "impl.py");
		mkdir_p(d);
		write_file_atomic(f, "def f():\n    return 1\n", 23);
		free(f);
		free(d);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag d = {0};
	struct yaml_node *root = yaml_parse("fuzz.yaml", (const char *)data, size, &d);
	if (root) {
		walk(root, &d, 0);
		yaml_node_free(root);
	} else if (d.errors == 0) {
		abort(); /* a refusal must say why */
	}
	diag_print(&d, devnull);
	diag_free(&d);

	memset(&d, 0, sizeof d);
	if (write_file_atomic(yaml_path, data, size) != 0)
		abort();
	struct exercise *ex = exercise_load(dir, &d);
	if (!ex && d.errors == 0)
		abort();
	if (ex) {
		/* what grading relies on: a complete, dependency-first order */
		char *seen = calloc(ex->nchecks + 1, 1);
		for (size_t i = 0; i < ex->nchecks; i++) {
			size_t c = ex->check_order[i];
			if (c >= ex->nchecks || seen[c])
				abort();
			seen[c] = 1;
		}
		free(seen);
		if (!ex->kind_ops || !ex->id || !ex->title || ex->nchecks == 0)
			abort();
	}
	diag_print(&d, devnull);
	exercise_free(ex);
	diag_free(&d);
	return 0;
}
