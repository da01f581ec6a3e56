/*
 * voice_staff.c -- click-to-call: POST /api/v1/callbacks/ID/call rings the
 * staff member's phone (an outbox call); when they answer, the provider
 * asks /voice/staff-call for the TwiML that says who is called and dials
 * them, and reports the caller's leg to /voice/staff-call/status, which
 * records the attempt.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include "auth.h"
#include "callback.h"
#include "config.h"
#include "hotline.h"
#include "http.h"
#include "lease.h"
#include "live.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "optout.h"
#include "outbox.h"
#include "pwcheck.h"
#include "staff_private.h"
#include "store.h"
#include "twiml.h"
#include "util.h"
#include "xmalloc.h"

/* Click-to-call: the staff member's phone rings, then the caller's. */
int
staff_call(struct db *db, struct staff_job *j)
{
	char		*key, *url;
	long long	 q;
	int		 rc;

	if (j->who.phone == NULL) {
		staff_fail(j, 400, "your staff account has no phone number "
		    "(hotline staff add NAME --phone ...)");
		return (0);
	}
	if (j->cfg->voice_caller_id == NULL) {
		staff_fail(j, 503, "no voice_caller_id configured");
		return (0);
	}
	if ((rc = callback_claim(db, j->id, j->who.name, j->now)) != CB_OK) {
		j->why = staff_cb_error(j, rc);
		return (rc == CB_ERROR ? -1 : 0);
	}
	xasprintf(&url, "%s/voice/staff-call?cb=%lld", j->cfg->public_url,
	    j->id);
	xasprintf(&key, "staffcall:%lld:%s:%lld", j->id, j->who.name,
	    (long long)j->now);
	q = outbox_enqueue(db, "call", key, j->who.phone, json_pack(
	    "{s:s, s:s, s:s}", "to", j->who.phone, "from",
	    j->cfg->voice_caller_id, "url", url), j->now);
	free(key);
	free(url);
	if (q == -1)
		return (-1);
	j->queued = 1;
	j->code = 202;
	return (0);
}

static const char *
staff_language_name(const char *code)
{
	if (code == NULL)
		return ("an unknown language");
	if (strcmp(code, "en") == 0)
		return ("English");
	if (strcmp(code, "es") == 0)
		return ("Spanish");
	return (code);
}

/* TwiML for the staff member who answered a click-to-call. */
int
staff_call_answer(struct db *db, struct staff_job *j)
{
	struct callback_brief	 b;
	struct twiml		*t;
	const char		*doc;
	char			*say = NULL, *phone = NULL, *action, tmo[16];
	size_t			 len;
	int			 rc;

	if ((rc = callback_brief(db, j->id, &b)) == -1)
		return (-1);
	if (rc == 1 && b.claimed) {
		phone = xstrdup(b.phone);
		xasprintf(&say, "Hotline callback number %lld. The caller "
		    "speaks %s%s%s.%s Connecting you now.", j->id,
		    staff_language_name(b.language),
		    b.topic == NULL ? "" : ", about ",
		    b.topic == NULL ? "" : b.topic,
		    b.priority > 0 ? " This caller mentioned a red flag "
		    "symptom." : "");
	}
	callback_brief_clear(&b);
	t = twiml_new();
	if (phone == NULL) {
		twiml_leaf(t, "Say", "This callback is no longer open. "
		    "Goodbye.", "voice", j->cfg->say_voice[0], "language",
		    j->cfg->say_language[0], NULL);
		twiml_leaf(t, "Hangup", NULL, NULL);
	} else {
		twiml_leaf(t, "Say", say, "voice", j->cfg->say_voice[0],
		    "language", j->cfg->say_language[0], NULL);
		xasprintf(&action, "%s/voice/staff-call-result?cb=%lld",
		    j->cfg->public_url, j->id);
		snprintf(tmo, sizeof tmo, "%d", j->cfg->dial_timeout);
		twiml_open(t, "Dial", "callerId", j->cfg->voice_caller_id,
		    "action", action, "timeout", tmo, NULL);
		twiml_leaf(t, "Number", phone, NULL);
		twiml_close(t);
		free(action);
	}
	if ((doc = twiml_finish(t, &len)) != NULL) {
		j->twiml = xstrndup(doc, len);
		j->twiml_len = len;
	}
	twiml_free(t);
	free(say);
	free(phone);
	return (j->twiml != NULL ? 0 : -1);
}

/* The provider's result of the caller's leg: an attempt reached or failed. */
int
staff_call_result(struct db *db, struct staff_job *j)
{
	struct twiml	*t;
	const char	*doc, *outcome, *words;
	size_t		 len;
	int		 rc;

	if (j->dial_status == NULL)
		outcome = "failed";
	else if (strcmp(j->dial_status, "completed") == 0 ||
	    strcmp(j->dial_status, "answered") == 0)
		outcome = "reached";
	else if (strcmp(j->dial_status, "no-answer") == 0)
		outcome = "no_answer";
	else if (strcmp(j->dial_status, "busy") == 0)
		outcome = "busy";
	else
		outcome = "failed";
	/* A redelivered result finds the entry no longer claimed: no-op. */
	rc = callback_finish(db, j->cfg, j->id, NULL, outcome, j->now,
	    &j->queued);
	if (rc == CB_ERROR)
		return (-1);
	if (rc == CB_OK)
		j->changed = 1;
	words = strcmp(outcome, "reached") == 0 ? "The call is recorded as "
	    "reached. Goodbye." : "The caller did not answer. The callback "
	    "goes back in the queue. Goodbye.";
	t = twiml_new();
	twiml_leaf(t, "Say", words, "voice", j->cfg->say_voice[0], "language",
	    j->cfg->say_language[0], NULL);
	twiml_leaf(t, "Hangup", NULL, NULL);
	if ((doc = twiml_finish(t, &len)) != NULL) {
		j->twiml = xstrndup(doc, len);
		j->twiml_len = len;
	}
	twiml_free(t);
	return (j->twiml != NULL ? 0 : -1);
}

void
staff_call_cb(struct hreq *r)
{
	struct staff_job	*j;

	j = staff_job_new(r, strcmp(r->route, "staff-call") == 0 ?
	    OP_CALL_ANSWER : OP_CALL_RESULT);
	if (staff_parse_id(form_get(&r->args, "cb"), &j->id) != 0) {
		http_error(r, 400, "missing cb");
		staff_job_free(j);
		return;
	}
	if (form_get(&r->form, "DialCallStatus") != NULL)
		j->dial_status = xstrdup(form_get(&r->form, "DialCallStatus"));
	staff_submit(j);
}
