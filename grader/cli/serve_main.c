/*
 * serve_main.c - the grader-serve binary: `grader serve` execs it. The
 * daemon alone needs libcurl, libpq, SQLite and libmicrohttpd; keeping
 * them out of the `grader` binary keeps every `grader grade` and
 * `grader sandbox` from paying for loading them (about 5 ms a start on
 * the development machine). Its arguments are those of `grader serve`,
 * with or without the leading "serve".
 */
#include <string.h>

#include "cmd.h"

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "serve"))
		return cmd_serve(argc - 1, argv + 1);
	argv[0] = "serve";
	return cmd_serve(argc, argv);
}
