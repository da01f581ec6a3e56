/*
 * sms_decide.c -- what an incoming text gets (see sms.h): its route, then
 * the plan, and the words of every reply.  Pure: the webhook (sms.c)
 * reads the facts and applies the plan.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "callback.h"
#include "config.h"
#include "keyword.h"
#include "reply.h"
#include "sms.h"
#include "util.h"
#include "xmalloc.h"

const char *
sms_guide_topic(const struct guide *g)
{
	size_t	i;

	if (g == NULL)
		return (NULL);
	if (g->topic != NULL)
		return (g->topic);
	for (i = 0; i < g->nguides; i++) {
		if (g->guides[i] != NULL && g->guides[i]->topic != NULL)
			return (g->guides[i]->topic);
	}
	return (g->id);
}

/* Which language's red-flag pattern the text matches: index, or -1. */
static int
sms_red_flag(const struct config *cfg, const char *norm, int lang)
{
	size_t	i;

	if (lang >= 0 && cfg->red_flags.re[lang] != NULL &&
	    re_match(cfg->red_flags.re[lang], norm))
		return (lang);
	for (i = 0; i < cfg->nlangs; i++) {
		if (cfg->red_flags.re[i] != NULL &&
		    re_match(cfg->red_flags.re[i], norm))
			return ((int)i);
	}
	return (-1);
}

/*
 * A text that used a stop word about something else ("can I cancel my
 * appointment") learns how to opt out: the optout_hint message ends the
 * answer, unless the answer names the hint's keyword already (the
 * fallback's "or STOP to opt out", a guide's footer).
 */
static void
sms_hint(const struct config *cfg, struct sms_plan *rep, int lang)
{
	char	*m;

	if (!rep->hint || rep->texts == NULL || rep->texts[0] == NULL)
		return;
	if ((m = reply_hint(cfg, rep->texts[0], lang)) != NULL) {
		free(rep->texts[0]);
		rep->texts[0] = m;
	}
}

void
sms_classify(const struct config *cfg, const struct sms_in *in,
    int number_lang, struct sms_class *c)
{
	const char		*pt = in->opt_out_type;
	enum kw_compliance	 comp;
	enum kw_intent		 intent = KW_INTENT_NONE;
	int			 es = 0, es_lang, ilang = -1, flag;

	memset(c, 0, sizeof *c);
	c->lang = number_lang;
	es_lang = config_lang(cfg, "es");
	comp = keyword_compliance(cfg->sms, in->norm, &es);
	if (es && es_lang >= 0)
		c->lang = es_lang;
	/* Not a compliance word alone: does it say stop in other words? */
	if (comp == KW_NONE)
		intent = keyword_optout_intent(cfg->sms, in->norm, c->lang,
		    &ilang);
	if (intent != KW_INTENT_NONE && ilang >= 0)
		c->lang = ilang;
	c->hint = intent == KW_INTENT_MENTION;

	/*
	 * 1. Compliance: always first, never overridden.  "Stop texting me"
	 * is STOP (FCC 24-24).
	 */
	if ((pt != NULL && strcasecmp(pt, "STOP") == 0) || comp == KW_OPTOUT ||
	    (intent == KW_INTENT_OPTOUT && pt == NULL))
		c->route = SMS_OPTOUT;
	else if ((pt != NULL && strcasecmp(pt, "START") == 0) ||
	    comp == KW_OPTIN)
		c->route = SMS_OPTIN;
	else if ((pt != NULL && strcasecmp(pt, "HELP") == 0) ||
	    comp == KW_HELP)
		c->route = SMS_HELP;
	/* 2. Red flags, in whichever language's words they came. */
	else if ((flag = sms_red_flag(cfg, in->norm, c->lang)) >= 0) {
		c->route = SMS_RED_FLAG;
		c->lang = flag;
	} else {
		/* 3. Content keywords, first match wins; 4. the fallback. */
		c->route = SMS_CONTENT;
		if ((c->k = keyword_match(cfg->sms, in->norm)) != NULL &&
		    c->k->lang >= 0)
			c->lang = c->k->lang;
	}
}

void
sms_decide(const struct config *cfg, const struct sms_in *in,
    const struct sms_class *c, const struct sms_facts *f, struct sms_plan *p)
{
	const char		*pt = in->opt_out_type;
	const struct keyword	*k = c->k;
	int			 lang = c->lang;

	memset(p, 0, sizeof *p);
	p->lang = lang;
	p->optout_source = pt != NULL ? "provider" : "sms";
	p->optout_word = in->norm;
	switch (c->route) {
	case SMS_OPTOUT:
		p->keyword = "optout";
		p->optout = SMS_OPT_OUT;
		if (pt != NULL)
			p->optout_word = "STOP";
		/*
		 * One confirmation, never throttled; with Advanced Opt-Out
		 * the provider confirms it itself.
		 */
		if (!f->opted && pt == NULL)
			p->texts = reply_one(reply_msg(cfg, "opted_out", lang,
			    NULL));
		return;
	case SMS_OPTIN:
		p->keyword = "optin";
		p->optout = SMS_OPT_IN;
		if (pt != NULL)
			p->optout_word = "START";
		else
			p->texts = reply_one(reply_msg(cfg, "opted_in", lang,
			    NULL));
		break;
	case SMS_HELP:
		p->keyword = "help";
		if (!f->opted && pt == NULL)
			p->texts = reply_one(reply_help(cfg, lang));
		break;
	case SMS_RED_FLAG:
		/*
		 * Staff hear of it whatever else holds back the reply, since
		 * a call is not a text; the advice is held back only when it
		 * was given lately (an auto-responder echoing it).
		 */
		p->keyword = "red_flag";
		p->callback = 1;
		p->priority = 1;
		/* The advice's words wait for the queue's estimate. */
		if (!f->opted) {
			if (f->advised && f->throttled)
				p->throttled = 1;
			else
				p->emergency_reply = 1;
		}
		goto throttle;
	case SMS_CONTENT:
		/* No keyword answered: a person reads it (sms.c, inbox.c). */
		p->inbox = k == NULL;
		if (f->opted) {
			p->keyword = "opted_out";
			return;
		}
		if (k == NULL) {
			p->keyword = "fallback";
			p->texts = reply_one(reply_msg(cfg, "fallback", lang,
			    NULL));
			break;
		}
		p->keyword = k->id;
		switch (k->action) {
		case KW_GUIDE:
			p->texts = reply_one(reply_guide(cfg, k->guide, lang));
			break;
		case KW_CLINICS:
			p->texts = reply_one(reply_clinics(cfg, lang, in->now));
			break;
		case KW_HOURS:
			p->texts = reply_one(reply_hours(cfg, lang, in->now));
			break;
		case KW_ZIP:
			p->texts = reply_one(reply_zip(cfg, in->norm, lang,
			    in->now));
			break;
		case KW_CALLBACK:
			/* The queue's entry is the side effect: never
			 * throttle it away; only its answer. */
			p->callback = 1;
			if (!f->throttled) {
				p->callback_reply = 1;
				p->hint = c->hint;
				return;
			}
			break;
		case KW_LANGUAGE:
			p->texts = reply_one(reply_msg(cfg, "language_set",
			    lang, NULL));
			break;
		case KW_APPOINTMENT:
			/* The conversation's own (appointment_sms), which
			 * answers before this is asked. */
			break;
		}
		p->hint = c->hint;
		sms_hint(cfg, p, lang);
		break;
	}
	if (p->texts != NULL && p->texts[0] != NULL && f->throttled)
		p->throttled = 1;
throttle:
	if (p->throttled) {
		keyword_texts_free(p->texts);
		p->texts = NULL;
	}
}

void
sms_callback_texts(const struct config *cfg, struct sms_plan *p,
    const struct callback_res *res, time_t now)
{
	if (p->emergency_reply) {
		p->texts = reply_one(reply_emergency(cfg, p->lang,
		    &res->estimate, now));
		return;
	}
	p->texts = reply_one(reply_callback(cfg, p->lang, res->created,
	    res->position, &res->estimate, now));
	sms_hint(cfg, p, p->lang);
}

void
sms_plan_free(struct sms_plan *p)
{
	keyword_texts_free(p->texts);
	p->texts = NULL;
}
