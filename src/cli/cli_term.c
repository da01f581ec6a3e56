/*
 * cli_term.c -- raw keys, typed lines and Ctrl-C for "hotline call".
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli_term.h"
#include "util.h"
#include "xmalloc.h"

volatile sig_atomic_t	cli_term_interrupted;

static void
cli_term_sigint(int sig)
{
	cli_term_interrupted = 1;
}

void
cli_term_catch_sigint(struct sigaction *old)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = cli_term_sigint;
	sigaction(SIGINT, &sa, old);
}

void
cli_term_raw(struct cli_term *t)
{
	struct termios	tio;

	if (t->raw || !isatty(STDIN_FILENO))
		return;
	if (tcgetattr(STDIN_FILENO, &t->saved) != 0)
		return;
	tio = t->saved;
	tio.c_lflag &= ~(ICANON | ECHO);
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &tio) == 0)
		t->raw = 1;
}

void
cli_term_restore(struct cli_term *t)
{
	if (!t->raw)
		return;
	tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
	t->raw = 0;
}

int
cli_term_key(int ms)
{
	struct pollfd	pfd;
	char		ch;
	int		n;

	pfd.fd = STDIN_FILENO;
	pfd.events = POLLIN;
	for (;;) {
		if (cli_term_interrupted)
			return (-1);
		n = poll(&pfd, 1, ms);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (0);
		if (read(STDIN_FILENO, &ch, 1) != 1)
			return (-1);
		return ((unsigned char)ch);
	}
}

char *
cli_term_line(struct cli_term *t, const char *prompt)
{
	char	buf[1024];

	cli_term_restore(t);
	printf("%s", prompt);
	fflush(stdout);
	if (fgets(buf, sizeof buf, stdin) == NULL)
		buf[0] = '\0';
	cli_term_raw(t);
	buf[strcspn(buf, "\r\n")] = '\0';
	return (xstrdup(util_trim(buf)));
}
