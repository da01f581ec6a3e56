/*
 * cli_report.c -- "hotline report": report.c's sections printed as
 * aligned text, CSV or JSON.
 */
#include <sys/types.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "config.h"
#include "report.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

static char *
report_cell(json_t *v)
{
	char	*s;

	if (json_is_string(v))
		return (xstrdup(json_string_value(v)));
	if (json_is_integer(v))
		xasprintf(&s, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		xasprintf(&s, "%.1f", json_real_value(v));
	else
		s = xstrdup("-");
	return (s);
}

static void
report_csv_field(const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void
report_print_csv(json_t *rep)
{
	json_t		*sec, *cols, *rows, *row, *v;
	const char	*name;
	size_t		 i, j, k;
	char		*cell;

	json_array_foreach(json_object_get(rep, "sections"), i, sec) {
		name = json_string_value(json_object_get(sec, "name"));
		cols = json_object_get(sec, "columns");
		rows = json_object_get(sec, "rows");
		if (i > 0)
			putchar('\n');
		fputs("section", stdout);
		json_array_foreach(cols, j, v) {
			putchar(',');
			report_csv_field(json_string_value(v));
		}
		putchar('\n');
		json_array_foreach(rows, j, row) {
			report_csv_field(name);
			json_array_foreach(row, k, v) {
				cell = report_cell(v);
				putchar(',');
				report_csv_field(cell);
				free(cell);
			}
			putchar('\n');
		}
	}
}

static void
report_print_text(json_t *rep)
{
	json_t		*sec, *cols, *rows, *row, *v;
	size_t		 i, j, k, ncols, *w;
	char		*cell;

	json_array_foreach(json_object_get(rep, "sections"), i, sec) {
		cols = json_object_get(sec, "columns");
		rows = json_object_get(sec, "rows");
		ncols = json_array_size(cols);
		w = xcalloc(ncols, sizeof *w);
		json_array_foreach(cols, j, v)
			w[j] = strlen(json_string_value(v));
		json_array_foreach(rows, j, row) {
			json_array_foreach(row, k, v) {
				cell = report_cell(v);
				if (k < ncols && strlen(cell) > w[k])
					w[k] = strlen(cell);
				free(cell);
			}
		}
		printf("%s%s\n", i > 0 ? "\n" : "",
		    json_string_value(json_object_get(sec, "title")));
		json_array_foreach(cols, j, v)
			printf("%s%-*s", j > 0 ? "  " : "  ", (int)w[j],
			    json_string_value(v));
		printf("\n");
		if (json_array_size(rows) == 0)
			printf("  (nothing yet)\n");
		json_array_foreach(rows, j, row) {
			json_array_foreach(row, k, v) {
				if (k >= ncols)
					break;
				cell = report_cell(v);
				/* Names left, numbers right. */
				if (json_is_string(v))
					printf("  %-*s", (int)w[k], cell);
				else
					printf("  %*s", (int)w[k], cell);
				free(cell);
			}
			printf("\n");
		}
		free(w);
	}
}

struct report_job {
	const char	*tz;
	time_t		 since;
	json_t		*rep;
};

static int
report_tx(struct db *db, void *arg)
{
	struct report_job	*j = arg;

	j->rep = report_collect(db, j->tz, j->since);
	return (j->rep != NULL ? 0 : -1);
}

int
cli_report(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "csv", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct report_job	 job;
	char			*err = NULL;
	int			 ch, csv = 0, json = 0;

	memset(&job, 0, sizeof job);
	/* Days and dates are the clinic's: thirty days by default. */
	job.tz = report_zone(cli->cfg);
	job.since = report_default_since(job.tz, util_now());
	while ((ch = getopt_long(argc, argv, "s:cj", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (report_since(job.tz, optarg, &job.since) != 0) {
				fprintf(stderr, "hotline report: --since %s: "
				    "expected YYYY-MM-DD (a date in %s) or "
				    "all\n", optarg, job.tz);
				return (2);
			}
			break;
		case 'c':
			csv = 1;
			break;
		case 'j':
			json = 1;
			break;
		default:
			fprintf(stderr, "usage: hotline report [--since "
			    "YYYY-MM-DD|all] [--csv | --json]\n");
			return (2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: hotline report [--since "
		    "YYYY-MM-DD|all] [--csv | --json]\n");
		return (2);
	}
	/* Its own message rather than cli_store()'s: says which command failed. */
	if (cli->store == NULL && (cli->store = store_open(NULL,
	    cli->cfg->store, 1, &err)) == NULL) {
		fprintf(stderr, "hotline report: store %s: %s\n",
		    cli->cfg->store, err != NULL ? err : "cannot open");
		free(err);
		return (1);
	}
	if (store_run(cli->store, report_tx, &job) != 0 ||
	    job.rep == NULL) {
		fprintf(stderr, "hotline report: the store could not be read\n");
		return (1);
	}
	if (json) {
		/* Shortest form of the rounded figures: 117.6. */
		json_dumpf(job.rep, stdout, JSON_INDENT(1) |
		    JSON_REAL_PRECISION(15));
		printf("\n");
	} else if (csv)
		report_print_csv(job.rep);
	else {
		char	date[32];

		report_date(job.tz, job.since, date, sizeof date);
		printf("hotline report since %s (%s)\n\n", job.since == 0 ?
		    "the beginning" : date, job.tz);
		report_print_text(job.rep);
	}
	json_decref(job.rep);
	return (0);
}
