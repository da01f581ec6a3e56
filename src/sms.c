/*
 * sms.c -- the SMS webhooks: POST /sms/incoming and POST /sms/status.
 *
 * An incoming text is one store transaction: the webhook's answer is
 * looked up first (a redelivery gets the same reply and no second side
 * effect), then the text is recorded, the few facts its answer depends on
 * are read (the number's language, opt-out state, throttle), the answer
 * is decided without the store (sms_decide.c: a plan), and the plan's
 * opt-out change, callback request, reply and stored answer all commit
 * together.  The reply goes back inline as TwiML; anything sent later goes
 * through the outbox.
 *
 * WhatsApp senders ("whatsapp:+1...") are the same person as the number:
 * the E.164 number is who they are everywhere (opt-out, throttle, queue),
 * and the channel only says where the reply goes.
 *
 * Bodies are stored (messages) and never logged.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>

#include "appointment.h"
#include "callback.h"
#include "config.h"
#include "escalate.h"
#include "hotline.h"
#include "http.h"
#include "inbox.h"
#include "keyword.h"
#include "location.h"
#include "log.h"
#include "message.h"
#include "metrics.h"
#include "notify.h"
#include "optout.h"
#include "outbox.h"
#include "programme.h"
#include "reply.h"
#include "segment.h"
#include "sms.h"
#include "store.h"
#include "track.h"
#include "twiml.h"
#include "util.h"
#include "webhook.h"
#include "xmalloc.h"

#define SMS_SID_MAX	64
#define SMS_TOPIC_SECS	86400	/* a guide this recent tells the topic */
#define SMS_ADVICE_SECS	3600	/* the advice outranks the throttle once */
#define SMS_TWIML_TYPE	"text/xml; charset=utf-8"
#define SMS_WHATSAPP	"whatsapp"

/*
 * A provider address as a person: "+18175550123" or "whatsapp:+1817..."
 * (the same number on WhatsApp) -> the E.164 number, *channel NULL or
 * SMS_WHATSAPP.  Anything else (another channel, a short code) is NULL.
 */
static char *
sms_address(const char *in, const char **channel)
{
	size_t	n = strlen(SMS_WHATSAPP);

	*channel = NULL;
	if (in == NULL)
		return (NULL);
	if (strncasecmp(in, SMS_WHATSAPP, n) == 0 && in[n] == ':') {
		*channel = SMS_WHATSAPP;
		in += n + 1;
		if (*in != '+')
			return (NULL);	/* only numbers: one person, one number */
	}
	return (util_phone_e164(in));
}

struct sms_job {
	struct hreq	 *r;
	struct hotline	 *hl;
	struct config	 *cfg;
	char		 *sid;
	char		 *from;		/* E.164 */
	const char	 *channel;	/* NULL (SMS) or SMS_WHATSAPP */
	char		 *reply_to;	/* WhatsApp: the sender's address */
	char		 *reply_from;	/* WhatsApp: our address they wrote to */
	char		 *body;
	char		 *norm;
	char		 *opt_out_type;	/* provider's Advanced Opt-Out, or NULL */
	struct sms_in	  in;		/* body, norm, opt_out_type borrowed */

	/* results, filled on the store thread */
	char		 *doc;
	const char	 *keyword;	/* for metrics: a static name */
	int		  redelivery;
	int		  kick;
};

struct sms_topic_find {
	const struct config	*cfg;
	const char		*topic;
	long long		 at;
};

/* A keyword reply: the topic of the guide it sent, if it still has one. */
static int
sms_topic_keyword(const char *kw, long long at, void *arg)
{
	struct sms_topic_find	*tf = arg;
	const struct smscfg	*sc = tf->cfg->sms;
	size_t			 i;

	for (i = 0; sc != NULL && i < sc->nkeywords; i++) {
		if (sc->keywords[i].action != KW_GUIDE ||
		    strcmp(sc->keywords[i].id, kw) != 0)
			continue;
		if ((tf->topic = sms_guide_topic(sc->keywords[i].guide)) !=
		    NULL)
			tf->at = at;
		break;
	}
	return (tf->topic != NULL);
}

/* A guide texted from the phone menu, if no older than the keyword's. */
static int
sms_topic_guide(const char *gid, long long at, void *arg)
{
	struct sms_topic_find	*tf = arg;
	const char		*t;

	if (at < tf->at)
		return (1);
	if ((t = sms_guide_topic(config_guide(tf->cfg, gid))) == NULL)
		return (0);
	tf->topic = t;
	return (1);
}

/*
 * What a texted callback is about: the topic of the guide last sent to
 * this number in the past day, by a keyword reply (messages) or from the
 * phone menu (the outbox's guide rows).  A keyword or guide since renamed
 * in the configuration is skipped.  With none, "general" -- unless the
 * number already waits with a topic from a call, which a repeat request
 * keeps (*topic NULL).  0 or -1.
 */
static int
sms_topic(struct db *db, const struct config *cfg, const char *phone,
    time_t now, const char **topic)
{
	struct sms_topic_find	 tf;
	int			 rc;

	tf.cfg = cfg;
	tf.topic = NULL;
	tf.at = -1;
	if (message_recent_keywords(db, phone, now - SMS_TOPIC_SECS,
	    sms_topic_keyword, &tf) != 0)
		return (-1);
	if (outbox_recent_guides(db, phone, now - SMS_TOPIC_SECS,
	    sms_topic_guide, &tf) != 0)
		return (-1);
	if ((*topic = tf.topic) != NULL)
		return (0);
	if ((rc = callback_waiting_topic(db, phone)) == -1)
		return (-1);
	if (rc == 0)
		*topic = "general";
	return (0);
}

/*
 * Join the callback queue as the plan says, about the topic of the guide
 * last sent; the reply, when the plan has one, says place and wait.
 */
static int
sms_callback(struct db *db, struct sms_job *j, struct sms_plan *p)
{
	struct callback_req	q;
	struct callback_res	res;

	memset(&q, 0, sizeof q);
	q.phone = j->from;
	q.language = j->cfg->langs[p->lang];
	q.priority = p->priority;
	q.source = "sms";
	q.text = j->body;
	q.call_sid = j->sid;
	q.now = j->in.now;
	if (sms_topic(db, j->cfg, j->from, q.now, &q.topic) != 0)
		return (-1);
	if (callback_request(db, j->cfg, &q, &res) != 0 ||
	    notify_request(db, j->cfg, &res, q.now) < 0)
		return (-1);
	j->kick = 1;
	if (p->callback_reply || p->emergency_reply)
		sms_callback_texts(j->cfg, p, &res, j->in.now);
	return (0);
}

/*
 * The facts the answer depends on, in one statement (message.h): the
 * language this number used last (else the first configured), opt-out
 * state, whether it had its share of replies, and whether it was given
 * the emergency advice lately.  Only a number advised lately has the
 * advice held back by the throttle: someone over the limit still hears
 * it, while an auto-responder echoing it (the advice is full of red-flag
 * words) gets one more, not a loop.  0 or -1.
 */
static int
sms_facts(struct db *db, const struct config *cfg, const char *phone,
    time_t now, struct sms_facts *f)
{
	struct message_facts	mf;
	int			l;

	if (message_facts(db, phone, now - 60, now - 86400, "red_flag",
	    now - SMS_ADVICE_SECS, &mf) != 0)
		return (-1);
	f->number_lang = 0;
	if (mf.lang != NULL && (l = config_lang(cfg, mf.lang)) >= 0)
		f->number_lang = l;
	free(mf.lang);
	f->opted = mf.opted;
	f->throttled = mf.minute >= cfg->sms->per_minute ||
	    mf.day >= cfg->sms->per_day;
	f->advised = mf.advised > 0;
	return (0);
}

/*
 * A text no keyword answered goes to the staff inbox (never lost, read by
 * a person).  At most once a day, and not when the texter is opted out or
 * the reply is throttled, the fallback becomes the one that also says a
 * person will read it and when, so the answer stays one text.
 */
static int
sms_inbox(struct db *db, struct sms_job *j, const struct sms_facts *f,
    struct sms_plan *p)
{
	struct inbox_text	 t;
	struct inbox_added	 a;
	char			*told = NULL;

	if (*j->norm == '\0')
		return (0);
	memset(&t, 0, sizeof t);
	t.phone = j->from;
	t.channel = j->channel;
	t.sid = j->sid;
	t.body = j->body;
	t.language = j->cfg->langs[p->lang];
	t.tell = !f->opted && !p->throttled && p->texts != NULL &&
	    p->texts[0] != NULL;
	t.now = j->in.now;
	if (inbox_add(db, &t, &a) != 0)
		return (-1);
	if (a.tell && (told = inbox_notice(j->cfg, a.location, p->lang,
	    j->in.now)) != NULL) {
		free(p->texts[0]);
		p->texts[0] = told;
	}
	free(a.location);
	return (0);
}

/* A guide texted: "how helpful was this?" a while later.  0 or -1. */
static int
sms_feedback_ask(struct db *db, struct sms_job *j, const struct keyword *k,
    const struct sms_plan *p)
{
	char		*key;
	int		 rc;

	xasprintf(&key, "feedback:sms:%s", j->sid);
	rc = feedback_ask(db, j->cfg, j->from, "guide", k->guide->id, NULL,
	    key, p->lang, 1, j->in.now + j->cfg->programme->ask_delay,
	    j->in.now);
	free(key);
	return (rc < 0 ? -1 : 0);
}

/*
 * Read the facts, decide (sms.h) and carry out the plan's changes to the
 * opt-out list and the queue.  0 with plan filled, or -1 to roll back.
 */
static int
sms_plan(struct db *db, struct sms_job *j, struct sms_plan *p)
{
	const struct config	*cfg = j->cfg;
	struct sms_class	 c;
	struct sms_facts	 f;
	int			 rc;

	memset(p, 0, sizeof *p);
	memset(&f, 0, sizeof f);
	if (sms_facts(db, cfg, j->from, j->in.now, &f) != 0)
		return (-1);
	sms_classify(cfg, &j->in, f.number_lang, &c);
	/* The advice and the throttle only count on their routes. */
	if (c.route != SMS_RED_FLAG)
		f.advised = 0;
	if (c.route == SMS_OPTOUT)
		f.throttled = 0;
	/* A paged on-call contact answering takes the red flag (escalate.h). */
	if (c.route == SMS_RED_FLAG || c.route == SMS_CONTENT) {
		char	*ack;

		if ((rc = escalate_reply(db, cfg, j->from, j->in.now,
		    &ack)) < 0)
			return (-1);
		if (rc > 0) {
			callback_mark_changed();
			p->keyword = "escalation_ack";
			p->lang = c.lang;
			p->texts = reply_one(ack);
			return (0);
		}
	}
	/* An appointment's conversation or a reminder's answer (appointment.h). */
	if ((rc = appointment_sms(db, cfg, j->from, &j->in, &c, &f, p,
	    &j->kick)) != 0)
		return (rc < 0 ? -1 : 0);
	/* The daily programme's words and feedback digits (programme.h). */
	if (c.route == SMS_CONTENT && !f.opted) {
		struct programme_reply	pr;

		if ((rc = programme_text(db, cfg, j->from, j->in.norm,
		    f.number_lang, f.throttled, j->in.now, &pr)) < 0)
			return (-1);
		if (rc == 1) {
			p->keyword = pr.keyword;
			p->lang = pr.lang;
			p->throttled = f.throttled;
			if (pr.reply != NULL)
				p->texts = reply_one(pr.reply);
			return (0);
		}
	}
	sms_decide(cfg, &j->in, &c, &f, p);
	/* After a guide, ask how helpful it was (at most weekly). */
	if (c.route == SMS_CONTENT && !f.opted && c.k != NULL &&
	    c.k->action == KW_GUIDE && sms_feedback_ask(db, j, c.k, p) != 0)
		return (-1);

	if (p->optout != SMS_OPT_KEEP) {
		if ((rc = optout_set(db, j->from, p->optout == SMS_OPT_OUT,
		    p->optout_source, p->optout_word, j->in.now)) < 0)
			return (-1);
		if (p->optout == SMS_OPT_OUT)
			metrics_add("hotline_sms_optouts_total", "", rc);
	}
	if (p->callback && sms_callback(db, j, p) != 0)
		return (-1);
	if (p->inbox && sms_inbox(db, j, &f, p) != 0)
		return (-1);
	if (c.route == SMS_RED_FLAG)
		metrics_add("hotline_red_flags_total", "channel=\"sms\"", 1);
	if (p->throttled)
		metrics_add("hotline_sms_throttled_total", "", 1);
	return (0);
}

static int
sms_incoming_tx(struct db *db, void *arg)
{
	struct sms_job	*j = arg;
	struct sms_plan	 rep;
	struct message_answer ma;
	struct twiml	*t;
	const char	*doc;
	char		*key, *ctype = NULL, hash[17], *folded;
	time_t		 now = util_now();
	size_t		 i, len;
	int		 status, rc;

	xasprintf(&key, "sms:%s", j->sid);
	if ((rc = webhook_lookup(db, key, &status, &ctype, &j->doc)) != 0) {
		free(ctype);
		free(key);
		j->redelivery = rc == 1;
		return (rc == 1 ? 0 : -1);
	}
	rc = message_receive(db, j->sid, j->from, j->channel, j->body, now);
	if (rc != 1) {
		/* Another store thread took this MessageSid first. */
		rc = rc == 0 ? webhook_lookup(db, key, &status, &ctype,
		    &j->doc) : -1;
		free(ctype);
		free(key);
		if (rc == 0)
			j->doc = xstrdup("<?xml version=\"1.0\" encoding="
			    "\"UTF-8\"?>\n<Response/>");
		j->redelivery = 1;
		return (rc == -1 ? -1 : 0);
	}

	j->in.now = now;
	if (sms_plan(db, j, &rep) != 0) {
		sms_plan_free(&rep);
		free(key);
		return (-1);
	}
	j->keyword = rep.keyword;

	t = twiml_new();
	for (i = 0; rep.texts != NULL && rep.texts[i] != NULL; i++) {
		/* Curly quotes and dashes cost a text UCS-2: send GSM-7. */
		if (j->channel == NULL) {
			folded = segment_fold(rep.texts[i]);
			free(rep.texts[i]);
			rep.texts[i] = folded;
		}
		/* A WhatsApp text is answered on WhatsApp, said outright. */
		twiml_open(t, "Message", "to", j->reply_to, "from",
		    j->reply_from, NULL);
		twiml_leaf(t, "Body", rep.texts[i], NULL);
		twiml_close(t);
	}
	if ((doc = twiml_finish(t, &len)) == NULL) {
		log_error("sms: reply did not make a valid TwiML document");
		twiml_free(t);
		goto fail;
	}
	j->doc = xstrdup(doc);
	twiml_free(t);
	memset(&ma, 0, sizeof ma);
	ma.sid = j->sid;
	ma.phone = j->from;
	ma.channel = j->channel;
	ma.body = j->body;
	ma.language = j->cfg->langs[rep.lang];
	ma.keyword = rep.keyword;
	ma.status = rep.throttled ? "throttled" : "received";
	ma.texts = rep.texts;
	ma.n = i;
	ma.now = now;
	if (message_answer(db, &ma) != 0)
		goto fail;
	util_hash(j->cfg->secret, j->from, hash);
	if (track_event(db, "sms.in", hash, NULL, rep.keyword, NULL,
	    j->cfg->langs[rep.lang], 0, now) != 0)
		goto fail;
	if (webhook_save(db, key, 200, SMS_TWIML_TYPE, j->doc, now) != 0)
		goto fail;
	sms_plan_free(&rep);
	free(key);
	return (0);
fail:
	sms_plan_free(&rep);
	free(key);
	free(j->doc);
	j->doc = NULL;
	return (-1);
}

static void
sms_job_free(struct sms_job *j)
{
	config_unref(j->cfg);
	free(j->sid);
	free(j->from);
	free(j->reply_to);
	free(j->reply_from);
	free(j->body);
	free(j->norm);
	free(j->opt_out_type);
	free(j->doc);
	free(j);
}

static void
sms_incoming_done(int ok, void *arg)
{
	struct sms_job	*j = arg;
	char		 ph[LOG_PHONE_LEN], labels[96];

	if (!ok || j->doc == NULL) {
		log_error("sms: from %s: store failed; asking the provider to "
		    "retry", log_phone(j->from, ph));
		http_error(j->r, 503, "store unavailable; retry");
		sms_job_free(j);
		return;
	}
	http_reply(j->r, 200, SMS_TWIML_TYPE, j->doc, strlen(j->doc));
	if (j->redelivery) {
		metrics_add("hotline_webhook_redeliveries_total",
		    "route=\"sms\"", 1);
		log_info("sms: from %s: redelivered webhook answered again",
		    log_phone(j->from, ph));
	} else {
		snprintf(labels, sizeof labels, "keyword=\"%s\"",
		    j->keyword != NULL ? j->keyword : "none");
		metrics_add("hotline_sms_received_total", labels, 1);
		/* the number is masked by log_phone */
		log_info("sms: keyword=%s%s%s sender=%s",
		    j->keyword != NULL ? j->keyword : "none",
		    j->channel != NULL ? " channel=" : "",
		    j->channel != NULL ? j->channel : "",
		    log_phone(j->from, ph));
	}
	if (j->kick)
		outbox_kick(j->hl->outbox);
	sms_job_free(j);
}

static void
sms_incoming(struct hreq *r)
{
	struct sms_job	*j;
	const char	*sid, *from, *body, *pt, *channel, *to, *to_channel;
	char		*e164, *ours;

	sid = form_get(&r->form, "MessageSid");
	if (sid == NULL)
		sid = form_get(&r->form, "SmsMessageSid");
	from = form_get(&r->form, "From");
	body = form_get(&r->form, "Body");
	if (sid == NULL || *sid == '\0' || strlen(sid) > SMS_SID_MAX) {
		http_error(r, 400, "missing or bad MessageSid");
		return;
	}
	if ((e164 = sms_address(from, &channel)) == NULL) {
		http_error(r, 400, "missing or bad From (a phone number, or "
		    "whatsapp: and a phone number)");
		return;
	}
	if (r->cfg->sms == NULL) {
		free(e164);
		http_error(r, 503, "sms is not configured");
		return;
	}
	j = xcalloc(1, sizeof *j);
	j->r = r;
	j->hl = r->hl;
	j->cfg = config_ref(r->cfg);
	j->sid = xstrdup(sid);
	j->from = e164;
	if ((j->channel = channel) != NULL) {
		/*
		 * Our WhatsApp sender is the number they wrote to; without a
		 * usable To, the provider's default (that same number) holds.
		 */
		xasprintf(&j->reply_to, "%s:%s", SMS_WHATSAPP, e164);
		to = form_get(&r->form, "To");
		if ((ours = sms_address(to, &to_channel)) != NULL &&
		    to_channel != NULL)
			xasprintf(&j->reply_from, "%s:%s", SMS_WHATSAPP, ours);
		free(ours);
	}
	j->body = xstrdup(body != NULL ? body : "");
	j->norm = keyword_normalise(j->body);
	if ((pt = form_get(&r->form, "OptOutType")) != NULL && *pt != '\0')
		j->opt_out_type = xstrdup(pt);
	j->in.body = j->body;
	j->in.norm = j->norm;
	j->in.opt_out_type = j->opt_out_type;
	if (store_submit(r->hl->store, sms_incoming_tx, sms_incoming_done,
	    j) != 0) {
		http_error(r, 503, "shutting down");
		sms_job_free(j);
	}
}

/* --- delivery status ------------------------------------------------------ */

/*
 * Every message status the provider documents, ranked by how far along a
 * message is.  A callback never moves a message back: callbacks cross, so
 * a late "sent" must not undo "delivered", nor "delivered" undo "read".
 * Final statuses (SMS_STATUS_FINAL and up) settle the outbox row too.
 * "receiving" and "received" (rank 0) are about messages sent to us:
 * there is nothing of ours to update.
 *
 * A status missing here is accepted (200) and logged, its error code still
 * honoured: the provider adds statuses now and then, and refusing one
 * only makes it log an error and call again with the same news.
 */
static const struct {
	const char	*name;
	int		 rank;
} sms_statuses[] = {
	{ "accepted", 1 }, { "scheduled", 1 }, { "queued", 1 },
	{ "sending", 2 }, { "sent", 3 },
	{ "delivered", 4 }, { "undelivered", 4 }, { "failed", 4 },
	{ "partially_delivered", 4 }, { "canceled", 4 },
	{ "read", 5 },
	{ "receiving", 0 }, { "received", 0 },
};
#define SMS_NSTATUSES	(sizeof sms_statuses / sizeof sms_statuses[0])
#define SMS_STATUS_FINAL 4

/* The rank of a row's status column, in SQL, from the table: sms_init. */
static char	sms_rank_sql[1024];

struct sms_status_job {
	struct hreq	*r;
	struct config	*cfg;
	char		*sid;
	char		*status;	/* as the provider wrote it */
	int		 rank;		/* -1: a status we do not know */
	char		*to;		/* E.164, or NULL */
	long long	 error;		/* 0 when none */
	int		 optout;	/* result: 1 opted out, -1 not ours */
	char		*opted;		/* result: who, when optout is 1 */
};

static void
sms_status_rank_sql(void)
{
	size_t	i, n;

	n = (size_t)snprintf(sms_rank_sql, sizeof sms_rank_sql, "(CASE status");
	for (i = 0; i < SMS_NSTATUSES; i++) {
		n += snprintf(sms_rank_sql + n, sizeof sms_rank_sql - n,
		    " WHEN '%s' THEN %d", sms_statuses[i].name,
		    sms_statuses[i].rank);
	}
	snprintf(sms_rank_sql + n, sizeof sms_rank_sql - n, " ELSE 0 END)");
}

/*
 * Error 21610 (the recipient had opted out with the carrier): opt out the
 * recipient of our outbound message with this SID, from the outbox or the
 * texts we sent; never the sender of an inbound text that happens to
 * carry the SID.  A SID we do not know yet (the callback overtook the
 * send's own answer) falls back to the callback's To, unless that is our
 * own number.
 */
static int
sms_status_optout(struct db *db, struct sms_status_job *j, time_t now)
{
	char	*phone = NULL;
	int	 rc;

	if ((rc = outbox_recipient(db, j->sid, &phone)) == 0)
		rc = message_recipient(db, j->sid, &phone);
	if (rc == -1)
		return (-1);
	if (phone == NULL) {
		if ((rc = message_is_inbound(db, j->sid)) == -1)
			return (-1);
		if (rc == 1 || j->to == NULL || (j->cfg->sms_from != NULL &&
		    strcmp(j->to, j->cfg->sms_from) == 0)) {
			j->optout = -1;
			return (0);
		}
		phone = xstrdup(j->to);
	}
	if (optout_set(db, phone, 1, "status:21610", NULL, now) < 0) {
		free(phone);
		return (-1);
	}
	j->optout = 1;
	free(j->opted);
	j->opted = phone;
	return (0);
}

static int
sms_status_tx(struct db *db, void *arg)
{
	struct sms_status_job	*j = arg;
	time_t			 now = util_now();

	j->optout = 0;
	if (j->rank > 0 && message_set_status(db, j->sid, j->status, j->error,
	    sms_rank_sql, j->rank, now) != 0)
		return (-1);
	if (j->rank >= SMS_STATUS_FINAL && outbox_set_status(db, j->sid,
	    j->status, j->error, sms_rank_sql, j->rank, now) != 0)
		return (-1);
	if (j->error == 21610)
		return (sms_status_optout(db, j, now));
	return (0);
}

static void
sms_status_free(struct sms_status_job *j)
{
	config_unref(j->cfg);
	free(j->sid);
	free(j->status);
	free(j->to);
	free(j->opted);
	free(j);
}

static void
sms_status_done(int ok, void *arg)
{
	struct sms_status_job	*j = arg;
	char			 labels[64], ph[LOG_PHONE_LEN];

	if (!ok) {
		http_error(j->r, 503, "store unavailable; retry");
		sms_status_free(j);
		return;
	}
	http_reply(j->r, 200, "text/plain; charset=utf-8", "", 0);
	/* Only names from the table: the provider's text is not a label. */
	snprintf(labels, sizeof labels, "status=\"%s\"", j->rank >= 0 ?
	    j->status : "unknown");
	metrics_add("hotline_sms_status_total", labels, 1);
	if (j->optout == 1)
		log_info("sms: status error 21610: the recipient opted out "
		    "with the carrier, so here too recipient=%s",
		    log_phone(j->opted, ph));
	else if (j->optout == -1)
		log_warn("sms: status error 21610 for a message we did not "
		    "send; nobody opted out");
	sms_status_free(j);
}

/* The status as a log word: letters, digits and _ only, bounded. */
static void
sms_status_word(const char *s, char *out, size_t len)
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		out[i] = isalnum((unsigned char)s[i]) || s[i] == '_' ?
		    s[i] : '?';
	out[i] = '\0';
}

static void
sms_status(struct hreq *r)
{
	struct sms_status_job	*j;
	const char		*sid, *st, *err, *channel;
	char			 word[33];
	size_t			 i;

	sid = form_get(&r->form, "MessageSid");
	st = form_get(&r->form, "MessageStatus");
	if (st == NULL)
		st = form_get(&r->form, "SmsStatus");
	if (sid == NULL || *sid == '\0' || strlen(sid) > SMS_SID_MAX) {
		http_error(r, 400, "missing or bad MessageSid");
		return;
	}
	if (st == NULL || *st == '\0') {
		http_error(r, 400, "missing MessageStatus");
		return;
	}
	j = xcalloc(1, sizeof *j);
	j->r = r;
	j->cfg = config_ref(r->cfg);
	j->sid = xstrdup(sid);
	j->status = xstrdup(st);
	j->rank = -1;
	for (i = 0; i < SMS_NSTATUSES; i++) {
		if (strcmp(sms_statuses[i].name, st) == 0)
			j->rank = sms_statuses[i].rank;
	}
	if (j->rank < 0) {
		sms_status_word(st, word, sizeof word);
		log_warn("sms: status callback with a status we do not know "
		    "(\"%s\"): accepted, message status unchanged", word);
	}
	/* "+1817…" or "whatsapp:+1817…": the same person. */
	j->to = sms_address(form_get(&r->form, "To"), &channel);
	if ((err = form_get(&r->form, "ErrorCode")) != NULL && *err != '\0')
		j->error = strtoll(err, NULL, 10);
	if (store_submit(r->hl->store, sms_status_tx, sms_status_done, j) != 0) {
		http_error(r, 503, "shutting down");
		sms_status_free(j);
	}
}

void
sms_init(struct hotline *hl)
{
	metrics_help("hotline_sms_received_total", "counter",
	    "Incoming texts answered, by keyword.");
	metrics_help("hotline_sms_throttled_total", "counter",
	    "Incoming texts not answered because the number hit its limit.");
	metrics_help("hotline_sms_optouts_total", "counter",
	    "Numbers that opted out by text.");
	metrics_help("hotline_sms_status_total", "counter",
	    "Delivery status callbacks, by status (\"unknown\" for one not "
	    "documented when this was built).");
	sms_status_rank_sql();
	http_route(hl->http, EVHTTP_REQ_POST, "/sms/incoming", ROUTE_PROVIDER,
	    "sms", sms_incoming);
	http_route(hl->http, EVHTTP_REQ_POST, "/sms/status", ROUTE_PROVIDER,
	    "sms_status", sms_status);
}
