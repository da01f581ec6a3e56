/*
 * fuzz_phone.c -- libFuzzer harness for phone number and ZIP code
 * normalisation, and for the masking that keeps numbers out of logs.
 *
 * The input is one text, as a caller or texter (From, a number keyed in
 * for a callback, a ZIP said or texted) or a config file could give it.
 * Besides memory errors it checks that
 *   - util_phone_e164 gives NULL or E.164 ("+" and 8 to 15 digits, no
 *     leading 0, "+1" and ten digits for North America), and that a number
 *     it gives normalises to itself;
 *   - log_phone never shows a whole number: of a phone number's digits at
 *     least three are always hidden, and nothing longer than it shows;
 *   - spoken digits are digits, and the nearest clinic to a ZIP exists
 *     exactly when the ZIP is a known five-digit one, at a sane distance.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "flow.h"
#include "fuzz.h"
#include "keyword.h"
#include "location.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

static void
fp_e164(const char *in)
{
	char	*e, *again;
	size_t	 n;

	if ((e = util_phone_e164(in)) == NULL)
		return;
	n = strlen(e);
	if (e[0] != '+' || strspn(e + 1, "0123456789") != n - 1 ||
	    n - 1 < 8 || n - 1 > 15 || e[1] == '0' ||
	    (e[1] == '1' && n != 12))
		abort();
	if ((again = util_phone_e164(e)) == NULL || strcmp(again, e) != 0)
		abort();
	free(again);
	free(e);
}

/* The digits of s, in order. */
static void
fp_digits(const char *s, char *out, size_t len)
{
	size_t	n = 0;

	for (; *s != '\0' && n + 1 < len; s++) {
		if (*s >= '0' && *s <= '9')
			out[n++] = *s;
	}
	out[n] = '\0';
}

static void
fp_mask(const char *in)
{
	char	 buf[LOG_PHONE_LEN], shown[LOG_PHONE_LEN], all[64], *e;
	size_t	 nd, ns;

	log_phone(in, buf);
	if (strlen(buf) >= LOG_PHONE_LEN)
		abort();
	/* Whatever it is, something is hidden. */
	if (strstr(buf, "***") == NULL && strcmp(buf, "-") != 0)
		abort();
	if ((e = util_phone_e164(in)) == NULL)
		return;
	log_phone(e, buf);
	fp_digits(e, all, sizeof all);
	fp_digits(buf, shown, sizeof shown);
	nd = strlen(all);
	ns = strlen(shown);
	if (ns + 3 > nd)
		abort();
	free(e);
}

static void
fp_zip(const struct config *cfg, const char *in)
{
	const struct location	*l;
	char			*d, *norm;
	double			 miles = -1;

	d = flow_digits(in);
	if (strspn(d, "0123456789") != strlen(d))
		abort();
	l = location_nearest_zip(cfg, d, &miles);
	if ((l != NULL) != (config_zip(cfg, d) != NULL))
		abort();
	if (l != NULL && (strlen(d) != 5 || !(miles >= 0 && miles < 25000)))
		abort();
	free(d);

	/* A texted ZIP is looked up on the normalised message. */
	norm = keyword_normalise(in);
	if (location_nearest_zip(cfg, norm, NULL) != NULL &&
	    (strlen(norm) != 5 || strspn(norm, "0123456789") != 5))
		abort();
	free(norm);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*cfg = fuzz_config();
	struct fuzz_in	 in = { data, size };
	char		*s;

	if (size > 512)
		return (0);
	s = fuzz_rest(&in, NULL);
	fp_e164(s);
	fp_mask(s);
	fp_zip(cfg, s);
	free(s);
	return (0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)fuzz_config();
	return (0);
}
