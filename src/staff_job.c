/*
 * staff_job.c -- one staff request as a job: made on the loop from the
 * request and its credentials (a bearer token, or the session cookie with
 * its CSRF header), run in a store transaction (staff.c's, which each
 * component's operation joins) and answered on the loop; the helpers the
 * handlers of every staff file share.
 */
#include <sys/stat.h>

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

struct staff	*staff_self;

struct staff_job *
staff_job_new(struct hreq *r, enum staff_op op)
{
	struct staff_job	*j;

	j = xcalloc(1, sizeof *j);
	j->s = staff_self;
	j->r = r;
	j->cfg = r->cfg;
	j->op = op;
	j->now = util_now();
	j->code = 200;
	return (j);
}

void
staff_job_free(struct staff_job *j)
{
	free(j->token);
	free(j->sid);
	free(j->csrf);
	auth_staff_clear(&j->who);
	free(j->action);
	free(j->outcome);
	free(j->text);
	free(j->user);
	if (j->password != NULL) {
		explicit_bzero(j->password, strlen(j->password));
		free(j->password);
	}
	free(j->ip);
	free(j->hash);
	free(j->status_f);
	free(j->location_f);
	queue_filter_clear(&j->filter);
	free(j->dial_status);
	if (j->out != NULL)
		json_decref(j->out);
	free(j->cookie);
	free(j->twiml);
	free(j);
}

void
staff_fail(struct staff_job *j, int code, const char *why)
{
	j->code = code;
	j->why = why;
}

/*
 * Take the credentials from the request: a bearer token, or the session
 * cookie (with the CSRF header when the request changes something).
 * 0, or -1 after answering 401.
 */
int
staff_credentials(struct staff_job *j, int mutating)
{
	const char	*h;

	if ((h = http_header(j->r, "Authorization")) != NULL) {
		if (strncasecmp(h, "Bearer ", 7) != 0)
			goto refuse;
		h += 7;
		while (*h == ' ')
			h++;
		j->token = xstrdup(h);
		return (0);
	}
	if ((j->sid = auth_cookie(http_header(j->r, "Cookie"),
	    STAFF_COOKIE)) != NULL) {
		j->need_csrf = mutating;
		if ((h = http_header(j->r, "X-CSRF-Token")) != NULL)
			j->csrf = xstrdup(h);
		return (0);
	}
refuse:
	http_add_header(j->r, "WWW-Authenticate", "Bearer");
	http_error(j->r, 401, "log in, or send Authorization: Bearer TOKEN");
	staff_job_free(j);
	return (-1);
}

void
staff_submit(struct staff_job *j)
{
	if (store_submit(j->s->hl->store, j->s->tx, j->s->done, j) != 0) {
		http_error(j->r, 503, "shutting down");
		staff_job_free(j);
	}
}

/* A JSON or form body field (caller frees), or NULL. */
char *
staff_field(struct hreq *r, json_t *body, const char *name)
{
	const char	*v = NULL;

	if (body != NULL)
		v = json_string_value(json_object_get(body, name));
	else
		v = form_get(&r->form, name);
	return (v != NULL ? xstrdup(v) : NULL);
}

/* Parse a POST body (JSON or a form): 0, or -1 after answering 400. */
int
staff_body(struct hreq *r, json_t **body)
{
	const char	*ct = http_header(r, "Content-Type"), *err = NULL;
	json_error_t	 jerr;

	*body = NULL;
	if (r->body_len == 0)
		return (0);
	if (ct != NULL && strncasecmp(ct, "application/json", 16) == 0) {
		*body = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES,
		    &jerr);
		if (*body == NULL || !json_is_object(*body)) {
			json_decref(*body);
			*body = NULL;
			http_error(r, 400, "body is not a JSON object");
			return (-1);
		}
		return (0);
	}
	if (form_parse(&r->form, r->body, r->body_len, &err) != 0) {
		http_error(r, 400, err != NULL ? err : "malformed form body");
		return (-1);
	}
	return (0);
}

int
staff_parse_id(const char *s, long long *id)
{
	char	*end;

	if (s == NULL || !isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	*id = strtoll(s, &end, 10);
	return (errno != 0 || *end != '\0' || *id <= 0 ? -1 : 0);
}

const char *
staff_cb_error(struct staff_job *j, int rc)
{
	switch (rc) {
	case CB_NOTFOUND:
		j->code = 404;
		return ("no such callback");
	case CB_CONFLICT:
		j->code = 409;
		return ("another staff member has this callback, or it is closed");
	}
	j->code = 500;
	return ("store error");
}
