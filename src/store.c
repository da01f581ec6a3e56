/*
 * store.c -- store threads, group commit, migrations and writing behind;
 * the db_* calls that dispatch to a backend are in store_db.c.
 *
 * Jobs go into one FIFO.  Each store thread, when woken, takes every job
 * queued at that moment, runs them in one transaction with a savepoint
 * each, commits once and hands the finished jobs to the loop through a
 * mutex-protected list and one event made active from the thread
 * (libevent is set up for threads in hotlined.c).  A durable commit
 * (fsync) is the expensive part of a write, so under load many webhooks
 * share one.  When the last batch was a crowd and fewer jobs are waiting
 * than it held, a lone store thread first waits a moment for the rest of
 * the crowd (store_gather): a quarter of what a commit costs at most.
 *
 * Nothing here depends on which backend runs: where the dialects differ
 * (how a transaction begins, the migration lock, auto-increment keys) the
 * backend says how it spells it (store_backend.h).
 */
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "log.h"
#include "metrics.h"
#include "schema.h"
#include "store.h"
#include "store_backend.h"
#include "xmalloc.h"

#define STORE_THREADS	16
/*
 * Waiting for more jobs before a commit (store_gather): at most this long
 * (us), only after a commit that waited for the disk (one cheaper than
 * STORE_GATHER_MIN_US, nothing written or a fast disk, costs less than the
 * wait) and only behind a crowd of at least STORE_GATHER_CROWD: a few
 * clients send again only once answered, so waiting for them slows them.
 */
#define STORE_GATHER_MAX_US	1000
#define STORE_GATHER_MIN_US	300
#define STORE_GATHER_CROWD	16

/* Last statement of each batch's transaction (store_before_commit). */
static int	(*store_precommit)(struct db *);

struct store_job {
	store_tx_fn		 fn;
	store_done_fn		 done;
	void			*arg;
	int			 ok;
	struct store_job	*next;
};

/*
 * Written behind (store_behind): at most this many waiting; beyond that
 * callers wait for room (store_behind_park), so a store that cannot keep
 * up slows the answers instead of growing the queue, what a crash loses
 * and the memory held (each item keeps its answer, a few kB: 4,096 of
 * them doubled the resident size with 5,000 calls in progress).  A
 * batch holds at most STORE_BEHIND_BATCH: what a parked answer waits for
 * is one batch's commit, so a batch as large as the queue made the
 * slowest answers wait for hundreds of steps' writes.
 */
#define STORE_BEHIND_MAX	256
#define STORE_BEHIND_BATCH	32

struct store_behind_item {
	store_tx_fn			 fn;
	void				(*release)(void *);
	void				*arg;
	struct store_behind_item	*next;
};

/* A caller waiting for room behind (store_behind_park). */
struct store_behind_park {
	void				(*fn)(void *);
	void				*arg;
	struct store_behind_park	*next;
};

struct store_thread {
	struct store	*store;
	pthread_t	 tid;
	struct db	*db;
	int		 last_batch;	/* jobs in the last commit */
	long long	 commit_us;	/* what a COMMIT takes, smoothed */
};

struct store {
	const struct db_ops	*ops;
	char			*url;
	struct event_base	*base;
	struct event		*done_ev;

	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct store_job	*head, *tail;	/* waiting to run */
	int			 queued;	/* jobs from head to tail */
	int			 gathering;	/* threads in store_gather */
	pthread_cond_t		 more;		/* a job was queued (gathering) */
	struct store_job	*fin_head, *fin_tail;	/* waiting for the loop */
	int			 pending;
	int			 stopping;
	int			 healthy;

	/* store_behind's items: touched on the loop only. */
	struct store_behind_item *behind_head, *behind_tail;
	int			 behind_waiting;	/* on the list */
	int			 behind_flying;		/* in the batch */
	int			 behind_resuming;	/* store_behind_done */
	int			 behind_burst;	/* queued since the last trim */
	int			 behind_sending;	/* store_behind_batch */
	struct store_behind_park *park_head, *park_tail;
	pthread_t		 loop;			/* store_open's thread */

	struct store_thread	 threads[STORE_THREADS];
	int			 nthreads;
	struct db		*sync_db;	/* store_run, migrations */
	pthread_mutex_t		 sync_lock;
};

/* --- migrations ---------------------------------------------------------- */

/*
 * Each migration's SQL is written once; {ID} becomes the backend's
 * auto-increment key.  Statements are separated by ";\n".
 */
static char *
store_dialect(const struct db *db, const char *sql)
{
	const char	*id = db->ops->id_column;
	size_t		 n = 0, idlen = strlen(id);
	const char	*p;
	char		*out, *o;

	for (p = sql; (p = strstr(p, "{ID}")) != NULL; p += 4)
		n++;
	out = o = xmalloc(strlen(sql) + n * idlen + 1);
	for (p = sql; *p != '\0';) {
		if (strncmp(p, "{ID}", 4) == 0) {
			memcpy(o, id, idlen);
			o += idlen;
			p += 4;
		} else
			*o++ = *p++;
	}
	*o = '\0';
	return (out);
}

static int
store_migrate(struct db *db, char **err)
{
	const struct schema_migration	*m;
	long long			 have = 0;
	char				*sql, *stmt, *next;
	int				 rc;

	if (db_exec(db, db->ops->begin, "") != 0)
		goto fail;
	if (db->ops->migration_lock != NULL &&
	    db_exec(db, db->ops->migration_lock, "") != 0)
		goto fail;
	if (db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)", "") != 0)
		goto fail;
	/*
	 * Each migration not yet recorded, not only those above the highest:
	 * a store whose record has a gap (repaired or restored by hand) gets
	 * the missing one.
	 */
	for (m = schema_migrations; m->sql != NULL; m++) {
		if ((rc = db_int_query(db, &have, "SELECT version FROM "
		    "schema_migrations WHERE version = ?", "i",
		    (long long)m->version)) == -1)
			goto fail;
		if (rc == 0)
			continue;
		sql = store_dialect(db, m->sql);
		for (stmt = sql; stmt != NULL && *stmt != '\0'; stmt = next) {
			if ((next = strstr(stmt, ";\n")) != NULL) {
				*next = '\0';
				next += 2;
			}
			while (*stmt == '\n' || *stmt == ' ' || *stmt == '\t')
				stmt++;
			if (*stmt == '\0')
				continue;
			if (db_exec(db, stmt, "") != 0) {
				xasprintf(err, "migration %d failed: %s",
				    m->version, db_error(db));
				free(sql);
				db_exec(db, "ROLLBACK", "");
				return (-1);
			}
		}
		free(sql);
		if (db_exec(db, "INSERT INTO schema_migrations (version, "
		    "applied_at) VALUES (?, ?)", "ii", (long long)m->version,
		    (long long)time(NULL)) != 0)
			goto fail;
		log_info("store: applied migration %d (%s)", m->version,
		    m->name);
	}
	if (db_exec(db, "COMMIT", "") != 0)
		goto fail;
	return (0);
fail:
	xasprintf(err, "migrations failed: %s", db_error(db));
	db_exec(db, "ROLLBACK", "");
	return (-1);
}

static void	store_behind_flush(struct store *);
static void	store_behind_send(struct store *);

/* --- running jobs -------------------------------------------------------- */

static long long
store_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/*
 * Run a batch in one transaction.  A savepoint per job lets a failing job
 * roll back alone; if the commit itself fails, every job in the batch fails.
 * A batch of one needs no savepoint: its job's failure is the batch's, so
 * it is rolled back whole, and a backend that holds statements back
 * (PostgreSQL) sends the job's last writes with the COMMIT.  Otherwise
 * each job's held statements are settled before its savepoint is
 * released, so that an error is told to the job it belongs to.
 * *commit_us (when not NULL) is set to what the COMMIT took.
 */
static void
store_run_batch(struct db *db, struct store_job *batch, long long *commit_us)
{
	struct store_job	*j;
	long long		 t0;
	int			 fail_all = 0, alone = batch->next == NULL;

	if (db_exec(db, db->ops->begin, "") != 0) {
		log_error("store: BEGIN failed: %s", db_error(db));
		metrics_add("hotline_store_failures_total", "", 1);
		for (j = batch; j != NULL; j = j->next)
			j->ok = 0;
		return;
	}
	if (alone) {
		batch->ok = (batch->fn(db, batch->arg) == 0);
		if (!batch->ok) {
			db_exec(db, "ROLLBACK", "");
			if (commit_us != NULL)
				*commit_us = 0;
			return;
		}
	}
	for (j = batch; j != NULL && !alone; j = j->next) {
		if (db_exec(db, "SAVEPOINT job", "") != 0) {
			fail_all = 1;
			break;
		}
		j->ok = (j->fn(db, j->arg) == 0);
		if (j->ok && db->ops->settle != NULL && db->ops->settle(db) != 0)
			j->ok = 0;
		if (!j->ok) {
			if (db_exec(db, "ROLLBACK TO SAVEPOINT job", "") != 0) {
				fail_all = 1;
				break;
			}
		}
		if (db_exec(db, "RELEASE SAVEPOINT job", "") != 0) {
			fail_all = 1;
			break;
		}
	}
	t0 = store_now_us();
	/* What staff watch changed: other instances hear of it (live.c). */
	if (fail_all || (store_precommit != NULL && store_precommit(db) != 0) ||
	    db_exec(db, "COMMIT", "") != 0) {
		/*
		 * Alone, the job's own write may have failed with the COMMIT:
		 * that job failed, not the store.
		 */
		if (alone && db->ops->settle != NULL &&
		    db->ops->settle(db) != 0)
			log_error("store: a job failed: %s", db_error(db));
		else {
			log_error("store: commit failed: %s", db_error(db));
			metrics_add("hotline_store_failures_total", "", 1);
		}
		db_exec(db, "ROLLBACK", "");
		for (j = batch; j != NULL; j = j->next)
			j->ok = 0;
	}
	if (commit_us != NULL)
		*commit_us = store_now_us() - t0;
}

/*
 * Called with the lock held and jobs queued.  When the last commit was
 * shared by a crowd and fewer jobs are queued now, the webhooks that came
 * with them are likely still being parsed on the loop: wait for them a
 * little, so that they share this commit's fsync instead of paying for
 * the next one.  The wait is a quarter of what a commit takes (so it can
 * add little to anyone's latency) and at most STORE_GATHER_MAX_US.  A
 * thread with others beside it never waits: they take the queue meanwhile.
 */
static void
store_gather(struct store *s, struct store_thread *t)
{
	struct timespec	deadline;
	long long	wait_us = t->commit_us / 4, ns;

	if (s->nthreads > 1 || t->last_batch < STORE_GATHER_CROWD ||
	    s->queued >= t->last_batch || t->commit_us < STORE_GATHER_MIN_US)
		return;
	if (wait_us > STORE_GATHER_MAX_US)
		wait_us = STORE_GATHER_MAX_US;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	ns = deadline.tv_nsec + wait_us * 1000;
	deadline.tv_sec += ns / 1000000000;
	deadline.tv_nsec = ns % 1000000000;
	s->gathering++;
	while (s->queued < t->last_batch && !s->stopping) {
		if (pthread_cond_timedwait(&s->more, &s->lock,
		    &deadline) == ETIMEDOUT)
			break;
	}
	s->gathering--;
}

static void *
store_thread_main(void *arg)
{
	struct store_thread	*t = arg;
	struct store		*s = t->store;
	struct store_job	*batch, *last, *j;
	long long		 commit_us;
	int			 n, anyfail;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (s->head == NULL && !s->stopping)
			pthread_cond_wait(&s->cond, &s->lock);
		if (s->head == NULL && s->stopping)
			break;
		store_gather(s, t);
		/* Another store thread may have taken them meanwhile. */
		if (s->head == NULL)
			continue;
		/* Every job queued now: a commit each would be an fsync each. */
		batch = s->head;
		last = s->tail;
		n = s->queued;
		s->head = s->tail = NULL;
		s->queued = 0;
		pthread_mutex_unlock(&s->lock);

		commit_us = 0;
		store_run_batch(t->db, batch, &commit_us);
		t->commit_us = t->commit_us == 0 ? commit_us :
		    (t->commit_us * 3 + commit_us) / 4;
		t->last_batch = n;
		metrics_add("hotline_store_commits_total", "", 1);
		metrics_add("hotline_store_jobs_total", "", n);

		anyfail = 0;
		for (j = batch; j != NULL; j = j->next)
			anyfail |= !j->ok;
		pthread_mutex_lock(&s->lock);
		s->healthy = !anyfail;
		if (s->fin_tail != NULL)
			s->fin_tail->next = batch;
		else
			s->fin_head = batch;
		s->fin_tail = last;
		if (s->done_ev != NULL)
			event_active(s->done_ev, EV_READ, 0);
	}
	pthread_mutex_unlock(&s->lock);
	return (NULL);
}

/* On the loop: call the done callbacks of finished jobs. */
static void
store_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct store		*s = arg;
	struct store_job	*list, *j;
	int			 n = 0;

	pthread_mutex_lock(&s->lock);
	list = s->fin_head;
	s->fin_head = s->fin_tail = NULL;
	for (j = list; j != NULL; j = j->next)
		n++;
	s->pending -= n;
	pthread_mutex_unlock(&s->lock);
	while ((j = list) != NULL) {
		list = j->next;
		if (j->done != NULL)
			j->done(j->ok, j->arg);
		free(j);
	}
}

void
store_before_commit(int (*fn)(struct db *))
{
	store_precommit = fn;
}

struct store *
store_open(struct event_base *base, const char *url, int threads, char **err)
{
	struct store		*s;
	pthread_condattr_t	 ca;
	int			 i;

	*err = NULL;
	s = xcalloc(1, sizeof *s);
	s->loop = pthread_self();
	if (strncmp(url, "sqlite:", 7) == 0)
		s->ops = &store_sqlite_ops;
#ifdef HAVE_PQ
	else if (strncmp(url, "postgresql://", 13) == 0 ||
	    strncmp(url, "postgres://", 11) == 0)
		s->ops = &store_pg_ops;
#endif
	else {
		xasprintf(err, "unsupported store '%s'", url);
		free(s);
		return (NULL);
	}
	s->url = xstrdup(url);
	s->base = base;
	s->healthy = 1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->sync_lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	/* store_gather's deadline must not move with the wall clock. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->more, &ca);
	pthread_condattr_destroy(&ca);
	if ((s->sync_db = s->ops->open(url, err)) == NULL)
		goto fail;
	if (store_migrate(s->sync_db, err) != 0)
		goto fail;
	if (base == NULL)
		return (s);

	metrics_help("hotline_store_failures_total", "counter",
	    "Store transactions that failed as a whole (BEGIN or COMMIT "
	    "refused, the database unreachable).");
	metrics_add("hotline_store_failures_total", "", 0);
	metrics_help("hotline_store_behind", "gauge",
	    "Records written behind the answers (menu steps) and not yet "
	    "committed.");
	metrics_help("hotline_store_behind_failures_total", "counter",
	    "Records written behind the answers that the store refused.");
	metrics_add("hotline_store_behind_failures_total", "", 0);
	s->done_ev = event_new(base, -1, EV_PERSIST, store_done_cb, s);
	if (threads > s->ops->max_threads)
		threads = s->ops->max_threads;
	if (threads > STORE_THREADS)
		threads = STORE_THREADS;
	if (threads < 1)
		threads = 1;
	for (i = 0; i < threads; i++) {
		s->threads[i].store = s;
		if ((s->threads[i].db = s->ops->open(url, err)) == NULL)
			goto fail;
		if (pthread_create(&s->threads[i].tid, NULL, store_thread_main,
		    &s->threads[i]) != 0) {
			s->ops->close(s->threads[i].db);
			xasprintf(err, "pthread_create: %s", strerror(errno));
			goto fail;
		}
		s->nthreads++;
	}
	return (s);
fail:
	store_close(s);
	return (NULL);
}

void
store_close(struct store *s)
{
	struct store_job	*j;
	int			 i;

	if (s == NULL)
		return;
	/* What waits behind the answers is written before the threads stop. */
	if (s->behind_head != NULL && s->nthreads > 0)
		store_behind_send(s);
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	pthread_cond_broadcast(&s->cond);
	pthread_cond_broadcast(&s->more);
	pthread_mutex_unlock(&s->lock);
	for (i = 0; i < s->nthreads; i++) {
		pthread_join(s->threads[i].tid, NULL);
		s->ops->close(s->threads[i].db);
	}
	while ((j = s->fin_head) != NULL) {
		s->fin_head = j->next;
		free(j);
	}
	if (s->done_ev != NULL)
		event_free(s->done_ev);
	if (s->sync_db != NULL)
		s->ops->close(s->sync_db);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->sync_lock);
	pthread_cond_destroy(&s->cond);
	pthread_cond_destroy(&s->more);
	free(s->url);
	free(s);
}

int
store_submit(struct store *s, store_tx_fn fn, store_done_fn done, void *arg)
{
	struct store_job	*j;

	if (s->nthreads == 0)
		return (-1);
	/*
	 * A job from the loop goes after the records written behind before
	 * it (a call's final status after its steps' events), even while a
	 * batch of them is on its way: the one writer runs jobs in order.
	 */
	if (s->behind_head != NULL && !s->behind_sending &&
	    pthread_equal(pthread_self(), s->loop))
		store_behind_send(s);
	j = xcalloc(1, sizeof *j);
	j->fn = fn;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&s->lock);
	if (s->stopping) {
		pthread_mutex_unlock(&s->lock);
		free(j);
		return (-1);
	}
	if (s->tail != NULL)
		s->tail->next = j;
	else
		s->head = j;
	s->tail = j;
	s->queued++;
	s->pending++;
	pthread_cond_signal(&s->cond);
	if (s->gathering > 0)
		pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->lock);
	return (0);
}

/* --- written behind ------------------------------------------------------ */

struct store_behind_batch {
	struct store			*store;
	struct store_behind_item	*items;
	int				 n;
};

/* One item after another; the index of the first that failed, or -1. */
static int
store_behind_run(struct db *db, struct store_behind_item *items)
{
	struct store_behind_item	*it;
	int				 i = 0;

	for (it = items; it != NULL; it = it->next, i++) {
		if (it->fn(db, it->arg) != 0)
			return (i);
	}
	return (-1);
}

/*
 * On a store thread: the items of one batch.  They run in one savepoint
 * (two statements more for each item cost a good part of writing it);
 * if one fails, that is rolled back and they run again with a savepoint
 * each, so that the failing one rolls back alone.
 */
static int
store_behind_tx(struct db *db, void *arg)
{
	struct store_behind_batch	*b = arg;
	struct store_behind_item	*it;

	if (db_exec(db, "SAVEPOINT behind", "") != 0)
		return (-1);
	if (store_behind_run(db, b->items) == -1)
		return (db_exec(db, "RELEASE SAVEPOINT behind", "") != 0 ? -1 : 0);
	if (db_exec(db, "ROLLBACK TO SAVEPOINT behind", "") != 0 ||
	    db_exec(db, "RELEASE SAVEPOINT behind", "") != 0)
		return (-1);
	for (it = b->items; it != NULL; it = it->next) {
		if (db_exec(db, "SAVEPOINT behind", "") != 0)
			return (-1);
		if (it->fn(db, it->arg) != 0) {
			log_error("store: a write behind the answer failed: %s",
			    db_error(db));
			metrics_add("hotline_store_behind_failures_total", "", 1);
			if (db_exec(db, "ROLLBACK TO SAVEPOINT behind", "") != 0)
				return (-1);
		}
		if (db_exec(db, "RELEASE SAVEPOINT behind", "") != 0)
			return (-1);
	}
	return (0);
}

/* On the loop: the batch is committed (or failed); send the next. */
static void
store_behind_done(int ok, void *arg)
{
	struct store_behind_batch	*b = arg;
	struct store			*s = b->store;
	struct store_behind_item	*it, *next;
	struct store_behind_park	*p;

	if (!ok) {
		log_error("store: a batch of writes behind the answers was "
		    "lost");
		metrics_add("hotline_store_behind_failures_total", "", 1);
	}
	for (it = b->items; it != NULL; it = next) {
		next = it->next;
		it->release(it->arg);
		free(it);
	}
	s->behind_flying -= b->n;
	free(b);
	/*
	 * Those waiting for room first, in the order they came; what they
	 * queue goes in the next batch together rather than one alone.
	 */
	s->behind_resuming = 1;
	while ((p = s->park_head) != NULL &&
	    s->behind_waiting + s->behind_flying < STORE_BEHIND_MAX) {
		if ((s->park_head = p->next) == NULL)
			s->park_tail = NULL;
		p->fn(p->arg);
		free(p);
	}
	s->behind_resuming = 0;
	store_behind_flush(s);
#ifdef __GLIBC__
	/*
	 * A burst of steps leaves the memory its queue held free but
	 * resident; give it back once the queue is empty again.  Only after
	 * as many steps as the queue holds (trimming walks every arena,
	 * which a few steps would not pay for).  Otherwise what calls in progress cost grew with the
	 * busiest moment so far.
	 */
	if (s->behind_waiting + s->behind_flying == 0 &&
	    s->park_head == NULL && s->behind_burst >= STORE_BEHIND_MAX) {
		s->behind_burst = 0;
		malloc_trim(0);
	}
#endif
}

/* Send the first n waiting as one job. */
static void
store_behind_batch(struct store *s, int n)
{
	struct store_behind_batch	*b;
	struct store_behind_item	*last;
	int				 i, rc;

	b = xmalloc(sizeof *b);
	b->store = s;
	b->items = last = s->behind_head;
	for (i = 1; i < n; i++)
		last = last->next;
	b->n = n;
	s->behind_flying += n;
	if ((s->behind_head = last->next) == NULL)
		s->behind_tail = NULL;
	last->next = NULL;
	s->behind_waiting -= n;
	/* The rest waits for its turn: not sent ahead of this batch. */
	s->behind_sending = 1;
	rc = store_submit(s, store_behind_tx, store_behind_done, b);
	s->behind_sending = 0;
	if (rc != 0) {
		/* Closing: nothing will run them. */
		store_behind_done(0, b);
	}
}

/* Send everything waiting as one job (the list is emptied first). */
static void
store_behind_send(struct store *s)
{
	if (s->behind_head != NULL)
		store_behind_batch(s, s->behind_waiting);
}

/* Send a batch of what waits, unless one is still on its way. */
static void
store_behind_flush(struct store *s)
{
	if (s->behind_head == NULL || s->behind_flying > 0 ||
	    s->behind_resuming)
		return;
	store_behind_batch(s, s->behind_waiting < STORE_BEHIND_BATCH ?
	    s->behind_waiting : STORE_BEHIND_BATCH);
}

int
store_behind(struct store *s, store_tx_fn fn, void (*release)(void *),
    void *arg)
{
	struct store_behind_item	*it;

	/*
	 * Only one writer keeps a call's records written behind before the
	 * durable step that follows them (its status, a callback); with
	 * several connections (PostgreSQL) a later job could commit first, so
	 * every step waits for its commit there, as before.
	 */
	if (s->nthreads != 1)
		return (-1);
	if (s->behind_waiting + s->behind_flying >= STORE_BEHIND_MAX) {
		metrics_add("hotline_store_behind_full_total", "", 1);
		return (1);
	}
	it = xcalloc(1, sizeof *it);
	it->fn = fn;
	it->release = release;
	it->arg = arg;
	if (s->behind_tail != NULL)
		s->behind_tail->next = it;
	else
		s->behind_head = it;
	s->behind_tail = it;
	s->behind_waiting++;
	s->behind_burst++;
	store_behind_flush(s);
	return (0);
}

int
store_behind_park(struct store *s, void (*fn)(void *), void *arg)
{
	struct store_behind_park	*p;

	/* Room comes back only when a batch in flight is done. */
	if (s->behind_flying == 0)
		return (-1);
	p = xcalloc(1, sizeof *p);
	p->fn = fn;
	p->arg = arg;
	if (s->park_tail != NULL)
		s->park_tail->next = p;
	else
		s->park_head = p;
	s->park_tail = p;
	return (0);
}

int
store_behind_waiting(struct store *s)
{
	return (s->behind_waiting + s->behind_flying);
}

int
store_run(struct store *s, store_tx_fn fn, void *arg)
{
	struct store_job	j;

	memset(&j, 0, sizeof j);
	j.fn = fn;
	j.arg = arg;
	pthread_mutex_lock(&s->sync_lock);
	store_run_batch(s->sync_db, &j, NULL);
	pthread_mutex_unlock(&s->sync_lock);
	return (j.ok ? 0 : -1);
}

int
store_pending(struct store *s)
{
	int	n;

	pthread_mutex_lock(&s->lock);
	n = s->pending;
	pthread_mutex_unlock(&s->lock);
	return (n);
}

int
store_healthy(struct store *s)
{
	int	h;

	pthread_mutex_lock(&s->lock);
	h = s->healthy;
	pthread_mutex_unlock(&s->lock);
	return (h);
}

const char *
store_name(struct store *s)
{
	return (s->ops->name);
}

int
store_shared(struct store *s)
{
	return (s->ops->shared);
}
