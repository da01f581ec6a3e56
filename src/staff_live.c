/*
 * staff_live.c -- live events for the dashboard (GET /api/v1/events, a
 * long-polled Server-Sent Event; see staff.c) and the staff timer: held
 * requests answered when the queue changes or time is up, the queue's
 * fingerprint while anyone listens, stale claims returned and waiting
 * too long announced.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include "auth.h"
#include "callback.h"
#include "config.h"
#include "escalate.h"
#include "hotline.h"
#include "http.h"
#include "inbox.h"
#include "lease.h"
#include "live.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "optout.h"
#include "outbox.h"
#include "programme.h"
#include "pwcheck.h"
#include "staff_private.h"
#include "store.h"
#include "twiml.h"
#include "util.h"
#include "xmalloc.h"

/* --- live events ---------------------------------------------------------- */

static void
staff_event_reply(struct staff *s, struct hreq *r, int changed)
{
	char	*body;
	int	 n;

	if (changed)
		n = xasprintf(&body, "retry: 300\nid: %lld\nevent: queue\n"
		    "data: {\"seq\":%lld}\n\n", s->seq, s->seq);
	else
		n = xasprintf(&body, "retry: 300\nid: %lld\n: nothing new\n\n",
		    s->seq);
	http_reply(r, 200, "text/event-stream; charset=utf-8", body,
	    (size_t)n);
	free(body);
}

void
staff_events_start(struct staff *s, struct hreq *r)
{
	const char	*h;
	long long	 last = -1;
	char		*end;

	if ((h = http_header(r, "Last-Event-ID")) != NULL ||
	    (h = form_get(&r->args, "last")) != NULL) {
		errno = 0;
		last = strtoll(h, &end, 10);
		if (errno != 0 || *end != '\0')
			last = -1;
	}
	/* A new listener, or one that missed something: tell it now. */
	if (last != s->seq || s->nwaiters == STAFF_MAX_WAITERS ||
	    s->hl->stopping) {
		staff_event_reply(s, r, 1);
		return;
	}
	s->waiters[s->nwaiters].r = r;
	s->waiters[s->nwaiters].deadline = util_mono_ms() + STAFF_HOLD_MS;
	s->nwaiters++;
}

static void
staff_wake(struct staff *s, long long seq)
{
	int	i;

	s->seq = seq;
	for (i = 0; i < s->nwaiters; i++)
		staff_event_reply(s, s->waiters[i].r, 1);
	s->nwaiters = 0;
}

void
staff_bump(struct staff *s)
{
	/* The store numbers changes for every instance: staff_live_cb. */
	if (live_up(s->hl->live))
		return;
	staff_wake(s, s->seq + 1);
}

/* A change committed by any instance on the shared store (live.c). */
void
staff_live_cb(long long seq, void *arg)
{
	staff_wake(arg, seq);
}

void
staff_events_cb(struct hreq *r)
{
	struct staff_job	*j;

	j = staff_job_new(r, OP_EVENTS);
	if (staff_credentials(j, 0) == 0)
		staff_submit(j);
}

/* --- the timer ------------------------------------------------------------ */

struct staff_maint {
	struct staff	*s;
	struct config	*cfg;
	time_t		 now;
	int		 expired;
	int		 notified;
	int		 bump;
	char		*fp;
};

static int
staff_maint_tx(struct db *db, void *arg)
{
	struct staff_maint	*m = arg;
	int			 n;

	if ((m->expired = callback_expire_claims(db, m->cfg, m->now)) < 0)
		return (-1);
	if ((m->notified = notify_waiting(db, m->cfg, m->now)) < 0 ||
	    (n = escalate_due(db, m->cfg, m->now)) < 0)
		return (-1);
	/* A page sent is news on the dashboard too. */
	if (n > 0)
		callback_mark_changed();
	m->notified += n;
	/* "How helpful was this?" questions now due (feedback.c). */
	if ((n = feedback_due(db, m->cfg, m->now)) < 0)
		return (-1);
	m->notified += n;
	return (0);
}

static void
staff_maint_done(int ok, void *arg)
{
	struct staff_maint	*m = arg;
	struct staff		*s = m->s;

	s->maint_busy = 0;
	if (ok && m->notified > 0)
		outbox_kick(s->hl->outbox);
	if (ok && m->expired > 0)
		staff_bump(s);
	config_unref(m->cfg);
	free(m);
}

static int
staff_fp_tx(struct db *db, void *arg)
{
	struct staff_maint	*m = arg;
	char			*old, *mark;

	if (callback_fingerprint(db, &m->fp) != 0)
		return (-1);
	/*
	 * The dispatcher gives up on a message without telling anyone in
	 * this process; the failed rows are part of what staff watch.
	 */
	if (outbox_failed_mark(db, &mark) != 0)
		return (-1);
	old = m->fp;
	xasprintf(&m->fp, "%s/%s", old, mark);
	free(old);
	free(mark);
	/* The inbox (inbox.c), written by other instances too. */
	if (inbox_fingerprint(db, &mark) != 0)
		return (-1);
	old = m->fp;
	xasprintf(&m->fp, "%s/%s", old, mark);
	free(old);
	free(mark);
	return (0);
}

static void
staff_fp_done(int ok, void *arg)
{
	struct staff_maint	*m = arg;
	struct staff		*s = m->s;

	s->fp_busy = 0;
	if (m->bump)
		staff_bump(s);
	if (ok && m->fp != NULL) {
		if (!m->bump && s->fp != NULL && strcmp(s->fp, m->fp) != 0)
			staff_bump(s);
		free(s->fp);
		s->fp = m->fp;
		m->fp = NULL;
	}
	free(m->fp);
	free(m);
}

void
staff_tick(evutil_socket_t fd, short what, void *arg)
{
	struct staff		*s = arg;
	struct staff_maint	*m;
	long long		 now = util_mono_ms();
	int			 i, k;

	(void)fd;
	(void)what;
	if (s->hl->stopping) {
		/* Let the drain finish: held event requests are answered. */
		for (i = 0; i < s->nwaiters; i++)
			staff_event_reply(s, s->waiters[i].r, 0);
		s->nwaiters = 0;
		return;
	}
	for (i = k = 0; i < s->nwaiters; i++) {
		if (s->waiters[i].deadline <= now)
			staff_event_reply(s, s->waiters[i].r, 0);
		else
			s->waiters[k++] = s->waiters[i];
	}
	s->nwaiters = k;
	if (callback_take_changed()) {
		/* Rows the voice and SMS paths queued: deliver, and look. */
		outbox_kick(s->hl->outbox);
		s->fp_force = 1;
		s->fp_bump = 1;
	}
	if (!s->maint_busy && now - s->maint_last >= STAFF_MAINT_MS &&
	    lease_held("callback-timers")) {
		m = xcalloc(1, sizeof *m);
		m->s = s;
		m->cfg = config_ref(hotline_config(s->hl));
		m->now = util_now();
		s->maint_busy = 1;
		s->maint_last = now;
		if (store_submit(s->hl->store, staff_maint_tx, staff_maint_done,
		    m) != 0) {
			s->maint_busy = 0;
			config_unref(m->cfg);
			free(m);
		}
	}
	if (!s->fp_busy && !live_up(s->hl->live) && (s->fp_force ||
	    (s->nwaiters > 0 && now - s->fp_last >= STAFF_FP_MS))) {
		m = xcalloc(1, sizeof *m);
		m->s = s;
		/*
		 * The change was made by a transaction already handed to the
		 * store; this job runs after it, so listeners who refetch on
		 * the bump see it.
		 */
		m->bump = s->fp_bump;
		s->fp_bump = 0;
		s->fp_busy = 1;
		s->fp_force = 0;
		s->fp_last = now;
		if (store_submit(s->hl->store, staff_fp_tx, staff_fp_done,
		    m) != 0) {
			s->fp_busy = 0;
			s->fp_bump = m->bump;
			free(m);
		}
	}
}
