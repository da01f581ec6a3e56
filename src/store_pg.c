/*
 * store_pg.c -- the PostgreSQL store, through libpq.
 *
 * One connection per store thread, so several instances behind a load
 * balancer and several store threads in each can write at once.  The SQL
 * is the same text SQLite runs: '?' placeholders become $1..$n here, every
 * parameter is sent as text and every result comes back as text, which is
 * what the db_* accessors in store.c expect.
 *
 * A restarted or failed-over server must not need a restart of hotlined:
 * a connection found broken is reset before the next transaction begins,
 * never in the middle of one (the server already rolled that back).
 *
 * Round trips are what a store thread spends its time on here.  BEGIN,
 * SAVEPOINT and RELEASE SAVEPOINT need no answer before the next
 * statement, so they are held back and sent in one pipeline with it
 * (libpq pipeline mode): a group commit's per-job savepoints, and its
 * BEGIN, cost no round trip of their own.  Their errors surface on that
 * next statement, which then fails as if it had failed itself.
 *
 * Inside a transaction, an INSERT, UPDATE or DELETE run with db_exec is
 * held back too: nothing reads its answer but db_changes, which sends it
 * then.  A job's writes after its last query (a webhook's event, its
 * answer, its reply) go in one round trip with whatever comes next.  Its
 * error must still be its own job's: the held writes are sent, and their
 * errors told, before a savepoint is released or made (pg_settle, or the
 * RELEASE itself), never with the next job's statements; a rollback
 * drops them unsent.  A COMMIT that the server answers with ROLLBACK (the
 * transaction had failed) fails.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "log.h"
#include "store_backend.h"
#include "xmalloc.h"

/* Type OIDs from the server's catalog (pg_type.dat); stable since 7.x. */
#define PG_BOOLOID	16
#define PG_INT8OID	20
#define PG_TEXTOID	25
#define PG_FLOAT8OID	701

#define PG_MAXPARAMS	64
#define PG_NUMLEN	32
#define PG_CACHE	256
#define PG_DEFERRED	32	/* held-back statements before a forced send */

/*
 * A statement held back (see the top): its text, and for a write its
 * prepared statement and a copy of its values.
 */
struct pg_held {
	char		*sql;
	char		*q;		/* with $n, for a new session */
	const char	*name;		/* prepared, or NULL: sql has no values */
	unsigned int	 session;	/* p->session when prepared */
	int		 write;		/* its error belongs to the caller's job */
	int		 n;
	char		*values[PG_MAXPARAMS];
	Oid		 oids[PG_MAXPARAMS];
};

/* A statement prepared on this connection, by its text and argument types. */
struct pg_stmt {
	char		*sql;
	char		*types;
	char		 name[16];
};

struct pg_db {
	struct db	 db;
	PGconn		*conn;
	int		 intx;		/* between BEGIN and COMMIT/ROLLBACK */
	int		 lost;		/* said so in the log already */
	long long	 changes;
	struct pg_stmt	 cache[PG_CACHE];
	int		 ncache;
	unsigned int	 serial;
	struct pg_held	 deferred[PG_DEFERRED];	/* to send before the next one */
	int		 ndeferred;
	int		 nwrites;	/* held writes among them */
	unsigned int	 session;	/* connections made (prepared names) */
	int		 failed;	/* a held write failed, untold */
	char		 err[512];
};

struct pg_res {
	struct db	*db;		/* first, as in struct db_res */
	PGresult	*res;
	int		 row;
	int		 nrows;
};

/* Keep the server's NOTICEs ("already exists, skipping") out of stderr. */
static void
pg_notice(void *arg, const char *msg)
{
	size_t	len = strlen(msg);

	while (len > 0 && msg[len - 1] == '\n')
		len--;
	log_debug("store_pg: server notice: %.*s", (int)len, msg);
}

static void
pg_seterr(struct pg_db *p, const char *what, const char *msg)
{
	static const char *const quoting[] = {
		"\nDETAIL:", "\nCONTEXT:", "\nHINT:"
	};
	char	*c;
	size_t	 len, i;

	snprintf(p->err, sizeof p->err, "%s: %s", what,
	    msg != NULL && *msg != '\0' ? msg : "unknown error");
	len = strlen(p->err);
	while (len > 0 && p->err[len - 1] == '\n')
		p->err[--len] = '\0';
	/*
	 * The server's DETAIL and CONTEXT lines quote the row that failed
	 * ("Failing row contains (...)", "Key (phone)=(...)"): a phone
	 * number or a text's words, which no log may hold.  Errors go to
	 * the log, so only the first line of a statement's error is kept.
	 */
	for (i = 0; i < sizeof quoting / sizeof quoting[0]; i++)
		if ((c = strstr(p->err, quoting[i])) != NULL)
			*c = '\0';
	/* libpq's messages run over several lines; a log line must not. */
	for (c = p->err; *c != '\0'; c++)
		if (*c == '\n' || *c == '\t')
			*c = ' ';
}

static struct db *
pg_open(const char *url, char **err)
{
	struct pg_db	*p;
	/*
	 * Entries before dbname may be overridden by the URL, those after it
	 * may not: the encoding is what the rest of the code assumes.
	 * statement_timeout rides in options so that PQreset keeps it.
	 */
	const char	*keys[] = { "application_name", "connect_timeout",
			    "options", "dbname", "client_encoding", NULL };
	const char	*vals[] = { "hotlined", "5",
			    "-c statement_timeout=10000", url, "UTF8", NULL };

	p = xcalloc(1, sizeof *p);
	p->db.ops = &store_pg_ops;
	p->conn = PQconnectdbParams(keys, vals, 1);
	if (p->conn == NULL) {
		xasprintf(err, "postgresql: out of memory");
		free(p);
		return (NULL);
	}
	if (PQstatus(p->conn) != CONNECTION_OK) {
		pg_seterr(p, "postgresql: cannot connect",
		    PQerrorMessage(p->conn));
		*err = xstrdup(p->err);
		PQfinish(p->conn);
		free(p);
		return (NULL);
	}
	PQsetNoticeProcessor(p->conn, pg_notice, NULL);
	return (&p->db);
}

static void
pg_held_free(struct pg_held *h)
{
	int	i;

	free(h->sql);
	free(h->q);
	for (i = 0; i < h->n; i++)
		free(h->values[i]);
	memset(h, 0, sizeof *h);
}

static void
pg_forget_deferred(struct pg_db *p)
{
	int	i;

	for (i = 0; i < p->ndeferred; i++)
		pg_held_free(&p->deferred[i]);
	p->ndeferred = 0;
	p->nwrites = 0;
}

/* A rollback undoes the held writes anyway: they are not sent. */
static void
pg_drop_writes(struct pg_db *p)
{
	int	i, o;

	for (i = o = 0; i < p->ndeferred; i++) {
		if (p->deferred[i].write)
			pg_held_free(&p->deferred[i]);
		else
			p->deferred[o++] = p->deferred[i];
	}
	for (i = o; i < p->ndeferred; i++)
		memset(&p->deferred[i], 0, sizeof p->deferred[i]);
	p->ndeferred = o;
	p->nwrites = 0;
}

static void
pg_forget(struct pg_db *p)
{
	int	i;

	for (i = 0; i < p->ncache; i++) {
		free(p->cache[i].sql);
		free(p->cache[i].types);
	}
	p->ncache = 0;
}

static void
pg_close(struct db *db)
{
	struct pg_db	*p = (struct pg_db *)db;

	pg_forget(p);
	pg_forget_deferred(p);
	PQfinish(p->conn);
	free(p);
}

/* Is s (just after a '?') "IS NULL" or "IS NOT NULL"? */
static int
pg_isnulltest(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (strncasecmp(s, "IS", 2) != 0 || (s[2] != ' ' && s[2] != '\n'))
		return (0);
	for (s += 2; *s == ' ' || *s == '\t' || *s == '\n'; s++)
		;
	if (strncasecmp(s, "NOT", 3) == 0 && (s[3] == ' ' || s[3] == '\n'))
		for (s += 3; *s == ' ' || *s == '\t' || *s == '\n'; s++)
			;
	return (strncasecmp(s, "NULL", 4) == 0);
}

/*
 * '?' to $1..$n, leaving quoted literals, quoted identifiers and comments
 * alone.  Returns the number of placeholders in *n; nulltest[i] is set for
 * each of the first PG_MAXPARAMS that is only tested for NULL.
 */
static char *
pg_rewrite(const char *sql, int *n, int *nulltest)
{
	const char	*s;
	char		*out, *o, quote = 0;
	size_t		 count = 0;

	for (s = sql; *s != '\0'; s++)
		if (*s == '?')
			count++;
	/* Room for "$" and the widest number each '?' can become. */
	out = o = xmalloc(strlen(sql) + count * 12 + 1);
	*n = 0;
	for (s = sql; *s != '\0'; s++) {
		if (quote != 0) {
			if (*s == quote)
				quote = 0;
			*o++ = *s;
			continue;
		}
		if (*s == '\'' || *s == '"') {
			quote = *s;
			*o++ = *s;
			continue;
		}
		if (s[0] == '-' && s[1] == '-') {
			while (*s != '\0' && *s != '\n')
				*o++ = *s++;
			if (*s == '\0')
				break;
			*o++ = *s;
			continue;
		}
		if (*s == '?') {
			if (*n < PG_MAXPARAMS)
				nulltest[*n] = pg_isnulltest(s + 1);
			(*n)++;
			o += sprintf(o, "$%d", *n);
			continue;
		}
		*o++ = *s;
	}
	*o = '\0';
	return (out);
}

/* What a statement does to the transaction state, from its first word. */
static void
pg_track(struct pg_db *p, const char *sql, int ok)
{
	while (*sql == ' ' || *sql == '\t' || *sql == '\n')
		sql++;
	if (strncasecmp(sql, "BEGIN", 5) == 0) {
		if (ok)
			p->intx = 1;
	} else if (strncasecmp(sql, "COMMIT", 6) == 0 ||
	    strncasecmp(sql, "END", 3) == 0)
		p->intx = 0;
	else if (strncasecmp(sql, "ROLLBACK", 8) == 0 &&
	    strncasecmp(sql + 8, " TO", 3) != 0)
		p->intx = 0;
}

/* Does sql start with the word w? */
static int
pg_starts(const char *sql, const char *w)
{
	size_t	len = strlen(w);

	while (*sql == ' ' || *sql == '\t' || *sql == '\n')
		sql++;
	return (strncasecmp(sql, w, len) == 0 && (sql[len] == '\0' ||
	    sql[len] == ' ' || sql[len] == '\t' || sql[len] == '\n' ||
	    sql[len] == ';'));
}

static int
pg_isbegin(const char *sql)
{
	return (pg_starts(sql, "BEGIN"));
}

/* Transaction control whose answer nothing waits for (see the top). */
static int
pg_deferrable(const char *sql)
{
	return (pg_starts(sql, "BEGIN") || pg_starts(sql, "SAVEPOINT") ||
	    pg_starts(sql, "RELEASE"));
}

/* A write whose answer only db_changes reads (see the top). */
static int
pg_iswrite(const char *sql)
{
	return (pg_starts(sql, "INSERT") || pg_starts(sql, "UPDATE") ||
	    pg_starts(sql, "DELETE") || pg_starts(sql, "WITH"));
}

/* In a transaction, or about to be: a held write is sent before its end. */
static int
pg_opening(struct pg_db *p)
{
	return (p->intx ||
	    (p->ndeferred > 0 && pg_isbegin(p->deferred[0].sql)));
}

/* Reset a broken connection; only ever between transactions. */
static int
pg_revive(struct pg_db *p)
{
	if (PQstatus(p->conn) != CONNECTION_BAD || p->intx)
		return (0);
	if (!p->lost)
		log_warn("store_pg: connection lost, reconnecting");
	/* A new session has none of the old one's prepared statements. */
	pg_forget(p);
	p->session++;
	PQreset(p->conn);
	if (PQstatus(p->conn) != CONNECTION_OK) {
		pg_seterr(p, "reconnect", PQerrorMessage(p->conn));
		/* Once per outage, not once per attempt. */
		if (!p->lost)
			log_error("store_pg: %s", p->err);
		p->lost = 1;
		return (-1);
	}
	PQsetNoticeProcessor(p->conn, pg_notice, NULL);
	log_info("store_pg: reconnected");
	p->lost = 0;
	return (0);
}

/*
 * The prepared statement for sql, preparing it on first use: parsing and
 * planning once per connection instead of once per call.  When the cache
 * is full the statement runs unnamed (NULL, no error), since dropping a
 * prepared statement costs a round trip that an aborted transaction
 * would refuse anyway.  -1 when the server refused to prepare it.
 */
static const char *
pg_cached(struct pg_db *p, const char *sql, const char *types)
{
	struct pg_stmt	*c;
	int		 i;

	for (i = 0; i < p->ncache; i++) {
		c = &p->cache[i];
		if (strcmp(c->sql, sql) == 0 && strcmp(c->types, types) == 0)
			return (c->name);
	}
	return (NULL);
}

static int
pg_prepare(struct pg_db *p, const char *sql, const char *q, const char *types,
    int n, const Oid *oids, const char **name)
{
	struct pg_stmt	*c;
	PGresult	*res;
	int		 ok;

	if ((*name = pg_cached(p, sql, types)) != NULL ||
	    p->ncache == PG_CACHE)
		return (0);
	c = &p->cache[p->ncache];
	snprintf(c->name, sizeof c->name, "hl%u", p->serial++);
	res = PQprepare(p->conn, c->name, q, n, oids);
	ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		pg_seterr(p, "postgresql", res != NULL ?
		    PQresultErrorMessage(res) : PQerrorMessage(p->conn));
	PQclear(res);
	if (!ok)
		return (-1);
	c->sql = xstrdup(sql);
	c->types = xstrdup(types);
	p->ncache++;
	*name = c->name;
	return (0);
}

/*
 * Send what was held back, then q (NULL: nothing more) with its n values
 * (as the prepared statement name when not NULL), in one pipeline, and
 * read every answer.  Returns q's result, or with q NULL the last held-back
 * statement's; NULL with p->err set when any of them failed, since the
 * server skips the rest of a pipeline after an error.  The held-back
 * statements stay listed: the caller forgets them or, when the connection
 * broke before BEGIN did anything, sends them again.
 */
static PGresult *
pg_pipeline(struct pg_db *p, const char *q, int n, const Oid *oids,
    const char *const *values, const char *name)
{
	PGresult	*res, *out = NULL;
	struct pg_held	*h;
	ExecStatusType	 st;
	const char	*tuples;
	int		 i, total = p->ndeferred + (q != NULL), ok = 1, good, idx;
	int		 synced = 0;

	if (!PQenterPipelineMode(p->conn))
		goto broken;
	for (i = 0; i < p->ndeferred; i++) {
		h = &p->deferred[i];
		/* Sent again on a new session: its name is gone there. */
		if (!(h->name != NULL && h->session == p->session ?
		    PQsendQueryPrepared(p->conn, h->name, h->n,
		    (const char *const *)h->values, NULL, NULL, 0) :
		    PQsendQueryParams(p->conn, h->q != NULL ? h->q : h->sql,
		    h->n, h->oids, (const char *const *)h->values, NULL, NULL,
		    0)))
			goto broken;
	}
	if (q != NULL && !(name != NULL ? PQsendQueryPrepared(p->conn, name, n,
	    values, NULL, NULL, 0) : PQsendQueryParams(p->conn, q, n, oids,
	    values, NULL, NULL, 0)))
		goto broken;
	if (!PQpipelineSync(p->conn))
		goto broken;
	synced = 1;
	/* Each statement's answer ends with a NULL; the sync point ends all. */
	for (idx = 0;;) {
		if ((res = PQgetResult(p->conn)) == NULL) {
			if (++idx > total || PQstatus(p->conn) == CONNECTION_BAD)
				goto broken;
			continue;
		}
		st = PQresultStatus(res);
		if (st == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			break;
		}
		good = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
		if (!good && ok) {
			pg_seterr(p, "postgresql", st == PGRES_PIPELINE_ABORTED ?
			    "skipped after an error" : PQresultErrorMessage(res));
			ok = 0;
			/* The job's own error, whatever statement it came with. */
			if (idx < p->ndeferred && p->deferred[idx].write)
				p->failed = 1;
		}
		if (idx < p->ndeferred) {
			h = &p->deferred[idx];
			pg_track(p, h->sql, good);
			if (good && h->write) {
				tuples = PQcmdTuples(res);
				p->changes = *tuples != '\0' ?
				    strtoll(tuples, NULL, 10) : 0;
			}
		}
		if (idx == total - 1 && good && out == NULL)
			out = res;
		else
			PQclear(res);
	}
	if (!PQexitPipelineMode(p->conn))
		goto broken;
	if (!ok) {
		PQclear(out);
		return (NULL);
	}
	return (out);
broken:
	if (ok)
		pg_seterr(p, "postgresql", PQerrorMessage(p->conn));
	PQclear(out);
	/*
	 * On a live connection, finish the pipeline so that the connection
	 * can be used again; a broken one is reset (which ends it) before the
	 * next transaction.
	 */
	if (PQstatus(p->conn) != CONNECTION_BAD &&
	    PQpipelineStatus(p->conn) != PQ_PIPELINE_OFF) {
		if (!synced)
			PQpipelineSync(p->conn);
		for (i = 0; i <= total + 1;) {
			if ((res = PQgetResult(p->conn)) == NULL) {
				if (PQstatus(p->conn) == CONNECTION_BAD)
					break;
				i++;
				continue;
			}
			st = PQresultStatus(res);
			PQclear(res);
			if (st == PGRES_PIPELINE_SYNC)
				break;
		}
		PQexitPipelineMode(p->conn);
	}
	return (NULL);
}

/* Hold a write back (see the top), with a copy of its values. */
static void
pg_hold(struct pg_db *p, const char *sql, const char *q, const char *name,
    int n, const Oid *oids, const char *const *values)
{
	struct pg_held	*h = &p->deferred[p->ndeferred++];
	int		 i;

	memset(h, 0, sizeof *h);
	h->sql = xstrdup(sql);
	h->q = xstrdup(q);
	h->name = name;
	h->session = p->session;
	h->write = 1;
	h->n = n;
	for (i = 0; i < n; i++) {
		h->values[i] = values[i] != NULL ? xstrdup(values[i]) : NULL;
		h->oids[i] = oids[i];
	}
	p->nwrites++;
}

/*
 * Send what was held back now, if it holds a write; -1 (and the error)
 * when a held write failed, now or when db_changes sent it, until the
 * rollback that follows.
 */
static int
pg_settle(struct db *db)
{
	struct pg_db	*p = (struct pg_db *)db;
	PGresult	*res;

	if (p->failed)
		return (-1);
	if (p->nwrites == 0)
		return (0);
	res = pg_pipeline(p, NULL, 0, NULL, NULL, NULL);
	pg_forget_deferred(p);
	if (res == NULL) {
		p->failed = 1;
		return (-1);
	}
	PQclear(res);
	return (0);
}

/*
 * Run sql with its arguments, every value as text.  Numbers are typed so
 * that '? IS NULL' or '? > col' needs no guess.  Strings stay untyped and
 * take the type of the column they meet, as in SQLite, except where a
 * string is only tested for NULL: there the server has nothing to infer a
 * type from and would refuse the statement.
 */
static PGresult *
pg_run(struct pg_db *p, const char *sql, const char *types, va_list ap,
    int *held)
{
	const char	*values[PG_MAXPARAMS];
	Oid		 oids[PG_MAXPARAMS];
	char		 nums[PG_MAXPARAMS][PG_NUMLEN];
	int		 nulltest[PG_MAXPARAMS];
	char		*q;
	const char	*t, *name = NULL;
	PGresult	*res;
	ExecStatusType	 st;
	int		 n, i, retried = 0, began;

	memset(nulltest, 0, sizeof nulltest);
	q = pg_rewrite(sql, &n, nulltest);
	if (n != (int)strlen(types) || n > PG_MAXPARAMS) {
		snprintf(p->err, sizeof p->err, "%d placeholders but %zu "
		    "arguments (at most %d)", n, strlen(types), PG_MAXPARAMS);
		free(q);
		return (NULL);
	}
	for (t = types, i = 0; *t != '\0'; t++, i++) {
		switch (*t) {
		case 'i':
			snprintf(nums[i], PG_NUMLEN, "%lld",
			    va_arg(ap, long long));
			values[i] = nums[i];
			oids[i] = PG_INT8OID;
			break;
		case 'd':
			snprintf(nums[i], PG_NUMLEN, "%.17g",
			    va_arg(ap, double));
			values[i] = nums[i];
			oids[i] = PG_FLOAT8OID;
			break;
		case 's':
			values[i] = va_arg(ap, const char *);
			oids[i] = nulltest[i] ? PG_TEXTOID : 0;
			break;
		default:
			snprintf(p->err, sizeof p->err, "bad type '%c'", *t);
			free(q);
			return (NULL);
		}
	}

	if (pg_revive(p) != 0) {
		free(q);
		return (NULL);
	}
	/* A rollback undoes the held writes: they need not be sent. */
	if (pg_starts(sql, "ROLLBACK")) {
		pg_drop_writes(p);
		p->failed = 0;
	}
again:
	began = pg_isbegin(p->ndeferred > 0 ? p->deferred[0].sql : sql);
	/*
	 * A Parse that fails aborts the transaction: a statement is prepared
	 * only once what was held back is on the server, so that it takes
	 * down its own job's savepoint and not the job before.  ROLLBACK is
	 * never pipelined (a pipeline skips everything after an error), nor
	 * is text that may hold several statements (only a plain query may).
	 */
	if (p->ndeferred > 0 && ((n > 0 && pg_cached(p, sql, types) == NULL &&
	    p->ncache < PG_CACHE) || pg_starts(sql, "ROLLBACK") ||
	    (n == 0 && strchr(q, ';') != NULL))) {
		res = pg_pipeline(p, NULL, 0, NULL, NULL, NULL);
		if (res == NULL)
			goto fail;
		PQclear(res);
		pg_forget_deferred(p);
	}
	if (n > 0 && pg_prepare(p, sql, q, types, n, oids, &name) != 0)
		goto fail;
	if (held != NULL && (n > 0 ? name != NULL : strchr(q, ';') == NULL)) {
		if (p->ndeferred == PG_DEFERRED) {
			if ((res = pg_pipeline(p, NULL, 0, NULL, NULL,
			    NULL)) == NULL)
				goto fail;
			PQclear(res);
			pg_forget_deferred(p);
		}
		pg_hold(p, sql, q, name, n, oids, values);
		*held = 1;
		free(q);
		return (NULL);
	}
	if (p->ndeferred > 0) {
		if ((res = pg_pipeline(p, q, n, oids, values,
		    n > 0 ? name : NULL)) == NULL)
			goto fail;
		pg_forget_deferred(p);
	} else if (n == 0)
		res = PQexec(p->conn, q);
	else if (name != NULL)
		res = PQexecPrepared(p->conn, name, n, values, NULL, NULL, 0);
	else
		res = PQexecParams(p->conn, q, n, oids, values, NULL, NULL, 0);
	st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		pg_track(p, sql, 1);
		free(q);
		return (res);
	}
	pg_seterr(p, "postgresql", res != NULL ?
	    PQresultErrorMessage(res) : PQerrorMessage(p->conn));
	PQclear(res);
fail:
	/*
	 * A server restart is only noticed when a statement fails.  BEGIN
	 * has done nothing yet (nor anything sent after it in its pipeline),
	 * so it is safe to reconnect and try again.
	 */
	if (!retried && began && PQstatus(p->conn) == CONNECTION_BAD) {
		retried = 1;
		p->intx = 0;
		if (pg_revive(p) == 0 && PQstatus(p->conn) == CONNECTION_OK)
			goto again;
	}
	pg_forget_deferred(p);
	pg_track(p, sql, 0);
	free(q);
	return (NULL);
}

static int
pg_exec(struct db *db, const char *sql, const char *types, va_list ap)
{
	struct pg_db	*p = (struct pg_db *)db;
	PGresult	*res;
	const char	*n;
	int		 held = 0, commit;

	/* A new transaction: nothing of the last one is left to tell. */
	if (pg_isbegin(sql)) {
		pg_drop_writes(p);
		p->failed = 0;
	}
	/*
	 * Sent with the next statement (see the top); full: sent now.  A
	 * savepoint is made or released only once the held writes before it
	 * are known to have worked: their error is their job's.
	 */
	if (pg_deferrable(sql) && (p->nwrites > 0 || p->failed)) {
		if (pg_settle(db) != 0)
			return (-1);
	}
	if (*types == '\0' && pg_deferrable(sql) &&
	    p->ndeferred < PG_DEFERRED) {
		memset(&p->deferred[p->ndeferred], 0,
		    sizeof p->deferred[p->ndeferred]);
		p->deferred[p->ndeferred++].sql = xstrdup(sql);
		p->changes = 0;
		return (0);
	}
	commit = pg_starts(sql, "COMMIT");
	if (commit && p->failed) {
		/* The server would answer ROLLBACK; p->err says why. */
		return (-1);
	}
	if ((res = pg_run(p, sql, types, ap, pg_iswrite(sql) &&
	    pg_opening(p) ? &held : NULL)) == NULL)
		return (held ? 0 : -1);
	/* A transaction that had failed ends with ROLLBACK, not COMMIT. */
	if (commit && strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		snprintf(p->err, sizeof p->err, "postgresql: the transaction "
		    "was rolled back (%s)", PQcmdStatus(res));
		PQclear(res);
		return (-1);
	}
	n = PQcmdTuples(res);
	p->changes = *n != '\0' ? strtoll(n, NULL, 10) : 0;
	PQclear(res);
	return (0);
}

static struct db_res *
pg_query(struct db *db, const char *sql, const char *types, va_list ap)
{
	struct pg_db	*p = (struct pg_db *)db;
	struct pg_res	*r;
	PGresult	*res;

	if ((res = pg_run(p, sql, types, ap, NULL)) == NULL)
		return (NULL);
	r = xcalloc(1, sizeof *r);
	r->db = db;
	r->res = res;
	r->row = -1;
	r->nrows = PQntuples(res);
	return ((struct db_res *)r);
}

static int
pg_next(struct db_res *res)
{
	struct pg_res	*r = (struct pg_res *)res;

	if (r->row + 1 >= r->nrows) {
		r->row = r->nrows;
		return (0);
	}
	r->row++;
	return (1);
}

static const char *
pg_text(struct db_res *res, int col)
{
	struct pg_res	*r = (struct pg_res *)res;
	const char	*v;

	if (r->row < 0 || r->row >= r->nrows || col < 0 ||
	    col >= PQnfields(r->res) || PQgetisnull(r->res, r->row, col))
		return (NULL);
	v = PQgetvalue(r->res, r->row, col);
	/* SQLite answers comparisons with 1/0; so must we ("t"/"f"). */
	if (PQftype(r->res, col) == PG_BOOLOID)
		return (*v == 't' ? "1" : "0");
	return (v);
}

static int
pg_isnull(struct db_res *res, int col)
{
	struct pg_res	*r = (struct pg_res *)res;

	if (r->row < 0 || r->row >= r->nrows || col < 0 ||
	    col >= PQnfields(r->res))
		return (1);
	return (PQgetisnull(r->res, r->row, col));
}

static void
pg_done(struct db_res *res)
{
	struct pg_res	*r = (struct pg_res *)res;

	PQclear(r->res);
	free(r);
}

static long long
pg_changes(struct db *db)
{
	struct pg_db	*p = (struct pg_db *)db;

	/* The last write is held back: send it now (an error: pg_settle). */
	if (p->nwrites > 0 && pg_settle(db) != 0)
		return (0);
	return (p->changes);
}

static const char *
pg_error(struct db *db)
{
	return (((struct pg_db *)db)->err);
}

const struct db_ops store_pg_ops = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.query = pg_query,
	.next = pg_next,
	.text = pg_text,
	.isnull = pg_isnull,
	.done = pg_done,
	.changes = pg_changes,
	.error = pg_error,
	.settle = pg_settle,
	.max_threads = 8,
	.begin = "BEGIN",
	/*
	 * Instances starting together on a fresh database: one migrates, the
	 * others wait here for its commit and then find nothing left to do.
	 */
	.migration_lock = "SELECT pg_advisory_xact_lock(7346554)",
	.id_column = "BIGSERIAL PRIMARY KEY",
	.clock_sql = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT",
	.skip_locked_sql = " FOR UPDATE SKIP LOCKED",
	/* Several instances behind a load balancer share one database. */
	.shared = 1,
};
