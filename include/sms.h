/*
 * sms.h -- what an incoming text gets, decided without the store.
 *
 * The webhook (sms.c) reads the few facts a text's answer depends on and
 * asks here for a plan; its transaction then applies the plan: the
 * opt-out change, the callback request, the reply texts and the record of
 * them.  The order is fixed: compliance words and opt-outs in the
 * texter's own words, red flags, opt-out state, content keywords, the
 * fallback; the throttle holds back replies last.
 *
 * Everything here is pure: no store, no clock (now is passed), no log.
 */
#ifndef HOTLINE_SMS_H
#define HOTLINE_SMS_H

#include <stddef.h>
#include <time.h>

struct config;
struct guide;
struct keyword;
struct callback_res;

/* An incoming text, parsed. */
struct sms_in {
	const char	*body;
	const char	*norm;		/* keyword_normalise(body) */
	const char	*opt_out_type;	/* provider's Advanced Opt-Out, or NULL */
	time_t		 now;
};

/* What a text is, from its words alone: step one. */
enum sms_route {
	SMS_OPTOUT,		/* STOP, or stop in other words */
	SMS_OPTIN,		/* START */
	SMS_HELP,		/* HELP */
	SMS_RED_FLAG,		/* red-flag words: staff must hear */
	SMS_CONTENT		/* a content keyword, or the fallback */
};

struct sms_class {
	enum sms_route		 route;
	int			 lang;	/* the language to answer in */
	int			 hint;	/* a stop word about something else */
	const struct keyword	*k;	/* SMS_CONTENT: NULL for the fallback */
};

/*
 * What the decision needs from the store, read in the transaction:
 * number_lang always (before sms_classify), the rest as the route needs.
 */
struct sms_facts {
	int	number_lang;	/* language this number used last, else 0 */
	int	opted;		/* opted out (every route) */
	int	advised;	/* SMS_RED_FLAG: given the advice lately */
	int	throttled;	/* had its share of replies (not SMS_OPTOUT) */
};

enum sms_optout_change { SMS_OPT_KEEP, SMS_OPT_OUT, SMS_OPT_IN };

/* What the transaction does: step two's answer. */
struct sms_plan {
	const char		*keyword;	/* recorded with the message */
	int			 lang;
	char			**texts;	/* the reply, NULL-ended, or NULL */
	int			 throttled;	/* a reply held back by the throttle */
	enum sms_optout_change	 optout;
	const char		*optout_source;	/* "sms" or "provider" */
	const char		*optout_word;	/* what they wrote, or the type */
	int			 callback;	/* join the callback queue */
	int			 priority;	/* 1: red flag */
	int			 callback_reply; /* reply: sms_callback_texts */
	int			 emergency_reply; /* ... the red-flag advice */
	int			 hint;		/* ... then the opt-out hint */
	int			 inbox;		/* no keyword answered: keep it
						   for a person (inbox.c) */
};

/* Step one: the route and language of a text (pure). */
void	 sms_classify(const struct config *, const struct sms_in *,
	    int number_lang, struct sms_class *);
/* Step two: the plan (pure); sms_plan_free frees its texts. */
void	 sms_decide(const struct config *, const struct sms_in *,
	    const struct sms_class *, const struct sms_facts *,
	    struct sms_plan *);
/*
 * The reply of a plan with callback_reply or emergency_reply, once the
 * queue has answered (res: place and the estimate, estimate.h), with the
 * opt-out hint when the plan says so.  A red flag's advice says "staff
 * call you first" only while that is true at now, else when they will.
 */
void	 sms_callback_texts(const struct config *, struct sms_plan *,
	    const struct callback_res *, time_t now);
void	 sms_plan_free(struct sms_plan *);
/* The topic a guide stands for in the callback queue, or NULL. */
const char *sms_guide_topic(const struct guide *);

#endif
