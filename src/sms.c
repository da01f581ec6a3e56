/*
 * sms.c -- the SMS webhooks: POST /sms/incoming and POST /sms/status.
 *
 * An incoming text is decided in one store transaction: the webhook's
 * answer is looked up first (a redelivery gets the same reply and no
 * second side effect), then the text is recorded and checked in a fixed
 * order -- compliance words and opt-outs in the texter's own words, red
 * flags, opt-out state, throttle, content keywords, fallback -- and the
 * reply, the opt-out change, a flagged callback and the stored answer all
 * commit together.  The reply goes back inline as TwiML; anything sent
 * later goes through the outbox.
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

#include "callback.h"
#include "config.h"
#include "hotline.h"
#include "http.h"
#include "inbox.h"
#include "keyword.h"
#include "location.h"
#include "log.h"
#include "metrics.h"
#include "optout.h"
#include "outbox.h"
#include "reply.h"
#include "segment.h"
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

	/* results, filled on the store thread */
	char		 *doc;
	const char	 *keyword;	/* for metrics: a static name */
	int		  redelivery;
	int		  kick;
};

/* What one text gets back. */
struct sms_reply {
	char		**texts;	/* NULL-ended */
	int		  lang;
	const char	 *keyword;	/* id recorded with the message */
	int		  throttle;	/* 0: the opt-out confirmation, new advice */
	int		  hint;		/* a stop word about something else */
};

static const char *
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

/*
 * What a texted callback is about: the topic of the guide last sent to
 * this number in the past day, by a keyword reply (messages) or from the
 * phone menu (the outbox row, queued under "voice:CALL:guide:ID:N").  A
 * keyword or guide since renamed in the configuration is skipped.  With
 * none, "general" -- unless the number already waits with a topic from a
 * call, which a repeat request keeps (*topic NULL).  0 or -1.
 */
static int
sms_topic(struct db *db, const struct config *cfg, const char *phone,
    time_t now, const char **topic)
{
	struct db_res	*r;
	const char	*kw, *id, *t;
	char		*gid;
	long long	 at, best_at = -1;
	size_t		 i;
	int		 rc = 0;

	*topic = NULL;
	r = db_query(db, "SELECT keyword, at FROM messages WHERE phone = ? AND "
	    "direction = 'out' AND keyword IS NOT NULL AND at > ? "
	    "ORDER BY at DESC, id DESC LIMIT 50", "si", phone,
	    (long long)(now - SMS_TOPIC_SECS));
	if (r == NULL)
		return (-1);
	while (*topic == NULL && (rc = db_next(r)) == 1) {
		kw = db_text(r, 0);
		for (i = 0; cfg->sms != NULL && i < cfg->sms->nkeywords; i++) {
			if (cfg->sms->keywords[i].action != KW_GUIDE ||
			    strcmp(cfg->sms->keywords[i].id, kw) != 0)
				continue;
			t = sms_guide_topic(cfg->sms->keywords[i].guide);
			if (t != NULL) {
				*topic = t;
				best_at = db_int(r, 1);
			}
			break;
		}
	}
	db_done(r);
	if (rc == -1)
		return (-1);

	r = db_query(db, "SELECT dedupe, created_at FROM outbox WHERE "
	    "recipient = ? AND kind = 'sms' AND dedupe LIKE 'voice:%:guide:%' "
	    "AND status <> 'suppressed' AND created_at > ? "
	    "ORDER BY created_at DESC, id DESC LIMIT 50", "si", phone,
	    (long long)(now - SMS_TOPIC_SECS));
	if (r == NULL)
		return (-1);
	while ((rc = db_next(r)) == 1) {
		if ((at = db_int(r, 1)) < best_at)
			break;
		id = strstr(db_text(r, 0), ":guide:") + 7;
		gid = xstrdup(id);
		if (strrchr(gid, ':') != NULL)
			*strrchr(gid, ':') = '\0';
		t = sms_guide_topic(config_guide(cfg, gid));
		free(gid);
		if (t != NULL) {
			*topic = t;
			break;
		}
	}
	db_done(r);
	if (rc == -1)
		return (-1);
	if (*topic != NULL)
		return (0);

	r = db_query(db, "SELECT topic FROM callbacks WHERE phone = ? AND "
	    "status IN ('waiting', 'claimed') AND topic IS NOT NULL", "s",
	    phone);
	if (r == NULL)
		return (-1);
	if ((rc = db_next(r)) == 0)
		*topic = "general";
	db_done(r);
	return (rc == -1 ? -1 : 0);
}

static int
sms_callback(struct db *db, struct sms_job *j, int lang, int priority,
    time_t now, char ***texts)
{
	struct callback_req	q;
	struct callback_res	res;

	memset(&q, 0, sizeof q);
	q.phone = j->from;
	q.language = j->cfg->langs[lang];
	q.priority = priority;
	q.source = "sms";
	q.text = j->body;
	q.call_sid = j->sid;
	q.now = now;
	if (sms_topic(db, j->cfg, j->from, now, &q.topic) != 0)
		return (-1);
	if (callback_request(db, j->cfg, &q, &res) != 0)
		return (-1);
	j->kick = 1;
	if (texts == NULL)
		return (0);
	*texts = reply_one(reply_callback(j->cfg, lang, res.created,
	    res.position, res.wait_minutes));
	return (0);
}

/* The language this number used last, else the first configured. */
static int
sms_number_lang(struct db *db, const struct config *cfg, const char *phone)
{
	struct db_res	*r;
	int		 lang = 0, l;

	r = db_query(db, "SELECT language FROM messages WHERE phone = ? AND "
	    "language IS NOT NULL ORDER BY at DESC, id DESC LIMIT 1", "s",
	    phone);
	if (r == NULL)
		return (-1);
	if (db_next(r) == 1 && (l = config_lang(cfg, db_text(r, 0))) >= 0)
		lang = l;
	db_done(r);
	return (lang);
}

/* 1 when this number has had its share of replies, 0 not, -1 error. */
static int
sms_throttled(struct db *db, const struct config *cfg, const char *phone,
    time_t now)
{
	long long	minute = 0, day = 0;

	if (db_int_query(db, &minute, "SELECT COUNT(*) FROM messages WHERE "
	    "phone = ? AND direction = 'in' AND replied = 1 AND at > ?", "si",
	    phone, (long long)(now - 60)) != 0)
		return (-1);
	if (db_int_query(db, &day, "SELECT COUNT(*) FROM messages WHERE "
	    "phone = ? AND direction = 'in' AND replied = 1 AND at > ?", "si",
	    phone, (long long)(now - 86400)) != 0)
		return (-1);
	return (minute >= cfg->sms->per_minute || day >= cfg->sms->per_day);
}

/*
 * 1 when this number was given the emergency advice lately, 0 not, -1.
 * Only then does the throttle hold the advice back: someone over the
 * limit still hears it, while an auto-responder echoing it (the advice
 * is full of red-flag words) gets one more, not a loop.
 */
static int
sms_advised(struct db *db, const char *phone, time_t now)
{
	long long	n = 0;

	if (db_int_query(db, &n, "SELECT COUNT(*) FROM messages WHERE "
	    "phone = ? AND direction = 'out' AND keyword = 'red_flag' AND "
	    "at > ?", "si", phone, (long long)(now - SMS_ADVICE_SECS)) != 0)
		return (-1);
	return (n > 0);
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
sms_hint(const struct config *cfg, struct sms_reply *rep, int lang)
{
	char	*m;

	if (!rep->hint || rep->texts == NULL || rep->texts[0] == NULL)
		return;
	if ((m = reply_hint(cfg, rep->texts[0], lang)) != NULL) {
		free(rep->texts[0]);
		rep->texts[0] = m;
	}
}

/*
 * A text no keyword answered goes to the staff inbox (never lost, read by
 * a person).  At most once a day, and not when the reply would be
 * throttled, *told is the fallback that also says a person will read it
 * and when (NULL: the plain fallback), so the answer stays one text.
 */
static int
sms_inbox(struct db *db, struct sms_job *j, int lang, int tell, time_t now,
    char **told)
{
	struct inbox_text	 t;
	struct inbox_added	 a;
	int			 rc;

	*told = NULL;
	if (*j->norm == '\0')
		return (0);
	if (tell && (rc = sms_throttled(db, j->cfg, j->from, now)) != 0) {
		if (rc < 0)
			return (-1);
		tell = 0;
	}
	memset(&t, 0, sizeof t);
	t.phone = j->from;
	t.channel = j->channel;
	t.sid = j->sid;
	t.body = j->body;
	t.language = j->cfg->langs[lang];
	t.tell = tell;
	t.now = now;
	if (inbox_add(db, &t, &a) != 0)
		return (-1);
	if (a.tell)
		*told = inbox_notice(j->cfg, a.location, lang, now);
	free(a.location);
	return (0);
}

/*
 * Decide the reply.  Returns 0 with rep filled (texts may be empty), or -1
 * to roll everything back.
 */
static int
sms_decide(struct db *db, struct sms_job *j, time_t now, struct sms_reply *rep)
{
	const struct config	*cfg = j->cfg;
	const struct keyword	*k;
	enum kw_compliance	 comp;
	enum kw_intent		 intent = KW_INTENT_NONE;
	const char		*pt = j->opt_out_type, *src;
	char			*told = NULL;
	int			 es = 0, es_lang, opted, lang, flag, rc;
	int			 ilang = -1;

	memset(rep, 0, sizeof *rep);
	rep->throttle = 1;
	if ((lang = sms_number_lang(db, cfg, j->from)) < 0)
		return (-1);
	rep->lang = lang;
	es_lang = config_lang(cfg, "es");
	comp = keyword_compliance(cfg->sms, j->norm, &es);
	if (es && es_lang >= 0)
		lang = rep->lang = es_lang;
	/* Not a compliance word alone: does it say stop in other words? */
	if (comp == KW_NONE)
		intent = keyword_optout_intent(cfg->sms, j->norm, lang, &ilang);
	if (intent != KW_INTENT_NONE && ilang >= 0)
		lang = rep->lang = ilang;
	rep->hint = intent == KW_INTENT_MENTION;
	src = pt != NULL ? "provider" : "sms";

	/*
	 * 1. Compliance: always first, never overridden.  "Stop texting me"
	 * is STOP (FCC 24-24), in the same transaction, one confirmation.
	 */
	if ((pt != NULL && strcasecmp(pt, "STOP") == 0) || comp == KW_OPTOUT ||
	    (intent == KW_INTENT_OPTOUT && pt == NULL)) {
		rep->keyword = "optout";
		if ((rc = optout_set(db, j->from, 1, src, pt != NULL ? "STOP" :
		    j->norm, now)) < 0)
			return (-1);
		metrics_add("hotline_sms_optouts_total", "", rc);
		/* With Advanced Opt-Out the provider confirms it itself. */
		if (rc == 1 && pt == NULL) {
			rep->texts = reply_one(reply_msg(cfg, "opted_out", lang,
			    NULL));
			rep->throttle = 0;
		}
		return (0);
	}
	if ((pt != NULL && strcasecmp(pt, "START") == 0) || comp == KW_OPTIN) {
		rep->keyword = "optin";
		if (optout_set(db, j->from, 0, src, pt != NULL ? "START" :
		    j->norm, now) < 0)
			return (-1);
		if (pt == NULL)
			rep->texts = reply_one(reply_msg(cfg, "opted_in", lang,
			    NULL));
		return (0);
	}
	if ((opted = optout_is(db, j->from)) < 0)
		return (-1);
	if ((pt != NULL && strcasecmp(pt, "HELP") == 0) || comp == KW_HELP) {
		rep->keyword = "help";
		if (!opted && pt == NULL)
			rep->texts = reply_one(reply_help(cfg, lang));
		return (0);
	}

	/*
	 * 2. Red flags: staff hear of it whatever else holds back the
	 * reply, since a call is not a text.
	 */
	if ((flag = sms_red_flag(cfg, j->norm, lang)) >= 0) {
		lang = rep->lang = flag;
		rep->keyword = "red_flag";
		if (sms_callback(db, j, lang, 1, now, NULL) != 0)
			return (-1);
		metrics_add("hotline_red_flags_total", "channel=\"sms\"", 1);
		if (!opted) {
			if ((rc = sms_advised(db, j->from, now)) < 0)
				return (-1);
			rep->throttle = rc;
			rep->texts = reply_one(reply_msg(cfg, "emergency", lang,
			    NULL));
		}
		return (0);
	}
	k = keyword_match(cfg->sms, j->norm);
	if (opted) {
		/* Staff still read it; nothing is texted back. */
		rep->keyword = "opted_out";
		if (k == NULL && sms_inbox(db, j, lang, 0, now, &told) != 0)
			return (-1);
		free(told);
		return (0);
	}

	/* 3. Content keywords, first match wins; 4. the fallback. */
	if (k == NULL) {
		rep->keyword = "fallback";
		if (sms_inbox(db, j, lang, 1, now, &told) != 0)
			return (-1);
		rep->texts = reply_one(told != NULL ? told :
		    reply_msg(cfg, "fallback", lang, NULL));
		sms_hint(cfg, rep, lang);
		return (0);
	}
	rep->keyword = k->id;
	if (k->lang >= 0)
		lang = rep->lang = k->lang;
	switch (k->action) {
	case KW_GUIDE:
		rep->texts = reply_one(reply_guide(cfg, k->guide, lang));
		break;
	case KW_CLINICS:
		rep->texts = reply_one(reply_clinics(cfg, lang, now));
		break;
	case KW_HOURS:
		rep->texts = reply_one(reply_hours(cfg, lang, now));
		break;
	case KW_ZIP:
		rep->texts = reply_one(reply_zip(cfg, j->norm, lang, now));
		break;
	case KW_CALLBACK:
		/* The queue's entry is the side effect: never throttle it away. */
		if (sms_throttled(db, cfg, j->from, now) == 1)
			return (sms_callback(db, j, lang, 0, now, NULL));
		if (sms_callback(db, j, lang, 0, now, &rep->texts) != 0)
			return (-1);
		break;
	case KW_LANGUAGE:
		rep->texts = reply_one(reply_msg(cfg, "language_set", lang, NULL));
		break;
	}
	sms_hint(cfg, rep, lang);
	return (0);
}

static int
sms_incoming_tx(struct db *db, void *arg)
{
	struct sms_job	*j = arg;
	struct sms_reply rep;
	struct twiml	*t;
	struct db_res	*res;
	const char	*doc;
	char		*key, *ctype = NULL, hash[17], *folded;
	long long	 id;
	time_t		 now = util_now();
	size_t		 i, len;
	int		 status, rc, throttled = 0;

	xasprintf(&key, "sms:%s", j->sid);
	if ((rc = webhook_lookup(db, key, &status, &ctype, &j->doc)) != 0) {
		free(ctype);
		free(key);
		j->redelivery = rc == 1;
		return (rc == 1 ? 0 : -1);
	}
	res = db_query(db, "INSERT INTO messages (sid, direction, phone, "
	    "channel, body, status, at, updated_at) VALUES (?, 'in', ?, ?, ?, "
	    "'received', ?, ?) ON CONFLICT (sid) DO NOTHING RETURNING id",
	    "ssssii", j->sid, j->from, j->channel, j->body, (long long)now,
	    (long long)now);
	if (res == NULL) {
		free(key);
		return (-1);
	}
	rc = db_next(res);
	id = rc == 1 ? db_int(res, 0) : 0;
	db_done(res);
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

	if (sms_decide(db, j, now, &rep) != 0) {
		keyword_texts_free(rep.texts);
		free(key);
		return (-1);
	}
	if (rep.texts != NULL && rep.texts[0] != NULL && rep.throttle) {
		if ((throttled = sms_throttled(db, j->cfg, j->from, now)) < 0)
			goto fail;
		if (throttled) {
			keyword_texts_free(rep.texts);
			rep.texts = NULL;
			metrics_add("hotline_sms_throttled_total", "", 1);
		}
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
		if (db_exec(db, "INSERT INTO messages (direction, phone, "
		    "channel, language, keyword, body, status, at, updated_at) "
		    "VALUES ('out', ?, ?, ?, ?, ?, 'replied', ?, ?)", "sssssii",
		    j->from, j->channel, j->cfg->langs[rep.lang], rep.keyword,
		    rep.texts[i], (long long)now, (long long)now) != 0) {
			twiml_free(t);
			goto fail;
		}
	}
	if ((doc = twiml_finish(t, &len)) == NULL) {
		log_error("sms: reply did not make a valid TwiML document");
		twiml_free(t);
		goto fail;
	}
	j->doc = xstrdup(doc);
	twiml_free(t);
	if (db_exec(db, "UPDATE messages SET language = ?, keyword = ?, "
	    "replied = ?, status = ? WHERE id = ?", "ssisi",
	    j->cfg->langs[rep.lang], rep.keyword, (long long)(i > 0),
	    throttled ? "throttled" : "received", id) != 0)
		goto fail;
	util_hash(j->cfg->secret, j->from, hash);
	if (track_event(db, "sms.in", hash, NULL, rep.keyword, NULL,
	    j->cfg->langs[rep.lang], 0, now) != 0)
		goto fail;
	if (webhook_save(db, key, 200, SMS_TWIML_TYPE, j->doc, now) != 0)
		goto fail;
	keyword_texts_free(rep.texts);
	free(key);
	return (0);
fail:
	keyword_texts_free(rep.texts);
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
	struct db_res	*res;
	char		*phone = NULL;
	long long	 inbound = 0;
	int		 rc;

	res = db_query(db, "SELECT recipient FROM outbox WHERE provider_sid = ? "
	    "AND kind = 'sms' UNION ALL SELECT phone FROM messages WHERE "
	    "sid = ? AND direction = 'out'", "ss", j->sid, j->sid);
	if (res == NULL)
		return (-1);
	if ((rc = db_next(res)) == 1)
		phone = xstrdup(db_text(res, 0));
	db_done(res);
	if (rc == -1)
		return (-1);
	if (phone == NULL) {
		if (db_int_query(db, &inbound, "SELECT COUNT(*) FROM messages "
		    "WHERE sid = ? AND direction = 'in'", "s", j->sid) != 0)
			return (-1);
		if (inbound > 0 || j->to == NULL || (j->cfg->sms_from != NULL &&
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

/*
 * Run one status UPDATE, head followed by "the row's rank <= the
 * callback's": its parameters are the status, the error code twice, now,
 * the SID and the callback's rank.
 */
static int
sms_status_update(struct db *db, const struct sms_status_job *j,
    const char *head, time_t now)
{
	char	*sql;
	int	 rc;

	xasprintf(&sql, "%s%s <= ?", head, sms_rank_sql);
	rc = db_exec(db, sql, "siiisi", j->status, j->error, j->error,
	    (long long)now, j->sid, (long long)j->rank);
	free(sql);
	return (rc);
}

static int
sms_status_tx(struct db *db, void *arg)
{
	struct sms_status_job	*j = arg;
	time_t			 now = util_now();

	j->optout = 0;
	if (j->rank > 0 && sms_status_update(db, j, "UPDATE messages SET "
	    "status = ?, error_code = CASE WHEN ? = 0 THEN error_code ELSE ? "
	    "END, updated_at = ? WHERE sid = ? AND direction = 'out' AND ",
	    now) != 0)
		return (-1);
	if (j->rank >= SMS_STATUS_FINAL && sms_status_update(db, j, "UPDATE "
	    "outbox SET status = ?, error_code = CASE WHEN ? = 0 THEN "
	    "error_code ELSE ? END, updated_at = ? WHERE provider_sid = ? AND "
	    "kind = 'sms' AND status NOT IN ('pending', 'sending', "
	    "'suppressed') AND ", now) != 0)
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
