/*
 * voice_decide.c -- what a caller's input does (see voice.h): the state
 * machine over the menu graph -- keys and speech, misses, red flags, the
 * callback stages, texts and voicemail -- and voice_decide, which runs it
 * into a plan.  Pure: the store is asked through plan->need.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callback.h"
#include "config.h"
#include "flow.h"
#include "keyword.h"
#include "location.h"
#include "outbox.h"
#include "reply.h"
#include "twiml.h"
#include "util.h"
#include "voice_private.h"
#include "xmalloc.h"

/*
 * A callback request: the result of the store's when it has made it
 * (facts), else the request is handed to the store (plan->need) and the
 * decision stops here, to run again with the result.
 */
static const struct callback_res *
voice_callback_made(struct voice_ctx *v, const struct callback_req *q)
{
	if (v->ncb < v->facts->ncb)
		return (&v->facts->cb[v->ncb++]);
	v->plan->cb = *q;
	v->plan->need = VOICE_NEED_CALLBACK;
	v->stop = 1;
	return (NULL);
}

static void
voice_event(struct voice_ctx *v, const char *kind, const char *node,
    const char *input, const char *location, const char *lang)
{
	struct voice_plan	*p = v->plan;

	if (p->nevents == VOICE_MAX_EVENTS)
		return;
	p->events[p->nevents].kind = kind;
	p->events[p->nevents].node = node;
	p->events[p->nevents].input = input;
	p->events[p->nevents].location = location;
	p->events[p->nevents].lang = lang;
	p->nevents++;
}

/* Join the queue with what the caller told us; say place and wait. */
static void
voice_callback_submit(struct voice_ctx *v, struct voice_state *st)
{
	struct callback_req		 q;
	const struct callback_res	*res;
	struct flow_node		*n = st->node;
	char				 buf[96];

	memset(&q, 0, sizeof q);
	q.phone = st->phone;
	q.location = st->loc != NULL ? st->loc->id : NULL;
	q.topic = st->topic[0] != '\0' ? st->topic : n->topic;
	q.language = voice_lang_code(v->cfg, st->lang);
	q.window = st->window[0] != '\0' ? st->window : NULL;
	q.priority = 0;
	q.source = "voice";
	q.call_sid = v->in->call_sid;
	q.now = v->now;
	if ((res = voice_callback_made(v, &q)) == NULL)
		return;
	voice_event(v, "callback.request", n->id, res->created ? "created" :
	    "updated", q.location, q.language);
	if (!res->created)
		voice_sys(v, FS_CB_UPDATED, st->lang);
	snprintf(buf, sizeof buf, "%d.", res->position);
	voice_sys_extra(v, FS_CB_POSITION, st->lang, buf);
	if (res->estimate.later) {
		/* Honest: no minutes when nobody calls back before closing. */
		voice_opening(v, &res->estimate, st->lang, buf, sizeof buf);
		voice_sys_extra(v, FS_CB_CLOSED, st->lang, buf);
	} else {
		snprintf(buf, sizeof buf, "%d", res->estimate.minutes);
		voice_sys_extra(v, FS_CB_WAIT, st->lang, buf);
		voice_sys(v, FS_CB_MINUTES, st->lang);
	}
	st->phone[0] = '\0';
	st->window[0] = '\0';
	voice_state_goto(st, n->next);
	voice_show(v, st, VS_ENTRY);
}

/* Which answer a callback node asks for next; with all of them, submit. */
static void
voice_callback_stage(struct voice_ctx *v, struct voice_state *st)
{
	if (st->phone[0] == '\0') {
		if (st->stage != VOICE_STAGE_NUMBER && v->in->from != NULL)
			st->stage = VOICE_STAGE_CONFIRM;
		else
			st->stage = VOICE_STAGE_NUMBER;
	} else if (st->loc == NULL && !st->loc_any)
		st->stage = VOICE_STAGE_LOCATION;
	else if (st->window[0] == '\0')
		st->stage = VOICE_STAGE_WINDOW;
	else {
		voice_callback_submit(v, st);
		return;
	}
	voice_show_callback(v, st);
}

/*
 * The appointment request with what the caller told us (skipped answers
 * stay unknown), stored before they hear it is (the store's id in
 * facts); then what happens next, and on to the node's next.
 */
static void
voice_appointment_submit(struct voice_ctx *v, struct voice_state *st)
{
	struct appt_request	*q = &v->plan->appt;
	struct flow_node	*n = st->node;

	if (v->facts->appt_id == 0) {
		memset(q, 0, sizeof *q);
		q->phone = st->phone;
		q->channel = "voice";
		q->location = st->loc != NULL ? st->loc->id : NULL;
		q->new_patient = st->new_patient;
		q->preferred = st->days[0] != '\0' ? st->days : NULL;
		q->reason = st->reason[0] != '\0' ? st->reason : NULL;
		q->language = voice_lang_code(v->cfg, st->lang);
		q->now = v->now;
		v->plan->need = VOICE_NEED_APPOINTMENT;
		v->stop = 1;
		return;
	}
	voice_event(v, "appointment.request", n->id, "voice",
	    st->loc != NULL ? st->loc->id : NULL,
	    voice_lang_code(v->cfg, st->lang));
	voice_say_appointment_made(v, st);
	st->phone[0] = '\0';
	st->loc = NULL;
	st->loc_any = 0;
	voice_state_goto(st, n->next);
	voice_show(v, st, VS_ENTRY);
}

/* An appointment node's next question; with every one answered, ask. */
static void
voice_appointment_stage(struct voice_ctx *v, struct voice_state *st)
{
	if (!(st->asked & VOICE_ASKED_LOCATION))
		st->stage = VOICE_STAGE_LOCATION;
	else if (!(st->asked & VOICE_ASKED_PATIENT))
		st->stage = VOICE_STAGE_PATIENT;
	else if (!(st->asked & VOICE_ASKED_DAYS))
		st->stage = VOICE_STAGE_DAYS;
	else if (!(st->asked & VOICE_ASKED_REASON))
		st->stage = VOICE_STAGE_REASON;
	else if (st->phone[0] == '\0') {
		if (st->stage != VOICE_STAGE_NUMBER && v->in->from != NULL)
			st->stage = VOICE_STAGE_CONFIRM;
		else
			st->stage = VOICE_STAGE_NUMBER;
	} else {
		voice_appointment_submit(v, st);
		return;
	}
	voice_show_appointment(v, st);
}

/*
 * Show the node the call is at (voice_render.c says it), after what it
 * needs first: a stale location URL goes back to the choice, and a
 * callback node with every answer joins the queue.
 */
void
voice_show(struct voice_ctx *v, struct voice_state *st, enum voice_show how)
{
	switch (st->node->type) {
	case FLOW_MENU:
	case FLOW_CLINICS:
		voice_show_menu(v, st, how);
		break;
	case FLOW_GUIDE:
		voice_show_guide(v, st, how);
		break;
	case FLOW_ZIP:
		voice_show_zip(v, st);
		break;
	case FLOW_LOCATION:
		if (st->loc == NULL) {
			/* No clinic chosen (a stale URL): back to the choice. */
			voice_state_goto(st, st->node->back != NULL ?
			    st->node->back : v->f->start);
			voice_show(v, st, VS_ENTRY);
			break;
		}
		voice_show_location(v, st, how);
		break;
	case FLOW_CALLBACK:
		voice_callback_stage(v, st);
		break;
	case FLOW_APPOINTMENT:
		voice_appointment_stage(v, st);
		break;
	case FLOW_VOICEMAIL:
		voice_show_voicemail(v, st);
		break;
	case FLOW_FRONT_DESK:
		voice_show_front_desk(v, st, how);
		break;
	case FLOW_GOODBYE:
		voice_show_goodbye(v, st);
		break;
	}
}

/* --- acting on input ----------------------------------------------------- */

/*
 * A miss (silence, or an answer that matches nothing): reprompt, then
 * after the node's tries the fallback -- the front desk while a location
 * is open, else a callback, and goodbye when that was the callback.
 */
static void
voice_miss(struct voice_ctx *v, struct voice_state *st)
{
	struct flow_node	*n = st->node, *to;
	int			 limit = n->tries > 0 ? n->tries : v->f->max_tries;

	st->tries++;
	if (st->tries < limit) {
		voice_show(v, st, VS_MENU);
		return;
	}
	if (n->fail != NULL && n->type != FLOW_LOCATION &&
	    n->type != FLOW_FRONT_DESK) {
		to = n->fail;
		if (to->type == FLOW_GOODBYE)
			voice_sys(v, FS_NO_INPUT, st->lang);
	} else if (voice_any_open(v) && v->cfg->front_desk != NULL &&
	    n != v->f->front_desk) {
		voice_sys(v, FS_MISS_DESK, st->lang);
		to = v->f->front_desk;
	} else if (n != v->f->callback) {
		voice_sys(v, FS_MISS_CALLBACK, st->lang);
		to = v->f->callback;
		if (st->topic[0] == '\0' && n->topic != NULL)
			snprintf(st->topic, sizeof st->topic, "%s", n->topic);
	} else {
		voice_sys(v, FS_NO_INPUT, st->lang);
		to = v->f->goodbye;
	}
	voice_state_goto(st, to);
	voice_show(v, st, VS_ENTRY);
}

/*
 * Text the caller, keyed "voice:CALL:WHAT:N", a guide's as the outbox
 * knows guides (outbox_guide_key): 1 queued, 0 cannot (no number, or it
 * opted out of texts), -1 when the decision must first learn whether it
 * opted out.  texts are stolen.
 */
static int
voice_sms(struct voice_ctx *v, const char *guide, const char *what,
    char **texts)
{
	struct voice_plan	*p = v->plan;
	struct voice_text	*t;
	char			*origin;
	size_t			 i;

	if (v->in->from == NULL || texts == NULL || texts[0] == NULL ||
	    v->facts->opted == 1) {
		keyword_texts_free(texts);
		return (0);
	}
	if (v->facts->opted == -1) {
		keyword_texts_free(texts);
		p->need = VOICE_NEED_OPTED;
		v->stop = 1;
		return (-1);
	}
	for (i = 0; texts[i] != NULL; i++) {
		p->texts = xreallocarray(p->texts, p->ntexts + 1,
		    sizeof *p->texts);
		t = &p->texts[p->ntexts++];
		if (guide != NULL) {
			xasprintf(&origin, "voice:%s", v->in->call_sid);
			t->dedupe = outbox_guide_key(origin, guide, i);
			free(origin);
		} else
			xasprintf(&t->dedupe, "voice:%s:%s:%zu",
			    v->in->call_sid, what, i);
		t->body = texts[i];
	}
	free(texts);
	return (1);
}

static int
voice_text_guide(struct voice_ctx *v, struct voice_state *st,
    const struct guide *g)
{
	int	rc;

	if (g == NULL)
		return (0);
	rc = voice_sms(v, g->id, NULL, reply_one(reply_guide(v->cfg, g,
	    st->lang)));
	if (rc == 1)
		voice_event(v, "call.text", st->node->id, g->id, NULL,
		    voice_lang_code(v->cfg, st->lang));
	return (rc);
}

static int
voice_text_address(struct voice_ctx *v, struct voice_state *st)
{
	struct location	*l = st->loc;
	char		 today[64], **texts, *what;
	int		 rc;

	if (l == NULL)
		return (0);
	location_hours_text(l, v->now, st->lang, v->cfg, today, sizeof today);
	texts = xcalloc(2, sizeof *texts);
	xasprintf(&texts[0], "%s: %s. %s", i18n_get(&l->name, st->lang),
	    l->address != NULL ? l->address : "", today);
	xasprintf(&what, "address:%s", l->id);
	rc = voice_sms(v, NULL, what, texts);
	free(what);
	return (rc);
}

static void
voice_apply(struct voice_ctx *v, struct voice_state *st,
    struct flow_option *o)
{
	struct flow_node	*n = st->node, *to;
	const struct guide_part	*parts;
	const struct guide	*g;
	size_t			 nparts;
	int			 rc;

	switch (o->action) {
	case FA_GOTO:
		to = o->target;
		if (to == v->f->start)
			st->loc = NULL, st->loc_any = 0;
		if (to->type == FLOW_CALLBACK || to->type == FLOW_VOICEMAIL) {
			if (st->topic[0] == '\0' && n->topic != NULL)
				snprintf(st->topic, sizeof st->topic, "%s",
				    n->topic);
		} else
			st->topic[0] = '\0';
		st->phone[0] = st->window[0] = '\0';
		voice_state_goto(st, to);
		voice_show(v, st, VS_ENTRY);
		break;
	case FA_REPEAT:
		st->tries = 0;
		voice_show(v, st, VS_AGAIN);
		break;
	case FA_BACK:
		to = n->back != NULL ? n->back : v->f->start;
		if (to == v->f->start || to->type == FLOW_CLINICS)
			st->loc = NULL, st->loc_any = 0;
		st->topic[0] = st->phone[0] = st->window[0] = '\0';
		voice_state_goto(st, to);
		voice_show(v, st, VS_ENTRY);
		break;
	case FA_LANGUAGE:
		st->lang = o->lang >= 0 ? o->lang :
		    (st->lang + 1) % (int)v->cfg->nlangs;
		st->tries = 0;
		/* The notices again, now in words the caller understands. */
		voice_sys(v, FS_EMERGENCY, st->lang);
		voice_sys(v, FS_DISCLAIMER, st->lang);
		voice_show(v, st, VS_AGAIN);
		break;
	case FA_NEXT:
		st->tries = 0;
		if ((size_t)st->item + 1 >= flow_guide_items(n)) {
			voice_sys(v, FS_LAST_ITEM, st->lang);
			voice_state_goto(st, n->back != NULL ? n->back :
			    v->f->start);
			voice_show(v, st, VS_ENTRY);
			break;
		}
		st->item++;
		voice_show(v, st, VS_AGAIN);
		break;
	case FA_AGAIN:
		st->tries = 0;
		voice_show(v, st, VS_AGAIN);
		break;
	case FA_TEXT:
	case FA_TEXT_ADDRESS:
		if (o->action == FA_TEXT_ADDRESS)
			rc = voice_text_address(v, st);
		else {
			g = o->guide;
			if (g == NULL && n->type == FLOW_GUIDE)
				g = flow_guide_item(n, (size_t)st->item, &parts,
				    &nparts);
			rc = voice_text_guide(v, st, g);
		}
		if (rc < 0)
			return;
		voice_sys(v, rc == 1 ? FS_SMS_SENT : FS_SMS_NO_NUMBER,
		    st->lang);
		st->tries = 0;
		voice_show(v, st, VS_MENU);
		break;
	case FA_DAILY:
		/* Texts, so the number must take them (voice_sms's rules). */
		if (v->in->from == NULL || v->facts->opted == 1)
			rc = 0;
		else if (v->facts->opted == -1) {
			v->plan->need = VOICE_NEED_OPTED;
			v->stop = 1;
			return;
		} else {
			v->plan->programme = 1;
			v->plan->programme_lang = st->lang;
			voice_event(v, "call.daily", st->node->id, NULL, NULL,
			    voice_lang_code(v->cfg, st->lang));
			rc = 1;
		}
		voice_sys(v, rc == 1 ? FS_SMS_SENT : FS_SMS_NO_NUMBER,
		    st->lang);
		st->tries = 0;
		voice_show(v, st, VS_MENU);
		break;
	case FA_LOCATION:
		st->loc = o->location;
		st->loc_any = 0;
		voice_state_goto(st, n->location_node != NULL ?
		    n->location_node : n);
		voice_show(v, st, VS_ENTRY);
		break;
	}
}

/* A ZIP code (keyed or said) to the nearest clinic; 0 if not one. */
static int
voice_zip(struct voice_ctx *v, struct voice_state *st, const char *digits)
{
	struct location	*l;
	double		 miles;
	char		 buf[32];

	if (digits == NULL || strlen(digits) != 5 ||
	    strspn(digits, "0123456789") != 5)
		return (0);
	voice_set_input(v, st->node->id, "zip");
	if ((l = location_nearest_zip(v->cfg, digits, &miles)) == NULL) {
		voice_sys(v, FS_ZIP_UNKNOWN, st->lang);
		voice_miss(v, st);
		return (1);
	}
	/*
	 * How far, as the text to a ZIP says it; the location that follows
	 * says its name once.
	 */
	voice_sys_extra(v, FS_ZIP_NEAREST, st->lang, location_miles_text(miles,
	    buf, sizeof buf));
	voice_sys(v, FS_ZIP_MILES, st->lang);
	st->loc = l;
	st->loc_any = 0;
	voice_state_goto(st, st->node->location_node);
	voice_show(v, st, VS_ENTRY);
	return (1);
}

static int
voice_matches(const struct i18n_re *re, const char *speech, int lang)
{
	return (speech != NULL && re->re[lang] != NULL &&
	    re_match(re->re[lang], speech));
}

/* Input to a callback stage; 1 handled, 0 a miss. */
static int
voice_callback_input(struct voice_ctx *v, struct voice_state *st,
    const char *digits, const char *speech)
{
	struct flow_node	*n = st->node;
	struct flow_option	*o = NULL;
	struct location		*l;
	char			*d, *e164;
	size_t			 i;

	switch (st->stage) {
	case VOICE_STAGE_CONFIRM:
		if ((digits != NULL && strcmp(digits, "1") == 0) ||
		    (digits == NULL && voice_matches(&n->yes, speech,
		    st->lang))) {
			voice_set_input(v, n->id, "confirm");
			snprintf(st->phone, sizeof st->phone, "%s",
			    v->in->from);
		} else if ((digits != NULL && strcmp(digits, "2") == 0) ||
		    (digits == NULL && voice_matches(&n->no, speech,
		    st->lang))) {
			voice_set_input(v, n->id, "other_number");
			st->stage = VOICE_STAGE_NUMBER;
		} else
			return (0);
		st->tries = 0;
		voice_show(v, st, VS_ENTRY);
		return (1);
	case VOICE_STAGE_NUMBER:
		d = digits != NULL ? xstrdup(digits) : flow_digits(speech);
		e164 = strlen(d) >= 10 ? util_phone_e164(d) : NULL;
		free(d);
		if (e164 == NULL || strlen(e164) >= sizeof st->phone) {
			free(e164);
			return (0);
		}
		voice_set_input(v, n->id, "phone");
		snprintf(st->phone, sizeof st->phone, "%s", e164);
		free(e164);
		st->tries = 0;
		voice_show(v, st, VS_ENTRY);
		return (1);
	case VOICE_STAGE_LOCATION:
		if ((digits != NULL && n->any_key != NULL &&
		    strcmp(digits, n->any_key) == 0)) {
			voice_set_input(v, n->id, "any");
			st->loc_any = 1;
		} else if ((l = location_match(v->cfg, digits, speech,
		    st->lang)) != NULL) {
			voice_set_input(v, n->id, l->id);
			st->loc = l;
		} else
			return (0);
		st->tries = 0;
		voice_show(v, st, VS_ENTRY);
		return (1);
	case VOICE_STAGE_WINDOW:
		for (i = 0; i < n->nwindows && o == NULL; i++) {
			if (digits != NULL && n->windows[i].key != NULL &&
			    strcmp(digits, n->windows[i].key) == 0)
				o = &n->windows[i];
			else if (digits == NULL && voice_matches(
			    &n->windows[i].speech, speech, st->lang))
				o = &n->windows[i];
		}
		if (o == NULL)
			return (0);
		voice_set_input(v, n->id, o->intent);
		snprintf(st->window, sizeof st->window, "%s", o->intent);
		st->tries = 0;
		voice_show(v, st, VS_ENTRY);
		return (1);
	default:
		break;
	}
	return (0);
}

/*
 * The caller's words, kept as said (trimmed, cut at a character's start
 * when long): what staff read.
 */
static void
voice_words(char *dst, size_t len, const char *said)
{
	size_t	n;

	while (*said == ' ')
		said++;
	n = strlen(said);
	while (n > 0 && said[n - 1] == ' ')
		n--;
	if (n >= len) {
		n = len - 1;
		while (n > 0 && ((unsigned char)said[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, said, n);
	dst[n] = '\0';
}

/*
 * Input to an appointment question; 1 handled, 0 a miss.  '#' or "skip"
 * leaves a question unanswered (the number cannot be skipped: staff need
 * one to answer).
 */
static int
voice_appointment_input(struct voice_ctx *v, struct voice_state *st,
    const char *digits, const char *norm)
{
	struct flow_node	*n = st->node;
	struct location		*l;
	double			 miles;
	char			 buf[32], *d;
	int			 skip, bit;

	if (st->stage == VOICE_STAGE_CONFIRM ||
	    st->stage == VOICE_STAGE_NUMBER)
		return (voice_callback_input(v, st, digits, norm));
	skip = (digits != NULL && strcmp(digits, "#") == 0) ||
	    (digits == NULL && voice_matches(&n->skip, norm, st->lang));
	switch (st->stage) {
	case VOICE_STAGE_LOCATION:
		bit = VOICE_ASKED_LOCATION;
		if (skip)
			break;
		d = digits != NULL ? xstrdup(digits) : flow_digits(norm);
		l = NULL;
		if (strlen(d) == 5 && strspn(d, "0123456789") == 5) {
			if ((l = location_nearest_zip(v->cfg, d,
			    &miles)) == NULL)
				voice_sys(v, FS_ZIP_UNKNOWN, st->lang);
			else {
				voice_sys_extra(v, FS_ZIP_NEAREST, st->lang,
				    location_miles_text(miles, buf,
				    sizeof buf));
				voice_sys(v, FS_ZIP_MILES, st->lang);
			}
		} else
			l = location_match(v->cfg, digits, norm, st->lang);
		free(d);
		if (l == NULL)
			return (0);
		voice_say_location(v, l, st->lang);
		voice_set_input(v, n->id, l->id);
		st->loc = l;
		break;
	case VOICE_STAGE_PATIENT:
		bit = VOICE_ASKED_PATIENT;
		if (skip)
			break;
		if ((digits != NULL && strcmp(digits, "1") == 0) ||
		    (digits == NULL && voice_matches(&n->fresh, norm,
		    st->lang)))
			st->new_patient = 1;
		else if ((digits != NULL && strcmp(digits, "2") == 0) ||
		    (digits == NULL && voice_matches(&n->again, norm,
		    st->lang)))
			st->new_patient = 0;
		else
			return (0);
		voice_set_input(v, n->id, st->new_patient ? "new" :
		    "returning");
		break;
	case VOICE_STAGE_DAYS:
	case VOICE_STAGE_REASON:
		bit = st->stage == VOICE_STAGE_DAYS ? VOICE_ASKED_DAYS :
		    VOICE_ASKED_REASON;
		if (skip)
			break;
		/* Their words, as said: never a key, never logged. */
		if (digits != NULL || v->in->speech == NULL)
			return (0);
		voice_words(st->stage == VOICE_STAGE_DAYS ? st->days :
		    st->reason, sizeof st->days, v->in->speech);
		if ((st->stage == VOICE_STAGE_DAYS ? st->days :
		    st->reason)[0] == '\0')
			return (0);
		voice_set_input(v, n->id, st->stage == VOICE_STAGE_DAYS ?
		    "days" : "reason");
		break;
	default:
		return (0);
	}
	if (skip)
		voice_set_input(v, n->id, "skip");
	st->asked |= bit;
	st->tries = 0;
	voice_show(v, st, VS_ENTRY);
	return (1);
}

/* Red-flag words in what the caller said: advice now, flagged callback. */
static int
voice_red_flag(struct voice_ctx *v, struct voice_state *st, const char *norm)
{
	struct callback_req		 q;
	const struct callback_res	*res;
	char				 when[96];
	size_t				 i;
	int			 hit = -1;

	if (st->lang >= 0 && v->cfg->red_flags.re[st->lang] != NULL &&
	    re_match(v->cfg->red_flags.re[st->lang], norm))
		hit = st->lang;
	for (i = 0; hit < 0 && i < v->cfg->nlangs; i++) {
		if (v->cfg->red_flags.re[i] != NULL &&
		    re_match(v->cfg->red_flags.re[i], norm))
			hit = (int)i;
	}
	if (hit < 0)
		return (0);
	voice_set_input(v, st->node->id, "red_flag");
	v->plan->red_flag = 1;
	if (v->in->from != NULL) {
		/*
		 * The request is made first (its place and estimate are
		 * store facts): "staff call you first" only while someone
		 * can, else when they will.
		 */
		memset(&q, 0, sizeof q);
		q.phone = v->in->from;
		q.location = st->loc != NULL ? st->loc->id : NULL;
		q.topic = "red_flag";
		q.language = voice_lang_code(v->cfg, st->lang);
		q.priority = 1;
		q.source = "voice";
		/* What they said, for staff: stored, never logged. */
		q.text = v->in->speech;
		q.call_sid = v->in->call_sid;
		q.now = v->now;
		if ((res = voice_callback_made(v, &q)) == NULL)
			return (1);
		v->plan->flag = q;
		v->plan->has_flag = 1;
		voice_event(v, "callback.request", st->node->id, "red_flag",
		    q.location, q.language);
		if (res->estimate.later) {
			voice_opening(v, &res->estimate, st->lang, when,
			    sizeof when);
			voice_sys_extra(v, FS_EMERGENCY_FLAGGED_CLOSED,
			    st->lang, when);
		} else
			voice_sys(v, FS_EMERGENCY_FLAGGED, st->lang);
	}
	voice_sys(v, FS_EMERGENCY, st->lang);
	st->tries = 0;
	voice_show(v, st, VS_MENU);
	return (1);
}

static void
voice_input(struct voice_ctx *v, struct voice_state *st)
{
	const struct voice_in	*j = v->in;
	struct flow_node	*n = st->node;
	struct flow_option	*o;
	const char		*digits = j->digits, *todo = j->todo;
	char			*norm = NULL, *d;
	int			 done = 0, heard;

	voice_set_input(v, n->id, NULL);
	if (todo != NULL && strcmp(todo, "show") == 0) {
		voice_set_input(v, n->id, "show");
		voice_show(v, st, VS_ENTRY);
		return;
	}
	if (todo != NULL && strcmp(todo, "dial") == 0) {
		const char *s = j->dial_status != NULL ? j->dial_status : "";
		char	    in[40];

		snprintf(in, sizeof in, "dial:%s", *s ? s : "none");
		voice_set_input(v, n->id, in);
		if (strcmp(s, "completed") == 0 || strcmp(s, "answered") == 0) {
			voice_state_goto(st, v->f->goodbye);
			voice_show(v, st, VS_ENTRY);
			return;
		}
		voice_sys(v, FS_DIAL_FAILED, st->lang);
		voice_state_goto(st, n->fail != NULL ? n->fail :
		    v->f->callback);
		voice_show(v, st, VS_ENTRY);
		return;
	}
	if (todo != NULL && strcmp(todo, "rec") == 0 && j->rec_url != NULL &&
	    *j->rec_url != '\0') {
		struct callback_req		 q;
		const struct callback_res	*res;
		char				 buf[16];

		voice_set_input(v, n->id, "recording");
		memset(&q, 0, sizeof q);
		if (j->from != NULL)
			q.phone = j->from;
		else {
			/* Withheld number: the message itself says how to reach them. */
			snprintf(v->plan->anon, sizeof v->plan->anon,
			    "anonymous:%s", j->call_sid);
			q.phone = v->plan->anon;
		}
		q.location = st->loc != NULL ? st->loc->id : NULL;
		q.topic = st->topic[0] != '\0' ? st->topic : n->topic;
		q.language = voice_lang_code(v->cfg, st->lang);
		q.source = "voicemail";
		q.recording_url = j->rec_url;
		q.call_sid = j->call_sid;
		q.now = v->now;
		if ((res = voice_callback_made(v, &q)) == NULL)
			return;
		voice_event(v, "callback.request", n->id, "voicemail",
		    q.location, q.language);
		voice_sys(v, FS_VM_THANKS, st->lang);
		snprintf(buf, sizeof buf, "%d.", res->position);
		voice_sys_extra(v, FS_CB_POSITION, st->lang, buf);
		voice_state_goto(st, v->f->goodbye);
		voice_show(v, st, VS_ENTRY);
		return;
	}

	if (digits != NULL && *digits == '\0')
		digits = NULL;
	if (j->speech != NULL && *j->speech != '\0') {
		norm = flow_normalise(j->speech);
		if (*norm == '\0') {
			free(norm);
			norm = NULL;
		}
	}
	if (digits == NULL && norm == NULL) {
		voice_set_input(v, n->id, "noinput");
		voice_miss(v, st);
		return;
	}
	if (norm != NULL && voice_red_flag(v, st, norm)) {
		free(norm);
		return;
	}

	/*
	 * Speech heard by the language question's Gather, in its language
	 * (voice_render.c): it counts there only to choose a language; the
	 * rest is taken as the menu's.
	 */
	heard = config_lang(v->cfg, v->in->speech_lang);
	if (digits == NULL && norm != NULL && heard >= 0 && heard != st->lang &&
	    (o = flow_match(v->cfg, n, NULL, norm, heard)) != NULL &&
	    o->action == FA_LANGUAGE) {
		voice_set_input(v, n->id, o->intent);
		voice_apply(v, st, o);
		free(norm);
		return;
	}
	/* Global keys and the node's own options first. */
	o = flow_match(v->cfg, n, digits, norm, st->lang);
	if (n->type == FLOW_APPOINTMENT && o != NULL && o->global &&
	    st->stage != VOICE_STAGE_CONFIRM &&
	    st->stage != VOICE_STAGE_NUMBER &&
	    ((digits != NULL && strcmp(digits, "#") == 0) ||
	    (digits == NULL && (st->stage == VOICE_STAGE_DAYS ||
	    st->stage == VOICE_STAGE_REASON))))
		o = NULL;	/* '#' skips; free words are the answer */
	if (n->type == FLOW_APPOINTMENT && (o == NULL || !o->global)) {
		done = voice_appointment_input(v, st, digits, norm);
		o = NULL;
	} else if (n->type == FLOW_CALLBACK && (o == NULL || !o->global)) {
		done = voice_callback_input(v, st, digits, norm);
		o = NULL;
	} else if (n->type == FLOW_ZIP && (o == NULL || !o->global)) {
		d = digits != NULL ? xstrdup(digits) : flow_digits(norm);
		done = voice_zip(v, st, d);
		free(d);
		o = NULL;
	} else if (n->type == FLOW_CLINICS && o == NULL && norm != NULL) {
		d = flow_digits(norm);
		done = voice_zip(v, st, d);
		free(d);
	}
	if (!done && o != NULL) {
		voice_set_input(v, n->id, digits != NULL ? digits : o->intent);
		voice_apply(v, st, o);
		done = 1;
	}
	if (!done) {
		/* A single key is kept; longer digits may be a number or ZIP. */
		if (digits != NULL && strlen(digits) == 1) {
			char	in[16];

			snprintf(in, sizeof in, "invalid:%s", digits);
			voice_set_input(v, n->id, in);
		} else
			voice_set_input(v, n->id, "invalid");
		voice_miss(v, st);
	}
	free(norm);
}

/* --- the decision -------------------------------------------------------- */

int
voice_decide(const struct config *cfg, const struct voice_in *in,
    struct voice_state *st, const struct voice_facts *facts,
    struct voice_plan *plan)
{
	struct voice_ctx	 v;

	memset(plan, 0, sizeof *plan);
	memset(&v, 0, sizeof v);
	v.in = in;
	v.cfg = cfg;
	v.f = cfg->flow;
	v.facts = facts;
	v.plan = plan;
	v.now = in->now;
	v.tw = twiml_new();
	if (in->incoming) {
		voice_set_input(&v, st->node->id, NULL);
		voice_show(&v, st, VS_FIRST);
	} else
		voice_input(&v, st);
	if (v.stop) {
		twiml_free(v.tw);
		return (0);
	}
	if ((plan->doc = twiml_take(v.tw)) == NULL)
		return (-1);
	return (0);
}

void
voice_plan_free(struct voice_plan *p)
{
	size_t	i;

	for (i = 0; i < p->ntexts; i++) {
		free(p->texts[i].dedupe);
		free(p->texts[i].body);
	}
	free(p->texts);
	free(p->doc);
	memset(p, 0, sizeof *p);
}
