/*
 * optout.h -- who must not be texted.  STOP always wins: every path that
 * sends an SMS checks here, at enqueue time and again at send time.
 */
#ifndef HOTLINE_OPTOUT_H
#define HOTLINE_OPTOUT_H

#include <time.h>

struct db;

/* 1 opted out, 0 not, -1 error. */
int	optout_is(struct db *, const char *phone);
/*
 * Record an opt-out (out = 1) or opt-in (out = 0) with its source
 * ("sms", "provider", "rest:21610", "staff") and keyword, in the audit
 * table too.  Returns 1 if the state changed, 0 if it was already so, -1.
 */
int	optout_set(struct db *, const char *phone, int out, const char *source,
	    const char *keyword, time_t now);
/*
 * fn runs in optout_set's transaction whenever a number opts out, however
 * it came (a text, the provider's 21610): the programs set programme_stop
 * so that the daily programme ends at once, without this module, which the
 * outbox asks before every send, knowing the modules that send.
 */
void	optout_on_out(int (*fn)(struct db *, const char *phone,
	    const char *why, time_t now));

#endif
