/*
 * staff_api.c -- the staff API's request plumbing for handlers outside
 * staff.c (see staff_api.h): credentials, one transaction, JSON answer.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "auth.h"
#include "config.h"
#include "hotline.h"
#include "http.h"
#include "outbox.h"
#include "staff_api.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define API_COOKIE	"hl_session"	/* the dashboard's, as staff.c sets it */

struct api_req *
api_new(struct hreq *r, api_fn fn)
{
	struct api_req	*a;

	a = xcalloc(1, sizeof *a);
	a->r = r;
	a->hl = r->hl;
	a->cfg = r->cfg;
	a->fn = fn;
	a->now = util_now();
	a->code = 200;
	return (a);
}

void
api_free(struct api_req *a)
{
	auth_staff_clear(&a->who);
	free(a->arg);
	free(a->text);
	free(a->token);
	free(a->sid);
	free(a->csrf);
	if (a->out != NULL)
		json_decref(a->out);
	free(a);
}

void
api_refuse(struct api_req *a, int code, const char *why)
{
	http_error(a->r, code, why);
	api_free(a);
}

int
api_fail(struct api_req *a, int code, const char *why)
{
	a->code = code;
	a->why = why;
	return (0);
}

int
api_id(const char *s, long long *id)
{
	char	*end;

	if (s == NULL || !isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	*id = strtoll(s, &end, 10);
	return (errno != 0 || *end != '\0' || *id <= 0 ? -1 : 0);
}

int
api_limit(struct hreq *r, int def, int max, int *limit)
{
	const char	*v;
	char		*end;
	long		 n;

	*limit = def;
	if ((v = form_get(&r->args, "limit")) == NULL)
		return (0);
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < 1 || n > max)
		return (-1);
	*limit = (int)n;
	return (0);
}

int
api_json_body(struct hreq *r, json_t **body, const char **why)
{
	json_error_t	 jerr;

	*body = NULL;
	if (r->body_len == 0)
		return (0);
	*body = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES,
	    &jerr);
	if (*body == NULL || !json_is_object(*body)) {
		json_decref(*body);
		*body = NULL;
		*why = "body is not a JSON object";
		return (-1);
	}
	return (0);
}

/* In the transaction: who is asking, then the handler's work. */
static int
api_tx(struct db *db, void *arg)
{
	struct api_req	*a = arg;
	int		 rc;

	if (a->token != NULL)
		rc = auth_token_check(db, a->token, a->now, &a->who);
	else
		rc = auth_session_check(db, a->sid, a->now, &a->who);
	if (rc != 1)
		return (rc == 0 ? api_fail(a, 401, "not logged in (or the "
		    "session expired)") : -1);
	/* A bearer token is not sent by a browser on its own: no CSRF. */
	if (a->token == NULL && a->need_csrf &&
	    !auth_equal(a->csrf, a->who.csrf))
		return (api_fail(a, 403, "missing or wrong X-CSRF-Token"));
	return (a->fn(db, a));
}

static void
api_done(int ok, void *arg)
{
	struct api_req	*a = arg;
	struct hreq	*r = a->r;

	/* Not answered here: the handler goes on (and frees a). */
	if (ok && a->code < 400 && a->then != NULL) {
		a->then(a);
		return;
	}
	if (!ok)
		http_error(r, 500, "store error; try again");
	else if (a->code >= 400) {
		if (a->code == 401)
			http_add_header(r, "WWW-Authenticate", "Bearer");
		http_json(r, a->code, json_pack("{s:s}", "error",
		    a->why != NULL ? a->why : "refused"));
	} else {
		http_json(r, a->code, a->out != NULL ? a->out : json_object());
		a->out = NULL;
	}
	if (ok && a->kick)
		outbox_kick(a->hl->outbox);
	api_free(a);
}

void
api_submit(struct api_req *a, int mutating)
{
	const char	*h;

	if ((h = http_header(a->r, "Authorization")) != NULL) {
		if (strncasecmp(h, "Bearer ", 7) != 0)
			goto refuse;
		for (h += 7; *h == ' '; h++)
			;
		a->token = xstrdup(h);
	} else if ((a->sid = auth_cookie(http_header(a->r, "Cookie"),
	    API_COOKIE)) != NULL) {
		a->need_csrf = mutating;
		if ((h = http_header(a->r, "X-CSRF-Token")) != NULL)
			a->csrf = xstrdup(h);
	} else
		goto refuse;
	if (store_submit(a->hl->store, api_tx, api_done, a) != 0)
		api_refuse(a, 503, "shutting down");
	return;
refuse:
	http_add_header(a->r, "WWW-Authenticate", "Bearer");
	api_refuse(a, 401, "log in, or send Authorization: Bearer TOKEN");
}
