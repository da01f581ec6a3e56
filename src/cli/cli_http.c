/*
 * cli_http.c -- the provider's side of the wire for "hotline call" and
 * "hotline sms".
 *
 * The service checks every webhook the way it checks the provider's, so
 * the tools sign over the public URL even when the request itself goes to
 * another address (--url): a service behind a proxy sees the public one.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "cli_http.h"
#include "config.h"
#include "form.h"
#include "sig.h"
#include "util.h"
#include "xmalloc.h"

void
cli_http_init(struct cli_http *h, const struct config *cfg,
    const char *base_url, const char *name)
{
	memset(h, 0, sizeof *h);
	h->auth_token = cfg->auth_token;
	h->public_url = cfg->public_url;
	h->base_url = base_url != NULL ? base_url : h->public_url;
	if (cfg->account_sid != NULL && *cfg->account_sid != '\0')
		h->account_sid = xstrdup(cfg->account_sid);
	else
		xasprintf(&h->account_sid, "AC%032d", 0);
	xasprintf(&h->agent, "hotline-%s/%s", name, PACKAGE_VERSION);
	if (h->auth_token == NULL || *h->auth_token == '\0')
		fprintf(stderr, "hotline %s: warning: no auth token "
		    "(TWILIO_AUTH_TOKEN): webhooks go unsigned and a service "
		    "that checks signatures refuses them\n", name);
	h->curl = curl_easy_init();
}

void
cli_http_free(struct cli_http *h)
{
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	free(h->account_sid);
	free(h->agent);
	memset(h, 0, sizeof *h);
}

char *
cli_http_target(const struct cli_http *h, const char *url)
{
	size_t	 n = strlen(h->public_url);
	char	*s;

	if (strcmp(h->public_url, h->base_url) != 0 &&
	    strncmp(url, h->public_url, n) == 0) {
		xasprintf(&s, "%s%s", h->base_url, url + n);
		return (s);
	}
	return (xstrdup(url));
}

static size_t
cli_http_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct cli_http_resp	*r = arg;
	size_t			 n = size * nmemb;

	if (r->len + n > CLI_HTTP_MAX_BODY)
		return (0);
	r->body = xreallocarray(r->body, r->len + n + 1, 1);
	memcpy(r->body + r->len, ptr, n);
	r->len += n;
	r->body[r->len] = '\0';
	return (n);
}

void
cli_http_resp_free(struct cli_http_resp *r)
{
	free(r->body);
	free(r->ctype);
	memset(r, 0, sizeof *r);
}

int
cli_http_request(struct cli_http *h, const char *method, const char *url,
    const struct form *params, struct cli_http_resp *r)
{
	struct curl_slist	*hl = NULL;
	char			 sig[SIG_LEN], *hdr, *body = NULL, *full = NULL;
	char			*target, *tok, *ct;
	long long		 t0;
	int			 get, rc = 0;

	get = method != NULL && strcasecmp(method, "GET") == 0;
	memset(r, 0, sizeof *r);
	body = form_encode(params);
	if (get)
		xasprintf(&full, "%s%s%s", url, strchr(url, '?') ? "&" : "?",
		    body);
	else
		full = xstrdup(url);
	if (h->auth_token != NULL && *h->auth_token != '\0') {
		if (sig_compute(h->auth_token, full, get ? NULL : params,
		    sig, sizeof sig) == 0) {
			xasprintf(&hdr, "X-Twilio-Signature: %s", sig);
			hl = curl_slist_append(hl, hdr);
			free(hdr);
		}
	}
	tok = util_random_hex(16);
	xasprintf(&hdr, "I-Twilio-Idempotency-Token: %s", tok);
	hl = curl_slist_append(hl, hdr);
	free(hdr);
	free(tok);
	hl = curl_slist_append(hl, "Expect:");
	target = cli_http_target(h, full);

	curl_easy_reset(h->curl);
	curl_easy_setopt(h->curl, CURLOPT_URL, target);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, h->agent);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, (long)CLI_HTTP_WAIT);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, cli_http_write);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	if (get)
		curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
	else
		curl_easy_setopt(h->curl, CURLOPT_COPYPOSTFIELDS, body);
	t0 = util_mono_ms();
	if (curl_easy_perform(h->curl) != CURLE_OK)
		rc = -1;
	r->ms = (long)(util_mono_ms() - t0);
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &r->status);
	if (curl_easy_getinfo(h->curl, CURLINFO_CONTENT_TYPE, &ct) ==
	    CURLE_OK && ct != NULL)
		r->ctype = xstrdup(ct);
	curl_slist_free_all(hl);
	free(target);
	free(full);
	free(body);
	return (rc);
}

int
cli_http_is_twiml(const struct cli_http_resp *r)
{
	return (r->ctype != NULL &&
	    (strncasecmp(r->ctype, "text/xml", 8) == 0 ||
	    strncasecmp(r->ctype, "application/xml", 15) == 0));
}
