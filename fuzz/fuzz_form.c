/*
 * fuzz_form.c -- libFuzzer harness for form_parse and sig_valid_form.
 *
 * The input is "URL\nBODY\nSIGNATURE" (missing parts are empty), so the
 * fuzzer reaches the URL splitting in sig.c as well as the body parser.
 * Besides memory errors it checks two properties: whatever form_parse
 * accepts survives form_encode and a second form_parse unchanged, and the
 * signature sig_compute makes is one sig_valid_form accepts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "sig.h"
#include "xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form	 f, g;
	const char	*body, *nl, *end = (const char *)data + size, *err;
	char		*url, *signature, *enc, sig[SIG_LEN];
	size_t		 blen, i;

	if (size > 65536)
		return (0);
	nl = memchr(data, '\n', size);
	url = xstrndup((const char *)data, nl == NULL ? size :
	    (size_t)(nl - (const char *)data));
	body = nl == NULL ? end : nl + 1;
	nl = memchr(body, '\n', end - body);
	blen = nl == NULL ? (size_t)(end - body) : (size_t)(nl - body);
	signature = xstrndup(nl == NULL ? end : nl + 1,
	    nl == NULL ? 0 : (size_t)(end - nl - 1));

	if (form_parse(&f, body, blen, &err) == 0) {
		enc = form_encode(&f);
		if (form_parse(&g, enc, strlen(enc), &err) != 0 || g.n != f.n)
			abort();
		for (i = 0; i < f.n; i++) {
			if (strcmp(f.params[i].name, g.params[i].name) != 0 ||
			    strcmp(f.params[i].value, g.params[i].value) != 0)
				abort();
		}
		form_free(&g);
		free(enc);

		(void)sig_valid_form("12345", url, &f, signature);
		if (sig_compute("12345", url, &f, sig, sizeof sig) != 0 ||
		    !sig_valid_form("12345", url, &f, sig))
			abort();
		(void)sig_valid_json("12345", url, body, blen, signature);
		form_free(&f);
	} else if (f.n != 0 || f.params != NULL || err == NULL)
		abort();

	free(signature);
	free(url);
	return (0);
}
