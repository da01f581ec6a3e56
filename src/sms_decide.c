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
#include "location.h"
#include "sms.h"
#include "util.h"
#include "xmalloc.h"

/* "+18175550101" -> "(817) 555-0101"; other numbers as they are. */
static void
sms_phone_words(const char *e164, char *buf, size_t len)
{
	size_t	i;

	if (e164 != NULL && strlen(e164) == 12 && strncmp(e164, "+1", 2) == 0) {
		for (i = 2; i < 12; i++) {
			if (!isdigit((unsigned char)e164[i]))
				break;
		}
		if (i == 12) {
			snprintf(buf, len, "(%.3s) %.3s-%.4s", e164 + 2,
			    e164 + 5, e164 + 8);
			return;
		}
	}
	snprintf(buf, len, "%s", e164 != NULL ? e164 : "");
}

static char *
sms_msg(const struct config *cfg, const char *name, int lang,
    const char *const *vars)
{
	const char	*t;

	if ((t = smscfg_message(cfg, name, lang)) == NULL)
		t = "";
	return (keyword_fill(t, vars));
}

static char **
sms_one(char *text)
{
	char	**v;

	v = xcalloc(2, sizeof *v);
	v[0] = text;
	return (v);
}

/* The clinic message for one location, in words, now. */
static char *
sms_clinic(const struct config *cfg, const struct location *l, int lang,
    time_t now, const char *tmpl)
{
	char	 hours[64], next[64], phone[32], desk[32], *open, *out;
	int	 closed;

	closed = location_hours_text(l, now, lang, cfg, hours, sizeof hours);
	if (closed)
		snprintf(hours, sizeof hours, "%s",
		    smscfg_message(cfg, "hours_closed_today", lang));
	if (location_is_open(l, now))
		open = sms_msg(cfg, "open_now", lang, NULL);
	else {
		const char	*vars[] = { "next_open", next, NULL };

		location_next_open_text(l, now, lang, next, sizeof next);
		open = sms_msg(cfg, "closed_now", lang, vars);
	}
	sms_phone_words(l->phone, phone, sizeof phone);
	sms_phone_words(cfg->front_desk, desk, sizeof desk);
	{
		const char	*vars[] = { "name", i18n_get(&l->name, lang),
				    "address", l->address != NULL ? l->address : "",
				    "phone", phone, "hours", hours,
				    "open_now", open, "front_desk", desk, NULL };

		out = sms_msg(cfg, tmpl, lang, vars);
	}
	free(open);
	return (out);
}

static char **
sms_locations(const struct config *cfg, const char *intro, const char *tmpl,
    int lang, time_t now)
{
	const char	**paras;
	char		**v;
	size_t		  i, n = 0;

	paras = xcalloc(cfg->nlocations + 1, sizeof *paras);
	paras[n++] = sms_msg(cfg, intro, lang, NULL);
	for (i = 0; i < cfg->nlocations; i++)
		paras[n++] = sms_clinic(cfg, &cfg->locations[i], lang, now,
		    tmpl);
	v = keyword_pack(paras, n, SMS_PART_MAX, NULL);
	for (i = 0; i < n; i++)
		free((char *)paras[i]);
	free(paras);
	return (v);
}

static char **
sms_zip(const struct config *cfg, const char *zip, int lang, time_t now)
{
	const struct location	*l;
	const char		*paras[2];
	char			 miles[32], **v;
	double			 d;

	if ((l = location_nearest_zip(cfg, zip, &d)) == NULL) {
		const char	*vars[] = { "zip", zip, NULL };

		return (sms_one(sms_msg(cfg, "zip_unknown", lang, vars)));
	}
	snprintf(miles, sizeof miles, d < 10 ? "%.1f" : "%.0f", d);
	{
		const char	*vars[] = { "zip", zip, "miles", miles, NULL };

		paras[0] = sms_msg(cfg, "zip_nearest", lang, vars);
	}
	paras[1] = sms_clinic(cfg, l, lang, now, "clinic");
	v = keyword_pack(paras, 2, SMS_PART_MAX, NULL);
	free((char *)paras[0]);
	free((char *)paras[1]);
	return (v);
}

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
 * The keyword a hint names: its first word of two or more capitals
 * ("STOP" in "Reply STOP to opt out."), in buf; 0 when it has none.
 */
static int
sms_hint_keyword(const char *hint, char *buf, size_t len)
{
	const char	*p, *e;

	for (p = hint; *p != '\0'; p = e) {
		for (e = p; *e >= 'A' && *e <= 'Z'; e++)
			;
		if (e - p >= 2 && (p == hint || !isalpha((unsigned char)p[-1])) &&
		    !isalpha((unsigned char)*e) && (size_t)(e - p) < len) {
			snprintf(buf, len, "%.*s", (int)(e - p), p);
			return (1);
		}
		if (e == p)
			e++;
	}
	return (0);
}

/* Does text hold word on its own, not inside another word? */
static int
sms_has_word(const char *text, const char *word)
{
	const char	*p;
	size_t		 n = strlen(word);

	for (p = text; (p = strstr(p, word)) != NULL; p++) {
		if ((p == text || !isalpha((unsigned char)p[-1])) &&
		    !isalpha((unsigned char)p[n]))
			return (1);
	}
	return (0);
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
	const char	*hint = smscfg_message(cfg, "optout_hint", lang);
	char		*m, word[32];
	size_t		 n;
	int		 kw;

	if (!rep->hint || hint == NULL || *hint == '\0' ||
	    rep->texts == NULL || rep->texts[0] == NULL)
		return;
	kw = sms_hint_keyword(hint, word, sizeof word);
	for (n = 0; rep->texts[n] != NULL; n++) {
		if (kw ? sms_has_word(rep->texts[n], word) :
		    strstr(rep->texts[n], hint) != NULL)
			return;
	}
	if (strlen(rep->texts[n - 1]) + 1 + strlen(hint) <= SMS_PART_MAX) {
		xasprintf(&m, "%s\n%s", rep->texts[n - 1], hint);
		free(rep->texts[n - 1]);
		rep->texts[n - 1] = m;
		return;
	}
	rep->texts = xreallocarray(rep->texts, n + 2, sizeof *rep->texts);
	rep->texts[n] = xstrdup(hint);
	rep->texts[n + 1] = NULL;
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
	char			 desk[32];
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
			p->texts = sms_one(sms_msg(cfg, "opted_out", lang,
			    NULL));
		return;
	case SMS_OPTIN:
		p->keyword = "optin";
		p->optout = SMS_OPT_IN;
		if (pt != NULL)
			p->optout_word = "START";
		else
			p->texts = sms_one(sms_msg(cfg, "opted_in", lang,
			    NULL));
		break;
	case SMS_HELP:
		p->keyword = "help";
		if (!f->opted && pt == NULL) {
			const char	*vars[] = { "front_desk", desk, NULL };

			sms_phone_words(cfg->front_desk, desk, sizeof desk);
			p->texts = sms_one(sms_msg(cfg, "help", lang, vars));
		}
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
		if (!f->opted) {
			p->texts = sms_one(sms_msg(cfg, "emergency", lang,
			    NULL));
			if (f->advised && f->throttled)
				p->throttled = 1;
		}
		goto throttle;
	case SMS_CONTENT:
		if (f->opted) {
			p->keyword = "opted_out";
			return;
		}
		if (k == NULL) {
			p->keyword = "fallback";
			p->texts = sms_one(sms_msg(cfg, "fallback", lang,
			    NULL));
			break;
		}
		p->keyword = k->id;
		switch (k->action) {
		case KW_GUIDE:
			p->texts = keyword_guide_texts(cfg, k->guide, lang,
			    NULL);
			break;
		case KW_CLINICS:
			p->texts = sms_locations(cfg, "clinics_intro", "clinic",
			    lang, in->now);
			break;
		case KW_HOURS:
			p->texts = sms_locations(cfg, "hours_intro",
			    "hours_line", lang, in->now);
			break;
		case KW_ZIP:
			p->texts = sms_zip(cfg, in->norm, lang, in->now);
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
			p->texts = sms_one(sms_msg(cfg, "language_set", lang,
			    NULL));
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
    const struct callback_res *res)
{
	char	pos[16], wait[16], *words;

	snprintf(pos, sizeof pos, "%d", res->position);
	snprintf(wait, sizeof wait, "%d", res->wait_minutes);
	{
		const char	*w[] = { "n", wait, NULL };

		words = sms_msg(cfg, "wait_minutes", p->lang, w);
	}
	{
		const char	*vars[] = { "position", pos, "wait", words, NULL };

		p->texts = sms_one(sms_msg(cfg, res->created ?
		    "callback_joined" : "callback_updated", p->lang, vars));
	}
	free(words);
	sms_hint(cfg, p, p->lang);
}

void
sms_plan_free(struct sms_plan *p)
{
	keyword_texts_free(p->texts);
	p->texts = NULL;
}
