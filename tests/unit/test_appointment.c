/*
 * test_appointment.c -- the appointment conversation by text, decided
 * without a store (appointment.h), its texts, the start time's parsing and
 * the FHIR resource, against the shipped configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <jansson.h>

#include "appointment.h"
#include "config.h"
#include "keyword.h"
#include "segment.h"
#include "sms.h"
#include "shipped.h"

static struct config	*cfg;
static int		 es;

/* Tuesday 2026-12-01 15:00 UTC = 9 AM in Dallas: the clinics are open. */
#define OPEN_AT		((time_t)1796137200)
/* Sunday 2026-12-06 09:00 UTC = 3 AM in Dallas: every clinic is closed. */
#define CLOSED_AT	((time_t)1796547600)

static void
load_shipped(void)
{
	cfg = shipped_config();
	ck_assert_ptr_nonnull(cfg);
	es = config_lang(cfg, "es");
	ck_assert_int_ge(es, 0);
}

static void
unload(void)
{
	config_unref(cfg);
	cfg = NULL;
}

/* Each reply fits the segments a text may take. */
static void
fits(const char *text, int lang)
{
	struct segment_count	 c;
	char			*f = segment_fold(text);

	ck_assert_int_eq(segment_count(f, &c), 0);
	ck_assert_msg(c.segments <= segment_limit(&c, cfg->langs[lang]),
	    "%zu segments: %s", c.segments, text);
	free(f);
}

/* The next text of a conversation: cur becomes the plan's state. */
static void
step(struct appt_convo *cur, const char *body, struct appt_plan *p)
{
	appt_decide(cfg, cur, body, cur->lang, OPEN_AT, p);
	fits(p->text, p->next.lang);
	appt_convo_clear(cur);
	*cur = p->next;
	memset(&p->next, 0, sizeof p->next);
	free(p->text);
	p->text = NULL;
}

START_TEST(test_one_question_at_a_time)
{
	struct appt_convo	cur;
	struct appt_plan	p;

	appt_decide(cfg, NULL, "APPOINTMENT", 0, OPEN_AT, &p);
	ck_assert_int_eq(p.request, 0);
	ck_assert_int_eq(p.next.step, APPT_STEP_LOCATION);
	ck_assert_ptr_nonnull(strstr(p.text, "Allen"));
	ck_assert_ptr_nonnull(strstr(p.text, "STOP"));
	fits(p.text, 0);
	cur = p.next;
	memset(&p.next, 0, sizeof p.next);
	appt_plan_free(&p);

	/* No clinic in it: asked again. */
	step(&cur, "the moon", &p);
	ck_assert_int_eq(cur.step, APPT_STEP_LOCATION);
	ck_assert_ptr_null(cur.location);
	/* By name. */
	step(&cur, "allen please", &p);
	ck_assert_str_eq(cur.location, "allen");
	ck_assert_int_eq(cur.step, APPT_STEP_PATIENT);
	step(&cur, "New", &p);
	ck_assert_int_eq(cur.new_patient, 1);
	ck_assert_int_eq(cur.step, APPT_STEP_WHEN);
	step(&cur, "Tuesday morning", &p);
	ck_assert_str_eq(cur.preferred, "Tuesday morning");
	ck_assert_int_eq(cur.step, APPT_STEP_REASON);

	appt_decide(cfg, &cur, "Knee pain after running", 0, OPEN_AT, &p);
	ck_assert_int_eq(p.request, 1);
	ck_assert_int_eq(p.next.step, APPT_STEP_NONE);
	ck_assert_str_eq(p.next.reason, "Knee pain after running");
	ck_assert_ptr_nonnull(strstr(p.text, "today"));
	appt_plan_free(&p);
	appt_convo_clear(&cur);
}
END_TEST

START_TEST(test_skip_and_zip)
{
	struct appt_convo	cur;
	struct appt_plan	p;

	appt_decide(cfg, NULL, "cita", es, CLOSED_AT, &p);
	ck_assert_int_eq(p.next.lang, es);
	ck_assert_ptr_nonnull(strstr(p.text, "OMITIR"));
	cur = p.next;
	memset(&p.next, 0, sizeof p.next);
	appt_plan_free(&p);
	/* A ZIP code finds the nearest clinic, as the ZIP lookup does. */
	step(&cur, "75013", &p);
	ck_assert_ptr_nonnull(cur.location);
	ck_assert_str_eq(cur.location, "allen");
	step(&cur, "omitir", &p);
	ck_assert_int_eq(cur.new_patient, -1);
	ck_assert_int_eq(cur.step, APPT_STEP_WHEN);
	step(&cur, "Omitir", &p);
	ck_assert_ptr_null(cur.preferred);
	/* Closed: the reply says when the clinic opens, not "today". */
	appt_decide(cfg, &cur, "dolor de espalda", es, CLOSED_AT, &p);
	ck_assert_int_eq(p.request, 1);
	ck_assert_ptr_nonnull(strstr(p.text, "cerrados"));
	fits(p.text, es);
	appt_plan_free(&p);
	appt_convo_clear(&cur);
}
END_TEST

START_TEST(test_free_text)
{
	struct appt_plan	p;

	/* Everything in one text: a request at once. */
	appt_decide(cfg, NULL, "BOOK Allen, Tuesday morning, knee pain after "
	    "running", 0, OPEN_AT, &p);
	ck_assert_int_eq(p.request, 1);
	ck_assert_str_eq(p.next.location, "allen");
	ck_assert_str_eq(p.next.preferred, "Tuesday morning");
	ck_assert_str_eq(p.next.reason, "knee pain after running");
	appt_plan_free(&p);

	/* Some of it: only what is missing is asked. */
	appt_decide(cfg, NULL, "appointment garland, back pain", 0, OPEN_AT,
	    &p);
	ck_assert_int_eq(p.request, 0);
	ck_assert_str_eq(p.next.location, "garland");
	ck_assert_str_eq(p.next.reason, "back pain");
	ck_assert_int_eq(p.next.step, APPT_STEP_PATIENT);
	appt_plan_free(&p);
}
END_TEST

START_TEST(test_start_parse)
{
	time_t	t;

	ck_assert_int_eq(appt_parse_start("2026-12-08T09:30:00-06:00", &t), 0);
	ck_assert_int_eq((long long)t, 1796743800LL);
	ck_assert_int_eq(appt_parse_start("2026-12-08T15:30Z", &t), 0);
	ck_assert_int_eq((long long)t, 1796743800LL);
	/* No offset: no guessing the zone. */
	ck_assert_int_eq(appt_parse_start("2026-12-08T09:30:00", &t), -1);
	ck_assert_int_eq(appt_parse_start("2026-02-31T09:30:00Z", &t), -1);
	ck_assert_int_eq(appt_parse_start("tomorrow", &t), -1);
	ck_assert_int_eq(appt_parse_start(NULL, &t), -1);
}
END_TEST

START_TEST(test_staff_texts)
{
	const struct location	*allen = config_location(cfg, "allen");
	char			*s;
	int			 lang;

	ck_assert_ptr_nonnull(allen);
	for (lang = 0; (size_t)lang < cfg->nlangs; lang++) {
		s = appt_text_confirmed(cfg, allen, lang, 1796743800);
		ck_assert_ptr_nonnull(strstr(s, allen->address));
		ck_assert_ptr_nonnull(strstr(s, lang == es ? "8 de diciembre" :
		    "December 8"));
		ck_assert_ptr_nonnull(strstr(s, lang == es ? "9:30 a. m." :
		    "9:30 AM"));
		fits(s, lang);
		free(s);
		s = appt_text_reminder(cfg, allen, lang, 1796743800);
		ck_assert_ptr_nonnull(strstr(s, lang == es ? "ALTO" : "STOP"));
		fits(s, lang);
		free(s);
		s = appt_text_cancelled(cfg, allen, lang, "The doctor is away "
		    "that week; we are sorry. Please ask again for the week "
		    "after, any morning suits us, or call the front desk now.");
		fits(s, lang);
		free(s);
		s = appt_text_noshow(cfg, allen, lang);
		fits(s, lang);
		free(s);
		s = appt_text_answer(cfg, allen, lang, 1, 1796743800,
		    CLOSED_AT);
		fits(s, lang);
		free(s);
	}
}
END_TEST

START_TEST(test_fhir)
{
	struct appt_row	 row;
	json_t		*r, *p;

	memset(&row, 0, sizeof row);
	row.id = 42;
	row.phone = "+18175550199";
	row.location = "allen";
	row.language = "es";
	row.new_patient = 1;
	row.preferred = "martes en la mañana";
	row.reason = "dolor de rodilla";
	row.created = OPEN_AT;
	r = appt_fhir_resource(cfg, &row, "proposed", OPEN_AT);
	ck_assert_str_eq(json_string_value(json_object_get(r,
	    "resourceType")), "Appointment");
	ck_assert_str_eq(json_string_value(json_object_get(r, "status")),
	    "proposed");
	ck_assert_ptr_null(json_object_get(r, "start"));
	p = json_object_get(r, "requestedPeriod");
	/* Tuesdays of the next two weeks, in the morning. */
	ck_assert_int_eq(json_array_size(p), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(r, "identifier"), 0), "value")), "42");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(r, "contained"), 0), "resourceType")), "Patient");
	json_decref(r);

	row.start = 1796743800;
	r = appt_fhir_resource(cfg, &row, "booked", OPEN_AT);
	ck_assert_ptr_nonnull(json_object_get(r, "start"));
	ck_assert_ptr_nonnull(json_object_get(r, "end"));
	ck_assert_ptr_null(json_object_get(r, "requestedPeriod"));
	json_decref(r);
}
END_TEST

static Suite *
appointment_suite(void)
{
	Suite	*s = suite_create("appointment");
	TCase	*tc = tcase_create("decide");

	tcase_add_checked_fixture(tc, load_shipped, unload);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_one_question_at_a_time);
	tcase_add_test(tc, test_skip_and_zip);
	tcase_add_test(tc, test_free_text);
	tcase_add_test(tc, test_start_parse);
	tcase_add_test(tc, test_staff_texts);
	tcase_add_test(tc, test_fhir);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (shipped_run(appointment_suite()));
}
