/* mountinfo.c WORD... - reads /proc/self/mountinfo and /proc/self/mounts
 * and prints every line that holds one of the WORDs (host paths the
 * sandbox must not reveal: the work dir's, the temporary directory's).
 * The mount at /h is skipped: it is the test's own bind of this program's
 * folder, and a caller's bind shows its host path (docs/sandbox.md says
 * so), which under a /tmp checkout holds a WORD. Prints "read N lines"
 * to show it ran; exits 1 when a WORD was found, 2 when a file could not
 * be read. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	const char *files[] = {"/proc/self/mountinfo", "/proc/self/mounts"};
	int lines = 0, found = 0;
	for (int f = 0; f < 2; f++) {
		FILE *in = fopen(files[f], "r");
		if (!in) {
			perror(files[f]);
			return 2;
		}
		char line[4096];
		while (fgets(line, sizeof line, in)) {
			lines++;
			/* the mount point: field 5 of mountinfo, field 2 of mounts */
			char point[4096] = "";
			if (f == 0)
				sscanf(line, "%*s %*s %*s %*s %4095s", point);
			else
				sscanf(line, "%*s %4095s", point);
			if (!strcmp(point, "/h"))
				continue;
			for (int i = 1; i < argc; i++)
				if (argv[i][0] && strstr(line, argv[i])) {
					printf("%s reveals %s: %s", files[f], argv[i], line);
					found = 1;
				}
		}
		fclose(in);
	}
	printf("read %d lines\n", lines);
	return found;
}
