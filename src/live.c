/*
 * live.c -- changes staff watch, across instances (see live.h).
 *
 * Writer: live_mark() sets a flag of the store thread running the
 * transaction; just before COMMIT, live_commit() bumps live_seq.n and
 * sends NOTIFY with the new number, both inside the transaction, so the
 * notification leaves when (and only if) the change is committed.  The row
 * lock on live_seq orders announcing commits, so the numbers reach every
 * listener in increasing order and each instance hands its dashboards the
 * same ids: a browser that reconnects to another instance behind the load
 * balancer is not told of a change it has already seen.  The lock is taken
 * as the last statement before COMMIT, when the transaction waits on
 * nothing else, so it cannot close a deadlock; it does make announcing
 * commits (queue changes, not every webhook) wait for one another.
 *
 * Listener: one connection per instance, apart from the store threads'.
 * It is made on a short-lived thread (libpq resolves host names and does
 * TLS synchronously while connecting), which also runs LISTEN and reads
 * the change number.  The loop then owns it, in non-blocking mode, and
 * reads it when its socket is readable: PQconsumeInput and PQnotifies
 * never wait.  When it drops, it is made again after a backoff, and the
 * number read on reconnecting says whether anything was missed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#ifdef HAVE_PQ
#include <libpq-fe.h>
#endif

#include "config.h"
#include "hotline.h"
#include "live.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "xmalloc.h"

#define LIVE_CHANNEL		"hotline_live"
#define LIVE_BACKOFF_MIN_MS	250
#define LIVE_BACKOFF_MAX_MS	30000

static _Thread_local int	live_marked;

void
live_mark(void)
{
	live_marked = 1;
}

int
live_commit(struct db *db)
{
	if (!live_marked)
		return (0);
	live_marked = 0;
	/*
	 * A store no other instance uses has nobody to tell: staff.c hears
	 * of this process's own changes directly.  The shared store is
	 * PostgreSQL, and this file is its notification side (NOTIFY here,
	 * a libpq listener below).
	 */
	if (!db_shared(db))
		return (0);
	return (db_exec(db, "WITH s AS (UPDATE live_seq SET n = n + 1 WHERE "
	    "id = 1 RETURNING n) SELECT pg_notify('" LIVE_CHANNEL "', "
	    "n::text) FROM s", ""));
}

#ifndef HAVE_PQ

struct live *
live_new(struct hotline *hl)
{
	(void)hl;
	return (NULL);
}

void
live_free(struct live *l)
{
	(void)l;
}

void
live_watch(struct live *l, live_fn fn, void *arg)
{
	(void)l;
	(void)fn;
	(void)arg;
}

int
live_up(struct live *l)
{
	(void)l;
	return (0);
}

#else

struct live {
	struct hotline	*hl;
	char		*url;
	live_fn		 fn;
	void		*arg;

	PGconn		*conn;		/* the loop's, LISTENing; NULL when down */
	struct event	*read_ev;
	struct event	*retry_ev;
	struct event	*ready_ev;	/* the connecting thread is done */
	int		 backoff_ms;
	int		 outage;	/* said so in the log */
	int		 fails;		/* attempts failed in this outage */
	long long	 seq;		/* last change number, -1 before any */

	pthread_t	 tid;
	int		 connecting;
	pthread_mutex_t	 lock;		/* the three below, from the thread */
	PGconn		*fresh;
	long long	 fresh_seq;
	char		 err[256];
};

/* libpq's messages run over several lines; a log line must not. */
static void
live_seterr(char *buf, size_t len, const char *what, const char *msg)
{
	char	*c;

	snprintf(buf, len, "%s: %s", what, msg != NULL && *msg != '\0' ? msg :
	    "unknown error");
	for (c = buf; *c != '\0'; c++)
		if (*c == '\n' || *c == '\t')
			*c = ' ';
	while (c > buf && c[-1] == ' ')
		*--c = '\0';
}

static void *
live_connect_main(void *arg)
{
	struct live	*l = arg;
	PGconn		*conn;
	PGresult	*res;
	long long	 seq = -1;
	char		 err[256] = "", app[64];
	const char	*keys[] = { "application_name", "connect_timeout",
			    "keepalives_idle", "keepalives_interval",
			    "keepalives_count", "dbname", "client_encoding", NULL };
	const char	*vals[] = { app, "5", "30", "10", "3", l->url, "UTF8",
			    NULL };

	/* Which instance a connection is, in pg_stat_activity. */
	snprintf(app, sizeof app, "hotlined live %ld", (long)getpid());
	conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL)
		snprintf(err, sizeof err, "out of memory");
	else if (PQstatus(conn) != CONNECTION_OK)
		live_seterr(err, sizeof err, "connect", PQerrorMessage(conn));
	else {
		/* LISTEN first: a change after the read below is notified. */
		res = PQexec(conn, "LISTEN " LIVE_CHANNEL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			live_seterr(err, sizeof err, "LISTEN",
			    PQresultErrorMessage(res));
		PQclear(res);
		if (*err == '\0') {
			res = PQexec(conn, "SELECT n FROM live_seq WHERE id = 1");
			if (PQresultStatus(res) == PGRES_TUPLES_OK &&
			    PQntuples(res) == 1)
				seq = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
			else
				live_seterr(err, sizeof err, "reading live_seq",
				    PQresultErrorMessage(res));
			PQclear(res);
		}
	}
	if (*err != '\0' && conn != NULL) {
		PQfinish(conn);
		conn = NULL;
	}
	pthread_mutex_lock(&l->lock);
	l->fresh = conn;
	l->fresh_seq = seq;
	snprintf(l->err, sizeof l->err, "%s", err);
	pthread_mutex_unlock(&l->lock);
	event_active(l->ready_ev, EV_READ, 0);
	return (NULL);
}

static void
live_connect(struct live *l)
{
	if (l->connecting || l->conn != NULL || l->hl->stopping)
		return;
	l->connecting = 1;
	if (pthread_create(&l->tid, NULL, live_connect_main, l) != 0) {
		l->connecting = 0;
		log_error("live: cannot start a thread to connect");
	}
}

static void
live_retry_later(struct live *l)
{
	struct timeval	tv;
	int		ms;

	if (l->backoff_ms < LIVE_BACKOFF_MIN_MS)
		l->backoff_ms = LIVE_BACKOFF_MIN_MS;
	/* Jitter: instances cut off together do not come back together. */
	ms = l->backoff_ms / 2 + (int)(random() % (l->backoff_ms / 2 + 1));
	l->backoff_ms *= 2;
	if (l->backoff_ms > LIVE_BACKOFF_MAX_MS)
		l->backoff_ms = LIVE_BACKOFF_MAX_MS;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	event_add(l->retry_ev, &tv);
}

static void
live_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	live_connect(arg);
}

static void
live_deliver(struct live *l, long long seq)
{
	l->seq = seq;
	if (l->fn != NULL)
		l->fn(seq, l->arg);
}

/* What libpq has already read: the newest number, delivered once. */
static void
live_drain(struct live *l)
{
	PGnotify	*n;
	long long	 seq, max = -1;

	while ((n = PQnotifies(l->conn)) != NULL) {
		seq = strtoll(n->extra, NULL, 10);
		if (seq > max)
			max = seq;
		PQfreemem(n);
		metrics_add("hotline_live_notifications_total", "", 1);
	}
	/* Numbers at or below ours were caught up with already. */
	if (max > l->seq)
		live_deliver(l, max);
}

static void
live_drop(struct live *l, const char *why)
{
	char	err[256];

	live_seterr(err, sizeof err, "connection lost", why);
	log_warn("live: %s; reconnecting (other instances' changes reach "
	    "the dashboard by polling meanwhile)", err);
	event_free(l->read_ev);
	l->read_ev = NULL;
	PQfinish(l->conn);
	l->conn = NULL;
	l->outage = 1;
	metrics_set("hotline_live_connected", "", 0);
	metrics_add("hotline_live_reconnects_total", "", 1);
	l->backoff_ms = LIVE_BACKOFF_MIN_MS;
	live_retry_later(l);
}

static void
live_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct live	*l = arg;

	(void)fd;
	(void)what;
	if (PQconsumeInput(l->conn) == 0 ||
	    PQstatus(l->conn) == CONNECTION_BAD) {
		live_drop(l, PQerrorMessage(l->conn));
		return;
	}
	live_drain(l);
}

/* On the loop: the connecting thread has finished. */
static void
live_ready_cb(evutil_socket_t fd, short what, void *arg)
{
	struct live	*l = arg;
	PGconn		*conn;
	long long	 seq;
	char		 err[256];

	(void)fd;
	(void)what;
	pthread_join(l->tid, NULL);
	l->connecting = 0;
	pthread_mutex_lock(&l->lock);
	conn = l->fresh;
	seq = l->fresh_seq;
	l->fresh = NULL;
	snprintf(err, sizeof err, "%s", l->err);
	pthread_mutex_unlock(&l->lock);

	if (conn == NULL) {
		/* Once per outage, not once per attempt. */
		if (l->fails++ == 0)
			log_warn("live: %s; trying again with backoff", err);
		else
			log_debug("live: %s", err);
		l->outage = 1;
		live_retry_later(l);
		return;
	}
	if (l->hl->stopping || PQsetnonblocking(conn, 1) != 0) {
		PQfinish(conn);
		return;
	}
	l->conn = conn;
	l->read_ev = event_new(l->hl->base, PQsocket(conn), EV_READ | EV_PERSIST,
	    live_read_cb, l);
	event_add(l->read_ev, NULL);
	l->backoff_ms = 0;
	metrics_set("hotline_live_connected", "", 1);
	if (l->outage)
		log_info("live: listening again (change %lld)", seq);
	else
		log_info("live: listening for changes from every instance "
		    "(change %lld)", seq);
	l->outage = 0;
	l->fails = 0;
	/* Catch up: anything committed while we were not listening. */
	if (seq != l->seq)
		live_deliver(l, seq);
	live_drain(l);
}

struct live *
live_new(struct hotline *hl)
{
	struct live	*l;

	/* Only a shared store (PostgreSQL, see live_commit) has news. */
	if (!store_shared(hl->store))
		return (NULL);
	l = xcalloc(1, sizeof *l);
	l->hl = hl;
	l->url = xstrdup(hotline_config(hl)->store);
	l->seq = -1;
	pthread_mutex_init(&l->lock, NULL);
	l->retry_ev = evtimer_new(hl->base, live_retry_cb, l);
	l->ready_ev = event_new(hl->base, -1, 0, live_ready_cb, l);
	metrics_help("hotline_live_connected", "gauge",
	    "1 while changes from other instances arrive by notification.");
	metrics_help("hotline_live_notifications_total", "counter",
	    "Change notifications received from the store.");
	metrics_help("hotline_live_reconnects_total", "counter",
	    "Times the notification connection dropped.");
	metrics_set("hotline_live_connected", "", 0);
	live_connect(l);
	return (l);
}

void
live_free(struct live *l)
{
	if (l == NULL)
		return;
	if (l->connecting)
		pthread_join(l->tid, NULL);
	if (l->fresh != NULL)
		PQfinish(l->fresh);
	if (l->read_ev != NULL)
		event_free(l->read_ev);
	if (l->conn != NULL)
		PQfinish(l->conn);
	event_free(l->retry_ev);
	event_free(l->ready_ev);
	pthread_mutex_destroy(&l->lock);
	free(l->url);
	free(l);
}

void
live_watch(struct live *l, live_fn fn, void *arg)
{
	if (l == NULL)
		return;
	l->fn = fn;
	l->arg = arg;
	if (l->seq >= 0)
		fn(l->seq, arg);
}

int
live_up(struct live *l)
{
	return (l != NULL && l->conn != NULL);
}

#endif
