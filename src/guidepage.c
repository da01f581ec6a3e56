/*
 * guidepage.c -- GET /g/<guide>: a guide as a page a phone can read (see
 * guidepage.h), rendered by guideview.c.
 *
 * The page is built on each request from the configuration the request
 * holds: a reload that changes the words changes it.  Its ETag is a hash of
 * what it says; Cache-Control lets a phone keep it a few minutes, and
 * If-None-Match makes a revisit a 304.  The Content-Security-Policy allows
 * no script at all, and the page loads nothing from anywhere else.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "config.h"
#include "guidepage.h"
#include "guideview.h"
#include "hotline.h"
#include "http.h"
#include "util.h"

/* How long a phone may keep the page before asking again (ETag). */
#define GUIDEPAGE_MAX_AGE	"public, max-age=600"

/* --- serving ---------------------------------------------------------------- */

/*
 * The language asked for: ?lang= when configured, else the best of
 * Accept-Language ("es-MX,es;q=0.9,en;q=0.8") by its q-values, else the
 * first configured.
 */
static int
guidepage_lang(struct hreq *r)
{
	const char	*q = form_get(&r->args, "lang"), *al, *p, *e, *semi;
	char		 tag[16];
	double		 best = 0, w;
	int		 l, pick = 0;
	size_t		 n;

	if (q != NULL && (l = config_lang(r->cfg, q)) >= 0)
		return (l);
	if ((al = http_header(r, "Accept-Language")) == NULL)
		return (0);
	for (p = al; *p != '\0'; p = *e == ',' ? e + 1 : e) {
		e = p + strcspn(p, ",");
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		n = strcspn(p, "-;, \t");
		if (n == 0 || n >= sizeof tag || p + n > e)
			continue;
		memcpy(tag, p, n);
		tag[n] = '\0';
		for (n = 0; tag[n] != '\0'; n++)
			tag[n] = (char)tolower((unsigned char)tag[n]);
		w = 1;
		if ((semi = memchr(p, ';', (size_t)(e - p))) != NULL &&
		    (semi = strstr(semi, "q=")) != NULL && semi < e)
			w = strtod(semi + 2, NULL);
		if ((l = config_lang(r->cfg, tag)) >= 0 && w > best) {
			best = w;
			pick = l;
		}
	}
	return (pick);
}

/* A ZIP code as typed: five digits, else none. */
static const char *
guidepage_zip(struct hreq *r)
{
	const char	*z = form_get(&r->args, "zip");
	size_t		 i;

	if (z == NULL || strlen(z) != 5)
		return (NULL);
	for (i = 0; i < 5; i++) {
		if (!isdigit((unsigned char)z[i]))
			return (NULL);
	}
	return (z);
}

static void
guidepage_cb(struct hreq *r)
{
	struct evbuffer	*b;
	const char	*id = r->params[0], *inm;
	char		 hash[65], etag[32];
	unsigned char	*body;
	size_t		 len;

	if (id == NULL || strlen(id) > 64 ||
	    strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789_-") !=
	    strlen(id)) {
		http_error(r, 404, "no such guide");
		return;
	}
	b = evbuffer_new();
	if (guideview_render(r->cfg, id, guidepage_lang(r), guidepage_zip(r),
	    b) != 0) {
		evbuffer_free(b);
		http_error(r, 404, "no such guide");
		return;
	}
	len = evbuffer_get_length(b);
	body = evbuffer_pullup(b, -1);
	util_sha256_hex((const char *)body, len, hash);
	snprintf(etag, sizeof etag, "\"%.24s\"", hash);
	http_add_header(r, "Cache-Control", GUIDEPAGE_MAX_AGE);
	http_add_header(r, "ETag", etag);
	http_add_header(r, "Vary", "Accept-Language");
	http_add_header(r, "Content-Security-Policy", "default-src 'none'; "
	    "style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
	    "base-uri 'none'; frame-ancestors 'none'");
	http_add_header(r, "Referrer-Policy", "no-referrer");
	if ((inm = http_header(r, "If-None-Match")) != NULL &&
	    (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0)) {
		evbuffer_free(b);
		http_reply(r, 304, NULL, NULL, 0);
		return;
	}
	http_reply(r, 200, "text/html; charset=utf-8", (const char *)body, len);
	evbuffer_free(b);
}

void
guidepage_init(struct hotline *hl)
{
	http_route(hl->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, "/g/{}", 0,
	    "guide-page", guidepage_cb);
}
