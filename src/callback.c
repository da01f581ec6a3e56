/*
 * callback.c -- joining the callback queue (see callback.h).
 *
 * One open entry per number (a partial unique index enforces it): a repeat
 * request joins that entry as one more row of callback_requests and keeps
 * its queued_at, so nobody jumps the line by asking twice, nobody loses
 * their place by asking again, and nothing they asked for is lost.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "auth.h"
#include "callback.h"
#include "config.h"
#include "escalate.h"
#include "live.h"
#include "location.h"
#include "log.h"
#include "outbox.h"
#include "programme.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* A failed attempt is tried again no sooner than this (seconds). */
#define CALLBACK_RETRY_DELAY 1800

static atomic_int callback_changed;

void
callback_mark_changed(void)
{
	atomic_store(&callback_changed, 1);
	live_mark();
}

int
callback_take_changed(void)
{
	return (atomic_exchange(&callback_changed, 0));
}

/*
 * The place in line is counted by callback_counts (migration 12): the
 * open entries of each queue by priority.  A shard is a thread's row, so
 * that two PostgreSQL connections changing the same queue never wait for
 * each other's row lock, nor deadlock over two of them.  The threads of
 * a process take shards in turn from a place set by its process id, so
 * another instance, or the command-line tool, most likely uses others;
 * where two share one, one waits for the other's commit.
 */
#define CALLBACK_SHARDS	64

static atomic_int		callback_next_shard = -1;
static _Thread_local int	callback_shard = -1;

/*
 * delta more open entries with priority in location's queue (delta 0:
 * none), and one change more to the queue (callback_fingerprint), in
 * one statement.  0 or -1.
 */
static int
callback_count(struct db *db, const char *location, long long priority,
    long long delta)
{
	int	first = -1;

	if (callback_shard == -1) {
		atomic_compare_exchange_strong(&callback_next_shard, &first,
		    (int)(getpid() % CALLBACK_SHARDS));
		callback_shard = atomic_fetch_add(&callback_next_shard, 1) %
		    CALLBACK_SHARDS;
	}
	if (delta == 0)
		return (db_exec(db, "INSERT INTO callback_counts (location, "
		    "priority, shard, n) VALUES ('', -1, ?, 1) ON CONFLICT "
		    "(location, priority, shard) DO UPDATE SET n = "
		    "callback_counts.n + excluded.n", "i",
		    (long long)callback_shard));
	return (db_exec(db, "INSERT INTO callback_counts (location, priority, "
	    "shard, n) VALUES (?, ?, ?, ?), ('', -1, ?, 1) ON CONFLICT "
	    "(location, priority, shard) DO UPDATE SET n = callback_counts.n + "
	    "excluded.n", "siiii", location != NULL ? location : "", priority,
	    (long long)callback_shard, delta, (long long)callback_shard));
}

const char *
callback_reason(const struct callback_req *q)
{
	if (q->reason != NULL)
		return (q->reason);
	if (q->priority > 0)
		return ("red_flag");
	if (q->recording_url != NULL)
		return ("voicemail");
	return ("callback");
}

void
callback_merge(struct callback_fields *e, const struct callback_req *q,
    const char *default_lang)
{
	/*
	 * The location is the queue the entry waits in: moving it would
	 * change its place in line, so it stays with the first request and
	 * the others make the entry visible to their locations instead.
	 */
	if (q->priority > e->priority)
		e->priority = q->priority;
	/*
	 * Staff must not lose sight of a red flag behind a later question,
	 * nor of a specific question behind a general one (a voicemail from
	 * the main menu after asking about stretches).
	 */
	if (q->topic != NULL && (e->topic == NULL ||
	    (strcmp(e->topic, "red_flag") != 0 &&
	    (strcmp(q->topic, "general") != 0 ||
	    strcmp(e->topic, "general") == 0))))
		e->topic = q->topic;
	/*
	 * A language other than the default was chosen; the default may
	 * only mean a call where nobody pressed 9.  So a chosen language
	 * stays until another is chosen.
	 */
	if (q->language != NULL && (e->language == NULL ||
	    default_lang == NULL || strcmp(q->language, default_lang) != 0))
		e->language = q->language;
	if (q->window != NULL)
		e->window = q->window;
	if (q->recording_url != NULL)
		e->recording_url = q->recording_url;
}

int
callback_repeat_news(const struct callback_fields *before,
    const struct callback_req *q, int named_before)
{
	if (q->priority > before->priority)
		return (1);
	if (q->recording_url != NULL)
		return (1);
	return (q->location != NULL && !named_before);
}

char *
callback_request_words(const char *channel, const char *reason,
    const char *location_name, char *buf, size_t len)
{
	const char	*what;
	int		 text = channel != NULL && strcmp(channel, "sms") == 0;

	if (reason != NULL && strcmp(reason, "voicemail") == 0)
		what = "voicemail";
	else if (reason != NULL && strcmp(reason, "red_flag") == 0)
		what = text ? "red flag by text" : "red flag on a call";
	else
		what = text ? "callback by text" : "callback";
	if (location_name != NULL && *location_name != '\0')
		snprintf(buf, len, "%s %s", location_name, what);
	else
		snprintf(buf, len, "%s", what);
	return (buf);
}

/*
 * This number's open entry, if any: 1 with *id and the fields (copies in
 * store[], which the caller frees), 0 none, -1 error.
 */
static int
callback_open_entry(struct db *db, const char *phone, long long *id,
    long long *queued_at, struct callback_fields *f, char *store[5])
{
	struct db_res	*r;
	int		 rc, i;

	memset(f, 0, sizeof *f);
	for (i = 0; i < 5; i++)
		store[i] = NULL;
	r = db_query(db, "SELECT id, location, topic, language, "
	    "preferred_window, recording_url, priority, queued_at FROM "
	    "callbacks WHERE phone = ? AND status IN ('waiting', 'claimed')",
	    "s", phone);
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1) {
		*id = db_int(r, 0);
		for (i = 0; i < 5; i++)
			store[i] = db_isnull(r, i + 1) ? NULL :
			    xstrdup(db_text(r, i + 1));
		f->location = store[0];
		f->topic = store[1];
		f->language = store[2];
		f->window = store[3];
		f->recording_url = store[4];
		f->priority = (int)db_int(r, 6);
		*queued_at = db_int(r, 7);
	}
	db_done(r);
	return (rc);
}

/*
 * Join q to open entry id; *news says whether staff should hear of it,
 * *prio is the entry's priority now.
 */
static int
callback_join(struct db *db, const struct config *cfg, long long id,
    const struct callback_fields *f, const struct callback_req *q, int *news,
    int *prio)
{
	struct callback_fields	m = *f;
	long long		named = 0;

	if (q->location != NULL && db_int_query(db, &named, "SELECT "
	    "COUNT(*) FROM callback_requests WHERE callback_id = ? AND "
	    "location = ?", "is", id, q->location) != 0)
		return (-1);
	*news = callback_repeat_news(f, q, named > 0);
	callback_merge(&m, q, cfg != NULL && cfg->nlangs > 0 ? cfg->langs[0] :
	    NULL);
	*prio = m.priority;
	/* A red flag moves the entry up to its priority's queue counts. */
	if (m.priority != f->priority && callback_count(db, f->location,
	    f->priority, -1) != 0)
		return (-1);
	if (callback_count(db, f->location, m.priority,
	    m.priority != f->priority ? 1 : 0) != 0)
		return (-1);
	/* Keep the place in line: queued_at and location stay. */
	return (db_exec(db, "UPDATE callbacks SET topic = ?, language = ?, "
	    "preferred_window = ?, priority = ?, recording_url = ?, "
	    "updated_at = ? WHERE id = ?", "sssisii", m.topic, m.language,
	    m.window, (long long)m.priority, m.recording_url, (long long)q->now,
	    id));
}

/* 1 when entry id is waiting (not claimed, finished or gone), 0, -1. */
static int
callback_waiting(struct db *db, long long id)
{
	struct db_res	*r;
	int		 rc, w = 0;

	r = db_query(db, "SELECT status FROM callbacks WHERE id = ?", "i", id);
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1)
		w = strcmp(db_text(r, 0), "waiting") == 0;
	db_done(r);
	return (rc == -1 ? -1 : w);
}

int
callback_request(struct db *db, const struct config *cfg,
    const struct callback_req *q, struct callback_res *res)
{
	struct callback_fields	 f;
	struct db_res		*r;
	char			*held[5], *queue = NULL;
	long long		 id = 0, n = 0, queued_at = 0;
	int			 rc, i, news = 0, prio = 0;

	memset(res, 0, sizeof *res);
	res->req = q;
	memset(&f, 0, sizeof f);
	for (i = 0; i < 5; i++)
		held[i] = NULL;
	/*
	 * A new entry, unless the number has an open one (the partial
	 * unique index): most requests are a number's first, so the insert
	 * comes before any look.  Another store thread may be adding one for
	 * the same number right now (PostgreSQL): the index makes this
	 * insert wait for it and then do nothing, and the request joins
	 * that entry instead of failing.
	 */
	r = db_query(db, "INSERT INTO callbacks (phone, location, topic, "
	    "language, preferred_window, priority, status, source, created_at, "
	    "updated_at, queued_at, recording_url, call_sid) VALUES (?, ?, ?, "
	    "?, ?, ?, 'waiting', ?, ?, ?, ?, ?, ?) ON CONFLICT (phone) WHERE "
	    "status IN ('waiting', 'claimed') DO NOTHING RETURNING id",
	    "sssssisiiiss", q->phone, q->location, q->topic, q->language,
	    q->window, (long long)q->priority, q->source, (long long)q->now,
	    (long long)q->now, (long long)q->now, q->recording_url, q->call_sid);
	if (r == NULL || (rc = db_next(r)) == -1) {
		db_done(r);
		return (-1);
	}
	if (rc == 1) {
		id = db_int(r, 0);
		res->created = 1;
	}
	db_done(r);
	if (res->created) {
		queue = q->location != NULL ? xstrdup(q->location) : NULL;
		if (callback_count(db, q->location, q->priority, 1) != 0)
			rc = -1;
	} else if ((rc = callback_open_entry(db, q->phone, &id, &queued_at, &f,
	    held)) != 1) {
		if (rc == 0)
			log_error("%s: no open entry after a conflict",
			    __func__);
		rc = -1;
	} else {
		queue = f.location != NULL ? xstrdup(f.location) : NULL;
		if (callback_join(db, cfg, id, &f, q, &news, &prio) != 0)
			rc = -1;
	}
	for (i = 0; i < 5; i++)
		free(held[i]);
	if (rc == -1)
		goto fail;

	r = db_query(db, "INSERT INTO callback_requests (callback_id, at, "
	    "channel, reason, location, topic, language, preferred_window, "
	    "priority, text, recording_url, sid) VALUES (?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?) RETURNING id", "iissssssisss", id, (long long)q->now,
	    q->source, callback_reason(q), q->location, q->topic, q->language,
	    q->window, (long long)q->priority, q->text, q->recording_url,
	    q->call_sid);
	if (r == NULL || db_next(r) != 1) {
		db_done(r);
		goto fail;
	}
	res->request_id = db_int(r, 0);
	db_done(r);
	/*
	 * A new entry holds this one request, and its place is found from
	 * what was just written, without reading the entry back.
	 */
	if (!res->created && db_int_query(db, &n, "SELECT COUNT(*) FROM "
	    "callback_requests WHERE callback_id = ?", "i", id) != 0)
		goto fail;
	res->id = id;
	res->requests = res->created ? 1 : (int)n;
	/*
	 * Its place in its queue (an entry joined keeps its queue and time
	 * in line, at the priority it has now) and when to expect the call.
	 */
	if (res->created) {
		prio = q->priority;
		queued_at = q->now;
	}
	if (callback_place_estimate(db, cfg, id, prio, queued_at, queue,
	    q->now, &res->position, &res->estimate) != 0)
		goto fail;
	/* Staff hear of it from the caller (notify_request). */
	res->news = news;
	/*
	 * A red flag pages the always-on contacts, at any hour, unless
	 * someone has already claimed the entry.
	 */
	if (cfg != NULL && q->priority > 0 && ((rc = res->created ? 1 :
	    callback_waiting(db, id)) == -1 || (rc == 1 && escalate_start(db,
	    cfg, id, q->phone, q->source, queue, q->now) < 0)))
		goto fail;
	free(queue);
	callback_mark_changed();
	return (0);
fail:
	free(queue);
	return (-1);
}

int
callback_visible(struct db *db, long long id, const char *locations)
{
	struct db_res	*r;
	int		 rc, ok = 0;

	r = db_query(db, "SELECT location FROM callbacks WHERE id = ?", "i",
	    id);
	if (r == NULL)
		return (CB_ERROR);
	if ((rc = db_next(r)) == 1)
		ok = auth_location_allowed(locations, db_isnull(r, 0) ? NULL :
		    db_text(r, 0));
	db_done(r);
	if (rc != 1)
		return (rc == 0 ? CB_NOTFOUND : CB_ERROR);
	if (ok)
		return (1);
	r = db_query(db, "SELECT DISTINCT location FROM callback_requests "
	    "WHERE callback_id = ? AND location IS NOT NULL", "i", id);
	if (r == NULL)
		return (CB_ERROR);
	while (!ok && (rc = db_next(r)) == 1)
		ok = auth_location_allowed(locations, db_text(r, 0));
	db_done(r);
	if (rc == -1)
		return (CB_ERROR);
	return (ok);
}

int
callback_person_visible(struct db *db, const char *phone,
    const char *locations)
{
	long long	n = 0;

	if (db_int_query(db, &n, "SELECT COUNT(*) FROM callbacks c WHERE "
	    "c.phone = ? AND " CALLBACK_VISIBLE("c"), "ssss", phone, locations,
	    locations, locations) == -1)
		return (-1);
	return (n > 0);
}

int
callback_person_location(struct db *db, const char *phone, char **location)
{
	struct db_res	*r;
	int		 rc, i;
	/* Their open entry's queue first, then the newest request naming one. */
	static const char *const sql[] = {
		"SELECT location FROM callbacks WHERE phone = ? AND status IN "
		"('waiting', 'claimed') AND location IS NOT NULL",
		"SELECT q.location FROM callback_requests q JOIN callbacks c ON "
		"c.id = q.callback_id WHERE c.phone = ? AND q.location IS NOT "
		"NULL ORDER BY q.at DESC, q.id DESC LIMIT 1"
	};

	*location = NULL;
	for (i = 0; i < 2 && *location == NULL; i++) {
		if ((r = db_query(db, sql[i], "s", phone)) == NULL)
			return (-1);
		if ((rc = db_next(r)) == 1)
			*location = xstrdup(db_text(r, 0));
		db_done(r);
		if (rc == -1)
			return (-1);
	}
	return (0);
}

/* Status and holder of an entry: CB_OK, CB_NOTFOUND or CB_ERROR. */
static int
callback_state(struct db *db, long long id, char *status, size_t slen,
    char *holder, size_t hlen)
{
	struct db_res	*r;
	int		 rc;

	r = db_query(db, "SELECT status, claimed_by FROM callbacks WHERE id = ?",
	    "i", id);
	if (r == NULL)
		return (CB_ERROR);
	if ((rc = db_next(r)) == 1) {
		snprintf(status, slen, "%s", db_text(r, 0));
		snprintf(holder, hlen, "%s", db_isnull(r, 1) ? "" :
		    db_text(r, 1));
	}
	db_done(r);
	if (rc == -1)
		return (CB_ERROR);
	return (rc == 1 ? CB_OK : CB_NOTFOUND);
}

/*
 * After a guarded UPDATE of entry id: CB_OK when it changed the entry or
 * the entry already is in status want (and held by staff, unless staff is
 * NULL), as asking twice is no conflict; else CB_CONFLICT, CB_NOTFOUND or
 * CB_ERROR.
 */
static int
callback_settle(struct db *db, long long id, const char *want,
    const char *staff)
{
	char	status[32], holder[128];
	int	rc;

	if (db_changes(db) == 1) {
		if (callback_count(db, NULL, 0, 0) != 0)
			return (CB_ERROR);
		callback_mark_changed();
		return (CB_OK);
	}
	if ((rc = callback_state(db, id, status, sizeof status, holder,
	    sizeof holder)) != CB_OK)
		return (rc);
	if (strcmp(status, want) == 0 && (staff == NULL ||
	    strcmp(holder, staff) == 0))
		return (CB_OK);
	return (CB_CONFLICT);
}

int
callback_claim(struct db *db, long long id, const char *staff, time_t now)
{
	int	rc;

	/*
	 * The status test in the WHERE clause is what makes a claim atomic:
	 * of concurrent claims only one UPDATE finds the row still waiting
	 * (SQLite serialises writers; PostgreSQL re-checks the row after the
	 * first claimant's commit).
	 */
	if (db_exec(db, "UPDATE callbacks SET status = 'claimed', "
	    "claimed_by = ?, claimed_at = ?, updated_at = ? WHERE id = ? AND "
	    "status = 'waiting'", "siii", staff, (long long)now, (long long)now,
	    id) != 0)
		return (CB_ERROR);
	/* Whoever takes a red flag acknowledges its pages. */
	if ((rc = callback_settle(db, id, "claimed", staff)) == CB_OK &&
	    escalate_ack(db, id, staff, now) != 0)
		return (CB_ERROR);
	return (rc);
}

int
callback_release(struct db *db, long long id, const char *staff, time_t now)
{
	if (db_exec(db, "UPDATE callbacks SET status = 'waiting', "
	    "claimed_by = NULL, claimed_at = NULL, updated_at = ? WHERE id = ? "
	    "AND status = 'claimed' AND claimed_by = ?", "iis", (long long)now,
	    id, staff) != 0)
		return (CB_ERROR);
	/* Releasing what is already back in line changes nothing. */
	return (callback_settle(db, id, "waiting", NULL));
}

static const char *const callback_outcomes[][2] = {
	{ "reached", "done" },
	{ "left_message", "done" },
	{ "no_answer", "retry" },
	{ "busy", "retry" },
	{ "failed", "retry" },
	{ "wrong_number", "cancelled" },
	{ "cancelled", "cancelled" },
};

static const char *
callback_outcome_effect(const char *outcome)
{
	size_t	i;

	for (i = 0; outcome != NULL && i < sizeof callback_outcomes /
	    sizeof callback_outcomes[0]; i++) {
		if (strcmp(callback_outcomes[i][0], outcome) == 0)
			return (callback_outcomes[i][1]);
	}
	return (NULL);
}

int
callback_outcome_valid(const char *outcome)
{
	return (callback_outcome_effect(outcome) != NULL);
}

time_t
callback_retry_at(const struct config *cfg, const char *location, time_t now)
{
	const struct location	*loc;
	time_t			 t = now + CALLBACK_RETRY_DELAY, best = 0, n;
	size_t			 i;

	if (cfg == NULL)
		return (t);
	if (location != NULL && (loc = config_location(cfg, location)) != NULL) {
		n = location_next_open(loc, t);
		return (n != 0 ? n : t);
	}
	/* The shared queue: whichever location opens first. */
	for (i = 0; i < cfg->nlocations; i++) {
		n = location_next_open(&cfg->locations[i], t);
		if (n != 0 && (best == 0 || n < best))
			best = n;
	}
	return (best != 0 ? best : t);
}

/* The caller's "we could not reach you" text, in their language. */
static int
callback_tell_unreachable(struct db *db, const struct config *cfg,
    long long id, time_t now, int *queued)
{
	struct db_res		*r;
	const struct location	*loc;
	const struct prompt	*p;
	const char		*text, *ph = "", *at;
	char			*phone = NULL, *key, *body;
	int			 lang = 0, rc;
	long long		 q;

	if (cfg == NULL || (p = config_prompt(cfg, "sms_unreachable")) == NULL)
		return (0);
	r = db_query(db, "SELECT phone, language, location FROM callbacks "
	    "WHERE id = ?", "i", id);
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1) {
		phone = xstrdup(db_text(r, 0));
		if ((lang = config_lang(cfg, db_text(r, 1))) < 0)
			lang = 0;
		loc = db_isnull(r, 2) ? NULL : config_location(cfg,
		    db_text(r, 2));
		ph = loc != NULL && loc->phone != NULL ? loc->phone :
		    cfg->front_desk != NULL ? cfg->front_desk : "";
	}
	db_done(r);
	if (rc != 1)
		return (rc == 0 ? 0 : -1);
	text = p->text[lang] != NULL ? p->text[lang] : p->text[0];
	if (text == NULL) {
		free(phone);
		return (0);
	}
	/* {phone} is the only placeholder: the clinic's number to call. */
	if ((at = strstr(text, "{phone}")) != NULL)
		xasprintf(&body, "%.*s%s%s", (int)(at - text), text, ph, at + 7);
	else
		body = xstrdup(text);
	xasprintf(&key, "cb:%lld:unreachable", id);
	q = outbox_enqueue(db, "sms", key, phone, json_pack("{s:s, s:s}", "to",
	    phone, "body", body), now);
	free(key);
	free(body);
	free(phone);
	if (q == -1)
		return (-1);
	if (q > 0 && queued != NULL)
		*queued = 1;
	return (0);
}

/*
 * A callback done: "how helpful was this?" a while later, about its
 * location (feedback.c keeps it to once a week a number).  0 or -1.
 */
static int
callback_ask_feedback(struct db *db, const struct config *cfg, long long id,
    time_t now)
{
	struct db_res	*r;
	char		*phone = NULL, *loc = NULL, *key;
	int		 rc, lang = 0;

	if (cfg == NULL || cfg->programme == NULL)
		return (0);
	r = db_query(db, "SELECT phone, language, location FROM callbacks "
	    "WHERE id = ?", "i", id);
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1) {
		phone = xstrdup(db_text(r, 0));
		if ((lang = config_lang(cfg, db_text(r, 1))) < 0)
			lang = 0;
		loc = db_isnull(r, 2) ? NULL : xstrdup(db_text(r, 2));
	}
	db_done(r);
	rc = rc == -1 ? -1 : 0;
	/* Only a number that can be texted (not a withheld one). */
	if (phone != NULL && phone[0] == '+') {
		xasprintf(&key, "cb:%lld:feedback", id);
		if (feedback_ask(db, cfg, phone, "callback", NULL,
		    loc != NULL ? loc : "(shared)", key, lang, 1,
		    now + cfg->programme->ask_delay, now) < 0)
			rc = -1;
		free(key);
	}
	free(phone);
	free(loc);
	return (rc);
}

int
callback_outcome_decide(const struct config *cfg, const char *outcome,
    long long attempts, const char *location, time_t now,
    struct callback_outcome *d)
{
	const char	*effect;
	int		 max;

	memset(d, 0, sizeof *d);
	if ((effect = callback_outcome_effect(outcome)) == NULL)
		return (-1);
	d->attempts = attempts;
	if (strcmp(outcome, "cancelled") != 0)
		d->attempts++;
	max = cfg != NULL ? cfg->callback_max_attempts : 3;
	if (strcmp(effect, "retry") == 0 && d->attempts < max) {
		d->status = "waiting";
		d->not_before = callback_retry_at(cfg, location, now);
	} else if (strcmp(effect, "retry") == 0) {
		d->status = "unreachable";
		d->tell = 1;
	} else
		d->status = effect;
	return (0);
}

int
callback_finish(struct db *db, const struct config *cfg, long long id,
    const char *staff, const char *outcome, time_t now, int *queued)
{
	struct callback_outcome	 d;
	char			 status[32], holder[128], *loc = NULL;
	struct db_res		*r;
	long long		 attempts = 0, prio;
	int			 rc;

	if (queued != NULL)
		*queued = 0;
	if (!callback_outcome_valid(outcome))
		return (CB_ERROR);
	if ((rc = callback_state(db, id, status, sizeof status, holder,
	    sizeof holder)) != CB_OK)
		return (rc);
	if (strcmp(status, "waiting") == 0 && staff != NULL) {
		if ((rc = callback_claim(db, id, staff, now)) != CB_OK)
			return (rc);
	} else if (strcmp(status, "claimed") != 0 ||
	    (staff != NULL && strcmp(holder, staff) != 0))
		return (CB_CONFLICT);

	r = db_query(db, "SELECT attempts, location, priority FROM callbacks "
	    "WHERE id = ?", "i", id);
	if (r == NULL || db_next(r) != 1) {
		db_done(r);
		return (CB_ERROR);
	}
	attempts = db_int(r, 0);
	loc = db_isnull(r, 1) ? NULL : xstrdup(db_text(r, 1));
	prio = db_int(r, 2);
	db_done(r);
	callback_outcome_decide(cfg, outcome, attempts, loc, now, &d);
	if (strcmp(d.status, "waiting") == 0) {
		/* Back in line, same place, not before the next good time. */
		rc = db_exec(db, "UPDATE callbacks SET status = 'waiting', "
		    "claimed_by = NULL, claimed_at = NULL, attempts = ?, "
		    "outcome = ?, not_before = ?, updated_at = ?, "
		    "first_attempt_at = COALESCE(first_attempt_at, ?) "
		    "WHERE id = ?", "isiiii", d.attempts, outcome,
		    (long long)d.not_before, (long long)now, (long long)now, id);
		if (rc == 0)
			rc = callback_count(db, NULL, 0, 0);
	} else {
		rc = db_exec(db, "UPDATE callbacks SET status = ?, "
		    "attempts = ?, outcome = ?, done_at = ?, updated_at = ?, "
		    "first_attempt_at = COALESCE(first_attempt_at, ?) "
		    "WHERE id = ?", "sisiiii", d.status, d.attempts, outcome,
		    (long long)now, (long long)now, (long long)now, id);
		/* Out of the queue: one fewer open in its counts. */
		if (rc == 0)
			rc = callback_count(db, loc, prio, -1);
		if (rc == 0 && d.tell)
			rc = callback_tell_unreachable(db, cfg, id, now, queued);
		/* Reached (not a message left): ask how helpful it was. */
		if (rc == 0 && strcmp(outcome, "reached") == 0)
			rc = callback_ask_feedback(db, cfg, id, now);
	}
	free(loc);
	if (rc != 0)
		return (CB_ERROR);
	callback_mark_changed();
	return (CB_OK);
}

int
callback_note(struct db *db, long long id, const char *author,
    const char *text, time_t now)
{
	long long	one;
	int		rc;

	if (text == NULL || *text == '\0' || strlen(text) > CALLBACK_NOTE_MAX)
		return (CB_ERROR);
	rc = db_int_query(db, &one, "SELECT id FROM callbacks WHERE id = ?", "i",
	    id);
	if (rc == -1)
		return (CB_ERROR);
	if (rc == 1)
		return (CB_NOTFOUND);
	if (db_exec(db, "INSERT INTO callback_notes (callback_id, at, author, "
	    "text) VALUES (?, ?, ?, ?)", "iiss", id, (long long)now, author,
	    text) != 0 ||
	    db_exec(db, "UPDATE callbacks SET updated_at = ? WHERE id = ?", "ii",
	    (long long)now, id) != 0 || callback_count(db, NULL, 0, 0) != 0)
		return (CB_ERROR);
	callback_mark_changed();
	return (CB_OK);
}

int
callback_noticed(struct db *db, long long id)
{
	return (db_exec(db, "UPDATE callbacks SET notified_wait = 1 WHERE "
	    "id = ?", "i", id));
}

int
callback_expire_claims(struct db *db, const struct config *cfg, time_t now)
{
	long long	n;

	if (db_exec(db, "UPDATE callbacks SET status = 'waiting', "
	    "claimed_by = NULL, claimed_at = NULL, updated_at = ? WHERE "
	    "status = 'claimed' AND claimed_at < ?", "ii", (long long)now,
	    (long long)(now - cfg->claim_timeout)) != 0)
		return (-1);
	if ((n = db_changes(db)) > 0) {
		if (callback_count(db, NULL, 0, 0) != 0)
			return (-1);
		log_info("callback: %lld claim(s) timed out; back in line", n);
		callback_mark_changed();
	}
	return ((int)n);
}

int
callback_has_recording(struct db *db, const char *recording_url)
{
	long long	n = 0;

	if (db_int_query(db, &n, "SELECT COUNT(*) FROM callback_requests "
	    "WHERE recording_url = ?", "s", recording_url) == -1 ||
	    (n == 0 && db_int_query(db, &n, "SELECT COUNT(*) FROM callbacks "
	    "WHERE recording_url = ?", "s", recording_url) == -1))
		return (-1);
	return (n > 0);
}
