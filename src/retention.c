/*
 * retention.c -- forgetting on time (see retention.h).
 *
 * What the store keeps about people is cleared or deleted once the days
 * configured under `retention:` in hotline.yaml have passed:
 *
 *   bodies       what texts said (messages.body) and the outbound
 *                messages that are finished (outbox: number and text)
 *   recordings   voicemail links of finished callbacks (the entry's and
 *                each request's), with the provider's words for them,
 *                and each instance's copies of the audio (recording.c)
 *   transcripts  the words of finished callbacks' requests (what the
 *                person said or texted), and the stored answers to
 *                webhooks (what the hotline said and texted back, kept to
 *                answer a redelivered webhook the same way)
 *   callbacks    finished callbacks, their requests, their notes and
 *                their red-flag escalations (and pages)
 *   events       report events, call records and the records of texts
 *                (number, keyword, status)
 *
 * The staff inbox (inbox.c) goes the same way once staff marked an item
 * done: what it and its replies said with the bodies, the rows with the
 * events.  Appointments no longer waiting on staff, once their visit and
 * last change are past: what the person wrote with the transcripts, their
 * number with the callbacks (the row stays: the report counts it), the
 * row with the events.  Daily programmes over, and feedback questions
 * answered or asked, with the callbacks (the answers hold no number and
 * stay).  An appointment conversation left a day is over: it goes then,
 * whatever is configured.
 *
 * Opt-outs and their audit trail are never purged: STOP must keep
 * winning.  Open callbacks and messages still being sent are never
 * touched, however old.
 *
 * Each table has one function below: its owner module holds the SQL
 * (inbox.c, recording.c, programme.c, feedback.c, appointment.c), or the
 * function does until the owner takes it over.  A step removes at most
 * RETENTION_BATCH rows, so a purge is many short transactions that never
 * hold the store long: hotlined runs one step per store job from a timer,
 * one after another, and `hotline purge` commits each step on its own.
 * Instances sharing a store purge one at a time: the one holding the
 * "retention" lease.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "appointment.h"
#include "config.h"
#include "hotline.h"
#include "inbox.h"
#include "lease.h"
#include "log.h"
#include "metrics.h"
#include "programme.h"
#include "recording.h"
#include "retention.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* The first pass soon after start, then one every so often. */
#define RETENTION_FIRST_MS	2000
#define RETENTION_EVERY_MS	(15 * 60 * 1000)
/* Without the lease, look again this soon: its holder may be gone. */
#define RETENTION_LEASE_MS	(2 * LEASE_TTL_MS)

enum retention_kind {
	RET_BODIES, RET_RECORDINGS, RET_TRANSCRIPTS, RET_CALLBACKS, RET_EVENTS,
	RET_CONVERSATIONS
};

static const char *const retention_kinds[] = {
	"bodies", "recordings", "transcripts", "callbacks", "events",
	"conversation"
};

/*
 * The statements of a step, as string literals put together by the
 * compiler (the store caches prepared statements by their text's
 * address): the rows of table past retention are those matching where,
 * whose one '?' is the cutoff; key is the table's primary key.
 */
#define RETENTION_COUNT(table, where)					\
	"SELECT COUNT(*) FROM " table " WHERE " where
#define RETENTION_DELETE(table, key, where)				\
	"DELETE FROM " table " WHERE " key " IN (SELECT " key " FROM "	\
	table " WHERE " where " LIMIT ?)"
#define RETENTION_CLEAR(table, key, set, where)				\
	"UPDATE " table " SET " set " WHERE " key " IN (SELECT " key	\
	" FROM " table " WHERE " where " LIMIT ?)"

/* Count (limit 0) with count, else purge at most limit rows.  How many, or -1. */
static long long
retention_apply(struct db *db, const char *count, const char *purge,
    time_t cutoff, int limit)
{
	return (db_purge(db, count, purge, cutoff, limit));
}

/* --- one function per table ---------------------------------------------- */

static long long
retention_messages(struct db *db, enum retention_kind kind, time_t cutoff,
    int limit)
{
#define BODIES "body IS NOT NULL AND at < ?"
#define RECORDS "at < ?"
	if (kind == RET_BODIES)
		return (retention_apply(db, RETENTION_COUNT("messages", BODIES),
		    RETENTION_CLEAR("messages", "id", "body = NULL", BODIES),
		    cutoff, limit));
	return (retention_apply(db, RETENTION_COUNT("messages", RECORDS),
	    RETENTION_DELETE("messages", "id", RECORDS), cutoff, limit));
#undef BODIES
#undef RECORDS
}

static long long
retention_outbox(struct db *db, enum retention_kind kind, time_t cutoff,
    int limit)
{
	/* Sent, delivered, failed or suppressed: nothing left to do. */
#define FINISHED "status NOT IN ('pending', 'sending') AND updated_at < ?"
	return (retention_apply(db, RETENTION_COUNT("outbox", FINISHED),
	    RETENTION_DELETE("outbox", "id", FINISHED), cutoff, limit));
#undef FINISHED
}

static long long
retention_webhooks(struct db *db, enum retention_kind kind, time_t cutoff,
    int limit)
{
	return (retention_apply(db, RETENTION_COUNT("webhooks", "at < ?"),
	    RETENTION_DELETE("webhooks", "key", "at < ?"), cutoff, limit));
}

/* A callback is finished when it is neither waiting nor claimed. */
#define RETENTION_CB_FINISHED	"status NOT IN ('waiting', 'claimed')"

static long long
retention_callbacks(struct db *db, enum retention_kind kind, time_t cutoff,
    int limit)
{
#define RECORDED "recording_url IS NOT NULL AND " RETENTION_CB_FINISHED \
	" AND updated_at < ?"
	/* Only once their notes and requests are gone (the steps before). */
#define OLD RETENTION_CB_FINISHED " AND updated_at < ? AND NOT EXISTS " \
	"(SELECT 1 FROM callback_notes n WHERE n.callback_id = callbacks.id) " \
	"AND NOT EXISTS (SELECT 1 FROM callback_requests q WHERE " \
	"q.callback_id = callbacks.id)"
	if (kind == RET_RECORDINGS)
		return (retention_apply(db, RETENTION_COUNT("callbacks",
		    RECORDED), RETENTION_CLEAR("callbacks", "id",
		    "recording_url = NULL", RECORDED), cutoff, limit));
	return (retention_apply(db, RETENTION_COUNT("callbacks", OLD),
	    RETENTION_DELETE("callbacks", "id", OLD), cutoff, limit));
#undef RECORDED
#undef OLD
}

/* The requests of finished callbacks: their recordings, words, rows. */
static long long
retention_callback_requests(struct db *db, enum retention_kind kind,
    time_t cutoff, int limit)
{
#define OLD "callback_id IN (SELECT id FROM callbacks WHERE " \
	RETENTION_CB_FINISHED " AND updated_at < ?)"
	if (kind == RET_RECORDINGS)
		return (retention_apply(db, RETENTION_COUNT("callback_requests",
		    "recording_url IS NOT NULL AND " OLD),
		    RETENTION_CLEAR("callback_requests", "id",
		    "recording_url = NULL", "recording_url IS NOT NULL AND " OLD),
		    cutoff, limit));
	if (kind == RET_TRANSCRIPTS)
		return (retention_apply(db, RETENTION_COUNT("callback_requests",
		    "text IS NOT NULL AND " OLD),
		    RETENTION_CLEAR("callback_requests", "id", "text = NULL",
		    "text IS NOT NULL AND " OLD), cutoff, limit));
	return (retention_apply(db, RETENTION_COUNT("callback_requests", OLD),
	    RETENTION_DELETE("callback_requests", "id", OLD), cutoff, limit));
#undef OLD
}

/* The provider's words for voicemails whose links are gone (recording.c). */
static long long
retention_transcriptions(struct db *db, enum retention_kind kind,
    time_t cutoff, int limit)
{
	return (recording_purge(db, cutoff, limit));
}

static long long
retention_callback_notes(struct db *db, enum retention_kind kind,
    time_t cutoff, int limit)
{
#define OLD "callback_id IN (SELECT id FROM callbacks WHERE " \
	RETENTION_CB_FINISHED " AND updated_at < ?)"
	return (retention_apply(db, RETENTION_COUNT("callback_notes", OLD),
	    RETENTION_DELETE("callback_notes", "id", OLD), cutoff, limit));
#undef OLD
}

/* Red-flag escalations (escalate.c) of finished callbacks, pages first. */
#define RETENTION_ESC_OLD "callback_id IN (SELECT id FROM callbacks WHERE " \
	RETENTION_CB_FINISHED " AND updated_at < ?)"

static long long
retention_escalation_pages(struct db *db, enum retention_kind kind,
    time_t cutoff, int limit)
{
#define OLD "escalation_id IN (SELECT id FROM escalations WHERE " \
	RETENTION_ESC_OLD ")"
	return (retention_apply(db, RETENTION_COUNT("escalation_pages", OLD),
	    RETENTION_DELETE("escalation_pages", "id", OLD), cutoff, limit));
#undef OLD
}

static long long
retention_escalations(struct db *db, enum retention_kind kind, time_t cutoff,
    int limit)
{
	return (retention_apply(db, RETENTION_COUNT("escalations",
	    RETENTION_ESC_OLD), RETENTION_DELETE("escalations", "id",
	    RETENTION_ESC_OLD), cutoff, limit));
}

static long long
retention_events(struct db *db, enum retention_kind kind, time_t cutoff,
    int limit)
{
	return (retention_apply(db, RETENTION_COUNT("events", "at < ?"),
	    RETENTION_DELETE("events", "id", "at < ?"), cutoff, limit));
}

static long long
retention_calls(struct db *db, enum retention_kind kind, time_t cutoff,
    int limit)
{
	return (retention_apply(db, RETENTION_COUNT("calls", "started_at < ?"),
	    RETENTION_DELETE("calls", "call_sid", "started_at < ?"), cutoff,
	    limit));
}

/* The staff inbox's (inbox.c holds the SQL): items marked done. */
static long long
retention_inbox(struct db *db, enum retention_kind kind, time_t cutoff,
    int limit)
{
	if (kind == RET_BODIES)
		return (inbox_retention(db, INBOX_RET_BODIES, cutoff, limit));
	return (inbox_retention(db, INBOX_RET_ITEMS, cutoff, limit));
}

static long long
retention_inbox_replies(struct db *db, enum retention_kind kind,
    time_t cutoff, int limit)
{
	if (kind == RET_BODIES)
		return (inbox_retention(db, INBOX_RET_REPLY_BODIES, cutoff,
		    limit));
	return (inbox_retention(db, INBOX_RET_REPLIES, cutoff, limit));
}

/* The daily programme's (programme.c, feedback.c hold the SQL). */
static long long
retention_programmes(struct db *db, enum retention_kind kind, time_t cutoff,
    int limit)
{
	return (programme_purge(db, cutoff, limit));
}

static long long
retention_feedback_asks(struct db *db, enum retention_kind kind,
    time_t cutoff, int limit)
{
	return (feedback_purge(db, cutoff, limit));
}

/* Appointments (appointment.c holds the SQL): words, numbers, rows. */
static long long
retention_appointments(struct db *db, enum retention_kind kind,
    time_t cutoff, int limit)
{
	enum appt_purge	what;

	if (kind == RET_TRANSCRIPTS)
		what = APPT_PURGE_WORDS;
	else if (kind == RET_CALLBACKS)
		what = APPT_PURGE_NUMBERS;
	else if (kind == RET_CONVERSATIONS)
		what = APPT_PURGE_CONVOS;
	else
		what = APPT_PURGE_ROWS;
	return (appointment_purge(db, what, cutoff, limit));
}

/* --- the steps ------------------------------------------------------------ */

static const struct retention_step {
	enum retention_kind	 kind;
	const char		*what;
	long long		 (*fn)(struct db *, enum retention_kind, time_t,
				     int);
} retention_steps[] = {
	{ RET_BODIES, "text message bodies", retention_messages },
	{ RET_BODIES, "finished outbound messages", retention_outbox },
	{ RET_BODIES, "inbox texts marked done", retention_inbox },
	{ RET_BODIES, "inbox replies", retention_inbox_replies },
	{ RET_RECORDINGS, "voicemail links", retention_callbacks },
	{ RET_RECORDINGS, "voicemail links of requests",
	    retention_callback_requests },
	{ RET_RECORDINGS, "words of voicemails", retention_transcriptions },
	{ RET_TRANSCRIPTS, "words of callback requests",
	    retention_callback_requests },
	{ RET_TRANSCRIPTS, "stored webhook answers", retention_webhooks },
	{ RET_TRANSCRIPTS, "words of past appointments",
	    retention_appointments },
	{ RET_CALLBACKS, "callback requests", retention_callback_requests },
	{ RET_CALLBACKS, "callback notes", retention_callback_notes },
	{ RET_CALLBACKS, "red-flag pages", retention_escalation_pages },
	{ RET_CALLBACKS, "red-flag escalations", retention_escalations },
	{ RET_CALLBACKS, "finished callbacks", retention_callbacks },
	{ RET_CALLBACKS, "numbers of past appointments",
	    retention_appointments },
	{ RET_CALLBACKS, "ended daily programmes", retention_programmes },
	{ RET_CALLBACKS, "feedback questions asked", retention_feedback_asks },
	{ RET_EVENTS, "report events", retention_events },
	{ RET_EVENTS, "call records", retention_calls },
	{ RET_EVENTS, "text message records", retention_messages },
	{ RET_EVENTS, "inbox reply records", retention_inbox_replies },
	{ RET_EVENTS, "inbox records", retention_inbox },
	{ RET_EVENTS, "appointment records", retention_appointments },
	{ RET_CONVERSATIONS, "appointment conversations left",
	    retention_appointments },
};

#define RETENTION_NSTEPS (sizeof retention_steps / sizeof retention_steps[0])

size_t
retention_nsteps(void)
{
	return (RETENTION_NSTEPS);
}

const char *
retention_kind(size_t step)
{
	return (retention_kinds[retention_steps[step].kind]);
}

const char *
retention_what(size_t step)
{
	return (retention_steps[step].what);
}

int
retention_days(const struct config *cfg, size_t step)
{
	switch (retention_steps[step].kind) {
	case RET_BODIES:
		return (cfg->retention.bodies);
	case RET_RECORDINGS:
		return (cfg->retention.recordings);
	case RET_TRANSCRIPTS:
		return (cfg->retention.transcripts);
	case RET_CALLBACKS:
		return (cfg->retention.callbacks);
	case RET_EVENTS:
		return (cfg->retention.events);
	case RET_CONVERSATIONS:
		/* Over after a day (appointment.c), whatever is configured. */
		return ((APPT_CONVO_SECS + 86399) / 86400);
	}
	return (0);
}

long long
retention_run(struct db *db, const struct config *cfg, size_t step,
    time_t now, int limit)
{
	int	days = retention_days(cfg, step);

	if (days <= 0)
		return (0);
	return (retention_steps[step].fn(db, retention_steps[step].kind,
	    now - (time_t)days * 86400, limit));
}

/* --- in hotlined: a timer and a chain of store jobs ----------------------- */

struct retention {
	struct hotline	*hl;
	struct event	*timer;
	int		 busy;
	size_t		 step;
	long long	 removed[RETENTION_NSTEPS];
};

struct retention_job {
	struct retention	*rt;
	struct config		*cfg;
	time_t			 now;
	size_t			 step;
	long long		 n;
};

static void	retention_next(struct retention *);

static int
retention_tx(struct db *db, void *arg)
{
	struct retention_job	*j = arg;

	j->n = retention_run(db, j->cfg, j->step, j->now, RETENTION_BATCH);
	return (j->n < 0 ? -1 : 0);
}

static void
retention_done(int ok, void *arg)
{
	struct retention_job	*j = arg;
	struct retention	*rt = j->rt;
	char			 labels[64];

	config_unref(j->cfg);
	if (!ok) {
		log_warn("retention: %s not purged (store error); trying "
		    "again later", retention_what(j->step));
		rt->busy = 0;
		free(j);
		return;
	}
	rt->removed[j->step] += j->n;
	snprintf(labels, sizeof labels, "kind=\"%s\"", retention_kind(j->step));
	metrics_add("hotline_retention_purged_total", labels, (double)j->n);
	/* A full batch: there may be more of the same. */
	if (j->n < RETENTION_BATCH)
		rt->step++;
	free(j);
	retention_next(rt);
}

/* Submit the next batch, or end the pass. */
static void
retention_next(struct retention *rt)
{
	struct retention_job	*j;
	size_t			 i;

	/* Another instance took over (or this one is stopping): it goes on. */
	if (!lease_held("retention")) {
		rt->busy = 0;
		return;
	}
	if (rt->step >= RETENTION_NSTEPS) {
		for (i = 0; i < RETENTION_NSTEPS; i++) {
			if (rt->removed[i] > 0)
				log_info("retention: %lld %s purged (older than "
				    "%d days)", rt->removed[i], retention_what(i),
				    retention_days(hotline_config(rt->hl), i));
		}
		rt->busy = 0;
		return;
	}
	j = xcalloc(1, sizeof *j);
	j->rt = rt;
	j->cfg = config_ref(hotline_config(rt->hl));
	j->now = util_now();
	j->step = rt->step;
	if (store_submit(rt->hl->store, retention_tx, retention_done, j) != 0) {
		config_unref(j->cfg);
		free(j);
		rt->busy = 0;
	}
}

static void
retention_tick(evutil_socket_t fd, short what, void *arg)
{
	struct retention	*rt = arg;
	struct timeval		 tv = { RETENTION_EVERY_MS / 1000, 0 };
	struct timeval		 soon = { RETENTION_LEASE_MS / 1000, 0 };

	/* Each instance keeps its own copies of voicemails (recording.c). */
	recording_sweep(hotline_config(rt->hl), util_now(), 0);
	if (!lease_held("retention")) {
		evtimer_add(rt->timer, &soon);
		return;
	}
	evtimer_add(rt->timer, &tv);
	if (rt->busy)
		return;
	rt->busy = 1;
	rt->step = 0;
	memset(rt->removed, 0, sizeof rt->removed);
	retention_next(rt);
}

void
retention_init(struct hotline *hl)
{
	struct retention	*rt;
	struct timeval		 tv = { 0, RETENTION_FIRST_MS * 1000 };

	rt = xcalloc(1, sizeof *rt);
	rt->hl = hl;
	rt->timer = evtimer_new(hl->base, retention_tick, rt);
	evtimer_add(rt->timer, &tv);
	metrics_help("hotline_retention_purged_total", "counter",
	    "Rows deleted or cleared because their retention period passed.");
	hl->retention = rt;
}

void
retention_free(struct retention *rt)
{
	if (rt == NULL)
		return;
	event_free(rt->timer);
	free(rt);
}
