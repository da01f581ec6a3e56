/*
 * cli_purge.c -- hotline purge [--dry-run]: remove now what is past its
 * retention period (retention.c), or with --dry-run only say what would
 * go, as counts per kind.  Each batch is committed on its own, so a
 * running service is never held up for long.  Then this host's cached
 * copies of voicemails (recording.c), as the service's own pass does.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "recording.h"
#include "retention.h"
#include "store.h"
#include "util.h"

struct cli_purge {
	const struct config	*cfg;
	size_t			 step;
	time_t			 now;
	int			 limit;
	long long		 n;
};

static int
cli_purge_tx(struct db *db, void *arg)
{
	struct cli_purge	*p = arg;

	p->n = retention_run(db, p->cfg, p->step, p->now, p->limit);
	return (p->n < 0 ? -1 : 0);
}

int
cli_purge(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct store		*st;
	struct cli_purge	 p;
	long long		 total;
	int			 ch, dry = 0, days;

	while ((ch = getopt_long(argc, argv, "n", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			dry = 1;
			break;
		default:
			fprintf(stderr, "usage: hotline purge [--dry-run]\n");
			return (2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: hotline purge [--dry-run]\n");
		return (2);
	}
	st = cli_store(cli);
	memset(&p, 0, sizeof p);
	p.cfg = cli->cfg;
	p.now = util_now();
	p.limit = dry ? 0 : RETENTION_BATCH;
	printf("%-12s %6s %9s  %s\n", "kind", "days", dry ? "would go" :
	    "purged", "what");
	for (p.step = 0; p.step < retention_nsteps(); p.step++) {
		days = retention_days(p.cfg, p.step);
		total = 0;
		do {
			if (store_run(st, cli_purge_tx, &p) != 0) {
				fprintf(stderr, "hotline purge: %s: store "
				    "error\n", retention_what(p.step));
				return (1);
			}
			total += p.n;
		} while (!dry && p.n == RETENTION_BATCH);
		if (days > 0)
			printf("%-12s %6d %9lld  %s\n", retention_kind(p.step),
			    days, total, retention_what(p.step));
		else
			printf("%-12s %6s %9s  %s\n", retention_kind(p.step),
			    "-", "kept", retention_what(p.step));
	}
	if (p.cfg->retention.recordings > 0)
		printf("%-12s %6d %9d  %s\n", "recordings",
		    p.cfg->retention.recordings,
		    recording_sweep(p.cfg, p.now, dry), "voicemail files on disk");
	else
		printf("%-12s %6s %9s  %s\n", "recordings", "-", "kept",
		    "voicemail files on disk");
	return (0);
}
