/*
 * appointment.h -- appointment requests: asked for by text or on the
 * phone, confirmed or cancelled by staff, reminded the day before, and
 * handed to the clinic's scheduling system as FHIR R4.
 *
 *   appointment.c         the tables appointments and appointment_convos
 *                         (all their SQL)
 *   appointment_decide.c  pure: the SMS conversation, the words of every
 *                         text, the start time's parsing
 *   appointment_sms.c     the SMS conversation's hook in sms.c: facts read,
 *                         plan decided, plan stored
 *   appointment_fhir.c    the FHIR R4 Appointment resource
 *   staff_appt.c          GET /api/v1/appointments and its actions
 *
 * Phone numbers and the person's words stay in the store, never in logs.
 */
#ifndef HOTLINE_APPOINTMENT_H
#define HOTLINE_APPOINTMENT_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

struct config;
struct db;
struct location;
struct sms_in;
struct sms_class;
struct sms_facts;
struct sms_plan;

#define APPT_CONVO_SECS		86400	/* a conversation left this long ends */
#define APPT_WORDS_MAX		200	/* bytes kept of a free-text answer */
#define APPT_REASON_MAX		160	/* bytes of staff's cancel reason */
#define APPT_REMIND_BEFORE	86400	/* the reminder: a day before */
#define APPT_REPLY_WINDOW	(2 * 86400) /* C / R count this long after it */

/* --- the SMS conversation (pure: appointment_decide.c) ------------------- */

enum appt_step {
	APPT_STEP_NONE = 0,
	APPT_STEP_LOCATION,
	APPT_STEP_PATIENT,
	APPT_STEP_WHEN,
	APPT_STEP_REASON
};

/* What a conversation has gathered; strings owned by the struct. */
struct appt_convo {
	enum appt_step	 step;		/* the question asked last */
	int		 lang;
	char		*location;	/* a location id, or NULL */
	int		 new_patient;	/* 1 new, 0 returning, -1 not said */
	char		*preferred;	/* their words, or NULL */
	char		*reason;	/* their words, or NULL */
};

struct appt_plan {
	struct appt_convo next;		/* the state to keep (step NONE: end) */
	int		 request;	/* store the request now */
	char		*text;		/* the reply (caller frees) */
};

/*
 * A text in the conversation.  cur NULL: the keyword started it, body is
 * the whole text and what follows the keyword is read as a one-message
 * request ("BOOK Allen, Tuesday morning, knee pain").  Otherwise body
 * answers cur's question; SKIP (OMITIR) moves on.  now words the hours.
 */
void	 appt_decide(const struct config *, const struct appt_convo *cur,
	    const char *body, int lang, time_t now, struct appt_plan *);
void	 appt_plan_free(struct appt_plan *);
void	 appt_convo_clear(struct appt_convo *);

/* The parts of a one-message request, from body (pure). */
void	 appt_parse_free_text(const struct config *, const char *body,
	    int lang, struct appt_convo *);
/*
 * A location from an answer: a key ("2"), a name, a ZIP code.  NULL when
 * none matched.
 */
const struct location *appt_location(const struct config *, const char *body,
	    int lang);
/* "yes", "new" -> 1; "returning" -> 0; else -1. */
int	 appt_new_patient(const char *norm);

/*
 * "2026-12-08T09:30:00-06:00" (seconds optional, Z for UTC) -> the
 * instant.  0, or -1 when it is not one.
 */
int	 appt_parse_start(const char *iso, time_t *out);

/*
 * The texts staff actions send, in lang, at the location loc: the
 * confirmation (date, time, address, what to bring), the reminder, the
 * cancellation (reason: staff's words), the no-show's follow-up.
 */
char	*appt_text_confirmed(const struct config *, const struct location *,
	    int lang, time_t start);
char	*appt_text_reminder(const struct config *, const struct location *,
	    int lang, time_t start);
char	*appt_text_cancelled(const struct config *, const struct location *,
	    int lang, const char *reason);
char	*appt_text_noshow(const struct config *, const struct location *,
	    int lang);
/* The answer to C (confirmed) or R (reschedule), honest for the hour. */
char	*appt_text_answer(const struct config *, const struct location *,
	    int lang, int reschedule, time_t start, time_t now);
/* "what happens next" for a request just made, honest for now. */
char	*appt_text_received(const struct config *, const struct location *,
	    int lang, time_t now);

/*
 * check-config: word every appointment text in every language (at every
 * clinic, through a year of hours from now) and print "file:line:
 * message" to out for each that does not fit one text.  How many.
 */
int	 appt_check(const struct config *, FILE *out, time_t now);

/* --- the tables (appointment.c) ------------------------------------------- */

/* The conversation of phone: 1 with *c (not older than a day), 0, -1. */
int	 appointment_convo_get(struct db *, const struct config *,
	    const char *phone, time_t now, struct appt_convo *c);
int	 appointment_convo_put(struct db *, const struct config *,
	    const char *phone, const struct appt_convo *, time_t now);
int	 appointment_convo_end(struct db *, const char *phone);

/*
 * Retention (retention.c) of what is past before cutoff: the words of
 * appointments no longer waiting on staff, then their numbers (the row
 * stays for the report), then the rows; and conversations left since
 * cutoff.  limit 0 counts; otherwise at most limit rows are cleared or
 * deleted.  How many, or -1.
 */
enum appt_purge {
	APPT_PURGE_WORDS, APPT_PURGE_NUMBERS, APPT_PURGE_ROWS,
	APPT_PURGE_CONVOS
};
long long appointment_purge(struct db *, enum appt_purge, time_t cutoff,
	    int limit);

struct appt_request {
	const char	*phone;
	const char	*channel;	/* "sms" or "voice" */
	const char	*location;	/* id or NULL */
	int		 new_patient;	/* 1, 0, -1 unknown */
	const char	*preferred;
	const char	*reason;
	const char	*language;
	time_t		 now;
};
/* A new request: 0 with *id, or -1. */
int	 appointment_add(struct db *, const struct appt_request *,
	    long long *id);

/* One row, for staff actions and the texts they send. */
struct appt_row {
	long long	 id;
	char		*phone;
	char		*location;
	char		*language;
	char		*status;
	time_t		 start;		/* 0 until confirmed */
	int		 new_patient;
	char		*preferred;
	char		*reason;
	time_t		 created;
};
void	 appointment_row_free(struct appt_row *);

#define APPT_OK		0
#define APPT_NOTFOUND	(-2)	/* no such request, or not theirs */
#define APPT_CONFLICT	(-3)	/* not in a state for that */

/*
 * Rows staff with locations ("*" or "id,id") may see, newest first:
 * status "open" (requested, reschedule), a status, or "all".  A JSON
 * array of the API's items, or NULL.
 */
json_t	*appointment_list(struct db *, const char *locations,
	    const char *status, int limit);
/* One row staff may see: APPT_OK with *row, APPT_NOTFOUND or -1. */
int	 appointment_get(struct db *, long long id, const char *locations,
	    struct appt_row *row);
/* The row as the API shows it (also appointment_list's items). */
json_t	*appointment_item(const struct appt_row *);

/* State changes; APPT_OK, APPT_CONFLICT or -1. */
int	 appointment_set_confirmed(struct db *, long long id, time_t start,
	    const char *start_text, const char *location, const char *by,
	    time_t now);
int	 appointment_set_cancelled(struct db *, long long id,
	    const char *reason, const char *by, time_t now);
int	 appointment_set_noshow(struct db *, long long id, const char *by,
	    time_t now);
/*
 * The patient's answer to a reminder: "patient_confirmed" or
 * "reschedule" with their words.
 */
int	 appointment_set_answer(struct db *, long long id, const char *status,
	    const char *words, time_t now);
/*
 * The confirmed appointment of phone whose reminder time has come and
 * that has not started long ago: 1 with *row, 0 none, -1.
 */
int	 appointment_reminded(struct db *, const char *phone, time_t now,
	    struct appt_row *row);
/* The FHIR server's answer for a request: its id, or the outcome. */
int	 appointment_set_fhir(struct db *, long long id, const char *fhir_id,
	    const char *outcome, time_t now);
/*
 * The requests of phone as events of the person view (people.c): kind
 * "appointment", at (asked), and the API's item.  0 or -1.
 */
int	 appointment_person_events(struct db *, const char *phone,
	    json_t *events);

/* --- the SMS hook (appointment_sms.c) ------------------------------------ */

/*
 * On the store thread, inside the text's transaction, before sms_decide:
 * a reply to a reminder (C / SI / R), a text in a conversation, or the
 * keyword that starts one.  1 when it answered (p filled: keyword, lang,
 * texts), 0 to go on as usual (an opt-out ends a conversation and goes
 * on), -1 on error.  kick is set when outbox rows were queued.
 */
int	 appointment_sms(struct db *, const struct config *, const char *phone,
	    const struct sms_in *, const struct sms_class *,
	    const struct sms_facts *, struct sms_plan *p, int *kick);

/*
 * Queue what a request, a confirmation or a staff action sends outside
 * the reply: the FHIR hand-off (when configured), texts, the reminder.
 */
int	 appointment_queue_fhir(struct db *, const struct config *,
	    const struct appt_row *, const char *status, time_t now);
/*
 * A text under key (stable: a second queueing is a no-op), sent no
 * earlier than at; body is freed.  1 queued, 0 opted out, -1.
 */
int	 appointment_queue_text(struct db *, const char *key,
	    const char *phone, const char *language, char *body, time_t at,
	    time_t now);
/* The reminder's key, for one start time (caller frees). */
char	*appointment_reminder_key(long long id, time_t start);

/* --- FHIR R4 (appointment_fhir.c) ------------------------------------ */

/*
 * The Appointment resource for row with status ("proposed" or "booked"):
 * a contained Patient (telecom, language), the location's fhir_location
 * reference, requestedPeriod from the preferred days, start/end when
 * booked, the request id as identifier.  A new reference.
 */
json_t	*appt_fhir_resource(const struct config *, const struct appt_row *,
	    const char *status, time_t now);
/* The identifier system of the request ids (If-None-Exist's). */
const char *appt_fhir_system(const struct config *);

#endif
