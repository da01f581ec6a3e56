/*
 * feedback.c -- the feedback tables (see programme.h): who was asked "how
 * helpful was this?", and the answers, kept without the number or any
 * words: the score, what it was about, the guide or location, the week.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "metrics.h"
#include "outbox.h"
#include "programme.h"
#include "quiet.h"
#include "report.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

int
feedback_ask(struct db *db, const struct config *cfg, const char *phone,
    const char *about, const char *guide, const char *location,
    const char *dedupe, int lang, int text, time_t when, time_t now)
{
	const struct programme_cfg	*pc = cfg->programme;
	long long			 n = 0;

	/* At most one ask a week per number (every_days). */
	if (db_int_query(db, &n, "SELECT COUNT(*) FROM feedback_asks WHERE "
	    "phone = ? AND asked_at > ?", "si", phone,
	    (long long)(now - pc->ask_every)) != 0)
		return (-1);
	if (n > 0)
		return (0);
	/*
	 * The question is texted when it is due (feedback_due), not queued
	 * now: nothing waits in the outbox for an hour, and an opt-out in
	 * between is simply never asked.
	 */
	if (db_exec(db, "INSERT INTO feedback_asks (phone, about, guide, "
	    "location, language, asked_at, queued_at, dedupe) VALUES (?, ?, ?, "
	    "?, ?, ?, CASE WHEN ? = 0 THEN ? ELSE NULL END, ?)", "sssssiiis",
	    phone, about, guide, location, cfg->langs[lang], (long long)when,
	    (long long)text, (long long)when, dedupe) != 0)
		return (-1);
	return (1);
}

/* One due ask: texted now, deferred past quiet hours, or dropped. */
static int
feedback_send(struct db *db, const struct config *cfg, long long id,
    const char *phone, const char *about, const char *lang_code,
    const char *dedupe, time_t due, time_t now)
{
	const char	*msg;
	time_t		 next;
	long long	 q;
	int		 lang;

	/* A question a day late is about something they have forgotten. */
	if (now - due > 86400)
		return (db_exec(db, "DELETE FROM feedback_asks WHERE id = ?", "i",
		    id) == 0 ? 0 : -1);
	if ((next = quiet_next_allowed(cfg, phone, now)) != now)
		return (db_exec(db, "UPDATE feedback_asks SET asked_at = ? WHERE "
		    "id = ?", "ii", (long long)next, id) == 0 ? 0 : -1);
	if ((lang = config_lang(cfg, lang_code)) < 0)
		lang = 0;
	msg = programme_msg(cfg, strcmp(about, "callback") == 0 ?
	    "feedback_ask_callback" : "feedback_ask", lang);
	if (msg == NULL)
		return (0);
	q = outbox_enqueue(db, "sms", dedupe, phone, json_pack("{s:s, s:s}",
	    "to", phone, "body", msg), now);
	if (q == -1)
		return (-1);
	if (q == OUTBOX_SUPPRESSED)
		return (db_exec(db, "DELETE FROM feedback_asks WHERE id = ?", "i",
		    id) == 0 ? 0 : -1);
	/* The window for an answer opens when the question goes. */
	if (db_exec(db, "UPDATE feedback_asks SET queued_at = ?, asked_at = ? "
	    "WHERE id = ?", "iii", (long long)now, (long long)now, id) != 0)
		return (-1);
	return (q > 0);
}

int
feedback_due(struct db *db, const struct config *cfg, time_t now)
{
	struct db_res	*r;
	struct due {
		long long	 id;
		char		*phone, *about, *lang, *dedupe;
		time_t		 at;
	}		*d = NULL;
	size_t		 n = 0, i;
	int		 rc, sent = 0, k;

	if (cfg->programme == NULL)
		return (0);
	r = db_query(db, "SELECT id, phone, about, language, dedupe, asked_at "
	    "FROM feedback_asks WHERE queued_at IS NULL AND asked_at <= ? "
	    "ORDER BY asked_at LIMIT 50", "i", (long long)now);
	if (r == NULL)
		return (-1);
	while ((rc = db_next(r)) == 1) {
		d = xreallocarray(d, n + 1, sizeof *d);
		d[n].id = db_int(r, 0);
		d[n].phone = xstrdup(db_text(r, 1));
		d[n].about = xstrdup(db_text(r, 2));
		d[n].lang = xstrdup(db_text(r, 3) ? db_text(r, 3) : "en");
		d[n].dedupe = xstrdup(db_text(r, 4) ? db_text(r, 4) : "");
		d[n].at = (time_t)db_int(r, 5);
		n++;
	}
	db_done(r);
	for (i = 0; i < n; i++) {
		if (rc != -1 && (k = feedback_send(db, cfg, d[i].id,
		    d[i].phone, d[i].about, d[i].lang, d[i].dedupe, d[i].at,
		    now)) < 0)
			rc = -1;
		else if (rc != -1)
			sent += k;
		free(d[i].phone);
		free(d[i].about);
		free(d[i].lang);
		free(d[i].dedupe);
	}
	free(d);
	return (rc == -1 ? -1 : sent);
}

int
feedback_answer(struct db *db, const struct config *cfg, const char *phone,
    int score, time_t now)
{
	const struct programme_cfg	*pc = cfg->programme;
	struct db_res			*r;
	struct tm			 tm;
	char				*about = NULL, *guide = NULL;
	char				*location = NULL, week[16];
	long long			 id = 0;
	int				 rc;

	r = db_query(db, "SELECT id, about, guide, location FROM feedback_asks "
	    "WHERE phone = ? AND answered_at IS NULL AND asked_at <= ? AND "
	    "asked_at > ? ORDER BY asked_at DESC LIMIT 1", "sii", phone,
	    (long long)now, (long long)(now - pc->answer_window));
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1) {
		id = db_int(r, 0);
		about = xstrdup(db_text(r, 1));
		guide = db_text(r, 2) ? xstrdup(db_text(r, 2)) : NULL;
		location = db_text(r, 3) ? xstrdup(db_text(r, 3)) : NULL;
	}
	db_done(r);
	if (rc != 1)
		goto done;
	/* The ISO week in the clinic's zone: "2026-W49". */
	if (util_localtime(report_zone(cfg), now, &tm) != 0 ||
	    strftime(week, sizeof week, "%G-W%V", &tm) == 0)
		snprintf(week, sizeof week, "unknown");
	if (db_exec(db, "UPDATE feedback_asks SET answered_at = ? WHERE id = ?",
	    "ii", (long long)now, id) != 0 ||
	    db_exec(db, "INSERT INTO feedback (score, about, guide, location, "
	    "week, at) VALUES (?, ?, ?, ?, ?, ?)", "issssi", (long long)score,
	    about, guide, location, week, (long long)now) != 0)
		rc = -1;
	else
		metrics_add("hotline_feedback_answers_total", "", 1);
done:
	free(about);
	free(guide);
	free(location);
	return (rc);
}

int
feedback_forget(struct db *db, const char *prefix)
{
	char	*like;
	int	 rc;

	xasprintf(&like, "%s%%", prefix);
	rc = db_exec(db, "DELETE FROM feedback_asks WHERE answered_at IS NULL "
	    "AND dedupe LIKE ?", "s", like);
	free(like);
	return (rc);
}

/*
 * Retention (retention.c's step, with the callbacks' period): questions
 * answered before cutoff, or asked then and never answered (their window
 * long shut).  The answers (feedback) hold no number and stay for the
 * report.
 */
#define FEEDBACK_OLD	"COALESCE(answered_at, asked_at) < ?"

long long
feedback_purge(struct db *db, time_t cutoff, int limit)
{
	return (db_purge(db, "SELECT COUNT(*) FROM feedback_asks WHERE "
	    FEEDBACK_OLD, "DELETE FROM feedback_asks WHERE id IN (SELECT id "
	    "FROM feedback_asks WHERE " FEEDBACK_OLD " LIMIT ?)", cutoff,
	    limit));
}
