/*
 * escalate.c -- the always-on red-flag escalation (see escalate.h).
 *
 * Owns the escalations and escalation_pages tables.  Outbox dedupe keys
 * are "escalate:<escalation id>:<page n>[:email]", so a retried
 * transaction or a second pass of the timer never pages twice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include "config.h"
#include "escalate.h"
#include "log.h"
#include "outbox.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* Escalations paged on one pass of the timer (the rest on the next). */
#define ESCALATE_BATCH 50

/* --- paging -------------------------------------------------------------- */

static const struct escalation *
escalate_cfg(const struct config *cfg)
{
	if (cfg == NULL || cfg->escalation == NULL ||
	    cfg->escalation->ncontacts == 0)
		return (NULL);
	return (cfg->escalation);
}

/*
 * Page number n (0 = the first) of escalation eid: the contact whose turn
 * it is gets the summary by text (and e-mail), and the next is due after
 * its ack_minutes; past the last round the escalation is unanswered.
 * Adds the outbox rows to *count.
 */
static int
escalate_page(struct db *db, const struct config *cfg, long long eid,
    long long cbid, const char *summary, long long n, time_t now, int *count)
{
	const struct escalation		*esc = escalate_cfg(cfg);
	const struct escalate_contact	*c;
	char				*key, *body, *subject, next[96];
	long long			 rc;

	if (esc == NULL || n >= (long long)esc->ncontacts * esc->rounds) {
		log_warn("escalate: red flag on callback %lld: %lld page(s), "
		    "none acknowledged; paging stops", cbid, n);
		return (db_exec(db, "UPDATE escalations SET status = "
		    "'unanswered', due_at = NULL, updated_at = ? WHERE id = ?",
		    "ii", (long long)now, eid));
	}
	c = &esc->contacts[n % (long long)esc->ncontacts];
	if (n + 1 < (long long)esc->ncontacts * esc->rounds)
		snprintf(next, sizeof next, " Unanswered, the next contact is "
		    "paged in %d min.", c->ack_minutes);
	else
		snprintf(next, sizeof next, " You are the last contact.");
	xasprintf(&body, "%s. You are on call: reply to this text to take "
	    "it, or claim it at %s/staff.%s", summary, cfg->public_url, next);
	xasprintf(&key, "escalate:%lld:%lld", eid, n + 1);
	rc = outbox_enqueue(db, "sms", key, c->phone, json_pack("{s:s, s:s}",
	    "to", c->phone, "body", body), now);
	free(key);
	if (rc > 0)
		(*count)++;
	if (rc != -1 && c->email != NULL && cfg->smtp_url != NULL &&
	    *cfg->smtp_url != '\0') {
		xasprintf(&key, "escalate:%lld:%lld:email", eid, n + 1);
		xasprintf(&subject, "%s", summary);
		rc = outbox_enqueue(db, "email", key, c->email, json_pack(
		    "{s:s, s:s, s:s}", "to", c->email, "subject", subject,
		    "body", body), now);
		free(subject);
		free(key);
		if (rc > 0)
			(*count)++;
	}
	free(body);
	if (rc == -1)
		return (-1);
	if (db_exec(db, "INSERT INTO escalation_pages (escalation_id, n, "
	    "contact, phone, email, at) VALUES (?, ?, ?, ?, ?, ?)", "iisssi",
	    eid, n + 1, c->name, c->phone, c->email, (long long)now) != 0 ||
	    db_exec(db, "UPDATE escalations SET pages = ?, due_at = ?, "
	    "updated_at = ? WHERE id = ?", "iiii", n + 1,
	    (long long)now + 60LL * c->ack_minutes, (long long)now, eid) != 0)
		return (-1);
	log_info("escalate: red flag on callback %lld: page %lld to %s", cbid,
	    n + 1, c->name);
	return (0);
}

int
escalate_start(struct db *db, const struct config *cfg, long long id,
    const char *phone, const char *channel, const char *location, time_t now)
{
	const struct location	*loc = NULL;
	struct db_res		*r;
	char			*summary;
	const char		*how, *last4;
	long long		 eid;
	size_t			 n;
	int			 rc, count = 0;

	if (escalate_cfg(cfg) == NULL)
		return (0);
	if (location != NULL)
		loc = config_location(cfg, location);
	n = phone != NULL ? strlen(phone) : 0;
	last4 = n >= 4 ? phone + n - 4 : "????";
	how = channel != NULL && strcmp(channel, "sms") == 0 ? "by text" :
	    "on a call";
	/* The words every page repeats: never the whole number. */
	xasprintf(&summary, "RED FLAG %s, callback #%lld (%s), number ends in "
	    "%s", how, id, loc != NULL ? i18n_get(&loc->name, 0) :
	    "shared queue", last4);
	r = db_query(db, "INSERT INTO escalations (callback_id, started_at, "
	    "status, pages, summary, updated_at) VALUES (?, ?, 'paging', 0, "
	    "?, ?) ON CONFLICT (callback_id) DO NOTHING RETURNING id", "iisi",
	    id, (long long)now, summary, (long long)now);
	if (r == NULL || (rc = db_next(r)) == -1) {
		db_done(r);
		free(summary);
		return (-1);
	}
	eid = rc == 1 ? db_int(r, 0) : 0;
	db_done(r);
	/* rc 0: the entry's escalation runs already. */
	if (rc == 1 && escalate_page(db, cfg, eid, id, summary, 0, now,
	    &count) != 0)
		count = -1;
	free(summary);
	return (count);
}

struct escalate_row {
	long long	 id;
	long long	 cbid;
	long long	 pages;
	char		*summary;
};

int
escalate_due(struct db *db, const struct config *cfg, time_t now)
{
	struct db_res		*r;
	struct escalate_row	*rows = NULL;
	size_t			 n = 0, i;
	int			 count = 0, rc = 0;

	r = db_query(db, "SELECT id, callback_id, pages, summary FROM "
	    "escalations WHERE status = 'paging' AND due_at <= ? ORDER BY "
	    "due_at, id LIMIT ?", "ii", (long long)now,
	    (long long)ESCALATE_BATCH);
	if (r == NULL)
		return (-1);
	while (db_next(r) == 1) {
		rows = xreallocarray(rows, n + 1, sizeof *rows);
		rows[n].id = db_int(r, 0);
		rows[n].cbid = db_int(r, 1);
		rows[n].pages = db_int(r, 2);
		rows[n].summary = xstrdup(db_text(r, 3));
		n++;
	}
	db_done(r);
	/* A claim acknowledges (escalate_ack): what is left is unanswered. */
	for (i = 0; i < n; i++) {
		if (rc == 0)
			rc = escalate_page(db, cfg, rows[i].id, rows[i].cbid,
			    rows[i].summary, rows[i].pages, now, &count);
		free(rows[i].summary);
	}
	free(rows);
	return (rc == 0 ? count : -1);
}

int
escalate_ack(struct db *db, long long id, const char *by, time_t now)
{
	if (db_exec(db, "UPDATE escalations SET status = 'acknowledged', "
	    "acked_at = ?, acked_by = ?, due_at = NULL, updated_at = ? WHERE "
	    "callback_id = ? AND status IN ('paging', 'unanswered')", "isii",
	    (long long)now, by, (long long)now, id) != 0)
		return (-1);
	if (db_changes(db) > 0)
		log_info("escalate: red flag on callback %lld acknowledged "
		    "(claimed)", id);
	return (0);
}

int
escalate_reply(struct db *db, const struct config *cfg, const char *phone,
    time_t now, char **reply)
{
	struct db_res	*r;
	long long	*ids = NULL, *cbs = NULL;
	char		**who = NULL, *list = NULL, *t, *by;
	size_t		 n = 0, i;
	int		 rc = 0;

	*reply = NULL;
	r = db_query(db, "SELECT e.id, e.callback_id, MAX(p.contact) FROM "
	    "escalations e JOIN escalation_pages p ON p.escalation_id = e.id "
	    "WHERE p.phone = ? AND e.status IN ('paging', 'unanswered') "
	    "GROUP BY e.id, e.callback_id ORDER BY e.id", "s", phone);
	if (r == NULL)
		return (-1);
	while (db_next(r) == 1) {
		ids = xreallocarray(ids, n + 1, sizeof *ids);
		cbs = xreallocarray(cbs, n + 1, sizeof *cbs);
		who = xreallocarray(who, n + 1, sizeof *who);
		ids[n] = db_int(r, 0);
		cbs[n] = db_int(r, 1);
		who[n] = xstrdup(db_text(r, 2));
		n++;
	}
	db_done(r);
	for (i = 0; i < n; i++) {
		xasprintf(&by, "%s (text reply)", who[i]);
		if (rc == 0 && db_exec(db, "UPDATE escalations SET status = "
		    "'acknowledged', acked_at = ?, acked_by = ?, due_at = NULL, "
		    "updated_at = ? WHERE id = ?", "isii", (long long)now, by,
		    (long long)now, ids[i]) != 0)
			rc = -1;
		free(by);
		if (rc == 0)
			log_info("escalate: red flag on callback %lld "
			    "acknowledged by a text reply", cbs[i]);
		xasprintf(&t, "%s%s#%lld", list != NULL ? list : "",
		    list != NULL ? ", " : "", cbs[i]);
		free(list);
		list = t;
		free(who[i]);
	}
	if (rc == 0 && n > 0) {
		xasprintf(reply, "Thanks, red flag callback %s is yours: no one "
		    "else will be paged. Call them now; the number is in the "
		    "queue: %s/staff", list, cfg->public_url);
	}
	free(list);
	free(ids);
	free(cbs);
	free(who);
	return (rc == 0 ? (int)n : -1);
}

json_t *
escalate_json(struct db *db, long long id)
{
	struct db_res	*r;
	json_t		*o, *pages;
	char		 ts[32];
	long long	 eid;
	int		 rc;

	r = db_query(db, "SELECT id, status, started_at, due_at, acked_at, "
	    "acked_by FROM escalations WHERE callback_id = ?", "i", id);
	if (r == NULL)
		return (NULL);
	if ((rc = db_next(r)) != 1) {
		db_done(r);
		return (rc == 0 ? json_null() : NULL);
	}
	eid = db_int(r, 0);
	o = json_object();
	json_object_set_new(o, "status", json_string(db_text(r, 1)));
	json_object_set_new(o, "started_at", json_string(util_iso8601(
	    (time_t)db_int(r, 2), ts, sizeof ts)));
	json_object_set_new(o, "next_page_at", db_isnull(r, 3) ? json_null() :
	    json_string(util_iso8601((time_t)db_int(r, 3), ts, sizeof ts)));
	json_object_set_new(o, "acknowledged_at", db_isnull(r, 4) ?
	    json_null() : json_string(util_iso8601((time_t)db_int(r, 4), ts,
	    sizeof ts)));
	json_object_set_new(o, "acknowledged_by", db_isnull(r, 5) ?
	    json_null() : json_string(db_text(r, 5)));
	db_done(r);
	pages = json_array();
	json_object_set_new(o, "pages", pages);
	r = db_query(db, "SELECT n, contact, at FROM escalation_pages WHERE "
	    "escalation_id = ? ORDER BY n", "i", eid);
	if (r == NULL) {
		json_decref(o);
		return (NULL);
	}
	while ((rc = db_next(r)) == 1)
		json_array_append_new(pages, json_pack("{s:I, s:s, s:s}", "n",
		    (json_int_t)db_int(r, 0), "contact", db_text(r, 1), "at",
		    util_iso8601((time_t)db_int(r, 2), ts, sizeof ts)));
	db_done(r);
	if (rc == -1) {
		json_decref(o);
		return (NULL);
	}
	return (o);
}
