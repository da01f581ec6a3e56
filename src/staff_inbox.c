/*
 * staff_inbox.c -- the inbox's staff API: GET /api/v1/inbox, GET
 * /api/v1/inbox/{id} (with the conversation), POST
 * /api/v1/inbox/{id}/reply ({"body": …}: 202 queued, 409 opted out) and
 * POST /api/v1/inbox/{id}/done.  The inbox itself is inbox.c's; staff see
 * their locations' items and the shared ones.  Bodies are never logged.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "hotline.h"
#include "http.h"
#include "inbox.h"
#include "log.h"
#include "staff_api.h"
#include "xmalloc.h"

#define INBOX_LIMIT_DEFAULT	100
#define INBOX_LIMIT_MAX		500

static int
inbox_answer(struct api_req *a, int rc)
{
	if (rc == INBOX_NOTFOUND)
		return (api_fail(a, 404, "no such inbox item"));
	if (rc == INBOX_OPTED_OUT)
		return (api_fail(a, 409, "this number opted out of texts; "
		    "nothing was sent"));
	if (rc == INBOX_KEY_REUSED)
		return (api_fail(a, 422, "this Idempotency-Key was used for "
		    "another reply; nothing was sent"));
	return (rc == INBOX_OK ? 0 : -1);
}

static int
inbox_list_fn(struct db *db, struct api_req *a)
{
	json_t	*items;

	if ((items = inbox_list(db, a->who.locations, a->arg, a->limit)) ==
	    NULL)
		return (-1);
	a->out = json_pack("{s:o}", "items", items);
	return (0);
}

static int
inbox_get_fn(struct db *db, struct api_req *a)
{
	int	rc;

	a->out = inbox_get(db, a->id, a->who.locations, &rc);
	return (inbox_answer(a, rc));
}

static int
inbox_reply_fn(struct db *db, struct api_req *a)
{
	long long	reply_id;
	int		rc, repeat;

	/* a->arg: the request's Idempotency-Key, or NULL. */
	rc = inbox_reply(db, a->id, a->who.locations, a->who.name, a->text,
	    a->arg, a->now, &reply_id, &repeat);
	if (rc != INBOX_OK)
		return (inbox_answer(a, rc));
	/* A repeat gets the first answer again, and nothing is sent. */
	a->code = 202;
	a->kick = !repeat;
	a->out = json_pack("{s:I, s:I, s:s, s:b}", "id", (json_int_t)a->id,
	    "reply", (json_int_t)reply_id, "status", "queued", "repeat",
	    repeat);
	if (repeat)
		log_info("staff: %s sent inbox item %lld's reply again; "
		    "sent once", a->who.name, a->id);
	else
		log_info("staff: %s replied to inbox item %lld", a->who.name,
		    a->id);
	return (0);
}

static int
inbox_done_fn(struct db *db, struct api_req *a)
{
	int	rc;

	if ((rc = inbox_done(db, a->id, a->who.locations, a->who.name,
	    a->now)) != INBOX_OK)
		return (inbox_answer(a, rc));
	a->out = json_pack("{s:I, s:s}", "id", (json_int_t)a->id, "status",
	    "done");
	return (0);
}

static void
inbox_list_cb(struct hreq *r)
{
	struct api_req	*a = api_new(r, inbox_list_fn);
	const char	*st = form_get(&r->args, "status");

	if (st == NULL || *st == '\0')
		st = "open";
	if (strcmp(st, "open") != 0 && strcmp(st, "replied") != 0 &&
	    strcmp(st, "done") != 0 && strcmp(st, "all") != 0) {
		api_refuse(a, 400, "status is open, replied, done or all");
		return;
	}
	a->arg = xstrdup(st);
	if (api_limit(r, INBOX_LIMIT_DEFAULT, INBOX_LIMIT_MAX, &a->limit) != 0) {
		api_refuse(a, 400, "limit is 1 to 500");
		return;
	}
	api_submit(a, 0);
}

static void
inbox_get_cb(struct hreq *r)
{
	struct api_req	*a = api_new(r, inbox_get_fn);

	if (api_id(r->params[0], &a->id) != 0) {
		api_refuse(a, 404, "no such inbox item");
		return;
	}
	api_submit(a, 0);
}

static void
inbox_act_cb(struct hreq *r)
{
	struct api_req	*a;
	json_t		*body;
	const char	*why = NULL, *text, *key;

	if (strcmp(r->params[1], "reply") == 0)
		a = api_new(r, inbox_reply_fn);
	else if (strcmp(r->params[1], "done") == 0)
		a = api_new(r, inbox_done_fn);
	else {
		http_error(r, 404, "no such action (reply, done)");
		return;
	}
	if (api_id(r->params[0], &a->id) != 0) {
		api_refuse(a, 404, "no such inbox item");
		return;
	}
	if (a->fn == inbox_reply_fn) {
		if (api_json_body(r, &body, &why) != 0) {
			api_refuse(a, 400, why);
			return;
		}
		text = json_string_value(json_object_get(body, "body"));
		if (!inbox_reply_valid(text)) {
			json_decref(body);
			api_refuse(a, 400, "body is the reply: some text, at most "
			    "600 bytes");
			return;
		}
		a->text = xstrdup(text);
		json_decref(body);
		if ((key = http_header(r, "Idempotency-Key")) != NULL) {
			if (!inbox_key_valid(key)) {
				api_refuse(a, 400, "Idempotency-Key is 1 to 128 "
				    "printable characters");
				return;
			}
			a->arg = xstrdup(key);
		}
	}
	api_submit(a, 1);
}

void
staff_inbox_init(struct hotline *hl)
{
	http_route(hl->http, EVHTTP_REQ_GET, "/api/v1/inbox", 0, "api-inbox",
	    inbox_list_cb);
	http_route(hl->http, EVHTTP_REQ_GET, "/api/v1/inbox/{}", 0,
	    "api-inbox-item", inbox_get_cb);
	http_route(hl->http, EVHTTP_REQ_POST, "/api/v1/inbox/{}/{}", 0,
	    "api-inbox-action", inbox_act_cb);
}
