/*
 * store.h -- durable state, off the event loop.
 *
 * A handler that needs the store runs in three steps: parse on the loop,
 * submit a transaction function that a store thread runs on its own
 * connection (plain synchronous db_* calls), then finish on the loop in
 * the done callback.  The loop never waits on a disk or a database.
 *
 * A store thread takes every job queued at that moment and commits them
 * together (group commit); each job runs inside its own savepoint, so one
 * job failing rolls back only itself.  The same SQL text runs on SQLite and
 * PostgreSQL: placeholders are written '?', ids come back with RETURNING.
 * Callers never ask which backend they have: they ask what they need to
 * know (store_shared) or paste in the backend's spelling (db_clock_sql,
 * db_skip_locked_sql).  The backends live behind src/store_backend.h.
 */
#ifndef HOTLINE_STORE_H
#define HOTLINE_STORE_H

#include <time.h>

struct event_base;
struct store;
struct db;		/* a store thread's connection; opaque */

/*
 * A transaction body, run on a store thread.  Return 0 to keep its work,
 * -1 to roll it back (done is then called with ok = 0).
 */
typedef int	(*store_tx_fn)(struct db *, void *arg);
/* On the loop, after the commit (ok = 1) or a failure (ok = 0). */
typedef void	(*store_done_fn)(int ok, void *arg);

/*
 * Open url ("sqlite:PATH" or "postgresql://...") with threads store
 * threads (SQLite uses one writer whatever is asked), apply migrations.
 * base may be NULL for command-line use (store_run only).  NULL with *err
 * (caller frees) on failure.
 */
struct store	*store_open(struct event_base *base, const char *url,
		     int threads, char **err);
/*
 * fn runs on a store thread as the last statement of every transaction
 * that commits store_submit's jobs; non-zero rolls it back.  The service
 * sets it once, before store_open, to live_commit (live.c announces the
 * changes staff watch): the store knows nothing of what is announced.
 */
void		 store_before_commit(int (*fn)(struct db *));
/* Finishes queued jobs (their done callbacks do not run) and closes. */
void		 store_close(struct store *);
/* Queue a transaction; done runs on the loop. Returns 0, or -1 if closing. */
int		 store_submit(struct store *, store_tx_fn fn, store_done_fn done,
		     void *arg);
/*
 * Queue work that makes no promise to anyone (events for the reports, a
 * call's row), to be written behind the answer: in the order queued, many
 * in one commit, one such commit in flight at a time.  fn runs on a store
 * thread, maybe twice (when another item of its batch fails, the batch
 * runs again with a savepoint each): its failure is counted and logged,
 * and rolls back only itself; release then runs on the loop, whatever
 * happened.  What is queued and not yet committed is lost if the process
 * dies: at most what arrives during one commit.  Returns 0 when queued;
 * 1, taking nothing, when too much is waiting already (the caller waits
 * for room with store_behind_park, which paces it to the disk); -1,
 * taking nothing, when the store runs other than one thread (several
 * connections could commit a later durable job of the same call first):
 * the caller then does the work the durable way (store_submit).  Call it
 * on the loop only.
 */
int		 store_behind(struct store *, store_tx_fn fn,
		     void (*release)(void *), void *arg);
/*
 * After store_behind returned 1: fn(arg) runs on the loop once a batch
 * written behind is committed and there is room again, callers in the
 * order they came.  Returns 0, or -1 when nothing is in flight to wait
 * for.
 */
int		 store_behind_park(struct store *, void (*fn)(void *),
		     void *arg);
/* Items store_behind took that are not committed yet (on the loop). */
int		 store_behind_waiting(struct store *);
/* Run a transaction now on the calling thread (command-line tools). */
int		 store_run(struct store *, store_tx_fn fn, void *arg);
/* Jobs queued and not yet finished. */
int		 store_pending(struct store *);
/* 1 if the last transaction succeeded (for /readyz), 0 if it failed. */
int		 store_healthy(struct store *);
/* The backend's name for the log: "sqlite" or "postgresql". */
const char	*store_name(struct store *);
/*
 * 1 if other instances of the service may use this store at the same
 * time (PostgreSQL behind a load balancer), so work that must happen once
 * needs a lease and rows left mid-way may be another instance's; 0 if
 * this service is the store's only one (SQLite: the hotline tool may
 * write between transactions, but claims no work).
 */
int		 store_shared(struct store *);

/*
 * --- SQL on a store thread's connection --------------------------------
 * types names each argument after sql: 'i' long long, 'd' double,
 * 's' const char * (NULL binds SQL NULL).
 */
struct db_res;

int		 db_exec(struct db *, const char *sql, const char *types, ...);
/* Rows changed by the last db_exec. */
long long	 db_changes(struct db *);
/*
 * A retention step (retention.h) on the owner's table: with limit 0 the
 * count statement (one '?', the cutoff) says how many rows are past it;
 * otherwise the purge statement (the cutoff, then LIMIT ?) deletes or
 * clears at most limit of them.  How many, or -1.
 */
long long	 db_purge(struct db *, const char *count, const char *purge,
		     time_t cutoff, int limit);
struct db_res	*db_query(struct db *, const char *sql, const char *types, ...);
/* 1: a row is ready; 0: no more rows; -1: error. */
int		 db_next(struct db_res *);
const char	*db_text(struct db_res *, int col);	/* NULL for SQL NULL */
long long	 db_int(struct db_res *, int col);
double		 db_double(struct db_res *, int col);
int		 db_isnull(struct db_res *, int col);
void		 db_done(struct db_res *);
/*
 * First column of the first row as an integer: 0 with *out set, 1 when
 * there is no row (or it is NULL), -1 on error.
 */
int		 db_int_query(struct db *, long long *out, const char *sql,
		     const char *types, ...);
/* The same as a copy of the text (caller frees). */
int		 db_text_query(struct db *, char **out, const char *sql,
		     const char *types, ...);
/* The first two columns of the one row (NULL as 0): 0, or -1. */
int		 db_pair_query(struct db *, long long *a, long long *b,
		     const char *sql, const char *types, ...);
/* 0 when the connection answers a trivial query (readiness), else -1. */
int		 db_ping(struct db *);
const char	*db_error(struct db *);
/* store_shared, from a transaction. */
int		 db_shared(struct db *);
/*
 * Where the dialects differ inside a statement: SQL text to paste into
 * one (static strings).
 *
 * db_clock_sql: an integer expression, the database's clock in
 * milliseconds since the epoch, so that instances whose clocks disagree
 * compare times on one clock.
 *
 * db_skip_locked_sql: what a SELECT ends with to lock the rows it returns
 * until the commit, skipping rows another transaction holds, so that two
 * instances claiming work never take the same row: " FOR UPDATE SKIP
 * LOCKED" on PostgreSQL, "" on SQLite, whose write transaction already
 * shuts every other writer out.
 */
const char	*db_clock_sql(struct db *);
const char	*db_skip_locked_sql(struct db *);

#endif
