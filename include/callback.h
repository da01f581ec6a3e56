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

/*
 * --- working the queue (staff) -------------------------------------------
 * Each runs inside the caller's transaction.  Statuses: waiting, claimed,
 * done, unreachable, cancelled.
 */
#define CB_OK		0
#define CB_ERROR	(-1)
#define CB_NOTFOUND	(-2)
#define CB_CONFLICT	(-3)	/* another staff member has it, or it is closed */

/*
 * Take a waiting entry for staff.  Atomic: of any number of concurrent
 * claims exactly one succeeds; claiming one's own claim again is CB_OK.
 */
int	callback_claim(struct db *, long long id, const char *staff, time_t now);
/* Put one's own claim back in line (its place kept). */
int	callback_release(struct db *, long long id, const char *staff,
	    time_t now);
/* 1 when outcome is one callback_finish knows. */
int	callback_outcome_valid(const char *outcome);
/*
 * Record an attempt.  "reached" and "left_message" finish the entry (done);
 * "wrong_number" and "cancelled" cancel it; "no_answer", "busy" and
 * "failed" put it back in line for a later attempt within business hours,
 * until cfg->callback_max_attempts, when it becomes unreachable and the
 * caller is texted (through the outbox; opted-out numbers are not).  A
 * waiting entry is claimed first; someone else's claim is CB_CONFLICT.
 * staff NULL acts for whoever holds the claim (provider results).
 * *queued (may be NULL) is set to 1 when an outbox row was written.
 */
int	callback_finish(struct db *, const struct config *, long long id,
	    const char *staff, const char *outcome, time_t now, int *queued);
/* Add a note (at most CALLBACK_NOTE_MAX bytes). */
#define CALLBACK_NOTE_MAX 2000
int	callback_note(struct db *, long long id, const char *author,
	    const char *text, time_t now);
/* Claims older than cfg->claim_timeout go back in line: how many, or -1. */
int	callback_expire_claims(struct db *, const struct config *, time_t now);
/* When a failed attempt may be tried again: later, and in open hours. */
time_t	callback_retry_at(const struct config *, const char *location,
	    time_t now);
/*
 * Set (from any thread) whenever the queue may have changed in this
 * process; callback_take_changed returns and clears it.
 */
void	callback_mark_changed(void);
int	callback_take_changed(void);

#endif
