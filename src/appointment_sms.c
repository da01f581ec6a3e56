/*
 * appointment_sms.c -- appointments in a text's transaction (sms.c asks
 * here before its own decision), and what a request or a staff action
 * queues in the outbox: texts, the reminder, the FHIR hand-off.
 *
 * Order, after the compliance words have been read: an opt-out ends any
 * conversation and goes on as every opt-out does (STOP wins); a number
 * that opted out gets nothing here; C / SI / R answer a reminder only
 * when the number has one pending; then a text in a conversation, or
 * the keyword that starts one.  Red flags never come here: they go on
 * to staff as always, and the conversation waits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "appointment.h"
#include "callback.h"
#include "config.h"
#include "form.h"
#include "keyword.h"
#include "live.h"
#include "outbox.h"
#include "reply.h"
#include "sms.h"
#include "store.h"
#include "xmalloc.h"

/* A reply to a reminder: 1 confirms, 2 asks for another time, else 0. */
static int
appointment_answer_word(const char *norm)
{
	static const char *yes[] = { "c", "confirm", "confirmed", "confirmo",
	    "confirmado", "confirmada", "confirmar", "si", "yes", "ok", NULL };
	static const char *again[] = { "r", "reschedule", "change",
	    "reprogramar", "cambiar", "cambio", "otra", NULL };
	char	 first[32];
	size_t	 i, n;

	for (i = 0; yes[i] != NULL; i++) {
		if (strcmp(norm, yes[i]) == 0)
			return (1);
	}
	n = strcspn(norm, " ");
	if (n == 0 || n >= sizeof first)
		return (0);
	memcpy(first, norm, n);
	first[n] = '\0';
	for (i = 0; again[i] != NULL; i++) {
		if (strcmp(first, again[i]) == 0)
			return (2);
	}
	return (0);
}

static int
appointment_lang(const struct config *cfg, const char *code, int dflt)
{
	int	l;

	if (code != NULL && (l = config_lang(cfg, code)) >= 0)
		return (l);
	return (dflt);
}

/* C / SI / R to a reminder. 1 answered, 0 not one, -1. */
static int
appointment_sms_answer(struct db *db, const struct config *cfg,
    const char *phone, const struct sms_in *in, int lang,
    struct sms_plan *p)
{
	struct appt_row	 row;
	int		 word, rc;

	if ((word = appointment_answer_word(in->norm)) == 0)
		return (0);
	memset(&row, 0, sizeof row);
	if ((rc = appointment_reminded(db, phone, in->now, &row)) != 1)
		return (rc);
	lang = appointment_lang(cfg, row.language, lang);
	if (appointment_set_answer(db, row.id, word == 1 ?
	    "patient_confirmed" : "reschedule", in->body, in->now) < 0) {
		appointment_row_free(&row);
		return (-1);
	}
	live_mark();
	callback_mark_changed();
	p->keyword = word == 1 ? "appointment_confirm" :
	    "appointment_reschedule";
	p->lang = lang;
	p->texts = reply_one(appt_text_answer(cfg, config_location(cfg,
	    row.location), lang, word == 2, row.start, in->now));
	appointment_row_free(&row);
	return (1);
}

int
appointment_sms(struct db *db, const struct config *cfg, const char *phone,
    const struct sms_in *in, const struct sms_class *c,
    const struct sms_facts *f, struct sms_plan *p, int *kick)
{
	struct appt_convo	 cur;
	struct appt_plan	 plan;
	struct appt_request	 q;
	struct appt_row		 row;
	int			 rc, starts, lang = c->lang;

	if (c->route == SMS_OPTOUT)
		return (appointment_convo_end(db, phone) == 0 ? 0 : -1);
	if (f->opted)
		return (0);
	/* SI is also an opt-in word: to a number not opted out, an answer. */
	if ((c->route == SMS_CONTENT || (c->route == SMS_OPTIN &&
	    in->opt_out_type == NULL)) &&
	    (rc = appointment_sms_answer(db, cfg, phone, in, lang, p)) != 0)
		return (rc);
	if (c->route != SMS_CONTENT)
		return (0);
	starts = c->k != NULL && c->k->action == KW_APPOINTMENT;
	memset(&cur, 0, sizeof cur);
	if ((rc = appointment_convo_get(db, cfg, phone, in->now, &cur)) < 0)
		return (-1);
	if (rc == 0 && !starts) {
		appt_convo_clear(&cur);
		return (0);
	}
	appt_decide(cfg, starts ? NULL : &cur, in->body, lang, in->now, &plan);
	lang = plan.next.lang;
	appt_convo_clear(&cur);
	if (plan.request) {
		memset(&q, 0, sizeof q);
		q.phone = phone;
		q.channel = "sms";
		q.location = plan.next.location;
		q.new_patient = plan.next.new_patient;
		q.preferred = plan.next.preferred;
		q.reason = plan.next.reason;
		q.language = cfg->langs[lang];
		q.now = in->now;
		memset(&row, 0, sizeof row);
		if (appointment_add(db, &q, &row.id) != 0 ||
		    appointment_convo_end(db, phone) != 0)
			goto fail;
		row.phone = (char *)phone;
		row.location = plan.next.location;
		row.language = (char *)q.language;
		row.new_patient = q.new_patient;
		row.preferred = plan.next.preferred;
		row.reason = plan.next.reason;
		row.created = in->now;
		if ((rc = appointment_queue_fhir(db, cfg, &row, "proposed",
		    in->now)) < 0)
			goto fail;
		*kick = *kick || rc > 0;
		live_mark();
		callback_mark_changed();
	} else if (appointment_convo_put(db, cfg, phone, &plan.next,
	    in->now) != 0)
		goto fail;
	p->keyword = "appointment";
	p->lang = lang;
	p->texts = reply_one(plan.text);
	plan.text = NULL;
	appt_plan_free(&plan);
	return (1);
fail:
	appt_plan_free(&plan);
	return (-1);
}

/* --- the outbox ----------------------------------------------------------- */

int
appointment_queue_fhir(struct db *db, const struct config *cfg,
    const struct appt_row *row, const char *status, time_t now)
{
	json_t		*res, *payload;
	char		*ident, *esc, *url, *cond = NULL, *key;
	long long	 rc;
	int		 booked = strcmp(status, "proposed") != 0;

	if (cfg->fhir_base_url == NULL)
		return (0);
	res = appt_fhir_resource(cfg, row, status, now);
	xasprintf(&ident, "%s|%lld", appt_fhir_system(cfg), row->id);
	esc = form_escape(ident);
	if (booked) {
		/* A conditional update: the one the POST made, by identifier. */
		xasprintf(&url, "%s/Appointment?identifier=%s",
		    cfg->fhir_base_url, esc);
		xasprintf(&key, "fhir:appointment:%lld:%s:%lld", row->id,
		    status, (long long)row->start);
	} else {
		xasprintf(&url, "%s/Appointment", cfg->fhir_base_url);
		xasprintf(&cond, "identifier=%s", esc);
		xasprintf(&key, "fhir:appointment:%lld:proposed", row->id);
	}
	payload = json_pack("{s:s, s:s, s:o, s:I}", "method", booked ? "PUT" :
	    "POST", "url", url, "resource", res, "appointment",
	    (json_int_t)row->id);
	if (cond != NULL)
		json_object_set_new(payload, "if_none_exist", json_string(cond));
	rc = outbox_enqueue(db, "fhir", key, "scheduling system", payload, now);
	free(ident);
	free(esc);
	free(url);
	free(cond);
	free(key);
	return (rc < 0 ? -1 : rc > 0);
}

char *
appointment_reminder_key(long long id, time_t start)
{
	char	*key;

	xasprintf(&key, "appointment:%lld:reminder:%lld", id,
	    (long long)start);
	return (key);
}

int
appointment_queue_text(struct db *db, const char *key, const char *phone,
    const char *language, char *body, time_t at, time_t now)
{
	json_t		*payload;
	long long	 rc;

	payload = json_pack("{s:s, s:s, s:s}", "to", phone, "body", body,
	    "language", language != NULL ? language : "en");
	free(body);
	rc = outbox_enqueue_at(db, "sms", key, phone, payload, now, at);
	if (rc == OUTBOX_SUPPRESSED)
		return (0);
	return (rc < 0 ? -1 : 1);
}
