/*
 * test_yaml.c - unit tests for grader/model/yaml.c: the positioned tree, the
 * refusals (aliases, second documents, depth), and every typed accessor
 * with the diagnostics it gives.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grader/util/util.h"
#include "grader/model/yaml.h"

static struct yaml_node *parse(const char *text, struct diag *d)
{
	memset(d, 0, sizeof *d);
	return yaml_parse("t.yaml", text, strlen(text), d);
}

/* Fails unless some diagnostic is at line:col and contains want. */
static void has_diag(const struct diag *d, int line, int col, const char *want)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].line == line && d->v[i].col == col && strstr(d->v[i].message, want))
			return;
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "  have %d:%d: %s\n", d->v[i].line, d->v[i].col, d->v[i].message);
	ck_abort_msg("no diagnostic at %d:%d containing '%s'", line, col, want);
}

START_TEST(test_tree_positions)
{
	struct diag d;
	struct yaml_node *r = parse("id: a/b\nchecks:\n  - name: one\n    points: 2\n", &d);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->kind, YAML_MAP);
	ck_assert_uint_eq(r->n, 2);
	const struct yaml_node *id = yaml_get(r, "id");
	ck_assert_str_eq(id->scalar, "a/b");
	ck_assert_int_eq(id->line, 1);
	ck_assert_int_eq(id->col, 5);
	const struct yaml_node *checks = yaml_get(r, "checks");
	ck_assert_int_eq(checks->kind, YAML_SEQ);
	ck_assert_uint_eq(checks->n, 1);
	const struct yaml_node *pts = yaml_get(checks->items[0], "points");
	ck_assert_int_eq(pts->line, 4);
	ck_assert_int_eq(pts->col, 13);
	ck_assert_str_eq(pts->file, "t.yaml");
	ck_assert_ptr_null(yaml_get(r, "nope"));
	ck_assert_ptr_null(yaml_get(id, "x"));
	yaml_node_free(r);
	diag_free(&d);
}
END_TEST

START_TEST(test_many_items)
{
	struct strbuf sb = {0};
	for (int i = 0; i < 1000; i++)
		sb_addf(&sb, "k%d: [%d, %d]\n", i, i, i + 1);
	struct diag d;
	struct yaml_node *r = parse(sb.buf, &d);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->n, 1000);
	ck_assert_str_eq(yaml_get(r, "k999")->items[1]->scalar, "1000");
	yaml_node_free(r);
	sb_free(&sb);
	diag_free(&d);
}
END_TEST

START_TEST(test_empty_document_is_empty_map)
{
	struct diag d;
	struct yaml_node *r = parse("# only a comment\n", &d);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->kind, YAML_MAP);
	ck_assert_uint_eq(r->n, 0);
	yaml_node_free(r);
	diag_free(&d);
}
END_TEST

START_TEST(test_refusals)
{
	struct diag d;
	ck_assert_ptr_null(parse("a: &x [1, 2]\nb: *x\n", &d));
	has_diag(&d, 2, 4, "aliases");
	diag_free(&d);

	ck_assert_ptr_null(parse("a: 1\n---\nb: 2\n", &d));
	has_diag(&d, 2, 1, "only one YAML document");
	diag_free(&d);

	ck_assert_ptr_null(parse("a: [1, 2\n", &d));
	ck_assert_uint_eq(d.errors, 1);
	has_diag(&d, 1, 4, "the '[' opened at 1:4 is not closed");
	diag_free(&d);

	ck_assert_ptr_null(parse("? [a, b]\n: 1\n", &d));
	has_diag(&d, 1, 3, "mapping keys must be plain strings");
	diag_free(&d);

	struct strbuf deep = {0};
	for (int i = 0; i < 100; i++)
		sb_adds(&deep, "[");
	for (int i = 0; i < 100; i++)
		sb_adds(&deep, "]");
	ck_assert_ptr_null(parse(deep.buf, &d));
	ck_assert(strstr(d.v[0].message, "nested too deeply") != NULL);
	diag_free(&d);
	sb_free(&deep);

	ck_assert_ptr_null(parse("a: \"x\\0y\"\n", &d));
	ck_assert(strstr(d.v[0].message, "NUL") != NULL);
	diag_free(&d);
}
END_TEST

/* Each libyaml problem we explain, made by a real input: our words, at
 * the character to change (see yaml_problem_words in yaml.c). */
static const struct {
	const char *text;
	int line, col;
	const char *want;
} syntax_cases[] = {
    {"a: 1\n\tb: 2\n", 2, 1, "a tab is not allowed for indentation here: use spaces"},
    {"a:\n\tb: 2\n", 2, 1, "a tab is not allowed for indentation here: use spaces"},
    {"a: |\n  x\n\ty\n", 3, 1, "a tab is not allowed for indentation here: use spaces"},
    {"a: x: y\n", 1, 5,
     "a second ': ' on this line: if it belongs to the value, quote the "
     "value (a: \"x: y\")"},
    {"l:\n  - t: Do this: now  \n", 2, 15, "quote the value (t: \"Do this: now\")"},
    {"a: x: \"y\"\n", 1, 5, "quote the value (key: \"a: b\")"},
    {"a: 1\n b: 2\n", 2, 3, "this ':' would start a key inside the value above"},
    {"a: b\nc\nd: e\n", 2, 1, "expected 'key: value' on this line: add the ':'"},
    {"a:\n  - x\n  -y\n", 3, 3, "a list item needs a space after its '-'"},
    {"a: @x\n", 1, 4, "'@' cannot start a value or a key: quote it"},
    /* libyaml counts characters, not bytes; a BOM counts in neither */
    {"été: @x\n", 1, 6, "'@' cannot start a value or a key: quote it"},
    {"\xef\xbb\xbf"
     "a: @x\n",
     1, 4, "'@' cannot start a value or a key: quote it"},
    {"é: 1\nb: \"ü\n  c: { d: \"1\" }\n", 2, 4, "this quote '\"' is not closed on its line"},
    {"t: Ça: va\n", 1, 6, "quote the value (t: \"Ça: va\")"},
    {"a: `x`\n", 1, 4, "'`' cannot start a value or a key: quote it"},
    {"a: %x\n", 1, 4, "'%' cannot start a value or a key: quote it"},
    {"a: \"abc\nb: 2\n", 1, 4,
     "the quote '\"' opened at 1:4 is not closed: end the string with another '\"'"},
    {"a: 'abc\n", 1, 4, "the quote ''' opened at 1:4 is not closed"},
    {"a: [1, 2\nb: 3\n", 1, 4, "the '[' opened at 1:4 is not closed: end the list with ']'"},
    {"x: 1\na: {b: 1\n", 2, 4, "the '{' opened at 2:4 is not closed: end the map with '}'"},
    {"a: [x: y: z]\n", 1, 9, "expected ',' or ']' here, in the list opened at 1:4"},
    {"a: {x: 1 y: 2}\n", 1, 11, "expected ',' or '}' here, in the map opened at 1:4"},
    {"- a\nb: 1\n", 2, 1,
     "expected a list item ('- ') here, at the indentation of the list "
     "started at line 1"},
    {"a: [1, 2]]\n", 1, 10, "']' closes nothing: remove it"},
    {"a: ]\n", 1, 4, "']' closes nothing: remove it"},
    {"a: {x: 1,, y: 2}\n", 1, 10, "an empty item before this ',': remove one of the two ','"},
    {"a: - b\n", 1, 4, "a list cannot start on the line of its key: put each '- item' on a line"},
    {"a: b\n...\nc: d\n", 3, 1, "text after a '...' line, which ends the YAML document"},
    {"a: !x!y z\n", 1, 4, "'!' starts a YAML tag here: quote the value"},
    {"a: x\n- b\n", 2, 1, "a list item ('- ') among the keys of the map started at line 1"},
    {"a: 'it's'\n", 1, 8, "text after the closing quote of a quoted value: quote the whole"},
    {"a: \"x\" y\n", 1, 8, "text after the closing quote of a quoted value"},
    {"a:\n  b: \"1\n  c: { d: \"1\" }\n", 2, 6,
     "this quote '\"' is not closed on its line: the string runs on to line 3, where text "
     "follows its closing quote; end the string on this line with another '\"'"},
    {"a: 'x\n  ''y'' z' w\n", 1, 4, "this quote ''' is not closed on its line"},
    {"a: \"x\\\"\n  y\" z\n", 1, 4, "this quote '\"' is not closed on its line"},
    {"a:\n  b: 1\n c: 2\n", 3, 2, "this line's indentation matches no key above it"},
    {"a: \"\\q\"\n", 1, 5, "unknown escape in a double-quoted string"},
    {"a: \"\\xZZ\"\n", 1, 7, "needs hexadecimal digits"},
    {"a: *\n", 1, 4, "'*' starts an alias (*name) in YAML: quote the value"},
    {"a: &\n", 1, 4, "'&' starts an anchor (&name) in YAML: quote the value"},
    {"a: !<\n", 1, 4, "'!' starts a YAML tag here: quote the value"},
    {"%FOO\n---\na: 1\n", 1, 1, "a '%' at the start of a line starts a YAML directive"},
    {"a: |x\n  y\n", 1, 5, "after '|' or '>' only '+', '-', an indentation digit"},
};

START_TEST(test_syntax_errors_explained)
{
	for (size_t i = 0; i < sizeof syntax_cases / sizeof *syntax_cases; i++) {
		struct diag d;
		struct yaml_node *r = parse(syntax_cases[i].text, &d);
		ck_assert_msg(r == NULL, "case %zu parsed", i);
		ck_assert_uint_eq(d.errors, 1);
		has_diag(&d, syntax_cases[i].line, syntax_cases[i].col, syntax_cases[i].want);
		ck_assert_msg(strstr(d.v[0].message, "invalid YAML") == NULL,
			      "case %zu in libyaml's words: %s", i, d.v[0].message);
		diag_free(&d);
	}
	/* UTF-16 (after its byte order mark) is not read as our text: libyaml's words */
	static const char utf16[] = "\xff\xfe"
				    "a\0:\0 \0@\0\n\0";
	struct diag d = {0};
	ck_assert_ptr_null(yaml_parse("t.yaml", utf16, sizeof utf16 - 1, &d));
	has_diag(&d, 1, 4, "invalid YAML: found character that cannot start any token");
	diag_free(&d);
}
END_TEST

START_TEST(test_check_keys)
{
	struct diag d;
	struct yaml_node *r = parse("name: a\nstdoutt: b\nzzzzzzzz: 1\nname: c\n", &d);
	static const char *const allowed[] = {"name", "stdout", "stderr", NULL};
	ck_assert_int_eq(yaml_check_keys(r, allowed, &d), 3);
	has_diag(&d, 2, 1, "unknown key 'stdoutt' (did you mean 'stdout'?)");
	has_diag(&d, 3, 1, "unknown key 'zzzzzzzz': allowed here are name, stdout, stderr");
	has_diag(&d, 4, 1, "duplicate key 'name' (first at line 1)");
	yaml_node_free(r);
	diag_free(&d);
}
END_TEST

START_TEST(test_scalars)
{
	struct diag d;
	struct yaml_node *r = parse("i: 42\nneg: -3\nbig: 99999999999999999999\nq: \"7\"\n"
				    "f: 2.5\ninf: -.inf\nhexf: 0x1p3\nb: true\nbb: yes\n"
				    "s: hello\nnul: ~\nlist: [x, y]\n",
				    &d);
	ck_assert_ptr_nonnull(r);
	long long i;
	double f;
	int b;
	const char *s;
	ck_assert_int_eq(yaml_to_int(yaml_get(r, "i"), "'i'", 0, 100, &i, &d), 0);
	ck_assert_int_eq(i, 42);
	ck_assert_int_eq(yaml_to_int(yaml_get(r, "neg"), "'neg'", 0, 100, &i, &d), -1);
	has_diag(&d, 2, 6, "'neg' must be between 0 and 100, not -3");
	ck_assert_int_eq(yaml_to_int(yaml_get(r, "big"), "'big'", 0, 100, &i, &d), -1);
	ck_assert_int_eq(yaml_to_int(yaml_get(r, "q"), "'q'", 0, 100, &i, &d), -1);
	has_diag(&d, 4, 4, "drop the quotes");
	ck_assert_int_eq(yaml_to_double(yaml_get(r, "f"), "'f'", &f, &d), 0);
	ck_assert_double_eq(f, 2.5);
	ck_assert_int_eq(yaml_to_double(yaml_get(r, "inf"), "'inf'", &f, &d), 0);
	ck_assert(isinf(f) && f < 0);
	ck_assert_int_eq(yaml_to_double(yaml_get(r, "hexf"), "'hexf'", &f, &d), -1);
	ck_assert_int_eq(yaml_to_bool(yaml_get(r, "b"), "'b'", &b, &d), 0);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(yaml_to_bool(yaml_get(r, "bb"), "'bb'", &b, &d), -1);
	has_diag(&d, 9, 5, "must be true or false, not 'yes'");
	ck_assert_int_eq(yaml_to_str(yaml_get(r, "s"), "'s'", &s, &d), 0);
	ck_assert_str_eq(s, "hello");
	ck_assert_int_eq(yaml_to_str(yaml_get(r, "nul"), "'nul'", &s, &d), -1);
	has_diag(&d, 11, 6, "'nul' must be a string, but it is empty");
	ck_assert_int_eq(yaml_to_str(yaml_get(r, "list"), "'list'", &s, &d), -1);
	has_diag(&d, 12, 7, "'list' must be a string, not a list");
	ck_assert_int_eq(yaml_expect_kind(yaml_get(r, "list"), YAML_MAP, "'list'", &d), -1);
	has_diag(&d, 12, 7, "'list' must be a map, not a list");
	yaml_node_free(r);
	diag_free(&d);
}
END_TEST

START_TEST(test_durations_sizes_lists)
{
	struct diag d;
	struct yaml_node *r = parse("wall: 2s\nbad: 2x\nmem: 128MiB\nlots: lots\nzero: 0\n"
				    "one: a.py\nmany: [a.py, b.py]\nmixed: [a, [b]]\n",
				    &d);
	double s;
	uint64_t bytes;
	ck_assert_int_eq(yaml_to_duration(yaml_get(r, "wall"), "'wall'", &s, &d), 0);
	ck_assert_double_eq(s, 2.0);
	ck_assert_int_eq(yaml_to_duration(yaml_get(r, "bad"), "'wall'", &s, &d), -1);
	has_diag(&d, 2, 6, "bad duration '2x'");
	ck_assert_int_eq(yaml_to_size(yaml_get(r, "mem"), "'memory'", &bytes, &d), 0);
	ck_assert_uint_eq(bytes, 128u << 20);
	ck_assert_int_eq(yaml_to_size(yaml_get(r, "lots"), "'memory'", &bytes, &d), -1);
	has_diag(&d, 4, 7, "bad size 'lots'");
	ck_assert_int_eq(yaml_to_size(yaml_get(r, "zero"), "'memory'", &bytes, &d), -1);

	const char **v;
	size_t n;
	ck_assert_int_eq(yaml_to_str_list(yaml_get(r, "one"), "'files'", &v, &n, &d), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0], "a.py");
	ck_assert_ptr_null(v[1]);
	free(v);
	ck_assert_int_eq(yaml_to_str_list(yaml_get(r, "many"), "'files'", &v, &n, &d), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[1], "b.py");
	free(v);
	ck_assert_int_eq(yaml_to_str_list(yaml_get(r, "mixed"), "'files'", &v, &n, &d), -1);
	has_diag(&d, 8, 12, "must be a string, not a list");
	yaml_node_free(r);
	diag_free(&d);
}
END_TEST

START_TEST(test_load_file)
{
	struct diag d = {0};
	char dir[] = "/tmp/test_yaml_XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *p = path_join(dir, "x.yaml");
	ck_assert_int_eq(write_file_atomic(p, "a: 1\n", 5), 0);
	struct yaml_node *r = yaml_load_file(p, &d);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->file, p);
	yaml_node_free(r);
	char *missing = path_join(dir, "missing.yaml");
	ck_assert_ptr_null(yaml_load_file(missing, &d));
	ck_assert(strstr(d.v[0].message, "cannot read") != NULL);
	free(missing);
	rm_rf(dir);
	free(p);
	diag_free(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("yaml");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_tree_positions);
	tcase_add_test(tc, test_many_items);
	tcase_add_test(tc, test_empty_document_is_empty_map);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_syntax_errors_explained);
	tcase_add_test(tc, test_check_keys);
	tcase_add_test(tc, test_scalars);
	tcase_add_test(tc, test_durations_sizes_lists);
	tcase_add_test(tc, test_load_file);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
