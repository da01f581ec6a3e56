/* call.c -- the calls we answered (see call.h). */
#include "call.h"
#include "store.h"
#include "xmalloc.h"

int
call_start(struct db *db, const char *call_sid, const char *caller_hash,
    const char *language, const char *node, time_t now)
{
	/*
	 * The first answer's row is written behind it (voice.c), so a
	 * later step that had to be durable (a callback request) may have
	 * made the row first: then the call's start fills in who and when.
	 */
	return (db_exec(db, "INSERT INTO calls (call_sid, caller_hash, "
	    "language, started_at, status, last_node, steps) VALUES "
	    "(?, ?, ?, ?, 'in-progress', ?, 0) ON CONFLICT (call_sid) "
	    "DO UPDATE SET caller_hash = COALESCE(calls.caller_hash, "
	    "excluded.caller_hash), started_at = CASE WHEN "
	    "excluded.started_at < calls.started_at THEN excluded.started_at "
	    "ELSE calls.started_at END", "sssis", call_sid, caller_hash,
	    language, (long long)now, node));
}

/*
 * A step is one statement: its event, which is all it records.  The
 * call's row is not touched (an UPDATE of it at every step was most of
 * what a step cost the store); call_end sums the row's steps, last node
 * and language from these events once, when the call ends.  The event's
 * ms (since the call began) reads the row's start, by its key; a call we
 * never saw start (a store lost, another instance's store) starts now.
 * A redelivered step finds its step_key already there and records
 * nothing (the unique index of migration 13).
 */
int
call_step(struct db *db, const struct call_step *s)
{
	return (db_exec(db, "INSERT INTO events (at, kind, subject, node, "
	    "input, location, language, ms, step_key, to_node) VALUES (?, "
	    "'call.step', ?, ?, ?, ?, ?, (? - COALESCE((SELECT started_at "
	    "FROM calls WHERE call_sid = ?), ?)) * 1000, ?, ?) ON CONFLICT "
	    "DO NOTHING", "isssssisiss", (long long)s->now, s->subject,
	    s->node, s->input, s->location, s->language, (long long)s->now,
	    s->call_sid, (long long)s->now, s->key, s->next));
}

int
call_status(struct db *db, const char *call_sid, const char *status)
{
	return (db_exec(db, "UPDATE calls SET status = ? WHERE call_sid = ? "
	    "AND ended_at IS NULL", "ss", status, call_sid));
}

int
call_end(struct db *db, const char *call_sid, const char *subject,
    const char *status, long long duration, time_t now)
{
	if (db_exec(db, "INSERT INTO calls (call_sid, started_at, status, "
	    "steps) VALUES (?, ?, ?, 0) ON CONFLICT (call_sid) DO NOTHING",
	    "sis", call_sid, (long long)(now - duration), status) != 0)
		return (-1);
	/*
	 * The steps are events (call_step): the row gets their number (on
	 * top of any counted in the row by an older version) and the last
	 * one's node and language, once.
	 */
	if (db_exec(db, "UPDATE calls SET status = ?, ended_at = ?, "
	    "duration = ?, steps = steps + (SELECT COUNT(*) FROM events "
	    "WHERE subject = ? AND step_key IS NOT NULL), last_node = "
	    "COALESCE((SELECT to_node FROM events WHERE subject = ? AND "
	    "step_key IS NOT NULL ORDER BY id DESC LIMIT 1), last_node), "
	    "language = COALESCE((SELECT language FROM events WHERE "
	    "subject = ? AND step_key IS NOT NULL ORDER BY id DESC LIMIT 1), "
	    "language) WHERE call_sid = ? AND ended_at IS NULL", "siissss",
	    status, (long long)now, duration, subject, subject, subject,
	    call_sid) != 0)
		return (-1);
	return (db_changes(db) > 0);
}

int
call_last_node(struct db *db, const char *call_sid, char **node)
{
	struct db_res	*r;

	*node = NULL;
	if ((r = db_query(db, "SELECT last_node FROM calls WHERE call_sid = ?",
	    "s", call_sid)) == NULL)
		return (-1);
	if (db_next(r) == 1 && db_text(r, 0) != NULL)
		*node = xstrdup(db_text(r, 0));
	db_done(r);
	return (0);
}
