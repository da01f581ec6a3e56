/*
 * cli.c -- what the subcommands of the command-line tool share: the store
 * opened on first use, the configuration's problems printed, and a new
 * password read and checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "optout.h"
#include "programme.h"
#include "pwpolicy.h"
#include "store.h"
#include "xmalloc.h"

#define CLI_PASSWORD_MAX 1024

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

/* One line from stdin, without echo when it is a terminal. */
char *
cli_read_password(int prompt)
{
	struct termios	 old, quiet;
	char		 buf[CLI_PASSWORD_MAX + 2];
	int		 tty = isatty(STDIN_FILENO), ok;
	size_t		 n;

	if (prompt && tty)
		fprintf(stderr, "Password: ");
	if (tty && tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	} else
		tty = 0;
	ok = fgets(buf, sizeof buf, stdin) != NULL;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (!ok)
		return (NULL);
	n = strcspn(buf, "\r\n");
	if (n > CLI_PASSWORD_MAX)
		return (NULL);
	buf[n] = '\0';
	return (xstrdup(buf));
}

int
cli_password_refused(const char *name, const char *pw)
{
	const char	*why;

	if ((why = pwpolicy_check(name, pw)) == NULL)
		return (0);
	fprintf(stderr, "hotline: %s\n", why);
	return (1);
}
