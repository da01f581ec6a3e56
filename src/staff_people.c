/*
 * staff_people.c -- the person view and the audit log's staff API:
 * GET /api/v1/people/{phone} (the record, people.c; each view written to
 * the audit log in the same transaction) and GET /api/v1/audit (admins).
 */
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "audit.h"
#include "callback.h"
#include "hotline.h"
#include "http.h"
#include "inbox.h"
#include "people.h"
#include "staff_api.h"
#include "util.h"
#include "xmalloc.h"

#define AUDIT_LIMIT_DEFAULT	100

/*
 * Staff of some locations see the record of a person who has a callback
 * or an inbox text they may see (as the queue and the inbox scope them);
 * staff of every location ("*") see any.  Anyone else's is answered as
 * no record: a number does not tell what exists elsewhere.
 */
static int
people_visible(struct db *db, struct api_req *a)
{
	int	rc;

	if (strcmp(a->who.locations, "*") == 0)
		return (1);
	if ((rc = callback_person_visible(db, a->arg, a->who.locations)) != 0)
		return (rc);
	return (inbox_person_visible(db, a->arg, a->who.locations));
}

static int
people_fn(struct db *db, struct api_req *a)
{
	int	rc;

	if ((rc = people_visible(db, a)) != 1)
		return (rc == 0 ? api_fail(a, 404, "no record of this number "
		    "in your locations") : -1);
	if ((a->out = people_record(db, a->cfg, a->arg)) == NULL)
		return (-1);
	return (audit_add(db, a->who.name, "person.view", a->arg,
	    "GET /api/v1/people", a->now));
}

static int
audit_fn(struct db *db, struct api_req *a)
{
	json_t	*items;

	if (!auth_is_admin(&a->who))
		return (api_fail(a, 403, "the audit log is for admins"));
	if ((items = audit_list(db, a->id, a->limit)) == NULL)
		return (-1);
	a->out = json_pack("{s:o}", "items", items);
	return (0);
}

static void
people_cb(struct hreq *r)
{
	struct api_req	*a = api_new(r, people_fn);

	if ((a->arg = util_phone_e164(r->params[0])) == NULL) {
		api_refuse(a, 400, "not a phone number (E.164, e.g. "
		    "+18175550123)");
		return;
	}
	api_submit(a, 0);
}

static void
audit_cb(struct hreq *r)
{
	struct api_req	*a = api_new(r, audit_fn);
	const char	*v;

	if (api_limit(r, AUDIT_LIMIT_DEFAULT, AUDIT_LIMIT_MAX, &a->limit) != 0) {
		api_refuse(a, 400, "limit is 1 to 1000");
		return;
	}
	if ((v = form_get(&r->args, "before")) != NULL &&
	    api_id(v, &a->id) != 0) {
		api_refuse(a, 400, "before is an audit row id");
		return;
	}
	api_submit(a, 0);
}

void
staff_people_init(struct hotline *hl)
{
	http_route(hl->http, EVHTTP_REQ_GET, "/api/v1/people/{}", 0,
	    "api-person", people_cb);
	http_route(hl->http, EVHTTP_REQ_GET, "/api/v1/audit", 0, "api-audit",
	    audit_cb);
}
