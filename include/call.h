/*
 * call.h -- the calls we answered (the calls table): one row a call, from
 * its first answer to the provider's final status.  call.c is the table's
 * one owner; voice.c records through it.  A menu step is a call.step event
 * only (call_step writes it, read back by call_end), not a change of the
 * row.  Each runs in the caller's transaction.
 */
#ifndef HOTLINE_CALL_H
#define HOTLINE_CALL_H

#include <time.h>

struct db;

/* The call's first answer (a redelivery changes nothing).  0 or -1. */
int	call_start(struct db *, const char *call_sid, const char *caller_hash,
	    const char *language, const char *node, time_t now);
/* A menu step: what the caller answered where, and where it led. */
struct call_step {
	const char	*call_sid;
	const char	*subject;	/* the call's hash (util_hash) */
	const char	*key;		/* the step's webhook, hashed */
	const char	*node;		/* where the caller answered */
	const char	*input;		/* a key or an intent, or NULL */
	const char	*location;	/* or NULL */
	const char	*language;
	const char	*next;		/* the node it led to */
	time_t		 now;
};

/*
 * One more step: its call.step event, once per key (a redelivery records
 * nothing; db_changes says which).  The call's row is summed from these
 * by call_end.  0 or -1.
 */
int	call_step(struct db *, const struct call_step *);
/* A status that is not the end: 0 or -1. */
int	call_status(struct db *, const char *call_sid, const char *status);
/*
 * The call ended with status after duration seconds (subject: the call's
 * hash, whose steps' events the row is summed from): 1 when this closed
 * it, 0 when it was already closed (a redelivered callback), -1.
 */
int	call_end(struct db *, const char *call_sid, const char *subject,
	    const char *status, long long duration, time_t now);
/*
 * The node the call was last at, in *node (caller frees; NULL when none
 * was recorded): where it ended, for the report's funnel.  0 or -1.
 */
int	call_last_node(struct db *, const char *call_sid, char **node);

#endif
