/*
 * track.h -- PHI-free events for reports and the funnel: no phone number,
 * no message text; subject is a keyed hash (util_hash).
 */
#ifndef HOTLINE_TRACK_H
#define HOTLINE_TRACK_H

#include <time.h>

struct db;

/*
 * kind: "call.start", "call.step", "call.end", "sms.in", "sms.out",
 * "optout", "optin", "callback.request", "callback.done", …
 * input: a key, an intent or keyword name (never free text).
 */
int	track_event(struct db *, const char *kind, const char *subject,
	    const char *node, const char *input, const char *location,
	    const char *language, long long ms, time_t now);

#endif
