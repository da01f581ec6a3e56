/*
 * appointment_fhir.c -- an appointment request as a FHIR R4 Appointment
 * (http://hl7.org/fhir/R4/appointment.html), for the clinic's scheduling
 * system.  Pure: built with jansson from the row and the configuration.
 *
 * The patient travels as a contained Patient (the phone number and the
 * language: nothing more is known), referenced as "#patient" by the
 * participant, as R4 requires of a contained resource.  The clinic is the
 * location's fhir_location reference (locations.yaml).  The preferred
 * days and part of the day become requestedPeriod windows over the next
 * two weeks in the clinic's zone; the person's words stay in comment.
 * A proposal has no start; a booking (and a no-show) has start and end
 * (R4's app-3).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "appointment.h"
#include "config.h"
#include "keyword.h"
#include "util.h"
#include "xmalloc.h"

#define APPT_FHIR_DAYS		14	/* requestedPeriod looks this far */
#define APPT_FHIR_PERIODS	8
#define APPT_FHIR_MINUTES	60	/* a booking's length */

const char *
appt_fhir_system(const struct config *cfg)
{
	return (cfg->fhir_system != NULL ? cfg->fhir_system :
	    "urn:hotline:appointment-request");
}

static json_t *
appt_fhir_time(time_t t)
{
	char	buf[32];

	return (json_string(util_iso8601(t, buf, sizeof buf)));
}

/* The days (bit 0 = Sunday) and hours [from, to) the words ask for. */
static void
appt_fhir_window(const char *words, int *days, int *from, int *to)
{
	static const struct { const char *w; int day; } dw[] = {
		{ "sunday", 0 }, { "domingo", 0 }, { "monday", 1 },
		{ "mon", 1 }, { "lunes", 1 }, { "tuesday", 2 }, { "tue", 2 },
		{ "tues", 2 }, { "martes", 2 }, { "wednesday", 3 },
		{ "wed", 3 }, { "miercoles", 3 }, { "thursday", 4 },
		{ "thu", 4 }, { "thurs", 4 }, { "jueves", 4 },
		{ "friday", 5 }, { "fri", 5 }, { "viernes", 5 },
		{ "saturday", 6 }, { "sat", 6 }, { "sabado", 6 },
		{ "weekday", 7 }, { "weekdays", 7 }, { "weekend", 8 },
		{ "weekends", 8 }
	};
	char	*norm, *w, *save = NULL;
	size_t	 i;

	*days = 0;
	*from = 0;
	*to = 24;
	if (words == NULL)
		words = "";
	norm = keyword_normalise(words);
	for (w = strtok_r(norm, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save)) {
		for (i = 0; i < sizeof dw / sizeof dw[0]; i++) {
			if (strcmp(w, dw[i].w) != 0)
				continue;
			if (dw[i].day == 7)
				*days |= 0x3e;
			else if (dw[i].day == 8)
				*days |= 0x41;
			else
				*days |= 1 << dw[i].day;
		}
		if (strcmp(w, "morning") == 0 || strcmp(w, "mornings") == 0 ||
		    strcmp(w, "am") == 0 || strcmp(w, "manana") == 0 ||
		    strcmp(w, "mananas") == 0) {
			*from = 7;
			*to = 12;
		} else if (strcmp(w, "afternoon") == 0 ||
		    strcmp(w, "afternoons") == 0 || strcmp(w, "pm") == 0 ||
		    strcmp(w, "tarde") == 0 || strcmp(w, "tardes") == 0) {
			*from = 12;
			*to = 17;
		} else if (strcmp(w, "evening") == 0 ||
		    strcmp(w, "evenings") == 0 || strcmp(w, "noche") == 0) {
			*from = 17;
			*to = 21;
		}
	}
	free(norm);
	if (*days == 0)
		*days = 0x7f;
}

/* requestedPeriod: the windows the preferred words name, from now on. */
static json_t *
appt_fhir_periods(const struct location *loc, const char *preferred,
    time_t now)
{
	const char	*tz = loc != NULL && loc->timezone != NULL ?
			    loc->timezone : "America/Chicago";
	struct tm	 tm, day;
	json_t		*a = json_array();
	time_t		 s, e;
	int		 days, from, to, d;

	appt_fhir_window(preferred, &days, &from, &to);
	if (util_localtime(tz, now, &tm) != 0)
		return (a);
	/* Any day, any hour: the whole fortnight in one window. */
	if (days == 0x7f && from == 0 && to == 24) {
		json_array_append_new(a, json_pack("{s:o, s:o}", "start",
		    appt_fhir_time(now), "end", appt_fhir_time(now +
		    APPT_FHIR_DAYS * 86400)));
		return (a);
	}
	for (d = 0; d < APPT_FHIR_DAYS && json_array_size(a) <
	    APPT_FHIR_PERIODS; d++) {
		day = tm;
		day.tm_mday += d;
		day.tm_hour = from;
		day.tm_min = day.tm_sec = 0;
		day.tm_isdst = -1;
		s = util_mktime(tz, &day);
		if (util_localtime(tz, s, &day) != 0 ||
		    !(days & (1 << day.tm_wday)))
			continue;
		day.tm_hour = to == 24 ? 23 : to;
		day.tm_min = to == 24 ? 59 : 0;
		day.tm_isdst = -1;
		e = util_mktime(tz, &day);
		if (e <= now)
			continue;
		if (s < now)
			s = now;
		json_array_append_new(a, json_pack("{s:o, s:o}", "start",
		    appt_fhir_time(s), "end", appt_fhir_time(e)));
	}
	return (a);
}

json_t *
appt_fhir_resource(const struct config *cfg, const struct appt_row *row,
    const char *status, time_t now)
{
	const struct location	*loc = config_location(cfg, row->location);
	json_t			*res, *patient, *parts, *actor;
	char			 idbuf[32], *comment;
	int			 booked = strcmp(status, "proposed") != 0;
	const char		*lang = row->language != NULL ? row->language :
				    cfg->langs[0];

	patient = json_pack("{s:s, s:s, s:[{s:s, s:s, s:s}], s:[{s:{s:[{s:s, "
	    "s:s}]}, s:b}]}", "resourceType", "Patient", "id", "patient",
	    "telecom", "system", "phone", "value", row->phone, "use", "mobile",
	    "communication", "language", "coding", "system", "urn:ietf:bcp:47",
	    "code", lang, "preferred", 1);
	parts = json_array();
	json_array_append_new(parts, json_pack("{s:{s:s}, s:s, s:s}", "actor",
	    "reference", "#patient", "required", "required", "status",
	    booked ? "accepted" : "needs-action"));
	if (loc != NULL) {
		actor = json_pack("{s:s}", "display", loc->name.text[0] != NULL ?
		    loc->name.text[0] : loc->id);
		if (loc->fhir_location != NULL)
			json_object_set_new(actor, "reference",
			    json_string(loc->fhir_location));
		json_array_append_new(parts, json_pack("{s:o, s:s, s:s}",
		    "actor", actor, "required", "required", "status",
		    booked ? "accepted" : "needs-action"));
	}
	snprintf(idbuf, sizeof idbuf, "%lld", row->id);
	res = json_pack("{s:s, s:[o], s:[{s:s, s:s}], s:s, s:o, s:o}",
	    "resourceType", "Appointment", "contained", patient, "identifier",
	    "system", appt_fhir_system(cfg), "value", idbuf, "status", status,
	    "created", appt_fhir_time(row->created > 0 ? row->created : now),
	    "participant", parts);
	if (row->reason != NULL)
		json_object_set_new(res, "description",
		    json_string(row->reason));
	xasprintf(&comment, "Asked by the hotline. %s patient. Preferred: %s.",
	    row->new_patient == 1 ? "New" : row->new_patient == 0 ?
	    "Returning" : "New or returning not said",
	    row->preferred != NULL ? row->preferred : "any time");
	json_object_set_new(res, "comment", json_string(comment));
	free(comment);
	/* Only a proposal (or a cancelled request) goes without a time. */
	if (strcmp(status, "proposed") != 0 && row->start > 0) {
		json_object_set_new(res, "start", appt_fhir_time(row->start));
		json_object_set_new(res, "end", appt_fhir_time(row->start +
		    APPT_FHIR_MINUTES * 60));
	} else if (strcmp(status, "proposed") == 0)
		json_object_set_new(res, "requestedPeriod",
		    appt_fhir_periods(loc, row->preferred, now));
	return (res);
}
