/*
 * cli_flow.c -- "hotline flow graph": the voice menu as a picture.
 *
 * The graph is written in the DOT language by the library (flowdot.c);
 * --format svg pipes it through Graphviz's dot; --counts puts the last 30
 * days of the report's funnel on it (callers per node, choices per arrow).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "flowdot.h"
#include "report.h"
#include "store.h"
#include "util.h"

static int
flow_usage(FILE *f)
{
	fprintf(f, "usage: hotline flow graph [--lang L] [--format dot|svg] "
	    "[--counts]\n");
	return (f == stdout ? 0 : 2);
}

struct flow_job {
	const char	*tz;
	time_t	 since;
	json_t	*rep;
};

static int
flow_report_tx(struct db *db, void *arg)
{
	struct flow_job	*j = arg;

	j->rep = report_collect(db, j->tz, j->since);
	return (j->rep != NULL ? 0 : -1);
}

int
cli_flow(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lang", required_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'f' },
		{ "counts", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*lang = NULL, *format = "dot";
	char		*dot, *svg, *err;
	size_t		 len;
	int		 ch, li = 0, counts = 0;
	struct flow_job	 job = { NULL, 0, NULL };

	if (argc < 2 || strcmp(argv[1], "graph") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0))
			return (flow_usage(stdout));
		fprintf(stderr, "hotline flow: unknown subcommand '%s' (graph)\n",
		    argc >= 2 ? argv[1] : "");
		return (flow_usage(stderr));
	}
	argc--;
	argv++;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "+l:f:nh", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'l':
			lang = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'n':
			counts = 1;
			break;
		case 'h':
			return (flow_usage(stdout));
		default:
			return (flow_usage(stderr));
		}
	}
	if (optind < argc)
		return (flow_usage(stderr));
	if (strcmp(format, "dot") != 0 && strcmp(format, "svg") != 0) {
		fprintf(stderr, "hotline flow graph: --format is dot or svg, not "
		    "'%s'\n", format);
		return (2);
	}
	if (lang != NULL && (li = config_lang(cli->cfg, lang)) < 0) {
		fprintf(stderr, "hotline flow graph: unknown language '%s'\n",
		    lang);
		return (2);
	}
	if (counts) {
		/* The report's 30 days, counted in the clinic's zone. */
		job.tz = report_zone(cli->cfg);
		job.since = report_default_since(job.tz, util_now());
		if (store_run(cli_store(cli), flow_report_tx, &job) != 0 ||
		    job.rep == NULL) {
			fprintf(stderr, "hotline flow graph: the store could not "
			    "be read\n");
			return (1);
		}
	}
	dot = flowdot_graph(cli->cfg, li, job.rep);
	json_decref(job.rep);
	if (dot == NULL) {
		fprintf(stderr, "hotline flow graph: out of memory\n");
		return (1);
	}
	if (strcmp(format, "dot") == 0) {
		fputs(dot, stdout);
		free(dot);
		return (0);
	}
	svg = flowdot_svg(dot, &len, &err);
	free(dot);
	if (svg == NULL) {
		fprintf(stderr, "hotline flow graph: %s\n", err);
		free(err);
		return (1);
	}
	fwrite(svg, 1, len, stdout);
	free(svg);
	return (0);
}
