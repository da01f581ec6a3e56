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
 * without the store (voice_decide, voice.h: a plan with the TwiML, on the
 * store thread since the configuration is immutable), asking the store
 * only what the decision needs (an opt-out, a callback's place), and the
 * plan's events, callbacks, outbox rows and the stored answer commit
 * together.  The decision is voice_decide.c (the input state machine) and
 * voice_render.c (what each node says); this file is the webhooks.  When the transaction fails the caller still
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

#include "appointment.h"
#include "call.h"
#include "callback.h"
#include "config.h"
#include "flow.h"
#include "form.h"
#include "hotline.h"
#include "http.h"
#include "keyword.h"
#include "live.h"
#include "location.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "optout.h"
#include "outbox.h"
#include "programme.h"
#include "store.h"
#include "track.h"
#include "twiml.h"
#include "util.h"
#include "voice.h"
#include "voice_private.h"
#include "webhook.h"
#include "xmalloc.h"

#define VOICE_TWIML_TYPE	"text/xml; charset=utf-8"
#define VOICE_SID_MAX		64
#define VOICE_SPEECH_MAX	512

enum voice_kind { VK_INCOMING, VK_STEP, VK_STATUS };

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
	char			*heard;		/* "sl": the speech's language */
	char			*key;		/* webhook dedupe key */
	char			 caller[17];	/* the caller's hash, or "" */
	struct voice_in		 in;		/* the strings above, borrowed */
	struct voice_state	 st;

	/* results */
	char			*doc;
	int			 kick;
	int			 replayed;
};

/* --- the transaction ----------------------------------------------------- */

/*
 * The call's row and its first event, or a step's event (call_step: the
 * row is summed from those when the call ends).
 */
static int
voice_record_step(struct db *db, struct voice_job *j,
    const struct voice_state *st, const struct voice_plan *p,
    const char *subject)
{
	struct call_step	 cs;
	char			 key[17];
	time_t			 now = j->in.now;
	const char		*lang = voice_lang_code(j->cfg, st->lang);

	if (j->kind == VK_INCOMING) {
		if (j->caller[0] == '\0')
			util_hash(j->cfg->secret, j->from != NULL ? j->from :
			    "anonymous", j->caller);
		if (call_start(db, j->call_sid, j->caller, lang, st->node->id,
		    now) != 0)
			return (-1);
		return (track_event(db, "call.start", subject, st->node->id,
		    NULL, NULL, lang, 0, now));
	}
	cs.call_sid = j->call_sid;
	cs.subject = subject;
	/*
	 * Half the key's hash: the subject says which call already, and a
	 * shorter key is a smaller index to insert into.
	 */
	snprintf(key, sizeof key, "%s", strrchr(j->key, ':') + 1);
	cs.key = key;
	cs.node = p->in_node;
	cs.input = p->input[0] != '\0' ? p->input : NULL;
	cs.location = st->loc != NULL ? st->loc->id : NULL;
	cs.language = lang;
	cs.next = st->node->id;
	cs.now = now;
	return (call_step(db, &cs));
}

/* Carry out a decided plan: the red flag's request, texts, events. */
static int
voice_apply_plan(struct db *db, struct voice_job *j,
    const struct voice_plan *p, const char *subject)
{
	long long		rc;
	size_t			i;
	int			e;

	/* A red flag's request was made as the decision asked (need). */
	if (p->red_flag)
		metrics_add("hotline_red_flags_total", "channel=\"voice\"", 1);
	for (i = 0; i < p->ntexts; i++) {
		rc = outbox_enqueue(db, "sms", p->texts[i].dedupe, j->from,
		    json_pack("{s:s, s:s}", "to", j->from, "body",
		    p->texts[i].body), j->in.now);
		if (rc == -1)
			return (-1);
		if (rc != OUTBOX_SUPPRESSED)
			j->kick = 1;
	}
	/* The menu's daily programme: the days queued, and a text saying so. */
	if (p->programme) {
		if (programme_enrol_call(db, j->cfg, j->from, p->programme_lang,
		    j->in.now) != 0)
			return (-1);
		j->kick = 1;
	}
	for (e = 0; e < p->nevents; e++) {
		if (track_event(db, p->events[e].kind, subject,
		    p->events[e].node, p->events[e].input,
		    p->events[e].location, p->events[e].lang, 0,
		    j->in.now) != 0)
			return (-1);
	}
	return (0);
}

/*
 * The request the caller made, stored before they hear it was (a
 * promise), with the FHIR hand-off when one is configured.
 */
static int
voice_appointment(struct db *db, struct voice_job *j,
    const struct appt_request *q, long long *id)
{
	struct appt_row	row;
	int		rc;

	if (appointment_add(db, q, id) != 0)
		return (-1);
	memset(&row, 0, sizeof row);
	row.id = *id;
	row.phone = (char *)q->phone;
	row.location = (char *)q->location;
	row.language = (char *)q->language;
	row.new_patient = q->new_patient;
	row.preferred = (char *)q->preferred;
	row.reason = (char *)q->reason;
	row.created = q->now;
	if ((rc = appointment_queue_fhir(db, j->cfg, &row, "proposed",
	    q->now)) < 0)
		return (-1);
	if (rc > 0)
		j->kick = 1;
	live_mark();
	callback_mark_changed();
	return (0);
}

static int
voice_tx(struct db *db, void *arg)
{
	struct voice_job	*j = arg;
	struct voice_facts	 facts;
	struct voice_plan	 plan;
	struct voice_state	 st;
	char			*ctype = NULL, subject[17];
	int			 status, rc, again = 0;

	if ((rc = webhook_lookup(db, j->key, &status, &ctype, &j->doc)) != 0) {
		free(ctype);
		j->replayed = rc == 1;
		if (rc != 1)
			return (-1);
		/*
		 * A step answered without the store keeps no answer
		 * (voice_behind_tx): it promised nothing and is decided
		 * again the same way, recording nothing twice.
		 */
		if (*j->doc != '\0')
			return (0);
		free(j->doc);
		j->doc = NULL;
		again = 1;
	}
	j->in.now = util_now();
	util_hash(j->cfg->secret, j->call_sid, subject);
	memset(&facts, 0, sizeof facts);
	facts.opted = -1;
	for (;;) {
		st = j->st;
		if (voice_decide(j->cfg, &j->in, &st, &facts, &plan) != 0) {
			log_error("voice: node %s made an invalid TwiML "
			    "document", st.node->id);
			voice_plan_free(&plan);
			return (-1);
		}
		if (plan.need == VOICE_NEED_NONE)
			break;
		if (plan.need == VOICE_NEED_OPTED)
			rc = (facts.opted = optout_is(db, j->from)) == -1;
		else if (plan.need == VOICE_NEED_APPOINTMENT)
			rc = voice_appointment(db, j, &plan.appt,
			    &facts.appt_id);
		else if (facts.ncb == VOICE_MAX_CB)
			rc = -1;
		else if ((rc = callback_request(db, j->cfg, &plan.cb,
		    &facts.cb[facts.ncb])) != 0)
			log_error("voice: callback_request failed: %s",
			    db_error(db));
		else if (notify_request(db, j->cfg, &facts.cb[facts.ncb],
		    plan.cb.now) < 0)
			rc = -1;
		else {
			facts.ncb++;
			j->kick = 1;
		}
		voice_plan_free(&plan);
		if (rc != 0)
			return (-1);
	}
	if (!again && (voice_apply_plan(db, j, &plan, subject) != 0 ||
	    voice_record_step(db, j, &st, &plan, subject) != 0 ||
	    webhook_save(db, j->key, 200, VOICE_TWIML_TYPE, plan.doc,
	    j->in.now) != 0)) {
		voice_plan_free(&plan);
		return (-1);
	}
	j->doc = plan.doc;
	plan.doc = NULL;
	voice_plan_free(&plan);
	return (0);
}

/*
 * A step decided and answered on the loop (voice_answer_now): a menu
 * step's event (and the plan's), or a first answer's row, event and key
 * among the webhooks answered, written behind.  A redelivery whose first
 * delivery is already written records nothing twice.  The answer itself is not kept: a redelivery of
 * a step that promised nothing is decided again the same way (here, or
 * in voice_tx), and a few kB for each step waiting behind was most of
 * the memory the queue held and of what its commits wrote.
 */
struct voice_behind {
	struct voice_job	*j;
	struct voice_plan	 plan;
	struct voice_state	 st;
	char			 subject[17];
};

static int
voice_behind_tx(struct db *db, void *arg)
{
	struct voice_behind	*b = arg;
	struct voice_job	*j = b->j;

	/*
	 * A step keeps no row in webhooks: its answer is decided again the
	 * same way from its signed URL, so a redelivery needs nothing
	 * stored to be answered, only to record nothing twice, and its
	 * event says that by its step_key (call_step).  The step's event
	 * first, then: nothing recorded means a redelivery.  (Asked only
	 * when the plan has more to record: on PostgreSQL the question is
	 * a round trip.)
	 */
	if (j->kind == VK_STEP) {
		util_hash(j->cfg->secret, j->call_sid, b->subject);
		if (voice_record_step(db, j, &b->st, &b->plan, b->subject) != 0)
			return (-1);
		if ((b->plan.nevents == 0 && !b->plan.programme) ||
		    db_changes(db) == 0)
			return (0);
		return (voice_apply_plan(db, j, &b->plan, b->subject));
	}
	/*
	 * A call's first answer keeps its key: its row and call.start event
	 * are written once however often the provider sends it.
	 */
	if (webhook_save(db, j->key, 200, VOICE_TWIML_TYPE, "", j->in.now) != 0)
		return (-1);
	if (db_changes(db) == 0)
		return (0);
	util_hash(j->cfg->secret, j->call_sid, b->subject);
	if (voice_apply_plan(db, j, &b->plan, b->subject) != 0 ||
	    voice_record_step(db, j, &b->st, &b->plan, b->subject) != 0)
		return (-1);
	return (0);
}

static void	voice_job_free(struct voice_job *);

static void
voice_behind_free(void *arg)
{
	struct voice_behind	*b = arg;

	voice_plan_free(&b->plan);
	voice_job_free(b->j);
	free(b);
}

static void	voice_done(int, void *);

/* On the loop: b's records are committed (or not); answer. */
static void
voice_behind_done(int ok, void *arg)
{
	struct voice_behind	*b = arg;
	struct voice_job	*j = b->j;

	if (!ok) {
		voice_plan_free(&b->plan);
		free(b);
		voice_done(0, j);
		return;
	}
	http_twiml(j->r, b->plan.doc, strlen(b->plan.doc));
	j->r = NULL;
	metrics_add("hotline_voice_steps_total", "", 1);
	voice_behind_free(b);
}

/*
 * Queue b's records behind its answer and answer; when too much is
 * behind already, wait for room (the answer paced to the disk); when
 * nothing can be written behind (several store connections), the same
 * records commit before the answer.
 */
static void
voice_behind_go(void *arg)
{
	struct voice_behind	*b = arg;
	struct voice_job	*j = b->j;
	struct store		*store = j->hl->store;
	int			 rc;

	/* The store thread reads the job and the plan, never the request. */
	rc = store_behind(store, voice_behind_tx, voice_behind_free, b);
	if (rc == 1 && store_behind_park(store, voice_behind_go, b) == 0)
		return;
	if (rc == -1) {
		/*
		 * Several connections: the step's records commit before its
		 * answer, as one job of their own (a promise-free plan asks
		 * the store nothing, not even for a stored answer).
		 */
		if (store_submit(store, voice_behind_tx, voice_behind_done,
		    b) != 0)
			voice_behind_done(0, b);
		return;
	}
	if (rc != 0) {
		voice_plan_free(&b->plan);
		free(b);
		if (store_submit(store, voice_tx, voice_done, j) != 0)
			voice_done(0, j);
		return;
	}
	http_twiml(j->r, b->plan.doc, strlen(b->plan.doc));
	j->r = NULL;
	free(b->plan.doc);
	b->plan.doc = NULL;
	metrics_add("hotline_voice_steps_total", "", 1);
}

/*
 * A call's first answer, made once per configuration and language: when
 * the webhook carries no query string and the start node is a menu, it
 * depends on nothing else (no caller, no hours), and making it was the
 * largest part of answering a new call.  The loop's only.
 */
static struct config	*voice_first_cfg;
static char		*voice_first_doc[LANG_MAX];

static int
voice_first_cacheable(const struct voice_job *j)
{
	return (j->in.incoming && j->r->query == NULL &&
	    j->cfg->flow->start->type == FLOW_MENU && j->st.lang >= 0 &&
	    j->st.lang < LANG_MAX);
}

static void
voice_first_keep(const struct voice_job *j, const struct voice_behind *b)
{
	if (!voice_first_cacheable(j) || b->plan.nevents != 0 ||
	    b->plan.programme || b->st.node != j->cfg->flow->start)
		return;
	if (voice_first_cfg != j->cfg) {
		voice_free();
		voice_first_cfg = config_ref(j->cfg);
	}
	if (voice_first_doc[j->st.lang] == NULL)
		voice_first_doc[j->st.lang] = xstrdup(b->plan.doc);
}

void
voice_free(void)
{
	int	i;

	for (i = 0; i < LANG_MAX; i++) {
		free(voice_first_doc[i]);
		voice_first_doc[i] = NULL;
	}
	if (voice_first_cfg != NULL)
		config_unref(voice_first_cfg);
	voice_first_cfg = NULL;
}

/*
 * Menu navigation waits for no disk: where the call is travels in the
 * signed step URLs, so a step whose plan promises nothing (no callback
 * request, no text, no red flag, no question for the store) is decided
 * here, answered at once, and its records are written behind
 * (store_behind: lost only if the process dies within a commit of the
 * answer, said so in the README).  Anything else returns -1 and goes
 * through voice_tx, durable before the answer.
 */
static int
voice_answer_now(struct voice_job *j)
{
	struct voice_behind	*b;
	struct voice_facts	 facts;

	b = xcalloc(1, sizeof *b);
	b->j = j;
	b->st = j->st;
	j->in.now = util_now();
	if (voice_first_cacheable(j) && voice_first_cfg == j->cfg &&
	    voice_first_doc[j->st.lang] != NULL) {
		b->plan.in_node = b->st.node->id;
		b->plan.doc = xstrdup(voice_first_doc[j->st.lang]);
		goto behind;
	}
	memset(&facts, 0, sizeof facts);
	facts.opted = -1;
	if (voice_decide(j->cfg, &j->in, &b->st, &facts, &b->plan) != 0 ||
	    b->plan.need != VOICE_NEED_NONE || b->plan.ntexts != 0 ||
	    b->plan.red_flag || b->plan.has_flag || b->plan.doc == NULL) {
		voice_plan_free(&b->plan);
		free(b);
		return (-1);
	}
	voice_first_keep(j, b);
behind:
	/*
	 * The call's and the caller's hashes are made by the store thread
	 * (voice_behind_tx): with a step one statement there, the loop is
	 * the busier side of a step and of a new call.
	 */
	voice_behind_go(b);
	return (0);
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
	free(j->heard);
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
		doc = voice_fallback(j->cfg, j->st.lang, util_now());
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
	    strchr("cnlwpdr", *s) != NULL)
		st->stage = (enum voice_stage)(strchr("cnlwpdr", *s) -
		    "cnlwpdr" + 1);
	/* An appointment's answers so far; the words as they were said. */
	st->new_patient = -1;
	if ((s = form_get(&r->args, "ask")) != NULL) {
		st->asked = (int)strtol(s, &e, 10);
		if (*e != '\0' || st->asked < 0 || st->asked > 15)
			st->asked = 0;
	}
	if ((s = form_get(&r->args, "np")) != NULL && (strcmp(s, "1") == 0 ||
	    strcmp(s, "0") == 0))
		st->new_patient = *s - '0';
	if ((s = form_get(&r->args, "pd")) != NULL)
		snprintf(st->days, sizeof st->days, "%s", s);
	if ((s = form_get(&r->args, "pr")) != NULL)
		snprintf(st->reason, sizeof st->reason, "%s", s);
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
	if (form_get(&r->args, "sl") != NULL)
		j->heard = xstrdup(form_get(&r->args, "sl"));
	voice_state_parse(r, r->cfg, &j->st);
	if (kind == VK_INCOMING)
		j->st.node = r->cfg->flow->start;
	j->in.incoming = kind == VK_INCOMING;
	j->in.call_sid = j->call_sid;
	j->in.from = j->from;
	j->in.digits = j->digits;
	j->in.speech = j->speech;
	j->in.speech_lang = j->heard;
	j->in.dial_status = j->dial_status;
	j->in.rec_url = j->rec_url;
	j->in.todo = j->todo;

	/* The same step with the same answer is one webhook, delivered twice. */
	xasprintf(&material, "%s\n%s\n%s\n%s\n%s", r->uri,
	    j->digits != NULL ? j->digits : "", j->speech != NULL ? j->speech :
	    "", j->dial_status != NULL ? j->dial_status : "",
	    j->rec_url != NULL ? j->rec_url : "");
	util_sha256_hex(material, strlen(material), hash);
	free(material);
	hash[32] = '\0';
	xasprintf(&j->key, "voice:%s:%s", sid, hash);
	if (voice_answer_now(j) == 0)
		return;
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
	char			 subject[17], *node = NULL;
	int			 rc;

	if (!voice_status_final(j->status))
		return (call_status(db, j->call_sid, j->status));
	util_hash(j->cfg->secret, j->call_sid, subject);
	/* A redelivered callback closes nothing twice. */
	if ((rc = call_end(db, j->call_sid, subject, j->status, j->duration,
	    now)) != 1)
		return (rc);
	/* Where it ended, for the report's funnel (hung up here). */
	if (call_last_node(db, j->call_sid, &node) != 0)
		return (-1);
	rc = track_event(db, "call.end", subject, node, j->status, NULL,
	    NULL, j->duration * 1000, now);
	free(node);
	return (rc);
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
