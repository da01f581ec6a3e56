/*
 * replay.c -- run a harness over corpus files without libFuzzer.
 *
 * Linked with one fuzz_*.c into fuzz/replay_*, which make check runs over
 * fuzz/corpus/<name>/: the seeds and every input that once crashed a
 * harness stay tests in every build (under AddressSanitizer with make
 * check-asan).  Arguments are files or folders (their files in name
 * order).  Each file is named before it runs, so a crash names its input;
 * the last line is "NAME: N passed, 0 failed".
 */
#include <sys/stat.h>

#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "util.h"
#include "xmalloc.h"

/* Harnesses without set-up do not define it. */
int	LLVMFuzzerInitialize(int *, char ***) __attribute__((weak));

#define REPLAY_MAX (4 * 1024 * 1024)

static size_t	replay_passed;

static void
replay_file(const char *path)
{
	char	*data;
	size_t	 len;

	printf("replay: %s\n", path);
	fflush(stdout);
	if ((data = util_read_file(path, REPLAY_MAX, &len)) == NULL) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		exit(1);
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	free(data);
	replay_passed++;
}

static int
replay_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

static void
replay_dir(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		**names = NULL, *path;
	size_t		 n = 0, i;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "replay: cannot open %s\n", dir);
		exit(1);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		xasprintf(&path, "%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		names = xreallocarray(names, n + 1, sizeof *names);
		names[n++] = path;
	}
	closedir(d);
	qsort(names, n, sizeof *names, replay_cmp);
	for (i = 0; i < n; i++) {
		replay_file(names[i]);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	struct stat	 st;
	char		*name;
	int		 i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return (2);
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			replay_dir(argv[i]);
		else
			replay_file(argv[i]);
	}
	name = basename(argv[0]);
	if (strncmp(name, "replay_", 7) == 0)
		name += 7;
	printf("%s: %zu passed, 0 failed\n", name, replay_passed);
	return (0);
}
