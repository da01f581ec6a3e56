/*
 * fuzz_sig.c -- libFuzzer harness for the X-Twilio-Signature check.
 *
 * The input is an auth token, a URL, up to eight parameters (names and
 * values as raw bytes, as form_parse could never produce them) and a
 * signature; the rest is a JSON body.  Besides memory errors it checks
 * what the provider relies on:
 *   - a signature sig_compute makes is accepted, whatever the order of
 *     the parameters, and one changed character makes it refused;
 *   - the same signature is accepted for the URL with its default port
 *     spelt out or dropped (PROTOCOL.md's port rule), both ways;
 *   - a JSON body signed with bodySHA256 in the query is accepted, and
 *     refused once the body changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "form.h"
#include "fuzz.h"
#include "sig.h"
#include "util.h"
#include "xmalloc.h"

/*
 * The URL with the scheme's default port inserted after the host, when
 * it has none and is simple enough to say so without sig.c's own rules
 * (no user part, no IPv6 literal); NULL otherwise.
 */
static char *
fuzz_sig_with_port(const char *url)
{
	const char	*auth, *end, *port;
	char		*out;

	if (strncasecmp(url, "https://", 8) == 0) {
		auth = url + 8;
		port = "443";
	} else if (strncasecmp(url, "http://", 7) == 0) {
		auth = url + 7;
		port = "80";
	} else
		return (NULL);
	end = auth + strcspn(auth, "/?#");
	if (end == auth || memchr(auth, '@', end - auth) != NULL ||
	    memchr(auth, ':', end - auth) != NULL ||
	    memchr(auth, '[', end - auth) != NULL)
		return (NULL);
	xasprintf(&out, "%.*s:%s%s", (int)(end - url), url, port, end);
	return (out);
}

static void
fuzz_sig_json(const char *token, const char *url, const char *body,
    size_t blen)
{
	struct form	 q;
	const char	*query, *err;
	char		 hex[65], sig[SIG_LEN], *signed_url;
	int		 ok;

	/* The property needs a query sig.c can read and no bodySHA256 in it. */
	if (strchr(url, '#') != NULL)
		return;
	if ((query = strchr(url, '?')) != NULL) {
		if (form_parse(&q, query + 1, strlen(query + 1), &err) != 0)
			return;
		ok = form_get(&q, "bodySHA256") == NULL;
		form_free(&q);
		if (!ok)
			return;
	}
	util_sha256_hex(body, blen, hex);
	xasprintf(&signed_url, "%s%sbodySHA256=%s", url,
	    query == NULL ? "?" : (query[1] == '\0' ? "" : "&"), hex);
	if (sig_compute(token, signed_url, NULL, sig, sizeof sig) != 0)
		abort();
	if (!sig_valid_json(token, signed_url, body, blen, sig))
		abort();
	/* Any other body is refused under the same signature. */
	if (sig_valid_json(token, signed_url, body, blen == 0 ? 0 : blen - 1,
	    sig) && blen != 0)
		abort();
	free(signed_url);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in	 in = { data, size };
	struct form	 f, r;
	char		*token, *url, *given, *body, *port_url;
	char		 sig[SIG_LEN], other[SIG_LEN], bad[SIG_LEN];
	size_t		 i, n, blen;

	if (size > 16384)
		return (0);
	token = fuzz_str(&in, 64, NULL);
	url = fuzz_str(&in, 255, NULL);
	memset(&f, 0, sizeof f);
	n = fuzz_byte(&in) % 9;
	for (i = 0; i < n; i++) {
		char	*name = fuzz_str(&in, 32, NULL);
		char	*value = fuzz_str(&in, 64, NULL);

		form_add(&f, name, value);
		free(name);
		free(value);
	}
	given = fuzz_str(&in, 40, NULL);
	body = fuzz_rest(&in, &blen);

	/* Whatever arrives is answered, without reading past anything. */
	(void)sig_valid_form(token, url, &f, given);
	(void)sig_valid_form(token, url, NULL, given);
	(void)sig_valid_json(token, url, body, blen, given);

	if (sig_compute(token, url, &f, sig, sizeof sig) != 0 ||
	    strlen(sig) != SIG_LEN - 1)
		abort();
	if (!sig_valid_form(token, url, &f, sig))
		abort();
	/* The parameters signed are sorted: their order does not matter. */
	memset(&r, 0, sizeof r);
	for (i = f.n; i > 0; i--)
		form_add(&r, f.params[i - 1].name, f.params[i - 1].value);
	if (sig_compute(token, url, &r, other, sizeof other) != 0 ||
	    strcmp(sig, other) != 0)
		abort();
	form_free(&r);
	/* One character off is refused. */
	memcpy(bad, sig, sizeof bad);
	bad[(blen + f.n) % (SIG_LEN - 1)] ^= 0x01;
	if (sig_valid_form(token, url, &f, bad))
		abort();
	/* Too short a buffer is refused rather than overrun. */
	if (sig_compute(token, url, &f, other, SIG_LEN - 1) != -1)
		abort();

	/* The port rule, both ways round. */
	if ((port_url = fuzz_sig_with_port(url)) != NULL) {
		if (!sig_valid_form(token, port_url, &f, sig))
			abort();
		if (sig_compute(token, port_url, &f, other, sizeof other) != 0 ||
		    !sig_valid_form(token, url, &f, other))
			abort();
		free(port_url);
	}

	fuzz_sig_json(token, url, body, blen);

	form_free(&f);
	free(token);
	free(url);
	free(given);
	free(body);
	return (0);
}
