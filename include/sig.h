/*
 * sig.h -- the provider's request signature (X-Twilio-Signature).
 *
 * See ../shared/twilio/PROTOCOL.md: base64(HMAC-SHA1(auth token, URL +
 * sorted name/value pairs)).  HMAC and base64 come from OpenSSL libcrypto.
 */
#ifndef HOTLINE_SIG_H
#define HOTLINE_SIG_H

#include <stddef.h>

struct form;

#define SIG_LEN 29	/* 28 base64 characters and the NUL */

/*
 * The signature of a form POST to url with params (may be NULL for none),
 * written as base64 into out (at least SIG_LEN bytes).  Parameters are sorted
 * by name; a repeated name has its values de-duplicated and sorted.
 * Returns 0, or -1 if out is too small.
 */
int	sig_compute(const char *token, const char *url,
	    const struct form *params, char *out, size_t outlen);

/*
 * 1 when signature matches the URL as given, the URL with its port removed,
 * or the URL with its default port added (:443 https, :80 http), compared in
 * constant time; 0 otherwise (also for a NULL or empty signature).
 */
int	sig_valid_form(const char *token, const char *url,
	    const struct form *params, const char *signature);

/*
 * JSON bodies: url carries bodySHA256=<hex> in its query.  Valid when the
 * signature over the URL alone matches (same port rules) and the SHA-256 of
 * body equals that hex value.
 */
int	sig_valid_json(const char *token, const char *url, const char *body,
	    size_t len, const char *signature);

#endif
