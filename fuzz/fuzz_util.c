/*
 * fuzz_util.c -- input reading, the source tree and the shipped
 * configuration for the harnesses (see fuzz.h).
 */
#include <sys/stat.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "form.h"
#include "fuzz.h"
#include "log.h"
#include "xmalloc.h"

#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif

/* A clock in clinic hours (a Monday, 10:00 in Texas): runs repeat. */
#define FUZZ_CLOCK "2026-11-30T16:00:00Z"

unsigned int
fuzz_byte(struct fuzz_in *in)
{
	if (in->left == 0)
		return (0);
	in->left--;
	return (*in->p++);
}

char *
fuzz_str(struct fuzz_in *in, size_t max, size_t *lenp)
{
	size_t	 n = fuzz_byte(in);
	char	*s;

	if (n > max)
		n = max;
	if (n > in->left)
		n = in->left;
	s = xmalloc(n + 1);
	memcpy(s, in->p, n);
	s[n] = '\0';
	in->p += n;
	in->left -= n;
	if (lenp != NULL)
		*lenp = n;
	return (s);
}

char *
fuzz_rest(struct fuzz_in *in, size_t *lenp)
{
	char	*s;

	s = xmalloc(in->left + 1);
	memcpy(s, in->p, in->left);
	s[in->left] = '\0';
	if (lenp != NULL)
		*lenp = in->left;
	in->p += in->left;
	in->left = 0;
	return (s);
}

const char *
fuzz_srcdir(void)
{
	const char	*s = getenv("top_srcdir");

	return (s != NULL && *s != '\0' ? s : FUZZ_SRCDIR);
}

static char	fuzz_tmp[256];

static int
fuzz_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return (remove(path));
}

static void
fuzz_tmp_remove(void)
{
	if (fuzz_tmp[0] != '\0')
		nftw(fuzz_tmp, fuzz_rm, 16, FTW_DEPTH | FTW_PHYS);
}

const char *
fuzz_tmpdir(void)
{
	struct stat	 st;
	const char	*base;

	if (fuzz_tmp[0] != '\0')
		return (fuzz_tmp);
	if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
	    access("/dev/shm", W_OK) == 0)
		base = "/dev/shm";
	else if ((base = getenv("TMPDIR")) == NULL || *base == '\0')
		base = "/tmp";
	snprintf(fuzz_tmp, sizeof fuzz_tmp, "%s/hotline-fuzz-XXXXXX", base);
	if (mkdtemp(fuzz_tmp) == NULL) {
		perror(fuzz_tmp);
		abort();
	}
	atexit(fuzz_tmp_remove);
	return (fuzz_tmp);
}

void
fuzz_clean_env(void)
{
	static const char *names[] = { "HOTLINE_LISTEN", "HOTLINE_PUBLIC_URL",
		"HOTLINE_STORE", "HOTLINE_PROVIDER_API", "TWILIO_ACCOUNT_SID",
		"TWILIO_AUTH_TOKEN", "HOTLINE_SMTP_URL", "HOTLINE_CHAT_WEBHOOK",
		"HOTLINE_LOG_LEVEL", "HOTLINE_VERIFY_SIGNATURES",
		"HOTLINE_SECRET", NULL };
	size_t	i;

	for (i = 0; names[i] != NULL; i++)
		unsetenv(names[i]);
	setenv("HOTLINE_CLOCK", FUZZ_CLOCK, 1);
	/* Problems found are the harness's to report, not log noise. */
	log_init(LOG_ERROR);
}

struct config *
fuzz_config(void)
{
	static struct config	*cfg;
	char			 path[1024], **errors = NULL;
	size_t			 i;

	if (cfg != NULL)
		return (cfg);
	fuzz_clean_env();
	snprintf(path, sizeof path, "%s/config/hotline.yaml", fuzz_srcdir());
	if ((cfg = config_load(path, &errors)) == NULL) {
		for (i = 0; errors != NULL && errors[i] != NULL; i++)
			fprintf(stderr, "%s\n", errors[i]);
		fprintf(stderr, "fuzz: %s does not load (set top_srcdir)\n",
		    path);
		abort();
	}
	return (cfg);
}

int
fuzz_utf8(const char *s)
{
	return (form_utf8_valid(s, strlen(s)));
}
