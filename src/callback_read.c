/*
 * callback_read.c -- the callback queue as the rest of the service reads
 * it (see callback.h): an entry as the API shows it, a page of entries
 * for staff, the list for the command-line tool, what click-to-call says,
 * what a staff notice names, an entry's place in line and when it can
 * expect the call, the entries waiting long unreported, a fingerprint
 * that changes with the queue, the backlog for /metrics, and the topic a
 * number waits with.  Changing the queue is callback.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "callback.h"
#include "escalate.h"
#include "estimate.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

static char *
callback_dup(struct db_res *r, int col)
{
	return (db_isnull(r, col) ? NULL : xstrdup(db_text(r, col)));
}

static json_t *
callback_str(struct db_res *r, int col)
{
	return (db_isnull(r, col) ? json_null() : json_string(db_text(r, col)));
}

/* A callback's requests, oldest first, as the API shows them. */
json_t *
callback_requests_json(struct db *db, long long id)
{
	struct db_res	*r;
	json_t		*a;
	char		 ts[32];
	int		 rc;

	r = db_query(db, "SELECT id, at, channel, reason, location, topic, "
	    "language, priority, preferred_window, text, recording_url FROM "
	    "callback_requests WHERE callback_id = ? ORDER BY at, id", "i", id);
	if (r == NULL)
		return (NULL);
	a = json_array();
	while ((rc = db_next(r)) == 1)
		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:s?, "
		    "s:s?, s:s, s:I, s:s?, s:s?, s:s?}",
		    "id", (json_int_t)db_int(r, 0),
		    "at", util_iso8601((time_t)db_int(r, 1), ts, sizeof ts),
		    "channel", db_text(r, 2), "reason", db_text(r, 3),
		    "location", db_text(r, 4), "topic", db_text(r, 5),
		    "language", db_text(r, 6), "priority",
		    (json_int_t)db_int(r, 7), "preferred_window", db_text(r, 8),
		    "text", db_text(r, 9), "recording_url", db_text(r, 10)));
	db_done(r);
	if (rc == -1) {
		json_decref(a);
		return (NULL);
	}
	return (a);
}

json_t *
callback_locations(const json_t *requests)
{
	json_t		*a, *q;
	const char	*l;
	size_t		 i, k;
	int		 seen;

	a = json_array();
	json_array_foreach(requests, i, q) {
		if ((l = json_string_value(json_object_get(q, "location"))) ==
		    NULL)
			continue;
		seen = 0;
		for (k = 0; k < json_array_size(a) && !seen; k++)
			seen = strcmp(json_string_value(json_array_get(a, k)),
			    l) == 0;
		if (!seen)
			json_array_append_new(a, json_string(l));
	}
	return (a);
}

json_t *
callback_json(struct db *db, const struct config *cfg, long long id,
    time_t now, int *rc)
{
	struct db_res	*r;
	struct estimate	 e;
	json_t		*it, *notes, *reqs, *esc;
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
	json_object_set_new(it, "phone", callback_str(r, 1));
	json_object_set_new(it, "location", callback_str(r, 2));
	json_object_set_new(it, "topic", callback_str(r, 3));
	json_object_set_new(it, "language", callback_str(r, 4));
	json_object_set_new(it, "priority", json_integer(db_int(r, 5)));
	json_object_set_new(it, "status", callback_str(r, 6));
	json_object_set_new(it, "created_at", json_string(util_iso8601(
	    (time_t)db_int(r, 7), ts, sizeof ts)));
	json_object_set_new(it, "attempts", json_integer(db_int(r, 8)));
	json_object_set_new(it, "claimed_by", callback_str(r, 9));
	json_object_set_new(it, "preferred_window", callback_str(r, 10));
	json_object_set_new(it, "outcome", callback_str(r, 11));
	json_object_set_new(it, "recording_url", callback_str(r, 12));
	/* Staff play it through the service (the provider wants our key). */
	json_object_set_new(it, "recording", db_isnull(r, 12) ? json_null() :
	    json_sprintf("/api/v1/callbacks/%lld/recording", id));
	json_object_set_new(it, "source", callback_str(r, 13));
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
	/*
	 * When it can expect its call (estimate.h): "wait_minutes" is null
	 * while no call can come before closing.
	 */
	if (pos <= 0) {
		json_object_set_new(it, "wait_minutes", json_integer(0));
		json_object_set_new(it, "estimate", json_null());
	} else {
		if (callback_estimate(db, cfg, json_string_value(
		    json_object_get(it, "location")), pos, now, &e) != 0)
			goto fail;
		json_object_set_new(it, "wait_minutes", e.later ? json_null() :
		    json_integer(e.minutes));
		json_object_set_new(it, "estimate", estimate_json(cfg, &e,
		    now));
	}
	/* A red flag's pages: who was paged, who answered (escalate.h). */
	if ((esc = escalate_json(db, id)) == NULL)
		goto fail;
	json_object_set_new(it, "escalation", esc);

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

/* Minutes one callback takes when there is no history yet. */
#define CALLBACK_DEFAULT_MINUTES 10

/*
 * Entries behind one in its own priority that callback_position counts
 * before it counts those ahead instead.
 */
#define CALLBACK_BEHIND_MAX	"64"

int
callback_position(struct db *db, long long id)
{
	struct db_res	*r;
	long long	 prio, q;
	char		*loc;
	int		 rc, pos;

	r = db_query(db, "SELECT priority, queued_at, location, status FROM "
	    "callbacks WHERE id = ?", "i", id);
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) != 1) {
		db_done(r);
		return (rc == 0 ? 0 : -1);
	}
	if (strcmp(db_text(r, 3), "waiting") != 0 &&
	    strcmp(db_text(r, 3), "claimed") != 0) {
		db_done(r);
		return (0);
	}
	prio = db_int(r, 0);
	q = db_int(r, 1);
	loc = db_isnull(r, 2) ? NULL : xstrdup(db_text(r, 2));
	db_done(r);
	pos = callback_place(db, id, prio, q, loc);
	free(loc);
	return (pos);
}

/*
 * How long recent callbacks took from claim to done (along
 * callbacks_done), and the staff on duty: who claimed something in the
 * last two hours (along callbacks_claimed: the count, with the table it
 * builds, only when the latest claim is that recent, which is the last
 * entry of the index; an EXISTS there was a scan of the whole table on
 * PostgreSQL); two parameters, both the time two hours ago.
 */
#define CALLBACK_RATE_SQL \
	"(SELECT CAST(AVG(done_at - claimed_at) AS BIGINT) FROM (SELECT " \
	"done_at, claimed_at FROM callbacks WHERE done_at IS NOT NULL AND " \
	"claimed_at IS NOT NULL AND done_at >= claimed_at ORDER BY done_at " \
	"DESC LIMIT 20) t), CASE WHEN (SELECT MAX(claimed_at) FROM " \
	"callbacks) >= ? THEN (SELECT COUNT(DISTINCT claimed_by) FROM " \
	"callbacks WHERE claimed_at >= ?) ELSE 0 END"

static void
callback_rate_set(long long avg, long long staff, struct estimate_rate *rate)
{
	rate->minutes_each = avg > 0 ? (int)((avg + 59) / 60) :
	    CALLBACK_DEFAULT_MINUTES;
	if (rate->minutes_each < 2)
		rate->minutes_each = 2;
	rate->staff = staff > 0 ? (int)staff : 1;
}

/*
 * callback_place, and with rate not NULL the handling rate at now in the
 * same statement (one round trip where the entry is near the end).
 */
static int
callback_place_rate(struct db *db, long long id, long long prio, long long q,
    const char *loc, time_t now, struct estimate_rate *rate)
{
	struct db_res	*r;
	long long	 pos = 0, open = 0, behind = 0, avg = 0, staff = 0;
	int		 rc;

	/*
	 * Everyone open in its queue with its priority or higher, less
	 * those behind it in its own priority: a new entry joins the end of
	 * its priority, so there are none behind it (unless the clock went
	 * back), and finding none is a step or two along callbacks_place
	 * (those queued in the same second after it, then those queued
	 * later: two ranges of the index, where the pair (queued_at, id) as
	 * one would walk the whole second).  All in one statement, so all
	 * see the same commits.
	 */
	/*
	 * Each status on its own: SQLite builds a table for an IN list on
	 * every run, which cost more than the four look-ups together.
	 */
#define BEHIND(st, where) \
	"(SELECT COUNT(*) FROM (SELECT 1 FROM callbacks WHERE status = '" st \
	"' AND " where " AND priority = ? AND queued_at = ? AND id > ? " \
	"LIMIT " CALLBACK_BEHIND_MAX ") t) + (SELECT COUNT(*) FROM (SELECT 1 " \
	"FROM callbacks WHERE status = '" st "' AND " where " AND priority = " \
	"? AND queued_at > ? LIMIT " CALLBACK_BEHIND_MAX ") u)"
#define PLACE_LOC \
	"SELECT (SELECT SUM(n) FROM callback_counts WHERE location = ? AND " \
	"priority >= ?), " BEHIND("waiting", "location = ?") " + " \
	BEHIND("claimed", "location = ?")
#define PLACE_SHARED \
	"SELECT (SELECT SUM(n) FROM callback_counts WHERE location = '' AND " \
	"priority >= ?), " BEHIND("waiting", "location IS NULL") " + " \
	BEHIND("claimed", "location IS NULL")
	if (loc != NULL && rate != NULL)
		r = db_query(db, PLACE_LOC ", " CALLBACK_RATE_SQL,
		    "sisiiisiisiiisiiii", loc, prio, loc, prio, q, id, loc,
		    prio, q, loc, prio, q, id, loc, prio, q,
		    (long long)(now - 7200), (long long)(now - 7200));
	else if (loc != NULL)
		r = db_query(db, PLACE_LOC, "sisiiisiisiiisii", loc, prio, loc,
		    prio, q, id, loc, prio, q, loc, prio, q, id, loc, prio, q);
	else if (rate != NULL)
		r = db_query(db, PLACE_SHARED ", " CALLBACK_RATE_SQL,
		    "iiiiiiiiiiiii", prio, prio, q, id, prio, q, prio, q, id,
		    prio, q, (long long)(now - 7200), (long long)(now - 7200));
	else
		r = db_query(db, PLACE_SHARED, "iiiiiiiiiii", prio, prio, q, id,
		    prio, q, prio, q, id, prio, q);
#undef BEHIND
#undef PLACE_LOC
#undef PLACE_SHARED
	if (r == NULL || db_next(r) != 1) {
		db_done(r);
		return (-1);
	}
	open = db_int(r, 0);
	behind = db_int(r, 1);
	if (rate != NULL) {
		avg = db_int(r, 2);
		staff = db_int(r, 3);
		callback_rate_set(avg, staff, rate);
	}
	db_done(r);
	if (behind < atoll(CALLBACK_BEHIND_MAX))
		return ((int)(open - behind));
	/*
	 * Far from the end (an entry staff look at, a repeat request from
	 * someone who waits long): count those ahead, along callbacks_place
	 * alone (migration 11): the location is matched with = or IS NULL,
	 * not with an OR of both, which no index serves.
	 */
	if (loc != NULL)
		rc = db_int_query(db, &pos, "SELECT COUNT(*) FROM "
		    "callbacks WHERE status IN ('waiting', 'claimed') "
		    "AND location = ? AND (priority > ? OR (priority = "
		    "? AND (queued_at < ? OR (queued_at = ? AND id <= "
		    "?))))", "siiiii", loc, prio, prio, q, q, id);
	else
		rc = db_int_query(db, &pos, "SELECT COUNT(*) FROM "
		    "callbacks WHERE status IN ('waiting', 'claimed') "
		    "AND location IS NULL AND (priority > ? OR "
		    "(priority = ? AND (queued_at < ? OR (queued_at = ? "
		    "AND id <= ?))))", "iiiii", prio, prio, q, q, id);
	return (rc == 0 ? (int)pos : -1);
}

int
callback_place(struct db *db, long long id, long long prio, long long q,
    const char *loc)
{
	return (callback_place_rate(db, id, prio, q, loc, 0, NULL));
}

int
callback_rate(struct db *db, time_t now, struct estimate_rate *rate)
{
	long long	avg = 0, staff = 0;

	if (db_pair_query(db, &avg, &staff, "SELECT " CALLBACK_RATE_SQL, "ii",
	    (long long)(now - 7200), (long long)(now - 7200)) != 0)
		return (-1);
	callback_rate_set(avg, staff, rate);
	return (0);
}

/* estimate_wait at rate, or minutes only without cfg. */
static void
callback_estimate_at(const struct config *cfg, const char *location,
    int position, const struct estimate_rate *rate, time_t now,
    struct estimate *e)
{
	memset(e, 0, sizeof *e);
	if (cfg != NULL)
		estimate_wait(cfg, location, position, rate, now, e);
	else
		e->minutes = position * rate->minutes_each / rate->staff;
}

int
callback_estimate(struct db *db, const struct config *cfg,
    const char *location, int position, time_t now, struct estimate *e)
{
	struct estimate_rate	rate;

	memset(e, 0, sizeof *e);
	if (callback_rate(db, now, &rate) != 0)
		return (-1);
	callback_estimate_at(cfg, location, position, &rate, now, e);
	return (0);
}

int
callback_place_estimate(struct db *db, const struct config *cfg,
    long long id, long long prio, long long queued_at, const char *loc,
    time_t now, int *position, struct estimate *e)
{
	struct estimate_rate	rate;

	if ((*position = callback_place_rate(db, id, prio, queued_at, loc, now,
	    &rate)) < 0)
		return (-1);
	callback_estimate_at(cfg, loc, *position, &rate, now, e);
	return (0);
}

int
callback_page(struct db *db, const struct callback_page *pg, long long **ids,
    size_t *n, long long *last_prio, long long *last_queued)
{
	struct db_res	*r;
	const char	*topic = pg->topic != NULL ? pg->topic : "";
	const char	*tail = pg->tail != NULL ? pg->tail : "";
	char		*like;
	int		 rc;

	*ids = NULL;
	*n = 0;
	/* The search is digits only (queue_filter.c): nothing to escape. */
	xasprintf(&like, "%%%s", tail);
	/*
	 * A location filter shows that location's queue and the entries in
	 * other queues one of whose requests names it.
	 */
	r = db_query(db, "SELECT id, priority, queued_at FROM callbacks WHERE "
	    "(? = 'all' OR (? = 'open' AND status IN ('waiting', 'claimed')) OR "
	    "status = ?) AND "
	    "(? = '' OR (? = 'shared' AND location IS NULL) OR location = ? OR "
	    "EXISTS (SELECT 1 FROM callback_requests fq WHERE "
	    "fq.callback_id = callbacks.id AND fq.location = ?)) AND "
	    CALLBACK_VISIBLE("callbacks") " AND "
	    /* Filters and search (queue_filter.h). */
	    "(? = '' OR topic = ? OR EXISTS (SELECT 1 FROM callback_requests "
	    "tq WHERE tq.callback_id = callbacks.id AND tq.topic = ?)) AND "
	    "(? = '' OR phone LIKE ?) AND (? = 0 OR created_at >= ?) AND "
	    "(? = 0 OR created_at < ?) AND "
	    "(? = 0 OR priority < ? OR (priority = ? AND (queued_at > ? OR "
	    "(queued_at = ? AND id > ?)))) "
	    "ORDER BY priority DESC, queued_at, id LIMIT ?",
	    "sssssssssssssssiiiiiiiiiii", pg->status, pg->status, pg->status,
	    pg->location, pg->location, pg->location, pg->location,
	    pg->locations, pg->locations, pg->locations,
	    topic, topic, topic, tail, like, (long long)pg->from,
	    (long long)pg->from, (long long)pg->to, (long long)pg->to,
	    (long long)pg->has_cursor, pg->cur_prio,
	    pg->cur_prio, pg->cur_queued, pg->cur_queued, pg->cur_id,
	    (long long)pg->limit);
	free(like);
	if (r == NULL)
		return (-1);
	while ((rc = db_next(r)) == 1) {
		*ids = xreallocarray(*ids, *n + 1, sizeof **ids);
		(*ids)[(*n)++] = db_int(r, 0);
		*last_prio = db_int(r, 1);
		*last_queued = db_int(r, 2);
	}
	db_done(r);
	if (rc == -1) {
		free(*ids);
		*ids = NULL;
		*n = 0;
		return (-1);
	}
	return (0);
}

json_t *
callback_list(struct db *db, const char *status)
{
	struct db_res	*r;
	json_t		*items;
	char		 ts[32];
	int		 rc, all = strcmp(status, "all") == 0,
			 open = strcmp(status, "open") == 0;

	r = db_query(db, "SELECT id, phone, location, topic, language, "
	    "priority, status, created_at, attempts, claimed_by, outcome, "
	    "source FROM callbacks WHERE ? = 1 OR (? = 1 AND status IN "
	    "('waiting', 'claimed')) OR status = ? ORDER BY "
	    "CASE WHEN status IN ('waiting', 'claimed') THEN 0 ELSE 1 END, "
	    "priority DESC, queued_at, id", "iis", (long long)all,
	    (long long)open, status);
	if (r == NULL)
		return (NULL);
	items = json_array();
	while ((rc = db_next(r)) == 1) {
		json_array_append_new(items, json_pack("{s:I, s:s, s:s?, s:s?, "
		    "s:s, s:I, s:s, s:s, s:I, s:s?, s:s?, s:s}",
		    "id", (json_int_t)db_int(r, 0), "phone", db_text(r, 1),
		    "location", db_text(r, 2), "topic", db_text(r, 3),
		    "language", db_text(r, 4), "priority",
		    (json_int_t)db_int(r, 5), "status", db_text(r, 6),
		    "created_at", util_iso8601((time_t)db_int(r, 7), ts,
		    sizeof ts), "attempts", (json_int_t)db_int(r, 8),
		    "claimed_by", db_text(r, 9), "outcome", db_text(r, 10),
		    "source", db_text(r, 11)));
	}
	db_done(r);
	if (rc == -1) {
		json_decref(items);
		return (NULL);
	}
	return (items);
}

int
callback_brief(struct db *db, long long id, struct callback_brief *b)
{
	struct db_res	*r;
	int		 rc;

	memset(b, 0, sizeof *b);
	r = db_query(db, "SELECT phone, language, topic, priority, status, "
	    "location, queued_at, (SELECT COUNT(*) FROM callback_requests q "
	    "WHERE q.callback_id = callbacks.id) FROM callbacks WHERE id = ?",
	    "i", id);
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1) {
		b->id = id;
		b->phone = xstrdup(db_text(r, 0));
		b->language = callback_dup(r, 1);
		b->topic = callback_dup(r, 2);
		b->priority = (int)db_int(r, 3);
		b->claimed = strcmp(db_text(r, 4), "claimed") == 0;
		b->location = callback_dup(r, 5);
		b->queued_at = db_int(r, 6);
		b->requests = db_int(r, 7);
	}
	db_done(r);
	return (rc);
}

void
callback_brief_clear(struct callback_brief *b)
{
	free(b->phone);
	free(b->location);
	free(b->language);
	free(b->topic);
	memset(b, 0, sizeof *b);
}

int
callback_asked(struct db *db, long long id, long long rid,
    struct callback_asked *a)
{
	struct db_res	*r;
	int		 rc;

	memset(a, 0, sizeof *a);
	r = db_query(db, "SELECT channel, reason, location FROM "
	    "callback_requests WHERE id = ? AND callback_id = ?", "ii", rid,
	    id);
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1) {
		a->channel = callback_dup(r, 0);
		a->reason = callback_dup(r, 1);
		a->location = callback_dup(r, 2);
	}
	db_done(r);
	return (rc);
}

void
callback_asked_clear(struct callback_asked *a)
{
	free(a->channel);
	free(a->reason);
	free(a->location);
	memset(a, 0, sizeof *a);
}

int
callback_unnoticed(struct db *db, time_t queued_before, time_t now,
    struct callback_due **due, size_t *n)
{
	struct db_res	*r;
	size_t		 i;
	int		 rc;

	*due = NULL;
	*n = 0;
	r = db_query(db, "SELECT id, location FROM callbacks WHERE "
	    "status = 'waiting' AND notified_wait = 0 AND queued_at <= ? AND "
	    "not_before <= ? ORDER BY priority DESC, queued_at, id",
	    "ii", (long long)queued_before, (long long)now);
	if (r == NULL)
		return (-1);
	while ((rc = db_next(r)) == 1) {
		*due = xreallocarray(*due, *n + 1, sizeof **due);
		(*due)[*n].id = db_int(r, 0);
		(*due)[(*n)++].location = callback_dup(r, 1);
	}
	db_done(r);
	if (rc == -1) {
		for (i = 0; i < *n; i++)
			free((*due)[i].location);
		free(*due);
		*due = NULL;
		*n = 0;
		return (-1);
	}
	return (0);
}

int
callback_fingerprint(struct db *db, char **mark)
{
	struct db_res	*r;

	/*
	 * Every change callback.c makes counts one in callback_counts
	 * (priority -1, a row per shard); counting the entries and the
	 * notes catches what the retention purge removes.  A count walks
	 * the smallest index, never the rows themselves.
	 */
	r = db_query(db, "SELECT (SELECT COALESCE(SUM(n), 0) FROM "
	    "callback_counts WHERE location = '' AND priority = -1), "
	    "(SELECT COUNT(*) FROM callbacks), (SELECT COALESCE(MAX(id), 0) "
	    "FROM callbacks), (SELECT COUNT(*) FROM callback_notes)", "");
	if (r == NULL || db_next(r) != 1) {
		db_done(r);
		return (-1);
	}
	xasprintf(mark, "%lld.%lld.%lld.%lld", db_int(r, 0), db_int(r, 1),
	    db_int(r, 2), db_int(r, 3));
	db_done(r);
	return (0);
}

int
callback_backlog(struct db *db, time_t now, long long *waiting,
    long long *oldest)
{
	long long	first;

	if (db_pair_query(db, waiting, &first, "SELECT COUNT(*), "
	    "MIN(queued_at) FROM callbacks WHERE status = 'waiting'", "") != 0)
		return (-1);
	*oldest = *waiting > 0 ? (long long)now - first : 0;
	return (0);
}

int
callback_waiting_topic(struct db *db, const char *phone)
{
	struct db_res	*r;
	int		 rc;

	r = db_query(db, "SELECT topic FROM callbacks WHERE phone = ? AND "
	    "status IN ('waiting', 'claimed') AND topic IS NOT NULL", "s",
	    phone);
	if (r == NULL)
		return (-1);
	rc = db_next(r);
	db_done(r);
	return (rc);
}

int
callback_recording(struct db *db, long long id, char **url, char **phone)
{
	struct db_res	*r;
	int		 rc;

	*url = *phone = NULL;
	/* The entry's voicemail, else the newest request that left one. */
	r = db_query(db, "SELECT c.phone, COALESCE(c.recording_url, (SELECT "
	    "q.recording_url FROM callback_requests q WHERE q.callback_id = "
	    "c.id AND q.recording_url IS NOT NULL ORDER BY q.at DESC, q.id DESC "
	    "LIMIT 1)) FROM callbacks c WHERE c.id = ?", "i", id);
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1) {
		*phone = xstrdup(db_text(r, 0));
		if (!db_isnull(r, 1))
			*url = xstrdup(db_text(r, 1));
	}
	db_done(r);
	return (rc);
}
