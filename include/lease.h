/*
 * lease.h -- work that must happen once among the instances sharing a
 * store: retention purge, notices, scheduled texts, outbox reconciliation,
 * callback timers.
 *
 * A lease is a row in the store naming its holder and when it runs out, on
 * the database's clock.  The holder renews it every few seconds; when the
 * holder dies (or cannot reach the store) it runs out and another instance
 * takes it.  An instance counts a lease as its own only until the time it
 * asked for it plus the lease time, less a margin, so it stops believing it
 * holds a lease before any other instance may take it.
 *
 * On the embedded store (SQLite) there is one instance, which holds every
 * lease; outside the service (command-line tools) every lease is held too.
 */
#ifndef HOTLINE_LEASE_H
#define HOTLINE_LEASE_H

struct hotline;

#define LEASE_TTL_MS	10000	/* a lease runs out this long after renewal */

/* Service start-up (after the store is open) and tear-down. */
void		 lease_init(struct hotline *);
void		 lease_free(void);
/*
 * On the loop: 1 if this instance holds the lease called name now and is
 * not shutting down, else 0.  The first call for a name asks for it; it is
 * held from a later renewal on, once no live instance holds it.  Work
 * guarded by a lease checks it each time it starts a round, and a round
 * should take seconds, not minutes.  Names are short ("outbox-reconcile").
 */
int		 lease_held(const char *name);
/*
 * This process's instance id ("host:pid:random"), for rows it claims; its
 * lease "instance:<id>" is renewed while it runs, so another instance can
 * tell a dead claimer from a slow one.  Safe from any thread.
 */
const char	*lease_instance(void);

#endif
