/*
 * phone.h -- "hotline call": a phone in the terminal, private to src/cli/.
 *
 * cli_call.c      the command: options, the webhooks posted and their
 *                 answers, the status callback at the end
 * phone.c         the transcript, and the webhooks' URLs and parameters
 * phone_run.c     one TwiML answer carried out verb by verb (Gather, Dial,
 *                 Record, Redirect, ...): the caller's keys, words, outcomes
 * phone_play.c    what the caller hears: Say, Play, Pause shown and, at a
 *                 terminal with a player installed, played
 * phone_script.c  --script: the caller's part from a list
 * cli_term.c      the raw terminal;  cli_twiml.c  the TwiML tree
 */
#ifndef HOTLINE_PHONE_H
#define HOTLINE_PHONE_H

#include <stddef.h>

#include <jansson.h>

#include "cli_http.h"
#include "cli_term.h"

struct cli;
struct cli_twiml;
struct config;
struct form;

#define CALL_MAX_REQUESTS	500	/* a redirect loop ends here */

/* One item of --script. */
enum item_kind { IT_DIGITS, IT_SPEECH, IT_DIAL, IT_RECORD, IT_SILENCE,
    IT_HANGUP };

struct item {
	enum item_kind	 kind;
	char		*value;
};

/* A phone in the terminal: one call, from the first webhook to the last. */
struct phone {
	struct cli	*cli;
	struct config	*cfg;
	struct cli_http	 http;
	char		*sid;
	char		*from;
	char		*to;
	int		 lang;		/* -1: not asked for */
	int		 lang_done;
	int		 json;
	int		 interactive;
	int		 nrequests;
	int		 errors;
	const char	*ended;
	double		 seconds;	/* simulated call time (script) */
	double		 unheard;	/* seconds of prompts shown, not played (terminal) */
	long long	 start_ms;

	struct item	*items;
	size_t		 nitems;
	size_t		 next;

	json_t		*events;
	char		*player;	/* "play" or "aplay", or NULL */
	char		*speaker;	/* "espeak-ng", or NULL */
	char		*tmpdir;

	struct cli_term	 term;
};

enum gather_result { G_INPUT, G_NONE, G_HANGUP, G_ERROR };

/* phone.c */
/* One transcript event: recorded for --json, printed at once otherwise. */
void		 phone_event(struct phone *, json_t *ev, const char *fmt, ...)
		     __attribute__((format(printf, 3, 4)));
/* An error event; the call will end with a failure status. */
void		 phone_error(struct phone *, const char *fmt, ...)
		     __attribute__((format(printf, 2, 3)));
/* The path (and query) of a URL, for the transcript. */
const char	*phone_short(struct phone *, const char *url);
/* Resolve a TwiML URL (absolute, or relative to the document's URL). */
char		*phone_resolve(const char *current, const char *ref);
/* The parameters the provider sends with every webhook of the call. */
void		 phone_params(struct phone *, struct form *, const char *status);

/* phone_run.c */
/*
 * Carry out one TwiML document.  Returns 1 with the next request to make
 * in *next_url / *next_method / *next, or 0 when the call is over.
 */
int		 phone_run(struct phone *, struct cli_twiml *doc,
		     const char *docurl, char **next_url, char **next_method,
		     struct form *next);

/* phone_play.c */
/* The players found on PATH (at a terminal only). */
void		 phone_play_init(struct phone *);
/*
 * Say, Play, Pause: shown, played where possible.  In a Gather a key
 * interrupts (barge-in) and is returned; -1 when the caller hung up, 0
 * otherwise.
 */
int		 phone_play(struct phone *, struct cli_twiml *v, int in_gather);

/* phone_script.c */
int		 phone_script_parse(struct phone *, const char *script);
void		 phone_script_free(struct phone *);
/* The next script item, or NULL when the script is used up. */
struct item	*phone_script_peek(struct phone *);
const char	*phone_script_item(const struct item *);
/* A Gather answered from the script (see phone_gather). */
enum gather_result phone_script_gather(struct phone *, const char *input,
		     const char *finish, int num, int timeout, char **digits,
		     char **speech);

#endif
