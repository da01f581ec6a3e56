/*
 * message.h -- the texts we received and sent (the messages table).
 *
 * message.c is the table's one owner: sms.c records what came in and what
 * it answered, outbox.c what the provider took, and both ask here about
 * what a number wrote or was sent lately.  Each runs in the caller's
 * transaction.
 */
#ifndef HOTLINE_MESSAGE_H
#define HOTLINE_MESSAGE_H

#include <time.h>

struct db;

/*
 * A text received (status "received").  1 when it is new, 0 when this
 * MessageSid is already stored (another store thread took it first), -1
 * on error.
 */
int	message_receive(struct db *, const char *sid, const char *phone,
	    const char *channel, const char *body, time_t now);
/*
 * The answer to the received text (message_receive's sid): each of
 * texts[0..n) recorded as one of our texts (status "replied"), and the
 * received text's language, keyword, whether it was answered and status.
 * 0 or -1.
 */
struct message_answer {
	const char		*sid;
	const char		*phone;
	const char		*channel;
	const char		*body;
	const char		*language;
	const char		*keyword;
	const char		*status;
	char *const		*texts;
	size_t			 n;
	time_t			 now;
};
int	message_answer(struct db *, const struct message_answer *);
/* A text the provider took from the outbox (ignored if sid is known). */
int	message_sent(struct db *, const char *sid, const char *phone,
	    const char *channel, const char *language, const char *body,
	    time_t now);
/*
 * A delivery status for our text sid, unless the row is further along:
 * rank_sql is an SQL expression of the row's status column giving its
 * rank (sms.c's table of statuses), rank the new status's; error 0 keeps
 * the error code.  0 or -1.
 */
int	message_set_status(struct db *, const char *sid, const char *status,
	    long long error, const char *rank_sql, int rank, time_t now);

/*
 * The channel (NULL: SMS) and time of the last text this number sent us:
 * 1 with *channel (caller frees) and *at set, 0 none, -1.
 */
int	message_last_inbound(struct db *, const char *phone, char **channel,
	    long long *at);
/*
 * The keywords of our answers to this number since since, newest first (at
 * most 50): fn is called with each until it returns non-zero.  0 or -1.
 */
int	message_recent_keywords(struct db *, const char *phone, time_t since,
	    int (*fn)(const char *keyword, long long at, void *), void *arg);
/*
 * What an incoming text's answer depends on, read in one statement (a
 * text's cost is its statements: on PostgreSQL each is the server's CPU):
 * the language this number last used (*lang, caller frees; NULL none),
 * whether it is opted out (the optouts table, optout.c's, read here only so
 * that the text asks once), the texts from it we answered since minute and
 * since day, and our texts to it for keyword advice since advice_since.
 * 0 or -1.
 */
struct message_facts {
	char		*lang;
	int		 opted;
	long long	 minute;
	long long	 day;
	long long	 advised;
};
int	message_facts(struct db *, const char *phone, time_t minute,
	    time_t day, const char *advice, time_t advice_since,
	    struct message_facts *);
/* Who our text sid went to: 1 with *phone (caller frees), 0 none, -1. */
int	message_recipient(struct db *, const char *sid, char **phone);
/* 1 when sid is a text we received, 0 not, -1. */
int	message_is_inbound(struct db *, const char *sid);

#endif
