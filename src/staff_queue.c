/*
 * staff_queue.c -- the staff API on the callback queue: list, show, claim,
 * release, finish, note (GET and POST /api/v1/callbacks...), and the
 * messages the outbox gave up on (GET /api/v1/messages, retry).  Each is
 * one operation of a staff job (staff.c), in the job's transaction.
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
#include "recording.h"
#include "staff_private.h"
#include "store.h"
#include "twiml.h"
#include "util.h"
#include "xmalloc.h"

/*
 * Whether the staff member may see the entry: its queue is one of their
 * locations (or the shared queue), or one of its requests names one.
 * 1 ok, 0 (answered), -1.
 */
int
staff_scope(struct db *db, struct staff_job *j)
{
	int	rc;

	if ((rc = callback_visible(db, j->id, j->who.locations)) == CB_ERROR)
		return (-1);
	/*
	 * Another location's entry is answered as a missing one: an id does
	 * not tell what exists elsewhere.
	 */
	if (rc == CB_NOTFOUND || rc == 0) {
		staff_fail(j, 404, "no such callback");
		return (0);
	}
	return (1);
}

json_t *
staff_entry_json(struct db *db, struct staff_job *j, long long id, int *rc)
{
	json_t	*it;

	if ((it = callback_json(db, j->cfg, id, j->now, rc)) == NULL)
		return (NULL);
	/* The provider's words beside each recording (recording.c). */
	if (recording_words(db, it, json_object_get(it, "requests")) != 0) {
		json_decref(it);
		*rc = -1;
		return (NULL);
	}
	return (it);
}

int
staff_list(struct db *db, struct staff_job *j)
{
	struct callback_page	 pg;
	json_t			*items, *it;
	long long		*ids = NULL, lp = 0, lq = 0, li = 0;
	size_t		 n = 0, i;
	char		*next = NULL;
	int		 rc = 0;

	memset(&pg, 0, sizeof pg);
	pg.status = j->status_f;
	pg.location = j->location_f;
	pg.locations = j->who.locations;
	pg.topic = j->filter.topic;
	pg.tail = j->filter.tail;
	pg.from = j->filter.from;
	pg.to = j->filter.to;
	pg.has_cursor = j->has_cursor;
	pg.cur_prio = j->cur_prio;
	pg.cur_queued = j->cur_queued;
	pg.cur_id = j->cur_id;
	pg.limit = j->limit;
	if (callback_page(db, &pg, &ids, &n, &lp, &lq) != 0)
		return (-1);
	li = n > 0 ? ids[n - 1] : 0;
	items = json_array();
	for (i = 0; i < n; i++) {
		if ((it = staff_entry_json(db, j, ids[i], &rc)) == NULL) {
			if (rc == -1)
				break;
			continue;
		}
		json_array_append_new(items, it);
	}
	free(ids);
	if (rc == -1) {
		json_decref(items);
		return (-1);
	}
	if (n == (size_t)j->limit)
		xasprintf(&next, "%lld.%lld.%lld", lp, lq, li);
	j->out = json_pack("{s:o, s:s?}", "items", items, "next", next);
	free(next);
	return (0);
}

int
staff_act(struct db *db, struct staff_job *j)
{
	int	rc = CB_OK, queued = 0;

	if ((rc = staff_scope(db, j)) != 1)
		return (rc);
	rc = CB_OK;
	if (strcmp(j->action, "claim") == 0)
		rc = callback_claim(db, j->id, j->who.name, j->now);
	else if (strcmp(j->action, "release") == 0)
		rc = callback_release(db, j->id, j->who.name, j->now);
	else if (strcmp(j->action, "done") == 0) {
		rc = callback_finish(db, j->cfg, j->id, j->who.name,
		    j->outcome, j->now, &queued);
		if (rc == CB_OK && j->text != NULL)
			rc = callback_note(db, j->id, j->who.name, j->text,
			    j->now);
		j->queued = queued;
	} else if (strcmp(j->action, "note") == 0)
		rc = callback_note(db, j->id, j->who.name, j->text, j->now);
	else if (strcmp(j->action, "call") == 0) {
		if (staff_call(db, j) != 0)
			return (-1);
		if (j->code >= 400)
			return (0);
	}
	if (rc != CB_OK) {
		j->why = staff_cb_error(j, rc);
		if (rc == CB_CONFLICT && strcmp(j->action, "claim") == 0) {
			/* Say who won, so the loser's screen can show it. */
			j->out = staff_entry_json(db, j, j->id, &rc);
		}
		return (rc == CB_ERROR ? -1 : 0);
	}
	j->changed = 1;
	if ((j->out = staff_entry_json(db, j, j->id, &rc)) == NULL)
		return (-1);
	return (0);
}

/* --- messages the outbox gave up on --------------------------------------- */

/* Newest change first: what just failed is what staff look for. */
int
staff_msg_list(struct db *db, struct staff_job *j)
{
	struct outbox_page	 pg;
	json_t			*items;
	long long		 la = 0, li = 0;
	char			*next = NULL;
	int			 n;

	memset(&pg, 0, sizeof pg);
	pg.status = j->status_f;
	pg.locations = j->who.locations;
	pg.has_cursor = j->has_cursor;
	pg.cur_at = j->cur_queued;
	pg.cur_id = j->cur_id;
	pg.limit = j->limit;
	if ((n = outbox_list(db, &pg, &items, &la, &li)) < 0)
		return (-1);
	if (n == j->limit)
		xasprintf(&next, "%lld.%lld", la, li);
	j->out = json_pack("{s:o, s:s?}", "items", items, "next", next);
	free(next);
	return (0);
}

/* Put a message the dispatcher gave up on back in line (outbox_retry). */
int
staff_msg_retry(struct db *db, struct staff_job *j)
{
	switch (outbox_retry(db, j->id, j->who.locations, j->now, &j->out)) {
	case 0:
		break;
	case OUTBOX_NOTFOUND:
		staff_fail(j, 404, "no such message");
		return (0);
	case OUTBOX_NOT_FAILED:
		staff_fail(j, 409, "only a message that could not be sent can "
		    "be retried");
		return (0);
	case OUTBOX_OPTED_OUT:
		staff_fail(j, 409, "the recipient opted out of texts (STOP); "
		    "they must text START before we may text them again");
		return (0);
	case OUTBOX_RACE:
		staff_fail(j, 409, "someone else retried this message");
		return (0);
	default:
		return (-1);
	}
	j->queued = 1;
	j->changed = 1;
	live_mark();
	j->code = 202;
	return (0);
}

/* ?limit=: 0, or -1 after answering 400 (the job is freed). */
static int
staff_limit(struct hreq *r, struct staff_job *j)
{
	const char	*v;
	char		*end;
	long long	 n;

	j->limit = STAFF_LIMIT_DEFAULT;
	if ((v = form_get(&r->args, "limit")) == NULL)
		return (0);
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < 1 || n > STAFF_LIMIT_MAX) {
		http_error(r, 400, "limit is 1 to 200");
		staff_job_free(j);
		return (-1);
	}
	j->limit = (int)n;
	return (0);
}

void
staff_list_cb(struct hreq *r)
{
	struct staff_job	*j;
	const char		*v, *why = NULL;

	j = staff_job_new(r, OP_LIST);
	v = form_get(&r->args, "status");
	j->status_f = xstrdup(v != NULL && *v != '\0' ? v : "open");
	if (strcmp(j->status_f, "open") != 0 && strcmp(j->status_f, "all") != 0 &&
	    strcmp(j->status_f, "waiting") != 0 &&
	    strcmp(j->status_f, "claimed") != 0 &&
	    strcmp(j->status_f, "done") != 0 &&
	    strcmp(j->status_f, "unreachable") != 0 &&
	    strcmp(j->status_f, "cancelled") != 0) {
		http_error(r, 400, "status is open, all, waiting, claimed, "
		    "done, unreachable or cancelled");
		staff_job_free(j);
		return;
	}
	v = form_get(&r->args, "location");
	j->location_f = xstrdup(v != NULL ? v : "");
	if (queue_filter_parse(r->cfg, j->location_f,
	    form_get(&r->args, "topic"), form_get(&r->args, "from"),
	    form_get(&r->args, "to"), form_get(&r->args, "q"), &j->filter,
	    &why) != 0) {
		http_error(r, 400, why);
		staff_job_free(j);
		return;
	}
	if (staff_limit(r, j) != 0)
		return;
	if ((v = form_get(&r->args, "cursor")) != NULL && *v != '\0') {
		if (sscanf(v, "%lld.%lld.%lld", &j->cur_prio, &j->cur_queued,
		    &j->cur_id) != 3) {
			http_error(r, 400, "bad cursor");
			staff_job_free(j);
			return;
		}
		j->has_cursor = 1;
	}
	if (staff_credentials(j, 0) == 0)
		staff_submit(j);
}

void
staff_get_cb(struct hreq *r)
{
	struct staff_job	*j;

	j = staff_job_new(r, OP_GET);
	if (staff_parse_id(r->params[0], &j->id) != 0) {
		http_error(r, 404, "no such callback");
		staff_job_free(j);
		return;
	}
	if (staff_credentials(j, 0) == 0)
		staff_submit(j);
}

void
staff_act_cb(struct hreq *r)
{
	static const char *const actions[] = {
		"claim", "release", "done", "note", "call"
	};
	struct staff_job	*j;
	json_t			*body;
	size_t			 i;

	for (i = 0; i < sizeof actions / sizeof actions[0]; i++) {
		if (strcmp(r->params[1], actions[i]) == 0)
			break;
	}
	if (i == sizeof actions / sizeof actions[0]) {
		http_error(r, 404, "no such action (claim, release, done, note, "
		    "call)");
		return;
	}
	j = staff_job_new(r, OP_ACT);
	if (staff_parse_id(r->params[0], &j->id) != 0) {
		http_error(r, 404, "no such callback");
		staff_job_free(j);
		return;
	}
	if (staff_credentials(j, 1) != 0)
		return;
	if (staff_body(r, &body) != 0) {
		j->r = NULL;
		staff_job_free(j);
		return;
	}
	j->action = xstrdup(actions[i]);
	j->outcome = staff_field(r, body, "outcome");
	j->text = staff_field(r, body, strcmp(j->action, "note") == 0 ?
	    "text" : "note");
	json_decref(body);
	if (j->text != NULL && *util_trim(j->text) == '\0') {
		free(j->text);
		j->text = NULL;
	}
	if (strcmp(j->action, "done") == 0) {
		if (j->outcome == NULL)
			j->outcome = xstrdup("reached");
		if (!callback_outcome_valid(j->outcome)) {
			http_error(r, 400, "outcome is reached, left_message, "
			    "no_answer, busy, failed, wrong_number or "
			    "cancelled");
			staff_job_free(j);
			return;
		}
	}
	if (j->text != NULL && (strlen(j->text) > CALLBACK_NOTE_MAX ||
	    !util_utf8_valid(j->text))) {
		http_error(r, 400, "a note is at most 2000 bytes of UTF-8");
		staff_job_free(j);
		return;
	}
	if (strcmp(j->action, "note") == 0 && j->text == NULL) {
		http_error(r, 400, "give the note as text");
		staff_job_free(j);
		return;
	}
	staff_submit(j);
}

void
staff_msg_list_cb(struct hreq *r)
{
	static const char *const statuses[] = {
		"failed", "undelivered", "suppressed", "pending", "sending",
		"sent", "delivered", "all"
	};
	struct staff_job	*j;
	const char		*v;
	size_t			 i;

	v = form_get(&r->args, "status");
	if (v == NULL || *v == '\0')
		v = "failed";
	for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
		if (strcmp(v, statuses[i]) == 0)
			break;
	}
	if (i == sizeof statuses / sizeof statuses[0]) {
		http_error(r, 400, "status is failed, undelivered, suppressed, "
		    "pending, sending, sent, delivered or all");
		return;
	}
	j = staff_job_new(r, OP_MSG_LIST);
	j->status_f = xstrdup(statuses[i]);
	if (staff_limit(r, j) != 0)
		return;
	if ((v = form_get(&r->args, "cursor")) != NULL && *v != '\0') {
		if (sscanf(v, "%lld.%lld", &j->cur_queued, &j->cur_id) != 2) {
			http_error(r, 400, "bad cursor");
			staff_job_free(j);
			return;
		}
		j->has_cursor = 1;
	}
	if (staff_credentials(j, 0) == 0)
		staff_submit(j);
}

void
staff_msg_retry_cb(struct hreq *r)
{
	struct staff_job	*j;

	j = staff_job_new(r, OP_MSG_RETRY);
	if (staff_parse_id(r->params[0], &j->id) != 0) {
		http_error(r, 404, "no such message");
		staff_job_free(j);
		return;
	}
	if (staff_credentials(j, 1) == 0)
		staff_submit(j);
}
