/*
 * reply.h -- the words of what the hotline texts back: sms.yaml's messages
 * filled in, the clinic and hours lists, a guide's one-line summary with the
 * link to its page, and the check that every one of them fits a phone.
 *
 * Everything here is a pure function of the configuration and the time:
 * sms.c and voice.c decide what to send and store it; this only words it,
 * so `hotline check-config` can word every reply the service can send and
 * count its segments.  Each reply is one text message: separate messages
 * can arrive in any order.
 */
#ifndef HOTLINE_REPLY_H
#define HOTLINE_REPLY_H

#include <stdio.h>
#include <time.h>

struct config;
struct estimate;
struct guide;
struct location;

/* "+18175550101" -> "(817) 555-0101"; other numbers as they are. */
void		 reply_phone_words(const char *e164, char *buf, size_t len);
/* sms.yaml message name in lang, {placeholders} filled from vars. */
char		*reply_msg(const struct config *, const char *name, int lang,
		     const char *const *vars);
/* A NULL-ended array of one text (steals text), for sms.c's replies. */
char		**reply_one(char *text);

/* HELP, with the front desk's number. */
char		*reply_help(const struct config *, int lang);
/* CLINIC: every location's phone and whether it is open, at now. */
char		*reply_clinics(const struct config *, int lang, time_t now);
/* HOURS: today's hours at every location. */
char		*reply_hours(const struct config *, int lang, time_t now);
/* A ZIP code: the nearest location with its address, or zip_unknown. */
char		*reply_zip(const struct config *, const char *zip, int lang,
		     time_t now);
/*
 * Joined (created) or already in the callback queue, with when to expect
 * the call (estimate.h: minutes, or the opening after hours).
 */
char		*reply_callback(const struct config *, int lang, int created,
		     int position, const struct estimate *, time_t now);
/*
 * A red flag's advice: "staff call you first" while the estimate is in
 * minutes, else 911 or the emergency room and when the clinic opens.
 */
char		*reply_emergency(const struct config *, int lang,
		     const struct estimate *, time_t now);
/*
 * A guide: its summary and the link to its page (public URL + /g/<id>,
 * with ?lang= for another language than the first), then guide_footer.
 */
char		*reply_guide(const struct config *, const struct guide *,
		     int lang);
/* The link alone. */
char		*reply_guide_link(const struct config *, const struct guide *,
		     int lang);
/*
 * text with the optout_hint message added on its own line, or NULL when
 * text names the hint's keyword ("STOP") already.
 */
char		*reply_hint(const struct config *, const char *text, int lang);

/*
 * Word every reply the service can send, in every language, through a
 * week of hours from now, and print one "file:line: message" to out for
 * each that does not fit one message of the segments allowed
 * (segment_limit).  Returns how many were printed.
 */
int		 reply_check(const struct config *, FILE *out);
/*
 * One text another module sends (the daily programme's, say), counted
 * like reply_check's and reported to out as file:line what when it does
 * not fit one text; 1 when reported.
 */
int		 reply_check_text(const struct config *, FILE *out,
		     const char *file, int line, const char *what, int lang,
		     const char *text);
/*
 * The same for one text another module words (appointment.h), reported
 * at sms.yaml's message name: 1 when it does not fit, else 0.
 */
int		 reply_check_message(const struct config *, FILE *out,
		     const char *name, const char *what, int lang,
		     const char *text);

#endif
