/*
 * cli.c -- what the subcommands of the command-line tool share: the store
 * opened on first use, and the configuration's problems printed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "config.h"
#include "optout.h"
#include "programme.h"
#include "store.h"

struct store *
cli_store(struct cli *cli)
{
	char	*err = NULL;

	if (cli->store != NULL)
		return (cli->store);
	/* As in hotlined: an opt-out ends the daily programme. */
	optout_on_out(programme_stop);
	cli->store = store_open(NULL, cli->cfg->store, 1, &err);
	if (cli->store == NULL) {
		fprintf(stderr, "hotline: store %s: %s\n", cli->cfg->store,
		    err != NULL ? err : "cannot open");
		free(err);
		exit(1);
	}
	return (cli->store);
}

void
cli_print_errors(char **errors)
{
	size_t	i;

	for (i = 0; errors != NULL && errors[i] != NULL; i++)
		fprintf(stderr, "%s\n", errors[i]);
}
