/*
 * outbox.c -- the transactional outbox (see outbox.h): its table.  The
 * dispatcher that delivers the rows is outbox_send.c.
 *
 * A row moves pending -> sending -> sent (then delivered / undelivered /
 * failed from the status callback), or back to pending with a later
 * next_at, or to failed / suppressed.  Claiming a row is an UPDATE that
 * only succeeds while the row is still pending, so several instances on
 * one PostgreSQL database never send the same row twice; there the rows
 * are picked with FOR UPDATE SKIP LOCKED, so instances claiming at once
 * take different rows instead of waiting on each other's.  A claimed row
 * names its instance (claimed_by).
 *
 * A row left 'sending' by a crash (or a request that timed out after it
 * may have reached the provider, marked "unconfirmed:") is reconciled
 * before it is sent again: the provider's list of messages to that number
 * says whether the first request got through.  On SQLite that is whatever
 * was 'sending' before this process started; on PostgreSQL, a row whose
 * instance's lease ran out (lease.c) once its request has surely ended,
 * or any row whose sending lease (OUTBOX_LEASE) ran out.  Only the holder
 * of the "outbox-reconcile" lease takes such rows.  The provider does not
 * document deduplicating on our idempotency header, so we do not rely on
 * it.  E-mail and chat have no such list; they are sent again (a chat
 * receiver gets the same idempotency token).
 *
 * Everything here runs on the loop except the *_tx functions, which run
 * on a store thread and touch only their own job.
 */
#include <sys/queue.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <openssl/evp.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "appointment.h"
#include "callback.h"
#include "config.h"
#include "curlev.h"
#include "form.h"
#include "hotline.h"
#include "lease.h"
#include "live.h"
#include "log.h"
#include "message.h"
#include "metrics.h"
#include "optout.h"
#include "outbox.h"
#include "outbox_private.h"
#include "quiet.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/*
 * The channel a text goes on, chosen once when it is queued and kept in
 * the payload: the one the person last wrote to us on.  WhatsApp takes
 * free text only within 24 hours of the person's last message (after
 * that the provider refuses it, error 63016), so an older WhatsApp
 * conversation is answered by SMS, to the same number.  A payload that
 * names its channel keeps it.  0 or -1.
 */
static int
outbox_channel(struct db *db, const char *recipient, json_t *payload,
    time_t now)
{
	char		*ch = NULL;
	long long	 at = 0;
	int		 rc, whatsapp = 0;

	if (json_object_get(payload, "channel") != NULL)
		return (0);
	if ((rc = message_last_inbound(db, recipient, &ch, &at)) == -1)
		return (-1);
	if (rc == 1)
		whatsapp = ch != NULL && strcmp(ch, OUTBOX_WHATSAPP) == 0 &&
		    at > (long long)now - OUTBOX_WHATSAPP_WINDOW;
	free(ch);
	if (whatsapp)
		json_object_set_new(payload, "channel",
		    json_string(OUTBOX_WHATSAPP));
	return (0);
}

long long
outbox_enqueue(struct db *db, const char *kind, const char *dedupe,
    const char *recipient, json_t *payload, time_t now)
{
	return (outbox_schedule(db, kind, dedupe, recipient, payload, now, 0,
	    now));
}

long long
outbox_schedule(struct db *db, const char *kind, const char *dedupe,
    const char *recipient, json_t *payload, time_t now, time_t send_after,
    time_t not_before)
{
	struct db_res	*r;
	char		*text;
	long long	 id = 0;
	int		 rc;

	if (strcmp(kind, "sms") == 0) {
		if ((rc = optout_is(db, recipient)) != 0) {
			json_decref(payload);
			return (rc == 1 ? OUTBOX_SUPPRESSED : -1);
		}
		if (outbox_channel(db, recipient, payload, now) != 0) {
			json_decref(payload);
			return (-1);
		}
	}
	text = json_dumps(payload, JSON_COMPACT);
	json_decref(payload);
	if (text == NULL)
		return (-1);
	if (not_before < now)
		not_before = now;
	/* send_after NULL: a message for now, never late, never quiet. */
	r = db_query(db, "INSERT INTO outbox (kind, dedupe, recipient, payload, "
	    "status, attempts, next_at, created_at, updated_at, send_after) "
	    "VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?, CASE WHEN ? = 0 THEN "
	    "NULL ELSE ? END) ON CONFLICT (dedupe) DO NOTHING RETURNING id",
	    "ssssiiiii", kind, dedupe, recipient, text, (long long)not_before,
	    (long long)now, (long long)now, (long long)send_after,
	    (long long)send_after);
	free(text);
	if (r == NULL)
		return (-1);
	rc = db_next(r);
	if (rc == 1)
		id = db_int(r, 0);
	db_done(r);
	return (rc == -1 ? -1 : id);
}

/* --- what others ask of the outbox (in their transactions) --------------- */

int
outbox_cancel_scheduled(struct db *db, const char *prefix, time_t now)
{
	char	*like;
	int	 rc;

	xasprintf(&like, "%s%%", prefix);
	rc = db_exec(db, "UPDATE outbox SET status = 'cancelled', updated_at = "
	    "?, last_error = 'cancelled' WHERE status = 'pending' AND "
	    "send_after IS NOT NULL AND dedupe LIKE ?", "is", (long long)now,
	    like);
	free(like);
	return (rc == 0 ? db_changes(db) : -1);
}

int
outbox_scheduled(struct db *db, const char *prefix, long long *pending,
    long long *next_at)
{
	char		*like;
	long long	 n = 0, first = 0;
	int		 rc;

	xasprintf(&like, "%s%%", prefix);
	rc = db_pair_query(db, &n, &first, "SELECT COUNT(*), "
	    "COALESCE(MIN(next_at), 0) FROM outbox WHERE status = 'pending' AND "
	    "send_after IS NOT NULL AND dedupe LIKE ?", "s", like);
	free(like);
	*pending = n;
	*next_at = first;
	return (rc);
}

long long
outbox_enqueue_at(struct db *db, const char *kind, const char *dedupe,
    const char *recipient, json_t *payload, time_t now, time_t at)
{
	/* Not a scheduled text: no lateness or quiet-hours rule at send. */
	return (outbox_schedule(db, kind, dedupe, recipient, payload, now, 0,
	    at > now ? at : now));
}

int
outbox_withdraw(struct db *db, const char *dedupe, const char *why,
    time_t now)
{
	if (db_exec(db, "UPDATE outbox SET status = 'suppressed', last_error = "
	    "?, updated_at = ? WHERE dedupe = ? AND status = 'pending'", "sis",
	    why, (long long)now, dedupe) != 0)
		return (-1);
	return (db_changes(db) > 0);
}

char *
outbox_guide_key(const char *origin, const char *guide, size_t part)
{
	char	*key;

	xasprintf(&key, "%s:guide:%s:%zu", origin, guide, part);
	return (key);
}

int
outbox_recent_guides(struct db *db, const char *phone, time_t since,
    int (*fn)(const char *, long long, void *), void *arg)
{
	struct db_res	*r;
	const char	*p;
	char		*gid;
	int		 rc, stop = 0;

	r = db_query(db, "SELECT dedupe, created_at FROM outbox WHERE "
	    "recipient = ? AND kind = 'sms' AND dedupe LIKE '%:guide:%' "
	    "AND status <> 'suppressed' AND created_at > ? "
	    "ORDER BY created_at DESC, id DESC LIMIT 50", "si", phone,
	    (long long)since);
	if (r == NULL)
		return (-1);
	while (!stop && (rc = db_next(r)) == 1) {
		p = strstr(db_text(r, 0), ":guide:") + 7;
		gid = xstrdup(p);
		if (strrchr(gid, ':') != NULL)
			*strrchr(gid, ':') = '\0';
		stop = fn(gid, db_int(r, 1), arg);
		free(gid);
	}
	db_done(r);
	return (rc == -1 ? -1 : 0);
}

int
outbox_recipient(struct db *db, const char *provider_sid, char **phone)
{
	int	rc;

	rc = db_text_query(db, phone, "SELECT recipient FROM outbox WHERE "
	    "provider_sid = ? AND kind = 'sms'", "s", provider_sid);
	return (rc == -1 ? -1 : rc == 0);
}

int
outbox_set_status(struct db *db, const char *provider_sid, const char *status,
    long long error, const char *rank_sql, int rank, time_t now)
{
	char	*sql;
	int	 rc;

	xasprintf(&sql, "UPDATE outbox SET status = ?, error_code = CASE WHEN "
	    "? = 0 THEN error_code ELSE ? END, updated_at = ? WHERE "
	    "provider_sid = ? AND kind = 'sms' AND status NOT IN ('pending', "
	    "'sending', 'suppressed') AND %s <= ?", rank_sql);
	rc = db_exec(db, sql, "siiisi", status, error, error, (long long)now,
	    provider_sid, (long long)rank);
	free(sql);
	return (rc);
}

int
outbox_backlog(struct db *db, time_t now, long long *due, long long *oldest)
{
	long long	first;

	if (db_pair_query(db, due, &first, "SELECT COUNT(*), MIN(next_at) "
	    "FROM outbox WHERE status = 'pending' AND next_at <= ?", "i",
	    (long long)now) != 0)
		return (-1);
	*oldest = *due > 0 ? (long long)now - first : 0;
	return (0);
}

int
outbox_failed_mark(struct db *db, char **mark)
{
	struct db_res	*r;

	r = db_query(db, "SELECT COUNT(*), COALESCE(SUM(id), 0), "
	    "COALESCE(MAX(updated_at), 0) FROM outbox WHERE status = 'failed'",
	    "");
	if (r == NULL || db_next(r) != 1) {
		db_done(r);
		return (-1);
	}
	xasprintf(mark, "%lld.%lld.%lld", db_int(r, 0), db_int(r, 1),
	    db_int(r, 2));
	db_done(r);
	return (0);
}

/*
 * Which rows a staff member may see: every row with "*", otherwise the
 * texts and calls to people waiting in a queue they see, so a location's
 * desk can retry a text to its own callers without reading everyone's.
 * Four parameters: locations four times.
 */
#define OUTBOX_SCOPE							\
	"(? = '*' OR EXISTS (SELECT 1 FROM callbacks c WHERE "		\
	"c.phone = outbox.recipient AND " CALLBACK_VISIBLE("c") "))"

#define OUTBOX_COLUMNS							\
	"id, kind, recipient, status, attempts, error_code, "		\
	"last_error, created_at, updated_at, dedupe"

char *
outbox_summary(const char *kind, const char *dedupe)
{
	const char	*p, *e;
	char		*out;
	long long	 cb;
	int		 n;

	if (strcmp(kind, "sms") == 0) {
		if ((p = strstr(dedupe, ":guide:")) != NULL) {
			p += 7;
			e = strrchr(p, ':');
			n = e != NULL && e > p ? (int)(e - p) : (int)strlen(p);
			xasprintf(&out, "SMS (guide: %.*s)", n > 64 ? 64 : n,
			    p);
			return (out);
		}
		if (strstr(dedupe, ":address:") != NULL)
			return (xstrdup("SMS (clinic address)"));
		if (strncmp(dedupe, "cb:", 3) == 0 &&
		    strstr(dedupe, ":unreachable") != NULL)
			return (xstrdup("SMS (we could not reach you)"));
		if (strncmp(dedupe, "notify:", 7) == 0)
			return (xstrdup("SMS notification to on-call staff"));
		return (xstrdup("SMS"));
	}
	if (strcmp(kind, "email") == 0)
		return (xstrdup("e-mail notification"));
	if (strcmp(kind, "chat") == 0)
		return (xstrdup("chat notification"));
	if (strcmp(kind, "call") == 0) {
		if (sscanf(dedupe, "staffcall:%lld:", &cb) == 1) {
			xasprintf(&out, "click-to-call for callback %lld", cb);
			return (out);
		}
		return (xstrdup("call"));
	}
	return (xstrdup(kind));
}

static json_t *
outbox_str_json(struct db_res *r, int col)
{
	return (db_isnull(r, col) ? json_null() : json_string(db_text(r, col)));
}

/* One row (selected with OUTBOX_COLUMNS) as the staff API shows it. */
static json_t *
outbox_item(struct db_res *r)
{
	json_t	*it;
	char	 ts[32], *summary;

	summary = outbox_summary(db_text(r, 1), db_text(r, 9));
	it = json_object();
	json_object_set_new(it, "id", json_integer(db_int(r, 0)));
	json_object_set_new(it, "kind", outbox_str_json(r, 1));
	json_object_set_new(it, "recipient", outbox_str_json(r, 2));
	json_object_set_new(it, "status", outbox_str_json(r, 3));
	json_object_set_new(it, "attempts", json_integer(db_int(r, 4)));
	json_object_set_new(it, "error_code", db_isnull(r, 5) ? json_null() :
	    json_integer(db_int(r, 5)));
	json_object_set_new(it, "last_error", outbox_str_json(r, 6));
	json_object_set_new(it, "created_at", json_string(util_iso8601(
	    (time_t)db_int(r, 7), ts, sizeof ts)));
	json_object_set_new(it, "updated_at", json_string(util_iso8601(
	    (time_t)db_int(r, 8), ts, sizeof ts)));
	json_object_set_new(it, "summary", json_string(summary));
	free(summary);
	return (it);
}

int
outbox_list(struct db *db, const struct outbox_page *pg, json_t **items,
    long long *last_at, long long *last_id)
{
	struct db_res	*r;
	const char	*locs = pg->locations;
	int		 n = 0, rc;

	r = db_query(db, "SELECT " OUTBOX_COLUMNS " FROM outbox WHERE "
	    "(? = 'all' OR status = ?) AND " OUTBOX_SCOPE " AND "
	    "(? = 0 OR updated_at < ? OR (updated_at = ? AND id < ?)) "
	    "ORDER BY updated_at DESC, id DESC LIMIT ?", "ssssssiiiii",
	    pg->status, pg->status, locs, locs, locs, locs,
	    (long long)pg->has_cursor, pg->cur_at, pg->cur_at, pg->cur_id,
	    (long long)pg->limit);
	if (r == NULL)
		return (-1);
	*items = json_array();
	while ((rc = db_next(r)) == 1) {
		json_array_append_new(*items, outbox_item(r));
		*last_id = db_int(r, 0);
		*last_at = db_int(r, 8);
		n++;
	}
	db_done(r);
	if (rc == -1) {
		json_decref(*items);
		*items = NULL;
		return (-1);
	}
	return (n);
}

int
outbox_retry(struct db *db, long long id, const char *locs, time_t now,
    json_t **item)
{
	struct db_res	*r;
	char		*kind = NULL, *to = NULL, *status = NULL;
	int		 rc;

	*item = NULL;
	r = db_query(db, "SELECT kind, recipient, status FROM outbox WHERE "
	    "id = ? AND " OUTBOX_SCOPE, "issss", id, locs, locs, locs, locs);
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1) {
		kind = xstrdup(db_text(r, 0));
		to = xstrdup(db_text(r, 1));
		status = xstrdup(db_text(r, 2));
	}
	db_done(r);
	if (rc != 1)
		return (rc == 0 ? OUTBOX_NOTFOUND : -1);
	if (strcmp(status, "failed") != 0 &&
	    strcmp(status, "undelivered") != 0) {
		rc = OUTBOX_NOT_FAILED;
		goto out;
	}
	if (strcmp(kind, "sms") == 0 && (rc = optout_is(db, to)) != 0) {
		if (rc == 1)
			rc = OUTBOX_OPTED_OUT;
		goto out;
	}
	/* The status we read must still hold: another retry may have won. */
	if ((rc = db_exec(db, "UPDATE outbox SET status = 'pending', "
	    "attempts = 0, next_at = ?, started_at = NULL, "
	    "provider_sid = NULL, error_code = NULL, last_error = NULL, "
	    "updated_at = ? WHERE id = ? AND status = ?", "iiis",
	    (long long)now, (long long)now, id, status)) != 0)
		goto out;
	if (db_changes(db) != 1) {
		rc = OUTBOX_RACE;
		goto out;
	}
	r = db_query(db, "SELECT " OUTBOX_COLUMNS " FROM outbox WHERE "
	    "id = ?", "i", id);
	if (r == NULL || db_next(r) != 1) {
		db_done(r);
		rc = -1;
		goto out;
	}
	*item = outbox_item(r);
	db_done(r);
out:
	free(kind);
	free(to);
	free(status);
	return (rc);
}

void
outbox_send_free(struct outbox_send *s)
{
	if (s->cfg != NULL)
		config_unref(s->cfg);
	free(s->kind);
	free(s->dedupe);
	free(s->recipient);
	json_decref(s->payload);
	free(s->provider_sid);
	free(s->last_error);
	free(s->fhir_id);
	free(s->fhir_outcome);
	free(s);
}

const char *
outbox_str(json_t *o, const char *key)
{
	const char	*s;

	s = json_string_value(json_object_get(o, key));
	return (s != NULL && *s != '\0' ? s : NULL);
}

/* --- claiming (store thread) ------------------------------------------ */

/* Pending rows claimed by one statement (its text has as many places). */
#define OUTBOX_CLAIM_IN		8

/* What a send needs of its row, as outbox_load reads it. */
#define OUTBOX_LOAD_COLUMNS						\
	"kind, dedupe, recipient, payload, attempts, last_error, send_after"

/* The claimed row at r's current row, OUTBOX_LOAD_COLUMNS from col on. */
static struct outbox_send *
outbox_load_row(struct db_res *r, int col, struct outbox_claim *c,
    long long id)
{
	struct outbox_send	*s;
	json_error_t		 jerr;
	const char		*le;

	s = xcalloc(1, sizeof *s);
	s->ob = c->ob;
	s->id = id;
	s->kind = xstrdup(db_text(r, col));
	s->dedupe = xstrdup(db_text(r, col + 1));
	s->recipient = xstrdup(db_text(r, col + 2));
	s->payload = json_loads(db_text(r, col + 3), 0, &jerr);
	s->attempts = (int)db_int(r, col + 4);
	s->send_after = db_isnull(r, col + 6) ? 0 : (time_t)db_int(r,
	    col + 6);
	le = db_text(r, col + 5);
	if (le != NULL && strncmp(le, OUTBOX_UNCONFIRMED,
	    strlen(OUTBOX_UNCONFIRMED)) == 0)
		s->reconcile = 1;
	if (s->payload == NULL || !json_is_object(s->payload))
		s->bad = 1;
	return (s);
}

/*
 * One claimed row into a send, from r (OUTBOX_LOAD_COLUMNS), which is
 * consumed: NULL when r has no row (another instance took it), -1 in *rc
 * on a database error.
 */
static struct outbox_send *
outbox_load(struct db_res *r, struct outbox_claim *c, long long id, int *rc)
{
	struct outbox_send	*s;

	*rc = -1;
	if (r == NULL)
		return (NULL);
	if ((*rc = db_next(r)) != 1) {
		db_done(r);
		return (NULL);
	}
	s = outbox_load_row(r, 0, c, id);
	db_done(r);
	return (s);
}

/* The ids and times of the rows r found (r is consumed). */
static int
outbox_ids(struct db_res *r, long long **ids, time_t **times, int *n,
    int limit)
{
	int	rc = 0;

	*n = 0;
	*ids = xcalloc(limit > 0 ? limit : 1, sizeof **ids);
	*times = xcalloc(limit > 0 ? limit : 1, sizeof **times);
	if (r == NULL)
		return (-1);
	while (*n < limit && (rc = db_next(r)) == 1) {
		(*ids)[*n] = db_int(r, 0);
		(*times)[*n] = (time_t)db_int(r, 1);
		(*n)++;
	}
	db_done(r);
	return (rc == -1 ? -1 : 0);
}

/*
 * STOP wins at send time too, whoever queued the text and however long
 * ago: 1 when the row is held back (now 'suppressed'), 0 to send, -1.
 */
static int
outbox_held_back(struct db *db, struct outbox_claim *c, struct outbox_send *s,
    time_t now)
{
	int	rc;

	if (strcmp(s->kind, "sms") != 0)
		return (0);
	if ((rc = optout_is(db, s->recipient)) != 1)
		return (rc);
	if (db_exec(db, "UPDATE outbox SET status = 'suppressed', last_error = "
	    "'recipient opted out', updated_at = ? WHERE id = ?", "ii",
	    (long long)now, s->id) != 0)
		return (-1);
	c->suppressed++;
	return (1);
}

/*
 * A text scheduled for a time (send_after) keeps to the recipient's quiet
 * hours and to its day: one whose time passed while the service was down
 * goes at the next allowed time, or not at all once more than a day late
 * (a stretch for Tuesday is no use on Thursday).  A retry is not held
 * back.  1 when the row waits or is skipped, 0 to send, -1.
 */
static int
outbox_not_now(struct db *db, struct outbox_claim *c, struct outbox_send *s,
    time_t now)
{
	time_t	next;

	if (s->send_after == 0 || s->attempts > 0 || s->reconcile)
		return (0);
	if (now - s->send_after > OUTBOX_LATE_MAX) {
		if (db_exec(db, "UPDATE outbox SET status = 'skipped', "
		    "last_error = 'more than a day late', updated_at = ? WHERE "
		    "id = ?", "ii", (long long)now, s->id) != 0)
			return (-1);
		return (1);
	}
	if ((next = quiet_next_allowed(c->cfg, s->recipient, now)) == now)
		return (0);
	if (db_exec(db, "UPDATE outbox SET status = 'pending', next_at = ?, "
	    "started_at = NULL, claimed_by = NULL, updated_at = ? WHERE id = ?",
	    "iii", (long long)next, (long long)now, s->id) != 0)
		return (-1);
	return (1);
}

/*
 * Queue s, a row this claim has just marked as sending, unless STOP or
 * its schedule holds it back: 1 when queued, 0 when held back (s is then
 * freed), -1 on a database error (s is freed).
 */
static int
outbox_claim_keep(struct db *db, struct outbox_claim *c, struct outbox_send *s,
    time_t prev_started, time_t now)
{
	int	rc;

	s->prev_started = prev_started;
	if ((rc = outbox_held_back(db, c, s, now)) != 0 ||
	    (rc = outbox_not_now(db, c, s, now)) != 0) {
		outbox_send_free(s);
		return (rc == -1 ? -1 : 0);
	}
	TAILQ_INSERT_TAIL(&c->rows, s, entry);
	c->n++;
	return (1);
}

/*
 * Queue a row this claim has just marked as sending, r being the claiming
 * UPDATE's RETURNING OUTBOX_LOAD_COLUMNS (no row: another instance took
 * it): 1 when queued, 0 when it is gone or held back, -1 on a database
 * error.
 */
static int
outbox_claim_take(struct db *db, struct outbox_claim *c, struct db_res *r,
    long long id, time_t prev_started, int orphan, time_t now)
{
	struct outbox_send	*s;
	int			 rc;

	if ((s = outbox_load(r, c, id, &rc)) == NULL)
		return (rc == -1 ? -1 : 0);
	if (orphan)
		s->reconcile = 1;
	return (outbox_claim_keep(db, c, s, prev_started, now));
}

/*
 * Claim up to limit due pending rows: one SELECT reads them (locking them
 * on PostgreSQL), then one UPDATE for each OUTBOX_CLAIM_IN of them marks
 * them sending, and each is queued in order as outbox_claim_keep does.
 * Within this transaction no other instance can take a row the SELECT
 * returned (SQLite has one writer; PostgreSQL's rows are locked), so each
 * UPDATE changes all of its rows.  0, or -1 on a database error.
 */
static int
outbox_claim_pending(struct db *db, struct outbox_claim *c, int limit,
    const char *me, time_t now)
{
	struct outbox_send	**got;
	struct db_res		 *r;
	long long		  v[OUTBOX_CLAIM_IN];
	char			 *sql;
	int			  n = 0, i, j, k, rc = 0;

	got = xcalloc(limit > 0 ? limit : 1, sizeof *got);
	xasprintf(&sql, "SELECT id, updated_at, " OUTBOX_LOAD_COLUMNS " FROM "
	    "outbox WHERE status = 'pending' AND next_at <= ? ORDER BY "
	    "next_at, id LIMIT ?%s", db_skip_locked_sql(db));
	r = db_query(db, sql, "ii", (long long)now, (long long)limit);
	free(sql);
	if (r == NULL) {
		free(got);
		return (-1);
	}
	while (n < limit && (rc = db_next(r)) == 1) {
		got[n] = outbox_load_row(r, 2, c, db_int(r, 0));
		got[n]->prev_started = (time_t)db_int(r, 1);
		n++;
	}
	db_done(r);
	/*
	 * One statement text, cached: unused places hold no id.  The CAST
	 * keeps SQLite from walking outbox_due's 'pending' entries (all of
	 * a backlog) instead of looking the few ids up.
	 */
	for (i = 0; rc != -1 && i < n; i += k) {
		k = n - i < OUTBOX_CLAIM_IN ? n - i : OUTBOX_CLAIM_IN;
		for (j = 0; j < OUTBOX_CLAIM_IN; j++)
			v[j] = j < k ? got[i + j]->id : -1;
		if (db_exec(db, "UPDATE outbox SET status = 'sending', "
		    "started_at = ?, updated_at = ?, claimed_by = ? WHERE id IN "
		    "(?, ?, ?, ?, ?, ?, ?, ?) AND CAST(status AS TEXT) = "
		    "'pending'", "iisiiiiiiii", (long long)now, (long long)now,
		    me, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]) != 0)
			rc = -1;
		else if (db_changes(db) != k) {
			log_warn("outbox: claimed %lld of %d rows; trying again",
			    db_changes(db), k);
			rc = -1;
		}
	}
	/* After an error the rest are only freed. */
	for (i = 0; i < n; i++) {
		if (rc == -1)
			outbox_send_free(got[i]);
		else if (outbox_claim_keep(db, c, got[i], got[i]->prev_started,
		    now) == -1)
			rc = -1;
	}
	free(got);
	return (rc == -1 ? -1 : 0);
}

int
outbox_claim_tx(struct db *db, void *arg)
{
	struct outbox_claim	*c = arg;
	struct outbox_send	*s;
	struct db_res		*r;
	long long		*ids = NULL;
	time_t			*times = NULL, now = util_now();
	const char		*me = lease_instance();
	/* Rows another instance is claiming are skipped. */
	const char		*lock = db_skip_locked_sql(db);
	char			*sql;
	int			 n = 0, i, rc, left = c->limit;

	/* Orphans first: their first request may already have gone out. */
	if (c->orphans) {
		xasprintf(&sql, "SELECT id, started_at FROM outbox WHERE "
		    "status = 'sending' AND (started_at < ? OR (started_at < ? "
		    "AND claimed_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
		    "leases WHERE name = 'instance:' || outbox.claimed_by AND "
		    "expires_ms > %s))) ORDER BY id LIMIT ?%s", db_clock_sql(db),
		    lock);
		rc = outbox_ids(db_query(db, sql, "iii", (long long)c->cutoff,
		    (long long)c->dead_cutoff, (long long)left), &ids, &times,
		    &n, left);
		free(sql);
		if (rc != 0)
			goto fail;
	}
	for (i = 0; i < n; i++) {
		r = db_query(db, "UPDATE outbox SET started_at = ?, updated_at = "
		    "?, claimed_by = ? WHERE id = ? AND status = 'sending' AND "
		    "started_at = ? RETURNING " OUTBOX_LOAD_COLUMNS, "iisii",
		    (long long)now, (long long)now, me, ids[i],
		    (long long)times[i]);
		if ((rc = outbox_claim_take(db, c, r, ids[i], times[i], 1,
		    now)) == -1)
			goto fail;
		if (rc == 1)
			left--;
	}
	free(ids);
	free(times);
	ids = NULL;
	times = NULL;
	if (left > 0 && outbox_claim_pending(db, c, left, me, now) != 0)
		goto fail;
	return (0);
fail:
	free(ids);
	free(times);
	while ((s = TAILQ_FIRST(&c->rows)) != NULL) {
		TAILQ_REMOVE(&c->rows, s, entry);
		outbox_send_free(s);
	}
	c->n = 0;
	return (-1);
}

/*
 * The scheduling system's answer goes with its appointment request, for
 * staff to see: the resource's id, or what it said was wrong.
 */
static int
outbox_fhir_result(struct db *db, struct outbox_send *s, time_t now)
{
	json_int_t	appt;

	if (strcmp(s->kind, "fhir") != 0 || (s->fhir_id == NULL &&
	    s->fhir_outcome == NULL))
		return (0);
	appt = json_integer_value(json_object_get(s->payload, "appointment"));
	if (appt <= 0)
		return (0);
	return (appointment_set_fhir(db, (long long)appt, s->fhir_id,
	    s->fhir_outcome, now));
}

/* One send's result. */
static int
outbox_result(struct db *db, struct outbox_send *s, time_t now)
{
	switch (s->result) {
	case OUTBOX_SENT:
		if (db_exec(db, "UPDATE outbox SET status = 'sent', "
		    "provider_sid = ?, attempts = attempts + 1, last_error = "
		    "NULL, updated_at = ? WHERE id = ? AND status = 'sending'",
		    "sii", s->provider_sid, (long long)now, s->id) != 0)
			return (-1);
		if (outbox_fhir_result(db, s, now) != 0)
			return (-1);
		if (strcmp(s->kind, "sms") == 0 && s->provider_sid != NULL &&
		    db_changes(db) == 1) {
			if (message_sent(db, s->provider_sid, s->recipient,
			    outbox_str(s->payload, "channel"),
			    outbox_str(s->payload, "language"),
			    outbox_str(s->payload, "body"), now) != 0)
				return (-1);
		}
		return (0);
	case OUTBOX_RETRY:
		return (db_exec(db, "UPDATE outbox SET status = 'pending', "
		    "attempts = attempts + 1, next_at = ?, error_code = CASE WHEN "
		    "? = 0 THEN NULL ELSE ? END, last_error = ?, updated_at = ? "
		    "WHERE id = ? AND status = 'sending'", "iiisii",
		    (long long)s->next_at, s->error_code, s->error_code,
		    s->last_error, (long long)now, s->id));
	case OUTBOX_FAILED:
		if (db_exec(db, "UPDATE outbox SET status = 'failed', "
		    "attempts = attempts + 1, error_code = CASE WHEN ? = 0 THEN "
		    "NULL ELSE ? END, last_error = ?, updated_at = ? WHERE id = ? "
		    "AND status = 'sending'", "iisii", s->error_code,
		    s->error_code, s->last_error, (long long)now, s->id) != 0)
			return (-1);
		if (s->optout && optout_set(db, s->recipient, 1, "rest:21610",
		    NULL, now) < 0)
			return (-1);
		if (outbox_fhir_result(db, s, now) != 0)
			return (-1);
		/* Staff watch what could not be sent. */
		live_mark();
		return (0);
	}
	return (-1);
}

/*
 * The results of many sends in one job: a busy dispatcher makes one
 * job per commit instead of one per message.  A failure rolls back the
 * whole batch; its rows stay 'sending' and are reconciled after their
 * lease, as a single row's would be.
 */
int
outbox_results_tx(struct db *db, void *arg)
{
	struct outbox_results	*r = arg;
	struct outbox_send	*s;
	time_t			 now = util_now();

	TAILQ_FOREACH(s, &r->rows, entry) {
		if (outbox_result(db, s, now) != 0)
			return (-1);
	}
	return (0);
}
