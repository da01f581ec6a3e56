/*
 * live.h -- changes staff watch (the callback queue, messages that could not
 * be sent), made known to every instance sharing the store.
 *
 * A transaction that changes what staff watch calls live_mark().  On
 * PostgreSQL the commit then bumps a change number kept in the store and
 * sends NOTIFY in the same transaction, and every instance LISTENs on a
 * connection of its own, so an instance learns of another's change when it
 * is committed, without polling, and all instances number changes alike.
 * On SQLite (one process) nothing leaves the process: staff.c hears of its
 * own changes directly.
 */
#ifndef HOTLINE_LIVE_H
#define HOTLINE_LIVE_H

struct db;
struct hotline;
struct live;

/* On the loop, with the store's number of the last change committed. */
typedef void	(*live_fn)(long long seq, void *arg);

/* On a store thread, inside a transaction: it changes what staff watch. */
void		 live_mark(void);
/*
 * On the store thread, just before COMMIT (hotlined.c hands it to
 * store_before_commit): announce what the transaction marked
 * (PostgreSQL).  0, or -1 on a database error.
 */
int		 live_commit(struct db *);

/*
 * The service: hl->live, watching the store when it is PostgreSQL (else
 * NULL, and the calls below do nothing).  Its connection is made on a
 * thread of its own, then read on the loop; when it drops, it is made
 * again with backoff and catches up by reading the change number.
 */
struct live	*live_new(struct hotline *);
void		 live_free(struct live *);
/* fn is called on the loop for each change number newer than the last. */
void		 live_watch(struct live *, live_fn fn, void *arg);
/* 1 while changes arrive by notification (the connection is up). */
int		 live_up(struct live *);

#endif
