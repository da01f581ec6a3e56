/*
 * voice_render.c -- what a caller hears: prompts and system messages,
 * the signed step URLs that carry where the call is, and each kind of
 * node shown as TwiML (voice_show).  Called by the decision
 * (voice_decide.c); writes only the TwiML of the decision in progress.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "config.h"
#include "estimate.h"
#include "flow.h"
#include "form.h"
#include "keyword.h"
#include "location.h"
#include "twiml.h"
#include "util.h"
#include "voice_private.h"
#include "xmalloc.h"

/*
 * Seconds the language question waits for an answer before the menu
 * goes on: long enough to say one word, short enough not to be a pause.
 */
#define VOICE_LANGUAGE_TIMEOUT	2

/* A callback stage in the step URL ("s"), by enum voice_stage. */
static const char *const voice_stage_letters[] = { "", "c", "n", "l", "w",
	"p", "d", "r" };

/* --- small helpers ------------------------------------------------------- */

const char *
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
	size_t		 i;

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
	/* A generated menu with recorded location names (menu.c). */
	if (lang >= 0 && (size_t)lang < LANG_MAX && p->nparts[lang] > 0) {
		for (i = 0; i < p->nparts[lang]; i++) {
			if (p->parts[lang][i].text != NULL) {
				voice_say(v, p->parts[lang][i].text, lang);
				continue;
			}
			xasprintf(&url, "%s/%s", v->cfg->public_url,
			    p->parts[lang][i].audio->audio[lang]);
			twiml_leaf(v->tw, "Play", url, NULL);
			free(url);
		}
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

void
voice_sys(struct voice_ctx *v, enum flow_sys s, int lang)
{
	voice_prompt(v, v->f->sys[s], lang);
}

void
voice_sys_extra(struct voice_ctx *v, enum flow_sys s, int lang,
    const char *extra)
{
	voice_prompt_extra(v, v->f->sys[s], lang, extra);
}

/* A step URL being written: one string grown as needed. */
struct voice_ubuf {
	char	*s;
	size_t	 len;
	size_t	 size;
};

static void
voice_ubuf_add(struct voice_ubuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->size) {
		while (b->len + n + 1 > b->size)
			b->size = b->size == 0 ? 256 : b->size * 2;
		b->s = xreallocarray(b->s, b->size, 1);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* value form-escaped (as form_escape does) onto b. */
static void
voice_ubuf_escape(struct voice_ubuf *b, const char *value)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	char			 e[3];

	for (p = (const unsigned char *)value; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~')
			voice_ubuf_add(b, (const char *)p, 1);
		else {
			e[0] = '%';
			e[1] = hex[*p >> 4];
			e[2] = hex[*p & 0xf];
			voice_ubuf_add(b, e, 3);
		}
	}
}

static void
voice_url_add(struct voice_ubuf *b, const char *name, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	voice_ubuf_add(b, "&", 1);
	voice_ubuf_add(b, name, strlen(name));
	voice_ubuf_add(b, "=", 1);
	voice_ubuf_escape(b, value);
}

/* The step URL for st (absolute: the provider signs what it calls). */
static char *
voice_url(struct voice_ctx *v, const struct voice_state *st, const char *todo)
{
	struct voice_ubuf	 b = { NULL, 0, 0 };
	char			 num[16];

	voice_ubuf_add(&b, v->cfg->public_url, strlen(v->cfg->public_url));
	voice_ubuf_add(&b, "/voice/step?n=", 14);
	voice_ubuf_escape(&b, st->node->id);
	voice_url_add(&b, "l", voice_lang_code(v->cfg, st->lang));
	snprintf(num, sizeof num, "%d", st->tries);
	voice_url_add(&b, "t", num);
	if (st->item > 0) {
		snprintf(num, sizeof num, "%d", st->item);
		voice_url_add(&b, "i", num);
	}
	if (st->loc != NULL)
		voice_url_add(&b, "loc", st->loc->id);
	else if (st->loc_any)
		voice_url_add(&b, "loc", "any");
	voice_url_add(&b, "top", st->topic);
	voice_url_add(&b, "p", st->phone);
	voice_url_add(&b, "w", st->window);
	voice_url_add(&b, "s", voice_stage_letters[st->stage]);
	if (st->asked != 0) {
		snprintf(num, sizeof num, "%d", st->asked);
		voice_url_add(&b, "ask", num);
	}
	if ((st->asked & VOICE_ASKED_PATIENT) && st->new_patient >= 0)
		voice_url_add(&b, "np", st->new_patient ? "1" : "0");
	voice_url_add(&b, "pd", st->days);
	voice_url_add(&b, "pr", st->reason);
	voice_url_add(&b, "do", todo);
	return (b.s);
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

/*
 * "Para español, oprima nueve o diga español" in each other language, in
 * its own voice and in a Gather of its own that listens in that language
 * (an English recogniser does not hear "español"): its step URL says so
 * ("sl"), and a spoken answer there can only choose that language
 * (voice_decide.c).  Keys work as in the menu.  With no answer the
 * provider goes on to the menu's Gather after a short wait.
 */
static void
voice_language_choice(struct voice_ctx *v, const struct voice_state *st)
{
	char	*url, *action, timeout[16];
	size_t	 i;

	url = voice_url(v, st, NULL);
	snprintf(timeout, sizeof timeout, "%d", VOICE_LANGUAGE_TIMEOUT);
	for (i = 0; i < v->cfg->nlangs; i++) {
		if ((int)i == st->lang)
			continue;
		xasprintf(&action, "%s&sl=%s", url,
		    voice_lang_code(v->cfg, (int)i));
		twiml_open(v->tw, "Gather", "input", "dtmf speech", "action",
		    action, "method", "POST", "timeout", timeout, "numDigits",
		    "1", "finishOnKey", "", "speechTimeout", "auto",
		    "language", v->cfg->say_language[i], NULL);
		voice_sys(v, FS_LANGUAGE, (int)i);
		twiml_close(v->tw);
		free(action);
	}
	free(url);
}

void
voice_set_input(struct voice_ctx *v, const char *node, const char *input)
{
	v->plan->in_node = node;
	snprintf(v->plan->input, sizeof v->plan->input, "%s",
	    input != NULL ? input : "");
}

int
voice_any_open(struct voice_ctx *v)
{
	return (location_any_open(v->cfg, v->now));
}

void
voice_state_goto(struct voice_state *st, struct flow_node *n)
{
	st->node = n;
	st->tries = 0;
	st->item = 0;
	st->stage = VOICE_STAGE_NONE;
	st->asked = 0;
	st->new_patient = -1;
	st->days[0] = st->reason[0] = '\0';
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

void
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
	/*
	 * The start menu asks the language question first, each language
	 * in a Gather of its own (after a reprompt, which would otherwise
	 * follow it).
	 */
	if (n == v->f->start) {
		if (how != VS_FIRST && st->tries > 0)
			voice_reprompt(v, st);
		voice_language_choice(v, st);
	}
	voice_gather_open(v, st, "1", "");
	if (how == VS_FIRST)
		voice_sys(v, FS_DISCLAIMER, st->lang);
	else if (st->tries > 0) {
		if (n != v->f->start)
			voice_reprompt(v, st);
	} else if (how == VS_ENTRY && n->intro != NULL)
		voice_prompt(v, n->intro, st->lang);
	voice_prompt(v, n->prompt, st->lang);
	voice_gather_close(v, st);
}

void
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

void
voice_show_location(struct voice_ctx *v, struct voice_state *st,
    enum voice_show how)
{
	struct location	*l = st->loc;
	char		 buf[128];

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

void
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

/* The opening a later estimate names, as the end of a sentence. */
void
voice_opening(struct voice_ctx *v, const struct estimate *e, int lang,
    char *buf, size_t len)
{
	char	when[80];

	estimate_opening_words(v->cfg, e, v->now, lang, when, sizeof when);
	snprintf(buf, len, "%s.", when);
}

/*
 * A callback or appointment question: the Gather (nd digits), the
 * reprompt, at the confirm stage the number's last four digits, then p.
 */
static void
voice_ask(struct voice_ctx *v, const struct voice_state *st,
    const struct prompt *p, const char *nd)
{
	char	buf[32];

	voice_gather_open(v, st, nd, "");
	voice_reprompt(v, st);
	if (st->stage == VOICE_STAGE_CONFIRM) {
		voice_spaced(v->in->from + strlen(v->in->from) -
		    (strlen(v->in->from) >= 4 ? 4 : strlen(v->in->from)), buf,
		    sizeof buf);
		strncat(buf, ".", sizeof buf - strlen(buf) - 1);
		voice_sys_extra(v, FS_CB_NUMBER_ENDS, st->lang, buf);
	}
	voice_prompt(v, p, st->lang);
	voice_gather_close(v, st);
}

/* A callback node's question for the stage the call is at. */
void
voice_show_callback(struct voice_ctx *v, const struct voice_state *st)
{
	struct flow_node	*n = st->node;
	const struct prompt	*p;
	const char		*nd = "1";

	switch (st->stage) {
	case VOICE_STAGE_CONFIRM:
		p = n->prompt;
		break;
	case VOICE_STAGE_NUMBER:
		/* "#" alone (after the timeout) is still "back". */
		p = n->number;
		nd = "10";
		break;
	case VOICE_STAGE_LOCATION:
		p = n->where;
		break;
	default:
		p = n->when;
		break;
	}
	voice_ask(v, st, p, nd);
}

/* An appointment node's question at st->stage (voice_decide.c's order). */
void
voice_show_appointment(struct voice_ctx *v, const struct voice_state *st)
{
	struct flow_node	*n = st->node;
	const struct prompt	*p;
	const char		*nd = "1";

	switch (st->stage) {
	case VOICE_STAGE_LOCATION:
		p = n->where;
		break;
	case VOICE_STAGE_PATIENT:
		p = n->patient;
		break;
	case VOICE_STAGE_DAYS:
		p = n->when;
		break;
	case VOICE_STAGE_REASON:
		p = n->reason;
		break;
	case VOICE_STAGE_NUMBER:
		p = n->number;
		nd = "10";
		break;
	default:
		p = n->prompt;
		break;
	}
	voice_ask(v, st, p, nd);
}

/* A location chosen by ZIP, key or name: its name, so the caller knows. */
void
voice_say_location(struct voice_ctx *v, const struct location *l, int lang)
{
	voice_say(v, i18n_get(&l->name, lang), lang);
}

/*
 * The request is stored: what happens next and when, true at this hour
 * -- staff are in today while the clinic (with none chosen, the one that
 * opens first) is open for another half hour, else after it opens.
 */
void
voice_say_appointment_made(struct voice_ctx *v, const struct voice_state *st)
{
	const struct location	*l = st->loc;
	char			 next[96];
	time_t			 best = 0, t;
	size_t			 i;

	for (i = 0; l == NULL && i < v->cfg->nlocations; i++) {
		t = location_next_open(&v->cfg->locations[i], v->now);
		if (t != 0 && (best == 0 || t < best))
			best = t;
	}
	for (i = 0; st->loc == NULL && best != 0 && i < v->cfg->nlocations;
	    i++) {
		if (location_next_open(&v->cfg->locations[i], v->now) == best) {
			l = &v->cfg->locations[i];
			break;
		}
	}
	if (l != NULL && location_is_open(l, v->now) &&
	    location_closes_at(l, v->now) > v->now + 1800) {
		voice_prompt(v, st->node->done, st->lang);
		return;
	}
	next[0] = '\0';
	if (l != NULL)
		location_next_open_text(l, v->now, st->lang, next,
		    sizeof next);
	voice_prompt_extra(v, st->node->closed, st->lang, next);
}

void
voice_show_voicemail(struct voice_ctx *v, struct voice_state *st)
{
	struct voice_state	 next;
	char			*url, *tcb;

	voice_prompt(v, st->node->prompt, st->lang);
	url = voice_url(v, st, "rec");
	/* The provider's words for it come to recording.c's webhook. */
	xasprintf(&tcb, "%s/voice/transcription", v->cfg->public_url);
	twiml_leaf(v->tw, "Record", NULL, "action", url, "method", "POST",
	    "maxLength", "120", "timeout", "5", "playBeep", "true",
	    "finishOnKey", "#", "transcribe", "true", "transcribeCallback",
	    tcb, NULL);
	free(tcb);
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

void
voice_show_zip(struct voice_ctx *v, struct voice_state *st)
{
	/* '*' or '#' alone arrive when the Gather times out. */
	voice_gather_open(v, st, "5", "");
	voice_reprompt(v, st);
	voice_prompt(v, st->node->prompt, st->lang);
	voice_gather_close(v, st);
}

void
voice_show_goodbye(struct voice_ctx *v, const struct voice_state *st)
{
	voice_sys(v, FS_GOODBYE, st->lang);
	twiml_leaf(v->tw, "Hangup", NULL, NULL);
}

/*
 * The answer when the store failed: an apology, then the front desk while
 * a location is open, else the emergency advice and goodbye.  Built on the
 * loop from the configuration alone.
 */
char *
voice_fallback(const struct config *cfg, int lang, time_t now)
{
	struct voice_ctx	 v;
	const char		*doc;
	char			*out, timeout[16];

	memset(&v, 0, sizeof v);
	v.cfg = cfg;
	v.f = cfg->flow;
	v.now = now;
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
