/*
 * cli_term.h -- the terminal of "hotline call": keys read one at a time
 * without echo (raw mode), a line read for typed speech, and Ctrl-C turned
 * into a flag so the call can end properly (status callback included).
 */
#ifndef HOTLINE_CLI_TERM_H
#define HOTLINE_CLI_TERM_H

#include <signal.h>
#include <termios.h>

struct cli_term {
	struct termios	saved;
	int		raw;	/* raw mode on; output lines end "\r\n" */
};

/* Set once SIGINT arrived (after cli_term_catch_sigint). */
extern volatile sig_atomic_t	cli_term_interrupted;

/* SIGINT sets cli_term_interrupted; *old gets the previous action. */
void	cli_term_catch_sigint(struct sigaction *old);
/* Raw mode on standard input, when it is a terminal. */
void	cli_term_raw(struct cli_term *);
void	cli_term_restore(struct cli_term *);
/* One key within ms milliseconds (-1 = forever); 0 on timeout, -1 on EOF. */
int	cli_term_key(int ms);
/* A line typed after prompt, echoed, trimmed (free it); raw mode kept. */
char	*cli_term_line(struct cli_term *, const char *prompt);

#endif
