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
 * Returns the new row id, 0 if the key was already queued,
 * OUTBOX_SUPPRESSED for an SMS to an opted-out number, -1 on error.
 */
long long	 outbox_enqueue(struct db *, const char *kind, const char *dedupe,
		     const char *recipient, json_t *payload, time_t now);
/* On the loop, after a commit that queued rows: deliver soon. */
void		 outbox_kick(struct outbox *);

#endif
