/*
 * staff_login.c -- the dashboard's session: GET /api/v1/session (who is
 * logged in, or the login form's CSRF token), POST /api/v1/login (the
 * password checked on its own thread, pwcheck.c) and POST /api/v1/logout.
 * Sessions and tokens themselves are auth.c's.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include "auth.h"
#include "callback.h"
#include "config.h"
#include "hotline.h"
#include "http.h"
#include "lease.h"
#include "live.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "optout.h"
#include "outbox.h"
#include "pwcheck.h"
#include "staff_private.h"
#include "store.h"
#include "twiml.h"
#include "util.h"
#include "xmalloc.h"

/* More logins at once than passwords can be checked: come back soon. */
void
staff_login_busy(struct hreq *r)
{
	http_add_header(r, "Retry-After", "1");
	http_error(r, 503, "too many logins at once; try again in a moment");
}

/* On the loop, the password checked: record the outcome, maybe log in. */
void
staff_login_checked(int ok, void *arg)
{
	struct staff_job	*j = arg;

	j->pw_ok = ok;
	j->op = OP_LOGIN_CHECKED;
	staff_submit(j);
}

void
staff_session_cb(struct hreq *r)
{
	struct staff_job	*j;
	char			*tok, *c;
	json_t			*out;

	c = auth_cookie(http_header(r, "Cookie"), STAFF_COOKIE);
	free(c);
	if (c == NULL && http_header(r, "Authorization") == NULL) {
		/*
		 * Not logged in: hand out the login form's CSRF token, bound
		 * to this browser by a cookie (double submit).
		 */
		tok = util_random_hex(16);
		xasprintf(&c, "%s=%s; Path=/api/v1/login; HttpOnly; "
		    "SameSite=Strict%s", STAFF_LOGIN_COOKIE, tok,
		    strncmp(r->cfg->public_url, "https:", 6) == 0 ?
		    "; Secure" : "");
		http_add_header(r, "Set-Cookie", c);
		out = json_pack("{s:s, s:s}", "error", "not logged in",
		    "login_csrf", tok);
		free(c);
		free(tok);
		http_json(r, 401, out);
		return;
	}
	j = staff_job_new(r, OP_SESSION);
	if (staff_credentials(j, 0) == 0)
		staff_submit(j);
}

void
staff_login_cb(struct hreq *r)
{
	struct staff_job	*j;
	json_t			*body;
	char			*want;
	int			 ok;

	want = auth_cookie(http_header(r, "Cookie"), STAFF_LOGIN_COOKIE);
	ok = want != NULL && auth_equal(want, http_header(r, "X-CSRF-Token"));
	free(want);
	if (!ok) {
		http_error(r, 403, "missing or wrong X-CSRF-Token (reload the "
		    "page)");
		return;
	}
	if (staff_body(r, &body) != 0)
		return;
	j = staff_job_new(r, OP_LOGIN);
	j->user = staff_field(r, body, "username");
	j->password = staff_field(r, body, "password");
	json_decref(body);
	if (j->user == NULL || j->password == NULL || *j->user == '\0' ||
	    strlen(j->password) > 1024 || strlen(j->user) > 256) {
		http_error(r, 400, "give username and password");
		staff_job_free(j);
		return;
	}
	j->ip = xstrdup(http_client(r));
	/* A storm the password thread cannot take costs the store nothing. */
	if (pwcheck_full(j->s->pw)) {
		staff_login_busy(r);
		staff_job_free(j);
		return;
	}
	staff_submit(j);
}

void
staff_logout_cb(struct hreq *r)
{
	struct staff_job	*j;

	j = staff_job_new(r, OP_LOGOUT);
	if (staff_credentials(j, 1) != 0)
		return;
	if (j->sid == NULL) {
		http_error(r, 400, "no session to end");
		staff_job_free(j);
		return;
	}
	staff_submit(j);
}
