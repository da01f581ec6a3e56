/*
 * store_backend.h -- what a store backend (store_sqlite.c, store_pg.c)
 * gives store.c.  Private to the store: the rest of the service sees only
 * store.h, where struct db is opaque, and asks the store-level questions
 * there (store_shared, db_clock_sql, ...) instead of which backend it has.
 *
 * Where the two SQL dialects differ, the backend says how it spells the
 * thing; store.c and the callers of store.h never compare backends.
 */
#ifndef HOTLINE_STORE_BACKEND_H
#define HOTLINE_STORE_BACKEND_H

#include <stdarg.h>

#include "store.h"

struct db_ops {
	const char	*name;		/* "sqlite", "postgresql": for the log */
	struct db	*(*open)(const char *url, char **err);
	void		 (*close)(struct db *);
	int		 (*exec)(struct db *, const char *sql, const char *types,
			     va_list ap);
	struct db_res	*(*query)(struct db *, const char *sql, const char *types,
			     va_list ap);
	int		 (*next)(struct db_res *);
	const char	*(*text)(struct db_res *, int col);
	int		 (*isnull)(struct db_res *, int col);
	void		 (*done)(struct db_res *);
	long long	 (*changes)(struct db *);
	const char	*(*error)(struct db *);
	/*
	 * Statements a backend held back to send with a later one are sent
	 * now; -1 when one of them failed (the job's own error).  NULL: the
	 * backend sends each statement when it is run.
	 */
	int		 (*settle)(struct db *);
	/* max threads worth running (SQLite: 1 writer) */
	int		 max_threads;

	/* --- the dialect --------------------------------------------------- */
	/* Opens every transaction store.c runs. */
	const char	*begin;
	/*
	 * Run first in the migration transaction so that instances starting
	 * together on a fresh store migrate one after the other; NULL where
	 * begin already shuts every other writer out.
	 */
	const char	*migration_lock;
	/* The column definition {ID} stands for in a migration. */
	const char	*id_column;
	/* db_clock_sql */
	const char	*clock_sql;
	/* db_skip_locked_sql */
	const char	*skip_locked_sql;
	/* store_shared: other instances may use the store at once. */
	int		 shared;
};

/* Every backend's struct db starts with this. */
struct db {
	const struct db_ops	*ops;
};

/* Every backend's result starts with its db, so store.c can dispatch. */
struct db_res {
	struct db	*db;
};

extern const struct db_ops	store_sqlite_ops;
#ifdef HAVE_PQ
extern const struct db_ops	store_pg_ops;
#endif

#endif
