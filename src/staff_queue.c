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
#include "staff_private.h"
#include "store.h"
#include "twiml.h"
#include "util.h"
#include "xmalloc.h"

/* --- items ---------------------------------------------------------------- */

static json_t *
staff_str(struct db_res *r, int col)
{
	return (db_isnull(r, col) ? json_null() : json_string(db_text(r, col)));
}

/* One entry as the API shows it; NULL with *rc 0 when absent, -1 error. */
json_t *
staff_item(struct db *db, long long id, time_t now, int *rc)
{
	struct db_res	*r;
	json_t		*it, *notes, *reqs;
	char		 ts[32];
	int		 pos;

	r = db_query(db, "SELECT id, phone, location, topic, language, "
	    "priority, status, created_at, attempts, claimed_by, "
	    "preferred_window, outcome, recording_url, source, not_before, "
	    "queued_at FROM callbacks WHERE id = ?", "i", id);
	if (r == NULL) {
		*rc = -1;
		return (NULL);
	}
	if ((*rc = db_next(r)) != 1) {
		db_done(r);
		return (NULL);
	}
	it = json_object();
	json_object_set_new(it, "id", json_integer(db_int(r, 0)));
	json_object_set_new(it, "phone", staff_str(r, 1));
	json_object_set_new(it, "location", staff_str(r, 2));
	json_object_set_new(it, "topic", staff_str(r, 3));
	json_object_set_new(it, "language", staff_str(r, 4));
	json_object_set_new(it, "priority", json_integer(db_int(r, 5)));
	json_object_set_new(it, "status", staff_str(r, 6));
	json_object_set_new(it, "created_at", json_string(util_iso8601(
	    (time_t)db_int(r, 7), ts, sizeof ts)));
	json_object_set_new(it, "attempts", json_integer(db_int(r, 8)));
	json_object_set_new(it, "claimed_by", staff_str(r, 9));
	json_object_set_new(it, "preferred_window", staff_str(r, 10));
	json_object_set_new(it, "outcome", staff_str(r, 11));
	json_object_set_new(it, "recording_url", staff_str(r, 12));
	json_object_set_new(it, "source", staff_str(r, 13));
	json_object_set_new(it, "retry_after", db_int(r, 14) > now ?
	    json_string(util_iso8601((time_t)db_int(r, 14), ts, sizeof ts)) :
	    json_null());
	json_object_set_new(it, "waited_minutes", json_integer(
	    (now - db_int(r, 15)) / 60 > 0 ? (now - db_int(r, 15)) / 60 : 0));
	db_done(r);

	/* Every request the entry holds, and every location they name. */
	if ((reqs = callback_requests_json(db, id)) == NULL)
		goto fail;
	json_object_set_new(it, "requests", reqs);
	json_object_set_new(it, "locations", callback_locations(reqs));

	if ((pos = callback_position(db, id)) < 0)
		goto fail;
	json_object_set_new(it, "position", json_integer(pos));
	json_object_set_new(it, "wait_minutes", json_integer(pos > 0 ?
	    callback_wait_minutes(db, json_string_value(json_object_get(it,
	    "location")), pos, now) : 0));

	notes = json_array();
	json_object_set_new(it, "notes", notes);
	r = db_query(db, "SELECT at, author, text FROM callback_notes WHERE "
	    "callback_id = ? ORDER BY at, id", "i", id);
	if (r == NULL)
		goto fail;
	while (db_next(r) == 1)
		json_array_append_new(notes, json_pack("{s:s, s:s, s:s}", "at",
		    util_iso8601((time_t)db_int(r, 0), ts, sizeof ts), "author",
		    db_text(r, 1), "text", db_text(r, 2)));
	db_done(r);
	return (it);
fail:
	json_decref(it);
	*rc = -1;
	return (NULL);
}

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

int
staff_list(struct db *db, struct staff_job *j)
{
	struct db_res	*r;
	json_t		*items, *it;
	long long	*ids = NULL, lp = 0, lq = 0, li = 0;
	size_t		 n = 0, i;
	char		*next = NULL;
	int		 rc = 0;

	/*
	 * A location filter shows that location's queue and the entries in
	 * other queues that one of whose requests names it.
	 */
	r = db_query(db, "SELECT id, priority, queued_at FROM callbacks WHERE "
	    "(? = 'all' OR (? = 'open' AND status IN ('waiting', 'claimed')) OR "
	    "status = ?) AND "
	    "(? = '' OR (? = 'shared' AND location IS NULL) OR location = ? OR "
	    "EXISTS (SELECT 1 FROM callback_requests fq WHERE "
	    "fq.callback_id = callbacks.id AND fq.location = ?)) AND "
	    CALLBACK_VISIBLE("callbacks") " AND "
	    "(? = 0 OR priority < ? OR (priority = ? AND (queued_at > ? OR "
	    "(queued_at = ? AND id > ?)))) "
	    "ORDER BY priority DESC, queued_at, id LIMIT ?",
	    "ssssssssssiiiiiii", j->status_f, j->status_f, j->status_f,
	    j->location_f, j->location_f, j->location_f, j->location_f,
	    j->who.locations, j->who.locations, j->who.locations,
	    (long long)j->has_cursor, j->cur_prio,
	    j->cur_prio, j->cur_queued, j->cur_queued, j->cur_id,
	    (long long)j->limit);
	if (r == NULL)
		return (-1);
	while (db_next(r) == 1) {
		ids = xreallocarray(ids, n + 1, sizeof *ids);
		ids[n++] = li = db_int(r, 0);
		lp = db_int(r, 1);
		lq = db_int(r, 2);
	}
	db_done(r);
	items = json_array();
	for (i = 0; i < n; i++) {
		if ((it = staff_item(db, ids[i], j->now, &rc)) == NULL) {
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
			j->out = staff_item(db, j->id, j->now, &rc);
		}
		return (rc == CB_ERROR ? -1 : 0);
	}
	j->changed = 1;
	if ((j->out = staff_item(db, j->id, j->now, &rc)) == NULL)
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
	const char		*v;

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
