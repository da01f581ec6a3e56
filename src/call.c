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

int
call_step(struct db *db, const char *call_sid, const char *language,
    const char *node, time_t now, time_t *started)
{
	long long	at = 0;
	int		rc;

	/* One statement for a call we know (every step but a lost start). */
	rc = db_int_query(db, &at, "UPDATE calls SET steps = steps + 1, "
	    "last_node = ?, language = ? WHERE call_sid = ? RETURNING "
	    "started_at", "sss", node, language, call_sid);
	if (rc == -1)
		return (-1);
	if (rc == 0) {
		*started = (time_t)at;
		return (0);
	}
	*started = now;
	return (db_exec(db, "INSERT INTO calls (call_sid, language, "
	    "started_at, status, last_node, steps) VALUES (?, ?, ?, "
	    "'in-progress', ?, 1) ON CONFLICT (call_sid) DO UPDATE SET "
	    "steps = calls.steps + 1, last_node = excluded.last_node, "
	    "language = excluded.language", "ssis", call_sid, language,
	    (long long)now, node));
}

int
call_status(struct db *db, const char *call_sid, const char *status)
{
	return (db_exec(db, "UPDATE calls SET status = ? WHERE call_sid = ? "
	    "AND ended_at IS NULL", "ss", status, call_sid));
}

int
call_end(struct db *db, const char *call_sid, const char *status,
    long long duration, time_t now)
{
	if (db_exec(db, "INSERT INTO calls (call_sid, started_at, status, "
	    "steps) VALUES (?, ?, ?, 0) ON CONFLICT (call_sid) DO NOTHING",
	    "sis", call_sid, (long long)(now - duration), status) != 0)
		return (-1);
	if (db_exec(db, "UPDATE calls SET status = ?, ended_at = ?, "
	    "duration = ? WHERE call_sid = ? AND ended_at IS NULL", "siis",
	    status, (long long)now, duration, call_sid) != 0)
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
