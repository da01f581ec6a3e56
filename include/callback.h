/*
 * callback.h -- the callback queue's shared entry points, used by voice,
 * SMS and the staff side.  Order: priority (red flags first), then the
 * time the number first joined (queued_at), which a repeat request keeps.
 *
 * An entry is one person (one number) waiting; each time they ask -- a
 * call, a text, a voicemail, a red flag -- is a request kept with the
 * entry (callback_requests), so a second request never erases the first.
 * The entry stays in the queue of its first request (its location, or
 * the shared queue); staff of every location any of its requests names
 * see it.
 */
#ifndef HOTLINE_CALLBACK_H
#define HOTLINE_CALLBACK_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "estimate.h"

struct db;
struct config;

struct callback_req {
	const char	*phone;		/* E.164 */
	const char	*location;	/* location id, or NULL for the shared queue */
	const char	*topic;		/* stretches, prevention, … or NULL */
	const char	*language;	/* "en", "es" */
	const char	*window;	/* preferred window, e.g. "morning", or NULL */
	int		 priority;	/* 1 = red flag */
	const char	*source;	/* channel: "voice", "sms", "voicemail" */
	const char	*reason;	/* "callback", "voicemail", "red_flag";
					   NULL: from priority and recording */
	const char	*text;		/* what they said or texted, or NULL */
	const char	*recording_url;	/* voicemail, or NULL */
	const char	*call_sid;	/* CallSid or MessageSid */
	time_t		 now;
};

struct callback_res {
	long long	id;
	long long	request_id;
	int		created;	/* 0: joined this number's open entry */
	int		news;		/* a repeat request staff should hear of
					   (callback_repeat_news) */
	int		requests;	/* requests in the entry, this one included */
	int		position;	/* 1 = next */
	struct estimate	estimate;	/* when they can expect the call */
	/*
	 * The request, borrowed: as long as the caller keeps it.
	 * notify_request, right after, reads a new entry from it instead of
	 * the store.
	 */
	const struct callback_req *req;
};

/*
 * Add a request: a new entry, or a request joined to this number's open
 * entry (its place kept, a red flag raising its priority).  Runs in the
 * caller's transaction; cfg may be NULL (no pages).  The caller then
 * tells staff in the same transaction (notify_request: res->created and
 * res->news say what there is to tell).  0 or -1.
 */
int	callback_request(struct db *, const struct config *cfg,
	    const struct callback_req *, struct callback_res *);

/*
 * What an open entry shows after one more request (pure; the pointers are
 * borrowed from the entry and the request): it stays in its queue
 * (location) and keeps its place; the priority only rises; a red-flag
 * topic stays, and "general" does not replace a specific topic; the
 * default language (default_lang, NULL: none) does not replace a chosen
 * one; otherwise the newest topic, language, window and recording stand
 * for the entry.
 */
struct callback_fields {
	const char	*location;
	const char	*topic;
	const char	*language;
	const char	*window;
	const char	*recording_url;
	int		 priority;
};
void	callback_merge(struct callback_fields *entry,
	    const struct callback_req *, const char *default_lang);
/* The request's reason when q->reason is NULL (pure). */
const char *callback_reason(const struct callback_req *);
/*
 * 1 when a repeat request is news to staff (pure): it raises the
 * priority, brings a voicemail, or names a location that none of the
 * entry's requests named (named_before: 1 if one did).
 */
int	callback_repeat_news(const struct callback_fields *before,
	    const struct callback_req *, int named_before);
/*
 * A request in a few words for staff, e.g. "Coppell voicemail",
 * "callback by text", "red flag on a call" (pure).  location_name may be
 * NULL.  Writes at most len bytes to buf and returns it.
 */
char	*callback_request_words(const char *channel, const char *reason,
	    const char *location_name, char *buf, size_t len);

/*
 * The entry's requests, oldest first, as the API shows them: a new array
 * of { "id", "at", "channel", "reason", "location", "topic", "language",
 * "priority", "preferred_window", "text", "recording_url" }; the caller
 * frees.  NULL on a store error.
 */
json_t	*callback_requests_json(struct db *, long long id);
/*
 * The location a person (phone) is with, for routing what they send
 * next: their open entry's queue, else the newest of their requests that
 * named a location.  *location (caller frees) NULL when none.  0 or -1.
 */
int	callback_person_location(struct db *, const char *phone,
	    char **location);
/*
 * Every location named in requests (callback_requests_json's array),
 * first named first: a new array of ids (pure).
 */
json_t	*callback_locations(const json_t *requests);

/*
 * Who may see an entry.  CALLBACK_VISIBLE(t) is an SQL condition on the
 * callbacks row t that takes a staff member's location list
 * (auth_location_allowed's form: "*" or "id,id") three times: everyone
 * sees the shared queue, and a location's staff see the entries in its
 * queue and those any request of which names it.
 */
#define CALLBACK_VISIBLE(t)						\
	"(? = '*' OR " t ".location IS NULL OR "				\
	"(',' || ? || ',') LIKE ('%,' || " t ".location || ',%') OR "	\
	"EXISTS (SELECT 1 FROM callback_requests vq WHERE "		\
	"vq.callback_id = " t ".id AND vq.location IS NOT NULL AND "	\
	"(',' || ? || ',') LIKE ('%,' || vq.location || ',%')))"
/* 1 when any entry of phone's is visible to locations, 0 not, -1. */
int	callback_person_visible(struct db *, const char *phone,
	    const char *locations);
/* 1 visible, 0 not, CB_NOTFOUND (no such entry) or CB_ERROR. */
int	callback_visible(struct db *, long long id, const char *locations);
/*
 * Position in its queue (1 = next) of an open entry; 0 if not open; -1.
 * A few index steps for an entry near the end of its priority (a new
 * one); one with many behind it is counted from the front.
 */
int	callback_position(struct db *, long long id);
/*
 * The same for open entry id whose priority, queued_at and queue
 * (location, NULL: shared) the caller has just written.
 */
int	callback_place(struct db *, long long id, long long priority,
	    long long queued_at, const char *location);
/* The measured handling rate: recent claim-to-done times, staff on duty. */
int	callback_rate(struct db *, time_t now, struct estimate_rate *);
/*
 * When the entry at position in location's queue (NULL: shared) can
 * expect its call at now: estimate_wait over callback_rate, the one
 * estimate every channel gives.  cfg NULL: minutes only.  0 or -1.
 */
int	callback_estimate(struct db *, const struct config *,
	    const char *location, int position, time_t now, struct estimate *);
/*
 * callback_place and callback_estimate at now together, the place and
 * the rate read in one statement.  0 or -1.
 */
int	callback_place_estimate(struct db *, const struct config *,
	    long long id, long long priority, long long queued_at,
	    const char *location, time_t now, int *position, struct estimate *);

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
 * Take a waiting entry for staff (and acknowledge its red-flag pages).  Atomic: of any number of concurrent
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
/* Staff have been told entry id waits long (callback_unnoticed). */
int	callback_noticed(struct db *, long long id);
/* Claims older than cfg->claim_timeout go back in line: how many, or -1. */
int	callback_expire_claims(struct db *, const struct config *, time_t now);
/*
 * What an attempt's outcome does to an entry that had attempts so far
 * (pure; callback_finish applies it): its status next ("waiting" again
 * for a later try, "done", "cancelled" or "unreachable"), the attempts
 * counted (a cancellation is not one), when a retry may come, and
 * whether the caller is told we could not reach them.  -1 for an unknown
 * outcome.
 */
struct callback_outcome {
	const char	*status;
	long long	 attempts;
	time_t		 not_before;	/* "waiting": callback_retry_at */
	int		 tell;		/* text them "we could not reach you" */
};
int	callback_outcome_decide(const struct config *, const char *outcome,
	    long long attempts, const char *location, time_t now,
	    struct callback_outcome *);
/* When a failed attempt may be tried again: later, and in open hours. */
time_t	callback_retry_at(const struct config *, const char *location,
	    time_t now);
/*
 * Set (from any thread) whenever the queue may have changed in this
 * process; callback_take_changed returns and clears it.
 */
void	callback_mark_changed(void);
int	callback_take_changed(void);

/*
 * --- reading the queue (callback_read.c) ----------------------------------
 * Each runs inside the caller's transaction.
 */

/*
 * An entry as the API shows it: { "id", "phone", "location", "topic",
 * "language", "priority", "status", "created_at", "attempts",
 * "claimed_by", "preferred_window", "outcome", "recording_url", "source",
 * "retry_after", "waited_minutes", "requests", "locations", "position",
 * "wait_minutes" (null while closed), "estimate", "escalation", "notes" }.
 * NULL with *rc 0 when absent, -1 on error.
 */
json_t	*callback_json(struct db *, const struct config *, long long id,
	    time_t now, int *rc);

/* A page of the queue for staff, in queue order. */
struct callback_page {
	const char	*status;	/* a status, "open" or "all" */
	const char	*location;	/* a location id, "shared", or "" (any) */
	const char	*locations;	/* the staff member's (CALLBACK_VISIBLE) */
	const char	*topic;		/* the entry's or a request's; "" any */
	const char	*tail;		/* the number ends with these digits */
	time_t		 from, to;	/* created in [from, to); 0: open */
	int		 has_cursor;	/* after (cur_prio, cur_queued, cur_id) */
	long long	 cur_prio;
	long long	 cur_queued;
	long long	 cur_id;
	int		 limit;
};
/*
 * The ids of a page (*ids: caller frees), and the last one's priority and
 * queued_at for the next cursor.  0 or -1.
 */
int	callback_page(struct db *, const struct callback_page *,
	    long long **ids, size_t *n, long long *last_prio,
	    long long *last_queued);
/*
 * Every entry with status ("open", "all" or one status), open ones first
 * in queue order: a new array of { "id", "phone", "location", "topic",
 * "language", "priority", "status", "created_at", "attempts",
 * "claimed_by", "outcome", "source" }, or NULL on error.
 */
json_t	*callback_list(struct db *, const char *status);
/*
 * The voicemail staff may play for entry id: the entry's recording, else
 * the newest request's (*url NULL when there is none), and the number
 * (*phone); both caller frees.  1, 0 no such entry, -1.
 */
int	callback_recording(struct db *, long long id, char **url,
	    char **phone);
/* 1 when an entry or a request holds this recording, 0 not, -1. */
int	callback_has_recording(struct db *, const char *recording_url);

/*
 * An entry in brief: what click-to-call tells the staff member who
 * answers, and what a staff notice names (notify.c).
 */
struct callback_brief {
	long long	 id;
	char		*phone;
	char		*location;	/* its queue, or NULL (shared) */
	char		*language;	/* or NULL */
	char		*topic;		/* or NULL */
	int		 priority;
	int		 claimed;	/* still claimed: the call may go ahead */
	long long	 queued_at;
	long long	 requests;	/* in the entry so far */
};
/* 1 found (callback_brief_clear frees), 0 not, -1. */
int	callback_brief(struct db *, long long id, struct callback_brief *);
void	callback_brief_clear(struct callback_brief *);
/* One request of an entry in brief (callback_request_words' words). */
struct callback_asked {
	char	*channel;
	char	*reason;
	char	*location;	/* the location it names, or NULL */
};
/* Request rid of entry id: 1 (callback_asked_clear frees), 0 not, -1. */
int	callback_asked(struct db *, long long id, long long rid,
	    struct callback_asked *);
void	callback_asked_clear(struct callback_asked *);
/*
 * Entries waiting since queued_before or earlier, due by now (not_before)
 * and not yet reported as waiting long (callback_noticed), in queue
 * order: *due (caller frees each location and the array), *n.  0 or -1.
 */
struct callback_due {
	long long	 id;
	char		*location;	/* or NULL (shared) */
};
int	callback_unnoticed(struct db *, time_t queued_before, time_t now,
	    struct callback_due **due, size_t *n);
/* A string that changes whenever the queue or its notes do (frees). */
int	callback_fingerprint(struct db *, char **mark);
/* Entries waiting, and how long the oldest has (s).  0 or -1. */
int	callback_backlog(struct db *, time_t now, long long *waiting,
	    long long *oldest);
/* 1 when phone waits (or is claimed) with a topic, 0 not, -1. */
int	callback_waiting_topic(struct db *, const char *phone);

#endif
