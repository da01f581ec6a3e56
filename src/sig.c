/*
 * sig.c -- checking the provider's X-Twilio-Signature.
 *
 * The provider signs the URL it called, but what it called and what we
 * were told to expect may differ by the port: a proxy in front of us may
 * add or drop it, and the provider's own libraries have signed both ways
 * over the years.  So a signature is accepted over either the URL with its
 * port (the explicit one, else the scheme's default) or the URL without.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "form.h"
#include "sig.h"
#include "xmalloc.h"

struct sig_buf {
	char	*s;
	size_t	 len;
	size_t	 size;
};

static void	sig_buf_add(struct sig_buf *, const char *);
static int	sig_param_cmp(const void *, const void *);
static int	sig_url_variants(const char *, char **, char **);
static int	sig_match(const char *, const char *, const struct form *,
		    const char *);

/*
 * HMAC-SHA1 keyed with the token, made once per thread and copied for
 * each signature: HMAC() looks the algorithms up and hashes the key
 * again on every call, which cost more than the rest of a webhook's
 * checks together.  A new token (a reload) makes a new one.
 */
static __thread EVP_MAC_CTX	*sig_ctx;
static __thread char		*sig_ctx_token;

static EVP_MAC_CTX *
sig_keyed(const char *token)
{
	EVP_MAC		*mac;
	OSSL_PARAM	 params[2];

	if (sig_ctx != NULL && strcmp(sig_ctx_token, token) == 0)
		return (sig_ctx);
	EVP_MAC_CTX_free(sig_ctx);
	free(sig_ctx_token);
	sig_ctx = NULL;
	sig_ctx_token = NULL;
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return (NULL);
	sig_ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (sig_ctx == NULL)
		return (NULL);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA1", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(sig_ctx, (const unsigned char *)token,
	    strlen(token), params) != 1) {
		EVP_MAC_CTX_free(sig_ctx);
		sig_ctx = NULL;
		return (NULL);
	}
	sig_ctx_token = xstrdup(token);
	return (sig_ctx);
}

/* HMAC-SHA1 of msg under token into md (at least EVP_MAX_MD_SIZE). */
static int
sig_hmac(const char *token, const char *msg, size_t len, unsigned char *md,
    size_t *mdlen)
{
	EVP_MAC_CTX	*keyed, *c;
	int		 ok;

	if ((keyed = sig_keyed(token)) == NULL ||
	    (c = EVP_MAC_CTX_dup(keyed)) == NULL)
		return (-1);
	ok = EVP_MAC_update(c, (const unsigned char *)msg, len) == 1 &&
	    EVP_MAC_final(c, md, mdlen, EVP_MAX_MD_SIZE) == 1;
	EVP_MAC_CTX_free(c);
	return (ok ? 0 : -1);
}

static void
sig_buf_add(struct sig_buf *b, const char *s)
{
	size_t	n = strlen(s);

	if (b->len + n + 1 > b->size) {
		b->size = (b->len + n + 1) * 2;
		b->s = xreallocarray(b->s, b->size, 1);
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

/* By name, then by value: sorting whole pairs sorts each name's values. */
static int
sig_param_cmp(const void *a, const void *b)
{
	const struct form_param	*pa = *(const struct form_param * const *)a;
	const struct form_param	*pb = *(const struct form_param * const *)b;
	int			 c;

	if ((c = strcmp(pa->name, pb->name)) != 0)
		return (c);
	return (strcmp(pa->value, pb->value));
}

int
sig_compute(const char *token, const char *url, const struct form *params,
    char *out, size_t outlen)
{
	struct sig_buf		  b = { NULL, 0, 0 };
	const struct form_param	**sorted = NULL, *prev = NULL;
	unsigned char		  md[EVP_MAX_MD_SIZE];
	size_t			  mdlen = 0, i, n = 0;

	if (outlen < SIG_LEN)
		return (-1);

	sig_buf_add(&b, url);
	if (params != NULL && params->n != 0) {
		n = params->n;
		sorted = xreallocarray(NULL, n, sizeof *sorted);
		for (i = 0; i < n; i++)
			sorted[i] = &params->params[i];
		qsort(sorted, n, sizeof *sorted, sig_param_cmp);
		for (i = 0; i < n; i++) {
			/* The provider signs each distinct value once. */
			if (prev != NULL && sig_param_cmp(&prev, &sorted[i]) == 0)
				continue;
			sig_buf_add(&b, sorted[i]->name);
			sig_buf_add(&b, sorted[i]->value);
			prev = sorted[i];
		}
		free(sorted);
	}

	if (sig_hmac(token, b.s, b.len, md, &mdlen) != 0) {
		free(b.s);
		return (-1);
	}
	free(b.s);
	EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
	OPENSSL_cleanse(md, sizeof md);
	return (0);
}

/*
 * Split url into the form with a port and the form without.  Only http and
 * https URLs have a default port; anything else is left as given (-1).
 */
static int
sig_url_variants(const char *url, char **with, char **without)
{
	const char	*auth, *end, *host, *colon, *p, *dflt;
	size_t		 prefix;

	if (strncasecmp(url, "https://", 8) == 0) {
		auth = url + 8;
		dflt = "443";
	} else if (strncasecmp(url, "http://", 7) == 0) {
		auth = url + 7;
		dflt = "80";
	} else
		return (-1);

	end = auth + strcspn(auth, "/?#");
	host = auth;
	for (p = auth; p < end; p++) {
		if (*p == '@')
			host = p + 1;
	}
	if (host == end)
		return (-1);

	/* A bracketed IPv6 literal has colons of its own. */
	if (*host == '[') {
		if ((p = memchr(host, ']', end - host)) == NULL)
			return (-1);
		colon = p + 1 < end ? p + 1 : NULL;
		if (colon != NULL && *colon != ':')
			return (-1);
	} else
		colon = memchr(host, ':', end - host);

	if (colon == NULL) {
		prefix = end - url;
		xasprintf(with, "%.*s:%s%s", (int)prefix, url, dflt, end);
		*without = xstrdup(url);
		return (0);
	}

	if (colon + 1 == end)
		return (-1);
	for (p = colon + 1; p < end; p++) {
		if (*p < '0' || *p > '9')
			return (-1);
	}
	prefix = colon - url;
	xasprintf(without, "%.*s%s", (int)prefix, url, end);
	*with = xstrdup(url);
	return (0);
}

static int
sig_match(const char *token, const char *url, const struct form *params,
    const char *signature)
{
	char	sig[SIG_LEN];

	if (sig_compute(token, url, params, sig, sizeof sig) != 0)
		return (0);
	return (CRYPTO_memcmp(sig, signature, SIG_LEN - 1) == 0);
}

int
sig_valid_form(const char *token, const char *url, const struct form *params,
    const char *signature)
{
	char	*with, *without;
	int	 ok;

	if (token == NULL || url == NULL || signature == NULL)
		return (0);
	/* Every signature is exactly 28 characters, so the length is public. */
	if (strlen(signature) != SIG_LEN - 1)
		return (0);

	if (sig_url_variants(url, &with, &without) != 0)
		return (sig_match(token, url, params, signature));
	/*
	 * The URL as configured first: what the provider was told to call,
	 * so usually what it signed.  Which form matched tells nothing of
	 * the token.
	 */
	if (strcmp(with, url) == 0)
		ok = sig_match(token, with, params, signature) ||
		    sig_match(token, without, params, signature);
	else
		ok = sig_match(token, without, params, signature) ||
		    sig_match(token, with, params, signature);
	free(with);
	free(without);
	return (ok);
}

int
sig_valid_json(const char *token, const char *url, const char *body,
    size_t len, const char *signature)
{
	struct form	 q;
	const char	*query, *hex, *err;
	unsigned char	 md[EVP_MAX_MD_SIZE], want[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	size_t		 i, qlen;
	long		 v;
	char		 pair[3];
	int		 sig_ok, body_ok = 0;

	if (token == NULL || url == NULL || body == NULL)
		return (0);
	sig_ok = sig_valid_form(token, url, NULL, signature);

	if ((query = strchr(url, '?')) == NULL)
		return (0);
	query++;
	qlen = strcspn(query, "#");
	if (form_parse(&q, query, qlen, &err) != 0)
		return (0);
	if ((hex = form_get(&q, "bodySHA256")) != NULL &&
	    EVP_Digest(body, len, md, &mdlen, EVP_sha256(), NULL) == 1 &&
	    strlen(hex) == (size_t)mdlen * 2) {
		body_ok = 1;
		for (i = 0; i < mdlen; i++) {
			pair[0] = hex[2 * i];
			pair[1] = hex[2 * i + 1];
			pair[2] = '\0';
			if (strspn(pair, "0123456789abcdefABCDEF") != 2) {
				body_ok = 0;
				break;
			}
			v = strtol(pair, NULL, 16);
			want[i] = (unsigned char)v;
		}
		if (body_ok)
			body_ok = CRYPTO_memcmp(md, want, mdlen) == 0;
	}
	form_free(&q);
	return (sig_ok && body_ok);
}
