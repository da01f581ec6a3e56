/*
 * cli.h -- the hotline command-line tool's subcommands.  hotline.c parses
 * the global options, loads the configuration, and hands the rest of the
 * command line to one of these.  Each returns the process exit status.
 *
 * The tool lives in src/cli/ on top of the library the service is built
 * from; nothing outside src/cli/ includes a header from here.  Subcommands
 * call only cli.c's helpers, never back into hotline.c.
 */
#ifndef HOTLINE_CLI_H
#define HOTLINE_CLI_H

struct config;
struct store;

struct cli {
	const char	*config_path;
	struct config	*cfg;		/* loaded (environment overrides applied) */
	struct store	*store;		/* opened on first cli_store() */
};

/*
 * The store named by the configuration, opened for synchronous use
 * (store_run) on first call; exits with a message when it cannot be.
 */
struct store	*cli_store(struct cli *);
/* The loader's problems (file:line each), one a line on stderr. */
void		 cli_print_errors(char **errors);

/* One line from stdin, without echo when it is a terminal (caller frees). */
char		*cli_read_password(int prompt);
/* 1 (and why, on stderr) when pw will not do as name's new password. */
int		 cli_password_refused(const char *name, const char *pw);

int	cli_account(struct cli *, int argc, char **argv);	/* cli_account.c */
int	cli_check_config(struct cli *, int argc, char **argv);	/* cli_check.c */
int	cli_staff(struct cli *, int argc, char **argv);		/* cli_staff.c */
int	cli_callbacks(struct cli *, int argc, char **argv);	/* cli_staff.c */
int	cli_call(struct cli *, int argc, char **argv);		/* cli_call.c */
int	cli_sms(struct cli *, int argc, char **argv);		/* cli_sms.c */
int	cli_prompts(struct cli *, int argc, char **argv);	/* cli_prompts.c */
int	cli_flow(struct cli *, int argc, char **argv);		/* cli_flow.c */
int	cli_report(struct cli *, int argc, char **argv);	/* cli_report.c */
int	cli_backup(struct cli *, int argc, char **argv);	/* cli_backup.c */
int	cli_purge(struct cli *, int argc, char **argv);		/* cli_purge.c */
int	cli_audit(struct cli *, int argc, char **argv);		/* cli_audit.c */

#endif
