/*
 * store_db.c -- the db_* calls every owner module makes in a transaction,
 * handed to the store's backend (store_sqlite.c, store_pg.c) through the
 * operations of store_backend.h, and the small helpers on top of them
 * (one row, one number, one text, a purge in slices).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

#include "store.h"
#include "store_backend.h"
#include "xmalloc.h"

int
db_exec(struct db *db, const char *sql, const char *types, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, types);
	rc = db->ops->exec(db, sql, types, ap);
	va_end(ap);
	return (rc);
}

struct db_res *
db_query(struct db *db, const char *sql, const char *types, ...)
{
	va_list		 ap;
	struct db_res	*r;

	va_start(ap, types);
	r = db->ops->query(db, sql, types, ap);
	va_end(ap);
	return (r);
}

int
db_next(struct db_res *r)
{
	return (r->db->ops->next(r));
}

const char *
db_text(struct db_res *r, int col)
{
	return (r->db->ops->text(r, col));
}

long long
db_int(struct db_res *r, int col)
{
	const char	*s = r->db->ops->text(r, col);

	return (s != NULL ? strtoll(s, NULL, 10) : 0);
}

double
db_double(struct db_res *r, int col)
{
	const char	*s = r->db->ops->text(r, col);

	return (s != NULL ? strtod(s, NULL) : 0.0);
}

int
db_isnull(struct db_res *r, int col)
{
	return (r->db->ops->isnull(r, col));
}

void
db_done(struct db_res *r)
{
	if (r != NULL)
		r->db->ops->done(r);
}

long long
db_changes(struct db *db)
{
	return (db->ops->changes(db));
}

long long
db_purge(struct db *db, const char *count, const char *purge, time_t cutoff,
    int limit)
{
	long long	n = 0;

	if (limit == 0)
		return (db_int_query(db, &n, count, "i", (long long)cutoff) ==
		    -1 ? -1 : n);
	if (db_exec(db, purge, "ii", (long long)cutoff, (long long)limit) != 0)
		return (-1);
	return (db_changes(db));
}

const char *
db_error(struct db *db)
{
	return (db->ops->error(db));
}

int
db_shared(struct db *db)
{
	return (db->ops->shared);
}

const char *
db_clock_sql(struct db *db)
{
	return (db->ops->clock_sql);
}

const char *
db_skip_locked_sql(struct db *db)
{
	return (db->ops->skip_locked_sql);
}

int
db_pair_query(struct db *db, long long *a, long long *b, const char *sql,
    const char *types, ...)
{
	va_list		 ap;
	struct db_res	*r;
	int		 rc;

	va_start(ap, types);
	r = db->ops->query(db, sql, types, ap);
	va_end(ap);
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1) {
		*a = db_isnull(r, 0) ? 0 : db_int(r, 0);
		*b = db_isnull(r, 1) ? 0 : db_int(r, 1);
	}
	db_done(r);
	return (rc == 1 ? 0 : -1);
}

int
db_ping(struct db *db)
{
	long long	one = 0;

	return (db_int_query(db, &one, "SELECT 1", "") == 0 ? 0 : -1);
}

/* The first column of the first row: db_int_query's returns. */
static int
db_first(struct db *db, long long *iv, char **sv, const char *sql,
    const char *types, va_list ap)
{
	struct db_res	*r;
	int		 rc;

	if ((r = db->ops->query(db, sql, types, ap)) == NULL)
		return (-1);
	if ((rc = db_next(r)) == 1 && !db_isnull(r, 0)) {
		if (iv != NULL)
			*iv = db_int(r, 0);
		else
			*sv = xstrdup(db_text(r, 0));
		rc = 0;
	} else if (rc != -1)
		rc = 1;
	db_done(r);
	return (rc);
}

int
db_int_query(struct db *db, long long *out, const char *sql,
    const char *types, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, types);
	rc = db_first(db, out, NULL, sql, types, ap);
	va_end(ap);
	return (rc);
}

int
db_text_query(struct db *db, char **out, const char *sql,
    const char *types, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, types);
	rc = db_first(db, NULL, out, sql, types, ap);
	va_end(ap);
	return (rc);
}
