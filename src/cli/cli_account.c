/*
 * cli_account.c -- what an admin does to staff accounts from the
 * server's terminal: hotline staff passwd|disable|enable|remove NAME, and
 * API tokens (token NAME [--expires DAYS], tokens [NAME], revoke ID).
 *
 * A new password, a disabled or a removed account ends the person's
 * dashboard sessions and API tokens in the same transaction (auth.c).
 * Each of these changes and each revoked token is written to the audit
 * log with the operator's login name as the actor, so an admin reading
 * GET /api/v1/audit sees it too.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "auth.h"
#include "cli.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* Tokens live at most this long when an expiry is given. */
#define CLI_TOKEN_DAYS_MAX	3650

struct cli_account {
	const char	*name;
	const char	*action;	/* the audit log's */
	const char	*hash;
	char		*actor;
	char		 detail[96];
	time_t		 expires;
	char		*token;
	char		*holder;
	int		 rc;
};

/* Who is at the terminal, as the audit log names them. */
static char *
cli_actor(void)
{
	struct passwd	*pw;
	char		*s;

	pw = getpwuid(geteuid());
	xasprintf(&s, "cli:%s", pw != NULL ? pw->pw_name : "unknown");
	return (s);
}

static int
cli_account_usage(void)
{
	fprintf(stderr,
	    "usage: hotline staff passwd NAME [--password-stdin]\n"
	    "       hotline staff disable|enable|remove NAME\n"
	    "       hotline staff token NAME [--expires DAYS]\n"
	    "       hotline staff tokens [NAME]\n"
	    "       hotline staff revoke TOKEN-ID\n"
	    "passwords: at least 12 characters, not a common one\n");
	return (2);
}

static int
cli_account_tx(struct db *db, void *arg)
{
	struct cli_account	*a = arg;
	time_t			 now = util_now();

	if (strcmp(a->action, "staff.passwd") == 0)
		a->rc = auth_staff_passwd(db, a->name, a->hash);
	else if (strcmp(a->action, "staff.disable") == 0)
		a->rc = auth_staff_disable(db, a->name, 1);
	else if (strcmp(a->action, "staff.enable") == 0)
		a->rc = auth_staff_disable(db, a->name, 0);
	else if (strcmp(a->action, "staff.remove") == 0)
		a->rc = auth_staff_remove(db, a->name);
	else if (strcmp(a->action, "token.revoke") == 0) {
		a->rc = auth_token_revoke(db, a->name, &a->holder);
		if (a->rc == 1)
			snprintf(a->detail, sizeof a->detail, "token %s",
			    a->name);
	} else if (strcmp(a->action, "token.new") == 0) {
		struct auth_staff	s;

		if ((a->rc = auth_staff_get(db, a->name, &s)) != 1)
			return (a->rc == 0 ? 0 : -1);
		auth_staff_clear(&s);
		if (auth_token_new(db, a->name, now, a->expires,
		    &a->token) != 0)
			return (-1);
	} else
		return (-1);
	if (a->rc != 1)
		return (a->rc == -1 ? -1 : 0);
	/*
	 * A new token is an everyday thing (and `staff token` is how every
	 * script gets one); what takes access away, or changes who can use
	 * an account, is what the log is for.
	 */
	if (strcmp(a->action, "token.new") == 0)
		return (0);
	return (audit_add(db, a->actor, a->action, a->holder != NULL ?
	    a->holder : a->name, a->detail[0] != '\0' ? a->detail : NULL, now));
}

static int
cli_account_run(struct cli *cli, struct cli_account *a)
{
	int	rc;

	a->actor = cli_actor();
	rc = store_run(cli_store(cli), cli_account_tx, a);
	free(a->actor);
	if (rc != 0) {
		fprintf(stderr, "hotline: store error; nothing changed\n");
		return (-1);
	}
	if (a->rc == 0) {
		if (strcmp(a->action, "token.revoke") == 0)
			fprintf(stderr, "hotline: no token '%s' (see hotline "
			    "staff tokens)\n", a->name);
		else
			fprintf(stderr, "hotline: no staff member '%s'%s\n",
			    a->name, strcmp(a->action, "token.new") == 0 ?
			    " (or the account is disabled)" : "");
		return (-1);
	}
	if (a->rc == 2) {
		fprintf(stderr, "hotline: more than one token starts %s; "
		    "nothing revoked\n", a->name);
		return (-1);
	}
	return (0);
}

static int
cli_passwd(struct cli *cli, int argc, char **argv)
{
	struct cli_account	 a;
	char			*pw, *hash;
	int			 from_stdin = 0, i;

	memset(&a, 0, sizeof a);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--password-stdin") == 0)
			from_stdin = 1;
		else if (argv[i][0] == '-' || a.name != NULL)
			return (cli_account_usage());
		else
			a.name = argv[i];
	}
	if (a.name == NULL)
		return (cli_account_usage());
	if ((pw = cli_read_password(!from_stdin)) == NULL || *pw == '\0') {
		fprintf(stderr, "hotline: no password given\n");
		free(pw);
		return (1);
	}
	if (cli_password_refused(a.name, pw)) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
		return (1);
	}
	hash = auth_hash_password(pw);
	explicit_bzero(pw, strlen(pw));
	free(pw);
	if (hash == NULL)
		return (1);
	a.hash = hash;
	a.action = "staff.passwd";
	i = cli_account_run(cli, &a);
	free(hash);
	if (i != 0)
		return (1);
	printf("password of %s changed; their sessions and API tokens are "
	    "revoked\n", a.name);
	return (0);
}

static int
cli_account_simple(struct cli *cli, int argc, char **argv)
{
	struct cli_account	a;

	if (argc != 2 || argv[1][0] == '-')
		return (cli_account_usage());
	memset(&a, 0, sizeof a);
	a.name = argv[1];
	a.action = strcmp(argv[0], "enable") == 0 ? "staff.enable" :
	    strcmp(argv[0], "remove") == 0 ? "staff.remove" : "staff.disable";
	if (cli_account_run(cli, &a) != 0)
		return (1);
	if (strcmp(argv[0], "enable") == 0)
		printf("%s enabled (log in again; tokens are made anew)\n",
		    a.name);
	else
		printf("%s %s; their sessions and API tokens are revoked\n",
		    a.name, strcmp(argv[0], "remove") == 0 ? "removed" :
		    "disabled");
	return (0);
}

static int
cli_token(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "expires", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_account	 a;
	char			*end, ts[32];
	long			 days = 0;
	int			 ch;

	memset(&a, 0, sizeof a);
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'e':
			errno = 0;
			days = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || (*end != '\0' &&
			    strcmp(end, "d") != 0) || days < 1 ||
			    days > CLI_TOKEN_DAYS_MAX) {
				fprintf(stderr, "hotline: --expires takes days, "
				    "1 to %d (e.g. --expires 90)\n",
				    CLI_TOKEN_DAYS_MAX);
				return (1);
			}
			break;
		default:
			return (cli_account_usage());
		}
	}
	if (optind != argc - 1)
		return (cli_account_usage());
	a.name = argv[optind];
	a.action = "token.new";
	if (days > 0) {
		a.expires = util_now() + (time_t)days * 86400;
		snprintf(a.detail, sizeof a.detail, "expires %s",
		    util_iso8601(a.expires, ts, sizeof ts));
	}
	if (cli_account_run(cli, &a) != 0)
		return (1);
	printf("API token for %s (shown once; send it as "
	    "\"Authorization: Bearer TOKEN\"%s%s):\n%s\n", a.name,
	    days > 0 ? "; expires " : "", days > 0 ? ts : "", a.token);
	free(a.token);
	return (0);
}

static int
cli_token_row(const struct auth_token *t, void *arg)
{
	char	c[32], u[32], e[32];

	(void)arg;
	printf("%-13s %-20s %-21s %-21s %s\n", t->id, t->name,
	    util_iso8601(t->created_at, c, sizeof c),
	    t->last_used != 0 ? util_iso8601(t->last_used, u, sizeof u) : "-",
	    t->expires_at == 0 ? "never" : t->expired ? "expired" :
	    util_iso8601(t->expires_at, e, sizeof e));
	return (0);
}

static int
cli_tokens_tx(struct db *db, void *arg)
{
	printf("%-13s %-20s %-21s %-21s %s\n", "ID", "NAME", "CREATED",
	    "LAST USED", "EXPIRES");
	return (auth_token_list(db, arg, util_now(), cli_token_row, NULL));
}

static int
cli_revoke(struct cli *cli, int argc, char **argv)
{
	struct cli_account	a;

	if (argc != 2)
		return (cli_account_usage());
	memset(&a, 0, sizeof a);
	a.name = argv[1];
	a.action = "token.revoke";
	if (cli_account_run(cli, &a) != 0)
		return (1);
	printf("token %s of %s revoked\n", a.name, a.holder);
	free(a.holder);
	return (0);
}

/* Handles the account subcommands; -1 when argv[1] is none of them. */
int
cli_account(struct cli *cli, int argc, char **argv)
{
	const char	*cmd = argv[1];

	if (strcmp(cmd, "passwd") == 0)
		return (cli_passwd(cli, argc - 1, argv + 1));
	if (strcmp(cmd, "disable") == 0 || strcmp(cmd, "enable") == 0 ||
	    strcmp(cmd, "remove") == 0)
		return (cli_account_simple(cli, argc - 1, argv + 1));
	if (strcmp(cmd, "token") == 0)
		return (cli_token(cli, argc - 1, argv + 1));
	if (strcmp(cmd, "tokens") == 0 && argc <= 3)
		return (store_run(cli_store(cli), cli_tokens_tx, argc == 3 ?
		    argv[2] : NULL) == 0 ? 0 : 1);
	if (strcmp(cmd, "revoke") == 0)
		return (cli_revoke(cli, argc - 1, argv + 1));
	return (-1);
}
