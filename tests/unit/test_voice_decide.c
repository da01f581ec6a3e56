/*
 * test_voice_decide.c -- what a call hears next, decided without a store
 * (voice.h): the first answer, a red flag, texting a guide (which first
 * asks whether the caller opted out), a callback request and a voicemail
 * (which hand their request to the store and finish with its answer),
 * and the callback stages in the step URL, against the shipped
 * configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "config.h"
#include "flow.h"
#include "location.h"
#include "voice.h"
#include "shipped.h"

static struct config	*cfg;

#define NOW	1700000000	/* any moment: nothing checked names the hour */

static void
load_shipped(void)
{
	cfg = shipped_config();
	ck_assert_ptr_nonnull(cfg);
	ck_assert_ptr_nonnull(cfg->flow);
}

static void
unload(void)
{
	config_unref(cfg);
	cfg = NULL;
}

static void
step(struct voice_in *in, const char *from, const char *digits,
    const char *speech)
{
	memset(in, 0, sizeof *in);
	in->call_sid = "CA0123456789abcdef0123456789abcdef";
	in->from = from;
	in->digits = digits;
	in->speech = speech;
	in->now = NOW;
}

static void
at(struct voice_state *st, const char *node)
{
	memset(st, 0, sizeof *st);
	st->node = flow_node(cfg->flow, node);
	ck_assert_msg(st->node != NULL, "no node %s in flow.yaml", node);
}

static struct voice_facts
facts(int opted)
{
	struct voice_facts	f;

	memset(&f, 0, sizeof f);
	f.opted = opted;
	return (f);
}

START_TEST(test_first_answer)
{
	struct voice_in		in;
	struct voice_state	st;
	struct voice_facts	f = facts(-1);
	struct voice_plan	p;

	step(&in, "+18175550100", NULL, NULL);
	in.incoming = 1;
	st.node = NULL;
	at(&st, cfg->flow->start->id);
	ck_assert_int_eq(voice_decide(cfg, &in, &st, &f, &p), 0);
	ck_assert_int_eq(p.need, VOICE_NEED_NONE);
	ck_assert_ptr_nonnull(p.doc);
	ck_assert_ptr_nonnull(strstr(p.doc, "<Gather"));
	ck_assert_ptr_nonnull(strstr(p.doc, "/voice/step?n="));
	ck_assert_int_eq(p.has_flag, 0);
	ck_assert_int_eq((int)p.ntexts, 0);
	voice_plan_free(&p);
}
END_TEST

START_TEST(test_red_flag)
{
	struct voice_in		in;
	struct voice_state	st;
	struct voice_facts	f = facts(-1);
	struct voice_plan	p;

	step(&in, "+18175550100", NULL, "my legs went numb on my run");
	at(&st, cfg->flow->start->id);
	/* First the request: its place and estimate come from the store. */
	ck_assert_int_eq(voice_decide(cfg, &in, &st, &f, &p), 0);
	ck_assert_int_eq(p.need, VOICE_NEED_CALLBACK);
	ck_assert_int_eq(p.cb.priority, 1);
	voice_plan_free(&p);
	memset(&f.cb[0], 0, sizeof f.cb[0]);
	f.cb[0].created = 1;
	f.cb[0].position = 1;
	f.cb[0].estimate.minutes = 5;
	f.ncb = 1;
	at(&st, cfg->flow->start->id);
	ck_assert_int_eq(voice_decide(cfg, &in, &st, &f, &p), 0);
	ck_assert_int_eq(p.need, VOICE_NEED_NONE);
	ck_assert_int_eq(p.red_flag, 1);
	ck_assert_int_eq(p.has_flag, 1);
	ck_assert_int_eq(p.flag.priority, 1);
	ck_assert_str_eq(p.flag.phone, "+18175550100");
	ck_assert_str_eq(p.input, "red_flag");
	ck_assert_int_eq(p.nevents, 1);
	ck_assert_str_eq(p.events[0].kind, "callback.request");
	ck_assert_ptr_nonnull(strstr(p.doc, "nine one one"));
	voice_plan_free(&p);

	/* A withheld number: the advice, and nobody to call back. */
	step(&in, NULL, NULL, "my legs went numb on my run");
	at(&st, cfg->flow->start->id);
	ck_assert_int_eq(voice_decide(cfg, &in, &st, &f, &p), 0);
	ck_assert_int_eq(p.red_flag, 1);
	ck_assert_int_eq(p.has_flag, 0);
	ck_assert_ptr_nonnull(strstr(p.doc, "nine one one"));
	voice_plan_free(&p);
}
END_TEST

START_TEST(test_text_guide)
{
	struct voice_in		in;
	struct voice_state	st;
	struct voice_facts	f = facts(-1);
	struct voice_plan	p;

	/* Whether the caller opted out is asked only when it matters. */
	step(&in, "+18175550100", "3", NULL);
	at(&st, "prevention");
	ck_assert_int_eq(voice_decide(cfg, &in, &st, &f, &p), 0);
	ck_assert_int_eq(p.need, VOICE_NEED_OPTED);
	ck_assert_ptr_null(p.doc);
	voice_plan_free(&p);

	f.opted = 0;
	at(&st, "prevention");
	ck_assert_int_eq(voice_decide(cfg, &in, &st, &f, &p), 0);
	ck_assert_int_eq(p.need, VOICE_NEED_NONE);
	ck_assert_int_ge((int)p.ntexts, 1);
	ck_assert_ptr_nonnull(strstr(p.texts[0].dedupe, ":guide:"));
	ck_assert_int_eq(p.nevents, 1);
	ck_assert_str_eq(p.events[0].kind, "call.text");
	ck_assert_ptr_nonnull(p.doc);
	voice_plan_free(&p);

	/* STOP wins: nothing queued. */
	f.opted = 1;
	at(&st, "prevention");
	ck_assert_int_eq(voice_decide(cfg, &in, &st, &f, &p), 0);
	ck_assert_int_eq((int)p.ntexts, 0);
	ck_assert_int_eq(p.nevents, 0);
	voice_plan_free(&p);
}
END_TEST

START_TEST(test_callback_request)
{
	struct voice_in		in;
	struct voice_state	st;
	struct voice_facts	f = facts(-1);
	struct voice_plan	p;

	/* The last answer (any time): the request goes to the store. */
	step(&in, "+18175550100", "4", NULL);
	at(&st, "callback");
	snprintf(st.phone, sizeof st.phone, "+18175550100");
	st.loc_any = 1;
	st.stage = VOICE_STAGE_WINDOW;
	ck_assert_int_eq(voice_decide(cfg, &in, &st, &f, &p), 0);
	ck_assert_int_eq(p.need, VOICE_NEED_CALLBACK);
	ck_assert_str_eq(p.cb.phone, "+18175550100");
	ck_assert_str_eq(p.cb.window, "any");
	ck_assert_int_eq(p.cb.priority, 0);
	voice_plan_free(&p);

	/* ... and the decision ends with the place the store gave. */
	f.cb[0].created = 1;
	f.cb[0].position = 7;
	f.cb[0].estimate.minutes = 30;
	f.ncb = 1;
	at(&st, "callback");
	snprintf(st.phone, sizeof st.phone, "+18175550100");
	st.loc_any = 1;
	st.stage = VOICE_STAGE_WINDOW;
	ck_assert_int_eq(voice_decide(cfg, &in, &st, &f, &p), 0);
	ck_assert_int_eq(p.need, VOICE_NEED_NONE);
	ck_assert_ptr_nonnull(strstr(p.doc, "7."));
	ck_assert_int_eq(p.nevents, 1);
	ck_assert_str_eq(p.events[0].input, "created");
	ck_assert_str_eq(st.node->id, "anything_else");
	voice_plan_free(&p);
}
END_TEST

START_TEST(test_voicemail)
{
	struct voice_in		in;
	struct voice_state	st;
	struct voice_facts	f = facts(-1);
	struct voice_plan	p;

	step(&in, NULL, NULL, NULL);
	in.todo = "rec";
	in.rec_url = "https://api.example/Recordings/RE1";
	at(&st, "voicemail");
	ck_assert_int_eq(voice_decide(cfg, &in, &st, &f, &p), 0);
	ck_assert_int_eq(p.need, VOICE_NEED_CALLBACK);
	ck_assert_str_eq(p.cb.source, "voicemail");
	ck_assert_str_eq(p.cb.recording_url, in.rec_url);
	ck_assert_ptr_nonnull(strstr(p.cb.phone, "anonymous:CA"));
	voice_plan_free(&p);
}
END_TEST

START_TEST(test_callback_stages)
{
	struct voice_in		in;
	struct voice_state	st;
	struct voice_facts	f = facts(-1);
	struct voice_plan	p;

	/* A known number is offered first: stage "c" in the URL. */
	step(&in, "+18175550100", NULL, NULL);
	in.todo = "show";
	at(&st, "callback");
	ck_assert_int_eq(voice_decide(cfg, &in, &st, &f, &p), 0);
	ck_assert_int_eq(st.stage, VOICE_STAGE_CONFIRM);
	ck_assert_ptr_nonnull(strstr(p.doc, "s=c"));
	voice_plan_free(&p);

	/* "2": another number, asked for next (stage "n"). */
	step(&in, "+18175550100", "2", NULL);
	at(&st, "callback");
	st.stage = VOICE_STAGE_CONFIRM;
	ck_assert_int_eq(voice_decide(cfg, &in, &st, &f, &p), 0);
	ck_assert_int_eq(st.stage, VOICE_STAGE_NUMBER);
	ck_assert_ptr_nonnull(strstr(p.doc, "s=n"));
	voice_plan_free(&p);

	/* A withheld number is asked for at once. */
	step(&in, NULL, NULL, NULL);
	in.todo = "show";
	at(&st, "callback");
	ck_assert_int_eq(voice_decide(cfg, &in, &st, &f, &p), 0);
	ck_assert_int_eq(st.stage, VOICE_STAGE_NUMBER);
	voice_plan_free(&p);
}
END_TEST

START_TEST(test_appointment)
{
	struct voice_in		in;
	struct voice_state	st;
	struct voice_facts	f = facts(-1);
	struct voice_plan	p;

	/* The days in the caller's words, kept as said (not normalised). */
	step(&in, "+18175550100", NULL, "  Tuesday Morning ");
	at(&st, "appointment");
	st.new_patient = -1;
	st.asked = VOICE_ASKED_LOCATION | VOICE_ASKED_PATIENT;
	st.stage = VOICE_STAGE_DAYS;
	ck_assert_int_eq(voice_decide(cfg, &in, &st, &f, &p), 0);
	ck_assert_str_eq(st.days, "Tuesday Morning");
	ck_assert_int_eq(st.stage, VOICE_STAGE_REASON);
	ck_assert_ptr_nonnull(strstr(p.doc, "pd=Tuesday"));
	voice_plan_free(&p);

	/* "#" skips the reason, not "back"; the number is offered next. */
	step(&in, "+18175550100", "#", NULL);
	ck_assert_int_eq(voice_decide(cfg, &in, &st, &f, &p), 0);
	ck_assert_str_eq(st.node->id, "appointment");
	ck_assert_int_eq(st.stage, VOICE_STAGE_CONFIRM);
	ck_assert_str_eq(st.reason, "");
	voice_plan_free(&p);

	/* "1": the request goes to the store, then what happens next. */
	step(&in, "+18175550100", "1", NULL);
	ck_assert_int_eq(voice_decide(cfg, &in, &st, &f, &p), 0);
	ck_assert_int_eq(p.need, VOICE_NEED_APPOINTMENT);
	ck_assert_str_eq(p.appt.channel, "voice");
	ck_assert_str_eq(p.appt.phone, "+18175550100");
	ck_assert_str_eq(p.appt.preferred, "Tuesday Morning");
	ck_assert_ptr_null(p.appt.reason);
	ck_assert_ptr_null(p.appt.location);
	ck_assert_int_eq(p.appt.new_patient, -1);
	voice_plan_free(&p);
}
END_TEST

/* How many times needle is in hay. */
static int
occurs(const char *hay, const char *needle)
{
	int	n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return (n);
}

START_TEST(test_language_question)
{
	struct voice_in		in;
	struct voice_state	st;
	struct voice_facts	f = facts(-1);
	struct voice_plan	p;
	const char		*es, *en;

	/*
	 * The first answer: the Spanish question in a Gather that listens
	 * in Spanish and goes on to the menu when unanswered, then the
	 * menu's Gather in English.
	 */
	step(&in, "+18175550100", NULL, NULL);
	in.incoming = 1;
	at(&st, cfg->flow->start->id);
	ck_assert_int_eq(voice_decide(cfg, &in, &st, &f, &p), 0);
	ck_assert_ptr_nonnull(es = strstr(p.doc, "<Gather"));
	ck_assert_ptr_nonnull(en = strstr(es + 1, "<Gather"));
	ck_assert(strstr(es, "language=\"es-US\"") < strchr(es, '>'));
	ck_assert(strstr(en, "language=\"en-US\"") < strchr(en, '>'));
	ck_assert_int_eq(occurs(p.doc, "<Gather"), 2);
	ck_assert_int_eq(occurs(p.doc, "actionOnEmptyResult"), 1);
	ck_assert(strstr(en, "actionOnEmptyResult") != NULL);
	ck_assert(strstr(es, "&amp;sl=es") < en);
	/* "... o diga español" is in the Spanish Gather alone. */
	ck_assert_int_eq(occurs(p.doc, "diga espa"), 1);
	ck_assert(strstr(es, "diga espa") < en);
	voice_plan_free(&p);

	/* "español" heard there: Spanish. */
	step(&in, "+18175550100", NULL, "español");
	in.speech_lang = "es";
	at(&st, cfg->flow->start->id);
	ck_assert_int_eq(voice_decide(cfg, &in, &st, &f, &p), 0);
	ck_assert_int_eq(st.lang, 1);
	ck_assert_str_eq(p.input, "spanish");
	voice_plan_free(&p);

	/* Other words there are the menu's, in the call's language. */
	step(&in, "+18175550100", NULL, "stretches");
	in.speech_lang = "es";
	at(&st, cfg->flow->start->id);
	ck_assert_int_eq(voice_decide(cfg, &in, &st, &f, &p), 0);
	ck_assert_int_eq(st.lang, 0);
	ck_assert_str_eq(st.node->id, "stretches");
	voice_plan_free(&p);

	/* Nine there switches as it does in the menu. */
	step(&in, "+18175550100", "9", NULL);
	in.speech_lang = "es";
	at(&st, cfg->flow->start->id);
	ck_assert_int_eq(voice_decide(cfg, &in, &st, &f, &p), 0);
	ck_assert_int_eq(st.lang, 1);
	voice_plan_free(&p);
}
END_TEST

START_TEST(test_zip_distance)
{
	struct voice_in		in;
	struct voice_state	st;
	struct voice_facts	f = facts(-1);
	struct voice_plan	p;
	struct location		*l;
	const struct prompt	*near;
	double			 miles;
	char			 want[256], buf[32];

	ck_assert_ptr_nonnull(l = location_nearest_zip(cfg, "75013", &miles));
	ck_assert_ptr_nonnull(near = config_prompt(cfg, "zip_nearest"));
	snprintf(want, sizeof want, "%s %s", near->text[0],
	    location_miles_text(miles, buf, sizeof buf));
	step(&in, "+18175550100", "75013", NULL);
	at(&st, "zip");
	ck_assert_int_eq(voice_decide(cfg, &in, &st, &f, &p), 0);
	ck_assert_ptr_eq(st.loc, l);
	ck_assert_msg(strstr(p.doc, want) != NULL, "%s not in %s", want, p.doc);
	/* Its name once, and once more in the address read aloud. */
	ck_assert_int_eq(occurs(p.doc, i18n_get(&l->name, 0)),
	    1 + occurs(i18n_get(&l->address_spoken, 0), i18n_get(&l->name, 0)));
	voice_plan_free(&p);
}
END_TEST

static Suite *
voice_decide_suite(void)
{
	Suite	*s = suite_create("voice_decide");
	TCase	*tc = tcase_create("decide");

	tcase_add_checked_fixture(tc, load_shipped, unload);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_first_answer);
	tcase_add_test(tc, test_red_flag);
	tcase_add_test(tc, test_text_guide);
	tcase_add_test(tc, test_callback_request);
	tcase_add_test(tc, test_voicemail);
	tcase_add_test(tc, test_callback_stages);
	tcase_add_test(tc, test_language_question);
	tcase_add_test(tc, test_zip_distance);
	tcase_add_test(tc, test_appointment);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (shipped_run(voice_decide_suite()));
}
