/*
 * fuzz_config.c -- libFuzzer harness for the configuration loader.
 *
 * config_load reads files named from hotline.yaml, so the harness keeps a
 * configuration folder of its own (a copy of config/, with the prompts of
 * the source tree beside it) and writes the input into it.  The input is
 * one or more files in the form `head` prints them:
 *
 *	==> sms.yaml <==
 *	...
 *
 * Files the input does not give are the shipped ones; input with no such
 * heading replaces hotline.yaml.  Besides memory errors and leaks (a
 * configuration is loaded and dropped on every SIGHUP) it checks that a
 * configuration either loads or says why, each problem as "file: ..." or
 * "file:line: ..." with a line of that file.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"
#include "util.h"
#include "xmalloc.h"

static const char *fc_names[] = { "hotline.yaml", "locations.yaml",
	"guides.yaml", "sms.yaml", "safety.yaml", "flow.yaml", "tx-zips.csv" };
#define FC_NFILES (sizeof fc_names / sizeof fc_names[0])

struct fc_file {
	char	*path;
	char	*shipped;	/* the source tree's copy */
	size_t	 shipped_len;
	int	 dirty;		/* the input replaced it last time */
	size_t	 lines;		/* of what is there now */
};

static struct fc_file	fc_files[FC_NFILES];
static char		*fc_main;

static size_t
fc_lines(const char *s, size_t len)
{
	size_t	n = 1, i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			n++;
	}
	return (n);
}

static void
fc_write(struct fc_file *f, const char *s, size_t len)
{
	FILE	*fp;

	if ((fp = fopen(f->path, "w")) == NULL ||
	    fwrite(s, 1, len, fp) != len || fclose(fp) != 0) {
		perror(f->path);
		abort();
	}
	f->lines = fc_lines(s, len);
}

static void
fc_setup(void)
{
	char	*dir, *src, *prompts;
	size_t	 i;

	if (fc_main != NULL)
		return;
	fuzz_clean_env();
	xasprintf(&dir, "%s/config", fuzz_tmpdir());
	if (mkdir(dir, 0700) != 0) {
		perror(dir);
		abort();
	}
	/* hotline.yaml finds its prompts at ../prompts. */
	xasprintf(&src, "%s/prompts", fuzz_srcdir());
	xasprintf(&prompts, "%s/prompts", fuzz_tmpdir());
	if (symlink(src, prompts) != 0) {
		perror(prompts);
		abort();
	}
	free(src);
	free(prompts);
	for (i = 0; i < FC_NFILES; i++) {
		xasprintf(&src, "%s/config/%s", fuzz_srcdir(), fc_names[i]);
		fc_files[i].shipped = util_read_file(src, 1 << 20,
		    &fc_files[i].shipped_len);
		if (fc_files[i].shipped == NULL) {
			fprintf(stderr, "fuzz: cannot read %s\n", src);
			abort();
		}
		free(src);
		xasprintf(&fc_files[i].path, "%s/%s", dir, fc_names[i]);
		fc_write(&fc_files[i], fc_files[i].shipped,
		    fc_files[i].shipped_len);
	}
	fc_main = fc_files[0].path;
	free(dir);
}

/* Which file a "==> name <==" line at p names, or -1. */
static int
fc_heading(const char *p, const char *end, const char **body)
{
	const char	*nl, *name;
	size_t		 i, n;

	if (end - p < 4 || memcmp(p, "==> ", 4) != 0)
		return (-1);
	if ((nl = memchr(p, '\n', end - p)) == NULL)
		nl = end;
	name = p + 4;
	for (i = 0; i < FC_NFILES; i++) {
		n = strlen(fc_names[i]);
		if ((size_t)(nl - name) >= n + 4 &&
		    memcmp(name, fc_names[i], n) == 0 &&
		    memcmp(name + n, " <==", 4) == 0) {
			*body = nl < end ? nl + 1 : end;
			return ((int)i);
		}
	}
	return (-1);
}

/*
 * An error names a file; when it is one of ours (hotline.yaml may name
 * others under 'files:'), a line number is one inside it.
 */
static void
fc_check_error(const char *e)
{
	const char	*rest;
	size_t		 i, n = 0;
	long		 line;
	char		*end;

	if (*e == '\0' || *e == ':' || strchr(e, ':') == NULL)
		abort();
	for (i = 0; i < FC_NFILES; i++) {
		n = strlen(fc_files[i].path);
		if (strncmp(e, fc_files[i].path, n) == 0 && e[n] == ':')
			break;
	}
	if (i == FC_NFILES)
		return;
	rest = e + n + 1;
	if (*rest == ' ')
		return;
	line = strtol(rest, &end, 10);
	if (end == rest || *end != ':' || line < 1 ||
	    (size_t)line > fc_files[i].lines)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data, *end = p + size, *body, *next;
	const char	*start[FC_NFILES];
	size_t		 len[FC_NFILES], i;
	struct config	*cfg;
	char		**errors = NULL;
	int		 k, given[FC_NFILES] = { 0 };

	if (size > 256 * 1024)
		return (0);
	fc_setup();

	if ((k = fc_heading(p, end, &body)) == -1) {
		k = 0;
		body = p;
	}
	while (k != -1) {
		/* The file runs to the next heading line or the end. */
		for (next = body; next < end; next++) {
			if ((next == body || next[-1] == '\n') &&
			    fc_heading(next, end, &p) != -1)
				break;
		}
		start[k] = body;
		len[k] = (size_t)(next - body);
		given[k] = 1;
		if (next == end)
			break;
		k = fc_heading(next, end, &body);
	}
	for (i = 0; i < FC_NFILES; i++) {
		if (given[i]) {
			fc_write(&fc_files[i], start[i], len[i]);
			fc_files[i].dirty = 1;
		} else if (fc_files[i].dirty) {
			fc_write(&fc_files[i], fc_files[i].shipped,
			    fc_files[i].shipped_len);
			fc_files[i].dirty = 0;
		}
	}

	if ((cfg = config_load(fc_main, &errors)) != NULL) {
		if (errors != NULL)
			abort();
		config_unref(cfg);
	} else {
		if (errors == NULL || errors[0] == NULL)
			abort();
		for (i = 0; errors[i] != NULL; i++)
			fc_check_error(errors[i]);
		config_errors_free(errors);
	}
	return (0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fc_setup();
	return (0);
}
