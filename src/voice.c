/*
 * voice.c -- the voice webhooks: POST /voice/incoming (the number's Voice
 * URL), POST /voice/step (every URL this file writes into its own TwiML)
 * and POST /voice/status (the call status callback).
 *
 * Where a call is in the menu travels in the step URLs the service writes
 * (node, language, misses so far, guide item, chosen location, callback
 * answers), signed by the provider on the way back, so any instance can
 * answer any step and the store holds only what outlives the call.
 *
 * Each webhook is one store transaction: the stored answer to a redelivered
 * webhook is looked up first and replayed; otherwise the step is decided
 * and its TwiML written on the store thread (the configuration is
 * immutable), with the events, callbacks, outbox rows and the stored
 * answer committed together.  When the transaction fails the caller still
 * hears an apology and is connected to the front desk, or told the
 * emergency advice and goodbye: the provider never gets a 5xx for a call.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "callback.h"
#include "config.h"
#include "flow.h"
#include "form.h"
#include "hotline.h"
#include "http.h"
#include "keyword.h"
#include "location.h"
#include "log.h"
#include "metrics.h"
#include "outbox.h"
#include "reply.h"
#include "store.h"
#include "track.h"
#include "twiml.h"
#include "util.h"
#include "webhook.h"
#include "xmalloc.h"

#define VOICE_TWIML_TYPE	"text/xml; charset=utf-8"
#define VOICE_SID_MAX		64
#define VOICE_SPEECH_MAX	512

enum voice_kind { VK_INCOMING, VK_STEP, VK_STATUS };

/* How a node is shown. */
enum voice_show {
	VS_FIRST,	/* the call's first answer: welcome, notices */
	VS_ENTRY,	/* arriving: intro, then the prompt */
	VS_AGAIN,	/* repeat: the prompt (a guide item again) */
	VS_MENU		/* the choices only (after a reprompt, a text) */
};

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
	char			 stage;		/* callback: c n l w */
};

struct voice_job {
	struct hreq		*r;
	struct hotline		*hl;
	struct config		*cfg;
	enum voice_kind		 kind;
	char			*call_sid;
	char			*from;		/* E.164, or NULL (withheld) */
	char			*digits;
	char			*speech;
	char			*dial_status;
	char			*rec_url;
	char			*call_status;
	long long		 duration;
	char			*todo;		/* "do": show, dial, rec */
	char			*key;		/* webhook dedupe key */
	struct voice_state	 st;

	/* results */
	char			*doc;
	int			 kick;
	int			 replayed;
};

/* One decision in progress, on the store thread. */
struct voice_ctx {
	struct voice_job	*j;
	const struct config	*cfg;
	const struct flow	*f;
	struct db		*db;
	struct twiml		*tw;
	time_t			 now;
	char			 subject[17];
	const char		*in_node;	/* node the input was for */
	char			 input[40];	/* key or intent: never free text */
	int			 failed;
};

static void	voice_show(struct voice_ctx *, struct voice_state *,
		    enum voice_show);

/* --- small helpers ------------------------------------------------------- */

static const char *
voice_lang_code(const struct config *cfg, int lang)
{
	return (cfg->langs[lang >= 0 && (size_t)lang < cfg->nlangs ? lang : 0]);
}

static void
voice_say(struct voice_ctx *v, const char *text, int lang)
{
	const struct config	*cfg = v->cfg;

	if (text == NULL || *text == '\0')
		return;
	twiml_leaf(v->tw, "Say", text, "voice", cfg->say_voice[lang],
	    "language", cfg->say_language[lang], NULL);
}

/*
 * A prompt: the recording when there is one, else its words; extra (made
 * up now: a number, an address, hours) is spoken after it, in the same
 * <Say> when the prompt is spoken too.
 */
static void
voice_prompt_extra(struct voice_ctx *v, const struct prompt *p, int lang,
    const char *extra)
{
	char		*url, *both;
	const char	*text;

	if (p == NULL) {
		voice_say(v, extra, lang);
		return;
	}
	if (p->audio[lang] != NULL) {
		xasprintf(&url, "%s/%s", v->cfg->public_url, p->audio[lang]);
		twiml_leaf(v->tw, "Play", url, NULL);
		free(url);
		voice_say(v, extra, lang);
		return;
	}
	text = p->text[lang] != NULL ? p->text[lang] : p->text[0];
	if (extra != NULL && *extra != '\0') {
		xasprintf(&both, "%s %s", text != NULL ? text : "", extra);
		voice_say(v, both, lang);
		free(both);
	} else
		voice_say(v, text, lang);
}

static void
voice_prompt(struct voice_ctx *v, const struct prompt *p, int lang)
{
	voice_prompt_extra(v, p, lang, NULL);
}

static void
voice_sys(struct voice_ctx *v, enum flow_sys s, int lang)
{
	voice_prompt(v, v->f->sys[s], lang);
}

static void
voice_sys_extra(struct voice_ctx *v, enum flow_sys s, int lang,
    const char *extra)
{
	voice_prompt_extra(v, v->f->sys[s], lang, extra);
}

static void
voice_url_add(struct evbuffer *b, const char *name, const char *value)
{
	char	*e;

	if (value == NULL || *value == '\0')
		return;
	e = form_escape(value);
	evbuffer_add_printf(b, "&%s=%s", name, e);
	free(e);
}

/* The step URL for st (absolute: the provider signs what it calls). */
static char *
voice_url(struct voice_ctx *v, const struct voice_state *st, const char *todo)
{
	struct evbuffer	*b;
	char		 num[16], stage[2], *out;
	size_t		 len;

	b = evbuffer_new();
	evbuffer_add_printf(b, "%s/voice/step?n=", v->cfg->public_url);
	{
		char	*e = form_escape(st->node->id);

		evbuffer_add(b, e, strlen(e));
		free(e);
	}
	voice_url_add(b, "l", voice_lang_code(v->cfg, st->lang));
	snprintf(num, sizeof num, "%d", st->tries);
	voice_url_add(b, "t", num);
	if (st->item > 0) {
		snprintf(num, sizeof num, "%d", st->item);
		voice_url_add(b, "i", num);
	}
	if (st->loc != NULL)
		voice_url_add(b, "loc", st->loc->id);
	else if (st->loc_any)
		voice_url_add(b, "loc", "any");
	voice_url_add(b, "top", st->topic);
	voice_url_add(b, "p", st->phone);
	voice_url_add(b, "w", st->window);
	stage[0] = st->stage;
	stage[1] = '\0';
	voice_url_add(b, "s", stage);
	voice_url_add(b, "do", todo);
	len = evbuffer_get_length(b);
	out = xmalloc(len + 1);
	evbuffer_remove(b, out, len);
	out[len] = '\0';
	evbuffer_free(b);
	return (out);
}

static char *
voice_hints(struct voice_ctx *v, const struct flow_node *n, int lang)
{
	const char	*a = n->hints.text[lang], *b = v->f->hints.text[lang];
	char		*h;

	if (a != NULL && b != NULL)
		xasprintf(&h, "%s, %s", a, b);
	else
		h = xstrdup(a != NULL ? a : b != NULL ? b : "");
	return (h);
}

/*
 * Open a Gather that answers to st's step URL.  numdigits "1" for menus,
 * where '#' and '*' are keys in their own right (finishOnKey empty).
 */
static void
voice_gather_open(struct voice_ctx *v, const struct voice_state *st,
    const char *numdigits, const char *finish)
{
	char	*url, *hints, timeout[16];

	url = voice_url(v, st, NULL);
	hints = voice_hints(v, st->node, st->lang);
	snprintf(timeout, sizeof timeout, "%d", v->f->timeout);
	twiml_open(v->tw, "Gather", "input", "dtmf speech", "action", url,
	    "method", "POST", "timeout", timeout, "numDigits", numdigits,
	    "finishOnKey", finish, "speechTimeout", "auto",
	    "hints", *hints != '\0' ? hints : NULL,
	    "language", v->cfg->say_language[st->lang],
	    "actionOnEmptyResult", "true", NULL);
	free(hints);
	free(url);
}

/*
 * Close the Gather.  A provider that ignores actionOnEmptyResult goes on
 * to the next verb: the same step URL with no input, which is a miss and
 * is reprompted, so there is never dead air.
 */
static void
voice_gather_close(struct voice_ctx *v, const struct voice_state *st)
{
	char	*url;

	twiml_close(v->tw);
	url = voice_url(v, st, NULL);
	twiml_leaf(v->tw, "Redirect", url, "method", "POST", NULL);
	free(url);
}

static void
voice_reprompt(struct voice_ctx *v, const struct voice_state *st)
{
	if (st->tries == 1)
		voice_sys(v, FS_REPROMPT_1, st->lang);
	else if (st->tries >= 2)
		voice_sys(v, FS_REPROMPT_2, st->lang);
}

/* "Para español, oprima nueve" in each other language, in its own voice. */
static void
voice_language_choice(struct voice_ctx *v, int lang)
{
	size_t	i;

	for (i = 0; i < v->cfg->nlangs; i++) {
		if ((int)i != lang)
			voice_sys(v, FS_LANGUAGE, (int)i);
	}
}

static void
voice_set_input(struct voice_ctx *v, const char *node, const char *input)
{
	v->in_node = node;
	snprintf(v->input, sizeof v->input, "%s", input != NULL ? input : "");
}

static int
voice_any_open(struct voice_ctx *v)
{
	return (location_any_open(v->cfg, v->now));
}

static void
voice_state_goto(struct voice_state *st, struct flow_node *n)
{
	st->node = n;
	st->tries = 0;
	st->item = 0;
	st->stage = 0;
}

/* --- showing nodes ------------------------------------------------------- */

static void
voice_dial(struct voice_ctx *v, const struct voice_state *st,
    const char *number)
{
	char	*url, timeout[16];

	url = voice_url(v, st, "dial");
	snprintf(timeout, sizeof timeout, "%d", v->cfg->dial_timeout);
	twiml_open(v->tw, "Dial", "action", url, "method", "POST", "timeout",
	    timeout, "callerId", v->cfg->voice_caller_id, "answerOnBridge",
	    "true", NULL);
	twiml_leaf(v->tw, "Number", number, NULL);
	twiml_close(v->tw);
	free(url);
}

static void
voice_show_menu(struct voice_ctx *v, struct voice_state *st,
    enum voice_show how)
{
	struct flow_node	*n = st->node;

	/*
	 * The emergency advice is heard whole before any menu: outside the
	 * Gather, so a key press cannot cut it short.  A caller who switches
	 * language hears it again in theirs.
	 */
	if (how == VS_FIRST) {
		voice_sys(v, FS_WELCOME, st->lang);
		voice_sys(v, FS_EMERGENCY, st->lang);
	}
	voice_gather_open(v, st, "1", "");
	if (how == VS_FIRST) {
		voice_language_choice(v, st->lang);
		voice_sys(v, FS_DISCLAIMER, st->lang);
	} else if (st->tries > 0)
		voice_reprompt(v, st);
	else if (how == VS_ENTRY && n->intro != NULL)
		voice_prompt(v, n->intro, st->lang);
	voice_prompt(v, n->prompt, st->lang);
	if (n == v->f->start && how != VS_FIRST)
		voice_language_choice(v, st->lang);
	voice_gather_close(v, st);
}

static void
voice_show_guide(struct voice_ctx *v, struct voice_state *st,
    enum voice_show how)
{
	struct flow_node	*n = st->node;
	const struct guide_part	*parts;
	size_t			 nparts, i, items = flow_guide_items(n);
	char			 len[16];

	if (st->item < 0 || (size_t)st->item >= items)
		st->item = 0;
	flow_guide_item(n, (size_t)st->item, &parts, &nparts);
	voice_gather_open(v, st, "1", "");
	if (st->tries > 0)
		voice_reprompt(v, st);
	else if (how != VS_MENU) {
		if (how == VS_ENTRY && st->item == 0 && n->intro != NULL)
			voice_prompt(v, n->intro, st->lang);
		for (i = 0; i < nparts; i++) {
			if (parts[i].prompt != NULL)
				voice_prompt(v, parts[i].prompt, st->lang);
			else {
				snprintf(len, sizeof len, "%d", parts[i].pause);
				twiml_leaf(v->tw, "Pause", NULL, "length", len,
				    NULL);
			}
		}
	}
	voice_prompt(v, (size_t)st->item + 1 >= items ? n->last : n->after,
	    st->lang);
	voice_gather_close(v, st);
}

static void
voice_show_location(struct voice_ctx *v, struct voice_state *st,
    enum voice_show how)
{
	struct location	*l = st->loc;
	char		 buf[128];

	if (l == NULL) {
		/* No clinic chosen (a stale URL): back to the choice. */
		voice_state_goto(st, st->node->back != NULL ? st->node->back :
		    v->f->start);
		voice_show(v, st, VS_ENTRY);
		return;
	}
	if (location_is_open(l, v->now) && l->phone != NULL) {
		voice_say(v, i18n_get(&l->name, st->lang), st->lang);
		voice_sys_extra(v, FS_LOC_OPEN, st->lang,
		    i18n_get(&l->address_spoken, st->lang));
		voice_sys(v, FS_CONNECTING, st->lang);
		voice_dial(v, st, l->phone);
		return;
	}
	voice_gather_open(v, st, "1", "");
	if (st->tries > 0)
		voice_reprompt(v, st);
	else if (how != VS_MENU) {
		voice_say(v, i18n_get(&l->name, st->lang), st->lang);
		voice_sys(v, FS_LOC_CLOSED, st->lang);
		location_hours_text(l, v->now, st->lang, v->cfg, buf,
		    sizeof buf);
		voice_sys_extra(v, FS_TODAY, st->lang, buf);
		location_hours_text(l, v->now + 86400, st->lang, v->cfg, buf,
		    sizeof buf);
		voice_sys_extra(v, FS_TOMORROW, st->lang, buf);
		location_next_open_text(l, v->now, st->lang, buf, sizeof buf);
		voice_sys_extra(v, FS_NEXT_OPEN, st->lang, buf);
	}
	voice_prompt(v, st->node->prompt, st->lang);
	voice_gather_close(v, st);
}

static void
voice_show_front_desk(struct voice_ctx *v, struct voice_state *st,
    enum voice_show how)
{
	if (v->cfg->front_desk != NULL && voice_any_open(v)) {
		voice_sys(v, FS_CONNECTING, st->lang);
		voice_dial(v, st, v->cfg->front_desk);
		return;
	}
	(void)how;
	voice_gather_open(v, st, "1", "");
	voice_reprompt(v, st);
	voice_prompt(v, st->node->prompt, st->lang);
	voice_gather_close(v, st);
}

/* "0 1 9 9": digits one by one, so they are read as digits. */
static void
voice_spaced(const char *digits, char *buf, size_t len)
{
	size_t	o = 0;

	for (; *digits != '\0' && o + 3 < len; digits++) {
		if (o > 0)
			buf[o++] = ' ';
		buf[o++] = *digits;
	}
	buf[o] = '\0';
}

/* The next open time of l, or of whichever location opens first. */
static void
voice_next_open(struct voice_ctx *v, const struct location *l, int lang,
    char *buf, size_t len)
{
	const struct location	*best = l;
	time_t			 t, bt = 0;
	size_t			 i;

	if (best == NULL) {
		for (i = 0; i < v->cfg->nlocations; i++) {
			t = location_next_open(&v->cfg->locations[i], v->now);
			if (t != 0 && (bt == 0 || t < bt)) {
				bt = t;
				best = &v->cfg->locations[i];
			}
		}
	}
	if (best == NULL) {
		snprintf(buf, len, "%s", "");
		return;
	}
	location_next_open_text(best, v->now, lang, buf, len);
}

/* Join the queue with what the caller told us; say place and wait. */
static int
voice_callback_submit(struct voice_ctx *v, struct voice_state *st)
{
	struct voice_job	*j = v->j;
	struct callback_req	 q;
	struct callback_res	 res;
	struct flow_node	*n = st->node;
	char			 buf[96];
	int			 open;

	memset(&q, 0, sizeof q);
	q.phone = st->phone;
	q.location = st->loc != NULL ? st->loc->id : NULL;
	q.topic = st->topic[0] != '\0' ? st->topic : n->topic;
	q.language = voice_lang_code(v->cfg, st->lang);
	q.window = st->window[0] != '\0' ? st->window : NULL;
	q.priority = 0;
	q.source = "voice";
	q.call_sid = j->call_sid;
	q.now = v->now;
	if (callback_request(v->db, v->cfg, &q, &res) != 0) {
		log_error("voice: callback_request failed: %s",
		    db_error(v->db));
		return (-1);
	}
	j->kick = 1;
	if (track_event(v->db, "callback.request", v->subject, n->id,
	    res.created ? "created" : "updated", q.location, q.language, 0,
	    v->now) != 0)
		return (-1);
	if (!res.created)
		voice_sys(v, FS_CB_UPDATED, st->lang);
	snprintf(buf, sizeof buf, "%d.", res.position);
	voice_sys_extra(v, FS_CB_POSITION, st->lang, buf);
	open = st->loc != NULL ? location_is_open(st->loc, v->now) :
	    voice_any_open(v);
	if (!open) {
		/* Honest: nobody calls back while every desk is closed. */
		voice_next_open(v, st->loc, st->lang, buf, sizeof buf);
		voice_sys_extra(v, FS_CB_CLOSED, st->lang, buf);
	} else {
		snprintf(buf, sizeof buf, "%d", res.wait_minutes);
		voice_sys_extra(v, FS_CB_WAIT, st->lang, buf);
		voice_sys(v, FS_CB_MINUTES, st->lang);
	}
	st->phone[0] = '\0';
	st->window[0] = '\0';
	voice_state_goto(st, n->next);
	voice_show(v, st, VS_ENTRY);
	return (0);
}

static void
voice_show_callback(struct voice_ctx *v, struct voice_state *st,
    enum voice_show how)
{
	struct flow_node	*n = st->node;
	const struct prompt	*p;
	char			 buf[32];
	const char		*nd = "1";

	(void)how;
	if (st->phone[0] == '\0') {
		if (st->stage != 'n' && v->j->from != NULL)
			st->stage = 'c';
		else
			st->stage = 'n';
	} else if (st->loc == NULL && !st->loc_any)
		st->stage = 'l';
	else if (st->window[0] == '\0')
		st->stage = 'w';
	else {
		if (voice_callback_submit(v, st) != 0)
			v->failed = 1;
		return;
	}
	switch (st->stage) {
	case 'c':
		p = n->prompt;
		break;
	case 'n':
		/* "#" alone (after the timeout) is still "back". */
		p = n->number;
		nd = "10";
		break;
	case 'l':
		p = n->where;
		break;
	default:
		p = n->when;
		break;
	}
	voice_gather_open(v, st, nd, "");
	voice_reprompt(v, st);
	if (st->stage == 'c') {
		voice_spaced(v->j->from + strlen(v->j->from) -
		    (strlen(v->j->from) >= 4 ? 4 : strlen(v->j->from)), buf,
		    sizeof buf);
		strncat(buf, ".", sizeof buf - strlen(buf) - 1);
		voice_sys_extra(v, FS_CB_NUMBER_ENDS, st->lang, buf);
	}
	voice_prompt(v, p, st->lang);
	voice_gather_close(v, st);
}

static void
voice_show_voicemail(struct voice_ctx *v, struct voice_state *st)
{
	struct voice_state	 next;
	char			*url;

	voice_prompt(v, st->node->prompt, st->lang);
	url = voice_url(v, st, "rec");
	twiml_leaf(v->tw, "Record", NULL, "action", url, "method", "POST",
	    "maxLength", "120", "timeout", "5", "playBeep", "true",
	    "finishOnKey", "#", NULL);
	free(url);
	/* An empty recording skips the action and lands here. */
	voice_sys(v, FS_VM_NONE, st->lang);
	next = *st;
	voice_state_goto(&next, st->node->next != NULL ? st->node->next :
	    v->f->start);
	url = voice_url(v, &next, "show");
	twiml_leaf(v->tw, "Redirect", url, "method", "POST", NULL);
	free(url);
}

static void
voice_show_zip(struct voice_ctx *v, struct voice_state *st)
{
	/* '*' or '#' alone arrive when the Gather times out. */
	voice_gather_open(v, st, "5", "");
	voice_reprompt(v, st);
	voice_prompt(v, st->node->prompt, st->lang);
	voice_gather_close(v, st);
}

static void
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
		voice_show_location(v, st, how);
		break;
	case FLOW_CALLBACK:
		voice_show_callback(v, st, how);
		break;
	case FLOW_VOICEMAIL:
		voice_show_voicemail(v, st);
		break;
	case FLOW_FRONT_DESK:
		voice_show_front_desk(v, st, how);
		break;
	case FLOW_GOODBYE:
		voice_sys(v, FS_GOODBYE, st->lang);
		twiml_leaf(v->tw, "Hangup", NULL, NULL);
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

/* Queue text messages to the caller; 1 sent, 0 cannot, -1 error. */
static int
voice_sms(struct voice_ctx *v, const char *what, char **texts)
{
	json_t		*payload;
	char		*dedupe;
	long long	 rc;
	size_t		 i;
	int		 sent = 0;

	if (v->j->from == NULL)
		return (0);
	for (i = 0; texts[i] != NULL; i++) {
		payload = json_pack("{s:s, s:s}", "to", v->j->from, "body",
		    texts[i]);
		xasprintf(&dedupe, "voice:%s:%s:%zu", v->j->call_sid, what, i);
		rc = outbox_enqueue(v->db, "sms", dedupe, v->j->from, payload,
		    v->now);
		free(dedupe);
		if (rc == -1)
			return (-1);
		if (rc != OUTBOX_SUPPRESSED)
			sent = 1;
	}
	if (sent)
		v->j->kick = 1;
	return (sent);
}

static int
voice_text_guide(struct voice_ctx *v, struct voice_state *st,
    const struct guide *g)
{
	char	**texts, *what;
	int	  rc;

	if (g == NULL)
		return (0);
	texts = reply_one(reply_guide(v->cfg, g, st->lang));
	xasprintf(&what, "guide:%s", g->id);
	rc = voice_sms(v, what, texts);
	free(what);
	keyword_texts_free(texts);
	if (rc == 1 && track_event(v->db, "call.text", v->subject,
	    st->node->id, g->id, NULL, voice_lang_code(v->cfg, st->lang), 0,
	    v->now) != 0)
		return (-1);
	return (rc);
}

static int
voice_text_address(struct voice_ctx *v, struct voice_state *st)
{
	struct location	*l = st->loc;
	char		 today[64], *texts[2], *what;
	int		 rc;

	if (l == NULL)
		return (0);
	location_hours_text(l, v->now, st->lang, v->cfg, today, sizeof today);
	xasprintf(&texts[0], "%s: %s. %s", i18n_get(&l->name, st->lang),
	    l->address != NULL ? l->address : "", today);
	texts[1] = NULL;
	xasprintf(&what, "address:%s", l->id);
	rc = voice_sms(v, what, texts);
	free(what);
	free(texts[0]);
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
		if (rc < 0) {
			v->failed = 1;
			return;
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

	if (digits == NULL || strlen(digits) != 5 ||
	    strspn(digits, "0123456789") != 5)
		return (0);
	voice_set_input(v, st->node->id, "zip");
	if ((l = location_nearest_zip(v->cfg, digits, &miles)) == NULL) {
		voice_sys(v, FS_ZIP_UNKNOWN, st->lang);
		voice_miss(v, st);
		return (1);
	}
	voice_sys_extra(v, FS_ZIP_NEAREST, st->lang, i18n_get(&l->name,
	    st->lang));
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
	case 'c':
		if ((digits != NULL && strcmp(digits, "1") == 0) ||
		    (digits == NULL && voice_matches(&n->yes, speech,
		    st->lang))) {
			voice_set_input(v, n->id, "confirm");
			snprintf(st->phone, sizeof st->phone, "%s",
			    v->j->from);
		} else if ((digits != NULL && strcmp(digits, "2") == 0) ||
		    (digits == NULL && voice_matches(&n->no, speech,
		    st->lang))) {
			voice_set_input(v, n->id, "other_number");
			st->stage = 'n';
		} else
			return (0);
		st->tries = 0;
		voice_show(v, st, VS_ENTRY);
		return (1);
	case 'n':
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
	case 'l':
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
	case 'w':
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
	}
	return (0);
}

/* Red-flag words in what the caller said: advice now, flagged callback. */
static int
voice_red_flag(struct voice_ctx *v, struct voice_state *st, const char *norm)
{
	struct callback_req	q;
	struct callback_res	res;
	size_t			i;
	int			hit = -1;

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
	metrics_add("hotline_red_flags_total", "channel=\"voice\"", 1);
	if (v->j->from != NULL) {
		memset(&q, 0, sizeof q);
		q.phone = v->j->from;
		q.location = st->loc != NULL ? st->loc->id : NULL;
		q.topic = "red_flag";
		q.language = voice_lang_code(v->cfg, st->lang);
		q.priority = 1;
		q.source = "voice";
		/* What they said, for staff: stored, never logged. */
		q.text = v->j->speech;
		q.call_sid = v->j->call_sid;
		q.now = v->now;
		if (callback_request(v->db, v->cfg, &q, &res) != 0 ||
		    track_event(v->db, "callback.request", v->subject,
		    st->node->id, "red_flag", q.location, q.language, 0,
		    v->now) != 0) {
			v->failed = 1;
			return (1);
		}
		v->j->kick = 1;
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
	struct voice_job	*j = v->j;
	struct flow_node	*n = st->node;
	struct flow_option	*o;
	const char		*digits = j->digits, *todo = j->todo;
	char			*norm = NULL, *d;
	int			 done = 0;

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
		struct callback_req	q;
		struct callback_res	res;
		char			anon[96], buf[16];

		voice_set_input(v, n->id, "recording");
		memset(&q, 0, sizeof q);
		if (j->from != NULL)
			q.phone = j->from;
		else {
			/* Withheld number: the message itself says how to reach them. */
			snprintf(anon, sizeof anon, "anonymous:%s", j->call_sid);
			q.phone = anon;
		}
		q.location = st->loc != NULL ? st->loc->id : NULL;
		q.topic = st->topic[0] != '\0' ? st->topic : n->topic;
		q.language = voice_lang_code(v->cfg, st->lang);
		q.source = "voicemail";
		q.recording_url = j->rec_url;
		q.call_sid = j->call_sid;
		q.now = v->now;
		if (callback_request(v->db, v->cfg, &q, &res) != 0 ||
		    track_event(v->db, "callback.request", v->subject, n->id,
		    "voicemail", q.location, q.language, 0, v->now) != 0) {
			v->failed = 1;
			return;
		}
		j->kick = 1;
		voice_sys(v, FS_VM_THANKS, st->lang);
		snprintf(buf, sizeof buf, "%d.", res.position);
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

	/* Global keys and the node's own options first. */
	o = flow_match(v->cfg, n, digits, norm, st->lang);
	if (n->type == FLOW_CALLBACK && (o == NULL || !o->global)) {
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

/* --- the transaction ----------------------------------------------------- */

static int
voice_record_step(struct voice_ctx *v, const struct voice_state *st)
{
	struct voice_job	*j = v->j;
	long long		 started = 0, ms;
	const char		*lang = voice_lang_code(v->cfg, st->lang);
	int			 rc;

	if (j->kind == VK_INCOMING) {
		char	caller[17];

		util_hash(v->cfg->secret, j->from != NULL ? j->from :
		    "anonymous", caller);
		if (db_exec(v->db, "INSERT INTO calls (call_sid, caller_hash, "
		    "language, started_at, status, last_node, steps) VALUES "
		    "(?, ?, ?, ?, 'in-progress', ?, 0) ON CONFLICT (call_sid) "
		    "DO NOTHING", "sssis", j->call_sid, caller, lang,
		    (long long)v->now, st->node->id) != 0)
			return (-1);
		return (track_event(v->db, "call.start", v->subject,
		    st->node->id, NULL, NULL, lang, 0, v->now));
	}
	rc = db_int_query(v->db, &started, "SELECT started_at FROM calls "
	    "WHERE call_sid = ?", "s", j->call_sid);
	if (rc == -1)
		return (-1);
	if (rc == 1) {
		/* A call that began before a store was lost, or elsewhere. */
		started = v->now;
		if (db_exec(v->db, "INSERT INTO calls (call_sid, language, "
		    "started_at, status, steps) VALUES (?, ?, ?, "
		    "'in-progress', 0) ON CONFLICT (call_sid) DO NOTHING",
		    "ssi", j->call_sid, lang, (long long)v->now) != 0)
			return (-1);
	}
	if (db_exec(v->db, "UPDATE calls SET steps = steps + 1, last_node = ?, "
	    "language = ? WHERE call_sid = ?", "sss", st->node->id, lang,
	    j->call_sid) != 0)
		return (-1);
	ms = ((long long)v->now - started) * 1000;
	return (track_event(v->db, "call.step", v->subject, v->in_node,
	    v->input[0] != '\0' ? v->input : NULL,
	    st->loc != NULL ? st->loc->id : NULL, lang, ms, v->now));
}

static int
voice_tx(struct db *db, void *arg)
{
	struct voice_job	*j = arg;
	struct voice_ctx	 v;
	struct voice_state	 st = j->st;
	const char		*doc;
	char			*ctype = NULL;
	int			 status, rc;

	if ((rc = webhook_lookup(db, j->key, &status, &ctype, &j->doc)) != 0) {
		free(ctype);
		j->replayed = rc == 1;
		return (rc == 1 ? 0 : -1);
	}
	memset(&v, 0, sizeof v);
	v.j = j;
	v.cfg = j->cfg;
	v.f = j->cfg->flow;
	v.db = db;
	v.now = util_now();
	v.tw = twiml_new();
	util_hash(j->cfg->secret, j->call_sid, v.subject);
	if (j->kind == VK_INCOMING) {
		voice_set_input(&v, st.node->id, NULL);
		voice_show(&v, &st, VS_FIRST);
	} else
		voice_input(&v, &st);
	if (v.failed || (doc = twiml_finish(v.tw, NULL)) == NULL) {
		if (!v.failed)
			log_error("voice: node %s made an invalid TwiML "
			    "document", st.node->id);
		twiml_free(v.tw);
		return (-1);
	}
	j->doc = xstrdup(doc);
	twiml_free(v.tw);
	if (voice_record_step(&v, &st) != 0 ||
	    webhook_save(db, j->key, 200, VOICE_TWIML_TYPE, j->doc,
	    v.now) != 0) {
		free(j->doc);
		j->doc = NULL;
		return (-1);
	}
	return (0);
}

/*
 * The answer when the store failed: an apology, then the front desk while
 * a location is open, else the emergency advice and goodbye.  Built on the
 * loop from the configuration alone.
 */
static char *
voice_fallback(const struct config *cfg, int lang)
{
	struct voice_ctx	 v;
	const char		*doc;
	char			*out, timeout[16];

	memset(&v, 0, sizeof v);
	v.cfg = cfg;
	v.f = cfg->flow;
	v.now = util_now();
	v.tw = twiml_new();
	voice_sys(&v, FS_SORRY_STORE, lang);
	if (cfg->front_desk != NULL && location_any_open(cfg, v.now)) {
		voice_sys(&v, FS_CONNECTING, lang);
		snprintf(timeout, sizeof timeout, "%d", cfg->dial_timeout);
		twiml_open(v.tw, "Dial", "timeout", timeout, "callerId",
		    cfg->voice_caller_id, "answerOnBridge", "true", NULL);
		twiml_leaf(v.tw, "Number", cfg->front_desk, NULL);
		twiml_close(v.tw);
	} else
		voice_sys(&v, FS_EMERGENCY, lang);
	voice_sys(&v, FS_GOODBYE, lang);
	twiml_leaf(v.tw, "Hangup", NULL, NULL);
	doc = twiml_finish(v.tw, NULL);
	out = xstrdup(doc != NULL ? doc : "<?xml version=\"1.0\" encoding="
	    "\"UTF-8\"?>\n<Response><Hangup/></Response>\n");
	twiml_free(v.tw);
	return (out);
}

static void
voice_job_free(struct voice_job *j)
{
	config_unref(j->cfg);
	free(j->call_sid);
	free(j->from);
	free(j->digits);
	free(j->speech);
	free(j->dial_status);
	free(j->rec_url);
	free(j->call_status);
	free(j->todo);
	free(j->key);
	free(j->doc);
	free(j);
}

static void
voice_done(int ok, void *arg)
{
	struct voice_job	*j = arg;
	char			*doc;

	if (!ok || j->doc == NULL) {
		log_error("voice: store failed on a call step; answering with "
		    "the apology");
		metrics_add("hotline_voice_store_failures_total", "", 1);
		doc = voice_fallback(j->cfg, j->st.lang);
		http_twiml(j->r, doc, strlen(doc));
		free(doc);
		voice_job_free(j);
		return;
	}
	http_twiml(j->r, j->doc, strlen(j->doc));
	if (j->replayed)
		metrics_add("hotline_webhook_redeliveries_total",
		    "route=\"voice\"", 1);
	else
		metrics_add("hotline_voice_steps_total", "", 1);
	if (j->kick && j->hl->outbox != NULL)
		outbox_kick(j->hl->outbox);
	voice_job_free(j);
}

/* --- handlers ------------------------------------------------------------ */

static char *
voice_param(struct hreq *r, const char *name, size_t max)
{
	const char	*s = form_get(&r->form, name);

	if (s == NULL)
		return (NULL);
	if (strlen(s) > max) {
		/*
		 * Cut on a character boundary: half a character makes the
		 * text invalid UTF-8, and PCRE2 then matches nothing in it,
		 * red flags included.  The form parser checked the encoding,
		 * so backing over continuation bytes finds a start.
		 */
		while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
			max--;
		return (xstrndup(s, max));
	}
	return (xstrdup(s));
}

/* Read the menu position from the step URL; unknown parts fall back. */
static void
voice_state_parse(struct hreq *r, const struct config *cfg,
    struct voice_state *st)
{
	const struct flow	*f = cfg->flow;
	const char		*s;
	char			*e;

	memset(st, 0, sizeof *st);
	if ((st->node = flow_node(f, form_get(&r->args, "n"))) == NULL)
		st->node = f->start;
	if ((st->lang = config_lang(cfg, form_get(&r->args, "l"))) < 0)
		st->lang = 0;
	if ((s = form_get(&r->args, "t")) != NULL) {
		st->tries = (int)strtol(s, &e, 10);
		if (*e != '\0' || st->tries < 0 || st->tries > 9)
			st->tries = 0;
	}
	if ((s = form_get(&r->args, "i")) != NULL) {
		st->item = (int)strtol(s, &e, 10);
		if (*e != '\0' || st->item < 0 || st->item > 1000)
			st->item = 0;
	}
	if ((s = form_get(&r->args, "loc")) != NULL) {
		if (strcmp(s, "any") == 0)
			st->loc_any = 1;
		else
			st->loc = config_location(cfg, s);
	}
	if ((s = form_get(&r->args, "top")) != NULL && strlen(s) <
	    sizeof st->topic && strspn(s, "abcdefghijklmnopqrstuvwxyz_-") ==
	    strlen(s))
		snprintf(st->topic, sizeof st->topic, "%s", s);
	if ((s = form_get(&r->args, "p")) != NULL && (e =
	    util_phone_e164(s)) != NULL) {
		if (strlen(e) < sizeof st->phone)
			snprintf(st->phone, sizeof st->phone, "%s", e);
		free(e);
	}
	if ((s = form_get(&r->args, "w")) != NULL && strlen(s) <
	    sizeof st->window && strspn(s, "abcdefghijklmnopqrstuvwxyz_-") ==
	    strlen(s))
		snprintf(st->window, sizeof st->window, "%s", s);
	if ((s = form_get(&r->args, "s")) != NULL && strlen(s) == 1 &&
	    strchr("cnlw", *s) != NULL)
		st->stage = *s;
}

static void
voice_submit(struct hreq *r, enum voice_kind kind)
{
	struct voice_job	*j;
	const char		*sid, *from;
	char			 hash[65], *material;

	sid = form_get(&r->form, "CallSid");
	if (sid == NULL || *sid == '\0' || strlen(sid) > VOICE_SID_MAX) {
		http_error(r, 400, "missing or bad CallSid");
		return;
	}
	if (r->cfg->flow == NULL || r->cfg->flow->start == NULL) {
		http_error(r, 503, "voice flow is not configured");
		return;
	}
	j = xcalloc(1, sizeof *j);
	j->r = r;
	j->hl = r->hl;
	j->cfg = config_ref(r->cfg);
	j->kind = kind;
	j->call_sid = xstrdup(sid);
	from = form_get(&r->form, "From");
	j->from = from != NULL ? util_phone_e164(from) : NULL;
	j->digits = voice_param(r, "Digits", 32);
	j->speech = voice_param(r, "SpeechResult", VOICE_SPEECH_MAX);
	j->dial_status = voice_param(r, "DialCallStatus", 32);
	j->rec_url = voice_param(r, "RecordingUrl", 1024);
	if (form_get(&r->args, "do") != NULL)
		j->todo = xstrdup(form_get(&r->args, "do"));
	voice_state_parse(r, r->cfg, &j->st);
	if (kind == VK_INCOMING)
		j->st.node = r->cfg->flow->start;

	/* The same step with the same answer is one webhook, delivered twice. */
	xasprintf(&material, "%s\n%s\n%s\n%s\n%s", r->uri,
	    j->digits != NULL ? j->digits : "", j->speech != NULL ? j->speech :
	    "", j->dial_status != NULL ? j->dial_status : "",
	    j->rec_url != NULL ? j->rec_url : "");
	util_sha256_hex(material, strlen(material), hash);
	free(material);
	hash[32] = '\0';
	xasprintf(&j->key, "voice:%s:%s", sid, hash);
	if (store_submit(r->hl->store, voice_tx, voice_done, j) != 0) {
		/* Shutting down: the caller still hears something. */
		voice_done(0, j);
	}
}

static void
voice_incoming(struct hreq *r)
{
	voice_submit(r, VK_INCOMING);
}

static void
voice_step(struct hreq *r)
{
	voice_submit(r, VK_STEP);
}

/* --- status callback ----------------------------------------------------- */

struct voice_status_job {
	struct hreq	*r;
	struct config	*cfg;
	char		*call_sid;
	char		*status;
	long long	 duration;
};

static int
voice_status_final(const char *s)
{
	return (strcmp(s, "completed") == 0 || strcmp(s, "busy") == 0 ||
	    strcmp(s, "failed") == 0 || strcmp(s, "no-answer") == 0 ||
	    strcmp(s, "canceled") == 0);
}

static int
voice_status_tx(struct db *db, void *arg)
{
	struct voice_status_job	*j = arg;
	time_t			 now = util_now();
	char			 subject[17];
	long long		 started = now;

	if (!voice_status_final(j->status))
		return (db_exec(db, "UPDATE calls SET status = ? WHERE "
		    "call_sid = ? AND ended_at IS NULL", "ss", j->status,
		    j->call_sid));
	if (db_int_query(db, &started, "SELECT started_at FROM calls WHERE "
	    "call_sid = ?", "s", j->call_sid) == -1)
		return (-1);
	if (db_exec(db, "INSERT INTO calls (call_sid, started_at, status, "
	    "steps) VALUES (?, ?, ?, 0) ON CONFLICT (call_sid) DO NOTHING",
	    "sis", j->call_sid, (long long)(now - j->duration), j->status) != 0)
		return (-1);
	if (db_exec(db, "UPDATE calls SET status = ?, ended_at = ?, "
	    "duration = ? WHERE call_sid = ? AND ended_at IS NULL", "siis",
	    j->status, (long long)now, j->duration, j->call_sid) != 0)
		return (-1);
	/* A redelivered callback closes nothing twice. */
	if (db_changes(db) == 0)
		return (0);
	util_hash(j->cfg->secret, j->call_sid, subject);
	return (track_event(db, "call.end", subject, NULL, j->status, NULL,
	    NULL, j->duration * 1000, now));
}

static void
voice_status_done(int ok, void *arg)
{
	struct voice_status_job	*j = arg;
	static const char	 empty[] = "<?xml version=\"1.0\" "
				    "encoding=\"UTF-8\"?>\n<Response/>\n";

	if (!ok) {
		log_error("voice: store failed closing a call record");
		http_error(j->r, 500, "store unavailable");
	} else
		http_twiml(j->r, empty, strlen(empty));
	config_unref(j->cfg);
	free(j->call_sid);
	free(j->status);
	free(j);
}

static void
voice_status(struct hreq *r)
{
	struct voice_status_job	*j;
	const char		*sid, *st, *d;

	sid = form_get(&r->form, "CallSid");
	st = form_get(&r->form, "CallStatus");
	if (sid == NULL || *sid == '\0' || strlen(sid) > VOICE_SID_MAX ||
	    st == NULL || *st == '\0' || strlen(st) > 32 ||
	    strspn(st, "abcdefghijklmnopqrstuvwxyz-") != strlen(st)) {
		http_error(r, 400, "missing or bad CallSid or CallStatus");
		return;
	}
	j = xcalloc(1, sizeof *j);
	j->r = r;
	j->cfg = config_ref(r->cfg);
	j->call_sid = xstrdup(sid);
	j->status = xstrdup(st);
	if ((d = form_get(&r->form, "CallDuration")) != NULL)
		j->duration = strtoll(d, NULL, 10);
	if (j->duration < 0 || j->duration > 86400 * 7)
		j->duration = 0;
	if (store_submit(r->hl->store, voice_status_tx, voice_status_done,
	    j) != 0)
		voice_status_done(0, j);
}

void
voice_init(struct hotline *hl)
{
	metrics_help("hotline_voice_steps_total", "counter",
	    "Voice webhooks answered from the menu.");
	metrics_help("hotline_voice_store_failures_total", "counter",
	    "Voice webhooks answered with the apology because the store "
	    "failed.");
	http_route(hl->http, EVHTTP_REQ_POST, "/voice/incoming",
	    ROUTE_PROVIDER, "voice", voice_incoming);
	http_route(hl->http, EVHTTP_REQ_POST, "/voice/step", ROUTE_PROVIDER,
	    "voice_step", voice_step);
	http_route(hl->http, EVHTTP_REQ_POST, "/voice/status", ROUTE_PROVIDER,
	    "voice_status", voice_status);
}
