/*
 * cli_backup.c -- hotline backup FILE: a consistent copy of the embedded
 * store, taken while the service runs.
 *
 * SQLite's online backup API copies the database page by page.  Done in
 * one step it reads everything inside one read transaction, which in WAL
 * mode is a snapshot: the service keeps writing meanwhile, and the copy is
 * the database as of one commit, never half of a transaction.  The copy is
 * written beside FILE, checked, switched to a single-file journal mode and
 * only then linked as FILE, so FILE is either a whole database or absent,
 * and an existing FILE is never replaced.
 *
 * PostgreSQL is backed up with its own tool (pg_dump); this says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cli.h"
#include "config.h"
#include "xmalloc.h"

#define BACKUP_BUSY_MS	30000

static int
backup_fail(sqlite3 *db, const char *what, const char *path)
{
	fprintf(stderr, "hotline backup: %s %s: %s\n", what, path,
	    db != NULL ? sqlite3_errmsg(db) : "out of memory");
	return (-1);
}

/* The copy must be a database that reads back whole. */
static int
backup_check(sqlite3 *dst, const char *path)
{
	sqlite3_stmt	*st;
	const char	*v;
	int		 ok;

	if (sqlite3_prepare_v2(dst, "PRAGMA quick_check", -1, &st, NULL) !=
	    SQLITE_OK)
		return (backup_fail(dst, "cannot check", path));
	ok = sqlite3_step(st) == SQLITE_ROW &&
	    (v = (const char *)sqlite3_column_text(st, 0)) != NULL &&
	    strcmp(v, "ok") == 0;
	sqlite3_finalize(st);
	if (!ok) {
		fprintf(stderr, "hotline backup: %s: the copy failed its check\n",
		    path);
		return (-1);
	}
	/* One self-contained file: no -wal beside it to lose. */
	if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return (backup_fail(dst, "cannot finish", path));
	return (0);
}

/* Copy src (the store) to tmp in one read transaction. */
static int
backup_copy(const char *src_path, const char *tmp, int *pages)
{
	sqlite3		*src = NULL, *dst = NULL;
	sqlite3_backup	*b;
	int		 rc = -1, step;

	if (sqlite3_open_v2(src_path, &src, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		backup_fail(src, "cannot open", src_path);
		goto out;
	}
	sqlite3_busy_timeout(src, BACKUP_BUSY_MS);
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		backup_fail(dst, "cannot create", tmp);
		goto out;
	}
	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL) {
		backup_fail(dst, "cannot start the copy to", tmp);
		goto out;
	}
	/* -1: every page in one step, so one snapshot of the source. */
	while ((step = sqlite3_backup_step(b, -1)) == SQLITE_BUSY ||
	    step == SQLITE_LOCKED)
		sqlite3_sleep(100);
	*pages = sqlite3_backup_pagecount(b);
	if (sqlite3_backup_finish(b) != SQLITE_OK || step != SQLITE_DONE) {
		backup_fail(dst, "copy failed to", tmp);
		goto out;
	}
	rc = backup_check(dst, tmp);
out:
	if (dst != NULL && sqlite3_close(dst) != SQLITE_OK && rc == 0)
		rc = backup_fail(dst, "cannot close", tmp);
	sqlite3_close(src);
	return (rc);
}

/* The rename must reach the disk too: sync the folder that holds it. */
static void
backup_sync_dir(const char *file)
{
	char	*copy, *dir;
	int	 fd;

	copy = xstrdup(file);
	dir = dirname(copy);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

int
cli_backup(struct cli *cli, int argc, char **argv)
{
	const char	*store = cli->cfg->store, *file;
	char		*tmp;
	struct stat	 st;
	int		 pages = 0;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: hotline backup FILE\n");
		return (2);
	}
	file = argv[1];
	if (strncmp(store, "sqlite:", 7) != 0) {
		fprintf(stderr, "hotline backup: the store is PostgreSQL; back "
		    "it up with pg_dump (for example: pg_dump --format=custom "
		    "--file=FILE DATABASE-URL)\n");
		return (1);
	}
	if (stat(file, &st) == 0 || errno != ENOENT) {
		fprintf(stderr, "hotline backup: %s already exists; choose a "
		    "new name\n", file);
		return (1);
	}
	if (stat(store + 7, &st) != 0) {
		fprintf(stderr, "hotline backup: %s: %s\n", store + 7,
		    strerror(errno));
		return (1);
	}
	xasprintf(&tmp, "%s.partial", file);
	(void)unlink(tmp);
	if (backup_copy(store + 7, tmp, &pages) != 0) {
		(void)unlink(tmp);
		free(tmp);
		return (1);
	}
	/* link, not rename: a FILE made meanwhile is not replaced. */
	if (link(tmp, file) != 0) {
		fprintf(stderr, "hotline backup: %s: %s\n", file,
		    strerror(errno));
		(void)unlink(tmp);
		free(tmp);
		return (1);
	}
	(void)unlink(tmp);
	free(tmp);
	backup_sync_dir(file);
	if (stat(file, &st) == 0)
		printf("%s: %d pages, %lld bytes, copied from %s\n", file, pages,
		    (long long)st.st_size, store + 7);
	return (0);
}
