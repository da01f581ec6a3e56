/*
 * outbox.h -- the transactional outbox.
 *
 * Anything the service sends (SMS, staff click-to-call, e-mail, chat) is
 * first a row written in the same transaction as the state that caused it;
 * the dispatcher on the loop delivers due rows through libcurl with
 * retries, so a crash or restart loses nothing and sends nothing twice.
 */
#ifndef HOTLINE_OUTBOX_H
#define HOTLINE_OUTBOX_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

struct db;
struct outbox;

#define OUTBOX_SUPPRESSED	(-2)	/* recipient opted out: not queued */

/*
 * Queue one message inside the caller's transaction.  kind is "sms",
 * "call", "email" or "chat"; dedupe is a stable key of this message (a
 * second enqueue with the same key is a no-op); payload is stolen.
 *   sms:   {"to": "+1…", "body": "…"}; "channel": "whatsapp" is added
 *          when the person last wrote on WhatsApp within its 24-hour
 *          window, and the text goes there (recipient stays the E.164
 *          number: one person, one opt-out state)
 *   call:  {"to": "+1…", "from": "+1…", "url": "https://…/…"}
 *   email: {"to": "a@b", "subject": "…", "body": "…"}
 *   chat:  {"url": "https://…", "json": {…}}
 *   fhir:  {"method": "POST"|"PUT", "url": "{base}/Appointment[/id]",
 *          "resource": {…}, "if_none_exist": "identifier=…",
 *          "appointment": ID} -- the scheduling system's hand-off
 * Returns the new row id, 0 if the key was already queued,
 * OUTBOX_SUPPRESSED for an SMS to an opted-out number, -1 on error.
 */
long long	 outbox_enqueue(struct db *, const char *kind, const char *dedupe,
		     const char *recipient, json_t *payload, time_t now);
/*
 * outbox_enqueue for a text scheduled for send_after (the time it is
 * meant for), not sent before not_before (send_after moved out of quiet
 * hours, quiet.h).  When it comes due the dispatcher sends it only outside
 * the recipient's quiet hours, and skips it once more than a day late.
 * Same returns as outbox_enqueue.
 */
long long	 outbox_schedule(struct db *, const char *kind,
		     const char *dedupe, const char *recipient, json_t *payload,
		     time_t now, time_t send_after, time_t not_before);
/* Cancel the pending scheduled rows whose key starts with prefix: n, -1. */
int		 outbox_cancel_scheduled(struct db *, const char *prefix,
		     time_t now);
/*
 * The pending scheduled rows whose key starts with prefix: how many, and
 * when the first is due (0 with none).  0 or -1.
 */
int		 outbox_scheduled(struct db *, const char *prefix,
		     long long *pending, long long *next_at);
/*
 * outbox_enqueue, sent no earlier than at (a reminder the day before): the row
 * waits, pending, and outlives restarts like any other.
 */
long long	 outbox_enqueue_at(struct db *, const char *kind,
		     const char *dedupe, const char *recipient, json_t *payload,
		     time_t now, time_t at);
/*
 * Take back a row not yet sent (an appointment cancelled before its
 * reminder): it becomes 'suppressed' with why.  1 when one was, 0 when
 * none was waiting, -1 on error.
 */
int		 outbox_withdraw(struct db *, const char *dedupe,
		     const char *why, time_t now);
/* On the loop, after a commit that queued rows: deliver soon. */
void		 outbox_kick(struct outbox *);

/*
 * --- what others ask of the outbox ---------------------------------------
 * outbox.c owns the outbox table: every question about its rows is one of
 * these, run in the caller's transaction.
 */

/*
 * The dedupe key of part part of a guide texted from origin (e.g.
 * "voice:CA…"): "ORIGIN:guide:ID:PART".  The caller frees.
 */
char		*outbox_guide_key(const char *origin, const char *guide,
		     size_t part);
/*
 * The guides queued for phone since since, newest first (at most 50
 * rows, suppressed ones left out): fn is called with each guide id and
 * when it was queued until it returns non-zero.  0 or -1.
 */
int		 outbox_recent_guides(struct db *, const char *phone,
		     time_t since, int (*fn)(const char *guide, long long at,
		     void *), void *arg);
/* Who our text provider_sid went to: 1 with *phone (caller frees), 0, -1. */
int		 outbox_recipient(struct db *, const char *provider_sid,
		     char **phone);
/*
 * A final delivery status for the text provider_sid, unless its row is
 * further along or not yet sent: rank_sql is an SQL expression ranking the
 * row's status column, rank the new status's (message_set_status's form);
 * error 0 keeps the error code.  0 or -1.
 */
int		 outbox_set_status(struct db *, const char *provider_sid,
		     const char *status, long long error, const char *rank_sql,
		     int rank, time_t now);
/* Rows due and not taken, and how late the oldest is (s).  0 or -1. */
int		 outbox_backlog(struct db *, time_t now, long long *due,
		     long long *oldest);
/* A string that changes whenever the failed rows do (caller frees). 0/-1. */
int		 outbox_failed_mark(struct db *, char **mark);
/* What a row is, in a few words, from its key: never the body (frees). */
char		*outbox_summary(const char *kind, const char *dedupe);

/* A page of rows for staff, newest change first. */
struct outbox_page {
	const char	*status;	/* a status, or "all" */
	const char	*locations;	/* the staff member's: "*" or "id,id" */
	int		 has_cursor;	/* after (cur_at, cur_id) */
	long long	 cur_at;
	long long	 cur_id;
	int		 limit;
};
/*
 * The rows staff with pg->locations may see (every row with "*", else
 * those to people waiting in a queue they see): *items is a new array of
 * { "id", "kind", "recipient", "status", "attempts", "error_code",
 * "last_error", "created_at", "updated_at", "summary" }, and the last
 * row's updated_at and id are the next page's cursor.  Rows, or -1.
 */
int		 outbox_list(struct db *, const struct outbox_page *,
		     json_t **items, long long *last_at, long long *last_id);

#define OUTBOX_NOTFOUND		(-2)	/* no such row, or not theirs */
#define OUTBOX_NOT_FAILED	(-3)	/* only failed rows are retried */
#define OUTBOX_OPTED_OUT	(-4)	/* STOP still wins */
#define OUTBOX_RACE		(-5)	/* another retry won */
/*
 * Put a row the dispatcher gave up on back in line, as if new: due now,
 * its attempts counted from zero.  0 with *item (outbox_list's form), -1
 * or one of the codes above.
 */
int		 outbox_retry(struct db *, long long id, const char *locations,
		     time_t now, json_t **item);

#endif
