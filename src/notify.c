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

/* The notice's words: no full number, nothing but topic and priority. */
static void
notify_text(const struct config *cfg, const struct notify_entry *e,
    const struct location *loc, const char *event, long long waited,
    char **subject, char **body)
{
	const char	*last4, *where;
	size_t		 n;

	n = e->phone != NULL ? strlen(e->phone) : 0;
	last4 = n >= 4 ? e->phone + n - 4 : "????";
	where = loc != NULL ? i18n_get(&loc->name, 0) : "shared queue";
	if (strcmp(event, "waiting") == 0)
		xasprintf(subject, "%sCallback #%lld has waited %lld minutes "
		    "(%s)", e->priority > 0 ? "PRIORITY: " : "", e->id, waited,
		    where);
	else
		xasprintf(subject, "%sNew callback request #%lld (%s)",
		    e->priority > 0 ? "PRIORITY: " : "", e->id, where);
	xasprintf(body, "%s. Topic: %s. Language: %s.%s Caller's number ends "
	    "in %s. Open the queue: %s/staff", *subject,
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

/* Texts to on-call numbers: the entry's location, or every open one. */
static int
notify_sms(struct db *db, const struct config *cfg,
    const struct notify_entry *e, const struct location *loc,
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
		if (notify_put(db, "sms", e->id, event, loc == NULL ? l->id :
		    NULL, l->oncall_sms, json_pack("{s:s, s:s}", "to",
		    l->oncall_sms, "body", body), now, count) != 0)
			return (-1);
	}
	return (0);
}

/*
 * E-mail to the location's on-call address, or else to every staff member
 * with an address who works that location.
 */
static int
notify_email(struct db *db, const struct config *cfg,
    const struct notify_entry *e, const struct location *loc,
    const char *event, const char *subject, const char *body, time_t now,
    int *count)
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
			if (!auth_location_allowed(db_text(r, 1), e->location))
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

static int
notify_chat(struct db *db, const struct config *cfg,
    const struct notify_entry *e, const char *event, const char *body,
    time_t now, int *count)
{
	json_t	*j;

	j = json_pack("{s:s, s:s, s:I, s:s?, s:s?, s:s?, s:I, s:s+}",
	    "text", body, "event", event, "callback_id", (json_int_t)e->id,
	    "location", e->location, "topic", e->topic,
	    "language", e->language, "priority", (json_int_t)e->priority,
	    "dashboard", cfg->public_url, "/staff");
	return (notify_put(db, "chat", e->id, event, NULL, cfg->chat_webhook,
	    json_pack("{s:s, s:o}", "url", cfg->chat_webhook, "json", j), now,
	    count));
}

int
notify_callback(struct db *db, const struct config *cfg, long long id,
    const char *event, time_t now)
{
	struct notify_entry	 e;
	struct db_res		*r;
	const struct location	*loc = NULL;
	char			*subject = NULL, *body = NULL;
	int			 count = 0, rc;

	if (cfg == NULL)
		return (0);
	memset(&e, 0, sizeof e);
	r = db_query(db, "SELECT id, phone, location, topic, language, "
	    "priority, queued_at FROM callbacks WHERE id = ?", "i", id);
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1) {
		e.id = db_int(r, 0);
		e.phone = notify_dup(r, 1);
		e.location = notify_dup(r, 2);
		e.topic = notify_dup(r, 3);
		e.language = notify_dup(r, 4);
		e.priority = db_int(r, 5);
		e.queued_at = db_int(r, 6);
	}
	db_done(r);
	if (rc != 1)
		return (rc == 0 ? 0 : -1);
	if (e.location != NULL)
		loc = config_location(cfg, e.location);
	if (!notify_open(cfg, loc, now))
		goto out;
	notify_text(cfg, &e, loc, event, (now - e.queued_at) / 60, &subject,
	    &body);
	rc = 0;
	if (rc == 0 && cfg->notify_sms)
		rc = notify_sms(db, cfg, &e, loc, event, body, now, &count);
	if (rc == 0 && cfg->notify_email && cfg->smtp_url != NULL &&
	    *cfg->smtp_url != '\0')
		rc = notify_email(db, cfg, &e, loc, event, subject, body, now,
		    &count);
	if (rc == 0 && cfg->notify_chat && cfg->chat_webhook != NULL &&
	    *cfg->chat_webhook != '\0')
		rc = notify_chat(db, cfg, &e, event, body, now, &count);
	if (rc != 0)
		count = -1;
out:
	free(subject);
	free(body);
	notify_entry_clear(&e);
	return (count);
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
