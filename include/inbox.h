/*
 * inbox.h -- the staff inbox: texts no keyword answered, kept for a person
 * to read and answer (inbox.c owns the inbox and inbox_replies tables).
 *
 * An item is one text.  It sits in the queue of the person's location
 * when one is known (their open callback, else the last request that
 * named one), else in the shared inbox.  Staff answer from the dashboard;
 * the reply goes through the outbox on the channel the text came on, and
 * never to an opted-out number.  Everything runs inside the caller's
 * store transaction.
 */
#ifndef HOTLINE_INBOX_H
#define HOTLINE_INBOX_H

#include <time.h>

#include <jansson.h>

struct config;
struct db;

#define INBOX_OK		0
#define INBOX_ERROR		(-1)
#define INBOX_NOTFOUND		(-2)	/* no such item, or another location's */
#define INBOX_OPTED_OUT		(-3)	/* the texter opted out: nothing sent */
#define INBOX_KEY_REUSED	(-4)	/* an Idempotency-Key with other words */

/* A reply is at most this many bytes (a few text segments). */
#define INBOX_REPLY_MAX		600
/* The same words again within this many seconds are the same reply. */
#define INBOX_REPLY_REPEAT	120
/* An Idempotency-Key: 1 to this many printable characters. */
#define INBOX_KEY_MAX		128

struct inbox_text {
	const char	*phone;		/* E.164 */
	const char	*channel;	/* NULL (SMS) or "whatsapp" */
	const char	*sid;		/* MessageSid */
	const char	*body;
	const char	*language;
	int		 tell;		/* the texter may be told (not opted
					   out, not throttled) */
	time_t		 now;
};

struct inbox_added {
	long long	 id;
	char		*location;	/* caller frees; NULL: the shared inbox */
	int		 tell;		/* 1: tell them now (first today) */
};

/*
 * The fallback that tells the texter a person will read the text, and
 * when (sms.yaml's inbox_open or inbox_closed): in opening hours today, or
 * when the location (NULL: the first to open) opens next.  A new string,
 * or NULL when the configuration has no such message or nothing opens
 * soon (then nothing untrue is said).
 */
char	*inbox_notice(const struct config *, const char *location, int lang,
	    time_t now);
/* Keep a text for staff. 0, or -1. */
int	 inbox_add(struct db *, const struct inbox_text *, struct inbox_added *);

/*
 * Items staff with locations ("*" or "a,b") may see, newest first, as
 * the API shows them: a new array.  status: "open" (open and replied),
 * "all", or one status.  NULL on a store error.
 */
json_t	*inbox_list(struct db *, const char *locations, const char *status,
	    int limit);
/*
 * One item with its conversation (every text this number left in the
 * inbox and every reply, oldest first), or NULL with *rc INBOX_NOTFOUND
 * or INBOX_ERROR.
 */
json_t	*inbox_get(struct db *, long long id, const char *locations, int *rc);
/*
 * Queue a reply by author (validated: 1..INBOX_REPLY_MAX bytes), once:
 * a reply with the same key (an Idempotency-Key, or NULL) on the item,
 * or the same words by the same author within INBOX_REPLY_REPEAT
 * seconds, is not queued again -- INBOX_OK with the first reply's id and
 * *repeat set.  INBOX_KEY_REUSED when key was used for other words.
 */
int	 inbox_reply(struct db *, long long id, const char *locations,
	    const char *author, const char *body, const char *key, time_t now,
	    long long *reply_id, int *repeat);
/* Mark an item done. */
int	 inbox_done(struct db *, long long id, const char *locations,
	    const char *author, time_t now);
/*
 * The replies staff wrote to a person, as timeline events of kind "reply"
 * (people view; the texts themselves are their messages): appended to
 * events.  0, or -1.
 */
int	 inbox_person_events(struct db *, const char *phone, json_t *events);
/* 1 when any inbox text of phone's is visible to locations, 0 not, -1. */
int	 inbox_person_visible(struct db *, const char *phone,
	    const char *locations);
/*
 * A short string that changes whenever the inbox does (staff.c's
 * fingerprint of what staff watch, when changes are polled): *fp, caller
 * frees.  0 or -1.
 */
int	 inbox_fingerprint(struct db *, char **fp);
/*
 * Retention of items staff marked done before cutoff (retention.c): what
 * the texts and replies said, then the replies, then the items.  limit 0
 * counts; otherwise at most limit rows are cleared or deleted.  How
 * many, or -1.
 */
enum inbox_ret {
	INBOX_RET_BODIES, INBOX_RET_REPLY_BODIES, INBOX_RET_REPLIES,
	INBOX_RET_ITEMS
};
long long inbox_retention(struct db *, enum inbox_ret, time_t cutoff,
	    int limit);
/* 1 when body is a reply staff may send (pure). */
int	 inbox_reply_valid(const char *body);
/* 1 when key will do as an Idempotency-Key (INBOX_KEY_MAX). */
int	 inbox_key_valid(const char *key);

#endif
