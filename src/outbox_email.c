/*
 * outbox_email.c -- an e-mail from the outbox as a message: RFC 5322
 * headers, encoded words for what is not ASCII, a plain-text body.  The
 * dispatcher (outbox_send.c) delivers it over SMTP.
 */
#include <sys/queue.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <openssl/evp.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "callback.h"
#include "config.h"
#include "curlev.h"
#include "form.h"
#include "hotline.h"
#include "lease.h"
#include "live.h"
#include "log.h"
#include "message.h"
#include "metrics.h"
#include "optout.h"
#include "outbox.h"
#include "outbox_private.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* A header value on one line: CR and LF would start a header of their own. */
static char *
outbox_header_value(const char *s)
{
	char	*out, *p;

	out = xstrdup(s != NULL ? s : "");
	for (p = out; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	}
	return (out);
}

/* RFC 2047 encoded-word for a header that is not plain ASCII. */
static char *
outbox_header_words(const char *s)
{
	const unsigned char	*p;
	unsigned char		*b64;
	char			*clean, *out;
	size_t			 len;

	clean = outbox_header_value(s);
	for (p = (const unsigned char *)clean; *p != '\0'; p++) {
		if (*p >= 0x80)
			break;
	}
	if (*p == '\0')
		return (clean);
	len = strlen(clean);
	b64 = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock(b64, (const unsigned char *)clean, (int)len);
	xasprintf(&out, "=?UTF-8?B?%s?=", (char *)b64);
	free(b64);
	free(clean);
	return (out);
}

char *
outbox_email_text(const struct outbox_send *s, const char *from,
    const char *subject, const char *body)
{
	char		 date[64], hex[65], *subj, *to, *fr, *msg, *crlf;
	const char	*domain, *p;
	struct tm	 tm;
	time_t		 now = util_now();
	size_t		 n = 0;

	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	util_sha256_hex(s->dedupe, strlen(s->dedupe), hex);
	domain = strchr(from, '@') != NULL ? strchr(from, '@') + 1 : "hotline";
	subj = outbox_header_words(subject);
	to = outbox_header_value(s->recipient);
	fr = outbox_header_value(from);
	/* Lines end in CRLF on the wire. */
	crlf = xmalloc(2 * strlen(body) + 3);
	for (p = body; *p != '\0'; p++) {
		if (*p == '\n' && (p == body || p[-1] != '\r'))
			crlf[n++] = '\r';
		crlf[n++] = *p;
	}
	crlf[n++] = '\r';
	crlf[n++] = '\n';
	crlf[n] = '\0';
	xasprintf(&msg, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n"
	    "Message-ID: <%.32s.%lld@%s>\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n%s", fr, to, subj, date,
	    hex, s->id, domain, crlf);
	free(subj);
	free(to);
	free(fr);
	free(crlf);
	return (msg);
}
