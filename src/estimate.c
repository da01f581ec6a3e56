/*
 * estimate.c -- when a callback can be expected (see estimate.h).
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "estimate.h"
#include "location.h"
#include "util.h"

/* Chains of overlapping hours followed to find when a queue closes. */
#define ESTIMATE_SPANS 8

/*
 * When the queue stops being worked, if it is at now (else 0): the latest
 * closing of its open locations, followed through any location that is
 * open by then, so the shared queue closes when the last desk does.
 */
static time_t
estimate_closes(const struct location **q, size_t nq, time_t now)
{
	time_t	until = 0, t = now, c, ext;
	size_t	i;
	int	n;

	for (n = 0; n < ESTIMATE_SPANS; n++) {
		ext = 0;
		for (i = 0; i < nq; i++) {
			if ((c = location_closes_at(q[i], t)) > ext)
				ext = c;
		}
		if (ext <= t)
			break;
		until = t = ext;
	}
	return (until);
}

/*
 * What the opening hours say for a queue at a second (when it closes, and
 * the next opening after) is the same for everyone asking in that second:
 * remembered per thread for a few queues, keyed by the configuration's
 * generation so that a reload never reuses it (config.h).
 */
#define ESTIMATE_MEMO	8

struct estimate_memo {
	unsigned long		 gen;	/* 0: empty */
	const struct location	*queue;	/* NULL: the shared queue */
	time_t			 now;
	time_t			 until;	/* estimate_closes */
	int			 opening; /* opens_at and where are known */
	time_t			 opens_at;
	const struct location	*where;
};

static _Thread_local struct estimate_memo	estimate_memo[ESTIMATE_MEMO];
static _Thread_local unsigned int		estimate_memo_next;

void
estimate_wait(const struct config *cfg, const char *location, int position,
    const struct estimate_rate *rate, time_t now, struct estimate *e)
{
	const struct location	*q[64], *l = NULL;
	struct estimate_memo	*m = NULL, one;
	size_t			 nq = 0, i;
	time_t			 from, t;
	int			 each, staff;

	memset(e, 0, sizeof *e);
	if (location != NULL && (l = config_location(cfg, location)) != NULL)
		q[nq++] = l;
	else {
		for (i = 0; i < cfg->nlocations && nq < 64; i++)
			q[nq++] = &cfg->locations[i];
	}
	each = rate != NULL && rate->minutes_each > 0 ? rate->minutes_each : 1;
	staff = rate != NULL && rate->staff > 0 ? rate->staff : 1;
	if (position < 1)
		position = 1;
	e->minutes = (position * each + staff - 1) / staff;

	for (i = 0; cfg->generation != 0 && i < ESTIMATE_MEMO; i++) {
		m = &estimate_memo[i];
		if (m->gen == cfg->generation && m->queue == l &&
		    m->now == now)
			break;
		m = NULL;
	}
	if (m == NULL) {
		/* A configuration built by hand (generation 0): no memo. */
		m = cfg->generation != 0 ? &estimate_memo[estimate_memo_next++ %
		    ESTIMATE_MEMO] : &one;
		memset(m, 0, sizeof *m);
		m->queue = l;
		m->now = now;
		m->until = estimate_closes(q, nq, now);
		m->gen = cfg->generation;
	}
	if (m->until != 0 && now + (time_t)e->minutes * 60 <= m->until)
		return;
	/* Closed, or the line runs past closing: the next opening after. */
	e->later = 1;
	e->minutes = 0;
	if (!m->opening) {
		from = m->until != 0 ? m->until : now;
		for (i = 0; i < nq; i++) {
			t = location_next_open(q[i], from);
			if (t != 0 && (m->opens_at == 0 || t < m->opens_at)) {
				m->opens_at = t;
				m->where = q[i];
			}
		}
		m->opening = 1;
	}
	e->opens_at = m->opens_at;
	e->where = m->where;
}

void
estimate_opening_words(const struct config *cfg, const struct estimate *e,
    time_t now, int lang, char *buf, size_t len)
{
	int	es = lang >= 0 && (size_t)lang < cfg->nlangs &&
		    strcmp(cfg->langs[lang], "es") == 0;

	if (e->opens_at == 0 || e->where == NULL) {
		snprintf(buf, len, "%s", es ? "de nuevo" : "again");
		return;
	}
	location_when_text(e->where, e->opens_at, now, es ? 1 : 0, buf, len);
}

void
estimate_text(const struct config *cfg, const struct estimate *e, time_t now,
    char *buf, size_t len)
{
	char	when[64];

	if (!e->later) {
		snprintf(buf, len, "within %d minute%s", e->minutes,
		    e->minutes == 1 ? "" : "s");
		return;
	}
	estimate_opening_words(cfg, e, now, 0, when, sizeof when);
	snprintf(buf, len, "after we open %s", when);
}

json_t *
estimate_json(const struct config *cfg, const struct estimate *e, time_t now)
{
	char	text[128], ts[32];

	estimate_text(cfg, e, now, text, sizeof text);
	return (json_pack("{s:o, s:o, s:s}", "minutes", e->later ?
	    json_null() : json_integer(e->minutes), "opens_at", e->later &&
	    e->opens_at != 0 ? json_string(util_iso8601(e->opens_at, ts,
	    sizeof ts)) : json_null(), "text", text));
}
