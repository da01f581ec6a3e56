/*
 * staff_appt.c -- the appointments' staff API:
 *   GET  /api/v1/appointments[?status=open|requested|confirmed|...|all]
 *   POST /api/v1/appointments/{id}/confirm  {"start": ISO-8601 with an
 *        offset, "location": id} -- texts the date, time, address and what
 *        to bring, queues the reminder for the day before, and books it in
 *        the scheduling system
 *   POST /api/v1/appointments/{id}/cancel   {"reason": …} -- texts that
 *   POST /api/v1/appointments/{id}/no-show  -- one text offering a new time
 * The requests are appointment.c's; staff see their locations' and those
 * with no clinic chosen.  Words and numbers are never logged.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "appointment.h"
#include "callback.h"
#include "config.h"
#include "hotline.h"
#include "http.h"
#include "live.h"
#include "log.h"
#include "outbox.h"
#include "quiet.h"
#include "staff_api.h"
#include "xmalloc.h"

#define APPT_LIMIT_DEFAULT	100
#define APPT_LIMIT_MAX		500

static const char *appt_statuses[] = { "open", "all", "requested",
	"confirmed", "patient_confirmed", "reschedule", "cancelled", "no_show",
	NULL };

static int
appt_lang(const struct config *cfg, const struct appt_row *row)
{
	int	l;

	if (row->language != NULL && (l = config_lang(cfg, row->language)) >= 0)
		return (l);
	return (0);
}

static int
appt_list_fn(struct db *db, struct api_req *a)
{
	json_t	*items;

	if ((items = appointment_list(db, a->who.locations, a->arg,
	    a->limit)) == NULL)
		return (-1);
	a->out = json_pack("{s:o}", "items", items);
	return (0);
}

/* The row as it is now, as the answer. */
static int
appt_answer(struct db *db, struct api_req *a, int queued)
{
	struct appt_row	row;
	int		rc;

	memset(&row, 0, sizeof row);
	if ((rc = appointment_get(db, a->id, a->who.locations, &row)) != APPT_OK)
		return (rc == APPT_NOTFOUND ? api_fail(a, 404, "no such "
		    "appointment request") : -1);
	a->out = appointment_item(&row);
	json_object_set_new(a->out, "texted", json_boolean(queued));
	appointment_row_free(&row);
	live_mark();
	callback_mark_changed();
	return (0);
}

/* The reminder of an earlier time, if it has not gone yet. */
static int
appt_withdraw_reminder(struct db *db, const struct appt_row *row,
    const char *why, time_t now)
{
	char	*key;
	int	 rc;

	if (row->start <= 0)
		return (0);
	key = appointment_reminder_key(row->id, row->start);
	rc = outbox_withdraw(db, key, why, now);
	free(key);
	return (rc < 0 ? -1 : 0);
}

static int
appt_confirm_fn(struct db *db, struct api_req *a)
{
	const struct config	*cfg = a->cfg;
	const struct location	*loc;
	struct appt_row		 row;
	time_t			 start, remind;
	char			*key;
	int			 rc, lang, texted = 0;

	(void)appt_parse_start(a->text, &start);
	memset(&row, 0, sizeof row);
	if ((rc = appointment_get(db, a->id, a->who.locations, &row)) !=
	    APPT_OK)
		return (rc == APPT_NOTFOUND ? api_fail(a, 404, "no such "
		    "appointment request") : -1);
	loc = config_location(cfg, a->arg != NULL ? a->arg : row.location);
	if (loc == NULL) {
		appointment_row_free(&row);
		return (api_fail(a, 400, "location is needed: the request names "
		    "no clinic"));
	}
	if (strcmp(a->who.locations, "*") != 0 && a->arg != NULL &&
	    strstr(a->who.locations, loc->id) == NULL) {
		appointment_row_free(&row);
		return (api_fail(a, 403, "that location is not yours"));
	}
	if (appt_withdraw_reminder(db, &row, "appointment moved", a->now) != 0)
		goto fail;
	if ((rc = appointment_set_confirmed(db, a->id, start, a->text, loc->id,
	    a->who.name, a->now)) != APPT_OK) {
		appointment_row_free(&row);
		return (rc == APPT_CONFLICT ? api_fail(a, 409, "this request is "
		    "cancelled or marked missed") : -1);
	}
	lang = appt_lang(cfg, &row);
	row.start = start;
	free(row.location);
	row.location = xstrdup(loc->id);
	xasprintf(&key, "appointment:%lld:confirmed:%lld", row.id,
	    (long long)start);
	rc = appointment_queue_text(db, key, row.phone, row.language,
	    appt_text_confirmed(cfg, loc, lang, start), a->now, a->now);
	free(key);
	if (rc < 0)
		goto fail;
	texted = rc;
	/*
	 * The day before at the visit's time of day, moved out of the
	 * recipient's quiet hours (quiet.h) -- but never past the visit's
	 * eve.  Too late for that: the confirmation was the reminder.
	 */
	remind = quiet_next_allowed(cfg, row.phone, start -
	    APPT_REMIND_BEFORE);
	if (start - APPT_REMIND_BEFORE > a->now && remind < start -
	    APPT_REMIND_BEFORE / 4) {
		key = appointment_reminder_key(row.id, start);
		rc = appointment_queue_text(db, key, row.phone, row.language,
		    appt_text_reminder(cfg, loc, lang, start), remind, a->now);
		free(key);
		if (rc < 0)
			goto fail;
	}
	if (appointment_queue_fhir(db, cfg, &row, "booked", a->now) < 0)
		goto fail;
	appointment_row_free(&row);
	a->kick = 1;
	log_info("staff: %s confirmed appointment request %lld", a->who.name,
	    a->id);
	return (appt_answer(db, a, texted));
fail:
	appointment_row_free(&row);
	return (-1);
}

static int
appt_cancel_fn(struct db *db, struct api_req *a)
{
	const struct config	*cfg = a->cfg;
	struct appt_row		 row;
	char			*key;
	int			 rc, texted;

	memset(&row, 0, sizeof row);
	if ((rc = appointment_get(db, a->id, a->who.locations, &row)) !=
	    APPT_OK)
		return (rc == APPT_NOTFOUND ? api_fail(a, 404, "no such "
		    "appointment request") : -1);
	if ((rc = appointment_set_cancelled(db, a->id, a->text, a->who.name,
	    a->now)) != APPT_OK) {
		appointment_row_free(&row);
		return (rc == APPT_CONFLICT ? api_fail(a, 409, "this request is "
		    "already cancelled or marked missed") : -1);
	}
	if (appt_withdraw_reminder(db, &row, "appointment cancelled",
	    a->now) != 0)
		goto fail;
	xasprintf(&key, "appointment:%lld:cancelled", row.id);
	rc = appointment_queue_text(db, key, row.phone, row.language,
	    appt_text_cancelled(cfg, config_location(cfg, row.location),
	    appt_lang(cfg, &row), a->text), a->now, a->now);
	free(key);
	if ((texted = rc) < 0)
		goto fail;
	if (appointment_queue_fhir(db, cfg, &row, "cancelled", a->now) < 0)
		goto fail;
	appointment_row_free(&row);
	a->kick = 1;
	log_info("staff: %s cancelled appointment request %lld", a->who.name,
	    a->id);
	return (appt_answer(db, a, texted));
fail:
	appointment_row_free(&row);
	return (-1);
}

static int
appt_noshow_fn(struct db *db, struct api_req *a)
{
	const struct config	*cfg = a->cfg;
	struct appt_row		 row;
	char			*key;
	int			 rc, texted;

	memset(&row, 0, sizeof row);
	if ((rc = appointment_get(db, a->id, a->who.locations, &row)) !=
	    APPT_OK)
		return (rc == APPT_NOTFOUND ? api_fail(a, 404, "no such "
		    "appointment request") : -1);
	if ((rc = appointment_set_noshow(db, a->id, a->who.name, a->now)) !=
	    APPT_OK) {
		appointment_row_free(&row);
		return (rc == APPT_CONFLICT ? api_fail(a, 409, "only a confirmed "
		    "appointment can be missed") : -1);
	}
	/* One follow-up, whatever is clicked twice. */
	xasprintf(&key, "appointment:%lld:noshow", row.id);
	rc = appointment_queue_text(db, key, row.phone, row.language,
	    appt_text_noshow(cfg, config_location(cfg, row.location),
	    appt_lang(cfg, &row)), a->now, a->now);
	free(key);
	if ((texted = rc) < 0)
		goto fail;
	if (appointment_queue_fhir(db, cfg, &row, "noshow", a->now) < 0)
		goto fail;
	appointment_row_free(&row);
	a->kick = 1;
	return (appt_answer(db, a, texted));
fail:
	appointment_row_free(&row);
	return (-1);
}

static void
appt_list_cb(struct hreq *r)
{
	struct api_req	*a = api_new(r, appt_list_fn);
	const char	*st = form_get(&r->args, "status");
	size_t		 i;

	if (st == NULL || *st == '\0')
		st = "all";
	for (i = 0; appt_statuses[i] != NULL; i++) {
		if (strcmp(st, appt_statuses[i]) == 0)
			break;
	}
	if (appt_statuses[i] == NULL) {
		api_refuse(a, 400, "status is open, all, requested, confirmed, "
		    "patient_confirmed, reschedule, cancelled or no_show");
		return;
	}
	a->arg = xstrdup(st);
	if (api_limit(r, APPT_LIMIT_DEFAULT, APPT_LIMIT_MAX, &a->limit) != 0) {
		api_refuse(a, 400, "limit is 1 to 500");
		return;
	}
	api_submit(a, 0);
}

/* A JSON string field of at most max bytes, or NULL. */
static const char *
appt_field(json_t *body, const char *name, size_t max)
{
	const char	*s = json_string_value(json_object_get(body, name));

	if (s == NULL || *s == '\0' || strlen(s) > max)
		return (NULL);
	return (s);
}

static void
appt_act_cb(struct hreq *r)
{
	struct api_req	*a;
	json_t		*body = NULL;
	const char	*why = NULL, *s;
	time_t		 start;

	if (strcmp(r->params[1], "confirm") == 0)
		a = api_new(r, appt_confirm_fn);
	else if (strcmp(r->params[1], "cancel") == 0)
		a = api_new(r, appt_cancel_fn);
	else if (strcmp(r->params[1], "no-show") == 0)
		a = api_new(r, appt_noshow_fn);
	else {
		http_error(r, 404, "no such action (confirm, cancel, no-show)");
		return;
	}
	if (api_id(r->params[0], &a->id) != 0) {
		api_refuse(a, 404, "no such appointment request");
		return;
	}
	if (a->fn != appt_noshow_fn && api_json_body(r, &body, &why) != 0) {
		api_refuse(a, 400, why);
		return;
	}
	if (a->fn == appt_confirm_fn) {
		if ((s = appt_field(body, "start", 40)) == NULL ||
		    appt_parse_start(s, &start) != 0) {
			json_decref(body);
			api_refuse(a, 400, "start is the date and time with its "
			    "offset, e.g. 2026-12-08T09:30:00-06:00");
			return;
		}
		if (start <= a->now) {
			json_decref(body);
			api_refuse(a, 400, "start is in the past");
			return;
		}
		a->text = xstrdup(s);
		if (json_object_get(body, "location") != NULL) {
			if ((s = appt_field(body, "location", 64)) == NULL ||
			    config_location(r->cfg, s) == NULL) {
				json_decref(body);
				api_refuse(a, 400, "location is a location id "
				    "from locations.yaml");
				return;
			}
			a->arg = xstrdup(s);
		}
	} else if (a->fn == appt_cancel_fn) {
		if ((s = appt_field(body, "reason", APPT_REASON_MAX)) == NULL) {
			json_decref(body);
			api_refuse(a, 400, "reason is a few words for the "
			    "patient, at most 160 bytes");
			return;
		}
		a->text = xstrdup(s);
	}
	json_decref(body);
	api_submit(a, 1);
}

void
staff_appt_init(struct hotline *hl)
{
	http_route(hl->http, EVHTTP_REQ_GET, "/api/v1/appointments", 0,
	    "api-appointments", appt_list_cb);
	http_route(hl->http, EVHTTP_REQ_POST, "/api/v1/appointments/{}/{}", 0,
	    "api-appointments-action", appt_act_cb);
}
