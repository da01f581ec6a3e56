/*
 * notify.c -- staff notifications for the callback queue (see notify.h).
 *
 * Dedupe keys are "notify:<kind>:<callback id>:<event>[:<recipient>]", so
 * a retried transaction or a second pass of the timer never pings twice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "auth.h"
#include "callback.h"
#include "config.h"
#include "location.h"
#include "log.h"
#include "notify.h"
#include "outbox.h"
#include "store.h"
#include "xmalloc.h"

struct notify_entry {
	long long	 id;
	char		*phone;
	char		*location;
	char		*topic;
	char		*language;
	long long	 priority;
	long long	 queued_at;
	long long	 requests;	/* in the entry so far */
};

static char *
notify_dup(struct db_res *r, int col)
{
	return (db_isnull(r, col) ? NULL : xstrdup(db_text(r, col)));
}

static void
notify_entry_clear(struct notify_entry *e)
{
	free(e->phone);
	free(e->location);
	free(e->topic);
	free(e->language);
}

/* 1 when someone can act on a notice about location now. */
static int
notify_open(const struct config *cfg, const struct location *loc, time_t now)
{
	if (loc == NULL)
		return (location_any_open(cfg, now));
	return (location_is_open(loc, now));
}

static const char *
notify_language_name(const char *code)
{
	if (code == NULL)
		return ("unknown");
	if (strcmp(code, "en") == 0)
		return ("English");
	if (strcmp(code, "es") == 0)
		return ("Spanish");
	return (code);
}

/*
 * The notice's words: no full number, nothing but topic and priority.
 * repeat is the repeat request in a few words, for event "repeat".
 */
static void
notify_text(const struct config *cfg, const struct notify_entry *e,
    const struct location *loc, const char *event, const char *repeat,
    long long waited, char **subject, char **body)
{
	const char	*last4, *where;
	char		 more[64] = "";
	size_t		 n;

	n = e->phone != NULL ? strlen(e->phone) : 0;
	last4 = n >= 4 ? e->phone + n - 4 : "????";
	where = loc != NULL ? i18n_get(&loc->name, 0) : "shared queue";
	if (strcmp(event, "waiting") == 0)
		xasprintf(subject, "%sCallback #%lld has waited %lld minutes "
		    "(%s)", e->priority > 0 ? "PRIORITY: " : "", e->id, waited,
		    where);
	else if (strcmp(event, "repeat") == 0)
		xasprintf(subject, "%sRepeat request on callback #%lld (%s): %s",
		    e->priority > 0 ? "PRIORITY: " : "", e->id, where, repeat);
	else
		xasprintf(subject, "%sNew callback request #%lld (%s)",
		    e->priority > 0 ? "PRIORITY: " : "", e->id, where);
	if (e->requests > 1)
		snprintf(more, sizeof more, " %lld requests so far, one place "
		    "in line.", e->requests);
	xasprintf(body, "%s.%s Topic: %s. Language: %s.%s Caller's number "
	    "ends in %s. Open the queue: %s/staff", *subject, more,
	    e->topic != NULL ? e->topic : "general",
	    notify_language_name(e->language),
	    e->priority > 0 ? " Red flag: call back first." : "", last4,
	    cfg->public_url);
}

/* Queue one row; adds to *count, -1 on error. */
static int
notify_put(struct db *db, const char *kind, long long id, const char *event,
    const char *suffix, const char *recipient, json_t *payload, time_t now,
    int *count)
{
	char		*key;
	long long	 rc;

	xasprintf(&key, "notify:%s:%lld:%s%s%s", kind, id, event,
	    suffix != NULL ? ":" : "", suffix != NULL ? suffix : "");
	rc = outbox_enqueue(db, kind, key, recipient, payload, now);
	free(key);
	if (rc == -1)
		return (-1);
	if (rc > 0)
		(*count)++;
	return (0);
}

/*
 * Texts to on-call numbers: loc's, or every open one's for the shared
 * queue.  tag puts the location in the dedupe key (a notice that goes to
 * more than one location).
 */
static int
notify_sms(struct db *db, const struct config *cfg,
    const struct notify_entry *e, const struct location *loc, int tag,
    const char *event, const char *body, time_t now, int *count)
{
	const struct location	*l;
	size_t			 i;

	for (i = 0; i < cfg->nlocations; i++) {
		l = &cfg->locations[i];
		if (loc != NULL && l != loc)
			continue;
		if (loc == NULL && !location_is_open(l, now))
			continue;
		if (l->oncall_sms == NULL)
			continue;
		if (notify_put(db, "sms", e->id, event, loc == NULL || tag ?
		    l->id : NULL, l->oncall_sms, json_pack("{s:s, s:s}", "to",
		    l->oncall_sms, "body", body), now, count) != 0)
			return (-1);
	}
	return (0);
}

/*
 * E-mail to loc's on-call address, or else to every staff member with an
 * address who works location where (NULL: the shared queue, everyone).
 */
static int
notify_email(struct db *db, const struct config *cfg,
    const struct notify_entry *e, const struct location *loc,
    const char *where, const char *event, const char *subject,
    const char *body, time_t now, int *count)
{
	struct db_res	 *r;
	char		**to = NULL;
	size_t		  nto = 0, i;
	int		  rc = 0;

	if (loc != NULL && loc->oncall_email != NULL) {
		to = xreallocarray(to, nto + 1, sizeof *to);
		to[nto++] = xstrdup(loc->oncall_email);
	} else {
		r = db_query(db, "SELECT email, locations FROM staff WHERE "
		    "disabled = 0 AND email IS NOT NULL AND email <> '' "
		    "ORDER BY name", "");
		if (r == NULL)
			return (-1);
		while (db_next(r) == 1) {
			if (!auth_location_allowed(db_text(r, 1), where))
				continue;
			to = xreallocarray(to, nto + 1, sizeof *to);
			to[nto++] = xstrdup(db_text(r, 0));
		}
		db_done(r);
	}
	for (i = 0; i < nto; i++) {
		if (rc == 0 && notify_put(db, "email", e->id, event, to[i],
		    to[i], json_pack("{s:s, s:s, s:s}", "to", to[i], "subject",
		    subject, "body", body), now, count) != 0)
			rc = -1;
		free(to[i]);
	}
	free(to);
	return (rc);
}

/* key is the event in the dedupe key; event is the one the post names. */
static int
notify_chat(struct db *db, const struct config *cfg,
    const struct notify_entry *e, const char *key, const char *event,
    const char *body, time_t now, int *count)
{
	json_t	*j;

	j = json_pack("{s:s, s:s, s:I, s:s?, s:s?, s:s?, s:I, s:I, s:s+}",
	    "text", body, "event", event, "callback_id", (json_int_t)e->id,
	    "location", e->location, "topic", e->topic,
	    "language", e->language, "priority", (json_int_t)e->priority,
	    "requests", (json_int_t)e->requests,
	    "dashboard", cfg->public_url, "/staff");
	return (notify_put(db, "chat", e->id, key, NULL, cfg->chat_webhook,
	    json_pack("{s:s, s:o}", "url", cfg->chat_webhook, "json", j), now,
	    count));
}

/* Entry id into *e (the caller clears it): 1, 0 when absent, -1. */
static int
notify_entry_load(struct db *db, long long id, struct notify_entry *e)
{
	struct db_res	*r;
	int		 rc;

	memset(e, 0, sizeof *e);
	r = db_query(db, "SELECT id, phone, location, topic, language, "
	    "priority, queued_at, (SELECT COUNT(*) FROM callback_requests q "
	    "WHERE q.callback_id = callbacks.id) FROM callbacks WHERE id = ?",
	    "i", id);
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1) {
		e->id = db_int(r, 0);
		e->phone = notify_dup(r, 1);
		e->location = notify_dup(r, 2);
		e->topic = notify_dup(r, 3);
		e->language = notify_dup(r, 4);
		e->priority = db_int(r, 5);
		e->queued_at = db_int(r, 6);
		e->requests = db_int(r, 7);
	}
	db_done(r);
	return (rc);
}

/*
 * Notify about entry id: event "joined" or "waiting" (rid 0), or
 * "repeat" for its request rid.  The entry's queue hears while open; a
 * repeat request naming another location reaches that one too.
 */
static int
notify_send(struct db *db, const struct config *cfg, long long id,
    const char *event, long long rid, time_t now)
{
	struct notify_entry	 e;
	struct db_res		*r;
	const struct location	*loc = NULL, *rloc = NULL, *to[2];
	const char		*where[2];
	char			*subject = NULL, *body = NULL, *key = NULL;
	char			 words[96] = "";
	size_t			 i, nto = 0;
	int			 count = 0, rc;

	if (cfg == NULL)
		return (0);
	if ((rc = notify_entry_load(db, id, &e)) != 1) {
		notify_entry_clear(&e);
		return (rc == 0 ? 0 : -1);
	}
	if (e.location != NULL)
		loc = config_location(cfg, e.location);
	if (rid != 0) {
		r = db_query(db, "SELECT channel, reason, location FROM "
		    "callback_requests WHERE id = ? AND callback_id = ?", "ii",
		    rid, id);
		if (r == NULL || (rc = db_next(r)) != 1) {
			db_done(r);
			count = r == NULL || rc == -1 ? -1 : 0;
			goto out;
		}
		rloc = db_isnull(r, 2) ? NULL : config_location(cfg,
		    db_text(r, 2));
		callback_request_words(db_text(r, 0), db_text(r, 1), rloc !=
		    NULL ? i18n_get(&rloc->name, 0) : NULL, words,
		    sizeof words);
		db_done(r);
	}
	if (notify_open(cfg, loc, now)) {
		to[nto] = loc;
		where[nto++] = e.location;
	}
	/* The shared queue already reaches every open location. */
	if (loc != NULL && rloc != NULL && rloc != loc &&
	    location_is_open(rloc, now)) {
		to[nto] = rloc;
		where[nto++] = rloc->id;
	}
	if (nto == 0)
		goto out;
	notify_text(cfg, &e, loc, event, words, (now - e.queued_at) / 60,
	    &subject, &body);
	if (rid != 0)
		xasprintf(&key, "%s:%lld", event, rid);
	else
		key = xstrdup(event);
	rc = 0;
	for (i = 0; i < nto && rc == 0; i++) {
		if (cfg->notify_sms)
			rc = notify_sms(db, cfg, &e, to[i], rid != 0, key, body,
			    now, &count);
		if (rc == 0 && cfg->notify_email && cfg->smtp_url != NULL &&
		    *cfg->smtp_url != '\0')
			rc = notify_email(db, cfg, &e, to[i], where[i], key,
			    subject, body, now, &count);
	}
	if (rc == 0 && cfg->notify_chat && cfg->chat_webhook != NULL &&
	    *cfg->chat_webhook != '\0')
		rc = notify_chat(db, cfg, &e, key, event, body, now, &count);
	if (rc != 0)
		count = -1;
out:
	free(key);
	free(subject);
	free(body);
	notify_entry_clear(&e);
	return (count);
}

int
notify_callback(struct db *db, const struct config *cfg, long long id,
    const char *event, time_t now)
{
	return (notify_send(db, cfg, id, event, 0, now));
}

int
notify_repeat(struct db *db, const struct config *cfg, long long id,
    long long rid, time_t now)
{
	return (notify_send(db, cfg, id, "repeat", rid, now));
}

int
notify_waiting(struct db *db, const struct config *cfg, time_t now)
{
	struct db_res		*r;
	const struct location	*loc;
	long long		*ids = NULL;
	size_t			 nids = 0, i;
	int			 total = 0, n;

	r = db_query(db, "SELECT id, location FROM callbacks WHERE "
	    "status = 'waiting' AND notified_wait = 0 AND queued_at <= ? AND "
	    "not_before <= ? ORDER BY priority DESC, queued_at, id",
	    "ii", (long long)(now - 60LL * cfg->notify_wait_minutes),
	    (long long)now);
	if (r == NULL)
		return (-1);
	while (db_next(r) == 1) {
		loc = db_isnull(r, 1) ? NULL : config_location(cfg,
		    db_text(r, 1));
		/* Closed now: the notice waits for opening time. */
		if (!notify_open(cfg, loc, now))
			continue;
		ids = xreallocarray(ids, nids + 1, sizeof *ids);
		ids[nids++] = db_int(r, 0);
	}
	db_done(r);
	for (i = 0; i < nids; i++) {
		if ((n = notify_callback(db, cfg, ids[i], "waiting", now)) < 0 ||
		    db_exec(db, "UPDATE callbacks SET notified_wait = 1 WHERE "
		    "id = ?", "i", ids[i]) != 0) {
			total = -1;
			break;
		}
		total += n;
	}
	free(ids);
	return (total);
}
