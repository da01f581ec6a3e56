/*
 * notify.c -- staff notifications for the callback queue (see notify.h).
 *
 * Read, decide, store: notify_send reads the entry (callback_read.c) and
 * the staff who may be e-mailed (auth.c), notify_decide turns them into
 * outbox rows without touching the store, and the rows are queued in the
 * caller's transaction.
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

/*
 * 1 when someone can act on a notice about location now.  The answer is
 * the same all second: the last one is remembered per thread, keyed by
 * the configuration's generation (config.h: 0, never).
 */
static int
notify_open(const struct config *cfg, const struct location *loc, time_t now)
{
	static _Thread_local unsigned long		 gen;
	static _Thread_local const struct location	*last;
	static _Thread_local time_t			 at;
	static _Thread_local int			 open;

	if (cfg->generation != 0 && gen == cfg->generation && last == loc &&
	    at == now)
		return (open);
	open = loc == NULL ? location_any_open(cfg, now) :
	    location_is_open(loc, now);
	gen = cfg->generation;
	last = loc;
	at = now;
	return (open);
}

int
notify_due(const struct config *cfg, const char *location, time_t now)
{
	return (notify_open(cfg, location != NULL ? config_location(cfg,
	    location) : NULL, now));
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
notify_text(const struct config *cfg, const struct callback_brief *e,
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

/* One row into the plan; payload is the plan's now. */
static void
notify_add(struct notify_plan *p, const char *kind, long long id,
    const char *event, const char *suffix, const char *recipient,
    json_t *payload)
{
	struct notify_row	*row;

	p->rows = xreallocarray(p->rows, p->n + 1, sizeof *p->rows);
	row = &p->rows[p->n++];
	row->kind = kind;
	xasprintf(&row->key, "notify:%s:%lld:%s%s%s", kind, id, event,
	    suffix != NULL ? ":" : "", suffix != NULL ? suffix : "");
	row->recipient = xstrdup(recipient);
	row->payload = payload;
}

void
notify_plan_clear(struct notify_plan *p)
{
	size_t	i;

	for (i = 0; i < p->n; i++) {
		free(p->rows[i].key);
		free(p->rows[i].recipient);
		json_decref(p->rows[i].payload);
	}
	free(p->rows);
	memset(p, 0, sizeof *p);
}

/*
 * Texts to on-call numbers: loc's, or every open one's for the shared
 * queue.  tag puts the location in the dedupe key (a notice that goes to
 * more than one location).
 */
static void
notify_sms(const struct config *cfg, const struct callback_brief *e,
    const struct location *loc, int tag, const char *event, const char *body,
    time_t now, struct notify_plan *p)
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
		notify_add(p, "sms", e->id, event, loc == NULL || tag ? l->id :
		    NULL, l->oncall_sms, json_pack("{s:s, s:s}", "to",
		    l->oncall_sms, "body", body));
	}
}

/*
 * E-mail to loc's on-call address, or else to every staff member with an
 * address who works location where (NULL: the shared queue, everyone).
 */
static void
notify_email(const struct notify_facts *f, const struct location *loc,
    const char *where, const char *event, const char *subject,
    const char *body, struct notify_plan *p)
{
	const char	*to;
	size_t		 i;

	for (i = 0; i < f->nstaff; i++) {
		if (loc != NULL && loc->oncall_email != NULL)
			break;
		if (!auth_location_allowed(f->staff[i].locations, where))
			continue;
		to = f->staff[i].email;
		notify_add(p, "email", f->entry->id, event, to, to,
		    json_pack("{s:s, s:s, s:s}", "to", to, "subject", subject,
		    "body", body));
	}
	if (loc != NULL && loc->oncall_email != NULL) {
		to = loc->oncall_email;
		notify_add(p, "email", f->entry->id, event, to, to,
		    json_pack("{s:s, s:s, s:s}", "to", to, "subject", subject,
		    "body", body));
	}
}

/* key is the event in the dedupe key; event is the one the post names. */
static void
notify_chat(const struct config *cfg, const struct callback_brief *e,
    const char *key, const char *event, const char *body,
    struct notify_plan *p)
{
	json_t	*j;

	j = json_pack("{s:s, s:s, s:I, s:s?, s:s?, s:s?, s:I, s:I, s:s+}",
	    "text", body, "event", event, "callback_id", (json_int_t)e->id,
	    "location", e->location, "topic", e->topic,
	    "language", e->language, "priority", (json_int_t)e->priority,
	    "requests", (json_int_t)e->requests,
	    "dashboard", cfg->public_url, "/staff");
	notify_add(p, "chat", e->id, key, NULL, cfg->chat_webhook,
	    json_pack("{s:s, s:o}", "url", cfg->chat_webhook, "json", j));
}

/*
 * The entry's queue hears while open; a repeat request naming another
 * location reaches that one too.
 */
void
notify_decide(const struct config *cfg, const struct notify_facts *f,
    time_t now, struct notify_plan *p)
{
	const struct callback_brief	*e = f->entry;
	const struct location		*loc = NULL, *rloc = NULL, *to[2];
	const char			*where[2];
	char				*subject = NULL, *body = NULL, *key;
	char				 words[96] = "";
	size_t				 i, nto = 0;

	memset(p, 0, sizeof *p);
	if (cfg == NULL)
		return;
	if (e->location != NULL)
		loc = config_location(cfg, e->location);
	if (f->asked != NULL) {
		rloc = f->asked->location == NULL ? NULL : config_location(cfg,
		    f->asked->location);
		callback_request_words(f->asked->channel, f->asked->reason,
		    rloc != NULL ? i18n_get(&rloc->name, 0) : NULL, words,
		    sizeof words);
	}
	if (notify_open(cfg, loc, now)) {
		to[nto] = loc;
		where[nto++] = e->location;
	}
	/* The shared queue already reaches every open location. */
	if (loc != NULL && rloc != NULL && rloc != loc &&
	    location_is_open(rloc, now)) {
		to[nto] = rloc;
		where[nto++] = rloc->id;
	}
	if (nto == 0)
		return;
	notify_text(cfg, e, loc, f->event, words, (now - e->queued_at) / 60,
	    &subject, &body);
	if (f->rid != 0)
		xasprintf(&key, "%s:%lld", f->event, f->rid);
	else
		key = xstrdup(f->event);
	for (i = 0; i < nto; i++) {
		if (cfg->notify_sms)
			notify_sms(cfg, e, to[i], f->rid != 0, key, body, now,
			    p);
		if (cfg->notify_email && cfg->smtp_url != NULL &&
		    *cfg->smtp_url != '\0')
			notify_email(f, to[i], where[i], key, subject, body, p);
	}
	if (cfg->notify_chat && cfg->chat_webhook != NULL &&
	    *cfg->chat_webhook != '\0')
		notify_chat(cfg, e, key, f->event, body, p);
	free(key);
	free(subject);
	free(body);
}

/* auth_staff_list's visitor: the enabled staff with an address. */
static int
notify_contact_add(const struct auth_staff *s, int disabled, void *arg)
{
	struct notify_facts	*f = arg;
	struct notify_contact	*c;

	if (disabled || s->email == NULL || *s->email == '\0')
		return (0);
	c = xreallocarray(f->staff, f->nstaff + 1, sizeof *c);
	c[f->nstaff].email = xstrdup(s->email);
	c[f->nstaff].locations = xstrdup(s->locations != NULL ?
	    s->locations : "");
	f->staff = c;
	f->nstaff++;
	return (0);
}

/* Queue the plan's rows: how many were new, or -1. */
static int
notify_store(struct db *db, struct notify_plan *p, time_t now)
{
	struct notify_row	*row;
	long long		 rc;
	size_t			 i;
	int			 count = 0;

	for (i = 0; i < p->n; i++) {
		row = &p->rows[i];
		rc = outbox_enqueue(db, row->kind, row->key, row->recipient,
		    row->payload, now);
		row->payload = NULL;	/* stolen */
		if (rc == -1)
			return (-1);
		if (rc > 0)
			count++;
	}
	return (count);
}

/*
 * Notify about entry id: event "joined" or "waiting" (rid 0), or
 * "repeat" for its request rid.  A new entry is q as it was just written
 * (NULL: read it).  The number of rows written, or -1.
 */
static int
notify_send(struct db *db, const struct config *cfg, long long id,
    const char *event, long long rid, const struct callback_req *q,
    time_t now)
{
	struct callback_brief	 e;
	struct callback_asked	 a;
	struct notify_facts	 f;
	struct notify_plan	 plan;
	size_t			 i;
	int			 count, rc;

	if (cfg == NULL)
		return (0);
	memset(&a, 0, sizeof a);
	memset(&f, 0, sizeof f);
	memset(&plan, 0, sizeof plan);
	memset(&e, 0, sizeof e);
	if (q != NULL) {
		/*
		 * Nobody to tell while its queue is closed (notify_decide),
		 * and nothing to read: the entry holds q alone, unclaimed.
		 */
		if (!notify_due(cfg, q->location, now))
			return (0);
		e.id = id;
		e.phone = (char *)q->phone;
		e.location = (char *)q->location;
		e.language = (char *)q->language;
		e.topic = (char *)q->topic;
		e.priority = q->priority;
		e.queued_at = q->now;
		e.requests = 1;
	} else if ((rc = callback_brief(db, id, &e)) != 1) {
		callback_brief_clear(&e);
		return (rc == 0 ? 0 : -1);
	}
	f.entry = &e;
	f.event = event;
	f.rid = rid;
	if (rid != 0 && (rc = callback_asked(db, id, rid, &a)) != 1) {
		count = rc == 0 ? 0 : -1;
		goto out;
	}
	if (rid != 0)
		f.asked = &a;
	if (cfg->notify_email && cfg->smtp_url != NULL &&
	    *cfg->smtp_url != '\0' &&
	    auth_staff_list(db, notify_contact_add, &f) != 0) {
		count = -1;
		goto out;
	}
	notify_decide(cfg, &f, now, &plan);
	count = notify_store(db, &plan, now);
out:
	for (i = 0; i < f.nstaff; i++) {
		free(f.staff[i].email);
		free(f.staff[i].locations);
	}
	free(f.staff);
	notify_plan_clear(&plan);
	callback_asked_clear(&a);
	if (q == NULL)
		callback_brief_clear(&e);
	return (count);
}

int
notify_request(struct db *db, const struct config *cfg,
    const struct callback_res *res, time_t now)
{
	if (res->created)
		return (notify_send(db, cfg, res->id, "joined", 0, res->req,
		    now));
	if (res->news)
		return (notify_send(db, cfg, res->id, "repeat", res->request_id,
		    NULL, now));
	return (0);
}

int
notify_waiting(struct db *db, const struct config *cfg, time_t now)
{
	struct callback_due	*due;
	size_t			 ndue, i;
	int			 total = 0, n;

	if (callback_unnoticed(db, now - 60LL * cfg->notify_wait_minutes, now,
	    &due, &ndue) != 0)
		return (-1);
	for (i = 0; i < ndue; i++) {
		/* Closed now: the notice waits for opening time. */
		if (!notify_due(cfg, due[i].location, now))
			continue;
		if ((n = notify_send(db, cfg, due[i].id, "waiting", 0, NULL,
		    now)) < 0 || callback_noticed(db, due[i].id) != 0) {
			total = -1;
			break;
		}
		total += n;
	}
	for (i = 0; i < ndue; i++)
		free(due[i].location);
	free(due);
	return (total);
}
