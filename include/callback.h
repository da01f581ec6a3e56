/*
 * callback.h -- the callback queue's shared entry points, used by voice,
 * SMS and the staff side.  Order: priority (red flags first), then the
 * time the number first joined (queued_at), which a repeat request keeps.
 */
#ifndef HOTLINE_CALLBACK_H
#define HOTLINE_CALLBACK_H

#include <time.h>

struct db;
struct config;

struct callback_req {
	const char	*phone;		/* E.164 */
	const char	*location;	/* location id, or NULL for the shared queue */
	const char	*topic;		/* stretches, prevention, … or NULL */
	const char	*language;	/* "en", "es" */
	const char	*window;	/* preferred window, e.g. "morning", or NULL */
	int		 priority;	/* 1 = red flag */
	const char	*source;	/* "voice", "sms", "voicemail", "staff" */
	const char	*recording_url;	/* voicemail, or NULL */
	const char	*call_sid;
	time_t		 now;
};

struct callback_res {
	long long	id;
	int		created;	/* 0: an open entry was updated */
	int		position;	/* 1 = next */
	int		wait_minutes;	/* honest estimate */
};

/*
 * Add a request, or update this number's open one (keeping its place;
 * a red flag raises its priority).  Runs in the caller's transaction;
 * cfg may be NULL (no notifications).  0 or -1.
 */
int	callback_request(struct db *, const struct config *cfg,
	    const struct callback_req *, struct callback_res *);
/* Position in its queue (1 = next) of an open entry; 0 if not open; -1. */
int	callback_position(struct db *, long long id);
/* Estimated minutes until the entry at position is called. */
int	callback_wait_minutes(struct db *, const char *location, int position,
	    time_t now);

#endif
