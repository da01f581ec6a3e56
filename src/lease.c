/*
 * lease.c -- leases on work that must happen once (see lease.h).
 *
 * One timer renews, in one store transaction, every lease this instance
 * has asked for plus its own "instance:<id>" lease.  Taking and renewing
 * are the same upsert: it writes only when the row is ours or has run
 * out, and RETURNING says whether it did.  Expiry is computed by the
 * database from its own clock, so instances need not agree on the time;
 * locally a lease counts as held until the moment the renewal was asked
 * for plus LEASE_TTL_MS less a margin, which is always before the row runs
 * out, so two instances never both count one lease as theirs.
 *
 * A table rather than a session advisory lock: a lease also runs out when
 * its holder hangs with its connection open, and a hung holder that wakes
 * finds its local deadline passed before it does anything more.
 *
 * Everything runs on the loop except lease_renew_tx (a store thread), which
 * touches only its own job.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "hotline.h"
#include "lease.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define LEASE_RENEW_MS	2000
#define LEASE_MARGIN_MS	1500	/* clock rates, the round trip of a renewal */
#define LEASE_FORGET_MS	60000	/* dead instances' rows kept this long */
#define LEASE_MAX	32
#define LEASE_NAME	64

struct lease {
	char		 name[LEASE_NAME];
	long long	 until;		/* mono ms: held while now < until */
	int		 held;		/* as last logged */
};

struct lease_job {
	long long	 asked_ms;
	int		 release;	/* give up the named leases, keep ours */
	int		 n;
	char		 names[LEASE_MAX + 1][LEASE_NAME];
	int		 got[LEASE_MAX + 1];
};

static struct {
	struct hotline	*hl;
	struct event	*timer;
	int		 shared;	/* other instances may run: store_shared */
	int		 busy;
	int		 failing;	/* renewals fail: said so once */
	int		 released;
	struct lease	 leases[LEASE_MAX];
	int		 n;
} lease_ctl;

static pthread_once_t	 lease_once = PTHREAD_ONCE_INIT;
static char		 lease_id[LEASE_NAME - 16];
static char		 lease_self_name[LEASE_NAME];

static void
lease_make_id(void)
{
	char	 host[24], *rnd;

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "host");
	host[sizeof host - 1] = '\0';
	rnd = util_random_hex(4);
	snprintf(lease_id, sizeof lease_id, "%s:%ld:%s", host, (long)getpid(),
	    rnd);
	free(rnd);
	snprintf(lease_self_name, sizeof lease_self_name, "instance:%s",
	    lease_id);
}

const char *
lease_instance(void)
{
	pthread_once(&lease_once, lease_make_id);
	return (lease_id);
}

/* --- the store transaction ----------------------------------------------- */

static int
lease_renew_tx(struct db *db, void *arg)
{
	struct lease_job	*j = arg;
	struct db_res		*r;
	const char		*now = db_clock_sql(db);
	char			*take, *forget;
	int			 i, rc = 0;

	xasprintf(&take, "INSERT INTO leases (name, holder, acquired_ms, "
	    "expires_ms) VALUES (?, ?, %s, %s + ?) ON CONFLICT (name) DO UPDATE "
	    "SET holder = excluded.holder, expires_ms = excluded.expires_ms, "
	    "acquired_ms = CASE WHEN leases.holder = excluded.holder THEN "
	    "leases.acquired_ms ELSE excluded.acquired_ms END WHERE "
	    "leases.holder = excluded.holder OR leases.expires_ms < "
	    "excluded.acquired_ms RETURNING holder", now, now);
	xasprintf(&forget, "DELETE FROM leases WHERE name LIKE ? AND "
	    "expires_ms < %s - ?", now);
	for (i = 0; i < j->n && rc == 0; i++) {
		if (j->release && i > 0) {
			rc = db_exec(db, "DELETE FROM leases WHERE name = ? AND "
			    "holder = ?", "ss", j->names[i], lease_id);
			continue;
		}
		r = db_query(db, take, "ssi", j->names[i], lease_id,
		    (long long)LEASE_TTL_MS);
		if (r == NULL) {
			rc = -1;
			break;
		}
		if ((rc = db_next(r)) == 1)
			j->got[i] = 1;
		db_done(r);
		rc = rc == -1 ? -1 : 0;
	}
	/* Rows of instances long gone: their claims were reconciled by now. */
	if (rc == 0)
		rc = db_exec(db, forget, "si", "instance:%",
		    (long long)LEASE_FORGET_MS);
	free(take);
	free(forget);
	return (rc);
}

/* --- the loop ------------------------------------------------------------ */

static void
lease_metric(struct lease *l)
{
	char	labels[LEASE_NAME + 16];

	snprintf(labels, sizeof labels, "name=\"%s\"", l->name);
	metrics_set("hotline_lease_held", labels, l->held);
}

/* Log when a lease changes hands, as seen from here. */
static void
lease_note(struct lease *l, long long now)
{
	int	held = now < l->until;

	if (held == l->held)
		return;
	l->held = held;
	if (held)
		log_info("lease: %s is ours (instance %s)", l->name, lease_id);
	else if (lease_ctl.released)
		log_info("lease: %s given up", l->name);
	else
		log_warn("lease: %s is no longer ours", l->name);
	lease_metric(l);
}

static void
lease_renew_done(int ok, void *arg)
{
	struct lease_job	*j = arg;
	long long		 now = util_mono_ms();
	struct lease		*l;
	int			 i, k;

	lease_ctl.busy = 0;
	if (!ok && !lease_ctl.failing)
		log_warn("lease: renewal failed (store error); leases run out "
		    "unless a later one succeeds");
	else if (ok && lease_ctl.failing)
		log_info("lease: renewals succeed again");
	lease_ctl.failing = !ok;
	for (i = 1; ok && i < j->n; i++) {
		for (k = 0; k < lease_ctl.n; k++) {
			l = &lease_ctl.leases[k];
			if (strcmp(l->name, j->names[i]) != 0)
				continue;
			if (j->got[i] && !j->release && !lease_ctl.released)
				l->until = j->asked_ms + LEASE_TTL_MS -
				    LEASE_MARGIN_MS;
			else
				l->until = 0;
			lease_note(l, now);
		}
	}
	free(j);
}

static void
lease_tick(evutil_socket_t fd, short what, void *arg)
{
	struct hotline		*hl = lease_ctl.hl;
	struct lease_job	*j;
	long long		 now = util_mono_ms();
	int			 i;

	(void)fd;
	(void)what;
	(void)arg;
	for (i = 0; i < lease_ctl.n; i++)
		lease_note(&lease_ctl.leases[i], now);
	if (lease_ctl.busy)
		return;
	j = xcalloc(1, sizeof *j);
	j->asked_ms = now;
	/*
	 * While draining, the instance lease is still renewed: sends in
	 * flight are ours until they finish, not a dead instance's orphans.
	 */
	if (hl->stopping && !lease_ctl.released) {
		lease_ctl.released = 1;
		j->release = 1;
		for (i = 0; i < lease_ctl.n; i++) {
			lease_ctl.leases[i].until = 0;
			lease_note(&lease_ctl.leases[i], now);
		}
	}
	snprintf(j->names[0], LEASE_NAME, "%s", lease_self_name);
	j->n = 1;
	if (!lease_ctl.released || j->release) {
		for (i = 0; i < lease_ctl.n; i++)
			memcpy(j->names[j->n++], lease_ctl.leases[i].name,
			    LEASE_NAME);
	}
	lease_ctl.busy = 1;
	if (store_submit(hl->store, lease_renew_tx, lease_renew_done, j) != 0) {
		lease_ctl.busy = 0;
		free(j);
	}
}

void
lease_init(struct hotline *hl)
{
	struct timeval	tv = { LEASE_RENEW_MS / 1000,
			    (LEASE_RENEW_MS % 1000) * 1000 };

	lease_instance();
	memset(&lease_ctl, 0, sizeof lease_ctl);
	lease_ctl.hl = hl;
	lease_ctl.shared = store_shared(hl->store);
	metrics_help("hotline_lease_held", "gauge",
	    "1 while this instance holds the lease on work that must happen "
	    "once, by name.");
	if (!lease_ctl.shared)
		return;
	log_info("lease: instance %s", lease_id);
	lease_ctl.timer = event_new(hl->base, -1, EV_PERSIST, lease_tick, NULL);
	event_add(lease_ctl.timer, &tv);
	event_active(lease_ctl.timer, EV_TIMEOUT, 0);
}

void
lease_free(void)
{
	if (lease_ctl.timer != NULL)
		event_free(lease_ctl.timer);
	memset(&lease_ctl, 0, sizeof lease_ctl);
}

int
lease_held(const char *name)
{
	struct lease	*l;
	int		 i;

	if (lease_ctl.hl == NULL)
		return (1);
	if (lease_ctl.hl->stopping)
		return (0);
	if (!lease_ctl.shared)
		return (1);
	for (i = 0; i < lease_ctl.n; i++) {
		l = &lease_ctl.leases[i];
		if (strcmp(l->name, name) == 0)
			return (util_mono_ms() < l->until);
	}
	if (strlen(name) >= LEASE_NAME || lease_ctl.n == LEASE_MAX) {
		log_error("lease: cannot ask for '%s' (name too long or too "
		    "many leases)", name);
		return (0);
	}
	l = &lease_ctl.leases[lease_ctl.n++];
	memset(l, 0, sizeof *l);
	snprintf(l->name, sizeof l->name, "%s", name);
	lease_metric(l);
	/* Ask now rather than at the next renewal. */
	if (!lease_ctl.busy)
		event_active(lease_ctl.timer, EV_TIMEOUT, 0);
	return (0);
}
