/*
 * voice.h -- what a call hears next, decided without the store.
 *
 * The webhook (voice.c) parses the request and where the call is in the
 * menu (the signed step URL), then asks voice_decide for a plan: the
 * TwiML to answer with, the callback request, the texts to queue and the
 * events to record.  The decision is pure; when it needs something only
 * the store knows -- whether the caller opted out of texts, or the place
 * a callback request got -- it says so (plan->need), the transaction
 * finds out, and the decision runs again with that fact.  The transaction
 * then applies the plan.
 */
#ifndef HOTLINE_VOICE_H
#define HOTLINE_VOICE_H

#include <stddef.h>
#include <time.h>

#include "appointment.h"
#include "callback.h"

struct config;
struct flow_node;
struct location;

/* One webhook, parsed: borrowed strings. */
struct voice_in {
	int		 incoming;	/* the call's first answer */
	const char	*call_sid;
	const char	*from;		/* E.164, or NULL (withheld) */
	const char	*digits;
	const char	*speech;
	const char	*speech_lang;	/* language code the speech was heard
					   in (the step URL's "sl"); NULL: the
					   call's */
	const char	*dial_status;
	const char	*rec_url;
	const char	*todo;		/* the step URL's "do": show, dial, rec */
	time_t		 now;
};

/* Which answer a callback node waits for (the step URL's "s"). */
enum voice_stage {
	VOICE_STAGE_NONE,
	VOICE_STAGE_CONFIRM,	/* "c": call you back at this number? */
	VOICE_STAGE_NUMBER,	/* "n": the number to call */
	VOICE_STAGE_LOCATION,	/* "l": which clinic */
	VOICE_STAGE_WINDOW,	/* "w": when */
	VOICE_STAGE_PATIENT,	/* "p": appointment: new or returning */
	VOICE_STAGE_DAYS,	/* "d": appointment: days, part of day */
	VOICE_STAGE_REASON	/* "r": appointment: what for */
};

/* An appointment node's questions answered or skipped (st->asked). */
#define VOICE_ASKED_LOCATION	0x01
#define VOICE_ASKED_PATIENT	0x02
#define VOICE_ASKED_DAYS	0x04
#define VOICE_ASKED_REASON	0x08
#define VOICE_WORDS_MAX		200	/* bytes kept of a spoken answer */

/* Where a call is: read from and written into step URLs. */
struct voice_state {
	struct flow_node	*node;
	int			 lang;
	int			 tries;
	int			 item;
	struct location		*loc;
	int			 loc_any;	/* callback: any location */
	char			 topic[32];
	char			 phone[20];	/* callback number, E.164 */
	char			 window[16];
	enum voice_stage	 stage;
	int			 asked;		/* VOICE_ASKED_* */
	int			 new_patient;	/* 1, 0, -1 not said */
	char			 days[VOICE_WORDS_MAX + 1];	/* their words */
	char			 reason[VOICE_WORDS_MAX + 1];	/* their words */
};

#define VOICE_MAX_CB	2	/* callback requests one step may make */

/* What the store told a decision that asked (plan->need). */
struct voice_facts {
	int			opted;	/* caller opted out of texts; -1 unknown */
	struct callback_res	cb[VOICE_MAX_CB];	/* requests made so far */
	int			ncb;
	long long		appt_id;	/* the appointment request made */
};

enum voice_need {
	VOICE_NEED_NONE,
	VOICE_NEED_OPTED,	/* facts.opted, for the caller's number */
	VOICE_NEED_CALLBACK,	/* plan->cb made: its result in facts.cb */
	VOICE_NEED_APPOINTMENT	/* plan->appt stored: facts.appt_id */
};

struct voice_text {
	char	*dedupe;
	char	*body;
};

struct voice_event {
	const char	*kind;
	const char	*node;
	const char	*input;
	const char	*location;
	const char	*lang;
};

#define VOICE_MAX_EVENTS 4

struct voice_plan {
	char			*doc;		/* the TwiML answer */
	enum voice_need		 need;
	struct callback_req	 cb;		/* VOICE_NEED_CALLBACK */
	struct appt_request	 appt;		/* VOICE_NEED_APPOINTMENT */
	char			 anon[96];	/* cb.phone of a withheld number */
	struct callback_req	 flag;		/* a red flag's request, made
						   through VOICE_NEED_CALLBACK */
	int			 has_flag;
	int			 red_flag;	/* red-flag words heard */
	struct voice_text	*texts;		/* SMS to the caller */
	int			 programme;	/* enrol in the daily programme */
	int			 programme_lang;
	size_t			 ntexts;
	struct voice_event	 events[VOICE_MAX_EVENTS];
	int			 nevents;
	const char		*in_node;	/* the node the input was for */
	char			 input[40];	/* key or intent: never free text */
};

/*
 * Decide one webhook from the state st (changed to where the call goes)
 * and the facts found so far.  0 with plan->doc, or plan->need set (run
 * again with the fact, from the state as it was); -1 if the TwiML came
 * out invalid.  voice_plan_free frees what the plan holds.
 */
int	voice_decide(const struct config *, const struct voice_in *,
	    struct voice_state *, const struct voice_facts *,
	    struct voice_plan *);
void	voice_plan_free(struct voice_plan *);
/* The answer when the store failed: from the configuration alone. */
char	*voice_fallback(const struct config *, int lang, time_t now);

#endif
