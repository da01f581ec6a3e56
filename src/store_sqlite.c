/*
 * store_sqlite.c -- the embedded store: SQLite in WAL mode.
 *
 * One connection per store thread; SQLite allows one writer at a time, so
 * the store runs a single writer thread and relies on group commit for
 * throughput.  synchronous=FULL makes every commit durable; prepared
 * statements are cached per connection.
 *
 * Checkpoints run off the writer.  By default SQLite copies the WAL back
 * into the database file, and fsyncs it, inside whichever commit takes
 * the WAL past 1000 pages, so every few hundred webhooks one batch waits
 * for that.  Here a commit only wakes a checkpointer thread with a
 * connection of its own, which copies while the writer goes on (a PASSIVE
 * checkpoint never blocks it).  Should the WAL still grow far beyond that
 * (a checkpointer that cannot keep up), the writer checkpoints itself, as
 * SQLite would.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "store_backend.h"
#include "util.h"
#include "xmalloc.h"

#define SQLITE_CACHE		96
#define SQLITE_CKPT_PAGES	1000	/* WAL pages that wake the checkpointer */
#define SQLITE_CKPT_SELF	10000	/* ... and that the writer copies itself */

/* A connection's checkpointer: started by its first big enough WAL. */
struct sqlite_ckpt {
	pthread_t	 tid;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	int		 want;
	int		 stop;
	char		*path;
};

struct sqlite_db {
	struct db	 db;
	sqlite3		*h;
	char		*path;
	struct sqlite_ckpt *ckpt;	/* NULL until the WAL first grows */
	int		 no_ckpt;	/* it could not be started */
	struct {
		const char	*sql;
		char		*copy;
		sqlite3_stmt	*st;
	}		 cache[SQLITE_CACHE];
	int		 ncache;
	int		 next_evict;
	char		 err[512];
};

static int	sqlite_wal_hook(void *, sqlite3 *, const char *, int);
static int	sqlite_ckpt_start(struct sqlite_db *);

struct sqlite_res {
	struct db	*db;		/* first, as in struct db_res */
	sqlite3_stmt	*st;
	int		 cached;
	int		 first;
};

static void
sqlite_seterr(struct sqlite_db *s, const char *what)
{
	snprintf(s->err, sizeof s->err, "%s: %s", what, sqlite3_errmsg(s->h));
}

/* --- checkpoints (see the top) --------------------------------------- */

static void *
sqlite_ckpt_main(void *arg)
{
	struct sqlite_ckpt	*c = arg;
	sqlite3			*h = NULL;
	int			 rc;

	if (sqlite3_open_v2(c->path, &h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		log_warn("store_sqlite: checkpointer cannot open the store: %s",
		    h != NULL ? sqlite3_errmsg(h) : "out of memory");
		sqlite3_close(h);
		h = NULL;
	} else {
		sqlite3_busy_timeout(h, 10000);
		/* The copy is synced like the commits it holds. */
		sqlite3_exec(h, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
	}
	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->want && !c->stop)
			pthread_cond_wait(&c->cond, &c->lock);
		if (c->stop)
			break;
		c->want = 0;
		pthread_mutex_unlock(&c->lock);
		if (h != NULL) {
			rc = sqlite3_wal_checkpoint_v2(h, NULL,
			    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
			if (rc != SQLITE_OK && rc != SQLITE_BUSY)
				log_warn("store_sqlite: checkpoint: %s",
				    sqlite3_errmsg(h));
		}
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	sqlite3_close(h);
	return (NULL);
}

/*
 * After every commit, with the WAL's size in pages: wake the checkpointer
 * (starting it the first time), or past SQLITE_CKPT_SELF copy here.
 */
static int
sqlite_wal_hook(void *arg, sqlite3 *h, const char *name, int pages)
{
	struct sqlite_db	*s = arg;
	struct sqlite_ckpt	*c;

	if (pages < SQLITE_CKPT_PAGES)
		return (SQLITE_OK);
	if (pages >= SQLITE_CKPT_SELF || s->no_ckpt || (s->ckpt == NULL &&
	    sqlite_ckpt_start(s) != 0)) {
		sqlite3_wal_checkpoint_v2(h, name, SQLITE_CHECKPOINT_PASSIVE,
		    NULL, NULL);
		return (SQLITE_OK);
	}
	c = s->ckpt;
	pthread_mutex_lock(&c->lock);
	c->want = 1;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
	return (SQLITE_OK);
}

static int
sqlite_ckpt_start(struct sqlite_db *s)
{
	struct sqlite_ckpt	*c;

	c = xcalloc(1, sizeof *c);
	c->path = xstrdup(s->path);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	if (pthread_create(&c->tid, NULL, sqlite_ckpt_main, c) != 0) {
		log_warn("store_sqlite: no checkpointer thread: %s",
		    strerror(errno));
		pthread_mutex_destroy(&c->lock);
		pthread_cond_destroy(&c->cond);
		free(c->path);
		free(c);
		s->no_ckpt = 1;
		return (-1);
	}
	s->ckpt = c;
	return (0);
}

static struct db *
sqlite_open(const char *url, char **err)
{
	struct sqlite_db	*s;
	const char		*path = url + strlen("sqlite:");
	char			*msg = NULL;
	int			 rc, tries;

	if (*path == '\0') {
		xasprintf(err, "sqlite store needs a path: sqlite:PATH");
		return (NULL);
	}
	if (strcmp(path, ":memory:") != 0)
		util_mkdirs(path);	/* data/ in a fresh checkout */
	s = xcalloc(1, sizeof *s);
	s->db.ops = &store_sqlite_ops;
	if (sqlite3_open_v2(path, &s->h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		xasprintf(err, "cannot open %s: %s", path,
		    s->h != NULL ? sqlite3_errmsg(s->h) : "out of memory");
		sqlite3_close(s->h);
		free(s);
		return (NULL);
	}
	sqlite3_busy_timeout(s->h, 10000);
	/*
	 * Switching a new file to WAL needs an exclusive lock and does not
	 * wait under the busy timeout: two processes opening a fresh store
	 * at once retry here for a while.  Each connection caches at most
	 * 512 kB of pages (SQLite's default is 2 MB): the cache filled as the
	 * store grew and was most of what the service's memory grew by with
	 * calls in progress; pages it drops are read again from the
	 * system's file cache.
	 */
	for (tries = 0;; tries++) {
		rc = sqlite3_exec(s->h, "PRAGMA journal_mode=WAL; "
		    "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
		    "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-512;", NULL, NULL, &msg);
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || tries == 200)
			break;
		sqlite3_free(msg);
		msg = NULL;
		usleep(50 * 1000);
	}
	if (rc != SQLITE_OK) {
		xasprintf(err, "cannot set up %s: %s", path,
		    msg != NULL ? msg : "?");
		sqlite3_free(msg);
		sqlite3_close(s->h);
		free(s);
		return (NULL);
	}
	s->path = xstrdup(path);
	if (strcmp(path, ":memory:") != 0)
		sqlite3_wal_hook(s->h, sqlite_wal_hook, s);
	return (&s->db);
}

static void
sqlite_close(struct db *db)
{
	struct sqlite_db	*s = (struct sqlite_db *)db;
	struct sqlite_ckpt	*c = s->ckpt;
	int			 i;

	if (c != NULL) {
		pthread_mutex_lock(&c->lock);
		c->stop = 1;
		pthread_cond_signal(&c->cond);
		pthread_mutex_unlock(&c->lock);
		pthread_join(c->tid, NULL);
		pthread_mutex_destroy(&c->lock);
		pthread_cond_destroy(&c->cond);
		free(c->path);
		free(c);
	}
	free(s->path);
	for (i = 0; i < s->ncache; i++) {
		sqlite3_finalize(s->cache[i].st);
		free(s->cache[i].copy);
	}
	sqlite3_close(s->h);
	free(s);
}

/*
 * A prepared statement for sql, from the cache when it has been seen.
 * Callers pass string literals, so the same statement nearly always comes
 * with the same pointer: the entry with that pointer is found first and
 * only its text compared (a pointer alone could be a freed string's), and
 * only then is every entry's text tried.
 */
static sqlite3_stmt *
sqlite_prepare(struct sqlite_db *s, const char *sql, int *cached)
{
	sqlite3_stmt	*st;
	int		 i;

	for (i = 0; i < s->ncache; i++) {
		if (s->cache[i].sql == sql && strcmp(s->cache[i].copy, sql) == 0) {
			*cached = 1;
			return (s->cache[i].st);
		}
	}
	for (i = 0; i < s->ncache; i++) {
		if (strcmp(s->cache[i].copy, sql) == 0) {
			/* The same text from elsewhere: find it by this one. */
			s->cache[i].sql = sql;
			*cached = 1;
			return (s->cache[i].st);
		}
	}
	if (sqlite3_prepare_v3(s->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK) {
		sqlite_seterr(s, "prepare");
		return (NULL);
	}
	/* Schema changes run once; every batch's savepoints are cached. */
	if (strncmp(sql, "CREATE", 6) == 0) {
		*cached = 0;
		return (st);
	}
	if (s->ncache < SQLITE_CACHE)
		i = s->ncache++;
	else {
		i = s->next_evict;
		s->next_evict = (s->next_evict + 1) % SQLITE_CACHE;
		sqlite3_finalize(s->cache[i].st);
		free(s->cache[i].copy);
	}
	s->cache[i].sql = sql;
	s->cache[i].copy = xstrdup(sql);
	s->cache[i].st = st;
	*cached = 1;
	return (st);
}

static int
sqlite_bind(struct sqlite_db *s, sqlite3_stmt *st, const char *types,
    va_list ap)
{
	const char	*t, *str;
	int		 i = 1, rc = SQLITE_OK;

	for (t = types; *t != '\0'; t++, i++) {
		switch (*t) {
		case 'i':
			rc = sqlite3_bind_int64(st, i, va_arg(ap, long long));
			break;
		case 'd':
			rc = sqlite3_bind_double(st, i, va_arg(ap, double));
			break;
		case 's':
			str = va_arg(ap, const char *);
			if (str == NULL)
				rc = sqlite3_bind_null(st, i);
			else
				rc = sqlite3_bind_text(st, i, str, -1,
				    SQLITE_TRANSIENT);
			break;
		default:
			snprintf(s->err, sizeof s->err, "bad type '%c'", *t);
			return (-1);
		}
		if (rc != SQLITE_OK) {
			sqlite_seterr(s, "bind");
			return (-1);
		}
	}
	return (0);
}

static int
sqlite_exec(struct db *db, const char *sql, const char *types, va_list ap)
{
	struct sqlite_db	*s = (struct sqlite_db *)db;
	sqlite3_stmt		*st;
	int			 cached, rc;

	if ((st = sqlite_prepare(s, sql, &cached)) == NULL)
		return (-1);
	if (sqlite_bind(s, st, types, ap) != 0) {
		rc = -1;
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		sqlite_seterr(s, "step");
		rc = -1;
	} else
		rc = 0;
out:
	if (cached) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	} else
		sqlite3_finalize(st);
	return (rc);
}

static struct db_res *
sqlite_query(struct db *db, const char *sql, const char *types, va_list ap)
{
	struct sqlite_db	*s = (struct sqlite_db *)db;
	struct sqlite_res	*r;
	sqlite3_stmt		*st;
	int			 cached;

	if ((st = sqlite_prepare(s, sql, &cached)) == NULL)
		return (NULL);
	if (sqlite_bind(s, st, types, ap) != 0) {
		if (cached) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
		} else
			sqlite3_finalize(st);
		return (NULL);
	}
	r = xcalloc(1, sizeof *r);
	r->db = db;
	r->st = st;
	r->cached = cached;
	return ((struct db_res *)r);
}

static int
sqlite_next(struct db_res *res)
{
	struct sqlite_res	*r = (struct sqlite_res *)res;
	int			 rc;

	rc = sqlite3_step(r->st);
	if (rc == SQLITE_ROW)
		return (1);
	if (rc == SQLITE_DONE)
		return (0);
	sqlite_seterr((struct sqlite_db *)r->db, "step");
	return (-1);
}

static const char *
sqlite_text(struct db_res *res, int col)
{
	struct sqlite_res	*r = (struct sqlite_res *)res;

	return ((const char *)sqlite3_column_text(r->st, col));
}

static int
sqlite_isnull(struct db_res *res, int col)
{
	struct sqlite_res	*r = (struct sqlite_res *)res;

	return (sqlite3_column_type(r->st, col) == SQLITE_NULL);
}

static void
sqlite_done(struct db_res *res)
{
	struct sqlite_res	*r = (struct sqlite_res *)res;

	if (r->cached) {
		sqlite3_reset(r->st);
		sqlite3_clear_bindings(r->st);
	} else
		sqlite3_finalize(r->st);
	free(r);
}

static long long
sqlite_changes(struct db *db)
{
	return (sqlite3_changes64(((struct sqlite_db *)db)->h));
}

static const char *
sqlite_error(struct db *db)
{
	return (((struct sqlite_db *)db)->err);
}

const struct db_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sqlite_open,
	.close = sqlite_close,
	.exec = sqlite_exec,
	.query = sqlite_query,
	.next = sqlite_next,
	.text = sqlite_text,
	.isnull = sqlite_isnull,
	.done = sqlite_done,
	.changes = sqlite_changes,
	.error = sqlite_error,
	.max_threads = 1,
	/*
	 * Take the write lock at BEGIN.  A deferred transaction that reads
	 * and then writes fails at once (SQLITE_BUSY_SNAPSHOT) when another
	 * process (the hotline tool) wrote in between; an immediate one waits
	 * for the lock under the busy timeout instead.  It also shuts out
	 * every other writer, which is what the migration lock and SKIP
	 * LOCKED do on PostgreSQL.
	 */
	.begin = "BEGIN IMMEDIATE",
	.migration_lock = NULL,
	.id_column = "INTEGER PRIMARY KEY AUTOINCREMENT",
	.clock_sql = "CAST((julianday('now') - 2440587.5) * 86400000.0 "
	    "AS INTEGER)",
	.skip_locked_sql = "",
	/* One service per database file: its claims and timers are alone. */
	.shared = 0,
};
