/*
 * programme.c -- the programmes table (see programme.h): enrolments in
 * the daily stretch programme, their scheduled texts (outbox rows keyed
 * "programme:ID:day:N") and their end.  All in the caller's transaction.
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
#include "store.h"
#include "xmalloc.h"

int
programme_facts(struct db *db, const char *phone, struct programme_facts *f)
{
	char		 prefix[64];
	long long	 id = 0, days = 0;

	memset(f, 0, sizeof *f);
	/* One active at a time (DAILY while active changes nothing). */
	if (db_pair_query(db, &id, &days, "SELECT MAX(id), MAX(days) FROM "
	    "programmes WHERE phone = ? AND status = 'active'", "s", phone) != 0)
		return (-1);
	if (id == 0)
		return (0);
	snprintf(prefix, sizeof prefix, PROGRAMME_KEY_FMT, id);
	if (outbox_scheduled(db, prefix, &f->pending, (long long *)&f->next_at)
	    != 0)
		return (-1);
	if (f->pending == 0) {
		/* Every day has gone (or was skipped): it is over. */
		if (db_exec(db, "UPDATE programmes SET status = 'finished', "
		    "ended_at = (SELECT MAX(updated_at) FROM outbox WHERE "
		    "dedupe LIKE ?) WHERE id = ?", "si", prefix, id) != 0)
			return (-1);
		return (0);
	}
	f->id = id;
	f->days = (int)days;
	return (0);
}

/* End programme id (status: paused or stopped) and cancel its texts. */
static int
programme_end(struct db *db, long long id, const char *status, time_t now)
{
	char	prefix[64];

	snprintf(prefix, sizeof prefix, PROGRAMME_KEY_FMT, id);
	if (db_exec(db, "UPDATE programmes SET status = ?, ended_at = ? WHERE "
	    "id = ?", "sii", status, (long long)now, id) != 0 ||
	    outbox_cancel_scheduled(db, prefix, now) < 0 ||
	    feedback_forget(db, prefix) != 0)
		return (-1);
	return (0);
}

int
programme_stop(struct db *db, const char *phone, const char *why,
    time_t now)
{
	struct db_res	*r;
	long long	*ids = NULL;
	size_t		 n = 0, i;
	int		 rc;

	(void)why;
	r = db_query(db, "SELECT id FROM programmes WHERE phone = ? AND "
	    "status = 'active'", "s", phone);
	if (r == NULL)
		return (-1);
	while ((rc = db_next(r)) == 1) {
		ids = xreallocarray(ids, n + 1, sizeof *ids);
		ids[n++] = db_int(r, 0);
	}
	db_done(r);
	for (i = 0; rc != -1 && i < n; i++)
		if (programme_end(db, ids[i], "stopped", now) != 0)
			rc = -1;
	free(ids);
	return (rc == -1 ? -1 : 0);
}

int
programme_apply(struct db *db, const struct config *cfg, const char *phone,
    const char *source, const struct programme_plan *p, time_t now)
{
	struct programme_facts	 f;
	struct db_res		*r;
	const struct programme_text *t;
	char			 key[96];
	long long		 id = 0, rc;
	size_t			 i;

	if (p->end) {
		if (programme_facts(db, phone, &f) != 0)
			return (-1);
		if (f.id != 0 && programme_end(db, f.id, "paused", now) != 0)
			return (-1);
		metrics_add("hotline_programme_ended_total", "why=\"pause\"", 1);
		return (0);
	}
	if (!p->enrol || p->ntexts == 0)
		return (0);
	r = db_query(db, "INSERT INTO programmes (phone, language, source, "
	    "minute, days, status, started_at, first_at) VALUES (?, ?, ?, ?, "
	    "?, 'active', ?, ?) RETURNING id", "sssiiii", phone,
	    cfg->langs[p->lang], source, (long long)p->minute,
	    (long long)p->ntexts, (long long)now,
	    (long long)p->texts[0].not_before);
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1)
		id = db_int(r, 0);
	db_done(r);
	if (rc != 1)
		return (-1);
	for (i = 0; i < p->ntexts; i++) {
		t = &p->texts[i];
		snprintf(key, sizeof key, PROGRAMME_KEY_FMT "day:%d", id, t->day);
		rc = outbox_schedule(db, "sms", key, phone, json_pack("{s:s, "
		    "s:s}", "to", phone, "body", t->body), now, t->send_after,
		    t->not_before);
		if (rc == -1)
			return (-1);
	}
	/* The last day asks how it went: a digit after it is an answer. */
	snprintf(key, sizeof key, PROGRAMME_KEY_FMT "day:%zu", id, p->ntexts);
	if (feedback_ask(db, cfg, phone, "programme", NULL, NULL, key, p->lang,
	    0, p->texts[p->ntexts - 1].not_before, now) < 0)
		return (-1);
	metrics_add("hotline_programme_enrolled_total", source[0] == 'v' ?
	    "source=\"voice\"" : "source=\"sms\"", 1);
	return (0);
}

int
programme_enrol_call(struct db *db, const struct config *cfg,
    const char *phone, int lang, time_t now)
{
	struct programme_facts	f;
	struct programme_plan	p;
	int			rc;

	if (programme_facts(db, phone, &f) != 0)
		return (-1);
	if (f.id != 0)
		return (0);	/* already in it: nothing new */
	programme_decide(cfg, PROG_DAILY, lang, -1, quiet_zone(cfg, phone), &f,
	    now, &p);
	rc = programme_apply(db, cfg, phone, "voice", &p, now);
	/* Say so in a text too: how to pause and check. */
	if (rc == 0 && p.reply != NULL) {
		char	key[96];

		snprintf(key, sizeof key, "programme:enrolled:%s:%lld", phone,
		    (long long)now);
		if (outbox_enqueue(db, "sms", key, phone, json_pack("{s:s, "
		    "s:s}", "to", phone, "body", p.reply), now) == -1)
			rc = -1;
	}
	programme_plan_free(&p);
	return (rc);
}

int
programme_text(struct db *db, const struct config *cfg, const char *phone,
    const char *norm, int number_lang, int throttled, time_t now,
    struct programme_reply *out)
{
	struct programme_facts	f;
	struct programme_plan	p;
	enum prog_word		w;
	const char		*t;
	int			lang, minute, score, rc;

	memset(out, 0, sizeof *out);
	out->lang = number_lang;
	/* A digit from a number that was asked: its answer. */
	if ((score = programme_score(norm)) > 0) {
		if ((rc = feedback_answer(db, cfg, phone, score, now)) != 1)
			return (rc);
		out->keyword = "feedback";
		if (!throttled && (t = programme_msg(cfg, "feedback_thanks",
		    number_lang)) != NULL)
			out->reply = xstrdup(t);
		return (1);
	}
	if ((w = programme_word(cfg, norm, &lang, &minute)) == PROG_NONE)
		return (0);
	if (programme_facts(db, phone, &f) != 0)
		return (-1);
	programme_decide(cfg, w, lang, minute, quiet_zone(cfg, phone), &f, now,
	    &p);
	if (programme_apply(db, cfg, phone, "sms", &p, now) != 0) {
		programme_plan_free(&p);
		return (-1);
	}
	out->keyword = w == PROG_DAILY ? "daily" : w == PROG_PAUSE ? "pause" :
	    "status";
	out->lang = lang;
	if (!throttled) {
		out->reply = p.reply;
		p.reply = NULL;
	}
	programme_plan_free(&p);
	return (1);
}

/*
 * Retention (retention.c's step, with the callbacks' period): programmes
 * over before cutoff -- paused, stopped or finished then, or still marked
 * active though their last day was then (nobody texted to mark them).
 */
#define PROGRAMME_OVER	"COALESCE(ended_at, first_at + days * 86400) < ?"

long long
programme_purge(struct db *db, time_t cutoff, int limit)
{
	return (db_purge(db, "SELECT COUNT(*) FROM programmes WHERE "
	    PROGRAMME_OVER, "DELETE FROM programmes WHERE id IN (SELECT id "
	    "FROM programmes WHERE " PROGRAMME_OVER " LIMIT ?)", cutoff,
	    limit));
}
