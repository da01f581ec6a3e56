/*
 * cli_audit.c -- hotline audit [--limit N] [--json]: who looked at whose
 * record, newest first, straight from the store (the operator's view of
 * what GET /api/v1/audit shows admins).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "cli.h"
#include "store.h"

struct cli_audit {
	int	 limit;
	json_t	*rows;
};

static int
cli_audit_tx(struct db *db, void *arg)
{
	struct cli_audit	*a = arg;

	return ((a->rows = audit_list(db, 0, a->limit)) != NULL ? 0 : -1);
}

int
cli_audit(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_audit	 a = { 100, NULL };
	json_t			*row;
	size_t			 i;
	char			*end;
	int			 ch, as_json = 0;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			a.limit = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || a.limit < 1 ||
			    a.limit > AUDIT_LIMIT_MAX) {
				fprintf(stderr, "hotline: --limit is 1 to %d\n",
				    AUDIT_LIMIT_MAX);
				return (2);
			}
			break;
		case 'j':
			as_json = 1;
			break;
		default:
			fprintf(stderr, "usage: hotline audit [--limit N] "
			    "[--json]\n");
			return (2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: hotline audit [--limit N] [--json]\n");
		return (2);
	}
	if (cli_store(cli) == NULL ||
	    store_run(cli_store(cli), cli_audit_tx, &a) != 0) {
		fprintf(stderr, "hotline: could not read the audit log\n");
		return (1);
	}
	if (as_json) {
		json_dumpf(a.rows, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		json_array_foreach(a.rows, i, row) {
			printf("%s  %-16s  %-14s  %s%s%s\n",
			    json_string_value(json_object_get(row, "at")),
			    json_string_value(json_object_get(row, "actor")),
			    json_string_value(json_object_get(row, "action")),
			    json_string_value(json_object_get(row, "subject")) ?
			    json_string_value(json_object_get(row, "subject")) :
			    "-",
			    json_object_get(row, "detail") != NULL ? "  " : "",
			    json_string_value(json_object_get(row, "detail")) ?
			    json_string_value(json_object_get(row, "detail")) :
			    "");
		}
	}
	json_decref(a.rows);
	return (0);
}
