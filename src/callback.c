/*
 * callback.c -- joining the callback queue (see callback.h).
 *
 * One open entry per number (a partial unique index enforces it): a repeat
 * request updates that entry and keeps its queued_at, so nobody jumps the
 * line by asking twice and nobody loses their place by asking again.
 */
#include <stdlib.h>
#include <string.h>

#include "callback.h"
#include "config.h"
#include "log.h"
#include "store.h"

/* Minutes one callback takes when there is no history yet. */
#define CALLBACK_DEFAULT_MINUTES 10

int
callback_position(struct db *db, long long id)
{
	struct db_res	*r;
	long long	 pos = 0;
	int		 rc;

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
	{
		long long	 prio = db_int(r, 0), q = db_int(r, 1);
		char		*loc = db_isnull(r, 2) ? NULL :
				    strdup(db_text(r, 2));

		db_done(r);
		rc = db_int_query(db, &pos, "SELECT COUNT(*) FROM callbacks "
		    "WHERE status IN ('waiting', 'claimed') AND "
		    "(location = ? OR (location IS NULL AND ? IS NULL)) AND "
		    "(priority > ? OR (priority = ? AND (queued_at < ? OR "
		    "(queued_at = ? AND id <= ?))))", "ssiiiii", loc, loc, prio,
		    prio, q, q, id);
		free(loc);
	}
	return (rc == 0 ? (int)pos : -1);
}

int
callback_wait_minutes(struct db *db, const char *location, int position,
    time_t now)
{
	long long	avg = 0, staff = 0;
	int		per;

	/* How long recent callbacks took from claim to done. */
	if (db_int_query(db, &avg, "SELECT AVG(done_at - claimed_at) FROM "
	    "(SELECT done_at, claimed_at FROM callbacks WHERE done_at IS NOT "
	    "NULL AND claimed_at IS NOT NULL AND done_at >= claimed_at "
	    "ORDER BY done_at DESC LIMIT 20) t", "") != 0 || avg <= 0)
		per = CALLBACK_DEFAULT_MINUTES;
	else
		per = (int)((avg + 59) / 60);
	if (per < 2)
		per = 2;
	/* Staff on duty: who claimed something in the last two hours. */
	if (db_int_query(db, &staff, "SELECT COUNT(DISTINCT claimed_by) FROM "
	    "callbacks WHERE claimed_at >= ?", "i", (long long)(now - 7200)) != 0 ||
	    staff < 1)
		staff = 1;
	(void)location;
	return ((int)((position * per + staff - 1) / staff));
}

int
callback_request(struct db *db, const struct config *cfg,
    const struct callback_req *q, struct callback_res *res)
{
	long long	 id = 0;
	struct db_res	*r;
	int		 rc;

	memset(res, 0, sizeof *res);
	rc = db_int_query(db, &id, "SELECT id FROM callbacks WHERE phone = ? "
	    "AND status IN ('waiting', 'claimed')", "s", q->phone);
	if (rc == -1)
		return (-1);
	if (rc == 0) {
		/* Keep the place in line; take newer details; never lower priority. */
		if (db_exec(db, "UPDATE callbacks SET "
		    "location = COALESCE(?, location), "
		    "topic = COALESCE(?, topic), language = ?, "
		    "preferred_window = COALESCE(?, preferred_window), "
		    "priority = CASE WHEN ? > priority THEN ? ELSE priority END, "
		    "recording_url = COALESCE(?, recording_url), "
		    "updated_at = ? WHERE id = ?", "ssssiisii", q->location,
		    q->topic, q->language, q->window, (long long)q->priority,
		    (long long)q->priority, q->recording_url, (long long)q->now,
		    id) != 0)
			return (-1);
		res->created = 0;
	} else {
		r = db_query(db, "INSERT INTO callbacks (phone, location, topic, "
		    "language, preferred_window, priority, status, source, "
		    "created_at, updated_at, queued_at, recording_url, call_sid) "
		    "VALUES (?, ?, ?, ?, ?, ?, 'waiting', ?, ?, ?, ?, ?, ?) "
		    "RETURNING id", "sssssisiiiss", q->phone, q->location,
		    q->topic, q->language, q->window, (long long)q->priority,
		    q->source, (long long)q->now, (long long)q->now,
		    (long long)q->now, q->recording_url, q->call_sid);
		if (r == NULL || db_next(r) != 1) {
			db_done(r);
			return (-1);
		}
		id = db_int(r, 0);
		db_done(r);
		res->created = 1;
	}
	res->id = id;
	if ((res->position = callback_position(db, id)) < 0)
		return (-1);
	res->wait_minutes = callback_wait_minutes(db, q->location,
	    res->position, q->now);
	(void)cfg;
	return (0);
}
