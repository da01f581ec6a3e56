/*
 * inbox.c -- the staff inbox (see inbox.h): owns the inbox and
 * inbox_replies tables.
 *
 * What a person wrote is kept here for staff to read; it is never logged.
 * Changes are marked for the dashboard's live updates the same way queue
 * changes are (callback_mark_changed: live.c on a shared store, the
 * staff tick in this process).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "auth.h"
#include "callback.h"
#include "config.h"
#include "inbox.h"
#include "keyword.h"
#include "location.h"
#include "optout.h"
#include "outbox.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define INBOX_TELL_SECS		86400	/* told at most once a day */
#define INBOX_WHATSAPP		"whatsapp"
#define INBOX_WHATSAPP_WINDOW	86400	/* WhatsApp takes free text within */
#define INBOX_COLUMNS							\
	"id, phone, body, received_at, language, location, status, "	\
	"channel, done_by, (SELECT COUNT(*) FROM inbox_replies r WHERE "	\
	"r.inbox_id = inbox.id)"
/* Who may see an item: everyone the shared inbox, staff their locations'. */
#define INBOX_VISIBLE							\
	"(? = '*' OR location IS NULL OR "				\
	"(',' || ? || ',') LIKE ('%,' || location || ',%'))"

int
inbox_reply_valid(const char *body)
{
	const char	*p;

	if (body == NULL || strlen(body) > INBOX_REPLY_MAX)
		return (0);
	for (p = body; *p != '\0'; p++) {
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			return (1);
	}
	return (0);
}

int
inbox_key_valid(const char *key)
{
	size_t	n;

	for (n = 0; key[n] != '\0'; n++)
		if (n >= INBOX_KEY_MAX || key[n] < 0x21 || key[n] > 0x7e)
			return (0);
	return (n > 0);
}

char *
inbox_notice(const struct config *cfg, const char *location, int lang,
    time_t now)
{
	const struct location	*l = NULL;
	const char		*tmpl;
	char			 next[64];
	time_t			 n, best = 0;
	size_t			 i;

	if (location != NULL)
		l = config_location(cfg, location);
	/* The shared inbox is read wherever staff are first at work. */
	for (i = 0; l == NULL && i < cfg->nlocations; i++) {
		n = location_next_open(&cfg->locations[i], now);
		if (n != 0 && (best == 0 || n < best))
			best = n;
	}
	for (i = 0; l == NULL && best != 0 && i < cfg->nlocations; i++) {
		if (location_next_open(&cfg->locations[i], now) == best)
			l = &cfg->locations[i];
	}
	if (l == NULL || location_next_open(l, now) == 0)
		return (NULL);
	if (location_is_open(l, now)) {
		if ((tmpl = smscfg_message(cfg, "inbox_open", lang)) == NULL)
			return (NULL);
		return (keyword_fill(tmpl, NULL));
	}
	if ((tmpl = smscfg_message(cfg, "inbox_closed", lang)) == NULL)
		return (NULL);
	location_next_open_text(l, now, lang, next, sizeof next);
	{
		const char	*vars[] = { "next_open", next, NULL };

		return (keyword_fill(tmpl, vars));
	}
}

int
inbox_add(struct db *db, const struct inbox_text *t, struct inbox_added *out)
{
	struct db_res	*r;
	long long	 told = 0;
	int		 rc;

	memset(out, 0, sizeof *out);
	if (callback_person_location(db, t->phone, &out->location) != 0)
		return (-1);
	if (t->tell) {
		if (db_int_query(db, &told, "SELECT COUNT(*) FROM inbox WHERE "
		    "phone = ? AND told_at > ?", "si", t->phone,
		    (long long)(t->now - INBOX_TELL_SECS)) == -1)
			goto fail;
		out->tell = told == 0;
	}
	r = db_query(db, "INSERT INTO inbox (phone, channel, sid, body, "
	    "language, location, status, received_at, updated_at) VALUES "
	    "(?, ?, ?, ?, ?, ?, 'open', ?, ?) RETURNING id", "ssssssii",
	    t->phone, t->channel, t->sid, t->body, t->language, out->location,
	    (long long)t->now, (long long)t->now);
	if (r == NULL)
		goto fail;
	if ((rc = db_next(r)) == 1)
		out->id = db_int(r, 0);
	db_done(r);
	if (rc != 1)
		goto fail;
	if (out->tell && db_exec(db, "UPDATE inbox SET told_at = ? WHERE "
	    "id = ?", "ii", (long long)t->now, out->id) != 0)
		goto fail;
	callback_mark_changed();
	return (0);
fail:
	free(out->location);
	out->location = NULL;
	return (-1);
}

static json_t *
inbox_item(struct db_res *r)
{
	char	ts[32];

	return (json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s?, s:s, s:s?, s:s?, "
	    "s:I}",
	    "id", (json_int_t)db_int(r, 0), "phone", db_text(r, 1),
	    "body", db_text(r, 2),
	    "received_at", util_iso8601((time_t)db_int(r, 3), ts, sizeof ts),
	    "language", db_text(r, 4), "location", db_text(r, 5),
	    "status", db_text(r, 6), "channel", db_text(r, 7),
	    "done_by", db_text(r, 8), "replies", (json_int_t)db_int(r, 9)));
}

json_t *
inbox_list(struct db *db, const char *locations, const char *status,
    int limit)
{
	struct db_res	*r;
	json_t		*a;
	int		 rc;

	r = db_query(db, "SELECT " INBOX_COLUMNS " FROM inbox WHERE "
	    INBOX_VISIBLE " AND (? = 'all' OR status = ? OR (? = 'open' AND "
	    "status = 'replied')) ORDER BY received_at DESC, id DESC LIMIT ?",
	    "sssssi", locations, locations, status, status, status,
	    (long long)limit);
	if (r == NULL)
		return (NULL);
	a = json_array();
	while ((rc = db_next(r)) == 1)
		json_array_append_new(a, inbox_item(r));
	db_done(r);
	if (rc == -1) {
		json_decref(a);
		return (NULL);
	}
	return (a);
}

/*
 * The item's phone, if locations may see it, and (channel not NULL) the
 * channel a reply goes back on: WhatsApp for a WhatsApp text while
 * WhatsApp still takes free text, else NULL (the outbox's choice).
 */
static int
inbox_find(struct db *db, long long id, const char *locations, time_t now,
    char **phone, char **channel)
{
	struct db_res	*r;
	int		 rc;

	r = db_query(db, "SELECT phone, channel, received_at FROM inbox WHERE "
	    "id = ? AND " INBOX_VISIBLE, "iss", id, locations, locations);
	if (r == NULL)
		return (INBOX_ERROR);
	if ((rc = db_next(r)) == 1) {
		*phone = xstrdup(db_text(r, 0));
		if (channel != NULL && !db_isnull(r, 1) && db_int(r, 2) >
		    (long long)now - INBOX_WHATSAPP_WINDOW)
			*channel = xstrdup(db_text(r, 1));
	}
	db_done(r);
	if (rc == -1)
		return (INBOX_ERROR);
	return (rc == 1 ? INBOX_OK : INBOX_NOTFOUND);
}

/*
 * A number's inbox texts and replies, oldest first, into a: each as
 * { "direction", "at", "body", "author", "item", "channel" }.
 */
static int
inbox_conversation(struct db *db, const char *phone, json_t *a)
{
	struct db_res	*r;
	char		 ts[32];
	int		 rc;

	r = db_query(db, "SELECT 'in', i.received_at, i.body, NULL, i.id, "
	    "i.id, i.channel FROM inbox i WHERE i.phone = ? UNION ALL "
	    "SELECT 'out', q.at, q.body, q.author, q.inbox_id, q.id, NULL "
	    "FROM inbox_replies q JOIN inbox i ON i.id = q.inbox_id WHERE "
	    "i.phone = ? ORDER BY 2, 1, 6", "ss", phone, phone);
	if (r == NULL)
		return (-1);
	while ((rc = db_next(r)) == 1)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s?, "
		    "s:I, s:s?}", "direction", db_text(r, 0),
		    "at", util_iso8601((time_t)db_int(r, 1), ts, sizeof ts),
		    "body", db_text(r, 2), "author", db_text(r, 3),
		    "item", (json_int_t)db_int(r, 4),
		    "channel", db_text(r, 6)));
	db_done(r);
	return (rc == -1 ? -1 : 0);
}

json_t *
inbox_get(struct db *db, long long id, const char *locations, int *rc)
{
	struct db_res	*r;
	json_t		*item = NULL, *conv;

	r = db_query(db, "SELECT " INBOX_COLUMNS " FROM inbox WHERE id = ? "
	    "AND " INBOX_VISIBLE, "iss", id, locations, locations);
	if (r == NULL) {
		*rc = INBOX_ERROR;
		return (NULL);
	}
	if ((*rc = db_next(r)) == 1)
		item = inbox_item(r);
	db_done(r);
	if (item == NULL) {
		*rc = *rc == 0 ? INBOX_NOTFOUND : INBOX_ERROR;
		return (NULL);
	}
	conv = json_array();
	if (inbox_conversation(db, json_string_value(json_object_get(item,
	    "phone")), conv) != 0) {
		json_decref(conv);
		json_decref(item);
		*rc = INBOX_ERROR;
		return (NULL);
	}
	json_object_set_new(item, "conversation", conv);
	*rc = INBOX_OK;
	return (item);
}

/*
 * A reply already written for this one: the same Idempotency-Key on the
 * item, or the same words by the same author a moment ago (a double tap,
 * a retried request).  INBOX_OK with *reply_id set (0: none), or
 * INBOX_KEY_REUSED / INBOX_ERROR.
 */
static int
inbox_reply_repeat(struct db *db, long long id, const char *author,
    const char *body, const char *key, time_t now, long long *reply_id)
{
	struct db_res	*r;
	int		 rc, same = 1;

	*reply_id = 0;
	/*
	 * Touching the item first holds its row until this transaction ends
	 * (PostgreSQL; SQLite has one writer anyway): two copies of one
	 * reply sent side by side are looked at one after the other.
	 */
	if (db_exec(db, "UPDATE inbox SET updated_at = updated_at WHERE id = ?",
	    "i", id) != 0)
		return (INBOX_ERROR);
	if (key != NULL)
		r = db_query(db, "SELECT id, body FROM inbox_replies WHERE "
		    "inbox_id = ? AND idem_key = ?", "is", id, key);
	else
		r = db_query(db, "SELECT id, body FROM inbox_replies WHERE "
		    "inbox_id = ? AND author = ? AND body = ? AND at >= ? "
		    "ORDER BY id DESC LIMIT 1", "issi", id, author, body,
		    (long long)(now - INBOX_REPLY_REPEAT));
	if (r == NULL)
		return (INBOX_ERROR);
	if ((rc = db_next(r)) == 1) {
		*reply_id = db_int(r, 0);
		same = strcmp(db_text(r, 1), body) == 0;
	}
	db_done(r);
	if (rc == -1)
		return (INBOX_ERROR);
	return (same ? INBOX_OK : INBOX_KEY_REUSED);
}

int
inbox_reply(struct db *db, long long id, const char *locations,
    const char *author, const char *body, const char *key, time_t now,
    long long *reply_id, int *repeat)
{
	struct db_res	*r;
	json_t		*payload;
	char		*phone = NULL, *channel = NULL, *dedupe;
	long long	 qid;
	int		 rc;

	*reply_id = 0;
	*repeat = 0;
	if ((rc = inbox_find(db, id, locations, now, &phone, &channel)) !=
	    INBOX_OK)
		return (rc);
	/* STOP wins: nothing is written for an opted-out number. */
	if ((rc = optout_is(db, phone)) != 0) {
		rc = rc == 1 ? INBOX_OPTED_OUT : INBOX_ERROR;
		goto out;
	}
	/*
	 * Sent once, however often it is asked for: the same key, or the
	 * same words a moment ago (a double tap that made a new key too),
	 * answer with the reply already queued.
	 */
	if ((rc = inbox_reply_repeat(db, id, author, body, key, now,
	    reply_id)) == INBOX_OK && *reply_id == 0 && key != NULL)
		rc = inbox_reply_repeat(db, id, author, body, NULL, now,
		    reply_id);
	if (rc != INBOX_OK || *reply_id != 0) {
		*repeat = rc == INBOX_OK;
		goto out;
	}
	rc = INBOX_ERROR;
	r = db_query(db, "INSERT INTO inbox_replies (inbox_id, at, author, "
	    "body, idem_key) VALUES (?, ?, ?, ?, ?) RETURNING id", "iisss", id,
	    (long long)now, author, body, key);
	if (r == NULL)
		goto out;
	if (db_next(r) == 1)
		*reply_id = db_int(r, 0);
	db_done(r);
	if (*reply_id == 0)
		goto out;
	/*
	 * On the channel the text came on: a WhatsApp text is answered on
	 * WhatsApp (the outbox keeps a payload's channel); an SMS, or a
	 * WhatsApp text too old for free text, as the outbox chooses.
	 */
	payload = json_pack("{s:s, s:s}", "to", phone, "body", body);
	if (channel != NULL && strcmp(channel, INBOX_WHATSAPP) == 0)
		json_object_set_new(payload, "channel",
		    json_string(INBOX_WHATSAPP));
	xasprintf(&dedupe, "inbox:reply:%lld", *reply_id);
	qid = outbox_enqueue(db, "sms", dedupe, phone, payload, now);
	free(dedupe);
	if (qid == OUTBOX_SUPPRESSED)
		rc = INBOX_OPTED_OUT;
	if (qid <= 0)
		goto out;
	if (db_exec(db, "UPDATE inbox_replies SET outbox_id = ? WHERE id = ?",
	    "ii", qid, *reply_id) != 0 || db_exec(db, "UPDATE inbox SET "
	    "status = CASE WHEN status = 'open' THEN 'replied' ELSE status "
	    "END, updated_at = ? WHERE id = ?", "ii", (long long)now, id) != 0)
		goto out;
	callback_mark_changed();
	rc = INBOX_OK;
out:
	free(phone);
	free(channel);
	return (rc);
}

int
inbox_done(struct db *db, long long id, const char *locations,
    const char *author, time_t now)
{
	char	*phone = NULL;
	int	 rc;

	if ((rc = inbox_find(db, id, locations, now, &phone, NULL)) !=
	    INBOX_OK)
		return (rc);
	free(phone);
	if (db_exec(db, "UPDATE inbox SET status = 'done', done_by = ?, "
	    "done_at = ?, updated_at = ? WHERE id = ? AND status <> 'done'",
	    "siii", author, (long long)now, (long long)now, id) != 0)
		return (INBOX_ERROR);
	callback_mark_changed();
	return (INBOX_OK);
}

/*
 * Retention (retention.c's steps for the tables inbox.c owns): only items
 * staff marked done, and their replies; an open text waits for a person
 * however old.
 */
#define INBOX_OLD	"status = 'done' AND updated_at < ?"
#define INBOX_OLD_REPLY	"inbox_id IN (SELECT id FROM inbox WHERE " INBOX_OLD ")"

static const struct {
	const char	*count;
	const char	*purge;
} inbox_retention_sql[] = {
	[INBOX_RET_BODIES] = {
	    "SELECT COUNT(*) FROM inbox WHERE body <> '' AND " INBOX_OLD,
	    "UPDATE inbox SET body = '' WHERE id IN (SELECT id FROM inbox "
	    "WHERE body <> '' AND " INBOX_OLD " LIMIT ?)" },
	[INBOX_RET_REPLY_BODIES] = {
	    "SELECT COUNT(*) FROM inbox_replies WHERE body <> '' AND "
	    INBOX_OLD_REPLY,
	    "UPDATE inbox_replies SET body = '' WHERE id IN (SELECT id FROM "
	    "inbox_replies WHERE body <> '' AND " INBOX_OLD_REPLY " LIMIT ?)" },
	[INBOX_RET_REPLIES] = {
	    "SELECT COUNT(*) FROM inbox_replies WHERE " INBOX_OLD_REPLY,
	    "DELETE FROM inbox_replies WHERE id IN (SELECT id FROM "
	    "inbox_replies WHERE " INBOX_OLD_REPLY " LIMIT ?)" },
	[INBOX_RET_ITEMS] = {
	    "SELECT COUNT(*) FROM inbox WHERE " INBOX_OLD " AND NOT EXISTS "
	    "(SELECT 1 FROM inbox_replies r WHERE r.inbox_id = inbox.id)",
	    "DELETE FROM inbox WHERE id IN (SELECT id FROM inbox WHERE "
	    INBOX_OLD " AND NOT EXISTS (SELECT 1 FROM inbox_replies r WHERE "
	    "r.inbox_id = inbox.id) LIMIT ?)" },
};

long long
inbox_retention(struct db *db, enum inbox_ret what, time_t cutoff, int limit)
{
	return (db_purge(db, inbox_retention_sql[what].count,
	    inbox_retention_sql[what].purge, cutoff, limit));
}

int
inbox_person_visible(struct db *db, const char *phone, const char *locations)
{
	long long	n = 0;

	if (db_int_query(db, &n, "SELECT COUNT(*) FROM inbox WHERE phone = ? "
	    "AND " INBOX_VISIBLE, "sss", phone, locations, locations) == -1)
		return (-1);
	return (n > 0);
}

int
inbox_fingerprint(struct db *db, char **fp)
{
	struct db_res	*r;

	*fp = NULL;
	r = db_query(db, "SELECT COUNT(*), COALESCE(MAX(updated_at), 0), "
	    "COALESCE(SUM(id * CASE status WHEN 'open' THEN 1 WHEN 'replied' "
	    "THEN 3 ELSE 7 END), 0), (SELECT COUNT(*) FROM inbox_replies) "
	    "FROM inbox", "");
	if (r == NULL || db_next(r) != 1) {
		db_done(r);
		return (-1);
	}
	xasprintf(fp, "%lld.%lld.%lld.%lld", db_int(r, 0), db_int(r, 1),
	    db_int(r, 2), db_int(r, 3));
	db_done(r);
	return (0);
}

int
inbox_person_events(struct db *db, const char *phone, json_t *events)
{
	struct db_res	*r;
	char		 ts[32];
	int		 rc;

	/* The texts themselves are the person's messages: replies only. */
	r = db_query(db, "SELECT q.at, q.body, q.author, q.inbox_id FROM "
	    "inbox_replies q JOIN inbox i ON i.id = q.inbox_id WHERE "
	    "i.phone = ? ORDER BY q.at, q.id", "s", phone);
	if (r == NULL)
		return (-1);
	while ((rc = db_next(r)) == 1)
		json_array_append_new(events, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:s, s:I}", "kind", "reply", "direction", "out",
		    "at", util_iso8601((time_t)db_int(r, 0), ts, sizeof ts),
		    "body", db_text(r, 1), "author", db_text(r, 2),
		    "item", (json_int_t)db_int(r, 3)));
	db_done(r);
	return (rc == -1 ? -1 : 0);
}
