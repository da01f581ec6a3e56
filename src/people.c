/*
 * people.c -- one person's record (see people.h).
 *
 * A cross-table reader, like report.c: it reads calls, events, messages
 * and callback notes itself, read-only, because a timeline needs them
 * all at once; what has an owner's reader (a callback's requests, the
 * inbox, the opt-out state) comes through that owner's API.  It never
 * writes.  Calls hold no phone number: they are found by the keyed hash
 * of the number (calls.caller_hash), their menu steps by the keyed hash
 * of the call (events.subject), as voice.c records them.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "appointment.h"
#include "callback.h"
#include "config.h"
#include "inbox.h"
#include "optout.h"
#include "people.h"
#include "recording.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define PEOPLE_MAX_ROWS	500	/* per kind: a record, not an export */

static const char *
people_at(long long t, char *buf, size_t len)
{
	return (util_iso8601((time_t)t, buf, len));
}

/* The menu nodes a call went through and where it was routed. */
static int
people_call_path(struct db *db, const struct config *cfg, const char *sid,
    int ongoing, json_t *ev)
{
	struct db_res	*r;
	json_t		*path, *locs;
	const char	*node, *loc;
	char		 subject[17];
	long long	 steps = 0;
	int		 rc;

	util_hash(cfg->secret, sid, subject);
	r = db_query(db, "SELECT node, input, location, step_key, to_node "
	    "FROM events WHERE subject = ? AND kind IN ('call.start', "
	    "'call.step') ORDER BY at, id", "s", subject);
	if (r == NULL)
		return (-1);
	path = json_array();
	locs = json_array();
	while ((rc = db_next(r)) == 1) {
		/*
		 * A call's row counts its menu steps when it ends (call_end);
		 * while it goes on, they are its events so far.
		 */
		if (ongoing && !db_isnull(r, 3)) {
			steps++;
			if (db_text(r, 4) != NULL)
				json_object_set_new(ev, "last_node",
				    json_string(db_text(r, 4)));
		}
		node = db_text(r, 0);
		if (node != NULL)
			json_array_append_new(path, json_pack("{s:s, s:s?}",
			    "node", node, "input", db_text(r, 1)));
		loc = db_text(r, 2);
		if (loc != NULL && (json_array_size(locs) == 0 || strcmp(loc,
		    json_string_value(json_array_get(locs,
		    json_array_size(locs) - 1))) != 0))
			json_array_append_new(locs, json_string(loc));
	}
	db_done(r);
	if (ongoing && steps > 0)
		json_object_set_new(ev, "steps", json_integer(steps));
	json_object_set_new(ev, "path", path);
	json_object_set_new(ev, "locations", locs);
	return (rc == -1 ? -1 : 0);
}

static int
people_calls(struct db *db, const struct config *cfg, const char *phone,
    json_t *events)
{
	struct db_res	*r;
	json_t		*ev;
	char		 hash[17], ts[32];
	char		*sids[PEOPLE_MAX_ROWS];
	int		 ongoing[PEOPLE_MAX_ROWS];
	size_t		 first = json_array_size(events);
	int		 rc, i, n = 0;

	util_hash(cfg->secret, phone, hash);
	r = db_query(db, "SELECT call_sid, started_at, duration, status, "
	    "language, last_node, steps, ended_at FROM calls WHERE "
	    "caller_hash = ? "
	    "ORDER BY started_at DESC LIMIT ?", "si", hash,
	    (long long)PEOPLE_MAX_ROWS);
	if (r == NULL)
		return (-1);
	while ((rc = db_next(r)) == 1) {
		ev = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:I}",
		    "kind", "call", "at", people_at(db_int(r, 1), ts, sizeof ts),
		    "status", db_text(r, 3), "language", db_text(r, 4),
		    "last_node", db_text(r, 5), "steps",
		    (json_int_t)db_int(r, 6));
		json_object_set_new(ev, "duration", db_isnull(r, 2) ?
		    json_null() : json_integer(db_int(r, 2)));
		json_array_append_new(events, ev);
		ongoing[n] = db_isnull(r, 7);
		sids[n++] = xstrdup(db_text(r, 0));
	}
	db_done(r);
	for (i = 0; i < n; i++) {
		ev = json_array_get(events, first + (size_t)i);
		if (rc != -1 && people_call_path(db, cfg, sids[i], ongoing[i],
		    ev) != 0)
			rc = -1;
		free(sids[i]);
	}
	return (rc == -1 ? -1 : 0);
}

static int
people_texts(struct db *db, const char *phone, json_t *events,
    char **language)
{
	struct db_res	*r;
	json_t		*ev, *newest;
	char		 ts[32];
	size_t		 i;
	int		 rc;

	/*
	 * A text that went to the inbox names its item; a reply staff wrote
	 * is shown once, as the reply (with its author), not again as the
	 * message the outbox sent for it.
	 */
	r = db_query(db, "SELECT m.direction, m.at, m.body, m.keyword, "
	    "m.channel, m.status, m.language, i.id, i.status FROM messages m "
	    "LEFT JOIN inbox i ON i.sid = m.sid AND i.phone = m.phone AND "
	    "m.direction = 'in' WHERE m.phone = ? AND NOT EXISTS (SELECT 1 "
	    "FROM outbox o WHERE m.direction = 'out' AND o.provider_sid = "
	    "m.sid AND o.dedupe LIKE 'inbox:reply:%') ORDER BY m.at DESC, "
	    "m.id DESC LIMIT ?", "si", phone, (long long)PEOPLE_MAX_ROWS);
	if (r == NULL)
		return (-1);
	newest = json_array();
	while ((rc = db_next(r)) == 1) {
		ev = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s}",
		    "kind", "text", "at", people_at(db_int(r, 1), ts, sizeof ts),
		    "direction", db_text(r, 0), "body", db_text(r, 2),
		    "keyword", db_text(r, 3), "channel", db_text(r, 4),
		    "status", db_text(r, 5));
		if (!db_isnull(r, 7)) {
			json_object_set_new(ev, "inbox_item",
			    json_integer(db_int(r, 7)));
			json_object_set_new(ev, "inbox_status",
			    json_string(db_text(r, 8)));
		}
		json_array_append_new(newest, ev);
		/* Newest first: the language they used last. */
		if (*language == NULL && db_text(r, 6) != NULL)
			*language = xstrdup(db_text(r, 6));
	}
	db_done(r);
	/* Oldest first, so a text and its answer in one second keep order. */
	for (i = json_array_size(newest); i > 0; i--)
		json_array_append(events, json_array_get(newest, i - 1));
	json_decref(newest);
	return (rc == -1 ? -1 : 0);
}

/* A callback's notes, into its "notes" and as events of their own. */
static int
people_notes(struct db *db, long long id, json_t *cb, json_t *events)
{
	struct db_res	*r;
	json_t		*notes;
	char		 ts[32];
	int		 rc;

	r = db_query(db, "SELECT at, author, text FROM callback_notes WHERE "
	    "callback_id = ? ORDER BY at, id", "i", id);
	if (r == NULL)
		return (-1);
	notes = json_array();
	while ((rc = db_next(r)) == 1) {
		json_array_append_new(notes, json_pack("{s:s, s:s, s:s}",
		    "at", people_at(db_int(r, 0), ts, sizeof ts),
		    "author", db_text(r, 1), "text", db_text(r, 2)));
		json_array_append_new(events, json_pack("{s:s, s:s, s:I, s:s, "
		    "s:s}", "kind", "note", "at", ts, "callback", (json_int_t)id,
		    "author", db_text(r, 1), "text", db_text(r, 2)));
	}
	db_done(r);
	json_object_set_new(cb, "notes", notes);
	return (rc == -1 ? -1 : 0);
}

/* Each request that brought a recording is a voicemail event. */
static void
people_voicemails(long long id, const json_t *requests, json_t *events)
{
	json_t	*q;
	size_t	 i;

	json_array_foreach(requests, i, q) {
		if (json_string_value(json_object_get(q, "recording_url")) ==
		    NULL)
			continue;
		json_array_append_new(events, json_pack("{s:s, s:O, s:I, s:O, "
		    "s:O, s:o, s:O}", "kind", "voicemail", "at",
		    json_object_get(q, "at"), "callback", (json_int_t)id,
		    "recording_url", json_object_get(q, "recording_url"),
		    "text", json_object_get(q, "text") != NULL ?
		    json_object_get(q, "text") : json_null(),
		    /* Played through the service; the words beside it. */
		    "recording", json_sprintf("/api/v1/callbacks/%lld/recording",
		    id), "transcription",
		    json_object_get(q, "transcription") != NULL ?
		    json_object_get(q, "transcription") : json_null()));
	}
}

static int
people_callbacks(struct db *db, const char *phone, json_t *events,
    char **language)
{
	struct db_res	*r;
	json_t		*cbs, *cb, *requests;
	size_t		 i;
	char		 ts[32], done[32];
	int		 rc;

	r = db_query(db, "SELECT id, created_at, status, outcome, topic, "
	    "location, priority, attempts, done_at, language, claimed_by "
	    "FROM callbacks WHERE phone = ? ORDER BY created_at DESC, id DESC "
	    "LIMIT ?", "si", phone, (long long)PEOPLE_MAX_ROWS);
	if (r == NULL)
		return (-1);
	cbs = json_array();
	while ((rc = db_next(r)) == 1)
		json_array_append_new(cbs, json_pack("{s:s, s:I, s:s, s:s, "
		    "s:s?, s:s?, s:s?, s:I, s:I, s:s?, s:s, s:s?}",
		    "kind", "callback", "id", (json_int_t)db_int(r, 0),
		    "at", people_at(db_int(r, 1), ts, sizeof ts),
		    "status", db_text(r, 2), "outcome", db_text(r, 3),
		    "topic", db_text(r, 4), "location", db_text(r, 5),
		    "priority", (json_int_t)db_int(r, 6),
		    "attempts", (json_int_t)db_int(r, 7),
		    "done_at", db_isnull(r, 8) ? NULL :
		    people_at(db_int(r, 8), done, sizeof done),
		    "language", db_text(r, 9), "claimed_by", db_text(r, 10)));
	db_done(r);
	if (rc == -1) {
		json_decref(cbs);
		return (-1);
	}
	json_array_foreach(cbs, i, cb) {
		long long	id = json_integer_value(json_object_get(cb, "id"));

		if ((requests = callback_requests_json(db, id)) == NULL ||
		    recording_words(db, NULL, requests) != 0 ||
		    people_notes(db, id, cb, events) != 0) {
			json_decref(requests);
			json_decref(cbs);
			return (-1);
		}
		people_voicemails(id, requests, events);
		json_object_set_new(cb, "requests", requests);
		json_array_append(events, cb);
	}
	if (*language == NULL && json_array_size(cbs) > 0 &&
	    json_string_value(json_object_get(json_array_get(cbs, 0),
	    "language")) != NULL)
		*language = xstrdup(json_string_value(json_object_get(
		    json_array_get(cbs, 0), "language")));
	json_decref(cbs);
	return (0);
}

struct people_ev {
	json_t	*ev;
	size_t	 n;
};

static int
people_cmp(const void *a, const void *b)
{
	const struct people_ev	*x = a, *y = b;
	const char		*s, *t;
	int			 c;

	s = json_string_value(json_object_get(x->ev, "at"));
	t = json_string_value(json_object_get(y->ev, "at"));
	if ((c = strcmp(s != NULL ? s : "", t != NULL ? t : "")) != 0)
		return (c);
	return (x->n < y->n ? -1 : x->n > y->n);
}

/* Oldest first; events of one second keep the order they were read in. */
static json_t *
people_sorted(json_t *events)
{
	struct people_ev	*v;
	json_t			*out;
	size_t			 i, n = json_array_size(events);

	v = xcalloc(n + 1, sizeof *v);
	for (i = 0; i < n; i++) {
		v[i].ev = json_array_get(events, i);
		v[i].n = i;
	}
	qsort(v, n, sizeof *v, people_cmp);
	out = json_array();
	for (i = 0; i < n; i++)
		json_array_append(out, v[i].ev);
	free(v);
	return (out);
}

json_t *
people_record(struct db *db, const struct config *cfg, const char *phone)
{
	json_t		*events, *out;
	char		*text_lang = NULL, *cb_lang = NULL;
	int		 opted;

	if ((opted = optout_is(db, phone)) < 0)
		return (NULL);
	events = json_array();
	if (people_calls(db, cfg, phone, events) != 0 ||
	    people_texts(db, phone, events, &text_lang) != 0 ||
	    people_callbacks(db, phone, events, &cb_lang) != 0 ||
	    inbox_person_events(db, phone, events) != 0 ||
	    appointment_person_events(db, phone, events) != 0) {
		json_decref(events);
		free(text_lang);
		free(cb_lang);
		return (NULL);
	}
	out = json_pack("{s:s, s:s?, s:b, s:o}", "phone", phone,
	    "language", text_lang != NULL ? text_lang : cb_lang,
	    "opted_out", opted, "events", people_sorted(events));
	free(text_lang);
	free(cb_lang);
	json_decref(events);
	return (out);
}
