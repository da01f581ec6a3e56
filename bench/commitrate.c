/*
 * commitrate.c -- what the store's database does alone: rows a second
 * when every commit holds R rows, for the benchmark's baselines.
 *
 *   commitrate sqlite:PATH | postgresql://URL  ROWS_PER_COMMIT  SECONDS
 *
 * SQLite runs with the settings hotlined uses (WAL, synchronous=FULL) on
 * the same disk; PostgreSQL on the same server, with one prepared INSERT
 * (a single row commits on its own, one round trip; R rows are BEGIN, R
 * INSERTs and COMMIT).  One client, one connection: the rate of commits
 * that a single writer can make durable, which group commit has to beat.
 * Prints one line: rows= commits= seconds= rows_per_s= commits_per_s=
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef COMMITRATE_NO_PQ
#include <libpq-fe.h>
#endif
#include <sqlite3.h>

#define COMMITRATE_SQL	"INSERT INTO bench_rows (k, v, at) VALUES "

static double
commitrate_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static int
commitrate_sqlite(const char *path, int per, double secs, long long *rows,
    long long *commits, double *took)
{
	sqlite3		*h;
	sqlite3_stmt	*ins, *begin, *commit;
	char		*msg = NULL, key[32];
	double		 t0;
	int		 i;

	if (sqlite3_open(path, &h) != SQLITE_OK ||
	    sqlite3_exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
	    "CREATE TABLE IF NOT EXISTS bench_rows (id INTEGER PRIMARY KEY, "
	    "k TEXT NOT NULL, v INTEGER NOT NULL, at BIGINT NOT NULL)", NULL,
	    NULL, &msg) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, COMMITRATE_SQL "(?, ?, ?)", -1, &ins,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "BEGIN IMMEDIATE", -1, &begin, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(h, "COMMIT", -1, &commit, NULL) != SQLITE_OK) {
		fprintf(stderr, "commitrate: %s: %s\n", path,
		    msg != NULL ? msg : sqlite3_errmsg(h));
		return (-1);
	}
	t0 = commitrate_now();
	while ((*took = commitrate_now() - t0) < secs) {
		if (sqlite3_step(begin) != SQLITE_DONE)
			goto fail;
		sqlite3_reset(begin);
		for (i = 0; i < per; i++) {
			snprintf(key, sizeof key, "row-%lld", *rows);
			sqlite3_bind_text(ins, 1, key, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(ins, 2, *rows);
			sqlite3_bind_int64(ins, 3, (sqlite3_int64)time(NULL));
			if (sqlite3_step(ins) != SQLITE_DONE)
				goto fail;
			sqlite3_reset(ins);
			(*rows)++;
		}
		if (sqlite3_step(commit) != SQLITE_DONE)
			goto fail;
		sqlite3_reset(commit);
		(*commits)++;
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(begin);
	sqlite3_finalize(commit);
	sqlite3_close(h);
	return (0);
fail:
	fprintf(stderr, "commitrate: %s: %s\n", path, sqlite3_errmsg(h));
	return (-1);
}

#ifndef COMMITRATE_NO_PQ
static int
commitrate_pg_ok(PGconn *c, PGresult *r)
{
	int	ok = r != NULL && (PQresultStatus(r) == PGRES_COMMAND_OK ||
		    PQresultStatus(r) == PGRES_TUPLES_OK);

	if (!ok)
		fprintf(stderr, "commitrate: postgresql: %s",
		    r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(c));
	PQclear(r);
	return (ok);
}

static int
commitrate_pg(const char *url, int per, double secs, long long *rows,
    long long *commits, double *took)
{
	PGconn		*c;
	const char	*vals[3];
	char		 key[32], v[32], at[32];
	double		 t0;
	int		 i;

	c = PQconnectdb(url);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "commitrate: %s", PQerrorMessage(c));
		return (-1);
	}
	if (!commitrate_pg_ok(c, PQexec(c, "SET client_min_messages = "
	    "warning")) ||
	    !commitrate_pg_ok(c, PQexec(c, "CREATE TABLE IF NOT EXISTS "
	    "bench_rows (id BIGSERIAL PRIMARY KEY, k TEXT NOT NULL, "
	    "v BIGINT NOT NULL, at BIGINT NOT NULL)")) ||
	    !commitrate_pg_ok(c, PQprepare(c, "ins", COMMITRATE_SQL
	    "($1, $2, $3)", 0, NULL)))
		return (-1);
	vals[0] = key;
	vals[1] = v;
	vals[2] = at;
	t0 = commitrate_now();
	while ((*took = commitrate_now() - t0) < secs) {
		if (per > 1 && !commitrate_pg_ok(c, PQexec(c, "BEGIN")))
			return (-1);
		for (i = 0; i < per; i++) {
			snprintf(key, sizeof key, "row-%lld", *rows);
			snprintf(v, sizeof v, "%lld", *rows);
			snprintf(at, sizeof at, "%lld", (long long)time(NULL));
			if (!commitrate_pg_ok(c, PQexecPrepared(c, "ins", 3,
			    vals, NULL, NULL, 0)))
				return (-1);
			(*rows)++;
		}
		if (per > 1 && !commitrate_pg_ok(c, PQexec(c, "COMMIT")))
			return (-1);
		(*commits)++;
	}
	PQfinish(c);
	return (0);
}
#endif

int
main(int argc, char **argv)
{
	long long	rows = 0, commits = 0;
	double		secs, took = 0;
	int		per, rc;

	if (argc != 4 || (per = atoi(argv[2])) < 1 ||
	    (secs = strtod(argv[3], NULL)) <= 0) {
		fprintf(stderr, "usage: commitrate sqlite:PATH|postgresql://URL "
		    "ROWS_PER_COMMIT SECONDS\n");
		return (2);
	}
	if (strncmp(argv[1], "sqlite:", 7) == 0)
		rc = commitrate_sqlite(argv[1] + 7, per, secs, &rows, &commits,
		    &took);
	else {
#ifndef COMMITRATE_NO_PQ
		rc = commitrate_pg(argv[1], per, secs, &rows, &commits, &took);
#else
		fprintf(stderr, "commitrate: built without libpq\n");
		rc = -1;
#endif
	}
	if (rc != 0 || took <= 0)
		return (1);
	printf("rows=%lld commits=%lld seconds=%.3f rows_per_s=%.1f "
	    "commits_per_s=%.1f\n", rows, commits, took, rows / took,
	    commits / took);
	return (0);
}
