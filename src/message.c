/* message.c -- the texts we received and sent (see message.h). */
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "store.h"
#include "xmalloc.h"

int
message_receive(struct db *db, const char *sid, const char *phone,
    const char *channel, const char *body, time_t now)
{
	long long	n;

	/*
	 * Whether the row went in, from the rows changed: RETURNING id made
	 * SQLite's INSERT cost nearly twice as much (callgrind: ~65k
	 * instructions against ~36k), and the answer updates it by sid.
	 */
	if (db_exec(db, "INSERT INTO messages (sid, direction, phone, "
	    "channel, body, status, at, updated_at) VALUES (?, 'in', ?, ?, ?, "
	    "'received', ?, ?) ON CONFLICT (sid) DO NOTHING", "ssssii", sid,
	    phone, channel, body, (long long)now, (long long)now) != 0)
		return (-1);
	if ((n = db_changes(db)) < 0)
		return (-1);
	return (n > 0);
}

static int
message_reply(struct db *db, const struct message_answer *a,
    const char *body)
{
	return (db_exec(db, "INSERT INTO messages (direction, phone, "
	    "channel, language, keyword, body, status, at, updated_at) "
	    "VALUES ('out', ?, ?, ?, ?, ?, 'replied', ?, ?)", "sssssii",
	    a->phone, a->channel, a->language, a->keyword, body,
	    (long long)a->now, (long long)a->now));
}

int
message_answer(struct db *db, const struct message_answer *a)
{
	size_t	i;

	/*
	 * A row per text and the UPDATE: one two-row INSERT whose received
	 * row takes the update ON CONFLICT (sid) saves PostgreSQL a statement
	 * but costs SQLite more than the two (callgrind, store thread: about
	 * 64k instructions a text against 37k), so they stay two.
	 */
	for (i = 0; i < a->n; i++) {
		if (message_reply(db, a, a->texts[i]) != 0)
			return (-1);
	}
	return (db_exec(db, "UPDATE messages SET language = ?, keyword = ?, "
	    "replied = ?, status = ? WHERE sid = ?", "ssiss", a->language,
	    a->keyword, (long long)(a->n > 0), a->status, a->sid));
}

int
message_sent(struct db *db, const char *sid, const char *phone,
    const char *channel, const char *language, const char *body, time_t now)
{
	return (db_exec(db, "INSERT INTO messages (sid, direction, phone, "
	    "channel, language, body, status, at, updated_at) VALUES (?, "
	    "'out', ?, ?, ?, ?, 'sent', ?, ?) ON CONFLICT (sid) DO NOTHING",
	    "sssssii", sid, phone, channel, language, body, (long long)now,
	    (long long)now));
}

int
message_set_status(struct db *db, const char *sid, const char *status,
    long long error, const char *rank_sql, int rank, time_t now)
{
	char	*sql;
	int	 rc;

	xasprintf(&sql, "UPDATE messages SET status = ?, error_code = CASE "
	    "WHEN ? = 0 THEN error_code ELSE ? END, updated_at = ? WHERE "
	    "sid = ? AND direction = 'out' AND %s <= ?", rank_sql);
	rc = db_exec(db, sql, "siiisi", status, error, error, (long long)now,
	    sid, (long long)rank);
	free(sql);
	return (rc);
}

int
message_last_inbound(struct db *db, const char *phone, char **channel,
    long long *at)
{
	struct db_res	*r;
	int		 rc;

	r = db_query(db, "SELECT channel, at FROM messages WHERE phone = ? AND "
	    "direction = 'in' ORDER BY at DESC, id DESC LIMIT 1", "s", phone);
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1) {
		*channel = db_isnull(r, 0) ? NULL : xstrdup(db_text(r, 0));
		*at = db_int(r, 1);
	}
	db_done(r);
	return (rc);
}

int
message_facts(struct db *db, const char *phone, time_t minute, time_t day,
    const char *advice, time_t advice_since, struct message_facts *f)
{
	struct db_res	*r;
	time_t		 since;
	int		 rc;

	/*
	 * The counts scan this number's rows of the longest window once
	 * (messages_phone: phone, at); each CASE keeps its own window.
	 */
	since = day < minute ? day : minute;
	if (advice_since < since)
		since = advice_since;
	memset(f, 0, sizeof *f);
	r = db_query(db, "SELECT (SELECT language FROM messages WHERE "
	    "phone = ? AND language IS NOT NULL ORDER BY at DESC, id DESC "
	    "LIMIT 1), (SELECT opted_out FROM optouts WHERE phone = ?), "
	    "COALESCE(SUM(CASE WHEN direction = 'in' AND replied = 1 AND "
	    "at > ? THEN 1 ELSE 0 END), 0), "
	    "COALESCE(SUM(CASE WHEN direction = 'in' AND replied = 1 AND "
	    "at > ? THEN 1 ELSE 0 END), 0), "
	    "COALESCE(SUM(CASE WHEN direction = 'out' AND keyword = ? AND "
	    "at > ? THEN 1 ELSE 0 END), 0) "
	    "FROM messages WHERE phone = ? AND at > ?", "ssiisisi", phone,
	    phone, (long long)minute, (long long)day, advice,
	    (long long)advice_since, phone, (long long)since);
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1) {
		if (!db_isnull(r, 0))
			f->lang = xstrdup(db_text(r, 0));
		f->opted = !db_isnull(r, 1) && db_int(r, 1) != 0;
		f->minute = db_int(r, 2);
		f->day = db_int(r, 3);
		f->advised = db_int(r, 4);
	}
	db_done(r);
	return (rc == 1 ? 0 : -1);
}

int
message_recent_keywords(struct db *db, const char *phone, time_t since,
    int (*fn)(const char *, long long, void *), void *arg)
{
	struct db_res	*r;
	int		 rc;

	r = db_query(db, "SELECT keyword, at FROM messages WHERE phone = ? AND "
	    "direction = 'out' AND keyword IS NOT NULL AND at > ? "
	    "ORDER BY at DESC, id DESC LIMIT 50", "si", phone,
	    (long long)since);
	if (r == NULL)
		return (-1);
	while ((rc = db_next(r)) == 1) {
		if (fn(db_text(r, 0), db_int(r, 1), arg) != 0)
			break;
	}
	db_done(r);
	return (rc == -1 ? -1 : 0);
}

int
message_recipient(struct db *db, const char *sid, char **phone)
{
	int	rc;

	rc = db_text_query(db, phone, "SELECT phone FROM messages WHERE "
	    "sid = ? AND direction = 'out'", "s", sid);
	return (rc == -1 ? -1 : rc == 0);
}

int
message_is_inbound(struct db *db, const char *sid)
{
	long long	n = 0;

	if (db_int_query(db, &n, "SELECT COUNT(*) FROM messages WHERE "
	    "sid = ? AND direction = 'in'", "s", sid) == -1)
		return (-1);
	return (n > 0);
}
