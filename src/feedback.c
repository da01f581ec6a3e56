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
    const char *dedupe, const char *body, time_t when, time_t now)
{
	const struct programme_cfg	*pc = cfg->programme;
	long long			 n = 0;
	time_t				 not_before;

	/* At most one ask a week per number (every_days). */
	if (db_int_query(db, &n, "SELECT COUNT(*) FROM feedback_asks WHERE "
	    "phone = ? AND asked_at > ?", "si", phone,
	    (long long)(now - pc->ask_every)) != 0)
		return (-1);
	if (n > 0)
		return (0);
	not_before = when;
	if (body != NULL) {
		not_before = quiet_next_allowed(cfg, phone, when);
		switch (outbox_schedule(db, "sms", dedupe, phone,
		    json_pack("{s:s, s:s}", "to", phone, "body", body), now,
		    when, not_before)) {
		case -1:
			return (-1);
		case 0:
		case OUTBOX_SUPPRESSED:
			return (0);
		}
	}
	if (db_exec(db, "INSERT INTO feedback_asks (phone, about, guide, "
	    "location, asked_at, dedupe) VALUES (?, ?, ?, ?, ?, ?)", "ssssis",
	    phone, about, guide, location, (long long)not_before, dedupe) != 0)
		return (-1);
	return (1);
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
