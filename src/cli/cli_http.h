/*
 * cli_http.h -- the provider's side of the wire, shared by "hotline call"
 * and "hotline sms": webhooks posted to a running hotlined the way the
 * provider posts them (form encoded, signed over the public URL, with an
 * idempotency token), and the answer read back.
 */
#ifndef HOTLINE_CLI_HTTP_H
#define HOTLINE_CLI_HTTP_H

#include <stddef.h>

#include <curl/curl.h>

struct config;
struct form;

#define CLI_HTTP_MAX_BODY	(1024 * 1024)
#define CLI_HTTP_WAIT		15	/* seconds the provider waits */

struct cli_http {
	const char	*auth_token;	/* NULL or empty: requests go unsigned */
	const char	*public_url;	/* what the provider signs */
	const char	*base_url;	/* where the requests really go */
	char		*account_sid;	/* the account requests claim to be from */
	char		*agent;		/* User-Agent */
	CURL		*curl;
};

struct cli_http_resp {
	long	 status;
	char	*body;		/* NUL-terminated, NULL when empty */
	size_t	 len;
	char	*ctype;		/* Content-Type, or NULL */
	long	 ms;		/* how long the answer took */
	char	 errbuf[CURL_ERROR_SIZE];
};

/*
 * Set up h for the tool "hotline NAME": the configured auth token, public
 * URL and account (a made-up one when none is configured), requests sent
 * to base_url (NULL: the public URL itself).  Warns on stderr when there is
 * no auth token to sign with.  cli_http_free releases what it holds.
 */
void	cli_http_init(struct cli_http *h, const struct config *cfg,
	    const char *base_url, const char *name);
void	cli_http_free(struct cli_http *h);

/* Where a URL the provider knows by its public address really goes (free it). */
char	*cli_http_target(const struct cli_http *h, const char *url);

/*
 * A webhook as the provider sends it: a form POST (or, with method "GET",
 * the parameters in the query) signed over the URL as given.  *r is filled
 * in either way and must be released with cli_http_resp_free.  Returns 0
 * when an answer came (of any status), -1 with r->errbuf set otherwise.
 */
int	cli_http_request(struct cli_http *h, const char *method,
	    const char *url, const struct form *params,
	    struct cli_http_resp *r);
void	cli_http_resp_free(struct cli_http_resp *r);

/* 1 when the answer says it is XML (TwiML), 0 otherwise. */
int	cli_http_is_twiml(const struct cli_http_resp *r);

#endif
