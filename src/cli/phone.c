/*
 * phone.c -- what every part of "hotline call" shares: the transcript
 * (an event per step, printed at once or collected for --json), and the
 * URLs and parameters of the call's webhooks.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "phone.h"
#include "form.h"
#include "xmalloc.h"

/* --- the transcript ------------------------------------------------------ */

void
phone_event(struct phone *c, json_t *ev, const char *fmt, ...)
{
	va_list	ap;

	json_array_append_new(c->events, ev);
	if (c->json)
		return;
	va_start(ap, fmt);
	if (c->term.raw)
		fputs("\r", stdout);
	vprintf(fmt, ap);
	fputs(c->term.raw ? "\r\n" : "\n", stdout);
	fflush(stdout);
	va_end(ap);
}

void
phone_error(struct phone *c, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = xstrdup("error");
	va_end(ap);
	c->errors++;
	phone_event(c, json_pack("{s:s, s:s}", "type", "error", "message", msg),
	    "!! %s", msg);
	free(msg);
}

/* --- the webhooks' parameters -------------------------------------------- */

char *
phone_resolve(const char *current, const char *ref)
{
	CURLU	*u;
	char	*out = NULL, *s;

	if ((u = curl_url()) == NULL)
		return (xstrdup(ref));
	if (curl_url_set(u, CURLUPART_URL, current, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, ref, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &out, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return (xstrdup(ref));
	}
	s = xstrdup(out);
	curl_free(out);
	curl_url_cleanup(u);
	return (s);
}

const char *
phone_short(struct phone *c, const char *url)
{
	size_t	n = strlen(c->http.public_url);

	if (strncmp(url, c->http.public_url, n) == 0 && url[n] == '/')
		return (url + n);
	return (url);
}

void
phone_params(struct phone *c, struct form *f, const char *status)
{
	memset(f, 0, sizeof *f);
	form_add(f, "CallSid", c->sid);
	form_add(f, "AccountSid", c->http.account_sid);
	form_add(f, "From", c->from);
	form_add(f, "To", c->to);
	form_add(f, "Caller", c->from);
	form_add(f, "Called", c->to);
	form_add(f, "CallStatus", status);
	form_add(f, "Direction", "inbound");
	form_add(f, "ApiVersion", "2010-04-01");
	form_add(f, "FromCountry", "US");
	form_add(f, "ToCountry", "US");
}
